//! The three layouts: detecting them and turning rows into candidate observations (or an
//! input-output table), reporting every problem on the way.

use super::cells::{self, find_indicator, parse_header, parse_number, parse_year, HeaderError};
use super::report::{Location, Problem, Rule};
use super::table::{self, RawRow, RawTable};
use super::{Candidate, Collector, FileSummary, Layout};
use crate::resolve::ResolveError;
use tandem_core::{Indicator, Observation, Quantity, Source, SourceQuality, Unit};

/// Header names of the locality column (long layout).
const LOCALITY_COLS: &[&str] = &["locality_id", "locality", "地区", "城市", "region", "city"];
/// Additional header names of the locality column in a yearbook table.
const WIDE_LOCALITY_COLS: &[&str] = &[
    "地市",
    "地区名称",
    "城市名称",
    "市",
    "name",
    "名称",
    "area",
    "项目",
];
const YEAR_COLS: &[&str] = &["year", "年份", "年度", "年"];
const INDICATOR_COLS: &[&str] = &["indicator", "indicator_id", "指标"];
const VALUE_COLS: &[&str] = &["value", "数值", "值"];
const UNIT_COLS: &[&str] = &["unit", "单位", "计量单位"];
const SOURCE_COLS: &[&str] = &["source_url", "source", "来源", "资料来源", "数据来源"];
const RANK_COLS: &[&str] = &["source_rank", "source_quality", "rank"];
/// Columns a yearbook table or an export may carry that hold no values.
const IGNORED_COLS: &[&str] = &[
    "序号",
    "no",
    "no.",
    "note",
    "notes",
    "备注",
    "remark",
    "locality_name_zh",
    "locality_name_en",
    "name_zh",
    "name_en",
    "province",
    "省份",
    "dataset",
    "chosen",
];

/// The message of the "no source" rule.
const NO_SOURCE: &str = "no source: add a source_url column or pass --source";

/// Header text for matching column names: lower case, without a stray BOM and without
/// any white space (yearbooks pad names: `地  区`).
fn norm_header(h: &str) -> String {
    h.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
        .collect::<String>()
        .to_lowercase()
}

fn position(header: &RawRow, names: &[&str]) -> Option<usize> {
    header
        .cells
        .iter()
        .position(|c| names.contains(&norm_header(c).as_str()))
}

/// Detects the layout from the header row.
pub(crate) fn detect_layout(header: &RawRow) -> Layout {
    let cols: Vec<String> = header.cells.iter().map(|c| norm_header(c)).collect();
    if cols.first().is_some_and(|c| c == "code") && cols.iter().any(|c| c == "go") {
        Layout::IoTable
    } else if position(header, INDICATOR_COLS).is_some() && position(header, VALUE_COLS).is_some() {
        Layout::Long
    } else {
        Layout::Wide
    }
}

/// Reads one file and adds its candidates, problems and summary to `cx`.
pub(crate) fn import_file(name: &str, bytes: &[u8], cx: &mut Collector) {
    let t = match table::read_table(name, bytes, cx.opts.encoding, cx.opts.sheet.as_deref()) {
        Ok(t) => t,
        Err(p) => {
            cx.problems.push(*p);
            return;
        }
    };
    let layout = cx.opts.layout.unwrap_or_else(|| detect_layout(&t.header));
    let file_ix = cx.files.len();
    cx.files.push(FileSummary {
        file: name.to_string(),
        sheet: t.origin.sheet.clone(),
        layout,
        encoding: t.encoding,
        data_rows: t.rows.iter().filter(|r| !r.is_blank()).count(),
        observations: 0,
        missing_cells: 0,
        duplicates_dropped: 0,
        io_tables: 0,
    });
    if t.skipped_title_rows > 0 {
        cx.notes.push(format!(
            "{}: {} title row(s) above the header (row {}) skipped",
            t.origin, t.skipped_title_rows, t.header.number
        ));
    }
    // The year option is checked once here; the readers then use it as it is.
    if let Some(y) = cx.opts.year {
        if check_year_range(y, t.origin.clone(), cx).is_err() {
            return;
        }
    }
    if layout != Layout::IoTable && cx.files[file_ix].data_rows == 0 {
        cx.problems.push(Problem::new(
            t.origin.at(t.header.number, None),
            Rule::Empty,
            "no data rows below the header",
        ));
        return;
    }
    match layout {
        Layout::Long => read_long(&t, file_ix, cx),
        Layout::Wide => read_wide(&t, file_ix, cx),
        Layout::IoTable => read_io(name, &t, file_ix, cx),
    }
}

