//! One assessment run: a scheme applied to the units of one year. The result keeps every
//! input figure, derived indicator value, benchmark, weight, score and tier, so a run can be
//! shown, objected to and reproduced later even after the scheme changes.

use crate::scheme::{EligibilityRule, Otherwise, Scheme, TierRule};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tandem_core::metrics::assessment::{
    benchmark_ratio_score, tier_by_thresholds, tiers_by_shares,
};
use tandem_core::metrics::composite::Direction;
use tandem_core::metrics::MetricError;

/// A unit's figures for the year: enterprise or park id, industry, and the input columns
/// (`None` where the figure is missing; missing is never taken as 0).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    /// The unit's id as in the input.
    pub id: String,
    /// Its industry code, for benchmarks by industry.
    pub industry: Option<String>,
    /// The group it is reported under (a park's programme pair, an enterprise's park), if
    /// given; carried to the result, never used in scoring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Figures by column.
    pub figures: BTreeMap<String, Option<f64>>,
}

/// How one indicator scored for one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndicatorScore {
    /// The indicator's id.
    pub indicator: String,
    /// The derived value (numerator / denominator), `None` when a figure is missing or the
    /// denominator is 0.
    pub value: Option<f64>,
    /// The benchmark used (the industry's, else the scheme's).
    pub benchmark: f64,
    /// The points at a ratio of 1.
    pub weight: f64,
    /// The points scored, `None` without a value.
    pub score: Option<f64>,
}

/// What happened to one unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    /// The unit's id.
    pub id: String,
    /// Its industry.
    pub industry: Option<String>,
    /// Its group, as given ([`Unit::group`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The eligibility rule it broke, in English (None: it was scored).
    pub not_scored: Option<String>,
    /// The same reason in Chinese.
    pub not_scored_zh: Option<String>,
    /// Its indicators (empty when not scored).
    pub indicators: Vec<IndicatorScore>,
    /// The total, `None` when not scored or an indicator has no value.
    pub total: Option<f64>,
    /// Its tier: by score, by an eligibility rule, or `None` (excluded, or a missing figure).
    pub tier: Option<String>,
    /// Its rank among the scored units (1 = best; ties share the best rank).
    pub rank: Option<usize>,
}

/// A run: the scheme as applied, the year and every unit's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The scheme exactly as applied.
    pub scheme: Scheme,
    /// The year assessed.
    pub year: i32,
    /// The points of each indicator as applied (the scheme's weights, or those its
    /// weighting method set for this run's units).
    #[serde(default)]
    pub weights: Vec<f64>,
    /// How a weighting method set the points (λ_max and CR, or the units entropy used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighting_note: Option<String>,
    /// One result per input unit, in input order.
    pub units: Vec<UnitResult>,
}

/// Applies `scheme` to `units` of `year`.
///
/// Each unit is checked against the eligibility rules in order (a unit without the rule's
/// figure breaks it); an eligible unit scores each indicator with
/// [`benchmark_ratio_score`] against its industry's benchmark (else the scheme's), and its
/// total is the sum. A unit missing a figure gets no total and no tier, and is listed so. Tiers
/// follow the scheme's rule over the units with a total.
///
/// # Errors
/// A [`MetricError`] for a figure the scoring refuses (a negative value or a non-finite one),
/// naming the unit and indicator.
pub fn assess(scheme: &Scheme, year: i32, units: &[Unit]) -> Result<Assessment, MetricError> {
    let eligible: Vec<Option<&EligibilityRule>> =
        units.iter().map(|u| broken_rule(scheme, u)).collect();
    let values: Vec<Vec<Option<f64>>> = units.iter().map(|u| indicator_values(scheme, u)).collect();
    let eligible_values: Vec<Vec<Option<f64>>> = values
        .iter()
        .zip(&eligible)
        .filter(|(_, broken)| broken.is_none())
        .map(|(v, _)| v.clone())
        .collect();
    let fixed: Vec<f64> = scheme.indicators.iter().map(|i| i.weight).collect();
    let directions: Vec<Direction> = scheme
        .indicators
        .iter()
        .map(|i| i.direction.into())
        .collect();
    let (weights, weighting_note) =
        scheme
            .weighting
            .points(&fixed, &directions, &eligible_values)?;
    let mut results = units
        .iter()
        .zip(eligible.iter().zip(&values))
        .map(|(u, (broken, v))| unit_result(scheme, &weights, u, *broken, v))
        .collect::<Result<Vec<_>, _>>()?;
    assign_tiers(scheme, &mut results)?;
    Ok(Assessment {
        scheme: scheme.clone(),
        year,
        weights,
        weighting_note,
        units: results,
    })
}

