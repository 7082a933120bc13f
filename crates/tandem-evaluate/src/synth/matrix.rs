//! The units x periods outcome matrix used by the synthetic-control estimators, and its
//! construction from long-format arrays.

use std::collections::HashMap;

use serde::Serialize;

use super::SynthError;

/// A balanced outcome panel: `n_units` rows (units) by `n_periods` columns (periods, in time
/// order), stored row-major. Every cell is finite: missing outcomes are rejected, never zero.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeMatrix {
    values: Vec<f64>,
    n_units: usize,
    n_periods: usize,
}

impl OutcomeMatrix {
    /// Builds the matrix from row-major `values` (`values[u * n_periods + t]`).
    ///
    /// # Errors
    /// [`SynthError::EmptyPanel`] if there are no units or periods,
    /// [`SynthError::DimensionMismatch`] if `values.len() != n_units * n_periods`,
    /// [`SynthError::NonFiniteOutcome`] for a NaN or infinite outcome.
    pub fn new(values: Vec<f64>, n_units: usize, n_periods: usize) -> Result<Self, SynthError> {
        if n_units == 0 || n_periods == 0 {
            return Err(SynthError::EmptyPanel);
        }
        if values.len() != n_units * n_periods {
            return Err(SynthError::DimensionMismatch {
                what: "outcome matrix values (n_units x n_periods)",
                expected: n_units * n_periods,
                got: values.len(),
            });
        }
        if let Some(p) = values.iter().position(|v| !v.is_finite()) {
            return Err(SynthError::NonFiniteOutcome {
                unit: p / n_periods,
                period: p % n_periods,
            });
        }
        Ok(Self {
            values,
            n_units,
            n_periods,
        })
    }

    /// Builds the matrix from one row per unit (all rows the same length).
    ///
    /// # Errors
    /// As [`OutcomeMatrix::new`]; a ragged row is a [`SynthError::DimensionMismatch`].
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, SynthError> {
        let n_periods = rows.first().map_or(0, Vec::len);
        if let Some(bad) = rows.iter().find(|r| r.len() != n_periods) {
            return Err(SynthError::DimensionMismatch {
                what: "outcome row (periods per unit)",
                expected: n_periods,
                got: bad.len(),
            });
        }
        Self::new(rows.concat(), rows.len(), n_periods)
    }

    /// Number of units (rows).
    pub fn n_units(&self) -> usize {
        self.n_units
    }

    /// Number of periods (columns).
    pub fn n_periods(&self) -> usize {
        self.n_periods
    }

    /// The outcomes of `unit` over all periods (`None` if `unit >= n_units`).
    pub fn row(&self, unit: usize) -> Option<&[f64]> {
        (unit < self.n_units).then(|| self.unit_row(unit))
    }

    /// The outcome of `unit` in `period` (`None` if either index is out of range).
    pub fn get(&self, unit: usize, period: usize) -> Option<f64> {
        self.row(unit).and_then(|r| r.get(period).copied())
    }

    /// Row of a unit index already validated by the caller.
    pub(crate) fn unit_row(&self, unit: usize) -> &[f64] {
        &self.values[unit * self.n_periods..(unit + 1) * self.n_periods]
    }
}

/// A wide panel built from long-format data, with the unit and period labels of its rows and
/// columns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WidePanel {
    /// Units in order of first appearance in the long data; periods ascending.
    pub matrix: OutcomeMatrix,
    /// Unit label of each row.
    pub units: Vec<String>,
    /// Period of each column, ascending.
    pub periods: Vec<i64>,
}

impl WidePanel {
    /// Row index of the unit labelled `name`, if present.
    pub fn unit_index(&self, name: &str) -> Option<usize> {
        self.units.iter().position(|u| u == name)
    }

    /// Column index of `period`, if present.
    pub fn period_index(&self, period: i64) -> Option<usize> {
        self.periods.iter().position(|&p| p == period)
    }
}

/// Pivots long-format `(unit, period, outcome)` triples into a balanced [`WidePanel`]: rows in
/// order of first appearance of the unit, columns in ascending period order.
///
/// # Errors
/// [`SynthError::DimensionMismatch`] if the three slices differ in length,
/// [`SynthError::EmptyPanel`] for no rows, [`SynthError::DuplicateCell`] for a repeated
/// (unit, period), [`SynthError::MissingCell`] if some unit lacks some period (the panel must be
/// balanced; nothing is imputed), [`SynthError::NonFiniteOutcome`] for NaN/infinite outcomes.
pub fn pivot_long<S: AsRef<str>>(
    units: &[S],
    periods: &[i64],
    outcomes: &[f64],
) -> Result<WidePanel, SynthError> {
    check_lengths(units.len(), periods.len(), outcomes.len())?;
    let mut unit_labels: Vec<String> = Vec::new();
    let mut unit_pos: HashMap<&str, usize> = HashMap::new();
    for u in units {
        let u = u.as_ref();
        if !unit_pos.contains_key(u) {
            unit_pos.insert(u, unit_labels.len());
            unit_labels.push(u.to_string());
        }
    }
    let mut period_labels = periods.to_vec();
    period_labels.sort_unstable();
    period_labels.dedup();
    let (n, t) = (unit_labels.len(), period_labels.len());
    let mut cells: Vec<Option<f64>> = vec![None; n * t];
    for ((u, p), y) in units.iter().zip(periods).zip(outcomes) {
        let r = unit_pos[u.as_ref()];
        let c = period_labels.binary_search(p).unwrap_or_default();
        let cell = &mut cells[r * t + c];
        if cell.is_some() {
            return Err(SynthError::DuplicateCell {
                unit: u.as_ref().to_string(),
                period: *p,
            });
        }
        *cell = Some(*y);
    }
    let values = fill_cells(&cells, &unit_labels, &period_labels)?;
    let matrix = OutcomeMatrix::new(values, n, t)?;
    Ok(WidePanel {
        matrix,
        units: unit_labels,
        periods: period_labels,
    })
}

fn check_lengths(units: usize, periods: usize, outcomes: usize) -> Result<(), SynthError> {
    for (what, got) in [
        ("periods (long format)", periods),
        ("outcomes (long format)", outcomes),
    ] {
        if got != units {
            return Err(SynthError::DimensionMismatch {
                what,
                expected: units,
                got,
            });
        }
    }
    if units == 0 {
        return Err(SynthError::EmptyPanel);
    }
    Ok(())
}

fn fill_cells(
    cells: &[Option<f64>],
    units: &[String],
    periods: &[i64],
) -> Result<Vec<f64>, SynthError> {
    let t = periods.len();
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            c.ok_or_else(|| SynthError::MissingCell {
                unit: units[i / t].clone(),
                period: periods[i % t],
            })
        })
        .collect()
}
