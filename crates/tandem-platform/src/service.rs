//! Reading and changing records: validation, authorisation, optimistic concurrency, review
//! flags and the audit log, in one transaction per change.
//!
//! Every change writes an `audit_log` row (who, when, before, after) in the same transaction
//! as the change itself, so history and data cannot disagree. Updates carry the version the
//! client last saw; a stale version is refused with the current record and changes nothing.

use crate::auth::{allowed, read_filter, Action, Scope, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Value};
use crate::entity::{
    self, list_items, parse_field, row_to_json, Entity, FieldError, IdKind, Kind, OwnScope, STAGES,
};
pub use crate::error::PlatformError;
pub use crate::flags::{DUPLICATE_AMOUNT_TOLERANCE, DUPLICATE_WINDOW_DAYS};
use serde_json::{Map, Value as Json};

/// A record with its version.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub fields: Map<String, Json>,
    pub version: i64,
}

impl Record {
    pub fn id_text(&self) -> String {
        match self.fields.get("id") {
            Some(Json::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => String::new(),
        }
    }
    pub fn text(&self, field: &str) -> Option<&str> {
        self.fields.get(field).and_then(Json::as_str)
    }
    pub fn int(&self, field: &str) -> Option<i64> {
        self.fields.get(field).and_then(Json::as_i64)
    }
    /// A field every record of its type has (a required reference, the id): its integer, or
    /// [`DbError::Column`] naming it, never a default.
    pub fn required_int(&self, field: &str) -> Result<i64, PlatformError> {
        self.int(field).ok_or_else(|| {
            PlatformError::Db(crate::db::DbError::Column {
                column: field.to_string(),
                expected: "an integer",
                found: self
                    .fields
                    .get(field)
                    .map_or("nothing".to_string(), Json::to_string),
            })
        })
    }
}

/// The titles of the records `rec` refers to, by the referring field's name (e.g. the
/// enterprise's name for `enterprise_id`), so pages can show names instead of numbers. Only
/// records `user` may read are named; the others (and dangling references) are left out and
/// shown by their id.
pub fn ref_titles(
    db: &Db,
    user: &User,
    entity: &Entity,
    rec: &Map<String, Json>,
) -> std::collections::HashMap<&'static str, String> {
    let mut titles = std::collections::HashMap::new();
    for f in entity.fields {
        let entity::Kind::Ref(target) = f.kind else {
            continue;
        };
        let (Some(target), Some(v)) = (entity::entity(target), rec.get(f.name)) else {
            continue;
        };
        let id = match v {
            Json::Number(n) => n.to_string(),
            Json::String(s) => s.clone(),
            _ => continue,
        };
        if let Ok(r) = get(db, user, target, &id) {
            if let Some(title) = r.fields.get(target.title).and_then(Json::as_str) {
                titles.insert(f.name, title.to_string());
            }
        }
    }
    titles
}

/// One page of a list.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Page {
    pub items: Vec<Map<String, Json>>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

/// Largest page a client may ask for.
pub const MAX_PER_PAGE: i64 = 200;

pub(crate) fn id_value(entity: &Entity, id: &str) -> Result<Value, PlatformError> {
    match entity.id_kind {
        IdKind::Serial => id
            .parse::<i64>()
            .ok()
            .filter(|i| *i > 0)
            .map(Value::Int)
            .ok_or_else(|| PlatformError::NotFound(format!("{} {id:?}", entity.name))),
        IdKind::Slug => Ok(Value::Text(id.to_string())),
    }
}

/// The scope of a stored or proposed record.
pub fn scope_of(entity: &Entity, fields: &Map<String, Json>) -> Scope {
    let int = |k: &str| fields.get(k).and_then(Json::as_i64);
    let text = |k: &str| fields.get(k).and_then(Json::as_str).map(str::to_string);
    // A pair's own id is its pair, and so on; other records name theirs.
    let key = |own: OwnScope, field: &'static str| {
        if entity.rules.own_scope == Some(own) {
            "id"
        } else {
            field
        }
    };
    Scope {
        pair_id: text(key(OwnScope::Pair, "pair_id")),
        park_id: int(key(OwnScope::Park, "park_id")),
        enterprise_id: int(key(OwnScope::Enterprise, "enterprise_id")),
        // A dispute case's raising side is its owner side: an officer raises cases only for
        // its own side (`auth::disputes_allowed`).
        owner_side: text("owner_side").or_else(|| text("raised_by_side")),
        confidentiality: text("confidentiality"),
        shared_parks: list_items(fields.get("shared_with_parks"))
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect(),
        // A demand's pairs it is shared with, a barrier's pairs it affects.
        shared_pairs: list_items(
            fields
                .get("shared_with_pairs")
                .or_else(|| fields.get("affected_pairs")),
        ),
        case_closed: fields.get("closed_on").is_some_and(|v| !v.is_null()),
    }
}

pub(crate) fn fetch(
    conn: &mut dyn Conn,
    entity: &Entity,
    id: &Value,
) -> Result<Option<Record>, DbError> {
    let row = conn.query_one(
        &format!(
            "SELECT {} FROM {} WHERE id = ?",
            entity.select_list(),
            entity.table
        ),
        std::slice::from_ref(id),
    )?;
    Ok(row.map(|r| {
        let fields = row_to_json(entity, &r);
        let version = fields.get("version").and_then(Json::as_i64).unwrap_or(0);
        Record { fields, version }
    }))
}

