//! Panels: region x industry x year values with explicit absence.
//!
//! A cell is either a value or absent. Absent means "no data", which is not zero activity;
//! a computation that wants to treat absence as zero (the complexity family, following
//! py-ecomplexity, does) must say so with [`Absent::AsZero`].

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A region x industry x year panel of one measure (employment, output, value added, firms).
///
/// Storage is dense, year-major: the cells of one year form a contiguous region x industry
/// matrix, which is what every cross-sectional indicator works on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Panel {
    measure: String,
    regions: Vec<String>,
    industries: Vec<String>,
    years: Vec<i32>,
    /// `None` = absent. Index: (year_index * regions + region_index) * industries + industry_index.
    cells: Vec<Option<f64>>,
}

/// What to do with absent cells when a dense matrix is requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Absent {
    /// Treat absence as zero activity (documented by the caller's indicator).
    AsZero,
    /// Refuse: return [`PanelError::Absent`] naming the first absent cell.
    Refuse,
}

/// Errors building or reading a panel.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PanelError {
    #[error("duplicate cell region {region}, industry {industry}, year {year}: values {first} and {second}")]
    Duplicate {
        region: String,
        industry: String,
        year: i32,
        first: f64,
        second: f64,
    },
    #[error("value for region {region}, industry {industry}, year {year} is not a finite number")]
    NotFinite {
        region: String,
        industry: String,
        year: i32,
    },
    #[error("no data for region {region}, industry {industry}, year {year}")]
    Absent {
        region: String,
        industry: String,
        year: i32,
    },
    #[error("year {0} is not in the panel")]
    UnknownYear(i32),
    #[error("the panel is empty: it needs at least one region, one industry and one year")]
    Empty,
    #[error("dense panel has {got} cells, expected {expected} (regions x industries x years)")]
    Shape { expected: usize, got: usize },
}

impl Panel {
    /// Builds a panel from long records `(region, industry, year, value)`.
    ///
    /// Regions, industries and years are sorted (regions and industries as strings, years
    /// numerically); cells that no record names are absent. A repeated key is an error even
    /// when the values agree, so that double counting is caught where it starts.
    pub fn from_records<I, R, S>(measure: &str, records: I) -> Result<Panel, PanelError>
    where
        I: IntoIterator<Item = (R, S, i32, f64)>,
        R: Into<String>,
        S: Into<String>,
    {
        let records: Vec<(String, String, i32, f64)> = records
            .into_iter()
            .map(|(r, i, y, v)| (r.into(), i.into(), y, v))
            .collect();
        // Distinct names first (a national panel has millions of records but hundreds of
        // names), so that nothing is copied or sorted per record.
        let distinct = |pick: fn(&(String, String, i32, f64)) -> &str| -> Vec<String> {
            let set: std::collections::BTreeSet<&str> = records.iter().map(pick).collect();
            set.into_iter().map(str::to_string).collect()
        };
        let regions = distinct(|r| &r.0);
        let industries = distinct(|r| &r.1);
        let years: Vec<i32> = records
            .iter()
            .map(|r| r.2)
            .collect::<std::collections::BTreeSet<i32>>()
            .into_iter()
            .collect();
        let mut panel = Panel::empty(measure, regions, industries, years)?;
        let region_ix = index_of(&panel.regions);
        let industry_ix = index_of(&panel.industries);
        let year_ix: HashMap<i32, usize> = panel
            .years
            .iter()
            .enumerate()
            .map(|(i, y)| (*y, i))
            .collect();
        for (region, industry, year, value) in records {
            if !value.is_finite() {
                return Err(PanelError::NotFinite {
                    region,
                    industry,
                    year,
                });
            }
            let k = panel.offset(year_ix[&year], region_ix[&region], industry_ix[&industry]);
            if let Some(first) = panel.cells[k] {
                return Err(PanelError::Duplicate {
                    region,
                    industry,
                    year,
                    first,
                    second: value,
                });
            }
            panel.cells[k] = Some(value);
        }
        Ok(panel)
    }

    /// Builds a panel from dense cells in year-major order (see the struct's documentation).
    pub fn from_dense(
        measure: &str,
        regions: Vec<String>,
        industries: Vec<String>,
        years: Vec<i32>,
        cells: Vec<Option<f64>>,
    ) -> Result<Panel, PanelError> {
        let mut panel = Panel::empty(measure, regions, industries, years)?;
        if cells.len() != panel.cells.len() {
            return Err(PanelError::Shape {
                expected: panel.cells.len(),
                got: cells.len(),
            });
        }
        if let Some(k) = cells.iter().position(|c| c.is_some_and(|v| !v.is_finite())) {
            let (y, r, i) = panel.coordinates(k);
            return Err(PanelError::NotFinite {
                region: panel.regions[r].clone(),
                industry: panel.industries[i].clone(),
                year: panel.years[y],
            });
        }
        panel.cells = cells;
        Ok(panel)
    }

