//! Disputes and consultation (issue #17, part 1): a case raised by one side of a pair, its
//! consultation rounds, its escalation from the park to the pair's joint meeting to
//! provincial coordination, and its outcome.
//!
//! The records are `disputes`, `dispute_rounds` and `dispute_escalations` (descriptors in
//! [`crate::entity`], field checks in [`crate::dispute_rules`]); the generic record pages and
//! API list, create and edit cases and rounds. What only this module does, each in one
//! transaction with its audit row:
//!
//! * [`escalate`]: one level up only (park → joint meeting → provincial), dated on or after
//!   the day the case reached its current level and not in the future, with a reason. The
//!   new level's deadline is its default ([`crate::dispute_rules::default_days`]: 30, 60, 90
//!   days from the escalation) or an explicit date, which must be after today: a deadline set
//!   by hand is a promise, and a promise already broken is no deadline. The step is kept in
//!   `dispute_escalations`, which no one writes otherwise.
//! * [`close`]: an open case is closed with an outcome and a note, on a day not in the future
//!   and not before it reached its current level: `settled`, `withdrawn`,
//!   `agreement_amended` (naming the agreement version row of the ledger, which must exist
//!   and belong to a park of the case's pair, and to the case's park when it names one) or
//!   `compensation` (an amount above zero and the side that pays). The status, level, deadline and outcome fields are
//!   read-only in the record API: these two functions are the only way to set them.
//! * A closed case is final for its pair's officers: only administrators and coordinators may
//!   still correct it (`auth`), nothing reopens it, and it takes no more rounds.
//! * A case's history is bounded on the page, not in the database: the timeline reads at
//!   most [`MAX_TIMELINE_ROWS`] rounds, escalations and audit rows each (the record pages
//!   list and page through all of them).
//! * [`case`] reads the whole history as one timeline: the audit log of the case (its
//!   creation and closing on the days they happened), its rounds and its escalations
//!   ([`Case::timeline`]). [`overdue`] lists the open cases whose current level's deadline
//!   has passed (platform clock, UTC) for the dashboard. [`advice_records`] gives the cases
//!   the user may read to the advisor.
//!
//! Everything is read through the read policy: a case the user may not read is not found,
//! whoever asks and whatever the operation.

use crate::auth::{allowed, read_filter, Action, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::dispute_rules::{date_after, default_days, invalid, next_level, today_days, OUTCOMES};
use crate::entity::{self, text_rule, Entity, DISPUTES, DISPUTE_ESCALATIONS, DISPUTE_ROUNDS};
use crate::error::PlatformError;
use crate::service::{self, audit, fetch, scope_of, HistoryEntry, Record};
use tandem_core::advisor::{DisputeRecord, DisputeState};
use tandem_core::PartialDate;

/// The longest reason of an escalation and note of an outcome, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// The most cases listed as overdue on the dashboard (the count is exact).
pub const MAX_OVERDUE_LISTED: i64 = 50;

/// The most cases given to the advisor at once.
pub const MAX_ADVICE_RECORDS: i64 = 5000;

/// The most rounds and escalations read for one case's timeline.
pub const MAX_TIMELINE_ROWS: i64 = 500;

/// An escalation asked for: the day it happened (today when empty), an explicit deadline for
/// the new level (its default when empty) and the reason.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Escalation {
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub deadline: String,
    #[serde(default)]
    pub reason: String,
}

/// An outcome asked for: the outcome code, the day (today when empty), the note, and for
/// `agreement_amended` the agreement version row, for `compensation` the amount in yuan and
/// the paying side.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct Outcome {
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub on: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub agreement_row: Option<i64>,
    #[serde(default)]
    pub compensation_yuan: String,
    #[serde(default)]
    pub payer: String,
}

fn case_id(id: &str) -> Result<Value, PlatformError> {
    id.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .map(Value::Int)
        .ok_or_else(|| PlatformError::NotFound(format!("disputes {id:?}")))
}

