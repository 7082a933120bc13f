//! Sensitivity of event-study estimates to violations of parallel trends: Rambachan & Roth
//! (2023), "A More Credible Approach to Parallel Trends", *Review of Economic Studies* 90(5),
//! 2555-2591, as implemented in the R package HonestDiD (reimplemented here from its
//! algorithms; the functions named below are HonestDiD's).
//!
//! # Set-up
//!
//! An event study gives β̂ = (β̂_pre, β̂_post) (`num_pre` pre-period then `num_post` post-period
//! coefficients, the reference period excluded) with covariance Σ, β̂ ≈ N(β, Σ). Write
//! β = (0, τ_post) + δ: δ is the violation of parallel trends (δ₀ = 0 at the reference period),
//! τ_post the dynamic effects. The target is θ = l'τ_post (default l = e₁, the first post
//! period; l = (1/T̄, …) averages them). Parallel trends says δ_post = 0; the sensitivity
//! analysis only assumes δ ∈ Δ:
//!
//! * **Smoothness** Δ^SD(M): `|(δ_{t+1} - δ_t) - (δ_t - δ_{t-1})| <= M` for all t (pre and post),
//!   i.e. the slope of the differential trend changes by at most M per period.
//! * **Relative magnitudes** Δ^RM(M̄): for every post period `|δ_{t+1} - δ_t| <= M̄ · max_{s<0}
//!   |δ_{s+1} - δ_s|`: post-period changes no larger than M̄ times the largest pre-period one.
//!
//! # What is computed
//!
//! * **Identified set** at β̂ ([`identified_set_smoothness`], [`identified_set_relative_magnitudes`]):
//!   `[l'β̂_post - max l'δ_post, l'β̂_post - min l'δ_post]` over δ ∈ Δ with δ_pre = β̂_pre, by
//!   linear programming (HonestDiD `.compute_IDset_DeltaSD`, `.compute_IDset_DeltaRM`; Δ^RM is
//!   the union of 2·`num_pre` polyhedra, one per location and sign of the largest pre-period
//!   change). Analytic cases, used as tests: under Δ^SD(0) δ is exactly linear through δ₀ = 0, so
//!   with one pre period the set is the point `Σ_t l_t (β̂_t + t·β̂_{-1})` (linear extrapolation of
//!   the pre-trend), and with several pre periods it is that point if β̂_pre is exactly linear and
//!   empty (`None`) otherwise; under Δ^RM(0) all post changes are 0, so δ_post = 0 and the set is
//!   `{l'β̂_post}`. Sets widen monotonically in M (M̄).
//! * **Robust confidence sets**, level `1 - alpha`:
//!   * Δ^SD, [`SmoothnessMethod::Flci`] (HonestDiD's default, `findOptimalFLCI`): the optimal
//!     fixed-length confidence interval of Armstrong & Kolesár (2018, *Econometrica*) over affine
//!     estimators `v'β̂_pre + l'β̂_post`. Same optimum as HonestDiD, but the bias-variance frontier
//!     is traced exactly (lasso path) and the folded-normal quantile is exact where HonestDiD
//!     simulates 10⁶ draws: half-lengths agree to about 1e-3 relative.
//!   * Δ^SD, [`SmoothnessMethod::Conditional`] (`method = "Conditional"`): the conditional test of
//!     Andrews, Roth & Pakes (ARP) inverted over a grid of θ.
//!   * Δ^RM, [`RelativeMagnitudesMethod::ConditionalLeastFavorable`] (HonestDiD's default
//!     `"C-LF"`, `computeConditionalCS_DeltaRM` with `hybrid_flag = "LF"`): for each piece of
//!     Δ^RM the ARP conditional-least-favourable hybrid test (first stage at κ = α/10 with a
//!     simulated least-favourable critical value), inverted over the grid; the confidence set is
//!     the union over pieces. The simulation replays R's random stream (`set.seed(seed)`,
//!     Mersenne-Twister, inversion, `mvtnorm::rmvnorm`), so results reproduce HonestDiD's.
//!   * Δ^RM, [`RelativeMagnitudesMethod::Conditional`]: the same without the hybrid first stage.
//!
//!   Grid conventions are HonestDiD's: `grid_points` (1,000) equally spaced values of θ on
//!   `[-20, 20]·sd(θ̂)` for Δ^RM and on the identified set at β = 0 widened by `±20·sd(θ̂)` for the
//!   conditional Δ^SD set; the reported interval is `[min, max]` of the accepted grid values
//!   (`None` if none is accepted), flagged when an end of the grid is accepted.
//! * **Breakdown value** ([`breakdown_smoothness`], [`breakdown_relative_magnitudes`]): the
//!   smallest M (M̄) at which the robust confidence set contains 0, found by doubling and then
//!   bisection (the sets are nested in M up to grid and simulation error); the sensitivity
//!   results also report the smallest value on the user's grid.
//!
//! Edge cases: at least one pre and one post period are required; Σ must be square, symmetric
//! (to 1e-8 relative) and finite; l must not be zero. With one post period the tests are the
//! no-nuisance versions (`.testInIdentifiedSet`); there θ = l₁·τ (HonestDiD ignores l there).
//! HonestDiD's worst-case FLCI bias adds `|Σ t·l_t| - Σ t·l_t`, zero unless `Σ_t t·l_t < 0`;
//! this module uses the exact bound.
//!
//! Validation (tests/honest.rs): HonestDiD's own results on its `BCdata_EventStudy` (Benzarti &
//! Carloni 2019; 4 pre, 4 post periods) as recorded in the public test fixtures of a Python and a
//! Julia port, which ran the R package: every grid-based set (C-LF and Conditional, Δ^RM and
//! Δ^SD) has R's endpoints to 1e-10 (the same grid points), FLCI endpoints agree to 1e-3 (the
//! simulated quantile); plus the analytic cases above and property tests.

