//! Assessment the way the provinces run it: scoring schemes as data (TOML) — indicators
//! derived from a unit's figures, benchmarks by industry, caps, weights, eligibility rules and
//! tiers — and runs that keep every input and intermediate value.
//!
//! The methods are the core's ([`tandem_core::metrics::assessment`]); this crate knows the
//! schemes and the runs, not files, databases or the command line. Shipped schemes are in
//! `schemes/` ([`EXAMPLE_PER_MU`]).

#![warn(missing_docs)]

pub mod run;
pub mod scheme;

pub use run::{assess, Assessment, IndicatorScore, Unit, UnitResult};
pub use scheme::{Scheme, SchemeError, Subject};

/// An example per-mu evaluation of industrial enterprises (schemes/per_mu_example.toml): the
/// indicator list of the provincial per-mu evaluations with illustrative weights, benchmarks
/// and tiers (not any province's published values).
pub const EXAMPLE_PER_MU: &str = include_str!("../schemes/per_mu_example.toml");

#[cfg(test)]
mod tests;
