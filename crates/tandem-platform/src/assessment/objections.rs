//! Objections to a run: filed by the assessed unit within the window (an enterprise in a run of
//! its park's enterprises, a park's operator in a run of its pair's parks), decided by a
//! reviewer; an accepted one corrects the figure and makes a new revision of the run.

use super::inputs::{ENTERPRISE_COLUMNS, PARK_COLUMNS};
use super::model::{clean_text, invalid, NewObjection, Objection, RunSummary, OBJECTION_COLUMNS};
use super::policy;
use super::runs::{chain_in, insert_run_in, summary_in, RunPlace, RunSpec};
use crate::auth::User;
use crate::clock;
use crate::db::{Conn, Db, DbError, Value};
use crate::entity::{self, Entity, ENTERPRISE_FIGURES, PARK_FIGURES};
use crate::error::PlatformError;
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// A reviewer's decision.
#[derive(Clone, Debug)]
pub struct Decision {
    /// Accept (correct the figure and re-score) or reject.
    pub accept: bool,
    /// Why; required to reject.
    pub reasons: String,
}

/// A run's revisions and the objections to them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct History {
    /// Every revision, first to last.
    pub revisions: Vec<RunSummary>,
    /// The objections to any revision (an assessed enterprise or park sees its own), oldest
    /// first.
    pub objections: Vec<Objection>,
}

/// Files an objection of the signed-in assessed unit to its own result in run `run_id`: an
/// enterprise to a figure of `enterprise_figures` in a run of its park's enterprises, a park's
/// operator to a figure of `park_figures` in a run of its pair's parks.
///
/// # Errors
/// [`PlatformError::Forbidden`] for a user who is neither an enterprise nor a park operator,
/// or who reads the run but was not assessed in it (a park's operator in a run of its
/// enterprises);
/// [`PlatformError::NotFound`] for a run the user was not assessed in;
/// [`PlatformError::Invalid`] for an unknown figure, a proposed value out of the figure's
/// range, evidence missing, too long or with control characters, a run that has been
/// superseded, or a window that has closed (`window_closed`).
pub fn file(
    db: &Db,
    user: &User,
    run_id: i64,
    new: &NewObjection,
) -> Result<Objection, PlatformError> {
    file_as_of(db, user, run_id, new, &clock::today())
}

/// [`file`] with `today` given (`YYYY-MM-DD`).
pub fn file_as_of(
    db: &Db,
    user: &User,
    run_id: i64,
    new: &NewObjection,
    today: &str,
) -> Result<Objection, PlatformError> {
    if policy::own_enterprise(user).is_none() && policy::own_park(user).is_none() {
        return Err(PlatformError::Forbidden(format!(
            "{} ({}) is not an assessed enterprise or park; only the assessed unit itself may \
             object",
            user.username,
            user.role.name()
        )));
    }
    let evidence = clean_text("evidence", &new.evidence, "Evidence", "证明材料")?;
    db.write(|c| {
        let (run, unit) = assessed_run(c, user, run_id)?;
        let park_run = run.park_id.is_none();
        let proposed = proposed_value(park_run, &new.figure, &new.proposed_value)?;
        check_open(c, &run, today)?;
        let (enterprise, park) = if park_run {
            (Value::Null, Value::Int(unit))
        } else {
            (Value::Int(unit), Value::Null)
        };
        let row = c
            .query_one(
                &format!(
                    "INSERT INTO assessment_objections (run_id, enterprise_id, park_id, figure, \
                     proposed_value, evidence, status, filed_by, filed_at) \
                     VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?) RETURNING {OBJECTION_COLUMNS}"
                ),
                &[
                    Value::Int(run_id),
                    enterprise,
                    park,
                    new.figure.clone().into(),
                    proposed.map_or(Value::Null, Value::Real),
                    evidence.clone().into(),
                    user.actor().into(),
                    clock::now_timestamp().into(),
                ],
            )?
            .ok_or_else(|| DbError::Other("insert returned no objection".into()))?;
        let objection = Objection::from_row(&row)?;
        audit_objection(c, user, "create", None, &objection)?;
        Ok(objection)
    })
}

