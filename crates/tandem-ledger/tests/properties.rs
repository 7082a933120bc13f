//! Property tests of settlement: exact sums, floors and caps, idempotence, row order.

use proptest::prelude::*;
use std::collections::BTreeMap;
use tandem_ledger::money::apportion;
use tandem_ledger::settle::{reconcile, settle, Book, Entry};
use tandem_ledger::{Agreement, Fen, Period, RevenueRecord, RevenueType};

/// Three parties, VAT 30:50:20, a 5,000-yuan floor for `d` paid by `h`, a 20,000-yuan cap on
/// `h` whose excess goes to the park `p`, and 20% of credited shares returned to `p`.
const AGREEMENT: &str = r#"
id = "prop"
version = 1
valid_from = "2024-01"
valid_to = "2025-12"
host = "d"
parties = [
  { id = "h", role = "helper" },
  { id = "d", role = "helped" },
  { id = "p", role = "park" },
]
[scope]
parks = ["P1", "P2"]
industries = ["C"]
[revenue.vat_local_share]
schedule = [
  { from_year = 1, to_year = 1, shares = { h = 3000, d = 5000, p = 2000 } },
  { from_year = 2, to_year = 2, shares = { h = 1000, d = 8000, p = 1000 } },
]
park_return_bp = 2000
park_return_to = "p"
floors = [{ party = "d", per_year = "5000", from = "h" }]
caps = [{ party = "h", per_year = "20000", to = "p" }]
[revenue.cit_local_share]
schedule = [{ from_year = 1, to_year = 2, shares = { h = 3333, d = 3333, p = 3334 } }]
"#;

