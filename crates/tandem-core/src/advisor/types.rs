//! The advisor's output: a [`PairDiagnosis`] per pair, plain data (serde both ways) that the
//! CLI and the report render. Every human-readable string is a bilingual [`Text`]; every
//! number that comes from the data carries its year and source ([`Figure`], [`Ratio`]) or
//! names the computation it comes from; absence is `None` (JSON `null`), never 0 or NaN.

use crate::figures::{Figure, Ratio};
use crate::{EventKind, PartialDate};
use serde::{Deserialize, Serialize};

/// A human-readable text in Chinese and English, so that a renderer can pick `--lang zh|en`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    /// A text from its Chinese and English versions.
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    /// The version in `lang` (`Lang::Zh` or `Lang::En`).
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// A display language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Zh,
    En,
}

/// A locality as the diagnosis names it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalityRef {
    pub id: String,
    /// Short names (闵行, Minhang).
    pub name: Text,
}

/// The whole diagnosis of one pair: foundation, market forces, government guidance, the
/// three problem types, the three paths and the opportunity ranking.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairDiagnosis {
    pub pair_id: String,
    pub helper: LocalityRef,
    pub helped: LocalityRef,
    pub start_year: i32,
    pub end_year: i32,
    pub foundation: Foundation,
    pub market: MarketForces,
    pub guidance: Guidance,
    /// Always three findings, in the order of [`ProblemKind::ALL`].
    pub problems: Vec<ProblemFinding>,
    /// Always three paths, in the order of [`PathKind::ALL`].
    pub paths: Vec<PathRecommendation>,
    pub opportunities: OpportunityRanking,
    /// What was missing and what that prevented (shown as "not enough data").
    pub data_gaps: Vec<Text>,
    /// The pair's park assessments, every year (empty when none were given).
    #[serde(default)]
    pub park_assessments: Vec<ParkAssessment>,
    /// The gaps of the pair's industry-chain maps (empty when none were given).
    #[serde(default)]
    pub chains: Vec<ChainFinding>,
}

/// One industry-chain map of the pair and its gaps ([`crate::chain::chain_gaps`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChainFinding {
    /// The chain's id.
    pub chain: String,
    /// Its name.
    pub name: Text,
    /// Where its segments and placements come from.
    pub source: String,
    /// The segments to fill, highest score first.
    pub gaps: Vec<crate::chain::ChainGap>,
}

// ---------------------------------------------------------------------------------------
// Foundation
// ---------------------------------------------------------------------------------------

/// The pair's foundation: level gap, structure gap, industrialisation stage, and how their
/// leading industries relate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Foundation {
    pub helper: SideFoundation,
    pub helped: SideFoundation,
    /// GDP helper / helped in the latest common year (`None`: no common year).
    pub gdp_ratio: Option<Ratio>,
    /// Per-capita GDP helper / helped in the latest common year.
    pub gdp_per_capita_ratio: Option<Ratio>,
    pub structure_gap: StructureGap,
    pub industries: IndustryRelation,
}

/// One side's level, structure and stage.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SideFoundation {
    pub locality: String,
    /// Latest GDP (亿元), `None` where there is none.
    pub gdp: Option<Figure>,
    /// Latest per-capita GDP (元/人).
    pub gdp_per_capita: Option<Figure>,
    /// Latest resident population (万人).
    pub population: Option<Figure>,
    /// Latest three-sector structure.
    pub structure: Option<SectorStructure>,
    /// Industrialisation stage from what is available.
    pub stage: Option<StageSummary>,
}

/// Where a three-sector structure was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructureBasis {
    /// `va_primary`, `va_secondary`, `va_tertiary` levels (亿元).
    Levels,
    /// `share_primary`, `share_secondary`, `share_tertiary` (percent).
    Shares,
}

/// A three-sector structure of one year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorStructure {
    pub year: i32,
    pub basis: StructureBasis,
    /// Primary, secondary, tertiary shares as fractions summing to 1.
    pub shares: [f64; 3],
    /// The three figures read (levels or shares), primary first, each with its source.
    pub figures: Vec<Figure>,
    /// 产业结构高级化 `TS = tertiary / secondary`; `None` if the secondary sector is 0.
    pub advancement: Option<f64>,
}

