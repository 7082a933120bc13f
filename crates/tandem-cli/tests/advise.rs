//! Runs the real `tandem advise` for every pair, as text (both languages) and JSON.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const PAIRS: [&str; 8] = [
    "pair-minhang-huainan",
    "pair-songjiang-luan",
    "pair-fengxian-bozhou",
    "pair-nanjing-chuzhou",
    "pair-suzhou-fuyang",
    "pair-xuzhou-huaibei",
    "pair-hangzhou-suzhou",
    "pair-ningbo-bengbu",
];

fn tandem(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    (
        out.status.code().expect("exited normally"),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

/// Every object that looks like a Figure (value + unit + year) must carry a source with a
/// citation; no number may be NaN (serde_json writes non-finite floats as null, so a null
/// `score`, `confidence` or `value` of a Figure would also be caught here).
fn check_figures(v: &Value, path: &str, figures: &mut usize) {
    match v {
        Value::Object(m) => {
            if m.contains_key("value") && m.contains_key("unit") && m.contains_key("year") {
                *figures += 1;
                assert!(m["value"].is_number(), "{path}: figure without a number");
                assert!(m["year"].is_i64(), "{path}: figure without a year");
                let cite = m
                    .get("source")
                    .and_then(|s| s.get("citation"))
                    .and_then(Value::as_str);
                assert!(
                    cite.is_some_and(|c| !c.is_empty()),
                    "{path}: figure without a source"
                );
            }
            for key in ["score", "confidence"] {
                // Stage scores are 0-100; opportunity scores and confidences are in [0, 1].
                if let Some(x) = m.get(key).filter(|_| !path.contains(".stage")) {
                    let x = x
                        .as_f64()
                        .unwrap_or_else(|| panic!("{path}.{key} is not a number"));
                    assert!(
                        (0.0..=1.0).contains(&x),
                        "{path}.{key} = {x} outside [0, 1]"
                    );
                }
            }
            for (k, x) in m {
                check_figures(x, &format!("{path}.{k}"), figures);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                check_figures(x, &format!("{path}[{i}]"), figures);
            }
        }
        _ => {}
    }
}

#[test]
fn every_pair_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    for pair in PAIRS {
        let (code, out, err) = tandem(&db, &["advise", pair, "--format", "json"]);
        assert_eq!(code, 0, "{pair}: {err}");
        assert!(!out.contains("NaN"), "{pair}: non-finite number");
        let v: Value = serde_json::from_str(&out).expect("valid JSON");
        assert_eq!(v["pair_id"], pair);
        let mut figures = 0;
        check_figures(&v, pair, &mut figures);
        assert!(figures > 0, "{pair}: no figure at all");
        assert_eq!(v["problems"].as_array().unwrap().len(), 3);
        assert_eq!(v["paths"].as_array().unwrap().len(), 3);
        let ops = v["opportunities"]["opportunities"].as_array().unwrap();
        assert_eq!(ops.len(), 10, "{pair}: default top 10");
        for o in ops {
            for c in [
                "transfer_propensity",
                "receiving_capacity",
                "io_linkage",
                "distance_decay",
            ] {
                assert!(
                    o["components"][c]["weight"].is_number(),
                    "{pair}: component {c}"
                );
            }
            assert!(!o["reason"]["zh"].as_str().unwrap().is_empty());
            assert!(!o["reason"]["en"].as_str().unwrap().is_empty());
        }
        // Scores are sorted best first.
        let scores: Vec<f64> = ops.iter().map(|o| o["score"].as_f64().unwrap()).collect();
        assert!(
            scores.windows(2).all(|w| w[0] >= w[1]),
            "{pair}: {scores:?}"
        );
        for p in v["problems"].as_array().unwrap() {
            let verdict = p["verdict"].as_str().unwrap();
            assert!(["detected", "not_detected", "insufficient_data"].contains(&verdict));
        }
    }
}

#[test]
fn minhang_per_capita_gdp_is_reported_missing() {
    // City yearbooks do not cover Shanghai's districts: the panel adds Minhang's 2015 and 2018
    // bulletin GDP, but no per-capita figure exists anywhere. Missing stays null, never 0.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let (code, out, _) = tandem(&db, &["advise", "Minhang", "--format", "json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let helper = &v["foundation"]["helper"];
    assert!(helper["gdp_per_capita"].is_null(), "null, not 0");
    assert_eq!(
        helper["gdp"]["year"], 2018,
        "the bulletin value from the city panel"
    );
    assert_eq!(helper["gdp"]["source"]["dataset"], "city_panel");
    let gaps = v["data_gaps"].as_array().unwrap();
    assert!(gaps.iter().any(|g| g["en"]
        .as_str()
        .unwrap()
        .contains("Minhang: no per-capita GDP")));
    let (code, text, _) = tandem(&db, &["advise", "闵行"]);
    assert_eq!(code, 0);
    assert!(text.contains("GDP per capita: n/a (no data)"), "{text}");
    let (_, zh, _) = tandem(&db, &["advise", "闵行", "--lang", "zh"]);
    assert!(zh.contains("无数据") && zh.contains("问题"), "{zh}");
}

#[test]
fn every_pair_as_text_in_both_languages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    for pair in PAIRS {
        for lang in ["en", "zh"] {
            let (code, out, err) = tandem(&db, &["advise", pair, "--lang", lang, "--top", "3"]);
            assert_eq!(code, 0, "{pair} {lang}: {err}");
            assert!(!out.contains("NaN"), "{pair} {lang}");
            assert!(
                out.contains(" 3. ") && !out.contains(" 4. "),
                "{pair} {lang}: --top 3"
            );
        }
    }
}

