//! Farm-produce supply kept as records (issue #17, part 5): a pair's bases, buyers, contracts
//! and deliveries built through the record service add up to the pair's totals by year and
//! product with the helper-side share; the records' own rules hold; who may not read the
//! pair's totals is told they are not found; on both engines.

use serde_json::{json, Value};
use tandem_platform::entity::produce::{
    BASE_CERTIFICATIONS, DELIVERIES, PRODUCE_BUYERS, SUPPLY_BASES, SUPPLY_CONTRACTS,
};
use tandem_platform::entity::Entity;
use tandem_platform::produce::{self, CertificationStatus};
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, OTHER_PAIR, PAIR};

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// The rules of an `Invalid` error, or a panic.
fn rules<T: std::fmt::Debug>(r: Result<T, PlatformError>) -> Vec<(String, &'static str)> {
    match r {
        Err(PlatformError::Invalid(errors)) => {
            errors.into_iter().map(|e| (e.field, e.rule)).collect()
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn the_pair_totals_add_up_by_year_and_product_on_every_engine() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        testkit::sample_produce(&t.db, &cast.helped_officer, PAIR);
        let totals = produce::pair_totals(&t.db, &cast.helper_officer, PAIR)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(totals.helper_id, "js-xuzhou");
        // 2025 has no delivery: it is absent, not a year of zeros.
        let years: Vec<i64> = totals.years.iter().map(|y| y.year).collect();
        assert_eq!(years, [2023, 2024], "{}", t.name);
        let (y23, y24) = (&totals.years[0], &totals.years[1]);
        assert_eq!((y23.deliveries, y23.volume_t), (1, 100.0));
        assert_eq!(y23.value_yuan.to_string(), "500000.00");
        assert_eq!(y23.helper_volume_share, Some(1.0));
        // The certificate starts on 2023-06-15: March 2023 was not covered.
        assert_eq!(y23.certified_volume_share, Some(0.0));
        assert_eq!((y24.deliveries, y24.volume_t), (2, 150.0));
        assert_eq!(y24.value_yuan.to_string(), "670000.00");
        assert_eq!(y24.helper_value_yuan.to_string(), "520000.00");
        assert!((y24.helper_volume_share.unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((y24.helper_value_share.unwrap() - 52.0 / 67.0).abs() < 1e-12);
        assert_eq!(y24.certified_volume_share, Some(1.0));
        let products: Vec<(&str, i64, f64)> = totals
            .by_product
            .iter()
            .map(|p| (p.product.as_str(), p.year, p.volume_t))
            .collect();
        assert_eq!(
            products,
            [
                ("大米", 2023, 100.0),
                ("大米", 2024, 100.0),
                ("小麦", 2024, 50.0)
            ],
            "{}",
            t.name
        );
        // Researchers and the staff read the same totals.
        for user in [&cast.researcher, &cast.coordinator, &cast.admin] {
            assert_eq!(produce::pair_totals(&t.db, user, PAIR).unwrap(), totals);
        }
        // Another pair's officer, a park operator and an enterprise are told "not found".
        for user in [
            &cast.other_officer,
            &cast.park_operator,
            &cast.enterprise_user,
        ] {
            for r in [
                produce::pair_totals(&t.db, user, PAIR).map(|_| ()),
                produce::recent_deliveries(&t.db, user, PAIR, 10).map(|_| ()),
                produce::certifications(&t.db, user, PAIR, None).map(|_| ()),
            ] {
                assert!(
                    matches!(r, Err(PlatformError::NotFound(_))),
                    "{} {}: {r:?}",
                    t.name,
                    user.username
                );
            }
        }
        // The other pair has no deliveries: no years, nothing by product.
        let other = produce::pair_totals(&t.db, &cast.other_officer, OTHER_PAIR).unwrap();
        assert!(other.years.is_empty() && other.by_product.is_empty());
        assert!(matches!(
            produce::pair_totals(&t.db, &cast.admin, "pair-none"),
            Err(PlatformError::NotFound(_))
        ));
    }
}

#[test]
fn deliveries_and_certifications_are_listed_through_the_read_policy() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        testkit::sample_produce(&t.db, &cast.helper_officer, PAIR);
        let lines = produce::recent_deliveries(&t.db, &cast.helped_officer, PAIR, 10).unwrap();
        let got: Vec<(&str, bool, bool)> = lines
            .iter()
            .map(|l| (l.month.as_str(), l.to_helper, l.certified))
            .collect();
        assert_eq!(
            got,
            [
                ("2024-05", false, true),
                ("2024-02", true, true),
                ("2023-03", true, false)
            ],
            "{}",
            t.name
        );
        assert_eq!(
            produce::recent_deliveries(&t.db, &cast.helped_officer, PAIR, 1)
                .unwrap()
                .len(),
            1
        );
        // A researcher reads the totals and the certificates, never a delivery.
        assert!(
            produce::recent_deliveries(&t.db, &cast.researcher, PAIR, 10)
                .unwrap()
                .is_empty()
        );
        let status = |on: &str| {
            produce::certifications(&t.db, &cast.researcher, PAIR, Some(on)).unwrap()[0].status
        };
        assert_eq!(status("2023-01-01"), CertificationStatus::NotYetValid);
        assert_eq!(status("2024-06-30"), CertificationStatus::Valid);
        assert_eq!(status("2025-10-15"), CertificationStatus::Expiring);
        assert_eq!(status("2026-01-01"), CertificationStatus::Expired);
    }
}

#[test]
fn produce_records_keep_their_rules() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let f = testkit::sample_produce(&t.db, &cast.coordinator, PAIR);
    let officer = &cast.helped_officer;
    let create = |e, body: Value| service::create(&t.db, officer, e, &obj(body));
    // A delivery's month is YYYY-MM inside its contract's period, its volume above zero.
    for (month, rule) in [
        ("2024-13", "bad_month"),
        ("2024-1", "bad_month"),
        ("2024-01-01", "too_long"),
        ("2022-12", "outside_contract"),
        ("2026-01", "outside_contract"),
    ] {
        let got = rules(create(
            &DELIVERIES,
            json!({"contract_id": f.rice_contract, "month": month, "volume_t": 1, "value_yuan": 1}),
        ));
        assert_eq!(got[0], ("month".to_string(), rule), "{month}");
    }
    let got = rules(create(
        &DELIVERIES,
        json!({"contract_id": f.rice_contract, "month": "2024-03", "volume_t": 0, "value_yuan": 1}),
    ));
    assert_eq!(got[0].1, "not_positive");
    for (volume, value) in [(json!(2.0e6), json!(1)), (json!(1), json!("1e13"))] {
        assert!(create(
            &DELIVERIES,
            json!({"contract_id": f.rice_contract, "month": "2024-03", "volume_t": volume,
                "value_yuan": value}),
        )
        .is_err());
    }
    // Pair and product come from the contract and may not be typed.
    let got = rules(create(
        &DELIVERIES,
        json!({"contract_id": f.rice_contract, "month": "2024-03", "volume_t": 1,
            "value_yuan": 1, "pair_id": OTHER_PAIR, "product": "小麦"}),
    ));
    assert!(got.iter().all(|(_, r)| *r == "read_only"), "{got:?}");
    let d = create(
        &DELIVERIES,
        json!({"contract_id": f.rice_contract, "month": "2024-03", "volume_t": 1, "value_yuan": 1}),
    )
    .unwrap();
    assert_eq!(
        (d.text("pair_id"), d.text("product")),
        (Some(PAIR), Some("大米"))
    );
    // A contract's product is one of the base's; it starts before it ends.
    let got = rules(create(
        &SUPPLY_CONTRACTS,
        json!({"base_id": f.base, "buyer_id": f.helper_buyer, "contract_no": "X", "product": "玉米", "volume_t": 1,
            "start_on": "2024-02-01", "end_on": "2024-01-01"}),
    ));
    assert_eq!(
        got,
        [
            ("product".to_string(), "not_a_base_product"),
            ("end_on".to_string(), "before_start")
        ]
    );
    // A certification is issued before it expires.
    let got = rules(create(
        &BASE_CERTIFICATIONS,
        json!({"base_id": f.base, "kind": "organic", "certificate_no": "X", "issuer": "Y",
            "issued_on": "2024-02-01", "valid_until": "2023-01-01"}),
    ));
    assert_eq!(got[0].1, "before_start");
    // A buyer buys in a known locality.
    let got = rules(create(
        &PRODUCE_BUYERS,
        json!({"pair_id": PAIR, "name": "某", "kind": "canteen", "buyer_locality_id": "nowhere"}),
    ));
    assert_eq!(got[0].0, "buyer_locality_id");
}

