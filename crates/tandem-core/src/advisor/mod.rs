//! The cooperation advisor: a diagnosis of each pair after the research's frame (market
//! forces and government guidance acting on a foundation, giving a status, its problems and
//! the paths out of them), and a ranking of the industries the pair should cooperate on.
//!
//! Pure: [`diagnose_pair`] takes an [`AdvisorInput`] (plain data the caller loaded) and
//! returns a [`PairDiagnosis`] (serde both ways). Every text is bilingual ([`Text`]), every
//! data figure carries year and source, and what is missing is reported as missing
//! (`None`, `InsufficientData`, [`PairDiagnosis::data_gaps`]), never filled in.
//!
//! # Rules at a glance
//!
//! | finding | rule (details and thresholds in the module named) |
//! |---|---|
//! | level gap | latest GDP, per-capita GDP, population of each side; ratios helper / helped only in the latest common year ([`crate::figures::latest_common_ratio`]) |
//! | structure gap | three-sector structure from levels, else shares; UNIDO similarity and advancement (tertiary / secondary) in the latest common year ([`foundation`]) |
//! | stage | 陈佳贵 et al. (2006) from the structure and urbanisation rate; income left out (no exchange rate / deflator in the data) ([`foundation::stage`]) |
//! | similar / complementary | Jaccard overlap of the IO-42 sectors each side names (leading, pillar, emerging): ≥ 0.4 similar, ≤ 0.2 complementary, mixed between, < 2 sectors on a side not enough data ([`foundation`]) |
//! | comparative advantage | location quotients from the user's panel, latest year with both sides ([`market::comparative_advantage`]) |
//! | industrial correlation | direct `a_ij` and Leontief `l_ij` of the national IO table between helper and helped named sectors, both directions ([`market::io_correlation`]) |
//! | natural pair | gravity linkage rank of each side among all localities with same-year GDP and population; top quarter on both sides = natural ([`market`]) |
//! | (1) facilities lag | from park assessments when the pair has any: median attainment of the helper's benchmarks per park, at least half the parks below ([`parks`]); else park events without a project / enterprise transfer / production report within 12 months, or lag mentions ([`problems`]) |
//! | (2) no benefit sharing | no event mentions 利益共享 / 分成 / 成本共担 / benefit sharing...; asymmetric mentions raise the confidence ([`problems`]); the platform's open and overdue dispute cases and unresolved barriers detect it, cases settled by amendment or compensation weigh against it ([`institutions`]) |
//! | (3) government-driven | government-led events (policy, agreement, park) ≥ 60% of government + market-led (project, enterprise transfer) and no enterprise transfer ([`problems`]) |
//! | paths | each recommendation names the findings, opportunities, chain gaps, dispute cases, barriers and technology matches it rests on ([`paths`], [`institutions`]) |
//! | opportunities | transfer propensity, receiving capacity, IO linkage, distance decay; weighted mean over the available components ([`opportunities`]) |
//!
//! Every problem rule returns `InsufficientData` ("not enough data to tell") with confidence
//! 0 when the pair has fewer than `problems.min_events` events or the rule's own inputs are
//! missing.

pub mod foundation;
pub mod guidance;
pub mod institutions;
pub mod market;
pub mod opportunities;
pub mod parks;
pub mod paths;
pub mod problems;
pub mod records;
pub mod types;
pub mod weights;

pub use records::*;
pub use types::*;
pub use weights::*;

use crate::metrics::input_output::{leontief_inverse, table_technical_coefficients};
use crate::metrics::MetricError;
use crate::{
    Absent, CooperationEvent, IndustryRole, IoTable, LeadingIndustry, Locality, Observation, Panel,
    PartialDate, Programme,
};
use opportunities::{
    available_weight, component, distance_decay, mode, mode_text, sort_best_first, CandidateScore,
    NamedProfile, PanelScorer,
};
use std::collections::BTreeSet;

