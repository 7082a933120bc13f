//! Disputes and consultation (issue #17, part 1) on both engines: raising a case for one's
//! own side only, rounds, escalation one level up with its deadline, the overdue reminders,
//! closing with each outcome's details, the closed case's lock, the timeline, the advisor's
//! records, and the attacks on the workflow (another pair's officer, a park operator, an
//! enterprise, a researcher, another pair's agreement, status set by hand).

use serde_json::{json, Map, Value};
use tandem_core::advisor::DisputeState;
use tandem_platform::clock;
use tandem_platform::dispute_rules::date_after;
use tandem_platform::disputes::{self, Escalation, Happening, Outcome};
use tandem_platform::entity::{DISPUTES, DISPUTE_ROUNDS};
use tandem_platform::service::{self, PlatformError, Record};
use tandem_platform::testkit::{self, OTHER_PAIR, PAIR};
use tandem_platform::{ledger, Db, User};

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

/// `days` from today (negative: in the past).
fn day(days: i64) -> String {
    date_after(&clock::today(), days).unwrap()
}

/// A case of `pair` about `park`, raised by `side` `raised_ago` days ago.
fn case_body(pair: &str, park: i64, side: &str, raised_ago: i64) -> Map<String, Value> {
    obj(
        json!({"pair_id": pair, "park_id": park, "raised_by_side": side,
        "subject_kind": "park", "subject_id": park, "title": "税收分成比例争议",
        "parties": "徐州方园区公司；淮北方管委会", "description": "第二年度分成比例理解不一致",
        "amount_at_stake_yuan": 1200000, "evidence": "协议第 5 条",
        "raised_on": day(-raised_ago)}),
    )
}

fn raise(db: &Db, user: &User, body: &Map<String, Value>) -> Record {
    service::create(db, user, &DISPUTES, body).unwrap()
}

fn step(reason: &str) -> Escalation {
    Escalation {
        reason: reason.into(),
        ..Default::default()
    }
}

fn rule(r: Result<Record, PlatformError>) -> String {
    match r {
        Err(PlatformError::Invalid(e)) => format!("{}:{}", e[0].field, e[0].rule),
        Err(e) => format!("{e}"),
        Ok(_) => "ok".into(),
    }
}

