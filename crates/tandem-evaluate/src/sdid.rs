//! Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens & Wager 2021,
//! "Synthetic Difference-in-Differences", AER 111(12)), replicating R `synthdid` and its port
//! synthdid-py 0.1.0 step for step.
//!
//! On a block panel ([`SdidPanel`]: N0 controls then N1 treated, T0 pre periods then T1 post)
//! the estimate is
//!
//! `tau = (-omega, 1/N1 ... 1/N1)' Y (-lambda, 1/T1 ... 1/T1)`,
//!
//! with unit weights `omega` (simplex over controls) and time weights `lambda` (simplex over
//! pre periods) from synthdid's penalised problems on the collapsed (N0+1) x (T0+1) matrix:
//!
//! - `lambda = argmin zeta_l^2 |l|^2 + |A l - b|^2 / N0`, A = controls x pre periods, b = each
//!   control's post mean (columns centred: a time intercept);
//! - `omega = argmin zeta_o^2 |w|^2 + |A w - b|^2 / T0`, A = pre periods x controls, b = the
//!   treated mean per pre period (columns centred: a unit intercept);
//! - `noise = sd(first differences of Y[controls, pre])` (ddof 1), `zeta_o = (N1 T1)^(1/4) noise`,
//!   `zeta_l = 1e-6 noise`, solved by Frank-Wolfe with `min_decrease = 1e-5 noise`: 100 steps,
//!   sparsify (weights <= max/4 set to 0, renormalised), then up to 10,000 steps.
//!
//! The Frank-Wolfe path, stopping rule and iteration caps are those of the reference: on
//! Prop 99 the omega solver stops at its cap, so only the same path gives tau = -15.603828
//! (the exact minimiser gives -15.605398). [`Estimator::Sc`] is synthdid's `sc_estimate`
//! (lambda = 0, no unit intercept, `eta_omega = 1e-6`), [`Estimator::Did`] its `did_estimate`
//! (uniform weights: the plain 2x2 difference of means).
//!
//! Standard errors: [`placebo_se`] (Algorithm 4; the one to use with a single treated unit),
//! [`jackknife_se`] (Algorithm 3, fixed weights; an error with one treated unit, where synthdid
//! returns NaN), [`bootstrap_se`] (Algorithm 2; an error with one treated unit). The random ones
//! draw from a seeded xoshiro256** (`rng`, `pub(crate)`), not numpy's PCG64, so they match the
//! reference in distribution; [`placebo_replicate`] / [`bootstrap_replicate`] take the resample
//! explicitly and match it draw by draw.
//!
//! Edge cases: the panel must be balanced, finite (missing values are an error, never zero) and
//! have at least one control, one treated unit, one pre and one post period; the default noise
//! level needs two control pre-period first differences.
//!
//! ```
//! use tandem_evaluate::sdid::{did_estimate, synthdid_estimate, SdidPanel};
//! // 3 controls then 1 treated unit, 3 pre periods then 1 post period; effect +2
//! let y = [1.0, 2.0, 3.0, 4.0, 2.0, 3.0, 5.0, 6.0, 0.0, 1.0, 1.0, 2.0, 1.0, 2.0, 3.0, 6.0];
//! let panel = SdidPanel::from_matrix(&y, 4, 4, 3, 3).unwrap();
//! let did = did_estimate(&panel).unwrap();
//! assert!((did.tau - 2.0).abs() < 1e-12);
//! let sdid = synthdid_estimate(&panel).unwrap();
//! assert_eq!(sdid.effect_curve.len(), 1);
//! ```

mod fw;
mod inference;
mod matrix;
mod panel;
pub(crate) mod rng;

use serde::Serialize;

use fw::{solve_two_rounds, FwProblem};
use matrix::{collapsed_form, Mat};

pub use inference::{
    bootstrap_replicate, bootstrap_se, jackknife_se, placebo_replicate, placebo_se, SdidSe,
    SeMethod,
};
pub use panel::SdidPanel;

