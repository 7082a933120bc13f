//! The three 2x2 panel DiD estimators of Sant'Anna & Zhao (2020) with their influence
//! functions, ported from moderndid 0.2.0 (`drdid_panel`, `std_ipw_did_panel`,
//! `reg_did_panel`, identical to R `DRDID`), plus the per-cell checks of moderndid's
//! `compute_att_gt` (overlap and regression conditioning).
//!
//! Notation (all sums over the `n` units of the comparison): `D` treated indicator, `ΔY`
//! outcome change from the base period, `X` covariates with intercept, `w` sampling weights
//! normalised to mean 1 within the comparison, `p(X)` the logit propensity score clipped to
//! `[1e-6, 1 - 1e-6]`, comparison units with `p(X) >= 0.995` trimmed.

use super::linalg::{dot, inverse, mat_vec, sym_condition, weighted_colsum, weighted_gram};
use super::EstMethod;

/// Propensity scores above this (unweighted logit) make moderndid skip the cell.
pub(super) const OVERLAP_LIMIT: f64 = 0.999;
/// Comparison units with a propensity score at or above this are trimmed.
pub(super) const TRIM_LEVEL: f64 = 0.995;
/// Clipping of fitted propensity scores.
pub(super) const PS_CLIP: f64 = 1e-6;

/// The data of one 2x2 comparison (treated cohort and its comparison units only).
pub(crate) struct CellData {
    /// Outcome change `Y_t - Y_base`.
    pub dy: Vec<f64>,
    /// 1 for the treated cohort, 0 for comparison units.
    pub d: Vec<f64>,
    /// Sampling weights (not yet normalised within the cell).
    pub w: Vec<f64>,
    /// Row-major `n x k` covariates, first column the intercept.
    pub x: Vec<f64>,
    /// Number of covariate columns including the intercept.
    pub k: usize,
}

/// ATT of a 2x2 comparison and its influence function (one value per unit of the comparison).
pub(crate) struct CellFit {
    pub att: f64,
    pub inf: Vec<f64>,
}

impl CellData {
    fn n(&self) -> usize {
        self.d.len()
    }

    fn normalised_weights(&self) -> Result<Vec<f64>, String> {
        normalised(&self.w)
    }

    fn controls(&self) -> Vec<f64> {
        self.d.iter().map(|d| 1.0 - d).collect()
    }
}

/// Sampling weights divided by their mean within the comparison (R DRDID's `i.weights`).
pub(super) fn normalised(w: &[f64]) -> Result<Vec<f64>, String> {
    let mean = w.iter().sum::<f64>() / w.len() as f64;
    if !(mean > 0.0 && mean.is_finite()) {
        return Err("sampling weights of the comparison sum to zero".into());
    }
    Ok(w.iter().map(|w| w / mean).collect())
}

/// moderndid's pre-estimation checks of a cell: an unweighted logit propensity score reaching
/// 0.999 (dr, ipw), or a singular comparison-unit Gram matrix `X0'X0` (dr, reg). Returns the
/// unweighted propensity scores (dr, ipw), which the estimators reuse when the sampling weights
/// of the comparison are all equal.
pub(crate) fn precheck(method: EstMethod, c: &CellData) -> Result<Option<Vec<f64>>, String> {
    let mut unweighted = None;
    if matches!(method, EstMethod::DoublyRobust | EstMethod::Ipw) {
        let ones = vec![1.0; c.n()];
        if let Ok(ps) = logit_fit(&c.x, c.k, &c.d, &ones) {
            if ps.iter().any(|&p| p >= OVERLAP_LIMIT) {
                return Err("overlap violated: a propensity score reaches 0.999".into());
            }
            unweighted = Some(ps);
        }
    }
    if matches!(method, EstMethod::DoublyRobust | EstMethod::Regression) {
        let gram = weighted_gram(&c.x, c.k, &c.controls(), 1.0);
        if sym_condition(&gram, c.k) > 1.0 / f64::EPSILON {
            return Err("not enough comparison units to run the outcome regression".into());
        }
    }
    Ok(unweighted)
}

