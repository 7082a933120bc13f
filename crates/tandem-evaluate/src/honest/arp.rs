//! The conditional moment-inequality test of Andrews, Roth & Pakes (2023, "Inference for Linear
//! Conditional Moment Inequalities", Review of Economic Studies), with its least-favourable
//! hybrid, as used by Rambachan & Roth (2023, §5) and HonestDiD (`.lp_conditional_test_fn`,
//! `.testInIdentifiedSet`, `.compute_least_favorable_cv`).
//!
//! For a restriction `A δ <= d` and θ = l'τ_post, write τ = Γ⁻¹(θ, τ̃) with Γ invertible and
//! first row l'. Then δ ∈ Δ for some τ̃ iff the moments `E[Y - a₁θ - X τ̃] <= 0` hold for some
//! nuisance τ̃, where `Y = A β̂ - d ~ N(·, A Σ A')`, `a₁` and `X` the columns of `A_post Γ⁻¹`.
//! The statistic is `η = min_{τ̃} max_j (Y - a₁θ - X τ̃)_j / σ_j`, a linear program; the test
//! conditions on the optimal dual vertex and compares `η/σ_B` with a truncated-normal quantile.

use super::deltas::Restriction;
use super::lp::{maximize_standard, LpSolution};
use super::mat::{dot, identity, rank, solve, sym_sqrt, Mat};
use super::normal::truncated_quantile;
use super::rng::{quantile_type7, rmvnorm};

/// The first-stage ("hybrid") variant of the conditional test.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Hybrid {
    /// The pure conditional test ("Conditional" in HonestDiD).
    Conditional,
    /// The conditional-least-favourable hybrid ("C-LF"): reject outright when the statistic
    /// exceeds the least-favourable critical value `cv` at size `kappa`; otherwise run the
    /// conditional test at size `(α-κ)/(1-κ)` with `cv` as an extra upper truncation.
    LeastFavorable { kappa: f64, cv: f64 },
}

/// `|x| < eps^(3/4)` is rounded to 0 (HonestDiD `.roundeps`).
fn roundeps(x: f64) -> f64 {
    if x.abs() < f64::EPSILON.powf(0.75) {
        0.0
    } else {
        x
    }
}

/// `max f'λ  s.t.  W'λ = e₁, λ >= 0` with `W = [sd, X]`: the dual of the η program (and of
/// HonestDiD's `.max_program`).
fn dual_lp(f: &[f64], sd: &[f64], x: &Mat) -> Option<LpSolution> {
    let m = sd.len();
    let k = x.cols;
    let mut a = Vec::with_capacity((k + 1) * m);
    a.extend_from_slice(sd);
    for j in 0..k {
        a.extend((0..m).map(|r| x.at(r, j)));
    }
    let mut b = vec![0.0; k + 1];
    b[0] = 1.0;
    maximize_standard(&a, &b, f, k + 1, m).ok()
}

/// The moment inequalities of one restriction piece, on the rows used by the test.
#[derive(Clone, Debug)]
pub(crate) struct Moments {
    y: Vec<f64>,
    a1: Vec<f64>,
    x: Mat,
    sigma: Mat,
    sd: Vec<f64>,
}

/// `Γ⁻¹` for `Γ = [l'; e_j' for j ≠ q]`, `q` the last non-zero entry of `l` (HonestDiD builds Γ
/// by a reduced row-echelon form; any such Γ gives the same test).
fn gamma_inverse(l: &[f64]) -> Option<Mat> {
    let n = l.len();
    let q = l.iter().rposition(|&v| v != 0.0)?;
    let mut g = Mat::zeros(n, n);
    for (j, &v) in l.iter().enumerate() {
        g.set(0, j, v);
    }
    for (row, j) in (1..).zip((0..n).filter(|&j| j != q)) {
        g.set(row, j, 1.0);
    }
    solve(&g, &identity(n))
}

impl Moments {
    /// Builds the moments for restriction `r` restricted to `rows` (`None` if `l` is zero).
    pub(crate) fn new(
        r: &Restriction,
        beta: &[f64],
        sigma: &Mat,
        num_pre: usize,
        l: &[f64],
        rows: &[usize],
    ) -> Option<Self> {
        let post: Vec<usize> = (num_pre..beta.len()).collect();
        let ag = r.a.select_cols(&post).mul(&gamma_inverse(l)?);
        let ay = r.a.mul_vec(beta);
        let sigma_y = r.a.sandwich(sigma).principal(rows);
        let rest: Vec<usize> = (1..l.len()).collect();
        Some(Self {
            y: rows.iter().map(|&i| ay[i] - r.d[i]).collect(),
            a1: rows.iter().map(|&i| ag.at(i, 0)).collect(),
            x: ag.select_cols(&rest).select_rows(rows),
            sd: sigma_y.diag_sqrt(),
            sigma: sigma_y,
        })
    }

