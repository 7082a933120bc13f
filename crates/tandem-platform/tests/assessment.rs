//! Assessment in the platform (issue #16, part 2): annual figures imported from XLSX with
//! missing cells kept missing, runs stored with their scheme text and inputs and reproduced
//! from them, the objection window, reviews that correct a figure and make a new revision,
//! who reads what, and the researchers' aggregates.

use serde_json::{json, Value as Json};
use tandem_platform::assessment::objections::{self, Decision};
use tandem_platform::assessment::{advice, aggregates, runs, NewObjection, NewRun, Run};
use tandem_platform::entity;
use tandem_platform::service::{self, PlatformError};
use tandem_platform::sheets;
use tandem_platform::testkit::{self, Cast, ASSESSMENT_YEAR, PARK_SCHEME};
use tandem_platform::{Db, User};

fn new_run(park: i64, scheme: &str) -> NewRun {
    NewRun {
        park_id: Some(park),
        pair_id: None,
        year: ASSESSMENT_YEAR,
        scheme_toml: scheme.to_string(),
        objections_close_on: "2099-12-31".into(),
    }
}

fn start(db: &Db, user: &User, park: i64) -> Run {
    runs::start(db, user, &new_run(park, tandem_assess::EXAMPLE_PER_MU)).expect("run")
}

fn objection(figure: &str, value: Json, evidence: &str) -> NewObjection {
    NewObjection {
        figure: figure.into(),
        proposed_value: value,
        evidence: evidence.into(),
    }
}

fn unit(run: &Json, id: i64) -> &Json {
    // A result has `units`; a run's inputs are the array of units itself.
    run.get("units")
        .unwrap_or(run)
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["id"].as_str() == Some(id.to_string().as_str()))
        .unwrap()
}

