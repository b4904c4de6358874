//! The cohort specification: covariates, dependence, eligibility, mode; validated and
//! compiled once so that generation only evaluates precomputed tables.

use super::bands::BandSpec;
use super::compile::{
    add_band_knots, check_table_n, compile_conditional, compile_copula, compile_only_if,
    compile_rule, numeric, numeric_node, topological_order, unreachable_node,
};
use super::dependence::{ConditionalTable, Copula, Correlation, OnlyIf};
use super::eligibility::{CompiledRule, Rule};
use super::error::SpecError;
use super::generate::Node;
use super::margin::{CategoricalMargin, ContinuousMargin, CountMargin, MISSING_LEVEL};
use super::sampled::{drivers, Driver};
use super::table::{ColumnKind, Layout};
use std::sync::Arc;

/// The margin (or derivation) of one covariate.
#[derive(Debug, Clone, PartialEq)]
pub enum Margin {
    /// A root categorical or binary margin.
    Categorical(CategoricalMargin),
    /// A root continuous margin.
    Continuous(ContinuousMargin),
    /// A root count margin.
    Count(CountMargin),
    /// A categorical child given a level-valued parent.
    Conditional(ConditionalTable),
    /// A categorical child with a structural zero outside one parent level.
    OnlyIf(OnlyIf),
    /// A band derived from a continuous or count covariate.
    Band(BandSpec),
}

impl From<CategoricalMargin> for Margin {
    fn from(m: CategoricalMargin) -> Self {
        Margin::Categorical(m)
    }
}
impl From<ContinuousMargin> for Margin {
    fn from(m: ContinuousMargin) -> Self {
        Margin::Continuous(m)
    }
}
impl From<CountMargin> for Margin {
    fn from(m: CountMargin) -> Self {
        Margin::Count(m)
    }
}
impl From<ConditionalTable> for Margin {
    fn from(m: ConditionalTable) -> Self {
        Margin::Conditional(m)
    }
}
impl From<OnlyIf> for Margin {
    fn from(m: OnlyIf) -> Self {
        Margin::OnlyIf(m)
    }
}
impl From<BandSpec> for Margin {
    fn from(m: BandSpec) -> Self {
        Margin::Band(m)
    }
}

impl Margin {
    pub(crate) fn is_root(&self) -> bool {
        matches!(
            self,
            Margin::Categorical(_) | Margin::Continuous(_) | Margin::Count(_)
        )
    }

    pub(crate) fn is_level_valued(&self) -> bool {
        matches!(
            self,
            Margin::Categorical(_) | Margin::Conditional(_) | Margin::OnlyIf(_) | Margin::Band(_)
        )
    }

    pub(crate) fn parent(&self) -> Option<&str> {
        match self {
            Margin::Conditional(t) => Some(t.parent()),
            Margin::OnlyIf(o) => Some(o.parent()),
            Margin::Band(b) => Some(b.source()),
            _ => None,
        }
    }
}

/// A named covariate.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    pub(crate) name: String,
    pub(crate) margin: Margin,
}

impl Covariate {
    /// A covariate; the name is validated when the spec is built.
    pub fn new(name: impl Into<String>, margin: impl Into<Margin>) -> Self {
        Covariate {
            name: name.into(),
            margin: margin.into(),
        }
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Margin.
    pub fn margin(&self) -> &Margin {
        &self.margin
    }
}

/// How the cohort relates to the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Each patient is an independent draw from the super-population the table describes;
    /// counts vary from cohort to cohort as they would between real samples.
    #[default]
    Sampled,
    /// The cohort's counts equal the table's (apportioned to other n by largest
    /// remainder), combined at random: the same patients, re-matched. Levels go by the rank
    /// of each patient's latent normal, so copula rank dependence survives.
    Exact,
}

/// Default cap on screened patients, per requested patient, in sampled mode.
pub const DEFAULT_MAX_SCREENED_PER_PATIENT: u64 = 10_000;

/// A rule whose exclusion probability alone reaches this is rejected at build time.
pub const MAX_EXCLUDED_PROBABILITY: f64 = 0.999;

/// Collects the parts of a spec; [`CohortSpecBuilder::build`] validates them.
#[derive(Debug, Clone, Default)]
pub struct CohortSpecBuilder {
    covariates: Vec<Covariate>,
    correlations: Vec<Correlation>,
    rules: Vec<Rule>,
    mode: Mode,
    table_n: Option<u32>,
    max_screened_per_patient: Option<u64>,
}

