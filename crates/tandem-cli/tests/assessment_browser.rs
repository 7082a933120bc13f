//! Browser end-to-end test of assessment in the platform (issue #16, part 2), with the harness
//! of `platform_browser.rs`: the real `tandem serve` on a fresh SQLite file, headless Chromium
//! through ChromeDriver.
//!
//! The story: a park operator downloads nothing but fills the enterprise-figures template
//! (XLSX) and imports it on the Excel page, runs the shipped per-mu scheme for 2024 and sees
//! each enterprise's tier; an enterprise user sees its own result with each indicator and
//! files an objection to its tax figure with evidence; the pair's helped-side officer accepts
//! it, which corrects the figure and re-scores; the history page shows the objection (accepted)
//! and both revisions. Screenshots go to `<target>/platform-screenshots/assessment-*`.
//!
//! `TANDEM_SKIP_BROWSER=1` skips it, as the other browser test.

#[path = "support/platform.rs"]
mod platform;
#[path = "support/webdriver.rs"]
mod webdriver;

use platform::{user_add, Api, Server};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use webdriver::{ChromeDriver, Session};

const PAIR: &str = "pair-xuzhou-huaibei";

fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("platform-screenshots")
}

/// The browser on one server.
struct Ui {
    s: Session,
    base: String,
    shots: PathBuf,
}

impl Ui {
    fn go(&self, path: &str) {
        self.s.goto(&format!("{}{path}", self.base));
    }

    fn path(&self) -> String {
        let url = self.s.current_url();
        url.strip_prefix(&self.base).unwrap_or(&url).to_string()
    }

    fn main_text(&self) -> String {
        self.s.text(&self.s.find("main"))
    }

    fn login(&self, username: &str) {
        self.s.delete_cookies();
        self.go("/login?lang=en");
        self.s.fill("#username", username);
        self.s.fill("#password", platform::PASSWORD);
        self.s.submit_with("#login");
        assert_eq!(
            self.path(),
            "/",
            "sign-in as {username}: {}",
            self.main_text()
        );
    }

    /// Sets a form control's value by script (selects, hidden details).
    fn set(&self, css: &str, value: &str) {
        let e = self.s.find(css);
        self.s.execute(
            "arguments[0].value = arguments[1]; return null;",
            vec![Session::element_arg(&e), Value::String(value.into())],
        );
    }

    /// Opens every `<details>` so their forms can be used.
    fn open_details(&self) {
        self.s.execute(
            "document.querySelectorAll('details').forEach(d => d.open = true); return null;",
            vec![],
        );
    }
}

/// The year's figures as the template's columns: three enterprises, the second without a
/// tax figure (an empty cell, not 0).
fn figures_workbook(dir: &Path, park: i64, firms: &[i64]) -> PathBuf {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("enterprise_figures").unwrap();
    let header = [
        "enterprise_id",
        "park_id",
        "year",
        "land_mu",
        "revenue_10k_yuan",
        "tax_10k_yuan",
        "value_added_10k_yuan",
        "rd_percent",
        "energy_tce",
        "emissions_t",
        "employees",
        "production_start_year",
        "source",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, firm) in firms.iter().enumerate() {
        let row = r as u32 + 1;
        let k = 1.0 + r as f64 * 0.3;
        let values = [
            *firm as f64,
            park as f64,
            2024.0,
            20.0,
            5000.0 * k,
            300.0 * k,
            1600.0 * k,
            2.5,
            700.0,
            30.0,
            60.0,
            2015.0,
        ];
        for (c, v) in values.iter().enumerate() {
            if !(r == 1 && header[c] == "tax_10k_yuan") {
                ws.write_number(row, c as u16, *v).unwrap();
            }
        }
        ws.write_string(row, 12, "统计直报").unwrap();
    }
    let path = dir.join("figures-2024.xlsx");
    wb.save(&path).unwrap();
    path
}

/// The park and three enterprises, made by the coordinator over the API.
fn setup(base: &str) -> (i64, Vec<i64>) {
    let api = Api::login(base, "coord");
    let id = |r: Value| r["id"].as_i64().unwrap_or_else(|| panic!("no id: {r}"));
    let park = id(api
        .post(
            "/parks",
            &json!({"pair_id": PAIR, "name": "徐淮评价园", "locality_id": "ah-huaibei"}),
        )
        .unwrap()
        .json);
    let firms = (1..=3)
        .map(|i| {
            let body = json!({"name": format!("评价企业{i}"), "origin_locality_id": "js-xuzhou",
                "industry": "C36"});
            id(api.post("/enterprises", &body).unwrap().json)
        })
        .collect();
    (park, firms)
}

