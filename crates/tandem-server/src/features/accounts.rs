//! Account management for administrators (issue #12): the `/admin/users` pages and the
//! `/api/users` routes, thin over `tandem_platform::accounts`, which decides who may and
//! writes the audit log.
//!
//! Every change is a POST with the session's CSRF token. Disabling an account, setting its
//! password or ending its sessions drops that account's sessions from this process's session
//! cache at once ([`crate::kernel::session::SessionCache::forget_user`]); another process sharing the
//! database (the `tandem user` command, another server on PostgreSQL) notices within
//! [`crate::kernel::session::SESSION_CACHE_SECONDS`]. The pages answer 404 to everyone but
//! administrators, so they do not show that they exist; the API answers 403, as `/api/users`
//! always did.

use crate::kernel::error::ApiError;
use crate::kernel::page::{csrf_failure, failure_page, page, role_label, t, PageLang};
use crate::kernel::record_view::changed_fields;
use crate::kernel::run::run;
use crate::kernel::session::{clear_cookie, ApiSession, PageSession, Session};
use crate::kernel::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Value};
use tandem_platform::accounts::{self, Account, By, Changed};
use tandem_platform::service::{HistoryEntry, PlatformError};
use tandem_platform::{DbError, Role};
use tandem_report::Lang;

/// The account API routes (merged under `/api`).
pub fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/users", get(api_list))
        .route("/users/{id}", get(api_get))
        .route("/users/{id}/history", get(api_history))
        .route("/users/{id}/{action}", post(api_change))
}

/// The administrator's pages.
pub fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(list_page))
        .route("/admin/users/{id}", get(account_page))
        .route("/admin/users/{id}/{action}", post(page_change))
}

/// A change to an account, as named in URLs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AccountChange {
    Disable,
    Enable,
    EndSessions,
    /// Set this password.
    SetPassword(String),
    /// Set a generated password, returned once.
    GeneratePassword,
}

impl AccountChange {
    /// The change named `action` (`disable`, `enable`, `end-sessions`, `reset-password`
    /// with `password`, or `generate-password`).
    fn parse(action: &str, password: Option<String>) -> Result<AccountChange, PlatformError> {
        Ok(match action {
            "disable" => AccountChange::Disable,
            "enable" => AccountChange::Enable,
            "end-sessions" => AccountChange::EndSessions,
            "generate-password" => AccountChange::GeneratePassword,
            "reset-password" => match password {
                Some(p) => AccountChange::SetPassword(p),
                None => {
                    return Err(PlatformError::Invalid(vec![
                        tandem_platform::entity::FieldError::new(
                            "password",
                            "required",
                            "password is required; or POST generate-password for a generated one"
                                .into(),
                            "请填写新密码；或使用“生成一次性密码”".into(),
                        ),
                    ]))
                }
            },
            other => return Err(PlatformError::NotFound(format!("action {other:?}"))),
        })
    }

    /// Whether the change ends the account's sessions.
    fn ends_sessions(&self) -> bool {
        !matches!(self, AccountChange::Enable)
    }
}

/// `?done=` on the account page: the change just made, to confirm.
#[derive(Deserialize)]
struct AccountQuery {
    done: Option<String>,
}

/// A posted change: the session's CSRF token and, for `reset-password`, the new password.
#[derive(Deserialize)]
struct ChangeForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
    password: Option<String>,
}

impl ChangeForm {
    /// Whether the form carries the session's CSRF token.
    fn csrf_ok(&self, s: &Session) -> bool {
        crate::kernel::page::csrf_matches(s, self.csrf.as_deref())
    }
}

fn id_of(text: &str) -> Result<i64, PlatformError> {
    text.parse::<i64>()
        .ok()
        .filter(|i| *i > 0)
        .ok_or_else(|| PlatformError::NotFound(format!("account {text:?}")))
}

/// A failure of blocking work as a platform error (a failed worker is a server error).
fn platform_error(e: ApiError) -> PlatformError {
    match e {
        ApiError::Platform(e) => e,
        e => PlatformError::Db(DbError::Other(format!("worker failed: {e:?}"))),
    }
}

