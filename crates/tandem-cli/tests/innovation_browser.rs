//! Browser end-to-end test of innovation cooperation on the platform (issue #17): the real
//! `tandem serve` on a fresh SQLite file, driven in headless Chromium. The helped side's
//! officer of pair-xuzhou-huaibei records a university and two of its capabilities over the
//! JSON API; an enterprise user posts a technology need through the record form, follows the
//! record page's link to the ranking, sees the capabilities ranked with the matching engine's
//! explanation and creates a match with the best one; the officer sees the match in the pair's
//! counts, starts a project from it on the need's page, records its agreement and a patent,
//! and sees them in the counts; another pair's officer is told the need is not found.
//!
//! `TANDEM_SKIP_BROWSER=1` skips it; `$TANDEM_CHROMIUM` and `$TANDEM_CHROMEDRIVER` name the
//! binaries (defaults `/usr/bin/chromium`, `/usr/bin/chromedriver`).

#[path = "support/browser.rs"]
mod browser;
#[path = "support/platform.rs"]
mod platform;
#[path = "support/webdriver.rs"]
mod webdriver;

use browser::{assert_fits_phone, fresh_database, login, skipped, wait_for, Browser};
use platform::{user_add, Server};
use serde_json::json;
use webdriver::Session;

const PAIR: &str = "pair-xuzhou-huaibei";

