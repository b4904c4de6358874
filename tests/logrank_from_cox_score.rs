//! The two-group log-rank test read off the Cox score statistic
//! (`LogRank::untied_two_group_from_score`), which the analyser uses for
//! two-arm trials: on untied times it must agree with survdiff's own pass
//! (`LogRank::test`) to rounding, with either Cox tie method, and it must
//! refuse (None) whenever survdiff could see a tie, so the test runs.

use cohortsim::analysis::{CoxModel, LogRank, Ties, Weighting};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Agreement of the chi-square and the p-value: relative, plus a term in
/// the square root, because the score `U = O - E` is a difference whose
/// rounding (a few ulps per death, a few hundred deaths) is absolute, so
/// near chi-square 0 the error of `U^2 / V` scales with `|U|`, i.e. with
/// sqrt(chi-square). A wrong term (say survdiff's hypergeometric variance
/// where deaths tie) would be off by far more.
const REL: f64 = 1e-12;

fn gap(a: f64, b: f64) -> f64 {
    let m = a.abs().max(b.abs());
    if a == b {
        0.0
    } else {
        (a - b).abs() / (m + m.sqrt())
    }
}

/// A sorted two-group data set of `n` rows with distinct continuous times:
/// exponential times (group 1 at hazard ratio `hr`), uniform censoring.
fn untied(rng: &mut impl Rng, n: usize, hr: f64, censor: f64) -> (Vec<f64>, Vec<bool>, Vec<u32>) {
    let mut rows: Vec<(f64, bool, u32)> = (0..n)
        .map(|_| {
            let g = u32::from(rng.gen_bool(0.5));
            let rate = if g == 1 { hr } else { 1.0 };
            let t = -rng.gen::<f64>().ln() / rate;
            let c = rng.gen::<f64>() * censor;
            (t.min(c), t <= c, g)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let time = rows.iter().map(|r| r.0).collect();
    let event = rows.iter().map(|r| r.1).collect();
    let group = rows.iter().map(|r| r.2).collect();
    (time, event, group)
}

/// The score statistic of the 0/1 group dummy.
fn score_chisq(time: &[f64], event: &[bool], group: &[u32], ties: Ties) -> Option<f64> {
    let x: Vec<f64> = group.iter().map(|&g| f64::from(g)).collect();
    CoxModel::default()
        .fit(time, event, &x, 1, None, ties)
        .ok()
        .map(|f| f.score_chisq)
}

#[test]
fn agrees_with_survdiff_on_untied_times() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(20_261_122);
    let mut lr = LogRank::new();
    let mut checked = 0;
    let mut refused = 0;
    let mut worst = 0.0_f64;
    for case in 0..3000 {
        let n = [2, 3, 5, 12, 60, 307, 1000][case % 7];
        let hr = [1.0, 0.5, 2.0, 0.05][rng.gen_range(0..4)];
        let censor = [0.5, 2.0, 1e9][rng.gen_range(0..3)];
        let (time, event, group) = untied(&mut rng, n, hr, censor);
        let r = lr.test(&time, &event, &group, 2, None, Weighting::LogRank);
        for ties in [Ties::Efron, Ties::Breslow] {
            let Some(score) = score_chisq(&time, &event, &group, ties) else {
                // No Cox fit (no event, one group only, no information):
                // the analyser then runs the test itself.
                continue;
            };
            // Continuous times now and then come within aeqSurv's merge
            // size of each other (about one set of 1,000 rows in ten here);
            // those refuse, conservatively.
            let Some((chisq, p)) = lr.untied_two_group_from_score(&time, score) else {
                refused += 1;
                continue;
            };
            let worst_here = gap(chisq, r.chisq).max(gap(p, r.p_value));
            assert!(
                worst_here <= REL,
                "case {case} ({ties:?}, n = {n}): score {chisq} (p {p}) vs survdiff {} (p {})",
                r.chisq,
                r.p_value
            );
            worst = worst.max(worst_here);
            checked += 1;
        }
    }
    // Most cases have a fit (n = 2 and 3 often do not).
    assert!(checked > 4500, "only {checked} cases checked");
    assert!(
        refused * 20 < checked,
        "{refused} continuous data sets refused"
    );
    // Typically a few ulps: far inside the tolerance, which only a real
    // difference of formula could cross.
    assert!(worst < 2e-13, "worst scaled difference {worst}");
}

#[test]
fn a_tie_or_a_near_tie_sends_the_test_down_its_own_path() {
    let lr = LogRank::new();
    let base = [0.5, 1.0, 2.0, 3.0];
    // An exact tie.
    assert_eq!(
        lr.untied_two_group_from_score(&[0.5, 1.0, 1.0, 3.0], 1.0),
        None
    );
    // Times aeqSurv would merge (within sqrt(eps) of each other).
    let near = [0.5, 1.0, 1.0 + 1e-9, 3.0];
    assert_eq!(lr.untied_two_group_from_score(&near, 1.0), None);
    // Out of order.
    assert_eq!(lr.untied_two_group_from_score(&[1.0, 0.5, 2.0], 1.0), None);
    // Not finite.
    assert_eq!(
        lr.untied_two_group_from_score(&[0.5, f64::NAN, 2.0], 1.0),
        None
    );
    assert_eq!(lr.untied_two_group_from_score(&base, f64::NAN), None);
    // Untied: the score is taken, with survdiff's 1-df p-value.
    let (chisq, p) = lr
        .untied_two_group_from_score(&base, 3.841_458_820_694_124)
        .unwrap();
    assert_eq!(chisq, 3.841_458_820_694_124);
    assert!((p - 0.05).abs() < 1e-12, "p = {p}");
    // Without timefix only exact ties (and disorder) count.
    let mut exact = LogRank::new();
    exact.set_timefix(false);
    assert!(exact.untied_two_group_from_score(&near, 1.0).is_some());
    assert_eq!(
        exact.untied_two_group_from_score(&[0.5, 1.0, 1.0, 3.0], 1.0),
        None
    );
}

/// With tied deaths the identity fails (survdiff's hypergeometric variance
/// is not Efron's or Breslow's information), which is why ties must refuse:
/// the check that the two differ here keeps the refusal honest.
#[test]
fn tied_deaths_would_give_a_different_statistic() {
    let time = [1.0, 1.0, 1.0, 2.0, 2.0, 3.0, 4.0, 4.0];
    let event = [true, true, true, true, true, false, true, true];
    let group = [0, 1, 1, 0, 1, 0, 1, 0];
    let r = LogRank::new().test(&time, &event, &group, 2, None, Weighting::LogRank);
    for ties in [Ties::Efron, Ties::Breslow] {
        let score = score_chisq(&time, &event, &group, ties).unwrap();
        assert!(
            (score - r.chisq).abs() > 1e-3 * r.chisq,
            "{ties:?}: {score} vs {}",
            r.chisq
        );
    }
}
