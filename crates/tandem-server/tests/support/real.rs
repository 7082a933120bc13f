//! The real server on loopback: tandem's own accept loop (`net::serve_on`, with its limits)
//! over a real TCP socket, and a small HTTP client over ureq that keeps one session's cookie
//! and CSRF token. The attacks of issue #12 are replayed through this, not through the router
//! alone, because some of them (slow headers, connection floods) only exist on a socket.

use serde_json::Value;
use std::net::SocketAddr;
use std::time::Duration;
use tandem_server::net::ServeOptions;

/// A running server; stopped when dropped.
pub struct RealServer {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub state: tandem_server::AppState,
    runtime: Option<tokio::runtime::Runtime>,
}

impl RealServer {
    /// Starts a server over `db` with the default limits.
    pub fn start(db: tandem_platform::Db) -> RealServer {
        RealServer::start_with(db, |_| {})
    }

    /// Starts a server over `db` with the options `tweak` sets.
    pub fn start_with(
        db: tandem_platform::Db,
        tweak: impl FnOnce(&mut ServeOptions),
    ) -> RealServer {
        let mut options = ServeOptions::new(([127, 0, 0, 1], 0).into());
        tweak(&mut options);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(options.listen))
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("bound address");
        let state =
            tandem_server::AppState::new(db).with_trusted_proxies(options.trusted_proxies.clone());
        let app = tandem_server::router(state.clone());
        runtime.spawn(async move {
            let _ =
                tandem_server::net::serve_on(listener, app, &options, std::future::pending()).await;
        });
        RealServer {
            addr,
            base: format!("http://{addr}"),
            state,
            runtime: Some(runtime),
        }
    }

    /// A client without a session.
    pub fn client(&self) -> Http {
        Http {
            agent: agent(),
            base: self.base.clone(),
            cookie: None,
            csrf: None,
        }
    }

    /// A client signed in as `username` (password [`tandem_platform::testkit::PASSWORD`]).
    pub fn login(&self, username: &str) -> Http {
        let mut c = self.client();
        let r = c.post(
            "/api/login",
            &serde_json::json!({"username": username, "password": tandem_platform::testkit::PASSWORD}),
        );
        assert_eq!(r.status, 200, "login as {username}: {}", r.text);
        c.cookie = r
            .set_cookie
            .as_ref()
            .and_then(|v| v.split(';').next())
            .map(str::to_string);
        c.csrf = r.json()["csrf_token"].as_str().map(str::to_string);
        assert!(
            c.cookie.is_some() && c.csrf.is_some(),
            "login gave no session"
        );
        c
    }

    /// Whether the server still answers `/healthz`.
    pub fn healthy(&self) -> bool {
        let r = self.client().get("/healthz");
        r.status == 200 && r.text == "ok"
    }
}

impl Drop for RealServer {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// An agent that returns 4xx/5xx as answers, does not follow redirects, and gives up after
/// 30 s.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// A client of the real server.
#[derive(Clone)]
pub struct Http {
    pub agent: ureq::Agent,
    pub base: String,
    /// `tandem_session=…`.
    pub cookie: Option<String>,
    pub csrf: Option<String>,
}

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub text: String,
    pub location: Option<String>,
    pub set_cookie: Option<String>,
}

impl Answer {
    /// The body as JSON (panics with the body when it is not).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

impl Http {
    /// Sends a request; `body` with its content type. Adds the cookie, and the CSRF token to
    /// anything but GET.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        if let Some(c) = &self.cookie {
            req = req.header("cookie", c);
        }
        if method != "GET" {
            if let Some(t) = &self.csrf {
                req = req.header("x-csrf-token", t);
            }
        }
        let (ctype, bytes) = body.unwrap_or(("text/plain", Vec::new()));
        if !bytes.is_empty() {
            req = req.header("content-type", ctype);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(bytes).expect("a well-formed request");
        let mut r = self.agent.run(req).expect("the server answers");
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let (location, set_cookie) = (header("location"), header("set-cookie"));
        Answer {
            status: r.status().as_u16(),
            text: r.body_mut().read_to_string().unwrap_or_default(),
            location,
            set_cookie,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, &[])
    }

    pub fn post(&self, path: &str, body: &Value) -> Answer {
        self.send(
            "POST",
            path,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }

    pub fn patch(&self, path: &str, body: &Value) -> Answer {
        self.send(
            "PATCH",
            path,
            Some(("application/json", body.to_string().into_bytes())),
            &[],
        )
    }

    /// A form post (`application/x-www-form-urlencoded`).
    pub fn form(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", url_encode(k), url_encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            "POST",
            path,
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            &[],
        )
    }
}

/// Percent-encodes everything but unreserved characters.
pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