/// Everything the advisor works on. The CLI builds it from the bundled data (and an
/// imported dataset laid over it).
#[derive(Clone, Copy, Debug)]
pub struct AdvisorInput<'a> {
    /// All known localities (the programme's, the YRD cities, Shanghai districts...).
    pub localities: &'a [Locality],
    pub programme: &'a Programme,
    pub observations: &'a [Observation],
    pub events: &'a [CooperationEvent],
    pub leading_industries: &'a [LeadingIndustry],
    /// The national input-output table used for industrial correlation (2020, 42 sectors by
    /// default).
    pub io_table: &'a IoTable,
    /// The user's region x industry panel (any classification), if any.
    pub panel: Option<&'a Panel>,
    pub weights: &'a Weights,
    /// Park assessments of any pairs (from `tandem assess parks` runs); empty when none.
    pub park_assessments: &'a [ParkAssessment],
    /// Industry-chain maps of any pairs, on the sectors of `io_table`; empty when none.
    pub chains: &'a [crate::chain::Chain],
    /// The operating platform's disputes, barriers and technology matches of any pairs
    /// ([`NO_RECORDS`] when there is no platform).
    pub records: &'a CooperationRecords,
}

/// Why no diagnosis could be made.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AdvisorError {
    #[error("unknown pair {0:?} (the programme's pair ids are listed by `tandem pairs`)")]
    UnknownPair(String),
    #[error("pair {pair}: locality {locality:?} is not among the known localities")]
    UnknownLocality { pair: String, locality: String },
    #[error(transparent)]
    Weights(#[from] WeightsError),
    #[error("input-output table {year}: {source}")]
    IoTable { year: i32, source: MetricError },
    #[error("panel: {0}")]
    Panel(MetricError),
    #[error(transparent)]
    Chain(#[from] crate::chain::ChainError),
}

/// The technical coefficients and Leontief inverse of the input's table.
struct IoAlgebra {
    a: Vec<f64>,
    l: Vec<f64>,
}

fn io_algebra(table: &IoTable) -> Result<IoAlgebra, AdvisorError> {
    let err = |source| AdvisorError::IoTable {
        year: table.year,
        source,
    };
    let a = table_technical_coefficients(table).map_err(err)?;
    let l = leontief_inverse(&a, table.n()).map_err(err)?;
    Ok(IoAlgebra { a, l })
}

/// Diagnoses every pair of the programme, in programme order.
pub fn diagnose_all(input: &AdvisorInput<'_>) -> Result<Vec<PairDiagnosis>, AdvisorError> {
    input.weights.validate()?;
    let io = io_algebra(input.io_table)?;
    input
        .programme
        .pairs
        .iter()
        .map(|p| diagnose_with(input, &io, &p.id))
        .collect()
}

/// Diagnoses one pair by id.
///
/// Errors: an unknown pair or locality, invalid weights, an IO table whose Leontief inverse
/// does not exist, or a panel that cannot be scored.
pub fn diagnose_pair(
    input: &AdvisorInput<'_>,
    pair_id: &str,
) -> Result<PairDiagnosis, AdvisorError> {
    input.weights.validate()?;
    let io = io_algebra(input.io_table)?;
    diagnose_with(input, &io, pair_id)
}

fn locality<'a>(
    input: &AdvisorInput<'a>,
    pair: &str,
    id: &str,
) -> Result<&'a Locality, AdvisorError> {
    input
        .localities
        .iter()
        .find(|l| l.id == id)
        .ok_or_else(|| AdvisorError::UnknownLocality {
            pair: pair.to_string(),
            locality: id.to_string(),
        })
}

fn loc_ref(l: &Locality) -> LocalityRef {
    LocalityRef {
        id: l.id.clone(),
        name: Text::new(l.short_name_zh(), l.short_name_en()),
    }
}

