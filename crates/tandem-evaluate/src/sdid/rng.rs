//! A small seeded random number generator for the resampling standard errors.
//!
//! xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64, as in `rand_xoshiro`.
//! synthdid-py draws from numpy's PCG64 instead, so the resampled estimates match the reference
//! only in distribution, never draw by draw. `pub(crate)` so other estimator modules may reuse it.

/// xoshiro256** state; equal seeds give equal streams on every platform.
#[derive(Debug, Clone)]
pub(crate) struct SdidRng {
    inner: tandem_core::rng::Xoshiro256,
}

impl SdidRng {
    /// A generator whose 256-bit state is filled from `seed` by SplitMix64.
    pub(crate) fn new(seed: u64) -> Self {
        Self {
            inner: tandem_core::rng::Xoshiro256::seed_from_u64(seed),
        }
    }

    /// The next 64 uniformly distributed bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n` (unbiased: Lemire's multiply-and-reject); `n` must be > 0.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as usize;
            }
        }
    }

    /// A uniformly random permutation of `0..n` (Fisher-Yates).
    pub(crate) fn permutation(&mut self, n: usize) -> Vec<usize> {
        let mut p: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.below(i + 1);
            p.swap(i, j);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::SdidRng;

    #[test]
    fn same_seed_same_stream_and_permutation_is_a_permutation() {
        let mut a = SdidRng::new(7);
        let mut b = SdidRng::new(7);
        assert_eq!(a.next_u64(), b.next_u64());
        let mut p = a.permutation(50);
        p.sort_unstable();
        assert_eq!(p, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn below_is_roughly_uniform() {
        let mut r = SdidRng::new(1);
        let mut counts = [0usize; 5];
        for _ in 0..50_000 {
            counts[r.below(5)] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }
}
