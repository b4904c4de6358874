//! Exact Shapley values: each player's contribution to a total, averaged
//! over every order in which the players could be added, so the parts do not
//! depend on an arbitrary order and always add up to the total
//! (`v(all) - v(none)`).

/// Shapley values of `k` players for the game `v`, given on every subset as
/// a bit mask (`v[mask]`, bit i set = player i in), `v.len() == 2^k`.
pub fn shapley(k: usize, v: &[f64]) -> Vec<f64> {
    assert_eq!(v.len(), 1 << k, "one value per subset");
    // Weight of a subset of size s not containing the player:
    // s! (k - s - 1)! / k!.
    let mut fact = vec![1.0f64; k + 1];
    for i in 1..=k {
        fact[i] = fact[i - 1] * i as f64;
    }
    let weight: Vec<f64> = (0..k)
        .map(|s| fact[s] * fact[k - s - 1] / fact[k])
        .collect();
    (0..k)
        .map(|i| {
            let bit = 1usize << i;
            (0..v.len())
                .filter(|m| m & bit == 0)
                .map(|m| weight[m.count_ones() as usize] * (v[m | bit] - v[m]))
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn additive_games_give_each_player_its_own_part() {
        // v(S) = sum of a_i over S.
        let a = [1.5, -2.0, 0.25];
        let v: Vec<f64> = (0..8)
            .map(|m: usize| (0..3).filter(|i| m >> i & 1 == 1).map(|i| a[i]).sum())
            .collect();
        let phi = shapley(3, &v);
        for i in 0..3 {
            assert!((phi[i] - a[i]).abs() < 1e-12);
        }
    }

    #[test]
    fn interactions_are_shared_equally_and_parts_add_up() {
        // v = 1 only when both players are in: each gets 1/2.
        let phi = shapley(2, &[0.0, 0.0, 0.0, 1.0]);
        assert_eq!(phi, vec![0.5, 0.5]);
        // A dummy player gets 0; parts sum to v(all) - v(none).
        let v = [3.0, 5.0, 3.0, 5.0, 7.0, 10.0, 7.0, 10.0];
        let phi = shapley(3, &v);
        assert!(phi[1].abs() < 1e-12);
        assert!((phi.iter().sum::<f64>() - (v[7] - v[0])).abs() < 1e-12);
    }
}
