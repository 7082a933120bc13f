//! Opportunity ranking: which industries a pair should cooperate on, scored from four
//! documented components, each in [0, 1].
//!
//! `score = Σ_c w_c v_c / Σ_{c available} w_c` over the components c that could be computed
//! (weights from [`ScoreWeights`]); each component's `contribution` is its term of that sum,
//! so the contributions add up to the score.
//!
//! | component | without a panel (IO-42, named industries) | with a panel (its classification) |
//! |---|---|---|
//! | transfer propensity | `role_h · (0.5 + 0.5 · p_i)`: `role_h` the helper's strongest role for sector i (pillar 1.0, leading 0.8, emerging 0.5; 0 if not named), `p_i` the percentile (0-1) of i's labour intensity `VA001_i / GO_i` in the national table (labour-intensive sectors move first; no VA001 row: `role_h` alone) | `LQ_h / (1 + LQ_h) · LQ_h / (LQ_h + LQ_d)`: the helper's specialisation (saturating, 0.5 at LQ 1) times its share of the pair's gradient (0.5 when equal); an undefined LQ counts as 0 |
//! | receiving capacity | the helped side's strongest naming of i: cooperation focus 1.0, leading/pillar 0.8, emerging 0.6, else 0 | relatedness density of the helped region around i (Hidalgo et al. 2007, diagonal included, 0-1) |
//! | IO linkage | mean over the two sides of `min(1, max_{k ∈ S, k ≠ i} max(a_ik, a_ki) / strong)`, S the side's named sectors, a the national direct coefficients, `strong` = `io.strong_coefficient`; a side with no other sector is left out of the mean | the same with S = the side's industries with LQ ≥ 1, when the panel's industry codes are the IO table's; otherwise not available |
//! | distance decay | `exp(−ln 2 · d / half_distance_km)`, d the pair's great-circle distance; the same for every industry of a pair (it ranks pairs, not industries within one) | the same |
//!
//! **Cooperation mode**, first rule that applies: (1) a knowledge-intensive sector
//! (`opportunities.knowledge_intensive`) that both sides have, or that the helper names as
//! emerging: joint innovation; (2) both sides have it: chain division; (3) the helper has it:
//! transfer; (4) otherwise: complementary supply (the helped side supplies or serves the
//! helper's chains). "Has" = names it (leading, pillar, emerging; for the helped side also
//! the cooperation focus) without a panel, LQ ≥ 1 with one.

use super::types::*;
use super::weights::{OpportunityParams, ScoreWeights, Weights};
use crate::metrics::complexity::{proximity, relatedness_density, DensityVariant, ProximityKind};
use crate::metrics::specialisation::{location_quotients, RegionIndustry};
use crate::metrics::MetricError;
use crate::IndustryRole;
use std::collections::BTreeMap;

/// The numeric score of one candidate industry (no text: this is what the benchmark times).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CandidateScore {
    /// Index of the industry in the scorer's order.
    pub industry: usize,
    pub transfer: Option<f64>,
    pub capacity: Option<f64>,
    pub link: Option<f64>,
    pub decay: Option<f64>,
    pub score: f64,
}

/// `Σ w_c v_c / Σ_{available} w_c`; 0 when no weighted component is available.
pub fn combine(w: &ScoreWeights, values: [Option<f64>; 4]) -> f64 {
    let ws = [
        w.transfer_propensity,
        w.receiving_capacity,
        w.io_linkage,
        w.distance_decay,
    ];
    let mut num = 0.0;
    let mut den = 0.0;
    for (wc, v) in ws.iter().zip(values) {
        if let Some(v) = v {
            num += wc * v;
            den += wc;
        }
    }
    if den > 0.0 {
        num / den
    } else {
        0.0
    }
}

/// Distance decay `exp(−ln 2 · d / half)` (1 at distance 0, 0.5 at `half`).
pub fn distance_decay(distance_km: f64, half_distance_km: f64) -> f64 {
    (-std::f64::consts::LN_2 * distance_km / half_distance_km).exp()
}

