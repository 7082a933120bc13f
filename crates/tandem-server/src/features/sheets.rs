//! Excel in and out: export any record type the user may read, import within limits.

use crate::kernel::error::ApiError;
use crate::kernel::openapi::{csrf, errors, over_budget, too_large, with};
use crate::kernel::page::{csrf_failure, failure, page, t, PageLang};
use crate::kernel::run::{blocking, run};
use crate::kernel::session::{constant_time_eq, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json as ApiJson, Router};
use maud::{html, Markup};
use serde_json::json;
use tandem_platform::entity::{self, Entity};
use tandem_platform::service::PlatformError;
use tandem_platform::{auth, sheets};
use tandem_report::Lang;

/// The record types exchanged as XLSX (`tandem_platform::sheets::sheet_entity`).
const SHEETS: [&str; 24] = [
    "projects",
    "tasks",
    "enterprise_figures",
    "park_figures",
    "chains",
    "chain_nodes",
    "chain_edges",
    "chain_placements",
    "barriers",
    "disputes",
    "dispute_rounds",
    "supply_bases",
    "base_certifications",
    "produce_buyers",
    "supply_contracts",
    "deliveries",
    "produce_events",
    "institutes",
    "innovation_platforms",
    "tech_capabilities",
    "tech_needs",
    "innovation_projects",
    "innovation_milestones",
    "ip_records",
];

async fn sheets_page(PageSession(s): PageSession, PageLang { lang, .. }: PageLang) -> Response {
    page(
        lang,
        Some(&s),
        &t(lang, "Excel 导入导出", "Excel import and export"),
        sheets_body(&s, lang, None),
    )
    .into_response()
}

/// The spreadsheet page: what an export holds and how an import reads it, the export links
/// and the import form, after `message` (good or bad) about an import.
fn sheets_body(s: &Session, lang: Lang, message: Option<(bool, Markup)>) -> Markup {
    html! {
        @if let Some((ok, m)) = message {
            div class={ "flash " (if ok { "good" } else { "bad" }) } role="alert" { (m) }
        }
        p { (t(lang, "导出的文件即为导入模板：“template”工作表说明每一列。id 为空的行新建记录；带 id 和 version 的行修改该记录。整个文件要么全部导入，要么全部不导入。", "The export is the import template: its “template” sheet explains every column. Rows without id create records; rows with id and version change that record. A file is imported entirely or not at all.")) }
        ul {
            li { a href="/sheets/projects" { (t(lang, "导出项目（XLSX）", "Export projects (XLSX)")) } }
            li { a href="/sheets/tasks" { (t(lang, "导出计划任务（XLSX）", "Export plan tasks (XLSX)")) } }
            li { a href="/sheets/enterprise_figures" { (t(lang, "导出企业年度数据（XLSX，评价模板）", "Export enterprise annual figures (XLSX, the assessment template)")) } }
            li { a href="/sheets/park_figures" { (t(lang, "导出园区年度数据（XLSX）", "Export park annual figures (XLSX)")) } }
            li {
                (t(lang, "导出产业链（XLSX）：", "Export industry chains (XLSX): "))
                a href="/sheets/chains" { (t(lang, "产业链", "chains")) } " · "
                a href="/sheets/chain_nodes" { (t(lang, "环节", "segments")) } " · "
                a href="/sheets/chain_edges" { (t(lang, "供应关系", "supply edges")) } " · "
                a href="/sheets/chain_placements" { (t(lang, "企业", "enterprises")) }
            }
            li { a href="/sheets/barriers" { (t(lang, "导出制度壁垒（XLSX）", "Export barriers (XLSX)")) } }
            li {
                (t(lang, "导出争议协商（XLSX）：", "Export disputes (XLSX): "))
                a href="/sheets/disputes" { (t(lang, "案件", "cases")) } " · "
                a href="/sheets/dispute_rounds" { (t(lang, "协商记录", "consultation rounds")) }
            }
            li {
                (t(lang, "导出农产品供应（XLSX）：", "Export farm produce (XLSX): "))
                a href="/sheets/supply_bases" { (t(lang, "供应基地", "supply bases")) } " · "
                a href="/sheets/base_certifications" { (t(lang, "认证", "certifications")) } " · "
                a href="/sheets/produce_buyers" { (t(lang, "采购商", "buyers")) } " · "
                a href="/sheets/supply_contracts" { (t(lang, "合同", "contracts")) } " · "
                a href="/sheets/deliveries" { (t(lang, "交付", "deliveries")) } " · "
                a href="/sheets/produce_events" { (t(lang, "产销对接活动", "fairs")) }
                " " span.note { (t(lang, "（各结对汇总见农产品供应页）", "(each pair's totals: on the farm-produce page)")) }
            }
            li {
                (t(lang, "导出产学研合作（XLSX）：", "Export innovation cooperation (XLSX): "))
                a href="/sheets/institutes" { (t(lang, "高校与院所", "institutes")) } " · "
                a href="/sheets/innovation_platforms" { (t(lang, "创新平台", "platforms")) } " · "
                a href="/sheets/tech_capabilities" { (t(lang, "技术供给", "capabilities")) } " · "
                a href="/sheets/tech_needs" { (t(lang, "技术需求", "needs")) } " · "
                a href="/sheets/innovation_projects" { (t(lang, "合作项目", "projects")) } " · "
                a href="/sheets/innovation_milestones" { (t(lang, "里程碑", "milestones")) } " · "
                a href="/sheets/ip_records" { (t(lang, "专利与许可", "patents and licences")) }
            }
        }
        form method="post" action="/sheets" enctype="multipart/form-data" class="card" {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="kind" { (t(lang, "导入类型", "Import")) }
            select id="kind" name="entity" {
                option value="projects" { (t(lang, "项目", "projects")) }
                option value="tasks" { (t(lang, "计划任务", "plan tasks")) }
                option value="enterprise_figures" { (t(lang, "企业年度数据", "enterprise annual figures")) }
                option value="park_figures" { (t(lang, "园区年度数据", "park annual figures")) }
                option value="chains" { (t(lang, "产业链", "industry chains")) }
                option value="chain_nodes" { (t(lang, "产业链环节", "chain segments")) }
                option value="chain_edges" { (t(lang, "产业链供应关系", "chain supply edges")) }
                option value="chain_placements" { (t(lang, "产业链企业", "chain enterprises")) }
                option value="barriers" { (t(lang, "制度壁垒", "barriers")) }
                option value="disputes" { (t(lang, "争议案件", "dispute cases")) }
                option value="dispute_rounds" { (t(lang, "争议协商记录", "consultation rounds")) }
                option value="supply_bases" { (t(lang, "农产品供应基地", "supply bases")) }
                option value="base_certifications" { (t(lang, "基地认证", "base certifications")) }
                option value="produce_buyers" { (t(lang, "农产品采购商", "produce buyers")) }
                option value="supply_contracts" { (t(lang, "供销合同", "supply contracts")) }
                option value="deliveries" { (t(lang, "交付记录", "deliveries")) }
                option value="produce_events" { (t(lang, "产销对接活动", "produce fairs")) }
                option value="institutes" { (t(lang, "高校与科研院所", "universities and institutes")) }
                option value="innovation_platforms" { (t(lang, "创新平台", "innovation platforms")) }
                option value="tech_capabilities" { (t(lang, "技术供给", "technology capabilities")) }
                option value="tech_needs" { (t(lang, "技术需求", "technology needs")) }
                option value="innovation_projects" { (t(lang, "产学研合作项目", "innovation projects")) }
                option value="innovation_milestones" { (t(lang, "项目里程碑", "project milestones")) }
                option value="ip_records" { (t(lang, "专利与许可", "patents and licences")) }
            }
            label for="file" { (t(lang, "文件", "File")) }
            input id="file" name="file" type="file" accept=".xlsx";
            button type="submit" { (t(lang, "导入", "Import")) }
        }
    }
}