/// Cells beyond the header's last column are reported rather than dropped.
fn check_extra_cells(t: &RawTable, row: &RawRow, cx: &mut Collector) {
    let width = t.header.cells.len();
    if let Some(k) = row
        .cells
        .iter()
        .enumerate()
        .skip(width)
        .find(|(_, c)| !c.trim().is_empty())
        .map(|(k, _)| k)
    {
        cx.problems.push(Problem::new(
            t.cell_location(row.number, k),
            Rule::ExtraCells,
            format!(
                "the row has a value ({:?}) beyond the header's {width} columns",
                row.cell(k)
            ),
        ));
    }
}

fn resolve_locality(text: &str, at: Location, cx: &mut Collector) -> Option<String> {
    match cx.resolver.resolve(text) {
        Ok(l) => Some(l.id.clone()),
        Err(e) => {
            let rule = match e {
                ResolveError::Ambiguous { .. } => Rule::AmbiguousLocality,
                _ => Rule::UnknownLocality,
            };
            cx.problems.push(Problem::new(at, rule, e.to_string()));
            None
        }
    }
}

/// Reads a year cell; `Ok(None)` for an empty cell.
fn read_year(text: &str, at: Location, cx: &mut Collector) -> Result<Option<i32>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match parse_year(text) {
        None => {
            cx.problems.push(Problem::new(
                at,
                Rule::InvalidYear,
                format!("year {text:?} is not a whole number"),
            ));
            Err(())
        }
        Some(y) => check_year_range(y, at, cx).map(Some),
    }
}

fn check_year_range(y: i32, at: Location, cx: &mut Collector) -> Result<i32, ()> {
    let range = &cx.opts.years;
    if range.contains(&y) {
        Ok(y)
    } else {
        cx.problems.push(Problem::new(
            at,
            Rule::YearOutOfRange,
            format!(
                "year {y} is outside the accepted range {}-{} (set ImportOptions::years to change it)",
                range.start(),
                range.end()
            ),
        ));
        Err(())
    }
}

