//! Industrial structure (family B): sector shares, structural similarity, the Moore
//! structural-change index, 产业结构高级化 / 合理化, and the industrialisation stage after
//! Chenery and 陈佳贵 et al.
//!
//! Vectors are levels over the same sectors (any additive non-negative measure); shares are
//! taken inside each function. Every function validates its input (finite, non-negative,
//! matching lengths) and reports degenerate input as a [`MetricError`].

use super::specialisation::{check_value, positive_total, same_length};
use super::MetricError;

/// Sector shares `s_i = x_i / Σ_k x_k`.
///
/// Unit: fraction, summing to 1. All zeros is [`MetricError::NoActivity`]; an empty
/// vector is [`MetricError::TooFew`]; a negative or non-finite value is refused.
///
/// ```
/// use tandem_core::metrics::structure::sector_shares;
/// assert_eq!(sector_shares(&[1.0, 3.0]).unwrap(), vec![0.25, 0.75]);
/// ```
pub fn sector_shares(values: &[f64]) -> Result<Vec<f64>, MetricError> {
    let total = positive_total("sector shares", values)?;
    Ok(values.iter().map(|v| v / total).collect())
}

fn cosine(what: &str, a: &[f64], b: &[f64]) -> Result<f64, MetricError> {
    same_length(&format!("{what}: second structure"), a, b)?;
    positive_total(&format!("{what}: first structure"), a)?;
    positive_total(&format!("{what}: second structure"), b)?;
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f64 = a.iter().map(|x| x * x).sum();
    let nb: f64 = b.iter().map(|x| x * x).sum();
    // Rounding can push a cosine of identical directions a hair above 1.
    Ok((dot / (na * nb).sqrt()).min(1.0))
}

/// Structural similarity coefficient (UNIDO; 产业结构相似系数) of two regions:
/// `S_ab = Σ_i s_ai s_bi / √(Σ_i s_ai² · Σ_i s_bi²)`, the cosine of their share vectors.
///
/// Unit: [0, 1]; 1 = identical structure, 0 = no sector in common. Scale-free, so levels
/// and shares give the same value. Reference: UNIDO (1979), *World Industry since 1960*;
/// golden `own_pairwise_structure.csv`. Either region with no activity is
/// [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::structure::structural_similarity;
/// assert!((structural_similarity(&[1.0, 2.0], &[10.0, 20.0]).unwrap() - 1.0).abs() < 1e-12);
/// assert_eq!(structural_similarity(&[1.0, 0.0], &[0.0, 4.0]).unwrap(), 0.0);
/// ```
pub fn structural_similarity(a: &[f64], b: &[f64]) -> Result<f64, MetricError> {
    cosine("structural similarity", a, b)
}

/// The Moore structural-change index between two periods.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MooreIndex {
    /// `cos θ = Σ s0 s1 / √(Σ s0² Σ s1²)`, in [0, 1] (1 = no change).
    pub cosine: f64,
    /// `θ = arccos(cos θ)`, in radians, [0, π/2] (0 = no change). Multiply by
    /// `180/π` for degrees.
    pub angle_radians: f64,
}

/// Moore structural-change index: the angle between the sector-share vectors of two
/// periods, `cos θ = Σ_i s0_i s1_i / √(Σ_i s0_i² · Σ_i s1_i²)`.
///
/// Reports both the cosine and the angle θ (radians). Reference: Moore (1978),
/// *Review of Income and Wealth* 24 (the "Moore index" of structural change). The cosine is clamped at 1 against rounding so that θ is never NaN. Either
/// period with no activity is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::structure::moore_structural_change;
/// let m = moore_structural_change(&[1.0, 0.0], &[1.0, 1.0]).unwrap();
/// assert!((m.angle_radians - std::f64::consts::FRAC_PI_4).abs() < 1e-12);
/// ```
pub fn moore_structural_change(before: &[f64], after: &[f64]) -> Result<MooreIndex, MetricError> {
    let c = cosine("Moore structural change", before, after)?;
    Ok(MooreIndex {
        cosine: c,
        angle_radians: c.acos(),
    })
}

