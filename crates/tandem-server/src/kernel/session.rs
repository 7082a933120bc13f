//! Sessions: the cookie, the signed-in user extractors, CSRF checks and the login limiter.
//!
//! The session cookie is `HttpOnly` and `SameSite=Strict`, and `Secure` unless the request
//! came to a loopback host over plain HTTP (a browser would drop a `Secure` cookie there).
//! Every state-changing request made with the cookie must carry the session's CSRF token:
//! the `X-CSRF-Token` header for the API, the `_csrf` field for forms.

use crate::kernel::error::ApiError;
use crate::kernel::state::AppState;
use crate::kernel::trace::record_user;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};
use std::net::IpAddr;
use tandem_platform::auth;

pub use super::run::blocking;
pub use super::session_cache::{Session, SessionCache, SESSION_CACHE_SECONDS};
pub use super::throttle::{
    client_key, LoginLimiter, MAX_FAILURES_PER_CLIENT, MAX_FAILURES_PER_NAME, MAX_PASSWORD_BYTES,
    MAX_USERNAME_BYTES,
};

/// The session cookie's name.
pub const COOKIE: &str = "tandem_session";

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
        record_user(s.user.id);
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
        Redirect::to(&format!(
            "/login?next={}",
            crate::kernel::http::url_encode(&self.0)
        ))
        .into_response()
    }
}

impl FromRequestParts<AppState> for PageSession {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match load(parts, state).await {
            Ok(Some(s)) => {
                record_user(s.user.id);
                Ok(PageSession(s))
            }
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

#[cfg(test)]
mod tests {
    use super::*;

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
