//! Predictors (the rows of X1 and X0) and their diagonal weights V.
//!
//! The weight problem is `argmin_w (X1 - X0 w)' V (X1 - X0 w)` on the simplex. With
//! `scale_by_sd`, each predictor row is first divided by its standard deviation across the units
//! of the fit (the treated unit and its donors, `ddof = 1`), the convention of R `Synth` and
//! pysyncon (`Dataprep` + `Synth`), so that V weighs unit-free predictors. Each row is then
//! multiplied by `sqrt(v)`, which turns the weighted problem into the plain least squares
//! solved by [`super::simplex_ls`].

use std::ops::Range;

use serde::Serialize;

use super::{OutcomeMatrix, SynthError};

/// One predictor: a value for every unit of the panel and its weight in V.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predictor {
    /// Label (for reports only).
    pub name: String,
    /// Value for each unit, indexed like the rows of the [`OutcomeMatrix`].
    pub values: Vec<f64>,
    /// Diagonal element of V for this predictor (`>= 0`).
    pub v: f64,
}

impl Predictor {
    /// A covariate (e.g. a pre-period average of income), one value per unit.
    pub fn covariate(name: impl Into<String>, values: Vec<f64>, v: f64) -> Self {
        Self {
            name: name.into(),
            values,
            v,
        }
    }

    /// The outcome in one period (a "special predictor" such as ADH's cigsale 1975).
    ///
    /// # Errors
    /// [`SynthError::PeriodOutOfRange`] if `period >= n_periods`.
    pub fn outcome(m: &OutcomeMatrix, period: usize, v: f64) -> Result<Self, SynthError> {
        Self::outcome_mean(m, period..period + 1, v)
    }

    /// The mean outcome over `periods` (half-open column range).
    ///
    /// # Errors
    /// [`SynthError::PeriodOutOfRange`] if the range is empty or extends past the last period.
    pub fn outcome_mean(
        m: &OutcomeMatrix,
        periods: Range<usize>,
        v: f64,
    ) -> Result<Self, SynthError> {
        if periods.is_empty() || periods.end > m.n_periods() {
            return Err(SynthError::PeriodOutOfRange {
                period: periods.end.max(1) - 1,
                n_periods: m.n_periods(),
            });
        }
        let len = periods.len() as f64;
        let values = (0..m.n_units())
            .map(|u| m.unit_row(u)[periods.clone()].iter().sum::<f64>() / len)
            .collect();
        let name = format!("outcome mean periods {}..{}", periods.start, periods.end);
        Ok(Self { name, values, v })
    }
}

/// A predictor set with diagonal V: the SC-1 default is [`Predictors::pre_outcomes`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Predictors {
    /// The predictors (rows of X).
    pub rows: Vec<Predictor>,
    /// Divide each row by its cross-unit sd (treated + donors of the fit, `ddof = 1`) before
    /// applying V, as R `Synth` and pysyncon do.
    pub scale_by_sd: bool,
    /// `Some(periods)`: V is not given but searched, ADH's data-driven V minimising the mean
    /// squared outcome gap over these period indices (R's `time.optimize.ssr`; see
    /// `vsearch`), for every fit (placebos included); the rows' `v` are then ignored.
    pub search_v_over: Option<Vec<usize>>,
}

