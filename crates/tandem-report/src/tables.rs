//! The report's tables, built once and written to the workbook (one sheet per table) and to
//! the JSON file (one array of objects per table, keyed by the columns' machine keys).

use crate::labels::{self as lb, tx};
use crate::text::Lang;
use crate::{diagnosis, Ctx, ReportInput};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use tandem_core::figures::{Figure, Ratio};

/// The indicators counted in the coverage table.
pub(crate) const CORE_INDICATORS: [&str; 6] = [
    "gdp",
    "va_primary",
    "va_secondary",
    "va_tertiary",
    "population_resident",
    "gdp_per_capita",
];

/// One cell of a table. `Missing` is written as the visible "no data" text in the workbook
/// and as `null` in JSON, never as 0.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cell {
    Text(String),
    Number(f64),
    Missing,
}

impl Cell {
    fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    fn num(v: Option<f64>) -> Cell {
        v.filter(|v| v.is_finite())
            .map_or(Cell::Missing, Cell::Number)
    }
    fn int(v: impl Into<i64>) -> Cell {
        Cell::Number(v.into() as f64)
    }
}

/// A column: machine key (JSON) and label in the report's language (workbook header).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Column {
    pub key: &'static str,
    pub label: String,
}

/// One table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sheet {
    /// Sheet name (≤ 31 characters, no `[]:*?/\`).
    pub name: &'static str,
    /// What the table holds, in the report's language (first row of the sheet).
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    fn new(name: &'static str, title: String, columns: &[(&'static str, &str)]) -> Sheet {
        Sheet {
            name,
            title,
            columns: columns
                .iter()
                .map(|(key, label)| Column {
                    key,
                    label: label.to_string(),
                })
                .collect(),
            rows: Vec::new(),
        }
    }
}

/// Coverage of the core indicators per programme locality and year.
pub(crate) struct Coverage {
    pub years: Vec<i32>,
    pub rows: Vec<CoverageRow>,
    pub filled: usize,
    pub cells: usize,
}

pub(crate) struct CoverageRow {
    pub locality: String,
    /// Core indicators with a value, per year of `years`.
    pub counts: Vec<usize>,
}

/// Counts the core cells with a value for the programme's localities, over the years from
/// the earliest to the latest year any of them has a core value.
pub(crate) fn coverage(input: &ReportInput<'_>) -> Coverage {
    let ids: Vec<&str> = input
        .programme
        .pairs
        .iter()
        .flat_map(|p| [p.helper.as_str(), p.helped.as_str()])
        .collect();
    let core: Vec<&tandem_core::Observation> = input
        .observations
        .iter()
        .filter(|o| {
            ids.contains(&o.locality.as_str()) && CORE_INDICATORS.contains(&o.indicator.as_str())
        })
        .collect();
    let years: Vec<i32> = match (
        core.iter().map(|o| o.year).min(),
        core.iter().map(|o| o.year).max(),
    ) {
        (Some(a), Some(b)) => (a..=b).collect(),
        _ => Vec::new(),
    };
    let rows: Vec<CoverageRow> = ids
        .iter()
        .map(|id| CoverageRow {
            locality: id.to_string(),
            counts: years
                .iter()
                .map(|y| {
                    core.iter()
                        .filter(|o| o.locality == *id && o.year == *y)
                        .map(|o| o.indicator.as_str())
                        .collect::<BTreeSet<_>>()
                        .len()
                })
                .collect(),
        })
        .collect();
    let filled = rows.iter().flat_map(|r| &r.counts).sum();
    let cells = rows.len() * years.len() * CORE_INDICATORS.len();
    Coverage {
        years,
        rows,
        filled,
        cells,
    }
}

fn figure_cells(f: Option<&Figure>) -> [Cell; 3] {
    match f {
        Some(f) => [
            Cell::Number(f.value),
            Cell::int(f.year),
            Cell::text(&f.source.citation),
        ],
        None => [Cell::Missing, Cell::Missing, Cell::Missing],
    }
}

fn ratio_cells(r: Option<&Ratio>) -> [Cell; 2] {
    match r {
        Some(r) => [Cell::Number(r.value), Cell::int(r.year)],
        None => [Cell::Missing, Cell::Missing],
    }
}

