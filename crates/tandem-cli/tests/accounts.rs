//! Account management and private files (issue #12) through the real `tandem` binary and a
//! running `tandem serve`: `tandem user disable` stops sign-in and ends a live session,
//! `enable` restores sign-in, `reset-password` ends sessions and retires the old password,
//! `end-sessions` signs a user out, unknown names exit 1; record names with bidirectional
//! control characters are refused (422) by the API; the SQLite database, its -wal and -shm
//! files, the workspace database and backup files are created 0600.
//!
//! The account test runs on SQLite always, and on PostgreSQL when `$TANDEM_TEST_POSTGRES`
//! names a server (a fresh database is created and dropped afterwards).

#[path = "support/platform.rs"]
mod platform;

use platform::{agent, tandem, user_add, Api, Server, PASSWORD};
use serde_json::json;
use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `tandem ARGS` with `stdin` as standard input and no $TANDEM_PASSWORD.
fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = tandem()
        .args(args)
        .env_remove("TANDEM_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tandem runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `tandem user ACTION --database DB --username NAME`, which must succeed.
fn user(action: &str, db: &str, name: &str, stdin: &str) -> String {
    let o = run(
        &["user", action, "--database", db, "--username", name],
        stdin,
    );
    assert!(o.status.success(), "tandem user {action}: {}", text(&o));
    text(&o)
}

/// The status of `POST /api/login` with this password.
fn login_status(base: &str, username: &str, password: &str) -> u16 {
    agent()
        .post(format!("{base}/api/login"))
        .header("Content-Type", "application/json")
        .send(json!({"username": username, "password": password}).to_string())
        .expect("the server answers")
        .status()
        .as_u16()
}

/// Waits until the session stops working (another process's change reaches the server's
/// session cache within its 5 seconds); returns how long it took.
fn until_signed_out(api: &Api) -> Duration {
    let start = Instant::now();
    loop {
        let status = api.get("/me").unwrap().status;
        if status == 401 {
            return start.elapsed();
        }
        assert_eq!(status, 200);
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the session still works 15 s after the change"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn accounts_on(db: &str) {
    user_add(db, "admin", "admin", &[]);
    user_add(
        db,
        "li",
        "officer",
        &["--pair", "pair-xuzhou-huaibei", "--side", "helped"],
    );
    let server = Server::start(db);
    let base = server.base.clone();
    let li = Api::login(&base, "li");
    assert_eq!(li.get("/me").unwrap().status, 200);

    let out = user("disable", db, "li", "");
    assert!(out.contains("disabled li"), "{out}");
    assert!(until_signed_out(&li) <= Duration::from_secs(7));
    assert_eq!(login_status(&base, "li", PASSWORD), 403);
    let list = run(&["user", "list", "--database", db], "");
    let line = String::from_utf8_lossy(&list.stdout)
        .lines()
        .find(|l| l.contains("\tli\t"))
        .map(str::to_string)
        .expect("li is listed");
    assert!(line.contains("\tdisabled\t"), "{line}");

    user("enable", db, "li", "");
    assert_eq!(login_status(&base, "li", PASSWORD), 200);
    let li = Api::login(&base, "li");
    let out = user("reset-password", db, "li", "a brand new secret\n");
    assert!(out.contains("set a new password for li"), "{out}");
    until_signed_out(&li);
    assert_eq!(login_status(&base, "li", PASSWORD), 403);
    assert_eq!(login_status(&base, "li", "a brand new secret"), 200);

    let admin = Api::login(&base, "admin");
    user("end-sessions", db, "admin", "");
    until_signed_out(&admin);

    // Mistakes exit 1 and say what to do.
    let o = run(
        &["user", "disable", "--database", db, "--username", "nobody"],
        "",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("no account \"nobody\"") && text(&o).contains("tandem user list"),
        "{}",
        text(&o)
    );
    let o = run(
        &[
            "user",
            "reset-password",
            "--database",
            db,
            "--username",
            "li",
        ],
        "short\n",
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("at least 8 characters"), "{}", text(&o));
    assert_eq!(login_status(&base, "li", "a brand new secret"), 200);
    bidi_refused(&base);
}

/// Names with bidirectional control characters are refused by the API (422, rule named).
fn bidi_refused(base: &str) {
    let admin = Api::login(base, "admin");
    for (path, body) in [
        (
            "/parks",
            json!({"pair_id": "pair-xuzhou-huaibei", "name": "徐淮\u{202E}园区", "locality_id": "ah-huaibei"}),
        ),
        (
            "/enterprises",
            json!({"name": "Acme\u{2067}Ltd", "origin_locality_id": "js-xuzhou"}),
        ),
    ] {
        let r = admin.post(path, &body).unwrap();
        assert_eq!(r.status, 422, "{path}: {:?}", r.json);
        assert_eq!(r.json["errors"][0]["rule"], json!("bidi_control"), "{path}");
    }
}

#[test]
fn accounts_are_disabled_enabled_and_reset_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    accounts_on(&format!("sqlite://{}", dir.path().join("p.db").display()));
}

/// Drops the test's PostgreSQL database when the test ends, whatever happened.
struct DropDatabase(String, String);

impl Drop for DropDatabase {
    fn drop(&mut self) {
        tandem_platform::testkit::drop_postgres_database(self.0.clone(), self.1.clone());
    }
}

#[test]
fn accounts_are_disabled_enabled_and_reset_on_postgres() {
    let Some((target, admin_url, name)) = tandem_platform::testkit::postgres_empty() else {
        eprintln!("TANDEM_TEST_POSTGRES is not set: the PostgreSQL account test is skipped");
        return;
    };
    let _guard = DropDatabase(admin_url, name);
    let tandem_platform::Target::Postgres(url) = target else {
        panic!("postgres_empty gave a non-PostgreSQL target");
    };
    accounts_on(&url);
}

/// Runs `tandem ARGS` under the common umask 022, with which files were created 0644.
#[cfg(unix)]
fn run_umask_022(args: &[&str], password: Option<&str>) -> Output {
    let mut cmd = std::process::Command::new("sh");
    cmd.args([
        "-c",
        "umask 022 && exec \"$0\" \"$@\"",
        platform::tandem_bin(),
    ])
    .args(args)
    .env_remove("TANDEM_PLATFORM_DB")
    .env_remove("TANDEM_DB")
    .stdin(Stdio::null());
    match password {
        Some(p) => cmd.env("TANDEM_PASSWORD", p),
        None => cmd.env_remove("TANDEM_PASSWORD"),
    };
    cmd.output().expect("sh runs tandem")
}

#[cfg(unix)]
#[test]
fn database_backup_and_workspace_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data").join("p.db");
    let db = format!("sqlite://{}", file.display());
    let o = run_umask_022(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--username",
            "admin",
            "--role",
            "admin",
        ],
        Some(PASSWORD),
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&file), 0o600, "the database file");
    assert_eq!(mode(&dir.path().join("data")), 0o700, "its new folder");
    // While the server runs, the write-ahead log and shared memory exist.
    let server = Server::start(&db);
    let _admin = Api::login(&server.base, "admin");
    for suffix in ["-wal", "-shm"] {
        let f = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    let out = dir.path().join("backup.json");
    let o = run_umask_022(&["backup", "--database", &db, out.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&out), 0o600, "the backup file");
    drop(server);

    // A database created 0644 by an earlier tandem is made private when next opened.
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run_umask_022(&["user", "list", "--database", &db], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&file), 0o600);

    // The workspace database of imported statistics too.
    let ws = dir.path().join("ws").join("workspace.sqlite");
    let o = run_umask_022(&["data", "list", "--db", ws.to_str().unwrap()], None);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(mode(&ws), 0o600, "the workspace database");
}