/// The case `idv` as stored if `user` may read it (else `NotFound`), is open (else
/// `Invalid`), may be changed by `user` (else `Forbidden`) and is at version `expected` (else
/// `Conflict`).
fn open_case(
    c: &mut dyn Conn,
    user: &User,
    idv: &Value,
    expected: i64,
) -> Result<Record, PlatformError> {
    let not_found = || PlatformError::NotFound(format!("disputes {idv:?}"));
    let before = fetch(c, &DISPUTES, idv)?.ok_or_else(not_found)?;
    let scope = scope_of(&DISPUTES, &before.fields);
    if !allowed(user, Action::Read, DISPUTES.name, &scope) {
        return Err(not_found());
    }
    if before.text("status") != Some("open") {
        return Err(invalid(
            "status",
            "closed",
            "the case is closed; nothing reopens it".into(),
            "案件已结案，不能再升级或结案".into(),
        ));
    }
    if !allowed(user, Action::Update, DISPUTES.name, &scope) {
        return Err(PlatformError::Forbidden(format!(
            "{} ({}) may not escalate or close this dispute case",
            user.username,
            user.role.name()
        )));
    }
    if before.version != expected {
        return Err(PlatformError::Conflict {
            version: before.version,
            current: Box::new(before.fields),
        });
    }
    Ok(before)
}

/// A date given or today; `field` names it in the error.
fn date_or_today(field: &str, text: &str) -> Result<(String, i64), PlatformError> {
    let text = text.trim();
    let text = if text.is_empty() {
        clock::today()
    } else {
        text.to_string()
    };
    match clock::parse_date(&text) {
        Some(d) => Ok((text, d)),
        None => Err(invalid(
            field,
            "bad_date",
            format!("{field} must be a date YYYY-MM-DD (got {text:?})"),
            format!("{field} 必须是 YYYY-MM-DD 格式的日期（收到 {text:?}）"),
        )),
    }
}

/// A note (a reason, an outcome): required, at most [`MAX_NOTE_CHARS`], no control
/// characters but line breaks and tabs.
fn note(field: &str, text: &str) -> Result<String, PlatformError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(
            field,
            "required",
            format!("{field} is required"),
            format!("{field} 必填"),
        ));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(invalid(
            field,
            "too_long",
            format!("{field} is longer than {MAX_NOTE_CHARS} characters"),
            format!("{field} 超过 {MAX_NOTE_CHARS} 个字符"),
        ));
    }
    if let Some(rule) = text_rule(text, false) {
        let (en, zh) = entity::text_rule_messages(rule, field, field);
        return Err(invalid(field, rule, en, zh));
    }
    Ok(text.to_string())
}

/// The day the case reached its current level: its last escalation's, else the day raised.
fn level_since(c: &mut dyn Conn, before: &Record) -> Result<i64, PlatformError> {
    let last = c.query_one(
        "SELECT MAX(escalated_on) AS last FROM dispute_escalations WHERE dispute_id = ?",
        &[Value::Int(before.required_int("id")?)],
    )?;
    let last = match &last {
        Some(r) => r.opt_text("last")?.map(str::to_string),
        None => None,
    };
    let since = last.or_else(|| before.text("raised_on").map(str::to_string));
    Ok(since.as_deref().and_then(clock::parse_date).unwrap_or(0))
}

/// The checked escalation: the levels, the day, the new deadline, the reason.
struct Step {
    from: String,
    to: &'static str,
    on: String,
    deadline: String,
    reason: String,
}

