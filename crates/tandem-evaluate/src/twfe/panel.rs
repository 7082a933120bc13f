//! Validation and integer indexing of a long panel.

use super::{Panel, TwfeError};

/// Dense unit and period indices of a validated, connected panel.
pub(crate) struct PanelIndex {
    /// Unit index (0..U) of each row.
    pub unit_idx: Vec<usize>,
    /// Period index (0..T, ascending period) of each row.
    pub time_idx: Vec<usize>,
    /// Unit labels, ascending.
    pub units: Vec<i64>,
    /// Period labels, ascending.
    pub times: Vec<i64>,
    /// Rows of each unit.
    pub unit_rows: Vec<Vec<usize>>,
}

impl PanelIndex {
    /// Validates the panel (lengths, finite outcomes, no duplicate unit-period, at least 2 units
    /// and 2 periods, connected) and indexes it.
    pub fn build(panel: &Panel) -> Result<Self, TwfeError> {
        let n = panel.unit.len();
        check_len("time", panel.time.len(), n)?;
        check_column("outcome", panel.outcome, n)?;
        let (unit_idx, units) = dense_ids(panel.unit);
        let (time_idx, times) = dense_ids(panel.time);
        if units.len() < 2 || times.len() < 2 {
            return Err(TwfeError::TooSmall {
                units: units.len(),
                periods: times.len(),
            });
        }
        let mut unit_rows = vec![Vec::new(); units.len()];
        for (r, &u) in unit_idx.iter().enumerate() {
            unit_rows[u].push(r);
        }
        let index = PanelIndex {
            unit_idx,
            time_idx,
            units,
            times,
            unit_rows,
        };
        index.check_duplicates()?;
        index.check_connected()?;
        Ok(index)
    }

    /// Number of rows.
    pub fn nobs(&self) -> usize {
        self.unit_idx.len()
    }

    /// Number of units.
    pub fn n_units(&self) -> usize {
        self.units.len()
    }

    /// Number of periods.
    pub fn n_times(&self) -> usize {
        self.times.len()
    }

    fn check_duplicates(&self) -> Result<(), TwfeError> {
        let mut seen = vec![usize::MAX; self.n_times()];
        for (u, rows) in self.unit_rows.iter().enumerate() {
            for &r in rows {
                let t = self.time_idx[r];
                if seen[t] == u {
                    return Err(TwfeError::DuplicateObservation {
                        unit: self.units[u],
                        time: self.times[t],
                    });
                }
                seen[t] = u;
            }
        }
        Ok(())
    }

    /// Union-find over the bipartite unit-period graph.
    fn check_connected(&self) -> Result<(), TwfeError> {
        let nu = self.n_units();
        let mut parent: Vec<usize> = (0..nu + self.n_times()).collect();
        for (&u, &t) in self.unit_idx.iter().zip(&self.time_idx) {
            let (a, b) = (find(&mut parent, u), find(&mut parent, nu + t));
            parent[a] = b;
        }
        let roots = (0..parent.len())
            .filter(|&i| find(&mut parent, i) == i)
            .count();
        if roots > 1 {
            return Err(TwfeError::DisconnectedPanel { components: roots });
        }
        Ok(())
    }
}

fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// Maps labels to dense indices 0..n in ascending label order; returns (indices, labels).
pub(crate) fn dense_ids(labels: &[i64]) -> (Vec<usize>, Vec<i64>) {
    let mut uniq = labels.to_vec();
    uniq.sort_unstable();
    uniq.dedup();
    let idx = labels
        .iter()
        .map(|l| uniq.binary_search(l).unwrap_or(0))
        .collect();
    (idx, uniq)
}

fn check_len(column: &str, got: usize, expected: usize) -> Result<(), TwfeError> {
    if got != expected {
        return Err(TwfeError::LengthMismatch {
            column: column.to_string(),
            expected,
            got,
        });
    }
    Ok(())
}

/// Checks a numeric column: one entry per row, all finite.
pub(crate) fn check_column(column: &str, values: &[f64], n: usize) -> Result<(), TwfeError> {
    check_len(column, values.len(), n)?;
    match values.iter().position(|v| !v.is_finite()) {
        Some(row) => Err(TwfeError::NonFinite {
            column: column.to_string(),
            row,
        }),
        None => Ok(()),
    }
}
