//! Fresh databases and accounts for tests and benchmarks, on both engines.
//!
//! SQLite databases live in a temporary folder. PostgreSQL databases are created on the server
//! named by `$TANDEM_TEST_POSTGRES` (a URL to a database the user may `CREATE DATABASE` from;
//! `scripts/test.sh` starts one); each gets a unique name and is dropped when its guard is
//! dropped. When `$TANDEM_REQUIRE_POSTGRES=1` and no server is configured, asking for the
//! engines panics instead of quietly testing SQLite alone.

use crate::auth::{self, NewUser, Role};
use crate::db::{Db, Target};
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// A database that is removed when dropped.
pub struct TestDb {
    pub name: &'static str,
    pub db: Db,
    pub target: Target,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.drop_pg.take() {
            drop_postgres_database(admin_url, name);
        }
    }
}

/// Drops a test database. On its own thread: the synchronous client starts a runtime of its
/// own, which must not happen on a thread that drives async tasks (an async test).
pub fn drop_postgres_database(admin_url: String, name: String) {
    let _ = std::thread::spawn(move || {
        if let Ok(mut c) = postgres::Client::connect(&admin_url, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    })
    .join();
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new SQLite platform database, migrated and seeded.
pub fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().expect("temporary folder");
    let target = Target::Sqlite(dir.path().join("platform.sqlite"));
    let db = crate::open(&target).expect("open SQLite");
    TestDb {
        name: "sqlite",
        db,
        target,
        _dir: Some(dir),
        drop_pg: None,
    }
}

/// The PostgreSQL server for tests, if one is configured.
pub fn postgres_url() -> Option<String> {
    match std::env::var("TANDEM_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            if std::env::var("TANDEM_REQUIRE_POSTGRES").as_deref() == Ok("1") {
                panic!("TANDEM_REQUIRE_POSTGRES=1 but TANDEM_TEST_POSTGRES is not set");
            }
            None
        }
    }
}

/// A new, empty PostgreSQL database (not migrated), with its URL.
pub fn postgres_empty() -> Option<(Target, String, String)> {
    let admin = postgres_url()?;
    let name = format!(
        "tandem_t{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        crate::clock::now_seconds() % 100_000
    );
    let mut c = postgres::Client::connect(&admin, postgres::NoTls)
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at {admin}: {e}"));
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("CREATE DATABASE");
    let url = match admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("TANDEM_TEST_POSTGRES must end in /DATABASE"),
    };
    Some((Target::Postgres(url), admin, name))
}

/// A new PostgreSQL platform database, migrated and seeded, if a server is configured.
pub fn postgres() -> Option<TestDb> {
    let (target, admin, name) = postgres_empty()?;
    let db = crate::open(&target).expect("open PostgreSQL");
    Some(TestDb {
        name: "postgres",
        db,
        target,
        _dir: None,
        drop_pg: Some((admin, name)),
    })
}

/// A fresh database on every engine available.
pub fn engines() -> Vec<TestDb> {
    let mut v = vec![sqlite()];
    v.extend(postgres());
    v
}

/// One account per role, with the records the bound roles need.
pub struct Cast {
    pub admin: crate::User,
    pub coordinator: crate::User,
    /// Helper-side officer of [`PAIR`].
    pub helper_officer: crate::User,
    /// Helped-side officer of [`PAIR`].
    pub helped_officer: crate::User,
    /// Officer of [`OTHER_PAIR`].
    pub other_officer: crate::User,
    pub park_operator: crate::User,
    pub enterprise_user: crate::User,
    pub researcher: crate::User,
    /// A park of [`PAIR`] (operated by `park_operator`) and one of [`OTHER_PAIR`].
    pub park: i64,
    pub other_park: i64,
    /// The enterprise of `enterprise_user`, and another one.
    pub enterprise: i64,
    pub other_enterprise: i64,
}

/// The pair most fixtures belong to.
pub const PAIR: &str = "pair-xuzhou-huaibei";
/// Another pair.
pub const OTHER_PAIR: &str = "pair-ningbo-bengbu";
/// The password of every test account.
pub const PASSWORD: &str = "correct horse battery";

