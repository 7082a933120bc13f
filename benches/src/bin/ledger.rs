//! Benchmark: settling 100,000 enterprises x 12 months x 5 revenue types (6,000,000 revenue
//! records) under 20 agreements, from a seeded synthetic generator; then appending the
//! entries to a hash-chained ledger file (fsync per batch) and verifying it.
//!
//! Usage: `ledger [--enterprises N] [--batch N] [--out DIR]` (defaults 100,000 enterprises,
//! 500 entries per fsync, a fresh folder under the system temp dir). The records are
//! generated on the fly and streamed into `tandem_ledger::settle::Settler`, so memory stays
//! small; the time reported for settlement includes generating the records (timed apart as
//! `generate_s` on a dry pass). Prints `key=value` lines: times, throughput (records per
//! second) and the peak resident memory.

use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::time::Instant;
use tandem_benches::SplitMix64;
use tandem_ledger::chain::{verify, LedgerFile};
use tandem_ledger::settle::Settler;
use tandem_ledger::{entry_content, Agreement, Fen, Period, RevenueRecord, RevenueType};

const AGREEMENTS: usize = 20;
const SEED: u64 = 20_241_128;
const TYPES: [RevenueType; 5] = [
    RevenueType::VatLocalShare,
    RevenueType::CitLocalShare,
    RevenueType::OtherTaxes,
    RevenueType::LandSaleNet,
    RevenueType::GdpAttribution,
];

/// Agreement `i`: parks `park-i` (and `park-(i+20)` for even i), a helper, a helped side and
/// the park; 40:60 in years 1-5 then 0:100, other taxes returned half to the park, a floor
/// for the helped side and a cap for the helper on VAT; every third agreement only covers
/// firms the helper recommended, every fourth only manufacturing (sector codes `C`).
fn agreement(i: usize) -> Result<Agreement> {
    let qual = if i % 3 == 0 {
        format!("qualification = {{ recommended_by = \"h{i}\" }}")
    } else {
        String::new()
    };
    let ind = if i % 4 == 0 {
        "industries = [\"C\"]"
    } else {
        ""
    };
    let parks = if i % 2 == 0 {
        format!("[\"park-{i}\", \"park-{}\"]", i + AGREEMENTS)
    } else {
        format!("[\"park-{i}\"]")
    };
    let split = |extra: &str| {
        format!(
            "schedule = [{{ from_year = 1, to_year = 5, shares = {{ h{i} = 4000, d{i} = 6000 }} }}, \
             {{ from_year = 6, shares = {{ d{i} = 10000 }} }}]\n{extra}\n"
        )
    };
    let text = format!(
        "id = \"bench-{i}\"\nversion = 1\nvalid_from = \"2022-01\"\nhost = \"d{i}\"\n\
         parties = [{{ id = \"h{i}\", role = \"helper\" }}, {{ id = \"d{i}\", role = \"helped\" }}, {{ id = \"p{i}\", role = \"park\" }}]\n\
         [scope]\nparks = {parks}\n{ind}\n{qual}\n\
         [revenue.vat_local_share]\n{}\
         [revenue.cit_local_share]\n{}\
         [revenue.other_taxes]\n{}\
         [revenue.land_sale_net]\n{}\
         [revenue.gdp_attribution]\n{}",
        split(&format!(
            "floors = [{{ party = \"d{i}\", per_year = \"50000000\", from = \"h{i}\" }}]\n\
             caps = [{{ party = \"h{i}\", per_year = \"80000000\", to = \"p{i}\" }}]"
        )),
        split(""),
        split(&format!("park_return_bp = 5000\npark_return_to = \"p{i}\"")),
        split(""),
        split(""),
    );
    let a = Agreement::from_toml(&text, &format!("bench-{i}"))?;
    a.check()?;
    Ok(a)
}

