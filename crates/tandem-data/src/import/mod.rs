//! Importing users' files, with validation.
//!
//! [`import_files`] (and [`import_bytes`] for in-memory files) read CSV/TSV text (UTF-8
//! with or without BOM, GBK/GB18030; see [`crate::encoding`]) and spreadsheets (XLSX, and
//! XLS/ODS through the same reader) in three layouts ([`Layout`]):
//!
//! * **long**: the layout of `data/indicators.csv`, one value per row, columns
//!   `locality_id,year,indicator,value,unit,source_url` (`locality` is accepted for
//!   `locality_id`, `source` for `source_url`; an optional `source_rank`/`source_quality`
//!   column gives the source's rank 1-6 or `unrated`). This is also the layout
//!   [`crate::export`] writes, so an export can be imported again.
//! * **wide**: a statistical-yearbook table, one row per locality and one column per
//!   indicator. The header names the indicator and may carry the year and unit:
//!   `地区生产总值(亿元)`, `GDP 2022 (100m_yuan)`, `常住人口（万人）`,
//!   `2021年第一产业增加值（亿元）`. Optional `year`/`年份`, `unit`/`单位` and
//!   `source_url`/`来源` columns apply to their row. Title rows above the header (rows with
//!   fewer than two filled cells) and footnote rows (`注：...`) are skipped; total rows
//!   (`合计`, `全省`) are unknown localities unless the known localities include such an
//!   aggregate, so remove them or name the aggregate. Tables with one column per year
//!   are not read: put the year in each header (`GDP 2021`, `GDP 2022`).
//! * **io**: an input-output table in the layout of `data/io/*.csv` (parsed by
//!   [`crate::io_csv::parse_io_table`]); the year comes from the file name
//!   (`china_2020_42.csv`) or [`ImportOptions::year`], the source from
//!   [`ImportOptions::source`]; its rows must balance within [`Tolerances::io_balance`].
//!
//! The layout is detected from the header (a `Code` first column with a `GO` column: io;
//! `indicator` and `value` columns: long; otherwise wide) unless [`ImportOptions::layout`]
//! says otherwise.
//!
//! # Validation
//!
//! Every problem is collected, none stops the import early, and a single problem in any
//! file means nothing is imported: the result is `Err(`[`ImportReport`]`)` listing every
//! problem with its file, sheet, row (1-based, header = row 1), column and [`Rule`]. The
//! rules:
//!
//! * localities are resolved by [`LocalityResolver`] (id, GB/T 2260 code, Chinese full or
//!   short name, English name); unknown names come with suggestions, ambiguous ones
//!   (English `Suzhou`) list the candidates;
//! * indicators must be in the catalogue ([`tandem_core::INDICATORS`]), units known to
//!   [`Unit::parse`] and of the indicator's dimension. A value in another unit of the
//!   right dimension is converted explicitly ([`tandem_core::Quantity::convert_to`]) to the indicator's
//!   canonical unit, and the conversion is listed in [`ImportBatch::notes`];
//! * values must be numbers (thousands separators allowed, a unit suffix such as
//!   `12.3亿元` allowed), non-negative where [`tandem_core::Indicator::non_negative`], not above
//!   [`tandem_core::Indicator::max`] (percent shares ≤ 100);
//! * one column must not mix units (cell suffixes or a unit column that differ from each
//!   other or from the header's unit);
//! * years must be integers inside [`ImportOptions::years`] (default [`DEFAULT_YEARS`]);
//! * a key (locality, year, indicator) may appear more than once, in one file or across the
//!   files of one import, only with the same value (the repeat is dropped and counted);
//! * sector parts must add up: `va_primary + va_secondary + va_tertiary` within
//!   [`Tolerances::level_relative`] of `gdp` (default 0.5 %, relative to GDP), and
//!   `share_primary + share_secondary + share_tertiary` within
//!   [`Tolerances::share_points`] of 100 (default 0.5 percentage points). The check runs
//!   where all parts and the total are present for a locality and year;
//! * every value needs a source: the file's source column, else [`ImportOptions::source`],
//!   else the error "no source: add a source_url column or pass --source".
//!
//! Missing cells (see [`MISSING_MARKERS`]: empty, `-`, `—`, `…`, `NA`, `n/a`, `..`) are
//! absent, never zero; [`FileSummary::missing_cells`] counts them and a note says so.

