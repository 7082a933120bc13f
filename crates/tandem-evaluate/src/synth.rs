//! Synthetic control (Abadie, Diamond & Hainmueller 2010, JASA 105(490):493-505; Abadie 2021,
//! JEL 59(2):391-425) with exactly solved simplex weights, in-space placebo inference and
//! leave-one-out robustness.
//!
//! # Estimator
//! For a treated unit 1 and donors `j = 1..J`, with predictors `X1` (k-vector) and `X0`
//! (k x J) and a diagonal `V`,
//!
//! ```text
//! w  = argmin_w (X1 - X0 w)' V (X1 - X0 w)   subject to  w_j >= 0,  Σ_j w_j = 1,
//! synthetic_t = Σ_j w_j Y_jt,   gap_t = Y_1t - synthetic_t,
//! ATT = mean(gap_t, t >= T0),   RMSPE_pre/post = sqrt(mean(gap_t²)) over t < T0 / t >= T0,
//! ratio = RMSPE_post / RMSPE_pre.
//! ```
//!
//! The default (specification SC-1 of `tests/golden/README.md`) takes the T0 pre-period
//! outcomes as predictors with `V = I` and no scaling. Weights are solved exactly by an
//! active-set method on the KKT system ([`simplex_ls`]) rather than by a general-purpose
//! optimiser, so they match the golden `scm_qp.simplex_ls` to rounding error; pysyncon, R
//! `Synth` (SLSQP / ipop) and synthdid's Frank-Wolfe stop earlier and differ by up to 5e-3.
//! [`Predictors`] gives other predictor sets with a user-chosen diagonal V and optional
//! cross-unit sd scaling (the R `Synth`/pysyncon convention), or with ADH's data-driven V
//! (`Predictors::search_v_over`: the nested optimisation minimising the outcome MSPE over
//! chosen periods, searched by Nelder-Mead as R `Synth` and pysyncon do; module `vsearch`).
//!
//! # Inference
//! [`in_space_placebo`]: every donor in turn is treated as if treated, with the other donors
//! ([`DonorPool::ExcludeTreated`], SCtools/pysyncon) or the other donors plus the treated unit
//! ([`DonorPool::IncludeTreated`], ADH 2010 p. 502, diff-diff) as its pool. The p-value is
//! `#{units with ratio >= treated's ratio} / (J + 1)`, the treated unit counted (ADH), optionally
//! after ADH's filter dropping placebos whose pre-MSPE exceeds k times the treated unit's.
//! [`leave_one_out`] refits without each donor that had positive weight.
//!
//! # Edge cases
//! A perfect pre-period fit gives `rmspe_pre = 0` and `rmspe_ratio = +inf` (or 0 if the post
//! gaps are zero too); infinite ratios rank above every finite one. When the treated unit lies in
//! the convex hull of more than k+1 donors the minimiser is not unique and one minimiser is
//! returned (its KKT residuals certify it). Errors, never panics, on bad indices, empty pre or
//! post periods, missing/non-finite values and too few donors.

mod inference;
mod matrix;
mod predictors;
mod qp;
mod vsearch;

use serde::Serialize;

pub use inference::{
    in_space_placebo, leave_one_out, DonorPool, LeaveOneOut, LeaveOneOutFit, PlaceboFit,
    PlaceboPValue, PlaceboTest,
};
pub use matrix::{pivot_long, OutcomeMatrix, WidePanel};
pub use predictors::{Predictor, Predictors};
pub use qp::{simplex_ls, simplex_qp, KktDiagnostics, SimplexSolution};

/// The most predictors whose V is searched (`Predictors::search_v_over`): the search runs
/// Nelder-Mead in as many dimensions from one more start than there are predictors, about
/// 2.4 s per fit at 10 on two cores and growing faster than the square, and a placebo test
/// repeats it for every donor.
pub const MAX_SEARCHED_PREDICTORS: usize = 20;