fn user(db: &Db, username: &str, role: Role) -> crate::User {
    let new = NewUser {
        username: username.into(),
        display_name: username.into(),
        password: PASSWORD.into(),
        role: role.clone(),
    };
    let id = db.write(|c| auth::add_user(c, &new)).expect("add user");
    crate::User {
        id,
        username: username.into(),
        display_name: username.into(),
        role,
    }
}

/// Creates the accounts and the parks and enterprises they are bound to.
pub fn cast(db: &Db) -> Cast {
    let admin = user(db, "admin", Role::Admin);
    let park = |pair: &str, name: &str, locality: &str| -> i64 {
        let body = json!({"pair_id": pair, "name": name, "locality_id": locality});
        crate::service::create(db, &admin, &crate::entity::PARKS, body.as_object().unwrap())
            .expect("park")
            .int("id")
            .unwrap()
    };
    let enterprise = |name: &str, origin: &str| -> i64 {
        let body = json!({"name": name, "origin_locality_id": origin});
        crate::service::create(
            db,
            &admin,
            &crate::entity::ENTERPRISES,
            body.as_object().unwrap(),
        )
        .expect("enterprise")
        .int("id")
        .unwrap()
    };
    let p = park(PAIR, "徐淮产业合作园", "ah-huaibei");
    let op = park(OTHER_PAIR, "甬蚌产业合作园", "ah-bengbu");
    let e = enterprise("徐工配套甲公司", "js-xuzhou");
    let oe = enterprise("宁波乙公司", "zj-ningbo");
    Cast {
        coordinator: user(db, "coord", Role::Coordinator),
        helper_officer: user(
            db,
            "xz-officer",
            Role::Officer {
                pair_id: PAIR.into(),
                side: "helper".into(),
            },
        ),
        helped_officer: user(
            db,
            "hb-officer",
            Role::Officer {
                pair_id: PAIR.into(),
                side: "helped".into(),
            },
        ),
        other_officer: user(
            db,
            "nb-officer",
            Role::Officer {
                pair_id: OTHER_PAIR.into(),
                side: "helper".into(),
            },
        ),
        park_operator: user(db, "park-op", Role::ParkOperator { park_id: p }),
        enterprise_user: user(db, "firm", Role::Enterprise { enterprise_id: e }),
        researcher: user(db, "researcher", Role::Researcher),
        admin,
        park: p,
        other_park: op,
        enterprise: e,
        other_enterprise: oe,
    }
}

/// The shipped worked example "5:5 with the local share returned to the zone", for ledger tests.
pub const AGREEMENT_B: &str =
    include_str!("../../../data/ledger/agreements/b-hehuai-5-5-returned.toml");

/// A VAT (local share) revenue of `yuan` for `enterprise` in `period` (`YYYY-MM`) in agreement
/// B's park, for ledger tests.
pub fn vat_revenue(
    enterprise: &str,
    period: &str,
    yuan: i64,
) -> tandem_ledger::settle::RevenueRecord {
    tandem_ledger::settle::RevenueRecord {
        enterprise_id: enterprise.into(),
        park_id: "hehuai-zone".into(),
        industry: "C35".into(),
        recommended_by: None,
        period: period.parse().expect("a test period is YYYY-MM"),
        revenue_type: tandem_ledger::RevenueType::VatLocalShare,
        amount: tandem_ledger::Fen(yuan * 100),
    }
}

/// The year of the assessment fixtures.
pub const ASSESSMENT_YEAR: i64 = 2024;

