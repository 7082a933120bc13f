//! Reading demands, parks, funds and projects from CSV or XLSX files.
//!
//! The first row holds the column names (order free, names as below, case-insensitive;
//! unknown columns are an error so that a misspelt optional column is not silently
//! ignored). Rows are numbered as a person sees them in an editor or in Excel (the header
//! is row 1). Lists inside a cell are separated by `;`. Reading is all-or-nothing: the first
//! defect stops it and is reported with file, row, column and rule.
//!
//! Columns (`*` = required):
//! * demands: `id*, enterprise, origin*, industry*, land_ha, building_m2, power_kva, labour,
//!   budget_yuan, preferred_regions, region_mode (prefer|only), deadline (YYYY-MM-DD),
//!   visibility (public|restricted), allowed_viewers, suppliers`;
//! * parks: `id*, name, locality*, land_ha, building_m2, power_kva, labour,
//!   land_price_yuan_m2*, incentives* (0-1), incentive_list, services, focus_industries,
//!   exclusions, data_freshness* (YYYY-MM-DD), capacity*`;
//! * funds: `id*, name, home, industries, ticket_min_yuan*, ticket_max_yuan*, regions,
//!   stages`;
//! * projects: `id*, locality*, industry*, amount_yuan*, stage*`.
//!
//! Empty quantity cells mean 0. Industries are written `io42:18`, `gbt4754:36` or `C36`
//! ([`MatchContext::resolve_industry`]); localities by tandem id (`ah-huaibei`).

use crate::context::MatchContext;
use crate::model::{
    CapitalProvider, Date, Demand, ParkOffer, ProjectNeed, RegionMode, Stage, Visibility,
};
use std::collections::HashSet;
use std::path::Path;
use tandem_sheet::Data;

/// A file that cannot be read as records.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ReadError {
    /// The file cannot be opened or parsed as CSV/XLSX.
    #[error("{file}: {message}")]
    File {
        /// The file.
        file: String,
        /// What failed.
        message: String,
    },
    /// A required column is missing or a column is unknown.
    #[error("{file}, row 1, column {column}: {rule}")]
    Header {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// The rule.
        rule: String,
    },
    /// A cell breaks a rule.
    #[error("{file}, row {row}, column {column}: {rule}")]
    Cell {
        /// The file.
        file: String,
        /// Row number as shown in an editor (header = 1).
        row: usize,
        /// The column name.
        column: String,
        /// The rule.
        rule: String,
    },
}

/// A grid of text cells with the header row.
#[derive(Clone, Debug)]
pub struct Grid {
    file: String,
    header: Vec<String>,
    /// (row number, cells).
    rows: Vec<(usize, Vec<String>)>,
}

