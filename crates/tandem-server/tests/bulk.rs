//! Issue #12's findings 2 and 3, replayed against the real server on loopback
//! (`support::real`): sums of money that overflowed the dashboard, bulk creation without
//! limits, and an import whose review-flag refresh held the only SQLite writer (and so every
//! sign-in) for minutes.

mod support;

use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::Duration;
use support::real::{Http, RealServer};
use tandem_platform::db::Value;
use tandem_platform::flags::{MAX_DUPLICATES_LISTED, MORE_DUPLICATES};
use tandem_platform::limits::{CreationBudget, MAX_BULK_ROWS};
use tandem_platform::testkit::{self, Cast, PAIR};
use tandem_platform::Db;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The largest amount a field takes, in fen (10^12 yuan).
const MAX_FEN: i64 = tandem_platform::entity::MAX_MONEY_FEN;

fn count(db: &Db, sql: &str) -> i64 {
    db.read(|c| c.query_i64(sql, &[])).expect("a count")
}

/// A `projects` workbook: the header, then one row per `(name, agreed yuan, paid-in yuan)`,
/// every row for the cast's enterprise in the cast's park of [`PAIR`].
fn projects_workbook(cast: &Cast, rows: &[(String, String, String)]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("projects").unwrap();
    let header = [
        "pair_id",
        "park_id",
        "enterprise_id",
        "name",
        "amount_agreed_yuan",
        "paid_in_yuan",
        "initiated_by",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, (name, agreed, paid)) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, PAIR).unwrap();
        ws.write_number(r, 1, cast.park as f64).unwrap();
        ws.write_number(r, 2, cast.enterprise as f64).unwrap();
        ws.write_string(r, 3, name).unwrap();
        ws.write_string(r, 4, agreed).unwrap();
        ws.write_string(r, 5, paid).unwrap();
        ws.write_string(r, 6, "enterprise").unwrap();
    }
    wb.save_to_buffer().unwrap()
}

/// `n` rows of one enterprise in one park, all for the same amount: every project suspects
/// every other one, the worst case of the review flags.
fn same_amount_rows(n: usize) -> Vec<(String, String, String)> {
    (0..n)
        .map(|i| (format!("批量项目 {i}"), "50000000".into(), String::new()))
        .collect()
}

/// `c` with a client that waits up to ten minutes (the hang guard of these tests) instead of
/// the default 30 s.
fn patient(c: &Http) -> Http {
    let mut c = c.clone();
    c.agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(600)))
        .build()
        .into();
    c
}

/// Finding 2: 131,072 projects at the largest amount sum to 1.3 × 10^19 fen, past what a
/// 64-bit integer holds. SQLite's SUM failed and PostgreSQL's cast of its exact sum failed:
/// every dashboard and pair page answered 500 for every role. Now the sum is exact.
#[test]
fn sums_past_64_bits_leave_the_dashboard_and_pair_pages_working() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        // Rows straight into the table (as they could be before the limits existed): one,
        // then doubled 17 times.
        let cols = "pair_id, park_id, enterprise_id, name, amount_agreed_fen, paid_in_fen, \
                    initiated_by, stage, review_flags, updated_at";
        t.db.write(|c| {
            c.execute(
                &format!(
                    "INSERT INTO projects ({cols}) VALUES (?, ?, ?, 'huge', ?, ?, 'enterprise', \
                     'lead', '', '2024-01-01T00:00:00Z')"
                ),
                &[
                    PAIR.into(),
                    Value::Int(cast.park),
                    Value::Int(cast.enterprise),
                    Value::Int(MAX_FEN),
                    Value::Int(MAX_FEN),
                ],
            )?;
            for _ in 0..17 {
                c.execute(
                    &format!("INSERT INTO projects ({cols}) SELECT {cols} FROM projects"),
                    &[],
                )?;
            }
            Ok::<_, tandem_platform::DbError>(())
        })
        .unwrap();
        let n = 1i128 << 17;
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM projects") as i128, n);
        let total = n * MAX_FEN as i128;
        assert!(total > i64::MAX as i128);
        let server = RealServer::start(t.db.clone());
        for who in ["admin", "firm", "hb-officer"] {
            let c = server.login(who);
            let d = c.get("/api/dashboard");
            assert_eq!(d.status, 200, "{who} on {}: {}", t.name, d.text);
            let d = d.json();
            assert_eq!(
                d["total"]["agreed_fen"].to_string(),
                total.to_string(),
                "{who}"
            );
            assert_eq!(
                d["total"]["paid_in_fen"].to_string(),
                total.to_string(),
                "{who}"
            );
            let pair = d["pairs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["pair_id"] == PAIR);
            assert_eq!(pair.unwrap()["agreed_fen"].to_string(), total.to_string());
            // The pages show the sum exactly: in 万元 on the dashboard, in yuan in the funnel.
            let page = c.get("/?lang=en");
            assert_eq!(page.status, 200, "{who} on {}: {}", t.name, page.text);
            assert!(
                page.text.contains("13,107,200,000,000.0"),
                "{who}: the dashboard shows the total in 10^4 yuan"
            );
            let page = c.get(&format!("/pairs/{PAIR}?lang=en"));
            assert_eq!(page.status, 200, "{who} on {}: {}", t.name, page.text);
            assert!(
                page.text.contains("131,072,000,000,000,000.00"),
                "{who}: the pair page shows the total in yuan"
            );
        }
    }
}

