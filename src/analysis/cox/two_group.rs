//! The Cox likelihood of a two-arm comparison on its table of event times.
//!
//! A trial's primary Cox model has one covariate, the 0/1 arm dummy, with
//! unit weights and no strata. Every subject of an arm then has the same
//! risk (1 or `r = exp(beta)`), so the risk-set sums at an event time only
//! depend on how many subjects of each arm are at risk and how many of them
//! die there. [`Table::collapse`] counts these once per fit, walking the
//! time-sorted rows backwards as coxfit6 does; each Newton evaluation
//! ([`Table::evaluate`]) is then one pass over the deaths with exact integer
//! counts, instead of one pass over all rows branching on status and arm.
//!
//! With `n0`, `n1` at risk (the tied deaths included) and `d0`, `d1` tied
//! deaths (`d = d0 + d1`), coxfit6's Efron step `k` (0-based, of `d`) has
//! the risk-set sum `(n0 + n1 r) - (k/d)(d0 + d1 r)`, i.e. `(m0 + m1 r) / d`
//! with the integers `m0 = d n0 - k d0`, `m1 = d n1 - k d1`; its mean of x is
//! `m1 r / (m0 + m1 r)` and its information term `m0 m1 r / (m0 + m1 r)^2`
//! (the variance of a 0/1 variable, `mean (1 - mean)`). Breslow (and a
//! single death) uses `m0 = n0`, `m1 = n1` once per death. The `ln d` of the
//! Efron denominators does not depend on beta: it is summed once per fit.
//! The log-likelihood is `d1_total beta - sum ln(m0 + m1 r) + sum ln d`,
//! the score `sum (d1 / d - mean)` over the terms, each difference taken as
//! `(s1 m0 - s0 m1 r) / (m0 + m1 r)` (`s0 = d0 / d`, `s1 = d1 / d`) so it
//! keeps its precision when the mean is close to 0 or 1.
//!
//! The result equals the row-by-row evaluation up to rounding (the row path
//! sums each risk one at a time where the counts here are exact);
//! tests/cox_two_group.rs checks the whole fit against it.

use super::super::log_product::LogProduct;

/// One term per death: `[m0, m1, s0, s1]`, the integer-valued `m0`, `m1`
/// of its risk-set sum and the arms' shares `s0 = d0 / d`, `s1 = d1 / d` of
/// its tied deaths.
type Term = [f64; 4];

/// The event-time table of one fit.
#[derive(Debug, Default, Clone)]
pub(super) struct Table {
    /// Grown to the largest n seen, never shrunk; `len` are in use.
    terms: Vec<Term>,
    len: usize,
    /// `sum d ln d` over the Efron tied sets (d > 1).
    log_ties: f64,
    /// Deaths with x = 1.
    deaths1: f64,
}

/// Denominators are multiplied four at a time before they go into the
/// [`LogProduct`] when `r` lies in this range: then each is within
/// [1e-50, 1e66] (`m0 + m1 >= 1` and both are below 2^53) and a product of
/// four is a normal number.
const SAFE_R: std::ops::RangeInclusive<f64> = 1e-50..=1e50;

