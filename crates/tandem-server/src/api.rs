//! The JSON API: thin handlers over `tandem_platform`. Every route is described in
//! `/api/openapi.json` ([`crate::openapi`]).

use crate::error::ApiError;
use crate::session::{blocking, clear_cookie, session_cookie, ApiSession};
use crate::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value as Json_};
use std::collections::HashMap;
use std::net::SocketAddr;
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::{self, ListQuery, PlatformError};
use tandem_platform::{auth, sheets};

fn entity_of(name: &str) -> Result<&'static Entity, ApiError> {
    entity::entity(name).ok_or(ApiError::NotFound)
}

fn object(v: Json_) -> Result<Map<String, Json_>, ApiError> {
    match v {
        Json_::Object(m) => Ok(m),
        _ => Err(ApiError::BadRequest(
            "the body must be a JSON object".into(),
        )),
    }
}

/// The version in an `If-Match` header: `"v3"`, `W/"v3"` or `3`.
pub fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
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

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).expect("ascii")
}

fn record_response(status: StatusCode, rec: service::Record) -> Response {
    let mut r = (status, Json(Json_::Object(rec.fields))).into_response();
    r.headers_mut().insert(header::ETAG, etag(rec.version));
    r
}

/// A stale `If-Match` is 412; a stale `version` in the body is 409.
fn stale(e: PlatformError, by_header: bool) -> ApiError {
    if by_header && matches!(e, PlatformError::Conflict { .. }) {
        ApiError::PreconditionFailed(e)
    } else {
        ApiError::Platform(e)
    }
}

#[derive(serde::Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(body): Json<Login>,
) -> Result<Response, ApiError> {
    if !crate::session::same_origin(&headers) {
        return Err(ApiError::Csrf);
    }
    let client = state.client_key(addr, &headers);
    let (user, token, csrf) =
        crate::sign_in(&state, &client, &body.username, &body.password).await?;
    let mut r = Json(json!({"user": user, "csrf_token": csrf})).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&session_cookie(&headers, &token)).expect("ascii cookie"),
    );
    Ok(r)
}

pub async fn logout(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    state.sessions.remove(&s.token);
    blocking(move || db.write(|c| auth::end_session(c, &s.token))).await??;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear_cookie()).expect("ascii"),
    );
    Ok(r)
}

pub async fn me(ApiSession(s): ApiSession) -> Json<Json_> {
    Json(json!({"user": s.user, "csrf_token": s.csrf}))
}

pub async fn list(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let mut q = ListQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "page" => {
                q.page = v
                    .parse()
                    .map_err(|_| ApiError::BadRequest("page must be a whole number ≥ 1".into()))?
            }
            "per_page" => {
                q.per_page = v.parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "per_page must be a whole number 1..{}",
                        service::MAX_PER_PAGE
                    ))
                })?
            }
            "q" => q.search = Some(v),
            _ => q.filters.push((k, v)),
        }
    }
    q.filters.sort();
    let db = state.db.clone();
    let page = blocking(move || service::list(&db, &s.user, e, &q)).await??;
    Ok(Json(page).into_response())
}

pub async fn create(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    Json(body): Json<Json_>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let body = object(body)?;
    let db = state.db.clone();
    let rec = blocking(move || service::create(&db, &s.user, e, &body)).await??;
    Ok(record_response(StatusCode::CREATED, rec))
}

pub async fn get_one(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let db = state.db.clone();
    let rec = blocking(move || service::get(&db, &s.user, e, &id)).await??;
    Ok(record_response(StatusCode::OK, rec))
}

pub async fn update(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
    Json(body): Json<Json_>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let body = object(body)?;
    let expected = if_match(&headers)?;
    let db = state.db.clone();
    let rec = blocking(move || service::update(&db, &s.user, e, &id, expected, &body))
        .await?
        .map_err(|err| stale(err, expected.is_some()))?;
    Ok(record_response(StatusCode::OK, rec))
}

pub async fn delete(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let expected = if_match(&headers)?;
    let db = state.db.clone();
    blocking(move || service::delete(&db, &s.user, e, &id, expected))
        .await?
        .map_err(|err| stale(err, true))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn history(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let db = state.db.clone();
    let h = blocking(move || service::history(&db, &s.user, e, &id)).await??;
    Ok(Json(json!({"items": h})).into_response())
}

pub async fn stages(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let items = blocking(move || service::stages(&db, &s.user, &id)).await??;
    Ok(Json(json!({"items": items})).into_response())
}

#[derive(serde::Deserialize)]
pub struct StageBody {
    stage: String,
    date: String,
    #[serde(default)]
    evidence: String,
    version: Option<i64>,
}

pub async fn advance(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<StageBody>,
) -> Result<Response, ApiError> {
    let by_header = if_match(&headers)?;
    let expected = by_header.or(body.version);
    let db = state.db.clone();
    let rec = blocking(move || {
        service::advance_stage(
            &db,
            &s.user,
            &id,
            expected,
            &body.stage,
            &body.date,
            &body.evidence,
        )
    })
    .await?
    .map_err(|err| stale(err, by_header.is_some()))?;
    Ok(record_response(StatusCode::OK, rec))
}

pub async fn dashboard(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let d = crate::cached_dashboard(&state, &s.user).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        d.json(),
    )
        .into_response())
}

pub async fn export_sheet(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let e = sheets::sheet_entity(&name).ok_or(ApiError::NotFound)?;
    let db = state.db.clone();
    let bytes = blocking(move || sheets::export(&db, &s.user, e))
        .await?
        .map_err(|err| match err {
            sheets::SheetError::Platform(p) => ApiError::Platform(p),
            other => ApiError::Internal(other.to_string()),
        })?;
    Ok(crate::xlsx_download(&format!("tandem-{name}.xlsx"), bytes))
}

/// `POST /api/sheets/{entity}`: the right is checked before a byte of the workbook is read (a
/// role that writes none of these records gets 403 and the body is never parsed), then the
/// body is read within the upload limit and the workbook within `tandem_sheet`'s.
pub async fn import_sheet(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let e = sheets::sheet_entity(&name).ok_or(ApiError::NotFound)?;
    if !auth::may_write_any(&s.user, e.name) {
        return Err(PlatformError::Forbidden(format!(
            "{} ({}) may not create or change any {}; nothing was read (ask a coordinator to \
             import the file)",
            s.user.username,
            s.user.role.name(),
            e.name
        ))
        .into());
    }
    let body = crate::upload::read_body(body).await?;
    let db = state.db.clone();
    let result = blocking(move || sheets::import(&db, &s.user, e, &body)).await?;
    Ok(match result {
        Ok(summary) => {
            Json(json!({"created": summary.created, "updated": summary.updated})).into_response()
        }
        // Over a limit (rows per file: 413; the creation budget: 429 with Retry-After).
        Err(sheets::ImportFailure {
            limit: Some(limit), ..
        }) => ApiError::Platform(limit).into_response(),
        Err(failure) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(json!({
                "error": "invalid",
                "message": format!("nothing was imported: {} problem(s)", failure.len()),
                "problems": failure.problems,
            })),
        )
            .into_response(),
    })
}

pub async fn openapi() -> Response {
    let mut r = Json(crate::openapi::document()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60"),
    );
    r
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
