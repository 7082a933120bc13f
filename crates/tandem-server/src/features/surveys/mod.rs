//! Satisfaction surveys (issue #16): the waves a user may see, opening a wave, issuing links
//! (CSV or XLSX, the only time the tokens leave the server), results by area and item, on
//! pages and in the API; and the respondents' form without an account ([`public`]). Who sees
//! what is `tandem_platform::auth::survey_access`; the work is `tandem_platform::survey`.

pub(crate) mod public;

use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_failure, csrf_matches, failure, page, t, PageLang};
use crate::kernel::record_view::list_as;
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::json;
use tandem_platform::entity;
use tandem_platform::survey::questionnaire::Questionnaire;
use tandem_platform::survey::results::{AreaResult, Results};
use tandem_platform::survey::{self, NewWave, Wave};
use tandem_report::Lang;

/// How issued links are handed out.
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum LinkFormat {
    /// `number,link` lines.
    #[default]
    Csv,
    /// A workbook with the same two columns.
    Xlsx,
    /// `{"links": [...]}`.
    Json,
}

/// `POST /api/surveys/{id}/tokens` and the page's form.
#[derive(Deserialize)]
struct IssueTokens {
    count: i64,
    #[serde(default)]
    format: LinkFormat,
    #[serde(rename = "_csrf", default)]
    csrf: Option<String>,
}

/// The page's form opening a wave (the API takes [`NewWave`] as JSON).
#[derive(Deserialize)]
struct NewWaveForm {
    park_id: i64,
    year: i64,
    #[serde(default)]
    title: String,
    opens_on: String,
    closes_on: String,
    #[serde(rename = "_csrf", default)]
    csrf: Option<String>,
}

/// `scheme://host` of this request, for absolute links (the operator's own request names
/// the host they reach the server by).
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