mod cells;
mod layouts;
mod panel;
mod report;
mod table;

pub use cells::{is_missing, parse_header, parse_number, HeaderSpec, MISSING_MARKERS};
pub use panel::{read_panel, read_panel_bytes, PanelOptions};
pub use report::{ImportReport, Location, Problem, Rule};

use crate::encoding::Encoding;
use crate::resolve::LocalityResolver;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use tandem_core::Unit;
use tandem_core::{IoTable, Locality, Observation, ObservationKey, SECTOR_LEVELS, SECTOR_SHARES};

/// The years accepted by default: from the founding of the PRC statistical system to the
/// 2035 long-range targets. Anything outside is far more likely a typo (`2202`, `202`)
/// than data.
pub const DEFAULT_YEARS: RangeInclusive<i32> = 1949..=2035;

/// The layout of an imported file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// One value per row (`data/indicators.csv`).
    Long,
    /// One row per locality, one column per indicator (statistical yearbooks).
    Wide,
    /// An input-output table (`data/io/*.csv`).
    IoTable,
}

impl Layout {
    /// Parses `long`, `wide`/`yearbook`, `io`/`io-table`.
    pub fn parse(text: &str) -> Option<Layout> {
        match text.trim().to_ascii_lowercase().as_str() {
            "long" => Some(Layout::Long),
            "wide" | "yearbook" => Some(Layout::Wide),
            "io" | "io-table" | "io_table" | "iotable" => Some(Layout::IoTable),
            _ => None,
        }
    }

    /// The name used in options and summaries.
    pub fn name(self) -> &'static str {
        match self {
            Layout::Long => "long",
            Layout::Wide => "wide",
            Layout::IoTable => "io",
        }
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How closely sector parts must add up to their total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerances {
    /// Allowed |Σ sector value added − GDP| / GDP. Default 0.005 (0.5 %): published sector
    /// figures are rounded to 0.01 亿元 and occasionally revised separately.
    pub level_relative: f64,
    /// Allowed |Σ sector shares − 100| in percentage points. Default 0.5: shares are
    /// published to one decimal.
    pub share_points: f64,
    /// Allowed relative gap of an input-output table's row balance
    /// (Σ intermediate use + total final use − imports vs gross output, see
    /// [`tandem_core::IoTable::check_balance`]). Default 1e-6: the published tables
    /// balance to about 1e-14, so anything larger is a transcription error.
    pub io_balance: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Tolerances {
            level_relative: 0.005,
            share_points: 0.5,
            io_balance: 1e-6,
        }
    }
}

/// Options of an import. `Default` gives: detect layout and encoding, no fallback year,
/// unit or source, the first sheet, dataset `import`, default tolerances and years.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportOptions {
    /// Force a layout instead of detecting it from the header.
    pub layout: Option<Layout>,
    /// Force an encoding for text files instead of detecting it.
    pub encoding: Option<Encoding>,
    /// The year of values whose header, row and file name give none.
    pub year: Option<i32>,
    /// The unit of values whose cell, header and row give none.
    pub unit: Option<Unit>,
    /// The sheet of a spreadsheet (default: the first).
    pub sheet: Option<String>,
    /// The source (URL or citation) of values whose row gives none.
    pub source: Option<String>,
    /// The dataset name recorded in every imported [`tandem_core::Source`].
    pub dataset: String,
    pub tolerances: Tolerances,
    /// Accepted years.
    pub years: RangeInclusive<i32>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            layout: None,
            encoding: None,
            year: None,
            unit: None,
            sheet: None,
            source: None,
            dataset: "import".to_string(),
            tolerances: Tolerances::default(),
            years: DEFAULT_YEARS,
        }
    }
}

/// What was read from one file.
#[derive(Clone, Debug, PartialEq)]
pub struct FileSummary {
    pub file: String,
    pub sheet: Option<String>,
    pub layout: Layout,
    /// The encoding of a text file; `None` for spreadsheets.
    pub encoding: Option<Encoding>,
    /// Non-blank rows below the header.
    pub data_rows: usize,
    /// Observations contributed (after dropping same-value repeats).
    pub observations: usize,
    /// Value cells that were missing markers and so were skipped as absent.
    pub missing_cells: usize,
    /// Repeats of an already-seen key with the same value, dropped.
    pub duplicates_dropped: usize,
    pub io_tables: usize,
}

