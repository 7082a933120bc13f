//! Benefit-sharing agreements as versioned, checked rules (TOML or JSON).
//!
//! An [`Agreement`] names its parties (helper, helped, park/zone, fund, ...), its scope (which
//! revenue records qualify: parks, industries by sector-code prefix, the enterprises the helper
//! side recommended, a date range), and for each [`RevenueType`] a [`RevenueRule`]: a split
//! schedule by agreement year in basis points, the share of each party's part returned to the
//! park for its own development, and yearly floors and caps per party. It ends with an
//! [`ExitClause`]. Agreement *year k* is the k-th run of twelve months starting at
//! `valid_from` (so an agreement starting in January has calendar years).
//!
//! Versions: the same `id` may appear with several `version`s; their validity ranges must not
//! overlap ([`check_set`]), so every period has at most one applicable version.
//!
//! [`Agreement::check`] validates everything and names the offending field, e.g.
//! `revenue.vat_local_share.schedule[1].shares: shares sum to 9000 bp, must be 10000`.

use crate::money::Fen;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// One basis point is 1/10,000; a full share is 10,000 bp.
pub const FULL_BP: u32 = 10_000;

/// A calendar month `YYYY-MM`, the settlement period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    /// Calendar year.
    pub year: i32,
    /// Month 1..=12.
    pub month: u8,
}

impl Period {
    /// A period, or `None` if the month is not 1..=12.
    pub fn new(year: i32, month: u8) -> Option<Period> {
        (1..=12).contains(&month).then_some(Period { year, month })
    }

    /// Months since year 0 (a total order usable for arithmetic).
    pub fn index(self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// The period with month index `i` (inverse of [`Period::index`]).
    pub fn from_index(i: i64) -> Period {
        Period {
            year: i.div_euclid(12) as i32,
            month: (i.rem_euclid(12) + 1) as u8,
        }
    }

    /// The following month.
    pub fn next(self) -> Period {
        Period::from_index(self.index() + 1)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Error parsing a `YYYY-MM` period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a period: expected YYYY-MM with month 01..12")]
pub struct PeriodError(pub String);

impl FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        let e = || PeriodError(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(e)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(e());
        }
        let year: i32 = y.parse().map_err(|_| e())?;
        let month: u8 = m.parse().map_err(|_| e())?;
        Period::new(year, month).ok_or_else(e)
    }
}

impl Serialize for Period {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Period, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The kinds of revenue and indicator an agreement can split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevenueType {
    /// The local (retained) share of value-added tax, yuan.
    VatLocalShare,
    /// The local share of corporate income tax, yuan.
    CitLocalShare,
    /// Other local taxes and fees, yuan.
    OtherTaxes,
    /// Land-sale (transfer) income net of land costs, yuan.
    LandSaleNet,
    /// GDP / value added attribution: a statistical figure for assessment only, yuan.
    GdpAttribution,
    /// Energy-use quota, tonnes of standard coal (tce), a quantity not money.
    EnergyQuota,
    /// Construction-land quota, mu, a quantity not money.
    LandQuota,
}

impl RevenueType {
    /// Every revenue type, in this order.
    pub const ALL: [RevenueType; 7] = [
        RevenueType::VatLocalShare,
        RevenueType::CitLocalShare,
        RevenueType::OtherTaxes,
        RevenueType::LandSaleNet,
        RevenueType::GdpAttribution,
        RevenueType::EnergyQuota,
        RevenueType::LandQuota,
    ];

    /// The snake_case name used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            RevenueType::VatLocalShare => "vat_local_share",
            RevenueType::CitLocalShare => "cit_local_share",
            RevenueType::OtherTaxes => "other_taxes",
            RevenueType::LandSaleNet => "land_sale_net",
            RevenueType::GdpAttribution => "gdp_attribution",
            RevenueType::EnergyQuota => "energy_quota",
            RevenueType::LandQuota => "land_quota",
        }
    }

    /// The unit of amounts of this type (amounts are hundredths of it).
    pub fn unit(self) -> &'static str {
        match self {
            RevenueType::EnergyQuota => "tce",
            RevenueType::LandQuota => "mu",
            _ => "yuan",
        }
    }

    /// True for money actually collected (taxes, land income); false for statistical
    /// attribution and quotas, where nothing can be "returned to the park".
    pub fn is_cash(self) -> bool {
        matches!(
            self,
            RevenueType::VatLocalShare
                | RevenueType::CitLocalShare
                | RevenueType::OtherTaxes
                | RevenueType::LandSaleNet
        )
    }
}

