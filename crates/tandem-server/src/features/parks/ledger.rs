//! Benefit sharing on the park page and in the API: agreements, revenues, settlement, the
//! ledger's entries and per-party statements, for the roles entitled to them
//! (`tandem_platform::ledger`). Every split figure is labelled as an assessment figure.

use crate::kernel::error::ApiError;
use crate::kernel::openapi::{csrf, errors, too_large, with};
use crate::kernel::page::t;
use crate::kernel::run::run;
use crate::kernel::session::{blocking, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::body::Body;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use axum::{Form, Json};
use maud::{display, html, Markup};
use serde::Deserialize;
use serde_json::json;
use tandem_ledger::settle::{effective_entries, Entry};
use tandem_ledger::statement::{Statement, LABEL_EN};
use tandem_ledger::{Book, Period};
use tandem_platform::ledger::{self, LedgerOpError};
use tandem_platform::service::PlatformError;
use tandem_report::Lang;

fn api_error(e: LedgerOpError) -> ApiError {
    match e {
        LedgerOpError::Platform(p) => ApiError::Platform(p),
        LedgerOpError::Agreement(m) | LedgerOpError::Settle(m) => {
            ApiError::Platform(PlatformError::Invalid(vec![
                tandem_platform::entity::FieldError::new("ledger", "ledger_rule", m.clone(), m),
            ]))
        }
    }
}

fn parse_period(text: &str, field: &str) -> Result<Period, LedgerOpError> {
    text.trim().parse().map_err(|_| {
        LedgerOpError::Settle(format!("{field} must be a period YYYY-MM (got {text:?})"))
    })
}

/// Revenue records from an uploaded CSV or XLSX file (the `tandem ledger settle --revenues`
/// format), read through a temporary file so the ledger crate's reader names the file's rows.
fn read_revenue_upload(
    name: &str,
    bytes: &[u8],
) -> Result<Vec<tandem_ledger::RevenueRecord>, LedgerOpError> {
    let ext = if name.to_ascii_lowercase().ends_with(".xlsx") || bytes.starts_with(b"PK") {
        "xlsx"
    } else {
        "csv"
    };
    let dir = tempfile::tempdir().map_err(|e| LedgerOpError::Settle(e.to_string()))?;
    let shown = if name.is_empty() {
        format!("upload.{ext}")
    } else {
        name.replace(['/', '\\'], "_")
    };
    let path = dir.path().join(if shown.ends_with(ext) {
        shown
    } else {
        format!("{shown}.{ext}")
    });
    std::fs::write(&path, bytes).map_err(|e| LedgerOpError::Settle(e.to_string()))?;
    tandem_ledger::import::read_revenues(&path).map_err(|e| {
        // Name the upload, not the temporary folder.
        let message = e
            .to_string()
            .replace(&format!("{}/", dir.path().display()), "");
        match e {
            // A workbook over a limit of the bounded reader: 413, naming the limit.
            tandem_ledger::import::ImportError::Workbook { error, .. } if error.is_limit() => {
                LedgerOpError::Platform(PlatformError::TooLarge(message))
            }
            _ => LedgerOpError::Settle(message),
        }
    })
}

/// Whether the user may record revenues for the park, asked before a byte of an upload is
/// read; `Err` is the refusal (403, for an unknown park too).
async fn check_upload_right(state: &AppState, s: &Session, park: i64) -> Result<(), ApiError> {
    let db = state.db.clone();
    let user = s.user.clone();
    if blocking(move || ledger::may_write_park(&db, &user, park))
        .await?
        .map_err(api_error)?
    {
        return Ok(());
    }
    Err(ApiError::Platform(PlatformError::Forbidden(format!(
        "{} ({}) may not record revenues for park {park}; nothing was read",
        s.user.username,
        s.user.role.name()
    ))))
}

// ---- API ----

pub async fn api_ledger(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(park): Path<i64>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let (agreements, entries) = blocking(move || -> Result<_, LedgerOpError> {
        Ok((
            ledger::agreements(&db, &s.user, park)?,
            ledger::entries(&db, &s.user, park)?,
        ))
    })
    .await?
    .map_err(api_error)?;
    let entries: Vec<serde_json::Value> = entries
        .into_iter()
        .map(|(seq, e)| json!({"seq": seq, "entry": e}))
        .collect();
    Ok(
        Json(json!({"label": LABEL_EN, "agreements": agreements, "entries": entries}))
            .into_response(),
    )
}

pub async fn api_record_agreement(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(park): Path<i64>,
    body: String,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let a = blocking(move || ledger::record_agreement(&db, &s.user, park, &body))
        .await?
        .map_err(api_error)?;
    Ok((StatusCode::CREATED, Json(json!(a))).into_response())
}

pub async fn api_record_revenues(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(park): Path<i64>,
    body: Body,
) -> Result<Response, ApiError> {
    check_upload_right(&state, &s, park).await?;
    let body = crate::kernel::upload::read_body(body).await?;
    let db = state.db.clone();
    let n = blocking(move || -> Result<usize, LedgerOpError> {
        let records = read_revenue_upload("revenues", &body)?;
        ledger::record_revenues(&db, &s.user, park, &records)
    })
    .await?
    .map_err(api_error)?;
    Ok((StatusCode::CREATED, Json(json!({"recorded": n}))).into_response())
}

#[derive(serde::Deserialize)]
pub struct SettleBody {
    from: String,
    to: String,
    #[serde(default)]
    allow_corrections: bool,
}

pub async fn api_settle(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(park): Path<i64>,
    Json(b): Json<SettleBody>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let r = blocking(move || -> Result<_, LedgerOpError> {
        let from = parse_period(&b.from, "from")?;
        let to = parse_period(&b.to, "to")?;
        ledger::settle_park(&db, &s.user, park, from, to, b.allow_corrections)
    })
    .await?
    .map_err(api_error)?;
    Ok(Json(json!(r)).into_response())
}

pub async fn api_verify(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    if !matches!(
        s.user.role,
        tandem_platform::Role::Admin
            | tandem_platform::Role::Coordinator
            | tandem_platform::Role::Researcher
    ) {
        return Err(PlatformError::Forbidden(
            "the whole chain is verified by administrators, coordinators and researchers".into(),
        )
        .into());
    }
    let r = run(&state.db, &s.user, |db, _| {
        ledger::verify(db).map_err(PlatformError::Db)
    })
    .await?;
    Ok(match r {
        Ok((entries, head)) => {
            Json(json!({"ok": true, "entries": entries, "head": head})).into_response()
        }
        Err(bad) => (
            StatusCode::CONFLICT,
            Json(json!({"ok": false, "first_bad_entry": bad})),
        )
            .into_response(),
    })
}

// ---- pages ----

/// The benefit-sharing section of a park page (empty for roles not entitled to it).
pub async fn park_section(state: &AppState, s: &Session, park: i64, lang: Lang) -> Markup {
    let db = state.db.clone();
    let user = s.user.clone();
    let loaded = blocking(move || -> Result<_, LedgerOpError> {
        let write = ledger::may_write_park(&db, &user, park)?;
        Ok((
            ledger::agreements(&db, &user, park)?,
            ledger::entries(&db, &user, park)?,
            write,
        ))
    })
    .await;
    let Ok(Ok((agreements, entries, write))) = loaded else {
        return html! {};
    };
    let effective = effective_entries(&entries);
    html! {
        h2 #benefit-sharing { (t(lang, "收益分享（考核口径）", "Benefit sharing (assessment figures)")) }
        p.flash.bad data-testid="assessment-label" {
            (t(lang, "考核口径：分成数字仅用于考核，官方统计仍按实际发生地计算。", LABEL_EN))
        }
        (agreement_list(&agreements, lang))
        @if !effective.is_empty() {
            (settlements_table(&effective, lang))
            (statement_links(park, &effective, lang))
        }
        @if write { (ledger_forms(park, &s.csrf, lang)) }
    }
}

/// The park's agreements, every version.
fn agreement_list(agreements: &[ledger::StoredAgreement], lang: Lang) -> Markup {
    html! {
        h3 { (t(lang, "分享协议", "Agreements")) }
        ul #agreements {
            @for a in agreements {
                li {
                    (a.agreement_id) " v" (a.version) " — " (a.title) " "
                    span.note { "(" (a.recorded_by) " " (a.recorded_at) ")" }
                }
            }
            @if agreements.is_empty() {
                li.note { (t(lang, "尚无协议", "no agreement recorded")) }
            }
        }
    }
}

