//! Baseline covariates: `[[covariates]]`, `[dependence]` and `[eligibility]`
//! turned into a `CohortSpec`, with each problem reported at its key path.

use super::columns::{columns_of, ColumnInfo};
use super::Ctx;
use crate::cohort::{
    BandSpec, Boundary, CategoricalMargin, CohortSpec, ConditionalTable, ContinuousMargin,
    Correlation, CountMargin, Covariate, Margin, Mode, OnlyIf, Rule, SpecError, SpecOptions,
    DEFAULT_MAX_SCREENED_PER_PATIENT,
};
use crate::scenario::raw::{RawBands, RawCovariate, RawScenario};

/// Which optional keys each kind takes; anything else present is an error, so
/// a key that would be ignored is never silently ignored.
fn allowed(kind: &str) -> &'static [&'static str] {
    match kind {
        "categorical" => &[
            "levels",
            "probs",
            "counts",
            "given",
            "conditional",
            "conditional_counts",
        ],
        "binary" => &["levels", "probs", "counts", "p_yes", "only_if"],
        "continuous" => &["min", "max", "median", "quantiles", "bands"],
        "count" => &["min", "max", "median", "values", "probs", "counts", "bands"],
        _ => &[],
    }
}

fn present(c: &RawCovariate) -> Vec<&'static str> {
    let mut v = Vec::new();
    let mut add = |cond: bool, k: &'static str| {
        if cond {
            v.push(k)
        }
    };
    add(c.levels.is_some(), "levels");
    add(c.probs.is_some(), "probs");
    add(c.counts.is_some(), "counts");
    add(c.p_yes.is_some(), "p_yes");
    add(c.min.is_some(), "min");
    add(c.max.is_some(), "max");
    add(c.median.is_some(), "median");
    add(c.quantiles.is_some(), "quantiles");
    add(c.values.is_some(), "values");
    add(c.bands.is_some(), "bands");
    add(c.given.is_some(), "given");
    add(c.conditional.is_some(), "conditional");
    add(c.conditional_counts.is_some(), "conditional_counts");
    add(c.only_if.is_some(), "only_if");
    v
}

/// Counts are written as numbers; they must be whole and non-negative.
fn whole_counts(ctx: &mut Ctx, key: &str, counts: &[f64]) -> Option<Vec<u32>> {
    let mut out = Vec::with_capacity(counts.len());
    for (j, &c) in counts.iter().enumerate() {
        if c.is_finite() && c >= 0.0 && c.fract() == 0.0 && c <= u32::MAX as f64 {
            out.push(c as u32);
        } else {
            ctx.err(
                format!("{key}[{j}]"),
                format!("a count must be a whole number >= 0, got {c}"),
            );
            return None;
        }
    }
    Some(out)
}

fn level_margin(
    ctx: &mut Ctx,
    key: &str,
    levels: Vec<String>,
    c: &RawCovariate,
) -> Option<CategoricalMargin> {
    let r = match (&c.probs, &c.counts) {
        (Some(p), None) => CategoricalMargin::from_probs(levels, p.clone()),
        (None, Some(k)) => {
            let k = whole_counts(ctx, &format!("{key}.counts"), k)?;
            CategoricalMargin::from_counts(levels, k)
        }
        (Some(_), Some(_)) => {
            ctx.err(key, "give `probs` or `counts`, not both");
            return None;
        }
        (None, None) => {
            ctx.err(key, "needs `probs` or `counts`");
            return None;
        }
    };
    r.map_err(|e| ctx.err(key, format!("`{}`: {e}", c.name)))
        .ok()
}

