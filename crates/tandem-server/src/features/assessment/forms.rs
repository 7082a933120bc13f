//! The typed bodies of the assessment routes (JSON and forms) and what they become.

use serde::Deserialize;
use serde_json::Value as Json;
use tandem_platform::assessment::objections::Decision;
use tandem_platform::assessment::{NewObjection, NewRun};
use tandem_platform::entity::FieldError;
use tandem_platform::service::PlatformError;

/// The name of the shipped scheme ([`tandem_assess::EXAMPLE_PER_MU`]).
pub(crate) const SHIPPED_PER_MU: &str = "per_mu_example";

/// A request to run a scheme: the shipped one by name (`scheme`) or a TOML text
/// (`scheme_toml`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RunBody {
    #[serde(default)]
    pub park_id: Option<i64>,
    #[serde(default)]
    pub pair_id: Option<String>,
    pub year: i64,
    #[serde(default)]
    pub scheme: Option<String>,
    #[serde(default)]
    pub scheme_toml: Option<String>,
    pub objections_close_on: String,
}

impl RunBody {
    /// The platform's request; an unknown shipped scheme or neither source is a field error.
    pub(crate) fn into_new_run(self) -> Result<NewRun, PlatformError> {
        let toml = match (self.scheme.as_deref(), self.scheme_toml) {
            (_, Some(text)) if !text.trim().is_empty() => text,
            (Some(SHIPPED_PER_MU), _) => tandem_assess::EXAMPLE_PER_MU.to_string(),
            _ => {
                return Err(PlatformError::Invalid(vec![FieldError::new(
                    "scheme",
                    "required",
                    format!("choose the shipped scheme ({SHIPPED_PER_MU}) or give a scheme's TOML"),
                    format!("请选择内置方案（{SHIPPED_PER_MU}）或提供方案 TOML"),
                )]))
            }
        };
        Ok(NewRun {
            park_id: self.park_id,
            pair_id: self.pair_id.filter(|p| !p.trim().is_empty()),
            year: self.year,
            scheme_toml: toml,
            objections_close_on: self.objections_close_on,
        })
    }
}

/// The run form: as [`RunBody`], with the CSRF token, every field text (read from a
/// multipart form, for the scheme file: `pages::read_run_form`).
#[derive(Default)]
pub(crate) struct RunForm {
    pub csrf: String,
    pub park_id: String,
    pub pair_id: String,
    pub year: String,
    pub scheme: String,
    /// The uploaded scheme file, else the pasted text.
    pub scheme_toml: String,
    pub objections_close_on: String,
}

impl RunForm {
    /// The form as the API's body; numbers that are not numbers are field errors.
    pub(crate) fn into_body(self) -> Result<RunBody, PlatformError> {
        let number = |field: &str, text: &str| -> Result<Option<i64>, PlatformError> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            text.parse().map(Some).map_err(|_| {
                PlatformError::Invalid(vec![FieldError::new(
                    field,
                    "not_a_number",
                    format!("{field} must be a whole number"),
                    format!("{field} 必须是整数"),
                )])
            })
        };
        Ok(RunBody {
            park_id: number("park_id", &self.park_id)?,
            pair_id: Some(self.pair_id),
            year: number("year", &self.year)?.unwrap_or(0),
            scheme: Some(self.scheme),
            scheme_toml: Some(self.scheme_toml),
            objections_close_on: self.objections_close_on,
        })
    }
}

/// An objection (JSON).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObjectionBody {
    pub figure: String,
    #[serde(default)]
    pub proposed_value: Json,
    pub evidence: String,
}

impl From<ObjectionBody> for NewObjection {
    fn from(b: ObjectionBody) -> NewObjection {
        NewObjection {
            figure: b.figure,
            proposed_value: b.proposed_value,
            evidence: b.evidence,
        }
    }
}

/// The objection form.
#[derive(Deserialize)]
pub(crate) struct ObjectionForm {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    #[serde(default)]
    pub figure: String,
    #[serde(default)]
    pub proposed_value: String,
    #[serde(default)]
    pub evidence: String,
}

impl From<ObjectionForm> for NewObjection {
    fn from(f: ObjectionForm) -> NewObjection {
        NewObjection {
            figure: f.figure,
            proposed_value: Json::String(f.proposed_value),
            evidence: f.evidence,
        }
    }
}

/// A decision (JSON, and the form with `_csrf`): `accept` or `reject`, with reasons.
#[derive(Deserialize)]
pub(crate) struct DecisionBody {
    #[serde(rename = "_csrf", default)]
    pub csrf: String,
    pub decision: String,
    #[serde(default)]
    pub reasons: String,
}

impl DecisionBody {
    /// The platform's decision; anything but `accept` or `reject` is a field error.
    pub(crate) fn decision(&self) -> Result<Decision, PlatformError> {
        let accept = match self.decision.as_str() {
            "accept" => true,
            "reject" => false,
            _ => {
                return Err(PlatformError::Invalid(vec![FieldError::new(
                    "decision",
                    "not_allowed",
                    "decision must be accept or reject".into(),
                    "决定须为 accept（采纳）或 reject（驳回）".into(),
                )]))
            }
        };
        Ok(Decision {
            accept,
            reasons: self.reasons.clone(),
        })
    }
}

/// The aggregates' query.
#[derive(Deserialize)]
pub(crate) struct AggregatesQuery {
    #[serde(default)]
    pub year: Option<i64>,
    #[serde(default)]
    pub scheme: Option<String>,
}