fn diagnose_with(
    input: &AdvisorInput<'_>,
    io: &IoAlgebra,
    pair_id: &str,
) -> Result<PairDiagnosis, AdvisorError> {
    let w = input.weights;
    let pair = input
        .programme
        .pair(pair_id)
        .ok_or_else(|| AdvisorError::UnknownPair(pair_id.to_string()))?;
    let helper = locality(input, pair_id, &pair.helper)?;
    let helped = locality(input, pair_id, &pair.helped)?;
    let table = input.io_table;

    let foundation = foundation::foundation(
        input.observations,
        table,
        input.leading_industries,
        pair_id,
        &helper.id,
        &helped.id,
        &w.industry_relation,
    );

    // Market forces.
    let codes = |v: &[NamedSector]| -> BTreeSet<String> {
        v.iter().map(|s| s.sector.code.clone()).collect()
    };
    let io_correlation = market::io_correlation(
        table,
        &io.a,
        &io.l,
        &codes(&foundation.industries.helper_sectors),
        &codes(&foundation.industries.helped_sectors),
        w,
    );
    let spatial = market::spatial(input.observations, input.localities, helper, helped, w);
    let name = |code: &str| foundation::sector_ref(table, code);
    let comparative_advantage = input
        .panel
        .and_then(|p| market::comparative_advantage(p, helper, helped, name));
    let comparative_advantage_note = match (input.panel, &comparative_advantage) {
        (None, _) => Text::new(
            "未提供行业面板：无法计算区位商等比较优势，以下仅用主导产业名单与全国投入产出表。",
            "No sector panel given: comparative advantage (location quotients) cannot be computed; the advisor uses the named industries and the national IO table only.",
        ),
        (Some(_), None) => Text::new(
            "面板中找不到一方（按id或名称匹配），或两方没有同一年份的数据。",
            "The panel lacks one side (matched by id or name), or the two sides have no common year.",
        ),
        (Some(p), Some(c)) => Text::new(
            format!("{}年{}面板（{}个地区）的区位商，缺失单元按0计。", c.year, p.measure(), c.regions),
            format!("Location quotients from the {} panel, {} ({} regions); absent cells count as zero.", p.measure(), c.year, c.regions),
        ),
    };
    let market = MarketForces {
        comparative_advantage,
        comparative_advantage_note,
        io_correlation,
        spatial,
    };

    // Guidance and problems.
    let guidance = guidance::guidance(input.events, pair_id);
    let own = guidance::pair_events(input.events, pair_id);
    let horizon: Option<PartialDate> = input.events.iter().filter_map(|e| e.date).max();
    let helper_names = [helper.short_name_zh(), helper.short_name_en()];
    let helped_names = [helped.short_name_zh(), helped.short_name_en()];
    let pair_parks: Vec<ParkAssessment> = input
        .park_assessments
        .iter()
        .filter(|a| a.pair_id == pair.id)
        .cloned()
        .collect();
    let facilities = parks::facilities_lag_from_assessments(&pair_parks)
        .unwrap_or_else(|| problems::facilities_lag(&own, horizon, &w.problems));
    let problems = vec![
        facilities,
        institutions::benefit_sharing_with_records(
            problems::no_benefit_sharing(&own, &helper_names, &helped_names, &w.problems),
            input.records,
            &pair.id,
        ),
        problems::government_driven(&own, &w.problems),
    ];

    let opportunities = rank_opportunities(
        input,
        io,
        pair_id,
        helper,
        helped,
        market.spatial.distance_km,
    )?;
    let chains = chain_findings(input, &pair.id)?;
    let mut paths = paths::paths(&foundation, &market, &problems, &opportunities, &chains);
    institutions::extend_paths(&mut paths, input.records, &pair.id);
    let data_gaps = data_gaps(&foundation, &market, &problems, helper, helped);

    Ok(PairDiagnosis {
        pair_id: pair.id.clone(),
        helper: loc_ref(helper),
        helped: loc_ref(helped),
        start_year: pair.start_year,
        end_year: pair.end_year,
        foundation,
        market,
        guidance,
        problems,
        paths,
        opportunities,
        data_gaps,
        park_assessments: pair_parks,
        chains,
    })
}

