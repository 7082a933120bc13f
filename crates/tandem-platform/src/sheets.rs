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
use crate::db::Db;
use crate::entity::{Entity, Kind, PROJECTS, TASKS};
use crate::service::{self, ListQuery, PlatformError};
use serde_json::{Map, Value as Json};

/// The record types that can be exchanged as XLSX.
pub fn sheet_entity(name: &str) -> Option<&'static Entity> {
    match name {
        "projects" => Some(&PROJECTS),
        "tasks" => Some(&TASKS),
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

/// Every record of `entity` the user may read, as an XLSX workbook (bytes).
pub fn export(db: &Db, user: &User, entity: &'static Entity) -> Result<Vec<u8>, SheetError> {
    use rust_xlsxwriter::{Format, Workbook};
    let xerr = |e: rust_xlsxwriter::XlsxError| SheetError::Xlsx(e.to_string());
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(entity.name).map_err(xerr)?;
    let bold = Format::new().set_bold();
    let cols = columns(entity);
    for (c, name) in cols.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *name, &bold)
            .map_err(xerr)?;
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
            for (c, name) in cols.iter().enumerate() {
                match item.get(*name) {
                    Some(Json::Number(n)) => {
                        ws.write_number(row, c as u16, n.as_f64().unwrap_or(0.0))
                            .map_err(xerr)?;
                    }
                    Some(Json::String(s)) => {
                        ws.write_string(row, c as u16, s).map_err(xerr)?;
                    }
                    Some(Json::Array(a)) => {
                        let joined: Vec<String> = a
                            .iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect();
                        ws.write_string(row, c as u16, joined.join(","))
                            .map_err(xerr)?;
                    }
                    _ => {}
                }
            }
            row += 1;
        }
        if page * p.per_page >= p.total {
            break;
        }
        page += 1;
    }
    ws.set_freeze_panes(1, 0).map_err(xerr)?;
    ws.autofit();
    // A second sheet explains the template, so the file documents itself.
    let help = wb.add_worksheet();
    help.set_name("template").map_err(xerr)?;
    help.write_string_with_format(0, 0, "column", &bold)
        .map_err(xerr)?;
    help.write_string_with_format(0, 1, "中文", &bold)
        .map_err(xerr)?;
    help.write_string_with_format(0, 2, "meaning / rule", &bold)
        .map_err(xerr)?;
    help.write_string_with_format(0, 3, "on import", &bold)
        .map_err(xerr)?;
    let mut r = 1;
    let mut doc = |name: &str, zh: &str, rule: String, import: &str| -> Result<(), SheetError> {
        help.write_string(r, 0, name).map_err(xerr)?;
        help.write_string(r, 1, zh).map_err(xerr)?;
        help.write_string(r, 2, rule).map_err(xerr)?;
        help.write_string(r, 3, import).map_err(xerr)?;
        r += 1;
        Ok(())
    };
    doc(
        "id",
        "编号",
        "record id; empty for a new record".into(),
        "empty = create",
    )?;
    for f in entity.fields {
        let rule = match f.kind {
            Kind::Text(n) => format!("text, at most {n} characters"),
            Kind::Date => "date YYYY-MM-DD".into(),
            Kind::Int(a, b) => format!("whole number {a}..{b}"),
            Kind::Year => "year".into(),
            Kind::Real(a, b) => format!("number {a}..{b}"),
            Kind::Money => "yuan, at most two decimals".into(),
            Kind::Enum(v) => format!("one of: {}", v.join(", ")),
            Kind::List => "codes separated by commas".into(),
            Kind::Ref(t) => format!("id of a record of {t}"),
        };
        let required = if f.required { "; required" } else { "" };
        doc(
            f.name,
            f.zh,
            format!("{}: {rule}{required}", f.en),
            if f.writable {
                "imported"
            } else {
                "ignored (maintained by the platform)"
            },
        )?;
    }
    doc(
        "version",
        "版本",
        "the version exported; required with id".into(),
        "must match the stored version",
    )?;
    help.autofit();
    wb.save_to_buffer().map_err(xerr)
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

/// Imports a workbook of `entity` records (the exported template), all or nothing.
pub fn import(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    bytes: &[u8],
) -> Result<ImportSummary, Vec<ImportProblem>> {
    use calamine::Reader;
    let problem = |row: u32, column: String, rule: &str, message: String| ImportProblem {
        sheet: entity.name.to_string(),
        row,
        column,
        rule: rule.to_string(),
        message,
    };
    let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(|e| {
            vec![problem(
                0,
                String::new(),
                "not_xlsx",
                format!("not a readable workbook: {e}"),
            )]
        })?;
    let range = wb.worksheet_range(entity.name).map_err(|_| {
        vec![problem(
            0,
            String::new(),
            "missing_sheet",
            format!(
                "the workbook has no sheet named {:?}; export one from the platform for the template",
                entity.name
            ),
        )]
    })?;
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
        return Err(problems);
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
    enum Failure {
        Problems(Vec<ImportProblem>),
        Db(crate::db::DbError),
    }
    impl From<crate::db::DbError> for Failure {
        fn from(e: crate::db::DbError) -> Self {
            Failure::Db(e)
        }
    }
    let summary = db.write(|c| {
        let mut summary = ImportSummary::default();
        let mut problems = Vec::new();
        for (excel_row, id, version, body) in &parsed {
            let result = if id.is_null() {
                service::create_body_in(c, user, entity, body).map(|_| true)
            } else {
                let id_text = match id {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                };
                match version.as_i64() {
                    None => Err(PlatformError::VersionRequired),
                    Some(v) => {
                        service::update_body_in(c, user, entity, &id_text, v, body).map(|_| false)
                    }
                }
            };
            match result {
                Ok(true) => summary.created += 1,
                Ok(false) => summary.updated += 1,
                Err(PlatformError::Invalid(errors)) => {
                    for e in errors {
                        let column = col_of(&e.field)
                            .map(|i| format!("{} ({})", column_letter(i), e.field))
                            .unwrap_or_else(|| e.field.clone());
                        problems.push(problem(*excel_row, column, e.rule, e.message));
                    }
                }
                Err(PlatformError::Db(e)) => return Err(Failure::Db(e)),
                Err(other) => {
                    let rule = match &other {
                        PlatformError::Conflict { .. } => "stale_version",
                        PlatformError::Forbidden(_) => "not_allowed",
                        PlatformError::NotFound(_) => "not_found",
                        PlatformError::VersionRequired => "version_required",
                        _ => "invalid",
                    };
                    problems.push(problem(*excel_row, String::new(), rule, other.to_string()));
                }
            }
        }
        if problems.is_empty() {
            Ok(summary)
        } else {
            // Returning an error rolls the whole import back.
            Err(Failure::Problems(problems))
        }
    });
    match summary {
        Ok(s) => Ok(s),
        Err(Failure::Problems(problems)) => Err(problems),
        Err(Failure::Db(e)) => Err(vec![problem(0, String::new(), "database", e.to_string())]),
    }
}