/// The effective entries of the assessment book (at most 500).
fn settlements_table(effective: &[(u64, Entry)], lang: Lang) -> Markup {
    html! {
        h3 { (t(lang, "结算（当前有效分录）", "Settlements (effective entries)")) }
        div.scroll { table #settlements {
            thead { tr {
                th { "#" }
                th { (t(lang, "期间", "Period")) }
                th { (t(lang, "协议", "Agreement")) }
                th { (t(lang, "参与方", "Party")) }
                th { (t(lang, "收入类型", "Revenue type")) }
                th.num { (t(lang, "分成额", "Credited")) }
                th.num { (t(lang, "实得额", "Amount")) }
            } }
            tbody {
                @for (seq, e) in effective.iter().filter(|(_, e)| e.book == Book::Assessment).take(500) {
                    tr {
                        td { (seq) }
                        td { (display(e.period)) }
                        td { (e.agreement) " v" (e.version) }
                        td { (e.party) }
                        td { (e.revenue_type.as_str()) }
                        td.num { (display(e.credited)) }
                        td.num { (display(e.amount)) }
                    }
                }
            }
        } }
    }
}

/// Links to each party's statement over the settled periods, as HTML and XLSX.
fn statement_links(park: i64, effective: &[(u64, Entry)], lang: Lang) -> Markup {
    let parties: std::collections::BTreeSet<&str> =
        effective.iter().map(|(_, e)| e.party.as_str()).collect();
    let (first, last) = period_range(effective);
    let link = |party: &str, format: &str| {
        html! {
            a href={
                "/parks/" (park) "/statement?party=" (party) "&from=" (display(first))
                "&to=" (display(last)) "&format=" (format)
            } { (format.to_ascii_uppercase()) }
        }
    };
    html! {
        p {
            (t(lang, "对账单", "Statements")) ": "
            @for p in parties {
                (p) " (" (link(p, "html")) ", " (link(p, "xlsx")) ") "
            }
        }
    }
}

