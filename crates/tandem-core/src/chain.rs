//! Industry-chain maps and their gaps ("fill the chain", 补链).
//!
//! A chain for a pair's focus industry is a directed graph: nodes are segments from raw
//! materials to end products and services, each mapped to sectors of an input-output
//! classification; an edge `u → v` says `u` supplies `v`. Enterprises of both sides are placed
//! on nodes. [`chain_gaps`] lists the nodes the helped city lacks or has thinly while a
//! neighbour is present on the helper side, ranked by how strongly the national table links
//! them:
//!
//! | quantity | formula |
//! |---|---|
//! | coverage of node g | `h_g`, `k_g`: enterprises placed on g by the helper and the helped side |
//! | status | missing: `k_g = 0`; weak: `0 < k_g < s · h_g` (`s` = `weak_share`, 0.25 by default); else present |
//! | link of a helper-present supplier n → g | `max_{i ∈ S(n), j ∈ S(g)} a_ij`, the direct requirement of g's sector j for n's product i per unit of output (Leontief technical coefficient) |
//! | link of a helper-present buyer g → n | `max_{i ∈ S(g), j ∈ S(n)} a_ij` |
//! | score | `σ_g · Σ_n link(n, g)` over the helper-present neighbours, `σ` = 1 missing, 0.5 weak |
//!
//! A node is a gap only when at least one neighbour has helper-side enterprises: the helper can
//! then bring or attract the missing segment ("chain to chain"). Reference for `a_ij`: Miller &
//! Blair (2009), *Input-Output Analysis*, 2nd ed., ch. 2; the chain-gap reading follows the
//! planning practice of 强链补链 (strengthening and filling chains).

use crate::metrics::input_output::table_technical_coefficients;
use crate::metrics::MetricError;
use crate::IoTable;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The default share of the helper's enterprises on a node below which the helped side is weak.
pub const DEFAULT_WEAK_SHARE: f64 = 0.25;

/// Most segments in a chain (a real chain map has tens; the gap search is segments x edges).
pub const MAX_NODES: usize = 2_000;
/// Most supply edges in a chain.
pub const MAX_EDGES: usize = 20_000;
/// Most sectors one segment maps to.
pub const MAX_SECTORS_PER_NODE: usize = 20;
/// Most enterprises placed in a chain.
pub const MAX_ENTERPRISES: usize = 200_000;

/// A chain map.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Chain {
    /// Stable id.
    pub id: String,
    /// The programme pair it belongs to.
    pub pair: String,
    /// Names in both languages.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Where the segments and placements come from (cited), or that it is an example.
    pub source: String,
    /// Below this share of the helper's enterprises a helped node is weak.
    #[serde(default = "default_weak_share")]
    pub weak_share: f64,
    /// The segments.
    pub nodes: Vec<ChainNode>,
    /// Who supplies whom.
    #[serde(default)]
    pub edges: Vec<ChainEdge>,
    /// Enterprises placed on segments.
    #[serde(default)]
    pub enterprises: Vec<Placement>,
}

fn default_weak_share() -> f64 {
    DEFAULT_WEAK_SHARE
}

/// One segment of a chain.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainNode {
    /// Stable id within the chain.
    pub id: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Name in English.
    pub name_en: String,
    /// The input-output sector codes of the table used (`18`, `26`).
    pub sectors: Vec<String>,
    /// Where the segment is named (a publication or address), when cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// `from` supplies `to`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChainEdge {
    /// The supplying node.
    pub from: String,
    /// The buying node.
    pub to: String,
}

/// Which side of the pair an enterprise is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChainSide {
    /// The developed partner.
    Helper,
    /// The city being helped.
    Helped,
}

/// An enterprise on a node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The enterprise's name.
    pub name: String,
    /// Its side.
    pub side: ChainSide,
    /// The node it works in.
    pub node: String,
    /// Where it is reported to work in that segment and city, when cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// A node's coverage on each side and its status in the helped city.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeStatus {
    /// No helped-side enterprise.
    Missing,
    /// Fewer helped-side enterprises than `weak_share` of the helper's.
    Weak,
    /// Covered.
    Present,
}

