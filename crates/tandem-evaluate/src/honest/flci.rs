//! The optimal fixed-length confidence interval (FLCI) for θ = l'τ_post under Δ^SD(M)
//! (Rambachan & Roth 2023 §4.1, after Armstrong & Kolesár 2018; HonestDiD `findOptimalFLCI`).
//!
//! The FLCI is `a'β̂ ± χ` for an affine estimator `a'β̂ = v'β̂_pre + l'β̂_post`. Linear trends in δ
//! are unrestricted by Δ^SD, so `a` must annihilate them: `Σ_s s·v_s + Σ_t t·l_t = 0`. Writing
//! `c_k` for the cumulative sums of HonestDiD's `w` weights (`v_i = c_i - 2c_{i-1} + c_{i-2}`,
//! `c_K = Σ_t t·l_t`), the worst-case bias over Δ^SD(M) is
//! `M·(Σ_{s=1}^{T̄} |Σ_{i=1}^{s} i·l_{T̄-s+i}| + Σ_{k<K} |c_k|)` and the half-length for a given
//! `a` is `χ(a) = sd(a)·cv_α(bias(a)/sd(a))`, with `cv_α(t)` the `1-α` quantile of `|N(t, 1)|`.
//!
//! HonestDiD minimises over the standard deviation `h` (convex programs in CVXR/ECOS, a
//! numerical-derivative bisection in `h`, and a folded-normal quantile from 10⁶ simulated draws).
//! Here the same frontier between bias and variance is traced exactly by its Lagrangian form:
//! for `μ >= 0`, `min_c Var(c) + μ‖c‖₁` (a lasso, solved by coordinate descent), and `χ` is
//! minimised over `μ` (grid, then golden section); the folded-normal quantile is exact.
//! The optimum agrees with HonestDiD's up to its simulation error (about 1e-3 relative on χ).

use super::mat::{dot, Mat};
use super::normal::{folded_quantile, qnorm};

/// The optimal FLCI for one M.
#[derive(Clone, Debug)]
pub(crate) struct Flci {
    /// Weights on the pre-period coefficients (earliest first).
    pub pre_weights: Vec<f64>,
    /// The estimate `a'β̂`.
    pub estimate: f64,
    /// The half-length χ.
    pub half_length: f64,
    /// Worst-case bias `M·bias`.
    pub max_bias: f64,
    /// Standard deviation of the estimator.
    pub sd: f64,
}

/// The variance of the affine estimator as a quadratic in the free cumulative weights
/// `c = (c_1..c_{K-1})`: `Var = c'Qc + 2 r'c + q0`; and the map `v = v0 + D c`.
struct Problem {
    q: Mat,
    r: Vec<f64>,
    q0: f64,
    v0: Vec<f64>,
    d: Mat,
    post_bias: f64,
}

/// Σ_{s=1}^{T̄} |Σ_{i=1}^{s} i·l_{T̄-s+i}|: the post-period part of the worst-case bias per unit M.
fn post_bias(l: &[f64]) -> f64 {
    let p = l.len();
    (1..=p)
        .map(|s| {
            (1..=s)
                .map(|i| i as f64 * l[p - s + i - 1])
                .sum::<f64>()
                .abs()
        })
        .sum()
}

/// Builds the quadratic form of the variance in the free weights.
fn problem(sigma: &Mat, num_pre: usize, l: &[f64]) -> Problem {
    let k = num_pre;
    let slope: f64 = l.iter().enumerate().map(|(t, v)| (t + 1) as f64 * v).sum();
    let mut v0 = vec![0.0; k];
    v0[k - 1] = slope;
    let mut d = Mat::zeros(k, k - 1);
    for j in 0..k - 1 {
        d.set(j, j, 1.0);
        if j + 1 < k {
            d.set(j + 1, j, -2.0);
        }
        if j + 2 < k {
            d.set(j + 2, j, 1.0);
        }
    }
    let pre: Vec<usize> = (0..k).collect();
    let post: Vec<usize> = (k..sigma.rows).collect();
    let s_pp = sigma.principal(&pre);
    let s_pq = sigma.select_rows(&pre).select_cols(&post);
    let lin: Vec<f64> = s_pp
        .mul_vec(&v0)
        .iter()
        .zip(s_pq.mul_vec(l))
        .map(|(a, b)| a + b)
        .collect();
    let q = d.t().mul(&s_pp).mul(&d);
    let r = d.t().mul_vec(&lin);
    let q0 = s_pp.quad(&v0) + 2.0 * dot(&v0, &s_pq.mul_vec(l)) + sigma.principal(&post).quad(l);
    Problem {
        q,
        r,
        q0,
        v0,
        d,
        post_bias: post_bias(l),
    }
}

impl Problem {
    fn variance(&self, c: &[f64]) -> f64 {
        (self.q.quad(c) + 2.0 * dot(&self.r, c) + self.q0).max(0.0)
    }

    fn bias(&self, c: &[f64]) -> f64 {
        self.post_bias + c.iter().map(|v| v.abs()).sum::<f64>()
    }

