//! Docking on live records, on every engine: demands and offers through the record service,
//! shortlists stored as matches, the workflow to a project, stalled matches, stale offers,
//! privacy of demands and matches, aggregates and capital shortlists.

use serde_json::{json, Map, Value};
use tandem_platform::docking::{self, Step};
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::{self, PlatformError, Record};
use tandem_platform::testkit::{self, Cast, OTHER_PAIR, PAIR};
use tandem_platform::{clock, Db, User};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn create(db: &Db, user: &User, e: &'static Entity, v: Value) -> Record {
    service::create(db, user, e, &obj(v)).unwrap_or_else(|err| panic!("{}: {err}", e.name))
}

fn days_ago(n: i64) -> String {
    let today = clock::parse_date(&clock::today()).unwrap();
    let (y, m, d) = clock::civil_from_days(today - n);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Two offers: a fresh one in the own pair's park (auto parts, io42 18 focus) and a stale one
/// in the other pair's park.
fn offers(db: &Db, c: &Cast) -> (i64, i64) {
    let fresh = create(
        db,
        &c.park_operator,
        &entity::PARK_OFFERS,
        json!({"park_id": c.park, "title": "标准厂房一期", "land_mu": 300, "building_m2": 20000,
               "power_kw": 8000, "labour": 500, "land_price_yuan_m2": 200, "incentive_rating": 0.7,
               "focus_industries": "io42:18", "capacity": 5, "fresh_until": "2099-12-31"}),
    );
    let stale = create(
        db,
        &c.admin,
        &entity::PARK_OFFERS,
        json!({"park_id": c.other_park, "title": "二期用地", "land_mu": 500, "building_m2": 10000,
               "power_kw": 10000, "labour": 800, "land_price_yuan_m2": 150, "incentive_rating": 0.5,
               "fresh_until": "2020-01-01"}),
    );
    (fresh.int("id").unwrap(), stale.int("id").unwrap())
}

fn demand(db: &Db, user: &User, c: &Cast, extra: Value) -> Record {
    let mut v = json!({"enterprise_id": c.enterprise, "title": "汽车零部件扩产", "kind": "expansion",
        "industry": "io42:18", "land_mu": 60, "building_m2": 5000, "power_kw": 2000,
        "labour": 120, "budget_yuan": "12000000", "confidentiality": "open"});
    for (k, x) in extra.as_object().unwrap() {
        v[k] = x.clone();
    }
    create(db, user, &entity::DEMANDS, v)
}

#[test]
fn demand_to_project_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        let (fresh, _stale) = offers(db, &c);
        // The offer's pair is derived from its park.
        let offer = service::get(db, &c.admin, &entity::PARK_OFFERS, &fresh.to_string()).unwrap();
        assert_eq!(offer.text("pair_id"), Some(PAIR), "{}", t.name);
        // Filed with the pair whose bureau is to act on it (issue #12: reading an open demand
        // is not the right to run its workflow).
        let d = demand(db, &c.enterprise_user, &c, json!({"pair_id": PAIR}));
        assert_eq!(d.text("status"), Some("open"));
        let id = d.int("id").unwrap();
        assert!(matches!(
            docking::refresh_matches(db, &c.other_officer, id),
            Err(PlatformError::Forbidden(_))
        ));

        // The enterprise may see but not run matching; the pair's officer may.
        assert!(matches!(
            docking::refresh_matches(db, &c.enterprise_user, id),
            Err(PlatformError::Forbidden(_))
        ));
        let ms = docking::refresh_matches(db, &c.helper_officer, id).unwrap();
        assert_eq!(ms.len(), 2, "{}: one match per park", t.name);
        // Ranked: the fresh offer whose focus is the demand's industry comes first.
        assert_eq!(ms[0].int("park_id"), Some(c.park), "{}", t.name);
        assert_eq!(ms[0].int("rank"), Some(1));
        let x = docking::explanation_of(&ms[0]).unwrap();
        assert_eq!(x.components.len(), 7);
        assert!(!x.stale);
        let sum: f64 = x.components.iter().map(|p| p.contribution).sum();
        assert!((sum - x.total).abs() < 1e-9);
        // The stale offer is flagged in the explanation and on the match.
        let other = ms
            .iter()
            .find(|m| m.int("park_id") == Some(c.other_park))
            .unwrap();
        assert_eq!(other.int("stale"), Some(1));
        assert!(docking::explanation_of(other).unwrap().stale);
        let stale = docking::stale_offers_as_of(db, &clock::today()).unwrap();
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].park_id, c.other_park);

        // Workflow: convert before contact is out of order.
        let m = ms[0].int("id").unwrap();
        let err = docking::step(db, &c.helper_officer, m, Step::Convert, None, None).unwrap_err();
        assert!(
            matches!(err, PlatformError::Invalid(ref e) if e[0].rule == "out_of_order"),
            "{err}"
        );
        let contacted = docking::step(db, &c.helper_officer, m, Step::Contact, None, None).unwrap();
        assert_eq!(contacted.text("status"), Some("contacted"));
        assert_eq!(
            contacted.text("contacted_at"),
            Some(clock::today().as_str())
        );
        assert!(docking::stalled(db, &c.coordinator).unwrap().is_empty());
        // Forty days pass (the clock is the database's dates).
        db.write(|conn| {
            conn.execute(
                "UPDATE matches SET contacted_at = ?, status_date = ? WHERE id = ?",
                &[
                    days_ago(40).into(),
                    days_ago(40).into(),
                    tandem_platform::db::Value::Int(m),
                ],
            )
        })
        .unwrap();
        // Forty days without progress: stalled.
        let st = docking::stalled(db, &c.coordinator).unwrap();
        assert_eq!(st.iter().map(|s| s.match_id).collect::<Vec<_>>(), vec![m]);
        assert_eq!(st[0].days, 40);
        // The stalled list follows the match's visibility (a filtered, joined query).
        let seen = docking::stalled(db, &c.helper_officer).unwrap();
        assert_eq!(seen.iter().map(|s| s.match_id).collect::<Vec<_>>(), vec![m]);
        assert!(docking::stalled(db, &c.researcher).unwrap().is_empty());
        // Re-running matching keeps the contacted match and refreshes the proposed one.
        let again = docking::refresh_matches(db, &c.coordinator, id).unwrap();
        assert_eq!(again.len(), 2);
        let kept = again.iter().find(|r| r.int("id") == Some(m)).unwrap();
        assert_eq!(kept.text("status"), Some("contacted"));
        assert_ne!(
            again
                .iter()
                .find(|r| r.int("id") != Some(m))
                .unwrap()
                .int("id"),
            other.int("id")
        );

        // A stale version is refused.
        assert!(matches!(
            docking::step(
                db,
                &c.helper_officer,
                m,
                Step::Convert,
                None,
                Some(kept.version - 1)
            ),
            Err(PlatformError::Conflict { .. })
        ));
        let done = docking::step(
            db,
            &c.helper_officer,
            m,
            Step::Convert,
            None,
            Some(kept.version),
        )
        .unwrap();
        assert_eq!(done.text("status"), Some("project"));
        let pid = done.int("project_id").unwrap();
        let project = service::get(db, &c.admin, &entity::PROJECTS, &pid.to_string()).unwrap();
        assert_eq!(project.text("stage"), Some("lead"));
        assert_eq!(project.int("enterprise_id"), Some(c.enterprise));
        assert_eq!(project.int("park_id"), Some(c.park));
        assert_eq!(project.text("pair_id"), Some(PAIR));
        assert_eq!(project.text("industry"), Some("io42:18"));
        assert_eq!(project.fields["amount_agreed_yuan"], json!(12000000));
        let d_after = service::get(db, &c.admin, &entity::DEMANDS, &id.to_string()).unwrap();
        assert_eq!(d_after.text("status"), Some("matched"));
        // Every step is in the match's history.
        let h = service::history(db, &c.admin, &entity::MATCHES, &m.to_string()).unwrap();
        let actions: Vec<&str> = h.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, vec!["create", "contact", "convert"], "{}", t.name);
        // The project was created in the same transaction, with its own audit row.
        assert_eq!(
            service::history(db, &c.admin, &entity::PROJECTS, &pid.to_string())
                .unwrap()
                .len(),
            1
        );

        // Decline the other one; a declined match cannot be contacted.
        let o = again
            .iter()
            .find(|r| r.int("id") != Some(m))
            .unwrap()
            .int("id")
            .unwrap();
        docking::step(db, &c.coordinator, o, Step::Decline, None, None).unwrap();
        assert!(docking::step(db, &c.coordinator, o, Step::Contact, None, None).is_err());

        // Aggregates.
        let s = docking::summary(db).unwrap();
        assert_eq!(s.demands_by_status.get("matched"), Some(&1));
        // One demand: its industry and pair are not named, only counted among small cells.
        let small = |m: &std::collections::BTreeMap<String, i64>| {
            (m.len(), m.get(docking::SMALL_CELLS).copied())
        };
        assert_eq!(small(&s.demands_by_industry), (1, Some(1)));
        assert_eq!(small(&s.demands_by_pair), (1, Some(1)));
        assert_eq!(s.matches_by_status.get("project"), Some(&1));
        assert_eq!(s.matches_by_status.get("declined"), Some(&1));
        assert_eq!(s.contacted, 1);
        assert_eq!(s.project_rate, Some(1.0));
        assert_eq!(s.contact_rate, Some(0.5));
        // The project is new: not stuck yet.
        assert_eq!(s.stalled, 0);
        // In a year it is stuck at lead.
        let later = {
            let today = clock::parse_date(&clock::today()).unwrap();
            let (y, m, d) = clock::civil_from_days(today + 100);
            format!("{y:04}-{m:02}-{d:02}")
        };
        let st = docking::stalled_as_of(db, &c.coordinator, &later).unwrap();
        assert_eq!(st.len(), 1);
        assert_eq!(st[0].status, "project");
        assert_eq!(st[0].project_stage.as_deref(), Some("lead"));
    }
}

