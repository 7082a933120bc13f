//! The dispute records' codes, deadlines and own checks (issue #17, part 1), called through
//! their descriptors ([`crate::entity::Rules::check`]). Apart from the workflow in
//! [`crate::disputes`] so that the descriptors can name them without the record service and
//! the workflow depending on each other.
//!
//! The rules, checked on every create and update whoever makes it:
//!
//! * a case's park, if it names one, belongs to the case's pair;
//! * the record a case is about (`subject_id`: the id of the project, task or park, or the
//!   ledger row of the agreement version) exists in the case's pair (and park, when both name
//!   one); a settlement is named in the title and description, not by id. A record of
//!   another pair is refused with the same words as a missing one, so a case cannot probe
//!   what exists elsewhere;
//! * a case is not raised in the future, nor after its first round or escalation; until it
//!   is first escalated it is at the park level when it names a park, else at the pair's
//!   joint meeting, with that level's default deadline counted from the day it was raised
//!   ([`default_days`]), so correcting the day or the park keeps them consistent;
//! * a consultation round belongs to a case and carries its pair and park; it is held on or
//!   after the day the case was raised and not in the future, at a level the case has
//!   reached (never the park level for a case that names no park); a closed case takes no
//!   more rounds and its rounds are no longer changed.

use crate::clock;
use crate::db::{Conn, Value};
use crate::error::{FieldError, PlatformError};
use serde_json::{Map, Value as Json};

/// The escalation levels, lowest first: the park, the pair's joint meeting, provincial
/// coordination.
pub const LEVELS: &[&str] = &["park", "joint_meeting", "provincial"];

/// Where a case stands: open, or closed with one of the outcomes.
pub const STATUSES: &[&str] = &[
    "open",
    "settled",
    "agreement_amended",
    "compensation",
    "withdrawn",
];

/// The outcomes a case is closed with ([`STATUSES`] but `open`).
pub const OUTCOMES: &[&str] = &["settled", "agreement_amended", "compensation", "withdrawn"];

/// What a case is about.
pub const SUBJECT_KINDS: &[&str] = &["agreement", "park", "project", "settlement", "task"];

/// The days a level has by default to settle a case, counted from the day the case reached
/// it: 30 at the park, 60 at the joint meeting, 90 at provincial coordination (the rhythm of
/// the monthly park meetings, the pairs' bi-monthly joint meetings and the provinces'
/// quarterly coordination).
pub fn default_days(level: &str) -> i64 {
    match level {
        "park" => 30,
        "joint_meeting" => 60,
        _ => 90,
    }
}

/// The level above `level`, if any.
pub fn next_level(level: &str) -> Option<&'static str> {
    let at = LEVELS.iter().position(|l| *l == level)?;
    LEVELS.get(at + 1).copied()
}

/// The date `days` after the date `from` (`YYYY-MM-DD`), if `from` is a date.
pub fn date_after(from: &str, days: i64) -> Option<String> {
    let d = clock::parse_date(from)? + days;
    let (y, m, dd) = clock::civil_from_days(d);
    Some(format!("{y:04}-{m:02}-{dd:02}"))
}

/// Today as a day number (the platform clock, UTC).
pub fn today_days() -> i64 {
    clock::parse_date(&clock::today()).unwrap_or(i64::MAX)
}

pub(crate) fn invalid(field: &str, rule: &'static str, en: String, zh: String) -> PlatformError {
    PlatformError::Invalid(vec![FieldError::new(field, rule, en, zh)])
}

/// A date of the record not after today (a day of slack for time zones).
fn not_in_future(field: &str, (en, zh): (&str, &str), date: &str) -> Result<(), PlatformError> {
    match clock::parse_date(date) {
        Some(d) if d > today_days() + 1 => Err(invalid(
            field,
            "in_future",
            format!("{en} cannot be after today"),
            format!("{zh}不能晚于今天"),
        )),
        _ => Ok(()),
    }
}

