//! Drives the whole router in process (no network): real database, real sessions.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub csrf: Option<String>,
    /// The client address the login limiter sees.
    pub addr: std::net::SocketAddr,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn etag(&self) -> String {
        self.headers[header::ETAG].to_str().unwrap().to_string()
    }
}

impl Client {
    pub fn new(db: tandem_platform::Db) -> Client {
        Client {
            app: tandem_server::router(tandem_server::AppState::new(db)),
            cookie: None,
            csrf: None,
            addr: "127.0.0.1:40000".parse().unwrap(),
        }
    }

    /// A second client on the same application (another browser).
    pub fn another(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookie: None,
            csrf: None,
            addr: self.addr,
        }
    }

    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let bytes = body.map(|b| b.to_string().into_bytes()).unwrap_or_default();
        self.raw(method, uri, bytes, "application/json", extra)
            .await
    }

    pub async fn raw(
        &self,
        method: Method,
        uri: &str,
        body: Vec<u8>,
        content_type: &str,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut req = Request::builder()
            .method(method.clone())
            .uri(uri)
            .header(header::HOST, "127.0.0.1:8080");
        if !body.is_empty() {
            req = req.header(header::CONTENT_TYPE, content_type);
        }
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, format!("tandem_session={c}"));
        }
        if method != Method::GET {
            if let Some(t) = &self.csrf {
                req = req.header("x-csrf-token", t);
            }
        }
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Body::from(body)).unwrap();
        req.extensions_mut().insert(ConnectInfo(self.addr));
        let resp = self.app.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.send(Method::GET, uri, None, &[]).await
    }
    pub async fn post(&self, uri: &str, body: Value) -> Reply {
        self.send(Method::POST, uri, Some(body), &[]).await
    }
    pub async fn patch(&self, uri: &str, body: Value, if_match: Option<&str>) -> Reply {
        match if_match {
            Some(v) => {
                self.send(Method::PATCH, uri, Some(body), &[("if-match", v)])
                    .await
            }
            None => self.send(Method::PATCH, uri, Some(body), &[]).await,
        }
    }

    /// Signs in; panics unless it works.
    pub async fn login(&mut self, username: &str) {
        let r = self
            .post("/api/login", serde_json::json!({"username": username, "password": tandem_platform::testkit::PASSWORD}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let set = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        let token = set
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        self.cookie = Some(token);
        self.csrf = Some(r.json()["csrf_token"].as_str().unwrap().to_string());
    }
}
pub mod real;