/// One record, if the user may read it.
pub fn get(db: &Db, user: &User, entity: &Entity, id: &str) -> Result<Record, PlatformError> {
    let idv = id_value(entity, id)?;
    db.read(|c| {
        let rec = fetch(c, entity, &idv)?
            .ok_or_else(|| PlatformError::NotFound(format!("{} {id}", entity.name)))?;
        if !allowed(
            user,
            Action::Read,
            entity.name,
            &scope_of(entity, &rec.fields),
        ) {
            // Same answer as a missing record: do not reveal what exists.
            return Err(PlatformError::NotFound(format!("{} {id}", entity.name)));
        }
        Ok(rec)
    })
}

/// A list request: filters on filterable fields, a text search on the title, a page.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    pub filters: Vec<(String, String)>,
    pub search: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

/// Builds the WHERE clause of a list: the user's read filter and the request's filters.
fn list_where(
    user: &User,
    entity: &Entity,
    q: &ListQuery,
) -> Result<(String, Vec<Value>), PlatformError> {
    let mut clauses = Vec::new();
    let mut params = Vec::new();
    if let Some((sql, p)) = read_filter(user, entity.name) {
        clauses.push(sql);
        params.extend(p);
    }
    let mut errors = Vec::new();
    for (name, value) in &q.filters {
        let Some(field) = entity.field(name).filter(|f| f.filter) else {
            let names: Vec<&str> = entity
                .fields
                .iter()
                .filter(|f| f.filter)
                .map(|f| f.name)
                .collect();
            errors.push(FieldError::new(
                name,
                "unknown_filter",
                format!(
                    "{name} is not a filter of {}; filters: {}",
                    entity.name,
                    names.join(", ")
                ),
                format!("{name} 不是可筛选字段；可用：{}", names.join("、")),
            ));
            continue;
        };
        let mut lenient = *field;
        lenient.required = false;
        match parse_field(&lenient, &Json::String(value.clone())) {
            Ok(Value::Null) => {}
            Ok(v) => {
                if field.kind == Kind::List {
                    clauses.push(format!("(',' || {} || ',') LIKE ?", field.column));
                    params.push(Value::Text(format!("%,{},%", value.trim())));
                } else {
                    clauses.push(format!("{} = ?", field.column));
                    params.push(v);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(PlatformError::Invalid(errors));
    }
    if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let title = entity.field(entity.title).map(|f| f.column).unwrap_or("id");
        clauses.push(format!("LOWER({title}) LIKE ?"));
        let escaped = s.to_lowercase().replace(['%', '_'], "");
        params.push(Value::Text(format!("%{escaped}%")));
    }
    let sql = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    Ok((sql, params))
}

/// A page of the records the user may read.
pub fn list(db: &Db, user: &User, entity: &Entity, q: &ListQuery) -> Result<Page, PlatformError> {
    let per_page = if q.per_page <= 0 {
        50
    } else {
        q.per_page.min(MAX_PER_PAGE)
    };
    let page = q.page.max(1);
    let (where_sql, params) = list_where(user, entity, q)?;
    db.read(|c| {
        let total = db.count(
            c,
            &format!("SELECT COUNT(*) FROM {}{where_sql}", entity.table),
            &params,
        )?;
        let mut p = params.clone();
        p.push(Value::Int(per_page));
        p.push(Value::Int((page - 1).saturating_mul(per_page)));
        let rows = c.query(
            &format!(
                "SELECT {} FROM {}{where_sql} ORDER BY id LIMIT ? OFFSET ?",
                entity.select_list(),
                entity.table
            ),
            &p,
        )?;
        Ok(Page {
            items: rows.iter().map(|r| row_to_json(entity, r)).collect(),
            total,
            page,
            per_page,
        })
    })
}

/// Checks a body's fields: unknown and read-only keys are errors; returns column values for
/// the keys present (all writable fields when `complete`).
fn parse_body(
    entity: &Entity,
    body: &Map<String, Json>,
    complete: bool,
) -> Result<Vec<(&'static entity::Field, Value)>, PlatformError> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for key in body.keys() {
        if matches!(key.as_str(), "version" | "updated_at") {
            continue;
        }
        if key == "id" {
            if entity.id_kind == IdKind::Slug && complete {
                continue;
            }
            errors.push(FieldError::new(
                key,
                "read_only",
                "id is assigned by the platform".into(),
                "编号由系统分配".into(),
            ));
            continue;
        }
        match entity.field(key) {
            None => errors.push(FieldError::new(
                key,
                "unknown_field",
                format!("{} has no field {key}", entity.name),
                format!("{}没有字段 {key}", entity.zh),
            )),
            Some(f) if !f.writable => errors.push(FieldError::new(
                key,
                "read_only",
                format!("{} is set by the platform, not by hand", f.en),
                format!("{}由系统维护，不能直接修改", f.zh),
            )),
            Some(_) => {}
        }
    }
    for field in entity.fields.iter().filter(|f| f.writable) {
        match body.get(field.name) {
            Some(v) => match parse_field(field, v) {
                Ok(v) => out.push((field, v)),
                Err(e) => errors.push(e),
            },
            None if complete => match parse_field(field, &Json::Null) {
                Ok(v) => out.push((field, v)),
                Err(e) => errors.push(e),
            },
            None => {}
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

fn known_locality(id: &str) -> bool {
    tandem_data::bundled::bundle()
        .localities
        .iter()
        .any(|l| l.id == id)
}

/// Checks references exist, then runs the record type's own check ([`entity::Rules::check`]:
/// a project's park in its pair, a task's pair from its plan, the rules of demands, offers
/// and capital providers), completing `fields` to the record as it would be stored.
fn check_references(
    c: &mut dyn Conn,
    entity: &Entity,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let mut errors = Vec::new();
    for field in entity.fields {
        let Some(v) = fields.get(field.name).filter(|v| !v.is_null()).cloned() else {
            continue;
        };
        match field.kind {
            Kind::Ref(target) => {
                let t = entity::entity(target).expect("references name entities");
                let idv = match &v {
                    Json::Number(n) => Value::Int(n.as_i64().unwrap_or(0)),
                    Json::String(s) => Value::Text(s.clone()),
                    _ => Value::Null,
                };
                if c.query_one(&format!("SELECT id FROM {} WHERE id = ?", t.table), &[idv])?
                    .is_none()
                {
                    errors.push(FieldError::new(
                        field.name,
                        "not_found",
                        format!("{} {v} does not exist", field.en),
                        format!("{} {v} 不存在", field.zh),
                    ));
                }
            }
            _ if field.name.ends_with("locality_id") && !v.as_str().is_some_and(known_locality) => {
                errors.push(FieldError::new(
                        field.name,
                        "not_found",
                        format!(
                            "{} {v} is not a known locality id (e.g. ah-huainan); `tandem localities` lists them",
                            field.en
                        ),
                        format!("{} {v} 不是已知地区编号（如 ah-huainan）", field.zh),
                    ));
            }
            _ => {}
        }
    }
    if !errors.is_empty() {
        return Err(PlatformError::Invalid(errors));
    }
    match entity.rules.check {
        Some(check) => check(c, fields),
        None => Ok(()),
    }
}

pub(crate) fn audit(
    c: &mut dyn Conn,
    actor: &str,
    entity: &str,
    record_id: &str,
    action: &str,
    before: Option<&Map<String, Json>>,
    after: Option<&Map<String, Json>>,
) -> Result<(), DbError> {
    let js = |m: Option<&Map<String, Json>>| -> Value {
        m.map(|m| Value::Text(Json::Object(m.clone()).to_string()))
            .unwrap_or(Value::Null)
    };
    c.execute(
        "INSERT INTO audit_log (at, actor, entity, record_id, action, before_json, after_json) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            clock::now_timestamp().into(),
            actor.into(),
            entity.into(),
            record_id.into(),
            action.into(),
            js(before),
            js(after),
        ],
    )?;
    Ok(())
}

fn deny(user: &User, action: Action, entity: &Entity) -> PlatformError {
    let what = match action {
        Action::Read => "read",
        Action::Create => "create",
        Action::Update => "change",
        Action::Delete => "delete",
    };
    PlatformError::Forbidden(format!(
        "{} ({}) may not {what} this record ({})",
        user.username,
        user.role.name(),
        entity.en.to_lowercase()
    ))
}

/// Creates a record; returns it as stored. It counts against the user's creation budget
/// ([`crate::limits`]): over it, [`PlatformError::TooMany`] and nothing is created.
pub fn create(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    body: &Map<String, Json>,
) -> Result<Record, PlatformError> {
    let budget = db.limits().reserve_creations(user.id, &user.username, 1)?;
    let rec = db.write(|c| create_body_in(c, user, entity, body))?;
    budget.spent();
    Ok(rec)
}

/// [`create`] inside a caller's transaction (imports create many records in one).
pub fn create_body_in(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    body: &Map<String, Json>,
) -> Result<Record, PlatformError> {
    let prepared = prepare_create(c, user, entity, body)?;
    let id = insert_prepared(c, entity, &prepared)?;
    if entity.rules.review_flags {
        refresh_review_flags(c, id.as_i64().unwrap_or(0))?;
    }
    let rec = fetch(c, entity, &id)?.ok_or_else(|| DbError::Other("insert vanished".into()))?;
    audit(
        c,
        &user.actor(),
        entity.name,
        &rec.id_text(),
        "create",
        None,
        Some(&rec.fields),
    )?;
    Ok(rec)
}

/// A create checked against the database (fields, references, the user's right to create
/// it), ready to insert. Checking reads only, so it can run on a read snapshot before the
/// writer is taken ([`crate::bulk`]).
#[derive(Clone, Debug)]
pub(crate) struct PreparedCreate {
    cols: Vec<&'static str>,
    params: Vec<Value>,
}

/// Checks a create: the body's fields, a slug id, references, the authorisation.
pub(crate) fn prepare_create(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    body: &Map<String, Json>,
) -> Result<PreparedCreate, PlatformError> {
    // An enterprise user's projects are its own: the binding is filled in, not asked for.
    let mut body = body.clone();
    if let (crate::auth::Role::Enterprise { enterprise_id }, Some(binding)) =
        (&user.role, entity.rules.enterprise_binding)
    {
        if body.get(binding).is_none_or(Json::is_null) {
            body.insert(binding.into(), Json::from(*enterprise_id));
        }
    }
    let body = &body;
    let values = parse_body(entity, body, true)?;
    let slug = if entity.id_kind == IdKind::Slug {
        let id = body.get("id").and_then(Json::as_str).unwrap_or("").trim();
        if id.is_empty()
            || id.len() > 64
            || !id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(PlatformError::invalid(
                "id",
                "bad_slug",
                "id must be 1-64 lower-case letters, digits or '-'".into(),
                "编号须为 1-64 个小写字母、数字或 '-'".into(),
            ));
        }
        Some(id.to_string())
    } else {
        None
    };
    prepare_values(c, user, entity, values, slug)
}

/// [`prepare_create`] once the body is parsed.
fn prepare_values(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    values: Vec<(&'static entity::Field, Value)>,
    slug: Option<String>,
) -> Result<PreparedCreate, PlatformError> {
    let mut proposed: Map<String, Json> = values
        .iter()
        .map(|(f, v)| (f.name.to_string(), entity::to_json(f, v)))
        .collect();
    if let Some(id) = &slug {
        proposed.insert("id".into(), Json::String(id.clone()));
    }
    check_references(c, entity, &mut proposed)?;
    if !allowed(
        user,
        Action::Create,
        entity.name,
        &scope_of(entity, &proposed),
    ) {
        return Err(deny(user, Action::Create, entity));
    }
    let mut cols: Vec<&'static str> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    if let Some(id) = &slug {
        cols.push("id");
        params.push(id.clone().into());
    }
    for field in entity.fields {
        let from_body = values.iter().find(|(f, _)| f.name == field.name);
        let default = entity
            .rules
            .defaults
            .iter()
            .find(|(name, _)| *name == field.name);
        let v = match (from_body, default) {
            // A field left empty starts with its default too (a need's status).
            (Some((_, v)), Some((_, text))) if v.is_null() => Value::Text((*text).into()),
            (Some((_, v)), _) => v.clone(),
            (None, Some((_, text))) => Value::Text((*text).into()),
            (None, None) if entity.rules.derived.contains(&field.name) => {
                derived_value(&proposed, field.name)
            }
            (None, None) => continue,
        };
        cols.push(field.column);
        params.push(v);
    }
    Ok(PreparedCreate { cols, params })
}

/// The column value of a derived field from the record as it would be stored.
fn derived_value(proposed: &Map<String, Json>, name: &str) -> Value {
    match proposed.get(name) {
        Some(Json::Number(n)) => Value::Int(n.as_i64().unwrap_or(0)),
        Some(Json::String(s)) => Value::Text(s.clone()),
        _ => Value::Null,
    }
}

/// Inserts a prepared create; returns its id. (The record is read back with [`fetch`], not
/// with `RETURNING`: triggers complete some records after the insert, e.g. a park offer's
/// pair, and `RETURNING` shows the row before them.)
pub(crate) fn insert_prepared(
    c: &mut dyn Conn,
    entity: &'static Entity,
    p: &PreparedCreate,
) -> Result<Value, PlatformError> {
    let mut cols = p.cols.clone();
    let mut params = p.params.clone();
    cols.push("updated_at");
    params.push(clock::now_timestamp().into());
    let placeholders = vec!["?"; cols.len()].join(", ");
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({placeholders}) RETURNING id",
        entity.table,
        cols.join(", "),
    );
    let rows = c.query(&sql, &params).map_err(|e| {
        if e.is_unique_violation() {
            PlatformError::invalid(
                "id",
                "taken",
                "a record with this id exists".into(),
                "该编号已存在".into(),
            )
        } else {
            e.into()
        }
    })?;
    Ok(rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .ok_or_else(|| DbError::Other("insert returned no id".into()))?)
}

/// Applies the fields in `patch` to a record the user last saw at `expected_version`.
pub fn update(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    id: &str,
    expected_version: Option<i64>,
    patch: &Map<String, Json>,
) -> Result<Record, PlatformError> {
    let expected = expected_version
        .or_else(|| patch.get("version").and_then(Json::as_i64))
        .ok_or(PlatformError::VersionRequired)?;
    db.write(|c| update_body_in(c, user, entity, id, expected, patch))
}

/// [`update`] inside a caller's transaction.
pub fn update_body_in(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    id: &str,
    expected: i64,
    patch: &Map<String, Json>,
) -> Result<Record, PlatformError> {
    let prepared = prepare_update(c, user, entity, id, expected, patch)?;
    apply_update(c, entity, &prepared)?;
    let mut after =
        fetch(c, entity, &prepared.idv)?.ok_or_else(|| DbError::Other("update vanished".into()))?;
    if entity.rules.review_flags {
        refresh_review_flags(c, after.int("id").unwrap_or(0))?;
        let (old_e, old_p) = (
            prepared.before.int("enterprise_id"),
            prepared.before.int("park_id"),
        );
        let moved = (old_e, old_p) != (after.int("enterprise_id"), after.int("park_id"));
        if let (true, Some(e), Some(p)) = (moved, old_e, old_p) {
            refresh_group_flags(c, e, p)?;
        }
        after = fetch(c, entity, &prepared.idv)?
            .ok_or_else(|| DbError::Other("update vanished".into()))?;
    }
    audit(
        c,
        &user.actor(),
        entity.name,
        &after.id_text(),
        "update",
        Some(&prepared.before.fields),
        Some(&after.fields),
    )?;
    Ok(after)
}

/// An update checked against the database (version, fields, references, scope, the user's
/// right to make it), ready to apply; like [`PreparedCreate`], made by reading only.
#[derive(Clone, Debug)]
pub(crate) struct PreparedUpdate {
    pub(crate) idv: Value,
    id: String,
    expected: i64,
    /// The record as it was when checked.
    pub(crate) before: Record,
    sets: Vec<String>,
    params: Vec<Value>,
}

/// Checks an update of record `id` at version `expected`.
pub(crate) fn prepare_update(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    id: &str,
    expected: i64,
    patch: &Map<String, Json>,
) -> Result<PreparedUpdate, PlatformError> {
    let idv = id_value(entity, id)?;
    let values = parse_body(entity, patch, false)?;
    let before = fetch(c, entity, &idv)?
        .ok_or_else(|| PlatformError::NotFound(format!("{} {id}", entity.name)))?;
    let before_scope = scope_of(entity, &before.fields);
    if !allowed(user, Action::Read, entity.name, &before_scope) {
        return Err(PlatformError::NotFound(format!("{} {id}", entity.name)));
    }
    if !allowed(user, Action::Update, entity.name, &before_scope) {
        return Err(deny(user, Action::Update, entity));
    }
    if before.version != expected {
        return Err(PlatformError::Conflict {
            version: before.version,
            current: Box::new(before.fields),
        });
    }
    let mut proposed = before.fields.clone();
    for (f, v) in &values {
        proposed.insert(f.name.to_string(), entity::to_json(f, v));
    }
    check_references(c, entity, &mut proposed)?;
    refuse_scope_change(user, entity, &before.fields, &proposed)?;
    if !allowed(
        user,
        Action::Update,
        entity.name,
        &scope_of(entity, &proposed),
    ) {
        return Err(deny(user, Action::Update, entity));
    }
    let mut sets: Vec<String> = Vec::new();
    let mut params: Vec<Value> = Vec::new();
    for (f, v) in &values {
        sets.push(format!("{} = ?", f.column));
        params.push(v.clone());
    }
    for field in entity.fields {
        if entity.rules.derived.contains(&field.name) {
            sets.push(format!("{} = ?", field.column));
            params.push(derived_value(&proposed, field.name));
        }
    }
    Ok(PreparedUpdate {
        idv,
        id: id.to_string(),
        expected,
        before,
        sets,
        params,
    })
}

/// Applies a prepared update if the record is still at the version checked (read it back
/// with [`fetch`], as after [`insert_prepared`]).
pub(crate) fn apply_update(
    c: &mut dyn Conn,
    entity: &'static Entity,
    p: &PreparedUpdate,
) -> Result<(), PlatformError> {
    let mut sets = p.sets.clone();
    let mut params = p.params.clone();
    sets.push("version = version + 1".into());
    sets.push("updated_at = ?".into());
    params.push(clock::now_timestamp().into());
    params.push(p.idv.clone());
    params.push(Value::Int(p.expected));
    let n = c.execute(
        &format!(
            "UPDATE {} SET {} WHERE id = ? AND version = ?",
            entity.table,
            sets.join(", ")
        ),
        &params,
    )?;
    if n == 0 {
        let now = fetch(c, entity, &p.idv)?
            .ok_or_else(|| PlatformError::NotFound(format!("{} {}", entity.name, p.id)))?;
        return Err(PlatformError::Conflict {
            version: now.version,
            current: Box::new(now.fields),
        });
    }
    Ok(())
}

/// Refuses a change of a field that defines the user's own scope ([`crate::auth::locked_fields`]);
/// leaving it as it is, or sending it unchanged, is fine.
fn refuse_scope_change(
    user: &User,
    entity: &Entity,
    before: &Map<String, Json>,
    proposed: &Map<String, Json>,
) -> Result<(), PlatformError> {
    let null = Json::Null;
    for name in crate::auth::locked_fields(user) {
        let old = before.get(*name).unwrap_or(&null);
        if entity.field(name).is_some() && proposed.get(*name).unwrap_or(&null) != old {
            return Err(PlatformError::Forbidden(format!(
                "{} ({}) may not change {} of {} records: it decides who may see and edit the \
                 record; ask a coordinator",
                user.username,
                user.role.name(),
                name,
                entity.name
            )));
        }
    }
    refuse_list_shrink(user, entity, before, proposed)
}

/// Refuses taking an item off a list the user's role may only add to
/// ([`crate::auth::grow_only_lists`]: an officer and a barrier's affected pairs).
fn refuse_list_shrink(
    user: &User,
    entity: &Entity,
    before: &Map<String, Json>,
    proposed: &Map<String, Json>,
) -> Result<(), PlatformError> {
    for name in crate::auth::grow_only_lists(user) {
        if entity.field(name).is_none() {
            continue;
        }
        let kept = list_items(proposed.get(*name));
        let removed: Vec<String> = list_items(before.get(*name))
            .into_iter()
            .filter(|item| !kept.contains(item))
            .collect();
        if !removed.is_empty() {
            return Err(PlatformError::Forbidden(format!(
                "{} ({}) may add to {name} of {} records but not remove {}: ask a coordinator \
                 / 只能增加、不能移除{}：请联系协调员",
                user.username,
                user.role.name(),
                entity.name,
                removed.join(", "),
                removed.join("、"),
            )));
        }
    }
    Ok(())
}

/// Deletes a record the user last saw at `expected_version`. Records others depend on
/// (a park with projects, a project with stage history) are refused.
pub fn delete(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    id: &str,
    expected_version: Option<i64>,
) -> Result<(), PlatformError> {
    let idv = id_value(entity, id)?;
    let expected = expected_version.ok_or(PlatformError::VersionRequired)?;
    db.write(|c| {
        let before = fetch(c, entity, &idv)?
            .ok_or_else(|| PlatformError::NotFound(format!("{} {id}", entity.name)))?;
        let scope = scope_of(entity, &before.fields);
        if !allowed(user, Action::Read, entity.name, &scope) {
            return Err(PlatformError::NotFound(format!("{} {id}", entity.name)));
        }
        if !allowed(user, Action::Delete, entity.name, &scope) {
            return Err(deny(user, Action::Delete, entity));
        }
        if before.version != expected {
            return Err(PlatformError::Conflict {
                version: before.version,
                current: Box::new(before.fields),
            });
        }
        for (table, column) in entity.rules.owned_rows {
            c.execute(
                &format!("DELETE FROM {table} WHERE {column} = ?"),
                std::slice::from_ref(&idv),
            )?;
        }
        c.execute(
            &format!("DELETE FROM {} WHERE id = ? AND version = ?", entity.table),
            &[idv.clone(), Value::Int(expected)],
        )
        .map_err(|e| {
            if e.is_foreign_key_violation() {
                PlatformError::Forbidden(format!(
                    "{} {id} has dependent records; remove or move them first",
                    entity.name
                ))
            } else {
                e.into()
            }
        })?;
        audit(
            c,
            &user.actor(),
            entity.name,
            &before.id_text(),
            "delete",
            Some(&before.fields),
            None,
        )?;
        Ok(())
    })
}

/// One entry of a project's lifecycle.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StageEntry {
    pub stage: String,
    pub date: String,
    pub evidence: Option<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// The lifecycle entries of a project, oldest first.
pub fn stages(db: &Db, user: &User, project_id: &str) -> Result<Vec<StageEntry>, PlatformError> {
    let rec = get(db, user, &entity::PROJECTS, project_id)?;
    db.read(|c| {
        let rows = c.query(
            "SELECT stage, stage_date, evidence, recorded_by, recorded_at FROM project_stages \
             WHERE project_id = ? ORDER BY id",
            &[Value::Int(rec.int("id").unwrap_or(0))],
        )?;
        let entry = |r: &crate::db::Row| -> Result<StageEntry, DbError> {
            Ok(StageEntry {
                stage: r.text("stage")?.into(),
                date: r.text("stage_date")?.into(),
                evidence: r.opt_text("evidence")?.map(str::to_string),
                recorded_by: r.text("recorded_by")?.into(),
                recorded_at: r.text("recorded_at")?.into(),
            })
        };
        Ok(rows.iter().map(entry).collect::<Result<_, _>>()?)
    })
}

/// Moves a project to the next stage of its lifecycle (lead → signed → land → construction →
/// production → paying_tax), with the date it happened and evidence. Stages are not skipped
/// and dates do not go backwards, so the timeline is a record, not a claim.
pub fn advance_stage(
    db: &Db,
    user: &User,
    project_id: &str,
    expected_version: Option<i64>,
    stage: &str,
    date: &str,
    evidence: &str,
) -> Result<Record, PlatformError> {
    let entity = &entity::PROJECTS;
    let idv = id_value(entity, project_id)?;
    let expected = expected_version.ok_or(PlatformError::VersionRequired)?;
    let step = StageStep::parse(stage, date, evidence)?;
    db.write(|c| {
        let before = project_to_advance(c, user, &idv, project_id, expected)?;
        check_stage_order(&before, &step)?;
        write_stage(c, user, &idv, expected, &before, &step)
    })
}

/// A checked stage change, before it meets the stored project: the stage, its place in
/// [`STAGES`], its date (trimmed, and as a day number) and its evidence (trimmed).
struct StageStep<'a> {
    stage: &'a str,
    target: usize,
    date: &'a str,
    day: i64,
    evidence: &'a str,
}