fn read_unit(text: &str, at: Location, cx: &mut Collector) -> Result<Option<Unit>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    match Unit::parse(text) {
        Some(u) => Ok(Some(u)),
        None => {
            cx.problems.push(Problem::new(
                at,
                Rule::UnknownUnit,
                format!(
                    "unknown unit {text:?}; known units: {}",
                    Unit::ALL
                        .iter()
                        .map(|u| format!("{} ({})", u.code(), u.label_zh()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            Err(())
        }
    }
}

fn read_rank(text: &str, at: Location, cx: &mut Collector) -> Option<SourceQuality> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() || t == "unrated" {
        return Some(SourceQuality::Unrated);
    }
    let digits = t.strip_prefix("rank").unwrap_or(&t).trim();
    match digits.parse::<u8>() {
        Ok(r) if (1..=6).contains(&r) => Some(SourceQuality::Rank(r)),
        _ => {
            cx.problems.push(Problem::new(
                at,
                Rule::InvalidSourceRank,
                format!("source rank {text:?} is not 1-6 or \"unrated\" (see data/SOURCES.md)"),
            ));
            None
        }
    }
}

/// The source of one row: its source cell, else the import's `--source`.
fn row_source(
    t: &RawTable,
    row: &RawRow,
    src_c: Option<usize>,
    rank_c: Option<usize>,
    cx: &mut Collector,
) -> Option<Source> {
    let quality = match rank_c {
        Some(c) => read_rank(row.cell(c), t.cell_location(row.number, c), cx)?,
        None => SourceQuality::Unrated,
    };
    let cell = src_c.map(|c| row.cell(c)).filter(|s| !s.is_empty());
    let citation = match (cell, &cx.opts.source) {
        (Some(s), _) => s.to_string(),
        (None, Some(s)) => s.clone(),
        (None, None) => {
            // Without a source column the problem is reported once for the file.
            if let Some(c) = src_c {
                cx.problems.push(Problem::new(
                    t.cell_location(row.number, c),
                    Rule::MissingSource,
                    NO_SOURCE,
                ));
            }
            return None;
        }
    };
    Some(Source::new(citation, quality, cx.opts.dataset.clone()))
}

/// A value ready for the unit and range checks.
struct Value<'a> {
    at: Location,
    /// The column, for conversion notes.
    column: String,
    /// `None` where the locality, year or source was invalid (already reported): the value
    /// is still checked, so that every problem of a row is reported, but not admitted.
    locality: Option<String>,
    year: Option<i32>,
    indicator: &'static Indicator,
    value: f64,
    unit: Unit,
    source: Option<&'a Source>,
}

/// Converts to the indicator's canonical unit, checks sign and maximum, and adds the
/// candidate when its locality, year and source are valid.
fn admit(v: Value, file_ix: usize, cx: &mut Collector) {
    let ind = v.indicator;
    let unit = ind.interpret_unit(v.unit);
    let q = match Quantity::new(v.value, unit).convert_to(ind.unit) {
        Ok(q) => q,
        Err(_) => {
            cx.problems.push(Problem::new(
                v.at,
                Rule::WrongDimension,
                format!(
                    "unit {} ({}) measures {:?}, but {} is {:?} in {}",
                    unit.code(),
                    unit.label_zh(),
                    unit.dimension(),
                    ind.id,
                    ind.unit.dimension(),
                    ind.unit.code()
                ),
            ));
            return;
        }
    };
    if ind.non_negative && q.value < 0.0 {
        cx.problems.push(Problem::new(
            v.at,
            Rule::Negative,
            format!("{} cannot be negative: {} {}", ind.id, v.value, unit.code()),
        ));
        return;
    }
    if let Some(max) = ind.max {
        if q.value > max {
            cx.problems.push(Problem::new(
                v.at,
                Rule::AboveMax,
                format!(
                    "{} cannot exceed {max} {}: {} {}",
                    ind.id,
                    ind.unit.code(),
                    v.value,
                    unit.code()
                ),
            ));
            return;
        }
    }
    if unit != ind.unit {
        let key = (
            cx.files[file_ix].file.clone(),
            v.column,
            unit.code(),
            ind.unit.code(),
        );
        cx.conversions.entry(key).or_insert((unit, ind.unit, 0)).2 += 1;
    }
    let (Some(locality), Some(year), Some(source)) = (v.locality, v.year, v.source) else {
        return;
    };
    cx.files[file_ix].observations += 1;
    cx.candidates.push(Candidate {
        obs: Observation {
            locality,
            year,
            indicator: ind.id.to_string(),
            value: q.value,
            unit: ind.unit,
            source: source.clone(),
        },
        at: v.at,
        file_ix,
    });
}

/// Reads a value cell; `None` when missing (counted) or not a number (reported).
fn read_value(
    text: &str,
    at: &Location,
    file_ix: usize,
    cx: &mut Collector,
) -> Option<cells::CellNumber> {
    if cells::is_missing(text) {
        cx.files[file_ix].missing_cells += 1;
        return None;
    }
    match parse_number(text) {
        Ok(n) => Some(n),
        Err(cells::NumberError::NotANumber) => {
            cx.problems.push(Problem::new(
                at.clone(),
                Rule::NonNumeric,
                format!("{text:?} is not a number"),
            ));
            None
        }
        Err(cells::NumberError::UnknownSuffix(s)) => {
            cx.problems.push(Problem::new(
                at.clone(),
                Rule::NonNumeric,
                format!("{text:?} is not a number: {s:?} after it is no known unit"),
            ));
            None
        }
    }
}

fn unknown_indicator(name: &str, at: Location, cx: &mut Collector) {
    let suggestions = cells::suggest_indicators(name);
    let hint = if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    };
    cx.problems.push(Problem::new(
        at,
        Rule::UnknownIndicator,
        format!("unknown indicator {name:?}{hint}"),
    ));
}

fn read_long(t: &RawTable, file_ix: usize, cx: &mut Collector) {
    let h = &t.header;
    let loc_c = position(h, LOCALITY_COLS);
    let year_c = position(h, YEAR_COLS);
    let ind_c = position(h, INDICATOR_COLS);
    let val_c = position(h, VALUE_COLS);
    let unit_c = position(h, UNIT_COLS);
    let src_c = position(h, SOURCE_COLS);
    let rank_c = position(h, RANK_COLS);
    let (Some(loc_c), Some(ind_c), Some(val_c)) = (loc_c, ind_c, val_c) else {
        let mut missing = Vec::new();
        for (c, what) in [
            (loc_c, "locality_id"),
            (ind_c, "indicator"),
            (val_c, "value"),
        ] {
            if c.is_none() {
                missing.push(what);
            }
        }
        cx.problems.push(Problem::new(
            t.origin.at(h.number, None),
            Rule::MissingColumn,
            format!(
                "the long layout needs columns locality_id,year,indicator,value,unit,source_url; missing: {}",
                missing.join(", ")
            ),
        ));
        return;
    };
    if year_c.is_none() && cx.opts.year.is_none() {
        cx.problems.push(Problem::new(
            t.origin.at(h.number, None),
            Rule::MissingColumn,
            "no year column and no year option",
        ));
        return;
    }
    let placeholder = no_source_placeholder(t, src_c, cx);
    for row in &t.rows {
        if row.is_blank() {
            continue;
        }
        check_extra_cells(t, row, cx);
        let at = |c: usize| t.cell_location(row.number, c);
        let locality = resolve_locality(row.cell(loc_c), at(loc_c), cx);
        let year = match year_c {
            Some(c) => match read_year(row.cell(c), at(c), cx) {
                Ok(Some(y)) => Some(y),
                Ok(None) => match cx.opts.year {
                    Some(y) => Some(y),
                    None => {
                        cx.problems
                            .push(Problem::new(at(c), Rule::MissingYear, "no year"));
                        None
                    }
                },
                Err(()) => None,
            },
            None => cx.opts.year,
        };
        let ind_text = row.cell(ind_c);
        let ind = find_indicator(ind_text);
        if ind.is_none() {
            unknown_indicator(ind_text, at(ind_c), cx);
        }
        let col_unit = match unit_c {
            Some(c) => read_unit(row.cell(c), at(c), cx),
            None => Ok(None),
        };
        let source = match &placeholder {
            Some(p) => Some(p.clone()),
            None => row_source(t, row, src_c, rank_c, cx),
        };
        let Some(number) = read_value(row.cell(val_c), &at(val_c), file_ix, cx) else {
            continue;
        };
        let Ok(col_unit) = col_unit else { continue };
        let unit = match (number.unit, col_unit) {
            (Some(a), Some(b)) if a != b => {
                cx.problems.push(Problem::new(
                    at(val_c),
                    Rule::MixedUnits,
                    format!(
                        "the value is written in {} but the unit column says {}",
                        a.code(),
                        b.code()
                    ),
                ));
                continue;
            }
            (Some(a), _) | (None, Some(a)) => a,
            (None, None) => match cx.opts.unit {
                Some(u) => u,
                None => {
                    cx.problems.push(Problem::new(
                        at(unit_c.unwrap_or(val_c)),
                        Rule::MissingUnit,
                        "no unit: fill the unit column or pass --unit",
                    ));
                    continue;
                }
            },
        };
        if let Some(ind) = ind {
            admit(
                Value {
                    at: at(val_c),
                    column: ind.id.to_string(),
                    locality,
                    year,
                    indicator: ind,
                    value: number.value,
                    unit,
                    source: source.as_ref(),
                },
                file_ix,
                cx,
            );
        }
    }
}

/// When a file has no source column and the import no `--source`, reports it once and
/// returns a placeholder so the other rules can still be checked (the import fails anyway).
fn no_source_placeholder(t: &RawTable, src_c: Option<usize>, cx: &mut Collector) -> Option<Source> {
    if src_c.is_some() || cx.opts.source.is_some() {
        return None;
    }
    cx.problems.push(Problem::new(
        t.origin.at(t.header.number, None),
        Rule::MissingSource,
        NO_SOURCE,
    ));
    Some(Source::new(
        String::new(),
        SourceQuality::Unrated,
        cx.opts.dataset.clone(),
    ))
}

/// What a column of a yearbook table holds.
enum WideColumn {
    Locality,
    Year,
    Unit,
    Source,
    Rank,
    Ignored,
    Values(cells::HeaderSpec),
    /// A header that could not be read (already reported).
    Broken,
}

/// Whether a row is a footnote (`注：...`, `资料来源：...`) with nothing else in it.
fn is_footnote(row: &RawRow) -> bool {
    let first = row.cell(0).to_lowercase();
    let rest_empty = row.cells.iter().skip(1).all(|c| c.trim().is_empty());
    rest_empty
        && [
            "注",
            "说明",
            "资料来源",
            "数据来源",
            "note",
            "source:",
            "sources:",
        ]
        .iter()
        .any(|p| first.starts_with(p))
}

fn read_wide(t: &RawTable, file_ix: usize, cx: &mut Collector) {
    let h = &t.header;
    let loc_c = position(h, LOCALITY_COLS)
        .or_else(|| position(h, WIDE_LOCALITY_COLS))
        .or_else(|| parse_header(h.cell(0)).is_err().then_some(0));
    let Some(loc_c) = loc_c else {
        cx.problems.push(Problem::new(
            t.origin.at(h.number, None),
            Rule::MissingColumn,
            "no locality column: the first column of a yearbook table names the localities (header 地区 or locality)",
        ));
        return;
    };
    let year_c = position(h, YEAR_COLS);
    let unit_c = position(h, UNIT_COLS);
    let src_c = position(h, SOURCE_COLS);
    let rank_c = position(h, RANK_COLS);
    let mut columns = Vec::with_capacity(h.cells.len());
    for (k, text) in h.cells.iter().enumerate() {
        let n = norm_header(text);
        let col = if k == loc_c {
            WideColumn::Locality
        } else if Some(k) == year_c {
            WideColumn::Year
        } else if Some(k) == unit_c {
            WideColumn::Unit
        } else if Some(k) == src_c {
            WideColumn::Source
        } else if Some(k) == rank_c {
            WideColumn::Rank
        } else if IGNORED_COLS.contains(&n.as_str()) {
            WideColumn::Ignored
        } else if n.is_empty() {
            if t.rows.iter().any(|r| !cells::is_missing(r.cell(k))) {
                cx.problems.push(Problem::new(
                    t.cell_location(h.number, k),
                    Rule::UnknownIndicator,
                    "this column has values but no header naming the indicator",
                ));
            }
            WideColumn::Broken
        } else {
            wide_header(t, k, year_c, cx)
        };
        columns.push(col);
    }
    let placeholder = no_source_placeholder(t, src_c, cx);
    // The first explicitly stated unit of each column (cell suffix or unit column) and its
    // row, to catch columns that mix units.
    let mut stated: Vec<Option<(Unit, usize)>> = vec![None; columns.len()];
    for row in &t.rows {
        if row.is_blank() {
            continue;
        }
        if is_footnote(row) {
            cx.notes.push(format!(
                "{}, row {}: footnote skipped: {}",
                t.origin,
                row.number,
                row.cell(0)
            ));
            continue;
        }
        check_extra_cells(t, row, cx);
        let at = |c: usize| t.cell_location(row.number, c);
        let locality = resolve_locality(row.cell(loc_c), at(loc_c), cx);
        let row_year = match year_c {
            Some(c) => read_year(row.cell(c), at(c), cx),
            None => Ok(None),
        };
        // An invalid year cell is already reported; its values are still checked.
        let mut year_reported = row_year.is_err();
        let row_year = row_year.unwrap_or(None);
        let row_unit = match unit_c {
            Some(c) => read_unit(row.cell(c), at(c), cx),
            None => Ok(None),
        };
        let source = match &placeholder {
            Some(p) => Some(p.clone()),
            None => row_source(t, row, src_c, rank_c, cx),
        };
        for (k, col) in columns.iter().enumerate() {
            let WideColumn::Values(spec) = col else {
                continue;
            };
            let Some(number) = read_value(row.cell(k), &at(k), file_ix, cx) else {
                continue;
            };
            let Ok(row_unit) = row_unit else { continue };
            // The unit this cell states for itself: its suffix, else its row's unit column.
            let own = number.unit.or(row_unit);
            if let (Some(header_unit), Some(own)) = (spec.unit, own) {
                if header_unit != own {
                    cx.problems.push(Problem::new(
                        at(k),
                        Rule::MixedUnits,
                        format!(
                            "the cell is in {} but the column header says {}",
                            own.code(),
                            header_unit.code()
                        ),
                    ));
                    continue;
                }
            }
            if let Some(own) = own {
                match stated[k] {
                    Some((first, first_row)) if first != own => {
                        cx.problems.push(Problem::new(
                            at(k),
                            Rule::MixedUnits,
                            format!(
                                "the column mixes units: {} here, {} in row {first_row}; use one unit per column",
                                own.code(),
                                first.code()
                            ),
                        ));
                        continue;
                    }
                    Some(_) => {}
                    None => stated[k] = Some((own, row.number)),
                }
            }
            let Some(unit) = own.or(spec.unit).or(cx.opts.unit) else {
                cx.problems.push(Problem::new(
                    at(k),
                    Rule::MissingUnit,
                    "no unit: put it in the header (地区生产总值(亿元)), a unit column, the cell, or pass --unit",
                ));
                continue;
            };
            let year = match spec.year.or(row_year).or(cx.opts.year) {
                Some(y) => Some(y),
                None => {
                    // Reported at the header when the file has no year column at all.
                    if let (Some(c), false) = (year_c, year_reported) {
                        cx.problems.push(Problem::new(
                            at(c),
                            Rule::MissingYear,
                            "no year for this row",
                        ));
                        year_reported = true;
                    }
                    None
                }
            };
            admit(
                Value {
                    at: at(k),
                    column: h.cell(k).to_string(),
                    locality: locality.clone(),
                    year,
                    indicator: spec.indicator,
                    value: number.value,
                    unit,
                    source: source.as_ref(),
                },
                file_ix,
                cx,
            );
        }
    }
}

/// Reads the header of a value column of a yearbook table, reporting what is wrong.
fn wide_header(t: &RawTable, k: usize, year_c: Option<usize>, cx: &mut Collector) -> WideColumn {
    let text = t.header.cell(k);
    let at = t.cell_location(t.header.number, k);
    match parse_header(text) {
        Ok(spec) => {
            if let Some(y) = spec.year {
                if check_year_range(y, at.clone(), cx).is_err() {
                    return WideColumn::Broken;
                }
            }
            if spec.year.is_none() && year_c.is_none() && cx.opts.year.is_none() {
                cx.problems.push(Problem::new(
                    at,
                    Rule::MissingYear,
                    "no year for this column: put it in the header (GDP 2022), add a year column or pass --year",
                ));
                return WideColumn::Broken;
            }
            if !spec.ignored.is_empty() {
                cx.notes.push(format!(
                    "{}, column {}: header words {:?} read as neither unit nor year, ignored",
                    t.origin,
                    t.first_column + k,
                    spec.ignored
                ));
            }
            WideColumn::Values(spec)
        }
        Err(HeaderError::UnknownIndicator { name, .. }) => {
            unknown_indicator(&name, at, cx);
            WideColumn::Broken
        }
        Err(HeaderError::TwoUnits(a, b)) => {
            cx.problems.push(Problem::new(
                at,
                Rule::MixedUnits,
                format!("the header names two units, {a} and {b}"),
            ));
            WideColumn::Broken
        }
        Err(HeaderError::TwoYears(a, b)) => {
            cx.problems.push(Problem::new(
                at,
                Rule::InvalidYear,
                format!("the header names two years, {a} and {b}"),
            ));
            WideColumn::Broken
        }
    }
}

/// The year in a file name (`china_2020_42.csv` -> 2020).
pub(crate) fn year_from_file_name(name: &str) -> Option<i32> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    cells::take_year(base).1
}

