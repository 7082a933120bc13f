//! The barrier register (issue #17, part 2): the rules that differ between the helper and the
//! helped side, in six fields, shared by the pairs they affect.
//!
//! Barriers are ordinary records ([`crate::entity::BARRIERS`]: created, edited, versioned,
//! audited and exchanged as XLSX by the generic machinery, checked by
//! [`crate::barrier_rules`]). This module reads them as a register: each barrier with its
//! age, the counts and ages per field for the dashboard ([`summary`]), and the advisor's
//! records ([`advice_records`]).
//!
//! Who reads what is the read policy's ([`crate::auth::barriers_read_filter`]): the staff
//! and researchers everything, an officer the barriers listing its pair, a park operator those
//! listing its park's pair (looked up here, the one thing the record alone cannot say),
//! enterprises none.
//!
//! Ages are whole days from `registered_on` to the platform's today ([`crate::clock::today`],
//! UTC). A barrier is open while `open` or `in_progress`; past its deadline when open and its
//! deadline is before today. Missing is not zero: open barriers without a deadline are
//! counted apart, and a field without open barriers has no oldest or median age (not 0).

use crate::auth::{barriers_read_filter, Role, User};
use crate::barrier_rules::CLOSED;
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::entity::BARRIER_FIELDS;
use crate::lists::list_items;
use tandem_core::advisor::BarrierRecord;

/// The most barriers the register page lists (the summary counts all of them).
pub const MAX_LISTED: usize = 2000;

/// One barrier as the register shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Barrier {
    pub id: i64,
    pub title: String,
    pub field: String,
    pub affected_pairs: Vec<String>,
    pub helper_rule_document: String,
    pub helper_rule_article: Option<String>,
    pub helper_rule_link: Option<String>,
    pub helped_rule_document: String,
    pub helped_rule_article: Option<String>,
    pub helped_rule_link: Option<String>,
    pub effect: String,
    pub alignment: String,
    pub alignment_note: Option<String>,
    pub owner: String,
    pub deadline: Option<String>,
    pub status: String,
    pub evidence: Option<String>,
    pub evidence_document: Option<String>,
    pub evidence_link: Option<String>,
    pub registered_on: String,
    pub closed_on: Option<String>,
    /// Whole days since registration as of the platform's today; `None` if the date is
    /// unreadable.
    pub age_days: Option<i64>,
    /// Open with a deadline before today.
    pub past_deadline: bool,
}

impl Barrier {
    /// Whether it is still to be solved (`open` or `in_progress`).
    pub fn is_open(&self) -> bool {
        !CLOSED.contains(&self.status.as_str())
    }
}

const COLUMNS: &str = "id, title, field, affected_pairs, helper_rule_document, \
    helper_rule_article, helper_rule_link, helped_rule_document, helped_rule_article, \
    helped_rule_link, effect, alignment, alignment_note, owner, deadline, status, evidence, \
    evidence_document, evidence_link, registered_on, closed_on";

/// A row of [`COLUMNS`] as a barrier, by column name, aged as of day `today`.
fn from_row(r: &Row, today: i64) -> Result<Barrier, DbError> {
    let opt = |k: &str| -> Result<Option<String>, DbError> {
        Ok(r.opt_text(k)?.map(str::to_string).filter(|s| !s.is_empty()))
    };
    let status = r.text("status")?.to_string();
    let registered_on = r.text("registered_on")?.to_string();
    let deadline = opt("deadline")?;
    let open = !CLOSED.contains(&status.as_str());
    let past_deadline = open
        && deadline
            .as_deref()
            .and_then(clock::parse_date)
            .is_some_and(|d| d < today);
    Ok(Barrier {
        id: r.int("id")?,
        title: r.text("title")?.to_string(),
        field: r.text("field")?.to_string(),
        affected_pairs: list_items(Some(&serde_json::Value::String(
            r.text("affected_pairs")?.to_string(),
        ))),
        helper_rule_document: r.text("helper_rule_document")?.to_string(),
        helper_rule_article: opt("helper_rule_article")?,
        helper_rule_link: opt("helper_rule_link")?,
        helped_rule_document: r.text("helped_rule_document")?.to_string(),
        helped_rule_article: opt("helped_rule_article")?,
        helped_rule_link: opt("helped_rule_link")?,
        effect: r.text("effect")?.to_string(),
        alignment: r.text("alignment")?.to_string(),
        alignment_note: opt("alignment_note")?,
        owner: r.text("owner")?.to_string(),
        deadline,
        status,
        evidence: opt("evidence")?,
        evidence_document: opt("evidence_document")?,
        evidence_link: opt("evidence_link")?,
        age_days: clock::parse_date(&registered_on).map(|d| today - d),
        registered_on,
        closed_on: opt("closed_on")?,
        past_deadline,
    })
}

