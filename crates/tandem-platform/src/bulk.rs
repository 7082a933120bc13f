//! Many creates and updates of one record type (an XLSX import), all or nothing and audited,
//! without holding the writer for long.
//!
//! SQLite has one writer, and sign-in writes a session: whatever a bulk change does while it
//! holds the writer, every sign-in and every other change waits for. So the work is split:
//!
//! 1. **Check, on a read snapshot** (no writer): every row is parsed, its references looked
//!    up, its authorisation decided — the service's own checks (`service::prepare_create`,
//!    `service::prepare_update`). Every read they make is remembered (and identical reads
//!    are answered from memory, so 10,000 rows naming one park cost one lookup). A file with
//!    problems is refused here, having never taken the writer.
//! 2. **Write, in one transaction**: first the remembered reads are made again; the checks
//!    are a function of the rows and of those reads, so if every read gives the same answer
//!    the checks still hold. (If one differs, something changed in between: the rows are
//!    checked again inside the transaction, the slow but always correct way.) Then only the
//!    inserts and updates, one review-flag pass per touched (enterprise, park) group
//!    ([`crate::flags`], only changed flags written), and the audit rows (with each record's
//!    final flags). Any failure rolls everything back.
//!
//! Limits ([`crate::limits`]): at most [`MAX_BULK_ROWS`] rows, created records spent from the
//! user's creation budget (given back if nothing is written), one bulk change at a time.

use crate::auth::User;
use crate::db::{Conn, Db, DbError, Engine, Row, Value};
use crate::entity::{self, Entity};
use crate::limits::MAX_BULK_ROWS;
use crate::service::{self, PlatformError, PreparedCreate, PreparedUpdate, Record};
use serde_json::{Map, Value as Json};
use std::collections::{BTreeSet, HashMap};

/// One row of a bulk change.
#[derive(Clone, Debug)]
pub enum Op {
    /// A new record from these fields.
    Create(Map<String, Json>),
    /// A change of record `id`, which the client saw at `version` (required).
    Update {
        /// The record's id.
        id: String,
        /// The version the client saw; `None` is refused ([`PlatformError::VersionRequired`]).
        version: Option<i64>,
        /// The fields to change.
        patch: Map<String, Json>,
    },
}

/// What a bulk change did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records created.
    pub created: usize,
    /// Records changed.
    pub updated: usize,
}

/// Why a bulk change changed nothing.
#[derive(Debug)]
pub enum BulkError {
    /// Rows broke rules; nothing was changed.
    Rejected(Rejections),
    /// Over a limit (rows per request, the creation budget); no row was looked at.
    Limit(PlatformError),
    /// The database failed.
    Db(DbError),
}

impl From<DbError> for BulkError {
    fn from(e: DbError) -> Self {
        BulkError::Db(e)
    }
}

/// The rows that broke rules: each with the index of its [`Op`] and what is wrong.
pub type Rejections = Vec<(usize, PlatformError)>;

/// A checked row.
enum Prepared {
    Create(PreparedCreate),
    Update(Box<PreparedUpdate>),
}

/// Applies `ops` to records of `entity` as `user`, all or nothing (see the module notes).
pub fn apply(
    db: &Db,
    user: &User,
    entity: &'static Entity,
    ops: &[Op],
) -> Result<Summary, BulkError> {
    if ops.len() > MAX_BULK_ROWS {
        return Err(BulkError::Limit(PlatformError::TooLarge(format!(
            "{} rows is more than the {MAX_BULK_ROWS} one import may have; split the file \
             into parts of at most {MAX_BULK_ROWS} rows and import them one after another",
            ops.len()
        ))));
    }
    let creates = ops.iter().filter(|o| matches!(o, Op::Create(_))).count() as u64;
    let budget = db
        .limits()
        .reserve_creations(user.id, &user.username, creates)
        .map_err(BulkError::Limit)?;
    let _turn = db.limits().bulk_turn();
    let (checked, reads) = db.read(|c| {
        let mut recorder = Recorder::new(c);
        let checked = prepare_all(&mut recorder, user, entity, ops)?;
        Ok::<_, DbError>((checked, recorder.log))
    })?;
    let prepared = checked.map_err(BulkError::Rejected)?;
    let summary = db.write(|c| {
        let prepared = if still_true(c, &reads)? {
            prepared
        } else {
            prepare_all(c, user, entity, ops)?.map_err(BulkError::Rejected)?
        };
        write_all(c, user, entity, &prepared)
    })?;
    budget.spent();
    Ok(summary)
}

/// Checks every row; the problems of all rows, or every row prepared.
fn prepare_all(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    ops: &[Op],
) -> Result<Result<Vec<Prepared>, Rejections>, DbError> {
    let mut prepared = Vec::with_capacity(ops.len());
    let mut problems = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let p = match op {
            Op::Create(body) => {
                service::prepare_create(c, user, entity, body).map(Prepared::Create)
            }
            Op::Update { version: None, .. } => Err(PlatformError::VersionRequired),
            Op::Update {
                id,
                version: Some(v),
                patch,
            } => service::prepare_update(c, user, entity, id, *v, patch)
                .map(|u| Prepared::Update(Box::new(u))),
        };
        match p {
            Ok(p) => prepared.push(p),
            Err(PlatformError::Db(e)) => return Err(e),
            Err(e) => problems.push((i, e)),
        }
    }
    Ok(if problems.is_empty() {
        Ok(prepared)
    } else {
        Err(problems)
    })
}

