//! Issue #12's findings 4 to 10, each replayed against the real server on loopback
//! (`support::real`): the attack as it was made, and what the server must answer now.

mod support;

use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use support::real::RealServer;
use tandem_platform::entity;
use tandem_platform::testkit::{self, Cast, OTHER_PAIR, PAIR};
use tandem_platform::{chains, service};

/// A signed project of `OTHER_PAIR` in its park, for the other enterprise: none of the
/// enterprise user, the park operator (of `PAIR`'s park) and `PAIR`'s officers may read it.
fn secret_project(db: &tandem_platform::Db, cast: &Cast) -> i64 {
    let body = json!({"pair_id": OTHER_PAIR, "park_id": cast.other_park,
        "enterprise_id": cast.other_enterprise, "name": "SECRET-PROJECT-X",
        "initiated_by": "enterprise", "amount_agreed_yuan": "770000000"});
    let p = tandem_platform::service::create(
        db,
        &cast.admin,
        &entity::PROJECTS,
        body.as_object().unwrap(),
    )
    .expect("the admin creates the project");
    let id = p.id_text();
    tandem_platform::service::advance_stage(
        db,
        &cast.admin,
        &id,
        Some(p.version),
        "signed",
        "2023-05-01",
        "signing ceremony",
    )
    .expect("the project is signed");
    p.int("id").unwrap()
}

/// Finding 4: the pair page's live diagnosis listed every signed project of the pair,
/// whoever asked.
#[test]
fn pair_pages_show_only_the_projects_the_user_may_read() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let id = secret_project(&t.db, &cast);
        let server = RealServer::start(t.db.clone());
        for who in ["firm", "park-op", "hb-officer"] {
            let c = server.login(who);
            assert_eq!(c.get(&format!("/api/projects/{id}")).status, 404, "{who}");
            let page = c.get(&format!("/pairs/{OTHER_PAIR}"));
            assert_eq!(page.status, 200, "{who} on {}: {}", t.name, page.text);
            assert!(
                !page.text.contains("SECRET-PROJECT-X") && !page.text.contains("宁波乙公司"),
                "{who} sees another pair's project on its pair page ({})",
                t.name
            );
        }
        // Those who may read the project still see it in the diagnosis.
        let page = server
            .login("nb-officer")
            .get(&format!("/pairs/{OTHER_PAIR}"));
        assert!(page.text.contains("SECRET-PROJECT-X"), "{}", t.name);
    }
}