    /// The least-favourable critical value: the `1-κ` quantile of η under `Y ~ N(0, Σ_Y)`, from
    /// `sims` draws of R's stream after `set.seed(seed)` (as HonestDiD, so values reproduce).
    pub(crate) fn least_favorable_cv(&self, kappa: f64, sims: usize, seed: u32) -> f64 {
        let k = self.sigma.rows;
        let Some(root) = sym_sqrt(&self.sigma) else {
            return f64::NAN;
        };
        let draws = rmvnorm(sims, &root.data, k, seed);
        let etas: Vec<f64> = draws
            .iter()
            .map(|xi| dual_lp(xi, &self.sd, &self.x).map_or(f64::NAN, |s| s.value))
            .collect();
        quantile_type7(&etas, 1.0 - kappa)
    }

    /// Whether the test at size `alpha` accepts `θ = theta`.
    pub(crate) fn accepts(&self, theta: f64, alpha: f64, hybrid: Hybrid) -> bool {
        let y: Vec<f64> = self
            .y
            .iter()
            .zip(&self.a1)
            .map(|(y, a)| y - a * theta)
            .collect();
        !self.rejects(&y, alpha, hybrid)
    }

    /// The conditional test of `E[y - X τ̃] <= 0` (HonestDiD `.lp_conditional_test_fn`).
    fn rejects(&self, y: &[f64], alpha: f64, hybrid: Hybrid) -> bool {
        let Some(sol) = dual_lp(y, &self.sd, &self.x) else {
            return false;
        };
        let eta = sol.value;
        let size = match hybrid {
            Hybrid::LeastFavorable { kappa, cv } => {
                if eta > cv {
                    return true;
                }
                (alpha - kappa) / (1.0 - kappa)
            }
            Hybrid::Conditional => alpha,
        };
        let binding: Vec<usize> = (0..y.len()).filter(|&i| sol.x[i] > 1e-6).collect();
        let k = self.x.cols;
        let xb = self.x.select_rows(&binding);
        let full_rank = !binding.is_empty() && k > 0 && rank(&xb) == binding.len().min(k);
        if binding.len() == k + 1 && full_rank {
            if let Some(t) = self.primal_truncation(y, &binding) {
                return decide(eta, t, size, hybrid);
            }
        }
        self.dual_rejects(y, eta, &sol.x, size, hybrid)
    }

    /// Primal approach: truncation `[vlo, vup]` of `v_B'y` given the binding set `B`, and σ_B.
    fn primal_truncation(&self, y: &[f64], b: &[usize]) -> Option<Truncation> {
        let m = y.len();
        let k = self.x.cols;
        let mb = Mat::from_vec(
            k + 1,
            k + 1,
            b.iter()
                .flat_map(|&i| std::iter::once(self.sd[i]).chain(self.x.row(i).iter().copied()))
                .collect(),
        );
        let inv = solve(&mb, &identity(k + 1))?;
        let mut v = vec![0.0; m];
        for (j, &i) in b.iter().enumerate() {
            v[i] = inv.at(0, j);
        }
        let s2 = self.sigma.quad(&v);
        let sv = self.sigma.mul_vec(&v);
        let vy = dot(&v, y);
        let (mut vlo, mut vup) = (f64::NEG_INFINITY, f64::INFINITY);
        for i in (0..m).filter(|i| !b.contains(i)) {
            // Row i of Γ_B = [sd_i, X_i] M_B⁻¹ S_B - e_i'.
            let wi: Vec<f64> = std::iter::once(self.sd[i])
                .chain(self.x.row(i).iter().copied())
                .collect();
            let mut g = vec![0.0; m];
            for (j, &bj) in b.iter().enumerate() {
                g[bj] = (0..=k).map(|r| wi[r] * inv.at(r, j)).sum();
            }
            g[i] -= 1.0;
            let rho = dot(&g, &sv) / s2;
            let bound = -dot(&g, y) / rho + vy;
            if rho > 0.0 {
                vlo = vlo.max(bound);
            } else if rho < 0.0 {
                vup = vup.min(bound);
            }
        }
        Some(Truncation {
            vlo,
            vup,
            sigma: s2.sqrt(),
        })
    }

