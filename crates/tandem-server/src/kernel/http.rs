use crate::kernel::error::ApiError;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json as ApiJson;
use serde_json::{Map, Value as JsonValue};
use std::fmt::Write as _;
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::{self, PlatformError};

pub(crate) fn entity_of(name: &str) -> Result<&'static Entity, ApiError> {
    entity::entity(name).ok_or(ApiError::NotFound)
}

pub(crate) fn object(v: JsonValue) -> Result<Map<String, JsonValue>, ApiError> {
    match v {
        JsonValue::Object(m) => Ok(m),
        _ => Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        )),
    }
}

/// The version in an `If-Match` header: `"v3"`, `W/"v3"` or `3`.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    let Some(v) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = v.to_str().unwrap_or("").trim();
    let text = text
        .trim_start_matches("W/")
        .trim_matches('"')
        .trim_start_matches('v');
    text.parse::<i64>().map(Some).map_err(|_| {
        ApiError::BadRequest("If-Match must be the ETag given by GET, e.g. \"v3\"".into())
    })
}

pub(crate) fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("ascii")
}

pub(crate) fn record_response(status: StatusCode, rec: service::Record) -> Response {
    let mut r = (status, ApiJson(JsonValue::Object(rec.fields))).into_response();
    r.headers_mut().insert(header::ETAG, etag(rec.version));
    r
}

/// A stale `If-Match` is 412; a stale `version` in the body is 409.
pub(crate) fn stale(e: PlatformError, by_header: bool) -> ApiError {
    if by_header && matches!(e, PlatformError::Conflict { .. }) {
        ApiError::PreconditionFailed(e)
    } else {
        ApiError::Platform(e)
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::NotFound
}

/// An XLSX file as a download.
pub(crate) fn xlsx_download(name: &str, bytes: Vec<u8>) -> Response {
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
pub(crate) async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
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

/// Percent-encodes a string for a URL query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
