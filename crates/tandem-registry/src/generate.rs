//! The seeded synthetic registry generator (docs/REGISTRY.md, "The generator", documents the
//! model and every parameter's value and origin).
//!
//! Two passes over firm ids keep memory bounded: the first writes firms.parquet and keeps, per
//! city, the ids of its firms (4 bytes a firm: the only per-firm state held); the second
//! writes branches, shareholder links and address changes. Every firm is a pure function of
//! (seed, id) ([`Model::firm`]), so a shareholder drawn from another city is regenerated from
//! its id rather than stored.

use crate::cities::{self, FIRST_YEAR, LAST_YEAR};
use crate::dates::year_start;
use crate::industry::SYNTHETIC_CLASSES;
use crate::rng::Rng;
use crate::schema::{self, OWNERSHIP};
use crate::table::{TableWriter, Value};
use crate::RegistryError;
use serde::Serialize;
use std::path::Path;

mod model;
mod relations;

pub use model::{Firm, Model};

/// The largest registry generated in one run (firm ids are kept as `u32` per city).
pub const MAX_FIRMS: u64 = 50_000_000;

/// The generator's parameters; [`Params::default`] holds the documented values.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Params {
    /// Share of firms registered before 2000 (founded 1990-1999, placed by 2000 GDP).
    pub pre_2000_share: f64,
    /// Annual exit hazard in a firm's first five years.
    pub hazard_young: f64,
    /// Annual exit hazard from the sixth year on.
    pub hazard_old: f64,
    /// Median registered capital (yuan) for primary, secondary and tertiary firms.
    pub capital_median_yuan: [f64; 3],
    /// Standard deviation of log registered capital.
    pub capital_sigma: f64,
    /// Shares of [`OWNERSHIP`] types.
    pub ownership_shares: [f64; 5],
    /// Probability that a firm alive on 2016-01-01 or later has a known credit code.
    pub uscc_known: f64,
    /// Mean number of branches per firm (Poisson).
    pub branches_mean: f64,
    /// Probability that a branch is in its firm's city.
    pub branch_same_city: f64,
    /// Probability that a firm has corporate shareholders.
    pub corporate_shareholder: f64,
    /// Mean number of corporate shareholders beyond the first (Poisson).
    pub extra_shareholders_mean: f64,
    /// Probability that a shareholder is in the investee's own city.
    pub investor_same_city: f64,
    /// Probability that a shareholding is acquired after the investee's founding.
    pub later_investment: f64,
    /// Gravity exponent of the origin's GDP (investment origins).
    pub gravity_origin: f64,
    /// Gravity exponent of the destination's GDP (relocation and branch destinations).
    pub gravity_destination: f64,
    /// Distance decay exponent (gamma).
    pub gravity_distance: f64,
    /// Distances below this (km) count as this (keeps near cities finite).
    pub min_distance_km: f64,
    /// Probability that a firm moves its registered address to another city once in its life.
    pub relocation: f64,
    /// Firms of a city drawn before a shareholder is given up as not found.
    pub investor_tries: u32,
}

impl Default for Params {
    fn default() -> Params {
        Params {
            pre_2000_share: 0.15,
            hazard_young: 0.13,
            hazard_old: 0.07,
            capital_median_yuan: [500_000.0, 2_000_000.0, 1_000_000.0],
            capital_sigma: 1.5,
            ownership_shares: [0.86, 0.03, 0.02, 0.04, 0.05],
            uscc_known: 0.9,
            branches_mean: 0.15,
            branch_same_city: 0.7,
            corporate_shareholder: 0.12,
            extra_shareholders_mean: 0.3,
            investor_same_city: 0.6,
            later_investment: 0.3,
            gravity_origin: 1.0,
            gravity_destination: 1.0,
            gravity_distance: 1.0,
            min_distance_km: 10.0,
            relocation: 0.03,
            investor_tries: 8,
        }
    }
}

/// A programme effect planted for one pair from one year.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Effect {
    /// Pair id (`pair-xuzhou-huaibei`).
    pub pair: String,
    /// The registry city of the helper (a Shanghai district maps to Shanghai).
    pub helper_city: String,
    /// The registry city of the helped side.
    pub helped_city: String,
    /// First year the effect applies.
    pub from_year: i32,
    /// Multiplier on helper -> helped investment and relocations (at least 1).
    pub multiplier: f64,
}

