//! A chain map as an Excel workbook, for the officials who keep their chains in Excel: sheet
//! `chain` (rows `key, value`: id, pair, name_zh, name_en, source, weak_share), `nodes` (id,
//! name_zh, name_en, sectors: codes separated by spaces or commas), `edges` (from, to) and
//! `enterprises` (name, side: helper|helped, node). Columns are found by their header, in any
//! order; the workbook is read under the limits of every tandem reader.

use super::input::cell_text;
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use rust_xlsxwriter::Workbook as XlsxBook;
use std::collections::HashMap;
use std::path::Path;
use tandem_core::chain::{Chain, ChainEdge, ChainNode, ChainSide, Placement, DEFAULT_WEAK_SHARE};
use tandem_sheet::{Data, Grid, Limits, Workbook};

/// The rows of a sheet below its header, each as text by column name.
fn records(name: &str, grid: &Grid, columns: &[&str]) -> Result<Vec<HashMap<String, String>>> {
    let mut rows = grid.rows();
    let Some(header) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header
        .iter()
        .map(|c| cell_text(c).trim().to_string())
        .collect();
    if let Some(missing) = columns.iter().find(|c| !header.iter().any(|h| h == *c)) {
        user_bail!(
            "sheet {name}: no column {missing:?} (it needs {})",
            columns.join(", ")
        );
    }
    Ok(rows
        .filter(|r| !r.iter().all(|c| matches!(c, Data::Empty)))
        .map(|r| {
            header
                .iter()
                .zip(r)
                .map(|(h, c)| (h.clone(), cell_text(c).trim().to_string()))
                .collect()
        })
        .collect())
}

fn sheet(
    book: &mut Workbook<'_>,
    file: &str,
    name: &str,
    columns: &[&str],
) -> Result<Vec<HashMap<String, String>>> {
    let grid = book
        .read_sheet(name)
        .map_err(|e| UserError::new(format!("{file}: sheet {name}: {e}")))?;
    records(name, &grid, columns)
}

/// The chain in the workbook `bytes` (named `file` in messages).
pub(crate) fn read(file: &str, bytes: &[u8]) -> Result<Chain> {
    let mut book = Workbook::open(bytes, &Limits::DEFAULT)
        .map_err(|e| UserError::new(format!("{file}: {e}")))?;
    let meta: HashMap<String, String> = sheet(&mut book, file, "chain", &["key", "value"])?
        .into_iter()
        .map(|r| (r["key"].clone(), r["value"].clone()))
        .collect();
    let get = |k: &str| -> Result<String> {
        match meta.get(k).filter(|v| !v.is_empty()) {
            Some(v) => Ok(v.clone()),
            None => user_bail!("{file}: sheet chain has no {k:?} row"),
        }
    };
    let weak_share = match meta.get("weak_share").filter(|v| !v.is_empty()) {
        Some(v) => v
            .parse()
            .map_err(|_| UserError::new(format!("{file}: weak_share {v:?} is not a number")))?,
        None => DEFAULT_WEAK_SHARE,
    };
    let nodes = sheet(
        &mut book,
        file,
        "nodes",
        &["id", "name_zh", "name_en", "sectors"],
    )?
    .into_iter()
    .map(|r| ChainNode {
        id: r["id"].clone(),
        name_zh: r["name_zh"].clone(),
        name_en: r["name_en"].clone(),
        sectors: r["sectors"]
            .split([' ', ',', '，'])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    })
    .collect();
    let edges = sheet(&mut book, file, "edges", &["from", "to"])?
        .into_iter()
        .map(|r| ChainEdge {
            from: r["from"].clone(),
            to: r["to"].clone(),
        })
        .collect();
    let enterprises = sheet(&mut book, file, "enterprises", &["name", "side", "node"])?
        .into_iter()
        .map(|r| {
            let side = match r["side"].as_str() {
                "helper" => ChainSide::Helper,
                "helped" => ChainSide::Helped,
                other => user_bail!(
                    "{file}: enterprise {:?}: side {other:?} is not helper or helped",
                    r["name"]
                ),
            };
            Ok(Placement {
                name: r["name"].clone(),
                side,
                node: r["node"].clone(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Chain {
        id: get("id")?,
        pair: get("pair")?,
        name_zh: get("name_zh")?,
        name_en: get("name_en")?,
        source: get("source")?,
        weak_share,
        nodes,
        edges,
        enterprises,
    })
}

/// Writes `chain` as a workbook of the four sheets at `path`.
pub(crate) fn write(chain: &Chain, path: &Path) -> Result<()> {
    let mut book = XlsxBook::new();
    let weak = chain.weak_share.to_string();
    let meta: Vec<Vec<&str>> = vec![
        vec!["id", &chain.id],
        vec!["pair", &chain.pair],
        vec!["name_zh", &chain.name_zh],
        vec!["name_en", &chain.name_en],
        vec!["source", &chain.source],
        vec!["weak_share", &weak],
    ];
    table(&mut book, "chain", &["key", "value"], &meta)?;
    let sectors: Vec<String> = chain.nodes.iter().map(|n| n.sectors.join(" ")).collect();
    let nodes: Vec<Vec<&str>> = chain
        .nodes
        .iter()
        .zip(&sectors)
        .map(|(n, s)| vec![n.id.as_str(), &n.name_zh, &n.name_en, s])
        .collect();
    table(
        &mut book,
        "nodes",
        &["id", "name_zh", "name_en", "sectors"],
        &nodes,
    )?;
    let edges: Vec<Vec<&str>> = chain
        .edges
        .iter()
        .map(|e| vec![e.from.as_str(), &e.to])
        .collect();
    table(&mut book, "edges", &["from", "to"], &edges)?;
    let firms: Vec<Vec<&str>> = chain
        .enterprises
        .iter()
        .map(|p| {
            let side = match p.side {
                ChainSide::Helper => "helper",
                ChainSide::Helped => "helped",
            };
            vec![p.name.as_str(), side, &p.node]
        })
        .collect();
    table(&mut book, "enterprises", &["name", "side", "node"], &firms)?;
    book.save(path)
        .with_context(|| format!("writing {}", path.display()))
}

fn table(book: &mut XlsxBook, name: &str, head: &[&str], rows: &[Vec<&str>]) -> Result<()> {
    let ws = book.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in head.iter().enumerate() {
        ws.write_string(0, c as u16, *h)?;
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32 + 1, c as u16, *v)?;
        }
    }
    Ok(())
}