fn read_io(name: &str, t: &RawTable, file_ix: usize, cx: &mut Collector) {
    let origin = t.origin.clone();
    let year = match (year_from_file_name(name), cx.opts.year) {
        (Some(a), Some(b)) if a != b => {
            cx.problems.push(Problem::new(
                origin,
                Rule::InvalidYear,
                format!("the file name says {a} but the year option says {b}"),
            ));
            return;
        }
        (Some(y), _) | (None, Some(y)) => y,
        (None, None) => {
            cx.problems.push(Problem::new(
                origin,
                Rule::MissingYear,
                "no year for the input-output table: put it in the file name (china_2020_42.csv) or pass --year",
            ));
            return;
        }
    };
    if check_year_range(year, origin.clone(), cx).is_err() {
        return;
    }
    let Some(source) = cx.opts.source.clone() else {
        cx.problems.push(Problem::new(
            origin,
            Rule::MissingSource,
            "no source: pass --source for an input-output table",
        ));
        return;
    };
    let text = t.text.clone().unwrap_or_else(|| t.to_csv_text());
    match crate::io_csv::parse_io_table(&text, name, year, &source) {
        Ok(table) => {
            if let Err(e) = table.check_balance(cx.opts.tolerances.io_balance) {
                cx.problems
                    .push(Problem::new(origin, Rule::IoTable, e.to_string()));
                return;
            }
            cx.io_tables.push(table);
            cx.files[file_ix].io_tables += 1;
        }
        Err(e) => {
            let mut at = origin;
            at.row = (e.row > 0).then_some(e.row);
            at.column_name = (!e.column.is_empty()).then(|| e.column.clone());
            at.column = at
                .column_name
                .as_ref()
                .and_then(|name| t.header.cells.iter().position(|c| c.trim() == name))
                .map(|k| t.first_column + k);
            cx.problems
                .push(Problem::new(at, Rule::IoTable, e.rule.to_string()));
        }
    }
}