mod arp;
mod cs;
mod deltas;
mod flci;
mod lp;
mod mat;
pub(crate) mod normal;
pub(crate) mod rng;

use serde::Serialize;
use thiserror::Error;

use cs::{GridResult, Setup};
use lp::LpFailure;
use mat::Mat;

/// Why a sensitivity analysis cannot be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum HonestError {
    /// At least one pre-period and one post-period coefficient are needed.
    #[error("need at least one pre-period and one post-period coefficient (got {num_pre} pre, {num_post} post)")]
    TooFewPeriods {
        /// Pre periods given.
        num_pre: usize,
        /// Post periods given.
        num_post: usize,
    },
    /// `betahat` does not have `num_pre + num_post` entries.
    #[error("betahat has {got} entries but num_pre + num_post = {expected}")]
    BetaLength {
        /// Entries given.
        got: usize,
        /// Entries expected.
        expected: usize,
    },
    /// `sigma` is not an `n x n` row-major matrix.
    #[error("sigma has {got} entries; expected {n} x {n}")]
    SigmaShape {
        /// Entries given.
        got: usize,
        /// Number of coefficients.
        n: usize,
    },
    /// `sigma` is not symmetric.
    #[error("sigma is not symmetric at ({row}, {col})")]
    SigmaNotSymmetric {
        /// Row of the first asymmetric entry.
        row: usize,
        /// Column of the first asymmetric entry.
        col: usize,
    },
    /// A negative variance on the diagonal of `sigma`.
    #[error("sigma has a negative variance at position {0}")]
    NegativeVariance(usize),
    /// A NaN or infinite input.
    #[error("{0} contains a missing (NaN) or infinite value")]
    NonFinite(&'static str),
    /// `l_vec` does not have `num_post` entries.
    #[error("l_vec has {got} entries but there are {num_post} post periods")]
    LVecLength {
        /// Entries given.
        got: usize,
        /// Post periods.
        num_post: usize,
    },
    /// `l_vec` is zero, so θ is identically zero.
    #[error("l_vec is all zero")]
    ZeroLVec,
    /// `alpha` outside (0, 1).
    #[error("alpha must be in (0, 1), got {0}")]
    InvalidAlpha(f64),
    /// A negative or non-finite M (M̄).
    #[error("M (Mbar) must be finite and non-negative, got {0}")]
    InvalidM(f64),
    /// No values of M (M̄) to analyse.
    #[error("the grid of M (Mbar) values is empty")]
    EmptyMGrid,
    /// Fewer than two grid points, or bad grid bounds.
    #[error("the theta grid needs at least 2 points and finite bounds lower < upper")]
    InvalidGrid,
    /// `lf_sims` is zero.
    #[error("the least-favourable critical value needs at least one simulation draw")]
    NoSimulations,
    /// A linear program failed (numerical trouble).
    #[error("the {what} linear program failed")]
    Solver {
        /// Which program.
        what: &'static str,
    },
}

