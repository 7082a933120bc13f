//! What the assessment functions take and return.

use crate::db::{DbError, Row};
use crate::error::{FieldError, PlatformError};
use serde::Serialize;
use serde_json::Value as Json;

/// The largest scheme text accepted (bytes): the shipped scheme is about 3 KB.
pub const MAX_SCHEME_BYTES: usize = 64 * 1024;

/// The longest objection evidence and decision reasons (characters).
pub const MAX_EVIDENCE_CHARS: usize = 4000;

/// A request to run a scheme.
#[derive(Clone, Debug)]
pub struct NewRun {
    /// The park whose enterprises are assessed (enterprise schemes).
    pub park_id: Option<i64>,
    /// The pair whose parks are assessed (park schemes).
    pub pair_id: Option<String>,
    /// The year of the figures.
    pub year: i64,
    /// The scheme's TOML text (the shipped one or an upload).
    pub scheme_toml: String,
    /// The last day (`YYYY-MM-DD`, inclusive) an assessed enterprise or park may object.
    pub objections_close_on: String,
}

/// An objection as filed.
#[derive(Clone, Debug)]
pub struct NewObjection {
    /// The disputed figure: a field of `enterprise_figures` (`tax_10k_yuan`) in a run of a
    /// park's enterprises, of `park_figures` (`land_occupied_mu`) in a run of a pair's parks.
    pub figure: String,
    /// The value the assessed unit says is right (text or number, as a form sends it); empty when
    /// it only disputes.
    pub proposed_value: Json,
    /// The evidence, at most [`MAX_EVIDENCE_CHARS`] characters.
    pub evidence: String,
}

/// A stored run without its large texts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RunSummary {
    pub id: i64,
    pub pair_id: String,
    pub park_id: Option<i64>,
    pub subject: String,
    pub year: i64,
    pub revision: i64,
    pub previous_run_id: Option<i64>,
    pub scheme_id: String,
    pub objections_close_on: String,
    pub created_by: String,
    pub created_at: String,
}

impl RunSummary {
    /// The summary from a row of `assessment_runs`.
    pub(crate) fn from_row(r: &Row) -> Result<RunSummary, DbError> {
        Ok(RunSummary {
            id: r.int("id")?,
            pair_id: r.text("pair_id")?.to_string(),
            park_id: r.opt_int("park_id")?,
            subject: r.text("subject")?.to_string(),
            year: r.int("year")?,
            revision: r.int("revision")?,
            previous_run_id: r.opt_int("previous_run_id")?,
            scheme_id: r.text("scheme_id")?.to_string(),
            objections_close_on: r.text("objections_close_on")?.to_string(),
            created_by: r.text("created_by")?.to_string(),
            created_at: r.text("created_at")?.to_string(),
        })
    }
}

/// The columns of [`RunSummary::from_row`].
pub(crate) const SUMMARY_COLUMNS: &str = "id, pair_id, park_id, subject, year, revision, \
    previous_run_id, scheme_id, objections_close_on, created_by, created_at";

/// A whole run: the summary, the scheme text, the inputs and the result.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    #[serde(flatten)]
    pub summary: RunSummary,
    /// The scheme exactly as applied (TOML).
    pub scheme_toml: String,
    /// Every unit's figures as read (`[{id, industry, figures: {column: number|null}}]`).
    pub inputs: Json,
    /// The [`tandem_assess::Assessment`] as JSON.
    pub result: Json,
}

/// One unit's result in a run, for the unit itself and the run's readers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitScore {
    pub run: RunSummary,
    /// The enterprise (enterprise schemes) or park (park schemes).
    pub unit_id: i64,
    pub total: Option<f64>,
    pub tier: Option<String>,
    pub rank: Option<i64>,
    /// The unit's [`tandem_assess::UnitResult`]: each indicator's value, benchmark, weight and
    /// score, or why it was not scored.
    pub detail: Json,
}

/// An objection and what became of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Objection {
    pub id: i64,
    pub run_id: i64,
    /// The objecting enterprise (a run of a park's enterprises), else `None`.
    pub enterprise_id: Option<i64>,
    /// The objecting park (a run of a pair's parks), else `None`.
    pub park_id: Option<i64>,
    pub figure: String,
    pub proposed_value: Option<f64>,
    pub evidence: String,
    /// `open`, `accepted` or `rejected`.
    pub status: String,
    pub filed_by: String,
    pub filed_at: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reasons: Option<String>,
    /// The revision made when it was accepted.
    pub new_run_id: Option<i64>,
    pub version: i64,
}

impl Objection {
    /// The objection from a row of `assessment_objections`.
    pub(crate) fn from_row(r: &Row) -> Result<Objection, DbError> {
        let opt = |c: &str| r.opt_text(c).map(|v| v.map(str::to_string));
        Ok(Objection {
            id: r.int("id")?,
            run_id: r.int("run_id")?,
            enterprise_id: r.opt_int("enterprise_id")?,
            park_id: r.opt_int("park_id")?,
            figure: r.text("figure")?.to_string(),
            proposed_value: r.opt_real("proposed_value")?,
            evidence: r.text("evidence")?.to_string(),
            status: r.text("status")?.to_string(),
            filed_by: r.text("filed_by")?.to_string(),
            filed_at: r.text("filed_at")?.to_string(),
            decided_by: opt("decided_by")?,
            decided_at: opt("decided_at")?,
            reasons: opt("reasons")?,
            new_run_id: r.opt_int("new_run_id")?,
            version: r.int("version")?,
        })
    }

    /// The objecting unit: the enterprise or the park.
    pub fn unit_id(&self) -> Option<i64> {
        self.enterprise_id.or(self.park_id)
    }
}

/// The columns of [`Objection::from_row`].
pub(crate) const OBJECTION_COLUMNS: &str = "id, run_id, enterprise_id, park_id, figure, \
    proposed_value, evidence, status, filed_by, filed_at, decided_by, decided_at, reasons, new_run_id, version";

/// One field error as a [`PlatformError::Invalid`].
pub(crate) fn invalid(field: &str, rule: &'static str, en: String, zh: String) -> PlatformError {
    PlatformError::Invalid(vec![FieldError::new(field, rule, en, zh)])
}

/// A free text (evidence, reasons): required, at most [`MAX_EVIDENCE_CHARS`] characters,
/// line breaks allowed, control and bidirectional-override characters refused
/// ([`crate::entity::text_rule`]). Returns the text trimmed, with CRLF line breaks (as browsers
/// send a textarea's) made LF.
pub(crate) fn clean_text(
    field: &str,
    text: &str,
    en: &str,
    zh: &str,
) -> Result<String, PlatformError> {
    let text = text.trim().replace("\r\n", "\n").replace('\r', "\n");
    if text.is_empty() {
        return Err(invalid(
            field,
            "required",
            format!("{en} is required"),
            format!("{zh}为必填项"),
        ));
    }
    if text.chars().count() > MAX_EVIDENCE_CHARS {
        return Err(invalid(
            field,
            "too_long",
            format!("{en} must be at most {MAX_EVIDENCE_CHARS} characters"),
            format!("{zh}最多 {MAX_EVIDENCE_CHARS} 个字符"),
        ));
    }
    if let Some(rule) = crate::entity::text_rule(&text, false) {
        let (m_en, m_zh) = crate::entity::text_rule_messages(rule, en, zh);
        return Err(invalid(field, rule, m_en, m_zh));
    }
    Ok(text)
}
