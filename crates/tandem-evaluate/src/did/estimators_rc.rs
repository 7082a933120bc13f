//! The three 2x2 DiD estimators for repeated cross-sections of Sant'Anna & Zhao (2020), with
//! their influence functions, as R `DRDID` (`drdid_rc`, `std_ipw_did_rc`, `reg_did_rc`) and
//! its Python ports (`drdid` 1.1.7, and csdid 0.4.3's trimmed versions, which R `did` calls).
//!
//! Notation (all means over the `n` observations of the comparison, both periods): `D`
//! treated cohort, `T` post period (1 in period `t`, 0 in the base period), `Y` outcome, `X`
//! covariates with intercept, `w` sampling weights normalised to mean 1 in the comparison,
//! `p(X)` the logit propensity score of `D` on `X` over both periods, clipped to
//! `[1e-6, 1 - 1e-6]`, comparison observations with `p(X) >= 0.995` trimmed. `μ_{d,τ}(X)` is
//! the weighted least-squares fit of `Y` on `X` among the observations with `D = d, T = τ`.
//!
//! Each estimator's influence function is linear in the per-observation terms; the
//! estimation effects of a regression `β_{d,τ}` and of the logit `γ` enter as
//! `s_i r_i x_i' (X'SX/n)⁻¹ M` and `w_i (D_i − p_i) x_i' H M` for the moment vectors `M`
//! spelled out below.

use super::estimators::{logit_fit, normalised, OVERLAP_LIMIT, PS_CLIP, TRIM_LEVEL};
use super::linalg::{dot, inverse, mat_vec, sym_condition, weighted_colsum, weighted_gram};
use super::EstMethod;

/// The observations of one 2x2 comparison of repeated cross-sections.
pub(crate) struct RcCell {
    /// Outcome of each observation.
    pub y: Vec<f64>,
    /// 1 for observations of period `t`, 0 for the base period.
    pub post: Vec<f64>,
    /// 1 for the treated cohort, 0 for comparison observations.
    pub d: Vec<f64>,
    /// Sampling weights (not yet normalised within the cell).
    pub w: Vec<f64>,
    /// Row-major `n x k` covariates, first column the intercept.
    pub x: Vec<f64>,
    /// Number of covariate columns including the intercept.
    pub k: usize,
}

/// ATT of a 2x2 comparison and its influence function, one value per observation.
pub(crate) struct RcFit {
    pub att: f64,
    pub inf: Vec<f64>,
}

/// The four cells of a 2x2: `(D, T)`, in the order control pre, control post, treated pre,
/// treated post.
const QUADRANTS: [(f64, f64); 4] = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)];

impl RcCell {
    fn n(&self) -> usize {
        self.d.len()
    }

    fn normalised_weights(&self) -> Result<Vec<f64>, String> {
        normalised(&self.w)
    }