/// Finding 5: a park operator moved its park to another pair with PATCH pair_id.
#[test]
fn scope_fields_are_not_writable_by_the_roles_they_bind() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let op = server.login("park-op");
    let park = format!("/api/parks/{}", cast.park);
    let version = op.get(&park).json()["version"].as_i64().unwrap();
    let moved = op.patch(&park, &json!({"version": version, "pair_id": OTHER_PAIR}));
    assert_eq!(moved.status, 403, "{}", moved.text);
    let moved = op.patch(
        &park,
        &json!({"version": version, "locality_id": "ah-bengbu"}),
    );
    assert_eq!(moved.status, 403, "{}", moved.text);
    // The other pair's officer still cannot touch it; its own pair's officer still can.
    let other = server.login("nb-officer");
    let r = other.patch(&park, &json!({"version": version, "name": "taken"}));
    assert!(matches!(r.status, 403 | 404), "{}", r.text);
    let own = server.login("hb-officer");
    let r = own.patch(
        &park,
        &json!({"version": version, "name": "徐淮园（更名）"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(own.get(&park).json()["pair_id"], PAIR);
    // Unchanged scope fields may be sent back as they are (forms post every field).
    let v = own.get(&park).json()["version"].as_i64().unwrap();
    let op_edit = op.patch(
        &park,
        &json!({"version": v, "pair_id": PAIR, "address": "新区路 1 号"}),
    );
    assert_eq!(op_edit.status, 200, "{}", op_edit.text);
    // A coordinator runs the programme's frame and may move it.
    let coord = server.login("coord");
    let v = coord.get(&park).json()["version"].as_i64().unwrap();
    let r = coord.patch(&park, &json!({"version": v, "locality_id": "ah-huaibei"}));
    assert_eq!(r.status, 200, "{}", r.text);
}

/// Finding 6: an officer who can only read another pair's (open) demand ran matching for it
/// and declined its matches.
#[test]
fn workflow_steps_need_the_right_to_change_the_demand_or_the_park() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let offer = json!({"park_id": cast.park, "title": "标准厂房一期", "land_mu": 300,
        "building_m2": 20000, "power_kw": 8000, "labour": 500, "land_price_yuan_m2": 200,
        "incentive_rating": 0.7, "focus_industries": "io42:18", "capacity": 5,
        "fresh_until": "2099-12-31"});
    tandem_platform::service::create(
        &t.db,
        &cast.park_operator,
        &entity::PARK_OFFERS,
        offer.as_object().unwrap(),
    )
    .unwrap();
    let server = RealServer::start(t.db.clone());
    let own = server.login("hb-officer");
    let demand = own.post(
        "/api/demands",
        &json!({"enterprise_id": cast.enterprise, "pair_id": PAIR, "title": "零部件扩产",
            "kind": "expansion", "industry": "io42:18", "land_mu": 50, "budget_yuan": 8000000,
            "confidentiality": "open"}),
    );
    assert_eq!(demand.status, 201, "{}", demand.text);
    let did = demand.json()["id"].as_i64().unwrap();

    let other = server.login("nb-officer");
    assert_eq!(other.get(&format!("/api/demands/{did}")).status, 200);
    let r = other.post(&format!("/api/demands/{did}/match"), &json!({}));
    assert_eq!(r.status, 403, "{}", r.text);

    let matched = own.post(&format!("/api/demands/{did}/match"), &json!({}));
    assert_eq!(matched.status, 200, "{}", matched.text);
    let mid = matched.json()["items"][0]["id"].as_i64().expect("a match");
    for step in ["decline", "contact"] {
        let r = other.post(&format!("/api/matches/{mid}/{step}"), &json!({}));
        assert_eq!(r.status, 403, "{step}: {}", r.text);
    }
    // The park's side may step it: its operator.
    let r = server
        .login("park-op")
        .post(&format!("/api/matches/{mid}/contact"), &json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
}

fn wrong_login(c: &support::real::Http, name: &str, headers: &[(&str, &str)]) -> u16 {
    let body = json!({"username": name, "password": "wrong wrong wrong"}).to_string();
    c.send(
        "POST",
        "/api/login",
        Some(("application/json", body.into_bytes())),
        headers,
    )
    .status
}

/// Finding 7a: 60 concurrent guesses on one name were all verified, because the failure was
/// counted only after argon2 had run.
#[test]
fn concurrent_guesses_on_one_name_are_counted_before_they_are_checked() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let threads: Vec<_> = (0..60)
        .map(|_| {
            let c = server.client();
            std::thread::spawn(move || wrong_login(&c, "coord", &[]))
        })
        .collect();
    let statuses: Vec<u16> = threads.into_iter().map(|h| h.join().unwrap()).collect();
    // A wrong password is answered 403.
    let verified = statuses.iter().filter(|s| **s == 403).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert!(
        verified <= tandem_server::session::MAX_FAILURES_PER_NAME as usize,
        "{verified} guesses were checked: {statuses:?}"
    );
    assert_eq!(verified + limited, 60, "{statuses:?}");
}

/// Finding 7b: user names of any length became limiter keys (8 MiB names held for 15 min).
#[test]
fn overlong_user_names_are_refused_before_any_work() {
    let t = testkit::sqlite();
    let server = RealServer::start(t.db.clone());
    let c = server.client();
    let name = "x".repeat(1 << 20);
    let r = c.post(
        "/api/login",
        &json!({"username": name, "password": "whatever password"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("64 bytes"), "{}", r.text);
    // The HTML form says so too.
    let r = c.form("/login", &[("username", &name[..100]), ("password", "x")]);
    assert_eq!(r.status, 400, "{}", r.text);
}

/// Finding 7c: argon2 had no concurrency cap (60 parallel sign-ins: +380 MB). With every
/// password-check slot taken, a sign-in waits and is then answered 503, not checked.
#[test]
fn password_checks_are_capped() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let slots = server.state.password_checks.clone();
    assert_eq!(
        slots.available_permits(),
        tandem_server::PASSWORD_CHECKS_AT_ONCE
    );
    let held = slots
        .try_acquire_many(tandem_server::PASSWORD_CHECKS_AT_ONCE as u32)
        .unwrap();
    let c = server.client();
    let r = c.post(
        "/api/login",
        &json!({"username": "coord", "password": testkit::PASSWORD}),
    );
    assert_eq!(r.status, 503, "{}", r.text);
    drop(held);
    // The refused attempt was not held against the user.
    server.login("coord");
}

/// Finding 7d: behind a reverse proxy every client shared the proxy's address, so 20 failures
/// locked everyone out. With `--trusted-proxy`, the limiter keys on X-Forwarded-For from that
/// proxy only.
#[test]
fn a_trusted_proxy_names_the_client_and_nobody_else_does() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let proxied = RealServer::start_with(t.db.clone(), |o| {
        o.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    });
    let c = proxied.client();
    let per_client = tandem_server::session::MAX_FAILURES_PER_CLIENT;
    for i in 0..per_client {
        let name = format!("guess{i}");
        assert_eq!(
            wrong_login(&c, &name, &[("x-forwarded-for", "203.0.113.7")]),
            403
        );
    }
    assert_eq!(
        wrong_login(&c, "guess-more", &[("x-forwarded-for", "203.0.113.7")]),
        429
    );
    // Another client behind the same proxy is not locked out.
    assert_eq!(
        wrong_login(&c, "guess-more", &[("x-forwarded-for", "198.51.100.4")]),
        403
    );

    // Without the setting the header is the client's own word and changes nothing.
    let t2 = testkit::sqlite();
    let direct = RealServer::start(t2.db.clone());
    let c = direct.client();
    for i in 0..per_client {
        let spoof = format!("192.0.2.{i}");
        assert_eq!(
            wrong_login(&c, &format!("g{i}"), &[("x-forwarded-for", &spoof)]),
            403
        );
    }
    assert_eq!(
        wrong_login(&c, "g-more", &[("x-forwarded-for", "192.0.2.200")]),
        429
    );
}

/// Finding 8: `next=/\t/evil.example/x` was echoed in `Location` (browsers drop the tab and
/// leave the site) and a newline in `next` gave 500.
#[test]
fn sign_in_redirects_only_to_paths_on_this_site() {
    let t = testkit::sqlite();
    let _cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    for (next, expected) in [
        ("/\t/evil.example/x", "/"),
        ("/\n/evil.example", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("/projects/1?lang=en", "/projects/1?lang=en"),
    ] {
        let r = server.client().form(
            "/login",
            &[
                ("username", "coord"),
                ("password", testkit::PASSWORD),
                ("next", next),
            ],
        );
        assert!(
            matches!(r.status, 302 | 303),
            "{next:?}: {} {}",
            r.status,
            r.text
        );
        assert_eq!(r.location.as_deref(), Some(expected), "{next:?}");
    }
}

/// Finding 9: agreement ids were unique across the platform, so one park's officer blocked
/// another park's version and learnt that the id existed there.
#[test]
fn agreement_ids_are_unique_per_park() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let agreement = include_str!("../../../data/ledger/agreements/b-hehuai-5-5-returned.toml");
        let record = |who: &str, park: i64| {
            server.login(who).send(
                "POST",
                &format!("/api/parks/{park}/agreements"),
                Some(("text/plain", agreement.as_bytes().to_vec())),
                &[],
            )
        };
        let a = record("nb-officer", cast.other_park);
        assert_eq!(a.status, 201, "{}: {}", t.name, a.text);
        let b = record("hb-officer", cast.park);
        assert_eq!(b.status, 201, "{}: {}", t.name, b.text);
        // Within one park a version is still recorded once.
        let again = record("hb-officer", cast.park);
        assert_eq!(again.status, 422, "{}: {}", t.name, again.text);
        // The chain still verifies after settling both parks.
        let v = server.login("coord").get("/api/ledger/verify");
        assert_eq!(v.status, 200, "{}: {}", t.name, v.text);
    }
}

