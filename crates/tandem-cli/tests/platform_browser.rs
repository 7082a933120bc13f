//! Browser end-to-end tests of the operating platform: the real `tandem serve` on a fresh
//! SQLite file, accounts made with `tandem user add`, driven in real headless Chromium through
//! ChromeDriver (W3C WebDriver).
//!
//! One test walks the whole story, because every step depends on the previous one: an officer
//! of the helped side of pair-xuzhou-huaibei signs in, creates an enterprise and a project
//! through the forms, sees the dashboard's project count go up by one, advances the project to
//! `signed` with a date and evidence and sees the timeline entry, and is refused a stage
//! advance without evidence with the field's message; a researcher (read-only) submits the edit
//! form and is told clearly that the role does not allow it, and nothing changed; a coordinator
//! sees the project in the whole programme; finally, at phone width (390 x 844) no page
//! scrolls sideways. Screenshots go to `<target>/platform-screenshots/`.
//!
//! Set `TANDEM_SKIP_BROWSER=1` to skip (on machines without Chromium). The binaries are
//! `$TANDEM_CHROMIUM` (default `/usr/bin/chromium`) and `$TANDEM_CHROMEDRIVER` (default
//! `/usr/bin/chromedriver`).

#[path = "support/platform.rs"]
mod platform;
#[path = "support/webdriver.rs"]
mod webdriver;

use platform::{user_add, Server};
use serde_json::Value;
use std::path::PathBuf;
use webdriver::{ChromeDriver, Session};

const PAIR: &str = "pair-xuzhou-huaibei";

/// Where screenshots go: `$CARGO_TARGET_DIR/platform-screenshots`, else the workspace's
/// `target/platform-screenshots`.
fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("platform-screenshots")
}

fn skip() -> bool {
    if std::env::var("TANDEM_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!("TANDEM_SKIP_BROWSER=1: browser end-to-end tests skipped");
        return true;
    }
    false
}

/// The browser, the server and where they are.
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

    fn shot(&self, name: &str) {
        self.s.save_screenshot(&self.shots, name);
    }

    /// Signs in through the login form (in English) and checks the dashboard opened.
    fn login(&self, username: &str) {
        self.s.delete_cookies();
        self.go("/login?lang=en");
        self.s.fill("#username", username);
        self.s.fill("#password", platform::PASSWORD);
        self.s.submit_with("#login");
        self.wait_for_path("/");
        // The language chosen on the login page is remembered after sign-in.
        assert_eq!(self.s.title(), "Programme dashboard — tandem");
        assert!(
            self.s.try_find(".flash.bad").is_none(),
            "sign-in as {username} shows an error"
        );
        let menu = self.s.text(&self.s.find("nav.menu"));
        assert!(
            menu.contains(username),
            "the menu does not name {username}: {menu}"
        );
    }

    /// Waits (up to 10 s) until the browser is on `path`; fails with the page's text.
    fn wait_for_path(&self, path: &str) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while self.path() != path {
            if std::time::Instant::now() > deadline {
                panic!(
                    "the browser is on {} instead of {path}; page:\n{}",
                    self.path(),
                    self.s.text(&self.s.find("body"))
                );
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    /// The dashboard's whole-programme project count.
    fn total_projects(&self) -> i64 {
        self.go("/");
        let text = self.s.text(&self.s.find("[data-testid=total-projects]"));
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("total-projects is not a number: {text:?}"))
    }

    /// The id at the end of the current path after a form redirected to `prefix{id}`.
    fn id_after(&self, prefix: &str) -> i64 {
        let path = self.path();
        let rest = path.strip_prefix(prefix).unwrap_or_else(|| {
            panic!(
                "expected to land on {prefix}ID, but the browser is on {path}; page:\n{}",
                self.s.text(&self.s.find("main"))
            )
        });
        rest.parse()
            .unwrap_or_else(|_| panic!("{path} does not end in an id"))
    }

    /// The outermost elements reaching past the right edge of the viewport (for the failure
    /// message): tag, id/class and right edge.
    fn overflowing_elements(&self) -> String {
        let v = self.s.execute(
            r#"const w = window.innerWidth, out = [];
               for (const e of document.querySelectorAll('body *')) {
                 const r = e.getBoundingClientRect(), p = e.parentElement.getBoundingClientRect();
                 if (r.right > w + 1 && p.right <= w + 1) {
                   out.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                            (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                            ' right=' + Math.round(r.right));
                 }
               }
               return out.slice(0, 6).join(', ');"#,
            vec![],
        );
        v.as_str().unwrap_or_default().to_string()
    }

    /// Horizontal overflow of the current page: (scrollWidth, innerWidth).
    fn widths(&self) -> (i64, i64) {
        let v = self.s.execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        );
        let n = |i: usize| v.get(i).and_then(Value::as_i64).expect("two numbers");
        (n(0), n(1))
    }
}

