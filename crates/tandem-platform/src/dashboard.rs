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
use crate::db::{Conn, Db, DbError, Row, Value};
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

/// Two SQL sums of `column`, its high and its low parts at [`SPLIT`], each fitting a `BIGINT`,
/// named `{name}_high` and `{name}_low`. Both engines divide integers truncating toward zero
/// and give the remainder the dividend's sign, so `high * SPLIT + low` is the amount exactly,
/// negative or not.
fn split_sum(column: &str, name: &str) -> String {
    format!(
        "CAST(COALESCE(SUM({column} / {SPLIT}), 0) AS BIGINT) AS {name}_high, \
         CAST(COALESCE(SUM({column} % {SPLIT}), 0) AS BIGINT) AS {name}_low"
    )
}

/// The exact sum named `name` from the two parts of [`split_sum`].
fn combine(r: &Row, name: &str) -> Result<i128, DbError> {
    let high = r.int(&format!("{name}_high"))?;
    let low = r.int(&format!("{name}_low"))?;
    Ok(high as i128 * SPLIT as i128 + low as i128)
}

/// Computes the dashboard for `user`.
pub fn dashboard(db: &Db, user: &User) -> Result<Dashboard, DbError> {
    db.read(|c| compute(c, user))
}

/// The projects of one pair, stage and initiator: one row of [`project_groups_sql`].
struct ProjectGroup {
    pair_id: Option<String>,
    stage: Option<String>,
    initiated_by: Option<String>,
    projects: i64,
    agreed_fen: i128,
    paid_in_fen: i128,
    agreed_unknown: i64,
    paid_in_unknown: i64,
    flagged: i64,
}

impl TryFrom<&Row> for ProjectGroup {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<ProjectGroup, DbError> {
        let text = |c: &str| r.opt_text(c).map(|t| t.map(str::to_string));
        Ok(ProjectGroup {
            pair_id: text("pair_id")?,
            stage: text("stage")?,
            initiated_by: text("initiated_by")?,
            projects: r.int("projects")?,
            agreed_fen: combine(r, "agreed")?,
            paid_in_fen: combine(r, "paid_in")?,
            agreed_unknown: r.int("agreed_unknown")?,
            paid_in_unknown: r.int("paid_in_unknown")?,
            flagged: r.int("flagged")?,
        })
    }
}

/// The figures of [`ProjectGroup`], before the read filter and the grouping.
fn project_groups_sql() -> String {
    format!(
        "SELECT pair_id, stage, initiated_by, COUNT(*) AS projects, {}, {}, \
         CAST(SUM(CASE WHEN amount_agreed_fen IS NULL THEN 1 ELSE 0 END) AS BIGINT) \
         AS agreed_unknown, \
         CAST(SUM(CASE WHEN paid_in_fen IS NULL THEN 1 ELSE 0 END) AS BIGINT) AS paid_in_unknown, \
         CAST(SUM(CASE WHEN review_flags <> '' THEN 1 ELSE 0 END) AS BIGINT) AS flagged \
         FROM projects",
        split_sum("amount_agreed_fen", "agreed"),
        split_sum("paid_in_fen", "paid_in")
    )
}

/// The tasks of one pair: one row of the tasks query of [`add_tasks`].
struct TaskGroup {
    pair_id: Option<String>,
    tasks: i64,
    done: i64,
    overdue: i64,
}

impl TryFrom<&Row> for TaskGroup {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<TaskGroup, DbError> {
        Ok(TaskGroup {
            pair_id: r.opt_text("pair_id")?.map(str::to_string),
            tasks: r.int("tasks")?,
            done: r.int("done")?,
            overdue: r.int("overdue")?,
        })
    }
}

/// Every pair, with no figures yet.
fn load_pairs(c: &mut dyn Conn) -> Result<BTreeMap<String, PairFigures>, DbError> {
    let mut pairs = BTreeMap::new();
    for r in c.query(
        "SELECT id, helper_id, helped_id FROM pairs ORDER BY id",
        &[],
    )? {
        let id = r.text("id")?.to_string();
        pairs.insert(
            id.clone(),
            PairFigures {
                pair_id: id,
                helper_id: r.text("helper_id")?.into(),
                helped_id: r.text("helped_id")?.into(),
                funnel: empty_funnel(),
                ..Default::default()
            },
        );
    }
    Ok(pairs)
}

