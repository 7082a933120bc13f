//! Two-way fixed effects (TWFE), its event-study form, and the Goodman-Bacon (2021)
//! decomposition of the static TWFE coefficient into 2x2 difference-in-differences.
//!
//! # Model
//! On a long panel of units `i` and periods `t`,
//!
//! ```text
//! y_it = α_i + λ_t + Σ_j β_j x_jit + ε_it
//! ```
//!
//! is estimated by the within transformation (Frisch-Waugh-Lovell): every variable is
//! projected off the unit and period dummies, then `β = (X̃'X̃)⁻¹ X̃'ỹ`. The projection is
//! computed **exactly** (no iterative demeaning tolerance), for balanced and unbalanced
//! panels alike: `M v = v̌ - Z̃ (Z̃'Z̃)⁻¹ Z̃'v̌`, where `v̌` is `v` minus its unit mean and `Z̃` are
//! the unit-demeaned dummies of periods 2..T. `Z̃'Z̃ = diag(n_t) - Σ_i c_i c_i'/T_i`
//! (`c_i` the indicator of the periods unit `i` is observed in) is a `(T-1)×(T-1)` matrix,
//! factored once by Cholesky. On a balanced panel this is the familiar
//! `v_it - v̄_i - v̄_t + v̄`.
//!
//! Unbalanced panels are supported as long as the unit-period graph is connected (otherwise
//! the fixed effects have more than one redundancy and the error
//! [`TwfeError::DisconnectedPanel`] is returned). Singletons (units seen once) are kept,
//! as in fixest/pyfixest with `fixef_rm = "none"`: they have zero residual but count in `N` and
//! in the number of fixed effects.
//!
//! # Standard errors (pyfixest 0.60 / fixest small-sample conventions, `ssc()` defaults)
//! With `k` slope coefficients, `U` units, `T` periods, `N` observations, `u` the residuals
//! and `B = (X̃'X̃)⁻¹`:
//! * `df_k = k + U + T - 1` (fixed effects counted, one redundancy removed: `k_fixef =
//!   "nonnested"` with nothing nested).
//! * **iid**: `V = B · Σu² / (N - df_k)`.
//! * **HC1** (`"hetero"`): `V = N/(N - df_k) · B (Σ_r u_r² x̃_r x̃_r') B`.
//! * **CRV1** (one-way clustering): `V = G/(G-1) · (N-1)/(N - df_k^c) · B (Σ_g s_g s_g') B`
//!   with `s_g = Σ_{r∈g} x̃_r u_r` and `df_k^c = df_k - Σ_{FE nested in clusters} levels +
//!   #(FE nested in clusters)`. Clustering by unit nests the unit effects, so
//!   `df_k^c = k + T`. A fixed effect is "nested" when each of its levels lies in a single
//!   cluster.
//!
//! References: Correia (2016) and Gaure (2013) on the within transformation; Bergé (2018),
//! fixest `ssc()` and pyfixest 0.60 `get_ssc` for the small-sample factors. Golden tests:
//! `tests/golden/outputs/twfe_*.csv` (pyfixest; linearmodels agrees on iid and HC1).
//!
//! # Missing values
//! Non-finite outcomes or regressors are an error ([`TwfeError::NonFinite`]), never a zero:
//! filter the rows first.

mod bacon;
mod event;
mod ols;
mod panel;
mod within;

pub use bacon::{
    bacon_decomposition, BaconComparison, BaconDecomposition, BaconPair, BaconTypeSummary, Cohort,
    ComparisonKind, PairKind,
};
pub use event::{twfe_event_study, EventStudyFit};

use serde::Serialize;

/// A long-format panel: row `r` is unit `unit[r]` observed in period `time[r]` with outcome
/// `outcome[r]`. Labels are plain integers (map names to integers first); periods are ordered by
/// their integer value.
#[derive(Debug, Clone, Copy)]
pub struct Panel<'a> {
    /// Unit identifier of each row.
    pub unit: &'a [i64],
    /// Period of each row (e.g. the year).
    pub time: &'a [i64],
    /// Outcome of each row.
    pub outcome: &'a [f64],
}

