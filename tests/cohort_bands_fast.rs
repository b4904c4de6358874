//! A band column classified in one pass (`classify_into`) holds each value's
//! `classify` band, bit for bit, for both boundary rules, short and long cut lists,
//! and values at, just beside and far from every cut (NaN and infinities too).

use cohortsim::cohort::{BandSpec, Boundary};
use rand::{Rng, SeedableRng};

#[test]
fn classify_into_matches_classify() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let lists: [&[f64]; 5] = [
        &[65.0],
        &[65.0, 76.0],
        &[2.0, 4.0],
        &[-1.5, 0.0, 3.25, 7.0, 10.0],
        &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
    ];
    for cuts in lists {
        let labels: Vec<String> = (0..=cuts.len()).map(|k| format!("b{k}")).collect();
        // Values spread over every band, whole numbers too (count sources).
        let (lo, hi) = (cuts[0] - 5.0, cuts[cuts.len() - 1] + 5.0);
        let mut x: Vec<f64> = (0..2000).map(|_| rng.gen_range(lo..hi)).collect();
        x.extend((0..200).map(|_| rng.gen_range(lo..hi).round()));
        x.extend([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0]);
        for &c in cuts {
            x.extend([c, c.next_up(), c.next_down()]);
        }
        for boundary in [Boundary::Upper, Boundary::Lower] {
            let band = BandSpec::new("src", cuts.to_vec(), labels.clone(), boundary).unwrap();
            let mut out = vec![u16::MAX; x.len()];
            band.classify_into(&x, &mut out);
            let want: Vec<u16> = x.iter().map(|&v| band.classify(v)).collect();
            assert_eq!(out, want, "{cuts:?} {boundary:?}");
        }
    }
}