fn agreement() -> Agreement {
    let a = Agreement::from_toml(AGREEMENT, "test").unwrap();
    a.check().unwrap();
    a
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn record() -> impl Strategy<Value = RevenueRecord> {
    (
        0u32..40,
        prop::sample::select(vec!["P1", "P2", "P3"]),
        prop::sample::select(vec!["C3612", "C13", "D44"]),
        0i64..24,
        prop::bool::ANY,
        -100_000i64..3_000_000,
    )
        .prop_map(|(ent, park, ind, month, vat, fen)| RevenueRecord {
            enterprise_id: format!("E{ent}"),
            park_id: park.into(),
            industry: ind.into(),
            recommended_by: None,
            period: Period::from_index(p("2024-01").index() + month),
            revenue_type: if vat {
                RevenueType::VatLocalShare
            } else {
                RevenueType::CitLocalShare
            },
            amount: Fen(fen),
        })
}

fn year_totals(es: &[Entry], party: &str, ty: RevenueType, year: u32) -> i64 {
    es.iter()
        .filter(|e| {
            e.book == Book::Assessment
                && e.party == party
                && e.revenue_type == ty
                && e.agreement_year == year
        })
        .map(|e| e.credited.0)
        .sum()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn apportioned_parts_sum_to_the_total_and_stay_within_a_fen(total in -1_000_000_000_000i64..1_000_000_000_000, w in prop::collection::vec(0u32..10_000, 1..8)) {
        prop_assume!(w.iter().any(|&x| x > 0));
        let parts = apportion(Fen(total), &w).unwrap();
        prop_assert_eq!(parts.iter().map(|f| f.0).sum::<i64>(), total);
        let wsum: i128 = w.iter().map(|&x| i128::from(x)).sum();
        for (part, wi) in parts.iter().zip(&w) {
            let exact = i128::from(total) * i128::from(*wi);
            let diff = (i128::from(part.0) * wsum - exact).abs();
            prop_assert!(diff < wsum, "part {} too far from quota", part.0);
        }
    }

    #[test]
    fn settlement_parts_sum_to_the_total_floors_and_caps_hold(recs in prop::collection::vec(record(), 0..120)) {
        let a = agreement();
        let es = settle(std::slice::from_ref(&a), &recs, p("2024-01"), p("2025-12")).unwrap();
        // Per agreement, period and type: credited and kept amounts each sum to the total.
        let mut groups: BTreeMap<(Period, RevenueType), (i64, i64, i64)> = BTreeMap::new();
        for e in es.iter().filter(|e| e.book == Book::Assessment) {
            let g = groups.entry((e.period, e.revenue_type)).or_insert((e.base_total.0, 0, 0));
            g.1 += e.credited.0;
            g.2 += e.amount.0;
            let line_sum: i64 = e.lines.iter().filter(|l| l.rule != "park_return").map(|l| l.amount.0).sum();
            prop_assert_eq!(line_sum, e.credited.0, "lines explain the credited figure");
            prop_assert_eq!(e.lines.iter().map(|l| l.amount.0).sum::<i64>(), e.amount.0);
        }
        for ((period, ty), (total, cred, amt)) in &groups {
            prop_assert_eq!(total, cred, "{} {}", period, ty);
            prop_assert_eq!(total, amt, "{} {}", period, ty);
        }
        // The official book holds each period's whole total with the host.
        for e in es.iter().filter(|e| e.book == Book::Official) {
            prop_assert_eq!(e.party.as_str(), "d");
            prop_assert_eq!(e.amount, e.base_total);
        }
        for year in 1..=2 {
            let h = year_totals(&es, "h", RevenueType::VatLocalShare, year);
            let d = year_totals(&es, "d", RevenueType::VatLocalShare, year);
            // Cap: h never exceeds 20,000 yuan in a year, at any month.
            prop_assert!(h <= 2_000_000, "cap broken: {}", h);
            for e in es.iter().filter(|e| e.party == "h" && e.revenue_type == RevenueType::VatLocalShare) {
                prop_assert!(e.ytd_credited.0 <= 2_000_000);
            }
            // Floor: d has 5,000 yuan, unless h's year share was used up (or negative).
            prop_assert!(d >= 500_000 || h <= 0, "floor broken: d {} h {}", d, h);
        }
    }

    #[test]
    fn row_order_does_not_change_results(recs in prop::collection::vec(record(), 0..80), seed in any::<u64>()) {
        let a = agreement();
        let first = settle(std::slice::from_ref(&a), &recs, p("2024-01"), p("2025-12")).unwrap();
        let mut shuffled = recs.clone();
        // Fisher-Yates with a splitmix-style sequence from the seed.
        let mut s = seed;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let j = ((s ^ (s >> 31)) % (i as u64 + 1)) as usize;
            shuffled.swap(i, j);
        }
        let second = settle(std::slice::from_ref(&a), &shuffled, p("2024-01"), p("2025-12")).unwrap();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn settling_twice_adds_nothing(recs in prop::collection::vec(record(), 1..60)) {
        let a = agreement();
        let es = settle(std::slice::from_ref(&a), &recs, p("2024-01"), p("2025-12")).unwrap();
        let first = reconcile(&[], es.clone(), false).unwrap();
        prop_assert_eq!(first.append.len(), es.len());
        let ledger: Vec<(u64, Entry)> = first.append.into_iter().enumerate().map(|(i, e)| (i as u64 + 1, e)).collect();
        let again = settle(std::slice::from_ref(&a), &recs, p("2024-01"), p("2025-12")).unwrap();
        let second = reconcile(&ledger, again, false).unwrap();
        prop_assert!(second.append.is_empty());
        prop_assert_eq!(second.unchanged, es.len());
    }
}

#[test]
fn a_differing_resettlement_is_refused_unless_recorded_as_a_correction() {
    let a = agreement();
    let mk = |amount: i64| RevenueRecord {
        enterprise_id: "E1".into(),
        park_id: "P1".into(),
        industry: "C36".into(),
        recommended_by: None,
        period: p("2024-02"),
        revenue_type: RevenueType::CitLocalShare,
        amount: Fen(amount),
    };
    let es = settle(
        std::slice::from_ref(&a),
        &[mk(10_000)],
        p("2024-02"),
        p("2024-02"),
    )
    .unwrap();
    let ledger: Vec<(u64, Entry)> = es
        .into_iter()
        .enumerate()
        .map(|(i, e)| (i as u64 + 1, e))
        .collect();
    let changed = settle(
        std::slice::from_ref(&a),
        &[mk(20_000)],
        p("2024-02"),
        p("2024-02"),
    )
    .unwrap();
    let err = reconcile(&ledger, changed.clone(), false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already holds entry #"), "{err}");
    assert!(err.contains("correction"), "{err}");
    let r = reconcile(&ledger, changed.clone(), true).unwrap();
    assert_eq!(r.corrections, r.append.len());
    assert!(r.append.iter().all(|e| e.corrects.is_some()));
    // 200 yuan 3333:3333:3334 -> 6666 / 6666 / 6668 fen.
    let h = r
        .append
        .iter()
        .find(|e| e.party == "h" && e.book == Book::Assessment)
        .unwrap();
    assert_eq!(h.credited, Fen(6666));
    // Once the correction is in the ledger, the same re-settlement is again a no-op.
    let mut ledger2 = ledger.clone();
    let n = ledger2.len() as u64;
    ledger2.extend(
        r.append
            .into_iter()
            .enumerate()
            .map(|(i, e)| (n + i as u64 + 1, e)),
    );
    let r2 = reconcile(&ledger2, changed, false).unwrap();
    assert!(r2.append.is_empty());
}

#[test]
fn cap_moves_the_excess_month_by_month() {
    let a = agreement();
    // VAT year 1: h gets 30% of 40,000 = 12,000 a month. Cap 20,000: January 12,000,
    // February 8,000 (4,000 excess to p), March 0 (12,000 excess to p).
    let recs: Vec<RevenueRecord> = (1..=3)
        .map(|m| RevenueRecord {
            enterprise_id: "E1".into(),
            park_id: "P1".into(),
            industry: "C36".into(),
            recommended_by: None,
            period: Period::new(2024, m).unwrap(),
            revenue_type: RevenueType::VatLocalShare,
            amount: Fen(4_000_000),
        })
        .collect();
    let es = settle(std::slice::from_ref(&a), &recs, p("2024-01"), p("2024-03")).unwrap();
    let h: Vec<i64> = es
        .iter()
        .filter(|e| e.party == "h" && e.book == Book::Assessment)
        .map(|e| e.credited.0)
        .collect();
    assert_eq!(h, vec![1_200_000, 800_000, 0]);
    // p: 20% of 40,000 = 8,000 plus the excess: 8,000 / 12,000 / 20,000 credited.
    let pc: Vec<i64> = es
        .iter()
        .filter(|e| e.party == "p" && e.book == Book::Assessment)
        .map(|e| e.credited.0)
        .collect();
    assert_eq!(pc, vec![800_000, 1_200_000, 2_000_000]);
    // Kept amounts: h keeps 80% of 12,000 = 9,600 in January.
    let h1 = es
        .iter()
        .find(|e| e.party == "h" && e.book == Book::Assessment)
        .unwrap();
    assert_eq!(h1.amount, Fen(960_000));
}

#[test]
fn check_names_the_field_and_rule() {
    let bad = AGREEMENT.replace(
        "{ h = 1000, d = 8000, p = 1000 }",
        "{ h = 1000, d = 7000, p = 1000 }",
    );
    let err = Agreement::from_toml(&bad, "t")
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "revenue.vat_local_share.schedule[1].shares: shares sum to 9000 bp, must be 10000"
        ),
        "{err}"
    );
    let bad = AGREEMENT.replace("from = \"h\"", "from = \"nobody\"");
    let err = Agreement::from_toml(&bad, "t")
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("revenue.vat_local_share.floors[0].from: unknown party `nobody`"),
        "{err}"
    );
    let bad = AGREEMENT.replace(
        "to_year = 2, shares = { h = 3333",
        "to_year = 1, shares = { h = 3333",
    );
    let err = Agreement::from_toml(&bad, "t")
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("revenue.cit_local_share.schedule[0].to_year"),
        "{err}"
    );
    let bad = AGREEMENT.replace("park_return_to = \"p\"", "park_return_to = \"d\"");
    let err = Agreement::from_toml(&bad, "t")
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("park_return_to: party `d` does not have role park"),
        "{err}"
    );
    let err = Agreement::from_toml("id = 3", "x.toml")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("agreement x.toml:"), "{err}");
}

