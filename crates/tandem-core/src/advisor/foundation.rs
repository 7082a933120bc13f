//! The pair's foundation: level gap, structure gap, industrialisation stage, and whether the
//! two sides' leading industries are similar or complementary.
//!
//! **Similar / complementary rule.** For each side take the set of IO-42 sectors it names as
//! `leading`, `pillar` or `emerging` (leading_industries.csv; cooperation-focus rows are the
//! pair's agreement, not a side's own structure, and are kept apart). With H and D the
//! helper's and helped side's sets, the overlap is the Jaccard index `J = |H ∩ D| / |H ∪ D|`.
//!
//! | condition | relation | implication |
//! |---|---|---|
//! | `|H| < min_sectors` or `|D| < min_sectors` | not enough data | — |
//! | `J ≥ similar_min_jaccard` (0.4) | similar | industrial-chain layout and horizontal division of labour |
//! | `J ≤ complementary_max_jaccard` (0.2) | complementary | transfer and supply bases |
//! | otherwise | mixed | division in the shared sectors, transfer/supply in the others |
//!
//! Thresholds come from [`RelationParams`]; 0.4 means that at least two of every five named
//! sectors are common to both sides, 0.2 at most one in five.

use super::types::*;
use super::weights::RelationParams;
use crate::figures::{in_year, latest, latest_common_ratio, Figure};
use crate::metrics::structure::{
    gdp_per_capita_usd2005, industrialisation_stage, sector_shares, structural_similarity,
    structure_advancement, usd2005_conversion, IndustrialisationStage, StageCriterion, StageInputs,
    Usd2005Conversion, CNY_PER_USD_SOURCE, US_GDP_DEFLATOR_SOURCE,
};
use crate::{
    Dimension, IndustryRole, IoTable, LeadingIndustry, Observation, SECTOR_LEVELS, SECTOR_SHARES,
};
use std::collections::{BTreeMap, BTreeSet};

/// The sector of `code` in `table` with its names; the code itself where the table lacks it.
pub fn sector_ref(table: &IoTable, code: &str) -> SectorRef {
    match table.sectors.iter().find(|s| s.code == code) {
        Some(s) => SectorRef {
            code: s.code.clone(),
            name: Text::new(s.name_zh.clone(), s.name_en.clone()),
        },
        None => SectorRef {
            code: code.to_string(),
            name: Text::new(code, code),
        },
    }
}

/// The three-sector structure of `locality` in `year`: levels if all three exist, else
/// shares if all three exist, else `None`.
pub fn structure_in(
    observations: &[Observation],
    locality: &str,
    year: i32,
) -> Option<SectorStructure> {
    for (basis, ids) in [
        (StructureBasis::Levels, SECTOR_LEVELS),
        (StructureBasis::Shares, SECTOR_SHARES),
    ] {
        let figures: Vec<Figure> = ids
            .iter()
            .filter_map(|id| in_year(observations, locality, id, year))
            .collect();
        if figures.len() != 3 {
            continue;
        }
        let values: Vec<f64> = figures.iter().map(|f| f.value).collect();
        // All-zero or invalid sector values are not a structure; try the other basis.
        let Ok(shares) = sector_shares(&values) else {
            continue;
        };
        let advancement = structure_advancement(values[2], values[1]).ok();
        return Some(SectorStructure {
            year,
            basis,
            shares: [shares[0], shares[1], shares[2]],
            figures,
            advancement,
        });
    }
    None
}

/// Years in which `locality` has any sector level or share, newest first.
fn structure_years(observations: &[Observation], locality: &str) -> Vec<i32> {
    let years: BTreeSet<i32> = observations
        .iter()
        .filter(|o| {
            o.locality == locality
                && (SECTOR_LEVELS.contains(&o.indicator.as_str())
                    || SECTOR_SHARES.contains(&o.indicator.as_str()))
        })
        .map(|o| o.year)
        .collect();
    years.into_iter().rev().collect()
}

/// The latest three-sector structure of `locality`.
pub fn latest_structure(observations: &[Observation], locality: &str) -> Option<SectorStructure> {
    structure_years(observations, locality)
        .into_iter()
        .find_map(|y| structure_in(observations, locality, y))
}

