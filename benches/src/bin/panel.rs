//! Benchmark: decoding the compiled-in city panel (issue #13: "print the decode time, target
//! well under 100 ms").
//!
//! `tandem_panel::CityPanel::decode` inflates the deflated values.csv (103,403 rows) and parses
//! and checks every row into sorted values. The peer, measured in the same run, is Python's
//! standard `csv` module merely reading the same rows from the uncompressed file into lists
//! (no checks, no sorting): what any script reading the panel pays. Prints the median of
//! several runs of each, the ratio, and `decode < 100 ms: PASS|FAIL`. The first decode
//! (cold caches) is printed apart.
//!
//! Usage: `panel [--runs N]` (default 7). Needs `python3` on the PATH for the peer.

use anyhow::{Context as _, Result};
use std::process::Command;
use std::time::Instant;
use tandem_panel::CityPanel;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn decode_ms() -> Result<f64> {
    let t = Instant::now();
    let p = CityPanel::decode()?;
    let ms = t.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(
        p.values().len() == 103_403,
        "decoded {} values",
        p.values().len()
    );
    Ok(ms)
}

fn python_ms(runs: usize) -> Result<f64> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/city_panel/values.csv");
    let script = format!(
        "import csv,time\nts=[]\nfor _ in range({runs}):\n t=time.perf_counter()\n with open({path:?}, newline='', encoding='utf-8') as f: rows=list(csv.reader(f))\n ts.append((time.perf_counter()-t)*1e3)\nts.sort(); print(ts[len(ts)//2])"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .output()
        .context("python3 runs the peer")?;
    anyhow::ensure!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8(out.stdout)?.trim().parse()?)
}

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let mut runs = 7;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().context("--runs N")?.parse()?,
            other => anyhow::bail!("unknown argument {other}; usage: panel [--runs N]"),
        }
    }
    let first = decode_ms()?;
    let ours = median((0..runs).map(|_| decode_ms()).collect::<Result<_>>()?);
    let peer = python_ms(runs)?;
    println!("city panel decode (inflate + parse + check + sort, 103,403 values)");
    println!("  first decode:            {first:8.1} ms");
    println!("  tandem decode (median):  {ours:8.1} ms");
    println!("  python csv.reader only:  {peer:8.1} ms  (peer: reading the uncompressed file, no checks)");
    println!("  ratio peer / tandem:     {:8.2}x", peer / ours);
    println!(
        "  decode < 100 ms: {}",
        if ours < 100.0 { "PASS" } else { "FAIL" }
    );
    Ok(())
}