/// The forms of those who may write the park's ledger: an agreement, revenues, settling.
fn ledger_forms(park: i64, csrf: &str, lang: Lang) -> Markup {
    html! {
        details {
            summary { (t(lang, "登记新协议或新版本（TOML/JSON）", "Record an agreement or a new version (TOML/JSON)")) }
            form.card method="post" action={ "/parks/" (park) "/agreements" } {
                input type="hidden" name="_csrf" value=(csrf);
                label for="agreement" { (t(lang, "协议文本", "Agreement text")) }
                textarea #agreement name="agreement" rows="10" {}
                button type="submit" { (t(lang, "登记", "Record")) }
            }
        }
        form.card method="post" action={ "/parks/" (park) "/revenues" } enctype="multipart/form-data" {
            input type="hidden" name="_csrf" value=(csrf);
            label for="revenues" { (t(lang, "登记收入（CSV/XLSX，格式同 tandem ledger settle --revenues）", "Record revenues (CSV/XLSX, as for tandem ledger settle --revenues)")) }
            input #revenues name="file" type="file" accept=".csv,.xlsx";
            button type="submit" { (t(lang, "上传", "Upload")) }
        }
        form.card method="post" action={ "/parks/" (park) "/settle" } {
            input type="hidden" name="_csrf" value=(csrf);
            label for="from" { (t(lang, "起始期间", "From period")) }
            input #from name="from" placeholder="2025-01";
            label for="to" { (t(lang, "截止期间", "To period")) }
            input #to name="to" placeholder="2025-12";
            label {
                input type="checkbox" name="corrections" value="1" style="width:auto";
                " " (t(lang, "数字有变化时记为更正分录", "record changed figures as correction entries"))
            }
            button #settle type="submit" { (t(lang, "结算", "Settle")) }
        }
    }
}

