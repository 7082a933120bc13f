//! tandem-ledger: the benefit-sharing ledger of co-built (enclave) parks.
//!
//! Practice shows that each co-built park has its own arrangement, national rules are thin,
//! statistics are counted where activity happens, and agreed splits often go unhonoured
//! because nobody can compute and show them. This crate makes an arrangement explicit,
//! computes it exactly and keeps a record both sides can check. It is pure library code
//! (files in, files out): no async, no database.
//!
//! * [`money`]: exact amounts in fen ([`Fen`]) and the rounding rule (largest remainder,
//!   ties by party order).
//! * [`agreement`]: versioned agreements from TOML/JSON, checked field by field.
//! * [`settle`]: settlement of revenue records into entries per party, period and revenue
//!   type, with explanations, caps, floors, park return, two books (assessment vs official)
//!   and idempotent re-settlement with corrections.
//! * [`import`]: revenue records from CSV/XLSX, all or nothing.
//! * [`fair`]: Shapley value and Nash bargaining proposals.
//! * [`chain`]: the append-only, hash-chained JSON-lines ledger file with fsync'd appends,
//!   verification and torn-tail repair.
//! * [`statement`]: statements per party and period as XLSX and print-ready HTML.

pub mod agreement;
pub mod chain;
pub mod fair;
pub mod import;
pub mod money;
pub mod settle;
pub mod statement;

pub use agreement::{Agreement, AgreementError, Period, RevenueType};
pub use chain::{ChainError, Head, LedgerFile, VerifyError};
pub use money::{Fen, MoneyError};
pub use settle::{Book, Entry, EntryKey, RevenueRecord, SettleError};

use std::path::Path;

/// Errors reading settlement entries from a ledger file.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The chain does not verify or cannot be read.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A verified entry's content is not a settlement entry.
    #[error("ledger {path}: entry #{seq} is not a settlement entry: {message}")]
    Content {
        /// File.
        path: String,
        /// Sequence number.
        seq: u64,
        /// Why.
        message: String,
    },
}

/// Verifies `path` and decodes every entry as a settlement [`Entry`], with its sequence
/// number. A missing file is an empty ledger.
pub fn load_entries(path: &Path) -> Result<Vec<(u64, Entry)>, LedgerError> {
    if !path.exists() {
        return Ok(Vec::new());
    }
    chain::verify(path)?
        .into_iter()
        .map(|c| {
            serde_json::from_value::<Entry>(c.content)
                .map(|e| (c.seq, e))
                .map_err(|e| LedgerError::Content {
                    path: path.display().to_string(),
                    seq: c.seq,
                    message: e.to_string(),
                })
        })
        .collect()
}

/// The JSON content stored in the ledger for an entry.
pub fn entry_content(e: &Entry) -> serde_json::Value {
    // Entry holds only strings, integers and enums, so serialisation cannot fail; a failure
    // would be a programming error in this crate, reported as null content and refused by
    // the chain (content must be an object).
    serde_json::to_value(e).unwrap_or(serde_json::Value::Null)
}
