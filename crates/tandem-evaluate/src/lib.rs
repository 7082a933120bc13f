//! Impact evaluation: did a programme change the treated units, compared with units that
//! were not treated? Pure estimators over plain data (no files, no CLI), each documented with
//! its formula and reference and tested against the packages researchers use
//! (tests/golden: moderndid, pyfixest, pybacondecomp, an exact simplex QP, synthdid).
//!
//! - [`did`]: Callaway & Sant'Anna (2021) group-time ATT(g,t) with outcome-regression, IPW and
//!   doubly robust (Sant'Anna & Zhao 2020) estimators for balanced panels, unbalanced panels
//!   and repeated cross-sections, aggregations, pre-trend test and the multiplier bootstrap.
//! - [`twfe`]: two-way fixed effects, its event-study form, and the Goodman-Bacon (2021)
//!   decomposition.
//! - [`synth`]: synthetic control (Abadie, Diamond & Hainmueller 2010) with exact simplex
//!   weights, placebo inference and leave-one-out.
//! - [`sdid`]: synthetic difference-in-differences (Arkhangelsky et al. 2021).
//! - [`honest`]: sensitivity of event-study estimates to violations of parallel trends
//!   (Rambachan & Roth 2023).
#![deny(missing_docs)]

pub mod did;
pub mod honest;
pub mod sdid;
pub mod synth;
pub mod twfe;
