//! The dashboard: the programme's figures (projects, funnel, money) for what the user may read,
//! with the programme map, as a page and as JSON (cached per read scope).

use crate::kernel::error::ApiError;
use crate::kernel::labels::{funnel_table, level_label, money_cell, pair_title, pct};
use crate::kernel::openapi::{errors, with};
use crate::kernel::page::{page, t, PageLang};
use crate::kernel::session::{blocking, ApiSession, PageSession};
use crate::kernel::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup, PreEscaped};
use std::collections::HashMap;
use tandem_platform::dashboard::{Dashboard, PairFigures};
use tandem_report::Lang;

/// The per-head GDP gap of a pair with year and source, computed once per pair and language
/// (it depends only on the bundled statistics).
fn gdp_pc_ratio(pair_id: &str, lang: Lang) -> Markup {
    type Cache = std::sync::Mutex<HashMap<(String, bool), Markup>>;
    static CACHE: std::sync::OnceLock<Cache> = std::sync::OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (pair_id.to_string(), lang == Lang::En);
    if let Some(v) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return v.clone();
    }
    let v = compute_gdp_pc_ratio(pair_id, lang);
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, v.clone());
    v
}

fn compute_gdp_pc_ratio(pair_id: &str, lang: Lang) -> Markup {
    let b = tandem_data::bundled::bundle();
    let Some(p) = b.programme.pair(pair_id) else {
        return html! {};
    };
    match tandem_core::figures::latest_common_ratio(
        &b.observations,
        &p.helper,
        &p.helped,
        "gdp_per_capita",
    ) {
        Some(r) => html! {
            (format!("{:.2}", r.value)) "× "
            span.note { "(" (r.year) "; " (r.numerator.source.citation) ")" }
        },
        None => html! { (t(lang, "无数据（无共同年份）", "no data (no common year)")) },
    }
}

async fn dashboard(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    page_lang: PageLang,
) -> Response {
    let lang = page_lang.lang;
    let d = match crate::kernel::state::cached_dashboard(&state, &s.user).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let body = d.page_body(lang, || dashboard_body(&d, lang).into_string());
    let title = t(lang, "结对合作总览", "Programme dashboard");
    // Barriers are read per request (their read policy is not the projects' the cache keys on).
    let barriers = crate::features::barriers::dashboard_section(&state, &s.user, lang).await;
    // The reminders depend on the user's own reading of the disputes and on the day, so they
    // are not part of the cached body.
    let reminders = overdue_disputes(&state, &s.user, lang).await;
    // Innovation counts (issue #17) depend on more than the cache's read scope (who may read
    // matches), so they are read per request: a few grouped counts.
    let innovation = crate::kernel::run::run(&state.db, &s.user, |db, user| {
        Ok(tandem_platform::innovation::counts(db, user)?)
    })
    .await
    .ok();
    // The cached dashboard body: markup rendered (escaped) by `dashboard_body`, kept as text.
    let body = html! {
        (reminders) (PreEscaped(body.to_string())) (innovation_line(innovation, lang)) (barriers)
    };
    let html = page(lang, Some(&s), &title, body);
    page_lang.remember(html.into_response())
}

/// The dispute cases the user may read that are past their current level's deadline
/// (issue #17): the count and the longest overdue, each linking to its case; nothing when
/// there are none, and a note (not a zero) when they could not be read.
async fn overdue_disputes(state: &AppState, user: &tandem_platform::User, lang: Lang) -> Markup {
    let (db, u) = (state.db.clone(), user.clone());
    let o = match blocking(move || tandem_platform::disputes::overdue(&db, &u)).await {
        Ok(Ok(o)) => o,
        _ => {
            return html! { p.note { (t(lang, "逾期争议提醒暂不可用。", "Overdue dispute reminders are unavailable.")) } }
        }
    };
    if o.count == 0 {
        return html! {};
    }
    html! {
        // Below the menu's floating user line, which would otherwise overlap the box.
        div.flash.bad #overdue-disputes role="alert" style="clear:both" {
            strong { (t(lang, "逾期争议案件", "Overdue dispute cases")) ": " span data-testid="overdue-count" { (o.count) } }
            " " span.note { "(" (t(lang, "截至", "as of")) " " (o.as_of) ")" }
            ul { @for c in &o.cases {
                li { a href={ "/disputes/" (c.id) } { (c.title) } " — "
                    (pair_title(&c.pair_id, lang)) ", "
                    (level_label(&c.level, lang)) ", "
                    (t(lang, "期限", "deadline")) " " (c.deadline) " ("
                    (t(lang, "逾期", "overdue by")) " " (c.days_over) " " (t(lang, "天", "days")) ")" }
            } }
        }
    }
}

/// The dashboard page's body: the same for every user who sees the same rows, so it is
/// rendered once per computed dashboard and language (see [`crate::DashboardView`]).
fn dashboard_body(d: &Dashboard, lang: Lang) -> Markup {
    html! {
        @if d.restricted {
            p.note { (t(lang, "以下数字仅包含您有权查看的记录。", "Figures cover only the records you may see.")) }
        }
        (totals(&d.total, lang))
        (funnel_table(&d.total, lang))
        (programme_map(lang))
        (pairs_table(&d.pairs, lang))
        p.note {
            (t(lang, "任务逾期按日期判断：", "Overdue tasks judged as of")) " " (d.as_of) ". "
            (t(lang, "金额合计只含填写了金额的项目，未填数单列，不按零计。统计数据来自内置数据集，年份与来源见括号。",
              "Sums cover only projects that recorded an amount; those without are counted beside, not as zero. Statistics come from the bundled data set, with year and source in brackets."))
        }
    }
}

