//! Rendering listings as a terminal table, CSV, JSON, XLSX or Parquet.
//!
//! Every listing command builds a [`Listing`]: typed cells with column keys (for CSV/JSON)
//! and labels (for the table), plus footnotes (sources) for the terminal. CSV and JSON rows
//! carry ids and full source citations; the table shows names and numbered footnotes.

use anyhow::{Context, Result};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// Output format of a listing command.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for the terminal, with numbered source notes.
    Table,
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
    /// An Excel workbook (needs --out).
    Xlsx,
    /// An Apache Parquet file with typed, nullable columns (needs --out).
    Parquet,
}

/// One cell of a listing.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    /// A number with the decimals to show in the table (CSV/JSON keep full precision).
    Number(f64, usize),
    Integer(i64),
    /// No data: shown as `n/a (no data)` in the table, empty in CSV, null in JSON.
    Missing,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_number(v: Option<f64>, decimals: usize) -> Cell {
        v.map_or(Cell::Missing, |v| Cell::Number(v, decimals))
    }

    fn table_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(v, d) => format_thousands(*v, *d),
            Cell::Integer(i) => i.to_string(),
            Cell::Missing => "n/a (no data)".to_string(),
        }
    }

    fn csv_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(v, _) => format_plain(*v),
            Cell::Integer(i) => i.to_string(),
            Cell::Missing => String::new(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Text(s) => Value::String(s.clone()),
            Cell::Number(v, _) => {
                serde_json::Number::from_f64(*v).map_or(Value::Null, Value::Number)
            }
            Cell::Integer(i) => Value::from(*i),
            Cell::Missing => Value::Null,
        }
    }

    fn is_numeric(&self) -> bool {
        matches!(self, Cell::Number(..) | Cell::Integer(_))
    }
}

/// A column: the machine key (CSV header, JSON field) and the table label.
#[derive(Clone, Debug)]
pub struct Column {
    pub key: &'static str,
    pub label: String,
    /// Shown in the terminal table (some machine columns, like full source URLs, are not).
    pub in_table: bool,
}

/// A listing ready to render.
#[derive(Clone, Debug, Default)]
pub struct Listing {
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
    /// Lines printed under the table (sources, caveats).
    pub notes: Vec<String>,
}

impl Listing {
    pub fn new(title: impl Into<String>) -> Listing {
        Listing {
            title: title.into(),
            ..Listing::default()
        }
    }

    /// Adds a column shown everywhere.
    pub fn column(&mut self, key: &'static str, label: impl Into<String>) -> &mut Self {
        self.columns.push(Column {
            key,
            label: label.into(),
            in_table: true,
        });
        self
    }

    /// Adds a column for CSV, JSON, XLSX and Parquet only.
    pub fn machine_column(&mut self, key: &'static str) -> &mut Self {
        self.columns.push(Column {
            key,
            label: key.to_string(),
            in_table: false,
        });
        self
    }

    /// Renders in `format` to `out`, or to the file `path` when given (required for XLSX and
    /// Parquet, which are binary).
    pub fn write(&self, format: Format, path: Option<&Path>) -> Result<()> {
        if format == Format::Xlsx {
            let path = path.ok_or_else(|| {
                crate::UserError::new(
                    "--format xlsx writes a workbook: name it with --out FILE.xlsx",
                )
            })?;
            return self.write_xlsx(path);
        }
        if format == Format::Parquet {
            let path = path.ok_or_else(|| {
                crate::UserError::new(
                    "--format parquet writes a binary file, not text for standard output: name it with --out FILE.parquet",
                )
            })?;
            let bytes = self.to_parquet()?;
            return std::fs::write(path, bytes)
                .with_context(|| format!("writing {}", path.display()));
        }
        let text = match format {
            Format::Table => self.to_table(),
            Format::Csv => self.to_csv()?,
            Format::Json => self.to_json(),
            Format::Xlsx | Format::Parquet => unreachable!("handled above"),
        };
        write_text(&text, path)
    }

