//! Projects and tasks in and out of Excel, with a documented template.
//!
//! The template is the export itself: one sheet (`projects` or `tasks`), a header row of field
//! names (the API's names), one record per row. On import a row with an empty `id` creates a
//! record; a row with `id` and `version` changes that record (the version must be the one
//! exported, so an edit made meanwhile in the platform is not overwritten). Columns the
//! platform maintains (`stage`, `review_flags`, …) are exported for reading and ignored on
//! import. The whole file is imported in one transaction: any error anywhere imports nothing,
//! and every error names the sheet, row, column and rule.

use crate::auth::User;
use crate::bulk;
use crate::db::Db;
use crate::entity::{Entity, Kind, ENTERPRISE_FIGURES, PARK_FIGURES, PROJECTS, TASKS};
use crate::service::{self, ListQuery, PlatformError};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde_json::{Map, Value as Json};

/// The record types that can be exchanged as XLSX.
pub fn sheet_entity(name: &str) -> Option<&'static Entity> {
    match name {
        "projects" => Some(&PROJECTS),
        "tasks" => Some(&TASKS),
        "enterprise_figures" => Some(&ENTERPRISE_FIGURES),
        "park_figures" => Some(&PARK_FIGURES),
        "chains" => Some(&crate::entity::CHAINS),
        "chain_nodes" => Some(&crate::entity::CHAIN_NODES),
        "chain_edges" => Some(&crate::entity::CHAIN_EDGES),
        "chain_placements" => Some(&crate::entity::CHAIN_PLACEMENTS),
        "barriers" => Some(&crate::entity::BARRIERS),
        "disputes" => Some(&crate::entity::DISPUTES),
        "dispute_rounds" => Some(&crate::entity::DISPUTE_ROUNDS),
        "supply_bases" => Some(&crate::entity::produce::SUPPLY_BASES),
        "base_certifications" => Some(&crate::entity::produce::BASE_CERTIFICATIONS),
        "produce_buyers" => Some(&crate::entity::produce::PRODUCE_BUYERS),
        "supply_contracts" => Some(&crate::entity::produce::SUPPLY_CONTRACTS),
        "deliveries" => Some(&crate::entity::produce::DELIVERIES),
        "produce_events" => Some(&crate::entity::produce::PRODUCE_EVENTS),
        // Innovation (issue #17); technology matches are made by the workflow, not imported.
        "institutes" => Some(&crate::entity::innovation::INSTITUTES),
        "innovation_platforms" => Some(&crate::entity::innovation::INNOVATION_PLATFORMS),
        "tech_capabilities" => Some(&crate::entity::innovation::TECH_CAPABILITIES),
        "tech_needs" => Some(&crate::entity::innovation::TECH_NEEDS),
        "innovation_projects" => Some(&crate::entity::innovation::INNOVATION_PROJECTS),
        "innovation_milestones" => Some(&crate::entity::innovation::INNOVATION_MILESTONES),
        "ip_records" => Some(&crate::entity::innovation::IP_RECORDS),
        _ => None,
    }
}

/// The columns of an entity's sheet: `id`, the fields, `version`.
pub fn columns(entity: &Entity) -> Vec<&'static str> {
    let mut cols = vec!["id"];
    cols.extend(entity.fields.iter().map(|f| f.name));
    cols.push("version");
    cols
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("cannot write the workbook: {0}")]
    Xlsx(String),
}

/// Every record of `entity` the user may read, as an XLSX workbook (bytes): the records'
/// sheet, then the `template` sheet that documents its columns.
pub fn export(db: &Db, user: &User, entity: &'static Entity) -> Result<Vec<u8>, SheetError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    write_records_sheet(wb.add_worksheet(), db, user, entity, &bold)?;
    // A second sheet explains the template, so the file documents itself.
    write_template_sheet(wb.add_worksheet(), entity, &bold)?;
    wb.save_to_buffer().map_err(xlsx_error)
}

/// A workbook writer's error as an export error.
fn xlsx_error(e: XlsxError) -> SheetError {
    SheetError::Xlsx(e.to_string())
}