/// The gaps of the pair's chain maps against the input's table.
fn chain_findings(
    input: &AdvisorInput<'_>,
    pair_id: &str,
) -> Result<Vec<ChainFinding>, AdvisorError> {
    input
        .chains
        .iter()
        .filter(|c| c.pair == pair_id)
        .map(|c| {
            Ok(ChainFinding {
                chain: c.id.clone(),
                name: Text::new(c.name_zh.clone(), c.name_en.clone()),
                source: c.source.clone(),
                gaps: crate::chain::chain_gaps(c, input.io_table)?,
            })
        })
        .collect()
}

fn data_gaps(
    f: &Foundation,
    m: &MarketForces,
    problems: &[ProblemFinding],
    helper: &Locality,
    helped: &Locality,
) -> Vec<Text> {
    let mut gaps = Vec::new();
    for (side, l) in [(&f.helper, helper), (&f.helped, helped)] {
        let (zh, en) = (l.short_name_zh(), l.short_name_en());
        for (value, izh, ien) in [
            (side.gdp.is_none(), "地区生产总值", "GDP"),
            (
                side.gdp_per_capita.is_none(),
                "人均地区生产总值",
                "per-capita GDP",
            ),
            (side.population.is_none(), "常住人口", "resident population"),
            (
                side.structure.is_none(),
                "三次产业结构",
                "three-sector structure",
            ),
        ] {
            if value {
                gaps.push(Text::new(
                    format!("{zh}：缺{izh}（无数据）"),
                    format!("{en}: no {ien} (no data)"),
                ));
            }
        }
    }
    if f.gdp_ratio.is_none() {
        gaps.push(Text::new(
            "两地没有同一年份的GDP，无法计算GDP比值",
            "No common year of GDP: the GDP ratio cannot be computed",
        ));
    }
    if f.gdp_per_capita_ratio.is_none() {
        gaps.push(Text::new(
            "两地没有同一年份的人均GDP，无法计算比值",
            "No common year of per-capita GDP: the ratio cannot be computed",
        ));
    }
    if f.structure_gap.common_year.is_none() {
        gaps.push(f.structure_gap.note.clone());
    }
    if f.industries.relation == RelationKind::InsufficientData {
        gaps.push(f.industries.implication.clone());
    }
    if m.spatial.gravity.is_none() {
        gaps.push(Text::new(
            "两地没有同一年份的GDP与人口：无法计算引力联系与排名",
            "No common year with GDP and population on both sides: no gravity linkage or ranking",
        ));
    }
    if m.comparative_advantage.is_none() {
        gaps.push(m.comparative_advantage_note.clone());
    }
    for p in problems
        .iter()
        .filter(|p| p.verdict == Verdict::InsufficientData)
    {
        gaps.push(Text::new(
            format!("{}：{}", p.title.zh, p.explanation.zh),
            format!("{}: {}", p.title.en, p.explanation.en),
        ));
    }
    gaps
}

fn role_text(role: IndustryRole) -> Text {
    match role {
        IndustryRole::Leading => Text::new("主导产业", "leading"),
        IndustryRole::Pillar => Text::new("支柱产业", "pillar"),
        IndustryRole::Emerging => Text::new("新兴产业", "emerging"),
        IndustryRole::CooperationFocus => Text::new("结对合作重点", "cooperation focus"),
    }
}

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or("n/a".to_string(), |x| format!("{x:.2}"))
}