/// Checks an escalation of the case `before` (open, readable and changeable by the user).
fn check_step(c: &mut dyn Conn, before: &Record, req: &Escalation) -> Result<Step, PlatformError> {
    let from = before.text("current_level").unwrap_or("park").to_string();
    let Some(to) = next_level(&from) else {
        return Err(invalid(
            "level",
            "highest",
            "the case is at provincial coordination, the highest level".into(),
            "案件已在省级协调层级，不能再升级".into(),
        ));
    };
    let reason = note("reason", &req.reason)?;
    let (on, day) = date_or_today("on", &req.on)?;
    if day > today_days() + 1 {
        return Err(invalid(
            "on",
            "in_future",
            "an escalation cannot be recorded before it happens".into(),
            "升级日期不能晚于今天".into(),
        ));
    }
    if day < level_since(c, before)? {
        return Err(invalid(
            "on",
            "before_level",
            "the escalation is dated before the case reached its current level".into(),
            "升级日期早于案件进入当前层级的日期".into(),
        ));
    }
    let deadline = if req.deadline.trim().is_empty() {
        date_after(&on, default_days(to)).unwrap_or_default()
    } else {
        let (d, days) = date_or_today("deadline", &req.deadline)?;
        if days <= today_days() {
            return Err(invalid(
                "deadline",
                "not_future",
                "a deadline set by hand must be after today".into(),
                "手动设定的期限必须晚于今天".into(),
            ));
        }
        d
    };
    Ok(Step {
        from,
        to,
        on,
        deadline,
        reason,
    })
}

/// Moves an open case one level up (see the module notes); returns the case as stored.
pub fn escalate(
    db: &Db,
    user: &User,
    id: &str,
    expected_version: Option<i64>,
    req: &Escalation,
) -> Result<Record, PlatformError> {
    let idv = case_id(id)?;
    let expected = expected_version.ok_or(PlatformError::VersionRequired)?;
    db.write(|c| {
        let before = open_case(c, user, &idv, expected)?;
        let step = check_step(c, &before, req)?;
        let n = c.execute(
            "UPDATE disputes SET current_level = ?, level_deadline = ?, version = version + 1, \
             updated_at = ? WHERE id = ? AND version = ?",
            &[
                step.to.into(),
                step.deadline.clone().into(),
                clock::now_timestamp().into(),
                idv.clone(),
                Value::Int(expected),
            ],
        )?;
        if n == 0 {
            return Err(DbError::Other("case changed during the escalation".into()).into());
        }
        insert_escalation(c, user, &before, &step)?;
        let after =
            fetch(c, &DISPUTES, &idv)?.ok_or_else(|| DbError::Other("case vanished".into()))?;
        audit(
            c,
            &user.actor(),
            DISPUTES.name,
            &after.id_text(),
            "escalate",
            Some(&before.fields),
            Some(&after.fields),
        )?;
        Ok(after)
    })
}

/// Appends the escalation row (with the case's pair and park) and its audit row.
fn insert_escalation(
    c: &mut dyn Conn,
    user: &User,
    before: &Record,
    step: &Step,
) -> Result<(), PlatformError> {
    let rows = c.query(
        "INSERT INTO dispute_escalations (dispute_id, pair_id, park_id, from_level, to_level, \
         escalated_on, deadline, reason, recorded_by, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        &[
            Value::Int(before.required_int("id")?),
            before.text("pair_id").map(str::to_string).into(),
            before.int("park_id").into(),
            step.from.clone().into(),
            step.to.into(),
            step.on.clone().into(),
            step.deadline.clone().into(),
            step.reason.clone().into(),
            user.actor().into(),
            clock::now_timestamp().into(),
        ],
    )?;
    let id = rows
        .first()
        .and_then(|r| r.first())
        .cloned()
        .ok_or_else(|| DbError::Other("insert returned no id".into()))?;
    let rec = fetch(c, &DISPUTE_ESCALATIONS, &id)?
        .ok_or_else(|| DbError::Other("escalation vanished".into()))?;
    audit(
        c,
        &user.actor(),
        DISPUTE_ESCALATIONS.name,
        &rec.id_text(),
        "create",
        None,
        Some(&rec.fields),
    )?;
    Ok(())
}

