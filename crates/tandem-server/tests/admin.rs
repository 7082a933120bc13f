//! The administrator's account pages and API (issue #12) through the real router and
//! database, on SQLite and PostgreSQL: only administrators see them, every change needs the
//! CSRF token, disabling, enabling, new passwords and ended sessions take effect at once in
//! this process (the session cache included), and every change is in the account's history.

mod support;

use axum::http::{header, Method, StatusCode};
use serde_json::json;
use support::{Client, Reply};
use tandem_platform::testkit;

/// Posts a page form (`_csrf` and the other fields, URL-encoded).
async fn form(c: &Client, uri: &str, fields: &[(&str, &str)]) -> Reply {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", tandem_server::kernel::http::url_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    c.raw(
        Method::POST,
        uri,
        body.into_bytes(),
        "application/x-www-form-urlencoded",
        &[],
    )
    .await
}

async fn login_status(c: &Client, username: &str, password: &str) -> StatusCode {
    c.post(
        "/api/login",
        json!({"username": username, "password": password}),
    )
    .await
    .status
}

/// Signs in with this password; panics unless it works.
async fn login_with(c: &mut Client, username: &str, password: &str) {
    let r = c
        .post(
            "/api/login",
            json!({"username": username, "password": password}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let set = r.headers[header::SET_COOKIE].to_str().unwrap();
    let token = set.split(';').next().unwrap().split_once('=').unwrap().1;
    c.cookie = Some(token.to_string());
    c.csrf = Some(r.json()["csrf_token"].as_str().unwrap().to_string());
}

fn location(r: &Reply) -> String {
    r.headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_administrator_sees_the_account_pages() {
    for t in tokio::task::block_in_place(testkit::engines) {
        let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
        let mut admin = Client::new(t.db.clone());
        admin.login("admin").await;
        let list = admin.get("/admin/users?lang=en").await;
        assert_eq!(list.status, StatusCode::OK, "{}", t.name);
        for name in [
            "admin",
            "coord",
            "hb-officer",
            "park-op",
            "firm",
            "researcher",
        ] {
            assert!(list.text().contains(name), "{name}");
        }
        assert!(list.text().contains("helped-side officer"));
        assert!(admin
            .get("/")
            .await
            .text()
            .contains("href=\"/admin/users\""));

        let target = cast.helped_officer.id;
        for user in ["coord", "hb-officer", "park-op", "firm", "researcher"] {
            let mut c = admin.another();
            c.login(user).await;
            let csrf = c.csrf.clone().unwrap();
            assert!(!c.get("/").await.text().contains("/admin/users"), "{user}");
            for path in ["/admin/users".to_string(), format!("/admin/users/{target}")] {
                assert_eq!(
                    c.get(&path).await.status,
                    StatusCode::NOT_FOUND,
                    "{user} {path}"
                );
            }
            let r = form(
                &c,
                &format!("/admin/users/{target}/disable"),
                &[("_csrf", &csrf)],
            )
            .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "{user}");
            assert_eq!(c.get("/api/users").await.status, StatusCode::FORBIDDEN);
            let r = c
                .post(&format!("/api/users/{target}/disable"), json!({}))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
            let r = c.get(&format!("/api/users/{target}/history")).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        }
        // Nothing was changed by the refusals.
        let hb = admin.another();
        assert_eq!(
            login_status(&hb, "hb-officer", testkit::PASSWORD).await,
            StatusCode::OK
        );
        let history = admin
            .get(&format!("/api/users/{target}/history"))
            .await
            .json();
        assert_eq!(history["items"], json!([]), "{}", t.name);
        // Signed out: the sign-in page.
        let anon = admin.another();
        let r = anon.get("/admin/users").await;
        assert!(location(&r).starts_with("/login"), "{:?}", r.status);
    }
}

/// The actions in the account's history, checking every entry names the admin and no entry
/// holds a password or its hash.
async fn audited_actions(admin: &Client, id: i64, secrets: &[&str]) -> Vec<String> {
    let history = admin.get(&format!("/api/users/{id}/history")).await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.text());
    for secret in secrets.iter().chain(&["$argon2"]) {
        assert!(!history.text().contains(secret), "{secret}");
    }
    let items = history.json()["items"].as_array().unwrap().clone();
    assert!(items
        .iter()
        .all(|h| h["actor"].as_str().unwrap().starts_with("admin (#")));
    items
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabling_needs_csrf_and_ends_a_cached_session_at_once() {
    for t in tokio::task::block_in_place(testkit::engines) {
        let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
        let id = cast.helped_officer.id;
        let mut admin = Client::new(t.db.clone());
        admin.login("admin").await;
        let csrf = admin.csrf.clone().unwrap();
        let mut officer = admin.another();
        officer.login("hb-officer").await;
        // The officer's session is now in the server's session cache.
        assert_eq!(officer.get("/api/me").await.status, StatusCode::OK);

        let url = format!("/admin/users/{id}/disable");
        for bad in [
            vec![("note", "x".to_string())],
            vec![("_csrf", "0".repeat(64))],
        ] {
            let fields: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = form(&admin, &url, &fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", t.name);
        }
        assert_eq!(officer.get("/api/me").await.status, StatusCode::OK);

        let r = form(&admin, &url, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}: {}", t.name, r.text());
        assert_eq!(location(&r), format!("/admin/users/{id}?done=disable"));
        // At once, not after the session cache's 5 seconds.
        assert_eq!(
            officer.get("/api/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        let again = admin.another();
        let refused = login_status(&again, "hb-officer", testkit::PASSWORD).await;
        assert_eq!(refused, StatusCode::FORBIDDEN, "{}", t.name);
        let page = admin
            .get(&format!("/admin/users/{id}?done=disable&lang=en"))
            .await;
        assert!(
            page.text().contains("The account is disabled"),
            "{}",
            page.text()
        );
        assert!(
            page.text().contains("admin (#"),
            "the history names the admin"
        );

        let r = form(
            &admin,
            &format!("/admin/users/{id}/enable"),
            &[("_csrf", &csrf)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        officer.login("hb-officer").await;
        assert_eq!(officer.get("/api/me").await.status, StatusCode::OK);
        assert_eq!(
            audited_actions(&admin, id, &[]).await,
            ["disable", "enable"]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_passwords_and_ended_sessions_take_effect_at_once_and_are_audited() {
    for t in tokio::task::block_in_place(testkit::engines) {
        let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
        let id = cast.helped_officer.id;
        let mut admin = Client::new(t.db.clone());
        admin.login("admin").await;
        let csrf = admin.csrf.clone().unwrap();
        let mut officer = admin.another();
        officer.login("hb-officer").await;
        assert_eq!(officer.get("/api/me").await.status, StatusCode::OK);

        let reset = format!("/admin/users/{id}/reset-password");
        let new_password = "a brand new secret";
        let r = form(
            &admin,
            &reset,
            &[("_csrf", &csrf), ("password", new_password)],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(
            officer.get("/api/me").await.status,
            StatusCode::UNAUTHORIZED
        );
        let c = admin.another();
        let old = login_status(&c, "hb-officer", testkit::PASSWORD).await;
        assert_eq!(old, StatusCode::FORBIDDEN, "{}", t.name);
        assert_eq!(
            login_status(&c, "hb-officer", new_password).await,
            StatusCode::OK
        );
        let short = form(&admin, &reset, &[("_csrf", &csrf), ("password", "short")]).await;
        assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);

        let generate = format!("/admin/users/{id}/generate-password?lang=en");
        let r = form(&admin, &generate, &[("_csrf", &csrf)]).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
        let text = r.text();
        let generated = text
            .split("<code class=\"password\">")
            .nth(1)
            .and_then(|rest| rest.split("</code>").next())
            .expect("the generated password is shown")
            .to_string();
        assert_eq!(
            login_status(&c, "hb-officer", new_password).await,
            StatusCode::FORBIDDEN
        );
        let mut officer = admin.another();
        login_with(&mut officer, "hb-officer", &generated).await;
        // Shown once: the account page does not have it.
        let account_page = admin.get(&format!("/admin/users/{id}")).await.text();
        assert!(!account_page.contains(&generated));

        assert_eq!(officer.get("/api/me").await.status, StatusCode::OK);
        let end = format!("/admin/users/{id}/end-sessions");
        assert_eq!(
            form(&admin, &end, &[("_csrf", &csrf)]).await.status,
            StatusCode::SEE_OTHER
        );
        assert_eq!(
            officer.get("/api/me").await.status,
            StatusCode::UNAUTHORIZED
        );

        let actions = audited_actions(&admin, id, &[new_password, &generated]).await;
        assert_eq!(
            actions,
            ["reset_password", "reset_password", "end_sessions"],
            "{}",
            t.name
        );
        let accounts = admin.get("/api/users").await.json();
        let me = accounts["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == json!(id))
            .unwrap()
            .clone();
        assert_eq!(
            (me["disabled"].clone(), me["sessions"].clone()),
            (json!(false), json!(0))
        );
        assert!(me["last_sign_in_at"].is_string(), "{me}");
        assert!(me["password_changed_at"].is_string(), "{me}");
        assert!(me.get("password_hash").is_none());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_account_api_needs_csrf_and_refuses_disabling_oneself() {
    let t = tokio::task::block_in_place(testkit::sqlite);
    let cast = tokio::task::block_in_place(|| testkit::cast(&t.db));
    let mut admin = Client::new(t.db.clone());
    admin.login("admin").await;
    let mut firm = admin.another();
    firm.login("firm").await;
    assert_eq!(firm.get("/api/me").await.status, StatusCode::OK);
    let id = cast.enterprise_user.id;

    let token = admin.csrf.take();
    let r = admin
        .post(&format!("/api/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(
        (r.status, r.json()["error"].clone()),
        (StatusCode::FORBIDDEN, json!("csrf"))
    );
    admin.csrf = token;
    assert_eq!(firm.get("/api/me").await.status, StatusCode::OK);

    let r = admin
        .post(&format!("/api/users/{id}/disable"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["account"]["disabled"].clone(),
            r.json()["sessions_ended"].clone()
        ),
        (json!(true), json!(1))
    );
    assert_eq!(firm.get("/api/me").await.status, StatusCode::UNAUTHORIZED);

    let r = admin
        .post(&format!("/api/users/{id}/reset-password"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = admin
        .post(&format!("/api/users/{id}/generate-password"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.json()["password"].as_str().unwrap().len() >= 20);
    assert_eq!(r.headers[header::CACHE_CONTROL], "no-store");
    let r = admin
        .post(&format!("/api/users/{id}/promote"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin.post("/api/users/9999/enable", json!({})).await.status,
        StatusCode::NOT_FOUND
    );

    let own = cast.admin.id;
    let r = admin
        .post(&format!("/api/users/{own}/disable"), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.json()["message"]
        .as_str()
        .unwrap()
        .contains("another administrator"));
    let csrf = admin.csrf.clone().unwrap();
    let r = form(
        &admin,
        &format!("/admin/users/{own}/disable"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Ending one's own sessions signs one out.
    let r = form(
        &admin,
        &format!("/admin/users/{own}/end-sessions"),
        &[("_csrf", &csrf)],
    )
    .await;
    assert!(location(&r).starts_with("/login"), "{:?}", r.status);
    assert_eq!(admin.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}