impl Table {
    /// Builds the table from rows sorted by time (ascending), `x` every
    /// value 0 or 1 (unit weights and no strata are the caller's to check),
    /// checking that order and those values on the way instead of in a
    /// pass of their own. Returns the number of events when the rows can
    /// take the table path: every time finite and in ascending order, every
    /// `x` 0 or 1 with both values present, at least one event, matching
    /// lengths. `None` sends the fit down the general path, which also
    /// reports whatever is wrong with the input (the table is then left
    /// half-built, unused). Does not allocate once the buffer has reached
    /// `time.len()`.
    pub(super) fn collapse(
        &mut self,
        time: &[f64],
        event: &[bool],
        x: &[f64],
        efron: bool,
    ) -> Option<usize> {
        let n = time.len();
        if n == 0 || event.len() != n || x.len() != n {
            return None;
        }
        if self.terms.len() < n {
            self.terms.resize(n, [0.0; 4]);
        }
        let terms = &mut self.terms[..n];
        let mut log_ties = 0.0;
        let mut deaths1 = 0.0;
        // At risk per arm: exact counts (as f64, exact below 2^53).
        let (mut at0, mut at1) = (0.0_f64, 0.0_f64);
        let mut len = 0;
        // Eligibility, walking backwards: every time finite and at most the
        // one after it, every x 0 or 1.
        let mut ok = true;
        let mut next = f64::INFINITY;
        let mut events = 0usize;
        let mut i = n;
        while i > 0 {
            let t = time[i - 1];
            if i == 1 || time[i - 2] != t {
                // A time of its own (W1's continuous times): branch-free on
                // the row's status and arm; a row failing the check only
                // spoils sums that are then thrown away.
                let j = i - 1;
                let arm = x[j];
                ok &= t.is_finite() & (t <= next) & ((arm == 0.0) | (arm == 1.0));
                next = t;
                at1 += arm;
                at0 += 1.0 - arm;
                let dead = event[j];
                events += usize::from(dead);
                deaths1 += if dead { arm } else { 0.0 };
                terms[len] = [at0, at1, 1.0 - arm, arm];
                len += usize::from(dead);
                i = j;
                continue;
            }
            // Tied rows (never NaN: NaN != NaN): checked before use, since
            // the block's death count bounds the loop below.
            if !(t.is_finite() && t <= next) {
                return None;
            }
            next = t;
            let (mut d0, mut d1) = (0.0_f64, 0.0_f64);
            while i > 0 && time[i - 1] == t {
                let j = i - 1;
                let arm = x[j];
                if !(arm == 0.0 || arm == 1.0) {
                    return None;
                }
                events += usize::from(event[j]);
                at1 += arm;
                at0 += 1.0 - arm;
                if event[j] {
                    d1 += arm;
                    d0 += 1.0 - arm;
                }
                i = j;
            }
            deaths1 += d1;
            let d = d0 + d1;
            let (s0, s1) = (d0 / d, d1 / d);
            let efron_ties = efron && d > 1.0;
            if efron_ties {
                log_ties += d * d.ln();
            }
            let scale = if efron_ties { d } else { 1.0 };
            let mut k = 0.0;
            while k < d {
                let step = if efron_ties { k } else { 0.0 };
                terms[len] = [scale * at0 - step * d0, scale * at1 - step * d1, s0, s1];
                len += 1;
                k += 1.0;
            }
        }
        self.len = len;
        self.log_ties = log_ties;
        self.deaths1 = deaths1;
        // With every x 0 or 1, at1 and at0 count the arms exactly.
        (ok && events > 0 && at1 > 0.0 && at0 > 0.0).then_some(events)
    }

    /// Log-likelihood, score and information at `beta`, as coxfit6_iter
    /// returns them for this model.
    pub(super) fn evaluate(&self, beta: f64) -> (f64, f64, f64) {
        if !beta.is_finite() {
            // The row path's risks exp(0 * beta) are NaN too.
            return (f64::NAN, f64::NAN, f64::NAN);
        }
        let r = beta.exp();
        let terms = &self.terms[..self.len];
        let mut logs = LogProduct::new();
        // Four independent lanes, so the divisions and sums overlap.
        let mut score = [0.0; 4];
        let mut info = [0.0; 4];
        let mut rest = terms;
        if SAFE_R.contains(&r) {
            let mut quads = terms.chunks_exact(4);
            for quad in &mut quads {
                let mut denom = [0.0; 4];
                let mut inv = [0.0; 4];
                let mut a = [0.0; 4];
                for l in 0..4 {
                    a[l] = quad[l][1] * r;
                    denom[l] = quad[l][0] + a[l];
                }
                for l in 0..4 {
                    inv[l] = 1.0 / denom[l];
                }
                for l in 0..4 {
                    let [m0, _, s0, s1] = quad[l];
                    score[l] += (s1 * m0 - s0 * a[l]) * inv[l];
                    info[l] += m0 * (a[l] * inv[l]) * inv[l];
                }
                logs.push((denom[0] * denom[1]) * (denom[2] * denom[3]));
            }
            rest = quads.remainder();
        }
        for term in rest {
            let (denom, sc, inf) = term_at(term, r);
            score[0] += sc;
            info[0] += inf;
            logs.push(denom);
        }
        let score = (score[0] + score[1]) + (score[2] + score[3]);
        let info = (info[0] + info[1]) + (info[2] + info[3]);
        let loglik = self.deaths1 * beta - (logs.ln() - self.log_ties);
        (loglik, score, info)
    }
}

