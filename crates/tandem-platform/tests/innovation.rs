//! Innovation cooperation kept as records (issue #17): a technology need is ranked against the
//! capabilities with the matching engine's components and explanations, a match stores the
//! score shown, the pair's counts and the advisor's records go through the read policy, and
//! the records follow their parent when it moves to another pair; on every engine.

use serde_json::{json, Map, Value};
use tandem_matching::{
    Date, Demand, MatchContext, ParkOffer, Problem, RegionMode, Visibility, Weights,
};
use tandem_platform::entity::innovation::{
    INNOVATION_MILESTONES, INNOVATION_PROJECTS, INSTITUTES, IP_RECORDS, TECH_CAPABILITIES,
    TECH_NEEDS,
};
use tandem_platform::entity::ENTERPRISES;
use tandem_platform::innovation::{self, KEYWORD_WEIGHT, READINESS_WEIGHT};
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, InnovationFixture, OTHER_PAIR, PAIR};
use tandem_platform::{Db, User};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// A helped-side enterprise (Huaibei) and the innovation fixture with its need.
fn world(db: &Db, admin: &User) -> (i64, InnovationFixture) {
    let firm = service::create(
        db,
        admin,
        &ENTERPRISES,
        &obj(json!({"name": "淮北电池包公司", "origin_locality_id": "ah-huaibei"})),
    )
    .unwrap()
    .int("id")
    .unwrap();
    (firm, testkit::sample_innovation(db, admin, PAIR, firm))
}

/// The engine's own industry component for a capability of sector `s` from `origin` and a
/// need of sectors `focus` in `city`, with the weights innovation uses.
fn engine_industry(origin: &str, s: &str, city: &str, focus: &[&str]) -> (f64, String) {
    let ctx = MatchContext::bundled().unwrap();
    let demand = Demand {
        id: "d".into(),
        enterprise: "e".into(),
        origin: origin.into(),
        industry_input: s.into(),
        industry: s.into(),
        land_ha: 0.0,
        building_m2: 0.0,
        power_kva: 0.0,
        labour: 0.0,
        budget_yuan: None,
        preferred_regions: vec![],
        region_mode: RegionMode::Prefer,
        deadline: None,
        visibility: Visibility::Public,
        suppliers: vec![],
    };
    let park = ParkOffer {
        id: "p".into(),
        name: "n".into(),
        locality: city.into(),
        land_ha: 0.0,
        building_m2: 0.0,
        power_kva: 0.0,
        labour: 0.0,
        land_price_yuan_m2: 0.0,
        incentives: 0.0,
        incentive_list: vec![],
        services: vec![],
        focus_industries: focus.iter().map(|f| f.to_string()).collect(),
        exclusions: vec![],
        data_freshness: Date::new(2099, 1, 1).unwrap(),
        capacity: 1,
    };
    let (d, p) = (vec![demand], vec![park]);
    let problem = Problem::new(&ctx, Weights::shipped(), &d, &p).unwrap();
    let c = &problem.explain(0, 0, None).components[0];
    (c.value, c.reason.clone())
}

