//! The real `tandem serve` and `tandem user add` for end-to-end tests, and a small JSON API
//! client over ureq (session cookie and CSRF token handled by hand: ureq is built without its
//! cookie store).

#![allow(dead_code)]

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

/// The password of every account the tests create.
pub const PASSWORD: &str = "a long test password 17";

/// The `tandem` binary under test.
pub fn tandem_bin() -> &'static str {
    env!("CARGO_BIN_EXE_tandem")
}

/// A `tandem` command with the environment cleared of settings that would redirect it.
pub fn tandem() -> Command {
    let mut c = Command::new(tandem_bin());
    c.env_remove("TANDEM_PLATFORM_DB").env_remove("TANDEM_DB");
    c
}

/// Creates an account with `tandem user add`; `extra` are the role's binding options
/// (`--pair P --side S`, `--park ID`…). Panics with the command's output when it fails.
pub fn user_add(database: &str, username: &str, role: &str, extra: &[&str]) {
    let out = tandem()
        .args([
            "user",
            "add",
            "--database",
            database,
            "--username",
            username,
            "--role",
            role,
        ])
        .args(extra)
        .env("TANDEM_PASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("the tandem binary runs");
    assert!(
        out.status.success(),
        "tandem user add {username} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("created user {username}")),
        "tandem user add {username} did not confirm: {}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A running `tandem serve`, killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub base: String,
}

impl Server {
    /// Starts `tandem serve --database DATABASE --listen 127.0.0.1:0` and waits (up to 60 s:
    /// the first start migrates and seeds) for the `open http://ADDR/` line.
    pub fn start(database: &str) -> Server {
        Server::start_with(database, &[], None)
    }

    /// As [`Server::start`] with `extra` arguments; with `log`, the server's standard error
    /// is collected there (else it is the test's).
    pub fn start_with(database: &str, extra: &[&str], log: Option<Arc<Mutex<String>>>) -> Server {
        let mut child = tandem()
            .args(["serve", "--database", database, "--listen", "127.0.0.1:0"])
            .args(extra)
            .env_remove("TANDEM_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(if log.is_some() {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .expect("tandem serve starts");
        if let (Some(log), Some(stderr)) = (log, child.stderr.take()) {
            std::thread::spawn(move || {
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    let mut l = log.lock().unwrap();
                    l.push_str(&line);
                    l.push('\n');
                }
            });
        }
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel();
        // Keeps reading after the address is known so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if !sent {
                    if let Some(rest) = line.strip_prefix("open http://") {
                        let addr = rest.split('/').next().unwrap_or("").to_string();
                        let _ = tx.send(addr);
                        sent = true;
                    }
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!("tandem serve --database {database} did not print `open http://ADDR/` within 60 s");
            }
        };
        Server {
            child,
            base: format!("http://{addr}"),
        }
    }

    /// Kills the server with SIGKILL (no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A signed-in API client: cookie and CSRF token of one session.
#[derive(Clone)]
pub struct Api {
    pub agent: ureq::Agent,
    pub base: String,
    cookie: String,
    csrf: String,
}

/// An HTTP answer: status and body (JSON when it parses, else the text as a string).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub json: Value,
}

/// An agent that returns 4xx/5xx as answers instead of errors, with a per-request limit.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn reply(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<Reply, ureq::Error> {
    let mut r = result?;
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string()?;
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok(Reply { status, json })
}

impl Api {
    /// Signs in with `POST /api/login`; panics unless it answers 200 with a session cookie.
    pub fn login(base: &str, username: &str) -> Api {
        let agent = agent();
        let body = serde_json::json!({"username": username, "password": PASSWORD}).to_string();
        let mut r = agent
            .post(format!("{base}/api/login"))
            .header("Content-Type", "application/json")
            .send(body)
            .expect("POST /api/login reaches the server");
        let status = r.status().as_u16();
        let cookie = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| {
                v.split(';')
                    .next()
                    .filter(|kv| kv.starts_with("tandem_session="))
            })
            .map(str::to_string);
        let text = r.body_mut().read_to_string().unwrap_or_default();
        assert_eq!(status, 200, "login as {username}: {text}");
        let json: Value = serde_json::from_str(&text).expect("login answers JSON");
        let csrf = json["csrf_token"]
            .as_str()
            .expect("login gives csrf_token")
            .to_string();
        Api {
            agent,
            base: base.to_string(),
            cookie: cookie.expect("login sets the tandem_session cookie"),
            csrf,
        }
    }

    /// `GET /api{path}`.
    pub fn get(&self, path: &str) -> Result<Reply, ureq::Error> {
        reply(
            self.agent
                .get(format!("{}/api{path}", self.base))
                .header("Cookie", &self.cookie)
                .call(),
        )
    }

    /// `POST /api{path}` with a JSON body, the cookie and the CSRF token.
    pub fn post(&self, path: &str, body: &Value) -> Result<Reply, ureq::Error> {
        self.post_text(path, "application/json", body.to_string())
    }

    /// `POST /api{path}` with a binary body (an XLSX workbook…), the cookie and the CSRF token.
    pub fn post_bytes(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Reply, ureq::Error> {
        reply(
            self.agent
                .post(format!("{}/api{path}", self.base))
                .header("Cookie", &self.cookie)
                .header("X-CSRF-Token", &self.csrf)
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    /// `POST /api{path}` with a body of any type (CSV, TOML…), the cookie and the CSRF token.
    pub fn post_text(
        &self,
        path: &str,
        content_type: &str,
        body: String,
    ) -> Result<Reply, ureq::Error> {
        reply(
            self.agent
                .post(format!("{}/api{path}", self.base))
                .header("Cookie", &self.cookie)
                .header("X-CSRF-Token", &self.csrf)
                .header("Content-Type", content_type)
                .send(body),
        )
    }
}

/// Asserts that a SQLite file a killed server left behind passes `PRAGMA integrity_check`
/// and has no foreign-key violations. Opening it replays the write-ahead log.
pub fn assert_sqlite_intact(file: &std::path::Path) {
    let c = rusqlite::Connection::open(file).expect("open the crashed SQLite file");
    let check: Vec<String> = c
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        check,
        vec!["ok".to_string()],
        "integrity_check after the crash"
    );
    let fk: i64 = c
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk, 0, "foreign-key violations after the crash");
}