impl Grid {
    /// Parses CSV text (UTF-8, a leading BOM is ignored).
    ///
    /// # Errors
    /// Malformed CSV, an empty file.
    pub fn from_csv(text: &str, file: &str) -> Result<Grid, ReadError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut all = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| ReadError::File {
                file: file.to_string(),
                message: format!("row {}: not valid CSV: {e}", i + 1),
            })?;
            let row = rec.position().map_or(i + 1, |p| p.line() as usize);
            all.push((row, rec.iter().map(str::to_string).collect::<Vec<_>>()));
        }
        Grid::from_rows(all, file)
    }

    /// Reads the first worksheet of an XLSX workbook, within
    /// [`tandem_sheet::Limits::DEFAULT`] (a workbook bomb is an error naming the limit).
    ///
    /// # Errors
    /// An unreadable, unsupported (`.xls`, `.ods`) or too large workbook, no sheet, an empty
    /// sheet.
    pub fn from_workbook(path: &Path) -> Result<Grid, ReadError> {
        let file = path.display().to_string();
        let (name, grid) = tandem_sheet::read_first_sheet(path, &tandem_sheet::Limits::DEFAULT)
            .map_err(|e| ReadError::File {
                file: file.clone(),
                message: e.to_string(),
            })?;
        let first = grid.start().map_or(0, |(r, _)| r as usize);
        let rows = grid
            .rows()
            .enumerate()
            .map(|(i, cells)| (first + i + 1, cells.iter().map(cell_text).collect()))
            .collect();
        Grid::from_rows(rows, &format!("{file} (sheet {name})"))
    }

    /// Reads a file by extension: `.xlsx`, `.xlsm` as workbooks (`.xls` and `.ods` are refused
    /// with a request to save them as `.xlsx` or CSV), anything else as CSV.
    ///
    /// # Errors
    /// As [`Grid::from_csv`] and [`Grid::from_workbook`], or the file cannot be read.
    pub fn read(path: &Path) -> Result<Grid, ReadError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(ext.as_str(), "xlsx" | "xls" | "ods" | "xlsm") {
            return Grid::from_workbook(path);
        }
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ReadError::File {
            file: file.clone(),
            message: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ReadError::File {
            file: file.clone(),
            message: format!(
                "not UTF-8 text (byte {}); save the file as UTF-8 CSV",
                e.utf8_error().valid_up_to()
            ),
        })?;
        Grid::from_csv(&text, &file)
    }

    fn from_rows(mut rows: Vec<(usize, Vec<String>)>, file: &str) -> Result<Grid, ReadError> {
        rows.retain(|(_, c)| c.iter().any(|x| !x.trim().is_empty()));
        if rows.is_empty() {
            return Err(ReadError::File {
                file: file.to_string(),
                message: "the file is empty (no header row)".into(),
            });
        }
        let (_, header) = rows.remove(0);
        Ok(Grid {
            file: file.to_string(),
            header: header
                .iter()
                .map(|h| h.trim().to_ascii_lowercase())
                .collect(),
            rows,
        })
    }

    /// The file name used in errors.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Checks the header against the known and required columns, returning the index of each
    /// known column.
    fn columns(
        &self,
        known: &[&'static str],
        required: &[&str],
    ) -> Result<Vec<Option<usize>>, ReadError> {
        for (i, h) in self.header.iter().enumerate() {
            if h.is_empty() {
                continue;
            }
            if !known.contains(&h.as_str()) {
                return Err(ReadError::Header {
                    file: self.file.clone(),
                    column: h.clone(),
                    rule: format!("unknown column; the columns are {}", known.join(", ")),
                });
            }
            if self.header[..i].contains(h) {
                return Err(ReadError::Header {
                    file: self.file.clone(),
                    column: h.clone(),
                    rule: "the column appears twice".into(),
                });
            }
        }
        for r in required {
            if !self.header.iter().any(|h| h == r) {
                return Err(ReadError::Header {
                    file: self.file.clone(),
                    column: r.to_string(),
                    rule: "required column missing".into(),
                });
            }
        }
        Ok(known
            .iter()
            .map(|k| self.header.iter().position(|h| h == k))
            .collect())
    }
}

/// A spreadsheet cell as typed text; dates as ISO dates.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => {
            serial_to_date(d.as_f64()).map_or_else(|| format!("date {d}"), |d| d.to_string())
        }
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

/// An Excel serial day number (1900 system, day 0 = 1899-12-30 counting the phantom
/// 1900-02-29, correct from 1900-03-01 on) as a date.
fn serial_to_date(serial: f64) -> Option<Date> {
    if !(61.0..=2_958_465.0).contains(&serial) {
        return None;
    }
    // Days from 1970-01-01: serial 25569 is 1970-01-01.
    let (y, m, d) = tandem_core::calendar::civil_from_days(serial.floor() as i64 - 25_569);
    Date::new(y as i32, m as u8, d as u8)
}

/// One row being read.
struct Row<'g> {
    grid: &'g Grid,
    number: usize,
    cells: &'g [String],
    cols: &'g [Option<usize>],
    known: &'g [&'static str],
}

