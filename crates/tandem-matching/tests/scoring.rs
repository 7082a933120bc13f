//! Component scoring against hand-computed values and hard constraints.

mod common;

use common::{tiny_context, tiny_demand, tiny_park};
use tandem_matching::geo::haversine_km;
use tandem_matching::{
    Component, Date, Infeasible, MatchError, Problem, RegionMode, Resource, Visibility, Weights,
};

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn context_proximity_and_density_match_the_hand_computation() {
    let ctx = tiny_context();
    let (s1, s2, s3) = (0, 1, 2);
    assert!(close(ctx.proximity(s1, s2), 0.5));
    assert!(close(ctx.proximity(s1, s3), 0.0));
    assert!(close(ctx.proximity(s2, s3), 0.5));
    assert!(close(ctx.link_norm(), 0.4));
    let c = ctx.place("c").unwrap();
    // ω_c,03 = (0·0 + 1·0.5 + 0·1) / (0 + 0.5 + 1)
    assert!(close(ctx.density(c, s3), 1.0 / 3.0));
    assert_eq!(ctx.helper_of(c), ctx.place("h"));
    assert_eq!(ctx.resolve_industry("io42:02").unwrap(), "02");
    assert_eq!(ctx.resolve_industry("gbt4754:77").unwrap(), "03");
    assert_eq!(ctx.resolve_industry("Z77").unwrap(), "03");
    assert!(ctx
        .resolve_industry("C77")
        .unwrap_err()
        .contains("section Z"));
    assert!(ctx
        .resolve_industry("02")
        .unwrap_err()
        .contains("ambiguous"));
    assert!(ctx.resolve_industry("io42:09").is_err());
}

#[test]
fn every_component_equals_its_hand_computed_value() {
    let ctx = tiny_context();
    let demands = [tiny_demand()];
    let parks = [tiny_park()];
    let w = Weights::shipped();
    let pb = Problem::new(&ctx, w, &demands, &parks).unwrap();
    let ex = pb.explain(0, 0, Some(Date::new(2026, 7, 1).unwrap()));
    assert!(ex.stale, "freshness 2026-06-30 is past on 2026-07-01");
    let v: Vec<f64> = ex.components.iter().map(|c| c.value).collect();
    // Industry: focus φ(03, 02) = .5; relatedness 1/3; linkage (a_23 + a_32) / .4 = 1.
    let industry = 0.4 * 0.5 + 0.3 / 3.0 + 0.3 * 1.0;
    // Capacity: land min(1, 4/3), building 1000/1500, labour min(1, 100/15).
    let capacity = (1.0 + 2.0 / 3.0 + 1.0) / 3.0;
    // Cost: 2 ha · 10,000 m²/ha · 200 yuan/m² = 4m of a 10m budget.
    let cost = 0.6;
    let d = haversine_km(31.0, 121.0, 32.0, 117.0).unwrap();
    let distance = (-d / 300.0).exp();
    let expected = [industry, capacity, cost, distance, 0.6, 1.0, 1.0];
    for (k, (got, want)) in v.iter().zip(expected).enumerate() {
        assert!(close(*got, want), "component {k}: {got} vs {want}");
    }
    let total = 0.30 * industry
        + 0.20 * capacity
        + 0.15 * cost
        + 0.10 * distance
        + 0.10 * 0.6
        + 0.10 * 1.0
        + 0.05 * 1.0;
    assert!(close(ex.total.unwrap(), total));
    let contributions: f64 = ex.components.iter().map(|c| c.contribution).sum();
    assert!(close(contributions, total));
    let pair = ex
        .components
        .iter()
        .find(|c| c.component == Component::Pair)
        .unwrap();
    assert_eq!(pair.reason, "h is the helper of c in the programme");
    let ind = &ex.components[0];
    assert!(
        ind.reason.contains("IO linkage 1.00 (with 02)"),
        "{}",
        ind.reason
    );
    // ~390 km between h and c.
    assert!((380.0..400.0).contains(&d), "{d}");
}

#[test]
fn suppliers_and_missing_budget_and_preferences_follow_the_formulas() {
    let ctx = tiny_context();
    let mut d = tiny_demand();
    d.suppliers = vec!["x".into(), "c".into()];
    d.budget_yuan = None;
    d.preferred_regions.clear();
    d.origin = "x".into();
    let demands = [d];
    let parks = [tiny_park()];
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    let ex = pb.explain(0, 0, None);
    let v: Vec<f64> = ex.components.iter().map(|c| c.value).collect();
    let f = |km: f64| (-km / 300.0).exp();
    let dxc = haversine_km(33.0, 116.0, 32.0, 117.0).unwrap();
    let want_distance = 0.7 * f(dxc) + 0.3 * (f(dxc) + f(0.0)) / 2.0;
    assert!(close(v[3], want_distance));
    assert!(close(v[2], 0.5), "no budget");
    assert!(close(v[5], 0.0), "x is not c's helper");
    assert!(close(v[6], 0.5), "no preference");
    assert!(!ex.stale);
}

