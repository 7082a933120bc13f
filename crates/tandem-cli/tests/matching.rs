//! `tandem match` through the real binary, on the shipped illustrative files.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tandem(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(dir.path().join("ws.sqlite"))
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn example(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/matching")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

fn pair_args<'a>(sub: &'a str, d: &'a str, p: &'a str) -> Vec<&'a str> {
    vec!["match", sub, "--demands", d, "--parks", p]
}

#[test]
fn every_match_subcommand_has_help_with_an_example() {
    for sub in [
        vec!["match", "--help"],
        vec!["match", "shortlist", "--help"],
        vec!["match", "assign", "--help"],
        vec!["match", "stable", "--help"],
        vec!["match", "capital", "--help"],
    ] {
        let (code, out, err) = tandem(&sub);
        assert_eq!(code, 0, "{sub:?}: {err}");
        assert!(
            out.contains("Example") || sub.len() == 2,
            "{sub:?} has no example:\n{out}"
        );
    }
}

#[test]
fn shortlist_csv_lists_feasible_parks_in_order_with_components() {
    let (d, p) = (example("demands.csv"), example("parks.csv"));
    let mut args = pair_args("shortlist", &d, &p);
    args.extend(["--top", "3", "--format", "csv", "--as-of", "2027-01-01"]);
    let (code, out, err) = tandem(&args);
    assert_eq!(code, 0, "{err}");
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "demand,rank,park,park_name,locality,score,stale,industry,capacity,cost,distance,incentives,pair,region"
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            let mut r = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(l.as_bytes());
            r.records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    // D02 accepts only Chuzhou: one row, the Chuzhou zone.
    let d02: Vec<_> = rows.iter().filter(|r| r[0] == "D02").collect();
    assert_eq!(d02.len(), 1);
    assert_eq!(d02[0][2], "P-CZ-1");
    // Scores descend within each demand; at most 3 per demand; the total equals the weighted sum.
    let weights = [0.30, 0.20, 0.15, 0.10, 0.10, 0.10, 0.05];
    for r in &rows {
        let comps: Vec<f64> = r[7..14].iter().map(|v| v.parse().unwrap()).collect();
        let total: f64 = comps.iter().zip(weights).map(|(c, w)| c * w).sum();
        let score: f64 = r[5].parse().unwrap();
        assert!((total - score).abs() < 1e-9, "{r:?}");
    }
    for w in rows.windows(2) {
        if w[0][0] == w[1][0] {
            assert!(w[0][5].parse::<f64>().unwrap() >= w[1][5].parse::<f64>().unwrap());
        }
    }
    // Stale flag: P-HB-1 is confirmed until 2026-09-30, so stale on 2027-01-01.
    assert!(rows
        .iter()
        .filter(|r| r[2] == "P-HB-1")
        .all(|r| r[6] == "yes"));
    assert!(rows
        .iter()
        .filter(|r| r[2] == "P-BB-1")
        .all(|r| r[6] == "no"));
}

#[test]
fn explain_shows_components_and_infeasible_reasons() {
    let (d, p) = (example("demands.csv"), example("parks.csv"));
    let mut args = pair_args("shortlist", &d, &p);
    args.extend(["--explain", "D02"]);
    let (code, out, err) = tandem(&args);
    assert_eq!(code, 0, "{err}");
    for want in [
        "P-CZ-1",
        "industry",
        "capacity",
        "distance",
        "js-nanjing is the helper of ah-chuzhou",
        "P-HN-1 infeasible: demand D02 accepts only ah-chuzhou",
    ] {
        assert!(out.contains(want), "missing {want:?}:\n{out}");
    }
    let mut args = pair_args("shortlist", &d, &p);
    args.extend(["--explain", "D99"]);
    let (code, _, err) = tandem(&args);
    assert_eq!(code, 1);
    assert!(err.contains("no demand with this id"), "{err}");
}

#[test]
fn assign_respects_capacities_and_stable_reports_no_blocking_pair() {
    let (d, p) = (example("demands.csv"), example("parks.csv"));
    let mut args = pair_args("assign", &d, &p);
    args.extend(["--format", "json"]);
    let (code, out, err) = tandem(&args);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.len(), 12);
    let parks_text = std::fs::read_to_string(&p).unwrap();
    let mut rd = csv::Reader::from_reader(parks_text.as_bytes());
    for rec in rd.records() {
        let rec = rec.unwrap();
        let cap: usize = rec[14].parse().unwrap();
        let used = rows.iter().filter(|r| r["park"] == rec[0]).count();
        assert!(used <= cap, "park {} over capacity", &rec[0]);
    }
    let (code, out, err) = tandem(&pair_args("stable", &d, &p));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Checked: no blocking pair."), "{out}");
    let mut args = pair_args("assign", &d, &p);
    args.extend(["--explain", "D01"]);
    let (code, out, err) = tandem(&args);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Demand D01 is matched with park") || out.contains("Demand D01 is unmatched"),
        "{out}"
    );
}

#[test]
fn capital_lists_funds_and_explains() {
    let (j, f) = (example("projects.csv"), example("funds.csv"));
    let (code, out, err) = tandem(&[
        "match",
        "capital",
        "--projects",
        &j,
        "--funds",
        &f,
        "--format",
        "csv",
        "--top",
        "1",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.lines().any(|l| l.starts_with("J01,1,F-MH,")), "{out}");
    let (code, out, err) = tandem(&[
        "match",
        "capital",
        "--projects",
        &j,
        "--funds",
        &f,
        "--explain",
        "J05",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("F-MH infeasible: amount 400000000 yuan is outside"),
        "{out}"
    );
}

#[test]
fn bad_files_exit_1_naming_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad: PathBuf = dir.path().join("d.csv");
    std::fs::write(
        &bad,
        "id,origin,industry,land_ha\nD1,sh-minhang,io42:18,-3\n",
    )
    .unwrap();
    let p = example("parks.csv");
    let (code, _, err) = tandem(&pair_args("shortlist", bad.to_str().unwrap(), &p));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("row 2, column land_ha: -3 must be a number >= 0"),
        "{err}"
    );
    let w = dir.path().join("w.toml");
    std::fs::write(&w, "[demand_park]\ncost = -1\n").unwrap();
    let d = example("demands.csv");
    let mut args = pair_args("shortlist", &d, &p);
    args.extend(["--weights", w.to_str().unwrap()]);
    let (code, _, err) = tandem(&args);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("[demand_park] cost = -1"), "{err}");
}
