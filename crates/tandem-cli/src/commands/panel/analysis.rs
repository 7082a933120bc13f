//! `tandem panel --analysis KIND`: the analyses over time (tandem_panel::analysis) as
//! listings. Per-capita GDP is Σ GDP / Σ resident population for cities and groups alike
//! (derived); every listing names the series breaks of its years.

use crate::context::Context;
use crate::output::{Cell, Listing};
use tandem_core::LocalityLevel;
use tandem_panel::analysis::{per_capita_series, ratio_series, stage_transitions};
use tandem_panel::{panel, CityPanel, Groups, Member, Rules};

/// Which analysis.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Analysis {
    /// Each pair's per-capita GDP, the gap (helper / helped) and the helped city against
    /// Anhui and northern Anhui, by year.
    Gaps,
    /// Beta-convergence regressions (helped with helpers, Anhui, the YRD 41, all cities) in
    /// each window between series breaks.
    Beta,
    /// Sigma-convergence: dispersion of log per-capita GDP by year, and the helped cities'
    /// gap to their helpers, Anhui and the YRD.
    Sigma,
    /// Each helped city's rank and percentile among the YRD 41 and all cities, by year.
    Rank,
    /// Sector shares and industrialisation stage of the 16 localities by year.
    Structure,
    /// Theil T by year, decomposed between and within provinces (YRD 41) and between and
    /// within helpers and helped.
    Theil,
}

/// Members of a built-in group, with their adcodes.
pub fn group_members(ctx: &Context, id: &str) -> Vec<Member> {
    let bundle = ctx.bundle();
    Groups::builtin().get(id).map_or_else(Vec::new, |g| {
        g.members
            .iter()
            .map(|m| Member {
                id: m.clone(),
                adcode: bundle.locality(m).and_then(|l| l.adcode),
            })
            .collect()
    })
}

/// Every prefecture-level city of the panel (aggregates and the abolished Chaohu excluded).
pub fn all_cities(ctx: &Context) -> Vec<Member> {
    let codes = panel().adcodes();
    ctx.localities()
        .iter()
        .filter(|l| {
            matches!(
                l.level,
                LocalityLevel::Prefecture | LocalityLevel::ProvinceLevelCity
            )
        })
        .filter(|l| {
            l.adcode
                .is_some_and(|c| codes.binary_search(&c).is_ok() && c != 341400)
        })
        .map(|l| Member {
            id: l.id.clone(),
            adcode: l.adcode,
        })
        .collect()
}

/// The units and indicators whose cells an analysis reads (for its `CAUTION` count).
fn inputs(ctx: &Context, kind: Analysis) -> (Vec<Member>, &'static [&'static str]) {
    const PER_CAPITA: &[&str] = &["gdp", "population_resident"];
    const STRUCTURE: &[&str] = &[
        "va_primary",
        "va_secondary",
        "va_tertiary",
        "gdp",
        "population_resident",
    ];
    let groups =
        |ids: &[&str]| -> Vec<Member> { ids.iter().flat_map(|g| group_members(ctx, g)).collect() };
    match kind {
        Analysis::Gaps => (
            groups(&["helpers", "helped", "anhui", "north-anhui"]),
            PER_CAPITA,
        ),
        Analysis::Beta | Analysis::Sigma | Analysis::Rank => {
            let mut units = groups(&["helpers", "helped", "anhui", "yrd41"]);
            units.extend(all_cities(ctx));
            (units, PER_CAPITA)
        }
        Analysis::Structure => (groups(&["helpers", "helped"]), STRUCTURE),
        Analysis::Theil => (groups(&["yrd41", "helpers", "helped"]), PER_CAPITA),
    }
}

