//! The block panel synthdid works on: an N x T outcome matrix, controls first, pre periods first.

use std::collections::HashMap;

use super::matrix::Mat;
use super::SdidError;

/// A balanced panel with simultaneous adoption, in synthdid's matrix form: rows `0..n0` are the
/// never-treated (control) units, rows `n0..` the treated ones; columns `0..t0` are the periods
/// before treatment, columns `t0..` the treated periods.
#[derive(Debug, Clone, PartialEq)]
pub struct SdidPanel {
    /// Unit labels in row order (controls first).
    pub units: Vec<String>,
    /// Period labels in column order (ascending).
    pub times: Vec<i64>,
    /// Number of control units N0.
    pub n0: usize,
    /// Number of pre-treatment periods T0.
    pub t0: usize,
    pub(crate) y: Mat,
}

impl SdidPanel {
    /// A panel from a row-major `n_units x n_periods` outcome matrix whose first `n0` rows are
    /// the controls and first `t0` columns the pre-treatment periods. Units are labelled
    /// `"1".."N"` and periods `1..T`, as synthdid does for a bare matrix.
    ///
    /// Errors: a length that is not `n_units * n_periods`, no control or no treated unit,
    /// no pre or no post period, or a non-finite outcome (missing values are never imputed).
    pub fn from_matrix(
        y: &[f64],
        n_units: usize,
        n_periods: usize,
        n0: usize,
        t0: usize,
    ) -> Result<Self, SdidError> {
        if y.len() != n_units * n_periods {
            return Err(SdidError::DimensionMismatch {
                expected: n_units * n_periods,
                got: y.len(),
            });
        }
        let units = (1..=n_units).map(|i| i.to_string()).collect();
        let times = (1..=n_periods as i64).collect();
        let panel = Self {
            units,
            times,
            n0,
            t0,
            y: Mat::new(n_units, n_periods, y.to_vec()),
        };
        panel.validate()?;
        Ok(panel)
    }

    /// A panel from long-format columns (one entry per unit-period), as synthdid's
    /// `panel.matrices`: units sorted by label and then the treated moved last (stable), periods
    /// ascending, `t0` = the number of periods before the first treated one.
    ///
    /// Errors: columns of different lengths, a duplicated or a missing unit-period cell (the
    /// panel must be balanced), no variation in treatment, treatment that does not start in the
    /// same period for every treated unit and stay on, or a non-finite outcome.
    pub fn from_long<S: AsRef<str>>(
        units: &[S],
        times: &[i64],
        outcomes: &[f64],
        treated: &[bool],
    ) -> Result<Self, SdidError> {
        let n = units.len();
        if times.len() != n || outcomes.len() != n || treated.len() != n {
            return Err(SdidError::LengthMismatch);
        }
        let grid = LongGrid::build(units, times)?;
        let (y, w) = grid.fill(units, times, outcomes, treated)?;
        let (order, n0, t0) = block_order(&grid, &w)?;
        let nt = grid.times.len();
        let data = order
            .iter()
            .flat_map(|&r| y[r * nt..(r + 1) * nt].to_vec())
            .collect();
        let panel = Self {
            units: order.iter().map(|&r| grid.units[r].clone()).collect(),
            times: grid.times,
            n0,
            t0,
            y: Mat::new(order.len(), nt, data),
        };
        panel.validate()?;
        Ok(panel)
    }

    /// Number of units N.
    pub fn n_units(&self) -> usize {
        self.y.rows
    }

    /// Number of periods T.
    pub fn n_periods(&self) -> usize {
        self.y.cols
    }

    /// The outcome of row `unit`, column `period`.
    pub fn outcome(&self, unit: usize, period: usize) -> f64 {
        self.y.at(unit, period)
    }

