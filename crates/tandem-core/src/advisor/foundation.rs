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
    industrialisation_stage, sector_shares, structural_similarity, structure_advancement,
    IndustrialisationStage, StageCriterion, StageInputs,
};
use crate::{IndustryRole, IoTable, LeadingIndustry, Observation, SECTOR_LEVELS, SECTOR_SHARES};
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

/// Industrialisation stage from what the data hold: the latest three-sector structure and
/// the latest urbanisation rate. The income criterion is left out because converting yuan to
/// 2005 US dollars needs the year's exchange rate and US deflator, which the data set does
/// not carry; manufacturing share and primary employment are not in the data either. The
/// note says which criteria were used. `None` when neither criterion has data.
pub fn stage(
    observations: &[Observation],
    locality: &str,
    structure: Option<&SectorStructure>,
) -> Option<StageSummary> {
    let urban = latest(observations, locality, "urbanization_rate")
        .filter(|f| f.value.is_finite() && (0.0..=100.0).contains(&f.value));
    let inputs = StageInputs {
        sector_output: structure.map(|s| s.shares),
        urbanisation_rate: urban.as_ref().map(|f| f.value / 100.0),
        ..StageInputs::default()
    };
    let assessment = industrialisation_stage(&inputs).ok()?;
    let mut figures = Vec::new();
    if let Some(s) = structure {
        figures.extend(s.figures.iter().cloned());
    }
    let mut used_zh = Vec::new();
    let mut used_en = Vec::new();
    if let Some(s) = structure {
        used_zh.push(format!("三次产业结构（{}年）", s.year));
        used_en.push(format!("three-sector structure ({})", s.year));
    }
    if let Some(u) = &urban {
        used_zh.push(format!("城镇化率（{}年）", u.year));
        used_en.push(format!("urbanisation rate ({})", u.year));
        figures.push(u.clone());
    }
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
                "依据：{}。未用人均GDP（缺当年汇率与美国GDP平减指数）、制造业占比和第一产业就业比重（无数据）；权重按可用指标重新归一（陈佳贵等，2006）。",
                used_zh.join("、")
            ),
            format!(
                "From: {}. Per-capita income is not used (the year's exchange rate and US deflator are not in the data), nor manufacturing share or primary employment (no data); weights renormalised over the criteria used (Chen Jiagui et al. 2006).",
                used_en.join(", ")
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
