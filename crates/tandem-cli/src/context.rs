//! What a command works on: the bundled data, optionally with a workspace dataset layered
//! over it.

use anyhow::Result;
use std::path::PathBuf;
use tandem_core::{layer, Locality, Observation};
use tandem_data::bundled::{bundle, Bundle};
use tandem_store::Workspace;

/// Shared state of one invocation. The workspace database is opened only by the commands
/// that need it, so `tandem pairs` on the bundled data never touches the disk.
pub struct Context {
    db: Option<PathBuf>,
}

impl Context {
    pub fn new(db: Option<PathBuf>) -> Context {
        Context { db }
    }

    pub fn db_path(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(tandem_store::default_path)
    }

    pub fn workspace(&self) -> Result<Workspace> {
        Ok(Workspace::open(&self.db_path())?)
    }

    pub fn bundle(&self) -> &'static Bundle {
        bundle()
    }

    /// The localities known to tandem.
    pub fn localities(&self) -> &'static [Locality] {
        &self.bundle().localities
    }

    /// The observations to work on: the bundled ones, with the named dataset's laid over
    /// them (its values win for the same locality, year and indicator).
    pub fn observations(&self, dataset: Option<&str>) -> Result<Vec<Observation>> {
        let base = &self.bundle().observations;
        match dataset {
            None | Some("bundled") => Ok(base.clone()),
            Some(name) => {
                let over = self.workspace()?.observations(name)?;
                Ok(layer(base, &over))
            }
        }
    }
}
