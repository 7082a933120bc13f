//! The generator's tables (cities, birth cells, gravity) and one firm as a function of its id.

use super::{end_day, Effect, Options, Params};
use crate::cities::{self, distance_km, City, FIRST_YEAR, YEARS};
use crate::dates::year_start;
use crate::industry::{divisions_by_sector, SYNTHETIC_CLASSES};
use crate::rng::Rng;
use crate::RegistryError;

/// Stream numbers of [`Rng::derive`]: one independent stream per purpose and firm, so that
/// switching an effect on changes only the draws of the effect's own streams.
pub(crate) const STREAM_FIRM: u64 = 1;
pub(crate) const STREAM_BRANCH: u64 = 2;
pub(crate) const STREAM_LINK: u64 = 3;
pub(crate) const STREAM_MOVE: u64 = 4;
/// Effect `k` uses stream `STREAM_EFFECT + k`.
pub(crate) const STREAM_EFFECT: u64 = 100;

/// Firms registered before 2000 are founded in 1990-1999.
const PRE_2000_FIRST: i32 = 1990;

/// One generated firm.
#[derive(Clone, Debug)]
pub struct Firm {
    /// Index into [`Model::cities`] (city of registration at founding).
    pub city: usize,
    /// Founding day.
    pub founded: i32,
    /// Closing day, `None` while open at the end of 2023.
    pub closed: Option<i32>,
    /// 0 primary, 1 secondary, 2 tertiary.
    pub sector: usize,
    /// GB/T 4754-2017 division.
    pub division: &'static str,
    /// Index into [`SYNTHETIC_CLASSES`].
    pub class: usize,
    /// Registered capital, yuan.
    pub capital: i64,
    /// Index into [`crate::schema::OWNERSHIP`].
    pub ownership: usize,
    /// Unified social credit code when known.
    pub uscc: Option<String>,
}

impl Firm {
    /// The last day (exclusive) the firm exists in the registry.
    pub fn end(&self) -> i32 {
        self.closed.unwrap_or_else(end_day)
    }
}

/// An effect resolved to city indices, with its baseline rates.
#[derive(Clone, Debug)]
pub(crate) struct Planted {
    pub effect: Effect,
    pub helper: usize,
    pub helped: usize,
    /// Baseline expected helper-origin shareholder links per helped-city firm.
    pub base_links: f64,
    /// Baseline probability that a helper-city firm's relocation goes to the helped city.
    pub base_move_share: f64,
}

/// Everything fixed before the first firm is drawn.
pub struct Model {
    /// The cities, by adcode.
    pub cities: Vec<City>,
    pub(crate) params: Params,
    seed: u64,
    /// Birth cells: `(city, year)` with year `None` for the pre-2000 stock.
    cells: Vec<(usize, Option<i32>)>,
    cells_cum: Vec<f64>,
    /// Per destination, cumulative weights of investment origins (own city weight 0).
    pub(crate) origin_cum: Vec<Vec<f64>>,
    /// Per origin, cumulative weights of relocation and branch destinations (own city 0).
    pub(crate) dest_cum: Vec<Vec<f64>>,
    pub(crate) planted: Vec<Planted>,
}

