//! `tandem report`: the programme report as a static site (index.html, one page per pair),
//! an XLSX workbook and a JSON file, with each pair's per-capita GDP, gap and rank over time
//! from the city panel and the programme's impact from the panel's evaluation ([`impact`]).

mod impact;

use super::advise::{advisor_input, load_panel, load_park_assessments, load_weights};
use super::panel::group_members;
use super::LangArg;
use crate::context::Context;
use anyhow::Result;
use std::path::PathBuf;
use tandem_core::advisor::diagnose_all;
use tandem_core::{LocalityLevel, Pair, Province, Series};
use tandem_data::bundled::{BOUNDARIES_SIMPLIFIED_GEOJSON, SOURCES_MD};
use tandem_panel::analysis::{per_capita_series, ratio_series, YearValue};
use tandem_panel::{panel, Break, CityPanel, Member, Rules};
use tandem_report::{
    build_report, Lang, PairTrend, ReportError, ReportInput, ReportOptions, TrendBreak, Trends,
};

/// The years drawn over time.
const TREND_YEARS: (i32, i32) = (2000, 2023);

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Language of every label, heading and note.
    #[arg(long, value_enum, default_value_t = LangArg::Zh)]
    lang: LangArg,
    /// Only this pair's page (plus the programme page), by pair id (see `tandem pairs`).
    #[arg(long, value_name = "ID")]
    pair: Option<String>,
    /// Directory to write into (created if missing; files of the same names are replaced).
    #[arg(long, value_name = "DIR", default_value = "tandem-report")]
    out: PathBuf,
    /// Lay this imported dataset over the bundled data (see `tandem data list`).
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    /// Advisor weights and thresholds (TOML, as data/advisor_weights.toml).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// A sector panel `region,industry,year,value` (regions = locality ids) for comparative
    /// advantage and panel-based opportunity ranking.
    #[arg(long, value_name = "FILE")]
    panel: Option<PathBuf>,
    /// A park assessment run (`tandem assess parks --group-column PAIR --format json`): decides
    /// "park facilities and services lag" and fills the pair pages' park section; repeatable.
    #[arg(long = "assessment", value_name = "FILE")]
    assessments: Vec<PathBuf>,
    /// An industry-chain map of a pair (TOML or JSON): its gaps become "fill the chain"
    /// recommendations on the pair's page; repeatable.
    #[arg(long = "chain", value_name = "FILE")]
    chains: Vec<PathBuf>,
}