/// What is wrong with a synthetic DID input or request.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SdidError {
    /// The outcome matrix does not have `n_units * n_periods` entries.
    #[error("outcome matrix has {got} entries, expected {expected}")]
    DimensionMismatch {
        /// `n_units * n_periods`.
        expected: usize,
        /// Entries given.
        got: usize,
    },
    /// Long-format columns of different lengths.
    #[error("unit, time, outcome and treatment columns have different lengths")]
    LengthMismatch,
    /// A unit-period cell appears twice.
    #[error("unit {unit} has more than one observation in period {time}")]
    DuplicateCell {
        /// Unit label.
        unit: String,
        /// Period.
        time: i64,
    },
    /// A unit-period cell is absent: synthdid needs a balanced panel.
    #[error("unit {unit} has no observation in period {time}: the panel must be balanced")]
    MissingCell {
        /// Unit label.
        unit: String,
        /// Period.
        time: i64,
    },
    /// An outcome is NaN or infinite (missing values are never treated as zero).
    #[error("outcome of unit {unit} in period {time} is not a finite number")]
    NonFiniteOutcome {
        /// Unit label.
        unit: String,
        /// Period.
        time: i64,
    },
    /// Every unit, or no unit, is treated.
    #[error("no variation in treatment status")]
    NoTreatmentVariation,
    /// Treated units do not all start in the same period and stay treated.
    #[error("treatment adoption is not simultaneous (unit {unit})")]
    NonSimultaneousAdoption {
        /// The first offending unit.
        unit: String,
    },
    /// No never-treated (control) unit.
    #[error("no control (never-treated) units")]
    NoControlUnits,
    /// No treated unit (N0 >= N).
    #[error("no treated units")]
    NoTreatedUnits,
    /// No period before treatment.
    #[error("no pre-treatment periods")]
    NoPrePeriods,
    /// No treated period (T0 >= T).
    #[error("no post-treatment periods")]
    NoPostPeriods,
    /// Fewer than two first differences in the control pre block, so no default noise level.
    #[error("noise level undefined: fewer than two first differences of control pre-period outcomes; pass noise_level")]
    NoiseUndefined,
    /// A tuning option is negative or not finite.
    #[error("invalid option {name}: {value}")]
    InvalidOption {
        /// Option name.
        name: &'static str,
        /// Its value.
        value: f64,
    },
    /// The fit was made on a panel of other dimensions.
    #[error("the fit does not belong to this panel (dimensions differ)")]
    FitPanelMismatch,
    /// Jackknife with a single treated unit (undefined; synthdid returns NaN).
    #[error("jackknife standard error is undefined with a single treated unit")]
    JackknifeSingleTreated,
    /// Fixed-weight jackknife with exactly one control carrying weight (synthdid returns NaN).
    #[error("fixed-weight jackknife is undefined when exactly one control has nonzero weight")]
    JackknifeSingleControlWeight,
    /// Bootstrap with a single treated unit (undefined; synthdid returns NaN).
    #[error("bootstrap standard error is undefined with a single treated unit")]
    BootstrapSingleTreated,
    /// Too many bootstrap samples without both treated and control units.
    #[error("bootstrap could not draw samples containing both treated and control units")]
    BootstrapDrawsExhausted,
    /// Placebo needs more controls than treated units.
    #[error("placebo standard error needs more controls ({n0}) than treated units ({n1})")]
    PlaceboTooFewControls {
        /// Controls.
        n0: usize,
        /// Treated units.
        n1: usize,
    },
    /// A resample passed to [`placebo_replicate`] / [`bootstrap_replicate`] is not valid (not a
    /// permutation of the controls, a row out of range, or no control or no treated unit).
    #[error("invalid resample: a placebo needs a permutation of the control rows, a bootstrap sample both control and treated rows")]
    InvalidResample,
    /// Fewer than two replications.
    #[error("at least 2 replications are needed, got {0}")]
    TooFewReplications(usize),
}

/// Which member of the synthdid family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Estimator {
    /// Synthetic DID: unit and time weights both fitted (`synthdid_estimate`).
    Sdid,
    /// Synthetic control: lambda = 0, omega fitted without intercept (`sc_estimate`).
    Sc,
    /// Difference-in-differences: uniform omega and lambda (`did_estimate`).
    Did,
}

