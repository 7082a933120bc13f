//! Reading a long panel file for `tandem evaluate` and `tandem assess`: CSV (comma, semicolon or tab, detected
//! from the header line) or an XLSX workbook through the bounded reader `tandem_sheet`.
//!
//! Only the requested columns are kept, each parsed to its kind as the rows stream by; a
//! missing cell is an error naming the row and column (never a zero), except in a cohort
//! column, where empty means never treated.

use crate::{user_bail, UserError};
use anyhow::Result;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use tandem_sheet::{Data, Limits, Workbook};

/// Largest input file.
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// Most data rows.
pub const MAX_ROWS: usize = 5_000_000;
/// Most columns.
pub const MAX_COLUMNS: usize = 1_000;

/// How a column is parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Any non-empty text (unit names or ids).
    Label,
    /// A whole number (periods): `2004` or `2004.0`.
    Integer,
    /// A finite number.
    Number,
    /// First treated period: a whole number, `0` or empty for never treated.
    Cohort,
    /// A finite number or an empty cell (`NA` and the like too): a figure that may be
    /// missing, kept as missing.
    OptionalNumber,
}

/// A requested column: the option that named it (for messages) and its header.
#[derive(Clone, Copy, Debug)]
pub struct Spec<'a> {
    pub option: &'static str,
    pub column: &'a str,
    pub kind: Kind,
}

impl<'a> Spec<'a> {
    pub fn new(option: &'static str, column: &'a str, kind: Kind) -> Self {
        Spec {
            option,
            column,
            kind,
        }
    }
}

/// Interned labels: `names[codes[row]]` is the label of a row.
#[derive(Debug, Default)]
pub struct Labels {
    pub names: Vec<String>,
    pub codes: Vec<u32>,
    index: HashMap<String, u32>,
}

impl Labels {
    fn push(&mut self, label: &str) {
        let code = match self.index.get(label) {
            Some(&c) => c,
            None => {
                let c = self.names.len() as u32;
                self.names.push(label.to_string());
                self.index.insert(label.to_string(), c);
                c
            }
        };
        self.codes.push(code);
    }

    /// The label of every row.
    pub fn per_row(&self) -> Vec<&str> {
        self.codes
            .iter()
            .map(|&c| self.names[c as usize].as_str())
            .collect()
    }

    /// Whether some row has this label.
    pub fn contains(&self, label: &str) -> bool {
        self.index.contains_key(label)
    }

    /// The distinct labels for a message: the first `max`, then how many more.
    pub fn sample(&self, max: usize) -> String {
        let mut s = self
            .names
            .iter()
            .take(max)
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ");
        if self.names.len() > max {
            s.push_str(&format!(", ... ({} in all)", self.names.len()));
        }
        s
    }
}

/// The parsed values of one column.
#[derive(Debug)]
pub enum Values {
    Labels(Labels),
    Integers(Vec<i64>),
    Numbers(Vec<f64>),
    OptionalNumbers(Vec<Option<f64>>),
}

impl Values {
    fn new(kind: Kind) -> Values {
        match kind {
            Kind::Label => Values::Labels(Labels::default()),
            Kind::Integer | Kind::Cohort => Values::Integers(Vec::new()),
            Kind::Number => Values::Numbers(Vec::new()),
            Kind::OptionalNumber => Values::OptionalNumbers(Vec::new()),
        }
    }

    pub fn into_labels(self) -> Labels {
        match self {
            Values::Labels(l) => l,
            other => unreachable!("a label column was requested, got {other:?}"),
        }
    }

    pub fn into_integers(self) -> Vec<i64> {
        match self {
            Values::Integers(v) => v,
            other => unreachable!("an integer column was requested, got {other:?}"),
        }
    }

    pub fn into_optional_numbers(self) -> Vec<Option<f64>> {
        match self {
            Values::OptionalNumbers(v) => v,
            other => unreachable!("an optional number column was requested, got {other:?}"),
        }
    }

    pub fn into_numbers(self) -> Vec<f64> {
        match self {
            Values::Numbers(v) => v,
            other => unreachable!("a number column was requested, got {other:?}"),
        }
    }
}

/// Reads the columns `specs` of the file at `path`, in the order of `specs`.
pub fn read(path: &Path, specs: &[Spec]) -> Result<Vec<Values>> {
    let bytes = read_bounded(path)?;
    let name = path.display().to_string();
    if is_spreadsheet(path, &bytes) {
        read_xlsx(&name, &bytes, specs)
    } else {
        read_csv(&name, bytes, specs)
    }
}

