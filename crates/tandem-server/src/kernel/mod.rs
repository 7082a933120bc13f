//! The web kernel every feature builds on, and which knows no feature: application state,
//! the page frame and language, labels shared by pages, CSRF, failure pages and error
//! mapping, HTTP helpers, the session extractors and the login limiter, bounded uploads, the
//! blocking-work helper, the pieces shared by the OpenAPI fragments, and the advisor on live
//! records.

pub mod error;
pub mod http;
pub(crate) mod labels;
pub(crate) mod live;
pub(crate) mod openapi;
pub(crate) mod page;
pub(crate) mod record_view;
pub mod run;
pub mod session;
pub(crate) mod session_cache;
pub mod state;
pub(crate) mod throttle;
pub(crate) mod trace;
pub(crate) mod upload;