fn invalid_rule<T: std::fmt::Debug>(r: Result<T, PlatformError>) -> String {
    match r {
        Err(PlatformError::Invalid(errors)) => errors[0].rule.to_string(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

fn figures_workbook(rows: &[Vec<String>]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("enterprise_figures").unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            match v.parse::<f64>() {
                Ok(x) if r > 0 => ws.write_number(r as u32, c as u16, x).unwrap(),
                _ => ws.write_string(r as u32, c as u16, v).unwrap(),
            };
        }
    }
    wb.save_to_buffer().unwrap()
}

/// An operator imports a year's figures from the template (an empty cell stays empty), runs
/// the shipped scheme, and the stored run re-scores from its own inputs to the same result.
#[test]
fn imported_figures_run_and_reproduce_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let firm = |name: &str| {
            let body = json!({"name": name, "origin_locality_id": "js-xuzhou", "industry": "C13"});
            service::create(
                db,
                &cast.admin,
                &entity::ENTERPRISES,
                body.as_object().unwrap(),
            )
            .unwrap()
            .int("id")
            .unwrap()
        };
        let (a, b) = (firm("甲"), firm("乙"));
        let header: Vec<String> = [
            "enterprise_id",
            "park_id",
            "year",
            "land_mu",
            "tax_10k_yuan",
            "value_added_10k_yuan",
            "rd_percent",
            "energy_tce",
            "emissions_t",
            "employees",
            "production_start_year",
            "source",
        ]
        .map(String::from)
        .to_vec();
        let row = |e: i64, tax: &str| -> Vec<String> {
            [
                &e.to_string(),
                &cast.park.to_string(),
                "2024",
                "10",
                tax,
                "900",
                "3",
                "300",
                "10",
                "40",
                "2018",
                "统计直报",
            ]
            .map(|s| s.to_string())
            .to_vec()
        };
        let bytes = figures_workbook(&[header, row(a, "200"), row(b, "")]);
        let summary = sheets::import(db, &cast.park_operator, &entity::ENTERPRISE_FIGURES, &bytes)
            .unwrap_or_else(|e| panic!("{:?}", e.problems));
        assert_eq!(summary.created, 2, "{}", t.name);
        let listed = service::list(
            db,
            &cast.park_operator,
            &entity::ENTERPRISE_FIGURES,
            &service::ListQuery::default(),
        )
        .unwrap();
        let b_row = listed
            .items
            .iter()
            .find(|r| r["enterprise_id"] == b)
            .unwrap();
        assert!(
            b_row["tax_10k_yuan"].is_null(),
            "an empty cell is missing, not 0"
        );
        assert_eq!(b_row["pair_id"], testkit::PAIR, "the pair is the park's");

        let run = start(db, &cast.park_operator, cast.park);
        assert_eq!(run.summary.revision, 1);
        assert_eq!(run.scheme_toml, tandem_assess::EXAMPLE_PER_MU);
        let ua = unit(&run.result, a);
        assert!(ua["tier"].is_string() && ua["rank"] == 1, "{ua}");
        let tax = &ua["indicators"][0];
        assert_eq!(tax["indicator"], "tax_per_mu");
        assert_eq!(tax["value"], 20.0);
        assert_eq!(tax["benchmark"], 8.0, "C13's own benchmark");
        assert_eq!(tax["weight"], 35.0);
        let ub = unit(&run.result, b);
        assert!(
            ub["total"].is_null() && ub["tier"].is_null(),
            "missing tax: no total, {ub}"
        );
        assert!(unit(&run.inputs, b)["figures"]["tax_10k_yuan"].is_null());
        assert_eq!(unit(&run.inputs, a)["figures"]["years_in_production"], 6.0);

        // Reproducible from what is stored: the scheme text and the inputs.
        let again = runs::reproduce(db, &cast.park_operator, run.summary.id).unwrap();
        assert_eq!(again, run.result, "{}", t.name);
        let stored = runs::get(db, &cast.helped_officer, run.summary.id).unwrap();
        assert_eq!(stored, run);
        // A later change of the figures does not change the stored run.
        let fig = listed
            .items
            .iter()
            .find(|r| r["enterprise_id"] == a)
            .unwrap();
        let patch = json!({"land_mu": 40}).as_object().unwrap().clone();
        service::update(
            db,
            &cast.admin,
            &entity::ENTERPRISE_FIGURES,
            &fig["id"].to_string(),
            fig["version"].as_i64(),
            &patch,
        )
        .unwrap();
        assert_eq!(runs::get(db, &cast.admin, run.summary.id).unwrap(), run);
        assert_eq!(
            runs::reproduce(db, &cast.admin, run.summary.id).unwrap(),
            run.result
        );
    }
}

/// An uploaded scheme is checked field by field, and a column the platform does not keep is
/// named.
#[test]
fn uploaded_schemes_are_checked_field_by_field() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    testkit::assessment_fixture(&t.db, &cast);
    let bad = tandem_assess::EXAMPLE_PER_MU.replace("weight = 35", "weight = -35");
    match runs::start(&t.db, &cast.admin, &new_run(cast.park, &bad)) {
        Err(PlatformError::Invalid(e)) => {
            assert_eq!(e[0].field, "scheme.indicators[0].weight", "{e:?}")
        }
        other => panic!("{other:?}"),
    }
    let unknown = tandem_assess::EXAMPLE_PER_MU.replace("\"emissions_t\"", "\"so2_t\"");
    match runs::start(&t.db, &cast.admin, &new_run(cast.park, &unknown)) {
        Err(PlatformError::Invalid(e)) => {
            assert_eq!(
                (e[0].field.as_str(), e[0].rule),
                ("scheme.columns", "unknown_column")
            )
        }
        other => panic!("{other:?}"),
    }
    let r = runs::start(&t.db, &cast.admin, &new_run(cast.park, "id = ["));
    assert_eq!(invalid_rule(r), "scheme_toml");
    let huge = "#".repeat(70_000);
    assert!(matches!(
        runs::start(&t.db, &cast.admin, &new_run(cast.park, &huge)),
        Err(PlatformError::TooLarge(_))
    ));
    let mut past = new_run(cast.park, tandem_assess::EXAMPLE_PER_MU);
    past.objections_close_on = "2020-01-01".into();
    assert_eq!(
        invalid_rule(runs::start(&t.db, &cast.admin, &past)),
        "bad_date"
    );
    let mut empty_year = new_run(cast.park, tandem_assess::EXAMPLE_PER_MU);
    empty_year.year = 2019;
    assert_eq!(
        invalid_rule(runs::start(&t.db, &cast.admin, &empty_year)),
        "no_figures"
    );
}

