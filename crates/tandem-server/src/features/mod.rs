//! The features: each owns its pages, its routes under `/api` and (where it has routes of its
//! own shape) its OpenAPI fragment, and depends only on the kernel and the platform.

pub(crate) mod accounts;
pub(crate) mod assessment;
pub(crate) mod barriers;
pub(crate) mod chain_import;
pub(crate) mod chains;
pub(crate) mod dashboard;
pub(crate) mod disputes;
pub(crate) mod docking;
pub(crate) mod innovation;
pub(crate) mod pairs;
pub(crate) mod parks;
pub(crate) mod plans;
pub(crate) mod produce;
pub(crate) mod projects;
pub(crate) mod records;
pub(crate) mod records_openapi;
pub(crate) mod sheets;
pub(crate) mod sign_in;
pub(crate) mod surveys;

use crate::kernel::state::AppState;
use axum::Router;

/// Every feature's routes under `/api`. Static segments win over `{entity}` captures
/// whatever the order (axum's router), so the records' generic routes cannot shadow others.
pub(crate) fn api_routes() -> Router<AppState> {
    Router::new()
        .merge(sign_in::api_routes())
        .merge(dashboard::api_routes())
        .merge(sheets::api_routes())
        .merge(projects::api_routes())
        .merge(parks::api_routes())
        .merge(docking::api_routes())
        .merge(accounts::api_routes())
        .merge(surveys::api_routes())
        .merge(assessment::api_routes())
        .merge(chains::api_routes())
        .merge(chain_import::api_routes())
        .merge(barriers::api_routes())
        .merge(disputes::api_routes())
        .merge(produce::api_routes())
        .merge(innovation::api_routes())
        .merge(records::api_routes())
}

/// Every feature's pages.
pub(crate) fn page_routes() -> Router<AppState> {
    Router::new()
        .merge(dashboard::page_routes())
        .merge(sign_in::page_routes())
        .merge(pairs::page_routes())
        .merge(parks::page_routes())
        .merge(projects::page_routes())
        .merge(plans::page_routes())
        .merge(chains::page_routes())
        .merge(chain_import::page_routes())
        .merge(barriers::page_routes())
        .merge(disputes::page_routes())
        .merge(produce::page_routes())
        .merge(innovation::page_routes())
        .merge(sheets::page_routes())
        .merge(records::page_routes())
        .merge(docking::page_routes())
        .merge(accounts::page_routes())
        .merge(surveys::page_routes())
        .merge(assessment::page_routes())
}
