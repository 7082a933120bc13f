//! Queries on enterprise registry microdata, on Apache DataFusion embedded in the process or on
//! an Apache Ballista cluster running the same plans.
//!
//! A registry is the directory of Parquet files documented in docs/REGISTRY.md (written by
//! `tandem registry generate` or `tandem registry import`). Every query here is one function
//! that builds one SQL statement ([`sql`]) and runs it on a [`Registry`], whichever [`Engine`]
//! opened it, so the embedded and the distributed answer come from the same plan:
//!
//! - [`panel`]: city x industry x year counts, births, deaths and registered capital, at 2- or
//!   4-digit industry; [`panel::counts_matrix`] turns a year of it into the indicator library's
//!   input (location quotients, complexity, relatedness on firm counts);
//! - [`flows`]: inter-city investment flows per year, and per pair and direction with the share
//!   of the helped city's new capital that comes from its helper, before and after the start;
//! - [`transfers`]: relocations, new subsidiaries and branches of helper-side firms in helped
//!   cities, listed and counted, and the platform's figure "enterprises of helper origin in the
//!   helped city" per pair;
//! - [`cluster`]: the Ballista scheduler and executor roles that `tandem cluster` runs.
//!
//! Results are Arrow record batches in a fixed order; [`output`] writes them as CSV, JSON
//! lines or Parquet. The crate knows nothing of the command line.
#![deny(missing_docs)]

pub mod cluster;
pub mod engine;
pub mod flows;
pub mod output;
pub mod pairs;
pub mod panel;
pub mod sql;
pub mod transfers;

pub use datafusion::arrow::record_batch::RecordBatch;
pub use engine::{Engine, Registry, Tuning};
pub use pairs::PairCities;

/// What can go wrong opening a registry or running a query.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// An `--engine` value that is neither `embedded` nor `ballista://host:port`.
    #[error("bad engine `{0}`: write `embedded` or `ballista://HOST:PORT` (the address of a `tandem cluster scheduler`)")]
    Engine(String),
    /// The registry directory lacks a table file.
    #[error("{path} is missing; a registry directory holds firms.parquet, establishments.parquet, links.parquet and address_changes.parquet (`tandem registry generate` or `tandem registry import` writes one)")]
    MissingTable {
        /// The expected file.
        path: std::path::PathBuf,
    },
    /// DataFusion or Ballista failed (planning, reading, executing, or the cluster).
    #[error("query failed: {0}")]
    DataFusion(#[from] datafusion::error::DataFusionError),
    /// A query needed more memory than the embedded engine's limit and could not spill.
    #[error("the query needs more than the {limit_mib} MiB it may use on this machine ({detail}); raise --memory-limit if the machine has more, or run it on a cluster (--engine ballista://HOST:PORT)")]
    OutOfMemory {
        /// The limit, in MiB.
        limit_mib: u64,
        /// DataFusion's account of what asked for more.
        detail: String,
    },
    /// The cluster cancelled the job. tandem's scheduler does so to every running job when an
    /// executor is lost, rather than trust Ballista 55's recovery (`cluster.rs`).
    #[error("the cluster cancelled the query ({0}); tandem's scheduler cancels the running queries when an executor is lost (its log names it), so run the query again: it runs on the executors that remain")]
    Cancelled(String),
    /// A query did not finish within its time limit.
    #[error("the query did not finish within {0} s; raise --timeout, or check that the cluster's executors are alive (`tandem cluster executor` logs)")]
    Timeout(u64),
    /// An output file could not be written.
    #[error("cannot write {path}: {reason}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        reason: String,
    },
    /// A cluster role failed to start or stopped with an error.
    #[error("cluster: {0}")]
    Cluster(String),
    /// A value the query needs is out of range.
    #[error("{0}")]
    Invalid(String),
}
