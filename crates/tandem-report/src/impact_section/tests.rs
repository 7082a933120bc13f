use super::*;
use crate::impact::{Bilingual, DidEstimate, DonorExclusion, EventTime, SdidEstimate, Sensitivity};
use crate::ReportInput;
use tandem_data::bundled::bundle;

const HELPED: [&str; 8] = [
    "ah-huainan",
    "ah-luan",
    "ah-bozhou",
    "ah-chuzhou",
    "ah-fuyang",
    "ah-huaibei",
    "ah-suzhou",
    "ah-bengbu",
];

fn b(en: &str, zh: &str) -> Bilingual {
    Bilingual::new(en, zh)
}

/// A synthetic control tracking the city until 2021, then `att` apart.
fn synth(city: &str, att: f64, p: Option<f64>) -> CitySynth {
    CitySynth {
        city: city.into(),
        att,
        pre_rmspe: 0.02,
        post_rmspe: att.abs(),
        p_value: p,
        weights: vec![
            ("he-zhangjiakou".into(), 0.4),
            ("ha-hebi".into(), 0.2),
            ("fj-ningde".into(), 0.1),
            ("hn-shaoyang".into(), 0.1),
            ("hi-haikou".into(), 0.05),
            ("gd-zhuhai".into(), 0.05),
            ("hb-suizhou".into(), 0.04),
            ("sx-jincheng".into(), 0.03),
            ("hb-yichang".into(), 0.02),
            ("js-suqian".into(), 0.01),
        ],
        path: (2005..=2023)
            .map(|y| {
                let v = 5.7 + 0.09 * f64::from(y - 2005);
                (y, v + if y >= 2022 { att } else { 0.0 }, v)
            })
            .collect(),
        // Three donors' placebo gaps wobbling around zero; two more fitted too poorly.
        placebos: ["ha-hebi", "fj-ningde", "hb-suizhou"]
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let gaps = (2005..=2023)
                    .map(|y| (y, 0.01 * (f64::from(y) + i as f64).sin()))
                    .collect();
                (d.to_string(), gaps)
            })
            .collect(),
        placebos_left_out: 2,
        fan_max_pre_mspe_multiple: 5.0,
    }
}

fn event_study() -> Vec<EventTime> {
    (-16..=1)
        .map(|e| EventTime {
            e,
            estimate: 0.01 * (e as f64 * 0.7).sin(),
            se: (e != -10 && e != -8).then_some(0.008),
        })
        .collect()
}

/// An impact like the real one: log GDP with Bengbu left out and Suzhou's placebo p at
/// 0.04, the secondary share with Huainan left out, per-capita GDP and FDI refused.
fn impact() -> Impact {
    let log_gdp = OutcomeImpact {
        outcome: "log_gdp".into(),
        label: b("log GDP", "对数 GDP"),
        series: b("revised single vintage (C)", "修订后单一版本（C）"),
        years: (2005, 2023),
        unit: EffectUnit::LogPoints,
        level: Some(b("GDP (100m yuan)", "地区生产总值（亿元）")),
        refused: None,
        dropped: vec!["ah-bengbu".into()],
        n_treated: 7,
        n_donors: 126,
        synthetic_control: true,
        cities: HELPED[..7]
            .iter()
            .enumerate()
            .map(|(i, c)| {
                synth(
                    c,
                    -0.01 * i as f64 + 0.005,
                    (i != 1).then_some(0.04 + 0.1 * i as f64),
                )
            })
            .collect(),
        did: Some(DidEstimate {
            att: -0.0012,
            se: Some(0.0072),
            event_study: event_study(),
            pretest_p: Some(7.9e-61),
            sensitivity: Some(Sensitivity {
                method: "C-LF".into(),
                rows: vec![
                    (0.0, Some((-0.0147, 0.0126))),
                    (0.5, None),
                    (1.0, Some((-0.08, 0.08))),
                ],
            }),
        }),
        sdid: Some(SdidEstimate {
            estimate: -0.0129,
            se: None,
        }),
    };
    let share = OutcomeImpact {
        outcome: "secondary_share".into(),
        label: b("secondary share of GDP", "第二产业占 GDP 比重"),
        series: b("first release", "首次公布"),
        years: (2019, 2023),
        unit: EffectUnit::PercentagePoints,
        dropped: vec!["ah-huainan".into()],
        n_treated: 7,
        n_donors: 143,
        did: Some(DidEstimate {
            att: 0.0532,
            se: Some(0.4401),
            event_study: (-2..=1)
                .map(|e| EventTime {
                    e,
                    estimate: 0.3 * e as f64,
                    se: Some(0.5),
                })
                .collect(),
            pretest_p: Some(0.2),
            sensitivity: None,
        }),
        sdid: Some(SdidEstimate {
            estimate: 0.35,
            se: Some(0.67),
        }),
        ..OutcomeImpact::default()
    };
    let refused = |key: &str, en: &str, zh: &str| OutcomeImpact {
        outcome: key.into(),
        label: b(key, key),
        series: b("derived", "推算"),
        years: (2020, 2023),
        refused: Some(b(en, zh)),
        ..OutcomeImpact::default()
    };
    Impact {
        treated: HELPED.iter().map(|s| s.to_string()).collect(),
        first_treated_year: 2022,
        donors: (0..149).map(|i| format!("d{i}")).collect(),
        exclusions: vec![
            DonorExclusion {
                scope: "city".into(),
                code: "320100".into(),
                excluded: b("Nanjing", "南京市"),
                reason: b("helper <spillovers>", "支援方（溢出效应）"),
            },
            DonorExclusion {
                scope: "city".into(),
                code: "320300".into(),
                excluded: b("Xuzhou", "徐州市"),
                reason: b("helper <spillovers>", "支援方（溢出效应）"),
            },
            DonorExclusion {
                scope: "province".into(),
                code: "54".into(),
                excluded: b("Tibet (province)", "西藏自治区"),
                reason: b("recipient of counterpart aid", "对口支援的受援地区"),
            },
        ],
        outcomes: vec![
            log_gdp,
            share,
            refused(
                "log_gdp_per_capita",
                "no treated city has every year",
                "没有受援城市每年都有数值",
            ),
            refused(
                "fdi_utilised",
                "definition changed in 2022",
                "2022 年口径变化",
            ),
        ],
        caveats: vec![
            b(
                "Two post years: early readings.",
                "只有两个受援后年份：早期读数。",
            ),
            b("Inference is coarse & <rough>.", "推断粗略。"),
        ],
    }
}

