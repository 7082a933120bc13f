//! Assessment (issue #16, part 2) attacked through the real server on loopback
//! (`support::real`), on every engine the test kit provides: each test one attack on another
//! unit's or park's rows, and what the server must answer (a row that may not be read is
//! "not found", as records are). `docs/SECURITY.md` lists them.

mod support;

use serde_json::{json, Value};
use support::real::RealServer;
use tandem_platform::assessment::{runs, NewRun};
use tandem_platform::testkit::{self, Cast, ASSESSMENT_YEAR};

/// The assessed world: the fixture's figures, a run of the cast's park (by its operator, over
/// the API) and one of the other park (by the other pair's officer).
struct World {
    _t: testkit::TestDb,
    cast: Cast,
    server: RealServer,
    /// The enterprises of the cast's park (the cast's own first).
    firms: Vec<i64>,
    run: i64,
    other_run: i64,
}

fn world(t: testkit::TestDb) -> World {
    let cast = testkit::cast(&t.db);
    let firms = testkit::assessment_fixture(&t.db, &cast);
    let server = RealServer::start(t.db.clone());
    let start = |who: &str, park: i64| -> i64 {
        let r = server.login(who).post(
            "/api/assessment/runs",
            &json!({"park_id": park, "year": ASSESSMENT_YEAR, "scheme": "per_mu_example",
                    "objections_close_on": "2099-12-31"}),
        );
        assert_eq!(r.status, 201, "{who}: {}", r.text);
        r.json()["id"].as_i64().unwrap()
    };
    let run = start("park-op", cast.park);
    let other_run = start("nb-officer", cast.other_park);
    World {
        _t: t,
        cast,
        server,
        firms,
        run,
        other_run,
    }
}

fn objection() -> Value {
    json!({"figure": "tax_10k_yuan", "proposed_value": 500, "evidence": "完税证明"})
}

/// An enterprise asks for another enterprise's score in the same run, the whole run, and its
/// figures: not found. Its own result, with the indicators, is there.
#[test]
fn an_enterprise_reads_no_other_enterprises_score() {
    for t in testkit::engines() {
        let w = world(t);
        let firm = w.server.login("firm");
        let (run, other) = (w.run, w.firms[1]);
        let r = firm.get(&format!("/api/assessment/runs/{run}/units/{other}"));
        assert_eq!(r.status, 404, "{}", r.text);
        let r = firm.get(&format!(
            "/api/assessment/runs/{}/units/{}",
            w.other_run, w.cast.other_enterprise
        ));
        assert_eq!(r.status, 404, "{}", r.text);
        assert_eq!(firm.get(&format!("/api/assessment/runs/{run}")).status, 404);
        assert_eq!(firm.get(&format!("/assessment/runs/{run}")).status, 404);
        let list = firm.get(&format!("/api/enterprise_figures?enterprise_id={other}"));
        assert_eq!(list.json()["total"], 0, "{}", list.text);
        let own = firm.get(&format!(
            "/api/assessment/runs/{run}/units/{}",
            w.cast.enterprise
        ));
        assert_eq!(own.status, 200, "{}", own.text);
        assert_eq!(
            own.json()["detail"]["indicators"][0]["indicator"],
            "tax_per_mu"
        );
        let mine = firm.get("/api/assessment/my-scores").json();
        assert_eq!(mine["scores"].as_array().unwrap().len(), 1, "{mine}");
    }
}