/// An enterprise's annual figures for [`ASSESSMENT_YEAR`], scaled by `k` from a unit that
/// meets every benchmark of the shipped per-mu scheme (`k` = 1: 20 mu, tax 20 per mu, value
/// added 80 per mu, R&D 2.5 %, in production since 2015).
pub fn enterprise_figures_body(enterprise: i64, park: i64, k: f64) -> serde_json::Value {
    json!({"enterprise_id": enterprise, "park_id": park, "year": ASSESSMENT_YEAR,
        "land_mu": 20, "revenue_10k_yuan": 5000.0 * k, "tax_10k_yuan": 400.0 * k,
        "value_added_10k_yuan": 1600.0 * k, "rd_percent": 2.5 * k, "energy_tce": 700,
        "emissions_t": 30, "employees": 60, "production_start_year": 2015,
        "source": "统计直报（测试）"})
}

/// The figures behind the assessment tests: the cast's enterprise and five more (industry
/// `C36`) in the cast's park, and the other enterprise in the other park, for
/// [`ASSESSMENT_YEAR`]. Returns the enterprises of the cast's park, the cast's first.
pub fn assessment_fixture(db: &Db, cast: &Cast) -> Vec<i64> {
    let create = |e: &'static crate::entity::Entity, body: serde_json::Value| {
        crate::service::create(db, &cast.admin, e, body.as_object().unwrap())
            .expect("fixture record")
            .int("id")
            .unwrap()
    };
    let mut ids = vec![cast.enterprise];
    for i in 1..=5 {
        let body = json!({"name": format!("园区企业{i}"), "origin_locality_id": "js-xuzhou",
            "industry": "C36"});
        ids.push(create(&crate::entity::ENTERPRISES, body));
    }
    for (i, e) in ids.iter().enumerate() {
        let k = 0.6 + 0.2 * i as f64;
        create(
            &crate::entity::ENTERPRISE_FIGURES,
            enterprise_figures_body(*e, cast.park, k),
        );
    }
    create(
        &crate::entity::ENTERPRISE_FIGURES,
        enterprise_figures_body(cast.other_enterprise, cast.other_park, 1.0),
    );
    ids
}

/// A park scheme for the pair's parks (test values, not a published scheme): tax per
/// occupied mu (60 points at the benchmark of 10, capped at 1.5 times) and one-stop service
/// (40 points); tier A from 80 points.
pub const PARK_SCHEME: &str = r#"
id = "park-test"
name_zh = "园区评价（测试方案）"
name_en = "Park appraisal (test scheme)"
source = "test values, not a published scheme"
subject = "parks"
cap = 1.5

[[indicators]]
id = "tax_per_occupied_mu"
label_zh = "已供地亩均税收"
label_en = "Tax per occupied mu"
numerator = "tax_10k_yuan"
denominator = "land_occupied_mu"
direction = "benefit"
weight = 60
benchmark = 10.0

[[indicators]]
id = "one_stop"
label_zh = "一站式服务"
label_en = "One-stop service"
numerator = "one_stop_service"
direction = "benefit"
weight = 40
benchmark = 1.0

[tiers]
labels = ["A", "B"]
method = "thresholds"
minimums = [80.0]
"#;

/// The parks of a park run: a second park of [`PAIR`] and the operators of the parks the
/// cast's `park_operator` does not run.
pub struct ParkRunFixture {
    /// A second park of [`PAIR`], operated by `second_operator` (`park-op-2`).
    pub second_park: i64,
    pub second_operator: crate::User,
    /// The operator of the cast's `other_park` (`nb-park-op`), in [`OTHER_PAIR`].
    pub other_operator: crate::User,
}

