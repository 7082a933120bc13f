//! Settlement: from revenue records to ledger entries per party, period and revenue type.
//!
//! # Method
//! 1. **Qualify.** A [`RevenueRecord`] counts for an agreement version when its park is in
//!    the scope (or the scope lists no parks), its industry starts with one of the scope's
//!    sector-code prefixes (or none are listed), its `recommended_by` matches the
//!    qualification, its period lies in the version's validity, scope dates and exit end, and
//!    the agreement has a rule for its revenue type. A record may count for several
//!    agreements (each splits its own view).
//! 2. **Aggregate.** Qualifying amounts are summed exactly (`i128`) per agreement version,
//!    period and revenue type. Sums do not depend on row order, so neither does anything
//!    below.
//! 3. **Split.** Each period total is apportioned by the schedule step of its agreement year
//!    with the largest-remainder rule of [`crate::money`] (ties by party order).
//! 4. **Caps** (during the year): a capped party's credited year-to-date is
//!    `min(raw year-to-date, cap)`; each month it is credited the change of that figure and the
//!    difference goes to the cap's `to` party.
//! 5. **Floors** (at the end of each agreement year, i.e. its twelfth month or the last
//!    covered month): if the protected party's year total is below the floor it is topped up
//!    from the `from` party's year total, never by more than that party received in the year
//!    (so the payer never ends a year below zero). The top-up is booked in the year-end month,
//!    where the payer's monthly figure may therefore be negative.
//! 6. **Park return** (cash types): `park_return_bp` of every other party's credited amount is
//!    returned to the `park_return_to` party, apportioned by the same rounding rule. The
//!    *credited* figure (after steps 3–5) is the assessment figure; the *amount* (after
//!    step 6) is what the party keeps.
//! 7. **Two books.** Every split figure is an entry with `book = "assessment"`. For each
//!    agreement, period and revenue type one `book = "official"` entry books the whole total
//!    to the `host` party: official statistics stay where activity happens.
//!
//! Year-to-date figures and floors use every record given for the agreement year, including
//! periods outside the requested range, so give revenue files that cover whole agreement
//! years.
//!
//! # Idempotence and corrections
//! Entries are keyed by [`EntryKey`] (agreement, version, period, party, revenue type, book).
//! [`reconcile`] compares a fresh settlement with what the ledger already holds: identical
//! entries are skipped, so settling a period twice adds nothing; a differing entry is refused
//! unless corrections are allowed, in which case a new `correction` entry that references the
//! original's sequence number is appended. Entries are never edited.

use crate::agreement::{Agreement, Period, Qualification, RevenueRule, RevenueType, FULL_BP};
use crate::money::{apportion, Fen, MoneyError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

/// One revenue (or quantity) figure of one enterprise in one period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueRecord {
    /// Enterprise id (unified social credit code or any stable id).
    pub enterprise_id: String,
    /// Park id the enterprise is in.
    pub park_id: String,
    /// Sector code (e.g. GB/T 4754 `C3612`).
    pub industry: String,
    /// Party that recommended (brought) the enterprise, if any.
    pub recommended_by: Option<String>,
    /// Period.
    pub period: Period,
    /// Revenue type.
    pub revenue_type: RevenueType,
    /// Amount in hundredths of the type's unit (fen for money).
    pub amount: Fen,
}

/// Which set of books an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Book {
    /// Split figures, for assessment only.
    Assessment,
    /// Official statistics, booked where activity happens.
    Official,
}

impl Book {
    /// `assessment` or `official`.
    pub fn as_str(self) -> &'static str {
        match self {
            Book::Assessment => "assessment",
            Book::Official => "official",
        }
    }
}

/// Whether an entry is a first settlement or a correction of an earlier entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// First settlement of its key.
    Settlement,
    /// Supersedes the entry with sequence number `corrects`.
    Correction,
}

/// One line of an entry's explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The rule that applied: `schedule`, `cap`, `floor`, `park_return`, `official`.
    pub rule: String,
    /// What happened, in words with the figures.
    pub text: String,
    /// The amount this line adds (negative: taken away).
    pub amount: Fen,
}