fn cumulative(weights: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut total = 0.0;
    weights
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// The share of `cum`'s total that index `i` holds.
fn share(cum: &[f64], i: usize) -> f64 {
    let w = cum[i] - if i == 0 { 0.0 } else { cum[i - 1] };
    w / cum.last().copied().unwrap_or(1.0)
}

impl Model {
    /// Builds the tables from the bundled panel.
    ///
    /// # Errors
    /// No usable city (a build defect), or an effect naming a city outside the registry.
    pub fn new(opts: &Options) -> Result<Model, RegistryError> {
        let cities = cities::cities();
        if cities.is_empty() {
            return Err(RegistryError::NoCities);
        }
        let p = &opts.params;
        let (cells, cells_cum) = birth_cells(&cities, p.pre_2000_share);
        let gravity = |mass: f64, exp: f64, a: &City, b: &City| {
            mass.powf(exp)
                / distance_km(a, b)
                    .max(p.min_distance_km)
                    .powf(p.gravity_distance)
        };
        let mass: Vec<f64> = cities.iter().map(City::mean_gdp).collect();
        let table = |exp: f64| -> Vec<Vec<f64>> {
            (0..cities.len())
                .map(|fixed| {
                    cumulative((0..cities.len()).map(|other| {
                        if other == fixed {
                            0.0
                        } else {
                            gravity(mass[other], exp, &cities[other], &cities[fixed])
                        }
                    }))
                })
                .collect()
        };
        let origin_cum = table(p.gravity_origin);
        let dest_cum = table(p.gravity_destination);
        let mut model = Model {
            cities,
            params: p.clone(),
            seed: opts.seed,
            cells,
            cells_cum,
            origin_cum,
            dest_cum,
            planted: Vec::new(),
        };
        model.planted = opts
            .effects
            .iter()
            .map(|e| model.plant(e))
            .collect::<Result<_, _>>()?;
        Ok(model)
    }

    fn plant(&self, e: &Effect) -> Result<Planted, RegistryError> {
        let index = |id: &str| {
            self.cities
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| RegistryError::Effect {
                    text: e.pair.clone(),
                    reason: format!("{id} is not a city of the registry"),
                })
        };
        let (helper, helped) = (index(&e.helper_city)?, index(&e.helped_city)?);
        let p = &self.params;
        let base_links = p.corporate_shareholder
            * (1.0 + p.extra_shareholders_mean)
            * (1.0 - p.investor_same_city)
            * share(&self.origin_cum[helped], helper);
        Ok(Planted {
            effect: e.clone(),
            helper,
            helped,
            base_links,
            base_move_share: share(&self.dest_cum[helper], helped),
        })
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Firm `id`, regenerated identically on every call.
    pub fn firm(&self, id: u64) -> Firm {
        let mut rng = Rng::derive(self.seed, STREAM_FIRM, id);
        let mut f = self.firm_core(&mut rng);
        let p = &self.params;
        let median = p.capital_median_yuan[f.sector];
        f.capital = rng.lognormal(median.ln(), p.capital_sigma).round().max(1.0) as i64;
        f.ownership = rng.pick(&cumulative(p.ownership_shares.iter().copied()));
        let alive_2016 = f.closed.is_none_or(|c| c >= year_start(2016));
        if alive_2016 && rng.chance(p.uscc_known) {
            f.uscc = Some(synthetic_uscc(&mut rng, self.cities[f.city].adcode));
        }
        f
    }

    /// City, dates and industry of firm `id` (what a shareholder draw needs), cheaper than
    /// [`Model::firm`] and drawn from the same stream.
    pub fn firm_dates(&self, id: u64) -> Firm {
        self.firm_core(&mut Rng::derive(self.seed, STREAM_FIRM, id))
    }

    fn firm_core(&self, rng: &mut Rng) -> Firm {
        let (city, year) = self.cells[rng.pick(&self.cells_cum)];
        let year = year.unwrap_or_else(|| PRE_2000_FIRST + rng.below(10) as i32);
        let start = year_start(year);
        let founded = start + rng.below((year_start(year + 1) - start) as u64) as i32;
        let y = (year - FIRST_YEAR).clamp(0, YEARS as i32 - 1) as usize;
        let sector = rng.pick(&cumulative(self.cities[city].shares[y].iter().copied()));
        let divisions = &divisions_by_sector()[sector];
        let division = divisions[rng.below(divisions.len() as u64) as usize].as_str();
        let class = rng.below(SYNTHETIC_CLASSES.len() as u64) as usize;
        Firm {
            city,
            founded,
            closed: self.lifetime(rng, founded),
            sector,
            division,
            class,
            capital: 0,
            ownership: 0,
            uscc: None,
        }
    }

    /// The closing day: each year of age the firm exits with the hazard of its age, on a
    /// uniform day of that year; `None` if it survives past 2023.
    fn lifetime(&self, rng: &mut Rng, founded: i32) -> Option<i32> {
        let end = end_day();
        let mut age = 0;
        while founded + age * 365 < end {
            let hazard = if age < 5 {
                self.params.hazard_young
            } else {
                self.params.hazard_old
            };
            if rng.chance(hazard) {
                let day = founded + age * 365 + 1 + rng.below(365) as i32;
                return (day < end).then_some(day);
            }
            age += 1;
        }
        None
    }
}

/// Birth cells and their cumulative weights: the pre-2000 stock placed by 2000 GDP, then one
/// cell per (city, year) weighted by that year's GDP over the panel's total.
fn birth_cells(cities: &[City], pre_share: f64) -> (Vec<(usize, Option<i32>)>, Vec<f64>) {
    let gdp2000: f64 = cities.iter().map(|c| c.gdp[0]).sum();
    let all: f64 = cities.iter().map(|c| c.gdp.iter().sum::<f64>()).sum();
    let mut cells = Vec::new();
    let mut weights = Vec::new();
    for (i, c) in cities.iter().enumerate() {
        cells.push((i, None));
        weights.push(pre_share * c.gdp[0] / gdp2000);
        for (y, g) in c.gdp.iter().enumerate() {
            cells.push((i, Some(FIRST_YEAR + y as i32)));
            weights.push((1.0 - pre_share) * g / all);
        }
    }
    (cells, cumulative(weights.into_iter()))
}

/// Characters of a unified social credit code (GB 32100-2015: digits and capitals without
/// I, O, S, V, Z), and the weights of its check character.
const USCC_CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A synthetic code of the GB 32100-2015 form: `91` (an enterprise registered by the market
/// regulator), the registering city's code, nine random characters and a valid check
/// character. It names no real firm.
pub fn synthetic_uscc(rng: &mut Rng, adcode: u32) -> String {
    let mut code = format!("91{adcode:06}");
    for _ in 0..9 {
        code.push(USCC_CHARS[rng.below(USCC_CHARS.len() as u64) as usize] as char);
    }
    code.push(uscc_check(&code));
    code
}

/// The check character of the first 17 characters of a credit code.
pub fn uscc_check(first17: &str) -> char {
    let sum: u32 = first17
        .bytes()
        .zip(USCC_WEIGHTS)
        .map(|(b, w)| USCC_CHARS.iter().position(|&c| c == b).unwrap_or(0) as u32 * w)
        .sum();
    USCC_CHARS[((31 - sum % 31) % 31) as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credit_code_check_character_matches_a_published_code() {
        // Huawei Technologies Co., Ltd. (Shenzhen), as printed on its business licence.
        assert_eq!(uscc_check("91440300192203821"), '6');
        let mut rng = Rng::new(1);
        let code = synthetic_uscc(&mut rng, 320300);
        assert_eq!(code.len(), 18);
        assert!(code.starts_with("91320300"));
        assert_eq!(code.chars().last(), Some(uscc_check(&code[..17])));
    }
}
