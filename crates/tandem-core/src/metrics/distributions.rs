//! Distribution functions for test statistics: Student t and F, through the regularised
//! incomplete beta function. Crate-internal; used for the p-values of
//! [`super::regression`] and [`super::convergence`].
//!
//! Method: Press, Teukolsky, Vetterling & Flannery (2007), *Numerical Recipes*, 3rd ed.,
//! §6.1 (`gammln`, Lanczos approximation with g = 607/128 and 14 coefficients, relative
//! error < 1e-15) and §6.4 (`betai` / `betacf`: the continued fraction for `I_x(a, b)`
//! evaluated with the modified Lentz method, used directly for `x < (a+1)/(a+b+2)` and
//! through the symmetry `I_x(a, b) = 1 − I_{1−x}(b, a)` otherwise). NR's Gauss–Legendre
//! branch for `a, b > 3000` is not needed here: the continued fraction still converges there,
//! in O(√max(a, b)) terms.
//!
//! Tails are computed directly, never as `1 − cdf`, so small p-values keep their relative
//! precision: the two-sided t p-value is `I_{ν/(ν+t²)}(ν/2, 1/2)` and the F upper tail is
//! `I_{d₂/(d₂+d₁f)}(d₂/2, d₁/2)`. Tested against scipy 1.17 (`scipy.special.gammaln`,
//! `betainc`, `scipy.stats.t`, `scipy.stats.f`; numbers from
//! `tests/golden/scripts/ref_convergence.py`): agreement ~1e-13 relative for degrees of
//! freedom below 1000, ~1e-9 at 10⁶ (where `ln B(a, b)` is a difference of numbers of order
//! 10⁷).
//!
//! Arguments outside the domain (degrees of freedom ≤ 0 or not finite, NaN statistics) give
//! NaN; the public callers validate their inputs first, so this cannot reach a user.

/// Lanczos coefficients of NR3 `gammln` (g = 607/128, n = 14), digits as printed there.
#[allow(clippy::excessive_precision)]
const LANCZOS: [f64; 14] = [
    57.156_235_665_862_923_5,
    -59.597_960_355_475_491_2,
    14.136_097_974_741_747_1,
    -0.491_913_816_097_620_199,
    0.339_946_499_848_118_887e-4,
    0.465_236_289_270_485_756e-4,
    -0.983_744_753_048_795_646e-4,
    0.158_088_703_224_912_494e-3,
    -0.210_264_441_724_104_883e-3,
    0.217_439_618_115_212_643e-3,
    -0.164_318_106_536_763_890e-3,
    0.844_182_239_838_527_433e-4,
    -0.261_908_384_015_814_087e-4,
    0.368_991_826_595_316_234e-5,
];

/// `ln Γ(x)` for `x > 0` (NR3 §6.1 `gammln`); NaN otherwise.
#[allow(clippy::excessive_precision)] // NR3's constants verbatim
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return f64::NAN;
    }
    let mut y = x;
    let tmp = x + 5.242_187_5; // x + g + ½ = x + 671/128
    let tmp = (x + 0.5) * tmp.ln() - tmp;
    let mut ser = 0.999_999_999_999_997_092;
    for c in LANCZOS {
        y += 1.0;
        ser += c / y;
    }
    tmp + (2.506_628_274_631_000_5 * ser / x).ln()
}

/// Smallest magnitude allowed in the Lentz recurrences (NR3 `FPMIN`).
const FPMIN: f64 = f64::MIN_POSITIVE / f64::EPSILON;
/// Hard cap on continued-fraction terms; with the symmetry switch, convergence takes about
/// √max(a, b) terms (≈ 1,000 for a = 10⁶).
const MAX_TERMS: usize = 100_000;

/// The continued fraction of NR3 §6.4 (`betacf`), modified Lentz method. Converges quickly
/// for `x < (a + 1)/(a + b + 2)`.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let tiny = |v: f64| if v.abs() < FPMIN { FPMIN } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / tiny(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..=MAX_TERMS {
        let m = m as f64;
        let m2 = 2.0 * m;
        // even step
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        h *= d * c;
        // odd step
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / tiny(1.0 + aa * d);
        c = tiny(1.0 + aa / c);
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() <= f64::EPSILON {
            break;
        }
    }
    h
}