#[test]
fn records_are_checked() {
    let t = testkit::sqlite();
    let db = &t.db;
    let c = testkit::cast(db);
    let bad = service::create(
        db,
        &c.admin,
        &entity::DEMANDS,
        &obj(
            json!({"enterprise_id": c.enterprise, "title": "x", "kind": "expansion",
            "industry": "steel", "confidentiality": "restricted", "shared_with_parks": "99999",
            "shared_with_pairs": "pair-nowhere", "preferred_regions": "ah-atlantis"}),
        ),
    )
    .unwrap_err();
    let PlatformError::Invalid(errors) = bad else {
        panic!("{bad}")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec![
            "industry",
            "preferred_regions",
            "shared_with_parks",
            "shared_with_pairs"
        ]
    );
    // An existing park written another way (`07`) is refused: visibility matches the stored
    // text, so only the canonical number is accepted.
    let spelled = format!("0{}", c.park);
    let bad = service::create(
        db,
        &c.admin,
        &entity::DEMANDS,
        &obj(
            json!({"enterprise_id": c.enterprise, "title": "x", "kind": "expansion",
            "industry": "C36", "confidentiality": "restricted", "shared_with_parks": spelled}),
        ),
    )
    .unwrap_err();
    let PlatformError::Invalid(errors) = bad else {
        panic!("{bad}")
    };
    assert_eq!(
        errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
        vec!["shared_with_parks"]
    );
    let err = service::create(
        db,
        &c.admin,
        &entity::CAPITAL_PROVIDERS,
        &obj(json!({"name": "f", "kind": "investor", "ticket_min_yuan": 10, "ticket_max_yuan": 5, "stages": "growth"})),
    )
    .unwrap_err();
    let PlatformError::Invalid(errors) = err else {
        panic!()
    };
    let rules: Vec<&str> = errors.iter().map(|e| e.rule).collect();
    assert_eq!(rules, vec!["not_allowed", "out_of_range"]);
}