impl<'a> StageStep<'a> {
    /// Checks what can be checked without the database, in this order: a known stage, a
    /// date `YYYY-MM-DD`, evidence present and at most 2000 characters, a date not in the
    /// future (a day of slack for time zones).
    fn parse(
        stage: &'a str,
        date: &'a str,
        evidence: &'a str,
    ) -> Result<StageStep<'a>, PlatformError> {
        let Some(target) = STAGES.iter().position(|s| *s == stage) else {
            return Err(PlatformError::invalid(
                "stage",
                "not_allowed",
                format!("stage must be one of: {}", STAGES.join(", ")),
                format!("阶段只能是：{}", STAGES.join("、")),
            ));
        };
        let Some(day) = clock::parse_date(date.trim()) else {
            return Err(PlatformError::invalid(
                "date",
                "bad_date",
                format!("date must be YYYY-MM-DD (got {date:?})"),
                format!("日期必须是 YYYY-MM-DD 格式（收到 {date:?}）"),
            ));
        };
        let evidence = check_stage_evidence(evidence)?;
        if day > clock::parse_date(&clock::today()).unwrap_or(i64::MAX) + 1 {
            return Err(PlatformError::invalid(
                "date",
                "in_future",
                "a stage cannot be recorded before it happens".into(),
                "阶段日期不能晚于今天".into(),
            ));
        }
        Ok(StageStep {
            stage,
            target,
            date: date.trim(),
            day,
            evidence,
        })
    }
}

