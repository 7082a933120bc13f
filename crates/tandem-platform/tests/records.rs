//! Records on both engines: the bundled programme on first start, create/read/list/update/
//! delete of every record type with its history, validation naming fields, optimistic
//! concurrency, the project lifecycle, review flags, the append-only audit log, the dashboard,
//! backup and restore across engines, and XLSX import/export.

use serde_json::{json, Map, Value};
use std::collections::HashMap;
use tandem_platform::entity::{self, Entity, ENTITIES};
use tandem_platform::innovation;
use tandem_platform::service::{self, ListQuery, PlatformError};
use tandem_platform::testkit::{self, OTHER_PAIR, PAIR};
use tandem_platform::{backup, dashboard, migrate, seed, sheets, Db, User};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

fn count(db: &Db, table: &str) -> i64 {
    db.read(|c| c.query_i64(&format!("SELECT COUNT(*) FROM {table}"), &[]))
        .unwrap()
}

#[test]
fn bundled_programme_is_loaded_once() {
    for t in testkit::engines() {
        let bundle = tandem_data::bundled::bundle();
        assert_eq!(count(&t.db, "programmes"), 1, "{}", t.name);
        assert_eq!(count(&t.db, "pairs"), 8, "{}", t.name);
        assert_eq!(
            count(&t.db, "events") as usize,
            bundle.events.len(),
            "{}",
            t.name
        );
        let subs: usize = bundle
            .programme
            .pairs
            .iter()
            .map(|p| p.sub_pairs.len())
            .sum();
        assert_eq!(count(&t.db, "sub_pairs") as usize, subs, "{}", t.name);
        // A second start loads nothing and migrates nothing.
        assert!(!seed::seed_bundled(&t.db).unwrap());
        assert!(migrate::migrate(&t.db).unwrap().is_empty());
        assert_eq!(count(&t.db, "pairs"), 8);
    }
}

/// A valid record of every type, in PAIR (a chain's parts in chain `chain`).
fn fixture(e: &Entity, cast: &testkit::Cast, plan: i64, chain: i64) -> Map<String, Value> {
    fixture_with(e, cast, plan, chain, 0)
}