impl<'g> Row<'g> {
    fn raw(&self, key: &str) -> &'g str {
        let k = self
            .known
            .iter()
            .position(|x| *x == key)
            .unwrap_or(usize::MAX);
        self.cols
            .get(k)
            .copied()
            .flatten()
            .and_then(|i| self.cells.get(i))
            .map_or("", |s| s.trim())
    }

    fn err(&self, column: &str, rule: impl Into<String>) -> ReadError {
        ReadError::Cell {
            file: self.grid.file.clone(),
            row: self.number,
            column: column.to_string(),
            rule: rule.into(),
        }
    }

    fn required(&self, key: &str) -> Result<&'g str, ReadError> {
        let v = self.raw(key);
        if v.is_empty() {
            Err(self.err(key, "required value missing"))
        } else {
            Ok(v)
        }
    }

    /// A number >= 0; empty = `default`.
    fn quantity(&self, key: &str, default: Option<f64>) -> Result<f64, ReadError> {
        let v = self.raw(key);
        if v.is_empty() {
            return default.ok_or_else(|| self.err(key, "required value missing"));
        }
        let x: f64 = v
            .replace([',', '_'], "")
            .parse()
            .map_err(|_| self.err(key, format!("{v:?} is not a number")))?;
        if !x.is_finite() || x < 0.0 {
            return Err(self.err(key, format!("{v} must be a number >= 0")));
        }
        Ok(x)
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.raw(key)
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    fn localities(&self, key: &str, ctx: &MatchContext) -> Result<Vec<String>, ReadError> {
        let list = self.list(key);
        for l in &list {
            self.locality_check(key, l, ctx)?;
        }
        Ok(list)
    }

    fn locality_check(&self, key: &str, id: &str, ctx: &MatchContext) -> Result<(), ReadError> {
        if ctx.place(id).is_some() {
            Ok(())
        } else {
            Err(self.err(
                key,
                format!("{id} is not a locality id with coordinates (see `tandem localities`)"),
            ))
        }
    }

    fn industry(&self, key: &str, text: &str, ctx: &MatchContext) -> Result<String, ReadError> {
        ctx.resolve_industry(text)
            .map_err(|rule| self.err(key, rule))
    }

    fn industries(&self, key: &str, ctx: &MatchContext) -> Result<Vec<String>, ReadError> {
        self.list(key)
            .iter()
            .map(|t| self.industry(key, t, ctx))
            .collect()
    }

    fn date(&self, key: &str) -> Result<Option<Date>, ReadError> {
        let v = self.raw(key);
        if v.is_empty() {
            return Ok(None);
        }
        Date::parse(v)
            .map(Some)
            .ok_or_else(|| self.err(key, format!("{v:?} is not a date YYYY-MM-DD")))
    }
}

