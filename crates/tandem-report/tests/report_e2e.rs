//! Builds the report from the bundled data into temporary directories, in both languages,
//! and checks what was written.

use calamine::{open_workbook, Reader, Xlsx};
use std::path::Path;
use tandem_core::advisor::{diagnose_all, AdvisorInput, PairDiagnosis, Weights};
use tandem_core::Classification;
use tandem_data::bundled::{bundle, BOUNDARIES_SIMPLIFIED_GEOJSON, SOURCES_MD};
use tandem_report::{
    build_report, Lang, PairTrend, ReportError, ReportInput, ReportOptions, ReportSummary,
    TrendBreak, Trends,
};

fn diagnoses() -> Vec<PairDiagnosis> {
    let b = bundle();
    let weights = Weights::default();
    let input = AdvisorInput {
        localities: &b.localities,
        programme: &b.programme,
        observations: &b.observations,
        events: &b.events,
        leading_industries: &b.leading_industries,
        io_table: b
            .io_table(2020, &Classification::Io42)
            .expect("the 2020 42-sector table is bundled"),
        panel: None,
        weights: &weights,
        park_assessments: &[],
        chains: &[],
        records: &tandem_core::advisor::NO_RECORDS,
    };
    diagnose_all(&input).expect("the bundled programme can be diagnosed")
}

fn build(
    dir: &Path,
    lang: Lang,
    pair: Option<&str>,
    diagnoses: &[PairDiagnosis],
) -> Result<ReportSummary, ReportError> {
    build_with(dir, lang, pair, diagnoses, None)
}

fn build_with(
    dir: &Path,
    lang: Lang,
    pair: Option<&str>,
    diagnoses: &[PairDiagnosis],
    trends: Option<&Trends>,
) -> Result<ReportSummary, ReportError> {
    let b = bundle();
    let input = ReportInput {
        programme: &b.programme,
        localities: &b.localities,
        observations: &b.observations,
        events: &b.events,
        diagnoses,
        boundaries_geojson: BOUNDARIES_SIMPLIFIED_GEOJSON,
        sources_md: SOURCES_MD,
        dataset: None,
        trends,
        impact: None,
    };
    build_report(
        &input,
        &ReportOptions {
            lang,
            pair: pair.map(str::to_string),
        },
        dir,
    )
}

/// Every `<svg ...>...</svg>` element of a page has drawn content (not just its title).
fn assert_no_empty_svg(page: &str, name: &str) {
    let mut rest = page;
    let mut n = 0;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..]
            .find("</svg>")
            .map(|e| start + e)
            .unwrap_or_else(|| panic!("{name}: unclosed <svg>"));
        let svg = &rest[start..end];
        let drawn = ["<rect", "<path", "<circle", "<line", "<text"]
            .iter()
            .any(|t| svg.contains(t));
        assert!(drawn, "{name}: an empty <svg>: {svg}");
        n += 1;
        rest = &rest[end + 6..];
    }
    assert!(n > 0, "{name} has no chart");
}

