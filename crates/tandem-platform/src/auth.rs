//! Accounts, sessions and the authorisation policy.
//!
//! Passwords are hashed with argon2id (the `argon2` crate's defaults: m=19 MiB, t=2, p=1, the
//! OWASP minimum). Session tokens are 256 random bits; only their SHA-256 is stored, so a
//! leaked database does not yield live sessions. Each session has its own CSRF token.
//!
//! The policy is one function, [`allowed`], over (user, action, entity, the record's scope),
//! plus [`read_filter`], the same rule for reads expressed as a SQL condition so lists never
//! leak rows. Both are exercised by the authorisation-matrix test.

use crate::clock;
use crate::db::{Conn, DbError, Row, Value};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use sha2::{Digest, Sha256};

pub mod produce;

/// What a user may do is decided by the role, and for some roles by what it is bound to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Manages accounts; may do everything.
    Admin,
    /// Runs the programme: reads and writes every pair's records.
    Coordinator,
    /// An officer of one side of one pair: writes that pair's records (tasks only of its side).
    Officer { pair_id: String, side: String },
    /// Operates one park: edits the park and the projects in it.
    ParkOperator { park_id: i64 },
    /// An enterprise: sees and edits only its own enterprise and projects.
    Enterprise { enterprise_id: i64 },
    /// Reads everything, writes nothing.
    Researcher,
}

/// The role names accepted by `tandem user add --role`.
pub const ROLE_NAMES: &[&str] = &[
    "admin",
    "coordinator",
    "officer",
    "park_operator",
    "enterprise",
    "researcher",
];

impl Role {
    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Coordinator => "coordinator",
            Role::Officer { .. } => "officer",
            Role::ParkOperator { .. } => "park_operator",
            Role::Enterprise { .. } => "enterprise",
            Role::Researcher => "researcher",
        }
    }

    /// The role from its stored columns; `None` when the binding a role needs is missing.
    pub fn from_columns(
        role: &str,
        pair_id: Option<&str>,
        side: Option<&str>,
        park_id: Option<i64>,
        enterprise_id: Option<i64>,
    ) -> Option<Role> {
        Some(match role {
            "admin" => Role::Admin,
            "coordinator" => Role::Coordinator,
            "researcher" => Role::Researcher,
            "officer" => Role::Officer {
                pair_id: pair_id?.to_string(),
                side: side
                    .filter(|s| crate::entity::SIDES.contains(s))?
                    .to_string(),
            },
            "park_operator" => Role::ParkOperator { park_id: park_id? },
            "enterprise" => Role::Enterprise {
                enterprise_id: enterprise_id?,
            },
            _ => return None,
        })
    }
}

/// A signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    #[serde(flatten)]
    pub role: Role,
}

impl User {
    /// How the audit log names the user.
    pub fn actor(&self) -> String {
        format!("{} (#{}, {})", self.username, self.id, self.role.name())
    }
}

/// What a request wants to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    Read,
    Create,
    Update,
    Delete,
}

pub const ACTIONS: &[Action] = &[Action::Read, Action::Create, Action::Update, Action::Delete];

/// The parts of a record that decide who may touch it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub pair_id: Option<String>,
    pub park_id: Option<i64>,
    pub enterprise_id: Option<i64>,
    /// For tasks: the side that owns it.
    pub owner_side: Option<String>,
    /// For demands and matches: the demand's confidentiality (`open` or `restricted`).
    pub confidentiality: Option<String>,
    /// For demands and matches: the parks a restricted demand is shared with.
    pub shared_parks: Vec<i64>,
    /// For demands and matches: the pairs whose officers a restricted demand is shared with.
    pub shared_pairs: Vec<String>,
    /// For dispute cases: closed with an outcome (`closed_on` set), so only administrators
    /// and coordinators may still change it.
    pub case_closed: bool,
}

/// Entities every signed-in user may read: the public frame of the programme, parks' offers
/// and capital providers' mandates.
const PUBLIC: &[&str] = &[
    "programmes",
    "pairs",
    "sub_pairs",
    "parks",
    "events",
    "park_offers",
    "capital_providers",
    // Issue #17: institutes, their platforms and the capabilities they offer are published
    // to be found by enterprises, like parks' offers.
    "institutes",
    "innovation_platforms",
    "tech_capabilities",
];