#[test]
fn a_need_is_ranked_with_the_engines_components() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let (_, fx) = world(&t.db, &cast.admin);
        let list = innovation::need_shortlist(&t.db, &cast.helped_officer, fx.need, 10).unwrap();
        let ids: Vec<i64> = list.candidates.iter().map(|c| c.capability_id).collect();
        assert_eq!(ids[0], fx.battery, "{}: {ids:?}", t.name);
        assert_eq!(ids.len(), 3, "{}", t.name);
        let totals: Vec<f64> = list
            .candidates
            .iter()
            .map(|c| c.explanation.total)
            .collect();
        assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
        let top1 = innovation::need_shortlist(&t.db, &cast.helped_officer, fx.need, 1).unwrap();
        assert_eq!(top1.candidates, list.candidates[..1]);
        assert!(list.unscored.is_empty(), "{:?}", list.unscored);
        let best = &list.candidates[0].explanation;
        let keys: Vec<&str> = best
            .components
            .iter()
            .map(|c| c.component.as_str())
            .collect();
        assert_eq!(
            keys,
            ["industry", "distance", "pair", "keywords", "readiness"]
        );
        let sum: f64 = best.components.iter().map(|c| c.contribution).sum();
        assert!((sum - best.total).abs() < 1e-12, "{sum} vs {}", best.total);
        let weights: f64 = best.components.iter().map(|c| c.weight).sum();
        assert!((weights - 1.0).abs() < 1e-12);
        // The industry component is the engine's own value and sentence.
        let (value, reason) = engine_industry("js-xuzhou", "18", "ah-huaibei", &["18"]);
        assert_eq!(best.sector, "18");
        assert_eq!(best.components[0].value, value);
        assert_eq!(best.components[0].reason, reason);
        assert!(reason.contains("IO-42 18"), "{reason}");
        // Xuzhou helps Huaibei: the helper-side university scores the pair component.
        assert_eq!(
            best.components[2].value, 1.0,
            "{}",
            best.components[2].reason
        );
        assert_eq!(
            best.components[3].value, 1.0,
            "{}",
            best.components[3].reason
        );
        assert_eq!(best.components[3].weight, KEYWORD_WEIGHT);
        assert_eq!(best.components[4].value, 6.0 / 9.0);
        assert_eq!(best.components[4].weight, READINESS_WEIGHT);
        // The helped-side institute has no locality: it is placed in its side's city.
        let materials = list
            .candidates
            .iter()
            .find(|c| c.capability_id == fx.materials)
            .unwrap();
        assert_eq!(materials.explanation.from_locality, "ah-huaibei");
        assert_eq!(materials.explanation.components[2].value, 0.0);
        // The capability's view: the need is its best (and only) open need.
        let back =
            innovation::capability_shortlist(&t.db, &cast.coordinator, fx.battery, 5).unwrap();
        assert_eq!(back.candidates.len(), 1);
        assert_eq!(back.candidates[0].need_id, fx.need);
        assert_eq!(back.candidates[0].explanation, *best);
    }
}

#[test]
fn a_match_stores_the_score_shown_and_only_who_may_update_the_need_makes_one() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        // The need of the enterprise user's own enterprise, posted by the enterprise itself.
        let fx = testkit::sample_innovation(&t.db, &cast.admin, PAIR, cast.other_enterprise);
        let own = service::create(
            &t.db,
            &cast.enterprise_user,
            &TECH_NEEDS,
            &obj(
                json!({"pair_id": PAIR, "title": "电池热管理", "sectors": "18",
                "keywords": "热管理"}),
            ),
        )
        .unwrap();
        assert_eq!(own.int("enterprise_id"), Some(cast.enterprise));
        assert_eq!(own.text("status"), Some("open"));
        let need = own.int("id").unwrap();
        let shown = innovation::need_shortlist(&t.db, &cast.enterprise_user, need, 10).unwrap();
        let top = &shown.candidates[0];
        let m = innovation::create_match(&t.db, &cast.enterprise_user, need, top.capability_id)
            .unwrap();
        assert_eq!(m.text("status"), Some("proposed"));
        assert_eq!(m.text("pair_id"), Some(PAIR));
        assert_eq!(m.int("enterprise_id"), Some(cast.enterprise));
        assert_eq!(m.fields["score"].as_f64(), Some(top.explanation.total));
        assert_eq!(innovation::explanation_of(&m).unwrap(), top.explanation);
        let again = innovation::need_shortlist(&t.db, &cast.enterprise_user, need, 10).unwrap();
        let stored = again.candidates[0].stored.as_ref().unwrap();
        assert_eq!(
            (Some(stored.id), stored.status.as_str()),
            (m.int("id"), "proposed")
        );
        // Twice is refused.
        let e = innovation::create_match(&t.db, &cast.helped_officer, need, top.capability_id);
        assert!(matches!(e, Err(PlatformError::Invalid(_))), "{e:?}");
        // Who may not read the need is told it does not exist; the enterprise may not match
        // another enterprise's need.
        for u in [&cast.other_officer, &cast.researcher, &cast.park_operator] {
            let e = innovation::create_match(&t.db, u, need, fx.welding);
            assert!(
                matches!(e, Err(PlatformError::NotFound(_))),
                "{}: {e:?}",
                u.username
            );
            let e = innovation::need_shortlist(&t.db, u, need, 5);
            assert!(
                matches!(e, Err(PlatformError::NotFound(_))),
                "{}: {e:?}",
                u.username
            );
        }
        let e = innovation::create_match(&t.db, &cast.enterprise_user, fx.need, fx.welding);
        assert!(matches!(e, Err(PlatformError::NotFound(_))), "{e:?}");
        // A closed need takes no match.
        let closed = service::update(
            &t.db,
            &cast.enterprise_user,
            &TECH_NEEDS,
            &need.to_string(),
            Some(own.version),
            &obj(json!({"status": "closed"})),
        )
        .unwrap();
        assert_eq!(closed.text("status"), Some("closed"));
        let e = innovation::create_match(&t.db, &cast.enterprise_user, need, fx.welding);
        assert!(matches!(e, Err(PlatformError::Invalid(_))), "{e:?}");
    }
}

