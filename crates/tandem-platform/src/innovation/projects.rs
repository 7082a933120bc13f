//! A cooperation project started from a technology match: the project is created through the
//! record service (its checks, the user's right to create it, the audit log), and in the same
//! transaction the match moves to `project` and its need, if still open, to `matched`, each an
//! ordinary audited, versioned update.

use super::read_checked;
use crate::auth::{allowed, Action, User};
use crate::db::Db;
use crate::entity::innovation::{INNOVATION_PROJECTS, TECH_MATCHES, TECH_NEEDS};
use crate::error::PlatformError;
use crate::service::{create_body_in, scope_of, update_body_in, Record};
use serde::Deserialize;
use serde_json::{json, Map, Value as Json};

/// What a new project from a match states.
#[derive(Clone, Debug, Deserialize)]
pub struct NewProject {
    /// `agreement`, `licence` or `joint_rnd`.
    pub kind: String,
    /// The project's title.
    pub title: String,
    /// `YYYY-MM-DD`, optional.
    #[serde(default)]
    pub started_on: Option<String>,
}

/// Whether `user` may start projects from the matches of this record, a match or its need
/// (they share pair and enterprise): who may change matches (the pair's officers and the
/// staff). A declined match gives none whoever asks ([`start_project`]).
pub fn may_start_project(user: &User, match_or_need: &Record) -> bool {
    allowed(
        user,
        Action::Update,
        TECH_MATCHES.name,
        &scope_of(&TECH_MATCHES, &match_or_need.fields),
    )
}

/// Starts a project of `new` from match `match_id`, moves the match to `project` and its need
/// (if open) to `matched`; returns the project. A match may give several projects (an
/// agreement, then a licence).
///
/// # Errors
/// `NotFound` if the user may not read the match; `Forbidden` if they may not change it (or
/// create the project); `Invalid` for a declined match or a project that breaks its rules.
pub fn start_project(
    db: &Db,
    user: &User,
    match_id: i64,
    new: &NewProject,
) -> Result<Record, PlatformError> {
    db.write(|c| {
        let m = read_checked(c, user, &TECH_MATCHES, match_id)?;
        if m.text("status") == Some("declined") {
            return Err(PlatformError::invalid(
                "status",
                "declined",
                format!("technology match {match_id} was declined"),
                format!("技术匹配 {match_id} 已谢绝"),
            ));
        }
        if !may_start_project(user, &m) {
            return Err(PlatformError::Forbidden(format!(
                "{} ({}) may not start projects from technology match {match_id}",
                user.username,
                user.role.name()
            )));
        }
        let mut body = Map::new();
        body.insert("match_id".into(), json!(match_id));
        body.insert("kind".into(), json!(new.kind));
        body.insert("title".into(), json!(new.title));
        if let Some(d) = new.started_on.as_deref().filter(|d| !d.trim().is_empty()) {
            body.insert("started_on".into(), json!(d));
        }
        let project = create_body_in(c, user, &INNOVATION_PROJECTS, &body)?;
        if m.text("status") != Some("project") {
            set_status(c, user, &TECH_MATCHES, &m, "project")?;
        }
        let need_id = m.required_int("need_id")?;
        let need = read_checked(c, user, &TECH_NEEDS, need_id)?;
        let may_update_need = allowed(
            user,
            Action::Update,
            TECH_NEEDS.name,
            &scope_of(&TECH_NEEDS, &need.fields),
        );
        if need.text("status") == Some("open") && may_update_need {
            set_status(c, user, &TECH_NEEDS, &need, "matched")?;
        }
        Ok(project)
    })
}

/// Sets a record's status through the record service (audited, versioned).
fn set_status(
    c: &mut dyn crate::db::Conn,
    user: &User,
    e: &'static crate::entity::Entity,
    rec: &Record,
    status: &str,
) -> Result<Record, PlatformError> {
    let mut patch = Map::new();
    patch.insert("status".into(), Json::from(status));
    update_body_in(c, user, e, &rec.id_text(), rec.version, &patch)
}
