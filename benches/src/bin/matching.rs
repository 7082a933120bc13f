//! Benchmark: docking at national scale — 100,000 relocation demands x 5,000 parks on the
//! bundled context (every bundled locality with coordinates, the 42 IO sectors, the 2021
//! programme's pairs).
//!
//! Times, in one run: building the problem (flat arrays, per-(park, sector) industry fit);
//! both shortlists (top 20 parks per demand and top 20 demands per park) over 2 threads;
//! the capacity-constrained max-score assignment (min-cost flow) on each demand's top 20;
//! the demand-proposing stable matching on the same lists. The in-run peer is the naive
//! shortlist (score every park, sort all, keep 20) on the first 1,000 demands, against the
//! fast pass on the same 1,000 demands on one thread; the ratio is printed. Peak memory is
//! VmHWM from /proc/self/status.
//!
//! Usage: `matching [--demands N] [--parks M] [--top K] [--threads T] [--seed S]`
//! (defaults 100000, 5000, 20, 2, 20260707). Prints `key=value` lines.

use anyhow::{bail, Context, Result};
use std::time::Instant;
use tandem_benches::SplitMix64;
use tandem_matching::shortlist::naive_demand_shortlist;
use tandem_matching::{
    assign, shortlists, stable_matching, Date, Demand, MatchContext, ParkOffer, Problem,
    RegionMode, Visibility, Weights,
};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    demands: usize,
    parks: usize,
    top: usize,
    threads: usize,
    seed: u64,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        demands: 100_000,
        parks: 5_000,
        top: 20,
        threads: 2,
        seed: 20_260_707,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = |name: &str| -> Result<u64> {
            it.next()
                .with_context(|| format!("{name} needs a value"))?
                .parse()
                .with_context(|| format!("{name} must be a whole number"))
        };
        match flag.as_str() {
            "--demands" => a.demands = value("--demands")? as usize,
            "--parks" => a.parks = value("--parks")? as usize,
            "--top" => a.top = value("--top")? as usize,
            "--threads" => a.threads = value("--threads")? as usize,
            "--seed" => a.seed = value("--seed")?,
            other => bail!("unknown argument {other:?}"),
        }
    }
    Ok(a)
}

/// Peak resident memory of this process (VmHWM), MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Synthetic demands and parks: origins on the helper side of the programme (and any other
/// bundled locality, 20%), parks in every bundled locality with coordinates, northern Anhui
/// weighted up; needs and offers log-uniform over realistic ranges, so that capacity
/// constraints bind for a good share of pairs; 10% of parks exclude one sector, 15% of
/// demands accept only their preferred regions, 3% are restricted to three parks.
fn generate(ctx: &MatchContext, a: &Args) -> (Vec<Demand>, Vec<ParkOffer>) {
    let mut rng = SplitMix64::new(a.seed);
    let b = tandem_data::bundled::bundle();
    let helpers: Vec<String> = b.programme.pairs.iter().map(|p| p.helper.clone()).collect();
    let helped: Vec<String> = b.programme.pairs.iter().map(|p| p.helped.clone()).collect();
    let all: Vec<String> = ctx.places().iter().map(|p| p.id.clone()).collect();
    let sectors: Vec<String> = ctx.sectors().iter().map(|s| s.code.clone()).collect();
    // Manufacturing sectors (06-22) are what moves; others appear rarely.
    let manuf: Vec<String> = sectors
        .iter()
        .filter(|c| ("06".."23").contains(&c.as_str()))
        .cloned()
        .collect();
    let pick =
        |rng: &mut SplitMix64, v: &[String]| v[(rng.next_u64() % v.len() as u64) as usize].clone();
    let logu =
        |rng: &mut SplitMix64, lo: f64, hi: f64| (lo.ln() + rng.uniform() * (hi / lo).ln()).exp();
    let fresh = Date::new(2027, 6, 30).expect("valid date");
    let parks: Vec<ParkOffer> = (0..a.parks)
        .map(|k| {
            let locality = if rng.uniform() < 0.6 {
                pick(&mut rng, &helped)
            } else {
                pick(&mut rng, &all)
            };
            let nf = (rng.next_u64() % 4) as usize;
            ParkOffer {
                id: format!("P{k:05}"),
                name: String::new(),
                locality,
                land_ha: logu(&mut rng, 2.0, 200.0).round(),
                building_m2: logu(&mut rng, 2_000.0, 200_000.0).round(),
                power_kva: logu(&mut rng, 1_000.0, 100_000.0).round(),
                labour: logu(&mut rng, 100.0, 10_000.0).round(),
                land_price_yuan_m2: (80.0 + 400.0 * rng.uniform()).round(),
                incentives: (rng.uniform() * 10.0).round() / 10.0,
                incentive_list: Vec::new(),
                services: Vec::new(),
                focus_industries: (0..nf).map(|_| pick(&mut rng, &manuf)).collect(),
                exclusions: if rng.uniform() < 0.1 {
                    vec![pick(&mut rng, &sectors)]
                } else {
                    Vec::new()
                },
                data_freshness: fresh,
                capacity: 1 + (rng.next_u64() % 20) as u32,
            }
        })
        .collect();
    let demands: Vec<Demand> = (0..a.demands)
        .map(|k| {
            let origin = if rng.uniform() < 0.8 {
                pick(&mut rng, &helpers)
            } else {
                pick(&mut rng, &all)
            };
            let industry = if rng.uniform() < 0.9 {
                pick(&mut rng, &manuf)
            } else {
                pick(&mut rng, &sectors)
            };
            let npref = (rng.next_u64() % 3) as usize;
            let preferred_regions: Vec<String> =
                (0..npref).map(|_| pick(&mut rng, &helped)).collect();
            let only = !preferred_regions.is_empty() && rng.uniform() < 0.15;
            let visibility = if rng.uniform() < 0.03 {
                Visibility::Restricted(
                    (0..3)
                        .map(|_| format!("P{:05}", rng.next_u64() % a.parks as u64))
                        .collect(),
                )
            } else {
                Visibility::Public
            };
            let nsup = (rng.next_u64() % 3) as usize;
            Demand {
                id: format!("D{k:06}"),
                enterprise: String::new(),
                origin,
                industry_input: String::new(),
                industry,
                land_ha: logu(&mut rng, 1.0, 40.0).round(),
                building_m2: logu(&mut rng, 1_000.0, 60_000.0).round(),
                power_kva: logu(&mut rng, 200.0, 20_000.0).round(),
                labour: logu(&mut rng, 20.0, 2_000.0).round(),
                budget_yuan: if rng.uniform() < 0.85 {
                    Some(logu(&mut rng, 5e6, 5e8).round())
                } else {
                    None
                },
                preferred_regions,
                region_mode: if only {
                    RegionMode::Only
                } else {
                    RegionMode::Prefer
                },
                deadline: None,
                visibility,
                suppliers: (0..nsup).map(|_| pick(&mut rng, &all)).collect(),
            }
        })
        .collect();
    (demands, parks)
}

