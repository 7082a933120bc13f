//! A scoring scheme as data: what is scored (indicators derived from a unit's figures, their
//! direction, weight, benchmark and cap), who is scored (eligibility rules), and how scores
//! become tiers. Provinces edit the TOML; [`Scheme::parse`] checks every field and names the
//! one that is wrong.

use crate::weighting::Weighting;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tandem_core::metrics::composite::Direction;

/// A parsed, checked scheme.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Stable id (`per-mu-example`).
    pub id: String,
    /// Names in both languages.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// What the scheme follows, with its citation, or that it is an example.
    pub source: String,
    /// What it scores: `enterprises`, `parks` or `environment`.
    pub subject: Subject,
    /// The highest benchmark ratio counted for every indicator (e.g. 1.5), unless an indicator
    /// sets its own.
    pub cap: f64,
    /// Who is scored; the first rule a unit breaks decides what happens to it.
    #[serde(default)]
    pub eligibility: Vec<EligibilityRule>,
    /// The indicators, in the order reported.
    pub indicators: Vec<IndicatorSpec>,
    /// How the indicators' points are set (`fixed` by their weights unless given).
    #[serde(default)]
    pub weighting: Weighting,
    /// How totals become tiers.
    pub tiers: TierSpec,
}

/// What a scheme scores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    /// Industrial enterprises (亩均效益评价).
    Enterprises,
    /// Development zones and parks (开发区综合考核评价).
    Parks,
    /// A city's business environment.
    Environment,
}

/// A rule on a unit's figures that decides whether it is scored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EligibilityRule {
    /// The input column the rule reads (e.g. `land_mu`).
    pub column: String,
    /// The smallest value of that column for which the unit is scored.
    pub min: f64,
    /// What happens to a unit below it (or without the figure): not scored, or given a fixed
    /// tier by rule (e.g. newly started enterprises).
    pub otherwise: Otherwise,
    /// The rule as officials read it, in both languages.
    pub reason_zh: String,
    /// English reason.
    pub reason_en: String,
}

/// What happens to a unit that breaks an eligibility rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Otherwise {
    /// It is left out of the assessment (listed with the reason).
    Exclude,
    /// It gets this class without a score (a label of its own, e.g. `new`, or a score tier).
    Tier(String),
}

/// One indicator: `numerator / denominator` of the unit's figures (or `numerator` alone).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSpec {
    /// Stable id (`tax_per_mu`).
    pub id: String,
    /// Labels in both languages, with the unit.
    pub label_zh: String,
    /// English label.
    pub label_en: String,
    /// The input column divided.
    pub numerator: String,
    /// The input column divided by, if any (`land_mu` for a per-mu figure).
    #[serde(default)]
    pub denominator: Option<String>,
    /// `benefit` (more is better) or `cost`.
    pub direction: DirectionSpec,
    /// Points at a benchmark ratio of 1 (with the `fixed` weighting; leave it out when a
    /// weighting method sets the points).
    #[serde(default)]
    pub weight: f64,
    /// The benchmark for every unit, unless `benchmarks` has its industry.
    pub benchmark: f64,
    /// Benchmarks by industry code (the input's industry column).
    #[serde(default)]
    pub benchmarks: BTreeMap<String, f64>,
    /// This indicator's cap, if not the scheme's.
    #[serde(default)]
    pub cap: Option<f64>,
}

/// An indicator's direction, as the TOML spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DirectionSpec {
    /// More is better.
    Benefit,
    /// Less is better.
    Cost,
}

impl From<DirectionSpec> for Direction {
    fn from(d: DirectionSpec) -> Direction {
        match d {
            DirectionSpec::Benefit => Direction::Benefit,
            DirectionSpec::Cost => Direction::Cost,
        }
    }
}

/// How totals become tiers. (Unknown fields are not refused here: serde cannot with the
/// flattened rule, whose own fields it checks.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierSpec {
    /// Tier labels, best first (`["A", "B", "C", "D"]`).
    pub labels: Vec<String>,
    /// The rule.
    #[serde(flatten)]
    pub rule: TierRule,
}

/// The tiering rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum TierRule {
    /// The lowest total of each tier but the last (`minimums = [90, 75, 60]`).
    Thresholds {
        /// One per tier but the last, decreasing.
        minimums: Vec<f64>,
    },
    /// Shares of the scored units, best first (`shares = [0.2, 0.5, 0.25, 0.05]`).
    Shares {
        /// One per tier, summing to 1.
        shares: Vec<f64>,
    },
}

/// A scheme that cannot be used, with the field and what to do.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SchemeError {
    /// Not TOML, or a field of the wrong type, missing or unknown.
    #[error("the scheme is not valid TOML of the expected shape: {0}")]
    Toml(String),
    /// A field breaks a rule.
    #[error("scheme field {field}: {rule}")]
    Field {
        /// The field's path (`indicators[2].weight`).
        field: String,
        /// What is wrong and what it must be.
        rule: String,
    },
}

