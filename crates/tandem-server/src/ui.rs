//! The web UI: server-rendered pages in Chinese or English (`?lang=en`, remembered in a
//! cookie), no script, usable on a phone (one column under 760 px). Forms post back with the
//! session's CSRF token and the record's version; errors are shown beside their fields.

use crate::session::{
    blocking, clear_cookie, constant_time_eq, session_cookie, PageSession, Session,
};
use crate::AppState;
use axum::extract::{ConnectInfo, Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use tandem_platform::dashboard::{Dashboard, PairFigures};
use tandem_platform::entity::{self, format_yuan, Entity, FieldError, Kind, STAGES, TASK_STATUSES};
use tandem_platform::service::{self, ListQuery, PlatformError, Record};
use tandem_platform::{auth, sheets, Role};
use tandem_report::text::esc;
use tandem_report::Lang;

/// The UI's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard))
        .route("/map.svg", get(map_svg))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/pairs/{id}", get(pair_page))
        .route("/parks/{id}", get(park_page))
        .route("/projects/{id}", get(project_page))
        .route("/projects/{id}/stage", post(project_stage))
        .route("/plans", get(plan_board))
        .route("/tasks/{id}/status", post(task_status))
        .route("/sheets", get(sheets_page).post(sheets_import))
        .route("/sheets/{entity}", get(sheets_export))
        .route("/r/{entity}", get(record_list))
        .route("/r/{entity}/new", get(record_new).post(record_create))
        .route("/r/{entity}/{id}", get(record_page).post(record_update))
        .route("/r/{entity}/{id}/history", get(history_page))
        .route(
            "/parks/{id}/agreements",
            post(crate::ledger_ui::page_record_agreement),
        )
        .route(
            "/parks/{id}/revenues",
            post(crate::ledger_ui::page_record_revenues),
        )
        .route("/parks/{id}/settle", post(crate::ledger_ui::page_settle))
        .route(
            "/parks/{id}/statement",
            get(crate::ledger_ui::page_statement),
        )
        .merge(crate::docking::page_routes())
}

/// A page explaining a failure (for other modules' handlers).
pub fn failure_page(lang: Lang, s: Option<&Session>, e: &PlatformError) -> Response {
    failure(lang, s, e)
}

/// Percent-encodes a string for a URL query value.
pub fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The page language: `?lang=` first, then the `tandem_lang` cookie, else Chinese.
pub(crate) fn lang_of(headers: &HeaderMap, query: &HashMap<String, String>) -> Lang {
    let pick = |s: &str| match s {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    };
    query
        .get("lang")
        .and_then(|l| pick(l))
        .or_else(|| crate::session::cookie(headers, "tandem_lang").and_then(|l| pick(&l)))
        .unwrap_or(Lang::Zh)
}