/// One term's risk-set sum `m0 + m1 r` (the denominator up to its factor
/// `d`), its score `s1 - mean` and its information `mean (1 - mean)`.
#[inline(always)]
fn term_at(&[m0, m1, s0, s1]: &Term, r: f64) -> (f64, f64, f64) {
    let a = m1 * r;
    let denom = m0 + a;
    let inv = 1.0 / denom;
    // s1 - a / denom taken as (s1 m0 - s0 a) / denom: no cancellation when
    // the mean a / denom is close to 1 or to 0 (a monotone likelihood's
    // large |beta|).
    let score = (s1 * m0 - s0 * a) * inv;
    let info = m0 * (a * inv) * inv;
    (denom, score, info)
}

/// The eligibility rule [`Table::collapse`] applies on its way, as a pass
/// of its own, kept as the unit tests' oracle: the number of events when the
/// rows can take the table path (every time finite and in ascending order,
/// every `x` 0 or 1 with both values present, at least one event, matching
/// lengths), else `None`.
#[cfg(test)]
pub(super) fn eligible(time: &[f64], event: &[bool], x: &[f64]) -> Option<usize> {
    let n = time.len();
    if n == 0 || event.len() != n || x.len() != n {
        return None;
    }
    let mut ok = true;
    let mut prev = f64::NEG_INFINITY;
    let mut events = 0usize;
    let mut ones = 0usize;
    for ((&t, &e), &v) in time.iter().zip(event).zip(x) {
        ok &= t.is_finite() & (t >= prev) & ((v == 0.0) | (v == 1.0));
        prev = t;
        events += usize::from(e);
        ones += usize::from(v == 1.0);
    }
    (ok && events > 0 && ones > 0 && ones < n).then_some(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Random rows, mostly eligible, sometimes spoiled in one place.
    fn rows(rng: &mut impl Rng) -> (Vec<f64>, Vec<bool>, Vec<f64>) {
        let n = rng.gen_range(0..40);
        let grid = [0.0, 1.0][rng.gen_range(0..2)];
        let mut time: Vec<f64> = (0..n)
            .map(|_| {
                let t = rng.gen::<f64>() * 10.0;
                if grid > 0.0 {
                    t.ceil()
                } else {
                    t
                }
            })
            .collect();
        time.sort_by(f64::total_cmp);
        let event = (0..n).map(|_| rng.gen_bool(0.7)).collect::<Vec<_>>();
        let p1 = [0.0, 0.5, 1.0][rng.gen_range(0..3)];
        let mut x: Vec<f64> = (0..n)
            .map(|_| f64::from(u8::from(rng.gen_bool(p1))))
            .collect();
        if n > 0 && rng.gen_bool(0.5) {
            let k = rng.gen_range(0..n);
            match rng.gen_range(0..7) {
                0 => time[k] = f64::NAN,
                1 => time[k] = f64::INFINITY,
                2 => time[k] = -1.0,
                3 => time[k] = 11.0,
                4 => x[k] = 0.5,
                5 => x[k] = f64::NAN,
                _ => x[k] = 1e300,
            }
        }
        (time, event, x)
    }

    #[test]
    fn collapse_decides_as_eligible() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut table = Table::default();
        let (mut some, mut none) = (0, 0);
        for round in 0..20_000 {
            let (time, mut event, x) = rows(&mut rng);
            if round % 50 == 0 {
                event.iter_mut().for_each(|e| *e = false);
            }
            let want = eligible(&time, &event, &x);
            let got = table.collapse(&time, &event, &x, round % 2 == 0);
            assert_eq!(got, want, "round {round}: {time:?} {event:?} {x:?}");
            if want.is_some() {
                some += 1;
            } else {
                none += 1;
            }
        }
        // Both decisions well exercised.
        assert!(some > 2_000 && none > 2_000, "{some} {none}");
    }
}