/// Finding 2's other half: creation had no limit per request or per user. Now each user has
/// a creation budget (429 with Retry-After when spent, whatever the route), and an import has
/// at most `MAX_BULK_ROWS` rows (413).
#[test]
fn bulk_creation_is_limited_per_user_and_per_request() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        t.db.limits().set_creation_budget(CreationBudget {
            records: 5,
            window: Duration::from_secs(3600),
        });
        let server = RealServer::start(t.db.clone());
        let firm = server.login("firm");
        let body = |i: usize| {
            json!({"pair_id": PAIR, "park_id": cast.park, "name": format!("项目 {i}"),
                   "initiated_by": "enterprise", "amount_agreed_yuan": "1000000000000"})
        };
        for i in 0..5 {
            let r = firm.post("/api/projects", &body(i));
            assert_eq!(r.status, 201, "{}: {}", t.name, r.text);
        }
        // The sixth: refused, with when to try again (header and body).
        let req = ureq::http::Request::builder()
            .method("POST")
            .uri(format!("{}/api/projects", server.base))
            .header("cookie", firm.cookie.clone().unwrap())
            .header("x-csrf-token", firm.csrf.clone().unwrap())
            .header("content-type", "application/json")
            .body(body(5).to_string().into_bytes())
            .unwrap();
        let mut r = firm.agent.run(req).expect("the server answers");
        assert_eq!(r.status().as_u16(), 429, "{}", t.name);
        let header: u64 = r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let answer: serde_json::Value =
            serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        assert!(header > 0 && answer["retry_after"] == header, "{answer}");
        // An import is refused as a whole, creating nothing.
        let rows: Vec<_> = (0..2)
            .map(|i| (format!("导入 {i}"), "1".to_string(), String::new()))
            .collect();
        let book = projects_workbook(&cast, &rows);
        let r = firm.send("POST", "/api/sheets/projects", Some((XLSX, book)), &[]);
        assert_eq!(r.status, 429, "{}: {}", t.name, r.text);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM projects"), 5);
        // The budget is per user.
        let officer = server.login("hb-officer");
        let mut other = body(6);
        other["enterprise_id"] = json!(cast.enterprise);
        assert_eq!(officer.post("/api/projects", &other).status, 201);
        // One file of more rows than an import may have: 413, nothing imported, whatever
        // the budget.
        t.db.limits().set_creation_budget(CreationBudget::default());
        let rows = same_amount_rows(MAX_BULK_ROWS + 1);
        let book = projects_workbook(&cast, &rows);
        let r = patient(&firm).send("POST", "/api/sheets/projects", Some((XLSX, book)), &[]);
        assert_eq!(r.status, 413, "{}: {}", t.name, r.text);
        assert_eq!(count(&t.db, "SELECT COUNT(*) FROM projects"), 6);
    }
}

