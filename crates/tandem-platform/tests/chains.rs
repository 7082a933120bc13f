//! Industry chains kept as records (issue #17): a chain built through the record service is
//! assembled into the core's map and its gaps are those `tandem chain gaps` finds for the
//! same map; who may not read the chain gets 404, also for its gaps.

use serde_json::json;
use tandem_core::chain::{chain_gaps, Chain, ChainEdge, ChainNode, ChainSide, NodeStatus};
use tandem_platform::chains;
use tandem_platform::entity;
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, PAIR};

/// The map `testkit::sample_chain` builds, written out by hand.
fn expected(id: i64) -> Chain {
    let node = |id: &str, zh: &str, en: &str, s: &str| ChainNode {
        id: id.into(),
        name_zh: zh.into(),
        name_en: en.into(),
        sectors: vec![s.into()],
        source: None,
    };
    let edge = |f: &str, t: &str| ChainEdge {
        from: f.into(),
        to: t.into(),
    };
    let placed = |node: &str, side: ChainSide, name: String| tandem_core::chain::Placement {
        name,
        side,
        node: node.into(),
        source: None,
    };
    let mut enterprises = Vec::new();
    for (node, n) in [("steel", 1), ("parts", 2), ("engines", 2), ("vehicles", 4)] {
        for k in 0..n {
            enterprises.push(placed(node, ChainSide::Helper, format!("支援方{node}{k}")));
        }
    }
    enterprises.push(placed("steel", ChainSide::Helped, "徐工配套甲公司".into()));
    enterprises.push(placed("vehicles", ChainSide::Helped, "受援方整车厂".into()));
    Chain {
        id: id.to_string(),
        pair: PAIR.into(),
        name_zh: "汽车产业链".into(),
        name_en: "Automotive chain".into(),
        source: "test chain".into(),
        weak_share: 0.5,
        nodes: vec![
            node("steel", "钢材", "Steel", "14"),
            node("parts", "金属零部件", "Metal parts", "15"),
            node("engines", "发动机", "Engines", "16"),
            node("vehicles", "整车", "Vehicles", "18"),
        ],
        edges: vec![
            edge("steel", "parts"),
            edge("parts", "engines"),
            edge("engines", "vehicles"),
        ],
        enterprises,
    }
}

#[test]
fn a_chain_of_records_has_the_gaps_of_the_same_map_on_every_engine() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        // The pair's helper-side officer keeps the chain.
        let id = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
        let report = chains::report(&t.db, &cast.researcher, &id.to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(report.chain, expected(id), "{}", t.name);
        let table = chains::table().unwrap();
        assert_eq!(
            report.gaps,
            chain_gaps(&expected(id), table).unwrap(),
            "{}",
            t.name
        );
        let mut got: Vec<(&str, NodeStatus)> = report
            .gaps
            .iter()
            .map(|g| (g.node.as_str(), g.status))
            .collect();
        got.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(
            got,
            [
                ("engines", NodeStatus::Missing),
                ("parts", NodeStatus::Missing),
                ("vehicles", NodeStatus::Weak),
            ],
            "{}",
            t.name
        );
        assert!(report.gaps[0].score >= report.gaps[1].score);
        assert!(chains::docking_target(&report.gaps[0]).starts_with("io42:1"));

        // Another pair's officer, the park operator and the enterprise user get 404.
        for user in [
            &cast.other_officer,
            &cast.park_operator,
            &cast.enterprise_user,
        ] {
            let err = chains::report(&t.db, user, &id.to_string()).unwrap_err();
            assert!(
                matches!(err, PlatformError::NotFound(_)),
                "{} {}: {err}",
                t.name,
                user.username
            );
        }
        assert!(matches!(
            chains::report(&t.db, &cast.admin, "999999"),
            Err(PlatformError::NotFound(_))
        ));
    }
}

