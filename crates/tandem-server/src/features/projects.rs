//! The project page and its lifecycle: stages, advancing with the stage's required fields.

use crate::kernel::error::ApiError;
use crate::kernel::http::{if_match, record_response, stale};
use crate::kernel::labels::stage_label;
use crate::kernel::page::{csrf_failure, csrf_ok, failure, field_message, lang_of, page, t};
use crate::kernel::record_view::{fields_table, get_as, ref_titles};
use crate::kernel::session::{blocking, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json as ApiJson, Router};
use maud::PreEscaped;
use serde_json::{json, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self, STAGES};
use tandem_platform::service::{self, PlatformError, Record};
use tandem_report::text::esc;
use tandem_report::Lang;

fn project_body(
    state_rec: &Record,
    titles: &HashMap<&'static str, String>,
    stages: &[service::StageEntry],
    s: &Session,
    lang: Lang,
    error: Option<&str>,
) -> String {
    let rec = &state_rec.fields;
    let id = state_rec.id_text();
    let mut body = String::new();
    if let Some(e) = error {
        let _ = write!(
            body,
            "<div class=\"flash bad\" role=\"alert\" id=\"stage-error\">{}</div>",
            esc(e)
        );
    }
    let flags: Vec<&str> = rec
        .get("review_flags")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if !flags.is_empty() {
        let _ = write!(
            body,
            "<div class=\"flash bad\"><strong>{}</strong> ",
            t(lang, "待核查：", "Flagged for review:")
        );
        for f in &flags {
            let text = if let Some(other) = f.strip_prefix("duplicate_of_") {
                format!(
                    "{} <a href=\"/projects/{other}\">#{other}</a>",
                    t(
                        lang,
                        "可能与以下项目重复签约",
                        "possible duplicate signing of"
                    )
                )
            } else if *f == tandem_platform::flags::MORE_DUPLICATES {
                match lang {
                    Lang::Zh => format!(
                        "还有更多可能重复的项目（仅列出金额最接近的 {} 个）",
                        tandem_platform::flags::MAX_DUPLICATES_LISTED
                    ),
                    Lang::En => format!(
                        "more possible duplicates (only the {} closest in amount are listed)",
                        tandem_platform::flags::MAX_DUPLICATES_LISTED
                    ),
                }
            } else if *f == "paid_in_exceeds_agreed" {
                t(
                    lang,
                    "到位资金超过协议额",
                    "paid-in capital exceeds the amount agreed",
                )
            } else if *f == "operating_without_paid_in" {
                t(
                    lang,
                    "已投产但无到位资金记录",
                    "operating with no paid-in capital recorded",
                )
            } else {
                esc(f)
            };
            let _ = write!(body, "<span>{text}</span>; ");
        }
        body.push_str("</div>");
    }
    body.push_str(&fields_table(&entity::PROJECTS, rec, titles, lang).into_string());
    let _ = write!(
        body,
        "<h2>{}</h2><ol class=\"timeline\" id=\"timeline\">",
        t(lang, "项目进程", "Lifecycle")
    );
    let current = rec.get("stage").and_then(Json::as_str).unwrap_or("lead");
    for (i, st) in STAGES.iter().enumerate() {
        let entry = stages.iter().find(|e| e.stage == *st);
        let at = STAGES.iter().position(|x| *x == current).unwrap_or(0);
        let mark = if i <= at { "✔" } else { "○" };
        match entry {
            Some(e) => {
                let _ = write!(body, "<li data-stage=\"{st}\">{mark} <strong>{}</strong> {} — {} <span class=\"note\">({} {})</span></li>", esc(&stage_label(st, lang)), esc(&e.date), esc(e.evidence.as_deref().unwrap_or("")), t(lang, "记录人", "recorded by"), esc(&e.recorded_by));
            }
            None => {
                let _ = write!(
                    body,
                    "<li data-stage=\"{st}\">{mark} {}</li>",
                    esc(&stage_label(st, lang))
                );
            }
        }
    }
    body.push_str("</ol>");
    let at = STAGES.iter().position(|x| *x == current).unwrap_or(0);
    if let Some(next) = STAGES.get(at + 1) {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/projects/{id}/stage\" class=\"card\" id=\"stage-form\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\"><input type=\"hidden\" name=\"stage\" value=\"{next}\"><strong>{}: {}</strong><label for=\"stage-date\">{}</label><input id=\"stage-date\" name=\"date\" type=\"date\" value=\"{}\"><label for=\"stage-evidence\">{}</label><input id=\"stage-evidence\" name=\"evidence\" placeholder=\"{}\"><button type=\"submit\" id=\"advance\">{}</button></form>",
            esc(&s.csrf),
            state_rec.version,
            t(lang, "推进到下一阶段", "Advance to the next stage"),
            esc(&stage_label(next, lang)),
            t(lang, "日期", "Date"),
            tandem_platform::clock::today(),
            t(lang, "佐证材料", "Evidence"),
            t(lang, "合同编号、土地证号、完税凭证……", "contract no., land certificate, tax receipt…"),
            t(lang, "记录", "Record"),
        );
    }
    let _ = write!(
        body,
        "<p><a href=\"/r/projects/{id}\">{}</a> · <a href=\"/r/projects/{id}/history\">{}</a></p>",
        t(lang, "编辑项目", "Edit project"),
        t(lang, "修改历史", "History")
    );
    body
}

async fn project_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
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
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.to_string();
    let stages = blocking(move || service::stages(&db, &user, &pid))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let titles = ref_titles(state, s, &entity::PROJECTS, &rec.fields).await;
    let title = rec.text("name").unwrap_or(id).to_string();
    (
        status,
        page(
            lang,
            Some(s),
            &title,
            PreEscaped(project_body(&rec, &titles, &stages, s, lang, error).to_string()),
        ),
    )
        .into_response()
}

async fn project_stage(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (stage, date, evidence) = (get("stage"), get("date"), get("evidence"));
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.clone();
    match blocking(move || {
        service::advance_stage(&db, &user, &pid, version, &stage, &date, &evidence)
    })
    .await
    {
        Ok(Ok(_)) => Redirect::to(&format!("/projects/{id}")).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => {
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
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

pub async fn api_stages(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let items = blocking(move || service::stages(&db, &s.user, &id)).await??;
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
