//! The platform's records as the advisor's status layer: the programme's events and the
//! signed projects (a signed project is a project event of its pair, dated by its signing and
//! carrying its agreed amount), read through the read policy, so a pair page built from them
//! shows a user only the projects that user may read.

use crate::auth::{self, User};
use crate::db::{Db, DbError, Row};
use tandem_core::model::EventKind;
use tandem_core::{CooperationEvent, PartialDate};

/// The events and the signed projects `user` may read, as cooperation events. Events are
/// public (every signed-in user reads them); projects pass through [`auth::read_filter`], and
/// an enterprise's name is shown only when the user may read that enterprise.
pub fn cooperation_events(db: &Db, user: &User) -> Result<Vec<CooperationEvent>, DbError> {
    db.read(|c| {
        let mut out = Vec::new();
        for r in c.query(
            "SELECT pair_id, event_date, kind, title, amount_fen, summary, source FROM events ORDER BY id",
            &[],
        )? {
            out.push(event_from_row(&r)?);
        }
        let (projects, mut params) = filtered("projects", user);
        let (enterprises, more) = filtered("enterprises", user);
        params.extend(more);
        let sql = format!(
            "SELECT p.id AS id, p.pair_id AS pair_id, p.signed_on AS signed_on, p.name AS name, \
             p.amount_agreed_fen AS amount_agreed_fen, p.industry AS industry, p.stage AS stage, \
             e.name AS enterprise_name \
             FROM {projects} p LEFT JOIN {enterprises} e ON e.id = p.enterprise_id \
             WHERE p.signed_on IS NOT NULL ORDER BY p.id"
        );
        for r in c.query(&sql, &params)? {
            out.push(project_event_from_row(&r)?);
        }
        Ok(out)
    })
}

/// `entity`'s table as `user` may read it: the table itself, or a subquery with the read
/// filter applied to its own columns (so the filter needs no table alias).
fn filtered(entity: &str, user: &User) -> (String, Vec<crate::db::Value>) {
    match auth::read_filter(user, entity) {
        None => (entity.to_string(), Vec::new()),
        Some((cond, params)) => (format!("(SELECT * FROM {entity} WHERE {cond})"), params),
    }
}

/// An `events` row as a cooperation event, by column name (an unknown kind reads as
/// [`EventKind::Other`]).
fn event_from_row(r: &Row) -> Result<CooperationEvent, DbError> {
    Ok(CooperationEvent {
        pair: r.opt_text("pair_id")?.map(str::to_string),
        date: r.opt_text("event_date")?.and_then(PartialDate::parse),
        kind: EventKind::parse(r.text("kind")?).unwrap_or(EventKind::Other),
        title: r.text("title")?.to_string(),
        amount_yuan: r.opt_int("amount_fen")?.map(|f| f as f64 / 100.0),
        industries: Vec::new(),
        summary: r.opt_text("summary")?.unwrap_or("").to_string(),
        source: r.text("source")?.to_string(),
    })
}

/// A signed project (a row of the query in [`cooperation_events`]) as a project event of its
/// pair, by column name: dated by its signing, titled with its enterprise's name when the
/// user may read the enterprise.
fn project_event_from_row(r: &Row) -> Result<CooperationEvent, DbError> {
    let name = r.text("name")?;
    Ok(CooperationEvent {
        pair: r.opt_text("pair_id")?.map(str::to_string),
        date: r.opt_text("signed_on")?.and_then(PartialDate::parse),
        kind: EventKind::Project,
        title: match r.opt_text("enterprise_name")? {
            Some(enterprise) => format!("{name} ({enterprise})"),
            None => name.to_string(),
        },
        amount_yuan: r.opt_int("amount_agreed_fen")?.map(|f| f as f64 / 100.0),
        industries: r
            .opt_text("industry")?
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        summary: format!("stage: {}", r.text("stage")?),
        source: format!("tandem platform, project #{}", r.int("id")?),
    })
}