    fn pre_weights(&self, c: &[f64]) -> Vec<f64> {
        let dc = self.d.mul_vec(c);
        self.v0.iter().zip(dc).map(|(a, b)| a + b).collect()
    }

    /// Coordinate descent for `min c'Qc + 2r'c + μ‖c‖₁`, warm-started at `c`.
    fn lasso(&self, mu: f64, c: &mut [f64]) {
        let n = c.len();
        for _ in 0..10_000 {
            let mut change = 0.0f64;
            for k in 0..n {
                let qkk = self.q.at(k, k);
                if qkk <= 0.0 {
                    continue;
                }
                let off: f64 = (0..n)
                    .filter(|&j| j != k)
                    .map(|j| self.q.at(k, j) * c[j])
                    .sum();
                let g = self.r[k] + off;
                let new = -soft_threshold(g, mu / 2.0) / qkk;
                change = change.max((new - c[k]).abs());
                c[k] = new;
            }
            let scale = c.iter().fold(1e-300f64, |a, v| a.max(v.abs()));
            if change <= 1e-15 * scale.max(1.0) {
                break;
            }
        }
    }
}

/// `sign(x)·max(|x| - t, 0)`.
fn soft_threshold(x: f64, t: f64) -> f64 {
    if x > t {
        x - t
    } else if x < -t {
        x + t
    } else {
        0.0
    }
}

/// Half-length `sd·cv_α(b/sd)` of the FLCI with worst-case bias `b` and standard deviation `sd`.
pub(crate) fn half_length(b: f64, sd: f64, alpha: f64) -> f64 {
    if sd <= 0.0 {
        return b;
    }
    sd * folded_quantile(1.0 - alpha, b / sd)
}

/// Evaluates the half-length along the lasso path at penalty `mu` (warm start in `c`).
fn evaluate(p: &Problem, m: f64, alpha: f64, mu: f64, c: &mut [f64]) -> f64 {
    p.lasso(mu, c);
    let sd = p.variance(c).sqrt();
    if m == 0.0 {
        return sd * qnorm(1.0 - alpha / 2.0);
    }
    half_length(m * p.bias(c), sd, alpha)
}

/// Minimises the half-length over the penalty `μ` in `[0, μ_max]` (geometric grid, then golden
/// section around the best grid point); returns the optimal free weights.
fn optimise(p: &Problem, m: f64, alpha: f64) -> Vec<f64> {
    let n = p.r.len();
    let mu_max = 2.0 * p.r.iter().fold(0.0f64, |a, v| a.max(v.abs())) * 1.01 + 1e-300;
    let mut grid: Vec<f64> = (0..=80)
        .map(|i| mu_max * 10f64.powf(-(i as f64) / 8.0))
        .collect();
    grid.push(0.0);
    let mut c = vec![0.0; n];
    let mut values = Vec::with_capacity(grid.len());
    for &mu in &grid {
        values.push(evaluate(p, m, alpha, mu, &mut c));
    }
    let best = (0..grid.len())
        .min_by(|&i, &j| values[i].total_cmp(&values[j]))
        .unwrap_or(0);
    let lo = grid[(best + 1).min(grid.len() - 1)];
    let hi = grid[best.saturating_sub(1)];
    golden(p, m, alpha, lo, hi, grid[best])
}

/// Golden-section search for the penalty minimising the half-length on `[lo, hi]`; returns the
/// lasso solution at the best penalty found (never worse than at `start`).
fn golden(p: &Problem, m: f64, alpha: f64, lo: f64, hi: f64, start: f64) -> Vec<f64> {
    let n = p.r.len();
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = vec![0.0; n];
    let f = |mu: f64, c: &mut Vec<f64>| evaluate(p, m, alpha, mu, c);
    let mut best = (start, f(start, &mut c));
    for _ in 0..100 {
        if b - a <= 1e-14 * b.abs().max(1e-300) {
            break;
        }
        let x1 = b - ratio * (b - a);
        let x2 = a + ratio * (b - a);
        let f1 = f(x1, &mut c);
        let f2 = f(x2, &mut c);
        for (x, v) in [(x1, f1), (x2, f2)] {
            if v < best.1 {
                best = (x, v);
            }
        }
        if f1 <= f2 {
            b = x2;
        } else {
            a = x1;
        }
    }
    let mut out = vec![0.0; n];
    p.lasso(best.0, &mut out);
    out
}

/// The optimal FLCI for θ = l'τ_post under Δ^SD(M) at level `1 - alpha`.
pub(crate) fn optimal_flci(
    betahat: &[f64],
    sigma: &Mat,
    num_pre: usize,
    l: &[f64],
    m: f64,
    alpha: f64,
) -> Flci {
    let p = problem(sigma, num_pre, l);
    let c = if num_pre > 1 {
        optimise(&p, m, alpha)
    } else {
        Vec::new()
    };
    let sd = p.variance(&c).sqrt();
    let max_bias = m * p.bias(&c);
    let pre_weights = p.pre_weights(&c);
    let estimate = dot(&pre_weights, &betahat[..num_pre]) + dot(l, &betahat[num_pre..]);
    let half_length = if m == 0.0 {
        sd * qnorm(1.0 - alpha / 2.0)
    } else {
        half_length(max_bias, sd, alpha)
    };
    Flci {
        pre_weights,
        estimate,
        half_length,
        max_bias,
        sd,
    }
}