/// Whether a demand (or a match, through its copy of the demand's scope) is visible to
/// `user`. The rule of issue #7: the enterprise itself, admin and coordinators; officers of
/// the pair that filed it, of the pairs it is shared with, or of any pair if it is open;
/// operators of the parks it is shared with, or of any park if it is open. Researchers see no
/// individual demand (they get aggregates, `docking::summary`).
pub fn demand_visible(user: &User, scope: &Scope) -> bool {
    let open = scope.confidentiality.as_deref() == Some("open");
    match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Researcher => false,
        Role::Enterprise { enterprise_id } => scope.enterprise_id == Some(*enterprise_id),
        Role::Officer { pair_id, .. } => {
            open || scope.pair_id.as_deref() == Some(pair_id.as_str())
                || scope.shared_pairs.iter().any(|p| p == pair_id)
        }
        Role::ParkOperator { park_id } => open || scope.shared_parks.contains(park_id),
    }
}

/// Whether `user` may read a match: its demand is visible to them, and a park operator sees
/// only the matches of their own park (never which other parks a demand was matched with).
fn match_visible(user: &User, scope: &Scope) -> bool {
    match &user.role {
        Role::ParkOperator { park_id } => {
            scope.park_id == Some(*park_id) && demand_visible(user, scope)
        }
        _ => demand_visible(user, scope),
    }
}

/// The docking records' rules, decided before the general role rules. Matches are created and
/// changed only by the docking workflow (`docking::refresh_matches`, `contact`, `convert`,
/// `decline`), never through the generic record API, whoever asks.
fn docking_allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    match entity {
        "matches" => Some(action == Action::Read && match_visible(user, scope)),
        "demands" => Some(match action {
            Action::Read => demand_visible(user, scope),
            Action::Delete => matches!(user.role, Role::Admin | Role::Coordinator),
            Action::Create | Action::Update => match &user.role {
                Role::Admin | Role::Coordinator => true,
                Role::Enterprise { enterprise_id } => scope.enterprise_id == Some(*enterprise_id),
                // The bureau of a pair files and edits demands on an enterprise's behalf.
                Role::Officer { pair_id, .. } => scope.pair_id.as_deref() == Some(pair_id.as_str()),
                Role::ParkOperator { .. } | Role::Researcher => false,
            },
        }),
        _ => None,
    }
}

/// The annual figures' rules (issue #16), decided before the general role rules: the
/// figures behind an assessment are confidential. Officers keep their pair's, park operators
/// their park's, an enterprise reads its own (and changes them only through an objection);
/// researchers read none (they get aggregates, `assessment::aggregates`).
fn figures_allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    if !matches!(entity, "enterprise_figures" | "park_figures") {
        return None;
    }
    Some(match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Researcher => false,
        Role::Officer { pair_id, .. } => {
            action != Action::Delete && scope.pair_id.as_deref() == Some(pair_id.as_str())
        }
        Role::ParkOperator { park_id } => {
            action != Action::Delete && scope.park_id == Some(*park_id)
        }
        Role::Enterprise { enterprise_id } => {
            action == Action::Read
                && entity == "enterprise_figures"
                && scope.enterprise_id == Some(*enterprise_id)
        }
    })
}

/// [`read_filter`] for the annual figures: [`figures_allowed`] for reads as SQL.
fn figures_read_filter(user: &User, entity: &str) -> Option<(String, Vec<Value>)> {
    let none = || Some(("1 = 0".to_string(), Vec::new()));
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Researcher => none(),
        Role::Officer { pair_id, .. } => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
        Role::ParkOperator { park_id } => Some(("park_id = ?".into(), vec![Value::Int(*park_id)])),
        Role::Enterprise { enterprise_id } if entity == "enterprise_figures" => {
            Some(("enterprise_id = ?".into(), vec![Value::Int(*enterprise_id)]))
        }
        Role::Enterprise { .. } => none(),
    }
}