/// Creates a record and returns its id, or panics.
fn make(
    db: &tandem_platform::Db,
    user: &tandem_platform::User,
    e: &'static Entity,
    body: Value,
) -> i64 {
    service::create(db, user, e, &obj(body))
        .unwrap_or_else(|err| panic!("{}: {err}", e.name))
        .int("id")
        .unwrap()
}

/// A contract never joins a base of one pair to a buyer of another, whoever asks; a delivery
/// or a certification under another pair's contract or base is that pair's, so another pair's
/// officer may not add one, nor move its own delivery there.
#[test]
fn records_do_not_cross_pairs_on_every_engine() {
    for t in testkit::engines() {
        let (db, cast) = (&t.db, testkit::cast(&t.db));
        let f = testkit::sample_produce(db, &cast.coordinator, PAIR);
        let nb = &cast.other_officer;
        let other_buyer = make(
            db,
            nb,
            &PRODUCE_BUYERS,
            json!({"pair_id": OTHER_PAIR,
            "name": "宁波某商超", "kind": "retailer", "buyer_locality_id": "zj-ningbo"}),
        );
        let joined = |base: i64| {
            json!({"base_id": base, "buyer_id": other_buyer,
            "contract_no": "X", "product": "大米", "volume_t": 1, "start_on": "2024-01-01",
            "end_on": "2024-12-31"})
        };
        for user in [&cast.admin, &cast.helped_officer, nb] {
            let r = service::create(db, user, &SUPPLY_CONTRACTS, &obj(joined(f.base)));
            let rules = rules(r);
            assert_eq!(
                rules,
                [("buyer_id".to_string(), "other_pair")],
                "{} {}",
                t.name,
                user.username
            );
        }
        let delivery = |contract: i64| {
            json!({"contract_id": contract, "month": "2024-04",
            "volume_t": 5, "value_yuan": 100})
        };
        let certificate = json!({"base_id": f.base, "kind": "organic", "certificate_no": "Z",
            "issuer": "Z", "issued_on": "2024-01-01", "valid_until": "2024-12-31"});
        for (e, body) in [
            (&DELIVERIES, delivery(f.rice_contract)),
            (&BASE_CERTIFICATIONS, certificate),
        ] {
            let r = service::create(db, nb, e, &obj(body));
            assert!(
                matches!(r, Err(PlatformError::Forbidden(_))),
                "{}: {r:?}",
                t.name
            );
        }
        // Nor may it move its own delivery under this pair's contract.
        let own_base = make(
            db,
            nb,
            &SUPPLY_BASES,
            json!({"pair_id": OTHER_PAIR, "name": "基地",
            "county": "怀远县", "products": "大米"}),
        );
        let own_contract = make(db, nb, &SUPPLY_CONTRACTS, joined(own_base));
        let d = service::create(db, nb, &DELIVERIES, &obj(delivery(own_contract))).unwrap();
        let moved = obj(json!({"contract_id": f.rice_contract}));
        let r = service::update(db, nb, &DELIVERIES, &d.id_text(), Some(d.version), &moved);
        assert!(
            matches!(r, Err(PlatformError::Forbidden(_))),
            "{}: {r:?}",
            t.name
        );
        // This pair's totals are as the fixture made them.
        let totals = produce::pair_totals(db, &cast.helper_officer, PAIR).unwrap();
        assert_eq!(totals.years.iter().map(|y| y.deliveries).sum::<usize>(), 3);
    }
}

