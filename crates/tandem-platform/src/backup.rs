//! Logical backup and restore: every table as JSON, portable between SQLite and PostgreSQL.
//!
//! A backup is one JSON document taken in one read transaction (a consistent snapshot). A
//! restore goes into an empty, migrated database in one write transaction: it either restores
//! everything or nothing. Sessions are not backed up; users sign in again.

use crate::db::{Db, DbError, Engine, Value};
use crate::migrate::latest_version;
use serde_json::{json, Map, Value as Json};

/// The tables in dependency order, with their columns.
const TABLES: &[(&str, &[&str])] = &[
    (
        "programmes",
        &[
            "id",
            "name",
            "start_year",
            "end_year",
            "source",
            "version",
            "updated_at",
        ],
    ),
    (
        "pairs",
        &[
            "id",
            "programme_id",
            "helper_id",
            "helped_id",
            "start_year",
            "end_year",
            "source",
            "version",
            "updated_at",
        ],
    ),
    (
        "sub_pairs",
        &[
            "id",
            "pair_id",
            "helper_name",
            "helped_name",
            "since",
            "source",
            "version",
            "updated_at",
        ],
    ),
    (
        "parks",
        &[
            "id",
            "pair_id",
            "name",
            "locality_id",
            "address",
            "lon",
            "lat",
            "area_ha",
            "land_available_ha",
            "focus_industries",
            "incentives",
            "services",
            "operator_name",
            "operator_form",
            "version",
            "updated_at",
        ],
    ),
    (
        "enterprises",
        &[
            "id",
            "name",
            "credit_code",
            "origin_locality_id",
            "industry",
            "contact",
            "version",
            "updated_at",
        ],
    ),
    (
        "projects",
        &[
            "id",
            "pair_id",
            "park_id",
            "enterprise_id",
            "name",
            "industry",
            "amount_agreed_fen",
            "paid_in_fen",
            "jobs",
            "initiated_by",
            "stage",
            "stage_date",
            "signed_on",
            "review_flags",
            "version",
            "updated_at",
        ],
    ),
    (
        "project_stages",
        &[
            "id",
            "project_id",
            "stage",
            "stage_date",
            "evidence",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "plans",
        &["id", "pair_id", "year", "title", "version", "updated_at"],
    ),
    (
        "tasks",
        &[
            "id",
            "plan_id",
            "pair_id",
            "title",
            "owner_side",
            "due_on",
            "status",
            "evidence",
            "version",
            "updated_at",
        ],
    ),
    (
        "secondments",
        &[
            "id",
            "pair_id",
            "person",
            "from_org",
            "to_org",
            "post",
            "start_on",
            "end_on",
            "version",
            "updated_at",
        ],
    ),
    (
        "events",
        &[
            "id",
            "pair_id",
            "event_date",
            "kind",
            "title",
            "amount_fen",
            "summary",
            "source",
            "version",
            "updated_at",
        ],
    ),
    (
        "users",
        &[
            "id",
            "username",
            "display_name",
            "password_hash",
            "role",
            "pair_id",
            "side",
            "park_id",
            "enterprise_id",
            "disabled",
            "created_at",
        ],
    ),
    (
        "audit_log",
        &[
            "id",
            "at",
            "actor",
            "entity",
            "record_id",
            "action",
            "before_json",
            "after_json",
        ],
    ),
];

/// What a backup file says it is.
pub const FORMAT: &str = "tandem-platform-backup";

fn to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Int(i) => json!(i),
        Value::Real(r) => serde_json::Number::from_f64(*r)
            .map(Json::Number)
            .unwrap_or(Json::Null),
        Value::Text(s) => Json::String(s.clone()),
    }
}