/// Industrial-structure advancement (产业结构高级化): `TS = Y_tertiary / Y_secondary`.
///
/// Unit: ratio of value added (any common unit); rising = a service-ward shift.
/// Reference: 干春晖, 郑若谷, 余典范 (2011), 中国产业结构变迁对经济增长和波动的影响,
/// 《经济研究》2011(5): 4–16. A secondary sector of 0 is [`MetricError::NoActivity`];
/// negative or non-finite inputs are refused.
///
/// ```
/// use tandem_core::metrics::structure::structure_advancement;
/// assert_eq!(structure_advancement(60.0, 40.0).unwrap(), 1.5);
/// ```
pub fn structure_advancement(tertiary: f64, secondary: f64) -> Result<f64, MetricError> {
    check_value("structure advancement: tertiary", tertiary, "value")?;
    check_value("structure advancement: secondary", secondary, "value")?;
    if secondary <= 0.0 {
        return Err(MetricError::NoActivity(
            "structure advancement: secondary sector".into(),
        ));
    }
    Ok(tertiary / secondary)
}

/// Industrial-structure rationalisation (产业结构合理化), the Theil form:
/// `TL = Σ_i (Y_i / Y) · ln[(Y_i / L_i) / (Y / L)]`.
///
/// `output` = value added by sector (Y_i), `employment` = persons by sector (L_i), same
/// sectors. Unit: nats, ≥ 0 (it is the Kullback–Leibler divergence of output shares from
/// employment shares); 0 = labour productivity equal across sectors ("rational"), larger =
/// further from equilibrium. Reference: 干春晖, 郑若谷, 余典范 (2011), 《经济研究》2011(5).
///
/// Zeros: a sector with `Y_i = 0` contributes 0 (`0 · ln 0 := 0`); a sector with `Y_i > 0`
/// but `L_i = 0` has infinite productivity and is [`MetricError::ZeroDenominator`] (naming it).
/// All-zero output or employment is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::structure::structure_rationalisation;
/// // equal productivity everywhere -> 0
/// assert!(structure_rationalisation(&[2.0, 4.0], &[1.0, 2.0]).unwrap().abs() < 1e-15);
/// let tl = structure_rationalisation(&[1.0, 1.0], &[3.0, 1.0]).unwrap();
/// assert!((tl - (0.5 * (0.5f64 / 0.75).ln() + 0.5 * (0.5f64 / 0.25).ln())).abs() < 1e-12);
/// ```
pub fn structure_rationalisation(output: &[f64], employment: &[f64]) -> Result<f64, MetricError> {
    same_length("structure rationalisation: employment", output, employment)?;
    let y = positive_total("structure rationalisation: output", output)?;
    let l = positive_total("structure rationalisation: employment", employment)?;
    let mut tl = 0.0;
    for (k, (yi, li)) in output.iter().zip(employment).enumerate() {
        if *yi == 0.0 {
            continue;
        }
        if *li == 0.0 {
            // Its productivity Y_i / L_i is infinite.
            return Err(MetricError::ZeroDenominator {
                what: "structure rationalisation".into(),
                at: format!("sector {k}"),
                numerator: "output".into(),
                value: *yi,
                denominator: "employment".into(),
            });
        }
        tl += (yi / y) * ((yi / li) / (y / l)).ln();
    }
    Ok(tl)
}

// ---------------------------------------------------------------------------------------
// Industrialisation stage
// ---------------------------------------------------------------------------------------

/// Where the stage method comes from (reported with every assessment).
pub const STAGE_METHOD_SOURCE: &str = "Chenery, Robinson & Syrquin (1986), Industrialization and Growth (income thresholds, 1964 USD); \
陈佳贵, 黄群慧, 钟宏武 (2006), 中国地区工业化进程的综合评价和特征分析, 《经济研究》2006(6): 4-15 \
(threshold table in 2005 USD, 0-100 scoring and AHP weights)";

/// Chenery's per-capita income stage bounds in **1964 US dollars**: pre-industrial below
/// 200 (the table starts at 100), early 200–400, middle 400–800, late 800–1,500,
/// post-industrial from 1,500. Source: Chenery, Robinson & Syrquin (1986), as tabulated by
/// 陈佳贵 et al. (2006), Table 1.
pub const CHENERY_THRESHOLDS_USD1964: [f64; 4] = [200.0, 400.0, 800.0, 1500.0];

