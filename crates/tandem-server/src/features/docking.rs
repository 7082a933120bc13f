//! Docking (issue #7) in the API and the UI: shortlists stored as matches, the match workflow
//! (contact, make a project, decline), stalled matches, stale park offers, aggregate figures
//! and capital shortlists, over `tandem_platform::docking`. The records themselves (demands,
//! park offers, capital providers, matches) go through the generic record routes.

use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_ok, failure_page, lang_of, page, t, with_lang_cookie};
use crate::kernel::record_view::fields_table;
use crate::kernel::session::{blocking, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::PreEscaped;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_platform::docking::{self, Step};
use tandem_platform::entity;
use tandem_platform::service::{PlatformError, Record};
use tandem_platform::{clock, DbError};
use tandem_report::text::esc;
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

fn id_of(text: &str, what: &str) -> Result<i64, PlatformError> {
    text.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| PlatformError::NotFound(format!("{what} {text:?}")))
}

fn items<T: serde::Serialize>(v: T) -> Response {
    Json(json!({ "items": v })).into_response()
}

fn worker(_: ApiError) -> PlatformError {
    PlatformError::Db(DbError::Other("worker failed".into()))
}

async fn api_match(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let db = state.db.clone();
    let v = blocking(move || docking::refresh_matches(&db, &s.user, id)).await??;
    Ok(items(records(&v)))
}

async fn api_demand_matches(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let db = state.db.clone();
    let v = blocking(move || docking::demand_matches(&db, &s.user, id)).await??;
    Ok(items(records(&v)))
}

async fn api_close(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "demands")?;
    let db = state.db.clone();
    let r = blocking(move || docking::close_demand(&db, &s.user, id)).await??;
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
    let db = state.db.clone();
    let r = blocking(move || docking::step(&db, &s.user, id, step, date.as_deref(), version))
        .await?
        .map_err(|e| match e {
            // A stale If-Match is 412, a stale `version` in the body 409 (as for records).
            e @ PlatformError::Conflict { .. } if by_header.is_some() => {
                ApiError::PreconditionFailed(e)
            }
            e => ApiError::Platform(e),
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
    let db = state.db.clone();
    let v = blocking(move || docking::park_shortlist(&db, &s.user, id, SHORTLIST_K)).await??;
    Ok(items(v))
}

async fn api_capital(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id, "projects")?;
    let db = state.db.clone();
    let v = blocking(move || docking::capital_shortlist(&db, &s.user, id, SHORTLIST_K)).await??;
    Ok(items(v))
}

fn as_of(q: &HashMap<String, String>) -> String {
    q.get("as_of").cloned().unwrap_or_else(clock::today)
}

async fn api_stalled(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let at = as_of(&q);
    let v = blocking(move || docking::stalled_as_of(&db, &s.user, &at)).await??;
    Ok(items(v))
}

async fn api_stale_offers(
    State(state): State<AppState>,
    ApiSession(_s): ApiSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let at = as_of(&q);
    if clock::parse_date(&at).is_none() {
        return Err(ApiError::BadRequest(format!(
            "as_of must be YYYY-MM-DD (got {at:?})"
        )));
    }
    let v = blocking(move || docking::stale_offers_as_of(&db, &at)).await??;
    Ok(items(v))
}

