//! Docking (issue #7) in the API and the UI: shortlists stored as matches, the match workflow
//! (contact, make a project, decline), stalled matches, stale park offers, aggregate figures
//! and capital shortlists, over `tandem_platform::docking`. The records themselves (demands,
//! park offers, capital providers, matches) go through the generic record routes.

use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_failure, failure_page, page, t, PageLang};
use crate::kernel::record_view::{fields_table, ref_titles};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};
use tandem_platform::docking::{self, StaleOffer, Stalled, Step, StoredExplanation, Summary};
use tandem_platform::entity;
use tandem_platform::service::{PlatformError, Record};
use tandem_platform::{clock, DbError};
use tandem_report::Lang;

/// How many candidates the park and capital shortlists return at most.
pub const SHORTLIST_K: usize = 20;

/// The docking API routes (merged under `/api`).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/demands/{id}/match", post(api_match))
        .route("/demands/{id}/matches", get(api_demand_matches))
        .route("/demands/{id}/close", post(api_close))
        .route("/matches/{id}/contact", post(api_contact))
        .route("/matches/{id}/convert", post(api_convert))
        .route("/matches/{id}/decline", post(api_decline))
        .route("/parks/{id}/shortlist", get(api_park_shortlist))
        .route("/projects/{id}/capital", get(api_capital))
        .route("/docking/stalled", get(api_stalled))
        .route("/docking/stale-offers", get(api_stale_offers))
        .route("/docking/summary", get(api_summary))
}

/// The docking pages.
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/demands/{id}", get(demand_page))
        .route("/demands/{id}/match", post(page_match))
        .route("/matches/{id}/{action}", post(page_step))
        .route("/docking", get(docking_page))
}

/// `?as_of=YYYY-MM-DD` of the docking figures; today when absent.
#[derive(Deserialize)]
struct AsOf {
    as_of: Option<String>,
}

impl AsOf {
    /// The reference date asked for, else today.
    fn date(self) -> String {
        self.as_of.unwrap_or_else(clock::today)
    }
}

/// A posted docking form: the session's CSRF token and, for a workflow step, its date.
#[derive(Deserialize)]
struct StepForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    date: Option<String>,
}

impl StepForm {
    /// Whether the form carries the session's CSRF token.
    fn csrf_ok(&self, s: &Session) -> bool {
        crate::kernel::page::csrf_matches(s, self.csrf.as_deref())
    }
}

fn id_of(text: &str, what: &str) -> Result<i64, PlatformError> {
    text.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| PlatformError::NotFound(format!("{what} {text:?}")))
}

fn items<T: serde::Serialize>(v: T) -> Response {
    Json(json!({ "items": v })).into_response()
}

/// A failure of blocking work as the platform error a page explains (a failed worker is a
/// server error).
fn page_error(e: ApiError) -> PlatformError {
    match e {
        ApiError::Platform(e) => e,
        _ => PlatformError::Db(DbError::Other("worker failed".into())),
    }
}

async fn api_match(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let v = run(&state.db, &s.user, move |db, user| {
        docking::refresh_matches(db, user, id)
    })
    .await?;
    Ok(items(records(&v)))
}

async fn api_demand_matches(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let v = run(&state.db, &s.user, move |db, user| {
        docking::demand_matches(db, user, id)
    })
    .await?;
    Ok(items(records(&v)))
}

async fn api_close(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let r = run(&state.db, &s.user, move |db, user| {
        docking::close_demand(db, user, id)
    })
    .await?;
    Ok(Json(Value::Object(r.fields)).into_response())
}

fn records(v: &[Record]) -> Vec<Value> {
    v.iter().map(|r| Value::Object(r.fields.clone())).collect()
}

/// The optional body of a workflow step: `{"date": "YYYY-MM-DD", "version": n}`.
fn step_body(body: &Bytes) -> Result<(Option<String>, Option<i64>), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, None));
    }
    let v: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body must be JSON: {e}")))?;
    let date = v.get("date").and_then(Value::as_str).map(str::to_string);
    let version = v.get("version").and_then(Value::as_i64);
    Ok((date, version))
}

