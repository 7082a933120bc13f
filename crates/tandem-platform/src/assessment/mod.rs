//! Assessment in the platform (issue #16, part 2): a scheme ([`tandem_assess::Scheme`]) applied
//! to one year's annual figures of a park's enterprises (or of a pair's parks), stored so it can
//! be shown, objected to and reproduced later.
//!
//! * A run keeps the scheme's TOML text, every input figure (`inputs_json`) and the whole
//!   [`tandem_assess::Assessment`] (`result_json`: values, benchmarks, weights, scores, tiers,
//!   ranks, reasons), and each unit's result once more as a row of `assessment_scores`, so reads
//!   can be restricted by unit. Runs are append-only (per-engine triggers);
//!   [`runs::reproduce`] re-scores a stored run from its own inputs and scheme text.
//! * Within a run's objection window the assessed unit objects to one of its figures with
//!   evidence ([`objections::file`]): an enterprise in a run of its park's enterprises, a
//!   park's operator in a run of its pair's parks; a reviewer (the pair's helped-side officer, a coordinator or the
//!   administrator) accepts it, which corrects the figure as an audited record change and makes
//!   a new revision of the run linked to the old one, or rejects it with reasons
//!   ([`objections::decide`]).
//! * Who reads what is [`policy`]: the pair's officers and the park's operator read the run,
//!   an assessed enterprise or park its own unit, researchers only [`aggregates::by_industry`].
//!
//! * [`advice::park_assessments`] gives a pair's park runs to the advisor, which then decides
//!   "park facilities and services lag" from them.
//!
//! Every write is audited in `audit_log` (entities `assessment_runs`, `assessment_objections`
//! and, for a corrected figure, `enterprise_figures` or `park_figures`).

pub mod advice;
pub mod aggregates;
pub mod inputs;
pub mod model;
pub mod objections;
pub mod policy;
pub mod runs;

pub use model::{NewObjection, NewRun, Objection, Run, RunSummary, UnitScore};
