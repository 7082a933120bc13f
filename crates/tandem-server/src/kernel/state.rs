use crate::kernel::error::ApiError;
use crate::kernel::run::blocking;
use crate::kernel::session_cache::SessionCache;
use crate::kernel::throttle::{client_key, LoginLimiter};
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
    /// Failed survey-link lookups per client (a separate count from sign-ins): guessing
    /// links is refused after a few misses, like guessing passwords.
    pub survey_limiter: Arc<LoginLimiter>,
    /// Slots for password checks ([`PASSWORD_CHECKS_AT_ONCE`]).
    pub password_checks: Arc<tokio::sync::Semaphore>,
    /// Proxies whose `X-Forwarded-For` is believed (`tandem serve --trusted-proxy`).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    pub sessions: Arc<SessionCache>,
    dashboards: Arc<Mutex<HashMap<String, CachedDashboard>>>,
}

pub(crate) struct CachedDashboard {
    generation: u64,
    at: Instant,
    value: Arc<DashboardView>,
}

/// A computed dashboard and its renderings, each made on first use and shared by every user
/// with the same read filters until the data changes: the JSON and the HTML body are the
/// costly parts of a dashboard request once the figures are cached.
#[derive(Debug)]
pub(crate) struct DashboardView {
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

    /// The client address the login limiter keys on (see [`client_key`]).
    pub fn client_key(
        &self,
        peer: std::net::SocketAddr,
        headers: &axum::http::HeaderMap,
    ) -> String {
        client_key(Some(peer), headers, &self.trusted_proxies)
    }

    /// The state for `db`, trusting no proxy.
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            limiter: Arc::new(LoginLimiter::default()),
            survey_limiter: Arc::new(LoginLimiter::default()),
            password_checks: Arc::new(tokio::sync::Semaphore::new(PASSWORD_CHECKS_AT_ONCE)),
            trusted_proxies: Arc::default(),
            sessions: Arc::default(),
            dashboards: Arc::default(),
        }
    }
}

/// How many password checks (argon2id, 19 MiB and tens of milliseconds each) run at once; the
/// rest wait up to [`PASSWORD_CHECK_WAIT`], so a burst of sign-ins cannot exhaust memory.
pub const PASSWORD_CHECKS_AT_ONCE: usize = 4;

/// How long a sign-in waits for a password check slot before the server answers 503.
pub(crate) const PASSWORD_CHECK_WAIT: Duration = Duration::from_secs(10);

/// The dashboard for a user, recomputed only when the data changed. Users who see the same
/// rows (the same read filter) share one cached copy.
pub(crate) async fn cached_dashboard(
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
