//! Dependence between covariates.
//!
//! Three mechanisms, each matching how a publication (or an assumption) states dependence:
//! - [`ConditionalTable`]: a child's level probabilities given each level of a categorical
//!   parent (`P(iss | egfr)`), as from a cross-table.
//! - [`OnlyIf`]: a structural zero. `dara_refractory = yes` is only possible where
//!   `prior_dara = yes`; the child's margin is what the table reports, and
//!   `P(yes | parent level) = P(yes) / P(parent level)` is derived. It is compiled into a
//!   conditional table whose other rows put probability 1 on the `otherwise` level, so
//!   refractory without exposure cannot occur in any mode.
//! - [`Correlation`]: pairs of a Gaussian copula among root (parent-less) margins. Each root
//!   margin is driven by a latent standard normal; the latents are correlated by the
//!   Cholesky factor of the correlation matrix. The copula keeps every margin exactly and
//!   only sets rank dependence (Spearman `6/pi * asin(rho/2)` between continuous margins).

use super::margin::{check_level_names, CategoricalMargin, MarginError, Weights};
use rand::Rng;
use rand_distr::StandardNormal;
use std::fmt;

/// Why a dependence specification is invalid (checks that need no other covariate; the
/// rest is checked when the cohort spec is built, see [`super::SpecError`]).
#[derive(Debug, Clone, PartialEq)]
pub enum DependenceError {
    /// A parent covariate name is empty.
    EmptyParent,
    /// The child's level names are invalid.
    Levels(MarginError),
    /// A conditional table has no rows.
    NoRows,
    /// Two rows for the same parent level.
    DuplicateParentLevel {
        /// The repeated parent level.
        level: String,
    },
    /// A row's probabilities or counts are invalid.
    Row {
        /// The parent level of the row.
        parent_level: String,
        /// What is wrong with it.
        source: MarginError,
    },
    /// The `otherwise` level of an only-if is not a level of the child.
    UnknownOtherwiseLevel {
        /// The level named.
        level: String,
        /// The child's levels.
        levels: Vec<String>,
    },
    /// A correlation is not finite or has `|rho| >= 1`.
    CorrelationOutOfRange {
        /// First covariate.
        a: String,
        /// Second covariate.
        b: String,
        /// The value given.
        rho: f64,
    },
    /// A covariate correlated with itself.
    SelfCorrelation {
        /// The covariate.
        name: String,
    },
}

impl fmt::Display for DependenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DependenceError::EmptyParent => write!(f, "parent covariate name is empty"),
            DependenceError::Levels(e) => write!(f, "child levels: {e}"),
            DependenceError::NoRows => write!(f, "conditional table has no rows"),
            DependenceError::DuplicateParentLevel { level } => {
                write!(f, "parent level {level:?} has two rows")
            }
            DependenceError::Row {
                parent_level,
                source,
            } => write!(f, "row for parent level {parent_level:?}: {source}"),
            DependenceError::UnknownOtherwiseLevel { level, levels } => write!(
                f,
                "otherwise-level {level:?} is not one of the child's levels {levels:?}"
            ),
            DependenceError::CorrelationOutOfRange { a, b, rho } => write!(
                f,
                "correlation of {a} and {b} is {rho}; it must be finite with |rho| < 1"
            ),
            DependenceError::SelfCorrelation { name } => {
                write!(f, "{name} is correlated with itself")
            }
        }
    }
}

impl std::error::Error for DependenceError {}

/// Child level probabilities given each level of a categorical parent.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionalTable {
    parent: String,
    levels: Vec<String>,
    rows: Vec<(String, Weights)>,
}

impl ConditionalTable {
    /// Rows of probabilities (each summing to 1), one per parent level. Whether every
    /// parent level is covered is checked when the cohort spec is built.
    pub fn from_probs(
        parent: impl Into<String>,
        levels: Vec<String>,
        rows: Vec<(String, Vec<f64>)>,
    ) -> Result<Self, DependenceError> {
        Self::build(parent.into(), levels, rows, |levels, p| {
            Weights::from_probs(levels, p)
        })
    }

