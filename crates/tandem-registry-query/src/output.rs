//! Query results out: CSV (with a header), JSON lines, or Parquet.
//!
//! Nulls stay null in every format: an empty CSV field, a missing JSON key, a Parquet null.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::json::LineDelimitedWriter;
use datafusion::parquet::arrow::ArrowWriter;

use crate::{QueryError, RecordBatch};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma-separated, header row, UTF-8.
    Csv,
    /// One JSON object per line.
    Json,
    /// Parquet (a file, not standard output).
    Parquet,
}

impl FromStr for Format {
    type Err = QueryError;

    fn from_str(text: &str) -> Result<Format, QueryError> {
        match text {
            "csv" => Ok(Format::Csv),
            "json" => Ok(Format::Json),
            "parquet" => Ok(Format::Parquet),
            _ => Err(QueryError::Invalid(format!(
                "bad format `{text}`: write csv, json or parquet"
            ))),
        }
    }
}

/// Writes `batches` in `format` to `out` (a file; `None` is standard output, not for Parquet).
///
/// # Errors
/// Parquet to standard output, or a write that failed.
pub fn write(
    batches: &[RecordBatch],
    format: Format,
    out: Option<&Path>,
) -> Result<(), QueryError> {
    let target = out.map_or_else(|| Path::new("-").to_path_buf(), Path::to_path_buf);
    let fail = |e: &dyn std::fmt::Display| QueryError::Write {
        path: target.clone(),
        reason: e.to_string(),
    };
    let sink: Box<dyn Write + Send> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| fail(&e))?,
        )),
        None if format == Format::Parquet => {
            return Err(QueryError::Invalid(
                "Parquet goes to a file: give --out FILE".into(),
            ))
        }
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    write_to(batches, format, sink).map_err(|e| fail(&e))
}

fn write_to(
    batches: &[RecordBatch],
    format: Format,
    sink: Box<dyn Write + Send>,
) -> Result<(), Box<dyn std::error::Error>> {
    match format {
        Format::Csv => {
            let mut w = WriterBuilder::new().with_header(true).build(sink);
            for b in batches {
                w.write(b)?;
            }
            w.into_inner().flush()?;
        }
        Format::Json => {
            let mut w = LineDelimitedWriter::new(sink);
            for b in batches {
                w.write(b)?;
            }
            w.finish()?;
            w.into_inner().flush()?;
        }
        Format::Parquet => {
            let Some(first) = batches.first() else {
                return Err("the query returned no batch, so there is no schema to write".into());
            };
            let mut w = ArrowWriter::try_new(sink, first.schema(), None)?;
            for b in batches {
                w.write(b)?;
            }
            w.close()?;
        }
    }
    Ok(())
}

/// The rows of all batches.
pub fn rows(batches: &[RecordBatch]) -> usize {
    batches.iter().map(RecordBatch::num_rows).sum()
}