impl Effect {
    /// Parses `PAIR:YEAR:MULTIPLIER` against the bundled programme.
    ///
    /// # Errors
    /// A malformed string, an unknown pair, a year outside 2000-2023 or a multiplier below 1.
    pub fn parse(text: &str) -> Result<Effect, RegistryError> {
        let bad = |reason: String| RegistryError::Effect {
            text: text.to_string(),
            reason,
        };
        let parts: Vec<&str> = text.trim().split(':').collect();
        let [pair, year, multiplier] = parts[..] else {
            return Err(bad("it needs three parts separated by `:`".into()));
        };
        let bundle = tandem_data::bundled::bundle();
        let p = bundle
            .programme
            .pair(pair)
            .ok_or_else(|| bad(format!("`{pair}` is not a pair of the programme")))?;
        let from_year: i32 = year
            .parse()
            .ok()
            .filter(|y| (FIRST_YEAR..=LAST_YEAR).contains(y))
            .ok_or_else(|| bad(format!("the year must be {FIRST_YEAR}-{LAST_YEAR}")))?;
        let multiplier: f64 = multiplier
            .parse()
            .ok()
            .filter(|m: &f64| m.is_finite() && (1.0..=1000.0).contains(m))
            .ok_or_else(|| bad("the multiplier must be a number from 1 to 1000".into()))?;
        let cs = cities::cities();
        let city = |id: &str| {
            bundle
                .locality(id)
                .and_then(|l| l.adcode)
                .and_then(|a| cities::city_of_adcode(&cs, a))
                .map(|i| cs[i].id.clone())
                .ok_or_else(|| bad(format!("{id} has no city in the panel")))
        };
        Ok(Effect {
            pair: p.id.clone(),
            helper_city: city(&p.helper)?,
            helped_city: city(&p.helped)?,
            from_year,
            multiplier,
        })
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    /// Number of firms (ever registered, 1990-2023).
    pub firms: u64,
    /// The seed: the same seed and options give byte-identical files.
    pub seed: u64,
    /// Planted programme effects.
    pub effects: Vec<Effect>,
    /// Model parameters.
    pub params: Params,
}

/// The phase a progress report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Writing firms.parquet.
    Firms,
    /// Writing establishments, links and address changes.
    Relations,
}

/// The truth of one planted effect.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EffectTruth {
    /// The effect as asked.
    pub effect: Option<Effect>,
    /// Expected baseline helper-origin shareholder links per helped-city firm.
    pub baseline_links_per_firm: f64,
    /// Shareholder links added by the effect (helper investor, helped investee).
    pub planted_links: u64,
    /// Planted links given up because no helper firm existed at the date.
    pub planted_links_dropped: u64,
    /// Address changes helper -> helped added by the effect.
    pub planted_relocations: u64,
    /// All helper -> helped links dated from the effect year (baseline and planted).
    pub helper_to_helped_links_from_year: u64,
}

/// Row counts of the files.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Rows of firms.parquet.
    pub firms: u64,
    /// Firms with a closing date.
    pub firms_closed: u64,
    /// Rows of establishments.parquet.
    pub establishments: u64,
    /// Rows of links.parquet.
    pub links: u64,
    /// Baseline shareholders given up (no firm of the drawn city existed at the date).
    pub links_dropped: u64,
    /// Rows of address_changes.parquet.
    pub address_changes: u64,
}

/// manifest.json: everything needed to reproduce the registry and test detection against it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// Always `true`: this registry is synthetic.
    pub synthetic: bool,
    /// The generator and its version.
    pub generator: String,
    /// The seed.
    pub seed: u64,
    /// Firms asked for.
    pub firms: u64,
    /// Cities in the registry.
    pub cities: usize,
    /// Years whose births follow the panel.
    pub years: [i32; 2],
    /// How the 4-digit industry codes were made.
    pub industry_codes: String,
    /// How counties were filled.
    pub county_codes: String,
    /// The parameters.
    pub params: Params,
    /// The planted effects and their truth.
    pub effects: Vec<EffectTruth>,
    /// Row counts.
    pub counts: Counts,
}

