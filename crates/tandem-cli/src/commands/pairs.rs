//! `tandem pairs`: the programme's pairs with their level gap, every figure with year and source.

use super::ListingArgs;
use crate::context::Context;
use crate::output::{Cell, Listing};
use anyhow::Result;
use std::collections::BTreeMap;
use tandem_core::advisor::{market, NaturalPairVerdict, Weights};
use tandem_core::figures::{latest, latest_common_ratio, Figure, Ratio};
use tandem_core::{Observation, Source};

#[derive(clap::Args, Debug)]
pub struct PairsArgs {
    #[command(flatten)]
    listing: ListingArgs,
    /// Lay this imported dataset over the bundled data (see `tandem data list`).
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
}

/// Numbers the distinct sources of a listing for footnotes.
#[derive(Default)]
struct Footnotes {
    numbers: BTreeMap<String, usize>,
    /// Citation and quality label, in order of first use.
    order: Vec<(String, String)>,
}

impl Footnotes {
    fn mark(&mut self, source: &Source) -> usize {
        let citation = &source.citation;
        if let Some(n) = self.numbers.get(citation) {
            return *n;
        }
        self.order.push((citation.clone(), source.quality.label()));
        let n = self.order.len();
        self.numbers.insert(citation.to_string(), n);
        n
    }
}

/// Table text for a figure: `3,233.3 (2022) [4]`.
fn figure_text(f: &Option<Figure>, decimals: usize, notes: &mut Footnotes) -> Cell {
    match f {
        Some(f) => Cell::text(format!(
            "{} ({}{}) [{}]",
            crate::output::format_thousands(f.value, decimals),
            f.year,
            if f.source.derived { ", derived" } else { "" },
            notes.mark(&f.source)
        )),
        None => Cell::Missing,
    }
}

fn ratio_text(r: &Option<Ratio>) -> Cell {
    match r {
        Some(r) => Cell::text(format!("{:.2} ({})", r.value, r.year)),
        None => Cell::text("n/a (no common year)"),
    }
}

pub fn run(ctx: &Context, args: PairsArgs) -> Result<()> {
    let layered = ctx.observations_with_panel(args.data.as_deref())?;
    let weights = super::advise::load_weights(None)?;
    let mut listing = pairs_listing(ctx, &layered.observations, &weights, args.listing.format);
    listing.notes.push(layered.note());
    listing.write(args.listing.format, args.listing.out.as_deref())
}

/// The verdict's machine id (as in `tandem advise --format json`) and table label.
fn verdict_text(v: NaturalPairVerdict) -> (&'static str, &'static str) {
    match v {
        NaturalPairVerdict::Natural => ("natural", "natural"),
        NaturalPairVerdict::OneSided => ("one_sided", "one-sided"),
        NaturalPairVerdict::NotNatural => ("not_natural", "not natural"),
        NaturalPairVerdict::InsufficientData => ("insufficient_data", "not enough data"),
    }
}