/// Conversion from 1964 to 1970 US dollars behind the 1970-dollar version of the table
/// (140/280/560/1,120/2,100 = 1.4 × the 1964 values), as reproduced in the Chinese
/// literature after Chenery, Robinson & Syrquin (1986).
pub const USD1964_TO_USD1970: f64 = 1.4;

/// Conversion from 1964 to 2005 US dollars implied by 陈佳贵 et al. (2006), Table 1
/// (745 = 7.45 × 100, 1,490 = 7.45 × 200, ...; they derive it from the US GDP deflator).
pub const USD1964_TO_USD2005: f64 = 7.45;

/// The income bounds as published in 2005 US dollars by 陈佳贵 et al. (2006), Table 1:
/// early industrialisation from 1,490, middle from 2,980, late from 5,960,
/// post-industrial from 11,170 (the table's pre-industrial band is 745–1,490). These are
/// [`CHENERY_THRESHOLDS_USD1964`] × [`USD1964_TO_USD2005`], rounded by the authors.
pub const CHENERY_THRESHOLDS_USD2005: [f64; 4] = [1490.0, 2980.0, 5960.0, 11170.0];

/// Average CNY per USD exchange rate in 2005 (official central parity, annual average),
/// NBS 《中国统计年鉴2006》 table "人民币汇率". Use it to express a 2005-price per-capita GDP
/// in yuan in the table's dollars; other years are in [`CNY_PER_USD_ANNUAL`].
pub const CNY_PER_USD_2005: f64 = 8.1917;

/// Urbanisation-rate bounds (urban population share): early from 0.30, middle from 0.50,
/// late from 0.60, post-industrial from 0.75. Source: 陈佳贵 et al. (2006), Table 1.
pub const URBANISATION_THRESHOLDS: [f64; 4] = [0.30, 0.50, 0.60, 0.75];

/// Primary-sector employment-share bounds (falling with development): early below 0.60,
/// middle below 0.45, late below 0.30, post-industrial below 0.10. Source: 陈佳贵 et al.
/// (2006), Table 1.
pub const PRIMARY_EMPLOYMENT_THRESHOLDS: [f64; 4] = [0.60, 0.45, 0.30, 0.10];

/// Manufacturing value added as a share of commodity-producing value added: early from
/// 0.20, middle from 0.40, late from 0.50, post-industrial from 0.60. Source: 陈佳贵 et al.
/// (2006), Table 1 (after Chenery's "制造业增加值占总商品增加值比重").
pub const MANUFACTURING_SHARE_THRESHOLDS: [f64; 4] = [0.20, 0.40, 0.50, 0.60];

/// Primary-sector output-share bounds used with the secondary/tertiary comparison: early
/// while A > 0.20 (and A < I), middle when A < 0.20 and I > S, late when A < 0.10 and
/// I > S, post-industrial when A < 0.10 and I < S. Source: 陈佳贵 et al. (2006), Table 1.
pub const PRIMARY_OUTPUT_THRESHOLDS: [f64; 2] = [0.20, 0.10];

/// AHP weights of the five criteria in 陈佳贵 et al. (2006) as commonly cited, in the order
/// income, sector structure, manufacturing share, urbanisation, primary employment
/// (percent). Only the available criteria are used, with weights renormalised.
pub const STAGE_WEIGHTS: [f64; 5] = [36.0, 22.0, 22.0, 12.0, 8.0];

/// A stage of industrialisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndustrialisationStage {
    /// 前工业化阶段
    PreIndustrial,
    /// 工业化初期
    Early,
    /// 工业化中期
    Middle,
    /// 工业化后期
    Late,
    /// 后工业化阶段
    PostIndustrial,
}