/// `min(1, max_{k ∈ set, k ≠ i} max(a_ik, a_ki) / strong)` for every i; `None` where the set
/// holds no sector other than i. `a` is n x n row-major.
pub fn linkage_to_set(a: &[f64], n: usize, set: &[usize], strong: f64) -> Vec<Option<f64>> {
    (0..n)
        .map(|i| {
            let mut best: Option<f64> = None;
            for &k in set {
                if k == i {
                    continue;
                }
                let v = a[i * n + k].max(a[k * n + i]);
                best = Some(best.map_or(v, |b: f64| b.max(v)));
            }
            best.map(|b| (b / strong).min(1.0))
        })
        .collect()
}

fn mean_opt(x: Option<f64>, y: Option<f64>) -> Option<f64> {
    match (x, y) {
        (Some(a), Some(b)) => Some((a + b) / 2.0),
        (Some(a), None) | (None, Some(a)) => Some(a),
        (None, None) => None,
    }
}

/// Panel-based scorer: location quotients, relatedness density and (optionally) IO linkage
/// precomputed once for every region, so that scoring a pair is O(industries).
#[derive(Clone, Debug)]
pub struct PanelScorer {
    regions: usize,
    industries: usize,
    /// LQ, undefined as 0 (regions x industries).
    lq: Vec<f64>,
    /// Relatedness density, 0-1 (regions x industries).
    density: Vec<f64>,
    /// IO linkage of each industry to each region's specialised set (regions x industries),
    /// `NaN`-free: `None` encoded as a negative value.
    link: Option<Vec<f64>>,
}

impl PanelScorer {
    /// Builds the scorer from a dense regions x industries matrix (one year, absent cells as
    /// zero) and optionally the technical coefficients `a` (industries x industries) of an
    /// IO table in the same classification.
    ///
    /// Errors: an invalid matrix (negative, non-finite, wrong shape), no activity at all, or
    /// an `a` of the wrong size.
    pub fn new(
        values: &[f64],
        regions: usize,
        industries: usize,
        a: Option<&[f64]>,
        strong: f64,
    ) -> Result<PanelScorer, MetricError> {
        let m = RegionIndustry::new(values, regions, industries)?;
        let lq: Vec<f64> = location_quotients(&m)?
            .into_iter()
            .map(|v| v.unwrap_or(0.0))
            .collect();
        let mcp: Vec<f64> = lq
            .iter()
            .map(|&v| if v >= 1.0 { 1.0 } else { 0.0 })
            .collect();
        // Proximity is undefined for industries present nowhere; compute it over the others
        // and give the rest density 0 (no region has a related capability).
        let present: Vec<usize> = (0..industries)
            .filter(|&i| (0..regions).any(|r| mcp[r * industries + i] > 0.0))
            .collect();
        let mut density = vec![0.0; regions * industries];
        if !present.is_empty() {
            let np = present.len();
            let mut sub = vec![0.0; regions * np];
            for r in 0..regions {
                for (j, &i) in present.iter().enumerate() {
                    sub[r * np + j] = mcp[r * industries + i];
                }
            }
            let phi = proximity(&sub, regions, np, ProximityKind::MinConditional)?;
            let dens =
                relatedness_density(&sub, regions, np, &phi, DensityVariant::IncludeDiagonal)?;
            for r in 0..regions {
                for (j, &i) in present.iter().enumerate() {
                    density[r * industries + i] = dens[r * np + j].unwrap_or(0.0);
                }
            }
        }
        let link = match a {
            None => None,
            Some(a) => {
                if a.len() != industries * industries {
                    return Err(MetricError::Shape {
                        what: "opportunity scorer: technical coefficients".into(),
                        expected: industries * industries,
                        got: a.len(),
                    });
                }
                let mut out = vec![-1.0; regions * industries];
                for r in 0..regions {
                    let set: Vec<usize> = (0..industries)
                        .filter(|&i| mcp[r * industries + i] > 0.0)
                        .collect();
                    for (i, v) in linkage_to_set(a, industries, &set, strong)
                        .into_iter()
                        .enumerate()
                    {
                        if let Some(v) = v {
                            out[r * industries + i] = v;
                        }
                    }
                }
                Some(out)
            }
        };
        Ok(PanelScorer {
            regions,
            industries,
            lq,
            density,
            link,
        })
    }

    /// Number of regions.
    pub fn regions(&self) -> usize {
        self.regions
    }

    /// Number of industries.
    pub fn industries(&self) -> usize {
        self.industries
    }

