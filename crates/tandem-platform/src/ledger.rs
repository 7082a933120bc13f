//! The benefit-sharing ledger inside the platform database: agreements attached to parks,
//! recorded revenues, settlement and the hash-chained ledger, with the same rules and file
//! formats as `tandem ledger` (crate `tandem-ledger`), which does the arithmetic.
//!
//! * Agreements are versioned documents (TOML or JSON) attached to a park; a change is a new
//!   version, never an edit. Settlement uses each agreement's latest version.
//! * Revenues are recorded per enterprise, period and revenue type (CSV/XLSX in the format of
//!   `tandem ledger settle --revenues`), append-only.
//! * Settlement appends entries to one chain for the whole platform: `hash = SHA-256(prev_hash
//!   || canonical content)` exactly as in the ledger file, so [`verify`] finds the first altered,
//!   removed or reordered entry. Re-settling a period appends nothing when nothing changed, and
//!   differing figures become correction entries only when asked for.
//! * Every split figure is an **assessment** figure; official statistics stay where activity
//!   happens. The entries carry their book, and pages and exports label them.
//!
//! Who may see and do what: administrators, coordinators, the officers of the park's pair and
//! the park's operator read and record; researchers read; enterprises see nothing here.

use crate::auth::{Role, User};
use crate::clock;
use crate::db::{Conn, Db, DbError, Engine, Row, Value};
use crate::service::PlatformError;
use std::collections::HashMap;
use tandem_ledger::chain::{canonical_json, entry_hash, GENESIS};
use tandem_ledger::settle::{reconcile, settle, Entry, RevenueRecord};
use tandem_ledger::{Agreement, Period};

/// Why a ledger operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LedgerOpError {
    #[error(transparent)]
    Platform(#[from] PlatformError),
    #[error("agreement: {0}")]
    Agreement(String),
    #[error("settlement: {0}")]
    Settle(String),
}

impl From<DbError> for LedgerOpError {
    fn from(e: DbError) -> Self {
        LedgerOpError::Platform(PlatformError::Db(e))
    }
}

fn park_pair(c: &mut dyn Conn, park_id: i64) -> Result<String, LedgerOpError> {
    c.query_one(
        "SELECT pair_id FROM parks WHERE id = ?",
        &[Value::Int(park_id)],
    )?
    .and_then(|r| r[0].as_str().map(str::to_string))
    .ok_or_else(|| PlatformError::NotFound(format!("parks {park_id}")).into())
}

/// Whether `user` may record agreements and revenues and settle for park `park_id` (false for
/// an unknown park). Upload handlers ask this before reading a byte of the upload.
pub fn may_write_park(db: &Db, user: &User, park_id: i64) -> Result<bool, LedgerOpError> {
    db.read(|c| match park_pair(c, park_id) {
        Ok(pair) => Ok(may_write(user, park_id, &pair)),
        Err(LedgerOpError::Platform(PlatformError::NotFound(_))) => Ok(false),
        Err(e) => Err(e),
    })
}

/// Whether `user` may read the ledger of a park of `pair`.
pub fn may_read(user: &User, park_id: i64, pair: &str) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator | Role::Researcher => true,
        Role::Officer { pair_id, .. } => pair_id == pair,
        Role::ParkOperator { park_id: p } => *p == park_id,
        Role::Enterprise { .. } => false,
    }
}

/// Whether `user` may record agreements and revenues and settle for a park of `pair`.
pub fn may_write(user: &User, park_id: i64, pair: &str) -> bool {
    match &user.role {
        Role::Admin | Role::Coordinator => true,
        Role::Officer { pair_id, .. } => pair_id == pair,
        Role::ParkOperator { park_id: p } => *p == park_id,
        Role::Enterprise { .. } | Role::Researcher => false,
    }
}

fn check(c: &mut dyn Conn, user: &User, park_id: i64, write: bool) -> Result<(), LedgerOpError> {
    let pair = park_pair(c, park_id)?;
    if !may_read(user, park_id, &pair) {
        return Err(PlatformError::NotFound(format!("the ledger of park {park_id}")).into());
    }
    if write && !may_write(user, park_id, &pair) {
        return Err(PlatformError::Forbidden(format!(
            "{} ({}) may not record or settle benefit sharing for park {park_id}",
            user.username,
            user.role.name()
        ))
        .into());
    }
    Ok(())
}

/// A stored agreement version.
#[derive(Clone, Debug, serde::Serialize)]
pub struct StoredAgreement {
    pub id: i64,
    pub park_id: i64,
    pub agreement_id: String,
    pub version: i64,
    pub title: String,
    pub recorded_by: String,
    pub recorded_at: String,
    pub source_text: String,
}