impl From<LpFailure> for HonestError {
    fn from(_: LpFailure) -> Self {
        HonestError::Solver {
            what: "identified-set",
        }
    }
}

/// An event study: coefficients and their covariance.
#[derive(Debug, Clone, Copy)]
pub struct EventStudy<'a> {
    /// Coefficients: `num_pre` pre-period values (earliest first), then `num_post` post-period
    /// values; the reference period (normalised to 0) is excluded.
    pub betahat: &'a [f64],
    /// Covariance of `betahat`, row-major `n x n` with `n = num_pre + num_post`.
    pub sigma: &'a [f64],
    /// Number of pre-period coefficients.
    pub num_pre: usize,
    /// Number of post-period coefficients.
    pub num_post: usize,
}

/// Settings shared by all procedures (HonestDiD's defaults).
#[derive(Debug, Clone, PartialEq)]
pub struct HonestOptions {
    /// Weights l of θ = l'τ_post (length `num_post`); `None` = the first post period.
    pub l_vec: Option<Vec<f64>>,
    /// Significance level: confidence sets have level `1 - alpha` (default 0.05).
    pub alpha: f64,
    /// Number of θ grid points for test inversion (default 1,000).
    pub grid_points: usize,
    /// θ grid bounds; `None` = HonestDiD's defaults (see the module documentation).
    pub grid_bounds: Option<(f64, f64)>,
    /// Seed of R's random stream for the least-favourable critical value (default 0).
    pub seed: u32,
    /// Simulation draws for the least-favourable critical value (default 1,000).
    pub lf_sims: usize,
}

impl Default for HonestOptions {
    fn default() -> Self {
        Self {
            l_vec: None,
            alpha: 0.05,
            grid_points: 1000,
            grid_bounds: None,
            seed: 0,
            lf_sims: 1000,
        }
    }
}

/// A closed interval `[lb, ub]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub lb: f64,
    /// Upper bound.
    pub ub: f64,
}

impl Interval {
    /// Whether `x` lies in the interval.
    pub fn contains(&self, x: f64) -> bool {
        self.lb <= x && x <= self.ub
    }
}

/// Robust confidence interval procedure under smoothness restrictions Δ^SD(M).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum SmoothnessMethod {
    /// Optimal fixed-length confidence interval (HonestDiD `"FLCI"`, its default for Δ^SD).
    Flci,
    /// ARP conditional test inverted over a grid (HonestDiD `"Conditional"`).
    Conditional,
}

/// Robust confidence set procedure under relative-magnitudes restrictions Δ^RM(M̄).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RelativeMagnitudesMethod {
    /// Conditional-least-favourable hybrid (HonestDiD `"C-LF"`, its default for Δ^RM).
    ConditionalLeastFavorable,
    /// ARP conditional test without the hybrid first stage (HonestDiD `"Conditional"`).
    Conditional,
}

impl SmoothnessMethod {
    /// HonestDiD's name for the method.
    pub fn name(self) -> &'static str {
        match self {
            SmoothnessMethod::Flci => "FLCI",
            SmoothnessMethod::Conditional => "Conditional",
        }
    }
}

impl RelativeMagnitudesMethod {
    /// HonestDiD's name for the method.
    pub fn name(self) -> &'static str {
        match self {
            RelativeMagnitudesMethod::ConditionalLeastFavorable => "C-LF",
            RelativeMagnitudesMethod::Conditional => "Conditional",
        }
    }
}

/// The usual confidence interval θ̂ ± z_{1-α/2}·se under parallel trends (HonestDiD
/// `constructOriginalCS`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OriginalCi {
    /// θ̂ = l'β̂_post.
    pub estimate: f64,
    /// Standard error `sqrt(l'Σ_post l)`.
    pub se: f64,
    /// Lower bound.
    pub lb: f64,
    /// Upper bound.
    pub ub: f64,
}

