//! Weights and parameters of the matching scores, read from TOML.
//!
//! The defaults ship in `data/matching_weights.toml` ([`DEFAULT_WEIGHTS_TOML`]); a user file
//! may give any subset of keys (missing keys keep their defaults, unknown keys are errors).
//! Each weight group is normalised to sum 1, so only ratios matter.

use serde::Deserialize;

/// The shipped weights file, data/matching_weights.toml.
pub const DEFAULT_WEIGHTS_TOML: &str = include_str!("../../../data/matching_weights.toml");

/// A weights file that cannot be used.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum WeightsError {
    /// Not TOML, or a key of the wrong type or unknown.
    #[error("{file}: {message}")]
    Toml {
        /// The file name as given.
        file: String,
        /// The parser's message (with line and column).
        message: String,
    },
    /// A value breaks a rule.
    #[error("{file}: [{group}] {key} = {value}: {rule}")]
    Value {
        /// The file name as given.
        file: String,
        /// The TOML table.
        group: &'static str,
        /// The key.
        key: &'static str,
        /// The offending value.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
}

/// Weights of the seven demand-park components (normalised to sum 1).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DemandParkWeights {
    /// Industry fit.
    pub industry: f64,
    /// Capacity fit.
    pub capacity: f64,
    /// Land cost against budget.
    pub cost: f64,
    /// Distance decay.
    pub distance: f64,
    /// Incentives.
    pub incentives: f64,
    /// Pair relationship.
    pub pair: f64,
    /// Preferred region.
    pub region: f64,
}

impl Default for DemandParkWeights {
    fn default() -> Self {
        DemandParkWeights {
            industry: 0.30,
            capacity: 0.20,
            cost: 0.15,
            distance: 0.10,
            incentives: 0.10,
            pair: 0.10,
            region: 0.05,
        }
    }
}

impl DemandParkWeights {
    /// The weights in component order (industry, capacity, cost, distance, incentives, pair,
    /// region), the order of [`crate::score::Component::ALL`].
    pub fn as_array(&self) -> [f64; 7] {
        [
            self.industry,
            self.capacity,
            self.cost,
            self.distance,
            self.incentives,
            self.pair,
            self.region,
        ]
    }
}

/// Sub-weights of the industry-fit component (normalised to sum 1).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndustryWeights {
    /// Proximity to the park's focus industries.
    pub focus: f64,
    /// Relatedness density of the park's city.
    pub relatedness: f64,
    /// Input-output linkage.
    pub linkage: f64,
}

impl Default for IndustryWeights {
    fn default() -> Self {
        IndustryWeights {
            focus: 0.4,
            relatedness: 0.3,
            linkage: 0.3,
        }
    }
}

/// Parameters of the components.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// λ of the distance decay `exp(−d/λ)`, km (> 0).
    pub distance_decay_km: f64,
    /// σ, the weight of the suppliers' distance, in [0, 1].
    pub supplier_share: f64,
    /// h ≥ 0: availability of `need · (1 + h)` scores 1.
    pub capacity_headroom: f64,
    /// Focus score of a park with no focus industries, in [0, 1].
    pub no_focus_value: f64,
    /// Cost score of a demand without a budget, in [0, 1].
    pub no_budget_value: f64,
    /// Region score of a demand without preferred regions, in [0, 1].
    pub no_preference_value: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            distance_decay_km: 300.0,
            supplier_share: 0.3,
            capacity_headroom: 0.5,
            no_focus_value: 0.5,
            no_budget_value: 0.5,
            no_preference_value: 0.5,
        }
    }
}

/// How a park ranks demands in the stable matching (normalised to sum 1).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ParkViewWeights {
    /// The pair's industry fit.
    pub industry: f64,
    /// Share of the park's land and building the project takes up.
    pub uptake: f64,
    /// The enterprise comes from the park city's helper.
    pub pair: f64,
}

impl Default for ParkViewWeights {
    fn default() -> Self {
        ParkViewWeights {
            industry: 0.5,
            uptake: 0.3,
            pair: 0.2,
        }
    }
}

/// Weights of the project-fund components (normalised to sum 1).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CapitalWeights {
    /// Proximity of the project's industry to the fund's.
    pub industry: f64,
    /// Position of the amount in the ticket range.
    pub ticket: f64,
    /// The fund names the project's locality.
    pub region: f64,
    /// The fund's home helps the project's locality.
    pub pair: f64,
}

impl Default for CapitalWeights {
    fn default() -> Self {
        CapitalWeights {
            industry: 0.35,
            ticket: 0.30,
            region: 0.20,
            pair: 0.15,
        }
    }
}

/// Every weight and parameter of the matching engine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Weights {
    /// Demand-park components.
    pub demand_park: DemandParkWeights,
    /// Industry-fit sub-weights.
    pub industry: IndustryWeights,
    /// Component parameters.
    pub params: Params,
    /// The parks' view in the stable matching.
    pub park_view: ParkViewWeights,
    /// Project-fund components.
    pub capital: CapitalWeights,
}