/// A stage's evidence, trimmed: required, and at most 2000 characters.
fn check_stage_evidence(evidence: &str) -> Result<&str, PlatformError> {
    let evidence = evidence.trim();
    if evidence.is_empty() {
        return Err(PlatformError::invalid(
            "evidence",
            "required",
            "evidence is required for every stage (a contract number, land certificate, photo reference, tax receipt…)".into(),
            "每个阶段都需要佐证材料（合同编号、土地证、照片、完税凭证等）".into(),
        ));
    }
    if evidence.chars().count() > 2000 {
        return Err(PlatformError::invalid(
            "evidence",
            "too_long",
            "evidence is longer than 2000 characters".into(),
            "佐证材料超过 2000 个字符".into(),
        ));
    }
    Ok(evidence)
}

/// The project `idv` as stored, if the user may read it (else `NotFound`), may change it
/// (else `Forbidden`) and it is still at version `expected` (else `Conflict`).
fn project_to_advance(
    c: &mut dyn Conn,
    user: &User,
    idv: &Value,
    project_id: &str,
    expected: i64,
) -> Result<Record, PlatformError> {
    let entity = &entity::PROJECTS;
    let before = fetch(c, entity, idv)?
        .ok_or_else(|| PlatformError::NotFound(format!("projects {project_id}")))?;
    let scope = scope_of(entity, &before.fields);
    if !allowed(user, Action::Read, entity.name, &scope) {
        return Err(PlatformError::NotFound(format!("projects {project_id}")));
    }
    if !allowed(user, Action::Update, entity.name, &scope) {
        return Err(deny(user, Action::Update, entity));
    }
    if before.version != expected {
        return Err(PlatformError::Conflict {
            version: before.version,
            current: Box::new(before.fields),
        });
    }
    Ok(before)
}

