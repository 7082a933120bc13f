//! A chain map as one Excel workbook, for the officials who keep their chains in Excel (what
//! `tandem chain export` writes and both `tandem chain gaps` and the platform's one-step
//! import read).
//!
//! Sheets: `chain` (rows `key, value`: id, pair, name_zh, name_en, source, weak_share),
//! `nodes` (id, name_zh, name_en, sectors: codes separated by spaces or commas, and an
//! optional source), `edges` (from, to) and `enterprises` (name, side: helper|helped, node, and
//! an optional source). Columns are found by their header, in any order; the workbook is read
//! under the limits of every tandem reader ([`tandem_sheet::Limits::DEFAULT`]).

use rust_xlsxwriter::Workbook as XlsxBook;
use std::collections::HashMap;
use tandem_core::chain::{Chain, ChainEdge, ChainNode, ChainSide, Placement, DEFAULT_WEAK_SHARE};
use tandem_sheet::{cell_text, Data, Grid, Limits, Workbook};

/// Why a workbook is not a chain map.
#[derive(Debug, thiserror::Error)]
pub enum ChainBookError {
    /// Not a workbook, or over a reading limit.
    #[error("{0}")]
    Workbook(#[from] tandem_sheet::SheetError),
    /// A sheet lacks a column.
    #[error("sheet {sheet}: no column {column:?} (it needs {needs})")]
    MissingColumn {
        sheet: &'static str,
        column: &'static str,
        needs: String,
    },
    /// The `chain` sheet lacks a row.
    #[error("sheet chain has no {0:?} row")]
    MissingRow(&'static str),
    /// `weak_share` is not a number.
    #[error("weak_share {0:?} is not a number")]
    WeakShare(String),
    /// An enterprise's side is neither `helper` nor `helped`.
    #[error("enterprise {name:?}: side {side:?} is not helper or helped")]
    Side { name: String, side: String },
    /// Writing the workbook failed.
    #[error("writing the workbook: {0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
}

/// One row of a sheet below its header, as text by column name.
type Row = HashMap<String, String>;

/// The rows of a sheet below its header; `columns` must all be there.
fn records(
    sheet: &'static str,
    grid: &Grid,
    columns: &[&'static str],
) -> Result<Vec<Row>, ChainBookError> {
    let mut rows = grid.rows();
    let Some(header) = rows.next() else {
        return Ok(Vec::new());
    };
    let header: Vec<String> = header
        .iter()
        .map(|c| cell_text(c).trim().to_string())
        .collect();
    if let Some(missing) = columns.iter().find(|c| !header.iter().any(|h| h == *c)) {
        return Err(ChainBookError::MissingColumn {
            sheet,
            column: missing,
            needs: columns.join(", "),
        });
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
    name: &'static str,
    columns: &[&'static str],
) -> Result<Vec<Row>, ChainBookError> {
    let grid = book.read_sheet(name)?;
    records(name, &grid, columns)
}

/// An optional column's value: `None` when the column is absent or the cell empty.
fn optional(r: &Row, column: &str) -> Option<String> {
    r.get(column).filter(|v| !v.is_empty()).cloned()
}

/// The chain in the workbook `bytes`.
pub fn read(bytes: &[u8]) -> Result<Chain, ChainBookError> {
    let mut book = Workbook::open(bytes, &Limits::DEFAULT)?;
    let meta: HashMap<String, String> = sheet(&mut book, "chain", &["key", "value"])?
        .into_iter()
        .map(|r| (r["key"].clone(), r["value"].clone()))
        .collect();
    let get = |k: &'static str| {
        meta.get(k)
            .filter(|v| !v.is_empty())
            .cloned()
            .ok_or(ChainBookError::MissingRow(k))
    };
    let weak_share = match meta.get("weak_share").filter(|v| !v.is_empty()) {
        Some(v) => v
            .parse()
            .map_err(|_| ChainBookError::WeakShare(v.clone()))?,
        None => DEFAULT_WEAK_SHARE,
    };
    let nodes = sheet(&mut book, "nodes", &["id", "name_zh", "name_en", "sectors"])?
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
            source: optional(&r, "source"),
        })
        .collect();
    let edges = sheet(&mut book, "edges", &["from", "to"])?
        .into_iter()
        .map(|r| ChainEdge {
            from: r["from"].clone(),
            to: r["to"].clone(),
        })
        .collect();
    let enterprises = sheet(&mut book, "enterprises", &["name", "side", "node"])?
        .into_iter()
        .map(placement)
        .collect::<Result<Vec<_>, _>>()?;
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

fn placement(r: Row) -> Result<Placement, ChainBookError> {
    let side = match r["side"].as_str() {
        "helper" => ChainSide::Helper,
        "helped" => ChainSide::Helped,
        other => {
            return Err(ChainBookError::Side {
                name: r["name"].clone(),
                side: other.to_string(),
            })
        }
    };
    Ok(Placement {
        name: r["name"].clone(),
        side,
        node: r["node"].clone(),
        source: optional(&r, "source"),
    })
}

/// `chain` as a workbook of the four sheets.
pub fn write(chain: &Chain) -> Result<Vec<u8>, ChainBookError> {
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
        .map(|(n, s)| {
            let source = n.source.as_deref().unwrap_or("");
            vec![n.id.as_str(), &n.name_zh, &n.name_en, s, source]
        })
        .collect();
    let head = ["id", "name_zh", "name_en", "sectors", "source"];
    table(&mut book, "nodes", &head, &nodes)?;
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
            vec![
                p.name.as_str(),
                side,
                &p.node,
                p.source.as_deref().unwrap_or(""),
            ]
        })
        .collect();
    let head = ["name", "side", "node", "source"];
    table(&mut book, "enterprises", &head, &firms)?;
    Ok(book.save_to_buffer()?)
}

fn table(
    book: &mut XlsxBook,
    name: &str,
    head: &[&str],
    rows: &[Vec<&str>],
) -> Result<(), ChainBookError> {
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