impl Weights {
    /// Parses a weights file, checks every value and normalises each group to sum 1.
    ///
    /// # Errors
    /// [`WeightsError::Toml`] for syntax, type or unknown-key errors; [`WeightsError::Value`]
    /// for a negative or non-finite weight, a group summing to 0, or a parameter out of range.
    pub fn from_toml(text: &str, file: &str) -> Result<Weights, WeightsError> {
        let w: Weights = toml::from_str(text).map_err(|e| WeightsError::Toml {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        w.validated(file)
    }

    /// The shipped defaults, checked and normalised.
    pub fn shipped() -> Weights {
        // The defaults are finite, non-negative and have positive sums, so this cannot fail.
        Weights::default()
            .validated("defaults")
            .unwrap_or_else(|e| panic!("the built-in default weights are invalid: {e}"))
    }

    /// Checks every value and normalises the weight groups.
    ///
    /// # Errors
    /// As [`Weights::from_toml`].
    pub fn validated(mut self, file: &str) -> Result<Weights, WeightsError> {
        let err = |group, key, value, rule| WeightsError::Value {
            file: file.to_string(),
            group,
            key,
            value,
            rule,
        };
        fn normalise(
            group: &'static str,
            fields: &mut [(&'static str, &mut f64)],
            err: &dyn Fn(&'static str, &'static str, f64, &'static str) -> WeightsError,
        ) -> Result<(), WeightsError> {
            let mut sum = 0.0;
            for (key, v) in fields.iter() {
                if !v.is_finite() || **v < 0.0 {
                    return Err(err(group, key, **v, "a weight must be finite and >= 0"));
                }
                sum += **v;
            }
            if sum <= 0.0 {
                return Err(err(
                    group,
                    fields[0].0,
                    *fields[0].1,
                    "the weights of this group sum to 0",
                ));
            }
            for (_, v) in fields.iter_mut() {
                **v /= sum;
            }
            Ok(())
        }
        let d = &mut self.demand_park;
        normalise(
            "demand_park",
            &mut [
                ("industry", &mut d.industry),
                ("capacity", &mut d.capacity),
                ("cost", &mut d.cost),
                ("distance", &mut d.distance),
                ("incentives", &mut d.incentives),
                ("pair", &mut d.pair),
                ("region", &mut d.region),
            ],
            &err,
        )?;
        let i = &mut self.industry;
        normalise(
            "industry",
            &mut [
                ("focus", &mut i.focus),
                ("relatedness", &mut i.relatedness),
                ("linkage", &mut i.linkage),
            ],
            &err,
        )?;
        let v = &mut self.park_view;
        normalise(
            "park_view",
            &mut [
                ("industry", &mut v.industry),
                ("uptake", &mut v.uptake),
                ("pair", &mut v.pair),
            ],
            &err,
        )?;
        let c = &mut self.capital;
        normalise(
            "capital",
            &mut [
                ("industry", &mut c.industry),
                ("ticket", &mut c.ticket),
                ("region", &mut c.region),
                ("pair", &mut c.pair),
            ],
            &err,
        )?;
        let p = self.params;
        if !(p.distance_decay_km.is_finite() && p.distance_decay_km > 0.0) {
            return Err(err(
                "params",
                "distance_decay_km",
                p.distance_decay_km,
                "must be a positive number of km",
            ));
        }
        if !(p.capacity_headroom.is_finite() && p.capacity_headroom >= 0.0) {
            return Err(err(
                "params",
                "capacity_headroom",
                p.capacity_headroom,
                "must be finite and >= 0",
            ));
        }
        for (key, v) in [
            ("supplier_share", p.supplier_share),
            ("no_focus_value", p.no_focus_value),
            ("no_budget_value", p.no_budget_value),
            ("no_preference_value", p.no_preference_value),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(err("params", key, v, "must lie in [0, 1]"));
            }
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_equals_defaults() {
        let w = Weights::from_toml(DEFAULT_WEIGHTS_TOML, "data/matching_weights.toml").unwrap();
        assert_eq!(w, Weights::shipped());
        let sum: f64 = w.demand_park.as_array().iter().sum();
        assert!((sum - 1.0).abs() < 1e-12);
    }

    #[test]
    fn partial_files_keep_defaults_and_bad_values_are_named() {
        let w = Weights::from_toml("[params]\ndistance_decay_km = 100.0\n", "w.toml").unwrap();
        assert_eq!(w.params.distance_decay_km, 100.0);
        assert_eq!(w.demand_park, Weights::shipped().demand_park);
        let e = Weights::from_toml("[demand_park]\ncost = -1.0\n", "w.toml").unwrap_err();
        assert_eq!(
            e.to_string(),
            "w.toml: [demand_park] cost = -1: a weight must be finite and >= 0"
        );
        let e = Weights::from_toml("[params]\nsupplier_share = 2.0\n", "w.toml").unwrap_err();
        assert!(e.to_string().contains("supplier_share"), "{e}");
        let e = Weights::from_toml("[demand_park]\ncolour = 1.0\n", "w.toml").unwrap_err();
        assert!(matches!(e, WeightsError::Toml { .. }), "{e}");
        let zero = "[capital]\nindustry = 0.0\nticket = 0.0\nregion = 0.0\npair = 0.0\n";
        let e = Weights::from_toml(zero, "w.toml").unwrap_err();
        assert!(e.to_string().contains("sum to 0"), "{e}");
    }
}