/// Refuses a step that is not to the project's next stage, or dated before its current
/// stage.
fn check_stage_order(before: &Record, step: &StageStep<'_>) -> Result<(), PlatformError> {
    let current = before.text("stage").unwrap_or("lead");
    let at = STAGES.iter().position(|s| *s == current).unwrap_or(0);
    if step.target != at + 1 {
        let next = STAGES
            .get(at + 1)
            .copied()
            .unwrap_or("(none: the last stage)");
        return Err(PlatformError::invalid(
            "stage",
            "out_of_order",
            format!("the project is at {current}; the next stage is {next}"),
            format!("项目当前阶段为 {current}，下一阶段应为 {next}"),
        ));
    }
    if let Some(prev) = before.text("stage_date").and_then(clock::parse_date) {
        if step.day < prev {
            return Err(PlatformError::invalid(
                "date",
                "before_previous",
                format!(
                    "the date is before the previous stage's ({})",
                    before.text("stage_date").unwrap_or("")
                ),
                "日期早于上一阶段".into(),
            ));
        }
    }
    Ok(())
}

/// Writes a checked stage step: the project's stage, stage date and (for `signed`) signing
/// date at version `expected`, the lifecycle entry, the review flags of its group and the
/// audit row. Returns the project as stored after it.
fn write_stage(
    c: &mut dyn Conn,
    user: &User,
    idv: &Value,
    expected: i64,
    before: &Record,
    step: &StageStep<'_>,
) -> Result<Record, PlatformError> {
    let entity = &entity::PROJECTS;
    let signed_on = if step.stage == "signed" {
        Value::Text(step.date.into())
    } else {
        before.text("signed_on").map(str::to_string).into()
    };
    let n = c.execute(
        "UPDATE projects SET stage = ?, stage_date = ?, signed_on = ?, version = version + 1, \
         updated_at = ? WHERE id = ? AND version = ?",
        &[
            step.stage.into(),
            step.date.into(),
            signed_on,
            clock::now_timestamp().into(),
            idv.clone(),
            Value::Int(expected),
        ],
    )?;
    if n == 0 {
        return Err(DbError::Other("project changed during the stage update".into()).into());
    }
    insert_stage_entry(c, user, idv, step)?;
    refresh_review_flags(c, idv.as_i64().unwrap_or(0))?;
    let after = fetch(c, entity, idv)?.ok_or_else(|| DbError::Other("project vanished".into()))?;
    audit(
        c,
        &user.actor(),
        entity.name,
        &after.id_text(),
        "stage",
        Some(&before.fields),
        Some(&after.fields),
    )?;
    Ok(after)
}