fn categorical(ctx: &mut Ctx, key: &str, c: &RawCovariate) -> Option<Margin> {
    let Some(levels) = c.levels.clone() else {
        ctx.err(
            format!("{key}.levels"),
            "a categorical covariate needs `levels`",
        );
        return None;
    };
    let Some(parent) = &c.given else {
        if c.conditional.is_some() || c.conditional_counts.is_some() {
            ctx.err(
                key,
                "a conditional table needs `given`, the parent covariate",
            );
            return None;
        }
        return level_margin(ctx, key, levels, c).map(Margin::Categorical);
    };
    if c.probs.is_some() || c.counts.is_some() {
        ctx.err(
            key,
            "a covariate `given` a parent takes its margin from the conditional table; remove `probs`/`counts`",
        );
        return None;
    }
    let built = match (&c.conditional, &c.conditional_counts) {
        (Some(rows), None) => ConditionalTable::from_probs(
            parent.clone(),
            levels,
            rows.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        ),
        (None, Some(rows)) => {
            let mut out = Vec::new();
            for (k, v) in rows {
                out.push((
                    k.clone(),
                    whole_counts(ctx, &format!("{key}.conditional_counts.{k}"), v)?,
                ));
            }
            ConditionalTable::from_counts(parent.clone(), levels, out)
        }
        (Some(_), Some(_)) => {
            ctx.err(key, "give `conditional` or `conditional_counts`, not both");
            return None;
        }
        (None, None) => {
            ctx.err(key, "`given` needs a `conditional` (or `conditional_counts`) table, a row per parent level");
            return None;
        }
    };
    built
        .map(Margin::Conditional)
        .map_err(|e| ctx.err(key, format!("`{}`: {e}", c.name)))
        .ok()
}

fn binary(ctx: &mut Ctx, key: &str, c: &RawCovariate) -> Option<Margin> {
    let levels = vec!["no".to_string(), "yes".to_string()];
    if let Some(l) = &c.levels {
        if *l != levels {
            ctx.err(
                format!("{key}.levels"),
                "a binary covariate's levels are [\"no\", \"yes\"]; leave `levels` out",
            );
            return None;
        }
    }
    let margin = match c.p_yes {
        Some(p) => {
            if c.probs.is_some() || c.counts.is_some() {
                ctx.err(key, "give one of `p_yes`, `probs` or `counts`");
                return None;
            }
            CategoricalMargin::from_probs(levels, vec![1.0 - p, p])
                .map_err(|e| ctx.err(format!("{key}.p_yes"), format!("`{}`: {e}", c.name)))
                .ok()?
        }
        None => level_margin(ctx, key, levels, c)?,
    };
    match &c.only_if {
        None => Some(Margin::Categorical(margin)),
        Some(o) => OnlyIf::new(margin, o.covariate.clone(), o.level.clone(), "no")
            .map(Margin::OnlyIf)
            .map_err(|e| ctx.err(format!("{key}.only_if"), format!("`{}`: {e}", c.name)))
            .ok(),
    }
}

fn continuous(ctx: &mut Ctx, key: &str, c: &RawCovariate) -> Option<Margin> {
    let (Some(min), Some(max)) = (c.min, c.max) else {
        ctx.err(
            key,
            "a continuous covariate needs `min` and `max` (its range)",
        );
        return None;
    };
    let mut m = ContinuousMargin::new(min, max)
        .map_err(|e| ctx.err(key, format!("`{}`: {e}", c.name)))
        .ok()?;
    if let Some(med) = c.median {
        m = m
            .with_median(med)
            .map_err(|e| ctx.err(format!("{key}.median"), format!("`{}`: {e}", c.name)))
            .ok()?;
    }
    for (j, [p, x]) in c.quantiles.iter().flatten().enumerate() {
        m = m
            .with_quantile(*p, *x)
            .map_err(|e| {
                ctx.err(
                    format!("{key}.quantiles[{j}]"),
                    format!("`{}`: {e}", c.name),
                )
            })
            .ok()?;
    }
    Some(Margin::Continuous(m))
}

