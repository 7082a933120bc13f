//! The advisor's rules on constructed cases: each problem rule fires exactly when its
//! condition holds and says "not enough data" when its inputs are missing; the
//! similar/complementary rule; the natural-pair ranking; the opportunity components.

use tandem_core::advisor::foundation::{classify_overlap, industry_relation};
use tandem_core::advisor::market::{linkage_rank, ranks_highly};
use tandem_core::advisor::opportunities::{combine, distance_decay, PanelScorer};
use tandem_core::advisor::problems::{facilities_lag, government_driven, no_benefit_sharing};
use tandem_core::advisor::*;
use tandem_core::*;

fn ev(date: &str, kind: EventKind, title: &str, summary: &str) -> CooperationEvent {
    CooperationEvent {
        pair: Some("p".into()),
        date: PartialDate::parse(date),
        kind,
        title: title.into(),
        amount_yuan: None,
        industries: vec![],
        summary: summary.into(),
        source: format!("src:{title}"),
    }
}

fn refs(v: &[CooperationEvent]) -> Vec<&CooperationEvent> {
    v.iter().collect()
}

#[test]
fn government_driven_fires_exactly_on_its_condition() {
    let p = ProblemParams::default();
    let gov = vec![
        ev("2022-01", EventKind::Policy, "plan", ""),
        ev("2022-03", EventKind::Agreement, "agreement", ""),
        ev("2022-06", EventKind::Park, "park", ""),
    ];
    let f = government_driven(&refs(&gov), &p);
    assert_eq!(f.verdict, Verdict::Detected);
    // n = 3, f = 0.5; share 1.0 vs threshold 0.6: margin 0.5 + 0.5 * 0.4 / 0.6
    assert!((f.confidence - 0.5 * (0.5 + 0.5 * 0.4 / 0.6)).abs() < 1e-12);

    let mut with_firms = gov.clone();
    with_firms.push(ev(
        "2022-07",
        EventKind::EnterpriseTransfer,
        "firms move",
        "",
    ));
    let f = government_driven(&refs(&with_firms), &p);
    assert_eq!(
        f.verdict,
        Verdict::NotDetected,
        "an enterprise transfer overrules a high share"
    );
    assert!(f
        .evidence
        .iter()
        .any(|e| e.event.as_ref().is_some_and(|r| r.title == "firms move")));

    let balanced = vec![
        ev("2022-01", EventKind::Policy, "plan", ""),
        ev("2022-02", EventKind::Project, "p1", ""),
        ev("2022-03", EventKind::Park, "park", ""),
        ev("2022-04", EventKind::Project, "p2", ""),
    ];
    assert_eq!(
        government_driven(&refs(&balanced), &p).verdict,
        Verdict::NotDetected
    );

    let few = &gov[..2];
    let f = government_driven(&few.iter().collect::<Vec<_>>(), &p);
    assert_eq!(f.verdict, Verdict::InsufficientData);
    assert_eq!(f.confidence, 0.0);

    let only_other = vec![
        ev("2022-01", EventKind::Other, "a", ""),
        ev("2022-02", EventKind::Other, "b", ""),
        ev("2022-03", EventKind::Other, "c", ""),
    ];
    assert_eq!(
        government_driven(&refs(&only_other), &p).verdict,
        Verdict::InsufficientData
    );
}

#[test]
fn benefit_sharing_rule() {
    let p = ProblemParams::default();
    let silent = vec![
        ev("2022-01", EventKind::Agreement, "A and B sign", ""),
        ev("2022-03", EventKind::Park, "A park", "A delegation"),
        ev("2022-06", EventKind::Other, "A visit", ""),
    ];
    let f = no_benefit_sharing(&refs(&silent), &["A"], &["B"], &p);
    assert_eq!(f.verdict, Verdict::Detected);
    // 3 events name A, 1 names B: ratio 3 > 2, asymmetric: confidence 0.5 * 0.75
    assert!((f.confidence - 0.375).abs() < 1e-12);

    let mut shared = silent.clone();
    shared.push(ev("2022-08", EventKind::Park, "park", "税收按4:6利益共享"));
    let f = no_benefit_sharing(&refs(&shared), &["A"], &["B"], &p);
    assert_eq!(f.verdict, Verdict::NotDetected);
    assert!(f
        .evidence
        .iter()
        .any(|e| e.event.as_ref().is_some_and(|r| r.title == "park")));

    let f = no_benefit_sharing(&refs(&silent[..1]), &["A"], &["B"], &p);
    assert_eq!(f.verdict, Verdict::InsufficientData);
}

