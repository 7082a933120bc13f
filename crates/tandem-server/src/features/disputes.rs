//! Disputes and consultation (issue #17): a case's page with its whole history as one
//! timeline and the forms of its workflow (a consultation round, an escalation, the outcome),
//! and the same steps as JSON. Cases and rounds are ordinary records (`/r/disputes`,
//! `/r/dispute_rounds`); escalating and closing are `tandem_platform::disputes`' steps, the
//! only way to change a case's level, deadline and status.

use crate::kernel::error::ApiError;
use crate::kernel::http::{if_match, record_response, stale};
use crate::kernel::labels::{level_label, pair_title};
use crate::kernel::openapi::{csrf, errors, if_match as if_match_doc, with};
use crate::kernel::page::{csrf_failure, csrf_matches, failure, field_message, page, t, PageLang};
use crate::kernel::record_view::{changed_fields, fields_table, ref_titles};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tandem_platform::auth::{allowed, Action};
use tandem_platform::clock;
use tandem_platform::dispute_rules::{next_level, LEVELS, OUTCOMES};
use tandem_platform::disputes::{self, Case, Escalation, Happening, Outcome};
use tandem_platform::entity::{DISPUTES, DISPUTE_ROUNDS, DISPUTE_SIDES};
use tandem_platform::service::{self, scope_of, PlatformError};
use tandem_report::Lang;

/// A status's name.
fn status_name(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "open" => ("协商中", "open"),
        "settled" => ("已和解", "settled"),
        "agreement_amended" => ("修订协议", "agreement amended"),
        "compensation" => ("补偿", "compensation agreed"),
        "withdrawn" => ("已撤回", "withdrawn"),
        other => (other, other),
    };
    t(lang, zh, en)
}

fn side_name(side: &str, lang: Lang) -> String {
    match side {
        "helper" => t(lang, "支援方", "helper side"),
        "helped" => t(lang, "受援方", "helped side"),
        other => other.to_string(),
    }
}

/// The common part of the workflow forms: the CSRF token and the version shown.
#[derive(Deserialize)]
struct Guard {
    #[serde(rename = "_csrf", default)]
    csrf: String,
    #[serde(default)]
    version: String,
}

impl Guard {
    fn ok(&self, s: &Session) -> bool {
        csrf_matches(s, Some(&self.csrf))
    }
    fn version(&self) -> Option<i64> {
        self.version.trim().parse().ok()
    }
}

/// The round form.
#[derive(Deserialize)]
struct RoundForm {
    #[serde(flatten)]
    guard: Guard,
    #[serde(default)]
    level: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    attendees: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    next_steps: String,
}

/// The escalation form.
#[derive(Deserialize)]
struct EscalateForm {
    #[serde(flatten)]
    guard: Guard,
    #[serde(flatten)]
    step: Escalation,
}

/// The outcome form (an empty agreement row is none).
#[derive(Deserialize)]
struct CloseForm {
    #[serde(flatten)]
    guard: Guard,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    agreement_row: String,
    #[serde(default)]
    compensation_yuan: String,
    #[serde(default)]
    payer: String,
}

impl CloseForm {
    fn outcome(self) -> Outcome {
        let row = self.agreement_row.trim();
        Outcome {
            outcome: self.outcome,
            on: self.on,
            note: self.note,
            // A row that is not a number names no agreement version (refused as not found).
            agreement_row: (!row.is_empty()).then(|| row.parse().unwrap_or(0)),
            compensation_yuan: self.compensation_yuan,
            payer: self.payer,
        }
    }
}

/// The case's state in one line: status, level, deadline (flagged when passed).
fn summary(case: &Case, lang: Lang) -> Markup {
    let r = &case.record;
    let status = r.text("status").unwrap_or("open");
    let deadline = r.text("level_deadline").unwrap_or("");
    let overdue = status == "open" && deadline < clock::today().as_str();
    html! {
        p #case-state {
            strong data-field="status" { (status_name(status, lang)) }
            " · " (t(lang, "层级", "level")) " "
            strong data-field="current_level" { (level_label(r.text("current_level").unwrap_or(""), lang)) }
            @if status == "open" {
                " · " (t(lang, "期限", "deadline")) " " span data-field="level_deadline" { (deadline) }
                @if overdue { " " span.flag #overdue { (t(lang, "已逾期", "overdue")) } }
            }
            " · " (t(lang, "提出方", "raised by")) " " (side_name(r.text("raised_by_side").unwrap_or(""), lang))
        }
    }
}

