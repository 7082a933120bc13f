//! Shared pieces of tandem's benchmark programs: a deterministic synthetic national panel.
//!
//! The panel imitates a national city x industry employment table (340 prefecture-level
//! regions x 600 industries x 10 years by default) so that tandem and its peers can be timed
//! on the same realistic-size input. Everything is derived from a fixed seed with an own
//! splitmix64 generator, so every run and every machine produces byte-identical CSV.

use std::fmt::Write as _;
use std::io::Write;

/// Size and seed of a synthetic panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PanelSpec {
    /// Number of regions (`R001`, `R002`, …).
    pub regions: usize,
    /// Number of industries (`I001`, `I002`, …).
    pub industries: usize,
    /// Number of consecutive years, starting at `first_year`.
    pub years: usize,
    /// The first year.
    pub first_year: i32,
    /// Seed of the generator.
    pub seed: u64,
}

impl PanelSpec {
    /// The national-scale benchmark panel: 340 regions x 600 industries x 10 years
    /// (2013–2022), seed 20240607.
    pub fn national() -> PanelSpec {
        PanelSpec {
            regions: 340,
            industries: 600,
            years: 10,
            first_year: 2013,
            seed: 20_240_607,
        }
    }
}

/// splitmix64 (Steele, Lea & Flood 2014): a tiny, fast generator that is good enough for
/// synthetic data and needs no dependency.
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in the open interval (0, 1).
    pub fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// Standard normal (Box–Muller; one of the pair is discarded for simplicity).
    pub fn normal(&mut self) -> f64 {
        let (u1, u2) = (self.uniform(), self.uniform());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// One long-format record: year, region, industry, value (persons employed).
pub type Record = (i32, String, String, f64);

/// Generates the synthetic panel as long records ordered by year, region, industry.
///
/// Structure (so that ECI is well conditioned and the data look like employment):
/// * region size: log-normal (σ = 1.1); region capability `a_c` ∈ (0, 1) rises with size;
/// * industry size: log-normal (σ = 1.0); industry sophistication `b_p` uniform in (0, 1);
/// * the expected value is `size_c · size_p · g(a_c − b_p)` with a logistic `g`, so capable
///   regions hold the sophisticated industries and everyone holds the simple ones (a nested
///   structure, as in real city x industry data);
/// * a persistent cell effect (log-normal, σ = 0.8) and a yearly one (σ = 0.25); capabilities
///   drift slowly from year to year;
/// * values are rounded down to whole persons; about 6% of the cells are exact zeros.
pub fn generate(spec: &PanelSpec) -> Vec<Record> {
    let mut rng = SplitMix64::new(spec.seed);
    let (nr, np) = (spec.regions, spec.industries);
    let region_log_size: Vec<f64> = (0..nr).map(|_| 1.1 * rng.normal()).collect();
    let mut capability: Vec<f64> = region_log_size
        .iter()
        .map(|s| 1.0 / (1.0 + (-(0.9 * s + 0.6 * rng.normal())).exp()))
        .collect();
    let industry_log_size: Vec<f64> = (0..np).map(|_| rng.normal()).collect();
    let sophistication: Vec<f64> = (0..np).map(|_| rng.uniform()).collect();
    let cell_effect: Vec<f64> = (0..nr * np).map(|_| 0.8 * rng.normal()).collect();
    let region_names: Vec<String> = (1..=nr).map(|c| format!("R{c:03}")).collect();
    let industry_names: Vec<String> = (1..=np).map(|p| format!("I{p:03}")).collect();
    let mut out = Vec::with_capacity(nr * np * spec.years);
    for y in 0..spec.years {
        let year = spec.first_year + y as i32;
        for a in capability.iter_mut() {
            *a = (*a + 0.01 * rng.normal()).clamp(0.01, 0.99);
        }
        for c in 0..nr {
            for p in 0..np {
                let fit = 1.0 / (1.0 + (-8.0 * (capability[c] - sophistication[p])).exp());
                let log_mean = 5.0
                    + region_log_size[c]
                    + industry_log_size[p]
                    + (fit + 0.02).ln()
                    + cell_effect[c * np + p]
                    + 0.25 * rng.normal();
                let value = log_mean.exp().floor();
                out.push((
                    year,
                    region_names[c].clone(),
                    industry_names[p].clone(),
                    value,
                ));
            }
        }
    }
    out
}

/// Writes records as the long CSV `year,region,industry,value` read by both tandem and
/// the peers. Values are whole numbers and written without a fraction.
pub fn write_csv(path: &std::path::Path, records: &[Record]) -> std::io::Result<()> {
    let mut text = String::with_capacity(records.len() * 24);
    text.push_str("year,region,industry,value\n");
    for (year, region, industry, value) in records {
        let _ = writeln!(text, "{year},{region},{industry},{value}");
    }
    let mut f = std::fs::File::create(path)?;
    f.write_all(text.as_bytes())
}

/// Reads the long CSV written by [`write_csv`] (std only; no quoting). Errors name the line.
pub fn read_csv(path: &std::path::Path) -> Result<Vec<Record>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default();
    if header.trim() != "year,region,industry,value" {
        return Err(format!(
            "{}: line 1: expected header year,region,industry,value, got {header:?}",
            path.display()
        ));
    }
    let mut out = Vec::new();
    for (k, line) in lines.enumerate() {
        if line.is_empty() {
            continue;
        }
        let bad = |what: &str| format!("{}: line {}: {what}: {line:?}", path.display(), k + 2);
        let mut f = line.split(',');
        let (Some(y), Some(r), Some(i), Some(v), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            return Err(bad("expected 4 fields"));
        };
        let year = y
            .parse::<i32>()
            .map_err(|_| bad("year is not an integer"))?;
        let value = v.parse::<f64>().map_err(|_| bad("value is not a number"))?;
        out.push((year, r.to_string(), i.to_string(), value));
    }
    Ok(out)
}

