//! The programme dashboard's figures, computed by the database from live records and limited
//! to what the user may read.
//!
//! Counts are exact. Sums of money cover only the projects that recorded an amount; how many
//! did not is reported beside each sum (missing is not zero).
//!
//! Sums of money are exact and cannot overflow, on either engine: they are `i128` fen. The
//! database cannot sum them as one integer (SQLite's `SUM` fails past 2^63, and PostgreSQL's
//! exact sum overflows when cast back to `BIGINT`; 93,000 projects at the largest amount a
//! field takes did that and made every dashboard answer 500). So each amount is split at 2^32
//! into a high and a low part, both summed as integers that fit easily (the high part of an
//! amount is below 2^31, the low part below 2^32: billions of rows each), and combined here
//! in `i128`. In JSON the sums are plain integers, exact however large.

use crate::auth::{read_filter, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Value};
use crate::entity::STAGES;
use std::collections::BTreeMap;

/// Projects at one stage.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct StageFigures {
    pub stage: String,
    pub projects: i64,
    pub agreed_fen: i128,
    pub paid_in_fen: i128,
}

/// One pair's live figures.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct PairFigures {
    pub pair_id: String,
    pub helper_id: String,
    pub helped_id: String,
    pub parks: i64,
    pub projects: i64,
    /// The project funnel, one entry per stage in lifecycle order (stages with none included).
    pub funnel: Vec<StageFigures>,
    pub agreed_fen: i128,
    pub paid_in_fen: i128,
    /// Projects without an agreed amount (not counted in `agreed_fen`).
    pub agreed_unknown: i64,
    /// Projects without a paid-in amount (not counted in `paid_in_fen`).
    pub paid_in_unknown: i64,
    pub initiated_by_enterprise: i64,
    pub initiated_by_government: i64,
    pub tasks: i64,
    pub tasks_done: i64,
    pub tasks_overdue: i64,
    pub flagged_projects: i64,
}

impl PairFigures {
    /// Share of tasks done; `None` without tasks.
    pub fn task_completion(&self) -> Option<f64> {
        (self.tasks > 0).then(|| self.tasks_done as f64 / self.tasks as f64)
    }
    /// Share of projects initiated by enterprises; `None` without projects.
    pub fn enterprise_share(&self) -> Option<f64> {
        (self.projects > 0).then(|| self.initiated_by_enterprise as f64 / self.projects as f64)
    }
    /// Paid-in over agreed, over projects that recorded both sums' components; `None` when
    /// nothing was agreed.
    pub fn paid_in_ratio(&self) -> Option<f64> {
        (self.agreed_fen > 0).then(|| self.paid_in_fen as f64 / self.agreed_fen as f64)
    }
    fn add(&mut self, o: &PairFigures) {
        self.parks += o.parks;
        self.projects += o.projects;
        // Saturating: sums of parts below 2^31 and 2^32 over at most 2^63 rows stay far
        // below i128's 2^127, so this never saturates; it documents that nothing can wrap.
        for (a, b) in self.funnel.iter_mut().zip(&o.funnel) {
            a.projects += b.projects;
            a.agreed_fen = a.agreed_fen.saturating_add(b.agreed_fen);
            a.paid_in_fen = a.paid_in_fen.saturating_add(b.paid_in_fen);
        }
        self.agreed_fen = self.agreed_fen.saturating_add(o.agreed_fen);
        self.paid_in_fen = self.paid_in_fen.saturating_add(o.paid_in_fen);
        self.agreed_unknown += o.agreed_unknown;
        self.paid_in_unknown += o.paid_in_unknown;
        self.initiated_by_enterprise += o.initiated_by_enterprise;
        self.initiated_by_government += o.initiated_by_government;
        self.tasks += o.tasks;
        self.tasks_done += o.tasks_done;
        self.tasks_overdue += o.tasks_overdue;
        self.flagged_projects += o.flagged_projects;
    }
}

/// The dashboard: every pair and the programme total.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Dashboard {
    pub pairs: Vec<PairFigures>,
    pub total: PairFigures,
    /// The day overdue tasks are judged against (UTC).
    pub as_of: String,
    /// Whether the figures are limited to the user's own records.
    pub restricted: bool,
}

fn empty_funnel() -> Vec<StageFigures> {
    STAGES
        .iter()
        .map(|s| StageFigures {
            stage: s.to_string(),
            ..Default::default()
        })
        .collect()
}

fn with_filter(
    base: &str,
    filter: &Option<(String, Vec<Value>)>,
    extra_where: Option<&str>,
    tail: &str,
) -> (String, Vec<Value>) {
    let mut clauses: Vec<String> = Vec::new();
    let mut params = Vec::new();
    if let Some(w) = extra_where {
        clauses.push(w.to_string());
    }
    if let Some((sql, p)) = filter {
        clauses.push(sql.clone());
        params.extend(p.iter().cloned());
    }
    let w = if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    };
    (format!("{base}{w} {tail}"), params)
}

/// Where an amount is split (see the module notes): 2^32.
const SPLIT: i64 = 1 << 32;

