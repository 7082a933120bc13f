//! A streaming Parquet table writer on the low-level `parquet` API (no arrow).
//!
//! Rows are buffered column by column and flushed as one row group every
//! [`ROW_GROUP_ROWS`] rows, so the memory a table needs is bounded by one row group whatever
//! the number of firms: a 20-million-firm registry never sits in memory at once.

use crate::RegistryError;
use parquet::basic::{LogicalType, Repetition, Type as Physical};
use parquet::column::writer::ColumnWriter;
use parquet::data_type::ByteArray;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;
use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

/// Rows per row group: about 10 MB of buffered columns for the widest table, and large enough
/// for readers to skip groups efficiently.
pub const ROW_GROUP_ROWS: usize = 1 << 17;

/// The type of a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 64-bit integer.
    Int64,
    /// 32-bit integer (codes such as GB/T 2260 county codes).
    Int32,
    /// A calendar date (Parquet DATE: days since 1970-01-01).
    Date,
    /// A double.
    Double,
    /// UTF-8 text.
    Utf8,
}

/// One column of a table's schema.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Column name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
    /// Whether it may be null (missing is null, never 0).
    pub nullable: bool,
}

/// A value for [`TableWriter::push`].
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Missing (only in a nullable column).
    Null,
    /// An integer (Int64, Int32 or Date columns).
    Int(i64),
    /// A double.
    Float(f64),
    /// Text.
    Text(String),
}

#[derive(Default)]
struct Buffer {
    ints: Vec<i64>,
    floats: Vec<f64>,
    texts: Vec<ByteArray>,
    levels: Vec<i16>,
}

/// Writes one Parquet file, a row group at a time.
pub struct TableWriter {
    columns: &'static [Column],
    buffers: Vec<Buffer>,
    rows: usize,
    writer: SerializedFileWriter<BufWriter<File>>,
}

fn schema(name: &str, columns: &[Column]) -> Result<Type, parquet::errors::ParquetError> {
    let fields = columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.kind {
                Kind::Int64 => (Physical::INT64, None),
                Kind::Int32 => (Physical::INT32, None),
                Kind::Date => (Physical::INT32, Some(LogicalType::Date)),
                Kind::Double => (Physical::DOUBLE, None),
                Kind::Utf8 => (Physical::BYTE_ARRAY, Some(LogicalType::String)),
            };
            let repetition = if c.nullable {
                Repetition::OPTIONAL
            } else {
                Repetition::REQUIRED
            };
            Type::primitive_type_builder(c.name, physical)
                .with_repetition(repetition)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Type::group_type_builder(name).with_fields(fields).build()
}

impl TableWriter {
    /// Creates `path` for a table of `columns`, with `metadata` as key/value pairs.
    ///
    /// # Errors
    /// The file cannot be created, or the schema is invalid.
    pub fn create(
        path: &Path,
        name: &str,
        columns: &'static [Column],
        metadata: Vec<(String, String)>,
    ) -> Result<TableWriter, RegistryError> {
        let file = File::create(path).map_err(|e| RegistryError::io(path, e))?;
        let schema = Arc::new(schema(name, columns)?);
        // A fixed created_by (no build time, no host) keeps the files byte-identical per seed.
        let props = WriterProperties::builder()
            .set_created_by(format!("tandem-registry {}", env!("CARGO_PKG_VERSION")))
            .set_key_value_metadata(Some(
                metadata
                    .into_iter()
                    .map(|(k, v)| KeyValue::new(k, v))
                    .collect(),
            ))
            .build();
        let writer = SerializedFileWriter::new(BufWriter::new(file), schema, Arc::new(props))?;
        Ok(TableWriter {
            columns,
            buffers: columns.iter().map(|_| Buffer::default()).collect(),
            rows: 0,
            writer,
        })
    }

    /// Appends one row (one value per column, in schema order).
    ///
    /// # Panics
    /// On a row of the wrong width or a value of the wrong type: a defect of the caller.
    pub fn push(&mut self, row: &[Value]) -> Result<(), RegistryError> {
        assert_eq!(row.len(), self.columns.len(), "one value per column");
        for ((col, buf), value) in self.columns.iter().zip(&mut self.buffers).zip(row) {
            buf.levels.push(i16::from(*value != Value::Null));
            match (col.kind, value) {
                (_, Value::Null) => assert!(col.nullable, "{} is not nullable", col.name),
                (Kind::Int64 | Kind::Int32 | Kind::Date, Value::Int(i)) => buf.ints.push(*i),
                (Kind::Double, Value::Float(f)) => buf.floats.push(*f),
                (Kind::Utf8, Value::Text(t)) => buf.texts.push(ByteArray::from(t.as_str())),
                (kind, v) => panic!("{}: {v:?} in a {kind:?} column", col.name),
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), RegistryError> {
        if self.rows == 0 {
            return Ok(());
        }
        let mut group = self.writer.next_row_group()?;
        for (col, buf) in self.columns.iter().zip(&mut self.buffers) {
            let mut column = group
                .next_column()?
                .expect("one column writer per schema field");
            let levels = col.nullable.then_some(buf.levels.as_slice());
            match column.untyped() {
                ColumnWriter::Int64ColumnWriter(w) => {
                    w.write_batch(&buf.ints, levels, None)?;
                }
                ColumnWriter::Int32ColumnWriter(w) => {
                    let values: Vec<i32> = buf.ints.iter().map(|&i| i as i32).collect();
                    w.write_batch(&values, levels, None)?;
                }
                ColumnWriter::DoubleColumnWriter(w) => {
                    w.write_batch(&buf.floats, levels, None)?;
                }
                ColumnWriter::ByteArrayColumnWriter(w) => {
                    w.write_batch(&buf.texts, levels, None)?;
                }
                _ => unreachable!("the schema only has these physical types"),
            }
            column.close()?;
            *buf = Buffer::default();
        }
        group.close()?;
        self.rows = 0;
        Ok(())
    }

    /// Flushes the last row group and writes the footer.
    ///
    /// # Errors
    /// Writing fails.
    pub fn finish(mut self) -> Result<(), RegistryError> {
        self.flush()?;
        self.writer.close()?;
        Ok(())
    }
}
