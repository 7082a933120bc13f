//! `tandem match ...`: docking from files, without the server — shortlists, the max-score
//! assignment, the stable matching, and projects with capital providers, each with an
//! explanation view (`--explain ID`).

use super::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tandem_matching::io::{read_demands, read_funds, read_parks, read_projects};
use tandem_matching::score::fmt_num;
use tandem_matching::{
    assign, blocking_pair, shortlists, stable_matching, CapitalProblem, Date, Demand, Entry,
    MatchContext, ParkOffer, Problem, Weights,
};

#[derive(clap::Subcommand, Debug)]
pub enum MatchCommand {
    /// Ranked shortlists: the best parks for every demand (or, with --side park, the best
    /// demands for every park), with the score and its seven components.
    ///
    /// Components (each 0-1, weights in data/matching_weights.toml): industry fit, capacity
    /// fit, land cost against budget, distance decay, incentives, pair relationship,
    /// preferred region. Infeasible pairs (capacity below need, excluded industry, a region
    /// the demand refuses, a park the demand does not let see it, a full park) are never
    /// listed; --explain DEMAND_ID says why.
    #[command(after_help = "Examples:
  tandem match shortlist --demands data/matching/demands.csv --parks data/matching/parks.csv
  tandem match shortlist --demands d.xlsx --parks p.xlsx --top 5 --format csv > shortlist.csv
  tandem match shortlist --demands d.csv --parks p.csv --side park
  tandem match shortlist --demands d.csv --parks p.csv --explain D01")]
    Shortlist(ShortlistArgs),

    /// The assignment of demands to parks with the largest total score, within park
    /// capacities (min-cost flow; exact). Demands may stay unassigned.
    #[command(after_help = "Examples:
  tandem match assign --demands data/matching/demands.csv --parks data/matching/parks.csv
  tandem match assign --demands d.csv --parks p.csv --top 50 --format xlsx --out assignment.xlsx
  tandem match assign --demands d.csv --parks p.csv --explain D01")]
    Assign(PairArgs),

    /// A stable matching where both sides rank: demands by the pair score, parks by their
    /// own view (industry fit, uptake of their vacant land and buildings, pair bonus);
    /// demand-proposing deferred acceptance with park capacities.
    #[command(after_help = "Examples:
  tandem match stable --demands data/matching/demands.csv --parks data/matching/parks.csv
  tandem match stable --demands d.csv --parks p.csv --format json
  tandem match stable --demands d.csv --parks p.csv --explain D05")]
    Stable(PairArgs),

    /// Projects with capital providers: the best funds for every project from industry,
    /// ticket size, region and pair relationship; tickets, regions and stages are hard
    /// constraints.
    #[command(after_help = "Examples:
  tandem match capital --projects data/matching/projects.csv --funds data/matching/funds.csv
  tandem match capital --projects j.xlsx --funds f.xlsx --top 3 --format csv
  tandem match capital --projects j.csv --funds f.csv --explain J01")]
    Capital(CapitalArgs),
}

/// Inputs shared by the demand-park subcommands.
#[derive(clap::Args, Debug)]
pub struct PairArgs {
    /// Demands file (CSV or XLSX; columns in data/matching/README.md).
    #[arg(long, value_name = "FILE")]
    demands: PathBuf,
    /// Parks file (CSV or XLSX).
    #[arg(long, value_name = "FILE")]
    parks: PathBuf,
    /// Parks considered per demand (each demand's best N feasible parks).
    #[arg(long, value_name = "N", default_value_t = 20)]
    top: usize,
    /// Weights (TOML, as data/matching_weights.toml; missing keys keep defaults).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Show the explanation for this demand: every component of its listed pairs, and why
    /// the other parks are infeasible.
    #[arg(long, value_name = "DEMAND_ID")]
    explain: Option<String>,
    /// Flag parks whose data_freshness is before this date (YYYY-MM-DD; default: today).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

/// Which side's shortlists to list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Side {
    /// The best parks of each demand.
    Demand,
    /// The best demands of each park.
    Park,
}