/// One entry of the timeline.
fn timeline_item(e: &disputes::TimelineEntry, lang: Lang) -> Markup {
    let text = |m: &Map<String, Value>, k: &str| {
        m.get(k).and_then(Value::as_str).unwrap_or("").to_string()
    };
    html! {
        @match &e.happening {
            Happening::Round { record } => li data-kind="round" {
                strong { (e.date) " " (t(lang, "协商", "Round")) } " (" (level_label(&text(record, "level"), lang)) ") — "
                (t(lang, "参会", "attendees")) "：" (text(record, "attendees")) ". "
                (text(record, "minutes"))
                @let next = text(record, "next_steps");
                @if !next.is_empty() { " " em { (t(lang, "下一步", "Next")) "：" (next) } }
            },
            Happening::Escalation { record } => li data-kind="escalation" {
                strong { (e.date) " " (t(lang, "升级", "Escalated")) } " "
                (level_label(&text(record, "from_level"), lang)) " → " (level_label(&text(record, "to_level"), lang))
                ", " (t(lang, "期限", "deadline")) " " (text(record, "deadline")) " — " (text(record, "reason"))
            },
            Happening::Change { entry } => li data-kind=(entry.action) {
                strong { (e.date) " " (change_label(&entry.action, lang)) } " "
                span.note { "(" (entry.actor) ", " (entry.at) ")" }
                @if entry.action == "update" {
                    (changed_fields(entry.before.as_ref(), entry.after.as_ref(), &["version", "updated_at"]))
                }
                @if entry.action == "close" {
                    @let after = entry.after.as_ref().and_then(Value::as_object);
                    @if let Some(a) = after {
                        " " (status_name(&text(a, "status"), lang)) " — " (text(a, "outcome_note"))
                    }
                }
            },
        }
    }
}

fn change_label(action: &str, lang: Lang) -> String {
    match action {
        "create" => t(lang, "立案", "Raised"),
        "update" => t(lang, "修改案件", "Case edited"),
        "escalate" => t(lang, "层级变更", "Level changed"),
        "close" => t(lang, "结案", "Closed"),
        other => other.to_string(),
    }
}

/// The round form, defaulting to the case's level and today.
fn round_form(case: &Case, s: &Session, lang: Lang) -> Markup {
    let id = case.record.id_text();
    let current = case.record.text("current_level").unwrap_or("park");
    let reached = LEVELS.iter().position(|l| *l == current).unwrap_or(0);
    let has_park = case.record.int("park_id").is_some();
    html! {
        form.card #round-form method="post" action={ "/disputes/" (id) "/round" } {
            input type="hidden" name="_csrf" value=(s.csrf);
            strong { (t(lang, "记录一次协商", "Record a consultation round")) }
            label for="round-level" { (t(lang, "层级", "Level")) }
            select #round-level name="level" {
                @for l in LEVELS[..=reached].iter().filter(|l| **l != "park" || has_park) {
                    option value=(l) selected[*l == current] { (level_label(l, lang)) }
                }
            }
            label for="round-held" { (t(lang, "日期", "Held on")) }
            input #round-held name="held_on" type="date" value=(clock::today());
            label for="round-attendees" { (t(lang, "参会人员", "Attendees")) }
            input #round-attendees name="attendees" maxlength="1000";
            label for="round-minutes" { (t(lang, "会议纪要", "Minutes")) }
            textarea #round-minutes name="minutes" rows="4" maxlength="8000" {}
            label for="round-next" { (t(lang, "下一步", "Next steps")) }
            textarea #round-next name="next_steps" rows="2" maxlength="2000" {}
            button #add-round type="submit" { (t(lang, "记录", "Record")) }
        }
    }
}