fn period_range(entries: &[(u64, Entry)]) -> (Period, Period) {
    let first = entries
        .iter()
        .map(|(_, e)| e.period)
        .min()
        .unwrap_or_else(|| Period::new(2021, 1).expect("valid"));
    let last = entries.iter().map(|(_, e)| e.period).max().unwrap_or(first);
    (first, last)
}

fn back(park: i64, lang: Lang, s: &Session, result: Result<String, LedgerOpError>) -> Response {
    match result {
        Ok(_) => Redirect::to(&format!("/parks/{park}#benefit-sharing")).into_response(),
        Err(LedgerOpError::Platform(p)) => crate::kernel::page::failure_page(lang, Some(s), &p),
        Err(other) => crate::kernel::page::failure_page(
            lang,
            Some(s),
            &PlatformError::Invalid(vec![tandem_platform::entity::FieldError::new(
                "ledger",
                "ledger_rule",
                other.to_string(),
                other.to_string(),
            )]),
        ),
    }
}

fn csrf_ok(s: &Session, given: &str) -> bool {
    crate::kernel::page::csrf_matches(s, Some(given))
}

/// The form recording an agreement.
#[derive(Deserialize)]
pub struct AgreementForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    agreement: String,
}

pub async fn page_record_agreement(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Path(park): Path<i64>,
    Form(form): Form<AgreementForm>,
) -> Response {
    let lang = Lang::Zh;
    if !csrf_ok(&s, &form.csrf) {
        return crate::kernel::page::csrf_failure(lang, &s);
    }
    let text = form.agreement;
    let db = state.db.clone();
    let user = s.user.clone();
    let r =
        blocking(move || ledger::record_agreement(&db, &user, park, &text).map(|a| a.agreement_id))
            .await;
    match r {
        Ok(r) => back(park, lang, &s, r),
        Err(e) => e.into_response(),
    }
}

pub async fn page_record_revenues(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Path(park): Path<i64>,
    mut multipart: Multipart,
) -> Response {
    let lang = Lang::Zh;
    // The right before a byte of the form is read, and the CSRF token before the file.
    match check_upload_right(&state, &s, park).await {
        Ok(()) => {}
        Err(ApiError::Platform(p)) => return back(park, lang, &s, Err(p.into())),
        Err(other) => return other.into_response(),
    }
    let (mut csrf, mut name, mut file) = (String::new(), String::new(), Vec::new());
    loop {
        let field = match crate::kernel::upload::next_field(&mut multipart).await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => return back(park, lang, &s, Err(e.platform().into())),
        };
        match field.name().unwrap_or("") {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "file" => {
                if !csrf_ok(&s, &csrf) {
                    return crate::kernel::page::csrf_failure(lang, &s);
                }
                name = field.file_name().unwrap_or("").to_string();
                file = match crate::kernel::upload::read_field(field).await {
                    Ok(bytes) => bytes,
                    Err(e) => return back(park, lang, &s, Err(e.platform().into())),
                };
            }
            _ => {}
        }
    }
    if !csrf_ok(&s, &csrf) {
        return crate::kernel::page::csrf_failure(lang, &s);
    }
    let db = state.db.clone();
    let user = s.user.clone();
    let r = blocking(move || -> Result<String, LedgerOpError> {
        let records = read_revenue_upload(&name, &file)?;
        ledger::record_revenues(&db, &user, park, &records).map(|n| n.to_string())
    })
    .await;
    match r {
        Ok(r) => back(park, lang, &s, r),
        Err(e) => e.into_response(),
    }
}

/// The form settling the park over a range of periods.
#[derive(Deserialize)]
pub struct SettleForm {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    /// Present (whatever its value) when changed figures are to be recorded as corrections.
    corrections: Option<String>,
}

pub async fn page_settle(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Path(park): Path<i64>,
    Form(form): Form<SettleForm>,
) -> Response {
    let lang = Lang::Zh;
    if !csrf_ok(&s, &form.csrf) {
        return crate::kernel::page::csrf_failure(lang, &s);
    }
    let db = state.db.clone();
    let user = s.user.clone();
    let (from, to, corrections) = (form.from, form.to, form.corrections.is_some());
    let r = blocking(move || -> Result<String, LedgerOpError> {
        let from = parse_period(&from, "from")?;
        let to = parse_period(&to, "to")?;
        ledger::settle_park(&db, &user, park, from, to, corrections).map(|s| s.head_hash)
    })
    .await;
    match r {
        Ok(r) => back(park, lang, &s, r),
        Err(e) => e.into_response(),
    }
}

