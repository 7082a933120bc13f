//! The authorisation matrix: every role × every record type × read, create, update and
//! delete, on a record inside the role's reach ("own") and one outside it ("other"), run
//! through the service functions (so it is the enforcement, not just the policy, under test).
//! The expected outcomes are written out by hand below; the policy code is not consulted.

use serde_json::{json, Map, Value, Value as Json};
use tandem_platform::entity::{self, Entity};
use tandem_platform::innovation;
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, Cast, OTHER_PAIR, PAIR};
use tandem_platform::{disputes, docking};
use tandem_platform::{Db, User};

/// Roles in the column order of the expectation strings.
fn roles(c: &Cast) -> Vec<(&'static str, &User)> {
    vec![
        ("admin", &c.admin),
        ("coordinator", &c.coordinator),
        ("helper_officer", &c.helper_officer),
        ("helped_officer", &c.helped_officer),
        ("other_officer", &c.other_officer),
        ("park_operator", &c.park_operator),
        ("enterprise", &c.enterprise_user),
        ("researcher", &c.researcher),
    ]
}

/// The records other fixtures hang from: a plan (tasks) and a chain (its segments, edges and
/// placements), of the pair the fixture is in.
#[derive(Clone, Copy, Default)]
struct Parents {
    plan: i64,
    chain: i64,
    dispute: i64,
    /// Farm produce (issue #17): a supply base, a buyer and a contract between them.
    base: i64,
    buyer: i64,
    contract: i64,
    /// Innovation (issue #17): an institute, a match of a need with one of its capabilities
    /// and a project from that match.
    institute: i64,
    tech_match: i64,
    innovation_project: i64,
}

