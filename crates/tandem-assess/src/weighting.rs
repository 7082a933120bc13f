//! How a scheme sets its indicators' points: fixed by the province (each indicator's
//! `weight`), or by a method over `points` in all:
//!
//! | method | points of indicator j | reference |
//! |---|---|---|
//! | `fixed` (default) | its `weight` | the scheme |
//! | `ahp` | `points · w_j`, `w` the principal eigenvector of the pairwise matrix; refused when `CR ≥ 0.1` | Saaty (1980); [`tandem_core::metrics::composite::ahp`] |
//! | `entropy` | `points · w_j`, `w` the entropy weights of the run's indicator values over the scored units with every value | Shannon (1948), Zeleny (1982); [`tandem_core::metrics::composite::entropy_weights`] |
//!
//! Entropy weights depend on the units assessed, so the run keeps the weights it used
//! ([`crate::Assessment::weights`]): a later run with other units can weigh differently, and
//! the stored run is what was published.

use serde::{Deserialize, Serialize};
use tandem_core::metrics::composite::{
    ahp, entropy_weights, AhpResult, Direction, CONSISTENCY_RATIO_LIMIT,
};
use tandem_core::metrics::MetricError;

/// A `[weighting]` field that breaks a rule (the scheme reports it as a field error).
#[derive(Clone, Debug, PartialEq)]
pub struct WeightingFault {
    /// The field's path (`weighting.matrix`, `indicators[0].weight`).
    pub field: String,
    /// What is wrong and what it must be.
    pub rule: String,
}

impl WeightingFault {
    fn new(field: impl Into<String>, rule: impl Into<String>) -> WeightingFault {
        WeightingFault {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

/// The weighting method of a scheme (`[weighting]` in the TOML).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Weighting {
    /// Each indicator's `weight`.
    #[default]
    Fixed,
    /// AHP priorities of a pairwise comparison matrix, times `points`.
    Ahp {
        /// The points the weights sum to (100 for a 100-point scale).
        points: f64,
        /// Rows in indicator order; `matrix[i][j]` is how much more important indicator i is
        /// than j on Saaty's 1-9 scale, `matrix[j][i] = 1 / matrix[i][j]`.
        matrix: Vec<Vec<f64>>,
    },
    /// Entropy weights of the run's indicator values, times `points`.
    Entropy {
        /// The points the weights sum to.
        points: f64,
    },
}

impl Weighting {
    /// Checks the method against the indicators' fixed `weights`; for AHP also the matrix's
    /// consistency.
    pub(crate) fn check(&self, weights: &[f64]) -> Result<(), WeightingFault> {
        let points = match self {
            Weighting::Fixed => return Ok(()),
            Weighting::Ahp { points, .. } | Weighting::Entropy { points } => *points,
        };
        if !(points.is_finite() && points > 0.0) {
            return Err(WeightingFault::new(
                "weighting.points",
                "must be a number above 0, e.g. 100",
            ));
        }
        if let Some(i) = weights.iter().position(|w| *w != 0.0) {
            return Err(WeightingFault::new(
                format!("indicators[{i}].weight"),
                "the weighting method sets the points: remove the indicators' weights",
            ));
        }
        if let Weighting::Ahp { matrix, .. } = self {
            ahp_weights(matrix, weights.len())?;
        }
        Ok(())
    }

    /// The points of each indicator (their fixed `weights` and `directions` given) for a run
    /// whose eligible units have these indicator `values` (rows of units, `None` where
    /// missing), and a note saying how they were set.
    ///
    /// # Errors
    /// For entropy, [`MetricError`] when fewer than two units have every value or no
    /// indicator varies.
    pub(crate) fn points(
        &self,
        weights: &[f64],
        directions: &[Direction],
        values: &[Vec<Option<f64>>],
    ) -> Result<(Vec<f64>, Option<String>), MetricError> {
        match self {
            Weighting::Fixed => Ok((weights.to_vec(), None)),
            Weighting::Ahp { points, matrix } => {
                // Scheme::parse refused an inconsistent matrix; a scheme built in code is
                // taken as it is, its shape still checked.
                let n = weights.len();
                if matrix.len() != n || matrix.iter().any(|r| r.len() != n) {
                    return Err(MetricError::Shape {
                        what: "weighting.matrix (rows of one number per indicator)".into(),
                        expected: n,
                        got: matrix.len(),
                    });
                }
                let flat: Vec<f64> = matrix.iter().flatten().copied().collect();
                let r = ahp(&flat)?;
                let note = ahp_note(&r);
                Ok((r.weights.iter().map(|w| w * points).collect(), Some(note)))
            }
            Weighting::Entropy { points } => {
                let complete: Vec<&Vec<Option<f64>>> = values
                    .iter()
                    .filter(|r| r.iter().all(Option::is_some))
                    .collect();
                let matrix: Vec<f64> = complete
                    .iter()
                    .flat_map(|r| r.iter().flatten().copied())
                    .collect();
                let w = entropy_weights(&matrix, directions)?;
                let note = format!(
                    "entropy weights over the {} eligible units with every indicator value ({} left out)",
                    complete.len(),
                    values.len() - complete.len()
                );
                Ok((w.iter().map(|w| w * points).collect(), Some(note)))
            }
        }
    }
}

/// AHP priorities of `matrix` (n rows of n) and a note with λ_max and CR; refused when the
/// shape is wrong or CR ≥ 0.1.
fn ahp_weights(matrix: &[Vec<f64>], n: usize) -> Result<(Vec<f64>, String), WeightingFault> {
    if matrix.len() != n || matrix.iter().any(|r| r.len() != n) {
        return Err(WeightingFault::new(
            "weighting.matrix",
            format!("one row of {n} numbers per indicator ({n} rows), in indicator order"),
        ));
    }
    let flat: Vec<f64> = matrix.iter().flatten().copied().collect();
    let r = ahp(&flat).map_err(|e| WeightingFault::new("weighting.matrix", e.to_string()))?;
    if !r.is_consistent() {
        return Err(WeightingFault::new(
            "weighting.matrix",
            format!(
                "inconsistent judgements: CR = {:.3} (must be below {CONSISTENCY_RATIO_LIMIT}); revise the comparisons",
                r.consistency_ratio.unwrap_or(f64::NAN)
            ),
        ));
    }
    let note = ahp_note(&r);
    Ok((r.weights, note))
}

fn ahp_note(r: &AhpResult) -> String {
    let cr = r
        .consistency_ratio
        .map_or("not defined for n <= 2".to_string(), |c| format!("{c:.4}"));
    format!("AHP weights: lambda_max {:.4}, CR {cr}", r.lambda_max)
}