/// The figures behind the park-run tests, for [`ASSESSMENT_YEAR`]: the cast's park (6,000 mu
/// occupied, tax 30,000, one-stop service: [`PARK_SCHEME`] scores it 70, tier B; a tax of
/// 90,000 would make it 130, tier A) and a second park of [`PAIR`] (tax 20,000, no one-stop
/// service: 20, tier B), with their operators.
pub fn park_run_fixture(db: &Db, cast: &Cast) -> ParkRunFixture {
    let create = |e: &'static crate::entity::Entity, body: serde_json::Value| {
        crate::service::create(db, &cast.admin, e, body.as_object().unwrap())
            .expect("fixture record")
            .int("id")
            .unwrap()
    };
    let second = create(
        &crate::entity::PARKS,
        json!({"pair_id": PAIR, "name": "徐淮第二园区", "locality_id": "ah-huaibei"}),
    );
    for (park, one_stop, tax) in [(cast.park, "yes", 30000), (second, "no", 20000)] {
        create(
            &crate::entity::PARK_FIGURES,
            json!({"park_id": park, "year": ASSESSMENT_YEAR, "land_mu": 12000,
                "land_occupied_mu": 6000, "tax_10k_yuan": tax, "one_stop_service": one_stop,
                "source": "园区年报（测试）"}),
        );
    }
    ParkRunFixture {
        second_park: second,
        second_operator: user(db, "park-op-2", Role::ParkOperator { park_id: second }),
        other_operator: user(
            db,
            "nb-park-op",
            Role::ParkOperator {
                park_id: cast.other_park,
            },
        ),
    }
}

/// A small industry chain of `pair` built through the record service by `user` (issue #17):
/// steel (IO-42 sector 14) → metal parts (15) → engines (16) → vehicles (18), weak share 0.5.
/// Helper side: 1 steel, 2 parts, 2 engines and 4 vehicle firms; helped side: 1 steel firm
/// (the enterprise record `helped_enterprise`, named from it) and 1 vehicle firm. So parts and
/// engines are missing in the helped city and vehicles weak (1 < 0.5 · 4). Returns the
/// chain's id.
pub fn sample_chain(db: &Db, user: &crate::User, pair: &str, helped_enterprise: i64) -> i64 {
    use crate::entity::{CHAINS, CHAIN_EDGES, CHAIN_NODES, CHAIN_PLACEMENTS};
    let create = |e: &'static crate::entity::Entity, body: serde_json::Value| {
        crate::service::create(db, user, e, body.as_object().unwrap())
            .unwrap_or_else(|err| panic!("chain fixture {}: {err}", e.name))
            .int("id")
            .unwrap()
    };
    let chain = create(
        &CHAINS,
        json!({"pair_id": pair, "name_zh": "汽车产业链", "name_en": "Automotive chain",
            "focus_industry": "汽车", "source": "test chain", "weak_share": 0.5}),
    );
    let nodes = [
        ("steel", "钢材", "Steel", "14"),
        ("parts", "金属零部件", "Metal parts", "15"),
        ("engines", "发动机", "Engines", "16"),
        ("vehicles", "整车", "Vehicles", "18"),
    ];
    for (key, zh, en, sector) in nodes {
        create(
            &CHAIN_NODES,
            json!({"chain_id": chain, "node_key": key, "name_zh": zh, "name_en": en,
                "sectors": [sector]}),
        );
    }
    for (from, to) in [
        ("steel", "parts"),
        ("parts", "engines"),
        ("engines", "vehicles"),
    ] {
        create(
            &CHAIN_EDGES,
            json!({"chain_id": chain, "from_node": from, "to_node": to}),
        );
    }
    for (node, n) in [("steel", 1), ("parts", 2), ("engines", 2), ("vehicles", 4)] {
        for k in 0..n {
            create(
                &CHAIN_PLACEMENTS,
                json!({"chain_id": chain, "node_key": node, "side": "helper",
                    "enterprise_name": format!("支援方{node}{k}")}),
            );
        }
    }
    create(
        &CHAIN_PLACEMENTS,
        json!({"chain_id": chain, "node_key": "steel", "side": "helped",
            "enterprise_id": helped_enterprise}),
    );
    create(
        &CHAIN_PLACEMENTS,
        json!({"chain_id": chain, "node_key": "vehicles", "side": "helped",
            "enterprise_name": "受援方整车厂"}),
    );
    chain
}

