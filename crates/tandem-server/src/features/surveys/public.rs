//! The respondent's side of a survey, without an account: `GET /survey/{wave}/{token}` shows
//! the form (Chinese or English by `?lang=`), `POST` stores the answers
//! (`tandem_platform::survey::submit`). No cookie is set and nothing about the respondent is
//! kept but the answers.
//!
//! Refusals: a token that is not one of the wave's (malformed, guessed, of another wave) 404;
//! a used token 410; a wave not yet open or closed 403; invalid answers 422 with the form
//! again; a body over [`MAX_FORM_BYTES`] 413. Failed lookups are counted per client address
//! like failed sign-ins (`AppState::survey_limiter`): after
//! `throttle::MAX_FAILURES_PER_NAME` misses in the window the client gets 429.

use crate::kernel::page::{page, t, PageLang};
use crate::kernel::run::blocking;
use crate::kernel::state::AppState;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::{html, Markup};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use tandem_platform::entity::FieldError;
use tandem_platform::survey::questionnaire::{item_field, text_field, Questionnaire};
use tandem_platform::survey::{self, SubmitError, Wave};
use tandem_report::Lang;

/// The largest answer form accepted: 17 Likert answers and two 2,000-character answers in
/// Chinese take well under 20 KB, URL-encoded.
pub const MAX_FORM_BYTES: usize = 64 * 1024;

/// The limiter's name for survey links: one count per client address.
const LIMITER_NAME: &str = "survey-link";

/// A respondent's link.
#[derive(serde::Deserialize)]
struct LinkPath {
    wave: i64,
    token: String,
}

/// What to show after a refusal, with its status.
fn refusal_page(lang: Lang, e: &SubmitError) -> Response {
    let (status, title, message) = match e {
        SubmitError::UnknownToken => (
            StatusCode::NOT_FOUND,
            t(lang, "链接无效", "Link not valid"),
            t(
                lang,
                "这个调查链接无效。请使用园区发给贵企业的完整链接。",
                "This survey link is not valid. Use the whole link the park sent you.",
            ),
        ),
        SubmitError::Used => (
            StatusCode::GONE,
            t(lang, "已经作答", "Already answered"),
            t(
                lang,
                "这个链接已经提交过答卷，每个链接只能作答一次。谢谢参与！",
                "This link has already been used to answer; each link answers once. Thank you!",
            ),
        ),
        SubmitError::NotOpen(day) => (
            StatusCode::FORBIDDEN,
            t(lang, "调查尚未开始", "Not open yet"),
            match lang {
                Lang::Zh => format!("本次调查于 {day} 开始。"),
                Lang::En => format!("This survey opens on {day}."),
            },
        ),
        SubmitError::Closed(day) => (
            StatusCode::FORBIDDEN,
            t(lang, "调查已结束", "Closed"),
            match lang {
                Lang::Zh => format!("本次调查已于 {day} 结束。"),
                Lang::En => format!("This survey closed on {day}."),
            },
        ),
        SubmitError::Invalid(_) | SubmitError::Db(_) => {
            tracing::error!(error = %e, "survey submission failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                t(lang, "服务器错误", "Server error"),
                t(
                    lang,
                    "服务器出错，请稍后再试。",
                    "The server failed; try again later.",
                ),
            )
        }
    };
    let body = html! { div class="flash bad" role="alert" { strong { (title) } br; (message) } };
    (status, page(lang, None, &title, body)).into_response()
}

fn too_many(lang: Lang, wait: u64) -> Response {
    let message = match lang {
        Lang::Zh => format!("无效链接尝试过多，请 {wait} 秒后再试。"),
        Lang::En => format!("Too many invalid links; try again in {wait} s."),
    };
    let title = t(lang, "操作过于频繁", "Too many requests");
    let body = html! { div class="flash bad" role="alert" { (message) } };
    let mut r = (
        StatusCode::TOO_MANY_REQUESTS,
        page(lang, None, &title, body),
    )
        .into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&wait.to_string()) {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, v);
    }
    r
}

/// Runs a respondent's request under the limiter: counted as a miss before the lookup, and
/// taken back unless the link was unknown.
async fn limited<T: Send + 'static>(
    state: &AppState,
    client: &str,
    work: impl FnOnce() -> Result<T, SubmitError> + Send + 'static,
) -> Result<Result<T, SubmitError>, u64> {
    state.survey_limiter.attempt(client, LIMITER_NAME)?;
    let out = match blocking(work).await {
        Ok(out) => out,
        Err(e) => Err(SubmitError::Db(tandem_platform::DbError::Other(format!(
            "{e:?}"
        )))),
    };
    if !matches!(out, Err(SubmitError::UnknownToken)) {
        state.survey_limiter.withdraw(client, LIMITER_NAME);
    }
    Ok(out)
}