/// The optimal FLCI under Δ^SD(M).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlciResult {
    /// M.
    pub m: f64,
    /// The interval `estimate ± half_length`.
    pub ci: Interval,
    /// The affine estimate `v'β̂_pre + l'β̂_post`.
    pub estimate: f64,
    /// Half-length χ.
    pub half_length: f64,
    /// Worst-case bias of the estimator over Δ^SD(M).
    pub max_bias: f64,
    /// Standard deviation of the estimator.
    pub sd: f64,
    /// Full weight vector `(v, l)` on β̂ (HonestDiD's `optimalVec`).
    pub weights: Vec<f64>,
}

/// A confidence set from test inversion over a grid of θ.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridConfidenceSet {
    /// `[min, max]` of the accepted θ values; `None` if none is accepted.
    pub ci: Option<Interval>,
    /// Whether the first or last grid value is accepted (the set may extend beyond the grid).
    pub open_at_grid_edge: bool,
    /// The θ grid.
    pub grid: Vec<f64>,
    /// Whether each grid value is accepted.
    pub accept: Vec<bool>,
}

/// One row of a sensitivity analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityRow {
    /// M (Δ^SD) or M̄ (Δ^RM).
    pub m: f64,
    /// Robust confidence interval; `None` if the confidence set is empty.
    pub ci: Option<Interval>,
    /// Whether the grid-based confidence set touches an end of the grid (always false for FLCI).
    pub open_at_grid_edge: bool,
    /// Identified set at β̂; `None` if β̂_pre is inconsistent with the restriction.
    pub identified_set: Option<Interval>,
}

/// A sensitivity analysis over a grid of M (M̄) values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SensitivityResults {
    /// `"DeltaSD"` or `"DeltaRM"`.
    pub delta: &'static str,
    /// HonestDiD's method name: `"FLCI"`, `"Conditional"` or `"C-LF"`.
    pub method: &'static str,
    /// The weights l.
    pub l_vec: Vec<f64>,
    /// The significance level.
    pub alpha: f64,
    /// The confidence interval under parallel trends.
    pub original: OriginalCi,
    /// One row per M (M̄), in the order given.
    pub rows: Vec<SensitivityRow>,
    /// The smallest M (M̄) of the grid whose confidence set contains 0, if any.
    pub breakdown_on_grid: Option<f64>,
}

/// The breakdown value: the smallest M (M̄) whose robust confidence set contains 0.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Breakdown {
    /// The breakdown value (to within `tolerance`), `None` if not reached by `searched_up_to`.
    pub value: Option<f64>,
    /// Largest M (M̄) examined.
    pub searched_up_to: f64,
    /// Width of the final bisection bracket.
    pub tolerance: f64,
}

/// Checks the event study and options and builds the internal problem.
fn setup(es: &EventStudy<'_>, opts: &HonestOptions) -> Result<Setup, HonestError> {
    let n = check_shapes(es)?;
    let sigma = check_sigma(es.sigma, n)?;
    let l = match &opts.l_vec {
        None => {
            let mut l = vec![0.0; es.num_post];
            l[0] = 1.0;
            l
        }
        Some(l) => l.clone(),
    };
    check_options(&l, es.num_post, opts)?;
    Ok(Setup {
        beta: es.betahat.to_vec(),
        sigma,
        num_pre: es.num_pre,
        num_post: es.num_post,
        l,
        alpha: opts.alpha,
        grid_points: opts.grid_points,
        grid_bounds: opts.grid_bounds,
        seed: opts.seed,
        lf_sims: opts.lf_sims,
    })
}

/// Period counts and β̂ length and values; returns `n`.
fn check_shapes(es: &EventStudy<'_>) -> Result<usize, HonestError> {
    if es.num_pre == 0 || es.num_post == 0 {
        return Err(HonestError::TooFewPeriods {
            num_pre: es.num_pre,
            num_post: es.num_post,
        });
    }
    let n = es.num_pre + es.num_post;
    if es.betahat.len() != n {
        return Err(HonestError::BetaLength {
            got: es.betahat.len(),
            expected: n,
        });
    }
    if es.betahat.iter().any(|v| !v.is_finite()) {
        return Err(HonestError::NonFinite("betahat"));
    }
    Ok(n)
}

