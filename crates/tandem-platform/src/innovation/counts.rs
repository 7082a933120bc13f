//! What each pair's innovation cooperation has achieved, and its matches as the advisor's
//! input, both through the read policy.
//!
//! Counts are given only for the pairs whose patents, licences and projects the user may read
//! (every pair for the staff and researchers, their own for officers, none for park operators
//! and enterprises): a pair left out is unknown to the user, not a pair with nothing.

use super::{explanation_of, TechExplanation};
use crate::auth::{allowed, read_filter, Action, Scope, User};
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::entity::innovation::{MILESTONES, TECH_MATCHES};
use crate::service::Record;
use serde::Serialize;
use std::collections::BTreeMap;
use tandem_core::advisor::InnovationMatchRecord;

/// One pair's counts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairCounts {
    /// The pair.
    pub pair_id: String,
    /// Patents recorded (`ip_records` of kind `patent`).
    pub patents: i64,
    /// Licences recorded (`ip_records` of kind `licence`).
    pub licences: i64,
    /// Technology matches stored, when the user may read the pair's matches (its officers
    /// and the staff); `None` for the others (researchers read no individual need or match).
    pub matches: Option<i64>,
    /// Cooperation projects in all.
    pub projects: i64,
    /// Projects by the furthest milestone reached: `none` (no milestone recorded yet), then
    /// each of [`MILESTONES`], every key present.
    pub by_milestone: BTreeMap<String, i64>,
}

/// `(filter, params)` of `entity` for `user` as SQL (`1 = 1` when unrestricted).
fn filter(user: &User, entity: &str) -> (String, Vec<Value>) {
    read_filter(user, entity).unwrap_or(("1 = 1".into(), Vec::new()))
}

/// The pairs whose innovation records the user may read, in id order.
fn readable_pairs(c: &mut dyn Conn, user: &User) -> Result<Vec<String>, DbError> {
    let rows = c.query("SELECT id FROM pairs ORDER BY id", &[])?;
    let mut out = Vec::new();
    for r in &rows {
        let pair = r.text("id")?.to_string();
        let scope = Scope {
            pair_id: Some(pair.clone()),
            ..Scope::default()
        };
        if ["ip_records", "innovation_projects", "innovation_milestones"]
            .iter()
            .all(|e| allowed(user, Action::Read, e, &scope))
        {
            out.push(pair);
        }
    }
    Ok(out)
}

/// `CASE` giving a milestone's position (1 = the first of [`MILESTONES`]).
fn milestone_rank_sql() -> String {
    let arms: String = MILESTONES
        .iter()
        .enumerate()
        .map(|(k, m)| format!(" WHEN '{m}' THEN {}", k + 1))
        .collect();
    format!("CAST(COALESCE(MAX(CASE m.milestone{arms} ELSE 0 END), 0) AS BIGINT)")
}

/// Per pair: patents, licences and projects by the furthest milestone reached, for the pairs
/// the user may read (see the module's note).
pub fn counts(db: &Db, user: &User) -> Result<Vec<PairCounts>, DbError> {
    db.read(|c| {
        let pairs = readable_pairs(c, user)?;
        let mut out: BTreeMap<String, PairCounts> = pairs
            .into_iter()
            .map(|p| {
                let mut by = BTreeMap::from([("none".to_string(), 0)]);
                by.extend(MILESTONES.iter().map(|m| (m.to_string(), 0)));
                let counts = PairCounts {
                    pair_id: p.clone(),
                    patents: 0,
                    licences: 0,
                    matches: None,
                    projects: 0,
                    by_milestone: by,
                };
                (p, counts)
            })
            .collect();
        let (f, params) = filter(user, "ip_records");
        let ip = c.query(
            &format!(
                "SELECT pair_id, kind, COUNT(*) AS n FROM ip_records WHERE {f} \
                 GROUP BY pair_id, kind"
            ),
            &params,
        )?;
        for r in &ip {
            if let Some(p) = out.get_mut(r.text("pair_id")?) {
                match r.text("kind")? {
                    "patent" => p.patents += r.int("n")?,
                    "licence" => p.licences += r.int("n")?,
                    _ => {}
                }
            }
        }
        count_matches(c, user, &mut out)?;
        for r in &project_stages(c, user)? {
            if let Some(p) = out.get_mut(r.text("pair_id")?) {
                let reached = r.int("reached")?;
                let key = match usize::try_from(reached - 1)
                    .ok()
                    .and_then(|k| MILESTONES.get(k))
                {
                    Some(m) => m.to_string(),
                    None => "none".to_string(),
                };
                p.projects += 1;
                *p.by_milestone.entry(key).or_insert(0) += 1;
            }
        }
        Ok(out.into_values().collect())
    })
}