/// The records a run's figures come from: `park_figures` in a run of a pair's parks, else
/// `enterprise_figures`; and the columns an objection may dispute.
fn figures_of(park_run: bool) -> (&'static Entity, &'static [&'static str]) {
    if park_run {
        (&PARK_FIGURES, PARK_COLUMNS)
    } else {
        (&ENTERPRISE_FIGURES, ENTERPRISE_COLUMNS)
    }
}

/// The figure's proposed value checked by the figure's own field rule.
fn proposed_value(
    park_run: bool,
    figure: &str,
    value: &Json,
) -> Result<Option<f64>, PlatformError> {
    let (entity, columns) = figures_of(park_run);
    let field = entity
        .field(figure)
        .filter(|f| columns.contains(&f.name))
        .ok_or_else(|| {
            invalid(
                "figure",
                "unknown_figure",
                format!(
                    "{figure:?} is not a figure of the assessment; one of: {}",
                    columns.join(", ")
                ),
                format!("{figure:?} 不是评价所用的数据项"),
            )
        })?;
    let parsed = entity::parse_field(field, value).map_err(|mut e| {
        e.field = "proposed_value".into();
        PlatformError::Invalid(vec![e])
    })?;
    Ok(parsed.as_f64())
}

/// The run and the user's own unit in it ([`policy::own_unit`]), if that unit was assessed in
/// it; else not found (whether or not the run exists), or forbidden for a user who reads the
/// whole run but is not assessed in it.
fn assessed_run(
    c: &mut dyn Conn,
    user: &User,
    run_id: i64,
) -> Result<(RunSummary, i64), PlatformError> {
    let missing = || PlatformError::NotFound(format!("your result in assessment run {run_id}"));
    let run = summary_in(c, run_id)?.ok_or_else(missing)?;
    let Some(unit) = policy::own_unit(user, &run) else {
        return Err(if policy::may_read_run(user, &run) {
            PlatformError::Forbidden(format!(
                "{} ({}) was not assessed in run {run_id}; only the assessed unit itself may \
                 object",
                user.username,
                user.role.name()
            ))
        } else {
            missing()
        });
    };
    let sql = if run.park_id.is_some() {
        "SELECT id FROM assessment_scores WHERE run_id = ? AND enterprise_id = ?"
    } else {
        "SELECT id FROM assessment_scores WHERE run_id = ? AND park_id = ? \
         AND enterprise_id IS NULL"
    };
    let assessed = c
        .query_one(sql, &[Value::Int(run_id), Value::Int(unit)])?
        .is_some();
    if !assessed {
        return Err(missing());
    }
    Ok((run, unit))
}

/// Refuses an objection to a superseded revision or after the window's last day.
fn check_open(c: &mut dyn Conn, run: &RunSummary, today: &str) -> Result<(), PlatformError> {
    let newer = c.query_one(
        "SELECT id FROM assessment_runs WHERE previous_run_id = ?",
        &[Value::Int(run.id)],
    )?;
    if let Some(newer) = newer {
        let newer = newer.int("id")?;
        return Err(invalid(
            "run_id",
            "superseded",
            format!(
                "run {} has a newer revision ({newer}): object to that one",
                run.id
            ),
            format!("评价 {} 已有新修订（{newer}），请对新修订提出异议", run.id),
        ));
    }
    let closed = match (
        clock::parse_date(today),
        clock::parse_date(&run.objections_close_on),
    ) {
        (Some(t), Some(close)) => t > close,
        _ => true,
    };
    if closed {
        return Err(invalid(
            "objections_close_on",
            "window_closed",
            format!(
                "objections to this run closed on {}; none can be filed now",
                run.objections_close_on
            ),
            format!("本次评价的异议期已于 {} 截止", run.objections_close_on),
        ));
    }
    Ok(())
}

fn audit_objection(
    c: &mut dyn Conn,
    user: &User,
    action: &str,
    before: Option<&Objection>,
    after: &Objection,
) -> Result<(), DbError> {
    let js = |o: &Objection| {
        serde_json::to_value(o)
            .ok()
            .and_then(|v| v.as_object().cloned())
    };
    let before = before.and_then(js);
    crate::service::audit(
        c,
        &user.actor(),
        "assessment_objections",
        &after.id.to_string(),
        action,
        before.as_ref(),
        js(after).as_ref(),
    )
}

fn objection_in(c: &mut dyn Conn, id: i64) -> Result<Option<Objection>, DbError> {
    c.query_one(
        &format!("SELECT {OBJECTION_COLUMNS} FROM assessment_objections WHERE id = ?"),
        &[Value::Int(id)],
    )?
    .map(|r| Objection::from_row(&r))
    .transpose()
}

/// Decides an open objection. Accepting corrects the assessed unit's figure to the proposed
/// value through the record service (so it is checked and audited as a change of
/// `enterprise_figures`, or of `park_figures` in a run of a pair's parks) and stores a new revision of the run's latest revision, linked to it;
/// the old revisions are kept. Rejecting records the reasons. The decision is audited.
///
/// # Errors
/// [`PlatformError::NotFound`] for an objection the user may not see;
/// [`PlatformError::Forbidden`] for one the user sees but may not decide;
/// [`PlatformError::Invalid`] for one already decided, a rejection without reasons, or an
/// acceptance of an objection that proposed no value.
pub fn decide(
    db: &Db,
    user: &User,
    id: i64,
    decision: &Decision,
) -> Result<Objection, PlatformError> {
    let reasons = if decision.accept && decision.reasons.trim().is_empty() {
        None
    } else {
        Some(clean_text("reasons", &decision.reasons, "Reasons", "理由")?)
    };
    db.write(|c| {
        let missing = || PlatformError::NotFound(format!("objection {id}"));
        let before = objection_in(c, id)?.ok_or_else(missing)?;
        let run = summary_in(c, before.run_id)?.ok_or_else(missing)?;
        if !policy::may_review(user, &run) {
            let own = policy::own_unit(user, &run);
            let sees =
                policy::may_read_run(user, &run) || (own.is_some() && own == before.unit_id());
            return Err(if sees {
                PlatformError::Forbidden(format!(
                    "{} ({}) may not decide objections; the pair's helped-side officer, a \
                     coordinator or the administrator does",
                    user.username,
                    user.role.name()
                ))
            } else {
                missing()
            });
        }
        if before.status != "open" {
            return Err(invalid(
                "status",
                "already_decided",
                format!("objection {id} was already {}", before.status),
                format!("异议 {id} 已处理"),
            ));
        }
        let new_run = if decision.accept {
            Some(accept_in(c, user, &before, &run)?)
        } else {
            None
        };
        let status = if decision.accept {
            "accepted"
        } else {
            "rejected"
        };
        c.execute(
            "UPDATE assessment_objections SET status = ?, decided_by = ?, decided_at = ?, \
             reasons = ?, new_run_id = ?, version = version + 1 WHERE id = ? AND version = ?",
            &[
                status.into(),
                user.actor().into(),
                clock::now_timestamp().into(),
                reasons.map_or(Value::Null, Value::from),
                new_run.map_or(Value::Null, Value::Int),
                Value::Int(id),
                Value::Int(before.version),
            ],
        )?;
        let after = objection_in(c, id)?.ok_or_else(missing)?;
        audit_objection(c, user, "update", Some(&before), &after)?;
        Ok(after)
    })
}

/// Corrects the figure and stores the new revision; returns its id.
fn accept_in(
    c: &mut dyn Conn,
    user: &User,
    objection: &Objection,
    run: &RunSummary,
) -> Result<i64, PlatformError> {
    let Some(value) = objection.proposed_value else {
        return Err(invalid(
            "proposed_value",
            "required",
            "the objection proposes no value to correct the figure to: reject it, and the \
             assessed unit may object again with the corrected figure"
                .into(),
            "该异议未提出更正值：请驳回，被评价单位可附更正值重新提出".into(),
        ));
    };
    let gone = || DbError::Other("the assessed figures are gone".into());
    let (entity, _) = figures_of(run.park_id.is_none());
    let figures = match (run.park_id, objection.enterprise_id, objection.park_id) {
        (Some(park), Some(enterprise), None) => c.query_one(
            "SELECT id, version FROM enterprise_figures \
             WHERE enterprise_id = ? AND park_id = ? AND year = ?",
            &[
                Value::Int(enterprise),
                Value::Int(park),
                Value::Int(run.year),
            ],
        )?,
        (None, None, Some(park)) => c.query_one(
            "SELECT id, version FROM park_figures WHERE park_id = ? AND year = ?",
            &[Value::Int(park), Value::Int(run.year)],
        )?,
        _ => None,
    }
    .ok_or_else(gone)?;
    let mut patch = Map::new();
    patch.insert(objection.figure.clone(), Json::from(value));
    crate::service::update_body_in(
        c,
        user,
        entity,
        &figures.int("id")?.to_string(),
        figures.int("version")?,
        &patch,
    )?;
    let latest = chain_in(c, run.id)?
        .pop()
        .ok_or_else(|| DbError::Other("a run without revisions".into()))?;
    let scheme_toml = c
        .query_one(
            "SELECT scheme_toml FROM assessment_runs WHERE id = ?",
            &[Value::Int(latest.id)],
        )?
        .ok_or_else(|| DbError::Other("the latest revision is gone".into()))?
        .text("scheme_toml")?
        .to_string();
    let spec = RunSpec {
        place: RunPlace {
            pair_id: latest.pair_id.clone(),
            park_id: latest.park_id,
            year: latest.year,
        },
        scheme_toml: &scheme_toml,
        objections_close_on: &latest.objections_close_on,
        previous: Some(&latest),
    };
    Ok(insert_run_in(c, user, &spec)?.summary.id)
}

/// The revisions of run `run_id` and the objections to them: for the run's readers, and for the
/// unit assessed in it (an enterprise, or a park's operator in a run of a pair's parks), its
/// own objections only.
pub fn history(db: &Db, user: &User, run_id: i64) -> Result<History, PlatformError> {
    db.read(|c| {
        let missing = || PlatformError::NotFound(format!("assessment run {run_id}"));
        let run = summary_in(c, run_id)?.ok_or_else(missing)?;
        let reader = policy::may_read_run(user, &run);
        let own = policy::own_unit(user, &run);
        if !reader {
            assessed_run(c, user, run_id).map_err(|_| missing())?;
        }
        let revisions = chain_in(c, run_id)?;
        let mut objections = Vec::new();
        for r in &revisions {
            let rows = c.query(
                &format!(
                    "SELECT {OBJECTION_COLUMNS} FROM assessment_objections WHERE run_id = ? \
                     ORDER BY id"
                ),
                &[Value::Int(r.id)],
            )?;
            for row in rows {
                let o = Objection::from_row(&row)?;
                if reader || (own.is_some() && o.unit_id() == own) {
                    objections.push(o);
                }
            }
        }
        Ok(History {
            revisions,
            objections,
        })
    })
}