/// Every table of the report, in sheet order.
pub(crate) fn build(ctx: &Ctx<'_>) -> Vec<Sheet> {
    let lang = ctx.lang;
    let p = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let pairs: Vec<_> = ctx
        .input
        .programme
        .pairs
        .iter()
        .filter_map(|pair| diagnosis(ctx.input, &pair.id).map(|d| (pair, d)))
        .collect();

    let mut gaps = Sheet::new(
        "Pairs",
        p("结对与发展差距：支援方与受援方两组数值分列，均为最近有数据的年份；倍数只按共同年份计算。", "Pairs and their gaps: the helper's and the helped side's figures in separate labelled columns, each the latest year with data; ratios only for a common year.").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("helper_id", p("支援方编号", "Helper id")),
            ("helper", p("支援方", "Helper")),
            ("helped_id", p("受援方编号", "Helped id")),
            ("helped", p("受援方", "Helped")),
            ("helper_gdp_100m_yuan", p("支援方 GDP（亿元）", "Helper GDP (100m yuan)")),
            ("helper_gdp_year", p("支援方 GDP 年份", "Helper GDP year")),
            ("helper_gdp_source", p("支援方 GDP 来源", "Helper GDP source")),
            ("helped_gdp_100m_yuan", p("受援方 GDP（亿元）", "Helped GDP (100m yuan)")),
            ("helped_gdp_year", p("受援方 GDP 年份", "Helped GDP year")),
            ("helped_gdp_source", p("受援方 GDP 来源", "Helped GDP source")),
            ("gdp_ratio", p("GDP 倍数（支援方/受援方）", "GDP ratio (helper / helped)")),
            ("gdp_ratio_year", p("GDP 倍数年份", "GDP ratio year")),
            ("helper_gdp_per_capita_yuan", p("支援方人均 GDP（元）", "Helper GDP per capita (yuan)")),
            ("helper_gdp_per_capita_year", p("支援方人均 GDP 年份", "Helper GDP per capita year")),
            ("helper_gdp_per_capita_source", p("支援方人均 GDP 来源", "Helper GDP per capita source")),
            ("helped_gdp_per_capita_yuan", p("受援方人均 GDP（元）", "Helped GDP per capita (yuan)")),
            ("helped_gdp_per_capita_year", p("受援方人均 GDP 年份", "Helped GDP per capita year")),
            ("helped_gdp_per_capita_source", p("受援方人均 GDP 来源", "Helped GDP per capita source")),
            ("gdp_per_capita_ratio", p("人均 GDP 倍数", "Per-capita GDP ratio")),
            ("gdp_per_capita_ratio_year", p("人均 GDP 倍数年份", "Per-capita GDP ratio year")),
        ],
    );
    let mut structure = Sheet::new(
        "Structure",
        p("三次产业结构（占 GDP 百分比），每方为最近有完整三次产业数据的年份。", "Three-sector structure (percent of GDP), each side's latest year with all three sectors.").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("side", p("方", "Side")),
            ("locality_id", p("地区编号", "Locality id")),
            ("locality", p("地区", "Locality")),
            ("year", p("年份", "Year")),
            ("basis", p("依据", "Basis")),
            ("primary_percent", p("第一产业（%）", "Primary (%)")),
            ("secondary_percent", p("第二产业（%）", "Secondary (%)")),
            ("tertiary_percent", p("第三产业（%）", "Tertiary (%)")),
            ("sources", p("来源", "Sources")),
        ],
    );
    let mut problems = Sheet::new(
        "Problems",
        p("问题诊断：每个结对三类问题的结论、置信度、说明与规则。", "Problems: verdict, confidence, explanation and rule of the three problem types per pair.").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("problem", p("问题", "Problem")),
            ("verdict", p("结论", "Verdict")),
            ("confidence", p("置信度", "Confidence")),
            ("explanation", p("说明", "Explanation")),
            ("evidence", p("证据", "Evidence")),
            ("rule", p("规则", "Rule")),
        ],
    );
    let mut paths = Sheet::new(
        "Paths",
        p("破解路径与建议。", "Paths and recommendations.").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("path", p("路径", "Path")),
            ("recommendation", p("建议", "Recommendation")),
        ],
    );
    let mut opps = Sheet::new(
        "Opportunities",
        p("合作机会排序：得分及四个分项（值 0–1 与对得分的贡献）。", "Ranked opportunities: score and its four components (value 0–1 and contribution to the score).").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("rank", p("排名", "Rank")),
            ("sector_code", p("部门代码", "Sector code")),
            ("sector", p("产业", "Industry")),
            ("score", p("得分", "Score")),
            ("mode", p("合作方式", "Mode")),
            ("transfer_propensity", p("转移倾向", "Transfer propensity")),
            ("transfer_propensity_contribution", p("转移倾向贡献", "Transfer propensity contribution")),
            ("receiving_capacity", p("承接能力", "Receiving capacity")),
            ("receiving_capacity_contribution", p("承接能力贡献", "Receiving capacity contribution")),
            ("io_linkage", p("投入产出关联", "IO linkage")),
            ("io_linkage_contribution", p("投入产出关联贡献", "IO linkage contribution")),
            ("distance_decay", p("距离衰减", "Distance decay")),
            ("distance_decay_contribution", p("距离衰减贡献", "Distance decay contribution")),
            ("reason", p("理由", "Reason")),
        ],
    );
    let mut linkages = Sheet::new(
        "Linkage ranks",
        p("引力联系排名：每方最强的联系伙伴，以及结对另一方的名次。", "Gravity-linkage ranks: each side's strongest partners and where the pair's other side ranks.").to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("from_id", p("排序方编号", "Ranking side id")),
            ("from", p("排序方", "Ranking side")),
            ("year", p("年份", "Year")),
            ("other_rank", p("另一方名次", "Rank of the other side")),
            ("ranked", p("可排名伙伴数", "Partners ranked")),
            ("candidates", p("候选伙伴数", "Candidates")),
            ("partner_position", p("伙伴位次", "Partner position")),
            ("partner_id", p("伙伴编号", "Partner id")),
            ("partner", p("伙伴", "Partner")),
            ("linkage", p("引力联系强度", "Gravity linkage")),
        ],
    );
    let mut io_links = Sheet::new(
        "IO links",
        p(
            "双方产业间最强的投入产出联系（全国投入产出表）。",
            "Strongest input-output links between the two sides' industries (national table).",
        )
        .to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("from_code", p("供给部门代码", "Supplying code")),
            ("from", p("供给部门", "Supplying sector")),
            ("to_code", p("需求部门代码", "Buying code")),
            ("to", p("需求部门", "Buying sector")),
            ("direction", p("方向", "Direction")),
            ("direct", p("直接消耗系数", "Direct coefficient")),
            ("total", p("完全需要系数", "Leontief coefficient")),
            ("table_year", p("投入产出表年份", "Table year")),
        ],
    );
    let mut events = Sheet::new(
        "Events",
        p(
            "合作事件（含全局事件）；日期按原文公布的精度。",
            "Cooperation events (programme-wide ones included); dates as precise as published.",
        )
        .to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("number", p("编号", "Number")),
            ("date", p("日期", "Date")),
            ("kind", p("类型", "Kind")),
            ("scope", p("范围", "Scope")),
            ("title", p("事件", "Event")),
            ("amount_yuan", p("金额（元）", "Amount (yuan)")),
            ("summary", p("摘要", "Summary")),
            ("source", p("来源", "Source")),
        ],
    );
    for (pair, d) in &pairs {
        let f = &d.foundation;
        let mut row = vec![
            Cell::text(&pair.id),
            Cell::text(&pair.helper),
            Cell::text(ctx.name(&pair.helper)),
            Cell::text(&pair.helped),
            Cell::text(ctx.name(&pair.helped)),
        ];
        row.extend(figure_cells(f.helper.gdp.as_ref()));
        row.extend(figure_cells(f.helped.gdp.as_ref()));
        row.extend(ratio_cells(f.gdp_ratio.as_ref()));
        row.extend(figure_cells(f.helper.gdp_per_capita.as_ref()));
        row.extend(figure_cells(f.helped.gdp_per_capita.as_ref()));
        row.extend(ratio_cells(f.gdp_per_capita_ratio.as_ref()));
        gaps.rows.push(row);

        for (side, s) in [
            (p("支援方", "helper"), &f.helper),
            (p("受援方", "helped"), &f.helped),
        ] {
            let mut row = vec![
                Cell::text(&pair.id),
                Cell::text(side),
                Cell::text(&s.locality),
                Cell::text(ctx.name(&s.locality)),
            ];
            match &s.structure {
                Some(st) => {
                    row.push(Cell::int(st.year));
                    row.push(Cell::text(lb::basis(st.basis, lang)));
                    row.extend(st.shares.iter().map(|v| Cell::num(Some(v * 100.0))));
                    let srcs: BTreeSet<&str> = st
                        .figures
                        .iter()
                        .map(|f| f.source.citation.as_str())
                        .collect();
                    row.push(Cell::text(srcs.into_iter().collect::<Vec<_>>().join(" ; ")));
                }
                None => row.extend(std::iter::repeat_n(Cell::Missing, 6)),
            }
            structure.rows.push(row);
        }

        for pr in &d.problems {
            let evidence: Vec<String> = pr
                .evidence
                .iter()
                .map(|e| tx(&e.text, lang).to_string())
                .collect();
            problems.rows.push(vec![
                Cell::text(&pair.id),
                Cell::text(tx(&pr.title, lang)),
                Cell::text(lb::verdict(pr.verdict, lang)),
                Cell::Number(pr.confidence),
                Cell::text(tx(&pr.explanation, lang)),
                Cell::text(evidence.join("\n")),
                Cell::text(tx(&pr.rule, lang)),
            ]);
        }
        for path in &d.paths {
            for r in &path.recommendations {
                paths.rows.push(vec![
                    Cell::text(&pair.id),
                    Cell::text(tx(&path.title, lang)),
                    Cell::text(tx(&r.text, lang)),
                ]);
            }
        }
        for o in &d.opportunities.opportunities {
            let c = &o.components;
            let mut row = vec![
                Cell::text(&pair.id),
                Cell::int(o.rank as i64),
                Cell::text(&o.sector.code),
                Cell::text(tx(&o.sector.name, lang)),
                Cell::Number(o.score),
                Cell::text(lb::mode(o.mode, lang)),
            ];
            for comp in [
                &c.transfer_propensity,
                &c.receiving_capacity,
                &c.io_linkage,
                &c.distance_decay,
            ] {
                row.push(Cell::num(comp.value));
                row.push(Cell::Number(comp.contribution));
            }
            row.push(Cell::text(tx(&o.reason, lang)));
            opps.rows.push(row);
        }
        let sp = &d.market.spatial;
        for (rank, other) in [
            (&sp.helper_ranks_helped, &d.helped.id),
            (&sp.helped_ranks_helper, &d.helper.id),
        ] {
            let Some(rank) = rank else { continue };
            for (i, partner) in rank.top.iter().enumerate() {
                linkages.rows.push(vec![
                    Cell::text(&pair.id),
                    Cell::text(&rank.from),
                    Cell::text(ctx.name(&rank.from)),
                    Cell::int(rank.year),
                    Cell::num(rank.rank.map(|r| r as f64)),
                    Cell::int(rank.ranked as i64),
                    Cell::int(rank.candidates as i64),
                    Cell::int(i as i64 + 1),
                    Cell::text(&partner.id),
                    Cell::text(tx(&partner.name, lang)),
                    Cell::Number(partner.linkage),
                ]);
            }
            if rank.top.is_empty() {
                let mut row = vec![
                    Cell::text(&pair.id),
                    Cell::text(&rank.from),
                    Cell::text(ctx.name(&rank.from)),
                    Cell::int(rank.year),
                    Cell::num(rank.rank.map(|r| r as f64)),
                ];
                row.extend([
                    Cell::int(rank.ranked as i64),
                    Cell::int(rank.candidates as i64),
                    Cell::Missing,
                    Cell::text(other.as_str()),
                    Cell::text(ctx.name(other)),
                    Cell::Missing,
                ]);
                linkages.rows.push(row);
            }
        }
        let io = &d.market.io_correlation;
        for l in &io.top_links {
            io_links.rows.push(vec![
                Cell::text(&pair.id),
                Cell::text(&l.from.code),
                Cell::text(tx(&l.from.name, lang)),
                Cell::text(&l.to.code),
                Cell::text(tx(&l.to.name, lang)),
                Cell::text(match l.direction {
                    tandem_core::advisor::LinkDirection::HelperSupplies => {
                        p("支援方 → 受援方", "helper → helped")
                    }
                    tandem_core::advisor::LinkDirection::HelpedSupplies => {
                        p("受援方 → 支援方", "helped → helper")
                    }
                }),
                Cell::Number(l.direct),
                Cell::Number(l.total),
                Cell::num(io.table_year.map(f64::from)),
            ]);
        }
        for (i, e) in d.guidance.timeline.iter().enumerate() {
            events.rows.push(vec![
                Cell::text(&pair.id),
                Cell::int(i as i64 + 1),
                e.date.map_or(Cell::Missing, |d| Cell::text(d.to_string())),
                Cell::text(lb::event_kind(e.kind, lang)),
                Cell::text(lb::scope(e.scope, lang)),
                Cell::text(&e.title),
                Cell::num(e.amount_yuan),
                Cell::text(&e.summary),
                Cell::text(&e.source),
            ]);
        }
    }

    let cov = coverage(ctx.input);
    let mut coverage_sheet = Sheet::new(
        "Coverage",
        p(
            "数据覆盖：每个地区每年有来源数值的核心指标项数（共 6 项）。",
            "Data coverage: core indicators (of 6) with a sourced value per locality and year.",
        )
        .to_string(),
        &[
            ("locality_id", p("地区编号", "Locality id")),
            ("locality", p("地区", "Locality")),
            ("year", p("年份", "Year")),
            ("core_filled", p("有数据项数", "Core cells filled")),
            ("core_total", p("核心指标项数", "Core indicators")),
        ],
    );
    for r in &cov.rows {
        for (y, n) in cov.years.iter().zip(&r.counts) {
            coverage_sheet.rows.push(vec![
                Cell::text(&r.locality),
                Cell::text(ctx.name(&r.locality)),
                Cell::int(*y),
                Cell::int(*n as i64),
                Cell::int(CORE_INDICATORS.len() as i64),
            ]);
        }
    }
    let mut sheets = vec![
        gaps,
        structure,
        problems,
        paths,
        opps,
        linkages,
        io_links,
        events,
        coverage_sheet,
    ];
    sheets.extend(ctx.input.trends.map(|t| trends_sheet(t, lang)));
    sheets.extend(ctx.input.impact.map(|im| impact_sheet(im, lang)));
    sheets
}