/// The checked outcome: the columns `close` writes.
struct Closing {
    status: &'static str,
    on: String,
    note: String,
    agreement_row: Option<i64>,
    compensation_fen: Option<i64>,
    payer: Option<&'static str>,
}

/// Whether the agreement version row `row` belongs to a park of the case's pair (and to the
/// case's park when it names one).
fn agreement_fits(c: &mut dyn Conn, before: &Record, row: i64) -> Result<bool, PlatformError> {
    let found = c.query_one(
        "SELECT a.park_id AS park_id, p.pair_id AS pair_id FROM agreements a \
         JOIN parks p ON p.id = a.park_id WHERE a.id = ?",
        &[Value::Int(row)],
    )?;
    let Some(r) = found else {
        return Ok(false);
    };
    let same_pair = r.opt_text("pair_id")? == before.text("pair_id");
    let same_park = match before.int("park_id") {
        Some(park) => r.opt_int("park_id")? == Some(park),
        None => true,
    };
    Ok(same_pair && same_park)
}

/// The amount and paying side of a compensation: both required, the amount above zero.
fn compensation(req: &Outcome) -> Result<(i64, &'static str), PlatformError> {
    let fen = match entity::parse_yuan(req.compensation_yuan.trim()) {
        Ok(fen) if fen > 0 => fen,
        _ => {
            return Err(invalid(
                "compensation_yuan",
                "required",
                "a compensation needs its amount in yuan, above zero (at most two decimals)".into(),
                "补偿须填写大于零的金额（元，最多两位小数）".into(),
            ))
        }
    };
    let Some(payer) = entity::DISPUTE_SIDES
        .iter()
        .copied()
        .find(|s| *s == req.payer.trim())
    else {
        return Err(invalid(
            "payer",
            "not_allowed",
            "say which side pays: helper or helped".into(),
            "请选择补偿支付方：helper 支援方或 helped 受援方".into(),
        ));
    };
    Ok((fen, payer))
}

/// Checks an outcome for the case `before` (open, readable and changeable by the user).
fn check_outcome(
    c: &mut dyn Conn,
    before: &Record,
    req: &Outcome,
) -> Result<Closing, PlatformError> {
    let Some(status) = OUTCOMES.iter().copied().find(|o| *o == req.outcome.trim()) else {
        return Err(invalid(
            "outcome",
            "not_allowed",
            format!("outcome must be one of: {}", OUTCOMES.join(", ")),
            format!("结案方式只能是：{}", OUTCOMES.join("、")),
        ));
    };
    let note = note("note", &req.note)?;
    let (on, day) = date_or_today("on", &req.on)?;
    if day > today_days() + 1 || day < level_since(c, before)? {
        return Err(invalid(
            "on",
            "out_of_range",
            "a case is closed on a day between the day it reached its current level and today"
                .into(),
            "结案日期须在案件进入当前层级之日与今天之间".into(),
        ));
    }
    let agreement_row = match (status, req.agreement_row) {
        ("agreement_amended", Some(row)) if agreement_fits(c, before, row)? => Some(row),
        ("agreement_amended", _) => {
            return Err(invalid(
                "agreement_row",
                "not_found",
                "name the new agreement version (its ledger row) of a park of the case's pair \
                 (and of the case's park, when it names one)"
                    .into(),
                "请填写本案结对（及园区）的新协议版本记录编号".into(),
            ))
        }
        (_, Some(_)) => return Err(extra("agreement_row", "agreement_amended")),
        (_, None) => None,
    };
    let (compensation_fen, payer) = if status == "compensation" {
        let (fen, payer) = compensation(req)?;
        (Some(fen), Some(payer))
    } else if !req.compensation_yuan.trim().is_empty() || !req.payer.trim().is_empty() {
        return Err(extra("compensation_yuan", "compensation"));
    } else {
        (None, None)
    };
    Ok(Closing {
        status,
        on,
        note,
        agreement_row,
        compensation_fen,
        payer,
    })
}