/// [`fixture`], a consultation round in dispute case `dispute`.
fn fixture_with(
    e: &Entity,
    cast: &testkit::Cast,
    plan: i64,
    chain: i64,
    dispute: i64,
) -> Map<String, Value> {
    obj(match e.name {
        "programmes" => {
            json!({"id": "pilot-2024", "name": "试点计划", "start_year": 2024, "end_year": 2026, "source": "test"})
        }
        "pairs" => {
            json!({"id": "pair-test", "programme_id": "pilot-2024", "helper_id": "js-nanjing", "helped_id": "ah-chuzhou", "start_year": 2024, "end_year": 2026, "source": "test"})
        }
        "sub_pairs" => {
            json!({"pair_id": PAIR, "helper_name": "徐州市鼓楼区", "helped_name": "淮北市杜集区", "since": 2022})
        }
        "parks" => {
            json!({"pair_id": PAIR, "name": "徐淮合作园二期", "locality_id": "ah-huaibei", "lon": 116.8, "lat": 33.95, "area_ha": 320.5, "land_available_ha": 80, "focus_industries": ["C35", "C38"], "operator_form": "joint_venture"})
        }
        "enterprises" => {
            json!({"name": "某装备制造有限公司", "origin_locality_id": "js-xuzhou", "industry": "C35", "credit_code": "91320300MA1XXXXXXX"})
        }
        "projects" => {
            json!({"pair_id": PAIR, "park_id": cast.park, "enterprise_id": cast.enterprise, "name": "液压件生产线", "industry": "C35", "amount_agreed_yuan": "120000000.50", "paid_in_yuan": 30000000, "jobs": 350, "initiated_by": "enterprise"})
        }
        "plans" => json!({"pair_id": PAIR, "year": 2025, "title": "2025 年度工作要点"}),
        "tasks" => {
            json!({"plan_id": plan, "title": "共建园区标准厂房", "owner_side": "helped", "due_on": "2025-06-30", "status": "doing"})
        }
        "secondments" => {
            json!({"pair_id": PAIR, "person": "李四", "from_org": "徐州市发改委", "to_org": "淮北市发改委", "post": "副主任", "start_on": "2023-09-01", "end_on": "2025-08-31"})
        }
        "events" => {
            json!({"pair_id": PAIR, "event_date": "2024-05-20", "kind": "agreement", "title": "签订园区共建协议", "amount_yuan": 500000000, "source": "test"})
        }
        "demands" => {
            json!({"enterprise_id": cast.enterprise, "pair_id": PAIR, "title": "液压件扩产", "kind": "relocation", "industry": "C35", "land_mu": 80, "building_m2": 12000, "power_kw": 3000, "labour": 200, "budget_yuan": "30000000.50", "preferred_regions": ["ah-huaibei"], "deadline": "2027-06-30", "confidentiality": "restricted", "shared_with_parks": [cast.park.to_string()], "shared_with_pairs": [PAIR]})
        }
        "park_offers" => {
            json!({"park_id": cast.park, "title": "标准厂房一期", "land_mu": 300, "building_m2": 20000, "power_kw": 8000, "water_t_day": 5000, "labour": 800, "land_price_yuan_m2": 190, "incentive_rating": 0.6, "incentives": "三年免租", "services": "一站式审批", "focus_industries": ["C35"], "excluded_industries": ["C25"], "capacity": 4, "fresh_until": "2027-12-31"})
        }
        "capital_providers" => {
            json!({"name": "徐州市产业发展基金", "kind": "special_fund", "home_locality_id": "js-xuzhou", "industries": ["C35"], "regions": ["ah-huaibei"], "ticket_min_yuan": 1000000, "ticket_max_yuan": 50000000, "stages": ["preparation", "construction"]})
        }
        // Annual figures (issue #16): a figure left empty stays empty.
        "enterprise_figures" => {
            json!({"enterprise_id": cast.enterprise, "park_id": cast.park, "year": 2024, "land_mu": 35.5, "revenue_10k_yuan": 12000, "tax_10k_yuan": 610.25, "value_added_10k_yuan": 3100, "rd_percent": 3.2, "energy_tce": 900, "emissions_t": 12.5, "employees": 240, "production_start_year": 2019, "source": "统计直报"})
        }
        "park_figures" => {
            json!({"park_id": cast.park, "year": 2024, "land_mu": 12000, "land_occupied_mu": 8000, "factory_m2": 300000, "factory_occupied_m2": 210000, "output_10k_yuan": 980000, "tax_10k_yuan": 42000, "investment_10k_yuan": 150000, "one_stop_service": "yes", "service_providers": 12, "staff": 85, "source": "园区年报"})
        }
        // An industry chain (issue #17) and its parts.
        "chains" => {
            json!({"pair_id": PAIR, "name_zh": "工程机械产业链", "name_en": "Construction machinery chain", "focus_industry": "工程机械", "source": "徐州市产业链图谱", "weak_share": 0.3})
        }
        "chain_nodes" => {
            json!({"chain_id": chain, "node_key": "hydraulics", "name_zh": "液压件", "name_en": "Hydraulics", "sectors": ["16", "18"]})
        }
        "chain_edges" => json!({"chain_id": chain, "from_node": "steel", "to_node": "hydraulics"}),
        "chain_placements" => {
            json!({"chain_id": chain, "node_key": "hydraulics", "enterprise_id": cast.enterprise, "enterprise_name": "某液压件公司", "side": "helped"})
        }
        // A barrier (issue #17) affecting two pairs, with every field of the register filled.
        "barriers" => {
            let mut b = testkit::barrier_body(&[PAIR, "pair-ningbo-bengbu"]);
            b.insert("alignment".into(), json!("other"));
            b.insert(
                "alignment_note".into(),
                json!("设立联合审批窗口前先互认材料"),
            );
            b.insert("status".into(), json!("aligned"));
            b.insert("evidence".into(), json!("两省人社厅签订互认协议"));
            b.insert("evidence_document".into(), json!("苏皖人社〔2025〕1号"));
            b.insert("evidence_link".into(), json!("https://www.ah.gov.cn/"));
            Value::Object(b)
        }
        // A dispute case (issue #17) and a consultation round of it.
        "disputes" => {
            json!({"pair_id": PAIR, "park_id": cast.park, "raised_by_side": "helped", "subject_kind": "park", "subject_id": cast.park, "title": "税收分成比例争议", "parties": "徐州方园区公司；淮北方管委会", "description": "第二年度分成比例理解不一致", "amount_at_stake_yuan": 1200000, "evidence": "2023 年合作协议第 5 条", "raised_on": "2024-03-01"})
        }
        "dispute_rounds" => {
            json!({"dispute_id": dispute, "level": "park", "held_on": "2024-03-15", "attendees": "双方园区负责人", "minutes": "双方陈述立场", "next_steps": "一周内提交测算"})
        }
        other => panic!("{other}"),
    })
}