fn stage_of(s: IndustrialisationStage) -> Stage {
    match s {
        IndustrialisationStage::PreIndustrial => Stage::PreIndustrial,
        IndustrialisationStage::Early => Stage::Early,
        IndustrialisationStage::Middle => Stage::Middle,
        IndustrialisationStage::Late => Stage::Late,
        IndustrialisationStage::PostIndustrial => Stage::PostIndustrial,
    }
}

/// Bilingual label of a stage.
pub fn stage_label(s: Stage) -> Text {
    match s {
        Stage::PreIndustrial => Text::new("前工业化阶段", "pre-industrial"),
        Stage::Early => Text::new("工业化初期", "early industrialisation"),
        Stage::Middle => Text::new("工业化中期", "middle industrialisation"),
        Stage::Late => Text::new("工业化后期", "late industrialisation"),
        Stage::PostIndustrial => Text::new("后工业化阶段", "post-industrial"),
    }
}

fn criterion_name(c: StageCriterion) -> &'static str {
    match c {
        StageCriterion::GdpPerCapita => "gdp_per_capita",
        StageCriterion::SectorStructure => "sector_structure",
        StageCriterion::ManufacturingShare => "manufacturing_share",
        StageCriterion::Urbanisation => "urbanisation",
        StageCriterion::PrimaryEmployment => "primary_employment",
    }
}

/// How the per-capita income criterion was settled for one side.
enum Income {
    /// Converted with the year's constants.
    Used {
        figure: Figure,
        cny: f64,
        usd2005: f64,
        conversion: Usd2005Conversion,
    },
    /// Left out, with the reason (bilingual) and the figure if there was one.
    Left {
        figure: Option<Figure>,
        zh: String,
        en: String,
    },
}

/// The latest `gdp_per_capita` figure of `locality` in 2005 US dollars, if its year has
/// constants ([`usd2005_conversion`]) and its value is a finite positive amount of money.
fn income(observations: &[Observation], locality: &str) -> Income {
    let Some(figure) = latest(observations, locality, "gdp_per_capita") else {
        return Income::Left {
            figure: None,
            zh: "未用人均GDP（无数据）".into(),
            en: "per-capita GDP is not used (no data)".into(),
        };
    };
    // Per-capita GDP is filed as 元 or 元/人 (or 万元); any other unit is not an income.
    if !matches!(
        figure.unit.dimension(),
        Dimension::Money | Dimension::MoneyPerPerson
    ) {
        return Income::Left {
            zh: format!(
                "未用人均GDP（{}年数值的单位为{}，不是货币额）",
                figure.year,
                figure.unit.code()
            ),
            en: format!(
                "per-capita GDP is not used (the {} figure is in {}, not money)",
                figure.year,
                figure.unit.code()
            ),
            figure: Some(figure),
        };
    }
    let cny = figure.value * figure.unit.scale();
    let Some(conversion) = usd2005_conversion(figure.year) else {
        return Income::Left {
            zh: format!(
                "未用人均GDP：{}年没有内置的人民币兑美元年均汇率或美国GDP平减指数，不向其他年份外推",
                figure.year
            ),
            en: format!(
                "per-capita GDP is not used: {} has no built-in annual CNY/USD rate or US GDP deflator, and other years' constants are not extrapolated",
                figure.year
            ),
            figure: Some(figure),
        };
    };
    match gdp_per_capita_usd2005(
        cny,
        conversion.cny_per_usd,
        conversion.us_deflator_vs_2005(),
    ) {
        Ok(usd2005) => Income::Used {
            figure,
            cny,
            usd2005,
            conversion,
        },
        Err(_) => Income::Left {
            zh: format!(
                "未用人均GDP（{}年数值 {} 不是正数）",
                figure.year, figure.value
            ),
            en: format!(
                "per-capita GDP is not used (the {} value {} is not a positive number)",
                figure.year, figure.value
            ),
            figure: Some(figure),
        },
    }
}