/// How the two structures compare.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StructureGap {
    /// The year both structures are read in; `None` when no common year exists (the
    /// similarity is then not computed: structures of different years are not compared).
    pub common_year: Option<i32>,
    /// UNIDO structural similarity (cosine of the share vectors) in the common year.
    pub similarity: Option<f64>,
    /// Helper TS minus helped TS in the common year.
    pub advancement_gap: Option<f64>,
    pub note: Text,
}

/// Industrialisation stage (陈佳贵 et al. 2006).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    PreIndustrial,
    Early,
    Middle,
    Late,
    PostIndustrial,
}

/// One criterion's placement inside [`StageSummary`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageCriterionScore {
    /// `sector_structure`, `urbanisation`, `gdp_per_capita`, ...
    pub criterion: String,
    pub stage: Stage,
    /// 0-100 on the 陈佳贵 et al. scale.
    pub score: f64,
    /// Weight before renormalisation.
    pub weight: f64,
}

/// The stage assessment of one side, from the criteria that data exist for.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageSummary {
    pub stage: Stage,
    pub label: Text,
    /// Composite score 0-100.
    pub score: f64,
    pub criteria: Vec<StageCriterionScore>,
    /// The figures the criteria were computed from.
    pub inputs: Vec<Figure>,
    /// Which criteria were missing and why.
    pub note: Text,
}

/// A sector of the classification the advisor works in (IO-42 by default).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SectorRef {
    pub code: String,
    pub name: Text,
}

/// A sector one side names, with the industries as printed in its documents.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NamedSector {
    pub sector: SectorRef,
    /// Roles it is named in (`leading`, `pillar`, `emerging`, `cooperation_focus`).
    pub roles: Vec<crate::IndustryRole>,
    /// Industry names as printed (Chinese) with their English translation.
    pub industries: Vec<Text>,
    /// Source citations.
    pub sources: Vec<String>,
}

/// How the two sides' named industries relate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationKind {
    /// Large overlap: industrial-chain layout and horizontal division of labour.
    Similar,
    /// Small overlap: transfer and supply bases.
    Complementary,
    /// In between: both apply, sector by sector.
    Mixed,
    /// Too few named industries on a side to tell.
    InsufficientData,
}

/// Similar vs complementary leading industries (rule in [`super::foundation`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IndustryRelation {
    /// Sectors the helper names (leading, pillar, emerging).
    pub helper_sectors: Vec<NamedSector>,
    /// Sectors the helped side names (leading, pillar, emerging).
    pub helped_sectors: Vec<NamedSector>,
    /// The pair's agreed cooperation focus (recorded on the helped side).
    pub cooperation_focus: Vec<NamedSector>,
    pub shared: Vec<SectorRef>,
    pub helper_only: Vec<SectorRef>,
    pub helped_only: Vec<SectorRef>,
    /// `|shared| / |union|`; `None` when a side names fewer than the minimum.
    pub jaccard: Option<f64>,
    pub relation: RelationKind,
    /// What the relation implies for the pair.
    pub implication: Text,
    /// The rule with its thresholds.
    pub rule: Text,
}

// ---------------------------------------------------------------------------------------
// Market forces
// ---------------------------------------------------------------------------------------

/// Comparative advantage, industrial correlation and distance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MarketForces {
    /// Location quotients of both sides from the user's panel; `None` without a panel or
    /// when the panel lacks a side.
    pub comparative_advantage: Option<ComparativeAdvantage>,
    pub comparative_advantage_note: Text,
    pub io_correlation: IoCorrelation,
    pub spatial: Spatial,
}

/// One industry's location quotients on both sides.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdvantageRow {
    pub sector: SectorRef,
    pub helper_lq: Option<f64>,
    pub helped_lq: Option<f64>,
}

