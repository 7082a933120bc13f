//! The pure core of tandem.
//!
//! Plain data in, plain data out: this crate performs no I/O and holds no global state, so
//! every computation can be tested with literals and checked against reference values.
//! Loading files, databases and rendering live in other crates (`tandem-data`,
//! `tandem-store`, the CLI).
//!
//! * [`model`]: the domain vocabulary (localities, programmes and pairs, observations with
//!   units and sources, panels with explicit absence, industry classifications, events,
//!   leading industries, input-output tables).
//! * [`figures`]: choosing the figure to show (latest year, common year) with its source.
//! * [`chain`]: industry-chain maps and the gaps to fill in the helped city.
//! * [`metrics`]: regional-economics indicators (one function per indicator, formula and
//!   reference in its documentation).

pub mod advisor;
pub mod calendar;
pub mod chain;
pub mod figures;
pub mod metrics;
pub mod model;
pub mod rng;

pub use model::*;
