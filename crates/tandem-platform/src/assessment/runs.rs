//! Starting, storing, reading and reproducing runs.

use super::inputs::{self, parse_scheme};
use super::model::{invalid, NewRun, Run, RunSummary, UnitScore, SUMMARY_COLUMNS};
use super::policy;
use crate::auth::User;
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::error::PlatformError;
use serde_json::{json, Value as Json};
use tandem_assess::{assess, Scheme, Subject, Unit};

/// Where a run's units come from and where it belongs.
#[derive(Clone, Debug)]
pub(crate) struct RunPlace {
    pub pair_id: String,
    pub park_id: Option<i64>,
    pub year: i64,
}

/// A run to store: its place, scheme, closing date and, for a revision, its predecessor.
pub(crate) struct RunSpec<'a> {
    pub place: RunPlace,
    pub scheme_toml: &'a str,
    pub objections_close_on: &'a str,
    pub previous: Option<&'a RunSummary>,
}

/// Runs a scheme over one year's figures of a park's enterprises or a pair's parks and stores
/// the run (see the module's documentation); audited as `assessment_runs` / `create`.
///
/// # Errors
/// [`PlatformError::Invalid`] for the scheme (field by field), the closing date (not a date,
/// or before today), a missing park or pair, or a year without figures;
/// [`PlatformError::TooLarge`] for a scheme over [`super::model::MAX_SCHEME_BYTES`];
/// [`PlatformError::Forbidden`] when the user may not run assessments there.
pub fn start(db: &Db, user: &User, new: &NewRun) -> Result<Run, PlatformError> {
    start_as_of(db, user, new, &clock::today())
}

/// [`start`] with `today` given (`YYYY-MM-DD`), for tests of the objection window.
pub fn start_as_of(db: &Db, user: &User, new: &NewRun, today: &str) -> Result<Run, PlatformError> {
    let scheme = parse_scheme(&new.scheme_toml)?;
    let close = new.objections_close_on.trim();
    match clock::parse_date(close) {
        Some(day) if day >= clock::parse_date(today).unwrap_or(i64::MIN) => {}
        _ => {
            return Err(invalid(
                "objections_close_on",
                "bad_date",
                format!("the closing date of objections must be a date YYYY-MM-DD from {today} on"),
                format!("异议截止日期须为 {today} 或以后的日期（YYYY-MM-DD）"),
            ))
        }
    }
    db.write(|c| {
        let place = place_of(c, &scheme, new)?;
        if !policy::may_start(user, &place.pair_id, place.park_id) {
            return Err(PlatformError::Forbidden(format!(
                "{} ({}) may not run assessments for this park or pair",
                user.username,
                user.role.name()
            )));
        }
        let spec = RunSpec {
            place,
            scheme_toml: &new.scheme_toml,
            objections_close_on: close,
            previous: None,
        };
        insert_run_in(c, user, &spec)
    })
}

/// The park (enterprise schemes) or pair (park schemes) a new run belongs to.
fn place_of(c: &mut dyn Conn, scheme: &Scheme, new: &NewRun) -> Result<RunPlace, PlatformError> {
    if !(1949..=2100).contains(&new.year) {
        return Err(invalid(
            "year",
            "out_of_range",
            "year must be between 1949 and 2100".into(),
            "年度须在 1949 到 2100 之间".into(),
        ));
    }
    match scheme.subject {
        Subject::Enterprises => {
            let park = new.park_id.unwrap_or(0);
            let pair = c
                .query_one(
                    "SELECT pair_id FROM parks WHERE id = ?",
                    &[Value::Int(park)],
                )?
                .map(|r| r.text("pair_id").map(str::to_string))
                .transpose()?
                .ok_or_else(|| {
                    invalid(
                        "park_id",
                        "not_found",
                        "an enterprise scheme runs over one park: choose an existing park".into(),
                        "企业评价须选择一个已有园区".into(),
                    )
                })?;
            Ok(RunPlace {
                pair_id: pair,
                park_id: Some(park),
                year: new.year,
            })
        }
        _ => {
            let pair = new.pair_id.clone().unwrap_or_default();
            if c.query_one("SELECT id FROM pairs WHERE id = ?", &[pair.clone().into()])?
                .is_none()
            {
                return Err(invalid(
                    "pair_id",
                    "not_found",
                    "a park scheme runs over one pair's parks: choose an existing pair".into(),
                    "园区评价须选择一个已有结对".into(),
                ));
            }
            Ok(RunPlace {
                pair_id: pair,
                park_id: None,
                year: new.year,
            })
        }
    }
}

