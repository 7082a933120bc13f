//! The "Over time" section of a pair's page (per-capita GDP, gap and rank by year) and the
//! small multiples of the eight gaps on the programme page, drawn from [`Trends`] with
//! [`crate::line`]. Every per-capita value is derived, so every line is dashed and the
//! captions say so; the programme start and the series breaks are marked on every chart.

use crate::line::{
    line_chart, small_multiples, LineChart, LineSeries, LineStyle, MarkerKind, Multiples, YFormat,
    YearMarker,
};
use crate::page::figure;
use crate::svg::text_width;
use crate::text::{esc, thousands, Lang};
use crate::trends::{is_empty, PairTrend, Trends};
use crate::Ctx;
use tandem_core::{LocalityLevel, Pair};

/// The section of a pair's page; empty when the report has no trends.
pub(crate) fn pair_section(ctx: &Ctx<'_>, pair_id: &str) -> String {
    let (Some(t), Some(pair)) = (ctx.input.trends, ctx.input.programme.pair(pair_id)) else {
        return String::new();
    };
    let lang = ctx.lang;
    let mut out = format!(
        r#"<h3 id="over-time">{}</h3>"#,
        lang.pick("历年变化", "Over time")
    );
    match t.pairs.iter().find(|p| p.pair_id == pair_id) {
        Some(p) => {
            let names = Names::of(ctx, pair);
            out.push_str(&per_capita_figure(ctx, t, &names, p));
            out.push_str(&gap_figure(ctx, t, &names, p));
            out.push_str(&rank_figure(ctx, t, &names, p));
        }
        None => out.push_str(&format!(
            r#"<p class="note">{}</p>"#,
            lang.pick(
                "本结对没有历年数据。",
                "There are no series over time for this pair."
            )
        )),
    }
    out.push_str(&caution_note(t, lang));
    out
}

/// The two sides' names, and whether the helper is a district (not in the city panel).
struct Names {
    helper: String,
    helped: String,
    district: bool,
}

impl Names {
    fn of(ctx: &Ctx<'_>, pair: &Pair) -> Names {
        Names {
            helper: ctx.name(&pair.helper),
            helped: ctx.name(&pair.helped),
            district: ctx
                .locality(&pair.helper)
                .is_some_and(|l| l.level == LocalityLevel::District),
        }
    }
}

/// A figure with a visible title above the chart and a caption (both plain text).
fn titled(svg: &str, title: &str, caption: &str) -> String {
    figure(&format!("<p><b>{}</b></p>{svg}", esc(title)), &esc(caption))
}

/// The programme start, then each break half a year after its last year on the old basis.
fn markers(t: &Trends, lang: Lang) -> Vec<YearMarker> {
    let mut out = vec![YearMarker {
        year: f64::from(t.programme_start),
        label: lang.pick("结对帮扶启动", "Programme starts").to_string(),
        kind: MarkerKind::ProgrammeStart,
    }];
    out.extend(t.breaks.iter().map(|b| YearMarker {
        year: f64::from(b.last_year_before) + 0.5,
        label: lang.pick(&b.label_zh, &b.label_en).to_string(),
        kind: MarkerKind::SeriesBreak,
    }));
    out
}

/// A chart over the trends' years with their markers, in yuan from zero, without series.
fn chart(id: String, title: String, y_label: &str, t: &Trends, lang: Lang) -> LineChart {
    LineChart {
        id,
        title,
        description: String::new(),
        y_label: y_label.to_string(),
        empty_text: lang.no_data().to_string(),
        x_range: t.years,
        series: Vec::new(),
        markers: markers(t, lang),
        y_format: YFormat::Thousands { decimals: 0 },
        log_scale: false,
        y_zero: true,
        fan: None,
    }
}

/// A series of derived values: dashed.
fn derived(label: String, points: &[(i32, Option<f64>)], class: &'static str) -> LineSeries {
    LineSeries {
        label,
        points: points.to_vec(),
        class,
        style: LineStyle::Dashed,
        emphasis: false,
        band: Vec::new(),
    }
}