    /// Rows of counts (a cross-table). In exact mode they are apportioned within each
    /// parent level; if the parent also has counts, each row total must equal the parent
    /// level's count (checked when the cohort spec is built).
    pub fn from_counts(
        parent: impl Into<String>,
        levels: Vec<String>,
        rows: Vec<(String, Vec<u32>)>,
    ) -> Result<Self, DependenceError> {
        Self::build(parent.into(), levels, rows, |levels, c| {
            Weights::from_counts(levels.len(), c)
        })
    }

    fn build<T>(
        parent: String,
        levels: Vec<String>,
        rows: Vec<(String, T)>,
        weights: impl Fn(&[String], T) -> Result<Weights, MarginError>,
    ) -> Result<Self, DependenceError> {
        if parent.is_empty() {
            return Err(DependenceError::EmptyParent);
        }
        check_level_names(&levels).map_err(DependenceError::Levels)?;
        if rows.is_empty() {
            return Err(DependenceError::NoRows);
        }
        let mut out: Vec<(String, Weights)> = Vec::with_capacity(rows.len());
        for (parent_level, r) in rows {
            if out.iter().any(|(l, _)| *l == parent_level) {
                return Err(DependenceError::DuplicateParentLevel {
                    level: parent_level,
                });
            }
            match weights(&levels, r) {
                Ok(w) => out.push((parent_level, w)),
                Err(source) => {
                    return Err(DependenceError::Row {
                        parent_level,
                        source,
                    })
                }
            }
        }
        Ok(ConditionalTable {
            parent,
            levels,
            rows: out,
        })
    }

    /// Parent covariate name.
    pub fn parent(&self) -> &str {
        &self.parent
    }

    /// Child level names.
    pub fn levels(&self) -> &[String] {
        &self.levels
    }

    /// Parent level names of the rows, in the order given.
    pub fn parent_levels(&self) -> impl Iterator<Item = &str> {
        self.rows.iter().map(|(l, _)| l.as_str())
    }

    /// Child probabilities given a parent level.
    pub fn row(&self, parent_level: &str) -> Option<&[f64]> {
        self.row_weights(parent_level).map(|w| w.probs.as_slice())
    }

    pub(crate) fn row_weights(&self, parent_level: &str) -> Option<&Weights> {
        self.rows
            .iter()
            .find(|(l, _)| l == parent_level)
            .map(|(_, w)| w)
    }
}

/// A structural zero: the child's non-`otherwise` levels occur only where
/// `parent = parent_level`. The child's margin is the reported one.
#[derive(Debug, Clone, PartialEq)]
pub struct OnlyIf {
    margin: CategoricalMargin,
    parent: String,
    parent_level: String,
    otherwise: usize,
}

impl OnlyIf {
    /// `margin` is the child's reported margin; patients not at `parent_level` get the
    /// level `otherwise` (for a `no`/`yes` binary, `"no"`). Satisfiability
    /// (`P(child != otherwise) <= P(parent = parent_level)`) is checked when the cohort spec
    /// is built, because it needs the parent's margin.
    pub fn new(
        margin: CategoricalMargin,
        parent: impl Into<String>,
        parent_level: impl Into<String>,
        otherwise: &str,
    ) -> Result<Self, DependenceError> {
        let parent = parent.into();
        if parent.is_empty() {
            return Err(DependenceError::EmptyParent);
        }
        let otherwise_idx = margin.level_index(otherwise).ok_or_else(|| {
            DependenceError::UnknownOtherwiseLevel {
                level: otherwise.to_string(),
                levels: margin.levels().to_vec(),
            }
        })?;
        Ok(OnlyIf {
            margin,
            parent,
            parent_level: parent_level.into(),
            otherwise: otherwise_idx,
        })
    }

    /// The child's margin.
    pub fn margin(&self) -> &CategoricalMargin {
        &self.margin
    }

    /// Parent covariate name.
    pub fn parent(&self) -> &str {
        &self.parent
    }

    /// The parent level where the child's other levels are possible.
    pub fn parent_level(&self) -> &str {
        &self.parent_level
    }

    /// Index of the level given to everyone else.
    pub fn otherwise(&self) -> usize {
        self.otherwise
    }
}

/// One pair of a Gaussian copula: correlation `rho` between the latent normals of two root
/// covariates.
#[derive(Debug, Clone, PartialEq)]
pub struct Correlation {
    a: String,
    b: String,
    rho: f64,
}

