//! Callaway & Sant'Anna (2021) difference-in-differences with multiple time periods.
//!
//! The group-time average treatment effect of cohort `g` (the units first treated in period
//! `g`) at period `t` is
//!
//! ```text
//! ATT(g,t) = E[Y_t(g) - Y_t(0) | G = g]
//! ```
//!
//! and is identified, under parallel trends, by a 2x2 difference in differences between
//! cohort `g` and a comparison group, from a base period `b` to `t`. Each 2x2 comparison is
//! estimated by one of three panel estimators of Sant'Anna & Zhao (2020):
//!
//! - [`EstMethod::DoublyRobust`]: `drdid_panel`, the locally efficient doubly robust
//!   estimator `E_n[(w1(D) - w0(D,X;γ)) (ΔY - μ0(X;β))]` with a logit propensity score fitted
//!   by maximum likelihood (Newton/IRLS) and an OLS outcome regression of `ΔY` on `X` among
//!   the comparison units;
//! - [`EstMethod::Ipw`]: `std_ipw_did_panel`, the normalised (Hájek) inverse probability
//!   weighting estimator;
//! - [`EstMethod::Regression`]: `reg_did_panel`, outcome regression.
//!
//! Without covariates the three coincide. Each cell comes with its unit-level influence
//! function `ψ`, and the analytic standard error is `sqrt(mean_i ψ_i²) / sqrt(n)` (not centred,
//! divisor `n`). Because the data are a panel and `ψ` is computed per unit, these standard
//! errors are already clustered by unit; coarser clustering is available through the
//! multiplier bootstrap ([`BootstrapOptions::cluster`]).
//!
//! Aggregations ([`aggregate`]): simple, dynamic (event study), group and calendar, each
//! with the influence function of the estimated weights so that their standard errors
//! account for the estimated cohort shares. The pre-trend Wald test ([`WaldPretest`]) and the
//! multiplier bootstrap with simultaneous confidence bands ([`multiplier_bootstrap`],
//! [`AttGtResult::bootstrap`], [`AggregateResult::bootstrap`]) complete the method.
//!
//! References: Callaway, B. & Sant'Anna, P. H. C. (2021), "Difference-in-differences with
//! multiple time periods", *Journal of Econometrics* 225(2); Sant'Anna, P. H. C. & Zhao, J.
//! (2020), "Doubly robust difference-in-differences estimators", *Journal of Econometrics*
//! 219(1). The implementation follows moderndid 0.2.0 (a line-by-line Python port of R `did`
//! 2.x) and matches it to 1e-12 without covariates (see `tests/did.rs`).
//!
//! Conventions that follow moderndid (and R `did`):
//! - cohort `0` means never treated, and so does a cohort later than the last period;
//! - units whose cohort satisfies `g - anticipation <= first period` are dropped (noted in
//!   [`AttGtResult::notes`]);
//! - if no unit is never treated, the periods from `g_max - anticipation` on are dropped and,
//!   with [`ControlGroup::NeverTreated`], the last cohort serves as the never-treated group;
//! - sampling weights are normalised to mean 1 over the input units (before the drops above)
//!   and enter every 2x2 estimator and its influence function; weights that change over time
//!   within a unit of a balanced panel are taken per cell by [`FixWeights`] (R did's
//!   `fix_weights`, matched to csdid 0.4.3 in `tests/did_fix_weights.rs`), and the
//!   aggregations then weigh cohorts by the first period's weights; in the aggregations the cohort
//!   shares `P(G=g)` are weighted too, as in R `did` (moderndid 0.2.0 drops the weights there
//!   and uses unweighted shares: its ATT(g,t) agree with ours, its weighted aggregations do
//!   not);
//! - a 2x2 cell that cannot be estimated (no comparison units, propensity score above 0.999,
//!   singular design, ...) is left out of [`AttGtResult::cells`] and listed in
//!   [`AttGtResult::skipped`] with the reason (moderndid omits it under the varying base
//!   period and reports `NaN` under the universal one);
//! - [`att_gt`]'s panel must be balanced: an unbalanced panel is refused with
//!   [`DidError::UnbalancedPanel`] (moderndid silently drops the incomplete units).
//!   [`att_gt_cross_sections`] takes repeated cross-sections (R's `panel = FALSE`) or an
//!   unbalanced panel (`allow_unbalanced_panel = TRUE`) with the repeated cross-section
//!   estimators `drdid_rc`, `std_ipw_did_rc` and `reg_did_rc` (module `estimators_rc`). It
//!   matches moderndid 0.2.0 and csdid 0.4.3 to 1e-14 (`tests/did_cross_sections.rs`) except
//!   for two defects of theirs: R DRDID's `drdid_rc` (hence moderndid) adds the pre-period
//!   comparison regression's estimation effect with the wrong sign (its `dr` standard errors
//!   with covariates are ~1 % off; ours equal the numerical derivative of the estimator), and
//!   csdid mislabels cross-section cells under the universal base period.

