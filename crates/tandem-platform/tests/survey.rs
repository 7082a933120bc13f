//! Satisfaction surveys (issue #16) through the platform's functions, on each engine: waves,
//! tokens, one response per token, anonymity of the stored row, and who sees what.

use serde_json::json;
use tandem_platform::auth::{self, SurveyAccess};
use tandem_platform::survey::{self, NewWave, SubmitError};
use tandem_platform::testkit::{self, Cast};
use tandem_platform::{PlatformError, Role, User};

fn wave(park: i64, year: i64, opens: &str, closes: &str) -> NewWave {
    serde_json::from_value(json!({"park_id": park, "year": year, "opens_on": opens,
        "closes_on": closes}))
    .unwrap()
}

fn open_wave(db: &tandem_platform::Db, cast: &Cast) -> survey::Wave {
    survey::create_wave(
        db,
        &cast.park_operator,
        &wave(cast.park, 2026, "2020-01-01", "2099-12-31"),
    )
    .expect("the park's operator opens a wave")
}

fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn one_response_per_token_and_the_response_does_not_name_its_token() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let w = open_wave(&t.db, &cast);
        let (w2, tokens) = survey::issue_tokens(&t.db, &cast.park_operator, w.id, 3).unwrap();
        assert_eq!(w2.tokens_issued, 3);
        assert!(tokens.iter().all(|t| t.len() == 32), "{tokens:?}");
        let answers = form(&[("q_gov_speed", "4"), ("t_other", "路灯不够")]);
        survey::submit(&t.db, w.id, &tokens[0], &answers).unwrap();
        assert!(matches!(
            survey::submit(&t.db, w.id, &tokens[0], &answers),
            Err(SubmitError::Used)
        ));
        // An invalid answer leaves the token unused.
        let bad = survey::submit(&t.db, w.id, &tokens[1], &form(&[("q_gov_speed", "9")]));
        assert!(matches!(bad, Err(SubmitError::Invalid(_))), "{bad:?}");
        survey::submit(&t.db, w.id, &tokens[1], &form(&[("q_gov_speed", "2")])).unwrap();
        // The stored rows: tokens only as hashes, responses without token, time or order.
        t.db.read(|c| -> Result<(), tandem_platform::DbError> {
            let stored = c.query("SELECT token_hash FROM survey_tokens", &[])?;
            for r in &stored {
                assert!(!tokens.iter().any(|t| t == r.text("token_hash").unwrap()));
            }
            let rows = c.query("SELECT * FROM survey_responses", &[])?;
            assert_eq!(rows.len(), 2);
            let columns: Vec<&str> = rows[0].columns().iter().map(String::as_str).collect();
            assert_eq!(columns, ["id", "wave_id", "submitted_on", "answers"]);
            for r in &rows {
                assert_eq!(r.text("submitted_on")?.len(), 10, "the day only");
                let id = r.text("id")?;
                assert!(!tokens.iter().any(|t| t == id || auth::token_hash(t) == id));
            }
            Ok(())
        })
        .unwrap();
        let (_, res) = survey::wave_results(&t.db, &cast.park_operator, w.id).unwrap();
        assert_eq!((res.tokens_issued, res.responses), (3, 2));
        assert_eq!(res.areas[0].items[0].mean, Some(3.0));
        assert_eq!(
            res.free_text.unwrap()[1].answers,
            vec!["路灯不够"],
            "{}",
            t.name
        );
    }
}

#[test]
fn tokens_work_only_for_their_own_open_wave() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let w = open_wave(&t.db, &cast);
    let (_, tokens) = survey::issue_tokens(&t.db, &cast.admin, w.id, 1).unwrap();
    let other = survey::create_wave(
        &t.db,
        &cast.admin,
        &wave(cast.other_park, 2026, "2020-01-01", "2099-12-31"),
    )
    .unwrap();
    let answers = form(&[("q_gov_speed", "4")]);
    assert!(matches!(
        survey::submit(&t.db, other.id, &tokens[0], &answers),
        Err(SubmitError::UnknownToken)
    ));
    for guess in ["0".repeat(32), "zz".into(), tokens[0].to_uppercase()] {
        assert!(matches!(
            survey::submit(&t.db, w.id, &guess, &answers),
            Err(SubmitError::UnknownToken)
        ));
    }
    let closed = survey::create_wave(
        &t.db,
        &cast.admin,
        &wave(cast.park, 2021, "2021-03-01", "2021-04-30"),
    )
    .unwrap();
    let (_, old) = survey::issue_tokens(&t.db, &cast.admin, closed.id, 1).unwrap();
    assert!(matches!(
        survey::submit(&t.db, closed.id, &old[0], &answers),
        Err(SubmitError::Closed(d)) if d == "2021-04-30"
    ));
    let later = survey::create_wave(
        &t.db,
        &cast.admin,
        &wave(cast.park, 2099, "2099-03-01", "2099-04-30"),
    )
    .unwrap();
    let (_, soon) = survey::issue_tokens(&t.db, &cast.admin, later.id, 1).unwrap();
    assert!(matches!(
        survey::submit(&t.db, later.id, &soon[0], &answers),
        Err(SubmitError::NotOpen(_))
    ));
}