    /// Location quotient of a cell (undefined as 0).
    pub fn lq(&self, region: usize, industry: usize) -> f64 {
        self.lq[region * self.industries + industry]
    }

    /// Relatedness density of a cell.
    pub fn density(&self, region: usize, industry: usize) -> f64 {
        self.density[region * self.industries + industry]
    }

    fn link(&self, region: usize, industry: usize) -> Option<f64> {
        let v = self.link.as_ref()?[region * self.industries + industry];
        (v >= 0.0).then_some(v)
    }

    /// Scores every industry for helper region `h` and helped region `d` into `out`
    /// (cleared first), in industry order. `decay` is the pair's distance decay, if known.
    pub fn score_pair(
        &self,
        h: usize,
        d: usize,
        decay: Option<f64>,
        w: &ScoreWeights,
        out: &mut Vec<CandidateScore>,
    ) {
        out.clear();
        let n = self.industries;
        let (lh, ld) = (&self.lq[h * n..(h + 1) * n], &self.lq[d * n..(d + 1) * n]);
        let dens = &self.density[d * n..(d + 1) * n];
        for i in 0..n {
            let (a, b) = (lh[i], ld[i]);
            let transfer = if a > 0.0 {
                a / (1.0 + a) * (a / (a + b))
            } else {
                0.0
            };
            let capacity = dens[i];
            let link = match self.link {
                Some(_) => mean_opt(self.link(h, i), self.link(d, i)),
                None => None,
            };
            let values = [Some(transfer), Some(capacity), link, decay];
            out.push(CandidateScore {
                industry: i,
                transfer: Some(transfer),
                capacity: Some(capacity),
                link,
                decay,
                score: combine(w, values),
            });
        }
    }
}

/// Orders candidates best first (score descending, then industry index).
pub fn sort_best_first(scores: &mut [CandidateScore]) {
    scores.sort_by(|x, y| {
        y.score
            .partial_cmp(&x.score)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(x.industry.cmp(&y.industry))
    });
}

/// What a side names in the IO-42 classification: the strongest factor per sector code.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NamedProfile {
    /// Sector code → helper's transfer role factor (pillar/leading/emerging).
    pub helper_role: BTreeMap<String, (IndustryRole, f64)>,
    /// Sector code → helped side's capacity factor (focus/leading/pillar/emerging).
    pub helped_role: BTreeMap<String, (IndustryRole, f64)>,
}

fn role_factor(role: IndustryRole, p: &OpportunityParams, helper: bool) -> f64 {
    match (role, helper) {
        (IndustryRole::Pillar, true) => p.role_pillar,
        (IndustryRole::Leading, true) => p.role_leading,
        (IndustryRole::Emerging, true) => p.role_emerging,
        (IndustryRole::CooperationFocus, true) => 0.0,
        (IndustryRole::CooperationFocus, false) => p.capacity_focus,
        (IndustryRole::Leading | IndustryRole::Pillar, false) => p.capacity_leading,
        (IndustryRole::Emerging, false) => p.capacity_emerging,
    }
}

impl NamedProfile {
    /// The profile from the leading-industry rows of both sides (helper: own roles; helped:
    /// own roles and the pair's cooperation focus). A sector named in several roles keeps
    /// its largest factor.
    pub fn new(
        rows: &[crate::LeadingIndustry],
        pair_id: &str,
        helper: &str,
        helped: &str,
        p: &OpportunityParams,
    ) -> NamedProfile {
        let mut out = NamedProfile::default();
        for r in rows {
            let Some(code) = r.io42_code.as_deref() else {
                continue;
            };
            let (map, helper_side) =
                if r.locality == helper && super::foundation::is_own_role(r.role) {
                    (&mut out.helper_role, true)
                } else if r.locality == helped
                    && (super::foundation::is_own_role(r.role)
                        || (r.role == IndustryRole::CooperationFocus
                            && r.pair.as_deref() == Some(pair_id)))
                {
                    (&mut out.helped_role, false)
                } else {
                    continue;
                };
            let f = role_factor(r.role, p, helper_side);
            let e = map.entry(code.to_string()).or_insert((r.role, f));
            if f > e.1 {
                *e = (r.role, f);
            }
        }
        out
    }
}

