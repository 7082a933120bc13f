//! What a command works on: the bundled data, optionally with a workspace dataset layered
//! over it.

use anyhow::Result;
use std::collections::HashSet;
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

    /// The observations to work on with the long city panel underneath: the panel's chosen
    /// values (curation rules, `CAUTION` cells excluded) for the programme's localities and
    /// the 41 YRD cities, the bundled figures over them, the named dataset over both.
    pub fn observations_with_panel(&self, dataset: Option<&str>) -> Result<PanelLayered> {
        let bundle = self.bundle();
        let groups = tandem_panel::Groups::builtin();
        let wanted: HashSet<&str> = ["yrd41", "helpers", "helped"]
            .iter()
            .filter_map(|g| groups.get(g))
            .flat_map(|g| g.members.iter().map(String::as_str))
            .collect();
        let panel = tandem_panel::panel().observations(
            &bundle.localities,
            &tandem_panel::Rules::default(),
            |l| wanted.contains(l.id.as_str()),
        );
        let with_bundled = layer(&panel.observations, &bundle.observations);
        let observations = match dataset {
            None | Some("bundled") => with_bundled,
            Some(name) => layer(&with_bundled, &self.workspace()?.observations(name)?),
        };
        Ok(PanelLayered {
            observations,
            excluded_caution: panel.excluded_caution,
        })
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

/// Observations with the city panel underneath, and what its rules set aside.
pub struct PanelLayered {
    /// Panel, then bundled, then the dataset: the later wins per (locality, year, indicator).
    pub observations: Vec<Observation>,
    /// Panel values flagged `CAUTION` that were excluded.
    pub excluded_caution: usize,
}

impl PanelLayered {
    /// The note every listing that used the panel prints.
    pub fn note(&self) -> String {
        format!(
            "Under the bundled figures: the city panel 2000-2023 (data/city_panel; official statistics from secondary compilations, ranked below a bureau's own release); {} panel values flagged CAUTION were excluded. Values marked \"derived\" are computed, not published.",
            self.excluded_caution
        )
    }
}
