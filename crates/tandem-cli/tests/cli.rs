//! Runs the real `tandem` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tandem(db: &Path, args: &[&str]) -> Run {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

fn workspace() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    (dir, db)
}

#[test]
fn every_command_has_help_with_an_example() {
    let (_d, db) = workspace();
    for args in [
        vec!["--help"],
        vec!["pairs", "--help"],
        vec!["localities", "--help"],
        vec!["data", "import", "--help"],
        vec!["data", "list", "--help"],
        vec!["data", "export", "--help"],
        vec!["data", "remove", "--help"],
        vec!["registry", "--help"],
        vec!["registry", "generate", "--help"],
        vec!["registry", "import", "--help"],
    ] {
        let r = tandem(&db, &args);
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert!(
            r.stdout.contains("Example"),
            "{args:?} has no example:\n{}",
            r.stdout
        );
    }
}

#[test]
fn usage_errors_exit_1() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["no-such-command"]);
    assert_eq!(r.code, 1);
    let r = tandem(&db, &["pairs", "--format", "yaml"]);
    assert_eq!(r.code, 1);
    let r = tandem(&db, &["pairs", "--data", "missing"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no dataset named `missing`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("tandem data import"), "{}", r.stderr);
}

#[test]
fn pairs_table_shows_every_pair_with_years_sources_and_gaps() {
    let (_d, db) = workspace();
    let r = tandem(&db, &["pairs"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for name in [
        "闵行", "淮南", "松江", "六安", "奉贤", "亳州", "南京", "滁州", "苏州", "阜阳", "徐州",
        "淮北", "杭州", "宿州", "宁波", "蚌埠",
    ] {
        assert!(r.stdout.contains(name), "{name} missing:\n{}", r.stdout);
    }
    // Minhang has no sourced GDP in the bundled data: said, not zero.
    let minhang = r.stdout.lines().find(|l| l.contains("闵行")).unwrap();
    assert!(minhang.contains("n/a (no data)"), "{minhang}");
    assert!(r.stdout.contains("Sources"), "{}", r.stdout);
    assert!(r.stdout.contains("[1] rank "), "{}", r.stdout);
    // The workspace database is not created by a read of the bundled data.
    assert!(!db.exists());
}

#[test]
fn pairs_csv_and_json_carry_ids_years_and_sources() {
    let (_d, db) = workspace();
    let csv = tandem(&db, &["pairs", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let mut rdr = csv::Reader::from_reader(csv.stdout.as_bytes());
    let headers = rdr.headers().unwrap().clone();
    for h in [
        "pair_id",
        "helper_id",
        "helped_id",
        "helper_gdp_100m_yuan",
        "helper_gdp_year",
        "helper_gdp_source",
        "gdp_ratio",
        "gdp_ratio_year",
    ] {
        assert!(headers.iter().any(|x| x == h), "missing column {h}");
    }
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 8);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let fuyang = rows
        .iter()
        .find(|r| &r[col("helped_id")] == "ah-fuyang")
        .unwrap();
    assert_eq!(&fuyang[col("helper_id")], "js-suzhou");
    // Each figure has a year and a source, and the ratio is of one common year.
    let helped_gdp: f64 = fuyang[col("helped_gdp_100m_yuan")].parse().unwrap();
    assert!(helped_gdp > 1000.0);
    assert!(fuyang[col("helped_gdp_source")].starts_with("http"));
    let ratio: f64 = fuyang[col("gdp_ratio")].parse().unwrap();
    assert!(ratio > 1.0, "Suzhou (Jiangsu) out-produces Fuyang: {ratio}");

    let json = tandem(&db, &["pairs", "--format", "json"]);
    assert_eq!(json.code, 0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let arr = v.as_array().unwrap();
    assert_eq!(arr.len(), 8);
    let minhang = arr.iter().find(|p| p["helper_id"] == "sh-minhang").unwrap();
    assert!(
        minhang["helper_gdp_per_capita_yuan"].is_null(),
        "no data is null, not 0"
    );
    assert!(minhang["gdp_per_capita_ratio"].is_null());
    // Minhang's GDP comes from its 2018 bulletin (city panel), compared in that common year.
    assert_eq!(minhang["helper_gdp_year"], 2018);
    assert_eq!(minhang["gdp_ratio_year"], 2018);
    // Every pair whose two cities are in the panel has a common year for both ratios.
    for p in arr
        .iter()
        .filter(|p| p["helper_id"].as_str().unwrap().starts_with(['j', 'z']))
    {
        assert!(
            p["gdp_ratio"].is_number() && p["gdp_per_capita_ratio"].is_number(),
            "{p}"
        );
    }
}

/// The natural-pair verdict (the advisor's gravity ranking) is decided for every pair whose two
/// sides have GDP and population of a common year; the one that has none says what is missing.
#[test]
fn pairs_decides_the_natural_pair_verdict_wherever_the_data_allow() {
    let (_d, db) = workspace();
    let json = tandem(&db, &["pairs", "--format", "json"]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let pair = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|p| p["pair_id"] == id)
            .unwrap_or_else(|| panic!("{id}"))
            .clone()
    };
    // The five pairs of prefecture-level cities: both sides in the city panel, 2023 the latest
    // common year. Nanjing-Chuzhou and Xuzhou-Huaibei are neighbours (about 50 km) and rank
    // each other first or second.
    for (id, verdict) in [
        ("pair-nanjing-chuzhou", "natural"),
        ("pair-xuzhou-huaibei", "natural"),
        ("pair-suzhou-fuyang", "one_sided"),
        ("pair-hangzhou-suzhou", "not_natural"),
        ("pair-ningbo-bengbu", "not_natural"),
    ] {
        let p = pair(id);
        assert_eq!(p["natural_pair"], verdict, "{p}");
        assert_eq!(p["natural_pair_year"], 2023, "{p}");
    }
    // Two Shanghai districts have a 2020 GDP and resident population among the bundled figures
    // (Songjiang: shine.cn and huiruisoft.com; Fengxian: xinhuanet.com and batdaily.com), so
    // their pairs are decided in 2020.
    for id in ["pair-songjiang-luan", "pair-fengxian-bozhou"] {
        let p = pair(id);
        assert_ne!(p["natural_pair"], "insufficient_data", "{p}");
        assert_eq!(p["natural_pair_year"], 2020, "{p}");
    }
    // Minhang has GDP for 2015 and 2018 (bulletins) and population for 2019 and 2020 only: no
    // common year, no verdict, and the row says why.
    let minhang = pair("pair-minhang-huainan");
    assert_eq!(minhang["natural_pair"], "insufficient_data");
    assert!(minhang["natural_pair_year"].is_null());
    let why = minhang["natural_pair_why"].as_str().unwrap();
    assert!(why.contains("no same-year GDP and population"), "{why}");
    // Fengxian's verdict stands, but its per-capita GDP is still missing and shown as such.
    let fengxian = pair("pair-fengxian-bozhou");
    assert!(fengxian["helper_gdp_per_capita_yuan"].is_null());
    assert!(fengxian["gdp_per_capita_ratio"].is_null());

    let table = tandem(&db, &["pairs"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    assert!(table.stdout.contains("Natural pair?"), "{}", table.stdout);
    let minhang_line = table
        .stdout
        .lines()
        .find(|l| l.contains("Minhang"))
        .unwrap();
    assert!(
        minhang_line.trim_end().ends_with("not enough data"),
        "{minhang_line}"
    );
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const GOOD: &str = "locality_id,year,indicator,value,unit,source_url
sh-minhang,2022,gdp,2800.5,100m_yuan,https://example.org/minhang-bulletin-2022
ah-huainan,2022,gdp,1520.2,100m_yuan,https://example.org/huainan-bulletin-2022
";

#[test]
fn import_layers_a_dataset_over_the_bundled_data() {
    let (dir, db) = workspace();
    let file = write(dir.path(), "minhang.csv", GOOD);
    let r = tandem(&db, &["data", "import", file.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 observations"), "{}", r.stdout);

    let list = tandem(&db, &["data", "list", "--format", "json"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    let v: serde_json::Value = serde_json::from_str(&list.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["dataset"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bundled", "minhang"]);

    let csv = tandem(&db, &["pairs", "--data", "minhang", "--format", "csv"]);
    assert_eq!(csv.code, 0, "{}", csv.stderr);
    let line = csv
        .stdout
        .lines()
        .find(|l| l.starts_with("pair-minhang-huainan"))
        .unwrap();
    assert!(
        line.contains("2800.5") && line.contains("minhang-bulletin-2022"),
        "{line}"
    );
    assert!(
        line.contains(&format!("{}", 2800.5 / 1520.2)[..6]),
        "ratio of the common year 2022: {line}"
    );

    // Importing the same name again needs --replace.
    let again = tandem(&db, &["data", "import", file.to_str().unwrap()]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("--replace"), "{}", again.stderr);
    let replaced = tandem(
        &db,
        &["data", "import", file.to_str().unwrap(), "--replace"],
    );
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
}

#[test]
fn a_failed_import_changes_nothing_and_reports_every_problem() {
    let (dir, db) = workspace();
    let good = write(dir.path(), "good.csv", GOOD);
    assert_eq!(
        tandem(
            &db,
            &[
                "data",
                "import",
                good.to_str().unwrap(),
                "--dataset",
                "first"
            ]
        )
        .code,
        0
    );
    let before_list = tandem(&db, &["data", "list", "--format", "json"]).stdout;
    let before_rows = tandem(&db, &["data", "export", "--data", "first", "--only"]).stdout;

    let bad = write(
        dir.path(),
        "bad.csv",
        "locality_id,year,indicator,value,unit,source_url
ah-fuyang,2022,gdp,3233.3,100m_yuan,https://example.org/a
Atlantis,2022,gdp,12,100m_yuan,https://example.org/b
ah-bozhou,2022,gdp,lots,100m_yuan,https://example.org/c
",
    );
    let report = dir.path().join("problems.csv");
    let r = tandem(
        &db,
        &[
            "data",
            "import",
            bad.to_str().unwrap(),
            "--dataset",
            "first",
            "--replace",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("nothing was imported"), "{}", r.stderr);
    let problems = std::fs::read_to_string(&report).unwrap();
    assert!(
        problems.starts_with("file,sheet,row,column,column_name,rule,message"),
        "{problems}"
    );
    assert_eq!(
        problems.lines().count(),
        3,
        "two problems, one per line:\n{problems}"
    );
    assert!(problems.contains("Atlantis"), "{problems}");
    assert!(
        problems.contains(",3,"),
        "row 3 is the unknown locality:\n{problems}"
    );
    assert!(
        problems.contains(",4,"),
        "row 4 is the non-numeric value:\n{problems}"
    );

    assert_eq!(
        tandem(&db, &["data", "list", "--format", "json"]).stdout,
        before_list
    );
    assert_eq!(
        tandem(&db, &["data", "export", "--data", "first", "--only"]).stdout,
        before_rows
    );
}

#[test]
fn gbk_files_import() {
    let (dir, db) = workspace();
    let text = "locality_id,year,indicator,value,unit,source_url\n宿州,2022,gdp,2300.1,亿元,宿州市2022年统计公报\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    let path = dir.path().join("gbk.csv");
    std::fs::write(&path, &bytes).unwrap();
    let r = tandem(&db, &["data", "import", path.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let out = tandem(
        &db,
        &[
            "data", "export", "--data", "gbk", "--only", "--format", "json",
        ],
    );
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["locality_id"], "ah-suzhou", "宿州 is Anhui's Suzhou");
    assert_eq!(v[0]["source"], "宿州市2022年统计公报");
}

#[test]
fn export_selects_and_keeps_sources() {
    let (dir, db) = workspace();
    let r = tandem(
        &db,
        &[
            "data",
            "export",
            "--locality",
            "阜阳,js-suzhou",
            "--years",
            "2021",
            "--indicator",
            "gdp",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut rdr = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    for row in &rows {
        assert_eq!(&row[3], "2021");
        assert!(
            row.iter().any(|c| c.starts_with("http")),
            "source kept: {row:?}"
        );
    }
    let xlsx = dir.path().join("out.xlsx");
    let r = tandem(
        &db,
        &[
            "data",
            "export",
            "--format",
            "xlsx",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(&std::fs::read(&xlsx).unwrap()[..2], b"PK");
    let r = tandem(&db, &["data", "export", "--format", "xlsx"]);
    assert_eq!(r.code, 1);
    let r = tandem(&db, &["data", "export", "--locality", "Suzhou"]);
    assert_eq!(r.code, 1, "English 'Suzhou' is ambiguous");
    assert!(
        r.stderr.contains("js-suzhou") && r.stderr.contains("ah-suzhou"),
        "{}",
        r.stderr
    );
}

/// `tandem assess enterprises` with the example scheme: the hand-computed totals of
/// crates/tandem-assess (e1 112.17, A; e2 with its industry's benchmark 98.17, B), the
/// eligibility rules (excluded, classed "new"), a missing figure named and never scored as 0,
/// only --year's rows, and the scheme's mistakes and a wrong subject refused with exit 1.
#[test]
fn assess_scores_a_year_with_a_scheme() {
    let (dir, db) = workspace();
    let figures = write(
        dir.path(),
        "figures.csv",
        "id,industry,year,land_mu,years_in_production,tax_10k_yuan,value_added_10k_yuan,rd_percent,energy_tce,emissions_t,employees\n\
         e1,C30,2025,20,5,300,2000,3,1200,30,100\n\
         e2,C36,2025,20,5,300,2000,3,1200,30,100\n\
         e3,C30,2025,2,5,30,200,1,50,1,10\n\
         e4,C30,2025,10,1,30,200,1,50,1,10\n\
         e5,C30,2025,10,5,30,200,,50,1,10\n\
         e1,C30,2024,20,5,100,2000,3,1200,30,100\n",
    );
    let scheme = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tandem-assess/schemes/per_mu_example.toml"
    );
    let input = figures.to_str().unwrap();
    let base = [
        "assess",
        "enterprises",
        "--scheme",
        scheme,
        "--input",
        input,
        "--year",
        "2025",
        "--industry-column",
        "industry",
        "--year-column",
        "year",
    ];
    let r = tandem(&db, &[&base[..], &["--format", "csv"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<Vec<&str>> = r.stdout.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 6, "header and the five 2025 rows: {}", r.stdout);
    let cell = |unit: &str, col: &str| {
        let c = rows[0].iter().position(|h| *h == col).unwrap();
        rows.iter().find(|r| r[0] == unit).unwrap()[c].to_string()
    };
    assert!((cell("e1", "total").parse::<f64>().unwrap() - 112.166_666_666_666_67).abs() < 1e-9);
    assert_eq!(
        (cell("e1", "tier"), cell("e2", "tier")),
        ("A".into(), "B".into())
    );
    assert_eq!(cell("e2", "tax_per_mu_score"), "21");
    assert_eq!(
        (cell("e3", "tier"), cell("e4", "tier")),
        (String::new(), "new".into())
    );
    assert!(cell("e3", "not_scored").contains("3 mu"));
    assert_eq!(
        (cell("e5", "total"), cell("e5", "rd_intensity_value")),
        (String::new(), String::new())
    );
    assert_eq!(cell("e5", "not_scored"), "missing figures for rd_intensity");
    let r = tandem(&db, &[&base[..], &["--format", "json"]].concat());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["scheme"]["id"], "per-mu-example");
    assert_eq!(v["units"][0]["indicators"][0]["benchmark"], 15.0);
    // A wrong subject and a broken scheme: exit 1, saying what to do.
    let r = tandem(
        &db,
        &[
            "assess", "parks", "--scheme", scheme, "--input", input, "--year", "2025",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("tandem assess enterprises"),
        "{}",
        r.stderr
    );
    let broken =
        std::fs::read_to_string(scheme)
            .unwrap()
            .replacen("weight = 35", "weight = -35", 1);
    let broken = write(dir.path(), "broken.toml", &broken);
    let r = tandem(
        &db,
        &[
            "assess",
            "enterprises",
            "--scheme",
            broken.to_str().unwrap(),
            "--input",
            input,
            "--year",
            "2025",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("indicators[0].weight"), "{}", r.stderr);
}

/// Park assessments decide "park facilities and services lag": `tandem assess parks` with the
/// shipped example scheme and a pair column (a city name, resolved to its pair), then
/// `tandem advise` and `tandem report` read the run. Park A is at half the helper's level on
/// most indicators (median attainment 0.5), park B above it: one of two parks lags, detected,
/// with the weakest indicators as evidence; the pair page shows tiers and the gap.
#[test]
fn park_assessments_decide_the_facilities_problem_in_advise_and_report() {
    let (dir, db) = workspace();
    let header = "park,pair,land_mu,output_10k_yuan,tax_10k_yuan,investment_10k_yuan,land_occupied_mu,factory_occupied_m2,factory_m2,high_tech_enterprises,enterprises_above_size,energy_tce,service_staff_per_100_enterprises";
    let figures = write(
        dir.path(),
        "parks.csv",
        &format!(
            "{header}\n\
             Park A,淮北,1000,300000,15000,200000,450,40000,100000,9,60,30000,2.5\n\
             Park B,pair-xuzhou-huaibei,1000,700000,36000,,950,90000,100000,20,60,30000,6\n"
        ),
    );
    let run = dir.path().join("run.json");
    // A park run of `input` written to `out`, each park's pair from the `pair` column.
    let assess_parks = |input: &std::path::Path, out: &std::path::Path| {
        let r = tandem(
            &db,
            &[
                "assess",
                "parks",
                "--scheme",
                "parks-vs-helper-example",
                "--input",
                input.to_str().unwrap(),
                "--year",
                "2025",
                "--unit-column",
                "park",
                "--group-column",
                "pair",
                "--format",
                "json",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    };
    assess_parks(&figures, &run);
    let advise = |extra: &[&str]| {
        let args = [&["advise", "Huaibei", "--format", "json"][..], extra].concat();
        let r = tandem(&db, &args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str::<serde_json::Value>(&r.stdout).unwrap()
    };
    let d = advise(&["--assessment", run.to_str().unwrap()]);
    let lag = &d["problems"][0];
    assert_eq!(lag["problem"], "facilities_lag", "{lag}");
    assert_eq!(lag["verdict"], "detected", "{lag}");
    assert!(lag["rule"]["en"]
        .as_str()
        .unwrap()
        .contains("park assessments"));
    let evidence = lag["evidence"][0]["text"]["en"].as_str().unwrap();
    assert!(
        evidence.starts_with("Park A 2025 (parks-vs-helper-example, tier D): median attainment 50%; weakest: Standard factory space occupancy 0.4000 (benchmark 0.85, 47%)"),
        "{evidence}"
    );
    assert_eq!(d["park_assessments"].as_array().unwrap().len(), 2);
    // Without the run the event rule decides, as before.
    let d = advise(&[]);
    assert!(!d["problems"][0]["rule"]["en"]
        .as_str()
        .unwrap()
        .contains("park assessments"));
    // A run whose pair is not in the programme: exit 1 naming the park.
    let stray = write(
        dir.path(),
        "stray.csv",
        &format!("{header}\nPark C,Lhasa,1000,1,1,1,1,1,1,1,1,1,1\n"),
    );
    let stray_run = dir.path().join("stray.json");
    assess_parks(&stray, &stray_run);
    let r = tandem(
        &db,
        &[
            "advise",
            "Huaibei",
            "--assessment",
            stray_run.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Park C"), "{}", r.stderr);

    let out = dir.path().join("report");
    let r = tandem(
        &db,
        &[
            "report",
            "--pair",
            "pair-xuzhou-huaibei",
            "--lang",
            "en",
            "--assessment",
            run.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(out.join("pair-xuzhou-huaibei.html")).unwrap();
    assert!(
        page.contains("id=\"parks\""),
        "the park section is on the pair page"
    );
    assert!(page.contains("Helper&#39;s benchmark") || page.contains("Helper's benchmark"));
    assert!(
        page.contains("Park level (median attainment): 50%"),
        "gap of park A"
    );
}

/// `tandem chain gaps` on a small machinery chain: metals (14) → metal parts (15) → special
/// machinery (17) → repair (23). The helper side has metals, parts and machinery; the helped
/// city has metals and one machinery maker. Parts is missing with a helper supplier and buyer
/// (first), machinery is weak (1 < 0.25 · 6), repair is missing next to the helper's machinery;
/// the scores are the 2020 table's coefficients, checked against the library on the same
/// table; a wrong node name is exit 1 naming it.
#[test]
fn chain_gaps_rank_the_segments_to_fill() {
    let (dir, db) = workspace();
    let mut toml = String::from(
        "id = \"m\"\npair = \"pair-xuzhou-huaibei\"\nname_zh = \"机械\"\nname_en = \"Machinery\"\nsource = \"test\"\n",
    );
    for (id, sector) in [
        ("metals", "14"),
        ("parts", "15"),
        ("machinery", "17"),
        ("repair", "23"),
    ] {
        toml += &format!("\n[[nodes]]\nid = \"{id}\"\nname_zh = \"{id}\"\nname_en = \"{id}\"\nsectors = [\"{sector}\"]\n");
    }
    for (f, t) in [
        ("metals", "parts"),
        ("parts", "machinery"),
        ("machinery", "repair"),
    ] {
        toml += &format!("\n[[edges]]\nfrom = \"{f}\"\nto = \"{t}\"\n");
    }
    for (side, node, n) in [
        ("helper", "metals", 3),
        ("helper", "parts", 5),
        ("helper", "machinery", 6),
        ("helped", "metals", 2),
        ("helped", "machinery", 1),
    ] {
        for k in 0..n {
            toml += &format!(
                "\n[[enterprises]]\nname = \"{node}{k}\"\nside = \"{side}\"\nnode = \"{node}\"\n"
            );
        }
    }
    let chain = write(dir.path(), "chain.toml", &toml);
    let picture = dir.path().join("chain.svg");
    let r = tandem(
        &db,
        &[
            "chain",
            "gaps",
            "--chain",
            chain.to_str().unwrap(),
            "--format",
            "csv",
            "--svg",
            picture.to_str().unwrap(),
            "--lang",
            "zh",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let csv_text = r.stdout.clone();
    let mut reader = csv::Reader::from_reader(r.stdout.as_bytes());
    let head = reader.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let col = |row: &csv::StringRecord, name: &str| {
        row[head.iter().position(|h| h == name).unwrap()].to_string()
    };
    let order: Vec<String> = rows.iter().map(|r| col(r, "node")).collect();
    assert_eq!(order.len(), 3, "{}", r.stdout);
    assert!(order[0].starts_with("parts"), "{order:?}");
    assert_eq!(col(&rows[0], "status"), "missing");
    assert_eq!(col(&rows[0], "target_industry"), "io42:15");
    let machinery = rows
        .iter()
        .find(|r| col(r, "node").starts_with("machinery"))
        .unwrap();
    assert_eq!(col(machinery, "status"), "weak");
    // The score of parts is a_{14,15} + a_{15,17} of the bundled 2020 42-sector table.
    let b = tandem_data::bundled::bundle();
    let t = b
        .io_table(2020, &tandem_core::Classification::Io42)
        .unwrap();
    let a = tandem_core::metrics::input_output::table_technical_coefficients(t).unwrap();
    let at = |i: &str, j: &str| {
        let k = |c: &str| t.sectors.iter().position(|s| s.code == c).unwrap();
        a[k(i) * t.sectors.len() + k(j)]
    };
    let want = at("14", "15") + at("15", "17");
    let got: f64 = col(&rows[0], "score").parse().unwrap();
    assert!((got - want).abs() < 1e-9, "{got} vs {want}");

    let svg = std::fs::read_to_string(&picture).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("node-missing gap") && svg.contains("受援方薄弱")
    );
    // The advisor turns the gaps into "fill the chain", first under market momentum.
    let r = tandem(
        &db,
        &[
            "advise",
            "Huaibei",
            "--chain",
            chain.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d["chains"][0]["gaps"][0]["node"], "parts");
    let market = d["paths"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == "market_momentum")
        .unwrap();
    let first = &market["recommendations"][0];
    assert!(
        first["text"]["en"]
            .as_str()
            .unwrap()
            .starts_with("Fill the Machinery chain"),
        "{first}"
    );
    assert_eq!(
        (&first["rests_on"][0]["kind"], &first["rests_on"][0]["node"]),
        (&serde_json::json!("chain_gap"), &serde_json::json!("parts")),
        "{first}"
    );
    // Excel, JSON and TOML round trips give the same ranking.
    for ending in ["xlsx", "json", "toml"] {
        let copy = dir.path().join(format!("copy.{ending}"));
        let r = tandem(
            &db,
            &[
                "chain",
                "export",
                "--chain",
                chain.to_str().unwrap(),
                "--out",
                copy.to_str().unwrap(),
            ],
        );
        assert_eq!(r.code, 0, "{ending}: {}", r.stderr);
        let again = tandem(
            &db,
            &[
                "chain",
                "gaps",
                "--chain",
                copy.to_str().unwrap(),
                "--format",
                "csv",
            ],
        );
        assert_eq!(again.code, 0, "{ending}: {}", again.stderr);
        assert_eq!(again.stdout, csv_text, "{ending}");
    }
    // The gaps become docking targets of the helped city's parks in a matching parks file,
    // which tandem match then reads.
    let parks_in = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/matching/parks.csv");
    let parks_out = dir.path().join("parks-targets.csv");
    let r = tandem(
        &db,
        &[
            "chain",
            "gaps",
            "--chain",
            chain.to_str().unwrap(),
            "--parks",
            parks_in,
            "--parks-out",
            parks_out.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("1 park in ah-huaibei got the docking targets io42:15;io42:23;io42:17"),
        "{}",
        r.stdout
    );
    let text = std::fs::read_to_string(&parks_out).unwrap();
    let huaibei = text.lines().find(|l| l.contains("ah-huaibei")).unwrap();
    assert!(
        huaibei.contains("io42:16;io42:17;io42:13;io42:15;io42:23"),
        "no repeats: {huaibei}"
    );
    let others_unchanged = std::fs::read_to_string(parks_in).unwrap();
    assert_eq!(text.lines().count(), others_unchanged.lines().count());
    let demands = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/matching/demands.csv"
    );
    let r = tandem(
        &db,
        &[
            "match",
            "shortlist",
            "--side",
            "park",
            "--demands",
            demands,
            "--parks",
            parks_out.to_str().unwrap(),
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A workbook that is not one, or lacks a sheet: exit 1 saying what.
    let junk = write(dir.path(), "junk.xlsx", "not a zip");
    let r = tandem(&db, &["chain", "gaps", "--chain", junk.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let broken = write(
        dir.path(),
        "broken.toml",
        &toml.replacen("to = \"machinery\"", "to = \"motors\"", 1),
    );
    let r = tandem(&db, &["chain", "gaps", "--chain", broken.to_str().unwrap()]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("\"motors\""), "{}", r.stderr);
}

/// The shipped chains: `tandem chain list` has one per pair, every one cited; `--chain
/// shipped:PAIR` reads one for the gaps, the export and the advisor; an unknown key is exit 1
/// pointing at the list.
#[test]
fn shipped_chains_are_listed_and_read_by_pair() {
    let (dir, db) = workspace();
    let r = tandem(&db, &["chain", "list", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(rows.len(), 8, "{}", r.stdout);
    assert!(rows
        .iter()
        .all(|c| c["source"].as_str().unwrap().contains("http")));
    let r = tandem(
        &db,
        &[
            "chain",
            "gaps",
            "--chain",
            "shipped:pair-xuzhou-huaibei",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let gaps: Vec<serde_json::Value> = serde_json::from_str(&r.stdout).unwrap();
    assert!(!gaps.is_empty());
    let book = dir.path().join("chain.xlsx");
    let r = tandem(
        &db,
        &[
            "chain",
            "export",
            "--chain",
            "shipped:ningbo-bengbu-smart-sensors",
            "--out",
            book.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let again = tandem(
        &db,
        &[
            "chain",
            "gaps",
            "--chain",
            book.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let r = tandem(
        &db,
        &[
            "advise",
            "pair-xuzhou-huaibei",
            "--chain",
            "shipped:pair-xuzhou-huaibei",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let d: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        d["chains"][0]["chain"],
        "xuzhou-huaibei-construction-machinery"
    );
    let r = tandem(&db, &["chain", "gaps", "--chain", "shipped:nowhere"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("tandem chain list"), "{}", r.stderr);
}

#[test]
fn registry_generate_writes_the_four_tables_and_the_manifest() {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let (d, db) = workspace();
    let out = d.path().join("reg");
    let out_s = out.to_str().unwrap();
    let r = tandem(
        &db,
        &[
            "registry",
            "generate",
            "--firms",
            "3000",
            "--seed",
            "9",
            "--out",
            out_s,
            "--effect",
            "pair-xuzhou-huaibei:2022:3",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("3000 firms"), "{}", r.stdout);
    assert!(r.stdout.contains("pair-xuzhou-huaibei"), "{}", r.stdout);
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["seed"], 9);
    assert_eq!(manifest["synthetic"], true);
    assert_eq!(
        manifest["effects"][0]["effect"]["helped_city"],
        "ah-huaibei"
    );
    for (file, key) in [
        ("firms.parquet", "firms"),
        ("establishments.parquet", "establishments"),
        ("links.parquet", "links"),
        ("address_changes.parquet", "address_changes"),
    ] {
        let reader =
            SerializedFileReader::new(std::fs::File::open(out.join(file)).unwrap()).unwrap();
        let rows = reader.metadata().file_metadata().num_rows();
        assert_eq!(Some(rows), manifest["counts"][key].as_i64(), "{file}");
    }
    let firms =
        SerializedFileReader::new(std::fs::File::open(out.join("firms.parquet")).unwrap()).unwrap();
    let names: Vec<String> = firms
        .metadata()
        .file_metadata()
        .schema_descr()
        .columns()
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(names[0], "firm_id");
    assert!(
        names.contains(&"registered_capital_yuan".to_string()),
        "{names:?}"
    );
}

#[test]
fn registry_generate_refuses_bad_arguments_with_the_fix() {
    let (d, db) = workspace();
    let out = d.path().join("reg");
    let out_s = out.to_str().unwrap();
    let r = tandem(
        &db,
        &["registry", "generate", "--firms", "0", "--out", out_s],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("--firms must be between 1 and"),
        "{}",
        r.stderr
    );
    let r = tandem(
        &db,
        &[
            "registry",
            "generate",
            "--firms",
            "10",
            "--out",
            out_s,
            "--effect",
            "pair-xuzhou-huaibei:2030:2",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("PAIR:YEAR:MULTIPLIER"), "{}", r.stderr);
    let twice = "pair-xuzhou-huaibei:2022:2";
    let r = tandem(
        &db,
        &[
            "registry", "generate", "--firms", "10", "--out", out_s, "--effect", twice, "--effect",
            twice,
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("twice"), "{}", r.stderr);
    let r = tandem(
        &db,
        &["registry", "generate", "--firms", "lots", "--out", out_s],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn registry_import_writes_the_tables_or_lists_the_problems() {
    let (d, db) = workspace();
    let mapping = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/registry-mapping.example.toml"
    );
    let firms = d.path().join("firms.csv");
    std::fs::write(
        &firms,
        "企业ID,统一社会信用代码,所属城市/区县代码,区县代码,行业代码,成立日期,注销日期,注册资本(万元),企业类型\n\
         1,,徐州市,,3411,2015-03-02,,500,私营\n\
         2,,320300,,1301,2010-01-01,2019-06-30,,\n",
    )
    .unwrap();
    let out = d.path().join("reg");
    let args = |firms: &Path, out: &Path| {
        vec![
            "registry".to_string(),
            "import".into(),
            "--mapping".into(),
            mapping.into(),
            "--firms".into(),
            firms.to_str().unwrap().into(),
            "--out".into(),
            out.to_str().unwrap().into(),
        ]
    };
    let run = |a: Vec<String>| tandem(&db, &a.iter().map(String::as_str).collect::<Vec<_>>());
    let r = run(args(&firms, &out));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("2 firms"), "{}", r.stdout);
    assert!(out.join("firms.parquet").exists() && out.join("links.parquet").exists());
    // The same directory again: refused, not overwritten.
    let r = run(args(&firms, &out));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("not empty"), "{}", r.stderr);
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        "企业ID,统一社会信用代码,所属城市/区县代码,区县代码,行业代码,成立日期,注销日期,注册资本(万元),企业类型\n\
         1,,火星市,,3411,2015-03-02,,-5,\n",
    )
    .unwrap();
    let out2 = d.path().join("reg2");
    let mut a = args(&bad, &out2);
    a.extend([
        "--report".to_string(),
        d.path().join("p.csv").to_str().unwrap().into(),
    ]);
    let r = run(a);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("row 2, column 3 (所属城市/区县代码): [unknown_locality]"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("[negative]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("2 problems found; nothing was imported"),
        "{}",
        r.stderr
    );
    assert!(!out2.exists());
    let report = std::fs::read_to_string(d.path().join("p.csv")).unwrap();
    assert!(
        report.starts_with("file,sheet,row,column,column_name,rule,message"),
        "{report}"
    );
    assert_eq!(report.lines().count(), 3, "{report}");
}
