//! The pair page: the advisor's diagnosis from live records plus statistics, and the pair's
//! projects.

use crate::kernel::error::ApiError;
use crate::kernel::labels::{funnel_table, pair_title, pct};
use crate::kernel::page::{failure, page, t, PageLang};
use crate::kernel::record_view::{list_as, project_rows};
use crate::kernel::run::run;
use crate::kernel::session::{PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped};
use serde_json::Value as Json;
use tandem_platform::dashboard::PairFigures;
use tandem_platform::entity::{self};
use tandem_platform::service::{self, PlatformError};
use tandem_report::Lang;

/// A failure of [`run`] as a page: the platform's refusal explained, a worker failure as is.
fn page_failure(lang: Lang, s: &Session, e: ApiError) -> Response {
    match e {
        ApiError::Platform(p) => failure(lang, Some(s), &p),
        other => other.into_response(),
    }
}

async fn pair_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let pid = id.clone();
    let rec = match run(&state.db, &s.user, move |db, user| {
        service::get(db, user, &entity::PAIRS, &pid)
    })
    .await
    {
        Ok(r) => r,
        Err(e) => return page_failure(lang, &s, e),
    };
    let d = match crate::kernel::state::cached_dashboard(&state, &s.user).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let by_pair = || vec![("pair_id".to_string(), id.clone())];
    let parks = list_as(&state, &s, &entity::PARKS, by_pair(), 1).await;
    let projects = list_as(&state, &s, &entity::PROJECTS, by_pair(), 1).await;
    let pid = id.clone();
    let sections = match run(&state.db, &s.user, move |db, user| {
        Ok::<_, PlatformError>(crate::kernel::live::pair_sections(db, user, &pid, lang))
    })
    .await
    {
        Ok(sections) => sections,
        Err(e) => return e.into_response(),
    };
    let body = html! {
        @if let Some(f) = d.pairs.iter().find(|p| p.pair_id == id) {
            (live_figures(f, &d.as_of, lang))
        }
        @if let Ok(parks) = &parks { (park_list(parks, lang)) }
        @if let Ok(projects) = &projects { (project_section(&id, projects, lang)) }
        (diagnosis(sections, lang))
    };
    let title = pair_title(rec.text("id").unwrap_or(&id), lang);
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The pair's figures from the platform's records, with its project funnel.
fn live_figures(f: &PairFigures, as_of: &str, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "平台实时数据", "Live platform figures")) }
        p {
            (f.parks) " " (t(lang, "个园区", "parks"))
            " · " (f.projects) " " (t(lang, "个项目", "projects"))
            " · " (t(lang, "任务完成率", "tasks done")) " " (pct(f.task_completion(), lang))
            " · " (f.tasks_overdue) " " (t(lang, "项逾期任务", "overdue tasks"))
            " (" (t(lang, "截至", "as of")) " " (as_of) ")"
        }
        (funnel_table(f, lang))
    }
}

/// The pair's parks, linked.
fn park_list(parks: &service::Page, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "合作园区", "Parks")) }
        ul {
            @for p in &parks.items {
                li { a href={ "/parks/" (p.get("id").map(|v| v.to_string()).unwrap_or_default()) } {
                    (p.get("name").and_then(Json::as_str).unwrap_or(""))
                } }
            }
            @if parks.items.is_empty() {
                li.note { (t(lang, "尚未登记园区", "no park recorded yet")) }
            }
        }
    }
}

/// The pair's projects, with links to a new project, all of them and the plan board.
fn project_section(id: &str, projects: &service::Page, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "项目", "Projects")) }
        p {
            a href={ "/r/projects/new?pair_id=" (id) } { (t(lang, "新建项目", "New project")) }
            " · "
            a href={ "/r/projects?pair_id=" (id) } { (t(lang, "全部", "all")) " (" (projects.total) ")" }
            " · "
            a href={ "/plans?pair_id=" (id) } { (t(lang, "计划看板", "Plan board")) }
        }
        (project_rows(&projects.items, lang))
    }
}

/// The advisor's live diagnosis, or why it could not be computed.
fn diagnosis(sections: Result<String, String>, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "诊断与建议（实时）", "Diagnosis and advice (live)")) }
        p.note { (t(lang, "根据内置统计数据与投入产出表，并以平台中的事件和已签约项目作为现状层计算。", "Computed from the bundled statistics and input-output table, with the platform's events and signed projects as the status layer.")) }
        @match sections {
            // HTML rendered by `tandem_report::pair_sections`, which escapes what it shows.
            Ok(html) => (PreEscaped(html)),
            Err(e) => div.flash.bad { (e) },
        }
    }
}

/// The pair pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route("/pairs/{id}", get(pair_page))
}