impl IndustrialisationStage {
    /// A short English label.
    pub fn label(self) -> &'static str {
        match self {
            IndustrialisationStage::PreIndustrial => "pre-industrial",
            IndustrialisationStage::Early => "early industrialisation",
            IndustrialisationStage::Middle => "middle industrialisation",
            IndustrialisationStage::Late => "late industrialisation",
            IndustrialisationStage::PostIndustrial => "post-industrial",
        }
    }

    fn from_index(k: usize) -> IndustrialisationStage {
        match k {
            0 => IndustrialisationStage::PreIndustrial,
            1 => IndustrialisationStage::Early,
            2 => IndustrialisationStage::Middle,
            3 => IndustrialisationStage::Late,
            _ => IndustrialisationStage::PostIndustrial,
        }
    }

    /// The stage of a composite 0–100 score: 0 pre-industrial, (0, 33) early, [33, 66)
    /// middle, [66, 100) late, 100 post-industrial (陈佳贵 et al. 2006: 0, 1–33, 34–66,
    /// 67–99, 100, made continuous).
    pub fn from_score(score: f64) -> IndustrialisationStage {
        if score <= 0.0 {
            IndustrialisationStage::PreIndustrial
        } else if score < 33.0 {
            IndustrialisationStage::Early
        } else if score < 66.0 {
            IndustrialisationStage::Middle
        } else if score < 100.0 {
            IndustrialisationStage::Late
        } else {
            IndustrialisationStage::PostIndustrial
        }
    }
}

/// One criterion of the stage assessment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StageCriterion {
    /// GDP per capita in 2005 US dollars.
    GdpPerCapita,
    /// Primary/secondary/tertiary output structure.
    SectorStructure,
    /// Manufacturing share of commodity-producing value added.
    ManufacturingShare,
    /// Urban population share.
    Urbanisation,
    /// Primary-sector employment share.
    PrimaryEmployment,
}

/// Inputs of [`industrialisation_stage`]; give what is known, leave the rest `None`.
/// Shares are fractions in [0, 1].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StageInputs {
    /// GDP per capita in 2005 US dollars (see [`gdp_per_capita_usd2005`]).
    pub gdp_per_capita_usd2005: Option<f64>,
    /// Value added of the primary, secondary and tertiary sectors (levels or shares).
    pub sector_output: Option<[f64; 3]>,
    /// Manufacturing value added / commodity-producing value added.
    pub manufacturing_share: Option<f64>,
    /// Urban population / total population.
    pub urbanisation_rate: Option<f64>,
    /// Primary-sector employment / total employment.
    pub primary_employment_share: Option<f64>,
}

/// How one criterion placed the region.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CriterionAssessment {
    pub criterion: StageCriterion,
    pub stage: IndustrialisationStage,
    /// 0–100 on the 陈佳贵 et al. scale.
    pub score: f64,
    /// The criterion's weight before renormalisation (from [`STAGE_WEIGHTS`]).
    pub weight: f64,
}

/// The result of [`industrialisation_stage`].
#[derive(Clone, Debug, PartialEq)]
pub struct StageAssessment {
    /// The stage of the composite score.
    pub stage: IndustrialisationStage,
    /// Weighted mean of the available criteria's scores, 0–100.
    pub score: f64,
    /// The criteria that were available, with their own stage and score.
    pub criteria: Vec<CriterionAssessment>,
    /// The method's source ([`STAGE_METHOD_SOURCE`]).
    pub method: &'static str,
}

/// GDP per capita in 2005 US dollars from a current-price yuan figure:
/// `y_usd2005 = y_cny / cny_per_usd / deflator`, where `cny_per_usd` is the year's average
/// exchange rate (NBS yearbook, table 人民币汇率) and `us_deflator_vs_2005` the US GDP
/// deflator of the year relative to 2005 (BEA NIPA table 1.1.9, 2005 = 1). Both are data
/// the caller supplies; for 2005 itself use [`CNY_PER_USD_2005`] and 1, and for the years
/// with bundled constants use [`gdp_per_capita_usd2005_for_year`]. Non-positive or
/// non-finite arguments are [`MetricError::OutOfRange`].
///
/// ```
/// use tandem_core::metrics::structure::{gdp_per_capita_usd2005, CNY_PER_USD_2005};
/// let y = gdp_per_capita_usd2005(14_185.0, CNY_PER_USD_2005, 1.0).unwrap();
/// assert!((y - 1731.63).abs() < 0.01);
/// ```
pub fn gdp_per_capita_usd2005(
    gdp_per_capita_cny: f64,
    cny_per_usd: f64,
    us_deflator_vs_2005: f64,
) -> Result<f64, MetricError> {
    for (name, v) in [
        ("GDP per capita", gdp_per_capita_cny),
        ("exchange rate", cny_per_usd),
        ("deflator", us_deflator_vs_2005),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(MetricError::OutOfRange {
                what: "GDP per capita in 2005 USD".into(),
                parameter: name.into(),
                value: v,
                allowed: "a finite positive number".into(),
            });
        }
    }
    Ok(gdp_per_capita_cny / cny_per_usd / us_deflator_vs_2005)
}

