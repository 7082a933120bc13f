//! The shipped worked-example agreements (data/ledger/agreements) settled on small inputs,
//! with the expected figures computed by hand in the comments.

use std::path::PathBuf;
use tandem_ledger::agreement::check_set;
use tandem_ledger::settle::{settle, Book, Entry};
use tandem_ledger::{Agreement, Fen, Period, RevenueRecord, RevenueType};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/ledger/agreements")
}

fn load(name: &str) -> Agreement {
    Agreement::load(&dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn p(s: &str) -> Period {
    s.parse().unwrap()
}

fn y(s: &str) -> Fen {
    Fen::parse_yuan(s).unwrap()
}

fn rec(
    ent: &str,
    park: &str,
    rec_by: Option<&str>,
    period: &str,
    ty: RevenueType,
    amount: &str,
) -> RevenueRecord {
    RevenueRecord {
        enterprise_id: ent.into(),
        park_id: park.into(),
        industry: "C3612".into(),
        recommended_by: rec_by.map(str::to_string),
        period: p(period),
        revenue_type: ty,
        amount: y(amount),
    }
}

fn find<'a>(es: &'a [Entry], period: &str, party: &str, ty: RevenueType, book: Book) -> &'a Entry {
    es.iter()
        .find(|e| {
            e.period == p(period) && e.party == party && e.revenue_type == ty && e.book == book
        })
        .unwrap_or_else(|| panic!("no entry {period} {party} {ty} {book:?} in {es:#?}"))
}

#[test]
fn all_shipped_agreements_check_and_coexist() {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# Worked example"),
            "{} lacks its header",
            path.display()
        );
        assert!(
            text.contains("practice.md section 2"),
            "{} cites no source",
            path.display()
        );
        all.push(Agreement::load(&path).unwrap());
    }
    assert_eq!(all.len(), 4);
    check_set(&all).unwrap();
}

#[test]
fn a_joint_fund_gives_songjiang_40_percent_of_recommended_firms_for_5_years() {
    let a = load("a-joint-fund-liusong.toml");
    use RevenueType::*;
    let records = vec![
        // 1,000,000.01 yuan = 100,000,001 fen; 40% quota 40,000,000.4, 60% quota 60,000,000.6:
        // floors 40,000,000 + 60,000,000, the spare fen goes to the larger remainder (luan).
        rec(
            "E1",
            "liusong-park",
            Some("songjiang"),
            "2021-03",
            VatLocalShare,
            "1000000.01",
        ),
        // Not recommended by songjiang: excluded.
        rec(
            "E2",
            "liusong-park",
            None,
            "2021-03",
            VatLocalShare,
            "500000",
        ),
        rec(
            "E3",
            "liusong-park",
            Some("luan"),
            "2021-03",
            VatLocalShare,
            "500000",
        ),
        // Another park: excluded.
        rec(
            "E4",
            "other-park",
            Some("songjiang"),
            "2021-03",
            VatLocalShare,
            "500000",
        ),
        // After the five years (2026): excluded.
        rec(
            "E1",
            "liusong-park",
            Some("songjiang"),
            "2026-01",
            VatLocalShare,
            "900000",
        ),
        // GDP attribution 2,000,000 -> 800,000 : 1,200,000, assessment only.
        rec(
            "E1",
            "liusong-park",
            Some("songjiang"),
            "2021-03",
            GdpAttribution,
            "2000000",
        ),
    ];
    let es = settle(&[a], &records, p("2021-01"), p("2026-12")).unwrap();
    let sj = find(&es, "2021-03", "songjiang", VatLocalShare, Book::Assessment);
    assert_eq!(sj.credited, y("400000.00"));
    assert_eq!(sj.amount, y("400000.00"));
    assert_eq!(sj.records, 1);
    assert_eq!(sj.base_total, y("1000000.01"));
    assert!(sj.lines[0].text.contains("4000 bp"), "{:?}", sj.lines);
    let la = find(&es, "2021-03", "luan", VatLocalShare, Book::Assessment);
    assert_eq!(la.credited, y("600000.01"));
    // Official statistics: the whole qualifying total stays with the host, 六安.
    let off = find(&es, "2021-03", "luan", VatLocalShare, Book::Official);
    assert_eq!(off.amount, y("1000000.01"));
    assert_eq!(
        find(
            &es,
            "2021-03",
            "songjiang",
            GdpAttribution,
            Book::Assessment
        )
        .credited,
        y("800000")
    );
    assert_eq!(
        find(&es, "2021-03", "luan", GdpAttribution, Book::Assessment).credited,
        y("1200000")
    );
    assert!(
        es.iter().all(|e| e.period.year < 2026),
        "nothing after the 5 years"
    );
    // Only the fund never receives anything (it is a party without a share).
    assert!(es.iter().all(|e| e.party != "liusong-fund"));
}

