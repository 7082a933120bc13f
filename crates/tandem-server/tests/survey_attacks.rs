//! Attacks on the satisfaction surveys (issue #16), replayed against the real server on
//! loopback (`support::real`): the respondents' public form (token reuse, another wave's
//! token, closed and unopened waves, guessed tokens, invalid and oversized answers) and the
//! results (another park's operator, a researcher asking for free text or small cells).

mod support;

use serde_json::json;
use std::io::{Read, Write};
use support::real::{Http, RealServer};
use tandem_platform::testkit::{self, Cast};
use tandem_platform::{auth, Db, Role};

/// A second park operator, of the other pair's park.
fn other_operator(db: &Db, cast: &Cast) {
    db.write(|c| {
        auth::add_user(
            c,
            &auth::NewUser {
                username: "other-op".into(),
                display_name: "other-op".into(),
                password: testkit::PASSWORD.into(),
                role: Role::ParkOperator {
                    park_id: cast.other_park,
                },
            },
        )
    })
    .expect("the other park's operator");
}

/// Opens a wave through the API and returns its id.
fn open_wave(c: &Http, park: i64, year: i64, opens: &str, closes: &str) -> i64 {
    let r = c.post(
        "/api/surveys",
        &json!({"park_id": park, "year": year, "opens_on": opens, "closes_on": closes}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    r.json()["id"].as_i64().unwrap()
}

/// Issues `n` links as CSV through the API and returns their paths.
fn links(c: &Http, wave: i64, n: i64) -> Vec<String> {
    let r = c.post(
        &format!("/api/surveys/{wave}/tokens"),
        &json!({"count": n, "format": "csv"}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let paths: Vec<String> = r
        .text
        .lines()
        .skip(1)
        .map(|l| l[l.find("/survey/").expect("a link")..].to_string())
        .collect();
    assert_eq!(paths.len() as i64, n, "{}", r.text);
    paths
}

const ANSWERS: &[(&str, &str)] = &[
    ("q_gov_speed", "4"),
    ("q_util_power", "5"),
    ("t_other", "园区道路需要修缮"),
];

#[test]
fn each_link_answers_once_for_its_own_open_wave() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let op = server.login("park-op");
        let wave = open_wave(&op, cast.park, 2026, "2020-01-01", "2099-12-31");
        let paths = links(&op, wave, 2);
        let anyone = server.client();
        let form = anyone.get(&format!("{}?lang=en", paths[0]));
        assert_eq!(form.status, 200, "{}", form.text);
        assert!(
            form.text.contains("Approvals are completed"),
            "{}",
            form.text
        );
        assert!(form.set_cookie.is_none(), "the respondent gets no cookie");
        assert_eq!(anyone.form(&paths[0], ANSWERS).status, 200, "{}", t.name);
        // Reuse: refused, on the form and on a second submission, and nothing more stored.
        assert_eq!(anyone.get(&paths[0]).status, 410);
        assert_eq!(anyone.form(&paths[0], ANSWERS).status, 410);
        // The same token against another wave's address: unknown.
        let other = open_wave(
            &server.login("coord"),
            cast.other_park,
            2026,
            "2020-01-01",
            "2099-12-31",
        );
        let token = paths[1].rsplit('/').next().unwrap();
        let moved = format!("/survey/{other}/{token}");
        assert_eq!(anyone.get(&moved).status, 404);
        assert_eq!(anyone.form(&moved, ANSWERS).status, 404);
        // A closed wave and one not open yet.
        let closed = open_wave(&op, cast.park, 2021, "2021-03-01", "2021-04-30");
        let old = links(&op, closed, 1);
        assert_eq!(anyone.get(&old[0]).status, 403);
        assert_eq!(anyone.form(&old[0], ANSWERS).status, 403);
        let later = open_wave(&op, cast.park, 2099, "2099-03-01", "2099-04-30");
        let soon = links(&op, later, 1);
        assert_eq!(anyone.form(&soon[0], ANSWERS).status, 403);
        let results = op.get(&format!("/api/surveys/{wave}")).json();
        assert_eq!(results["results"]["responses"], 1, "{}", t.name);
        assert_eq!(results["results"]["tokens_issued"], 2);
        assert_eq!(results["results"]["response_rate"], 0.5);
    }
}

#[test]
fn guessed_links_are_unknown_and_guessing_is_throttled() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let op = server.login("park-op");
    let wave = open_wave(&op, cast.park, 2026, "2020-01-01", "2099-12-31");
    let real = links(&op, wave, 1);
    let anyone = server.client();
    // A valid link does not count against the client.
    for _ in 0..10 {
        assert_eq!(anyone.get(&real[0]).status, 200);
    }
    let guesses = [
        format!("/survey/{wave}/{}", "0".repeat(32)),
        format!("/survey/{wave}/{}", "f".repeat(32)),
        format!("/survey/{wave}/short"),
        format!("/survey/{wave}/{}", "A".repeat(32)),
        format!("/survey/9999/{}", &real[0][real[0].len() - 32..]),
    ];
    for g in &guesses {
        assert_eq!(anyone.get(g).status, 404, "{g}");
    }
    let blocked = anyone.form(&guesses[0], ANSWERS);
    assert_eq!(blocked.status, 429, "{}", blocked.text);
    // Throttled even for the real link now, and nothing was stored.
    assert_eq!(anyone.get(&real[0]).status, 429);
    assert_eq!(
        op.get(&format!("/api/surveys/{wave}")).json()["results"]["responses"],
        0
    );
}

#[test]
fn invalid_or_oversized_answers_store_nothing_and_keep_the_link() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let op = server.login("park-op");
    let wave = open_wave(&op, cast.park, 2026, "2020-01-01", "2099-12-31");
    let path = links(&op, wave, 1).remove(0);
    let anyone = server.client();
    let long = "长".repeat(2001);
    let refusals: Vec<Vec<(&str, &str)>> = vec![
        vec![("q_gov_speed", "6")],
        vec![("q_gov_speed", "0")],
        vec![("q_gov_speed", "-1")],
        vec![("q_gov_speed", "3.5")],
        vec![("q_not_an_item", "3")],
        vec![("t_other", "\u{202E}evil")],
        vec![("t_other", &long)],
        vec![("q_gov_speed", "3"), ("q_gov_speed", "5")],
        vec![("q_gov_speed", ""), ("t_other", " ")],
    ];
    for fields in &refusals {
        let r = anyone.form(&path, fields);
        assert_eq!(r.status, 422, "{fields:?}: {}", r.text);
    }
    // A body over the form's limit (64 KiB), sent whole: 413 and nothing stored.
    let mut stream = std::net::TcpStream::connect(server.addr).unwrap();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let body = format!("t_other={}", "x".repeat(70 * 1024));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \
         application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body.as_bytes());
    let mut got = Vec::new();
    let _ = stream.read_to_end(&mut got);
    let text = String::from_utf8_lossy(&got);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    // The link still works once.
    assert_eq!(anyone.form(&path, ANSWERS).status, 200);
    assert_eq!(anyone.form(&path, ANSWERS).status, 410);
    assert!(server.healthy());
}

