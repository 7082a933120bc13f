//! Benchmark (issue #14, item 5): Callaway-Sant'Anna on the golden synthetic panel of 3,000
//! units x 20 periods (staggered, covariate x), the doubly robust estimator with `~x`, the four
//! aggregations and a multiplier bootstrap of 999 draws — the same work the peer
//! (moderndid 0.2.0, `benches/peers/moderndid_peer.py`, run by `benches/evaluate.sh`) does.
//!
//! Prints `tandem_seconds=...` (median of `--runs`, default 3) and the simple ATT and its
//! analytic SE, which the script compares with the peer's (equal results are part of the
//! target: at least 20x faster with equal results).

use anyhow::{Context as _, Result};
use std::io::Read;
use std::time::Instant;
use tandem_evaluate::did::{
    aggregate, att_gt, Aggregation, AttGtOptions, BootstrapOptions, EstMethod, PanelData,
};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INPUT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/tandem-evaluate/tests/golden/inputs/bench_staggered_3000x20.csv.gz"
);

struct Long {
    id: Vec<i64>,
    period: Vec<i64>,
    y: Vec<f64>,
    g: Vec<i64>,
    x: Vec<f64>,
}

fn load() -> Result<Long> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(std::fs::File::open(INPUT).context(INPUT)?)
        .read_to_string(&mut text)?;
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h = r.headers()?.clone();
    let col = |k: &str| {
        h.iter()
            .position(|c| c == k)
            .with_context(|| format!("column {k}"))
    };
    let (ci, cp, cy, cg, cx) = (col("id")?, col("period")?, col("y")?, col("g")?, col("x")?);
    let mut l = Long {
        id: vec![],
        period: vec![],
        y: vec![],
        g: vec![],
        x: vec![],
    };
    for rec in r.records() {
        let rec = rec?;
        l.id.push(rec[ci].parse()?);
        l.period.push(rec[cp].parse()?);
        l.y.push(rec[cy].parse()?);
        l.g.push(rec[cg].parse::<f64>()? as i64);
        l.x.push(rec[cx].parse()?);
    }
    Ok(l)
}

fn run(l: &Long) -> Result<(f64, f64, Option<f64>)> {
    let t = Instant::now();
    let covariates: [&[f64]; 1] = [&l.x];
    let data = PanelData {
        unit: &l.id,
        time: &l.period,
        outcome: &l.y,
        cohort: &l.g,
        covariates: &covariates,
        weights: None,
    };
    let opts = AttGtOptions {
        est_method: EstMethod::DoublyRobust,
        ..AttGtOptions::default()
    };
    let res = att_gt(&data, &opts)?;
    let boot = BootstrapOptions {
        iterations: 999,
        seed: 1,
        alpha: 0.05,
        cluster: None,
    };
    let _bands = res.bootstrap(&boot)?;
    let simple = aggregate(&res, Aggregation::Simple)?;
    for a in [
        Aggregation::dynamic(),
        Aggregation::Group,
        Aggregation::Calendar,
    ] {
        aggregate(&res, a)?;
    }
    Ok((
        t.elapsed().as_secs_f64(),
        simple.overall_att.unwrap_or(f64::NAN),
        simple.overall_se,
    ))
}

fn main() -> Result<()> {
    let runs: usize = std::env::args()
        .skip_while(|a| a != "--runs")
        .nth(1)
        .map_or(Ok(3), |s| s.parse())?;
    let l = load()?;
    let mut times = Vec::new();
    let mut last = (0.0, f64::NAN, None);
    for _ in 0..runs.max(1) {
        last = run(&l)?;
        times.push(last.0);
    }
    times.sort_by(f64::total_cmp);
    println!("tandem_seconds={:.4}", times[times.len() / 2]);
    println!("tandem_simple_att={:.12}", last.1);
    println!("tandem_simple_se={:.12}", last.2.unwrap_or(f64::NAN));
    Ok(())
}