/// Applies `change` to account `id` as `admin`, then drops the account's cached sessions.
/// Returns the change and the generated password, if one was asked for.
pub async fn apply(
    state: &AppState,
    admin: &tandem_platform::User,
    id: i64,
    change: AccountChange,
) -> Result<(Changed, Option<String>), PlatformError> {
    let ends_sessions = change.ends_sessions();
    let result = run(&state.db, admin, move |db, user| {
        let by = By::User(user);
        match change {
            AccountChange::Disable => accounts::disable(db, by, id).map(|c| (c, None)),
            AccountChange::Enable => accounts::enable(db, by, id).map(|c| (c, None)),
            AccountChange::EndSessions => accounts::end_sessions(db, by, id).map(|c| (c, None)),
            AccountChange::SetPassword(p) => accounts::reset_password(db, by, id, Some(&p)),
            AccountChange::GeneratePassword => accounts::reset_password(db, by, id, None),
        }
    })
    .await
    .map_err(platform_error)?;
    if ends_sessions {
        state.sessions.forget_user(id);
    }
    Ok(result)
}

/// A response that browsers and proxies must not keep (it may show a password).
fn no_store(mut r: Response) -> Response {
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn api_list(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let items = run(&state.db, &s.user, |db, user| {
        accounts::list(db, By::User(user))
    })
    .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

async fn api_get(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let account = run(&state.db, &s.user, move |db, user| {
        accounts::get(db, By::User(user), id)
    })
    .await?;
    Ok(Json(account).into_response())
}

async fn api_history(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let items = run(&state.db, &s.user, move |db, user| {
        accounts::history(db, By::User(user), id)
    })
    .await?;
    Ok(Json(json!({ "items": items })).into_response())
}

/// `POST /api/users/{id}/{action}`; `reset-password` takes `{"password": "…"}`.
async fn api_change(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
    Path((id, action)): Path<(String, String)>,
    body: Option<Json<Value>>,
) -> Result<Response, ApiError> {
    let id = id_of(&id)?;
    let password = body
        .as_ref()
        .and_then(|Json(b)| b.get("password"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let change = AccountChange::parse(&action, password)?;
    let (changed, generated) = apply(&state, &s.user, id, change).await?;
    let mut out = json!({
        "account": changed.account,
        "sessions_ended": changed.sessions_ended,
    });
    if let Some(p) = generated {
        out["password"] = Value::String(p);
    }
    Ok(no_store(Json(out).into_response()))
}

/// The 404 page everyone but administrators gets, or `None` for an administrator.
fn not_admin(lang: Lang, s: &Session) -> Option<Response> {
    (s.user.role != Role::Admin)
        .then(|| failure_page(lang, Some(s), &PlatformError::NotFound("admin".into())))
}

/// A failure as a page.
fn failed(lang: Lang, s: &Session, e: PlatformError) -> Response {
    failure_page(lang, Some(s), &e)
}

async fn list_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
) -> Response {
    if let Some(r) = not_admin(lang, &s) {
        return r;
    }
    let loaded = run(&state.db, &s.user, |db, user| {
        accounts::list(db, By::User(user))
    })
    .await;
    match loaded {
        Ok(list) => {
            let title = t(lang, "账户管理", "Accounts");
            no_store(page(lang, Some(&s), &title, list_body(&list, lang)).into_response())
        }
        Err(e) => failed(lang, &s, platform_error(e)),
    }
}

fn state_cell(a: &Account, lang: Lang) -> Markup {
    html! {
        @if a.disabled {
            span.flag { (t(lang, "已停用", "disabled")) } " " (a.disabled_at.as_deref().unwrap_or(""))
        } @else {
            (t(lang, "正常", "enabled"))
        }
    }
}

fn binding(a: &Account) -> Markup {
    match &a.user.role {
        Role::Officer { pair_id, side } => {
            html! { a href={ "/pairs/" (pair_id) } { (pair_id) } " " (side) }
        }
        Role::ParkOperator { park_id } => {
            html! { a href={ "/parks/" (park_id) } { "#" (park_id) } }
        }
        Role::Enterprise { enterprise_id } => {
            html! { a href={ "/r/enterprises/" (enterprise_id) } { "#" (enterprise_id) } }
        }
        _ => html! {},
    }
}

fn list_body(list: &[Account], lang: Lang) -> Markup {
    html! {
        p.note {
            (t(
                lang,
                "停用账户、重设密码或结束会话都会立即使该账户的会话失效；每次操作都记入账户历史。新账户用命令行 tandem user add 创建。",
                "Disabling an account, setting its password or ending its sessions ends its sessions at once; every change is kept in the account's history. Create accounts with `tandem user add` on the server."
            ))
        }
        div.scroll { table {
            thead { tr {
                th { "#" }
                th { (t(lang, "用户名", "User name")) }
                th { (t(lang, "显示名称", "Display name")) }
                th { (t(lang, "角色", "Role")) }
                th { (t(lang, "范围", "Scope")) }
                th { (t(lang, "状态", "State")) }
                th { (t(lang, "最近登录", "Last sign-in")) }
                th { (t(lang, "会话", "Sessions")) }
            } }
            tbody { @for a in list {
                tr {
                    td { (a.user.id) }
                    td { a href={ "/admin/users/" (a.user.id) } { (a.user.username) } }
                    td { (a.user.display_name) }
                    td { (role_label(&a.user.role, lang)) }
                    td { (binding(a)) }
                    td { (state_cell(a, lang)) }
                    td { (a.last_sign_in_at.as_deref().unwrap_or("–")) }
                    td { (a.sessions) }
                }
            } }
        } }
    }
}

async fn account_page(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path(id): Path<String>,
    Query(q): Query<AccountQuery>,
) -> Response {
    if let Some(r) = not_admin(lang, &s) {
        return r;
    }
    let flash = q
        .done
        .map(|done| (true, html! { (done_message(&done, lang)) }));
    render_account(&state, &s, lang, &id, flash).await
}

/// The account page with an optional message (`true`: success).
async fn render_account(
    state: &AppState,
    s: &Session,
    lang: Lang,
    id: &str,
    flash: Option<(bool, Markup)>,
) -> Response {
    let id = match id_of(id) {
        Ok(id) => id,
        Err(e) => return failed(lang, s, e),
    };
    let loaded = run(&state.db, &s.user, move |db, user| {
        let by = By::User(user);
        Ok((accounts::get(db, by, id)?, accounts::history(db, by, id)?))
    })
    .await;
    match loaded {
        Ok((account, history)) => {
            let body = html! {
                @if let Some((ok, m)) = flash {
                    div class={ "flash " (if ok { "good" } else { "bad" }) } role="alert" { (m) }
                }
                (account_body(s, &account, lang))
                (history_table(&history, lang))
            };
            let title = format!("{} {}", t(lang, "账户", "Account"), account.user.username);
            no_store(page(lang, Some(s), &title, body).into_response())
        }
        Err(e) => failed(lang, s, platform_error(e)),
    }
}

fn done_message(done: &str, lang: Lang) -> String {
    match done {
        "disable" => t(
            lang,
            "账户已停用，其会话已结束。",
            "The account is disabled and its sessions ended.",
        ),
        "enable" => t(
            lang,
            "账户已启用；用户需重新登录。",
            "The account is enabled; the user signs in again.",
        ),
        "end-sessions" => t(
            lang,
            "该账户的所有会话已结束。",
            "All sessions of the account ended.",
        ),
        "reset-password" => t(
            lang,
            "新密码已设置，该账户的会话已结束。",
            "The new password is set and the account's sessions ended.",
        ),
        _ => String::new(),
    }
}

/// The account's details and the forms that change it.
fn account_body(s: &Session, a: &Account, lang: Lang) -> Markup {
    html! {
        (account_fields(a, lang))
        div.card {
            @if a.disabled {
                (admin_button(s, a, "enable", t(lang, "启用账户", "Enable the account")))
            } @else if a.user.id != s.user.id {
                (admin_button(s, a, "disable", t(lang, "停用账户", "Disable the account")))
            }
            (admin_button(s, a, "end-sessions", t(lang, "结束所有会话", "End all sessions")))
        }
        form method="post" action={ "/admin/users/" (a.user.id) "/reset-password" } class="card" {
            input type="hidden" name="_csrf" value=(s.csrf);
            label for="password" {
                (t(lang, "新密码（至少 8 个字符；设置后该账户的会话全部结束）", "New password (at least 8 characters; setting it ends all the account's sessions)"))
            }
            input id="password" name="password" type="password" autocomplete="new-password" minlength=(tandem_platform::auth::MIN_PASSWORD_CHARS);
            button type="submit" { (t(lang, "设置密码", "Set the password")) }
        }
        (admin_button(s, a, "generate-password", t(lang, "生成一次性密码（只显示一次）", "Generate a password (shown once)")))
    }
}

/// A button posting `action` on the account with the session's CSRF token.
fn admin_button(s: &Session, a: &Account, action: &str, label: String) -> Markup {
    html! {
        form.inline method="post" action={ "/admin/users/" (a.user.id) "/" (action) } {
            input type="hidden" name="_csrf" value=(s.csrf);
            button type="submit" { (label) }
        }
        " "
    }
}

/// The account's fields: names, role and scope, state, dates and live sessions.
fn account_fields(a: &Account, lang: Lang) -> Markup {
    let dash = |v: &Option<String>| v.as_deref().unwrap_or("–").to_string();
    html! {
        table.fields { tbody {
            tr { th { (t(lang, "用户名", "User name")) } td { (a.user.username) } }
            tr { th { (t(lang, "显示名称", "Display name")) } td { (a.user.display_name) } }
            tr { th { (t(lang, "角色", "Role")) } td { (role_label(&a.user.role, lang)) " " (binding(a)) } }
            tr { th { (t(lang, "状态", "State")) } td { (state_cell(a, lang)) } }
            tr { th { (t(lang, "创建时间", "Created")) } td { (a.created_at) } }
            tr { th { (t(lang, "最近登录", "Last sign-in")) } td { (dash(&a.last_sign_in_at)) } }
            tr {
                th { (t(lang, "最近由管理员设置密码", "Password last set by an administrator")) }
                td { (dash(&a.password_changed_at)) }
            }
            tr { th { (t(lang, "有效会话", "Live sessions")) } td { (a.sessions) } }
        } }
    }
}

fn action_label(action: &str, lang: Lang) -> String {
    match action {
        "create" => t(lang, "创建", "created"),
        "disable" => t(lang, "停用", "disabled"),
        "enable" => t(lang, "启用", "enabled"),
        "reset_password" => t(lang, "设置密码", "password set"),
        "end_sessions" => t(lang, "结束会话", "sessions ended"),
        other => other.to_string(),
    }
}

/// The account's history: when, who, what, and the fields that changed.
fn history_table(entries: &[HistoryEntry], lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "账户历史", "Account history")) }
        p.note {
            (t(lang, "历史记录只能追加，不能修改或删除；从不记录密码。", "History is append-only; passwords are never recorded."))
        }
        div.scroll { table {
            thead { tr {
                th { (t(lang, "时间", "When")) }
                th { (t(lang, "操作人", "Who")) }
                th { (t(lang, "操作", "Action")) }
                th { (t(lang, "变更", "Changes")) }
            } }
            tbody { @for h in entries {
                tr {
                    td { (h.at) }
                    td { (h.actor) }
                    td { (action_label(&h.action, lang)) }
                    td { (changed_fields(h.before.as_ref(), h.after.as_ref(), &[])) }
                }
            } }
        } }
    }
}

