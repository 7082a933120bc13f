//! Times the advisor's opportunity scoring on the synthetic national panel: every ordered
//! pair of the 340 regions, every one of the 600 industries, with a synthetic 600 x 600
//! technical-coefficient matrix so that the IO-linkage component is exercised too.
//!
//! Usage: `opportunities [--runs N]`. Prints `key=value` lines: the set-up time (location
//! quotients, proximity, relatedness density, linkage to each region's specialised set), the
//! time to score all ordered pairs and keep each pair's top 10, and the rate.

use anyhow::{bail, Context, Result};
use std::time::Instant;
use tandem_benches::{generate, panel_from_records, PanelSpec, SplitMix64};
use tandem_core::advisor::opportunities::{distance_decay, CandidateScore, PanelScorer};
use tandem_core::advisor::Weights;
use tandem_core::metrics::spatial::haversine_km;
use tandem_core::Absent;

fn main() -> Result<()> {
    let mut runs = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => {
                runs = args
                    .next()
                    .context("--runs needs a value")?
                    .parse()
                    .context("--runs must be a whole number")?
            }
            other => bail!("unknown argument {other:?} (expected --runs N)"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    let spec = PanelSpec::national();
    let records = generate(&spec);
    let panel = panel_from_records("employment", &records)?;
    let year = *panel.years().last().context("empty panel")?;
    let matrix = panel.year_matrix(year, Absent::AsZero)?;
    let (nr, ni) = (panel.regions().len(), panel.industries().len());

    // Synthetic technical coefficients: sparse-ish, column sums below 0.6 (productive).
    let mut rng = SplitMix64::new(spec.seed ^ 0xA5A5);
    let mut a = vec![0.0; ni * ni];
    for j in 0..ni {
        let mut col = 0.0;
        for i in 0..ni {
            if rng.uniform() < 0.05 {
                let v = rng.uniform() * 0.04;
                a[i * ni + j] = v;
                col += v;
            }
        }
        if col > 0.6 {
            for i in 0..ni {
                a[i * ni + j] *= 0.6 / col;
            }
        }
    }
    // Synthetic coordinates inside China's bounding box.
    let coords: Vec<(f64, f64)> = (0..nr)
        .map(|_| (20.0 + rng.uniform() * 25.0, 100.0 + rng.uniform() * 22.0))
        .collect();

    let weights = Weights::default();
    let top = weights.opportunities.top;
    let mut best_setup = f64::INFINITY;
    let mut best_score = f64::INFINITY;
    let mut checksum = 0.0;
    for _ in 0..runs {
        let t0 = Instant::now();
        let scorer = PanelScorer::new(&matrix, nr, ni, Some(&a), weights.io.strong_coefficient)?;
        let setup = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let mut buf: Vec<CandidateScore> = Vec::with_capacity(ni);
        checksum = 0.0;
        for h in 0..nr {
            for d in 0..nr {
                if h == d {
                    continue;
                }
                let (la, lo) = coords[h];
                let (lb, lob) = coords[d];
                let decay = haversine_km(la, lo, lb, lob)
                    .ok()
                    .map(|km| distance_decay(km, weights.distance.half_distance_km));
                scorer.score_pair(h, d, decay, &weights.score, &mut buf);
                // Keep the pair's top N, as the advisor reports them.
                buf.select_nth_unstable_by(top - 1, |x, y| y.score.total_cmp(&x.score));
                checksum += buf[..top].iter().map(|c| c.score).sum::<f64>();
            }
        }
        let score = t1.elapsed().as_secs_f64();
        best_setup = best_setup.min(setup);
        best_score = best_score.min(score);
    }
    let pairs = nr * (nr - 1);
    println!("panel={nr}x{ni} year={year}");
    println!("ordered_pairs={pairs}");
    println!("candidates={}", pairs * ni);
    println!("setup_seconds={best_setup:.3}");
    println!("score_all_pairs_seconds={best_score:.3}");
    println!(
        "candidates_per_second={:.0}",
        (pairs * ni) as f64 / best_score
    );
    println!("checksum={checksum:.6}");
    Ok(())
}