impl Correlation {
    /// `|rho| < 1`, finite, `a != b`. Existence, rootness, duplicates and positive
    /// definiteness of the whole matrix are checked when the cohort spec is built.
    pub fn new(
        a: impl Into<String>,
        b: impl Into<String>,
        rho: f64,
    ) -> Result<Self, DependenceError> {
        let (a, b) = (a.into(), b.into());
        if a == b {
            return Err(DependenceError::SelfCorrelation { name: a });
        }
        if !rho.is_finite() || rho.abs() >= 1.0 {
            return Err(DependenceError::CorrelationOutOfRange { a, b, rho });
        }
        Ok(Correlation { a, b, rho })
    }

    /// First covariate.
    pub fn a(&self) -> &str {
        &self.a
    }

    /// Second covariate.
    pub fn b(&self) -> &str {
        &self.b
    }

    /// Latent correlation.
    pub fn rho(&self) -> f64 {
        self.rho
    }
}

/// Lower-triangular Cholesky factor of a symmetric `dim x dim` row-major matrix.
/// Returns the index of the pivot that is not positive when the matrix is not positive
/// definite (so the error can name the covariate where it failed).
pub fn cholesky(matrix: &[f64], dim: usize) -> Result<Vec<f64>, usize> {
    if matrix.len() != dim * dim {
        return Err(0);
    }
    let mut l = vec![0.0; dim * dim];
    for i in 0..dim {
        for j in 0..=i {
            let mut s = matrix[i * dim + j];
            for k in 0..j {
                s -= l[i * dim + k] * l[j * dim + k];
            }
            if i == j {
                // A tiny margin keeps near-singular matrices (rho -> 1 combinations) out:
                // they would make latent draws numerically meaningless.
                if s.is_nan() || s <= 1e-10 {
                    return Err(i);
                }
                l[i * dim + i] = s.sqrt();
            } else {
                l[i * dim + j] = s / l[j * dim + j];
            }
        }
    }
    Ok(l)
}

/// Compiled copula: latent slots of the correlated covariates and the Cholesky factor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Copula {
    pub members: Vec<usize>,
    pub chol: Vec<f64>,
    /// Per row of `chol`, the column of its first non-zero entry: rows of members
    /// uncorrelated with the earlier ones skip their leading zeros.
    pub starts: Vec<usize>,
}

impl Copula {
    /// From the members' latent slots and the `m x m` row-major Cholesky factor.
    pub(crate) fn new(members: Vec<usize>, chol: Vec<f64>) -> Self {
        let m = members.len();
        let starts = (0..m)
            .map(|a| {
                (0..a)
                    .find(|&b| chol.get(a * m + b).is_some_and(|&x| x != 0.0))
                    .unwrap_or(a)
            })
            .collect();
        Copula {
            members,
            chol,
            starts,
        }
    }

    /// Number of correlated latents.
    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// Replaces the members' independent normals `e` by `L e`, in place (rows from the last
    /// down, so each row still reads unmodified `e` values).
    #[inline]
    pub(crate) fn apply(&self, latent: &mut [f64]) {
        let m = self.members.len();
        for a in (0..m).rev() {
            let mut s = 0.0;
            for b in 0..=a {
                s += self.chol[a * m + b] * latent[self.members[b]];
            }
            latent[self.members[a]] = s;
        }
    }

    /// [`Copula::draw_row`] for every patient of `latent` (rows of the members' latents,
    /// patient-major), with the same draws and the same arithmetic: all the independent
    /// normals first (the same sequence, patient by patient), then `L e` one row of `L`
    /// at a time, from the last down, for every patient. A patient's row `a` still reads
    /// only its unmodified `e` (entries up to `a`), and the loop over patients for one
    /// row of `L` has a fixed length of sum, instead of the per-patient row loop.
    pub(crate) fn draw_rows<R: Rng + ?Sized>(&self, rng: &mut R, latent: &mut [f64]) {
        let m = self.members.len();
        if m == 0 {
            return;
        }
        // Whole rows only, as a row-by-row loop over `chunks_exact_mut(m)` would draw.
        let whole = latent.len() - latent.len() % m;
        let latent = latent.get_mut(..whole).unwrap_or_default();
        for e in latent.iter_mut() {
            *e = rng.sample(StandardNormal);
        }
        for a in (0..m).rev() {
            let start = self.starts.get(a).copied().unwrap_or(0).min(a);
            let l = self.chol.get(a * m + start..=a * m + a).unwrap_or_default();
            // Same products, summed by the same `Sum` as `draw_row`, so bit for bit equal.
            match *l {
                [l0] => {
                    for row in latent.chunks_exact_mut(m) {
                        if let Some(e) = row.get_mut(a) {
                            *e = std::iter::once(l0 * *e).sum();
                        }
                    }
                }
                [l0, l1] => {
                    for row in latent.chunks_exact_mut(m) {
                        if let Some(&[e0, e1]) = row.get(start..=a) {
                            row[a] = [l0 * e0, l1 * e1].into_iter().sum();
                        }
                    }
                }
                _ => {
                    for row in latent.chunks_exact_mut(m) {
                        let e = row.get(start..=a).unwrap_or_default();
                        let s: f64 = l.iter().zip(e).map(|(l, e)| l * e).sum();
                        if let Some(x) = row.get_mut(a) {
                            *x = s;
                        }
                    }
                }
            }
        }
    }