fn download(name: &str, content_type: &'static str, bytes: Vec<u8>) -> Response {
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Issues links and hands them out in `format`.
async fn issue(
    state: &AppState,
    s: &Session,
    id: i64,
    count: i64,
    format: LinkFormat,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let (wave, tokens) = run(&state.db, &s.user, move |db, u| {
        survey::issue_tokens(db, u, id, count)
    })
    .await?;
    let base = base_url(headers);
    let name = format!("survey-{}-{}-links", wave.park_id, wave.year);
    Ok(match format {
        LinkFormat::Json => {
            let links: Vec<String> = tokens
                .iter()
                .map(|t| format!("{base}{}", survey::link_path(id, t)))
                .collect();
            let mut r = (StatusCode::CREATED, Json(json!({"links": links}))).into_response();
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        LinkFormat::Csv => download(
            &format!("{name}.csv"),
            "text/csv; charset=utf-8",
            survey::links_csv(&base, id, &tokens).into_bytes(),
        ),
        LinkFormat::Xlsx => download(
            &format!("{name}.xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            survey::links_xlsx(&base, id, &tokens)?,
        ),
    })
}

// ---- API ----

async fn api_default_questionnaire(ApiSession(_): ApiSession) -> Response {
    Json(Questionnaire::default_questionnaire()).into_response()
}

async fn api_list(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let waves = run(&state.db, &s.user, survey::list_waves).await?;
    let items: Vec<_> = waves
        .into_iter()
        .map(|(w, responses)| {
            let mut v = wave_json(&w);
            v["responses"] = json!(responses);
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })).into_response())
}

async fn api_create(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Json(new): Json<NewWave>,
) -> Result<Response, ApiError> {
    let wave = run(&state.db, &s.user, move |db, u| {
        survey::create_wave(db, u, &new)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(wave)).into_response())
}

async fn api_results(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (wave, results) = run(&state.db, &s.user, move |db, u| {
        survey::wave_results(db, u, id)
    })
    .await?;
    Ok(Json(json!({"wave": wave, "results": results})).into_response())
}

/// A wave without its questionnaire, for lists.
fn wave_json(w: &Wave) -> serde_json::Value {
    json!({"id": w.id, "park_id": w.park_id, "park_name": w.park_name, "year": w.year,
        "title": w.title, "opens_on": w.opens_on, "closes_on": w.closes_on,
        "tokens_issued": w.tokens_issued})
}

async fn api_park(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(park): Path<i64>,
) -> Result<Response, ApiError> {
    let waves = run(&state.db, &s.user, move |db, u| {
        survey::park_results(db, u, park)
    })
    .await?;
    let waves: Vec<_> = waves
        .iter()
        .map(|(w, r)| json!({"wave": wave_json(w), "results": r}))
        .collect();
    Ok(Json(json!({"park_id": park, "waves": waves})).into_response())
}

async fn api_issue(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(body): Json<IssueTokens>,
) -> Result<Response, ApiError> {
    issue(&state, &s, id, body.count, body.format, &headers).await
}

// ---- pages ----

async fn list_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
) -> Response {
    let lang = page_lang.lang;
    let waves = match run(&state.db, &s.user, survey::list_waves).await {
        Ok(w) => w,
        Err(ApiError::Platform(e)) => return failure(lang, Some(&s), &e),
        Err(e) => return e.into_response(),
    };
    let new_form = new_wave_form(&state, &s, lang).await;
    let body = html! {
        @if waves.is_empty() {
            p { (t(lang, "暂无您可查看的调查。", "No survey you may see yet.")) }
        } @else {
            table {
                thead { tr {
                    th { (t(lang, "园区", "Park")) } th { (t(lang, "年份", "Year")) }
                    th { (t(lang, "标题", "Title")) } th { (t(lang, "开放", "Open")) }
                    th { (t(lang, "已发链接", "Links issued")) } th { (t(lang, "答卷", "Responses")) }
                } }
                tbody { @for (w, responses) in &waves { tr {
                    td { a href={ "/surveys/parks/" (w.park_id) } { (w.park_name) } } td { (w.year) }
                    td { a href={ "/surveys/" (w.id) } { (w.title) } }
                    td { (w.opens_on) " – " (w.closes_on) }
                    td { (w.tokens_issued) } td { (responses) }
                } } }
            }
        }
        (new_form)
    };
    let title = t(lang, "企业满意度调查", "Enterprise satisfaction surveys");
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The form opening a wave, for the parks the user may survey (none: no form).
async fn new_wave_form(state: &AppState, s: &Session, lang: Lang) -> Markup {
    let parks = match list_as(state, s, &entity::PARKS, Vec::new(), 1).await {
        Ok(p) => p.items,
        Err(_) => Vec::new(),
    };
    let parks: Vec<(i64, String)> = parks
        .iter()
        .filter_map(|p| Some((p.get("id")?.as_i64()?, p.get("name")?.as_str()?.to_string())))
        .filter(|(id, _)| tandem_platform::auth::may_run_surveys(&s.user, *id))
        .collect();
    if parks.is_empty() {
        return html! {};
    }
    html! {
        h2 { (t(lang, "新建调查", "Open a survey wave")) }
        form.card method="post" action="/surveys" style="max-width:560px" {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="park_id" { (t(lang, "园区", "Park")) }
            select id="park_id" name="park_id" {
                @for (id, name) in &parks { option value=(id) { (name) } }
            }
            label for="year" { (t(lang, "年份", "Year")) }
            input id="year" name="year" type="number" min="2000" max="2100" required;
            label for="title" { (t(lang, "标题（可不填）", "Title (optional)")) }
            input id="title" name="title" maxlength="600";
            label for="opens_on" { (t(lang, "开始日期", "Opens on")) }
            input id="opens_on" name="opens_on" type="date" required;
            label for="closes_on" { (t(lang, "截止日期", "Closes on")) }
            input id="closes_on" name="closes_on" type="date" required;
            p { (t(lang, "使用默认问卷；自定义问卷请通过 API 提交（POST /api/surveys）。",
                "Uses the default questionnaire; send your own through the API (POST /api/surveys).")) }
            button type="submit" { (t(lang, "新建", "Open")) }
        }
    }
}

async fn create_submit(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Form(f): Form<NewWaveForm>,
) -> Response {
    if !csrf_matches(&s, f.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let new = NewWave {
        park_id: f.park_id,
        year: f.year,
        title: Some(f.title),
        opens_on: f.opens_on,
        closes_on: f.closes_on,
        questionnaire: None,
    };
    match run(&state.db, &s.user, move |db, u| {
        survey::create_wave(db, u, &new)
    })
    .await
    {
        Ok(w) => Redirect::to(&format!("/surveys/{}", w.id)).into_response(),
        Err(ApiError::Platform(e)) => failure(lang, Some(&s), &e),
        Err(e) => e.into_response(),
    }
}

async fn wave_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(id): Path<i64>,
) -> Response {
    let lang = page_lang.lang;
    let (wave, results) = match run(&state.db, &s.user, move |db, u| {
        survey::wave_results(db, u, id)
    })
    .await
    {
        Ok(r) => r,
        Err(ApiError::Platform(e)) => return failure(lang, Some(&s), &e),
        Err(e) => return e.into_response(),
    };
    let may_issue = tandem_platform::auth::may_run_surveys(&s.user, wave.park_id);
    let body = html! {
        p { (wave.park_name) " · " (wave.year) " · " (wave.opens_on) " – " (wave.closes_on) }
        (summary(lang, &results))
        @for area in &results.areas { (area_table(lang, area)) }
        (free_text(lang, &results))
        @if may_issue { (issue_form(lang, &s, &wave)) }
        p { a href="/surveys" { (t(lang, "全部调查", "All surveys")) } }
    };
    page_lang.remember(page(lang, Some(&s), &wave.title, body).into_response())
}

async fn park_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Path(park): Path<i64>,
) -> Response {
    let lang = page_lang.lang;
    let waves = match run(&state.db, &s.user, move |db, u| {
        survey::park_results(db, u, park)
    })
    .await
    {
        Ok(w) => w,
        Err(ApiError::Platform(e)) => return failure(lang, Some(&s), &e),
        Err(e) => return e.into_response(),
    };
    // Columns: every area of every wave, by id, named as the first wave that has it.
    let mut columns: Vec<(&str, &tandem_platform::survey::questionnaire::Text)> = Vec::new();
    for (_, r) in &waves {
        for a in &r.areas {
            if !columns.iter().any(|(id, _)| *id == a.id) {
                columns.push((&a.id, &a.name));
            }
        }
    }
    let park_name = waves.first().map(|(w, _)| w.park_name.clone());
    let body = html! {
        @if waves.is_empty() {
            p { (t(lang, "该园区还没有调查。", "This park has no survey yet.")) }
        } @else {
            p { (t(lang, "各服务领域的平均分（1-5）与作答企业数，按年份。",
                "Mean score (1-5) and respondents per service area, by year.")) }
            div.scroll { table {
                thead { tr {
                    th { (t(lang, "年份", "Year")) } th { (t(lang, "回收率", "Response rate")) }
                    @for (_, name) in &columns { th { (lang.pick(&name.zh, &name.en)) } }
                } }
                tbody { @for (w, r) in &waves { tr {
                    td { a href={ "/surveys/" (w.id) } { (w.year) } }
                    td { (r.response_rate.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())) }
                    @for (id, _) in &columns {
                        @let cell = r.areas.iter().find(|a| a.id == *id);
                        td { (cell.map(|a| format!("{} (n = {})", fmt(a.mean, 2), a.n)).unwrap_or_else(|| "—".into())) }
                    }
                } } }
            } }
        }
        p { a href="/surveys" { (t(lang, "全部调查", "All surveys")) } }
    };
    let title = match park_name {
        Some(name) => format!("{name} · {}", t(lang, "满意度调查", "satisfaction surveys")),
        None => t(lang, "满意度调查", "Satisfaction surveys"),
    };
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