/// A project from the match with milestones, a patent and a licence in PAIR, a patent in
/// OTHER_PAIR.
fn achievements(db: &Db, admin: &User, fx: &InnovationFixture) -> i64 {
    let m = innovation::create_match(db, admin, fx.need, fx.battery).unwrap();
    let create = |e, body: Value| {
        service::create(db, admin, e, &obj(body))
            .unwrap_or_else(|err| panic!("{err}"))
            .int("id")
            .unwrap()
    };
    let project = create(
        &INNOVATION_PROJECTS,
        json!({"match_id": m.int("id").unwrap(), "kind": "joint_rnd", "title": "电池热管理联合研发",
            "started_on": "2025-03-01"}),
    );
    for (ms, date) in [
        ("agreement", "2025-02-10"),
        ("licence_or_rnd", "2025-03-01"),
    ] {
        create(
            &INNOVATION_MILESTONES,
            json!({"project_id": project, "milestone": ms, "reached_on": date,
                "evidence": "合作协议扫描件"}),
        );
    }
    create(
        &IP_RECORDS,
        json!({"pair_id": PAIR, "kind": "patent", "number": "ZL202510000001.X",
            "title": "一种电池包热管理装置", "holder": "中国矿业大学", "dated_on": "2025-09-01",
            "project_id": project}),
    );
    create(
        &IP_RECORDS,
        json!({"pair_id": PAIR, "kind": "licence", "number": "XK-2025-01", "title": "热管理专利许可",
            "holder": "中国矿业大学", "licensee": "淮北电池包公司", "dated_on": "2025-10-01"}),
    );
    create(
        &IP_RECORDS,
        json!({"pair_id": OTHER_PAIR, "kind": "patent", "number": "ZL202510000002.X",
            "title": "另一项专利", "holder": "某大学", "dated_on": "2025-09-01"}),
    );
    project
}

#[test]
fn the_pairs_counts_and_the_advisors_records_follow_the_read_policy() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let (_, fx) = world(&t.db, &cast.admin);
        achievements(&t.db, &cast.admin, &fx);
        let of = |u: &User| innovation::counts(&t.db, u).unwrap();
        let all = of(&cast.researcher);
        assert_eq!(all.len(), 8, "{}: every pair, even with nothing", t.name);
        let mine = all.iter().find(|c| c.pair_id == PAIR).unwrap();
        assert_eq!((mine.patents, mine.licences, mine.projects), (1, 1, 1));
        assert_eq!(mine.by_milestone["licence_or_rnd"], 1);
        assert_eq!(mine.by_milestone["none"], 0);
        // Researchers read no individual match: unknown, not zero.
        assert_eq!(mine.matches, None);
        let other = all.iter().find(|c| c.pair_id == OTHER_PAIR).unwrap();
        assert_eq!((other.patents, other.projects), (1, 0));
        // An officer sees their pair only; park operators and enterprises none (unknown, not
        // zero).
        let officer = of(&cast.helped_officer);
        assert_eq!(officer.len(), 1);
        assert_eq!(officer[0].matches, Some(1));
        assert_eq!(
            (
                officer[0].patents,
                officer[0].projects,
                &officer[0].by_milestone
            ),
            (mine.patents, mine.projects, &mine.by_milestone)
        );
        assert!(of(&cast.park_operator).is_empty());
        assert!(of(&cast.enterprise_user).is_empty());
        // The advisor's records: the pair's match for its officers, nothing for others.
        let recs = innovation::advice_records(&t.db, &cast.helper_officer).unwrap();
        assert_eq!(recs.len(), 1, "{}", t.name);
        assert_eq!(recs[0].pair, PAIR);
        assert_eq!(recs[0].capability, "动力电池热管理");
        assert_eq!(recs[0].institute, "中国矿业大学");
        assert!(recs[0].project_started);
        assert!(
            recs[0].explanation.contains("IO-42 18"),
            "{}",
            recs[0].explanation
        );
        for u in [&cast.other_officer, &cast.researcher, &cast.park_operator] {
            assert!(innovation::advice_records(&t.db, u).unwrap().is_empty());
        }
    }
}