/// Location quotients of both sides against the panel's regions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ComparativeAdvantage {
    pub year: i32,
    /// The panel's measure (employment, output, ...).
    pub measure: String,
    /// Number of regions the quotients are computed against.
    pub regions: usize,
    /// Industries where the helper has LQ ≥ 1 and the helped side < 1 (a gradient to the
    /// helped side), strongest first.
    pub helper_advantage: Vec<AdvantageRow>,
    /// Industries where the helped side has LQ ≥ 1 and the helper < 1.
    pub helped_advantage: Vec<AdvantageRow>,
    /// Industries where both have LQ ≥ 1.
    pub both: Vec<AdvantageRow>,
}

/// Which way an input-output link runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// A helper sector supplies inputs to a helped sector (`from` helper, `to` helped).
    HelperSupplies,
    /// A helped sector supplies inputs to a helper sector.
    HelpedSupplies,
}

/// One input-output link between a sector of one side and a sector of the other.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoLink {
    /// Supplying sector (row i).
    pub from: SectorRef,
    /// Buying sector (column j).
    pub to: SectorRef,
    pub direction: LinkDirection,
    /// Direct coefficient `a_ij`: yuan of i's output used per yuan of j's output.
    pub direct: f64,
    /// Leontief `l_ij`: yuan of i's output needed, directly and indirectly, per yuan of
    /// final demand for j (diagonal includes the unit of final demand itself).
    pub total: f64,
}

/// Industrial correlation between the two sides' named industries through a national IO table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IoCorrelation {
    /// The table's year and source (`None` when no table could be used).
    pub table_year: Option<i32>,
    pub table_source: Option<String>,
    /// Strongest links first (by `direct`), at most the configured number.
    pub top_links: Vec<IoLink>,
    /// Mean `a_ij` over helper sector i x helped sector j (i ≠ j).
    pub helper_supplies_mean: Option<f64>,
    /// Mean `a_ij` over helped sector i x helper sector j (i ≠ j).
    pub helped_supplies_mean: Option<f64>,
    /// Links with `a_ij` at or above the "strong" threshold, both directions.
    pub strong_links: usize,
    pub note: Text,
}

/// Gravity linkage with the figures it is computed from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GravityFigure {
    pub year: i32,
    /// `√(P_i G_i) · √(P_j G_j) / D^b`, P in 万人, G in 亿元, D in km.
    pub value: f64,
    pub exponent: f64,
    pub helper_gdp: Figure,
    pub helper_population: Figure,
    pub helped_gdp: Figure,
    pub helped_population: Figure,
}

/// Where one side ranks the other among all partners it could be linked to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkageRank {
    /// The side doing the ranking.
    pub from: String,
    pub year: i32,
    /// 1 = the other side is its strongest linkage. `None` when the other side could not be
    /// ranked (no same-year GDP and population).
    pub rank: Option<usize>,
    /// Number of partners that could be ranked (same-year GDP, population, coordinates).
    pub ranked: usize,
    /// Number of candidate partners considered (before dropping those without data).
    pub candidates: usize,
    /// The strongest partners (id, name, linkage), at most 3.
    pub top: Vec<RankedPartner>,
}

/// One partner in a [`LinkageRank`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankedPartner {
    pub id: String,
    pub name: Text,
    pub linkage: f64,
}

/// A three-way verdict with "not enough data".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NaturalPairVerdict {
    /// Each side ranks the other in its top quarter (rule in [`super::market`]).
    Natural,
    /// One side does.
    OneSided,
    /// Neither does.
    NotNatural,
    InsufficientData,
}

/// Distance, gravity and the natural-pair question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Spatial {
    /// Great-circle distance between the administrative seats, km.
    pub distance_km: Option<f64>,
    pub gravity: Option<GravityFigure>,
    pub helper_ranks_helped: Option<LinkageRank>,
    pub helped_ranks_helper: Option<LinkageRank>,
    pub natural_pair: NaturalPairVerdict,
    pub explanation: Text,
}

// ---------------------------------------------------------------------------------------
// Government guidance
// ---------------------------------------------------------------------------------------