/// The result of a successful import: everything validated, nothing written yet.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportBatch {
    /// Values in their indicator's canonical unit, each with its source.
    pub observations: Vec<Observation>,
    pub io_tables: Vec<IoTable>,
    /// Unit conversions made, skipped missing cells, dropped repeats, ignored header words.
    pub notes: Vec<String>,
    pub files: Vec<FileSummary>,
}

/// An observation on its way in, with the cell it came from.
#[derive(Clone, Debug)]
pub(crate) struct Candidate {
    pub obs: Observation,
    pub at: Location,
    /// Index into the import's file summaries.
    pub file_ix: usize,
}

/// (file, column, from unit code, to unit code): one line of the conversion notes.
pub(crate) type ConversionKey = (String, String, &'static str, &'static str);

/// Per-import state shared by the layout readers.
pub(crate) struct Collector<'o, 'l> {
    pub opts: &'o ImportOptions,
    pub resolver: LocalityResolver<'l>,
    pub problems: Vec<Problem>,
    pub candidates: Vec<Candidate>,
    pub io_tables: Vec<IoTable>,
    pub notes: Vec<String>,
    pub files: Vec<FileSummary>,
    /// (file, column, from code, to code) -> (from, to, number of values converted).
    pub conversions: BTreeMap<ConversionKey, (Unit, Unit, usize)>,
}

/// Imports files from disk; see the module documentation for layouts and rules.
///
/// File names in problems are the paths as given. A file that cannot be read is a
/// [`Rule::Unreadable`] problem like any other.
pub fn import_files(
    paths: &[PathBuf],
    opts: &ImportOptions,
    localities: &[Locality],
) -> Result<ImportBatch, ImportReport> {
    let mut files = Vec::with_capacity(paths.len());
    let mut unreadable = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        match std::fs::read(path) {
            Ok(bytes) => files.push((name, bytes)),
            Err(e) => unreadable.push(Problem::new(
                Location::file(&name, None),
                Rule::Unreadable,
                format!("cannot read the file: {e}"),
            )),
        }
    }
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    match import_many(&named, opts, localities) {
        Ok(batch) if unreadable.is_empty() => Ok(batch),
        Ok(_) => Err(ImportReport {
            problems: unreadable,
        }),
        Err(mut report) => {
            unreadable.append(&mut report.problems);
            Err(ImportReport {
                problems: unreadable,
            })
        }
    }
}

/// Imports one in-memory file named `name` (the name is used in problems, for the format
/// when the bytes do not say, and for the year of an input-output table).
pub fn import_bytes(
    name: &str,
    bytes: &[u8],
    opts: &ImportOptions,
    localities: &[Locality],
) -> Result<ImportBatch, ImportReport> {
    import_many(&[(name, bytes)], opts, localities)
}

/// Imports several in-memory files as one import: duplicates and sector sums are checked
/// across all of them.
pub fn import_many(
    files: &[(&str, &[u8])],
    opts: &ImportOptions,
    localities: &[Locality],
) -> Result<ImportBatch, ImportReport> {
    let mut cx = Collector {
        opts,
        resolver: LocalityResolver::new(localities),
        problems: Vec::new(),
        candidates: Vec::new(),
        io_tables: Vec::new(),
        notes: Vec::new(),
        files: Vec::new(),
        conversions: BTreeMap::new(),
    };
    for (name, bytes) in files {
        layouts::import_file(name, bytes, &mut cx);
    }
    let observations = check_duplicates(&mut cx);
    check_sector_sums(&observations, &mut cx);
    for ((file, column, _, _), (from, to, n)) in &cx.conversions {
        cx.notes.push(format!(
            "{file}: {n} value{} of {column} converted from {} to {} (x{})",
            if *n == 1 { "" } else { "s" },
            from.code(),
            to.code(),
            from.scale() / to.scale()
        ));
    }
    for f in &cx.files {
        if f.missing_cells > 0 {
            cx.notes.push(format!(
                "{}: {} missing cell{} skipped (absent, not zero)",
                f.file,
                f.missing_cells,
                if f.missing_cells == 1 { "" } else { "s" }
            ));
        }
        if f.duplicates_dropped > 0 {
            cx.notes.push(format!(
                "{}: {} repeated value{} with the same key and value dropped",
                f.file,
                f.duplicates_dropped,
                if f.duplicates_dropped == 1 { "" } else { "s" }
            ));
        }
    }
    if !cx.problems.is_empty() {
        return Err(ImportReport {
            problems: cx.problems,
        });
    }
    Ok(ImportBatch {
        observations: observations.into_iter().map(|c| c.obs).collect(),
        io_tables: cx.io_tables,
        notes: cx.notes,
        files: cx.files,
    })
}