impl Predictors {
    /// SC-1: every pre-period outcome (`0..first_post`) as a predictor, `V = I`, no scaling.
    /// Extend `rows` with covariates to combine outcomes and covariates.
    ///
    /// # Errors
    /// [`SynthError::NoPrePeriod`] if `first_post` is 0, [`SynthError::PeriodOutOfRange`] if it
    /// is beyond the panel.
    pub fn pre_outcomes(m: &OutcomeMatrix, first_post: usize) -> Result<Self, SynthError> {
        if first_post == 0 {
            return Err(SynthError::NoPrePeriod);
        }
        let rows = (0..first_post)
            .map(|t| Predictor::outcome(m, t, 1.0))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            rows,
            scale_by_sd: false,
            search_v_over: None,
        })
    }

    /// The V-weighted loss `(X1 - X0 w)' V (X1 - X0 w)` of arbitrary `weights` (aligned with
    /// `donors`, not necessarily on the simplex), in the sd-scaled space when `scale_by_sd`.
    /// pysyncon's `loss_W` is `(loss(w) - loss(0)) / 2`.
    ///
    /// # Errors
    /// Invalid predictors (as for [`super::ScSpec::validate`]),
    /// [`SynthError::UnitOutOfRange`] for a bad index, [`SynthError::DimensionMismatch`] if
    /// `weights` and `donors` differ in length.
    pub fn loss(
        &self,
        treated: usize,
        donors: &[usize],
        weights: &[f64],
    ) -> Result<f64, SynthError> {
        let n_units = self.rows.first().map_or(0, |p| p.values.len());
        self.validate(n_units)?;
        if let Some(&bad) = std::iter::once(&treated)
            .chain(donors)
            .find(|&&u| u >= n_units)
        {
            return Err(SynthError::UnitOutOfRange {
                index: bad,
                n_units,
            });
        }
        if weights.len() != donors.len() {
            return Err(SynthError::DimensionMismatch {
                what: "weights (one per donor)",
                expected: donors.len(),
                got: weights.len(),
            });
        }
        let (columns, target) = self.design(treated, donors)?;
        Ok(target
            .iter()
            .enumerate()
            .map(|(i, y)| {
                (y - columns
                    .iter()
                    .zip(weights)
                    .map(|(c, w)| c[i] * w)
                    .sum::<f64>())
                .powi(2)
            })
            .sum())
    }

    /// Checks lengths, finiteness and the weights V against a panel of `n_units` units.
    pub(crate) fn validate(&self, n_units: usize) -> Result<(), SynthError> {
        if self.rows.is_empty() {
            return Err(SynthError::NoPredictors);
        }
        for (row, p) in self.rows.iter().enumerate() {
            if p.values.len() != n_units {
                return Err(SynthError::DimensionMismatch {
                    what: "predictor values (one per unit)",
                    expected: n_units,
                    got: p.values.len(),
                });
            }
            if let Some(unit) = p.values.iter().position(|v| !v.is_finite()) {
                return Err(SynthError::NonFinitePredictor { row, unit });
            }
            if !(p.v.is_finite() && p.v >= 0.0) {
                return Err(SynthError::InvalidPredictorWeight { row, value: p.v });
            }
        }
        if self.search_v_over.is_none() && self.rows.iter().all(|p| p.v == 0.0) {
            return Err(SynthError::AllPredictorWeightsZero);
        }
        Ok(())
    }

    /// The same predictors with the diagonal `v` (one per row).
    pub(crate) fn with_v(&self, v: &[f64]) -> Self {
        let mut out = self.clone();
        out.rows.iter_mut().zip(v).for_each(|(row, v)| row.v = *v);
        out
    }

    /// The diagonal of V scaled to sum to one, as pysyncon and R `Synth` report it.
    pub(crate) fn normalised_v(&self) -> Vec<f64> {
        let total: f64 = self.rows.iter().map(|p| p.v).sum();
        self.rows.iter().map(|p| p.v / total).collect()
    }

    /// Weighted (and optionally sd-scaled) predictors of one fit: `(donor columns, target)`.
    pub(crate) fn design(&self, treated: usize, donors: &[usize]) -> Result<Design, SynthError> {
        let mut columns = vec![Vec::with_capacity(self.rows.len()); donors.len()];
        let mut target = Vec::with_capacity(self.rows.len());
        for (row, p) in self.rows.iter().enumerate().filter(|(_, p)| p.v > 0.0) {
            let factor = p.v.sqrt() / self.row_scale(row, p, treated, donors)?;
            target.push(p.values[treated] * factor);
            for (col, &d) in columns.iter_mut().zip(donors) {
                col.push(p.values[d] * factor);
            }
        }
        Ok((columns, target))
    }

    fn row_scale(
        &self,
        row: usize,
        p: &Predictor,
        treated: usize,
        donors: &[usize],
    ) -> Result<f64, SynthError> {
        if !self.scale_by_sd {
            return Ok(1.0);
        }
        let vals: Vec<f64> = std::iter::once(treated)
            .chain(donors.iter().copied())
            .map(|u| p.values[u])
            .collect();
        let sd = sample_sd(&vals);
        if sd > 0.0 && sd.is_finite() {
            Ok(sd)
        } else {
            Err(SynthError::ConstantPredictor { row })
        }
    }
}

/// Donor columns and treated target of the weight problem.
pub(crate) type Design = (Vec<Vec<f64>>, Vec<f64>);

/// SC-1 design without building a [`Predictors`]: the raw pre-period outcomes.
pub(crate) fn pre_outcome_design(
    m: &OutcomeMatrix,
    treated: usize,
    donors: &[usize],
    first_post: usize,
) -> Design {
    let columns = donors
        .iter()
        .map(|&d| m.unit_row(d)[..first_post].to_vec())
        .collect();
    (columns, m.unit_row(treated)[..first_post].to_vec())
}

/// Sample standard deviation (`ddof = 1`); 0 for fewer than two values.
fn sample_sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let mean = x.iter().sum::<f64>() / x.len() as f64;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}