impl fmt::Display for RevenueType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RevenueType {
    type Err = String;
    fn from_str(s: &str) -> Result<RevenueType, String> {
        RevenueType::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| {
                let names: Vec<&str> = RevenueType::ALL.iter().map(|t| t.as_str()).collect();
                format!(
                    "unknown revenue type `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// A party's role in the arrangement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The helping (sending, richer) side.
    Helper,
    /// The helped (receiving) side.
    Helped,
    /// The park or zone itself (its management committee or development company).
    Park,
    /// A joint fund.
    Fund,
    /// Any other party (a province, an investor).
    Other,
}

/// A party to the agreement. Party order in the file is the tie-break order of rounding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Party {
    /// Short id used everywhere else in the agreement and in the ledger.
    pub id: String,
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// Role.
    pub role: Role,
}

/// Which enterprises' records qualify.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Qualification {
    /// Every enterprise in scope.
    #[default]
    All,
    /// Only enterprises whose `recommended_by` is this party (e.g. firms the helper brought).
    RecommendedBy(String),
}

/// The records an agreement covers. Empty lists mean "all".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    /// Park ids; empty = every park.
    #[serde(default)]
    pub parks: Vec<String>,
    /// Sector-code prefixes (e.g. `C36` matches `C3612`); empty = every industry.
    #[serde(default)]
    pub industries: Vec<String>,
    /// Enterprise qualification.
    #[serde(default)]
    pub qualification: Qualification,
    /// First period covered (default: the agreement's `valid_from`).
    #[serde(default)]
    pub from: Option<Period>,
    /// Last period covered (default: the agreement's `valid_to`).
    #[serde(default)]
    pub to: Option<Period>,
}

/// Shares from agreement year `from_year` to `to_year` (inclusive; open-ended if absent).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleStep {
    /// First agreement year (1 = the first twelve months from `valid_from`).
    pub from_year: u32,
    /// Last agreement year, inclusive; `None` = until the agreement ends.
    #[serde(default)]
    pub to_year: Option<u32>,
    /// Party id -> share in basis points; the shares sum to 10,000.
    pub shares: BTreeMap<String, u32>,
}

/// A yearly floor: `party` gets at least `per_year` per agreement year, topped up from
/// `from`'s share of the same year (never beyond what `from` received that year).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Floor {
    /// The protected party.
    pub party: String,
    /// Minimum per agreement year, in the revenue type's unit (yuan for money).
    pub per_year: Fen,
    /// The party whose share pays the top-up.
    pub from: String,
}

/// A yearly cap: `party` gets at most `per_year` per agreement year; the excess goes to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    /// The capped party.
    pub party: String,
    /// Maximum per agreement year, in the revenue type's unit.
    pub per_year: Fen,
    /// The party that receives the excess.
    pub to: String,
}

/// How one revenue type is shared.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevenueRule {
    /// Split schedule by agreement year; steps are contiguous from year 1.
    pub schedule: Vec<ScheduleStep>,
    /// Share (bp) of each party's credited part that is returned to the park for its own
    /// development (cash types only); 10,000 = everything is returned.
    #[serde(default)]
    pub park_return_bp: u32,
    /// The party (role `park`) that receives the returned share.
    #[serde(default)]
    pub park_return_to: Option<String>,
    /// Yearly floors.
    #[serde(default)]
    pub floors: Vec<Floor>,
    /// Yearly caps.
    #[serde(default)]
    pub caps: Vec<Cap>,
}

/// When and how the arrangement ends.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExitClause {
    /// Last period of the arrangement, if fixed (settlement stops after it).
    #[serde(default)]
    pub end: Option<Period>,
    /// Months of written notice either side must give to terminate early.
    #[serde(default)]
    pub notice_months: Option<u32>,
    /// The termination rule in words (what happens to enterprises, funds and land).
    #[serde(default)]
    pub rule: String,
}

/// A benefit-sharing agreement. See the module doc.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Agreement {
    /// Stable id shared by all versions.
    pub id: String,
    /// Version number, from 1.
    pub version: u32,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// First period of validity; agreement year 1 starts here.
    pub valid_from: Period,
    /// Last period of validity (inclusive); `None` = open-ended.
    #[serde(default)]
    pub valid_to: Option<Period>,
    /// The party where activity happens: official statistics are booked to it.
    pub host: String,
    /// Parties, in tie-break order.
    pub parties: Vec<Party>,
    /// Which records qualify.
    #[serde(default)]
    pub scope: Scope,
    /// Rules per revenue type; types not listed are not shared.
    pub revenue: BTreeMap<RevenueType, RevenueRule>,
    /// Exit clause.
    #[serde(default)]
    pub exit: ExitClause,
}

