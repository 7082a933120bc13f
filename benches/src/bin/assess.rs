//! Benchmark: an assessment run of 50,000 enterprises x 10 indicators (issue #16: "assessed in
//! under a second, printed").
//!
//! A seeded synthetic year (land, then a numerator and a denominator per indicator; a few
//! units below the land rule) is scored with a 10-indicator scheme by `tandem_assess::assess`
//! (eligibility, derived values, benchmark ratios with caps, totals, tiers, ranks, every value
//! kept). The peer, measured in the same run on the same figures, is the same scoring with
//! numpy, vectorised (`peers/assess_numpy.py`; its file reading is not timed; it keeps no
//! per-unit record and ranks nothing). Prints the median of several runs of each, the ratio,
//! that both totals agree, and `50,000 x 10 < 1 s: PASS|FAIL`.
//!
//! Usage: `assess [--units N] [--runs N] [--python PATH]` (defaults 50,000, 5 and `python3`);
//! the Python needs numpy.

use anyhow::{Context as _, Result};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::process::Command;
use std::time::Instant;
use tandem_assess::{assess, Scheme, Unit};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const INDICATORS: usize = 10;
const CAP: f64 = 1.5;
const MIN_LAND: f64 = 3.0;
const MINIMUMS: [f64; 3] = [110.0, 90.0, 60.0];

/// xorshift64*: a seeded stream of uniforms in [0, 1).
struct Stream(u64);

impl Stream {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// (weight, benchmark, cost) of indicator `j`: alternating benefit and cost indicators.
fn indicator(j: usize) -> (f64, f64, bool) {
    (10.0, 1.0 + j as f64 * 0.25, j % 3 == 2)
}

fn scheme_toml() -> String {
    let mut s = format!(
        "id = \"bench\"\nname_zh = \"基准\"\nname_en = \"bench\"\nsource = \"synthetic\"\nsubject = \"enterprises\"\ncap = {CAP}\n\n[[eligibility]]\ncolumn = \"land_mu\"\nmin = {MIN_LAND}\notherwise = \"exclude\"\nreason_zh = \"地\"\nreason_en = \"land\"\n"
    );
    for j in 0..INDICATORS {
        let (w, b, cost) = indicator(j);
        let dir = if cost { "cost" } else { "benefit" };
        let _ = write!(
            s,
            "\n[[indicators]]\nid = \"i{j}\"\nlabel_zh = \"i{j}\"\nlabel_en = \"i{j}\"\nnumerator = \"n{j}\"\ndenominator = \"d{j}\"\ndirection = \"{dir}\"\nweight = {w}\nbenchmark = {b}\n"
        );
    }
    s + "\n[tiers]\nlabels = [\"A\", \"B\", \"C\", \"D\"]\nmethod = \"thresholds\"\nminimums = [110.0, 90.0, 60.0]\n"
}

/// Rows of land then (numerator, denominator) per indicator.
fn figures(n: usize) -> Vec<Vec<f64>> {
    let mut r = Stream(0x7a6e_6465_6d21);
    (0..n)
        .map(|_| {
            let land = 1.0 + r.next() * 99.0;
            let mut row = vec![land];
            for j in 0..INDICATORS {
                let b = indicator(j).1;
                row.push((0.2 + r.next() * 2.0) * b * land);
                row.push(land);
            }
            row
        })
        .collect()
}

fn units(rows: &[Vec<f64>]) -> Vec<Unit> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let mut figures = BTreeMap::from([("land_mu".to_string(), Some(row[0]))]);
            for j in 0..INDICATORS {
                figures.insert(format!("n{j}"), Some(row[1 + 2 * j]));
                figures.insert(format!("d{j}"), Some(row[2 + 2 * j]));
            }
            Unit {
                id: format!("e{i}"),
                industry: None,
                group: None,
                figures,
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn numpy_peer(python: &str, rows: &[Vec<f64>], runs: usize) -> Result<(f64, f64)> {
    let dir = std::env::temp_dir().join(format!("tandem-assess-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut csv = String::from("land");
    for j in 0..INDICATORS {
        let _ = write!(csv, ",n{j},d{j}");
    }
    csv.push('\n');
    for row in rows {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    std::fs::write(dir.join("units.csv"), csv)?;
    let spec = serde_json::json!({
        "weight": (0..INDICATORS).map(|j| indicator(j).0).collect::<Vec<_>>(),
        "benchmark": (0..INDICATORS).map(|j| indicator(j).1).collect::<Vec<_>>(),
        "cost": (0..INDICATORS).map(|j| indicator(j).2).collect::<Vec<_>>(),
        "cap": CAP, "min_land": MIN_LAND, "minimums": MINIMUMS,
    });
    std::fs::write(dir.join("scheme.json"), spec.to_string())?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/assess_numpy.py");
    let out = Command::new(python)
        .arg(script)
        .arg(dir.join("units.csv"))
        .arg(dir.join("scheme.json"))
        .arg(runs.to_string())
        .output()
        .with_context(|| format!("{python} runs the numpy peer (pass --python PATH)"))?;
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout)?;
    let mut lines = text.lines();
    let ms: f64 = lines.next().context("peer time")?.trim().parse()?;
    let sum: f64 = lines.next().context("peer checksum")?.trim().parse()?;
    Ok((ms, sum))
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut n, mut runs, mut python) = (50_000, 5, String::from("python3"));
    while let Some(a) = args.next() {
        match a.as_str() {
            "--units" => n = args.next().context("--units N")?.parse()?,
            "--runs" => runs = args.next().context("--runs N")?.parse()?,
            "--python" => python = args.next().context("--python PATH")?,
            other => {
                anyhow::bail!("unknown argument {other}; usage: assess [--units N] [--runs N] [--python PATH]")
            }
        }
    }
    let scheme = Scheme::parse(&scheme_toml())?;
    let rows = figures(n);
    let input = units(&rows);
    let mut times = Vec::new();
    let mut checksum = 0.0;
    for _ in 0..runs {
        let t = Instant::now();
        let run = assess(&scheme, 2025, &input)?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        checksum = run.units.iter().filter_map(|u| u.total).sum();
    }
    let ours = median(times);
    let (peer, peer_sum) = numpy_peer(&python, &rows, runs)?;
    println!("assessment of {n} enterprises x {INDICATORS} indicators, median of {runs} runs");
    println!("  tandem_assess::assess (every value, tier and rank kept): {ours:.1} ms");
    println!("  numpy, vectorised totals and tiers only (same run):       {peer:.1} ms");
    println!("  ratio tandem / numpy: {:.2}", ours / peer);
    let agree = (checksum - peer_sum).abs() <= 1e-9 * checksum.abs();
    println!("  totals agree: {agree} (sum {checksum:.6} vs {peer_sum:.6})");
    let pass = ours < 1000.0 && agree;
    println!(
        "{n} x {INDICATORS} < 1 s: {}",
        if pass { "PASS" } else { "FAIL" }
    );
    Ok(())
}