/// A valid farm-produce record (issue #17) in PAIR, its parents from `made` (record ids by
/// type); `None` for the other types.
fn produce_fixture(name: &str, made: &HashMap<&str, i64>) -> Option<Map<String, Value>> {
    let id = |k: &str| made.get(k).copied().unwrap_or(0);
    Some(obj(match name {
        "supply_bases" => {
            json!({"pair_id": PAIR, "name": "濉溪县绿色稻麦基地", "county": "濉溪县", "lat": 33.92, "lon": 116.77, "products": ["大米", "小麦"], "capacity_t": 20000.5, "source": "淮北市农业农村局"})
        }
        "base_certifications" => {
            json!({"base_id": id("supply_bases"), "kind": "green_food", "certificate_no": "LB-18-23060001", "issuer": "中国绿色食品发展中心", "issued_on": "2023-06-15", "valid_until": "2026-06-14"})
        }
        "produce_buyers" => {
            json!({"pair_id": PAIR, "name": "徐州农副产品批发市场", "kind": "wholesaler", "buyer_locality_id": "js-xuzhou", "place": "雨润农副产品全球采购中心"})
        }
        "supply_contracts" => {
            json!({"base_id": id("supply_bases"), "buyer_id": id("produce_buyers"), "contract_no": "XH-2024-0012", "product": "大米", "volume_t": 1200, "value_yuan": "6000000.50", "start_on": "2024-01-01", "end_on": "2024-12-31"})
        }
        "deliveries" => {
            json!({"contract_id": id("supply_contracts"), "month": "2024-03", "volume_t": 100.25, "value_yuan": "501250.00", "note": "第一批"})
        }
        "produce_events" => {
            json!({"pair_id": PAIR, "title": "徐淮农产品产销对接会", "held_on": "2024-05-10", "place": "淮北市", "producers": 40, "buyers": 25, "deals": 12, "value_yuan": 35000000, "source": "淮北日报"})
        }
        _ => return None,
    }))
}

/// A valid innovation record (issue #17) of every type in PAIR, hanging from the last
/// records `made` of their parents' types; `None` for other types.
fn innovation_fixture(
    e: &Entity,
    cast: &testkit::Cast,
    made: &HashMap<&str, i64>,
) -> Option<Map<String, Value>> {
    let id = |name: &str| made.get(name).copied().unwrap_or(0);
    Some(obj(match e.name {
        "institutes" => {
            json!({"pair_id": PAIR, "side": "helper", "name": "中国矿业大学", "kind": "university", "locality_id": "js-xuzhou", "source": "学校官网"})
        }
        "innovation_platforms" => {
            json!({"institute_id": id("institutes"), "kind": "tech_transfer_centre", "name": "技术转移中心", "side": "helped", "locality_id": "ah-huaibei", "established_on": "2023-05-01"})
        }
        "tech_capabilities" => {
            json!({"institute_id": id("institutes"), "title": "液压件表面处理", "description": "激光熔覆", "sectors": ["16", "18"], "keywords": ["液压", "激光"], "readiness": 6})
        }
        "tech_needs" => {
            json!({"pair_id": PAIR, "enterprise_id": cast.enterprise, "title": "液压缸耐磨", "description": "寿命提高一倍", "sectors": ["16"], "keywords": ["液压"], "budget_yuan": "300000.50", "deadline": "2027-06-30", "status": "open"})
        }
        "innovation_projects" => {
            json!({"match_id": id("tech_matches"), "kind": "licence", "title": "激光熔覆技术许可", "started_on": "2025-04-01"})
        }
        "innovation_milestones" => {
            json!({"project_id": id("innovation_projects"), "milestone": "result", "reached_on": "2025-12-01", "evidence": "验收报告"})
        }
        "ip_records" => {
            json!({"pair_id": PAIR, "kind": "licence", "number": "XK-1", "title": "许可合同", "holder": "中国矿业大学", "licensee": "徐工配套甲公司", "dated_on": "2025-04-01", "project_id": id("innovation_projects")})
        }
        _ => return None,
    }))
}