/// Where [`CNY_PER_USD_ANNUAL`] comes from (cite it next to any converted figure).
pub const CNY_PER_USD_SOURCE: &str =
    "NBS 《中国统计年鉴》 table 人民币汇率 and the annual 国民经济和社会发展统计公报: \
annual average of the People's Bank of China USD/CNY central parity (中间价), 4 decimals";

/// Annual-average yuan per US dollar, `(year, CNY per USD)`, 2005 and 2015–2023.
///
/// Source: [`CNY_PER_USD_SOURCE`] (the People's Bank of China central parity averaged over
/// the year, as printed by the NBS; the IMF IFS market-rate series differs in the second or
/// third decimal). 2005 is [`CNY_PER_USD_2005`]. Years not listed have no constant and
/// [`usd2005_conversion`] returns `None` for them rather than extrapolating.
pub const CNY_PER_USD_ANNUAL: [(i32, f64); 10] = [
    (2005, CNY_PER_USD_2005),
    (2015, 6.2284),
    (2016, 6.6423),
    (2017, 6.7518),
    (2018, 6.6174),
    (2019, 6.8985),
    (2020, 6.8976),
    (2021, 6.4515),
    (2022, 6.7261),
    (2023, 7.0467),
];

/// Where [`US_GDP_DEFLATOR_2017_100`] comes from, with its rounding and vintage.
pub const US_GDP_DEFLATOR_SOURCE: &str = "US BEA, NIPA Table 1.1.9 (Implicit Price Deflators for GDP), line 1, \
annual, index 2017 = 100, rounded to 0.1; vintage after the 2023 comprehensive update, not re-checked \
against BEA from inside this project (treat as accurate to about ±0.5 %)";

/// US GDP implicit price deflator, `(year, index 2017 = 100)`, for 2005, 2017 and 2019–2023.
///
/// Source: [`US_GDP_DEFLATOR_SOURCE`]. Rounded to one decimal, and BEA revises the series,
/// so the ratios built from it are good to roughly ±0.5 % — far finer than the stage bands,
/// each of which spans a factor of two in income. 2017 is 100 by definition of the index.
/// 2015, 2016 and 2018 are deliberately absent: the values could not be confirmed to this
/// precision, and a missing constant is reported as missing (see [`usd2005_conversion`]).
pub const US_GDP_DEFLATOR_2017_100: [(i32, f64); 7] = [
    (2005, 81.5),
    (2017, 100.0),
    (2019, 103.9),
    (2020, 105.3),
    (2021, 110.2),
    (2022, 117.9),
    (2023, 121.6),
];

/// The constants that turn one year's yuan into 2005 US dollars.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Usd2005Conversion {
    /// The year the constants belong to.
    pub year: i32,
    /// Annual-average yuan per US dollar ([`CNY_PER_USD_ANNUAL`]).
    pub cny_per_usd: f64,
    /// The year's US GDP deflator, index 2017 = 100 ([`US_GDP_DEFLATOR_2017_100`]).
    pub us_deflator_index: f64,
    /// The 2005 value of the same index.
    pub us_deflator_index_2005: f64,
}

impl Usd2005Conversion {
    /// The US deflator of the year relative to 2005 (2005 = 1): `index_year / index_2005`.
    pub fn us_deflator_vs_2005(&self) -> f64 {
        self.us_deflator_index / self.us_deflator_index_2005
    }
}

fn constant_for(table: &[(i32, f64)], year: i32) -> Option<f64> {
    table.iter().find(|(y, _)| *y == year).map(|(_, v)| *v)
}