async fn api_step(
    state: AppState,
    s: Session,
    headers: HeaderMap,
    id: String,
    body: Bytes,
    step: Step,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "matches")?;
    let (date, version) = step_body(&body)?;
    let by_header = crate::kernel::http::if_match(&headers)?;
    let version = by_header.or(version);
    let r = run(&state.db, &s.user, move |db, user| {
        docking::step(db, user, id, step, date.as_deref(), version)
    })
    .await
    .map_err(|e| match e {
        // A stale If-Match is 412, a stale `version` in the body 409 (as for records).
        ApiError::Platform(e @ PlatformError::Conflict { .. }) if by_header.is_some() => {
            ApiError::PreconditionFailed(e)
        }
        e => e,
    })?;
    Ok(Json(Value::Object(r.fields)).into_response())
}

async fn api_contact(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    api_step(state, s, headers, id, body, Step::Contact).await
}

async fn api_convert(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    api_step(state, s, headers, id, body, Step::Convert).await
}

async fn api_decline(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    api_step(state, s, headers, id, body, Step::Decline).await
}

async fn api_park_shortlist(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "parks")?;
    let v = run(&state.db, &s.user, move |db, user| {
        docking::park_shortlist(db, user, id, SHORTLIST_K)
    })
    .await?;
    Ok(items(v))
}

async fn api_capital(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "projects")?;
    let v = run(&state.db, &s.user, move |db, user| {
        docking::capital_shortlist(db, user, id, SHORTLIST_K)
    })
    .await?;
    Ok(items(v))
}

async fn api_stalled(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<AsOf>,
) -> Result<Response, ApiError> {
    let at = q.date();
    let v = run(&state.db, &s.user, move |db, user| {
        docking::stalled_as_of(db, user, &at)
    })
    .await?;
    Ok(items(v))
}

async fn api_stale_offers(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<AsOf>,
) -> Result<Response, ApiError> {
    let at = q.date();
    if clock::parse_date(&at).is_none() {
        return Err(ApiError::BadRequest(format!(
            "as_of must be YYYY-MM-DD (got {at:?})"
        )));
    }
    let v = run(&state.db, &s.user, move |db, _| {
        docking::stale_offers_as_of(db, &at)
    })
    .await?;
    Ok(items(v))
}

async fn api_summary(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<AsOf>,
) -> Result<Response, ApiError> {
    let at = q.date();
    let v = run(&state.db, &s.user, move |db, _| {
        docking::summary_as_of(db, &at)
    })
    .await?;
    Ok(Json(v).into_response())
}

// ---- pages ----

fn match_status(status: &str, lang: Lang) -> String {
    match status {
        "proposed" => t(lang, "推荐", "proposed"),
        "contacted" => t(lang, "已对接", "contacted"),
        "project" => t(lang, "已转项目", "project"),
        "declined" => t(lang, "已谢绝", "declined"),
        other => other.to_string(),
    }
}