fn change(e: &Entity) -> (&'static str, Value) {
    match e.name {
        "programmes" | "parks" | "enterprises" | "projects" => ("name", json!("改名")),
        "pairs" | "events" => ("source", json!("changed source")),
        "sub_pairs" => ("helped_name", json!("淮北市相山区")),
        "plans" | "tasks" => ("title", json!("新标题")),
        "secondments" => ("post", json!("主任助理")),
        "demands" | "park_offers" => ("title", json!("新标题")),
        "capital_providers" => ("name", json!("改名")),
        "enterprise_figures" | "park_figures" => ("source", json!("更正后的来源")),
        "chains" | "chain_nodes" => ("name_zh", json!("新名称")),
        "chain_edges" => ("to_node", json!("pumps")),
        "chain_placements" => ("side", json!("helper")),
        "barriers" => ("owner", json!("两省发改委")),
        "disputes" => ("title", json!("新案由")),
        "dispute_rounds" => ("minutes", json!("更正后的纪要")),
        "supply_bases" | "produce_buyers" => ("name", json!("改名")),
        "base_certifications" => ("issuer", json!("安徽省绿色食品办公室")),
        "supply_contracts" => ("volume_t", json!(1300.5)),
        "deliveries" => ("month", json!("2024-04")),
        "produce_events" => ("title", json!("新标题")),
        "institutes" | "innovation_platforms" => ("name", json!("改名")),
        "tech_capabilities" | "tech_needs" | "innovation_projects" | "ip_records" => {
            ("title", json!("新标题"))
        }
        "innovation_milestones" => ("evidence", json!("更正后的证明")),
        "tech_matches" => ("status", json!("contacted")),
        other => panic!("{other}"),
    }
}

#[test]
fn every_record_type_round_trips_with_history() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let admin = &cast.admin;
        let plan = service::create(
            db,
            admin,
            &entity::PLANS,
            &fixture(&entity::PLANS, &cast, 0, 0),
        )
        .unwrap()
        .int("id")
        .unwrap();
        // Matches are made by the docking workflow only (tests/docking.rs).
        // The chain's parts come after the chain (ENTITIES' order) and hang from it.
        // A case's rounds come after the case; its escalations are made by the workflow
        // (tests/disputes.rs). The produce and innovation records hang from the last record
        // made of their parents' types; a technology match is made by the workflow
        // (innovation::create_match).
        let (mut chain, mut dispute) = (0, 0);
        let mut made: HashMap<&str, i64> = HashMap::new();
        for e in ENTITIES
            .iter()
            .filter(|e| !matches!(e.name, "matches" | "dispute_escalations"))
        {
            if e.name == "tech_matches" {
                let m = innovation::create_match(
                    db,
                    admin,
                    made["tech_needs"],
                    made["tech_capabilities"],
                )
                .unwrap();
                made.insert(e.name, m.int("id").unwrap());
                continue;
            }
            let body = produce_fixture(e.name, &made)
                .or_else(|| innovation_fixture(e, &cast, &made))
                .unwrap_or_else(|| fixture_with(e, &cast, plan, chain, dispute));
            let rec = service::create(db, admin, e, &body)
                .unwrap_or_else(|err| panic!("{} {}: {err}", t.name, e.name));
            made.insert(e.name, rec.int("id").unwrap_or(0));
            if e.name == "chains" {
                chain = rec.int("id").unwrap();
            }
            if e.name == "disputes" {
                dispute = rec.int("id").unwrap();
            }
            assert_eq!(rec.version, 1);
            for (k, v) in &body {
                let stored = &rec.fields[k];
                let same = match (v, stored) {
                    (Value::String(a), Value::Number(n)) => a.parse::<f64>().ok() == n.as_f64(),
                    (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
                    _ => v == stored,
                };
                assert!(same, "{} {}.{k}: sent {v}, stored {stored}", t.name, e.name);
            }
            let id = rec.id_text();
            assert_eq!(service::get(db, admin, e, &id).unwrap(), rec);
            // Listed, and found by a filter on a filterable field.
            if let Some(f) = e
                .fields
                .iter()
                .find(|f| f.filter && body.contains_key(f.name))
            {
                let value = match &body[f.name] {
                    Value::String(s) => s.clone(),
                    v => v.to_string(),
                };
                let page = service::list(
                    db,
                    admin,
                    e,
                    &ListQuery {
                        filters: vec![(f.name.into(), value)],
                        per_page: 200,
                        ..Default::default()
                    },
                )
                .unwrap();
                assert!(
                    page.items.iter().any(|m| m["id"] == rec.fields["id"]),
                    "{} {} filter {}",
                    t.name,
                    e.name,
                    f.name
                );
            }
            let (field, value) = change(e);
            let mut patch = Map::new();
            patch.insert(field.into(), value.clone());
            let updated = service::update(db, admin, e, &id, Some(1), &patch).unwrap();
            assert_eq!(updated.version, 2);
            assert_eq!(updated.fields[field], value);
            let h = service::history(db, admin, e, &id).unwrap();
            assert_eq!(
                h.iter().map(|x| x.action.as_str()).collect::<Vec<_>>(),
                ["create", "update"],
                "{} {}",
                t.name,
                e.name
            );
            assert_eq!(h[1].before.as_ref().unwrap()[field], rec.fields[field]);
            assert_eq!(h[1].after.as_ref().unwrap()[field], value);
            assert!(h[1].actor.starts_with("admin"));
        }
        // Delete: a fresh sub-pair goes, leaving its history.
        let sp = service::create(
            db,
            admin,
            &entity::SUB_PAIRS,
            &fixture(&entity::SUB_PAIRS, &cast, plan, 0),
        )
        .unwrap();
        service::delete(db, admin, &entity::SUB_PAIRS, &sp.id_text(), Some(1)).unwrap();
        assert!(matches!(
            service::get(db, admin, &entity::SUB_PAIRS, &sp.id_text()),
            Err(PlatformError::NotFound(_))
        ));
        let h = service::history(db, admin, &entity::SUB_PAIRS, &sp.id_text()).unwrap();
        assert_eq!(h.last().unwrap().action, "delete");
        // A park with projects cannot be deleted.
        let park = service::get(db, admin, &entity::PARKS, &cast.park.to_string()).unwrap();
        let err = service::delete(
            db,
            admin,
            &entity::PARKS,
            &cast.park.to_string(),
            Some(park.version),
        )
        .unwrap_err();
        assert!(
            matches!(err, PlatformError::Forbidden(_)),
            "{} {err}",
            t.name
        );
    }
}