/// The first eligibility rule the unit breaks (a missing figure breaks it).
fn broken_rule<'a>(scheme: &'a Scheme, unit: &Unit) -> Option<&'a EligibilityRule> {
    scheme.eligibility.iter().find(|r| {
        unit.figures
            .get(&r.column)
            .copied()
            .flatten()
            .is_none_or(|v| v < r.min)
    })
}

/// Each indicator's value for the unit: numerator / denominator, `None` when a figure is
/// missing or the denominator is 0.
fn indicator_values(scheme: &Scheme, unit: &Unit) -> Vec<Option<f64>> {
    let figure = |c: &str| unit.figures.get(c).copied().flatten();
    scheme
        .indicators
        .iter()
        .map(
            |ind| match (figure(&ind.numerator), ind.denominator.as_deref()) {
                (Some(n), None) => Some(n),
                (Some(n), Some(d)) => figure(d).filter(|d| *d != 0.0).map(|d| n / d),
                (None, _) => None,
            },
        )
        .collect()
}

fn unit_result(
    scheme: &Scheme,
    weights: &[f64],
    unit: &Unit,
    broken: Option<&EligibilityRule>,
    values: &[Option<f64>],
) -> Result<UnitResult, MetricError> {
    let mut result = UnitResult {
        id: unit.id.clone(),
        industry: unit.industry.clone(),
        group: unit.group.clone(),
        not_scored: None,
        not_scored_zh: None,
        indicators: Vec::new(),
        total: None,
        tier: None,
        rank: None,
    };
    if let Some(rule) = broken {
        result.not_scored = Some(rule.reason_en.clone());
        result.not_scored_zh = Some(rule.reason_zh.clone());
        if let Otherwise::Tier(t) = &rule.otherwise {
            result.tier = Some(t.clone());
        }
        return Ok(result);
    }
    for ((ind, value), weight) in scheme.indicators.iter().zip(values).zip(weights) {
        let benchmark = unit
            .industry
            .as_ref()
            .and_then(|i| ind.benchmarks.get(i))
            .copied()
            .unwrap_or(ind.benchmark);
        let cap = ind.cap.unwrap_or(scheme.cap);
        let score = value
            .map(|v| benchmark_ratio_score(v, benchmark, ind.direction.into(), *weight, cap))
            .transpose()
            .map_err(|e| e.in_context(&format!("unit {}, indicator {}", unit.id, ind.id)))?;
        result.indicators.push(IndicatorScore {
            indicator: ind.id.clone(),
            value: *value,
            benchmark,
            weight: *weight,
            score,
        });
    }
    result.total = result
        .indicators
        .iter()
        .map(|i| i.score)
        .sum::<Option<f64>>();
    Ok(result)
}

/// Tiers and ranks of the units with a total, by the scheme's rule.
fn assign_tiers(scheme: &Scheme, results: &mut [UnitResult]) -> Result<(), MetricError> {
    let scored: Vec<usize> = (0..results.len())
        .filter(|i| results[*i].total.is_some())
        .collect();
    let totals: Vec<f64> = scored.iter().filter_map(|i| results[*i].total).collect();
    let tiers: Vec<usize> = match &scheme.tiers.rule {
        TierRule::Thresholds { minimums } => totals
            .iter()
            .map(|t| tier_by_thresholds(*t, minimums))
            .collect::<Result<_, _>>()?,
        TierRule::Shares { shares } => tiers_by_shares(&totals, shares)?,
    };
    // Competition ranking ("1224"): one plus the number of strictly greater totals, found by
    // binary search in the totals sorted high to low, so n units cost n log n, not n².
    let mut descending = totals.clone();
    descending.sort_by(|a, b| b.total_cmp(a));
    for (k, i) in scored.iter().enumerate() {
        let r = &mut results[*i];
        r.tier = Some(scheme.tiers.labels[tiers[k]].clone());
        r.rank = Some(1 + descending.partition_point(|t| *t > totals[k]));
    }
    Ok(())
}
