//! Validation helpers used by [`super::CohortSpec::new`]: table-n sums, dependency order,
//! band knots, conditional and only-if tables, the copula and eligibility rules.

use super::bands::{BandSpec, Boundary};
use super::dependence::{cholesky, ConditionalTable, Copula, Correlation, OnlyIf};
use super::eligibility::{CompiledRule, Rule, RuleKind};
use super::error::SpecError;
use super::generate::{ChildRow, Node, Stratum};
use super::margin::{
    ContinuousMargin, CountMargin, Knot, KnotOrigin, MarginError, PiecewiseLinearQuantile,
    Thresholds,
};
use super::spec::{Covariate, Margin, Mode, MAX_EXCLUDED_PROBABILITY};

/// Read-only view of a numeric margin for probability computations.
#[derive(Clone, Copy)]
pub(crate) enum Numeric<'a> {
    Continuous(&'a ContinuousMargin),
    Count(&'a CountMargin),
}

impl Numeric<'_> {
    /// `P(X < b)`.
    pub(crate) fn below(self, b: f64) -> f64 {
        match self {
            Numeric::Continuous(m) => m.quantile_function().cdf(b),
            Numeric::Count(m) => m.cdf((b.ceil() as i64).saturating_sub(1)),
        }
    }

    /// `P(X > b)`.
    pub(crate) fn above(self, b: f64) -> f64 {
        match self {
            Numeric::Continuous(m) => 1.0 - m.quantile_function().cdf(b),
            Numeric::Count(m) => 1.0 - m.cdf(b.floor() as i64),
        }
    }

    pub(crate) fn band_probs(self, band: &BandSpec) -> Vec<f64> {
        let mut out = Vec::with_capacity(band.labels().len());
        let mut prev = 0.0;
        for &c in band.cuts() {
            let cum = match band.boundary() {
                Boundary::Upper => self.below(c),
                Boundary::Lower => 1.0 - self.above(c),
            };
            out.push((cum - prev).max(0.0));
            prev = cum;
        }
        out.push((1.0 - prev).max(0.0));
        out
    }
}

pub(crate) fn numeric(m: &Margin) -> Option<Numeric<'_>> {
    match m {
        Margin::Continuous(c) => Some(Numeric::Continuous(c)),
        Margin::Count(c) => Some(Numeric::Count(c)),
        _ => None,
    }
}

pub(crate) fn margin_err(covariate: &str, source: MarginError) -> SpecError {
    SpecError::Margin {
        covariate: covariate.to_string(),
        source,
    }
}

pub(crate) fn unreachable_node() -> Node {
    // Never produced for a validated spec; a harmless constant instead of a panic.
    Node::Categorical {
        slot: 0,
        thresholds: Thresholds::from_probs(&[1.0]),
        weights: vec![1.0],
    }
}

pub(crate) fn check_table_n(covariates: &[Covariate], n: u32) -> Result<(), SpecError> {
    for c in covariates {
        let sum: Option<u64> = match &c.margin {
            Margin::Categorical(m) => m.weights().total(),
            Margin::Count(m) => m.table_parts().and_then(|(_, w, _)| w.total()),
            Margin::Conditional(t) => {
                let mut s = Some(0u64);
                for l in t.parent_levels() {
                    s = match (s, t.row_weights(l).and_then(|w| w.total())) {
                        (Some(a), Some(b)) => Some(a + b),
                        _ => None,
                    };
                }
                s
            }
            Margin::OnlyIf(o) => o.margin().weights().total(),
            Margin::Band(b) => b.total(),
            Margin::Continuous(_) => None,
        };
        if let Some(sum) = sum {
            if sum != u64::from(n) {
                return Err(SpecError::CountsDoNotSumToN {
                    covariate: c.name.clone(),
                    sum,
                    n,
                });
            }
        }
    }
    Ok(())
}

