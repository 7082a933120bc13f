//! The advisor's tunable weights and thresholds.
//!
//! The defaults here equal `data/advisor_weights.toml`, where each is justified; the CLI reads
//! that file (or `--weights FILE`) and the core only receives the struct. Every field has a
//! serde default, so a file may set only what it changes.

use serde::{Deserialize, Serialize};

/// All weights and thresholds of the advisor.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    pub score: ScoreWeights,
    pub distance: DistanceParams,
    pub industry_relation: RelationParams,
    pub io: IoParams,
    pub problems: ProblemParams,
    pub opportunities: OpportunityParams,
}

/// Weights of the four opportunity components (they need not sum to 1: the score divides by
/// the sum of the weights of the components available).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoreWeights {
    pub transfer_propensity: f64,
    pub receiving_capacity: f64,
    pub io_linkage: f64,
    pub distance_decay: f64,
}

/// Distance decay and gravity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DistanceParams {
    /// Distance at which the decay factor `exp(−ln 2 · d / half)` is one half, km.
    pub half_distance_km: f64,
    /// Distance-decay exponent b of the gravity linkage.
    pub gravity_exponent: f64,
    /// A side "ranks the other highly" when the other's rank is within this fraction of the
    /// partners that could be ranked (rounded up, at least 1).
    pub natural_top_fraction: f64,
    /// Fewer ranked partners than this: the ranking is not enough data.
    pub min_ranked: usize,
}

/// Thresholds of the similar/complementary rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelationParams {
    /// Jaccard overlap at or above which the industries are similar.
    pub similar_min_jaccard: f64,
    /// Jaccard overlap at or below which they are complementary.
    pub complementary_max_jaccard: f64,
    /// Fewer named sectors than this on a side: not enough data.
    pub min_sectors: usize,
}

/// Input-output thresholds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IoParams {
    /// A direct coefficient `a_ij` at or above this is a strong link; also the scale at
    /// which a linkage component reaches 1 (`min(1, a / strong)`).
    pub strong_coefficient: f64,
    /// How many links to show.
    pub top_links: usize,
}

/// Thresholds of the three problem rules (see [`super::problems`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProblemParams {
    /// Fewer pair events than this: every rule is not enough data.
    pub min_events: usize,
    /// Rule 3: share of government events (policy + agreement) at or above which the pair
    /// is government-driven when no enterprise-led signal exists.
    pub government_share: f64,
    /// Rule 1: months after a park event within which a project, enterprise transfer or
    /// production signal is expected.
    pub park_follow_up_months: u32,
    /// Rule 2: helper/helped document-count ratio beyond which activity is asymmetric
    /// (and its inverse below).
    pub asymmetry_ratio: f64,
}

/// Opportunity ranking parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpportunityParams {
    /// How many opportunities to report per pair.
    pub top: usize,
    /// Transfer-propensity factor of a helper sector named as pillar.
    pub role_pillar: f64,
    /// ... named as leading.
    pub role_leading: f64,
    /// ... named as emerging.
    pub role_emerging: f64,
    /// Receiving capacity of a sector in the pair's cooperation focus.
    pub capacity_focus: f64,
    /// ... named leading or pillar by the helped side.
    pub capacity_leading: f64,
    /// ... named emerging by the helped side.
    pub capacity_emerging: f64,
    /// IO-42 codes treated as knowledge-intensive (joint innovation when both sides are
    /// present or the helper names them emerging).
    pub knowledge_intensive: Vec<String>,
}

impl Default for ScoreWeights {
    fn default() -> Self {
        ScoreWeights {
            transfer_propensity: 0.35,
            receiving_capacity: 0.30,
            io_linkage: 0.20,
            distance_decay: 0.15,
        }
    }
}

impl Default for DistanceParams {
    fn default() -> Self {
        DistanceParams {
            half_distance_km: 300.0,
            gravity_exponent: 2.0,
            natural_top_fraction: 0.25,
            min_ranked: 5,
        }
    }
}

