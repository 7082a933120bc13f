//! `tandem report` through the real binary, and the report in real headless Chromium: a
//! screenshot of whole pages, and the charts over time and of the impact checked through
//! ChromeDriver (drawn with a size, legend visible, accessible names) with screenshots of
//! them. The full sites are built once per language and shared by the tests (the programme
//! evaluation behind "Impact" takes a while in a debug build).

#[path = "support/webdriver.rs"]
mod webdriver;

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use webdriver::{ChromeDriver, Session};

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
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

/// A full site built once per test run: its directory and what `tandem report` printed.
struct Site {
    dir: PathBuf,
    stdout: String,
}

/// The full site in `lang` (`zh` or `en`), built on first use into
/// target/report-test-sites/`lang` with a workspace database that is never created.
fn site(lang: &str) -> &'static Site {
    static ZH: OnceLock<Site> = OnceLock::new();
    static EN: OnceLock<Site> = OnceLock::new();
    let cell = if lang == "zh" { &ZH } else { &EN };
    cell.get_or_init(|| {
        let root = target_dir().join("report-test-sites");
        let dir = root.join(lang);
        let _ = std::fs::remove_dir_all(&dir);
        let db = root.join(format!("{lang}-never-created.sqlite"));
        let (code, stdout, stderr) = tandem(
            &db,
            &["report", "--lang", lang, "--out", dir.to_str().unwrap()],
        );
        assert_eq!(code, 0, "{stderr}");
        assert!(!db.exists(), "reading the bundled data creates no database");
        Site { dir, stdout }
    })
}