#[test]
fn a_case_is_raised_escalated_and_closed_with_compensation_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        // The helped side raises a case; it may not raise one in the helper side's name.
        assert!(matches!(
            service::create(
                db,
                &c.helped_officer,
                &DISPUTES,
                &case_body(PAIR, c.park, "helper", 5)
            ),
            Err(PlatformError::Forbidden(_))
        ));
        let rec = raise(db, &c.helped_officer, &case_body(PAIR, c.park, "helped", 5));
        assert_eq!(rec.text("status"), Some("open"));
        assert_eq!(rec.text("current_level"), Some("park"));
        assert_eq!(rec.text("level_deadline"), Some(day(25).as_str()));
        let id = rec.id_text();
        // The status, level and deadline are the workflow's, never set by hand.
        for field in ["status", "current_level", "level_deadline", "closed_on"] {
            let mut body = case_body(PAIR, c.park, "helped", 5);
            body.insert(field.into(), json!("settled"));
            assert_eq!(
                rule(service::create(db, &c.helped_officer, &DISPUTES, &body)),
                format!("{field}:read_only")
            );
            let patch = obj(json!({ field: "withdrawn" }));
            assert_eq!(
                rule(service::update(
                    db,
                    &c.admin,
                    &DISPUTES,
                    &id,
                    Some(1),
                    &patch
                )),
                format!("{field}:read_only")
            );
        }
        // The helper side's officer records the first round; the park operator the second.
        let round = |user: &User, held: i64| {
            service::create(
                db,
                user,
                &DISPUTE_ROUNDS,
                &obj(
                    json!({"dispute_id": rec.int("id"), "level": "park", "held_on": day(-held),
                    "attendees": "双方园区负责人", "minutes": "双方陈述立场", "next_steps": "提交测算"}),
                ),
            )
        };
        let r1 = round(&c.helper_officer, 4).unwrap();
        assert_eq!(r1.text("pair_id"), Some(PAIR));
        assert_eq!(r1.int("park_id"), Some(c.park));
        round(&c.park_operator, 3).unwrap();
        assert_eq!(rule(round(&c.helper_officer, 6)), "held_on:before_raised");
        // Escalation: one level up, deadline 60 days from the day escalated by default.
        let mut bad = step("园区层面未能达成一致");
        bad.deadline = day(-1);
        assert_eq!(
            rule(disputes::escalate(
                db,
                &c.helper_officer,
                &id,
                Some(1),
                &bad
            )),
            "deadline:not_future"
        );
        bad.deadline = String::new();
        bad.on = day(-6);
        assert_eq!(
            rule(disputes::escalate(
                db,
                &c.helper_officer,
                &id,
                Some(1),
                &bad
            )),
            "on:before_level"
        );
        assert_eq!(
            rule(disputes::escalate(
                db,
                &c.helper_officer,
                &id,
                Some(1),
                &step("  ")
            )),
            "reason:required"
        );
        let mut s = step("园区层面未能达成一致");
        s.on = day(-2);
        let up = disputes::escalate(db, &c.helper_officer, &id, Some(1), &s).unwrap();
        assert_eq!(up.text("current_level"), Some("joint_meeting"));
        assert_eq!(up.text("level_deadline"), Some(day(58).as_str()));
        let mut s = step("联席会议未能达成一致");
        s.deadline = day(100);
        let up = disputes::escalate(db, &c.helped_officer, &id, Some(2), &s).unwrap();
        assert_eq!(
            (up.text("current_level"), up.text("level_deadline")),
            (Some("provincial"), Some(day(100).as_str()))
        );
        assert_eq!(
            rule(disputes::escalate(
                db,
                &c.admin,
                &id,
                Some(3),
                &step("再升级")
            )),
            "level:highest"
        );
        // Compensation needs an amount above zero and the paying side.
        let mut out = Outcome {
            outcome: "compensation".into(),
            note: "支援方园区公司补偿 30 万元".into(),
            compensation_yuan: "0".into(),
            payer: "helper".into(),
            ..Default::default()
        };
        assert_eq!(
            rule(disputes::close(db, &c.helped_officer, &id, Some(3), &out)),
            "compensation_yuan:required"
        );
        out.compensation_yuan = "300000".into();
        out.agreement_row = Some(1);
        assert_eq!(
            rule(disputes::close(db, &c.helped_officer, &id, Some(3), &out)),
            "agreement_row:not_allowed"
        );
        out.agreement_row = None;
        // Not before the case reached its current level (escalated today).
        out.on = day(-1);
        assert_eq!(
            rule(disputes::close(db, &c.helped_officer, &id, Some(3), &out)),
            "on:out_of_range"
        );
        out.on = String::new();
        let closed = disputes::close(db, &c.helped_officer, &id, Some(3), &out).unwrap();
        assert_eq!(closed.text("status"), Some("compensation"));
        assert_eq!(closed.int("compensation_yuan"), Some(300000));
        assert_eq!(closed.text("compensation_payer"), Some("helper"));
        assert_eq!(closed.text("closed_on"), Some(clock::today().as_str()));
        // Closed: final for the officers, no more rounds or steps; the admin may correct it.
        let patch = obj(json!({"title": "改名"}));
        assert!(matches!(
            service::update(db, &c.helped_officer, &DISPUTES, &id, Some(4), &patch),
            Err(PlatformError::Forbidden(_))
        ));
        assert_eq!(rule(round(&c.helper_officer, 1)), "dispute_id:closed");
        assert_eq!(
            rule(disputes::close(db, &c.admin, &id, Some(4), &out)),
            "status:closed"
        );
        let fixed = service::update(db, &c.coordinator, &DISPUTES, &id, Some(4), &patch).unwrap();
        assert_eq!(fixed.text("status"), Some("compensation"));
        // The timeline: raised (5 days ago), two rounds, two escalations, closed, corrected.
        let case = disputes::case(db, &c.helped_officer, &id).unwrap();
        assert_eq!((case.rounds.len(), case.escalations.len()), (2, 2));
        let kinds: Vec<String> = case
            .timeline
            .iter()
            .map(|e| match &e.happening {
                Happening::Round { .. } => "round".to_string(),
                Happening::Escalation { .. } => "escalation".to_string(),
                Happening::Change { entry } => entry.action.clone(),
            })
            .collect();
        assert_eq!(
            kinds.iter().filter(|k| *k == "round").count(),
            2,
            "{kinds:?}"
        );
        assert_eq!(&kinds[0], "create", "{}: raised first {kinds:?}", t.name);
        assert_eq!(&kinds[1..3], ["round", "round"], "{}", t.name);
        for k in ["escalation", "close", "update"] {
            assert!(kinds.iter().any(|x| x == k), "{k} in {kinds:?}");
        }
        let days: Vec<&str> = case.timeline.iter().map(|e| e.date.as_str()).collect();
        assert!(days.windows(2).all(|w| w[0] <= w[1]), "{days:?}");
    }
}

