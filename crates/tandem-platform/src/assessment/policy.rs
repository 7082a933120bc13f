//! Who may run, read and review assessments. The rules of issue #16 follow the platform's role
//! model ([`crate::auth`]):
//!
//! * a run of a park's enterprises is started by the park's operator, the pair's officers, a
//!   coordinator or the administrator; a run of a pair's parks by the pair's officers, a
//!   coordinator or the administrator;
//! * a whole run (every unit's figures and scores) is read by those who may start it;
//! * the assessed party reads its own unit's result in a run, nothing else of it, and objects
//!   to it ([`own_unit`]): an enterprise in a run of its park's enterprises, a park (its
//!   operator) in a run of its pair's parks;
//! * an objection is decided by a reviewer: the helped side's officer of the run's pair (the
//!   side that runs the park), a coordinator or the administrator;
//! * researchers read no run and no unit, only aggregates ([`super::aggregates`]).
//!
//! A run a user may not read answers "not found", as records do.

use super::model::RunSummary;
use crate::auth::{Role, User};
use crate::db::Value;

/// Whether `user` may start a run in `pair` (and `park`, for an enterprise scheme).
pub fn may_start(user: &User, pair: &str, park: Option<i64>) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Officer { pair_id, .. } => pair_id == pair,
        Role::ParkOperator { park_id } => park == Some(*park_id),
        Role::Enterprise { .. } | Role::Researcher => false,
    }
}

/// Whether `user` may read the whole of `run`.
pub fn may_read_run(user: &User, run: &RunSummary) -> bool {
    may_start(user, &run.pair_id, run.park_id)
}

/// Whether `user` may decide objections to `run`.
pub fn may_review(user: &User, run: &RunSummary) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Officer { pair_id, side } => *pair_id == run.pair_id && side == "helped",
        _ => false,
    }
}

/// [`may_read_run`] as a SQL condition on `assessment_runs` (with its parameters); `None` when
/// every run is readable.
pub fn run_read_filter(user: &User) -> Option<(String, Vec<Value>)> {
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Officer { pair_id, .. } => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
        Role::ParkOperator { park_id } => Some(("park_id = ?".into(), vec![Value::Int(*park_id)])),
        Role::Enterprise { .. } | Role::Researcher => Some(("1 = 0".into(), Vec::new())),
    }
}

/// The enterprise whose own results `user` reads, if the user is an enterprise.
pub fn own_enterprise(user: &User) -> Option<i64> {
    match &user.role {
        Role::Enterprise { enterprise_id } => Some(*enterprise_id),
        _ => None,
    }
}

/// The park whose own results `user` reads in park runs, if the user is a park operator.
pub fn own_park(user: &User) -> Option<i64> {
    match &user.role {
        Role::ParkOperator { park_id } => Some(*park_id),
        _ => None,
    }
}

/// The unit `user` is the assessed party of in `run`, if any: the user's enterprise in a run
/// of a park's enterprises (`park_id` set), the operator's park in a run of a pair's parks.
/// Whether the unit was in fact assessed in the run is for the caller to look up.
pub fn own_unit(user: &User, run: &RunSummary) -> Option<i64> {
    match run.park_id {
        Some(_) => own_enterprise(user),
        None => own_park(user),
    }
}
