//! The project page and its lifecycle: stages, advancing with the stage's required fields.

use crate::kernel::error::ApiError;
use crate::kernel::http::{if_match, record_response, stale};
use crate::kernel::labels::stage_label;
use crate::kernel::openapi::{self as api_doc, csrf, errors, with};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, field_message, page, t, PageLang};
use crate::kernel::record_view::{fields_table, get_as, ref_titles};
use crate::kernel::run::run;
use crate::kernel::session::{blocking, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json as ApiJson, Router};
use maud::{html, Markup};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value as Json};
use std::collections::HashMap;
use tandem_platform::entity::{self, STAGES};
use tandem_platform::service::{self, PlatformError, Record};
use tandem_report::Lang;

/// The form advancing a project to its next stage.
#[derive(Deserialize)]
struct StageForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// The version the form was rendered from; missing or unreadable is no version.
    #[serde(default, deserialize_with = "lenient_version")]
    version: Option<i64>,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    evidence: String,
}

/// A form's `version`: a number, else none (the platform then asks for one).
fn lenient_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|v| v.parse().ok()))
}

fn project_body(
    state_rec: &Record,
    titles: &HashMap<&'static str, String>,
    stages: &[service::StageEntry],
    s: &Session,
    lang: Lang,
    error: Option<&str>,
) -> Markup {
    let rec = &state_rec.fields;
    let id = state_rec.id_text();
    let current = rec.get("stage").and_then(Json::as_str).unwrap_or("lead");
    let at = STAGES.iter().position(|x| *x == current).unwrap_or(0);
    html! {
        @if let Some(e) = error {
            div.flash.bad #stage-error role="alert" { (e) }
        }
        (review_flags(rec, lang))
        (fields_table(&entity::PROJECTS, rec, titles, lang))
        h2 { (t(lang, "项目进程", "Lifecycle")) }
        ol.timeline #timeline {
            @for (i, st) in STAGES.iter().enumerate() {
                (timeline_entry(st, i <= at, stages.iter().find(|e| e.stage == *st), lang))
            }
        }
        @if let Some(next) = STAGES.get(at + 1) {
            (advance_form(&id, state_rec.version, next, s, lang))
        }
        p {
            a href={ "/r/projects/" (id) } { (t(lang, "编辑项目", "Edit project")) }
            " · "
            a href={ "/r/projects/" (id) "/history" } { (t(lang, "修改历史", "History")) }
        }
    }
}

/// What the review found about the project, if anything.
fn review_flags(rec: &Map<String, Json>, lang: Lang) -> Markup {
    let flags: Vec<&str> = rec
        .get("review_flags")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    html! {
        @if !flags.is_empty() {
            div.flash.bad {
                strong { (t(lang, "待核查：", "Flagged for review:")) } " "
                @for f in &flags { span { (flag_text(f, lang)) } "; " }
            }
        }
    }
}

/// One review flag in words (a possible duplicate links to the other project).
fn flag_text(f: &str, lang: Lang) -> Markup {
    if let Some(other) = f.strip_prefix("duplicate_of_") {
        return html! {
            (t(lang, "可能与以下项目重复签约", "possible duplicate signing of"))
            " " a href={ "/projects/" (other) } { "#" (other) }
        };
    }
    let text = if f == tandem_platform::flags::MORE_DUPLICATES {
        let n = tandem_platform::flags::MAX_DUPLICATES_LISTED;
        match lang {
            Lang::Zh => format!("还有更多可能重复的项目（仅列出金额最接近的 {n} 个）"),
            Lang::En => {
                format!("more possible duplicates (only the {n} closest in amount are listed)")
            }
        }
    } else if f == "paid_in_exceeds_agreed" {
        t(
            lang,
            "到位资金超过协议额",
            "paid-in capital exceeds the amount agreed",
        )
    } else if f == "operating_without_paid_in" {
        t(
            lang,
            "已投产但无到位资金记录",
            "operating with no paid-in capital recorded",
        )
    } else {
        f.to_string()
    };
    html! { (text) }
}

/// One stage on the project's timeline: reached or not, and its entry when recorded.
fn timeline_entry(
    st: &str,
    reached: bool,
    entry: Option<&service::StageEntry>,
    lang: Lang,
) -> Markup {
    let mark = if reached { "✔" } else { "○" };
    html! {
        li data-stage=(st) {
            @if let Some(e) = entry {
                (mark) " " strong { (stage_label(st, lang)) } " " (e.date) " — "
                (e.evidence.as_deref().unwrap_or("")) " "
                span.note { "(" (t(lang, "记录人", "recorded by")) " " (e.recorded_by) ")" }
            } @else {
                (mark) " " (stage_label(st, lang))
            }
        }
    }
}

