//! Market forces: comparative advantage (from a user panel), industrial correlation through
//! the national input-output table, distance, gravity linkage and the natural-pair question.
//!
//! **Natural-pair rule.** In the latest year in which both sides have GDP and resident
//! population, each side ranks every candidate partner by gravity linkage
//! ([`crate::metrics::spatial::gravity_linkage`], P in 万人, G in 亿元, D in km, exponent
//! from the weights). Candidates are all known localities except aggregates, provinces, the
//! side itself and a province-level city containing the side (Shanghai for its districts);
//! only those with same-year GDP, population and coordinates can be ranked, and the count
//! is reported. A side "ranks the other highly" when the other's rank is at most
//! `ceil(natural_top_fraction × ranked)`. Both sides: natural; one: one-sided; neither: not
//! natural. Fewer than `min_ranked` ranked partners on a side, or no common year: not
//! enough data.

use super::foundation::sector_ref;
use super::types::*;
use super::weights::Weights;
use crate::figures::{in_year, Figure};
use crate::metrics::spatial::{gravity_linkage, haversine_km};
use crate::metrics::specialisation::{location_quotients, RegionIndustry};
use crate::{Absent, IoTable, Locality, LocalityLevel, Observation, Panel};
use std::collections::BTreeSet;

/// The panel row of a locality: its id, full or short Chinese or English name.
pub fn panel_region(panel: &Panel, locality: &Locality) -> Option<usize> {
    let names = [
        locality.id.as_str(),
        locality.name_zh.as_str(),
        locality.short_name_zh(),
        locality.name_en.as_str(),
        locality.short_name_en(),
    ];
    panel
        .regions()
        .iter()
        .position(|r| names.contains(&r.as_str()))
}

