//! tandem-sheet: reading spreadsheets that strangers send, within limits.
//!
//! A workbook is a ZIP of XML parts, and both layers let a small file ask for a great deal of
//! memory: a 1.5 KB XLSX whose only cells are `A1` and `XFD1048576` makes a dense reader
//! allocate 17 billion cells (512 GiB), a few hundred KB of deflated XML expand to gigabytes,
//! a shared-strings table can announce four billion strings. This crate reads XLSX so that
//! each of these is an error naming the limit it broke ([`SheetError::TooLarge`]), never an
//! abort of the process:
//!
//! 1. the file's size is checked ([`Limits::max_file_bytes`]);
//! 2. the ZIP is inspected before calamine sees it: the entry count (from the end-of-directory
//!    record, then from the parsed directory), each entry's declared size, and every entry
//!    actually decompressed against one budget ([`Limits::max_decompressed_bytes`]), so a
//!    header that lies about its size cannot pass; the shared-strings and styles parts are
//!    scanned for the counts calamine would reserve or clone;
//! 3. cells are streamed with calamine's `Xlsx::worksheet_cells_reader` (never
//!    `worksheet_range`, which builds the dense range from whatever extent the file claims);
//!    a non-empty cell beyond [`Limits::max_rows`] or [`Limits::max_columns`] is refused as
//!    soon as it is seen, as is a used range over [`Limits::max_cells`] or text over
//!    [`Limits::max_text_bytes`]; only then is the dense [`Grid`] built.
//!
//! Only XLSX (and XLSM) is read. Excel 97-2003 `.xls` (BIFF in an OLE file), OpenDocument
//! `.ods` and binary `.xlsb` are refused with [`SheetError::Unsupported`], which tells the
//! user to save the file as `.xlsx` or CSV: calamine's readers for them size their memory
//! from numbers inside the file (an `.xls` DIMENSIONS record with four billion rows is
//! reserved up front; an `.ods` cell may repeat itself 16,384 times per row, a space
//! `text:c` times) before any limit of ours could look, so a capped byte count does not bound
//! them and a kilobyte file can abort the process.
//!
//! The crate knows nothing of tandem's records: it returns the cells of a sheet as calamine
//! gives them ([`Data`]: strings, numbers, booleans, dates, errors).

mod grid;
mod inspect;
mod stream;
pub mod testkit;

pub use calamine::Data;
pub use grid::Grid;

use calamine::{Reader, Xlsx};
use std::io::{Cursor, Read};
use std::path::Path;

/// How much a workbook may hold. [`Limits::DEFAULT`] is what every tandem reader uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Size of the file itself.
    pub max_file_bytes: u64,
    /// Entries (parts) in the ZIP archive.
    pub max_entries: u64,
    /// All entries of the archive decompressed, together.
    pub max_decompressed_bytes: u64,
    /// Strings in the shared-strings table (calamine reserves a slot for each).
    pub max_shared_strings: u64,
    /// Cell formats, fonts, fills, borders and number formats in the styles part, each
    /// (calamine builds a full style for every cell format).
    pub max_styles: u64,
    /// Rows: a non-empty cell below this row is refused.
    pub max_rows: u32,
    /// Columns: a non-empty cell right of this column is refused.
    pub max_columns: u32,
    /// Cells of the dense grid (the used range, from its first to its last non-empty cell in
    /// both directions), and non-empty cells read.
    pub max_cells: u64,
    /// Text in the grid's cells, together (a shared string is counted once per cell that
    /// uses it, because each cell gets its own copy), and text in the shared-strings table.
    pub max_text_bytes: u64,
}

impl Limits {
    /// The limits of every tandem reader, chosen for the largest honest files tandem takes
    /// (a year of revenue records, a statistical yearbook, an input-output table with ~170
    /// columns, a projects template) with a wide margin. At worst (every limit reached at
    /// once) a read holds about 200 MB; an honest file of 100,000 cells, a few MB.
    ///
    /// * 16 MiB file: the server's request-body limit; an XLSX of 16 MiB already holds about
    ///   two million numeric cells, twice [`Limits::max_cells`];
    /// * 1,000 entries: a workbook has about ten parts plus two or three per sheet;
    /// * 128 MiB decompressed: one million cells of sheet XML (~45 bytes each) plus shared
    ///   strings and styles; it is streamed, never held;
    /// * 1,000,000 shared strings: at most one per cell;
    /// * 16,384 styles: a quarter of Excel's own ceiling (64,000 cell formats), far above
    ///   what an honest workbook uses (tens to hundreds); calamine builds a 152-byte style
    ///   with copies of its font name and number format for each;
    /// * 200,000 rows: three times Excel 2003's 65,536, and a year of monthly revenue
    ///   records of 2,000 enterprises with five revenue types (120,000 rows) fits;
    /// * 256 columns: Excel 2003's limit; tandem's widest table (an input-output table with
    ///   final demand) has about 170;
    /// * 1,000,000 cells: 32 MB of dense grid (140,000 rows of the 7 revenue columns);
    /// * 32 MiB of text in cells, and as much in the shared-strings table.
    pub const DEFAULT: Limits = Limits {
        max_file_bytes: 16 << 20,
        max_entries: 1_000,
        max_decompressed_bytes: 128 << 20,
        max_shared_strings: 1_000_000,
        max_styles: 16_384,
        max_rows: 200_000,
        max_columns: 256,
        max_cells: 1_000_000,
        max_text_bytes: 32 << 20,
    };
}

