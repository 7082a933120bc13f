//! tandem's operating platform over HTTP.
//!
//! * `/api/…` — the JSON API for every record type, with pagination, filters, ETags and
//!   `If-Match`, the project lifecycle, histories, the dashboard, XLSX import and export,
//!   described by `/api/openapi.json`;
//! * `/…` — the server-rendered web UI in Chinese and English (dashboard with map, pair pages
//!   with the advisor's diagnosis from live records plus statistics, park and project pages,
//!   the plan board, forms for every record type, history pages).
//!
//! Handlers are thin: state is explicit ([`AppState`]), the signed-in user comes from an
//! extractor ([`session::ApiSession`], [`session::PageSession`]), and everything else is in
//! `tandem_platform`.
//!
//! Layout: [`kernel`] (state, page frame, session, errors, HTTP helpers) knows no feature; each
//! module of `features` owns its pages and API routes and depends only on the kernel and the
//! platform; this file composes their routers; [`openapi`] composes their descriptions; [`net`]
//! is the listening socket.

mod features;
pub mod kernel;
pub mod net;
pub mod openapi;

pub use kernel::session;
pub use kernel::state::{AppState, DASHBOARD_MAX_AGE, PASSWORD_CHECKS_AT_ONCE};

use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tandem_platform::Db;

/// The whole application.
pub fn router(state: AppState) -> Router {
    let api = features::api_routes()
        .route("/openapi.json", get(openapi::handler))
        .fallback(kernel::http::not_found);
    Router::new()
        .nest("/api", api)
        .merge(features::page_routes())
        .route("/healthz", get(|| async { "ok" }))
        // Paths no route takes (e.g. `/api/` itself): the API's JSON 404 for `/api…`, so API
        // clients always get a body that says what is wrong.
        .fallback(|uri: axum::http::Uri| async move {
            if uri.path().starts_with("/api") {
                kernel::http::not_found().await.into_response()
            } else {
                (axum::http::StatusCode::NOT_FOUND, "not found").into_response()
            }
        })
        .layer(axum::extract::DefaultBodyLimit::max(16 * 1024 * 1024))
        .layer(axum::middleware::from_fn(kernel::http::security_headers))
        .layer(axum::middleware::from_fn(kernel::trace::trace_request))
        .with_state(state)
}

/// Serves until Ctrl-C / SIGTERM with the limits of `options` (see [`net`]). `on_ready` gets
/// the bound address (port 0 picks one).
pub async fn serve(
    db: Db,
    options: net::ServeOptions,
    on_ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(options.listen).await?;
    on_ready(listener.local_addr()?);
    let state = AppState::new(db).with_trusted_proxies(options.trusted_proxies.clone());
    net::serve_on(listener, router(state), &options, shutdown_signal()).await
}

/// Resolves at Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}