/// The operator of park A asks for park B's run, its units, its history and its page.
#[test]
fn a_park_operator_reads_no_other_parks_run() {
    for t in testkit::engines() {
        let w = world(t);
        let op = w.server.login("park-op");
        let other = w.other_run;
        for path in [
            format!("/api/assessment/runs/{other}"),
            format!(
                "/api/assessment/runs/{other}/units/{}",
                w.cast.other_enterprise
            ),
            format!("/api/assessment/runs/{other}/history"),
            format!("/assessment/runs/{other}"),
        ] {
            let r = op.get(&path);
            assert_eq!(r.status, 404, "{path}: {}", r.text);
            assert!(!r.text.contains("\"inputs\""), "{path}");
        }
        let listed = op.get("/api/assessment/runs").json();
        let ids: Vec<i64> = listed["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![w.run]);
        // Nor may it run an assessment of park B.
        let r = op.post(
            "/api/assessment/runs",
            &json!({"park_id": w.cast.other_park, "year": ASSESSMENT_YEAR,
                    "scheme": "per_mu_example", "objections_close_on": "2099-12-31"}),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        assert_eq!(
            op.get(&format!("/api/assessment/runs/{}", w.run)).status,
            200
        );
    }
}

/// An enterprise objects to a run it was not assessed in, or names another enterprise in its
/// objection: nothing is filed. A decision by anyone but a reviewer is refused too.
#[test]
fn an_enterprise_cannot_object_to_anothers_score() {
    for t in testkit::engines() {
        let w = world(t);
        let firm = w.server.login("firm");
        let r = firm.post(
            &format!("/api/assessment/runs/{}/objections", w.other_run),
            &objection(),
        );
        assert_eq!(r.status, 404, "{}", r.text);
        let mut named = objection();
        named["enterprise_id"] = json!(w.firms[1]);
        let r = firm.post(
            &format!("/api/assessment/runs/{}/objections", w.run),
            &named,
        );
        assert_eq!(r.status, 422, "an unknown field is refused: {}", r.text);
        // Officers do not object on an enterprise's behalf.
        let r = w.server.login("hb-officer").post(
            &format!("/api/assessment/runs/{}/objections", w.run),
            &objection(),
        );
        assert_eq!(r.status, 403, "{}", r.text);
        // The firm's own objection is filed; only a reviewer decides it.
        let r = firm.post(
            &format!("/api/assessment/runs/{}/objections", w.run),
            &objection(),
        );
        assert_eq!(r.status, 201, "{}", r.text);
        let id = r.json()["id"].as_i64().unwrap();
        let decide = format!("/api/assessment/objections/{id}/decision");
        let accept = json!({"decision": "accept"});
        assert_eq!(firm.post(&decide, &accept).status, 403);
        assert_eq!(
            w.server.login("xz-officer").post(&decide, &accept).status,
            403
        );
        assert_eq!(
            w.server.login("nb-officer").post(&decide, &accept).status,
            404
        );
        let mut forged = w.server.login("hb-officer");
        forged.csrf = Some("forged".into());
        let r = forged.post(&decide, &accept);
        assert_eq!(r.status, 403, "{}", r.text);
        let r = w.server.login("hb-officer").post(&decide, &accept);
        assert_eq!(r.status, 200, "{}", r.text);
        assert!(r.json()["new_run_id"].is_i64());
    }
}

/// An objection after the run's window closed is refused, and nothing is filed.
#[test]
fn an_objection_after_the_window_is_refused() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        testkit::assessment_fixture(&t.db, &cast);
        let new = NewRun {
            park_id: Some(cast.park),
            pair_id: None,
            year: ASSESSMENT_YEAR,
            scheme_toml: tandem_assess::EXAMPLE_PER_MU.into(),
            objections_close_on: "2021-03-31".into(),
        };
        let run = runs::start_as_of(&t.db, &cast.park_operator, &new, "2021-03-01")
            .unwrap()
            .summary
            .id;
        let server = RealServer::start(t.db.clone());
        let firm = server.login("firm");
        let r = firm.post(
            &format!("/api/assessment/runs/{run}/objections"),
            &objection(),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.json()["errors"][0]["rule"], "window_closed", "{}", r.text);
        let h = firm
            .get(&format!("/api/assessment/runs/{run}/history"))
            .json();
        assert_eq!(h["objections"].as_array().unwrap().len(), 0, "{h}");
    }
}