#[test]
fn others_cannot_read_escalate_or_close_a_pairs_case_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        let rec = raise(db, &c.helper_officer, &case_body(PAIR, c.park, "helper", 5));
        let id = rec.id_text();
        let out = Outcome {
            outcome: "withdrawn".into(),
            note: "撤回".into(),
            ..Default::default()
        };
        for user in [&c.other_officer, &c.enterprise_user, &c.researcher] {
            assert!(matches!(
                service::get(db, user, &DISPUTES, &id),
                Err(PlatformError::NotFound(_))
            ));
            assert!(matches!(
                disputes::escalate(db, user, &id, Some(1), &step("越权")),
                Err(PlatformError::NotFound(_))
            ));
            assert!(matches!(
                disputes::close(db, user, &id, Some(1), &out),
                Err(PlatformError::NotFound(_))
            ));
            assert!(matches!(
                disputes::case(db, user, &id),
                Err(PlatformError::NotFound(_))
            ));
            assert!(disputes::advice_records(db, user).unwrap().is_empty());
        }
        // The park operator reads its park's case but neither escalates nor closes it.
        assert!(disputes::case(db, &c.park_operator, &id).is_ok());
        assert!(matches!(
            disputes::escalate(db, &c.park_operator, &id, Some(1), &step("越权")),
            Err(PlatformError::Forbidden(_))
        ));
        assert!(matches!(
            disputes::close(db, &c.park_operator, &id, Some(1), &out),
            Err(PlatformError::Forbidden(_))
        ));
        // Another park's operator does not see it (the case of the other pair's park).
        let other = raise(
            db,
            &c.admin,
            &case_body(OTHER_PAIR, c.other_park, "helper", 5),
        );
        assert!(matches!(
            disputes::case(db, &c.park_operator, &other.id_text()),
            Err(PlatformError::NotFound(_))
        ));
        // A case cannot name another pair's park or project, nor move out of the officer's
        // pair, nor change the side that raised it.
        let mut body = case_body(PAIR, c.other_park, "helper", 5);
        assert_eq!(
            rule(service::create(db, &c.helper_officer, &DISPUTES, &body)),
            "park_id:mismatch"
        );
        body.insert("park_id".into(), json!(c.park));
        body.insert("subject_id".into(), json!(c.other_park));
        assert_eq!(
            rule(service::create(db, &c.helper_officer, &DISPUTES, &body)),
            "subject_id:not_found"
        );
        let patch = obj(json!({"pair_id": OTHER_PAIR, "park_id": null, "subject_id": null}));
        assert!(matches!(
            service::update(db, &c.helper_officer, &DISPUTES, &id, Some(1), &patch),
            Err(PlatformError::Forbidden(_))
        ));
        let patch = obj(json!({"raised_by_side": "helped"}));
        assert!(matches!(
            service::update(db, &c.helper_officer, &DISPUTES, &id, Some(1), &patch),
            Err(PlatformError::Forbidden(_))
        ));
    }
}

#[test]
fn an_amended_agreement_must_be_the_cases_own_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        let own = ledger::record_agreement(db, &c.admin, c.park, testkit::AGREEMENT_B).unwrap();
        let foreign =
            ledger::record_agreement(db, &c.admin, c.other_park, testkit::AGREEMENT_B).unwrap();
        let rec = raise(db, &c.helper_officer, &case_body(PAIR, c.park, "helper", 5));
        let id = rec.id_text();
        let mut out = Outcome {
            outcome: "agreement_amended".into(),
            note: "修订分成比例".into(),
            ..Default::default()
        };
        for row in [None, Some(foreign.id), Some(999_999)] {
            out.agreement_row = row;
            assert_eq!(
                rule(disputes::close(db, &c.helper_officer, &id, Some(1), &out)),
                "agreement_row:not_found",
                "{row:?}"
            );
        }
        out.agreement_row = Some(own.id);
        let closed = disputes::close(db, &c.helper_officer, &id, Some(1), &out).unwrap();
        assert_eq!(closed.int("amended_agreement_row"), Some(own.id));
        let advice = disputes::advice_records(db, &c.helped_officer).unwrap();
        assert_eq!(advice.len(), 1);
        assert_eq!(advice[0].state, DisputeState::AgreementAmended);
        assert_eq!(advice[0].amount_yuan, Some(1_200_000.0));
    }
}