    pub fn to_table(&self) -> String {
        let cols: Vec<usize> = (0..self.columns.len())
            .filter(|&c| self.columns[c].in_table)
            .collect();
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| cols.iter().map(|&c| r[c].table_text()).collect())
            .collect();
        let widths: Vec<usize> = cols
            .iter()
            .enumerate()
            .map(|(k, &c)| {
                cells
                    .iter()
                    .map(|r| r[k].width())
                    .chain(std::iter::once(self.columns[c].label.width()))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let numeric: Vec<bool> = cols
            .iter()
            .map(|&c| self.rows.iter().any(|r| r[c].is_numeric()))
            .collect();
        let mut out = String::new();
        if !self.title.is_empty() {
            out.push_str(&self.title);
            out.push_str("\n\n");
        }
        let line = |out: &mut String, texts: &[String]| {
            let mut parts = Vec::new();
            for (k, t) in texts.iter().enumerate() {
                let pad = " ".repeat(widths[k].saturating_sub(t.width()));
                parts.push(if numeric[k] {
                    format!("{pad}{t}")
                } else {
                    format!("{t}{pad}")
                });
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        let header: Vec<String> = cols
            .iter()
            .map(|&c| self.columns[c].label.clone())
            .collect();
        line(&mut out, &header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&mut out, &rule);
        for r in &cells {
            line(&mut out, r);
        }
        if self.rows.is_empty() {
            out.push_str("(no rows)\n");
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for n in &self.notes {
                out.push_str(n);
                out.push('\n');
            }
        }
        out
    }

    pub fn to_csv(&self) -> Result<String> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(self.columns.iter().map(|c| c.key))?;
        for r in &self.rows {
            w.write_record(r.iter().map(Cell::csv_text))?;
        }
        Ok(String::from_utf8(w.into_inner()?)?)
    }

    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(&Value::Array(self.json_rows()))
            .expect("JSON values serialise");
        s.push('\n');
        s
    }

    /// The rows as JSON objects keyed by column (what [`Listing::to_json`] writes as an
    /// array), for commands that wrap them in an object with their notes.
    pub fn json_rows(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (c, cell) in self.columns.iter().zip(r) {
                    m.insert(c.key.to_string(), cell.json());
                }
                Value::Object(m)
            })
            .collect()
    }

    fn write_xlsx(&self, path: &Path) -> Result<()> {
        use rust_xlsxwriter::{Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        let sheet = wb.add_worksheet();
        let bold = XFormat::new().set_bold();
        for (c, col) in self.columns.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, col.key, &bold)?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            let r = r as u32 + 1;
            for (c, cell) in row.iter().enumerate() {
                let c = c as u16;
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s)?;
                    }
                    Cell::Number(v, _) => {
                        sheet.write_number(r, c, *v)?;
                    }
                    Cell::Integer(i) => {
                        sheet.write_number(r, c, *i as f64)?;
                    }
                    Cell::Missing => {}
                }
            }
        }
        if !self.notes.is_empty() {
            let notes = wb.add_worksheet().set_name("notes")?;
            for (r, n) in self.notes.iter().enumerate() {
                notes.write_string(r as u32, 0, n)?;
            }
        }
        wb.save(path)
            .with_context(|| format!("writing workbook {}", path.display()))?;
        Ok(())
    }
}

/// The Parquet type of a listing column, from its cells (like JSON, which writes numbers as
/// numbers): integers only -> INT64, numbers only (some with decimals) -> DOUBLE, any text ->
/// UTF-8 strings (numbers written as in CSV). Missing cells are nulls in every kind; a column
/// with no value at all (or a listing with no rows) is Parquet's null type (UNKNOWN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ParquetKind {
    Null,
    Int64,
    Double,
    Utf8,
}