/// Reads from `s` until the peer closes (Ok(bytes read)) or `limit` passes (Err).
fn read_until_closed(s: &mut TcpStream, limit: Duration) -> Result<Vec<u8>, Duration> {
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(got),
            Err(_) => {}
        }
    }
    Err(start.elapsed())
}

/// Finding 10: 300 half-open connections stayed open for 40 s and more. Connections that
/// send nothing, or half a header, are closed after the header timeout (the default, 10 s),
/// and the server answers others meanwhile.
#[test]
fn half_open_connections_are_closed_after_the_header_timeout() {
    let t = testkit::sqlite();
    let server = RealServer::start(t.db.clone());
    let mut idle: Vec<TcpStream> = (0..40)
        .map(|i| {
            let mut s = TcpStream::connect(server.addr).unwrap();
            if i % 2 == 0 {
                s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            s
        })
        .collect();
    assert!(server.healthy());
    let limit = tandem_server::net::HEADER_READ_TIMEOUT + Duration::from_secs(5);
    for s in &mut idle {
        assert!(
            read_until_closed(s, limit).is_ok(),
            "a half-open connection outlived the header timeout"
        );
    }
}

/// Finding 10: a body trickled slower than the body timeout is cut off with 408.
#[test]
fn a_trickled_body_is_cut_off() {
    let t = testkit::sqlite();
    let server = RealServer::start_with(t.db.clone(), |o| {
        o.body_read_timeout = Duration::from_secs(1);
    });
    let mut s = TcpStream::connect(server.addr).unwrap();
    s.write_all(
        b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"username\":",
    )
    .unwrap();
    let got = read_until_closed(&mut s, Duration::from_secs(10)).expect("the server answers");
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
}

/// Finding 10: one address cannot take every connection.
#[test]
fn connections_per_client_are_capped() {
    let t = testkit::sqlite();
    let server = RealServer::start_with(t.db.clone(), |o| {
        o.max_connections_per_client = 5;
    });
    let _held: Vec<TcpStream> = (0..5)
        .map(|_| TcpStream::connect(server.addr).unwrap())
        .collect();
    // Give the server a moment to accept them.
    std::thread::sleep(Duration::from_millis(300));
    let mut extra = TcpStream::connect(server.addr).unwrap();
    let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    let got = read_until_closed(&mut extra, Duration::from_secs(5)).expect("closed at once");
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    drop(_held);
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.healthy());
}

