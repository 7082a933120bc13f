//! The assessment pages and their forms: thin handlers over `tandem_platform::assessment`,
//! markup in [`super::views`].

use super::forms::{AggregatesQuery, DecisionBody, ObjectionForm, RunForm};
use super::views;
use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_failure, csrf_matches, failure, page, t, PageLang};
use crate::kernel::run::run;
use crate::kernel::session::{PageSession, Session};
use crate::kernel::state::AppState;
use crate::kernel::upload::{next_field, read_field};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use maud::{html, Markup};
use tandem_platform::assessment::{aggregates as agg, objections, policy, runs};
use tandem_platform::entity::FieldError;
use tandem_platform::service::PlatformError;
use tandem_platform::Role;
use tandem_report::Lang;

/// A page, or the failure that stopped it: invalid input listed field by field (422), other
/// failures as the kernel's failure page.
fn respond(lang: Lang, s: &Session, title: &str, r: Result<Markup, ApiError>) -> Response {
    match r {
        Ok(body) => page(lang, Some(s), title, body).into_response(),
        Err(ApiError::Platform(PlatformError::Invalid(errors))) => {
            let body = html! {
                (views::errors_list(&errors, lang))
                p { a href="/assessment" { (t(lang, "返回评价", "Back to assessment")) } }
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(lang, Some(s), title, body),
            )
                .into_response()
        }
        Err(ApiError::Platform(e)) => failure(lang, Some(s), &e),
        Err(other) => other.into_response(),
    }
}

/// After a form: to `to`, or the failure.
fn redirect(lang: Lang, s: &Session, r: Result<String, ApiError>) -> Response {
    match r {
        Ok(to) => Redirect::to(&to).into_response(),
        Err(e) => respond(lang, s, &t(lang, "评价", "Assessment"), Err(e)),
    }
}

/// The assessment page: by role, the runs and the form to start one, the assessed unit's own
/// results (an enterprise's; a park operator's park's in park runs), and the anonymised aggregates of a year (`?year=`).
pub(crate) async fn index(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
    Query(q): Query<AggregatesQuery>,
) -> Response {
    let lang = page_lang.lang;
    let csrf = s.csrf.clone();
    let year = q.year;
    let scheme = q.scheme.unwrap_or_else(|| "per-mu-example".into());
    let body = run(&state.db, &s.user, move |db, user| {
        let starts = !matches!(user.role, Role::Enterprise { .. } | Role::Researcher);
        let list = runs::list(db, user)?;
        let mine = runs::my_scores(db, user)?;
        let aggregates = year
            .map(|y| agg::by_industry(db, y, &scheme))
            .transpose()?;
        Ok(html! {
            @if starts { (views::start_form(&csrf, lang)) (views::run_list(&list, lang)) }
            @if matches!(user.role, Role::Enterprise { .. } | Role::ParkOperator { .. }) { (views::my_scores(&mine, &csrf, lang)) }
            form method="get" action="/assessment" {
                label for="agg-year" { (t(lang, "分行业汇总：年度", "Aggregates by industry: year")) }
                input #agg-year name="year";
                button type="submit" { (t(lang, "查看", "Show")) }
            }
            @if let Some(a) = &aggregates { (views::aggregates(a, lang)) }
        })
    })
    .await;
    page_lang.remember(respond(lang, &s, &t(lang, "评价", "Assessment"), body))
}