/// `text` with its first letter in upper case (the note joins clauses written lower-case).
fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Industrialisation stage from what the data hold: the latest per-capita GDP, the latest
/// three-sector structure and the latest urbanisation rate.
///
/// Per-capita GDP (weight 36 of 100) is converted to 2005 US dollars with the annual-average
/// exchange rate and US GDP deflator of the figure's own year
/// ([`usd2005_conversion`]); the note states the figure's year, the rate and deflator used,
/// and their sources, and the figure itself (with its source) is among the inputs. When that
/// year has no constants the criterion is left out and the note says so — the constants of
/// another year are never substituted. Manufacturing share and primary employment are not
/// in the data. Weights are renormalised over the criteria used. `None` when no criterion
/// has data.
pub fn stage(
    observations: &[Observation],
    locality: &str,
    structure: Option<&SectorStructure>,
) -> Option<StageSummary> {
    let urban = latest(observations, locality, "urbanization_rate")
        .filter(|f| f.value.is_finite() && (0.0..=100.0).contains(&f.value));
    let income = income(observations, locality);
    let inputs = StageInputs {
        gdp_per_capita_usd2005: match &income {
            Income::Used { usd2005, .. } => Some(*usd2005),
            Income::Left { .. } => None,
        },
        sector_output: structure.map(|s| s.shares),
        urbanisation_rate: urban.as_ref().map(|f| f.value / 100.0),
        ..StageInputs::default()
    };
    let assessment = industrialisation_stage(&inputs).ok()?;
    let mut figures = Vec::new();
    let mut used_zh = Vec::new();
    let mut used_en = Vec::new();
    let mut left_zh = Vec::new();
    let mut left_en = Vec::new();
    // The constants' sources are cited only when the constants were used.
    let (sources_zh, sources_en) = match &income {
        Income::Used { .. } => (
            format!("汇率：{CNY_PER_USD_SOURCE}；平减指数：{US_GDP_DEFLATOR_SOURCE}。"),
            format!(" Exchange rate: {CNY_PER_USD_SOURCE}; deflator: {US_GDP_DEFLATOR_SOURCE}."),
        ),
        Income::Left { .. } => (String::new(), String::new()),
    };
    match income {
        Income::Used {
            figure,
            cny,
            usd2005,
            conversion: c,
        } => {
            used_zh.push(format!(
                "人均GDP（{}年，{:.0}元 ÷ {}年人民币兑美元年均汇率 {} ÷ 美国GDP平减指数 {}/{}（{}年/2005年，2017=100）= {:.0} 2005年美元）",
                figure.year, cny, c.year, c.cny_per_usd, c.us_deflator_index, c.us_deflator_index_2005, c.year, usd2005
            ));
            used_en.push(format!(
                "per-capita GDP ({}: {:.0} yuan ÷ {} CNY per USD, the {} annual average ÷ US GDP deflator {}/{} ({} vs 2005, 2017 = 100) = {:.0} 2005 USD)",
                figure.year, cny, c.cny_per_usd, c.year, c.us_deflator_index, c.us_deflator_index_2005, c.year, usd2005
            ));
            figures.push(figure);
        }
        Income::Left { figure, zh, en } => {
            left_zh.push(zh);
            left_en.push(en);
            figures.extend(figure);
        }
    }
    if let Some(s) = structure {
        figures.extend(s.figures.iter().cloned());
        used_zh.push(format!("三次产业结构（{}年）", s.year));
        used_en.push(format!("three-sector structure ({})", s.year));
    }
    if let Some(u) = &urban {
        used_zh.push(format!("城镇化率（{}年）", u.year));
        used_en.push(format!("urbanisation rate ({})", u.year));
        figures.push(u.clone());
    }
    left_zh.push("未用制造业占比和第一产业就业比重（无数据）".into());
    left_en.push("manufacturing share and primary employment are not used (no data)".into());
    let stage = stage_of(assessment.stage);
    Some(StageSummary {
        stage,
        label: stage_label(stage),
        score: assessment.score,
        criteria: assessment
            .criteria
            .iter()
            .map(|c| StageCriterionScore {
                criterion: criterion_name(c.criterion).to_string(),
                stage: stage_of(c.stage),
                score: c.score,
                weight: c.weight,
            })
            .collect(),
        inputs: figures,
        note: Text::new(
            format!(
                "依据：{}。{}；权重按可用指标重新归一（陈佳贵等，2006）。{sources_zh}",
                used_zh.join("、"),
                left_zh.join("；"),
            ),
            format!(
                "From: {}. {}; weights renormalised over the criteria used (Chen Jiagui et al. 2006).{sources_en}",
                used_en.join(", "),
                capitalise(&left_en.join("; ")),
            ),
        ),
    })
}