/// The id at the end of `url`.
fn id_in(url: &str) -> i64 {
    url.rsplit('/')
        .next()
        .and_then(|x| x.split('?').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{url} does not end in an id"))
}

/// The officer's records over the API: a Huaibei enterprise, a Xuzhou university and its
/// welding (sector 16) and battery thermal management (18) capabilities. Returns (the
/// enterprise, the battery capability, the welding capability).
fn officer_records(api: &platform::Api) -> (i64, i64, i64) {
    let created = |path: &str, body: serde_json::Value| -> i64 {
        let r = api.post(path, &body).expect("the server answers");
        assert_eq!(r.status, 201, "{path}: {}", r.json);
        r.json["id"].as_i64().unwrap()
    };
    let firm = created(
        "/enterprises",
        json!({"name": "淮北电池包公司", "origin_locality_id": "ah-huaibei"}),
    );
    let university = created(
        "/institutes",
        json!({"pair_id": PAIR, "side": "helper", "name": "中国矿业大学", "kind": "university",
            "locality_id": "js-xuzhou"}),
    );
    let welding = created(
        "/tech_capabilities",
        json!({"institute_id": university, "title": "智能焊接机器人", "sectors": "16",
            "keywords": "焊接,机器人", "readiness": 7}),
    );
    let battery = created(
        "/tech_capabilities",
        json!({"institute_id": university, "title": "动力电池热管理", "sectors": "18,19",
            "keywords": "电池,热管理", "readiness": 6}),
    );
    (firm, battery, welding)
}

/// The enterprise posts its need through the record form and opens its ranking; returns
/// the need's id.
fn post_need(s: &Session, base: &str) -> i64 {
    s.goto(&format!("{base}/r/tech_needs/new?lang=en"));
    s.fill("#f-pair_id", PAIR);
    s.fill("#f-title", "电池包热管理改进");
    s.fill("#f-sectors", "18");
    s.fill("#f-keywords", "电池, 热管理");
    s.fill("#f-budget_yuan", "500000");
    s.submit_with("#save");
    let url = wait_for(s, |u| u.contains("/r/tech_needs/") && !u.contains("/new"));
    let need = id_in(&url);
    s.click_on("a#ranked");
    wait_for(s, |u| {
        u.contains(&format!("/tech_needs/{need}")) && !u.contains("/r/")
    });
    need
}

/// Clicks `css`, which posts a form answered by a redirect to the same page, and waits (up
/// to 10 s) for the new page: the URL does not change, so the old document is marked and the
/// wait is for a complete document without the mark.
fn click_and_reload(s: &Session, css: &str) {
    s.execute("window.__old_page = true; return true;", vec![]);
    s.click_on(css);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let fresh = s.execute(
            "return window.__old_page === undefined && document.readyState === 'complete';",
            vec![],
        );
        if fresh == serde_json::Value::Bool(true) {
            return;
        }
        if std::time::Instant::now() > deadline {
            panic!("{css}: the page did not reload");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// A row's text, or the page's when the row is missing.
fn row_text(s: &Session, css: &str) -> String {
    match s.try_find(css) {
        Some(e) => s.text(&e),
        None => panic!("no {css} on the page:\n{}", s.text(&s.find("main"))),
    }
}

#[test]
fn an_enterprise_posts_a_need_sees_the_ranking_and_matches_the_best_capability() {
    if skipped() {
        return;
    }
    let (_dir, database) = fresh_database();
    user_add(
        &database,
        "hb-officer",
        "officer",
        &["--pair", PAIR, "--side", "helped"],
    );
    user_add(
        &database,
        "nb-officer",
        "officer",
        &["--pair", "pair-ningbo-bengbu", "--side", "helper"],
    );
    let server = Server::start(&database);
    let base = server.base.clone();
    let api = platform::Api::login(&base, "hb-officer");
    let (firm, battery, welding) = officer_records(&api);
    user_add(
        &database,
        "firm",
        "enterprise",
        &["--enterprise", &firm.to_string()],
    );
    let browser = Browser::open();
    let s = &browser.s;

    // The enterprise posts its need and sees the battery capability ranked first, explained
    // component by component (the engine's industry fit naming sector 18, the pair bonus:
    // Xuzhou helps Huaibei), and the welding one below it.
    login(s, &base, "firm");
    let need = post_need(s, &base);
    let rows = s.find_all("#candidates tbody tr");
    assert_eq!(rows.len(), 2, "{}", s.text(&s.find("main")));
    let first = s.text(&rows[0]);
    assert!(
        first.contains("动力电池热管理")
            && first.contains("Industry fit (engine)")
            && first.contains("IO-42 18")
            && first.contains("js-xuzhou is the helper of ah-huaibei")
            && first.contains("2 of 2 keywords found"),
        "the best capability is not battery thermal management, explained: {first}"
    );
    assert!(s.text(&rows[1]).contains("智能焊接机器人"));
    assert!(s.try_find(&format!("#cap-{welding}")).is_some());

    // It creates the match with the best one; the page shows it as matched.
    click_and_reload(s, &format!("button#match-{battery}"));
    let matched = row_text(s, &format!("#match-of-{battery}"));
    assert!(matched.contains("Matched"), "{matched}");

    // The officer of the pair: the match in the pair's counts; after a project from it with
    // its agreement signed and a patent, those too.
    login(s, &base, "hb-officer");
    s.goto(&format!("{base}/innovation?lang=en"));
    let row = format!("#innovation-counts tr[data-pair='{PAIR}']");
    let cell = |field: &str| row_text(s, &format!("{row} td[data-field='{field}']"));
    assert_eq!(cell("matches"), "1");
    assert_eq!(cell("projects"), "0");
    // The officer starts the project from the need's page; the match moves to "project".
    s.goto(&format!("{base}/tech_needs/{need}?lang=en"));
    let m = api
        .get(&format!("/tech_matches?need_id={need}"))
        .expect("the server answers");
    let match_id = m.json["items"][0]["id"].as_i64().unwrap();
    s.fill(&format!("#title-{match_id}"), "电池热管理联合研发");
    click_and_reload(s, &format!("button#start-{match_id}"));
    let status = row_text(s, &format!("#cap-{battery} [data-field='match-status']"));
    assert_eq!(status, "project");
    let created = |path: &str, body: serde_json::Value| -> i64 {
        let r = api.post(path, &body).expect("the server answers");
        assert_eq!(r.status, 201, "{path}: {}", r.json);
        r.json["id"].as_i64().unwrap()
    };
    let projects = api
        .get(&format!("/innovation_projects?match_id={match_id}"))
        .expect("the server answers");
    let project = projects.json["items"][0]["id"].as_i64().unwrap();
    created(
        "/innovation_milestones",
        json!({"project_id": project, "milestone": "agreement", "reached_on": "2026-03-01",
            "evidence": "合作协议（扫描件）"}),
    );
    created(
        "/ip_records",
        json!({"pair_id": PAIR, "kind": "patent", "number": "ZL202610000001.X",
            "title": "一种电池包热管理装置", "holder": "中国矿业大学", "dated_on": "2026-09-01",
            "project_id": project}),
    );
    s.goto(&format!("{base}/innovation?lang=en"));
    assert_eq!(cell("projects"), "1");
    assert_eq!(cell("agreement"), "1");
    assert_eq!(cell("patents"), "1");
    s.goto(&format!("{base}/?lang=en"));
    let totals = row_text(s, "#innovation-totals");
    assert!(
        totals.contains("patents 1")
            && totals.contains("matches 1")
            && totals.contains("projects 1"),
        "the dashboard's innovation line: {totals}"
    );

    // At phone width the ranking, the counts and the need form scroll inside their tables:
    // the pages themselves do not overflow.
    assert_fits_phone(
        s,
        &base,
        &[
            format!("/tech_needs/{need}"),
            "/innovation".to_string(),
            "/r/tech_needs/new".to_string(),
        ],
    );

    // Another pair's officer: the need is not found.
    login(s, &base, "nb-officer");
    s.goto(&format!("{base}/tech_needs/{need}"));
    let body = s.text(&s.find("main"));
    assert!(
        body.contains("Not found") || body.contains("no such record"),
        "{body}"
    );
    assert!(!body.contains("电池包热管理改进"));
    drop(browser);
    drop(server);
}