#[test]
fn overdue_cases_are_reminded_to_those_who_may_read_them_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        // Raised 40 days ago at the park level: its 30 days ran out 10 days ago.
        let late = raise(
            db,
            &c.helper_officer,
            &case_body(PAIR, c.park, "helper", 40),
        );
        raise(db, &c.helper_officer, &case_body(PAIR, c.park, "helper", 5));
        raise(
            db,
            &c.admin,
            &case_body(OTHER_PAIR, c.other_park, "helper", 90),
        );
        let o = disputes::overdue(db, &c.helped_officer).unwrap();
        assert_eq!(o.count, 1);
        assert_eq!(o.cases[0].id, late.int("id").unwrap());
        assert_eq!(
            (o.cases[0].days_over, o.cases[0].level.as_str()),
            (10, "park")
        );
        assert_eq!(disputes::overdue(db, &c.park_operator).unwrap().count, 1);
        assert_eq!(disputes::overdue(db, &c.coordinator).unwrap().count, 2);
        assert_eq!(disputes::overdue(db, &c.other_officer).unwrap().count, 1);
        for user in [&c.enterprise_user, &c.researcher] {
            assert_eq!(disputes::overdue(db, user).unwrap().count, 0);
        }
        let advice = disputes::advice_records(db, &c.helper_officer).unwrap();
        assert_eq!(advice.iter().filter(|a| a.overdue).count(), 1);
        // Escalated 35 days ago, the joint meeting's 60 days run for 25 more: no reminder.
        let mut s = step("逾期升级");
        s.on = day(-35);
        let up = disputes::escalate(db, &c.helper_officer, &late.id_text(), Some(1), &s).unwrap();
        assert_eq!(up.text("level_deadline"), Some(day(25).as_str()));
        assert_eq!(disputes::overdue(db, &c.helped_officer).unwrap().count, 0);
        // Closed cases are never overdue.
        let old = raise(
            db,
            &c.helper_officer,
            &case_body(PAIR, c.park, "helper", 100),
        );
        assert_eq!(disputes::overdue(db, &c.helped_officer).unwrap().count, 1);
        let out = Outcome {
            outcome: "settled".into(),
            note: "和解".into(),
            ..Default::default()
        };
        disputes::close(db, &c.helper_officer, &old.id_text(), Some(1), &out).unwrap();
        assert_eq!(disputes::overdue(db, &c.helped_officer).unwrap().count, 0);
    }
}

/// Cases and rounds go out and come back as XLSX (the export is the template): the pair
/// officer's export re-imports as updates by id and version, and the columns the workflow
/// keeps (level, deadline, status) are read, never imported; another pair's officer exports
/// none of them.
#[test]
fn cases_and_rounds_round_trip_through_xlsx() {
    use tandem_platform::sheets;
    let t = testkit::sqlite();
    let (db, c) = (&t.db, testkit::cast(&t.db));
    let rec = raise(db, &c.helper_officer, &case_body(PAIR, c.park, "helper", 5));
    service::create(
        db,
        &c.helped_officer,
        &DISPUTE_ROUNDS,
        &obj(
            json!({"dispute_id": rec.int("id"), "level": "park", "held_on": day(-1),
            "attendees": "双方", "minutes": "协商"}),
        ),
    )
    .unwrap();
    for e in [&DISPUTES, &DISPUTE_ROUNDS] {
        let book = sheets::export(db, &c.helped_officer, e).unwrap();
        let s = sheets::import(db, &c.helped_officer, e, &book)
            .unwrap_or_else(|p| panic!("{}: {p:?}", e.name));
        assert_eq!((s.created, s.updated), (0, 1), "{}", e.name);
        let book = sheets::export(db, &c.other_officer, e).unwrap();
        let s = sheets::import(db, &c.other_officer, e, &book).unwrap();
        assert_eq!((s.created, s.updated), (0, 0), "{}", e.name);
    }
    let after = service::get(db, &c.admin, &DISPUTES, &rec.id_text()).unwrap();
    for f in ["status", "current_level", "level_deadline"] {
        assert_eq!(after.fields[f], rec.fields[f], "{f}");
    }
}

