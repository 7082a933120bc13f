//! A small seeded pseudo-random number generator and the distributions the generator needs.
//!
//! Why our own: the workspace carries no `rand`, and a registry generated from a seed must stay
//! byte-identical across dependency upgrades; a few dozen lines we own guarantee that where a
//! crate's stream could change between versions. (The integer stream is exact everywhere;
//! `ln`, `exp` and `cos` come from the platform's maths library.)
//!
//! - [`Rng`] is xoshiro256** (Blackman and Vigna, "Scrambled linear pseudorandom number
//!   generators", ACM TOMS 47(4), 2021; <https://prng.di.unimi.it/>), seeded by SplitMix64
//!   (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), as
//!   its authors recommend, so that nearby seeds give unrelated streams.
//! - Uniform doubles take the top 53 bits; integers below `n` use Lemire's multiply-shift
//!   (bias below 2^-32 for the sizes used here).
//! - Normal by Box-Muller (Box and Muller, 1958); lognormal as `exp` of a normal.
//! - Poisson by Knuth's multiplication method for means up to 30, and by a rounded normal
//!   approximation N(λ, λ) above (the error is below 1 % of the mean there; the generator
//!   only uses small means).

/// SplitMix64, which seeds [`Rng`] and derives per-firm streams.
pub use tandem_core::rng::splitmix64;

/// xoshiro256** ([`tandem_core::rng`]) with the distributions the generator needs.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: tandem_core::rng::Xoshiro256,
}

impl Rng {
    /// A generator seeded from `seed` through SplitMix64 (never the all-zero state).
    pub fn new(seed: u64) -> Rng {
        Rng {
            inner: tandem_core::rng::Xoshiro256::seed_from_u64(seed),
        }
    }

    /// An independent stream for item `index` of purpose `stream` under `seed`: the same
    /// triple always gives the same stream, so a firm can be regenerated from its id alone.
    pub fn derive(seed: u64, stream: u64, index: u64) -> Rng {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let a = splitmix64(&mut sm);
        Rng::new(a ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform on [0, 1).
    pub fn uniform(&mut self) -> f64 {
        self.inner.next_f64()
    }

    /// Uniform integer in [0, n); `n` must be positive.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// Standard normal by Box-Muller (one of the pair is used; simplicity over speed).
    pub fn normal(&mut self) -> f64 {
        // 1 - u lies in (0, 1], so the logarithm is finite.
        let u1 = 1.0 - self.uniform();
        let u2 = self.uniform();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Lognormal: `exp(mu + sigma * Z)`.
    pub fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        (mu + sigma * self.normal()).exp()
    }

    /// Poisson with mean `lambda` (Knuth up to 30, rounded normal approximation above).
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda > 30.0 {
            return (lambda + lambda.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let limit = (-lambda).exp();
        let mut k = 0;
        let mut p = self.uniform();
        while p > limit {
            k += 1;
            p *= self.uniform();
        }
        k
    }

    /// Index drawn from cumulative weights (`cumulative` ascending, last = total, total > 0).
    pub fn pick(&mut self, cumulative: &[f64]) -> usize {
        let total = *cumulative.last().expect("non-empty weights");
        let x = self.uniform() * total;
        cumulative
            .partition_point(|&c| c <= x)
            .min(cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(xs: impl Iterator<Item = f64>) -> (f64, f64) {
        let v: Vec<f64> = xs.collect();
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var)
    }

    #[test]
    fn splitmix_matches_the_reference_values() {
        // First outputs of SplitMix64 from state 0 (Vigna's reference splitmix64.c).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn same_seed_same_stream_different_seed_different() {
        let a: Vec<u64> = (0..5).map(|_| Rng::new(7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r1 = Rng::new(7);
        let mut r2 = Rng::new(8);
        assert_ne!(r1.next_u64(), r2.next_u64());
        assert_ne!(
            Rng::derive(1, 2, 3).next_u64(),
            Rng::derive(1, 2, 4).next_u64()
        );
    }

    #[test]
    fn uniform_has_mean_half_and_variance_one_twelfth() {
        let mut r = Rng::new(1);
        let (m, v) = moments((0..200_000).map(|_| r.uniform()));
        assert!((m - 0.5).abs() < 0.005, "{m}");
        assert!((v - 1.0 / 12.0).abs() < 0.002, "{v}");
        let mut r = Rng::new(2);
        let (m, _) = moments((0..100_000).map(|_| r.below(10) as f64));
        assert!((m - 4.5).abs() < 0.05, "{m}");
    }

    #[test]
    fn normal_has_mean_zero_and_variance_one() {
        let mut r = Rng::new(3);
        let (m, v) = moments((0..200_000).map(|_| r.normal()));
        assert!(m.abs() < 0.01, "{m}");
        assert!((v - 1.0).abs() < 0.02, "{v}");
    }

    #[test]
    fn lognormal_has_the_textbook_mean_and_variance() {
        let (mu, sigma) = (0.5_f64, 0.5_f64);
        let mut r = Rng::new(4);
        let (m, v) = moments((0..400_000).map(|_| r.lognormal(mu, sigma)));
        let mean = (mu + sigma * sigma / 2.0).exp();
        let var = ((sigma * sigma).exp() - 1.0) * (2.0 * mu + sigma * sigma).exp();
        assert!((m / mean - 1.0).abs() < 0.01, "{m} vs {mean}");
        assert!((v / var - 1.0).abs() < 0.05, "{v} vs {var}");
    }

    #[test]
    fn poisson_mean_equals_variance() {
        for (seed, lambda) in [(5, 0.3), (6, 4.0), (7, 80.0)] {
            let mut r = Rng::new(seed);
            let (m, v) = moments((0..200_000).map(|_| r.poisson(lambda) as f64));
            assert!((m / lambda - 1.0).abs() < 0.02, "λ={lambda}: mean {m}");
            assert!((v / lambda - 1.0).abs() < 0.04, "λ={lambda}: variance {v}");
        }
    }

    #[test]
    fn pick_follows_the_weights() {
        let mut r = Rng::new(9);
        let cumulative = [1.0, 1.0, 4.0];
        let mut counts = [0usize; 3];
        for _ in 0..100_000 {
            counts[r.pick(&cumulative)] += 1;
        }
        assert_eq!(counts[1], 0, "a zero weight is never drawn");
        let share = counts[2] as f64 / 100_000.0;
        assert!((share - 0.75).abs() < 0.01, "{share}");
    }
}