#[test]
fn officer_creates_and_advances_a_project_researcher_is_refused_and_phone_width_fits() {
    if skip() {
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
    user_add(&database, "researcher", "researcher", &[]);
    let server = Server::start(&database);

    let driver = ChromeDriver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let ui = Ui {
        s: Session::new(&driver, &chromium, profile.path()),
        base: server.base.clone(),
        shots: screenshot_dir(),
    };

    // Unauthenticated visitors are sent to the login page, which is Chinese by default.
    ui.go("/");
    assert!(
        ui.path().starts_with("/login"),
        "/ without a session went to {}",
        ui.path()
    );
    assert!(
        ui.s.text(&ui.s.find("#login")).contains("登录"),
        "the default login page is not Chinese"
    );
    ui.shot("00-login-zh");

    // --- The officer: dashboard, enterprise, project.
    ui.login("hb-officer");
    let before = ui.total_projects();
    assert_eq!(before, 0, "a fresh platform has no projects");
    ui.shot("01-dashboard-before");

    ui.go("/r/enterprises/new");
    ui.s.fill("#f-name", "徐州精工配套有限公司");
    ui.s.fill("#f-origin_locality_id", "js-xuzhou");
    ui.s.fill("#f-industry", "C34");
    ui.s.submit_with("#save");
    let enterprise = ui.id_after("/r/enterprises/");
    let shown = ui.s.text(&ui.s.find("td[data-field=name]"));
    assert_eq!(shown, "徐州精工配套有限公司");

    ui.go("/r/projects/new");
    let pair = ui.s.property(&ui.s.find("#f-pair_id"), "value");
    assert_eq!(
        pair,
        Value::String(PAIR.into()),
        "the officer's pair is not pre-filled"
    );
    ui.s.fill("#f-pair_id", PAIR);
    ui.s.fill("#f-enterprise_id", &enterprise.to_string());
    ui.s.fill("#f-name", "淮北高端装备零部件项目");
    ui.s.fill("#f-industry", "C34");
    ui.s.fill("#f-amount_agreed_yuan", "50000000");
    ui.s.fill("#f-paid_in_yuan", "12000000");
    ui.s.fill("#f-jobs", "300");
    ui.s.click_on("#f-initiated_by option[value=enterprise]");
    ui.shot("02-project-form");
    ui.s.submit_with("#save");
    let project = ui.id_after("/projects/");
    assert_eq!(ui.s.text(&ui.s.find("td[data-field=stage]")), "lead");
    assert!(
        !ui.s.text(&ui.s.find("td[data-field=pair_id]")).is_empty(),
        "the project page does not show its pair"
    );

    let after = ui.total_projects();
    assert_eq!(
        after,
        before + 1,
        "the dashboard's project count did not go up by one"
    );
    ui.shot("03-dashboard-after");

    // --- Advance to `signed` with a date and evidence; the timeline shows it.
    ui.go(&format!("/projects/{project}"));
    let signed_li = ui.s.text(&ui.s.find("#timeline li[data-stage=signed]"));
    assert!(
        !signed_li.contains("XH-2026-017"),
        "the timeline has evidence before any was given"
    );
    let date = ui.s.find("#stage-date");
    // A date input's typing format follows the browser's locale; the value property is ISO.
    ui.s.execute(
        "arguments[0].value = arguments[1]; return arguments[0].value;",
        vec![
            Session::element_arg(&date),
            Value::String("2026-03-15".into()),
        ],
    );
    assert_eq!(
        ui.s.property(&date, "value"),
        Value::String("2026-03-15".into())
    );
    ui.s.fill("#stage-evidence", "Contract XH-2026-017");
    ui.s.submit_with("#advance");
    assert_eq!(
        ui.path(),
        format!("/projects/{project}"),
        "advancing did not return to the project page"
    );
    assert!(
        ui.s.try_find("#stage-error").is_none(),
        "advancing with evidence failed"
    );
    let signed_li = ui.s.text(&ui.s.find("#timeline li[data-stage=signed]"));
    assert!(
        signed_li.contains("2026-03-15")
            && signed_li.contains("Contract XH-2026-017")
            && signed_li.contains("hb-officer"),
        "the timeline entry for `signed` lacks the date, evidence or recorder: {signed_li:?}"
    );
    assert_eq!(ui.s.text(&ui.s.find("td[data-field=stage]")), "signed");
    assert_eq!(
        ui.s.text(&ui.s.find("td[data-field=signed_on]")),
        "2026-03-15"
    );
    ui.shot("04-project-signed");

    // --- A stage advance without evidence: refused with the field's message, nothing recorded.
    ui.s.fill("#stage-evidence", "");
    ui.s.submit_with("#advance");
    let err = ui.s.find("#stage-error[role=alert]");
    let msg = ui.s.text(&err);
    assert!(
        msg.contains("evidence is required"),
        "missing-evidence message not shown: {msg:?}"
    );
    let land_li = ui.s.text(&ui.s.find("#timeline li[data-stage=land]"));
    assert!(
        !land_li.contains("recorded by"),
        "a stage without evidence was recorded: {land_li:?}"
    );
    ui.shot("05-stage-without-evidence");
    ui.go(&format!("/projects/{project}"));
    assert_eq!(
        ui.s.text(&ui.s.find("td[data-field=stage]")),
        "signed",
        "a refused advance changed the stage"
    );

    // --- The researcher may read but not edit: no edit form, a note saying so.
    ui.login("researcher");
    assert_eq!(
        ui.total_projects(),
        1,
        "the researcher does not see the whole programme's project"
    );
    ui.go(&format!("/r/projects/{project}"));
    assert!(ui.s.try_find("#read-only").is_some(), "no read-only note");
    assert!(
        ui.s.try_find("#save").is_none(),
        "a read-only user got an edit form"
    );

    // --- A denied edit says so clearly: the officer may not move the project to a pair
    // that is not theirs.
    ui.login("hb-officer");
    ui.go(&format!("/r/projects/{project}"));
    ui.s.fill("#f-pair_id", "pair-ningbo-bengbu");
    ui.s.submit_with("#save");
    let alert = ui.s.find(".flash.bad[role=alert]");
    let text = ui.s.text(&alert);
    assert!(
        text.contains("Not allowed") && text.contains("Your role does not allow this"),
        "the denied edit does not say clearly that it is not allowed: {text:?}"
    );
    assert_eq!(ui.s.title(), "Not allowed — tandem");
    ui.shot("06-researcher-denied");
    ui.go(&format!("/projects/{project}"));
    assert_eq!(
        ui.s.text(&ui.s.find("td[data-field=name]")),
        "淮北高端装备零部件项目",
        "the refused edit changed the project"
    );

    // --- The coordinator sees the project in the whole programme.
    ui.login("coord");
    assert_eq!(ui.total_projects(), 1);

    // --- Phone width: no page scrolls sideways.
    ui.s.set_window_size(390, 844);
    let pages = [
        ("/", "07-phone-dashboard"),
        (&*format!("/projects/{project}"), "08-phone-project"),
        ("/r/projects/new", "09-phone-project-form"),
        ("/r/projects", "10-phone-project-list"),
        ("/plans", "11-phone-plan-board"),
        (&*format!("/pairs/{PAIR}"), "12-phone-pair"),
    ];
    let mut overflowing = Vec::new();
    for (path, shot) in pages {
        ui.go(path);
        let (scroll, inner) = ui.widths();
        assert!(
            inner <= 420,
            "the window did not shrink to phone width: innerWidth {inner}"
        );
        ui.shot(shot);
        if scroll > inner {
            overflowing.push(format!(
                "{path}: scrollWidth {scroll} > innerWidth {inner}; widest culprits: {}",
                ui.overflowing_elements()
            ));
        }
    }
    assert!(
        overflowing.is_empty(),
        "pages scroll sideways at 390 px: {overflowing:#?}"
    );
    drop(ui);
    drop(driver);
    drop(server);
}

/// Docking (issue #7) in the browser: a helped-side officer records an enterprise's demand
/// through the form, clicks "Find matches", contacts the park and makes it a project; the
/// project exists at stage `lead` and the match shows status `project`.
#[test]
fn officer_records_a_demand_matches_contacts_and_makes_a_project() {
    if skip() {
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

    // The coordinator records the park, its offer and the enterprise over the API.
    let api = platform::Api::login(&server.base, "coord");
    let created = |path: &str, body: Value| -> i64 {
        let r = api.post(path, &body).expect("the server answers");
        assert_eq!(r.status, 201, "{path}: {}", r.json);
        r.json["id"].as_i64().expect("an id")
    };
    let park = created(
        "/parks",
        serde_json::json!({"pair_id": PAIR, "name": "徐淮新材料产业园", "locality_id": "ah-huaibei"}),
    );
    created(
        "/park_offers",
        serde_json::json!({"park_id": park, "title": "标准厂房一期", "land_mu": 300,
                           "building_m2": 20000, "power_kw": 8000, "land_price_yuan_m2": 180,
                           "incentive_rating": 0.6, "focus_industries": "C36",
                           "fresh_until": "2099-12-31"}),
    );
    let enterprise = created(
        "/enterprises",
        serde_json::json!({"name": "徐州汽配有限公司", "origin_locality_id": "js-xuzhou"}),
    );

    let driver = ChromeDriver::start(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let ui = Ui {
        s: Session::new(&driver, &chromium, profile.path()),
        base: server.base.clone(),
        shots: screenshot_dir(),
    };
    ui.login("hb-officer");
    // The Docking page is in the menu.
    ui.s.click_on("nav.menu a[href='/docking']");
    ui.wait_for_path("/docking");
    ui.s.find("#summary");

    // The demand, through the generic form, filed through the officer's pair.
    ui.go("/r/demands/new");
    ui.s.fill("#f-enterprise_id", &enterprise.to_string());
    ui.s.fill("#f-pair_id", PAIR);
    ui.s.fill("#f-title", "汽车零部件扩产");
    ui.s.click_on("#f-kind option[value=expansion]");
    ui.s.fill("#f-industry", "C36");
    ui.s.fill("#f-land_mu", "60");
    ui.s.fill("#f-building_m2", "5000");
    ui.s.fill("#f-budget_yuan", "12000000");
    ui.s.click_on("#f-confidentiality option[value=restricted]");
    ui.shot("20-demand-form");
    ui.s.submit_with("#save");
    let demand = ui.id_after("/demands/");
    assert!(
        ui.s.try_find("#no-matches").is_some(),
        "a new demand has matches"
    );

    // Find matches: the park is proposed with its explanation.
    ui.s.submit_with("#find-matches");
    ui.wait_for_path(&format!("/demands/{demand}"));
    let rows = ui.s.find_all("#matches tbody tr");
    assert_eq!(rows.len(), 1, "one park, one match");
    let row_text = ui.s.text(&rows[0]);
    assert!(
        row_text.contains("Industry fit") && row_text.contains("proposed"),
        "the match row lacks its explanation or status: {row_text}"
    );
    let row_id =
        ui.s.property(&rows[0], "id")
            .as_str()
            .unwrap_or_default()
            .to_string();
    let m = row_id.strip_prefix("match-").expect("rows are match-ID");
    ui.shot("21-demand-matches");

    // Contact, then make a project.
    ui.s.submit_with(&format!("#contact-{m}"));
    ui.wait_for_path(&format!("/demands/{demand}"));
    let status =
        ui.s.text(&ui.s.find(&format!("#match-{m} td[data-field=status]")));
    assert_eq!(status, "contacted");
    ui.s.submit_with(&format!("#convert-{m}"));
    ui.wait_for_path(&format!("/demands/{demand}"));
    let status =
        ui.s.text(&ui.s.find(&format!("#match-{m} td[data-field=status]")));
    assert_eq!(status, "project");
    ui.shot("22-demand-project");

    // The project exists in the lifecycle at stage lead, in the matched park.
    ui.s.click_on(&format!("#project-of-{m}"));
    let project = ui.id_after("/projects/");
    assert_eq!(ui.s.text(&ui.s.find("td[data-field=stage]")), "lead");
    assert_eq!(
        ui.s.text(&ui.s.find("td[data-field=name]")),
        "汽车零部件扩产"
    );
    let p = api
        .get(&format!("/projects/{project}"))
        .expect("the server answers");
    assert_eq!(p.json["park_id"], serde_json::json!(park));
    assert_eq!(p.json["enterprise_id"], serde_json::json!(enterprise));
    ui.shot("23-project-from-match");
    drop(ui);
    drop(driver);
    drop(server);
}
