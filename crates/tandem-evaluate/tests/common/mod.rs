//! Reading the golden files (tests/golden/README.md), shared by the test files.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;

use tandem_evaluate::did::{AttGtOptions, BasePeriod, ControlGroup, EstMethod};

/// The path of a file under tests/golden.
pub fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

/// Rows of a CSV file as header -> value maps.
pub fn read_csv<R: Read>(reader: R) -> Vec<HashMap<String, String>> {
    let mut rdr = csv::Reader::from_reader(reader);
    let headers = rdr.headers().expect("headers").clone();
    rdr.records()
        .map(|r| {
            let r = r.expect("record");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

pub fn read_golden(rel: &str) -> Vec<HashMap<String, String>> {
    read_csv(std::fs::File::open(golden(rel)).expect("golden file"))
}

pub fn num(row: &HashMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

pub fn opt_num(row: &HashMap<String, String>, key: &str) -> Option<f64> {
    let v = &row[key];
    (!v.is_empty() && v != "nan").then(|| v.parse().expect("number"))
}

/// The Callaway-Sant'Anna options of a golden row: its `control_group`, `est_method` and
/// `base_period` columns (no anticipation, R's default weights rule).
pub fn att_gt_options(row: &HashMap<String, String>) -> AttGtOptions {
    AttGtOptions {
        control_group: match row["control_group"].as_str() {
            "nevertreated" => ControlGroup::NeverTreated,
            _ => ControlGroup::NotYetTreated,
        },
        est_method: match row["est_method"].as_str() {
            "dr" => EstMethod::DoublyRobust,
            "ipw" => EstMethod::Ipw,
            _ => EstMethod::Regression,
        },
        base_period: match row["base_period"].as_str() {
            "varying" => BasePeriod::Varying,
            _ => BasePeriod::Universal,
        },
        ..AttGtOptions::default()
    }
}

/// mpdta-shaped rows of a golden CSV (county, year, log employment, cohort, log population),
/// with each row's weight `w` where the file has one (1 otherwise).
pub struct Rows {
    pub unit: Vec<i64>,
    pub time: Vec<i64>,
    pub y: Vec<f64>,
    pub g: Vec<i64>,
    pub x: Vec<f64>,
    pub w: Vec<f64>,
}

/// The [`Rows`] of a golden file such as `inputs/mpdta.csv` or `inputs/mpdta_rc.csv`.
pub fn read_rows(file: &str) -> Rows {
    let rows = read_golden(file);
    let w = rows
        .iter()
        .map(|r| r.get("w").map_or(1.0, |_| num(r, "w")))
        .collect();
    Rows {
        unit: rows.iter().map(|r| num(r, "countyreal") as i64).collect(),
        time: rows.iter().map(|r| num(r, "year") as i64).collect(),
        y: rows.iter().map(|r| num(r, "lemp")).collect(),
        g: rows.iter().map(|r| num(r, "first.treat") as i64).collect(),
        x: rows.iter().map(|r| num(r, "lpop")).collect(),
        w,
    }
}