    /// Dual approach (degenerate or rank-deficient binding set): condition on the dual vertex
    /// γ and find the truncation of `η` by HonestDiD's bisection (`.vlo_vup_dual_fn`).
    fn dual_rejects(&self, y: &[f64], eta: f64, gamma: &[f64], size: f64, h: Hybrid) -> bool {
        let s2 = self.sigma.quad(gamma);
        if s2.abs() < f64::EPSILON {
            return eta > 0.0;
        }
        let sg = self.sigma.mul_vec(gamma);
        let b: Vec<f64> = sg.iter().map(|v| v / s2).collect();
        let gy = dot(gamma, y);
        let s_t: Vec<f64> = y.iter().zip(&b).map(|(yi, bi)| yi - bi * gy).collect();
        let dual = DualSearch {
            m: self,
            s_t: &s_t,
            b: &b,
        };
        let (vlo, vup) = dual.bounds(eta, s2.sqrt());
        decide(
            eta,
            Truncation {
                vlo,
                vup,
                sigma: s2.sqrt(),
            },
            size,
            h,
        )
    }
}

/// The conditioning event: `η ∈ [vlo, vup]`, with `η`'s standard deviation.
struct Truncation {
    vlo: f64,
    vup: f64,
    sigma: f64,
}

/// Final step of the conditional test: reject if `η/σ` exceeds `max(0, q)`, `q` the `1-size`
/// quantile of the normal truncated to `[vlo, vup]/σ` (the LF hybrid caps `vup` at its cv).
fn decide(eta: f64, t: Truncation, size: f64, hybrid: Hybrid) -> bool {
    let vup = match hybrid {
        Hybrid::LeastFavorable { cv, .. } => t.vup.min(cv),
        Hybrid::Conditional => t.vup,
    };
    let (zlo, zup) = (t.vlo / t.sigma, vup / t.sigma);
    let stat = eta / t.sigma;
    if !(zlo <= stat && stat <= zup) {
        return false;
    }
    let cval = truncated_quantile(1.0 - size, zlo, zup).max(0.0);
    stat > cval
}

/// The bisection of HonestDiD's `.vlo_vup_dual_fn`: the values `c` for which the dual vertex
/// stays optimal for `max (s_T + b c)'λ  s.t.  W'λ = e₁, λ >= 0` (i.e. the optimum equals `c`).
struct DualSearch<'a> {
    m: &'a Moments,
    s_t: &'a [f64],
    b: &'a [f64],
}

const TOL_C: f64 = 1e-6;
const TOL_EQUALITY: f64 = 1e-6;
const MAX_ITERS: usize = 10_000;
const SWITCH_ITERS: usize = 10;

impl DualSearch<'_> {
    /// Solves the program at `c`: (is `c` a solution, the optimal vertex).
    fn check(&self, c: f64) -> (bool, Option<Vec<f64>>) {
        let f: Vec<f64> = self
            .s_t
            .iter()
            .zip(self.b)
            .map(|(s, b)| s + b * c)
            .collect();
        match dual_lp(&f, &self.m.sd, &self.m.x) {
            Some(sol) => ((c - sol.value).abs() <= TOL_EQUALITY, Some(sol.x)),
            None => (false, None),
        }
    }

    /// The fixed point `c = x's_T / (1 - x'b)` for vertex `x`.
    fn shortcut(&self, x: &[f64]) -> f64 {
        roundeps(dot(x, self.s_t)) / (1.0 - dot(x, self.b))
    }

    /// `(vlo, vup)` as HonestDiD computes them.
    fn bounds(&self, eta: f64, sigma_b: f64) -> (f64, f64) {
        if !self.check(eta).0 {
            return (eta, f64::INFINITY);
        }
        let high = 100f64.max(eta + 20.0 * sigma_b);
        let low = (-100f64).min(eta - 20.0 * sigma_b);
        (self.end(eta, low, false), self.end(eta, high, true))
    }

    /// One end of the interval, starting from `start` (`upper` chooses vup vs vlo).
    fn end(&self, eta: f64, start: f64, upper: bool) -> f64 {
        let infinite = if upper {
            f64::INFINITY
        } else {
            f64::NEG_INFINITY
        };
        let (ok, mut x) = self.check(start);
        if ok {
            return infinite;
        }
        let mut iters = 1;
        let mut dif = 0.0;
        let mut mid = start;
        loop {
            let Some(v) = x.as_deref() else {
                dif = TOL_C + 1.0;
                break;
            };
            mid = self.shortcut(v);
            let (ok, nx) = self.check(mid);
            if ok || iters >= MAX_ITERS {
                break;
            }
            iters += 1;
            if iters >= SWITCH_ITERS {
                dif = TOL_C + 1.0;
                break;
            }
            x = nx;
        }
        // Bisection between eta (a solution) and mid (not a solution).
        let (mut sol, mut non) = (eta, mid);
        while dif > TOL_C && iters < MAX_ITERS {
            iters += 1;
            mid = (sol + non) / 2.0;
            if self.check(mid).0 {
                sol = mid;
            } else {
                non = mid;
            }
            dif = if upper { non - sol } else { sol - non };
        }
        mid
    }
}

