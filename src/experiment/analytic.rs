//! Closed-form event counts and power for log-rank designs, shown beside the
//! simulated power so a reader can see how far the textbook approximations
//! are from what the simulated study actually achieves.
//!
//! All tests are two-sided at level `alpha`. The power functions keep only
//! the tail in the direction of the true effect: the other tail adds at most
//! `alpha / 2` and in practice far less (`Φ(-2 z_a)`, about 4.4e-5, once
//! power is at least 0.5 at `alpha = 0.05`), and dropping it is what makes
//! `events` and `power` exact inverses. A consequence is that zero events or
//! no effect give power `alpha / 2`, not `alpha`.
//!
//! Notation: `z_a = Φ⁻¹(1 - alpha / 2)`, `z_b = Φ⁻¹(power)`; `hr` is the
//! hazard ratio experimental / control (or cohort / reference for the
//! one-sample test); `p` the share of patients in the experimental arm.
//!
//! * Schoenfeld (1981): `ln hr` estimated with variance `1 / (D p (1 - p))`,
//!   so `D = (z_a + z_b)² / (p (1 - p) (ln hr)²)`. Symmetric in `p` and
//!   `1 - p`, and minimal at 1:1.
//! * Freedman (1982), with allocation ratio `k = p / (1 - p)`
//!   (experimental : control):
//!   `D = (z_a + z_b)² (1 + k hr)² / (k (1 - hr)²)`. The per-death mean of
//!   `O - E` in the experimental arm, `k (hr - 1) / ((1 + k hr)(1 + k))`,
//!   over its null standard deviation `√k / (1 + k)` gives the drift
//!   `√(D k) |1 - hr| / (1 + k hr)`. This is the form of Machin et al. and
//!   of R's `nphPower::pwr2n.LR(method = "freedman")` (there
//!   `ratio` = experimental : control, `HR = lambda1 / lambda0`). At 1:1 it
//!   is `(z_a + z_b)² (1 + hr)² / (1 - hr)²`, which always exceeds
//!   Schoenfeld's count for `hr != 1`.
//! * One-sample log-rank against a known (historical) reference: with `D`
//!   events the log of `O / E` has variance about `1 / D`, so
//!   `D = (z_a + z_b)² / (ln hr)²`. Under exponentials
//!   `hr = reference_median / true_median`.
//!
//! Every function returns `None` for inputs outside its domain instead of
//! a NaN or an infinite count.
//!
//! `Φ` and `Φ⁻¹` are statrs'. Its quantile is accurate to a few ulps, its
//! CDF only to about 5e-11 relative (measured against R's `pnorm`), far
//! below anything that matters next to a simulated power.

use statrs::distribution::{ContinuousCDF, Normal};

/// `z_{1 - alpha/2}`, or `None` unless `0 < alpha < 1`.
fn z_alpha(alpha: f64) -> Option<f64> {
    // -Φ⁻¹(alpha/2) rather than Φ⁻¹(1 - alpha/2): no rounding of 1 - alpha/2.
    (alpha > 0.0 && alpha < 1.0).then(|| -Normal::standard().inverse_cdf(0.5 * alpha))
}

/// `z_{power}`, or `None` unless `0 < power < 1`.
fn z_power(power: f64) -> Option<f64> {
    (power > 0.0 && power < 1.0).then(|| Normal::standard().inverse_cdf(power))
}

fn valid_share(p: f64) -> bool {
    p > 0.0 && p < 1.0
}

fn valid_hr(hr: f64) -> bool {
    hr > 0.0 && hr.is_finite()
}

fn valid_events(events: f64) -> bool {
    events >= 0.0 && events.is_finite()
}

/// Events needed for drift `sqrt(D) * effect` (effect > 0) to reach the
/// target; `Some(0)` when the target power is at most `alpha / 2`, which
/// zero events already give under the one-tail approximation.
fn events_for(effect: f64, alpha: f64, power: f64) -> Option<f64> {
    let z = z_alpha(alpha)? + z_power(power)?;
    if effect.is_nan() || effect <= 0.0 {
        return None;
    }
    if z <= 0.0 {
        return Some(0.0);
    }
    let d = (z / effect).powi(2);
    d.is_finite().then_some(d)
}