/// A researcher asks for unit rows every way there is: runs, units, history, figures, pages.
/// Only the anonymised aggregates answer, and they name no unit.
#[test]
fn a_researcher_gets_aggregates_not_unit_rows() {
    for t in testkit::engines() {
        let w = world(t);
        let r = w.server.login("researcher");
        let run = w.run;
        for path in [
            format!("/api/assessment/runs/{run}"),
            format!("/api/assessment/runs/{run}/units/{}", w.firms[1]),
            format!("/api/assessment/runs/{run}/history"),
            format!("/assessment/runs/{run}"),
            format!("/assessment/runs/{run}/history"),
        ] {
            assert_eq!(r.get(&path).status, 404, "{path}");
        }
        assert_eq!(r.get("/api/assessment/runs").json()["runs"], json!([]));
        assert_eq!(
            r.get("/api/assessment/my-scores").json()["scores"],
            json!([])
        );
        assert_eq!(r.get("/api/enterprise_figures").json()["total"], 0);
        assert_eq!(r.get("/api/park_figures").json()["total"], 0);
        let agg = r.get(&format!(
            "/api/assessment/aggregates?year={ASSESSMENT_YEAR}"
        ));
        assert_eq!(agg.status, 200, "{}", agg.text);
        let a = agg.json();
        assert_eq!(a["groups"].as_array().unwrap().len(), 1, "{a}");
        assert_eq!(a["groups"][0]["units"], 5);
        assert!(
            !agg.text.contains("\"id\"") && !agg.text.contains("enterprise"),
            "{a}"
        );
        let page = r.get(&format!("/assessment?year={ASSESSMENT_YEAR}"));
        assert_eq!(page.status, 200);
        assert!(page.text.contains("C36") && !page.text.contains("/assessment/runs/"));
    }
}

/// An uploaded scheme's errors come back field by field.
#[test]
fn an_uploaded_schemes_errors_name_their_fields() {
    let w = world(testkit::sqlite());
    let op = w.server.login("park-op");
    let bad = tandem_assess::EXAMPLE_PER_MU.replace("weight = 35", "weight = -35");
    let r = op.post(
        "/api/assessment/runs",
        &json!({"park_id": w.cast.park, "year": ASSESSMENT_YEAR, "scheme_toml": bad,
                "objections_close_on": "2099-12-31"}),
    );
    assert_eq!(r.status, 422, "{}", r.text);
    assert_eq!(
        r.json()["errors"][0]["field"],
        "scheme.indicators[0].weight"
    );
    let huge = "#".repeat(70_000);
    let r = op.post(
        "/api/assessment/runs",
        &json!({"park_id": w.cast.park, "year": ASSESSMENT_YEAR, "scheme_toml": huge,
                "objections_close_on": "2099-12-31"}),
    );
    assert_eq!(r.status, 413, "{}", r.text);
    let doc = op.get("/api/openapi.json").json();
    assert!(doc["paths"]["/api/assessment/runs/{id}/objections"].is_object());
}

/// A park run (over the pair's parks), started by the pair's officer over the API, with the
/// cast's park, a second park of the pair and their operators.
fn park_world(t: testkit::TestDb, close_on: &str, today: &str) -> (World, testkit::ParkRunFixture) {
    let cast = testkit::cast(&t.db);
    let f = testkit::park_run_fixture(&t.db, &cast);
    let new = NewRun {
        park_id: None,
        pair_id: Some(testkit::PAIR.into()),
        year: ASSESSMENT_YEAR,
        scheme_toml: testkit::PARK_SCHEME.into(),
        objections_close_on: close_on.into(),
    };
    let run = runs::start_as_of(&t.db, &cast.helped_officer, &new, today)
        .unwrap()
        .summary
        .id;
    let server = RealServer::start(t.db.clone());
    let w = World {
        _t: t,
        cast,
        server,
        firms: Vec::new(),
        run,
        other_run: 0,
    };
    (w, f)
}

fn park_objection() -> Value {
    json!({"figure": "tax_10k_yuan", "proposed_value": 90000, "evidence": "园区税收证明"})
}