#[test]
fn hard_constraints_make_pairs_infeasible_with_the_reason() {
    let ctx = tiny_context();
    let w = Weights::shipped();
    let check = |d: tandem_matching::Demand, p: tandem_matching::ParkOffer| {
        let demands = [d];
        let parks = [p];
        let pb = Problem::new(&ctx, w, &demands, &parks).unwrap();
        assert_eq!(pb.score(0, 0), None);
        let ex = pb.explain(0, 0, None);
        assert!(ex.components.is_empty());
        ex.infeasible.unwrap()
    };
    let mut p = tiny_park();
    p.exclusions = vec!["03".into()];
    let (why, text) = check(tiny_demand(), p);
    assert_eq!(why, Infeasible::ExcludedIndustry);
    assert_eq!(text, "park P excludes industry 03 (IO-42)");

    let mut p = tiny_park();
    p.building_m2 = 999.0;
    let (why, text) = check(tiny_demand(), p);
    assert_eq!(
        why,
        Infeasible::Capacity {
            resource: Resource::Building,
            need: 1000.0,
            available: 999.0
        }
    );
    assert_eq!(text, "building: needs 1000 m², park P has 999 m²");

    let mut d = tiny_demand();
    d.preferred_regions = vec!["x".into()];
    d.region_mode = RegionMode::Only;
    let (why, _) = check(d.clone(), tiny_park());
    assert_eq!(why, Infeasible::RegionNotAllowed);
    d.region_mode = RegionMode::Prefer;
    let demands = [d];
    let parks = [tiny_park()];
    let pb = Problem::new(&ctx, w, &demands, &parks).unwrap();
    assert!(pb.score(0, 0).is_some(), "prefer is not a constraint");

    let mut d = tiny_demand();
    d.visibility = Visibility::Restricted(vec!["officer-1".into()]);
    assert_eq!(check(d, tiny_park()).0, Infeasible::NotVisible);
    let mut d = tiny_demand();
    d.visibility = Visibility::Restricted(vec!["P".into()]);
    let demands = [d];
    let parks = [tiny_park()];
    assert!(Problem::new(&ctx, w, &demands, &parks)
        .unwrap()
        .score(0, 0)
        .is_some());

    let mut p = tiny_park();
    p.capacity = 0;
    assert_eq!(check(tiny_demand(), p).0, Infeasible::ParkFull);

    // Exactly the need is feasible.
    let mut p = tiny_park();
    p.land_ha = 2.0;
    let demands = [tiny_demand()];
    let parks = [p];
    assert!(Problem::new(&ctx, w, &demands, &parks)
        .unwrap()
        .score(0, 0)
        .is_some());
}

#[test]
fn invalid_records_are_refused_with_the_field() {
    let ctx = tiny_context();
    let w = Weights::shipped();
    let mut d = tiny_demand();
    d.origin = "nowhere".into();
    let e = Problem::new(&ctx, w, std::slice::from_ref(&d), &[tiny_park()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "demand D: origin nowhere is not a known locality with coordinates"
    );
    let mut d = tiny_demand();
    d.land_ha = f64::NAN;
    let e = Problem::new(&ctx, w, std::slice::from_ref(&d), &[tiny_park()]).unwrap_err();
    assert!(
        matches!(
            e,
            MatchError::Invalid {
                field: "land_ha",
                ..
            }
        ),
        "{e}"
    );
    let mut p = tiny_park();
    p.focus_industries = vec!["99".into()];
    let e = Problem::new(&ctx, w, &[tiny_demand()], std::slice::from_ref(&p)).unwrap_err();
    assert!(
        matches!(
            e,
            MatchError::UnknownIndustry {
                field: "focus_industries",
                ..
            }
        ),
        "{e}"
    );
    let e = Problem::new(&ctx, w, &[tiny_demand(), tiny_demand()], &[tiny_park()]).unwrap_err();
    assert!(matches!(e, MatchError::DuplicateId { side: "demand", .. }));
    let mut d = tiny_demand();
    d.region_mode = RegionMode::Only;
    d.preferred_regions.clear();
    assert!(Problem::new(&ctx, w, std::slice::from_ref(&d), &[tiny_park()]).is_err());
}

#[test]
fn park_view_follows_its_formula() {
    let ctx = tiny_context();
    let demands = [tiny_demand()];
    let parks = [tiny_park()];
    let pb = Problem::new(&ctx, Weights::shipped(), &demands, &parks).unwrap();
    let industry = 0.4 * 0.5 + 0.3 / 3.0 + 0.3 * 1.0;
    // Uptake: land 2/4, building 1000/1000.
    let uptake = (0.5 + 1.0) / 2.0;
    let want = 0.5 * industry + 0.3 * uptake + 0.2 * 1.0;
    assert!(close(pb.park_view(0, 0), want));
}
