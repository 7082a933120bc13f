//! Reading activity panels (`region,industry,year,value`) for the metrics, e.g.
//! `tandem metrics lq --input FILE`.

use super::cells::{is_missing, parse_number, parse_year};
use super::report::{ImportReport, Problem, Rule};
use super::table::{read_table, RawRow};
use super::DEFAULT_YEARS;
use crate::encoding::Encoding;
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::path::Path;
use tandem_core::Panel;

/// Options for [`read_panel`]. `Default`: detect the encoding, first sheet, measure
/// `value`, years [`DEFAULT_YEARS`].
#[derive(Clone, Debug, PartialEq)]
pub struct PanelOptions {
    pub encoding: Option<Encoding>,
    pub sheet: Option<String>,
    /// The panel's measure name (employment, output...).
    pub measure: String,
    pub years: RangeInclusive<i32>,
}

impl Default for PanelOptions {
    fn default() -> Self {
        PanelOptions {
            encoding: None,
            sheet: None,
            measure: "value".to_string(),
            years: DEFAULT_YEARS,
        }
    }
}

const REGION_COLS: &[&str] = &["region", "locality", "locality_id", "地区"];
const INDUSTRY_COLS: &[&str] = &["industry", "sector", "行业", "产业"];
const YEAR_COLS: &[&str] = &["year", "年份"];
const VALUE_COLS: &[&str] = &["value", "数值", "值"];

/// Reads a long panel file (CSV/TSV in UTF-8 or GBK, or a spreadsheet) with columns
/// `region,industry,year,value` into a [`Panel`].
///
/// Regions and industries are taken as written (no locality resolution: panels may hold
/// any regions, e.g. provinces or test regions). Rules, all reported together with file,
/// row and column: required columns present; year an integer in range; value a number and
/// not negative (activity — employment, output, firms — cannot be negative); each
/// (region, industry, year) at most once, even with equal values, since a repeat usually
/// means double counting. An empty or missing value cell is an absent cell (not zero).
pub fn read_panel(path: &Path, opts: &PanelOptions) -> Result<Panel, ImportReport> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| ImportReport {
        problems: vec![Problem::new(
            super::Location::file(&name, None),
            Rule::Unreadable,
            format!("cannot read the file: {e}"),
        )],
    })?;
    read_panel_bytes(&name, &bytes, opts)
}

/// [`read_panel`] on in-memory bytes; `name` is used in problems and for the format.
pub fn read_panel_bytes(
    name: &str,
    bytes: &[u8],
    opts: &PanelOptions,
) -> Result<Panel, ImportReport> {
    let fail = |problems| Err(ImportReport { problems });
    let t = match read_table(name, bytes, opts.encoding, opts.sheet.as_deref()) {
        Ok(t) => t,
        Err(p) => return fail(vec![*p]),
    };
    let find = |names: &[&str]| {
        t.header.cells.iter().position(|c| {
            names.contains(
                &c.trim()
                    .trim_start_matches('\u{feff}')
                    .to_lowercase()
                    .as_str(),
            )
        })
    };
    let cols = [
        find(REGION_COLS),
        find(INDUSTRY_COLS),
        find(YEAR_COLS),
        find(VALUE_COLS),
    ];
    let [Some(rc), Some(ic), Some(yc), Some(vc)] = cols else {
        let missing: Vec<&str> = ["region", "industry", "year", "value"]
            .iter()
            .zip(cols)
            .filter(|(_, c)| c.is_none())
            .map(|(n, _)| *n)
            .collect();
        return fail(vec![Problem::new(
            t.origin.at(t.header.number, None),
            Rule::MissingColumn,
            format!(
                "a panel needs columns region,industry,year,value; missing: {}",
                missing.join(", ")
            ),
        )]);
    };
    let mut problems = Vec::new();
    let mut records: Vec<(String, String, i32, f64)> = Vec::new();
    let mut seen: HashMap<(String, String, i32), usize> = HashMap::new();
    for row in t.rows.iter().filter(|r: &&RawRow| !r.is_blank()) {
        let at = |c: usize| t.cell_location(row.number, c);
        let (region, industry) = (row.cell(rc), row.cell(ic));
        for (c, text, what) in [(rc, region, "region"), (ic, industry, "industry")] {
            if text.is_empty() {
                problems.push(Problem::new(
                    at(c),
                    Rule::Empty,
                    format!("empty {what} cell"),
                ));
            }
        }
        let year = match parse_year(row.cell(yc)) {
            Some(y) if opts.years.contains(&y) => Some(y),
            Some(y) => {
                problems.push(Problem::new(
                    at(yc),
                    Rule::YearOutOfRange,
                    format!(
                        "year {y} is outside {}-{}",
                        opts.years.start(),
                        opts.years.end()
                    ),
                ));
                None
            }
            None => {
                problems.push(Problem::new(
                    at(yc),
                    Rule::InvalidYear,
                    format!("year {:?} is not a whole number", row.cell(yc)),
                ));
                None
            }
        };
        let text = row.cell(vc);
        let value = if is_missing(text) {
            None
        } else {
            match parse_number(text) {
                Ok(n) if n.unit.is_none() && n.value < 0.0 => {
                    problems.push(Problem::new(
                        at(vc),
                        Rule::Negative,
                        format!("activity cannot be negative: {text}"),
                    ));
                    None
                }
                Ok(n) if n.unit.is_none() => Some(n.value),
                _ => {
                    problems.push(Problem::new(
                        at(vc),
                        Rule::NonNumeric,
                        format!("{text:?} is not a number"),
                    ));
                    None
                }
            }
        };
        let (Some(year), false, false) = (year, region.is_empty(), industry.is_empty()) else {
            continue;
        };
        let key = (region.to_string(), industry.to_string(), year);
        if let Some(first) = seen.get(&key) {
            problems.push(Problem::new(
                at(vc),
                Rule::DuplicateConflict,
                format!("region {region}, industry {industry}, year {year} already given in row {first}"),
            ));
            continue;
        }
        seen.insert(key.clone(), row.number);
        if let Some(v) = value {
            records.push((key.0, key.1, key.2, v));
        }
    }
    if !problems.is_empty() {
        return fail(problems);
    }
    if records.is_empty() {
        return fail(vec![Problem::new(
            t.origin.at(t.header.number, None),
            Rule::Empty,
            "the panel has no values",
        )]);
    }
    // Rows whose value is absent still put their region, industry and year in the panel's
    // rectangle (as absent cells), so the panel is built densely from every key.
    let mut regions: Vec<String> = seen.keys().map(|k| k.0.clone()).collect();
    let mut industries: Vec<String> = seen.keys().map(|k| k.1.clone()).collect();
    let mut years: Vec<i32> = seen.keys().map(|k| k.2).collect();
    for v in [&mut regions, &mut industries] {
        v.sort();
        v.dedup();
    }
    years.sort_unstable();
    years.dedup();
    let index = |names: &[String]| -> HashMap<String, usize> {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect()
    };
    let (ri, ii) = (index(&regions), index(&industries));
    let yi: HashMap<i32, usize> = years.iter().enumerate().map(|(i, y)| (*y, i)).collect();
    let mut cells = vec![None; regions.len() * industries.len() * years.len()];
    for (r, i, y, v) in records {
        cells[(yi[&y] * regions.len() + ri[&r]) * industries.len() + ii[&i]] = Some(v);
    }
    Panel::from_dense(&opts.measure, regions, industries, years, cells).map_err(|e| ImportReport {
        problems: vec![Problem::new(t.origin.clone(), Rule::Empty, e.to_string())],
    })
}
