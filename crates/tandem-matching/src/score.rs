//! Scoring a demand-park pair: seven documented components, each in [0, 1], weighted
//! (weights normalised to sum 1, so the total is in [0, 1]), and hard constraints.
//!
//! Components (`s` = the enterprise's IO-42 sector, `c` = the park's city, `o` = the
//! enterprise's origin; `w` = [`crate::Weights`]):
//!
//! 1. **Industry fit** `I = w_f F + w_r Ω + w_l Λ`:
//!    * focus `F = max_{f ∈ focus(park)} φ_sf` (1 when s is a focus industry; `φ` is the
//!      proximity between sectors, Hidalgo et al. 2007, see [`crate::MatchContext::new`]);
//!      a park naming no focus industry gets `params.no_focus_value`;
//!    * relatedness `Ω = ω_cs`, the relatedness density of the city around s (0–1; 0 for a
//!      city without an industry profile);
//!    * linkage `Λ = max_{q ∈ P_c ∪ focus(park), q ≠ s} (a_qs + a_sq) / max_{i≠j}(a_ij + a_ji)`,
//!      the strongest direct-requirement link (Miller & Blair 2009, eq. 2.4) in either
//!      direction — q supplies s (`a_qs`, backward) or s supplies q (`a_sq`, forward) —
//!      between s and the city's profile industries `P_c` or the park's focus industries,
//!      relative to the strongest link in the table (0 for an empty set).
//! 2. **Capacity fit** `C = mean_r min(1, avail_r / (need_r (1 + h)))` over the resources
//!    r ∈ {land, building, power, labour} the demand needs (`need_r > 0`); 1 when it needs
//!    none. `h = params.capacity_headroom`: a park with room to expand by h scores 1.
//! 3. **Cost** `K = max(0, 1 − land_ha · 10,000 · price_yuan_m2 / budget_yuan)`, the share of
//!    the land budget left after buying the land; `params.no_budget_value` without a budget.
//! 4. **Distance** `D = (1 − σ) f(d_oc) + σ mean_{t ∈ suppliers} f(d_tc)` with the
//!    exponential decay `f(d) = exp(−d/λ)` of spatial-interaction models (Wilson 1971) on
//!    great-circle km (haversine, Sinnott 1984, between the localities' seats); `D = f(d_oc)` without suppliers. σ =
//!    `params.supplier_share`, λ = `params.distance_decay_km`.
//! 5. **Incentives** `N` = the park's rated package (recorded in [0, 1]).
//! 6. **Pair** `P = 1` when o is the helper of c in the programme, else 0.
//! 7. **Region** `R = 1` when c is among the demand's preferred regions, 0 when it is not,
//!    `params.no_preference_value` when the demand names none.
//!
//! Total `S = Σ_k w_k x_k`, summed in the order above.
//!
//! Hard constraints (an infeasible pair has no score, only the first reason found, checked
//! in this order): the park has no capacity left; the demand is restricted and the park is
//! not among its viewers; the park excludes s; the demand says "only" its preferred regions
//! and c is not one; a needed resource is below need (land, building, power, labour).

use crate::context::MatchContext;
use crate::geo::decay;
use crate::model::{Date, Demand, ParkOffer, RegionMode, Visibility};
use crate::weights::Weights;
use std::collections::HashMap;
use std::fmt::Write as _;

/// A score component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    /// Industry fit.
    Industry,
    /// Capacity fit.
    Capacity,
    /// Land cost against budget.
    Cost,
    /// Distance decay.
    Distance,
    /// Incentives.
    Incentives,
    /// Pair relationship.
    Pair,
    /// Preferred region.
    Region,
}

impl Component {
    /// The components in scoring order.
    pub const ALL: [Component; 7] = [
        Component::Industry,
        Component::Capacity,
        Component::Cost,
        Component::Distance,
        Component::Incentives,
        Component::Pair,
        Component::Region,
    ];

    /// The machine key (`industry`).
    pub fn key(self) -> &'static str {
        match self {
            Component::Industry => "industry",
            Component::Capacity => "capacity",
            Component::Cost => "cost",
            Component::Distance => "distance",
            Component::Incentives => "incentives",
            Component::Pair => "pair",
            Component::Region => "region",
        }
    }
}

/// A resource a demand needs and a park offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resource {
    /// Industrial land, ha.
    Land,
    /// Factory floor area, m².
    Building,
    /// Electric power capacity, kVA.
    Power,
    /// Workers.
    Labour,
}

impl Resource {
    /// The four resources in checking order.
    pub const ALL: [Resource; 4] = [
        Resource::Land,
        Resource::Building,
        Resource::Power,
        Resource::Labour,
    ];

    /// Name and unit for messages.
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Resource::Land => ("land", "ha"),
            Resource::Building => ("building", "m²"),
            Resource::Power => ("power", "kVA"),
            Resource::Labour => ("labour", "workers"),
        }
    }
}

/// Why a pair is infeasible.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Infeasible {
    /// The park can take no more projects (capacity 0).
    ParkFull,
    /// The demand is restricted and the park is not among its viewers.
    NotVisible,
    /// The park refuses the demand's industry.
    ExcludedIndustry,
    /// The demand accepts only its preferred regions and the park is elsewhere.
    RegionNotAllowed,
    /// A resource is below need.
    Capacity {
        /// Which resource.
        resource: Resource,
        /// What the demand needs.
        need: f64,
        /// What the park has.
        available: f64,
    },
}