/// `tandem match shortlist`.
#[derive(clap::Args, Debug)]
pub struct ShortlistArgs {
    #[command(flatten)]
    pair: PairArgs,
    /// List per demand (default) or per park.
    #[arg(long, value_enum, default_value_t = Side::Demand)]
    side: Side,
}

/// `tandem match capital`.
#[derive(clap::Args, Debug)]
pub struct CapitalArgs {
    /// Projects file (CSV or XLSX: id, locality, industry, amount_yuan, stage).
    #[arg(long, value_name = "FILE")]
    projects: PathBuf,
    /// Capital providers file (CSV or XLSX).
    #[arg(long, value_name = "FILE")]
    funds: PathBuf,
    /// Funds listed per project.
    #[arg(long, value_name = "N", default_value_t = 5)]
    top: usize,
    /// Weights (TOML, as data/matching_weights.toml).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// Show every component for this project against every fund.
    #[arg(long, value_name = "PROJECT_ID")]
    explain: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

/// Runs a `tandem match` subcommand.
pub fn run(_ctx: &Context, cmd: MatchCommand) -> Result<()> {
    match cmd {
        MatchCommand::Shortlist(a) => shortlist(a),
        MatchCommand::Assign(a) => assignment(a, false),
        MatchCommand::Stable(a) => assignment(a, true),
        MatchCommand::Capital(a) => capital(a),
    }
}

fn context() -> Result<MatchContext> {
    MatchContext::bundled().context("building the matching context from the bundled data")
}

fn weights(path: Option<&Path>) -> Result<Weights> {
    match path {
        None => Ok(Weights::shipped()),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| {
                UserError::new(format!("cannot read weights file {}: {e}", p.display()))
            })?;
            Ok(Weights::from_toml(&text, &p.display().to_string())
                .map_err(|e| UserError::new(e.to_string()))?)
        }
    }
}

/// Today's date (UTC) from the system clock.
fn today() -> Option<Date> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs() as i64;
    let (y, m, d) = tandem_core::calendar::civil_from_days(secs.div_euclid(86_400));
    Date::new(y as i32, m as u8, d as u8)
}

fn as_of(text: Option<&str>) -> Result<Option<Date>> {
    match text {
        None => Ok(today()),
        Some(t) => match Date::parse(t) {
            Some(d) => Ok(Some(d)),
            None => user_bail!("--as-of {t:?} is not a date YYYY-MM-DD"),
        },
    }
}

struct Loaded {
    ctx: MatchContext,
    demands: Vec<Demand>,
    parks: Vec<ParkOffer>,
    weights: Weights,
}

fn load(a: &PairArgs) -> Result<Loaded> {
    let ctx = context()?;
    let demands = read_demands(&a.demands, &ctx).map_err(|e| UserError::new(e.to_string()))?;
    let parks = read_parks(&a.parks, &ctx).map_err(|e| UserError::new(e.to_string()))?;
    let weights = weights(a.weights.as_deref())?;
    Ok(Loaded {
        ctx,
        demands,
        parks,
        weights,
    })
}

fn problem(l: &Loaded) -> Result<Problem<'_>> {
    Ok(Problem::new(&l.ctx, l.weights, &l.demands, &l.parks)
        .map_err(|e| UserError::new(e.to_string()))?)
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

fn demand_index(pb: &Problem<'_>, id: &str) -> Result<usize> {
    match pb.demands.iter().position(|d| d.id == id) {
        Some(d) => Ok(d),
        None => user_bail!("--explain {id}: no demand with this id in the demands file"),
    }
}

fn yes_no(b: bool) -> Cell {
    Cell::text(if b { "yes" } else { "no" })
}