/// A detail given for an outcome it does not belong to.
fn extra(field: &str, belongs_to: &str) -> PlatformError {
    invalid(
        field,
        "not_allowed",
        format!("{field} is given only with the outcome {belongs_to}"),
        format!("{field} 仅在结案方式为 {belongs_to} 时填写"),
    )
}

/// Closes an open case with an outcome (see the module notes); returns the case as stored.
pub fn close(
    db: &Db,
    user: &User,
    id: &str,
    expected_version: Option<i64>,
    req: &Outcome,
) -> Result<Record, PlatformError> {
    let idv = case_id(id)?;
    let expected = expected_version.ok_or(PlatformError::VersionRequired)?;
    db.write(|c| {
        let before = open_case(c, user, &idv, expected)?;
        let k = check_outcome(c, &before, req)?;
        let n = c.execute(
            "UPDATE disputes SET status = ?, closed_on = ?, outcome_note = ?, \
             amended_agreement_row = ?, compensation_fen = ?, compensation_payer = ?, \
             version = version + 1, updated_at = ? WHERE id = ? AND version = ?",
            &[
                k.status.into(),
                k.on.into(),
                k.note.into(),
                k.agreement_row.into(),
                k.compensation_fen.into(),
                k.payer.into(),
                clock::now_timestamp().into(),
                idv.clone(),
                Value::Int(expected),
            ],
        )?;
        if n == 0 {
            return Err(DbError::Other("case changed while closing".into()).into());
        }
        let after =
            fetch(c, &DISPUTES, &idv)?.ok_or_else(|| DbError::Other("case vanished".into()))?;
        audit(
            c,
            &user.actor(),
            DISPUTES.name,
            &after.id_text(),
            "close",
            Some(&before.fields),
            Some(&after.fields),
        )?;
        Ok(after)
    })
}

/// What happened to a case, one entry of its timeline.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Happening {
    /// A consultation round (the record).
    Round {
        record: serde_json::Map<String, serde_json::Value>,
    },
    /// An escalation (the record).
    Escalation {
        record: serde_json::Map<String, serde_json::Value>,
    },
    /// A change of the case in the audit log: `create`, `update`, `escalate`, `close`.
    Change { entry: HistoryEntry },
}

/// One entry of a case's timeline: its day (the round's, the escalation's, the audit row's)
/// and what happened.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct TimelineEntry {
    pub date: String,
    #[serde(flatten)]
    pub happening: Happening,
}

/// A case with its whole history.
#[derive(Clone, Debug)]
pub struct Case {
    pub record: Record,
    pub rounds: Vec<Record>,
    pub escalations: Vec<Record>,
    /// The case's history, oldest first: its creation on the day raised, its escalations and
    /// rounds on their days, its edits on the day recorded and its closing on the day closed
    /// (on one day in that order, each kind in the order recorded). An escalation's audit
    /// row on the case is left out: the escalation's own record (with who recorded it)
    /// stands for it; the full audit log is the case's history page.
    pub timeline: Vec<TimelineEntry>,
}

/// The records of `entity` of case `id` that `user` may read, oldest first.
fn parts_of(
    c: &mut dyn Conn,
    user: &User,
    entity: &Entity,
    id: &Value,
) -> Result<Vec<Record>, PlatformError> {
    let mut sql = format!(
        "SELECT {} FROM {} WHERE dispute_id = ?",
        entity.select_list(),
        entity.table
    );
    let mut params = vec![id.clone()];
    if let Some((filter, p)) = read_filter(user, entity.name) {
        sql.push_str(&format!(" AND ({filter})"));
        params.extend(p);
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {MAX_TIMELINE_ROWS}"));
    Ok(c.query(&sql, &params)?
        .iter()
        .map(|r| {
            let fields = entity::row_to_json(entity, r);
            let version = fields
                .get("version")
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0);
            Record { fields, version }
        })
        .collect())
}

