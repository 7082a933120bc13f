//! Sessions: the cookie, the signed-in user extractors, CSRF checks and the login limiter.
//!
//! The session cookie is `HttpOnly` and `SameSite=Strict`, and `Secure` unless the request
//! came to a loopback host over plain HTTP (a browser would drop a `Secure` cookie there).
//! Every state-changing request made with the cookie must carry the session's CSRF token:
//! the `X-CSRF-Token` header for the API, the `_csrf` field for forms.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tandem_platform::auth;
use tandem_platform::User;

/// The session cookie's name.
pub const COOKIE: &str = "tandem_session";

/// Runs blocking database work off the async workers.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("worker failed: {e}")))
}

/// The value of a cookie in the request.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn is_loopback_host(headers: &HeaderMap) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.split(':').next().unwrap_or("")
    };
    name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The `Set-Cookie` value starting a session.
pub fn session_cookie(headers: &HeaderMap, token: &str) -> String {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let secure = if is_loopback_host(headers) && !forwarded_https {
        ""
    } else {
        "; Secure"
    };
    format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        auth::SESSION_SECONDS
    )
}

/// The `Set-Cookie` value ending a session.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// A signed-in user with the session's CSRF token.
#[derive(Clone, Debug)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub token: String,
}

async fn load(parts: &Parts, state: &AppState) -> Result<Option<Session>, ApiError> {
    let Some(token) = cookie(&parts.headers, COOKIE).filter(|t| t.len() == 64) else {
        return Ok(None);
    };
    if let Some(s) = state.sessions.get(&token) {
        return Ok(Some(s));
    }
    // Taken before the database is read: a session read before an account change is not
    // cached after the change dropped that account's entries.
    let epoch = state.sessions.epoch();
    let db = state.db.clone();
    let t = token.clone();
    let found = blocking(move || db.read(|c| auth::session_user(c, &t))).await??;
    let session = found.map(|(user, csrf)| Session { user, csrf, token });
    if let Some(s) = &session {
        state.sessions.put(s.clone(), epoch);
    }
    Ok(session)
}

/// Live sessions seen recently, so that not every request reads the session table. An entry
/// is trusted for [`SESSION_CACHE_SECONDS`]. Signing out in this process removes it at once,
/// and so does disabling an account, setting its password or ending its sessions through this
/// process ([`SessionCache::forget_user`]). A session ended by another process (the
/// `tandem user` command, or another server sharing a PostgreSQL database) stays usable here
/// for at most that long.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Session, Instant)>>,
    /// Incremented (under the `entries` lock) whenever a user's entries are dropped.
    epoch: std::sync::atomic::AtomicU64,
}

/// How long a cached session is trusted without reading the database again.
pub const SESSION_CACHE_SECONDS: u64 = 5;

impl SessionCache {
    fn get(&self, token: &str) -> Option<Session> {
        let map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token)
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(SESSION_CACHE_SECONDS))
            .map(|(s, _)| s.clone())
    }

    fn epoch(&self) -> u64 {
        self.epoch.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Caches a session read from the database when no user's entries were dropped since
    /// `epoch` (else it may be a session that was ended meanwhile: the next request reads it
    /// again).
    fn put(&self, s: Session, epoch: u64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if self.epoch() != epoch {
            return;
        }
        if map.len() > 10_000 {
            map.retain(|_, (_, at)| at.elapsed() < Duration::from_secs(SESSION_CACHE_SECONDS));
        }
        map.insert(s.token.clone(), (s, Instant::now()));
    }

    /// Forgets a session (sign-out).
    pub fn remove(&self, token: &str) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(token);
    }

    /// Forgets every session of user `user_id`: call after the account was disabled, its
    /// password set or its sessions ended (`tandem_platform::accounts`), so this process
    /// stops accepting them at once instead of after [`SESSION_CACHE_SECONDS`].
    pub fn forget_user(&self, user_id: i64) {
        let mut map = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, (s, _)| s.user.id != user_id);
        self.epoch.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }
}

