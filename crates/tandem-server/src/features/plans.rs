//! The plan board: tasks by status, moved with a form.

use crate::kernel::labels::{pair_title, status_label};
use crate::kernel::page::{csrf_failure, csrf_ok, failure, lang_of, page, t, with_lang_cookie};
use crate::kernel::record_view::list_as;
use crate::kernel::session::{blocking, PageSession};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::PreEscaped;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self, TASK_STATUSES};
use tandem_platform::service::{self};
use tandem_report::text::esc;

async fn plan_board(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let mut filters = Vec::new();
    if let Some(p) = q.get("pair_id").filter(|p| !p.is_empty()) {
        filters.push(("pair_id".to_string(), p.clone()));
    }
    let mut tasks = Vec::new();
    let mut page_no = 1;
    loop {
        match list_as(&state, &s, &entity::TASKS, filters.clone(), page_no).await {
            Ok(p) => {
                let done = page_no * p.per_page >= p.total;
                tasks.extend(p.items);
                if done || page_no >= 20 {
                    break;
                }
                page_no += 1;
            }
            Err(err) => return failure(lang, Some(&s), &err),
        }
    }
    let today = tandem_platform::clock::today();
    let mut body = format!(
        "<p><a href=\"/r/plans/new\">{}</a> · <a href=\"/r/tasks/new\">{}</a></p><div class=\"board\">",
        t(lang, "新建年度计划", "New annual plan"),
        t(lang, "新建任务", "New task")
    );
    for status in TASK_STATUSES {
        let _ = write!(
            body,
            "<div class=\"col\" data-status=\"{status}\"><h3>{}</h3>",
            esc(&status_label(status, lang))
        );
        for task in tasks
            .iter()
            .filter(|x| x.get("status").and_then(Json::as_str) == Some(status))
        {
            let id = task.get("id").map(|v| v.to_string()).unwrap_or_default();
            let version = task.get("version").and_then(Json::as_i64).unwrap_or(0);
            let due = task.get("due_on").and_then(Json::as_str).unwrap_or("");
            let overdue = *status != "done" && !due.is_empty() && due < today.as_str();
            let side = task.get("owner_side").and_then(Json::as_str).unwrap_or("");
            let _ = write!(
                body,
                "<div class=\"card\" data-task=\"{id}\"><a href=\"/r/tasks/{id}\">{}</a><div class=\"note\">{} · {} {}{}</div>",
                esc(task.get("title").and_then(Json::as_str).unwrap_or("")),
                esc(&pair_title(task.get("pair_id").and_then(Json::as_str).unwrap_or(""), lang)),
                t(lang, if side == "helper" { "支援方" } else { "受援方" }, side),
                esc(due),
                if overdue { format!(" <span class=\"flag\">{}</span>", t(lang, "逾期", "overdue")) } else { String::new() },
            );
            for target in TASK_STATUSES.iter().filter(|x| *x != status) {
                let _ = write!(
                    body,
                    "<form class=\"inline\" method=\"post\" action=\"/tasks/{id}/status\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{version}\"><input type=\"hidden\" name=\"status\" value=\"{target}\"><button class=\"small\" type=\"submit\">→ {}</button></form>",
                    esc(&s.csrf),
                    esc(&status_label(target, lang))
                );
            }
            body.push_str("</div>");
        }
        body.push_str("</div>");
    }
    body.push_str("</div>");
    with_lang_cookie(
        page(
            lang,
            Some(&s),
            &t(lang, "计划看板", "Plan board"),
            PreEscaped(body.to_string()),
        )
        .into_response(),
        &q,
    )
}

async fn task_status(
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
    let mut body = Map::new();
    body.insert(
        "status".into(),
        Json::String(form.get("status").cloned().unwrap_or_default()),
    );
    let db = state.db.clone();
    let user = s.user.clone();
    match blocking(move || service::update(&db, &user, &entity::TASKS, &id, version, &body)).await {
        Ok(Ok(_)) => Redirect::to("/plans").into_response(),
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

/// The plan pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(plan_board))
        .route("/tasks/{id}/status", post(task_status))
}