/// Σ: shape, finiteness, symmetry (1e-8 relative to its largest entry), variances >= 0.
fn check_sigma(sigma: &[f64], n: usize) -> Result<Mat, HonestError> {
    if sigma.len() != n * n {
        return Err(HonestError::SigmaShape {
            got: sigma.len(),
            n,
        });
    }
    if sigma.iter().any(|v| !v.is_finite()) {
        return Err(HonestError::NonFinite("sigma"));
    }
    let scale = sigma.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for row in 0..n {
        if sigma[row * n + row] < 0.0 {
            return Err(HonestError::NegativeVariance(row));
        }
        for col in row + 1..n {
            if (sigma[row * n + col] - sigma[col * n + row]).abs() > 1e-8 * scale {
                return Err(HonestError::SigmaNotSymmetric { row, col });
            }
        }
    }
    let mut m = Mat::from_vec(n, n, sigma.to_vec());
    for r in 0..n {
        for c in r + 1..n {
            let v = 0.5 * (m.at(r, c) + m.at(c, r));
            m.set(r, c, v);
            m.set(c, r, v);
        }
    }
    Ok(m)
}

/// l, α, grid and simulation settings.
fn check_options(l: &[f64], num_post: usize, opts: &HonestOptions) -> Result<(), HonestError> {
    if l.len() != num_post {
        return Err(HonestError::LVecLength {
            got: l.len(),
            num_post,
        });
    }
    if l.iter().any(|v| !v.is_finite()) {
        return Err(HonestError::NonFinite("l_vec"));
    }
    if l.iter().all(|&v| v == 0.0) {
        return Err(HonestError::ZeroLVec);
    }
    if !(opts.alpha > 0.0 && opts.alpha < 1.0) {
        return Err(HonestError::InvalidAlpha(opts.alpha));
    }
    let bad_bounds = opts
        .grid_bounds
        .is_some_and(|(lo, hi)| !(lo.is_finite() && hi.is_finite() && lo < hi));
    if opts.grid_points < 2 || bad_bounds {
        return Err(HonestError::InvalidGrid);
    }
    if opts.lf_sims == 0 {
        return Err(HonestError::NoSimulations);
    }
    Ok(())
}

/// Checks one M (M̄).
fn check_m(m: f64) -> Result<(), HonestError> {
    if m.is_finite() && m >= 0.0 {
        Ok(())
    } else {
        Err(HonestError::InvalidM(m))
    }
}

/// The confidence interval for θ under parallel trends: θ̂ ± z_{1-α/2}·sqrt(l'Σ_post l).
pub fn original_ci(es: &EventStudy<'_>, opts: &HonestOptions) -> Result<OriginalCi, HonestError> {
    let s = setup(es, opts)?;
    Ok(original_from(&s))
}

fn original_from(s: &Setup) -> OriginalCi {
    let estimate = s.theta_hat();
    let se = s.sd_theta();
    let z = normal::two_sided_z(s.alpha);
    OriginalCi {
        estimate,
        se,
        lb: estimate - z * se,
        ub: estimate + z * se,
    }
}

/// Identified set for θ under Δ^SD(M) at β̂ (linear programming); `None` if β̂_pre itself
/// violates Δ^SD(M) (its second differences exceed M).
pub fn identified_set_smoothness(
    es: &EventStudy<'_>,
    m: f64,
    opts: &HonestOptions,
) -> Result<Option<Interval>, HonestError> {
    check_m(m)?;
    cs::id_set_smoothness(&setup(es, opts)?, m)
}

/// Identified set for θ under Δ^RM(M̄) at β̂ (union of linear programs over the location and
/// sign of the largest pre-period change).
pub fn identified_set_relative_magnitudes(
    es: &EventStudy<'_>,
    mbar: f64,
    opts: &HonestOptions,
) -> Result<Interval, HonestError> {
    check_m(mbar)?;
    cs::id_set_relative_magnitudes(&setup(es, opts)?, mbar)
}

/// The optimal FLCI for θ under Δ^SD(M) (HonestDiD `findOptimalFLCI`; see the module docs).
pub fn flci(es: &EventStudy<'_>, m: f64, opts: &HonestOptions) -> Result<FlciResult, HonestError> {
    check_m(m)?;
    Ok(flci_from(&setup(es, opts)?, m))
}

