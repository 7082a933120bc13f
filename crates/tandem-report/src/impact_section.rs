//! The "Impact" section of the programme page (the estimates table, the event studies with
//! 95 % bands, the synthetic control of each city, the robustness to pre-trends, the donor
//! pool and every caveat) and of each pair's page (the helped city's synthetic control), drawn
//! from [`Impact`] with [`crate::line`]. Every estimate says its unit; a refused outcome or a
//! city left out is said as such, never left blank.

use crate::impact::{ci95, CitySynth, DidEstimate, EffectUnit, Impact, OutcomeImpact};
use crate::labels::no_data_html;
use crate::line::{
    line_chart, Fan, LineChart, LineSeries, LineStyle, MarkerKind, YFormat, YearMarker,
};
use crate::page::{figure, table, td, td_num, th, th_num};
use crate::text::{esc, thousands, Lang};
use crate::{pair_file_name, Ctx};
use std::fmt::Write as _;

#[cfg(test)]
mod tests;

/// Donors listed by name on a pair's page; the rest are summed up.
const TOP_DONORS: usize = 8;

/// A p-value: three decimals, "< 0.001" below.
fn p_text(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".into()
    } else {
        thousands(p, 3)
    }
}

/// "p = 0.693", or "p < 0.001".
fn p_is(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {}", p_text(p))
    }
}

/// Decimals of an effect: three for log points, two for percentage points.
fn decimals(unit: EffectUnit) -> usize {
    match unit {
        EffectUnit::LogPoints => 3,
        EffectUnit::PercentagePoints => 2,
    }
}

fn num(v: f64, unit: EffectUnit) -> String {
    thousands(v, decimals(unit))
}

/// The unit's name ("log points (0.01 ≈ 1 %)").
fn unit_name(unit: EffectUnit, lang: Lang) -> &'static str {
    match unit {
        EffectUnit::LogPoints => lang.pick("对数点（0.01 ≈ 1%）", "log points (0.01 ≈ 1 %)"),
        EffectUnit::PercentagePoints => lang.pick("百分点", "percentage points"),
    }
}

/// A log-point effect as the percentage change it stands for: "−1.5%".
fn percent(v: f64) -> String {
    format!("{}%", thousands((v.exp() - 1.0) * 100.0, 1))
}