/// Run the chosen estimator; `unweighted_ps` are the propensity scores of [`precheck`].
pub(crate) fn estimate(
    method: EstMethod,
    c: &CellData,
    unweighted_ps: Option<Vec<f64>>,
) -> Result<CellFit, String> {
    match method {
        EstMethod::DoublyRobust => drdid_panel(c, unweighted_ps),
        EstMethod::Ipw => std_ipw_did_panel(c, unweighted_ps),
        EstMethod::Regression => reg_did_panel(c),
    }
}

/// Deviance change at which IRLS stops (statsmodels `GLM.fit` default `tol`, absolute).
const IRLS_TOL: f64 = 1e-8;
/// IRLS iteration cap (statsmodels default).
const IRLS_MAX_ITER: usize = 100;

/// Weighted logistic regression of `d` on `x` by maximum likelihood, returning the fitted
/// probabilities (not clipped). This is iteratively reweighted least squares (Fisher scoring =
/// Newton-Raphson for the logit link) exactly as statsmodels' `GLM(Binomial, freq_weights=w)`
/// runs it for moderndid: start from `μ = (d + 1/2) / 2`, regress the working response
/// `η + (d - μ) / (μ(1-μ))` on `x` with weights `w μ (1-μ)`, and stop when the deviance changes
/// by at most 1e-8 (or after 100 iterations). With only an intercept the MLE is the weighted
/// treated share, used directly.
pub(crate) fn logit_fit(x: &[f64], k: usize, d: &[f64], w: &[f64]) -> Result<Vec<f64>, String> {
    if k == 1 {
        let share = dot(d, w) / w.iter().sum::<f64>();
        return Ok(vec![share; d.len()]);
    }
    let mut mu: Vec<f64> = d.iter().map(|di| (di + 0.5) / 2.0).collect();
    let mut eta: Vec<f64> = mu.iter().map(|m| (m / (1.0 - m)).ln()).collect();
    let mut dev = binomial_deviance(d, w, &mu);
    for _ in 0..IRLS_MAX_ITER {
        let var: Vec<f64> = mu.iter().map(|m| m * (1.0 - m)).collect();
        let irls_w: Vec<f64> = w.iter().zip(&var).map(|(w, v)| w * v).collect();
        let z: Vec<f64> = (0..d.len())
            .map(|i| irls_w[i] * (eta[i] + (d[i] - mu[i]) / var[i]))
            .collect();
        let beta = inverse(&weighted_gram(x, k, &irls_w, 1.0), k)
            .map(|inv| mat_vec(&inv, k, &weighted_colsum(x, k, &z, 1.0)))
            .filter(|b| b.iter().all(|v| v.is_finite()))
            .ok_or("propensity score model is singular: covariates are collinear")?;
        eta = x.chunks_exact(k).map(|row| dot(row, &beta)).collect();
        mu = eta.iter().map(|e| 1.0 / (1.0 + (-e).exp())).collect();
        let new_dev = binomial_deviance(d, w, &mu);
        let done = (new_dev - dev).abs() <= IRLS_TOL;
        dev = new_dev;
        if done {
            break;
        }
    }
    Ok(mu)
}

/// Binomial deviance `-2 Σ w [d ln μ + (1-d) ln(1-μ)]` of a 0/1 response, with statsmodels'
/// clipping of `μ` to `[eps, 1 - eps]`.
fn binomial_deviance(d: &[f64], w: &[f64], mu: &[f64]) -> f64 {
    let eps = f64::EPSILON;
    -2.0 * (0..d.len())
        .map(|i| {
            let m = mu[i].clamp(eps, 1.0 - eps);
            w[i] * (d[i] * m.ln() + (1.0 - d[i]) * (1.0 - m).ln())
        })
        .sum::<f64>()
}

