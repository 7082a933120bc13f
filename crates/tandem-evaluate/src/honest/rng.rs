//! R's default random-number stream, so that simulated critical values reproduce HonestDiD's.
//!
//! HonestDiD draws its least-favourable critical values after `set.seed(seed)` with R's defaults
//! (`RNGkind("Mersenne-Twister", "Inversion")`) through `mvtnorm::rmvnorm` (eigen square root).
//! This module replays that stream exactly: the seed scrambling of R's `RNG_Init`, the
//! MT19937 generator with R's `fixup`, normals by inversion from two uniforms (R's
//! `norm_rand`, `BIG = 2^27`) and multivariate draws `Z Σ^{1/2}` with rows filled first.

use super::normal::qnorm;

const MT_N: usize = 624;
const MT_M: usize = 397;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;
const MATRIX_A: u32 = 0x9908_b0df;
/// `2^-32`, R's scaling of a 32-bit word to `[0, 1)`.
const I2_32M1: f64 = 2.328_306_437_080_797e-10;

/// R's Mersenne-Twister uniform generator in the state `set.seed(seed)` leaves it.
#[derive(Clone, Debug)]
pub(crate) struct RStream {
    mt: [u32; MT_N],
    mti: usize,
}

impl RStream {
    /// The stream after R's `set.seed(seed)`.
    pub(crate) fn new(seed: u32) -> Self {
        let mut s = seed;
        for _ in 0..50 {
            s = s.wrapping_mul(69069).wrapping_add(1);
        }
        // R fills 625 words (the first holds `mti`, then reset to 624).
        s = s.wrapping_mul(69069).wrapping_add(1);
        let mut mt = [0u32; MT_N];
        for w in &mut mt {
            s = s.wrapping_mul(69069).wrapping_add(1);
            *w = s;
        }
        Self { mt, mti: MT_N }
    }

    /// Regenerates the 624-word state block (standard MT19937 recurrence).
    fn twist(&mut self) {
        let mag = |y: u32| if y & 1 == 1 { MATRIX_A } else { 0 };
        for kk in 0..MT_N {
            let y = (self.mt[kk] & UPPER_MASK) | (self.mt[(kk + 1) % MT_N] & LOWER_MASK);
            self.mt[kk] = self.mt[(kk + MT_M) % MT_N] ^ (y >> 1) ^ mag(y);
        }
        self.mti = 0;
    }

    /// R's `unif_rand()`: a tempered word scaled to `(0, 1)`.
    pub(crate) fn unif(&mut self) -> f64 {
        if self.mti >= MT_N {
            self.twist();
        }
        let mut y = self.mt[self.mti];
        self.mti += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        let v = f64::from(y) * 2.328_306_436_538_696_3e-10;
        // R's fixup: keep strictly inside (0, 1).
        if v <= 0.0 {
            0.5 * I2_32M1
        } else if 1.0 - v <= 0.0 {
            1.0 - 0.5 * I2_32M1
        } else {
            v
        }
    }

    /// R's `norm_rand()` with the default `"Inversion"` method.
    pub(crate) fn norm(&mut self) -> f64 {
        const BIG: f64 = 134_217_728.0;
        let u = self.unif();
        let u = (BIG * u).trunc() + self.unif();
        qnorm(u / BIG)
    }
}

/// `n` draws from `N(0, Σ)` as `mvtnorm::rmvnorm(n, sigma = Σ)` after `set.seed(seed)`:
/// a row-filled `n x k` matrix of standard normals times the symmetric square root of `Σ`
/// (eigenvalues clipped at 0). `sqrt_sigma` is that `k x k` square root, row-major.
pub(crate) fn rmvnorm(n: usize, sqrt_sigma: &[f64], k: usize, seed: u32) -> Vec<Vec<f64>> {
    let mut rng = RStream::new(seed);
    (0..n)
        .map(|_| {
            let z: Vec<f64> = (0..k).map(|_| rng.norm()).collect();
            (0..k)
                .map(|j| (0..k).map(|i| z[i] * sqrt_sigma[i * k + j]).sum())
                .collect()
        })
        .collect()
}

/// R's default (type 7) sample quantile of `x` at probability `p`, ignoring NaNs.
pub(crate) fn quantile_type7(x: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let index = (v.len() - 1) as f64 * p;
    let lo = index.floor() as usize;
    let hi = index.ceil() as usize;
    let h = index - lo as f64;
    if hi == lo || v[hi] == v[lo] {
        v[lo]
    } else {
        (1.0 - h) * v[lo] + h * v[hi]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_r_set_seed_0() {
        // R: set.seed(0); runif(3) -> 0.8966972 0.2655087 0.3721239
        let mut r = RStream::new(0);
        let u: Vec<f64> = (0..3).map(|_| r.unif()).collect();
        let expect = [0.896_697_2, 0.265_508_7, 0.372_123_9];
        for (a, b) in u.iter().zip(expect) {
            assert!((a - b).abs() < 5e-8, "{a} vs {b}");
        }
        // R: set.seed(0); rnorm(5) -> 1.2629543 -0.3262334 1.3297993 1.2724293 0.4146414
        let mut r = RStream::new(0);
        let z: Vec<f64> = (0..5).map(|_| r.norm()).collect();
        let expect = [
            1.262_954_3,
            -0.326_233_4,
            1.329_799_3,
            1.272_429_3,
            0.414_641_4,
        ];
        for (a, b) in z.iter().zip(expect) {
            assert!((a - b).abs() < 5e-8, "{a} vs {b}");
        }
    }

    #[test]
    fn quantile_type7_matches_r() {
        // R: quantile(1:10, 0.995) = 9.955
        let x: Vec<f64> = (1..=10).map(f64::from).collect();
        assert!((quantile_type7(&x, 0.995) - 9.955).abs() < 1e-12);
        assert!((quantile_type7(&x, 0.5) - 5.5).abs() < 1e-12);
    }
}