/// Two SQL sums of `column`, its high and its low parts at [`SPLIT`], each fitting a `BIGINT`.
/// Both engines divide integers truncating toward zero and give the remainder the dividend's
/// sign, so `high * SPLIT + low` is the amount exactly, negative or not.
fn split_sum(column: &str) -> String {
    format!(
        "CAST(COALESCE(SUM({column} / {SPLIT}), 0) AS BIGINT), \
         CAST(COALESCE(SUM({column} % {SPLIT}), 0) AS BIGINT)"
    )
}

/// The exact sum from the two parts of [`split_sum`].
fn combine(high: &Value, low: &Value) -> i128 {
    let part = |v: &Value| v.as_i64().unwrap_or(0) as i128;
    part(high) * SPLIT as i128 + part(low)
}

/// Computes the dashboard for `user`.
pub fn dashboard(db: &Db, user: &User) -> Result<Dashboard, DbError> {
    db.read(|c| compute(c, user))
}

fn compute(c: &mut dyn Conn, user: &User) -> Result<Dashboard, DbError> {
    let projects_filter = read_filter(user, "projects");
    let tasks_filter = read_filter(user, "tasks");
    let restricted = projects_filter.is_some() || tasks_filter.is_some();
    let mut pairs: BTreeMap<String, PairFigures> = BTreeMap::new();
    for r in c.query(
        "SELECT id, helper_id, helped_id FROM pairs ORDER BY id",
        &[],
    )? {
        let id = r[0].as_str().unwrap_or("").to_string();
        pairs.insert(
            id.clone(),
            PairFigures {
                pair_id: id,
                helper_id: r[1].as_str().unwrap_or("").into(),
                helped_id: r[2].as_str().unwrap_or("").into(),
                funnel: empty_funnel(),
                ..Default::default()
            },
        );
    }
    for r in c.query("SELECT pair_id, COUNT(*) FROM parks GROUP BY pair_id", &[])? {
        if let Some(p) = r[0].as_str().and_then(|id| pairs.get_mut(id)) {
            p.parks = r[1].as_i64().unwrap_or(0);
        }
    }
    let sql = format!(
        "SELECT pair_id, stage, initiated_by, COUNT(*), {}, {}, \
         CAST(SUM(CASE WHEN amount_agreed_fen IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN paid_in_fen IS NULL THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN review_flags <> '' THEN 1 ELSE 0 END) AS BIGINT) \
         FROM projects",
        split_sum("amount_agreed_fen"),
        split_sum("paid_in_fen")
    );
    let (sql, params) = with_filter(
        &sql,
        &projects_filter,
        None,
        "GROUP BY pair_id, stage, initiated_by",
    );
    for r in c.query(&sql, &params)? {
        let Some(p) = r[0].as_str().and_then(|id| pairs.get_mut(id)) else {
            continue;
        };
        let n = r[3].as_i64().unwrap_or(0);
        let agreed = combine(&r[4], &r[5]);
        let paid = combine(&r[6], &r[7]);
        p.projects += n;
        p.agreed_fen = p.agreed_fen.saturating_add(agreed);
        p.paid_in_fen = p.paid_in_fen.saturating_add(paid);
        p.agreed_unknown += r[8].as_i64().unwrap_or(0);
        p.paid_in_unknown += r[9].as_i64().unwrap_or(0);
        p.flagged_projects += r[10].as_i64().unwrap_or(0);
        match r[2].as_str() {
            Some("enterprise") => p.initiated_by_enterprise += n,
            _ => p.initiated_by_government += n,
        }
        if let Some(i) = r[1]
            .as_str()
            .and_then(|s| STAGES.iter().position(|x| *x == s))
        {
            p.funnel[i].projects += n;
            p.funnel[i].agreed_fen = p.funnel[i].agreed_fen.saturating_add(agreed);
            p.funnel[i].paid_in_fen = p.funnel[i].paid_in_fen.saturating_add(paid);
        }
    }
    let today = clock::today();
    let (sql, mut params) = with_filter(
        "SELECT pair_id, COUNT(*), \
         CAST(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN status <> 'done' AND due_on IS NOT NULL AND due_on < ? THEN 1 ELSE 0 END) AS BIGINT) \
         FROM tasks",
        &tasks_filter,
        None,
        "GROUP BY pair_id",
    );
    params.insert(0, today.clone().into());
    for r in c.query(&sql, &params)? {
        if let Some(p) = r[0].as_str().and_then(|id| pairs.get_mut(id)) {
            p.tasks = r[1].as_i64().unwrap_or(0);
            p.tasks_done = r[2].as_i64().unwrap_or(0);
            p.tasks_overdue = r[3].as_i64().unwrap_or(0);
        }
    }
    let mut total = PairFigures {
        pair_id: "total".into(),
        funnel: empty_funnel(),
        ..Default::default()
    };
    for p in pairs.values() {
        total.add(p);
    }
    Ok(Dashboard {
        pairs: pairs.into_values().collect(),
        total,
        as_of: today,
        restricted,
    })
}