#[test]
fn records_follow_their_parent_to_another_pair_and_officers_cannot_move_them() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let (_, fx) = world(&t.db, &cast.admin);
        let project = achievements(&t.db, &cast.admin, &fx);
        // An officer may not move the need out of their pair.
        let need = service::get(&t.db, &cast.admin, &TECH_NEEDS, &fx.need.to_string()).unwrap();
        let moved = obj(json!({"pair_id": OTHER_PAIR}));
        let e = service::update(
            &t.db,
            &cast.helped_officer,
            &TECH_NEEDS,
            &fx.need.to_string(),
            Some(need.version),
            &moved,
        );
        assert!(matches!(e, Err(PlatformError::Forbidden(_))), "{e:?}");
        // A coordinator may: the match, its project and the project's parts follow.
        service::update(
            &t.db,
            &cast.coordinator,
            &TECH_NEEDS,
            &fx.need.to_string(),
            Some(need.version),
            &moved,
        )
        .unwrap();
        let p = service::get(
            &t.db,
            &cast.admin,
            &INNOVATION_PROJECTS,
            &project.to_string(),
        )
        .unwrap();
        assert_eq!(p.text("pair_id"), Some(OTHER_PAIR), "{}", t.name);
        let counts = innovation::counts(&t.db, &cast.other_officer).unwrap();
        assert_eq!(
            (counts[0].patents, counts[0].projects),
            (2, 1),
            "{}",
            t.name
        );
        // An institute that moves takes its capabilities (pair and side) along.
        let inst = service::get(
            &t.db,
            &cast.admin,
            &INSTITUTES,
            &fx.helper_institute.to_string(),
        )
        .unwrap();
        service::update(
            &t.db,
            &cast.coordinator,
            &INSTITUTES,
            &fx.helper_institute.to_string(),
            Some(inst.version),
            &obj(json!({"pair_id": OTHER_PAIR, "side": "helped"})),
        )
        .unwrap();
        let cap = service::get(
            &t.db,
            &cast.admin,
            &TECH_CAPABILITIES,
            &fx.battery.to_string(),
        )
        .unwrap();
        assert_eq!(cap.text("pair_id"), Some(OTHER_PAIR));
        assert_eq!(cap.text("side"), Some("helped"));
    }
}

#[test]
fn bad_sectors_licences_without_licensee_and_projects_of_another_pair_are_refused() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let (_, fx) = world(&t.db, &cast.admin);
    let project = achievements(&t.db, &cast.admin, &fx);
    let invalid = |e, body: Value| {
        let r = service::create(&t.db, &cast.admin, e, &obj(body));
        assert!(matches!(r, Err(PlatformError::Invalid(_))), "{r:?}");
    };
    invalid(
        &TECH_CAPABILITIES,
        json!({"institute_id": fx.helper_institute, "title": "x", "sectors": "99", "readiness": 3}),
    );
    invalid(
        &TECH_CAPABILITIES,
        json!({"institute_id": fx.helper_institute, "title": "x", "sectors": "18", "readiness": 10}),
    );
    invalid(
        &TECH_NEEDS,
        json!({"pair_id": PAIR, "enterprise_id": cast.enterprise, "title": "x", "sectors": ""}),
    );
    invalid(
        &IP_RECORDS,
        json!({"pair_id": PAIR, "kind": "licence", "number": "1", "title": "x", "holder": "y",
            "dated_on": "2025-01-01"}),
    );
    invalid(
        &IP_RECORDS,
        json!({"pair_id": OTHER_PAIR, "kind": "patent", "number": "1", "title": "x",
            "holder": "y", "dated_on": "2025-01-01", "project_id": project}),
    );
}

