//! The platform's errors: what a request did wrong ([`PlatformError`]) and which rule a field's
//! value broke ([`FieldError`]). Every module returns these; they depend only on the database
//! error, so no module needs the record service to report a failure.

use serde_json::{Map, Value as Json};

/// Why a request on records failed. Each maps to one HTTP status in the server.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("invalid input: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// The record changed since the client read it; `current` is the record as stored now.
    #[error("the record was changed by someone else (now at version {version}); reload and apply your change again")]
    Conflict {
        version: i64,
        current: Box<Map<String, Json>>,
    },
    #[error("this change needs the version you edited (If-Match header or a `version` field)")]
    VersionRequired,
    /// The input is over one of the platform's limits (bytes, rows, cells, decompressed
    /// size...); the message names the limit and its value. HTTP 413.
    #[error("too large: {0}")]
    TooLarge(String),
    /// The user has done too much of something in too short a time (bulk creation); the
    /// message says what and when to try again. HTTP 429.
    #[error("too many requests: {message}")]
    TooMany {
        /// What was refused and why.
        message: String,
        /// Seconds until the user may try again.
        retry_after: u64,
    },
    #[error(transparent)]
    Db(#[from] DbError),
}

impl PlatformError {
    pub(crate) fn invalid(
        field: &str,
        rule: &'static str,
        en: String,
        zh: String,
    ) -> PlatformError {
        PlatformError::Invalid(vec![FieldError::new(field, rule, en, zh)])
    }
}

/// A rule a field's value broke, in both languages.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    /// A stable code: `required`, `too_long`, `not_a_number`, `out_of_range`, `bad_date`,
    /// `not_allowed`, `unknown_field`, `read_only`, `too_many_decimals`, `not_found`, `mismatch`,
    /// `not_text`, `control_character`, `bidi_control` (see [`text_rule`]).
    pub rule: &'static str,
    pub message: String,
    pub message_zh: String,
}

impl FieldError {
    pub fn new(field: &str, rule: &'static str, en: String, zh: String) -> FieldError {
        FieldError {
            field: field.to_string(),
            rule,
            message: en,
            message_zh: zh,
        }
    }
}

/// A database failure, with the statement that caused it where there is one.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open the database {target}: {reason}")]
    Open { target: String, reason: String },
    #[error("database error: {reason} (in: {sql})")]
    Query { sql: String, reason: String },
    #[error("database URL {0:?} is not understood: use sqlite://PATH or postgres://USER@HOST/DB")]
    Url(String),
    /// A unique or primary key already holds the value written, as the engine classifies it
    /// (SQLite's extended codes `SQLITE_CONSTRAINT_UNIQUE` 2067 and
    /// `SQLITE_CONSTRAINT_PRIMARYKEY` 1555, PostgreSQL's SQLSTATE 23505), never by reading
    /// the message. Callers that can tell the user which value is taken map it to their own
    /// error ([`DbError::is_unique_violation`]).
    #[error("{} already holds this value: {reason} (in: {sql}); use another value or change the existing record", constraint_label(.constraint))]
    UniqueViolation {
        /// The constraint: PostgreSQL's name (`users_username_key`), SQLite's `table.column`
        /// list (taken from its message for display only), `None` if the engine gives none.
        constraint: Option<String>,
        /// The statement, shortened.
        sql: String,
        /// The engine's message.
        reason: String,
    },
    /// A foreign key refused the change: a referenced record is missing, or (on delete) other
    /// records still refer to this one (SQLite's `SQLITE_CONSTRAINT_FOREIGNKEY` 787,
    /// PostgreSQL's SQLSTATE 23503).
    #[error("{} refused the change: {reason} (in: {sql}); remove or move the records that refer to it first", constraint_label(.constraint))]
    ForeignKeyViolation {
        /// PostgreSQL's constraint name; SQLite names none.
        constraint: Option<String>,
        /// The statement, shortened.
        sql: String,
        /// The engine's message.
        reason: String,
    },
    /// A row read by column name lacks the column or holds another type in it: the query
    /// and the code reading it disagree. A defect to report, not something a user can fix.
    #[error("column {column:?} of a result: expected {expected}, found {found}; the query and the code reading it disagree (a defect: please report it)")]
    Column {
        /// The column asked for.
        column: String,
        /// What the reader expected (`an integer`, `text`...).
        expected: &'static str,
        /// What the row held instead, or that it has no such column.
        found: String,
    },
    #[error("{0}")]
    Other(String),
}

fn constraint_label(constraint: &Option<String>) -> String {
    match constraint {
        Some(c) => format!("the key {c}"),
        None => "a key".into(),
    }
}

impl DbError {
    pub(crate) fn query(sql: &str, e: impl std::fmt::Display) -> DbError {
        DbError::Query {
            sql: shorten(sql),
            reason: e.to_string(),
        }
    }

    /// Whether the failure is a unique-constraint violation (duplicate key):
    /// [`DbError::UniqueViolation`].
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, DbError::UniqueViolation { .. })
    }

    /// Whether the failure is a foreign-key violation: [`DbError::ForeignKeyViolation`].
    pub fn is_foreign_key_violation(&self) -> bool {
        matches!(self, DbError::ForeignKeyViolation { .. })
    }
}

/// A statement as errors quote it: at most 160 characters.
pub(crate) fn shorten(sql: &str) -> String {
    let mut short: String = sql.chars().take(160).collect();
    if short.len() < sql.len() {
        short.push('…');
    }
    short
}
