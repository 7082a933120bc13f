//! Benchmark: the whole programme's report from the bundled data — the advisor's diagnosis of
//! the eight pairs, then `tandem_report::build_report` (index, eight pair pages with their SVG
//! charts and map, the XLSX workbook and the JSON file) — timed end to end.
//!
//! Usage: `report [--out DIR] [--lang zh|en] [--reps K]` (defaults: a fresh temporary folder
//! under the system temp dir, zh, 5 repetitions). The target is under one second per build.
//! Prints one line per repetition and a summary:
//! `tandem report best_s=<seconds> median_s=<seconds> reps=<k> pages=<n> bytes=<total>`.

use anyhow::{bail, Context as _, Result};
use std::path::PathBuf;
use std::time::Instant;
use tandem_core::advisor::{diagnose_all, AdvisorInput, Weights};
use tandem_core::Classification;
use tandem_data::bundled::{bundle, BOUNDARIES_SIMPLIFIED_GEOJSON, SOURCES_MD};
use tandem_report::{build_report, Lang, ReportInput, ReportOptions};

fn main() -> Result<()> {
    let mut out: Option<PathBuf> = None;
    let mut lang = Lang::Zh;
    let mut reps = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => out = Some(args.next().context("--out needs a directory")?.into()),
            "--lang" => {
                let v = args.next().context("--lang needs zh or en")?;
                lang = Lang::parse(&v).with_context(|| format!("--lang {v}: expected zh or en"))?;
            }
            "--reps" => {
                reps = args
                    .next()
                    .context("--reps needs a number")?
                    .parse()
                    .context("--reps")?
            }
            other => bail!(
                "unknown argument {other}; usage: report [--out DIR] [--lang zh|en] [--reps K]"
            ),
        }
    }
    let dir = out.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("tandem-report-bench-{}", std::process::id()))
    });
    // Parsing the compiled-in data happens once per process in the product too; it is timed
    // separately so the build time is not flattered or inflated by it.
    let t = Instant::now();
    let b = bundle();
    println!("bundle parse_s={:.4}", t.elapsed().as_secs_f64());
    let weights = Weights::default();
    let table = b
        .io_table(2020, &Classification::Io42)
        .context("the 2020 IO-42 table is bundled")?;
    let mut times = Vec::with_capacity(reps);
    let mut pages = 0;
    for rep in 0..reps.max(1) {
        let t = Instant::now();
        let advisor = AdvisorInput {
            localities: &b.localities,
            programme: &b.programme,
            observations: &b.observations,
            events: &b.events,
            leading_industries: &b.leading_industries,
            io_table: table,
            panel: None,
            weights: &weights,
            park_assessments: &[],
            chains: &[],
            records: &tandem_core::advisor::NO_RECORDS,
        };
        let diagnoses = diagnose_all(&advisor)?;
        let t_advise = t.elapsed().as_secs_f64();
        let input = ReportInput {
            programme: &b.programme,
            localities: &b.localities,
            observations: &b.observations,
            events: &b.events,
            diagnoses: &diagnoses,
            boundaries_geojson: BOUNDARIES_SIMPLIFIED_GEOJSON,
            sources_md: SOURCES_MD,
            dataset: None,
            trends: None,
            impact: None,
        };
        let summary = build_report(&input, &ReportOptions { lang, pair: None }, &dir)?;
        let total = t.elapsed().as_secs_f64();
        pages = summary.pair_pages.len() + 1;
        println!("rep={rep} advise_s={t_advise:.4} total_s={total:.4}");
        times.push(total);
    }
    times.sort_by(f64::total_cmp);
    let bytes: u64 = std::fs::read_dir(&dir)?
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "tandem report best_s={:.4} median_s={:.4} reps={} pages={pages} bytes={bytes} dir={}",
        times[0],
        times[times.len() / 2],
        times.len(),
        dir.display()
    );
    if times[0] >= 1.0 {
        eprintln!(
            "warning: the best build took {:.3} s, above the one-second target",
            times[0]
        );
    }
    Ok(())
}