/// A spreadsheet failure as the platform's: failing to write the workbook is a server fault.
fn platform_error(err: sheets::SheetError) -> PlatformError {
    match err {
        sheets::SheetError::Platform(p) => p,
        other => PlatformError::Db(tandem_platform::DbError::Other(other.to_string())),
    }
}

async fn sheets_export(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(name): Path<String>,
) -> Response {
    let Some(e) = sheets::sheet_entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let export = run(&state.db, &s.user, move |db, user| {
        sheets::export(db, user, e).map_err(platform_error)
    });
    match export.await {
        Ok(bytes) => crate::kernel::http::xlsx_download(&format!("tandem-{name}.xlsx"), bytes),
        Err(ApiError::Platform(err)) => failure(lang, Some(&s), &err),
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
    let importable = SHEETS.map(sheets::sheet_entity);
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
    PageLang { lang, .. }: PageLang,
    mut multipart: Multipart,
) -> Response {
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
        Ok(sum) => (StatusCode::OK, (true, imported(&sum, lang))),
        // Over a limit (rows per file, the creation budget): the failure page says which.
        Err(sheets::ImportFailure {
            limit: Some(limit), ..
        }) => return failure(lang, Some(&s), &limit),
        Err(problems) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            (false, not_imported(&problems, lang)),
        ),
    };
    (
        status,
        page(
            lang,
            Some(&s),
            &t(lang, "Excel 导入导出", "Excel import and export"),
            sheets_body(&s, lang, Some(msg)),
        ),
    )
        .into_response()
}

/// What an import did: how many records it created and changed.
fn imported(sum: &sheets::ImportSummary, lang: Lang) -> Markup {
    html! {
        @match lang {
            Lang::Zh => { "导入完成：新建 " (sum.created) " 条，修改 " (sum.updated) " 条。" },
            Lang::En => { "Imported: " (sum.created) " created, " (sum.updated) " changed." },
        }
    }
}

/// Why an import was refused: the number of problems and the first 200 of them.
fn not_imported(problems: &sheets::ImportFailure, lang: Lang) -> Markup {
    html! {
        @match lang {
            Lang::Zh => { "未导入任何记录：发现 " (problems.len()) " 个问题。" },
            Lang::En => { "Nothing was imported: " (problems.len()) " problem(s)." },
        }
        ul { @for p in problems.iter().take(200) { li { (p.to_string()) } } }
    }
}

pub async fn api_export(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let e = sheets::sheet_entity(&name).ok_or(ApiError::NotFound)?;
    let bytes = run(&state.db, &s.user, move |db, user| {
        sheets::export(db, user, e).map_err(platform_error)
    })
    .await?;
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

/// Excel in and out.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    let csrf = csrf();
    paths.insert(
        "/api/sheets/{entity}".into(),
        json!({
            "get": {"summary": "Export projects or tasks as XLSX (the import template)", "tags": ["sheets"],
                "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": SHEETS}}],
                "responses": with(errors(), json!({"200": {"description": "workbook", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}}))},
            "post": {"summary": "Import projects or tasks from XLSX, all or nothing", "tags": ["sheets"],
                "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": SHEETS}}, csrf],
                "requestBody": {"required": true, "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": with(errors(), json!({"200": {"description": "counts", "content": {"application/json": {"schema": {"type": "object"}}}}, "413": too_large(), "429": over_budget()}))}
        }),
    );
}
