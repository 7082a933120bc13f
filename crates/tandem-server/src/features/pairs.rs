//! The pair page: the advisor's diagnosis from live records plus statistics, and the pair's
//! projects.

use crate::kernel::labels::{funnel_table, pair_title, pct};
use crate::kernel::page::{failure, lang_of, page, t, with_lang_cookie};
use crate::kernel::record_view::{list_as, project_rows};
use crate::kernel::session::{blocking, PageSession};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::PreEscaped;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self};
use tandem_platform::service::{self};
use tandem_report::text::esc;

async fn pair_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.clone();
    let rec = match blocking(move || service::get(&db, &user, &entity::PAIRS, &pid)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return failure(lang, Some(&s), &e),
        Err(e) => return e.into_response(),
    };
    let d = match crate::kernel::state::cached_dashboard(&state, &s.user).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let mut body = String::new();
    if let Some(f) = d.pairs.iter().find(|p| p.pair_id == id) {
        let _ = write!(
            body,
            "<h2>{}</h2><p>{} {} · {} {} · {} {} · {} {} ({} {})</p>",
            t(lang, "平台实时数据", "Live platform figures"),
            f.parks,
            t(lang, "个园区", "parks"),
            f.projects,
            t(lang, "个项目", "projects"),
            t(lang, "任务完成率", "tasks done"),
            pct(f.task_completion(), lang),
            f.tasks_overdue,
            t(lang, "项逾期任务", "overdue tasks"),
            t(lang, "截至", "as of"),
            esc(&d.as_of),
        );
        body.push_str(&funnel_table(f, lang).into_string());
    }
    let parks = list_as(
        &state,
        &s,
        &entity::PARKS,
        vec![("pair_id".into(), id.clone())],
        1,
    )
    .await;
    if let Ok(parks) = parks {
        let _ = write!(body, "<h2>{}</h2><ul>", t(lang, "合作园区", "Parks"));
        for p in &parks.items {
            let _ = write!(
                body,
                "<li><a href=\"/parks/{}\">{}</a></li>",
                p.get("id").map(|v| v.to_string()).unwrap_or_default(),
                esc(p.get("name").and_then(Json::as_str).unwrap_or(""))
            );
        }
        if parks.items.is_empty() {
            let _ = write!(
                body,
                "<li class=\"note\">{}</li>",
                t(lang, "尚未登记园区", "no park recorded yet")
            );
        }
        body.push_str("</ul>");
    }
    if let Ok(projects) = list_as(
        &state,
        &s,
        &entity::PROJECTS,
        vec![("pair_id".into(), id.clone())],
        1,
    )
    .await
    {
        let _ = write!(
            body,
            "<h2>{}</h2><p><a href=\"/r/projects/new?pair_id={}\">{}</a> · <a href=\"/r/projects?pair_id={}\">{} ({})</a> · <a href=\"/plans?pair_id={}\">{}</a></p>{}",
            t(lang, "项目", "Projects"),
            esc(&id),
            t(lang, "新建项目", "New project"),
            esc(&id),
            t(lang, "全部", "all"),
            projects.total,
            esc(&id),
            t(lang, "计划看板", "Plan board"),
            project_rows(&projects.items, lang).into_string()
        );
    }
    let _ = write!(
        body,
        "<h2>{}</h2><p class=\"note\">{}</p>",
        t(lang, "诊断与建议（实时）", "Diagnosis and advice (live)"),
        t(lang, "根据内置统计数据与投入产出表，并以平台中的事件和已签约项目作为现状层计算。", "Computed from the bundled statistics and input-output table, with the platform's events and signed projects as the status layer."),
    );
    let db = state.db.clone();
    let pid = id.clone();
    let user = s.user.clone();
    match blocking(move || crate::kernel::live::pair_sections(&db, &user, &pid, lang)).await {
        Ok(Ok(html)) => body.push_str(&html),
        Ok(Err(e)) => {
            let _ = write!(body, "<div class=\"flash bad\">{}</div>", esc(&e));
        }
        Err(e) => return e.into_response(),
    }
    let title = pair_title(rec.text("id").unwrap_or(&id), lang);
    with_lang_cookie(
        page(lang, Some(&s), &title, PreEscaped(body.to_string())).into_response(),
        &q,
    )
}

/// The pair pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route("/pairs/{id}", get(pair_page))
}