/// Regularised incomplete beta `I_x(a, b)` with `y = 1 − x` passed separately, so callers
/// that know `1 − x` exactly (t and F tails) do not lose it to rounding.
fn inc_beta_split(a: f64, b: f64, x: f64, y: f64) -> f64 {
    if !a.is_finite() || !b.is_finite() || a <= 0.0 || b <= 0.0 || x.is_nan() || y.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * y.ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_continued_fraction(b, a, y) / b
    }
}

/// Regularised incomplete beta function
/// `I_x(a, b) = (1/B(a, b)) ∫₀ˣ t^(a−1) (1 − t)^(b−1) dt`, for `a, b > 0`, `0 ≤ x ≤ 1`
/// (NR3 §6.4 `betai`). Values of `x` outside [0, 1] are clamped; NaN for invalid `a`, `b`.
// Not used by the crate yet (kept for the impact-evaluation work); tested below.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn regularized_incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    let x = x.clamp(0.0, 1.0);
    inc_beta_split(a, b, x, 1.0 - x)
}

/// Cumulative distribution function of Student's t with `df > 0` degrees of freedom
/// (non-integer `df` allowed): `P(T ≤ t)`.
///
/// With `x = df/(df + t²)`: `P(T ≤ t) = ½ I_x(df/2, ½)` for `t ≤ 0` and `1 − ½ I_x(df/2, ½)`
/// for `t > 0` (Abramowitz & Stegun 26.7.1). `±∞` give 0 and 1.
// Not used by the crate yet (kept for the impact-evaluation work); tested below.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * student_t_two_sided_p(t, df);
    if t > 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// Two-sided p-value of a t statistic, `P(|T| ≥ |t|) = I_{df/(df+t²)}(df/2, ½)`, computed
/// without cancellation (a p-value of 1e-14 keeps its relative precision).
pub(crate) fn student_t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || !df.is_finite() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    let t2 = t * t;
    // x = df/(df + t²), y = 1 − x = t²/(df + t²), both formed without subtraction.
    let (x, y) = if t2.is_infinite() {
        (0.0, 1.0)
    } else {
        (df / (df + t2), t2 / (df + t2))
    };
    inc_beta_split(0.5 * df, 0.5, x, y)
}

/// Cumulative distribution function of the F distribution with `d1, d2 > 0` degrees of
/// freedom: `P(F ≤ f) = I_{d1 f/(d1 f + d2)}(d1/2, d2/2)`; 0 for `f ≤ 0`.
// Not used by the crate yet (kept for the impact-evaluation work); tested below.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn f_cdf(f: f64, d1: f64, d2: f64) -> f64 {
    match f_parts(f, d1, d2) {
        Some((x, y)) => inc_beta_split(0.5 * d1, 0.5 * d2, x, y),
        None => f64::NAN,
    }
}

/// Upper tail of the F distribution, `P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2)`: the
/// p-value of an F test, computed without cancellation.
pub(crate) fn f_sf(f: f64, d1: f64, d2: f64) -> f64 {
    match f_parts(f, d1, d2) {
        Some((x, y)) => inc_beta_split(0.5 * d2, 0.5 * d1, y, x),
        None => f64::NAN,
    }
}

/// `(x, 1 − x)` with `x = d1 f/(d1 f + d2)`, or `None` for invalid arguments.
fn f_parts(f: f64, d1: f64, d2: f64) -> Option<(f64, f64)> {
    if f.is_nan() || !d1.is_finite() || !d2.is_finite() || d1 <= 0.0 || d2 <= 0.0 {
        return None;
    }
    if f <= 0.0 {
        return Some((0.0, 1.0));
    }
    let num = d1 * f;
    if num.is_infinite() {
        return Some((1.0, 0.0));
    }
    Some((num / (num + d2), d2 / (num + d2)))
}