/// Level, structure and stage of one side.
pub fn side(observations: &[Observation], locality: &str) -> SideFoundation {
    let structure = latest_structure(observations, locality);
    let stage = stage(observations, locality, structure.as_ref());
    SideFoundation {
        locality: locality.to_string(),
        gdp: latest(observations, locality, "gdp"),
        gdp_per_capita: latest(observations, locality, "gdp_per_capita"),
        population: latest(observations, locality, "population_resident"),
        structure,
        stage,
    }
}

/// The structure gap in the latest year both sides have a structure.
pub fn structure_gap(observations: &[Observation], helper: &str, helped: &str) -> StructureGap {
    let helped_years: BTreeSet<i32> = structure_years(observations, helped).into_iter().collect();
    let common = structure_years(observations, helper)
        .into_iter()
        .filter(|y| helped_years.contains(y))
        .find_map(|y| {
            Some((
                y,
                structure_in(observations, helper, y)?,
                structure_in(observations, helped, y)?,
            ))
        });
    match common {
        Some((year, a, b)) => {
            let similarity = structural_similarity(&a.shares, &b.shares).ok();
            let advancement_gap = match (a.advancement, b.advancement) {
                (Some(x), Some(y)) => Some(x - y),
                _ => None,
            };
            let sim_text = similarity.map_or("n/a".to_string(), |s| format!("{s:.3}"));
            let gap_text = advancement_gap.map_or("n/a".to_string(), |g| format!("{g:+.2}"));
            StructureGap {
                common_year: Some(year),
                similarity,
                advancement_gap,
                note: Text::new(
                    format!("{year}年三次产业结构相似系数 {sim_text}（1 = 相同）；高级化（三产/二产）差值 {gap_text}（支援方减受援方）。"),
                    format!("{year}: structural similarity {sim_text} (1 = identical); advancement (tertiary/secondary) gap {gap_text} (helper minus helped)."),
                ),
            }
        }
        None => StructureGap {
            common_year: None,
            similarity: None,
            advancement_gap: None,
            note: Text::new(
                "数据不足：两地没有同一年份的三次产业数据，不比较不同年份的结构。",
                "Not enough data: the two sides have no three-sector data for a common year, and structures of different years are not compared.",
            ),
        },
    }
}

fn named_sectors<'a>(
    table: &IoTable,
    rows: impl Iterator<Item = &'a LeadingIndustry>,
) -> Vec<NamedSector> {
    let mut by_code: BTreeMap<String, NamedSector> = BTreeMap::new();
    for r in rows {
        let Some(code) = r.io42_code.as_deref() else {
            continue;
        };
        let entry = by_code
            .entry(code.to_string())
            .or_insert_with(|| NamedSector {
                sector: sector_ref(table, code),
                roles: Vec::new(),
                industries: Vec::new(),
                sources: Vec::new(),
            });
        if !entry.roles.contains(&r.role) {
            entry.roles.push(r.role);
        }
        let name = Text::new(r.industry_zh.clone(), r.industry_en.clone());
        if !entry.industries.contains(&name) {
            entry.industries.push(name);
        }
        if !entry.sources.contains(&r.source) {
            entry.sources.push(r.source.clone());
        }
    }
    by_code.into_values().collect()
}

/// Whether a role describes a side's own structure (not a pair agreement).
pub fn is_own_role(role: IndustryRole) -> bool {
    matches!(
        role,
        IndustryRole::Leading | IndustryRole::Pillar | IndustryRole::Emerging
    )
}

/// Classifies a Jaccard overlap with the thresholds of `params` (see the module table).
/// `None` overlap (a side below the minimum) is [`RelationKind::InsufficientData`].
pub fn classify_overlap(jaccard: Option<f64>, params: &RelationParams) -> RelationKind {
    match jaccard {
        None => RelationKind::InsufficientData,
        Some(j) if j >= params.similar_min_jaccard => RelationKind::Similar,
        Some(j) if j <= params.complementary_max_jaccard => RelationKind::Complementary,
        Some(_) => RelationKind::Mixed,
    }
}

