//! `cohortsim analyze` without --json: the same results, for people.

use crate::commands::analyze::AnalysisJson;
use std::fmt::Write;

/// A number as the text reports print it (NA when missing).
pub(crate) fn num(x: Option<f64>) -> String {
    match x {
        Some(v) if v.abs() >= 1e-3 || v == 0.0 => format!("{v:.4}"),
        Some(v) => format!("{v:.3e}"),
        None => "NA".into(),
    }
}

pub fn render(a: &AnalysisJson) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "{}: n = {}, events = {}", a.data, a.n, a.events);
    let _ = writeln!(
        o,
        "Kaplan-Meier ({} CI, level {}):",
        a.conf_type, a.conf_level
    );
    for g in &a.groups {
        let _ = writeln!(
            o,
            "  {}: n = {}, events = {}, median {} ({} - {}); symmetric +-z SE: ({} - {})",
            g.name,
            g.n,
            g.events,
            num(g.median),
            num(g.median_ci[0]),
            num(g.median_ci[1]),
            num(g.median_symmetric.lower),
            num(g.median_symmetric.upper)
        );
        for l in &g.landmarks {
            let _ = writeln!(
                o,
                "    S({}) = {} ({} - {})",
                l.time,
                num(l.surv),
                num(l.lower),
                num(l.upper)
            );
        }
        for (label, fit) in [("exponential", &g.exponential), ("Weibull", &g.weibull)] {
            if let Some(f) = fit {
                let _ = writeln!(
                    o,
                    "    {label} fit: median {} (SE {}), shape {}",
                    num(Some(f.median)),
                    num(f.median_se),
                    num(Some(f.shape))
                );
            }
        }
        if let Some(r) = &g.response {
            let _ = writeln!(
                o,
                "    response: {}/{} = {} (exact CI {} - {})",
                r.responders,
                r.n,
                num(Some(r.rate)),
                num(Some(r.lower)),
                num(Some(r.upper))
            );
        }
        if let Some(r) = &g.rmst {
            let _ = writeln!(
                o,
                "    RMST to {} = {} (SE {})",
                r.tau,
                num(r.estimate),
                num(r.se)
            );
        }
    }
    if let Some(l) = &a.logrank {
        let _ = writeln!(
            o,
            "Log-rank: chisq = {:.4} on {} df, p = {}",
            l.chisq,
            l.df,
            num(Some(l.p))
        );
    }
    if let Some(c) = &a.cox {
        let _ = writeln!(
            o,
            "Cox model ({} ties){}:",
            c.ties,
            if c.converged { "" } else { ", NOT CONVERGED" }
        );
        let _ = writeln!(
            o,
            "  {:<24} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
            "term", "coef", "se", "HR", "lower", "upper", "p"
        );
        for k in &c.coefficients {
            let _ = writeln!(
                o,
                "  {:<24} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}",
                k.name,
                num(Some(k.coef)),
                num(k.se),
                num(Some(k.hr)),
                num(k.lower),
                num(k.upper),
                num(k.p)
            );
        }
        let _ = writeln!(
            o,
            "  loglik {} (null {}); LR chisq {} on {} df, p = {}",
            num(Some(c.loglik[1])),
            num(Some(c.loglik[0])),
            num(Some(c.lr_chisq)),
            c.lr_df,
            num(Some(c.lr_p))
        );
        for w in &c.warnings {
            let _ = writeln!(o, "  warning: {w}");
        }
    }
    o
}
