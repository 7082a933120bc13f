//! `tandem advise PAIR`: the advisor's diagnosis of one pair and its top opportunities, as
//! terminal text (`--lang zh|en`) or JSON (the `PairDiagnosis` structure).

use super::{resolve_pair, LangArg};
use crate::context::Context;
use anyhow::{Context as _, Result};
use std::fmt::Write as _;
use std::path::PathBuf;
use tandem_core::advisor::{
    diagnose_pair, AdvisorInput, Lang, NaturalPairVerdict, PairDiagnosis, ParkAssessment,
    RelationKind, Text, Verdict, Weights,
};
use tandem_core::figures::Figure;
use tandem_core::Classification;

/// The default weights, with their justification (data/advisor_weights.toml).
pub const DEFAULT_WEIGHTS_TOML: &str = tandem_data::bundled::ADVISOR_WEIGHTS_TOML;

/// Output format of `tandem advise`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AdviseFormat {
    /// Readable text for the terminal.
    Text,
    /// The whole diagnosis as JSON.
    Json,
}

#[derive(clap::Args, Debug)]
pub struct AdviseArgs {
    /// The pair: its id (pair-xuzhou-huaibei) or either locality's id or name (徐州, Huaibei).
    pair: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = AdviseFormat::Text)]
    format: AdviseFormat,
    /// Language of the text output.
    #[arg(long, value_enum, default_value_t = LangArg::En)]
    lang: LangArg,
    /// Lay this imported dataset over the bundled data (see `tandem data list`).
    #[arg(long, value_name = "DATASET")]
    data: Option<String>,
    /// Weights and thresholds (TOML, as data/advisor_weights.toml; missing keys keep defaults).
    #[arg(long, value_name = "FILE")]
    weights: Option<PathBuf>,
    /// How many opportunities to show (overrides the weights file).
    #[arg(long, value_name = "N")]
    top: Option<usize>,
    /// A sector panel `region,industry,year,value` (regions = locality ids, any industry
    /// classification): adds comparative advantage and ranks the panel's industries.
    #[arg(long, value_name = "FILE")]
    panel: Option<PathBuf>,
    /// A park assessment run (`tandem assess parks --group-column PAIR --format json`), whose
    /// parks decide "park facilities and services lag"; repeat for several years or schemes.
    #[arg(long = "assessment", value_name = "FILE")]
    assessments: Vec<PathBuf>,
    /// An industry-chain map of the pair (TOML or JSON, as for `tandem chain gaps`, on the
    /// 42-sector table): its gaps become "fill the chain" recommendations; repeatable.
    #[arg(long = "chain", value_name = "FILE")]
    chains: Vec<PathBuf>,
}

/// Parses a weights file's text; the message names the file and the TOML error.
pub fn parse_weights(text: &str, origin: &str) -> Result<Weights> {
    let w: Weights = toml::from_str(text)
        .map_err(|e| crate::UserError::new(format!("weights file {origin}: {e}")))?;
    w.validate()
        .map_err(|e| crate::UserError::new(format!("weights file {origin}: {e}")))?;
    Ok(w)
}

/// The weights in `path`, or the defaults of data/advisor_weights.toml.
pub fn load_weights(path: Option<&std::path::Path>) -> Result<Weights> {
    match path {
        None => parse_weights(DEFAULT_WEIGHTS_TOML, "data/advisor_weights.toml"),
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                crate::UserError::new(format!("cannot read weights file {}: {e}", path.display()))
            })?;
            parse_weights(&text, &path.display().to_string())
        }
    }
}

/// The advisor's input: the bundled programme, events, leading industries and 2020
/// 42-sector table, with the given observations, panel, weights and park assessments.
pub fn advisor_input<'a>(
    ctx: &Context,
    observations: &'a [tandem_core::Observation],
    panel: Option<&'a tandem_core::Panel>,
    weights: &'a Weights,
    park_assessments: &'a [ParkAssessment],
    chains: &'a [tandem_core::chain::Chain],
) -> Result<AdvisorInput<'a>> {
    let bundle = ctx.bundle();
    let table = bundle
        .io_table(2020, &Classification::Io42)
        .context("the bundled 2020 42-sector input-output table is missing (build defect)")?;
    Ok(AdvisorInput {
        localities: &bundle.localities,
        programme: &bundle.programme,
        observations,
        events: &bundle.events,
        leading_industries: &bundle.leading_industries,
        io_table: table,
        panel,
        weights,
        park_assessments,
        chains,
        records: &tandem_core::advisor::NO_RECORDS,
    })
}