/// Reads the units of a run's place, scores them with the scheme and stores the run, its
/// scores and the audit row, in the caller's transaction.
pub(crate) fn insert_run_in(
    c: &mut dyn Conn,
    user: &User,
    spec: &RunSpec<'_>,
) -> Result<Run, PlatformError> {
    let scheme = parse_scheme(spec.scheme_toml)?;
    let place = &spec.place;
    let units = match place.park_id {
        Some(park) => inputs::enterprise_units(c, park, place.year)?,
        None => inputs::park_units(c, &place.pair_id, place.year)?,
    };
    if units.is_empty() {
        return Err(invalid(
            "year",
            "no_figures",
            format!("there are no annual figures for {} to assess", place.year),
            format!("{} 年没有可评价的年度数据", place.year),
        ));
    }
    let result = score(&scheme, place.year, &units)?;
    let inputs = inputs::units_to_json(&units);
    let row = c
        .query_one(
            &format!(
                "INSERT INTO assessment_runs (pair_id, park_id, subject, year, revision, \
                 previous_run_id, scheme_id, scheme_toml, inputs_json, result_json, \
                 objections_close_on, created_by, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING {SUMMARY_COLUMNS}"
            ),
            &[
                place.pair_id.clone().into(),
                place.park_id.map(Value::Int).unwrap_or(Value::Null),
                subject_name(scheme.subject).into(),
                Value::Int(place.year),
                Value::Int(spec.previous.map_or(1, |p| p.revision + 1)),
                spec.previous.map_or(Value::Null, |p| Value::Int(p.id)),
                scheme.id.clone().into(),
                spec.scheme_toml.into(),
                inputs.to_string().into(),
                result.to_string().into(),
                spec.objections_close_on.into(),
                user.actor().into(),
                clock::now_timestamp().into(),
            ],
        )?
        .ok_or_else(|| DbError::Other("insert returned no run".into()))?;
    let summary = RunSummary::from_row(&row)?;
    insert_scores(c, &summary, &result)?;
    let after = json!({"run": summary, "units": units.len()});
    crate::service::audit(
        c,
        &user.actor(),
        "assessment_runs",
        &summary.id.to_string(),
        "create",
        None,
        after.as_object(),
    )?;
    Ok(Run {
        summary,
        scheme_toml: spec.scheme_toml.to_string(),
        inputs,
        result,
    })
}

fn subject_name(subject: Subject) -> &'static str {
    match subject {
        Subject::Enterprises => "enterprises",
        Subject::Parks => "parks",
        Subject::Environment => "environment",
    }
}

/// The scheme applied to the units, as the JSON a run stores.
fn score(scheme: &Scheme, year: i64, units: &[Unit]) -> Result<Json, PlatformError> {
    let assessment = assess(scheme, year as i32, units).map_err(|e| {
        invalid(
            "figures",
            "refused",
            format!("the figures cannot be scored: {e}"),
            format!("年度数据无法评分：{e}"),
        )
    })?;
    serde_json::to_value(&assessment).map_err(|e| DbError::Other(e.to_string()).into())
}