/// Issue #17: an industry chain belongs to its pair. Another pair's officer, a park operator
/// and an enterprise user cannot read it, its parts or its gaps, by the record API, the gaps
/// API or the chain page: 404, as for a chain that does not exist, and lists leave its parts
/// out. The pair's officers and researchers read it.
#[test]
fn another_pairs_chain_and_its_gaps_are_not_found() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let id = testkit::sample_chain(&t.db, &cast.helper_officer, PAIR, cast.enterprise);
        let server = RealServer::start(t.db.clone());
        for who in ["nb-officer", "park-op", "firm"] {
            let c = server.login(who);
            for path in [
                format!("/api/chains/{id}/gaps"),
                format!("/api/chains/{id}"),
                format!("/chains/{id}"),
                format!("/r/chains/{id}"),
            ] {
                let r = c.get(&path);
                assert_eq!(r.status, 404, "{who} {path} on {}: {}", t.name, r.text);
                assert!(!r.text.contains("汽车产业链"), "{who} {path}");
            }
            let nodes = c.get(&format!("/api/chain_nodes?chain_id={id}"));
            assert_eq!(nodes.json()["total"], 0, "{who} on {}", t.name);
        }
        // Nor can they make its gaps docking targets, not even of their own park's offer;
        // a researcher reads the chain but writes no offer.
        let offer = service::create(
            &t.db,
            &cast.park_operator,
            &entity::PARK_OFFERS,
            json!({"park_id": cast.park, "title": "标准厂房", "fresh_until": "2099-12-31"})
                .as_object()
                .unwrap(),
        )
        .unwrap()
        .id_text();
        let node = chains::report(&t.db, &cast.researcher, &id.to_string())
            .unwrap()
            .gaps[0]
            .node
            .clone();
        let target = format!("/api/chains/{id}/gaps/{node}/target");
        for (who, status) in [
            ("nb-officer", 404),
            ("park-op", 404),
            ("firm", 404),
            ("researcher", 403),
        ] {
            let r = server.login(who).post(
                &target,
                &json!({"park_offer_id": offer.parse::<i64>().unwrap()}),
            );
            assert_eq!(r.status, status, "{who} on {}: {}", t.name, r.text);
        }
        let untouched = service::get(&t.db, &cast.admin, &entity::PARK_OFFERS, &offer).unwrap();
        assert_eq!(untouched.version, 1, "{}", t.name);
        // The unknown chain answers the same.
        let c = server.login("nb-officer");
        assert_eq!(c.get("/api/chains/999999/gaps").status, 404);
        for who in ["hb-officer", "researcher"] {
            let r = server.login(who).get(&format!("/api/chains/{id}/gaps"));
            assert_eq!(r.status, 200, "{who} on {}: {}", t.name, r.text);
            assert_eq!(r.json()["gaps"].as_array().unwrap().len(), 3);
            let page = server.login(who).get(&format!("/chains/{id}?lang=en"));
            assert_eq!(page.status, 200, "{who} on {}: {}", t.name, page.text);
            assert!(
                page.text.contains("<svg") && page.text.contains("table class=\"gaps\""),
                "{who}: the chain page lacks its picture or its gap table"
            );
        }
    }
}

/// Issue #17: a whole chain map in one step. The right to create chains is checked before a
/// byte of the body is read (a researcher's, a park operator's and an enterprise's uploads get
/// 403 unread); an officer imports only into its own pair (another pair's shipped chain
/// or workbook is 403); a broken map or a file that is no map is 422 and creates nothing. The
/// pair's officer gets the chain, its parts and its gaps.
#[test]
fn a_chain_map_is_imported_in_one_step_only_by_its_pairs_officers() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let count = || {
            service::list(
                &t.db,
                &cast.admin,
                &entity::CHAIN_NODES,
                &service::ListQuery::default(),
            )
            .unwrap()
            .total
        };
        let import = "/api/chains/import";
        // (Small enough for the socket buffers: the server answers without reading it.)
        let big = vec![b'x'; 64 << 10];
        for who in ["researcher", "park-op", "firm"] {
            let r = server.login(who).send(
                "POST",
                import,
                Some(("application/toml", big.clone())),
                &[],
            );
            assert_eq!(r.status, 403, "{who} on {}: {}", t.name, r.text);
        }
        let hb = server.login("hb-officer");
        let other = tandem_data::chains::shipped_chain("pair-ningbo-bengbu").unwrap();
        let book = tandem_platform::chain_book::write(other).unwrap();
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
        assert_eq!(hb.send("POST", import, Some((xlsx, book)), &[]).status, 403);
        let r = hb.post(&format!("{import}?shipped=pair-ningbo-bengbu"), &json!({}));
        assert_eq!(r.status, 403, "{}", r.text);
        let mut broken = tandem_data::chains::shipped_chain(PAIR).unwrap().clone();
        broken.edges.push(tandem_core::chain::ChainEdge {
            from: "machines".into(),
            to: "nowhere".into(),
        });
        let r = hb.post(import, &serde_json::to_value(&broken).unwrap());
        assert_eq!(r.status, 422, "{}: {}", t.name, r.text);
        let r = hb.send(
            "POST",
            import,
            Some(("application/toml", b"id = 1".to_vec())),
            &[],
        );
        assert_eq!(r.status, 422, "{}: {}", t.name, r.text);
        assert!(r.text.contains("not_a_chain"), "{}", r.text);
        assert_eq!(count(), 0, "{}: nothing was created", t.name);
        // The pair's own shipped chain.
        let r = hb.post(
            &format!("{import}?shipped={PAIR}&focus_industry=construction%20machinery"),
            &json!({}),
        );
        assert_eq!(r.status, 201, "{}: {}", t.name, r.text);
        let made = r.json();
        assert_eq!(made["segments"], 12);
        assert_eq!(count(), 12, "{}", t.name);
        let gaps = hb.get(&format!("/api/chains/{}/gaps", made["id"]));
        assert_eq!(gaps.status, 200, "{}", gaps.text);
        assert!(!gaps.json()["gaps"].as_array().unwrap().is_empty());
        assert_eq!(
            server
                .login("nb-officer")
                .get(made["url"].as_str().unwrap())
                .status,
            404
        );
    }
}