#[test]
fn results_are_read_only_as_the_role_allows() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        other_operator(&t.db, &cast);
        let server = RealServer::start(t.db.clone());
        let op = server.login("park-op");
        let wave = open_wave(&op, cast.park, 2026, "2020-01-01", "2099-12-31");
        let anyone = server.client();
        for path in links(&op, wave, 3) {
            assert_eq!(anyone.form(&path, ANSWERS).status, 200);
        }
        let api = format!("/api/surveys/{wave}");
        let page = format!("/surveys/{wave}");
        // The park's operator: everything, free text included.
        let full = op.get(&api).json();
        assert_eq!(
            full["results"]["free_text"][1]["answers"][0],
            "园区道路需要修缮"
        );
        assert!(op.get(&page).text.contains("园区道路需要修缮"));
        // Park B's operator, an officer, an enterprise: as if the wave did not exist.
        for who in ["other-op", "hb-officer", "firm"] {
            let c = server.login(who);
            assert_eq!(c.get(&api).status, 404, "{who} on {}", t.name);
            assert_eq!(c.get(&page).status, 404, "{who}");
            let issue = c.post(&format!("{api}/tokens"), &json!({"count": 5}));
            assert_eq!(issue.status, 404, "{who}: {}", issue.text);
            assert!(!c
                .get("/api/surveys")
                .text
                .contains(&format!("\"id\":{wave}")));
            let by_park = format!("/api/surveys/parks/{}", cast.park);
            assert_eq!(c.get(&by_park).status, 404, "{who}");
            assert_eq!(c.get(&by_park[4..]).status, 404, "{who}");
        }
        // A researcher: aggregates only, no free text, no cell under 5, no links.
        let r = server.login("researcher");
        let seen = r.get(&api);
        assert_eq!(seen.status, 200);
        let v = seen.json();
        assert!(v["results"]["free_text"].is_null(), "{v}");
        assert!(!seen.text.contains("园区道路需要修缮"));
        assert_eq!(v["results"]["suppressed_below"], 5);
        let area = &v["results"]["areas"][0];
        assert_eq!(area["suppressed"], true, "3 responses: suppressed");
        assert!(area["mean"].is_null() && area["items"][0]["distribution"].is_null());
        let html = r.get(&page).text;
        assert!(
            !html.contains("园区道路需要修缮"),
            "the page shows no free text"
        );
        let by_park = r.get(&format!("/api/surveys/parks/{}", cast.park)).json();
        assert!(by_park["waves"][0]["results"]["areas"][0]["mean"].is_null());
        assert!(!by_park.to_string().contains("园区道路需要修缮"));
        let issue = r.post(&format!("{api}/tokens"), &json!({"count": 5}));
        assert_eq!(issue.status, 403, "{}", issue.text);
        // Park B's operator cannot open a wave for park A either.
        let b = server.login("other-op");
        let r = b.post(
            "/api/surveys",
            &json!({"park_id": cast.park, "year": 2030, "opens_on": "2030-01-01",
                "closes_on": "2030-02-01"}),
        );
        assert_eq!(r.status, 403, "{}", r.text);
    }
}