/// Tuning of [`estimate`]; [`SdidOptions::defaults`] gives synthdid's defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdidOptions {
    /// Noise level; `None` = sd (ddof 1) of first differences of control pre-period outcomes.
    pub noise_level: Option<f64>,
    /// `zeta_omega = eta_omega * noise`; `None` = `(N1 T1)^(1/4)`.
    pub eta_omega: Option<f64>,
    /// `zeta_lambda = eta_lambda * noise` (default 1e-6).
    pub eta_lambda: f64,
    /// Unit intercept in the omega problem (default true; false for SC).
    pub omega_intercept: bool,
    /// Time intercept in the lambda problem (default true).
    pub lambda_intercept: bool,
    /// Stop when a step lowers the objective by at most `min_decrease^2`; `None` = 1e-5 noise.
    pub min_decrease: Option<f64>,
    /// Iteration cap of the final round (default 10,000).
    pub max_iter: usize,
    /// Iteration cap of the round before sparsifying (default 100).
    pub max_iter_pre_sparsify: usize,
    /// Sparsify between the rounds (default true); false = a single round of `max_iter`.
    pub sparsify: bool,
}

impl SdidOptions {
    /// synthdid's defaults for `kind` (SC: `eta_omega = 1e-6`, no omega intercept).
    pub fn defaults(kind: Estimator) -> Self {
        let sc = kind == Estimator::Sc;
        Self {
            noise_level: None,
            eta_omega: if sc { Some(1e-6) } else { None },
            eta_lambda: 1e-6,
            omega_intercept: !sc,
            lambda_intercept: true,
            min_decrease: None,
            max_iter: 10_000,
            max_iter_pre_sparsify: 100,
            sparsify: true,
        }
    }
}

/// The resolved solver settings of a fit: what refits (placebo, bootstrap) reuse, as
/// synthdid's `opts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FitConfig {
    /// Ridge level of the omega problem.
    pub zeta_omega: f64,
    /// Ridge level of the lambda problem.
    pub zeta_lambda: f64,
    /// Unit intercept in the omega problem.
    pub omega_intercept: bool,
    /// Time intercept in the lambda problem.
    pub lambda_intercept: bool,
    /// Whether omega is solved for (false: held fixed).
    pub update_omega: bool,
    /// Whether lambda is solved for (false: held fixed).
    pub update_lambda: bool,
    /// Frank-Wolfe stopping threshold (squared in the rule).
    pub min_decrease: f64,
    /// Iteration cap of the final round.
    pub max_iter: usize,
    /// Iteration cap of the first round.
    pub max_iter_pre_sparsify: usize,
    /// Sparsify between the rounds.
    pub sparsify: bool,
}

/// A synthdid-family estimate with its weights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SdidFit {
    /// Which estimator.
    pub estimator: Estimator,
    /// The average treatment effect on the treated block.
    pub tau: f64,
    /// Unit weights over the N0 controls (simplex).
    pub omega: Vec<f64>,
    /// Time weights over the T0 pre periods (simplex; all zero for SC).
    pub lambda: Vec<f64>,
    /// Per post period: treated minus omega-weighted controls, net of the lambda-weighted pre
    /// difference (synthdid's `synthdid_effect_curve`); its mean is `tau`.
    pub effect_curve: Vec<f64>,
    /// Noise level used for the regularisation.
    pub noise_level: f64,
    /// Solver settings.
    pub config: FitConfig,
    /// Frank-Wolfe steps of the final omega round (`None` when omega is fixed).
    pub n_iter_omega: Option<usize>,
    /// Frank-Wolfe steps of the final lambda round (`None` when lambda is fixed).
    pub n_iter_lambda: Option<usize>,
    /// Controls.
    pub n0: usize,
    /// Treated units.
    pub n1: usize,
    /// Pre periods.
    pub t0: usize,
    /// Post periods.
    pub t1: usize,
}

/// Synthetic DID with synthdid's defaults (`synthdid_estimate`).
pub fn synthdid_estimate(panel: &SdidPanel) -> Result<SdidFit, SdidError> {
    estimate(
        panel,
        Estimator::Sdid,
        &SdidOptions::defaults(Estimator::Sdid),
    )
}

/// Synthetic control as synthdid's `sc_estimate` (lambda = 0, no omega intercept,
/// `zeta_omega = 1e-6 noise`).
pub fn sc_estimate(panel: &SdidPanel) -> Result<SdidFit, SdidError> {
    estimate(panel, Estimator::Sc, &SdidOptions::defaults(Estimator::Sc))
}

