//! Exporting observations to CSV, XLSX or JSON, sources kept.
//!
//! Every format has the same fields per observation: `locality_id, locality_name_zh,
//! locality_name_en, year, indicator, value, unit, source, source_quality, dataset`.
//! `unit` is the unit code (`100m_yuan`), `source_quality` is `rank N` or `unrated`.
//! Rows are sorted by locality id, indicator and year so that exports diff cleanly.
//! The CSV export is in the long import layout, so it can be imported again
//! ([`crate::import`] reads `source` and `source_quality` as the source columns).
//!
//! XLSX files have a sheet `observations` (the rows above, values as numbers) and a sheet
//! `sources` listing each distinct source (citation, quality, dataset) with the number of
//! observations citing it. JSON is an array of objects with the fields above (`value` a
//! number, `year` an integer).

use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::ops::RangeInclusive;
use std::path::Path;
use tandem_core::{Locality, Observation};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    Json,
}

impl ExportFormat {
    /// Parses `csv`, `xlsx`, `json` (case-insensitive).
    pub fn parse(text: &str) -> Option<ExportFormat> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" | "excel" => Some(ExportFormat::Xlsx),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }

    /// The format a path's extension names (`out.xlsx` -> Xlsx); `None` for others.
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        path.extension()
            .and_then(|e| e.to_str())
            .and_then(ExportFormat::parse)
    }
}

/// Which observations to export. `None` in a field means "all"; the default selects
/// everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Locality ids.
    pub localities: Option<BTreeSet<String>>,
    /// Years, inclusive.
    pub years: Option<RangeInclusive<i32>>,
    /// Indicator ids.
    pub indicators: Option<BTreeSet<String>>,
}

impl Selection {
    /// Whether the observation passes every field of the selection.
    pub fn matches(&self, o: &Observation) -> bool {
        self.localities
            .as_ref()
            .is_none_or(|s| s.contains(&o.locality))
            && self.years.as_ref().is_none_or(|r| r.contains(&o.year))
            && self
                .indicators
                .as_ref()
                .is_none_or(|s| s.contains(&o.indicator))
    }

    /// The matching observations, in input order.
    pub fn filter(&self, observations: &[Observation]) -> Vec<Observation> {
        observations
            .iter()
            .filter(|o| self.matches(o))
            .cloned()
            .collect()
    }
}

/// An export that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("cannot write the CSV export: {0}")]
    Csv(#[from] csv::Error),
    #[error("cannot write the JSON export: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot write the XLSX export: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("{rows} observations do not fit in one XLSX sheet (at most {max} rows)")]
    TooManyRows { rows: usize, max: usize },
    #[error("cannot tell the export format from {0:?}: use a .csv, .xlsx or .json name or choose the format")]
    UnknownFormat(String),
}

/// The column names, in order.
pub const COLUMNS: [&str; 10] = [
    "locality_id",
    "locality_name_zh",
    "locality_name_en",
    "year",
    "indicator",
    "value",
    "unit",
    "source",
    "source_quality",
    "dataset",
];

/// One exported row.
#[derive(Clone, Debug, PartialEq, Serialize)]
struct Row<'a> {
    locality_id: &'a str,
    locality_name_zh: &'a str,
    locality_name_en: &'a str,
    year: i32,
    indicator: &'a str,
    value: f64,
    unit: &'static str,
    source: &'a str,
    source_quality: String,
    dataset: &'a str,
}

fn rows<'a>(obs: &'a [Observation], localities: &'a [Locality]) -> Vec<Row<'a>> {
    let by_id: HashMap<&str, &Locality> = localities.iter().map(|l| (l.id.as_str(), l)).collect();
    let mut sorted: Vec<&Observation> = obs.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.locality, &a.indicator, a.year).cmp(&(&b.locality, &b.indicator, b.year))
    });
    sorted
        .into_iter()
        .map(|o| {
            let l = by_id.get(o.locality.as_str());
            Row {
                locality_id: &o.locality,
                // A locality missing from the list keeps its id; the names stay empty.
                locality_name_zh: l.map_or("", |l| l.name_zh.as_str()),
                locality_name_en: l.map_or("", |l| l.name_en.as_str()),
                year: o.year,
                indicator: &o.indicator,
                value: o.value,
                unit: o.unit.code(),
                source: &o.source.citation,
                source_quality: o.source.quality.label(),
                dataset: &o.source.dataset,
            }
        })
        .collect()
}