pub fn run(ctx: &Context, args: ReportArgs) -> Result<()> {
    let weights = load_weights(args.weights.as_deref())?;
    let panel = load_panel(args.panel.as_deref())?;
    let bundle = ctx.bundle();
    let observations = ctx
        .observations_with_panel(args.data.as_deref())?
        .observations;
    let parks = load_park_assessments(ctx, &args.assessments)?;
    let chains = super::chain::load_chains(ctx, &args.chains)?;
    let diagnoses = diagnose_all(&advisor_input(
        ctx,
        &observations,
        panel.as_ref(),
        &weights,
        &parks,
        &chains,
    )?)?;
    let dataset = args.data.as_deref().filter(|d| *d != "bundled");
    let trends = trends(ctx);
    // The evaluation takes a while: computed once, and not for a pair that does not exist
    // (build_report names the pairs in its error).
    let known = |p: &String| bundle.programme.pair(p).is_some();
    let impact = args
        .pair
        .as_ref()
        .is_none_or(known)
        .then(|| impact::impact(ctx));
    let input = ReportInput {
        programme: &bundle.programme,
        localities: &bundle.localities,
        observations: &observations,
        events: &bundle.events,
        diagnoses: &diagnoses,
        boundaries_geojson: BOUNDARIES_SIMPLIFIED_GEOJSON,
        sources_md: SOURCES_MD,
        dataset,
        trends: Some(&trends),
        impact: impact.as_ref(),
    };
    let opts = ReportOptions {
        lang: match args.lang {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        },
        pair: args.pair.clone(),
    };
    let summary = match build_report(&input, &opts, &args.out) {
        Ok(s) => s,
        Err(
            e @ (ReportError::UnknownPair { .. }
            | ReportError::Io { .. }
            | ReportError::Xlsx { .. }),
        ) => return Err(crate::UserError::new(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    println!(
        "Wrote the report to {}: index.html, {} pair page(s), {}, {}.",
        summary.dir.display(),
        summary.pair_pages.len(),
        tandem_report::XLSX_NAME,
        tandem_report::JSON_NAME
    );
    println!(
        "Open {} in a browser (works offline).",
        summary.index.display()
    );
    Ok(())
}

/// A locality of the bundle as a panel member (no adcode: never in the panel).
fn member(ctx: &Context, id: &str) -> Member {
    Member {
        id: id.to_string(),
        adcode: ctx.bundle().locality(id).and_then(|l| l.adcode),
    }
}

/// The per-capita GDP of a set of members over [`TREND_YEARS`] (Σ GDP / Σ population).
fn per_capita(members: &[Member]) -> Vec<YearValue> {
    per_capita_series(panel(), members, TREND_YEARS, &Rules::default())
}

/// A group's per-capita GDP over [`TREND_YEARS`] (as [`per_capita_series`]: Σ GDP / Σ
/// population over the members with both), kept only in years when at least 90 % of the
/// members have data: a value from 3 of Anhui's 16 cities (2002) is not Anhui's.
fn group_per_capita(ctx: &Context, id: &str) -> Vec<YearValue> {
    let members = group_members(ctx, id);
    let rules = Rules::default();
    (TREND_YEARS.0..=TREND_YEARS.1)
        .map(|y| {
            let v = panel().aggregate(&members, "gdp_per_capita", y, &rules);
            let covered = v.filter(|v| v.members_with_data * 10 >= members.len() * 9);
            (y, covered.and_then(|v| v.value))
        })
        .collect()
}

/// Each pair's per-capita GDP, gap and rank from the city panel (curation rules by default),
/// with the references, the series breaks and the CAUTION values set aside.
fn trends(ctx: &Context) -> Trends {
    let refs = References {
        anhui: group_per_capita(ctx, "anhui"),
        north: group_per_capita(ctx, "north-anhui"),
        shanghai: group_per_capita(ctx, "shanghai"),
        yrd: group_members(ctx, "yrd41"),
    };
    let programme = &ctx.bundle().programme;
    Trends {
        pairs: programme
            .pairs
            .iter()
            .map(|p| pair_trend(ctx, p, &refs))
            .collect(),
        breaks: breaks(panel()),
        programme_start: programme.start_year,
        years: TREND_YEARS,
        excluded_caution: excluded_caution(panel(), &refs.yrd),
        note_en: "Per-capita GDP = Σ GDP / Σ year-end resident population (yuan, derived from the chosen first-release GDP; official figures use the average population: the median city differs by under 1 %, single cities by up to ±30 % in 2010-2019, where the year-end population is partly revised to the 2020 census), from the city panel (data/city_panel/README.md). Anhui and northern Anhui are shown only in years when at least 90 % of their cities have both (15 of 16; all 6). The CAUTION count covers the GDP and resident-population values of the 41 YRD cities (every city and group drawn is among them; the district helpers are not in the panel), 2000–2023, each value counted once.".into(),
        note_zh: "人均 GDP = Σ 地区生产总值 / Σ 年末常住人口（元，按所选首次公布 GDP 推算；官方人均 GDP 用年平均人口：中位城市相差不到 1%，2010-2019 年个别城市因年末人口部分按 2020 年普查修订而相差可达 ±30%），数据取自城市面板（data/city_panel/README.md）。安徽省和皖北只在至少 90% 的成员城市两项都有数据的年份显示（16 市中至少 15 个；皖北 6 市全部）。CAUTION 计数范围：长三角 41 市（图中所有城市和城市组都在其中；支援方的三个区不在面板中）2000–2023 年的 GDP 与常住人口数值，每个数值只计一次。".into(),
    }
}

/// The series every pair shares, and the cities ranked.
struct References {
    anhui: Vec<YearValue>,
    north: Vec<YearValue>,
    shanghai: Vec<YearValue>,
    yrd: Vec<Member>,
}

/// Whether a locality is one of Shanghai's districts (compared with the municipality).
fn shanghai_district(ctx: &Context, id: &str) -> bool {
    ctx.bundle()
        .locality(id)
        .is_some_and(|l| l.level == LocalityLevel::District && l.province == Province::Shanghai)
}

fn pair_trend(ctx: &Context, pair: &Pair, refs: &References) -> PairTrend {
    let helper_pc = per_capita(&[member(ctx, &pair.helper)]);
    let helped = member(ctx, &pair.helped);
    let helped_pc = per_capita(std::slice::from_ref(&helped));
    let rules = Rules::default();
    let helped_rank_yrd41 = (TREND_YEARS.0..=TREND_YEARS.1)
        .map(|y| {
            let r = panel().rank_in(&helped, &refs.yrd, y, &rules);
            (y, r.map(|r| (r.rank, r.n)))
        })
        .collect();
    PairTrend {
        pair_id: pair.id.clone(),
        gap: ratio_series(&helper_pc, &helped_pc),
        helper_pc,
        helped_pc,
        anhui_pc: refs.anhui.clone(),
        north_anhui_pc: refs.north.clone(),
        shanghai_pc: shanghai_district(ctx, &pair.helper).then(|| refs.shanghai.clone()),
        helped_rank_yrd41,
    }
}

/// A short label of a break for a chart marker (English, Chinese).
fn break_label(b: &Break) -> (String, String) {
    match b.id.as_str() {
        "econ-census-2018" => ("2018 economic census".into(), "2018年经济普查".into()),
        "pop-census-2020" => ("2020 population census".into(), "2020年人口普查".into()),
        _ => (
            format!("{} {}", b.kind, b.first_year_after),
            format!("{}年口径变化", b.first_year_after),
        ),
    }
}

/// The breaks of derived per-capita GDP over [`TREND_YEARS`].
fn breaks(p: &CityPanel) -> Vec<TrendBreak> {
    let (from, to) = TREND_YEARS;
    p.breaks_for_chart("gdp_per_capita", &[Series::Derived], from, to)
        .into_iter()
        .map(|b| {
            let (label_en, label_zh) = break_label(b);
            TrendBreak {
                last_year_before: b.last_year_before,
                first_year_after: b.first_year_after,
                label_en,
                label_zh,
            }
        })
        .collect()
}

/// CAUTION values set aside in the per-capita inputs (GDP, resident population) of the YRD's
/// 41 cities over [`TREND_YEARS`], each cell once: every city and group drawn is among them
/// (the district helpers are not in the panel).
fn excluded_caution(p: &CityPanel, yrd: &[Member]) -> usize {
    let rules = Rules::default();
    yrd.iter()
        .flat_map(|u| (TREND_YEARS.0..=TREND_YEARS.1).map(move |y| (u, y)))
        .filter_map(|(u, y)| p.aggregate(std::slice::from_ref(u), "gdp_per_capita", y, &rules))
        .map(|v| v.excluded_caution)
        .sum()
}