async fn api_summary(
    State(state): State<AppState>,
    ApiSession(_s): ApiSession,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    let at = as_of(&q);
    let v = blocking(move || docking::summary_as_of(&db, &at)).await??;
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

fn button(s: &Session, action: &str, label: &str, id: &str) -> String {
    format!(
        "<form class=\"inline\" method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><button class=\"small\" type=\"submit\" id=\"{id}\">{}</button></form>",
        esc(&s.csrf),
        esc(label)
    )
}

fn match_rows(ms: &[Record], s: &Session, can_step: bool, lang: Lang) -> String {
    if ms.is_empty() {
        return format!(
            "<p class=\"note\" id=\"no-matches\">{}</p>",
            t(lang, "尚无匹配结果。", "No matches yet.")
        );
    }
    let mut out = format!(
        "<div class=\"scroll\"><table id=\"matches\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        t(lang, "排名", "Rank"),
        t(lang, "园区", "Park"),
        t(lang, "得分", "Score"),
        t(lang, "状态", "Status"),
        t(lang, "得分说明", "Explanation"),
    );
    for m in ms {
        let id = m.id_text();
        let status = m.text("status").unwrap_or("");
        let x = docking::explanation_of(m);
        let mut why = String::new();
        if let Some(x) = &x {
            if x.stale {
                let _ = write!(
                    why,
                    "<p class=\"flag stale\">{} {}</p>",
                    t(
                        lang,
                        "园区数据已过期：有效期至",
                        "Stale park data: valid until"
                    ),
                    esc(&x.fresh_until)
                );
            }
            why.push_str("<ul class=\"explain\">");
            for c in &x.components {
                let _ = write!(
                    why,
                    "<li>{} {:.2} × {:.2} = {:.3} <span class=\"note\">{}</span></li>",
                    esc(&component_label(&c.component, lang)),
                    c.value,
                    c.weight,
                    c.contribution,
                    esc(&c.reason)
                );
            }
            why.push_str("</ul>");
        }
        let mut actions = String::new();
        if can_step {
            if status == "proposed" {
                actions.push_str(&button(
                    s,
                    &format!("/matches/{id}/contact"),
                    &t(lang, "已对接", "Contact"),
                    &format!("contact-{id}"),
                ));
            }
            if status == "contacted" {
                actions.push_str(&button(
                    s,
                    &format!("/matches/{id}/convert"),
                    &t(lang, "转为项目", "Make project"),
                    &format!("convert-{id}"),
                ));
            }
            if status == "proposed" || status == "contacted" {
                actions.push_str(&button(
                    s,
                    &format!("/matches/{id}/decline"),
                    &t(lang, "谢绝", "Decline"),
                    &format!("decline-{id}"),
                ));
            }
        }
        if let Some(p) = m.int("project_id") {
            let _ = write!(
                actions,
                "<a href=\"/projects/{p}\" id=\"project-of-{id}\">{} #{p}</a>",
                t(lang, "项目", "Project")
            );
        }
        let park = m.int("park_id").unwrap_or(0);
        let _ = write!(
            out,
            "<tr id=\"match-{id}\"><td>{}</td><td><a href=\"/parks/{park}\">{}</a>{}</td><td>{}</td><td data-field=\"status\">{}</td><td>{why}</td><td>{actions}</td></tr>",
            m.int("rank").map(|r| r.to_string()).unwrap_or_default(),
            park,
            x.as_ref()
                .map(|x| format!(" · {}", esc(&x.offer_title)))
                .unwrap_or_default(),
            m.fields
                .get("score")
                .and_then(Value::as_f64)
                .map(|v| format!("{v:.3}"))
                .unwrap_or_default(),
            esc(&match_status(status, lang)),
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

async fn demand_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let db = state.db.clone();
    let user = s.user.clone();
    let idt = id.clone();
    let loaded = blocking(move || -> Result<_, PlatformError> {
        let demand = tandem_platform::service::get(&db, &user, &entity::DEMANDS, &idt)?;
        let n = demand.int("id").unwrap_or(0);
        Ok((demand, docking::demand_matches(&db, &user, n)?))
    })
    .await
    .map_err(worker)
    .and_then(|r| r);
    let (demand, ms) = match loaded {
        Ok(x) => x,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let titles =
        crate::kernel::record_view::ref_titles(&state, &s, &entity::DEMANDS, &demand.fields).await;
    let mut body = fields_table(&entity::DEMANDS, &demand.fields, &titles, lang).into_string();
    let _ = write!(
        body,
        "<p><a href=\"/r/demands/{id}\">{}</a> · <a href=\"/r/demands/{id}/history\">{}</a></p><h2>{}</h2>",
        t(lang, "编辑需求", "Edit demand"),
        t(lang, "修改历史", "History"),
        t(lang, "匹配园区", "Matched parks"),
    );
    if docking::may_find(&s.user, &demand) && demand.text("status") != Some("closed") {
        body.push_str(&button(
            &s,
            &format!("/demands/{id}/match"),
            &t(lang, "查找匹配园区", "Find matches"),
            "find-matches",
        ));
    }
    let can_step = docking::may_step(&s.user, &demand);
    body.push_str(&match_rows(&ms, &s, can_step, lang));
    let title = format!(
        "{} {}",
        t(lang, "企业需求", "Demand"),
        demand.text("title").unwrap_or(&id)
    );
    with_lang_cookie(
        page(lang, Some(&s), &title, PreEscaped(body.to_string())).into_response(),
        &q,
    )
}

async fn page_match(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    if !csrf_ok(&s, &form) {
        return crate::kernel::page::csrf_failure(lang, &s);
    }
    let n = match id_of(&id, "demands") {
        Ok(n) => n,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let db = state.db.clone();
    let user = s.user.clone();
    match blocking(move || docking::refresh_matches(&db, &user, n))
        .await
        .map_err(worker)
        .and_then(|r| r)
    {
        Ok(_) => Redirect::to(&format!("/demands/{n}")).into_response(),
        Err(e) => failure_page(lang, Some(&s), &e),
    }
}

async fn page_step(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    if !csrf_ok(&s, &form) {
        return crate::kernel::page::csrf_failure(lang, &s);
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
    let db = state.db.clone();
    let user = s.user.clone();
    let date = form.get("date").cloned();
    match blocking(move || docking::step(&db, &user, n, st, date.as_deref(), None))
        .await
        .map_err(worker)
        .and_then(|r| r)
    {
        Ok(m) => {
            Redirect::to(&format!("/demands/{}", m.int("demand_id").unwrap_or(0))).into_response()
        }
        Err(e) => failure_page(lang, Some(&s), &e),
    }
}

fn rate(x: Option<f64>) -> String {
    x.map(|v| format!("{:.1}%", v * 100.0))
        .unwrap_or_else(|| "–".into())
}

async fn docking_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let db = state.db.clone();
    let user = s.user.clone();
    let loaded = blocking(move || -> Result<_, PlatformError> {
        let today = clock::today();
        Ok((
            docking::stalled_as_of(&db, &user, &today)?,
            docking::stale_offers_as_of(&db, &today)?,
            docking::summary_as_of(&db, &today)?,
        ))
    })
    .await
    .map_err(worker)
    .and_then(|r| r);
    let (stalled, stale, summary) = match loaded {
        Ok(x) => x,
        Err(e) => return failure_page(lang, Some(&s), &e),
    };
    let mut body = format!(
        "<p><a href=\"/r/demands\">{}</a> · <a href=\"/r/demands/new\">{}</a> · <a href=\"/r/park_offers\">{}</a> · <a href=\"/r/capital_providers\">{}</a> · <a href=\"/r/matches\">{}</a></p>",
        t(lang, "企业需求", "Demands"),
        t(lang, "登记需求", "Record a demand"),
        t(lang, "园区供给", "Park offers"),
        t(lang, "资金方", "Capital providers"),
        t(lang, "全部匹配", "All matches"),
    );
    let total: i64 = summary.matches_by_status.values().sum();
    let _ = write!(
        body,
        "<h2>{}</h2><table id=\"summary\"><tbody><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></tbody></table>",
        t(lang, "对接概况", "Summary"),
        t(lang, "需求数", "Demands"),
        summary.demands_by_status.values().sum::<i64>(),
        t(lang, "匹配数", "Matches"),
        total,
        t(lang, "对接率（已对接/匹配）", "Contact rate (contacted / matches)"),
        rate(summary.contact_rate),
        t(lang, "转化率（项目/已对接）", "Conversion (projects / contacted)"),
        rate(summary.project_rate),
        t(lang, "转化项目数", "Projects from matches"),
        summary.projects,
        t(lang, "停滞", "Stalled"),
        summary.stalled,
    );
    let _ = write!(
        body,
        "<h2>{}</h2><p class=\"note\">{}</p>",
        t(lang, "停滞的匹配", "Stalled matches"),
        esc(&match lang {
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
        })
    );
    if stalled.is_empty() {
        let _ = write!(
            body,
            "<p id=\"no-stalled\">{}</p>",
            t(lang, "没有停滞的匹配。", "No stalled matches.")
        );
    } else {
        body.push_str("<div class=\"scroll\"><table id=\"stalled\"><tbody>");
        for x in &stalled {
            let _ = write!(
                body,
                "<tr><td><a href=\"/demands/{}\">{}</a></td><td><a href=\"/parks/{}\">{}</a></td><td>{}</td><td>{}</td><td>{} {}</td></tr>",
                x.demand_id,
                esc(&x.demand_title),
                x.park_id,
                esc(&x.park_name),
                esc(&match_status(&x.status, lang)),
                x.project_id
                    .map(|p| format!("<a href=\"/projects/{p}\">#{p}</a> {}", esc(x.project_stage.as_deref().unwrap_or(""))))
                    .unwrap_or_default(),
                x.days,
                t(lang, "天", "days"),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    let _ = write!(
        body,
        "<h2>{}</h2>",
        t(lang, "数据过期的园区供给", "Park offers with stale data")
    );
    if stale.is_empty() {
        let _ = write!(
            body,
            "<p id=\"no-stale\">{}</p>",
            t(
                lang,
                "所有园区供给都在有效期内。",
                "Every park offer is within its validity date."
            )
        );
    } else {
        body.push_str("<div class=\"scroll\"><table id=\"stale-offers\"><tbody>");
        for o in &stale {
            let _ = write!(
                body,
                "<tr><td><a href=\"/r/park_offers/{}\">{}</a></td><td><a href=\"/parks/{}\">{}</a></td><td class=\"flag\">{} {}</td></tr>",
                o.offer_id,
                esc(&o.title),
                o.park_id,
                esc(&o.park_name),
                t(lang, "有效期至", "valid until"),
                esc(&o.fresh_until),
            );
        }
        body.push_str("</tbody></table></div>");
    }
    with_lang_cookie(
        page(
            lang,
            Some(&s),
            &t(lang, "对接", "Docking"),
            PreEscaped(body.to_string()),
        )
        .into_response(),
        &q,
    )
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
