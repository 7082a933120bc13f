//! The second pass: branches, shareholder links and address changes of every firm, and the
//! planted effects.

use super::model::{Firm, Model, STREAM_BRANCH, STREAM_EFFECT, STREAM_LINK, STREAM_MOVE};
use super::{day_between, metadata, Counts, EffectTruth, Options, Phase, PROGRESS_EVERY};
use crate::dates::{year_of, year_start};
use crate::rng::Rng;
use crate::schema;
use crate::table::{TableWriter, Value};
use crate::RegistryError;
use std::path::Path;

struct Sinks {
    branches: TableWriter,
    links: TableWriter,
    moves: TableWriter,
    next_branch: i64,
}

/// Writes establishments, links and address changes; returns the truth of each effect.
pub(super) fn write(
    model: &Model,
    opts: &Options,
    out: &Path,
    by_city: &[Vec<u32>],
    counts: &mut Counts,
    progress: &mut dyn FnMut(Phase, u64, u64),
) -> Result<Vec<EffectTruth>, RegistryError> {
    let table = |file: &str, name: &str, columns| {
        TableWriter::create(&out.join(file), name, columns, metadata(opts))
    };
    let mut sinks = Sinks {
        branches: table(
            "establishments.parquet",
            "establishments",
            schema::ESTABLISHMENTS,
        )?,
        links: table("links.parquet", "links", schema::LINKS)?,
        moves: table(
            "address_changes.parquet",
            "address_changes",
            schema::ADDRESS_CHANGES,
        )?,
        next_branch: 0,
    };
    let mut truth: Vec<EffectTruth> = model
        .planted
        .iter()
        .map(|p| EffectTruth {
            effect: Some(p.effect.clone()),
            baseline_links_per_firm: p.base_links,
            ..EffectTruth::default()
        })
        .collect();
    let gen = Gen { model, by_city };
    for id in 0..opts.firms {
        let f = model.firm(id);
        gen.branches(id, &f, &mut sinks, counts)?;
        gen.links(id, &f, &mut sinks, counts, &mut truth)?;
        gen.planted_links(id, &f, &mut sinks, counts, &mut truth)?;
        gen.moves(id, &f, &mut sinks, counts, &mut truth)?;
        if (id + 1) % PROGRESS_EVERY == 0 {
            progress(Phase::Relations, id + 1, opts.firms);
        }
    }
    sinks.branches.finish()?;
    sinks.links.finish()?;
    sinks.moves.finish()?;
    progress(Phase::Relations, opts.firms, opts.firms);
    Ok(truth)
}

struct Gen<'a> {
    model: &'a Model,
    by_city: &'a [Vec<u32>],
}

fn date(day: i32) -> Value {
    Value::Int(i64::from(day))
}