/// Stable topological order: repeatedly the lowest-index covariate whose parent is placed.
pub(crate) fn topological_order(
    covariates: &[Covariate],
    parent: &[Option<usize>],
) -> Result<Vec<usize>, SpecError> {
    let m = covariates.len();
    let mut placed = vec![false; m];
    let mut order = Vec::with_capacity(m);
    while order.len() < m {
        let next = (0..m).find(|&i| !placed[i] && parent[i].is_none_or(|p| placed[p]));
        match next {
            Some(i) => {
                placed[i] = true;
                order.push(i);
            }
            None => {
                return Err(SpecError::DependencyCycle {
                    covariates: (0..m)
                        .filter(|&i| !placed[i])
                        .map(|i| covariates[i].name.clone())
                        .collect(),
                })
            }
        }
    }
    Ok(order)
}

/// Turns band counts into knots of their numeric source (or checks them against an
/// explicit value table). Returns, per covariate, the band-knot probabilities that become
/// exact-mode strata.
pub(crate) fn add_band_knots(
    covariates: &mut [Covariate],
    parent: &[Option<usize>],
) -> Result<Vec<Vec<f64>>, SpecError> {
    let m = covariates.len();
    let mut strata_p: Vec<Vec<f64>> = vec![Vec::new(); m];
    for b in 0..m {
        let Margin::Band(band) = &covariates[b].margin else {
            continue;
        };
        let band = band.clone();
        let band_name = covariates[b].name.clone();
        let Some(src) = parent[b] else { continue };
        let src_name = covariates[src].name.clone();
        let is_count = matches!(covariates[src].margin, Margin::Count(_));
        if is_count {
            if let Some(&cut) = band.cuts().iter().find(|c| c.fract() != 0.0) {
                return Err(SpecError::BandCutNotInteger {
                    band: band_name,
                    cut,
                });
            }
        }
        let Some(shares) = band.cumulative_shares() else {
            continue;
        };
        if let Margin::Count(cm) = &covariates[src].margin {
            if cm.table_parts().is_some() {
                let probs = Numeric::Count(cm).band_probs(&band);
                let counts = band.counts().unwrap_or(&[]);
                let total = band.total().unwrap_or(1).max(1) as f64;
                for ((label, &p), &c) in band.labels().iter().zip(&probs).zip(counts) {
                    let share = f64::from(c) / total;
                    if (share - p).abs() > 1e-6 {
                        return Err(SpecError::BandCountsDisagree {
                            band: band_name,
                            label: label.clone(),
                            band_share: share,
                            table_share: p,
                        });
                    }
                }
                continue;
            }
        }
        for (k, &p) in shares.iter().enumerate() {
            let cut = band.cuts()[k];
            let x = if is_count && band.boundary() == Boundary::Lower {
                cut + 1.0
            } else {
                cut
            };
            let knot = Knot {
                p,
                x,
                origin: KnotOrigin::Band {
                    covariate: band_name.clone(),
                    label: band.labels()[k].clone(),
                    cut,
                    inclusive: band.boundary() == Boundary::Lower,
                },
            };
            let q: &PiecewiseLinearQuantile = match &covariates[src].margin {
                Margin::Continuous(c) => c.quantile_function(),
                Margin::Count(c) => match c.quantile_function() {
                    Some(q) => q,
                    None => continue,
                },
                _ => continue,
            };
            if p <= 0.0 {
                // Nobody below the cut: consistent only if the minimum is not below it.
                if q.min() < x {
                    let first = q.knots().first().cloned().unwrap_or_else(|| knot.clone());
                    return Err(margin_err(
                        &src_name,
                        MarginError::KnotConflict {
                            lower_p: Box::new(first),
                            higher_p: Box::new(knot),
                        },
                    ));
                }
                continue;
            }
            if p >= 1.0 {
                // Everybody below the cut: consistent only if the maximum is not above it.
                if q.max() > x {
                    let last = q.knots().last().cloned().unwrap_or_else(|| knot.clone());
                    return Err(margin_err(
                        &src_name,
                        MarginError::KnotConflict {
                            lower_p: Box::new(knot),
                            higher_p: Box::new(last),
                        },
                    ));
                }
                continue;
            }
            let updated = match &covariates[src].margin {
                Margin::Continuous(c) => c.clone().with_knot(knot).map(Margin::Continuous),
                Margin::Count(c) => c.clone().with_knot(knot).map(Margin::Count),
                _ => continue,
            };
            covariates[src].margin = updated.map_err(|e| margin_err(&src_name, e))?;
            strata_p[src].push(p);
        }
    }
    for s in &mut strata_p {
        s.sort_by(f64::total_cmp);
        s.dedup();
    }
    Ok(strata_p)
}