/// Who starts and reads runs and units.
#[test]
fn runs_and_units_are_read_by_their_own_people_only() {
    let t = testkit::sqlite();
    let db = &t.db;
    let cast = testkit::cast(db);
    let ids = testkit::assessment_fixture(db, &cast);
    // Starting: the park's operator and the pair's officers, not the others.
    for u in [&cast.enterprise_user, &cast.researcher, &cast.other_officer] {
        let r = runs::start(db, u, &new_run(cast.park, tandem_assess::EXAMPLE_PER_MU));
        assert!(
            matches!(r, Err(PlatformError::Forbidden(_))),
            "{}",
            u.username
        );
    }
    let run = start(db, &cast.park_operator, cast.park).summary.id;
    let other = start(db, &cast.other_officer, cast.other_park).summary.id;
    for u in [
        &cast.admin,
        &cast.coordinator,
        &cast.helper_officer,
        &cast.helped_officer,
    ] {
        assert!(runs::get(db, u, run).is_ok(), "{}", u.username);
    }
    for u in [&cast.enterprise_user, &cast.researcher, &cast.other_officer] {
        assert!(not_found(runs::get(db, u, run)), "{}", u.username);
    }
    assert!(not_found(runs::get(db, &cast.park_operator, other)));
    assert!(runs::list(db, &cast.park_operator)
        .unwrap()
        .iter()
        .all(|r| r.id == run));
    assert!(runs::list(db, &cast.enterprise_user).unwrap().is_empty());
    assert!(runs::list(db, &cast.researcher).unwrap().is_empty());
    // The enterprise reads its own unit, with each indicator's value, benchmark and weight.
    let own = runs::unit_score(db, &cast.enterprise_user, run, cast.enterprise).unwrap();
    assert_eq!(own.detail["indicators"].as_array().unwrap().len(), 6);
    assert!(own.detail["indicators"][0]["benchmark"].is_number());
    assert!(not_found(runs::unit_score(
        db,
        &cast.enterprise_user,
        run,
        ids[1]
    )));
    assert!(not_found(runs::unit_score(
        db,
        &cast.enterprise_user,
        other,
        cast.other_enterprise
    )));
    assert!(not_found(runs::unit_score(
        db,
        &cast.researcher,
        run,
        ids[1]
    )));
    let mine = runs::my_scores(db, &cast.enterprise_user).unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].unit_id, cast.enterprise);
    // Researchers read no figures either.
    let listed = service::list(
        db,
        &cast.researcher,
        &entity::ENTERPRISE_FIGURES,
        &service::ListQuery::default(),
    )
    .unwrap();
    assert_eq!(listed.total, 0);
}

