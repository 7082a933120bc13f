//! Every record type through its descriptor: lists with filters, forms, the record page and its
//! history, and the JSON API (pagination, ETags, `If-Match`).

use crate::kernel::error::ApiError;
use crate::kernel::http::url_encode;
use crate::kernel::http::{entity_of, if_match, object, record_response, stale};
use crate::kernel::labels::{stage_label, status_label};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, field_message, page, t, PageLang};
use crate::kernel::record_view::{
    changed_fields, fields_table, get_as, list_as, project_rows, record_url, ref_titles,
};
use crate::kernel::run::{blocking, run};
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json as ApiJson, Router};
use maud::{html, Markup};
use serde::{Deserialize, Deserializer};
use serde_json::{json, Map, Value as Json, Value as JsonValue};
use std::collections::{BTreeMap, HashMap};
use tandem_platform::entity::{self, Entity, FieldError, Kind};
use tandem_platform::service::{self, HistoryEntry, ListQuery, PlatformError, Record};
use tandem_platform::{auth, Role};
use tandem_report::Lang;

/// A whole number given as text, or `None` when it is missing or not one (the pages fall back
/// to their default rather than refuse the request). Read from text, so it also works beside a
/// `#[serde(flatten)]` map, where every value arrives as text.
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.and_then(|v| v.parse().ok()))
}