/// What is wrong with a synthetic-control input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SynthError {
    /// The panel has no units or no periods.
    #[error("the outcome panel is empty")]
    EmptyPanel,
    /// An input has the wrong length.
    #[error("{what}: expected length {expected}, got {got}")]
    DimensionMismatch {
        /// Which input.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// An outcome is NaN or infinite (missing values are not imputed).
    #[error("outcome of unit {unit} in period {period} is missing or not finite")]
    NonFiniteOutcome {
        /// Row index.
        unit: usize,
        /// Column index.
        period: usize,
    },
    /// The long-format data lack a (unit, period) cell: the panel must be balanced.
    #[error("no outcome for unit {unit:?} in period {period}: the panel must be balanced")]
    MissingCell {
        /// Unit label.
        unit: String,
        /// Period.
        period: i64,
    },
    /// The long-format data repeat a (unit, period) cell.
    #[error("unit {unit:?} has more than one outcome in period {period}")]
    DuplicateCell {
        /// Unit label.
        unit: String,
        /// Period.
        period: i64,
    },
    /// A unit index is not a row of the panel.
    #[error("unit index {index} out of range (the panel has {n_units} units)")]
    UnitOutOfRange {
        /// The offending index.
        index: usize,
        /// Number of units.
        n_units: usize,
    },
    /// A period index is not a column of the panel.
    #[error("period index {period} out of range (the panel has {n_periods} periods)")]
    PeriodOutOfRange {
        /// The offending index.
        period: usize,
        /// Number of periods.
        n_periods: usize,
    },
    /// The treated unit is also listed as a donor.
    #[error("the treated unit {unit} is listed among the donors")]
    TreatedAmongDonors {
        /// The unit.
        unit: usize,
    },
    /// A donor is listed twice.
    #[error("donor {unit} is listed more than once")]
    DuplicateDonor {
        /// The unit.
        unit: usize,
    },
    /// No donors at all.
    #[error("no donor units")]
    NoDonors,
    /// Too few donors for the requested computation.
    #[error("{what} needs at least {needed} donors, got {got}")]
    TooFewDonors {
        /// Which computation.
        what: &'static str,
        /// Minimum number of donors.
        needed: usize,
        /// Number given.
        got: usize,
    },
    /// The treatment starts in the first period: nothing to fit on.
    #[error("no pre-treatment period (first_post = 0)")]
    NoPrePeriod,
    /// The treatment starts after the last period: no effect to estimate.
    #[error("no post-treatment period (first_post = {first_post} with {n_periods} periods)")]
    NoPostPeriod {
        /// First treated period index.
        first_post: usize,
        /// Number of periods.
        n_periods: usize,
    },
    /// The predictor set is empty.
    #[error("no predictors")]
    NoPredictors,
    /// A predictor value is NaN or infinite.
    #[error("predictor row {row} is missing or not finite for unit {unit}")]
    NonFinitePredictor {
        /// Predictor row.
        row: usize,
        /// Unit (or column) index.
        unit: usize,
    },
    /// A diagonal element of V is negative or not finite.
    #[error("predictor weight v[{row}] = {value} must be finite and >= 0")]
    InvalidPredictorWeight {
        /// Predictor row.
        row: usize,
        /// The weight.
        value: f64,
    },
    /// Every diagonal element of V is zero.
    #[error("all predictor weights V are zero")]
    AllPredictorWeightsZero,
    /// A predictor is constant across the units of a fit, so it cannot be scaled by its sd.
    #[error("predictor row {row} has zero standard deviation across the units of the fit")]
    ConstantPredictor {
        /// Predictor row.
        row: usize,
    },
    /// The pre-MSPE filter multiple is not a positive finite number.
    #[error("pre-MSPE filter multiple {0} must be finite and > 0")]
    InvalidFilter(f64),
    /// The predictors are so large that their cross-products overflow.
    #[error("predictor cross-products overflow: rescale the predictors")]
    NumericalOverflow,
    /// More predictors than a searched V can take in bounded time.
    #[error(
        "{count} predictors for a searched V, at most {max}: give V (custom weights) or fewer predictors"
    )]
    TooManySearchedPredictors {
        /// Predictors given.
        count: usize,
        /// [`MAX_SEARCHED_PREDICTORS`].
        max: usize,
    },
    /// A placebo distribution without the treated unit's fit (built by hand).
    #[error("the placebo distribution has no fit for the treated unit")]
    MissingTreatedFit,
    /// The active-set iteration did not terminate (cycling; not observed in practice).
    #[error("simplex least squares did not converge in {iterations} iterations")]
    SolverDidNotConverge {
        /// Iterations run.
        iterations: usize,
    },
}