/// Finding 3: the review flags were refreshed for the whole group after every row, each
/// flag by a query per project: cubic in the rows of one enterprise in one park (150 rows
/// took 40 s; 1,000 took 500 s in a debug build here, so 2,000 take over an hour). Now the
/// import of 2,000 such rows finishes (the guard is ten minutes) with the flags the rules
/// give, and the audit shows each record's final flags.
#[test]
fn an_import_into_one_group_finishes_with_the_right_flags() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let firm = patient(&server.login("firm"));
        let mut rows = same_amount_rows(2_000);
        for (name, agreed, paid) in [
            ("孤立", "1", ""),
            ("近似甲", "5000", ""),
            ("近似乙", "4600", ""),
            ("超额到位", "300", "400"),
        ] {
            rows.push((name.into(), agreed.into(), paid.into()));
        }
        let book = projects_workbook(&cast, &rows);
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(firm.send("POST", "/api/sheets/projects", Some((XLSX, book)), &[]));
        });
        let r = rx
            .recv_timeout(Duration::from_secs(600))
            .expect("the import finishes (it used to take over an hour)");
        assert_eq!(r.status, 200, "{}: {}", t.name, r.text);
        assert_eq!(r.json()["created"], 2_004);
        let flags: Vec<(i64, String, String)> =
            t.db.read(|c| {
                c.query(
                    "SELECT id, name, review_flags FROM projects ORDER BY id",
                    &[],
                )
            })
            .unwrap()
            .into_iter()
            .map(|r| {
                let text = |i: usize| r[i].as_str().unwrap_or("").to_string();
                (r[0].as_i64().unwrap(), text(1), text(2))
            })
            .collect();
        let id_of = |name: &str| flags.iter().find(|f| f.1 == name).unwrap().0;
        let of = |name: &str| flags.iter().find(|f| f.1 == name).unwrap().2.clone();
        let batch: Vec<i64> = flags[..2_000].iter().map(|f| f.0).collect();
        for (_, name, f) in &flags[..2_000] {
            let parts: Vec<&str> = f.split(',').collect();
            assert_eq!(parts.len(), MAX_DUPLICATES_LISTED + 1, "{name}: {f}");
            assert_eq!(parts[MAX_DUPLICATES_LISTED], MORE_DUPLICATES);
            assert!(parts[..MAX_DUPLICATES_LISTED].iter().all(|p| p
                .strip_prefix("duplicate_of_")
                .and_then(|id| id.parse().ok())
                .is_some_and(|id| batch.contains(&id))));
        }
        assert_eq!(of("孤立"), "");
        assert_eq!(of("近似甲"), format!("duplicate_of_{}", id_of("近似乙")));
        assert_eq!(of("近似乙"), format!("duplicate_of_{}", id_of("近似甲")));
        assert_eq!(of("超额到位"), "paid_in_exceeds_agreed");
        // Audited, one entry per record, with its final flags.
        let audited = count(
            &t.db,
            "SELECT COUNT(*) FROM audit_log WHERE entity = 'projects' AND action = 'create'",
        );
        assert_eq!(audited, 2_004, "{}", t.name);
        let history = server
            .login("admin")
            .get(&format!("/api/projects/{}/history", id_of("近似甲")));
        assert_eq!(
            history.json()["items"][0]["after"]["review_flags"],
            json!([format!("duplicate_of_{}", id_of("近似乙"))]),
            "{}",
            t.name
        );
    }
}

/// Finding 3's other half: sign-in writes a session, and the import held the only SQLite
/// writer for its whole refresh, so sign-ins queued behind it (at 200 rows they timed out).
/// Now an import checks its rows before taking the writer and writes briefly: sign-ins made
/// while a 5,000-row import of one group runs are answered.
#[test]
fn sign_ins_are_answered_while_a_large_import_runs() {
    for t in testkit::engines() {
        let cast = testkit::cast(&t.db);
        let server = RealServer::start(t.db.clone());
        let firm = patient(&server.login("firm"));
        let book = projects_workbook(&cast, &same_amount_rows(5_000));
        let done = Arc::new(AtomicBool::new(false));
        let importer = {
            let done = done.clone();
            std::thread::spawn(move || {
                let r = firm.send("POST", "/api/sheets/projects", Some((XLSX, book)), &[]);
                done.store(true, Ordering::SeqCst);
                r
            })
        };
        // Sign in again and again until the import is over; each must be answered (the
        // client gives up after 30 s, where the import used to hold sign-ins for hours).
        let mut answered_during = 0;
        while !done.load(Ordering::SeqCst) {
            let r = server.client().post(
                "/api/login",
                &json!({"username": "hb-officer", "password": testkit::PASSWORD}),
            );
            assert_eq!(r.status, 200, "{}: {}", t.name, r.text);
            if !done.load(Ordering::SeqCst) {
                answered_during += 1;
            }
        }
        let r = importer.join().expect("the importing thread");
        assert_eq!(r.status, 200, "{}: {}", t.name, r.text);
        assert_eq!(r.json()["created"], 5_000);
        assert!(
            answered_during > 0,
            "{}: no sign-in overlapped the import; make the import larger",
            t.name
        );
    }
}
