//! The logistic link shared by the response and adverse-event models.

/// Numerically stable logistic function; `logistic(±inf)` is 1 or 0, NaN stays NaN.
pub(crate) fn logistic(x: f64) -> f64 {
    if x >= 0.0 {
        1.0 / (1.0 + (-x).exp())
    } else {
        let e = x.exp();
        e / (1.0 + e)
    }
}
