//! Reading an export row by row: CSV (UTF-8 or GB18030, decoded as a stream), XLSX (within
//! `tandem_sheet`'s limits) and Parquet (row by row). Every reader yields text cells.

use encoding_rs::{Decoder, DecoderResult, Encoding, GB18030, UTF_8};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::reader::RowIter;
use parquet::record::Field as PqField;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read};
use std::path::Path;
use tandem_data::import::{Location, Problem, Rule};
use tandem_sheet::{cell_text, Limits, Workbook};

/// Bytes looked at to tell UTF-8 from GB18030, and the size of the decoding buffers.
pub const CHUNK: usize = 64 * 1024;

/// One data row: its 1-based row number (the header is row 1) and its cells.
pub(crate) struct Row {
    pub number: usize,
    pub cells: Vec<String>,
}

type Rows = Box<dyn Iterator<Item = Result<Row, Box<Problem>>>>;

/// An opened export: where it is, its header, and its rows.
pub(crate) struct Source {
    pub origin: Location,
    pub header: Vec<String>,
    pub rows: Rows,
}

fn problem(at: Location, rule: Rule, message: impl Into<String>) -> Box<Problem> {
    Box::new(Problem::new(at, rule, message))
}

fn unreadable(origin: &Location, message: String) -> Box<Problem> {
    problem(origin.clone(), Rule::Unreadable, message)
}

/// Opens `path` by its content: a ZIP is XLSX, `PAR1` is Parquet, anything else CSV.
pub(crate) fn open(
    path: &Path,
    encoding: Option<&'static Encoding>,
) -> Result<Source, Box<Problem>> {
    let origin = Location::file(&path.display().to_string(), None);
    let mut file =
        File::open(path).map_err(|e| unreadable(&origin, format!("cannot open: {e}")))?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).unwrap_or(0);
    match &magic[..n] {
        b"PK\x03\x04" => open_xlsx(path, origin),
        b"PAR1" => open_parquet(path, origin),
        _ => open_csv(path, origin, encoding),
    }
}

fn open_csv(
    path: &Path,
    origin: Location,
    choice: Option<&'static Encoding>,
) -> Result<Source, Box<Problem>> {
    let mut file =
        File::open(path).map_err(|e| unreadable(&origin, format!("cannot open: {e}")))?;
    let mut prefix = Vec::with_capacity(CHUNK);
    (&mut file)
        .take(CHUNK as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| unreadable(&origin, format!("cannot read: {e}")))?;
    let encoding = choice.unwrap_or_else(|| detect(&prefix));
    // Tab-separated when the first line has tabs and no commas (as `tandem data import`); both
    // bytes are ASCII and never inside a GB18030 character.
    let first = prefix.split(|&b| b == b'\n').next().unwrap_or(&[]);
    let delimiter = if first.contains(&b'\t') && !first.contains(&b',') {
        b'\t'
    } else {
        b','
    };
    let reader = Decoding::new(Cursor::new(prefix).chain(BufReader::new(file)), encoding);
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader)
        .into_records();
    let record_problem = move |origin: &Location, e: csv::Error| {
        let mut at = origin.clone();
        at.row = e.position().map(|p| p.line() as usize);
        let rule = match e.kind() {
            csv::ErrorKind::Utf8 { .. } => Rule::Encoding,
            csv::ErrorKind::Io(io) if io.kind() == io::ErrorKind::InvalidData => Rule::Encoding,
            _ => Rule::Unreadable,
        };
        problem(
            at,
            rule,
            format!("{e}; save the file as UTF-8 or GBK CSV, or set encoding in the mapping"),
        )
    };
    let header = match csv.next() {
        Some(Ok(r)) => r.iter().map(|c| c.trim().to_string()).collect(),
        Some(Err(e)) => return Err(record_problem(&origin, e)),
        None => return Err(problem(origin, Rule::Empty, "the file is empty")),
    };
    let at = origin.clone();
    let mut failed = false;
    let rows = std::iter::from_fn(move || {
        if failed {
            return None;
        }
        match csv.next()? {
            Ok(r) => Some(Ok(Row {
                number: r.position().map_or(0, |p| p.line() as usize),
                cells: r.iter().map(str::to_string).collect(),
            })),
            Err(e) => {
                failed = true;
                Some(Err(record_problem(&at, e)))
            }
        }
    });
    Ok(Source {
        origin,
        header,
        rows: Box::new(rows),
    })
}