/// `Φ(sqrt(D) * effect - z_a)`.
fn power_for(effect: f64, alpha: f64, events: f64) -> Option<f64> {
    let za = z_alpha(alpha)?;
    if !valid_events(events) {
        return None;
    }
    Some(Normal::standard().cdf(events.sqrt() * effect - za))
}

/// Schoenfeld's standardized effect per √event: `√(p (1 - p)) |ln hr|`.
fn schoenfeld_effect(hr: f64, p: f64) -> Option<f64> {
    (valid_hr(hr) && valid_share(p)).then(|| (p * (1.0 - p)).sqrt() * hr.ln().abs())
}

/// Freedman's standardized effect per √event: `√k |1 - hr| / (1 + k hr)`.
fn freedman_effect(hr: f64, p: f64) -> Option<f64> {
    if !(valid_hr(hr) && valid_share(p)) {
        return None;
    }
    let k = p / (1.0 - p);
    Some(k.sqrt() * (1.0 - hr).abs() / (1.0 + k * hr))
}

/// Events for the two-arm log-rank test by Schoenfeld's formula
/// `(z_a + z_b)² / (p (1 - p) (ln hr)²)`; two-sided `alpha`, share `p` of
/// the experimental arm, `hr` experimental / control.
///
/// `None` unless `hr > 0` finite and `!= 1`, and `alpha`, `power`, `p` are
/// in `(0, 1)`; `Some(0)` if `power <= alpha / 2`.
pub fn schoenfeld_events(hr: f64, alpha: f64, power: f64, p: f64) -> Option<f64> {
    events_for(schoenfeld_effect(hr, p)?, alpha, power)
}

/// Power of the two-arm log-rank test with `events` events by Schoenfeld's
/// approximation, `Φ(√(D p (1 - p)) |ln hr| - z_a)` (the opposite tail is
/// ignored, see the module notes). `hr == 1` gives `alpha / 2`.
///
/// `None` unless `hr > 0` finite, `alpha` and `p` in `(0, 1)` and
/// `events >= 0` finite.
pub fn schoenfeld_power(hr: f64, alpha: f64, events: f64, p: f64) -> Option<f64> {
    power_for(schoenfeld_effect(hr, p)?, alpha, events)
}

/// Events for the two-arm log-rank test by Freedman's formula with
/// allocation ratio `k = p / (1 - p)`:
/// `(z_a + z_b)² (1 + k hr)² / (k (1 - hr)²)`.
///
/// Same domain as [`schoenfeld_events`].
pub fn freedman_events(hr: f64, alpha: f64, power: f64, p: f64) -> Option<f64> {
    events_for(freedman_effect(hr, p)?, alpha, power)
}

/// Power of the two-arm log-rank test with `events` events by Freedman's
/// approximation, `Φ(√(D k) |1 - hr| / (1 + k hr) - z_a)`, `k = p / (1 - p)`
/// (the opposite tail is ignored).
///
/// Same domain as [`schoenfeld_power`].
pub fn freedman_power(hr: f64, alpha: f64, events: f64, p: f64) -> Option<f64> {
    power_for(freedman_effect(hr, p)?, alpha, events)
}

/// Events for the one-sample log-rank test against a known reference,
/// `(z_a + z_b)² / (ln hr)²`, with `hr` the cohort's hazard relative to the
/// reference (`reference_median / true_median` under exponentials).
///
/// `None` unless `hr > 0` finite and `!= 1`, and `alpha`, `power` in
/// `(0, 1)`; `Some(0)` if `power <= alpha / 2`.
pub fn one_sample_events(hr: f64, alpha: f64, power: f64) -> Option<f64> {
    if !valid_hr(hr) {
        return None;
    }
    events_for(hr.ln().abs(), alpha, power)
}