/// The exchange rate and US deflator of `year`, if both are in the tables
/// ([`CNY_PER_USD_ANNUAL`], [`US_GDP_DEFLATOR_2017_100`]); `None` otherwise. There is no
/// interpolation or extrapolation: a year without constants has no conversion.
///
/// ```
/// use tandem_core::metrics::structure::usd2005_conversion;
/// let c = usd2005_conversion(2022).unwrap();
/// assert_eq!(c.cny_per_usd, 6.7261);
/// assert!((c.us_deflator_vs_2005() - 117.9 / 81.5).abs() < 1e-12);
/// assert!(usd2005_conversion(2024).is_none());
/// ```
pub fn usd2005_conversion(year: i32) -> Option<Usd2005Conversion> {
    Some(Usd2005Conversion {
        year,
        cny_per_usd: constant_for(&CNY_PER_USD_ANNUAL, year)?,
        us_deflator_index: constant_for(&US_GDP_DEFLATOR_2017_100, year)?,
        us_deflator_index_2005: constant_for(&US_GDP_DEFLATOR_2017_100, 2005)?,
    })
}

/// GDP per capita in 2005 US dollars from a current-price yuan figure of `year`, using the
/// bundled constants: `y_usd2005 = cny / cny_per_usd(year) / (deflator(year) / deflator(2005))`
/// (see [`gdp_per_capita_usd2005`] and [`usd2005_conversion`]).
///
/// Returns `None` when `year` has no exchange rate or no deflator in the tables — no silent
/// extrapolation to neighbouring years — and also when `cny` is not a finite positive
/// number (which [`gdp_per_capita_usd2005`] refuses); callers that must tell the two apart
/// check [`usd2005_conversion`] first.
///
/// ```
/// use tandem_core::metrics::structure::gdp_per_capita_usd2005_for_year;
/// let y = gdp_per_capita_usd2005_for_year(93_731.0, 2022).unwrap();
/// assert!((y - 93_731.0 / 6.7261 / (117.9 / 81.5)).abs() < 1e-9);
/// assert_eq!(gdp_per_capita_usd2005_for_year(93_731.0, 2014), None);
/// ```
pub fn gdp_per_capita_usd2005_for_year(cny: f64, year: i32) -> Option<f64> {
    let c = usd2005_conversion(year)?;
    gdp_per_capita_usd2005(cny, c.cny_per_usd, c.us_deflator_vs_2005()).ok()
}

/// Score on the 0–100 scale of a position inside the stage bands: stage 0 → 0,
/// stage 1–3 → 33·(k−1) + 33·fraction, stage 4 → 100.
fn band_score(stage: usize, fraction: f64) -> f64 {
    match stage {
        0 => 0.0,
        1..=3 => 33.0 * (stage as f64 - 1.0) + 33.0 * fraction.clamp(0.0, 1.0),
        _ => 100.0,
    }
}

/// Stage and within-stage position of a value against four rising bounds.
fn rising(value: f64, bounds: &[f64; 4]) -> (usize, f64) {
    let stage = bounds.iter().filter(|b| value >= **b).count();
    let fraction = if (1..=3).contains(&stage) {
        (value - bounds[stage - 1]) / (bounds[stage] - bounds[stage - 1])
    } else {
        0.0
    };
    (stage, fraction)
}

/// Stage and within-stage position against four falling bounds (lower = later).
fn falling(value: f64, bounds: &[f64; 4]) -> (usize, f64) {
    let stage = bounds.iter().filter(|b| value < **b).count();
    let fraction = if (1..=3).contains(&stage) {
        (bounds[stage - 1] - value) / (bounds[stage - 1] - bounds[stage])
    } else {
        0.0
    };
    (stage, fraction)
}

fn share(name: &str, v: f64) -> Result<f64, MetricError> {
    if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
        return Err(MetricError::OutOfRange {
            what: "industrialisation stage".into(),
            parameter: name.into(),
            value: v,
            allowed: "a fraction in [0, 1]".into(),
        });
    }
    Ok(v)
}