/// The listing of one analysis over `years`, and the `CAUTION` values set aside in the cells
/// it read.
pub fn listing(
    ctx: &Context,
    source: &super::source::PanelSource,
    kind: Analysis,
    years: (i32, i32),
    rules: &Rules,
) -> (Listing, usize) {
    let p = source.panel();
    let mut l = match kind {
        Analysis::Gaps => gaps(ctx, p, years, rules),
        Analysis::Beta => beta(ctx, p, years, rules),
        Analysis::Sigma => sigma(ctx, p, years, rules),
        Analysis::Rank => rank(ctx, p, years, rules),
        Analysis::Structure => structure(ctx, p, years, rules),
        Analysis::Theil => theil(ctx, p, years, rules),
    };
    for b in p.breaks_for_chart(
        "gdp_per_capita",
        &[tandem_core::Series::Derived],
        years.0,
        years.1,
    ) {
        l.notes.push(format!(
            "Series break {} ({}→{}): {}",
            b.id, b.last_year_before, b.first_year_after, b.en
        ));
    }
    let (units, indicators) = inputs(ctx, kind);
    let excluded = p.caution_excluded_in(&units, indicators, years, rules);
    let admitted = if rules.include_caution {
        "admitted (--include-caution)"
    } else {
        "excluded (--include-caution admits them)"
    };
    l.notes.push(format!(
        "{excluded} values flagged CAUTION {admitted} among the cells read ({} of the units, {}-{}).",
        indicators.join(", "),
        years.0,
        years.1
    ));
    l.notes.push("Per-capita GDP = Σ GDP / Σ year-end resident population (yuan, derived; official figures use the average population: the median city differs by under 1 %, single cities by up to ±30 % in 2010-2019, where the year-end population is partly revised to the 2020 census). Source: the city panel, data/city_panel/README.md.".into());
    (l, excluded)
}

fn num(v: Option<f64>, d: usize) -> Cell {
    Cell::opt_number(v.filter(|x| x.is_finite()), d)
}

fn gaps(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new(format!(
        "Per-capita GDP gap of each pair, {}-{} (yuan; gap = helper / helped)",
        years.0, years.1
    ));
    for (k, label) in [
        ("pair_id", "Pair"),
        ("year", "Year"),
        ("helper", "Helper"),
        ("helped", "Helped"),
        ("gap", "Gap"),
        ("anhui", "Anhui"),
        ("north_anhui", "N. Anhui"),
        ("helped_vs_anhui", "Helped/Anhui"),
    ] {
        l.column(k, label);
    }
    let anhui = per_capita_series(p, &group_members(ctx, "anhui"), years, rules);
    let north = per_capita_series(p, &group_members(ctx, "north-anhui"), years, rules);
    let bundle = ctx.bundle();
    for pair in &bundle.programme.pairs {
        let one = |id: &str| {
            vec![Member {
                id: id.to_string(),
                adcode: bundle.locality(id).and_then(|l| l.adcode),
            }]
        };
        let helper = per_capita_series(p, &one(&pair.helper), years, rules);
        let helped = per_capita_series(p, &one(&pair.helped), years, rules);
        let gap = ratio_series(&helper, &helped);
        let to_anhui = ratio_series(&helped, &anhui);
        for i in 0..helper.len() {
            l.rows.push(vec![
                Cell::text(&pair.id),
                Cell::Integer(helper[i].0.into()),
                num(helper[i].1, 0),
                num(helped[i].1, 0),
                num(gap[i].1, 3),
                num(anhui[i].1, 0),
                num(north[i].1, 0),
                num(to_anhui[i].1, 3),
            ]);
        }
    }
    l
}

fn samples(ctx: &Context) -> Vec<(&'static str, Vec<Member>)> {
    let mut helped_helpers = group_members(ctx, "helped");
    helped_helpers.extend(group_members(ctx, "helpers"));
    vec![
        ("helped+helpers", helped_helpers),
        ("anhui", group_members(ctx, "anhui")),
        ("yrd41", group_members(ctx, "yrd41")),
        ("all", all_cities(ctx)),
    ]
}