/// Location quotients of both sides in the latest panel year where both have any value.
/// Absent cells count as zero activity in that year (documented; a region with no value at
/// all in a year is not used for that year). `None` when a side is not in the panel.
pub fn comparative_advantage(
    panel: &Panel,
    helper: &Locality,
    helped: &Locality,
    name: impl Fn(&str) -> SectorRef,
) -> Option<ComparativeAdvantage> {
    let h = panel_region(panel, helper)?;
    let d = panel_region(panel, helped)?;
    let ni = panel.industries().len();
    let nr = panel.regions().len();
    for (yi, &year) in panel.years().iter().enumerate().rev() {
        let has = |r: usize| (0..ni).any(|i| panel.get(yi, r, i).is_some_and(|v| v > 0.0));
        if !(has(h) && has(d)) {
            continue;
        }
        let Ok(matrix) = panel.year_matrix(year, Absent::AsZero) else {
            continue;
        };
        let Ok(m) = RegionIndustry::new(&matrix, nr, ni) else {
            continue;
        };
        let Ok(lq) = location_quotients(&m) else {
            continue;
        };
        let rows: Vec<AdvantageRow> = (0..ni)
            .map(|i| AdvantageRow {
                sector: name(&panel.industries()[i]),
                helper_lq: lq[h * ni + i],
                helped_lq: lq[d * ni + i],
            })
            .collect();
        let strong = |v: Option<f64>| v.is_some_and(|x| x >= 1.0);
        let mut helper_advantage: Vec<AdvantageRow> = rows
            .iter()
            .filter(|r| strong(r.helper_lq) && !strong(r.helped_lq))
            .cloned()
            .collect();
        helper_advantage.sort_by(|a, b| {
            b.helper_lq
                .partial_cmp(&a.helper_lq)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut helped_advantage: Vec<AdvantageRow> = rows
            .iter()
            .filter(|r| strong(r.helped_lq) && !strong(r.helper_lq))
            .cloned()
            .collect();
        helped_advantage.sort_by(|a, b| {
            b.helped_lq
                .partial_cmp(&a.helped_lq)
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let both = rows
            .iter()
            .filter(|r| strong(r.helper_lq) && strong(r.helped_lq))
            .cloned()
            .collect();
        return Some(ComparativeAdvantage {
            year,
            measure: panel.measure().to_string(),
            regions: nr,
            helper_advantage,
            helped_advantage,
            both,
        });
    }
    None
}

/// Input-output links between the two sides' named sectors, from technical coefficients `a`
/// and the Leontief inverse `l` of `table` (both n x n row-major). `helper` and `helped` are
/// IO codes. Links with `i = j` are left out (a sector buying from itself says nothing about
/// the pair).
#[allow(clippy::too_many_arguments)]
pub fn io_correlation(
    table: &IoTable,
    a: &[f64],
    l: &[f64],
    helper: &BTreeSet<String>,
    helped: &BTreeSet<String>,
    weights: &Weights,
) -> IoCorrelation {
    let n = table.n();
    let index = |code: &str| table.sectors.iter().position(|s| s.code == code);
    let hi: Vec<usize> = helper.iter().filter_map(|c| index(c)).collect();
    let di: Vec<usize> = helped.iter().filter_map(|c| index(c)).collect();
    if hi.is_empty() || di.is_empty() {
        return IoCorrelation {
            table_year: Some(table.year),
            table_source: Some(table.source.clone()),
            top_links: Vec::new(),
            helper_supplies_mean: None,
            helped_supplies_mean: None,
            strong_links: 0,
            note: Text::new(
                "数据不足：一方没有可映射到投入产出部门的主导产业。",
                "Not enough data: a side has no leading industry mapped to an input-output sector.",
            ),
        };
    }
    let mut links: Vec<IoLink> = Vec::new();
    let mut seen = BTreeSet::new();
    let mut means = [Vec::new(), Vec::new()];
    for (direction, from, to, slot) in [
        (LinkDirection::HelperSupplies, &hi, &di, 0),
        (LinkDirection::HelpedSupplies, &di, &hi, 1),
    ] {
        for &i in from.iter() {
            for &j in to.iter() {
                if i == j {
                    continue;
                }
                means[slot].push(a[i * n + j]);
                if seen.insert((i, j)) {
                    links.push(IoLink {
                        from: sector_ref(table, &table.sectors[i].code),
                        to: sector_ref(table, &table.sectors[j].code),
                        direction,
                        direct: a[i * n + j],
                        total: l[i * n + j],
                    });
                }
            }
        }
    }
    let mean = |v: &Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
    let strong = weights.io.strong_coefficient;
    let strong_links = links.iter().filter(|k| k.direct >= strong).count();
    links.sort_by(|x, y| {
        y.direct
            .partial_cmp(&x.direct)
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    links.truncate(weights.io.top_links);
    let (hm, dm) = (mean(&means[0]), mean(&means[1]));
    let fmt = |v: Option<f64>| v.map_or("n/a".to_string(), |x| format!("{x:.4}"));
    IoCorrelation {
        table_year: Some(table.year),
        table_source: Some(table.source.clone()),
        note: Text::new(
            format!(
                "{}年全国投入产出表：支援方产业向受援方产业供货的平均直接消耗系数 {}，反向 {}；强关联（a_ij ≥ {}）{} 对。",
                table.year, fmt(hm), fmt(dm), strong, strong_links
            ),
            format!(
                "National IO table {}: mean direct coefficient of helper sectors supplying helped sectors {}, the reverse {}; {} strong links (a_ij ≥ {}).",
                table.year, fmt(hm), fmt(dm), strong_links, strong
            ),
        ),
        top_links: links,
        helper_supplies_mean: hm,
        helped_supplies_mean: dm,
        strong_links,
    }
}

/// The latest year in which `a` and `b` both have GDP and resident population.
pub fn gravity_year(observations: &[Observation], a: &str, b: &str) -> Option<i32> {
    let years = |loc: &str| -> BTreeSet<i32> {
        let g: BTreeSet<i32> = observations
            .iter()
            .filter(|o| o.locality == loc && o.indicator == "gdp")
            .map(|o| o.year)
            .collect();
        observations
            .iter()
            .filter(|o| {
                o.locality == loc && o.indicator == "population_resident" && g.contains(&o.year)
            })
            .map(|o| o.year)
            .collect()
    };
    years(a).intersection(&years(b)).max().copied()
}

fn distance(a: &Locality, b: &Locality) -> Option<f64> {
    haversine_km(a.lat?, a.lon?, b.lat?, b.lon?).ok()
}

fn mass(observations: &[Observation], loc: &str, year: i32) -> Option<(Figure, Figure)> {
    Some((
        in_year(observations, loc, "gdp", year)?,
        in_year(observations, loc, "population_resident", year)?,
    ))
}

/// Whether `candidate` may be ranked as a partner of `subject` (module docs).
fn is_candidate(subject: &Locality, candidate: &Locality) -> bool {
    candidate.id != subject.id
        && !matches!(
            candidate.level,
            LocalityLevel::Aggregate | LocalityLevel::Province
        )
        && !(candidate.level == LocalityLevel::ProvinceLevelCity
            && candidate.province == subject.province)
}

/// Where `subject` ranks `other` among all candidate partners in `year` (module docs).
pub fn linkage_rank(
    observations: &[Observation],
    localities: &[Locality],
    subject: &Locality,
    other: &str,
    year: i32,
    exponent: f64,
) -> LinkageRank {
    let mut candidates = 0;
    let mut scored: Vec<(&Locality, f64)> = Vec::new();
    let own = mass(observations, &subject.id, year);
    for c in localities.iter().filter(|c| is_candidate(subject, c)) {
        candidates += 1;
        let (Some((sg, sp)), Some((cg, cp)), Some(d)) = (
            own.as_ref(),
            mass(observations, &c.id, year),
            distance(subject, c),
        ) else {
            continue;
        };
        if let Ok(r) = gravity_linkage(sp.value, sg.value, cp.value, cg.value, d, exponent) {
            if r.is_finite() {
                scored.push((c, r));
            }
        }
    }
    scored.sort_by(|x, y| {
        y.1.partial_cmp(&x.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(x.0.id.cmp(&y.0.id))
    });
    LinkageRank {
        from: subject.id.clone(),
        year,
        rank: scored
            .iter()
            .position(|(c, _)| c.id == other)
            .map(|p| p + 1),
        ranked: scored.len(),
        candidates,
        top: scored
            .iter()
            .take(3)
            .map(|(c, r)| RankedPartner {
                id: c.id.clone(),
                name: Text::new(c.short_name_zh(), c.short_name_en()),
                linkage: *r,
            })
            .collect(),
    }
}

/// Whether a side ranks the other highly: `rank ≤ ceil(fraction · ranked)`; `None` when the
/// ranking is not enough data (fewer than `min_ranked` ranked, or the other side unranked).
pub fn ranks_highly(r: &LinkageRank, fraction: f64, min_ranked: usize) -> Option<bool> {
    if r.ranked < min_ranked.max(1) {
        return None;
    }
    let cut = ((fraction * r.ranked as f64).ceil() as usize).max(1);
    Some(r.rank? <= cut)
}

/// Distance, gravity and the natural-pair verdict.
pub fn spatial(
    observations: &[Observation],
    localities: &[Locality],
    helper: &Locality,
    helped: &Locality,
    weights: &Weights,
) -> Spatial {
    let p = &weights.distance;
    let distance_km = distance(helper, helped);
    let year = gravity_year(observations, &helper.id, &helped.id);
    let gravity = match (year, distance_km) {
        (Some(y), Some(d)) => {
            let (hg, hp) = mass(observations, &helper.id, y).expect("gravity year has both");
            let (dg, dp) = mass(observations, &helped.id, y).expect("gravity year has both");
            gravity_linkage(
                hp.value,
                hg.value,
                dp.value,
                dg.value,
                d,
                p.gravity_exponent,
            )
            .ok()
            .filter(|v| v.is_finite())
            .map(|value| GravityFigure {
                year: y,
                value,
                exponent: p.gravity_exponent,
                helper_gdp: hg,
                helper_population: hp,
                helped_gdp: dg,
                helped_population: dp,
            })
        }
        _ => None,
    };
    let (a, b) = match (year, gravity.is_some()) {
        (Some(y), true) => (
            Some(linkage_rank(
                observations,
                localities,
                helper,
                &helped.id,
                y,
                p.gravity_exponent,
            )),
            Some(linkage_rank(
                observations,
                localities,
                helped,
                &helper.id,
                y,
                p.gravity_exponent,
            )),
        ),
        _ => (None, None),
    };
    let ha = a
        .as_ref()
        .and_then(|r| ranks_highly(r, p.natural_top_fraction, p.min_ranked));
    let hb = b
        .as_ref()
        .and_then(|r| ranks_highly(r, p.natural_top_fraction, p.min_ranked));
    let natural_pair = match (ha, hb) {
        (Some(true), Some(true)) => NaturalPairVerdict::Natural,
        (Some(x), Some(y)) if x != y => NaturalPairVerdict::OneSided,
        (Some(false), Some(false)) => NaturalPairVerdict::NotNatural,
        _ => NaturalPairVerdict::InsufficientData,
    };
    let rank_text = |r: &Option<LinkageRank>| match r {
        Some(LinkageRank {
            rank: Some(k),
            ranked,
            candidates,
            ..
        }) => (
            format!("第{k}位（可排名{ranked}个，候选{candidates}个）"),
            format!("#{k} of {ranked} rankable ({candidates} candidates)"),
        ),
        Some(LinkageRank {
            ranked, candidates, ..
        }) => (
            format!("无法排名（可排名{ranked}个，候选{candidates}个）"),
            format!("not rankable ({ranked} of {candidates} candidates rankable)"),
        ),
        None => (
            "无同年GDP与人口".to_string(),
            "no same-year GDP and population".to_string(),
        ),
    };
    let (az, ae) = rank_text(&a);
    let (bz, be) = rank_text(&b);
    let dist = distance_km.map_or("n/a".to_string(), |d| format!("{d:.0} km"));
    let verdict = match natural_pair {
        NaturalPairVerdict::Natural => (
            "双方互为前列联系对象：是“自然”的一对",
            "each ranks the other near the top: a natural pair",
        ),
        NaturalPairVerdict::OneSided => (
            "只有一方把对方排在前列：单向联系",
            "only one side ranks the other near the top: one-sided",
        ),
        NaturalPairVerdict::NotNatural => (
            "双方都未把对方排在前列：主要靠政策结对",
            "neither ranks the other near the top: a policy pairing rather than a natural one",
        ),
        NaturalPairVerdict::InsufficientData => (
            "数据不足，无法判断是否“自然”一对",
            "not enough data to tell whether this is a natural pair",
        ),
    };
    Spatial {
        distance_km,
        gravity,
        helper_ranks_helped: a,
        helped_ranks_helper: b,
        natural_pair,
        explanation: Text::new(
            format!("距离 {dist}；支援方眼中受援方{az}；受援方眼中支援方{bz}；{}。", verdict.0),
            format!("Distance {dist}; the helper ranks the helped side {ae}; the helped side ranks the helper {be}; {}.", verdict.1),
        ),
    }
}