/// Streams every synthetic record to `f`.
fn for_each_record(enterprises: usize, mut f: impl FnMut(&RevenueRecord)) {
    let mut rng = SplitMix64::new(SEED);
    let industries = [
        "C3612", "C2710", "C3914", "D4411", "I6510", "M7320", "C1713", "E4700",
    ];
    let mut rec = RevenueRecord {
        enterprise_id: String::new(),
        park_id: String::new(),
        industry: String::new(),
        recommended_by: None,
        period: Period::new(2024, 1).unwrap_or(Period {
            year: 2024,
            month: 1,
        }),
        revenue_type: RevenueType::VatLocalShare,
        amount: Fen::ZERO,
    };
    for e in 0..enterprises {
        // 50 parks: 30 of them covered by the 20 agreements, 20 not.
        let park = (rng.next_u64() % 50) as usize;
        rec.enterprise_id = format!("91340000{e:010}");
        rec.park_id = format!("park-{park}");
        rec.industry = industries[(rng.next_u64() % industries.len() as u64) as usize].to_string();
        let owner = park % AGREEMENTS;
        rec.recommended_by = (rng.next_u64() % 2 == 0).then(|| format!("h{owner}"));
        let scale = 1.0 + rng.uniform() * 200.0;
        for m in 1..=12u8 {
            rec.period = Period {
                year: 2024,
                month: m,
            };
            for ty in TYPES {
                // Log-normal-ish monthly amounts around `scale` thousand yuan, to the fen;
                // a few refunds (negative).
                let v = scale * 1000.0 * (0.5 + rng.uniform()) * (1.0 + 0.3 * rng.normal()).abs();
                let sign = if rng.next_u64() % 97 == 0 { -1 } else { 1 };
                rec.revenue_type = ty;
                rec.amount = Fen(sign * (v * 100.0) as i64);
                f(&rec);
            }
        }
    }
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if the system reports it.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<()> {
    let mut enterprises = 100_000usize;
    let mut batch = 500usize;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--enterprises" => {
                enterprises = args
                    .next()
                    .context("--enterprises needs a number")?
                    .parse()?
            }
            "--batch" => batch = args.next().context("--batch needs a number")?.parse()?,
            "--out" => out = Some(args.next().context("--out needs a directory")?.into()),
            other => bail!(
                "unknown argument {other}; usage: ledger [--enterprises N] [--batch N] [--out DIR]"
            ),
        }
    }
    let agreements: Vec<Agreement> = (0..AGREEMENTS).map(agreement).collect::<Result<_>>()?;

    let t = Instant::now();
    let mut n = 0u64;
    let mut checksum = 0i64;
    for_each_record(enterprises, |r| {
        n += 1;
        checksum = checksum.wrapping_add(r.amount.0);
    });
    let generate_s = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut settler = Settler::new(&agreements);
    for_each_record(enterprises, |r| settler.add(r));
    let from = Period {
        year: 2024,
        month: 1,
    };
    let to = Period {
        year: 2024,
        month: 12,
    };
    let entries = settler.finish(from, to)?;
    let settle_s = t.elapsed().as_secs_f64();

    let dir = match out {
        Some(d) => d,
        None => std::env::temp_dir().join(format!("tandem-ledger-bench-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.jsonl");
    let _ = std::fs::remove_file(&path);
    let t = Instant::now();
    let mut file = LedgerFile::open(&path)?;
    for chunk in entries.chunks(batch.max(1)) {
        let contents: Vec<_> = chunk.iter().map(entry_content).collect();
        file.append_batch(&contents)?;
    }
    let append_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let verified = verify(&path)?.len();
    let verify_s = t.elapsed().as_secs_f64();
    let bytes = std::fs::metadata(&path)?.len();

    println!("ledger enterprises={enterprises} months=12 revenue_types=5 agreements={AGREEMENTS} records={n} checksum={checksum}");
    println!("ledger generate_s={generate_s:.3} (record generation alone, dry pass)");
    println!(
        "ledger settle_s={settle_s:.3} rows_per_s={:.0} (generation + qualification + aggregation + split) entries={}",
        n as f64 / settle_s,
        entries.len()
    );
    println!(
        "ledger settle_net_s={:.3} rows_per_s_net={:.0} (settle_s minus generate_s)",
        (settle_s - generate_s).max(0.0),
        n as f64 / (settle_s - generate_s).max(1e-9)
    );
    println!(
        "ledger append_s={append_s:.3} entries={} fsync_batches={} bytes={bytes}",
        entries.len(),
        entries.len().div_ceil(batch.max(1))
    );
    println!("ledger verify_s={verify_s:.3} entries={verified}");
    match peak_rss_mib() {
        Some(m) => println!("ledger peak_rss_mib={m:.1} (whole run)"),
        None => println!("ledger peak_rss_mib=n/a (no /proc/self/status)"),
    }
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
