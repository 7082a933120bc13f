//! The benefit-sharing ledger in the platform database, on both engines: agreements attached to
//! a park, revenues, settlement with the hand-computed 5:5 split, idempotent re-settlement,
//! corrections as new entries, who may see and settle, and tamper detection.

use tandem_ledger::RevenueType;
use tandem_platform::ledger::{self, LedgerOpError};
use tandem_platform::service::PlatformError;
use tandem_platform::testkit;

#[test]
fn settlement_in_the_platform_is_exact_idempotent_and_tamper_evident() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let park = cast.park;
        let officer = &cast.helped_officer;
        let stored = ledger::record_agreement(db, officer, park, testkit::AGREEMENT_B).unwrap();
        assert_eq!(
            (stored.agreement_id.as_str(), stored.version),
            ("hehuai-cooperation-zone", 1)
        );
        // The same version again is refused: agreements change by new versions.
        assert!(
            matches!(ledger::record_agreement(db, officer, park, testkit::AGREEMENT_B), Err(LedgerOpError::Agreement(m)) if m.contains("version 2"))
        );
        // 1,000,001 yuan of local VAT in 2023-01 from two firms: 5:5 → 500,000.50 each.
        ledger::record_revenues(
            db,
            officer,
            park,
            &[
                testkit::vat_revenue("E1", "2023-01", 600_000),
                testkit::vat_revenue("E2", "2023-01", 400_001),
            ],
        )
        .unwrap();
        let from = "2023-01".parse().unwrap();
        let s = ledger::settle_park(db, officer, park, from, from, false).unwrap();
        assert!(s.appended > 0, "{}", t.name);
        let entries = ledger::entries(db, officer, park).unwrap();
        let credited: Vec<(String, i64)> = entries
            .iter()
            .filter(|(_, e)| {
                e.revenue_type == RevenueType::VatLocalShare
                    && e.book == tandem_ledger::Book::Assessment
                    && e.party != "hehuai-zone"
            })
            .map(|(_, e)| (e.party.clone(), e.credited.0))
            .collect();
        assert_eq!(
            credited,
            [
                ("hefei-etdz".to_string(), 50_000_050),
                ("shouxian".to_string(), 50_000_050)
            ],
            "{}",
            t.name
        );
        let (n, head) = ledger::verify(db).unwrap().unwrap();
        assert_eq!((n, head.clone()), (s.head_seq, s.head_hash.clone()));
        // Settling again appends nothing.
        let again = ledger::settle_park(db, officer, park, from, from, false).unwrap();
        assert_eq!((again.appended, again.head_seq), (0, s.head_seq));
        // A late revenue changes the figures: refused unless recorded as corrections.
        ledger::record_revenues(
            db,
            officer,
            park,
            &[testkit::vat_revenue("E3", "2023-01", 2)],
        )
        .unwrap();
        assert!(matches!(
            ledger::settle_park(db, officer, park, from, from, false),
            Err(LedgerOpError::Settle(_))
        ));
        let c = ledger::settle_park(db, officer, park, from, from, true).unwrap();
        assert!(c.corrections > 0 && c.head_seq > s.head_seq);
        assert!(ledger::verify(db).unwrap().is_ok());
        // Who may see and settle.
        assert!(ledger::entries(db, &cast.researcher, park).is_ok());
        assert!(matches!(
            ledger::settle_park(db, &cast.researcher, park, from, from, true),
            Err(LedgerOpError::Platform(PlatformError::Forbidden(_)))
        ));
        assert!(matches!(
            ledger::entries(db, &cast.enterprise_user, park),
            Err(LedgerOpError::Platform(PlatformError::NotFound(_)))
        ));
        assert!(matches!(
            ledger::entries(db, &cast.other_officer, park),
            Err(LedgerOpError::Platform(PlatformError::NotFound(_)))
        ));
        assert!(ledger::entries(db, &cast.park_operator, park).is_ok());
        // The application cannot rewrite the chain...
        assert!(db
            .write(|c| c.execute("UPDATE ledger_entries SET hash = 'x' WHERE seq = 1", &[]))
            .is_err());
        assert!(db
            .write(|c| c.execute("DELETE FROM ledger_entries WHERE seq = 1", &[]))
            .is_err());
        // ...and someone who bypasses the triggers is caught at the first altered entry.
        let disable = match db.engine() {
            tandem_platform::Engine::Sqlite => {
                "DROP TRIGGER ledger_entries_no_change; DROP TRIGGER ledger_entries_no_delete;"
            }
            tandem_platform::Engine::Postgres => "ALTER TABLE ledger_entries DISABLE TRIGGER ALL;",
        };
        db.write(|c| c.batch(disable)).unwrap();
        // Inflate one amount (a canonical, well-formed change: only the hash can tell).
        let n = db.write(|c| c.execute("UPDATE ledger_entries SET content = REPLACE(content, '\"amount\":\"', '\"amount\":\"9') WHERE seq = 2", &[])).unwrap();
        assert_eq!(n, 1);
        let bad = ledger::verify(db).unwrap().unwrap_err();
        assert_eq!(bad.seq, 2, "{}: {bad}", t.name);
        assert!(bad.reason.contains("altered"), "{bad}");
    }
}

#[test]
fn removing_or_reordering_entries_is_caught() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let db = &t.db;
    ledger::record_agreement(db, &cast.admin, cast.park, testkit::AGREEMENT_B).unwrap();
    ledger::record_revenues(
        db,
        &cast.admin,
        cast.park,
        &[
            testkit::vat_revenue("E1", "2023-01", 100),
            testkit::vat_revenue("E1", "2023-02", 300),
        ],
    )
    .unwrap();
    ledger::settle_park(
        db,
        &cast.admin,
        cast.park,
        "2023-01".parse().unwrap(),
        "2023-02".parse().unwrap(),
        false,
    )
    .unwrap();
    db.write(|c| {
        c.batch("DROP TRIGGER ledger_entries_no_delete; DROP TRIGGER ledger_entries_no_change;")
    })
    .unwrap();
    db.write(|c| c.execute("DELETE FROM ledger_entries WHERE seq = 3", &[]))
        .unwrap();
    let bad = ledger::verify(db).unwrap().unwrap_err();
    assert_eq!(bad.seq, 4, "{bad}");
    assert!(bad.reason.contains("removed or reordered"));
}

#[test]
fn agreements_are_checked_before_they_are_stored() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let broken = testkit::AGREEMENT_B.replace("shouxian = 5000 }", "shouxian = 4000 }");
    let err = ledger::record_agreement(&t.db, &cast.admin, cast.park, &broken).unwrap_err();
    assert!(err.to_string().contains("10000"), "{err}");
    assert!(ledger::agreements(&t.db, &cast.admin, cast.park)
        .unwrap()
        .is_empty());
}
