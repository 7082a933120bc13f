//! A whole chain map (a `tandem chain export` workbook, JSON or TOML, or a shipped chain) made
//! into the platform's records in one step: the chain, its segments, edges and enterprise
//! placements, all or nothing.
//!
//! Every record goes through the record service's own checks and policy (so an officer can
//! import only into its own pair, a researcher into none), the map must be one the gap search
//! accepts (no edge to a missing segment, sectors of the 42-sector table), and the import
//! counts against the user's creation budget and takes the bulk turn like an Excel import
//! ([`crate::limits`]). A row's problem names its sheet and row as the workbook has them
//! (row 2 is the first below the header).

use crate::auth::User;
use crate::db::{Conn, Db};
use crate::entity::{Entity, FieldError, CHAINS, CHAIN_EDGES, CHAIN_NODES, CHAIN_PLACEMENTS};
use crate::error::PlatformError;
use crate::limits::MAX_BULK_ROWS;
use crate::service::{self, Record};
use serde_json::{json, Map, Value as Json};
use tandem_core::chain::{chain_gaps, Chain, ChainSide};

/// Imports `chain` as records of its pair (`chain.pair`, a pair id), with `focus_industry`
/// when given; returns the new chain record.
pub fn import_map(
    db: &Db,
    user: &User,
    chain: &Chain,
    focus_industry: Option<&str>,
) -> Result<Record, PlatformError> {
    let table = crate::chains::table().ok_or_else(|| {
        crate::db::DbError::Other("the bundled 2020 input-output table is missing".into())
    })?;
    chain_gaps(chain, table).map_err(|e| {
        PlatformError::invalid(
            "chain",
            "chain",
            format!("the chain map cannot be analysed, nothing was imported: {e}"),
            format!("产业链无法分析，未导入任何记录：{e}"),
        )
    })?;
    let records = 1 + chain.nodes.len() + chain.edges.len() + chain.enterprises.len();
    if records > MAX_BULK_ROWS {
        return Err(PlatformError::TooLarge(format!(
            "the chain has {records} segments, edges and enterprises, more than the \
             {MAX_BULK_ROWS} records one import may create; import it in parts"
        )));
    }
    let budget = db
        .limits()
        .reserve_creations(user.id, &user.username, records as u64)?;
    let _turn = db.limits().bulk_turn();
    let rec = db.write(|c| write_map(c, user, chain, focus_industry))?;
    budget.spent();
    Ok(rec)
}

/// The chain and its parts, in the caller's transaction.
fn write_map(
    c: &mut dyn Conn,
    user: &User,
    chain: &Chain,
    focus_industry: Option<&str>,
) -> Result<Record, PlatformError> {
    let head = json!({
        "pair_id": chain.pair, "name_zh": chain.name_zh, "name_en": chain.name_en,
        "focus_industry": focus_industry, "source": chain.source, "weak_share": chain.weak_share,
    });
    let rec = create(c, user, &CHAINS, head, "chain", 2)?;
    let id = rec.required_int("id")?;
    for (k, n) in chain.nodes.iter().enumerate() {
        let body = json!({"chain_id": id, "node_key": n.id, "name_zh": n.name_zh,
            "name_en": n.name_en, "sectors": n.sectors, "source": n.source});
        create(c, user, &CHAIN_NODES, body, "nodes", k + 2)?;
    }
    for (k, e) in chain.edges.iter().enumerate() {
        let body = json!({"chain_id": id, "from_node": e.from, "to_node": e.to});
        create(c, user, &CHAIN_EDGES, body, "edges", k + 2)?;
    }
    for (k, p) in chain.enterprises.iter().enumerate() {
        let side = match p.side {
            ChainSide::Helper => "helper",
            ChainSide::Helped => "helped",
        };
        let body = json!({"chain_id": id, "node_key": p.node, "enterprise_name": p.name,
            "side": side, "source": p.source});
        create(c, user, &CHAIN_PLACEMENTS, body, "enterprises", k + 2)?;
    }
    Ok(rec)
}

/// One record of the map; a field problem is placed at `sheet` row `row`.
fn create(
    c: &mut dyn Conn,
    user: &User,
    entity: &'static Entity,
    body: Json,
    sheet: &str,
    row: usize,
) -> Result<Record, PlatformError> {
    let mut fields: Map<String, Json> = match body {
        Json::Object(m) => m,
        _ => Map::new(),
    };
    // Absent optional values are left out rather than sent as null.
    fields.retain(|_, v| !v.is_null());
    service::create_body_in(c, user, entity, &fields).map_err(|e| match e {
        PlatformError::Invalid(errors) => PlatformError::Invalid(
            errors
                .into_iter()
                .map(|f| FieldError {
                    field: format!("{sheet} row {row}: {}", f.field),
                    ..f
                })
                .collect(),
        ),
        other => other,
    })
}