impl CohortSpecBuilder {
    /// Adds a covariate (order matters: it is the column order and the latent draw order).
    pub fn covariate(mut self, name: impl Into<String>, margin: impl Into<Margin>) -> Self {
        self.covariates.push(Covariate::new(name, margin));
        self
    }

    /// Adds a copula pair.
    pub fn correlation(mut self, c: Correlation) -> Self {
        self.correlations.push(c);
        self
    }

    /// Adds an eligibility rule.
    pub fn rule(mut self, r: Rule) -> Self {
        self.rules.push(r);
        self
    }

    /// Sets the mode (default [`Mode::Sampled`]).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// The table's n: every margin given as counts must sum to it.
    pub fn table_n(mut self, n: u32) -> Self {
        self.table_n = Some(n);
        self
    }

    /// Cap on screened patients per requested patient (sampled mode with rules).
    pub fn max_screened_per_patient(mut self, k: u64) -> Self {
        self.max_screened_per_patient = Some(k);
        self
    }

    /// Validates and compiles.
    pub fn build(self) -> Result<CohortSpec, SpecError> {
        CohortSpec::new(
            self.covariates,
            self.correlations,
            self.rules,
            SpecOptions {
                mode: self.mode,
                table_n: self.table_n,
                max_screened_per_patient: self
                    .max_screened_per_patient
                    .unwrap_or(DEFAULT_MAX_SCREENED_PER_PATIENT),
            },
        )
    }
}

/// Spec-wide options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecOptions {
    /// Sampled or exact.
    pub mode: Mode,
    /// The table's n, if counts are to be checked against it.
    pub table_n: Option<u32>,
    /// Cap on screened patients per requested patient.
    pub max_screened_per_patient: u64,
}

impl Default for SpecOptions {
    fn default() -> Self {
        SpecOptions {
            mode: Mode::Sampled,
            table_n: None,
            max_screened_per_patient: DEFAULT_MAX_SCREENED_PER_PATIENT,
        }
    }
}

/// A validated, compiled cohort specification. Immutable; cheap to share across threads.
#[derive(Debug, Clone)]
pub struct CohortSpec {
    pub(crate) layout: Arc<Layout>,
    pub(crate) covariates: Vec<Covariate>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) order: Vec<usize>,
    pub(crate) n_latent: usize,
    pub(crate) n_uniform: usize,
    pub(crate) copula: Option<Copula>,
    /// What drives each covariate in sampled mode (see the `sampled` module).
    pub(crate) drivers: Vec<Driver>,
    pub(crate) rules: Vec<CompiledRule>,
    pub(crate) rule_exclusion: Vec<f64>,
    pub(crate) implied: Vec<Option<Vec<f64>>>,
    pub(crate) options: SpecOptions,
}

impl CohortSpec {
    /// Starts a builder.
    pub fn builder() -> CohortSpecBuilder {
        CohortSpecBuilder::default()
    }