/// Generates a registry of `opts.firms` firms into the directory `out` (created if needed):
/// the four Parquet files of [`schema::TABLES`] and manifest.json. `progress` is called with
/// the phase, firms done and firms in all, every few thousand firms.
///
/// # Errors
/// A bad number of firms, or a file that cannot be written.
pub fn generate(
    opts: &Options,
    out: &Path,
    progress: &mut dyn FnMut(Phase, u64, u64),
) -> Result<Manifest, RegistryError> {
    if opts.firms == 0 || opts.firms > MAX_FIRMS {
        return Err(RegistryError::Firms {
            got: opts.firms,
            max: MAX_FIRMS,
        });
    }
    std::fs::create_dir_all(out).map_err(|e| RegistryError::io(out, e))?;
    let model = Model::new(opts)?;
    let mut counts = Counts::default();
    let by_city = write_firms(&model, opts, out, &mut counts, progress)?;
    let effects = relations::write(&model, opts, out, &by_city, &mut counts, progress)?;
    let manifest = Manifest {
        synthetic: true,
        generator: format!("tandem-registry {}", env!("CARGO_PKG_VERSION")),
        seed: opts.seed,
        firms: opts.firms,
        cities: model.cities.len(),
        years: [FIRST_YEAR, LAST_YEAR],
        industry_codes: "synthetic 4-digit: the real GB/T 4754-2017 division followed by 0 and a synthetic class digit 1-4 (never an official class code); industry_division is the real division".into(),
        county_codes: "null: the bundled data has no county list, so synthetic firms carry no county code".into(),
        params: opts.params.clone(),
        effects,
        counts,
    };
    let path = out.join("manifest.json");
    let text = serde_json::to_string_pretty(&manifest).expect("the manifest serialises");
    std::fs::write(&path, text + "\n").map_err(|e| RegistryError::io(&path, e))?;
    Ok(manifest)
}

/// How often progress is reported (firms).
const PROGRESS_EVERY: u64 = 1 << 14;

/// Key/value metadata written into every file.
fn metadata(opts: &Options) -> Vec<(String, String)> {
    vec![
        ("synthetic".into(), "true".into()),
        ("seed".into(), opts.seed.to_string()),
        ("schema".into(), "docs/REGISTRY.md".into()),
    ]
}

fn write_firms(
    model: &Model,
    opts: &Options,
    out: &Path,
    counts: &mut Counts,
    progress: &mut dyn FnMut(Phase, u64, u64),
) -> Result<Vec<Vec<u32>>, RegistryError> {
    let mut w = TableWriter::create(
        &out.join("firms.parquet"),
        "firms",
        schema::FIRMS,
        metadata(opts),
    )?;
    let mut by_city: Vec<Vec<u32>> = vec![Vec::new(); model.cities.len()];
    for id in 0..opts.firms {
        let f = model.firm(id);
        by_city[f.city].push(id as u32);
        let city = &model.cities[f.city];
        counts.firms += 1;
        counts.firms_closed += u64::from(f.closed.is_some());
        let class = SYNTHETIC_CLASSES[f.class];
        w.push(&[
            Value::Int(id as i64),
            f.uscc.map_or(Value::Null, Value::Text),
            Value::Null,
            Value::Text(city.id.clone()),
            Value::Int(i64::from(city.adcode)),
            Value::Text(format!("{}{class}", f.division)),
            Value::Text(f.division.to_string()),
            Value::Int(i64::from(f.founded)),
            f.closed.map_or(Value::Null, |d| Value::Int(i64::from(d))),
            Value::Int(f.capital),
            Value::Text(OWNERSHIP[f.ownership].to_string()),
        ])?;
        if (id + 1) % PROGRESS_EVERY == 0 {
            progress(Phase::Firms, id + 1, opts.firms);
        }
    }
    w.finish()?;
    progress(Phase::Firms, opts.firms, opts.firms);
    Ok(by_city)
}

/// The first day after the registry's last year (dates are before it).
pub(crate) fn end_day() -> i32 {
    year_start(LAST_YEAR + 1)
}

/// A uniform day in `[from, to)` (`from` when the range is empty).
pub(crate) fn day_between(rng: &mut Rng, from: i32, to: i32) -> i32 {
    if to <= from {
        from
    } else {
        from + rng.below((to - from) as u64) as i32
    }
}
