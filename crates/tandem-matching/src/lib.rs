//! Docking and matching for industrial transfer (issue #7): enterprises that want to move or
//! expand, parks that want them, and capital for projects.
//!
//! * [`model`]: demands, park offers, capital providers, projects.
//! * [`MatchContext`]: localities with coordinates and distances, the programme's pairs,
//!   the industry space (sector proximity, city relatedness density, input-output
//!   coefficients) — built from tandem-core types, or from the bundled data.
//! * [`score`]: the seven documented components of a demand-park score, hard constraints,
//!   explanations ([`Problem`]).
//! * [`shortlist`]: top-k parks per demand and top-k demands per park in one multi-threaded
//!   pass over flat arrays.
//! * [`assign`]: the capacity-constrained assignment of maximum total score (min-cost flow,
//!   exact).
//! * [`stable`]: demand-proposing deferred acceptance with park capacities.
//! * [`capital`]: projects with capital providers.
//! * [`io`]: reading the four record kinds from CSV or XLSX (the only module touching files).
//!
//! Weights and parameters: [`Weights`], shipped in data/matching_weights.toml.

pub mod assign;
pub mod capital;
pub mod context;
pub mod geo;
pub mod io;
pub mod model;
pub mod score;
pub mod shortlist;
pub mod stable;
pub mod weights;

pub use assign::{assign, AssignError, Assignment};
pub use capital::{CapitalInfeasible, CapitalProblem};
pub use context::{ContextError, MatchContext, Place};
pub use model::{
    CapitalProvider, Date, Demand, ParkOffer, ProjectNeed, RegionMode, Stage, Visibility,
};
pub use score::{Component, Explanation, Infeasible, MatchError, ParkBlocks, Problem, Resource};
pub use shortlist::{shortlists, Entry, Shortlists, TopK};
pub use stable::{blocking_pair, deferred_acceptance, stable_matching};
pub use weights::{Weights, WeightsError};
