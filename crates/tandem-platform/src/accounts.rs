//! Account management, for administrators and the `tandem user` command: the accounts with
//! their state, disabling and enabling an account, setting a new password, ending an
//! account's sessions, and each account's history.
//!
//! Every change runs in one transaction with its `audit_log` row (entity `users`, the account
//! id as record id, the account before and after as JSON, never the password hash), like the
//! changes of records (`service.rs`); the log is append-only by trigger. Disabling an account
//! and setting its password also end its sessions, so neither a session taken over nor the
//! old password keeps working; [`auth::check_credentials`] and [`auth::session_user`] refuse
//! disabled accounts besides.
//!
//! The database is the truth; a server that keeps sessions in a cache must drop the account's
//! sessions from it after a change here (`tandem_server::session::SessionCache::forget_user`).
//! A change made by another process (the `tandem user` command, another server on the same
//! PostgreSQL database) reaches such a cache when its entry expires.

use crate::auth::{self, NewUser, Role, User, MIN_PASSWORD_CHARS};
use crate::clock;
use crate::db::{Conn, Db, DbError, Row, Value};
use crate::entity::FieldError;
pub use crate::entity::{check_display_name, MAX_DISPLAY_NAME_CHARS};
use crate::service::{audit, history_entry, HistoryEntry, PlatformError};
use serde_json::{Map, Value as Json};

/// The audit log's entity name for accounts.
pub const ENTITY: &str = "users";