/// A UTF-8 or UTF-16 byte-order mark decides; else a start that is valid UTF-8 (a sequence
/// cut at the end of the sample allowed) is UTF-8, anything else GB18030.
fn detect(prefix: &[u8]) -> &'static Encoding {
    if let Some((e, _)) = Encoding::for_bom(prefix) {
        return e;
    }
    match std::str::from_utf8(prefix) {
        Ok(_) => UTF_8,
        Err(e) if e.error_len().is_none() => UTF_8,
        Err(_) => GB18030,
    }
}

/// A reader that decodes its input to UTF-8 chunk by chunk (a BOM removed), refusing
/// malformed bytes with an error naming their offset; memory: two buffers of about [`CHUNK`].
struct Decoding<R> {
    inner: R,
    decoder: Decoder,
    raw: Vec<u8>,
    raw_len: usize,
    out: Vec<u8>,
    out_pos: usize,
    consumed: u64,
    done: bool,
}

impl<R: Read> Decoding<R> {
    fn new(inner: R, encoding: &'static Encoding) -> Decoding<R> {
        Decoding {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; CHUNK],
            raw_len: 0,
            out: Vec::new(),
            out_pos: 0,
            consumed: 0,
            done: false,
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        let n = self.inner.read(&mut self.raw[self.raw_len..])?;
        self.raw_len += n;
        let last = n == 0;
        let cap = self
            .decoder
            .max_utf8_buffer_length_without_replacement(self.raw_len)
            .unwrap_or(4 * CHUNK);
        self.out.resize(cap, 0);
        let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
            &self.raw[..self.raw_len],
            &mut self.out,
            last,
        );
        self.out.truncate(written);
        self.out_pos = 0;
        if let DecoderResult::Malformed(bad, extra) = result {
            let offset = self.consumed + (read - bad as usize - extra as usize) as u64;
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "bytes are not valid {} text (first invalid byte at offset {offset})",
                    self.decoder.encoding().name()
                ),
            ));
        }
        self.done = last && result == DecoderResult::InputEmpty;
        self.raw.copy_within(read..self.raw_len, 0);
        self.raw_len -= read;
        self.consumed += read as u64;
        Ok(())
    }
}

impl<R: Read> Read for Decoding<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_pos == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

/// XLSX: the first sheet, within [`Limits::DEFAULT`] (so its size in memory is bounded).
fn open_xlsx(path: &Path, origin: Location) -> Result<Source, Box<Problem>> {
    let failed = |e: tandem_sheet::SheetError| {
        let rule = if e.is_limit() {
            Rule::TooLarge
        } else {
            Rule::Unreadable
        };
        problem(origin.clone(), rule, e.to_string())
    };
    let bytes = tandem_sheet::read_file(path, &Limits::DEFAULT).map_err(failed)?;
    let mut book = Workbook::open(&bytes, &Limits::DEFAULT).map_err(failed)?;
    let (sheet, grid) = book.read_first_sheet().map_err(failed)?;
    let origin = Location::file(&origin.file, Some(&sheet));
    let first_row = grid.start().map_or(0, |s| s.0 as usize);
    let mut rows = grid.rows().enumerate().map(move |(i, cells)| Row {
        number: first_row + i + 1,
        cells: cells.iter().map(cell_text).collect(),
    });
    let Some(header) = rows.next() else {
        return Err(problem(origin, Rule::Empty, "the sheet is empty"));
    };
    let rest: Vec<Result<Row, Box<Problem>>> = rows.map(Ok).collect();
    Ok(Source {
        origin,
        header: header.cells.iter().map(|c| c.trim().to_string()).collect(),
        rows: Box::new(rest.into_iter()),
    })
}

/// Parquet: columns by name, row by row (one row group decoded at a time).
fn open_parquet(path: &Path, origin: Location) -> Result<Source, Box<Problem>> {
    let file = File::open(path).map_err(|e| unreadable(&origin, format!("cannot open: {e}")))?;
    let reader = SerializedFileReader::new(file)
        .map_err(|e| unreadable(&origin, format!("not a readable Parquet file: {e}")))?;
    let header: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    let at = origin.clone();
    let rows = RowIter::from_file_into(Box::new(reader))
        .enumerate()
        .map(move |(i, row)| {
            let row = row.map_err(|e| {
                problem(
                    at.at(i + 2, None),
                    Rule::Unreadable,
                    format!("bad Parquet row: {e}"),
                )
            })?;
            let cells = row.get_column_iter().map(|(_, f)| field_text(f)).collect();
            Ok(Row {
                number: i + 2,
                cells,
            })
        });
    Ok(Source {
        origin,
        header,
        rows: Box::new(rows),
    })
}

fn field_text(field: &PqField) -> String {
    match field {
        PqField::Null => String::new(),
        PqField::Str(s) => s.clone(),
        other => other.to_string(),
    }
}
