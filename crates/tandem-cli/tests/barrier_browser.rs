//! Browser end-to-end test of the barrier register (issue #17, part 2): the real `tandem
//! serve` on a fresh SQLite file, driven in headless Chromium. The helped side's officer of
//! pair-xuzhou-huaibei registers a barrier through the record form, sees it counted on the
//! dashboard under its field, is told that closing it needs evidence, closes it with evidence
//! and a link, and sees the counts move from open to aligned; the register page fits a phone's
//! width. Another pair's officer does not see it.
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

/// Sets the value of the select or date input `css`.
fn choose(s: &Session, css: &str, value: &str) {
    let e = s.find(css);
    s.execute(
        "arguments[0].value = arguments[1]; return arguments[0].value;",
        vec![Session::element_arg(&e), json!(value)],
    );
}

/// The dashboard's count `what` (`open`, `aligned`, …) for barrier field `field`.
fn dashboard_count(s: &Session, base: &str, field: &str, what: &str) -> String {
    s.goto(&format!("{base}/?lang=en"));
    let cell = s.find(&format!(
        "table.barrier-summary tr[data-field='{field}'] td[data-count='{what}']"
    ));
    s.text(&cell).trim().to_string()
}

/// Registers the barrier through the record form; returns its id.
fn register_barrier(s: &Session, base: &str) -> i64 {
    s.goto(&format!("{base}/r/barriers/new?lang=en"));
    s.fill("#f-title", "人才引进待遇互认");
    choose(s, "#f-field", "talent");
    s.fill("#f-affected_pairs", PAIR);
    s.fill("#f-helper_rule_document", "徐州市人才引进办法");
    s.fill("#f-helper_rule_link", "https://www.xz.gov.cn/");
    s.fill("#f-helped_rule_document", "淮北市人才引进办法");
    s.fill(
        "#f-effect",
        "支援方引进的人才到受援方工作不能享受同等待遇。",
    );
    choose(s, "#f-alignment", "mutual_recognition");
    s.fill("#f-owner", "两市人社局");
    // A date input takes typed digits in the locale's order: set its value instead.
    choose(s, "#f-deadline", "2099-06-30");
    choose(s, "#f-status", "open");
    s.submit_with("#save");
    let url = wait_for(s, |u| u.contains("/r/barriers/") && !u.contains("/new"));
    url.rsplit('/')
        .next()
        .and_then(|x| x.split('?').next())
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{url} does not end in the barrier's id"))
}

#[test]
fn officer_registers_a_barrier_and_closes_it_with_evidence() {
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
    let browser = Browser::open();
    let s = &browser.s;
    let base = server.base.clone();

    login(s, &base, "hb-officer");
    assert_eq!(dashboard_count(s, &base, "talent", "open"), "0");
    let id = register_barrier(s, &base);
    assert_eq!(dashboard_count(s, &base, "talent", "open"), "1");
    assert_eq!(dashboard_count(s, &base, "talent", "aligned"), "0");

    // Closing without evidence is refused with the reason, next to the field.
    s.goto(&format!("{base}/r/barriers/{id}?lang=en"));
    choose(s, "#f-status", "aligned");
    s.submit_with("#save");
    let err = s.find("[data-error-for='evidence']");
    assert!(
        s.text(&err).contains("evidence"),
        "no evidence error: {}",
        s.text(&err)
    );
    assert_eq!(dashboard_count(s, &base, "talent", "open"), "1");

    // With the evidence and the link that proves it, the barrier is aligned.
    s.goto(&format!("{base}/r/barriers/{id}?lang=en"));
    choose(s, "#f-status", "aligned");
    s.fill("#f-evidence", "两市人社局签订人才待遇互认协议。");
    s.fill("#f-evidence_link", "https://www.huaibei.gov.cn/");
    s.submit_with("#save");
    let page = s.text(&s.find("main"));
    assert!(
        s.try_find(".err").is_none(),
        "closing with evidence was refused:\n{page}"
    );
    assert_eq!(dashboard_count(s, &base, "talent", "open"), "0");
    assert_eq!(dashboard_count(s, &base, "talent", "aligned"), "1");

    // The register at a phone's width: the barrier under its field, nothing wider than
    // the screen.
    s.set_window_size(390, 844);
    s.goto(&format!("{base}/barriers?lang=en"));
    let card = s.text(&s.find(&format!("#field-talent [data-barrier='{id}']")));
    assert!(
        card.contains("人才引进待遇互认") && card.contains("aligned"),
        "{card}"
    );
    assert_fits_phone(s, &base, &["/barriers?lang=en".to_string()]);

    // Another pair's officer sees neither the barrier nor its count.
    login(s, &base, "nb-officer");
    assert_eq!(dashboard_count(s, &base, "talent", "aligned"), "0");
    s.goto(&format!("{base}/barriers?lang=en"));
    assert!(!s.text(&s.find("main")).contains("人才引进待遇互认"));
    drop(browser);
    drop(server);
}