/// Appends a stage step to the project's lifecycle (`project_stages`), recorded by `user` now.
fn insert_stage_entry(
    c: &mut dyn Conn,
    user: &User,
    idv: &Value,
    step: &StageStep<'_>,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO project_stages (project_id, stage, stage_date, evidence, recorded_by, \
         recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        &[
            idv.clone(),
            step.stage.into(),
            step.date.into(),
            step.evidence.into(),
            user.actor().into(),
            clock::now_timestamp().into(),
        ],
    )?;
    Ok(())
}

/// Recomputes the review flags of a project's group: the other projects of its enterprise in
/// its park (a new signing can make an old one a suspected duplicate), or the project alone
/// when it has no park.
fn refresh_review_flags(c: &mut dyn Conn, project_id: i64) -> Result<(), DbError> {
    let row = c.query_one(
        "SELECT enterprise_id, park_id FROM projects WHERE id = ?",
        &[Value::Int(project_id)],
    )?;
    let Some(row) = row else { return Ok(()) };
    match (row.opt_int("enterprise_id")?, row.opt_int("park_id")?) {
        (Some(e), Some(p)) => {
            refresh_group_flags(c, e, p)?;
        }
        // Without a park there is no group; the project's own checks still apply.
        (_, None) => {
            refresh_project_flags(c, project_id)?;
        }
        (None, Some(_)) => {}
    }
    Ok(())
}