/// A settlement entry for one party (see [`EntryKey`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Settlement or correction.
    pub kind: EntryKind,
    /// Sequence number of the entry this corrects.
    pub corrects: Option<u64>,
    /// Book.
    pub book: Book,
    /// Agreement id.
    pub agreement: String,
    /// Agreement version.
    pub version: u32,
    /// Period.
    pub period: Period,
    /// Party id.
    pub party: String,
    /// Revenue type.
    pub revenue_type: RevenueType,
    /// Unit of the amounts (`yuan`, `tce`, `mu`).
    pub unit: String,
    /// Agreement year of the period.
    pub agreement_year: u32,
    /// Index of the schedule step that applied (assessment book).
    pub schedule_step: Option<usize>,
    /// The period's qualifying total being split.
    pub base_total: Fen,
    /// Number of qualifying records in the total.
    pub records: u64,
    /// The party's credited figure after schedule, caps and floors (assessment figure).
    pub credited: Fen,
    /// What the party keeps after the park return.
    pub amount: Fen,
    /// Credited year-to-date within the agreement year, including this period.
    pub ytd_credited: Fen,
    /// Amount year-to-date within the agreement year, including this period.
    pub ytd_amount: Fen,
    /// Explanation, line by line; the lines sum to `amount`.
    pub lines: Vec<Line>,
}

/// The identity of an entry: at most one effective entry exists per key.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntryKey {
    /// Agreement id.
    pub agreement: String,
    /// Version.
    pub version: u32,
    /// Period.
    pub period: Period,
    /// Party.
    pub party: String,
    /// Revenue type.
    pub revenue_type: RevenueType,
    /// Book.
    pub book: Book,
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} v{} {} {} {} ({})",
            self.agreement,
            self.version,
            self.period,
            self.party,
            self.revenue_type,
            self.book.as_str()
        )
    }
}

impl Entry {
    /// The entry's key.
    pub fn key(&self) -> EntryKey {
        EntryKey {
            agreement: self.agreement.clone(),
            version: self.version,
            period: self.period,
            party: self.party.clone(),
            revenue_type: self.revenue_type,
            book: self.book,
        }
    }

    /// True when the settled figures (everything but kind and `corrects`) are equal.
    pub fn same_figures(&self, other: &Entry) -> bool {
        let mut a = self.clone();
        a.kind = other.kind;
        a.corrects = other.corrects;
        a == *other
    }
}

/// Errors of settlement.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// Arithmetic overflow or an impossible split.
    #[error("agreement {agreement} v{version}, {period}, {revenue_type}: {source}")]
    Money {
        /// Agreement id.
        agreement: String,
        /// Version.
        version: u32,
        /// Period.
        period: Period,
        /// Revenue type.
        revenue_type: RevenueType,
        /// The arithmetic error.
        source: MoneyError,
    },
    /// The period range is empty.
    #[error("period range {from}..{to} is empty")]
    EmptyRange {
        /// Start.
        from: Period,
        /// End.
        to: Period,
    },
    /// A re-settlement differs from the ledger and corrections were not allowed.
    #[error(
        "{key}: the ledger already holds entry #{seq} with amount {old}, re-settlement gives \
         {new}; record a correction (--correct) to supersede it"
    )]
    Differs {
        /// The entry key.
        key: EntryKey,
        /// Sequence number of the effective ledger entry.
        seq: u64,
        /// Its amount.
        old: Fen,
        /// The new amount.
        new: Fen,
    },
}

type Bucket = (usize, i64, RevenueType);

/// Streaming settlement: feed records with [`Settler::add`], then [`Settler::finish`].
/// Memory grows with agreements x periods x revenue types, not with records.
pub struct Settler<'a> {
    agreements: &'a [Agreement],
    by_park: HashMap<&'a str, Vec<usize>>,
    any_park: Vec<usize>,
    totals: HashMap<Bucket, (i128, u64)>,
    records: u64,
}