#[test]
fn chain_parts_are_checked_and_a_broken_chain_is_explained() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let id = testkit::sample_chain(&t.db, &cast.coordinator, PAIR, cast.enterprise);
    let create = |e: &'static entity::Entity, body: serde_json::Value| {
        service::create(&t.db, &cast.helped_officer, e, body.as_object().unwrap())
    };
    // A segment key is unique in its chain; sectors are codes of the 42-sector table.
    let PlatformError::Invalid(errors) = create(
        &entity::CHAIN_NODES,
        json!({"chain_id": id, "node_key": "steel", "name_zh": "钢", "name_en": "Steel",
            "sectors": ["14"]}),
    )
    .unwrap_err() else {
        panic!("a second segment steel is invalid")
    };
    assert_eq!(
        (errors[0].field.as_str(), errors[0].rule),
        ("node_key", "taken")
    );
    let PlatformError::Invalid(errors) = create(
        &entity::CHAIN_NODES,
        json!({"chain_id": id, "node_key": "ore", "name_zh": "矿", "name_en": "Ore",
            "sectors": ["99"]}),
    )
    .unwrap_err() else {
        panic!("an unknown sector is invalid")
    };
    assert_eq!(errors[0].rule, "unknown_sector");
    // A placement names an enterprise.
    let PlatformError::Invalid(errors) = create(
        &entity::CHAIN_PLACEMENTS,
        json!({"chain_id": id, "node_key": "steel", "side": "helped"}),
    )
    .unwrap_err() else {
        panic!("a placement without an enterprise is invalid")
    };
    assert_eq!(errors[0].field, "enterprise_name");
    // A part takes its chain's pair; another pair's officer may not add to the chain.
    let edge = create(
        &entity::CHAIN_EDGES,
        json!({"chain_id": id, "from_node": "vehicles", "to_node": "dealers"}),
    )
    .unwrap();
    assert_eq!(edge.text("pair_id"), Some(PAIR));
    assert!(service::create(
        &t.db,
        &cast.other_officer,
        &entity::CHAIN_EDGES,
        json!({"chain_id": id, "from_node": "a", "to_node": "b"})
            .as_object()
            .unwrap(),
    )
    .is_err());
    // The edge names a segment the chain lacks: the gaps say which.
    let PlatformError::Invalid(errors) =
        chains::report(&t.db, &cast.researcher, &id.to_string()).unwrap_err()
    else {
        panic!("a broken chain is invalid")
    };
    assert!(
        errors[0].message.contains("dealers"),
        "{}",
        errors[0].message
    );
}

/// A chain's parts go out and come back as XLSX (the export is the template): re-importing
/// the pair officer's export of the segments updates each one by id and version and leaves
/// the gaps as they were; another pair's officer exports none of them.
#[test]
fn chain_parts_round_trip_through_xlsx() {
    use tandem_platform::sheets;
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let id = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
    let before = chains::report(&t.db, &cast.helper_officer, &id.to_string()).unwrap();
    for e in [
        &entity::CHAIN_NODES,
        &entity::CHAIN_EDGES,
        &entity::CHAIN_PLACEMENTS,
    ] {
        let book = sheets::export(&t.db, &cast.helped_officer, e).unwrap();
        let s = sheets::import(&t.db, &cast.helped_officer, e, &book)
            .unwrap_or_else(|p| panic!("{}: {p:?}", e.name));
        assert_eq!(s.created, 0, "{}", e.name);
        assert!(s.updated > 0, "{}", e.name);
    }
    let after = chains::report(&t.db, &cast.helper_officer, &id.to_string()).unwrap();
    assert_eq!((after.chain, after.gaps), (before.chain, before.gaps));
    let book = sheets::export(&t.db, &cast.other_officer, &entity::CHAIN_NODES).unwrap();
    let s = sheets::import(&t.db, &cast.other_officer, &entity::CHAIN_NODES, &book).unwrap();
    assert_eq!((s.created, s.updated), (0, 0));
}

