//! The picture of an industry chain (`tandem chain gaps --svg`): segments in columns by their
//! depth in the supply graph (raw materials left, end products and services right), arrows for
//! "supplies", each segment coloured by the helped city's coverage (present, weak, missing)
//! with both sides' enterprise counts, and the gaps to fill outlined and numbered by rank.
//! Standalone: the colours are in the SVG's own `<style>`, so the file opens anywhere.

use crate::svg::{Anchor, Svg};
use crate::text::Lang;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tandem_core::chain::{node_counts, node_status, Chain, ChainGap, NodeStatus};

const BOX_W: f64 = 168.0;
const BOX_H: f64 = 48.0;
const COL_GAP: f64 = 56.0;
const ROW_GAP: f64 = 20.0;
const MARGIN: f64 = 24.0;
const TOP: f64 = 56.0;

const STYLE: &str = "<style>.node-present{fill:#dcefdc;stroke:#4d7c4d}.node-weak{fill:#fbe7b5;stroke:#a06c00}.node-missing{fill:#f6d0cc;stroke:#a33}.gap{stroke:#b3261e;stroke-width:3}.edge{stroke:#777;stroke-width:1.4;fill:none;marker-end:url(#arrow)}.label{font:12px sans-serif;fill:#222}.count{font:11px sans-serif;fill:#444}.rank{font:bold 12px sans-serif;fill:#b3261e}.legend{font:12px sans-serif;fill:#222}</style><defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#777\"/></marker></defs>";

/// Each node's column: the longest supply path reaching it (sources are 0). A cycle is cut
/// after as many rounds as there are nodes.
fn depths(chain: &Chain) -> Vec<usize> {
    let index: BTreeMap<&str, usize> = chain
        .nodes
        .iter()
        .enumerate()
        .map(|(k, n)| (n.id.as_str(), k))
        .collect();
    let mut depth = vec![0usize; chain.nodes.len()];
    for _ in 0..chain.nodes.len() {
        let mut changed = false;
        for e in &chain.edges {
            let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str()))
            else {
                continue;
            };
            if depth[t] < depth[f] + 1 && depth[f] + 1 < chain.nodes.len() {
                depth[t] = depth[f] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    depth
}

/// Top-left corner of each node's box.
fn positions(chain: &Chain) -> (Vec<(f64, f64)>, f64, f64) {
    let depth = depths(chain);
    let mut rows: BTreeMap<usize, usize> = BTreeMap::new();
    let mut at = Vec::with_capacity(chain.nodes.len());
    for d in &depth {
        let row = rows.entry(*d).or_default();
        at.push((
            MARGIN + *d as f64 * (BOX_W + COL_GAP),
            TOP + *row as f64 * (BOX_H + ROW_GAP),
        ));
        *row += 1;
    }
    let cols = depth.iter().max().map_or(1, |d| d + 1) as f64;
    let most_rows = rows.values().max().copied().unwrap_or(1) as f64;
    let width = 2.0 * MARGIN + cols * BOX_W + (cols - 1.0) * COL_GAP;
    let height = TOP + most_rows * (BOX_H + ROW_GAP) + 36.0;
    (at, width.max(420.0), height)
}

/// The chain as a standalone SVG in `lang`, the `gaps` (from `chain_gaps`) outlined by rank.
pub fn chain_svg(chain: &Chain, gaps: &[ChainGap], lang: Lang) -> String {
    let (at, width, height) = positions(chain);
    let name = match lang {
        Lang::Zh => &chain.name_zh,
        Lang::En => &chain.name_en,
    };
    let mut svg = Svg::new(width, height, name);
    svg.raw(STYLE);
    svg.text(MARGIN, 24.0, name, "label", Anchor::Start);
    let index: BTreeMap<&str, usize> = chain
        .nodes
        .iter()
        .enumerate()
        .map(|(k, n)| (n.id.as_str(), k))
        .collect();
    for e in &chain.edges {
        if let (Some(&f), Some(&t)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            let (x1, y1) = (at[f].0 + BOX_W, at[f].1 + BOX_H / 2.0);
            let (x2, y2) = (at[t].0, at[t].1 + BOX_H / 2.0);
            let mut path = String::new();
            let mid = (x1 + x2) / 2.0;
            let _ = write!(
                path,
                r#"<path class="edge" d="M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1}"/>"#
            );
            svg.raw(&path);
        }
    }
    let counts = node_counts(chain);
    let rank: BTreeMap<&str, usize> = gaps
        .iter()
        .enumerate()
        .map(|(k, g)| (g.node.as_str(), k + 1))
        .collect();
    for (k, node) in chain.nodes.iter().enumerate() {
        let (h, d) = counts.get(node.id.as_str()).copied().unwrap_or((0, 0));
        let status = node_status(h, d, chain.weak_share);
        draw_node(
            &mut svg,
            at[k],
            node_label(node, lang),
            (h, d),
            status,
            rank.get(node.id.as_str()).copied(),
            lang,
        );
    }
    legend(&mut svg, height - 14.0, lang);
    svg.finish()
}

fn node_label(node: &tandem_core::chain::ChainNode, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &node.name_zh,
        Lang::En => &node.name_en,
    }
}

fn status_text(status: NodeStatus, lang: Lang) -> &'static str {
    match status {
        NodeStatus::Present => lang.pick("受援方已有", "present in the helped city"),
        NodeStatus::Weak => lang.pick("受援方薄弱", "weak in the helped city"),
        NodeStatus::Missing => lang.pick("受援方缺失", "missing in the helped city"),
    }
}