/// Difference-in-differences with uniform weights (`did_estimate`).
pub fn did_estimate(panel: &SdidPanel) -> Result<SdidFit, SdidError> {
    estimate(
        panel,
        Estimator::Did,
        &SdidOptions::defaults(Estimator::Did),
    )
}

/// Fits `kind` with `options` (see the module documentation for the formulas).
///
/// Errors: invalid options, or no default noise level (fewer than two control pre-period
/// first differences) when `options.noise_level` is `None`.
pub fn estimate(
    panel: &SdidPanel,
    kind: Estimator,
    options: &SdidOptions,
) -> Result<SdidFit, SdidError> {
    let (noise, config) = resolve_config(panel, kind, options)?;
    let init = initial_weights(kind, panel.n0, panel.t0);
    let core = fit_core(&panel.y, panel.n0, panel.t0, &config, &init);
    let effect_curve = effect_curve(&panel.y, panel.n0, panel.t0, &core.omega, &core.lambda);
    Ok(SdidFit {
        estimator: kind,
        tau: core.tau,
        omega: core.omega,
        lambda: core.lambda,
        effect_curve,
        noise_level: noise,
        config,
        n_iter_omega: core.n_iter_omega,
        n_iter_lambda: core.n_iter_lambda,
        n0: panel.n0,
        n1: panel.n_units() - panel.n0,
        t0: panel.t0,
        t1: panel.n_periods() - panel.t0,
    })
}

/// The noise level and the solver settings `kind` runs with.
fn resolve_config(
    panel: &SdidPanel,
    kind: Estimator,
    options: &SdidOptions,
) -> Result<(f64, FitConfig), SdidError> {
    let n1 = panel.n_units() - panel.n0;
    let t1 = panel.n_periods() - panel.t0;
    let noise = match options.noise_level {
        Some(v) => check_option("noise_level", v)?,
        None => noise_level(&panel.y, panel.n0, panel.t0)?,
    };
    let eta_omega = options.eta_omega.unwrap_or(((n1 * t1) as f64).powf(0.25));
    let config = FitConfig {
        zeta_omega: check_option("eta_omega", eta_omega)? * noise,
        zeta_lambda: check_option("eta_lambda", options.eta_lambda)? * noise,
        omega_intercept: options.omega_intercept,
        lambda_intercept: options.lambda_intercept,
        update_omega: kind != Estimator::Did,
        update_lambda: kind == Estimator::Sdid,
        min_decrease: match options.min_decrease {
            Some(v) => check_option("min_decrease", v)?,
            None => 1e-5 * noise,
        },
        max_iter: options.max_iter,
        max_iter_pre_sparsify: options.max_iter_pre_sparsify,
        sparsify: options.sparsify,
    };
    Ok((noise, config))
}

fn check_option(name: &'static str, value: f64) -> Result<f64, SdidError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(SdidError::InvalidOption { name, value })
    }
}

/// sd (ddof 1) of all first differences `Y[i, t+1] - Y[i, t]` over controls and pre periods.
fn noise_level(y: &Mat, n0: usize, t0: usize) -> Result<f64, SdidError> {
    let diffs: Vec<f64> = (0..n0)
        .flat_map(|r| {
            y.row(r)[..t0]
                .windows(2)
                .map(|w| w[1] - w[0])
                .collect::<Vec<_>>()
        })
        .collect();
    if diffs.len() < 2 {
        return Err(SdidError::NoiseUndefined);
    }
    let mu = matrix::mean(&diffs);
    let ss: f64 = diffs.iter().map(|d| (d - mu) * (d - mu)).sum();
    Ok((ss / (diffs.len() - 1) as f64).sqrt())
}

/// Starting (or fixed) weights; `None` = start from uniform and solve.
pub(crate) struct InitWeights {
    pub(crate) omega: Option<Vec<f64>>,
    pub(crate) lambda: Option<Vec<f64>>,
}

fn initial_weights(kind: Estimator, n0: usize, t0: usize) -> InitWeights {
    match kind {
        Estimator::Sdid => InitWeights {
            omega: None,
            lambda: None,
        },
        Estimator::Sc => InitWeights {
            omega: None,
            lambda: Some(vec![0.0; t0]),
        },
        Estimator::Did => InitWeights {
            omega: Some(vec![1.0 / n0 as f64; n0]),
            lambda: Some(vec![1.0 / t0 as f64; t0]),
        },
    }
}