/// Parses and checks an agreement document (JSON when it starts with `{`, else TOML).
pub fn parse_agreement(text: &str) -> Result<Agreement, LedgerOpError> {
    let a = if text.trim_start().starts_with('{') {
        Agreement::from_json(text, "the agreement")
    } else {
        Agreement::from_toml(text, "the agreement")
    }
    .map_err(|e| LedgerOpError::Agreement(e.to_string()))?;
    a.check()
        .map_err(|e| LedgerOpError::Agreement(e.to_string()))?;
    Ok(a)
}

/// Records a new agreement version for a park. A version number that exists is refused:
/// agreements change by new versions.
pub fn record_agreement(
    db: &Db,
    user: &User,
    park_id: i64,
    text: &str,
) -> Result<StoredAgreement, LedgerOpError> {
    let a = parse_agreement(text)?;
    db.write(|c| {
        check(c, user, park_id, true)?;
        let now = clock::now_timestamp();
        let id = c
            .query_i64(
                "INSERT INTO agreements (park_id, agreement_id, agreement_version, title, \
                 source_text, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                &[
                    Value::Int(park_id),
                    a.id.clone().into(),
                    Value::Int(a.version as i64),
                    a.title.clone().into(),
                    text.into(),
                    user.actor().into(),
                    now.clone().into(),
                ],
            )
            .map_err(|e| {
                if e.is_unique_violation() {
                    LedgerOpError::Agreement(format!(
                        "agreement {} version {} is already recorded; record the change as version {}",
                        a.id,
                        a.version,
                        a.version + 1
                    ))
                } else {
                    e.into()
                }
            })?;
        Ok(StoredAgreement {
            id,
            park_id,
            agreement_id: a.id.clone(),
            version: a.version as i64,
            title: a.title.clone(),
            recorded_by: user.actor(),
            recorded_at: now,
            source_text: text.to_string(),
        })
    })
}

fn load_agreements(c: &mut dyn Conn, park_id: i64) -> Result<Vec<StoredAgreement>, DbError> {
    let rows = c.query(
        "SELECT id, park_id, agreement_id, agreement_version, title, recorded_by, recorded_at, \
         source_text FROM agreements WHERE park_id = ? ORDER BY agreement_id, agreement_version",
        &[Value::Int(park_id)],
    )?;
    rows.iter().map(StoredAgreement::try_from).collect()
}

impl TryFrom<&Row> for StoredAgreement {
    type Error = DbError;
    /// An `agreements` row, its version read from `agreement_version`.
    fn try_from(r: &Row) -> Result<StoredAgreement, DbError> {
        Ok(StoredAgreement {
            id: r.int("id")?,
            park_id: r.int("park_id")?,
            agreement_id: r.text("agreement_id")?.into(),
            version: r.int("agreement_version")?,
            title: r.text("title")?.into(),
            recorded_by: r.text("recorded_by")?.into(),
            recorded_at: r.text("recorded_at")?.into(),
            source_text: r.text("source_text")?.into(),
        })
    }
}

/// Every agreement version of a park, by agreement and version.
pub fn agreements(
    db: &Db,
    user: &User,
    park_id: i64,
) -> Result<Vec<StoredAgreement>, LedgerOpError> {
    db.read(|c| {
        check(c, user, park_id, false)?;
        Ok(load_agreements(c, park_id)?)
    })
}

/// Records revenue figures of a park (all or nothing); returns how many.
pub fn record_revenues(
    db: &Db,
    user: &User,
    park_id: i64,
    records: &[RevenueRecord],
) -> Result<usize, LedgerOpError> {
    db.write(|c| {
        check(c, user, park_id, true)?;
        let now = clock::now_timestamp();
        for r in records {
            c.execute(
                "INSERT INTO revenues (park_id, enterprise_ref, park_ref, industry, recommended_by, \
                 period, revenue_type, amount, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                &[
                    Value::Int(park_id),
                    r.enterprise_id.clone().into(),
                    r.park_id.clone().into(),
                    r.industry.clone().into(),
                    r.recommended_by.clone().into(),
                    r.period.to_string().into(),
                    r.revenue_type.as_str().into(),
                    Value::Int(r.amount.0),
                    user.actor().into(),
                    now.clone().into(),
                ],
            )?;
        }
        Ok(records.len())
    })
}