fn count(ctx: &mut Ctx, key: &str, c: &RawCovariate) -> Option<Margin> {
    let name = &c.name;
    if let Some(values) = &c.values {
        if c.min.is_some() || c.max.is_some() || c.median.is_some() {
            ctx.err(key, "give either `values` with `probs`/`counts`, or `median`, `min` and `max`, not both");
            return None;
        }
        let mut ints = Vec::with_capacity(values.len());
        for (j, &v) in values.iter().enumerate() {
            if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
                ints.push(v as i64);
            } else {
                ctx.err(
                    format!("{key}.values[{j}]"),
                    format!("a count value must be a whole number, got {v}"),
                );
                return None;
            }
        }
        let r = match (&c.probs, &c.counts) {
            (Some(p), None) => CountMargin::from_probs(ints, p.clone()),
            (None, Some(k)) => {
                let k = whole_counts(ctx, &format!("{key}.counts"), k)?;
                CountMargin::from_counts(ints, k)
            }
            _ => {
                ctx.err(key, "`values` needs exactly one of `probs` or `counts`");
                return None;
            }
        };
        return r
            .map(Margin::Count)
            .map_err(|e| ctx.err(key, format!("`{name}`: {e}")))
            .ok();
    }
    let (Some(min), Some(med), Some(max)) = (c.min, c.median, c.max) else {
        ctx.err(
            key,
            "a count covariate needs `values` with `probs`/`counts`, or `median`, `min` and `max`",
        );
        return None;
    };
    if c.probs.is_some() || c.counts.is_some() {
        ctx.err(key, "`probs`/`counts` go with `values`");
        return None;
    }
    if min.fract() != 0.0 || max.fract() != 0.0 || !min.is_finite() || !max.is_finite() {
        ctx.err(
            key,
            format!("`min` and `max` of a count must be whole numbers, got {min} and {max}"),
        );
        return None;
    }
    CountMargin::from_median_range(min as i64, med, max as i64)
        .map(Margin::Count)
        .map_err(|e| ctx.err(key, format!("`{name}`: {e}")))
        .ok()
}

fn bands(ctx: &mut Ctx, key: &str, source: &str, b: &RawBands) -> Option<Covariate> {
    let boundary = match b.boundary.as_deref().unwrap_or("upper") {
        "upper" => Boundary::Upper,
        "lower" => Boundary::Lower,
        other => {
            ctx.err(
                format!("{key}.boundary"),
                format!("expected `upper` or `lower`, got `{other}`"),
            );
            return None;
        }
    };
    let mut spec = BandSpec::new(source, b.cuts.clone(), b.labels.clone(), boundary)
        .map_err(|e| ctx.err(key, format!("`{}`: {e}", b.name)))
        .ok()?;
    if let Some(counts) = &b.counts {
        let k = whole_counts(ctx, &format!("{key}.counts"), counts)?;
        spec = spec
            .with_counts(k)
            .map_err(|e| ctx.err(format!("{key}.counts"), format!("`{}`: {e}", b.name)))
            .ok()?;
    }
    Some(Covariate::new(b.name.clone(), spec))
}

/// Where in the file a spec-wide error belongs, from the covariate it names.
fn spec_error_key(e: &SpecError, raw: &RawScenario) -> String {
    let index_of = |name: &str| -> Option<String> {
        raw.covariates.iter().enumerate().find_map(|(i, c)| {
            if c.name == name {
                Some(format!("covariates[{i}]"))
            } else if c.bands.as_ref().is_some_and(|b| b.name == name) {
                Some(format!("covariates[{i}].bands"))
            } else {
                None
            }
        })
    };
    use SpecError::*;
    let named = match e {
        Margin { covariate, .. } | CountsDoNotSumToN { covariate, .. } => index_of(covariate),
        UnknownParent { child, .. }
        | ParentNotCategorical { child, .. }
        | MissingParentLevel { child, .. }
        | UnknownParentLevel { child, .. }
        | ConditionalCountsDisagree { child, .. }
        | OnlyIfUnsatisfiable { child, .. } => index_of(child),
        UnknownBandSource { band, .. }
        | BandSourceNotNumeric { band, .. }
        | BandCutNotInteger { band, .. }
        | BandCountsDisagree { band, .. } => index_of(band),
        DuplicateCovariate { name } => index_of(name),
        UnknownCovariate { context, .. } if context.contains("eligibility") => {
            Some("eligibility.exclude".into())
        }
        UnknownCovariate { .. }
        | CorrelationOnDependent { .. }
        | DuplicateCorrelation { .. }
        | CorrelationNotPositiveDefinite { .. } => Some("dependence.correlations".into()),
        RuleKindMismatch { .. }
        | RuleUnknownLevel { .. }
        | EligibilityExcludesAll { .. }
        | EligibilityConflictsWithExact { .. } => Some("eligibility.exclude".into()),
        _ => None,
    };
    named.unwrap_or_else(|| "covariates".into())
}