fn beta(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new("Absolute beta-convergence of per-capita GDP: (ln y_T - ln y_0)/T = a + b ln y_0 + e, OLS (Barro and Sala-i-Martin 1992), in each window between series breaks");
    for (k, label) in [
        ("sample", "Sample"),
        ("window", "Window"),
        ("term", "Term"),
        ("estimate", "Estimate"),
        ("std_error", "Std. error"),
        ("t", "t"),
        ("p", "p"),
        ("n", "n"),
        ("r_squared", "R²"),
        ("speed", "λ/yr"),
        ("half_life", "Half-life"),
    ] {
        l.column(k, label);
    }
    l.machine_column("missing");
    for window in p
        .consistent_windows(years)
        .into_iter()
        .filter(|(a, b)| b - a >= 2)
    {
        for (name, units) in samples(ctx) {
            let w = format!("{}-{}", window.0, window.1);
            match p.beta(&units, window, rules) {
                Ok(b) => {
                    for (term, c) in [("intercept", &b.table.intercept), ("ln y0", &b.table.slope)]
                    {
                        l.rows.push(vec![
                            Cell::text(name),
                            Cell::text(&w),
                            Cell::text(term),
                            num(Some(c.estimate), 5),
                            num(Some(c.std_error), 5),
                            num(Some(c.t_value), 2),
                            num(Some(c.p_value), 4),
                            Cell::Integer(b.table.n as i64),
                            num(Some(b.table.r_squared), 3),
                            num(b.table.speed, 4),
                            num(b.table.half_life, 1),
                            Cell::text(b.missing.join(" ")),
                        ]);
                    }
                }
                Err(e) => l.notes.push(format!("{name} {w}: not estimated: {e}")),
            }
        }
    }
    l.notes.push("b < 0 with a small p: poorer units grew faster (convergence). λ = -ln(1 + bT)/T; half-life = ln 2 / λ. Beta-convergence does not imply falling dispersion: see --analysis sigma.".into());
    l
}

fn sigma(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new("Sigma-convergence: standard deviation of log per-capita GDP across each sample (balanced: units with data in every year of the window), and the helped cities' per-capita GDP relative to their references");
    for (k, label) in [
        ("sample", "Sample"),
        ("year", "Year"),
        ("n", "n"),
        ("sd_log", "SD ln y"),
        ("cv", "CV"),
        ("trend", "Window trend/yr"),
        ("trend_p", "p"),
    ] {
        l.column(k, label);
    }
    for window in p
        .consistent_windows(years)
        .into_iter()
        .filter(|(a, b)| b - a >= 2)
    {
        for (name, units) in samples(ctx) {
            let Ok((s, _dropped)) = p.sigma(&units, window, rules) else {
                continue;
            };
            for y in &s.years {
                l.rows.push(vec![
                    Cell::text(name),
                    Cell::Integer(y.year.into()),
                    Cell::Integer(y.n as i64),
                    num(Some(y.sd_log), 4),
                    num(Some(y.cv), 4),
                    num(Some(s.trend_slope.estimate), 5),
                    num(Some(s.trend_slope.p_value), 4),
                ]);
            }
        }
    }
    let helped = per_capita_series(p, &group_members(ctx, "helped"), years, rules);
    for reference in ["helpers", "anhui", "yrd41"] {
        let r = per_capita_series(p, &group_members(ctx, reference), years, rules);
        let line: Vec<String> = ratio_series(&helped, &r)
            .iter()
            .filter_map(|(y, v)| v.map(|v| format!("{y}: {v:.3}")))
            .collect();
        l.notes.push(format!(
            "Helped cities / {reference} (ratio of per-capita GDP): {}",
            line.join(", ")
        ));
    }
    l
}

fn rank(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new("Rank of each helped city's per-capita GDP (1 = highest; percentile = share of the other cities below it)");
    for (k, label) in [
        ("locality_id", "Helped city"),
        ("year", "Year"),
        ("rank_yrd41", "Rank YRD41"),
        ("n_yrd41", "of"),
        ("percentile_yrd41", "Pctl YRD41"),
        ("rank_all", "Rank all"),
        ("n_all", "of"),
        ("percentile_all", "Pctl all"),
    ] {
        l.column(k, label);
    }
    let (yrd, all) = (group_members(ctx, "yrd41"), all_cities(ctx));
    for city in group_members(ctx, "helped") {
        for year in years.0..=years.1 {
            let mut row = vec![Cell::text(&city.id), Cell::Integer(year.into())];
            for among in [&yrd, &all] {
                let r = p.rank_in(&city, among, year, rules);
                row.push(
                    r.as_ref()
                        .map_or(Cell::Missing, |r| Cell::Integer(r.rank as i64)),
                );
                row.push(
                    r.as_ref()
                        .map_or(Cell::Missing, |r| Cell::Integer(r.n as i64)),
                );
                row.push(num(r.and_then(|r| r.percentile), 1));
            }
            l.rows.push(row);
        }
    }
    l
}

