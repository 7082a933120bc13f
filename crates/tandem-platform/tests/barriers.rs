//! The barrier register (issue #17, part 2) on both engines: who sees a barrier follows the
//! pairs it lists, exactly (no `LIKE` wildcard in a pair id reaches another pair's barriers);
//! officers may add pairs but not take any off; closing needs evidence and sets the date;
//! links are web addresses only; the summary counts and ages by field for what the user may
//! read; the advisor's records are the same barriers.

use serde_json::{json, Map, Value};
use tandem_platform::auth::{self, NewUser};
use tandem_platform::barriers;
use tandem_platform::db::Value as DbValue;
use tandem_platform::entity::BARRIERS;
use tandem_platform::service::{self, PlatformError};
use tandem_platform::testkit::{self, barrier_body, Cast, OTHER_PAIR, PAIR};
use tandem_platform::{clock, Db, Role, User};

fn create(
    db: &Db,
    user: &User,
    body: &Map<String, Value>,
) -> Result<service::Record, PlatformError> {
    service::create(db, user, &BARRIERS, body)
}

fn patch(
    db: &Db,
    user: &User,
    rec: &service::Record,
    fields: Value,
) -> Result<service::Record, PlatformError> {
    service::update(
        db,
        user,
        &BARRIERS,
        &rec.id_text(),
        Some(rec.version),
        fields.as_object().unwrap(),
    )
}

/// The rules broken by a refused write, as `field:rule`.
fn rules(e: PlatformError) -> Vec<String> {
    match e {
        PlatformError::Invalid(errors) => {
            for x in &errors {
                assert!(!x.message.is_empty() && !x.message_zh.is_empty(), "{x:?}");
            }
            errors
                .iter()
                .map(|x| format!("{}:{}", x.field, x.rule))
                .collect()
        }
        other => panic!("expected invalid, got {other}"),
    }
}

/// Whether `user` gets barrier `rec` from the record service and from its list.
fn sees(db: &Db, user: &User, rec: &service::Record) -> bool {
    let single = service::get(db, user, &BARRIERS, &rec.id_text()).is_ok();
    let page = service::list(
        db,
        user,
        &BARRIERS,
        &service::ListQuery {
            per_page: 200,
            ..Default::default()
        },
    )
    .unwrap();
    let listed = page.items.iter().any(|m| m["id"] == rec.fields["id"]);
    assert_eq!(
        single, listed,
        "get and list disagree for {}",
        user.username
    );
    single
}

#[test]
fn the_list_of_pairs_decides_who_sees_and_it_only_grows() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        let rec = create(db, &c.helped_officer, &barrier_body(&[PAIR])).unwrap();
        assert_eq!(rec.text("status"), Some("open"));
        assert_eq!(rec.text("registered_on"), Some(clock::today().as_str()));
        assert!(sees(db, &c.helper_officer, &rec));
        assert!(sees(db, &c.researcher, &rec));
        for u in [&c.other_officer, &c.park_operator, &c.enterprise_user] {
            assert!(!sees(db, u, &rec), "{}", u.username);
        }
        // Another pair's officer can neither edit it nor register one for this pair only.
        let err = patch(db, &c.other_officer, &rec, json!({"title": "x"})).unwrap_err();
        assert!(matches!(err, PlatformError::NotFound(_)), "{err}");
        let err = create(db, &c.other_officer, &barrier_body(&[PAIR])).unwrap_err();
        assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
        // A researcher reads but never writes.
        let err = patch(db, &c.researcher, &rec, json!({"title": "x"})).unwrap_err();
        assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
        let err = create(db, &c.researcher, &barrier_body(&[PAIR])).unwrap_err();
        assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
        // The pair's officer shares it with the other pair, whose officer then sees it.
        let both = patch(
            db,
            &c.helper_officer,
            &rec,
            json!({"affected_pairs": [PAIR, OTHER_PAIR]}),
        )
        .unwrap();
        assert!(sees(db, &c.other_officer, &both));
        // Nobody but the staff takes a pair off: neither the other pair's nor its own.
        for (user, keep) in [
            (&c.helper_officer, PAIR),
            (&c.other_officer, OTHER_PAIR),
            (&c.other_officer, PAIR),
        ] {
            let err = patch(db, user, &both, json!({"affected_pairs": [keep]})).unwrap_err();
            assert!(
                matches!(&err, PlatformError::Forbidden(m) if m.contains("不能移除")),
                "{}: {err}",
                user.username
            );
        }
        let unchanged = service::get(db, &c.admin, &BARRIERS, &both.id_text()).unwrap();
        assert_eq!(unchanged, both);
        let narrowed = patch(db, &c.coordinator, &both, json!({"affected_pairs": [PAIR]})).unwrap();
        assert!(!sees(db, &c.other_officer, &narrowed));
        // Officers never delete.
        let err = service::delete(
            db,
            &c.helper_officer,
            &BARRIERS,
            &rec.id_text(),
            Some(narrowed.version),
        )
        .unwrap_err();
        assert!(matches!(err, PlatformError::Forbidden(_)), "{err}");
    }
}