/// A base moved to another pair by the coordinator takes its certifications, contracts and
/// their deliveries along (the per-engine triggers).
#[test]
fn a_moved_base_takes_its_records_along_on_every_engine() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let f = testkit::sample_produce(&t.db, &cast.coordinator, PAIR);
        let base =
            service::get(&t.db, &cast.coordinator, &SUPPLY_BASES, &f.base.to_string()).unwrap();
        service::update(
            &t.db,
            &cast.coordinator,
            &SUPPLY_BASES,
            &f.base.to_string(),
            Some(base.version),
            &obj(json!({"pair_id": OTHER_PAIR})),
        )
        .unwrap();
        let moved = produce::pair_totals(&t.db, &cast.other_officer, OTHER_PAIR)
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(moved.years.len(), 2, "{}", t.name);
        assert_eq!(
            produce::certifications(&t.db, &cast.other_officer, OTHER_PAIR, None)
                .unwrap()
                .len(),
            1
        );
        let left = produce::pair_totals(&t.db, &cast.helper_officer, PAIR).unwrap();
        assert!(left.years.is_empty(), "{}", t.name);
        let c = service::get(
            &t.db,
            &cast.other_officer,
            &SUPPLY_CONTRACTS,
            &f.wheat_contract.to_string(),
        )
        .unwrap();
        assert_eq!(c.text("pair_id"), Some(OTHER_PAIR));
        // The buyers stayed with PAIR: the new pair's officer sees their deliveries but not
        // their names.
        let lines = produce::recent_deliveries(&t.db, &cast.other_officer, OTHER_PAIR, 10).unwrap();
        assert_eq!(lines.len(), 3, "{}", t.name);
        assert!(
            lines.iter().all(|l| l.buyer == format!("#{}", l.buyer_id)),
            "{}: {lines:?}",
            t.name
        );
        let names = produce::recent_deliveries(&t.db, &cast.coordinator, OTHER_PAIR, 10).unwrap();
        assert!(names.iter().all(|l| !l.buyer.starts_with('#')));
    }
}