/// The escalation form, when there is a level above.
fn escalate_form(case: &Case, s: &Session, lang: Lang) -> Markup {
    let id = case.record.id_text();
    let Some(next) = next_level(case.record.text("current_level").unwrap_or("")) else {
        return html! {};
    };
    let days = tandem_platform::dispute_rules::default_days(next);
    html! {
        form.card #escalate-form method="post" action={ "/disputes/" (id) "/escalate" } {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="version" value=(case.record.version);
            strong { (t(lang, "升级到", "Escalate to")) " " (level_label(next, lang)) }
            label for="esc-on" { (t(lang, "升级日期", "Escalated on")) }
            input #esc-on name="on" type="date" value=(clock::today());
            label for="esc-deadline" {
                (t(lang, "新层级期限（留空则为升级日期后", "Deadline at the new level (empty: ")) (days)
                (t(lang, " 天；手动填写须晚于今天）", " days after the escalation; a date given must be after today)"))
            }
            input #esc-deadline name="deadline" type="date";
            label for="esc-reason" { (t(lang, "升级理由", "Reason")) }
            textarea #esc-reason name="reason" rows="2" maxlength="4000" {}
            button #escalate type="submit" { (t(lang, "升级", "Escalate")) }
        }
    }
}

/// The outcome form.
fn close_form(case: &Case, s: &Session, lang: Lang) -> Markup {
    let id = case.record.id_text();
    html! {
        form.card #close-form method="post" action={ "/disputes/" (id) "/close" } {
            input type="hidden" name="_csrf" value=(s.csrf);
            input type="hidden" name="version" value=(case.record.version);
            strong { (t(lang, "结案", "Close the case")) }
            label for="close-outcome" { (t(lang, "结果", "Outcome")) }
            select #close-outcome name="outcome" {
                @for o in OUTCOMES { option value=(o) { (status_name(o, lang)) } }
            }
            label for="close-on" { (t(lang, "结案日期", "Closed on")) }
            input #close-on name="on" type="date" value=(clock::today());
            label for="close-note" { (t(lang, "结案说明", "Outcome note")) }
            textarea #close-note name="note" rows="3" maxlength="4000" {}
            label for="close-agreement" { (t(lang, "新协议版本记录编号（仅修订协议）", "New agreement version row (agreement amended only)")) }
            input #close-agreement name="agreement_row" inputmode="numeric";
            label for="close-amount" { (t(lang, "补偿金额（元，仅补偿）", "Compensation in yuan (compensation only)")) }
            input #close-amount name="compensation_yuan" inputmode="decimal";
            label for="close-payer" { (t(lang, "补偿支付方（仅补偿）", "Paid by (compensation only)")) }
            select #close-payer name="payer" {
                option value="" { "—" }
                @for side in DISPUTE_SIDES { option value=(side) { (side_name(side, lang)) } }
            }
            button #close type="submit" { (t(lang, "结案", "Close")) }
        }
    }
}

/// The workflow forms the user may use on this case.
fn forms(case: &Case, s: &Session, lang: Lang) -> Markup {
    let scope = scope_of(&DISPUTES, &case.record.fields);
    let open = case.record.text("status") == Some("open");
    let may_round = open && allowed(&s.user, Action::Create, DISPUTE_ROUNDS.name, &scope);
    let may_step = open && allowed(&s.user, Action::Update, DISPUTES.name, &scope);
    html! {
        @if may_round { (round_form(case, s, lang)) }
        @if may_step {
            (escalate_form(case, s, lang))
            (close_form(case, s, lang))
        }
        @if !open {
            p.note #closed-note { (t(lang, "案件已结案：只有管理员和协调员可以更正。", "The case is closed: only administrators and coordinators may correct it.")) }
        }
    }
}

async fn render_case(
    state: &AppState,
    s: &Session,
    id: &str,
    lang: Lang,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let cid = id.to_string();
    let case = match run(&state.db, &s.user, move |db, user| {
        disputes::case(db, user, &cid)
    })
    .await
    {
        Ok(c) => c,
        Err(ApiError::Platform(e)) => return failure(lang, Some(s), &e),
        Err(e) => return e.into_response(),
    };
    let titles = ref_titles(state, s, &DISPUTES, &case.record.fields).await;
    let pair = case.record.text("pair_id").unwrap_or("").to_string();
    let body = html! {
        @if let Some(e) = &error { div.flash.bad #case-error role="alert" { (e) } }
        p { a href={ "/pairs/" (pair) } { (pair_title(&pair, lang)) } }
        (summary(&case, lang))
        h2 { (t(lang, "经过", "Timeline")) }
        ol.timeline #timeline { @for e in &case.timeline { (timeline_item(e, lang)) } }
        (forms(&case, s, lang))
        h2 { (t(lang, "案件信息", "The case")) }
        (fields_table(&DISPUTES, &case.record.fields, &titles, lang))
        p {
            a href={ "/r/disputes/" (id) } { (t(lang, "编辑案件", "Edit the case")) }
            " · " a href={ "/r/dispute_rounds?dispute_id=" (id) } { (t(lang, "协商记录", "Rounds")) " (" (case.rounds.len()) ")" }
            " · " a href={ "/r/disputes/" (id) "/history" } { (t(lang, "修改历史", "History")) }
            " · " a href={ "/api/disputes/" (id) "/timeline" } { "JSON" }
        }
    };
    let title = case.record.text("title").unwrap_or(id).to_string();
    (status, page(lang, Some(s), &title, body)).into_response()
}

async fn case_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let r = render_case(&state, &s, &id, page_lang.lang, None, StatusCode::OK).await;
    page_lang.remember(r)
}