/// `/r/{entity}?page=&<filter>=`: the page number and the descriptor's filter fields (any
/// other parameter is ignored).
#[derive(Deserialize)]
struct ListParams {
    #[serde(default, deserialize_with = "lenient_i64")]
    page: Option<i64>,
    /// Every other parameter; the descriptor says which are filters.
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

/// `/r/{entity}/new?<field>=`: values to start the form with, by the descriptor's field names.
#[derive(Deserialize)]
struct Prefill {
    #[serde(flatten)]
    values: BTreeMap<String, String>,
}

/// A posted record form: the CSRF token, the version the edit started from (a missing or
/// malformed one is no version) and the descriptor's fields by name.
#[derive(Deserialize)]
struct RecordForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    #[serde(default, deserialize_with = "lenient_i64")]
    version: Option<i64>,
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

/// `GET /api/{entity}`: paging and search, and the descriptor's filter fields. `page` and
/// `per_page` stay text here so that a bad one gets the API's JSON 400 naming the rule.
#[derive(Deserialize)]
pub(crate) struct ApiListParams {
    page: Option<String>,
    per_page: Option<String>,
    q: Option<String>,
    /// Every other parameter is a filter (the service refuses unknown ones).
    #[serde(flatten)]
    filters: BTreeMap<String, String>,
}

/// A failure of [`run`] as a page: a platform error gets the failure page, a failed worker the
/// API's 500.
fn page_failure(lang: Lang, s: &Session, err: ApiError) -> Response {
    match err {
        ApiError::Platform(e) => failure(lang, Some(s), &e),
        other => other.into_response(),
    }
}

/// A form for creating or editing a record of `e`, filled with `values`, with `errors` shown
/// beside their fields.
fn record_form(
    e: &Entity,
    action: &str,
    values: &Map<String, Json>,
    errors: &[FieldError],
    s: &Session,
    version: Option<i64>,
    lang: Lang,
) -> Markup {
    // Errors about fields the form does not show are listed at its end.
    let other = errors
        .iter()
        .filter(|x| e.field(&x.field).is_none_or(|f| !f.writable));
    html! {
        form method="post" action=(action) class="card" id="record-form" {
            input type="hidden" name="_csrf" value=(s.csrf);
            @if let Some(v) = version {
                input type="hidden" name="version" value=(v);
            }
            @if e.id_kind == entity::IdKind::Slug && version.is_none() {
                label for="f-id" { "id" }
                input id="f-id" name="id" value=(values.get("id").and_then(Json::as_str).unwrap_or(""));
            }
            @for f in e.fields.iter().filter(|f| f.writable) {
                label for={ "f-" (f.name) } { (lang.pick(f.zh, f.en)) @if f.required { " *" } }
                (field_input(f, &form_text(values.get(f.name)), lang))
                @for err in errors.iter().filter(|x| x.field == f.name) {
                    div class="err" role="alert" data-error-for=(f.name) { (field_message(err, lang)) }
                }
            }
            @for err in other {
                div class="err" role="alert" { (err.field) ": " (field_message(err, lang)) }
            }
            button type="submit" id="save" { (t(lang, "保存", "Save")) }
        }
    }
}

/// A value as a form field shows it: lists comma-separated, nothing for no value.
fn form_text(v: Option<&Json>) -> String {
    match v {
        None | Some(Json::Null) => String::new(),
        Some(Json::String(s)) => s.clone(),
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => other.to_string(),
    }
}

/// The input for one field, by its kind: a choice, a date, a text area or a line.
fn field_input(f: &entity::Field, text: &str, lang: Lang) -> Markup {
    match f.kind {
        Kind::Enum(options) => html! {
            select id={ "f-" (f.name) } name=(f.name) {
                @if !f.required { option value="" {} }
                @for o in options {
                    option value=(o) selected[*o == text] { (option_label(f, o, lang)) }
                }
            }
        },
        Kind::Date => html! {
            input id={ "f-" (f.name) } name=(f.name) type="date" value=(text);
        },
        Kind::Text(n) if !entity::is_single_line(n) => html! {
            textarea id={ "f-" (f.name) } name=(f.name) rows="3" { (text) }
        },
        _ => html! {
            input id={ "f-" (f.name) } name=(f.name) value=(text);
        },
    }
}

/// The label of a choice: stages and statuses by name in `lang`, other codes as they are.
fn option_label(f: &entity::Field, option: &str, lang: Lang) -> String {
    match f.name {
        "stage" => stage_label(option, lang),
        "status" => status_label(option, lang),
        _ => crate::features::barriers::option_label(f.name, option, lang)
            .unwrap_or_else(|| option.to_string()),
    }
}

/// The record body a form posts: its id (for records named by slug) and writable fields.
fn form_to_body(e: &Entity, form: &HashMap<String, String>) -> Map<String, Json> {
    let mut body = Map::new();
    if e.id_kind == entity::IdKind::Slug {
        if let Some(id) = form.get("id") {
            body.insert("id".into(), Json::String(id.clone()));
        }
    }
    for f in e.fields.iter().filter(|f| f.writable) {
        if let Some(v) = form.get(f.name) {
            body.insert(f.name.into(), Json::String(v.clone()));
        }
    }
    body
}

async fn record_list(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(name): Path<String>,
    Query(q): Query<ListParams>,
) -> Response {
    let lang = page_lang.lang;
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let filters: Vec<(String, String)> = q
        .rest
        .into_iter()
        .filter(|(k, v)| e.field(k).is_some_and(|f| f.filter) && !v.is_empty())
        .collect();
    let p = match list_as(&state, &s, e, filters.clone(), q.page.unwrap_or(1)).await {
        Ok(p) => p,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    // The filters again, for the links to a new record and to other pages.
    let qs: String = filters
        .iter()
        .map(|(k, v)| format!("&{}={}", url_encode(k), url_encode(v)))
        .collect();
    let body = html! {
        p {
            a href={ "/r/" (e.name) "/new?" (qs.trim_start_matches('&')) } id="new-record" { (t(lang, "新建", "New")) }
            " · " (p.total) " " (t(lang, "条记录", "records"))
            @if e.name == "chains" {
                " · " a href="/chains/import" id="import-chain" { (t(lang, "导入整条产业链", "Import a whole chain map")) }
            }
        }
        @if e.name == "projects" { (project_rows(&p.items, lang)) } @else { (records_table(e, &p.items, lang)) }
        (pager(&p, &qs, lang))
    };
    page_lang.remember(page(lang, Some(&s), lang.pick(e.zh, e.en), body).into_response())
}

/// A list of records of `e`: the id (linked) and the first five fields.
fn records_table(e: &Entity, items: &[Map<String, Json>], lang: Lang) -> Markup {
    let shown: Vec<&entity::Field> = e.fields.iter().take(5).collect();
    html! {
        div class="scroll" { table {
            thead { tr {
                th { "id" }
                @for f in &shown { th { (lang.pick(f.zh, f.en)) } }
            } }
            tbody { @for item in items {
                @let id = match item.get("id") {
                    Some(Json::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                };
                tr {
                    td { a href=(list_link(e, &id)) { (id) } }
                    @for f in &shown { td { (cell_text(item.get(f.name))) } }
                }
            } }
        } }
    }
}

/// Where a list links a record: the record types with pages of their own go there.
fn list_link(e: &Entity, id: &str) -> String {
    match e.name {
        "parks" => format!("/parks/{id}"),
        "pairs" => format!("/pairs/{id}"),
        "chains" => format!("/chains/{id}"),
        "disputes" => format!("/disputes/{id}"),
        "tech_needs" => format!("/tech_needs/{id}"),
        "tech_capabilities" => format!("/tech_capabilities/{id}"),
        _ => format!("/r/{}/{id}", e.name),
    }
}

/// A value in a list cell: lists comma-separated, nothing for no value.
fn cell_text(v: Option<&Json>) -> String {
    match v {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(Json::as_str)
            .collect::<Vec<_>>()
            .join(", "),
        Some(v) => v.to_string(),
    }
}

/// Links to the previous and next pages of a list (nothing when it fits on one), keeping the
/// filters (`qs`, each `&name=value`).
fn pager(p: &service::Page, qs: &str, lang: Lang) -> Markup {
    let pages = (p.total + p.per_page - 1) / p.per_page.max(1);
    html! {
        @if pages > 1 {
            p {
                @if p.page > 1 {
                    a href={ "?page=" (p.page - 1) (qs) } { "‹ " (t(lang, "上一页", "previous")) }
                    " "
                }
                (p.page) " / " (pages)
                @if p.page < pages {
                    " "
                    a href={ "?page=" (p.page + 1) (qs) } { (t(lang, "下一页", "next")) " ›" }
                }
            }
        }
    }
}

/// The page for a new record of `e`: the form filled with `values`, `errors` beside their
/// fields.
fn new_record_page(
    e: &Entity,
    values: &Map<String, Json>,
    errors: &[FieldError],
    s: &Session,
    lang: Lang,
) -> Html<String> {
    let form = record_form(
        e,
        &format!("/r/{}/new", e.name),
        values,
        errors,
        s,
        None,
        lang,
    );
    let title = format!("{} — {}", lang.pick(e.zh, e.en), t(lang, "新建", "new"));
    page(lang, Some(s), &title, form)
}

async fn record_new(
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(name): Path<String>,
    Query(q): Query<Prefill>,
) -> Response {
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let mut values: Map<String, Json> = q
        .values
        .into_iter()
        .filter(|(k, _)| e.field(k).is_some())
        .map(|(k, v)| (k, Json::String(v)))
        .collect();
    if let (Role::Officer { pair_id, .. }, true) = (&s.user.role, e.field("pair_id").is_some()) {
        values
            .entry("pair_id")
            .or_insert(Json::String(pair_id.clone()));
    }
    // An enterprise user's records are its own (a technology need, a project): shown filled.
    if let (Role::Enterprise { enterprise_id }, Some(binding)) =
        (&s.user.role, e.rules.enterprise_binding)
    {
        values
            .entry(binding)
            .or_insert(Json::String(enterprise_id.to_string()));
    }
    new_record_page(e, &values, &[], &s, lang).into_response()
}

async fn record_create(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(name): Path<String>,
    Form(form): Form<RecordForm>,
) -> Response {
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let body = form_to_body(e, &form.fields);
    let b = body.clone();
    match run(&state.db, &s.user, move |db, user| {
        service::create(db, user, e, &b)
    })
    .await
    {
        Ok(rec) => Redirect::to(&record_url(e, &rec)).into_response(),
        Err(ApiError::Platform(PlatformError::Invalid(errors))) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            new_record_page(e, &body, &errors, &s, lang),
        )
            .into_response(),
        Err(err) => page_failure(lang, &s, err),
    }
}

/// An edit the service refused: the errors and the values the user had entered.
type Refused<'a> = (&'a [FieldError], &'a Map<String, Json>);

/// A record page's body: the fields, the history link and version, and the edit form for
/// users who may change the record (after a refused edit, filled with what was entered and
/// the errors), else a note that the record is read-only to them.
fn record_body(
    e: &'static Entity,
    rec: &Record,
    titles: &HashMap<&'static str, String>,
    s: &Session,
    lang: Lang,
    refused: Option<Refused<'_>>,
) -> Markup {
    let (errors, values) = refused.unwrap_or((&[], &rec.fields));
    // Only users who may change the record get the form (the server checks again on submit).
    let scope = service::scope_of(e, &rec.fields);
    let may_edit = auth::allowed(&s.user, auth::Action::Update, e.name, &scope);
    html! {
        (fields_table(e, &rec.fields, titles, lang))
        p {
            a href={ "/r/" (e.name) "/" (rec.id_text()) "/history" } { (t(lang, "修改历史", "History")) }
            " · " (t(lang, "版本", "version")) " " (rec.version)
            @if e.name == "chains" {
                " · " a href={ "/chains/" (rec.id_text()) } { (t(lang, "产业链图谱与待补环节", "Chain map and gaps")) }
            }
            @if e.name == "barriers" {
                " · " a href="/barriers" { (t(lang, "制度壁垒清单", "Barrier register")) }
            }
            @if e.name == "disputes" {
                " · " a href={ "/disputes/" (rec.id_text()) } { (t(lang, "案件经过、协商、升级与结案", "Timeline, rounds, escalation and outcome")) }
            }
            @if let (true, Some(pair)) = (tandem_platform::auth::produce::ENTITIES.contains(&e.name), rec.text("pair_id")) {
                " · " a href={ "/produce/pairs/" (pair) } { (t(lang, "结对农产品供应汇总", "The pair's farm-produce totals")) }
            }
            @if e.name == "tech_needs" || e.name == "tech_capabilities" {
                " · " a #ranked href={ "/" (e.name) "/" (rec.id_text()) } { (t(lang, "匹配排名与得分说明", "Ranked matches and explanations")) }
            }
        }
        h2 { (t(lang, "修改", "Edit")) }
        @if may_edit {
            (record_form(e, &format!("/r/{}/{}", e.name, rec.id_text()), values, errors, s, Some(rec.version), lang))
        } @else {
            p class="note" id="read-only" {
                (t(lang, "您的角色只能查看此记录。", "Your role may read this record but not change it."))
            }
        }
    }
}

/// The record page of `rec` (asked for as `id`), after a refused edit when `refused` says so.
async fn record_view(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    rec: &Record,
    id: &str,
    lang: Lang,
    refused: Option<Refused<'_>>,
) -> Html<String> {
    let title = format!(
        "{} {}",
        lang.pick(e.zh, e.en),
        rec.text(e.title).unwrap_or(id)
    );
    let titles = ref_titles(state, s, e, &rec.fields).await;
    page(
        lang,
        Some(s),
        &title,
        record_body(e, rec, &titles, s, lang, refused),
    )
}

async fn record_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let lang = page_lang.lang;
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    match get_as(&state, &s, e, &id).await {
        Ok(rec) => {
            let view = record_view(&state, &s, e, &rec, &id, lang, None).await;
            page_lang.remember(view.into_response())
        }
        Err(err) => failure(lang, Some(&s), &err),
    }
}

async fn record_update(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<RecordForm>,
) -> Response {
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let version = form.version;
    let body = form_to_body(e, &form.fields);
    let (b, rid) = (body.clone(), id.clone());
    let updated = run(&state.db, &s.user, move |db, user| {
        service::update(db, user, e, &rid, version, &b)
    });
    match updated.await {
        Ok(rec) => Redirect::to(&record_url(e, &rec)).into_response(),
        Err(ApiError::Platform(PlatformError::Invalid(errors))) => {
            match get_as(&state, &s, e, &id).await {
                Ok(rec) => {
                    let refused = Some((&errors[..], &body));
                    let view = record_view(&state, &s, e, &rec, &id, lang, refused).await;
                    (StatusCode::UNPROCESSABLE_ENTITY, view).into_response()
                }
                Err(err) => failure(lang, Some(&s), &err),
            }
        }
        Err(err) => page_failure(lang, &s, err),
    }
}

async fn history_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path((name, id)): Path<(String, String)>,
) -> Response {
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let rid = id.clone();
    let entries = match run(&state.db, &s.user, move |db, user| {
        service::history(db, user, e, &rid)
    })
    .await
    {
        Ok(h) => h,
        Err(err) => return page_failure(lang, &s, err),
    };
    let title = format!(
        "{} {} — {}",
        lang.pick(e.zh, e.en),
        id,
        t(lang, "修改历史", "history")
    );
    page(lang, Some(&s), &title, history_table(&entries, lang)).into_response()
}

