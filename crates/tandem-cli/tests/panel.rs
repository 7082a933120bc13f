//! `tandem panel` through the real binary: values, alternates, series, groups, analyses and
//! a user's dataset laid over the panel.

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tandem(db: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    }
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    (dir, db)
}

#[test]
fn group_csv_has_the_documented_columns_and_names_the_missing() {
    let (_d, db) = workspace();
    let r = tandem(
        &db,
        &[
            "panel",
            "--group",
            "north-anhui,helpers",
            "--indicator",
            "gdp",
            "--years",
            "2019",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (header, rows) = csv_rows(&r.stdout);
    assert_eq!(
        header,
        [
            "group",
            "year",
            "indicator",
            "value",
            "members",
            "missing",
            "derived",
            "caution_excluded"
        ]
    );
    let north = &rows[0];
    assert_eq!(
        (north[0].as_str(), north[4].as_str(), north[5].as_str()),
        ("north-anhui", "6", "")
    );
    // 皖北六市 2019: 10864 亿元 published (bundled ah-north); the panel's sum agrees.
    let v: f64 = north[3].parse().unwrap();
    assert!((v - 10864.0).abs() < 1.0, "{v}");
    let helpers = &rows[1];
    assert_eq!(helpers[3], "", "a sum over part of a group is not given");
    assert!(helpers[5].contains("sh-fengxian"), "{helpers:?}");
}

#[test]
fn alternates_and_series_show_every_source_and_the_rules_choice() {
    let (_d, db) = workspace();
    let r = tandem(
        &db,
        &[
            "panel",
            "--locality",
            "滁州",
            "--indicator",
            "gdp",
            "--years",
            "2018",
            "--alternates",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    let col = |k: &str| h.iter().position(|x| x == k).unwrap();
    let choice: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r[col("source")].as_str(), r[col("choice")].as_str()))
        .collect();
    assert_eq!(
        choice,
        [("A", "chosen"), ("B", "alternate"), ("C", "alternate")]
    );
    let revised = tandem(
        &db,
        &[
            "panel",
            "--locality",
            "ah-chuzhou",
            "--indicator",
            "gdp",
            "--years",
            "2018",
            "--series",
            "revised",
            "--format",
            "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&revised.stdout).unwrap();
    assert_eq!(v["rows"][0]["value"], 2594.07);
    assert_eq!(v["rows"][0]["series"], "revised");
}

#[test]
fn caution_values_are_missing_by_default_and_derived_values_say_so() {
    let (_d, db) = workspace();
    let json = |args: &[&str]| -> serde_json::Value {
        let r = tandem(&db, args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let spike = json(&[
        "panel",
        "--locality",
        "ah-huainan",
        "--indicator",
        "gdp",
        "--years",
        "2022",
        "--format",
        "json",
    ]);
    let row = &spike["rows"][0];
    assert!(
        row["value"].is_null(),
        "the flagged 2022 spike is not shown: {row}"
    );
    // The count travels with the value: in the row and for the whole listing, with the note.
    assert_eq!(row["caution_excluded"], 1);
    assert_eq!(spike["caution_excluded"], 1);
    assert!(
        spike["notes"].as_array().unwrap().iter().any(|n| n
            .as_str()
            .unwrap()
            .contains("1 values flagged CAUTION excluded")),
        "{spike}"
    );
    let admitted = json(&[
        "panel",
        "--locality",
        "ah-huainan",
        "--indicator",
        "gdp",
        "--years",
        "2022",
        "--include-caution",
        "--format",
        "json",
    ]);
    assert_eq!(admitted["rows"][0]["value"], 295.4);
    assert_eq!(admitted["caution_excluded"], 0);
    let pc = json(&[
        "panel",
        "--locality",
        "ah-huainan",
        "--indicator",
        "gdp_per_capita",
        "--years",
        "2023",
        "--format",
        "json",
    ]);
    assert_eq!(pc["rows"][0]["derived"], "derived");
    assert_eq!(pc["rows"][0]["series"], "derived");
    let table = tandem(
        &db,
        &[
            "panel",
            "--locality",
            "ah-huainan",
            "--indicator",
            "gdp",
            "--years",
            "2022",
        ],
    );
    assert!(
        table.stdout.contains("1 values flagged CAUTION excluded"),
        "{}",
        table.stdout
    );
}

#[test]
fn ambiguous_and_unknown_input_is_a_user_error() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["panel", "--locality", "Suzhou"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("js-suzhou") && r.stderr.contains("ah-suzhou"),
        "{}",
        r.stderr
    );
    for args in [
        vec!["panel"],
        vec!["panel", "--group", "atlantis"],
        vec!["panel", "--locality", "ah-huainan", "--years", "2023-2000"],
        vec![
            "panel",
            "--group",
            "anhui",
            "--indicator",
            "urbanization_rate",
        ],
    ] {
        let r = tandem(&db, &args);
        assert_ne!(r.code, 0, "{args:?}");
        assert!(
            r.code == 1 || r.code == 2 && r.stderr.contains("Usage"),
            "{args:?}: {}",
            r.stderr
        );
    }
}

#[test]
fn a_users_groups_file_and_an_imported_dataset_are_laid_over() {
    let (dir, db) = workspace();
    let groups = dir.path().join("groups.toml");
    std::fs::write(&groups, "[[group]]\nid = \"huai\"\nname_zh = \"淮河\"\nname_en = \"Huai\"\nmembers = [\"ah-huainan\", \"ah-bengbu\"]\n").unwrap();
    let r = tandem(
        &db,
        &[
            "panel",
            "--group",
            "huai",
            "--groups",
            groups.to_str().unwrap(),
            "--indicator",
            "gdp",
            "--years",
            "2021",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("huai,2021,gdp,"), "{}", r.stdout);

    let file = dir.path().join("yearbook.csv");
    std::fs::write(&file, "locality_id,year,indicator,value,unit,source_url\nah-huainan,2022,gdp,1541.1,100m_yuan,https://example.org/huainan-yearbook-2023\n").unwrap();
    let imp = tandem(
        &db,
        &[
            "data",
            "import",
            file.to_str().unwrap(),
            "--dataset",
            "yearbook",
        ],
    );
    assert_eq!(imp.code, 0, "{}", imp.stderr);
    let r = tandem(
        &db,
        &[
            "panel",
            "--locality",
            "ah-huainan",
            "--indicator",
            "gdp",
            "--years",
            "2022",
            "--data",
            "yearbook",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let row = &v["rows"][0];
    assert_eq!(row["value"], 1541.1);
    assert!(
        row["source"].as_str().unwrap().starts_with("yearbook"),
        "{row}"
    );
}

#[test]
fn analyses_run_within_windows_between_breaks() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["panel", "--analysis", "beta", "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (h, rows) = csv_rows(&r.stdout);
    let col = |k: &str| h.iter().position(|x| x == k).unwrap();
    let windows: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r[col("window")].as_str()).collect();
    assert_eq!(
        windows.into_iter().collect::<Vec<_>>(),
        ["2000-2018", "2020-2023"]
    );
    for kind in ["gaps", "sigma", "rank", "structure", "theil"] {
        let r = tandem(
            &db,
            &[
                "panel",
                "--analysis",
                kind,
                "--years",
                "2019-2023",
                "--format",
                "csv",
            ],
        );
        assert_eq!(r.code, 0, "{kind}: {}", r.stderr);
        assert!(csv_rows(&r.stdout).1.len() >= 5, "{kind}");
    }
}

#[test]
fn the_programme_evaluation_names_its_donors_exclusions_and_caveats() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["evaluate", "programme", "all", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["treated"].as_array().unwrap().len(), 8);
    assert_eq!(v["first_treated_year"], 2022);
    let donors: Vec<&str> = v["donors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    assert!(
        donors.len() > 100
            && !donors.contains(&"js-nanjing")
            && !donors.iter().any(|d| d.starts_with("ah-"))
    );
    assert!(v["exclusions"].as_array().unwrap().len() >= 10);
    let outcomes = v["outcomes"].as_array().unwrap();
    assert_eq!(outcomes[0]["outcome"], "log_gdp");
    assert_eq!(outcomes[0]["series"], "revised");
    assert!(outcomes[0]["per_city"].as_array().unwrap().len() >= 6);
    assert!(outcomes[3]["refused"].as_str().unwrap().contains("2022"));
    // Rambachan-Roth: robust sets widen with M̄ and contain the M̄ = 0 set.
    let rows = outcomes[0]["did"]["sensitivity"]["rows"]
        .as_array()
        .unwrap();
    let width = |r: &serde_json::Value| r[1][1].as_f64().unwrap() - r[1][0].as_f64().unwrap();
    assert!(
        rows.windows(2)
            .all(|w| width(&w[1]) >= width(&w[0]) - 1e-12),
        "{rows:?}"
    );
    assert!(v["caveats"].as_array().unwrap().len() >= 5);
    let one = tandem(&db, &["evaluate", "programme", "滁州"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert!(one.stdout.contains("ah-chuzhou"));
    let helper = tandem(&db, &["evaluate", "programme", "js-nanjing"]);
    assert_eq!(
        helper.code, 1,
        "a helper is not a treated city: {}",
        helper.stderr
    );
}

/// Group rows of ratios of sums (per-capita GDP, shares) are derived and say so in every
/// format; the CAUTION values each row set aside travel with it (CSV, JSON, XLSX, Parquet).
#[test]
fn group_ratios_are_labelled_derived_and_caution_counts_travel_in_every_format() {
    let (dir, db) = workspace();
    let args = [
        "panel",
        "--group",
        "helped",
        "--indicator",
        "gdp,gdp_per_capita,share_secondary",
        "--years",
        "2022",
    ];
    let run = |extra: &[&str]| {
        let r = tandem(&db, &[&args[..], extra].concat());
        assert_eq!(r.code, 0, "{extra:?}: {}", r.stderr);
        r.stdout
    };
    // (indicator, derived, at least this many CAUTION values set aside): Huainan's 2022 GDP is
    // flagged, so every row that needs helped-city GDP excluded it.
    let expected = [
        ("gdp", "", 1),
        ("gdp_per_capita", "derived", 1),
        ("share_secondary", "derived", 1),
    ];

    let (h, rows) = csv_rows(&run(&["--format", "csv"]));
    let col = |k: &str| h.iter().position(|x| x == k).unwrap();
    assert_eq!(rows.len(), 3);
    let mut total = 0;
    for (row, (ind, derived, caution)) in rows.iter().zip(expected) {
        assert_eq!(row[col("indicator")], ind);
        assert_eq!(row[col("derived")], derived, "{row:?}");
        let n: usize = row[col("caution_excluded")].parse().unwrap();
        assert!(n >= caution, "{row:?}");
        total += n;
    }
    assert_eq!(rows[0][col("missing")], "ah-huainan");

    let json: serde_json::Value = serde_json::from_str(&run(&["--format", "json"])).unwrap();
    assert_eq!(json["caution_excluded"], total);
    let json_rows = json["rows"].as_array().unwrap();
    for (row, (ind, derived, _)) in json_rows.iter().zip(expected) {
        assert_eq!(
            (row["indicator"].as_str(), row["derived"].as_str()),
            (Some(ind), Some(derived))
        );
    }
    assert!(json["notes"].as_array().unwrap().iter().any(|n| n
        .as_str()
        .unwrap()
        .contains(&format!("{total} values flagged CAUTION excluded"))));

    let table = run(&[]);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines.iter().any(|l| l.contains("Derived")), "{table}");
    for (ind, derived, _) in expected {
        let line = lines
            .iter()
            .find(|l| l.starts_with("helped") && l.contains(&format!(" {ind} ")))
            .unwrap_or_else(|| panic!("{ind}: {table}"));
        assert_eq!(
            line.trim_end().ends_with("derived"),
            !derived.is_empty(),
            "{line}"
        );
    }

    let xlsx = dir.path().join("helped.xlsx");
    run(&["--format", "xlsx", "--out", xlsx.to_str().unwrap()]);
    let (_, grid) =
        tandem_sheet::read_first_sheet(&xlsx, &tandem_sheet::Limits::default()).unwrap();
    let cells: Vec<Vec<String>> = grid
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    let xcol = |k: &str| cells[0].iter().position(|x| x == k).unwrap();
    for (row, (_, derived, _)) in cells[1..].iter().zip(expected) {
        assert_eq!(row[xcol("derived")], derived, "{row:?}");
        assert!(row[xcol("caution_excluded")].parse::<f64>().unwrap() >= 1.0);
    }

    let parquet = dir.path().join("helped.parquet");
    run(&["--format", "parquet", "--out", parquet.to_str().unwrap()]);
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(&parquet).unwrap()).unwrap();
    let derived: Vec<String> = reader
        .get_row_iter(None)
        .unwrap()
        .map(|r| {
            let r = r.unwrap();
            let (_, f) = r
                .get_column_iter()
                .find(|(k, _)| k.as_str() == "derived")
                .unwrap();
            match f {
                parquet::record::Field::Str(s) => s.clone(),
                other => panic!("{other:?}"),
            }
        })
        .collect();
    assert_eq!(derived, ["", "derived", "derived"]);
}

/// An analysis reports the CAUTION values set aside in the cells it read, in JSON too.
#[test]
fn analyses_count_the_caution_values_they_set_aside() {
    let (_d, db) = workspace();
    let json = |extra: &[&str]| -> serde_json::Value {
        let args = [
            &[
                "panel",
                "--analysis",
                "gaps",
                "--years",
                "2021-2022",
                "--format",
                "json",
            ][..],
            extra,
        ]
        .concat();
        let r = tandem(&db, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    let v = json(&[]);
    // 2021: the 16 Anhui cities' resident population (identical to the registered one); 2022:
    // Huainan's GDP spike — at least 17 flagged cells among the gaps' inputs.
    let n = v["caution_excluded"].as_u64().unwrap();
    assert!(n >= 17, "{n}");
    assert!(v["rows"].as_array().unwrap().len() >= 16);
    assert!(v["notes"].as_array().unwrap().iter().any(|x| x
        .as_str()
        .unwrap()
        .starts_with(&format!("{n} values flagged CAUTION excluded"))));
    let admitted = json(&["--include-caution"]);
    assert_eq!(admitted["caution_excluded"], 0);
}
