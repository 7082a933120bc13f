//! Signing in and out: the login page and form, the JSON login, `me`, and the password check
//! behind both (rate-limited per client and name, bounded concurrency).

use crate::kernel::error::ApiError;
use crate::kernel::openapi::{csrf, errors, with};
use crate::kernel::page::{csrf_failure, page, safe_next, t, PageLang};
use crate::kernel::session::{
    blocking, clear_cookie, constant_time_eq, session_cookie, ApiSession, PageSession,
};
use crate::kernel::state::{AppState, *};
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json as ApiJson, Router};
use maud::html;
use serde::Deserialize;
use serde_json::{json, Value as JsonValue};
use std::net::SocketAddr;
use tandem_platform::service::PlatformError;
use tandem_platform::{auth, User};
use tandem_report::Lang;

/// `/login?next=`: where to go after signing in.
#[derive(Deserialize)]
struct LoginPageParams {
    next: Option<String>,
}

/// The posted login form (a missing field is empty).
#[derive(Deserialize)]
struct LoginForm {
    next: Option<String>,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

/// The posted sign-out form: only the CSRF token.
#[derive(Deserialize)]
struct LogoutForm {
    #[serde(rename = "_csrf")]
    csrf: Option<String>,
}

async fn login_page(page_lang: PageLang, Query(q): Query<LoginPageParams>) -> Response {
    let lang = page_lang.lang;
    // The language chosen here is remembered for the pages after sign-in.
    let page = login_form(lang, q.next.as_deref().unwrap_or("/"), None, StatusCode::OK);
    page_lang.remember(page)
}

fn login_form(lang: Lang, next: &str, error: Option<&str>, status: StatusCode) -> Response {
    let body = html! {
        @if let Some(e) = error {
            div class="flash bad" role="alert" { (e) }
        }
        form method="post" action="/login" class="card" style="max-width:420px" {
            input type="hidden" name="next" value=(next);
            label for="username" { (t(lang, "用户名", "User name")) }
            input id="username" name="username" autocomplete="username" required;
            label for="password" { (t(lang, "密码", "Password")) }
            input id="password" name="password" type="password" autocomplete="current-password" required;
            button type="submit" id="login" { (t(lang, "登录", "Sign in")) }
        }
        p { a href={ "/login?lang=" (lang.pick("en", "zh")) } { (lang.pick("English", "中文")) } }
    };
    (
        status,
        page(
            lang,
            None,
            &t(lang, "登录 tandem", "Sign in to tandem"),
            body,
        ),
    )
        .into_response()
}

async fn login_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    PageLang { lang, .. }: PageLang,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_ref());
    if !crate::kernel::session::same_origin(&headers) {
        return login_form(
            lang,
            &next,
            Some(&t(lang, "来源不符", "cross-site sign-in refused")),
            StatusCode::FORBIDDEN,
        );
    }
    let client = state.client_key(addr, &headers);
    match sign_in(&state, &client, &form.username, &form.password).await {
        Ok((_, token, _)) => {
            let mut r = Redirect::to(&next).into_response();
            if let Ok(v) = HeaderValue::from_str(&session_cookie(&headers, &token)) {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            r
        }
        Err(e) => match refusal(lang, e) {
            Ok((message, status)) => login_form(lang, &next, Some(&message), status),
            Err(e) => e.into_response(),
        },
    }
}