    /// Draws one patient's correlated normals into `row` (the members' latents, in member
    /// order): `m` independent standard normals `e`, then `L e` in place. The zeros of `L`
    /// (before each row's start, and above the diagonal) are skipped.
    #[inline]
    pub(crate) fn draw_row<R: Rng + ?Sized>(&self, rng: &mut R, row: &mut [f64]) {
        for e in row.iter_mut() {
            *e = rng.sample(StandardNormal);
        }
        let m = row.len().min(self.members.len());
        for a in (0..m).rev() {
            let start = self.starts.get(a).copied().unwrap_or(0).min(a);
            let l = self.chol.get(a * m + start..=a * m + a).unwrap_or_default();
            let e = row.get(start..=a).unwrap_or_default();
            let s: f64 = l.iter().zip(e).map(|(l, e)| l * e).sum();
            row[a] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_of_known_matrix() {
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l, vec![2.0, 0.0, 1.0, 2.0_f64.sqrt()]);
    }

    #[test]
    fn cholesky_rejects_indefinite() {
        // rho(a,b)=0.9, rho(a,c)=0.9, rho(b,c)=-0.9 is impossible.
        let m = [1.0, 0.9, 0.9, 0.9, 1.0, -0.9, 0.9, -0.9, 1.0];
        assert_eq!(cholesky(&m, 3), Err(2));
    }

    /// All patients' rows at once are each patient's `draw_row` in turn, bit for bit
    /// (draws and arithmetic), for factors with rows of one, two and more non-zero
    /// entries, members uncorrelated with earlier ones, and a trailing part row.
    #[test]
    fn draw_rows_is_draw_row_per_patient() {
        use rand::SeedableRng;
        let mut pick = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for dim in 1..=6 {
            for _ in 0..20 {
                // A random correlation matrix from a random factor with some zero links.
                let mut f: Vec<f64> = (0..dim * dim)
                    .map(|_| {
                        if pick.gen_bool(0.4) {
                            0.0
                        } else {
                            pick.gen_range(-1.0..1.0)
                        }
                    })
                    .collect();
                for a in 0..dim {
                    f[a * dim + a] = 1.0;
                }
                let mut c = vec![0.0; dim * dim];
                for i in 0..dim {
                    for j in 0..dim {
                        let s: f64 = (0..dim).map(|k| f[i * dim + k] * f[j * dim + k]).sum();
                        let d = |i: usize| (0..dim).map(|k| f[i * dim + k].powi(2)).sum::<f64>();
                        c[i * dim + j] = s / (d(i) * d(j)).sqrt();
                    }
                }
                let chol = cholesky(&c, dim).unwrap();
                let copula = Copula::new((0..dim).map(|k| 3 * k + 1).collect(), chol);
                let seed = pick.gen::<u64>();
                let rows = pick.gen_range(0..40);
                let extra = pick.gen_range(0..dim);
                let mut want = vec![f64::NAN; rows * dim + extra];
                let mut got = want.clone();
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                for row in want.chunks_exact_mut(dim) {
                    copula.draw_row(&mut rng, row);
                }
                let next_want: u64 = rng.gen();
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                copula.draw_rows(&mut rng, &mut got);
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&got), bits(&want), "dim {dim}");
                assert_eq!(rng.gen::<u64>(), next_want, "dim {dim}: draws used");
            }
        }
    }
}