/// A valid new record of `e` in the scope of `own` (PAIR, the operator's park, the user's
/// enterprise) or of the other pair.
fn body(e: &Entity, c: &Cast, own: bool, parents: Parents) -> Map<String, Value> {
    let Parents {
        plan,
        chain,
        dispute,
        institute,
        tech_match,
        innovation_project,
        ..
    } = parents;
    let pair = if own { PAIR } else { OTHER_PAIR };
    let park = if own { c.park } else { c.other_park };
    let ent = if own {
        c.enterprise
    } else {
        c.other_enterprise
    };
    let v = match e.name {
        "programmes" => {
            json!({"id": format!("prog-{}", unique()), "name": "test programme", "start_year": 2024, "end_year": 2030, "source": "test"})
        }
        "pairs" => {
            json!({"id": format!("pair-t-{}", unique()), "programme_id": "yrd-north-anhui-2021", "helper_id": "js-xuzhou", "helped_id": "ah-huaibei", "start_year": 2021, "end_year": 2030, "source": "test"})
        }
        "sub_pairs" => json!({"pair_id": pair, "helper_name": "区A", "helped_name": "县B"}),
        "parks" => {
            json!({"pair_id": pair, "name": "园区", "locality_id": if own {"ah-huaibei"} else {"ah-bengbu"}})
        }
        "enterprises" => json!({"name": "企业", "origin_locality_id": "js-xuzhou"}),
        "projects" => {
            json!({"pair_id": pair, "park_id": park, "enterprise_id": ent, "name": "项目", "initiated_by": "enterprise", "amount_agreed_yuan": 1000000})
        }
        "plans" => json!({"pair_id": pair, "year": 2025, "title": "年度计划"}),
        "tasks" => {
            json!({"plan_id": plan, "title": "任务", "owner_side": "helper", "status": "todo"})
        }
        "secondments" => {
            json!({"pair_id": pair, "person": "张三", "from_org": "徐州市发改委", "to_org": "淮北市发改委", "start_on": "2024-03-01"})
        }
        "events" => {
            json!({"pair_id": pair, "kind": "agreement", "title": "签约", "source": "test"})
        }
        // A restricted demand filed through the pair and shared with the pair's park
        // (the operator's) or the other pair's park.
        "demands" => {
            json!({"enterprise_id": ent, "pair_id": pair, "title": "扩产需求", "kind": "expansion",
                   "industry": "io42:18", "land_mu": 10, "confidentiality": "restricted",
                   "shared_with_parks": park.to_string()})
        }
        "park_offers" => {
            json!({"park_id": park, "title": "标准厂房", "land_mu": 200, "building_m2": 10000,
                   "fresh_until": "2099-12-31"})
        }
        "capital_providers" => {
            json!({"name": "基金", "kind": "investor", "ticket_min_yuan": 1000000, "ticket_max_yuan": 9000000})
        }
        // Matches are made by the docking workflow only: a generic create sends nothing.
        "matches" => json!({}),
        // Annual figures: a year of its own per fixture (one row per unit and year).
        "enterprise_figures" => {
            json!({"enterprise_id": ent, "park_id": park, "year": 1950 + unique() % 150,
                   "land_mu": 12.5, "tax_10k_yuan": "", "source": "test"})
        }
        "park_figures" => {
            json!({"park_id": park, "year": 1950 + unique() % 150, "land_mu": 3000,
                   "one_stop_service": "yes", "source": "test"})
        }
        // Industry chains (issue #17): parts hang from a chain of the fixture's pair; segment
        // keys are unique in a chain.
        "chains" => {
            json!({"pair_id": pair, "name_zh": "装备制造产业链", "name_en": "Equipment chain",
                   "focus_industry": "装备制造", "source": "test", "weak_share": 0.25})
        }
        "chain_nodes" => {
            json!({"chain_id": chain, "node_key": format!("n{}", unique()), "name_zh": "零部件",
                   "name_en": "Parts", "sectors": ["16", "18"]})
        }
        "chain_edges" => json!({"chain_id": chain, "from_node": "ore", "to_node": "parts"}),
        "chain_placements" => {
            json!({"chain_id": chain, "node_key": "parts", "enterprise_id": ent, "side": "helper"})
        }
        // Barriers (issue #17) name the pairs they affect.
        "barriers" => Json::Object(testkit::barrier_body(&[pair])),
        // Disputes (issue #17): raised by the helper side about the fixture's park; rounds
        // hang from a case of the fixture's pair; escalations are made by the workflow only.
        "disputes" => {
            json!({"pair_id": pair, "park_id": park, "raised_by_side": "helper",
                   "subject_kind": "park", "subject_id": park, "title": "用地指标争议",
                   "parties": "园区管委会；入园企业", "description": "土地出让条件不一致",
                   "amount_at_stake_yuan": 500000, "raised_on": "2024-05-01"})
        }
        "dispute_rounds" => {
            json!({"dispute_id": dispute, "level": "park", "held_on": "2024-05-10",
                   "attendees": "双方园区负责人", "minutes": "初步协商"})
        }
        "dispute_escalations" => json!({}),
        // Farm produce (issue #17): parts hang from a base or contract of the fixture's pair.
        "supply_bases" => {
            json!({"pair_id": pair, "name": "稻麦基地", "county": "濉溪县", "products": ["大米"]})
        }
        "base_certifications" => {
            json!({"base_id": parents.base, "kind": "green_food", "certificate_no": "LB-1",
                   "issuer": "中国绿色食品发展中心", "issued_on": "2024-01-01", "valid_until": "2026-12-31"})
        }
        "produce_buyers" => {
            json!({"pair_id": pair, "name": "批发市场", "kind": "wholesaler", "buyer_locality_id": "js-xuzhou"})
        }
        "supply_contracts" => {
            json!({"base_id": parents.base, "buyer_id": parents.buyer, "contract_no": "HT-2024-001", "product": "大米", "volume_t": 100,
                   "value_yuan": 100000, "start_on": "2024-01-01", "end_on": "2024-12-31"})
        }
        "deliveries" => {
            json!({"contract_id": parents.contract, "month": "2024-03", "volume_t": 10, "value_yuan": 5000})
        }
        "produce_events" => {
            json!({"pair_id": pair, "title": "产销对接会", "held_on": "2024-05-10", "place": "淮北", "deals": 3})
        }
        // Innovation (issue #17): institutes of the fixture's pair, their platforms and
        // capabilities, needs of the fixture's enterprise, projects from a match.
        "institutes" => {
            json!({"pair_id": pair, "side": "helper", "name": "大学", "kind": "university"})
        }
        "innovation_platforms" => {
            json!({"institute_id": institute, "kind": "joint_lab", "name": "实验室", "side": "helped"})
        }
        "tech_capabilities" => {
            json!({"institute_id": institute, "title": "技术", "sectors": "18", "readiness": 5})
        }
        "tech_needs" => {
            json!({"pair_id": pair, "enterprise_id": ent, "title": "需求", "sectors": "18"})
        }
        // Technology matches are made by the workflow only: a generic create sends nothing.
        "tech_matches" => json!({}),
        "innovation_projects" => {
            json!({"match_id": tech_match, "kind": "agreement", "title": "项目"})
        }
        "innovation_milestones" => {
            json!({"project_id": innovation_project, "milestone": "agreement",
                   "reached_on": "2025-01-01", "evidence": "协议"})
        }
        "ip_records" => {
            json!({"pair_id": pair, "kind": "patent", "number": "ZL1", "title": "专利",
                   "holder": "大学", "dated_on": "2025-01-01"})
        }
        other => panic!("no fixture for {other}"),
    };
    v.as_object().unwrap().clone()
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

/// The field each update changes (to the value it already has, so updates can repeat).
fn touch(e: &Entity, rec: &service::Record) -> Map<String, Value> {
    let field = match e.name {
        "programmes" | "parks" | "enterprises" | "projects" => "name",
        "pairs" | "events" => "source",
        "sub_pairs" => "helper_name",
        "plans" | "tasks" => "title",
        "secondments" => "person",
        "demands" | "park_offers" => "title",
        "capital_providers" => "name",
        "enterprise_figures" | "park_figures" => "source",
        "chains" | "chain_nodes" => "name_zh",
        "chain_edges" => "from_node",
        "chain_placements" => "node_key",
        "barriers" => "title",
        "disputes" => "title",
        "dispute_rounds" => "minutes",
        // Every field of an escalation is written by the workflow: the update sends nothing.
        "dispute_escalations" => return Map::new(),
        "supply_bases" | "produce_buyers" => "name",
        "base_certifications" => "issuer",
        "supply_contracts" => "volume_t",
        "deliveries" => "month",
        "produce_events" => "title",
        "institutes" | "innovation_platforms" => "name",
        "tech_capabilities" | "tech_needs" | "innovation_projects" | "ip_records" => "title",
        "innovation_milestones" => "evidence",
        "tech_matches" => "status",
        // Every field of a match is managed by the workflow: the update sends nothing.
        "matches" => return Map::new(),
        other => panic!("{other}"),
    };
    let mut m = Map::new();
    m.insert(field.into(), rec.fields[field].clone());
    m
}

struct World {
    db: Db,
    cast: Cast,
    /// (own, other) record ids per entity.
    ids: Vec<(&'static str, String, String)>,
    parents: (Parents, Parents),
}

fn world(t: &testkit::TestDb) -> World {
    let db = t.db.clone();
    let cast = testkit::cast(&db);
    let admin = cast.admin.clone();
    let parent = |e: &'static Entity, own: bool| {
        service::create(&db, &admin, e, &body(e, &cast, own, Parents::default()))
            .unwrap()
            .int("id")
            .unwrap()
    };
    let parents_own = Parents {
        plan: parent(&entity::PLANS, true),
        chain: parent(&entity::CHAINS, true),
        dispute: parent(&entity::DISPUTES, true),
        ..Parents::default()
    };
    let parents_other = Parents {
        plan: parent(&entity::PLANS, false),
        chain: parent(&entity::CHAINS, false),
        dispute: parent(&entity::DISPUTES, false),
        ..Parents::default()
    };
    let parents_own = produce_parents(&db, &cast, parents_own, true);
    let parents_other = produce_parents(&db, &cast, parents_other, false);
    let parents_own = innovation_parents(&db, &cast, true, parents_own);
    let parents_other = innovation_parents(&db, &cast, false, parents_other);
    let mut ids: Vec<(&str, String, String)> = Vec::new();
    for e in entity::ENTITIES {
        let (own, other) = match e.name {
            "programmes" => ("yrd-north-anhui-2021".to_string(), None),
            "pairs" => (PAIR.to_string(), Some(OTHER_PAIR.to_string())),
            "parks" => (cast.park.to_string(), Some(cast.other_park.to_string())),
            "enterprises" => (
                cast.enterprise.to_string(),
                Some(cast.other_enterprise.to_string()),
            ),
            // The match of each demand fixture with the park it is shared with (the park
            // offers, created before, make both feasible).
            "matches" => {
                let demand = |own: bool| -> i64 {
                    let (_, o, x) = ids.iter().find(|(n, _, _)| *n == "demands").unwrap();
                    (if own { o } else { x }).parse().unwrap()
                };
                let mk = |own: bool| {
                    let ms = docking::refresh_matches(&db, &admin, demand(own)).unwrap();
                    assert_eq!(ms.len(), 1, "one park may see each restricted demand");
                    ms[0].id_text()
                };
                (mk(true), Some(mk(false)))
            }
            // One escalation of each parent case, by the workflow.
            "dispute_escalations" => {
                let mk = |case: i64| {
                    let step = disputes::Escalation {
                        reason: "园区层面未能达成一致".into(),
                        ..Default::default()
                    };
                    disputes::escalate(&db, &admin, &case.to_string(), Some(1), &step).unwrap();
                    let c = disputes::case(&db, &admin, &case.to_string()).unwrap();
                    c.escalations[0].id_text()
                };
                (mk(parents_own.dispute), Some(mk(parents_other.dispute)))
            }
            // The match of each need fixture with the capability fixture of its pair.
            "tech_matches" => {
                let id_of = |name: &str, own: bool| -> i64 {
                    let (_, o, x) = ids.iter().find(|(n, _, _)| *n == name).unwrap();
                    (if own { o } else { x }).parse().unwrap()
                };
                let mk = |own: bool| {
                    let need = id_of("tech_needs", own);
                    let cap = id_of("tech_capabilities", own);
                    innovation::create_match(&db, &admin, need, cap)
                        .unwrap()
                        .id_text()
                };
                (mk(true), Some(mk(false)))
            }
            _ => {
                let mk = |own: bool| {
                    service::create(
                        &db,
                        &admin,
                        e,
                        &body(e, &cast, own, if own { parents_own } else { parents_other }),
                    )
                    .unwrap_or_else(|err| panic!("{}: {err}", e.name))
                    .id_text()
                };
                (mk(true), Some(mk(false)))
            }
        };
        ids.push((e.name, own.clone(), other.unwrap_or(own)));
    }
    World {
        db,
        cast,
        ids,
        parents: (parents_own, parents_other),
    }
}

/// `parents` with a supply base, a buyer and a contract between them (issue #17) of the
/// fixture's pair, made by the administrator.
fn produce_parents(db: &Db, cast: &Cast, mut parents: Parents, own: bool) -> Parents {
    use entity::produce::{PRODUCE_BUYERS, SUPPLY_BASES, SUPPLY_CONTRACTS};
    let make = |e: &'static Entity, p: Parents| {
        service::create(db, &cast.admin, e, &body(e, cast, own, p))
            .unwrap()
            .int("id")
            .unwrap()
    };
    parents.base = make(&SUPPLY_BASES, parents);
    parents.buyer = make(&PRODUCE_BUYERS, parents);
    parents.contract = make(&SUPPLY_CONTRACTS, parents);
    parents
}