#[test]
fn restricted_demands_stay_private() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        offers(db, &c);
        // Filed by the helper officer, shared with the other park only.
        let d = demand(
            db,
            &c.helper_officer,
            &c,
            json!({"pair_id": PAIR, "confidentiality": "restricted", "shared_with_parks": c.other_park.to_string()}),
        );
        let id = d.int("id").unwrap();
        let ms = docking::refresh_matches(db, &c.coordinator, id).unwrap();
        // Both parks may be matched (one is shared, one belongs to the filing pair)...
        assert_eq!(ms.len(), 2, "{}", t.name);
        let own_park_match = ms
            .iter()
            .find(|m| m.int("park_id") == Some(c.park))
            .unwrap();
        let other_park_match = ms
            .iter()
            .find(|m| m.int("park_id") == Some(c.other_park))
            .unwrap();
        let sees =
            |u: &User, r: &Record| service::get(db, u, &entity::MATCHES, &r.id_text()).is_ok();
        // ...but the own park's operator is not shared with, so sees neither demand nor match.
        assert!(service::get(db, &c.park_operator, &entity::DEMANDS, &id.to_string()).is_err());
        assert!(!sees(&c.park_operator, own_park_match));
        assert!(!sees(&c.park_operator, other_park_match));
        assert!(sees(&c.helped_officer, own_park_match));
        assert!(!sees(&c.other_officer, own_park_match));
        assert!(!sees(&c.researcher, own_park_match));
        assert!(sees(&c.enterprise_user, other_park_match));
        // Sharing with the other pair lets its officer in, through the demand's update; the
        // match's copy of the scope follows (database trigger).
        let mut patch = Map::new();
        patch.insert("shared_with_pairs".into(), json!(OTHER_PAIR));
        service::update(
            db,
            &c.helper_officer,
            &entity::DEMANDS,
            &id.to_string(),
            Some(d.version),
            &patch,
        )
        .unwrap();
        assert!(sees(&c.other_officer, own_park_match), "{}", t.name);
        // Researchers get aggregates, never rows.
        let s = docking::summary(db).unwrap();
        assert_eq!(s.matches_by_status.get("proposed"), Some(&2));
        let p = service::list(db, &c.researcher, &entity::DEMANDS, &Default::default()).unwrap();
        assert_eq!(p.total, 0);
        // The generic API cannot create or change matches, even for the administrator.
        assert!(matches!(
            service::update(
                db,
                &c.admin,
                &entity::MATCHES,
                &own_park_match.id_text(),
                Some(own_park_match.version),
                &Map::new()
            ),
            Err(PlatformError::Forbidden(_))
        ));
        // A park's shortlist shows the demand to the shared park only.
        let theirs = docking::park_shortlist(db, &c.coordinator, c.other_park, 10).unwrap();
        assert_eq!(
            theirs.iter().map(|x| x.demand_id).collect::<Vec<_>>(),
            vec![id]
        );
        let mine = docking::park_shortlist(db, &c.park_operator, c.park, 10).unwrap();
        assert!(mine.is_empty(), "{}", t.name);
    }
}