impl<'a> Settler<'a> {
    /// A settler for these (checked) agreements.
    pub fn new(agreements: &'a [Agreement]) -> Settler<'a> {
        let mut by_park: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut any_park = Vec::new();
        for (i, a) in agreements.iter().enumerate() {
            if a.scope.parks.is_empty() {
                any_park.push(i);
            }
            for p in &a.scope.parks {
                by_park.entry(p.as_str()).or_default().push(i);
            }
        }
        Settler {
            agreements,
            by_park,
            any_park,
            totals: HashMap::new(),
            records: 0,
        }
    }

    fn qualifies(a: &Agreement, r: &RevenueRecord) -> bool {
        if !a.revenue.contains_key(&r.revenue_type) {
            return false;
        }
        if r.period < a.first_period() || a.last_period().is_some_and(|l| r.period > l) {
            return false;
        }
        if !a.scope.industries.is_empty()
            && !a
                .scope
                .industries
                .iter()
                .any(|p| r.industry.starts_with(p.as_str()))
        {
            return false;
        }
        match &a.scope.qualification {
            Qualification::All => true,
            Qualification::RecommendedBy(p) => r.recommended_by.as_deref() == Some(p.as_str()),
        }
    }

    /// Adds one record to every agreement it qualifies for.
    pub fn add(&mut self, r: &RevenueRecord) {
        self.records += 1;
        let listed = self.by_park.get(r.park_id.as_str()).map(Vec::as_slice);
        for &i in listed.unwrap_or(&[]).iter().chain(self.any_park.iter()) {
            let a = &self.agreements[i];
            if Self::qualifies(a, r) {
                let t = self
                    .totals
                    .entry((i, r.period.index(), r.revenue_type))
                    .or_insert((0, 0));
                t.0 += i128::from(r.amount.0);
                t.1 += 1;
            }
        }
    }

    /// Number of records added.
    pub fn records_seen(&self) -> u64 {
        self.records
    }

    /// Entries for the periods `from..=to`, sorted by period, agreement, version, revenue
    /// type, book and party order.
    pub fn finish(&self, from: Period, to: Period) -> Result<Vec<Entry>, SettleError> {
        if to < from {
            return Err(SettleError::EmptyRange { from, to });
        }
        let mut out = Vec::new();
        for (ai, a) in self.agreements.iter().enumerate() {
            let lo = from.max(a.first_period());
            let hi = match a.last_period() {
                Some(l) => to.min(l),
                None => to,
            };
            if hi < lo {
                continue;
            }
            let (Some(y0), Some(y1)) = (a.agreement_year(lo), a.agreement_year(hi)) else {
                continue;
            };
            for (ty, rule) in &a.revenue {
                for year in y0..=y1 {
                    self.settle_year(ai, a, *ty, rule, year, from, to, &mut out)?;
                }
            }
        }
        out.sort_by(|x, y| {
            let px = self.party_order(x);
            let py = self.party_order(y);
            (
                x.period,
                &x.agreement,
                x.version,
                x.revenue_type,
                x.book,
                px,
            )
                .cmp(&(
                    y.period,
                    &y.agreement,
                    y.version,
                    y.revenue_type,
                    y.book,
                    py,
                ))
        });
        Ok(out)
    }

    fn party_order(&self, e: &Entry) -> usize {
        self.agreements
            .iter()
            .find(|a| a.id == e.agreement && a.version == e.version)
            .and_then(|a| a.party_index(&e.party))
            .unwrap_or(usize::MAX)
    }

    #[allow(clippy::too_many_arguments)]
    fn settle_year(
        &self,
        ai: usize,
        a: &Agreement,
        ty: RevenueType,
        rule: &RevenueRule,
        year: u32,
        from: Period,
        to: Period,
        out: &mut Vec<Entry>,
    ) -> Result<(), SettleError> {
        let year_start = Period::from_index(a.valid_from.index() + i64::from(year - 1) * 12);
        let first = year_start.max(a.first_period());
        let last = a.year_end(year);
        if last < first {
            return Ok(());
        }
        let n = a.parties.len();
        let money = |period: Period, source: MoneyError| SettleError::Money {
            agreement: a.id.clone(),
            version: a.version,
            period,
            revenue_type: ty,
            source,
        };
        let Some((step_idx, step)) = a.step(ty, year) else {
            return Ok(());
        };
        let weights: Vec<u32> = a
            .parties
            .iter()
            .map(|p| step.shares.get(&p.id).copied().unwrap_or(0))
            .collect();
        let mut raw_cum = vec![0i128; n];
        let mut cred_cum = vec![0i128; n];
        let mut amount_cum = vec![0i128; n];
        let mut total_cum: i128 = 0;
        let mut p = first;
        while p <= last {
            let (total, count) = self
                .totals
                .get(&(ai, p.index(), ty))
                .copied()
                .unwrap_or((0, 0));
            let total_fen = Fen::from_i128(total).map_err(|e| money(p, e))?;
            total_cum += total;
            let raw = apportion(total_fen, &weights).map_err(|e| money(p, e))?;
            let mut lines: Vec<Vec<Line>> = vec![Vec::new(); n];
            let mut cred: Vec<i128> = raw.iter().map(|f| i128::from(f.0)).collect();
            for (i, party) in a.parties.iter().enumerate() {
                if weights[i] > 0 || count > 0 && step.shares.contains_key(&party.id) {
                    lines[i].push(Line {
                        rule: "schedule".into(),
                        text: format!(
                            "year {year}, schedule[{step_idx}]: {} bp of {total_fen} ({count} records)",
                            weights[i]
                        ),
                        amount: raw[i],
                    });
                }
            }
            // Caps: credited year-to-date is min(raw year-to-date, cap).
            for cap in &rule.caps {
                let (Some(i), Some(j)) = (a.party_index(&cap.party), a.party_index(&cap.to)) else {
                    continue;
                };
                let c = i128::from(cap.per_year.0);
                let before = raw_cum[i].min(c);
                raw_cum[i] += cred[i];
                let after = raw_cum[i].min(c);
                let adj = (after - before) - cred[i];
                if adj != 0 {
                    let f = Fen::from_i128(adj).map_err(|e| money(p, e))?;
                    let g = Fen::from_i128(-adj).map_err(|e| money(p, e))?;
                    cred[i] += adj;
                    cred[j] -= adj;
                    lines[i].push(Line {
                        rule: "cap".into(),
                        text: format!("yearly cap {} reached; excess to {}", cap.per_year, cap.to),
                        amount: f,
                    });
                    lines[j].push(Line {
                        rule: "cap".into(),
                        text: format!("excess over {}'s yearly cap {}", cap.party, cap.per_year),
                        amount: g,
                    });
                }
            }
            for i in 0..n {
                if !rule.caps.iter().any(|c| c.party == a.parties[i].id) {
                    raw_cum[i] += i128::from(raw[i].0);
                }
            }
            // Floors: at the year's last covered month.
            if p == last {
                for fl in &rule.floors {
                    let (Some(i), Some(j)) = (a.party_index(&fl.party), a.party_index(&fl.from))
                    else {
                        continue;
                    };
                    let have = cred_cum[i] + cred[i];
                    let need = i128::from(fl.per_year.0) - have;
                    let avail = (cred_cum[j] + cred[j]).max(0);
                    let top = need.min(avail);
                    if top > 0 {
                        let f = Fen::from_i128(top).map_err(|e| money(p, e))?;
                        cred[i] += top;
                        cred[j] -= top;
                        let short = if top < need {
                            " (payer's year share exhausted)"
                        } else {
                            ""
                        };
                        lines[i].push(Line {
                            rule: "floor".into(),
                            text: format!(
                                "year {year} total {} below the floor {}: top-up from {}{short}",
                                Fen::from_i128(have).map_err(|e| money(p, e))?,
                                fl.per_year,
                                fl.from
                            ),
                            amount: f,
                        });
                        lines[j].push(Line {
                            rule: "floor".into(),
                            text: format!(
                                "top-up of {}'s yearly floor {} (year {year})",
                                fl.party, fl.per_year
                            ),
                            amount: Fen(-f.0),
                        });
                    }
                }
            }
            // Park return of each other party's credited amount.
            let mut amount = cred.clone();
            if rule.park_return_bp > 0 {
                if let Some(k) = rule
                    .park_return_to
                    .as_deref()
                    .and_then(|t| a.party_index(t))
                {
                    for i in 0..n {
                        if i == k || cred[i] == 0 {
                            continue;
                        }
                        let c = Fen::from_i128(cred[i]).map_err(|e| money(p, e))?;
                        let parts =
                            apportion(c, &[rule.park_return_bp, FULL_BP - rule.park_return_bp])
                                .map_err(|e| money(p, e))?;
                        let r = i128::from(parts[0].0);
                        amount[i] -= r;
                        amount[k] += r;
                        lines[i].push(Line {
                            rule: "park_return".into(),
                            text: format!(
                                "{} bp of the credited {c} returned to {} for its development",
                                rule.park_return_bp, a.parties[k].id
                            ),
                            amount: Fen(-parts[0].0),
                        });
                        lines[k].push(Line {
                            rule: "park_return".into(),
                            text: format!(
                                "returned by {}: {} bp of its credited {c}",
                                a.parties[i].id, rule.park_return_bp
                            ),
                            amount: parts[0],
                        });
                    }
                }
            }
            for i in 0..n {
                cred_cum[i] += cred[i];
                amount_cum[i] += amount[i];
            }
            let in_range = p >= from && p <= to;
            let any_adjust = lines
                .iter()
                .flatten()
                .any(|l| l.rule != "schedule" && l.amount.0 != 0);
            if in_range && (count > 0 || any_adjust) {
                for (i, party) in a.parties.iter().enumerate() {
                    if lines[i].is_empty() && cred[i] == 0 && amount[i] == 0 {
                        continue;
                    }
                    let f = |v: i128| Fen::from_i128(v).map_err(|e| money(p, e));
                    out.push(Entry {
                        kind: EntryKind::Settlement,
                        corrects: None,
                        book: Book::Assessment,
                        agreement: a.id.clone(),
                        version: a.version,
                        period: p,
                        party: party.id.clone(),
                        revenue_type: ty,
                        unit: ty.unit().to_string(),
                        agreement_year: year,
                        schedule_step: Some(step_idx),
                        base_total: total_fen,
                        records: count,
                        credited: f(cred[i])?,
                        amount: f(amount[i])?,
                        ytd_credited: f(cred_cum[i])?,
                        ytd_amount: f(amount_cum[i])?,
                        lines: std::mem::take(&mut lines[i]),
                    });
                }
                if count > 0 {
                    let ytd = Fen::from_i128(total_cum).map_err(|e| money(p, e))?;
                    out.push(Entry {
                        kind: EntryKind::Settlement,
                        corrects: None,
                        book: Book::Official,
                        agreement: a.id.clone(),
                        version: a.version,
                        period: p,
                        party: a.host.clone(),
                        revenue_type: ty,
                        unit: ty.unit().to_string(),
                        agreement_year: year,
                        schedule_step: None,
                        base_total: total_fen,
                        records: count,
                        credited: total_fen,
                        amount: total_fen,
                        ytd_credited: ytd,
                        ytd_amount: ytd,
                        lines: vec![Line {
                            rule: "official".into(),
                            text: format!(
                                "official statistics stay where activity happens: the whole \
                                 {total_fen} ({count} records) is booked to {}",
                                a.host
                            ),
                            amount: total_fen,
                        }],
                    });
                }
            }
            p = p.next();
        }
        Ok(())
    }
}

/// Settles `records` under `agreements` for `from..=to` (see the module doc).
pub fn settle<'r>(
    agreements: &[Agreement],
    records: impl IntoIterator<Item = &'r RevenueRecord>,
    from: Period,
    to: Period,
) -> Result<Vec<Entry>, SettleError> {
    let mut s = Settler::new(agreements);
    for r in records {
        s.add(r);
    }
    s.finish(from, to)
}