/// The largest assessment run file read (a run of 50,000 units with ten indicators is about
/// 40 MB of JSON).
const MAX_ASSESSMENT_BYTES: u64 = 128 << 20;

/// The parks of the park assessment runs in `paths`, each park's group resolved to a
/// programme pair (a pair id, or either city's id or name).
pub fn load_park_assessments(ctx: &Context, paths: &[PathBuf]) -> Result<Vec<ParkAssessment>> {
    let mut all = Vec::new();
    for path in paths {
        let what = path.display();
        let text = super::input::read_text(path, "the assessment", MAX_ASSESSMENT_BYTES)?;
        let run: tandem_assess::Assessment = serde_json::from_str(&text).map_err(|e| {
            crate::UserError::new(format!(
                "assessment {what} is not a run written by `tandem assess ... --format json`: {e}"
            ))
        })?;
        let parks = tandem_assess::park_assessments(&run)
            .map_err(|e| crate::UserError::new(format!("assessment {what}: {e}")))?;
        for mut p in parks {
            p.pair_id = resolve_pair(ctx, &p.pair_id).map_err(|e| {
                crate::UserError::new(format!("assessment {what}, park {}: {e}", p.park))
            })?;
            all.push(p);
        }
    }
    Ok(all)
}

/// The user's sector panel for comparative advantage and relatedness, if one is given.
pub fn load_panel(path: Option<&std::path::Path>) -> Result<Option<tandem_core::Panel>> {
    path.map(super::metrics::read_panel_file).transpose()
}