fn structure(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new("Sector shares (% of the three sectors' sum) and industrialisation stage (陈佳贵 et al. 2006; sector structure, plus per-capita GDP in 2005 USD where the year has conversion constants)");
    for (k, label) in [
        ("locality_id", "Locality"),
        ("year", "Year"),
        ("primary", "Primary %"),
        ("secondary", "Secondary %"),
        ("tertiary", "Tertiary %"),
        ("stage", "Stage"),
        ("score", "Score"),
        ("criteria", "Criteria"),
        ("transition", "Transition"),
    ] {
        l.column(k, label);
    }
    let mut units = group_members(ctx, "helpers");
    units.extend(group_members(ctx, "helped"));
    for unit in units {
        let by_year: Vec<_> = (years.0..=years.1)
            .filter_map(|y| p.structure_in(&unit, y, rules))
            .collect();
        let changes = stage_transitions(&by_year);
        for s in &by_year {
            let change = changes.iter().find(|(y, _, _)| *y == s.year);
            l.rows.push(vec![
                Cell::text(&unit.id),
                Cell::Integer(s.year.into()),
                num(Some(s.shares[0]), 1),
                num(Some(s.shares[1]), 1),
                num(Some(s.shares[2]), 1),
                Cell::text(s.stage.label()),
                num(Some(s.score), 1),
                Cell::Integer(s.criteria as i64),
                Cell::text(change.map_or(String::new(), |(_, from, to)| {
                    format!("{} → {}", from.label(), to.label())
                })),
            ]);
        }
    }
    l
}

fn theil(ctx: &Context, p: &CityPanel, years: (i32, i32), rules: &Rules) -> Listing {
    let mut l = Listing::new("Theil T of per-capita GDP by year (population-weighted; Shorrocks 1980): total = between + within");
    for (k, label) in [
        ("partition", "Partition"),
        ("year", "Year"),
        ("n", "n"),
        ("total", "Total"),
        ("between", "Between"),
        ("within", "Within"),
        ("between_share", "Between %"),
    ] {
        l.column(k, label);
    }
    l.machine_column("missing");
    let yrd = group_members(ctx, "yrd41");
    let by_province: Vec<usize> = yrd
        .iter()
        .map(|m| {
            ["sh", "js", "zj", "ah"]
                .iter()
                .position(|p| m.id.starts_with(p))
                .unwrap_or(4)
        })
        .collect();
    let mut sides = group_members(ctx, "helpers");
    let helpers = sides.len();
    sides.extend(group_members(ctx, "helped"));
    let by_side: Vec<usize> = (0..sides.len())
        .map(|i| usize::from(i >= helpers))
        .collect();
    for (name, units, labels) in [
        ("yrd41 by province", &yrd, &by_province),
        ("helpers | helped", &sides, &by_side),
    ] {
        for year in years.0..=years.1 {
            let (t, missing) = p.theil_in(units, labels, year, rules);
            let n = units.len() - missing.len();
            l.rows.push(vec![
                Cell::text(name),
                Cell::Integer(year.into()),
                Cell::Integer(n as i64),
                num(t.as_ref().map(|t| t.total), 4),
                num(t.as_ref().map(|t| t.between), 4),
                num(t.as_ref().map(|t| t.within), 4),
                num(t.as_ref().map(|t| t.between / t.total * 100.0), 1),
                Cell::text(missing.join(" ")),
            ]);
        }
    }
    l
}
