//! A whole chain map into a pair's records in one step (issue #17): a `tandem chain export`
//! workbook (one file, four sheets), its JSON or TOML, or one of the chains shipped with
//! tandem. The page `/chains/import` and `POST /api/chains/import` are thin: the right to
//! create chains is checked before a byte of the file is read, the body is read within the
//! upload limit, and `tandem_platform::chain_import` does the all-or-nothing rest.

use crate::kernel::error::ApiError;
use crate::kernel::openapi::{errors, with};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, page, t, PageLang};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use crate::kernel::upload::{next_field, read_body, read_field};
use axum::body::Body;
use axum::extract::{Multipart, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Json, Router};
use maud::html;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tandem_core::chain::Chain;
use tandem_platform::auth;
use tandem_platform::chain_import::import_map;
use tandem_platform::entity::FieldError;
use tandem_platform::service::PlatformError;
use tandem_report::Lang;

/// How an uploaded map is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MapFormat {
    Xlsx,
    Json,
    Toml,
}

impl MapFormat {
    /// The format a content type or a file name names: `.xlsx`/spreadsheet, `.json`/JSON,
    /// anything else TOML.
    fn of(name_or_type: &str) -> MapFormat {
        let n = name_or_type.to_ascii_lowercase();
        if n.ends_with(".xlsx") || n.contains("spreadsheetml") {
            MapFormat::Xlsx
        } else if n.ends_with(".json") || n.contains("json") {
            MapFormat::Json
        } else {
            MapFormat::Toml
        }
    }
}

fn not_a_chain(detail: String) -> PlatformError {
    PlatformError::Invalid(vec![FieldError::new(
        "file",
        "not_a_chain",
        format!("the file is not a chain map ({detail}); export one with `tandem chain export` or start from a shipped chain"),
        format!("文件不是产业链图谱（{detail}）；可用 tandem chain export 导出，或从内置产业链开始"),
    )])
}

