//! The park page: the park's record, its projects and its benefit-sharing ledger ([`ledger`]:
//! agreements, revenues, settlement and statements, on the page and in the API).

use crate::kernel::page::{failure, lang_of, page, t, with_lang_cookie};
use crate::kernel::record_view::{fields_table, get_as, list_as, project_rows, ref_titles};
use crate::kernel::session::PageSession;
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::PreEscaped;
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self};
use tandem_report::text::esc;

pub(crate) mod ledger;

async fn park_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let rec = match get_as(&state, &s, &entity::PARKS, &id).await {
        Ok(r) => r,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let titles = ref_titles(&state, &s, &entity::PARKS, &rec.fields).await;
    let mut body = fields_table(&entity::PARKS, &rec.fields, &titles, lang).into_string();
    let _ = write!(
        body,
        "<p><a href=\"/r/parks/{id}\">{}</a> · <a href=\"/r/parks/{id}/history\">{}</a> · <a href=\"/r/projects/new?park_id={id}&pair_id={}\">{}</a></p>",
        t(lang, "编辑园区", "Edit park"),
        t(lang, "修改历史", "History"),
        esc(rec.text("pair_id").unwrap_or("")),
        t(lang, "在此园区新建项目", "New project in this park"),
    );
    if let Ok(p) = list_as(
        &state,
        &s,
        &entity::PROJECTS,
        vec![("park_id".into(), id.clone())],
        1,
    )
    .await
    {
        let _ = write!(
            body,
            "<h2>{} ({})</h2>{}",
            t(lang, "园区项目", "Projects in the park"),
            p.total,
            project_rows(&p.items, lang).into_string()
        );
    }
    if let Some(park) = rec.int("id") {
        body.push_str(&ledger::park_section(&state, &s, park, lang).await);
    }
    let title = rec.text("name").unwrap_or(&id).to_string();
    with_lang_cookie(
        page(lang, Some(&s), &title, PreEscaped(body.to_string())).into_response(),
        &q,
    )
}

/// The park routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    ledger::api_routes()
}

/// The park pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/parks/{id}", get(park_page))
        .merge(ledger::page_routes())
}
