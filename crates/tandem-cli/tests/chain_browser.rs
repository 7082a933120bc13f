//! Browser end-to-end test of industry chains on the platform (issue #17): the real `tandem
//! serve` on a fresh SQLite file, driven in headless Chromium. The helped side's officer of
//! pair-xuzhou-huaibei creates a chain through the record form, adds its segments, edges and
//! enterprises over the JSON API, follows the record page's link to the chain's page and sees
//! the picture and the first gap, makes that gap a docking target of a park offer and finds
//! the chain in the pair page's live advice, then imports the pair's shipped chain in one step;
//! another pair's officer is told the chain is not found.
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

const PAIR: &str = "pair-xuzhou-huaibei";

#[test]
fn officer_builds_a_chain_and_sees_its_map_and_first_gap() {
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

    // The chain, through the record form.
    login(s, &base, "hb-officer");
    s.goto(&format!("{base}/r/chains/new"));
    s.fill("#f-pair_id", PAIR);
    s.fill("#f-name_zh", "汽车产业链");
    s.fill("#f-name_en", "Automotive chain");
    s.fill("#f-focus_industry", "汽车");
    s.fill("#f-source", "browser test");
    s.submit_with("#save");
    let url = wait_for(s, |u| u.contains("/r/chains/") && !u.ends_with("/new"));
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|x| x.parse().ok())
        .unwrap_or_else(|| panic!("{url} does not end in the chain's id"));

    // Its parts over the API: steel → parts → vehicles; the helper has parts and vehicles
    // makers, the helped city one steel maker only.
    let api = platform::Api::login(&base, "hb-officer");
    let created = |path: &str, body: serde_json::Value| {
        let r = api.post(path, &body).expect("the server answers");
        assert_eq!(r.status, 201, "{path}: {}", r.json);
    };
    for (key, zh, en, sector) in [
        ("steel", "钢材", "Steel", "14"),
        ("parts", "金属零部件", "Metal parts", "15"),
        ("vehicles", "整车", "Vehicles", "18"),
    ] {
        created(
            "/chain_nodes",
            json!({"chain_id": id, "node_key": key, "name_zh": zh, "name_en": en, "sectors": sector}),
        );
    }
    for (from, to) in [("steel", "parts"), ("parts", "vehicles")] {
        created(
            "/chain_edges",
            json!({"chain_id": id, "from_node": from, "to_node": to}),
        );
    }
    for (node, side, name) in [
        ("steel", "helper", "徐州钢铁"),
        ("parts", "helper", "徐州零部件"),
        ("vehicles", "helper", "徐州整车"),
        ("steel", "helped", "淮北钢铁"),
    ] {
        created(
            "/chain_placements",
            json!({"chain_id": id, "node_key": node, "side": side, "enterprise_name": name}),
        );
    }

    // The record page links to the chain's page: the picture and the gaps, parts first
    // (missing, with both neighbours on the helper side).
    s.goto(&format!("{base}/r/chains/{id}"));
    s.click_on(&format!("a[href='/chains/{id}']"));
    wait_for(s, |u| u.ends_with(&format!("/chains/{id}")));
    assert!(
        s.try_find("#chain-map svg").is_some(),
        "the chain page has no picture:\n{}",
        s.text(&s.find("main"))
    );
    let rows = s.find_all("table.gaps tbody tr");
    assert_eq!(rows.len(), 2, "parts and vehicles are gaps");
    let first = s.text(&rows[0]);
    assert!(
        first.contains("parts") && first.contains("missing") && first.contains("io42:15"),
        "the first gap is not the missing parts segment: {first}"
    );

    // The first gap becomes a docking target: the helped side's park offer takes its sector.
    let park = api
        .post(
            "/parks",
            &json!({"pair_id": PAIR, "name": "徐淮合作园区", "locality_id": "ah-huaibei"}),
        )
        .expect("the server answers");
    assert_eq!(park.status, 201, "{}", park.json);
    let offer = api
        .post(
            "/park_offers",
            &json!({"park_id": park.json["id"], "title": "标准厂房一期", "focus_industries": "io42:18",
                    "fresh_until": "2099-12-31"}),
        )
        .expect("the server answers");
    assert_eq!(offer.status, 201, "{}", offer.json);
    s.goto(&format!("{base}/chains/{id}"));
    s.click_on("table.gaps tbody tr[data-node='parts'] form button");
    let offer_id = offer.json["id"].to_string();
    wait_for(s, |u| u.ends_with(&format!("/r/park_offers/{offer_id}")));
    let focus = s.property(&s.find("#f-focus_industries"), "value");
    assert!(
        focus
            .as_str()
            .is_some_and(|f| f.contains("io42:18") && f.contains("io42:15")),
        "the offer's focus industries: {focus}"
    );

    // The pair's page: the live advice starts the market path with filling this chain.
    s.goto(&format!("{base}/pairs/{PAIR}?lang=en"));
    let advice = s.text(&s.find("main"));
    assert!(
        advice.contains("Fill the Automotive chain"),
        "the pair page does not recommend filling the chain:\n{advice}"
    );

    // The shipped chain of the pair, imported in one step from the chains list.
    s.goto(&format!("{base}/r/chains"));
    s.click_on("#import-chain");
    wait_for(s, |u| u.ends_with("/chains/import"));
    s.execute(
        "document.querySelector('#shipped').value = arguments[0];",
        vec![json!("xuzhou-huaibei-construction-machinery")],
    );
    s.fill("#focus_industry", "工程机械");
    s.submit_with("#import");
    wait_for(s, |u| {
        u.contains("/chains/") && !u.ends_with("/import") && !u.ends_with(&format!("/chains/{id}"))
    });
    let imported = s.text(&s.find("main"));
    assert!(
        imported.contains("Construction machinery chain") || imported.contains("工程机械产业链"),
        "{imported}"
    );
    assert!(
        !s.find_all("table.gaps tbody tr").is_empty(),
        "the imported chain has gaps"
    );

    // The chain's page and the import form fit a phone.
    assert_fits_phone(
        s,
        &base,
        &[format!("/chains/{id}"), "/chains/import".to_string()],
    );

    // Another pair's officer: not found.
    login(s, &base, "nb-officer");
    s.goto(&format!("{base}/chains/{id}"));
    let body = s.text(&s.find("main"));
    assert!(
        body.contains("Not found") || body.contains("no such record"),
        "{body}"
    );
    assert!(!body.contains("汽车产业链"));
    drop(browser);
    drop(server);
}