/// The form recording the project's next stage.
fn advance_form(id: &str, version: i64, next: &str, s: &Session, lang: Lang) -> Markup {
    html! {
        form.card #stage-form method="post" action={ "/projects/" (id) "/stage" } {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="version" value=(version);
            input type="hidden" name="stage" value=(next);
            strong { (t(lang, "推进到下一阶段", "Advance to the next stage")) ": " (stage_label(next, lang)) }
            label for="stage-date" { (t(lang, "日期", "Date")) }
            input #stage-date name="date" type="date" value=(tandem_platform::clock::today());
            label for="stage-evidence" { (t(lang, "佐证材料", "Evidence")) }
            input #stage-evidence name="evidence"
                placeholder=(t(lang, "合同编号、土地证号、完税凭证……", "contract no., land certificate, tax receipt…"));
            button #advance type="submit" { (t(lang, "记录", "Record")) }
        }
    }
}

async fn project_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
) -> Response {
    render_project(&state, &s, &id, lang, None, StatusCode::OK).await
}

async fn render_project(
    state: &AppState,
    s: &Session,
    id: &str,
    lang: Lang,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let rec = match get_as(state, s, &entity::PROJECTS, id).await {
        Ok(r) => r,
        Err(err) => return failure(lang, Some(s), &err),
    };
    let pid = id.to_string();
    let stages = run(&state.db, &s.user, move |db, user| {
        service::stages(db, user, &pid)
    })
    .await
    .unwrap_or_default();
    let titles = ref_titles(state, s, &entity::PROJECTS, &rec.fields).await;
    let title = rec.text("name").unwrap_or(id).to_string();
    let body = project_body(&rec, &titles, &stages, s, lang, error);
    (status, page(lang, Some(s), &title, body)).into_response()
}

async fn project_stage(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<StageForm>,
) -> Response {
    if !csrf_matches(&s, Some(&form.csrf)) {
        return csrf_failure(lang, &s);
    }
    let StageForm {
        version,
        stage,
        date,
        evidence,
        ..
    } = form;
    let pid = id.clone();
    match run(&state.db, &s.user, move |db, user| {
        service::advance_stage(db, user, &pid, version, &stage, &date, &evidence)
    })
    .await
    {
        Ok(_) => Redirect::to(&format!("/projects/{id}")).into_response(),
        Err(ApiError::Platform(PlatformError::Invalid(errors))) => {
            let msg = errors
                .iter()
                .map(|e| field_message(e, lang))
                .collect::<Vec<_>>()
                .join("; ");
            render_project(
                &state,
                &s,
                &id,
                lang,
                Some(&msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApiError::Platform(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

pub async fn api_stages(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let items = run(&state.db, &s.user, move |db, user| {
        service::stages(db, user, &id)
    })
    .await?;
    Ok(ApiJson(json!({"items": items})).into_response())
}

#[derive(serde::Deserialize)]
pub struct StageBody {
    stage: String,
    date: String,
    #[serde(default)]
    evidence: String,
    version: Option<i64>,
}

pub async fn api_advance(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<StageBody>,
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

/// The project routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/projects/{id}/stages", get(api_stages).post(api_advance))
}

/// The project pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/projects/{id}", get(project_page))
        .route("/projects/{id}/stage", post(project_stage))
}

/// A project's lifecycle.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    let (csrf, if_match) = (csrf(), api_doc::if_match());
    paths.insert(
        "/api/projects/{id}/stages".into(),
        json!({
            "get": {"summary": "Lifecycle of a project", "tags": ["projects"],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": with(errors(), json!({"200": {"description": "stages", "content": {"application/json": {"schema": {"type": "object"}}}}}))},
            "post": {"summary": "Advance a project to its next stage", "tags": ["projects"],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, csrf, if_match],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["stage", "date", "evidence"], "properties": {
                    "stage": {"type": "string", "enum": STAGES}, "date": {"type": "string", "format": "date"},
                    "evidence": {"type": "string", "maxLength": 2000}, "version": {"type": "integer"}}}}}},
                "responses": with(errors(), json!({"200": {"description": "the project at its new stage", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/projects"}}}}}))}
        }),
    );
}