/// A record's history: when, who, what, and which fields changed.
fn history_table(entries: &[HistoryEntry], lang: Lang) -> Markup {
    html! {
        p class="note" {
            (t(lang, "历史记录只能追加，不能修改或删除。", "History is append-only: it cannot be edited or deleted."))
        }
        div class="scroll" { table {
            thead { tr {
                th { (t(lang, "时间", "When")) }
                th { (t(lang, "操作人", "Who")) }
                th { (t(lang, "操作", "Action")) }
                th { (t(lang, "变更", "Changes")) }
            } }
            tbody { @for h in entries {
                tr {
                    td { (h.at) }
                    td { (h.actor) }
                    td { (h.action) }
                    td { (changed_fields(h.before.as_ref(), h.after.as_ref(), &["version", "updated_at"])) }
                }
            } }
        } }
    }
}

/// A whole number given as text, or the API's 400 saying `rule`.
fn whole_number(v: &str, rule: impl FnOnce() -> String) -> Result<i64, ApiError> {
    v.parse().map_err(|_| ApiError::BadRequest(rule()))
}

pub async fn api_list(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    Query(params): Query<ApiListParams>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let mut q = ListQuery::default();
    if let Some(v) = &params.page {
        q.page = whole_number(v, || "page must be a whole number ≥ 1".into())?;
    }
    if let Some(v) = &params.per_page {
        q.per_page = whole_number(v, || {
            format!(
                "per_page must be a whole number 1..{}",
                service::MAX_PER_PAGE
            )
        })?;
    }
    q.search = params.q;
    q.filters = params.filters.into_iter().collect();
    q.filters.sort();
    let page = run(&state.db, &s.user, move |db, user| {
        service::list(db, user, e, &q)
    })
    .await?;
    Ok(ApiJson(page).into_response())
}