/// How a helper-present neighbour links to a gap.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GapLink {
    /// The neighbour node.
    pub node: String,
    /// `true`: the neighbour supplies the gap; `false`: it buys from it.
    pub supplies_gap: bool,
    /// The strongest technical coefficient between their sectors.
    pub coefficient: f64,
    /// The supplying and the buying sector of that coefficient.
    pub sectors: (String, String),
    /// Helper-side enterprises on the neighbour.
    pub helper_enterprises: usize,
}

/// A node to fill in the helped city.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainGap {
    /// The node.
    pub node: String,
    /// Its names.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Its sectors.
    pub sectors: Vec<String>,
    /// Missing or weak.
    pub status: NodeStatus,
    /// Enterprises on it: helper side, helped side.
    pub helper_enterprises: usize,
    /// Helped-side enterprises on it.
    pub helped_enterprises: usize,
    /// The helper-present neighbours that make it a gap.
    pub links: Vec<GapLink>,
    /// Severity times the summed links (module table).
    pub score: f64,
}

/// Why a chain cannot be analysed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ChainError {
    /// Two nodes share an id.
    #[error("chain {chain}: node {node:?} is given twice")]
    DuplicateNode { chain: String, node: String },
    /// An edge or placement names a node the chain does not have.
    #[error("chain {chain}: {place} names node {node:?}, which is not among the nodes")]
    UnknownNode {
        chain: String,
        place: String,
        node: String,
    },
    /// A node names a sector the table does not have.
    #[error(
        "chain {chain}: node {node:?} names sector {sector:?}, not a sector of the {year} table"
    )]
    UnknownSector {
        chain: String,
        node: String,
        sector: String,
        year: i32,
    },
    /// A node has no sector.
    #[error("chain {chain}: node {node:?} needs at least one input-output sector")]
    NoSector { chain: String, node: String },
    /// More segments, edges, sectors or enterprises than a chain may have.
    #[error("chain {chain}: {what} {got} is over the limit of {limit}; split the chain")]
    TooLarge {
        chain: String,
        what: &'static str,
        got: usize,
        limit: usize,
    },
    /// `weak_share` outside (0, 1].
    #[error("chain {chain}: weak_share must be in (0, 1], got {value}")]
    WeakShare { chain: String, value: f64 },
    /// The table's coefficients cannot be computed.
    #[error(transparent)]
    Table(#[from] MetricError),
}

/// Node ids to their index, with every edge and placement checked.
fn index_nodes(chain: &Chain, table: &IoTable) -> Result<BTreeMap<String, usize>, ChainError> {
    let c = || chain.id.clone();
    check_size(chain)?;
    if !(chain.weak_share > 0.0 && chain.weak_share <= 1.0) {
        return Err(ChainError::WeakShare {
            chain: c(),
            value: chain.weak_share,
        });
    }
    let mut index = BTreeMap::new();
    for (k, n) in chain.nodes.iter().enumerate() {
        if index.insert(n.id.clone(), k).is_some() {
            return Err(ChainError::DuplicateNode {
                chain: c(),
                node: n.id.clone(),
            });
        }
        if n.sectors.is_empty() {
            return Err(ChainError::NoSector {
                chain: c(),
                node: n.id.clone(),
            });
        }
        if let Some(s) = n.sectors.iter().find(|s| sector_index(table, s).is_none()) {
            return Err(ChainError::UnknownSector {
                chain: c(),
                node: n.id.clone(),
                sector: s.clone(),
                year: table.year,
            });
        }
    }
    let named = chain
        .edges
        .iter()
        .enumerate()
        .flat_map(|(k, e)| {
            [
                (format!("edges[{k}].from"), &e.from),
                (format!("edges[{k}].to"), &e.to),
            ]
        })
        .chain(
            chain
                .enterprises
                .iter()
                .map(|p| (format!("enterprise {}", p.name), &p.node)),
        );
    for (place, node) in named {
        if !index.contains_key(node) {
            return Err(ChainError::UnknownNode {
                chain: c(),
                place,
                node: node.clone(),
            });
        }
    }
    Ok(index)
}

