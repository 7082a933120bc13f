//! Assessment in the platform (issue #16): runs of a scheme over a year's annual figures, each
//! unit's result and why, objections and their review, the history of revisions, and the
//! researchers' aggregates, as pages ([`pages`]) and `/api/assessment/...` routes ([`api`]).
//! The handlers are thin: the rules live in `tandem_platform::assessment`.

pub(crate) mod api;
pub(crate) mod forms;
pub(crate) mod pages;
pub(crate) mod views;

use crate::kernel::state::AppState;
use axum::routing::{get, post};
use axum::Router;

/// The assessment routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/assessment/runs", get(api::list_runs).post(api::start_run))
        .route("/assessment/runs/{id}", get(api::get_run))
        .route("/assessment/runs/{id}/units/{unit}", get(api::unit_score))
        .route("/assessment/runs/{id}/history", get(api::history))
        .route(
            "/assessment/runs/{id}/objections",
            post(api::file_objection),
        )
        .route("/assessment/objections/{id}/decision", post(api::decide))
        .route("/assessment/my-scores", get(api::my_scores))
        .route("/assessment/aggregates", get(api::aggregates))
}

/// The assessment pages and their forms.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/assessment", get(pages::index))
        .route("/assessment/runs", post(pages::start_run))
        .route("/assessment/runs/{id}", get(pages::run_page))
        .route("/assessment/runs/{id}/history", get(pages::history_page))
        .route(
            "/assessment/runs/{id}/objections",
            post(pages::file_objection),
        )
        .route("/assessment/objections/{id}/decision", post(pages::decide))
}

/// The assessment routes in the OpenAPI document.
pub fn openapi_paths() -> Vec<(String, serde_json::Value)> {
    use serde_json::json;
    let ok = |what: &str| json!({"200": {"description": what, "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"description": "not signed in"}, "403": {"description": "not allowed"}, "404": {"description": "not found or not visible"}, "422": {"description": "invalid, with errors field by field"}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let body = |props: serde_json::Value, required: &[&str]| json!({"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": props, "required": required}}}});
    let run_body = body(
        json!({"park_id": {"type": "integer"}, "pair_id": {"type": "string"}, "year": {"type": "integer"},
               "scheme": {"type": "string", "enum": ["per_mu_example"]}, "scheme_toml": {"type": "string", "maxLength": 65536},
               "objections_close_on": {"type": "string", "format": "date"}}),
        &["year", "objections_close_on"],
    );
    let objection_body = body(
        json!({"figure": {"type": "string"}, "proposed_value": {"type": "number"}, "evidence": {"type": "string", "maxLength": 4000}}),
        &["figure", "evidence"],
    );
    let decision_body = body(
        json!({"decision": {"type": "string", "enum": ["accept", "reject"]}, "reasons": {"type": "string"}}),
        &["decision"],
    );
    let get = |summary: &str, params: serde_json::Value| json!({"get": {"summary": summary, "tags": ["assessment"], "parameters": params, "responses": ok(summary)}});
    vec![
        (
            "/api/assessment/runs".into(),
            json!({
            "get": {"summary": "The runs you may read", "tags": ["assessment"], "responses": ok("runs")},
            "post": {"summary": "Run a scheme (the shipped one or a TOML) over a year's figures of a park's enterprises or a pair's parks", "tags": ["assessment"], "requestBody": run_body, "responses": ok("the stored run")}}),
        ),
        (
            "/api/assessment/runs/{id}".into(),
            get("A whole run: scheme text, inputs, result", json!([id])),
        ),
        (
            "/api/assessment/runs/{id}/units/{unit}".into(),
            get(
                "One unit's result: for the run's readers and the assessed enterprise or park itself",
                json!([id, {"name": "unit", "in": "path", "required": true, "schema": {"type": "integer"}}]),
            ),
        ),
        (
            "/api/assessment/runs/{id}/history".into(),
            get("The run's revisions and objections", json!([id])),
        ),
        (
            "/api/assessment/runs/{id}/objections".into(),
            json!({"post": {"summary": "Object to your own result within the window (an enterprise, or a park operator in a run of a pair's parks)", "tags": ["assessment"], "parameters": [id], "requestBody": objection_body, "responses": ok("the objection")}}),
        ),
        (
            "/api/assessment/objections/{id}/decision".into(),
            json!({"post": {"summary": "Accept (correct the figure, new revision) or reject with reasons", "tags": ["assessment"], "parameters": [id], "requestBody": decision_body, "responses": ok("the decided objection")}}),
        ),
        (
            "/api/assessment/my-scores".into(),
            get("The assessed unit's own results (an enterprise's, or a park operator's park's)", json!([])),
        ),
        (
            "/api/assessment/aggregates".into(),
            get(
                "Anonymised tier counts and mean totals per industry (groups under 5 left out)",
                json!([{"name": "year", "in": "query", "required": true, "schema": {"type": "integer"}}, {"name": "scheme", "in": "query", "required": false, "schema": {"type": "string"}}]),
            ),
        ),
    ]
}