pub(crate) fn numeric_node(
    slot: usize,
    uslot: usize,
    q: &PiecewiseLinearQuantile,
    strata_p: &[f64],
    floor: Option<(i64, i64)>,
) -> Node {
    let mut bounds = Vec::with_capacity(strata_p.len() + 2);
    bounds.push(0.0);
    bounds.extend(strata_p.iter().copied().filter(|&p| p > 0.0 && p < 1.0));
    bounds.push(1.0);
    let strata: Vec<Stratum> = bounds
        .windows(2)
        .map(|w| Stratum {
            p_lo: w[0],
            p_hi: w[1],
            x_lo: q.quantile(w[0]),
            x_hi: q.quantile(w[1]),
        })
        .collect();
    let strata_weights = strata.iter().map(|s| s.p_hi - s.p_lo).collect();
    Node::Numeric {
        slot,
        uslot,
        quantile: q.clone(),
        strata,
        strata_weights,
        floor,
    }
}

/// Orders a conditional table's rows by parent level and checks coverage.
pub(crate) fn compile_conditional(
    child: &str,
    t: &ConditionalTable,
    parent: &str,
    parent_levels: &[String],
    parent_probs: &[f64],
    parent_counts: Option<&[u64]>,
) -> Result<(Vec<ChildRow>, Vec<f64>), SpecError> {
    for l in t.parent_levels() {
        if !parent_levels.iter().any(|p| p == l) {
            return Err(SpecError::UnknownParentLevel {
                child: child.into(),
                parent: parent.into(),
                level: l.into(),
            });
        }
    }
    let mut rows = Vec::with_capacity(parent_levels.len());
    let mut implied = vec![0.0; t.levels().len()];
    for (j, pl) in parent_levels.iter().enumerate() {
        let w = t
            .row_weights(pl)
            .ok_or_else(|| SpecError::MissingParentLevel {
                child: child.into(),
                parent: parent.into(),
                level: pl.clone(),
            })?;
        if let (Some(row_total), Some(pc)) = (w.total(), parent_counts) {
            let parent_count = pc.get(j).copied().unwrap_or(0);
            if row_total != parent_count {
                return Err(SpecError::ConditionalCountsDisagree {
                    child: child.into(),
                    parent: parent.into(),
                    level: pl.clone(),
                    row_total,
                    parent_count,
                });
            }
        }
        let pp = parent_probs.get(j).copied().unwrap_or(0.0);
        for (acc, &p) in implied.iter_mut().zip(&w.probs) {
            *acc += pp * p;
        }
        rows.push(ChildRow {
            thresholds: Thresholds::from_probs(&w.probs),
            weights: w.apportion_weights(),
        });
    }
    Ok((rows, implied))
}