/// The read condition on `barriers` for `user`: the policy's, with a park operator's park's
/// pair looked up (a park without a pair, or gone, reads none).
fn read_condition(c: &mut dyn Conn, user: &User) -> Result<Option<(String, Vec<Value>)>, DbError> {
    let park_pair = match &user.role {
        Role::ParkOperator { park_id } => c
            .query_one(
                "SELECT pair_id FROM parks WHERE id = ?",
                &[Value::Int(*park_id)],
            )?
            .map(|r| r.opt_text("pair_id").map(|p| p.map(str::to_string)))
            .transpose()?
            .flatten(),
        _ => None,
    };
    Ok(barriers_read_filter(user, park_pair.as_deref()))
}

/// Every barrier `user` may read, by field, then oldest first; with whether the read was
/// limited by the policy. At most `limit` rows.
fn visible(
    c: &mut dyn Conn,
    user: &User,
    limit: Option<usize>,
) -> Result<(Vec<Barrier>, bool), DbError> {
    let today = clock::parse_date(&clock::today()).unwrap_or(0);
    let filter = read_condition(c, user)?;
    let restricted = filter.is_some();
    let (where_sql, mut params) = match filter {
        Some((sql, p)) => (format!(" WHERE {sql}"), p),
        None => (String::new(), Vec::new()),
    };
    let limit_sql = match limit {
        Some(n) => {
            params.push(Value::Int(n as i64));
            " LIMIT ?"
        }
        None => "",
    };
    let rows = c.query(
        &format!(
            "SELECT {COLUMNS} FROM barriers{where_sql} ORDER BY field, registered_on, id{limit_sql}"
        ),
        &params,
    )?;
    let barriers = rows
        .iter()
        .map(|r| from_row(r, today))
        .collect::<Result<_, _>>()?;
    Ok((barriers, restricted))
}

/// The register: the barriers `user` may read (at most [`MAX_LISTED`]), grouped by field in
/// the order of [`BARRIER_FIELDS`], oldest first.
pub fn register(db: &Db, user: &User) -> Result<Vec<Barrier>, DbError> {
    db.read(|c| visible(c, user, Some(MAX_LISTED)).map(|(b, _)| b))
}

/// One field's counts and ages.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct FieldSummary {
    pub field: String,
    /// Open or in progress.
    pub open: i64,
    pub aligned: i64,
    pub dropped: i64,
    /// Age in days of the oldest open barrier; `None` without open barriers.
    pub oldest_open_days: Option<i64>,
    /// Median age in days of the open barriers (the mean of the middle two for an even
    /// count); `None` without open barriers.
    pub median_open_days: Option<f64>,
    /// Open barriers whose deadline is before today.
    pub past_deadline: i64,
    /// Open barriers without a deadline (not counted as on time or late).
    pub open_without_deadline: i64,
}

/// The register's counts and ages by field, as of `as_of`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// The platform's today (UTC) the ages and deadlines are judged against.
    pub as_of: String,
    /// One entry per field, in the order of [`BARRIER_FIELDS`], fields without barriers
    /// included.
    pub fields: Vec<FieldSummary>,
    /// Whether the figures cover only the barriers the user may read.
    pub restricted: bool,
}

/// The median of `ages`; `None` when empty.
fn median(ages: &mut [i64]) -> Option<f64> {
    ages.sort_unstable();
    let n = ages.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(ages[n / 2] as f64),
        _ => Some((ages[n / 2 - 1] + ages[n / 2]) as f64 / 2.0),
    }
}