/// A valid new barrier (issue #17) affecting `pairs`, open, in the field of talent, with both
/// sides' rules and a deadline far ahead.
pub fn barrier_body(pairs: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let v = json!({
        "title": "职称评审结果互认",
        "field": "qualification",
        "affected_pairs": pairs,
        "helper_rule_document": "江苏省职称评审管理办法",
        "helper_rule_article": "第十二条",
        "helper_rule_link": "https://www.jiangsu.gov.cn/",
        "helped_rule_document": "安徽省职称评审管理办法",
        "helped_rule_article": "第十条",
        "helped_rule_link": "https://www.ah.gov.cn/",
        "effect": "派驻技术人员的职称在受援方不被认可，影响项目申报。",
        "alignment": "mutual_recognition",
        "owner": "两地人社局",
        "deadline": "2099-12-31",
        "status": "open",
    });
    v.as_object().cloned().unwrap_or_default()
}

/// The records of [`sample_produce`].
#[derive(Clone, Copy, Debug)]
pub struct ProduceFixture {
    pub base: i64,
    pub certification: i64,
    /// A wholesaler in the pair's helper locality.
    pub helper_buyer: i64,
    /// A retailer elsewhere (Nanjing).
    pub other_buyer: i64,
    /// Rice to the helper-side buyer, 2023-01-01 to 2025-12-31.
    pub rice_contract: i64,
    /// Wheat to the buyer elsewhere, 2024.
    pub wheat_contract: i64,
}

/// A supply base of `pair` with its records, built through the record service by `user`
/// (issue #17, part 5). The base grows rice and wheat and is certified green food from
/// 2023-06-15 to 2025-12-31. Deliveries: 2023-03 rice 100 t, 500,000 yuan to the helper-side
/// buyer (before the certificate); 2024-02 rice 100 t, 520,000 yuan to the helper-side buyer;
/// 2024-05 wheat 50 t, 150,000 yuan to the buyer elsewhere. So 2023: 100 t, all to the helper
/// side, none certified; 2024: 150 t, 2/3 of the volume and 52/67 of the value to the helper
/// side, all certified; no other year.
pub fn sample_produce(db: &Db, user: &crate::User, pair: &str) -> ProduceFixture {
    use crate::entity::produce::{
        BASE_CERTIFICATIONS, DELIVERIES, PRODUCE_BUYERS, SUPPLY_BASES, SUPPLY_CONTRACTS,
    };
    let create = |e: &'static crate::entity::Entity, body: serde_json::Value| {
        crate::service::create(db, user, e, body.as_object().unwrap())
            .unwrap_or_else(|err| panic!("produce fixture {}: {err}", e.name))
            .int("id")
            .unwrap()
    };
    let helper: String = db
        .read(|c| {
            c.query_one("SELECT helper_id FROM pairs WHERE id = ?", &[pair.into()])
                .map(|r| r.and_then(|r| r.opt_text("helper_id").ok().flatten().map(str::to_string)))
        })
        .unwrap()
        .expect("the pair exists");
    let base = create(
        &SUPPLY_BASES,
        json!({"pair_id": pair, "name": "濉溪县绿色稻麦基地", "county": "濉溪县",
            "lat": 33.92, "lon": 116.77, "products": ["大米", "小麦"], "capacity_t": 20000,
            "source": "test base"}),
    );
    let certification = create(
        &BASE_CERTIFICATIONS,
        json!({"base_id": base, "kind": "green_food", "certificate_no": "LB-18-23060001",
            "issuer": "中国绿色食品发展中心", "issued_on": "2023-06-15",
            "valid_until": "2025-12-31"}),
    );
    let helper_buyer = create(
        &PRODUCE_BUYERS,
        json!({"pair_id": pair, "name": "支援方农副产品批发市场", "kind": "wholesaler",
            "buyer_locality_id": helper}),
    );
    let other_buyer = create(
        &PRODUCE_BUYERS,
        json!({"pair_id": pair, "name": "南京某连锁超市", "kind": "retailer",
            "buyer_locality_id": "js-nanjing"}),
    );
    let contract = |buyer: i64, product: &str, t: f64, from: &str, to: &str| {
        create(
            &SUPPLY_CONTRACTS,
            json!({"base_id": base, "buyer_id": buyer, "contract_no": format!("HT-{from}-{product}"),
                "product": product, "volume_t": t,
                "value_yuan": "6000000", "start_on": from, "end_on": to}),
        )
    };
    let rice_contract = contract(helper_buyer, "大米", 1200.0, "2023-01-01", "2025-12-31");
    let wheat_contract = contract(other_buyer, "小麦", 600.0, "2024-01-01", "2024-12-31");
    for (k, month, t, yuan) in [
        (rice_contract, "2023-03", 100, "500000"),
        (rice_contract, "2024-02", 100, "520000"),
        (wheat_contract, "2024-05", 50, "150000"),
    ] {
        create(
            &DELIVERIES,
            json!({"contract_id": k, "month": month, "volume_t": t, "value_yuan": yuan}),
        );
    }
    ProduceFixture {
        base,
        certification,
        helper_buyer,
        other_buyer,
        rice_contract,
        wheat_contract,
    }
}

