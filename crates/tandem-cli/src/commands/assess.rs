//! `tandem assess enterprises|parks|environment`: a scoring scheme (TOML) applied to one
//! year's figures from a CSV or XLSX file, without the platform.

use super::input::{self, Kind, Spec};
use super::ListingArgs;
use crate::output::{Cell, Format, Listing};
use crate::{user_bail, UserError};
use anyhow::{Context as _, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;
use tandem_assess::{assess, Assessment, Scheme, Subject, Unit};

/// Largest scheme file: schemes are a few kilobytes.
const MAX_SCHEME_BYTES: u64 = 1 << 20;

#[derive(clap::Args, Debug)]
pub struct AssessArgs {
    /// What is assessed; the scheme's `subject` must say the same.
    #[arg(value_enum)]
    subject: SubjectArg,
    /// The scoring scheme: a TOML file (indicators, benchmarks, weights, caps, eligibility
    /// and tiers), or the id of a shipped one: per-mu-example, linhai-per-mu-2014,
    /// parks-vs-helper-example, environment-vs-helper-example (their files are in
    /// crates/tandem-assess/schemes/ to copy).
    #[arg(long, value_name = "FILE")]
    scheme: PathBuf,
    /// The figures: one row per unit (and year), CSV or XLSX, with the columns the scheme
    /// names; an empty cell is a missing figure (that unit gets no score, never a zero).
    #[arg(long, value_name = "FILE")]
    input: PathBuf,
    /// The year assessed.
    #[arg(long, value_name = "YEAR")]
    year: i32,
    /// Column of the unit's id.
    #[arg(long, value_name = "COLUMN", default_value = "id")]
    unit_column: String,
    /// Column of the industry code, for benchmarks by industry.
    #[arg(long, value_name = "COLUMN")]
    industry_column: Option<String>,
    /// Column of the group each unit is reported under: for parks the programme pair (pair id
    /// or either city), which `tandem advise|report --assessment` need.
    #[arg(long, value_name = "COLUMN")]
    group_column: Option<String>,
    /// Column of the year, when the file holds several years (only --year's rows are used).
    #[arg(long, value_name = "COLUMN")]
    year_column: Option<String>,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum SubjectArg {
    Enterprises,
    Parks,
    Environment,
}

impl SubjectArg {
    fn subject(self) -> Subject {
        match self {
            SubjectArg::Enterprises => Subject::Enterprises,
            SubjectArg::Parks => Subject::Parks,
            SubjectArg::Environment => Subject::Environment,
        }
    }
}

pub fn run(args: AssessArgs) -> Result<()> {
    let scheme = read_scheme(&args)?;
    let units = read_units(&args, &scheme)?;
    let run = assess(&scheme, args.year, &units).map_err(|e| UserError::new(e.to_string()))?;
    if args.listing.format == Format::Json {
        let text = serde_json::to_string_pretty(&run).context("rendering JSON")? + "\n";
        return match &args.listing.out {
            Some(p) => std::fs::write(p, text).with_context(|| format!("writing {}", p.display())),
            None => {
                print!("{text}");
                Ok(())
            }
        };
    }
    listing(&run).write(args.listing.format, args.listing.out.as_deref())
}

fn read_scheme(args: &AssessArgs) -> Result<Scheme> {
    let shipped = args.scheme.to_str().and_then(tandem_assess::shipped);
    let text = match shipped {
        Some(text) if !args.scheme.exists() => text.to_string(),
        _ => read_scheme_file(args)?,
    };
    let scheme = Scheme::parse(&text)
        .map_err(|e| UserError::new(format!("{}: {e}", args.scheme.display())))?;
    if scheme.subject != args.subject.subject() {
        user_bail!(
            "the scheme {} scores {:?}, not {:?}: use `tandem assess {}` or another scheme",
            scheme.id,
            scheme.subject,
            args.subject.subject(),
            format!("{:?}", scheme.subject).to_lowercase()
        );
    }
    Ok(scheme)
}

/// The text of the `--scheme` file, bounded.
fn read_scheme_file(args: &AssessArgs) -> Result<String> {
    super::input::read_text(&args.scheme, "the scheme", MAX_SCHEME_BYTES)
}

/// The units of `--year`: the id, industry and every column the scheme reads.
fn read_units(args: &AssessArgs, scheme: &Scheme) -> Result<Vec<Unit>> {
    let columns = scheme.columns();
    let mut specs = vec![Spec::new("--unit-column", &args.unit_column, Kind::Label)];
    if let Some(c) = &args.industry_column {
        specs.push(Spec::new("--industry-column", c, Kind::Label));
    }
    if let Some(c) = &args.group_column {
        specs.push(Spec::new("--group-column", c, Kind::Label));
    }
    if let Some(c) = &args.year_column {
        specs.push(Spec::new("--year-column", c, Kind::Integer));
    }
    specs.extend(
        columns
            .iter()
            .map(|c| Spec::new("--scheme", c, Kind::OptionalNumber)),
    );
    let mut cols = input::read(&args.input, &specs)?.into_iter();
    let ids = cols.next().expect("the unit column").into_labels();
    let industries = args
        .industry_column
        .as_ref()
        .map(|_| cols.next().expect("industry").into_labels());
    let groups = args
        .group_column
        .as_ref()
        .map(|_| cols.next().expect("group").into_labels());
    let group_rows = groups.as_ref().map(|l| l.per_row());
    let years = args
        .year_column
        .as_ref()
        .map(|_| cols.next().expect("year").into_integers());
    let figures: Vec<Vec<Option<f64>>> = cols.map(|c| c.into_optional_numbers()).collect();
    let rows = ids.per_row();
    let industry_rows = industries.as_ref().map(|l| l.per_row());
    let units: Vec<Unit> = (0..rows.len())
        .filter(|r| years.as_ref().is_none_or(|y| y[*r] == i64::from(args.year)))
        .map(|r| Unit {
            id: rows[r].to_string(),
            industry: industry_rows.as_ref().map(|i| i[r].to_string()),
            group: group_rows.as_ref().map(|g| g[r].to_string()),
            figures: columns
                .iter()
                .zip(&figures)
                .map(|(c, v)| (c.to_string(), v[r]))
                .collect::<BTreeMap<_, _>>(),
        })
        .collect();
    if units.is_empty() {
        user_bail!("{} has no row for {}", args.input.display(), args.year);
    }
    check_unique(&units)?;
    Ok(units)
}

fn check_unique(units: &[Unit]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    if let Some(u) = units.iter().find(|u| !seen.insert(u.id.as_str())) {
        user_bail!("unit {} has more than one row for the year: keep one (or name the year column with --year-column)", u.id);
    }
    Ok(())
}

/// One row per unit: id, industry, total, tier, rank, why it was not scored, then each
/// indicator's value and score (CSV/JSON/XLSX keep them all; the table shows the scores).
fn listing(run: &Assessment) -> Listing {
    let s = &run.scheme;
    let mut l = Listing::new(format!("{} ({}), {}", s.name_en, s.id, run.year));
    l.column("unit", "Unit")
        .column("industry", "Industry")
        .column("group", "Group")
        .column("total", "Total")
        .column("tier", "Tier")
        .column("rank", "Rank");
    for ind in &s.indicators {
        // Column keys are static strings; a CLI run leaks a few short names once.
        let value: &'static str = Box::leak(format!("{}_value", ind.id).into_boxed_str());
        let score: &'static str = Box::leak(format!("{}_score", ind.id).into_boxed_str());
        l.machine_column(value).column(score, ind.label_en.clone());
    }
    l.column("not_scored", "Not scored because");
    l.rows = run
        .units
        .iter()
        .map(|u| row(u, s.indicators.len()))
        .collect();
    l.notes = notes(run);
    l
}

/// A unit not scored has no indicator results: its indicator cells are empty.
fn row(u: &tandem_assess::UnitResult, n_indicators: usize) -> Vec<Cell> {
    let text = |v: &Option<String>| v.as_ref().map_or(Cell::Missing, |s| Cell::text(s.clone()));
    let mut cells = vec![
        Cell::text(u.id.clone()),
        text(&u.industry),
        text(&u.group),
        Cell::opt_number(u.total, 2),
        text(&u.tier),
        u.rank.map_or(Cell::Missing, |r| Cell::Integer(r as i64)),
    ];
    for i in &u.indicators {
        cells.push(Cell::opt_number(i.value, 4));
        cells.push(Cell::opt_number(i.score, 2));
    }
    if u.indicators.is_empty() {
        cells.extend((0..2 * n_indicators).map(|_| Cell::Missing));
    }
    cells.push(Cell::text(why_unscored(u)));
    cells
}

/// Why a unit has no total: the eligibility rule it broke, or the figures it lacks.
fn why_unscored(u: &tandem_assess::UnitResult) -> String {
    if let Some(reason) = &u.not_scored {
        return reason.clone();
    }
    let missing: Vec<&str> = u
        .indicators
        .iter()
        .filter(|i| i.value.is_none())
        .map(|i| i.indicator.as_str())
        .collect();
    if missing.is_empty() {
        String::new()
    } else {
        format!("missing figures for {}", missing.join(", "))
    }
}

fn notes(run: &Assessment) -> Vec<String> {
    let s = &run.scheme;
    let mut by_tier: BTreeMap<&str, usize> = BTreeMap::new();
    for u in &run.units {
        *by_tier
            .entry(u.tier.as_deref().unwrap_or("(none)"))
            .or_default() += 1;
    }
    let missing = run
        .units
        .iter()
        .filter(|u| u.not_scored.is_none() && u.total.is_none())
        .count();
    let excluded = run.units.iter().filter(|u| u.not_scored.is_some()).count();
    vec![
        format!("Scheme: {} — {}.", s.name_en, s.source),
        format!(
            "{} units: by tier {}; {excluded} not scored by an eligibility rule; {missing} without a total because a figure is missing (never counted as 0).",
            run.units.len(),
            by_tier.iter().map(|(t, n)| format!("{t} {n}")).collect::<Vec<_>>().join(", ")
        ),
        "Each indicator scores weight × min(cap, value / benchmark), benchmark / value for a cost indicator; the total is their sum.".into(),
        format!(
            "Weights applied: {}{}.",
            s.indicators
                .iter()
                .zip(&run.weights)
                .map(|(i, w)| format!("{} {w:.2}", i.id))
                .collect::<Vec<_>>()
                .join(", "),
            run.weighting_note
                .as_ref()
                .map_or(String::new(), |n| format!(" ({n})"))
        ),
    ]
}