/// The innovation records go out and come back as XLSX (the export is the template):
/// re-importing the pair officer's export updates each record by id and version and leaves
/// the ranking and the counts as they were; another pair's officer exports none of the
/// pair's needs, and an enterprise exports only its own.
#[test]
fn innovation_records_round_trip_through_xlsx() {
    use tandem_platform::entity::innovation::{INNOVATION_PLATFORMS, INSTITUTES};
    use tandem_platform::sheets;
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let (_, fx) = world(&t.db, &cast.admin);
    achievements(&t.db, &cast.admin, &fx);
    let officer = &cast.helped_officer;
    let ranked = innovation::need_shortlist(&t.db, officer, fx.need, 10).unwrap();
    let counts = innovation::counts(&t.db, officer).unwrap();
    for e in [
        &INSTITUTES,
        &INNOVATION_PLATFORMS,
        &TECH_CAPABILITIES,
        &TECH_NEEDS,
        &INNOVATION_PROJECTS,
        &INNOVATION_MILESTONES,
        &IP_RECORDS,
    ] {
        assert!(sheets::sheet_entity(e.name).is_some(), "{}", e.name);
        let book = sheets::export(&t.db, officer, e).unwrap();
        let s = sheets::import(&t.db, officer, e, &book)
            .unwrap_or_else(|p| panic!("{}: {p:?}", e.name));
        assert_eq!(s.created, 0, "{}", e.name);
        assert!(s.updated > 0, "{}", e.name);
    }
    let again = innovation::need_shortlist(&t.db, officer, fx.need, 10).unwrap();
    assert_eq!(again.candidates, ranked.candidates);
    assert_eq!(innovation::counts(&t.db, officer).unwrap(), counts);
    assert!(sheets::sheet_entity("tech_matches").is_none());
    let book = sheets::export(&t.db, &cast.other_officer, &TECH_NEEDS).unwrap();
    let s = sheets::import(&t.db, &cast.other_officer, &TECH_NEEDS, &book).unwrap();
    assert_eq!((s.created, s.updated), (0, 0));
    let book = sheets::export(&t.db, &cast.enterprise_user, &TECH_NEEDS).unwrap();
    let s = sheets::import(&t.db, &cast.enterprise_user, &TECH_NEEDS, &book).unwrap();
    assert_eq!(
        (s.created, s.updated),
        (0, 0),
        "the fixture's need is another firm's"
    );
}