/// `tandem serve --log info --log-format json`: one JSON line per request with the route
/// template (never the raw path or query), the status, the latency and the signed-in user's
/// id; quiet by default (no line for a good request).
#[test]
fn the_server_logs_requests_as_json_when_asked() {
    use std::sync::{Arc, Mutex};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    user_add(&db, "ops", "admin", &[]);
    let log = Arc::new(Mutex::new(String::new()));
    let mut server = Server::start_with(
        &db,
        &["--log", "info", "--log-format", "json"],
        Some(log.clone()),
    );
    let api = Api::login(&server.base, "ops");
    assert_eq!(api.get("/me").unwrap().status, 200);
    assert_eq!(api.get("/projects/secret-id-42?x=1").unwrap().status, 404);
    let deadline = Instant::now() + Duration::from_secs(10);
    let lines = loop {
        let text = log.lock().unwrap().clone();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines
            .iter()
            .filter(|l| l["fields"]["status"].is_u64())
            .count()
            >= 3
            || Instant::now() > deadline
        {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    server.kill();
    let me = lines
        .iter()
        .find(|l| l["span"]["route"] == "/api/me")
        .unwrap_or_else(|| panic!("no /api/me line in {lines:?}"));
    assert_eq!(me["fields"]["status"], 200);
    assert_eq!(me["level"], "INFO");
    assert!(me["fields"]["latency_ms"].as_f64().is_some());
    assert!(me["span"]["user"].as_i64().is_some_and(|id| id > 0), "{me}");
    assert_eq!(me["span"]["method"], "GET");
    let missing = lines
        .iter()
        .find(|l| l["fields"]["status"] == 404)
        .unwrap_or_else(|| panic!("no 404 line in {lines:?}"));
    assert_eq!(missing["span"]["route"], "/api/{entity}/{id}");
    let all = log.lock().unwrap().clone();
    assert!(
        !all.contains("secret-id-42") && !all.contains("x=1"),
        "{all}"
    );
    // Quiet by default: the same requests print nothing at the default level.
    let quiet = Arc::new(Mutex::new(String::new()));
    let mut server = Server::start_with(&db, &[], Some(quiet.clone()));
    let api = Api::login(&server.base, "ops");
    assert_eq!(api.get("/me").unwrap().status, 200);
    std::thread::sleep(Duration::from_millis(300));
    server.kill();
    assert_eq!(quiet.lock().unwrap().as_str(), "");
}