/// Industrialisation stage after Chenery, scored as in 陈佳贵, 黄群慧 & 钟宏武 (2006).
///
/// Each available criterion is placed in a stage by the bounds of 陈佳贵 et al. (2006),
/// Table 1 (the named constants of this module) and scored 0–100: pre-industrial 0; early,
/// middle and late 0–33, 33–66, 66–99 by linear interpolation inside the band;
/// post-industrial 100. The composite score is the weighted mean with [`STAGE_WEIGHTS`]
/// renormalised over the available criteria, and the stage is that of the composite score
/// ([`IndustrialisationStage::from_score`]).
///
/// * income: [`CHENERY_THRESHOLDS_USD2005`] (convert with [`gdp_per_capita_usd2005`]);
/// * sector structure (A, I, S = primary, secondary, tertiary shares): pre-industrial if
///   A > I; else early if A ≥ 0.20; middle if 0.10 ≤ A < 0.20; late if A < 0.10 and
///   I > S; post-industrial if A < 0.10 and I ≤ S. The early band has no fixed lower bound
///   (it starts where A = I), so early scores its midpoint; middle and late interpolate on
///   A (0.20 → 0.10, 0.10 → 0);
/// * manufacturing share, urbanisation, primary employment: the four bounds of their
///   constants.
///
/// Simplification, documented: 陈佳贵 et al. split the sector-structure middle stage by
/// I > S; here A alone decides between early and middle, because a region with A < 0.20
/// and I < S (a service economy with some farming) fits no row of their table.
///
/// Errors: no criterion given → [`MetricError::TooFew`]; a share outside [0, 1], a
/// negative or non-finite income → [`MetricError::OutOfRange`]; sector output all zero →
/// [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::structure::{industrialisation_stage, IndustrialisationStage, StageInputs};
/// let a = industrialisation_stage(&StageInputs {
///     gdp_per_capita_usd2005: Some(4470.0),      // middle band, halfway: 33 + 16.5
///     urbanisation_rate: Some(0.55),             // middle band, halfway: 49.5
///     ..StageInputs::default()
/// }).unwrap();
/// assert_eq!(a.stage, IndustrialisationStage::Middle);
/// assert!((a.score - 49.5).abs() < 1e-9);
/// assert_eq!(a.criteria.len(), 2);
/// ```
pub fn industrialisation_stage(inputs: &StageInputs) -> Result<StageAssessment, MetricError> {
    let mut criteria = Vec::new();
    let mut push = |criterion: StageCriterion, weight: f64, (stage, fraction): (usize, f64)| {
        criteria.push(CriterionAssessment {
            criterion,
            stage: IndustrialisationStage::from_index(stage),
            score: band_score(stage, fraction),
            weight,
        });
    };
    if let Some(y) = inputs.gdp_per_capita_usd2005 {
        if !(y.is_finite() && y >= 0.0) {
            return Err(MetricError::OutOfRange {
                what: "industrialisation stage".into(),
                parameter: "GDP per capita".into(),
                value: y,
                allowed: "finite and non-negative".into(),
            });
        }
        push(
            StageCriterion::GdpPerCapita,
            STAGE_WEIGHTS[0],
            rising(y, &CHENERY_THRESHOLDS_USD2005),
        );
    }
    if let Some(levels) = inputs.sector_output {
        let total = positive_total("industrialisation stage: sector output", &levels)?;
        let (a, i, s) = (levels[0] / total, levels[1] / total, levels[2] / total);
        let [mid, late] = PRIMARY_OUTPUT_THRESHOLDS;
        let position = if a > i {
            (0, 0.0)
        } else if a >= mid {
            (1, 0.5)
        } else if a >= late {
            (2, (mid - a) / (mid - late))
        } else if i > s {
            (3, (late - a) / late)
        } else {
            (4, 0.0)
        };
        push(StageCriterion::SectorStructure, STAGE_WEIGHTS[1], position);
    }
    if let Some(m) = inputs.manufacturing_share {
        let m = share("manufacturing share", m)?;
        push(
            StageCriterion::ManufacturingShare,
            STAGE_WEIGHTS[2],
            rising(m, &MANUFACTURING_SHARE_THRESHOLDS),
        );
    }
    if let Some(u) = inputs.urbanisation_rate {
        let u = share("urbanisation rate", u)?;
        push(
            StageCriterion::Urbanisation,
            STAGE_WEIGHTS[3],
            rising(u, &URBANISATION_THRESHOLDS),
        );
    }
    if let Some(p) = inputs.primary_employment_share {
        let p = share("primary employment share", p)?;
        push(
            StageCriterion::PrimaryEmployment,
            STAGE_WEIGHTS[4],
            falling(p, &PRIMARY_EMPLOYMENT_THRESHOLDS),
        );
    }
    if criteria.is_empty() {
        return Err(MetricError::TooFew {
            what: "industrialisation stage: criteria (income, sector structure, manufacturing share, urbanisation, primary employment)".into(),
            needed: 1,
            got: 0,
        });
    }
    let weight: f64 = criteria.iter().map(|c| c.weight).sum();
    let score = criteria.iter().map(|c| c.weight * c.score).sum::<f64>() / weight;
    Ok(StageAssessment {
        stage: IndustrialisationStage::from_score(score),
        score,
        criteria,
        method: STAGE_METHOD_SOURCE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thresholds_in_2005_dollars_are_the_1964_ones_converted() {
        for (a, b) in CHENERY_THRESHOLDS_USD1964
            .iter()
            .zip(CHENERY_THRESHOLDS_USD2005)
        {
            assert!((a * USD1964_TO_USD2005 - b).abs() / b < 1e-3);
        }
    }

    #[test]
    fn stage_bands_and_structure_rules() {
        let only = |inputs: StageInputs| industrialisation_stage(&inputs).unwrap();
        let pre = only(StageInputs {
            sector_output: Some([50.0, 30.0, 20.0]),
            ..Default::default()
        });
        assert_eq!(pre.stage, IndustrialisationStage::PreIndustrial);
        assert_eq!(pre.score, 0.0);
        let late = only(StageInputs {
            sector_output: Some([5.0, 50.0, 45.0]),
            ..Default::default()
        });
        assert_eq!(late.criteria[0].stage, IndustrialisationStage::Late);
        assert!((late.score - (66.0 + 16.5)).abs() < 1e-9);
        let post = only(StageInputs {
            gdp_per_capita_usd2005: Some(20_000.0),
            primary_employment_share: Some(0.02),
            ..Default::default()
        });
        assert_eq!(post.stage, IndustrialisationStage::PostIndustrial);
        let early = only(StageInputs {
            primary_employment_share: Some(0.525),
            ..Default::default()
        });
        assert_eq!(early.stage, IndustrialisationStage::Early);
        assert!((early.score - 16.5).abs() < 1e-9);
    }

    #[test]
    fn stage_errors() {
        assert!(matches!(
            industrialisation_stage(&StageInputs::default()),
            Err(MetricError::TooFew { .. })
        ));
        assert!(industrialisation_stage(&StageInputs {
            urbanisation_rate: Some(55.0),
            ..Default::default()
        })
        .is_err());
        assert!(matches!(
            industrialisation_stage(&StageInputs {
                sector_output: Some([0.0; 3]),
                ..Default::default()
            }),
            Err(MetricError::NoActivity(_))
        ));
        assert!(gdp_per_capita_usd2005(1.0, 0.0, 1.0).is_err());
    }

    #[test]
    fn conversion_tables_are_sorted_positive_and_2005_is_the_base() {
        for table in [&CNY_PER_USD_ANNUAL[..], &US_GDP_DEFLATOR_2017_100[..]] {
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0));
            assert!(table.iter().all(|(_, v)| v.is_finite() && *v > 0.0));
        }
        let base = usd2005_conversion(2005).unwrap();
        assert_eq!(base.us_deflator_vs_2005(), 1.0);
        assert_eq!(base.cny_per_usd, CNY_PER_USD_2005);
        // exchange rate known, deflator deliberately absent: no conversion
        assert!(constant_for(&CNY_PER_USD_ANNUAL, 2018).is_some());
        assert!(usd2005_conversion(2018).is_none());
        assert_eq!(gdp_per_capita_usd2005_for_year(-1.0, 2022), None);
    }

    #[test]
    fn rationalisation_refuses_output_without_labour() {
        assert!(matches!(
            structure_rationalisation(&[1.0, 1.0], &[1.0, 0.0]),
            Err(MetricError::ZeroDenominator { ref at, value: 1.0, .. }) if at == "sector 1"
        ));
        // no output and no labour in a sector: skipped
        let tl = structure_rationalisation(&[1.0, 0.0], &[1.0, 0.0]).unwrap();
        assert_eq!(tl, 0.0);
        assert!(structure_advancement(1.0, 0.0).is_err());
    }

    #[test]
    fn moore_of_identical_structures_is_zero_angle() {
        let m = moore_structural_change(&[0.1, 0.7, 0.2], &[1.0, 7.0, 2.0]).unwrap();
        assert_eq!(m.cosine, 1.0);
        assert_eq!(m.angle_radians, 0.0);
    }
}