#[test]
fn invalid_input_names_every_field_and_rule() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let body = obj(
            json!({"pair_id": "pair-nowhere", "enterprise_id": 999999, "name": "",
            "amount_agreed_yuan": "12.345", "jobs": -1, "initiated_by": "ministry", "colour": "red", "stage": "paying_tax"}),
        );
        let Err(PlatformError::Invalid(errors)) =
            service::create(&t.db, &cast.admin, &entity::PROJECTS, &body)
        else {
            panic!("expected invalid input")
        };
        let rules: Vec<(String, &str)> = errors.iter().map(|e| (e.field.clone(), e.rule)).collect();
        for want in [
            ("name", "required"),
            ("amount_agreed_yuan", "too_many_decimals"),
            ("jobs", "out_of_range"),
            ("initiated_by", "not_allowed"),
            ("colour", "unknown_field"),
            ("stage", "read_only"),
        ] {
            assert!(
                rules.contains(&(want.0.to_string(), want.1)),
                "{}: {want:?} not in {rules:?}",
                t.name
            );
        }
        // References are checked once the fields themselves are valid.
        let body = obj(
            json!({"pair_id": "pair-nowhere", "enterprise_id": 999999, "name": "x", "initiated_by": "government"}),
        );
        let Err(PlatformError::Invalid(errors)) =
            service::create(&t.db, &cast.admin, &entity::PROJECTS, &body)
        else {
            panic!("expected invalid references")
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["pair_id", "enterprise_id"], "{}", t.name);
        assert!(errors
            .iter()
            .all(|e| e.rule == "not_found" && !e.message_zh.is_empty()));
        // A park of another pair is refused.
        let body = obj(
            json!({"pair_id": PAIR, "park_id": cast.other_park, "enterprise_id": cast.enterprise, "name": "x", "initiated_by": "government"}),
        );
        let Err(PlatformError::Invalid(errors)) =
            service::create(&t.db, &cast.admin, &entity::PROJECTS, &body)
        else {
            panic!("expected a mismatch")
        };
        assert_eq!(
            (errors[0].field.as_str(), errors[0].rule),
            ("pair_id", "mismatch")
        );
        assert_eq!(count(&t.db, "projects"), 0, "nothing half-written");
    }
}

