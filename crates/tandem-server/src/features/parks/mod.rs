//! The park page: the park's record, its projects and its benefit-sharing ledger ([`ledger`]:
//! agreements, revenues, settlement and statements, on the page and in the API).

use crate::kernel::page::{failure, page, t, PageLang};
use crate::kernel::record_view::{fields_table, get_as, list_as, project_rows, ref_titles};
use crate::kernel::session::PageSession;
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use tandem_platform::entity::{self};
use tandem_report::Lang;

pub(crate) mod ledger;

async fn park_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let rec = match get_as(&state, &s, &entity::PARKS, &id).await {
        Ok(r) => r,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let titles = ref_titles(&state, &s, &entity::PARKS, &rec.fields).await;
    let projects = list_as(
        &state,
        &s,
        &entity::PROJECTS,
        vec![("park_id".into(), id.clone())],
        1,
    )
    .await;
    let sharing = match rec.int("id") {
        Some(park) => ledger::park_section(&state, &s, park, lang).await,
        None => html! {},
    };
    let body = html! {
        (fields_table(&entity::PARKS, &rec.fields, &titles, lang))
        (park_links(&id, rec.text("pair_id").unwrap_or(""), lang))
        @if let Ok(p) = &projects {
            h2 { (t(lang, "园区项目", "Projects in the park")) " (" (p.total) ")" }
            (project_rows(&p.items, lang))
        }
        (sharing)
    };
    let title = rec.text("name").unwrap_or(&id).to_string();
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// Links to edit the park, its history and a new project in it.
fn park_links(id: &str, pair_id: &str, lang: Lang) -> Markup {
    html! {
        p {
            a href={ "/r/parks/" (id) } { (t(lang, "编辑园区", "Edit park")) }
            " · "
            a href={ "/r/parks/" (id) "/history" } { (t(lang, "修改历史", "History")) }
            " · "
            a href={ "/r/projects/new?park_id=" (id) "&pair_id=" (pair_id) } {
                (t(lang, "在此园区新建项目", "New project in this park"))
            }
        }
    }
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
