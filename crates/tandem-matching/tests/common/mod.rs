//! Shared fixtures: a three-sector synthetic context with hand-computable values, and a
//! seeded generator of random demands and parks on the bundled context.

#![allow(dead_code)]

use tandem_core::{
    Classification, Concordance, IndustryRole, IoTable, IoTableKind, LeadingIndustry, Locality,
    LocalityLevel, NamedVector, Pair, Programme, Province, Sector,
};
use tandem_matching::{Date, Demand, MatchContext, ParkOffer, RegionMode, Visibility};

/// splitmix64 (Steele, Lea & Flood 2014).
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

fn locality(id: &str, lat: f64, lon: f64) -> Locality {
    Locality {
        id: id.into(),
        adcode: None,
        name_zh: id.into(),
        name_en: id.into(),
        province: Province::Other("Test".into()),
        level: LocalityLevel::Prefecture,
        lat: Some(lat),
        lon: Some(lon),
        area_km2: None,
    }
}

fn leading(loc: &str, code: &str) -> LeadingIndustry {
    LeadingIndustry {
        locality: loc.into(),
        industry_zh: String::new(),
        industry_en: String::new(),
        io42_code: Some(code.into()),
        role: IndustryRole::Leading,
        pair: None,
        year_of_document: None,
        source: "test".into(),
    }
}

/// Three places: helper `h` (31N 121E) pairs with helped `c` (32N 117E); `x` (33N 116E) is
/// unpaired. Sectors 01, 02, 03 with
/// Z = [[10, 20, 0], [5, 0, 30], [0, 10, 0]] and x = 100 each, so
/// A = [[.1, .2, 0], [.05, 0, .3], [0, .1, 0]] and the linkage normaliser is .4.
/// Profiles: h = {01}, c = {01, 02}, x = {02, 03}, so proximity
/// φ = [[1, .5, 0], [.5, 1, .5], [0, .5, 1]].
/// Division 77 maps to sector 03 (section Z, made up for the test).
pub fn tiny_context() -> MatchContext {
    let sector = |c: &str| Sector {
        classification: Classification::Io42,
        code: c.into(),
        name_en: c.into(),
        name_zh: c.into(),
    };
    let io = IoTable {
        year: 2020,
        classification: Classification::Io42,
        kind: IoTableKind::Competitive,
        sectors: vec![sector("01"), sector("02"), sector("03")],
        intermediate: vec![10.0, 20.0, 0.0, 5.0, 0.0, 30.0, 0.0, 10.0, 0.0],
        intermediate_imports: None,
        final_use: vec![NamedVector {
            code: "TFU".into(),
            values: vec![70.0, 65.0, 90.0],
        }],
        final_use_imports: None,
        imports: None,
        gross_output: vec![100.0, 100.0, 100.0],
        value_added: vec![],
        source: "test".into(),
    };
    let programme = Programme {
        id: "t".into(),
        name: "t".into(),
        start_year: 2021,
        end_year: 2030,
        pairs: vec![Pair {
            id: "pair-h-c".into(),
            helper: "h".into(),
            helped: "c".into(),
            start_year: 2021,
            end_year: 2030,
            sub_pairs: vec![],
            source: "test".into(),
        }],
        source: "test".into(),
    };
    let leading_rows = vec![
        leading("h", "01"),
        leading("c", "01"),
        leading("c", "02"),
        leading("x", "02"),
        leading("x", "03"),
    ];
    let div_io = Concordance::new(
        Classification::Gbt4754Division,
        Classification::Io42,
        [("77".to_string(), "03".to_string())],
    );
    let div_sec = Concordance::new(
        Classification::Gbt4754Division,
        Classification::Gbt4754Section,
        [("77".to_string(), "Z".to_string())],
    );
    MatchContext::new(
        &[
            locality("h", 31.0, 121.0),
            locality("c", 32.0, 117.0),
            locality("x", 33.0, 116.0),
        ],
        &programme,
        &io,
        &leading_rows,
        &div_io,
        &div_sec,
    )
    .unwrap()
}