pub fn run(ctx: &Context, args: AdviseArgs) -> Result<()> {
    let pair_id = resolve_pair(ctx, &args.pair)?;
    let mut weights = load_weights(args.weights.as_deref())?;
    if let Some(n) = args.top {
        if n == 0 {
            crate::user_bail!("--top must be at least 1");
        }
        weights.opportunities.top = n;
    }
    let panel = load_panel(args.panel.as_deref())?;
    let observations = ctx
        .observations_with_panel(args.data.as_deref())?
        .observations;
    let parks = load_park_assessments(ctx, &args.assessments)?;
    let chains = super::chain::load_chains(ctx, &args.chains)?;
    let input = advisor_input(
        ctx,
        &observations,
        panel.as_ref(),
        &weights,
        &parks,
        &chains,
    )?;
    let diagnosis = diagnose_pair(&input, &pair_id)?;
    let out = match args.format {
        AdviseFormat::Json => serde_json::to_string_pretty(&diagnosis)? + "\n",
        AdviseFormat::Text => render_text(
            &diagnosis,
            match args.lang {
                LangArg::En => Lang::En,
                LangArg::Zh => Lang::Zh,
            },
        ),
    };
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

fn fig(f: &Option<Figure>, lang: Lang) -> String {
    match f {
        Some(f) => format!(
            "{} {} ({}; {})",
            crate::output::format_thousands(f.value, 2),
            f.unit.code(),
            f.year,
            f.source.citation
        ),
        None => match lang {
            Lang::En => "n/a (no data)".into(),
            Lang::Zh => "无数据".into(),
        },
    }
}

fn t(text: &Text, lang: Lang) -> &str {
    text.get(lang)
}

fn pick(lang: Lang, zh: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}

/// The diagnosis as terminal text.
pub fn render_text(d: &PairDiagnosis, lang: Lang) -> String {
    let mut s = String::new();
    let l = lang;
    let _ = writeln!(
        s,
        "{} → {}  ({}, {}–{})\n",
        t(&d.helper.name, l),
        t(&d.helped.name, l),
        d.pair_id,
        d.start_year,
        d.end_year
    );
    let f = &d.foundation;
    let _ = writeln!(s, "== {} ==", pick(l, "基础", "Foundation"));
    for (side, name) in [(&f.helper, &d.helper.name), (&f.helped, &d.helped.name)] {
        let _ = writeln!(s, "{}:", t(name, l));
        let _ = writeln!(
            s,
            "  {}: {}",
            pick(l, "GDP（亿元）", "GDP"),
            fig(&side.gdp, l)
        );
        let _ = writeln!(
            s,
            "  {}: {}",
            pick(l, "人均GDP", "GDP per capita"),
            fig(&side.gdp_per_capita, l)
        );
        let _ = writeln!(
            s,
            "  {}: {}",
            pick(l, "常住人口", "Population"),
            fig(&side.population, l)
        );
        match &side.structure {
            Some(st) => {
                let _ = writeln!(
                    s,
                    "  {} ({}): {:.1} : {:.1} : {:.1}",
                    pick(l, "三次产业结构", "Structure"),
                    st.year,
                    st.shares[0] * 100.0,
                    st.shares[1] * 100.0,
                    st.shares[2] * 100.0
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  {}: {}",
                    pick(l, "三次产业结构", "Structure"),
                    pick(l, "无数据", "n/a (no data)")
                );
            }
        }
        match &side.stage {
            Some(st) => {
                let _ = writeln!(
                    s,
                    "  {}: {} ({:.0}/100)",
                    pick(l, "工业化阶段", "Stage"),
                    t(&st.label, l),
                    st.score
                );
            }
            None => {
                let _ = writeln!(
                    s,
                    "  {}: {}",
                    pick(l, "工业化阶段", "Stage"),
                    pick(l, "数据不足", "not enough data")
                );
            }
        }
    }
    let ratio = |r: &Option<tandem_core::figures::Ratio>| match r {
        Some(r) => format!("{:.2} ({})", r.value, r.year),
        None => pick(l, "无共同年份", "n/a (no common year)").to_string(),
    };
    let _ = writeln!(
        s,
        "{}: {}",
        pick(l, "GDP比（支援/受援）", "GDP ratio (helper/helped)"),
        ratio(&f.gdp_ratio)
    );
    let _ = writeln!(
        s,
        "{}: {}",
        pick(l, "人均GDP比", "Per-capita GDP ratio"),
        ratio(&f.gdp_per_capita_ratio)
    );
    let _ = writeln!(s, "{}", t(&f.structure_gap.note, l));
    let rel = match f.industries.relation {
        RelationKind::Similar => pick(l, "相近", "similar"),
        RelationKind::Complementary => pick(l, "互补", "complementary"),
        RelationKind::Mixed => pick(l, "部分重合", "mixed"),
        RelationKind::InsufficientData => pick(l, "数据不足", "not enough data"),
    };
    let j = f
        .industries
        .jaccard
        .map_or("n/a".to_string(), |j| format!("{j:.2}"));
    let _ = writeln!(
        s,
        "{}: {rel} (J = {j}). {}",
        pick(l, "主导产业关系", "Leading industries"),
        t(&f.industries.implication, l)
    );
    let names = |v: &[tandem_core::advisor::SectorRef]| {
        v.iter()
            .map(|x| t(&x.name, l).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        s,
        "  {}: {}",
        pick(l, "共有", "shared"),
        names(&f.industries.shared)
    );
    let _ = writeln!(
        s,
        "  {}: {}",
        pick(l, "仅支援方", "helper only"),
        names(&f.industries.helper_only)
    );
    let _ = writeln!(
        s,
        "  {}: {}\n",
        pick(l, "仅受援方", "helped only"),
        names(&f.industries.helped_only)
    );

    let m = &d.market;
    let _ = writeln!(s, "== {} ==", pick(l, "市场力量", "Market forces"));
    let _ = writeln!(s, "{}", t(&m.comparative_advantage_note, l));
    let _ = writeln!(s, "{}", t(&m.io_correlation.note, l));
    for k in &m.io_correlation.top_links {
        let _ = writeln!(
            s,
            "  {} → {}: a = {:.4}, l = {:.4}",
            t(&k.from.name, l),
            t(&k.to.name, l),
            k.direct,
            k.total
        );
    }
    let _ = writeln!(s, "{}", t(&m.spatial.explanation, l));
    let verdict = match m.spatial.natural_pair {
        NaturalPairVerdict::Natural => pick(l, "自然的一对", "natural pair"),
        NaturalPairVerdict::OneSided => pick(l, "单向", "one-sided"),
        NaturalPairVerdict::NotNatural => {
            pick(l, "非自然（政策结对）", "not natural (policy pairing)")
        }
        NaturalPairVerdict::InsufficientData => pick(l, "数据不足", "not enough data"),
    };
    let _ = writeln!(
        s,
        "{}: {verdict}\n",
        pick(l, "是否自然一对", "Natural pair?")
    );

    let g = &d.guidance;
    let _ = writeln!(
        s,
        "== {} ==",
        pick(l, "政府引导与现状", "Government guidance and status")
    );
    let counts: Vec<String> = g
        .counts
        .iter()
        .map(|c| format!("{} {}", c.kind.as_str(), c.count))
        .collect();
    let _ = writeln!(
        s,
        "{}: {} ({})",
        pick(l, "本结对事件", "Pair events"),
        g.pair_events,
        counts.join(", ")
    );
    for e in &g.timeline {
        let date = e
            .date
            .map_or(pick(l, "无日期", "undated").to_string(), |d| {
                d.to_string()
            });
        let amount = e.amount_yuan.map_or(String::new(), |a| {
            format!(" [{} 亿元]", crate::output::format_thousands(a / 1e8, 2))
        });
        let scope = match e.scope {
            tandem_core::advisor::EventScope::Programme => pick(l, "（全项目）", " (programme)"),
            tandem_core::advisor::EventScope::Pair => "",
        };
        let _ = writeln!(
            s,
            "  {date} {}{scope}: {}{amount} <{}>",
            e.kind.as_str(),
            e.title,
            e.source
        );
    }
    let _ = writeln!(s);

    let _ = writeln!(s, "== {} ==", pick(l, "问题", "Problems"));
    for p in &d.problems {
        let v = match p.verdict {
            Verdict::Detected => pick(l, "存在", "DETECTED"),
            Verdict::NotDetected => pick(l, "未发现", "not detected"),
            Verdict::InsufficientData => pick(l, "数据不足，无法判断", "not enough data to tell"),
        };
        let _ = writeln!(
            s,
            "- {}: {v} ({} {:.2})",
            t(&p.title, l),
            pick(l, "置信度", "confidence"),
            p.confidence
        );
        let _ = writeln!(s, "    {}", t(&p.explanation, l));
        for e in &p.evidence {
            let src = e
                .event
                .as_ref()
                .map_or(String::new(), |ev| format!(" <{}>", ev.source));
            let _ = writeln!(s, "    * {}{src}", t(&e.text, l));
        }
    }
    let _ = writeln!(s);

    let _ = writeln!(s, "== {} ==", pick(l, "路径", "Paths"));
    for p in &d.paths {
        let _ = writeln!(s, "{}", t(&p.title, l));
        for r in &p.recommendations {
            let _ = writeln!(s, "  - {}", t(&r.text, l));
        }
    }
    let _ = writeln!(s);

    let o = &d.opportunities;
    let _ = writeln!(s, "== {} ==", pick(l, "合作机会", "Opportunities"));
    let _ = writeln!(s, "{}", t(&o.method, l));
    for op in &o.opportunities {
        let c = &op.components;
        let v = |x: Option<f64>| x.map_or("n/a".to_string(), |x| format!("{x:.2}"));
        let _ = writeln!(
            s,
            "{:>2}. {} {} — {:.3} [T {} C {} L {} D {}]",
            op.rank,
            op.sector.code,
            t(&op.sector.name, l),
            op.score,
            v(c.transfer_propensity.value),
            v(c.receiving_capacity.value),
            v(c.io_linkage.value),
            v(c.distance_decay.value)
        );
        let _ = writeln!(s, "    {}", t(&op.reason, l));
    }
    if !d.data_gaps.is_empty() {
        let _ = writeln!(s, "\n== {} ==", pick(l, "数据缺口", "Data gaps"));
        for g in &d.data_gaps {
            let _ = writeln!(s, "- {}", t(g, l));
        }
    }
    s
}
