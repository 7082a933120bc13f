//! Browser end-to-end test of disputes and consultation on the platform (issue #17): the real
//! `tandem serve` on a fresh SQLite file, driven in headless Chromium. The helped side's
//! officer of pair-xuzhou-huaibei raises a case through the record form (raised 100 days
//! ago, so it starts at the pair's joint meeting: it names no park), follows the record
//! page's link to the case page, escalates it to provincial coordination as of 95 days ago
//! (the default 90 days have run out: the deadline has passed), sees the overdue flag on the
//! case and the reminder on the dashboard, records a consultation round and closes the case
//! with a compensation the helper side pays; the reminder is gone and the timeline shows every
//! step. The case page fits a phone's width. Another pair's officer is told the case is not
//! found.
//!
//! The platform has no test clock: the deadline passes the supported way, by recording the
//! steps on the days they happened (a case raised and escalated in the past).
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
use serde_json::{json, Value};
use webdriver::Session;

const PAIR: &str = "pair-xuzhou-huaibei";

/// Sets a select's or a date input's value (typing into them depends on the browser's
/// locale).
fn set(s: &Session, css: &str, value: &str) {
    s.execute(
        "document.querySelector(arguments[0]).value = arguments[1]; return null;",
        vec![json!(css), json!(value)],
    );
}

/// The date `days` from today (UTC), as the platform's clock reads it.
fn day(days: i64) -> String {
    tandem_platform::dispute_rules::date_after(&tandem_platform::clock::today(), days).unwrap()
}

/// Where screenshots go: `$CARGO_TARGET_DIR/platform-screenshots`, else the workspace's
/// `target/platform-screenshots` (as `platform_browser.rs`).
fn screenshot_dir() -> std::path::PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target")
        });
    target.join("platform-screenshots")
}

/// The case page's main text.
fn main_text(s: &Session) -> String {
    s.text(&s.find("main"))
}

/// Raises the case through the record form; returns its id.
fn raise(s: &Session, base: &str) -> i64 {
    s.goto(&format!("{base}/r/disputes/new?lang=en"));
    s.fill("#f-pair_id", PAIR);
    set(s, "#f-raised_by_side", "helped");
    set(s, "#f-subject_kind", "settlement");
    s.fill("#f-title", "2024 tax-share settlement");
    s.fill("#f-parties", "Xuzhou park company; Huaibei park committee");
    s.fill(
        "#f-description",
        "The second year's share is read differently.",
    );
    s.fill("#f-amount_at_stake_yuan", "1200000");
    set(s, "#f-raised_on", &day(-100));
    s.submit_with("#save");
    let url = wait_for(s, |u| u.contains("/r/disputes/") && !u.ends_with("/new"));
    url.rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{url} does not end in the case's id"))
}

#[test]
fn officer_raises_escalates_past_a_deadline_and_closes_with_compensation() {
    if skipped() {
        return;
    }
    let (_dir, database) = fresh_database();
    let helped = ["--pair", PAIR, "--side", "helped"];
    user_add(&database, "hb-officer", "officer", &helped);
    let other = ["--pair", "pair-ningbo-bengbu", "--side", "helper"];
    user_add(&database, "nb-officer", "officer", &other);
    let server = Server::start(&database);
    let browser = Browser::open();
    let s = &browser.s;
    let base = server.base.clone();

    login(s, &base, "hb-officer");
    let id = raise(s, &base);
    s.click_on(&format!("a[href='/disputes/{id}']"));
    wait_for(s, |u| u.ends_with(&format!("/disputes/{id}")));
    let text = main_text(s);
    assert!(text.contains("joint meeting"), "{text}");

    // Escalated 95 days ago: provincial coordination's 90 days ran out 5 days ago.
    set(s, "#esc-on", &day(-95));
    s.fill("#esc-reason", "The joint meeting did not agree.");
    s.submit_with("#escalate");
    let state = s.text(&s.find("#case-state"));
    assert!(state.contains("provincial coordination"), "{state}");
    assert!(
        state.contains(&day(-5)) && state.contains("overdue"),
        "{state}"
    );

    // The dashboard reminds of it.
    s.goto(&format!("{base}/?lang=en"));
    let reminder = s.text(&s.find("#overdue-disputes"));
    assert!(
        reminder.contains("2024 tax-share settlement") && reminder.contains("by 5 days"),
        "{reminder}"
    );
    s.save_screenshot(&screenshot_dir(), "dispute-dashboard-reminder");
    s.click_on(&format!("#overdue-disputes a[href='/disputes/{id}']"));
    wait_for(s, |u| u.ends_with(&format!("/disputes/{id}")));

    // A round, then the outcome: compensation paid by the helper side.
    s.fill(
        "#round-attendees",
        "Both parks' directors; provincial coordination office",
    );
    s.fill("#round-minutes", "The helper side offers compensation.");
    s.submit_with("#add-round");
    set(s, "#close-outcome", "compensation");
    s.fill(
        "#close-note",
        "The helper side's park company pays 300,000 yuan.",
    );
    s.fill("#close-amount", "300000");
    set(s, "#close-payer", "helper");
    s.submit_with("#close");
    let state = s.text(&s.find("#case-state"));
    assert!(state.contains("compensation agreed"), "{state}");
    assert!(s.try_find("#closed-note").is_some() && s.try_find("#close-form").is_none());
    let kinds: Vec<Value> = s
        .find_all("#timeline li")
        .iter()
        .map(|li| {
            s.execute(
                "return arguments[0].dataset.kind;",
                vec![Session::element_arg(li)],
            )
        })
        .collect();
    assert_eq!(
        kinds.first(),
        Some(&json!("create")),
        "raised first: {kinds:?}"
    );
    assert_eq!(
        kinds.last(),
        Some(&json!("close")),
        "closed last: {kinds:?}"
    );
    for k in ["escalation", "round"] {
        assert!(
            kinds.contains(&json!(k)),
            "{k} missing from the timeline {kinds:?}"
        );
    }
    s.goto(&format!("{base}/?lang=en"));
    assert!(
        s.try_find("#overdue-disputes").is_none(),
        "a closed case is no reminder"
    );

    // At a phone's width the case page does not scroll sideways.
    assert_fits_phone(s, &base, &[format!("/disputes/{id}?lang=zh")]);

    // Another pair's officer: not found.
    login(s, &base, "nb-officer");
    s.goto(&format!("{base}/disputes/{id}?lang=en"));
    let body = main_text(s);
    assert!(
        body.contains("Not found") || body.contains("no such record"),
        "{body}"
    );
    assert!(!body.contains("tax-share"));
    drop(browser);
    drop(server);
}