/// Builds a [`tandem_core::Panel`] from long records through [`tandem_core::Panel::from_dense`]:
/// names are indexed with a hash map and only the distinct names are sorted, so a 2-million
/// row table takes a fraction of a second. Same result and the same refusal of duplicate
/// cells as `Panel::from_records`.
pub fn panel_from_records(
    measure: &str,
    records: &[Record],
) -> Result<tandem_core::Panel, tandem_core::PanelError> {
    use std::collections::HashMap;
    // Millions of lookups of a few hundred short names: FNV-1a instead of SipHash (no
    // untrusted input here, so hash flooding is not a concern).
    #[derive(Default)]
    struct Fnv(u64);
    impl std::hash::Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            let mut h = if self.0 == 0 {
                0xcbf2_9ce4_8422_2325
            } else {
                self.0
            };
            for b in bytes {
                h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
            }
            self.0 = h;
        }
    }
    type Index<'a> = HashMap<&'a str, usize, std::hash::BuildHasherDefault<Fnv>>;
    /// Names in first-seen order -> their sorted order: (sorted names, remap[first-seen id]).
    fn sorted(seen: &Index<'_>) -> (Vec<String>, Vec<usize>) {
        let mut by_name: Vec<(&str, usize)> = seen.iter().map(|(n, id)| (*n, *id)).collect();
        by_name.sort_unstable();
        let mut remap = vec![0; by_name.len()];
        for (pos, (_, id)) in by_name.iter().enumerate() {
            remap[*id] = pos;
        }
        (
            by_name.into_iter().map(|(n, _)| n.to_string()).collect(),
            remap,
        )
    }
    // One pass: number names in first-seen order (a record usually repeats the previous
    // record's region, so that lookup is skipped), then sort the few hundred names.
    let mut region_seen = Index::default();
    let mut industry_seen = Index::default();
    let mut year_seen: Vec<i32> = Vec::new();
    let mut codes: Vec<(u32, u32, u32)> = Vec::with_capacity(records.len());
    let mut last_region: Option<(&str, usize)> = None;
    for (year, region, industry, _) in records {
        let y = match year_seen.iter().position(|v| v == year) {
            Some(y) => y,
            None => {
                year_seen.push(*year);
                year_seen.len() - 1
            }
        };
        let r = match last_region {
            Some((name, id)) if name == region.as_str() => id,
            _ => {
                let next = region_seen.len();
                let id = *region_seen.entry(region.as_str()).or_insert(next);
                last_region = Some((region.as_str(), id));
                id
            }
        };
        let next = industry_seen.len();
        let i = *industry_seen.entry(industry.as_str()).or_insert(next);
        codes.push((y as u32, r as u32, i as u32));
    }
    let (regions, region_remap) = sorted(&region_seen);
    let (industries, industry_remap) = sorted(&industry_seen);
    let mut years = year_seen.clone();
    years.sort_unstable();
    let year_remap: Vec<usize> = year_seen
        .iter()
        .map(|y| years.binary_search(y).unwrap_or_default())
        .collect();
    let (nr, ni) = (regions.len(), industries.len());
    let mut cells: Vec<Option<f64>> = vec![None; nr * ni * years.len()];
    for ((y, r, i), (year, region, industry, value)) in codes.into_iter().zip(records) {
        let k = (year_remap[y as usize] * nr + region_remap[r as usize]) * ni
            + industry_remap[i as usize];
        if let Some(first) = cells[k] {
            return Err(tandem_core::PanelError::Duplicate {
                region: region.clone(),
                industry: industry.clone(),
                year: *year,
                first,
                second: *value,
            });
        }
        cells[k] = Some(*value);
    }
    tandem_core::Panel::from_dense(measure, regions, industries, years, cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_rectangular() {
        let spec = PanelSpec {
            regions: 7,
            industries: 9,
            years: 2,
            first_year: 2020,
            seed: 1,
        };
        let a = generate(&spec);
        assert_eq!(a, generate(&spec));
        assert_eq!(a.len(), 7 * 9 * 2);
        assert_ne!(a, generate(&PanelSpec { seed: 2, ..spec }));
        assert!(a.iter().all(|r| r.3 >= 0.0 && r.3.fract() == 0.0));
        let dir = std::env::temp_dir().join(format!("tandem-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("p.csv");
        write_csv(&path, &a).unwrap();
        assert_eq!(read_csv(&path).unwrap(), a);
        let fast = panel_from_records("value", &a).unwrap();
        let reference = tandem_core::Panel::from_records(
            "value",
            a.iter()
                .map(|(y, r, i, v)| (r.as_str(), i.as_str(), *y, *v)),
        )
        .unwrap();
        assert_eq!(fast, reference);
        let mut dup = a.clone();
        dup.push(a[3].clone());
        assert!(matches!(
            panel_from_records("value", &dup),
            Err(tandem_core::PanelError::Duplicate { .. })
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