/// The impact estimates: per outcome the pooled estimates, the event study and each city's
/// synthetic control; refused outcomes and cities left out as rows with a note.
fn impact_sheet(im: &crate::Impact, lang: Lang) -> Sheet {
    let p = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let title = p(
        "成效评估（早期读数，2022–2023 两个受援后年份）：对数结果以对数点计（0.01 ≈ 1%）；95% 置信区间 = 估计值 ± 1.96 × 标准误；p 值的含义见“p 值含义”列。",
        "Impact (early readings, two post years 2022–2023): log outcomes in log points (0.01 ≈ 1 %); 95 % CI = estimate ± 1.96 se; what each p-value is, in its own column.",
    );
    let mut sheet = Sheet::new(
        "Impact",
        title.to_string(),
        &[
            ("outcome", p("结果变量", "Outcome")),
            ("series", p("序列", "Series")),
            ("window", p("时间窗", "Window")),
            ("estimator", p("估计方法", "Estimator")),
            ("city", p("城市", "City")),
            (
                "event_time",
                p("事件时间（2022 = 0）", "Event time (2022 = 0)"),
            ),
            ("estimate", p("估计值", "Estimate")),
            ("se", p("标准误", "SE")),
            ("ci_low", p("95% 区间下限", "95% CI low")),
            ("ci_high", p("95% 区间上限", "95% CI high")),
            ("p_value", p("p 值", "p-value")),
            ("p_meaning", p("p 值含义", "What the p-value is")),
            ("note", p("说明", "Note")),
        ],
    );
    for o in &im.outcomes {
        sheet.rows.extend(impact_rows(o, lang));
    }
    sheet
}

