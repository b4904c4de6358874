//! The robust (sandwich) variance of a weighted Cox fit, as
//! `coxph(..., weights = w, robust = TRUE)` computes it without `cluster()`:
//! `D'D`, where row i of `D` is observation i's dfbeta residual,
//! `w_i * s_i * V` (`s_i` its score residual, `V` the model-based variance);
//! R: `residuals(fit, type = "dfbeta", weighted = TRUE)`.
//!
//! Score residuals follow survival's `coxscore2` (Breslow and Efron), but
//! in O(n p) rather than its O(n^2 p): a subject's residual is its own
//! event term minus `r_k (x_k H(t_k) - G(t_k))`, where `H` accumulates the
//! hazard increments and `G` the hazard-weighted risk-set means over the
//! event times it was at risk for, so running sums replace coxscore2's
//! loop over everyone still at risk. Subjects in a tied set with deaths get
//! that set's terms directly, with Efron's partial risk sets for the deaths.
//! Everything is computed on the centred and scaled covariates the fit used
//! (the residuals do not depend on centring) and scaled back.

use super::CoxModel;

/// Reusable buffers; nothing here allocates once warm.
#[derive(Debug, Default, Clone)]
pub(super) struct Work {
    score: Vec<f64>,
    resid: Vec<f64>,
    /// Per tied set (in time order within a stratum): first row, number of
    /// rows, deaths, summed death weights, weighted risk-set sums.
    group_start: Vec<usize>,
    group_len: Vec<usize>,
    group_deaths: Vec<usize>,
    group_deadwt: Vec<f64>,
    group_denom: Vec<f64>,
    group_edenom: Vec<f64>,
    group_a: Vec<f64>,
    group_a2: Vec<f64>,
    /// Running sums H, G (length p) and per-set scratch.
    cum_g: Vec<f64>,
    set_g: Vec<f64>,
    set_gd: Vec<f64>,
    set_mean: Vec<f64>,
    mean: Vec<f64>,
    row: Vec<f64>,
}

fn refill(v: &mut Vec<f64>, n: usize) {
    v.clear();
    v.resize(n, 0.0);
}

/// Fills `model.robust_var` / `model.robust_se` from the last fit.
pub(super) fn sandwich(model: &mut CoxModel, efron: bool) {
    let p = model.p;
    let d = &model.data;
    let n = d.time.len();
    let w = &mut model.robust_work;
    refill(&mut w.score, n);
    refill(&mut w.resid, n * p);
    for i in 0..n {
        let eta: f64 = (0..p).map(|j| d.x[i * p + j] * model.beta[j]).sum();
        w.score[i] = eta.exp();
    }
    let mut s0 = 0;
    while s0 < n {
        let mut s1 = s0;
        while !d.last[s1] {
            s1 += 1;
        }
        stratum(d, p, efron, s0, s1 + 1, w);
        s0 = s1 + 1;
    }

    // D = diag(w) R V on the original scale; R'_{ij} = resid_ij / scale_j.
    refill(&mut model.robust_var, p * p);
    refill(&mut w.row, p);
    for i in 0..n {
        for c in 0..p {
            w.row[c] = (0..p)
                .map(|j| d.weight[i] * w.resid[i * p + j] / model.scale[j] * model.var[j * p + c])
                .sum();
        }
        for r in 0..p {
            for c in 0..p {
                model.robust_var[r * p + c] += w.row[r] * w.row[c];
            }
        }
    }
    model.robust_se.clear();
    model
        .robust_se
        .extend((0..p).map(|j| model.robust_var[j * p + j].sqrt()));
}

