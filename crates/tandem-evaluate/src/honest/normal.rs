//! Standard normal distribution: CDF (Cody 1969/1993, as R's `pnorm`), quantile (Wichura's
//! AS 241, as R's `qnorm`), the truncated-normal quantile (as `TruncatedNormal::norminvp`) and
//! the folded-normal quantile.
//!
//! Accuracy is close to machine precision, in both tails: tail probabilities are computed
//! directly (never as `1 - p`), and on the log scale where they would underflow.
//! Coefficients are kept digit for digit as published (hence the lint allowances).
#![allow(clippy::excessive_precision, clippy::inconsistent_digit_grouping)]

/// `ln(sqrt(2 pi))`.
const LN_SQRT_2PI: f64 = 0.918_938_533_204_672_8;
/// `1 / sqrt(2 pi)`.
const ONE_OVER_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

/// Evaluates a rational function `(x * (...(a0 x + a1)...) + an) / (...)` in Cody's nested
/// form: `num` and `den` run from the innermost coefficient outwards.
fn cody_rational(x: f64, first: f64, num: &[f64], den: &[f64]) -> (f64, f64) {
    let mut xnum = first * x;
    let mut xden = x;
    for (a, b) in num.iter().zip(den) {
        xnum = (xnum + a) * x;
        xden = (xden + b) * x;
    }
    (xnum, xden)
}

/// Cody's coefficients for `|x| <= 0.66291`.
const A: [f64; 5] = [
    2.235_252_035_460_683_9,
    161.028_231_068_555_88,
    1_067.689_485_460_371,
    18_154.981_253_343_56,
    0.065_682_337_918_207_45,
];
const B: [f64; 4] = [
    47.202_581_904_688_24,
    976.098_551_737_776_7,
    10_260.932_208_618_978,
    45_507.789_335_026_73,
];
/// Cody's coefficients for `0.66291 < |x| <= sqrt(32)`.
const C: [f64; 9] = [
    0.398_941_512_088_134_66,
    8.883_149_794_388_377,
    93.506_656_132_177_86,
    597.270_276_394_800_3,
    2_494.537_585_290_372_7,
    6_848.190_450_536_283,
    11_602.651_437_647_35,
    9_842.714_838_383_978,
    1.076_557_677_372_019_2e-8,
];
const D: [f64; 8] = [
    22.266_688_044_328_117,
    235.387_901_782_625,
    1_519.377_599_407_554_8,
    6_485.558_298_266_761,
    18_615.571_640_885_097,
    34_900.952_721_145_98,
    38_912.003_286_093_27,
    19_685.429_676_859_99,
];
/// Cody's coefficients for `sqrt(32) < |x| < 50`.
const P: [f64; 6] = [
    0.215_898_534_057_957,
    0.127_401_161_160_247_36,
    0.022_235_277_870_649_807,
    0.001_421_619_193_227_893_5,
    2.911_287_495_116_879_3e-5,
    0.023_073_441_764_940_174,
];
const Q: [f64; 5] = [
    1.284_260_096_144_911_2,
    0.468_238_212_480_865_1,
    0.065_988_137_868_928_55,
    0.003_782_396_332_027_582_4,
    7.297_515_550_839_662e-5,
];

/// `ln Φ(-y)` for `y >= 0`: the log of the upper tail probability, accurate for any `y`.
fn log_upper_tail(y: f64) -> f64 {
    let y = y.max(0.0);
    if y <= 0.66291 {
        let xsq = if y > f64::EPSILON * 0.5 { y * y } else { 0.0 };
        let (xnum, xden) = cody_rational(xsq, A[4], &A[..3], &B[..3]);
        let temp = y * (xnum + A[3]) / (xden + B[3]);
        return (0.5 - temp).ln();
    }
    let rational = if y <= 32f64.sqrt() {
        let (xnum, xden) = cody_rational(y, C[8], &C[..7], &D[..7]);
        ((xnum + C[7]) / (xden + D[7])).ln()
    } else if y < 50.0 {
        let xsq = 1.0 / (y * y);
        let (xnum, xden) = cody_rational(xsq, P[5], &P[..4], &Q[..4]);
        let r = xsq * (xnum + P[4]) / (xden + Q[4]);
        ((ONE_OVER_SQRT_2PI - r) / y).ln()
    } else {
        let xsq = y * y;
        let del = (1.0 - (1.0 - 5.0 / (xsq + 6.0)) / (xsq + 4.0)) / (xsq + 2.0);
        return -0.5 * xsq - LN_SQRT_2PI - y.ln() + (-del).ln_1p();
    };
    // exp(-y^2/2) computed as exp(-xsq^2/2) exp(-del/2) with xsq = y rounded to 1/16.
    let xsq = (y * 16.0).trunc() / 16.0;
    let del = (y - xsq) * (y + xsq);
    -xsq * xsq * 0.5 - del * 0.5 + rational
}

