//! Industry-chain maps kept as records (issue #17): a chain (`chains`) and its segments
//! (`chain_nodes`), supply edges (`chain_edges`) and enterprise placements
//! (`chain_placements`) are assembled into a [`tandem_core::chain::Chain`] and its gaps found
//! against the bundled 2020 national table of 42 sectors, exactly as `tandem chain gaps` does
//! for a file.
//!
//! The chain is read only if the user may read it (404 otherwise, like every record), and its
//! parts through the read policy of their own types, in one read transaction.

use crate::auth::{allowed, read_filter, Action, User};
use crate::db::{Conn, Db, Value};
use crate::entity::{list_items, Entity, FieldError, CHAINS, CHAIN_EDGES, CHAIN_NODES};
use crate::entity::{CHAIN_PLACEMENTS, PARK_OFFERS};
use crate::error::PlatformError;
use crate::service::{self, scope_of, Record};
use tandem_core::chain::{
    chain_gaps, Chain, ChainEdge, ChainGap, ChainNode, ChainSide, Placement, DEFAULT_WEAK_SHARE,
    MAX_EDGES, MAX_ENTERPRISES, MAX_NODES,
};
use tandem_core::{Classification, IoTable};

/// The sector codes of the bundled 2020 table of 42 sectors (`01`..`42`).
pub fn io42_codes() -> Vec<String> {
    table()
        .map(|t| t.sectors.iter().map(|s| s.code.clone()).collect())
        .unwrap_or_default()
}

/// The bundled 2020 national input-output table of 42 sectors.
pub fn table() -> Option<&'static IoTable> {
    tandem_data::bundled::bundle().io_table(2020, &Classification::Io42)
}

/// A chain record with its map and its gaps.
#[derive(Clone, Debug)]
pub struct ChainReport {
    /// The chain record as stored.
    pub record: Record,
    /// The map assembled from the records.
    pub chain: Chain,
    /// Its gaps, highest score first.
    pub gaps: Vec<ChainGap>,
}

/// `SELECT <cols> FROM <table> WHERE chain_id = ?` and the user's read filter of the type,
/// at most `limit` rows (one more than the core's limit, so an oversized chain is refused by
/// [`chain_gaps`] without reading everything).
fn parts(
    c: &mut dyn Conn,
    user: &User,
    entity: &Entity,
    columns: &str,
    chain: i64,
    limit: usize,
) -> Result<Vec<crate::db::Row>, PlatformError> {
    let mut sql = format!("SELECT {columns} FROM {} WHERE chain_id = ?", entity.table);
    let mut params = vec![Value::Int(chain)];
    if let Some((filter, p)) = read_filter(user, entity.name) {
        sql.push_str(&format!(" AND ({filter})"));
        params.extend(p);
    }
    sql.push_str(&format!(" ORDER BY id LIMIT {}", limit + 1));
    Ok(c.query(&sql, &params)?)
}

/// The chain `id` as a map, if `user` may read it.
pub fn load(db: &Db, user: &User, id: &str) -> Result<(Record, Chain), PlatformError> {
    let idv = id
        .parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| PlatformError::NotFound(format!("chains {id:?}")))?;
    db.read(|c| {
        let not_found = || PlatformError::NotFound(format!("chains {id}"));
        let rec = service::fetch(c, &CHAINS, &Value::Int(idv))?.ok_or_else(not_found)?;
        if !allowed(
            user,
            Action::Read,
            CHAINS.name,
            &scope_of(&CHAINS, &rec.fields),
        ) {
            return Err(not_found());
        }
        let text = |k: &str| rec.text(k).unwrap_or_default().to_string();
        let nodes = nodes_of(c, user, idv)?;
        let edges = edges_of(c, user, idv)?;
        let enterprises = placements_of(c, user, idv)?;
        let chain = Chain {
            id: rec.id_text(),
            pair: text("pair_id"),
            name_zh: text("name_zh"),
            name_en: text("name_en"),
            source: text("source"),
            weak_share: rec
                .fields
                .get("weak_share")
                .and_then(serde_json::Value::as_f64)
                .unwrap_or(DEFAULT_WEAK_SHARE),
            nodes,
            edges,
            enterprises,
        };
        Ok((rec, chain))
    })
}