#[test]
fn pair_resolution_and_user_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let (code, out, _) = tandem(&db, &["advise", "淮北", "--format", "json"]);
    assert_eq!(code, 0);
    assert!(out.contains("\"pair_id\": \"pair-xuzhou-huaibei\""));
    let (code, _, err) = tandem(&db, &["advise", "Atlantis"]);
    assert_eq!(code, 1, "{err}");
    let (code, _, err) = tandem(&db, &["advise", "Hefei"]);
    assert_eq!(code, 1);
    assert!(err.contains("not in a pair"), "{err}");
    let bad = dir.path().join("w.toml");
    std::fs::write(&bad, "[score]\nio_linkage = -1\n").unwrap();
    let (code, _, err) = tandem(
        &db,
        &["advise", "Bengbu", "--weights", bad.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(err.contains("score.io_linkage"), "{err}");
    std::fs::write(&bad, "[score]\nunknown = 1\n").unwrap();
    let (code, _, _) = tandem(
        &db,
        &["advise", "Bengbu", "--weights", bad.to_str().unwrap()],
    );
    assert_eq!(code, 1);
}

#[test]
fn weights_file_equals_the_defaults() {
    let text = include_str!("../../../data/advisor_weights.toml");
    let parsed: tandem_core::advisor::Weights = toml::from_str(text).unwrap();
    assert_eq!(parsed, tandem_core::advisor::Weights::default());
}

#[test]
fn a_sector_panel_adds_comparative_advantage_and_ranks_its_industries() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    // Huaibei is strongest in sector 19 relative to the others; every region has every sector.
    let ids = [
        "sh-minhang",
        "sh-songjiang",
        "sh-fengxian",
        "js-nanjing",
        "js-suzhou",
        "js-xuzhou",
        "zj-hangzhou",
        "zj-ningbo",
        "ah-huainan",
        "ah-luan",
        "ah-bozhou",
        "ah-chuzhou",
        "ah-fuyang",
        "ah-huaibei",
        "ah-suzhou",
        "ah-bengbu",
    ];
    let sectors = ["06", "12", "16", "18", "19", "20"];
    let mut text = String::from("region,industry,year,value\n");
    for (r, id) in ids.iter().enumerate() {
        for (k, s) in sectors.iter().enumerate() {
            let mut v = 100 + 37 * ((r * 7 + k * 3) % 11);
            if *id == "ah-huaibei" && *s == "19" {
                v *= 10;
            }
            text.push_str(&format!("{id},{s},2022,{v}\n"));
        }
    }
    let panel = dir.path().join("panel.csv");
    std::fs::write(&panel, text).unwrap();
    let (code, out, err) = tandem(
        &db,
        &[
            "advise",
            "淮北",
            "--panel",
            panel.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let ca = &v["market"]["comparative_advantage"];
    assert!(ca.is_object(), "comparative advantage from the panel: {ca}");
    assert_eq!(v["opportunities"]["basis"], "panel");
    let ranked: Vec<&str> = v["opportunities"]["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["sector"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(ranked.len(), sectors.len(), "{ranked:?}");
    // A panel that is not a panel is a user error naming the file.
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "a,b\n1,2\n").unwrap();
    let (code, _, err) = tandem(&db, &["advise", "淮北", "--panel", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("bad.csv"), "{err}");
}