fn flci_from(s: &Setup, m: f64) -> FlciResult {
    let f = flci::optimal_flci(&s.beta, &s.sigma, s.num_pre, &s.l, m, s.alpha);
    let mut weights = f.pre_weights.clone();
    weights.extend_from_slice(&s.l);
    FlciResult {
        m,
        ci: Interval {
            lb: f.estimate - f.half_length,
            ub: f.estimate + f.half_length,
        },
        estimate: f.estimate,
        half_length: f.half_length,
        max_bias: f.max_bias,
        sd: f.sd,
        weights,
    }
}

fn grid_set(g: GridResult) -> GridConfidenceSet {
    GridConfidenceSet {
        ci: g.interval(),
        open_at_grid_edge: g.open_at_edge(),
        grid: g.grid,
        accept: g.accept,
    }
}

/// ARP conditional confidence set for θ under Δ^SD(M) (HonestDiD `computeConditionalCS_DeltaSD`
/// with `hybrid_flag = "ARP"`).
pub fn conditional_cs_smoothness(
    es: &EventStudy<'_>,
    m: f64,
    opts: &HonestOptions,
) -> Result<GridConfidenceSet, HonestError> {
    check_m(m)?;
    Ok(grid_set(cs::conditional_smoothness(&setup(es, opts)?, m)?))
}

/// Confidence set for θ under Δ^RM(M̄) (HonestDiD `computeConditionalCS_DeltaRM`).
pub fn conditional_cs_relative_magnitudes(
    es: &EventStudy<'_>,
    mbar: f64,
    method: RelativeMagnitudesMethod,
    opts: &HonestOptions,
) -> Result<GridConfidenceSet, HonestError> {
    check_m(mbar)?;
    let lf = method == RelativeMagnitudesMethod::ConditionalLeastFavorable;
    Ok(grid_set(cs::relative_magnitudes(
        &setup(es, opts)?,
        mbar,
        lf,
    )?))
}

/// The robust interval under Δ^SD(M) and whether it touches the end of the θ grid.
fn smoothness_ci(
    s: &Setup,
    m: f64,
    method: SmoothnessMethod,
) -> Result<(Option<Interval>, bool), HonestError> {
    Ok(match method {
        SmoothnessMethod::Flci => (Some(flci_from(s, m).ci), false),
        SmoothnessMethod::Conditional => {
            let g = cs::conditional_smoothness(s, m)?;
            (g.interval(), g.open_at_edge())
        }
    })
}

/// One sensitivity row under Δ^SD(M).
fn smoothness_row(
    s: &Setup,
    m: f64,
    method: SmoothnessMethod,
) -> Result<SensitivityRow, HonestError> {
    let (ci, open) = smoothness_ci(s, m, method)?;
    Ok(SensitivityRow {
        m,
        ci,
        open_at_grid_edge: open,
        identified_set: cs::id_set_smoothness(s, m)?,
    })
}

/// One sensitivity row under Δ^RM(M̄).
fn rm_row(
    s: &Setup,
    mbar: f64,
    method: RelativeMagnitudesMethod,
) -> Result<SensitivityRow, HonestError> {
    let lf = method == RelativeMagnitudesMethod::ConditionalLeastFavorable;
    let g = cs::relative_magnitudes(s, mbar, lf)?;
    Ok(SensitivityRow {
        m: mbar,
        ci: g.interval(),
        open_at_grid_edge: g.open_at_edge(),
        identified_set: Some(cs::id_set_relative_magnitudes(s, mbar)?),
    })
}

/// The smallest M on the grid whose confidence set contains 0.
fn grid_breakdown(rows: &[SensitivityRow]) -> Option<f64> {
    rows.iter()
        .filter(|r| r.ci.is_some_and(|c| c.contains(0.0)))
        .map(|r| r.m)
        .min_by(f64::total_cmp)
}

