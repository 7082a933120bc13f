//! Innovation cooperation (issue #17): a technology need's page with the capabilities ranked
//! by the matching engine (each with its explanation) and the button that stores a match, a
//! capability's page with the open needs it suits, and the pairs' counts of patents, licences
//! and projects by milestone; the same as JSON. The records themselves (`/r/institutes`,
//! `/r/tech_needs`…) go through the generic record routes; what this feature adds is
//! `tandem_platform::innovation`'s ranking, matching and counting.

use crate::kernel::error::ApiError;
use crate::kernel::http::record_response;
use crate::kernel::labels::pair_title;
use crate::kernel::openapi::{csrf, errors, with};
use crate::kernel::page::{csrf_failure, failure, page, t, PageLang};
use crate::kernel::record_view::{fields_table, ref_titles};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tandem_platform::docking::ExplainedComponent;
use tandem_platform::entity::innovation::{
    MILESTONES, PROJECT_KINDS, TECH_CAPABILITIES, TECH_MATCHES, TECH_NEEDS,
};
use tandem_platform::innovation::{
    self, Candidate, NewProject, PairCounts, Shortlist, StoredMatch, SHORTLIST_K,
};
use tandem_platform::service::PlatformError;
use tandem_report::Lang;

/// A failure of [`run`] as a page: the platform's refusal explained, a worker failure as is.
fn page_failure(lang: Lang, s: &Session, e: ApiError) -> Response {
    match e {
        ApiError::Platform(p) => failure(lang, Some(s), &p),
        other => other.into_response(),
    }
}

/// A positive record id from a path segment, else "not found" (as for a missing record).
fn id_of(text: &str, what: &str) -> Result<i64, PlatformError> {
    text.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| PlatformError::NotFound(format!("{what} {text:?}")))
}

fn component_label(key: &str, lang: Lang) -> String {
    let (zh, en) = match key {
        "industry" => ("产业契合（匹配引擎）", "Industry fit (engine)"),
        "distance" => ("距离（匹配引擎）", "Distance (engine)"),
        "pair" => ("结对关系（匹配引擎）", "Pair (engine)"),
        "keywords" => ("关键词", "Keywords"),
        "readiness" => ("技术成熟度", "Readiness"),
        other => (other, other),
    };
    t(lang, zh, en)
}