/// The window, the review, the new revision and the history.
#[test]
fn objections_within_the_window_are_reviewed_and_rescored_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        testkit::assessment_fixture(db, &cast);
        let run = runs::start_as_of(
            db,
            &cast.park_operator,
            &NewRun {
                objections_close_on: "2025-06-30".into(),
                ..new_run(cast.park, tandem_assess::EXAMPLE_PER_MU)
            },
            "2025-06-01",
        )
        .unwrap();
        let id = run.summary.id;
        let obj = objection(
            "tax_10k_yuan",
            json!("720"),
            "完税证明：2024 年实缴税金 720 万元",
        );
        // Only the enterprise itself, only within the window, only with clean evidence.
        assert!(matches!(
            objections::file_as_of(db, &cast.helped_officer, id, &obj, "2025-06-10"),
            Err(PlatformError::Forbidden(_))
        ));
        let late = objections::file_as_of(db, &cast.enterprise_user, id, &obj, "2025-07-01");
        assert_eq!(invalid_rule(late), "window_closed");
        let bidi = objection("tax_10k_yuan", json!(720), "证明\u{202e}材料");
        assert_eq!(
            invalid_rule(objections::file_as_of(
                db,
                &cast.enterprise_user,
                id,
                &bidi,
                "2025-06-10"
            )),
            "bidi_control"
        );
        let long = objection("tax_10k_yuan", json!(720), &"长".repeat(4001));
        assert_eq!(
            invalid_rule(objections::file_as_of(
                db,
                &cast.enterprise_user,
                id,
                &long,
                "2025-06-10"
            )),
            "too_long"
        );
        let neg = objection("tax_10k_yuan", json!(-1), "证明");
        assert_eq!(
            invalid_rule(objections::file_as_of(
                db,
                &cast.enterprise_user,
                id,
                &neg,
                "2025-06-10"
            )),
            "out_of_range"
        );
        let filed =
            objections::file_as_of(db, &cast.enterprise_user, id, &obj, "2025-06-30").unwrap();
        assert_eq!(
            (filed.status.as_str(), filed.proposed_value),
            ("open", Some(720.0))
        );

        // Deciding: the helped side's officer (not the helper side, the operator or the firm).
        let accept = Decision {
            accept: true,
            reasons: String::new(),
        };
        for u in [
            &cast.helper_officer,
            &cast.park_operator,
            &cast.enterprise_user,
        ] {
            assert!(
                matches!(
                    objections::decide(db, u, filed.id, &accept),
                    Err(PlatformError::Forbidden(_))
                ),
                "{}",
                u.username
            );
        }
        assert!(matches!(
            objections::decide(db, &cast.other_officer, filed.id, &accept),
            Err(PlatformError::NotFound(_))
        ));
        let decided = objections::decide(db, &cast.helped_officer, filed.id, &accept).unwrap();
        assert_eq!(decided.status, "accepted");
        let new_id = decided.new_run_id.unwrap();
        let revised = runs::get(db, &cast.admin, new_id).unwrap();
        assert_eq!(
            (revised.summary.revision, revised.summary.previous_run_id),
            (2, Some(id))
        );
        assert_eq!(
            unit(&revised.inputs, cast.enterprise)["figures"]["tax_10k_yuan"],
            720.0
        );
        let old = runs::get(db, &cast.admin, id).unwrap();
        assert_eq!(old, run, "the old revision is kept as it was");
        assert_eq!(
            runs::reproduce(db, &cast.admin, new_id).unwrap(),
            revised.result
        );
        assert!(objections::decide(db, &cast.helped_officer, filed.id, &accept).is_err());
        // The correction is an audited change of the figures.
        let audit = service::history(
            db,
            &cast.admin,
            &entity::ENTERPRISE_FIGURES,
            &figures_id(db, &cast),
        )
        .unwrap();
        assert!(
            audit.iter().any(|h| h.actor.contains("hb-officer")),
            "{audit:?}"
        );
        // The old revision takes no more objections; the new one does, and a rejection needs
        // reasons.
        let again = objections::file_as_of(db, &cast.enterprise_user, id, &obj, "2025-06-10");
        assert_eq!(invalid_rule(again), "superseded");
        let second = objections::file_as_of(
            db,
            &cast.enterprise_user,
            new_id,
            &objection("land_mu", json!(18), "土地证"),
            "2025-06-10",
        )
        .unwrap();
        let no_reasons = Decision {
            accept: false,
            reasons: " ".into(),
        };
        assert_eq!(
            invalid_rule(objections::decide(
                db,
                &cast.coordinator,
                second.id,
                &no_reasons
            )),
            "required"
        );
        let reject = Decision {
            accept: false,
            reasons: "土地证面积与登记一致".into(),
        };
        let rejected = objections::decide(db, &cast.coordinator, second.id, &reject).unwrap();
        assert_eq!(rejected.status, "rejected");
        // The history shows both revisions and both objections, to readers and the firm.
        for u in [&cast.park_operator, &cast.enterprise_user] {
            let h = objections::history(db, u, id).unwrap();
            assert_eq!(
                h.revisions.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![id, new_id]
            );
            assert_eq!(h.objections.len(), 2, "{}", t.name);
        }
        assert!(objections::history(db, &cast.researcher, id).is_err());
        // Everything audited: two runs created, two objections filed and decided.
        let audited = |entity: &str, action: &str| -> i64 {
            db.read(|c| {
                c.query_i64(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_log WHERE entity = ? AND action = ?",
                    &[entity.into(), action.into()],
                )
            })
            .unwrap()
        };
        assert_eq!(audited("assessment_runs", "create"), 2, "{}", t.name);
        assert_eq!(audited("assessment_objections", "create"), 2);
        assert_eq!(audited("assessment_objections", "update"), 2);
    }
}