fn with_ctx<R>(lang: Lang, impact: Option<&Impact>, f: impl FnOnce(&Ctx<'_>) -> R) -> R {
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
        trends: None,
        impact,
    };
    let pairs: Vec<&tandem_core::Pair> = b.programme.pairs.iter().collect();
    f(&Ctx {
        input: &input,
        lang,
        outlines: &[],
        written: &pairs,
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

fn assert_no_cjk(html: &str) {
    let cjk = html.chars().find(|c| ('\u{4e00}'..='\u{9fff}').contains(c));
    assert_eq!(cjk, None, "Chinese text on the English page");
}

#[test]
fn the_programme_page_shows_estimates_charts_pool_and_caveats_in_both_languages() {
    let im = impact();
    for lang in [Lang::Zh, Lang::En] {
        with_ctx(lang, Some(&im), |ctx| {
            let html = index_section(ctx);
            let pick = |zh: &'static str, en: &'static str| lang.pick(zh, en);
            assert!(html.contains(pick(
                ">成效评估（早期读数）</h2>",
                ">Impact (early readings)</h2>"
            )));
            for id in [
                "impact-estimates",
                "impact-robustness",
                "impact-event-study",
                "impact-cities",
                "impact-donors",
                "impact-caveats",
            ] {
                assert!(html.contains(&format!(r#"<h3 id="{id}">"#)), "{id}");
            }
            // Early readings, log points, what "not significant" means.
            assert!(html.contains(pick(
                "只有 2 个受援后年份（2022–2023）",
                "only 2 post years so far (2022–2023)"
            )));
            assert!(html.contains(pick("0.01 约等于 1%", "0.01 ≈ 1 %")));
            assert!(html.contains(pick(
                "“不显著”指 95% 置信区间",
                "“Not significant” means the 95 % confidence interval"
            )));
            // The pooled estimates with se and interval; SDID without se says so.
            assert!(html.contains("-0.001 ± 0.007<br><span class=\"note\">[-0.015, 0.013]<br>"));
            assert!(html.contains(pick("不显著", "not significant")));
            assert!(html.contains(&format!(
                "-0.013 <span class=\"note\">(se: {})</span>",
                no_data_html(lang)
            )));
            assert!(html.contains(&format!(
                "&lt; 0.001<br><span class=\"badge detected\">{}</span>",
                pick("拒绝平行趋势", "parallel trends rejected")
            )));
            assert!(html.contains(pick("受援 7，对照 126", "7 helped, 126 donors")));
            // Refused outcomes with their reason; cities left out by name.
            let refused = html
                .matches(&format!(
                    r#"<td colspan="4"><span class="badge unknown">{}</span>"#,
                    pick("未评估", "not evaluated")
                ))
                .count();
            assert_eq!(refused, 2);
            assert!(html.contains(pick("2022 年口径变化", "definition changed in 2022")));
            assert!(
                html.contains(pick("未纳入：蚌埠</span>", "left out: Bengbu</span>")),
                "Bengbu left out of log GDP"
            );
            // Robustness: an empty set is said.
            assert!(html.contains(&format!(">{}</td>", pick("空集", "empty"))));
            assert!(html.contains("[-0.015, 0.013]"));
            // Two event studies, each with a band, a zero line and the programme start.
            assert_eq!(html.matches("<svg").count(), 2);
            for o in ["log_gdp", "secondary_share"] {
                let id = format!("impact-es-{o}");
                assert!(
                    html.contains(&format!(r#"aria-labelledby="{id}-title {id}-desc""#)),
                    "{id}"
                );
            }
            assert!(
                html.matches(r#"class="band ln-2""#).count() >= 2,
                "bands and legend swatches"
            );
            assert!(
                html.matches(r#"class="band ln-2 bar""#).count() >= 1,
                "2013 stands alone (no se in 2012 and 2014)"
            );
            assert!(html.contains(r#"class="axis"/>"#));
            assert_eq!(html.matches(r#"class="mk-start""#).count(), 2);
            assert!(html.contains(pick(
                ">结对帮扶启动（2021年12月）</text>",
                ">Programme starts (Dec 2021)</text>"
            )));
            // Synthetic controls: each city linked to its pair page, Bengbu said left out.
            assert!(html.contains(r#"<a href="pair-minhang-huainan.html#impact">"#));
            assert!(html.contains(pick("未纳入", "left out")));
            // Donor pool: count, grouped rules, escaped reasons.
            assert!(html.contains("149"));
            assert!(html.contains(pick("南京市、徐州市", "Nanjing, Xuzhou")));
            assert!(html.contains(pick("支援方（溢出效应）", "helper &lt;spillovers&gt;")));
            // Every caveat, escaped.
            assert!(html.contains(pick(
                "只有两个受援后年份：早期读数。",
                "Two post years: early readings."
            )));
            assert!(html.contains(pick(
                "推断粗略。",
                "Inference is coarse &amp; &lt;rough&gt;."
            )));
            assert!(!html.contains("NaN"));
            assert_ids_resolve(&html);
            if lang == Lang::En {
                assert_no_cjk(&html);
            }
        });
    }
}

#[test]
fn a_pair_page_shows_the_helped_citys_synthetic_control() {
    let im = impact();
    for lang in [Lang::Zh, Lang::En] {
        with_ctx(lang, Some(&im), |ctx| {
            let pick = |zh: &'static str, en: &'static str| lang.pick(zh, en);
            let html = pair_section(ctx, "pair-minhang-huainan");
            assert!(html.starts_with(r#"<h3 id="impact">"#));
            assert_eq!(html.matches("<svg").count(), 2);
            for id in [
                "impact-sc-pair-minhang-huainan",
                "impact-sc-gap-pair-minhang-huainan",
            ] {
                assert!(html.contains(&format!(r#"aria-labelledby="{id}-title {id}-desc""#)));
            }
            assert!(html.contains(pick(
                "淮南：实际 − 合成控制 — 2023: 0.005</title>",
                "Huainan: actual − synthetic — 2023: 0.005</title>"
            )));
            assert!(html.contains(pick(">实际：淮南</text>", ">Actual: Huainan</text>")));
            assert!(html.contains(pick(">合成控制：淮南</text>", ">Synthetic Huainan</text>")));
            // Levels on a log axis: exp(5.7) = 299 in 2005.
            assert!(
                html.contains(pick("— 2005: 299</title>", "— 2005: 299</title>")),
                "{html}"
            );
            assert!(html.contains(pick("（对数刻度）", " (log scale)")));
            assert!(html.contains(r#"class="mk-start""#));
            // The placebo fan behind the gap: one grey path per donor with its name, one
            // legend entry (three strokes), and the filter named in the caption.
            assert_eq!(html.matches(r#"class="fan""#).count(), 3 + 3);
            assert!(html.contains(pick(
                "<title>安慰剂：鹤壁</title>",
                "<title>Placebo: Hebi</title>"
            )));
            assert!(html.contains(pick(
                ">安慰剂：3 个对照城市各自的差距</text>",
                ">Placebos: the gap of each of 3 donor cities</text>"
            )));
            assert!(html.contains(pick("不超过本市 5 倍", "at most 5 times this city&#39;s")));
            assert!(html.contains(pick("另有 2 个拟合太差未画", "2 more fitted too poorly")));
            // The effect, its size as a percentage and the placebo p with its meaning.
            assert!(
                html.contains(pick(
                    "高于其合成控制 0.005 对数点（约 0.5%）",
                    "above its synthetic control by 0.005 log points (about 0.5 %)"
                )),
                "{html}"
            );
            assert!(html.contains(pick(
                "安慰剂 p = 0.040：只有 4% 的城市",
                "Placebo p = 0.040: only 4 % of cities"
            )));
            // Top eight donors, then the rest summed.
            assert!(html.contains(pick(">张家口</td>", ">Zhangjiakou</td>")));
            assert!(html.contains(pick(">其余 2 个城市</td>", ">2 other cities</td>")));
            assert!(html.contains("3.0%"), "the rest: 2 % + 1 %");
            assert!(html.contains(r#"<a href="index.html#impact">"#));
            assert_ids_resolve(&html);
            if lang == Lang::En {
                assert_no_cjk(&html);
            }
            // Lu'an: below, and no placebo p-value.
            let html = pair_section(ctx, "pair-songjiang-luan");
            assert!(html.contains(pick(
                "低于其合成控制 0.005",
                "below its synthetic control by 0.005"
            )));
            assert!(html.contains(pick("没有安慰剂 p 值", "There is no placebo p-value")));
            // Fuyang: a common gap, not evidence.
            let html = pair_section(ctx, "pair-suzhou-fuyang");
            assert!(html.contains(pick(
                "这样的差距在没有项目时也常见",
                "a gap like this is common without any programme"
            )));
        });
    }
}

#[test]
fn a_city_left_out_is_said_plainly_and_nothing_without_impact() {
    let im = impact();
    with_ctx(Lang::En, Some(&im), |ctx| {
        let html = pair_section(ctx, "pair-ningbo-bengbu");
        assert!(!html.contains("<svg"));
        assert!(html.contains("not evaluated"));
        assert!(html.contains("Bengbu is left out of the evaluation: the log GDP series (revised single vintage (C)) lacks at least one year of 2005–2023"), "{html}");
        assert!(
            html.contains("It is in the pooled estimates of secondary share of GDP."),
            "{html}"
        );
    });
    with_ctx(Lang::Zh, Some(&im), |ctx| {
        let html = pair_section(ctx, "pair-ningbo-bengbu");
        assert!(html.contains("蚌埠未纳入评估"), "{html}");
        assert!(
            html.contains("它仍计入第二产业占 GDP 比重的合并估计。"),
            "{html}"
        );
    });
    with_ctx(Lang::Zh, None, |ctx| {
        assert_eq!(index_section(ctx), "");
        assert_eq!(pair_section(ctx, "pair-ningbo-bengbu"), "");
    });
    // Without a synthetic-control outcome the pair pages say nothing, the index still shows
    // the pooled estimates.
    let mut pooled = impact();
    pooled
        .outcomes
        .iter_mut()
        .for_each(|o| o.synthetic_control = false);
    with_ctx(Lang::En, Some(&pooled), |ctx| {
        assert_eq!(pair_section(ctx, "pair-minhang-huainan"), "");
        let html = index_section(ctx);
        assert!(html.contains("impact-estimates") && !html.contains("impact-cities"));
    });
}

#[test]
fn the_workbook_and_json_hold_every_estimate() {
    let im = impact();
    with_ctx(Lang::En, Some(&im), |ctx| {
        let sheets = crate::tables::build(ctx);
        let sheet = sheets
            .iter()
            .find(|s| s.name == "Impact")
            .expect("an Impact sheet");
        let keys: Vec<&str> = sheet.columns.iter().map(|c| c.key).collect();
        for k in ["outcome", "estimator", "city", "estimate", "se", "p_value"] {
            assert!(keys.contains(&k), "{k}");
        }
        let est = |r: &Vec<crate::tables::Cell>| match &r[3] {
            crate::tables::Cell::Text(t) => t.clone(),
            _ => String::new(),
        };
        let count = |e: &str| sheet.rows.iter().filter(|r| est(r) == e).count();
        assert_eq!(count("Callaway-Sant'Anna (simple)"), 2);
        assert_eq!(count("Callaway-Sant'Anna (event study)"), 18 + 4);
        assert_eq!(count("synthetic DID"), 2);
        assert_eq!(count("synthetic control"), 7);
        assert_eq!(count("not evaluated"), 2);
        assert_eq!(count("left out"), 2);
        // A missing se stays missing, never 0.
        let sdid = sheet
            .rows
            .iter()
            .find(|r| est(r) == "synthetic DID")
            .unwrap();
        assert_eq!(sdid[7], crate::tables::Cell::Missing);
        let json = crate::tables::json(ctx, &sheets);
        assert_eq!(json["impact"]["first_treated_year"], 2022);
        assert_eq!(
            json["impact"]["outcomes"][0]["cities"]
                .as_array()
                .unwrap()
                .len(),
            7
        );
        assert!(json["impact"]["outcomes"][0]["sdid"]["se"].is_null());
        assert_eq!(
            json["tables"]["impact"].as_array().unwrap().len(),
            sheet.rows.len()
        );
    });
    with_ctx(Lang::En, None, |ctx| {
        let sheets = crate::tables::build(ctx);
        assert!(sheets.iter().all(|s| s.name != "Impact"));
        assert!(crate::tables::json(ctx, &sheets)["impact"].is_null());
    });
}