pub(crate) async fn start_run(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    mut multipart: Multipart,
) -> Response {
    let form = match read_run_form(lang, &s, &mut multipart).await {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    let r = async {
        let new = form.into_body()?.into_new_run()?;
        let r = run(&state.db, &s.user, move |db, user| {
            runs::start(db, user, &new)
        })
        .await?;
        Ok(format!("/assessment/runs/{}", r.summary.id))
    };
    redirect(lang, &s, r.await)
}

/// The run form (multipart, for the scheme file), read in form order: the CSRF token is
/// checked before a byte of the file is read, and an uploaded scheme (UTF-8) replaces the
/// pasted text. `Err` is the page that says why.
async fn read_run_form(
    lang: Lang,
    s: &Session,
    multipart: &mut Multipart,
) -> Result<RunForm, Box<Response>> {
    let refuse = |e: PlatformError| Box::new(failure(lang, Some(s), &e));
    let mut form = RunForm::default();
    while let Some(field) = next_field(multipart)
        .await
        .map_err(|e| refuse(e.platform()))?
    {
        let name = field.name().unwrap_or("").to_string();
        if name == "scheme_file" {
            if !csrf_matches(s, Some(&form.csrf)) {
                return Err(Box::new(csrf_failure(lang, s)));
            }
            let bytes = read_field(field).await.map_err(|e| refuse(e.platform()))?;
            if !bytes.is_empty() {
                form.scheme_toml = String::from_utf8(bytes).map_err(|_| {
                    refuse(PlatformError::Invalid(vec![FieldError::new(
                        "scheme_file",
                        "not_utf8",
                        "the scheme file must be UTF-8 text (TOML)".into(),
                        "方案文件须为 UTF-8 文本（TOML）".into(),
                    )]))
                })?;
            }
            continue;
        }
        let text = field.text().await.unwrap_or_default();
        match name.as_str() {
            "_csrf" => form.csrf = text,
            "park_id" => form.park_id = text,
            "pair_id" => form.pair_id = text,
            "year" => form.year = text,
            "scheme" => form.scheme = text,
            "scheme_toml" if form.scheme_toml.is_empty() => form.scheme_toml = text,
            "objections_close_on" => form.objections_close_on = text,
            _ => {}
        }
    }
    if !csrf_matches(s, Some(&form.csrf)) {
        return Err(Box::new(csrf_failure(lang, s)));
    }
    Ok(form)
}

/// A run: every unit's result, the objections and, for a reviewer, the decision forms.
pub(crate) async fn run_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<i64>,
) -> Response {
    let csrf = s.csrf.clone();
    let body = run(&state.db, &s.user, move |db, user| {
        let r = runs::get(db, user, id)?;
        let h = objections::history(db, user, id)?;
        let review = policy::may_review(user, &r.summary).then_some(csrf.as_str());
        let objections: Vec<_> = h.objections.into_iter().filter(|o| o.run_id == id).collect();
        Ok(html! {
            p {
                (r.summary.year) " · " (r.summary.scheme_id) " · " (t(lang, "修订 ", "revision ")) (r.summary.revision)
                " · " (t(lang, "异议截止 ", "objections close on ")) (r.summary.objections_close_on)
                " · " a href={ "/assessment/runs/" (id) "/history" } { (t(lang, "历史", "History")) }
            }
            (views::units_table(&r, lang))
            h2 { (t(lang, "异议", "Objections")) }
            (views::objection_list(&objections, review, lang))
            details { summary { (t(lang, "所用方案（TOML）", "The scheme as applied (TOML)")) } pre { (r.scheme_toml) } }
        })
    })
    .await;
    respond(
        lang,
        &s,
        &format!("{} {id}", t(lang, "评价", "Assessment run")),
        body,
    )
}

pub(crate) async fn history_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<i64>,
) -> Response {
    let body = run(&state.db, &s.user, move |db, user| {
        Ok(views::history(&objections::history(db, user, id)?, lang))
    })
    .await;
    respond(
        lang,
        &s,
        &format!("{} {id}", t(lang, "评价历史", "History of run")),
        body,
    )
}

pub(crate) async fn file_objection(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<i64>,
    Form(form): Form<ObjectionForm>,
) -> Response {
    if !csrf_matches(&s, Some(&form.csrf)) {
        return csrf_failure(lang, &s);
    }
    let new = form.into();
    let r = run(&state.db, &s.user, move |db, user| {
        objections::file(db, user, id, &new)
    })
    .await
    .map(|o| format!("/assessment/runs/{}/history", o.run_id));
    redirect(lang, &s, r)
}

pub(crate) async fn decide(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<i64>,
    Form(form): Form<DecisionBody>,
) -> Response {
    if !csrf_matches(&s, Some(&form.csrf)) {
        return csrf_failure(lang, &s);
    }
    let r = async {
        let decision = form.decision()?;
        let o = run(&state.db, &s.user, move |db, user| {
            objections::decide(db, user, id, &decision)
        })
        .await?;
        Ok(format!("/assessment/runs/{}/history", o.run_id))
    };
    redirect(lang, &s, r.await)
}