/// The produce records go out and come back as XLSX like the chains (the export is the
/// template): the pair officer's export of each type re-imports as updates and leaves the
/// totals as they were; another pair's officer exports none of them. The totals export has
/// a row per year with a delivery and nothing for a missing share.
#[test]
fn produce_round_trips_through_xlsx_and_the_totals_export() {
    use tandem_platform::entity::produce::PRODUCE_EVENTS;
    use tandem_platform::{produce_xlsx, sheets};
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    testkit::sample_produce(&t.db, &cast.helper_officer, PAIR);
    service::create(
        &t.db,
        &cast.helper_officer,
        &PRODUCE_EVENTS,
        &obj(
            json!({"pair_id": PAIR, "title": "徐淮农产品产销对接会", "held_on": "2024-05-10",
            "place": "淮北市", "producers": 40, "buyers": 25, "deals": 12,
            "value_yuan": 35000000}),
        ),
    )
    .unwrap();
    let before = produce::pair_totals(&t.db, &cast.helper_officer, PAIR).unwrap();
    for e in [
        &SUPPLY_BASES,
        &BASE_CERTIFICATIONS,
        &PRODUCE_BUYERS,
        &SUPPLY_CONTRACTS,
        &DELIVERIES,
        &PRODUCE_EVENTS,
    ] {
        assert!(sheets::sheet_entity(e.name).is_some(), "{}", e.name);
        let book = sheets::export(&t.db, &cast.helped_officer, e).unwrap();
        let s = sheets::import(&t.db, &cast.helped_officer, e, &book)
            .unwrap_or_else(|p| panic!("{}: {p:?}", e.name));
        assert_eq!(s.created, 0, "{}", e.name);
        assert!(s.updated > 0, "{}", e.name);
        let book = sheets::export(&t.db, &cast.other_officer, e).unwrap();
        let s = sheets::import(&t.db, &cast.other_officer, e, &book).unwrap();
        assert_eq!((s.created, s.updated), (0, 0), "{}", e.name);
    }
    let after = produce::pair_totals(&t.db, &cast.helper_officer, PAIR).unwrap();
    assert_eq!(after, before);
    let book = produce_xlsx::export_totals(&t.db, &cast.researcher, PAIR).unwrap();
    let mut wb = tandem_sheet::Workbook::open(&book, &tandem_sheet::Limits::default()).unwrap();
    assert_eq!(wb.sheet_names(), ["years", "products", "notes"]);
    let years = wb.read_sheet("years").unwrap();
    assert_eq!(years.height(), 3, "a header and 2023 and 2024");
    assert!(matches!(
        produce_xlsx::export_totals(&t.db, &cast.other_officer, PAIR),
        Err(sheets::SheetError::Platform(PlatformError::NotFound(_)))
    ));
}