#[test]
fn facilities_lag_rule() {
    let p = ProblemParams::default();
    let horizon = PartialDate::parse("2024-06");
    let base = vec![
        ev("2021-12", EventKind::Agreement, "sign", ""),
        ev("2022-01", EventKind::Park, "park opens", ""),
        ev("2022-02", EventKind::Other, "visit", ""),
    ];
    let f = facilities_lag(&refs(&base), horizon, &p);
    assert_eq!(f.verdict, Verdict::Detected, "{:?}", f.explanation);

    let mut followed = base.clone();
    followed.push(ev("2022-09", EventKind::Project, "first plant", ""));
    let f = facilities_lag(&refs(&followed), horizon, &p);
    assert_eq!(f.verdict, Verdict::NotDetected);

    // A project 13 months later is outside the 12-month window.
    let mut late = base.clone();
    late.push(ev("2023-02", EventKind::Project, "late plant", ""));
    assert_eq!(
        facilities_lag(&refs(&late), horizon, &p).verdict,
        Verdict::Detected
    );

    // A park too recent to judge and no lag mention: not enough data.
    let recent = vec![
        ev("2024-01", EventKind::Agreement, "sign", ""),
        ev("2024-02", EventKind::Park, "new park", ""),
        ev("2024-03", EventKind::Other, "visit", ""),
    ];
    assert_eq!(
        facilities_lag(&refs(&recent), horizon, &p).verdict,
        Verdict::InsufficientData
    );
    // ... unless an event reports lagging services.
    let mut lag = recent.clone();
    lag.push(ev("2024-04", EventKind::Other, "review", "园区配套滞后"));
    assert_eq!(
        facilities_lag(&refs(&lag), horizon, &p).verdict,
        Verdict::Detected
    );
    // No park at all: not enough data.
    let no_park = vec![
        ev("2022-01", EventKind::Policy, "a", ""),
        ev("2022-02", EventKind::Agreement, "b", ""),
        ev("2022-03", EventKind::Other, "c", ""),
    ];
    assert_eq!(
        facilities_lag(&refs(&no_park), horizon, &p).verdict,
        Verdict::InsufficientData
    );
}

fn sector(code: &str) -> Sector {
    Sector {
        classification: Classification::Io42,
        code: code.into(),
        name_en: format!("S{code}"),
        name_zh: format!("部门{code}"),
    }
}

fn table(n: usize, z: Vec<f64>, x: Vec<f64>) -> IoTable {
    IoTable {
        year: 2020,
        classification: Classification::Io42,
        kind: IoTableKind::NonCompetitive,
        sectors: (1..=n).map(|k| sector(&format!("{k:02}"))).collect(),
        intermediate: z,
        intermediate_imports: None,
        final_use: vec![],
        final_use_imports: None,
        imports: None,
        gross_output: x,
        value_added: vec![],
        source: "test".into(),
    }
}

fn lead(loc: &str, code: &str, role: IndustryRole) -> LeadingIndustry {
    LeadingIndustry {
        locality: loc.into(),
        industry_zh: format!("产业{code}"),
        industry_en: format!("industry {code}"),
        io42_code: Some(code.into()),
        role,
        pair: None,
        year_of_document: None,
        source: "s".into(),
    }
}

#[test]
fn similar_and_complementary_rule() {
    let params = RelationParams::default();
    assert_eq!(classify_overlap(Some(0.4), &params), RelationKind::Similar);
    assert_eq!(
        classify_overlap(Some(0.2), &params),
        RelationKind::Complementary
    );
    assert_eq!(classify_overlap(Some(0.3), &params), RelationKind::Mixed);
    assert_eq!(
        classify_overlap(None, &params),
        RelationKind::InsufficientData
    );

    let t = table(4, vec![0.0; 16], vec![1.0; 4]);
    let rows = vec![
        lead("h", "01", IndustryRole::Leading),
        lead("h", "02", IndustryRole::Pillar),
        lead("h", "03", IndustryRole::Emerging),
        lead("d", "03", IndustryRole::Leading),
        lead("d", "04", IndustryRole::Leading),
    ];
    let r = industry_relation(&t, &rows, "p", "h", "d", &params);
    assert_eq!(r.jaccard, Some(0.25)); // {03} / {01, 02, 03, 04}
    assert_eq!(r.relation, RelationKind::Mixed);
    assert_eq!(
        r.shared.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(),
        ["03"]
    );
    assert_eq!(r.helper_only.len(), 2);
    assert_eq!(r.helped_only[0].code, "04");
    // One sector on the helped side: not enough data.
    let r = industry_relation(&t, &rows[..4], "p", "h", "d", &params);
    assert_eq!(r.relation, RelationKind::InsufficientData);
    assert_eq!(r.jaccard, None);
}

fn place(id: &str, lat: f64, lon: f64) -> Locality {
    Locality {
        id: id.into(),
        adcode: None,
        name_zh: id.into(),
        name_en: id.into(),
        province: Province::Anhui,
        level: LocalityLevel::Prefecture,
        lat: Some(lat),
        lon: Some(lon),
        area_km2: None,
    }
}