#[test]
fn a_stale_edit_is_refused_and_loses_nothing() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let id = cast.park.to_string();
        let mut a = Map::new();
        a.insert("name".into(), json!("A 的修改"));
        let mut b = Map::new();
        b.insert("name".into(), json!("B 的修改"));
        // Both read version 1; A saves first.
        service::update(&t.db, &cast.admin, &entity::PARKS, &id, Some(1), &a).unwrap();
        let err = service::update(&t.db, &cast.coordinator, &entity::PARKS, &id, Some(1), &b)
            .unwrap_err();
        let PlatformError::Conflict { version, current } = err else {
            panic!("expected a conflict")
        };
        assert_eq!(version, 2);
        assert_eq!(current["name"], json!("A 的修改"));
        assert_eq!(
            service::get(&t.db, &cast.admin, &entity::PARKS, &id)
                .unwrap()
                .fields["name"],
            json!("A 的修改")
        );
        assert!(matches!(
            service::update(&t.db, &cast.admin, &entity::PARKS, &id, None, &b),
            Err(PlatformError::VersionRequired)
        ));
    }
}

fn project(db: &Db, user: &User, cast: &testkit::Cast, amount: &str) -> service::Record {
    service::create(db, user, &entity::PROJECTS, &obj(json!({"pair_id": PAIR, "park_id": cast.park,
        "enterprise_id": cast.enterprise, "name": "项目", "amount_agreed_yuan": amount, "initiated_by": "government"}))).unwrap()
}

#[test]
fn the_lifecycle_moves_one_stage_at_a_time_with_evidence() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let officer = &cast.helped_officer;
        let p = project(db, officer, &cast, "5000000");
        let id = p.id_text();
        assert_eq!(p.fields["stage"], json!("lead"));
        let adv = |stage: &str, date: &str, ev: &str, v: i64| {
            service::advance_stage(db, officer, &id, Some(v), stage, date, ev)
        };
        let rule = |r: Result<service::Record, PlatformError>| match r {
            Err(PlatformError::Invalid(e)) => e[0].rule,
            other => panic!("expected invalid, got {other:?}"),
        };
        assert_eq!(rule(adv("signed", "2024-03-01", "  ", 1)), "required");
        assert_eq!(rule(adv("land", "2024-03-01", "证", 1)), "out_of_order");
        assert_eq!(rule(adv("signed", "2024-02-30", "证", 1)), "bad_date");
        assert_eq!(rule(adv("signed", "2199-01-01", "证", 1)), "in_future");
        let p = adv("signed", "2024-03-01", "合同 XH-2024-017", 1).unwrap();
        assert_eq!(
            (
                p.fields["stage"].clone(),
                p.fields["signed_on"].clone(),
                p.version
            ),
            (json!("signed"), json!("2024-03-01"), 2)
        );
        assert_eq!(
            rule(adv("land", "2024-02-01", "土地证", 2)),
            "before_previous"
        );
        assert!(matches!(
            adv("land", "2024-04-01", "土地证", 1),
            Err(PlatformError::Conflict { .. })
        ));
        adv("land", "2024-04-01", "皖(2024)淮北市不动产权第 001 号", 2).unwrap();
        let stages = service::stages(db, officer, &id).unwrap();
        assert_eq!(
            stages.iter().map(|s| s.stage.as_str()).collect::<Vec<_>>(),
            ["signed", "land"]
        );
        assert!(stages[0].recorded_by.starts_with("hb-officer"));
        let h = service::history(db, &cast.admin, &entity::PROJECTS, &id).unwrap();
        assert_eq!(
            h.iter().filter(|x| x.action == "stage").count(),
            2,
            "{}",
            t.name
        );
    }
}

#[test]
fn duplicate_signings_and_inconsistent_amounts_are_flagged() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let a = project(db, &cast.admin, &cast, "100000000");
        let flags = |id: &str| {
            service::get(db, &cast.admin, &entity::PROJECTS, id)
                .unwrap()
                .fields["review_flags"]
                .clone()
        };
        assert_eq!(flags(&a.id_text()), json!([]));
        // Same enterprise, same park, amount within 10 %: both are flagged.
        let b = project(db, &cast.admin, &cast, "95000000");
        assert_eq!(
            flags(&b.id_text()),
            json!([format!("duplicate_of_{}", a.id_text())])
        );
        assert_eq!(
            flags(&a.id_text()),
            json!([format!("duplicate_of_{}", b.id_text())])
        );
        // Far apart in amount: not a duplicate.
        let c = project(db, &cast.admin, &cast, "20000000");
        assert_eq!(flags(&c.id_text()), json!([]));
        // Paid-in above agreed.
        let mut patch = Map::new();
        patch.insert("paid_in_yuan".into(), json!(30000000));
        service::update(
            db,
            &cast.admin,
            &entity::PROJECTS,
            &c.id_text(),
            Some(1),
            &patch,
        )
        .unwrap();
        assert_eq!(flags(&c.id_text()), json!(["paid_in_exceeds_agreed"]));
        // Moving b to a very different amount clears both duplicate flags.
        let mut patch = Map::new();
        patch.insert("amount_agreed_yuan".into(), json!(400000000));
        service::update(
            db,
            &cast.admin,
            &entity::PROJECTS,
            &b.id_text(),
            Some(1),
            &patch,
        )
        .unwrap();
        assert_eq!(flags(&a.id_text()), json!([]), "{}", t.name);
    }
}