/// The chain's segments `user` may read.
fn nodes_of(c: &mut dyn Conn, user: &User, chain: i64) -> Result<Vec<ChainNode>, PlatformError> {
    let rows = parts(
        c,
        user,
        &CHAIN_NODES,
        "node_key, name_zh, name_en, sectors, source",
        chain,
        MAX_NODES,
    )?;
    let nodes = rows
        .iter()
        .map(|r| {
            Ok(ChainNode {
                id: r.text("node_key")?.to_string(),
                name_zh: r.text("name_zh")?.to_string(),
                name_en: r.text("name_en")?.to_string(),
                sectors: list_items(Some(&serde_json::Value::from(r.text("sectors")?))),
                source: r.opt_text("source")?.map(str::to_string),
            })
        })
        .collect::<Result<Vec<_>, crate::db::DbError>>()?;
    Ok(nodes)
}

/// The chain's supply edges `user` may read.
fn edges_of(c: &mut dyn Conn, user: &User, chain: i64) -> Result<Vec<ChainEdge>, PlatformError> {
    let rows = parts(
        c,
        user,
        &CHAIN_EDGES,
        "from_node, to_node",
        chain,
        MAX_EDGES,
    )?;
    let edges = rows
        .iter()
        .map(|r| {
            Ok(ChainEdge {
                from: r.text("from_node")?.to_string(),
                to: r.text("to_node")?.to_string(),
            })
        })
        .collect::<Result<Vec<_>, crate::db::DbError>>()?;
    Ok(edges)
}

/// The enterprises placed on the chain that `user` may read, named by their record when they
/// have one and no name of their own.
fn placements_of(
    c: &mut dyn Conn,
    user: &User,
    chain: i64,
) -> Result<Vec<Placement>, PlatformError> {
    let placed = parts(
        c,
        user,
        &CHAIN_PLACEMENTS,
        "node_key, enterprise_id, enterprise_name, side, source, \
         (SELECT name FROM enterprises e WHERE e.id = enterprise_id) AS record_name",
        chain,
        MAX_ENTERPRISES,
    )?;
    let mut enterprises = Vec::with_capacity(placed.len());
    for r in &placed {
        let name = match (r.opt_text("enterprise_name")?, r.opt_text("record_name")?) {
            (Some(n), _) if !n.is_empty() => n.to_string(),
            (_, Some(n)) => n.to_string(),
            _ => format!("#{}", r.opt_int("enterprise_id")?.unwrap_or(0)),
        };
        enterprises.push(Placement {
            name,
            side: if r.text("side")? == "helper" {
                ChainSide::Helper
            } else {
                ChainSide::Helped
            },
            node: r.text("node_key")?.to_string(),
            source: r.opt_text("source")?.map(str::to_string),
        });
    }
    Ok(enterprises)
}

/// The chain `id` with its gaps against the bundled 2020 table of 42 sectors, if `user` may
/// read it. A chain that cannot be analysed (an edge naming a segment the chain does not
/// have, a segment without sectors, a weak share of 0, over the size limits) is
/// [`PlatformError::Invalid`] with the core's explanation.
pub fn report(db: &Db, user: &User, id: &str) -> Result<ChainReport, PlatformError> {
    let (record, chain) = load(db, user, id)?;
    let table = table().ok_or_else(|| {
        crate::db::DbError::Other("the bundled 2020 input-output table is missing".into())
    })?;
    let gaps = chain_gaps(&chain, table).map_err(|e| {
        PlatformError::Invalid(vec![FieldError::new(
            "chain",
            "chain",
            e.to_string(),
            format!("产业链无法分析：{e}"),
        )])
    })?;
    Ok(ChainReport {
        record,
        chain,
        gaps,
    })
}

