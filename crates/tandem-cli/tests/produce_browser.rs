//! Browser end-to-end test of farm-produce supply on the platform (issue #17, part 5): the
//! real `tandem serve` on a fresh SQLite file, driven in headless Chromium. The helped side's
//! officer of pair-xuzhou-huaibei records a supply base, a buyer in the helper city (Xuzhou),
//! a contract and a delivery through the record forms, follows the delivery's link to the
//! pair's produce page and sees the year's totals with all of it delivered to the helper
//! side; a second delivery to a buyer elsewhere (over the JSON API) brings the helper-side
//! share down to two thirds. The page fits a phone's width; another pair's officer is told it
//! is not found.
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

/// Fills the new-record form of `entity` (text inputs typed, choices and dates set as the
/// browser's own controls would), saves it and returns the new record's id.
fn record(
    s: &Session,
    base: &str,
    entity: &str,
    typed: &[(&str, &str)],
    set: &[(&str, &str)],
) -> i64 {
    s.goto(&format!("{base}/r/{entity}/new"));
    for (field, value) in typed {
        s.fill(&format!("#f-{field}"), value);
    }
    for (field, value) in set {
        s.execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![json!(format!("#f-{field}")), json!(value)],
        );
    }
    s.submit_with("#save");
    let url = wait_for(s, |u| {
        u.contains(&format!("/r/{entity}/")) && !u.ends_with("/new")
    });
    url.rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{url} does not end in the record's id"))
}

/// The text of the 2024 row of the produce page's years table.
fn year_row(s: &Session, base: &str) -> String {
    s.goto(&format!("{base}/produce/pairs/{PAIR}?lang=en"));
    let row = s
        .try_find("table#years tr[data-year='2024']")
        .unwrap_or_else(|| {
            panic!(
                "the produce page has no 2024 row:\n{}",
                s.text(&s.find("main"))
            )
        });
    s.text(&row)
}

/// Records a base, a buyer in Xuzhou (the helper city), a rice contract and a delivery of
/// 100 t in March 2024 through the forms; returns the base's and the delivery's ids.
fn record_by_forms(s: &Session, base: &str) -> (i64, i64) {
    let base_id = record(
        s,
        base,
        "supply_bases",
        &[
            ("pair_id", PAIR),
            ("name", "濉溪县绿色稻麦基地"),
            ("county", "濉溪县"),
            ("products", "大米,小麦"),
            ("capacity_t", "20000"),
        ],
        &[],
    );
    let buyer = record(
        s,
        base,
        "produce_buyers",
        &[
            ("pair_id", PAIR),
            ("name", "徐州农副产品批发市场"),
            ("buyer_locality_id", "js-xuzhou"),
        ],
        &[("kind", "wholesaler")],
    );
    let contract = record(
        s,
        base,
        "supply_contracts",
        &[
            ("base_id", &base_id.to_string()),
            ("buyer_id", &buyer.to_string()),
            ("contract_no", "XH-2024-001"),
            ("product", "大米"),
            ("volume_t", "1200"),
            ("value_yuan", "6000000"),
        ],
        &[("start_on", "2024-01-01"), ("end_on", "2024-12-31")],
    );
    let delivery = record(
        s,
        base,
        "deliveries",
        &[
            ("contract_id", &contract.to_string()),
            ("month", "2024-03"),
            ("volume_t", "100"),
            ("value_yuan", "500000"),
        ],
        &[],
    );
    (base_id, delivery)
}

/// Over the JSON API: a buyer in Nanjing (elsewhere), a wheat contract from `base_id` and a
/// delivery of 50 t in May 2024.
fn deliver_elsewhere(base: &str, base_id: i64) {
    let api = platform::Api::login(base, "hb-officer");
    let created = |path: &str, body: Value| -> i64 {
        let r = api.post(path, &body).expect("the server answers");
        assert_eq!(r.status, 201, "{path}: {}", r.json);
        r.json["id"].as_i64().unwrap()
    };
    let elsewhere = created(
        "/produce_buyers",
        json!({"pair_id": PAIR, "name": "南京某连锁超市", "kind": "retailer",
            "buyer_locality_id": "js-nanjing"}),
    );
    let wheat = created(
        "/supply_contracts",
        json!({"base_id": base_id, "buyer_id": elsewhere, "contract_no": "XH-2024-002",
            "product": "小麦", "volume_t": 600, "start_on": "2024-01-01", "end_on": "2024-12-31"}),
    );
    created(
        "/deliveries",
        json!({"contract_id": wheat, "month": "2024-05", "volume_t": 50, "value_yuan": 150000}),
    );
}

#[test]
fn officer_records_a_delivery_and_sees_the_pair_totals_and_helper_share() {
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

    // The base, a buyer in Xuzhou (the helper city), a contract and a delivery, by the forms.
    login(s, &base, "hb-officer");
    let (base_id, delivery) = record_by_forms(s, &base);
    assert!(delivery > 0);

    // The delivery's page links to the pair's totals: 100 t in 2024, all of it to the helper
    // side.
    s.click_on(&format!("a[href='/produce/pairs/{PAIR}']"));
    wait_for(s, |u| u.ends_with(&format!("/produce/pairs/{PAIR}")));
    assert!(
        s.try_find("table#years").is_some(),
        "{}",
        s.text(&s.find("main"))
    );
    let row = year_row(s, &base);
    assert!(
        row.contains("100.00") && row.contains("100%") && row.contains("500,000.00"),
        "the 2024 row: {row}"
    );

    // A buyer in Nanjing (elsewhere) takes 50 t of wheat: the helper-side share falls to 67%.
    deliver_elsewhere(&base, base_id);
    let row = year_row(s, &base);
    assert!(
        row.contains("150.00")
            && row.contains("67%")
            && row.contains("650,000.00")
            && !row.contains("-0"),
        "the 2024 row after the second delivery: {row}"
    );
    assert_eq!(
        s.find_all("table#products tbody tr").len(),
        2,
        "rice and wheat"
    );

    // At phone width the page does not scroll sideways.
    assert_fits_phone(s, &base, &[format!("/produce/pairs/{PAIR}")]);

    // Another pair's officer: not found.
    login(s, &base, "nb-officer");
    s.goto(&format!("{base}/produce/pairs/{PAIR}"));
    let body = s.text(&s.find("main"));
    assert!(
        body.contains("Not found") || body.contains("no such record") || body.contains("not found"),
        "{body}"
    );
    assert!(!body.contains("濉溪"));
    drop(browser);
    drop(server);
}