impl Default for RelationParams {
    fn default() -> Self {
        RelationParams {
            similar_min_jaccard: 0.4,
            complementary_max_jaccard: 0.2,
            min_sectors: 2,
        }
    }
}

impl Default for IoParams {
    fn default() -> Self {
        IoParams {
            strong_coefficient: 0.05,
            top_links: 8,
        }
    }
}

impl Default for ProblemParams {
    fn default() -> Self {
        ProblemParams {
            min_events: 3,
            government_share: 0.6,
            park_follow_up_months: 12,
            asymmetry_ratio: 2.0,
        }
    }
}

impl Default for OpportunityParams {
    fn default() -> Self {
        OpportunityParams {
            top: 10,
            role_pillar: 1.0,
            role_leading: 0.8,
            role_emerging: 0.5,
            capacity_focus: 1.0,
            capacity_leading: 0.8,
            capacity_emerging: 0.6,
            knowledge_intensive: ["20", "31", "35"].map(String::from).to_vec(),
        }
    }
}

/// A weight or threshold outside its range.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("advisor weights: {field} = {value} is invalid: {rule}")]
pub struct WeightsError {
    /// Dotted path of the field (`score.io_linkage`).
    pub field: String,
    pub value: String,
    pub rule: String,
}

impl Weights {
    /// Checks every field's range: weights finite and ≥ 0 with a positive sum, thresholds
    /// in their intervals, distances positive.
    pub fn validate(&self) -> Result<(), WeightsError> {
        let err = |field: &str, value: f64, rule: &str| WeightsError {
            field: field.into(),
            value: value.to_string(),
            rule: rule.into(),
        };
        let s = &self.score;
        let weights = [
            ("score.transfer_propensity", s.transfer_propensity),
            ("score.receiving_capacity", s.receiving_capacity),
            ("score.io_linkage", s.io_linkage),
            ("score.distance_decay", s.distance_decay),
        ];
        for (name, w) in weights {
            if !(w.is_finite() && w >= 0.0) {
                return Err(err(name, w, "a weight must be a finite number ≥ 0"));
            }
        }
        let sum: f64 = weights.iter().map(|(_, w)| w).sum();
        if sum <= 0.0 {
            return Err(err("score", sum, "at least one weight must be positive"));
        }
        let positive = [
            ("distance.half_distance_km", self.distance.half_distance_km),
            ("io.strong_coefficient", self.io.strong_coefficient),
            ("problems.asymmetry_ratio", self.problems.asymmetry_ratio),
        ];
        for (name, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return Err(err(name, v, "must be a finite number > 0"));
            }
        }
        if !self.distance.gravity_exponent.is_finite() {
            return Err(err(
                "distance.gravity_exponent",
                self.distance.gravity_exponent,
                "must be finite",
            ));
        }
        let o = &self.opportunities;
        let unit = [
            (
                "distance.natural_top_fraction",
                self.distance.natural_top_fraction,
            ),
            (
                "industry_relation.similar_min_jaccard",
                self.industry_relation.similar_min_jaccard,
            ),
            (
                "industry_relation.complementary_max_jaccard",
                self.industry_relation.complementary_max_jaccard,
            ),
            ("problems.government_share", self.problems.government_share),
            ("opportunities.role_pillar", o.role_pillar),
            ("opportunities.role_leading", o.role_leading),
            ("opportunities.role_emerging", o.role_emerging),
            ("opportunities.capacity_focus", o.capacity_focus),
            ("opportunities.capacity_leading", o.capacity_leading),
            ("opportunities.capacity_emerging", o.capacity_emerging),
        ];
        for (name, v) in unit {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(err(name, v, "must lie in [0, 1]"));
            }
        }
        if self.industry_relation.complementary_max_jaccard
            >= self.industry_relation.similar_min_jaccard
        {
            return Err(err(
                "industry_relation.complementary_max_jaccard",
                self.industry_relation.complementary_max_jaccard,
                "must be below industry_relation.similar_min_jaccard",
            ));
        }
        if o.top == 0 {
            return Err(err("opportunities.top", 0.0, "must be at least 1"));
        }
        Ok(())
    }
}