fn milestone_label(key: &str, lang: Lang) -> String {
    let (zh, en) = match key {
        "none" => ("尚无里程碑", "No milestone yet"),
        "agreement" => ("已签约", "Agreement signed"),
        "licence_or_rnd" => ("许可或联合研发已启动", "Licence or joint R&D started"),
        "result" => ("已取得成果", "Result"),
        "commercialisation" => ("成果已转化", "Commercialised"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// One line per component: value × weight = contribution, and the reason.
fn explanation(components: &[ExplainedComponent], lang: Lang) -> Markup {
    html! {
        ul.explain { @for c in components {
            li data-component=(c.component) {
                (component_label(&c.component, lang)) " "
                (format!("{:.2} × {:.2} = {:.3}", c.value, c.weight, c.contribution)) " "
                span.note { (c.reason) }
            }
        } }
    }
}

/// What the viewer of a ranking may do on it.
#[derive(Clone, Copy)]
struct Rights {
    /// Ranking capabilities for a need (else needs for a capability).
    for_need: bool,
    /// May store a match of the need.
    can_match: bool,
    /// May start projects from the need's matches.
    can_start: bool,
}

/// The ranked candidates; on a need's page, a "create match" button for each not yet matched
/// and a "start project" form for each match.
fn candidate_table(list: &Shortlist, s: &Session, r: Rights, lang: Lang) -> Markup {
    let for_need = r.for_need;
    if list.candidates.is_empty() {
        return html! { p.note #no-candidates { (t(lang, "没有可评分的候选。", "No candidate could be scored.")) } };
    }
    html! {
        div.scroll { table #candidates {
            thead { tr {
                th { (t(lang, "排名", "Rank")) }
                th { @if for_need { (t(lang, "技术供给", "Capability")) } @else { (t(lang, "技术需求", "Need")) } }
                th { (t(lang, "得分", "Score")) }
                th { (t(lang, "得分说明", "Explanation")) }
                th {}
            } }
            tbody { @for c in &list.candidates { (candidate_row(c, s, r, lang)) } }
        } }
    }
}

fn candidate_row(c: &Candidate, s: &Session, r: Rights, lang: Lang) -> Markup {
    let (href, row_id) = if r.for_need {
        (
            format!("/tech_capabilities/{}", c.capability_id),
            format!("cap-{}", c.capability_id),
        )
    } else {
        (
            format!("/tech_needs/{}", c.need_id),
            format!("need-{}", c.need_id),
        )
    };
    html! {
        tr id=(row_id) {
            td { (c.rank) }
            td { a href=(href) { (c.title) } br; span.note { (c.owner) } }
            td data-field="score" { (format!("{:.3}", c.explanation.total)) }
            td { (explanation(&c.explanation.components, lang)) }
            td {
                @if let Some(m) = &c.stored {
                    (stored_match(m, s, r, lang))
                } @else if r.can_match && r.for_need {
                    form.inline method="post" action={ "/tech_needs/" (c.need_id) "/match" } {
                        input type="hidden" name="_csrf" value=(s.csrf);
                        input type="hidden" name="capability_id" value=(c.capability_id);
                        button.small type="submit" id={ "match-" (c.capability_id) } { (t(lang, "创建匹配", "Create match")) }
                    }
                }
            }
        }
    }
}

fn match_status(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "proposed" => ("推荐", "proposed"),
        "contacted" => ("已对接", "contacted"),
        "project" => ("已立项", "project"),
        "declined" => ("已谢绝", "declined"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// A stored match: its link and status, its projects, and the form starting one.
fn stored_match(m: &StoredMatch, s: &Session, r: Rights, lang: Lang) -> Markup {
    html! {
        a href={ "/r/tech_matches/" (m.id) } id={ "match-of-" (m.capability_id) } {
            (t(lang, "已匹配", "Matched")) " #" (m.id)
        }
        " (" span data-field="match-status" { (match_status(&m.status, lang)) } ")"
        @if m.status == "project" {
            " · " a href={ "/r/innovation_projects?match_id=" (m.id) } { (t(lang, "合作项目", "Projects")) }
        }
        @if r.can_start && r.for_need && m.status != "declined" {
            form.card method="post" action={ "/tech_matches/" (m.id) "/project" } {
                input type="hidden" name="_csrf" value=(s.csrf);
                label for={ "kind-" (m.id) } { (t(lang, "项目类型", "Project kind")) }
                select name="kind" id={ "kind-" (m.id) } {
                    @for (k, zh, en) in [("agreement", "合作协议", "agreement"), ("licence", "技术许可", "licence"), ("joint_rnd", "联合研发", "joint R&D")] {
                        option value=(k) { (t(lang, zh, en)) }
                    }
                }
                label for={ "title-" (m.id) } { (t(lang, "项目名称", "Project title")) }
                input type="text" name="title" id={ "title-" (m.id) } maxlength="200" required;
                label for={ "started-" (m.id) } { (t(lang, "启动日期", "Started on")) }
                input type="date" name="started_on" id={ "started-" (m.id) };
                button.small type="submit" id={ "start-" (m.id) } { (t(lang, "启动合作项目", "Start project")) }
            }
        }
    }
}

/// The records that could not be scored, with the reason.
fn unscored_list(list: &Shortlist, lang: Lang) -> Markup {
    html! {
        @if !list.unscored.is_empty() {
            h3 { (t(lang, "未能评分", "Not scored")) }
            ul #unscored { @for u in &list.unscored { li { (u.title) " (#" (u.id) ")：" (u.reason) } } }
        }
    }
}

/// The rule of the score, in words, with the weights in use.
fn score_note(lang: Lang) -> Markup {
    let terms: Vec<String> = innovation::component_weights()
        .iter()
        .map(|(k, w)| format!("{w:.3} × {}", component_label(k, lang)))
        .collect();
    html! { p.note {
        (t(lang, "得分 = ", "Score = ")) (terms.join(" + ")) ". "
        (t(lang,
            "前三项是园区对接匹配引擎的公式和说明（技术供给视为从院所所在地“转移”到企业所在地）；关键词为需求关键词的覆盖率，技术成熟度为 TRL/9。",
            "The first three are the park-docking engine's formulas and sentences (a capability is scored as moving from the institute's city to the enterprise's); keywords is the share of the need's keywords covered, readiness TRL/9."))
    } }
}

async fn need_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let list = match run(&state.db, &s.user, move |db, user| {
        innovation::need_shortlist(db, user, id_of(&id, "tech_needs")?, SHORTLIST_K)
    })
    .await
    {
        Ok(l) => l,
        Err(e) => return page_failure(lang, &s, e),
    };
    let need = &list.subject;
    let titles = ref_titles(&state, &s, &TECH_NEEDS, &need.fields).await;
    let rights = Rights {
        for_need: true,
        can_match: innovation::may_match(&s.user, need) && need.text("status") == Some("open"),
        can_start: innovation::may_start_project(&s.user, need),
    };
    let nid = need.id_text();
    let body = html! {
        (fields_table(&TECH_NEEDS, &need.fields, &titles, lang))
        p {
            a href={ "/r/tech_needs/" (nid) } { (t(lang, "编辑需求", "Edit need")) }
            " · " a href={ "/r/tech_matches?need_id=" (nid) } { (t(lang, "已存匹配", "Stored matches")) }
            " · " a href={ "/api/tech_needs/" (nid) "/shortlist" } { "JSON" }
        }
        h2 { (t(lang, "推荐技术供给", "Ranked capabilities")) }
        (candidate_table(&list, &s, rights, lang))
        (unscored_list(&list, lang))
        (score_note(lang))
    };
    let title = format!(
        "{} {}",
        t(lang, "技术需求", "Technology need"),
        need.text("title").unwrap_or_default()
    );
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

async fn capability_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<String>,
) -> Response {
    let lang = page_lang.lang;
    let list = match run(&state.db, &s.user, move |db, user| {
        innovation::capability_shortlist(db, user, id_of(&id, "tech_capabilities")?, SHORTLIST_K)
    })
    .await
    {
        Ok(l) => l,
        Err(e) => return page_failure(lang, &s, e),
    };
    let cap = &list.subject;
    let titles = ref_titles(&state, &s, &TECH_CAPABILITIES, &cap.fields).await;
    let cid = cap.id_text();
    let body = html! {
        (fields_table(&TECH_CAPABILITIES, &cap.fields, &titles, lang))
        p {
            a href={ "/r/tech_capabilities/" (cid) } { (t(lang, "编辑技术供给", "Edit capability")) }
            " · " a href={ "/api/tech_capabilities/" (cid) "/shortlist" } { "JSON" }
        }
        h2 { (t(lang, "适合的技术需求（您可见的征集中需求）", "Needs it suits (open needs you may read)")) }
        (candidate_table(&list, &s, Rights { for_need: false, can_match: false, can_start: false }, lang))
        (unscored_list(&list, lang))
        (score_note(lang))
    };
    let title = format!(
        "{} {}",
        t(lang, "技术供给", "Capability"),
        cap.text("title").unwrap_or_default()
    );
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The posted "create match" form.
#[derive(Deserialize)]
struct MatchForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    capability_id: Option<String>,
}

async fn page_match(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<MatchForm>,
) -> Response {
    if !crate::kernel::page::csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let cap = form.capability_id.unwrap_or_default();
    match run(&state.db, &s.user, move |db, user| {
        let need = id_of(&id, "tech_needs")?;
        innovation::create_match(db, user, need, id_of(&cap, "tech_capabilities")?)?;
        Ok(need)
    })
    .await
    {
        Ok(need) => Redirect::to(&format!("/tech_needs/{need}")).into_response(),
        Err(e) => page_failure(lang, &s, e),
    }
}

/// The posted "start project" form.
#[derive(Deserialize)]
struct ProjectForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    kind: Option<String>,
    title: Option<String>,
    started_on: Option<String>,
}

async fn page_start_project(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Form(form): Form<ProjectForm>,
) -> Response {
    if !crate::kernel::page::csrf_matches(&s, form.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let new = NewProject {
        kind: form.kind.unwrap_or_default(),
        title: form.title.unwrap_or_default(),
        started_on: form.started_on,
    };
    match run(&state.db, &s.user, move |db, user| {
        let m = id_of(&id, "tech_matches")?;
        innovation::start_project(db, user, m, &new)?;
        let rec = tandem_platform::service::get(db, user, &TECH_MATCHES, &m.to_string())?;
        Ok(rec.int("need_id").unwrap_or(0))
    })
    .await
    {
        Ok(need) => Redirect::to(&format!("/tech_needs/{need}")).into_response(),
        Err(e) => page_failure(lang, &s, e),
    }
}

/// `POST /api/tech_matches/{id}/projects`: starts a project, 201 with the project record.
async fn api_start_project(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    Json(body): Json<NewProject>,
) -> Result<Response, ApiError> {
    let rec = run(&state.db, &s.user, move |db, user| {
        innovation::start_project(db, user, id_of(&id, "tech_matches")?, &body)
    })
    .await?;
    Ok(record_response(StatusCode::CREATED, rec))
}

/// The counts table: one row per pair the user may read.
fn counts_table(counts: &[PairCounts], lang: Lang) -> Markup {
    if counts.is_empty() {
        return html! { p.note #no-counts { (t(lang, "您的角色不能查看任何结对的产学研成果统计。", "Your role may read no pair's innovation counts.")) } };
    }
    html! {
        div.scroll { table #innovation-counts {
            thead { tr {
                th { (t(lang, "结对", "Pair")) }
                th { (t(lang, "专利", "Patents")) }
                th { (t(lang, "许可", "Licences")) }
                th { (t(lang, "技术匹配", "Matches")) }
                th { (t(lang, "合作项目", "Projects")) }
                th { (milestone_label("none", lang)) }
                @for m in MILESTONES { th { (milestone_label(m, lang)) } }
            } }
            tbody { @for c in counts {
                tr data-pair=(c.pair_id) {
                    td { a href={ "/pairs/" (c.pair_id) } { (pair_title(&c.pair_id, lang)) } }
                    td data-field="patents" { (c.patents) }
                    td data-field="licences" { (c.licences) }
                    td data-field="matches" { @match c.matches { Some(n) => { (n) }, None => { span.note { (t(lang, "无权查看", "not yours to read")) } } } }
                    td data-field="projects" { (c.projects) }
                    td data-field="none" { (c.by_milestone.get("none").copied().unwrap_or(0)) }
                    @for m in MILESTONES { td data-field=(m) { (c.by_milestone.get(*m).copied().unwrap_or(0)) } }
                }
            } }
        } }
    }
}

async fn innovation_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
) -> Response {
    let lang = page_lang.lang;
    let counts = match run(&state.db, &s.user, |db, user| {
        Ok(innovation::counts(db, user)?)
    })
    .await
    {
        Ok(c) => c,
        Err(e) => return page_failure(lang, &s, e),
    };
    let links = [
        ("institutes", t(lang, "高校与科研院所", "Institutes")),
        ("innovation_platforms", t(lang, "创新平台", "Platforms")),
        ("tech_capabilities", t(lang, "技术供给", "Capabilities")),
        ("tech_needs", t(lang, "技术需求", "Needs")),
        ("tech_matches", t(lang, "技术匹配", "Matches")),
        ("innovation_projects", t(lang, "合作项目", "Projects")),
        ("innovation_milestones", t(lang, "里程碑", "Milestones")),
        ("ip_records", t(lang, "专利与许可", "Patents and licences")),
    ];
    let body = html! {
        p { @for (k, (e, label)) in links.iter().enumerate() {
            @if k > 0 { " · " }
            a href={ "/r/" (e) } { (label) }
        } }
        h2 { (t(lang, "各结对成果", "What each pair has achieved")) }
        (counts_table(&counts, lang))
        p.note { (t(lang,
            "合作项目按已达到的最远里程碑计数；只列出您可查看的结对（未列出的结对不是零，而是您无权查看）。",
            "Projects are counted by the furthest milestone reached; only the pairs you may read are listed (a pair left out is not zero, it is not yours to read).")) }
    };
    page_lang.remember(
        page(
            lang,
            Some(&s),
            &t(lang, "产学研合作", "Innovation cooperation"),
            body,
        )
        .into_response(),
    )
}

/// A shortlist as JSON: the subject record, the candidates, what was not scored.
fn shortlist_json(list: Shortlist) -> Value {
    json!({
        "subject": Value::Object(list.subject.fields),
        "candidates": list.candidates,
        "unscored": list.unscored,
    })
}

/// `GET /api/tech_needs/{id}/shortlist`.
async fn api_need_shortlist(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let list = run(&state.db, &s.user, move |db, user| {
        innovation::need_shortlist(db, user, id_of(&id, "tech_needs")?, SHORTLIST_K)
    })
    .await?;
    Ok(Json(shortlist_json(list)))
}

/// `GET /api/tech_capabilities/{id}/shortlist`.
async fn api_capability_shortlist(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let list = run(&state.db, &s.user, move |db, user| {
        innovation::capability_shortlist(db, user, id_of(&id, "tech_capabilities")?, SHORTLIST_K)
    })
    .await?;
    Ok(Json(shortlist_json(list)))
}

/// The body of `POST /api/tech_needs/{id}/matches`.
#[derive(Deserialize)]
struct MatchBody {
    capability_id: i64,
}

/// `POST /api/tech_needs/{id}/matches`: stores the match, 201 with the record.
async fn api_create_match(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
    Json(body): Json<MatchBody>,
) -> Result<Response, ApiError> {
    let rec = run(&state.db, &s.user, move |db, user| {
        innovation::create_match(db, user, id_of(&id, "tech_needs")?, body.capability_id)
    })
    .await?;
    Ok(record_response(StatusCode::CREATED, rec))
}

/// `GET /api/innovation/counts`.
async fn api_counts(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Json<Value>, ApiError> {
    let items = run(&state.db, &s.user, |db, user| {
        Ok(innovation::counts(db, user)?)
    })
    .await?;
    Ok(Json(json!({ "items": items })))
}

/// The innovation routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/tech_needs/{id}/shortlist", get(api_need_shortlist))
        .route("/tech_needs/{id}/matches", post(api_create_match))
        .route(
            "/tech_capabilities/{id}/shortlist",
            get(api_capability_shortlist),
        )
        .route("/innovation/counts", get(api_counts))
        .route("/tech_matches/{id}/projects", post(api_start_project))
}

/// The innovation pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/innovation", get(innovation_page))
        .route("/tech_needs/{id}", get(need_page))
        .route("/tech_needs/{id}/match", post(page_match))
        .route("/tech_capabilities/{id}", get(capability_page))
        .route("/tech_matches/{id}/project", post(page_start_project))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let component = json!({"type": "object", "properties": {
        "component": {"type": "string", "enum": ["industry", "distance", "pair", "keywords", "readiness"]},
        "value": {"type": "number"}, "weight": {"type": "number"}, "contribution": {"type": "number"},
        "reason": {"type": "string"}}});
    let candidate = json!({"type": "object", "properties": {
        "need_id": {"type": "integer"}, "capability_id": {"type": "integer"},
        "title": {"type": "string"}, "owner": {"type": "string"}, "rank": {"type": "integer"},
        "stored": {"type": "object", "nullable": true, "description": "the stored match of the two, if you may read it",
            "properties": {"id": {"type": "integer"}, "need_id": {"type": "integer"},
                "capability_id": {"type": "integer"}, "status": {"type": "string", "enum": ["proposed", "contacted", "project", "declined"]}}},
        "explanation": {"type": "object", "properties": {
            "total": {"type": "number"}, "sector": {"type": "string"},
            "from_locality": {"type": "string"}, "to_locality": {"type": "string"},
            "components": {"type": "array", "items": component}}}}});
    let shortlist = json!({"type": "object", "properties": {
        "subject": {"type": "object"}, "candidates": {"type": "array", "items": candidate},
        "unscored": {"type": "array", "items": {"type": "object", "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"}, "reason": {"type": "string"}}}}}});
    for (path, what) in [
        (
            "/api/tech_needs/{id}/shortlist",
            "The capabilities ranked for a technology need, with the matching engine's explanation",
        ),
        (
            "/api/tech_capabilities/{id}/shortlist",
            "The open needs (that you may read) ranked for a capability",
        ),
    ] {
        paths.insert(
            path.into(),
            json!({"get": {"summary": what, "tags": ["innovation"],
            "parameters": [id.clone()],
            "responses": with(errors(), json!({"200": {"description": "best first",
                "content": {"application/json": {"schema": shortlist.clone()}}}}))}}),
        );
    }
    paths.insert("/api/tech_needs/{id}/matches".into(), json!({"post": {
        "summary": "Store the match of a need with a capability (score and explanation as ranked)",
        "tags": ["innovation"], "parameters": [id, csrf()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
            "required": ["capability_id"], "properties": {"capability_id": {"type": "integer"}}}}}},
        "responses": with(errors(), json!({"201": {"description": "the stored match",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/tech_matches"}}}}}))}}));
    paths.insert("/api/tech_matches/{id}/projects".into(), json!({"post": {
        "summary": "Start a cooperation project from a match (the match moves to project, its open need to matched)",
        "tags": ["innovation"], "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, csrf()],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
            "required": ["kind", "title"], "properties": {"kind": {"type": "string", "enum": PROJECT_KINDS},
            "title": {"type": "string", "maxLength": 200}, "started_on": {"type": "string", "format": "date"}}}}}},
        "responses": with(errors(), json!({"201": {"description": "the project",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/innovation_projects"}}}}}))}}));
    paths.insert("/api/innovation/counts".into(), json!({"get": {
        "summary": "Per pair you may read: patents, licences, projects by the furthest milestone reached",
        "tags": ["innovation"],
        "responses": with(errors(), json!({"200": {"description": "one item per pair",
            "content": {"application/json": {"schema": {"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
                "pair_id": {"type": "string"}, "patents": {"type": "integer"}, "licences": {"type": "integer"},
                "projects": {"type": "integer"}, "by_milestone": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}}}}}}))}}));
    paths
}