/// Fills the records' sheet (named as the entity): a bold header row of [`columns`], then
/// every record the user may read, page by page in list order; the header row frozen.
fn write_records_sheet(
    ws: &mut Worksheet,
    db: &Db,
    user: &User,
    entity: &'static Entity,
    bold: &Format,
) -> Result<(), SheetError> {
    ws.set_name(entity.name).map_err(xlsx_error)?;
    let cols = columns(entity);
    for (c, name) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, bold)
            .map_err(xlsx_error)?;
    }
    let mut row = 1u32;
    let mut page = 1;
    loop {
        let p = service::list(
            db,
            user,
            entity,
            &ListQuery {
                page,
                per_page: service::MAX_PER_PAGE,
                ..Default::default()
            },
        )?;
        for item in &p.items {
            write_record(ws, row, &cols, item)?;
            row += 1;
        }
        if page * p.per_page >= p.total {
            break;
        }
        page += 1;
    }
    ws.set_freeze_panes(1, 0).map_err(xlsx_error)?;
    ws.autofit();
    Ok(())
}

/// Writes one record on sheet row `row`, a cell per column: numbers as numbers, text as
/// text, lists joined with commas, nothing for NULL.
fn write_record(
    ws: &mut Worksheet,
    row: u32,
    cols: &[&str],
    item: &Map<String, Json>,
) -> Result<(), SheetError> {
    for (c, name) in cols.iter().enumerate() {
        match item.get(*name) {
            Some(Json::Number(n)) => {
                ws.write_number(row, c as u16, n.as_f64().unwrap_or(0.0))
                    .map_err(xlsx_error)?;
            }
            Some(Json::String(s)) => {
                ws.write_string(row, c as u16, s).map_err(xlsx_error)?;
            }
            Some(Json::Array(a)) => {
                let joined: Vec<String> = a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect();
                ws.write_string(row, c as u16, joined.join(","))
                    .map_err(xlsx_error)?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// Fills the `template` sheet: a bold header row, then for each column of the records' sheet
/// its name, Chinese label, meaning and rule, and what an import does with it.
fn write_template_sheet(
    help: &mut Worksheet,
    entity: &Entity,
    bold: &Format,
) -> Result<(), SheetError> {
    help.set_name("template").map_err(xlsx_error)?;
    for (c, title) in ["column", "中文", "meaning / rule", "on import"]
        .into_iter()
        .enumerate()
    {
        help.write_string_with_format(0, c as u16, title, bold)
            .map_err(xlsx_error)?;
    }
    let mut rows: Vec<[String; 4]> = vec![[
        "id".into(),
        "编号".into(),
        "record id; empty for a new record".into(),
        "empty = create".into(),
    ]];
    for f in entity.fields {
        let required = if f.required { "; required" } else { "" };
        let import = if f.writable {
            "imported"
        } else {
            "ignored (maintained by the platform)"
        };
        rows.push([
            f.name.into(),
            f.zh.into(),
            format!("{}: {}{required}", f.en, kind_rule(f.kind)),
            import.into(),
        ]);
    }
    rows.push([
        "version".into(),
        "版本".into(),
        "the version exported; required with id".into(),
        "must match the stored version".into(),
    ]);
    for (r, cells) in rows.iter().enumerate() {
        for (c, text) in cells.iter().enumerate() {
            help.write_string(r as u32 + 1, c as u16, text)
                .map_err(xlsx_error)?;
        }
    }
    help.autofit();
    Ok(())
}

/// A field kind's rule, in words, for the template sheet.
fn kind_rule(kind: Kind) -> String {
    match kind {
        Kind::Text(n) => format!("text, at most {n} characters"),
        Kind::Date => "date YYYY-MM-DD".into(),
        Kind::Int(a, b) => format!("whole number {a}..{b}"),
        Kind::Year => "year".into(),
        Kind::Real(a, b) => format!("number {a}..{b}"),
        Kind::Money => "yuan, at most two decimals".into(),
        Kind::Enum(v) => format!("one of: {}", v.join(", ")),
        Kind::List => "codes separated by commas".into(),
        Kind::Ref(t) => format!("id of a record of {t}"),
    }
}

/// One problem in an imported workbook.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ImportProblem {
    pub sheet: String,
    /// 1-based row as Excel shows it.
    pub row: u32,
    /// Column letter and header, e.g. `G (amount_agreed_yuan)`; empty for a whole-row problem.
    pub column: String,
    pub rule: String,
    pub message: String,
}

impl std::fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "sheet {}, row {}", self.sheet, self.row)?;
        if !self.column.is_empty() {
            write!(f, ", column {}", self.column)?;
        }
        write!(f, ": {} [{}]", self.message, self.rule)
    }
}