/// Derives the conditional rows of an only-if child: `P(k | parent level) = P(k) / P(level)`
/// for the child's non-`otherwise` levels, and `otherwise` with certainty elsewhere.
pub(crate) fn compile_only_if(
    child: &str,
    o: &OnlyIf,
    parent: &str,
    parent_levels: &[String],
    parent_probs: &[f64],
    parent_counts: Option<&[u64]>,
) -> Result<Vec<ChildRow>, SpecError> {
    let target = parent_levels
        .iter()
        .position(|l| l == o.parent_level())
        .ok_or_else(|| SpecError::UnknownParentLevel {
            child: child.into(),
            parent: parent.into(),
            level: o.parent_level().into(),
        })?;
    let m = o.margin();
    let k = m.levels().len();
    let other = o.otherwise();
    let p_child: f64 = m
        .probs()
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != other)
        .map(|(_, p)| p)
        .sum();
    let p_parent = parent_probs.get(target).copied().unwrap_or(0.0);
    let unsatisfiable = || SpecError::OnlyIfUnsatisfiable {
        child: child.into(),
        p_child,
        parent: parent.into(),
        parent_level: o.parent_level().into(),
        p_parent,
    };
    let mut target_weights = vec![0.0; k];
    // With counts on both sides of the same table, work in counts: exact at the table's n.
    let count_pair = match (m.counts(), parent_counts) {
        (Some(mc), Some(pc))
            if mc.iter().map(|&c| u64::from(c)).sum::<u64>() == pc.iter().sum::<u64>() =>
        {
            Some((mc, pc.get(target).copied().unwrap_or(0)))
        }
        _ => None,
    };
    if let Some((mc, parent_count)) = count_pair {
        let child_count: u64 = mc
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != other)
            .map(|(_, &c)| u64::from(c))
            .sum();
        if child_count > parent_count {
            return Err(unsatisfiable());
        }
        for (i, w) in target_weights.iter_mut().enumerate() {
            *w = if i == other {
                (parent_count - child_count) as f64
            } else {
                f64::from(mc[i])
            };
        }
    } else {
        if p_child > p_parent + 1e-9 {
            return Err(unsatisfiable());
        }
        let mut rest = 1.0;
        for (i, w) in target_weights.iter_mut().enumerate() {
            if i != other && p_parent > 0.0 {
                *w = (m.probs()[i] / p_parent).min(1.0);
                rest -= *w;
            }
        }
        target_weights[other] = rest.max(0.0);
    }
    if target_weights.iter().sum::<f64>() <= 0.0 {
        target_weights[other] = 1.0;
    }
    let mut certain = vec![0.0; k];
    certain[other] = 1.0;
    let total: f64 = target_weights.iter().sum();
    let target_probs: Vec<f64> = target_weights.iter().map(|w| w / total).collect();
    Ok((0..parent_levels.len())
        .map(|j| {
            if j == target {
                ChildRow {
                    thresholds: Thresholds::from_probs(&target_probs),
                    weights: target_weights.clone(),
                }
            } else {
                ChildRow {
                    thresholds: Thresholds::from_probs(&certain),
                    weights: certain.clone(),
                }
            }
        })
        .collect())
}

pub(crate) fn compile_copula(
    covariates: &[Covariate],
    correlations: &[Correlation],
    slot_of: &[Option<usize>],
) -> Result<Option<Copula>, SpecError> {
    if correlations.is_empty() {
        return Ok(None);
    }
    let index = |name: &str| -> Result<usize, SpecError> {
        let i = covariates
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| SpecError::UnknownCovariate {
                name: name.into(),
                context: "correlation",
            })?;
        if !covariates[i].margin.is_root() {
            return Err(SpecError::CorrelationOnDependent { name: name.into() });
        }
        Ok(i)
    };
    let mut pairs = Vec::with_capacity(correlations.len());
    for c in correlations {
        let (a, b) = (index(c.a())?, index(c.b())?);
        let key = (a.min(b), a.max(b));
        if pairs.iter().any(|&(k, _)| k == key) {
            return Err(SpecError::DuplicateCorrelation {
                a: c.a().into(),
                b: c.b().into(),
            });
        }
        pairs.push((key, c.rho()));
    }
    let mut members: Vec<usize> = pairs.iter().flat_map(|&((a, b), _)| [a, b]).collect();
    members.sort_unstable();
    members.dedup();
    let d = members.len();
    let mut matrix = vec![0.0; d * d];
    for i in 0..d {
        matrix[i * d + i] = 1.0;
    }
    for &((a, b), rho) in &pairs {
        let ia = members.iter().position(|&x| x == a).unwrap_or(0);
        let ib = members.iter().position(|&x| x == b).unwrap_or(0);
        matrix[ia * d + ib] = rho;
        matrix[ib * d + ia] = rho;
    }
    let names = || {
        members
            .iter()
            .map(|&i| covariates[i].name.clone())
            .collect()
    };
    let chol = cholesky(&matrix, d).map_err(|k| SpecError::CorrelationNotPositiveDefinite {
        covariates: names(),
        failed_at: members
            .get(k)
            .map(|&i| covariates[i].name.clone())
            .unwrap_or_default(),
    })?;
    Ok(Some(Copula::new(
        members.iter().map(|&i| slot_of[i].unwrap_or(0)).collect(),
        chol,
    )))
}