fn component_label(key: &str, lang: Lang) -> String {
    let (zh, en) = match key {
        "industry" => ("产业契合", "Industry fit"),
        "capacity" => ("承载能力", "Capacity"),
        "cost" => ("成本", "Cost"),
        "distance" => ("距离", "Distance"),
        "incentives" => ("优惠政策", "Incentives"),
        "pair" => ("结对关系", "Pair"),
        "region" => ("意向地区", "Region"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// A small button posting the session's CSRF token to `action`.
fn button(s: &Session, action: &str, label: &str, id: &str) -> Markup {
    html! {
        form.inline method="post" action=(action) {
            input type="hidden" name="_csrf" value=(s.csrf);
            button.small type="submit" id=(id) { (label) }
        }
    }
}

/// The table of a demand's matches, or a note that there are none.
fn match_rows(ms: &[Record], s: &Session, can_step: bool, lang: Lang) -> Markup {
    if ms.is_empty() {
        return html! { p.note #no-matches { (t(lang, "尚无匹配结果。", "No matches yet.")) } };
    }
    html! {
        div.scroll { table #matches {
            thead { tr {
                th { (t(lang, "排名", "Rank")) }
                th { (t(lang, "园区", "Park")) }
                th { (t(lang, "得分", "Score")) }
                th { (t(lang, "状态", "Status")) }
                th { (t(lang, "得分说明", "Explanation")) }
                th {}
            } }
            tbody { @for m in ms { (match_row(m, s, can_step, lang)) } }
        } }
    }
}

/// One match: rank, park and offer, score, status, the score's explanation and the steps.
fn match_row(m: &Record, s: &Session, can_step: bool, lang: Lang) -> Markup {
    let id = m.id_text();
    let status = m.text("status").unwrap_or("");
    let x = docking::explanation_of(m);
    let park = m.int("park_id").unwrap_or(0);
    let score = m.fields.get("score").and_then(Value::as_f64);
    html! {
        tr id={ "match-" (id) } {
            td { @if let Some(r) = m.int("rank") { (r) } }
            td {
                a href={ "/parks/" (park) } { (park) }
                @if let Some(x) = &x { " · " (x.offer_title) }
            }
            td { @if let Some(v) = score { (format!("{v:.3}")) } }
            td data-field="status" { (match_status(status, lang)) }
            td { @if let Some(x) = &x { (explanation(x, lang)) } }
            td {
                @if can_step { (step_buttons(s, &id, status, lang)) }
                @if let Some(p) = m.int("project_id") {
                    a href={ "/projects/" (p) } id={ "project-of-" (id) } {
                        (t(lang, "项目", "Project")) " #" (p)
                    }
                }
            }
        }
    }
}

/// Why a match scored as it did: a stale-data warning and one line per component.
fn explanation(x: &StoredExplanation, lang: Lang) -> Markup {
    html! {
        @if x.stale {
            p.flag.stale {
                (t(lang, "园区数据已过期：有效期至", "Stale park data: valid until")) " " (x.fresh_until)
            }
        }
        ul.explain { @for c in &x.components {
            li {
                (component_label(&c.component, lang)) " "
                (format!("{:.2} × {:.2} = {:.3}", c.value, c.weight, c.contribution)) " "
                span.note { (c.reason) }
            }
        } }
    }
}

/// The workflow steps a match in `status` can take.
fn step_buttons(s: &Session, id: &str, status: &str, lang: Lang) -> Markup {
    let step = |action: &str, label: String| {
        button(
            s,
            &format!("/matches/{id}/{action}"),
            &label,
            &format!("{action}-{id}"),
        )
    };
    html! {
        @if status == "proposed" { (step("contact", t(lang, "已对接", "Contact"))) }
        @if status == "contacted" { (step("convert", t(lang, "转为项目", "Make project"))) }
        @if status == "proposed" || status == "contacted" {
            (step("decline", t(lang, "谢绝", "Decline")))
        }
    }
}

async fn demand_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let idt = id.clone();
    let loaded = run(&state.db, &s.user, move |db, user| {
        let demand = tandem_platform::service::get(db, user, &entity::DEMANDS, &idt)?;
        let n = demand.int("id").unwrap_or(0);
        Ok((demand, docking::demand_matches(db, user, n)?))
    })
    .await
    .map_err(page_error);
    let (demand, ms) = match loaded {
        Ok(x) => x,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let titles = ref_titles(&state, &s, &entity::DEMANDS, &demand.fields).await;
    let body = html! {
        (fields_table(&entity::DEMANDS, &demand.fields, &titles, lang))
        p {
            a href={ "/r/demands/" (id) } { (t(lang, "编辑需求", "Edit demand")) }
            " · "
            a href={ "/r/demands/" (id) "/history" } { (t(lang, "修改历史", "History")) }
        }
        h2 { (t(lang, "匹配园区", "Matched parks")) }
        @if docking::may_find(&s.user, &demand) && demand.text("status") != Some("closed") {
            (button(&s, &format!("/demands/{id}/match"), &t(lang, "查找匹配园区", "Find matches"), "find-matches"))
        }
        (match_rows(&ms, &s, docking::may_step(&s.user, &demand), lang))
    };
    let title = format!(
        "{} {}",
        t(lang, "企业需求", "Demand"),
        demand.text("title").unwrap_or(&id)
    );
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

async fn page_match(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Response {
    if !form.csrf_ok(&s) {
        return csrf_failure(lang, &s);
    }
    let n = match id_of(&id, "demands") {
        Ok(n) => n,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    match run(&state.db, &s.user, move |db, user| {
        docking::refresh_matches(db, user, n)
    })
    .await
    {
        Ok(_) => Redirect::to(&format!("/demands/{n}")).into_response(),
        Err(e) => failure_page(lang, Some(&s), &page_error(e)),
    }
}

async fn page_step(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<StepForm>,
) -> Response {
    if !form.csrf_ok(&s) {
        return csrf_failure(lang, &s);
    }
    let parsed = id_of(&id, "matches").and_then(|n| {
        Step::parse(&action)
            .map(|st| (n, st))
            .ok_or_else(|| PlatformError::NotFound(format!("action {action:?}")))
    });
    let (n, st) = match parsed {
        Ok(x) => x,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let date = form.date;
    match run(&state.db, &s.user, move |db, user| {
        docking::step(db, user, n, st, date.as_deref(), None)
    })
    .await
    {
        Ok(m) => {
            Redirect::to(&format!("/demands/{}", m.int("demand_id").unwrap_or(0))).into_response()
        }
        Err(e) => failure_page(lang, Some(&s), &page_error(e)),
    }
}

fn rate(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

async fn docking_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
) -> Response {
    let lang = page_lang.lang;
    let loaded = run(&state.db, &s.user, |db, user| {
        let today = clock::today();
        Ok((
            docking::stalled_as_of(db, user, &today)?,
            docking::stale_offers_as_of(db, &today)?,
            docking::summary_as_of(db, &today)?,
        ))
    })
    .await
    .map_err(page_error);
    let (stalled, stale, summary) = match loaded {
        Ok(x) => x,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let body = html! {
        (docking_links(lang))
        (summary_table(&summary, lang))
        (stalled_section(&stalled, lang))
        (stale_section(&stale, lang))
    };
    let title = t(lang, "对接", "Docking");
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// Links to the docking records.
fn docking_links(lang: Lang) -> Markup {
    html! {
        p {
            a href="/r/demands" { (t(lang, "企业需求", "Demands")) }
            " · "
            a href="/r/demands/new" { (t(lang, "登记需求", "Record a demand")) }
            " · "
            a href="/r/park_offers" { (t(lang, "园区供给", "Park offers")) }
            " · "
            a href="/r/capital_providers" { (t(lang, "资金方", "Capital providers")) }
            " · "
            a href="/r/matches" { (t(lang, "全部匹配", "All matches")) }
        }
    }
}

/// The aggregate docking figures.
fn summary_table(summary: &Summary, lang: Lang) -> Markup {
    let rows = [
        (
            t(lang, "需求数", "Demands"),
            summary.demands_by_status.values().sum::<i64>().to_string(),
        ),
        (
            t(lang, "匹配数", "Matches"),
            summary.matches_by_status.values().sum::<i64>().to_string(),
        ),
        (
            t(
                lang,
                "对接率（已对接/匹配）",
                "Contact rate (contacted / matches)",
            ),
            rate(summary.contact_rate),
        ),
        (
            t(
                lang,
                "转化率（项目/已对接）",
                "Conversion (projects / contacted)",
            ),
            rate(summary.project_rate),
        ),
        (
            t(lang, "转化项目数", "Projects from matches"),
            summary.projects.to_string(),
        ),
        (t(lang, "停滞", "Stalled"), summary.stalled.to_string()),
    ];
    html! {
        h2 { (t(lang, "对接概况", "Summary")) }
        table #summary { tbody { @for (label, value) in &rows {
            tr { th { (label) } td { (value) } }
        } } }
    }
}

/// Stalled matches and stuck projects from matches.
fn stalled_section(stalled: &[Stalled], lang: Lang) -> Markup {
    let note = match lang {
        Lang::Zh => format!(
            "推荐或已对接超过 {} 天无进展的匹配，以及由匹配转化、在同一阶段停留超过 {} 天的项目。",
            docking::STALLED_DAYS,
            docking::STUCK_STAGE_DAYS
        ),
        Lang::En => format!(
            "Matches proposed or contacted with no progress for more than {} days, and projects from matches in one stage for more than {} days.",
            docking::STALLED_DAYS,
            docking::STUCK_STAGE_DAYS
        ),
    };
    html! {
        h2 { (t(lang, "停滞的匹配", "Stalled matches")) }
        p.note { (note) }
        @if stalled.is_empty() {
            p #no-stalled { (t(lang, "没有停滞的匹配。", "No stalled matches.")) }
        } @else {
            div.scroll { table #stalled { tbody { @for x in stalled {
                tr {
                    td { a href={ "/demands/" (x.demand_id) } { (x.demand_title) } }
                    td { a href={ "/parks/" (x.park_id) } { (x.park_name) } }
                    td { (match_status(&x.status, lang)) }
                    td { @if let Some(p) = x.project_id {
                        a href={ "/projects/" (p) } { "#" (p) }
                        " " (x.project_stage.as_deref().unwrap_or(""))
                    } }
                    td { (x.days) " " (t(lang, "天", "days")) }
                }
            } } } }
        }
    }
}

/// Park offers past their freshness date.
fn stale_section(stale: &[StaleOffer], lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "数据过期的园区供给", "Park offers with stale data")) }
        @if stale.is_empty() {
            p #no-stale {
                (t(lang, "所有园区供给都在有效期内。", "Every park offer is within its validity date."))
            }
        } @else {
            div.scroll { table #stale-offers { tbody { @for o in stale {
                tr {
                    td { a href={ "/r/park_offers/" (o.offer_id) } { (o.title) } }
                    td { a href={ "/parks/" (o.park_id) } { (o.park_name) } }
                    td.flag { (t(lang, "有效期至", "valid until")) " " (o.fresh_until) }
                }
            } } } }
        }
    }
}