/// Fitted propensity scores of the estimators: weighted logit (the unweighted fit when all
/// weights are equal), clipped, with the trimming indicator (treated always kept, comparison
/// units kept when `p < 0.995`).
fn propensity(
    c: &CellData,
    w: &[f64],
    unweighted: Option<Vec<f64>>,
) -> Result<(Vec<f64>, Vec<f64>), String> {
    let equal = c.w.iter().all(|&v| v == c.w[0]);
    let fitted = match unweighted {
        Some(ps) if equal => ps,
        _ => logit_fit(&c.x, c.k, &c.d, w)?,
    };
    let ps: Vec<f64> = fitted
        .into_iter()
        .map(|p| p.clamp(PS_CLIP, 1.0 - PS_CLIP))
        .collect();
    let trim = ps
        .iter()
        .zip(&c.d)
        .map(|(&p, &d)| if d == 1.0 || p < TRIM_LEVEL { 1.0 } else { 0.0 })
        .collect();
    Ok((ps, trim))
}

/// OLS of `ΔY` on `X` among comparison units with weights `w`: coefficients and fitted values
/// for every unit.
fn outcome_regression(c: &CellData, w: &[f64]) -> Result<Vec<f64>, String> {
    let s: Vec<f64> = w.iter().zip(&c.d).map(|(w, d)| w * (1.0 - d)).collect();
    let gram = weighted_gram(&c.x, c.k, &s, 1.0);
    let sdy: Vec<f64> = s.iter().zip(&c.dy).map(|(s, y)| s * y).collect();
    let xty = weighted_colsum(&c.x, c.k, &sdy, 1.0);
    let beta = inverse(&gram, c.k)
        .map(|inv| mat_vec(&inv, c.k, &xty))
        .filter(|b| b.iter().all(|v| v.is_finite()))
        .ok_or("outcome regression is singular: covariates are collinear among comparison units")?;
    Ok(c.x.chunks_exact(c.k).map(|row| dot(row, &beta)).collect())
}

/// `(X' diag(s) X / n)⁻¹`, refusing a numerically singular matrix (`cond > limit`).
fn checked_gram_inverse(
    c: &CellData,
    s: &[f64],
    limit: f64,
    what: &str,
) -> Result<Vec<f64>, String> {
    let g = weighted_gram(&c.x, c.k, s, c.n() as f64);
    if sym_condition(&g, c.k) > limit {
        return Err(format!("{what} is singular: consider removing covariates"));
    }
    inverse(&g, c.k).ok_or_else(|| format!("{what} is singular"))
}

/// Propensity-score quantities shared by the DR and IPW estimators.
struct PsWeights {
    /// Normalised sampling weights.
    w: Vec<f64>,
    /// Clipped propensity scores.
    ps: Vec<f64>,
    /// `w1 = trim · w · D`.
    w_treat: Vec<f64>,
    /// `w0 = trim · w · p (1-D) / (1-p)`.
    w_cont: Vec<f64>,
    mean_treat: f64,
    mean_cont: f64,
    /// `n · (Σ p(1-p) w x x')⁻¹`, the logit's inverse Hessian scaled to the sample.
    hess_ps: Vec<f64>,
}

impl PsWeights {
    fn new(c: &CellData, unweighted_ps: Option<Vec<f64>>) -> Result<Self, String> {
        let n = c.n() as f64;
        let w = c.normalised_weights()?;
        let (ps, trim) = propensity(c, &w, unweighted_ps)?;
        let w_treat: Vec<f64> = (0..c.n()).map(|i| trim[i] * w[i] * c.d[i]).collect();
        let w_cont: Vec<f64> = (0..c.n())
            .map(|i| trim[i] * w[i] * ps[i] * (1.0 - c.d[i]) / (1.0 - ps[i]))
            .collect();
        let mean_treat = w_treat.iter().sum::<f64>() / n;
        let mean_cont = w_cont.iter().sum::<f64>() / n;
        if mean_treat == 0.0 {
            return Err("no effectively treated units after trimming".into());
        }
        if mean_cont == 0.0 {
            return Err("no effective comparison units after trimming".into());
        }
        let hw: Vec<f64> = (0..c.n()).map(|i| ps[i] * (1.0 - ps[i]) * w[i]).collect();
        let hess_ps: Vec<f64> = inverse(&weighted_gram(&c.x, c.k, &hw, 1.0), c.k)
            .ok_or("singular propensity score Hessian")?
            .into_iter()
            .map(|v| v * n)
            .collect();
        Ok(Self {
            w,
            ps,
            w_treat,
            w_cont,
            mean_treat,
            mean_cont,
            hess_ps,
        })
    }