mod aggregate;
mod attgt;
pub(crate) mod bootstrap;
mod cross_section;
mod estimators;
mod estimators_rc;
mod event_study;
mod linalg;
mod panel;
pub(crate) mod stats;

pub use aggregate::{aggregate, AggregateBootstrap, AggregateLevel, AggregateResult, Aggregation};
pub use attgt::{att_gt, att_gt_cross_sections};
pub use bootstrap::{multiplier_bootstrap, BootstrapBands, BootstrapOptions, BootstrapResult};
pub use cross_section::CrossSectionData;
pub use event_study::DynamicEventStudy;

use serde::{Deserialize, Serialize};

/// A panel in long form: one entry per (unit, period) observation, all slices of equal length.
#[derive(Clone, Copy, Debug)]
pub struct PanelData<'a> {
    /// Unit identifier of each observation.
    pub unit: &'a [i64],
    /// Period of each observation (integer periods, e.g. years).
    pub time: &'a [i64],
    /// Outcome of each observation; must be finite (missing values are refused, never zeroed).
    pub outcome: &'a [f64],
    /// First treated period of the observation's unit (`0` = never treated); constant within
    /// a unit.
    pub cohort: &'a [i64],
    /// Covariate columns (without intercept; an intercept is always added), each one value per
    /// observation. Empty for the unconditional estimator (`~1`). Time-varying covariates are
    /// taken at the base period of each 2x2 comparison (precisely at period index
    /// `min(base, t)`, moderndid's rule); time-invariant ones are unaffected.
    pub covariates: &'a [&'a [f64]],
    /// Optional sampling weights, non-negative, one per observation; normalised to mean 1.
    /// When they change over time within a unit, [`AttGtOptions::fix_weights`] says which
    /// period's weights each comparison uses.
    pub weights: Option<&'a [f64]>,
}

/// Which units serve as the comparison group.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlGroup {
    /// Only never-treated units (`g = 0`).
    #[default]
    NeverTreated,
    /// Never-treated units plus units of other cohorts `g'` not yet treated:
    /// `g' > max(t, base) + anticipation`.
    NotYetTreated,
}

/// The 2x2 estimator of each ATT(g,t).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EstMethod {
    /// Locally efficient doubly robust estimator (`drdid_panel`, Sant'Anna & Zhao 2020).
    #[default]
    DoublyRobust,
    /// Normalised inverse probability weighting (`std_ipw_did_panel`).
    Ipw,
    /// Outcome regression (`reg_did_panel`).
    Regression,
}

/// The base period of each comparison.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BasePeriod {
    /// Pre-treatment cells (`t < g - anticipation`) compare `t` with `t-1`; the others compare
    /// `t` with the last period before `g - anticipation`.
    #[default]
    Varying,
    /// Every cell compares `t` with the last period before `g - anticipation`; that reference
    /// cell is reported with ATT 0 and no standard error.
    Universal,
}

/// Which period's sampling weights each 2x2 comparison of a balanced panel uses when the
/// weights change over time (R did's `fix_weights`). Time-invariant weights give the same
/// result under every rule. The aggregations weigh cohorts by the first period's weights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FixWeights {
    /// R's default (`NULL`): the earlier of the cell's two periods, as for the covariates.
    #[default]
    Earlier,
    /// The cohort's last pre-treatment period, in every cell of the cohort.
    BasePeriod,
    /// The first period of the panel.
    FirstPeriod,
    /// Each observation's own weight: every cell is estimated with the repeated
    /// cross-section estimators, the influence functions summed within each unit (R did's
    /// route for `"varying"`).
    Varying,
}

