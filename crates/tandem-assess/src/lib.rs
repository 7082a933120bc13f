//! Assessment the way the provinces run it: scoring schemes as data (TOML) — indicators
//! derived from a unit's figures, benchmarks by industry, caps, weights, eligibility rules and
//! tiers — and runs that keep every input and intermediate value.
//!
//! The methods are the core's ([`tandem_core::metrics::assessment`]); this crate knows the
//! schemes and the runs, not files, databases or the command line. Shipped schemes are in
//! `schemes/` ([`EXAMPLE_PER_MU`]).

#![warn(missing_docs)]

pub mod advice;
pub mod run;
pub mod scheme;
pub mod weighting;

pub use advice::{park_assessments, AdviceError};
pub use run::{assess, Assessment, IndicatorScore, Unit, UnitResult};
pub use scheme::{Scheme, SchemeError, Subject};
pub use weighting::Weighting;

/// An example per-mu evaluation of industrial enterprises (schemes/per_mu_example.toml): the
/// indicator list of the provincial per-mu evaluations with illustrative weights, benchmarks
/// and tiers (not any province's published values).
pub const EXAMPLE_PER_MU: &str = include_str!("../schemes/per_mu_example.toml");

/// Linhai (Zhejiang) per-mu evaluation of enterprises on 3 mu or more, 2014-2016
/// (schemes/linhai_per_mu_2014.toml): published indicators, benchmarks and weights, cited;
/// the cap and tier thresholds are marked as tandem's illustration.
pub const LINHAI_PER_MU_2014: &str = include_str!("../schemes/linhai_per_mu_2014.toml");

/// An example appraisal of co-built parks against the helper's parks
/// (schemes/parks_vs_helper_example.toml); illustrative benchmarks.
pub const PARKS_VS_HELPER_EXAMPLE: &str = include_str!("../schemes/parks_vs_helper_example.toml");

/// An example evaluation of a city's business environment against the helper city
/// (schemes/environment_vs_helper_example.toml); illustrative benchmarks.
pub const ENVIRONMENT_VS_HELPER_EXAMPLE: &str =
    include_str!("../schemes/environment_vs_helper_example.toml");

/// The shipped schemes as (id, TOML text).
pub const SHIPPED: &[(&str, &str)] = &[
    ("per-mu-example", EXAMPLE_PER_MU),
    ("linhai-per-mu-2014", LINHAI_PER_MU_2014),
    ("parks-vs-helper-example", PARKS_VS_HELPER_EXAMPLE),
    (
        "environment-vs-helper-example",
        ENVIRONMENT_VS_HELPER_EXAMPLE,
    ),
];

/// The TOML of the shipped scheme `id`, if there is one.
pub fn shipped(id: &str) -> Option<&'static str> {
    SHIPPED.iter().find(|(i, _)| *i == id).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests;