fn check_page(page: &str, name: &str, lang: Lang) {
    for bad in [
        "NaN",
        "undefined",
        ">inf<",
        " inf ",
        "inf%",
        "Infinity",
        "{:",
        "\u{fffd}",
    ] {
        assert!(!page.contains(bad), "{name} contains {bad:?}");
    }
    assert_no_empty_svg(page, name);
    // Self-contained: nothing is loaded from anywhere.
    for external in ["<script src", "<link", "@import", "url(", "<img", "<iframe"] {
        assert!(
            !page.contains(external),
            "{name} loads something: {external}"
        );
    }
    let sources_heading = match lang {
        Lang::Zh => "数据来源",
        Lang::En => "Sources",
    };
    assert!(page.contains(sources_heading), "{name}: no sources heading");
    assert!(
        page.contains(r#"<li id="src-1">"#),
        "{name}: the sources list is empty"
    );
    assert!(
        page.contains(&format!(r#"<html lang="{}">"#, lang.tag())),
        "{name}"
    );
    // Every reference [n] points to an entry of the list.
    let mut k = 1;
    while page.contains(&format!("href=\"#src-{k}\"")) {
        assert!(
            page.contains(&format!(r#"<li id="src-{k}">"#)),
            "{name}: [{k}] has no entry"
        );
        k += 1;
    }
}

#[test]
fn full_report_in_both_languages() {
    let diagnoses = diagnoses();
    assert_eq!(diagnoses.len(), 8);
    let b = bundle();
    for lang in [Lang::Zh, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let summary = build(dir.path(), lang, None, &diagnoses).unwrap();
        assert_eq!(summary.pair_pages.len(), 8);
        let index = std::fs::read_to_string(&summary.index).unwrap();
        check_page(&index, "index.html", lang);
        for pair in &b.programme.pairs {
            let path = dir.path().join(format!("{}.html", pair.id));
            assert!(path.exists(), "{} has no page", pair.id);
            assert!(
                index.contains(&format!(r#"href="{}.html""#, pair.id)),
                "index links {}",
                pair.id
            );
            let page = std::fs::read_to_string(&path).unwrap();
            check_page(&page, &pair.id, lang);
            assert!(page.contains(r#"href="index.html""#));
            // Foundation, market, timeline, problems, paths and opportunities are all there.
            let headings: &[&str] = match lang {
                Lang::Zh => &[
                    "合作基础",
                    "市场力量",
                    "政府引导与合作进展",
                    "问题诊断",
                    "破解路径",
                    "合作机会",
                ],
                Lang::En => &[
                    "Foundation",
                    "Market forces",
                    "Government guidance and status",
                    "Problems",
                    "Paths",
                    "Opportunities",
                ],
            };
            for h in headings {
                assert!(page.contains(h), "{}: no {h}", pair.id);
            }
            assert!(page.contains("class=\"map-helper"), "{}: map", pair.id);
            assert!(
                page.contains("pair-line focus"),
                "{}: its pairing line",
                pair.id
            );
        }
        // Minhang has no GDP: the gap shows "no data" rather than a number or a hidden row.
        let minhang =
            std::fs::read_to_string(dir.path().join("pair-minhang-huainan.html")).unwrap();
        assert!(
            minhang.contains(lang.no_data()),
            "Minhang's missing GDP is not shown as no data"
        );
        // Language: the English pages do not fall back to Chinese labels, and vice versa.
        match lang {
            Lang::Zh => {
                assert!(index.contains("数据覆盖") && index.contains("问题诊断一览"));
                assert!(!index.contains("Data coverage"));
            }
            Lang::En => {
                assert!(
                    index.contains("Data coverage")
                        && index.contains("Problem verdicts at a glance")
                );
                assert!(!index.contains("数据覆盖") && !index.contains("无数据"));
            }
        }
        // Provenance: the SOURCES.md summary with link texts.
        assert!(
            index.contains(r#"rel="noreferrer">Wikipedia 安徽各地级市地区生产总值列表"#),
            "provenance link text"
        );

        // JSON: parses, 8 pairs with their diagnosis, tables keyed by machine names.
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary.json).unwrap()).unwrap();
        let pairs = json["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 8);
        assert_eq!(json["lang"], lang.code());
        assert!(pairs.iter().all(|p| p["diagnosis"]["problems"]
            .as_array()
            .is_some_and(|a| a.len() == 3)));
        let gaps = json["tables"]["pairs"].as_array().unwrap();
        assert_eq!(gaps.len(), 8);
        let minhang = gaps
            .iter()
            .find(|r| r["pair_id"] == "pair-minhang-huainan")
            .unwrap();
        assert!(
            minhang["helper_gdp_100m_yuan"].is_null(),
            "missing is null, not 0"
        );

        // XLSX: a zip, and it reads back with a sheet per table.
        let bytes = std::fs::read(&summary.xlsx).unwrap();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let mut wb: Xlsx<_> = open_workbook(&summary.xlsx).unwrap();
        let names = wb.sheet_names();
        for sheet in [
            "Pairs",
            "Structure",
            "Problems",
            "Paths",
            "Opportunities",
            "Linkage ranks",
            "IO links",
            "Events",
            "Coverage",
        ] {
            assert!(
                names.iter().any(|n| n == sheet),
                "no sheet {sheet}: {names:?}"
            );
        }
        let range = wb.worksheet_range("Pairs").unwrap();
        assert_eq!(range.height(), 2 + 8, "title, header and 8 pairs");
        let header: Vec<String> = range
            .rows()
            .nth(1)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        let (helper, helped) = match lang {
            Lang::Zh => ("支援方 GDP（亿元）", "受援方 GDP（亿元）"),
            Lang::En => ("Helper GDP (100m yuan)", "Helped GDP (100m yuan)"),
        };
        assert!(
            header.iter().any(|h| h == helper) && header.iter().any(|h| h == helped),
            "{header:?}"
        );
        let cells: Vec<String> = range
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        assert!(
            cells.iter().any(|c| c == lang.no_data()),
            "missing figures are written as no data"
        );
    }
}

#[test]
fn one_pair_and_errors() {
    let diagnoses = diagnoses();
    let dir = tempfile::tempdir().unwrap();
    let s = build(dir.path(), Lang::En, Some("pair-ningbo-bengbu"), &diagnoses).unwrap();
    assert_eq!(s.pair_pages.len(), 1);
    let files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.contains(&"index.html".to_string()));
    assert!(files.contains(&"pair-ningbo-bengbu.html".to_string()));
    assert_eq!(
        files.iter().filter(|f| f.ends_with(".html")).count(),
        2,
        "{files:?}"
    );
    // The index does not link to pages that were not written.
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(!index.contains(r#"href="pair-minhang-huainan.html""#));
    assert!(index.contains(r#"href="pair-ningbo-bengbu.html""#));

    let e = build(dir.path(), Lang::En, Some("pair-nowhere"), &diagnoses).unwrap_err();
    assert!(matches!(e, ReportError::UnknownPair { .. }), "{e}");
    assert!(e.to_string().contains("pair-ningbo-bengbu"), "{e}");
    let e = build(dir.path(), Lang::En, None, &diagnoses[..7]).unwrap_err();
    assert!(
        matches!(e, ReportError::MissingDiagnosis(ref p) if p == "pair-ningbo-bengbu"),
        "{e}"
    );
}

/// Trends for every bundled pair as the CLI computes them from the panel: no series for the
/// Shanghai districts (Shanghai as reference), the helped cities missing 2002, ranks among
/// too few cities in 2001.
fn trends() -> Trends {
    let years = 2000..=2023;
    let level = |base: f64, skip: i32| -> Vec<(i32, Option<f64>)> {
        years
            .clone()
            .map(|y| (y, (y != skip).then(|| base * 1.1f64.powi(y - 2000))))
            .collect()
    };
    let pairs = bundle()
        .programme
        .pairs
        .iter()
        .map(|p| {
            let district = p.helper.starts_with("sh-");
            let helper = if district {
                years.clone().map(|y| (y, None)).collect()
            } else {
                level(30_000.0, 0)
            };
            let helped = level(9_000.0, 2002);
            let gap = helper
                .iter()
                .zip(&helped)
                .map(|(&(y, a), &(_, b))| (y, a.zip(b).map(|(a, b)| a / b)))
                .collect();
            PairTrend {
                pair_id: p.id.clone(),
                helper_pc: helper,
                helped_pc: helped,
                anhui_pc: level(10_000.0, 0),
                north_anhui_pc: level(8_000.0, 0),
                shanghai_pc: district.then(|| level(40_000.0, 0)),
                gap,
                helped_rank_yrd41: years
                    .clone()
                    .map(|y| (y, Some(if y == 2001 { (5, 16) } else { (33, 41) })))
                    .collect(),
            }
        })
        .collect();
    Trends {
        pairs,
        breaks: vec![TrendBreak {
            last_year_before: 2018,
            first_year_after: 2019,
            label_en: "2018 economic census".into(),
            label_zh: "2018年经济普查".into(),
        }],
        programme_start: 2021,
        years: (2000, 2023),
        excluded_caution: 27,
        note_en: "Derived from the city panel.".into(),
        note_zh: "由城市面板推算。".into(),
    }
}

#[test]
fn trends_are_drawn_and_written_to_the_workbook_and_the_json() {
    let diagnoses = diagnoses();
    let t = trends();
    for lang in [Lang::Zh, Lang::En] {
        let dir = tempfile::tempdir().unwrap();
        let summary = build_with(dir.path(), lang, None, &diagnoses, Some(&t)).unwrap();
        let index = std::fs::read_to_string(&summary.index).unwrap();
        check_page(&index, "index.html", lang);
        assert!(index.contains(r#"<h3 id="gaps-over-time">"#));
        assert_eq!(
            index
                .matches(r#"<g role="img" aria-labelledby="trend-gaps-"#)
                .count(),
            8
        );
        for path in &summary.pair_pages {
            let page = std::fs::read_to_string(path).unwrap();
            let name = path.display().to_string();
            check_page(&page, &name, lang);
            assert!(page.contains(r#"<h3 id="over-time">"#), "{name}");
            for kind in ["pc", "gap", "rank"] {
                assert!(
                    page.contains(&format!("-{kind}-title\">")),
                    "{name}: {kind}"
                );
            }
            assert!(page.contains(lang.pick("2018年经济普查", "2018 economic census")));
        }
        let minhang =
            std::fs::read_to_string(dir.path().join("pair-minhang-huainan.html")).unwrap();
        assert!(minhang.contains(lang.pick(">区县无数据<", ">no data for the district<")));

        // JSON: the trends as given, missing years as null (never 0).
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&summary.json).unwrap()).unwrap();
        let pairs = json["trends"]["pairs"].as_array().unwrap();
        assert_eq!(pairs.len(), 8);
        let mh = &pairs[0];
        assert_eq!(mh["pair_id"], "pair-minhang-huainan");
        assert!(mh["helper_pc"][0][1].is_null());
        assert!(mh["gap"][5][1].is_null());
        assert!(mh["helped_pc"][2][1].is_null(), "2002 is missing");
        assert_eq!(mh["helped_rank_yrd41"][1][1], serde_json::json!([5, 16]));
        assert_eq!(json["trends"]["excluded_caution"], 27);
        let rows = json["tables"]["trends"].as_array().unwrap();
        assert_eq!(rows.len(), 8 * 24);
        assert!(rows[0]["helper"].is_null() && rows[0]["anhui"].is_number());

        // XLSX: a Trends sheet, one row per pair and year; missing as the "no data" text.
        let mut wb: Xlsx<_> = open_workbook(&summary.xlsx).unwrap();
        let range = wb.worksheet_range("Trends").unwrap();
        assert_eq!(range.height(), 2 + 8 * 24);
        let row: Vec<String> = range
            .rows()
            .nth(2)
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(row[0], "pair-minhang-huainan");
        assert_eq!(row[1], "2000");
        assert_eq!(row[2], lang.no_data(), "Minhang has no per-capita series");
        assert_eq!(row[7], "33");
        assert_eq!(row[8], "41");
    }
    // Without trends: no charts over time, no Trends sheet, "trends": null.
    let dir = tempfile::tempdir().unwrap();
    let summary = build(dir.path(), Lang::En, None, &diagnoses).unwrap();
    let page = std::fs::read_to_string(&summary.pair_pages[0]).unwrap();
    assert!(!page.contains("over-time"));
    let wb: Xlsx<_> = open_workbook(&summary.xlsx).unwrap();
    assert!(!wb.sheet_names().iter().any(|n| n == "Trends"));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&summary.json).unwrap()).unwrap();
    assert!(json["trends"].is_null());
}