fn main() -> Result<()> {
    let a = parse_args()?;
    let t0 = Instant::now();
    let ctx = MatchContext::bundled().context("bundled context")?;
    let (demands, parks) = generate(&ctx, &a);
    let gen_s = t0.elapsed().as_secs_f64();
    println!(
        "demands={} parks={} top={} threads={} places={} sectors={}",
        a.demands,
        a.parks,
        a.top,
        a.threads,
        ctx.places().len(),
        ctx.sectors().len()
    );
    println!("generate_s={gen_s:.3}");

    let t = Instant::now();
    let problem = Problem::new(&ctx, Weights::shipped(), &demands, &parks).context("problem")?;
    println!("prepare_s={:.3}", t.elapsed().as_secs_f64());

    let t = Instant::now();
    let lists = shortlists(&problem, a.top, a.threads);
    let shortlist_s = t.elapsed().as_secs_f64();
    let pairs = (a.demands as f64) * (a.parks as f64);
    let listed: usize = lists.per_demand.iter().map(Vec::len).sum();
    let empty = lists.per_demand.iter().filter(|l| l.is_empty()).count();
    println!("shortlists_s={shortlist_s:.3} pairs_per_s={:.3e} listed={listed} demands_without_park={empty}", pairs / shortlist_s);

    let t = Instant::now();
    let assignment = assign(&lists.per_demand, problem.park_capacities()).context("assignment")?;
    let assign_s = t.elapsed().as_secs_f64();
    let seats: u64 = problem
        .park_capacities()
        .iter()
        .map(|&c| u64::from(c))
        .sum();
    println!(
        "assign_s={assign_s:.3} assigned={} seats={seats} total_score={:.4}",
        assignment.assigned, assignment.total
    );

    let t = Instant::now();
    let stable = stable_matching(&problem, &lists.per_demand);
    let stable_s = t.elapsed().as_secs_f64();
    let stable_total: f64 = stable
        .iter()
        .enumerate()
        .filter_map(|(d, m)| {
            m.and_then(|p| lists.per_demand[d].iter().find(|e| e.index == p))
                .map(|e| e.score)
        })
        .sum();
    println!(
        "stable_s={stable_s:.3} stable_assigned={} stable_total_score={stable_total:.4}",
        stable.iter().filter(|m| m.is_some()).count()
    );

    // The peer: naive full score + full sort on a 1,000-demand sample, against the fast pass
    // on the same demands on one thread.
    let sample = a.demands.min(1_000);
    let sample_demands = &demands[..sample];
    let sample_problem =
        Problem::new(&ctx, Weights::shipped(), sample_demands, &parks).context("sample")?;
    let t = Instant::now();
    let naive: Vec<_> = (0..sample)
        .map(|d| naive_demand_shortlist(&sample_problem, d, a.top))
        .collect();
    let naive_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let fast = shortlists(&sample_problem, a.top, 1);
    let fast1_s = t.elapsed().as_secs_f64();
    let same = naive == fast.per_demand && naive[..] == lists.per_demand[..sample];
    println!(
        "naive_sample={sample} naive_s={naive_s:.3} fast_1thread_sample_s={fast1_s:.3} ratio_naive_over_fast_1thread={:.2} naive_extrapolated_s={:.1} ratio_naive_extrapolated_over_fast={:.2} identical_lists={same}",
        naive_s / fast1_s,
        naive_s * a.demands as f64 / sample as f64,
        naive_s * a.demands as f64 / sample as f64 / shortlist_s
    );
    if let Some(m) = peak_mib() {
        println!("peak_rss_mib={m:.1}");
    }
    println!("total_s={:.3}", t0.elapsed().as_secs_f64());
    Ok(())
}
