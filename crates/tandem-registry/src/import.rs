//! Importing a registry from the exports researchers have (CSV in UTF-8 or GB18030, XLSX,
//! Parquet) through a column-mapping file, with the checks and the all-or-nothing rule of
//! `tandem data import`.
//!
//! Rows stream from the export into the schema's Parquet writer ([`crate::table`]): memory is
//! one row group per table being written (at most [`crate::table::ROW_GROUP_ROWS`] rows,
//! about 10 MB), two 64 KiB decoding buffers, at most [`MAX_PROBLEMS`] problems, and the set
//! of firm ids for the duplicate check (about 16-32 bytes a firm: some 500 MB for 20 M
//! firms). An XLSX sheet is read whole, within `tandem_sheet`'s limits.
//!
//! Files are written to a temporary directory beside `--out` and moved into place only when
//! no row broke a rule; with any problem nothing is written.

pub mod convert;
pub mod mapping;
pub mod source;

pub use mapping::{Conv, Field, FieldSpec, Mapping, TABLE_FIELDS};

use crate::table::TableWriter;
use crate::{schema, RegistryError};
use std::path::{Path, PathBuf};
use tandem_data::import::{ImportReport, Problem, Rule};

/// Problems kept for the report; more are counted, not listed.
pub const MAX_PROBLEMS: usize = 1000;

/// The exports to import: firms, and optionally the three other tables.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// The firms export.
    pub firms: PathBuf,
    /// Establishments (branches).
    pub establishments: Option<PathBuf>,
    /// Shareholder links.
    pub links: Option<PathBuf>,
    /// Address changes.
    pub address_changes: Option<PathBuf>,
}

impl Inputs {
    fn of(&self, table: &str) -> Option<&Path> {
        match table {
            "firms" => Some(&self.firms),
            "establishments" => self.establishments.as_deref(),
            "links" => self.links.as_deref(),
            _ => self.address_changes.as_deref(),
        }
    }
}

/// Rows written per table, in [`schema::TABLES`] order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// firms, establishments, links, address changes.
    pub rows: [u64; 4],
}

/// The problems of a failed import (nothing was written).
#[derive(Clone, Debug, Default)]
pub struct Failure {
    /// The first [`MAX_PROBLEMS`] problems, in file and row order.
    pub report: ImportReport,
    /// How many problems there were in all.
    pub total: usize,
}

struct Problems {
    failure: Failure,
}

impl Problems {
    fn add(&mut self, new: impl IntoIterator<Item = Problem>) {
        for p in new {
            self.failure.total += 1;
            if self.failure.report.problems.len() < MAX_PROBLEMS {
                self.failure.report.problems.push(p);
            }
        }
    }
}

/// Imports `inputs` through `mapping` into the registry directory `out` (which must not
/// exist or be empty). `progress(table, rows)` is called every few thousand rows.
///
/// # Errors
/// [`RegistryError::Problems`] listing every broken rule (nothing written); I/O errors.
pub fn import(
    mapping: &Mapping,
    inputs: &Inputs,
    out: &Path,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Summary, RegistryError> {
    if out.is_file() || std::fs::read_dir(out).is_ok_and(|mut d| d.next().is_some()) {
        return Err(RegistryError::OutNotEmpty(out.to_path_buf()));
    }
    for (table, _) in TABLE_FIELDS {
        if let (Some(input), true) = (inputs.of(table), mapping.table(table).is_empty()) {
            return Err(RegistryError::Mapping {
                path: PathBuf::from("(the --mapping file)"),
                reason: format!(
                    "{} is given but the mapping has no [{table}] section; add one naming its columns",
                    input.display()
                ),
            });
        }
    }
    let encoding = mapping.text_encoding();
    let name = out
        .file_name()
        .map_or("registry".into(), |n| n.to_string_lossy().into_owned());
    let tmp = out
        .parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}.importing-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| RegistryError::io(&tmp, e))?;
    let result = write_all(mapping, inputs, &tmp, encoding, progress);
    let finished = result.and_then(|summary| {
        if out.exists() {
            std::fs::remove_dir(out).map_err(|e| RegistryError::io(out, e))?;
        }
        std::fs::rename(&tmp, out).map_err(|e| RegistryError::io(out, e))?;
        Ok(summary)
    });
    if finished.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    finished
}