/// The case `id` with its rounds, escalations and audit log as one timeline, if `user` may
/// read it.
pub fn case(db: &Db, user: &User, id: &str) -> Result<Case, PlatformError> {
    let idv = case_id(id)?;
    db.read(|c| {
        let not_found = || PlatformError::NotFound(format!("disputes {id}"));
        let record = fetch(c, &DISPUTES, &idv)?.ok_or_else(not_found)?;
        if !allowed(
            user,
            Action::Read,
            DISPUTES.name,
            &scope_of(&DISPUTES, &record.fields),
        ) {
            return Err(not_found());
        }
        let rounds = parts_of(c, user, &DISPUTE_ROUNDS, &idv)?;
        let escalations = parts_of(c, user, &DISPUTE_ESCALATIONS, &idv)?;
        let changes = c.query(
            &format!(
                "SELECT id, at, actor, action, before_json, after_json FROM audit_log \
                 WHERE entity = ? AND record_id = ? ORDER BY id LIMIT {MAX_TIMELINE_ROWS}"
            ),
            &[DISPUTES.name.into(), record.id_text().into()],
        )?;
        let changes: Vec<HistoryEntry> = changes
            .iter()
            .map(service::history_entry)
            .collect::<Result<_, _>>()?;
        let timeline = timeline(&rounds, &escalations, changes);
        Ok(Case {
            record,
            rounds,
            escalations,
            timeline,
        })
    })
}

/// The day a change of the case belongs on the timeline: the day raised for its creation,
/// the day closed for its closing (the days they happened, which may be before they were
/// recorded), else the day it was recorded; and its place among the entries of one day.
fn change_day(entry: &HistoryEntry) -> (String, u8) {
    let after = |k: &str| {
        entry
            .after
            .as_ref()
            .and_then(|a| a.get(k))
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    let recorded = entry.at.get(..10).unwrap_or("").to_string();
    match entry.action.as_str() {
        "create" => (after("raised_on").unwrap_or(recorded), 0),
        "close" => (after("closed_on").unwrap_or(recorded), 4),
        _ => (recorded, 3),
    }
}

/// Merges the three histories by day, stably (see [`Case::timeline`]).
fn timeline(
    rounds: &[Record],
    escalations: &[Record],
    changes: Vec<HistoryEntry>,
) -> Vec<TimelineEntry> {
    let day = |r: &Record, f: &str| r.text(f).unwrap_or("").to_string();
    let mut out: Vec<(u8, TimelineEntry)> = Vec::new();
    // An escalation's own record says what its audit row on the case says, and when it
    // happened: the record stands for both.
    for entry in changes.into_iter().filter(|e| e.action != "escalate") {
        let (date, rank) = change_day(&entry);
        let happening = Happening::Change { entry };
        out.push((rank, TimelineEntry { date, happening }));
    }
    for r in escalations {
        let record = r.fields.clone();
        let date = day(r, "escalated_on");
        let happening = Happening::Escalation { record };
        out.push((1, TimelineEntry { date, happening }));
    }
    for r in rounds {
        let record = r.fields.clone();
        let date = day(r, "held_on");
        out.push((
            2,
            TimelineEntry {
                date,
                happening: Happening::Round { record },
            },
        ));
    }
    out.sort_by(|a, b| (a.1.date.as_str(), a.0).cmp(&(b.1.date.as_str(), b.0)));
    out.into_iter().map(|(_, e)| e).collect()
}

/// An open case past its current level's deadline.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct OverdueCase {
    pub id: i64,
    pub pair_id: String,
    pub park_id: Option<i64>,
    pub title: String,
    pub level: String,
    pub deadline: String,
    /// Days since the deadline passed.
    pub days_over: i64,
}

/// The open cases `user` may read whose deadline has passed.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Overdue {
    /// The day they are judged against (UTC).
    pub as_of: String,
    /// How many there are (exact).
    pub count: i64,
    /// The longest overdue first, at most [`MAX_OVERDUE_LISTED`].
    pub cases: Vec<OverdueCase>,
}