/// The longest password accepted, in bytes: the server refuses longer sign-ins (argon2 reads
/// the whole password), so a longer one could never be used.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Who changes an account.
#[derive(Clone, Copy, Debug)]
pub enum By<'a> {
    /// A signed-in user: only an administrator may.
    User(&'a User),
    /// The `tandem user` command, run by someone who can open the database itself (and so
    /// could do anything to it); the text says who, e.g. the operating-system account.
    CommandLine(&'a str),
}

impl By<'_> {
    /// How the audit log names the actor.
    pub fn actor(&self) -> String {
        match self {
            By::User(u) => u.actor(),
            By::CommandLine(who) => format!("command line ({who})"),
        }
    }

    fn require_admin(&self) -> Result<(), PlatformError> {
        match self {
            By::User(u) if u.role != Role::Admin => Err(PlatformError::Forbidden(
                "only an administrator manages accounts".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// An account as an administrator sees it (never the password hash).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    #[serde(flatten)]
    pub user: User,
    pub disabled: bool,
    /// When it was disabled (`None` while enabled).
    pub disabled_at: Option<String>,
    pub created_at: String,
    /// When an administrator last set its password (`None`: never since it was created).
    pub password_changed_at: Option<String>,
    /// When it last signed in (`None`: never, or before tandem recorded it).
    pub last_sign_in_at: Option<String>,
    /// Its live (unexpired) sessions.
    pub sessions: i64,
}

/// The result of a change.
#[derive(Clone, Debug)]
pub struct Changed {
    /// The account after the change.
    pub account: Account,
    /// How many of its sessions the change ended.
    pub sessions_ended: u64,
}

const ACCOUNT_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.pair_id, u.side, \
     u.park_id, u.enterprise_id, u.disabled, u.disabled_at, u.created_at, \
     u.password_changed_at, u.last_sign_in_at, \
     (SELECT CAST(COUNT(*) AS BIGINT) FROM sessions s WHERE s.user_id = u.id AND s.expires_at > ?) \
     AS sessions FROM users u";

/// A row of [`ACCOUNT_SELECT`] as an account, by column name; `None` when the role columns
/// make no role ([`Role::from_columns`]).
fn account_from_row(r: &Row) -> Result<Option<Account>, DbError> {
    let text = |c: &str| r.opt_text(c).map(|t| t.map(str::to_string));
    let Some(role) = Role::from_columns(
        r.text("role")?,
        r.opt_text("pair_id")?,
        r.opt_text("side")?,
        r.opt_int("park_id")?,
        r.opt_int("enterprise_id")?,
    ) else {
        return Ok(None);
    };
    Ok(Some(Account {
        user: User {
            id: r.int("id")?,
            username: r.text("username")?.to_string(),
            display_name: r.text("display_name")?.to_string(),
            role,
        },
        disabled: r.int("disabled")? == 1,
        disabled_at: text("disabled_at")?,
        created_at: r.text("created_at")?.to_string(),
        password_changed_at: text("password_changed_at")?,
        last_sign_in_at: text("last_sign_in_at")?,
        sessions: r.int("sessions")?,
    }))
}

fn fetch(c: &mut dyn Conn, id: i64) -> Result<Option<Account>, DbError> {
    match c.query_one(
        &format!("{ACCOUNT_SELECT} WHERE u.id = ?"),
        &[clock::now_timestamp().into(), Value::Int(id)],
    )? {
        Some(r) => account_from_row(&r),
        None => Ok(None),
    }
}

fn not_found(id: i64) -> PlatformError {
    PlatformError::NotFound(format!("account #{id}"))
}

/// The account as the audit log keeps it: what an administrator may see and change.
fn snapshot(a: &Account) -> Map<String, Json> {
    let mut m = match serde_json::to_value(&a.user.role) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    m.insert("username".into(), a.user.username.clone().into());
    m.insert("display_name".into(), a.user.display_name.clone().into());
    m.insert("disabled".into(), a.disabled.into());
    m.insert("disabled_at".into(), a.disabled_at.clone().into());
    m.insert(
        "password_changed_at".into(),
        a.password_changed_at.clone().into(),
    );
    m.insert("sessions".into(), a.sessions.into());
    m
}

/// Every account, by id.
pub fn list(db: &Db, by: By) -> Result<Vec<Account>, PlatformError> {
    by.require_admin()?;
    let rows = db.read(|c| {
        c.query(
            &format!("{ACCOUNT_SELECT} ORDER BY u.id"),
            &[clock::now_timestamp().into()],
        )
    })?;
    let mut accounts = Vec::with_capacity(rows.len());
    for r in &rows {
        accounts.extend(account_from_row(r)?);
    }
    Ok(accounts)
}

/// One account (`NotFound` when there is none with this id).
pub fn get(db: &Db, by: By, id: i64) -> Result<Account, PlatformError> {
    by.require_admin()?;
    db.read(|c| fetch(c, id))?.ok_or_else(|| not_found(id))
}

/// The account with this user name, if there is one.
pub fn find(db: &Db, by: By, username: &str) -> Result<Option<Account>, PlatformError> {
    by.require_admin()?;
    let id = db.read(|c| {
        c.query_one(
            "SELECT id FROM users WHERE username = ?",
            &[username.trim().into()],
        )
    })?;
    match id.and_then(|r| r[0].as_i64()) {
        Some(id) => get(db, by, id).map(Some),
        None => Ok(None),
    }
}

/// Creates an account ([`auth::add_user`]) and records it in the account's history.
pub fn create(db: &Db, by: By, new: &NewUser) -> Result<Account, auth::AccountError> {
    by.require_admin()
        .map_err(|e| auth::AccountError::Invalid(e.to_string()))?;
    db.write(|c| {
        let id = auth::add_user(c, new)?;
        let after = fetch(c, id)?
            .ok_or_else(|| DbError::Other(format!("account #{id} vanished after creation")))?;
        audit(
            c,
            &by.actor(),
            ENTITY,
            &id.to_string(),
            "create",
            None,
            Some(&snapshot(&after)),
        )?;
        Ok(after)
    })
}

fn end_all(c: &mut dyn Conn, id: i64) -> Result<u64, DbError> {
    c.execute("DELETE FROM sessions WHERE user_id = ?", &[Value::Int(id)])
}

/// Runs `apply` on account `id` in one transaction with its audit row (`action`, the account
/// before and after). `apply` returns how many sessions it ended.
fn change(
    db: &Db,
    by: By,
    id: i64,
    action: &str,
    apply: impl FnOnce(&mut dyn Conn) -> Result<u64, DbError>,
) -> Result<Changed, PlatformError> {
    by.require_admin()?;
    db.write(|c| {
        let before = fetch(c, id)?.ok_or_else(|| not_found(id))?;
        let sessions_ended = apply(c)?;
        let account = fetch(c, id)?.ok_or_else(|| not_found(id))?;
        audit(
            c,
            &by.actor(),
            ENTITY,
            &id.to_string(),
            action,
            Some(&snapshot(&before)),
            Some(&snapshot(&account)),
        )?;
        Ok(Changed {
            account,
            sessions_ended,
        })
    })
}

/// Disables account `id` and ends its sessions: it can neither sign in nor use a session it
/// had. Disabling a disabled account keeps the original time. An administrator cannot
/// disable their own account (another administrator, or the command line, can).
pub fn disable(db: &Db, by: By, id: i64) -> Result<Changed, PlatformError> {
    if let By::User(u) = by {
        if u.id == id {
            return Err(PlatformError::Forbidden(
                "you cannot disable your own account; another administrator can, or \
                 `tandem user disable` on the server"
                    .into(),
            ));
        }
    }
    change(db, by, id, "disable", |c| {
        c.execute(
            "UPDATE users SET disabled = 1, disabled_at = COALESCE(disabled_at, ?) WHERE id = ?",
            &[clock::now_timestamp().into(), Value::Int(id)],
        )?;
        end_all(c, id)
    })
}

/// Enables account `id` again. Its old sessions stay ended: the user signs in again.
pub fn enable(db: &Db, by: By, id: i64) -> Result<Changed, PlatformError> {
    change(db, by, id, "enable", |c| {
        c.execute(
            "UPDATE users SET disabled = 0, disabled_at = NULL WHERE id = ?",
            &[Value::Int(id)],
        )?;
        Ok(0)
    })
}

/// Ends every session of account `id` (signs the user out everywhere).
pub fn end_sessions(db: &Db, by: By, id: i64) -> Result<Changed, PlatformError> {
    change(db, by, id, "end_sessions", |c| end_all(c, id))
}

/// Sets a new password for account `id` and ends its sessions. With `None` a password is
/// generated ([`generate_password`]) and returned, to be shown once: it is stored only as
/// its argon2id hash.
pub fn reset_password(
    db: &Db,
    by: By,
    id: i64,
    password: Option<&str>,
) -> Result<(Changed, Option<String>), PlatformError> {
    by.require_admin()?;
    let generated = match password {
        Some(_) => None,
        None => Some(generate_password().map_err(DbError::Other)?),
    };
    let password = password.or(generated.as_deref()).unwrap_or_default();
    check_password(password)?;
    // Hashing takes tens of milliseconds: do it before taking the writer.
    let hash = auth::hash_password(password).map_err(DbError::Other)?;
    let changed = change(db, by, id, "reset_password", |c| {
        c.execute(
            "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
            &[hash.into(), clock::now_timestamp().into(), Value::Int(id)],
        )?;
        end_all(c, id)
    })?;
    Ok((changed, generated))
}

/// Checks a new password's length (field `password`, rules `too_short` and `too_long`).
pub fn check_password(password: &str) -> Result<(), PlatformError> {
    let problem = if password.chars().count() < MIN_PASSWORD_CHARS {
        Some((
            "too_short",
            format!("password: at least {MIN_PASSWORD_CHARS} characters"),
            format!("密码至少 {MIN_PASSWORD_CHARS} 个字符"),
        ))
    } else if password.len() > MAX_PASSWORD_BYTES {
        Some((
            "too_long",
            format!("password: at most {MAX_PASSWORD_BYTES} bytes"),
            format!("密码最多 {MAX_PASSWORD_BYTES} 字节"),
        ))
    } else {
        None
    };
    match problem {
        Some((rule, en, zh)) => Err(PlatformError::Invalid(vec![FieldError::new(
            "password", rule, en, zh,
        )])),
        None => Ok(()),
    }
}

/// The account's history, oldest first: creation (when made by `tandem user add` or later),
/// disabling, enabling, new passwords and ended sessions, with who did it and when.
pub fn history(db: &Db, by: By, id: i64) -> Result<Vec<HistoryEntry>, PlatformError> {
    by.require_admin()?;
    db.read(|c| {
        if fetch(c, id)?.is_none() {
            return Err(not_found(id));
        }
        let rows = c.query(
            "SELECT id, at, actor, action, before_json, after_json FROM audit_log \
             WHERE entity = ? AND record_id = ? ORDER BY id",
            &[ENTITY.into(), id.to_string().into()],
        )?;
        Ok(rows.iter().map(history_entry).collect::<Result<_, _>>()?)
    })
}

/// Records that account `id` signed in now (shown to administrators). Call in the
/// transaction that starts the session.
pub fn note_sign_in(c: &mut dyn Conn, id: i64) -> Result<(), DbError> {
    c.execute(
        "UPDATE users SET last_sign_in_at = ? WHERE id = ?",
        &[clock::now_timestamp().into(), Value::Int(id)],
    )?;
    Ok(())
}

/// Characters of generated passwords: letters and digits that cannot be mistaken for one
/// another when read out or copied by hand (no 0/O, 1/l/I).
const PASSWORD_ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A new random password: 20 characters from a 57-character alphabet (about 116 bits), in
/// groups of four joined by `-` so it can be read out and typed.
pub fn generate_password() -> Result<String, String> {
    let n = PASSWORD_ALPHABET.len();
    // Bytes at or above the largest multiple of n are skipped, so every character is equally
    // likely.
    let limit = 256 - 256 % n;
    let mut chars = Vec::with_capacity(20);
    while chars.len() < 20 {
        let mut buf = [0u8; 32];
        getrandom::fill(&mut buf).map_err(|e| format!("no randomness: {e}"))?;
        chars.extend(
            buf.iter()
                .filter(|&&b| (b as usize) < limit)
                .map(|&b| PASSWORD_ALPHABET[b as usize % n] as char),
        );
    }
    chars.truncate(20);
    Ok(chars
        .chunks(4)
        .map(|g| g.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_readable_and_differ() {
        let a = generate_password().unwrap();
        let b = generate_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
        assert_eq!(a.split('-').count(), 5);
        assert!(a
            .bytes()
            .all(|c| c == b'-' || PASSWORD_ALPHABET.contains(&c)));
        assert!(check_password(&a).is_ok());
    }

    #[test]
    fn display_names_are_one_line_without_bidi_controls() {
        assert!(check_display_name("李 明 (Li Ming)").is_ok());
        let e = check_display_name("admin\u{202E}nimda").unwrap_err();
        assert!(e.contains("bidirectional"), "{e}");
        assert!(check_display_name("two\nlines").is_err());
        assert!(check_display_name(&"x".repeat(101)).is_err());
    }
}