/// `Φ(x)`, the standard normal CDF.
pub(crate) fn pnorm(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        log_upper_tail(-x).exp()
    } else {
        -(log_upper_tail(x).exp_m1())
    }
}

/// `ln(1 - Φ(x))`, the log upper tail, accurate far into the tail.
pub(crate) fn log_q(x: f64) -> f64 {
    if x >= 0.0 {
        log_upper_tail(x)
    } else {
        (-(log_upper_tail(-x).exp())).ln_1p()
    }
}

/// `1 - Φ(x)`.
pub(crate) fn q_upper(x: f64) -> f64 {
    pnorm(-x)
}

/// Horner evaluation of `c[0] x^n + ... + c[n]` (highest power first, as R nests it).
fn horner(x: f64, c: &[f64]) -> f64 {
    c.iter().fold(0.0, |acc, &ci| acc * x + ci)
}

/// AS 241 numerator, central region (highest power first).
const AS241_A: [f64; 8] = [
    2509.0809287301226727,
    33430.575583588128105,
    67265.770927008700853,
    45921.953931549871457,
    13731.693765509461125,
    1971.5909503065514427,
    133.14166789178437745,
    3.387132872796366608,
];
/// AS 241 denominator, central region.
const AS241_B: [f64; 8] = [
    5226.495278852854561,
    28729.085735721942674,
    39307.89580009271061,
    21213.794301586595867,
    5394.1960214247511077,
    687.1870074920579083,
    42.313330701600911252,
    1.0,
];
/// AS 241 numerator, `r <= 5`.
const AS241_C: [f64; 8] = [
    7.7454501427834140764e-4,
    0.0227238449892691845833,
    0.24178072517745061177,
    1.27045825245236838258,
    3.64784832476320460504,
    5.7694972214606914055,
    4.6303378461565452959,
    1.42343711074968357734,
];
/// AS 241 denominator, `r <= 5`.
const AS241_D: [f64; 8] = [
    1.05075007164441684324e-9,
    5.475938084995344946e-4,
    0.0151986665636164571966,
    0.14810397642748007459,
    0.68976733498510000455,
    1.6763848301838038494,
    2.05319162663775882187,
    1.0,
];
/// AS 241 numerator, `r > 5`.
const AS241_E: [f64; 8] = [
    2.01033439929228813265e-7,
    2.71155556874348757815e-5,
    0.0012426609473880784386,
    0.026532189526576123093,
    0.29656057182850489123,
    1.7848265399172913358,
    5.4637849111641143699,
    6.6579046435011037772,
];
/// AS 241 denominator, `r > 5`.
const AS241_F: [f64; 8] = [
    2.04426310338993978564e-15,
    1.4215117583164458887e-7,
    1.8463183175100546818e-5,
    7.868691311456132591e-4,
    0.0148753612908506148525,
    0.13692988092273580531,
    0.59983220655588793769,
    1.0,
];

/// AS 241 central region: `q = p - 1/2` with `|q| <= 0.425`.
fn as241_central(q: f64) -> f64 {
    let r = 0.180625 - q * q;
    q * horner(r, &AS241_A) / horner(r, &AS241_B)
}

/// AS 241 tails: `r = sqrt(-ln p)` for the smaller tail probability `p`; returns `|z|`.
fn as241_tail(r: f64) -> f64 {
    if r <= 5.0 {
        let r = r - 1.6;
        horner(r, &AS241_C) / horner(r, &AS241_D)
    } else if r >= 816.0 {
        r * std::f64::consts::SQRT_2
    } else {
        let r = r - 5.0;
        horner(r, &AS241_E) / horner(r, &AS241_F)
    }
}

/// `Φ⁻¹(p)`, the standard normal quantile (AS 241, as R's `qnorm(p)`); `±∞` at 0 and 1.
pub(crate) fn qnorm(p: f64) -> f64 {
    if p.is_nan() || !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        return as241_central(q);
    }
    let tail = if q > 0.0 { 1.0 - p } else { p };
    let z = as241_tail((-tail.ln()).sqrt());
    if q < 0.0 {
        -z
    } else {
        z
    }
}

/// The upper-tail quantile from a log upper-tail probability: `x` with `ln(1 - Φ(x)) = lq`.
/// Polished by Newton steps on the log scale.
fn qnorm_upper_log(lq: f64) -> f64 {
    if lq >= 0.0 {
        return f64::NEG_INFINITY;
    }
    if lq == f64::NEG_INFINITY {
        return f64::INFINITY;
    }
    let mut x = if lq > (0.075f64).ln() {
        -qnorm(lq.exp())
    } else {
        as241_tail((-lq).sqrt())
    };
    for _ in 0..3 {
        let f = log_q(x) - lq;
        let slope = -(-0.5 * x * x - LN_SQRT_2PI - log_q(x)).exp();
        if !f.is_finite() || slope == 0.0 || !slope.is_finite() {
            break;
        }
        x -= f / slope;
    }
    x
}