/// Whether an event concerns this pair or the whole programme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventScope {
    Pair,
    Programme,
}

/// A dated event on the pair's timeline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    /// `None` where the source gave no date (sorted last).
    pub date: Option<PartialDate>,
    pub kind: EventKind,
    pub scope: EventScope,
    pub title: String,
    pub amount_yuan: Option<f64>,
    pub industries: Vec<String>,
    pub summary: String,
    pub source: String,
}

/// Events of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindCount {
    pub kind: EventKind,
    /// Pair events only (programme-wide ones are not counted per pair).
    pub count: usize,
}

/// Government guidance and status: the timeline of pair and programme events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Guidance {
    /// Dated events first (oldest first), then undated ones.
    pub timeline: Vec<TimelineEvent>,
    /// Counts of the pair's own events per kind (every kind listed, zeros included).
    pub counts: Vec<KindCount>,
    pub pair_events: usize,
    pub programme_events: usize,
    pub undated: usize,
    /// Sum of stated amounts of the pair's events, yuan; `None` when none states one.
    /// Amounts are as published and may overlap (a conference total and its projects).
    pub stated_amount_yuan: Option<f64>,
}

// ---------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------

/// The research's three problem types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// (1) Park facilities and services lag behind the signed parks.
    FacilitiesLag,
    /// (2) No benefit-sharing / interest-coordination mechanism; one side keen, the other cold.
    NoBenefitSharing,
    /// (3) Government-driven with weak market force.
    GovernmentDriven,
}

impl ProblemKind {
    /// The three kinds in report order.
    pub const ALL: [ProblemKind; 3] = [
        ProblemKind::FacilitiesLag,
        ProblemKind::NoBenefitSharing,
        ProblemKind::GovernmentDriven,
    ];
}

/// Whether a problem was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Detected,
    NotDetected,
    /// Not enough data to tell.
    InsufficientData,
}

/// One piece of evidence behind a finding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub text: Text,
    /// The event it rests on, if any.
    pub event: Option<EventRef>,
    /// The figure it rests on, if any.
    pub figure: Option<Figure>,
}

/// A reference to a cooperation event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRef {
    pub date: Option<PartialDate>,
    pub kind: EventKind,
    pub title: String,
    pub source: String,
}

/// The outcome of one problem rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProblemFinding {
    pub problem: ProblemKind,
    pub title: Text,
    pub verdict: Verdict,
    /// In [0, 1]: how far the evidence supports the verdict (0 for `InsufficientData`).
    pub confidence: f64,
    /// The rule, with its thresholds.
    pub rule: Text,
    /// Why the rule came out as it did.
    pub explanation: Text,
    pub evidence: Vec<Evidence>,
}

// ---------------------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------------------

/// The research's three paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PathKind {
    /// Co-built parks with focus industries and a supply-demand docking platform.
    CoBuiltParks,
    /// Institutional innovation: benefit sharing, dispute resolution, compensation.
    InstitutionalInnovation,
    /// Market momentum: enterprises and chains rather than agreements.
    MarketMomentum,
}

impl PathKind {
    /// The three paths in report order.
    pub const ALL: [PathKind; 3] = [
        PathKind::CoBuiltParks,
        PathKind::InstitutionalInnovation,
        PathKind::MarketMomentum,
    ];
}

/// What a recommendation rests on.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Basis {
    /// A problem finding (whatever its verdict).
    Problem { problem: ProblemKind },
    /// A ranked opportunity, by sector code.
    Opportunity { code: String },
    /// The similar/complementary relation of the leading industries.
    IndustryRelation,
    /// The input-output links.
    IoCorrelation,
    /// Distance, gravity and the natural-pair verdict.
    Spatial,
    /// The level and structure gap.
    Foundation,
    /// Comparative advantage from the panel.
    ComparativeAdvantage,
    /// A gap of an industry-chain map, by chain and segment id.
    ChainGap { chain: String, node: String },
    /// A dispute case of the platform, by its source ([`super::records::DisputeRecord`]).
    Dispute { source: String },
    /// A barrier of the platform's register, by its source.
    Barrier { source: String },
    /// A technology match of the platform, by its source.
    InnovationMatch { source: String },
}