/// Refuses a chain over the size limits before any work on it.
fn check_size(chain: &Chain) -> Result<(), ChainError> {
    let widest = chain
        .nodes
        .iter()
        .map(|n| n.sectors.len())
        .max()
        .unwrap_or(0);
    let sizes = [
        ("segments", chain.nodes.len(), MAX_NODES),
        ("edges", chain.edges.len(), MAX_EDGES),
        ("sectors of one segment", widest, MAX_SECTORS_PER_NODE),
        ("enterprises", chain.enterprises.len(), MAX_ENTERPRISES),
    ];
    match sizes.iter().find(|(_, got, limit)| got > limit) {
        Some((what, got, limit)) => Err(ChainError::TooLarge {
            chain: chain.id.clone(),
            what,
            got: *got,
            limit: *limit,
        }),
        None => Ok(()),
    }
}

fn sector_index(table: &IoTable, code: &str) -> Option<usize> {
    table.sectors.iter().position(|s| s.code == code)
}

/// Enterprises placed on each node, by node id: (helper side, helped side). Nodes without any
/// are absent.
pub fn node_counts(chain: &Chain) -> BTreeMap<&str, (usize, usize)> {
    let mut out: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for p in &chain.enterprises {
        let c = out.entry(p.node.as_str()).or_default();
        match p.side {
            ChainSide::Helper => c.0 += 1,
            ChainSide::Helped => c.1 += 1,
        }
    }
    out
}

/// [`node_counts`] in node order.
fn coverage(chain: &Chain) -> Vec<(usize, usize)> {
    let counts = node_counts(chain);
    chain
        .nodes
        .iter()
        .map(|n| counts.get(n.id.as_str()).copied().unwrap_or((0, 0)))
        .collect()
}

/// The status of a node from its (helper, helped) enterprise counts (module table).
pub fn node_status(helper: usize, helped: usize, weak_share: f64) -> NodeStatus {
    if helped == 0 {
        NodeStatus::Missing
    } else if (helped as f64) < weak_share * helper as f64 {
        NodeStatus::Weak
    } else {
        NodeStatus::Present
    }
}

/// The strongest `a_ij` from a sector of `from` to a sector of `to`, with the two codes.
fn strongest_link(
    table: &IoTable,
    a: &[f64],
    from: &ChainNode,
    to: &ChainNode,
) -> (f64, (String, String)) {
    let n = table.sectors.len();
    let mut best = (f64::NEG_INFINITY, (String::new(), String::new()));
    for i in &from.sectors {
        for j in &to.sectors {
            let (Some(si), Some(sj)) = (sector_index(table, i), sector_index(table, j)) else {
                continue;
            };
            let v = a[si * n + sj];
            if v > best.0 {
                best = (v, (i.clone(), j.clone()));
            }
        }
    }
    best
}

/// The gaps of `chain` against the national `table`, highest score first (module table).
///
/// # Errors
/// [`ChainError`] naming the node, edge, placement or sector that is wrong, or the table's
/// own error.
pub fn chain_gaps(chain: &Chain, table: &IoTable) -> Result<Vec<ChainGap>, ChainError> {
    let index = index_nodes(chain, table)?;
    let a = table_technical_coefficients(table)?;
    let counts = coverage(chain);
    let mut gaps = Vec::new();
    for (g, node) in chain.nodes.iter().enumerate() {
        let (helper, helped) = counts[g];
        let status = node_status(helper, helped, chain.weak_share);
        if status == NodeStatus::Present {
            continue;
        }
        let links = neighbour_links(chain, table, &a, &index, &counts, g);
        if links.is_empty() {
            continue;
        }
        let severity = if status == NodeStatus::Missing {
            1.0
        } else {
            0.5
        };
        let score = severity * links.iter().map(|l| l.coefficient).sum::<f64>();
        gaps.push(ChainGap {
            node: node.id.clone(),
            name_zh: node.name_zh.clone(),
            name_en: node.name_en.clone(),
            sectors: node.sectors.clone(),
            status,
            helper_enterprises: helper,
            helped_enterprises: helped,
            links,
            score,
        });
    }
    gaps.sort_by(|x, y| {
        y.score
            .total_cmp(&x.score)
            .then_with(|| x.node.cmp(&y.node))
    });
    Ok(gaps)
}