/// The similar/complementary relation of the two sides' named industries (module table).
pub fn industry_relation(
    table: &IoTable,
    leading: &[LeadingIndustry],
    pair_id: &str,
    helper: &str,
    helped: &str,
    params: &RelationParams,
) -> IndustryRelation {
    let helper_sectors = named_sectors(
        table,
        leading
            .iter()
            .filter(|r| r.locality == helper && is_own_role(r.role)),
    );
    let helped_sectors = named_sectors(
        table,
        leading
            .iter()
            .filter(|r| r.locality == helped && is_own_role(r.role)),
    );
    let cooperation_focus = named_sectors(
        table,
        leading.iter().filter(|r| {
            r.role == IndustryRole::CooperationFocus && r.pair.as_deref() == Some(pair_id)
        }),
    );
    let h: BTreeSet<&str> = helper_sectors
        .iter()
        .map(|s| s.sector.code.as_str())
        .collect();
    let d: BTreeSet<&str> = helped_sectors
        .iter()
        .map(|s| s.sector.code.as_str())
        .collect();
    let refs = |set: Vec<&&str>| {
        set.into_iter()
            .map(|c| sector_ref(table, c))
            .collect::<Vec<_>>()
    };
    let shared = refs(h.intersection(&d).collect());
    let helper_only = refs(h.difference(&d).collect());
    let helped_only = refs(d.difference(&h).collect());
    let union = h.union(&d).count();
    let jaccard = (h.len() >= params.min_sectors && d.len() >= params.min_sectors && union > 0)
        .then(|| shared.len() as f64 / union as f64);
    let relation = classify_overlap(jaccard, params);
    let implication = match relation {
        RelationKind::Similar => Text::new(
            "主导产业相近：宜按产业链环节布局、横向分工，避免同质竞争。",
            "Similar leading industries: lay out the chain by stage and divide work horizontally, avoiding head-on competition.",
        ),
        RelationKind::Complementary => Text::new(
            "主导产业互补：宜以产业转移承接和配套供应基地为主。",
            "Complementary leading industries: build transfer-reception and supply bases.",
        ),
        RelationKind::Mixed => Text::new(
            "部分重合：共有产业做链上分工，其余产业做转移承接和配套。",
            "Partial overlap: divide the chain in the shared sectors; transfer and supply in the others.",
        ),
        RelationKind::InsufficientData => Text::new(
            format!("数据不足：一方列出的主导产业部门少于{}个。", params.min_sectors),
            format!("Not enough data: a side names fewer than {} sectors.", params.min_sectors),
        ),
    };
    IndustryRelation {
        helper_sectors,
        helped_sectors,
        cooperation_focus,
        shared,
        helper_only,
        helped_only,
        jaccard,
        relation,
        implication,
        rule: Text::new(
            format!(
                "Jaccard重合度 J = 共有部门数 / 两地部门并集（IO-42，主导/支柱/新兴）；J ≥ {} 为相近，J ≤ {} 为互补，其间为部分重合；任一方少于{}个部门为数据不足。",
                params.similar_min_jaccard, params.complementary_max_jaccard, params.min_sectors
            ),
            format!(
                "Jaccard overlap J = shared sectors / union of both sides' IO-42 sectors (leading, pillar, emerging); J ≥ {} similar, J ≤ {} complementary, mixed in between; fewer than {} sectors on a side is not enough data.",
                params.similar_min_jaccard, params.complementary_max_jaccard, params.min_sectors
            ),
        ),
    }
}

/// The whole foundation of a pair.
pub fn foundation(
    observations: &[Observation],
    table: &IoTable,
    leading: &[LeadingIndustry],
    pair_id: &str,
    helper: &str,
    helped: &str,
    params: &RelationParams,
) -> Foundation {
    Foundation {
        helper: side(observations, helper),
        helped: side(observations, helped),
        gdp_ratio: latest_common_ratio(observations, helper, helped, "gdp"),
        gdp_per_capita_ratio: latest_common_ratio(observations, helper, helped, "gdp_per_capita"),
        structure_gap: structure_gap(observations, helper, helped),
        industries: industry_relation(table, leading, pair_id, helper, helped, params),
    }
}