/// The pair and park of the record a case is about: (pair, park), or `None` when there is no
/// such record.
fn subject_scope(
    c: &mut dyn Conn,
    kind: &str,
    id: i64,
) -> Result<Option<(String, Option<i64>)>, PlatformError> {
    let sql = match kind {
        "agreement" => {
            "SELECT p.pair_id AS pair_id, a.park_id AS park_id FROM agreements a \
             JOIN parks p ON p.id = a.park_id WHERE a.id = ?"
        }
        "park" => "SELECT pair_id, id AS park_id FROM parks WHERE id = ?",
        "project" => "SELECT pair_id, park_id FROM projects WHERE id = ?",
        "task" => "SELECT pair_id, CAST(NULL AS BIGINT) AS park_id FROM tasks WHERE id = ?",
        _ => return Ok(None),
    };
    let Some(row) = c.query_one(sql, &[Value::Int(id)])? else {
        return Ok(None);
    };
    let Some(pair) = row.opt_text("pair_id")?.map(str::to_string) else {
        return Ok(None);
    };
    Ok(Some((pair, row.opt_int("park_id")?)))
}

/// A case's park is in its pair.
fn check_case_park(c: &mut dyn Conn, fields: &Map<String, Json>) -> Result<(), PlatformError> {
    let Some(park) = fields.get("park_id").and_then(Json::as_i64) else {
        return Ok(());
    };
    let pair = fields.get("pair_id").and_then(Json::as_str).unwrap_or("");
    let found = c
        .query_one(
            "SELECT pair_id FROM parks WHERE id = ?",
            &[Value::Int(park)],
        )?
        .and_then(|r| r[0].as_str().map(str::to_string));
    match found {
        Some(p) if p != pair => Err(invalid(
            "park_id",
            "mismatch",
            format!("park {park} belongs to pair {p}, not to the case's pair {pair}"),
            format!("园区 {park} 属于结对 {p}，不属于本案的结对 {pair}"),
        )),
        _ => Ok(()),
    }
}

/// The record a case is about exists in the case's pair (and park).
fn check_subject(c: &mut dyn Conn, fields: &Map<String, Json>) -> Result<(), PlatformError> {
    let kind = fields
        .get("subject_kind")
        .and_then(Json::as_str)
        .unwrap_or("");
    let Some(id) = fields.get("subject_id").and_then(Json::as_i64) else {
        return Ok(());
    };
    if kind == "settlement" {
        return Err(invalid(
            "subject_id",
            "not_allowed",
            "a settlement has no record id here: name its park and period in the title".into(),
            "结算没有记录编号：请在标题中写明园区和结算期".into(),
        ));
    }
    let pair = fields.get("pair_id").and_then(Json::as_str).unwrap_or("");
    let park = fields.get("park_id").and_then(Json::as_i64);
    let fits = match subject_scope(c, kind, id)? {
        Some((p, subject_park)) => {
            p == pair && (park.is_none() || subject_park.is_none() || park == subject_park)
        }
        None => false,
    };
    if fits {
        Ok(())
    } else {
        // The same words for a missing record and another pair's: nothing is revealed.
        Err(invalid(
            "subject_id",
            "not_found",
            format!("there is no {kind} {id} in the case's pair and park"),
            format!("本案的结对和园区中没有编号为 {id} 的{kind}"),
        ))
    }
}

/// Whether the stored case `fields` describes (none when new) has been escalated, and the
/// day of its first round or escalation, if any.
fn case_history(
    c: &mut dyn Conn,
    fields: &Map<String, Json>,
) -> Result<(bool, Option<String>), PlatformError> {
    let Some(id) = fields.get("id").and_then(Json::as_i64) else {
        return Ok((false, None));
    };
    let row = c.query_one(
        "SELECT (SELECT MIN(escalated_on) FROM dispute_escalations WHERE dispute_id = ?)          AS escalated, (SELECT MIN(held_on) FROM dispute_rounds WHERE dispute_id = ?) AS held",
        &[Value::Int(id), Value::Int(id)],
    )?;
    let Some(r) = row else {
        return Ok((false, None));
    };
    let escalated = r.opt_text("escalated")?.map(str::to_string);
    let held = r.opt_text("held")?.map(str::to_string);
    let first = match (&escalated, &held) {
        (Some(a), Some(b)) => Some(a.min(b).clone()),
        (a, b) => a.clone().or_else(|| b.clone()),
    };
    Ok((escalated.is_some(), first))
}