pub async fn api_create(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<JsonValue>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let body = object(body)?;
    let rec = run(&state.db, &s.user, move |db, user| {
        service::create(db, user, e, &body)
    })
    .await?;
    Ok(record_response(StatusCode::CREATED, rec))
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let rec = run(&state.db, &s.user, move |db, user| {
        service::get(db, user, e, &id)
    })
    .await?;
    Ok(record_response(StatusCode::OK, rec))
}

pub async fn api_update(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<JsonValue>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let body = object(body)?;
    let expected = if_match(&headers)?;
    let db = state.db.clone();
    // A stale version is 412 when it came in `If-Match`, 409 in the body: not `run`'s shape.
    let rec = blocking(move || service::update(&db, &s.user, e, &id, expected, &body))
        .await?
        .map_err(|err| stale(err, expected.is_some()))?;
    Ok(record_response(StatusCode::OK, rec))
}

pub async fn api_delete(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let expected = if_match(&headers)?;
    let db = state.db.clone();
    blocking(move || service::delete(&db, &s.user, e, &id, expected))
        .await?
        .map_err(|err| stale(err, true))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn api_history(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let h = run(&state.db, &s.user, move |db, user| {
        service::history(db, user, e, &id)
    })
    .await?;
    Ok(ApiJson(json!({"items": h})).into_response())
}

/// The record routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/{entity}", get(api_list).post(api_create))
        .route(
            "/{entity}/{id}",
            get(api_get).patch(api_update).delete(api_delete),
        )
        .route("/{entity}/{id}/history", get(api_history))
}

/// The record pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/r/{entity}", get(record_list))
        .route("/r/{entity}/new", get(record_new).post(record_create))
        .route("/r/{entity}/{id}", get(record_page).post(record_update))
        .route("/r/{entity}/{id}/history", get(history_page))
}