fn load_revenues(c: &mut dyn Conn, park_id: i64) -> Result<Vec<RevenueRecord>, LedgerOpError> {
    let rows = c.query(
        "SELECT enterprise_ref, park_ref, industry, recommended_by, period, revenue_type, amount \
         FROM revenues WHERE park_id = ? ORDER BY id",
        &[Value::Int(park_id)],
    )?;
    rows.iter().map(revenue_record).collect()
}

/// A `revenues` row as the settlement's record. Stored rows were validated on the way in; a
/// period or revenue type that no longer parses means the database was changed behind the
/// platform's back.
fn revenue_record(r: &Row) -> Result<RevenueRecord, LedgerOpError> {
    let bad = |what: &str| LedgerOpError::Settle(format!("a stored revenue row has a bad {what}"));
    Ok(RevenueRecord {
        enterprise_id: r.text("enterprise_ref")?.to_string(),
        park_id: r.text("park_ref")?.to_string(),
        industry: r.text("industry")?.to_string(),
        recommended_by: r.opt_text("recommended_by")?.map(str::to_string),
        period: r.text("period")?.parse().map_err(|_| bad("period"))?,
        revenue_type: r
            .text("revenue_type")?
            .parse()
            .map_err(|_| bad("revenue type"))?,
        amount: tandem_ledger::Fen(r.int("amount")?),
    })
}

fn load_entries(
    c: &mut dyn Conn,
    park_id: Option<i64>,
) -> Result<Vec<(u64, Entry)>, LedgerOpError> {
    let rows = match park_id {
        Some(p) => c.query(
            "SELECT seq, content FROM ledger_entries WHERE park_id = ? ORDER BY seq",
            &[Value::Int(p)],
        )?,
        None => c.query("SELECT seq, content FROM ledger_entries ORDER BY seq", &[])?,
    };
    rows.iter()
        .map(|r| {
            let seq = r.int("seq")? as u64;
            let e: Entry = serde_json::from_str(r.text("content")?).map_err(|e| {
                LedgerOpError::Settle(format!(
                    "ledger entry #{seq} is not a settlement entry: {e}"
                ))
            })?;
            Ok((seq, e))
        })
        .collect()
}

/// The ledger entries of a park, in ledger order.
pub fn entries(db: &Db, user: &User, park_id: i64) -> Result<Vec<(u64, Entry)>, LedgerOpError> {
    db.read(|c| {
        check(c, user, park_id, false)?;
        load_entries(c, Some(park_id))
    })
}

/// One entry a settlement appended, with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AppendedEntry {
    /// Its sequence number in the platform's chain.
    pub seq: u64,
    /// The entry as stored (its canonical JSON is what the chain hashes).
    pub entry: Entry,
}

/// What a settlement did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Settled {
    pub appended: usize,
    pub unchanged: usize,
    pub corrections: usize,
    /// The chain's head after the settlement.
    pub head_seq: u64,
    pub head_hash: String,
    /// The entries appended (committed when this is returned): what a client that received
    /// the answer may hold the platform to.
    pub entries: Vec<AppendedEntry>,
}

/// Settles a park's recorded revenues for `from..=to` under the latest version of each of its
/// agreements and appends the new entries to the chain, in one transaction.
pub fn settle_park(
    db: &Db,
    user: &User,
    park_id: i64,
    from: Period,
    to: Period,
    allow_corrections: bool,
) -> Result<Settled, LedgerOpError> {
    if to < from {
        return Err(LedgerOpError::Settle(format!(
            "the period range {from}..{to} is empty"
        )));
    }
    db.write(|c| {
        check(c, user, park_id, true)?;
        if c.engine() == Engine::Postgres {
            // One chain for the platform: settlements append one after another.
            c.batch("LOCK TABLE ledger_entries IN EXCLUSIVE MODE")?;
        }
        let latest = latest_agreements(c, park_id)?;
        let revenues = load_revenues(c, park_id)?;
        let fresh = settle(&latest, revenues.iter(), from, to)
            .map_err(|e| LedgerOpError::Settle(e.to_string()))?;
        let existing = load_entries(c, Some(park_id))?;
        let plan = reconcile(&existing, fresh, allow_corrections).map_err(|e| {
            LedgerOpError::Settle(format!(
                "{e}; settle again allowing corrections to record the difference as correction \
                 entries"
            ))
        })?;
        let mut head = chain_head(c)?;
        let appended = append_entries(c, user, park_id, &mut head, &plan.append)?;
        Ok(Settled {
            appended: plan.append.len(),
            unchanged: plan.unchanged,
            corrections: plan.corrections,
            head_seq: head.seq,
            head_hash: head.hash,
            entries: appended,
        })
    })
}