/// Iterates the grid's rows with column lookup, checking ids are unique.
fn read_rows<T>(
    grid: &Grid,
    known: &[&'static str],
    required: &[&str],
    mut f: impl FnMut(&Row<'_>) -> Result<T, ReadError>,
) -> Result<Vec<T>, ReadError> {
    let cols = grid.columns(known, required)?;
    let mut ids = HashSet::new();
    let mut out = Vec::with_capacity(grid.rows.len());
    for (number, cells) in &grid.rows {
        let row = Row {
            grid,
            number: *number,
            cells,
            cols: &cols,
            known,
        };
        let id = row.required("id")?;
        if !ids.insert(id.to_string()) {
            return Err(row.err("id", format!("duplicate id {id}")));
        }
        out.push(f(&row)?);
    }
    Ok(out)
}

const DEMAND_COLUMNS: &[&str] = &[
    "id",
    "enterprise",
    "origin",
    "industry",
    "land_ha",
    "building_m2",
    "power_kva",
    "labour",
    "budget_yuan",
    "preferred_regions",
    "region_mode",
    "deadline",
    "visibility",
    "allowed_viewers",
    "suppliers",
];

/// Reads demands from a grid.
///
/// # Errors
/// The first defect, with row, column and rule.
pub fn demands_from_grid(grid: &Grid, ctx: &MatchContext) -> Result<Vec<Demand>, ReadError> {
    read_rows(grid, DEMAND_COLUMNS, &["id", "origin", "industry"], |r| {
        let origin = r.required("origin")?;
        r.locality_check("origin", origin, ctx)?;
        let industry_input = r.required("industry")?;
        let industry = r.industry("industry", industry_input, ctx)?;
        let budget = r.raw("budget_yuan");
        let budget_yuan = if budget.is_empty() {
            None
        } else {
            let b = r.quantity("budget_yuan", None)?;
            if b == 0.0 {
                return Err(r.err(
                    "budget_yuan",
                    "a budget must be positive (leave it empty if unknown)",
                ));
            }
            Some(b)
        };
        let preferred_regions = r.localities("preferred_regions", ctx)?;
        let region_mode = match r.raw("region_mode").to_ascii_lowercase().as_str() {
            "" | "prefer" => RegionMode::Prefer,
            "only" => RegionMode::Only,
            other => return Err(r.err("region_mode", format!("{other:?} must be prefer or only"))),
        };
        if region_mode == RegionMode::Only && preferred_regions.is_empty() {
            return Err(r.err(
                "region_mode",
                "\"only\" needs at least one preferred region",
            ));
        }
        let viewers = r.list("allowed_viewers");
        let visibility = match r.raw("visibility").to_ascii_lowercase().as_str() {
            "" | "public" if viewers.is_empty() => Visibility::Public,
            "" | "public" => {
                return Err(r.err(
                    "allowed_viewers",
                    "viewers are listed but visibility is public: set visibility to restricted",
                ))
            }
            "restricted" => Visibility::Restricted(viewers),
            other => {
                return Err(r.err(
                    "visibility",
                    format!("{other:?} must be public or restricted"),
                ))
            }
        };
        Ok(Demand {
            id: r.required("id")?.to_string(),
            enterprise: r.raw("enterprise").to_string(),
            origin: origin.to_string(),
            industry_input: industry_input.to_string(),
            industry,
            land_ha: r.quantity("land_ha", Some(0.0))?,
            building_m2: r.quantity("building_m2", Some(0.0))?,
            power_kva: r.quantity("power_kva", Some(0.0))?,
            labour: r.quantity("labour", Some(0.0))?,
            budget_yuan,
            preferred_regions,
            region_mode,
            deadline: r.date("deadline")?,
            visibility,
            suppliers: r.localities("suppliers", ctx)?,
        })
    })
}

const PARK_COLUMNS: &[&str] = &[
    "id",
    "name",
    "locality",
    "land_ha",
    "building_m2",
    "power_kva",
    "labour",
    "land_price_yuan_m2",
    "incentives",
    "incentive_list",
    "services",
    "focus_industries",
    "exclusions",
    "data_freshness",
    "capacity",
];

/// Reads parks from a grid.
///
/// # Errors
/// The first defect, with row, column and rule.
pub fn parks_from_grid(grid: &Grid, ctx: &MatchContext) -> Result<Vec<ParkOffer>, ReadError> {
    read_rows(
        grid,
        PARK_COLUMNS,
        &[
            "id",
            "locality",
            "land_price_yuan_m2",
            "incentives",
            "data_freshness",
            "capacity",
        ],
        |r| {
            let locality = r.required("locality")?;
            r.locality_check("locality", locality, ctx)?;
            let incentives = r.quantity("incentives", None)?;
            if incentives > 1.0 {
                return Err(r.err(
                    "incentives",
                    format!("{incentives} must be a rating in [0, 1]"),
                ));
            }
            let cap_text = r.required("capacity")?;
            let capacity: u32 = cap_text
                .strip_suffix(".0")
                .unwrap_or(cap_text)
                .parse()
                .map_err(|_| {
                    r.err(
                        "capacity",
                        format!("{cap_text:?} must be a whole number of projects >= 0"),
                    )
                })?;
            Ok(ParkOffer {
                id: r.required("id")?.to_string(),
                name: r.raw("name").to_string(),
                locality: locality.to_string(),
                land_ha: r.quantity("land_ha", Some(0.0))?,
                building_m2: r.quantity("building_m2", Some(0.0))?,
                power_kva: r.quantity("power_kva", Some(0.0))?,
                labour: r.quantity("labour", Some(0.0))?,
                land_price_yuan_m2: r.quantity("land_price_yuan_m2", None)?,
                incentives,
                incentive_list: r.list("incentive_list"),
                services: r.list("services"),
                focus_industries: r.industries("focus_industries", ctx)?,
                exclusions: r.industries("exclusions", ctx)?,
                data_freshness: r
                    .date("data_freshness")?
                    .ok_or_else(|| r.err("data_freshness", "required value missing"))?,
                capacity,
            })
        },
    )
}

const FUND_COLUMNS: &[&str] = &[
    "id",
    "name",
    "home",
    "industries",
    "ticket_min_yuan",
    "ticket_max_yuan",
    "regions",
    "stages",
];

/// Reads capital providers from a grid.
///
/// # Errors
/// The first defect, with row, column and rule.
pub fn funds_from_grid(grid: &Grid, ctx: &MatchContext) -> Result<Vec<CapitalProvider>, ReadError> {
    read_rows(
        grid,
        FUND_COLUMNS,
        &["id", "ticket_min_yuan", "ticket_max_yuan"],
        |r| {
            let home = r.raw("home");
            if !home.is_empty() {
                r.locality_check("home", home, ctx)?;
            }
            let lo = r.quantity("ticket_min_yuan", None)?;
            let hi = r.quantity("ticket_max_yuan", None)?;
            if lo == 0.0 {
                return Err(r.err("ticket_min_yuan", "the minimum ticket must be positive"));
            }
            if lo > hi {
                return Err(r.err(
                    "ticket_max_yuan",
                    format!("the maximum ticket {hi} is below the minimum {lo}"),
                ));
            }
            let stages = r
                .list("stages")
                .iter()
                .map(|s| {
                    Stage::parse(s).ok_or_else(|| {
                        r.err(
                            "stages",
                            format!("{s:?} must be preparation, construction or operation"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(CapitalProvider {
                id: r.required("id")?.to_string(),
                name: r.raw("name").to_string(),
                home: (!home.is_empty()).then(|| home.to_string()),
                industries: r.industries("industries", ctx)?,
                ticket_min_yuan: lo,
                ticket_max_yuan: hi,
                regions: r.localities("regions", ctx)?,
                stages,
            })
        },
    )
}

const PROJECT_COLUMNS: &[&str] = &["id", "locality", "industry", "amount_yuan", "stage"];

/// Reads projects from a grid.
///
/// # Errors
/// The first defect, with row, column and rule.
pub fn projects_from_grid(grid: &Grid, ctx: &MatchContext) -> Result<Vec<ProjectNeed>, ReadError> {
    read_rows(grid, PROJECT_COLUMNS, PROJECT_COLUMNS, |r| {
        let locality = r.required("locality")?;
        r.locality_check("locality", locality, ctx)?;
        let industry_input = r.required("industry")?;
        let amount = r.quantity("amount_yuan", None)?;
        if amount == 0.0 {
            return Err(r.err("amount_yuan", "the amount must be positive"));
        }
        let stage_text = r.required("stage")?;
        Ok(ProjectNeed {
            id: r.required("id")?.to_string(),
            locality: locality.to_string(),
            industry_input: industry_input.to_string(),
            industry: r.industry("industry", industry_input, ctx)?,
            amount_yuan: amount,
            stage: Stage::parse(stage_text).ok_or_else(|| {
                r.err(
                    "stage",
                    format!("{stage_text:?} must be preparation, construction or operation"),
                )
            })?,
        })
    })
}

/// Reads demands from a CSV or XLSX file.
///
/// # Errors
/// The file cannot be read, or the first defect with row, column and rule.
pub fn read_demands(path: &Path, ctx: &MatchContext) -> Result<Vec<Demand>, ReadError> {
    demands_from_grid(&Grid::read(path)?, ctx)
}

/// Reads parks from a CSV or XLSX file.
///
/// # Errors
/// As [`read_demands`].
pub fn read_parks(path: &Path, ctx: &MatchContext) -> Result<Vec<ParkOffer>, ReadError> {
    parks_from_grid(&Grid::read(path)?, ctx)
}

/// Reads capital providers from a CSV or XLSX file.
///
/// # Errors
/// As [`read_demands`].
pub fn read_funds(path: &Path, ctx: &MatchContext) -> Result<Vec<CapitalProvider>, ReadError> {
    funds_from_grid(&Grid::read(path)?, ctx)
}

/// Reads projects from a CSV or XLSX file.
///
/// # Errors
/// As [`read_demands`].
pub fn read_projects(path: &Path, ctx: &MatchContext) -> Result<Vec<ProjectNeed>, ReadError> {
    projects_from_grid(&Grid::read(path)?, ctx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_serials_become_dates() {
        assert_eq!(serial_to_date(45_658.0), Date::new(2025, 1, 1));
        assert_eq!(serial_to_date(61.0), Date::new(1900, 3, 1));
        assert_eq!(serial_to_date(25_569.0), Date::new(1970, 1, 1));
        assert!(serial_to_date(f64::NAN).is_none());
    }
}