/// A pair `id` inserted as it is (ids made through the record service are plain slugs; a
/// seed or a restore could hold others), with an officer bound to it.
fn odd_pair(db: &Db, id: &str, officer: &str) -> User {
    db.write(|c| {
        c.execute(
            "INSERT INTO pairs (id, programme_id, helper_id, helped_id, start_year, end_year, \
             source, updated_at) SELECT ?, programme_id, helper_id, helped_id, start_year, \
             end_year, 'test', updated_at FROM pairs WHERE id = ?",
            &[DbValue::Text(id.into()), DbValue::Text(PAIR.into())],
        )
    })
    .unwrap();
    let role = Role::Officer {
        pair_id: id.into(),
        side: "helped".into(),
    };
    let new = NewUser {
        username: officer.into(),
        display_name: officer.into(),
        password: testkit::PASSWORD.into(),
        role: role.clone(),
    };
    let uid = db.write(|c| auth::add_user(c, &new)).unwrap();
    User {
        id: uid,
        username: officer.into(),
        display_name: officer.into(),
        role,
    }
}

#[test]
fn wildcards_and_case_in_pair_ids_match_nothing_else() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        let underscore = odd_pair(db, "pair_a", "u-officer");
        let percent = odd_pair(db, "pair%", "p-officer");
        let upper = odd_pair(db, "PAIR-XUZHOU-HUAIBEI", "upper-officer");
        let _ = odd_pair(db, "pairxa", "x-officer");
        let target = create(db, &c.admin, &barrier_body(&["pairxa", PAIR])).unwrap();
        for u in [&underscore, &percent, &upper] {
            assert!(
                !sees(db, u, &target),
                "{} sees another pair's barrier",
                u.username
            );
            let s = barriers::summary(db, u).unwrap();
            assert_eq!(
                s.fields.iter().map(|f| f.open).sum::<i64>(),
                0,
                "{}",
                u.username
            );
            assert!(barriers::advice_records(db, u).unwrap().is_empty());
            assert!(barriers::register(db, u).unwrap().is_empty());
        }
        // Its own barrier it does see, % and all.
        let own = create(db, &percent, &barrier_body(&["pair%"])).unwrap();
        assert!(sees(db, &percent, &own));
        assert!(!sees(db, &c.helper_officer, &own));
    }
}