/// A case moved to another pair and park (by a coordinator) takes its rounds and
/// escalations along (the trigger), so their visibility follows the case.
#[test]
fn a_moved_case_takes_its_rounds_and_escalations_along_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        let mut body = case_body(PAIR, c.park, "helper", 5);
        body.insert("subject_id".into(), Value::Null);
        let rec = raise(db, &c.admin, &body);
        let id = rec.id_text();
        service::create(
            db,
            &c.park_operator,
            &DISPUTE_ROUNDS,
            &obj(
                json!({"dispute_id": rec.int("id"), "level": "park", "held_on": day(-1),
                "attendees": "双方", "minutes": "协商"}),
            ),
        )
        .unwrap();
        disputes::escalate(db, &c.admin, &id, Some(1), &step("升级")).unwrap();
        let patch = obj(json!({"pair_id": OTHER_PAIR, "park_id": c.other_park}));
        service::update(db, &c.coordinator, &DISPUTES, &id, Some(2), &patch).unwrap();
        let moved = disputes::case(db, &c.other_officer, &id).unwrap();
        assert_eq!(
            (moved.rounds.len(), moved.escalations.len()),
            (1, 1),
            "{}",
            t.name
        );
        assert_eq!(moved.rounds[0].text("pair_id"), Some(OTHER_PAIR));
        assert_eq!(moved.escalations[0].int("park_id"), Some(c.other_park));
        assert!(matches!(
            disputes::case(db, &c.park_operator, &id),
            Err(PlatformError::NotFound(_))
        ));
    }
}

/// Until its first escalation a case's level and deadline follow its park and the day it was
/// raised (a correction keeps them consistent); the day raised cannot move after its first
/// round; a case without a park has no park-level round.
#[test]
fn corrections_keep_the_level_and_deadline_consistent_on_every_engine() {
    for t in testkit::engines() {
        let (db, c) = (&t.db, testkit::cast(&t.db));
        let mut body = case_body(PAIR, c.park, "helper", 10);
        body.insert("park_id".into(), Value::Null);
        body.insert("subject_id".into(), Value::Null);
        let rec = raise(db, &c.helper_officer, &body);
        let id = rec.id_text();
        assert_eq!(
            (rec.text("current_level"), rec.text("level_deadline")),
            (Some("joint_meeting"), Some(day(50).as_str()))
        );
        let round = |level: &str, held: i64| {
            service::create(
                db,
                &c.helped_officer,
                &DISPUTE_ROUNDS,
                &obj(
                    json!({"dispute_id": rec.int("id"), "level": level, "held_on": day(-held),
                    "attendees": "双方", "minutes": "协商"}),
                ),
            )
        };
        assert_eq!(rule(round("park", 5)), "level:no_park");
        round("joint_meeting", 5).unwrap();
        let patch = obj(json!({"park_id": c.park, "raised_on": day(-20)}));
        let fixed =
            service::update(db, &c.helper_officer, &DISPUTES, &id, Some(1), &patch).unwrap();
        assert_eq!(
            (fixed.text("current_level"), fixed.text("level_deadline")),
            (Some("park"), Some(day(10).as_str()))
        );
        let late = obj(json!({"raised_on": day(-3)}));
        assert_eq!(
            rule(service::update(
                db,
                &c.helper_officer,
                &DISPUTES,
                &id,
                Some(2),
                &late
            )),
            "raised_on:after_history"
        );
        disputes::escalate(db, &c.helper_officer, &id, Some(2), &step("升级")).unwrap();
        let patch = obj(json!({"raised_on": day(-25)}));
        let after =
            service::update(db, &c.helper_officer, &DISPUTES, &id, Some(3), &patch).unwrap();
        assert_eq!(
            (after.text("current_level"), after.text("level_deadline")),
            (Some("joint_meeting"), Some(day(60).as_str()))
        );
    }
}