/// What the login form says when signing in failed, and with which status; `Err` for a
/// failure that is not the form's to explain.
fn refusal(lang: Lang, e: ApiError) -> Result<(String, StatusCode), ApiError> {
    Ok(match e {
        ApiError::BadRequest(m) => (m, StatusCode::BAD_REQUEST),
        ApiError::Busy { .. } => (
            t(
                lang,
                "服务器繁忙，请稍后再试。",
                "The server is busy; try again shortly.",
            ),
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        ApiError::TooManyAttempts { retry_after } => (
            match lang {
                Lang::Zh => format!("登录失败次数过多，请 {retry_after} 秒后再试。"),
                Lang::En => format!("Too many failed sign-ins; try again in {retry_after} s."),
            },
            StatusCode::TOO_MANY_REQUESTS,
        ),
        ApiError::Platform(PlatformError::Forbidden(_)) => (
            t(lang, "用户名或密码错误。", "Wrong user name or password."),
            StatusCode::UNAUTHORIZED,
        ),
        other => return Err(other),
    })
}

async fn logout(
    State(state): State<AppState>,
    PageSession(s): PageSession,
    Form(form): Form<LogoutForm>,
) -> Response {
    let token_ok = form
        .csrf
        .is_some_and(|c| constant_time_eq(c.as_bytes(), s.csrf.as_bytes()));
    if !token_ok {
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

/// Signs a user in: bounded input, rate limit (the attempt counts before the password is
/// checked), a bounded number of concurrent password checks, credentials, new session.
/// Returns (user, token, csrf).
pub async fn sign_in(
    state: &AppState,
    client: &str,
    username: &str,
    password: &str,
) -> Result<(User, String, String), ApiError> {
    use crate::kernel::session::{MAX_PASSWORD_BYTES, MAX_USERNAME_BYTES};
    if username.len() > MAX_USERNAME_BYTES || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::BadRequest(format!(
            "a user name has at most {MAX_USERNAME_BYTES} bytes and a password at most \
             {MAX_PASSWORD_BYTES}"
        )));
    }
    if let Err(wait) = state.limiter.attempt(client, username) {
        return Err(ApiError::TooManyAttempts { retry_after: wait });
    }
    let permit = match tokio::time::timeout(
        PASSWORD_CHECK_WAIT,
        state.password_checks.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(permit)) => permit,
        _ => {
            // Not the user's failure: the server is busy.
            state.limiter.withdraw(client, username);
            return Err(ApiError::Busy { retry_after: 5 });
        }
    };
    let db = state.db.clone();
    let (name, pw) = (username.to_string(), password.to_string());
    let found = blocking(move || -> Result<_, tandem_platform::DbError> {
        let user = db.read(|c| auth::check_credentials(c, &name, &pw))?;
        drop(permit);
        match user {
            Some(u) => {
                let (token, csrf) = db.write(|c| {
                    tandem_platform::accounts::note_sign_in(c, u.id)?;
                    auth::start_session(c, u.id)
                })?;
                Ok(Some((u, token, csrf)))
            }
            None => Ok(None),
        }
    })
    .await??;
    match found {
        Some(ok) => {
            state.limiter.succeeded(client, username);
            Ok(ok)
        }
        None => Err(ApiError::Platform(
            tandem_platform::PlatformError::Forbidden("wrong user name or password".into()),
        )),
    }
}

#[derive(serde::Deserialize)]
pub struct Login {
    username: String,
    password: String,
}

pub async fn api_login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Login>,
) -> Result<Response, ApiError> {
    if !crate::kernel::session::same_origin(&headers) {
        return Err(ApiError::Csrf);
    }
    let client = state.client_key(addr, &headers);
    let (user, token, csrf) = sign_in(&state, &client, &body.username, &body.password).await?;
    let mut r = ApiJson(json!({"user": user, "csrf_token": csrf})).into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&session_cookie(&headers, &token)).expect("ascii cookie"),
    );
    Ok(r)
}

pub async fn api_logout(
    State(state): State<AppState>,
    ApiSession(s): ApiSession,
) -> Result<Response, ApiError> {
    let db = state.db.clone();
    state.sessions.remove(&s.token);
    blocking(move || db.write(|c| auth::end_session(c, &s.token))).await??;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&clear_cookie()).expect("ascii"),
    );
    Ok(r)
}

pub async fn api_me(ApiSession(s): ApiSession) -> ApiJson<JsonValue> {
    ApiJson(json!({"user": s.user, "csrf_token": s.csrf}))
}

/// The sign-in routes under `/api`.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .route("/login", post(api_login))
        .route("/logout", post(api_logout))
        .route("/me", get(api_me))
}

/// The sign-in pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
}

/// Signing in and out, and who is signed in.
pub(crate) fn openapi_paths(paths: &mut serde_json::Map<String, serde_json::Value>) {
    let csrf = csrf();
    paths.insert(
        "/api/login".into(),
        json!({"post": {"summary": "Sign in (sets the session cookie; returns the CSRF token)", "tags": ["session"],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": with(errors(), json!({"200": {"description": "signed in", "content": {"application/json": {"schema": {"type": "object"}}}},
                "429": {"description": "too many failed attempts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}))}}),
    );
    paths.insert("/api/logout".into(), json!({"post": {"summary": "Sign out", "tags": ["session"], "parameters": [csrf], "responses": with(errors(), json!({"204": {"description": "signed out"}}))}}));
    paths.insert("/api/me".into(), json!({"get": {"summary": "The signed-in user", "tags": ["session"], "responses": with(errors(), json!({"200": {"description": "the user", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}));
}