/// A demand or park that cannot be matched as recorded.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum MatchError {
    /// A locality id that the context does not know (or that has no coordinates).
    #[error("{side} {id}: {field} {value} is not a known locality with coordinates")]
    UnknownLocality {
        /// `demand`, `park`, `fund` or `project`.
        side: &'static str,
        /// The record's id.
        id: String,
        /// The field.
        field: &'static str,
        /// The unknown id.
        value: String,
    },
    /// An industry code that is not an IO-42 sector.
    #[error("{side} {id}: {field} {value} is not an IO-42 sector code")]
    UnknownIndustry {
        /// `demand`, `park`, `fund` or `project`.
        side: &'static str,
        /// The record's id.
        id: String,
        /// The field.
        field: &'static str,
        /// The unknown code.
        value: String,
    },
    /// A value breaking a rule.
    #[error("{side} {id}: {field}: {rule}")]
    Invalid {
        /// `demand`, `park`, `fund` or `project`.
        side: &'static str,
        /// The record's id.
        id: String,
        /// The field.
        field: &'static str,
        /// The rule.
        rule: String,
    },
    /// Two records with the same id.
    #[error("{side} id {id} appears twice")]
    DuplicateId {
        /// `demand`, `park`, `fund` or `project`.
        side: &'static str,
        /// The id.
        id: String,
    },
}

/// One explained component of a pair's score.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ComponentScore {
    /// Which component.
    pub component: Component,
    /// Its value in [0, 1].
    pub value: f64,
    /// Its normalised weight.
    pub weight: f64,
    /// `value * weight`.
    pub contribution: f64,
    /// One line saying where the value comes from.
    pub reason: String,
}

/// A pair's score with its explanation, or the reason it is infeasible.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Explanation {
    /// Demand index.
    pub demand: usize,
    /// Park index.
    pub park: usize,
    /// The total score, `None` when infeasible.
    pub total: Option<f64>,
    /// The components (empty when infeasible).
    pub components: Vec<ComponentScore>,
    /// Why the pair is infeasible, as a rule and a sentence.
    pub infeasible: Option<(Infeasible, String)>,
    /// Whether the park's data are past their freshness date at the caller's date.
    pub stale: bool,
}

/// Per-demand values that depend only on the park's place, filled once per demand and reused
/// across parks (no allocation in the pair loop).
#[derive(Clone, Debug, Default)]
pub struct DemandScratch {
    distance: Vec<f64>,
    pair: Vec<f64>,
    region: Vec<f64>,
    region_ok: Vec<bool>,
    visible: Vec<bool>,
    restricted: bool,
    /// `1 / (need_r (1 + h))` for each needed resource (0 when not needed).
    inv_need: [f64; 4],
    /// `land_ha · 10,000 / budget_yuan` (negative without a budget).
    cost_factor: f64,
    /// Number of needed resources and `1 / that number` (1 when none).
    cap_n: u32,
    cap_scale: f64,
    /// Per place: `[w_distance · D, w_pair · P, w_region · R]`, the weighted place terms of
    /// the total (the same products [`Problem::total`] forms, so the sum is bit-identical).
    place_terms: Vec<[f64; 3]>,
}

/// A matching problem: demands and parks resolved against a context into flat arrays (a
/// struct of arrays, so the pair loop reads a few contiguous vectors).
#[derive(Clone, Debug)]
pub struct Problem<'a> {
    /// The context.
    pub ctx: &'a MatchContext,
    /// The weights (normalised).
    pub weights: Weights,
    /// The demands, as given.
    pub demands: &'a [Demand],
    /// The parks, as given.
    pub parks: &'a [ParkOffer],
    n_sectors: usize,
    d_origin: Vec<u32>,
    d_sector: Vec<u32>,
    d_need: Vec<[f64; 4]>,
    /// Budget in yuan, negative when not stated.
    d_budget: Vec<f64>,
    d_suppliers: Vec<Vec<u32>>,
    d_pref: Vec<Vec<u32>>,
    d_only: Vec<bool>,
    /// Park indices allowed to see each restricted demand.
    d_allowed: Vec<Option<Vec<u32>>>,
    p_place: Vec<u32>,
    p_avail: Vec<[f64; 4]>,
    p_price: Vec<f64>,
    p_incentives: Vec<f64>,
    p_capacity: Vec<u32>,
    /// Industry fit per (park, sector), parks x sectors; negative = the park excludes it.
    p_industry: Vec<f64>,
    /// The same, sectors x parks, so a demand's pass over parks reads one contiguous row.
    p_industry_t: Vec<f64>,
    /// The parks regrouped into blocks for the shortlist pass ([`ParkBlocks`]).
    blocks: ParkBlocks,
    p_focus: Vec<f64>,
    p_relatedness: Vec<f64>,
    p_linkage: Vec<f64>,
}

/// The parks regrouped for the shortlist pass: ordered by city, then by incentives
/// (descending) and park index, and cut into blocks of at most [`ParkBlocks::BLOCK`] parks
/// of one city, with each block's per-sector largest industry fit and largest
/// availabilities, lowest land price and largest incentives, so a demand can bound the
/// score of a whole block ([`Problem::block_bound`]) before scoring its parks. Per-park
/// values are stored by position in that order (struct of arrays).
#[derive(Clone, Debug, Default)]
pub struct ParkBlocks {
    /// Position -> park index.
    perm: Vec<u32>,
    /// Industry fit per (sector, position), sectors x positions; negative = excluded.
    industry: Vec<f64>,
    /// Availability per resource (land, building, power, labour), by position.
    avail: [Vec<f64>; 4],
    price: Vec<f64>,
    incentives: Vec<f64>,
    /// Capacity > 0, by position.
    open: Vec<bool>,
    blocks: Vec<Block>,
    /// Largest non-excluded industry fit per (sector, block), sectors x blocks; −1 when
    /// every park of the block excludes the sector.
    industry_max: Vec<f64>,
}