impl ParquetKind {
    fn of<'a>(cells: impl Iterator<Item = &'a Cell>) -> ParquetKind {
        let mut kind = ParquetKind::Null;
        for cell in cells {
            kind = match (cell, kind) {
                (Cell::Text(_), _) => return ParquetKind::Utf8,
                (Cell::Missing, k) => k,
                (Cell::Integer(_), ParquetKind::Null | ParquetKind::Int64) => ParquetKind::Int64,
                (Cell::Integer(_) | Cell::Number(..), _) => ParquetKind::Double,
            };
        }
        kind
    }
}

/// Rows per Parquet row group (listings are usually one group).
const PARQUET_ROW_GROUP: usize = 1 << 20;

impl Listing {
    /// The listing as a Parquet file: one OPTIONAL column per machine key, typed by
    /// [`ParquetKind`], with the title, notes and `created_by` in the key/value metadata.
    /// Uncompressed (listings are small; no codec is compiled in).
    pub fn to_parquet(&self) -> Result<Vec<u8>> {
        use parquet::basic::{LogicalType, Repetition, Type as Physical};
        use parquet::column::writer::ColumnWriter;
        use parquet::data_type::ByteArray;
        use parquet::file::metadata::KeyValue;
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use parquet::schema::types::Type;
        use std::sync::Arc;

        let kinds: Vec<ParquetKind> = (0..self.columns.len())
            .map(|c| ParquetKind::of(self.rows.iter().map(|r| &r[c])))
            .collect();
        let fields = self
            .columns
            .iter()
            .zip(&kinds)
            .map(|(col, kind)| {
                let (physical, logical) = match kind {
                    ParquetKind::Null => (Physical::INT32, Some(LogicalType::Unknown)),
                    ParquetKind::Int64 => (Physical::INT64, None),
                    ParquetKind::Double => (Physical::DOUBLE, None),
                    ParquetKind::Utf8 => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
                };
                Type::primitive_type_builder(col.key, physical)
                    .with_repetition(Repetition::OPTIONAL)
                    .with_logical_type(logical)
                    .build()
                    .map(Arc::new)
            })
            .collect::<parquet::errors::Result<Vec<_>>>()?;
        let schema = Arc::new(
            Type::group_type_builder("listing")
                .with_fields(fields)
                .build()?,
        );
        let created_by = format!("tandem {}", env!("CARGO_PKG_VERSION"));
        let mut metadata = vec![
            KeyValue::new("title".to_string(), self.title.clone()),
            KeyValue::new("created_by".to_string(), created_by.clone()),
        ];
        if !self.notes.is_empty() {
            metadata.push(KeyValue::new("notes".to_string(), self.notes.join("\n")));
        }
        let props = WriterProperties::builder()
            .set_created_by(created_by)
            .set_key_value_metadata(Some(metadata))
            .build();
        let mut writer = SerializedFileWriter::new(Vec::new(), schema, Arc::new(props))?;
        for rows in self.rows.chunks(PARQUET_ROW_GROUP) {
            let mut group = writer.next_row_group()?;
            for (c, kind) in kinds.iter().enumerate() {
                let mut column = group
                    .next_column()?
                    .expect("one column writer per schema field");
                // Definition level 1 = a value, 0 = null.
                let levels: Vec<i16> = rows
                    .iter()
                    .map(|r| i16::from(!matches!(r[c], Cell::Missing)))
                    .collect();
                let cells = rows.iter().map(|r| &r[c]);
                match (column.untyped(), kind) {
                    (ColumnWriter::Int32ColumnWriter(w), ParquetKind::Null) => {
                        w.write_batch(&[], Some(&levels), None)?;
                    }
                    (ColumnWriter::Int64ColumnWriter(w), ParquetKind::Int64) => {
                        let values: Vec<i64> = cells
                            .filter_map(|cell| match cell {
                                Cell::Integer(i) => Some(*i),
                                _ => None,
                            })
                            .collect();
                        w.write_batch(&values, Some(&levels), None)?;
                    }
                    (ColumnWriter::DoubleColumnWriter(w), ParquetKind::Double) => {
                        let values: Vec<f64> = cells
                            .filter_map(|cell| match cell {
                                Cell::Number(v, _) => Some(*v),
                                Cell::Integer(i) => Some(*i as f64),
                                _ => None,
                            })
                            .collect();
                        w.write_batch(&values, Some(&levels), None)?;
                    }
                    (ColumnWriter::ByteArrayColumnWriter(w), ParquetKind::Utf8) => {
                        let values: Vec<ByteArray> = cells
                            .filter(|cell| !matches!(cell, Cell::Missing))
                            .map(|cell| ByteArray::from(cell.csv_text().into_bytes()))
                            .collect();
                        w.write_batch(&values, Some(&levels), None)?;
                    }
                    _ => unreachable!("the schema gives each kind its column writer"),
                }
                column.close()?;
            }
            group.close()?;
        }
        Ok(writer.into_inner()?)
    }
}

