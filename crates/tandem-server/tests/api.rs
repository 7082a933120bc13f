//! The JSON API and the pages, through the real router and database, on SQLite and
//! PostgreSQL: sessions and CSRF, the login limiter, every record type over HTTP with ETags,
//! 409/412/428, pagination and filters, histories, the lifecycle, the OpenAPI document, and
//! the pages every role sees.

mod support;

use axum::http::{header, Method, StatusCode};
use serde_json::{json, Value};
use support::Client;
use tandem_platform::entity::{self, ENTITIES};
use tandem_platform::testkit::{self, PAIR};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_csrf_and_logout() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let mut c = Client::new(t.db.clone());
    assert_eq!(c.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let wrong = c
        .post(
            "/api/login",
            json!({"username": "coord", "password": "nope nope"}),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());
    c.login("coord").await;
    let me = c.get("/api/me").await;
    assert_eq!(me.json()["user"]["role"], "coordinator");
    // The cookie is HttpOnly and SameSite=Strict.
    let r = c
        .post(
            "/api/login",
            json!({"username": "coord", "password": testkit::PASSWORD}),
        )
        .await;
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    // A change without the CSRF token is refused and changes nothing.
    let token = c.csrf.take();
    let r = c
        .post(
            "/api/enterprises",
            json!({"name": "x", "origin_locality_id": "js-xuzhou"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (StatusCode::FORBIDDEN, json!("csrf"))
    );
    c.csrf = Some("0".repeat(64));
    assert_eq!(
        c.post(
            "/api/enterprises",
            json!({"name": "x", "origin_locality_id": "js-xuzhou"})
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    c.csrf = token;
    // A cross-site origin is refused even with the token.
    let r = c
        .send(
            Method::POST,
            "/api/enterprises",
            Some(json!({"name": "x", "origin_locality_id": "js-xuzhou"})),
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        c.get("/api/enterprises").await.json()["total"],
        json!(2),
        "only the cast's two enterprises"
    );
    assert_eq!(
        c.post(
            "/api/enterprises",
            json!({"name": "x", "origin_locality_id": "js-xuzhou"})
        )
        .await
        .status,
        StatusCode::CREATED
    );
    assert_eq!(
        c.send(Method::POST, "/api/logout", None, &[]).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(c.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_are_rate_limited() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let c = Client::new(t.db.clone());
    for _ in 0..5 {
        let r = c
            .post(
                "/api/login",
                json!({"username": "admin", "password": "guess guess"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    // Even the right password is refused now, with a Retry-After.
    let r = c
        .post(
            "/api/login",
            json!({"username": "admin", "password": testkit::PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        r.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
            > 0
    );
    // Another account from the same address is not locked out.
    let r = c
        .post(
            "/api/login",
            json!({"username": "coord", "password": testkit::PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
}

fn body_for(name: &str, cast: &testkit::Cast, plan: i64) -> Value {
    body_in(name, cast, plan, 0)
}

/// A valid innovation record (issue #17) hanging from the last records `made` of its
/// parents' types; `None` for other types.
fn innovation_body(
    name: &str,
    cast: &testkit::Cast,
    made: &std::collections::HashMap<&str, i64>,
) -> Option<Value> {
    let id = |n: &str| made.get(n).copied().unwrap_or(0);
    Some(match name {
        "institutes" => {
            json!({"pair_id": PAIR, "side": "helper", "name": "中国矿业大学", "kind": "university"})
        }
        "innovation_platforms" => {
            json!({"institute_id": id("institutes"), "kind": "incubator", "name": "孵化器", "side": "helped"})
        }
        "tech_capabilities" => {
            json!({"institute_id": id("institutes"), "title": "焊接机器人", "sectors": "16", "readiness": 7})
        }
        "tech_needs" => {
            json!({"pair_id": PAIR, "enterprise_id": cast.enterprise, "title": "焊接自动化", "sectors": "16,18", "budget_yuan": 200000})
        }
        "innovation_projects" => {
            json!({"match_id": id("tech_matches"), "kind": "joint_rnd", "title": "联合研发"})
        }
        "innovation_milestones" => {
            json!({"project_id": id("innovation_projects"), "milestone": "agreement", "reached_on": "2025-01-01", "evidence": "协议"})
        }
        "ip_records" => {
            json!({"pair_id": PAIR, "kind": "patent", "number": "ZL1", "title": "专利", "holder": "中国矿业大学", "dated_on": "2025-06-01"})
        }
        _ => return None,
    })
}

/// [`body_for`], a chain's parts in chain `chain`.
fn body_in(name: &str, cast: &testkit::Cast, plan: i64, chain: i64) -> Value {
    match name {
        // A consultation round (issue #17) of the dispute case `chain` names here.
        "dispute_rounds" => {
            json!({"dispute_id": chain, "level": "park", "held_on": "2024-03-15", "attendees": "双方园区负责人", "minutes": "双方陈述立场"})
        }
        "disputes" => {
            json!({"pair_id": PAIR, "park_id": cast.park, "raised_by_side": "helper", "subject_kind": "settlement", "title": "结算争议", "parties": "双方园区", "description": "2024 年度结算", "amount_at_stake_yuan": "300000.50", "raised_on": "2024-03-01"})
        }
        "programmes" => {
            json!({"id": "pilot", "name": "试点", "start_year": 2024, "end_year": 2026, "source": "test"})
        }
        "pairs" => {
            json!({"id": "pair-pilot", "programme_id": "pilot", "helper_id": "js-nanjing", "helped_id": "ah-chuzhou", "start_year": 2024, "end_year": 2026, "source": "test"})
        }
        "sub_pairs" => json!({"pair_id": PAIR, "helper_name": "鼓楼区", "helped_name": "杜集区"}),
        "parks" => {
            json!({"pair_id": PAIR, "name": "园区", "locality_id": "ah-huaibei", "focus_industries": "C35,C38"})
        }
        "enterprises" => json!({"name": "企业", "origin_locality_id": "js-xuzhou"}),
        "projects" => {
            json!({"pair_id": PAIR, "park_id": cast.park, "enterprise_id": cast.enterprise, "name": "项目", "initiated_by": "enterprise", "amount_agreed_yuan": 2500000.25})
        }
        "plans" => json!({"pair_id": PAIR, "year": 2025, "title": "计划"}),
        "tasks" => {
            json!({"plan_id": plan, "title": "任务", "owner_side": "helped", "status": "todo", "due_on": "2025-12-31"})
        }
        "secondments" => {
            json!({"pair_id": PAIR, "person": "王五", "from_org": "甲", "to_org": "乙", "start_on": "2024-01-01"})
        }
        "events" => json!({"pair_id": PAIR, "kind": "park", "title": "园区揭牌", "source": "test"}),
        "demands" => {
            json!({"enterprise_id": cast.enterprise, "pair_id": PAIR, "title": "零部件扩产", "kind": "expansion", "industry": "C36", "land_mu": 50, "budget_yuan": 8000000, "confidentiality": "open"})
        }
        "park_offers" => {
            json!({"park_id": cast.park, "title": "标准厂房", "land_mu": 300, "building_m2": 20000, "focus_industries": "io42:18", "fresh_until": "2099-12-31"})
        }
        "capital_providers" => {
            json!({"name": "专项资金", "kind": "special_fund", "ticket_min_yuan": 1000000, "ticket_max_yuan": 50000000, "stages": "preparation"})
        }
        "enterprise_figures" => {
            json!({"enterprise_id": cast.enterprise, "park_id": cast.park, "year": 2024, "land_mu": 12.5, "tax_10k_yuan": "", "source": "统计直报"})
        }
        "park_figures" => {
            json!({"park_id": cast.park, "year": 2024, "land_mu": 3000, "one_stop_service": "yes", "source": "园区年报"})
        }
        "chains" => {
            json!({"pair_id": PAIR, "name_zh": "工程机械产业链", "name_en": "Machinery chain", "source": "test"})
        }
        "chain_nodes" => {
            json!({"chain_id": chain, "node_key": "parts", "name_zh": "零部件", "name_en": "Parts", "sectors": "16,18"})
        }
        "chain_edges" => json!({"chain_id": chain, "from_node": "ore", "to_node": "parts"}),
        "chain_placements" => {
            json!({"chain_id": chain, "node_key": "parts", "enterprise_name": "某零部件公司", "side": "helper"})
        }
        // A barrier (issue #17): the pairs as comma-separated text, as a form sends them.
        "barriers" => {
            let mut b = testkit::barrier_body(&[]);
            b.insert(
                "affected_pairs".into(),
                json!(format!("{PAIR},pair-ningbo-bengbu")),
            );
            Value::Object(b)
        }
        other => panic!("{other}"),
    }
}

fn title_field(name: &str) -> &'static str {
    entity::entity(name).unwrap().title
}

/// A farm-produce record (issue #17) in PAIR, its parents from `made` (record ids by type);
/// `None` for the other types.
fn produce_body(name: &str, made: &std::collections::HashMap<&str, i64>) -> Option<Value> {
    let id = |k: &str| made.get(k).copied().unwrap_or(0);
    Some(match name {
        "supply_bases" => {
            json!({"pair_id": PAIR, "name": "稻麦基地", "county": "濉溪县", "products": "大米,小麦"})
        }
        "base_certifications" => {
            json!({"base_id": id("supply_bases"), "kind": "organic", "certificate_no": "OG-1", "issuer": "某认证机构", "issued_on": "2024-01-01", "valid_until": "2026-12-31"})
        }
        "produce_buyers" => {
            json!({"pair_id": PAIR, "name": "徐州批发市场", "kind": "wholesaler", "buyer_locality_id": "js-xuzhou"})
        }
        "supply_contracts" => {
            json!({"base_id": id("supply_bases"), "buyer_id": id("produce_buyers"), "contract_no": "HT-1", "product": "小麦", "volume_t": 10, "start_on": "2024-01-01", "end_on": "2024-12-31"})
        }
        "deliveries" => {
            json!({"contract_id": id("supply_contracts"), "month": "2024-06", "volume_t": 2.5, "value_yuan": "7500"})
        }
        "produce_events" => {
            json!({"pair_id": PAIR, "title": "产销对接会", "held_on": "2024-05-10", "place": "淮北"})
        }
        _ => return None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_record_type_over_http_on_every_engine() {
    // The synchronous PostgreSQL client must not block a runtime worker: setup and teardown
    // run in block_in_place, as the server runs its queries in spawn_blocking.
    for t in tokio::task::block_in_place(testkit::engines) {
        let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
        let mut c = Client::new(t.db.clone());
        c.login("coord").await;
        let plan = c
            .post("/api/plans", body_for("plans", &cast, 0))
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        // Matches are made by the docking workflow (`docking_over_http_on_every_engine`).
        // A chain's parts come after the chain (ENTITIES' order) and hang from it.
        // A dispute case's rounds come after it (its escalations are made by the workflow).
        let mut chain = 0;
        // The produce and innovation records hang from the last records made of their
        // parents' types; a technology match is made by the workflow
        // (`innovation_over_http_on_every_engine`).
        let mut made = std::collections::HashMap::new();
        for e in ENTITIES
            .iter()
            .filter(|e| !matches!(e.name, "matches" | "dispute_escalations"))
        {
            if e.name == "tech_matches" {
                let m = tokio::task::block_in_place(|| {
                    tandem_platform::innovation::create_match(
                        &t.db,
                        &cast.coordinator,
                        made["tech_needs"],
                        made["tech_capabilities"],
                    )
                })
                .unwrap();
                made.insert(e.name, m.int("id").unwrap());
                continue;
            }
            let body = produce_body(e.name, &made)
                .or_else(|| innovation_body(e.name, &cast, &made))
                .unwrap_or_else(|| body_in(e.name, &cast, plan, chain));
            let r = c.post(&format!("/api/{}", e.name), body).await;
            assert_eq!(
                r.status,
                StatusCode::CREATED,
                "{} {}: {}",
                t.name,
                e.name,
                r.text()
            );
            assert_eq!(r.etag(), "\"v1\"");
            let rec = r.json();
            made.insert(e.name, rec["id"].as_i64().unwrap_or(0));
            if matches!(e.name, "chains" | "disputes") {
                chain = rec["id"].as_i64().unwrap();
            }
            let id = match &rec["id"] {
                Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let url = format!("/api/{}/{id}", e.name);
            let got = c.get(&url).await;
            assert_eq!((got.status, got.json()), (StatusCode::OK, rec.clone()));
            let field = if e.name == "pairs" {
                "source"
            } else if e.name == "dispute_rounds" {
                // A round's title is its date.
                "minutes"
            } else {
                title_field(e.name)
            };
            // Titles that are not text (a pair's id, the annual figures' year): change the source
            // (a delivery's month: its note).
            let field = match (e.name, field) {
                // A milestone's title is a code: change its evidence.
                ("innovation_milestones", _) => "evidence",
                (_, "id" | "year") => "source",
                (_, "month") => "note",
                (_, field) => field,
            };
            // If-Match current: changed.
            let r = c
                .patch(&url, json!({field: "已修改"}), Some("\"v1\""))
                .await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{} {}: {}",
                t.name,
                e.name,
                r.text()
            );
            assert_eq!(
                (r.json()[field].clone(), r.etag()),
                (json!("已修改"), "\"v2\"".to_string())
            );
            // If-Match stale: 412 with the current record; body version stale: 409; none: 428.
            let r = c.patch(&url, json!({field: "覆盖"}), Some("\"v1\"")).await;
            assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", e.name);
            assert_eq!(r.json()["current"][field], json!("已修改"));
            let r = c
                .patch(&url, json!({field: "覆盖", "version": 1}), None)
                .await;
            assert_eq!(r.status, StatusCode::CONFLICT);
            let r = c.patch(&url, json!({field: "覆盖"}), None).await;
            assert_eq!(r.status, StatusCode::PRECONDITION_REQUIRED);
            assert_eq!(
                c.get(&url).await.json()[field],
                json!("已修改"),
                "nothing lost"
            );
            let h = c.get(&format!("{url}/history")).await.json();
            assert_eq!(
                h["items"].as_array().unwrap().len(),
                2,
                "{} {}",
                t.name,
                e.name
            );
            // Field errors name the field and rule.
            let r = c
                .patch(&url, json!({"no_such_field": 1}), Some("\"v2\""))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.json()["errors"][0]["rule"], "unknown_field");
        }
        // Pagination and filters (the bundled data has park events of this pair too).
        let already = c
            .get(&format!("/api/events?pair_id={PAIR}&kind=park"))
            .await
            .json()["total"]
            .as_i64()
            .unwrap();
        for i in 0..7 {
            let mut b = body_for("events", &cast, plan);
            b["title"] = json!(format!("分页 {i}"));
            assert_eq!(c.post("/api/events", b).await.status, StatusCode::CREATED);
        }
        let p = c
            .get(&format!(
                "/api/events?pair_id={PAIR}&kind=park&per_page=3&page=2"
            ))
            .await
            .json();
        assert_eq!(
            (
                p["total"].clone(),
                p["items"].as_array().unwrap().len(),
                p["page"].clone()
            ),
            (json!(already + 7), 3, json!(2))
        );
        let bad = c.get("/api/events?colour=red").await;
        assert_eq!(
            (bad.status, bad.json()["errors"][0]["rule"].clone()),
            (StatusCode::UNPROCESSABLE_ENTITY, json!("unknown_filter"))
        );
        let q = c.get("/api/events?q=%E5%88%86%E9%A1%B5%203").await.json();
        assert_eq!(q["total"], json!(1));
        // The lifecycle over HTTP.
        let p = c
            .post("/api/projects", body_for("projects", &cast, plan))
            .await
            .json();
        let id = p["id"].as_i64().unwrap();
        let r = c
            .send(
                Method::POST,
                &format!("/api/projects/{id}/stages"),
                Some(json!({"stage": "signed", "date": "2024-06-01", "evidence": "合同"})),
                &[("if-match", "\"v1\"")],
            )
            .await;
        assert_eq!(
            (r.status, r.json()["stage"].clone()),
            (StatusCode::OK, json!("signed"))
        );
        let s = c.get(&format!("/api/projects/{id}/stages")).await.json();
        assert_eq!(s["items"][0]["evidence"], json!("合同"));
        // Deleting needs If-Match.
        let sp = c
            .post("/api/sub_pairs", body_for("sub_pairs", &cast, plan))
            .await
            .json();
        let url = format!("/api/sub_pairs/{}", sp["id"]);
        assert_eq!(
            c.send(Method::DELETE, &url, None, &[]).await.status,
            StatusCode::PRECONDITION_REQUIRED
        );
        assert_eq!(
            c.send(Method::DELETE, &url, None, &[("if-match", "\"v1\"")])
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(c.get(&url).await.status, StatusCode::NOT_FOUND);
        // The dashboard sees the project.
        let d = c.get("/api/dashboard").await.json();
        assert_eq!(d["total"]["projects"], json!(2), "{}", t.name);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_changes_when_a_project_advances() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let mut c = Client::new(t.db.clone());
    c.login("hb-officer").await;
    let before = c.get("/api/dashboard").await.json();
    assert_eq!(before["total"]["funnel"][1]["projects"], json!(0));
    let p = c
        .post("/api/projects", body_for("projects", &cast, 0))
        .await
        .json();
    let id = p["id"].as_i64().unwrap();
    assert_eq!(
        c.get("/api/dashboard").await.json()["total"]["funnel"][0]["projects"],
        json!(1)
    );
    c.send(
        Method::POST,
        &format!("/api/projects/{id}/stages"),
        Some(json!({"stage": "signed", "date": "2024-06-01", "evidence": "合同", "version": 1})),
        &[],
    )
    .await;
    let after = c.get("/api/dashboard").await.json();
    assert_eq!(
        (
            after["total"]["funnel"][0]["projects"].clone(),
            after["total"]["funnel"][1]["projects"].clone()
        ),
        (json!(0), json!(1))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_describes_every_record_type() {
    let t = testkit::sqlite();
    let c = Client::new(t.db.clone());
    let doc = c.get("/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], json!("3.0.3"));
    for e in ENTITIES {
        for path in [
            format!("/api/{}", e.name),
            format!("/api/{}/{{id}}", e.name),
            format!("/api/{}/{{id}}/history", e.name),
        ] {
            assert!(doc["paths"][&path].is_object(), "{path} missing");
        }
        let props = doc["components"]["schemas"][e.name]["properties"]
            .as_object()
            .unwrap();
        for f in e.fields {
            assert!(props.contains_key(f.name), "{}.{} missing", e.name, f.name);
        }
        let required = doc["components"]["schemas"][format!("{}_create", e.name)]["required"]
            .as_array()
            .unwrap();
        for f in e.fields.iter().filter(|f| f.required && f.writable) {
            assert!(
                required.contains(&json!(f.name)),
                "{}.{} not required",
                e.name,
                f.name
            );
        }
    }
    // Every $ref points at a schema that exists.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = part.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_sees_its_pages_and_unknown_routes_are_404() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let admin_client = {
        let mut c = Client::new(t.db.clone());
        c.login("admin").await;
        c
    };
    let p = admin_client
        .post("/api/projects", body_for("projects", &cast, 0))
        .await
        .json();
    let pid = p["id"].as_i64().unwrap();
    let anon = admin_client.another();
    let r = anon.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .starts_with("/login?next="));
    assert_eq!(anon.get("/login").await.status, StatusCode::OK);
    for user in [
        "admin",
        "coord",
        "xz-officer",
        "hb-officer",
        "nb-officer",
        "park-op",
        "firm",
        "researcher",
    ] {
        let mut c = admin_client.another();
        c.login(user).await;
        for (path, want) in [
            ("/".to_string(), StatusCode::OK),
            (format!("/pairs/{PAIR}"), StatusCode::OK),
            ("/r/projects".to_string(), StatusCode::OK),
            ("/r/parks".to_string(), StatusCode::OK),
            ("/plans".to_string(), StatusCode::OK),
            ("/sheets".to_string(), StatusCode::OK),
        ] {
            let r = c.get(&path).await;
            assert_eq!(
                r.status,
                want,
                "{user} {path}: {}",
                &r.text()[..r.text().len().min(400)]
            );
            assert!(r.text().contains("</html>"));
        }
        let r = c.get(&format!("/projects/{pid}")).await;
        let visible = !matches!(user, "nb-officer");
        assert_eq!(r.status == StatusCode::OK, visible, "{user} project page");
        if visible {
            // References are shown by name (with the id), not as bare numbers.
            assert!(
                r.text()
                    .contains(&format!("徐工配套甲公司 (#{})", cast.enterprise)),
                "{user}: the project page names its enterprise"
            );
        }
        let en = c.get("/?lang=en").await;
        assert!(en.text().contains("Programme dashboard"), "{user}");
    }
    // Paths no route takes, inside the API (including `/api/` itself), answer the API's JSON
    // 404; elsewhere a plain 404.
    for path in [
        "/api/no_such_thing",
        "/api/",
        "/api",
        "/api/projects/1/no/such/thing",
    ] {
        let r = admin_client.get(path).await;
        assert_eq!(
            (r.status, r.json()["error"].clone()),
            (StatusCode::NOT_FOUND, json!("not_found")),
            "{path}"
        );
    }
    assert_eq!(
        admin_client.get("/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    // The dashboard shows the programme map as a cached image, not inline: the page stays
    // small and the map is a standalone SVG with its own styles.
    let page = admin_client.get("/?lang=en").await;
    assert!(page
        .text()
        .contains(r#"<img class="map" src="/map.svg?lang=en""#));
    assert!(page.text().len() < 40_000, "{} bytes", page.text().len());
    let map = anon.get("/map.svg?lang=en").await;
    assert_eq!(map.status, StatusCode::OK);
    assert_eq!(map.headers[header::CONTENT_TYPE], "image/svg+xml");
    assert!(map.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("max-age"));
    let svg = map.text();
    assert!(svg.starts_with("<svg") && svg.contains("<style>") && svg.contains("xmlns="));
    assert!(svg.contains("Huainan"), "English labels");
    assert!(anon.get("/map.svg?lang=zh").await.text().contains("淮南"));
    // The pair page carries the live diagnosis with its sources.
    let page = admin_client
        .get(&format!("/pairs/{PAIR}?lang=en"))
        .await
        .text();
    assert!(page.contains("Diagnosis and advice (live)"), "pair page");
    assert!(page.contains("Sources"), "sources listed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benefit_sharing_over_http_and_on_the_park_page() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let park = cast.park;
    let mut officer = Client::new(t.db.clone());
    officer.login("hb-officer").await;
    let agreement = include_str!("../../../data/ledger/agreements/b-hehuai-5-5-returned.toml");
    let r = officer
        .raw(
            Method::POST,
            &format!("/api/parks/{park}/agreements"),
            agreement.as_bytes().to_vec(),
            "text/plain",
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let csv = "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\nE1,hehuai-zone,C35,,2023-01,vat_local_share,1000000.01\n";
    let r = officer
        .raw(
            Method::POST,
            &format!("/api/parks/{park}/revenues"),
            csv.as_bytes().to_vec(),
            "text/csv",
            &[],
        )
        .await;
    assert_eq!(
        (r.status, r.json()["recorded"].clone()),
        (StatusCode::CREATED, json!(1)),
        "{}",
        r.text()
    );
    let bad_csv = "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\nE1,hehuai-zone,C35,,2023-13,vat_local_share,1\n";
    let r = officer
        .raw(
            Method::POST,
            &format!("/api/parks/{park}/revenues"),
            bad_csv.as_bytes().to_vec(),
            "text/csv",
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("row 2"), "{}", r.text());
    let r = officer
        .post(
            &format!("/api/parks/{park}/settle"),
            json!({"from": "2023-01", "to": "2023-01"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let appended = r.json()["appended"].as_u64().unwrap();
    assert!(appended > 0);
    let l = officer
        .get(&format!("/api/parks/{park}/ledger"))
        .await
        .json();
    assert!(l["label"].as_str().unwrap().contains("assessment"));
    let credited: Vec<String> = l["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["entry"]["book"] == "assessment"
                && e["entry"]["revenue_type"] == "vat_local_share"
                && e["entry"]["party"] != "hehuai-zone"
        })
        .map(|e| e["entry"]["credited"].as_str().unwrap().to_string())
        .collect();
    // 1,000,000.01 yuan split 5:5: the odd fen goes to the first party (largest remainder, ties by party order).
    assert_eq!(credited, ["500000.01", "500000.00"]);
    let page = officer.get(&format!("/parks/{park}?lang=en")).await.text();
    assert!(
        page.contains("Benefit sharing (assessment figures)")
            && page.contains("id=\"settlements\""),
        "park page"
    );
    // Researchers read but cannot settle; enterprises and other pairs see nothing.
    let mut researcher = officer.another();
    researcher.login("researcher").await;
    assert_eq!(
        researcher
            .get(&format!("/api/parks/{park}/ledger"))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        researcher
            .post(
                &format!("/api/parks/{park}/settle"),
                json!({"from": "2023-01", "to": "2023-01"})
            )
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let v = researcher.get("/api/ledger/verify").await;
    assert_eq!(
        (v.status, v.json()["entries"].clone()),
        (StatusCode::OK, json!(appended))
    );
    let mut firm = officer.another();
    firm.login("firm").await;
    assert_eq!(
        firm.get(&format!("/api/parks/{park}/ledger")).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!firm
        .get(&format!("/parks/{park}"))
        .await
        .text()
        .contains("benefit-sharing"));
    let statement = officer
        .get(&format!(
            "/parks/{park}/statement?party=shouxian&from=2023-01&to=2023-01&format=html"
        ))
        .await;
    assert_eq!(statement.status, StatusCode::OK);
    assert!(
        statement.text().contains("assessment"),
        "statement is labelled"
    );
    let xlsx = officer
        .get(&format!(
            "/parks/{park}/statement?party=shouxian&from=2023-01&to=2023-01&format=xlsx"
        ))
        .await;
    assert!(xlsx.body.starts_with(b"PK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docking_over_http_on_every_engine() {
    for t in tokio::task::block_in_place(testkit::engines) {
        let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
        let mut officer = Client::new(t.db.clone());
        officer.login("xz-officer").await;
        let mut firm = officer.another();
        firm.login("firm").await;
        let mut researcher = officer.another();
        researcher.login("researcher").await;
        let mut coord = officer.another();
        coord.login("coord").await;
        let offer = coord
            .post("/api/park_offers", body_for("park_offers", &cast, 0))
            .await;
        assert_eq!(offer.status, StatusCode::CREATED, "{}", offer.text());
        // The enterprise records its own demand; the binding is checked.
        let d = firm
            .post("/api/demands", body_for("demands", &cast, 0))
            .await;
        assert_eq!(d.status, StatusCode::CREATED, "{}: {}", t.name, d.text());
        let did = d.json()["id"].as_i64().unwrap();
        // The enterprise cannot run matching; the officer can.
        let r = firm
            .post(&format!("/api/demands/{did}/match"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = officer
            .post(&format!("/api/demands/{did}/match"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let items = r.json()["items"].as_array().unwrap().clone();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["park_id"], json!(cast.park));
        let explanation: Value =
            serde_json::from_str(items[0]["explanation"].as_str().unwrap()).unwrap();
        assert_eq!(explanation["components"].as_array().unwrap().len(), 7);
        let mid = items[0]["id"].as_i64().unwrap();
        // The generic routes still serve the match's record and history.
        let one = firm.get(&format!("/api/matches/{mid}")).await;
        assert_eq!(one.status, StatusCode::OK, "{}", one.text());
        let h = coord.get(&format!("/api/matches/{mid}/history")).await;
        assert_eq!(h.json()["items"].as_array().unwrap().len(), 1);
        // Researchers: no rows, but the aggregates.
        assert_eq!(
            researcher.get(&format!("/api/matches/{mid}")).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            researcher.get("/api/demands").await.json()["total"],
            json!(0)
        );
        let s = researcher.get("/api/docking/summary").await;
        assert_eq!(s.status, StatusCode::OK);
        assert_eq!(s.json()["matches_by_status"]["proposed"], json!(1));
        // Out of order: 422 naming the rule; then contact, a stale If-Match, convert.
        let r = officer
            .post(&format!("/api/matches/{mid}/convert"), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["errors"][0]["rule"], json!("out_of_order"));
        let r = officer
            .send(
                Method::POST,
                &format!("/api/matches/{mid}/contact"),
                None,
                &[],
            )
            .await;
        assert_eq!(
            (r.status, r.json()["status"].clone()),
            (StatusCode::OK, json!("contacted"))
        );
        let r = officer
            .send(
                Method::POST,
                &format!("/api/matches/{mid}/convert"),
                None,
                &[("if-match", "\"v1\"")],
            )
            .await;
        assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text());
        let r = officer
            .post(
                &format!("/api/matches/{mid}/convert"),
                json!({"version": 2}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let pid = r.json()["project_id"].as_i64().unwrap();
        let p = firm.get(&format!("/api/projects/{pid}")).await.json();
        assert_eq!(p["stage"], json!("lead"));
        assert_eq!(p["amount_agreed_yuan"], json!(8000000));
        // Capital for the project, stalled and stale lists.
        coord
            .post(
                "/api/capital_providers",
                body_for("capital_providers", &cast, 0),
            )
            .await;
        let cap = officer.get(&format!("/api/projects/{pid}/capital")).await;
        assert_eq!(cap.status, StatusCode::OK, "{}", cap.text());
        assert_eq!(cap.json()["items"].as_array().unwrap().len(), 1);
        let st = coord.get("/api/docking/stalled?as_of=2099-01-01").await;
        assert_eq!(st.json()["items"][0]["status"], json!("project"));
        let stale = coord
            .get("/api/docking/stale-offers?as_of=2100-01-01")
            .await;
        assert_eq!(stale.json()["items"].as_array().unwrap().len(), 1);
        let bad = coord.get("/api/docking/stalled?as_of=soon").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The pages: the demand page shows the match as a project, the docking page loads.
        let page = officer.get(&format!("/demands/{did}?lang=en")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.text().contains(&format!("project-of-{mid}")),
            "{}",
            t.name
        );
        let dk = coord.get("/docking?lang=en").await;
        assert!(dk.text().contains("Stalled matches"));
        // The OpenAPI document names the docking routes.
        let doc = coord.get("/api/openapi.json").await.json();
        assert!(doc["paths"]["/api/matches/{id}/convert"].is_object());
        assert!(doc["paths"]["/api/docking/summary"].is_object());
    }
}

/// Issue #17: the pair page's live advice weighs the platform's barrier register and dispute
/// cases. Two unresolved barriers naming the pair and an overdue case detect problem (2) with
/// them as evidence and put "move the cases on" and "align the rules" on the institutional
/// path, and a technology match not yet a project puts industry-university-research on the
/// market path; another pair's officer, who cannot read them, gets advice without them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pair_pages_advice_weighs_the_platform_records_the_user_may_read() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    for title in ["职称评审结果互认", "环评标准互认"] {
        let mut body = testkit::barrier_body(&[PAIR]);
        body.insert("title".into(), json!(title));
        tandem_platform::service::create(&t.db, &cast.helper_officer, &entity::BARRIERS, &body)
            .unwrap();
    }
    // A case raised 200 days ago is past its park-level deadline (30 days).
    let (y, m, d) = tandem_platform::clock::civil_from_days(
        tandem_platform::clock::parse_date(&tandem_platform::clock::today()).unwrap() - 200,
    );
    let case = json!({"pair_id": PAIR, "park_id": cast.park, "raised_by_side": "helped",
        "subject_kind": "park", "subject_id": cast.park, "title": "税收分成比例争议",
        "parties": "徐州方园区公司；淮北方管委会", "description": "分成比例理解不一致",
        "raised_on": format!("{y:04}-{m:02}-{d:02}")});
    tandem_platform::service::create(
        &t.db,
        &cast.helped_officer,
        &entity::DISPUTES,
        case.as_object().unwrap(),
    )
    .unwrap();
    // A technology match not yet a project.
    let inno = testkit::sample_innovation(&t.db, &cast.coordinator, PAIR, cast.enterprise);
    tandem_platform::innovation::create_match(&t.db, &cast.coordinator, inno.need, inno.battery)
        .unwrap();
    let mut officer = Client::new(t.db.clone());
    officer.login("hb-officer").await;
    let page = officer.get(&format!("/pairs/{PAIR}?lang=en")).await.text();
    assert!(
        page.contains("Align the two sides"),
        "no barrier recommendation"
    );
    assert!(
        page.contains("Move the open dispute cases"),
        "no dispute recommendation"
    );
    assert!(
        page.contains("past its deadline"),
        "the overdue case is not evidence"
    );
    assert!(page.contains("Unresolved barrier"), "no barrier evidence");
    assert!(page.contains("环评标准互认"));
    let mut other = Client::new(t.db.clone());
    other.login("nb-officer").await;
    let page = other.get(&format!("/pairs/{PAIR}?lang=en")).await.text();
    assert!(
        !page.contains("环评标准互认"),
        "another pair's officer reads the barrier"
    );
    assert!(
        !page.contains("税收分成比例争议"),
        "another pair's officer reads the case"
    );
}