/// The barrier register's rules (issue #17), decided before the general role rules. A
/// barrier names the pairs it affects (`affected_pairs`, in [`Scope::shared_pairs`]): the
/// officers of a listed pair read, create and edit it, and may list more pairs but never
/// take a pair off ([`grow_only_lists`]) nor write a list without their own; researchers read
/// every barrier (the rules compared are public documents); park operators read their park's
/// pair's, through the register only (a record alone does not say which pair a park is in:
/// [`barriers_read_filter`] with the park's pair); enterprises none; deleting is the staff's.
fn barriers_allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    if entity != "barriers" {
        return None;
    }
    Some(match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Researcher => action == Action::Read,
        Role::Officer { pair_id, .. } => {
            action != Action::Delete && scope.shared_pairs.iter().any(|p| p == pair_id)
        }
        Role::ParkOperator { .. } | Role::Enterprise { .. } => false,
    })
}

/// [`barriers_allowed`] for reads as SQL over `barriers.affected_pairs`, matched exactly
/// ([`crate::barrier_rules::lists_pair`], never `LIKE`). `park_pair` is the pair of a park
/// operator's park, which only the register looks up ([`crate::barriers`]); without it a park
/// operator reads none, as [`allowed`] says.
pub fn barriers_read_filter(user: &User, park_pair: Option<&str>) -> Option<(String, Vec<Value>)> {
    let none = || Some(("1 = 0".to_string(), Vec::new()));
    let listing = |pair: &str| Some(crate::barrier_rules::lists_pair("affected_pairs", pair));
    match (&user.role, park_pair) {
        (Role::Admin | Role::Coordinator | Role::Researcher, _) => None,
        (Role::Officer { pair_id, .. }, _) => listing(pair_id),
        (Role::ParkOperator { .. }, Some(pair_id)) => listing(pair_id),
        (Role::ParkOperator { .. } | Role::Enterprise { .. }, _) => none(),
    }
}

/// The list fields from which a user's role may not take items away: an officer may add
/// pairs to a barrier's `affected_pairs` but not remove one, so no officer can hide a barrier
/// from another pair (or let it escape its own). Coordinators and administrators may.
pub fn grow_only_lists(user: &User) -> &'static [&'static str] {
    match &user.role {
        Role::Officer { .. } => &["affected_pairs"],
        _ => &[],
    }
}

/// The dispute records' rules (issue #17), decided before the general role rules. Disputes
/// are confidential negotiations between the two sides of a pair: the officers of either
/// side read and keep their pair's cases (a new case is raised by the officer's own side;
/// a closed case is changed only by administrators and coordinators), a park operator reads
/// its park's cases and adds consultation rounds to them, enterprises and researchers see
/// none (the advisor gets its evidence through the user's own reading). Escalations are
/// written only by the workflow (`disputes::escalate`), never through the record API.
fn disputes_allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    if !matches!(
        entity,
        "disputes" | "dispute_rounds" | "dispute_escalations"
    ) {
        return None;
    }
    if entity == "dispute_escalations" && action != Action::Read {
        return Some(false);
    }
    Some(match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Researcher | Role::Enterprise { .. } => false,
        Role::Officer { pair_id, side } => {
            let own_pair = scope.pair_id.as_deref() == Some(pair_id.as_str());
            own_pair
                && match (action, entity) {
                    (Action::Read, _) => true,
                    (Action::Delete, _) => false,
                    (Action::Create, "disputes") => {
                        scope.owner_side.as_deref() == Some(side.as_str()) && !scope.case_closed
                    }
                    (_, "disputes") => !scope.case_closed,
                    _ => true,
                }
        }
        Role::ParkOperator { park_id } => {
            scope.park_id == Some(*park_id)
                && matches!(
                    (action, entity),
                    (Action::Read, _) | (Action::Create, "dispute_rounds")
                )
        }
    })
}