/// One `assessment_scores` row per unit of a run's result.
fn insert_scores(c: &mut dyn Conn, run: &RunSummary, result: &Json) -> Result<(), DbError> {
    let empty = Vec::new();
    for unit in result["units"].as_array().unwrap_or(&empty) {
        let id = unit["id"].as_str().and_then(|s| s.parse::<i64>().ok());
        let (enterprise, park) = match run.park_id {
            Some(park) => (id, Some(park)),
            None => (None, id),
        };
        let opt_int = |v: Option<i64>| v.map(Value::Int).unwrap_or(Value::Null);
        c.execute(
            "INSERT INTO assessment_scores (run_id, enterprise_id, park_id, industry, total, \
             tier, rank, detail_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(run.id),
                opt_int(enterprise),
                opt_int(park),
                unit["industry"].as_str().map_or(Value::Null, Value::from),
                unit["total"].as_f64().map_or(Value::Null, Value::Real),
                unit["tier"].as_str().map_or(Value::Null, Value::from),
                opt_int(unit["rank"].as_i64()),
                unit.to_string().into(),
            ],
        )?;
    }
    Ok(())
}

/// A run's summary, whoever asks (callers check the policy).
pub(crate) fn summary_in(c: &mut dyn Conn, id: i64) -> Result<Option<RunSummary>, DbError> {
    c.query_one(
        &format!("SELECT {SUMMARY_COLUMNS} FROM assessment_runs WHERE id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| RunSummary::from_row(&r))
    .transpose()
}

fn not_found(id: i64) -> PlatformError {
    PlatformError::NotFound(format!("assessment run {id}"))
}

/// A whole run, if `user` may read it ([`policy::may_read_run`]); otherwise not found.
pub fn get(db: &Db, user: &User, id: i64) -> Result<Run, PlatformError> {
    db.read(|c| {
        let row = c
            .query_one(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, scheme_toml, inputs_json, result_json \
                     FROM assessment_runs WHERE id = ?"
                ),
                &[Value::Int(id)],
            )?
            .ok_or_else(|| not_found(id))?;
        let summary = RunSummary::from_row(&row)?;
        if !policy::may_read_run(user, &summary) {
            return Err(not_found(id));
        }
        run_from_row(summary, &row)
    })
}

fn run_from_row(summary: RunSummary, row: &Row) -> Result<Run, PlatformError> {
    let parse = |col: &str| -> Result<Json, PlatformError> {
        serde_json::from_str(row.text(col)?)
            .map_err(|e| DbError::Other(format!("{col} of run {}: {e}", summary.id)).into())
    };
    Ok(Run {
        inputs: parse("inputs_json")?,
        result: parse("result_json")?,
        scheme_toml: row.text("scheme_toml")?.to_string(),
        summary,
    })
}

/// The runs `user` may read, newest first (at most 500).
pub fn list(db: &Db, user: &User) -> Result<Vec<RunSummary>, PlatformError> {
    let (cond, params) = policy::run_read_filter(user).unwrap_or(("1 = 1".into(), Vec::new()));
    db.read(|c| {
        let rows = c.query(
            &format!(
                "SELECT {SUMMARY_COLUMNS} FROM assessment_runs WHERE {cond} \
                 ORDER BY id DESC LIMIT 500"
            ),
            &params,
        )?;
        Ok(rows
            .iter()
            .map(RunSummary::from_row)
            .collect::<Result<Vec<_>, _>>()?)
    })
}

/// One unit's result in a run: for the run's readers, and for the assessed unit itself (an
/// enterprise, or a park's operator in a run of a pair's parks, [`policy::own_unit`]). Anyone
/// else, and a unit not in the run, is not found.
pub fn unit_score(
    db: &Db,
    user: &User,
    run_id: i64,
    unit: i64,
) -> Result<UnitScore, PlatformError> {
    let missing = || PlatformError::NotFound(format!("unit {unit} of assessment run {run_id}"));
    db.read(|c| {
        let run = summary_in(c, run_id)?.ok_or_else(missing)?;
        let own = policy::own_unit(user, &run) == Some(unit);
        if !own && !policy::may_read_run(user, &run) {
            return Err(missing());
        }
        let column = if run.park_id.is_some() {
            "enterprise_id"
        } else {
            "park_id"
        };
        let row = c
            .query_one(
                &format!(
                    "SELECT total, tier, rank, detail_json FROM assessment_scores \
                     WHERE run_id = ? AND {column} = ?"
                ),
                &[Value::Int(run_id), Value::Int(unit)],
            )?
            .ok_or_else(missing)?;
        unit_score_from_row(run, unit, &row)
    })
}

fn unit_score_from_row(run: RunSummary, unit: i64, row: &Row) -> Result<UnitScore, PlatformError> {
    Ok(UnitScore {
        unit_id: unit,
        total: row.opt_real("total")?,
        tier: row.opt_text("tier")?.map(str::to_string),
        rank: row.opt_int("rank")?,
        detail: serde_json::from_str(row.text("detail_json")?)
            .map_err(|e| DbError::Other(format!("detail of run {}: {e}", run.id)))?,
        run,
    })
}

/// The assessed unit's own results in every run, newest first: an enterprise user's in runs of
/// its park's enterprises, a park operator's park's in runs of its pair's parks; empty for
/// other roles.
pub fn my_scores(db: &Db, user: &User) -> Result<Vec<UnitScore>, PlatformError> {
    let (condition, unit) = match (policy::own_enterprise(user), policy::own_park(user)) {
        (Some(enterprise), _) => ("enterprise_id = ?", enterprise),
        (None, Some(park)) => ("park_id = ? AND enterprise_id IS NULL", park),
        (None, None) => return Ok(Vec::new()),
    };
    db.read(|c| {
        let rows = c.query(
            &format!(
                "SELECT run_id, total, tier, rank, detail_json FROM assessment_scores \
                 WHERE {condition} ORDER BY run_id DESC LIMIT 200"
            ),
            &[Value::Int(unit)],
        )?;
        let mut out = Vec::new();
        for row in rows {
            let run = summary_in(c, row.int("run_id")?)?
                .ok_or_else(|| DbError::Other("a score without its run".into()))?;
            out.push(unit_score_from_row(run, unit, &row)?);
        }
        Ok(out)
    })
}

/// Re-scores a stored run from its own scheme text and inputs; the result must equal the
/// stored one. Returns the fresh result.
///
/// # Errors
/// As [`get`]; [`PlatformError::Db`] when the stored inputs cannot be read back.
pub fn reproduce(db: &Db, user: &User, id: i64) -> Result<Json, PlatformError> {
    let run = get(db, user, id)?;
    let scheme = Scheme::parse(&run.scheme_toml)
        .map_err(|e| DbError::Other(format!("the stored scheme of run {id}: {e}")))?;
    let units = inputs::units_from_json(&run.inputs)
        .ok_or_else(|| DbError::Other(format!("the stored inputs of run {id}")))?;
    score(&scheme, run.summary.year, &units)
}

/// The revisions of the run `id` belongs to, first to last (each linked to the one before).
pub(crate) fn chain_in(c: &mut dyn Conn, id: i64) -> Result<Vec<RunSummary>, DbError> {
    let mut first = summary_in(c, id)?;
    while let Some(prev) = first.as_ref().and_then(|r| r.previous_run_id) {
        first = summary_in(c, prev)?;
    }
    let mut chain: Vec<RunSummary> = first.into_iter().collect();
    while let Some(last) = chain.last() {
        let next = c.query_one(
            &format!("SELECT {SUMMARY_COLUMNS} FROM assessment_runs WHERE previous_run_id = ?"),
            &[Value::Int(last.id)],
        )?;
        match next {
            Some(r) => chain.push(RunSummary::from_row(&r)?),
            None => break,
        }
    }
    Ok(chain)
}
