//! Regional-economics indicators.
//!
//! One function per indicator; each documents its formula, units, a reference and how it
//! treats zeros and missing cells. Matrices are dense row-major `&[f64]` with explicit
//! dimensions, or a [`crate::Panel`] year slice.

pub mod assessment;
pub mod complexity;
pub mod composite;
pub mod convergence;
pub mod disparity;
pub mod gradient;
pub mod input_output;
pub mod regression;
pub mod shift_share;
pub mod spatial;
pub mod specialisation;
pub mod structure;

mod distributions;
mod error;
pub use error::MetricError;