impl Default for Limits {
    fn default() -> Limits {
        Limits::DEFAULT
    }
}

/// Which limit a workbook broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Limit {
    /// [`Limits::max_file_bytes`].
    FileBytes,
    /// [`Limits::max_entries`].
    Entries,
    /// [`Limits::max_decompressed_bytes`].
    DecompressedBytes,
    /// [`Limits::max_shared_strings`].
    SharedStrings,
    /// [`Limits::max_styles`].
    Styles,
    /// [`Limits::max_rows`].
    Rows,
    /// [`Limits::max_columns`].
    Columns,
    /// [`Limits::max_cells`].
    Cells,
    /// [`Limits::max_text_bytes`].
    TextBytes,
}

impl Limit {
    /// The field of [`Limits`] (`max_columns`).
    pub fn name(self) -> &'static str {
        match self {
            Limit::FileBytes => "max_file_bytes",
            Limit::Entries => "max_entries",
            Limit::DecompressedBytes => "max_decompressed_bytes",
            Limit::SharedStrings => "max_shared_strings",
            Limit::Styles => "max_styles",
            Limit::Rows => "max_rows",
            Limit::Columns => "max_columns",
            Limit::Cells => "max_cells",
            Limit::TextBytes => "max_text_bytes",
        }
    }

    /// This limit's value in `limits`.
    pub fn value(self, limits: &Limits) -> u64 {
        match self {
            Limit::FileBytes => limits.max_file_bytes,
            Limit::Entries => limits.max_entries,
            Limit::DecompressedBytes => limits.max_decompressed_bytes,
            Limit::SharedStrings => limits.max_shared_strings,
            Limit::Styles => limits.max_styles,
            Limit::Rows => u64::from(limits.max_rows),
            Limit::Columns => u64::from(limits.max_columns),
            Limit::Cells => limits.max_cells,
            Limit::TextBytes => limits.max_text_bytes,
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Limit::FileBytes | Limit::DecompressedBytes | Limit::TextBytes => "bytes",
            Limit::Entries => "ZIP entries",
            Limit::SharedStrings => "shared strings",
            Limit::Styles => "style records",
            Limit::Rows => "rows",
            Limit::Columns => "columns",
            Limit::Cells => "cells",
        }
    }

    fn advice(self) -> &'static str {
        match self {
            Limit::FileBytes | Limit::DecompressedBytes | Limit::Cells | Limit::TextBytes => {
                "split the data into smaller files"
            }
            Limit::Rows => {
                "split the rows over several files (a stray value far below the data counts \
                 too: delete it)"
            }
            Limit::Columns => {
                "keep the data in the first columns (a stray value far to the right counts \
                 too: delete it)"
            }
            Limit::Entries | Limit::SharedStrings | Limit::Styles => {
                "copy the data into a new workbook (paste values only) and save that as .xlsx"
            }
        }
    }
}

/// `1234567` as `1,234,567`.
pub(crate) fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Why a workbook was not read.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    /// The workbook is over a limit (HTTP 413 for an upload). `found` says what was found
    /// (`cell XFD1048576 is in column 16,384`).
    #[error("{found}, over the limit of {} {} (limit: {} = {}); {}", grouped(*.value), .limit.unit(), .limit.name(), grouped(*.value), .limit.advice())]
    TooLarge {
        /// The limit broken.
        limit: Limit,
        /// Its value.
        value: u64,
        /// What was found.
        found: String,
    },
    /// Not a readable XLSX workbook (HTTP 422 for an upload).
    #[error("not a readable .xlsx workbook: {0}")]
    Malformed(String),
    /// A spreadsheet format this crate does not read (see the crate documentation).
    #[error("{0} cannot be read; open it in Excel or LibreOffice and save it as an Excel workbook (.xlsx) or as CSV")]
    Unsupported(&'static str),
    /// The requested sheet does not exist.
    #[error("the workbook has no sheet named {name:?}; its sheets are: {}", .available.join(", "))]
    NoSuchSheet {
        /// The name asked for.
        name: String,
        /// The workbook's sheets.
        available: Vec<String>,
    },
    /// The file could not be read from disk.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
}

impl SheetError {
    /// Whether the workbook broke a limit (as opposed to being malformed or unsupported):
    /// an upload answers 413 for these and 422 for the others.
    pub fn is_limit(&self) -> bool {
        matches!(self, SheetError::TooLarge { .. })
    }

    pub(crate) fn too_large(limit: Limit, limits: &Limits, found: String) -> SheetError {
        SheetError::TooLarge {
            limit,
            value: limit.value(limits),
            found,
        }
    }
}