/// The first and the last year with a finite value.
fn span(points: &[(i32, Option<f64>)]) -> Option<((i32, f64), (i32, f64))> {
    let mut finite: Vec<(i32, f64)> = points
        .iter()
        .filter_map(|(y, v)| v.filter(|v| v.is_finite()).map(|v| (*y, v)))
        .collect();
    finite.sort_by_key(|p| p.0);
    Some((*finite.first()?, *finite.last()?))
}

/// "label: first → last" for an accessible description, or "label: no data".
fn summary(
    label: &str,
    points: &[(i32, Option<f64>)],
    fmt: &dyn Fn(f64) -> String,
    lang: Lang,
) -> String {
    match (span(points), lang) {
        (Some(((y0, v0), (y1, v1))), Lang::Zh) => {
            format!("{label}：{y0}年 {} → {y1}年 {}", fmt(v0), fmt(v1))
        }
        (Some(((y0, v0), (y1, v1))), Lang::En) => {
            format!("{label}: {} in {y0} → {} in {y1}", fmt(v0), fmt(v1))
        }
        (None, Lang::Zh) => format!("{label}：{}", lang.no_data()),
        (None, Lang::En) => format!("{label}: {}", lang.no_data()),
    }
}

/// The chart's title followed by the summary of each of its series.
fn describe(chart: &LineChart, lang: Lang, extra: &[String]) -> String {
    let fmt = |v: f64| chart.y_format.value(v);
    let mut parts: Vec<String> = chart
        .series
        .iter()
        .map(|s| summary(&s.label, &s.points, &fmt, lang))
        .collect();
    parts.extend(extra.iter().cloned());
    let sep = lang.pick("；", "; ");
    format!(
        "{}{}{}",
        chart.title,
        lang.pick("。", ". "),
        parts.join(sep)
    )
}

fn per_capita_chart(ctx: &Ctx<'_>, t: &Trends, n: &Names, p: &PairTrend) -> LineChart {
    let lang = ctx.lang;
    let title = match lang {
        Lang::Zh => format!("人均地区生产总值 {}–{}（推算值）", t.years.0, t.years.1),
        Lang::En => format!("GDP per capita {}–{} (derived)", t.years.0, t.years.1),
    };
    let y_label = lang.pick("元/人（推算值）", "yuan per person (derived)");
    let mut c = chart(format!("trend-{}-pc", p.pair_id), title, y_label, t, lang);
    let helper = format!("{}{}", lang.pick("支援方：", "Helper: "), n.helper);
    if !is_empty(&p.helper_pc) {
        c.series.push(derived(helper.clone(), &p.helper_pc, "ln-1"));
    }
    let helped = format!("{}{}", lang.pick("受援方：", "Helped: "), n.helped);
    let mut helped = derived(helped, &p.helped_pc, "ln-2");
    helped.emphasis = true;
    c.series.push(helped);
    let anhui = lang.pick("安徽省（16市）", "Anhui (16 cities)");
    c.series.push(derived(anhui.into(), &p.anhui_pc, "ln-3"));
    let north = lang.pick("皖北六市", "Northern Anhui (6 cities)");
    c.series
        .push(derived(north.into(), &p.north_anhui_pc, "ln-4"));
    if let Some(sh) = &p.shanghai_pc {
        let label = lang.pick(
            "上海市（直辖市整体，非该区）",
            "Shanghai (municipality, not the district)",
        );
        c.series.push(derived(label.into(), sh, "ln-6"));
    }
    let missing: Vec<String> = is_empty(&p.helper_pc)
        .then(|| format!("{helper}{}", lang.pick("：无数据", ": no data")))
        .into_iter()
        .collect();
    c.description = describe(&c, lang, &missing);
    c
}