#[test]
fn an_operators_own_questionnaire_is_checked_field_by_field() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let op = server.login("park-op");
    let doc = op.get("/api/openapi.json").json();
    assert!(doc["paths"]["/api/surveys/{id}/tokens"]["post"].is_object());
    let mut q = op.get("/api/surveys/questionnaire").json();
    q["areas"][0]["items"][0]["text"]["en"] = json!("Approvals\u{2067} are fast");
    q["free_text"][0]["max_chars"] = json!(100_000);
    let r = op.post(
        "/api/surveys",
        &json!({"park_id": cast.park, "year": 2026, "opens_on": "2026-01-01",
            "closes_on": "2026-12-31", "questionnaire": q}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e["field"].as_str().unwrap(),
                e["rule"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            "areas[0].items[0].text.en bidi_control",
            "free_text[0].max_chars out_of_range"
        ]
    );
}

#[test]
fn concurrent_submissions_with_one_link_store_one_response() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let op = server.login("park-op");
        let wave = open_wave(&op, cast.park, 2026, "2020-01-01", "2099-12-31");
        let path = links(&op, wave, 1).remove(0);
        let statuses: Vec<u16> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let (c, p) = (server.client(), path.clone());
                    s.spawn(move || c.form(&p, ANSWERS).status)
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(
            statuses.iter().filter(|s| **s == 200).count(),
            1,
            "{statuses:?}"
        );
        // A burst from one address may also meet the limiter, which counts each lookup as a
        // miss until it is decided (like sign-ins): 429, never a second response.
        assert!(
            statuses.iter().all(|s| [200, 410, 429].contains(s)),
            "{statuses:?}"
        );
        let results = op.get(&format!("/api/surveys/{wave}")).json();
        assert_eq!(results["results"]["responses"], 1, "{}", t.name);
    }
}