/// `parents` completed with an institute of the fixture's pair, a match of a need of the
/// fixture's enterprise with one of its capabilities, and a project from that match.
fn innovation_parents(db: &Db, cast: &Cast, own: bool, parents: Parents) -> Parents {
    let admin = &cast.admin;
    let create = |name: &str, parents: Parents| {
        let e = entity::entity(name).unwrap();
        service::create(db, admin, e, &body(e, cast, own, parents))
            .unwrap()
            .int("id")
            .unwrap()
    };
    let institute = create("institutes", parents);
    let with = Parents {
        institute,
        ..parents
    };
    let cap = create("tech_capabilities", with);
    let need = create("tech_needs", with);
    let m = innovation::create_match(db, admin, need, cap).unwrap();
    let with = Parents {
        tech_match: m.int("id").unwrap(),
        ..with
    };
    Parents {
        innovation_project: create("innovation_projects", with),
        ..with
    }
}

/// Expected outcomes: one letter per role (admin, coordinator, helper officer, helped
/// officer, other pair's officer, park operator, enterprise, researcher): Y allowed, N denied.
const EXPECTED: &[(&str, &str, &str)] = &[
    // entity, action/target, outcomes
    ("programmes", "read own", "YYYYYYYY"),
    ("programmes", "create", "YYNNNNNN"),
    ("programmes", "update own", "YYNNNNNN"),
    ("pairs", "read own", "YYYYYYYY"),
    ("pairs", "read other", "YYYYYYYY"),
    ("pairs", "create", "YYNNNNNN"),
    ("pairs", "update own", "YYNNNNNN"),
    ("sub_pairs", "read own", "YYYYYYYY"),
    ("sub_pairs", "create own", "YYYYNNNN"),
    ("sub_pairs", "create other", "YYNNYNNN"),
    ("sub_pairs", "update own", "YYYYNNNN"),
    ("sub_pairs", "update other", "YYNNYNNN"),
    ("sub_pairs", "delete own", "YYNNNNNN"),
    ("parks", "read own", "YYYYYYYY"),
    ("parks", "read other", "YYYYYYYY"),
    ("parks", "create own", "YYYYNNNN"),
    ("parks", "update own", "YYYYNYNN"),
    ("parks", "update other", "YYNNYNNN"),
    ("parks", "delete own", "YYNNNNNN"),
    ("enterprises", "read own", "YYYYYYYY"),
    ("enterprises", "read other", "YYYYYYNY"),
    ("enterprises", "create", "YYYYYYNN"),
    ("enterprises", "update own", "YYYYYNYN"),
    ("enterprises", "update other", "YYYYYNNN"),
    ("enterprises", "delete own", "YYNNNNNN"),
    ("projects", "read own", "YYYYNYYY"),
    ("projects", "read other", "YYNNYNNY"),
    ("projects", "create own", "YYYYNYYN"),
    ("projects", "create other", "YYNNYNNN"),
    ("projects", "update own", "YYYYNYYN"),
    ("projects", "update other", "YYNNYNNN"),
    ("projects", "delete own", "YYNNNNNN"),
    ("plans", "read own", "YYYYNNNY"),
    ("plans", "read other", "YYNNYNNY"),
    ("plans", "create own", "YYYYNNNN"),
    ("plans", "update own", "YYYYNNNN"),
    ("plans", "update other", "YYNNYNNN"),
    ("plans", "delete own", "YYNNNNNN"),
    // Tasks are owned by a side: the fixtures are owned by the helper side.
    ("tasks", "read own", "YYYYNNNY"),
    ("tasks", "read other", "YYNNYNNY"),
    ("tasks", "create own", "YYYNNNNN"),
    ("tasks", "create other", "YYNNYNNN"),
    ("tasks", "update own", "YYYNNNNN"),
    ("tasks", "update other", "YYNNYNNN"),
    ("tasks", "delete own", "YYNNNNNN"),
    ("secondments", "read own", "YYYYNNNY"),
    ("secondments", "read other", "YYNNYNNY"),
    ("secondments", "create own", "YYYYNNNN"),
    ("secondments", "update own", "YYYYNNNN"),
    ("secondments", "delete own", "YYNNNNNN"),
    ("events", "read own", "YYYYYYYY"),
    ("events", "read other", "YYYYYYYY"),
    ("events", "create own", "YYYYNNNN"),
    ("events", "create other", "YYNNYNNN"),
    ("events", "update own", "YYYYNNNN"),
    ("events", "delete own", "YYNNNNNN"),
    // Demands (issue #7): the fixtures are restricted, filed through the pair and shared with
    // the pair's park. Visible to the enterprise, the staff, the filing pair's officers and the
    // shared park's operator; never to researchers (aggregates only).
    ("demands", "read own", "YYYYNYYN"),
    ("demands", "read other", "YYNNYNNN"),
    ("demands", "create own", "YYYYNNYN"),
    ("demands", "create other", "YYNNYNNN"),
    ("demands", "update own", "YYYYNNYN"),
    ("demands", "update other", "YYNNYNNN"),
    ("demands", "delete own", "YYNNNNNN"),
    // Park offers are public; the park's operator and its pair's officers keep them.
    ("park_offers", "read own", "YYYYYYYY"),
    ("park_offers", "read other", "YYYYYYYY"),
    ("park_offers", "create own", "YYYYNYNN"),
    ("park_offers", "create other", "YYNNYNNN"),
    ("park_offers", "update own", "YYYYNYNN"),
    ("park_offers", "update other", "YYNNYNNN"),
    ("park_offers", "delete own", "YYNNNNNN"),
    ("capital_providers", "read own", "YYYYYYYY"),
    ("capital_providers", "create", "YYNNNNNN"),
    ("capital_providers", "update own", "YYNNNNNN"),
    ("capital_providers", "delete own", "YYNNNNNN"),
    // Matches follow their demand; the matched park's operator sees its own park's match.
    // Nobody creates or edits them through the record API (the workflow does).
    ("matches", "read own", "YYYYNYYN"),
    ("matches", "read other", "YYNNYNNN"),
    ("matches", "create", "NNNNNNNN"),
    ("matches", "update own", "NNNNNNNN"),
    ("matches", "update other", "NNNNNNNN"),
    // Annual figures (issue #16) are confidential: the pair's officers and the park's
    // operator keep them, an enterprise reads its own, researchers read none (aggregates).
    ("enterprise_figures", "read own", "YYYYNYYN"),
    ("enterprise_figures", "read other", "YYNNYNNN"),
    ("enterprise_figures", "create own", "YYYYNYNN"),
    ("enterprise_figures", "create other", "YYNNYNNN"),
    ("enterprise_figures", "update own", "YYYYNYNN"),
    ("enterprise_figures", "update other", "YYNNYNNN"),
    ("enterprise_figures", "delete own", "YYNNNNNN"),
    ("park_figures", "read own", "YYYYNYNN"),
    ("park_figures", "read other", "YYNNYNNN"),
    ("park_figures", "create own", "YYYYNYNN"),
    ("park_figures", "create other", "YYNNYNNN"),
    ("park_figures", "update own", "YYYYNYNN"),
    ("park_figures", "update other", "YYNNYNNN"),
    ("park_figures", "delete own", "YYNNNNNN"),
    // Industry chains (issue #17) belong to their pair like plans: its officers (either side)
    // and the staff keep them, researchers read them, park operators and enterprises do not.
    ("chains", "read own", "YYYYNNNY"),
    ("chains", "read other", "YYNNYNNY"),
    ("chains", "create own", "YYYYNNNN"),
    ("chains", "create other", "YYNNYNNN"),
    ("chains", "update own", "YYYYNNNN"),
    ("chains", "update other", "YYNNYNNN"),
    ("chains", "delete own", "YYNNNNNN"),
    ("chain_nodes", "read own", "YYYYNNNY"),
    ("chain_nodes", "read other", "YYNNYNNY"),
    ("chain_nodes", "create own", "YYYYNNNN"),
    ("chain_nodes", "create other", "YYNNYNNN"),
    ("chain_nodes", "update own", "YYYYNNNN"),
    ("chain_nodes", "update other", "YYNNYNNN"),
    ("chain_nodes", "delete own", "YYNNNNNN"),
    ("chain_edges", "read own", "YYYYNNNY"),
    ("chain_edges", "read other", "YYNNYNNY"),
    ("chain_edges", "create own", "YYYYNNNN"),
    ("chain_edges", "create other", "YYNNYNNN"),
    ("chain_edges", "update own", "YYYYNNNN"),
    ("chain_edges", "update other", "YYNNYNNN"),
    ("chain_edges", "delete own", "YYNNNNNN"),
    ("chain_placements", "read own", "YYYYNNNY"),
    ("chain_placements", "read other", "YYNNYNNY"),
    ("chain_placements", "create own", "YYYYNNNN"),
    ("chain_placements", "create other", "YYNNYNNN"),
    ("chain_placements", "update own", "YYYYNNNN"),
    ("chain_placements", "update other", "YYNNYNNN"),
    ("chain_placements", "delete own", "YYNNNNNN"),
    // Barriers (issue #17) are seen and kept by the officers of the pairs they list (the
    // fixtures list one pair), read by researchers (public rules); a park operator reads its
    // pair's on the register only (tests/barriers.rs), enterprises none.
    ("barriers", "read own", "YYYYNNNY"),
    ("barriers", "read other", "YYNNYNNY"),
    ("barriers", "create own", "YYYYNNNN"),
    ("barriers", "create other", "YYNNYNNN"),
    ("barriers", "update own", "YYYYNNNN"),
    ("barriers", "update other", "YYNNYNNN"),
    ("barriers", "delete own", "YYNNNNNN"),
    // Disputes (issue #17) are confidential negotiations of a pair: both sides' officers keep
    // them (a case is raised only for the officer's own side: the fixture is the helper
    // side's), a park operator reads its park's and adds rounds, enterprises and
    // researchers see none; escalations are written by the workflow only.
    ("disputes", "read own", "YYYYNYNN"),
    ("disputes", "read other", "YYNNYNNN"),
    ("disputes", "create own", "YYYNNNNN"),
    ("disputes", "create other", "YYNNYNNN"),
    ("disputes", "update own", "YYYYNNNN"),
    ("disputes", "update other", "YYNNYNNN"),
    ("disputes", "delete own", "YYNNNNNN"),
    ("dispute_rounds", "read own", "YYYYNYNN"),
    ("dispute_rounds", "read other", "YYNNYNNN"),
    ("dispute_rounds", "create own", "YYYYNYNN"),
    ("dispute_rounds", "create other", "YYNNYNNN"),
    ("dispute_rounds", "update own", "YYYYNNNN"),
    ("dispute_rounds", "update other", "YYNNYNNN"),
    ("dispute_rounds", "delete own", "YYNNNNNN"),
    ("dispute_escalations", "read own", "YYYYNYNN"),
    ("dispute_escalations", "read other", "YYNNYNNN"),
    ("dispute_escalations", "create", "NNNNNNNN"),
    ("dispute_escalations", "update own", "NNNNNNNN"),
    ("dispute_escalations", "update other", "NNNNNNNN"),
    // Farm produce (issue #17) belongs to its pair: its officers (either side) and the staff
    // keep it; researchers read the bases, certificates and fairs (public anyway) but no
    // buyer, contract or delivery (commercial terms; they read the pair totals); park
    // operators and enterprises read none.
    ("supply_bases", "read own", "YYYYNNNY"),
    ("supply_bases", "read other", "YYNNYNNY"),
    ("supply_bases", "create own", "YYYYNNNN"),
    ("supply_bases", "create other", "YYNNYNNN"),
    ("supply_bases", "update own", "YYYYNNNN"),
    ("supply_bases", "update other", "YYNNYNNN"),
    ("supply_bases", "delete own", "YYNNNNNN"),
    ("base_certifications", "read own", "YYYYNNNY"),
    ("base_certifications", "read other", "YYNNYNNY"),
    ("base_certifications", "create own", "YYYYNNNN"),
    ("base_certifications", "create other", "YYNNYNNN"),
    ("base_certifications", "update own", "YYYYNNNN"),
    ("base_certifications", "update other", "YYNNYNNN"),
    ("base_certifications", "delete own", "YYNNNNNN"),
    ("produce_buyers", "read own", "YYYYNNNN"),
    ("produce_buyers", "read other", "YYNNYNNN"),
    ("produce_buyers", "create own", "YYYYNNNN"),
    ("produce_buyers", "create other", "YYNNYNNN"),
    ("produce_buyers", "update own", "YYYYNNNN"),
    ("produce_buyers", "update other", "YYNNYNNN"),
    ("produce_buyers", "delete own", "YYNNNNNN"),
    ("supply_contracts", "read own", "YYYYNNNN"),
    ("supply_contracts", "read other", "YYNNYNNN"),
    ("supply_contracts", "create own", "YYYYNNNN"),
    ("supply_contracts", "create other", "YYNNYNNN"),
    ("supply_contracts", "update own", "YYYYNNNN"),
    ("supply_contracts", "update other", "YYNNYNNN"),
    ("supply_contracts", "delete own", "YYNNNNNN"),
    ("deliveries", "read own", "YYYYNNNN"),
    ("deliveries", "read other", "YYNNYNNN"),
    ("deliveries", "create own", "YYYYNNNN"),
    ("deliveries", "create other", "YYNNYNNN"),
    ("deliveries", "update own", "YYYYNNNN"),
    ("deliveries", "update other", "YYNNYNNN"),
    ("deliveries", "delete own", "YYNNNNNN"),
    ("produce_events", "read own", "YYYYNNNY"),
    ("produce_events", "read other", "YYNNYNNY"),
    ("produce_events", "create own", "YYYYNNNN"),
    ("produce_events", "create other", "YYNNYNNN"),
    ("produce_events", "update own", "YYYYNNNN"),
    ("produce_events", "update other", "YYNNYNNN"),
    ("produce_events", "delete own", "YYNNNNNN"),
    // Innovation (issue #17): institutes, their platforms and capabilities are public and kept
    // by their pair's officers; needs are an enterprise's business like demands (the
    // enterprise, its pair's officers, the staff; no researcher); matches follow their need
    // and are made by the workflow only; projects, milestones, patents and licences belong to
    // their pair like plans (researchers read them).
    ("institutes", "read own", "YYYYYYYY"),
    ("institutes", "read other", "YYYYYYYY"),
    ("institutes", "create own", "YYYYNNNN"),
    ("institutes", "create other", "YYNNYNNN"),
    ("institutes", "update own", "YYYYNNNN"),
    ("institutes", "update other", "YYNNYNNN"),
    ("institutes", "delete own", "YYNNNNNN"),
    ("innovation_platforms", "read own", "YYYYYYYY"),
    ("innovation_platforms", "read other", "YYYYYYYY"),
    ("innovation_platforms", "create own", "YYYYNNNN"),
    ("innovation_platforms", "create other", "YYNNYNNN"),
    ("innovation_platforms", "update own", "YYYYNNNN"),
    ("innovation_platforms", "update other", "YYNNYNNN"),
    ("innovation_platforms", "delete own", "YYNNNNNN"),
    ("tech_capabilities", "read own", "YYYYYYYY"),
    ("tech_capabilities", "read other", "YYYYYYYY"),
    ("tech_capabilities", "create own", "YYYYNNNN"),
    ("tech_capabilities", "create other", "YYNNYNNN"),
    ("tech_capabilities", "update own", "YYYYNNNN"),
    ("tech_capabilities", "update other", "YYNNYNNN"),
    ("tech_capabilities", "delete own", "YYNNNNNN"),
    ("tech_needs", "read own", "YYYYNNYN"),
    ("tech_needs", "read other", "YYNNYNNN"),
    ("tech_needs", "create own", "YYYYNNYN"),
    ("tech_needs", "create other", "YYNNYNNN"),
    ("tech_needs", "update own", "YYYYNNYN"),
    ("tech_needs", "update other", "YYNNYNNN"),
    ("tech_needs", "delete own", "YYNNNNNN"),
    ("tech_matches", "read own", "YYYYNNYN"),
    ("tech_matches", "read other", "YYNNYNNN"),
    ("tech_matches", "create", "NNNNNNNN"),
    ("tech_matches", "update own", "YYYYNNNN"),
    ("tech_matches", "update other", "YYNNYNNN"),
    ("innovation_projects", "read own", "YYYYNNNY"),
    ("innovation_projects", "read other", "YYNNYNNY"),
    ("innovation_projects", "create own", "YYYYNNNN"),
    ("innovation_projects", "create other", "YYNNYNNN"),
    ("innovation_projects", "update own", "YYYYNNNN"),
    ("innovation_projects", "update other", "YYNNYNNN"),
    ("innovation_projects", "delete own", "YYNNNNNN"),
    ("innovation_milestones", "read own", "YYYYNNNY"),
    ("innovation_milestones", "read other", "YYNNYNNY"),
    ("innovation_milestones", "create own", "YYYYNNNN"),
    ("innovation_milestones", "create other", "YYNNYNNN"),
    ("innovation_milestones", "update own", "YYYYNNNN"),
    ("innovation_milestones", "update other", "YYNNYNNN"),
    ("innovation_milestones", "delete own", "YYNNNNNN"),
    ("ip_records", "read own", "YYYYNNNY"),
    ("ip_records", "read other", "YYNNYNNY"),
    ("ip_records", "create own", "YYYYNNNN"),
    ("ip_records", "create other", "YYNNYNNN"),
    ("ip_records", "update own", "YYYYNNNN"),
    ("ip_records", "update other", "YYNNYNNN"),
    ("ip_records", "delete own", "YYNNNNNN"),
];