/// One recommendation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub text: Text,
    pub rests_on: Vec<Basis>,
}

/// The recommendations under one path.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PathRecommendation {
    pub path: PathKind,
    pub title: Text,
    pub recommendations: Vec<Recommendation>,
}

// ---------------------------------------------------------------------------------------
// Opportunities
// ---------------------------------------------------------------------------------------

/// How a cooperation in one industry would run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooperationMode {
    /// The helper relocates capacity to the helped side (梯度转移).
    Transfer,
    /// Both have the industry: divide the chain's stages (产业链分工).
    ChainDivision,
    /// The helped side supplies inputs to the helper's industries (配套供应).
    ComplementarySupply,
    /// Emerging / knowledge-intensive: joint research and incubation (协同创新).
    JointInnovation,
}

/// Where the scores come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityBasis {
    /// IO-42 sectors, named industries and the national IO table (no panel given).
    NamedIndustries,
    /// The user's panel (location quotients, relatedness density).
    Panel,
}

/// One score component of an opportunity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Component {
    /// Normalised value in [0, 1]; `None` when it cannot be computed (its weight is then
    /// left out and the others renormalised).
    pub value: Option<f64>,
    /// Configured weight.
    pub weight: f64,
    /// `weight · value / Σ weights of available components`: its share of the score.
    pub contribution: f64,
    /// How the value was obtained for this industry.
    pub basis: Text,
}

/// The four components of an opportunity score.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreComponents {
    pub transfer_propensity: Component,
    pub receiving_capacity: Component,
    pub io_linkage: Component,
    pub distance_decay: Component,
}

/// One candidate industry for the pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// 1-based.
    pub rank: usize,
    pub sector: SectorRef,
    /// Σ contributions, in [0, 1].
    pub score: f64,
    pub components: ScoreComponents,
    pub mode: CooperationMode,
    /// One line: why this industry, in this mode.
    pub reason: Text,
}

/// The ranked candidates of one pair.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OpportunityRanking {
    pub basis: OpportunityBasis,
    /// `io42`, or the panel's classification / measure.
    pub classification: String,
    /// Number of industries scored.
    pub candidates: usize,
    /// The best `top` of them, best first.
    pub opportunities: Vec<Opportunity>,
    /// How the components were computed (formulas) and what was missing.
    pub method: Text,
}

// ---------------------------------------------------------------------------------------
// Park assessments
// ---------------------------------------------------------------------------------------

/// One park's assessment in one year, as the advisor reads it (built from a `tandem assess
/// parks` run by `tandem_assess`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ParkAssessment {
    /// The programme pair the park belongs to.
    pub pair_id: String,
    /// The park's id or name as assessed.
    pub park: String,
    pub year: i32,
    /// The scheme's id.
    pub scheme: String,
    /// What the scheme follows, with its citation (or that it is an example).
    pub scheme_source: String,
    pub tier: Option<String>,
    pub total: Option<f64>,
    /// Why the park was not scored, when it was not.
    pub not_scored: Option<Text>,
    pub indicators: Vec<AssessedIndicator>,
}

/// One indicator of a park assessment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AssessedIndicator {
    pub id: String,
    pub label: Text,
    /// The park's value (`None`: missing).
    pub value: Option<f64>,
    /// The benchmark: the helper side's level.
    pub benchmark: f64,
    /// Less is better (energy, emissions, days, cost).
    pub cost: bool,
}

impl AssessedIndicator {
    /// Attainment of the benchmark ([`super::parks`]): `value / benchmark`, or
    /// `benchmark / value` for a cost (a cost of 0 attains fully); `None` when missing.
    pub fn attainment(&self) -> Option<f64> {
        let v = self.value?;
        Some(match (self.cost, v) {
            (true, v) if v <= 0.0 => 1.0,
            (true, v) => self.benchmark / v,
            (false, v) => v / self.benchmark,
        })
    }
}