/// Which statement: a party over a range of periods, as HTML or XLSX (`format=xlsx`).
#[derive(Deserialize)]
pub struct StatementQuery {
    #[serde(default)]
    party: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    format: String,
}

pub async fn page_statement(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Path(park): Path<i64>,
    Query(q): Query<StatementQuery>,
) -> Response {
    let lang = Lang::Zh;
    let StatementQuery {
        party,
        from,
        to,
        format,
    } = q;
    let db = state.db.clone();
    let user = s.user.clone();
    let r = blocking(move || -> Result<Response, LedgerOpError> {
        let from = parse_period(&from, "from")?;
        let to = parse_period(&to, "to")?;
        let entries = ledger::entries(&db, &user, park)?;
        let st = Statement::build(&effective_entries(&entries), &party, from, to);
        if format == "xlsx" {
            let dir = tempfile::tempdir().map_err(|e| LedgerOpError::Settle(e.to_string()))?;
            let path = dir.path().join("statement.xlsx");
            st.write_xlsx(&path)
                .map_err(|e| LedgerOpError::Settle(e.to_string()))?;
            let bytes = std::fs::read(&path).map_err(|e| LedgerOpError::Settle(e.to_string()))?;
            Ok(crate::kernel::http::xlsx_download(
                &format!(
                    "statement-{park}-{}-{from}-{to}.xlsx",
                    party.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
                ),
                bytes,
            ))
        } else {
            let mut r = st.to_html().into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            Ok(r)
        }
    })
    .await;
    match r {
        Ok(Ok(resp)) => resp,
        Ok(Err(e)) => back(park, lang, &s, Err(e)),
        Err(e) => e.into_response(),
    }
}

/// The ledger routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/parks/{id}/ledger", get(api_ledger))
        .route("/parks/{id}/agreements", post(api_record_agreement))
        .route("/parks/{id}/revenues", post(api_record_revenues))
        .route("/parks/{id}/settle", post(api_settle))
        .route("/ledger/verify", get(api_verify))
}

/// The ledger's forms on the park page.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/parks/{id}/agreements", post(page_record_agreement))
        .route("/parks/{id}/revenues", post(page_record_revenues))
        .route("/parks/{id}/settle", post(page_settle))
        .route("/parks/{id}/statement", get(page_statement))
}

/// A park's benefit-sharing ledger, and the chain's verification.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    let csrf = csrf();
    let park_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    paths.insert(
        "/api/parks/{id}/ledger".into(),
        json!({"get": {"summary": "A park's benefit-sharing agreements and ledger entries (assessment figures)", "tags": ["ledger"],
            "parameters": [park_param],
            "responses": with(errors(), json!({"200": {"description": "agreements and entries", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/parks/{id}/agreements".into(),
        json!({"post": {"summary": "Record an agreement or a new version (TOML or JSON text)", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": with(errors(), json!({"201": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/parks/{id}/revenues".into(),
        json!({"post": {"summary": "Record revenues (CSV or XLSX: enterprise_id, park_id, industry, recommended_by, period, revenue_type, amount), all or nothing", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": with(errors(), json!({"201": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object"}}}}, "413": too_large()}))}}),
    );
    paths.insert(
        "/api/parks/{id}/settle".into(),
        json!({"post": {"summary": "Settle a period range; idempotent; differing figures only as corrections when allowed", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["from", "to"],
                "properties": {"from": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "to": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "allow_corrections": {"type": "boolean"}}}}}},
            "responses": with(errors(), json!({"200": {"description": "appended, unchanged, corrections, head", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/ledger/verify".into(),
        json!({"get": {"summary": "Verify the whole hash chain", "tags": ["ledger"],
            "responses": with(errors(), json!({"200": {"description": "the chain verifies", "content": {"application/json": {"schema": {"type": "object"}}}},
                "409": {"description": "the first bad entry", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
}