/// Quantile `p` of the standard normal truncated to `[lo, hi]` (as R's
/// `TruncatedNormal::norminvp`): computed in whichever tail keeps full precision.
pub(crate) fn truncated_quantile(p: f64, lo: f64, hi: f64) -> f64 {
    if p.is_nan() || lo.is_nan() || hi.is_nan() || lo > hi {
        return f64::NAN;
    }
    if p <= 0.0 {
        return lo;
    }
    if p >= 1.0 {
        return hi;
    }
    if lo >= 0.0 {
        // Q(x) = (1 - p) Q(lo) + p Q(hi), on the log scale.
        let lql = log_q(lo);
        let lqh = log_q(hi);
        let target = lql + ((1.0 - p) + p * (lqh - lql).exp()).ln();
        return qnorm_upper_log(target).clamp(lo, hi);
    }
    if hi <= 0.0 {
        return -truncated_quantile(1.0 - p, -hi, -lo);
    }
    let lower = (1.0 - p) * pnorm(lo) + p * pnorm(hi);
    let x = if lower < 0.5 {
        qnorm(lower)
    } else {
        let upper = (1.0 - p) * q_upper(lo) + p * q_upper(hi);
        -qnorm(upper)
    };
    x.clamp(lo, hi)
}

/// Quantile `p` of `|N(mu, 1)|` (the folded normal): the `c >= 0` with
/// `Φ(c - mu) - Φ(-c - mu) = p`. Exact (bisection to machine precision); HonestDiD approximates
/// it with 10⁶ simulated draws.
pub(crate) fn folded_quantile(p: f64, mu: f64) -> f64 {
    let mu = mu.abs();
    if !mu.is_finite() {
        return mu;
    }
    // Upper-tail mass of the folded normal beyond c: Q(c - mu) + Φ(-c - mu), decreasing in c.
    let tail = |c: f64| q_upper(c - mu) + pnorm(-c - mu);
    let target = 1.0 - p;
    let mut lo = 0.0;
    let mut hi = mu + qnorm(1.0 - target / 2.0) + 1.0;
    while tail(hi) > target {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if tail(mid) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `Φ⁻¹(1 - alpha/2)`, the two-sided normal critical value.
pub(crate) fn two_sided_z(alpha: f64) -> f64 {
    qnorm(1.0 - alpha / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_known_values() {
        assert!((pnorm(1.959963984540054) - 0.975).abs() < 1e-15);
        assert!((pnorm(0.0) - 0.5).abs() < 1e-16);
        assert!((pnorm(-1.0) - 0.158_655_253_931_457_05).abs() < 1e-16);
        // Far tail: 1 - Φ(10) = 7.619853024160527e-24.
        assert!((q_upper(10.0) / 7.619_853_024_160_526e-24 - 1.0).abs() < 1e-13);
        // ln(1 - Φ(60)) by the asymptotic series (scipy log_ndtr(-60)).
        let l = log_q(60.0);
        assert!((l - (-1_805.013_560_680_567_5)).abs() < 1e-9, "{l}");
    }

    #[test]
    fn quantile_inverts_cdf() {
        for &p in &[
            1e-300, 1e-20, 1e-8, 0.001, 0.025, 0.3, 0.5, 0.8, 0.975, 0.999_999,
        ] {
            let x = qnorm(p);
            let back = pnorm(x);
            assert!((back / p - 1.0).abs() < 1e-13, "p={p} x={x} back={back}");
        }
        assert!((qnorm(0.975) - 1.959_963_984_540_054).abs() < 1e-15);
    }

    #[test]
    fn truncated_quantile_properties() {
        // Untruncated: plain quantile.
        let q = truncated_quantile(0.95, f64::NEG_INFINITY, f64::INFINITY);
        assert!((q - 1.644_853_626_951_472_2).abs() < 1e-14);
        // Truncated to [0, inf): half-normal quantile = Φ⁻¹((1 + p) / 2).
        let q = truncated_quantile(0.9, 0.0, f64::INFINITY);
        assert!((q - qnorm(0.95)).abs() < 1e-13);
        // Far tail: [30, inf) has quantile ~ 30 + small; check via survival ratio.
        let q = truncated_quantile(0.5, 30.0, f64::INFINITY);
        let ratio = (log_q(q) - log_q(30.0)).exp();
        assert!((ratio - 0.5).abs() < 1e-12, "{q} {ratio}");
        // Symmetry.
        let a = truncated_quantile(0.3, -2.0, 1.0);
        let b = truncated_quantile(0.7, -1.0, 2.0);
        assert!((a + b).abs() < 1e-13);
    }

    #[test]
    fn folded_quantile_limits() {
        assert!((folded_quantile(0.95, 0.0) - qnorm(0.975)).abs() < 1e-12);
        // Large mean: essentially mu + z_{0.95}.
        assert!((folded_quantile(0.95, 40.0) - (40.0 + qnorm(0.95))).abs() < 1e-10);
    }
}