fn write_all(
    mapping: &Mapping,
    inputs: &Inputs,
    dir: &Path,
    encoding: Option<&'static encoding_rs::Encoding>,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<Summary, RegistryError> {
    let mut ctx = convert::Ctx::new(&mapping.date_formats, &mapping.ownership);
    let mut problems = Problems {
        failure: Failure::default(),
    };
    let mut summary = Summary::default();
    for (k, ((table, specs), (file, columns))) in
        TABLE_FIELDS.iter().zip(schema::TABLES).enumerate()
    {
        let path = dir.join(file);
        let mut writer = TableWriter::create(
            &path,
            table,
            columns,
            vec![
                ("synthetic".into(), "false".into()),
                ("schema".into(), "docs/REGISTRY.md".into()),
                (
                    "imported_from".into(),
                    inputs
                        .of(table)
                        .map_or(String::new(), |p| p.display().to_string()),
                ),
            ],
        )?;
        if let Some(input) = inputs.of(table) {
            let mut t = TableRun {
                ctx: &mut ctx,
                problems: &mut problems,
                writer: &mut writer,
                table,
                progress,
            };
            summary.rows[k] = t.run(specs, mapping.table(table), input, encoding)?;
        }
        writer.finish()?;
    }
    if problems.failure.total > 0 {
        return Err(RegistryError::Problems(Box::new(problems.failure)));
    }
    Ok(summary)
}

struct TableRun<'a> {
    ctx: &'a mut convert::Ctx,
    problems: &'a mut Problems,
    writer: &'a mut TableWriter,
    table: &'a str,
    progress: &'a mut dyn FnMut(&str, u64),
}

impl TableRun<'_> {
    /// Streams one export into its table; rows stop being written at the first problem, but
    /// checking goes on so that every problem is reported.
    fn run(
        &mut self,
        specs: &[FieldSpec],
        map: &std::collections::BTreeMap<String, Field>,
        input: &Path,
        encoding: Option<&'static encoding_rs::Encoding>,
    ) -> Result<u64, RegistryError> {
        let source = match source::open(input, encoding) {
            Ok(s) => s,
            Err(p) => {
                self.problems.add([*p]);
                return Ok(0);
            }
        };
        let plan = match convert::plan(specs, map, &source.header, &source.origin) {
            Ok(plan) => plan,
            Err(ps) => {
                self.problems.add(ps);
                return Ok(0);
            }
        };
        let source::Source {
            origin,
            header,
            rows: records,
        } = source;
        let mut rows = 0u64;
        let mut found = Vec::new();
        for row in records {
            let row = match row {
                Ok(r) => r,
                Err(p) => {
                    self.problems.add([*p]);
                    break;
                }
            };
            if row.cells.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let values = convert::row(
                self.ctx, &plan, &origin, &header, row.number, &row.cells, &mut found,
            );
            if let (Some(values), "firms") = (&values, self.table) {
                self.check_duplicate(&plan, (&origin, &header), row.number, values, &mut found);
            }
            self.problems.add(found.drain(..));
            if let (Some(values), 0) = (values, self.problems.failure.total) {
                self.writer.push(&values)?;
            }
            rows += 1;
            if rows % 10_000 == 0 {
                (self.progress)(self.table, rows);
            }
        }
        if rows == 0 {
            self.problems.add([Problem::new(
                origin.clone(),
                Rule::Empty,
                "the file has no data rows",
            )]);
        }
        (self.progress)(self.table, rows);
        Ok(rows)
    }

    fn check_duplicate(
        &mut self,
        plan: &convert::Plan,
        (origin, header): (&tandem_data::import::Location, &[String]),
        number: usize,
        values: &[crate::table::Value],
        found: &mut Vec<Problem>,
    ) {
        let crate::table::Value::Int(id) = values[0] else {
            return;
        };
        if !self.ctx.firm_ids.insert(id) {
            let col = plan.fields[0].1.unwrap_or(0);
            found.push(Problem::new(
                origin.at(number, Some((col + 1, header[col].as_str()))),
                Rule::DuplicateConflict,
                format!("firm id {id} appears twice; each firm must have one row"),
            ));
        }
    }
}