/// The rules of technology needs and their matches (issue #17), decided before the general
/// role rules: a need is an enterprise's business, like a docking demand. The enterprise reads
/// and writes its own needs and reads their matches; the officers of the need's pair (either
/// side) read and write the pair's needs and move their matches along; researchers and park
/// operators read none (researchers get the pair's counts, `innovation::counts`). Matches are
/// created by the workflow only (`innovation::create_match`), never by the record API.
fn innovation_allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> Option<bool> {
    if !matches!(entity, "tech_needs" | "tech_matches") {
        return None;
    }
    let own_pair = |pair_id: &str| scope.pair_id.as_deref() == Some(pair_id);
    let own_enterprise = |id: &i64| scope.enterprise_id == Some(*id);
    Some(match (&user.role, action) {
        (_, Action::Create) if entity == "tech_matches" => false,
        (Role::Admin | Role::Coordinator, _) => true,
        (Role::Researcher | Role::ParkOperator { .. }, _) | (_, Action::Delete) => false,
        (Role::Officer { pair_id, .. }, _) => own_pair(pair_id),
        (Role::Enterprise { enterprise_id }, Action::Read) => own_enterprise(enterprise_id),
        (Role::Enterprise { enterprise_id }, _) => {
            entity == "tech_needs" && own_enterprise(enterprise_id)
        }
    })
}

/// [`read_filter`] for the dispute records: [`disputes_allowed`] for reads as SQL.
fn disputes_read_filter(user: &User) -> Option<(String, Vec<Value>)> {
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Researcher | Role::Enterprise { .. } => Some(("1 = 0".to_string(), Vec::new())),
        Role::Officer { pair_id, .. } => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
        Role::ParkOperator { park_id } => Some(("park_id = ?".into(), vec![Value::Int(*park_id)])),
    }
}

/// [`read_filter`] for technology needs and matches: [`innovation_allowed`] for reads as SQL.
fn innovation_read_filter(user: &User) -> Option<(String, Vec<Value>)> {
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Researcher | Role::ParkOperator { .. } => Some(("1 = 0".into(), Vec::new())),
        Role::Officer { pair_id, .. } => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
        Role::Enterprise { enterprise_id } => {
            Some(("enterprise_id = ?".into(), vec![Value::Int(*enterprise_id)]))
        }
    }
}

/// Whether `user` may do `action` on a record of `entity` with `scope`. For an update the
/// caller checks both the record as stored and as it would become, so a record cannot be
/// moved out of (or into) someone's reach.
pub fn allowed(user: &User, action: Action, entity: &str, scope: &Scope) -> bool {
    if let Some(rule) = docking_allowed(user, action, entity, scope) {
        return rule;
    }
    if let Some(rule) = figures_allowed(user, action, entity, scope) {
        return rule;
    }
    if let Some(rule) = barriers_allowed(user, action, entity, scope) {
        return rule;
    }
    if let Some(rule) = disputes_allowed(user, action, entity, scope) {
        return rule;
    }
    if let Some(rule) = produce::allowed(user, action, entity, scope) {
        return rule;
    }
    if let Some(rule) = innovation_allowed(user, action, entity, scope) {
        return rule;
    }
    match &user.role {
        Role::Admin => true,
        Role::Coordinator => true,
        Role::Researcher => action == Action::Read,
        Role::Officer { pair_id, side } => {
            let own_pair = scope.pair_id.as_deref() == Some(pair_id.as_str());
            match (action, entity) {
                (Action::Read, e) if PUBLIC.contains(&e) => true,
                (Action::Read, "enterprises") => true,
                (Action::Read, _) => own_pair,
                (Action::Delete, _) => false,
                (_, "programmes" | "pairs") => false,
                (_, "enterprises") => true,
                (_, "tasks") => own_pair && scope.owner_side.as_deref() == Some(side.as_str()),
                (
                    _,
                    "sub_pairs"
                    | "parks"
                    | "projects"
                    | "plans"
                    | "secondments"
                    | "events"
                    | "park_offers"
                    | "chains"
                    | "chain_nodes"
                    | "chain_edges"
                    | "chain_placements"
                    | "institutes"
                    | "innovation_platforms"
                    | "tech_capabilities"
                    | "innovation_projects"
                    | "innovation_milestones"
                    | "ip_records",
                ) => own_pair,
                _ => false,
            }
        }
        Role::ParkOperator { park_id } => {
            let own_park = scope.park_id == Some(*park_id);
            match (action, entity) {
                (Action::Read, e) if PUBLIC.contains(&e) => true,
                (Action::Read, "enterprises") => true,
                (Action::Read, "projects") => own_park,
                (Action::Update, "parks") => own_park,
                (Action::Create | Action::Update, "projects" | "park_offers") => own_park,
                (Action::Create, "enterprises") => true,
                _ => false,
            }
        }
        Role::Enterprise { enterprise_id } => {
            let own = scope.enterprise_id == Some(*enterprise_id);
            match (action, entity) {
                (Action::Read, e) if PUBLIC.contains(&e) => true,
                (Action::Read | Action::Update, "enterprises") => own,
                (Action::Read | Action::Create | Action::Update, "projects") => own,
                _ => false,
            }
        }
    }
}