/// Issue #17: a barrier is seen by the pairs it lists. Another pair's officer and an
/// enterprise cannot read or change it by the record API, the record page, the register or
/// the summary; a wildcard in a list filter finds nothing more; no officer takes a pair off
/// the list; a researcher reads but never writes; a `javascript:` link is refused and never
/// rendered; the park operator of a listed pair reads it on the register only.
#[test]
fn another_pairs_barrier_is_out_of_reach() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let mut body = testkit::barrier_body(&[PAIR]);
        body.insert("title".into(), json!("SECRET-BARRIER-X"));
        let rec =
            tandem_platform::service::create(&t.db, &cast.helper_officer, &entity::BARRIERS, &body)
                .expect("the pair's officer registers a barrier");
        let id = rec.id_text();
        let server = RealServer::start(t.db.clone());
        for who in ["nb-officer", "firm"] {
            let c = server.login(who);
            for path in [format!("/api/barriers/{id}"), format!("/r/barriers/{id}")] {
                let r = c.get(&path);
                assert_eq!(r.status, 404, "{who} {path} on {}: {}", t.name, r.text);
                assert!(!r.text.contains("SECRET-BARRIER-X"), "{who} {path}");
            }
            let r = c.patch(
                &format!("/api/barriers/{id}"),
                &json!({"title": "x", "version": 1}),
            );
            assert_eq!(r.status, 404, "{who} patch on {}: {}", t.name, r.text);
            for list in [
                "/api/barriers",
                "/api/barriers?affected_pairs=%25",
                "/api/barriers?affected_pairs=_",
            ] {
                let r = c.get(list);
                assert_eq!(r.json()["total"], 0, "{who} {list} on {}", t.name);
            }
            let page = c.get("/barriers");
            assert_eq!(page.status, 200, "{who} on {}: {}", t.name, page.text);
            assert!(!page.text.contains("SECRET-BARRIER-X"), "{who} register");
            let s = c.get("/api/barriers/summary").json();
            let open: i64 = s["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["open"].as_i64().unwrap())
                .sum();
            assert_eq!(open, 0, "{who} summary on {}", t.name);
        }
        // The park operator of the listed pair: on the register, not through the record API.
        let op = server.login("park-op");
        assert!(
            op.get("/barriers").text.contains("SECRET-BARRIER-X"),
            "{}",
            t.name
        );
        assert_eq!(op.get(&format!("/api/barriers/{id}")).status, 404);
        // A researcher reads and never writes.
        let r = server.login("researcher");
        assert_eq!(r.get(&format!("/api/barriers/{id}")).status, 200);
        let w = r.patch(
            &format!("/api/barriers/{id}"),
            &json!({"title": "x", "version": 1}),
        );
        assert_eq!(w.status, 403, "{}: {}", t.name, w.text);
        let w = r.post(
            "/api/barriers",
            &serde_json::Value::Object(testkit::barrier_body(&[PAIR])),
        );
        assert_eq!(w.status, 403, "{}: {}", t.name, w.text);
        // The pair's officer shares it, but neither it nor the other pair's officer then takes
        // a pair off the list.
        let hb = server.login("hb-officer");
        let shared = hb.patch(
            &format!("/api/barriers/{id}"),
            &json!({"affected_pairs": [PAIR, OTHER_PAIR], "version": 1}),
        );
        assert_eq!(shared.status, 200, "{}: {}", t.name, shared.text);
        for (who, keep) in [
            ("hb-officer", OTHER_PAIR),
            ("nb-officer", OTHER_PAIR),
            ("nb-officer", PAIR),
        ] {
            let r = server.login(who).patch(
                &format!("/api/barriers/{id}"),
                &json!({"affected_pairs": [keep], "version": 2}),
            );
            assert_eq!(
                r.status, 403,
                "{who} keeps {keep} on {}: {}",
                t.name, r.text
            );
        }
        // A script link is refused; the register never renders one.
        let mut evil = testkit::barrier_body(&[PAIR]);
        evil.insert(
            "helper_rule_link".into(),
            json!("javascript:alert(document.cookie)"),
        );
        let r = hb.post("/api/barriers", &serde_json::Value::Object(evil));
        assert_eq!(r.status, 422, "{}: {}", t.name, r.text);
        assert!(r.text.contains("bad_link"), "{}", r.text);
        assert!(!hb.get("/barriers").text.contains("javascript:"));
    }
}