fn not_found<T>(r: Result<T, PlatformError>) -> bool {
    matches!(r, Err(PlatformError::NotFound(_)))
}

fn figures_id(db: &Db, cast: &Cast) -> String {
    let q = service::ListQuery::default();
    let page = service::list(db, &cast.admin, &entity::ENTERPRISE_FIGURES, &q).unwrap();
    page.items
        .iter()
        .find(|r| r["enterprise_id"] == cast.enterprise && r["park_id"] == cast.park)
        .unwrap()["id"]
        .to_string()
}

/// Researchers' aggregates: per industry, latest revisions only, small groups suppressed.
#[test]
fn aggregates_name_no_unit_and_suppress_small_groups() {
    let t = testkit::sqlite();
    let db = &t.db;
    let cast = testkit::cast(db);
    testkit::assessment_fixture(db, &cast);
    start(db, &cast.park_operator, cast.park);
    start(db, &cast.other_officer, cast.other_park);
    let a = aggregates::by_industry(db, ASSESSMENT_YEAR, "per-mu-example").unwrap();
    assert_eq!(a.groups.len(), 1, "{a:?}");
    let c36 = &a.groups[0];
    assert_eq!(
        (c36.industry.as_str(), c36.units, c36.scored),
        ("C36", 5, 5)
    );
    assert_eq!(c36.tiers.values().sum::<usize>(), 5);
    assert!(c36.mean_total.is_some());
    // The cast's two enterprises have no industry: one group of 2, suppressed.
    assert_eq!(a.suppressed_groups, 1);
    let text = serde_json::to_string(&a).unwrap();
    assert!(
        !text.contains("\"id\"") && !text.contains("enterprise"),
        "{text}"
    );
}