/// What [`reconcile`] decided.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// Entries to append, in order (new settlements and corrections).
    pub append: Vec<Entry>,
    /// Entries already in the ledger with identical figures.
    pub unchanged: usize,
    /// How many of `append` are corrections.
    pub corrections: usize,
}

/// Compares a fresh settlement with the ledger's effective entries (`existing`: sequence
/// number and entry, in ledger order; the last entry per key is the effective one).
/// Identical entries are skipped; differing ones are refused with [`SettleError::Differs`]
/// unless `allow_corrections`, which turns them into correction entries.
pub fn reconcile(
    existing: &[(u64, Entry)],
    fresh: Vec<Entry>,
    allow_corrections: bool,
) -> Result<Reconciled, SettleError> {
    let mut effective: BTreeMap<EntryKey, (u64, &Entry)> = BTreeMap::new();
    for (seq, e) in existing {
        effective.insert(e.key(), (*seq, e));
    }
    let mut r = Reconciled::default();
    for mut e in fresh {
        match effective.get(&e.key()) {
            None => r.append.push(e),
            Some((_, old)) if old.same_figures(&e) => r.unchanged += 1,
            Some((seq, old)) => {
                if !allow_corrections {
                    return Err(SettleError::Differs {
                        key: e.key(),
                        seq: *seq,
                        old: old.amount,
                        new: e.amount,
                    });
                }
                e.kind = EntryKind::Correction;
                e.corrects = Some(*seq);
                r.corrections += 1;
                r.append.push(e);
            }
        }
    }
    Ok(r)
}

/// The effective entries: the last entry per key, in ledger order of first appearance.
pub fn effective_entries(existing: &[(u64, Entry)]) -> Vec<(u64, Entry)> {
    let mut last: HashMap<EntryKey, usize> = HashMap::new();
    for (i, (_, e)) in existing.iter().enumerate() {
        last.insert(e.key(), i);
    }
    existing
        .iter()
        .enumerate()
        .filter(|(i, (_, e))| last.get(&e.key()) == Some(i))
        .map(|(_, x)| x.clone())
        .collect()
}
