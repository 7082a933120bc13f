//! Shared helpers of the import and export tests: the known localities, parsed here from
//! the project's data files so the tests do not depend on the bundled module.

#![allow(dead_code)] // each test crate uses a different subset

use std::path::PathBuf;
use tandem_core::{Locality, LocalityLevel, Province};
use tandem_data::import::{ImportOptions, ImportReport, Problem, Rule};

/// The project's data directory.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data")
}

/// The fixtures directory of these tests.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Localities of data/localities.csv and data/yrd41_localities.csv (first wins on repeats).
pub fn localities() -> Vec<Locality> {
    let mut out: Vec<Locality> = Vec::new();
    for file in ["localities.csv", "yrd41_localities.csv"] {
        let mut reader = csv::Reader::from_path(data_dir().join(file)).expect("data file");
        let headers = reader.headers().expect("header").clone();
        let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
        let (id, zh, en, prov, adcode, level) = (
            col("id"),
            col("name_zh"),
            col("name_en"),
            col("province"),
            col("adcode"),
            col("level"),
        );
        for rec in reader.records() {
            let rec = rec.expect("record");
            if out.iter().any(|l| l.id == rec[id]) {
                continue;
            }
            out.push(Locality {
                id: rec[id].to_string(),
                adcode: rec[adcode].parse().ok(),
                name_zh: rec[zh].to_string(),
                name_en: rec[en].to_string(),
                province: Province::parse(&rec[prov]),
                level: LocalityLevel::parse(&rec[level]).expect("level"),
                lat: None,
                lon: None,
                area_km2: None,
            });
        }
    }
    out
}

/// Options with a fallback source, for files without a source column.
pub fn opts_with_source() -> ImportOptions {
    ImportOptions {
        source: Some("test fixture".into()),
        dataset: "test".into(),
        ..ImportOptions::default()
    }
}

/// The single problem breaking `rule`; fails the test if there is not exactly one.
pub fn only(report: &ImportReport, rule: Rule) -> Problem {
    let hits: Vec<&Problem> = report.with_rule(rule).collect();
    assert_eq!(hits.len(), 1, "expected one {rule} problem in:\n{report}");
    hits[0].clone()
}

/// Asserts a problem's row and column (1-based).
pub fn assert_at(p: &Problem, row: usize, column: usize) {
    assert_eq!(
        (p.location.row, p.location.column),
        (Some(row), Some(column)),
        "wrong location for {p}"
    );
}