/// Issue #17: a dispute case is a confidential negotiation of its pair. Another pair's
/// officer, an enterprise user and a researcher (and the operator of another park) get 404
/// from the record API, the timeline API, the workflow API and forms and both pages, as for
/// a case that does not exist; lists and the overdue reminders leave it out. A park operator
/// reads its park's case but may not escalate it; the pair's officers may not set the status
/// by hand nor close a case with another pair's agreement version.
#[test]
fn another_pairs_dispute_case_is_not_found_and_its_workflow_is_guarded() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let raise = |pair: &str, park: i64| {
            let body = json!({"pair_id": pair, "park_id": park, "raised_by_side": "helper",
                "subject_kind": "settlement", "title": "SECRET-DISPUTE", "parties": "双方园区",
                "description": "结算争议", "raised_on": "2020-01-01"});
            tandem_platform::service::create(
                &t.db,
                &cast.admin,
                &entity::DISPUTES,
                body.as_object().unwrap(),
            )
            .unwrap()
            .int("id")
            .unwrap()
        };
        let (own, other) = (raise(PAIR, cast.park), raise(OTHER_PAIR, cast.other_park));
        let foreign = tandem_platform::ledger::record_agreement(
            &t.db,
            &cast.admin,
            cast.other_park,
            testkit::AGREEMENT_B,
        )
        .unwrap();
        let server = RealServer::start(t.db.clone());
        for (who, id) in [
            ("nb-officer", own),
            ("firm", own),
            ("researcher", own),
            ("park-op", other),
        ] {
            let c = server.login(who);
            for path in [
                format!("/api/disputes/{id}"),
                format!("/api/disputes/{id}/timeline"),
                format!("/disputes/{id}"),
                format!("/r/disputes/{id}"),
            ] {
                let r = c.get(&path);
                assert_eq!(r.status, 404, "{who} {path} on {}: {}", t.name, r.text);
                assert!(!r.text.contains("SECRET-DISPUTE"), "{who} {path}");
            }
            let step = json!({"reason": "越权升级", "version": 1});
            let r = c.post(&format!("/api/disputes/{id}/escalate"), &step);
            assert_eq!(r.status, 404, "{who} escalates on {}: {}", t.name, r.text);
            let out = json!({"outcome": "withdrawn", "note": "越权撤回", "version": 1});
            let r = c.post(&format!("/api/disputes/{id}/close"), &out);
            assert_eq!(r.status, 404, "{who} closes on {}: {}", t.name, r.text);
            let token = c.csrf.clone().unwrap_or_default();
            let r = c.form(
                &format!("/disputes/{id}/escalate"),
                &[("_csrf", &token), ("version", "1"), ("reason", "越权")],
            );
            assert_eq!(r.status, 404, "{who} escalation form on {}", t.name);
            let r = c.form(
                &format!("/disputes/{id}/round"),
                &[
                    ("_csrf", &token),
                    ("level", "park"),
                    ("held_on", "2020-02-01"),
                    ("attendees", "x"),
                    ("minutes", "x"),
                ],
            );
            assert_eq!(r.status, 404, "{who} round form on {}", t.name);
            let rounds = c.get(&format!("/api/dispute_rounds?dispute_id={id}"));
            assert_eq!(rounds.json()["total"], 0, "{who} on {}", t.name);
            let overdue = c.get("/api/disputes/overdue").json();
            let listed = overdue["cases"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == id);
            assert!(!listed, "{who} is reminded of a case it may not read");
        }
        // The park operator reads its park's case but does not escalate it.
        let op = server.login("park-op");
        assert_eq!(op.get(&format!("/api/disputes/{own}/timeline")).status, 200);
        let r = op.post(
            &format!("/api/disputes/{own}/escalate"),
            &json!({"reason": "越权", "version": 1}),
        );
        assert_eq!(r.status, 403, "{}: {}", t.name, r.text);
        // The pair's officer: no status by hand, no other pair's agreement version.
        let hb = server.login("hb-officer");
        let r = hb.patch(
            &format!("/api/disputes/{own}"),
            &json!({"status": "settled", "version": 1}),
        );
        assert_eq!(r.status, 422, "{}: {}", t.name, r.text);
        assert_eq!(r.json()["errors"][0]["rule"], "read_only");
        let r = hb.post(
            &format!("/api/disputes/{own}/close"),
            &json!({"outcome": "agreement_amended", "note": "修订", "agreement_row": foreign.id,
                "version": 1}),
        );
        assert_eq!(r.status, 422, "{}: {}", t.name, r.text);
        assert_eq!(r.json()["errors"][0]["field"], "agreement_row");
        // Its own case is overdue (raised in 2020) and reminded on its dashboard.
        let dash = hb.get("/?lang=en");
        assert!(dash.text.contains("Overdue dispute cases"), "{}", t.name);
        assert!(dash.text.contains(&format!("/disputes/{own}")));
    }
}

/// Issue #17: the workflow over HTTP for the pair's officers: an escalation carries the
/// version edited (a stale `If-Match` is 412 and changes nothing), answers the case with its
/// new ETag, and the timeline and the OpenAPI document describe it.
#[test]
fn a_pairs_officer_escalates_and_closes_over_the_api() {
    let t = testkit::sqlite();
    // The accounts the logins below use.
    testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let xz = server.login("xz-officer");
    let body = json!({"pair_id": PAIR, "raised_by_side": "helper", "subject_kind": "settlement",
        "title": "结算争议", "parties": "双方", "description": "分成", "raised_on": "2024-01-10"});
    let r = xz.post("/api/disputes", &body);
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json()["id"].as_i64().unwrap();
    assert_eq!(r.json()["current_level"], "joint_meeting");
    let step = json!({"reason": "联席会议未能达成一致", "on": "2024-03-01"}).to_string();
    let esc = format!("/api/disputes/{id}/escalate");
    let send = |if_match: &str| {
        xz.send(
            "POST",
            &esc,
            Some(("application/json", step.clone().into_bytes())),
            &[("if-match", if_match)],
        )
    };
    assert_eq!(send("\"v9\"").status, 412);
    let r = send("\"v1\"");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["current_level"], "provincial");
    assert_eq!(r.json()["level_deadline"], "2024-05-30");
    let hb = server.login("hb-officer");
    let out = json!({"outcome": "settled", "note": "省级协调后和解", "version": 2});
    let r = hb.post(&format!("/api/disputes/{id}/close"), &out);
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json()["status"], "settled");
    let tl = hb.get(&format!("/api/disputes/{id}/timeline")).json();
    let kinds: Vec<&str> = tl["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["change", "escalation", "change"], "{tl}");
    let doc = hb.get("/api/openapi.json").json();
    for path in ["escalate", "close", "timeline"] {
        assert!(doc["paths"][format!("/api/disputes/{{id}}/{path}")].is_object());
    }
    assert!(doc["components"]["schemas"]["disputes"].is_object());
}

