//! tandem's operating platform over HTTP.
//!
//! * `/api/…` — the JSON API for every record type, with pagination, filters, ETags and
//!   `If-Match`, the project lifecycle, histories, the dashboard, XLSX import and export,
//!   described by `/api/openapi.json`;
//! * `/…` — the server-rendered web UI in Chinese and English (dashboard with map, pair pages
//!   with the advisor's diagnosis from live records plus statistics, park and project pages,
//!   the plan board, forms for every record type, history pages).
//!
//! Handlers are thin: state is explicit ([`AppState`]), the signed-in user comes from an
//! extractor ([`session::ApiSession`], [`session::PageSession`]), and everything else is in
//! `tandem_platform`.

pub mod admin;
pub mod api;
pub mod docking;
pub mod error;
pub mod ledger_ui;
pub mod live;
pub mod net;
pub mod openapi;
pub mod session;
pub mod ui;
pub mod upload;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use error::ApiError;
use session::{blocking, LoginLimiter};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tandem_platform::dashboard::Dashboard;
use tandem_platform::{auth, Db, User};

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub limiter: Arc<LoginLimiter>,
    /// Slots for password checks ([`PASSWORD_CHECKS_AT_ONCE`]).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Proxies whose `X-Forwarded-For` is believed (`tandem serve --trusted-proxy`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    pub sessions: Arc<session::SessionCache>,
    dashboards: Arc<Mutex<HashMap<String, CachedDashboard>>>,
}

struct CachedDashboard {
    generation: u64,
    at: Instant,
    value: Arc<DashboardView>,
}

/// A computed dashboard and its renderings, each made on first use and shared by every user
/// with the same read filters until the data changes: the JSON and the HTML body are the
/// costly parts of a dashboard request once the figures are cached.
#[derive(Debug)]
pub struct DashboardView {
    pub figures: Dashboard,
    json: std::sync::OnceLock<axum::body::Bytes>,
    /// The page body (without the per-user header) per language: [Chinese, English].
    page_body: [std::sync::OnceLock<Arc<str>>; 2],
}

impl DashboardView {
    fn new(figures: Dashboard) -> DashboardView {
        DashboardView {
            figures,
            json: Default::default(),
            page_body: Default::default(),
        }
    }

    /// The figures as JSON, serialised once.
    pub fn json(&self) -> axum::body::Bytes {
        self.json
            .get_or_init(|| match serde_json::to_vec(&self.figures) {
                Ok(v) => v.into(),
                // A plain struct of numbers and strings always serialises; keep a valid body.
                Err(e) => serde_json::json!({ "error": e.to_string() })
                    .to_string()
                    .into(),
            })
            .clone()
    }

    /// The page body in `lang`, rendered once by `render`.
    pub fn page_body(
        &self,
        lang: tandem_report::Lang,
        render: impl FnOnce() -> String,
    ) -> Arc<str> {
        let slot = match lang {
            tandem_report::Lang::Zh => &self.page_body[0],
            tandem_report::Lang::En => &self.page_body[1],
        };
        slot.get_or_init(|| render().into()).clone()
    }
}

impl std::ops::Deref for DashboardView {
    type Target = Dashboard;
    fn deref(&self) -> &Dashboard {
        &self.figures
    }
}

/// How long a cached dashboard may be served without checking for writes by *other*
/// processes sharing a PostgreSQL database (writes by this process invalidate it at once; the
/// embedded SQLite database has no other writers of platform records).
pub const DASHBOARD_MAX_AGE: Duration = Duration::from_secs(2);

impl AppState {
    /// Believes `X-Forwarded-For` from these proxies only.
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> AppState {
        self.trusted_proxies = Arc::new(proxies);
        self
    }

    /// The client address the login limiter keys on (see [`session::client_key`]).
    pub fn client_key(
        &self,
        peer: std::net::SocketAddr,
        headers: &axum::http::HeaderMap,
    ) -> String {
        session::client_key(Some(peer), headers, &self.trusted_proxies)
    }

    /// The state for `db`, trusting no proxy.
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            limiter: Arc::new(LoginLimiter::default()),
            password_checks: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE)),
            trusted_proxies: Arc::default(),
            sessions: Arc::default(),
            dashboards: Arc::default(),
        }
    }
}

/// The dashboard for a user, recomputed only when the data changed. Users who see the same
/// rows (the same read filter) share one cached copy.
pub async fn cached_dashboard(
    state: &AppState,
    user: &User,
) -> Result<Arc<DashboardView>, ApiError> {
    let key = format!(
        "{:?}|{:?}",
        auth::read_filter(user, "projects"),
        auth::read_filter(user, "tasks")
    );
    let generation = state.db.generation();
    if let Some(c) = state
        .dashboards
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        // Only PostgreSQL can be written by other processes that this one does not hear of.
        let fresh_enough = state.db.engine() == tandem_platform::Engine::Sqlite
            || c.at.elapsed() < DASHBOARD_MAX_AGE;
        if c.generation == generation && fresh_enough {
            return Ok(c.value.clone());
        }
    }
    let db = state.db.clone();
    let u = user.clone();
    let value = Arc::new(DashboardView::new(
        blocking(move || tandem_platform::dashboard::dashboard(&db, &u)).await??,
    ));
    let mut map = state.dashboards.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 10_000 {
        map.clear();
    }
    map.insert(
        key,
        CachedDashboard {
            generation,
            at: Instant::now(),
            value: value.clone(),
        },
    );
    Ok(value)
}