/// One estimate of an outcome: estimator, city, event time, estimate, se, p-value and what it
/// is, note. The estimator is a stable English name (machine-readable in either language).
struct ImpactRow<'a> {
    series: &'a str,
    estimator: &'a str,
    city: &'a str,
    event_time: Option<i64>,
    estimate: Option<f64>,
    se: Option<f64>,
    p: Option<f64>,
    p_meaning: &'a str,
    note: String,
}

fn impact_row(o: &crate::OutcomeImpact, r: ImpactRow<'_>) -> Vec<Cell> {
    let ci = r.estimate.and_then(|e| crate::impact::ci95(e, r.se));
    vec![
        Cell::text(&o.outcome),
        Cell::text(r.series),
        Cell::text(format!("{}-{}", o.years.0, o.years.1)),
        Cell::text(r.estimator),
        Cell::text(r.city),
        Cell::num(r.event_time.map(|e| e as f64)),
        Cell::num(r.estimate),
        Cell::num(r.se),
        Cell::num(ci.map(|c| c.0)),
        Cell::num(ci.map(|c| c.1)),
        Cell::num(r.p),
        Cell::text(r.p_meaning),
        Cell::text(r.note),
    ]
}

fn impact_rows(o: &crate::OutcomeImpact, lang: Lang) -> Vec<Vec<Cell>> {
    let base = |estimator| ImpactRow {
        series: o.series.pick(lang),
        estimator,
        city: "pooled",
        event_time: None,
        estimate: None,
        se: None,
        p: None,
        p_meaning: "",
        note: String::new(),
    };
    let mut rows = Vec::new();
    if let Some(why) = &o.refused {
        let note = why.pick(lang).to_string();
        rows.push(impact_row(
            o,
            ImpactRow {
                note,
                ..base("not evaluated")
            },
        ));
        return rows;
    }
    if let Some(d) = &o.did {
        rows.push(impact_row(
            o,
            ImpactRow {
                estimate: Some(d.att),
                se: d.se,
                p: d.pretest_p,
                p_meaning: lang.pick("处理前趋势 Wald 检验", "pre-trend Wald test"),
                ..base("Callaway-Sant'Anna (simple)")
            },
        ));
        for e in &d.event_study {
            let row = ImpactRow {
                event_time: Some(e.e),
                estimate: Some(e.estimate),
                se: e.se,
                ..base("Callaway-Sant'Anna (event study)")
            };
            rows.push(impact_row(o, row));
        }
    }
    if let Some(s) = &o.sdid {
        let row = ImpactRow {
            estimate: Some(s.estimate),
            se: s.se,
            ..base("synthetic DID")
        };
        rows.push(impact_row(o, row));
    }
    for c in &o.cities {
        let row = ImpactRow {
            city: &c.city,
            estimate: Some(c.att),
            p: c.p_value,
            p_meaning: lang.pick(
                "空间安慰剂检验（受援后/受援前 RMSPE 之比）",
                "in-space placebo (post/pre RMSPE ratio)",
            ),
            ..base("synthetic control")
        };
        rows.push(impact_row(o, row));
    }
    for id in &o.dropped {
        let note = lang
            .pick(
                "未纳入：时间窗内缺少至少一年的数值",
                "left out: no value for at least one year of the window",
            )
            .to_string();
        let row = ImpactRow {
            city: id,
            note,
            ..base("left out")
        };
        rows.push(impact_row(o, row));
    }
    rows
}