/// The most chains of one pair the advisor reads.
pub const MAX_CHAINS_PER_PAIR: usize = 50;

/// The chains of `pair_id` that `user` may read and that can be analysed, for the advisor
/// (at most [`MAX_CHAINS_PER_PAIR`], oldest first). A chain still being edited (an edge to a
/// segment not yet entered, say) is left out here rather than failing the pair's whole
/// diagnosis; its own page explains what is wrong.
pub fn of_pair(db: &Db, user: &User, pair_id: &str) -> Result<Vec<Chain>, PlatformError> {
    let ids = db.read(|c| {
        let mut sql = format!("SELECT id FROM {} WHERE pair_id = ?", CHAINS.table);
        let mut params = vec![Value::Text(pair_id.to_string())];
        if let Some((filter, p)) = read_filter(user, CHAINS.name) {
            sql.push_str(&format!(" AND ({filter})"));
            params.extend(p);
        }
        sql.push_str(&format!(" ORDER BY id LIMIT {MAX_CHAINS_PER_PAIR}"));
        let rows = c.query(&sql, &params)?;
        rows.iter()
            .map(|r| r.int("id"))
            .collect::<Result<Vec<i64>, _>>()
    })?;
    let table = table().ok_or_else(|| {
        crate::db::DbError::Other("the bundled 2020 input-output table is missing".into())
    })?;
    let mut chains = Vec::new();
    for id in ids {
        let (_, chain) = load(db, user, &id.to_string())?;
        if chain_gaps(&chain, table).is_ok() {
            chains.push(chain);
        }
    }
    Ok(chains)
}

/// The docking target a gap suggests: its first sector as an `io42:` industry code (what
/// tandem's matching reads in a demand's industry column).
pub fn docking_target(gap: &ChainGap) -> String {
    format!(
        "io42:{}",
        gap.sectors.first().map(String::as_str).unwrap_or("")
    )
}

/// Makes gap `node` of chain `chain_id` a docking target: adds its [`docking_target`] code to
/// the focus industries of park offer `offer_id`, so the docking engine favours demands in
/// the segment's sector for that park. The user must read the chain and update the offer
/// (the record service's policy and version check decide), and the offer must be of the
/// chain's pair. Returns the offer as it is afterwards (unchanged when it already names the
/// code).
pub fn target_gap(
    db: &Db,
    user: &User,
    chain_id: &str,
    node: &str,
    offer_id: &str,
) -> Result<Record, PlatformError> {
    let r = report(db, user, chain_id)?;
    let gap = r.gaps.iter().find(|g| g.node == node).ok_or_else(|| {
        PlatformError::invalid(
            "node",
            "not_a_gap",
            format!("segment {node:?} is not a gap of this chain (its gaps are listed on the chain's page)"),
            format!("环节 {node:?} 不是该产业链的待补环节（见产业链页面的列表）"),
        )
    })?;
    let offer = service::get(db, user, &PARK_OFFERS, offer_id)?;
    if offer.text("pair_id") != Some(r.chain.pair.as_str()) {
        return Err(PlatformError::invalid(
            "park_offer_id",
            "other_pair",
            "the park offer is not of the chain's pair: choose an offer of one of its parks".into(),
            "该园区供给不属于本产业链所在结对，请选择本结对园区的供给".into(),
        ));
    }
    let code = docking_target(gap);
    let mut focus = list_items(offer.fields.get("focus_industries"));
    if focus.contains(&code) {
        return Ok(offer);
    }
    focus.push(code);
    let mut patch = serde_json::Map::new();
    patch.insert("focus_industries".into(), serde_json::json!(focus));
    service::update(
        db,
        user,
        &PARK_OFFERS,
        offer_id,
        Some(offer.version),
        &patch,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_chain_types_are_record_types() {
        for name in ["chains", "chain_nodes", "chain_edges", "chain_placements"] {
            assert!(
                crate::entity::ENTITIES.iter().any(|e| e.name == name),
                "{name}"
            );
        }
        assert_eq!(super::io42_codes().len(), 42);
    }
}
