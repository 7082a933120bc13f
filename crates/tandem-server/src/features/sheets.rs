//! Excel in and out: export any record type the user may read, import within limits.

use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_failure, failure, lang_of, page, t};
use crate::kernel::session::{blocking, constant_time_eq, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json as ApiJson, Router};
use maud::PreEscaped;
use serde_json::json;
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::PlatformError;
use tandem_platform::{auth, sheets};
use tandem_report::text::esc;
use tandem_report::Lang;

async fn sheets_page(
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let body = sheets_body(&s, lang, None);
    page(
        lang,
        Some(&s),
        &t(lang, "Excel 导入导出", "Excel import and export"),
        PreEscaped(body.to_string()),
    )
    .into_response()
}

fn sheets_body(s: &Session, lang: Lang, message: Option<(bool, String)>) -> String {
    let mut body = String::new();
    if let Some((ok, m)) = message {
        let _ = write!(
            body,
            "<div class=\"flash {}\" role=\"alert\">{}</div>",
            if ok { "good" } else { "bad" },
            m
        );
    }
    let _ = write!(
        body,
        "<p>{}</p><ul><li><a href=\"/sheets/projects\">{}</a></li><li><a href=\"/sheets/tasks\">{}</a></li></ul><form method=\"post\" action=\"/sheets\" enctype=\"multipart/form-data\" class=\"card\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><label for=\"kind\">{}</label><select id=\"kind\" name=\"entity\"><option value=\"projects\">{}</option><option value=\"tasks\">{}</option></select><label for=\"file\">{}</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".xlsx\"><button type=\"submit\">{}</button></form>",
        t(lang, "导出的文件即为导入模板：“template”工作表说明每一列。id 为空的行新建记录；带 id 和 version 的行修改该记录。整个文件要么全部导入，要么全部不导入。", "The export is the import template: its “template” sheet explains every column. Rows without id create records; rows with id and version change that record. A file is imported entirely or not at all."),
        t(lang, "导出项目（XLSX）", "Export projects (XLSX)"),
        t(lang, "导出计划任务（XLSX）", "Export plan tasks (XLSX)"),
        esc(&s.csrf),
        t(lang, "导入类型", "Import"),
        t(lang, "项目", "projects"),
        t(lang, "计划任务", "plan tasks"),
        t(lang, "文件", "File"),
        t(lang, "导入", "Import"),
    );
    body
}

async fn sheets_export(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = sheets::sheet_entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let db = state.db.clone();
    let user = s.user.clone();
    match blocking(move || sheets::export(&db, &user, e)).await {
        Ok(Ok(bytes)) => crate::kernel::http::xlsx_download(&format!("tandem-{name}.xlsx"), bytes),
        Ok(Err(sheets::SheetError::Platform(err))) => failure(lang, Some(&s), &err),
        Ok(Err(err)) => failure(
            lang,
            Some(&s),
            &PlatformError::Db(tandem_platform::DbError::Other(err.to_string())),
        ),
        Err(err) => err.into_response(),
    }
}

/// The `/sheets` form's record type and file. The fields are read in form order, and the
/// CSRF token, the record type and the right to import it are checked before a byte of the
/// file is read; a role that writes neither projects nor tasks is refused before the form is
/// read at all. `Err` is the page that says why.
async fn sheets_form(
    lang: Lang,
    s: &Session,
    multipart: &mut Multipart,
) -> Result<(&'static Entity, Vec<u8>), Box<Response>> {
    let refuse = |e: &Entity| {
        Box::new(failure(
            lang,
            Some(s),
            &PlatformError::Forbidden(format!(
                "{} ({}) may not create or change any {}; nothing was read",
                s.user.username,
                s.user.role.name(),
                e.name
            )),
        ))
    };
    let importable = ["projects", "tasks"].map(sheets::sheet_entity);
    if !importable
        .iter()
        .flatten()
        .any(|e| auth::may_write_any(&s.user, e.name))
    {
        return Err(refuse(&entity::PROJECTS));
    }
    // Everything the file may not be read without.
    let checked = |csrf: &str, kind: &str| {
        if !constant_time_eq(csrf.as_bytes(), s.csrf.as_bytes()) {
            return Err(Box::new(csrf_failure(lang, s)));
        }
        let Some(e) = sheets::sheet_entity(kind) else {
            let unknown = PlatformError::NotFound(kind.to_string());
            return Err(Box::new(failure(lang, Some(s), &unknown)));
        };
        if !auth::may_write_any(&s.user, e.name) {
            return Err(refuse(e));
        }
        Ok(e)
    };
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), Vec::new());
    let unreadable =
        |e: crate::kernel::upload::UploadError| Box::new(failure(lang, Some(s), &e.platform()));
    while let Some(field) = crate::kernel::upload::next_field(multipart)
        .await
        .map_err(unreadable)?
    {
        match field.name().unwrap_or("") {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "entity" => kind = field.text().await.unwrap_or_default(),
            "file" => {
                checked(&csrf, &kind)?;
                file = crate::kernel::upload::read_field(field)
                    .await
                    .map_err(unreadable)?;
            }
            _ => {}
        }
    }
    Ok((checked(&csrf, &kind)?, file))
}