/// A park scheme runs over a pair's parks: started and read by the pair's officers, not by a
/// park's operator or another pair's officer; reproducible like an enterprise run.
#[test]
fn park_schemes_run_over_a_pairs_parks_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let body =
            json!({"pair_id": testkit::PAIR, "name": "第二园区", "locality_id": "ah-huaibei"});
        let second = service::create(db, &cast.admin, &entity::PARKS, body.as_object().unwrap())
            .unwrap()
            .int("id")
            .unwrap();
        for (park, one_stop, tax) in [(cast.park, "yes", 90000), (second, "no", 20000)] {
            let body = json!({"park_id": park, "year": ASSESSMENT_YEAR, "land_mu": 12000,
                "land_occupied_mu": 6000, "tax_10k_yuan": tax, "one_stop_service": one_stop,
                "source": "园区年报"});
            service::create(
                db,
                &cast.helped_officer,
                &entity::PARK_FIGURES,
                body.as_object().unwrap(),
            )
            .unwrap();
        }
        let new = NewRun {
            park_id: None,
            pair_id: Some(testkit::PAIR.into()),
            ..new_run(0, PARK_SCHEME)
        };
        for u in [
            &cast.park_operator,
            &cast.other_officer,
            &cast.enterprise_user,
        ] {
            assert!(
                matches!(runs::start(db, u, &new), Err(PlatformError::Forbidden(_))),
                "{}",
                u.username
            );
        }
        let run = runs::start(db, &cast.helper_officer, &new).unwrap();
        assert_eq!(
            (run.summary.subject.as_str(), run.summary.park_id),
            ("parks", None)
        );
        let first = unit(&run.result, cast.park);
        assert_eq!(
            (first["tier"].as_str(), first["total"].as_f64()),
            (Some("A"), Some(130.0))
        );
        let other = unit(&run.result, second);
        assert_eq!(
            other["indicators"][1]["score"], 0.0,
            "no one-stop service: 0 points"
        );
        assert_eq!(
            runs::reproduce(db, &cast.admin, run.summary.id).unwrap(),
            run.result
        );
        assert!(not_found(runs::get(
            db,
            &cast.park_operator,
            run.summary.id
        )));
        assert!(not_found(runs::get(
            db,
            &cast.other_officer,
            run.summary.id
        )));
        let score = runs::unit_score(db, &cast.helped_officer, run.summary.id, second).unwrap();
        assert_eq!(score.tier.as_deref(), Some("B"));
        // The advisor reads the run as the pair's park assessments, through the run policy:
        // the pair's officer gets both parks, another pair's officer none.
        let parks = advice::park_assessments(db, &cast.helped_officer, testkit::PAIR).unwrap();
        assert_eq!(parks.len(), 2);
        assert!(parks
            .iter()
            .all(|p| p.pair_id == testkit::PAIR && p.year == run.summary.year as i32));
        assert!(
            advice::park_assessments(db, &cast.other_officer, testkit::PAIR)
                .unwrap()
                .is_empty()
        );
        let obj = objection("tax_10k_yuan", json!(1), "证明");
        assert!(not_found(objections::file(
            db,
            &cast.enterprise_user,
            run.summary.id,
            &obj
        )));
        // Park figures are not enterprise figures: an enterprise scheme over a pair is refused.
        let wrong = NewRun {
            pair_id: Some(testkit::PAIR.into()),
            park_id: None,
            ..new_run(0, tandem_assess::EXAMPLE_PER_MU)
        };
        assert_eq!(
            invalid_rule(runs::start(db, &cast.admin, &wrong)),
            "not_found"
        );
    }
}

/// The park's figures record (`park_figures`) of `park` in the fixture's year.
fn park_figures_id(db: &Db, cast: &Cast, park: i64) -> String {
    let q = service::ListQuery::default();
    let page = service::list(db, &cast.admin, &entity::PARK_FIGURES, &q).unwrap();
    page.items.iter().find(|r| r["park_id"] == park).unwrap()["id"].to_string()
}