#[test]
fn projects_get_capital_shortlists() {
    let t = testkit::sqlite();
    let db = &t.db;
    let c = testkit::cast(db);
    let fund = |name: &str, min: i64, max: i64, extra: Value| -> i64 {
        let mut v = json!({"name": name, "kind": "special_fund", "ticket_min_yuan": min, "ticket_max_yuan": max});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        create(db, &c.coordinator, &entity::CAPITAL_PROVIDERS, v)
            .int("id")
            .unwrap()
    };
    let fits = fund(
        "徐州产业基金",
        1_000_000,
        50_000_000,
        json!({"home_locality_id": "js-xuzhou", "industries": "io42:18", "stages": "preparation"}),
    );
    let _too_small = fund("小额基金", 10_000, 100_000, json!({}));
    let _wrong_stage = fund(
        "运营期基金",
        1_000_000,
        50_000_000,
        json!({"stages": "operation"}),
    );
    let p = create(
        db,
        &c.admin,
        &entity::PROJECTS,
        json!({"pair_id": PAIR, "park_id": c.park, "enterprise_id": c.enterprise, "name": "p",
               "industry": "io42:18", "initiated_by": "enterprise", "amount_agreed_yuan": 20_000_000}),
    );
    let list = docking::capital_shortlist(db, &c.helper_officer, p.int("id").unwrap(), 5).unwrap();
    assert_eq!(
        list.iter().map(|x| x.provider_id).collect::<Vec<_>>(),
        vec![fits]
    );
    assert_eq!(list[0].components.len(), 4);
    // The other pair's officer may not read the project, so gets no shortlist.
    assert!(matches!(
        docking::capital_shortlist(db, &c.other_officer, p.int("id").unwrap(), 5),
        Err(PlatformError::NotFound(_))
    ));
}

#[test]
fn small_cells_are_merged_and_totals_kept() {
    let counts: std::collections::BTreeMap<String, i64> =
        [("C36", 5), ("C27", 2), ("C39", 1), ("C13", 3)]
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
    let out = docking::suppress_small_cells(counts);
    assert_eq!(
        out.into_iter().collect::<Vec<_>>(),
        vec![
            ("C13".to_string(), 3),
            ("C36".to_string(), 5),
            (docking::SMALL_CELLS.to_string(), 3)
        ]
    );
    assert!(docking::suppress_small_cells(Default::default()).is_empty());
}