/// Options of [`att_gt`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttGtOptions {
    /// Comparison group.
    pub control_group: ControlGroup,
    /// 2x2 estimator.
    pub est_method: EstMethod,
    /// Base period convention.
    pub base_period: BasePeriod,
    /// Number of periods before `g` in which units may already react to the treatment.
    pub anticipation: u32,
    /// Which period's weights a cell uses when they change over time (balanced panels).
    #[serde(default)]
    pub fix_weights: FixWeights,
}

/// One group-time average treatment effect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupTimeAtt {
    /// Cohort `g` (first treated period).
    pub group: i64,
    /// Period `t`.
    pub time: i64,
    /// Event time `t - g`.
    pub event_time: i64,
    /// Base period of the comparison (equal to `time` for a universal reference cell).
    pub base_time: i64,
    /// Whether `t >= g` (a post-treatment cell; anticipation does not change this).
    pub post: bool,
    /// ATT(g,t).
    pub att: f64,
    /// Analytic standard error; `None` when it is numerically zero (e.g. the universal
    /// reference cell) or not finite.
    pub se: Option<f64>,
    /// Number of units of cohort `g` in the comparison (0 for a universal reference cell).
    pub n_treated: usize,
    /// Number of comparison units (0 for a universal reference cell).
    pub n_control: usize,
}

/// A group-time cell that could not be estimated.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SkippedCell {
    /// Cohort `g`.
    pub group: i64,
    /// Period `t`.
    pub time: i64,
    /// Why it was left out.
    pub reason: String,
}

/// Wald pre-test of parallel trends: `W = n a' V⁻¹ a` over the pre-treatment cells (`g > t`)
/// with a finite standard error, `V = ψ'ψ / n`, and `p = P(χ²(q) > W)`.
///
/// As in moderndid, cells in the anticipation window count as pre-treatment cells.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaldPretest {
    /// The statistic `W`.
    pub statistic: f64,
    /// Degrees of freedom `q` (number of pre-treatment cells used).
    pub df: usize,
    /// Upper-tail χ²(q) probability of `W`.
    pub p_value: f64,
}

/// A dense `n_units x n_columns` matrix of influence functions, stored column by column.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct InfluenceMatrix {
    n_rows: usize,
    n_cols: usize,
    data: Vec<f64>,
}

impl InfluenceMatrix {
    /// A matrix from column-major data (`data.len() == n_rows * n_cols`).
    pub fn from_columns(n_rows: usize, n_cols: usize, data: Vec<f64>) -> Result<Self, DidError> {
        if data.len() != n_rows * n_cols {
            return Err(DidError::LengthMismatch {
                field: "influence matrix data",
                expected: n_rows * n_cols,
                got: data.len(),
            });
        }
        Ok(Self {
            n_rows,
            n_cols,
            data,
        })
    }