/// A city's short name, linked to its pair's page when that page is written.
fn city_link(ctx: &Ctx<'_>, city: &str) -> String {
    let name = esc(&ctx.name(city));
    let pair = ctx.input.programme.pairs.iter().find(|p| p.helped == city);
    match pair.filter(|p| ctx.has_page(&p.id)) {
        Some(p) => format!(r#"<a href="{}#impact">{name}</a>"#, pair_file_name(&p.id)),
        None => name,
    }
}

/// Names of localities joined in the language's way.
fn names(ctx: &Ctx<'_>, ids: &[String]) -> String {
    let names: Vec<String> = ids.iter().map(|id| ctx.name(id)).collect();
    names.join(ctx.lang.pick("、", ", "))
}

/// "estimate ± se" with the 95 % interval and whether it excludes zero, as HTML.
fn estimate_html(est: f64, se: Option<f64>, unit: EffectUnit, lang: Lang) -> String {
    let mut out = num(est, unit);
    match (se, ci95(est, se)) {
        (Some(se), Some((lo, hi))) => {
            let verdict = if lo > 0.0 || hi < 0.0 {
                lang.pick("5% 水平显著", "significant at 5 %")
            } else {
                lang.pick("不显著", "not significant")
            };
            let _ = write!(
                out,
                " ± {}<br><span class=\"note\">[{}, {}]<br>{}</span>",
                num(se, unit),
                num(lo, unit),
                num(hi, unit),
                verdict
            );
        }
        _ => {
            let _ = write!(
                out,
                " <span class=\"note\">(se: {})</span>",
                no_data_html(lang)
            );
        }
    }
    out
}

/// The pre-trend p-value, flagged when the test rejects parallel trends.
fn pretest_html(p: Option<f64>, lang: Lang) -> String {
    match p.filter(|p| p.is_finite()) {
        Some(p) if p < 0.05 => format!(
            r#"{}<br><span class="badge detected">{}</span>"#,
            esc(&p_text(p)),
            lang.pick("拒绝平行趋势", "parallel trends rejected")
        ),
        Some(p) => esc(&p_text(p)),
        None => no_data_html(lang),
    }
}

/// The section of the programme page; empty when the report has no impact.
pub(crate) fn index_section(ctx: &Ctx<'_>) -> String {
    let Some(im) = ctx.input.impact else {
        return String::new();
    };
    let lang = ctx.lang;
    let mut out = format!(
        r#"<h2 id="impact">{}</h2>"#,
        lang.pick("成效评估（早期读数）", "Impact (early readings)")
    );
    out.push_str(&intro(ctx, im));
    out.push_str(&estimates(ctx, im));
    out.push_str(&sensitivity(ctx, im));
    out.push_str(&event_studies(ctx, im));
    out.push_str(&cities(ctx, im));
    out.push_str(&donor_pool(ctx, im));
    out.push_str(&caveats(ctx, im));
    out
}

/// The last year of any outcome's window.
fn last_year(im: &Impact) -> i32 {
    let last = im.outcomes.iter().map(|o| o.years.1).max();
    last.unwrap_or(im.first_treated_year)
}

fn intro(ctx: &Ctx<'_>, im: &Impact) -> String {
    let (first, last) = (im.first_treated_year, last_year(im));
    let (n, donors) = (im.treated.len(), im.donors.len());
    let post = last - first + 1;
    let text = match ctx.lang {
        Lang::Zh => [
            format!("结对帮扶是否改变了受援城市的经济走势？本节把 {n} 个受援城市（自 {first} 年起视为受援：2021 年 12 月方案后的第一个完整年份）与 {donors} 个未参加任何结对帮扶项目的城市（对照池）相比较。"),
            format!("这些只是早期读数：2021–2030 年的项目目前只有 {post} 个受援后年份（{first}–{last}），GDP 的变化需要多年才能显现；这里的数字不是结论。"),
            "对数 GDP 的效应以对数点表示：0.01 约等于 1%（−0.015 即约低 1.5%）。“不显著”指 95% 置信区间（估计值 ± 1.96 × 标准误）包含 0：数据无法把效应与零区分开。这并不证明没有效应，只说明现有数据不足以下结论。".to_string(),
            "方法：Callaway-Sant'Anna 比较受援城市与对照城市相对 2021 年的变化（前提是处理前趋势平行，由处理前趋势检验检查）；合成双重差分（SDID）为对照城市和年份加权，使处理前的走势尽量一致；合成控制为每个受援城市构造一个由对照城市加权组成、处理前走势与之吻合的“合成城市”。".to_string(),
        ],
        Lang::En => [
            format!("Did the pairing change the helped cities' economic path? This section compares the {n} helped cities (treated from {first}, the first full year after the December 2021 plan) with {donors} cities in no pairing programme (the donor pool)."),
            format!("These are early readings: a 2021–2030 programme has only {post} post years so far ({first}–{last}), and effects on GDP take years to show; the numbers here are not verdicts."),
            "Effects on log GDP are in log points: 0.01 ≈ 1 % (−0.015 is about 1.5 % lower). “Not significant” means the 95 % confidence interval (estimate ± 1.96 standard errors) includes 0: the data cannot tell the effect apart from zero. That does not show there is no effect, only that the data so far cannot settle it.".to_string(),
            "Methods: Callaway-Sant'Anna compares the change since 2021 of the helped cities with that of the donors (assuming parallel trends before treatment, which the pre-trend test checks); synthetic difference-in-differences (SDID) weights donors and years so that the pre-treatment paths match; a synthetic control builds, for each helped city, a weighted mix of donors that tracks it before treatment.".to_string(),
        ],
    };
    let mut out = format!("<p>{}</p>", esc(&text[0]));
    let _ = write!(
        out,
        r#"<p><b>{}</b></p><p>{}</p><p class="note">{}</p>"#,
        esc(&text[1]),
        esc(&text[2]),
        esc(&text[3])
    );
    out
}

fn estimates(ctx: &Ctx<'_>, im: &Impact) -> String {
    let lang = ctx.lang;
    let two = |a: &str, b: &str| format!(r#"<th class="num">{}<br>{}</th>"#, esc(a), esc(b));
    let head = [
        th(lang.pick("结果变量（单位）", "Outcome (unit)")),
        th(lang.pick("序列 · 时间窗", "Series · window")),
        two(
            "Callaway-Sant'Anna",
            lang.pick("平均效应 ± 标准误 [95% 区间]", "ATT ± se [95% CI]"),
        ),
        two(
            lang.pick("合成双重差分", "Synthetic DID"),
            lang.pick("估计 ± 标准误 [95% 区间]", "estimate ± se [95% CI]"),
        ),
        two(
            lang.pick("处理前趋势", "Pre-trend"),
            lang.pick("检验 p", "test p"),
        ),
        th(lang.pick("城市", "Cities")),
    ];
    let rows: Vec<Vec<String>> = im.outcomes.iter().map(|o| outcome_row(ctx, o)).collect();
    let caption = lang.pick(
        "对数点：0.01 ≈ 1%。括号内 95% 置信区间 = 估计值 ± 1.96 × 标准误。处理前趋势检验 p 小于 0.05 表示受援城市在 2022 年以前已与对照城市走势不同，此时 Callaway-Sant'Anna 估计单独不可信，应结合 SDID 和合成控制来看。未纳入：时间窗内缺少某一年数值的受援城市（估计需要每一年都有值）。",
        "Log points: 0.01 ≈ 1 %. 95 % CI = estimate ± 1.96 standard errors. A pre-trend p below 0.05 means the helped cities already moved differently from the donors before 2022; the Callaway-Sant'Anna estimate is then not credible on its own — read it with SDID and the synthetic controls. Left out: helped cities without a value in some year of the window (the estimators need every year).",
    );
    format!(
        r#"<h3 id="impact-estimates">{}</h3>{}"#,
        lang.pick("估计结果", "Estimates"),
        table(&head, &rows, Some(&esc(caption)))
    )
}

fn outcome_row(ctx: &Ctx<'_>, o: &OutcomeImpact) -> Vec<String> {
    let lang = ctx.lang;
    let unit = match o.refused {
        None => format!(
            "<br><span class=\"note\">{}</span>",
            esc(unit_name(o.unit, lang))
        ),
        Some(_) => String::new(),
    };
    let mut row = vec![
        td(format!("{}{unit}", esc(o.label.pick(lang)))),
        td(format!(
            "{}<br><span class=\"note\">{}–{}</span>",
            esc(o.series.pick(lang)),
            o.years.0,
            o.years.1
        )),
    ];
    if let Some(why) = &o.refused {
        row.push(format!(
            r#"<td colspan="4"><span class="badge unknown">{}</span> {}</td>"#,
            lang.pick("未评估", "not evaluated"),
            esc(why.pick(lang))
        ));
        return row;
    }
    let did = o.did.as_ref();
    row.push(td_num(did.map_or_else(
        || no_data_html(lang),
        |d| estimate_html(d.att, d.se, o.unit, lang),
    )));
    row.push(td_num(o.sdid.as_ref().map_or_else(
        || no_data_html(lang),
        |s| estimate_html(s.estimate, s.se, o.unit, lang),
    )));
    row.push(td_num(pretest_html(did.and_then(|d| d.pretest_p), lang)));
    row.push(td(cities_html(ctx, o)));
    row
}

/// "7 helped, 126 donors" and the helped cities left out.
fn cities_html(ctx: &Ctx<'_>, o: &OutcomeImpact) -> String {
    let lang = ctx.lang;
    let mut out = match lang {
        Lang::Zh => format!("受援 {}，对照 {}", o.n_treated, o.n_donors),
        Lang::En => format!("{} helped, {} donors", o.n_treated, o.n_donors),
    };
    if !o.dropped.is_empty() {
        let _ = write!(
            out,
            r#"<br><span class="note">{}{}</span>"#,
            lang.pick("未纳入：", "left out: "),
            esc(&names(ctx, &o.dropped))
        );
    }
    out
}

/// The Rambachan-Roth confidence sets of every outcome that has them; empty without.
fn sensitivity(ctx: &Ctx<'_>, im: &Impact) -> String {
    let lang = ctx.lang;
    let with: Vec<(&OutcomeImpact, &crate::impact::Sensitivity)> = im
        .outcomes
        .iter()
        .filter_map(|o| Some((o, o.did.as_ref()?.sensitivity.as_ref()?)))
        .collect();
    let Some((_, first)) = with.first() else {
        return String::new();
    };
    let ms: Vec<f64> = first.rows.iter().map(|r| r.0).collect();
    let mut head = vec![th(lang.pick("结果变量", "Outcome"))];
    head.extend(
        ms.iter()
            .map(|m| th_num(&format!("M̄ = {}", thousands(*m, 1)))),
    );
    let rows = with
        .iter()
        .map(|(o, s)| sensitivity_row(o, s, &ms, lang))
        .collect::<Vec<_>>();
    let caption = lang.pick(
        "Rambachan-Roth（2023）相对幅度法：假设 2022 年以后偏离平行趋势的幅度最多为处理前最大偏离的 M̄ 倍，平均受援后效应的稳健 95% 置信集。M̄ = 0 即假设趋势完全平行；区间随 M̄ 变宽，包含 0 说明在该假设下无法排除零效应。",
        "Rambachan-Roth (2023) relative magnitudes: robust 95 % confidence sets of the average post-period effect if deviations from parallel trends after 2022 can be up to M̄ times the largest one before. M̄ = 0 assumes exactly parallel trends; the sets widen with M̄, and one that includes 0 cannot rule out no effect under that assumption.",
    );
    format!(
        r#"<h3 id="impact-robustness">{}</h3>{}"#,
        lang.pick("对处理前趋势的稳健性", "Robustness to differing pre-trends"),
        table(&head, &rows, Some(&esc(caption)))
    )
}

fn sensitivity_row(
    o: &OutcomeImpact,
    s: &crate::impact::Sensitivity,
    ms: &[f64],
    lang: Lang,
) -> Vec<String> {
    let mut row = vec![td(esc(o.label.pick(lang)))];
    for m in ms {
        let set = s.rows.iter().find(|r| (r.0 - m).abs() < 1e-9);
        row.push(td_num(match set {
            Some((_, Some((lo, hi)))) => format!("[{}, {}]", num(*lo, o.unit), num(*hi, o.unit)),
            Some((_, None)) => lang.pick("空集", "empty").to_string(),
            None => no_data_html(lang),
        }));
    }
    row
}

/// The programme start half a year before the first treated year.
fn start_marker(im: &Impact, lang: Lang) -> YearMarker {
    YearMarker {
        year: f64::from(im.first_treated_year) - 0.5,
        label: lang
            .pick("结对帮扶启动（2021年12月）", "Programme starts (Dec 2021)")
            .to_string(),
        kind: MarkerKind::ProgrammeStart,
    }
}

fn event_studies(ctx: &Ctx<'_>, im: &Impact) -> String {
    let charts: Vec<String> = im
        .outcomes
        .iter()
        .filter_map(|o| Some((o, o.did.as_ref().filter(|d| !d.event_study.is_empty())?)))
        .map(|(o, d)| event_study_figure(ctx, im, o, d))
        .collect();
    if charts.is_empty() {
        return String::new();
    }
    format!(
        r#"<h3 id="impact-event-study">{}</h3>{}"#,
        ctx.lang
            .pick("事件研究：逐年效应", "Event study: the effect year by year"),
        charts.concat()
    )
}

fn event_study_chart(ctx: &Ctx<'_>, im: &Impact, o: &OutcomeImpact, d: &DidEstimate) -> LineChart {
    let lang = ctx.lang;
    let year = |e: i64| im.first_treated_year + e as i32;
    let points = d
        .event_study
        .iter()
        .map(|p| (year(p.e), Some(p.estimate)))
        .collect();
    let band = d
        .event_study
        .iter()
        .filter_map(|p| Some((year(p.e), ci95(p.estimate, p.se)?)))
        .map(|(y, (lo, hi))| (y, lo, hi))
        .collect();
    let label = lang.pick("估计值（阴影：95% 置信区间）", "Estimate (shaded: 95 % CI)");
    let title = match lang {
        Lang::Zh => format!("{}：受援城市与对照城市之差（事件研究）", o.label.zh),
        Lang::En => format!("{}: helped cities minus donors (event study)", o.label.en),
    };
    let first = d.event_study.iter().map(|p| year(p.e)).min();
    let last = d.event_study.iter().map(|p| year(p.e)).max();
    let mut c = LineChart {
        id: format!("impact-es-{}", o.outcome),
        title,
        description: String::new(),
        y_label: unit_name(o.unit, lang).to_string(),
        empty_text: lang.no_data().to_string(),
        x_range: (first.unwrap_or(o.years.0), last.unwrap_or(o.years.1)),
        series: vec![LineSeries {
            label: label.to_string(),
            points,
            class: "ln-2",
            style: LineStyle::Solid,
            emphasis: true,
            band,
        }],
        markers: vec![start_marker(im, lang)],
        y_format: YFormat::Thousands {
            decimals: decimals(o.unit),
        },
        log_scale: false,
        y_zero: true,
        fan: None,
    };
    c.description = event_study_description(im, o, d, lang, &c.title);
    c
}

fn event_study_description(
    im: &Impact,
    o: &OutcomeImpact,
    d: &DidEstimate,
    lang: Lang,
    title: &str,
) -> String {
    let post: Vec<String> = d
        .event_study
        .iter()
        .filter(|p| p.e >= 0)
        .map(|p| {
            let y = im.first_treated_year + p.e as i32;
            let ci = ci95(p.estimate, p.se).map_or(String::new(), |(lo, hi)| {
                format!(" [{}, {}]", num(lo, o.unit), num(hi, o.unit))
            });
            format!("{y}: {}{ci}", num(p.estimate, o.unit))
        })
        .collect();
    let n_pre = d.event_study.iter().filter(|p| p.e < 0).count();
    match lang {
        Lang::Zh => format!(
            "{title}。{n_pre} 个处理前年份和受援后年份的估计值，零线为无效应。受援后：{}。",
            post.join("；")
        ),
        Lang::En => format!(
            "{title}. Estimates for {n_pre} pre-treatment years and the post years, against a zero line (no effect). Post years: {}.",
            post.join("; ")
        ),
    }
}

fn event_study_figure(ctx: &Ctx<'_>, im: &Impact, o: &OutcomeImpact, d: &DidEstimate) -> String {
    let lang = ctx.lang;
    let c = event_study_chart(ctx, im, o, d);
    let pretest = d.pretest_p.map_or(String::new(), |p| match lang {
        Lang::Zh => format!("处理前趋势检验 {}。", p_is(p)),
        Lang::En => format!(" Pre-trend test {}.", p_is(p)),
    });
    let caption = format!(
        "{}{pretest}",
        lang.pick(
            "每个点是受援城市与对照城市之差（Callaway-Sant'Anna，按年份对齐：2022 年 = 受援第一年）。2022 年以前每点比较相邻两年的变化，是安慰剂检验，应接近 0；2022 年起每点比较相对 2021 年的变化。阴影：95% 置信区间（估计值 ± 1.96 × 标准误）；区间跨过零线的年份不显著。竖线：结对帮扶启动。",
            "Each point is the difference between the helped cities and the donors (Callaway-Sant'Anna, by calendar year: 2022 = the first treated year). Before 2022 each point compares the change from the year before — a placebo that should be near 0; from 2022 each compares the change since 2021. Shaded: 95 % confidence interval (estimate ± 1.96 standard errors); a year whose interval crosses the zero line is not significant. Vertical line: programme start.",
        )
    );
    figure(
        &format!("<p><b>{}</b></p>{}", esc(&c.title), line_chart(&c)),
        &esc(&caption),
    )
}

/// The synthetic control of every city of the synthetic-control outcome, and the cities left
/// out.
fn cities(ctx: &Ctx<'_>, im: &Impact) -> String {
    let Some(o) = im.synth_outcome() else {
        return String::new();
    };
    let lang = ctx.lang;
    let head = [
        th(lang.pick("受援城市", "Helped city")),
        th_num(lang.pick("2022 年起平均差距", "Mean gap since 2022")),
        th_num(lang.pick("安慰剂 p", "Placebo p")),
        th_num(lang.pick("处理前拟合误差（RMSPE）", "Pre-period fit (RMSPE)")),
        th(lang.pick("权重最大的对照城市", "Largest donor weights")),
    ];
    let mut rows: Vec<Vec<String>> = o.cities.iter().map(|c| city_row(ctx, o, c)).collect();
    for id in &o.dropped {
        rows.push(vec![
            td(city_link(ctx, id)),
            format!(
                r#"<td colspan="4"><span class="badge unknown">{}</span> {}</td>"#,
                lang.pick("未纳入", "left out"),
                esc(&left_out_text(o, lang))
            ),
        ]);
    }
    let caption = lang.pick(
        "差距 = 实际值 − 合成控制，2022 年起各年平均（对数点，括号内为对应的百分比）。安慰剂 p：把结对帮扶“安”到每个对照城市上重新估计，受援后/受援前预测误差之比不小于该城市的城市所占比例；越小越不寻常，0.05 以上说明这样的差距在没有项目时也常见。",
        "Gap = actual − synthetic control, averaged over the years since 2022 (log points; the percentage it stands for in brackets). Placebo p: the programme is assigned on paper to each donor in turn; p is the share of cities whose post/pre prediction-error ratio is at least this city's. The smaller, the more unusual; above 0.05, a gap like this is common without any programme.",
    );
    format!(
        r#"<h3 id="impact-cities">{}</h3>{}"#,
        lang.pick(
            "各受援城市的合成控制（对数 GDP）",
            "Synthetic control of each helped city (log GDP)"
        ),
        table(&head, &rows, Some(&esc(caption)))
    )
}

fn city_row(ctx: &Ctx<'_>, o: &OutcomeImpact, c: &CitySynth) -> Vec<String> {
    let lang = ctx.lang;
    let gap = match o.unit {
        EffectUnit::LogPoints => format!("{} ({})", num(c.att, o.unit), percent(c.att)),
        EffectUnit::PercentagePoints => num(c.att, o.unit),
    };
    let top: Vec<String> = c
        .weights
        .iter()
        .take(3)
        .map(|(d, w)| format!("{} {}%", ctx.name(d), thousands(w * 100.0, 0)))
        .collect();
    vec![
        td(city_link(ctx, &c.city)),
        td_num(gap),
        td_num(
            c.p_value
                .map_or_else(|| no_data_html(lang), |p| esc(&p_text(p))),
        ),
        td_num(num(c.pre_rmspe, o.unit)),
        td(esc(&top.join(lang.pick("、", ", ")))),
    ]
}

/// Why a city is left out of an outcome.
fn left_out_text(o: &OutcomeImpact, lang: Lang) -> String {
    match lang {
        Lang::Zh => format!(
            "{}（{}）在 {}–{} 年中缺少至少一年的数值，而估计需要每一年都有值。",
            o.label.zh, o.series.zh, o.years.0, o.years.1
        ),
        Lang::En => format!(
            "the {} series ({}) lacks at least one year of {}–{}, and the estimate needs every year.",
            o.label.en, o.series.en, o.years.0, o.years.1
        ),
    }
}

fn donor_pool(ctx: &Ctx<'_>, im: &Impact) -> String {
    let lang = ctx.lang;
    let mut out = format!(
        r#"<h3 id="impact-donors">{}</h3>"#,
        lang.pick("对照池", "The donor pool")
    );
    let per_outcome: Vec<String> = im
        .outcomes
        .iter()
        .filter(|o| o.refused.is_none())
        .map(|o| match lang {
            Lang::Zh => format!("{} {} 个", o.label.zh, o.n_donors),
            Lang::En => format!("{} for {}", o.n_donors, o.label.en),
        })
        .collect();
    let text = match lang {
        Lang::Zh => format!("对照池为面板中未参加任何结对帮扶或对口支援项目的 {} 个地级及以上城市；每个结果变量只用时间窗内每年都有数值的城市（{}）。以下规则将城市排除在对照池之外：", im.donors.len(), per_outcome.join("，")),
        Lang::En => format!("The donor pool is the {} prefecture-level cities of the panel in no pairing or counterpart-aid programme; each outcome uses those with a value in every year of its window ({}). These rules keep cities out of the pool:", im.donors.len(), per_outcome.join(", ")),
    };
    let _ = write!(out, "<p>{}</p>", esc(&text));
    let head = [
        th(lang.pick("排除", "Excluded")),
        th(lang.pick("原因", "Why")),
    ];
    let rows: Vec<Vec<String>> = exclusion_groups(im, lang)
        .into_iter()
        .map(|(why, who)| vec![td(esc(&who.join(lang.pick("、", ", ")))), td(esc(&why))])
        .collect();
    let caption = lang.pick(
        "按省（自治区、直辖市）排除的，其中所有城市都不进入对照池。",
        "A province (or autonomous region, municipality) excludes every city in it.",
    );
    out.push_str(&table(&head, &rows, Some(&esc(caption))));
    out
}

/// The exclusion rules grouped by reason, in the order of their first rule.
fn exclusion_groups(im: &Impact, lang: Lang) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for x in &im.exclusions {
        let (why, who) = (x.reason.pick(lang), x.excluded.pick(lang).to_string());
        match groups.iter_mut().find(|g| g.0 == why) {
            Some(g) => g.1.push(who),
            None => groups.push((why.to_string(), vec![who])),
        }
    }
    groups
}

fn caveats(ctx: &Ctx<'_>, im: &Impact) -> String {
    let lang = ctx.lang;
    let mut out = format!(
        r#"<h3 id="impact-caveats">{}</h3><ul class="tight">"#,
        lang.pick("注意事项", "Caveats")
    );
    for c in &im.caveats {
        let _ = write!(out, "<li>{}</li>", esc(c.pick(lang)));
    }
    out.push_str("</ul>");
    out
}

/// The helped city's synthetic control on its pair's page; empty without impact.
pub(crate) fn pair_section(ctx: &Ctx<'_>, pair_id: &str) -> String {
    let (Some(im), Some(pair)) = (ctx.input.impact, ctx.input.programme.pair(pair_id)) else {
        return String::new();
    };
    let Some(o) = im.synth_outcome() else {
        return String::new();
    };
    let lang = ctx.lang;
    let mut out = format!(
        r#"<h3 id="impact">{}</h3>"#,
        lang.pick(
            "成效评估：合成控制（早期读数）",
            "Impact: synthetic control (early reading)"
        )
    );
    let city = &pair.helped;
    match o.cities.iter().find(|c| &c.city == city) {
        Some(c) => out.push_str(&city_synth(ctx, im, o, c, pair_id)),
        None => out.push_str(&no_synth(ctx, o, city)),
    }
    out.push_str(&pair_note(ctx, im));
    out
}

/// Why a helped city has no synthetic control: left out for a missing year, or not treated.
fn no_synth(ctx: &Ctx<'_>, o: &OutcomeImpact, city: &str) -> String {
    let lang = ctx.lang;
    let name = ctx.name(city);
    let text = if o.dropped.iter().any(|d| d == city) {
        let mut text = match lang {
            Lang::Zh => format!("{name}未纳入评估：{}", left_out_text(o, lang)),
            Lang::En => format!(
                "{name} is left out of the evaluation: {}",
                left_out_text(o, lang)
            ),
        };
        text.push_str(&pooled_in(ctx, city));
        text
    } else {
        match lang {
            Lang::Zh => format!("{name}没有合成控制估计。"),
            Lang::En => format!("There is no synthetic control for {name}."),
        }
    };
    format!(
        r#"<p><span class="badge unknown">{}</span> {}</p>"#,
        lang.pick("未评估", "not evaluated"),
        esc(&text)
    )
}

/// " It is in the pooled estimates of …" for the outcomes evaluated with `city`, or nothing.
fn pooled_in(ctx: &Ctx<'_>, city: &str) -> String {
    let Some(im) = ctx.input.impact else {
        return String::new();
    };
    let with: Vec<&str> = im
        .outcomes
        .iter()
        .filter(|o| o.refused.is_none() && !o.dropped.iter().any(|d| d == city))
        .map(|o| o.label.pick(ctx.lang))
        .collect();
    if with.is_empty() {
        return String::new();
    }
    match ctx.lang {
        Lang::Zh => format!("它仍计入{}的合并估计。", with.join("、")),
        Lang::En => format!(" It is in the pooled estimates of {}.", with.join(", ")),
    }
}

/// A pointer to the pooled estimates and the caveats on the programme page.
fn pair_note(ctx: &Ctx<'_>, im: &Impact) -> String {
    let text = ctx.lang.pick(
        "全部受援城市的合并估计、对照池和全部注意事项见总览页的“成效评估”。",
        "The pooled estimates for all helped cities, the donor pool and every caveat are in “Impact” on the programme page.",
    );
    let first = im
        .caveats
        .first()
        .map_or(String::new(), |c| format!(" {}", esc(c.pick(ctx.lang))));
    format!(
        r#"<p class="note"><a href="index.html#impact">{}</a>{first}</p>"#,
        esc(text)
    )
}

fn city_synth(
    ctx: &Ctx<'_>,
    im: &Impact,
    o: &OutcomeImpact,
    c: &CitySynth,
    pair_id: &str,
) -> String {
    let chart = synth_chart(ctx, im, o, c, pair_id);
    let mut out = format!("<p>{}</p>", esc(&reading(ctx, im, o, c)));
    out.push_str(&figure(
        &format!("<p><b>{}</b></p>{}", esc(&chart.title), line_chart(&chart)),
        &esc(&synth_caption(ctx.lang, o)),
    ));
    let gap = gap_chart(ctx, im, o, c, pair_id);
    out.push_str(&figure(
        &format!("<p><b>{}</b></p>{}", esc(&gap.title), line_chart(&gap)),
        &esc(&gap_caption(ctx.lang, c)),
    ));
    out.push_str(&weights_table(ctx, o, c));
    out
}

/// The gap actual − synthetic by year, around a zero line: the pre-period fit and the effect.
fn gap_chart(
    ctx: &Ctx<'_>,
    im: &Impact,
    o: &OutcomeImpact,
    c: &CitySynth,
    pair_id: &str,
) -> LineChart {
    let lang = ctx.lang;
    let name = ctx.name(&c.city);
    let label = match lang {
        Lang::Zh => format!("{name}：实际 − 合成控制"),
        Lang::En => format!("{name}: actual − synthetic"),
    };
    let title = match lang {
        Lang::Zh => format!("{name}与其合成控制之差，{}", o.label.zh),
        Lang::En => format!("{name} minus its synthetic control, {}", o.label.en),
    };
    let points: Vec<(i32, Option<f64>)> = c.path.iter().map(|p| (p.0, Some(p.1 - p.2))).collect();
    let mut chart = LineChart {
        id: format!("impact-sc-gap-{pair_id}"),
        title,
        description: String::new(),
        y_label: unit_name(o.unit, lang).to_string(),
        empty_text: lang.no_data().to_string(),
        x_range: o.years,
        series: vec![LineSeries {
            label,
            points,
            class: "ln-2",
            style: LineStyle::Dashed,
            emphasis: true,
            band: Vec::new(),
        }],
        markers: vec![start_marker(im, lang)],
        y_format: YFormat::Thousands {
            decimals: decimals(o.unit),
        },
        log_scale: false,
        y_zero: true,
        fan: placebo_fan(ctx, c),
    };
    chart.description = format!(
        "{}{}{}",
        chart.title,
        lang.pick("。", ". "),
        reading(ctx, im, o, c)
    );
    chart
}

/// The donors' own gaps with the programme assigned to them on paper, in grey behind the
/// city's gap: if the city's line stands out of the fan after 2022, the gap is unusual.
fn placebo_fan(ctx: &Ctx<'_>, c: &CitySynth) -> Option<Fan> {
    let lang = ctx.lang;
    let n = c.placebos.len();
    let label = match lang {
        Lang::Zh => format!("安慰剂：{n} 个对照城市各自的差距"),
        Lang::En => format!("Placebos: the gap of each of {n} donor cities"),
    };
    let lines = c.placebos.iter().map(|(city, gaps)| {
        let name = ctx.name(city);
        let tip = match lang {
            Lang::Zh => format!("安慰剂：{name}"),
            Lang::En => format!("Placebo: {name}"),
        };
        (tip, gaps.iter().map(|g| (g.0, Some(g.1))).collect())
    });
    (n > 0).then(|| Fan {
        label,
        lines: lines.collect(),
    })
}

fn gap_caption(lang: Lang, c: &CitySynth) -> String {
    let k = c.fan_max_pre_mspe_multiple;
    let left_out = c.placebos_left_out;
    match lang {
        Lang::Zh => format!(
            "差距 = 实际值 − 合成控制（推算值，虚线）。2022 年以前接近零线说明合成控制拟合良好；2022 年起的差距即估计的效应，其平均值见上文。灰线：把项目“纸面上”分配给每个对照城市后它自己的差距（安慰剂），只画 2022 年以前拟合误差（均方）不超过本市 {k} 倍的城市（Abadie 等 2010），另有 {left_out} 个拟合太差未画。本市的线若在 2022 年后跳出灰线带，差距就不寻常。"
        ),
        Lang::En => format!(
            "Gap = actual − synthetic control (derived, dashed). Close to the zero line before 2022 means the synthetic control fits well; from 2022 the gap is the estimated effect, averaged in the text above. Grey: each donor city's own gap when the programme is assigned to it on paper (placebos), drawn for the donors whose pre-2022 mean squared error is at most {k} times this city's (Abadie et al. 2010); {left_out} more fitted too poorly to be drawn. If the city's line leaves the grey fan after 2022, the gap is unusual."
        ),
    }
}

/// The level drawn for a path value: the level itself for a log outcome with a level.
fn level(o: &OutcomeImpact, v: f64) -> f64 {
    if o.unit == EffectUnit::LogPoints && o.level.is_some() {
        v.exp()
    } else {
        v
    }
}

fn synth_chart(
    ctx: &Ctx<'_>,
    im: &Impact,
    o: &OutcomeImpact,
    c: &CitySynth,
    pair_id: &str,
) -> LineChart {
    let lang = ctx.lang;
    let name = ctx.name(&c.city);
    let levels = o.unit == EffectUnit::LogPoints && o.level.is_some();
    let quantity = o.level.as_ref().unwrap_or(&o.label).pick(lang).to_string();
    let series = |label: String, k: usize, class, style, emphasis| LineSeries {
        label,
        points: c
            .path
            .iter()
            .map(|p| (p.0, Some(level(o, if k == 1 { p.1 } else { p.2 }))))
            .collect(),
        class,
        style,
        emphasis,
        band: Vec::new(),
    };
    let actual = format!("{}{name}", lang.pick("实际：", "Actual: "));
    let synthetic = format!("{}{name}", lang.pick("合成控制：", "Synthetic "));
    let mut chart = LineChart {
        id: format!("impact-sc-{pair_id}"),
        title: match lang {
            Lang::Zh => format!(
                "{name}：实际与合成控制，{quantity}，{}–{}",
                o.years.0, o.years.1
            ),
            Lang::En => format!(
                "{name}: actual and synthetic control, {quantity}, {}–{}",
                o.years.0, o.years.1
            ),
        },
        description: String::new(),
        y_label: if levels {
            format!("{quantity}{}", lang.pick("（对数刻度）", " (log scale)"))
        } else {
            quantity
        },
        empty_text: lang.no_data().to_string(),
        x_range: o.years,
        series: vec![
            series(actual, 1, "ln-2", LineStyle::Solid, true),
            series(synthetic, 2, "ln-6", LineStyle::Dashed, false),
        ],
        markers: vec![start_marker(im, lang)],
        y_format: YFormat::Thousands { decimals: 0 },
        log_scale: levels,
        y_zero: false,
        fan: None,
    };
    chart.description = format!(
        "{}{}{}",
        chart.title,
        lang.pick("。", ". "),
        reading(ctx, im, o, c)
    );
    chart
}

/// The city's effect and placebo p-value with one sentence of interpretation.
fn reading(ctx: &Ctx<'_>, im: &Impact, o: &OutcomeImpact, c: &CitySynth) -> String {
    let lang = ctx.lang;
    let name = ctx.name(&c.city);
    let (first, last) = (im.first_treated_year, o.years.1);
    let pct = ((c.att.exp() - 1.0) * 100.0).abs();
    let size = match o.unit {
        EffectUnit::LogPoints => format!(
            "{} {}{}{}%{}",
            num(c.att.abs(), o.unit),
            lang.pick("对数点（约 ", "log points (about "),
            thousands(pct, 1),
            lang.pick("", " "),
            lang.pick("）", ")")
        ),
        EffectUnit::PercentagePoints => {
            format!("{} {}", num(c.att.abs(), o.unit), unit_name(o.unit, lang))
        }
    };
    let direction = match (c.att >= 0.0, lang) {
        (true, Lang::Zh) => "高于",
        (false, Lang::Zh) => "低于",
        (true, Lang::En) => "above",
        (false, Lang::En) => "below",
    };
    let gap = match lang {
        Lang::Zh => format!("{first}–{last} 年平均，{name}的{} {direction}其合成控制 {size}。", o.label.zh),
        Lang::En => format!("On average over {first}–{last}, {name}'s {} was {direction} its synthetic control by {size}.", o.label.en),
    };
    format!(
        "{gap}{}{}",
        lang.pick("", " "),
        placebo_sentence(c.p_value, lang)
    )
}

fn placebo_sentence(p: Option<f64>, lang: Lang) -> String {
    let Some(p) = p.filter(|p| p.is_finite()) else {
        return lang
            .pick(
                "没有安慰剂 p 值，无法判断这一差距是否不寻常。",
                "There is no placebo p-value, so whether the gap is unusual cannot be judged.",
            )
            .to_string();
    };
    let share = thousands(p * 100.0, 0);
    match (p <= 0.05, lang) {
        (true, Lang::Zh) => format!("安慰剂 p = {}：只有 {share}% 的城市在被“假设受援”时出现同样大的偏离，这一差距不寻常——是早期信号，需要更多年份确认。", p_text(p)),
        (true, Lang::En) => format!("Placebo p = {}: only {share} % of cities show as large a departure when given the programme on paper, so the gap is unusual — an early sign, to be confirmed with more years.", p_text(p)),
        (false, Lang::Zh) => format!("安慰剂 p = {}：{share}% 的城市在被“假设受援”时出现同样大或更大的偏离，这样的差距在没有项目时也常见，既不能说明有效应，也不能说明没有效应。", p_text(p)),
        (false, Lang::En) => format!("Placebo p = {}: {share} % of cities show as large a departure or larger when given the programme on paper, so a gap like this is common without any programme — evidence neither of an effect nor of none.", p_text(p)),
    }
}

fn synth_caption(lang: Lang, o: &OutcomeImpact) -> String {
    let mut caption = lang
        .pick(
            "合成控制是对照城市的加权组合（权重见下表），使其在 2022 年以前的走势尽量贴合该城市；2022 年起两线之差即估计的效应。虚线为推算值（合成控制）。竖线：结对帮扶启动。",
            "The synthetic control is a weighted mix of donor cities (weights below) chosen to track the city as closely as possible before 2022; from 2022 the gap between the lines is the estimated effect. Dashed: derived (the synthetic control). Vertical line: programme start.",
        )
        .to_string();
    if o.unit == EffectUnit::LogPoints && o.level.is_some() {
        caption.push_str(lang.pick("", " "));
        caption.push_str(lang.pick(
            "估计在对数上进行，图中以水平值画在对数刻度上（两线的垂直距离即对数差）。",
            "The estimate is made on logs; the chart shows levels on a logarithmic axis, so the vertical distance between the lines is the log difference.",
        ));
    }
    caption
}

fn weights_table(ctx: &Ctx<'_>, o: &OutcomeImpact, c: &CitySynth) -> String {
    let lang = ctx.lang;
    let head = [
        th(lang.pick("对照城市", "Donor city")),
        th_num(lang.pick("权重", "Weight")),
    ];
    let bar = |w: f64| {
        let pct = (w.clamp(0.0, 1.0) * 100.0).round();
        format!(
            r#"<span class="conf"><span style="width:{pct:.0}%"></span></span> {}%"#,
            thousands(w * 100.0, 1)
        )
    };
    let mut rows: Vec<Vec<String>> = c
        .weights
        .iter()
        .take(TOP_DONORS)
        .map(|(d, w)| vec![td(esc(&ctx.name(d))), td_num(bar(*w))])
        .collect();
    let rest = &c.weights[c.weights.len().min(TOP_DONORS)..];
    if !rest.is_empty() {
        let sum: f64 = rest.iter().map(|r| r.1).sum();
        let label = match lang {
            Lang::Zh => format!("其余 {} 个城市", rest.len()),
            Lang::En => format!("{} other cities", rest.len()),
        };
        rows.push(vec![td(esc(&label)), td_num(bar(sum))]);
    }
    let caption = match lang {
        Lang::Zh => format!("权重大于 0.1% 的对照城市（共 {} 个，合计约 100%），取自 {} 个对照城市。处理前拟合误差（RMSPE）：{}。", c.weights.len(), o.n_donors, num(c.pre_rmspe, o.unit)),
        Lang::En => format!("Donors with a weight above 0.1 % ({} of the {} donors; together about 100 %). Pre-period fit (RMSPE): {}.", c.weights.len(), o.n_donors, num(c.pre_rmspe, o.unit)),
    };
    table(&head, &rows, Some(&esc(&caption)))
}