async fn sheets_import(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let (e, file) = match sheets_form(lang, &s, &mut multipart).await {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    let db = state.db.clone();
    let user = s.user.clone();
    let result = match blocking(move || sheets::import(&db, &user, e, &file)).await {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    let (status, msg) = match result {
        Ok(sum) => (
            StatusCode::OK,
            (
                true,
                esc(&match lang {
                    Lang::Zh => format!(
                        "导入完成：新建 {} 条，修改 {} 条。",
                        sum.created, sum.updated
                    ),
                    Lang::En => format!(
                        "Imported: {} created, {} changed.",
                        sum.created, sum.updated
                    ),
                }),
            ),
        ),
        // Over a limit (rows per file, the creation budget): the failure page says which.
        Err(sheets::ImportFailure {
            limit: Some(limit), ..
        }) => return failure(lang, Some(&s), &limit),
        Err(problems) => {
            let mut m = esc(&match lang {
                Lang::Zh => format!("未导入任何记录：发现 {} 个问题。", problems.len()),
                Lang::En => format!("Nothing was imported: {} problem(s).", problems.len()),
            });
            m.push_str("<ul>");
            for p in problems.iter().take(200) {
                let _ = write!(m, "<li>{}</li>", esc(&p.to_string()));
            }
            m.push_str("</ul>");
            (StatusCode::UNPROCESSABLE_ENTITY, (false, m))
        }
    };
    (
        status,
        page(
            lang,
            Some(&s),
            &t(lang, "Excel 导入导出", "Excel import and export"),
            PreEscaped(sheets_body(&s, lang, Some(msg)).to_string()),
        ),
    )
        .into_response()
}

pub async fn api_export(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let e = sheets::sheet_entity(&name).ok_or(ApiError::NotFound)?;
    let db = state.db.clone();
    let bytes = blocking(move || sheets::export(&db, &s.user, e))
        .await?
        .map_err(|err| match err {
            sheets::SheetError::Platform(p) => ApiError::Platform(p),
            other => ApiError::Internal(other.to_string()),
        })?;
    Ok(crate::kernel::http::xlsx_download(
        &format!("tandem-{name}.xlsx"),
        bytes,
    ))
}

/// `POST /api/sheets/{entity}`: the right is checked before a byte of the workbook is read (a
/// role that writes none of these records gets 403 and the body is never parsed), then the
/// body is read within the upload limit and the workbook within `tandem_sheet`'s.
pub async fn api_import(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
    body: Body,
) -> Result<Response, ApiError> {
    let e = sheets::sheet_entity(&name).ok_or(ApiError::NotFound)?;
    if !auth::may_write_any(&s.user, e.name) {
        return Err(PlatformError::Forbidden(format!(
            "{} ({}) may not create or change any {}; nothing was read (ask a coordinator to \
             import the file)",
            s.user.username,
            s.user.role.name(),
            e.name
        ))
        .into());
    }
    let body = crate::kernel::upload::read_body(body).await?;
    let db = state.db.clone();
    let result = blocking(move || sheets::import(&db, &s.user, e, &body)).await?;
    Ok(match result {
        Ok(summary) => {
            ApiJson(json!({"created": summary.created, "updated": summary.updated})).into_response()
        }
        // Over a limit (rows per file: 413; the creation budget: 429 with Retry-After).
        Err(sheets::ImportFailure {
            limit: Some(limit), ..
        }) => ApiError::Platform(limit).into_response(),
        Err(failure) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            ApiJson(json!({
                "error": "invalid",
                "message": format!("nothing was imported: {} problem(s)", failure.len()),
                "problems": failure.problems,
            })),
        )
            .into_response(),
    })
}

/// The spreadsheet routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/sheets/{entity}", get(api_export).post(api_import))
}

/// The spreadsheet pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/sheets", get(sheets_page).post(sheets_import))
        .route("/sheets/{entity}", get(sheets_export))
}
