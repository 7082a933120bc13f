//! Reading a file into a grid of text cells, whatever its format (CSV/TSV text in any
//! supported encoding, or an XLSX workbook read within `tandem_sheet`'s limits; `.xls`,
//! `.ods` and `.xlsb` are refused with a request to save them as `.xlsx` or CSV), with the
//! row numbers a person sees in an editor or in Excel.

use super::report::{Location, Problem, Rule};
use crate::encoding::{self, Encoding};
use tandem_sheet::{cell_text, Grid, Limits, SheetError, Workbook};

/// One row of cells as text, with its 1-based row number in the file or sheet.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawRow {
    pub number: usize,
    pub cells: Vec<String>,
}

impl RawRow {
    /// The cell at 0-based index `i`, trimmed; empty when the row is short.
    pub fn cell(&self, i: usize) -> &str {
        self.cells.get(i).map(|c| c.trim()).unwrap_or("")
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A file as a grid: the header row and the rows below it.
#[derive(Clone, Debug)]
pub(crate) struct RawTable {
    /// File and sheet, for problem locations.
    pub origin: Location,
    pub header: RawRow,
    pub rows: Vec<RawRow>,
    /// 1-based sheet column of the grid's first column (spreadsheets whose used range does
    /// not start in column A).
    pub first_column: usize,
    /// The encoding of a text file; `None` for spreadsheets.
    pub encoding: Option<Encoding>,
    /// The text of a text file (input-output tables are parsed from it).
    pub text: Option<String>,
    /// Title rows above the header that were skipped.
    pub skipped_title_rows: usize,
}

impl RawTable {
    /// The location of a cell given its 0-based grid column.
    pub fn cell_location(&self, row: usize, col: usize) -> Location {
        let name = self.header.cell(col);
        self.origin.at(row, Some((self.first_column + col, name)))
    }

    /// The grid as CSV text (used to hand a spreadsheet's input-output table to the CSV
    /// parser).
    pub fn to_csv_text(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        for row in std::iter::once(&self.header).chain(self.rows.iter()) {
            // Writing into a Vec cannot fail.
            let _ = w.write_record(&row.cells);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// Whether bytes are a spreadsheet: by magic number (zip for XLSX/ODS, OLE for XLS), else
/// by file extension.
pub(crate) fn is_spreadsheet(name: &str, bytes: &[u8]) -> bool {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return true;
    }
    let lower = name.to_ascii_lowercase();
    [".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

/// Reads `bytes` into a table. `sheet` picks a spreadsheet's sheet (default: the first).
pub(crate) fn read_table(
    name: &str,
    bytes: &[u8],
    encoding_choice: Option<Encoding>,
    sheet: Option<&str>,
) -> Result<RawTable, Box<Problem>> {
    if is_spreadsheet(name, bytes) {
        read_spreadsheet(name, bytes, sheet)
    } else {
        read_text(name, bytes, encoding_choice)
    }
}

fn read_text(name: &str, bytes: &[u8], choice: Option<Encoding>) -> Result<RawTable, Box<Problem>> {
    let origin = Location::file(name, None);
    let (text, used) = encoding::decode(bytes, choice)
        .map_err(|e| Box::new(Problem::new(origin.clone(), Rule::Encoding, e.to_string())))?;
    let delimiter = sniff_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let mut at = origin.clone();
            at.row = e.position().map(|p| p.line() as usize);
            Box::new(Problem::new(
                at,
                Rule::Unreadable,
                format!("not readable as CSV: {e}"),
            ))
        })?;
        let number = record
            .position()
            .map_or(rows.len() + 1, |p| p.line() as usize);
        rows.push(RawRow {
            number,
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    finish(origin, rows, 1, Some(used), Some(text))
}

/// Tab-separated text is common from statistics portals; take tabs when the first line has
/// tabs and no commas.
fn sniff_delimiter(text: &str) -> u8 {
    let first = text.lines().next().unwrap_or("");
    if first.contains('\t') && !first.contains(',') {
        b'\t'
    } else {
        b','
    }
}

fn read_spreadsheet(
    name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<RawTable, Box<Problem>> {
    let origin = Location::file(name, None);
    // The bounded reader turns bombs into limit errors and panics of the third-party parser
    // on malformed content into errors; both become a report, never a crash of the importer.
    let (sheet_name, grid) = open_and_read(bytes, sheet)
        .map_err(|(rule, message)| Box::new(Problem::new(origin, rule, message)))?;
    let origin = Location::file(name, Some(&sheet_name));
    let (first_row, first_col) = grid.start().unwrap_or((0, 0));
    let rows = grid
        .rows()
        .enumerate()
        .map(|(i, cells)| RawRow {
            number: first_row as usize + i + 1,
            cells: cells.iter().map(cell_text).collect(),
        })
        .collect();
    finish(origin, rows, first_col as usize + 1, None, None)
}

fn open_and_read(bytes: &[u8], sheet: Option<&str>) -> Result<(String, Grid), (Rule, String)> {
    let failed = |e: SheetError| {
        let rule = if e.is_limit() {
            Rule::TooLarge
        } else {
            Rule::Unreadable
        };
        (rule, e.to_string())
    };
    let mut book = Workbook::open(bytes, &Limits::DEFAULT).map_err(failed)?;
    let names = book.sheet_names();
    let chosen = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted || n.trim().eq_ignore_ascii_case(wanted.trim()))
            .cloned()
            .ok_or_else(|| {
                (
                    Rule::Layout,
                    format!(
                        "no sheet named {wanted:?}; the sheets are {}",
                        names.join(", ")
                    ),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| (Rule::Empty, "the workbook has no sheets".to_string()))?,
    };
    let grid = book.read_sheet(&chosen).map_err(failed)?;
    Ok((chosen, grid))
}

/// Finds the header (the first row with at least two non-empty cells; title rows above it
/// are skipped) and returns the table.
fn finish(
    origin: Location,
    rows: Vec<RawRow>,
    first_column: usize,
    encoding: Option<Encoding>,
    text: Option<String>,
) -> Result<RawTable, Box<Problem>> {
    let header_ix = rows
        .iter()
        .position(|r| r.cells.iter().filter(|c| !c.trim().is_empty()).count() >= 2)
        .ok_or_else(|| {
            Box::new(Problem::new(
                origin.clone(),
                Rule::Empty,
                "no header row found (a row with at least two non-empty cells)",
            ))
        })?;
    let mut rows = rows;
    let body = rows.split_off(header_ix + 1);
    let header = rows.pop().expect("header_ix is a valid index");
    let skipped_title_rows = rows.iter().filter(|r| !r.is_blank()).count();
    Ok(RawTable {
        origin,
        header,
        rows: body,
        first_column,
        encoding,
        text,
        skipped_title_rows,
    })
}