/// One block of parks of one city.
#[derive(Clone, Debug)]
struct Block {
    start: u32,
    end: u32,
    place: u32,
    max_avail: [f64; 4],
    min_price: f64,
    max_incentives: f64,
}

impl ParkBlocks {
    /// The most parks in a block: small enough for tight bounds, large enough that the
    /// per-block bound costs little against scoring the block.
    pub const BLOCK: usize = 32;

    fn build(p: &Problem<'_>) -> ParkBlocks {
        let np = p.p_place.len();
        let n = p.n_sectors;
        let mut perm: Vec<u32> = (0..np as u32).collect();
        perm.sort_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            p.p_place[a]
                .cmp(&p.p_place[b])
                .then(p.p_incentives[b].total_cmp(&p.p_incentives[a]))
                .then(a.cmp(&b))
        });
        let mut blocks = Vec::new();
        let mut start = 0;
        while start < np {
            let place = p.p_place[perm[start] as usize];
            let mut end = start;
            while end < np && end - start < Self::BLOCK && p.p_place[perm[end] as usize] == place {
                end += 1;
            }
            let members = &perm[start..end];
            let mut max_avail = [f64::NEG_INFINITY; 4];
            let mut min_price = f64::INFINITY;
            let mut max_incentives = f64::NEG_INFINITY;
            for &k in members {
                let k = k as usize;
                for (m, &a) in max_avail.iter_mut().zip(&p.p_avail[k]) {
                    *m = m.max(a);
                }
                min_price = min_price.min(p.p_price[k]);
                max_incentives = max_incentives.max(p.p_incentives[k]);
            }
            blocks.push(Block {
                start: start as u32,
                end: end as u32,
                place,
                max_avail,
                min_price,
                max_incentives,
            });
            start = end;
        }
        let nb = blocks.len();
        let mut industry = vec![0.0; n * np];
        let mut industry_max = vec![-1.0f64; n * nb];
        for s in 0..n {
            for (pos, &k) in perm.iter().enumerate() {
                industry[s * np + pos] = p.p_industry[k as usize * n + s];
            }
            for (b, blk) in blocks.iter().enumerate() {
                for pos in blk.start as usize..blk.end as usize {
                    let v = industry[s * np + pos];
                    if v >= 0.0 {
                        industry_max[s * nb + b] = industry_max[s * nb + b].max(v);
                    }
                }
            }
        }
        let column = |f: &dyn Fn(usize) -> f64| perm.iter().map(|&k| f(k as usize)).collect();
        ParkBlocks {
            avail: [
                column(&|k| p.p_avail[k][0]),
                column(&|k| p.p_avail[k][1]),
                column(&|k| p.p_avail[k][2]),
                column(&|k| p.p_avail[k][3]),
            ],
            price: column(&|k| p.p_price[k]),
            incentives: column(&|k| p.p_incentives[k]),
            open: perm.iter().map(|&k| p.p_capacity[k as usize] > 0).collect(),
            industry,
            industry_max,
            blocks,
            perm,
        }
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    /// Whether there are no blocks (no parks).
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// The positions of block `b`.
    pub fn range(&self, b: usize) -> std::ops::Range<usize> {
        let blk = &self.blocks[b];
        blk.start as usize..blk.end as usize
    }

    /// The park index at a position.
    pub fn park(&self, pos: usize) -> u32 {
        self.perm[pos]
    }
}

fn check_quantity(
    side: &'static str,
    id: &str,
    field: &'static str,
    v: f64,
) -> Result<f64, MatchError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(MatchError::Invalid {
            side,
            id: id.to_string(),
            field,
            rule: format!("{v} must be a finite number >= 0"),
        })
    }
}