/// The UTF-8 text of a small file the user names (a scheme, a chain map, an assessment run),
/// read at most `max` bytes far: `what` names it in the messages ("the scheme").
pub(crate) fn read_text(path: &Path, what: &str, max: u64) -> Result<String> {
    let file = std::fs::File::open(path)
        .map_err(|e| UserError::new(format!("cannot read {what} {}: {e}", path.display())))?;
    let mut text = String::new();
    file.take(max + 1)
        .read_to_string(&mut text)
        .map_err(|e| UserError::new(format!("{what} {} is not UTF-8 text: {e}", path.display())))?;
    if text.len() as u64 > max {
        user_bail!(
            "{what} {} is larger than {} KiB; keep it to what tandem reads",
            path.display(),
            max >> 10
        );
    }
    Ok(text)
}

fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path)
        .map_err(|e| UserError::new(format!("cannot read {}: {e}", path.display())))?;
    let too_big = |size: u64| {
        UserError::new(format!(
            "{} has {size} bytes, over the limit of {MAX_FILE_BYTES} bytes (256 MiB) for an input file; keep only the columns and rows you need",
            path.display()
        ))
    };
    if let Ok(meta) = file.metadata() {
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_big(meta.len()).into());
        }
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| UserError::new(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64).into());
    }
    Ok(bytes)
}

/// A spreadsheet by magic number (ZIP, OLE) or extension; everything else is read as text.
fn is_spreadsheet(path: &Path, bytes: &[u8]) -> bool {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return true;
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    ["xlsx", "xlsm", "xls", "xlsb", "ods"].contains(&ext.as_str())
}

/// UTF-8 (with or without BOM) as is; other encodings (GBK, UTF-16 with BOM) decoded.
fn decode(name: &str, bytes: Vec<u8>) -> Result<String> {
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => Ok(tandem_data::encoding::decode(e.as_bytes(), None)
            .map_err(|e| UserError::new(format!("{name}: {e}")))?
            .0),
    }
}

/// The delimiter among `,`, `;` and tab that occurs most often in the header line.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    }
}

fn read_csv(name: &str, bytes: Vec<u8>, specs: &[Spec]) -> Result<Vec<Values>> {
    let text = decode(name, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .delimiter(sniff_delimiter(&text))
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| UserError::new(format!("{name}: not readable as CSV: {e}")))?
        .iter()
        .map(str::to_string)
        .collect();
    let mut collector = Collector::new(name, header, specs)?;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => user_bail!("{name}: not readable as CSV: {e}"),
        }
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let line = record.position().map_or(0, |p| p.line());
        let cells: Vec<&str> = collector
            .index
            .iter()
            .map(|&i| record.get(i).unwrap_or(""))
            .collect();
        collector.push(line, &cells)?;
    }
    collector.finish()
}

fn read_xlsx(name: &str, bytes: &[u8], specs: &[Spec]) -> Result<Vec<Values>> {
    let sheet_err = |e: tandem_sheet::SheetError| UserError::new(format!("{name}: {e}"));
    let mut book = Workbook::open(bytes, &Limits::DEFAULT).map_err(sheet_err)?;
    let (_, grid) = book.read_first_sheet().map_err(sheet_err)?;
    let first_row = grid.start().map_or(0, |(r, _)| r as u64);
    let mut rows = grid.rows().enumerate();
    let Some((_, header)) = rows.next() else {
        user_bail!("{name}: the first sheet is empty");
    };
    let header: Vec<String> = header.iter().map(cell_text).collect();
    let mut collector = Collector::new(name, header, specs)?;
    for (i, row) in rows {
        if row.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let texts: Vec<String> = collector
            .index
            .iter()
            .map(|&c| row.get(c).map(cell_text).unwrap_or_default())
            .collect();
        let cells: Vec<&str> = texts.iter().map(String::as_str).collect();
        collector.push(first_row + i as u64 + 1, &cells)?;
    }
    collector.finish()
}

pub(crate) use tandem_sheet::cell_text;

/// Parses the requested cells of each row into their columns.
struct Collector<'a> {
    file: &'a str,
    specs: &'a [Spec<'a>],
    /// Header index of each requested column.
    index: Vec<usize>,
    values: Vec<Values>,
    rows: usize,
}