/// Whether `user` may create or change at least one record of `entity`: what an upload of
/// such records asks before reading a byte of the file, so a role that writes none of them (a
/// researcher) is refused before the workbook is parsed. Each row is still checked with
/// [`allowed`] on its own scope.
pub fn may_write_any(user: &User, entity: &str) -> bool {
    let own = own_scope(user);
    [Action::Create, Action::Update]
        .into_iter()
        .any(|action| allowed(user, action, entity, &own))
}

/// The scope a bound role is bound to (its pair and side, park or enterprise): every write
/// [`allowed`] grants such a role is within it, so it is where the role's rights are widest.
fn own_scope(user: &User) -> Scope {
    match &user.role {
        Role::Officer { pair_id, side } => Scope {
            pair_id: Some(pair_id.clone()),
            owner_side: Some(side.clone()),
            // Records that list pairs (barriers) are within reach when they list its own.
            shared_pairs: vec![pair_id.clone()],
            ..Scope::default()
        },
        Role::ParkOperator { park_id } => Scope {
            park_id: Some(*park_id),
            ..Scope::default()
        },
        Role::Enterprise { enterprise_id } => Scope {
            enterprise_id: Some(*enterprise_id),
            ..Scope::default()
        },
        Role::Admin | Role::Coordinator | Role::Researcher => Scope::default(),
    }
}

/// The fields of a record that a user's role may set when creating it but never change: those
/// that define the role's own scope. The check of the record as it would become cannot see
/// every move: a park operator who moves its park to another pair still operates the park,
/// but has handed it to that pair's officers and locked out its own pair's.
///
/// * officers are bound to a pair and a side: a record's pair, a task's side and plan (which
///   gives the task its pair), a chain part's chain (which gives it its pair), a park's or
///   sub-pair's locality, the side that raised a dispute case and a round's case;
/// * park operators are bound to a park, whose pair and locality place it in the programme:
///   the pair, the park and the locality of anything they edit;
/// * enterprise users are bound to their enterprise: the enterprise of anything they edit.
///
/// Administrators and coordinators run the programme's frame and may change all of them.
pub fn locked_fields(user: &User) -> &'static [&'static str] {
    match &user.role {
        Role::Admin | Role::Coordinator | Role::Researcher => &[],
        Role::Officer { .. } => &[
            "pair_id",
            "owner_side",
            "plan_id",
            "chain_id",
            "locality_id",
            "raised_by_side",
            "dispute_id",
        ],
        Role::ParkOperator { .. } => &["pair_id", "park_id", "locality_id", "dispute_id"],
        Role::Enterprise { .. } => &["enterprise_id"],
    }
}

/// The SQL condition (with its parameters) that restricts a list of `entity` to what `user`
/// may read; `None` when the user may read every row. Must agree with [`allowed`] for
/// [`Action::Read`] (the matrix test checks both).
pub fn read_filter(user: &User, entity: &str) -> Option<(String, Vec<Value>)> {
    let none = || Some(("1 = 0".to_string(), Vec::new()));
    if matches!(entity, "demands" | "matches") {
        return docking_read_filter(user, entity);
    }
    if matches!(entity, "enterprise_figures" | "park_figures") {
        return figures_read_filter(user, entity);
    }
    if entity == "barriers" {
        return barriers_read_filter(user, None);
    }
    if matches!(
        entity,
        "disputes" | "dispute_rounds" | "dispute_escalations"
    ) {
        return disputes_read_filter(user);
    }
    if produce::ENTITIES.contains(&entity) {
        return produce::read_filter(user, entity);
    }
    if matches!(entity, "tech_needs" | "tech_matches") {
        return innovation_read_filter(user);
    }
    match &user.role {
        Role::Admin | Role::Coordinator | Role::Researcher => None,
        _ if PUBLIC.contains(&entity) => None,
        Role::Officer { pair_id, .. } => match entity {
            "enterprises" => None,
            "projects"
            | "plans"
            | "tasks"
            | "secondments"
            | "chains"
            | "chain_nodes"
            | "chain_edges"
            | "chain_placements"
            | "innovation_projects"
            | "innovation_milestones"
            | "ip_records" => Some(("pair_id = ?".into(), vec![pair_id.clone().into()])),
            _ => none(),
        },
        Role::ParkOperator { park_id } => match entity {
            "enterprises" => None,
            "projects" => Some(("park_id = ?".into(), vec![Value::Int(*park_id)])),
            _ => none(),
        },
        Role::Enterprise { enterprise_id } => match entity {
            "enterprises" => Some(("id = ?".into(), vec![Value::Int(*enterprise_id)])),
            "projects" => Some(("enterprise_id = ?".into(), vec![Value::Int(*enterprise_id)])),
            _ => none(),
        },
    }
}