/// Writes `obs` in `format` to `writer`. `localities` supplies the names (observations of
/// unknown localities are written with empty names).
pub fn export_observations<W: Write>(
    obs: &[Observation],
    localities: &[Locality],
    format: ExportFormat,
    mut writer: W,
) -> Result<(), ExportError> {
    let rows = rows(obs, localities);
    match format {
        ExportFormat::Csv => {
            let mut w = csv::Writer::from_writer(writer);
            w.write_record(COLUMNS)?;
            for r in &rows {
                w.write_record([
                    r.locality_id,
                    r.locality_name_zh,
                    r.locality_name_en,
                    &r.year.to_string(),
                    r.indicator,
                    &r.value.to_string(),
                    r.unit,
                    r.source,
                    &r.source_quality,
                    r.dataset,
                ])?;
            }
            w.flush()?;
        }
        ExportFormat::Json => {
            serde_json::to_writer_pretty(&mut writer, &rows)?;
            writer.write_all(b"\n")?;
        }
        ExportFormat::Xlsx => {
            let bytes = xlsx_bytes(&rows)?;
            writer.write_all(&bytes)?;
        }
    }
    Ok(())
}

/// Writes `obs` to the file at `path`, in `format` or, if `None`, the format named by the
/// path's extension.
pub fn export_observations_to_path(
    obs: &[Observation],
    localities: &[Locality],
    format: Option<ExportFormat>,
    path: &Path,
) -> Result<(), ExportError> {
    let format = format
        .or_else(|| ExportFormat::from_path(path))
        .ok_or_else(|| ExportError::UnknownFormat(path.display().to_string()))?;
    // Build the whole output first so that a failed export leaves no half-written file.
    let mut buffer = Vec::new();
    export_observations(obs, localities, format, &mut buffer)?;
    std::fs::write(path, buffer)?;
    Ok(())
}

/// Excel's row limit per sheet.
const XLSX_MAX_ROWS: usize = 1_048_576;

fn xlsx_bytes(rows: &[Row]) -> Result<Vec<u8>, ExportError> {
    use rust_xlsxwriter::{Format, Workbook};
    if rows.len() + 1 > XLSX_MAX_ROWS {
        return Err(ExportError::TooManyRows {
            rows: rows.len(),
            max: XLSX_MAX_ROWS - 1,
        });
    }
    let bold = Format::new().set_bold();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("observations")?;
    for (c, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = (i + 1) as u32;
        sheet.write_string(row, 0, r.locality_id)?;
        sheet.write_string(row, 1, r.locality_name_zh)?;
        sheet.write_string(row, 2, r.locality_name_en)?;
        sheet.write_number(row, 3, r.year)?;
        sheet.write_string(row, 4, r.indicator)?;
        sheet.write_number(row, 5, r.value)?;
        sheet.write_string(row, 6, r.unit)?;
        sheet.write_string(row, 7, r.source)?;
        sheet.write_string(row, 8, &r.source_quality)?;
        sheet.write_string(row, 9, r.dataset)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    let mut sources: BTreeMap<(&str, &str, &str), usize> = BTreeMap::new();
    for r in rows {
        *sources
            .entry((r.source, r.source_quality.as_str(), r.dataset))
            .or_default() += 1;
    }
    let sheet = book.add_worksheet();
    sheet.set_name("sources")?;
    for (c, name) in ["source", "source_quality", "dataset", "observations"]
        .iter()
        .enumerate()
    {
        sheet.write_string_with_format(0, c as u16, *name, &bold)?;
    }
    for (i, ((source, quality, dataset), n)) in sources.iter().enumerate() {
        let row = (i + 1) as u32;
        sheet.write_string(row, 0, *source)?;
        sheet.write_string(row, 1, *quality)?;
        sheet.write_string(row, 2, *dataset)?;
        sheet.write_number(row, 3, *n as f64)?;
    }
    Ok(book.save_to_buffer()?)
}
