//! The platform's benefit-sharing ledger under attack and under a crash, through the real
//! `tandem` binary:
//!
//! * `tandem ledger verify --database URL` accepts the chain the platform wrote and names the
//!   first bad entry (sequence number, park, what is wrong) once a row is altered, removed,
//!   reordered or moved to another park by someone who dropped the append-only triggers; with
//!   `--head` it also catches entries cut from the end.
//! * Crash test: the real `tandem serve` is killed with SIGKILL while several clients record
//!   revenues and settle periods through the JSON API. After a restart the chain verifies,
//!   every settlement the server answered (with its entries) is stored identically under the
//!   same sequence numbers, and settling an acknowledged period again appends nothing.
//!
//! The crash test runs on SQLite always, and on PostgreSQL when `$TANDEM_TEST_POSTGRES` names a
//! server (a fresh database is created and dropped); without one it is skipped with a message,
//! or fails when `$TANDEM_REQUIRE_POSTGRES=1`.

#[path = "support/platform.rs"]
mod platform;

use platform::{assert_sqlite_intact, tandem, user_add, Api, Server};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_platform::ledger;
use tandem_platform::testkit::{self, TestDb};
use tandem_platform::Target;

/// The exit code, standard output and standard error of one `tandem` run.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `tandem ledger verify` with `args`.
fn verify(args: &[&str]) -> Run {
    let out = tandem()
        .args(["ledger", "verify"])
        .args(args)
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The `--database` URL of a test database.
fn url_of(t: &TestDb) -> String {
    match &t.target {
        Target::Sqlite(p) => format!("sqlite://{}", p.display()),
        Target::Postgres(u) => u.clone(),
    }
}

/// `(entries, "SEQ:HASH")` from verify's `ok: N entries, head SEQ:HASH (...)` line.
fn ok_head(r: &Run) -> (u64, String) {
    assert_eq!(r.code, 0, "verify failed:\n{}\n{}", r.stdout, r.stderr);
    let line = r.stdout.trim();
    let rest = line
        .strip_prefix("ok: ")
        .unwrap_or_else(|| panic!("unexpected verify output: {line}"));
    let (n, rest) = rest.split_once(" entries, head ").expect("entries, head");
    let head = rest.split_whitespace().next().expect("a head").to_string();
    (n.parse().expect("an entry count"), head)
}

// ---- tamper evidence of `tandem ledger verify --database` ----

/// A copy of the SQLite database at `from` with `attack` applied by a raw connection, as an
/// attacker with file access would (the append-only triggers dropped first).
fn tampered(from: &Path, dir: &Path, name: &str, attack: &str) -> String {
    let copy = dir.join(format!("{name}.sqlite"));
    let src = rusqlite::Connection::open(from).unwrap();
    // VACUUM INTO includes what is still in the write-ahead log.
    src.execute("VACUUM INTO ?1", [copy.to_str().unwrap()])
        .unwrap();
    let c = rusqlite::Connection::open(&copy).unwrap();
    c.execute_batch(
        "DROP TRIGGER ledger_entries_no_change; DROP TRIGGER ledger_entries_no_delete;",
    )
    .unwrap();
    c.execute_batch(attack)
        .unwrap_or_else(|e| panic!("{name}: {attack}: {e}"));
    format!("sqlite://{}", copy.display())
}

/// Asserts that verify exits 1 and its message names `needles` (entry, park, reason).
fn assert_bad(url: &str, extra: &[&str], needles: &[&str]) {
    let mut args = vec!["--database", url];
    args.extend_from_slice(extra);
    let r = verify(&args);
    assert_eq!(
        r.code, 1,
        "{url}: verify should fail:\n{}\n{}",
        r.stdout, r.stderr
    );
    for n in needles {
        assert!(r.stderr.contains(n), "{url}: no `{n}` in: {}", r.stderr);
    }
}

#[test]
fn verify_database_accepts_the_platform_chain_and_names_the_first_bad_entry() {
    let t = testkit::sqlite();
    let db = &t.db;
    let cast = testkit::cast(db);
    let park = cast.park;
    ledger::record_agreement(db, &cast.admin, park, testkit::AGREEMENT_B).unwrap();
    // Read with the importer `tandem ledger settle --revenues` uses.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("revenues.csv");
    std::fs::write(
        &csv,
        "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\n\
         E1,hehuai-zone,C35,,2023-01,vat_local_share,600000\n\
         E2,hehuai-zone,C35,,2023-01,vat_local_share,400001\n\
         E1,hehuai-zone,C35,,2023-02,vat_local_share,300000\n",
    )
    .unwrap();
    let records = tandem_ledger::import::read_revenues(&csv).unwrap();
    ledger::record_revenues(db, &cast.admin, park, &records).unwrap();
    let s = ledger::settle_park(
        db,
        &cast.admin,
        park,
        "2023-01".parse().unwrap(),
        "2023-02".parse().unwrap(),
        false,
    )
    .unwrap();
    assert!(s.head_seq >= 4, "too few entries to tamper with: {s:?}");
    let url = url_of(&t);
    let head = format!("{}:{}", s.head_seq, s.head_hash);

    // The untouched chain verifies, with and without the head the settlement answered.
    assert_eq!(
        ok_head(&verify(&["--database", &url])),
        (s.head_seq, head.clone())
    );
    assert_eq!(
        ok_head(&verify(&["--database", &url, "--head", &head])).0,
        s.head_seq
    );

    let Target::Sqlite(file) = &t.target else {
        unreachable!("testkit::sqlite gives a SQLite target")
    };
    let p = park.to_string();
    let in_park = format!("(park {p})");
    // An inflated amount: canonical and well-formed, only the hash can tell.
    let altered = tampered(
        file,
        dir.path(),
        "altered",
        "UPDATE ledger_entries SET content = REPLACE(content, '\"amount\":\"', '\"amount\":\"9') WHERE seq = 2;",
    );
    assert_bad(&altered, &[], &["entry #2 ", &in_park, "altered"]);
    // A row removed from the middle: the next row is where #3 was due.
    let removed = tampered(
        file,
        dir.path(),
        "removed",
        "DELETE FROM ledger_entries WHERE seq = 3;",
    );
    assert_bad(
        &removed,
        &[],
        &[
            "entry #4 ",
            &in_park,
            "expected entry #3",
            "removed or reordered",
        ],
    );
    // Two rows swapped (numbers kept in order, contents exchanged).
    let reordered = tampered(
        file,
        dir.path(),
        "reordered",
        "UPDATE ledger_entries SET seq = -2 WHERE seq = 2; \
         UPDATE ledger_entries SET seq = 2 WHERE seq = 3; \
         UPDATE ledger_entries SET seq = 3 WHERE seq = -2;",
    );
    assert_bad(&reordered, &[], &["entry #2 ", &in_park, "prev_hash"]);
    // An entry moved to another park's page (park_id is outside the hash).
    let other = cast.other_park;
    let moved = tampered(
        file,
        dir.path(),
        "moved",
        &format!("UPDATE ledger_entries SET park_id = {other} WHERE seq = 1;"),
    );
    assert_bad(
        &moved,
        &[],
        &[
            "entry #1 ",
            &format!("(park {other})"),
            &format!("belongs to park {park}"),
            "moved to another park",
        ],
    );
    // The last entry cut off: a valid, shorter chain, caught only against the kept head.
    let cut = tampered(
        file,
        dir.path(),
        "cut",
        &format!("DELETE FROM ledger_entries WHERE seq = {};", s.head_seq),
    );
    assert_eq!(ok_head(&verify(&["--database", &cut])).0, s.head_seq - 1);
    assert_bad(&cut, &["--head", &head], &["removed from the end"]);

    // Exactly one of FILE and --database (usage errors exit 1 like every user error); a
    // missing SQLite file is not created.
    for (args, says) in [
        (vec![], "required arguments were not provided"),
        (vec!["l.jsonl", "--database", &url], "cannot be used with"),
        (vec!["--database", &url, "--repair"], "cannot be used with"),
    ] {
        let r = verify(&args);
        assert_eq!(r.code, 1, "{args:?}: {}", r.stdout);
        assert!(r.stderr.contains(says), "{args:?}: {}", r.stderr);
    }
    let missing = dir.path().join("nothing-here.sqlite");
    let r = verify(&["--database", &format!("sqlite://{}", missing.display())]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("no platform database"), "{}", r.stderr);
    assert!(
        !missing.exists(),
        "verify created the database it was asked to check"
    );
}

// ---- kill -9 during settlement ----

/// Settling clients.
const WRITERS: usize = 4;
/// The server is killed once this many settlements were acknowledged...
const KILL_AFTER_SETTLEMENTS: usize = 24;
/// ...or after this long, whichever comes first.
const KILL_AT_LATEST: Duration = Duration::from_secs(30);
/// Month ranges each client settles a year in, one request each, in this order.
const RANGES: [(u8, u8); 5] = [(1, 3), (4, 4), (5, 8), (9, 11), (12, 12)];

/// Open-ended, so every client can take years of its own: 6:4 on VAT with a yearly floor for
/// the helped county, 5:5 on income tax with half of the county's share returned to the park.
const AGREEMENT: &str = r#"
id = "crash-park"
version = 1
title = "crash test: 6:4 on VAT with a yearly floor, 5:5 on income tax with a park return"
valid_from = "2001-01"
host = "host-zone"

[[parties]]
id = "helped-county"
role = "helped"

[[parties]]
id = "host-zone"
role = "park"

[scope]
parks = ["crash-park"]

[revenue.vat_local_share]
schedule = [{ from_year = 1, shares = { helped-county = 6000, host-zone = 4000 } }]
floors = [{ party = "helped-county", per_year = "500000", from = "host-zone" }]

[revenue.cit_local_share]
schedule = [{ from_year = 1, shares = { helped-county = 5000, host-zone = 5000 } }]
park_return_bp = 5000
park_return_to = "host-zone"
"#;

/// A whole year of revenues (two firms, two types, twelve months) as CSV, amounts varying
/// with the client and the year so that no two years settle alike.
fn year_csv(writer: usize, year: i32) -> String {
    let mut text =
        "enterprise_id,park_id,industry,recommended_by,period,revenue_type,amount\n".to_string();
    for m in 1..=12 {
        for (firm, base) in [("F1", 20_000), ("F2", 3_000)] {
            let vat = base + 137 * m + writer as i64 * 11 + i64::from(year % 100);
            text.push_str(&format!(
                "{firm},crash-park,C3612,,{year}-{m:02},vat_local_share,{vat}.{:02}\n",
                (m * 7 + year as i64) % 100
            ));
            text.push_str(&format!(
                "{firm},crash-park,C3612,,{year}-{m:02},cit_local_share,{}.01\n",
                base / 3 + m
            ));
        }
    }
    text
}

/// One settlement the server answered with 200: the range and the entries it reported.
#[derive(Clone, Debug)]
struct Acked {
    from: String,
    to: String,
    /// `{"seq": N, "entry": {...}}` as answered.
    entries: Vec<Value>,
}

/// What the clients saw.
#[derive(Default)]
struct Outcome {
    settlements: Vec<Acked>,
    /// Years whose revenues were acknowledged (201).
    years: Vec<i32>,
    /// Answers that are failures of the server, not of the kill.
    unexpected: Vec<String>,
}

/// Shared state of the burst.
struct Burst {
    api: Api,
    park: i64,
    killed: AtomicBool,
    settled: AtomicUsize,
    out: Mutex<Outcome>,
}

impl Burst {
    fn unexpected(&self, what: String) {
        if !self.killed.load(Ordering::SeqCst) {
            self.out.lock().unwrap().unexpected.push(what);
        }
    }
}

/// Client `w`: takes years 2001 + w, 2001 + w + WRITERS, ...; records each year's revenues,
/// settles it range by range, then settles the whole year again (must append nothing).
/// Stops when the server stops answering.
fn client(b: &Burst, w: usize) {
    let settle = |from: &str, to: &str| {
        b.api.post(
            &format!("/parks/{}/settle", b.park),
            &json!({"from": from, "to": to}),
        )
    };
    for n in 0.. {
        let year = 2001 + (w + WRITERS * n) as i32;
        match b.api.post_text(
            &format!("/parks/{}/revenues", b.park),
            "text/csv",
            year_csv(w, year),
        ) {
            Ok(r) if r.status == 201 && r.json["recorded"] == 48 => {
                b.out.lock().unwrap().years.push(year)
            }
            Ok(r) => return b.unexpected(format!("revenues {year}: {} {}", r.status, r.json)),
            Err(_) => return,
        }
        for (m0, m1) in RANGES {
            let (from, to) = (format!("{year}-{m0:02}"), format!("{year}-{m1:02}"));
            match settle(&from, &to) {
                Ok(r) if r.status == 200 => {
                    let entries = r.json["entries"].as_array().cloned().unwrap_or_default();
                    let appended = r.json["appended"].as_u64();
                    if entries.is_empty() || appended != Some(entries.len() as u64) {
                        b.unexpected(format!("settle {from}..{to}: {}", r.json));
                    }
                    b.out
                        .lock()
                        .unwrap()
                        .settlements
                        .push(Acked { from, to, entries });
                    b.settled.fetch_add(1, Ordering::SeqCst);
                }
                Ok(r) => {
                    return b.unexpected(format!("settle {from}..{to}: {} {}", r.status, r.json))
                }
                Err(_) => return,
            }
        }
        match settle(&format!("{year}-01"), &format!("{year}-12")) {
            Ok(r) if r.status == 200 && r.json["appended"] == 0 => {}
            Ok(r) => return b.unexpected(format!("re-settle {year}: {} {}", r.status, r.json)),
            Err(_) => return,
        }
    }
}

/// Records the agreement, runs the burst, kills the server, restarts and checks.
fn crash_and_check(t: &TestDb) {
    let url = url_of(t);
    // The cast's accounts have no known password; the client signs in as its own admin.
    let park = testkit::cast(&t.db).park;
    user_add(&url, "ledger-admin", "admin", &[]);
    let mut server = Server::start(&url);
    let api = Api::login(&server.base, "ledger-admin");
    let r = api
        .post_text(
            &format!("/parks/{park}/agreements"),
            "text/plain",
            AGREEMENT.into(),
        )
        .expect("record the agreement");
    assert_eq!(r.status, 201, "{}", r.json);

    let burst = Arc::new(Burst {
        api,
        park,
        killed: AtomicBool::new(false),
        settled: AtomicUsize::new(0),
        out: Mutex::new(Outcome::default()),
    });
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let b = burst.clone();
            std::thread::spawn(move || client(&b, w))
        })
        .collect();
    let start = Instant::now();
    while burst.settled.load(Ordering::SeqCst) < KILL_AFTER_SETTLEMENTS
        && start.elapsed() < KILL_AT_LATEST
    {
        std::thread::sleep(Duration::from_millis(5));
    }
    burst.killed.store(true, Ordering::SeqCst);
    server.kill();
    for th in threads {
        th.join().expect("a client thread panicked");
    }
    let outcome = std::mem::take(&mut *burst.out.lock().unwrap());
    assert!(
        outcome.unexpected.is_empty(),
        "unexpected answers during the burst: {:#?}",
        outcome.unexpected
    );
    let acked = outcome.settlements;
    eprintln!(
        "{url}: {} settlements ({} entries) and {} years of revenues acknowledged before SIGKILL at {:?}",
        acked.len(),
        acked.iter().map(|a| a.entries.len()).sum::<usize>(),
        outcome.years.len(),
        start.elapsed()
    );
    assert!(
        acked.len() >= KILL_AFTER_SETTLEMENTS,
        "too few acknowledged settlements to test anything: {}",
        acked.len()
    );
    if let Target::Sqlite(file) = &t.target {
        assert_sqlite_intact(file);
    }

    // The chain the killed server left verifies, and holds at least every acknowledged entry.
    let (count, head) = ok_head(&verify(&["--database", &url]));
    let last_acked = acked
        .iter()
        .flat_map(|a| &a.entries)
        .filter_map(|e| e["seq"].as_u64())
        .max()
        .unwrap_or(0);
    assert!(
        count >= last_acked,
        "{count} entries < acknowledged #{last_acked}"
    );

    // Restart: every acknowledged entry is stored under its number, identical.
    let server = Server::start(&url);
    let api = Api::login(&server.base, "ledger-admin");
    let r = api
        .get(&format!("/parks/{park}/ledger"))
        .expect("GET the ledger");
    assert_eq!(r.status, 200, "{}", r.json);
    let stored: BTreeMap<u64, &Value> = r.json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| (e["seq"].as_u64().expect("seq"), &e["entry"]))
        .collect();
    assert_eq!(stored.len() as u64, count, "the park holds the whole chain");
    let mut lost = Vec::new();
    for a in &acked {
        for e in &a.entries {
            let seq = e["seq"].as_u64().expect("an acknowledged seq");
            if stored.get(&seq) != Some(&&e["entry"]) {
                lost.push(format!(
                    "{}..{} #{seq}: acknowledged {} but stored {:?}",
                    a.from,
                    a.to,
                    e["entry"],
                    stored.get(&seq)
                ));
            }
        }
    }
    assert!(
        lost.is_empty(),
        "acknowledged entries lost or changed: {lost:#?}"
    );

    // Settling an acknowledged range again appends nothing.
    for a in &acked {
        let r = api
            .post(
                &format!("/parks/{park}/settle"),
                &json!({"from": a.from, "to": a.to}),
            )
            .expect("re-settle after the restart");
        assert_eq!(r.status, 200, "{}..{}: {}", a.from, a.to, r.json);
        assert_eq!(r.json["appended"], 0, "{}..{}: {}", a.from, a.to, r.json);
        assert_eq!(r.json["head_seq"], count, "{}", r.json);
    }
    // Nothing was appended by any of it: the head is the one the crash left.
    assert_eq!(
        ok_head(&verify(&["--database", &url, "--head", &head])).0,
        count
    );
    // Years cut off mid-settlement settle cleanly after the restart, and the chain still
    // verifies.
    for year in &outcome.years {
        let r = api
            .post(
                &format!("/parks/{park}/settle"),
                &json!({"from": format!("{year}-01"), "to": format!("{year}-12")}),
            )
            .expect("settle a whole year after the restart");
        assert_eq!(r.status, 200, "{year}: {}", r.json);
    }
    let (after, _) = ok_head(&verify(&["--database", &url]));
    assert!(after >= count);
    drop(server);
}

#[test]
fn sqlite_ledger_keeps_every_acknowledged_settlement_across_kill_9() {
    crash_and_check(&testkit::sqlite());
}

#[test]
fn postgres_ledger_keeps_every_acknowledged_settlement_across_kill_9() {
    // Panics when $TANDEM_REQUIRE_POSTGRES=1 and no server is configured.
    let Some(t) = testkit::postgres() else {
        eprintln!("TANDEM_TEST_POSTGRES is not set: the PostgreSQL ledger crash test is skipped");
        return;
    };
    crash_and_check(&t);
}
