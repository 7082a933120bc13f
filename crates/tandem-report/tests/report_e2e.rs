//! Builds the report from the bundled data into temporary directories, in both languages,
//! and checks what was written.

use calamine::{open_workbook, Reader, Xlsx};
use std::path::Path;
use tandem_core::advisor::{diagnose_all, AdvisorInput, PairDiagnosis, Weights};
use tandem_core::Classification;
use tandem_data::bundled::{bundle, BOUNDARIES_SIMPLIFIED_GEOJSON, SOURCES_MD};
use tandem_report::{build_report, Lang, ReportError, ReportInput, ReportOptions, ReportSummary};

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
    };
    diagnose_all(&input).expect("the bundled programme can be diagnosed")
}

fn build(
    dir: &Path,
    lang: Lang,
    pair: Option<&str>,
    diagnoses: &[PairDiagnosis],
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
