//! tandem's long city panel: 2000-2023 for every prefecture-level city of China.
//!
//! The panel (data/city_panel/, built from the project's shared city panel by
//! scripts/city_panel/build.py) holds every value of every source: CSMAR extracts (A, A2),
//! vendor compilations (B-E), single bulletin values (F) and derived per-capita GDP (DER).
//! It is compiled in deflated and decoded on first use ([`panel`]).
//!
//! - [`curate`]: the written rules choosing one value per (city, year, indicator); the
//!   others stay available as alternates with their sources.
//! - [`series`]: series breaks as data and growth rates that never cross one silently.
//! - [`groups`] and [`aggregate`]: groups as data and their aggregates (sums, ratios of
//!   sums), with members counted and missing ones named.
//! - [`observations`]: the chosen values as the core's observations, to lay under the
//!   bundled figures.
#![deny(missing_docs)]

pub mod aggregate;
pub mod analysis;
pub mod breaks;
pub mod curate;
pub mod decode;
pub mod error;
pub mod groups;
pub mod observations;
pub mod programme;
pub mod series;

pub use aggregate::{aggregation, Aggregation, GroupValue, Member};
pub use breaks::Break;
pub use curate::{Choice, Rules};
pub use decode::{is_decoded, panel, CityPanel, PanelNote, PanelSource, PanelValue, DATASET};
pub use error::PanelError;
pub use groups::{Group, GroupError, Groups};
pub use observations::PanelObservations;
pub use series::{Growth, GrowthError};
