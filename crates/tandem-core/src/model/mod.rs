//! The domain vocabulary shared by every crate.

mod event;
mod industry;
mod io_table;
mod locality;
mod observation;
mod panel;
mod programme;
mod units;

pub use event::{CooperationEvent, EventKind, IndustryRole, LeadingIndustry, PartialDate};
pub use industry::{Classification, Concordance, Sector};
pub use io_table::{IoTable, IoTableError, IoTableKind, NamedVector};
pub use locality::{Locality, LocalityLevel, Province};
pub use observation::{
    indicator, layer, Indicator, Observation, ObservationKey, Series, Source, SourceQuality,
    INDICATORS, SECTOR_LEVELS, SECTOR_SHARES,
};
pub use panel::{Absent, Panel, PanelError};
pub use programme::{Pair, Programme, SubPair};
pub use units::{Dimension, Quantity, Unit, UnitError};