fn pairs_listing(
    ctx: &Context,
    obs: &[Observation],
    weights: &Weights,
    format: crate::output::Format,
) -> Listing {
    let bundle = ctx.bundle();
    let programme = &bundle.programme;
    let mut l = Listing::new(format!(
        "{} ({}–{}): {} pairs, helper → helped. GDP in 亿元 (100 million yuan), per-capita GDP in yuan; ratio = helper / helped in the latest year both have.",
        programme.name,
        programme.start_year,
        programme.end_year,
        programme.pairs.len()
    ));
    l.machine_column("pair_id")
        .machine_column("helper_id")
        .column("helper", "Helper")
        .machine_column("helped_id")
        .column("helped", "Helped");
    let table = format == crate::output::Format::Table;
    if table {
        l.column("helper_gdp", "Helper GDP")
            .column("helped_gdp", "Helped GDP")
            .column("gdp_ratio", "GDP ratio")
            .column("helper_gdp_per_capita", "Helper GDP/cap")
            .column("helped_gdp_per_capita", "Helped GDP/cap")
            .column("gdp_per_capita_ratio", "GDP/cap ratio")
            .column("natural_pair", "Natural pair?");
    } else {
        for key in [
            "helper_gdp_100m_yuan",
            "helper_gdp_year",
            "helper_gdp_source",
            "helped_gdp_100m_yuan",
            "helped_gdp_year",
            "helped_gdp_source",
            "gdp_ratio",
            "gdp_ratio_year",
            "helper_gdp_per_capita_yuan",
            "helper_gdp_per_capita_year",
            "helper_gdp_per_capita_source",
            "helped_gdp_per_capita_yuan",
            "helped_gdp_per_capita_year",
            "helped_gdp_per_capita_source",
            "gdp_per_capita_ratio",
            "gdp_per_capita_ratio_year",
            "natural_pair",
            "natural_pair_year",
            "natural_pair_why",
        ] {
            l.machine_column(key);
        }
    }
    let mut notes = Footnotes::default();
    for pair in &programme.pairs {
        let name = |id: &str| {
            bundle
                .locality(id)
                .map(|l| format!("{} {}", l.short_name_zh(), l.short_name_en()))
                .unwrap_or_else(|| id.to_string())
        };
        let mut row = vec![
            Cell::text(&pair.id),
            Cell::text(&pair.helper),
            Cell::text(name(&pair.helper)),
            Cell::text(&pair.helped),
            Cell::text(name(&pair.helped)),
        ];
        for (indicator, decimals) in [("gdp", 1), ("gdp_per_capita", 0)] {
            let a = latest(obs, &pair.helper, indicator);
            let b = latest(obs, &pair.helped, indicator);
            let r = latest_common_ratio(obs, &pair.helper, &pair.helped, indicator);
            if table {
                row.push(figure_text(&a, decimals, &mut notes));
                row.push(figure_text(&b, decimals, &mut notes));
                row.push(ratio_text(&r));
            } else {
                for f in [&a, &b] {
                    row.push(Cell::opt_number(f.as_ref().map(|f| f.value), decimals));
                    row.push(
                        f.as_ref()
                            .map_or(Cell::Missing, |f| Cell::Integer(f.year.into())),
                    );
                    row.push(
                        f.as_ref()
                            .map_or(Cell::Missing, |f| Cell::text(&f.source.citation)),
                    );
                }
                row.push(Cell::opt_number(r.as_ref().map(|r| r.value), 4));
                row.push(
                    r.as_ref()
                        .map_or(Cell::Missing, |r| Cell::Integer(r.year.into())),
                );
            }
        }
        match (bundle.locality(&pair.helper), bundle.locality(&pair.helped)) {
            (Some(helper), Some(helped)) => {
                let s = market::spatial(obs, &bundle.localities, helper, helped, weights);
                let (id, label) = verdict_text(s.natural_pair);
                if table {
                    row.push(Cell::text(label));
                } else {
                    row.push(Cell::text(id));
                    row.push(
                        s.gravity
                            .as_ref()
                            .map_or(Cell::Missing, |g| Cell::Integer(g.year.into())),
                    );
                    row.push(Cell::text(s.explanation.en));
                }
            }
            _ => row.extend(std::iter::repeat_n(
                Cell::Missing,
                if table { 1 } else { 3 },
            )),
        }
        l.rows.push(row);
    }
    if table {
        l.notes.push(
            "Sources of each figure (value (year) [n]); rank 1 = statistics bureau ... 5 = low-quality page, see data/SOURCES.md:".into(),
        );
        for (k, (citation, quality)) in notes.order.iter().enumerate() {
            l.notes.push(format!("  [{}] {quality}: {citation}", k + 1));
        }
        l.notes.push(
            "n/a (no data): no sourced figure for that locality; nothing is estimated. See data/SOURCES.md for coverage.".into(),
        );
        l.notes.push(
            "Natural pair? The advisor's rule (`tandem advise PAIR` explains it): each side ranks the other in its top quarter of gravity linkage (GDP and population of the latest common year, distance between seats); not enough data when no year has GDP and population on both sides.".into(),
        );
    }
    l
}
