//! Exact solver for the synthetic-control weight problem
//!
//! ```text
//! w* = argmin_w ||x1 - X0 w||²   subject to  w >= 0,  Σ w = 1
//! ```
//!
//! (`X0`: k x J, one column per donor; `x1`: the treated unit's k predictors), written as the
//! quadratic programme `argmin ½ w'Hw - f'w` with `H = X0'X0`, `f = X0'x1`.
//!
//! The method is the primal-feasible active-set method (Lawson & Hanson 1974, ch. 23, adapted
//! to the simplex) of the golden reference `tests/golden/scripts/scm_qp.py::simplex_ls`: on the
//! support `S` solve the KKT system
//!
//! ```text
//! H_SS w_S - f_S = mu 1,    1'w_S = 1,
//! ```
//!
//! accept it when `w_S > 0` and add the donor with the most negative multiplier
//! `lambda_j = (Hw - f)_j - mu` off the support; otherwise step back along the segment towards
//! the equality-constrained solution until a weight hits zero and drop that donor. It starts
//! from the best single donor, is finite and deterministic, and the returned weights satisfy the
//! KKT conditions to rounding error; the residuals are returned in [`KktDiagnostics`].

use faer::linalg::solvers::Solve;
use faer::Mat;
use serde::Serialize;

use super::SynthError;

/// A multiplier below `-TOL · scale` (scale = largest |H| or |f| entry) is a descent
/// direction; the same tolerance as `scm_qp.simplex_ls` (1e-11).
const TOL: f64 = 1e-11;
/// Relative pivot below which the KKT matrix of a support is treated as singular (the
/// support donors are affinely dependent) and solved in the least-squares sense instead.
const PIVOT_TOL: f64 = 1e-13;

/// Residuals of the KKT conditions of `min ½ w'Hw - f'w` on the simplex at the returned weights,
/// with `g = Hw - f`, `mu` the multiplier of `Σw = 1` and `lambda_j = g_j - mu`.
///
/// At an exact optimum `stationarity`, `complementary_slackness`, `primal_infeasibility` and
/// `dual_infeasibility` are all zero; compare them with `scale` for a relative measure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KktDiagnostics {
    /// For [`simplex_ls`]: the pre-treatment loss `||x1 - X0 w||²`; for [`simplex_qp`]:
    /// `½ w'Hw - f'w`.
    pub objective: f64,
    /// Multiplier of the adding-up constraint: the mean of `g_j` over the support.
    pub mu: f64,
    /// Number of donors with positive weight.
    pub support: usize,
    /// Stationarity residual `max_{j in S} |g_j - mu|`.
    pub stationarity: f64,
    /// Smallest multiplier `lambda_j` off the support (`None` when every donor has weight):
    /// dual feasibility requires it to be `>= 0`.
    pub min_multiplier_off_support: Option<f64>,
    /// `max(0, -min_j lambda_j)` over donors off the support.
    pub dual_infeasibility: f64,
    /// Complementary slackness `max_j |w_j · lambda_j|`.
    pub complementary_slackness: f64,
    /// Primal feasibility `max(|Σw - 1|, max_j max(-w_j, 0))`.
    pub primal_infeasibility: f64,
    /// Scale of the problem: the largest |entry| of `H` and `f`.
    pub scale: f64,
}

/// Weights on the simplex and their optimality certificate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimplexSolution {
    /// One weight per donor (column), non-negative, summing to one.
    pub weights: Vec<f64>,
    /// KKT residuals at `weights`.
    pub kkt: KktDiagnostics,
    /// Active-set iterations used.
    pub iterations: usize,
}