fn outcome<T>(r: Result<T, PlatformError>, what: &str) -> bool {
    match r {
        Ok(_) => true,
        Err(PlatformError::Forbidden(_) | PlatformError::NotFound(_)) => false,
        Err(e) => panic!("{what}: unexpected error {e}"),
    }
}

fn run_matrix(t: &testkit::TestDb) {
    let w = world(t);
    let mut failures = Vec::new();
    for (entity_name, what, expected) in EXPECTED {
        let e = entity::entity(entity_name).unwrap();
        let (_, own_id, other_id) = w.ids.iter().find(|(n, _, _)| n == entity_name).unwrap();
        let own = !what.ends_with("other");
        let id = if own { own_id } else { other_id };
        for (i, (role, user)) in roles(&w.cast).into_iter().enumerate() {
            let want = expected.as_bytes()[i] == b'Y';
            let label = format!("{role} {what} {entity_name}");
            let got = if what.starts_with("read") {
                let single = outcome(service::get(&w.db, user, e, id), &label);
                // Lists must agree with single reads: the record is listed iff it is readable.
                let listed = listed(&w.db, user, e, id);
                if single != listed {
                    failures.push(format!("{label}: get says {single}, list says {listed}"));
                }
                single
            } else if what.starts_with("create") {
                let b = body(e, &w.cast, own, if own { w.parents.0 } else { w.parents.1 });
                outcome(service::create(&w.db, user, e, &b), &label)
            } else if what.starts_with("update") {
                let rec = service::get(&w.db, &w.cast.admin, e, id).unwrap();
                outcome(
                    service::update(&w.db, user, e, id, Some(rec.version), &touch(e, &rec)),
                    &label,
                )
            } else {
                // Delete a throwaway record made for this attempt.
                let b = body(e, &w.cast, own, w.parents.0);
                let rec = service::create(&w.db, &w.cast.admin, e, &b).unwrap();
                outcome(
                    service::delete(&w.db, user, e, &rec.id_text(), Some(rec.version)),
                    &label,
                )
            };
            if got != want {
                failures.push(format!("{label}: expected {}, got {}", yn(want), yn(got)));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} mismatches:\n{}",
        t.name,
        failures.len(),
        failures.join("\n")
    );
}

/// Whether `id` appears on any page of the user's list of `e`.
fn listed(db: &Db, user: &User, e: &'static Entity, id: &str) -> bool {
    let mut page = 1;
    loop {
        let p = service::list(
            db,
            user,
            e,
            &service::ListQuery {
                page,
                per_page: 200,
                ..Default::default()
            },
        )
        .unwrap();
        let found = p.items.iter().any(|m| match &m["id"] {
            Value::String(s) => s == id,
            v => v.as_i64().map(|i| i.to_string()).as_deref() == Some(id),
        });
        if found {
            return true;
        }
        if page * p.per_page >= p.total {
            return false;
        }
        page += 1;
    }
}

fn yn(b: bool) -> &'static str {
    if b {
        "allowed"
    } else {
        "denied"
    }
}