/// Percentile (0 = lowest, 1 = highest) of each sector's labour intensity `VA001 / GO` in
/// the table; `None` for sectors with zero output or when the table has no VA001 row. Ties
/// share the lower percentile.
pub fn labour_intensity_percentiles(table: &crate::IoTable) -> Vec<Option<f64>> {
    let n = table.n();
    let Some(comp) = table.value_added_row("VA001") else {
        return vec![None; n];
    };
    let ratio: Vec<Option<f64>> = (0..n)
        .map(|j| {
            let go = table.gross_output[j];
            (go > 0.0 && comp[j].is_finite()).then(|| comp[j] / go)
        })
        .collect();
    let defined: Vec<f64> = ratio.iter().flatten().copied().collect();
    let m = defined.len();
    ratio
        .iter()
        .map(|r| {
            let v = (*r)?;
            if m <= 1 {
                return Some(1.0);
            }
            let below = defined.iter().filter(|x| **x < v).count();
            Some(below as f64 / (m - 1) as f64)
        })
        .collect()
}

/// Scores every sector of the IO table for a pair from named industries (module table).
/// `a` are the table's technical coefficients; `decay` the pair's distance decay.
pub fn score_named(
    table: &crate::IoTable,
    a: &[f64],
    profile: &NamedProfile,
    labour: &[Option<f64>],
    decay: Option<f64>,
    weights: &Weights,
) -> Vec<CandidateScore> {
    let n = table.n();
    let idx = |map: &BTreeMap<String, (IndustryRole, f64)>| -> Vec<usize> {
        (0..n)
            .filter(|&i| map.contains_key(&table.sectors[i].code))
            .collect()
    };
    let strong = weights.io.strong_coefficient;
    let lh = linkage_to_set(a, n, &idx(&profile.helper_role), strong);
    let ld = linkage_to_set(a, n, &idx(&profile.helped_role), strong);
    (0..n)
        .map(|i| {
            let code = &table.sectors[i].code;
            let role = profile.helper_role.get(code).map_or(0.0, |r| r.1);
            let transfer = match labour[i] {
                Some(p) => role * (0.5 + 0.5 * p),
                None => role,
            };
            let capacity = profile.helped_role.get(code).map_or(0.0, |r| r.1);
            let link = mean_opt(lh[i], ld[i]);
            CandidateScore {
                industry: i,
                transfer: Some(transfer),
                capacity: Some(capacity),
                link,
                decay,
                score: combine(
                    &weights.score,
                    [Some(transfer), Some(capacity), link, decay],
                ),
            }
        })
        .collect()
}

/// Cooperation mode by the module's rule.
pub fn mode(
    knowledge_intensive: bool,
    helper_has: bool,
    helped_has: bool,
    helper_emerging: bool,
) -> CooperationMode {
    if knowledge_intensive && ((helper_has && helped_has) || helper_emerging) {
        CooperationMode::JointInnovation
    } else if helper_has && helped_has {
        CooperationMode::ChainDivision
    } else if helper_has {
        CooperationMode::Transfer
    } else {
        CooperationMode::ComplementarySupply
    }
}

/// Bilingual name of a mode.
pub fn mode_text(m: CooperationMode) -> Text {
    match m {
        CooperationMode::Transfer => Text::new("梯度转移", "transfer"),
        CooperationMode::ChainDivision => Text::new("产业链分工", "chain division"),
        CooperationMode::ComplementarySupply => Text::new("配套供应", "complementary supply"),
        CooperationMode::JointInnovation => Text::new("协同创新", "joint innovation"),
    }
}

/// The component record with its contribution to the score.
pub fn component(value: Option<f64>, weight: f64, available_weight: f64, basis: Text) -> Component {
    let contribution = match value {
        Some(v) if available_weight > 0.0 => weight * v / available_weight,
        _ => 0.0,
    };
    Component {
        value,
        weight,
        contribution,
        basis,
    }
}

/// Sum of the weights of the available components of a candidate.
pub fn available_weight(w: &ScoreWeights, c: &CandidateScore) -> f64 {
    [
        (w.transfer_propensity, c.transfer),
        (w.receiving_capacity, c.capacity),
        (w.io_linkage, c.link),
        (w.distance_decay, c.decay),
    ]
    .iter()
    .filter(|(_, v)| v.is_some())
    .map(|(w, _)| w)
    .sum()
}