/// Errors reading or checking agreements. `field` is a path such as
/// `revenue.vat_local_share.schedule[1].shares`.
#[derive(Debug, thiserror::Error)]
pub enum AgreementError {
    /// The file could not be read.
    #[error("cannot read agreement file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The text is not valid TOML/JSON for an agreement.
    #[error("agreement {origin}: {message}")]
    Syntax {
        /// File name or other origin.
        origin: String,
        /// The parser's message (it names the key and line).
        message: String,
    },
    /// A rule is violated.
    #[error("agreement {agreement} v{version}: {field}: {rule}")]
    Invalid {
        /// Agreement id.
        agreement: String,
        /// Version.
        version: u32,
        /// Field path.
        field: String,
        /// The rule.
        rule: String,
    },
}

impl Agreement {
    /// Parses TOML text (`origin` names the file in errors). Does not run [`Agreement::check`].
    pub fn from_toml(text: &str, origin: &str) -> Result<Agreement, AgreementError> {
        toml::from_str(text).map_err(|e| AgreementError::Syntax {
            origin: origin.to_string(),
            message: e.to_string().trim().to_string(),
        })
    }

    /// Parses JSON text. Does not run [`Agreement::check`].
    pub fn from_json(text: &str, origin: &str) -> Result<Agreement, AgreementError> {
        serde_json::from_str(text).map_err(|e| AgreementError::Syntax {
            origin: origin.to_string(),
            message: e.to_string(),
        })
    }