fn fmt(v: Option<f64>, digits: usize) -> String {
    v.map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "—".into())
}

fn summary(lang: Lang, r: &Results) -> Markup {
    html! {
        table {
            tr { th { (t(lang, "已发链接", "Links issued")) } td { (r.tokens_issued) } }
            tr { th { (t(lang, "答卷", "Responses")) } td { (r.responses) } }
            tr { th { (t(lang, "回收率", "Response rate")) }
                 td { (r.response_rate.map(|x| format!("{:.1}%", x * 100.0)).unwrap_or_else(|| "—".into())) } }
        }
        @if let Some(k) = r.suppressed_below {
            p { (match lang {
                Lang::Zh => format!("匿名汇总：少于 {k} 份答卷的单元格不显示（—）。"),
                Lang::En => format!("Anonymised aggregates: cells with fewer than {k} responses are not shown (—)."),
            }) }
        }
    }
}

fn area_table(lang: Lang, a: &AreaResult) -> Markup {
    let alpha = a.alpha.as_ref().map(|x| {
        format!(
            "{:.2} [{:.2}, {:.2}], n = {}",
            x.alpha, x.ci_low, x.ci_high, x.respondents
        )
    });
    html! {
        h2 { (lang.pick(&a.name.zh, &a.name.en)) }
        p { "n = " (a.n) " · " (t(lang, "均值", "mean")) " " (fmt(a.mean, 2))
            " · " (t(lang, "标准差", "sd")) " " (fmt(a.sd, 2))
            " · Cronbach α " (alpha.unwrap_or_else(|| "—".into())) }
        div.scroll { table {
            thead { tr { th { (t(lang, "题目", "Item")) } th { "n" } th { (t(lang, "均值", "Mean")) }
                @for v in 1..=5 { th { (v) } } } }
            tbody { @for i in &a.items { tr {
                td { (lang.pick(&i.text.zh, &i.text.en)) } td { (i.n) } td { (fmt(i.mean, 2)) }
                @for v in 0..5 { td { (i.distribution.map(|d| d[v].to_string()).unwrap_or_else(|| "—".into())) } }
            } } }
        } }
    }
}