/// The columns [`flag_facts`] reads, and the stored flags last.
const FLAG_COLUMNS: &str = "id, amount_agreed_fen, paid_in_fen, stage, signed_on, review_flags";

fn flag_facts(r: &crate::db::Row) -> Result<crate::flags::FlagFacts, DbError> {
    Ok(crate::flags::FlagFacts {
        id: r.int("id")?,
        amount_agreed_fen: r.opt_int("amount_agreed_fen")?,
        paid_in_fen: r.opt_int("paid_in_fen")?,
        stage: r.text("stage")?.to_string(),
        signed_day: r.opt_text("signed_on")?.and_then(clock::parse_date),
    })
}

/// Recomputes the flags of every project of `enterprise` in `park` in one pass
/// ([`crate::flags::group_flags`]) and writes only those that changed. Returns every project's
/// flags, by id.
pub(crate) fn refresh_group_flags(
    c: &mut dyn Conn,
    enterprise: i64,
    park: i64,
) -> Result<Vec<(i64, String)>, DbError> {
    let rows = c.query(
        &format!(
            "SELECT {FLAG_COLUMNS} FROM projects WHERE enterprise_id = ? AND park_id = ? \
             ORDER BY id"
        ),
        &[Value::Int(enterprise), Value::Int(park)],
    )?;
    let facts: Vec<_> = rows.iter().map(flag_facts).collect::<Result<_, _>>()?;
    let flags = crate::flags::group_flags(&facts);
    write_changed_flags(c, &rows, flags)
}

