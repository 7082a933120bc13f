use crate::kernel::session::{constant_time_eq, Session};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use tandem_platform::entity::FieldError;
use tandem_platform::service::PlatformError;
use tandem_platform::Role;
use tandem_report::Lang;

/// A page explaining a failure (for other modules' handlers).
pub(crate) fn failure_page(lang: Lang, s: Option<&Session>, e: &PlatformError) -> Response {
    failure(lang, s, e)
}

/// The `?lang=` parameter of any page.
#[derive(serde::Deserialize)]
struct LangParam {
    lang: Option<String>,
}

/// A page's language, as an extractor: `?lang=zh|en`, else the `tandem_lang` cookie, else
/// Chinese. A choice made with `?lang=` is kept in the cookie by [`PageLang::remember`].
/// Handlers take it instead of reading the query map.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PageLang {
    /// The language to render in.
    pub lang: Lang,
    /// The language chosen in this request's query, if any.
    chosen: Option<Lang>,
}

fn parse_lang(s: &str) -> Option<Lang> {
    match s {
        "en" => Some(Lang::En),
        "zh" => Some(Lang::Zh),
        _ => None,
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageLang {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        // A malformed query is not this extractor's business: the language falls back.
        let chosen = axum::extract::Query::<LangParam>::try_from_uri(&parts.uri)
            .ok()
            .and_then(|q| q.0.lang.as_deref().and_then(parse_lang));
        let cookie = crate::kernel::session::cookie(&parts.headers, "tandem_lang");
        let lang = chosen
            .or_else(|| cookie.as_deref().and_then(parse_lang))
            .unwrap_or(Lang::Zh);
        Ok(PageLang { lang, chosen })
    }
}

impl PageLang {
    /// Sets the language cookie on `r` when the request chose a language.
    pub(crate) fn remember(&self, mut r: Response) -> Response {
        if let Some(l) = self.chosen {
            let value = format!(
                "tandem_lang={}; Path=/; SameSite=Lax; Max-Age=31536000",
                l.pick("zh", "en")
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        r
    }
}

pub(crate) const EXTRA_STYLE: &str = r#"
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
pub(crate) fn page(lang: Lang, s: Option<&Session>, title: &str, body: Markup) -> Html<String> {
    let page = html! {
        (DOCTYPE)
        html lang=(lang.pick("zh-CN", "en")) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — tandem" }
                // The report's style sheet and the platform's additions: constants, not input.
                style { (PreEscaped(tandem_report::page::STYLE)) (PreEscaped(EXTRA_STYLE)) }
            }
            body {
                header.top { div.wrap { h1 { (title) } } }
                @if let Some(s) = s { (menu(lang, s)) }
                main.wrap { (body) }
            }
        }
    };
    Html(page.into_string())
}

/// The menu of a signed-in user: the sections, accounts for administrators, the other
/// language and signing out.
fn menu(lang: Lang, s: &Session) -> Markup {
    let links = [
        ("/", t(lang, "总览", "Dashboard")),
        ("/r/projects", t(lang, "项目", "Projects")),
        ("/r/parks", t(lang, "园区", "Parks")),
        ("/plans", t(lang, "计划看板", "Plan board")),
        ("/r/enterprises", t(lang, "企业", "Enterprises")),
        ("/r/secondments", t(lang, "干部挂职", "Secondments")),
        ("/r/events", t(lang, "事件", "Events")),
        ("/r/chains", t(lang, "产业链", "Chains")),
        ("/barriers", t(lang, "制度壁垒", "Barriers")),
        ("/r/disputes", t(lang, "争议协商", "Disputes")),
        ("/produce", t(lang, "农产品供应", "Farm produce")),
        ("/innovation", t(lang, "产学研", "Innovation")),
        ("/docking", t(lang, "对接", "Docking")),
        ("/surveys", t(lang, "满意度调查", "Surveys")),
        ("/assessment", t(lang, "评价", "Assessment")),
        ("/sheets", t(lang, "导入导出", "Excel")),
    ];
    html! {
        nav.menu { div.wrap {
            @for (href, label) in &links { a href=(href) { (label) } }
            @if s.user.role == Role::Admin { a href="/admin/users" { (t(lang, "账户", "Accounts")) } }
            span.right {
                (s.user.display_name) " (" (role_label(&s.user.role, lang)) ") · "
                a href={ "?lang=" (lang.pick("en", "zh")) } { (lang.pick("English", "中文")) }
                " "
                form.inline method="post" action="/logout" {
                    input type="hidden" name="_csrf" value=(s.csrf);
                    button.small type="submit" { (t(lang, "退出", "Sign out")) }
                }
            }
        } }
    }
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

/// A page explaining a failure, with the status that goes with it.
pub(crate) fn failure(lang: Lang, s: Option<&Session>, e: &PlatformError) -> Response {
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
            tracing::error!(error = %err, "database error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                t(lang, "服务器错误", "Server error"),
                t(lang, "服务器出错，错误已记录在日志中。", "The server failed; the error is in its log."),
            )
        }
    };
    let body = html! {
        div.flash.bad role="alert" { strong { (title) } br; (msg) }
        p { a href="/" { (t(lang, "返回总览", "Back to the dashboard")) } }
    };
    (status, page(lang, s, &title, body)).into_response()
}

pub(crate) fn field_message(e: &FieldError, lang: Lang) -> String {
    match lang {
        Lang::Zh => e.message_zh.clone(),
        Lang::En => e.message.clone(),
    }
}

/// Whether a posted form's `_csrf` token is the session's (compared in constant time).
pub(crate) fn csrf_matches(s: &Session, token: Option<&str>) -> bool {
    token.is_some_and(|c| constant_time_eq(c.as_bytes(), s.csrf.as_bytes()))
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