    /// `w` restricted to the observations with `D = d` and `T = τ`.
    fn masked(&self, w: &[f64], (d, tau): (f64, f64)) -> Vec<f64> {
        (0..self.n())
            .map(|i| {
                if self.d[i] == d && self.post[i] == tau {
                    w[i]
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn mean(&self, v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / self.n() as f64
    }

    /// The estimation effect of a fitted coefficient vector on a mean whose derivative in it
    /// is `m`: `score_i x_i' inverse m` for every observation, `score_i` the observation's
    /// term of the estimating equation and `inverse` its (scaled) inverse Jacobian.
    fn estimation_effect(
        &self,
        inverse: &[f64],
        m: &[f64],
        score: impl Fn(usize) -> f64,
    ) -> Vec<f64> {
        let a = mat_vec(inverse, self.k, m);
        self.x
            .chunks_exact(self.k)
            .enumerate()
            .map(|(i, xi)| score(i) * dot(xi, &a))
            .collect()
    }

    /// `E[v x]`, the mean of `v_i x_i` (a `k`-vector).
    fn moment(&self, v: &[f64]) -> Vec<f64> {
        weighted_colsum(&self.x, self.k, v, self.n() as f64)
    }
}

/// A weighted least-squares fit of `Y` on `X` over the observations with weight `s > 0`.
struct Wls {
    /// Weight of each observation in the fit (0 outside it).
    s: Vec<f64>,
    /// Fitted value for every observation of the cell.
    fitted: Vec<f64>,
    /// `(X' diag(s) X / n)⁻¹`.
    gram_inv: Vec<f64>,
}

impl Wls {
    /// R DRDID refuses a design whose reciprocal condition number is below machine epsilon.
    fn fit(c: &RcCell, s: Vec<f64>) -> Result<Self, String> {
        let gram = weighted_gram(&c.x, c.k, &s, c.n() as f64);
        if sym_condition(&gram, c.k) > 1.0 / f64::EPSILON {
            return Err("the outcome regression design is singular: consider removing covariates or check that each period has comparison and treated observations".into());
        }
        let gram_inv = inverse(&gram, c.k).ok_or("the outcome regression design is singular")?;
        let sy: Vec<f64> = s.iter().zip(&c.y).map(|(s, y)| s * y).collect();
        let beta = mat_vec(
            &gram_inv,
            c.k,
            &weighted_colsum(&c.x, c.k, &sy, c.n() as f64),
        );
        if !beta.iter().all(|b| b.is_finite()) {
            return Err("outcome regression coefficients are not finite".into());
        }
        let fitted = c.x.chunks_exact(c.k).map(|row| dot(row, &beta)).collect();
        Ok(Self {
            s,
            fitted,
            gram_inv,
        })
    }

    /// The estimation effect of the coefficients on a mean whose derivative in `β` is `m`:
    /// `s_i (y_i − μ(x_i)) x_i' (X'SX/n)⁻¹ m` for every observation.
    fn effect(&self, c: &RcCell, m: &[f64]) -> Vec<f64> {
        c.estimation_effect(&self.gram_inv, m, |i| self.s[i] * (c.y[i] - self.fitted[i]))
    }
}

/// The logit propensity score, its trimming and the scaled inverse Hessian.
struct Pscore {
    /// Normalised sampling weights.
    w: Vec<f64>,
    /// Clipped fitted scores.
    ps: Vec<f64>,
    /// 1 where kept (every treated observation, comparison ones with `p < 0.995`).
    trim: Vec<f64>,
    /// `n · (Σ w p (1-p) x x')⁻¹`.
    hess: Vec<f64>,
}

impl Pscore {
    fn fit(c: &RcCell, w: Vec<f64>, unweighted: Option<Vec<f64>>) -> Result<Self, String> {
        let equal = c.w.iter().all(|&v| v == c.w[0]);
        let fitted = match unweighted {
            Some(ps) if equal => ps,
            _ => logit_fit(&c.x, c.k, &c.d, &w)?,
        };
        let ps: Vec<f64> = fitted.iter().map(|p| p.min(1.0 - PS_CLIP)).collect();
        let trim = ps
            .iter()
            .zip(&c.d)
            .map(|(&p, &d)| f64::from(u8::from(d == 1.0 || p < TRIM_LEVEL)))
            .collect();
        let hw: Vec<f64> = (0..c.n()).map(|i| w[i] * ps[i] * (1.0 - ps[i])).collect();
        let info = weighted_gram(&c.x, c.k, &hw, 1.0);
        if sym_condition(&info, c.k) > 1.0 / f64::EPSILON {
            return Err(
                "the propensity score design matrix is singular: consider removing covariates"
                    .into(),
            );
        }
        let hess = inverse(&info, c.k)
            .ok_or("singular propensity score Hessian")?
            .into_iter()
            .map(|v| v * c.n() as f64)
            .collect();
        Ok(Self { w, ps, trim, hess })
    }

    /// `trim · w · D · [T = τ]`: the treated weights of one period.
    fn treated(&self, c: &RcCell, tau: f64) -> Vec<f64> {
        (0..c.n())
            .map(|i| self.trim[i] * self.w[i] * c.d[i] * f64::from(u8::from(c.post[i] == tau)))
            .collect()
    }

    /// `trim · w · p (1-D) [T = τ] / (1-p)`: the reweighted comparison of one period.
    fn control(&self, c: &RcCell, tau: f64) -> Vec<f64> {
        (0..c.n())
            .map(|i| {
                let odds = self.ps[i] / (1.0 - self.ps[i]);
                let here = f64::from(u8::from(c.post[i] == tau));
                self.trim[i] * self.w[i] * odds * (1.0 - c.d[i]) * here
            })
            .collect()
    }

    /// The estimation effect of the logit on a mean whose derivative in `γ` is `m`:
    /// `w_i (D_i − p_i) x_i' H m` for every observation.
    fn effect(&self, c: &RcCell, m: &[f64]) -> Vec<f64> {
        c.estimation_effect(&self.hess, m, |i| self.w[i] * (c.d[i] - self.ps[i]))
    }
}

/// A Hájek mean `E[v g] / E[v]` and its leading influence term `(v g − v · mean) / E[v]`.
struct Hajek {
    mean: f64,
    inf: Vec<f64>,
}

impl Hajek {
    fn new(c: &RcCell, v: &[f64], g: &[f64]) -> Result<Self, String> {
        let mass = c.mean(v);
        if !(mass > 0.0 && mass.is_finite()) {
            return Err(
                "each treatment/period group must have positive weight after trimming".into(),
            );
        }
        let terms: Vec<f64> = v.iter().zip(g).map(|(v, g)| v * g / mass).collect();
        let mean = c.mean(&terms);
        let inf = terms
            .iter()
            .zip(v)
            .map(|(t, v)| t - v * mean / mass)
            .collect();
        Ok(Self { mean, inf })
    }
}

fn sub(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a - b).collect()
}

fn add(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(a, b)| a + b).collect()
}

fn scaled(a: &[f64], s: f64) -> Vec<f64> {
    a.iter().map(|v| v * s).collect()
}

/// R `did`'s per-cell checks for repeated cross-sections: each of the four groups present;
/// the outcome regressions (dr, reg) with as many positive-weight observations as
/// covariates and a regular design; the unweighted logit (dr, ipw) short of 0.999. Returns
/// the unweighted propensity scores for reuse.
pub(crate) fn precheck_rc(method: EstMethod, c: &RcCell) -> Result<Option<Vec<f64>>, String> {
    let count = |(d, tau): (f64, f64)| {
        (0..c.n())
            .filter(|&i| c.d[i] == d && c.post[i] == tau && c.w[i] > 0.0)
            .count()
    };
    let regressions: &[(f64, f64)] = match method {
        EstMethod::DoublyRobust => &QUADRANTS,
        EstMethod::Regression => &QUADRANTS[..2],
        EstMethod::Ipw => &[],
    };
    if regressions.iter().any(|&q| count(q) < c.k) {
        return Err(format!(
            "an outcome regression has fewer positive-weight observations than its {} coefficients",
            c.k
        ));
    }
    let mut unweighted = None;
    if matches!(method, EstMethod::DoublyRobust | EstMethod::Ipw) {
        let positive: Vec<f64> = c.w.iter().map(|&w| f64::from(u8::from(w > 0.0))).collect();
        if let Ok(ps) = logit_fit(&c.x, c.k, &c.d, &positive) {
            if ps
                .iter()
                .zip(&c.w)
                .any(|(&p, &w)| w > 0.0 && p >= OVERLAP_LIMIT)
            {
                return Err("overlap violated: a propensity score reaches 0.999".into());
            }
            unweighted = Some(ps);
        }
    }
    Ok(unweighted)
}

/// Run the chosen estimator; `unweighted_ps` are the propensity scores of [`precheck_rc`].
pub(crate) fn estimate_rc(
    method: EstMethod,
    c: &RcCell,
    unweighted_ps: Option<Vec<f64>>,
) -> Result<RcFit, String> {
    match method {
        EstMethod::DoublyRobust => drdid_rc(c, unweighted_ps),
        EstMethod::Ipw => std_ipw_did_rc(c, unweighted_ps),
        EstMethod::Regression => reg_did_rc(c),
    }
}

/// Outcome-regression DiD for repeated cross-sections (`reg_did_rc`, Heckman, Ichimura &
/// Todd 1997):
///
/// `τ = E[w D T Y]/E[w D T] − E[w D (1−T) Y]/E[w D (1−T)]
///      − E[w D (μ_{0,1}(X) − μ_{0,0}(X))]/E[w D]`.
pub(crate) fn reg_did_rc(c: &RcCell) -> Result<RcFit, String> {
    let w = c.normalised_weights()?;
    let pre = Wls::fit(c, c.masked(&w, QUADRANTS[0]))?;
    let post = Wls::fit(c, c.masked(&w, QUADRANTS[1]))?;
    let w_treat: Vec<f64> = w.iter().zip(&c.d).map(|(w, d)| w * d).collect();
    let treat_pre = Hajek::new(c, &c.masked(&w, QUADRANTS[2]), &c.y)?;
    let treat_post = Hajek::new(c, &c.masked(&w, QUADRANTS[3]), &c.y)?;
    let change = sub(&post.fitted, &pre.fitted);
    let cont = Hajek::new(c, &w_treat, &change)?;
    // The comparison's mean moves with both regressions: ∂/∂β = E[w D X].
    let m = c.moment(&w_treat);
    let estimation = sub(&post.effect(c, &m), &pre.effect(c, &m));
    let inf_cont = scaled(&estimation, 1.0 / c.mean(&w_treat));
    let inf = sub(
        &sub(&treat_post.inf, &treat_pre.inf),
        &add(&cont.inf, &inf_cont),
    );
    Ok(RcFit {
        att: treat_post.mean - treat_pre.mean - cont.mean,
        inf,
    })
}

/// Normalised (Hájek) IPW DiD for repeated cross-sections (`std_ipw_did_rc`):
///
/// `τ = (E[w1_1 Y]/E[w1_1] − E[w1_0 Y]/E[w1_0]) − (E[w0_1 Y]/E[w0_1] − E[w0_0 Y]/E[w0_0])`,
/// `w1_τ = w D [T=τ]`, `w0_τ = w p(X) (1−D) [T=τ] / (1 − p(X))`.
pub(crate) fn std_ipw_did_rc(c: &RcCell, unweighted_ps: Option<Vec<f64>>) -> Result<RcFit, String> {
    let q = Pscore::fit(c, c.normalised_weights()?, unweighted_ps)?;
    let (w1_pre, w1_post) = (q.treated(c, 0.0), q.treated(c, 1.0));
    let (w0_pre, w0_post) = (q.control(c, 0.0), q.control(c, 1.0));
    let treat_pre = Hajek::new(c, &w1_pre, &c.y)?;
    let treat_post = Hajek::new(c, &w1_post, &c.y)?;
    let cont_pre = Hajek::new(c, &w0_pre, &c.y)?;
    let cont_post = Hajek::new(c, &w0_post, &c.y)?;
    // ∂/∂γ of each comparison mean: E[w0_τ (Y − mean) X] / E[w0_τ].
    let m_pre = ps_moment(c, &w0_pre, &c.y, cont_pre.mean);
    let m_post = ps_moment(c, &w0_post, &c.y, cont_post.mean);
    let inf_cont = add(
        &sub(&cont_post.inf, &cont_pre.inf),
        &q.effect(c, &sub(&m_post, &m_pre)),
    );
    let inf_treat = sub(&treat_post.inf, &treat_pre.inf);
    Ok(RcFit {
        att: (treat_post.mean - treat_pre.mean) - (cont_post.mean - cont_pre.mean),
        inf: sub(&inf_treat, &inf_cont),
    })
}

/// `E[v (g − mean) X] / E[v]`, the derivative of a reweighted comparison mean in the logit's
/// coefficients.
fn ps_moment(c: &RcCell, v: &[f64], g: &[f64], mean: f64) -> Vec<f64> {
    let terms: Vec<f64> = (0..c.n()).map(|i| v[i] * (g[i] - mean)).collect();
    scaled(&c.moment(&terms), 1.0 / c.mean(v))
}

/// Locally efficient doubly robust DiD for repeated cross-sections (`drdid_rc`, Sant'Anna &
/// Zhao 2020, eq. 3.4):
///
/// `τ = (E[w1_1 (Y − μ_0(X))]/E[w1_1] − E[w1_0 (Y − μ_0(X))]/E[w1_0])
///      − (E[w0_1 (Y − μ_0(X))]/E[w0_1] − E[w0_0 (Y − μ_0(X))]/E[w0_0])
///      + (E[w1 Δ_1(X)]/E[w1] − E[w1_1 Δ_1(X)]/E[w1_1])
///      − (E[w1 Δ_0(X)]/E[w1] − E[w1_0 Δ_0(X)]/E[w1_0])`,
///
/// `μ_0(X) = T μ_{0,1}(X) + (1−T) μ_{0,0}(X)`, `Δ_τ = μ_{1,τ} − μ_{0,τ}`, `w1 = trim w D`,
/// weights as in [`std_ipw_did_rc`].
pub(crate) fn drdid_rc(c: &RcCell, unweighted_ps: Option<Vec<f64>>) -> Result<RcFit, String> {
    let q = Pscore::fit(c, c.normalised_weights()?, unweighted_ps)?;
    let [cont_pre_fit, cont_post_fit, treat_pre_fit, treat_post_fit] =
        QUADRANTS.map(|quad| Wls::fit(c, c.masked(&q.w, quad)));
    let (or_c0, or_c1) = (cont_pre_fit?, cont_post_fit?);
    let (or_t0, or_t1) = (treat_pre_fit?, treat_post_fit?);
    let out_cont: Vec<f64> = (0..c.n())
        .map(|i| c.post[i] * or_c1.fitted[i] + (1.0 - c.post[i]) * or_c0.fitted[i])
        .collect();
    let resid = sub(&c.y, &out_cont);
    let (w1_pre, w1_post) = (q.treated(c, 0.0), q.treated(c, 1.0));
    let (w0_pre, w0_post) = (q.control(c, 0.0), q.control(c, 1.0));
    let w1: Vec<f64> = add(&w1_pre, &w1_post);
    let treat_pre = Hajek::new(c, &w1_pre, &resid)?;
    let treat_post = Hajek::new(c, &w1_post, &resid)?;
    let cont_pre = Hajek::new(c, &w0_pre, &resid)?;
    let cont_post = Hajek::new(c, &w0_post, &resid)?;
    let gap_post = sub(&or_t1.fitted, &or_c1.fitted);
    let gap_pre = sub(&or_t0.fitted, &or_c0.fitted);
    let d_post = Hajek::new(c, &w1, &gap_post)?;
    let dt1_post = Hajek::new(c, &w1_post, &gap_post)?;
    let d_pre = Hajek::new(c, &w1, &gap_pre)?;
    let dt0_pre = Hajek::new(c, &w1_pre, &gap_pre)?;
    let att = (treat_post.mean - treat_pre.mean) - (cont_post.mean - cont_pre.mean)
        + (d_post.mean - dt1_post.mean)
        - (d_pre.mean - dt0_pre.mean);

    // Estimation effects of the comparison regressions on the four reweighted means.
    let mean_of = |v: &[f64]| scaled(&c.moment(v), -1.0 / c.mean(v));
    let treat_or = sub(
        &or_c1.effect(c, &mean_of(&w1_post)),
        &or_c0.effect(c, &mean_of(&w1_pre)),
    );
    let cont_or = sub(
        &or_c1.effect(c, &mean_of(&w0_post)),
        &or_c0.effect(c, &mean_of(&w0_pre)),
    );
    let cont_ps = q.effect(
        c,
        &sub(
            &ps_moment(c, &w0_post, &resid, cont_post.mean),
            &ps_moment(c, &w0_pre, &resid, cont_pre.mean),
        ),
    );
    let inf_treat = add(&sub(&treat_post.inf, &treat_pre.inf), &treat_or);
    let inf_cont = add(
        &add(&sub(&cont_post.inf, &cont_pre.inf), &cont_ps),
        &cont_or,
    );
    let inf_eff = sub(
        &sub(&d_post.inf, &dt1_post.inf),
        &sub(&d_pre.inf, &dt0_pre.inf),
    );
    // The efficiency terms move with all four regressions.
    let mean_w1 = c.mean(&w1);
    let share_gap = |v: &[f64]| {
        let mean_v = c.mean(v);
        let terms: Vec<f64> = (0..c.n())
            .map(|i| w1[i] / mean_w1 - v[i] / mean_v)
            .collect();
        c.moment(&terms)
    };
    let (mom_post, mom_pre) = (share_gap(&w1_post), share_gap(&w1_pre));
    let inf_or = sub(
        &sub(&or_t1.effect(c, &mom_post), &or_c1.effect(c, &mom_post)),
        &sub(&or_t0.effect(c, &mom_pre), &or_c0.effect(c, &mom_pre)),
    );
    let inf = add(&add(&sub(&inf_treat, &inf_cont), &inf_eff), &inf_or);
    Ok(RcFit { att, inf })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2x2 of `n` observations with a covariate that shifts both treatment and outcome,
    /// unequal weights, and outcomes that differ by period and group.
    fn cell(n: usize) -> RcCell {
        let mut s = 7u64;
        let mut unif = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut c = RcCell {
            y: vec![],
            post: vec![],
            d: vec![],
            w: vec![],
            x: vec![],
            k: 2,
        };
        for i in 0..n {
            let x = 2.0 * unif() - 1.0;
            let d = f64::from(u8::from(unif() < 0.3 + 0.3 * x));
            let post = f64::from(u8::from(i % 2 == 0));
            c.y.push(1.0 + x + 0.5 * d + post * (0.3 + 0.4 * d + 0.2 * x) + unif());
            c.post.push(post);
            c.d.push(d);
            c.w.push(0.5 + unif());
            c.x.extend([1.0, x]);
        }
        c
    }

    /// The influence function is the derivative of the estimate in each observation's
    /// weight: `ψ_i = n w_i ∂τ/∂w_i` (adding `δ` to `w_i` adds mass `δ / (n w̄)` at
    /// observation `i`, whose influence is `ψ_i / (w_i / w̄)` since `ψ_i` carries the
    /// observation's normalised weight). This checks every estimation effect (of the
    /// regressions and of the logit) and its sign.
    #[test]
    fn influence_functions_are_the_derivatives_of_the_estimates() {
        type Estimator = fn(&RcCell) -> Result<RcFit, String>;
        let estimators: [(&str, Estimator); 3] = [
            ("dr", |c| drdid_rc(c, None)),
            ("ipw", |c| std_ipw_did_rc(c, None)),
            ("reg", reg_did_rc),
        ];
        for (name, estimator) in estimators {
            let mut c = cell(300);
            let fit = estimator(&c).expect("estimable");
            let n = c.n() as f64;
            let step = 1e-4;
            for i in (0..c.n()).step_by(11) {
                let w0 = c.w[i];
                c.w[i] = w0 + step;
                let up = estimator(&c).expect("estimable").att;
                c.w[i] = w0 - step;
                let down = estimator(&c).expect("estimable").att;
                c.w[i] = w0;
                let numeric = (up - down) / (2.0 * step) * n * w0;
                assert!(
                    (numeric - fit.inf[i]).abs() < 1e-7,
                    "{name}, observation {i}: numeric {numeric} vs influence {}",
                    fit.inf[i]
                );
            }
        }
    }
}