    /// Reads a `.json` file as JSON and anything else as TOML, then checks it.
    pub fn load(path: &Path) -> Result<Agreement, AgreementError> {
        let text = std::fs::read_to_string(path).map_err(|source| AgreementError::Read {
            path: path.display().to_string(),
            source,
        })?;
        let origin = path.display().to_string();
        let a = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            Agreement::from_json(&text, &origin)?
        } else {
            Agreement::from_toml(&text, &origin)?
        };
        a.check()?;
        Ok(a)
    }

    fn invalid(&self, field: impl Into<String>, rule: impl Into<String>) -> AgreementError {
        AgreementError::Invalid {
            agreement: self.id.clone(),
            version: self.version,
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// Index of a party in tie-break order.
    pub fn party_index(&self, id: &str) -> Option<usize> {
        self.parties.iter().position(|p| p.id == id)
    }

    /// The last period the agreement covers: the earliest of `valid_to`, `exit.end` and
    /// `scope.to`, if any.
    pub fn last_period(&self) -> Option<Period> {
        [self.valid_to, self.exit.end, self.scope.to]
            .into_iter()
            .flatten()
            .min()
    }

    /// The first period the agreement covers: the later of `valid_from` and `scope.from`.
    pub fn first_period(&self) -> Period {
        self.scope
            .from
            .map_or(self.valid_from, |f| f.max(self.valid_from))
    }

    /// Agreement year (1-based) of `p`, or `None` before `valid_from`.
    pub fn agreement_year(&self, p: Period) -> Option<u32> {
        let d = p.index() - self.valid_from.index();
        (d >= 0).then(|| (d / 12 + 1) as u32)
    }

    /// The last period of agreement year `year` that the agreement still covers.
    pub fn year_end(&self, year: u32) -> Period {
        let end = Period::from_index(self.valid_from.index() + i64::from(year) * 12 - 1);
        match self.last_period() {
            Some(last) if last < end => last,
            _ => end,
        }
    }

    /// Validates every rule; the error names the field. See the module doc.
    pub fn check(&self) -> Result<(), AgreementError> {
        let id_ok = |s: &str| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_' || c == '.')
        };
        if !id_ok(&self.id) {
            return Err(self.invalid("id", "must be non-empty letters, digits, '-', '_' or '.'"));
        }
        if self.version == 0 {
            return Err(self.invalid("version", "versions start at 1"));
        }
        if let Some(to) = self.valid_to {
            if to < self.valid_from {
                return Err(self.invalid(
                    "valid_to",
                    format!("{to} is before valid_from {}", self.valid_from),
                ));
            }
        }
        if self.parties.len() < 2 {
            return Err(self.invalid("parties", "an agreement needs at least two parties"));
        }
        let mut seen = BTreeSet::new();
        for (i, p) in self.parties.iter().enumerate() {
            if !id_ok(&p.id) {
                return Err(self.invalid(
                    format!("parties[{i}].id"),
                    "must be non-empty letters, digits, '-', '_' or '.'",
                ));
            }
            if !seen.insert(p.id.as_str()) {
                return Err(self.invalid(
                    format!("parties[{i}].id"),
                    format!("duplicate party `{}`", p.id),
                ));
            }
        }
        let known = |field: String, id: &str| -> Result<(), AgreementError> {
            if self.party_index(id).is_none() {
                Err(self.invalid(field, format!("unknown party `{id}`")))
            } else {
                Ok(())
            }
        };
        known("host".into(), &self.host)?;
        if let Qualification::RecommendedBy(p) = &self.scope.qualification {
            known("scope.qualification.recommended_by".into(), p)?;
        }
        if let (Some(f), Some(t)) = (self.scope.from, self.scope.to) {
            if t < f {
                return Err(self.invalid("scope.to", format!("{t} is before scope.from {f}")));
            }
        }
        for (i, ind) in self.scope.industries.iter().enumerate() {
            if ind.trim().is_empty() {
                return Err(self.invalid(format!("scope.industries[{i}]"), "empty sector code"));
            }
        }
        if let Some(end) = self.exit.end {
            if end < self.valid_from {
                return Err(self.invalid("exit.end", format!("{end} is before valid_from")));
            }
        }
        if self.revenue.is_empty() {
            return Err(self.invalid("revenue", "no revenue type is shared"));
        }
        let last_year = self.last_period().and_then(|p| self.agreement_year(p));
        for (ty, rule) in &self.revenue {
            self.check_rule(*ty, rule, last_year)?;
        }
        Ok(())
    }

    fn check_rule(
        &self,
        ty: RevenueType,
        rule: &RevenueRule,
        last_year: Option<u32>,
    ) -> Result<(), AgreementError> {
        let base = format!("revenue.{ty}");
        if rule.schedule.is_empty() {
            return Err(self.invalid(format!("{base}.schedule"), "empty schedule"));
        }
        let mut expect_from = 1u32;
        let n = rule.schedule.len();
        for (i, step) in rule.schedule.iter().enumerate() {
            let f = format!("{base}.schedule[{i}]");
            if step.from_year != expect_from {
                return Err(self.invalid(
                    format!("{f}.from_year"),
                    format!(
                        "is {}, must be {expect_from} (steps are contiguous from year 1)",
                        step.from_year
                    ),
                ));
            }
            match step.to_year {
                Some(t) if t < step.from_year => {
                    return Err(self.invalid(
                        format!("{f}.to_year"),
                        format!("{t} is before from_year {}", step.from_year),
                    ))
                }
                Some(t) => expect_from = t + 1,
                None if i + 1 < n => {
                    return Err(self.invalid(
                        format!("{f}.to_year"),
                        "only the last step may be open-ended",
                    ))
                }
                None => {}
            }
            if step.shares.is_empty() {
                return Err(self.invalid(format!("{f}.shares"), "no shares"));
            }
            let mut sum: u64 = 0;
            for (p, bp) in &step.shares {
                known_party(self, format!("{f}.shares.{p}"), p)?;
                sum += u64::from(*bp);
            }
            if sum != u64::from(FULL_BP) {
                return Err(self.invalid(
                    format!("{f}.shares"),
                    format!("shares sum to {sum} bp, must be {FULL_BP}"),
                ));
            }
        }
        if let (Some(last), Some(Some(t))) = (last_year, rule.schedule.last().map(|s| s.to_year)) {
            if t < last {
                return Err(self.invalid(
                    format!("{base}.schedule[{}].to_year", n - 1),
                    format!("schedule ends in year {t} but the agreement runs to year {last}"),
                ));
            }
        }
        if last_year.is_none() && rule.schedule.last().is_some_and(|s| s.to_year.is_some()) {
            return Err(self.invalid(
                format!("{base}.schedule[{}].to_year", n - 1),
                "the agreement is open-ended, so the last step must be too",
            ));
        }
        if rule.park_return_bp > FULL_BP {
            return Err(self.invalid(
                format!("{base}.park_return_bp"),
                format!("{} bp is more than {FULL_BP}", rule.park_return_bp),
            ));
        }
        match (&rule.park_return_to, rule.park_return_bp) {
            (_, bp) if bp > 0 && !ty.is_cash() => {
                return Err(self.invalid(
                    format!("{base}.park_return_bp"),
                    format!("{ty} is not money collected, nothing can be returned to the park"),
                ))
            }
            (None, bp) if bp > 0 => {
                return Err(self.invalid(
                    format!("{base}.park_return_to"),
                    "required when park_return_bp > 0",
                ))
            }
            (Some(p), _) => {
                let f = format!("{base}.park_return_to");
                known_party(self, f.clone(), p)?;
                let idx = self.party_index(p).unwrap_or(0);
                if self.parties[idx].role != Role::Park {
                    return Err(self.invalid(f, format!("party `{p}` does not have role park")));
                }
            }
            _ => {}
        }
        let mut floored = BTreeSet::new();
        for (i, fl) in rule.floors.iter().enumerate() {
            let f = format!("{base}.floors[{i}]");
            known_party(self, format!("{f}.party"), &fl.party)?;
            known_party(self, format!("{f}.from"), &fl.from)?;
            if fl.party == fl.from {
                return Err(self.invalid(format!("{f}.from"), "a party cannot top up itself"));
            }
            if fl.per_year.0 <= 0 {
                return Err(self.invalid(format!("{f}.per_year"), "must be positive"));
            }
            if !floored.insert(fl.party.as_str()) {
                return Err(self.invalid(format!("{f}.party"), "a second floor for this party"));
            }
        }
        for (i, fl) in rule.floors.iter().enumerate() {
            if floored.contains(fl.from.as_str()) {
                return Err(self.invalid(
                    format!("{base}.floors[{i}].from"),
                    format!("`{}` has a floor itself; top-ups may not chain", fl.from),
                ));
            }
        }
        let mut capped = BTreeSet::new();
        for (i, c) in rule.caps.iter().enumerate() {
            let f = format!("{base}.caps[{i}]");
            known_party(self, format!("{f}.party"), &c.party)?;
            known_party(self, format!("{f}.to"), &c.to)?;
            if c.party == c.to {
                return Err(self.invalid(format!("{f}.to"), "the excess must go to another party"));
            }
            if c.per_year.0 < 0 {
                return Err(self.invalid(format!("{f}.per_year"), "must not be negative"));
            }
            if !capped.insert(c.party.as_str()) {
                return Err(self.invalid(format!("{f}.party"), "a second cap for this party"));
            }
            if let Some(fl) = rule.floors.iter().find(|fl| fl.party == c.party) {
                if fl.per_year > c.per_year {
                    return Err(self.invalid(
                        format!("{f}.per_year"),
                        format!("cap {} is below the floor {}", c.per_year, fl.per_year),
                    ));
                }
            }
        }
        for (i, c) in rule.caps.iter().enumerate() {
            if capped.contains(c.to.as_str()) {
                return Err(self.invalid(
                    format!("{base}.caps[{i}].to"),
                    format!("`{}` has a cap itself; excesses may not chain", c.to),
                ));
            }
        }
        Ok(())
    }

    /// The schedule step that applies in agreement year `year`.
    pub fn step(&self, ty: RevenueType, year: u32) -> Option<(usize, &ScheduleStep)> {
        self.revenue
            .get(&ty)?
            .schedule
            .iter()
            .enumerate()
            .find(|(_, s)| s.from_year <= year && s.to_year.is_none_or(|t| year <= t))
    }
}

fn known_party(a: &Agreement, field: String, id: &str) -> Result<(), AgreementError> {
    if a.party_index(id).is_none() {
        Err(a.invalid(field, format!("unknown party `{id}`")))
    } else {
        Ok(())
    }
}

/// Checks a set of agreements together: each is valid and versions of the same id have
/// distinct numbers and non-overlapping validity.
pub fn check_set(agreements: &[Agreement]) -> Result<(), AgreementError> {
    for a in agreements {
        a.check()?;
    }
    for (i, a) in agreements.iter().enumerate() {
        for b in &agreements[i + 1..] {
            if a.id != b.id {
                continue;
            }
            if a.version == b.version {
                return Err(a.invalid("version", "the same id and version appear twice"));
            }
            let a_end = a.last_period().map_or(i64::MAX, Period::index);
            let b_end = b.last_period().map_or(i64::MAX, Period::index);
            if a.valid_from.index() <= b_end && b.valid_from.index() <= a_end {
                return Err(a.invalid(
                    "valid_from",
                    format!("overlaps version {} of the same agreement", b.version),
                ));
            }
        }
    }
    Ok(())
}