/// A chain moved to another pair by the coordinator takes its parts along (the per-engine
/// trigger): the new pair's officers read it and its gaps, the old pair's no longer. A new
/// chain without segments has no gaps.
#[test]
fn a_moved_chain_takes_its_parts_along_on_every_engine() {
    use tandem_platform::testkit::OTHER_PAIR;
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let id = testkit::sample_chain(&t.db, &cast.coordinator, PAIR, cast.enterprise);
        let rec = service::get(&t.db, &cast.coordinator, &entity::CHAINS, &id.to_string()).unwrap();
        service::update(
            &t.db,
            &cast.coordinator,
            &entity::CHAINS,
            &id.to_string(),
            Some(rec.version),
            json!({"pair_id": OTHER_PAIR}).as_object().unwrap(),
        )
        .unwrap();
        let moved = chains::report(&t.db, &cast.other_officer, &id.to_string())
            .unwrap_or_else(|e| panic!("{}: {e}", t.name));
        assert_eq!(moved.chain.nodes.len(), 4, "{}", t.name);
        assert_eq!(moved.chain.enterprises.len(), 11, "{}", t.name);
        assert_eq!(moved.gaps.len(), 3, "{}", t.name);
        assert!(matches!(
            chains::report(&t.db, &cast.helped_officer, &id.to_string()),
            Err(PlatformError::NotFound(_))
        ));
        let empty = service::create(
            &t.db,
            &cast.helped_officer,
            &entity::CHAINS,
            json!({"pair_id": PAIR, "name_zh": "空", "name_en": "Empty", "source": "test"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let r = chains::report(&t.db, &cast.helped_officer, &empty.id_text()).unwrap();
        assert!(r.gaps.is_empty() && r.chain.nodes.is_empty());
        assert_eq!(r.chain.weak_share, tandem_core::chain::DEFAULT_WEAK_SHARE);
    }
}

/// What the live advisor reads: the pair's chains the user may read and that can be analysed
/// (a chain with an edge to a missing segment is left out, not an error), on every engine.
#[test]
fn the_advisor_reads_a_pairs_analysable_chains_through_the_policy() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let good = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
        let broken = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
        service::create(
            &t.db,
            &cast.helper_officer,
            &entity::CHAIN_EDGES,
            json!({"chain_id": broken, "from_node": "vehicles", "to_node": "dealers"})
                .as_object()
                .unwrap(),
        )
        .unwrap();
        let ids = |user| -> Vec<String> {
            chains::of_pair(&t.db, user, PAIR)
                .unwrap_or_else(|e| panic!("{}: {e}", t.name))
                .into_iter()
                .map(|c| c.id)
                .collect()
        };
        assert_eq!(
            ids(&cast.helped_officer),
            vec![good.to_string()],
            "{}",
            t.name
        );
        assert_eq!(ids(&cast.researcher), vec![good.to_string()], "{}", t.name);
        assert!(ids(&cast.other_officer).is_empty(), "{}", t.name);
        assert!(ids(&cast.enterprise_user).is_empty(), "{}", t.name);
        assert!(
            chains::of_pair(&t.db, &cast.coordinator, testkit::OTHER_PAIR)
                .unwrap()
                .is_empty(),
            "{}",
            t.name
        );
    }
}

/// A gap becomes a docking target: its io42 code joins the focus industries of a park offer
/// of the chain's pair (once); an offer of another pair, a segment that is no gap, and a user
/// who may not read the chain are refused, on every engine.
#[test]
fn a_gap_becomes_a_park_offers_docking_target_on_every_engine() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let id = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
        let offer = |user, park: i64| {
            service::create(
                &t.db,
                user,
                &entity::PARK_OFFERS,
                json!({"park_id": park, "title": "标准厂房", "focus_industries": "io42:18",
                       "fresh_until": "2099-12-31"})
                .as_object()
                .unwrap(),
            )
            .unwrap()
            .id_text()
        };
        let own = offer(&cast.park_operator, cast.park);
        let other = offer(&cast.admin, cast.other_park);
        let report = chains::report(&t.db, &cast.helped_officer, &id.to_string()).unwrap();
        let gap = &report.gaps[0];
        let code = chains::docking_target(gap);
        let target = |user, node: &str, offer: &str| {
            chains::target_gap(&t.db, user, &id.to_string(), node, offer)
        };
        let after = target(&cast.helped_officer, &gap.node, &own).unwrap();
        let focus = entity::list_items(after.fields.get("focus_industries"));
        assert_eq!(
            focus,
            vec!["io42:18".to_string(), code.clone()],
            "{}",
            t.name
        );
        let again = target(&cast.helped_officer, &gap.node, &own).unwrap();
        assert_eq!(again.version, after.version, "{}: no second update", t.name);
        let rule = |e: PlatformError| match e {
            PlatformError::Invalid(errors) => errors[0].rule,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            rule(target(&cast.helped_officer, &gap.node, &other).unwrap_err()),
            "other_pair"
        );
        assert_eq!(
            rule(target(&cast.helped_officer, "steel", &own).unwrap_err()),
            "not_a_gap"
        );
        for outsider in [
            &cast.other_officer,
            &cast.park_operator,
            &cast.enterprise_user,
        ] {
            assert!(
                matches!(
                    target(outsider, &gap.node, &own),
                    Err(PlatformError::NotFound(_))
                ),
                "{}",
                t.name
            );
        }
    }
}