fn per_capita_caption(lang: Lang, n: &Names, p: &PairTrend) -> String {
    let mut caption = lang
        .pick(
            "虚线表示推算值，图中各线均为推算值：人均 GDP = Σ 地区生产总值 / Σ 年末常住人口，取自城市面板；安徽省、皖北为成员城市合计之比。竖实线：结对帮扶启动；竖虚线：统计口径断点，断点两侧的水平不宜直接比较。",
            "Dashed lines are derived values, and every line here is derived: per-capita GDP = Σ GDP / Σ year-end resident population, from the city panel; Anhui and northern Anhui are ratios of their member cities' sums. Solid vertical line: programme start; dashed vertical lines: series breaks, across which levels are not directly comparable.",
        )
        .to_string();
    if is_empty(&p.helper_pc) {
        caption.push(' ');
        caption.push_str(&match (lang, n.district) {
            (Lang::Zh, true) => format!("{}是市辖区，城市面板只覆盖地级及以上城市，没有该区的人均 GDP 序列。", n.helper),
            (Lang::En, true) => format!("{} is a district: the city panel covers prefecture-level cities only, so the district has no per-capita GDP series.", n.helper),
            (Lang::Zh, false) => format!("城市面板中没有{}的人均 GDP 序列。", n.helper),
            (Lang::En, false) => format!("The city panel has no per-capita GDP series for {}.", n.helper),
        });
    }
    if p.shanghai_pc.is_some() {
        caption.push(' ');
        caption.push_str(&match lang {
            Lang::Zh => format!("灰色线为上海市整体（直辖市），仅作参照，不是{}的数值。", n.helper),
            Lang::En => format!("The grey line is Shanghai as a whole (the municipality): a reference only, not {}'s value.", n.helper),
        });
    }
    caption
}

fn per_capita_figure(ctx: &Ctx<'_>, t: &Trends, n: &Names, p: &PairTrend) -> String {
    let c = per_capita_chart(ctx, t, n, p);
    titled(
        &line_chart(&c),
        &c.title,
        &per_capita_caption(ctx.lang, n, p),
    )
}

/// What a gap chart shows when there is no gap: the district's missing data, or no data.
fn gap_empty_text(lang: Lang, n: &Names) -> String {
    if n.district {
        lang.pick("区县无数据", "no data for the district")
    } else {
        lang.no_data()
    }
    .to_string()
}

fn gap_figure(ctx: &Ctx<'_>, t: &Trends, n: &Names, p: &PairTrend) -> String {
    let lang = ctx.lang;
    let title = lang.pick(
        "人均 GDP 差距（支援方/受援方）",
        "Per-capita GDP gap (helper / helped)",
    );
    let y_label = lang.pick("倍（推算值）", "times (derived)");
    let mut c = chart(
        format!("trend-{}-gap", p.pair_id),
        title.into(),
        y_label,
        t,
        lang,
    );
    c.series.push(derived(
        format!("{} / {}", n.helper, n.helped),
        &p.gap,
        "ln-1",
    ));
    c.series[0].emphasis = true;
    c.y_format = YFormat::Ratio;
    c.y_zero = false;
    c.empty_text = gap_empty_text(lang, n);
    c.description = describe(&c, lang, &[]);
    let mut caption = lang
        .pick(
            "倍数 = 支援方人均 GDP / 受援方人均 GDP，同一年份的推算值相除；线下降表示差距缩小。",
            "Ratio = the helper's per-capita GDP / the helped city's, both derived, same year; a falling line means a narrowing gap.",
        )
        .to_string();
    if is_empty(&p.gap) {
        caption.push(' ');
        caption.push_str(&match lang {
            Lang::Zh => format!("城市面板没有{}的数据，无法计算差距。", n.helper),
            Lang::En => format!(
                "The city panel has no data for {}, so there is no gap to draw.",
                n.helper
            ),
        });
    }
    titled(&line_chart(&c), &c.title, &caption)
}

/// The cities of the Yangtze River Delta ranked.
const YRD_CITIES: usize = 41;

/// A year's rank is drawn only when at least this many of the [`YRD_CITIES`] have data (90 %):
/// a rank among a small part of them (16 cities in 2001) is not comparable.
const MIN_RANKED: usize = 37;

/// The ranks drawn, the years with a rank left out, and the fewest cities in a drawn year.
struct RankDrawn {
    points: Vec<(i32, Option<f64>)>,
    left_out: Vec<i32>,
    fewest: Option<usize>,
}

/// A rank if enough cities were ranked that year.
fn comparable(r: Option<(usize, usize)>) -> Option<(usize, usize)> {
    r.filter(|r| r.1 >= MIN_RANKED)
}