    fn empty(
        measure: &str,
        regions: Vec<String>,
        industries: Vec<String>,
        years: Vec<i32>,
    ) -> Result<Panel, PanelError> {
        if regions.is_empty() || industries.is_empty() || years.is_empty() {
            return Err(PanelError::Empty);
        }
        let n = regions.len() * industries.len() * years.len();
        Ok(Panel {
            measure: measure.to_string(),
            regions,
            industries,
            years,
            cells: vec![None; n],
        })
    }

    fn offset(&self, year: usize, region: usize, industry: usize) -> usize {
        (year * self.regions.len() + region) * self.industries.len() + industry
    }

    fn coordinates(&self, k: usize) -> (usize, usize, usize) {
        let ni = self.industries.len();
        let nr = self.regions.len();
        (k / (nr * ni), (k / ni) % nr, k % ni)
    }

    pub fn measure(&self) -> &str {
        &self.measure
    }
    pub fn regions(&self) -> &[String] {
        &self.regions
    }
    pub fn industries(&self) -> &[String] {
        &self.industries
    }
    pub fn years(&self) -> &[i32] {
        &self.years
    }

    /// The value of one cell by indices, `None` if absent.
    pub fn get(&self, year: usize, region: usize, industry: usize) -> Option<f64> {
        self.cells[self.offset(year, region, industry)]
    }

    /// The value of one cell by names, `None` if absent or not in the panel.
    pub fn value(&self, region: &str, industry: &str, year: i32) -> Option<f64> {
        let y = self.years.iter().position(|v| *v == year)?;
        let r = self.regions.iter().position(|v| v == region)?;
        let i = self.industries.iter().position(|v| v == industry)?;
        self.get(y, r, i)
    }

    /// The cells of one year as a dense row-major region x industry matrix.
    pub fn year_matrix(&self, year: i32, absent: Absent) -> Result<Vec<f64>, PanelError> {
        let y = self
            .years
            .iter()
            .position(|v| *v == year)
            .ok_or(PanelError::UnknownYear(year))?;
        let width = self.regions.len() * self.industries.len();
        let slice = &self.cells[y * width..(y + 1) * width];
        let mut out = Vec::with_capacity(width);
        for (k, cell) in slice.iter().enumerate() {
            match (cell, absent) {
                (Some(v), _) => out.push(*v),
                (None, Absent::AsZero) => out.push(0.0),
                (None, Absent::Refuse) => {
                    return Err(PanelError::Absent {
                        region: self.regions[k / self.industries.len()].clone(),
                        industry: self.industries[k % self.industries.len()].clone(),
                        year,
                    })
                }
            }
        }
        Ok(out)
    }

    /// Number of cells that hold a value.
    pub fn filled(&self) -> usize {
        self.cells.iter().filter(|c| c.is_some()).count()
    }

    /// Number of cells in the rectangle (regions x industries x years).
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// A panel always has at least one cell; provided for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

fn index_of(names: &[String]) -> HashMap<String, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Panel {
        Panel::from_records(
            "employment",
            vec![
                ("B", "x", 2020, 1.0),
                ("A", "x", 2020, 2.0),
                ("A", "y", 2021, 3.0),
            ],
        )
        .unwrap()
    }

    #[test]
    fn absence_is_explicit() {
        let p = sample();
        assert_eq!(p.regions(), ["A", "B"]);
        assert_eq!(p.years(), [2020, 2021]);
        assert_eq!(p.len(), 8);
        assert_eq!(p.filled(), 3);
        assert_eq!(p.value("A", "x", 2020), Some(2.0));
        assert_eq!(p.value("B", "y", 2020), None);
        assert_eq!(
            p.year_matrix(2020, Absent::AsZero).unwrap(),
            vec![2.0, 0.0, 1.0, 0.0]
        );
        assert!(matches!(
            p.year_matrix(2020, Absent::Refuse),
            Err(PanelError::Absent { ref region, ref industry, year: 2020 }) if region == "A" && industry == "y"
        ));
        assert_eq!(
            p.year_matrix(1999, Absent::AsZero),
            Err(PanelError::UnknownYear(1999))
        );
    }

    #[test]
    fn duplicates_and_non_finite_values_are_refused() {
        let dup = Panel::from_records("e", vec![("A", "x", 2020, 1.0), ("A", "x", 2020, 1.0)]);
        assert!(matches!(dup, Err(PanelError::Duplicate { .. })));
        let nan = Panel::from_records("e", vec![("A", "x", 2020, f64::NAN)]);
        assert!(matches!(nan, Err(PanelError::NotFinite { .. })));
        let empty = Panel::from_records("e", Vec::<(String, String, i32, f64)>::new());
        assert_eq!(empty, Err(PanelError::Empty));
    }

    #[test]
    fn dense_round_trip() {
        let p = sample();
        let q = Panel::from_dense(
            "employment",
            p.regions().to_vec(),
            p.industries().to_vec(),
            p.years().to_vec(),
            p.cells.clone(),
        )
        .unwrap();
        assert_eq!(p, q);
        assert!(matches!(
            Panel::from_dense("e", vec!["A".into()], vec!["x".into()], vec![1], vec![]),
            Err(PanelError::Shape {
                expected: 1,
                got: 0
            })
        ));
    }
}