/// The records of [`sample_innovation`].
#[derive(Clone, Copy, Debug)]
pub struct InnovationFixture {
    /// The helper-side university (Xuzhou) and the helped-side one (Huaibei).
    pub helper_institute: i64,
    pub helped_institute: i64,
    /// Welding robots (sector 16, TRL 7, helper side), battery thermal management (18 and
    /// 19, TRL 6, helper side) and coal-based materials (12, TRL 4, helped side).
    pub welding: i64,
    pub battery: i64,
    pub materials: i64,
    /// The need: battery thermal management (sector 18, keywords 电池 and 热管理).
    pub need: i64,
}

/// Innovation records of `pair` built through the record service by `user` (issue #17): two
/// institutes (one per side), a joint lab, three capabilities and one need of `enterprise`
/// for which the battery capability is the best fit (same sector, every keyword).
pub fn sample_innovation(
    db: &Db,
    user: &crate::User,
    pair: &str,
    enterprise: i64,
) -> InnovationFixture {
    use crate::entity::innovation::{
        INNOVATION_PLATFORMS, INSTITUTES, TECH_CAPABILITIES, TECH_NEEDS,
    };
    let create = |e: &'static crate::entity::Entity, body: serde_json::Value| {
        crate::service::create(db, user, e, body.as_object().unwrap())
            .unwrap_or_else(|err| panic!("innovation fixture {}: {err}", e.name))
            .int("id")
            .unwrap()
    };
    let helper_institute = create(
        &INSTITUTES,
        json!({"pair_id": pair, "side": "helper", "name": "中国矿业大学", "kind": "university",
            "locality_id": "js-xuzhou"}),
    );
    let helped_institute = create(
        &INSTITUTES,
        json!({"pair_id": pair, "side": "helped", "name": "淮北师范大学", "kind": "university"}),
    );
    create(
        &INNOVATION_PLATFORMS,
        json!({"institute_id": helper_institute, "kind": "joint_lab", "name": "徐淮联合实验室",
            "side": "helped", "locality_id": "ah-huaibei"}),
    );
    let cap = |institute: i64, title: &str, sectors: &[&str], keywords: &str, trl: i64| {
        create(
            &TECH_CAPABILITIES,
            json!({"institute_id": institute, "title": title, "sectors": sectors,
                "keywords": keywords, "readiness": trl,
                "description": format!("{title}（测试）")}),
        )
    };
    InnovationFixture {
        helper_institute,
        helped_institute,
        welding: cap(
            helper_institute,
            "矿山机械智能焊接",
            &["16"],
            "焊接,机器人",
            7,
        ),
        battery: cap(
            helper_institute,
            "动力电池热管理",
            &["18", "19"],
            "电池,热管理",
            6,
        ),
        materials: cap(helped_institute, "煤基新材料", &["12"], "材料", 4),
        need: create(
            &TECH_NEEDS,
            json!({"pair_id": pair, "enterprise_id": enterprise, "title": "电池包热管理改进",
                "sectors": ["18"], "keywords": "电池,热管理", "budget_yuan": 500000,
                "deadline": "2027-06-30"}),
        ),
    }
}