/// In a park run, another park's operator (of the same pair or another) asks for this park's
/// result, the whole run and its page, and objects; an enterprise objects; the park's own
/// operator names another park or an enterprise figure: all refused, nothing filed. The
/// park's own objection is filed and decided by a reviewer only.
#[test]
fn a_park_operator_objects_only_to_its_own_parks_result() {
    for t in testkit::engines() {
        let (w, f) = park_world(t, "2099-12-31", "2025-06-01");
        let (run, park) = (w.run, w.cast.park);
        let objections = format!("/api/assessment/runs/{run}/objections");
        for who in ["park-op-2", "nb-park-op"] {
            let op = w.server.login(who);
            for path in [
                format!("/api/assessment/runs/{run}/units/{park}"),
                format!("/api/assessment/runs/{run}"),
                format!("/assessment/runs/{run}"),
            ] {
                let r = op.get(&path);
                assert_eq!(r.status, 404, "{who} {path}: {}", r.text);
                assert!(!r.text.contains("\"inputs\""), "{path}");
            }
        }
        let r = w
            .server
            .login("nb-park-op")
            .post(&objections, &park_objection());
        assert_eq!(r.status, 404, "{}", r.text);
        let r = w
            .server
            .login("nb-park-op")
            .get(&format!("/api/assessment/runs/{run}/history"));
        assert_eq!(r.status, 404, "{}", r.text);
        // An enterprise has no result in a park run, so it objects to nothing there.
        let r = w.server.login("firm").post(&objections, &park_objection());
        assert_eq!(r.status, 404, "{}", r.text);
        // The park's own operator: its result is there; another park named, an enterprise
        // figure, or a forged form token are refused.
        let op = w.server.login("park-op");
        let own = op.get(&format!("/api/assessment/runs/{run}/units/{park}"));
        assert_eq!(own.status, 200, "{}", own.text);
        assert_eq!(own.json()["tier"], "B");
        let mut named = park_objection();
        named["park_id"] = json!(f.second_park);
        assert_eq!(op.post(&objections, &named).status, 422);
        let mut figure = park_objection();
        figure["figure"] = json!("revenue_10k_yuan");
        let r = op.post(&objections, &figure);
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.json()["errors"][0]["rule"], "unknown_figure");
        let page_form = format!("/assessment/runs/{run}/objections");
        let fields = [
            ("_csrf", "forged"),
            ("figure", "tax_10k_yuan"),
            ("proposed_value", "90000"),
            ("evidence", "园区税收证明"),
        ];
        assert_eq!(op.form(&page_form, &fields).status, 403);
        let h = op
            .get(&format!("/api/assessment/runs/{run}/history"))
            .json();
        assert_eq!(h["objections"], json!([]), "{h}");
        // Its objection through the page form (CSRF token of the session) is filed.
        let page = op.get("/assessment?lang=en");
        assert!(
            page.text.contains("Your results") && page.text.contains("land_occupied_mu"),
            "{}",
            page.text
        );
        let csrf = op.csrf.clone().unwrap();
        let fields = [
            ("_csrf", csrf.as_str()),
            ("figure", "tax_10k_yuan"),
            ("proposed_value", "90000"),
            ("evidence", "园区税收证明"),
        ];
        let r = op.form(&page_form, &fields);
        assert!(
            r.status == 303 || r.status == 200,
            "{}: {}",
            r.status,
            r.text
        );
        let h = op
            .get(&format!("/api/assessment/runs/{run}/history"))
            .json();
        let filed = &h["objections"][0];
        assert_eq!(
            (filed["park_id"].as_i64(), filed["enterprise_id"].is_null()),
            (Some(park), true),
            "{h}"
        );
        let id = filed["id"].as_i64().unwrap();
        // The other park of the pair does not see it; no one but a reviewer decides it.
        let h = w
            .server
            .login("park-op-2")
            .get(&format!("/api/assessment/runs/{run}/history"))
            .json();
        assert_eq!(h["objections"], json!([]), "{h}");
        let decide = format!("/api/assessment/objections/{id}/decision");
        let accept = json!({"decision": "accept"});
        assert_eq!(op.post(&decide, &accept).status, 403);
        for who in ["park-op-2", "nb-park-op", "nb-officer"] {
            assert_eq!(
                w.server.login(who).post(&decide, &accept).status,
                404,
                "{who}"
            );
        }
        let r = w.server.login("hb-officer").post(&decide, &accept);
        assert_eq!(r.status, 200, "{}", r.text);
        let new_run = r.json()["new_run_id"].as_i64().unwrap();
        let own = op.get(&format!("/api/assessment/runs/{new_run}/units/{park}"));
        assert_eq!(own.json()["tier"], "A", "{}", own.text);
    }
}

/// A park's objection after the park run's window closed is refused, and nothing is filed.
#[test]
fn a_park_objection_after_the_window_is_refused() {
    for t in testkit::engines() {
        let (w, _) = park_world(t, "2021-03-31", "2021-03-01");
        let op = w.server.login("park-op");
        let r = op.post(
            &format!("/api/assessment/runs/{}/objections", w.run),
            &park_objection(),
        );
        assert_eq!(r.status, 422, "{}", r.text);
        assert_eq!(r.json()["errors"][0]["rule"], "window_closed", "{}", r.text);
        let h = op
            .get(&format!("/api/assessment/runs/{}/history", w.run))
            .json();
        assert_eq!(h["objections"], json!([]), "{h}");
    }
}