/// The links of node `g` to its neighbours that have helper-side enterprises.
fn neighbour_links(
    chain: &Chain,
    table: &IoTable,
    a: &[f64],
    index: &BTreeMap<String, usize>,
    counts: &[(usize, usize)],
    g: usize,
) -> Vec<GapLink> {
    let gap = &chain.nodes[g];
    let mut links = Vec::new();
    for e in &chain.edges {
        let (from, to) = (index[&e.from], index[&e.to]);
        let (other, supplies_gap) = match (from == g, to == g) {
            (false, true) => (from, true),
            (true, false) => (to, false),
            _ => continue,
        };
        if counts[other].0 == 0 {
            continue;
        }
        let n = &chain.nodes[other];
        let (coefficient, sectors) = if supplies_gap {
            strongest_link(table, a, n, gap)
        } else {
            strongest_link(table, a, gap, n)
        };
        links.push(GapLink {
            node: n.id.clone(),
            supplies_gap,
            coefficient,
            sectors,
            helper_enterprises: counts[other].0,
        });
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Classification, IoTableKind, NamedVector, Sector};

    /// Three sectors of output 100 each; flows give a_12 = 0.3, a_13 = 0.05, a_23 = 0.4,
    /// a_31 = 0.02, every other a_ij = 0.
    fn table() -> IoTable {
        let sector = |c: &str| Sector {
            classification: Classification::Custom("t".into()),
            code: c.into(),
            name_en: c.into(),
            name_zh: c.into(),
        };
        IoTable {
            year: 2020,
            classification: Classification::Custom("t".into()),
            kind: IoTableKind::Competitive,
            sectors: vec![sector("1"), sector("2"), sector("3")],
            intermediate: vec![0.0, 30.0, 5.0, 0.0, 0.0, 40.0, 2.0, 0.0, 0.0],
            intermediate_imports: None,
            final_use: vec![NamedVector {
                code: "TFU".into(),
                values: vec![65.0, 60.0, 98.0],
            }],
            final_use_imports: None,
            imports: Some(vec![0.0, 0.0, 0.0]),
            gross_output: vec![100.0, 100.0, 100.0],
            value_added: vec![],
            source: "test".into(),
        }
    }

    fn node(id: &str, sector: &str) -> ChainNode {
        ChainNode {
            id: id.into(),
            name_zh: id.into(),
            name_en: id.into(),
            sectors: vec![sector.into()],
            source: None,
        }
    }

    fn placed(side: ChainSide, node: &str, n: usize) -> Vec<Placement> {
        (0..n)
            .map(|k| Placement {
                name: format!("{node}-{side:?}-{k}"),
                side,
                node: node.into(),
                source: None,
            })
            .collect()
    }

    /// ore (1) → parts (2) → machines (3) → service (1). Helper: ore 2, parts 4, machines 8;
    /// helped: ore 1, machines 1.
    fn chain() -> Chain {
        let edge = |f: &str, t: &str| ChainEdge {
            from: f.into(),
            to: t.into(),
        };
        let enterprises = [
            placed(ChainSide::Helper, "ore", 2),
            placed(ChainSide::Helper, "parts", 4),
            placed(ChainSide::Helper, "machines", 8),
            placed(ChainSide::Helped, "ore", 1),
            placed(ChainSide::Helped, "machines", 1),
        ]
        .concat();
        Chain {
            id: "c".into(),
            pair: "p".into(),
            name_zh: "c".into(),
            name_en: "c".into(),
            source: "test".into(),
            weak_share: DEFAULT_WEAK_SHARE,
            nodes: vec![
                node("ore", "1"),
                node("parts", "2"),
                node("machines", "3"),
                node("service", "1"),
            ],
            edges: vec![
                edge("ore", "parts"),
                edge("parts", "machines"),
                edge("machines", "service"),
            ],
            enterprises,
        }
    }

    /// By hand: ore is present (1 ≥ 0.25 · 2). Parts is missing; its supplier ore (a_12 =
    /// 0.3) and its buyer machines (a_23 = 0.4) are on the helper side: 1 · 0.7. Machines is
    /// weak (1 < 0.25 · 8); its supplier parts (a_23 = 0.4) is on the helper side, its buyer
    /// service is not: 0.5 · 0.4 = 0.2. Service is missing; machines supplies it (a_31 =
    /// 0.02): 0.02.
    #[test]
    fn gaps_are_scored_by_the_links_of_their_helper_present_neighbours() {
        let gaps = chain_gaps(&chain(), &table()).unwrap();
        let got: Vec<(&str, NodeStatus, f64)> = gaps
            .iter()
            .map(|g| (g.node.as_str(), g.status, g.score))
            .collect();
        let want = [
            ("parts", NodeStatus::Missing, 0.7),
            ("machines", NodeStatus::Weak, 0.2),
            ("service", NodeStatus::Missing, 0.02),
        ];
        assert_eq!(got.len(), want.len());
        for ((n, s, v), (wn, ws, wv)) in got.iter().zip(want) {
            assert_eq!((*n, *s), (wn, ws));
            assert!((v - wv).abs() < 1e-12, "{n}: {v} vs {wv}");
        }
        let parts = &gaps[0];
        assert_eq!(parts.links[0].sectors, ("1".into(), "2".into()));
        assert!(parts.links[0].supplies_gap && !parts.links[1].supplies_gap);
    }

    #[test]
    fn a_node_without_a_helper_neighbour_is_not_a_gap() {
        let mut c = chain();
        c.enterprises.retain(|p| p.side == ChainSide::Helped);
        assert!(chain_gaps(&c, &table()).unwrap().is_empty());
    }

    #[test]
    fn wrong_names_are_refused_with_the_place() {
        let mut c = chain();
        c.edges[1].to = "motors".into();
        let e = chain_gaps(&c, &table()).unwrap_err();
        assert!(
            e.to_string().contains("edges[1].to names node \"motors\""),
            "{e}"
        );
        let mut c = chain();
        c.nodes[0].sectors = vec!["99".into()];
        assert!(matches!(
            chain_gaps(&c, &table()),
            Err(ChainError::UnknownSector { .. })
        ));
        let mut c = chain();
        c.nodes[1].id = "ore".into();
        assert!(matches!(
            chain_gaps(&c, &table()),
            Err(ChainError::DuplicateNode { .. })
        ));
    }

    #[test]
    fn a_chain_over_the_limits_is_refused_before_any_work() {
        let mut c = chain();
        c.edges = (0..=MAX_EDGES)
            .map(|_| ChainEdge {
                from: "ore".into(),
                to: "parts".into(),
            })
            .collect();
        let e = chain_gaps(&c, &table()).unwrap_err();
        assert!(
            matches!(e, ChainError::TooLarge { what: "edges", .. }),
            "{e}"
        );
    }

    #[test]
    fn status_thresholds() {
        assert_eq!(node_status(8, 0, 0.25), NodeStatus::Missing);
        assert_eq!(node_status(8, 1, 0.25), NodeStatus::Weak);
        assert_eq!(node_status(8, 2, 0.25), NodeStatus::Present);
        assert_eq!(node_status(0, 1, 0.25), NodeStatus::Present);
    }
}
