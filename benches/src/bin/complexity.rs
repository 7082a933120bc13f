//! Times tandem's complexity family on the synthetic national panel and writes its results
//! for comparison with py-ecomplexity (`benches/complexity.sh` runs both).
//!
//! Usage: `complexity [--out-dir DIR] [--runs N]`. Writes `DIR/panel_340x600x10.csv` (the
//! shared input; regenerated only when missing) and `DIR/tandem_complexity.csv`, and prints
//! `key=value` lines that the shell script reads.

// The same global allocator as the `tandem` binary (see crates/tandem-cli/src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use anyhow::{bail, Context, Result};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Instant;
use tandem_benches::{generate, panel_from_records, read_csv, write_csv, PanelSpec};
use tandem_core::metrics::complexity::{
    complexity_panel, complexity_year, fitness_complexity, ComplexityOptions, FitnessOptions,
};
use tandem_core::Absent;

fn main() -> Result<()> {
    let mut out_dir = PathBuf::from("benches/out");
    let mut runs = 3usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out-dir" => out_dir = PathBuf::from(args.next().context("--out-dir needs a value")?),
            "--runs" => {
                runs = args
                    .next()
                    .context("--runs needs a value")?
                    .parse()
                    .context("--runs must be a whole number")?
            }
            other => bail!("unknown argument {other:?} (expected --out-dir DIR, --runs N)"),
        }
    }
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    std::fs::create_dir_all(&out_dir).with_context(|| format!("creating {}", out_dir.display()))?;
    let spec = PanelSpec::national();
    let data = out_dir.join(format!(
        "panel_{}x{}x{}.csv",
        spec.regions, spec.industries, spec.years
    ));
    if !data.exists() {
        let t = Instant::now();
        write_csv(&data, &generate(&spec))
            .with_context(|| format!("writing {}", data.display()))?;
        eprintln!(
            "generated {} in {:.2} s",
            data.display(),
            t.elapsed().as_secs_f64()
        );
    }
    println!("data={}", data.display());

    let t = Instant::now();
    let records = read_csv(&data).map_err(anyhow::Error::msg)?;
    let parse_s = t.elapsed().as_secs_f64();
    println!("tandem_parse_seconds={parse_s:.4}");
    let zeros = records.iter().filter(|r| r.3 == 0.0).count();
    println!(
        "cells={} zero_cells={} ({:.1}%)",
        records.len(),
        zeros,
        100.0 * zeros as f64 / records.len() as f64
    );

    // The timed part matches the peer's: from long records in memory to all indicators
    // (rectangularising, RCA, Mcp, diversity, ubiquity, ECI, PCI, proximity, density, COI,
    // COG) for every year.
    let opts = ComplexityOptions::default();
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let panel = panel_from_records("value", &records)?;
        let build_s = t.elapsed().as_secs_f64();
        let rows = complexity_panel(&panel, &opts)?;
        let total = t.elapsed().as_secs_f64();
        // Free the results outside the timed region.
        drop(rows);
        eprintln!(
            "run: panel {build_s:.3} s + indicators {:.3} s",
            total - build_s
        );
        times.push(total);
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    println!(
        "tandem_runs={runs} tandem_seconds_min={:.4} tandem_seconds_max={:.4}",
        times[0],
        times[times.len() - 1]
    );
    println!("tandem_seconds={median:.4}");

    // Conditioning of each year's eigenproblem, and fitness-complexity (not in the peer).
    let panel = panel_from_records("value", &records)?;
    let rows = complexity_panel(&panel, &opts)?;
    let (nr, np) = (panel.regions().len(), panel.industries().len());
    let mut min_gap = f64::INFINITY;
    let mut fit_s = 0.0;
    let mut year_s = 0.0;
    let mut fit_iters = Vec::new();
    for &year in panel.years() {
        let values = panel.year_matrix(year, Absent::AsZero)?;
        let t = Instant::now();
        let yc = complexity_year(&values, nr, np, &opts)?;
        year_s += t.elapsed().as_secs_f64();
        let ev = yc.eigenvalues;
        min_gap = min_gap.min(ev.second - ev.third.unwrap_or(0.0));
        let (kr, kp) = (&yc.kept_regions, &yc.kept_industries);
        let mcp: Vec<f64> = kr
            .iter()
            .flat_map(|c| kp.iter().map(move |p| c * np + p))
            .map(|k| yc.mcp[k].unwrap_or(0.0))
            .collect();
        let t = Instant::now();
        let fc = fitness_complexity(&mcp, kr.len(), kp.len(), &FitnessOptions::default())?;
        fit_s += t.elapsed().as_secs_f64();
        fit_iters.push(fc.iterations);
    }
    println!("tandem_year_level_seconds={year_s:.4} (complexity_year only, all years)");
    println!("min_eigen_gap_lambda2_minus_lambda3={min_gap:.4}");
    println!(
        "fitness_complexity_seconds={fit_s:.4} (iterations per year: {:?})",
        fit_iters
    );

    let out = out_dir.join("tandem_complexity.csv");
    let mut text = String::with_capacity(rows.len() * 120);
    text.push_str("year,region,industry,eci,pci,density,coi,cog\n");
    let f = |v: Option<f64>| v.map_or(String::new(), |x| format!("{x:e}"));
    for r in rows.iter() {
        let _ = writeln!(
            text,
            "{},{},{},{},{},{},{},{}",
            r.year,
            r.region,
            r.industry,
            f(r.eci),
            f(r.pci),
            f(r.density),
            f(r.coi),
            f(r.cog)
        );
    }
    std::fs::write(&out, text).with_context(|| format!("writing {}", out.display()))?;
    println!("tandem_results={}", out.display());
    Ok(())
}