#[test]
fn authorisation_matrix_on_every_engine() {
    for t in testkit::engines() {
        run_matrix(&t);
    }
}

/// A denied write changes nothing and leaves no history.
#[test]
fn denied_writes_change_nothing() {
    let t = testkit::sqlite();
    let w = world(&t);
    let id = &w.ids.iter().find(|(n, _, _)| *n == "projects").unwrap().1;
    let before = service::get(&w.db, &w.cast.admin, &entity::PROJECTS, id).unwrap();
    let history = service::history(&w.db, &w.cast.admin, &entity::PROJECTS, id)
        .unwrap()
        .len();
    let mut patch = Map::new();
    patch.insert("name".into(), json!("hijacked"));
    let err = service::update(
        &w.db,
        &w.cast.researcher,
        &entity::PROJECTS,
        id,
        Some(before.version),
        &patch,
    )
    .unwrap_err();
    assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
    // An officer may not move a project out of their pair either.
    let mut moved = Map::new();
    moved.insert("pair_id".into(), json!(OTHER_PAIR));
    moved.insert("park_id".into(), json!(w.cast.other_park));
    let err = service::update(
        &w.db,
        &w.cast.helper_officer,
        &entity::PROJECTS,
        id,
        Some(before.version),
        &moved,
    )
    .unwrap_err();
    assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
    let after = service::get(&w.db, &w.cast.admin, &entity::PROJECTS, id).unwrap();
    assert_eq!(before, after);
    assert_eq!(
        service::history(&w.db, &w.cast.admin, &entity::PROJECTS, id)
            .unwrap()
            .len(),
        history
    );
}

