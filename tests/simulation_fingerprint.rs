//! Value stability of the whole simulation side (covariates, entry, allocation,
//! response, latent times, observation, adverse events, causes of death): a
//! fingerprint of every output bit of `simulate_into` over many replicates of
//! every shipped scenario, and of variants that reach the paths the shipped
//! ones do not (exact margins, no loss, visit schedules, the forward death
//! clock, Weibull hazards, discontinuation).
//!
//! A speed-up must reproduce the pinned values exactly (same draws in the
//! same order, same floating-point results). Changing the model or the random
//! streams on purpose changes them; then re-pin (the failure message prints
//! the new values), saying why in the commit. Last re-pinned when replicate
//! streams moved from ChaCha8 to Xoshiro256++ and entry times, loss times and
//! the draws without a discontinuation model changed, and sampled covariates
//! outside the copula moved from normals to uniforms (issue 7, round 4).

use cohortsim::scenario::{self, Scenario};
use cohortsim::sim::{replicate_rng, simulate_into, Workspace};
use std::path::Path;

/// FNV-1a over 64-bit words: stable across Rust versions and platforms.
struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn word(&mut self, w: u64) {
        for b in w.to_le_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn f64s(&mut self, v: &[f64]) {
        self.word(v.len() as u64);
        for x in v {
            self.word(x.to_bits());
        }
    }

    fn words<T: Copy>(&mut self, v: &[T], f: impl Fn(T) -> u64) {
        self.word(v.len() as u64);
        for &x in v {
            self.word(f(x));
        }
    }
}

fn fingerprint(s: &Scenario, n: usize, replicates: u64) -> u64 {
    let mut h = Fnv::new();
    let mut ws = Workspace::new();
    for r in 0..replicates {
        simulate_into(s, n, &mut replicate_rng(20_261_122, r), &mut ws).unwrap();
        let c = &ws.cohort;
        for col in 0..c.names().len() {
            match (c.levels(col), c.values(col)) {
                (Some(l), _) => h.words(l, u64::from),
                (_, Some(v)) => h.f64s(v),
                _ => h.word(u64::MAX),
            }
        }
        h.word(ws.generation.screened);
        h.word(ws.generation.excluded);
        h.f64s(&ws.entry);
        h.words(&ws.strata, u64::from);
        h.words(&ws.arm, u64::from);
        h.f64s(&ws.progression);
        h.f64s(&ws.death);
        h.f64s(&ws.discontinuation);
        h.words(&ws.response, |r| r.index() as u64);
        h.words(&ws.adverse, u64::from);
        h.words(&ws.death_cause, |c| c.map_or(u64::MAX, |c| c.get() as u64));
        let o = &ws.observed;
        h.f64s(&o.pfs_time);
        h.words(&o.pfs_event, u64::from);
        h.f64s(&o.os_time);
        h.words(&o.os_event, u64::from);
        h.f64s(&o.loss);
        let cut = ws.cutoff.unwrap();
        h.word(cut.calendar_cutoff.to_bits());
        h.word(u64::from(cut.events_target_reached));
    }
    h.0
}

fn shipped(name: &str) -> (String, Scenario) {
    let path = format!("scenarios/{name}.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let s = scenario::from_str(&text, Path::new(&path)).unwrap();
    (text, s)
}

/// A shipped scenario's text with each `(from, to)` replaced (each must occur).
fn variant(name: &str, edits: &[(&str, &str)]) -> Scenario {
    let path = format!("scenarios/{name}.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{name}: no {from:?}");
        text = text.replacen(from, to, 1);
    }
    scenario::from_str(&text, Path::new(&path)).unwrap()
}

const SHIPPED: [(&str, u64); 10] = [
    ("bench-w1", 8418970623607956521),
    ("botkin-isapd-2024", 10625994053277603025),
    ("icaria-mm", 15121008847820343083),
    ("image-isapd-rwe", 8137234890379461330),
    ("japan-isapd-pms", 492214832547864548),
    ("panorama-rwe", 16335256198469339120),
    ("panorama1-trial", 5570313488061582557),
    ("poems-asct-mayo", 12754811011802370077),
    ("poems-asct-nakaseko", 1211175896195380016),
    ("uk-isapd-rwe", 16226730116358018267),
];

#[test]
fn shipped_scenarios_simulate_the_pinned_bits() {
    let mut got = Vec::new();
    for (name, _) in SHIPPED {
        let (_, s) = shipped(name);
        got.push((name, fingerprint(&s, s.n, 60)));
    }
    let want: Vec<(&str, u64)> = SHIPPED.to_vec();
    let pinned: String = got
        .iter()
        .map(|(name, f)| format!("    (\"{name}\", {f}),\n"))
        .collect();
    assert_eq!(got, want, "new values, to re-pin SHIPPED:\n{pinned}");
}

#[test]
fn variants_simulate_the_pinned_bits() {
    let w1_visits_no_loss = variant(
        "bench-w1",
        &[
            ("loss_rate = 0.01", "loss_rate = 0.0"),
            (
                "schedule = \"continuous\"",
                "schedule = \"every\"\nevery_weeks = 8\ncensor_at_last_assessment = true",
            ),
            ("death_clock = \"reset\"", "death_clock = \"forward\""),
        ],
    );
    let botkin_exact = variant(
        "botkin-isapd-2024",
        &[
            ("margins = \"sampled\"", "margins = \"exact\""),
            ("loss_rate = 0.0 ", "loss_rate = 0.02 "),
            ("death_clock = \"reset\"", "death_clock = \"forward\""),
        ],
    );
    let got = [
        fingerprint(&w1_visits_no_loss, 307, 40),
        fingerprint(&w1_visits_no_loss, 1000, 5),
        fingerprint(&botkin_exact, 60, 60),
        fingerprint(&botkin_exact, 7, 60),
    ];
    let want = [
        11672170071702855600,
        10562908236928767382,
        1143177969335524841,
        11601551977570897098,
    ];
    assert_eq!(got, want, "new values, to re-pin: {got:?}");
}