/// The docking routes for the OpenAPI document.
pub fn openapi_paths() -> Vec<(String, Value)> {
    let ok = |what: &str| json!({"200": {"description": what, "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"description": "not signed in"}, "403": {"description": "not allowed"}, "404": {"description": "not found or not visible"}, "422": {"description": "invalid"}});
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let step_body = json!({"required": false, "content": {"application/json": {"schema": {"type": "object", "properties": {"date": {"type": "string", "format": "date"}, "version": {"type": "integer"}}}}}});
    let as_of = json!([{"name": "as_of", "in": "query", "required": false, "schema": {"type": "string", "format": "date"}}]);
    let step = |summary: &str| json!({"post": {"summary": summary, "tags": ["docking"], "parameters": id, "requestBody": step_body, "responses": ok("the match after the step")}});
    vec![
        (
            "/api/demands/{id}/match".into(),
            json!({"post": {"summary": "Compute the demand's shortlist of parks and store its top matches as proposed (refreshing earlier proposed ones)", "tags": ["docking"], "parameters": id, "responses": ok("the demand's matches")}}),
        ),
        (
            "/api/demands/{id}/matches".into(),
            json!({"get": {"summary": "The demand's matches you may read", "tags": ["docking"], "parameters": id, "responses": ok("matches")}}),
        ),
        (
            "/api/demands/{id}/close".into(),
            json!({"post": {"summary": "Close a demand", "tags": ["docking"], "parameters": id, "responses": ok("the demand")}}),
        ),
        (
            "/api/matches/{id}/contact".into(),
            step("proposed → contacted"),
        ),
        (
            "/api/matches/{id}/convert".into(),
            step("contacted → project (creates a project at stage lead)"),
        ),
        (
            "/api/matches/{id}/decline".into(),
            step("proposed or contacted → declined"),
        ),
        (
            "/api/parks/{id}/shortlist".into(),
            json!({"get": {"summary": "Open demands that suit the park best (not stored)", "tags": ["docking"], "parameters": id, "responses": ok("candidates")}}),
        ),
        (
            "/api/projects/{id}/capital".into(),
            json!({"get": {"summary": "Capital providers for a project, best first", "tags": ["docking"], "parameters": id, "responses": ok("candidates")}}),
        ),
        (
            "/api/docking/stalled".into(),
            json!({"get": {"summary": "Stalled matches and stuck projects from matches", "tags": ["docking"], "parameters": as_of, "responses": ok("stalled")}}),
        ),
        (
            "/api/docking/stale-offers".into(),
            json!({"get": {"summary": "Park offers past their freshness date", "tags": ["docking"], "parameters": as_of, "responses": ok("offers")}}),
        ),
        (
            "/api/docking/summary".into(),
            json!({"get": {"summary": "Aggregate docking figures (every signed-in user, researchers included)", "tags": ["docking"], "parameters": as_of, "responses": ok("figures")}}),
        ),
    ]
}