/// The trends by pair and year: per-capita GDP of the two sides and the references, the gap
/// and the helped city's rank among the YRD's 41 cities.
fn trends_sheet(t: &crate::Trends, lang: Lang) -> Sheet {
    let p = |zh: &'static str, en: &'static str| lang.pick(zh, en);
    let title = match lang {
        Lang::Zh => format!("人均 GDP 历年变化（元/人，推算值：Σ 地区生产总值 / Σ 年末常住人口，城市面板）；差距 = 支援方/受援方；名次为受援方在长三角 41 市中的名次（1 = 最高）。剔除 CAUTION 数值 {} 个。{}", t.excluded_caution, t.note_zh),
        Lang::En => format!("Per-capita GDP over time (yuan per person, derived: Σ GDP / Σ year-end resident population, city panel); gap = helper / helped; rank of the helped city among the 41 YRD cities (1 = highest). {} CAUTION values set aside. {}", t.excluded_caution, t.note_en),
    };
    let mut sheet = Sheet::new(
        "Trends",
        title.trim().to_string(),
        &[
            ("pair_id", p("结对编号", "Pair id")),
            ("year", p("年份", "Year")),
            (
                "helper",
                p("支援方人均 GDP（元）", "Helper GDP per capita (yuan)"),
            ),
            (
                "helped",
                p("受援方人均 GDP（元）", "Helped GDP per capita (yuan)"),
            ),
            (
                "anhui",
                p("安徽省人均 GDP（元）", "Anhui GDP per capita (yuan)"),
            ),
            (
                "north_anhui",
                p(
                    "皖北六市人均 GDP（元）",
                    "Northern Anhui GDP per capita (yuan)",
                ),
            ),
            ("gap", p("差距（支援方/受援方）", "Gap (helper / helped)")),
            (
                "rank_yrd41",
                p("受援方长三角名次", "Helped city's YRD rank"),
            ),
            ("n_yrd41", p("参与排名城市数", "Cities ranked")),
        ],
    );
    for pt in &t.pairs {
        for year in t.years.0..=t.years.1 {
            let v = |s: &[(i32, Option<f64>)]| Cell::num(crate::trends::value_in(s, year));
            let rank = pt
                .helped_rank_yrd41
                .iter()
                .find(|(y, _)| *y == year)
                .and_then(|(_, r)| *r);
            sheet.rows.push(vec![
                Cell::text(&pt.pair_id),
                Cell::int(year),
                v(&pt.helper_pc),
                v(&pt.helped_pc),
                v(&pt.anhui_pc),
                v(&pt.north_anhui_pc),
                v(&pt.gap),
                Cell::num(rank.map(|r| r.0 as f64)),
                Cell::num(rank.map(|r| r.1 as f64)),
            ]);
        }
    }
    sheet
}

