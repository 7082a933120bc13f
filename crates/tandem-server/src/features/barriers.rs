//! The barrier register (issue #17, part 2): `/barriers` lists the barriers the user may read,
//! grouped by field with their ages, under the counts and ages by field that the dashboard
//! shows too; `/api/barriers/summary` returns those figures as JSON. Barriers themselves are
//! ordinary records (`/r/barriers`, `/api/barriers`): this feature adds their reading as a
//! register, `tandem_platform::barriers`.

use crate::kernel::error::ApiError;
use crate::kernel::labels::{pair_title, status_label};
use crate::kernel::openapi::{errors, with};
use crate::kernel::page::{failure, page, t, PageLang};
use crate::kernel::run::run;
use crate::kernel::session::{ApiSession, PageSession};
use crate::kernel::state::AppState;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use maud::{html, Markup};
use serde_json::{json, Map, Value};
use tandem_platform::auth;
use tandem_platform::barrier_rules::is_safe_link;
use tandem_platform::barriers::{self, Barrier, FieldSummary, Summary};
use tandem_platform::entity::{BARRIER_ALIGNMENTS, BARRIER_FIELDS};
use tandem_platform::{Role, User};
use tandem_report::Lang;

/// A field of the register in `lang`.
pub(crate) fn field_label(code: &str, lang: Lang) -> String {
    let (zh, en) = match code {
        "market_access" => ("市场准入", "Market access"),
        "qualification" => ("资质互认", "Qualification recognition"),
        "standards" => ("监管标准", "Regulatory standards"),
        "public_services" => ("公共服务", "Public services"),
        "data_sharing" => ("数据共享", "Data sharing"),
        "talent" => ("人才", "Talent"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// A proposed alignment in `lang`.
pub(crate) fn alignment_label(code: &str, lang: Lang) -> String {
    let (zh, en) = match code {
        "adopt_helper" => ("采用支援方标准", "adopt the helper's standard"),
        "mutual_recognition" => ("互认", "mutual recognition"),
        "joint_window" => ("联合窗口", "joint window"),
        "other" => ("其他", "other"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// The label of a choice of a barrier's form (the generic record form asks): its field or
/// its alignment in `lang`; `None` for other choices.
pub(crate) fn option_label(field: &str, code: &str, lang: Lang) -> Option<String> {
    match field {
        "field" if BARRIER_FIELDS.contains(&code) => Some(field_label(code, lang)),
        "alignment" if BARRIER_ALIGNMENTS.contains(&code) => Some(alignment_label(code, lang)),
        _ => None,
    }
}

fn days(d: Option<i64>, lang: Lang) -> String {
    match d {
        Some(d) => format!("{d}"),
        None => t(lang, "—", "—"),
    }
}

fn median_days(d: Option<f64>, lang: Lang) -> String {
    match d {
        // Whole or half days: the median of an even count is the mean of the middle two.
        Some(d) => format!("{d:.1}").trim_end_matches(".0").to_string(),
        None => t(lang, "—", "—"),
    }
}

/// The counts and ages by field: one row per field, fields without barriers included.
pub(crate) fn summary_table(s: &Summary, lang: Lang) -> Markup {
    html! {
        div.scroll { table.barrier-summary {
            thead { tr {
                th { (t(lang, "领域", "Field")) }
                th.num { (t(lang, "未解决", "Open")) }
                th.num { (t(lang, "已对接", "Aligned")) }
                th.num { (t(lang, "已放弃", "Dropped")) }
                th.num { (t(lang, "最久（天）", "Oldest (days)")) }
                th.num { (t(lang, "中位（天）", "Median (days)")) }
                th.num { (t(lang, "已逾期", "Past deadline")) }
                th.num { (t(lang, "无期限", "No deadline")) }
            } }
            tbody { @for f in &s.fields { (summary_row(f, lang)) } }
        } }
        p.note {
            (t(lang, "未解决 = 待处理与推进中；天数自登记之日起算，截至", "Open = open or in progress; days since registration, as of")) " " (s.as_of) " (UTC). "
            (t(lang, "无未解决壁垒的领域不显示天数（不按零计）；无期限的不计入逾期。", "A field without open barriers has no age (not zero); barriers without a deadline are not counted as late."))
            @if s.restricted { " " (t(lang, "仅包含您有权查看的壁垒。", "Covers only the barriers you may see.")) }
        }
    }
}

fn summary_row(f: &FieldSummary, lang: Lang) -> Markup {
    html! {
        tr data-field=(f.field) {
            td { (field_label(&f.field, lang)) }
            td.num data-count="open" { (f.open) }
            td.num data-count="aligned" { (f.aligned) }
            td.num data-count="dropped" { (f.dropped) }
            td.num { (days(f.oldest_open_days, lang)) }
            td.num { (median_days(f.median_open_days, lang)) }
            td.num data-count="past_deadline" {
                @if f.past_deadline > 0 { span.flag { (f.past_deadline) } } @else { "0" }
            }
            td.num { (f.open_without_deadline) }
        }
    }
}

/// One side's rule: document, article and (a checked web address) link.
fn rule(doc: &str, article: Option<&str>, link: Option<&str>, lang: Lang) -> Markup {
    html! {
        (doc)
        @if let Some(a) = article { " " (a) }
        @if let Some(l) = link.filter(|l| is_safe_link(l)) {
            " " a href=(l) rel="noopener noreferrer nofollow" target="_blank" { (t(lang, "原文", "text")) }
        }
    }
}

/// A barrier as a card: title, status, age, deadline, pairs, both rules, effect, alignment.
fn barrier_card(b: &Barrier, lang: Lang) -> Markup {
    html! {
        div.card data-barrier=(b.id) {
            strong { a href={ "/r/barriers/" (b.id) } { (b.title) } }
            " · " (status_label(&b.status, lang))
            " · " (t(lang, "已登记", "registered")) " " (days(b.age_days, lang)) " " (t(lang, "天", "days"))
            @if let Some(d) = &b.deadline {
                " · " (t(lang, "期限", "deadline")) " " (d)
                @if b.past_deadline { " " span.flag { (t(lang, "已逾期", "past deadline")) } }
            }
            @if let Some(d) = &b.closed_on { " · " (t(lang, "关闭于", "closed on")) " " (d) }
            div.note {
                (t(lang, "涉及结对", "Pairs")) "："
                @for (k, p) in b.affected_pairs.iter().enumerate() {
                    @if k > 0 { "、" }
                    (pair_title(p, lang))
                }
                " · " (t(lang, "责任单位", "Owner")) "：" (b.owner)
            }
            div { (t(lang, "支援方", "Helper side")) "：" (rule(&b.helper_rule_document, b.helper_rule_article.as_deref(), b.helper_rule_link.as_deref(), lang)) }
            div { (t(lang, "受援方", "Helped side")) "：" (rule(&b.helped_rule_document, b.helped_rule_article.as_deref(), b.helped_rule_link.as_deref(), lang)) }
            div { (t(lang, "影响", "Effect")) "：" (b.effect) }
            div {
                (t(lang, "对接方式", "Alignment")) "：" (alignment_label(&b.alignment, lang))
                @if let Some(n) = &b.alignment_note { "（" (n) "）" }
            }
            @if let Some(e) = &b.evidence {
                div {
                    (t(lang, "佐证", "Evidence")) "：" (e)
                    @if let Some(d) = &b.evidence_document { " · " (d) }
                    @if let Some(l) = b.evidence_link.as_deref().filter(|l| is_safe_link(l)) {
                        " " a href=(l) rel="noopener noreferrer nofollow" target="_blank" { (t(lang, "链接", "link")) }
                    }
                }
            }
        }
    }
}

/// The register's body: the summary, then each field's barriers, oldest first.
fn register_body(s: &Summary, list: &[Barrier], user: &User, lang: Lang) -> Markup {
    html! {
        @if auth::may_write_any(user, "barriers") {
            p { a href="/r/barriers/new" { (t(lang, "登记新壁垒", "Register a barrier")) } }
        }
        (summary_table(s, lang))
        @if list.len() >= barriers::MAX_LISTED {
            p.note { (t(lang, "只列出前 2000 条；上表计入全部。", "Only the first 2000 are listed; the table above counts all.")) }
        }
        @for field in BARRIER_FIELDS {
            @let of_field: Vec<&Barrier> = list.iter().filter(|b| b.field == *field).collect();
            @if !of_field.is_empty() {
                section id={ "field-" (field) } {
                    h2 { (field_label(field, lang)) " (" (of_field.len()) ")" }
                    @for b in of_field { (barrier_card(b, lang)) }
                }
            }
        }
        p { a href="/api/barriers/summary" { "JSON" } " · " a href="/sheets/barriers" { "XLSX" } }
    }
}

async fn register_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
) -> Response {
    let lang = page_lang.lang;
    let got = run(&state.db, &s.user, |db, user| {
        Ok((barriers::summary(db, user)?, barriers::register(db, user)?))
    })
    .await;
    let (summary, list) = match got {
        Ok(v) => v,
        Err(ApiError::Platform(p)) => return failure(lang, Some(&s), &p),
        Err(e) => return e.into_response(),
    };
    let title = t(lang, "制度壁垒清单", "Barrier register");
    let body = register_body(&summary, &list, &s.user, lang);
    page_lang.remember(page(lang, Some(&s), &title, body).into_response())
}

/// The dashboard's section: the counts and ages by field, for users who may read barriers
/// (enterprise users read none, so they get no section rather than a table of zeros).
pub(crate) async fn dashboard_section(state: &AppState, user: &User, lang: Lang) -> Markup {
    if matches!(user.role, Role::Enterprise { .. }) {
        return html! {};
    }
    match run(&state.db, user, |db, user| Ok(barriers::summary(db, user)?)).await {
        Ok(s) => html! {
            h2 #barriers { a href="/barriers" { (t(lang, "制度壁垒", "Barriers between the rulebooks")) } }
            (summary_table(&s, lang))
        },
        // The rest of the dashboard still shows; the figures are said to be missing, not 0.
        Err(_) => {
            html! { p.note { (t(lang, "制度壁垒统计暂不可用", "barrier figures are unavailable")) } }
        }
    }
}

/// `GET /api/barriers/summary`.
async fn api_summary(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Json<Value>, ApiError> {
    let summary = run(&state.db, &s.user, |db, user| {
        Ok(barriers::summary(db, user)?)
    })
    .await?;
    Ok(Json(serde_json::to_value(summary).unwrap_or(Value::Null)))
}

/// The barrier routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/barriers/summary", get(api_summary))
}

/// The barrier pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new().route("/barriers", get(register_page))
}

/// The OpenAPI paths of this feature.
pub(crate) fn openapi_paths() -> Map<String, Value> {
    let mut paths = Map::new();
    let days = |d: &str| json!({"type": "number", "nullable": true, "description": d});
    let field = json!({"type": "object", "properties": {
        "field": {"type": "string", "enum": BARRIER_FIELDS},
        "open": {"type": "integer", "description": "open or in progress"},
        "aligned": {"type": "integer"}, "dropped": {"type": "integer"},
        "oldest_open_days": days("age of the oldest open barrier; null without open barriers"),
        "median_open_days": days("median age of the open barriers; null without open barriers"),
        "past_deadline": {"type": "integer", "description": "open with a deadline before as_of"},
        "open_without_deadline": {"type": "integer"}}});
    paths.insert(
        "/api/barriers/summary".into(),
        json!({"get": {"summary": "Barriers between the two sides' rulebooks: counts and ages by field (limited to what you may read)",
            "tags": ["barriers"],
            "responses": with(errors(), json!({"200": {"description": "one entry per field, fields without barriers included",
                "content": {"application/json": {"schema": {"type": "object", "properties": {
                    "as_of": {"type": "string", "format": "date", "description": "the platform's today (UTC)"},
                    "restricted": {"type": "boolean"},
                    "fields": {"type": "array", "items": field}}}}}}}))}}),
    );
    paths
}
