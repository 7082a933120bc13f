//! Revenue import from CSV and XLSX, all or nothing.
//!
//! Columns (header row required, any order, names case-insensitive):
//! `enterprise_id, park_id, industry, recommended_by, period, revenue_type, amount`.
//! `recommended_by` may be empty; `period` is `YYYY-MM`; `revenue_type` is one of the
//! snake_case names of [`RevenueType`]; `amount` is a decimal with at most two decimals in
//! the type's unit (yuan, tce or mu). The same enterprise, period and revenue type twice is
//! an error (it would be counted twice). Nothing is returned unless every row is valid; the
//! error lists up to [`MAX_PROBLEMS`] problems, each naming file, row, column and rule.

use crate::agreement::{Period, RevenueType};
use crate::money::Fen;
use crate::settle::RevenueRecord;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// How many problems an [`ImportError::Invalid`] lists at most.
pub const MAX_PROBLEMS: usize = 20;

/// The required columns, in the canonical order.
pub const COLUMNS: [&str; 7] = [
    "enterprise_id",
    "park_id",
    "industry",
    "recommended_by",
    "period",
    "revenue_type",
    "amount",
];

/// One problem in one cell (or row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// File.
    pub file: String,
    /// 1-based row number in the file (the header is row 1).
    pub row: usize,
    /// Column name.
    pub column: String,
    /// The rule broken.
    pub rule: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: row {}, column {}: {}",
            self.file, self.row, self.column, self.rule
        )
    }
}

/// Errors of revenue import.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be opened or read.
    #[error("cannot read revenue file {file}: {message}")]
    Read {
        /// File.
        file: String,
        /// Reason.
        message: String,
    },
    /// A workbook that cannot be read within `tandem_sheet`'s limits, or is not an XLSX
    /// workbook ([`tandem_sheet::SheetError::is_limit`] tells which).
    #[error("cannot read revenue file {file}: {error}")]
    Workbook {
        /// File.
        file: String,
        /// Why, naming the limit for a workbook that is too large. Not a `source`: the
        /// message already says it, and error chains would print it twice.
        error: tandem_sheet::SheetError,
    },
    /// The header lacks a column.
    #[error("{file}: row 1: missing column `{column}` (required: {})", COLUMNS.join(", "))]
    MissingColumn {
        /// File.
        file: String,
        /// Column.
        column: String,
    },
    /// Rows are invalid; nothing was imported.
    #[error("{} problem(s){}, nothing imported:\n{}", .total, if *.total > .problems.len() { format!(" (first {} shown)", .problems.len()) } else { String::new() }, .problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        /// Total number of problems found.
        total: usize,
        /// The first problems.
        problems: Vec<Problem>,
    },
}

/// Reads a `.csv` or `.xlsx` revenue file (by extension). Workbooks are read within
/// [`tandem_sheet::Limits::DEFAULT`]; `.xls` and `.ods` are refused with a request to save
/// them as `.xlsx` or CSV.
pub fn read_revenues(path: &Path) -> Result<Vec<RevenueRecord>, ImportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let file = path.display().to_string();
    let rows = match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_xlsx_rows(path)?,
        _ => read_csv_rows(path)?,
    };
    parse_rows(&file, rows)
}

fn read_csv_rows(path: &Path) -> Result<Vec<Vec<String>>, ImportError> {
    let file = path.display().to_string();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(path)
        .map_err(|e| ImportError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| ImportError::Read {
            file: file.clone(),
            message: e.to_string(),
        })?;
        rows.push(rec.iter().map(str::to_string).collect());
    }
    Ok(rows)
}