/// A project started from a match moves the match to `project` and its need to `matched`,
/// each as an audited update; only who may change the match starts one, never from a
/// declined match, and who may not read the match is told it does not exist.
#[test]
fn a_project_started_from_a_match_moves_the_match_and_the_need() {
    use innovation::NewProject;
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let (_, fx) = world(&t.db, &cast.admin);
        let m = innovation::create_match(&t.db, &cast.helped_officer, fx.need, fx.battery).unwrap();
        let id = m.int("id").unwrap();
        let new = NewProject {
            kind: "licence".into(),
            title: "热管理专利许可".into(),
            started_on: Some("2026-01-15".into()),
        };
        for u in [&cast.other_officer, &cast.researcher, &cast.park_operator] {
            let e = innovation::start_project(&t.db, u, id, &new);
            assert!(
                matches!(e, Err(PlatformError::NotFound(_))),
                "{}: {e:?}",
                u.username
            );
        }
        let p = innovation::start_project(&t.db, &cast.helper_officer, id, &new).unwrap();
        assert_eq!(p.text("pair_id"), Some(PAIR), "{}", t.name);
        assert_eq!(p.int("match_id"), Some(id));
        let get = |e, id: i64| service::get(&t.db, &cast.admin, e, &id.to_string()).unwrap();
        let after = get(&tandem_platform::entity::innovation::TECH_MATCHES, id);
        assert_eq!((after.text("status"), after.version), (Some("project"), 2));
        assert_eq!(get(&TECH_NEEDS, fx.need).text("status"), Some("matched"));
        let h = service::history(
            &t.db,
            &cast.admin,
            &tandem_platform::entity::innovation::TECH_MATCHES,
            &id.to_string(),
        )
        .unwrap();
        assert_eq!(h.last().unwrap().action, "update");
        // A second project (the licence after the agreement) is fine; a bad kind is not.
        let bad = NewProject {
            kind: "gift".into(),
            ..new.clone()
        };
        let e = innovation::start_project(&t.db, &cast.helper_officer, id, &bad);
        assert!(matches!(e, Err(PlatformError::Invalid(_))), "{e:?}");
        innovation::start_project(&t.db, &cast.coordinator, id, &new).unwrap();
        // The need is matched now: it takes no new match.
        let w = innovation::create_match(&t.db, &cast.admin, fx.need, fx.welding);
        assert!(matches!(w, Err(PlatformError::Invalid(_))), "{w:?}");
        // Another need's match, declined, starts nothing; the enterprise starts none.
        let need = service::create(
            &t.db,
            &cast.enterprise_user,
            &TECH_NEEDS,
            &obj(json!({"pair_id": PAIR, "title": "焊接", "sectors": "16"})),
        )
        .unwrap();
        let m = innovation::create_match(
            &t.db,
            &cast.enterprise_user,
            need.int("id").unwrap(),
            fx.welding,
        )
        .unwrap();
        let e = innovation::start_project(&t.db, &cast.enterprise_user, m.int("id").unwrap(), &new);
        assert!(matches!(e, Err(PlatformError::Forbidden(_))), "{e:?}");
        service::update(
            &t.db,
            &cast.helped_officer,
            &tandem_platform::entity::innovation::TECH_MATCHES,
            &m.id_text(),
            Some(m.version),
            &obj(json!({"status": "declined"})),
        )
        .unwrap();
        let e = innovation::start_project(&t.db, &cast.helped_officer, m.int("id").unwrap(), &new);
        assert!(matches!(e, Err(PlatformError::Invalid(_))), "{e:?}");
    }
}

/// A backup holds every innovation record and restores into either engine with the same
/// ranking, counts and advisor records (the restored match keeps its stored explanation).
#[test]
fn innovation_records_survive_backup_and_restore_on_either_engine() {
    use tandem_platform::{backup, migrate};
    let source = testkit::sqlite();
    let cast = testkit::cast(&source.db);
    let (_, fx) = world(&source.db, &cast.admin);
    achievements(&source.db, &cast.admin, &fx);
    let officer = &cast.helped_officer;
    let ranked = innovation::need_shortlist(&source.db, officer, fx.need, 10).unwrap();
    let counts = innovation::counts(&source.db, officer).unwrap();
    let advice = innovation::advice_records(&source.db, officer).unwrap();
    let (doc, _) = backup::backup(&source.db).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut targets = vec![(
        tandem_platform::Target::Sqlite(dir.path().join("r.sqlite")),
        None,
    )];
    targets.extend(testkit::postgres_empty().map(|(t, admin, name)| (t, Some((admin, name)))));
    for (target, pg) in targets {
        let db = Db::open(&target).unwrap();
        migrate::migrate(&db).unwrap();
        backup::restore(&db, &doc).unwrap();
        let again = innovation::need_shortlist(&db, officer, fx.need, 10).unwrap();
        assert_eq!(again.candidates, ranked.candidates);
        assert_eq!(innovation::counts(&db, officer).unwrap(), counts);
        assert_eq!(innovation::advice_records(&db, officer).unwrap(), advice);
        drop(db);
        if let Some((admin, name)) = pg {
            testkit::drop_postgres_database(admin, name);
        }
    }
}
