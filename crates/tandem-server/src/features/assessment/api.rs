//! The JSON routes: each a typed body or path over one `tandem_platform::assessment` call.

use super::forms::{AggregatesQuery, DecisionBody, ObjectionBody, RunBody};
use crate::kernel::error::ApiError;
use crate::kernel::run::run;
use crate::kernel::session::ApiSession;
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use tandem_platform::assessment::{aggregates as agg, objections, runs};

pub(crate) async fn list_runs(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let list = run(&state.db, &s.user, runs::list).await?;
    Ok(Json(json!({"runs": list})).into_response())
}

pub(crate) async fn start_run(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Json(body): Json<RunBody>,
) -> Result<Response, ApiError> {
    let new = body.into_new_run()?;
    let r = run(&state.db, &s.user, move |db, user| {
        runs::start(db, user, &new)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!(r))).into_response())
}

pub(crate) async fn get_run(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let r = run(&state.db, &s.user, move |db, user| runs::get(db, user, id)).await?;
    Ok(Json(json!(r)).into_response())
}

pub(crate) async fn unit_score(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((id, unit)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let r = run(&state.db, &s.user, move |db, user| {
        runs::unit_score(db, user, id, unit)
    })
    .await?;
    Ok(Json(json!(r)).into_response())
}

pub(crate) async fn history(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let h = run(&state.db, &s.user, move |db, user| {
        objections::history(db, user, id)
    })
    .await?;
    Ok(Json(json!(h)).into_response())
}

pub(crate) async fn file_objection(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
    Json(body): Json<ObjectionBody>,
) -> Result<Response, ApiError> {
    let new = body.into();
    let o = run(&state.db, &s.user, move |db, user| {
        objections::file(db, user, id, &new)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(json!(o))).into_response())
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
    Json(body): Json<DecisionBody>,
) -> Result<Response, ApiError> {
    let decision = body.decision()?;
    let o = run(&state.db, &s.user, move |db, user| {
        objections::decide(db, user, id, &decision)
    })
    .await?;
    Ok(Json(json!(o)).into_response())
}

pub(crate) async fn my_scores(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let scores = run(&state.db, &s.user, runs::my_scores).await?;
    Ok(Json(json!({"scores": scores})).into_response())
}

/// Anonymised aggregates of a year and scheme, for every signed-in user.
pub(crate) async fn aggregates(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<AggregatesQuery>,
) -> Result<Response, ApiError> {
    let year = q.year.unwrap_or(0);
    let scheme = q.scheme.unwrap_or_else(|| "per-mu-example".into());
    let a = run(&state.db, &s.user, move |db, _| {
        agg::by_industry(db, year, &scheme)
    })
    .await?;
    Ok(Json(json!(a)).into_response())
}