/// The explanation of demand `d`: one row per component of every pair in `parks`, and notes
/// with the reason each other park is infeasible.
fn explanation(
    pb: &Problem<'_>,
    d: usize,
    parks: &[u32],
    as_of: Option<Date>,
    title: String,
) -> Listing {
    let mut l = Listing::new(title);
    l.column("park", "Park")
        .column("component", "Component")
        .column("value", "Value")
        .column("weight", "Weight")
        .column("contribution", "Contribution")
        .column("reason", "Reason");
    for &p in parks {
        let ex = pb.explain(d, p as usize, as_of);
        let park = &pb.parks[p as usize];
        for c in &ex.components {
            l.rows.push(vec![
                Cell::text(&park.id),
                Cell::text(c.component.key()),
                Cell::Number(c.value, 3),
                Cell::Number(c.weight, 3),
                Cell::Number(c.contribution, 3),
                Cell::text(&c.reason),
            ]);
        }
        if let Some(total) = ex.total {
            l.rows.push(vec![
                Cell::text(&park.id),
                Cell::text("total"),
                Cell::Number(total, 3),
                Cell::Missing,
                Cell::Number(total, 3),
                Cell::text(if ex.stale {
                    format!(
                        "park data past their freshness date {}",
                        park.data_freshness
                    )
                } else {
                    String::new()
                }),
            ]);
        }
    }
    let mut by_rule: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for p in 0..pb.n_parks() {
        if parks.contains(&(p as u32)) {
            continue;
        }
        if let Some((_, text)) = pb.explain(d, p, as_of).infeasible {
            by_rule
                .entry(pb.parks[p].id.clone())
                .or_default()
                .push(text);
        }
    }
    for (park, reasons) in by_rule {
        l.notes
            .push(format!("{park} infeasible: {}", reasons.join("; ")));
    }
    l
}

fn shortlist(a: ShortlistArgs) -> Result<()> {
    let loaded = load(&a.pair)?;
    let pb = problem(&loaded)?;
    let as_of = as_of(a.pair.as_of.as_deref())?;
    let lists = shortlists(&pb, a.pair.top, threads());
    let out = a.pair.listing.out.as_deref();
    let format = a.pair.listing.format;
    if let Some(id) = &a.pair.explain {
        let d = demand_index(&pb, id)?;
        let parks: Vec<u32> = lists.per_demand[d].iter().map(|e| e.index).collect();
        let title = format!(
            "Demand {id} ({}): components of its {} shortlisted parks",
            pb.demands[d].enterprise,
            parks.len()
        );
        return explanation(&pb, d, &parks, as_of, title).write(format, out);
    }
    let comp_keys = [
        "industry",
        "capacity",
        "cost",
        "distance",
        "incentives",
        "pair",
        "region",
    ];
    let mut l = match a.side {
        Side::Demand => Listing::new(format!(
            "Shortlist: the best {} feasible parks of each demand (score 0-1)",
            a.pair.top
        )),
        Side::Park => Listing::new(format!(
            "Shortlist: the best {} demands of each park (score 0-1)",
            a.pair.top
        )),
    };
    l.column("demand", "Demand");
    if a.side == Side::Park {
        l.columns.clear();
        l.column("park", "Park")
            .column("rank", "Rank")
            .column("demand", "Demand");
    } else {
        l.column("rank", "Rank").column("park", "Park");
    }
    l.column("park_name", "Park name")
        .column("locality", "Locality")
        .column("score", "Score")
        .column("stale", "Stale");
    for k in comp_keys {
        l.machine_column(k);
    }
    let mut sc = pb.scratch();
    let mut row =
        |l: &mut Listing, d: usize, p: usize, rank: usize, score: f64, first: Cell, third: Cell| {
            pb.prepare(d, &mut sc);
            let x = pb.components(d, p, &sc).ok();
            let park = &pb.parks[p];
            let mut r = vec![
                first,
                Cell::Integer(rank as i64),
                third,
                Cell::text(&park.name),
                Cell::text(&park.locality),
                Cell::Number(score, 3),
                yes_no(as_of.is_some_and(|t| park.data_freshness < t)),
            ];
            // Listed pairs are feasible, so every component is a number.
            r.extend((0..7).map(|k| x.map_or(Cell::Missing, |x| Cell::Number(x[k], 4))));
            l.rows.push(r);
        };
    let mut unlisted = 0;
    match a.side {
        Side::Demand => {
            for (d, list) in lists.per_demand.iter().enumerate() {
                if list.is_empty() {
                    unlisted += 1;
                }
                for (k, e) in list.iter().enumerate() {
                    let p = e.index as usize;
                    row(
                        &mut l,
                        d,
                        p,
                        k + 1,
                        e.score,
                        Cell::text(&pb.demands[d].id),
                        Cell::text(&pb.parks[p].id),
                    );
                }
            }
            if unlisted > 0 {
                l.notes.push(format!(
                    "{unlisted} demand(s) have no feasible park; see --explain DEMAND_ID"
                ));
            }
        }
        Side::Park => {
            for (p, list) in lists.per_park.iter().enumerate() {
                for (k, e) in list.iter().enumerate() {
                    let d = e.index as usize;
                    row(
                        &mut l,
                        d,
                        p,
                        k + 1,
                        e.score,
                        Cell::text(&pb.parks[p].id),
                        Cell::text(&pb.demands[d].id),
                    );
                }
            }
        }
    }
    l.notes.push(
        "Components and weights: data/matching_weights.toml; --explain DEMAND_ID shows them per pair."
            .into(),
    );
    l.write(format, out)
}