/// A park run takes objections from the assessed park: its operator objects to one of its
/// park's figures within the window; the reviewer accepts (the park's figure corrected as an
/// audited change, a new revision re-scored with it) or rejects with reasons. Another park's
/// operator reads and objects to nothing of this park's; an enterprise cannot object at all.
#[test]
fn a_park_objects_in_a_park_run_and_is_reviewed_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        let f = testkit::park_run_fixture(db, &cast);
        let (second, second_op) = (f.second_park, &f.second_operator);
        let new = NewRun {
            park_id: None,
            pair_id: Some(testkit::PAIR.into()),
            objections_close_on: "2025-06-30".into(),
            ..new_run(0, PARK_SCHEME)
        };
        let run = runs::start_as_of(db, &cast.helped_officer, &new, "2025-06-01").unwrap();
        let id = run.summary.id;
        assert_eq!(unit(&run.result, cast.park)["tier"], "B", "{}", t.name);
        assert_eq!(unit(&run.result, cast.park)["total"], 70.0);

        // The park's operator reads its own park's result, not the whole run, not another's.
        let own = runs::unit_score(db, &cast.park_operator, id, cast.park).unwrap();
        assert_eq!(own.tier.as_deref(), Some("B"));
        assert!(not_found(runs::get(db, &cast.park_operator, id)));
        assert!(not_found(runs::unit_score(
            db,
            &cast.park_operator,
            id,
            second
        )));
        for u in [second_op, &f.other_operator, &cast.enterprise_user] {
            assert!(
                not_found(runs::unit_score(db, u, id, cast.park)),
                "{}",
                u.username
            );
        }
        let mine = runs::my_scores(db, &cast.park_operator).unwrap();
        assert_eq!(
            mine.iter()
                .map(|s| (s.run.id, s.unit_id))
                .collect::<Vec<_>>(),
            vec![(id, cast.park)]
        );

        // Only the park's operator, only the park's figures, only within the window.
        let obj = objection(
            "tax_10k_yuan",
            json!("90000"),
            "税务部门证明：2024 年园区税收 90000 万元",
        );
        let at = |u: &User, o: &NewObjection, day: &str| objections::file_as_of(db, u, id, o, day);
        assert!(not_found(at(&cast.enterprise_user, &obj, "2025-06-10")));
        assert!(not_found(at(&f.other_operator, &obj, "2025-06-10")));
        assert!(matches!(
            at(&cast.helped_officer, &obj, "2025-06-10"),
            Err(PlatformError::Forbidden(_))
        ));
        let enterprise_figure = objection("revenue_10k_yuan", json!(1), "证明");
        assert_eq!(
            invalid_rule(at(&cast.park_operator, &enterprise_figure, "2025-06-10")),
            "unknown_figure"
        );
        let neg = objection("tax_10k_yuan", json!(-1), "证明");
        assert_eq!(
            invalid_rule(at(&cast.park_operator, &neg, "2025-06-10")),
            "out_of_range"
        );
        assert_eq!(
            invalid_rule(at(&cast.park_operator, &obj, "2025-07-01")),
            "window_closed"
        );
        let filed = at(&cast.park_operator, &obj, "2025-06-30").unwrap();
        assert_eq!(
            (filed.park_id, filed.enterprise_id, filed.status.as_str()),
            (Some(cast.park), None, "open")
        );
        assert_eq!(filed.proposed_value, Some(90000.0));

        // Deciding: a reviewer only; the park itself and the other park do not.
        let accept = Decision {
            accept: true,
            reasons: String::new(),
        };
        assert!(matches!(
            objections::decide(db, &cast.park_operator, filed.id, &accept),
            Err(PlatformError::Forbidden(_))
        ));
        for u in [second_op, &f.other_operator, &cast.enterprise_user] {
            assert!(
                not_found(objections::decide(db, u, filed.id, &accept)),
                "{}",
                u.username
            );
        }
        let decided = objections::decide(db, &cast.helped_officer, filed.id, &accept).unwrap();
        assert_eq!(decided.status, "accepted");
        let new_id = decided.new_run_id.unwrap();
        let revised = runs::get(db, &cast.admin, new_id).unwrap();
        assert_eq!(
            (
                revised.summary.revision,
                revised.summary.previous_run_id,
                revised.summary.park_id
            ),
            (2, Some(id), None)
        );
        assert_eq!(
            unit(&revised.inputs, cast.park)["figures"]["tax_10k_yuan"],
            90000.0
        );
        let rescored = unit(&revised.result, cast.park);
        assert_eq!(
            (rescored["tier"].as_str(), rescored["total"].as_f64()),
            (Some("A"), Some(130.0))
        );
        assert_eq!(
            runs::get(db, &cast.admin, id).unwrap(),
            run,
            "the old one is kept"
        );
        assert_eq!(
            runs::reproduce(db, &cast.admin, new_id).unwrap(),
            revised.result
        );
        let own = runs::unit_score(db, &cast.park_operator, new_id, cast.park).unwrap();
        assert_eq!(own.tier.as_deref(), Some("A"));
        // The correction is an audited change of the park's figures, by the reviewer.
        let audit = service::history(
            db,
            &cast.admin,
            &entity::PARK_FIGURES,
            &park_figures_id(db, &cast, cast.park),
        )
        .unwrap();
        assert!(
            audit
                .iter()
                .any(|h| h.actor.contains("hb-officer") && h.action == "update"),
            "{audit:?}"
        );

        // The old revision is superseded; on the new one the other park objects, and the
        // reviewer rejects with reasons.
        assert_eq!(
            invalid_rule(at(&cast.park_operator, &obj, "2025-06-10")),
            "superseded"
        );
        let second_obj = objections::file_as_of(
            db,
            second_op,
            new_id,
            &objection("land_occupied_mu", json!(2000), "土地供应台账"),
            "2025-06-10",
        )
        .unwrap();
        assert_eq!(second_obj.park_id, Some(second));
        let reject = Decision {
            accept: false,
            reasons: "台账与不动产登记不一致".into(),
        };
        let rejected = objections::decide(db, &cast.coordinator, second_obj.id, &reject).unwrap();
        assert_eq!(
            (rejected.status.as_str(), rejected.reasons.as_deref()),
            ("rejected", Some("台账与不动产登记不一致"))
        );

        // The history: the run's readers see both objections, each park its own only.
        let seen = |u: &User| -> Vec<i64> {
            let h = objections::history(db, u, id).unwrap();
            assert_eq!(
                h.revisions.iter().map(|r| r.id).collect::<Vec<_>>(),
                vec![id, new_id]
            );
            h.objections.iter().map(|o| o.id).collect()
        };
        assert_eq!(seen(&cast.helped_officer), vec![filed.id, second_obj.id]);
        assert_eq!(seen(&cast.park_operator), vec![filed.id]);
        assert_eq!(seen(second_op), vec![second_obj.id]);
        for u in [&f.other_operator, &cast.enterprise_user, &cast.researcher] {
            assert!(not_found(objections::history(db, u, id)), "{}", u.username);
        }
    }
}