/// Which unit is treated, from when, against which donors and on which predictors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScSpec {
    /// Row index of the treated unit.
    pub treated: usize,
    /// Row indices of the donor pool (distinct, excluding `treated`).
    pub donors: Vec<usize>,
    /// Column index of the first treated period (`T0`): periods `0..T0` are pre-treatment.
    pub first_post: usize,
    /// `None`: SC-1, the pre-period outcomes with `V = I`, unscaled.
    pub predictors: Option<Predictors>,
}

impl ScSpec {
    /// SC-1 specification (pre-period outcomes, `V = I`).
    pub fn new(treated: usize, donors: Vec<usize>, first_post: usize) -> Self {
        Self {
            treated,
            donors,
            first_post,
            predictors: None,
        }
    }

    /// The same specification with another predictor set.
    pub fn with_predictors(mut self, predictors: Predictors) -> Self {
        self.predictors = Some(predictors);
        self
    }

    /// Checks every index and the predictors against the panel.
    ///
    /// # Errors
    /// The [`SynthError`] naming the first problem found.
    pub fn validate(&self, m: &OutcomeMatrix) -> Result<(), SynthError> {
        let n = m.n_units();
        if self.first_post == 0 {
            return Err(SynthError::NoPrePeriod);
        }
        if self.first_post >= m.n_periods() {
            return Err(SynthError::NoPostPeriod {
                first_post: self.first_post,
                n_periods: m.n_periods(),
            });
        }
        if self.donors.is_empty() {
            return Err(SynthError::NoDonors);
        }
        for (i, &u) in std::iter::once(&self.treated)
            .chain(&self.donors)
            .enumerate()
        {
            if u >= n {
                return Err(SynthError::UnitOutOfRange {
                    index: u,
                    n_units: n,
                });
            }
            if i > 0 && u == self.treated {
                return Err(SynthError::TreatedAmongDonors { unit: u });
            }
            if i > 0 && self.donors[..i - 1].contains(&u) {
                return Err(SynthError::DuplicateDonor { unit: u });
            }
        }
        let Some(p) = &self.predictors else {
            return Ok(());
        };
        p.validate(n)?;
        match p.search_v_over.as_deref() {
            Some(_) if p.rows.len() > MAX_SEARCHED_PREDICTORS => {
                Err(SynthError::TooManySearchedPredictors {
                    count: p.rows.len(),
                    max: MAX_SEARCHED_PREDICTORS,
                })
            }
            Some([]) => Err(SynthError::NoPrePeriod),
            Some(periods) => match periods.iter().find(|&&t| t >= m.n_periods()) {
                Some(&period) => Err(SynthError::PeriodOutOfRange {
                    period,
                    n_periods: m.n_periods(),
                }),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

/// A fitted synthetic control.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScFit {
    /// Row index of the (possibly placebo) treated unit.
    pub treated: usize,
    /// Donor row indices, in the order of `weights`.
    pub donors: Vec<usize>,
    /// Donor weights: non-negative, summing to one.
    pub weights: Vec<f64>,
    /// Synthetic outcome `Σ_j w_j Y_jt` for every period.
    pub synthetic: Vec<f64>,
    /// `Y_1t - synthetic_t` for every period.
    pub gaps: Vec<f64>,
    /// Mean post-period gap.
    pub att: f64,
    /// Mean squared pre-period gap.
    pub pre_mspe: f64,
    /// Mean squared post-period gap.
    pub post_mspe: f64,
    /// `sqrt(pre_mspe)`.
    pub pre_rmspe: f64,
    /// `sqrt(post_mspe)`.
    pub post_rmspe: f64,
    /// `post_rmspe / pre_rmspe` (`+inf` for a perfect pre-fit with a post gap, 0 if both are 0).
    pub rmspe_ratio: f64,
    /// KKT residuals of the weight problem (in the weighted, scaled predictor space).
    pub kkt: KktDiagnostics,
    /// The diagonal of V used, summing to one (`None` for the SC-1 default, `V = I` on the
    /// pre-period outcomes).
    pub v: Option<Vec<f64>>,
    /// With a searched V, the loss it minimised: the mean squared outcome gap over the
    /// search periods.
    pub loss_v: Option<f64>,
}

impl ScFit {
    /// Weight of donor row `unit` (0 if it is not in the pool).
    pub fn weight_of(&self, unit: usize) -> f64 {
        self.donors
            .iter()
            .position(|&d| d == unit)
            .map_or(0.0, |i| self.weights[i])
    }
}

/// Fits the synthetic control of `spec` on the outcome panel `m` (see the module docs for the
/// formulas; matches `tests/golden/scripts/30_scm_prop99.py::sc_fit`).
///
/// # Errors
/// Invalid indices or periods, invalid predictors (see [`ScSpec::validate`]), or
/// [`SynthError::SolverDidNotConverge`].
pub fn synthetic_control(m: &OutcomeMatrix, spec: &ScSpec) -> Result<ScFit, SynthError> {
    spec.validate(m)?;
    fit_unit(m, spec, spec.treated, &spec.donors)
}

/// Fits `treated` against `donors` with the periods and predictors of `spec` (indices already
/// validated).
pub(crate) fn fit_unit(
    m: &OutcomeMatrix,
    spec: &ScSpec,
    treated: usize,
    donors: &[usize],
) -> Result<ScFit, SynthError> {
    let (columns, target, v, loss_v) = match &spec.predictors {
        None => {
            let (columns, target) =
                predictors::pre_outcome_design(m, treated, donors, spec.first_post);
            (columns, target, None, None)
        }
        Some(p) => {
            let searched = match &p.search_v_over {
                Some(periods) => Some(vsearch::search_v(m, p, treated, donors, periods)?),
                None => None,
            };
            let used = searched
                .as_ref()
                .map_or_else(|| p.clone(), |c| p.with_v(&c.v));
            let (columns, target) = used.design(treated, donors)?;
            (
                columns,
                target,
                Some(used.normalised_v()),
                searched.map(|c| c.loss),
            )
        }
    };
    let sol = simplex_ls(&columns, &target)?;
    let synthetic: Vec<f64> = (0..m.n_periods())
        .map(|t| {
            donors
                .iter()
                .zip(&sol.weights)
                .map(|(&d, w)| w * m.unit_row(d)[t])
                .sum()
        })
        .collect();
    let gaps: Vec<f64> = m
        .unit_row(treated)
        .iter()
        .zip(&synthetic)
        .map(|(y, s)| y - s)
        .collect();
    let stats = GapStats::new(&gaps, spec.first_post);
    Ok(ScFit {
        treated,
        donors: donors.to_vec(),
        weights: sol.weights,
        synthetic,
        att: stats.att,
        pre_mspe: stats.pre_mspe,
        post_mspe: stats.post_mspe,
        pre_rmspe: stats.pre_mspe.sqrt(),
        post_rmspe: stats.post_mspe.sqrt(),
        rmspe_ratio: rmspe_ratio(stats.pre_mspe, stats.post_mspe),
        gaps,
        kkt: sol.kkt,
        v,
        loss_v,
    })
}

/// Summary statistics of a gap path.
struct GapStats {
    att: f64,
    pre_mspe: f64,
    post_mspe: f64,
}

impl GapStats {
    fn new(gaps: &[f64], first_post: usize) -> Self {
        let (pre, post) = gaps.split_at(first_post);
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        let msq = |x: &[f64]| x.iter().map(|g| g * g).sum::<f64>() / x.len() as f64;
        Self {
            att: mean(post),
            pre_mspe: msq(pre),
            post_mspe: msq(post),
        }
    }
}

fn rmspe_ratio(pre_mspe: f64, post_mspe: f64) -> f64 {
    if pre_mspe > 0.0 {
        post_mspe.sqrt() / pre_mspe.sqrt()
    } else if post_mspe > 0.0 {
        f64::INFINITY
    } else {
        0.0
    }
}