/// Writes checked rows, then the review flags of the groups they touched, then the audit.
fn write_all(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    prepared: &[Prepared],
) -> Result<Summary, BulkError> {
    let mut written: Vec<(Option<&Record>, Value)> = Vec::with_capacity(prepared.len());
    let mut problems = Vec::new();
    for (i, p) in prepared.iter().enumerate() {
        let w = match p {
            Prepared::Create(pc) => service::insert_prepared(c, entity, pc).map(|id| (None, id)),
            Prepared::Update(pu) => {
                service::apply_update(c, entity, pu).map(|()| (Some(&pu.before), pu.idv.clone()))
            }
        };
        match w {
            Ok(w) => written.push(w),
            Err(PlatformError::Db(e)) => return Err(BulkError::Db(e)),
            // A conflict only the write can see (two rows changing one record).
            Err(e) => problems.push((i, e)),
        }
    }
    if !problems.is_empty() {
        return Err(BulkError::Rejected(problems));
    }
    // Read back as stored (triggers may complete a record), then flag, then audit.
    let mut done = Vec::with_capacity(written.len());
    for (before, id) in written {
        let after = service::fetch(c, entity, &id)?
            .ok_or_else(|| DbError::Other(format!("{} {id:?} vanished", entity.name)))?;
        done.push((before, after));
    }
    let flags = if entity.rules.review_flags {
        refresh_flags(c, &done)?
    } else {
        HashMap::new()
    };
    let flag_field = entity.field("review_flags");
    let actor = user.actor();
    let mut summary = Summary::default();
    for (before, mut after) in done {
        let new_flags = after.int("id").and_then(|id| flags.get(&id));
        if let (Some(f), Some(text)) = (flag_field, new_flags) {
            let v = Value::Text(text.clone());
            after.fields.insert(f.name.into(), entity::to_json(f, &v));
        }
        let action = if before.is_some() { "update" } else { "create" };
        service::audit(
            c,
            &actor,
            entity.name,
            &after.id_text(),
            action,
            before.map(|b| &b.fields),
            Some(&after.fields),
        )?;
        match before {
            Some(_) => summary.updated += 1,
            None => summary.created += 1,
        }
    }
    Ok(summary)
}

/// Recomputes the review flags of every (enterprise, park) group the written projects are in
/// or left, once each; returns the flags by project id.
fn refresh_flags(
    c: &mut dyn Conn,
    done: &[(Option<&Record>, Record)],
) -> Result<HashMap<i64, String>, DbError> {
    let mut groups = BTreeSet::new();
    let mut loners = BTreeSet::new();
    for (before, after) in done {
        for r in before.iter().copied().chain([after]) {
            match (r.int("enterprise_id"), r.int("park_id")) {
                (Some(e), Some(p)) => {
                    groups.insert((e, p));
                }
                (_, None) => {
                    loners.insert(r.int("id").unwrap_or(0));
                }
                (None, Some(_)) => {}
            }
        }
    }
    let mut flags = HashMap::new();
    for (e, p) in groups {
        flags.extend(service::refresh_group_flags(c, e, p)?);
    }
    for id in loners {
        // A project that moved into a park has had its flags set with its group.
        if !flags.contains_key(&id) {
            flags.extend(service::refresh_project_flags(c, id)?);
        }
    }
    Ok(flags)
}

/// Whether every read the checks made still gives the same rows.
fn still_true(c: &mut dyn Conn, reads: &[(String, Vec<Value>, Vec<Row>)]) -> Result<bool, DbError> {
    for (sql, params, rows) in reads {
        if c.query(sql, params)? != *rows {
            return Ok(false);
        }
    }
    Ok(true)
}

/// A read-only connection that remembers every distinct read and its rows, and answers a
/// repeated read from memory (within one snapshot the answer cannot differ).
struct Recorder<'a> {
    inner: &'a mut dyn Conn,
    seen: HashMap<String, usize>,
    log: Vec<(String, Vec<Value>, Vec<Row>)>,
}

impl<'a> Recorder<'a> {
    fn new(inner: &'a mut dyn Conn) -> Self {
        Recorder {
            inner,
            seen: HashMap::new(),
            log: Vec::new(),
        }
    }
}

impl Conn for Recorder<'_> {
    fn engine(&self) -> Engine {
        self.inner.engine()
    }
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, DbError> {
        let key = format!("{sql}\u{0}{params:?}");
        if let Some(&i) = self.seen.get(&key) {
            return Ok(self.log[i].2.clone());
        }
        let rows = self.inner.query(sql, params)?;
        self.seen.insert(key, self.log.len());
        self.log
            .push((sql.to_string(), params.to_vec(), rows.clone()));
        Ok(rows)
    }
    fn execute(&mut self, sql: &str, _: &[Value]) -> Result<u64, DbError> {
        Err(read_only(sql))
    }
    fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Err(read_only(sql))
    }
}

fn read_only(sql: &str) -> DbError {
    DbError::Other(format!(
        "checking a bulk change must only read, but it tried: {sql} (a defect: please report it)"
    ))
}