fn read_xlsx_rows(path: &Path) -> Result<Vec<Vec<String>>, ImportError> {
    use tandem_sheet::Data;
    let (_, grid) =
        tandem_sheet::read_first_sheet(path, &tandem_sheet::Limits::DEFAULT).map_err(|error| {
            ImportError::Workbook {
                file: path.display().to_string(),
                error,
            }
        })?;
    let mut rows = Vec::new();
    for row in grid.rows() {
        rows.push(
            row.iter()
                .map(|c| match c {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    // Whole numbers print without a decimal point; other floats keep the
                    // shortest round-trip form, so 1234.56 stays "1234.56" and is parsed
                    // exactly (a float that needs more than 2 decimals is then refused).
                    Data::Float(f) if f.fract() == 0.0 && f.abs() < 9e15 => {
                        format!("{}", *f as i64)
                    }
                    Data::Float(f) => format!("{f}"),
                    Data::Int(i) => i.to_string(),
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    Ok(rows)
}

/// Parses rows (the first is the header); `file` names the origin in errors.
pub fn parse_rows(file: &str, rows: Vec<Vec<String>>) -> Result<Vec<RevenueRecord>, ImportError> {
    let mut it = rows.into_iter();
    let header: Vec<String> = it
        .next()
        .unwrap_or_default()
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let mut idx = [0usize; 7];
    for (k, col) in COLUMNS.iter().enumerate() {
        idx[k] =
            header
                .iter()
                .position(|h| h == col)
                .ok_or_else(|| ImportError::MissingColumn {
                    file: file.to_string(),
                    column: col.to_string(),
                })?;
    }
    let mut problems = Vec::new();
    let mut total = 0usize;
    let mut out = Vec::new();
    let mut seen: HashMap<(String, Period, RevenueType), usize> = HashMap::new();
    for (i, row) in it.enumerate() {
        let row_no = i + 2;
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |k: usize| row.get(idx[k]).map(|s| s.trim()).unwrap_or("");
        let mut bad = |k: usize, rule: String| {
            total += 1;
            if problems.len() < MAX_PROBLEMS {
                problems.push(Problem {
                    file: file.to_string(),
                    row: row_no,
                    column: COLUMNS[k].to_string(),
                    rule,
                });
            }
        };
        for k in [0, 1, 2] {
            if cell(k).is_empty() {
                bad(k, "must not be empty".into());
            }
        }
        let period = cell(4)
            .parse::<Period>()
            .map_err(|e| bad(4, e.to_string()))
            .ok();
        let ty = cell(5).parse::<RevenueType>().map_err(|e| bad(5, e)).ok();
        let amount = Fen::parse_yuan(cell(6))
            .map_err(|e| bad(6, e.to_string()))
            .ok();
        if let (Some(period), Some(ty), Some(amount)) = (period, ty, amount) {
            if cell(0).is_empty() || cell(1).is_empty() || cell(2).is_empty() {
                continue;
            }
            if let Some(first) = seen.insert((cell(0).to_string(), period, ty), row_no) {
                bad(
                    0,
                    format!(
                        "duplicate record for enterprise {} {period} {ty} (also row {first}); \
                         it would be counted twice",
                        cell(0)
                    ),
                );
                continue;
            }
            let rec = cell(3);
            out.push(RevenueRecord {
                enterprise_id: cell(0).to_string(),
                park_id: cell(1).to_string(),
                industry: cell(2).to_string(),
                recommended_by: (!rec.is_empty()).then(|| rec.to_string()),
                period,
                revenue_type: ty,
                amount,
            });
        }
    }
    if total > 0 {
        return Err(ImportError::Invalid { total, problems });
    }
    Ok(out)
}

/// Writes records as CSV with the [`COLUMNS`] header (the inverse of [`read_revenues`]).
pub fn write_csv<W: std::io::Write>(w: W, records: &[RevenueRecord]) -> Result<(), csv::Error> {
    let mut wr = csv::Writer::from_writer(w);
    wr.write_record(COLUMNS)?;
    for r in records {
        wr.write_record([
            r.enterprise_id.as_str(),
            r.park_id.as_str(),
            r.industry.as_str(),
            r.recommended_by.as_deref().unwrap_or(""),
            &r.period.to_string(),
            r.revenue_type.as_str(),
            &r.amount.to_string(),
        ])?;
    }
    wr.flush()?;
    Ok(())
}