/// Two values agree when they differ by at most this fraction of the larger (unit
/// conversions can leave the last bits different).
const SAME_VALUE: f64 = 1e-9;

/// Drops same-value repeats (counted in their file's summary) and reports conflicting
/// ones; returns the candidates kept, in input order.
fn check_duplicates(cx: &mut Collector) -> Vec<Candidate> {
    let mut first: HashMap<ObservationKey, usize> = HashMap::new();
    let mut kept: Vec<Candidate> = Vec::new();
    for c in std::mem::take(&mut cx.candidates) {
        match first.get(&c.obs.key()) {
            None => {
                first.insert(c.obs.key(), kept.len());
                kept.push(c);
            }
            Some(&k) => {
                let prev = &kept[k];
                let (a, b) = (prev.obs.value, c.obs.value);
                if (a - b).abs() <= SAME_VALUE * a.abs().max(b.abs()) {
                    cx.files[c.file_ix].duplicates_dropped += 1;
                    cx.files[c.file_ix].observations -= 1;
                } else {
                    cx.problems.push(Problem::new(
                        c.at.clone(),
                        Rule::DuplicateConflict,
                        format!(
                            "{} {} {} is {} {} here but {} at {}",
                            c.obs.locality,
                            c.obs.year,
                            c.obs.indicator,
                            b,
                            c.obs.unit.code(),
                            a,
                            prev.at
                        ),
                    ));
                }
            }
        }
    }
    kept
}

/// Checks sector parts against their totals for every locality and year where all are
/// present (see [`Tolerances`]).
fn check_sector_sums(kept: &[Candidate], cx: &mut Collector) {
    let mut by_key: HashMap<(&str, i32, &str), &Candidate> = HashMap::new();
    for c in kept {
        by_key.insert((&c.obs.locality, c.obs.year, &c.obs.indicator), c);
    }
    let mut groups: Vec<(&str, i32)> = kept
        .iter()
        .map(|c| (c.obs.locality.as_str(), c.obs.year))
        .collect();
    groups.sort();
    groups.dedup();
    let tol = cx.opts.tolerances;
    for (loc, year) in groups {
        let get = |ind: &str| by_key.get(&(loc, year, ind)).copied();
        let levels: Option<Vec<&Candidate>> = SECTOR_LEVELS.iter().map(|i| get(i)).collect();
        if let (Some(parts), Some(total)) = (levels, get("gdp")) {
            let sum: f64 = parts.iter().map(|c| c.obs.value).sum();
            let gdp = total.obs.value;
            let gap = if gdp == 0.0 {
                if sum == 0.0 {
                    0.0
                } else {
                    f64::INFINITY
                }
            } else {
                (sum - gdp).abs() / gdp.abs()
            };
            if gap > tol.level_relative {
                cx.problems.push(Problem::new(
                    total.at.clone(),
                    Rule::SectorSum,
                    format!(
                        "{loc} {year}: va_primary + va_secondary + va_tertiary = {} {} but gdp = {} (gap {:.2} % > tolerance {} %; parts at {})",
                        round6(sum),
                        total.obs.unit.code(),
                        gdp,
                        gap * 100.0,
                        tol.level_relative * 100.0,
                        parts.iter().map(|c| c.at.to_string()).collect::<Vec<_>>().join("; ")
                    ),
                ));
            }
        }
        let shares: Option<Vec<&Candidate>> = SECTOR_SHARES.iter().map(|i| get(i)).collect();
        if let Some(parts) = shares {
            let sum: f64 = parts.iter().map(|c| c.obs.value).sum();
            if (sum - 100.0).abs() > tol.share_points {
                cx.problems.push(Problem::new(
                    parts[2].at.clone(),
                    Rule::SectorSum,
                    format!(
                        "{loc} {year}: sector shares add up to {} %, not 100 % (tolerance {} percentage points; parts at {})",
                        round6(sum),
                        tol.share_points,
                        parts.iter().map(|c| c.at.to_string()).collect::<Vec<_>>().join("; ")
                    ),
                ));
            }
        }
    }
}

/// Rounds for messages so that float sums print as people wrote them.
fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}