/// The top candidates as [`Opportunity`] records, with the texts.
fn rank_opportunities(
    input: &AdvisorInput<'_>,
    io: &IoAlgebra,
    pair_id: &str,
    helper: &Locality,
    helped: &Locality,
    distance_km: Option<f64>,
) -> Result<OpportunityRanking, AdvisorError> {
    let w = input.weights;
    let half = w.distance.half_distance_km;
    let decay = distance_km.map(|d| distance_decay(d, half));
    let decay_basis = match distance_km {
        Some(d) => Text::new(
            format!("距离 {d:.0} km，半衰距离 {half} km"),
            format!("distance {d:.0} km, half-distance {half} km"),
        ),
        None => Text::new("缺坐标，无法计算距离", "no coordinates: distance unknown"),
    };
    let h_names = (helper.short_name_zh(), helper.short_name_en());
    let d_names = (helped.short_name_zh(), helped.short_name_en());
    let knowledge: BTreeSet<&str> = w
        .opportunities
        .knowledge_intensive
        .iter()
        .map(String::as_str)
        .collect();

    // Panel mode: the latest year in which both sides are in the panel with data.
    if let Some(panel) = input.panel {
        if let (Some(h), Some(d)) = (
            market::panel_region(panel, helper),
            market::panel_region(panel, helped),
        ) {
            if let Some(r) = panel_ranking(
                input,
                io,
                panel,
                h,
                d,
                decay,
                &decay_basis,
                &knowledge,
                h_names,
                d_names,
            )? {
                return Ok(r);
            }
        }
    }

    let table = input.io_table;
    let profile = NamedProfile::new(
        input.leading_industries,
        pair_id,
        &helper.id,
        &helped.id,
        &w.opportunities,
    );
    let labour = opportunities::labour_intensity_percentiles(table);
    let mut scores = opportunities::score_named(table, &io.a, &profile, &labour, decay, w);
    let candidates = scores.len();
    sort_best_first(&mut scores);
    let list = scores
        .iter()
        .take(w.opportunities.top)
        .enumerate()
        .map(|(k, c)| {
            let code = &table.sectors[c.industry].code;
            let sector = foundation::sector_ref(table, code);
            let hr = profile.helper_role.get(code).copied();
            let dr = profile.helped_role.get(code).copied();
            let transfer_basis = match (hr, labour[c.industry]) {
                (Some((r, _)), Some(p)) => Text::new(
                    format!("{}列为{}；全国劳动者报酬/总产出分位 {p:.2}", h_names.0, role_text(r).zh),
                    format!("{} names it {}; labour-intensity percentile {p:.2}", h_names.1, role_text(r).en),
                ),
                (Some((r, _)), None) => Text::new(format!("{}列为{}", h_names.0, role_text(r).zh), format!("{} names it {}", h_names.1, role_text(r).en)),
                (None, _) => Text::new(format!("{}未列为主导产业", h_names.0), format!("not among {}'s named industries", h_names.1)),
            };
            let capacity_basis = match dr {
                Some((r, _)) => Text::new(format!("{}列为{}", d_names.0, role_text(r).zh), format!("{} names it {}", d_names.1, role_text(r).en)),
                None => Text::new(format!("{}未列出", d_names.0), format!("not named by {}", d_names.1)),
            };
            let link_basis = Text::new(
                format!("与双方所列部门的最大直接消耗系数 / {}（上限1）", w.io.strong_coefficient),
                format!("largest direct coefficient with either side's named sectors / {} (capped at 1)", w.io.strong_coefficient),
            );
            let helper_has = hr.is_some();
            let helped_has = dr.is_some();
            let helper_emerging = hr.is_some_and(|(r, _)| r == IndustryRole::Emerging);
            let m = mode(knowledge.contains(code.as_str()), helper_has, helped_has, helper_emerging);
            build_opportunity(k, sector, c, w, [transfer_basis, capacity_basis, link_basis, decay_basis.clone()], m, h_names, d_names)
        })
        .collect();
    Ok(OpportunityRanking {
        basis: OpportunityBasis::NamedIndustries,
        classification: table.classification.code().to_string(),
        candidates,
        opportunities: list,
        method: Text::new(
            format!("无行业面板：按IO-42部门评分（{}年全国投入产出表）。转移势能 = 支援方角色系数 × (0.5 + 0.5 × 劳动密集度分位)；承接能力 = 受援方角色系数；产业关联 = 与双方所列部门的最大直接消耗系数 / {}；距离衰减 = exp(−ln2 · d / {half})。得分为可用分量的加权平均。", table.year, w.io.strong_coefficient),
            format!("No sector panel: IO-42 sectors scored with the national IO table {}. Transfer propensity = helper role factor × (0.5 + 0.5 × labour-intensity percentile); receiving capacity = helped role factor; IO linkage = largest direct coefficient with either side's named sectors / {}; distance decay = exp(−ln2 · d / {half}). Score = weighted mean of the available components.", table.year, w.io.strong_coefficient),
        ),
    })
}

