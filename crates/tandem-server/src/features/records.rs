//! Every record type through its descriptor: lists with filters, forms, the record page and its
//! history, and the JSON API (pagination, ETags, `If-Match`).

use crate::kernel::error::ApiError;
use crate::kernel::http::url_encode;
use crate::kernel::http::{entity_of, if_match, object, record_response, stale};
use crate::kernel::labels::{stage_label, status_label};
use crate::kernel::page::{
    csrf_failure, csrf_ok, failure, field_message, lang_of, page, t, with_lang_cookie,
};
use crate::kernel::record_view::{
    changed_fields, fields_table, get_as, list_as, project_rows, record_url, ref_titles,
};
use crate::kernel::session::{blocking, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Json as ApiJson, Router};
use maud::PreEscaped;
use serde_json::{json, Map, Value as Json, Value as JsonValue};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self, Entity, FieldError, Kind};
use tandem_platform::service::{self, ListQuery, PlatformError, Record};
use tandem_platform::{auth, Role};
use tandem_report::text::esc;
use tandem_report::Lang;

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
) -> String {
    let mut html = format!(
        "<form method=\"post\" action=\"{}\" class=\"card\" id=\"record-form\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\">",
        esc(action),
        esc(&s.csrf)
    );
    if let Some(v) = version {
        let _ = write!(
            html,
            "<input type=\"hidden\" name=\"version\" value=\"{v}\">"
        );
    }
    if e.id_kind == entity::IdKind::Slug && version.is_none() {
        let _ = write!(
            html,
            "<label for=\"f-id\">id</label><input id=\"f-id\" name=\"id\" value=\"{}\">",
            esc(values.get("id").and_then(Json::as_str).unwrap_or(""))
        );
    }
    for f in e.fields.iter().filter(|f| f.writable) {
        let v = values.get(f.name).cloned().unwrap_or(Json::Null);
        let text = match &v {
            Json::Null => String::new(),
            Json::String(s) => s.clone(),
            Json::Array(a) => a
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        let req = if f.required { " *" } else { "" };
        let _ = write!(
            html,
            "<label for=\"f-{}\">{}{req}</label>",
            f.name,
            esc(lang.pick(f.zh, f.en))
        );
        match f.kind {
            Kind::Enum(options) => {
                let _ = write!(html, "<select id=\"f-{0}\" name=\"{0}\">", f.name);
                if !f.required {
                    html.push_str("<option value=\"\"></option>");
                }
                for o in options {
                    let label = match f.name {
                        "stage" => stage_label(o, lang),
                        "status" => status_label(o, lang),
                        _ => o.to_string(),
                    };
                    let sel = if *o == text { " selected" } else { "" };
                    let _ = write!(html, "<option value=\"{o}\"{sel}>{}</option>", esc(&label));
                }
                html.push_str("</select>");
            }
            Kind::Date => {
                let _ = write!(
                    html,
                    "<input id=\"f-{0}\" name=\"{0}\" type=\"date\" value=\"{1}\">",
                    f.name,
                    esc(&text)
                );
            }
            Kind::Text(n) if !entity::is_single_line(n) => {
                let _ = write!(
                    html,
                    "<textarea id=\"f-{0}\" name=\"{0}\" rows=\"3\">{1}</textarea>",
                    f.name,
                    esc(&text)
                );
            }
            _ => {
                let _ = write!(
                    html,
                    "<input id=\"f-{0}\" name=\"{0}\" value=\"{1}\">",
                    f.name,
                    esc(&text)
                );
            }
        }
        for err in errors.iter().filter(|x| x.field == f.name) {
            let _ = write!(
                html,
                "<div class=\"err\" role=\"alert\" data-error-for=\"{}\">{}</div>",
                f.name,
                esc(&field_message(err, lang))
            );
        }
    }
    let other: Vec<&FieldError> = errors
        .iter()
        .filter(|x| e.field(&x.field).is_none_or(|f| !f.writable))
        .collect();
    for err in other {
        let _ = write!(
            html,
            "<div class=\"err\" role=\"alert\">{}: {}</div>",
            esc(&err.field),
            esc(&field_message(err, lang))
        );
    }
    let _ = write!(
        html,
        "<button type=\"submit\" id=\"save\">{}</button></form>",
        t(lang, "保存", "Save")
    );
    html
}

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
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let page_no: i64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let filters: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| e.field(k).is_some_and(|f| f.filter) && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let p = match list_as(&state, &s, e, filters.clone(), page_no).await {
        Ok(p) => p,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let mut body = String::new();
    let qs: String = filters
        .iter()
        .map(|(k, v)| format!("&{}={}", url_encode(k), url_encode(v)))
        .collect();
    let _ = write!(
        body,
        "<p><a href=\"/r/{}/new?{}\" id=\"new-record\">{}</a> · {} {}</p>",
        e.name,
        qs.trim_start_matches('&'),
        t(lang, "新建", "New"),
        p.total,
        t(lang, "条记录", "records")
    );
    if e.name == "projects" {
        body.push_str(&project_rows(&p.items, lang).into_string());
    } else {
        let shown: Vec<&entity::Field> = e.fields.iter().take(5).collect();
        let _ = write!(body, "<div class=\"scroll\"><table><thead><tr><th>id</th>");
        for f in &shown {
            let _ = write!(body, "<th>{}</th>", esc(lang.pick(f.zh, f.en)));
        }
        body.push_str("</tr></thead><tbody>");
        for item in &p.items {
            let id = match item.get("id") {
                Some(Json::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            };
            let link = match e.name {
                "parks" => format!("/parks/{id}"),
                "pairs" => format!("/pairs/{id}"),
                _ => format!("/r/{}/{id}", e.name),
            };
            let _ = write!(
                body,
                "<tr><td><a href=\"{}\">{}</a></td>",
                esc(&link),
                esc(&id)
            );
            for f in &shown {
                let v = match item.get(f.name) {
                    Some(Json::String(s)) => s.clone(),
                    Some(Json::Null) | None => String::new(),
                    Some(Json::Array(a)) => a
                        .iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    Some(v) => v.to_string(),
                };
                let _ = write!(body, "<td>{}</td>", esc(&v));
            }
            body.push_str("</tr>");
        }
        body.push_str("</tbody></table></div>");
    }
    let pages = (p.total + p.per_page - 1) / p.per_page.max(1);
    if pages > 1 {
        let _ = write!(body, "<p>");
        if p.page > 1 {
            let _ = write!(
                body,
                "<a href=\"?page={}{}\">‹ {}</a> ",
                p.page - 1,
                qs,
                t(lang, "上一页", "previous")
            );
        }
        let _ = write!(body, "{} / {}", p.page, pages);
        if p.page < pages {
            let _ = write!(
                body,
                " <a href=\"?page={}{}\">{} ›</a>",
                p.page + 1,
                qs,
                t(lang, "下一页", "next")
            );
        }
        body.push_str("</p>");
    }
    with_lang_cookie(
        page(
            lang,
            Some(&s),
            lang.pick(e.zh, e.en),
            PreEscaped(body.to_string()),
        )
        .into_response(),
        &q,
    )
}

async fn record_new(
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let mut values = Map::new();
    for (k, v) in &q {
        if e.field(k).is_some() {
            values.insert(k.clone(), Json::String(v.clone()));
        }
    }
    if let (Role::Officer { pair_id, .. }, true) = (&s.user.role, e.field("pair_id").is_some()) {
        values
            .entry("pair_id")
            .or_insert(Json::String(pair_id.clone()));
    }
    let form = record_form(
        e,
        &format!("/r/{}/new", e.name),
        &values,
        &[],
        &s,
        None,
        lang,
    );
    let title = format!("{} — {}", lang.pick(e.zh, e.en), t(lang, "新建", "new"));
    page(lang, Some(&s), &title, PreEscaped(form.to_string())).into_response()
}

async fn record_create(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let body = form_to_body(e, &form);
    let db = state.db.clone();
    let user = s.user.clone();
    let b = body.clone();
    match blocking(move || service::create(&db, &user, e, &b)).await {
        Ok(Ok(rec)) => Redirect::to(&record_url(e, &rec)).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => {
            let html = record_form(
                e,
                &format!("/r/{}/new", e.name),
                &body,
                &errors,
                &s,
                None,
                lang,
            );
            let title = format!("{} — {}", lang.pick(e.zh, e.en), t(lang, "新建", "new"));
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(lang, Some(&s), &title, PreEscaped(html.to_string())),
            )
                .into_response()
        }
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

fn record_body(
    e: &'static Entity,
    rec: &Record,
    titles: &HashMap<&'static str, String>,
    s: &Session,
    lang: Lang,
    errors: &[FieldError],
    values: Option<&Map<String, Json>>,
) -> String {
    let mut body = fields_table(e, &rec.fields, titles, lang).into_string();
    let _ = write!(
        body,
        "<p><a href=\"/r/{}/{}/history\">{}</a> · {} {}</p><h2>{}</h2>",
        e.name,
        esc(&rec.id_text()),
        t(lang, "修改历史", "History"),
        t(lang, "版本", "version"),
        rec.version,
        t(lang, "修改", "Edit"),
    );
    // Only users who may change the record get the form (the server checks again on submit).
    let scope = service::scope_of(e, &rec.fields);
    if auth::allowed(&s.user, auth::Action::Update, e.name, &scope) {
        body.push_str(&record_form(
            e,
            &format!("/r/{}/{}", e.name, rec.id_text()),
            values.unwrap_or(&rec.fields),
            errors,
            s,
            Some(rec.version),
            lang,
        ));
    } else {
        let _ = write!(
            body,
            "<p class=\"note\" id=\"read-only\">{}</p>",
            t(
                lang,
                "您的角色只能查看此记录。",
                "Your role may read this record but not change it."
            )
        );
    }
    body
}

async fn record_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    match get_as(&state, &s, e, &id).await {
        Ok(rec) => {
            let title = format!(
                "{} {}",
                lang.pick(e.zh, e.en),
                rec.text(e.title).unwrap_or(&id)
            );
            let titles = ref_titles(&state, &s, e, &rec.fields).await;
            with_lang_cookie(
                page(
                    lang,
                    Some(&s),
                    &title,
                    PreEscaped(record_body(e, &rec, &titles, &s, lang, &[], None).to_string()),
                )
                .into_response(),
                &q,
            )
        }
        Err(err) => failure(lang, Some(&s), &err),
    }
}

async fn record_update(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let body = form_to_body(e, &form);
    let db = state.db.clone();
    let user = s.user.clone();
    let b = body.clone();
    let rid = id.clone();
    match blocking(move || service::update(&db, &user, e, &rid, version, &b)).await {
        Ok(Ok(rec)) => Redirect::to(&record_url(e, &rec)).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => match get_as(&state, &s, e, &id).await {
            Ok(rec) => {
                let title = format!(
                    "{} {}",
                    lang.pick(e.zh, e.en),
                    rec.text(e.title).unwrap_or(&id)
                );
                let titles = ref_titles(&state, &s, e, &rec.fields).await;
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    page(
                        lang,
                        Some(&s),
                        &title,
                        PreEscaped(
                            record_body(e, &rec, &titles, &s, lang, &errors, Some(&body))
                                .to_string(),
                        ),
                    ),
                )
                    .into_response()
            }
            Err(err) => failure(lang, Some(&s), &err),
        },
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

async fn history_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let db = state.db.clone();
    let user = s.user.clone();
    let rid = id.clone();
    let entries = match blocking(move || service::history(&db, &user, e, &rid)).await {
        Ok(Ok(h)) => h,
        Ok(Err(err)) => return failure(lang, Some(&s), &err),
        Err(err) => return err.into_response(),
    };
    let mut body = format!(
        "<p class=\"note\">{}</p><div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "历史记录只能追加，不能修改或删除。", "History is append-only: it cannot be edited or deleted."),
        t(lang, "时间", "When"),
        t(lang, "操作人", "Who"),
        t(lang, "操作", "Action"),
        t(lang, "变更", "Changes"),
    );
    for h in &entries {
        let changes = changed_fields(
            h.before.as_ref(),
            h.after.as_ref(),
            &["version", "updated_at"],
        )
        .into_string();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.at),
            esc(&h.actor),
            esc(&h.action),
            changes
        );
    }
    body.push_str("</tbody></table></div>");
    let title = format!(
        "{} {} — {}",
        lang.pick(e.zh, e.en),
        id,
        t(lang, "修改历史", "history")
    );
    page(lang, Some(&s), &title, PreEscaped(body.to_string())).into_response()
}

pub async fn api_list(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let mut q = ListQuery::default();
    for (k, v) in params {
        match k.as_str() {
            "page" => {
                q.page = v
                    .parse()
                    .map_err(|_| ApiError::BadRequest("page must be a whole number ≥ 1".into()))?
            }
            "per_page" => {
                q.per_page = v.parse().map_err(|_| {
                    ApiError::BadRequest(format!(
                        "per_page must be a whole number 1..{}",
                        service::MAX_PER_PAGE
                    ))
                })?
            }
            "q" => q.search = Some(v),
            _ => q.filters.push((k, v)),
        }
    }
    q.filters.sort();
    let db = state.db.clone();
    let page = blocking(move || service::list(&db, &s.user, e, &q)).await??;
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
    let db = state.db.clone();
    let rec = blocking(move || service::create(&db, &s.user, e, &body)).await??;
    Ok(record_response(StatusCode::CREATED, rec))
}

pub async fn api_get(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((name, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let e = entity_of(&name)?;
    let db = state.db.clone();
    let rec = blocking(move || service::get(&db, &s.user, e, &id)).await??;
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
    let db = state.db.clone();
    let h = blocking(move || service::history(&db, &s.user, e, &id)).await??;
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