const EXTRA_STYLE: &str = r#"
.scroll{overflow-x:auto;max-width:100%}
main svg,img.map{max-width:100%;height:auto}
nav.menu{background:#0f2438;padding:6px 0}
nav.menu a{color:#e4efff;margin-right:14px;text-decoration:none;font-size:.95rem;display:inline-block;padding:4px 0}
nav.menu .right{float:right;color:#9fb6cf}
form.inline{display:inline}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px;margin:8px 0;background:#fff}
.board{display:grid;grid-template-columns:repeat(4,1fr);gap:10px}
.board h3{margin:.2em 0}
.col{background:var(--bg);padding:8px;border-radius:6px;min-height:120px}
label{display:block;margin:.6em 0 .2em;font-weight:600}
input,select,textarea{font:inherit;padding:6px 8px;border:1px solid #aab4c0;border-radius:4px;width:100%;max-width:520px}
button{font:inherit;padding:6px 14px;border:0;border-radius:4px;background:#1f5fa8;color:#fff;cursor:pointer;margin-top:8px}
button.small{padding:2px 8px;font-size:.85rem;margin:2px 2px 0 0}
.err{color:#b00020;font-size:.9rem}
.flash{padding:10px 12px;border-radius:6px;margin:10px 0}
.flash.bad{background:#fdecea;border:1px solid #f5c2c0;color:#7a1410}
.flash.good{background:#e9f6ec;border:1px solid #bfe3c6}
.flag{color:#b00020;font-weight:600}
.funnel td.bar{min-width:120px}
.funnel .b{background:#1f5fa8;height:12px;display:inline-block;border-radius:2px}
ol.timeline li{margin:.3em 0}
@media (max-width:760px){.board{grid-template-columns:1fr}nav.menu .right{float:none;display:block}}
"#;

/// `zh` or `en` by the page's language.
pub(crate) fn t(lang: Lang, zh: &str, en: &str) -> String {
    lang.pick(zh, en).to_string()
}

/// A whole page with the menu.
pub(crate) fn page(lang: Lang, s: Option<&Session>, title: &str, body: &str) -> Html<String> {
    let mut menu = String::new();
    if let Some(s) = s {
        let admin = if s.user.role == Role::Admin {
            format!(
                r#"<a href="/admin/users">{}</a>"#,
                t(lang, "账户", "Accounts")
            )
        } else {
            String::new()
        };
        let _ = write!(
            menu,
            r#"<nav class="menu"><div class="wrap"><a href="/">{}</a><a href="/r/projects">{}</a><a href="/r/parks">{}</a><a href="/plans">{}</a><a href="/r/enterprises">{}</a><a href="/r/secondments">{}</a><a href="/r/events">{}</a><a href="/docking">{}</a><a href="/sheets">{}</a>{admin}<span class="right">{} ({}) · <a href="?lang={}">{}</a> <form class="inline" method="post" action="/logout"><input type="hidden" name="_csrf" value="{}"><button class="small" type="submit">{}</button></form></span></div></nav>"#,
            t(lang, "总览", "Dashboard"),
            t(lang, "项目", "Projects"),
            t(lang, "园区", "Parks"),
            t(lang, "计划看板", "Plan board"),
            t(lang, "企业", "Enterprises"),
            t(lang, "干部挂职", "Secondments"),
            t(lang, "事件", "Events"),
            t(lang, "对接", "Docking"),
            t(lang, "导入导出", "Excel"),
            esc(&s.user.display_name),
            esc(role_label(&s.user.role, lang)),
            lang.pick("en", "zh"),
            lang.pick("English", "中文"),
            esc(&s.csrf),
            t(lang, "退出", "Sign out"),
        );
    }
    Html(format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{} — tandem</title><style>{}{}</style></head><body><header class=\"top\"><div class=\"wrap\"><h1>{}</h1></div></header>{menu}<main class=\"wrap\">{body}</main></body></html>",
        lang.pick("zh-CN", "en"),
        esc(title),
        tandem_report::page::STYLE,
        EXTRA_STYLE,
        esc(title),
    ))
}

/// The role's name in `lang`.
pub(crate) fn role_label(role: &Role, lang: Lang) -> &'static str {
    match role {
        Role::Admin => lang.pick("管理员", "administrator"),
        Role::Coordinator => lang.pick("计划协调人", "programme coordinator"),
        Role::Officer { side, .. } if side == "helper" => {
            lang.pick("支援方干部", "helper-side officer")
        }
        Role::Officer { .. } => lang.pick("受援方干部", "helped-side officer"),
        Role::ParkOperator { .. } => lang.pick("园区运营方", "park operator"),
        Role::Enterprise { .. } => lang.pick("企业用户", "enterprise user"),
        Role::Researcher => lang.pick("研究人员（只读）", "researcher (read-only)"),
    }
}

pub(crate) fn with_lang_cookie(mut r: Response, query: &HashMap<String, String>) -> Response {
    if let Some(l) = query.get("lang").filter(|l| *l == "en" || *l == "zh") {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "tandem_lang={l}; Path=/; SameSite=Lax; Max-Age=31536000"
        )) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

/// A page explaining a failure, with the status that goes with it.
fn failure(lang: Lang, s: Option<&Session>, e: &PlatformError) -> Response {
    let (status, title, msg) = match e {
        PlatformError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            t(lang, "未找到", "Not found"),
            t(lang, "没有这条记录，或您无权查看。", "There is no such record, or you may not see it."),
        ),
        PlatformError::Forbidden(m) => (
            StatusCode::FORBIDDEN,
            t(lang, "无权操作", "Not allowed"),
            format!("{} ({m})", t(lang, "您的角色不允许此操作。", "Your role does not allow this.")),
        ),
        PlatformError::Conflict { version, .. } => (
            StatusCode::CONFLICT,
            t(lang, "记录已被他人修改", "Changed by someone else"),
            match lang {
                Lang::Zh => format!("该记录已被他人修改（当前版本 {version}），您的修改未保存。请重新打开后再修改。"),
                Lang::En => format!("Someone else changed this record (now version {version}); your change was not saved. Reopen it and apply your change again."),
            },
        ),
        PlatformError::VersionRequired => (
            StatusCode::PRECONDITION_REQUIRED,
            t(lang, "缺少版本", "Version missing"),
            e.to_string(),
        ),
        PlatformError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            t(lang, "输入有误", "Invalid input"),
            errors.iter().map(|e| field_message(e, lang)).collect::<Vec<_>>().join("; "),
        ),
        PlatformError::TooLarge(m) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            t(lang, "文件或数据过大", "Too large"),
            m.clone(),
        ),
        PlatformError::TooMany { message, .. } => (
            StatusCode::TOO_MANY_REQUESTS,
            t(lang, "操作过于频繁", "Too many requests"),
            message.clone(),
        ),
        PlatformError::Db(err) => {
            eprintln!("tandem serve: {err}");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                t(lang, "服务器错误", "Server error"),
                t(lang, "服务器出错，错误已记录在日志中。", "The server failed; the error is in its log."),
            )
        }
    };
    let body = format!(
        r#"<div class="flash bad" role="alert"><strong>{}</strong><br>{}</div><p><a href="/">{}</a></p>"#,
        esc(&title),
        esc(&msg),
        t(lang, "返回总览", "Back to the dashboard")
    );
    (status, page(lang, s, &title, &body)).into_response()
}

fn field_message(e: &FieldError, lang: Lang) -> String {
    match lang {
        Lang::Zh => e.message_zh.clone(),
        Lang::En => e.message.clone(),
    }
}

/// Whether a posted form carries the session's CSRF token (`_csrf`).
pub(crate) fn csrf_ok(s: &Session, form: &HashMap<String, String>) -> bool {
    form.get("_csrf")
        .is_some_and(|c| constant_time_eq(c.as_bytes(), s.csrf.as_bytes()))
}

/// The page for a form whose CSRF token is missing or stale.
pub(crate) fn csrf_failure(lang: Lang, s: &Session) -> Response {
    failure(
        lang,
        Some(s),
        &PlatformError::Forbidden(t(
            lang,
            "表单已过期，请刷新页面后重试",
            "the form expired; reload the page and try again",
        )),
    )
}

fn locality_name(id: &str, lang: Lang) -> String {
    tandem_data::bundled::bundle()
        .localities
        .iter()
        .find(|l| l.id == id)
        .map(|l| match lang {
            Lang::Zh => l.short_name_zh().to_string(),
            Lang::En => l.short_name_en().to_string(),
        })
        .unwrap_or_else(|| id.to_string())
}

fn pair_title(pair_id: &str, lang: Lang) -> String {
    tandem_data::bundled::bundle()
        .programme
        .pair(pair_id)
        .map(|p| {
            format!(
                "{} → {}",
                locality_name(&p.helper, lang),
                locality_name(&p.helped, lang)
            )
        })
        .unwrap_or_else(|| pair_id.to_string())
}

fn stage_label(stage: &str, lang: Lang) -> String {
    let (zh, en) = match stage {
        "lead" => ("线索", "lead"),
        "signed" => ("签约", "signed"),
        "land" => ("供地", "land"),
        "construction" => ("开工建设", "construction"),
        "production" => ("投产", "production"),
        "paying_tax" => ("纳税", "paying tax"),
        other => (other, other),
    };
    t(lang, zh, en)
}

fn status_label(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "todo" => ("待办", "to do"),
        "doing" => ("进行中", "in progress"),
        "done" => ("已完成", "done"),
        "blocked" => ("受阻", "blocked"),
        other => (other, other),
    };
    t(lang, zh, en)
}

fn pct(x: Option<f64>, lang: Lang) -> String {
    match x {
        Some(v) => format!("{:.0}%", v * 100.0),
        None => t(lang, "无数据", "n/a"),
    }
}

/// A sum of money in 万元 (10⁴ yuan) with one decimal, rounded half up, exactly: sums are
/// `i128` fen and can exceed what an `f64` holds to the 100 yuan shown.
fn money_cell(fen: i128, unknown: i64, lang: Lang) -> String {
    // 1 万元 is 10^6 fen; one decimal of it is 10^5 fen.
    let tenths = (fen.unsigned_abs() + 50_000) / 100_000;
    let sign = if fen < 0 && tenths > 0 { "-" } else { "" };
    let mut s = format!(
        "{sign}{}.{} {}",
        entity::group_thousands(tenths / 10),
        tenths % 10,
        t(lang, "万元", "×10⁴ yuan")
    );
    if unknown > 0 {
        let _ = write!(
            s,
            " <span class=\"note\">({} {})</span>",
            unknown,
            t(lang, "个项目未填", "without amount")
        );
    }
    s
}

fn funnel_table(f: &PairFigures, lang: Lang) -> String {
    let max = f
        .funnel
        .iter()
        .map(|s| s.projects)
        .max()
        .unwrap_or(0)
        .max(1);
    let mut rows = String::new();
    for s in &f.funnel {
        let w = (s.projects as f64 / max as f64 * 100.0).round();
        let _ = write!(
            rows,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"bar\"><span class=\"b\" style=\"width:{w}%\"></span></td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&stage_label(&s.stage, lang)),
            s.projects,
            format_yuan(s.agreed_fen),
            format_yuan(s.paid_in_fen)
        );
    }
    format!(
        "<div class=\"scroll\"><table class=\"funnel\"><thead><tr><th>{}</th><th class=\"num\">{}</th><th></th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></thead><tbody>{rows}</tbody></table></div>",
        t(lang, "阶段", "Stage"),
        t(lang, "项目数", "Projects"),
        t(lang, "协议额（元）", "Agreed (yuan)"),
        t(lang, "到位额（元）", "Paid-in (yuan)")
    )
}

/// The per-head GDP gap of a pair with year and source, computed once per pair and language
/// (it depends only on the bundled statistics).
fn gdp_pc_ratio(pair_id: &str, lang: Lang) -> String {
    type Cache = std::sync::Mutex<HashMap<(String, bool), String>>;
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

fn compute_gdp_pc_ratio(pair_id: &str, lang: Lang) -> String {
    let b = tandem_data::bundled::bundle();
    let Some(p) = b.programme.pair(pair_id) else {
        return String::new();
    };
    match tandem_core::figures::latest_common_ratio(
        &b.observations,
        &p.helper,
        &p.helped,
        "gdp_per_capita",
    ) {
        Some(r) => format!(
            "{:.2}× <span class=\"note\">({}; {})</span>",
            r.value,
            r.year,
            esc(&r.numerator.source.citation)
        ),
        None => t(lang, "无数据（无共同年份）", "no data (no common year)"),
    }
}

async fn dashboard(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let d = match crate::cached_dashboard(&state, &s.user).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let body = d.page_body(lang, || dashboard_body(&d, lang));
    with_lang_cookie(
        page(
            lang,
            Some(&s),
            &t(lang, "结对合作总览", "Programme dashboard"),
            &body,
        )
        .into_response(),
        &q,
    )
}

/// The dashboard page's body: the same for every user who sees the same rows, so it is
/// rendered once per computed dashboard and language (see [`crate::DashboardView`]).
fn dashboard_body(d: &Dashboard, lang: Lang) -> String {
    let mut body = String::new();
    if d.restricted {
        let _ = write!(
            body,
            "<p class=\"note\">{}</p>",
            t(
                lang,
                "以下数字仅包含您有权查看的记录。",
                "Figures cover only the records you may see."
            )
        );
    }
    let total = &d.total;
    let _ = write!(
        body,
        "<h2>{}</h2><p id=\"totals\"><strong data-testid=\"total-projects\">{}</strong> {} · {} {} · {} {} · {} {} · {} {}</p>",
        t(lang, "全计划", "Whole programme"),
        total.projects,
        t(lang, "个项目", "projects"),
        t(lang, "协议额", "agreed"),
        money_cell(total.agreed_fen, total.agreed_unknown, lang),
        t(lang, "到位额", "paid-in"),
        money_cell(total.paid_in_fen, total.paid_in_unknown, lang),
        t(lang, "任务完成率", "tasks done"),
        pct(total.task_completion(), lang),
        t(lang, "企业发起占比", "initiated by enterprises"),
        pct(total.enterprise_share(), lang),
    );
    body.push_str(&funnel_table(total, lang));
    match crate::live::programme_map_document(lang) {
        Ok(map) => {
            let _ = write!(
                body,
                "<figure><img class=\"map\" src=\"/map.svg?lang={}\" width=\"{:.0}\" height=\"{:.0}\" alt=\"{}\"></figure>",
                lang.pick("zh", "en"),
                map.width,
                map.height,
                t(lang, "结对城市地图：支援方与受援方城市及结对连线", "Map of the paired cities: helpers, helped cities and the pairing lines"),
            );
        }
        Err(e) => {
            let _ = write!(
                body,
                "<p class=\"note\">{} ({})</p>",
                t(lang, "地图不可用", "map unavailable"),
                esc(&e)
            );
        }
    }
    let _ = write!(
        body,
        "<h2>{}</h2><div class=\"scroll\"><table><thead><tr><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "各结对", "Pairs"),
        t(lang, "结对", "Pair"),
        t(lang, "园区", "Parks"),
        t(lang, "项目", "Projects"),
        t(lang, "已投产/纳税", "Producing / paying tax"),
        t(lang, "协议额", "Agreed"),
        t(lang, "到位率", "Paid-in / agreed"),
        t(lang, "任务完成", "Tasks done"),
        t(lang, "企业发起", "By enterprises"),
        t(lang, "待核查", "Flagged"),
        t(lang, "人均GDP比（支援方/受援方）", "GDP per head, helper / helped"),
    );
    for p in &d.pairs {
        let producing = p.funnel[4].projects + p.funnel[5].projects;
        let _ = write!(
            body,
            "<tr><td><a href=\"/pairs/{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            esc(&p.pair_id),
            esc(&pair_title(&p.pair_id, lang)),
            p.parks,
            p.projects,
            producing,
            money_cell(p.agreed_fen, p.agreed_unknown, lang),
            pct(p.paid_in_ratio(), lang),
            pct(p.task_completion(), lang),
            pct(p.enterprise_share(), lang),
            if p.flagged_projects > 0 { format!("<span class=\"flag\">{}</span>", p.flagged_projects) } else { "0".into() },
            gdp_pc_ratio(&p.pair_id, lang),
        );
    }
    let _ = write!(
        body,
        "</tbody></table></div><p class=\"note\">{} {}. {}</p>",
        t(lang, "任务逾期按日期判断：", "Overdue tasks judged as of"),
        esc(&d.as_of),
        t(lang, "金额合计只含填写了金额的项目，未填数单列，不按零计。统计数据来自内置数据集，年份与来源见括号。",
          "Sums cover only projects that recorded an amount; those without are counted beside, not as zero. Statistics come from the bundled data set, with year and source in brackets."),
    );
    body
}

/// The programme map as an SVG image. It depends only on the bundled data, so browsers may
/// keep it for a day.
async fn map_svg(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = lang_of(&headers, &q);
    match blocking(move || crate::live::programme_map_document(lang)).await {
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

async fn login_page(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    let lang = lang_of(&headers, &q);
    // The language chosen here is remembered for the pages after sign-in.
    let page = login_form(
        lang,
        q.get("next").map(String::as_str).unwrap_or("/"),
        None,
        StatusCode::OK,
    );
    with_lang_cookie(page, &q)
}

fn login_form(lang: Lang, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let err = error
        .map(|e| format!("<div class=\"flash bad\" role=\"alert\">{}</div>", esc(e)))
        .unwrap_or_default();
    let body = format!(
        r#"{err}<form method="post" action="/login" class="card" style="max-width:420px"><input type="hidden" name="next" value="{}"><label for="username">{}</label><input id="username" name="username" autocomplete="username" required><label for="password">{}</label><input id="password" name="password" type="password" autocomplete="current-password" required><button type="submit" id="login">{}</button></form><p><a href="/login?lang={}">{}</a></p>"#,
        esc(next),
        t(lang, "用户名", "User name"),
        t(lang, "密码", "Password"),
        t(lang, "登录", "Sign in"),
        lang.pick("en", "zh"),
        lang.pick("English", "中文"),
    );
    (
        status,
        page(
            lang,
            None,
            &t(lang, "登录 tandem", "Sign in to tandem"),
            &body,
        ),
    )
        .into_response()
}

/// Where to go after signing in: only a path on this site. It must start with one `/` and hold
/// no backslash and no control character: browsers drop tabs and newlines from a `Location`
/// and read `\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site, and a
/// newline cannot go into a header at all. Anything else goes to the dashboard.
pub(crate) fn safe_next(next: Option<&String>) -> String {
    const MAX_NEXT_BYTES: usize = 2048;
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= MAX_NEXT_BYTES
                && !n.chars().any(|c| c == '\\' || c.is_control()) =>
        {
            n.clone()
        }
        _ => "/".into(),
    }
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let next = safe_next(form.get("next"));
    if !crate::session::same_origin(&headers) {
        return login_form(
            lang,
            &next,
            Some(&t(lang, "来源不符", "cross-site sign-in refused")),
            StatusCode::FORBIDDEN,
        );
    }
    let user = form.get("username").cloned().unwrap_or_default();
    let pw = form.get("password").cloned().unwrap_or_default();
    match crate::sign_in(&state, &state.client_key(addr, &headers), &user, &pw).await {
        Ok((_, token, _)) => {
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&headers, &token)) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(crate::error::ApiError::BadRequest(m)) => {
            login_form(lang, &next, Some(&m), StatusCode::BAD_REQUEST)
        }
        Err(crate::error::ApiError::Busy { .. }) => login_form(
            lang,
            &next,
            Some(&t(
                lang,
                "服务器繁忙，请稍后再试。",
                "The server is busy; try again shortly.",
            )),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        Err(crate::error::ApiError::TooManyAttempts { retry_after }) => login_form(
            lang,
            &next,
            Some(&match lang {
                Lang::Zh => format!("登录失败次数过多，请 {retry_after} 秒后再试。"),
                Lang::En => format!("Too many failed sign-ins; try again in {retry_after} s."),
            }),
            StatusCode::TOO_MANY_REQUESTS,
        ),
        Err(crate::error::ApiError::Platform(PlatformError::Forbidden(_))) => login_form(
            lang,
            &next,
            Some(&t(
                lang,
                "用户名或密码错误。",
                "Wrong user name or password.",
            )),
            StatusCode::UNAUTHORIZED,
        ),
        Err(e) => e.into_response(),
    }
}

async fn logout(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    if !csrf_ok(&s, &form) {
        return csrf_failure(Lang::Zh, &s);
    }
    let db = state.db.clone();
    let token = s.token.clone();
    state.sessions.remove(&token);
    let _ = blocking(move || db.write(|c| auth::end_session(c, &token))).await;
    let mut r = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

/// Lists of records for a page, read as the user.
async fn list_as(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    filters: Vec<(String, String)>,
    page_no: i64,
) -> Result<service::Page, PlatformError> {
    let db = state.db.clone();
    let user = s.user.clone();
    blocking(move || {
        service::list(
            &db,
            &user,
            e,
            &ListQuery {
                filters,
                page: page_no,
                per_page: 50,
                search: None,
            },
        )
    })
    .await
    .map_err(|_| PlatformError::Db(tandem_platform::DbError::Other("worker failed".into())))?
}

fn project_rows(items: &[Map<String, Json>], lang: Lang) -> String {
    let mut rows = String::new();
    for p in items {
        let flags = p
            .get("review_flags")
            .and_then(Json::as_array)
            .map(|a| a.len())
            .unwrap_or(0);
        let _ = write!(
            rows,
            "<tr><td><a href=\"/projects/{id}\">{}</a></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(p.get("name").and_then(Json::as_str).unwrap_or("")),
            esc(&stage_label(p.get("stage").and_then(Json::as_str).unwrap_or(""), lang)),
            p.get("amount_agreed_yuan").filter(|v| !v.is_null()).map(|v| v.to_string()).unwrap_or_else(|| t(lang, "未填", "—")),
            p.get("paid_in_yuan").filter(|v| !v.is_null()).map(|v| v.to_string()).unwrap_or_else(|| t(lang, "未填", "—")),
            esc(&t(lang, if p.get("initiated_by").and_then(Json::as_str) == Some("enterprise") { "企业" } else { "政府" }, p.get("initiated_by").and_then(Json::as_str).unwrap_or(""))),
            if flags > 0 { format!("<span class=\"flag\">{}</span>", t(lang, "待核查", "flagged")) } else { String::new() },
            id = p.get("id").map(|v| v.to_string()).unwrap_or_default(),
        );
    }
    format!(
        "<div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th>{}</th><th></th></tr></thead><tbody>{rows}</tbody></table></div>",
        t(lang, "项目", "Project"),
        t(lang, "阶段", "Stage"),
        t(lang, "协议额（元）", "Agreed (yuan)"),
        t(lang, "到位（元）", "Paid-in (yuan)"),
        t(lang, "发起方", "Initiated by"),
    )
}

async fn pair_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.clone();
    let rec = match blocking(move || service::get(&db, &user, &entity::PAIRS, &pid)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return failure(lang, Some(&s), &e),
        Err(e) => return e.into_response(),
    };
    let d = match crate::cached_dashboard(&state, &s.user).await {
        Ok(d) => d,
        Err(e) => return e.into_response(),
    };
    let mut body = String::new();
    if let Some(f) = d.pairs.iter().find(|p| p.pair_id == id) {
        let _ = write!(
            body,
            "<h2>{}</h2><p>{} {} · {} {} · {} {} · {} {} ({} {})</p>",
            t(lang, "平台实时数据", "Live platform figures"),
            f.parks,
            t(lang, "个园区", "parks"),
            f.projects,
            t(lang, "个项目", "projects"),
            t(lang, "任务完成率", "tasks done"),
            pct(f.task_completion(), lang),
            f.tasks_overdue,
            t(lang, "项逾期任务", "overdue tasks"),
            t(lang, "截至", "as of"),
            esc(&d.as_of),
        );
        body.push_str(&funnel_table(f, lang));
    }
    let parks = list_as(
        &state,
        &s,
        &entity::PARKS,
        vec![("pair_id".into(), id.clone())],
        1,
    )
    .await;
    if let Ok(parks) = parks {
        let _ = write!(body, "<h2>{}</h2><ul>", t(lang, "合作园区", "Parks"));
        for p in &parks.items {
            let _ = write!(
                body,
                "<li><a href=\"/parks/{}\">{}</a></li>",
                p.get("id").map(|v| v.to_string()).unwrap_or_default(),
                esc(p.get("name").and_then(Json::as_str).unwrap_or(""))
            );
        }
        if parks.items.is_empty() {
            let _ = write!(
                body,
                "<li class=\"note\">{}</li>",
                t(lang, "尚未登记园区", "no park recorded yet")
            );
        }
        body.push_str("</ul>");
    }
    if let Ok(projects) = list_as(
        &state,
        &s,
        &entity::PROJECTS,
        vec![("pair_id".into(), id.clone())],
        1,
    )
    .await
    {
        let _ = write!(
            body,
            "<h2>{}</h2><p><a href=\"/r/projects/new?pair_id={}\">{}</a> · <a href=\"/r/projects?pair_id={}\">{} ({})</a> · <a href=\"/plans?pair_id={}\">{}</a></p>{}",
            t(lang, "项目", "Projects"),
            esc(&id),
            t(lang, "新建项目", "New project"),
            esc(&id),
            t(lang, "全部", "all"),
            projects.total,
            esc(&id),
            t(lang, "计划看板", "Plan board"),
            project_rows(&projects.items, lang)
        );
    }
    let _ = write!(
        body,
        "<h2>{}</h2><p class=\"note\">{}</p>",
        t(lang, "诊断与建议（实时）", "Diagnosis and advice (live)"),
        t(lang, "根据内置统计数据与投入产出表，并以平台中的事件和已签约项目作为现状层计算。", "Computed from the bundled statistics and input-output table, with the platform's events and signed projects as the status layer."),
    );
    let db = state.db.clone();
    let pid = id.clone();
    let user = s.user.clone();
    match blocking(move || crate::live::pair_sections(&db, &user, &pid, lang)).await {
        Ok(Ok(html)) => body.push_str(&html),
        Ok(Err(e)) => {
            let _ = write!(body, "<div class=\"flash bad\">{}</div>", esc(&e));
        }
        Err(e) => return e.into_response(),
    }
    let title = pair_title(rec.text("id").unwrap_or(&id), lang);
    with_lang_cookie(page(lang, Some(&s), &title, &body).into_response(), &q)
}

/// The titles of the records `rec` refers to that the session's user may read (see
/// [`service::ref_titles`]), for [`fields_table`].
pub(crate) async fn ref_titles(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    rec: &Map<String, Json>,
) -> HashMap<&'static str, String> {
    let db = state.db.clone();
    let user = s.user.clone();
    let rec = rec.clone();
    blocking(move || service::ref_titles(&db, &user, e, &rec))
        .await
        .unwrap_or_default()
}

/// A record's fields as a table; references link to the record, named by `titles` where known.
pub(crate) fn fields_table(
    e: &Entity,
    rec: &Map<String, Json>,
    titles: &HashMap<&'static str, String>,
    lang: Lang,
) -> String {
    let mut rows = String::new();
    for f in e.fields {
        let v = rec.get(f.name).cloned().unwrap_or(Json::Null);
        let shown = match (&v, f.kind) {
            (Json::Null, _) => format!(
                "<span class=\"note\">{}</span>",
                t(lang, "未填", "not recorded")
            ),
            (Json::Array(a), _) => esc(&a
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(", ")),
            (Json::Number(n), Kind::Money) => {
                format_yuan((n.as_f64().unwrap_or(0.0) * 100.0).round() as i64)
            }
            (Json::String(s), Kind::Enum(_)) if f.name == "stage" => esc(&stage_label(s, lang)),
            (Json::String(s), Kind::Enum(_)) if f.name == "status" => esc(&status_label(s, lang)),
            (Json::String(s), Kind::Ref("pairs")) => format!(
                "<a href=\"/pairs/{}\">{}</a>",
                esc(s),
                esc(&pair_title(s, lang))
            ),
            (v, Kind::Ref(target)) => format!(
                "<a href=\"/r/{target}/{}\">{}</a>",
                esc(&v.to_string()),
                match titles.get(f.name) {
                    Some(title) => format!("{} (#{})", esc(title), esc(&v.to_string())),
                    None => esc(&v.to_string()),
                }
            ),
            (Json::String(s), _) if f.name.ends_with("locality_id") => esc(&locality_name(s, lang)),
            (Json::String(s), _) => esc(s),
            (v, _) => esc(&v.to_string()),
        };
        let _ = write!(
            rows,
            "<tr><th>{}</th><td data-field=\"{}\">{shown}</td></tr>",
            esc(lang.pick(f.zh, f.en)),
            f.name
        );
    }
    format!("<div class=\"scroll\"><table class=\"fields\"><tbody>{rows}</tbody></table></div>")
}

/// A form for creating or editing a record of `e`, filled with `values`, with `errors` shown
/// beside their fields.
fn record_form(
    e: &Entity,
    action: &str,
    values: &Map<String, Json>,
    errors: &[FieldError],
    s: &Session,
    version: Option<i64>,
    lang: Lang,
) -> String {
    let mut html = format!(
        "<form method=\"post\" action=\"{}\" class=\"card\" id=\"record-form\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\">",
        esc(action),
        esc(&s.csrf)
    );
    if let Some(v) = version {
        let _ = write!(
            html,
            "<input type=\"hidden\" name=\"version\" value=\"{v}\">"
        );
    }
    if e.id_kind == entity::IdKind::Slug && version.is_none() {
        let _ = write!(
            html,
            "<label for=\"f-id\">id</label><input id=\"f-id\" name=\"id\" value=\"{}\">",
            esc(values.get("id").and_then(Json::as_str).unwrap_or(""))
        );
    }
    for f in e.fields.iter().filter(|f| f.writable) {
        let v = values.get(f.name).cloned().unwrap_or(Json::Null);
        let text = match &v {
            Json::Null => String::new(),
            Json::String(s) => s.clone(),
            Json::Array(a) => a
                .iter()
                .filter_map(Json::as_str)
                .collect::<Vec<_>>()
                .join(","),
            other => other.to_string(),
        };
        let req = if f.required { " *" } else { "" };
        let _ = write!(
            html,
            "<label for=\"f-{}\">{}{req}</label>",
            f.name,
            esc(lang.pick(f.zh, f.en))
        );
        match f.kind {
            Kind::Enum(options) => {
                let _ = write!(html, "<select id=\"f-{0}\" name=\"{0}\">", f.name);
                if !f.required {
                    html.push_str("<option value=\"\"></option>");
                }
                for o in options {
                    let label = match f.name {
                        "stage" => stage_label(o, lang),
                        "status" => status_label(o, lang),
                        _ => o.to_string(),
                    };
                    let sel = if *o == text { " selected" } else { "" };
                    let _ = write!(html, "<option value=\"{o}\"{sel}>{}</option>", esc(&label));
                }
                html.push_str("</select>");
            }
            Kind::Date => {
                let _ = write!(
                    html,
                    "<input id=\"f-{0}\" name=\"{0}\" type=\"date\" value=\"{1}\">",
                    f.name,
                    esc(&text)
                );
            }
            Kind::Text(n) if !entity::is_single_line(n) => {
                let _ = write!(
                    html,
                    "<textarea id=\"f-{0}\" name=\"{0}\" rows=\"3\">{1}</textarea>",
                    f.name,
                    esc(&text)
                );
            }
            _ => {
                let _ = write!(
                    html,
                    "<input id=\"f-{0}\" name=\"{0}\" value=\"{1}\">",
                    f.name,
                    esc(&text)
                );
            }
        }
        for err in errors.iter().filter(|x| x.field == f.name) {
            let _ = write!(
                html,
                "<div class=\"err\" role=\"alert\" data-error-for=\"{}\">{}</div>",
                f.name,
                esc(&field_message(err, lang))
            );
        }
    }
    let other: Vec<&FieldError> = errors
        .iter()
        .filter(|x| e.field(&x.field).is_none_or(|f| !f.writable))
        .collect();
    for err in other {
        let _ = write!(
            html,
            "<div class=\"err\" role=\"alert\">{}: {}</div>",
            esc(&err.field),
            esc(&field_message(err, lang))
        );
    }
    let _ = write!(
        html,
        "<button type=\"submit\" id=\"save\">{}</button></form>",
        t(lang, "保存", "Save")
    );
    html
}

fn form_to_body(e: &Entity, form: &HashMap<String, String>) -> Map<String, Json> {
    let mut body = Map::new();
    if e.id_kind == entity::IdKind::Slug {
        if let Some(id) = form.get("id") {
            body.insert("id".into(), Json::String(id.clone()));
        }
    }
    for f in e.fields.iter().filter(|f| f.writable) {
        if let Some(v) = form.get(f.name) {
            body.insert(f.name.into(), Json::String(v.clone()));
        }
    }
    body
}

async fn record_list(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let page_no: i64 = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(1);
    let filters: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| e.field(k).is_some_and(|f| f.filter) && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let p = match list_as(&state, &s, e, filters.clone(), page_no).await {
        Ok(p) => p,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let mut body = String::new();
    let qs: String = filters
        .iter()
        .map(|(k, v)| format!("&{}={}", url_encode(k), url_encode(v)))
        .collect();
    let _ = write!(
        body,
        "<p><a href=\"/r/{}/new?{}\" id=\"new-record\">{}</a> · {} {}</p>",
        e.name,
        qs.trim_start_matches('&'),
        t(lang, "新建", "New"),
        p.total,
        t(lang, "条记录", "records")
    );
    if e.name == "projects" {
        body.push_str(&project_rows(&p.items, lang));
    } else {
        let shown: Vec<&entity::Field> = e.fields.iter().take(5).collect();
        let _ = write!(body, "<div class=\"scroll\"><table><thead><tr><th>id</th>");
        for f in &shown {
            let _ = write!(body, "<th>{}</th>", esc(lang.pick(f.zh, f.en)));
        }
        body.push_str("</tr></thead><tbody>");
        for item in &p.items {
            let id = match item.get("id") {
                Some(Json::String(s)) => s.clone(),
                Some(v) => v.to_string(),
                None => String::new(),
            };
            let link = match e.name {
                "parks" => format!("/parks/{id}"),
                "pairs" => format!("/pairs/{id}"),
                _ => format!("/r/{}/{id}", e.name),
            };
            let _ = write!(
                body,
                "<tr><td><a href=\"{}\">{}</a></td>",
                esc(&link),
                esc(&id)
            );
            for f in &shown {
                let v = match item.get(f.name) {
                    Some(Json::String(s)) => s.clone(),
                    Some(Json::Null) | None => String::new(),
                    Some(Json::Array(a)) => a
                        .iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>()
                        .join(", "),
                    Some(v) => v.to_string(),
                };
                let _ = write!(body, "<td>{}</td>", esc(&v));
            }
            body.push_str("</tr>");
        }
        body.push_str("</tbody></table></div>");
    }
    let pages = (p.total + p.per_page - 1) / p.per_page.max(1);
    if pages > 1 {
        let _ = write!(body, "<p>");
        if p.page > 1 {
            let _ = write!(
                body,
                "<a href=\"?page={}{}\">‹ {}</a> ",
                p.page - 1,
                qs,
                t(lang, "上一页", "previous")
            );
        }
        let _ = write!(body, "{} / {}", p.page, pages);
        if p.page < pages {
            let _ = write!(
                body,
                " <a href=\"?page={}{}\">{} ›</a>",
                p.page + 1,
                qs,
                t(lang, "下一页", "next")
            );
        }
        body.push_str("</p>");
    }
    with_lang_cookie(
        page(lang, Some(&s), lang.pick(e.zh, e.en), &body).into_response(),
        &q,
    )
}

async fn record_new(
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let mut values = Map::new();
    for (k, v) in &q {
        if e.field(k).is_some() {
            values.insert(k.clone(), Json::String(v.clone()));
        }
    }
    if let (Role::Officer { pair_id, .. }, true) = (&s.user.role, e.field("pair_id").is_some()) {
        values
            .entry("pair_id")
            .or_insert(Json::String(pair_id.clone()));
    }
    let form = record_form(
        e,
        &format!("/r/{}/new", e.name),
        &values,
        &[],
        &s,
        None,
        lang,
    );
    let title = format!("{} — {}", lang.pick(e.zh, e.en), t(lang, "新建", "new"));
    page(lang, Some(&s), &title, &form).into_response()
}

async fn record_create(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let body = form_to_body(e, &form);
    let db = state.db.clone();
    let user = s.user.clone();
    let b = body.clone();
    match blocking(move || service::create(&db, &user, e, &b)).await {
        Ok(Ok(rec)) => Redirect::to(&record_url(e, &rec)).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => {
            let html = record_form(
                e,
                &format!("/r/{}/new", e.name),
                &body,
                &errors,
                &s,
                None,
                lang,
            );
            let title = format!("{} — {}", lang.pick(e.zh, e.en), t(lang, "新建", "new"));
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                page(lang, Some(&s), &title, &html),
            )
                .into_response()
        }
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

fn record_url(e: &Entity, rec: &Record) -> String {
    let id = rec.id_text();
    match e.name {
        "projects" => format!("/projects/{id}"),
        "parks" => format!("/parks/{id}"),
        "pairs" => format!("/pairs/{id}"),
        "demands" => format!("/demands/{id}"),
        _ => format!("/r/{}/{id}", e.name),
    }
}

async fn get_as(
    state: &AppState,
    s: &Session,
    e: &'static Entity,
    id: &str,
) -> Result<Record, PlatformError> {
    let db = state.db.clone();
    let user = s.user.clone();
    let id = id.to_string();
    blocking(move || service::get(&db, &user, e, &id))
        .await
        .map_err(|_| PlatformError::Db(tandem_platform::DbError::Other("worker failed".into())))?
}

fn record_body(
    e: &'static Entity,
    rec: &Record,
    titles: &HashMap<&'static str, String>,
    s: &Session,
    lang: Lang,
    errors: &[FieldError],
    values: Option<&Map<String, Json>>,
) -> String {
    let mut body = fields_table(e, &rec.fields, titles, lang);
    let _ = write!(
        body,
        "<p><a href=\"/r/{}/{}/history\">{}</a> · {} {}</p><h2>{}</h2>",
        e.name,
        esc(&rec.id_text()),
        t(lang, "修改历史", "History"),
        t(lang, "版本", "version"),
        rec.version,
        t(lang, "修改", "Edit"),
    );
    // Only users who may change the record get the form (the server checks again on submit).
    let scope = service::scope_of(e, &rec.fields);
    if auth::allowed(&s.user, auth::Action::Update, e.name, &scope) {
        body.push_str(&record_form(
            e,
            &format!("/r/{}/{}", e.name, rec.id_text()),
            values.unwrap_or(&rec.fields),
            errors,
            s,
            Some(rec.version),
            lang,
        ));
    } else {
        let _ = write!(
            body,
            "<p class=\"note\" id=\"read-only\">{}</p>",
            t(
                lang,
                "您的角色只能查看此记录。",
                "Your role may read this record but not change it."
            )
        );
    }
    body
}

async fn record_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    match get_as(&state, &s, e, &id).await {
        Ok(rec) => {
            let title = format!(
                "{} {}",
                lang.pick(e.zh, e.en),
                rec.text(e.title).unwrap_or(&id)
            );
            let titles = ref_titles(&state, &s, e, &rec.fields).await;
            with_lang_cookie(
                page(
                    lang,
                    Some(&s),
                    &title,
                    &record_body(e, &rec, &titles, &s, lang, &[], None),
                )
                .into_response(),
                &q,
            )
        }
        Err(err) => failure(lang, Some(&s), &err),
    }
}

async fn record_update(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let body = form_to_body(e, &form);
    let db = state.db.clone();
    let user = s.user.clone();
    let b = body.clone();
    let rid = id.clone();
    match blocking(move || service::update(&db, &user, e, &rid, version, &b)).await {
        Ok(Ok(rec)) => Redirect::to(&record_url(e, &rec)).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => match get_as(&state, &s, e, &id).await {
            Ok(rec) => {
                let title = format!(
                    "{} {}",
                    lang.pick(e.zh, e.en),
                    rec.text(e.title).unwrap_or(&id)
                );
                let titles = ref_titles(&state, &s, e, &rec.fields).await;
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    page(
                        lang,
                        Some(&s),
                        &title,
                        &record_body(e, &rec, &titles, &s, lang, &errors, Some(&body)),
                    ),
                )
                    .into_response()
            }
            Err(err) => failure(lang, Some(&s), &err),
        },
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

async fn history_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path((name, id)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let Some(e) = entity::entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let db = state.db.clone();
    let user = s.user.clone();
    let rid = id.clone();
    let entries = match blocking(move || service::history(&db, &user, e, &rid)).await {
        Ok(Ok(h)) => h,
        Ok(Err(err)) => return failure(lang, Some(&s), &err),
        Err(err) => return err.into_response(),
    };
    let mut body = format!(
        "<p class=\"note\">{}</p><div class=\"scroll\"><table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        t(lang, "历史记录只能追加，不能修改或删除。", "History is append-only: it cannot be edited or deleted."),
        t(lang, "时间", "When"),
        t(lang, "操作人", "Who"),
        t(lang, "操作", "Action"),
        t(lang, "变更", "Changes"),
    );
    for h in &entries {
        let changes = changed_fields(
            h.before.as_ref(),
            h.after.as_ref(),
            &["version", "updated_at"],
        );
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&h.at),
            esc(&h.actor),
            esc(&h.action),
            changes
        );
    }
    body.push_str("</tbody></table></div>");
    let title = format!(
        "{} {} — {}",
        lang.pick(e.zh, e.en),
        id,
        t(lang, "修改历史", "history")
    );
    page(lang, Some(&s), &title, &body).into_response()
}

/// The fields that differ between a history entry's `before` and `after` (except `skip`), as
/// `field: old → new` lines of markup, escaped.
pub(crate) fn changed_fields(before: Option<&Json>, after: Option<&Json>, skip: &[&str]) -> String {
    let before = before.and_then(Json::as_object);
    let after = after.and_then(Json::as_object);
    let keys: std::collections::BTreeSet<&String> = before
        .iter()
        .chain(after.iter())
        .flat_map(|m| m.keys())
        .collect();
    let show = |v: Option<&Json>| v.map(|v| v.to_string()).unwrap_or_else(|| "—".into());
    let mut changes = String::new();
    for k in keys.into_iter().filter(|k| !skip.contains(&k.as_str())) {
        let (b, a) = (before.and_then(|m| m.get(k)), after.and_then(|m| m.get(k)));
        if b != a {
            let _ = write!(
                changes,
                "<div><code>{}</code>: {} → {}</div>",
                esc(k),
                esc(&show(b)),
                esc(&show(a))
            );
        }
    }
    changes
}

async fn park_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let rec = match get_as(&state, &s, &entity::PARKS, &id).await {
        Ok(r) => r,
        Err(err) => return failure(lang, Some(&s), &err),
    };
    let titles = ref_titles(&state, &s, &entity::PARKS, &rec.fields).await;
    let mut body = fields_table(&entity::PARKS, &rec.fields, &titles, lang);
    let _ = write!(
        body,
        "<p><a href=\"/r/parks/{id}\">{}</a> · <a href=\"/r/parks/{id}/history\">{}</a> · <a href=\"/r/projects/new?park_id={id}&pair_id={}\">{}</a></p>",
        t(lang, "编辑园区", "Edit park"),
        t(lang, "修改历史", "History"),
        esc(rec.text("pair_id").unwrap_or("")),
        t(lang, "在此园区新建项目", "New project in this park"),
    );
    if let Ok(p) = list_as(
        &state,
        &s,
        &entity::PROJECTS,
        vec![("park_id".into(), id.clone())],
        1,
    )
    .await
    {
        let _ = write!(
            body,
            "<h2>{} ({})</h2>{}",
            t(lang, "园区项目", "Projects in the park"),
            p.total,
            project_rows(&p.items, lang)
        );
    }
    if let Some(park) = rec.int("id") {
        body.push_str(&crate::ledger_ui::park_section(&state, &s, park, lang).await);
    }
    let title = rec.text("name").unwrap_or(&id).to_string();
    with_lang_cookie(page(lang, Some(&s), &title, &body).into_response(), &q)
}

fn project_body(
    state_rec: &Record,
    titles: &HashMap<&'static str, String>,
    stages: &[service::StageEntry],
    s: &Session,
    lang: Lang,
    error: Option<&str>,
) -> String {
    let rec = &state_rec.fields;
    let id = state_rec.id_text();
    let mut body = String::new();
    if let Some(e) = error {
        let _ = write!(
            body,
            "<div class=\"flash bad\" role=\"alert\" id=\"stage-error\">{}</div>",
            esc(e)
        );
    }
    let flags: Vec<&str> = rec
        .get("review_flags")
        .and_then(Json::as_array)
        .map(|a| a.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    if !flags.is_empty() {
        let _ = write!(
            body,
            "<div class=\"flash bad\"><strong>{}</strong> ",
            t(lang, "待核查：", "Flagged for review:")
        );
        for f in &flags {
            let text = if let Some(other) = f.strip_prefix("duplicate_of_") {
                format!(
                    "{} <a href=\"/projects/{other}\">#{other}</a>",
                    t(
                        lang,
                        "可能与以下项目重复签约",
                        "possible duplicate signing of"
                    )
                )
            } else if *f == tandem_platform::flags::MORE_DUPLICATES {
                match lang {
                    Lang::Zh => format!(
                        "还有更多可能重复的项目（仅列出金额最接近的 {} 个）",
                        tandem_platform::flags::MAX_DUPLICATES_LISTED
                    ),
                    Lang::En => format!(
                        "more possible duplicates (only the {} closest in amount are listed)",
                        tandem_platform::flags::MAX_DUPLICATES_LISTED
                    ),
                }
            } else if *f == "paid_in_exceeds_agreed" {
                t(
                    lang,
                    "到位资金超过协议额",
                    "paid-in capital exceeds the amount agreed",
                )
            } else if *f == "operating_without_paid_in" {
                t(
                    lang,
                    "已投产但无到位资金记录",
                    "operating with no paid-in capital recorded",
                )
            } else {
                esc(f)
            };
            let _ = write!(body, "<span>{text}</span>; ");
        }
        body.push_str("</div>");
    }
    body.push_str(&fields_table(&entity::PROJECTS, rec, titles, lang));
    let _ = write!(
        body,
        "<h2>{}</h2><ol class=\"timeline\" id=\"timeline\">",
        t(lang, "项目进程", "Lifecycle")
    );
    let current = rec.get("stage").and_then(Json::as_str).unwrap_or("lead");
    for (i, st) in STAGES.iter().enumerate() {
        let entry = stages.iter().find(|e| e.stage == *st);
        let at = STAGES.iter().position(|x| *x == current).unwrap_or(0);
        let mark = if i <= at { "✔" } else { "○" };
        match entry {
            Some(e) => {
                let _ = write!(body, "<li data-stage=\"{st}\">{mark} <strong>{}</strong> {} — {} <span class=\"note\">({} {})</span></li>", esc(&stage_label(st, lang)), esc(&e.date), esc(e.evidence.as_deref().unwrap_or("")), t(lang, "记录人", "recorded by"), esc(&e.recorded_by));
            }
            None => {
                let _ = write!(
                    body,
                    "<li data-stage=\"{st}\">{mark} {}</li>",
                    esc(&stage_label(st, lang))
                );
            }
        }
    }
    body.push_str("</ol>");
    let at = STAGES.iter().position(|x| *x == current).unwrap_or(0);
    if let Some(next) = STAGES.get(at + 1) {
        let _ = write!(
            body,
            "<form method=\"post\" action=\"/projects/{id}/stage\" class=\"card\" id=\"stage-form\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{}\"><input type=\"hidden\" name=\"stage\" value=\"{next}\"><strong>{}: {}</strong><label for=\"stage-date\">{}</label><input id=\"stage-date\" name=\"date\" type=\"date\" value=\"{}\"><label for=\"stage-evidence\">{}</label><input id=\"stage-evidence\" name=\"evidence\" placeholder=\"{}\"><button type=\"submit\" id=\"advance\">{}</button></form>",
            esc(&s.csrf),
            state_rec.version,
            t(lang, "推进到下一阶段", "Advance to the next stage"),
            esc(&stage_label(next, lang)),
            t(lang, "日期", "Date"),
            tandem_platform::clock::today(),
            t(lang, "佐证材料", "Evidence"),
            t(lang, "合同编号、土地证号、完税凭证……", "contract no., land certificate, tax receipt…"),
            t(lang, "记录", "Record"),
        );
    }
    let _ = write!(
        body,
        "<p><a href=\"/r/projects/{id}\">{}</a> · <a href=\"/r/projects/{id}/history\">{}</a></p>",
        t(lang, "编辑项目", "Edit project"),
        t(lang, "修改历史", "History")
    );
    body
}

async fn project_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    render_project(&state, &s, &id, lang, None, StatusCode::OK).await
}

async fn render_project(
    state: &AppState,
    s: &Session,
    id: &str,
    lang: Lang,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let rec = match get_as(state, s, &entity::PROJECTS, id).await {
        Ok(r) => r,
        Err(err) => return failure(lang, Some(s), &err),
    };
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.to_string();
    let stages = blocking(move || service::stages(&db, &user, &pid))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let titles = ref_titles(state, s, &entity::PROJECTS, &rec.fields).await;
    let title = rec.text("name").unwrap_or(id).to_string();
    (
        status,
        page(
            lang,
            Some(s),
            &title,
            &project_body(&rec, &titles, &stages, s, lang, error),
        ),
    )
        .into_response()
}

async fn project_stage(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (stage, date, evidence) = (get("stage"), get("date"), get("evidence"));
    let db = state.db.clone();
    let user = s.user.clone();
    let pid = id.clone();
    match blocking(move || {
        service::advance_stage(&db, &user, &pid, version, &stage, &date, &evidence)
    })
    .await
    {
        Ok(Ok(_)) => Redirect::to(&format!("/projects/{id}")).into_response(),
        Ok(Err(PlatformError::Invalid(errors))) => {
            let msg = errors
                .iter()
                .map(|e| field_message(e, lang))
                .collect::<Vec<_>>()
                .join("; ");
            render_project(
                &state,
                &s,
                &id,
                lang,
                Some(&msg),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

async fn plan_board(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let mut filters = Vec::new();
    if let Some(p) = q.get("pair_id").filter(|p| !p.is_empty()) {
        filters.push(("pair_id".to_string(), p.clone()));
    }
    let mut tasks = Vec::new();
    let mut page_no = 1;
    loop {
        match list_as(&state, &s, &entity::TASKS, filters.clone(), page_no).await {
            Ok(p) => {
                let done = page_no * p.per_page >= p.total;
                tasks.extend(p.items);
                if done || page_no >= 20 {
                    break;
                }
                page_no += 1;
            }
            Err(err) => return failure(lang, Some(&s), &err),
        }
    }
    let today = tandem_platform::clock::today();
    let mut body = format!(
        "<p><a href=\"/r/plans/new\">{}</a> · <a href=\"/r/tasks/new\">{}</a></p><div class=\"board\">",
        t(lang, "新建年度计划", "New annual plan"),
        t(lang, "新建任务", "New task")
    );
    for status in TASK_STATUSES {
        let _ = write!(
            body,
            "<div class=\"col\" data-status=\"{status}\"><h3>{}</h3>",
            esc(&status_label(status, lang))
        );
        for task in tasks
            .iter()
            .filter(|x| x.get("status").and_then(Json::as_str) == Some(status))
        {
            let id = task.get("id").map(|v| v.to_string()).unwrap_or_default();
            let version = task.get("version").and_then(Json::as_i64).unwrap_or(0);
            let due = task.get("due_on").and_then(Json::as_str).unwrap_or("");
            let overdue = *status != "done" && !due.is_empty() && due < today.as_str();
            let side = task.get("owner_side").and_then(Json::as_str).unwrap_or("");
            let _ = write!(
                body,
                "<div class=\"card\" data-task=\"{id}\"><a href=\"/r/tasks/{id}\">{}</a><div class=\"note\">{} · {} {}{}</div>",
                esc(task.get("title").and_then(Json::as_str).unwrap_or("")),
                esc(&pair_title(task.get("pair_id").and_then(Json::as_str).unwrap_or(""), lang)),
                t(lang, if side == "helper" { "支援方" } else { "受援方" }, side),
                esc(due),
                if overdue { format!(" <span class=\"flag\">{}</span>", t(lang, "逾期", "overdue")) } else { String::new() },
            );
            for target in TASK_STATUSES.iter().filter(|x| *x != status) {
                let _ = write!(
                    body,
                    "<form class=\"inline\" method=\"post\" action=\"/tasks/{id}/status\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><input type=\"hidden\" name=\"version\" value=\"{version}\"><input type=\"hidden\" name=\"status\" value=\"{target}\"><button class=\"small\" type=\"submit\">→ {}</button></form>",
                    esc(&s.csrf),
                    esc(&status_label(target, lang))
                );
            }
            body.push_str("</div>");
        }
        body.push_str("</div>");
    }
    body.push_str("</div>");
    with_lang_cookie(
        page(lang, Some(&s), &t(lang, "计划看板", "Plan board"), &body).into_response(),
        &q,
    )
}

async fn task_status(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    if !csrf_ok(&s, &form) {
        return csrf_failure(lang, &s);
    }
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    let mut body = Map::new();
    body.insert(
        "status".into(),
        Json::String(form.get("status").cloned().unwrap_or_default()),
    );
    let db = state.db.clone();
    let user = s.user.clone();
    match blocking(move || service::update(&db, &user, &entity::TASKS, &id, version, &body)).await {
        Ok(Ok(_)) => Redirect::to("/plans").into_response(),
        Ok(Err(err)) => failure(lang, Some(&s), &err),
        Err(err) => err.into_response(),
    }
}

async fn sheets_page(
    PageSession(s): PageSession,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let lang = lang_of(&headers, &q);
    let body = sheets_body(&s, lang, None);
    page(
        lang,
        Some(&s),
        &t(lang, "Excel 导入导出", "Excel import and export"),
        &body,
    )
    .into_response()
}

fn sheets_body(s: &Session, lang: Lang, message: Option<(bool, String)>) -> String {
    let mut body = String::new();
    if let Some((ok, m)) = message {
        let _ = write!(
            body,
            "<div class=\"flash {}\" role=\"alert\">{}</div>",
            if ok { "good" } else { "bad" },
            m
        );
    }
    let _ = write!(
        body,
        "<p>{}</p><ul><li><a href=\"/sheets/projects\">{}</a></li><li><a href=\"/sheets/tasks\">{}</a></li></ul><form method=\"post\" action=\"/sheets\" enctype=\"multipart/form-data\" class=\"card\"><input type=\"hidden\" name=\"_csrf\" value=\"{}\"><label for=\"kind\">{}</label><select id=\"kind\" name=\"entity\"><option value=\"projects\">{}</option><option value=\"tasks\">{}</option></select><label for=\"file\">{}</label><input id=\"file\" name=\"file\" type=\"file\" accept=\".xlsx\"><button type=\"submit\">{}</button></form>",
        t(lang, "导出的文件即为导入模板：“template”工作表说明每一列。id 为空的行新建记录；带 id 和 version 的行修改该记录。整个文件要么全部导入，要么全部不导入。", "The export is the import template: its “template” sheet explains every column. Rows without id create records; rows with id and version change that record. A file is imported entirely or not at all."),
        t(lang, "导出项目（XLSX）", "Export projects (XLSX)"),
        t(lang, "导出计划任务（XLSX）", "Export plan tasks (XLSX)"),
        esc(&s.csrf),
        t(lang, "导入类型", "Import"),
        t(lang, "项目", "projects"),
        t(lang, "计划任务", "plan tasks"),
        t(lang, "文件", "File"),
        t(lang, "导入", "Import"),
    );
    body
}

async fn sheets_export(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let Some(e) = sheets::sheet_entity(&name) else {
        return failure(lang, Some(&s), &PlatformError::NotFound(name));
    };
    let db = state.db.clone();
    let user = s.user.clone();
    match blocking(move || sheets::export(&db, &user, e)).await {
        Ok(Ok(bytes)) => crate::xlsx_download(&format!("tandem-{name}.xlsx"), bytes),
        Ok(Err(sheets::SheetError::Platform(err))) => failure(lang, Some(&s), &err),
        Ok(Err(err)) => failure(
            lang,
            Some(&s),
            &PlatformError::Db(tandem_platform::DbError::Other(err.to_string())),
        ),
        Err(err) => err.into_response(),
    }
}

/// The `/sheets` form's record type and file. The fields are read in form order, and the
/// CSRF token, the record type and the right to import it are checked before a byte of the
/// file is read; a role that writes neither projects nor tasks is refused before the form is
/// read at all. `Err` is the page that says why.
async fn sheets_form(
    lang: Lang,
    s: &Session,
    multipart: &mut Multipart,
) -> Result<(&'static Entity, Vec<u8>), Box<Response>> {
    let refuse = |e: &Entity| {
        Box::new(failure(
            lang,
            Some(s),
            &PlatformError::Forbidden(format!(
                "{} ({}) may not create or change any {}; nothing was read",
                s.user.username,
                s.user.role.name(),
                e.name
            )),
        ))
    };
    let importable = ["projects", "tasks"].map(sheets::sheet_entity);
    if !importable
        .iter()
        .flatten()
        .any(|e| auth::may_write_any(&s.user, e.name))
    {
        return Err(refuse(&entity::PROJECTS));
    }
    // Everything the file may not be read without.
    let checked = |csrf: &str, kind: &str| {
        if !constant_time_eq(csrf.as_bytes(), s.csrf.as_bytes()) {
            return Err(Box::new(csrf_failure(lang, s)));
        }
        let Some(e) = sheets::sheet_entity(kind) else {
            let unknown = PlatformError::NotFound(kind.to_string());
            return Err(Box::new(failure(lang, Some(s), &unknown)));
        };
        if !auth::may_write_any(&s.user, e.name) {
            return Err(refuse(e));
        }
        Ok(e)
    };
    let (mut csrf, mut kind, mut file) = (String::new(), String::new(), Vec::new());
    let unreadable =
        |e: crate::upload::UploadError| Box::new(failure(lang, Some(s), &e.platform()));
    while let Some(field) = crate::upload::next_field(multipart)
        .await
        .map_err(unreadable)?
    {
        match field.name().unwrap_or("") {
            "_csrf" => csrf = field.text().await.unwrap_or_default(),
            "entity" => kind = field.text().await.unwrap_or_default(),
            "file" => {
                checked(&csrf, &kind)?;
                file = crate::upload::read_field(field).await.map_err(unreadable)?;
            }
            _ => {}
        }
    }
    Ok((checked(&csrf, &kind)?, file))
}

async fn sheets_import(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let lang = lang_of(&headers, &HashMap::new());
    let (e, file) = match sheets_form(lang, &s, &mut multipart).await {
        Ok(form) => form,
        Err(refused) => return *refused,
    };
    let db = state.db.clone();
    let user = s.user.clone();
    let result = match blocking(move || sheets::import(&db, &user, e, &file)).await {
        Ok(r) => r,
        Err(err) => return err.into_response(),
    };
    let (status, msg) = match result {
        Ok(sum) => (
            StatusCode::OK,
            (
                true,
                esc(&match lang {
                    Lang::Zh => format!(
                        "导入完成：新建 {} 条，修改 {} 条。",
                        sum.created, sum.updated
                    ),
                    Lang::En => format!(
                        "Imported: {} created, {} changed.",
                        sum.created, sum.updated
                    ),
                }),
            ),
        ),
        // Over a limit (rows per file, the creation budget): the failure page says which.
        Err(sheets::ImportFailure {
            limit: Some(limit), ..
        }) => return failure(lang, Some(&s), &limit),
        Err(problems) => {
            let mut m = esc(&match lang {
                Lang::Zh => format!("未导入任何记录：发现 {} 个问题。", problems.len()),
                Lang::En => format!("Nothing was imported: {} problem(s).", problems.len()),
            });
            m.push_str("<ul>");
            for p in problems.iter().take(200) {
                let _ = write!(m, "<li>{}</li>", esc(&p.to_string()));
            }
            m.push_str("</ul>");
            (StatusCode::UNPROCESSABLE_ENTITY, (false, m))
        }
    };
    (
        status,
        page(
            lang,
            Some(&s),
            &t(lang, "Excel 导入导出", "Excel import and export"),
            &sheets_body(&s, lang, Some(msg)),
        ),
    )
        .into_response()
}
