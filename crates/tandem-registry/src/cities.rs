//! The cities of a synthetic registry: every prefecture-level unit of the bundled city panel
//! with coordinates and GDP, and its GDP and three-sector structure for 2000-2023.
//!
//! Values are the panel's chosen ones (the curation rules of `tandem panel`, default rules).
//! A missing year takes the nearest year with a value (the earlier on a tie), because a gap in
//! the statistics is not a year without firms; a city with no GDP at all is left out.

use tandem_core::{Locality, LocalityLevel};
use tandem_panel::{panel, CityPanel, Rules};

/// First year of the panel (and of the generator's births by city and year).
pub const FIRST_YEAR: i32 = 2000;
/// Last year of the panel.
pub const LAST_YEAR: i32 = 2023;
/// Number of years covered.
pub const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// Sector shares used where a city has no value added by sector in any year: China's 2015
/// structure (NBS, 8.4 / 40.8 / 50.8 %), rounded.
pub const DEFAULT_SHARES: [f64; 3] = [0.08, 0.41, 0.51];

/// One city of the registry.
#[derive(Clone, Debug)]
pub struct City {
    /// tandem locality id (`js-xuzhou`).
    pub id: String,
    /// GB/T 2260 code.
    pub adcode: u32,
    /// Latitude of the seat, degrees.
    pub lat: f64,
    /// Longitude of the seat, degrees.
    pub lon: f64,
    /// GDP per year (亿元, current prices), gaps filled from the nearest year.
    pub gdp: [f64; YEARS],
    /// Primary, secondary, tertiary shares of value added per year (sum 1).
    pub shares: [[f64; 3]; YEARS],
}

impl City {
    /// Mean GDP over the panel's years (the gravity model's mass).
    pub fn mean_gdp(&self) -> f64 {
        self.gdp.iter().sum::<f64>() / YEARS as f64
    }
}

/// The prefecture-level cities of the bundled panel with coordinates and some GDP, by adcode.
pub fn cities() -> Vec<City> {
    let p = panel();
    let rules = Rules::default();
    let mut out: Vec<City> = Vec::new();
    for (l, adcode) in candidates() {
        let (Some(lat), Some(lon)) = (l.lat, l.lon) else {
            continue;
        };
        let value = |ind: &str, y: usize| {
            p.choose(adcode, ind, FIRST_YEAR + y as i32, &rules)
                .chosen
                .map(|v| v.value)
                .filter(|v| v.is_finite() && *v > 0.0)
        };
        let Some(gdp) = filled(|y| value("gdp", y)) else {
            continue;
        };
        let shares =
            filled(|y| sector_shares(p, adcode, y, &rules)).unwrap_or([DEFAULT_SHARES; YEARS]);
        out.push(City {
            id: l.id.clone(),
            adcode,
            lat,
            lon,
            gdp,
            shares,
        });
    }
    out.sort_by_key(|c| c.adcode);
    out
}

fn sector_shares(p: &CityPanel, adcode: u32, y: usize, rules: &Rules) -> Option<[f64; 3]> {
    let year = FIRST_YEAR + y as i32;
    let mut va = [0.0; 3];
    for (slot, ind) in va
        .iter_mut()
        .zip(["va_primary", "va_secondary", "va_tertiary"])
    {
        *slot = p.choose(adcode, ind, year, rules).chosen?.value;
    }
    let total: f64 = va.iter().sum();
    (total > 0.0 && va.iter().all(|v| v.is_finite() && *v >= 0.0)).then(|| va.map(|v| v / total))
}

/// Every year's value, gaps taking the nearest year with one; `None` if no year has one.
fn filled<T: Copy>(value: impl Fn(usize) -> Option<T>) -> Option<[T; YEARS]> {
    let known: Vec<Option<T>> = (0..YEARS).map(value).collect();
    let first = known.iter().flatten().next().copied()?;
    let mut out = [first; YEARS];
    for (y, slot) in out.iter_mut().enumerate() {
        let nearest = (0..YEARS)
            .filter(|&k| known[k].is_some())
            .min_by_key(|&k| (k.abs_diff(y), k))
            .expect("at least one known year");
        *slot = known[nearest].expect("known");
    }
    Some(out)
}

/// Great-circle distance in km between two cities (haversine, Earth radius 6371 km).
pub fn distance_km(a: &City, b: &City) -> f64 {
    let (la1, la2) = (a.lat.to_radians(), b.lat.to_radians());
    let dlat = la2 - la1;
    let dlon = (b.lon - a.lon).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * 6371.0 * h.sqrt().asin()
}

/// The candidate cities: the prefecture-level and province-level localities of the bundle
/// with an adcode and coordinates, the first of each adcode, in bundle order. [`cities`]
/// keeps those of them with GDP in the panel.
fn candidates() -> impl Iterator<Item = (&'static Locality, u32)> {
    let mut seen = std::collections::HashSet::new();
    tandem_data::bundled::bundle()
        .localities
        .iter()
        .filter(|l| {
            l.lat.is_some()
                && l.lon.is_some()
                && matches!(
                    l.level,
                    LocalityLevel::Prefecture | LocalityLevel::ProvinceLevelCity
                )
        })
        .filter_map(|l| Some((l, l.adcode?)))
        .filter(move |(_, adcode)| seen.insert(*adcode))
}

/// The registry city (id, adcode) of a locality's adcode, as [`city_of_adcode`] finds it, but
/// from the bundled localities alone, without building the panel: a query that only names
/// the pairs' cities then starts in milliseconds instead of curating the whole city panel.
/// It differs from [`city_of_adcode`] over [`cities`] only for a city without any GDP in the
/// panel, which the generator leaves out but an imported registry may well hold.
pub fn city_of_adcode_light(adcode: u32) -> Option<(&'static str, u32)> {
    [adcode, adcode / 100 * 100, adcode / 10_000 * 10_000]
        .into_iter()
        .find_map(|code| candidates().find(|(_, a)| *a == code))
        .map(|(l, a)| (l.id.as_str(), a))
}

/// The index of the city holding a locality's adcode: itself, else its prefecture
/// (`xxxx00`), else its province-level city (`xx0000`) — a Shanghai district maps to Shanghai.
pub fn city_of_adcode(cities: &[City], adcode: u32) -> Option<usize> {
    [adcode, adcode / 100 * 100, adcode / 10_000 * 10_000]
        .into_iter()
        .find_map(|code| cities.iter().position(|c| c.adcode == code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_panel_gives_hundreds_of_cities_with_full_years() {
        let cs = cities();
        assert!(cs.len() > 250, "{}", cs.len());
        // The light lookup agrees with the panel's cities wherever a city has GDP.
        for c in &cs {
            let light = city_of_adcode_light(c.adcode).expect("a candidate");
            assert_eq!((light.0, light.1), (c.id.as_str(), c.adcode));
        }
        let xuzhou = cs.iter().find(|c| c.id == "js-xuzhou").expect("Xuzhou");
        assert!(xuzhou.gdp[YEARS - 1] > xuzhou.gdp[0]);
        for c in &cs {
            for s in &c.shares {
                assert!((s.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{}", c.id);
            }
        }
        let huaibei = cs.iter().find(|c| c.id == "ah-huaibei").unwrap();
        let d = distance_km(xuzhou, huaibei);
        assert!((50.0..120.0).contains(&d), "Xuzhou-Huaibei {d} km");
        let sh = city_of_adcode(&cs, 310112).expect("Minhang is in Shanghai");
        assert_eq!(cs[sh].adcode, 310000);
    }
}
