//! `tandem panel`: values of the long city panel for localities or groups, with their
//! series, source and the curation rules' exclusions.

mod analysis;
mod source;

pub use analysis::{all_cities, group_members};
pub use source::PanelSource;

use super::ListingArgs;
use crate::context::Context;
use crate::output::{write_text, Cell, Format, Listing};
use crate::user_bail;
use analysis::Analysis;
use anyhow::Result;
use std::path::PathBuf;
use tandem_core::{indicator, Locality, Series};
use tandem_data::resolve::LocalityResolver;
use tandem_panel::{CityPanel, Groups, Member, PanelValue, Rules};

#[derive(clap::Args, Debug)]
pub struct PanelArgs {
    #[command(flatten)]
    listing: ListingArgs,
    /// Localities by id, name or GB/T 2260 code (comma-separated or repeated): js-suzhou, 宿州, 341300.
    #[arg(long, value_delimiter = ',', value_name = "LOCALITY")]
    locality: Vec<String>,
    /// Groups (comma-separated or repeated): yrd41, shanghai, jiangsu, zhejiang, anhui,
    /// north-anhui, helped, helpers, or one of --groups FILE.
    #[arg(long, value_delimiter = ',', value_name = "GROUP")]
    group: Vec<String>,
    /// A file of your own groups (layout of data/city_panel/groups.toml).
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// Indicators (comma-separated): gdp, va_primary, va_secondary, va_tertiary,
    /// gdp_per_capita, population_resident, population_registered, employment_units,
    /// fdi_utilised; for groups also share_primary, share_secondary, share_tertiary.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "gdp,gdp_per_capita,population_resident"
    )]
    indicator: Vec<String>,
    /// Years, as FROM-TO or one year.
    #[arg(long, default_value = "2000-2023", value_parser = parse_years)]
    years: (i32, i32),
    /// Use only this series: first_release, revised, census_based, derived (default: every
    /// series but revised, chosen by the curation rules).
    #[arg(long, value_parser = parse_series)]
    series: Option<Series>,
    /// Admit values flagged CAUTION (excluded and counted by default).
    #[arg(long)]
    include_caution: bool,
    /// List every value of every source for each cell, with which one the rules chose.
    #[arg(long, conflicts_with = "group")]
    alternates: bool,
    /// Lay this imported dataset (see `tandem data list`) over the panel: its values win
    /// their cells, as with --data elsewhere.
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    /// Run an analysis over time instead of listing values (uses --years and the rules).
    #[arg(long, value_enum, conflicts_with_all = ["locality", "group", "alternates"])]
    analysis: Option<Analysis>,
}

fn parse_years(text: &str) -> Result<(i32, i32), String> {
    let bad = || format!("{text:?} is not a year or FROM-TO (e.g. 2005-2023)");
    let (a, b) = text.split_once('-').unwrap_or((text, text));
    let (a, b): (i32, i32) = (
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    );
    if a > b || !(1949..=2100).contains(&a) || !(1949..=2100).contains(&b) {
        return Err(bad());
    }
    Ok((a, b))
}

fn parse_series(text: &str) -> Result<Series, String> {
    Series::parse(text)
        .filter(|s| *s != Series::Unspecified)
        .ok_or_else(|| {
            format!("{text:?}: expected first_release, revised, census_based or derived")
        })
}

pub fn run(ctx: &Context, args: PanelArgs) -> Result<()> {
    for id in &args.indicator {
        if indicator(id).is_none() {
            user_bail!(
                "unknown indicator {id:?}; see `tandem panel --help` for the panel's indicators"
            );
        }
    }
    let rules = Rules {
        include_caution: args.include_caution,
        series: args.series,
    };
    let source = PanelSource::load(ctx, args.data.as_deref())?;
    let (mut listing, caution_excluded) = match (
        args.analysis,
        args.locality.is_empty(),
        args.group.is_empty(),
    ) {
        (Some(kind), ..) => {
            let (listing, excluded) = analysis::listing(ctx, &source, kind, args.years, &rules);
            (listing, Some(excluded))
        }
        (None, false, true) => locality_listing(ctx, &source, &args, &rules)?,
        (None, true, false) => group_listing(ctx, &source, &args, &rules)?,
        (None, false, false) => {
            user_bail!("name localities or groups, not both (run the command twice)")
        }
        (None, true, true) => user_bail!(
            "name what to list: --locality (e.g. --locality ah-huainan,js-nanjing), --group (one of {}) or --analysis",
            group_ids(&Groups::builtin())
        ),
    };
    if let PanelSource::Overlaid(_, skipped) = &source {
        listing.notes.push(format!(
            "Dataset {} laid over the panel (its values win their cells); {skipped} of its values have no panel cell (districts, aggregates or indicators the panel lacks) and are not shown here.",
            args.data.as_deref().unwrap_or_default()
        ));
    }
    if args.listing.format == Format::Json {
        let json = serde_json::json!({
            "title": listing.title,
            "rows": listing.json_rows(),
            "caution_excluded": caution_excluded,
            "notes": listing.notes,
        });
        let text = serde_json::to_string_pretty(&json)? + "\n";
        return write_text(&text, args.listing.out.as_deref());
    }
    listing.write(args.listing.format, args.listing.out.as_deref())
}