    /// Logit score contribution `w (D - p)` of unit `i`.
    fn score(&self, c: &CellData, i: usize) -> f64 {
        self.w[i] * (c.d[i] - self.ps[i])
    }
}

/// Locally efficient doubly robust DiD (Sant'Anna & Zhao 2020, eq. 3.1; `drdid_panel`):
///
/// `τ = E[w1 (ΔY - μ0(X))] / E[w1] - E[w0 (ΔY - μ0(X))] / E[w0]`, `w1 = w D`,
/// `w0 = w p(X) (1-D) / (1 - p(X))`, with the estimation effects of the logit and OLS
/// coefficients in the influence function.
pub(crate) fn drdid_panel(
    c: &CellData,
    unweighted_ps: Option<Vec<f64>>,
) -> Result<CellFit, String> {
    let n = c.n() as f64;
    let q = PsWeights::new(c, unweighted_ps)?;
    let out = outcome_regression(c, &q.w)?;
    let resid: Vec<f64> = c.dy.iter().zip(&out).map(|(y, o)| y - o).collect();
    let eta_treat = dot(&q.w_treat, &resid) / n / q.mean_treat;
    let eta_cont = dot(&q.w_cont, &resid) / n / q.mean_cont;
    let w_ols: Vec<f64> = q.w.iter().zip(&c.d).map(|(w, d)| w * (1.0 - d)).collect();
    let m_inv = checked_gram_inverse(
        c,
        &w_ols,
        1.0 / f64::EPSILON,
        "the regression design matrix",
    )?;
    let r_ols: Vec<f64> = w_ols.iter().zip(&resid).map(|(w, r)| w * r).collect();
    let inf = dr_influence(c, &q, &resid, &r_ols, &m_inv, (eta_treat, eta_cont));
    Ok(CellFit {
        att: eta_treat - eta_cont,
        inf,
    })
}

/// Influence function of [`drdid_panel`]: leading terms minus the estimation effects of the
/// OLS coefficients (`r_ols x' M⁻¹ ∂`) and, for the comparison part, of the logit (`score x' H ∂`).
fn dr_influence(
    c: &CellData,
    q: &PsWeights,
    resid: &[f64],
    r_ols: &[f64],
    m_inv: &[f64],
    (eta_treat, eta_cont): (f64, f64),
) -> Vec<f64> {
    let n = c.n() as f64;
    let cont_lead: Vec<f64> = (0..c.n())
        .map(|i| q.w_cont[i] * resid[i] - q.w_cont[i] * eta_cont)
        .collect();
    let a_treat = mat_vec(m_inv, c.k, &weighted_colsum(&c.x, c.k, &q.w_treat, n));
    let a_cont = mat_vec(m_inv, c.k, &weighted_colsum(&c.x, c.k, &q.w_cont, n));
    let b_ps = mat_vec(&q.hess_ps, c.k, &weighted_colsum(&c.x, c.k, &cont_lead, n));
    c.x.chunks_exact(c.k)
        .enumerate()
        .map(|(i, xi)| {
            let treat_lead = q.w_treat[i] * resid[i] - q.w_treat[i] * eta_treat;
            let inf_treat = (treat_lead - r_ols[i] * dot(xi, &a_treat)) / q.mean_treat;
            let inf_cont = (cont_lead[i] + q.score(c, i) * dot(xi, &b_ps)
                - r_ols[i] * dot(xi, &a_cont))
                / q.mean_cont;
            inf_treat - inf_cont
        })
        .collect()
}

