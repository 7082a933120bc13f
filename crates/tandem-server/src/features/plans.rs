//! The plan board: tasks by status, moved with a form.

use crate::kernel::error::ApiError;
use crate::kernel::labels::{pair_title, status_label};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, page, t, PageLang};
use crate::kernel::record_view::list_as;
use crate::kernel::run::run;
use crate::kernel::session::{PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use maud::{html, Markup};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value as Json};
use tandem_platform::entity::{self, TASK_STATUSES};
use tandem_platform::service::{self, PlatformError};
use tandem_report::Lang;

/// The plan board's filter: one pair's tasks, or all the user may read.
#[derive(Deserialize)]
struct BoardQuery {
    pair_id: Option<String>,
}

/// The form moving a task to another status.
#[derive(Deserialize)]
struct StatusForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    /// The version the board was rendered from; missing or unreadable is no version.
    #[serde(default, deserialize_with = "lenient_version")]
    version: Option<i64>,
    #[serde(default)]
    status: String,
}

/// A form's `version`: a number, else none (the platform then asks for one).
fn lenient_version<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|v| v.parse().ok()))
}

/// The tasks on the board: up to 20 pages of them.
async fn board_tasks(
    state: &AppState,
    s: &Session,
    filters: Vec<(String, String)>,
) -> Result<Vec<Map<String, Json>>, PlatformError> {
    let mut tasks = Vec::new();
    let mut page_no = 1;
    loop {
        let p = list_as(state, s, &entity::TASKS, filters.clone(), page_no).await?;
        let done = page_no * p.per_page >= p.total;
        tasks.extend(p.items);
        if done || page_no >= 20 {
            return Ok(tasks);
        }
        page_no += 1;
    }
}

async fn plan_board(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Query(q): Query<BoardQuery>,
) -> Response {
    let lang = page_lang.lang;
    let filters: Vec<(String, String)> = q
        .pair_id
        .filter(|p| !p.is_empty())
        .map(|p| ("pair_id".to_string(), p))
        .into_iter()
        .collect();
    let tasks = match board_tasks(&state, &s, filters).await {
        Ok(tasks) => tasks,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let body = board(&tasks, &s, lang);
    let title = t(lang, "计划看板", "Plan board");
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The board: one column of task cards per status.
fn board(tasks: &[Map<String, Json>], s: &Session, lang: Lang) -> Markup {
    let today = tandem_platform::clock::today();
    html! {
        p {
            a href="/r/plans/new" { (t(lang, "新建年度计划", "New annual plan")) }
            " · "
            a href="/r/tasks/new" { (t(lang, "新建任务", "New task")) }
        }
        div.board {
            @for status in TASK_STATUSES {
                div.col data-status=(status) {
                    h3 { (status_label(status, lang)) }
                    @for task in tasks.iter().filter(|x| x.get("status").and_then(Json::as_str) == Some(status)) {
                        (task_card(task, status, &today, s, lang))
                    }
                }
            }
        }
    }
}

/// One task on the board, with a button per other status.
fn task_card(
    task: &Map<String, Json>,
    status: &str,
    today: &str,
    s: &Session,
    lang: Lang,
) -> Markup {
    let text = |k: &str| task.get(k).and_then(Json::as_str).unwrap_or("");
    let id = task.get("id").map(|v| v.to_string()).unwrap_or_default();
    let version = task.get("version").and_then(Json::as_i64).unwrap_or(0);
    let due = text("due_on");
    let overdue = status != "done" && !due.is_empty() && due < today;
    let side = text("owner_side");
    html! {
        div.card data-task=(id) {
            a href={ "/r/tasks/" (id) } { (text("title")) }
            div.note {
                (pair_title(text("pair_id"), lang)) " · "
                (t(lang, if side == "helper" { "支援方" } else { "受援方" }, side)) " " (due)
                @if overdue { " " span.flag { (t(lang, "逾期", "overdue")) } }
            }
            @for target in TASK_STATUSES.iter().filter(|x| **x != status) {
                form.inline method="post" action={ "/tasks/" (id) "/status" } {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    input type="hidden" name="version" value=(version);
                    input type="hidden" name="status" value=(target);
                    button.small type="submit" { "→ " (status_label(target, lang)) }
                }
            }
        }
    }
}

async fn task_status(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if !csrf_matches(&s, Some(&form.csrf)) {
        return csrf_failure(lang, &s);
    }
    let mut body = Map::new();
    body.insert("status".into(), Json::String(form.status));
    let version = form.version;
    match run(&state.db, &s.user, move |db, user| {
        service::update(db, user, &entity::TASKS, &id, version, &body)
    })
    .await
    {
        Ok(_) => Redirect::to("/plans").into_response(),
        Err(ApiError::Platform(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

/// The plan pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(plan_board))
        .route("/tasks/{id}/status", post(task_status))
}