async fn show_form(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageLang { lang, .. }: PageLang,
    headers: HeaderMap,
    Path(link): Path<LinkPath>,
) -> Response {
    let client = state.client_key(addr, &headers);
    let db = state.db.clone();
    let token = link.token.clone();
    match limited(&state, &client, move || {
        survey::open_for(&db, link.wave, &token)
    })
    .await
    {
        Err(wait) => too_many(lang, wait),
        Ok(Err(e)) => refusal_page(lang, &e),
        Ok(Ok(wave)) => form_page(lang, &wave, &link.token, &[], &[], StatusCode::OK),
    }
}

async fn submit_form(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageLang { lang, .. }: PageLang,
    headers: HeaderMap,
    Path(link): Path<LinkPath>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    if !crate::kernel::session::same_origin(&headers) {
        let title = t(lang, "来源不符", "Cross-site submission refused");
        return (StatusCode::FORBIDDEN, page(lang, None, &title, html! {})).into_response();
    }
    let client = state.client_key(addr, &headers);
    let db = state.db.clone();
    let (token, posted) = (link.token.clone(), fields.clone());
    let stored = limited(&state, &client, move || {
        survey::submit(&db, link.wave, &token, &posted)
    })
    .await;
    match stored {
        Err(wait) => too_many(lang, wait),
        Ok(Ok(())) => thanks(lang),
        Ok(Err(SubmitError::Invalid(errors))) => {
            let db = state.db.clone();
            let token = link.token.clone();
            match blocking(move || survey::open_for(&db, link.wave, &token)).await {
                Ok(Ok(wave)) => form_page(
                    lang,
                    &wave,
                    &link.token,
                    &fields,
                    &errors,
                    StatusCode::UNPROCESSABLE_ENTITY,
                ),
                Ok(Err(e)) => refusal_page(lang, &e),
                Err(e) => e.into_response(),
            }
        }
        Ok(Err(e)) => refusal_page(lang, &e),
    }
}

fn thanks(lang: Lang) -> Response {
    let title = t(lang, "提交成功", "Thank you");
    let body = html! {
        div class="flash good" role="status" {
            (t(lang, "答卷已提交，谢谢参与！答卷不与链接或企业关联保存。",
                "Your answers were received. They are stored without any link to you or your link."))
        }
    };
    page(lang, None, &title, body).into_response()
}

/// The questionnaire as a form, with the posted values and errors when it comes back.
fn form_page(
    lang: Lang,
    wave: &Wave,
    token: &str,
    posted: &[(String, String)],
    errors: &[FieldError],
    status: StatusCode,
) -> Response {
    let values: BTreeMap<&str, &str> = posted
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let q = &wave.questionnaire;
    let action = survey::link_path(wave.id, token);
    let other = lang.pick("en", "zh");
    let body = html! {
        p { a href={ (action) "?lang=" (other) } { (lang.pick("English", "中文")) } }
        p { (wave.park_name) " · " (wave.year) " · "
            (t(lang, "截止日期", "Closes on")) " " (wave.closes_on) }
        p { (t(lang,
            "请按同意程度打分：1 = 很不同意，5 = 非常同意；不了解的题目可以不答。本调查不收集姓名或联系方式。",
            "Rate each statement: 1 = strongly disagree, 5 = strongly agree; skip any you cannot judge. No names or contact details are collected.")) }
        @if !errors.is_empty() {
            div class="flash bad" role="alert" {
                ul { @for e in errors { li { (e.field) ": " (lang.pick(&e.message_zh, &e.message)) } } }
            }
        }
        form method="post" action={ (action) "?lang=" (lang.pick("zh", "en")) } {
            (areas(lang, q, &values))
            @for f in &q.free_text {
                label for=(text_field(&f.id)) { (lang.pick(&f.text.zh, &f.text.en)) }
                textarea id=(text_field(&f.id)) name=(text_field(&f.id)) rows="4"
                    maxlength=(f.max_chars) { (values.get(text_field(&f.id).as_str()).copied().unwrap_or("")) }
            }
            button type="submit" { (t(lang, "提交", "Submit")) }
        }
    };
    let title = lang.pick(&q.title.zh, &q.title.en).to_string();
    (status, page(lang, None, &title, body)).into_response()
}

fn areas(lang: Lang, q: &Questionnaire, values: &BTreeMap<&str, &str>) -> Markup {
    html! {
        @for area in &q.areas {
            fieldset.card {
                legend { strong { (lang.pick(&area.name.zh, &area.name.en)) } }
                @for item in &area.items {
                    @let name = item_field(&item.id);
                    @let chosen = values.get(name.as_str()).copied().unwrap_or("");
                    p { (lang.pick(&item.text.zh, &item.text.en)) br;
                        @for v in ["1", "2", "3", "4", "5"] {
                            label style="display:inline;margin-right:14px;font-weight:400" {
                                input type="radio" name=(name) value=(v) checked[chosen == v]
                                    style="width:auto";
                                " " (v)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The respondents' routes (no account), with their own body limit.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route(
        "/survey/{wave}/{token}",
        get(show_form)
            .post(submit_form)
            .layer(DefaultBodyLimit::max(MAX_FORM_BYTES)),
    )
}