/// [`read_filter`] for demands and matches: [`demand_visible`] (and, for a park operator's
/// matches, the operator's own park) as SQL over the row's own columns.
fn docking_read_filter(user: &User, entity: &str) -> Option<(String, Vec<Value>)> {
    let listed = |column: &str| format!("(',' || {column} || ',') LIKE ?");
    match &user.role {
        Role::Admin | Role::Coordinator => None,
        Role::Researcher => Some(("1 = 0".to_string(), Vec::new())),
        Role::Enterprise { enterprise_id } => {
            Some(("enterprise_id = ?".into(), vec![Value::Int(*enterprise_id)]))
        }
        Role::Officer { pair_id, .. } => Some((
            format!(
                "(confidentiality = 'open' OR pair_id = ? OR {})",
                listed("shared_with_pairs")
            ),
            vec![pair_id.clone().into(), format!("%,{pair_id},%").into()],
        )),
        Role::ParkOperator { park_id } => {
            let visible = format!(
                "(confidentiality = 'open' OR {})",
                listed("shared_with_parks")
            );
            let like: Value = format!("%,{park_id},%").into();
            if entity == "matches" {
                Some((
                    format!("park_id = ? AND {visible}"),
                    vec![Value::Int(*park_id), like],
                ))
            } else {
                Some((visible, vec![like]))
            }
        }
    }
}

/// What a user may see of a park's satisfaction-survey results (issue #16).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyAccess {
    /// Nothing: the park's waves answer 404.
    Hidden,
    /// Anonymised aggregates with cells of fewer than
    /// [`crate::survey::results::MIN_CELL`] responses suppressed, no free text (researchers).
    Suppressed,
    /// Every aggregate, no free text (coordinators).
    Aggregates,
    /// Every aggregate and the free-text answers (the park's operator, administrators).
    Full,
}

/// What `user` may see of the survey results of park `park_id`: a park operator its own
/// park's in full, administrators everything, coordinators every aggregate, researchers
/// suppressed aggregates; officers and enterprise users nothing.
pub fn survey_access(user: &User, park_id: i64) -> SurveyAccess {
    match &user.role {
        Role::Admin => SurveyAccess::Full,
        Role::ParkOperator { park_id: own } if *own == park_id => SurveyAccess::Full,
        Role::Coordinator => SurveyAccess::Aggregates,
        Role::Researcher => SurveyAccess::Suppressed,
        Role::ParkOperator { .. } | Role::Officer { .. } | Role::Enterprise { .. } => {
            SurveyAccess::Hidden
        }
    }
}

/// Whether `user` may open survey waves for park `park_id` and issue their tokens: the
/// park's operator, coordinators and administrators.
pub fn may_run_surveys(user: &User, park_id: i64) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::ParkOperator { park_id: own } => *own == park_id,
        _ => false,
    }
}

/// [`survey_access`] as a SQL condition on `survey_waves.park_id` for lists of waves: `None`
/// when every wave is visible. Must agree with [`survey_access`] (tested).
pub fn survey_read_filter(user: &User) -> Option<(String, Vec<Value>)> {
    match &user.role {
        Role::Admin | Role::Coordinator | Role::Researcher => None,
        Role::ParkOperator { park_id } => Some(("park_id = ?".into(), vec![Value::Int(*park_id)])),
        Role::Officer { .. } | Role::Enterprise { .. } => Some(("1 = 0".into(), Vec::new())),
    }
}

