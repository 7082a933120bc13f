//! Rendering listings as a terminal table, CSV, JSON or XLSX.
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

    /// Adds a column for CSV, JSON and XLSX only.
    pub fn machine_column(&mut self, key: &'static str) -> &mut Self {
        self.columns.push(Column {
            key,
            label: key.to_string(),
            in_table: false,
        });
        self
    }

    /// Renders in `format` to `out`, or to the file `path` when given (required for XLSX).
    pub fn write(&self, format: Format, path: Option<&Path>) -> Result<()> {
        if format == Format::Xlsx {
            let path = path.ok_or_else(|| {
                crate::UserError::new(
                    "--format xlsx writes a workbook: name it with --out FILE.xlsx",
                )
            })?;
            return self.write_xlsx(path);
        }
        let text = match format {
            Format::Table => self.to_table(),
            Format::Csv => self.to_csv()?,
            Format::Json => self.to_json(),
            Format::Xlsx => unreachable!("handled above"),
        };
        match path {
            Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
            None => {
                let mut stdout = std::io::stdout().lock();
                stdout.write_all(text.as_bytes())?;
                Ok(())
            }
        }
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
        let rows: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let mut m = Map::new();
                for (c, cell) in self.columns.iter().zip(r) {
                    m.insert(c.key.to_string(), cell.json());
                }
                Value::Object(m)
            })
            .collect();
        let mut s =
            serde_json::to_string_pretty(&Value::Array(rows)).expect("JSON values serialise");
        s.push('\n');
        s
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
}