/// Adds each pair's park count.
fn add_parks(c: &mut dyn Conn, pairs: &mut BTreeMap<String, PairFigures>) -> Result<(), DbError> {
    for r in c.query(
        "SELECT pair_id, COUNT(*) AS parks FROM parks GROUP BY pair_id",
        &[],
    )? {
        if let Some(p) = r.opt_text("pair_id")?.and_then(|id| pairs.get_mut(id)) {
            p.parks = r.int("parks")?;
        }
    }
    Ok(())
}

/// Adds the project figures the user may read, by pair and into each pair's funnel.
fn add_projects(
    c: &mut dyn Conn,
    filter: &Option<(String, Vec<Value>)>,
    pairs: &mut BTreeMap<String, PairFigures>,
) -> Result<(), DbError> {
    let (sql, params) = with_filter(
        &project_groups_sql(),
        filter,
        None,
        "GROUP BY pair_id, stage, initiated_by",
    );
    for r in c.query(&sql, &params)? {
        let g = ProjectGroup::try_from(&r)?;
        let Some(p) = g.pair_id.as_deref().and_then(|id| pairs.get_mut(id)) else {
            continue;
        };
        let n = g.projects;
        p.projects += n;
        p.agreed_fen = p.agreed_fen.saturating_add(g.agreed_fen);
        p.paid_in_fen = p.paid_in_fen.saturating_add(g.paid_in_fen);
        p.agreed_unknown += g.agreed_unknown;
        p.paid_in_unknown += g.paid_in_unknown;
        p.flagged_projects += g.flagged;
        // `government` is the field's only other value.
        match g.initiated_by.as_deref() {
            Some("enterprise") => p.initiated_by_enterprise += n,
            _ => p.initiated_by_government += n,
        }
        if let Some(i) = g
            .stage
            .as_deref()
            .and_then(|s| STAGES.iter().position(|x| *x == s))
        {
            let stage = &mut p.funnel[i];
            stage.projects += n;
            stage.agreed_fen = stage.agreed_fen.saturating_add(g.agreed_fen);
            stage.paid_in_fen = stage.paid_in_fen.saturating_add(g.paid_in_fen);
        }
    }
    Ok(())
}

/// Adds the task figures the user may read; tasks are overdue when not done and due before
/// `today`.
fn add_tasks(
    c: &mut dyn Conn,
    filter: &Option<(String, Vec<Value>)>,
    today: &str,
    pairs: &mut BTreeMap<String, PairFigures>,
) -> Result<(), DbError> {
    let (sql, mut params) = with_filter(
        "SELECT pair_id, COUNT(*) AS tasks, \
         CAST(SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS BIGINT) AS done, \
         CAST(SUM(CASE WHEN status <> 'done' AND due_on IS NOT NULL AND due_on < ? THEN 1 ELSE 0 END) AS BIGINT) AS overdue \
         FROM tasks",
        filter,
        None,
        "GROUP BY pair_id",
    );
    params.insert(0, today.into());
    for r in c.query(&sql, &params)? {
        let g = TaskGroup::try_from(&r)?;
        if let Some(p) = g.pair_id.as_deref().and_then(|id| pairs.get_mut(id)) {
            p.tasks = g.tasks;
            p.tasks_done = g.done;
            p.tasks_overdue = g.overdue;
        }
    }
    Ok(())
}

fn compute(c: &mut dyn Conn, user: &User) -> Result<Dashboard, DbError> {
    let projects_filter = read_filter(user, "projects");
    let tasks_filter = read_filter(user, "tasks");
    let restricted = projects_filter.is_some() || tasks_filter.is_some();
    let mut pairs = load_pairs(c)?;
    add_parks(c, &mut pairs)?;
    add_projects(c, &projects_filter, &mut pairs)?;
    let today = clock::today();
    add_tasks(c, &tasks_filter, &today, &mut pairs)?;
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
