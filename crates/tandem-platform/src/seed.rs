//! Loading the bundled programme, its pairs, sub-pairs and cooperation events into an empty
//! platform database on first start.

use crate::clock;
use crate::db::{Conn, Db, DbError, Value};
use tandem_core::{CooperationEvent, Pair, Programme};

/// The audit log's name for changes made by loading bundled data.
pub const SEED_ACTOR: &str = "system (bundled data)";

/// Loads the bundled programme if the database has none; returns whether it did. One
/// transaction: a failed load leaves the database empty, and a second start does nothing.
pub fn seed_bundled(db: &Db) -> Result<bool, DbError> {
    let bundle = tandem_data::bundled::bundle();
    db.write(|c| {
        if c.query_i64("SELECT COUNT(*) FROM programmes", &[])? > 0 {
            return Ok(false);
        }
        let now = clock::now_timestamp();
        let p = &bundle.programme;
        insert_programme(c, p, &now)?;
        for pair in &p.pairs {
            insert_pair(c, &p.id, pair, &now)?;
        }
        for e in &bundle.events {
            insert_event(c, e, &now)?;
        }
        c.execute(
            "INSERT INTO audit_log (at, actor, entity, record_id, action, before_json, after_json) \
             VALUES (?, ?, 'programmes', ?, 'create', NULL, ?)",
            &[
                now.clone().into(),
                SEED_ACTOR.into(),
                p.id.clone().into(),
                serde_json::json!({"loaded": "bundled programme, pairs, sub-pairs and events",
                    "pairs": p.pairs.len(), "events": bundle.events.len()})
                .to_string()
                .into(),
            ],
        )?;
        Ok(true)
    })
}

/// Inserts the programme's own row, updated `now`.
fn insert_programme(c: &mut dyn Conn, p: &Programme, now: &str) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO programmes (id, name, start_year, end_year, source, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            p.id.clone().into(),
            p.name.clone().into(),
            Value::Int(p.start_year as i64),
            Value::Int(p.end_year as i64),
            p.source.clone().into(),
            now.into(),
        ],
    )?;
    Ok(())
}

/// Inserts a pair of programme `programme_id` and then its sub-pairs, updated `now`.
fn insert_pair(
    c: &mut dyn Conn,
    programme_id: &str,
    pair: &Pair,
    now: &str,
) -> Result<(), DbError> {
    c.execute(
        "INSERT INTO pairs (id, programme_id, helper_id, helped_id, start_year, end_year, \
         source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            pair.id.clone().into(),
            programme_id.into(),
            pair.helper.clone().into(),
            pair.helped.clone().into(),
            Value::Int(pair.start_year as i64),
            Value::Int(pair.end_year as i64),
            pair.source.clone().into(),
            now.into(),
        ],
    )?;
    for sub in &pair.sub_pairs {
        c.execute(
            "INSERT INTO sub_pairs (pair_id, helper_name, helped_name, since, source, \
             updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            &[
                pair.id.clone().into(),
                sub.helper_name.clone().into(),
                sub.helped_name.clone().into(),
                sub.since
                    .map(|y| Value::Int(y as i64))
                    .unwrap_or(Value::Null),
                sub.source.clone().into(),
                now.into(),
            ],
        )?;
    }
    Ok(())
}

/// Inserts a cooperation event, updated `now`; amounts as published, in yuan, rounded to the
/// fen.
fn insert_event(c: &mut dyn Conn, e: &CooperationEvent, now: &str) -> Result<(), DbError> {
    let fen = e
        .amount_yuan
        .map(|y| Value::Int((y * 100.0).round() as i64));
    c.execute(
        "INSERT INTO events (pair_id, event_date, kind, title, amount_fen, summary, \
         source, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            e.pair.clone().into(),
            e.date.map(|d| d.to_string()).into(),
            e.kind.as_str().into(),
            e.title.clone().into(),
            fen.unwrap_or(Value::Null),
            e.summary.clone().into(),
            e.source.clone().into(),
            now.into(),
        ],
    )?;
    Ok(())
}