/// The latest version of each of a park's agreements, parsed, in agreement order; an error
/// if the park has none.
fn latest_agreements(c: &mut dyn Conn, park_id: i64) -> Result<Vec<Agreement>, LedgerOpError> {
    let stored = load_agreements(c, park_id)?;
    let mut latest: Vec<Agreement> = Vec::new();
    for s in stored.iter().rev() {
        if latest.iter().all(|a| a.id != s.agreement_id) {
            latest.push(parse_agreement(&s.source_text)?);
        }
    }
    if latest.is_empty() {
        return Err(LedgerOpError::Settle(format!(
            "park {park_id} has no agreement; record one first"
        )));
    }
    latest.reverse();
    Ok(latest)
}

/// The last entry of the chain: its sequence number and hash (0 and [`GENESIS`] for an empty
/// chain).
struct ChainHead {
    seq: u64,
    hash: String,
}

/// The chain's current head.
fn chain_head(c: &mut dyn Conn) -> Result<ChainHead, DbError> {
    Ok(
        match c.query_one(
            "SELECT seq, hash FROM ledger_entries ORDER BY seq DESC LIMIT 1",
            &[],
        )? {
            Some(r) => ChainHead {
                seq: r.int("seq")? as u64,
                hash: r.text("hash")?.to_string(),
            },
            None => ChainHead {
                seq: 0,
                hash: GENESIS.to_string(),
            },
        },
    )
}

/// Appends `entries` to the chain after `head`, filed under park `park_id` and recorded by
/// `user` now, each hashed over its canonical JSON and the previous hash; moves `head` to the
/// last one. Returns the entries with their sequence numbers.
fn append_entries(
    c: &mut dyn Conn,
    user: &User,
    park_id: i64,
    head: &mut ChainHead,
    entries: &[Entry],
) -> Result<Vec<AppendedEntry>, LedgerOpError> {
    let now = clock::now_timestamp();
    let mut appended = Vec::with_capacity(entries.len());
    for e in entries {
        let value =
            serde_json::to_value(e).map_err(|err| LedgerOpError::Settle(err.to_string()))?;
        let content =
            canonical_json(&value).map_err(|err| LedgerOpError::Settle(err.to_string()))?;
        let prev = &head.hash;
        let hash = entry_hash(prev, &content).ok_or_else(|| {
            LedgerOpError::Settle(format!("the chain's head hash {prev:?} is malformed"))
        })?;
        let seq = head.seq + 1;
        c.execute(
            "INSERT INTO ledger_entries (seq, park_id, prev_hash, content, hash, recorded_by, \
             recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[
                Value::Int(seq as i64),
                Value::Int(park_id),
                prev.clone().into(),
                content.into(),
                hash.clone().into(),
                user.actor().into(),
                now.clone().into(),
            ],
        )?;
        *head = ChainHead { seq, hash };
        appended.push(AppendedEntry {
            seq,
            entry: e.clone(),
        });
    }
    Ok(appended)
}

/// The first entry of the chain that does not verify.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, thiserror::Error)]
#[error("ledger entry #{seq}{}: {reason}", park_note(.park_id))]
pub struct BadEntry {
    /// The sequence number of the bad row (for a gap: the row found where another was due).
    pub seq: u64,
    /// The park the bad row is filed under (its `park_id` column), when the row exists.
    pub park_id: Option<i64>,
    /// What is wrong, in words.
    pub reason: String,
}

fn park_note(park_id: &Option<i64>) -> String {
    park_id.map_or(String::new(), |p| format!(" (park {p})"))
}

/// Checks the whole chain, in `seq` order:
///
/// * sequence numbers count from 1 without gaps (a gap or a step back: an entry was removed
///   or reordered);
/// * each `prev_hash` is the previous entry's hash;
/// * each content is canonical JSON and its hash is `SHA-256(prev_hash || content)` (an
///   altered amount, party or period breaks it);
/// * each entry is filed under the park whose agreement it settles (`park_id` is outside the
///   hash, so this catches an entry moved to another park's page).
///
/// Returns the number of entries and the head hash ([`GENESIS`] for an empty ledger), or the
/// first bad entry. Entries cut from the end leave a valid shorter chain: compare the head
/// with one kept from a settlement ([`Settled::head_seq`], [`hash_at`]).
pub fn verify(db: &Db) -> Result<Result<(u64, String), BadEntry>, DbError> {
    db.read(|c| {
        let owners = agreement_owners(c)?;
        let rows = c.query(
            "SELECT seq, prev_hash, content, hash, park_id FROM ledger_entries ORDER BY seq",
            &[],
        )?;
        let mut prev = GENESIS.to_string();
        let mut expected = 1u64;
        for r in &rows {
            let row = ChainRow::try_from(r)?;
            if let Err(reason) = check_chain_row(&row, expected, &prev, &owners) {
                return Ok(Err(BadEntry {
                    seq: row.seq,
                    park_id: row.park_id,
                    reason,
                }));
            }
            prev = row.hash;
            expected += 1;
        }
        Ok(Ok((expected - 1, prev)))
    })
}