/// After a workflow form: back to the case, or the case again with the refusal's words.
async fn after_step(
    state: &AppState,
    s: &Session,
    id: &str,
    lang: Lang,
    result: Result<(), ApiError>,
) -> Response {
    match result {
        Ok(()) => Redirect::to(&format!("/disputes/{id}")).into_response(),
        Err(ApiError::Platform(PlatformError::Invalid(errors))) => {
            let msg = errors
                .iter()
                .map(|e| field_message(e, lang))
                .collect::<Vec<_>>()
                .join("; ");
            render_case(
                state,
                s,
                id,
                lang,
                Some(msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(ApiError::Platform(e)) => failure(lang, Some(s), &e),
        Err(e) => e.into_response(),
    }
}

async fn post_round(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<RoundForm>,
) -> Response {
    if !form.guard.ok(&s) {
        return csrf_failure(lang, &s);
    }
    let Ok(case) = id.parse::<i64>() else {
        return failure(
            lang,
            Some(&s),
            &PlatformError::NotFound(format!("disputes {id}")),
        );
    };
    let mut body = json!({"dispute_id": case, "level": form.level, "held_on": form.held_on,
        "attendees": form.attendees, "minutes": form.minutes});
    if !form.next_steps.trim().is_empty() {
        body["next_steps"] = json!(form.next_steps);
    }
    let body = body.as_object().cloned().unwrap_or_default();
    // The case must be readable first: a round of a case one may not see is "not found".
    let cid = id.clone();
    let result = run(&state.db, &s.user, move |db, user| {
        disputes::case(db, user, &cid)?;
        service::create(db, user, &DISPUTE_ROUNDS, &body).map(|_| ())
    })
    .await;
    after_step(&state, &s, &id, lang, result).await
}

async fn post_escalate(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<EscalateForm>,
) -> Response {
    if !form.guard.ok(&s) {
        return csrf_failure(lang, &s);
    }
    let (cid, version, step) = (id.clone(), form.guard.version(), form.step);
    let result = run(&state.db, &s.user, move |db, user| {
        disputes::escalate(db, user, &cid, version, &step).map(|_| ())
    })
    .await;
    after_step(&state, &s, &id, lang, result).await
}

async fn post_close(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<CloseForm>,
) -> Response {
    if !form.guard.ok(&s) {
        return csrf_failure(lang, &s);
    }
    let (cid, version) = (id.clone(), form.guard.version());
    let outcome = form.outcome();
    let result = run(&state.db, &s.user, move |db, user| {
        disputes::close(db, user, &cid, version, &outcome).map(|_| ())
    })
    .await;
    after_step(&state, &s, &id, lang, result).await
}

/// `GET /api/disputes/{id}/timeline`: the case and its history.
async fn api_timeline(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let c = run(&state.db, &s.user, move |db, user| {
        disputes::case(db, user, &id)
    })
    .await?;
    Ok(Json(json!({
        "case": c.record.fields,
        "version": c.record.version,
        "timeline": c.timeline,
    })))
}

/// An escalation or outcome body: the step and the version edited (or `If-Match`).
#[derive(Deserialize)]
struct StepBody<T> {
    #[serde(flatten)]
    step: T,
    version: Option<i64>,
}

/// Runs a workflow step on case `id` at the version given by `If-Match` or in the body, and
/// answers with the case afterwards (a stale `If-Match` is 412, as for record updates).
async fn step_response(
    state: &AppState,
    s: &Session,
    headers: &HeaderMap,
    version: Option<i64>,
    step: impl FnOnce(
            &tandem_platform::Db,
            &tandem_platform::User,
            Option<i64>,
        ) -> Result<service::Record, PlatformError>
        + Send
        + 'static,
) -> Result<Response, ApiError> {
    let by_header = if_match(headers)?;
    let expected = by_header.or(version);
    let rec = run(&state.db, &s.user, move |db, user| step(db, user, expected))
        .await
        .map_err(|e| match e {
            ApiError::Platform(p) => stale(p, by_header.is_some()),
            other => other,
        })?;
    Ok(record_response(StatusCode::OK, rec))
}

async fn api_escalate(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<StepBody<Escalation>>,
) -> Result<Response, ApiError> {
    step_response(&state, &s, &headers, body.version, move |db, user, v| {
        disputes::escalate(db, user, &id, v, &body.step)
    })
    .await
}

async fn api_close(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<StepBody<Outcome>>,
) -> Result<Response, ApiError> {
    step_response(&state, &s, &headers, body.version, move |db, user, v| {
        disputes::close(db, user, &id, v, &body.step)
    })
    .await
}

/// `GET /api/disputes/overdue`: the overdue reminders.
async fn api_overdue(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Json<Value>, ApiError> {
    let o = run(&state.db, &s.user, |db, user| {
        Ok(disputes::overdue(db, user)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(o).unwrap_or(Value::Null)))
}

/// The dispute routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/disputes/overdue", get(api_overdue))
        .route("/disputes/{id}/timeline", get(api_timeline))
        .route("/disputes/{id}/escalate", post(api_escalate))
        .route("/disputes/{id}/close", post(api_close))
}

/// The dispute pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/disputes/{id}", get(case_page))
        .route("/disputes/{id}/round", post(post_round))
        .route("/disputes/{id}/escalate", post(post_escalate))
        .route("/disputes/{id}/close", post(post_close))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let case = json!({"200": {"description": "the case as stored after the step (ETag: its version)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/disputes"}}}}});
    let step = |summary: &str, props: Value, required: Value| {
        json!({"post": {"summary": summary, "tags": ["disputes"],
            "parameters": [id.clone(), csrf(), if_match_doc()],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {
                "type": "object", "required": required, "properties": props}}}},
            "responses": with(errors(), case.clone())}})
    };
    let date = json!({"type": "string", "format": "date"});
    paths.insert("/api/disputes/{id}/escalate".into(), step(
        "Escalate an open case one level up (park → joint meeting → provincial); deadline by default 30/60/90 days from the escalation, or a date after today",
        json!({"on": date, "deadline": date, "reason": {"type": "string", "maxLength": 4000}, "version": {"type": "integer"}}),
        json!(["reason"])));
    paths.insert("/api/disputes/{id}/close".into(), step(
        "Close an open case with an outcome (agreement_amended names the ledger's agreement version row of the case's pair and park; compensation an amount and the paying side)",
        json!({"outcome": {"type": "string", "enum": OUTCOMES}, "on": date, "note": {"type": "string", "maxLength": 4000},
            "agreement_row": {"type": "integer"}, "compensation_yuan": {"type": "string"},
            "payer": {"type": "string", "enum": DISPUTE_SIDES}, "version": {"type": "integer"}}),
        json!(["outcome", "note"])));
    paths.insert("/api/disputes/{id}/timeline".into(), json!({"get": {
        "summary": "A case with its whole history (audit log, rounds, escalations) as one timeline",
        "tags": ["disputes"], "parameters": [id],
        "responses": with(errors(), json!({"200": {"description": "the case and its timeline, oldest first",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "case": {"$ref": "#/components/schemas/disputes"}, "version": {"type": "integer"},
                "timeline": {"type": "array", "items": {"type": "object"}}}}}}}}))}}));
    paths.insert("/api/disputes/overdue".into(), json!({"get": {
        "summary": "Open cases you may read whose current level's deadline has passed",
        "tags": ["disputes"],
        "responses": with(errors(), json!({"200": {"description": "the count (exact) and the longest overdue (at most 50)",
            "content": {"application/json": {"schema": {"type": "object", "properties": {
                "as_of": date, "count": {"type": "integer"},
                "cases": {"type": "array", "items": {"type": "object"}}}}}}}}))}}));
    paths
}