/// Hashes a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| format!("no randomness: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the stored PHC hash.
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that costs as much to check as a real one, so an unknown user name takes as long
/// to refuse as a wrong password (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("not a real password").unwrap_or_default())
}

/// 32 random bytes as hex.
pub fn random_token() -> Result<String, String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(hex::encode(b))
}

/// The stored form of a session token.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new account's details.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("user name {0:?} is taken")]
    Taken(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Minimum password length: NIST SP 800-63B asks for at least 8 characters.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Creates an account, checking the name, the password length and the role's binding.
pub fn add_user(conn: &mut dyn Conn, new: &NewUser) -> Result<i64, AccountError> {
    let name = check_account_text(new)?;
    let binding = role_binding(conn, &new.role)?;
    let hash = hash_password(&new.password).map_err(AccountError::Invalid)?;
    let res = conn.query_i64(
        "INSERT INTO users (username, display_name, password_hash, role, pair_id, side, \
         park_id, enterprise_id, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?) \
         RETURNING id",
        &[
            name.into(),
            new.display_name.trim().into(),
            hash.into(),
            new.role.name().into(),
            binding.pair_id.into(),
            binding.side.into(),
            binding.park_id.map(Value::Int).unwrap_or(Value::Null),
            binding.enterprise_id.map(Value::Int).unwrap_or(Value::Null),
            clock::now_timestamp().into(),
        ],
    );
    match res {
        Err(e) if e.is_unique_violation() => Err(AccountError::Taken(name.to_string())),
        other => Ok(other?),
    }
}

/// Checks what a new account states in words, in this order: the user name (1-64 ASCII
/// letters, digits, `.`, `_`, `-`, `@`), the password's length, the display name. Returns the
/// user name trimmed.
fn check_account_text(new: &NewUser) -> Result<&str, AccountError> {
    let name = new.username.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-@".contains(&b))
    {
        return Err(AccountError::Invalid(format!(
            "user name {name:?}: use 1-64 letters, digits, '.', '_', '-' or '@'"
        )));
    }
    if new.password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::Invalid(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    crate::entity::check_display_name(new.display_name.trim()).map_err(AccountError::Invalid)?;
    Ok(name)
}

/// The records an account is bound to by its role (the `users` columns of the same names):
/// an officer's pair and side, a park operator's park, an enterprise user's enterprise.
#[derive(Default)]
struct RoleBinding {
    pair_id: Option<String>,
    side: Option<String>,
    park_id: Option<i64>,
    enterprise_id: Option<i64>,
}

/// The binding of `role`, once the records it names exist (and an officer's side is
/// `helper` or `helped`); roles without a binding have none.
fn role_binding(conn: &mut dyn Conn, role: &Role) -> Result<RoleBinding, AccountError> {
    Ok(match role {
        Role::Officer { pair_id, side } => {
            if !exists(
                conn,
                "SELECT id FROM pairs WHERE id = ?",
                pair_id.clone().into(),
            )? {
                return Err(AccountError::Invalid(format!(
                    "pair {pair_id:?} does not exist; `tandem pairs` lists them"
                )));
            }
            if !crate::entity::SIDES.contains(&side.as_str()) {
                return Err(AccountError::Invalid(format!(
                    "side {side:?}: use helper or helped"
                )));
            }
            RoleBinding {
                pair_id: Some(pair_id.clone()),
                side: Some(side.clone()),
                ..RoleBinding::default()
            }
        }
        Role::ParkOperator { park_id } => {
            if !exists(
                conn,
                "SELECT id FROM parks WHERE id = ?",
                Value::Int(*park_id),
            )? {
                return Err(AccountError::Invalid(format!(
                    "park {park_id} does not exist"
                )));
            }
            RoleBinding {
                park_id: Some(*park_id),
                ..RoleBinding::default()
            }
        }
        Role::Enterprise { enterprise_id } => {
            if !exists(
                conn,
                "SELECT id FROM enterprises WHERE id = ?",
                Value::Int(*enterprise_id),
            )? {
                return Err(AccountError::Invalid(format!(
                    "enterprise {enterprise_id} does not exist"
                )));
            }
            RoleBinding {
                enterprise_id: Some(*enterprise_id),
                ..RoleBinding::default()
            }
        }
        _ => RoleBinding::default(),
    })
}

/// Whether the lookup `sql` (one `?`, bound to `key`) finds a row.
fn exists(conn: &mut dyn Conn, sql: &str, key: Value) -> Result<bool, DbError> {
    Ok(conn.query_one(sql, &[key])?.is_some())
}

const USER_COLUMNS: &str =
    "id, username, display_name, role, pair_id, side, park_id, enterprise_id, password_hash, disabled";

/// An account as signing in reads it: the user, the password hash and whether the account
/// is disabled.
struct StoredUser {
    user: User,
    password_hash: String,
    disabled: bool,
}

/// A row with the columns of [`USER_COLUMNS`] as a stored user, by column name; `None` when
/// the role columns make no role ([`Role::from_columns`]).
fn user_from_row(r: &Row) -> Result<Option<StoredUser>, DbError> {
    let Some(role) = Role::from_columns(
        r.text("role")?,
        r.opt_text("pair_id")?,
        r.opt_text("side")?,
        r.opt_int("park_id")?,
        r.opt_int("enterprise_id")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(StoredUser {
        user: User {
            id: r.int("id")?,
            username: r.text("username")?.to_string(),
            display_name: r.text("display_name")?.to_string(),
            role,
        },
        password_hash: r.text("password_hash")?.to_string(),
        disabled: r.int("disabled")? == 1,
    }))
}

/// The user with these credentials, if they are right and the account is enabled. Always
/// spends one argon2 verification, whether the name exists or not.
pub fn check_credentials(
    conn: &mut dyn Conn,
    username: &str,
    password: &str,
) -> Result<Option<User>, DbError> {
    let row = conn.query_one(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE username = ?"),
        &[username.trim().into()],
    )?;
    let stored = match &row {
        Some(r) => user_from_row(r)?,
        None => None,
    };
    match stored {
        Some(s) => {
            let ok = verify_password(password, &s.password_hash);
            Ok((ok && !s.disabled).then_some(s.user))
        }
        None => {
            let _ = verify_password(password, dummy_hash());
            Ok(None)
        }
    }
}

/// Session lifetime.
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// A new session: (cookie token, CSRF token).
pub fn start_session(conn: &mut dyn Conn, user_id: i64) -> Result<(String, String), DbError> {
    let token = random_token().map_err(DbError::Other)?;
    let csrf = random_token().map_err(DbError::Other)?;
    let now = clock::now_seconds();
    conn.execute(
        "DELETE FROM sessions WHERE expires_at < ?",
        &[clock::timestamp(now).into()],
    )?;
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?)",
        &[
            token_hash(&token).into(),
            Value::Int(user_id),
            csrf.clone().into(),
            clock::timestamp(now).into(),
            clock::timestamp(now + SESSION_SECONDS).into(),
        ],
    )?;
    Ok((token, csrf))
}