#[allow(clippy::too_many_arguments)]
fn build_opportunity(
    k: usize,
    sector: SectorRef,
    c: &CandidateScore,
    w: &Weights,
    [tb, cb, lb, db]: [Text; 4],
    m: CooperationMode,
    h: (&str, &str),
    d: (&str, &str),
) -> Opportunity {
    let s = &w.score;
    let avail = available_weight(s, c);
    let reason = match m {
        CooperationMode::Transfer => Text::new(
            format!(
                "{}的{}具备转移势能（{}），{}承接能力 {}：宜梯度转移。",
                h.0,
                sector.name.zh,
                fmt_opt(c.transfer),
                d.0,
                fmt_opt(c.capacity)
            ),
            format!(
                "{}'s {} has transfer propensity {} and {} capacity {}: relocate capacity.",
                h.1,
                sector.name.en,
                fmt_opt(c.transfer),
                d.1,
                fmt_opt(c.capacity)
            ),
        ),
        CooperationMode::ChainDivision => Text::new(
            format!(
                "两地都有{}：按产业链环节分工，避免同质竞争。",
                sector.name.zh
            ),
            format!(
                "Both sides have {}: divide the chain by stage instead of competing.",
                sector.name.en
            ),
        ),
        CooperationMode::ComplementarySupply => Text::new(
            format!(
                "{}可为{}的产业链提供{}配套（产业关联 {}）。",
                d.0,
                h.0,
                sector.name.zh,
                fmt_opt(c.link)
            ),
            format!(
                "{} can supply {} to {}'s chains (IO linkage {}).",
                d.1,
                sector.name.en,
                h.1,
                fmt_opt(c.link)
            ),
        ),
        CooperationMode::JointInnovation => Text::new(
            format!("{}属知识密集型：宜共建研发平台与孵化器。", sector.name.zh),
            format!(
                "{} is knowledge-intensive: co-build research platforms and incubators.",
                sector.name.en
            ),
        ),
    };
    Opportunity {
        rank: k + 1,
        sector,
        score: c.score,
        components: ScoreComponents {
            transfer_propensity: component(c.transfer, s.transfer_propensity, avail, tb),
            receiving_capacity: component(c.capacity, s.receiving_capacity, avail, cb),
            io_linkage: component(c.link, s.io_linkage, avail, lb),
            distance_decay: component(c.decay, s.distance_decay, avail, db),
        },
        mode: m,
        reason: Text::new(
            format!("[{}] {}", mode_text(m).zh, reason.zh),
            format!("[{}] {}", mode_text(m).en, reason.en),
        ),
    }
}