/// Exact simplex-constrained least squares `argmin ||target - Σ_j w_j columns[j]||²`,
/// `w >= 0`, `Σw = 1` (the SC-1 weight problem with `V = I`; weight predictors beforehand for
/// another diagonal `V`).
///
/// Matches `scm_qp.simplex_ls` (tests/golden). When several weight vectors attain the minimum
/// (the target inside the convex hull of more than k+1 donors, or duplicated donors), one of
/// them is returned; the KKT residuals certify optimality either way.
///
/// # Errors
/// [`SynthError::NoDonors`] for no columns, [`SynthError::NoPredictors`] for an empty target,
/// [`SynthError::DimensionMismatch`] for a column of the wrong length,
/// [`SynthError::NonFinitePredictor`] for NaN/infinite entries,
/// [`SynthError::NumericalOverflow`] if `X0'X0` overflows and
/// [`SynthError::SolverDidNotConverge`] if the active set cycles (not observed in practice).
pub fn simplex_ls(columns: &[Vec<f64>], target: &[f64]) -> Result<SimplexSolution, SynthError> {
    validate_columns(columns, target)?;
    let (h, f) = gram(columns, target);
    let mut sol = solve(&h, &f)?;
    sol.kkt.objective = residual_sum_of_squares(columns, target, &sol.weights);
    Ok(sol)
}

/// Exact `argmin ½ w'Hw - f'w` subject to `w >= 0`, `Σw = 1`, for a symmetric positive
/// semi-definite `H` given row-major (`h.len() == f.len()²`). See [`simplex_ls`].
///
/// # Errors
/// [`SynthError::NoDonors`] for an empty `f`, [`SynthError::DimensionMismatch`] if `h` is not
/// `J x J`, [`SynthError::NonFinitePredictor`] for NaN/infinite entries,
/// [`SynthError::SolverDidNotConverge`] if the active set cycles.
pub fn simplex_qp(h: &[f64], f: &[f64]) -> Result<SimplexSolution, SynthError> {
    let j = f.len();
    if j == 0 {
        return Err(SynthError::NoDonors);
    }
    if h.len() != j * j {
        return Err(SynthError::DimensionMismatch {
            what: "H (J x J, row-major)",
            expected: j * j,
            got: h.len(),
        });
    }
    if let Some(p) = h.iter().chain(f).position(|v| !v.is_finite()) {
        return Err(SynthError::NonFinitePredictor {
            row: p / j.max(1),
            unit: p % j.max(1),
        });
    }
    let hm = Mat::from_fn(j, j, |r, c| h[r * j + c]);
    solve(&hm, f)
}

fn validate_columns(columns: &[Vec<f64>], target: &[f64]) -> Result<(), SynthError> {
    if columns.is_empty() {
        return Err(SynthError::NoDonors);
    }
    if target.is_empty() {
        return Err(SynthError::NoPredictors);
    }
    for c in columns {
        if c.len() != target.len() {
            return Err(SynthError::DimensionMismatch {
                what: "donor predictor column",
                expected: target.len(),
                got: c.len(),
            });
        }
    }
    for (unit, c) in std::iter::once(target)
        .chain(columns.iter().map(Vec::as_slice))
        .enumerate()
    {
        if let Some(row) = c.iter().position(|v| !v.is_finite()) {
            return Err(SynthError::NonFinitePredictor { row, unit });
        }
    }
    Ok(())
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn gram(columns: &[Vec<f64>], target: &[f64]) -> (Mat<f64>, Vec<f64>) {
    let h = Mat::from_fn(columns.len(), columns.len(), |r, c| {
        dot(&columns[r], &columns[c])
    });
    let f = columns.iter().map(|c| dot(c, target)).collect();
    (h, f)
}

fn residual_sum_of_squares(columns: &[Vec<f64>], target: &[f64], w: &[f64]) -> f64 {
    (0..target.len())
        .map(|i| {
            let fit: f64 = columns.iter().zip(w).map(|(c, wj)| c[i] * wj).sum();
            (target[i] - fit).powi(2)
        })
        .sum()
}

/// `g = Hw - f`.
fn gradient(h: &Mat<f64>, f: &[f64], w: &[f64]) -> Vec<f64> {
    (0..f.len())
        .map(|r| (0..f.len()).map(|c| h[(r, c)] * w[c]).sum::<f64>() - f[r])
        .collect()
}

fn problem_scale(h: &Mat<f64>, f: &[f64]) -> f64 {
    let hmax = (0..h.nrows())
        .flat_map(|r| (0..h.ncols()).map(move |c| (r, c)))
        .fold(0.0_f64, |m, rc| m.max(h[rc].abs()));
    f.iter().fold(hmax, |m, v| m.max(v.abs()))
}

/// State of the active-set iteration.
struct ActiveSet<'a> {
    h: &'a Mat<f64>,
    f: &'a [f64],
    scale: f64,
    w: Vec<f64>,
    support: Vec<usize>,
    last_entered: Option<usize>,
}