fn rank_points(p: &PairTrend) -> RankDrawn {
    let ranks = &p.helped_rank_yrd41;
    RankDrawn {
        points: ranks
            .iter()
            .map(|(y, r)| (*y, comparable(*r).map(|r| r.0 as f64)))
            .collect(),
        left_out: ranks
            .iter()
            .filter(|(_, r)| r.is_some() && comparable(*r).is_none())
            .map(|(y, _)| *y)
            .collect(),
        fewest: ranks
            .iter()
            .filter_map(|(_, r)| comparable(*r))
            .map(|r| r.1)
            .min(),
    }
}

/// Years as a short list with runs joined: "2001, 2003–2004".
fn year_list(years: &[i32]) -> String {
    let mut runs: Vec<(i32, i32)> = Vec::new();
    for &y in years {
        match runs.last_mut() {
            Some(run) if run.1 + 1 == y => run.1 = y,
            _ => runs.push((y, y)),
        }
    }
    let text: Vec<String> = runs
        .iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    text.join(", ")
}

/// "rank / n" of the first and last year drawn.
fn rank_summary(p: &PairTrend, label: &str, lang: Lang) -> String {
    let ranked: Vec<(i32, (usize, usize))> = p
        .helped_rank_yrd41
        .iter()
        .filter_map(|(y, r)| comparable(*r).map(|r| (*y, r)))
        .collect();
    match (ranked.first(), ranked.last(), lang) {
        (Some((y0, a)), Some((y1, b)), Lang::Zh) => format!(
            "{label}：{y0}年 第 {} 位（共 {} 市）→ {y1}年 第 {} 位（共 {} 市）",
            a.0, a.1, b.0, b.1
        ),
        (Some((y0, a)), Some((y1, b)), Lang::En) => {
            format!(
                "{label}: {} of {} in {y0} → {} of {} in {y1}",
                a.0, a.1, b.0, b.1
            )
        }
        _ => format!("{label}{}{}", lang.pick("：", ": "), lang.no_data()),
    }
}

fn rank_caption(lang: Lang, drawn: &RankDrawn) -> String {
    let mut caption = lang
        .pick(
            "按推算人均 GDP 从高到低排名（1 = 最高）；纵轴倒置，线越高名次越靠前。",
            "Ranked by derived per-capita GDP, highest first (1 = highest); the axis is inverted, so higher on the chart is a better rank.",
        )
        .to_string();
    if !drawn.left_out.is_empty() {
        let years = year_list(&drawn.left_out);
        caption.push(' ');
        caption.push_str(&match lang {
            Lang::Zh => format!("{years} 年有数据的城市不足 {MIN_RANKED} 个，名次不可比，未画出（工作簿和 JSON 中保留）。"),
            Lang::En => format!("Not drawn: {years}, when fewer than {MIN_RANKED} of the {YRD_CITIES} cities have data, so the rank is not comparable (the workbook and the JSON keep it)."),
        });
    }
    if let Some(m) = drawn.fewest.filter(|m| *m < YRD_CITIES) {
        caption.push(' ');
        caption.push_str(&match lang {
            Lang::Zh => format!(
                "部分年份有数据的城市为 {m}–{} 个，名次在有数据的城市中计算。",
                YRD_CITIES - 1
            ),
            Lang::En => format!(
                "In some years only {m}–{} cities have data; the rank is among those.",
                YRD_CITIES - 1
            ),
        });
    }
    caption
}

fn rank_figure(ctx: &Ctx<'_>, t: &Trends, n: &Names, p: &PairTrend) -> String {
    let lang = ctx.lang;
    let title = match lang {
        Lang::Zh => format!("{}人均 GDP 在长三角 41 市中的名次", n.helped),
        Lang::En => format!(
            "Rank of {} in per-capita GDP among the 41 YRD cities",
            n.helped
        ),
    };
    let y_label = lang.pick(
        "名次（1 = 最高，越靠上越好）",
        "rank (1 = highest; higher up is better)",
    );
    let mut c = chart(format!("trend-{}-rank", p.pair_id), title, y_label, t, lang);
    let drawn = rank_points(p);
    let label = match lang {
        Lang::Zh => format!("{}的名次", n.helped),
        Lang::En => format!("Rank of {}", n.helped),
    };
    let mut s = derived(label.clone(), &drawn.points, "ln-2");
    s.emphasis = true;
    c.series.push(s);
    c.y_format = YFormat::Rank;
    let summary = rank_summary(p, &label, lang);
    c.description = format!("{}{}{summary}", c.title, lang.pick("。", ". "));
    titled(&line_chart(&c), &c.title, &rank_caption(lang, &drawn))
}