#[test]
fn operator_imports_and_runs_enterprise_objects_reviewer_accepts_history_shows_both() {
    if std::env::var("TANDEM_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser end-to-end tests skipped");
        return;
    }
    let chromium = std::env::var("TANDEM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let chromedriver =
        std::env::var("TANDEM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("p.db").display());
    user_add(&database, "coord", "coordinator", &[]);
    user_add(
        &database,
        "hb-officer",
        "officer",
        &["--pair", PAIR, "--side", "helped"],
    );
    let server = Server::start(&database);
    let (park, firms) = setup(&server.base);
    user_add(
        &database,
        "park-op",
        "park_operator",
        &["--park", &park.to_string()],
    );
    user_add(
        &database,
        "firm",
        "enterprise",
        &["--enterprise", &firms[0].to_string()],
    );
    let xlsx = figures_workbook(dir.path(), park, &firms);

    let driver = ChromeDriver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let ui = Ui {
        s: Session::new(&driver, &chromium, profile.path()),
        base: server.base.clone(),
        shots: screenshot_dir(),
    };

    // --- The operator imports the year's figures from the template and runs the scheme.
    ui.login("park-op");
    ui.go("/sheets?lang=en");
    assert!(ui.main_text().contains("Export enterprise annual figures"));
    ui.set("#kind", "enterprise_figures");
    let file = ui.s.find("#file");
    ui.s.type_text(&file, &xlsx.display().to_string());
    ui.s.submit_with("form[action='/sheets'] button[type=submit]");
    let imported = ui.main_text();
    assert!(
        imported.contains('3'),
        "the import did not report 3 records: {imported}"
    );
    ui.s.save_screenshot(&ui.shots, "assessment-01-imported");

    // An uploaded scheme with a broken field is refused, the field named.
    let bad = dir.path().join("bad-scheme.toml");
    std::fs::write(
        &bad,
        tandem_assess::EXAMPLE_PER_MU.replace("weight = 35", "weight = -35"),
    )
    .unwrap();
    ui.go("/assessment?lang=en");
    ui.s.fill("#park_id", &park.to_string());
    ui.s.fill("#year", "2024");
    ui.s.fill("#objections_close_on", "2099-12-31");
    let file = ui.s.find("#scheme_file");
    ui.s.type_text(&file, &bad.display().to_string());
    ui.s.submit_with("#run-assessment");
    let errors = ui.s.text(&ui.s.find("#errors"));
    assert!(errors.contains("scheme.indicators[0].weight"), "{errors}");
    ui.s.save_screenshot(&ui.shots, "assessment-02a-scheme-errors");

    ui.go("/assessment?lang=en");
    ui.s.fill("#park_id", &park.to_string());
    ui.s.fill("#year", "2024");
    ui.s.fill("#objections_close_on", "2099-12-31");
    ui.s.submit_with("#run-assessment");
    let run: i64 = ui
        .path()
        .strip_prefix("/assessment/runs/")
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("the run did not open: {}", ui.main_text()));
    let tiers: Vec<String> =
        ui.s.find_all("#units td.tier")
            .iter()
            .map(|e| ui.s.text(e))
            .collect();
    assert_eq!(tiers.len(), 3, "{tiers:?}");
    assert!(
        tiers[0] != "—" && tiers[2] != "—",
        "scored units have tiers: {tiers:?}"
    );
    assert_eq!(tiers[1], "—", "the unit without a tax figure has no tier");
    assert!(
        ui.main_text().contains("n/a (no data)"),
        "a missing figure shows as n/a"
    );
    ui.s.save_screenshot(&ui.shots, "assessment-02-tiers");

    // --- The enterprise sees its result and why, and objects to its tax figure.
    ui.login("firm");
    ui.go("/assessment?lang=en");
    let mine = ui.main_text();
    assert!(
        mine.contains("Your results") && mine.contains("tax_per_mu"),
        "{mine}"
    );
    ui.open_details();
    ui.set("section.my-score select[name=figure]", "tax_10k_yuan");
    ui.s.fill("section.my-score input[name=proposed_value]", "900");
    ui.s.fill(
        "section.my-score textarea[name=evidence]",
        "完税证明：2024 年实缴税金 900 万元",
    );
    ui.s.submit_with("section.my-score form button[type=submit]");
    assert_eq!(
        ui.path(),
        format!("/assessment/runs/{run}/history"),
        "{}",
        ui.main_text()
    );
    assert!(ui.s.text(&ui.s.find("#objections")).contains("open"));
    ui.s.save_screenshot(&ui.shots, "assessment-03-objection");

    // --- The helped side's officer accepts: the figure is corrected and re-scored.
    ui.login("hb-officer");
    ui.go(&format!("/assessment/runs/{run}?lang=en"));
    ui.s.fill("#objections textarea[name=reasons]", "税务部门核实无误");
    ui.s.submit_with("#objections button[value=accept]");
    assert_eq!(
        ui.path(),
        format!("/assessment/runs/{run}/history"),
        "{}",
        ui.main_text()
    );

    // --- The history shows the objection (accepted) and both revisions.
    let revisions = ui.s.find_all("#revisions li.revision");
    assert_eq!(revisions.len(), 2, "{}", ui.main_text());
    assert!(ui
        .s
        .text(&revisions[1])
        .contains(&format!("corrects {run}")));
    let objections = ui.s.text(&ui.s.find("#objections"));
    assert!(
        objections.contains("accepted") && objections.contains("完税证明"),
        "{objections}"
    );
    ui.s.save_screenshot(&ui.shots, "assessment-04-history");
    // The enterprise's new result uses the corrected figure.
    let api = Api::login(&server.base, "firm");
    let scores = api.get("/assessment/my-scores").unwrap().json;
    let newest = &scores["scores"][0];
    assert_eq!(newest["run"]["revision"], 2, "{scores}");
    assert_eq!(
        newest["detail"]["indicators"][0]["value"], 45.0,
        "900 / 20 mu"
    );
}