#[test]
fn closing_needs_evidence_and_links_are_web_addresses() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        let o = &c.helper_officer;
        let mut bad = barrier_body(&[PAIR]);
        bad.insert("helper_rule_link".into(), json!("javascript:alert(1)"));
        bad.insert("evidence_link".into(), json!("data:text/html,<b>x</b>"));
        bad.insert("alignment".into(), json!("other"));
        bad.insert("affected_pairs".into(), json!([]));
        let got = rules(create(db, o, &bad).unwrap_err());
        for want in [
            "helper_rule_link:bad_link",
            "evidence_link:bad_link",
            "alignment_note:required",
            "affected_pairs:required",
        ] {
            assert!(got.contains(&want.to_string()), "{want} in {got:?}");
        }
        let ghost = barrier_body(&[PAIR, "pair-nowhere", PAIR]);
        let got = rules(create(db, o, &ghost).unwrap_err());
        assert!(
            got.contains(&"affected_pairs:not_found".to_string()),
            "{got:?}"
        );
        assert!(
            got.contains(&"affected_pairs:duplicate".to_string()),
            "{got:?}"
        );

        let rec = create(db, o, &barrier_body(&[PAIR])).unwrap();
        let got = rules(patch(db, o, &rec, json!({"status": "aligned"})).unwrap_err());
        assert!(
            got.contains(&"evidence:evidence_required".to_string()),
            "{got:?}"
        );
        assert!(got.contains(&"evidence_document:evidence_required".to_string()));
        let got = rules(
            patch(
                db,
                o,
                &rec,
                json!({"status": "aligned", "evidence": "已签互认协议"}),
            )
            .unwrap_err(),
        );
        assert_eq!(got, ["evidence_document:evidence_required"]);
        let got = rules(patch(db, o, &rec, json!({"status": "dropped"})).unwrap_err());
        assert_eq!(got, ["evidence:evidence_required"]);
        // Nothing was written by the refusals.
        assert_eq!(service::get(db, o, &BARRIERS, &rec.id_text()).unwrap(), rec);
        let closed = patch(
            db,
            o,
            &rec,
            json!({"status": "aligned", "evidence": "两地人社厅签订职称互认协议",
                   "evidence_link": "https://www.ah.gov.cn/zwyw/2025.html"}),
        )
        .unwrap();
        assert_eq!(closed.text("closed_on"), Some(clock::today().as_str()));
        assert_eq!(closed.text("registered_on"), rec.text("registered_on"));
        let reopened = patch(db, o, &closed, json!({"status": "in_progress"})).unwrap();
        assert_eq!(reopened.fields["closed_on"], Value::Null);
        // The platform's dates are not the client's to set.
        let err = patch(
            db,
            &c.admin,
            &reopened,
            json!({"registered_on": "2001-01-01"}),
        )
        .unwrap_err();
        assert!(rules(err).contains(&"registered_on:read_only".to_string()));
    }
}

/// Backdates barrier `id`'s registration (and sets its deadline) as if it had been
/// registered `days` ago.
fn backdate(db: &Db, id: i64, days: i64, deadline: Option<&str>) {
    let today = clock::parse_date(&clock::today()).unwrap();
    let (y, m, d) = clock::civil_from_days(today - days);
    let on = format!("{y:04}-{m:02}-{d:02}");
    db.write(|c| {
        c.execute(
            "UPDATE barriers SET registered_on = ?, deadline = ? WHERE id = ?",
            &[
                on.into(),
                deadline.map_or(DbValue::Null, |d| d.into()),
                DbValue::Int(id),
            ],
        )
    })
    .unwrap();
}

fn summary_of<'a>(s: &'a barriers::Summary, field: &str) -> &'a barriers::FieldSummary {
    s.fields.iter().find(|f| f.field == field).unwrap()
}