/// Fills in the matches of the pairs whose matches the user may read.
fn count_matches(
    c: &mut dyn Conn,
    user: &User,
    out: &mut BTreeMap<String, PairCounts>,
) -> Result<(), DbError> {
    for (pair, counts) in out.iter_mut() {
        let scope = Scope {
            pair_id: Some(pair.clone()),
            ..Scope::default()
        };
        if allowed(user, Action::Read, TECH_MATCHES.name, &scope) {
            counts.matches = Some(0);
        }
    }
    let (f, params) = filter(user, TECH_MATCHES.name);
    let rows = c.query(
        &format!("SELECT pair_id, COUNT(*) AS n FROM tech_matches WHERE {f} GROUP BY pair_id"),
        &params,
    )?;
    for r in &rows {
        let pair = r.opt_text("pair_id")?.unwrap_or_default();
        if let Some(n) = out.get_mut(pair).and_then(|p| p.matches.as_mut()) {
            *n += r.int("n")?;
        }
    }
    Ok(())
}

/// Each readable project's pair and the position of its furthest readable milestone.
fn project_stages(c: &mut dyn Conn, user: &User) -> Result<Vec<Row>, DbError> {
    let (fp, mut params) = filter(user, "innovation_projects");
    let (fm, pm) = filter(user, "innovation_milestones");
    // The milestone filter sits in the join, so it comes first among the parameters.
    let mut all = pm;
    all.append(&mut params);
    c.query(
        &format!(
            "SELECT p.id AS id, p.pair_id AS pair_id, {} AS reached \
             FROM innovation_projects p LEFT JOIN innovation_milestones m \
             ON m.project_id = p.id AND m.id IN (SELECT id FROM innovation_milestones WHERE {fm}) \
             WHERE p.id IN (SELECT id FROM innovation_projects WHERE {fp}) \
             GROUP BY p.id, p.pair_id",
            milestone_rank_sql()
        ),
        &all,
    )
}

/// The most technology matches the advisor reads per request.
pub const MAX_ADVICE_RECORDS: i64 = 5000;

/// The technology matches the user may read, as the advisor's records (issue #17): the need's
/// and capability's titles, the institute, the stored score and explanation, and whether a
/// project was started (its status is `project`, or a project names it). Declined matches are
/// left out: they recommend nothing. At most [`MAX_ADVICE_RECORDS`], the best-scored first
/// (the advisor names a pair's best three).
pub fn advice_records(db: &Db, user: &User) -> Result<Vec<InnovationMatchRecord>, DbError> {
    db.read(|c| {
        let (f, params) = filter(user, TECH_MATCHES.name);
        let rows = c.query(
            &format!(
                "SELECT m.id AS id, m.pair_id AS pair_id, m.score AS score, \
                 m.explanation AS explanation, m.status AS status, n.title AS need, \
                 t.title AS capability, i.name AS institute, \
                 (SELECT COUNT(*) FROM innovation_projects p WHERE p.match_id = m.id) AS projects \
                 FROM tech_matches m JOIN tech_needs n ON n.id = m.need_id \
                 JOIN tech_capabilities t ON t.id = m.capability_id \
                 JOIN institutes i ON i.id = t.institute_id \
                 WHERE m.id IN (SELECT id FROM tech_matches WHERE {f}) \
                 AND m.status <> 'declined' ORDER BY m.score DESC, m.id LIMIT {MAX_ADVICE_RECORDS}"
            ),
            &params,
        )?;
        rows.iter().map(advice_record).collect()
    })
}

/// One row of [`advice_records`]' query as the advisor's record.
fn advice_record(r: &Row) -> Result<InnovationMatchRecord, DbError> {
    let id = r.int("id")?;
    let stored = Record {
        fields: serde_json::Map::from_iter([(
            "explanation".to_string(),
            serde_json::Value::from(r.text("explanation")?),
        )]),
        version: 0,
    };
    let explanation = explanation_of(&stored)
        .as_ref()
        .map(TechExplanation::summary)
        .unwrap_or_default();
    Ok(InnovationMatchRecord {
        pair: r.opt_text("pair_id")?.unwrap_or_default().to_string(),
        source: format!("tandem platform, technology match #{id}"),
        need: r.text("need")?.to_string(),
        capability: r.text("capability")?.to_string(),
        institute: r.text("institute")?.to_string(),
        score: r.real("score")?,
        explanation,
        project_started: r.text("status")? == "project" || r.int("projects")? > 0,
    })
}