/// Sensitivity analysis under Δ^SD(M) for each M in `mvec` (HonestDiD
/// `createSensitivityResults`), with identified sets and the grid breakdown value.
pub fn sensitivity_smoothness(
    es: &EventStudy<'_>,
    mvec: &[f64],
    method: SmoothnessMethod,
    opts: &HonestOptions,
) -> Result<SensitivityResults, HonestError> {
    let s = setup(es, opts)?;
    if mvec.is_empty() {
        return Err(HonestError::EmptyMGrid);
    }
    let rows = mvec
        .iter()
        .map(|&m| check_m(m).and_then(|_| smoothness_row(&s, m, method)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SensitivityResults {
        delta: "DeltaSD",
        method: method.name(),
        l_vec: s.l.clone(),
        alpha: s.alpha,
        original: original_from(&s),
        breakdown_on_grid: grid_breakdown(&rows),
        rows,
    })
}

/// Sensitivity analysis under Δ^RM(M̄) for each M̄ in `mbarvec` (HonestDiD
/// `createSensitivityResults_relativeMagnitudes`), with identified sets and the grid breakdown.
pub fn sensitivity_relative_magnitudes(
    es: &EventStudy<'_>,
    mbarvec: &[f64],
    method: RelativeMagnitudesMethod,
    opts: &HonestOptions,
) -> Result<SensitivityResults, HonestError> {
    let s = setup(es, opts)?;
    if mbarvec.is_empty() {
        return Err(HonestError::EmptyMGrid);
    }
    let rows = mbarvec
        .iter()
        .map(|&m| check_m(m).and_then(|_| rm_row(&s, m, method)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(SensitivityResults {
        delta: "DeltaRM",
        method: method.name(),
        l_vec: s.l.clone(),
        alpha: s.alpha,
        original: original_from(&s),
        breakdown_on_grid: grid_breakdown(&rows),
        rows,
    })
}

/// Doubling then bisection for the smallest `m` with `covers(m)`; `start > 0` is the first
/// upper guess, at most 30 doublings.
fn search_breakdown(
    start: f64,
    tolerance: f64,
    covers: &dyn Fn(f64) -> Result<bool, HonestError>,
) -> Result<Breakdown, HonestError> {
    if covers(0.0)? {
        return Ok(Breakdown {
            value: Some(0.0),
            searched_up_to: 0.0,
            tolerance: 0.0,
        });
    }
    let (mut lo, mut hi) = (0.0, start);
    let mut doublings = 0;
    while !covers(hi)? {
        lo = hi;
        hi *= 2.0;
        doublings += 1;
        if doublings > 30 {
            return Ok(Breakdown {
                value: None,
                searched_up_to: lo,
                tolerance,
            });
        }
    }
    let searched_up_to = hi;
    while hi - lo > tolerance {
        let mid = 0.5 * (lo + hi);
        if covers(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(Breakdown {
        value: Some(hi),
        searched_up_to,
        tolerance: hi - lo,
    })
}

/// Breakdown value under Δ^SD: the smallest M whose robust confidence set contains 0, to within
/// `tolerance` (search starts at M = sd(θ̂) and doubles).
pub fn breakdown_smoothness(
    es: &EventStudy<'_>,
    method: SmoothnessMethod,
    opts: &HonestOptions,
    tolerance: f64,
) -> Result<Breakdown, HonestError> {
    let s = setup(es, opts)?;
    check_m(tolerance)?;
    let covers = |m: f64| -> Result<bool, HonestError> {
        let (ci, _) = smoothness_ci(&s, m, method)?;
        Ok(ci.is_some_and(|c| c.contains(0.0)))
    };
    search_breakdown(s.sd_theta().max(1e-12), tolerance.max(1e-12), &covers)
}

/// Breakdown value under Δ^RM: the smallest M̄ whose robust confidence set contains 0, to within
/// `tolerance` (search starts at M̄ = 1 and doubles).
pub fn breakdown_relative_magnitudes(
    es: &EventStudy<'_>,
    method: RelativeMagnitudesMethod,
    opts: &HonestOptions,
    tolerance: f64,
) -> Result<Breakdown, HonestError> {
    let s = setup(es, opts)?;
    check_m(tolerance)?;
    let lf = method == RelativeMagnitudesMethod::ConditionalLeastFavorable;
    let covers = |m: f64| -> Result<bool, HonestError> {
        let g = cs::relative_magnitudes(&s, m, lf)?;
        Ok(g.interval().is_some_and(|c| c.contains(0.0)))
    };
    search_breakdown(1.0, tolerance.max(1e-12), &covers)
}