#[test]
fn quotas_are_split_as_quantities_in_their_own_unit() {
    let text = r#"
id = "quota"
version = 1
valid_from = "2024-01"
host = "d"
parties = [{ id = "h", role = "helper" }, { id = "d", role = "helped" }, { id = "p", role = "park" }]
[revenue.energy_quota]
schedule = [{ from_year = 1, shares = { h = 2500, d = 7500 } }]
[revenue.land_quota]
schedule = [{ from_year = 1, shares = { h = 5000, d = 5000 } }]
"#;
    let a = Agreement::from_toml(text, "t").unwrap();
    a.check().unwrap();
    let rec = |ty, amount| RevenueRecord {
        enterprise_id: "E1".into(),
        park_id: "any".into(),
        industry: "C1".into(),
        recommended_by: None,
        period: p("2024-04"),
        revenue_type: ty,
        amount,
    };
    // 1,000.01 tce 25:75 -> quotas 250.0025 / 750.0075 hundredths-exact: 25000.25 and
    // 75000.75 hundredths -> floors 25000 + 75000, the spare hundredth to the larger
    // remainder (d): 250.00 / 750.01 tce. 0.03 mu 1:1 -> 1.5 / 1.5 hundredths: tie to h.
    let recs = [
        rec(RevenueType::EnergyQuota, Fen(100_001)),
        rec(RevenueType::LandQuota, Fen(3)),
    ];
    let es = settle(std::slice::from_ref(&a), &recs, p("2024-04"), p("2024-04")).unwrap();
    let get = |party: &str, ty| {
        es.iter()
            .find(|e| e.party == party && e.revenue_type == ty && e.book == Book::Assessment)
            .unwrap()
    };
    assert_eq!(get("h", RevenueType::EnergyQuota).amount, Fen(25_000));
    assert_eq!(get("d", RevenueType::EnergyQuota).amount, Fen(75_001));
    assert_eq!(get("d", RevenueType::EnergyQuota).unit, "tce");
    assert_eq!(get("h", RevenueType::LandQuota).amount, Fen(2));
    assert_eq!(get("d", RevenueType::LandQuota).unit, "mu");
    // A quota is not cash: nothing can be returned to the park.
    let bad = text.replace(
        "shares = { h = 5000, d = 5000 } }]",
        "shares = { h = 5000, d = 5000 } }]\npark_return_bp = 100\npark_return_to = \"p\"",
    );
    let err = Agreement::from_toml(&bad, "t")
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(err.contains("revenue.land_quota.park_return_bp"), "{err}");
}

#[test]
fn agreements_round_trip_through_json() {
    let a = agreement();
    let json = serde_json::to_string(&a).unwrap();
    let b = Agreement::from_json(&json, "t.json").unwrap();
    assert_eq!(a, b);
    assert!(json.contains("\"per_year\":\"5000.00\""), "{json}");
}