/// The chain map in `bytes`.
fn parse_map(format: MapFormat, bytes: &[u8]) -> Result<Chain, PlatformError> {
    if format == MapFormat::Xlsx {
        return tandem_platform::chain_book::read(bytes).map_err(|e| not_a_chain(e.to_string()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| not_a_chain("not UTF-8 text".into()))?;
    let parsed = if format == MapFormat::Json {
        serde_json::from_str(text).map_err(|e| e.to_string())
    } else {
        toml::from_str(text).map_err(|e| e.to_string())
    };
    parsed.map_err(not_a_chain)
}

/// The shipped chain `key`, as an error when there is none.
fn shipped(key: &str) -> Result<Chain, PlatformError> {
    tandem_data::chains::shipped_chain(key)
        .cloned()
        .ok_or_else(|| PlatformError::NotFound(format!("shipped chain {key:?}")))
}

/// Refuses, before anything is read, a user who may create no chain.
fn may_import(s: &Session) -> Result<(), PlatformError> {
    if auth::may_write_any(&s.user, "chains") {
        Ok(())
    } else {
        Err(PlatformError::Forbidden(format!(
            "{} ({}) may not create chains; nothing was read (a pair's officer or a coordinator \
             can import the map)",
            s.user.username,
            s.user.role.name()
        )))
    }
}

/// The import's query: a shipped chain instead of a body, and the chain's focus industry.
#[derive(Deserialize)]
struct ImportQuery {
    shipped: Option<String>,
    focus_industry: Option<String>,
}

/// `POST /api/chains/import`: 201 with the new chain's id, its size and its page.
async fn api_import(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    may_import(&s)?;
    let chain = match q.shipped.as_deref() {
        Some(key) => shipped(key)?,
        None => {
            let kind = headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let bytes = read_body(body).await?;
            parse_map(MapFormat::of(kind), &bytes)?
        }
    };
    let focus = q.focus_industry.filter(|f| !f.trim().is_empty());
    let summary = summary(&chain);
    let rec = run(&state.db, &s.user, move |db, user| {
        import_map(db, user, &chain, focus.as_deref())
    })
    .await?;
    let mut out = summary;
    out.insert("id".into(), json!(rec.fields.get("id")));
    out.insert("url".into(), json!(format!("/chains/{}", rec.id_text())));
    Ok((StatusCode::CREATED, Json(Value::Object(out))).into_response())
}

fn summary(chain: &Chain) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("pair_id".into(), json!(chain.pair));
    m.insert("name_en".into(), json!(chain.name_en));
    m.insert("segments".into(), json!(chain.nodes.len()));
    m.insert("edges".into(), json!(chain.edges.len()));
    m.insert("enterprises".into(), json!(chain.enterprises.len()));
    m
}

/// `GET /chains/import`: the form.
async fn import_page(PageSession(s): PageSession, page_lang: PageLang) -> Response {
    let lang = page_lang.lang;
    let title = t(lang, "导入产业链图谱", "Import a chain map");
    page_lang.remember(page(lang, Some(&s), &title, import_form(&s, lang)).into_response())
}

fn import_form(s: &Session, lang: Lang) -> maud::Markup {
    html! {
        p { (t(lang, "一次导入整条产业链：环节、供应关系和企业全部导入，或全部不导入。文件为 tandem chain export 导出的工作簿（chain、nodes、edges、enterprises 四个工作表）或其 JSON/TOML；也可以载入内置的产业链（每个结对一条，均注明出处）。产业链属于其 pair 所指的结对。", "Import a whole chain in one step: its segments, supply edges and enterprises are all imported or none. The file is a workbook written by tandem chain export (sheets chain, nodes, edges, enterprises) or its JSON/TOML; or load a chain shipped with tandem (one per pair, every placement cited). The chain belongs to the pair its pair field names.")) }
        form method="post" action="/chains/import" enctype="multipart/form-data" class="card" {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="shipped" { (t(lang, "内置产业链", "Shipped chain")) }
            select id="shipped" name="shipped" {
                option value="" { (t(lang, "（上传文件）", "(upload a file)")) }
                @for c in tandem_data::chains::shipped_chains() {
                    option value=(c.id) { (c.pair) " · " (lang.pick(&c.name_zh, &c.name_en)) }
                }
            }
            label for="file" { (t(lang, "文件（XLSX、JSON 或 TOML）", "File (XLSX, JSON or TOML)")) }
            input id="file" name="file" type="file" accept=".xlsx,.json,.toml";
            label for="focus_industry" { (t(lang, "主导产业", "Focus industry")) }
            input id="focus_industry" name="focus_industry" type="text" maxlength="200";
            button type="submit" id="import" { (t(lang, "导入", "Import")) }
        }
    }
}

/// The form's fields.
#[derive(Default)]
struct ImportForm {
    csrf: Option<String>,
    shipped: String,
    focus_industry: String,
    file_name: String,
    file: Vec<u8>,
}

/// Reads the multipart form; the CSRF token and the right are checked before the file's
/// bytes are (the token comes first in the form).
async fn read_form(s: &Session, multipart: &mut Multipart) -> Result<ImportForm, PlatformError> {
    let mut form = ImportForm::default();
    while let Some(field) = next_field(multipart).await.map_err(|e| e.platform())? {
        match field.name().unwrap_or("") {
            "_csrf" => form.csrf = field.text().await.ok(),
            "shipped" => form.shipped = field.text().await.unwrap_or_default(),
            "focus_industry" => form.focus_industry = field.text().await.unwrap_or_default(),
            "file" => {
                if !csrf_matches(s, form.csrf.as_deref()) {
                    return Err(PlatformError::Forbidden("stale form".into()));
                }
                may_import(s)?;
                form.file_name = field.file_name().unwrap_or("").to_string();
                form.file = read_field(field).await.map_err(|e| e.platform())?;
            }
            _ => {}
        }
    }
    Ok(form)
}

/// `POST /chains/import`: to the new chain's page, or the reason nothing was imported.
async fn import_submit(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    mut multipart: Multipart,
) -> Response {
    let form = match read_form(&s, &mut multipart).await {
        Ok(f) => f,
        Err(e) => return failure(lang, Some(&s), &e),
    };
    if !csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let chain = if form.shipped.is_empty() {
        parse_map(MapFormat::of(&form.file_name), &form.file)
    } else {
        may_import(&s).and_then(|()| shipped(&form.shipped))
    };
    let chain = match chain {
        Ok(c) => c,
        Err(e) => return failure(lang, Some(&s), &e),
    };
    let focus = Some(form.focus_industry).filter(|f| !f.trim().is_empty());
    match run(&state.db, &s.user, move |db, user| {
        import_map(db, user, &chain, focus.as_deref())
    })
    .await
    {
        Ok(rec) => Redirect::to(&format!("/chains/{}", rec.id_text())).into_response(),
        Err(ApiError::Platform(e)) => failure(lang, Some(&s), &e),
        Err(e) => e.into_response(),
    }
}

/// The import route under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/chains/import", axum::routing::post(api_import))
}

/// The import page.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route("/chains/import", get(import_page).post(import_submit))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    paths.insert(
        "/api/chains/import".into(),
        json!({"post": {"summary": "Import a whole chain map (segments, edges, enterprises) into its pair's records, all or nothing",
            "tags": ["chains"],
            "parameters": [
                {"name": "shipped", "in": "query", "required": false, "schema": {"type": "string"},
                 "description": "a shipped chain's id or pair id instead of a body (tandem chain list)"},
                {"name": "focus_industry", "in": "query", "required": false, "schema": {"type": "string"}}],
            "requestBody": {"required": false, "description": "the map: a tandem chain export workbook, or its JSON or TOML (by Content-Type)",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
                    "application/json": {"schema": {"type": "object"}},
                    "application/toml": {"schema": {"type": "string"}}}},
            "responses": with(errors(), json!({"201": {"description": "the new chain: id, pair, size, its page",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "pair_id": {"type": "string"}, "name_en": {"type": "string"},
                    "segments": {"type": "integer"}, "edges": {"type": "integer"},
                    "enterprises": {"type": "integer"}, "url": {"type": "string"}}}}}}}))}}),
    );
    paths
}