/// Power of the one-sample log-rank test with `events` events,
/// `Φ(√D |ln hr| - z_a)` (the opposite tail is ignored).
///
/// `None` unless `hr > 0` finite, `alpha` in `(0, 1)` and `events >= 0`
/// finite.
pub fn one_sample_power(hr: f64, alpha: f64, events: f64) -> Option<f64> {
    if !valid_hr(hr) {
        return None;
    }
    power_for(hr.ln().abs(), alpha, events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn close(got: Option<f64>, want: f64, tol: f64) {
        let g = got.expect("Some");
        assert!((g - want).abs() <= tol, "got {g:.17e}, want {want:.17e}");
    }

    // Reference values from R 4:
    //   za = qnorm(0.975) = 1.95996398454005361
    //   qnorm(0.9) = 1.28155156554460081, qnorm(0.8) = 0.84162123357291441
    //   log(0.6) = -0.51082562376599072

    #[test]
    fn schoenfeld_hand_values() {
        // 4 (1.959964 + 1.281552)^2 / (log 0.6)^2
        //   = 4 * 10.50742... / 0.260943... = 161.06859190325576
        close(
            schoenfeld_events(0.6, 0.05, 0.9, 0.5),
            161.068_591_903_255_76,
            1e-9,
        );
        // pnorm(sqrt(50) * 0.5108256 - 1.959964) = pnorm(1.6521186411477471)
        //   = 0.95074481622260609
        close(
            schoenfeld_power(0.6, 0.05, 200.0, 0.5),
            0.950_744_816_222_606_1,
            1e-10,
        );
        // 2:1 (p = 2/3), HR 0.7, power .9: (za + zb)^2 / ((2/9) (log 0.7)^2)
        close(
            schoenfeld_events(0.7, 0.05, 0.9, 2.0 / 3.0),
            371.675_153_209_285_8,
            1e-9,
        );
        // symmetric in p and 1 - p, and in hr and 1/hr
        close(
            schoenfeld_events(0.7, 0.05, 0.9, 1.0 / 3.0),
            371.675_153_209_285_8,
            1e-9,
        );
        close(
            schoenfeld_events(1.0 / 0.6, 0.05, 0.9, 0.5),
            161.068_591_903_255_76,
            1e-9,
        );
    }

    #[test]
    fn freedman_hand_values() {
        // (1.959964 + 0.841621)^2 (1.6)^2 / (0.4)^2 = 125.58207574958537
        close(
            freedman_events(0.6, 0.05, 0.8, 0.5),
            125.582_075_749_585_37,
            1e-9,
        );
        // 2:1, HR 0.7, power .9: (za + zb)^2 (1 + 1.4)^2 / (2 * 0.09)
        //   = 336.23753796609981
        close(
            freedman_events(0.7, 0.05, 0.9, 2.0 / 3.0),
            336.237_537_966_099_8,
            1e-9,
        );
        // at 1:1 Freedman's count is the same for hr and 1/hr
        close(
            freedman_events(1.0 / 0.6, 0.05, 0.8, 0.5),
            125.582_075_749_585_37,
            1e-9,
        );
    }

    #[test]
    fn freedman_needs_more_events_than_schoenfeld_at_one_to_one() {
        for &hr in &[0.3, 0.5, 0.6, 0.75, 0.9, 0.99, 1.01, 1.2, 1.5, 3.0] {
            for &power in &[0.5, 0.8, 0.9, 0.95] {
                let f = freedman_events(hr, 0.05, power, 0.5).unwrap();
                let s = schoenfeld_events(hr, 0.05, power, 0.5).unwrap();
                assert!(f > s, "hr {hr} power {power}: freedman {f} schoenfeld {s}");
            }
        }
        // Schoenfeld at 200 events HR 0.6 (0.9507) beats Freedman at 200.
        let fp = freedman_power(0.6, 0.05, 200.0, 0.5).unwrap();
        let sp = schoenfeld_power(0.6, 0.05, 200.0, 0.5).unwrap();
        assert!(fp < sp);
    }

    #[test]
    fn one_sample_hand_values() {
        // (1.959964 + 0.841621)^2 / (log 0.6)^2 = 30.078926094374804
        close(
            one_sample_events(0.6, 0.05, 0.8),
            30.078_926_094_374_804,
            1e-10,
        );
        // pnorm(sqrt(50) |log 0.7| - za) = 0.71297902992696416
        close(
            one_sample_power(0.7, 0.05, 50.0),
            0.712_979_029_926_964_2,
            1e-10,
        );
        // one-sample D is a quarter of 1:1 Schoenfeld's
        let one = one_sample_events(0.6, 0.05, 0.9).unwrap();
        let two = schoenfeld_events(0.6, 0.05, 0.9, 0.5).unwrap();
        assert!((4.0 * one - two).abs() < 1e-9);
    }

    #[test]
    fn round_trips() {
        for &hr in &[0.4, 0.6, 0.8, 0.95, 1.1, 1.7] {
            for &alpha in &[0.01, 0.05, 0.1, 0.2] {
                for &power in &[0.3, 0.5, 0.8, 0.9, 0.99] {
                    for &p in &[0.2, 0.5, 2.0 / 3.0, 0.9] {
                        let d = schoenfeld_events(hr, alpha, power, p).unwrap();
                        close(schoenfeld_power(hr, alpha, d, p), power, 1e-10);
                        let d = freedman_events(hr, alpha, power, p).unwrap();
                        close(freedman_power(hr, alpha, d, p), power, 1e-10);
                    }
                    let d = one_sample_events(hr, alpha, power).unwrap();
                    close(one_sample_power(hr, alpha, d), power, 1e-10);
                }
            }
        }
    }

    #[test]
    fn edge_cases() {
        // no effect, or no events: power alpha / 2 (one tail only); the
        // tolerance is statrs' normal CDF accuracy
        close(schoenfeld_power(1.0, 0.05, 500.0, 0.5), 0.025, 1e-11);
        close(freedman_power(0.6, 0.05, 0.0, 0.5), 0.025, 1e-11);
        close(one_sample_power(1.0, 0.1, 10.0), 0.05, 1e-11);
        // a target at or below alpha / 2 needs no events
        assert_eq!(schoenfeld_events(0.6, 0.05, 0.02, 0.5), Some(0.0));
        assert_eq!(one_sample_events(0.6, 0.05, 0.025), Some(0.0));
        // power grows with events
        let a = freedman_power(0.7, 0.05, 100.0, 0.5).unwrap();
        let b = freedman_power(0.7, 0.05, 300.0, 0.5).unwrap();
        assert!(a < b);
    }

    #[test]
    fn invalid_inputs() {
        let nan = f64::NAN;
        let inf = f64::INFINITY;
        for hr in [0.0, -0.5, 1.0, nan, inf] {
            assert_eq!(schoenfeld_events(hr, 0.05, 0.8, 0.5), None, "hr {hr}");
            assert_eq!(freedman_events(hr, 0.05, 0.8, 0.5), None, "hr {hr}");
            assert_eq!(one_sample_events(hr, 0.05, 0.8), None, "hr {hr}");
        }
        for hr in [0.0, -0.5, nan, inf] {
            assert_eq!(schoenfeld_power(hr, 0.05, 100.0, 0.5), None);
            assert_eq!(freedman_power(hr, 0.05, 100.0, 0.5), None);
            assert_eq!(one_sample_power(hr, 0.05, 100.0), None);
        }
        for x in [0.0, 1.0, -0.1, 1.5, nan] {
            assert_eq!(schoenfeld_events(0.6, x, 0.8, 0.5), None, "alpha {x}");
            assert_eq!(schoenfeld_events(0.6, 0.05, x, 0.5), None, "power {x}");
            assert_eq!(schoenfeld_events(0.6, 0.05, 0.8, x), None, "p {x}");
            assert_eq!(freedman_events(0.6, 0.05, 0.8, x), None, "p {x}");
            assert_eq!(freedman_power(0.6, x, 100.0, 0.5), None, "alpha {x}");
            assert_eq!(freedman_power(0.6, 0.05, 100.0, x), None, "p {x}");
            assert_eq!(one_sample_events(0.6, x, 0.8), None, "alpha {x}");
            assert_eq!(one_sample_power(0.6, x, 10.0), None, "alpha {x}");
        }
        for d in [-1.0, nan, inf] {
            assert_eq!(schoenfeld_power(0.6, 0.05, d, 0.5), None);
            assert_eq!(freedman_power(0.6, 0.05, d, 0.5), None);
            assert_eq!(one_sample_power(0.6, 0.05, d), None);
        }
        // hr next to 1 still gives a finite (huge) count
        let d = one_sample_events(1.0 + f64::EPSILON, 0.05, 0.8).unwrap();
        assert!(d.is_finite() && d > 1e31);
    }
}