fn from_json(v: &Json) -> Value {
    match v {
        Json::Null => Value::Null,
        Json::Number(n) if n.is_i64() => Value::Int(n.as_i64().unwrap_or(0)),
        Json::Number(n) => Value::Real(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => Value::Text(s.clone()),
        other => Value::Text(other.to_string()),
    }
}

/// Row counts per table, for reporting.
pub type Counts = Vec<(String, usize)>;

/// The whole database as one JSON document.
pub fn backup(db: &Db) -> Result<(Json, Counts), DbError> {
    db.read(|c| {
        let mut tables = Map::new();
        let mut counts = Vec::new();
        for (table, cols) in TABLES {
            let rows = c.query(
                &format!("SELECT {} FROM {table} ORDER BY id", cols.join(", ")),
                &[],
            )?;
            counts.push((table.to_string(), rows.len()));
            tables.insert(
                table.to_string(),
                Json::Array(
                    rows.iter()
                        .map(|r| Json::Array(r.iter().map(to_json).collect()))
                        .collect(),
                ),
            );
        }
        let columns: Map<String, Json> = TABLES
            .iter()
            .map(|(t, cols)| (t.to_string(), json!(cols)))
            .collect();
        Ok((
            json!({
                "format": FORMAT,
                "schema_version": latest_version(),
                "taken_at": crate::clock::now_timestamp(),
                "columns": columns,
                "tables": tables,
            }),
            counts,
        ))
    })
}

/// Why a restore was refused.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("not a tandem platform backup: {0}")]
    NotABackup(String),
    #[error("the backup has schema version {found}; this tandem restores version {expected}")]
    Version { found: i64, expected: i64 },
    #[error("the target database is not empty ({0}); restore into a new database")]
    NotEmpty(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Restores a backup into an empty, migrated database.
pub fn restore(db: &Db, doc: &Json) -> Result<Counts, RestoreError> {
    if doc.get("format").and_then(Json::as_str) != Some(FORMAT) {
        return Err(RestoreError::NotABackup(
            "the \"format\" field is missing or wrong".into(),
        ));
    }
    let found = doc
        .get("schema_version")
        .and_then(Json::as_i64)
        .unwrap_or(-1);
    if found != latest_version() {
        return Err(RestoreError::Version {
            found,
            expected: latest_version(),
        });
    }
    let tables = doc
        .get("tables")
        .and_then(Json::as_object)
        .ok_or_else(|| RestoreError::NotABackup("no \"tables\" object".into()))?;
    let columns = doc.get("columns").and_then(Json::as_object);
    db.write(|c| {
        for (table, _) in TABLES {
            let n = c.query_i64(&format!("SELECT COUNT(*) FROM {table}"), &[])?;
            if n > 0 {
                return Err(RestoreError::NotEmpty(format!("{table} has {n} rows")));
            }
        }
        let mut counts = Vec::new();
        for (table, cols) in TABLES {
            if let Some(saved) = columns.and_then(|m| m.get(*table)) {
                if saved != &json!(cols) {
                    return Err(RestoreError::NotABackup(format!(
                        "columns of {table} differ"
                    )));
                }
            }
            let rows = tables
                .get(*table)
                .and_then(Json::as_array)
                .ok_or_else(|| RestoreError::NotABackup(format!("table {table} is missing")))?;
            let sql = format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                cols.join(", "),
                vec!["?"; cols.len()].join(", ")
            );
            for (i, row) in rows.iter().enumerate() {
                let values: Vec<Value> = row
                    .as_array()
                    .filter(|r| r.len() == cols.len())
                    .ok_or_else(|| {
                        RestoreError::NotABackup(format!(
                            "table {table}, row {}: expected {} values",
                            i + 1,
                            cols.len()
                        ))
                    })?
                    .iter()
                    .map(from_json)
                    .collect();
                c.execute(&sql, &values)?;
            }
            if c.engine() == Engine::Postgres
                && cols[0] == "id"
                && !matches!(*table, "programmes" | "pairs")
            {
                // Explicit ids bypass the sequence; move it past the largest id restored.
                c.query(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                         COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    ),
                    &[],
                )?;
            }
            counts.push((table.to_string(), rows.len()));
        }
        Ok(counts)
    })
}