/// How many password checks (argon2id, 19 MiB and tens of milliseconds each) run at once; the
/// rest wait up to [`PASSWORD_CHECK_WAIT`], so a burst of sign-ins cannot exhaust memory.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 4;
/// How long a sign-in waits for a password check slot before the server answers 503.
pub const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(10);

/// Signs a user in: bounded input, rate limit (the attempt counts before the password is
/// checked), a bounded number of concurrent password checks, credentials, new session.
/// Returns (user, token, csrf).
pub async fn sign_in(
    state: &AppState,
    client: &str,
    username: &str,
    password: &str,
) -> Result<(User, String, String), ApiError> {
    use session::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
    if username.len() > MAX_USERNAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "a user name has at most {MAX_USERNAME_BYTES} bytes and a password at most \
             {MAX_PASSWORD_BYTES}"
        )));
    }
    if let Err(wait) = state.limiter.attempt(client, username) {
        return Err(ApiError::TooManyAttempts { retry_after: wait });
    }
    let permit = match tokio::time::timeout(
        PASSWORD_CHECK_WAIT,
        state.password_checks.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        _ => {
            // Not the user's failure: the server is busy.
            state.limiter.withdraw(client, username);
            return Err(ApiError::Busy { retry_after: 5 });
        }
    };
    let db = state.db.clone();
    let (name, pw) = (username.to_string(), password.to_string());
    let found = blocking(move || -> Result<_, tandem_platform::DbError> {
        let user = db.read(|c| auth::check_credentials(c, &name, &pw))?;
        drop(permit);
        match user {
            Some(u) => {
                let (token, csrf) = db.write(|c| {
                    tandem_platform::accounts::note_sign_in(c, u.id)?;
                    auth::start_session(c, u.id)
                })?;
                Ok(Some((u, token, csrf)))
            }
            None => Ok(None),
        }
    })
    .await??;
    match found {
        Some(ok) => {
            state.limiter.succeeded(client, username);
            Ok(ok)
        }
        None => Err(ApiError::Platform(
            tandem_platform::PlatformError::Forbidden("wrong user name or password".into()),
        )),
    }
}

/// An XLSX file as a download.
pub fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Security headers on every response: no framing, no sniffing, a strict content policy
/// (pages use inline style but no script).
async fn security_headers(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let mut r = next.run(req).await;
    let h = r.headers_mut();
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert("referrer-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    r
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/login", post(api::login))
        .route("/logout", post(api::logout))
        .route("/me", get(api::me))
        .route("/dashboard", get(api::dashboard))
        .route("/openapi.json", get(api::openapi))
        .route(
            "/sheets/{entity}",
            get(api::export_sheet).post(api::import_sheet),
        )
        .route("/projects/{id}/stages", get(api::stages).post(api::advance))
        .route("/parks/{id}/ledger", get(ledger_ui::api_ledger))
        .route(
            "/parks/{id}/agreements",
            post(ledger_ui::api_record_agreement),
        )
        .route("/parks/{id}/revenues", post(ledger_ui::api_record_revenues))
        .route("/parks/{id}/settle", post(ledger_ui::api_settle))
        .route("/ledger/verify", get(ledger_ui::api_verify))
        .merge(docking::api_routes())
        .merge(admin::api_routes())
        .route("/{entity}", get(api::list).post(api::create))
        .route(
            "/{entity}/{id}",
            get(api::get_one).patch(api::update).delete(api::delete),
        )
        .route("/{entity}/{id}/history", get(api::history))
        .fallback(api::not_found);
    Router::new()
        .nest("/api", api)
        .merge(ui::routes())
        .merge(admin::page_routes())
        .route("/healthz", get(|| async { "ok" }))
        // Paths no route takes (e.g. `/api/` itself): the API's JSON 404 for `/api…`, so API
        // clients always get a body that says what is wrong.
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api") {
                api::not_found().await.into_response()
            } else {
                (axum::http::StatusCode::NOT_FOUND, "not found").into_response()
            }
        })
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves until Ctrl-C / SIGTERM with the limits of `options` (see [`net`]). `on_ready` gets
/// the bound address (port 0 picks one).
pub async fn serve(
    db: Db,
    options: net::ServeOptions,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    on_ready(listener.local_addr()?);
    let state = AppState::new(db).with_trusted_proxies(options.trusted_proxies.clone());
    net::serve_on(listener, router(state), &options, shutdown_signal()).await
}

/// Resolves at Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