/// Normalised (Hájek) IPW DiD (`std_ipw_did_panel`, Sant'Anna & Zhao 2020 eq. 2.5 with
/// normalised weights): `τ = E[w1 ΔY]/E[w1] - E[w0 ΔY]/E[w0]`.
pub(crate) fn std_ipw_did_panel(
    c: &CellData,
    unweighted_ps: Option<Vec<f64>>,
) -> Result<CellFit, String> {
    let n = c.n() as f64;
    let q = PsWeights::new(c, unweighted_ps)?;
    let eta_treat: Vec<f64> = (0..c.n())
        .map(|i| q.w_treat[i] * c.dy[i] / q.mean_treat)
        .collect();
    let eta_cont: Vec<f64> = (0..c.n())
        .map(|i| q.w_cont[i] * c.dy[i] / q.mean_cont)
        .collect();
    let att_treat = eta_treat.iter().sum::<f64>() / n;
    let att_cont = eta_cont.iter().sum::<f64>() / n;
    let mom: Vec<f64> = (0..c.n())
        .map(|i| q.w_cont[i] * (c.dy[i] - att_cont))
        .collect();
    let mom_logit: Vec<f64> = weighted_colsum(&c.x, c.k, &mom, n)
        .into_iter()
        .map(|v| v / q.mean_cont)
        .collect();
    let b_ps = mat_vec(&q.hess_ps, c.k, &mom_logit);
    let inf =
        c.x.chunks_exact(c.k)
            .enumerate()
            .map(|(i, xi)| {
                let inf_treat = eta_treat[i] - q.w_treat[i] * att_treat / q.mean_treat;
                let inf_cont = eta_cont[i] - q.w_cont[i] * att_cont / q.mean_cont;
                inf_treat - (inf_cont + q.score(c, i) * dot(xi, &b_ps))
            })
            .collect();
    Ok(CellFit {
        att: att_treat - att_cont,
        inf,
    })
}

/// Outcome-regression DiD (`reg_did_panel`, Heckman, Ichimura & Todd 1997):
/// `τ = E[w D ΔY]/E[w D] - E[w D μ0(X)]/E[w D]`, `μ0` the OLS fit of `ΔY` on `X` among
/// comparison units.
pub(crate) fn reg_did_panel(c: &CellData) -> Result<CellFit, String> {
    let n = c.n() as f64;
    let w = c.normalised_weights()?;
    let n_control = c.d.iter().filter(|&&d| d == 0.0).count();
    if n_control < c.k {
        return Err("insufficient comparison units for the outcome regression".into());
    }
    let out = outcome_regression(c, &w)?;
    let w_treat: Vec<f64> = w.iter().zip(&c.d).map(|(w, d)| w * d).collect();
    let mean_w = w_treat.iter().sum::<f64>() / n;
    if mean_w == 0.0 {
        return Err("no treated units with positive weight".into());
    }
    let eta_treat = dot(&w_treat, &c.dy) / n / mean_w;
    let eta_cont = dot(&w_treat, &out) / n / mean_w;

    let w_ols: Vec<f64> = w.iter().zip(&c.d).map(|(w, d)| w * (1.0 - d)).collect();
    let g_inv = checked_gram_inverse(c, &w_ols, 1e15, "the regression design matrix")?;
    let a = mat_vec(&g_inv, c.k, &weighted_colsum(&c.x, c.k, &w_treat, n));
    let inf =
        c.x.chunks_exact(c.k)
            .enumerate()
            .map(|(i, xi)| {
                let inf_treat = (w_treat[i] * c.dy[i] - w_treat[i] * eta_treat) / mean_w;
                let inf_cont_1 = w_treat[i] * out[i] - w_treat[i] * eta_cont;
                let inf_cont_2 = w_ols[i] * (c.dy[i] - out[i]) * dot(xi, &a);
                inf_treat - (inf_cont_1 + inf_cont_2) / mean_w
            })
            .collect();
    Ok(CellFit {
        att: eta_treat - eta_cont,
        inf,
    })
}
