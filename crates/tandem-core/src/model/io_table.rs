//! Input-output tables as published (the algebra on them lives in `metrics`).

use super::industry::{Classification, Sector};
use serde::{Deserialize, Serialize};

/// Whether imports are separated from domestic production.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IoTableKind {
    /// 竞争型: one block of intermediate use, imports as a final-use column (China 2020, 153 sectors).
    Competitive,
    /// 非竞争型: a domestic block and an imports block (China 2017/2018/2020, 42 sectors).
    NonCompetitive,
}

/// A labelled vector: a final-use column (`TFU`, `EX`) or a value-added row (`VA001`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedVector {
    pub code: String,
    pub values: Vec<f64>,
}

/// A national (or regional) input-output table in monetary units.
///
/// Matrices are dense and row-major, `n x n` for `n` sectors. Unit: 10,000 yuan
/// (万元) at producers' prices for the NBS tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoTable {
    pub year: i32,
    pub classification: Classification,
    pub kind: IoTableKind,
    pub sectors: Vec<Sector>,
    /// Intermediate use: the domestic block of a non-competitive table, the whole block of
    /// a competitive one. `z[i * n + j]` = sales of sector i to sector j.
    pub intermediate: Vec<f64>,
    /// The imports block of a non-competitive table.
    pub intermediate_imports: Option<Vec<f64>>,
    /// Final-use columns of the domestic (or whole) rows, as published (TC, FU201, EX, TFU...).
    pub final_use: Vec<NamedVector>,
    /// Final-use columns of the imports rows of a non-competitive table.
    pub final_use_imports: Option<Vec<NamedVector>>,
    /// Imports column (`IM`) of a competitive table, subtracted in the row balance.
    pub imports: Option<Vec<f64>>,
    /// Gross output per sector (`GO`).
    pub gross_output: Vec<f64>,
    /// Value-added rows (VA001..VA004, TVA).
    pub value_added: Vec<NamedVector>,
    /// Where the table comes from.
    pub source: String,
}

/// An input-output table whose shape or accounts do not hold.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum IoTableError {
    #[error("{what} has {got} entries, expected {expected} for {n} sectors")]
    Shape {
        what: String,
        got: usize,
        expected: usize,
        n: usize,
    },
    #[error("the table has no `{0}` final-use column")]
    MissingColumn(String),
    #[error("row {code}: intermediate use + final use{imports} = {lhs}, but gross output = {rhs} (relative gap {gap:.3e} > tolerance {tolerance:.1e})")]
    Unbalanced {
        code: String,
        imports: &'static str,
        lhs: f64,
        rhs: f64,
        gap: f64,
        tolerance: f64,
    },
}

impl IoTable {
    pub fn n(&self) -> usize {
        self.sectors.len()
    }

    /// A final-use column by code (`TFU`, `EX`).
    pub fn final_use_column(&self, code: &str) -> Option<&[f64]> {
        self.final_use
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.values.as_slice())
    }

    /// A value-added row by code (`TVA`, `VA001`).
    pub fn value_added_row(&self, code: &str) -> Option<&[f64]> {
        self.value_added
            .iter()
            .find(|c| c.code == code)
            .map(|c| c.values.as_slice())
    }

    /// Checks the shape of every block.
    pub fn check_shape(&self) -> Result<(), IoTableError> {
        let n = self.n();
        let shape = |what: &str, got: usize, expected: usize| {
            if got == expected {
                Ok(())
            } else {
                Err(IoTableError::Shape {
                    what: what.to_string(),
                    got,
                    expected,
                    n,
                })
            }
        };
        shape("intermediate use", self.intermediate.len(), n * n)?;
        if let Some(m) = &self.intermediate_imports {
            shape("imported intermediate use", m.len(), n * n)?;
        }
        shape("gross output", self.gross_output.len(), n)?;
        if let Some(im) = &self.imports {
            shape("imports", im.len(), n)?;
        }
        for c in self
            .final_use
            .iter()
            .chain(self.final_use_imports.iter().flatten())
        {
            shape(&format!("final-use column {}", c.code), c.values.len(), n)?;
        }
        for r in &self.value_added {
            shape(&format!("value-added row {}", r.code), r.values.len(), n)?;
        }
        Ok(())
    }

    /// Checks the row balance: for every sector i,
    /// Σ_j z_ij + TFU_i (− IM_i in a competitive table) = GO_i,
    /// within `tolerance` relative to GO_i (the published tables balance to ~1e-14).
    pub fn check_balance(&self, tolerance: f64) -> Result<(), IoTableError> {
        self.check_shape()?;
        let n = self.n();
        let tfu = self
            .final_use_column("TFU")
            .ok_or_else(|| IoTableError::MissingColumn("TFU".into()))?;
        for i in 0..n {
            let z: f64 = self.intermediate[i * n..(i + 1) * n].iter().sum();
            let im = self.imports.as_ref().map_or(0.0, |m| m[i]);
            let lhs = z + tfu[i] - im;
            let rhs = self.gross_output[i];
            let gap = (lhs - rhs).abs() / rhs.abs().max(1.0);
            if gap > tolerance {
                return Err(IoTableError::Unbalanced {
                    code: self.sectors[i].code.clone(),
                    imports: if self.imports.is_some() {
                        " − imports"
                    } else {
                        ""
                    },
                    lhs,
                    rhs,
                    gap,
                    tolerance,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_sector() -> IoTable {
        let sector = |c: &str| Sector {
            classification: Classification::Custom("t".into()),
            code: c.into(),
            name_en: c.into(),
            name_zh: c.into(),
        };
        IoTable {
            year: 2020,
            classification: Classification::Custom("t".into()),
            kind: IoTableKind::Competitive,
            sectors: vec![sector("a"), sector("b")],
            intermediate: vec![10.0, 20.0, 30.0, 40.0],
            intermediate_imports: None,
            final_use: vec![NamedVector {
                code: "TFU".into(),
                values: vec![75.0, 40.0],
            }],
            final_use_imports: None,
            imports: Some(vec![5.0, 10.0]),
            gross_output: vec![100.0, 100.0],
            value_added: vec![],
            source: "test".into(),
        }
    }

    #[test]
    fn balance_holds_and_breaks() {
        let mut t = two_sector();
        t.check_balance(1e-9).unwrap();
        t.gross_output[1] = 101.0;
        let err = t.check_balance(1e-9).unwrap_err();
        assert!(matches!(err, IoTableError::Unbalanced { ref code, .. } if code == "b"));
        t.intermediate.pop();
        assert!(matches!(t.check_shape(), Err(IoTableError::Shape { .. })));
    }
}