/// The counts and ages of `barriers` by field (pure: the ages are already computed).
pub fn summarize(barriers: &[Barrier]) -> Vec<FieldSummary> {
    BARRIER_FIELDS
        .iter()
        .map(|field| {
            let of_field = || barriers.iter().filter(|b| b.field == *field);
            let open: Vec<&Barrier> = of_field().filter(|b| b.is_open()).collect();
            let mut ages: Vec<i64> = open.iter().filter_map(|b| b.age_days).collect();
            FieldSummary {
                field: field.to_string(),
                open: open.len() as i64,
                aligned: of_field().filter(|b| b.status == "aligned").count() as i64,
                dropped: of_field().filter(|b| b.status == "dropped").count() as i64,
                oldest_open_days: ages.iter().copied().max(),
                median_open_days: median(&mut ages),
                past_deadline: open.iter().filter(|b| b.past_deadline).count() as i64,
                open_without_deadline: open.iter().filter(|b| b.deadline.is_none()).count() as i64,
            }
        })
        .collect()
}

/// The counts and ages by field of every barrier `user` may read.
pub fn summary(db: &Db, user: &User) -> Result<Summary, DbError> {
    let (barriers, restricted) = db.read(|c| visible(c, user, None))?;
    Ok(Summary {
        as_of: clock::today(),
        fields: summarize(&barriers),
        restricted,
    })
}

/// The barriers `user` may read as the advisor's records: each with the pairs it affects,
/// where to read it, its field, proposed alignment, whether it is resolved (aligned or
/// dropped) and its age.
pub fn advice_records(db: &Db, user: &User) -> Result<Vec<BarrierRecord>, DbError> {
    let (barriers, _) = db.read(|c| visible(c, user, None))?;
    Ok(barriers
        .into_iter()
        .map(|b| BarrierRecord {
            source: format!("tandem platform, barrier #{}", b.id),
            resolved: !b.is_open(),
            pairs: b.affected_pairs,
            title: b.title,
            field: b.field,
            alignment: b.alignment,
            age_days: b.age_days,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn barrier(field: &str, status: &str, age: Option<i64>, past: bool, dl: bool) -> Barrier {
        Barrier {
            id: 1,
            title: "t".into(),
            field: field.into(),
            affected_pairs: vec!["p".into()],
            helper_rule_document: "a".into(),
            helper_rule_article: None,
            helper_rule_link: None,
            helped_rule_document: "b".into(),
            helped_rule_article: None,
            helped_rule_link: None,
            effect: "e".into(),
            alignment: "joint_window".into(),
            alignment_note: None,
            owner: "o".into(),
            deadline: dl.then(|| "2026-01-01".into()),
            status: status.into(),
            evidence: None,
            evidence_document: None,
            evidence_link: None,
            registered_on: "2025-01-01".into(),
            closed_on: None,
            age_days: age,
            past_deadline: past,
        }
    }

    #[test]
    fn counts_and_ages_by_field() {
        let bs = [
            barrier("talent", "open", Some(10), true, true),
            barrier("talent", "in_progress", Some(30), false, false),
            barrier("talent", "open", Some(20), false, true),
            barrier("talent", "open", Some(40), false, true),
            barrier("talent", "aligned", Some(400), false, true),
            barrier("standards", "dropped", Some(5), false, false),
        ];
        let s = summarize(&bs);
        assert_eq!(s.len(), 6);
        let talent = s.iter().find(|f| f.field == "talent").unwrap();
        assert_eq!((talent.open, talent.aligned, talent.dropped), (4, 1, 0));
        assert_eq!(talent.oldest_open_days, Some(40));
        assert_eq!(talent.median_open_days, Some(25.0));
        assert_eq!((talent.past_deadline, talent.open_without_deadline), (1, 1));
        let standards = s.iter().find(|f| f.field == "standards").unwrap();
        assert_eq!((standards.open, standards.dropped), (0, 1));
        // No open barrier: no age, not zero.
        assert_eq!(standards.oldest_open_days, None);
        assert_eq!(standards.median_open_days, None);
        assert_eq!(median(&mut [3, 1, 2]), Some(2.0));
    }
}