impl Gen<'_> {
    fn city(&self, i: usize) -> Value {
        Value::Text(self.model.cities[i].id.clone())
    }

    fn branches(
        &self,
        id: u64,
        f: &Firm,
        s: &mut Sinks,
        counts: &mut Counts,
    ) -> Result<(), RegistryError> {
        let p = &self.model.params;
        let mut rng = Rng::derive(self.model.seed(), STREAM_BRANCH, id);
        for _ in 0..rng.poisson(p.branches_mean) {
            let city = if rng.chance(p.branch_same_city) {
                f.city
            } else {
                rng.pick(&self.model.dest_cum[f.city])
            };
            let founded = day_between(&mut rng, f.founded, f.end());
            // A branch closes with its firm, or (a third of the others) on its own earlier.
            let closed = f.closed.or_else(|| {
                rng.chance(0.3)
                    .then(|| day_between(&mut rng, founded + 1, f.end()))
                    .filter(|&day| day < f.end())
            });
            s.branches.push(&[
                Value::Int(s.next_branch),
                Value::Int(id as i64),
                self.city(city),
                Value::Int(i64::from(self.model.cities[city].adcode)),
                date(founded),
                closed.map_or(Value::Null, date),
            ])?;
            s.next_branch += 1;
            counts.establishments += 1;
        }
        Ok(())
    }

    /// A firm of `city` (not `except`) that exists on `day`, drawn uniformly with a few tries.
    fn investor(&self, rng: &mut Rng, city: usize, day: i32, except: u64) -> Option<u64> {
        let ids = &self.by_city[city];
        if ids.is_empty() {
            return None;
        }
        (0..self.model.params.investor_tries).find_map(|_| {
            let id = u64::from(ids[rng.below(ids.len() as u64) as usize]);
            let f = self.model.firm_dates(id);
            (id != except && f.founded < day && f.closed.is_none_or(|c| c > day)).then_some(id)
        })
    }

    fn links(
        &self,
        id: u64,
        f: &Firm,
        s: &mut Sinks,
        counts: &mut Counts,
        truth: &mut [EffectTruth],
    ) -> Result<(), RegistryError> {
        let p = &self.model.params;
        let mut rng = Rng::derive(self.model.seed(), STREAM_LINK, id);
        if !rng.chance(p.corporate_shareholder) {
            return Ok(());
        }
        let n = 1 + rng.poisson(p.extra_shareholders_mean);
        let total = 0.2 + 0.8 * rng.uniform();
        let parts: Vec<f64> = (0..n).map(|_| 0.1 + rng.uniform()).collect();
        let sum: f64 = parts.iter().sum();
        for part in parts {
            let day = if rng.chance(p.later_investment) {
                day_between(&mut rng, f.founded, f.end())
            } else {
                f.founded
            };
            let origin = if rng.chance(p.investor_same_city) {
                f.city
            } else {
                rng.pick(&self.model.origin_cum[f.city])
            };
            let Some(investor) = self.investor(&mut rng, origin, day, id) else {
                counts.links_dropped += 1;
                continue;
            };
            Self::link(s, counts, (investor, id), f, (total * part / sum, day))?;
            self.count_pair(truth, origin, f.city, day);
        }
        Ok(())
    }

    /// Counts a helper -> helped link dated from an effect's year into that effect's truth.
    fn count_pair(&self, truth: &mut [EffectTruth], origin: usize, dest: usize, day: i32) {
        for (t, p) in truth.iter_mut().zip(&self.model.planted) {
            if p.helper == origin && p.helped == dest && year_of(day) >= p.effect.from_year {
                t.helper_to_helped_links_from_year += 1;
            }
        }
    }

    /// Writes a shareholding of `share` in firm `f` (id `investee`) on `day`; the amount is
    /// that share of its registered capital.
    fn link(
        s: &mut Sinks,
        counts: &mut Counts,
        (investor, investee): (u64, u64),
        f: &Firm,
        (share, day): (f64, i32),
    ) -> Result<(), RegistryError> {
        s.links.push(&[
            Value::Int(investor as i64),
            Value::Int(investee as i64),
            Value::Float(share),
            Value::Int((share * f.capital as f64).round() as i64),
            date(day),
        ])?;
        counts.links += 1;
        Ok(())
    }

    /// The effect's extra shareholder links: each helped-city firm founded from the effect
    /// year gets Poisson((M - 1) x baseline) helper-city shareholders at its founding, so the
    /// expected helper -> helped links among those firms are M times the baseline.
    fn planted_links(
        &self,
        id: u64,
        f: &Firm,
        s: &mut Sinks,
        counts: &mut Counts,
        truth: &mut [EffectTruth],
    ) -> Result<(), RegistryError> {
        for (k, p) in self.model.planted.iter().enumerate() {
            if f.city != p.helped || year_of(f.founded) < p.effect.from_year {
                continue;
            }
            let mut rng = Rng::derive(self.model.seed(), STREAM_EFFECT + k as u64, id);
            for _ in 0..rng.poisson(p.base_links * (p.effect.multiplier - 1.0)) {
                let share = 0.2 + 0.8 * rng.uniform();
                match self.investor(&mut rng, p.helper, f.founded, id) {
                    Some(investor) => {
                        Self::link(s, counts, (investor, id), f, (share, f.founded))?;
                        truth[k].planted_links += 1;
                        self.count_pair(truth, p.helper, p.helped, f.founded);
                    }
                    None => truth[k].planted_links_dropped += 1,
                }
            }
        }
        Ok(())
    }

    fn moves(
        &self,
        id: u64,
        f: &Firm,
        s: &mut Sinks,
        counts: &mut Counts,
        truth: &mut [EffectTruth],
    ) -> Result<(), RegistryError> {
        let p = &self.model.params;
        let mut rng = Rng::derive(self.model.seed(), STREAM_MOVE, id);
        if rng.chance(p.relocation) {
            // A firm that lived a day has no day to move on: its draw is spent, it stays.
            if f.end() <= f.founded + 1 {
                return Ok(());
            }
            let day = day_between(&mut rng, f.founded + 1, f.end());
            let to = rng.pick(&self.model.dest_cum[f.city]);
            return self.move_row(s, counts, id, f.city, to, day);
        }
        // Planted relocations, only for firms without a baseline move (one move a firm).
        for (k, pl) in self.model.planted.iter().enumerate() {
            let from = year_start(pl.effect.from_year).max(f.founded + 1);
            if f.city != pl.helper || from >= f.end() {
                continue;
            }
            let life = f64::from((f.end() - f.founded).max(1));
            let window = f64::from(f.end() - from);
            let chance =
                p.relocation * pl.base_move_share * (pl.effect.multiplier - 1.0) * window / life;
            let mut rng = Rng::derive(self.model.seed(), STREAM_EFFECT + k as u64, id);
            if rng.chance(chance.min(1.0)) {
                let day = day_between(&mut rng, from, f.end());
                truth[k].planted_relocations += 1;
                return self.move_row(s, counts, id, pl.helper, pl.helped, day);
            }
        }
        Ok(())
    }

    fn move_row(
        &self,
        s: &mut Sinks,
        counts: &mut Counts,
        id: u64,
        from: usize,
        to: usize,
        day: i32,
    ) -> Result<(), RegistryError> {
        s.moves.push(&[
            Value::Int(id as i64),
            date(day),
            self.city(from),
            self.city(to),
        ])?;
        counts.address_changes += 1;
        Ok(())
    }
}
