//! Enterprise registry microdata for tandem: the Parquet schema, an importer and a synthetic
//! generator.
//!
//! City statistics say how big the gaps between paired cities are; registry microdata (every
//! firm with its city, industry, dates, capital and shareholders) says whether industry
//! actually moves. This crate holds the data side of that work:
//!
//! - [`schema`]: the four tables (firms, establishments, shareholder links, address changes),
//!   documented in docs/REGISTRY.md;
//! - [`generate()`]: a seeded synthetic registry that follows the bundled city panel (firms per
//!   city by GDP, industries by three-sector structure, births and deaths, lognormal capital,
//!   gravity-decaying cross-city investment, relocations), with an optional programme effect
//!   planted for chosen pairs and its truth written to `manifest.json`;
//! - [`import`]: a registry from researchers' CSV (UTF-8 or GB18030), XLSX or Parquet exports
//!   through a column-mapping file, checked row by row, all or nothing, streamed;
//! - [`rng`]: the seeded generator and distributions (our own, so a seed's output never
//!   changes with a dependency).
//!
//! It knows nothing of the command line; `tandem registry generate` and `tandem registry import` are
//! thin shells over it.
#![deny(missing_docs)]

pub mod cities;
pub mod dates;
pub mod generate;
pub mod import;
pub mod industry;
pub mod rng;
pub mod schema;
pub mod table;

pub use generate::{generate, Effect, Manifest, Options, Params, Phase, MAX_FIRMS};

use std::path::{Path, PathBuf};

/// What can go wrong generating or writing a registry.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// A bad number of firms.
    #[error("--firms must be between 1 and {max} (got {got}); give a number in that range (a larger registry: several runs with different seeds)")]
    Firms {
        /// What was asked.
        got: u64,
        /// The limit.
        max: u64,
    },
    /// An effect that does not parse or names an unknown pair.
    #[error("bad effect `{text}`: {reason}; write PAIR:YEAR:MULTIPLIER, e.g. pair-xuzhou-huaibei:2022:3 (`tandem pairs` lists the pairs)")]
    Effect {
        /// The effect as given.
        text: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {path}: {source}; check that the directory exists and is writable")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The Parquet writer failed.
    #[error("writing Parquet failed: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
    /// A column-mapping file that cannot be read or is not valid.
    #[error("mapping {path}: {reason}; see docs/REGISTRY.md (Import) and docs/registry-mapping.example.toml")]
    Mapping {
        /// The mapping file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The output directory already holds files.
    #[error(
        "{0} exists and is not empty; give a new directory (an import never overwrites a registry)"
    )]
    OutNotEmpty(PathBuf),
    /// Rows broke rules; nothing was written.
    #[error("{} problem{} found; nothing was imported", .0.total, if .0.total == 1 { "" } else { "s" })]
    Problems(Box<import::Failure>),
    /// The bundled data has no usable city (a build defect).
    #[error("the bundled city panel has no city with GDP and coordinates (build defect)")]
    NoCities,
}

impl RegistryError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> RegistryError {
        RegistryError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