/// Issue #17 (farm produce): a pair's produce belongs to the pair. Another pair's officer, a
/// park operator and an enterprise user get 404 for its totals (JSON, page, XLSX), its
/// certificates and its deliveries, and lists leave them out; another pair's officer can
/// neither add a delivery under the pair's contract nor join the pair's base to its own
/// buyer, and nobody may join a base of one pair to a buyer of another. A researcher reads
/// the totals and the bases but no delivery, and writes nothing. On both engines.
#[test]
fn another_pairs_produce_is_not_found_and_not_joined() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let f = testkit::sample_produce(&t.db, &cast.helped_officer, PAIR);
        let server = RealServer::start(t.db.clone());
        let hb = server.login("hb-officer");
        let delivery = hb.get(&format!("/api/deliveries?pair_id={PAIR}")).json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        for who in ["nb-officer", "park-op", "firm"] {
            let c = server.login(who);
            for path in [
                format!("/api/produce/pairs/{PAIR}/totals"),
                format!("/api/produce/pairs/{PAIR}/certifications"),
                format!("/produce/pairs/{PAIR}"),
                format!("/produce/pairs/{PAIR}/totals.xlsx"),
                format!("/api/deliveries/{delivery}"),
                format!("/api/supply_contracts/{}", f.rice_contract),
                format!("/api/supply_bases/{}", f.base),
                format!("/r/deliveries/{delivery}"),
            ] {
                let r = c.get(&path);
                assert_eq!(r.status, 404, "{who} {path} on {}: {}", t.name, r.text);
                assert!(!r.text.contains("濉溪"), "{who} {path}");
            }
            for list in [
                "deliveries",
                "supply_contracts",
                "produce_buyers",
                "supply_bases",
            ] {
                let r = c.get(&format!("/api/{list}?pair_id={PAIR}"));
                assert_eq!(r.json()["total"], 0, "{who} {list} on {}", t.name);
            }
        }
        let nb = server.login("nb-officer");
        let r = nb.post(
            "/api/deliveries",
            &json!({"contract_id": f.rice_contract, "month": "2024-04", "volume_t": 9,
                "value_yuan": 1}),
        );
        assert_eq!(r.status, 403, "{}: {}", t.name, r.text);
        let nb_buyer = nb.post(
            "/api/produce_buyers",
            &json!({"pair_id": OTHER_PAIR, "name": "宁波某商超", "kind": "retailer",
                "buyer_locality_id": "zj-ningbo"}),
        );
        assert_eq!(nb_buyer.status, 201, "{}", nb_buyer.text);
        let nb_buyer = nb_buyer.json()["id"].as_i64().unwrap();
        let joined = json!({"base_id": f.base, "buyer_id": nb_buyer, "contract_no": "X",
            "product": "大米", "volume_t": 1, "start_on": "2024-01-01", "end_on": "2024-12-31"});
        for (who, status) in [("nb-officer", 422), ("hb-officer", 422), ("coord", 422)] {
            let r = server.login(who).post("/api/supply_contracts", &joined);
            assert_eq!(r.status, status, "{who} on {}: {}", t.name, r.text);
        }
        // Nothing of that reached the pair's totals.
        let totals = hb.get(&format!("/api/produce/pairs/{PAIR}/totals")).json();
        let n: i64 = totals["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y["deliveries"].as_i64().unwrap())
            .sum();
        assert_eq!(n, 3, "{}", t.name);
        let page = hb.get(&format!("/produce/pairs/{PAIR}?lang=en"));
        assert!(page.text.contains("id=\"years\""), "{}", page.text);
        let researcher = server.login("researcher");
        let r = researcher.get(&format!("/api/produce/pairs/{PAIR}/totals"));
        assert_eq!(
            (r.status, r.json()["years"].clone()),
            (200, totals["years"].clone())
        );
        assert_eq!(
            researcher
                .get(&format!("/api/supply_bases/{}", f.base))
                .status,
            200
        );
        assert_eq!(
            researcher
                .get(&format!("/api/deliveries/{delivery}"))
                .status,
            404
        );
        let r = researcher.post(
            "/api/supply_bases",
            &json!({"pair_id": PAIR, "name": "基地", "county": "县", "products": "大米"}),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(
            nb.get("/api/produce/pairs/pair-none/totals").status,
            404,
            "an unknown pair answers the same"
        );
        // A day that is not a date is refused by name; the paths are in the OpenAPI document.
        let r = hb.get(&format!(
            "/api/produce/pairs/{PAIR}/certifications?on=2024-02-30"
        ));
        assert_eq!(
            (r.status, r.json()["errors"][0]["field"].clone()),
            (422, json!("on"))
        );
        let r = hb.get(&format!(
            "/api/produce/pairs/{PAIR}/certifications?on=2026-01-01"
        ));
        assert_eq!(r.json()["items"][0]["status"], "expired", "{}", r.text);
        // The produce index lists the pairs whose totals the user may read.
        let index = hb.get("/produce?lang=en").text;
        assert_eq!(
            index.matches("href=\"/produce/pairs/").count(),
            1,
            "{index}"
        );
        let index = server.login("park-op").get("/produce?lang=en").text;
        assert_eq!(
            index.matches("href=\"/produce/pairs/").count(),
            0,
            "{index}"
        );
        let index = researcher.get("/produce?lang=zh").text;
        assert_eq!(
            index.matches("href=\"/produce/pairs/").count(),
            8,
            "{index}"
        );
        let doc = hb.get("/api/openapi.json").json();
        for path in [
            "/api/produce/pairs/{pair}/totals",
            "/api/produce/pairs/{pair}/certifications",
        ] {
            assert!(doc["paths"][path]["get"].is_object(), "{path} undocumented");
        }
    }
}