fn assignment(a: PairArgs, stable: bool) -> Result<()> {
    let loaded = load(&a)?;
    let pb = problem(&loaded)?;
    let as_of = as_of(a.as_of.as_deref())?;
    let lists = shortlists(&pb, a.top, threads());
    let park_of = if stable {
        stable_matching(&pb, &lists.per_demand)
    } else {
        assign(&lists.per_demand, pb.park_capacities())
            .context("the assignment's input")?
            .park_of
    };
    let score_of = |d: usize, p: u32| -> Option<f64> {
        lists.per_demand[d]
            .iter()
            .find(|e| e.index == p)
            .map(|e: &Entry| e.score)
    };
    if let Some(id) = &a.explain {
        let d = demand_index(&pb, id)?;
        let parks: Vec<u32> = park_of[d].into_iter().collect();
        let title = match park_of[d] {
            Some(p) => format!(
                "Demand {id} is matched with park {}",
                pb.parks[p as usize].id
            ),
            None => format!("Demand {id} is unmatched"),
        };
        return explanation(&pb, d, &parks, as_of, title)
            .write(a.listing.format, a.listing.out.as_deref());
    }
    let mut l = Listing::new(if stable {
        "Stable matching (demand-proposing deferred acceptance; parks rank by their own view)"
    } else {
        "Assignment with the largest total score within park capacities (min-cost flow, exact)"
    });
    l.column("demand", "Demand")
        .column("enterprise", "Enterprise")
        .column("park", "Park")
        .column("park_name", "Park name")
        .column("locality", "Locality")
        .column("score", "Score")
        .column("stale", "Stale");
    let mut total = 0.0;
    let mut matched = 0;
    for (d, m) in park_of.iter().enumerate() {
        let demand = &pb.demands[d];
        match m {
            Some(p) => {
                let park = &pb.parks[*p as usize];
                let s = score_of(d, *p).unwrap_or(0.0);
                total += s;
                matched += 1;
                l.rows.push(vec![
                    Cell::text(&demand.id),
                    Cell::text(&demand.enterprise),
                    Cell::text(&park.id),
                    Cell::text(&park.name),
                    Cell::text(&park.locality),
                    Cell::Number(s, 3),
                    yes_no(as_of.is_some_and(|t| park.data_freshness < t)),
                ]);
            }
            None => l.rows.push(vec![
                Cell::text(&demand.id),
                Cell::text(&demand.enterprise),
                Cell::text("unmatched"),
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
                Cell::Missing,
            ]),
        }
    }
    l.notes.push(format!(
        "{matched} of {} demands matched; total score {}; each demand's best {} feasible parks considered",
        pb.n_demands(),
        fmt_num((total * 1000.0).round() / 1000.0),
        a.top
    ));
    if stable {
        let prefs: Vec<Vec<u32>> = lists
            .per_demand
            .iter()
            .map(|l| l.iter().map(|e| e.index).collect())
            .collect();
        let check = blocking_pair(
            &prefs,
            &|p, d| pb.park_view(p, d),
            pb.park_capacities(),
            &park_of,
        );
        l.notes.push(match check {
            None => "Checked: no blocking pair.".to_string(),
            Some((d, p)) => format!(
                "Defect: {} and {} would both rather be matched together",
                pb.demands[d].id, pb.parks[p].id
            ),
        });
    }
    l.write(a.listing.format, a.listing.out.as_deref())
}