/// The message showing a generated password, once.
fn generated_flash(password: &str, lang: Lang) -> Markup {
    html! {
        (t(lang, "新密码：", "New password:")) " "
        code.password { (password) }
        br;
        (t(lang, "请现在通过安全渠道告知用户；此密码不会再次显示。该账户的会话已结束。", "Give it to the user now through a safe channel; it will not be shown again. The account's sessions ended."))
    }
}

/// `POST /admin/users/{id}/{action}`: the change, then back to the account page (or, for a
/// generated password, the page showing it once; or to sign-in when the administrator ended
/// their own sessions).
async fn page_change(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    PageLang { lang, .. }: PageLang,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Response {
    if let Some(r) = not_admin(lang, &s) {
        return r;
    }
    if !form.csrf_ok(&s) {
        return csrf_failure(lang, &s);
    }
    let password = form.password.filter(|p| !p.is_empty());
    let parsed = id_of(&id).and_then(|n| AccountChange::parse(&action, password).map(|c| (n, c)));
    let (n, change) = match parsed {
        Ok(x) => x,
        Err(e) => return failed(lang, &s, e),
    };
    let own_sessions_end = n == s.user.id && change.ends_sessions();
    let generated = match apply(&state, &s.user, n, change).await {
        Ok((_, generated)) => generated,
        Err(e) => return failed(lang, &s, e),
    };
    if own_sessions_end {
        let mut r = Redirect::to("/login?next=/admin/users").into_response();
        if let Ok(v) = HeaderValue::from_str(&clear_cookie()) {
            r.headers_mut().insert(header::SET_COOKIE, v);
        }
        return r;
    }
    match generated {
        Some(p) => {
            let flash = generated_flash(&p, lang);
            let r = render_account(&state, &s, lang, &n.to_string(), Some((true, flash))).await;
            no_store(r)
        }
        // `action` is one of the names `AccountChange::parse` accepted.
        None => Redirect::to(&format!("/admin/users/{n}?done={action}")).into_response(),
    }
}

/// The account routes for the OpenAPI document.
pub fn openapi_paths() -> Vec<(String, Value)> {
    let ok = |what: &str| json!({"200": {"description": what, "content": {"application/json": {"schema": {"type": "object"}}}}, "401": {"description": "not signed in"}, "403": {"description": "not an administrator, or a missing CSRF token"}, "404": {"description": "no such account"}, "422": {"description": "invalid"}});
    let id = json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    let csrf = json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"}});
    let change = |summary: &str| json!({"post": {"summary": summary, "tags": ["accounts"], "parameters": [id, csrf], "responses": ok("{account, sessions_ended}")}});
    vec![
        (
            "/api/users".into(),
            json!({"get": {"summary": "Accounts with role, scope, state, last sign-in and live sessions (administrator)", "tags": ["accounts"], "responses": ok("accounts")}}),
        ),
        (
            "/api/users/{id}".into(),
            json!({"get": {"summary": "One account (administrator)", "tags": ["accounts"], "parameters": [id], "responses": ok("the account")}}),
        ),
        (
            "/api/users/{id}/history".into(),
            json!({"get": {"summary": "The account's history: who changed it, when, before and after (never a password)", "tags": ["accounts"], "parameters": [id], "responses": ok("history")}}),
        ),
        (
            "/api/users/{id}/disable".into(),
            change("Disable the account and end its sessions (not your own)"),
        ),
        (
            "/api/users/{id}/enable".into(),
            change("Enable the account (its ended sessions stay ended)"),
        ),
        (
            "/api/users/{id}/end-sessions".into(),
            change("End every session of the account"),
        ),
        (
            "/api/users/{id}/reset-password".into(),
            json!({"post": {"summary": "Set the account's password and end its sessions", "tags": ["accounts"], "parameters": [id, csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["password"],
                    "properties": {"password": {"type": "string", "minLength": tandem_platform::auth::MIN_PASSWORD_CHARS}}}}}},
                "responses": ok("{account, sessions_ended}")}}),
        ),
        (
            "/api/users/{id}/generate-password".into(),
            json!({"post": {"summary": "Set a generated password and end the account's sessions; the password is in the answer, once", "tags": ["accounts"], "parameters": [id, csrf],
                "responses": ok("{account, sessions_ended, password}")}}),
        ),
    ]
}