fn free_text(lang: Lang, r: &Results) -> Markup {
    html! {
        @if let Some(questions) = &r.free_text {
            @for q in questions {
                h2 { (lang.pick(&q.question.zh, &q.question.en)) " (" (q.answers.len()) ")" }
                ul { @for a in &q.answers { li style="white-space:pre-wrap" { (a) } } }
            }
        }
    }
}

fn issue_form(lang: Lang, s: &Session, wave: &Wave) -> Markup {
    html! {
        h2 { (t(lang, "发放调查链接", "Issue survey links")) }
        p { (t(lang,
            "每个链接只能作答一次。链接只在此时下载一次，服务器只保存其摘要，请妥善分发。",
            "Each link answers once. The links are downloaded now, once: the server keeps only their hashes.")) }
        form.card method="post" action={ "/surveys/" (wave.id) "/tokens" } style="max-width:420px" {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="count" { (t(lang, "数量", "How many")) }
            input id="count" name="count" type="number" min="1" max=(survey::MAX_TOKENS_PER_REQUEST) required;
            label for="format" { (t(lang, "格式", "Format")) }
            select id="format" name="format" { option value="csv" { "CSV" } option value="xlsx" { "XLSX" } }
            button type="submit" { (t(lang, "生成并下载", "Issue and download")) }
        }
    }
}