pub(crate) fn compile_rule(
    r: &Rule,
    covariates: &[Covariate],
    levels: &[Vec<String>],
    implied: &[Option<Vec<f64>>],
    mode: Mode,
) -> Result<(CompiledRule, f64), SpecError> {
    let name = r.covariate();
    let col = covariates
        .iter()
        .position(|c| c.name == name)
        .ok_or_else(|| SpecError::UnknownCovariate {
            name: name.into(),
            context: "eligibility rule",
        })?;
    let margin = &covariates[col].margin;
    let (compiled, p, what_exact) = match r.kind() {
        RuleKind::ExcludeLevels(ex) => {
            if !margin.is_level_valued() {
                return Err(SpecError::RuleKindMismatch {
                    covariate: name.into(),
                    expected: "a categorical, binary or band covariate",
                });
            }
            let lv = &levels[col];
            let probs = implied[col].as_deref().unwrap_or(&[]);
            let mut excluded = vec![false; lv.len()];
            let mut worst: Option<(String, f64)> = None;
            for l in ex {
                let k =
                    lv.iter()
                        .position(|x| x == l)
                        .ok_or_else(|| SpecError::RuleUnknownLevel {
                            covariate: name.into(),
                            level: l.clone(),
                        })?;
                excluded[k] = true;
                let pk = probs.get(k).copied().unwrap_or(0.0);
                if pk > 0.0 && worst.is_none() {
                    worst = Some((format!("= {l}"), pk));
                }
            }
            let p: f64 = excluded
                .iter()
                .zip(probs)
                .filter(|(e, _)| **e)
                .map(|(_, p)| p)
                .sum();
            (CompiledRule::Levels { col, excluded }, p, worst)
        }
        RuleKind::ExcludeBelow(bound) | RuleKind::ExcludeAbove(bound) => {
            let Some(nm) = numeric(margin) else {
                return Err(SpecError::RuleKindMismatch {
                    covariate: name.into(),
                    expected: "a continuous or count covariate",
                });
            };
            let below = matches!(r.kind(), RuleKind::ExcludeBelow(_));
            let p = if below {
                nm.below(*bound)
            } else {
                nm.above(*bound)
            };
            let what = format!("{} {bound}", if below { "<" } else { ">" });
            let compiled = if below {
                CompiledRule::Below { col, bound: *bound }
            } else {
                CompiledRule::Above { col, bound: *bound }
            };
            (compiled, p, (p > 0.0).then_some((what, p)))
        }
    };
    if p >= MAX_EXCLUDED_PROBABILITY {
        return Err(SpecError::EligibilityExcludesAll {
            covariate: name.into(),
            excluded: p,
        });
    }
    if mode == Mode::Exact {
        if let Some((what, probability)) = what_exact {
            return Err(SpecError::EligibilityConflictsWithExact {
                covariate: name.into(),
                what,
                probability,
            });
        }
    }
    Ok((compiled, p))
}