#[cfg(test)]
mod tests {
    //! Reference values: scipy 1.17.1, printed by
    //! `tests/golden/scripts/ref_convergence.py` (its stdout) and pasted here.
    use super::*;

    fn close(got: f64, want: f64, rel: f64, what: &str) {
        let scale = want.abs().max(got.abs());
        let err = (got - want).abs();
        assert!(
            err <= rel * scale || err < 1e-300,
            "{what}: got {got:e}, want {want:e} (relative error {:e})",
            err / scale
        );
    }

    /// (x, scipy.special.gammaln(x))
    const LN_GAMMA: [(f64, f64); 11] = [
        (0.5, 0.5723649429247),
        (1.0, 0.0),
        (1.5, -0.12078223763524526),
        (2.5, 0.2846828704729192),
        (3.0, std::f64::consts::LN_2), // scipy: 0.6931471805599453
        (7.25, 7.0521854507385395),
        (10.0, 12.801827480081469),
        (19.5, 37.861086508961094),
        (100.0, 359.1342053695754),
        (1234.5, 7550.550901077894),
        (1000000.0, 12815504.569147611),
    ];

    /// (a, b, x, scipy.special.betainc(a, b, x))
    const INC_BETA: [(f64, f64, f64, f64); 9] = [
        (0.5, 0.5, 0.3, 0.36901011956554536),
        (1.0, 1.0, 0.42, 0.42),
        (2.0, 3.0, 0.4, 0.5247999999999999),
        (19.5, 0.5, 0.9, 0.043983786916772225),
        (0.5, 19.5, 0.01, 0.46610609988470497),
        (5.0, 50.0, 0.2, 0.9899047916199522),
        (100.0, 100.0, 0.47, 0.19815420142409226),
        (2.5, 1.5, 0.999, 0.9998927276290064),
        (30.0, 2.0, 0.5, 1.4901161193847656e-08),
    ];

    /// (t, df, scipy.stats.t.cdf(t, df), 2 * scipy.stats.t.sf(|t|, df))
    const STUDENT_T: [(f64, f64, f64, f64); 16] = [
        (0.0, 1.0, 0.5, 1.0),
        (1.0, 1.0, 0.75, 0.5000000000000001),
        (-2.5, 1.0, 0.12111894159084341, 0.24223788318168682),
        (0.5, 2.0, 0.6666666666666666, 0.6666666666666667),
        (-1.3, 3.0, 0.14223375436394853, 0.28446750872789706),
        (2.0, 4.0, 0.9419417382415922, 0.11611652351681556),
        (-2.776, 4.0, 0.02501138915998821, 0.05002277831997642),
        (1.7, 10.0, 0.9400153270454898, 0.11996934590902035),
        (-3.5, 39.0, 0.000590313500169366, 0.001180627000338732),
        (0.05, 39.0, 0.5198112042428922, 0.9603775915142158),
        (6.0, 39.0, 0.9999997410556087, 5.17888782557309e-07),
        (-12.0, 39.0, 5.7514409783232675e-15, 1.1502881956646535e-14),
        (2.0, 1000.0, 0.9771148267533741, 0.04577034649325166),
        (-4.0, 1000000.0, 3.167351700502405e-05, 6.33470340100481e-05),
        (1.5, 2.5, 0.8760817734568519, 0.24783645308629618),
        (40.0, 5.0, 0.9999999079401891, 1.8411962171772954e-07),
    ];

    /// (f, d1, d2, scipy.stats.f.cdf, scipy.stats.f.sf)
    const F_DIST: [(f64, f64, f64, f64, f64); 10] = [
        (0.5, 1.0, 4.0, 0.48148148148148157, 0.5185185185185184),
        (1.0, 1.0, 1.0, 0.5000000000000001, 0.5000000000000001),
        (3.2, 2.0, 10.0, 0.9157090866461262, 0.08429091335387388),
        (7.71, 1.0, 4.0, 0.9500124596499121, 0.04998754035008797),
        (15.0, 1.0, 39.0, 0.9996004344230823, 0.00039956557691773776),
        (0.2, 5.0, 20.0, 0.041288358490421624, 0.9587116415095783),
        (2.5, 3.0, 100.0, 0.9361670400209134, 0.0638329599790865),
        (1.1, 1000.0, 1000.0, 0.9340080737131178, 0.06599192628688223),
        (40.0, 1.0, 39.0, 0.9999998164993766, 1.8350062347990452e-07),
        (0.0, 3.0, 7.0, 0.0, 1.0),
    ];