    /// Validates and compiles a spec. Checks, in this order: names; table-n sums; parents
    /// and band sources; dependency cycles; band knots against their sources; conditional
    /// tables and only-if satisfiability; the copula; eligibility rules.
    pub fn new(
        covariates: Vec<Covariate>,
        correlations: Vec<Correlation>,
        rules: Vec<Rule>,
        options: SpecOptions,
    ) -> Result<Self, SpecError> {
        if options.max_screened_per_patient == 0 {
            return Err(SpecError::InvalidMaxScreened);
        }
        for (i, c) in covariates.iter().enumerate() {
            if c.name.is_empty() {
                return Err(SpecError::EmptyCovariateName { index: i });
            }
            if covariates[..i].iter().any(|d| d.name == c.name) {
                return Err(SpecError::DuplicateCovariate {
                    name: c.name.clone(),
                });
            }
        }
        if let Some(n) = options.table_n {
            check_table_n(&covariates, n)?;
        }
        let index = |name: &str| covariates.iter().position(|c| c.name == name);

        // Parents and band sources.
        let mut parent: Vec<Option<usize>> = Vec::with_capacity(covariates.len());
        for c in &covariates {
            let Some(pname) = c.margin.parent() else {
                parent.push(None);
                continue;
            };
            let p = match (index(pname), &c.margin) {
                (Some(p), _) => p,
                (None, Margin::Band(_)) => {
                    return Err(SpecError::UnknownBandSource {
                        band: c.name.clone(),
                        source: pname.to_string(),
                    })
                }
                (None, _) => {
                    return Err(SpecError::UnknownParent {
                        child: c.name.clone(),
                        parent: pname.to_string(),
                    })
                }
            };
            let pm = &covariates[p].margin;
            match &c.margin {
                Margin::Band(_) if numeric(pm).is_none() => {
                    return Err(SpecError::BandSourceNotNumeric {
                        band: c.name.clone(),
                        source: pname.to_string(),
                    })
                }
                Margin::Conditional(_) | Margin::OnlyIf(_) if !pm.is_level_valued() => {
                    return Err(SpecError::ParentNotCategorical {
                        child: c.name.clone(),
                        parent: pname.to_string(),
                    })
                }
                _ => {}
            }
            parent.push(Some(p));
        }
        let order = topological_order(&covariates, &parent)?;

        let mut covariates = covariates;
        let strata_p = add_band_knots(&mut covariates, &parent)?;

        // Level names, implied level probabilities and compiled nodes, parents first.
        let m = covariates.len();
        let mut levels: Vec<Vec<String>> = vec![Vec::new(); m];
        let mut implied: Vec<Option<Vec<f64>>> = vec![None; m];
        let mut counts_of: Vec<Option<Vec<u64>>> = vec![None; m];
        let mut nodes: Vec<Option<Node>> = vec![None; m];
        let mut slot_of: Vec<Option<usize>> = vec![None; m];
        let mut n_latent = 0;
        let mut n_uniform = 0;
        let mut uslot_of: Vec<Option<usize>> = vec![None; m];
        for (i, c) in covariates.iter().enumerate() {
            if !matches!(c.margin, Margin::Band(_)) {
                slot_of[i] = Some(n_latent);
                n_latent += 1;
            }
            if options.mode == Mode::Exact
                && match &c.margin {
                    Margin::Continuous(_) => true,
                    Margin::Count(cm) => cm.quantile_function().is_some(),
                    _ => false,
                }
            {
                uslot_of[i] = Some(n_uniform);
                n_uniform += 1;
            }
        }
        for &i in &order {
            let c = &covariates[i];
            let slot = slot_of[i].unwrap_or(0);
            let node = match &c.margin {
                Margin::Categorical(cm) => {
                    levels[i] = cm.levels().to_vec();
                    implied[i] = Some(cm.probs().to_vec());
                    counts_of[i] = cm
                        .counts()
                        .map(|v| v.iter().map(|&x| u64::from(x)).collect());
                    Node::Categorical {
                        slot,
                        thresholds: cm.thresholds().clone(),
                        weights: cm.weights().apportion_weights(),
                    }
                }
                Margin::Continuous(cm) => numeric_node(
                    slot,
                    uslot_of[i].unwrap_or(0),
                    cm.quantile_function(),
                    &strata_p[i],
                    None,
                ),
                Margin::Count(cm) => match (cm.table_parts(), cm.quantile_function()) {
                    (Some((values, w, t)), _) => Node::CountTable {
                        slot,
                        thresholds: t.clone(),
                        values: values.iter().map(|&v| v as f64).collect(),
                        weights: w.apportion_weights(),
                    },
                    (None, Some(q)) => numeric_node(
                        slot,
                        uslot_of[i].unwrap_or(0),
                        q,
                        &strata_p[i],
                        Some((cm.min(), cm.max())),
                    ),
                    (None, None) => unreachable_node(),
                },
                Margin::Band(b) => {
                    let src = parent[i].unwrap_or(0);
                    levels[i] = b.labels().to_vec();
                    let probs = numeric(&covariates[src].margin)
                        .map(|nm| nm.band_probs(b))
                        .unwrap_or_default();
                    implied[i] = Some(probs);
                    counts_of[i] = b
                        .counts()
                        .map(|v| v.iter().map(|&x| u64::from(x)).collect());
                    Node::Band {
                        source: src,
                        band: b.clone(),
                    }
                }
                Margin::Conditional(t) => {
                    let p = parent[i].unwrap_or(0);
                    let (rows, probs) = compile_conditional(
                        &c.name,
                        t,
                        &covariates[p].name,
                        &levels[p],
                        implied[p].as_deref().unwrap_or(&[]),
                        counts_of[p].as_deref(),
                    )?;
                    levels[i] = t.levels().to_vec();
                    implied[i] = Some(probs);
                    Node::Child {
                        slot,
                        parent: p,
                        rows,
                    }
                }
                Margin::OnlyIf(o) => {
                    let p = parent[i].unwrap_or(0);
                    let rows = compile_only_if(
                        &c.name,
                        o,
                        &covariates[p].name,
                        &levels[p],
                        implied[p].as_deref().unwrap_or(&[]),
                        counts_of[p].as_deref(),
                    )?;
                    levels[i] = o.margin().levels().to_vec();
                    implied[i] = Some(o.margin().probs().to_vec());
                    counts_of[i] = o
                        .margin()
                        .counts()
                        .map(|v| v.iter().map(|&x| u64::from(x)).collect());
                    Node::Child {
                        slot,
                        parent: p,
                        rows,
                    }
                }
            };
            nodes[i] = Some(node);
        }
        let nodes: Vec<Node> = nodes
            .into_iter()
            .map(|n| n.unwrap_or_else(unreachable_node))
            .collect();

        let copula = compile_copula(&covariates, &correlations, &slot_of)?;
        let drivers = drivers(&nodes, copula.as_ref());

        let mut compiled_rules = Vec::with_capacity(rules.len());
        let mut rule_exclusion = Vec::with_capacity(rules.len());
        for r in &rules {
            let (cr, p) = compile_rule(r, &covariates, &levels, &implied, options.mode)?;
            compiled_rules.push(cr);
            rule_exclusion.push(p);
        }

        let layout = Layout {
            names: covariates.iter().map(|c| c.name.clone()).collect(),
            kinds: covariates
                .iter()
                .map(|c| match &c.margin {
                    Margin::Categorical(_) | Margin::Conditional(_) | Margin::OnlyIf(_) => {
                        ColumnKind::Categorical
                    }
                    Margin::Band(_) => ColumnKind::Band,
                    Margin::Continuous(_) => ColumnKind::Continuous,
                    Margin::Count(_) => ColumnKind::Count,
                })
                .collect(),
            missing: levels
                .iter()
                .map(|l| l.iter().position(|x| x == MISSING_LEVEL).map(|k| k as u16))
                .collect(),
            levels,
        };
        Ok(CohortSpec {
            layout: Arc::new(layout),
            covariates,
            nodes,
            order,
            n_latent,
            n_uniform,
            copula,
            drivers,
            rules: compiled_rules,
            rule_exclusion,
            implied,
            options,
        })
    }