    /// Number of units (rows).
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of estimates (columns).
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// The influence function of estimate `j`, one value per unit.
    pub fn column(&self, j: usize) -> &[f64] {
        &self.data[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// All columns, column-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    fn push_column(&mut self, col: &[f64]) {
        debug_assert_eq!(col.len(), self.n_rows);
        self.data.extend_from_slice(col);
        self.n_cols += 1;
    }

    fn with_rows(n_rows: usize) -> Self {
        Self {
            n_rows,
            n_cols: 0,
            data: Vec::new(),
        }
    }
}

/// Result of [`att_gt`].
#[derive(Clone, Debug, Serialize)]
pub struct AttGtResult {
    /// The options used.
    pub options: AttGtOptions,
    /// Number of units after the drops described in the module documentation.
    pub n_units: usize,
    /// Periods used, ascending.
    pub time_periods: Vec<i64>,
    /// Treated cohorts, ascending.
    pub groups: Vec<i64>,
    /// The ATT(g,t) cells, ordered by group then time.
    pub cells: Vec<GroupTimeAtt>,
    /// Cells that could not be estimated.
    pub skipped: Vec<SkippedCell>,
    /// Wald pre-test; `None` when there is no usable pre-treatment cell or the covariance
    /// matrix is singular (the reason is in `notes`).
    pub wald_pretest: Option<WaldPretest>,
    /// Unit identifiers in the row order of the influence functions (cohort ascending with
    /// never-treated last, then identifier).
    pub unit_ids: Vec<i64>,
    /// Cohort of each unit in that order (`0` = never treated, including recoded cohorts).
    pub unit_cohorts: Vec<i64>,
    /// Normalised sampling weight of each unit in that order.
    pub unit_weights: Vec<f64>,
    /// Data handling notes (dropped units, recoded cohorts, skipped Wald test, ...).
    pub notes: Vec<String>,
    /// Influence functions, one column per cell.
    #[serde(skip)]
    pub influence: InfluenceMatrix,
}

/// Errors of the Callaway-Sant'Anna estimators.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DidError {
    /// Input slices of different lengths.
    #[error("{field} has {got} entries, expected {expected}")]
    LengthMismatch {
        /// Which input.
        field: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// No observations.
    #[error("the panel has no observations")]
    EmptyPanel,
    /// A missing or infinite outcome.
    #[error("outcome of unit {unit} at period {time} is missing or not finite")]
    NonFiniteOutcome {
        /// Unit.
        unit: i64,
        /// Period.
        time: i64,
    },
    /// A missing or infinite covariate.
    #[error("covariate {column} of unit {unit} at period {time} is missing or not finite")]
    NonFiniteCovariate {
        /// Covariate column (0-based).
        column: usize,
        /// Unit.
        unit: i64,
        /// Period.
        time: i64,
    },
    /// A negative, missing or infinite sampling weight, or weights summing to zero.
    #[error("sampling weight of unit {unit} is negative, missing or not finite (or all are 0)")]
    InvalidWeight {
        /// Unit.
        unit: i64,
    },
    /// [`FixWeights::BasePeriod`] or [`FixWeights::FirstPeriod`] on repeated cross-sections
    /// or an unbalanced panel, where a unit has no weight in the period the rule names.
    #[error(
        "fix_weights {rule} needs a balanced panel (each unit's weight in that period); \
         with repeated cross-sections or an unbalanced panel use varying or the default"
    )]
    FixWeightsNeedBalancedPanel {
        /// The rule asked for.
        rule: &'static str,
    },
    /// Cohort not constant within a unit.
    #[error("cohort (first treated period) of unit {unit} changes over time")]
    CohortVariesWithinUnit {
        /// Unit.
        unit: i64,
    },
    /// A unit observed twice in one period.
    #[error("unit {unit} is observed more than once in period {time}")]
    DuplicateObservation {
        /// Unit.
        unit: i64,
        /// Period.
        time: i64,
    },
    /// A unit not observed in every period.
    #[error("unbalanced panel: unit {unit} is observed in {observed} of {expected} periods")]
    UnbalancedPanel {
        /// Unit.
        unit: i64,
        /// Periods in which it is observed.
        observed: usize,
        /// Number of periods in the panel.
        expected: usize,
    },
    /// Fewer than two periods remain.
    #[error("at least two periods are needed, {periods} remain")]
    TooFewPeriods {
        /// Periods remaining.
        periods: usize,
    },
    /// No treated cohort remains.
    #[error("no treated cohort remains (cohorts must be first treated periods, 0 = never)")]
    NoTreatedGroups,
    /// The never-treated group is too small for never-treated comparisons.
    #[error(
        "never-treated group has {size} units, at least {required} needed; try not-yet-treated"
    )]
    NeverTreatedTooSmall {
        /// Units in the group.
        size: usize,
        /// Required (number of covariates + 5).
        required: usize,
    },
    /// No group-time cell could be estimated.
    #[error("no ATT(g,t) cell could be estimated")]
    NoEstimableCells,
    /// The aggregation has nothing to aggregate.
    #[error("{0}")]
    EmptyAggregation(String),
    /// An invalid option value.
    #[error("invalid option: {0}")]
    InvalidOption(String),
}