/// Open demands: every officer and park operator sees them, the other enterprise and
/// researchers do not; a park operator sees an open demand's match only with its own park.
#[test]
fn open_demands_and_their_matches_on_every_engine() {
    for t in testkit::engines() {
        let w = world(&t);
        let c = &w.cast;
        let mut b = body(&entity::DEMANDS, c, false, Parents::default());
        b.insert("confidentiality".into(), json!("open"));
        b.remove("shared_with_parks");
        let d = service::create(&w.db, &c.admin, &entity::DEMANDS, &b).unwrap();
        let ms = docking::refresh_matches(&w.db, &c.coordinator, d.int("id").unwrap()).unwrap();
        let at = |park: i64| {
            ms.iter()
                .find(|m| m.int("park_id") == Some(park))
                .unwrap()
                .id_text()
        };
        let cases: [(&Entity, String, &str); 3] = [
            (&entity::DEMANDS, d.id_text(), "YYYYYYNN"),
            (&entity::MATCHES, at(c.park), "YYYYYYNN"),
            (&entity::MATCHES, at(c.other_park), "YYYYYNNN"),
        ];
        let mut failures = Vec::new();
        for (e, id, expected) in cases {
            for (i, (role, user)) in roles(c).into_iter().enumerate() {
                let want = expected.as_bytes()[i] == b'Y';
                let label = format!("{role} read open {} {id}", e.name);
                let single = outcome(service::get(&w.db, user, e, &id), &label);
                let listed = listed(&w.db, user, e, &id);
                if single != want || listed != want {
                    failures.push(format!(
                        "{label}: expected {}, get {single}, list {listed}",
                        yn(want)
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}:\n{}", t.name, failures.join("\n"));
    }
}

/// Satisfaction surveys (issue #16): what each role sees of a park's results and whether it
/// may open waves and issue links, for the operator's own park and another, written out by
/// hand (F full, A aggregates, S suppressed aggregates, - nothing; then W if it may run
/// surveys there).
#[test]
fn survey_access_by_role_and_park() {
    use tandem_platform::auth::{may_run_surveys, survey_access, SurveyAccess};
    let t = testkit::sqlite();
    let c = testkit::cast(&t.db);
    let expected = [
        ("admin", "FW", "FW"),
        ("coordinator", "AW", "AW"),
        ("helper_officer", "-", "-"),
        ("helped_officer", "-", "-"),
        ("other_officer", "-", "-"),
        ("park_operator", "FW", "-"),
        ("enterprise", "-", "-"),
        ("researcher", "S", "S"),
    ];
    let code = |u: &User, park: i64| {
        let access = match survey_access(u, park) {
            SurveyAccess::Full => "F",
            SurveyAccess::Aggregates => "A",
            SurveyAccess::Suppressed => "S",
            SurveyAccess::Hidden => "-",
        };
        format!(
            "{access}{}",
            if may_run_surveys(u, park) { "W" } else { "" }
        )
    };
    for ((name, user), (want_name, own, other)) in roles(&c).into_iter().zip(expected) {
        assert_eq!(name, want_name);
        assert_eq!(code(user, c.park), own, "{name} on its own park");
        assert_eq!(code(user, c.other_park), other, "{name} on another park");
    }
}

/// The farm-produce totals of a pair (issue #17), read through the service: the pair's
/// officers, researchers and the staff read them; another pair's officer, park operators and
/// enterprises are told they are not found.
#[test]
fn produce_totals_by_role_on_every_engine() {
    use tandem_platform::produce;
    for t in testkit::engines() {
        let c = testkit::cast(&t.db);
        for (pair, expected) in [(PAIR, "YYYYNNNY"), (OTHER_PAIR, "YYNNYNNY")] {
            for (i, (role, user)) in roles(&c).into_iter().enumerate() {
                let want = expected.as_bytes()[i] == b'Y';
                let label = format!("{} {role} produce totals of {pair}", t.name);
                let got = outcome(produce::pair_totals(&t.db, user, pair), &label);
                assert_eq!(got, want, "{label}");
            }
        }
    }
}
