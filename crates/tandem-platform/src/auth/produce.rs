//! Who may see and keep the farm-produce supply records (issue #17, part 5), decided before
//! the general role rules of [`super::allowed`]:
//!
//! * the officers of a pair (either side) read, create and update the pair's bases,
//!   certifications, buyers, contracts, deliveries and fairs; a certification, contract or
//!   delivery belongs to the pair of its base or contract (derived, never typed), so a
//!   delivery under another pair's contract is another pair's; deletion is for the staff;
//! * park operators and enterprise users have none of them: a supply base is a farm or a
//!   cooperative, not a park, and buyers are recorded by the bureaus, not linked to
//!   enterprise accounts;
//! * researchers read what is public anyway (bases, their certificates, the fairs) and the
//!   pair totals ([`may_read_totals`]), never a buyer, contract or delivery: those are the
//!   commercial terms between named firms;
//! * the administrator and coordinators do everything.

use super::{Action, Role, Scope, User};
use crate::db::Value;

/// The produce record types.
pub const ENTITIES: &[&str] = &[
    "supply_bases",
    "base_certifications",
    "produce_buyers",
    "supply_contracts",
    "deliveries",
    "produce_events",
];

/// The produce record types a researcher reads: facts published anyway (certificates are
/// listed by the certifiers, fairs by the press), not commercial terms.
const RESEARCHER_READS: &[&str] = &["supply_bases", "base_certifications", "produce_events"];

/// The rule for a produce record type; `None` for other types.
pub(super) fn allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    if !ENTITIES.contains(&entity) {
        return None;
    }
    Some(match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Researcher => action == Action::Read && RESEARCHER_READS.contains(&entity),
        Role::Officer { pair_id, .. } => {
            action != Action::Delete && scope.pair_id.as_deref() == Some(pair_id.as_str())
        }
        Role::ParkOperator { .. } | Role::Enterprise { .. } => false,
    })
}

/// [`allowed`] for reads as a SQL condition over the row's own `pair_id`; `None` when every
/// row is readable. Only for the produce types.
pub(super) fn read_filter(user: &User, entity: &str) -> Option<(String, Vec<Value>)> {
    let none = || Some(("1 = 0".to_string(), Vec::new()));
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Researcher if RESEARCHER_READS.contains(&entity) => None,
        Role::Officer { pair_id, .. } => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
        Role::Researcher | Role::ParkOperator { .. } | Role::Enterprise { .. } => none(),
    }
}

/// Whether `user` may read the produce totals of `pair` (volumes and values by product and
/// year, the helper-side share): the pair's officers, researchers, coordinators and the
/// administrator. Park operators and enterprise users may not.
pub fn may_read_totals(user: &User, pair: &str) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator | Role::Researcher => true,
        Role::Officer { pair_id, .. } => pair_id == pair,
        Role::ParkOperator { .. } | Role::Enterprise { .. } => false,
    }
}
