//! Where `tandem panel` reads from: the compiled-in panel, or a copy with an imported dataset
//! laid over it.

use crate::context::Context;
use anyhow::Result;
use tandem_panel::{panel, CityPanel};

/// The compiled-in panel, or a copy with an imported dataset laid over it.
pub enum PanelSource {
    /// The compiled-in panel as it is.
    Bundled,
    /// A copy with a dataset over it, and how many of its values had no panel cell.
    Overlaid(Box<CityPanel>, usize),
}

impl PanelSource {
    /// Loads the dataset named by `--data`, if any, from the workspace.
    pub fn load(ctx: &Context, dataset: Option<&str>) -> Result<PanelSource> {
        let Some(name) = dataset.filter(|d| *d != "bundled") else {
            return Ok(PanelSource::Bundled);
        };
        let observations = ctx.workspace()?.observations(name)?;
        let (p, skipped) = panel().with_overlay(&observations, ctx.localities());
        Ok(PanelSource::Overlaid(Box::new(p), skipped))
    }

    /// The panel to read.
    pub fn panel(&self) -> &CityPanel {
        match self {
            PanelSource::Bundled => panel(),
            PanelSource::Overlaid(p, _) => p,
        }
    }
}