/// A named regressor column (one value per panel row).
#[derive(Debug, Clone, Copy)]
pub struct Regressor<'a> {
    /// Coefficient name in the output.
    pub name: &'a str,
    /// One value per row.
    pub values: &'a [f64],
}

/// What is wrong with the input to a TWFE or Bacon computation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TwfeError {
    /// An input column does not have one entry per panel row.
    #[error("column `{column}` has {got} entries, expected {expected} (one per row)")]
    LengthMismatch {
        /// Column name.
        column: String,
        /// Number of panel rows.
        expected: usize,
        /// Entries supplied.
        got: usize,
    },
    /// A value is NaN or infinite (missing values are never treated as zero).
    #[error("column `{column}` is missing or non-finite at row {row}")]
    NonFinite {
        /// Column name.
        column: String,
        /// Row index.
        row: usize,
    },
    /// The same (unit, period) appears twice.
    #[error("unit {unit} appears twice in period {time}")]
    DuplicateObservation {
        /// Unit id.
        unit: i64,
        /// Period.
        time: i64,
    },
    /// Fewer than two units or two periods.
    #[error("need at least 2 units and 2 periods, got {units} units and {periods} periods")]
    TooSmall {
        /// Distinct units.
        units: usize,
        /// Distinct periods.
        periods: usize,
    },
    /// The unit-period graph has several connected components, so the fixed effects are not
    /// identified up to a single normalisation.
    #[error("units and periods form {components} disconnected groups; fit each separately")]
    DisconnectedPanel {
        /// Number of connected components.
        components: usize,
    },
    /// A regressor is constant within units and periods (absorbed by the fixed effects), or
    /// the regressors are collinear.
    #[error("regressor `{name}` is absorbed by the fixed effects or collinear with the others")]
    SingularDesign {
        /// The offending regressor.
        name: String,
    },
    /// No regressor was given.
    #[error("at least one regressor is needed")]
    NoRegressors,
    /// Not enough observations for the residual degrees of freedom.
    #[error("{nobs} observations leave no residual degrees of freedom for {params} parameters")]
    NoDegreesOfFreedom {
        /// Observations.
        nobs: usize,
        /// Parameters including fixed effects.
        params: usize,
    },
    /// Clustered standard errors need at least two clusters.
    #[error("clustered standard errors need at least 2 clusters, got {clusters}")]
    TooFewClusters {
        /// Number of clusters.
        clusters: usize,
    },
    /// The first treatment period differs between rows of one unit.
    #[error("unit {unit} has more than one first-treatment period")]
    InconsistentCohort {
        /// Unit id.
        unit: i64,
    },
    /// No relative-time dummy is left after removing the reference periods.
    #[error("no treated unit is observed outside the reference periods")]
    NoEventTimes,
    /// The Bacon decomposition needs a balanced panel.
    #[error("the Bacon decomposition needs a balanced panel: {units} units x {periods} periods but {nobs} rows")]
    UnbalancedPanel {
        /// Units.
        units: usize,
        /// Periods.
        periods: usize,
        /// Rows.
        nobs: usize,
    },
    /// The treatment must be 0 or 1.
    #[error("treatment must be 0 or 1, got {value} at row {row}")]
    NonBinaryTreatment {
        /// Row index.
        row: usize,
        /// Value found.
        value: f64,
    },
    /// The treatment switches off for a unit (the decomposition assumes absorbing treatment).
    #[error("treatment of unit {unit} switches from 1 back to 0")]
    NotAbsorbing {
        /// Unit id.
        unit: i64,
    },
}

/// One estimated slope with its three standard errors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Coefficient {
    /// Regressor name.
    pub name: String,
    /// Point estimate.
    pub estimate: f64,
    /// Homoskedastic standard error.
    pub se_iid: f64,
    /// Heteroskedasticity-robust (HC1) standard error.
    pub se_hc1: f64,
    /// Cluster-robust (CRV1) standard error.
    pub se_cluster: f64,
}