    /// Covariate names in spec (column) order.
    pub fn names(&self) -> &[String] {
        &self.layout.names
    }

    /// Index of a covariate.
    pub fn covariate_index(&self, name: &str) -> Option<usize> {
        self.layout.names.iter().position(|n| n == name)
    }

    /// A covariate as compiled (numeric margins include the knots added from band counts).
    pub fn covariate(&self, idx: usize) -> Option<&Covariate> {
        self.covariates.get(idx)
    }

    /// Level names of a level-valued covariate.
    pub fn level_names(&self, idx: usize) -> Option<&[String]> {
        self.layout
            .levels
            .get(idx)
            .filter(|l| !l.is_empty())
            .map(|l| l.as_slice())
    }

    /// Super-population level probabilities of a level-valued covariate (for children,
    /// implied by the parent's margin; for bands, by the source's quantile function),
    /// before eligibility.
    pub fn level_probs(&self, idx: usize) -> Option<&[f64]> {
        self.implied.get(idx)?.as_deref()
    }

    /// Probability that rule `i` alone excludes a patient (before other rules).
    pub fn rule_exclusion_probability(&self, i: usize) -> Option<f64> {
        self.rule_exclusion.get(i).copied()
    }

    /// Mode.
    pub fn mode(&self) -> Mode {
        self.options.mode
    }

    /// The table's n, if given.
    pub fn table_n(&self) -> Option<u32> {
        self.options.table_n
    }

    /// Evaluation order: covariate order, except that a parent or band source comes before
    /// its dependants (stable topological sort, lowest index first).
    pub fn evaluation_order(&self) -> &[usize] {
        &self.order
    }
}