/// What an import did.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
}

fn column_letter(i: usize) -> String {
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push((b'A' + r as u8) as char);
        n = (n - 1) / 26;
    }
    s.iter().rev().collect()
}

fn cell_json(cell: &calamine::Data) -> Json {
    use calamine::Data;
    match cell {
        Data::Empty => Json::Null,
        Data::String(s) => Json::String(s.clone()),
        Data::Int(i) => Json::from(*i),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::from(*f as i64),
        Data::Float(f) => Json::String(format!("{f}")),
        Data::Bool(b) => Json::String(b.to_string()),
        Data::DateTime(d) => {
            // Excel's serial day 25569 is 1970-01-01 (1900 date system).
            let (y, m, day) = crate::clock::civil_from_days(d.as_f64().floor() as i64 - 25569);
            Json::String(format!("{y:04}-{m:02}-{day:02}"))
        }
        Data::DateTimeIso(s) => Json::String(s.chars().take(10).collect()),
        Data::DurationIso(s) => Json::String(s.clone()),
        Data::Error(e) => Json::String(format!("#ERROR {e:?}")),
    }
}

/// The sheet named like `entity`, read within [`tandem_sheet::Limits::DEFAULT`]: a workbook
/// bomb is refused whole as [`PlatformError::TooLarge`] naming the limit (HTTP 413), a file
/// that is not an XLSX workbook is a `not_xlsx` problem.
fn read_sheet(entity: &Entity, bytes: &[u8]) -> Result<tandem_sheet::Grid, ImportFailure> {
    let whole_file = |rule: &str, message: String| ImportProblem {
        sheet: entity.name.to_string(),
        row: 0,
        column: String::new(),
        rule: rule.to_string(),
        message,
    };
    let failed = |e: tandem_sheet::SheetError| -> ImportFailure {
        if e.is_limit() {
            return ImportFailure {
                problems: vec![whole_file("too_large", e.to_string())],
                limit: Some(PlatformError::TooLarge(e.to_string())),
            };
        }
        let problem = match e {
            tandem_sheet::SheetError::NoSuchSheet { .. } => whole_file(
                "missing_sheet",
                format!(
                    "the workbook has no sheet named {:?}; export one from the platform for \
                     the template",
                    entity.name
                ),
            ),
            e => whole_file("not_xlsx", e.to_string()),
        };
        vec![problem].into()
    };
    tandem_sheet::Workbook::open(bytes, &tandem_sheet::Limits::DEFAULT)
        .and_then(|mut book| book.read_sheet(entity.name))
        .map_err(failed)
}

