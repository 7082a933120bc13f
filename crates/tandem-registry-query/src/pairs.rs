//! The programme's pairs as registry cities.
//!
//! A registry places firms in prefecture-level cities (docs/REGISTRY.md). A helper that is a
//! district (Shanghai's Minhang, Songjiang and Fengxian) maps to its city, so the three
//! Shanghai pairs share the helper city `sh-shanghai`: their figures count all Shanghai firms,
//! and [`PairCities::helper_scope`] says so in every result.

use serde::Serialize;
use tandem_core::model::Pair;
use tandem_registry::cities;

use crate::QueryError;

/// One pair with the registry cities of its two sides.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PairCities {
    /// Pair id (`pair-xuzhou-huaibei`).
    pub pair_id: String,
    /// Registry city of the helper side.
    pub helper_city: String,
    /// Registry city of the helped side.
    pub helped_city: String,
    /// First year of the programme for this pair.
    pub start_year: i32,
    /// `city` when the helper is the city itself; `district-as-city` when the helper is a
    /// district whose firms cannot be told apart from its city's.
    pub helper_scope: &'static str,
}

impl PairCities {
    /// The pairs of the bundled programme (`tandem pairs`).
    ///
    /// # Errors
    /// A pair side with no city in the panel (a build defect).
    pub fn bundled() -> Result<Vec<PairCities>, QueryError> {
        tandem_data::bundled::bundle()
            .programme
            .pairs
            .iter()
            .map(PairCities::of)
            .collect()
    }

    /// One bundled pair by id.
    ///
    /// # Errors
    /// An id that is not a pair of the bundled programme.
    pub fn bundled_pair(id: &str) -> Result<PairCities, QueryError> {
        PairCities::bundled()?
            .into_iter()
            .find(|p| p.pair_id == id)
            .ok_or_else(|| {
                QueryError::Invalid(format!(
                    "`{id}` is not a pair of the programme; `tandem pairs` lists them"
                ))
            })
    }

    /// The registry cities of a pair's sides (`cities::city_of_adcode_light`: from the
    /// localities, so that naming the pairs does not build the city panel).
    fn of(pair: &Pair) -> Result<PairCities, QueryError> {
        let bundle = tandem_data::bundled::bundle();
        let city = |id: &str| {
            let adcode = bundle.locality(id).and_then(|l| l.adcode);
            adcode
                .and_then(cities::city_of_adcode_light)
                .map(|(city, code)| (city.to_string(), Some(code) == adcode))
                .ok_or_else(|| QueryError::Invalid(format!("{id} has no city in the panel")))
        };
        let (helper_city, helper_is_city) = city(&pair.helper)?;
        let (helped_city, _) = city(&pair.helped)?;
        Ok(PairCities {
            pair_id: pair.id.clone(),
            helper_city,
            helped_city,
            start_year: pair.start_year,
            helper_scope: if helper_is_city {
                "city"
            } else {
                "district-as-city"
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_eight_pairs_map_to_cities_and_shanghai_districts_are_flagged() {
        let pairs = PairCities::bundled().unwrap();
        assert_eq!(pairs.len(), 8);
        let xuzhou = pairs
            .iter()
            .find(|p| p.pair_id == "pair-xuzhou-huaibei")
            .unwrap();
        assert_eq!(xuzhou.helper_scope, "city");
        let shanghai: Vec<_> = pairs
            .iter()
            .filter(|p| p.helper_city == "sh-shanghai")
            .collect();
        assert_eq!(shanghai.len(), 3);
        assert!(shanghai
            .iter()
            .all(|p| p.helper_scope == "district-as-city"));
        // The same cities as the generator's, which come from the curated panel.
        let cs = cities::cities();
        let bundle = tandem_data::bundled::bundle();
        for (p, pair) in pairs.iter().zip(&bundle.programme.pairs) {
            for (side, city) in [
                (&pair.helper, &p.helper_city),
                (&pair.helped, &p.helped_city),
            ] {
                let adcode = bundle.locality(side).and_then(|l| l.adcode).unwrap();
                let i = cities::city_of_adcode(&cs, adcode).unwrap();
                assert_eq!(&cs[i].id, city);
            }
        }
    }
}