fn overdue_case(r: &Row) -> Result<OverdueCase, DbError> {
    let deadline = r.text("level_deadline")?.to_string();
    let days_over = clock::parse_date(&deadline).map_or(0, |d| today_days() - d);
    Ok(OverdueCase {
        id: r.int("id")?,
        pair_id: r.text("pair_id")?.to_string(),
        park_id: r.opt_int("park_id")?,
        title: r.text("title")?.to_string(),
        level: r.text("current_level")?.to_string(),
        deadline,
        days_over,
    })
}

/// The overdue reminders of the dashboard: open cases whose current level's deadline is
/// before today (a deadline is met on its day), as far as `user` may read them.
pub fn overdue(db: &Db, user: &User) -> Result<Overdue, DbError> {
    let as_of = clock::today();
    let mut clause = "status = 'open' AND level_deadline < ?".to_string();
    let mut params: Vec<Value> = vec![as_of.clone().into()];
    if let Some((filter, p)) = read_filter(user, DISPUTES.name) {
        clause.push_str(&format!(" AND ({filter})"));
        params.extend(p);
    }
    db.read(|c| {
        let count = c.query_i64(
            &format!("SELECT CAST(COUNT(*) AS BIGINT) FROM disputes WHERE {clause}"),
            &params,
        )?;
        let rows = c.query(
            &format!(
                "SELECT id, pair_id, park_id, title, current_level, level_deadline FROM disputes \
                 WHERE {clause} ORDER BY level_deadline, id LIMIT {MAX_OVERDUE_LISTED}"
            ),
            &params,
        )?;
        let cases = rows.iter().map(overdue_case).collect::<Result<_, _>>()?;
        Ok(Overdue {
            as_of: as_of.clone(),
            count,
            cases,
        })
    })
}

fn state(status: &str) -> DisputeState {
    match status {
        "settled" => DisputeState::Settled,
        "agreement_amended" => DisputeState::AgreementAmended,
        "compensation" => DisputeState::Compensation,
        "withdrawn" => DisputeState::Withdrawn,
        _ => DisputeState::Open,
    }
}

fn advice_record(r: &Row, today: &str) -> Result<DisputeRecord, DbError> {
    let status = r.text("status")?;
    let deadline = r.text("level_deadline")?;
    Ok(DisputeRecord {
        pair: r.text("pair_id")?.to_string(),
        source: format!("tandem platform, dispute #{}", r.int("id")?),
        title: r.text("title")?.to_string(),
        raised_on: PartialDate::parse(r.text("raised_on")?),
        level: r.text("current_level")?.to_string(),
        overdue: status == "open" && deadline < today,
        state: state(status),
        // Fen to yuan for the advisor's weighing; the exact amount stays in the record.
        amount_yuan: r.opt_int("amount_at_stake_fen")?.map(|f| f as f64 / 100.0),
    })
}

/// The dispute cases `user` may read, as the advisor's evidence (at most
/// [`MAX_ADVICE_RECORDS`], the most recently raised first).
pub fn advice_records(db: &Db, user: &User) -> Result<Vec<DisputeRecord>, DbError> {
    let mut sql = "SELECT id, pair_id, title, raised_on, current_level, level_deadline, status, \
                   amount_at_stake_fen FROM disputes"
        .to_string();
    let mut params = Vec::new();
    if let Some((filter, p)) = read_filter(user, DISPUTES.name) {
        sql.push_str(&format!(" WHERE {filter}"));
        params.extend(p);
    }
    sql.push_str(&format!(
        " ORDER BY raised_on DESC, id DESC LIMIT {MAX_ADVICE_RECORDS}"
    ));
    let today = clock::today();
    db.read(|c| {
        c.query(&sql, &params)?
            .iter()
            .map(|r| advice_record(r, &today))
            .collect()
    })
}