/// Imports a workbook of `entity` records (the exported template), all or nothing, within
/// the limits of [`crate::limits`] (rows per file, the user's creation budget).
pub fn import(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    bytes: &[u8],
) -> Result<ImportSummary, ImportFailure> {
    let problem = |row: u32, column: String, rule: &str, message: String| ImportProblem {
        sheet: entity.name.to_string(),
        row,
        column,
        rule: rule.to_string(),
        message,
    };
    let range = read_sheet(entity, bytes)?;
    let mut rows = range.rows();
    let header: Vec<String> = match rows.next() {
        Some(h) => h
            .iter()
            .map(|c| cell_json(c).as_str().unwrap_or("").trim().to_string())
            .collect(),
        None => return Ok(ImportSummary::default()),
    };
    let known = columns(entity);
    let mut problems = Vec::new();
    for (i, h) in header.iter().enumerate() {
        if !h.is_empty() && !known.contains(&h.as_str()) {
            problems.push(problem(
                1,
                format!("{} ({h})", column_letter(i)),
                "unknown_column",
                format!(
                    "unknown column {h:?}; the template's columns are: {}",
                    known.join(", ")
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems.into());
    }
    let col_of = |name: &str| header.iter().position(|h| h == name);
    // Parse rows into (row number, id, version, body) first.
    let mut parsed = Vec::new();
    for (r, row) in rows.enumerate() {
        let excel_row = r as u32 + 2;
        if row.iter().all(|c| matches!(c, calamine::Data::Empty)) {
            continue;
        }
        let get = |name: &str| {
            col_of(name)
                .and_then(|i| row.get(i))
                .map(cell_json)
                .unwrap_or(Json::Null)
        };
        let id = get("id");
        let version = get("version");
        let mut body = Map::new();
        for f in entity.fields.iter().filter(|f| f.writable) {
            if col_of(f.name).is_some() {
                body.insert(f.name.to_string(), get(f.name));
            }
        }
        parsed.push((excel_row, id, version, body));
    }
    apply_parsed(db, user, entity, &col_of, parsed)
}

/// Why an import imported nothing: the problems found (row by row), and, when the whole file
/// was refused over a limit before its rows were checked, that limit's error
/// ([`PlatformError::TooLarge`]: HTTP 413; [`PlatformError::TooMany`]: HTTP 429 with
/// Retry-After), which is then also the one whole-file problem. Reads as the list of problems.
#[derive(Debug)]
pub struct ImportFailure {
    /// Every problem, by sheet, row, column and rule.
    pub problems: Vec<ImportProblem>,
    /// The limit the file was refused over, if that is why.
    pub limit: Option<PlatformError>,
}

impl From<Vec<ImportProblem>> for ImportFailure {
    fn from(problems: Vec<ImportProblem>) -> Self {
        ImportFailure {
            problems,
            limit: None,
        }
    }
}

impl std::ops::Deref for ImportFailure {
    type Target = Vec<ImportProblem>;
    fn deref(&self) -> &Vec<ImportProblem> {
        &self.problems
    }
}

/// Applies the parsed rows `(excel row, id, version, body)` through [`crate::bulk`], and
/// names the sheet, row, column and rule of every problem.
fn apply_parsed(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    col_of: &dyn Fn(&str) -> Option<usize>,
    parsed: Vec<(u32, Json, Json, Map<String, Json>)>,
) -> Result<ImportSummary, ImportFailure> {
    let problem = |row: u32, column: String, rule: &str, message: String| ImportProblem {
        sheet: entity.name.to_string(),
        row,
        column,
        rule: rule.to_string(),
        message,
    };
    let rows: Vec<u32> = parsed.iter().map(|p| p.0).collect();
    let ops: Vec<bulk::Op> = parsed
        .into_iter()
        .map(|(_, id, version, body)| match id {
            Json::Null => bulk::Op::Create(body),
            id => bulk::Op::Update {
                id: match id {
                    Json::String(s) => s,
                    other => other.to_string(),
                },
                version: version.as_i64(),
                patch: body,
            },
        })
        .collect();
    let rejected = match bulk::apply(db, user, entity, &ops) {
        Ok(s) => {
            return Ok(ImportSummary {
                created: s.created,
                updated: s.updated,
            })
        }
        Err(bulk::BulkError::Rejected(rejected)) => rejected,
        Err(bulk::BulkError::Limit(e)) => {
            let rule = match e {
                PlatformError::TooMany { .. } => "too_many_requests",
                _ => "too_large",
            };
            return Err(ImportFailure {
                problems: vec![problem(0, String::new(), rule, e.to_string())],
                limit: Some(e),
            });
        }
        Err(bulk::BulkError::Db(e)) => {
            return Err(vec![problem(0, String::new(), "database", e.to_string())].into())
        }
    };
    let mut problems = Vec::new();
    for (i, err) in rejected {
        let excel_row = rows.get(i).copied().unwrap_or(0);
        match err {
            PlatformError::Invalid(errors) => {
                for e in errors {
                    let column = col_of(&e.field)
                        .map(|i| format!("{} ({})", column_letter(i), e.field))
                        .unwrap_or_else(|| e.field.clone());
                    problems.push(problem(excel_row, column, e.rule, e.message));
                }
            }
            other => {
                let rule = match &other {
                    PlatformError::Conflict { .. } => "stale_version",
                    PlatformError::Forbidden(_) => "not_allowed",
                    PlatformError::NotFound(_) => "not_found",
                    PlatformError::VersionRequired => "version_required",
                    _ => "invalid",
                };
                problems.push(problem(excel_row, String::new(), rule, other.to_string()));
            }
        }
    }
    Err(problems.into())
}