impl<'a> Problem<'a> {
    /// Resolves demands and parks against the context and precomputes every per-park and
    /// per-(park, sector) value.
    ///
    /// # Errors
    /// A duplicate id, an unknown locality or industry, a negative or non-finite quantity,
    /// an incentive rating outside [0, 1], a demand with `region_mode = only` and no
    /// preferred region.
    pub fn new(
        ctx: &'a MatchContext,
        weights: Weights,
        demands: &'a [Demand],
        parks: &'a [ParkOffer],
    ) -> Result<Problem<'a>, MatchError> {
        let n = ctx.sectors().len();
        let place = |side, id: &str, field, value: &str| {
            ctx.place(value)
                .map(|k| k as u32)
                .ok_or_else(|| MatchError::UnknownLocality {
                    side,
                    id: id.to_string(),
                    field,
                    value: value.to_string(),
                })
        };
        let sector = |side, id: &str, field, value: &str| {
            ctx.sector(value)
                .ok_or_else(|| MatchError::UnknownIndustry {
                    side,
                    id: id.to_string(),
                    field,
                    value: value.to_string(),
                })
        };
        let mut park_ids: HashMap<&str, u32> = HashMap::with_capacity(parks.len());
        let mut p = Problem {
            ctx,
            weights,
            demands,
            parks,
            n_sectors: n,
            d_origin: Vec::with_capacity(demands.len()),
            d_sector: Vec::with_capacity(demands.len()),
            d_need: Vec::with_capacity(demands.len()),
            d_budget: Vec::with_capacity(demands.len()),
            d_suppliers: Vec::with_capacity(demands.len()),
            d_pref: Vec::with_capacity(demands.len()),
            d_only: Vec::with_capacity(demands.len()),
            d_allowed: Vec::with_capacity(demands.len()),
            p_place: Vec::with_capacity(parks.len()),
            p_avail: Vec::with_capacity(parks.len()),
            p_price: Vec::with_capacity(parks.len()),
            p_incentives: Vec::with_capacity(parks.len()),
            p_capacity: Vec::with_capacity(parks.len()),
            p_industry: vec![0.0; parks.len() * n],
            p_industry_t: vec![0.0; parks.len() * n],
            blocks: ParkBlocks::default(),
            p_focus: vec![0.0; parks.len() * n],
            p_relatedness: vec![0.0; parks.len() * n],
            p_linkage: vec![0.0; parks.len() * n],
        };
        let iw = weights.industry;
        let mut set = Vec::with_capacity(n);
        for (k, park) in parks.iter().enumerate() {
            let id = park.id.as_str();
            if park_ids.insert(id, k as u32).is_some() {
                return Err(MatchError::DuplicateId {
                    side: "park",
                    id: id.to_string(),
                });
            }
            let c = place("park", id, "locality", &park.locality)? as usize;
            p.p_place.push(c as u32);
            p.p_avail.push([
                check_quantity("park", id, "land_ha", park.land_ha)?,
                check_quantity("park", id, "building_m2", park.building_m2)?,
                check_quantity("park", id, "power_kva", park.power_kva)?,
                check_quantity("park", id, "labour", park.labour)?,
            ]);
            p.p_price.push(check_quantity(
                "park",
                id,
                "land_price_yuan_m2",
                park.land_price_yuan_m2,
            )?);
            if !(0.0..=1.0).contains(&park.incentives) {
                return Err(MatchError::Invalid {
                    side: "park",
                    id: id.to_string(),
                    field: "incentives",
                    rule: format!("{} must be a rating in [0, 1]", park.incentives),
                });
            }
            p.p_incentives.push(park.incentives);
            p.p_capacity.push(park.capacity);
            let focus: Vec<usize> = park
                .focus_industries
                .iter()
                .map(|code| sector("park", id, "focus_industries", code))
                .collect::<Result<_, _>>()?;
            let excluded: Vec<usize> = park
                .exclusions
                .iter()
                .map(|code| sector("park", id, "exclusions", code))
                .collect::<Result<_, _>>()?;
            set.clear();
            set.extend((0..n).filter(|&q| ctx.present(c, q) || focus.contains(&q)));
            for s in 0..n {
                let f = if focus.is_empty() {
                    weights.params.no_focus_value
                } else {
                    focus
                        .iter()
                        .map(|&q| ctx.proximity(s, q))
                        .fold(0.0, f64::max)
                };
                let r = ctx.density(c, s);
                let l = linkage(ctx, s, &set).0;
                let at = k * n + s;
                p.p_focus[at] = f;
                p.p_relatedness[at] = r;
                p.p_linkage[at] = l;
                p.p_industry[at] = if excluded.contains(&s) {
                    -1.0
                } else {
                    iw.focus * f + iw.relatedness * r + iw.linkage * l
                };
            }
        }
        for k in 0..parks.len() {
            for s in 0..n {
                p.p_industry_t[s * parks.len() + k] = p.p_industry[k * n + s];
            }
        }
        p.blocks = ParkBlocks::build(&p);
        let mut demand_ids: HashMap<&str, ()> = HashMap::with_capacity(demands.len());
        for d in demands {
            let id = d.id.as_str();
            if demand_ids.insert(id, ()).is_some() {
                return Err(MatchError::DuplicateId {
                    side: "demand",
                    id: id.to_string(),
                });
            }
            p.d_origin.push(place("demand", id, "origin", &d.origin)?);
            p.d_sector
                .push(sector("demand", id, "industry", &d.industry)? as u32);
            p.d_need.push([
                check_quantity("demand", id, "land_ha", d.land_ha)?,
                check_quantity("demand", id, "building_m2", d.building_m2)?,
                check_quantity("demand", id, "power_kva", d.power_kva)?,
                check_quantity("demand", id, "labour", d.labour)?,
            ]);
            p.d_budget.push(match d.budget_yuan {
                None => -1.0,
                Some(b) if b.is_finite() && b > 0.0 => b,
                Some(b) => {
                    return Err(MatchError::Invalid {
                        side: "demand",
                        id: id.to_string(),
                        field: "budget_yuan",
                        rule: format!("{b} must be a positive number of yuan (or left empty)"),
                    })
                }
            });
            p.d_suppliers.push(
                d.suppliers
                    .iter()
                    .map(|s| place("demand", id, "suppliers", s))
                    .collect::<Result<_, _>>()?,
            );
            let pref: Vec<u32> = d
                .preferred_regions
                .iter()
                .map(|s| place("demand", id, "preferred_regions", s))
                .collect::<Result<_, _>>()?;
            let only = d.region_mode == RegionMode::Only;
            if only && pref.is_empty() {
                return Err(MatchError::Invalid {
                    side: "demand",
                    id: id.to_string(),
                    field: "region_mode",
                    rule: "\"only\" needs at least one preferred region".into(),
                });
            }
            p.d_pref.push(pref);
            p.d_only.push(only);
            p.d_allowed.push(match &d.visibility {
                Visibility::Public => None,
                // Viewer ids that are not parks are officers: they do not affect matching.
                Visibility::Restricted(list) => Some(
                    list.iter()
                        .filter_map(|v| park_ids.get(v.as_str()).copied())
                        .collect(),
                ),
            });
        }
        Ok(p)
    }

    /// Number of demands.
    pub fn n_demands(&self) -> usize {
        self.demands.len()
    }

    /// Number of parks.
    pub fn n_parks(&self) -> usize {
        self.parks.len()
    }

    /// Each park's capacity (projects it can take).
    pub fn park_capacities(&self) -> &[u32] {
        &self.p_capacity
    }

    /// A scratch buffer sized for this problem's context.
    pub fn scratch(&self) -> DemandScratch {
        let np = self.ctx.places().len();
        DemandScratch {
            distance: vec![0.0; np],
            pair: vec![0.0; np],
            region: vec![0.0; np],
            region_ok: vec![true; np],
            visible: vec![false; self.parks.len()],
            restricted: false,
            inv_need: [0.0; 4],
            cost_factor: -1.0,
            cap_n: 0,
            cap_scale: 1.0,
            place_terms: vec![[0.0; 3]; np],
        }
    }

    /// Fills the scratch with demand `d`'s per-place values (distance, pair, region) and
    /// visibility. O(places · (1 + suppliers) + parks allowed).
    pub fn prepare(&self, d: usize, sc: &mut DemandScratch) {
        let prm = &self.weights.params;
        let w = self.weights.demand_park.as_array();
        let o = self.d_origin[d] as usize;
        let sup = &self.d_suppliers[d];
        let pref = &self.d_pref[d];
        for c in 0..sc.distance.len() {
            let fo = decay(self.ctx.distance_km(o, c), prm.distance_decay_km);
            sc.distance[c] = if sup.is_empty() {
                fo
            } else {
                let fs: f64 = sup
                    .iter()
                    .map(|&t| decay(self.ctx.distance_km(t as usize, c), prm.distance_decay_km))
                    .sum::<f64>()
                    / sup.len() as f64;
                (1.0 - prm.supplier_share) * fo + prm.supplier_share * fs
            };
            sc.pair[c] = if self.ctx.helper_of(c) == Some(o) {
                1.0
            } else {
                0.0
            };
            let in_pref = pref.contains(&(c as u32));
            sc.region[c] = if pref.is_empty() {
                prm.no_preference_value
            } else if in_pref {
                1.0
            } else {
                0.0
            };
            sc.region_ok[c] = !self.d_only[d] || in_pref;
            sc.place_terms[c] = [
                w[3] * sc.distance[c],
                w[5] * sc.pair[c],
                w[6] * sc.region[c],
            ];
        }
        if sc.restricted {
            sc.visible.iter_mut().for_each(|v| *v = false);
        }
        sc.restricted = false;
        if let Some(allowed) = &self.d_allowed[d] {
            sc.restricted = true;
            for &p in allowed {
                sc.visible[p as usize] = true;
            }
        }
        let h1 = 1.0 + prm.capacity_headroom;
        let need = &self.d_need[d];
        for (inv, &n) in sc.inv_need.iter_mut().zip(need.iter()) {
            *inv = if n > 0.0 { 1.0 / (n * h1) } else { 0.0 };
        }
        sc.cap_n = need.iter().filter(|&&x| x > 0.0).count() as u32;
        sc.cap_scale = match sc.cap_n {
            0 | 1 => 1.0,
            k => 1.0 / f64::from(k),
        };
        let budget = self.d_budget[d];
        sc.cost_factor = if budget > 0.0 {
            need[0] * 10_000.0 / budget
        } else {
            -1.0
        };
    }

    /// The seven component values of pair (d, p), or why it is infeasible. `sc` must have
    /// been prepared for `d`. This is the one implementation of the formulas: the fast
    /// shortlist, the naive reference and the explanations all call it.
    #[inline]
    pub fn components(
        &self,
        d: usize,
        p: usize,
        sc: &DemandScratch,
    ) -> Result<[f64; 7], Infeasible> {
        if self.p_capacity[p] == 0 {
            return Err(Infeasible::ParkFull);
        }
        if sc.restricted && !sc.visible[p] {
            return Err(Infeasible::NotVisible);
        }
        let s = self.d_sector[d] as usize;
        let ind = self.p_industry_t[s * self.p_place.len() + p];
        if ind < 0.0 {
            return Err(Infeasible::ExcludedIndustry);
        }
        let c = self.p_place[p] as usize;
        if !sc.region_ok[c] {
            return Err(Infeasible::RegionNotAllowed);
        }
        let need = &self.d_need[d];
        let avail = &self.p_avail[p];
        for r in 0..4 {
            if need[r] > 0.0 && avail[r] < need[r] {
                return Err(Infeasible::Capacity {
                    resource: Resource::ALL[r],
                    need: need[r],
                    available: avail[r],
                });
            }
        }
        Ok(self.values(ind, p, c, sc))
    }

    /// The component values of a feasible pair (shared by [`Problem::components`] and the
    /// branch-light [`Problem::fast_score`], so both compute bit-identical numbers).
    /// Reciprocals prepared per demand keep divisions out of the pair loop; a resource not
    /// needed has `inv_need = 0` and adds exactly 0 to the capacity sum.
    #[inline(always)]
    fn values(&self, ind: f64, p: usize, c: usize, sc: &DemandScratch) -> [f64; 7] {
        let avail = &self.p_avail[p];
        let mut cap_sum = 0.0;
        for (&a, &inv) in avail.iter().zip(sc.inv_need.iter()) {
            cap_sum += (a * inv).min(1.0);
        }
        let cap = if sc.cap_n == 0 {
            1.0
        } else {
            cap_sum * sc.cap_scale
        };
        let cost = if sc.cost_factor >= 0.0 {
            (1.0 - sc.cost_factor * self.p_price[p]).max(0.0)
        } else {
            self.weights.params.no_budget_value
        };
        [
            ind,
            cap,
            cost,
            sc.distance[c],
            self.p_incentives[p],
            sc.pair[c],
            sc.region[c],
        ]
    }

    /// The total score of pair (d, p), or `None` when infeasible; bit-identical to
    /// `total(components(..))` but with the constraints tested together (one branch
    /// instead of up to eight, which the shortlist's pair loop cannot predict).
    #[inline(always)]
    pub fn fast_score(&self, d: usize, p: usize, sc: &DemandScratch) -> Option<f64> {
        let s = self.d_sector[d] as usize;
        let ind = self.p_industry_t[s * self.p_place.len() + p];
        let c = self.p_place[p] as usize;
        let need = &self.d_need[d];
        let avail = &self.p_avail[p];
        let mut ok = (ind >= 0.0)
            & sc.region_ok[c]
            & (self.p_capacity[p] > 0)
            & (!sc.restricted | sc.visible[p]);
        for r in 0..4 {
            ok &= (avail[r] >= need[r]) | (need[r] <= 0.0);
        }
        if !ok {
            return None;
        }
        Some(self.total(&self.values(ind, p, c, sc)))
    }

    /// The parks regrouped into blocks ([`ParkBlocks`]), for the shortlist pass.
    pub fn blocks(&self) -> &ParkBlocks {
        &self.blocks
    }

    /// An upper bound on the score of demand `d` with every park of block `b`, or `None`
    /// when no park of the block can be feasible for `d` (its city is outside an "only"
    /// demand's regions, every park excludes the industry, or even the block's largest
    /// availability of a needed resource is below need). `sc` must be prepared for `d`.
    ///
    /// The bound is exact arithmetic, not an estimate with a margin: it sums, in the order
    /// the total does, terms each at least the corresponding term of any pair of the block
    /// (largest industry fit and incentives, capacity fit at the largest availabilities,
    /// cost at the lowest price); products by non-negative weights, `min`, `max` and
    /// round-to-nearest addition are monotone, so every computed pair total is <= it.
    /// Weights that are not all non-negative (only possible when built by hand, bypassing
    /// [`Weights`] validation) give `+∞`: no bound is claimed and nothing is pruned.
    pub fn block_bound(&self, d: usize, sc: &DemandScratch, b: usize) -> Option<f64> {
        let w = self.weights.demand_park.as_array();
        let blk = &self.blocks.blocks[b];
        let c = blk.place as usize;
        if !sc.region_ok[c] {
            return None;
        }
        if w.iter().any(|&x| x.is_nan() || x < 0.0) {
            // Hand-built weights outside the validated range: no bound, nothing pruned.
            return Some(f64::INFINITY);
        }
        let s = self.d_sector[d] as usize;
        let ind = self.blocks.industry_max[s * self.blocks.blocks.len() + b];
        let need = &self.d_need[d];
        if ind < 0.0 || (0..4).any(|r| need[r] > 0.0 && blk.max_avail[r] < need[r]) {
            return None;
        }
        let mut cap_sum = 0.0;
        for r in 0..4 {
            cap_sum += (blk.max_avail[r] * sc.inv_need[r]).min(1.0);
        }
        let cap = if sc.cap_n == 0 {
            1.0
        } else {
            cap_sum * sc.cap_scale
        };
        let cost = if sc.cost_factor >= 0.0 {
            (1.0 - sc.cost_factor * blk.min_price).max(0.0)
        } else {
            self.weights.params.no_budget_value
        };
        let [wd, wp, wr] = sc.place_terms[c];
        let mut t = 0.0;
        t += w[0] * ind;
        t += w[1] * cap;
        t += w[2] * cost;
        t += wd;
        t += w[4] * blk.max_incentives;
        t += wp;
        t += wr;
        Some(t)
    }

    /// The scores of demand `d` against the parks of block `b`, written to `out` (one slot
    /// per park of the block, in block order: park `blocks().park(pos)` for position
    /// `pos` in `blocks().range(b)`): the pair's total, or NaN when the pair is infeasible
    /// (NaN compares false with any threshold, so a caller's `score >= threshold` test
    /// skips it). `sc` must have been prepared for `d`.
    ///
    /// Bit-identical to `total(components(d, p))` for every feasible pair: the same products
    /// `w_k x_k` are summed in the same order (the place ones precomputed per demand). All
    /// hard constraints are tested without branching over contiguous per-position arrays.
    ///
    /// # Panics
    /// If `out` is not one slot per park of the block (a caller's bug).
    pub fn score_block(&self, d: usize, sc: &DemandScratch, b: usize, out: &mut [f64]) {
        let lay = &self.blocks;
        let range = lay.range(b);
        assert_eq!(
            out.len(),
            range.len(),
            "score_block needs one slot per park"
        );
        let w = self.weights.demand_park.as_array();
        let np = lay.perm.len();
        let s = self.d_sector[d] as usize;
        let industry = &lay.industry[s * np..(s + 1) * np][range.clone()];
        let need = &self.d_need[d];
        // A resource not needed passes whatever the park has.
        let floor = need.map(|x| if x > 0.0 { x } else { f64::NEG_INFINITY });
        let inv = sc.inv_need;
        let cap_none = sc.cap_n == 0;
        let cap_scale = sc.cap_scale;
        let cost_factor = sc.cost_factor;
        let no_budget = self.weights.params.no_budget_value;
        let [a0, a1, a2, a3] = &lay.avail;
        let c = lay.blocks[b].place as usize;
        let region_ok = sc.region_ok[c];
        let [wd, wp, wr] = sc.place_terms[c];
        let parks = out
            .iter_mut()
            .zip(industry)
            .zip(
                a0[range.clone()]
                    .iter()
                    .zip(&a1[range.clone()])
                    .zip(a2[range.clone()].iter().zip(&a3[range.clone()])),
            )
            .zip(
                lay.price[range.clone()]
                    .iter()
                    .zip(&lay.incentives[range.clone()]),
            )
            .zip(&lay.open[range.clone()]);
        for ((((o, &ind), ((&l, &bu), (&pw, &lb))), (&price, &inc)), &open) in parks {
            let ok = (ind >= 0.0)
                & region_ok
                & open
                & (l >= floor[0])
                & (bu >= floor[1])
                & (pw >= floor[2])
                & (lb >= floor[3]);
            let mut cap_sum = 0.0;
            cap_sum += (l * inv[0]).min(1.0);
            cap_sum += (bu * inv[1]).min(1.0);
            cap_sum += (pw * inv[2]).min(1.0);
            cap_sum += (lb * inv[3]).min(1.0);
            let cap = if cap_none { 1.0 } else { cap_sum * cap_scale };
            let cost = if cost_factor >= 0.0 {
                (1.0 - cost_factor * price).max(0.0)
            } else {
                no_budget
            };
            let mut t = 0.0;
            t += w[0] * ind;
            t += w[1] * cap;
            t += w[2] * cost;
            t += wd;
            t += w[4] * inc;
            t += wp;
            t += wr;
            *o = if ok { t } else { f64::NAN };
        }
        if sc.restricted {
            for (o, &p) in out.iter_mut().zip(&lay.perm[range]) {
                if !sc.visible[p as usize] {
                    *o = f64::NAN;
                }
            }
        }
    }

    /// The total `Σ_k w_k x_k`, summed in component order.
    #[inline]
    pub fn total(&self, x: &[f64; 7]) -> f64 {
        let w = self.weights.demand_park.as_array();
        let mut t = 0.0;
        for k in 0..7 {
            t += w[k] * x[k];
        }
        t
    }

    /// The score of pair (d, p), `None` when infeasible (allocates a scratch: use
    /// [`Problem::components`] in loops).
    pub fn score(&self, d: usize, p: usize) -> Option<f64> {
        let mut sc = self.scratch();
        self.prepare(d, &mut sc);
        self.components(d, p, &sc).ok().map(|x| self.total(&x))
    }

    /// How park p ranks demand d in the stable matching (its own view), in [0, 1]:
    /// `V = v_i I + v_u U + v_p P` with I the pair's industry fit, P the pair bonus and the
    /// uptake `U = mean_{r ∈ {land, building}, avail_r > 0} min(1, need_r / avail_r)` (a park
    /// prefers projects that fill its vacant land and buildings; 0 when it has neither).
    /// Weights: [`crate::weights::ParkViewWeights`]. Meaningful for feasible pairs only
    /// (an excluded industry counts as fit 0).
    pub fn park_view(&self, p: usize, d: usize) -> f64 {
        let v = self.weights.park_view;
        let s = self.d_sector[d] as usize;
        let ind = self.p_industry[p * self.n_sectors + s].max(0.0);
        let (need, avail) = (&self.d_need[d], &self.p_avail[p]);
        let mut u = 0.0;
        let mut k = 0u32;
        for r in 0..2 {
            if avail[r] > 0.0 {
                u += (need[r] / avail[r]).min(1.0);
                k += 1;
            }
        }
        let uptake = if k == 0 { 0.0 } else { u / f64::from(k) };
        let c = self.p_place[p] as usize;
        let pair = if self.ctx.helper_of(c) == Some(self.d_origin[d] as usize) {
            1.0
        } else {
            0.0
        };
        v.industry * ind + v.uptake * uptake + v.pair * pair
    }

    /// The explained score of pair (d, p). `as_of` flags parks whose data are past their
    /// freshness date (`data_freshness < as_of`).
    pub fn explain(&self, d: usize, p: usize, as_of: Option<Date>) -> Explanation {
        let mut sc = self.scratch();
        self.prepare(d, &mut sc);
        let park = &self.parks[p];
        let demand = &self.demands[d];
        let stale = as_of.is_some_and(|t| park.data_freshness < t);
        match self.components(d, p, &sc) {
            Err(why) => Explanation {
                demand: d,
                park: p,
                total: None,
                components: Vec::new(),
                infeasible: Some((why, self.infeasible_text(d, p, why))),
                stale,
            },
            Ok(x) => {
                let w = self.weights.demand_park.as_array();
                let components = Component::ALL
                    .iter()
                    .enumerate()
                    .map(|(k, &component)| ComponentScore {
                        component,
                        value: x[k],
                        weight: w[k],
                        contribution: w[k] * x[k],
                        reason: self.reason(component, d, p, x[k]),
                    })
                    .collect();
                let _ = demand;
                Explanation {
                    demand: d,
                    park: p,
                    total: Some(self.total(&x)),
                    components,
                    infeasible: None,
                    stale,
                }
            }
        }
    }

    fn place_name(&self, c: usize) -> &str {
        &self.ctx.places()[c].id
    }

    /// A sentence for an infeasibility.
    pub fn infeasible_text(&self, d: usize, p: usize, why: Infeasible) -> String {
        let park = &self.parks[p];
        let demand = &self.demands[d];
        match why {
            Infeasible::ParkFull => format!("park {} can take no more projects", park.id),
            Infeasible::NotVisible => format!(
                "demand {} is restricted and park {} is not among its viewers",
                demand.id, park.id
            ),
            Infeasible::ExcludedIndustry => format!(
                "park {} excludes industry {} (IO-42)",
                park.id, demand.industry
            ),
            Infeasible::RegionNotAllowed => format!(
                "demand {} accepts only {} and park {} is in {}",
                demand.id,
                demand.preferred_regions.join(", "),
                park.id,
                park.locality
            ),
            Infeasible::Capacity {
                resource,
                need,
                available,
            } => {
                let (name, unit) = resource.label();
                format!(
                    "{name}: needs {need} {unit}, park {} has {available} {unit}",
                    park.id
                )
            }
        }
    }

    fn reason(&self, component: Component, d: usize, p: usize, value: f64) -> String {
        let demand = &self.demands[d];
        let park = &self.parks[p];
        let prm = &self.weights.params;
        let n = self.n_sectors;
        let s = self.d_sector[d] as usize;
        let c = self.p_place[p] as usize;
        let o = self.d_origin[d] as usize;
        let mut out = String::new();
        match component {
            Component::Industry => {
                let at = p * n + s;
                let set: Vec<usize> = (0..n)
                    .filter(|&q| {
                        self.ctx.present(c, q)
                            || park
                                .focus_industries
                                .iter()
                                .any(|f| self.ctx.sector(f) == Some(q))
                    })
                    .collect();
                let (_, with) = linkage(self.ctx, s, &set);
                let focus = if park.focus_industries.is_empty() {
                    format!("no focus industries (={})", prm.no_focus_value)
                } else if park.focus_industries.contains(&demand.industry) {
                    format!("{} is a focus industry", demand.industry)
                } else {
                    format!("proximity to focus {}", park.focus_industries.join("/"))
                };
                let _ =
                    write!(
                    out,
                    "IO-42 {}: focus {:.2} ({focus}), {} relatedness {:.2}{}, IO linkage {:.2}{}",
                    demand.industry,
                    self.p_focus[at],
                    park.locality,
                    self.p_relatedness[at],
                    if self.ctx.has_profile(c) { "" } else { " (no industry profile)" },
                    self.p_linkage[at],
                    with.map(|q| format!(" (with {})", self.ctx.sectors()[q].code))
                        .unwrap_or_default()
                );
            }
            Component::Capacity => {
                let need = &self.d_need[d];
                let avail = &self.p_avail[p];
                let parts: Vec<String> = Resource::ALL
                    .iter()
                    .enumerate()
                    .filter(|(r, _)| need[*r] > 0.0)
                    .map(|(r, res)| {
                        let (name, unit) = res.label();
                        format!(
                            "{name} {} of {} {unit}",
                            fmt_num(avail[r]),
                            fmt_num(need[r])
                        )
                    })
                    .collect();
                if parts.is_empty() {
                    out.push_str("no resource needed");
                } else {
                    let _ = write!(
                        out,
                        "{}; mean of min(1, available / (need x {:.2}))",
                        parts.join(", "),
                        1.0 + prm.capacity_headroom
                    );
                }
            }
            Component::Cost => match demand.budget_yuan {
                None => {
                    let _ = write!(out, "no budget stated (={})", prm.no_budget_value);
                }
                Some(b) => {
                    let cost = demand.land_ha * 10_000.0 * park.land_price_yuan_m2;
                    let _ = write!(
                        out,
                        "land {} ha x {} yuan/m² = {} yuan of a {} yuan budget",
                        fmt_num(demand.land_ha),
                        fmt_num(park.land_price_yuan_m2),
                        fmt_num(cost),
                        fmt_num(b)
                    );
                }
            },
            Component::Distance => {
                let km = self.ctx.distance_km(o, c);
                let _ = write!(
                    out,
                    "{:.0} km from {} to {} (decay {:.2}, lambda {} km)",
                    km,
                    self.place_name(o),
                    self.place_name(c),
                    decay(km, prm.distance_decay_km),
                    prm.distance_decay_km
                );
                let sup = &self.d_suppliers[d];
                if !sup.is_empty() {
                    let mean_km = sup
                        .iter()
                        .map(|&t| self.ctx.distance_km(t as usize, c))
                        .sum::<f64>()
                        / sup.len() as f64;
                    let _ = write!(
                        out,
                        "; {} supplier localities, mean {:.0} km (share {})",
                        sup.len(),
                        mean_km,
                        prm.supplier_share
                    );
                }
            }
            Component::Incentives => {
                let _ = write!(out, "rated {:.2}", park.incentives);
                if !park.incentive_list.is_empty() {
                    let _ = write!(out, ": {}", park.incentive_list.join("; "));
                }
            }
            Component::Pair => {
                if value > 0.0 {
                    let _ = write!(
                        out,
                        "{} is the helper of {} in the programme",
                        self.place_name(o),
                        self.place_name(c)
                    );
                } else {
                    let _ = write!(
                        out,
                        "{} is not the helper of {}",
                        self.place_name(o),
                        self.place_name(c)
                    );
                }
            }
            Component::Region => {
                if demand.preferred_regions.is_empty() {
                    let _ = write!(out, "no preferred region (={})", prm.no_preference_value);
                } else if value > 0.0 {
                    let _ = write!(out, "{} is a preferred region", park.locality);
                } else {
                    let _ = write!(
                        out,
                        "{} is not among {}",
                        park.locality,
                        demand.preferred_regions.join(", ")
                    );
                }
            }
        }
        out
    }
}

/// The linkage score `max_{q ∈ set, q ≠ s} (a_qs + a_sq) / norm` and the sector q that
/// attains it (0 and `None` for an empty set or a table without flows).
fn linkage(ctx: &MatchContext, s: usize, set: &[usize]) -> (f64, Option<usize>) {
    let norm = ctx.link_norm();
    if norm <= 0.0 {
        return (0.0, None);
    }
    let mut best = (0.0, None);
    for &q in set {
        if q != s {
            let v = (ctx.a(q, s) + ctx.a(s, q)) / norm;
            if best.1.is_none() || v > best.0 {
                best = (v, Some(q));
            }
        }
    }
    best
}

/// A number for a sentence: whole numbers without decimals, others with up to 2.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