/// Whether an unsafe request comes from our own pages: when the browser says where it comes
/// from (`Origin`), it must be this host.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// The API's signed-in user: 401 without a session; for unsafe methods, 403 without the
/// right `X-CSRF-Token`.
pub struct ApiSession(pub Session);

impl FromRequestParts<AppState> for ApiSession {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let s = load(parts, state).await?.ok_or(ApiError::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let given = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !constant_time_eq(given.as_bytes(), s.csrf.as_bytes())
                || !same_origin(&parts.headers)
            {
                return Err(ApiError::Csrf);
            }
        }
        Ok(ApiSession(s))
    }
}

/// A page's signed-in user: without a session the browser is sent to the login page. Forms
/// check their `_csrf` field themselves (it is in the body).
pub struct PageSession(pub Session);

/// Redirects to the login page, remembering where the user was going.
pub struct ToLogin(String);

impl IntoResponse for ToLogin {
    fn into_response(self) -> Response {
        Redirect::to(&format!("/login?next={}", crate::ui::url_encode(&self.0))).into_response()
    }
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match load(parts, state).await {
            Ok(Some(s)) => Ok(PageSession(s)),
            Ok(None) => Err(ToLogin(
                parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "/".into()),
            )
            .into_response()),
            Err(e) => Err(e.into_response()),
        }
    }
}

/// Compares secrets without leaking where they differ through timing.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Failed sign-ins allowed per (client address, user name) in [`WINDOW`].
pub const MAX_FAILURES_PER_NAME: u32 = 5;
/// Failed sign-ins allowed per client address in [`WINDOW`], whatever the names.
pub const MAX_FAILURES_PER_CLIENT: u32 = 20;
/// The window failed sign-ins are counted over.
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
/// The longest user name a sign-in may carry; longer ones are refused before any work (user
/// names are at most 64 bytes, see `tandem_platform::auth::add_user`), so a name cannot
/// become a large key in the limiter.
pub const MAX_USERNAME_BYTES: usize = 64;
/// The longest password a sign-in may carry: argon2 reads the whole of it.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Counts sign-in attempts and refuses further ones when there were too many failures. An
/// attempt is counted as a failure *before* its password is checked and forgiven when it
/// succeeds, so a burst of concurrent guesses cannot all be verified before the first failure
/// is recorded. In memory: a restart forgets, which is acceptable because argon2 already
/// makes each guess slow.
#[derive(Default)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl LoginLimiter {
    fn keys(client: &str, username: &str) -> [(String, u32); 2] {
        [
            (
                format!("{client}|{}", username.trim().to_lowercase()),
                MAX_FAILURES_PER_NAME,
            ),
            (client.to_string(), MAX_FAILURES_PER_CLIENT),
        ]
    }

    /// `Err(seconds to wait)` when this client may not try this name now.
    pub fn check(&self, client: &str, username: &str) -> Result<(), u64> {
        let map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::over(&map, client, username)
    }

    fn over(
        map: &HashMap<String, (u32, Instant)>,
        client: &str,
        username: &str,
    ) -> Result<(), u64> {
        for (key, max) in Self::keys(client, username) {
            if let Some((n, since)) = map.get(&key) {
                let elapsed = since.elapsed();
                if *n >= max && elapsed < WINDOW {
                    return Err((WINDOW - elapsed).as_secs().max(1));
                }
            }
        }
        Ok(())
    }

    /// Starts an attempt: `Err(seconds to wait)` when this client may not try this name now,
    /// else the attempt is counted as a failure until [`LoginLimiter::succeeded`] forgives it.
    /// Checking and counting happen under one lock, so concurrent attempts cannot slip past.
    pub fn attempt(&self, client: &str, username: &str) -> Result<(), u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        Self::over(&map, client, username)?;
        if map.len() > 100_000 {
            map.retain(|_, (_, since)| since.elapsed() < WINDOW);
        }
        for (key, _) in Self::keys(client, username) {
            let e = map.entry(key).or_insert((0, Instant::now()));
            if e.1.elapsed() >= WINDOW {
                *e = (0, Instant::now());
            }
            e.0 += 1;
        }
        Ok(())
    }

    /// Takes an attempt back that was never decided (the server was too busy to check it).
    pub fn withdraw(&self, client: &str, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (key, _) in Self::keys(client, username) {
            if let Some(e) = map.get_mut(&key) {
                e.0 = e.0.saturating_sub(1);
            }
        }
    }

    /// The attempt succeeded: forgets this name's failures from this client and takes the
    /// attempt back from the client's count.
    pub fn succeeded(&self, client: &str, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let [(name_key, _), (client_key, _)] = Self::keys(client, username);
        map.remove(&name_key);
        if let Some(e) = map.get_mut(&client_key) {
            e.0 = e.0.saturating_sub(1);
        }
    }
}