    #[test]
    fn ln_gamma_matches_scipy() {
        for (x, want) in LN_GAMMA {
            let got = ln_gamma(x);
            // ln Γ(1) = 0 exactly; compare absolutely there.
            if want == 0.0 {
                assert!(got.abs() < 1e-14, "ln Γ(1) = {got}");
            } else {
                close(got, want, 1e-14, &format!("ln Γ({x})"));
            }
        }
        assert!(ln_gamma(0.0).is_nan() && ln_gamma(-1.0).is_nan());
    }

    #[test]
    fn incomplete_beta_matches_scipy() {
        for (a, b, x, want) in INC_BETA {
            close(
                regularized_incomplete_beta(a, b, x),
                want,
                1e-12,
                &format!("I_{x}({a}, {b})"),
            );
        }
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 0.0), 0.0);
        assert_eq!(regularized_incomplete_beta(2.0, 3.0, 1.0), 1.0);
        assert!(regularized_incomplete_beta(0.0, 3.0, 0.5).is_nan());
    }

    #[test]
    fn student_t_matches_scipy() {
        for (t, df, cdf, p) in STUDENT_T {
            // df = 10⁶: ln B(a, ½) is a difference of numbers of order 10⁷ (see module docs).
            let rel = if df > 1e5 { 1e-8 } else { 1e-12 };
            close(student_t_cdf(t, df), cdf, rel, &format!("t cdf({t}, {df})"));
            close(
                student_t_two_sided_p(t, df),
                p,
                rel,
                &format!("t p({t}, {df})"),
            );
        }
    }

    #[test]
    fn f_matches_scipy() {
        for (f, d1, d2, cdf, sf) in F_DIST {
            close(
                f_cdf(f, d1, d2),
                cdf,
                1e-12,
                &format!("F cdf({f}, {d1}, {d2})"),
            );
            close(
                f_sf(f, d1, d2),
                sf,
                1e-12,
                &format!("F sf({f}, {d1}, {d2})"),
            );
        }
    }

    #[test]
    fn identities_and_limits() {
        // t with 1 df is Cauchy: cdf = ½ + atan(t)/π.
        for t in [-30.0, -1.7, -0.2, 0.0, 0.9, 4.0, 250.0] {
            let want = 0.5 + f64::atan(t) / std::f64::consts::PI;
            close(student_t_cdf(t, 1.0), want, 1e-13, "Cauchy");
        }
        // F(1, ν) is t² with ν df.
        for (t, df) in [(0.3, 5.0), (2.1, 17.0), (-4.4, 39.0)] {
            close(
                f_sf(t * t, 1.0, df),
                student_t_two_sided_p(t, df),
                1e-12,
                "F(1, ν) = t²",
            );
        }
        // symmetry and tails
        close(
            student_t_cdf(-1.25, 7.0),
            1.0 - student_t_cdf(1.25, 7.0),
            1e-14,
            "symmetry",
        );
        assert_eq!(student_t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(student_t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
        assert_eq!(student_t_two_sided_p(1e200, 3.0), 0.0);
        assert_eq!(f_sf(f64::INFINITY, 2.0, 3.0), 0.0);
        assert!(student_t_cdf(1.0, 0.0).is_nan());
        assert!(student_t_cdf(f64::NAN, 3.0).is_nan());
        assert!(f_cdf(1.0, -1.0, 3.0).is_nan());
        // very large degrees of freedom converge (no runaway continued fraction)
        let p = student_t_two_sided_p(1.959_963_984_540_054, 1e7);
        assert!((p - 0.05).abs() < 1e-6, "{p}");
    }
}