#[test]
fn report_writes_the_site_workbook_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ws.sqlite");
    let Site { dir: out, stdout } = site("en");
    let out = out.as_path();
    assert!(stdout.contains("8 pair page(s)"), "{stdout}");
    for f in [
        "index.html",
        "pair-minhang-huainan.html",
        "pair-ningbo-bengbu.html",
        "tandem-report.xlsx",
        "tandem-report.json",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Pairs and their gaps"));
    assert!(index.contains(r#"<h3 id="gaps-over-time">"#));
    let page = std::fs::read_to_string(out.join("pair-minhang-huainan.html")).unwrap();
    assert!(page.contains(r#"<h3 id="over-time">"#));
    assert!(page.contains(">no data for the district</text>"));
    // The trends from the city panel: districts have no series (null, not 0), cities have.
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tandem-report.json")).unwrap())
            .unwrap();
    let trends = &report["trends"];
    assert_eq!(trends["years"], json!([2000, 2023]));
    assert_eq!(trends["programme_start"], 2021);
    assert_eq!(trends["breaks"].as_array().unwrap().len(), 2);
    let pairs = trends["pairs"].as_array().unwrap();
    assert_eq!(pairs.len(), 8);
    for p in pairs {
        let id = p["pair_id"].as_str().unwrap();
        let helper = p["helper_pc"].as_array().unwrap();
        assert_eq!(helper.len(), 24, "{id}");
        let district = ["minhang", "songjiang", "fengxian"]
            .iter()
            .any(|d| id.contains(d));
        assert_eq!(helper.iter().all(|v| v[1].is_null()), district, "{id}");
        assert_eq!(p["shanghai_pc"].is_array(), district, "{id}");
        assert!(p["helped_pc"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v[1].is_number()));
        assert!(
            helper.iter().all(|v| v[1] != json!(0.0)),
            "{id}: missing as 0"
        );
    }
    assert_eq!(report["tables"]["trends"].as_array().unwrap().len(), 8 * 24);
    // A group is shown only when 90 % of its cities have data: Anhui in 2002 has 3 of 16.
    assert_eq!(pairs[0]["anhui_pc"][2][0], 2002);
    assert!(pairs[0]["anhui_pc"][2][1].is_null());
    assert!(pairs[0]["anhui_pc"][3][1].is_number());
    check_impact(&report, out);

    let one = dir.path().join("one");
    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--pair",
            "pair-xuzhou-huaibei",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let html: Vec<_> = std::fs::read_dir(&one)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .collect();
    assert_eq!(html.len(), 2);
    let page = std::fs::read_to_string(one.join("pair-xuzhou-huaibei.html")).unwrap();
    assert!(page.contains("合作基础"), "default language is Chinese");

    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--pair",
            "nowhere",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("pair-xuzhou-huaibei"),
        "the error lists the pairs: {stderr}"
    );
    let (code, _, _) = tandem(&db, &["report", "--lang", "fr"]);
    assert_eq!(code, 1);
    let (code, _, stderr) = tandem(
        &db,
        &[
            "report",
            "--data",
            "missing",
            "--out",
            one.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let (code, stdout, _) = tandem(&db, &["report", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Example"));
}

/// Whether a text has Chinese characters.
fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The impact in the JSON and the pages: the evaluation's outcomes, Bengbu left out of log
/// GDP and said so on its page, the refused outcomes, every text in both languages.
fn check_impact(report: &Value, site: &Path) {
    let impact = &report["impact"];
    assert_eq!(impact["first_treated_year"], 2022);
    assert_eq!(impact["treated"].as_array().unwrap().len(), 8);
    assert!(impact["donors"].as_array().unwrap().len() > 100);
    let outcomes = impact["outcomes"].as_array().unwrap();
    let keys: Vec<&str> = outcomes
        .iter()
        .map(|o| o["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "log_gdp",
            "secondary_share",
            "log_gdp_per_capita",
            "fdi_utilised"
        ]
    );
    let gdp = &outcomes[0];
    assert_eq!(gdp["dropped"], json!(["ah-bengbu"]));
    assert_eq!(gdp["cities"].as_array().unwrap().len(), 7);
    assert!(gdp["did"]["event_study"].as_array().unwrap().len() > 10);
    assert!(gdp["did"]["se"].is_number() && gdp["sdid"]["estimate"].is_number());
    assert!(outcomes[3]["refused"]["zh"].is_string());
    let texts = impact["caveats"]
        .as_array()
        .unwrap()
        .iter()
        .chain(
            impact["exclusions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| &x["reason"]),
        )
        .chain(
            outcomes
                .iter()
                .filter_map(|o| o["refused"].as_object().map(|_| &o["refused"])),
        );
    for t in texts {
        let (en, zh) = (t["en"].as_str().unwrap(), t["zh"].as_str().unwrap());
        assert!(!has_cjk(en) && has_cjk(zh), "not in both languages: {t}");
    }
    let rows = report["tables"]["impact"].as_array().unwrap();
    assert!(rows.iter().any(|r| r["estimator"] == "synthetic control"
        && r["city"] == "ah-huainan"
        && r["p_value"].is_number()));
    assert!(rows
        .iter()
        .any(|r| r["estimator"] == "left out" && r["city"] == "ah-bengbu"));
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains(r#"<h2 id="impact">Impact (early readings)</h2>"#));
    assert!(index.contains(r#"aria-labelledby="impact-es-log_gdp-title impact-es-log_gdp-desc""#));
    let bengbu = std::fs::read_to_string(site.join("pair-ningbo-bengbu.html")).unwrap();
    assert!(
        bengbu.contains("Bengbu is left out of the evaluation"),
        "said plainly"
    );
    let huainan = std::fs::read_to_string(site.join("pair-minhang-huainan.html")).unwrap();
    assert!(huainan.contains(r#"aria-labelledby="impact-sc-pair-minhang-huainan-title"#));
}

const CHROMIUM: &str = "/usr/bin/chromium";

/// Lines of Chromium's log that come from the page: the report has no script, so any
/// console message (Chromium logs `console.error` as `INFO:CONSOLE`), an uncaught exception
/// or a failed load is an error.
fn console_errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            l.contains(":CONSOLE")
                || l.contains("Uncaught")
                || l.contains("Failed to load")
                || l.contains("net::ERR_")
        })
        .collect()
}

#[test]
fn console_error_lines_are_recognised() {
    let log =
        "[1:1:1128/160906.614159:INFO:CONSOLE:1] \"boom\", source: file:///tmp/bad.html (1)\n\
               [1:1:1128/160905.881750:ERROR:dbus/bus.cc:405] Failed to connect to the bus\n";
    assert_eq!(console_errors(log).len(), 1);
}

/// Opens `page` in headless Chromium, saves a screenshot and returns the log.
fn screenshot(page: &Path, png: &Path, width: u32, height: u32) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "chromium failed on {}:\n{log}",
        page.display()
    );
    log
}

/// The workspace's target directory (screenshots are kept there for people to look at).
fn target_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest.join("../../target"), PathBuf::from)
}

#[test]
fn report_renders_in_headless_chromium_without_console_errors() {
    if std::env::var("TANDEM_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser test skipped");
        return;
    }
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is not installed: run `bash scripts/test.sh` (it installs the Debian package), \
         or set TANDEM_SKIP_BROWSER=1 to skip this test"
    );
    let shots = target_dir().join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for lang in ["zh", "en"] {
        let out = &site(lang).dir;
        for (page, width, height) in [
            ("index.html", 1280, 2400),
            ("pair-xuzhou-huaibei.html", 1280, 2400),
            ("pair-minhang-huainan.html", 390, 2400),
        ] {
            let name = format!("{lang}-{}-{width}.png", page.trim_end_matches(".html"));
            let png = shots.join(&name);
            let _ = std::fs::remove_file(&png);
            let log = screenshot(&out.join(page), &png, width, height);
            let errors = console_errors(&log);
            assert!(
                errors.is_empty(),
                "{lang}/{page}: console errors:\n{}",
                errors.join("\n")
            );
            let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("no screenshot {name}: {e}"));
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} is not a PNG");
            // A blank page compresses to a few kilobytes; a rendered report does not.
            assert!(
                bytes.len() > 30_000,
                "{name} looks blank ({} bytes)",
                bytes.len()
            );
        }
    }
}

/// What the browser reports about one chart: size, drawn lines, legend, markers, texts.
fn chart_facts(s: &Session, svg: &webdriver::Element) -> Value {
    s.execute(
        r#"const svg = arguments[0];
           svg.scrollIntoView({block: 'center'});
           const r = svg.getBoundingClientRect();
           const visible = e => {
             const b = e.getBoundingClientRect(), st = getComputedStyle(e);
             if (b.width <= 0 || b.height <= 0 || st.visibility === 'hidden' || st.display === 'none') return false;
             const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
             return hit !== null && (hit === e || e.contains(hit) || hit.closest('svg') === svg);
           };
           const lines = [...svg.querySelectorAll('path.ln')];
           return {
             width: r.width, height: r.height,
             lines: lines.length,
             drawn: lines.filter(p => p.getTotalLength() > 0 && getComputedStyle(p).stroke !== 'none').length,
             legend: [...svg.querySelectorAll('text.legend')].map(t => [t.textContent, visible(t)]),
             markers: [...svg.querySelectorAll('text.mk-label')].map(t => [t.textContent, visible(t)]),
             texts: [...svg.querySelectorAll('text')].map(t => t.textContent),
             panels: svg.querySelectorAll('g[role=img]').length,
           };"#,
        vec![Session::element_arg(svg)],
    )
}

/// The `<svg>` labelled by `{id}-title`.
fn chart(s: &Session, id: &str) -> webdriver::Element {
    s.find(&format!(r#"svg[aria-labelledby="{id}-title {id}-desc"]"#))
}

/// Checks a line chart: drawn with a size, lines with a length, every legend entry and
/// marker label visible (not covered), the accessible name the chart's title.
fn check_line_chart(s: &Session, id: &str, legend: &[&str], markers: &[&str]) -> Value {
    let svg = chart(s, id);
    let f = chart_facts(s, &svg);
    assert!(f["width"].as_f64().unwrap() > 300.0, "{id}: {f}");
    assert!(f["height"].as_f64().unwrap() > 100.0, "{id}: {f}");
    for want in legend {
        assert!(
            f["legend"]
                .as_array()
                .unwrap()
                .contains(&json!([want, true])),
            "{id}: legend {want:?} is not visible: {f}"
        );
    }
    for want in markers {
        assert!(
            f["markers"]
                .as_array()
                .unwrap()
                .contains(&json!([want, true])),
            "{id}: marker {want:?} is not visible: {f}"
        );
    }
    let label = s.computed_label(&svg);
    assert!(!label.trim().is_empty(), "{id}: no accessible name");
    let role = s.computed_role(&svg);
    assert!(role == "image" || role == "img", "{id}: role {role}");
    f
}

/// Scrolls the element with `id` to the top and saves a screenshot as `name`.
fn shot_at(s: &Session, id: &str, dir: &Path, name: &str) {
    s.execute(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'start'}); return null;",
        vec![json!(id)],
    );
    s.save_screenshot(dir, name);
}

fn check_pair_pages(s: &Session, site: &Path, lang: &str, shots: &Path) {
    let zh = lang == "zh";
    let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
    let markers = [
        pick("结对帮扶启动", "Programme starts"),
        pick("2018年经济普查", "2018 economic census"),
        pick("2020年人口普查", "2020 population census"),
    ];
    s.goto(&format!(
        "file://{}",
        site.join("pair-xuzhou-huaibei.html").display()
    ));
    let id = "trend-pair-xuzhou-huaibei";
    let legend = [
        pick("支援方：徐州", "Helper: Xuzhou"),
        pick("受援方：淮北", "Helped: Huaibei"),
        pick("安徽省（16市）", "Anhui (16 cities)"),
        pick("皖北六市", "Northern Anhui (6 cities)"),
    ];
    let f = check_line_chart(s, &format!("{id}-pc"), &legend, &markers);
    assert_eq!(f["drawn"], f["lines"], "{f}");
    assert!(f["lines"].as_u64().unwrap() >= 4, "{f}");
    check_line_chart(
        s,
        &format!("{id}-gap"),
        &[pick("徐州 / 淮北", "Xuzhou / Huaibei")],
        &markers,
    );
    check_line_chart(
        s,
        &format!("{id}-rank"),
        &[pick("淮北的名次", "Rank of Huaibei")],
        &markers,
    );
    shot_at(
        s,
        "over-time",
        shots,
        &format!("{lang}-pair-xuzhou-huaibei-over-time"),
    );

    // A district helper: no helper line, Shanghai as a labelled reference, an empty gap.
    s.goto(&format!(
        "file://{}",
        site.join("pair-minhang-huainan.html").display()
    ));
    let id = "trend-pair-minhang-huainan";
    let shanghai = pick(
        "上海市（直辖市整体，非该区）",
        "Shanghai (municipality, not the district)",
    );
    let f = check_line_chart(s, &format!("{id}-pc"), &[shanghai], &markers);
    assert!(
        !f["texts"].to_string().contains(pick("支援方", "Helper:")),
        "{f}"
    );
    let gap = chart(s, &format!("{id}-gap"));
    let f = chart_facts(s, &gap);
    assert!(
        f["texts"]
            .as_array()
            .unwrap()
            .contains(&json!(pick("区县无数据", "no data for the district"))),
        "{f}"
    );
    assert!(f["width"].as_f64().unwrap() > 300.0, "{f}");
    assert!(!s.computed_label(&gap).trim().is_empty());
    shot_at(
        s,
        "over-time",
        shots,
        &format!("{lang}-pair-minhang-huainan-over-time"),
    );
}

fn check_index(s: &Session, site: &Path, lang: &str, shots: &Path) {
    s.goto(&format!("file://{}", site.join("index.html").display()));
    let svg = chart(s, "trend-gaps");
    let f = chart_facts(s, &svg);
    assert_eq!(f["panels"], 8, "{f}");
    assert!(
        f["width"].as_f64().unwrap() > 300.0 && f["height"].as_f64().unwrap() > 200.0,
        "{f}"
    );
    assert_eq!(f["drawn"], f["lines"], "{f}");
    assert!(
        f["lines"].as_u64().unwrap() >= 5,
        "five pairs have a gap: {f}"
    );
    assert!(!s.computed_label(&svg).trim().is_empty());
    assert_eq!(s.computed_role(&svg), "group");
    // Every panel is a labelled image with a size.
    let panels =
        s.find_all(r#"svg[aria-labelledby="trend-gaps-title trend-gaps-desc"] g[role=img]"#);
    assert_eq!(panels.len(), 8);
    for p in &panels {
        let label = s.computed_label(p);
        assert!(
            label.contains('→'),
            "a panel is named by its pair: {label:?}"
        );
        let size = s.execute(
            "const b = arguments[0].getBoundingClientRect(); return b.width * b.height;",
            vec![Session::element_arg(p)],
        );
        assert!(size.as_f64().unwrap() > 1000.0, "{label}: {size}");
    }
    shot_at(
        s,
        "gaps-over-time",
        shots,
        &format!("{lang}-index-gaps-over-time"),
    );
}

#[test]
fn charts_over_time_render_in_chromium_with_legends_and_accessible_names() {
    if std::env::var("TANDEM_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser test skipped");
        return;
    }
    let chromium = std::env::var("TANDEM_CHROMIUM").unwrap_or_else(|_| CHROMIUM.into());
    let chromedriver =
        std::env::var("TANDEM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let shots = target_dir().join("report-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let driver = ChromeDriver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let s = Session::new(&driver, &chromium, profile.path());
    s.set_window_size(1280, 1500);
    for lang in ["zh", "en"] {
        let site = &site(lang).dir;
        check_pair_pages(&s, site, lang, &shots);
        check_index(&s, site, lang, &shots);
        check_impact_charts(&s, site, lang, &shots);
    }
}

/// The size of the band (the 95 % interval) drawn in the chart labelled by `id`.
fn band_area(s: &Session, id: &str) -> f64 {
    let svg = chart(s, id);
    s.execute(
        r#"return [...arguments[0].querySelectorAll('path.band')]
             .map(p => { const b = p.getBoundingClientRect(); return b.width * b.height; })
             .reduce((a, b) => a + b, 0);"#,
        vec![Session::element_arg(&svg)],
    )
    .as_f64()
    .unwrap()
}

/// The impact charts: the event study of log GDP with its band, the programme start and a
/// legend on the programme page; a helped city's actual and synthetic paths and their gap on
/// its pair's page.
fn check_impact_charts(s: &Session, site: &Path, lang: &str, shots: &Path) {
    let zh = lang == "zh";
    let pick = |a: &'static str, b: &'static str| if zh { a } else { b };
    let start = [pick(
        "结对帮扶启动（2021年12月）",
        "Programme starts (Dec 2021)",
    )];
    s.goto(&format!("file://{}", site.join("index.html").display()));
    let legend = [pick(
        "估计值（阴影：95% 置信区间）",
        "Estimate (shaded: 95 % CI)",
    )];
    let f = check_line_chart(s, "impact-es-log_gdp", &legend, &start);
    assert_eq!(f["drawn"], f["lines"], "{f}");
    assert!(
        band_area(s, "impact-es-log_gdp") > 1000.0,
        "the 95 % band is drawn"
    );
    check_line_chart(s, "impact-es-secondary_share", &legend, &start);
    shot_at(s, "impact", shots, &format!("{lang}-index-impact"));
    shot_at(
        s,
        "impact-event-study",
        shots,
        &format!("{lang}-index-impact-event-study"),
    );
    s.goto(&format!(
        "file://{}",
        site.join("pair-xuzhou-huaibei.html").display()
    ));
    let id = "impact-sc-pair-xuzhou-huaibei";
    let paths = [
        pick("实际：淮北", "Actual: Huaibei"),
        pick("合成控制：淮北", "Synthetic Huaibei"),
    ];
    let f = check_line_chart(s, id, &paths, &start);
    assert_eq!(f["lines"], 2, "{f}");
    let gap = [pick("淮北：实际 − 合成控制", "Huaibei: actual − synthetic")];
    check_line_chart(s, "impact-sc-gap-pair-xuzhou-huaibei", &gap, &start);
    let label = s.computed_label(&chart(s, id));
    assert!(label.contains(pick("淮北", "Huaibei")), "{label}");
    shot_at(
        s,
        "impact",
        shots,
        &format!("{lang}-pair-xuzhou-huaibei-impact"),
    );
}