/// Builds the cohort spec and its column list; `n` is the table's n (counts
/// must sum to it in exact mode).
pub fn cohort(ctx: &mut Ctx, raw: &RawScenario, n: usize) -> Option<(CohortSpec, Vec<ColumnInfo>)> {
    let mode = match raw.cohort.margins.as_deref().unwrap_or("sampled") {
        "sampled" => Mode::Sampled,
        "exact" => Mode::Exact,
        other => {
            ctx.err(
                "cohort.margins",
                format!("expected `sampled` or `exact`, got `{other}`"),
            );
            return None;
        }
    };
    let mut covariates = Vec::new();
    let mut ok = true;
    for (i, c) in raw.covariates.iter().enumerate() {
        let key = format!("covariates[{i}]");
        let kinds = "categorical, binary, continuous, count";
        if allowed(&c.kind).is_empty() {
            ctx.err(
                format!("{key}.kind"),
                format!(
                    "`{}`: unknown kind `{}`; expected one of {kinds}",
                    c.name, c.kind
                ),
            );
            ok = false;
            continue;
        }
        let stray: Vec<&str> = present(c)
            .into_iter()
            .filter(|k| !allowed(&c.kind).contains(k))
            .collect();
        if !stray.is_empty() {
            ctx.err(
                &key,
                format!(
                    "`{}` is {}: it takes no `{}`",
                    c.name,
                    c.kind,
                    stray.join("`, `")
                ),
            );
            ok = false;
            continue;
        }
        let margin = match c.kind.as_str() {
            "categorical" => categorical(ctx, &key, c),
            "binary" => binary(ctx, &key, c),
            "continuous" => continuous(ctx, &key, c),
            _ => count(ctx, &key, c),
        };
        let Some(margin) = margin else {
            ok = false;
            continue;
        };
        covariates.push(Covariate::new(c.name.clone(), margin));
        if let Some(b) = &c.bands {
            match bands(ctx, &format!("{key}.bands"), &c.name, b) {
                Some(band) => covariates.push(band),
                None => ok = false,
            }
        }
    }
    let mut correlations = Vec::new();
    for (j, r) in raw
        .dependence
        .iter()
        .flat_map(|d| d.correlations.iter())
        .enumerate()
    {
        match Correlation::new(r.a.clone(), r.b.clone(), r.rho) {
            Ok(c) => correlations.push(c),
            Err(e) => {
                ctx.err(format!("dependence.correlations[{j}]"), e.to_string());
                ok = false;
            }
        }
    }
    let mut rules = Vec::new();
    for (j, x) in raw
        .eligibility
        .iter()
        .flat_map(|e| e.exclude.iter())
        .enumerate()
    {
        let key = format!("eligibility.exclude[{j}]");
        let rule = match (&x.levels, x.below, x.above) {
            (Some(l), None, None) => Rule::exclude_levels(x.covariate.clone(), l.clone()),
            (None, Some(b), None) => Rule::exclude_below(x.covariate.clone(), b),
            (None, None, Some(a)) => Rule::exclude_above(x.covariate.clone(), a),
            _ => {
                ctx.err(key, "give exactly one of `levels`, `below` or `above`");
                ok = false;
                continue;
            }
        };
        match rule {
            Ok(r) => rules.push(r),
            Err(e) => {
                ctx.err(key, e.to_string());
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let options = SpecOptions {
        mode,
        // Counts are the table's own only in exact mode; in sampled mode they are
        // just proportions (a subgroup's counts, say, need not sum to n).
        table_n: (mode == Mode::Exact).then_some(n.min(u32::MAX as usize) as u32),
        max_screened_per_patient: DEFAULT_MAX_SCREENED_PER_PATIENT,
    };
    match CohortSpec::new(covariates, correlations, rules, options) {
        Ok(spec) => {
            let cols = columns_of(&spec);
            Some((spec, cols))
        }
        Err(e) => {
            ctx.err(spec_error_key(&e, raw), e.to_string());
            None
        }
    }
}