/// A fitted TWFE regression.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwfeFit {
    /// Slopes in the order of the regressors.
    pub coefficients: Vec<Coefficient>,
    /// iid covariance matrix (row-major, `k×k`).
    pub vcov_iid: Vec<Vec<f64>>,
    /// HC1 covariance matrix.
    pub vcov_hc1: Vec<Vec<f64>>,
    /// CRV1 covariance matrix.
    pub vcov_cluster: Vec<Vec<f64>>,
    /// Observations `N`.
    pub nobs: usize,
    /// Distinct units `U`.
    pub n_units: usize,
    /// Distinct periods `T`.
    pub n_periods: usize,
    /// Distinct clusters `G`.
    pub n_clusters: usize,
    /// Residual sum of squares.
    pub rss: f64,
    /// Parameters counted for iid/HC1: `k + U + T - 1`.
    pub df_k: usize,
    /// Parameters counted for CRV1 (nested fixed effects removed).
    pub df_k_cluster: usize,
}

impl TwfeFit {
    /// The coefficient called `name`, if any.
    pub fn coefficient(&self, name: &str) -> Option<&Coefficient> {
        self.coefficients.iter().find(|c| c.name == name)
    }
}

/// TWFE regression of `panel.outcome` on `regressors` with unit and period fixed effects.
///
/// Standard errors as in the module docs; `cluster` gives one cluster id per row, `None`
/// clusters by unit. Errors: mismatched lengths, non-finite values, duplicate unit-periods,
/// fewer than 2 units or periods, a disconnected panel, no regressor, a regressor absorbed by
/// the fixed effects (or collinear with the others: it is reported, never silently dropped as
/// fixest does), no residual degrees of freedom, fewer than 2 clusters.
pub fn twfe_regression(
    panel: &Panel,
    regressors: &[Regressor],
    cluster: Option<&[i64]>,
) -> Result<TwfeFit, TwfeError> {
    if regressors.is_empty() {
        return Err(TwfeError::NoRegressors);
    }
    let index = panel::PanelIndex::build(panel)?;
    let projector = within::Within::new(&index)?;
    let columns = regressor_columns(&index, regressors)?;
    let clusters = cluster_ids(&index, cluster)?;
    let design = ols::Design {
        names: regressors.iter().map(|r| r.name.to_string()).collect(),
        x: columns.iter().map(|c| projector.apply(c)).collect(),
        y: projector.apply(panel.outcome),
        raw_scale: columns.iter().map(|c| sum_sq(c)).collect(),
    };
    ols::fit(&design, &index, &clusters)
}

/// The static TWFE difference-in-differences `y_it = α_i + λ_t + β D_it + ε_it`, standard errors
/// clustered by unit (pyfixest `feols("y ~ D | unit + time")`).
///
/// With staggered adoption `β` is the variance-weighted average of all 2x2 comparisons
/// ([`bacon_decomposition`]), including "forbidden" comparisons of later- against earlier-treated
/// units. Errors as in [`twfe_regression`].
pub fn twfe_static(panel: &Panel, treatment: &[f64]) -> Result<TwfeFit, TwfeError> {
    let d = Regressor {
        name: "D",
        values: treatment,
    };
    twfe_regression(panel, &[d], None)
}

fn regressor_columns(
    index: &panel::PanelIndex,
    regressors: &[Regressor],
) -> Result<Vec<Vec<f64>>, TwfeError> {
    regressors
        .iter()
        .map(|r| {
            panel::check_column(r.name, r.values, index.nobs())?;
            Ok(r.values.to_vec())
        })
        .collect()
}

/// Dense cluster indices (0..G) for each row.
fn cluster_ids(
    index: &panel::PanelIndex,
    cluster: Option<&[i64]>,
) -> Result<Vec<usize>, TwfeError> {
    match cluster {
        None => Ok(index.unit_idx.clone()),
        Some(ids) => {
            if ids.len() != index.nobs() {
                return Err(TwfeError::LengthMismatch {
                    column: "cluster".into(),
                    expected: index.nobs(),
                    got: ids.len(),
                });
            }
            let (dense, _) = panel::dense_ids(ids);
            Ok(dense)
        }
    }
}

fn sum_sq(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum()
}