impl SchemeError {
    /// A field that breaks a rule.
    pub(crate) fn field(field: impl Into<String>, rule: impl Into<String>) -> SchemeError {
        SchemeError::Field {
            field: field.into(),
            rule: rule.into(),
        }
    }
}

fn field(field: impl Into<String>, rule: impl Into<String>) -> SchemeError {
    SchemeError::field(field, rule)
}

impl Scheme {
    /// Parses and checks a scheme.
    ///
    /// # Errors
    /// [`SchemeError::Toml`] for a malformed file, [`SchemeError::Field`] naming the first
    /// field that breaks a rule.
    pub fn parse(text: &str) -> Result<Scheme, SchemeError> {
        let scheme: Scheme = toml::from_str(text).map_err(|e| SchemeError::Toml(e.to_string()))?;
        scheme.check()?;
        Ok(scheme)
    }

    /// Every input column the scheme reads.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let rules = self.eligibility.iter().map(|r| r.column.as_str());
        let indicators = self
            .indicators
            .iter()
            .flat_map(|i| std::iter::once(i.numerator.as_str()).chain(i.denominator.as_deref()));
        for c in rules.chain(indicators) {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }

    fn check(&self) -> Result<(), SchemeError> {
        if !(self.cap.is_finite() && self.cap > 0.0) {
            return Err(field("cap", "must be a number above 0, e.g. 1.5"));
        }
        if self.indicators.is_empty() {
            return Err(field("indicators", "at least one indicator is needed"));
        }
        for (i, ind) in self.indicators.iter().enumerate() {
            check_indicator(i, ind)?;
            if self.indicators[..i].iter().any(|o| o.id == ind.id) {
                return Err(field(
                    format!("indicators[{i}].id"),
                    format!("{} is given twice", ind.id),
                ));
            }
        }
        for (i, rule) in self.eligibility.iter().enumerate() {
            if !rule.min.is_finite() {
                return Err(field(format!("eligibility[{i}].min"), "must be a number"));
            }
            if matches!(&rule.otherwise, Otherwise::Tier(t) if t.trim().is_empty()) {
                return Err(field(
                    format!("eligibility[{i}].otherwise"),
                    "a tier given by rule needs a label, e.g. { tier = \"new\" }",
                ));
            }
        }
        if self.weighting == Weighting::Fixed && self.indicators.iter().all(|i| i.weight == 0.0) {
            return Err(field(
                "indicators",
                "give each indicator a weight, or set a [weighting] method",
            ));
        }
        let weights: Vec<f64> = self.indicators.iter().map(|i| i.weight).collect();
        self.weighting
            .check(&weights)
            .map_err(|f| field(f.field, f.rule))?;
        self.tiers.check()
    }
}

fn check_indicator(i: usize, ind: &IndicatorSpec) -> Result<(), SchemeError> {
    let at = |f: &str| format!("indicators[{i}].{f}");
    if !(ind.weight.is_finite() && ind.weight >= 0.0) {
        return Err(field(at("weight"), "must be a number of points >= 0"));
    }
    let benchmarks = std::iter::once(("benchmark".to_string(), ind.benchmark)).chain(
        ind.benchmarks
            .iter()
            .map(|(k, v)| (format!("benchmarks.{k}"), *v)),
    );
    for (name, b) in benchmarks {
        if !(b.is_finite() && b > 0.0) {
            return Err(field(at(&name), "a benchmark must be a number above 0"));
        }
    }
    if ind.cap.is_some_and(|c| !(c.is_finite() && c > 0.0)) {
        return Err(field(at("cap"), "must be a number above 0"));
    }
    Ok(())
}

impl TierSpec {
    fn check(&self) -> Result<(), SchemeError> {
        let n = self.labels.len();
        if n < 2 {
            return Err(field("tiers.labels", "at least two tiers, best first"));
        }
        match &self.rule {
            TierRule::Thresholds { minimums } => {
                if minimums.len() != n - 1 {
                    return Err(field(
                        "tiers.minimums",
                        format!(
                            "{} tiers need {} minimums (the last tier takes the rest)",
                            n,
                            n - 1
                        ),
                    ));
                }
                if minimums.windows(2).any(|w| w[1] >= w[0])
                    || minimums.iter().any(|m| !m.is_finite())
                {
                    return Err(field("tiers.minimums", "must decrease, best tier first"));
                }
            }
            TierRule::Shares { shares } => {
                let sum: f64 = shares.iter().sum();
                if shares.len() != n || shares.iter().any(|s| *s < 0.0) || (sum - 1.0).abs() > 1e-9
                {
                    return Err(field(
                        "tiers.shares",
                        format!("one share per tier ({n}), >= 0, summing to 1"),
                    ));
                }
            }
        }
        Ok(())
    }
}