/// Issue #17: a technology need is its enterprise's business. Another pair's officer, a park
/// operator and a researcher cannot read it, its ranking or its matches, nor match it (404, as
/// for a need that does not exist; lists leave its matches out); the enterprise itself ranks
/// and matches its own need. A researcher writes nothing, another pair's officer changes no
/// capability (though capabilities are public) and the helped side's officer records no
/// patent for another pair; the counts list only the pairs a role may read.
#[test]
fn a_technology_need_is_read_and_matched_only_by_its_side() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let fx = testkit::sample_innovation(&t.db, &cast.admin, PAIR, cast.enterprise);
        let server = RealServer::start(t.db.clone());
        let need = fx.need;
        let body = json!({"capability_id": fx.battery});
        for who in ["nb-officer", "park-op", "researcher"] {
            let c = server.login(who);
            for path in [
                format!("/api/tech_needs/{need}/shortlist"),
                format!("/api/tech_needs/{need}"),
                format!("/tech_needs/{need}"),
                format!("/r/tech_needs/{need}"),
            ] {
                let r = c.get(&path);
                assert_eq!(r.status, 404, "{who} {path} on {}: {}", t.name, r.text);
                assert!(!r.text.contains("电池包热管理改进"), "{who} {path}");
            }
            let r = c.post(&format!("/api/tech_needs/{need}/matches"), &body);
            assert_eq!(r.status, 404, "{who} matches on {}: {}", t.name, r.text);
            let r = c.form(
                &format!("/tech_needs/{need}/match"),
                &[
                    ("_csrf", c.csrf.as_deref().unwrap_or("")),
                    ("capability_id", "1"),
                ],
            );
            assert_eq!(r.status, 404, "{who} match form on {}", t.name);
        }
        let firm = server.login("firm");
        let r = firm.get(&format!("/api/tech_needs/{need}/shortlist"));
        assert_eq!(r.status, 200, "{}: {}", t.name, r.text);
        assert_eq!(r.json()["candidates"][0]["capability_id"], fx.battery);
        // A forged CSRF token is refused before anything is stored.
        let mut forger = server.login("firm");
        forger.csrf = Some("forged".into());
        let forged = forger.post(&format!("/api/tech_needs/{need}/matches"), &body);
        assert_eq!(forged.status, 403, "{}", forged.text);
        let r = firm.post(&format!("/api/tech_needs/{need}/matches"), &body);
        assert_eq!(r.status, 201, "{}: {}", t.name, r.text);
        let m = r.json()["id"].as_i64().unwrap();
        for who in ["nb-officer", "park-op", "researcher"] {
            let c = server.login(who);
            assert_eq!(
                c.get(&format!("/api/tech_matches/{m}")).status,
                404,
                "{who}"
            );
            let list = c.get(&format!("/api/tech_matches?need_id={need}"));
            assert_eq!(list.json()["total"], 0, "{who} on {}", t.name);
        }
        assert_eq!(
            server
                .login("hb-officer")
                .get(&format!("/api/tech_matches/{m}"))
                .status,
            200
        );
        // Starting a project from the match: not found for who may not read it, refused to
        // the enterprise (the bureau runs projects), done by the pair's officer.
        let project = json!({"kind": "agreement", "title": "合作协议"});
        let path = format!("/api/tech_matches/{m}/projects");
        for who in ["nb-officer", "park-op", "researcher"] {
            assert_eq!(server.login(who).post(&path, &project).status, 404, "{who}");
        }
        assert_eq!(firm.post(&path, &project).status, 403);
        let r = server.login("xz-officer").post(&path, &project);
        assert_eq!(r.status, 201, "{}", r.text);
        // Writes outside one's reach.
        let ip = json!({"pair_id": OTHER_PAIR, "kind": "patent", "number": "ZL9", "title": "x",
            "holder": "y", "dated_on": "2025-01-01"});
        assert_eq!(
            server
                .login("researcher")
                .post("/api/ip_records", &ip)
                .status,
            403
        );
        assert_eq!(
            server
                .login("hb-officer")
                .post("/api/ip_records", &ip)
                .status,
            403
        );
        let nb = server.login("nb-officer");
        let cap = nb.get(&format!("/api/tech_capabilities/{}", fx.battery));
        assert_eq!(cap.status, 200, "capabilities are public");
        let r = nb.send(
            "PATCH",
            &format!("/api/tech_capabilities/{}", fx.battery),
            Some((
                "application/json",
                json!({"title": "hijacked"}).to_string().into_bytes(),
            )),
            &[("if-match", "\"v1\"")],
        );
        assert_eq!(r.status, 403, "{}", r.text);
        // Counts: every pair for researchers, none for park operators.
        let all = server
            .login("researcher")
            .get("/api/innovation/counts")
            .json();
        assert_eq!(all["items"].as_array().unwrap().len(), 8);
        let none = server.login("park-op").get("/api/innovation/counts").json();
        assert_eq!(none["items"].as_array().unwrap().len(), 0);
    }
}