/// Score residuals of rows `s0..s1` (one stratum) into `w.resid`.
fn stratum(d: &super::Sorted, p: usize, efron: bool, s0: usize, s1: usize, w: &mut Work) {
    // ---- tied sets, then risk-set sums from the last time backwards ----
    w.group_start.clear();
    w.group_len.clear();
    w.group_deaths.clear();
    w.group_deadwt.clear();
    let mut k = s0;
    while k < s1 {
        let t = d.time[k];
        let start = k;
        let (mut deaths, mut deadwt) = (0, 0.0);
        while k < s1 && d.time[k] == t {
            if d.status[k] {
                deaths += 1;
                deadwt += d.weight[k];
            }
            k += 1;
        }
        w.group_start.push(start);
        w.group_len.push(k - start);
        w.group_deaths.push(deaths);
        w.group_deadwt.push(deadwt);
    }
    let ng = w.group_start.len();
    refill(&mut w.group_denom, ng);
    refill(&mut w.group_edenom, ng);
    refill(&mut w.group_a, ng * p);
    refill(&mut w.group_a2, ng * p);
    refill(&mut w.mean, p); // running a
    let mut denom = 0.0;
    for g in (0..ng).rev() {
        let (start, len) = (w.group_start[g], w.group_len[g]);
        let mut edenom = 0.0;
        for i in start..start + len {
            let risk = w.score[i] * d.weight[i];
            denom += risk;
            for j in 0..p {
                w.mean[j] += risk * d.x[i * p + j];
            }
            if d.status[i] {
                edenom += risk;
                for j in 0..p {
                    w.group_a2[g * p + j] += risk * d.x[i * p + j];
                }
            }
        }
        w.group_denom[g] = denom;
        w.group_edenom[g] = edenom;
        w.group_a[g * p..(g + 1) * p].copy_from_slice(&w.mean);
    }

    // ---- forward: running H, G and each subject's residual ----
    refill(&mut w.cum_g, p);
    refill(&mut w.set_g, p);
    refill(&mut w.set_gd, p);
    refill(&mut w.set_mean, p);
    let mut cum_h = 0.0;
    for g in 0..ng {
        let (start, len) = (w.group_start[g], w.group_len[g]);
        // Event times strictly before this set.
        for i in start..start + len {
            for j in 0..p {
                w.resid[i * p + j] = -w.score[i] * (d.x[i * p + j] * cum_h - w.cum_g[j]);
            }
        }
        let deaths = w.group_deaths[g];
        if deaths == 0 {
            continue;
        }
        let denom = w.group_denom[g];
        let a = &w.group_a[g * p..(g + 1) * p];
        let a2 = &w.group_a2[g * p..(g + 1) * p];
        // This set's hazard increments: H_g, G_g (everyone at risk), and for
        // the deaths themselves (Efron) H_d = sum h (1 - f), G_d likewise,
        // M = mean of the partial-risk-set means.
        let (set_h, set_hd);
        if !efron || deaths == 1 {
            let hazard = w.group_deadwt[g] / denom;
            for (j, &aj) in a.iter().enumerate() {
                let xbar = aj / denom;
                w.set_g[j] = hazard * xbar;
                w.set_gd[j] = hazard * xbar;
                w.set_mean[j] = xbar;
            }
            set_h = hazard;
            set_hd = hazard;
        } else {
            let nd = deaths as f64;
            let meanwt = w.group_deadwt[g] / nd;
            let edenom = w.group_edenom[g];
            w.set_g.fill(0.0);
            w.set_gd.fill(0.0);
            w.set_mean.fill(0.0);
            let (mut h, mut hd) = (0.0, 0.0);
            for dd in 0..deaths {
                let downwt = dd as f64 / nd;
                let temp = denom - downwt * edenom;
                let hazard = meanwt / temp;
                h += hazard;
                hd += hazard * (1.0 - downwt);
                for j in 0..p {
                    let mean = (a[j] - downwt * a2[j]) / temp;
                    w.set_g[j] += hazard * mean;
                    w.set_gd[j] += hazard * (1.0 - downwt) * mean;
                    w.set_mean[j] += mean / nd;
                }
            }
            set_h = h;
            set_hd = hd;
        }
        for i in start..start + len {
            let r = w.score[i];
            for j in 0..p {
                let x = d.x[i * p + j];
                w.resid[i * p + j] += if d.status[i] {
                    x - w.set_mean[j] - r * (x * set_hd - w.set_gd[j])
                } else {
                    -r * (x * set_h - w.set_g[j])
                };
            }
        }
        cum_h += set_h;
        for j in 0..p {
            w.cum_g[j] += w.set_g[j];
        }
    }
}