fn obs(loc: &str, indicator: &str, value: f64) -> Observation {
    Observation {
        locality: loc.into(),
        year: 2021,
        indicator: indicator.into(),
        value,
        unit: if indicator == "gdp" {
            Unit::HundredMillionYuan
        } else {
            Unit::TenThousandPersons
        },
        source: Source::new("t", SourceQuality::Unrated, "t"),
    }
}

#[test]
fn natural_pair_ranking() {
    // Subject s; partners at growing distance with equal mass, so the nearest ranks first.
    let mut locs = vec![place("s", 30.0, 120.0)];
    let mut data = vec![
        obs("s", "gdp", 100.0),
        obs("s", "population_resident", 100.0),
    ];
    for k in 1..=8 {
        let id = format!("c{k}");
        locs.push(place(&id, 30.0 + 0.1 * k as f64, 120.0));
        data.push(obs(&id, "gdp", 100.0));
        data.push(obs(&id, "population_resident", 100.0));
    }
    // c9 has no population: a candidate, but not rankable.
    locs.push(place("c9", 30.5, 120.0));
    data.push(obs("c9", "gdp", 100.0));
    let r = linkage_rank(&data, &locs, &locs[0], "c2", 2021, 2.0);
    assert_eq!((r.rank, r.ranked, r.candidates), (Some(2), 8, 9));
    assert_eq!(r.top[0].id, "c1");
    // top quarter of 8 = 2: rank 2 is high, rank 3 is not.
    assert_eq!(ranks_highly(&r, 0.25, 5), Some(true));
    let r3 = linkage_rank(&data, &locs, &locs[0], "c3", 2021, 2.0);
    assert_eq!(ranks_highly(&r3, 0.25, 5), Some(false));
    assert_eq!(
        ranks_highly(&r3, 0.25, 9),
        None,
        "fewer ranked than the minimum"
    );
    let r9 = linkage_rank(&data, &locs, &locs[0], "c9", 2021, 2.0);
    assert_eq!(r9.rank, None);
    assert_eq!(ranks_highly(&r9, 0.25, 5), None);
}

#[test]
fn opportunity_components_hand_checked() {
    let w = ScoreWeights::default();
    assert!((distance_decay(300.0, 300.0) - 0.5).abs() < 1e-12);
    assert_eq!(distance_decay(0.0, 300.0), 1.0);
    // Two regions, two industries (the LQ doc example): LQ_00 = 1.875, LQ_10 = 5/12.
    let s = PanelScorer::new(&[3.0, 1.0, 1.0, 5.0], 2, 2, None, 0.05).unwrap();
    assert!((s.lq(0, 0) - 1.875).abs() < 1e-12);
    // Each region specialises in a different industry: proximity is the identity, so the
    // helped region has no related capability in industry 0 and full density in industry 1.
    assert_eq!(s.density(1, 0), 0.0);
    assert_eq!(s.density(1, 1), 1.0);
    let mut out = Vec::new();
    s.score_pair(0, 1, Some(0.5), &w, &mut out);
    let (a, b) = (1.875, 5.0 / 12.0);
    let t = a / (1.0 + a) * (a / (a + b));
    assert!((out[0].transfer.unwrap() - t).abs() < 1e-12);
    assert_eq!(out[0].capacity, Some(0.0));
    assert_eq!(out[0].link, None, "no IO table: linkage not available");
    let expected = (0.35 * t + 0.30 * 0.0 + 0.15 * 0.5) / (0.35 + 0.30 + 0.15);
    assert!((out[0].score - expected).abs() < 1e-12);
    assert!((combine(&w, [Some(t), Some(0.0), None, Some(0.5)]) - expected).abs() < 1e-12);

    // With an IO table: a_01 = 0.1 links industry 0 to region 1's set {1}.
    let a = [0.0, 0.1, 0.0, 0.0];
    let s = PanelScorer::new(&[3.0, 1.0, 1.0, 5.0], 2, 2, Some(&a), 0.05).unwrap();
    s.score_pair(0, 1, None, &w, &mut out);
    // industry 0: helper set {0} has no other sector (None), helped set {1}: min(1, 0.1/0.05) = 1
    assert_eq!(out[0].link, Some(1.0));
}

#[test]
fn weights_validate_and_default_round_trip() {
    let w = Weights::default();
    assert!(w.validate().is_ok());
    let mut bad = w.clone();
    bad.score.io_linkage = -1.0;
    assert_eq!(bad.validate().unwrap_err().field, "score.io_linkage");
    let mut bad = w.clone();
    bad.industry_relation.complementary_max_jaccard = 0.5;
    assert!(bad.validate().is_err());
}