async fn issue_submit(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Form(f): Form<IssueTokens>,
) -> Response {
    if !csrf_matches(&s, f.csrf.as_deref()) {
        return csrf_failure(lang, &s);
    }
    let format = if f.format == LinkFormat::Json {
        LinkFormat::Csv
    } else {
        f.format
    };
    match issue(&state, &s, id, f.count, format, &headers).await {
        Ok(r) => r,
        Err(ApiError::Platform(e)) => failure(lang, Some(&s), &e),
        Err(e) => e.into_response(),
    }
}

/// The survey routes' OpenAPI paths.
pub fn openapi_paths() -> Vec<(String, serde_json::Value)> {
    let ok = |code: &str, what: &str| {
        json!({code: {"description": what, "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": {"description": "not signed in"}, "403": {"description": "not allowed (CSRF, or a reader who may not write)"},
            "404": {"description": "no such wave, or not visible to you"}, "422": {"description": "invalid, each field and rule named"}})
    };
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let wave_body = json!({"required": true, "content": {"application/json": {"schema": {"type": "object",
        "required": ["park_id", "year", "opens_on", "closes_on"],
        "properties": {"park_id": {"type": "integer"}, "year": {"type": "integer"}, "title": {"type": "string"},
            "opens_on": {"type": "string", "format": "date"}, "closes_on": {"type": "string", "format": "date"},
            "questionnaire": {"type": "object", "description": "as GET /api/surveys/questionnaire; the default when absent"}}}}}});
    let tokens_body = json!({"required": true, "content": {"application/json": {"schema": {"type": "object",
        "required": ["count"], "properties": {"count": {"type": "integer", "minimum": 1, "maximum": survey::MAX_TOKENS_PER_REQUEST},
            "format": {"type": "string", "enum": ["csv", "xlsx", "json"]}}}}}});
    vec![
        (
            "/api/surveys".into(),
            json!({"get": {"summary": "The satisfaction-survey waves you may see, with response counts", "tags": ["surveys"], "responses": ok("200", "waves")},
                "post": {"summary": "Open a wave for a park and year (the park's operator, coordinators, administrators)", "tags": ["surveys"], "requestBody": wave_body, "responses": ok("201", "the wave")}}),
        ),
        (
            "/api/surveys/questionnaire".into(),
            json!({"get": {"summary": "The default questionnaire (zh/en), the shape of your own", "tags": ["surveys"], "responses": ok("200", "questionnaire")}}),
        ),
        (
            "/api/surveys/{id}".into(),
            json!({"get": {"summary": "A wave and its results as your role may see them (researchers: cells under 5 suppressed, no free text)", "tags": ["surveys"], "parameters": id, "responses": ok("200", "wave and results")}}),
        ),
        (
            "/api/surveys/parks/{park}".into(),
            json!({"get": {"summary": "A park's waves over the years with their results as your role may see them", "tags": ["surveys"],
                "parameters": [{"name": "park", "in": "path", "required": true, "schema": {"type": "integer"}}], "responses": ok("200", "waves and results")}}),
        ),
        (
            "/api/surveys/{id}/tokens".into(),
            json!({"post": {"summary": "Issue respondents' links (shown once: only their hashes are kept)", "tags": ["surveys"], "parameters": id, "requestBody": tokens_body, "responses": ok("200", "the links as CSV or XLSX (201 with JSON)")}}),
        ),
    ]
}

/// The survey routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(api_list).post(api_create))
        .route("/surveys/questionnaire", get(api_default_questionnaire))
        .route("/surveys/{id}", get(api_results))
        .route("/surveys/{id}/tokens", post(api_issue))
        .route("/surveys/parks/{park}", get(api_park))
}

/// The survey pages, and the respondents' form.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/surveys", get(list_page).post(create_submit))
        .route("/surveys/{id}", get(wave_page))
        .route("/surveys/{id}/tokens", post(issue_submit))
        .route("/surveys/parks/{park}", get(park_page))
        .merge(public::page_routes())
}
