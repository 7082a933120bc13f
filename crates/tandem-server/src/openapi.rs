//! The OpenAPI 3.0 document of the JSON API, composed of the features' fragments (each
//! feature describes its own routes; the record routes are generated from the descriptors so
//! they cannot drift from what the server accepts).

use crate::features::{
    accounts, assessment, barriers, chain_import, chains, dashboard, disputes, docking, innovation,
    parks, projects, records_openapi, sheets, sign_in, surveys,
};
use crate::kernel::openapi::error_schema;
use serde_json::{json, Map, Value};
use tandem_platform::entity::ENTITIES;

/// The document served at `/api/openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut components = Map::new();
    components.insert("Error".into(), error_schema());
    for e in ENTITIES {
        records_openapi::record_paths(e, &mut paths, &mut components);
    }
    projects::openapi_paths(&mut paths);
    sign_in::openapi_paths(&mut paths);
    dashboard::openapi_paths(&mut paths);
    sheets::openapi_paths(&mut paths);
    parks::ledger::openapi_paths(&mut paths);
    paths.extend(docking::openapi_paths());
    paths.extend(accounts::openapi_paths());
    paths.extend(surveys::openapi_paths());
    paths.extend(assessment::openapi_paths());
    paths.extend(chains::openapi_paths());
    paths.extend(chain_import::openapi_paths());
    paths.extend(barriers::openapi_paths());
    paths.extend(disputes::openapi_paths());
    paths.extend(crate::features::produce::openapi_paths());
    paths.extend(innovation::openapi_paths());
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tandem platform API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Records of a city-pairing cooperation programme. Sign in with POST /api/login; send the session cookie and, on changes, the X-CSRF-Token header. Changes carry the version edited (If-Match or a version field)."},
        "components": {"schemas": components, "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "tandem_session"}}},
        "security": [{"session": []}],
        "paths": paths,
    })
}

/// `GET /api/openapi.json`: the document, cacheable for a minute.
pub async fn handler() -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let mut r = axum::Json(document()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60"),
    );
    r
}