impl<'a> Collector<'a> {
    fn new(file: &'a str, header: Vec<String>, specs: &'a [Spec<'a>]) -> Result<Self> {
        if header.len() > MAX_COLUMNS {
            user_bail!(
                "{file} has {} columns, over the limit of {MAX_COLUMNS} columns; keep only the columns you need",
                header.len()
            );
        }
        let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
        let index = specs
            .iter()
            .map(|s| find_column(file, &header, s))
            .collect::<Result<Vec<_>>>()?;
        Ok(Collector {
            file,
            specs,
            index,
            values: specs.iter().map(|s| Values::new(s.kind)).collect(),
            rows: 0,
        })
    }

    fn push(&mut self, line: u64, cells: &[&str]) -> Result<()> {
        self.rows += 1;
        if self.rows > MAX_ROWS {
            user_bail!(
                "{} has more than {MAX_ROWS} data rows, over the limit of {MAX_ROWS} rows; keep only the units and periods you need",
                self.file
            );
        }
        for ((spec, values), cell) in self.specs.iter().zip(&mut self.values).zip(cells) {
            parse_cell(spec, values, cell.trim()).map_err(|why| {
                UserError::new(format!(
                    "{}, row {line}, column {:?} ({}): {why}",
                    self.file, spec.column, spec.option
                ))
            })?;
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<Values>> {
        if self.rows == 0 {
            user_bail!("{} has a header but no data rows", self.file);
        }
        Ok(self.values)
    }
}

fn find_column(file: &str, header: &[String], spec: &Spec) -> Result<usize> {
    let wanted = spec.column.trim();
    let hits: Vec<usize> = (0..header.len()).filter(|&i| header[i] == wanted).collect();
    match hits.as_slice() {
        [i] => Ok(*i),
        [] => user_bail!(
            "{file} has no column {wanted:?} (named by {}); its columns are: {}",
            spec.option,
            header.join(", ")
        ),
        _ => user_bail!(
            "{file} has {} columns named {wanted:?} (named by {}); rename all but one",
            hits.len(),
            spec.option
        ),
    }
}

fn is_missing(cell: &str) -> bool {
    tandem_data::import::is_missing(cell)
        || ["nan", "null", "none"].contains(&cell.to_ascii_lowercase().as_str())
}

/// Parses one cell into `values`; `Err` says why it cannot be used.
fn parse_cell(spec: &Spec, values: &mut Values, cell: &str) -> Result<(), String> {
    let missing = || {
        format!("the cell is missing ({cell:?}); missing values are never read as zero: fill it, or drop the unit")
    };
    match (values, spec.kind) {
        (Values::Labels(l), _) => {
            if cell.is_empty() {
                return Err(missing());
            }
            l.push(cell);
        }
        (Values::Integers(v), Kind::Cohort) => v.push(parse_cohort(cell)?),
        (Values::Integers(v), _) => {
            if is_missing(cell) {
                return Err(missing());
            }
            v.push(parse_integer(cell).ok_or_else(|| format!("{cell:?} is not a whole number"))?);
        }
        (Values::Numbers(v), _) => {
            if is_missing(cell) {
                return Err(missing());
            }
            v.push(parse_number(cell).ok_or_else(|| format!("{cell:?} is not a number"))?);
        }
        (Values::OptionalNumbers(v), _) => v.push(if is_missing(cell) {
            None
        } else {
            Some(parse_number(cell).ok_or_else(|| format!("{cell:?} is not a number"))?)
        }),
    }
    Ok(())
}

fn parse_cohort(cell: &str) -> Result<i64, String> {
    if cell.is_empty() {
        return Ok(0);
    }
    parse_integer(cell).ok_or_else(|| {
        format!("{cell:?} is not a cohort: write the first treated period (e.g. 2006), or 0 or nothing for never treated")
    })
}

/// `2004` or `2004.0` (spreadsheets store whole numbers as floats).
fn parse_integer(cell: &str) -> Option<i64> {
    if let Ok(i) = cell.parse::<i64>() {
        return Some(i);
    }
    let f = parse_number(cell)?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

fn parse_number(cell: &str) -> Option<f64> {
    cell.parse::<f64>().ok().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_detected_from_the_header() {
        assert_eq!(sniff_delimiter("a,b,c\n1;2;3"), b',');
        assert_eq!(sniff_delimiter("State;Year;Packs\n"), b';');
        assert_eq!(sniff_delimiter("a\tb\tc\n"), b'\t');
        assert_eq!(sniff_delimiter("single\n"), b',');
    }

    #[test]
    fn cells_parse_strictly() {
        assert_eq!(parse_integer("2004"), Some(2004));
        assert_eq!(parse_integer("2004.0"), Some(2004));
        assert_eq!(parse_integer("2004.5"), None);
        assert_eq!(parse_number("inf"), None);
        assert_eq!(parse_number("NaN"), None);
        assert_eq!(parse_cohort(""), Ok(0));
        assert_eq!(parse_cohort("0"), Ok(0));
        assert!(parse_cohort("never").is_err());
        assert!(is_missing("NA") && is_missing("nan") && !is_missing("0"));
    }
}