/// Writes `text` to the file `path`, or to standard output.
pub fn write_text(text: &str, path: Option<&Path>) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
        None => {
            std::io::stdout().lock().write_all(text.as_bytes())?;
            Ok(())
        }
    }
}

/// `1234567.891` with 2 decimals -> `1,234,567.89`.
pub fn format_thousands(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::new();
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let sign = if v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// Shortest text that reads back as the same f64 (`3233.3`, not `3233.300000000000182`).
pub fn format_plain(v: f64) -> String {
    let s = format!("{v}");
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands() {
        assert_eq!(format_thousands(1234567.891, 2), "1,234,567.89");
        assert_eq!(format_thousands(-1234.5, 0), "-1,234");
        assert_eq!(format_thousands(999.0, 1), "999.0");
        assert_eq!(format_thousands(-0.001, 1), "0.0");
    }

    #[test]
    fn renders_all_formats() {
        let mut l = Listing::new("T");
        l.column("id", "Id")
            .column("v", "Value")
            .machine_column("src");
        l.rows.push(vec![
            Cell::text("宿州"),
            Cell::Number(1.5, 1),
            Cell::text("u"),
        ]);
        l.rows
            .push(vec![Cell::text("b"), Cell::Missing, Cell::text("w")]);
        let t = l.to_table();
        assert!(t.contains("n/a (no data)"), "{t}");
        assert!(!t.contains("src"));
        // CJK characters count double: both rows' second columns line up.
        let lines: Vec<&str> = t
            .lines()
            .filter(|x| x.contains("宿州") || x.starts_with("b "))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].width(), lines[1].width(), "{t}");
        assert_eq!(l.to_csv().unwrap(), "id,v,src\n宿州,1.5,u\nb,,w\n");
        let j: Value = serde_json::from_str(&l.to_json()).unwrap();
        assert_eq!(j[1]["v"], Value::Null);
        assert_eq!(j[0]["v"], 1.5);
    }

    /// Reads Parquet bytes back: (key, physical type, logical type, optional) per column, the
    /// rows as fields, and the key/value metadata.
    #[allow(clippy::type_complexity)]
    fn read_parquet(
        bytes: &[u8],
    ) -> (
        Vec<(
            String,
            parquet::basic::Type,
            Option<parquet::basic::LogicalType>,
            bool,
        )>,
        Vec<Vec<parquet::record::Field>>,
        Vec<(String, Option<String>)>,
    ) {
        use parquet::file::reader::{FileReader, SerializedFileReader};
        use std::io::{Seek, Write};
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.rewind().unwrap();
        let reader = SerializedFileReader::new(file).unwrap();
        let meta = reader.metadata().file_metadata();
        let schema = meta
            .schema_descr()
            .columns()
            .iter()
            .map(|c| {
                (
                    c.name().to_string(),
                    c.physical_type(),
                    c.logical_type_ref().cloned(),
                    c.self_type().get_basic_info().repetition()
                        == parquet::basic::Repetition::OPTIONAL,
                )
            })
            .collect();
        let kv = meta
            .key_value_metadata()
            .map(|kv| {
                kv.iter()
                    .map(|kv| (kv.key.clone(), kv.value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let rows = reader
            .get_row_iter(None)
            .unwrap()
            .map(|r| {
                r.unwrap()
                    .get_column_iter()
                    .map(|(_, f)| f.clone())
                    .collect()
            })
            .collect();
        (schema, rows, kv)
    }

    #[test]
    fn parquet_types_columns_from_their_cells_and_keeps_nulls() {
        use parquet::basic::{LogicalType, Type as Physical};
        use parquet::record::Field;
        let mut l = Listing::new("Title 标题");
        l.column("name", "Name")
            .column("none", "Nothing")
            .column("mixed", "Mixed")
            .column("year", "Year")
            .column("value", "Value")
            .machine_column("ints_and_numbers");
        l.rows.push(vec![
            Cell::text("宿州"),
            Cell::Missing,
            Cell::text("n/a"),
            Cell::Integer(2021),
            Cell::Number(0.1, 1),
            Cell::Integer(3),
        ]);
        l.rows.push(vec![
            Cell::text(""),
            Cell::Missing,
            Cell::Number(2.5, 1),
            Cell::Missing,
            Cell::Missing,
            Cell::Number(-0.25, 2),
        ]);
        l.rows.push(vec![
            Cell::Missing,
            Cell::Missing,
            Cell::Integer(7),
            Cell::Integer(-4),
            Cell::Number(1e300, 0),
            Cell::Missing,
        ]);
        l.notes.push("[1] a source".into());
        let (schema, rows, kv) = read_parquet(&l.to_parquet().unwrap());
        let types: Vec<_> = schema
            .iter()
            .map(|(k, p, lt, opt)| {
                assert!(opt, "{k} is OPTIONAL");
                (k.as_str(), *p, lt.clone())
            })
            .collect();
        assert_eq!(
            types,
            [
                ("name", Physical::BYTE_ARRAY, Some(LogicalType::String)),
                // No value at all: Parquet's null type, not a column of zeros or "".
                ("none", Physical::INT32, Some(LogicalType::Unknown)),
                // Text and numbers: strings, the numbers as CSV writes them.
                ("mixed", Physical::BYTE_ARRAY, Some(LogicalType::String)),
                ("year", Physical::INT64, None),
                ("value", Physical::DOUBLE, None),
                ("ints_and_numbers", Physical::DOUBLE, None),
            ]
        );
        let s = |x: &str| Field::Str(x.to_string());
        assert_eq!(
            rows,
            [
                vec![
                    s("宿州"),
                    Field::Null,
                    s("n/a"),
                    Field::Long(2021),
                    Field::Double(0.1),
                    Field::Double(3.0),
                ],
                vec![
                    s(""),
                    Field::Null,
                    s("2.5"),
                    Field::Null,
                    Field::Null,
                    Field::Double(-0.25),
                ],
                vec![
                    Field::Null,
                    Field::Null,
                    s("7"),
                    Field::Long(-4),
                    Field::Double(1e300),
                    Field::Null,
                ],
            ]
        );
        let get = |k: &str| {
            kv.iter()
                .find(|(key, _)| key == k)
                .and_then(|(_, v)| v.clone())
        };
        assert_eq!(get("title").as_deref(), Some("Title 标题"));
        assert_eq!(
            get("created_by"),
            Some(format!("tandem {}", env!("CARGO_PKG_VERSION")))
        );
        assert_eq!(get("notes").as_deref(), Some("[1] a source"));
    }

    #[test]
    fn parquet_of_an_empty_listing_has_the_columns_and_no_rows() {
        let mut l = Listing::new("");
        l.column("a", "A").column("b", "B");
        let (schema, rows, kv) = read_parquet(&l.to_parquet().unwrap());
        let keys: Vec<&str> = schema.iter().map(|c| c.0.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert!(rows.is_empty());
        assert!(kv.iter().all(|(k, _)| k != "notes"));
    }

    #[test]
    fn parquet_needs_out() {
        let l = Listing::new("T");
        let e = l.write(Format::Parquet, None).unwrap_err();
        assert!(e.to_string().contains("--out FILE.parquet"), "{e}");
    }
}