/// The sentence under the charts: the CAUTION values set aside and the caller's note.
fn caution_note(t: &Trends, lang: Lang) -> String {
    let text = match lang {
        Lang::Zh => format!(
            "按城市面板的整理规则，计算中剔除了 {} 个标为 CAUTION（存疑）的面板数值。{}",
            thousands(t.excluded_caution as f64, 0),
            t.note_zh
        ),
        Lang::En => format!(
            "{} panel values flagged CAUTION were set aside by the city panel's curation rules. {}",
            thousands(t.excluded_caution as f64, 0),
            t.note_en
        ),
    };
    format!(r#"<p class="note">{}</p>"#, esc(text.trim()))
}

/// One pair's panel of the programme page's small multiples: its gap.
fn gap_panel(ctx: &Ctx<'_>, t: &Trends, pair: &Pair) -> LineChart {
    let lang = ctx.lang;
    let n = Names::of(ctx, pair);
    let gap = t
        .pairs
        .iter()
        .find(|p| p.pair_id == pair.id)
        .map_or_else(Vec::new, |p| p.gap.clone());
    let mut c = chart(
        format!("trend-gap-{}", pair.id),
        ctx.pair_title(pair),
        "",
        t,
        lang,
    );
    let label = lang.pick(
        "人均 GDP 倍数（支援方/受援方）",
        "Per-capita GDP ratio (helper / helped)",
    );
    c.series.push(derived(label.to_string(), &gap, "ln-1"));
    c.y_format = YFormat::Ratio;
    c.y_zero = false;
    c.log_scale = true;
    c.empty_text = gap_empty_text(lang, &n);
    c.description = describe(&c, lang, &[]);
    c
}

/// Four panels a row when every panel's title fits its cell, else two (long English names).
fn grid_columns(panels: &[LineChart]) -> usize {
    let cell = (720.0 - 3.0 * 18.0) / 4.0;
    let fits = panels.iter().all(|c| text_width(&c.title, 13.0) <= cell);
    if fits {
        4
    } else {
        2
    }
}

/// The small multiples of the eight gaps for the programme page; empty without trends.
pub(crate) fn index_section(ctx: &Ctx<'_>) -> String {
    let Some(t) = ctx.input.trends else {
        return String::new();
    };
    let lang = ctx.lang;
    let pairs = &ctx.input.programme.pairs;
    let panels: Vec<LineChart> = pairs.iter().map(|p| gap_panel(ctx, t, p)).collect();
    let empty: Vec<String> = pairs
        .iter()
        .zip(&panels)
        .filter(|(p, c)| Names::of(ctx, p).district && is_empty(&c.series[0].points))
        .map(|(p, _)| ctx.name(&p.helper))
        .collect();
    let title = lang.pick(
        "各结对人均 GDP 差距的历年变化",
        "Per-capita GDP gap of each pair over time",
    );
    let svg = small_multiples(
        &panels,
        &Multiples {
            id: "trend-gaps".into(),
            title: title.to_string(),
            description: grid_description(lang, panels.len(), &empty),
            columns: grid_columns(&panels),
            shared_y: true,
            empty_text: lang.no_data().to_string(),
        },
    );
    format!(
        r#"<h3 id="gaps-over-time">{}</h3>{}{}"#,
        lang.pick("差距的历年变化", "The gaps over time"),
        titled(&svg, title, &grid_caption(t, lang, &empty)),
        caution_note(t, lang)
    )
}

fn grid_description(lang: Lang, panels: usize, empty: &[String]) -> String {
    match lang {
        Lang::Zh => format!(
            "{panels} 个小图，每个结对一个，人均 GDP 倍数（支援方/受援方）按年变化，纵轴为统一的对数刻度。{}",
            if empty.is_empty() { String::new() } else { format!("区县无数据：{}。", empty.join("、")) }
        ),
        Lang::En => format!(
            "{panels} panels, one per pair: the per-capita GDP ratio (helper / helped) by year on one shared logarithmic scale.{}",
            if empty.is_empty() { String::new() } else { format!(" No data for the districts {}.", empty.join(", ")) }
        ),
    }
}

fn grid_caption(t: &Trends, lang: Lang, empty: &[String]) -> String {
    let mut caption = match lang {
        Lang::Zh => format!("每格为一个结对的人均 GDP 倍数（支援方/受援方；推算值 Σ GDP / Σ 年末常住人口，取自城市面板，故为虚线），{}–{} 年，纵轴为统一的对数刻度（倍数减半的距离处处相同），可相互比较。竖实线：结对帮扶启动（{}）；竖虚线：统计口径断点。", t.years.0, t.years.1, t.programme_start),
        Lang::En => format!("Each panel is one pair's per-capita GDP ratio (helper / helped; derived as Σ GDP / Σ year-end resident population from the city panel, hence dashed), {}–{}, on one shared logarithmic scale (halving the ratio is the same distance everywhere) so the panels compare. Solid vertical line: programme start ({}); dashed: series breaks.", t.years.0, t.years.1, t.programme_start),
    };
    if !empty.is_empty() {
        caption.push(' ');
        caption.push_str(&match lang {
            Lang::Zh => format!(
                "{}为市辖区，城市面板不含区县，没有差距序列。",
                empty.join("、")
            ),
            Lang::En => format!(
                "{}: districts, which the city panel does not cover, so there is no gap series.",
                empty.join(", ")
            ),
        });
    }
    caption
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trends::{TrendBreak, YearSeries};
    use crate::ReportInput;
    use tandem_data::bundled::bundle;

    fn growth(base: f64, missing: &[i32]) -> YearSeries {
        (2000..=2023)
            .map(|y| {
                let v = base * 1.09f64.powi(y - 2000);
                (y, (!missing.contains(&y)).then_some(v.round()))
            })
            .collect()
    }

    /// Trends for every pair of the bundled programme: no helper series for the Shanghai
    /// districts (with Shanghai as reference), the helped cities without 2003-2004, no rank
    /// in 2010.
    fn trends() -> Trends {
        let b = bundle();
        let pairs = b
            .programme
            .pairs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let district = p.helper.starts_with("sh-");
                let helper = growth(30_000.0 + 1_000.0 * i as f64, &[]);
                let helper = if district {
                    helper.iter().map(|(y, _)| (*y, None)).collect()
                } else {
                    helper
                };
                let helped = growth(8_000.0 + 500.0 * i as f64, &[2003, 2004]);
                let gap = helper
                    .iter()
                    .zip(&helped)
                    .map(|((y, a), (_, b))| (*y, a.zip(*b).map(|(a, b)| a / b)))
                    .collect();
                PairTrend {
                    pair_id: p.id.clone(),
                    helper_pc: helper,
                    helped_pc: helped,
                    anhui_pc: growth(9_000.0, &[]),
                    north_anhui_pc: growth(7_000.0, &[]),
                    shanghai_pc: district.then(|| growth(40_000.0, &[])),
                    gap,
                    helped_rank_yrd41: (2000..=2023)
                        .map(|y| (y, (y != 2010).then_some((30 + (y % 3) as usize, 41))))
                        .collect(),
                }
            })
            .collect();
        Trends {
            pairs,
            breaks: vec![
                TrendBreak {
                    last_year_before: 2018,
                    first_year_after: 2019,
                    label_en: "2018 economic census".into(),
                    label_zh: "2018年经济普查".into(),
                },
                TrendBreak {
                    last_year_before: 2019,
                    first_year_after: 2020,
                    label_en: "2020 population census".into(),
                    label_zh: "2020年人口普查".into(),
                },
            ],
            programme_start: 2021,
            years: (2000, 2023),
            excluded_caution: 1234,
            note_en: "Note <en>.".into(),
            note_zh: "说明。".into(),
        }
    }

    /// Runs `f` with a context over the bundled programme and `trends`.
    fn with_ctx<R>(lang: Lang, trends: Option<&Trends>, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
        let b = bundle();
        let input = ReportInput {
            programme: &b.programme,
            localities: &b.localities,
            observations: &[],
            events: &[],
            diagnoses: &[],
            boundaries_geojson: "",
            sources_md: "",
            dataset: None,
            trends,
            impact: None,
        };
        f(&Ctx {
            input: &input,
            lang,
            outlines: &[],
            written: &[],
        })
    }

    fn ids(html: &str) -> Vec<&str> {
        html.split(" id=\"")
            .skip(1)
            .map(|p| p.split('"').next().unwrap())
            .collect()
    }

    fn assert_ids_resolve(html: &str) {
        let all = ids(html);
        let set: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len(), "duplicate ids: {all:?}");
        for refs in html.split("aria-labelledby=\"").skip(1) {
            for id in refs.split('"').next().unwrap().split(' ') {
                assert!(set.contains(id), "{id} does not resolve");
            }
        }
    }

    #[test]
    fn every_pair_gets_three_charts_in_both_languages() {
        let t = trends();
        for lang in [Lang::Zh, Lang::En] {
            with_ctx(lang, Some(&t), |ctx| {
                for pair in &ctx.input.programme.pairs {
                    let html = pair_section(ctx, &pair.id);
                    assert!(html.contains(lang.pick(">历年变化</h3>", ">Over time</h3>")));
                    assert_eq!(html.matches("<svg").count(), 3, "{}", pair.id);
                    for kind in ["pc", "gap", "rank"] {
                        let id = format!("trend-{}-{kind}", pair.id);
                        assert!(
                            html.contains(&format!(r#"aria-labelledby="{id}-title {id}-desc""#))
                        );
                    }
                    // Programme start and both breaks, in the page's language, on all three.
                    let labels = match lang {
                        Lang::Zh => ["结对帮扶启动", "2018年经济普查", "2020年人口普查"],
                        Lang::En => [
                            "Programme starts",
                            "2018 economic census",
                            "2020 population census",
                        ],
                    };
                    for label in labels {
                        let drawn = html.matches(&format!(">{label}</text>")).count();
                        let charts = if pair.helper.starts_with("sh-") { 2 } else { 3 };
                        assert_eq!(drawn, charts, "{} {label}", pair.id);
                    }
                    assert_eq!(
                        html.matches("class=\"mk-start\"").count(),
                        html.matches("class=\"mk-break\"").count() / 2
                    );
                    assert!(html.contains(lang.pick("推算值", "derived")));
                    assert!(html.contains("1,234"), "the CAUTION count");
                    assert!(html.contains(lang.pick("说明。", "Note &lt;en&gt;.")));
                    assert_ids_resolve(&html);
                    if lang == Lang::En {
                        let cjk = html.chars().find(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
                        assert_eq!(cjk, None, "{}: Chinese text on the English page", pair.id);
                    }
                }
            });
        }
    }

    #[test]
    fn a_district_helper_is_missing_not_zero_and_shanghai_is_labelled() {
        let t = trends();
        with_ctx(Lang::En, Some(&t), |ctx| {
            let html = pair_section(ctx, "pair-minhang-huainan");
            assert!(
                !html.contains(">Helper: Minhang</text>"),
                "no line for the district"
            );
            assert!(
                html.contains("Helper: Minhang: no data"),
                "said in the description"
            );
            assert!(
                html.contains("Minhang is a district"),
                "said in the caption"
            );
            assert!(
                html.contains(">no data for the district</text>"),
                "the empty gap chart"
            );
            assert!(html.contains(">Shanghai (municipality, not the district)</text>"));
            assert!(html.contains("a reference only, not Minhang"));
            // Missing years are gaps, never zeros: no tooltip for them.
            for missing in [
                "Helped: Huainan — 2003:",
                "Helped: Huainan — 2004:",
                "Rank of Huainan — 2010:",
            ] {
                assert!(!html.contains(missing), "{missing}");
            }
            assert!(html.contains("<title>Helped: Huainan — 2005: "));
            assert!(!html.contains(": 0</title>"));
            // A city helper: four lines, no Shanghai reference, a gap line.
            let html = pair_section(ctx, "pair-xuzhou-huaibei");
            assert!(html.contains(">Helper: Xuzhou</text>"));
            assert!(!html.contains("Shanghai (municipality"));
            assert!(html.contains("<title>Xuzhou / Huaibei — 2023: "));
            assert!(html.contains("Rank of Huaibei: 32 of 41 in 2000 → 31 of 41 in 2023"));
        });
        with_ctx(Lang::Zh, Some(&t), |ctx| {
            let html = pair_section(ctx, "pair-minhang-huainan");
            assert!(html.contains(">区县无数据</text>"));
            assert!(html.contains("闵行是市辖区"), "the caption");
            assert!(html.contains(">上海市（直辖市整体，非该区）</text>"));
        });
    }

    #[test]
    fn nothing_without_trends_and_a_note_for_a_pair_without_series() {
        with_ctx(Lang::Zh, None, |ctx| {
            assert_eq!(pair_section(ctx, "pair-xuzhou-huaibei"), "");
            assert_eq!(index_section(ctx), "");
        });
        let mut t = trends();
        t.pairs.retain(|p| p.pair_id != "pair-xuzhou-huaibei");
        with_ctx(Lang::En, Some(&t), |ctx| {
            let html = pair_section(ctx, "pair-xuzhou-huaibei");
            assert!(html.contains("no series over time for this pair"));
            assert!(!html.contains("<svg"));
            // Its panel on the programme page shows no data.
            assert!(index_section(ctx).contains(">no data</text>"));
        });
    }

    #[test]
    fn the_programme_page_has_one_panel_per_pair_on_a_shared_scale() {
        let t = trends();
        for lang in [Lang::Zh, Lang::En] {
            with_ctx(lang, Some(&t), |ctx| {
                let html = index_section(ctx);
                assert_eq!(html.matches("<svg").count(), 1);
                assert!(html.contains(
                    r#"role="group" aria-labelledby="trend-gaps-title trend-gaps-desc""#
                ));
                for i in 0..8 {
                    assert!(html.contains(&format!(
                        r#"aria-labelledby="trend-gaps-{i}-title trend-gaps-{i}-desc""#
                    )));
                }
                let empty = lang.pick(">区县无数据</text>", ">no data for the district</text>");
                assert_eq!(html.matches(empty).count(), 3, "the three districts");
                assert_eq!(html.matches("class=\"mk-start\"").count(), 5);
                assert!(html.contains(lang.pick("统一的对数刻度", "shared logarithmic scale")));
                assert_ids_resolve(&html);
            });
        }
    }

    #[test]
    fn ranks_among_too_few_cities_are_not_drawn_but_said() {
        let mut t = trends();
        let p = t
            .pairs
            .iter_mut()
            .find(|p| p.pair_id == "pair-xuzhou-huaibei")
            .unwrap();
        for (y, r) in p.helped_rank_yrd41.iter_mut() {
            match *y {
                2001 | 2003 | 2004 => *r = Some((10, 16)),
                2005 => *r = Some((33, 38)),
                _ => {}
            }
        }
        with_ctx(Lang::En, Some(&t), |ctx| {
            let html = pair_section(ctx, "pair-xuzhou-huaibei");
            for year in [2001, 2003, 2004] {
                assert!(
                    !html.contains(&format!("Rank of Huaibei — {year}:")),
                    "{year}"
                );
            }
            assert!(html.contains("<title>Rank of Huaibei — 2005: 33</title>"));
            assert!(html.contains("Not drawn: 2001, 2003–2004, when fewer than 37 of the 41"));
            assert!(html.contains("In some years only 38–40 cities have data"));
        });
        assert_eq!(
            year_list(&[2001, 2003, 2004, 2005, 2010]),
            "2001, 2003–2005, 2010"
        );
        assert_eq!(year_list(&[]), "");
    }
}
