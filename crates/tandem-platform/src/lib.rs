//! The operating platform of tandem without HTTP: records (programme, pairs, sub-pairs, parks,
//! enterprises, projects and their lifecycle, plans and tasks, secondments, events), storage on
//! SQLite or PostgreSQL with versioned migrations, accounts and roles, the authorisation
//! policy, the audit log, review flags, the dashboard's figures, backup and restore, and XLSX
//! import and export of projects and tasks.
//!
//! The HTTP server (`tandem-server`) and the CLI are thin layers over this crate.

pub mod accounts;
pub mod assessment;
pub mod auth;
pub mod backup;
pub mod barrier_rules;
pub mod barriers;
pub mod bulk;
pub mod chain_book;
pub mod chain_import;
pub mod chains;
pub mod clock;
pub mod dashboard;
pub mod db;
pub mod dispute_rules;
pub mod disputes;
pub mod docking;
pub mod docking_rules;
pub mod entity;
pub mod error;
pub mod flags;
pub mod innovation;
pub mod ledger;
pub mod limits;
pub mod lists;
pub mod live;
pub mod migrate;
pub mod produce;
pub mod produce_xlsx;
pub mod seed;
pub mod service;
pub mod sheets;
pub mod survey;
pub mod testkit;

pub use auth::{Action, Role, User};
pub use db::{Db, DbError, Engine, Target};
pub use error::PlatformError;
pub use service::Record;

/// Opens a platform database: connects, applies migrations, loads the bundled programme on
/// first start.
pub fn open(target: &Target) -> Result<Db, DbError> {
    let db = Db::open(target)?;
    migrate::migrate(&db)?;
    seed::seed_bundled(&db)?;
    Ok(db)
}

/// The default platform database: `platform.sqlite` beside the workspace database
/// (`$TANDEM_PLATFORM_DB`, else `$XDG_DATA_HOME/tandem/`, else `~/.local/share/tandem/`).
pub fn default_target() -> Target {
    if let Some(url) = std::env::var_os("TANDEM_PLATFORM_DB") {
        if let Ok(t) = Target::parse(&url.to_string_lossy()) {
            return t;
        }
    }
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::Path::new(&h).join(".local/share")))
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    Target::Sqlite(base.join("tandem").join("platform.sqlite"))
}