/// The no-nuisance conditional test (one post period; HonestDiD `.testInIdentifiedSet` and its
/// LF hybrid): condition on the location of the largest normalised moment of `A y - d`.
pub(crate) struct NoNuisance {
    a: Mat,
    d: Vec<f64>,
    sigma: Mat,
    beta: Vec<f64>,
    /// Index of the post-period coefficient in β.
    post: usize,
    /// The coefficient l on τ (θ = l·τ).
    l: f64,
}

impl NoNuisance {
    /// The test of `A (β̂ - e_post τ) - d <= 0` for θ = l·τ.
    pub(crate) fn new(r: &Restriction, beta: &[f64], sigma: &Mat, num_pre: usize, l: f64) -> Self {
        let sd = r.a.sandwich(sigma).diag_sqrt();
        let mut a = r.a.clone();
        for (i, s) in sd.iter().enumerate() {
            for j in 0..a.cols {
                let v = a.at(i, j) / s;
                a.set(i, j, v);
            }
        }
        Self {
            a,
            d: r.d.iter().zip(&sd).map(|(d, s)| d / s).collect(),
            sigma: sigma.clone(),
            beta: beta.to_vec(),
            post: num_pre,
            l,
        }
    }

    /// Least-favourable critical value: `1-κ` quantile of the largest normalised moment under
    /// `N(0, A Σ A')` (R's stream after `set.seed(seed)`).
    pub(crate) fn least_favorable_cv(&self, kappa: f64, sims: usize, seed: u32) -> f64 {
        let s = self.a.sandwich(&self.sigma);
        let Some(root) = sym_sqrt(&s) else {
            return f64::NAN;
        };
        let draws = rmvnorm(sims, &root.data, s.rows, seed);
        let maxes: Vec<f64> = draws
            .iter()
            .map(|x| x.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)))
            .collect();
        quantile_type7(&maxes, 1.0 - kappa)
    }

    /// Whether the test at size `alpha` accepts θ.
    pub(crate) fn accepts(&self, theta: f64, alpha: f64, hybrid: Hybrid) -> bool {
        let mut y = self.beta.clone();
        y[self.post] -= theta / self.l;
        let moments: Vec<f64> = self
            .a
            .mul_vec(&y)
            .iter()
            .zip(&self.d)
            .map(|(m, d)| m - d)
            .collect();
        let j = first_argmax(&moments);
        if let Hybrid::LeastFavorable { cv, .. } = hybrid {
            if moments[j] > cv {
                return false;
            }
        }
        let gamma = self.a.row(j).to_vec();
        let s2 = self.sigma.quad(&gamma);
        let c: Vec<f64> = self.sigma.mul_vec(&gamma).iter().map(|v| v / s2).collect();
        let gy = dot(&gamma, &y);
        let z: Vec<f64> = y.iter().zip(&c).map(|(yi, ci)| yi - ci * gy).collect();
        let (vlo, vup) = self.truncation(j, &c, &z);
        let sd = s2.sqrt();
        let mu = self.d[j];
        let crit = mu + sd * truncated_quantile(1.0 - alpha, (vlo - mu) / sd, (vup - mu) / sd);
        moments[j] + self.d[j] <= crit
    }

    /// `[VLo, VUp]` of `γ'y` given `z` (HonestDiD `.VLoVUpFN` with `Ā = A - 1 A_j`).
    fn truncation(&self, j: usize, c: &[f64], z: &[f64]) -> (f64, f64) {
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        let aj = self.a.row(j);
        for i in (0..self.a.rows).filter(|&i| i != j) {
            let abar: Vec<f64> = self.a.row(i).iter().zip(aj).map(|(a, b)| a - b).collect();
            let ac = dot(&abar, c);
            let obj = ((self.d[i] - self.d[j]) - dot(&abar, z)) / ac;
            if ac < 0.0 {
                lo = lo.max(obj);
            } else if ac > 0.0 {
                hi = hi.min(obj);
            }
        }
        (lo, hi)
    }
}

/// Index of the first maximum (R's `which.max`).
fn first_argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}