/// The client's address as the limiter keys it: the peer's address, or, when the peer is one
/// of the `trusted` proxies, the nearest address in `X-Forwarded-For` that is not a trusted
/// proxy (read from the right: only the entries our proxies appended can be believed).
pub fn client_key(
    peer: Option<std::net::SocketAddr>,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> String {
    let Some(peer) = peer.map(|a| a.ip()) else {
        return "local".into();
    };
    if !trusted.contains(&peer) {
        return peer.to_string();
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.iter().rev() {
        match parse_hop(hop) {
            Some(ip) if trusted.contains(&ip) => continue,
            Some(ip) => return ip.to_string(),
            // A hop our proxy did not write sensibly: key on the proxy rather than believe it.
            None => break,
        }
    }
    peer.to_string()
}

/// An `X-Forwarded-For` entry: an address, possibly with a port (`1.2.3.4:5678`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_blocks_after_the_fifth_failure_for_that_name() {
        let l = LoginLimiter::default();
        for _ in 0..MAX_FAILURES_PER_NAME {
            assert!(l.attempt("1.2.3.4", "alice").is_ok());
        }
        assert!(l.attempt("1.2.3.4", "alice").is_err());
        assert!(l.check("1.2.3.4", "bob").is_ok());
        assert!(l.check("5.6.7.8", "alice").is_ok());
    }

    #[test]
    fn a_success_forgives_its_own_attempt() {
        let l = LoginLimiter::default();
        for _ in 0..(MAX_FAILURES_PER_CLIENT * 2) {
            assert!(l.attempt("1.2.3.4", "alice").is_ok());
            l.succeeded("1.2.3.4", "alice");
        }
        assert!(l.check("1.2.3.4", "bob").is_ok());
    }

    #[test]
    fn forwarded_for_is_believed_only_from_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.2".parse().unwrap();
        let peer = |ip: IpAddr| Some(std::net::SocketAddr::new(ip, 50000));
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        // From the proxy: the right-most hop it appended.
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "1.2.3.4");
        // From anyone else the header is the client's own word: ignored.
        assert_eq!(
            client_key(peer("9.9.9.9".parse().unwrap()), &h, &[proxy]),
            "9.9.9.9"
        );
        assert_eq!(client_key(peer(proxy), &h, &[]), "10.0.0.2");
        // Chained proxies are skipped; garbage falls back to the proxy.
        h.insert("x-forwarded-for", "1.2.3.4, 10.0.0.2".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "1.2.3.4");
        h.insert("x-forwarded-for", "nonsense".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "10.0.0.2");
        h.insert("x-forwarded-for", "[2001:db8::1]:443".parse().unwrap());
        assert_eq!(client_key(peer(proxy), &h, &[proxy]), "2001:db8::1");
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            "a=1; tandem_session=abc; b=2".parse().unwrap(),
        );
        assert_eq!(cookie(&h, COOKIE).as_deref(), Some("abc"));
        h.insert(header::HOST, "127.0.0.1:8080".parse().unwrap());
        assert!(!session_cookie(&h, "t").contains("Secure"));
        h.insert(header::HOST, "tandem.example.org".parse().unwrap());
        assert!(session_cookie(&h, "t").contains("; Secure"));
    }
}