/// Weights and tau of one (re)fit.
pub(crate) struct CoreFit {
    pub(crate) tau: f64,
    pub(crate) omega: Vec<f64>,
    pub(crate) lambda: Vec<f64>,
    pub(crate) n_iter_omega: Option<usize>,
    pub(crate) n_iter_lambda: Option<usize>,
}

/// synthdid_estimate on matrix `y` with resolved settings: solves the weights flagged for
/// updating (warm-started from `init` when given, else uniform) and forms tau. Weights not
/// updated must be given in `init` (guaranteed by the callers).
pub(crate) fn fit_core(
    y: &Mat,
    n0: usize,
    t0: usize,
    cfg: &FitConfig,
    init: &InitWeights,
) -> CoreFit {
    let yc = collapsed_form(y, n0, t0);
    let (lambda, n_iter_lambda) = if cfg.update_lambda {
        let z = yc.select_rows(&(0..n0).collect::<Vec<_>>());
        let r = solve_weights(
            &z,
            cfg.zeta_lambda,
            cfg.lambda_intercept,
            init.lambda.as_deref(),
            cfg,
        );
        (r.x, Some(r.n_iter))
    } else {
        (init.lambda.clone().unwrap_or_else(|| vec![0.0; t0]), None)
    };
    let (omega, n_iter_omega) = if cfg.update_omega {
        let z = pre_columns(&yc, t0).transpose();
        let r = solve_weights(
            &z,
            cfg.zeta_omega,
            cfg.omega_intercept,
            init.omega.as_deref(),
            cfg,
        );
        (r.x, Some(r.n_iter))
    } else {
        (
            init.omega
                .clone()
                .unwrap_or_else(|| vec![1.0 / n0 as f64; n0]),
            None,
        )
    };
    let tau = tau_of(y, n0, t0, &omega, &lambda);
    CoreFit {
        tau,
        omega,
        lambda,
        n_iter_omega,
        n_iter_lambda,
    }
}

fn solve_weights(
    z: &Mat,
    zeta: f64,
    intercept: bool,
    init: Option<&[f64]>,
    cfg: &FitConfig,
) -> fw::FwResult {
    let p = FwProblem::new(z, zeta, intercept);
    let uniform = vec![1.0 / p.dim() as f64; p.dim()];
    let x0 = init.unwrap_or(&uniform);
    solve_two_rounds(
        &p,
        x0,
        cfg.min_decrease,
        cfg.max_iter_pre_sparsify,
        cfg.max_iter,
        cfg.sparsify,
    )
}

/// The first `t0` columns of `m`.
fn pre_columns(m: &Mat, t0: usize) -> Mat {
    let data = (0..m.rows).flat_map(|r| m.row(r)[..t0].to_vec()).collect();
    Mat::new(m.rows, t0, data)
}

/// `(-omega, 1/N1)'` applied to the rows of `y`: treated mean minus synthetic control, per period.
fn unit_contrast(y: &Mat, n0: usize, omega: &[f64]) -> Vec<f64> {
    let n1 = y.rows - n0;
    let coef: Vec<f64> = omega
        .iter()
        .map(|w| -w)
        .chain(std::iter::repeat_n(1.0 / n1 as f64, n1))
        .collect();
    y.left_mul(&coef)
}

/// `tau = (-omega, 1/N1)' Y (-lambda, 1/T1)`.
pub(crate) fn tau_of(y: &Mat, n0: usize, t0: usize, omega: &[f64], lambda: &[f64]) -> f64 {
    let t1 = y.cols - t0;
    let per_period = unit_contrast(y, n0, omega);
    let time_coef = lambda
        .iter()
        .map(|l| -l)
        .chain(std::iter::repeat_n(1.0 / t1 as f64, t1));
    per_period.iter().zip(time_coef).map(|(v, c)| v * c).sum()
}

/// Effect curve: `d_t - sum_s lambda_s d_s` for each post period t, `d` the unit contrast.
fn effect_curve(y: &Mat, n0: usize, t0: usize, omega: &[f64], lambda: &[f64]) -> Vec<f64> {
    let d = unit_contrast(y, n0, omega);
    let base = matrix::dot(&d[..t0], lambda);
    d[t0..].iter().map(|v| v - base).collect()
}