/// The user and CSRF token of a live session.
pub fn session_user(conn: &mut dyn Conn, token: &str) -> Result<Option<(User, String)>, DbError> {
    let row = conn.query_one(
        &format!(
            "SELECT {}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ? AND s.expires_at > ?",
            USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        &[token_hash(token).into(), clock::now_timestamp().into()],
    )?;
    let Some(r) = row else { return Ok(None) };
    let Some(stored) = user_from_row(&r)? else {
        return Ok(None);
    };
    let csrf = r.text("csrf_token")?.to_string();
    Ok((!stored.disabled).then_some((stored.user, csrf)))
}

/// Ends a session.
pub fn end_session(conn: &mut dyn Conn, token: &str) -> Result<(), DbError> {
    conn.execute(
        "DELETE FROM sessions WHERE token_hash = ?",
        &[token_hash(token).into()],
    )?;
    Ok(())
}

/// Every account, for the administrator.
pub fn list_users(conn: &mut dyn Conn) -> Result<Vec<User>, DbError> {
    let rows = conn.query(
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"),
        &[],
    )?;
    let mut users = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(stored) = user_from_row(r)? {
            users.push(stored.user);
        }
    }
    Ok(users)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_differ_by_salt() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"));
        assert_ne!(a, b);
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct hose", &a));
        assert!(!verify_password("x", "not a hash"));
    }
}