#[test]
fn who_opens_issues_and_reads() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    let w = open_wave(&t.db, &cast);
    // Another park's operator: not its wave (404), cannot open one for this park (403).
    let other_op =
        t.db.write(|c| {
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
        .unwrap();
    let other_op = User {
        id: other_op,
        username: "other-op".into(),
        display_name: "other-op".into(),
        role: Role::ParkOperator {
            park_id: cast.other_park,
        },
    };
    assert!(matches!(
        survey::wave_results(&t.db, &other_op, w.id),
        Err(PlatformError::NotFound(_))
    ));
    assert!(matches!(
        survey::issue_tokens(&t.db, &other_op, w.id, 5),
        Err(PlatformError::NotFound(_))
    ));
    assert!(matches!(
        survey::create_wave(
            &t.db,
            &other_op,
            &wave(cast.park, 2027, "2027-01-01", "2027-02-01")
        ),
        Err(PlatformError::Forbidden(_))
    ));
    assert!(matches!(
        survey::park_results(&t.db, &other_op, cast.park),
        Err(PlatformError::NotFound(_))
    ));
    let over_years = survey::park_results(&t.db, &cast.park_operator, cast.park).unwrap();
    assert_eq!(over_years.len(), 1);
    assert_eq!(over_years[0].0.id, w.id);
    // Researchers read (suppressed) but issue nothing; officers and enterprises see nothing.
    let (_, res) = survey::wave_results(&t.db, &cast.researcher, w.id).unwrap();
    assert_eq!(res.suppressed_below, Some(5));
    assert!(res.free_text.is_none());
    assert!(matches!(
        survey::issue_tokens(&t.db, &cast.researcher, w.id, 1),
        Err(PlatformError::Forbidden(_))
    ));
    for u in [&cast.enterprise_user, &cast.helped_officer] {
        assert!(matches!(
            survey::wave_results(&t.db, u, w.id),
            Err(PlatformError::NotFound(_))
        ));
        assert!(survey::list_waves(&t.db, u).unwrap().is_empty());
    }
    assert_eq!(
        survey::list_waves(&t.db, &cast.researcher).unwrap().len(),
        1
    );
    assert!(survey::list_waves(&t.db, &other_op).unwrap().is_empty());
    // Bounds and duplicates.
    assert!(matches!(
        survey::issue_tokens(
            &t.db,
            &cast.park_operator,
            w.id,
            survey::MAX_TOKENS_PER_REQUEST + 1
        ),
        Err(PlatformError::Invalid(_))
    ));
    assert!(matches!(
        survey::create_wave(&t.db, &cast.admin, &wave(cast.park, 2026, "2026-01-01", "2026-02-01")),
        Err(PlatformError::Invalid(e)) if e[0].rule == "taken"
    ));
    let bad = survey::create_wave(
        &t.db,
        &cast.admin,
        &wave(cast.park, 1999, "2026-02-30", "2026-01-01"),
    );
    let Err(PlatformError::Invalid(e)) = bad else {
        panic!("{bad:?}")
    };
    let rules: Vec<(&str, &str)> = e.iter().map(|e| (e.field.as_str(), e.rule)).collect();
    assert_eq!(rules, [("year", "out_of_range"), ("opens_on", "bad_date")]);
}

/// `survey_read_filter` and `survey_access` agree for every role over two parks.
#[test]
fn the_list_filter_agrees_with_the_access_rule() {
    let t = testkit::sqlite();
    let cast = testkit::cast(&t.db);
    for park in [cast.park, cast.other_park] {
        survey::create_wave(
            &t.db,
            &cast.admin,
            &wave(park, 2026, "2026-01-01", "2026-12-31"),
        )
        .unwrap();
    }
    let users = [
        &cast.admin,
        &cast.coordinator,
        &cast.helper_officer,
        &cast.park_operator,
        &cast.enterprise_user,
        &cast.researcher,
    ];
    for u in users {
        let listed: Vec<i64> = survey::list_waves(&t.db, u)
            .unwrap()
            .iter()
            .map(|(w, _)| w.park_id)
            .collect();
        for park in [cast.park, cast.other_park] {
            let visible = auth::survey_access(u, park) != SurveyAccess::Hidden;
            assert_eq!(
                listed.contains(&park),
                visible,
                "{} park {park}",
                u.username
            );
        }
    }
}