fn draw_node(
    svg: &mut Svg,
    (x, y): (f64, f64),
    label: &str,
    (helper, helped): (usize, usize),
    status: NodeStatus,
    gap_rank: Option<usize>,
    lang: Lang,
) {
    let class = match status {
        NodeStatus::Present => "node-present",
        NodeStatus::Weak => "node-weak",
        NodeStatus::Missing => "node-missing",
    };
    let class = if gap_rank.is_some() {
        format!("{class} gap")
    } else {
        class.to_string()
    };
    let counts = match lang {
        Lang::Zh => format!("支援方 {helper} · 受援方 {helped}"),
        Lang::En => format!("helper {helper} · helped {helped}"),
    };
    let tooltip = format!("{label}: {}; {counts}", status_text(status, lang));
    svg.rect(x, y, BOX_W, BOX_H, &class, Some(&tooltip));
    // The rank sits at the right: a long name is shortened (whole in the tooltip).
    svg.text(
        x + 8.0,
        y + 19.0,
        &fit(label, BOX_W - 44.0),
        "label",
        Anchor::Start,
    );
    svg.text(x + 8.0, y + 37.0, &counts, "count", Anchor::Start);
    if let Some(r) = gap_rank {
        svg.text(
            x + BOX_W - 6.0,
            y + 19.0,
            &format!("#{r}"),
            "rank",
            Anchor::End,
        );
    }
}

/// `text` shortened with "…" to at most `max_px` wide at the label size.
fn fit(text: &str, max_px: f64) -> String {
    if crate::svg::text_width(text, 12.0) <= max_px {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if crate::svg::text_width(&format!("{out}{c}…"), 12.0) > max_px {
            break;
        }
        out.push(c);
    }
    out + "…"
}

fn legend(svg: &mut Svg, y: f64, lang: Lang) {
    let items = [
        ("node-present", NodeStatus::Present),
        ("node-weak", NodeStatus::Weak),
        ("node-missing", NodeStatus::Missing),
    ];
    let mut x = MARGIN;
    for (class, status) in items {
        svg.rect(x, y - 10.0, 14.0, 12.0, class, None);
        let text = status_text(status, lang);
        svg.text(x + 20.0, y, text, "legend", Anchor::Start);
        x += 40.0 + crate::svg::text_width(text, 12.0);
    }
    svg.rect(x, y - 10.0, 14.0, 12.0, "node-missing gap", None);
    svg.text(
        x + 20.0,
        y,
        lang.pick("待补链环节（按得分排序）", "gap to fill (#rank by score)"),
        "legend",
        Anchor::Start,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::chain::{ChainEdge, ChainNode, ChainSide, Placement};

    fn chain() -> Chain {
        let node = |id: &str, en: &str| ChainNode {
            id: id.into(),
            name_zh: format!("{id}环节"),
            name_en: en.into(),
            sectors: vec!["14".into()],
            source: None,
        };
        let placed = |side, node: &str| Placement {
            name: format!("{node}-{side:?}"),
            side,
            node: node.into(),
            source: None,
        };
        Chain {
            id: "c".into(),
            pair: "p".into(),
            name_zh: "链".into(),
            name_en: "Chain".into(),
            source: "test".into(),
            weak_share: 0.25,
            nodes: vec![
                node("a", "Ore <raw>"),
                node("b", "Parts"),
                node("c", "Machines"),
            ],
            edges: vec![
                ChainEdge {
                    from: "a".into(),
                    to: "b".into(),
                },
                ChainEdge {
                    from: "b".into(),
                    to: "c".into(),
                },
            ],
            enterprises: vec![
                placed(ChainSide::Helper, "a"),
                placed(ChainSide::Helped, "a"),
                placed(ChainSide::Helper, "c"),
            ],
        }
    }

    /// Columns follow the supply order; coverage colours, the gap outlined with its rank, the
    /// names escaped, an accessible title, and a legend, in both languages.
    #[test]
    fn the_chain_picture_shows_coverage_and_ranked_gaps() {
        let c = chain();
        assert_eq!(depths(&c), vec![0, 1, 2]);
        let gap = ChainGap {
            node: "b".into(),
            name_zh: "b".into(),
            name_en: "Parts".into(),
            sectors: vec!["14".into()],
            status: NodeStatus::Missing,
            helper_enterprises: 0,
            helped_enterprises: 0,
            links: Vec::new(),
            score: 0.3,
        };
        let en = chain_svg(&c, std::slice::from_ref(&gap), Lang::En);
        assert!(
            en.starts_with("<svg")
                && en.contains(r#"role="img""#)
                && en.contains("<title>Chain</title>")
        );
        assert!(en.contains("Ore &lt;raw&gt;") && !en.contains("Ore <raw>"));
        assert_eq!(en.matches(r#"class="edge""#).count(), 2);
        assert!(
            en.contains(r#"class="node-present""#),
            "a: 1 helped of 1 helper"
        );
        assert!(en.contains(r#"class="node-missing gap""#) && en.contains(">#1<"));
        assert!(en.contains("helper 1 · helped 0"), "c");
        let zh = chain_svg(&c, &[gap], Lang::Zh);
        assert!(zh.contains("a环节") && zh.contains("受援方缺失"));
        assert_eq!(
            fit("Construction machinery and more", 80.0).chars().last(),
            Some('…')
        );
        assert_eq!(fit("Parts", 80.0), "Parts");
    }
}
