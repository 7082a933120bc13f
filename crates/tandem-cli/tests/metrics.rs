//! `tandem metrics` through the real binary, in the exact forms the documentation promises.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tandem(args: &[&str]) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(dir.path().join("ws.sqlite"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Two regions, two industries, one year: LQ_Ax = (3/4)/(4/10) = 1.875.
const PANEL: &str = "region,industry,year,value\nA,x,2020,3\nA,y,2020,1\nB,x,2020,1\nB,y,2020,5\n";

#[test]
fn lq_csv_has_the_promised_header_and_values() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("p.csv");
    std::fs::write(&f, PANEL).unwrap();
    let (code, out, err) = tandem(&[
        "metrics",
        "lq",
        "--input",
        f.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "region,industry,year,lq");
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[1], "A,x,2020,1.875");
    let by: f64 = lines[4].rsplit(',').next().unwrap().parse().unwrap();
    assert!((by - (5.0 / 6.0) / (6.0 / 10.0)).abs() < 1e-12, "{by}");
}

#[test]
fn complexity_csv_covers_the_rectangle_with_the_promised_columns() {
    // The golden fixture's employment, as a region,industry,year,value panel.
    let golden =
        std::fs::read_to_string(repo("crates/tandem-core/tests/golden/inputs/panel.csv")).unwrap();
    let mut panel = String::from("region,industry,year,value\n");
    for line in golden.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        panel.push_str(&format!("{},{},{},{}\n", f[1], f[2], f[0], f[3]));
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("panel.csv");
    std::fs::write(&f, panel).unwrap();
    let (code, out, err) = tandem(&[
        "metrics",
        "complexity",
        "--input",
        f.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "region,industry,year,rca,mcp,diversity,ubiquity,eci,pci,density,coi,cog"
    );
    assert_eq!(lines.len(), 1 + 12 * 20 * 3);
    // Spot-check against py-ecomplexity's output for one cell.
    let reference = std::fs::read_to_string(repo(
        "crates/tandem-core/tests/golden/outputs/ecomplexity_panel.csv",
    ))
    .unwrap();
    let header: Vec<&str> = reference.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let ref_row: Vec<&str> = reference
        .lines()
        .find(|l| {
            let f: Vec<&str> = l.split(',').collect();
            f[col("year")] == "2021" && f[col("region")] == "A3" && f[col("industry")] == "I05"
        })
        .unwrap()
        .split(',')
        .collect();
    let ours: Vec<&str> = lines
        .iter()
        .find(|l| l.starts_with("A3,I05,2021,"))
        .unwrap()
        .split(',')
        .collect();
    for (k, name) in ["eci", "pci", "density", "coi", "cog"].iter().enumerate() {
        let a: f64 = ours[7 + k].parse().unwrap();
        let b: f64 = ref_row[col(name)].parse().unwrap();
        assert!((a - b).abs() < 1e-9, "{name}: {a} vs {b}");
    }
}

#[test]
fn io_linkages_of_the_national_table_and_the_leontief_file() {
    let dir = tempfile::tempdir().unwrap();
    let l_path = dir.path().join("L.csv");
    let table = repo("data/io/china_2020_42.csv");
    let (code, out, err) = tandem(&[
        "metrics",
        "io",
        "--input",
        table.to_str().unwrap(),
        "--format",
        "csv",
        "--leontief",
        l_path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "code,output_multiplier,backward_linkage,forward_linkage"
    );
    assert_eq!(lines.len(), 43);
    // Rasmussen indices average exactly 1.
    let backward: Vec<f64> = lines[1..]
        .iter()
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    let mean = backward.iter().sum::<f64>() / 42.0;
    assert!((mean - 1.0).abs() < 1e-12, "{mean}");
    let l = std::fs::read_to_string(&l_path).unwrap();
    let rows: Vec<&str> = l.lines().collect();
    assert_eq!(rows.len(), 43);
    assert!(rows[0].starts_with("code,01,02"));
    // The diagonal of L is at least 1 for a productive table.
    for (i, row) in rows[1..].iter().enumerate() {
        let v: f64 = row.split(',').nth(i + 1).unwrap().parse().unwrap();
        assert!(v >= 1.0, "L[{i}][{i}] = {v}");
    }
    // Same answer from the bundled copy.
    let (code, bundled, _) = tandem(&["metrics", "io", "--year", "2020", "--format", "csv"]);
    assert_eq!(code, 0);
    assert_eq!(bundled, out);
}

#[test]
fn degenerate_or_missing_inputs_are_user_errors() {
    let (code, _, err) = tandem(&["metrics", "io", "--year", "1999"]);
    assert_eq!(code, 1);
    assert!(err.contains("bundled"), "{err}");
    let (code, _, err) = tandem(&["metrics", "disparity", "--year", "1990"]);
    assert_eq!(code, 1);
    assert!(err.contains("2021"), "{err}");
    let (code, _, err) = tandem(&["metrics", "lq", "--input", "/nonexistent/panel.csv"]);
    assert_eq!(code, 1, "{err}");
}

#[test]
fn disparity_and_gravity_on_bundled_data() {
    let (code, out, err) = tandem(&["metrics", "disparity", "--year", "2021", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let get = |m: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|r| r["measure"] == m)
            .unwrap()["value"]
            .as_f64()
            .unwrap()
    };
    assert!(
        (get("theil_t") - get("theil_t_between_helper_helped") - get("theil_t_within")).abs()
            < 1e-12
    );
    assert!(get("gini") > 0.0 && get("gini") < 1.0);

    let (code, out, err) = tandem(&["metrics", "gravity", "--year", "2021", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 1 + 8 * 8);
    let nanjing_chuzhou = out
        .lines()
        .find(|l| l.starts_with("ah-chuzhou,js-nanjing,yes"))
        .unwrap();
    assert!(
        nanjing_chuzhou.ends_with(",1"),
        "Nanjing is Chuzhou's strongest link: {nanjing_chuzhou}"
    );
}

#[test]
fn io_linkages_of_an_imported_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let table = dir.path().join("china_2018_42.csv");
    std::fs::copy(repo("data/io/china_2018_42.csv"), &table).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tandem"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap()
    };
    let imported = run(&[
        "data",
        "import",
        table.to_str().unwrap(),
        "--layout",
        "io",
        "--dataset",
        "tables",
        "--source",
        "NBS 2018 input-output table",
    ]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let from_dataset = run(&["metrics", "io", "--data", "tables", "--format", "csv"]);
    assert!(
        from_dataset.status.success(),
        "{}",
        String::from_utf8_lossy(&from_dataset.stderr)
    );
    let bundled = run(&["metrics", "io", "--year", "2018", "--format", "csv"]);
    assert_eq!(
        from_dataset.stdout, bundled.stdout,
        "the imported copy gives the bundled answer"
    );
    let missing = run(&["metrics", "io", "--data", "tables", "--sectors", "153"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("2018 (42 sectors)"));
}