#[test]
fn the_audit_log_cannot_be_edited_or_deleted() {
    for t in testkit::engines() {
        let n = count(&t.db, "audit_log");
        assert!(n >= 1);
        for sql in [
            "UPDATE audit_log SET actor = 'mallory'",
            "DELETE FROM audit_log",
        ] {
            let r = t.db.write(|c| c.execute(sql, &[]));
            let err = r.expect_err(sql).to_string();
            assert!(err.contains("append-only"), "{}: {err}", t.name);
        }
        assert_eq!(count(&t.db, "audit_log"), n);
    }
}

#[test]
fn dashboard_counts_stages_and_keeps_missing_amounts_apart() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let p1 = project(db, &cast.admin, &cast, "100000000");
        service::advance_stage(
            db,
            &cast.admin,
            &p1.id_text(),
            Some(1),
            "signed",
            "2024-01-05",
            "合同",
        )
        .unwrap();
        service::create(
            db,
            &cast.admin,
            &entity::PROJECTS,
            &obj(
                json!({"pair_id": PAIR, "enterprise_id": cast.other_enterprise,
            "name": "未填金额", "initiated_by": "enterprise"}),
            ),
        )
        .unwrap();
        service::create(
            db,
            &cast.admin,
            &entity::PROJECTS,
            &obj(
                json!({"pair_id": OTHER_PAIR, "enterprise_id": cast.other_enterprise,
            "name": "甬蚌", "amount_agreed_yuan": 7, "initiated_by": "enterprise"}),
            ),
        )
        .unwrap();
        let d = dashboard::dashboard(db, &cast.coordinator).unwrap();
        let pair = d.pairs.iter().find(|p| p.pair_id == PAIR).unwrap();
        assert_eq!(
            (pair.projects, pair.agreed_fen, pair.agreed_unknown),
            (2, 10_000_000_000, 1)
        );
        assert_eq!((pair.funnel[0].projects, pair.funnel[1].projects), (1, 1));
        assert_eq!(
            (pair.initiated_by_enterprise, pair.initiated_by_government),
            (1, 1)
        );
        assert_eq!(d.total.projects, 3);
        assert_eq!(d.total.agreed_fen, 10_000_000_700);
        assert!(!d.restricted);
        // An enterprise user's dashboard counts only its own projects.
        let mine = dashboard::dashboard(db, &cast.enterprise_user).unwrap();
        assert_eq!(mine.total.projects, 1);
        assert!(mine.restricted);
    }
}

#[test]
fn backup_restores_into_either_engine() {
    let source = testkit::sqlite();
    let cast = testkit::cast(&source.db);
    let p = project(&source.db, &cast.admin, &cast, "123.45");
    service::advance_stage(
        &source.db,
        &cast.admin,
        &p.id_text(),
        Some(1),
        "signed",
        "2024-01-05",
        "合同",
    )
    .unwrap();
    let (doc, counts) = backup::backup(&source.db).unwrap();
    let mut targets = vec![{
        let dir = tempfile::tempdir().unwrap();
        let target = tandem_platform::Target::Sqlite(dir.path().join("r.sqlite"));
        (dir, target)
    }]
    .into_iter()
    .map(|(dir, t)| (Some(dir), t, None))
    .collect::<Vec<_>>();
    if let Some((t, admin, name)) = testkit::postgres_empty() {
        targets.push((None, t, Some((admin, name))));
    }
    for (_dir, target, pg) in targets {
        let db = Db::open(&target).unwrap();
        migrate::migrate(&db).unwrap();
        let restored = backup::restore(&db, &doc).unwrap();
        assert_eq!(restored, counts);
        let again = service::get(&db, &cast.admin, &entity::PROJECTS, &p.id_text()).unwrap();
        assert_eq!(again.fields["amount_agreed_yuan"], json!(123.45));
        assert_eq!(again.fields["stage"], json!("signed"));
        // The restored database keeps working: new ids do not collide, logins work.
        let q = project(&db, &cast.admin, &cast, "1");
        assert!(q.int("id").unwrap() > p.int("id").unwrap());
        assert!(db
            .read(|c| tandem_platform::auth::check_credentials(c, "admin", testkit::PASSWORD))
            .unwrap()
            .is_some());
        // Restoring twice is refused: the target is no longer empty.
        assert!(matches!(
            backup::restore(&db, &doc),
            Err(backup::RestoreError::NotEmpty(_))
        ));
        drop(db);
        if let Some((admin, name)) = pg {
            testkit::drop_postgres_database(admin, name);
        }
    }
}