fn group_ids(groups: &Groups) -> String {
    groups
        .all()
        .iter()
        .map(|g| g.id.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn years(args: &PanelArgs) -> impl Iterator<Item = i32> {
    args.years.0..=args.years.1
}

/// A listing and the number of `CAUTION` values its rules set aside.
type Counted = (Listing, Option<usize>);

fn locality_listing(
    ctx: &Context,
    source: &PanelSource,
    args: &PanelArgs,
    rules: &Rules,
) -> Result<Counted> {
    let resolver = LocalityResolver::new(ctx.localities());
    let mut places: Vec<&Locality> = Vec::new();
    for name in &args.locality {
        places.push(
            resolver
                .resolve(name)
                .map_err(|e| crate::UserError::new(e.to_string()))?,
        );
    }
    let p = source.panel();
    let mut l = Listing::new(title("localities", args));
    locality_columns(&mut l, args.alternates);
    let mut excluded = 0;
    for place in &places {
        let Some(code) = place.adcode else { continue };
        for ind in &args.indicator {
            for year in years(args) {
                let cell = p.cell(code, ind, year);
                let choice = p.choose_among(cell, rules);
                excluded += choice.excluded_caution;
                if args.alternates {
                    for v in cell {
                        let tag = if choice.chosen == Some(v) {
                            "chosen"
                        } else if p.note_of(v).caution {
                            "caution"
                        } else {
                            "alternate"
                        };
                        // 1 on the row of a value the rules set aside as CAUTION, so the
                        // column sums to the cell's count.
                        let set_aside = p
                            .choose_among(std::slice::from_ref(v), rules)
                            .excluded_caution;
                        let mut row = value_row(p, place, ind, year, Some(v), Some(tag));
                        row.push(Cell::Integer(set_aside as i64));
                        l.rows.push(row);
                    }
                } else {
                    let mut row = value_row(p, place, ind, year, choice.chosen, None);
                    row.push(Cell::Integer(choice.excluded_caution as i64));
                    l.rows.push(row);
                }
            }
        }
    }
    finish_notes(&mut l, p, args, excluded);
    Ok((l, Some(excluded)))
}

fn locality_columns(l: &mut Listing, alternates: bool) {
    l.machine_column("locality_id")
        .column("locality", "Locality")
        .column("year", "Year")
        .column("indicator", "Indicator")
        .column("value", "Value")
        .column("unit", "Unit")
        .column("series", "Series")
        .column("derived", "Derived")
        .column("source", "Source")
        .column("source_rank", "Rank");
    if alternates {
        l.column("choice", "Choice");
    }
    l.machine_column("note")
        .machine_column("citation")
        .machine_column("caution_excluded");
}

fn value_row(
    p: &CityPanel,
    place: &Locality,
    ind: &str,
    year: i32,
    v: Option<&PanelValue>,
    tag: Option<&str>,
) -> Vec<Cell> {
    let unit = indicator(ind).map_or(String::new(), |i| i.unit.code().to_string());
    let decimals = if ind == "gdp_per_capita" { 0 } else { 2 };
    let mut row = vec![
        Cell::text(&place.id),
        Cell::text(format!(
            "{} {}",
            place.short_name_zh(),
            place.short_name_en()
        )),
        Cell::Integer(year.into()),
        Cell::text(ind),
        Cell::opt_number(v.map(|v| v.value), decimals),
        Cell::text(unit),
    ];
    match v {
        Some(v) => {
            let s = p.source_of(v);
            row.extend([
                Cell::text(s.series.id()),
                Cell::text(if s.derived() { "derived" } else { "" }),
                Cell::text(&s.id),
                Cell::Integer(s.rank.into()),
            ]);
        }
        None => row.extend([Cell::Missing, Cell::Missing, Cell::Missing, Cell::Missing]),
    }
    if let Some(tag) = tag {
        row.push(Cell::text(tag));
    }
    row.push(v.map_or(Cell::Missing, |v| Cell::text(&p.note_of(v).text)));
    row.push(v.map_or(Cell::Missing, |v| Cell::text(&p.source_of(v).citation)));
    row
}

fn group_listing(
    ctx: &Context,
    source: &PanelSource,
    args: &PanelArgs,
    rules: &Rules,
) -> Result<Counted> {
    let mut groups = Groups::builtin();
    if let Some(path) = &args.groups {
        groups = groups
            .with_file(path)
            .map_err(|e| crate::UserError::new(e.to_string()))?;
    }
    let p = source.panel();
    let mut l = Listing::new(title("groups", args));
    l.column("group", "Group")
        .column("year", "Year")
        .column("indicator", "Indicator")
        .column("value", "Value")
        .column("members", "Members with data")
        .column("missing", "Missing")
        .column("derived", "Derived")
        .machine_column("caution_excluded");
    let mut excluded = 0;
    for id in &args.group {
        let Some(group) = groups.get(id) else {
            user_bail!("unknown group {id:?}; known: {}", group_ids(&groups));
        };
        let members: Vec<Member> = group
            .members
            .iter()
            .map(|m| Member {
                id: m.clone(),
                adcode: ctx.bundle().locality(m).and_then(|l| l.adcode),
            })
            .collect();
        for ind in &args.indicator {
            for year in years(args) {
                let Some(v) = p.aggregate(&members, ind, year, rules) else {
                    user_bail!("{ind} does not aggregate over a group (levels are summed, per-capita and shares are ratios of sums; rates are not)");
                };
                excluded += v.excluded_caution;
                l.rows.push(vec![
                    Cell::text(&group.id),
                    Cell::Integer(year.into()),
                    Cell::text(ind),
                    Cell::opt_number(v.value, 2),
                    Cell::Integer(v.members_with_data as i64),
                    Cell::text(v.missing.join(" ")),
                    Cell::text(if v.derived && v.value.is_some() {
                        "derived"
                    } else {
                        ""
                    }),
                    Cell::Integer(v.excluded_caution as i64),
                ]);
            }
        }
    }
    finish_notes(&mut l, p, args, excluded);
    l.notes.push("Group values: levels are sums, given only when every member has a value; per-capita GDP (Σ GDP / Σ resident population) and shares (Σ value added / Σ GDP) are derived, over the members with both, and labelled so (derived). members = members with data; missing = the others; caution_excluded = CAUTION values set aside for the row.".into());
    Ok((l, Some(excluded)))
}

fn title(what: &str, args: &PanelArgs) -> String {
    let series = args.series.map_or(
        "chosen by the curation rules (every series but revised)".to_string(),
        |s| format!("{} series only", s.label_en()),
    );
    format!("City panel, {what}, {}-{}: values {series}. Money in 亿元 (100 million yuan) except per-capita GDP (yuan) and FDI (million USD); population in 万人.", args.years.0, args.years.1)
}

fn finish_notes(l: &mut Listing, p: &CityPanel, args: &PanelArgs, excluded: usize) {
    let admitted = if args.include_caution {
        "admitted (--include-caution)"
    } else {
        "excluded (--include-caution admits them)"
    };
    l.notes
        .push(format!("{excluded} values flagged CAUTION {admitted}."));
    let series: Vec<Series> = args.series.map_or(Series::ALL.to_vec(), |s| vec![s]);
    for ind in &args.indicator {
        for b in p.breaks_for_chart(ind, &series, args.years.0, args.years.1) {
            l.notes.push(format!(
                "Series break {} ({}→{}) in {ind}: {}",
                b.id, b.last_year_before, b.first_year_after, b.en
            ));
        }
    }
    l.notes.push("Sources: A, A2 = CSMAR extracts of the China City Statistical Yearbook; B-E = vendor compilations; F = bulletin and press pages; DER = derived. All are official figures from secondary compilations, ranked below a statistics bureau's own release; see data/city_panel/README.md. Import licensed yearbooks over them with `tandem data import`.".into());
}