/// A park's operator is not the assessed party of its park's enterprise runs: it reads them
/// but does not object in them.
#[test]
fn a_park_operator_does_not_object_in_an_enterprise_run() {
    let t = testkit::sqlite();
    let db = &t.db;
    let cast = testkit::cast(db);
    testkit::assessment_fixture(db, &cast);
    let run = start(db, &cast.park_operator, cast.park);
    let obj = objection("tax_10k_yuan", json!(1), "证明");
    assert!(matches!(
        objections::file(db, &cast.park_operator, run.summary.id, &obj),
        Err(PlatformError::Forbidden(_))
    ));
    assert!(runs::my_scores(db, &cast.park_operator).unwrap().is_empty());
}

/// The schema keeps an objection's unit single: exactly one of `enterprise_id` and `park_id`.
#[test]
fn an_objection_names_exactly_one_unit_on_every_engine() {
    for t in testkit::engines() {
        let db = &t.db;
        let cast = testkit::cast(db);
        testkit::assessment_fixture(db, &cast);
        let run = start(db, &cast.park_operator, cast.park).summary.id;
        let insert = |enterprise: Option<i64>, park: Option<i64>| {
            let opt = |v: Option<i64>| v.map_or(tandem_platform::db::Value::Null, Into::into);
            db.write(|c| {
                c.execute(
                    "INSERT INTO assessment_objections (run_id, enterprise_id, park_id, figure, \
                     evidence, status, filed_by, filed_at) \
                     VALUES (?, ?, ?, 'land_mu', '证明', 'open', 'test', '2025-01-01T00:00:00Z')",
                    &[run.into(), opt(enterprise), opt(park)],
                )
            })
        };
        assert!(insert(None, None).is_err(), "{}: no unit", t.name);
        assert!(
            insert(Some(cast.enterprise), Some(cast.park)).is_err(),
            "{}: two units",
            t.name
        );
        assert!(insert(Some(cast.enterprise), None).is_ok(), "{}", t.name);
        assert!(insert(None, Some(cast.park)).is_ok(), "{}", t.name);
    }
}