#[test]
fn the_pages_open_a_wave_issue_links_and_show_results_with_alpha() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let server = RealServer::start(t.db.clone());
    let op = server.login("park-op");
    let csrf = op.csrf.clone().unwrap();
    let list = op.get("/surveys?lang=en");
    assert_eq!(list.status, 200);
    assert!(list.text.contains("Open a survey wave"), "{}", list.text);
    let park = cast.park.to_string();
    let created = op.form(
        "/surveys",
        &[
            ("_csrf", &csrf),
            ("park_id", &park),
            ("year", "2026"),
            ("title", ""),
            ("opens_on", "2020-01-01"),
            ("closes_on", "2099-12-31"),
        ],
    );
    assert_eq!(created.status, 303, "{}", created.text);
    let page = created.location.unwrap();
    let wave: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    // A form without the CSRF token issues nothing.
    let forged = op.form(&format!("{page}/tokens"), &[("count", "3")]);
    assert_eq!(forged.status, 403);
    let xlsx = op.form(
        &format!("{page}/tokens"),
        &[("_csrf", &csrf), ("count", "2"), ("format", "xlsx")],
    );
    assert_eq!(xlsx.status, 200);
    let csv = op.form(
        &format!("{page}/tokens"),
        &[("_csrf", &csrf), ("count", "12"), ("format", "csv")],
    );
    assert_eq!(csv.status, 200);
    let paths: Vec<String> = csv
        .text
        .lines()
        .skip(1)
        .map(|l| l[l.find("/survey/").unwrap()..].to_string())
        .collect();
    let anyone = server.client();
    for (i, p) in paths.iter().enumerate() {
        let v = (1 + i % 5).to_string();
        let w = (1 + i % 5).min(4).to_string();
        let fields = [
            ("q_gov_speed", v.as_str()),
            ("q_gov_clarity", &v),
            ("q_gov_online", &w),
        ];
        assert_eq!(anyone.form(p, &fields).status, 200);
    }
    let v = op.get(&format!("/api/surveys/{wave}")).json();
    let r = &v["results"];
    assert_eq!(
        (r["tokens_issued"].as_i64(), r["responses"].as_i64()),
        (Some(14), Some(12))
    );
    let alpha = r["areas"][0]["alpha"]["alpha"]
        .as_f64()
        .expect("alpha with 12 complete");
    assert!(alpha > 0.9 && alpha <= 1.0, "{alpha}");
    assert_eq!(
        r["areas"][0]["items"][0]["distribution"],
        json!([3, 3, 2, 2, 2])
    );
    let html = op.get(&format!("{page}?lang=en")).text;
    assert!(
        html.contains("Response rate") && html.contains("85.7%"),
        "{html}"
    );
    assert!(html.contains(&format!("Cronbach α {alpha:.2} [")), "{html}");
    let mean = r["areas"][0]["mean"].as_f64().unwrap();
    let by_park = op
        .get(&format!("/surveys/parks/{}?lang=en", cast.park))
        .text;
    assert!(
        by_park.contains("Government services and approvals"),
        "{by_park}"
    );
    assert!(
        by_park.contains(&format!("{mean:.2} (n = 12)")),
        "{by_park}"
    );
    // The researcher: the area's figures (12 respondents) but no distribution with a
    // category under 5.
    let researcher = server
        .login("researcher")
        .get(&format!("/api/surveys/{wave}"))
        .json();
    let area = &researcher["results"]["areas"][0];
    assert_eq!(area["suppressed"], false);
    assert!(area["mean"].is_number() && area["alpha"].is_object());
    assert!(area["items"][0]["distribution"].is_null(), "{area}");
    assert!(area["items"][0]["mean"].is_number());
}
