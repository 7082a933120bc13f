//! How failures become HTTP responses: one status per kind of failure, a JSON body naming the
//! field and rule for the API, and no internal detail leaked for server faults.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tandem_platform::service::PlatformError;
use tandem_platform::DbError;

/// An API failure.
#[derive(Debug)]
pub enum ApiError {
    Platform(PlatformError),
    /// A stale `If-Match`: 412 (a `version` in the body that is stale gives 409).
    PreconditionFailed(PlatformError),
    Unauthenticated,
    Csrf,
    TooManyAttempts {
        retry_after: u64,
    },
    /// The server is too busy to do this now (all password-check slots taken): 503.
    Busy {
        retry_after: u64,
    },
    BadRequest(String),
    NotFound,
    Internal(String),
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> Self {
        ApiError::Platform(e)
    }
}

impl From<DbError> for ApiError {
    fn from(e: DbError) -> Self {
        ApiError::Platform(PlatformError::Db(e))
    }
}

fn body(status: StatusCode, error: &str, message: String, extra: serde_json::Value) -> Response {
    let mut v = json!({"error": error, "message": message});
    if let (Some(m), Some(x)) = (v.as_object_mut(), extra.as_object()) {
        for (k, val) in x {
            m.insert(k.clone(), val.clone());
        }
    }
    (status, axum::Json(v)).into_response()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Platform(e @ PlatformError::Conflict { .. }) => {
                conflict(StatusCode::CONFLICT, e)
            }
            ApiError::PreconditionFailed(e @ PlatformError::Conflict { .. }) => {
                conflict(StatusCode::PRECONDITION_FAILED, e)
            }
            ApiError::PreconditionFailed(e) => platform(e),
            ApiError::Platform(e) => platform(e),
            ApiError::Unauthenticated => body(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "sign in first: POST /api/login with {\"username\", \"password\"}".into(),
                json!({}),
            ),
            ApiError::Csrf => body(
                StatusCode::FORBIDDEN,
                "csrf",
                "missing or wrong CSRF token: send the X-CSRF-Token header given at login".into(),
                json!({}),
            ),
            ApiError::TooManyAttempts { retry_after } => {
                let mut r = body(
                    StatusCode::TOO_MANY_REQUESTS,
                    "too_many_attempts",
                    format!("too many failed sign-ins; try again in {retry_after} s"),
                    json!({"retry_after": retry_after}),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            ApiError::Busy { retry_after } => {
                let mut r = body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    format!("the server is busy; try again in {retry_after} s"),
                    json!({"retry_after": retry_after}),
                );
                if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                    r.headers_mut().insert(header::RETRY_AFTER, v);
                }
                r
            }
            ApiError::BadRequest(m) => body(StatusCode::BAD_REQUEST, "bad_request", m, json!({})),
            ApiError::NotFound => body(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource; GET /api/openapi.json lists the API".into(),
                json!({}),
            ),
            ApiError::Internal(m) => internal(&m),
        }
    }
}

fn conflict(status: StatusCode, e: PlatformError) -> Response {
    let message = e.to_string();
    match e {
        PlatformError::Conflict { version, current } => body(
            status,
            "conflict",
            message,
            json!({"current_version": version, "current": current}),
        ),
        other => platform(other),
    }
}

fn internal(detail: &str) -> Response {
    tracing::error!(detail, "internal error");
    body(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the server failed; the error is in its log".into(),
        json!({}),
    )
}

fn platform(e: PlatformError) -> Response {
    match e {
        PlatformError::NotFound(m) => body(StatusCode::NOT_FOUND, "not_found", m, json!({})),
        PlatformError::Forbidden(m) => body(StatusCode::FORBIDDEN, "forbidden", m, json!({})),
        PlatformError::Invalid(errors) => body(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; "),
            json!({"errors": errors}),
        ),
        PlatformError::VersionRequired => body(
            StatusCode::PRECONDITION_REQUIRED,
            "version_required",
            PlatformError::VersionRequired.to_string(),
            json!({}),
        ),
        PlatformError::TooLarge(m) => {
            body(StatusCode::PAYLOAD_TOO_LARGE, "too_large", m, json!({}))
        }
        PlatformError::TooMany {
            message,
            retry_after,
        } => {
            let mut r = body(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                message,
                json!({"retry_after": retry_after}),
            );
            if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            r
        }
        PlatformError::Conflict { .. } => unreachable!("handled by the caller"),
        PlatformError::Db(e) => internal(&e.to_string()),
    }
}