fn register_four(db: &Db, c: &Cast) {
    let mk = |pairs: &[&str], field: &str, days: i64, deadline: Option<&str>| {
        let mut b = barrier_body(pairs);
        b.insert("field".into(), json!(field));
        let id = create(db, &c.admin, &b).unwrap().int("id").unwrap();
        backdate(db, id, days, deadline);
        id
    };
    mk(&[PAIR], "talent", 10, Some("2000-01-01"));
    mk(&[PAIR, OTHER_PAIR], "talent", 30, None);
    mk(&[OTHER_PAIR], "talent", 100, Some("2099-01-01"));
    let closed = mk(&[PAIR], "standards", 5, None);
    let rec = service::get(db, &c.admin, &BARRIERS, &closed.to_string()).unwrap();
    patch(
        db,
        &c.admin,
        &rec,
        json!({"status": "aligned", "evidence": "统一标准", "evidence_document": "联合公告 2025 第 1 号"}),
    )
    .unwrap();
}

#[test]
fn summary_counts_and_ages_what_each_may_read() {
    for t in testkit::engines() {
        let db = &t.db;
        let c = testkit::cast(db);
        register_four(db, &c);
        let all = barriers::summary(db, &c.coordinator).unwrap();
        assert!(!all.restricted);
        assert_eq!(all.as_of, clock::today());
        let talent = summary_of(&all, "talent");
        assert_eq!((talent.open, talent.aligned), (3, 0));
        assert_eq!(talent.oldest_open_days, Some(100));
        assert_eq!(talent.median_open_days, Some(30.0));
        assert_eq!((talent.past_deadline, talent.open_without_deadline), (1, 1));
        let standards = summary_of(&all, "standards");
        assert_eq!((standards.open, standards.aligned), (0, 1));
        assert_eq!(standards.oldest_open_days, None);
        assert_eq!(summary_of(&all, "market_access").open, 0);
        // The pair's officer and its park's operator: the two barriers listing the pair.
        for u in [&c.helper_officer, &c.park_operator] {
            let s = barriers::summary(db, u).unwrap();
            assert!(s.restricted);
            let talent = summary_of(&s, "talent");
            assert_eq!(talent.open, 2, "{}", u.username);
            assert_eq!(talent.oldest_open_days, Some(30));
            assert_eq!(talent.median_open_days, Some(20.0));
            assert_eq!(summary_of(&s, "standards").aligned, 1);
            assert_eq!(barriers::register(db, u).unwrap().len(), 3);
        }
        // An enterprise reads none.
        let s = barriers::summary(db, &c.enterprise_user).unwrap();
        assert!(s.fields.iter().all(|f| f.open + f.aligned + f.dropped == 0));
        // The advisor's records: through the same policy.
        let recs = barriers::advice_records(db, &c.other_officer).unwrap();
        assert_eq!(recs.len(), 2);
        assert!(recs.iter().all(|r| r.pairs.iter().any(|p| p == OTHER_PAIR)));
        assert!(recs.iter().all(|r| !r.resolved && r.field == "talent"));
        assert!(recs.iter().any(|r| r.age_days == Some(100)));
        assert!(recs[0].source.starts_with("tandem platform, barrier #"));
        assert_eq!(
            barriers::advice_records(db, &c.researcher).unwrap().len(),
            4
        );
        assert!(barriers::advice_records(db, &c.enterprise_user)
            .unwrap()
            .is_empty());
    }
}

/// Barriers go out and come back as XLSX: re-importing an officer's export updates each of
/// its barriers by id and version; another pair's officer exports none of them.
#[test]
fn barriers_round_trip_through_xlsx() {
    use tandem_platform::sheets;
    let t = testkit::sqlite();
    let c = testkit::cast(&t.db);
    register_four(&t.db, &c);
    let book = sheets::export(&t.db, &c.helper_officer, &BARRIERS).unwrap();
    let s = sheets::import(&t.db, &c.helper_officer, &BARRIERS, &book)
        .unwrap_or_else(|p| panic!("{p:?}"));
    assert_eq!((s.created, s.updated), (0, 3));
    let book = sheets::export(&t.db, &c.enterprise_user, &BARRIERS).unwrap();
    let s = sheets::import(&t.db, &c.enterprise_user, &BARRIERS, &book);
    assert!(s.is_err() || s.is_ok_and(|s| (s.created, s.updated) == (0, 0)));
}