/// Counts the chain records of every type, as the coordinator sees them.
fn chain_records(t: &testkit::TestDb, cast: &testkit::Cast) -> Vec<i64> {
    [
        &entity::CHAINS,
        &entity::CHAIN_NODES,
        &entity::CHAIN_EDGES,
        &entity::CHAIN_PLACEMENTS,
    ]
    .iter()
    .map(|e| {
        service::list(&t.db, &cast.coordinator, e, &service::ListQuery::default())
            .unwrap()
            .total
    })
    .collect()
}

/// A whole map in one step: a workbook written by `tandem chain export` (with the sources of
/// segments and placements) becomes the chain's records and has the same gaps; a map with a
/// problem in one row, a broken map, another pair's officer and a researcher create nothing,
/// on every engine.
#[test]
fn a_chain_workbook_is_imported_in_one_step_all_or_nothing_on_every_engine() {
    use tandem_platform::{chain_book, chain_import};
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let mut map = expected(0);
        map.nodes[1].source = Some("https://example.org/chain-plan".into());
        map.enterprises[0].source = Some("https://example.org/firm".into());
        let book = chain_book::write(&map).unwrap();
        let read = chain_book::read(&book).unwrap();
        assert_eq!(read, map, "{}: the workbook round trip", t.name);
        let before = chain_records(&t, &cast);
        let rec =
            chain_import::import_map(&t.db, &cast.helped_officer, &read, Some("汽车")).unwrap();
        let id = rec.id_text();
        assert_eq!(rec.text("focus_industry"), Some("汽车"));
        let report = chains::report(&t.db, &cast.researcher, &id).unwrap();
        let mut want = map.clone();
        want.id = id.clone();
        assert_eq!(report.chain, want, "{}", t.name);
        assert_eq!(
            report.gaps,
            chain_gaps(&want, chains::table().unwrap()).unwrap()
        );
        let after = chain_records(&t, &cast);
        assert_eq!(after[0] - before[0], 1);
        assert_eq!(after[1] - before[1], 4);
        assert_eq!(after[3] - before[3], 11);

        // One bad sector in the third segment: nothing, and the row is named.
        let mut bad = map.clone();
        bad.nodes[2].sectors = vec!["99".into()];
        let err = chain_import::import_map(&t.db, &cast.helped_officer, &bad, None).unwrap_err();
        let PlatformError::Invalid(errors) = err else {
            panic!("{}: {err:?}", t.name)
        };
        assert!(errors[0].message.contains("99"), "{errors:?}");
        // A name the record rules refuse (the map itself is fine): the sheet's row is named.
        let mut long = map.clone();
        long.nodes[3].name_zh = "长".repeat(201);
        let err = chain_import::import_map(&t.db, &cast.helped_officer, &long, None).unwrap_err();
        let PlatformError::Invalid(errors) = err else {
            panic!("{}: {err:?}", t.name)
        };
        assert_eq!(errors[0].field, "nodes row 5: name_zh", "{}", t.name);
        // A broken map, another pair's officer, a researcher.
        let mut broken = map.clone();
        broken.edges.push(ChainEdge {
            from: "vehicles".into(),
            to: "dealers".into(),
        });
        assert!(chain_import::import_map(&t.db, &cast.coordinator, &broken, None).is_err());
        for outsider in [&cast.other_officer, &cast.researcher, &cast.park_operator] {
            assert!(
                chain_import::import_map(&t.db, outsider, &map, None).is_err(),
                "{}",
                t.name
            );
        }
        assert_eq!(chain_records(&t, &cast), after, "{}: nothing more", t.name);
    }
}