#[cfg(test)]
mod tests {
    use super::super::deltas::{bias_range, smoothness};
    use super::*;

    /// The closed-form worst-case bias equals the LP maximum of `|v'δ_pre + l'δ_post|` over
    /// Δ^SD(1) (δ unrestricted by data).
    #[test]
    fn closed_form_bias_matches_lp() {
        let (k, l) = (4usize, vec![0.5, 0.3, 0.2]);
        let sigma = {
            let n = k + l.len();
            let mut s = Mat::zeros(n, n);
            for i in 0..n {
                s.set(i, i, 1.0);
            }
            s
        };
        let p = problem(&sigma, k, &l);
        let c = vec![0.3, -0.7, 1.1];
        let v = p.pre_weights(&c);
        // Maximise a'δ over Δ^SD(1) with all of δ free: a bias_range with no pre periods.
        let r = smoothness(k, l.len(), 1.0);
        let mut a = v.clone();
        a.extend_from_slice(&l);
        let (lo, hi) = bias_range(&r, &[], &a).unwrap().unwrap();
        assert!((hi - p.bias(&c)).abs() < 1e-9, "{hi} vs {}", p.bias(&c));
        assert!((lo + p.bias(&c)).abs() < 1e-9);
    }

    /// The FLCI half-length differs from HonestDiD's only through HonestDiD's simulated
    /// folded-normal quantile (`.qfoldednormal`: 10⁶ draws after `set.seed(0)`): at M = 0 the
    /// optimum is the minimum-variance estimator, and replaying R's draws reproduces HonestDiD's
    /// half-length 0.042379166122888709 on `BCdata_EventStudy` (anzonyquispe/honestdid
    /// tests/r_test_results.json) to the precision of the rounded inputs.
    #[test]
    fn difference_from_honestdid_is_its_simulated_quantile() {
        use super::super::rng::{quantile_type7, RStream};
        let beta = [
            0.006696351804,
            0.02934503369,
            -0.006472972222,
            0.0730149895,
            0.1959611177,
            0.3120639026,
            0.2395415455,
            0.1260425001,
        ];
        let sigma = Mat::from_vec(8, 8, BC_SIGMA.to_vec());
        let f = optimal_flci(&beta, &sigma, 4, &[1.0, 0.0, 0.0, 0.0], 0.0, 0.05);
        let mut rng = RStream::new(0);
        let draws: Vec<f64> = (0..1_000_000).map(|_| rng.norm().abs()).collect();
        let q_sim = quantile_type7(&draws, 0.95);
        let r_half_length = 0.042_379_166_122_888_71;
        assert!(
            (f.sd * q_sim - r_half_length).abs() < 1e-9,
            "{}",
            f.sd * q_sim
        );
        assert!((f.half_length / r_half_length - 1.0).abs() < 2e-3);
    }

    /// `BCdata_EventStudy$sigma` to 10 significant digits (eohne/HonestDiD.jl test/reference.jl).
    #[rustfmt::skip]
    const BC_SIGMA: [f64; 64] = [
        0.0008428358124, 0.0004768686777, 0.0002618051076, 0.0002354220342, 0.0001676371467, 0.0001128707663, 1.992816215e-05, -0.0001368265366,
        0.0004768686777, 0.0006425420288, 0.0003987425007, 0.0002435515198, 0.0002201960306, 0.0001804591157, 3.84376508e-05, -2.960421989e-05,
        0.0002618051076, 0.0003987425007, 0.0005229949602, 0.000211768609, 0.0001840722252, 0.000145852784, 7.005197403e-05, 5.952994979e-05,
        0.0002354220342, 0.0002435515198, 0.000211768609, 0.0003089595411, 0.0001197866077, 0.0001334081317, 0.0001016335009, 0.0001079051726,
        0.0001676371467, 0.0002201960306, 0.0001840722252, 0.0001197866077, 0.000359970436, 0.0002478818642, 0.0001749579242, 0.0001654256921,
        0.0001128707663, 0.0001804591157, 0.000145852784, 0.0001334081317, 0.0002478818642, 0.0004263949813, 0.0002171437809, 0.0002892747871,
        1.992816215e-05, 3.84376508e-05, 7.005197403e-05, 0.0001016335009, 0.0001749579242, 0.0002171437809, 0.0004886697861, 0.0003805322049,
        -0.0001368265366, -2.960421989e-05, 5.952994979e-05, 0.0001079051726, 0.0001654256921, 0.0002892747871, 0.0003805322049, 0.000761739444,
    ];
}
