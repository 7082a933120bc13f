//! What the operating platform records of a pair's institutions and innovation (issue #17),
//! as plain data for the advisor: dispute cases, barriers between the two sides' rulebooks and
//! matches of enterprises' technology needs with institutes' capabilities.
//!
//! The platform fills a [`CooperationRecords`] with what the user may read; the CLI over files
//! passes an empty one. How they are used:
//!
//! | record | used by | how |
//! |---|---|---|
//! | open dispute of the pair | problem (2) ([`super::problems::records_evidence`]) | direct evidence of missing interest coordination; an overdue level deadline weighs more |
//! | dispute closed by agreement amendment or compensation | problem (2) | evidence that a mechanism works |
//! | unresolved barrier naming the pair | problem (2), institutional path | direct evidence; the path names the oldest ones with their proposed alignment |
//! | technology match of the pair | market-momentum path | the best-scored matches as industry-university-research recommendations |

use crate::PartialDate;
use serde::{Deserialize, Serialize};

/// The platform records of any pairs (the advisor keeps each pair's own).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CooperationRecords {
    pub disputes: Vec<DisputeRecord>,
    pub barriers: Vec<BarrierRecord>,
    pub innovation_matches: Vec<InnovationMatchRecord>,
}

/// No records (the advisor over files).
pub static NO_RECORDS: CooperationRecords = CooperationRecords {
    disputes: Vec::new(),
    barriers: Vec::new(),
    innovation_matches: Vec::new(),
};

/// Where a dispute case stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DisputeState {
    /// Still in consultation at some level.
    Open,
    /// Settled without a change of agreement or compensation.
    Settled,
    /// Settled by amending the agreement (a new agreement version in the ledger).
    AgreementAmended,
    /// Settled by compensation one side pays the other.
    Compensation,
    /// Withdrawn by the side that raised it.
    Withdrawn,
}

/// One dispute case of a pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DisputeRecord {
    pub pair: String,
    /// Where the case can be read, e.g. "tandem platform, dispute #12".
    pub source: String,
    pub title: String,
    pub raised_on: Option<PartialDate>,
    /// The escalation level it is at: `park`, `joint_meeting` or `provincial`.
    pub level: String,
    /// Whether the deadline of its current level has passed while it is open.
    pub overdue: bool,
    pub state: DisputeState,
    /// The amount at stake, in yuan, when one was given.
    pub amount_yuan: Option<f64>,
}

/// One barrier between the rulebooks of the two sides, which may affect several pairs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarrierRecord {
    /// The pairs it affects.
    pub pairs: Vec<String>,
    /// Where it can be read, e.g. "tandem platform, barrier #3".
    pub source: String,
    pub title: String,
    /// `market_access`, `qualification`, `standards`, `public_services`, `data_sharing` or
    /// `talent`.
    pub field: String,
    /// The proposed alignment (`adopt_helper`, `mutual_recognition`, `joint_window`, ...).
    pub alignment: String,
    /// Whether it has been aligned (closed with evidence) or dropped.
    pub resolved: bool,
    /// Days since it was registered, as of the platform's today.
    pub age_days: Option<i64>,
}

/// One match of an enterprise's technology need with an institute's capability.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InnovationMatchRecord {
    pub pair: String,
    /// Where it can be read, e.g. "tandem platform, technology match #5".
    pub source: String,
    pub need: String,
    pub capability: String,
    pub institute: String,
    /// The matching engine's score in [0, 1].
    pub score: f64,
    /// The engine's explanation of the score.
    pub explanation: String,
    /// Whether a cooperation project was started from it.
    pub project_started: bool,
}