/// Outcome of one active-set step.
enum Step {
    Continue,
    Optimal,
}

fn solve(h: &Mat<f64>, f: &[f64]) -> Result<SimplexSolution, SynthError> {
    let j = f.len();
    let scale = problem_scale(h, f);
    if !scale.is_finite() {
        return Err(SynthError::NumericalOverflow);
    }
    let start = (0..j)
        .min_by(|&a, &b| (0.5 * h[(a, a)] - f[a]).total_cmp(&(0.5 * h[(b, b)] - f[b])))
        .unwrap_or(0);
    let mut w = vec![0.0; j];
    w[start] = 1.0;
    let mut state = ActiveSet {
        h,
        f,
        scale,
        w,
        support: vec![start],
        last_entered: None,
    };
    let max_iter = 100 + 20 * j;
    for iteration in 1..=max_iter {
        if scale == 0.0 || matches!(state.step(), Step::Optimal) {
            return Ok(finish(h, f, state.w, scale, iteration));
        }
    }
    Err(SynthError::SolverDidNotConverge {
        iterations: max_iter,
    })
}

impl ActiveSet<'_> {
    fn step(&mut self) -> Step {
        self.support.sort_unstable();
        let z = equality_qp(self.h, self.f, &self.support, self.scale);
        if z.iter().all(|&v| v > 0.0) {
            self.w.iter_mut().for_each(|v| *v = 0.0);
            for (&s, &v) in self.support.iter().zip(&z) {
                self.w[s] = v;
            }
            return self.add_most_negative();
        }
        self.step_back(&z)
    }

    /// Adds the off-support donor with the most negative multiplier, or reports optimality.
    fn add_most_negative(&mut self) -> Step {
        let g = gradient(self.h, self.f, &self.w);
        let mu = self.support.iter().map(|&s| g[s]).sum::<f64>() / self.support.len() as f64;
        let candidate = (0..self.f.len())
            .filter(|j| !self.support.contains(j))
            .min_by(|&a, &b| g[a].total_cmp(&g[b]));
        match candidate {
            Some(k) if g[k] - mu < -TOL * self.scale => {
                self.support.push(k);
                self.last_entered = Some(k);
                Step::Continue
            }
            _ => Step::Optimal,
        }
    }

    /// Moves from `w` towards `z` until the first weight reaches zero and drops that donor.
    fn step_back(&mut self, z: &[f64]) -> Step {
        let mut alpha = f64::INFINITY;
        let mut drop = self.support[0];
        for (&s, &zs) in self.support.iter().zip(z) {
            if zs <= 0.0 {
                let ws = self.w[s];
                let a = if ws - zs > 0.0 { ws / (ws - zs) } else { 0.0 };
                if a < alpha {
                    alpha = a;
                    drop = s;
                }
            }
        }
        if !alpha.is_finite() {
            // Only reachable with a non-finite KKT solution: keep the last feasible point.
            return Step::Optimal;
        }
        if alpha == 0.0 && self.last_entered == Some(drop) {
            // The entering donor cannot move off zero: its multiplier was rounding noise.
            self.support.retain(|&s| s != drop);
            return Step::Optimal;
        }
        for (&s, &zs) in self.support.iter().zip(z) {
            self.w[s] += alpha * (zs - self.w[s]);
        }
        self.w[drop] = 0.0;
        let w = &self.w;
        self.support.retain(|&s| s != drop && w[s] > 0.0);
        if self.support.is_empty() {
            let best = (0..w.len())
                .max_by(|&a, &b| w[a].total_cmp(&w[b]))
                .unwrap_or(0);
            self.support.push(best);
        }
        self.last_entered = None;
        Step::Continue
    }
}