/// Recomputes the flags of a project without a park (its own checks only).
pub(crate) fn refresh_project_flags(
    c: &mut dyn Conn,
    id: i64,
) -> Result<Vec<(i64, String)>, DbError> {
    let rows = c.query(
        &format!("SELECT {FLAG_COLUMNS} FROM projects WHERE id = ?"),
        &[Value::Int(id)],
    )?;
    let flags = rows
        .iter()
        .map(|r| flag_facts(r).map(|f| crate::flags::single_flags(&f)))
        .collect::<Result<_, _>>()?;
    write_changed_flags(c, &rows, flags)
}

/// Writes the flags that differ from the stored ones (column `review_flags` of `rows`): a
/// group's refresh after one change usually changes none or a few.
fn write_changed_flags(
    c: &mut dyn Conn,
    rows: &[crate::db::Row],
    flags: Vec<String>,
) -> Result<Vec<(i64, String)>, DbError> {
    let mut out = Vec::with_capacity(rows.len());
    for (r, new) in rows.iter().zip(flags) {
        let id = r.int("id")?;
        if r.opt_text("review_flags")? != Some(new.as_str()) {
            c.execute(
                "UPDATE projects SET review_flags = ? WHERE id = ?",
                &[new.clone().into(), Value::Int(id)],
            )?;
        }
        out.push((id, new));
    }
    Ok(out)
}

/// One change in a record's history.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct HistoryEntry {
    pub id: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub before: Option<Json>,
    pub after: Option<Json>,
}

/// An `audit_log` row (`id, at, actor, action, before_json, after_json`) as a history entry,
/// by column name; a snapshot that is not JSON shows as none.
pub(crate) fn history_entry(r: &crate::db::Row) -> Result<HistoryEntry, DbError> {
    let json = |column: &str| -> Result<Option<Json>, DbError> {
        Ok(r.opt_text(column)?
            .and_then(|s| serde_json::from_str(s).ok()))
    };
    Ok(HistoryEntry {
        id: r.int("id")?,
        at: r.text("at")?.into(),
        actor: r.text("actor")?.into(),
        action: r.text("action")?.into(),
        before: json("before_json")?,
        after: json("after_json")?,
    })
}

/// A record's history, oldest first, for users who may read the record (or, for a deleted
/// record, who could read it before it was deleted).
pub fn history(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    id: &str,
) -> Result<Vec<HistoryEntry>, PlatformError> {
    let idv = id_value(entity, id)?;
    db.read(|c| {
        let rows = c.query(
            "SELECT id, at, actor, action, before_json, after_json FROM audit_log \
             WHERE entity = ? AND record_id = ? ORDER BY id",
            &[entity.name.into(), id.into()],
        )?;
        let entries: Vec<HistoryEntry> =
            rows.iter().map(history_entry).collect::<Result<_, _>>()?;
        let visible = match fetch(c, entity, &idv)? {
            Some(rec) => allowed(
                user,
                Action::Read,
                entity.name,
                &scope_of(entity, &rec.fields),
            ),
            None => entries
                .last()
                .and_then(|e| e.before.as_ref())
                .and_then(Json::as_object)
                .is_some_and(|m| allowed(user, Action::Read, entity.name, &scope_of(entity, m))),
        };
        // A record loaded with the bundled data may have no history of its own (yet).
        if !visible {
            return Err(PlatformError::NotFound(format!("{} {id}", entity.name)));
        }
        Ok(entries)
    })
}