/// Runs calamine code, turning a panic on malformed content into [`SheetError::Malformed`]:
/// it is third-party code fed with arbitrary bytes, and its arithmetic on cell references
/// overflows (a panic in debug builds) on some of them.
fn guarded<T>(f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(SheetError::Malformed(
            "the reader failed on malformed content".into(),
        ))
    })
}

/// An XLSX workbook whose package passed inspection; its sheets are read on demand.
pub struct Workbook<'a> {
    xlsx: Xlsx<Cursor<&'a [u8]>>,
    limits: Limits,
}

impl<'a> Workbook<'a> {
    /// Checks the file and its ZIP package against `limits` and opens the workbook.
    ///
    /// # Errors
    /// [`SheetError::TooLarge`] naming the limit; [`SheetError::Unsupported`] for `.xls`,
    /// `.ods` and `.xlsb`; [`SheetError::Malformed`] for anything else that is not an XLSX
    /// workbook.
    pub fn open(bytes: &'a [u8], limits: &Limits) -> Result<Workbook<'a>, SheetError> {
        if bytes.len() as u64 > limits.max_file_bytes {
            return Err(SheetError::too_large(
                Limit::FileBytes,
                limits,
                format!("the file has {} bytes", grouped(bytes.len() as u64)),
            ));
        }
        inspect::inspect(bytes, limits)?;
        let xlsx = guarded(|| {
            Xlsx::new(Cursor::new(bytes)).map_err(|e| SheetError::Malformed(e.to_string()))
        })?;
        Ok(Workbook {
            xlsx,
            limits: *limits,
        })
    }

    /// The names of the sheets, in workbook order.
    pub fn sheet_names(&self) -> Vec<String> {
        self.xlsx.sheet_names()
    }

    /// The used range of sheet `name` as a dense grid.
    ///
    /// # Errors
    /// [`SheetError::NoSuchSheet`]; [`SheetError::TooLarge`] for a cell beyond the row or
    /// column limit, a used range over the cell limit or too much text;
    /// [`SheetError::Malformed`] for broken sheet XML.
    pub fn read_sheet(&mut self, name: &str) -> Result<Grid, SheetError> {
        let names = self.sheet_names();
        if !names.iter().any(|n| n == name) {
            return Err(SheetError::NoSuchSheet {
                name: name.to_string(),
                available: names,
            });
        }
        let (xlsx, limits) = (&mut self.xlsx, &self.limits);
        guarded(|| stream::read_cells(xlsx, name, limits))
    }

    /// The first sheet's name and grid.
    ///
    /// # Errors
    /// As [`Workbook::read_sheet`]; [`SheetError::Malformed`] when there is no sheet.
    pub fn read_first_sheet(&mut self) -> Result<(String, Grid), SheetError> {
        let name = self
            .sheet_names()
            .into_iter()
            .next()
            .ok_or_else(|| SheetError::Malformed("the workbook has no sheets".into()))?;
        let grid = self.read_sheet(&name)?;
        Ok((name, grid))
    }
}

/// Reads a file, refusing one over [`Limits::max_file_bytes`] without reading it whole.
///
/// # Errors
/// [`SheetError::Io`]; [`SheetError::TooLarge`] for [`Limit::FileBytes`].
pub fn read_file(path: &Path, limits: &Limits) -> Result<Vec<u8>, SheetError> {
    let io = |source| SheetError::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    // One byte more than the limit tells "at the limit" from "over it", even for a file that
    // grows while it is read.
    file.take(limits.max_file_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > limits.max_file_bytes {
        let size = std::fs::metadata(path).map_or(bytes.len() as u64, |m| m.len());
        return Err(SheetError::too_large(
            Limit::FileBytes,
            limits,
            format!("{} has {} bytes", path.display(), grouped(size)),
        ));
    }
    Ok(bytes)
}

/// The first sheet of the XLSX file at `path`: its name and grid.
///
/// # Errors
/// As [`read_file`], [`Workbook::open`] and [`Workbook::read_first_sheet`].
pub fn read_first_sheet(path: &Path, limits: &Limits) -> Result<(String, Grid), SheetError> {
    let bytes = read_file(path, limits)?;
    Workbook::open(&bytes, limits)?.read_first_sheet()
}

/// A cell reference in A1 notation from 0-based row and column (`(0, 16383)` is `XFD1`).
pub fn a1(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        letters.push((b'A' + r) as char);
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &(u64::from(row) + 1).to_string()
}

/// A cell as the text a person would type: numbers in shortest round-trip form (2022.0 ->
/// "2022"); dates and error values as text that no number parser accepts (`date 45000`,
/// `#NAME`), so a date in a value column is reported rather than read as a serial number.
pub fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) => format!("date {d}"),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_numbers_read_as_people_write_them() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(256), "256");
        assert_eq!(grouped(16_777_216), "16,777,216");
    }

    #[test]
    fn a_limit_error_names_the_limit_and_what_to_do() {
        let e = SheetError::too_large(
            Limit::Columns,
            &Limits::DEFAULT,
            "cell XFD1048576 is in column 16,384".into(),
        );
        let text = e.to_string();
        assert!(e.is_limit());
        assert!(text.contains("(limit: max_columns = 256)"), "{text}");
        assert!(text.contains("delete it"), "{text}");
    }
}