    fn validate(&self) -> Result<(), SdidError> {
        let (n, t) = (self.y.rows, self.y.cols);
        if self.n0 == 0 {
            return Err(SdidError::NoControlUnits);
        }
        if self.n0 >= n {
            return Err(SdidError::NoTreatedUnits);
        }
        if self.t0 == 0 {
            return Err(SdidError::NoPrePeriods);
        }
        if self.t0 >= t {
            return Err(SdidError::NoPostPeriods);
        }
        if let Some(k) = self.y.data.iter().position(|v| !v.is_finite()) {
            return Err(SdidError::NonFiniteOutcome {
                unit: self.units[k / t].clone(),
                time: self.times[k % t],
            });
        }
        Ok(())
    }
}

/// Sorted unit labels and periods of a long panel, with their positions.
struct LongGrid {
    units: Vec<String>,
    times: Vec<i64>,
    unit_pos: HashMap<String, usize>,
    time_pos: HashMap<i64, usize>,
}

impl LongGrid {
    fn build<S: AsRef<str>>(units: &[S], times: &[i64]) -> Result<Self, SdidError> {
        let mut u: Vec<String> = units.iter().map(|s| s.as_ref().to_string()).collect();
        u.sort();
        u.dedup();
        let mut t = times.to_vec();
        t.sort_unstable();
        t.dedup();
        if u.is_empty() {
            return Err(SdidError::NoControlUnits);
        }
        let unit_pos = u.iter().enumerate().map(|(i, s)| (s.clone(), i)).collect();
        let time_pos = t.iter().enumerate().map(|(i, &s)| (s, i)).collect();
        Ok(Self {
            units: u,
            times: t,
            unit_pos,
            time_pos,
        })
    }

    /// Outcome and treatment matrices (units x periods, sorted order), every cell exactly once.
    fn fill<S: AsRef<str>>(
        &self,
        units: &[S],
        times: &[i64],
        outcomes: &[f64],
        treated: &[bool],
    ) -> Result<(Vec<f64>, Vec<bool>), SdidError> {
        let nt = self.times.len();
        let cells = self.units.len() * nt;
        let mut y = vec![f64::NAN; cells];
        let mut w = vec![false; cells];
        let mut seen = vec![false; cells];
        for k in 0..units.len() {
            let r = self.unit_pos[units[k].as_ref()];
            let c = self.time_pos[&times[k]];
            let cell = r * nt + c;
            if seen[cell] {
                return Err(SdidError::DuplicateCell {
                    unit: self.units[r].clone(),
                    time: times[k],
                });
            }
            seen[cell] = true;
            y[cell] = outcomes[k];
            w[cell] = treated[k];
        }
        if let Some(cell) = seen.iter().position(|s| !s) {
            return Err(SdidError::MissingCell {
                unit: self.units[cell / nt].clone(),
                time: self.times[cell % nt],
            });
        }
        Ok((y, w))
    }
}

/// Row order (controls, then treated, each in label order), N0 and T0 from the treatment
/// matrix, checking simultaneous adoption.
fn block_order(grid: &LongGrid, w: &[bool]) -> Result<(Vec<usize>, usize, usize), SdidError> {
    let nt = grid.times.len();
    let nu = grid.units.len();
    let ever: Vec<bool> = (0..nu)
        .map(|r| w[r * nt..(r + 1) * nt].iter().any(|&x| x))
        .collect();
    let t0 = (0..nt)
        .find(|&c| (0..nu).any(|r| w[r * nt + c]))
        .ok_or(SdidError::NoTreatmentVariation)?;
    if ever.iter().all(|&e| e) {
        return Err(SdidError::NoTreatmentVariation);
    }
    for r in 0..nu {
        let row = &w[r * nt..(r + 1) * nt];
        let ok = row[..t0].iter().all(|&x| !x) && (!ever[r] || row[t0..].iter().all(|&x| x));
        if !ok {
            return Err(SdidError::NonSimultaneousAdoption {
                unit: grid.units[r].clone(),
            });
        }
    }
    let mut order: Vec<usize> = (0..nu).filter(|&r| !ever[r]).collect();
    let n0 = order.len();
    order.extend((0..nu).filter(|&r| ever[r]));
    Ok((order, n0, t0))
}