/// The JSON document: programme, language, dataset, each pair's full diagnosis (both
/// languages of every text), the trends and the impact as given (`null` without; missing
/// years `null`) and
/// every table keyed by machine column names (missing = null).
pub(crate) fn json(ctx: &Ctx<'_>, sheets: &[Sheet]) -> Value {
    let prog = ctx.input.programme;
    let pairs: Vec<Value> = prog
        .pairs
        .iter()
        .filter_map(|pair| {
            let d = diagnosis(ctx.input, &pair.id)?;
            Some(json!({
                "pair_id": pair.id,
                "helper": pair.helper,
                "helped": pair.helped,
                "page": ctx.has_page(&pair.id).then(|| crate::pair_file_name(&pair.id)),
                "diagnosis": d,
            }))
        })
        .collect();
    let mut tables = Map::new();
    for sheet in sheets {
        let rows: Vec<Value> = sheet
            .rows
            .iter()
            .map(|row| {
                let mut obj = Map::new();
                for (col, cell) in sheet.columns.iter().zip(row) {
                    let v = match cell {
                        Cell::Text(t) => Value::String(t.clone()),
                        Cell::Number(n) => {
                            serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
                        }
                        Cell::Missing => Value::Null,
                    };
                    obj.insert(col.key.to_string(), v);
                }
                Value::Object(obj)
            })
            .collect();
        tables.insert(
            sheet.name.to_lowercase().replace(' ', "_"),
            Value::Array(rows),
        );
    }
    json!({
        "generator": "tandem",
        "lang": ctx.lang.code(),
        "programme": {
            "id": prog.id,
            "name": prog.name,
            "start_year": prog.start_year,
            "end_year": prog.end_year,
            "source": prog.source,
        },
        "dataset": ctx.input.dataset.unwrap_or("bundled"),
        "missing_values": match ctx.lang {
            Lang::Zh => "null = 无数据（从不填 0）",
            Lang::En => "null = no data (never 0)",
        },
        "pairs": pairs,
        "trends": ctx.input.trends,
        "impact": ctx.input.impact,
        "tables": tables,
    })
}