/// The demand of the hand computation.
pub fn tiny_demand() -> Demand {
    Demand {
        id: "D".into(),
        enterprise: "E".into(),
        origin: "h".into(),
        industry_input: "io42:03".into(),
        industry: "03".into(),
        land_ha: 2.0,
        building_m2: 1000.0,
        power_kva: 0.0,
        labour: 10.0,
        budget_yuan: Some(10_000_000.0),
        preferred_regions: vec!["c".into()],
        region_mode: RegionMode::Prefer,
        deadline: None,
        visibility: Visibility::Public,
        suppliers: vec![],
    }
}

/// The park of the hand computation.
pub fn tiny_park() -> ParkOffer {
    ParkOffer {
        id: "P".into(),
        name: "Park".into(),
        locality: "c".into(),
        land_ha: 4.0,
        building_m2: 1000.0,
        power_kva: 0.0,
        labour: 100.0,
        land_price_yuan_m2: 200.0,
        incentives: 0.6,
        incentive_list: vec![],
        services: vec![],
        focus_industries: vec!["02".into()],
        exclusions: vec![],
        data_freshness: Date::new(2026, 6, 30).unwrap(),
        capacity: 1,
    }
}

/// Random demands and parks over the given places and sectors, with some constraints
/// binding (exclusions, "only" regions, restricted visibility, full parks).
pub fn random_instance(
    rng: &mut Rng,
    places: &[String],
    sectors: &[String],
    nd: usize,
    np: usize,
) -> (Vec<Demand>, Vec<ParkOffer>) {
    let pick = |rng: &mut Rng, v: &[String]| v[rng.below(v.len())].clone();
    let parks: Vec<ParkOffer> = (0..np)
        .map(|k| ParkOffer {
            id: format!("P{k}"),
            name: String::new(),
            locality: pick(rng, places),
            land_ha: (rng.f() * 40.0).round(),
            building_m2: (rng.f() * 50_000.0).round(),
            power_kva: (rng.f() * 20_000.0).round(),
            labour: (rng.f() * 2000.0).round(),
            land_price_yuan_m2: 100.0 + (rng.f() * 200.0).round(),
            incentives: (rng.f() * 10.0).round() / 10.0,
            incentive_list: vec![],
            services: vec![],
            focus_industries: (0..rng.below(3))
                .map(|_| pick(rng, sectors))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
            exclusions: if rng.f() < 0.2 {
                vec![pick(rng, sectors)]
            } else {
                vec![]
            },
            data_freshness: Date::new(2027, 1, 1).unwrap(),
            capacity: rng.below(4) as u32,
        })
        .collect();
    let demands: Vec<Demand> = (0..nd)
        .map(|k| {
            let pref: Vec<String> = if rng.f() < 0.5 {
                vec![pick(rng, places)]
            } else {
                vec![]
            };
            let only = !pref.is_empty() && rng.f() < 0.3;
            Demand {
                id: format!("D{k}"),
                enterprise: String::new(),
                origin: pick(rng, places),
                industry_input: String::new(),
                industry: pick(rng, sectors),
                land_ha: (rng.f() * 20.0).round(),
                building_m2: (rng.f() * 20_000.0).round(),
                power_kva: (rng.f() * 8000.0).round(),
                labour: (rng.f() * 800.0).round(),
                budget_yuan: if rng.f() < 0.8 {
                    Some(1e6 + (rng.f() * 1e8).round())
                } else {
                    None
                },
                preferred_regions: pref,
                region_mode: if only {
                    RegionMode::Only
                } else {
                    RegionMode::Prefer
                },
                deadline: None,
                visibility: if rng.f() < 0.1 {
                    Visibility::Restricted(vec![format!("P{}", rng.below(np.max(1)))])
                } else {
                    Visibility::Public
                },
                suppliers: (0..rng.below(3)).map(|_| pick(rng, places)).collect(),
            }
        })
        .collect();
    (demands, parks)
}
