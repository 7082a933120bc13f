//! Request tracing: one span per request with its method, route, status, latency and the
//! signed-in user's id (recorded by the session extractors), and one event when it ends —
//! `INFO` normally, `WARN` for a 4xx refusal that is worth an operator's eye (403, 429),
//! `ERROR` for a 5xx. Nothing is printed unless the binary installs a subscriber
//! (`tandem serve --log info --log-format json`).

use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use std::time::Instant;
use tracing::field::Empty;
use tracing::Instrument;

/// Wraps a request in its span and logs its outcome.
pub(crate) async fn trace_request(req: Request, next: Next) -> Response {
    // The route template (`/api/{entity}/{id}`), never the raw path: ids and queries stay out
    // of the logs and the routes can be counted.
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(no route)".to_string(), |p| p.as_str().to_string());
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        route = %route,
        user = Empty,
    );
    let started = Instant::now();
    let response = next.run(req).instrument(span.clone()).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    log_outcome(&span, response.status(), latency_ms);
    response
}

fn log_outcome(span: &tracing::Span, status: StatusCode, latency_ms: f64) {
    let code = status.as_u16();
    let _in_span = span.enter();
    if status.is_server_error() {
        tracing::error!(status = code, latency_ms, "request failed");
    } else if status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS {
        tracing::warn!(status = code, latency_ms, "request refused");
    } else {
        tracing::info!(status = code, latency_ms, "request");
    }
}

/// Records the signed-in user on the current request's span.
pub(crate) fn record_user(user_id: i64) {
    tracing::Span::current().record("user", user_id);
}