fn capital(a: CapitalArgs) -> Result<()> {
    let ctx = context()?;
    let projects = read_projects(&a.projects, &ctx).map_err(|e| UserError::new(e.to_string()))?;
    let funds = read_funds(&a.funds, &ctx).map_err(|e| UserError::new(e.to_string()))?;
    let w = weights(a.weights.as_deref())?;
    let cp = CapitalProblem::new(&ctx, w, &projects, &funds)
        .map_err(|e| UserError::new(e.to_string()))?;
    let out = a.listing.out.as_deref();
    if let Some(id) = &a.explain {
        let Some(j) = projects.iter().position(|p| p.id == *id) else {
            user_bail!("--explain {id}: no project with this id in the projects file");
        };
        let mut l = Listing::new(format!("Project {id}: every fund, component by component"));
        l.column("fund", "Fund")
            .column("component", "Component")
            .column("value", "Value")
            .column("weight", "Weight")
            .column("contribution", "Contribution")
            .column("reason", "Reason");
        for (f, fund) in funds.iter().enumerate() {
            match cp.explain(j, f) {
                Ok((total, parts)) => {
                    for c in parts {
                        l.rows.push(vec![
                            Cell::text(&fund.id),
                            Cell::text(c.component.key()),
                            Cell::Number(c.value, 3),
                            Cell::Number(c.weight, 3),
                            Cell::Number(c.contribution, 3),
                            Cell::text(c.reason),
                        ]);
                    }
                    l.rows.push(vec![
                        Cell::text(&fund.id),
                        Cell::text("total"),
                        Cell::Number(total, 3),
                        Cell::Missing,
                        Cell::Number(total, 3),
                        Cell::text(""),
                    ]);
                }
                Err((_, text)) => l.notes.push(format!("{} infeasible: {text}", fund.id)),
            }
        }
        return l.write(a.listing.format, out);
    }
    let lists = cp.shortlists(a.top);
    let mut l = Listing::new(format!(
        "The best {} funds of each project (score 0-1)",
        a.top
    ));
    l.column("project", "Project")
        .column("rank", "Rank")
        .column("fund", "Fund")
        .column("fund_name", "Fund name")
        .column("score", "Score");
    for k in ["industry", "ticket", "region", "pair"] {
        l.machine_column(k);
    }
    for (j, list) in lists.per_demand.iter().enumerate() {
        if list.is_empty() {
            l.notes.push(format!(
                "{}: no feasible fund (see --explain {})",
                projects[j].id, projects[j].id
            ));
        }
        for (k, e) in list.iter().enumerate() {
            let f = e.index as usize;
            let mut r = vec![
                Cell::text(&projects[j].id),
                Cell::Integer(k as i64 + 1),
                Cell::text(&funds[f].id),
                Cell::text(&funds[f].name),
                Cell::Number(e.score, 3),
            ];
            let x = cp.components(j, f).ok();
            r.extend((0..4).map(|k| x.map_or(Cell::Missing, |x| Cell::Number(x[k], 4))));
            l.rows.push(r);
        }
    }
    l.write(a.listing.format, out)
}