#[allow(clippy::too_many_arguments)]
fn panel_ranking(
    input: &AdvisorInput<'_>,
    io: &IoAlgebra,
    panel: &Panel,
    h: usize,
    d: usize,
    decay: Option<f64>,
    decay_basis: &Text,
    knowledge: &BTreeSet<&str>,
    h_names: (&str, &str),
    d_names: (&str, &str),
) -> Result<Option<OpportunityRanking>, AdvisorError> {
    let w = input.weights;
    let ni = panel.industries().len();
    let nr = panel.regions().len();
    let Some((yi, year)) = panel.years().iter().enumerate().rev().find(|(yi, _)| {
        let has = |r: usize| (0..ni).any(|i| panel.get(*yi, r, i).is_some_and(|v| v > 0.0));
        has(h) && has(d)
    }) else {
        return Ok(None);
    };
    let _ = yi;
    let matrix = panel
        .year_matrix(*year, Absent::AsZero)
        .map_err(|e| AdvisorError::Panel(MetricError::Panel(e)))?;
    // IO linkage only when every panel industry is a sector of the table.
    let table = input.io_table;
    let n = table.n();
    let positions: Option<Vec<usize>> = panel
        .industries()
        .iter()
        .map(|c| table.sectors.iter().position(|s| &s.code == c))
        .collect();
    let a_sub: Option<Vec<f64>> = positions.as_ref().map(|pos| {
        let mut out = Vec::with_capacity(ni * ni);
        for &i in pos {
            for &j in pos {
                out.push(io.a[i * n + j]);
            }
        }
        out
    });
    let scorer = PanelScorer::new(&matrix, nr, ni, a_sub.as_deref(), w.io.strong_coefficient)
        .map_err(AdvisorError::Panel)?;
    let mut scores = Vec::with_capacity(ni);
    scorer.score_pair(h, d, decay, &w.score, &mut scores);
    sort_best_first(&mut scores);
    let name = |code: &str| -> SectorRef {
        if positions.is_some() {
            foundation::sector_ref(table, code)
        } else {
            SectorRef {
                code: code.to_string(),
                name: Text::new(code, code),
            }
        }
    };
    let list = scores
        .iter()
        .take(w.opportunities.top)
        .enumerate()
        .map(|(k, c)| {
            let code = &panel.industries()[c.industry];
            let (lh, ld) = (scorer.lq(h, c.industry), scorer.lq(d, c.industry));
            let tb = Text::new(
                format!("区位商：{} {lh:.2}，{} {ld:.2}", h_names.0, d_names.0),
                format!(
                    "location quotient: {} {lh:.2}, {} {ld:.2}",
                    h_names.1, d_names.1
                ),
            );
            let cb = Text::new(
                format!(
                    "{}在该行业的关联密度 {:.2}",
                    d_names.0,
                    scorer.density(d, c.industry)
                ),
                format!(
                    "{}'s relatedness density around it {:.2}",
                    d_names.1,
                    scorer.density(d, c.industry)
                ),
            );
            let lb = if positions.is_some() {
                Text::new(
                    format!(
                        "与双方区位商≥1行业的最大直接消耗系数 / {}",
                        w.io.strong_coefficient
                    ),
                    format!(
                        "largest direct coefficient with either side's LQ ≥ 1 industries / {}",
                        w.io.strong_coefficient
                    ),
                )
            } else {
                Text::new(
                    "面板行业代码不是投入产出部门：不计算",
                    "panel industries are not IO sectors: not computed",
                )
            };
            let m = mode(
                knowledge.contains(code.as_str()),
                lh >= 1.0,
                ld >= 1.0,
                false,
            );
            build_opportunity(
                k,
                name(code),
                c,
                w,
                [tb, cb, lb, decay_basis.clone()],
                m,
                h_names,
                d_names,
            )
        })
        .collect();
    Ok(Some(OpportunityRanking {
        basis: OpportunityBasis::Panel,
        classification: format!("panel:{}", panel.measure()),
        candidates: ni,
        opportunities: list,
        method: Text::new(
            format!("按{year}年行业面板评分：转移势能 = LQh/(1+LQh) × LQh/(LQh+LQd)；承接能力 = 受援方关联密度；产业关联 = 与双方区位商≥1行业的最大直接消耗系数 / {}（仅当面板行业为投入产出部门）；距离衰减 = exp(−ln2 · d / {})。", w.io.strong_coefficient, w.distance.half_distance_km),
            format!("Scored on the sector panel, {year}: transfer propensity = LQh/(1+LQh) × LQh/(LQh+LQd); receiving capacity = helped relatedness density; IO linkage = largest direct coefficient with either side's LQ ≥ 1 industries / {} (only when panel industries are IO sectors); distance decay = exp(−ln2 · d / {}).", w.io.strong_coefficient, w.distance.half_distance_km),
        ),
    }))
}