#[test]
fn b_hehuai_credits_5_5_and_returns_the_local_share_to_the_zone() {
    let a = load("b-hehuai-5-5-returned.toml");
    use RevenueType::*;
    let records = vec![
        // 300,000.01 yuan = 30,000,001 fen; quotas 15,000,000.5 each: tie, the spare fen goes
        // to the first party in the agreement (hefei-etdz): 150,000.01 / 150,000.00.
        rec(
            "F1",
            "hehuai-zone",
            None,
            "2023-05",
            VatLocalShare,
            "200000",
        ),
        rec(
            "F2",
            "hehuai-zone",
            None,
            "2023-05",
            VatLocalShare,
            "100000.01",
        ),
        rec(
            "F1",
            "hehuai-zone",
            None,
            "2023-05",
            GdpAttribution,
            "1000000",
        ),
    ];
    let es = settle(&[a], &records, p("2023-05"), p("2023-05")).unwrap();
    let h = find(
        &es,
        "2023-05",
        "hefei-etdz",
        VatLocalShare,
        Book::Assessment,
    );
    let s = find(&es, "2023-05", "shouxian", VatLocalShare, Book::Assessment);
    let z = find(
        &es,
        "2023-05",
        "hehuai-zone",
        VatLocalShare,
        Book::Assessment,
    );
    assert_eq!(
        (h.credited, s.credited, z.credited),
        (y("150000.01"), y("150000.00"), y("0"))
    );
    // park_return_bp = 10000: every credited fen is returned to the zone.
    assert_eq!(
        (h.amount, s.amount, z.amount),
        (y("0"), y("0"), y("300000.01"))
    );
    assert_eq!(z.records, 2);
    // Assessment indicator 5:5, nothing returned (not cash).
    assert_eq!(
        find(
            &es,
            "2023-05",
            "hefei-etdz",
            GdpAttribution,
            Book::Assessment
        )
        .amount,
        y("500000")
    );
    assert_eq!(
        find(&es, "2023-05", "shouxian", GdpAttribution, Book::Official).amount,
        y("1000000")
    );
}

#[test]
fn c_chuanzhe_tops_up_qingchuan_to_its_5_million_floor_at_year_end() {
    let a = load("c-chuanzhe-6-4-floor.toml");
    use RevenueType::*;
    let mut records = Vec::new();
    for m in 1..=12 {
        records.push(rec(
            "G1",
            "chuanzhe-park",
            None,
            &format!("2022-{m:02}"),
            VatLocalShare,
            "600000",
        ));
    }
    // 2023: a single month of 1,000,000.
    records.push(rec(
        "G1",
        "chuanzhe-park",
        None,
        "2023-03",
        VatLocalShare,
        "1000000",
    ));
    let es = settle(&[a], &records, p("2022-01"), p("2023-12")).unwrap();
    // 2022: qingchuan 60% of 600,000 = 360,000 a month, 12 x 360,000 = 4,320,000 < 5,000,000:
    // December top-up 680,000 from guangyuan-etdz (whose year share is 12 x 240,000 =
    // 2,880,000): qingchuan December 360,000 + 680,000 = 1,040,000, guangyuan 240,000 -
    // 680,000 = -440,000; year totals 5,000,000 and 2,200,000.
    let q11 = find(&es, "2022-11", "qingchuan", VatLocalShare, Book::Assessment);
    assert_eq!(
        (q11.credited, q11.ytd_credited),
        (y("360000"), y("3960000"))
    );
    let q12 = find(&es, "2022-12", "qingchuan", VatLocalShare, Book::Assessment);
    let g12 = find(
        &es,
        "2022-12",
        "guangyuan-etdz",
        VatLocalShare,
        Book::Assessment,
    );
    assert_eq!(q12.credited, y("1040000"));
    assert_eq!(q12.ytd_credited, y("5000000"));
    assert_eq!(g12.credited, y("-440000"));
    assert_eq!(g12.ytd_credited, y("2200000"));
    assert!(
        q12.lines
            .iter()
            .any(|l| l.rule == "floor" && l.amount == y("680000")),
        "{:?}",
        q12.lines
    );
    // 2023: qingchuan 600,000, guangyuan 400,000; the floor needs 4,400,000 more but the payer
    // has only 400,000 that year: top-up 400,000 in 2023-12 (a month without records).
    let q = find(&es, "2023-12", "qingchuan", VatLocalShare, Book::Assessment);
    assert_eq!(
        (q.credited, q.ytd_credited, q.records),
        (y("400000"), y("1000000"), 0)
    );
    assert!(
        q.lines.iter().any(|l| l.text.contains("exhausted")),
        "{:?}",
        q.lines
    );
    let g = find(
        &es,
        "2023-12",
        "guangyuan-etdz",
        VatLocalShare,
        Book::Assessment,
    );
    assert_eq!(g.ytd_credited, y("0"));
    // No official entry in a month without activity.
    assert!(!es
        .iter()
        .any(|e| e.period == p("2023-12") && e.book == Book::Official));
}

#[test]
fn d_shenshan_keeps_everything_in_the_zone() {
    let a = load("d-shenshan-full-retention.toml");
    use RevenueType::*;
    let records = vec![rec(
        "H1",
        "shenshan-zone",
        None,
        "2019-06",
        LandSaleNet,
        "12345678.91",
    )];
    let es = settle(&[a], &records, p("2019-06"), p("2019-06")).unwrap();
    assert_eq!(
        find(
            &es,
            "2019-06",
            "shenshan-zone",
            LandSaleNet,
            Book::Assessment
        )
        .amount,
        y("12345678.91")
    );
    assert_eq!(
        find(&es, "2019-06", "shenzhen", LandSaleNet, Book::Assessment).amount,
        y("0")
    );
    assert_eq!(
        find(&es, "2019-06", "shanwei", LandSaleNet, Book::Assessment).amount,
        y("0")
    );
    assert_eq!(
        find(&es, "2019-06", "shenshan-zone", LandSaleNet, Book::Official).amount,
        y("12345678.91")
    );
}