/// The innovation counts of the pairs the user may read, summed, in one line linking to
/// `/innovation` (nothing for a role that may read none; "unavailable" if they failed).
fn innovation_line(
    counts: Option<Vec<tandem_platform::innovation::PairCounts>>,
    lang: Lang,
) -> Markup {
    let Some(counts) = counts else {
        return html! { p.note { (t(lang, "产学研合作统计暂不可用。", "Innovation counts unavailable.")) } };
    };
    if counts.is_empty() {
        return html! {};
    }
    let sum = |f: fn(&tandem_platform::innovation::PairCounts) -> i64| -> i64 {
        counts.iter().map(f).sum()
    };
    let matches: Option<i64> = counts.iter().map(|c| c.matches).sum();
    let commercialised = sum(|c| {
        c.by_milestone
            .get("commercialisation")
            .copied()
            .unwrap_or(0)
    });
    html! {
        p #innovation-totals {
            a href="/innovation" { (t(lang, "产学研合作", "Innovation cooperation")) } "："
            (t(lang, "专利", "patents")) " " (sum(|c| c.patents))
            " · " (t(lang, "许可", "licences")) " " (sum(|c| c.licences))
            @if let Some(m) = matches { " · " (t(lang, "技术匹配", "matches")) " " (m) }
            " · " (t(lang, "合作项目", "projects")) " " (sum(|c| c.projects))
            " (" (t(lang, "成果已转化", "commercialised")) " " (commercialised) ")"
        }
    }
}

/// The whole programme's totals in one line.
fn totals(total: &PairFigures, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "全计划", "Whole programme")) }
        p #totals {
            strong data-testid="total-projects" { (total.projects) }
            " " (t(lang, "个项目", "projects"))
            " · " (t(lang, "协议额", "agreed")) " " (money_cell(total.agreed_fen, total.agreed_unknown, lang))
            " · " (t(lang, "到位额", "paid-in")) " " (money_cell(total.paid_in_fen, total.paid_in_unknown, lang))
            " · " (t(lang, "任务完成率", "tasks done")) " " (pct(total.task_completion(), lang))
            " · " (t(lang, "企业发起占比", "initiated by enterprises")) " " (pct(total.enterprise_share(), lang))
        }
    }
}

/// The programme map as an image (served by [`map_svg`]), or why it is unavailable.
fn programme_map(lang: Lang) -> Markup {
    html! {
        @match crate::kernel::live::programme_map_document(lang) {
            Ok(map) => figure {
                img class="map" src={ "/map.svg?lang=" (lang.pick("zh", "en")) }
                    width=(format!("{:.0}", map.width)) height=(format!("{:.0}", map.height))
                    alt=(t(lang, "结对城市地图：支援方与受援方城市及结对连线", "Map of the paired cities: helpers, helped cities and the pairing lines"));
            },
            Err(e) => p.note { (t(lang, "地图不可用", "map unavailable")) " (" (e) ")" },
        }
    }
}

/// The table of pairs: one row of figures per pair.
fn pairs_table(pairs: &[PairFigures], lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "各结对", "Pairs")) }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "结对", "Pair")) }
                th.num { (t(lang, "园区", "Parks")) }
                th.num { (t(lang, "项目", "Projects")) }
                th.num { (t(lang, "已投产/纳税", "Producing / paying tax")) }
                th.num { (t(lang, "协议额", "Agreed")) }
                th.num { (t(lang, "到位率", "Paid-in / agreed")) }
                th.num { (t(lang, "任务完成", "Tasks done")) }
                th.num { (t(lang, "企业发起", "By enterprises")) }
                th.num { (t(lang, "待核查", "Flagged")) }
                th { (t(lang, "人均GDP比（支援方/受援方）", "GDP per head, helper / helped")) }
            } }
            tbody { @for p in pairs { (pair_row(p, lang)) } }
        } }
    }
}

/// One pair's row in [`pairs_table`].
fn pair_row(p: &PairFigures, lang: Lang) -> Markup {
    let producing = p.funnel[4].projects + p.funnel[5].projects;
    html! {
        tr {
            td { a href={ "/pairs/" (p.pair_id) } { (pair_title(&p.pair_id, lang)) } }
            td.num { (p.parks) }
            td.num { (p.projects) }
            td.num { (producing) }
            td.num { (money_cell(p.agreed_fen, p.agreed_unknown, lang)) }
            td.num { (pct(p.paid_in_ratio(), lang)) }
            td.num { (pct(p.task_completion(), lang)) }
            td.num { (pct(p.enterprise_share(), lang)) }
            td.num {
                @if p.flagged_projects > 0 { span.flag { (p.flagged_projects) } } @else { "0" }
            }
            td { (gdp_pc_ratio(&p.pair_id, lang)) }
        }
    }
}

/// The programme map as an SVG image. It depends only on the bundled data, so browsers may
/// keep it for a day.
async fn map_svg(PageLang { lang, .. }: PageLang) -> Response {
    match blocking(move || crate::kernel::live::programme_map_document(lang)).await {
        Ok(Ok(map)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("image/svg+xml"),
                ),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=86400"),
                ),
            ],
            map.svg.as_str(),
        )
            .into_response(),
        Ok(Err(e)) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("map unavailable: {e}"),
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

pub async fn api_dashboard(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let d = crate::kernel::state::cached_dashboard(&state, &s.user).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        d.json(),
    )
        .into_response())
}

/// The dashboard routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new().route("/dashboard", get(api_dashboard))
}

/// The dashboard pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/map.svg", get(map_svg))
}

/// The dashboard figures.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    paths.insert("/api/dashboard".into(), serde_json::json!({"get": {"summary": "Programme dashboard figures (limited to what you may read)", "tags": ["dashboard"], "responses": with(errors(), serde_json::json!({"200": {"description": "figures", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}));
}