/// [`crate::entity::DISPUTES`]' check: park, subject, the day raised (not in the future, not
/// after the case's first round or escalation), and the starting level and its deadline
/// (derived: until the first escalation they follow the park and the day raised; from then
/// on only the workflow changes them).
pub fn check_dispute(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    check_case_park(c, fields)?;
    check_subject(c, fields)?;
    let raised = fields
        .get("raised_on")
        .and_then(Json::as_str)
        .unwrap_or("")
        .to_string();
    not_in_future("raised_on", ("The day raised", "提出日期"), &raised)?;
    let (escalated, first) = case_history(c, fields)?;
    if let Some(first) = first.filter(|f| f.as_str() < raised.as_str()) {
        return Err(invalid(
            "raised_on",
            "after_history",
            format!("the case has a round or escalation on {first}, before that day"),
            format!("案件在 {first} 已有协商或升级记录，提出日期不能晚于该日"),
        ));
    }
    if !escalated {
        let start = if fields.get("park_id").is_some_and(|p| !p.is_null()) {
            "park"
        } else {
            "joint_meeting"
        };
        let deadline = date_after(&raised, default_days(start));
        fields.insert("current_level".into(), Json::from(start));
        fields.insert(
            "level_deadline".into(),
            deadline.map(Json::String).unwrap_or(Json::Null),
        );
    }
    Ok(())
}

/// The facts of a case a round is checked against.
struct CaseFacts {
    pair_id: String,
    park_id: Option<i64>,
    status: String,
    raised_on: String,
    current_level: String,
}

fn case_facts(c: &mut dyn Conn, id: i64) -> Result<Option<CaseFacts>, PlatformError> {
    let Some(r) = c.query_one(
        "SELECT pair_id, park_id, status, raised_on, current_level FROM disputes WHERE id = ?",
        &[Value::Int(id)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(CaseFacts {
        pair_id: r.text("pair_id")?.to_string(),
        park_id: r.opt_int("park_id")?,
        status: r.text("status")?.to_string(),
        raised_on: r.text("raised_on")?.to_string(),
        current_level: r.text("current_level")?.to_string(),
    }))
}

/// [`crate::entity::DISPUTE_ROUNDS`]' check: the round's pair and park are its case's
/// (derived), the case is open, the round is dated within the case and at a level reached.
pub fn check_dispute_round(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let Some(case) = fields.get("dispute_id").and_then(Json::as_i64) else {
        return Ok(());
    };
    let Some(facts) = case_facts(c, case)? else {
        return Ok(());
    };
    fields.insert("pair_id".into(), Json::from(facts.pair_id.clone()));
    fields.insert(
        "park_id".into(),
        facts.park_id.map(Json::from).unwrap_or(Json::Null),
    );
    if facts.status != "open" {
        return Err(invalid(
            "dispute_id",
            "closed",
            format!(
                "case {case} is closed ({}): its rounds are final",
                facts.status
            ),
            format!("案件 {case} 已结案：协商记录不再变更"),
        ));
    }
    let held = fields.get("held_on").and_then(Json::as_str).unwrap_or("");
    not_in_future("held_on", ("The day held", "协商日期"), held)?;
    if clock::parse_date(held) < clock::parse_date(&facts.raised_on) {
        return Err(invalid(
            "held_on",
            "before_raised",
            format!(
                "the round is dated before the case was raised ({})",
                facts.raised_on
            ),
            format!("协商日期早于提出日期（{}）", facts.raised_on),
        ));
    }
    let level = fields.get("level").and_then(Json::as_str).unwrap_or("");
    if level == "park" && facts.park_id.is_none() {
        return Err(invalid(
            "level",
            "no_park",
            "the case names no park: it has no park level".into(),
            "案件未涉及园区，没有园区层级".into(),
        ));
    }
    let at = |l: &str| LEVELS.iter().position(|x| *x == l);
    if at(level) > at(&facts.current_level) {
        return Err(invalid(
            "level",
            "not_reached",
            format!(
                "the case has not reached {level}; it is at {}",
                facts.current_level
            ),
            format!("案件尚未升级到该层级（当前为 {}）", facts.current_level),
        ));
    }
    Ok(())
}