/// (agreement id, version) -> the parks that recorded it: ids are unique per park only.
type AgreementOwners = HashMap<(String, i64), Vec<i64>>;

/// Which parks recorded each agreement version.
fn agreement_owners(c: &mut dyn Conn) -> Result<AgreementOwners, DbError> {
    let mut owners = AgreementOwners::new();
    for r in c.query(
        "SELECT agreement_id, agreement_version, park_id FROM agreements",
        &[],
    )? {
        let key = (
            r.text("agreement_id")?.to_string(),
            r.int("agreement_version")?,
        );
        owners.entry(key).or_default().push(r.int("park_id")?);
    }
    Ok(owners)
}

/// One row of the chain as [`verify`] reads it.
struct ChainRow {
    seq: u64,
    prev_hash: String,
    content: String,
    hash: String,
    park_id: Option<i64>,
}

impl TryFrom<&Row> for ChainRow {
    type Error = DbError;
    fn try_from(r: &Row) -> Result<ChainRow, DbError> {
        Ok(ChainRow {
            seq: r.int("seq")? as u64,
            prev_hash: r.text("prev_hash")?.to_string(),
            content: r.text("content")?.to_string(),
            hash: r.text("hash")?.to_string(),
            park_id: r.opt_int("park_id")?,
        })
    }
}

/// What is wrong with the chain row found where entry `expected` is due after hash `prev`,
/// if anything: its place, its link, its content and hash, then its park
/// ([`check_entry_park`]).
fn check_chain_row(
    row: &ChainRow,
    expected: u64,
    prev: &str,
    owners: &AgreementOwners,
) -> Result<(), String> {
    if row.seq != expected {
        return Err(format!(
            "expected entry #{expected} here: an entry was removed or reordered"
        ));
    }
    if row.prev_hash != prev {
        return Err("its prev_hash is not the previous entry's hash".into());
    }
    let content = row.content.as_str();
    let value = serde_json::from_str::<serde_json::Value>(content).ok();
    let canonical = value.as_ref().and_then(|v| canonical_json(v).ok());
    if canonical.as_deref() != Some(content) {
        return Err("its content is not canonical JSON (altered)".into());
    }
    let hash = entry_hash(prev, content);
    if hash.as_deref() != Some(row.hash.as_str()) {
        return Err("its hash does not match its content (altered)".into());
    }
    check_entry_park(row.park_id, value.as_ref(), owners)
}

/// Whether an entry (its content `value`) is filed under a park (`park_id`) that recorded the
/// agreement version it settles; if not, why.
fn check_entry_park(
    park_id: Option<i64>,
    value: Option<&serde_json::Value>,
    owners: &AgreementOwners,
) -> Result<(), String> {
    let agreement =
        value.and_then(|v| Some((v["agreement"].as_str()?.to_string(), v["version"].as_i64()?)));
    let Some(key) = agreement else {
        return Err("its content names no agreement and version".into());
    };
    match owners.get(&key) {
        None => Err(format!(
            "its agreement {} v{} is not recorded for any park",
            key.0, key.1
        )),
        Some(parks) if !park_id.is_some_and(|p| parks.contains(&p)) => Err(format!(
            "it is filed under park {} but agreement {} v{} belongs to park {}: \
             the entry was moved to another park",
            park_id.map_or("(none)".to_string(), |p| p.to_string()),
            key.0,
            key.1,
            parks
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )),
        Some(_) => Ok(()),
    }
}

/// The hash of entry `seq`, if the chain has it (to tell, against a kept head, whether
/// entries were appended after it or the entry itself differs).
pub fn hash_at(db: &Db, seq: u64) -> Result<Option<String>, DbError> {
    db.read(|c| {
        Ok(c.query_one(
            "SELECT hash FROM ledger_entries WHERE seq = ?",
            &[Value::Int(seq as i64)],
        )?
        .and_then(|r| r[0].as_str().map(str::to_string)))
    })
}