fn workbook(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("projects").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_import_is_all_or_nothing_and_names_row_and_column() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let park = cast.park.to_string();
        let ent = cast.enterprise.to_string();
        let header = vec![
            "id",
            "pair_id",
            "park_id",
            "enterprise_id",
            "name",
            "amount_agreed_yuan",
            "initiated_by",
        ];
        let bad = workbook(&[
            header.clone(),
            vec!["", PAIR, &park, &ent, "一号项目", "1000", "government"],
            vec!["", PAIR, &park, &ent, "二号项目", "abc", "enterprise"],
        ]);
        let problems =
            sheets::import(db, &cast.helped_officer, &entity::PROJECTS, &bad).unwrap_err();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            (
                problems[0].row,
                problems[0].column.as_str(),
                problems[0].rule.as_str()
            ),
            (3, "F (amount_agreed_yuan)", "not_a_number")
        );
        assert_eq!(count(db, "projects"), 0, "{}: nothing imported", t.name);
        let good = workbook(&[
            header.clone(),
            vec!["", PAIR, &park, &ent, "一号项目", "1000", "government"],
            vec!["", PAIR, &park, &ent, "二号项目", "2000.5", "enterprise"],
        ]);
        let s = sheets::import(db, &cast.helped_officer, &entity::PROJECTS, &good).unwrap();
        assert_eq!((s.created, s.updated), (2, 0));
        // The export is the template: re-importing it with a change updates by id and version.
        let exported = sheets::export(db, &cast.helped_officer, &entity::PROJECTS).unwrap();
        let s = sheets::import(db, &cast.helped_officer, &entity::PROJECTS, &exported).unwrap();
        assert_eq!((s.created, s.updated), (0, 2), "{}", t.name);
        // Re-importing the same (now stale) export is refused as stale, row by row.
        let problems =
            sheets::import(db, &cast.helped_officer, &entity::PROJECTS, &exported).unwrap_err();
        assert!(
            problems.iter().all(|p| p.rule == "stale_version"),
            "{problems:?}"
        );
        // Rows outside the user's reach are refused too.
        let other = workbook(&[
            header,
            vec!["", OTHER_PAIR, "", &ent, "越权", "1", "government"],
        ]);
        let problems =
            sheets::import(db, &cast.helped_officer, &entity::PROJECTS, &other).unwrap_err();
        assert_eq!(problems[0].rule, "not_allowed");
    }
}

/// List totals are remembered between writes (on SQLite); every write must show at once.
#[test]
fn list_totals_follow_every_write() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let by_pair = ListQuery {
            filters: vec![("pair_id".into(), PAIR.into())],
            ..Default::default()
        };
        let total = |q: &ListQuery| {
            service::list(&t.db, &cast.admin, &entity::PROJECTS, q)
                .unwrap()
                .total
        };
        let all = ListQuery::default();
        let (before, before_pair) = (total(&all), total(&by_pair));
        assert_eq!((total(&all), total(&by_pair)), (before, before_pair));
        let p = project(&t.db, &cast.admin, &cast, "100");
        assert_eq!(
            (total(&all), total(&by_pair)),
            (before + 1, before_pair + 1),
            "{}",
            t.name
        );
        let id = p.fields["id"].to_string();
        service::delete(&t.db, &cast.admin, &entity::PROJECTS, &id, Some(1)).unwrap();
        assert_eq!(
            (total(&all), total(&by_pair)),
            (before, before_pair),
            "{}",
            t.name
        );
    }
}