/// Solves the KKT system of the equality-constrained problem on `support`
/// (with `H` and `f` divided by `scale`), returning `w_S`.
fn equality_qp(h: &Mat<f64>, f: &[f64], support: &[usize], scale: f64) -> Vec<f64> {
    let m = support.len();
    let k = Mat::from_fn(m + 1, m + 1, |r, c| match (r < m, c < m) {
        (true, true) => h[(support[r], support[c])] / scale,
        (true, false) => -1.0,
        (false, true) => 1.0,
        (false, false) => 0.0,
    });
    let rhs = Mat::from_fn(
        m + 1,
        1,
        |r, _| if r < m { f[support[r]] / scale } else { 1.0 },
    );
    let x = solve_square(&k, &rhs);
    (0..m).map(|r| x[(r, 0)]).collect()
}

/// Full-pivot LU with one step of iterative refinement; minimum-norm least squares (SVD
/// pseudo-inverse) when the matrix is numerically singular.
fn solve_square(k: &Mat<f64>, rhs: &Mat<f64>) -> Mat<f64> {
    let lu = k.full_piv_lu();
    let u = lu.U();
    let diag: Vec<f64> = (0..u.nrows()).map(|i| u[(i, i)].abs()).collect();
    let max = diag.iter().cloned().fold(0.0, f64::max);
    let min = diag.iter().cloned().fold(f64::INFINITY, f64::min);
    if max > 0.0 && min > PIVOT_TOL * max {
        let mut x = lu.solve(rhs);
        let r = rhs - k * &x;
        x += lu.solve(&r);
        return x;
    }
    match k.svd() {
        Ok(svd) => svd.pseudoinverse() * rhs,
        Err(_) => Mat::zeros(rhs.nrows(), 1),
    }
}

/// Clips and renormalises the weights and computes the KKT residuals.
fn finish(
    h: &Mat<f64>,
    f: &[f64],
    mut w: Vec<f64>,
    scale: f64,
    iterations: usize,
) -> SimplexSolution {
    w.iter_mut().for_each(|v| *v = v.max(0.0));
    let total: f64 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= total);
    let kkt = kkt_diagnostics(h, f, &w, scale);
    SimplexSolution {
        weights: w,
        kkt,
        iterations,
    }
}

fn kkt_diagnostics(h: &Mat<f64>, f: &[f64], w: &[f64], scale: f64) -> KktDiagnostics {
    let g = gradient(h, f, w);
    let on: Vec<usize> = (0..w.len()).filter(|&j| w[j] > 0.0).collect();
    let mu = on.iter().map(|&j| g[j]).sum::<f64>() / on.len() as f64;
    let stationarity = on.iter().map(|&j| (g[j] - mu).abs()).fold(0.0, f64::max);
    let min_off = (0..w.len())
        .filter(|&j| w[j] <= 0.0)
        .map(|j| g[j] - mu)
        .reduce(f64::min);
    let slack = (0..w.len())
        .map(|j| (w[j] * (g[j] - mu)).abs())
        .fold(0.0, f64::max);
    let sum_gap = (w.iter().sum::<f64>() - 1.0).abs();
    let negative = w.iter().map(|v| (-v).max(0.0)).fold(0.0, f64::max);
    let quad = 0.5
        * dot(
            w,
            &g.iter().zip(f).map(|(gj, fj)| gj + fj).collect::<Vec<_>>(),
        );
    KktDiagnostics {
        objective: quad - dot(f, w),
        mu,
        support: on.len(),
        stationarity,
        min_multiplier_off_support: min_off,
        dual_infeasibility: min_off.map_or(0.0, |m| (-m).max(0.0)),
        complementary_slackness: slack,
        primal_infeasibility: sum_gap.max(negative),
        scale,
    }
}
