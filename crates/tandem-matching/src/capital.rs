//! Matching projects with capital providers: four documented components in [0, 1],
//! weighted ([`crate::weights::CapitalWeights`], normalised), hard constraints, shortlists.
//!
//! Components (`s` = the project's IO-42 sector, `c` = its locality, `a` = amount sought):
//!
//! 1. **Industry** `F = max_{f ∈ industries(fund)} φ_sf` (1 when the fund names s; φ is the
//!    sector proximity of [`crate::MatchContext`]); 0.5 for a fund open to any industry.
//! 2. **Ticket** with `t = ln(a / min) / ln(max / min)` ∈ [0, 1] (the amount's position in
//!    the ticket range on a log scale, as ticket sizes span orders of magnitude):
//!    `T = 1 − |2t − 1| / 2`, 1 at the geometric middle, 0.5 at either end; 1 when
//!    `min = max`.
//! 3. **Region** `R = 1` when the fund names c, 0.5 when it invests anywhere.
//! 4. **Pair** `P = 1` when the fund's home is the helper of c in the programme, else 0.
//!
//! Hard constraints (first found, in this order): the amount is outside the ticket range;
//! the fund names regions and c is not one; the fund names stages and the project's is not
//! one.

use crate::context::MatchContext;
use crate::model::{CapitalProvider, ProjectNeed};
use crate::score::MatchError;
use crate::shortlist::{Entry, TopK};
use crate::weights::Weights;
use std::collections::HashSet;

/// A capital component.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CapitalComponent {
    /// Industry proximity.
    Industry,
    /// Ticket position.
    Ticket,
    /// Region named.
    Region,
    /// Pair relationship.
    Pair,
}

impl CapitalComponent {
    /// In scoring order.
    pub const ALL: [CapitalComponent; 4] = [
        CapitalComponent::Industry,
        CapitalComponent::Ticket,
        CapitalComponent::Region,
        CapitalComponent::Pair,
    ];

    /// The machine key.
    pub fn key(self) -> &'static str {
        match self {
            CapitalComponent::Industry => "industry",
            CapitalComponent::Ticket => "ticket",
            CapitalComponent::Region => "region",
            CapitalComponent::Pair => "pair",
        }
    }
}

/// Why a project-fund pair is infeasible.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum CapitalInfeasible {
    /// The amount is below the fund's minimum ticket or above its maximum.
    Ticket,
    /// The fund does not invest in the project's locality.
    Region,
    /// The fund does not fund the project's stage.
    Stage,
}

/// One explained capital component.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct CapitalComponentScore {
    /// Which component.
    pub component: CapitalComponent,
    /// Value in [0, 1].
    pub value: f64,
    /// Normalised weight.
    pub weight: f64,
    /// `value * weight`.
    pub contribution: f64,
    /// Where the value comes from.
    pub reason: String,
}

/// Projects and funds resolved against a context.
#[derive(Clone, Debug)]
pub struct CapitalProblem<'a> {
    /// The context.
    pub ctx: &'a MatchContext,
    /// The weights (normalised).
    pub weights: Weights,
    /// The projects as given.
    pub projects: &'a [ProjectNeed],
    /// The funds as given.
    pub funds: &'a [CapitalProvider],
    proj_place: Vec<usize>,
    proj_sector: Vec<usize>,
    fund_home: Vec<Option<usize>>,
    fund_sectors: Vec<Vec<usize>>,
    fund_regions: Vec<Vec<usize>>,
}

impl<'a> CapitalProblem<'a> {
    /// Resolves projects and funds.
    ///
    /// # Errors
    /// Duplicate ids, unknown localities or industries, a non-positive amount or ticket, a
    /// minimum ticket above the maximum.
    pub fn new(
        ctx: &'a MatchContext,
        weights: Weights,
        projects: &'a [ProjectNeed],
        funds: &'a [CapitalProvider],
    ) -> Result<CapitalProblem<'a>, MatchError> {
        let place = |side, id: &str, field, v: &str| {
            ctx.place(v).ok_or_else(|| MatchError::UnknownLocality {
                side,
                id: id.to_string(),
                field,
                value: v.to_string(),
            })
        };
        let sector = |side, id: &str, field, v: &str| {
            ctx.sector(v).ok_or_else(|| MatchError::UnknownIndustry {
                side,
                id: id.to_string(),
                field,
                value: v.to_string(),
            })
        };
        let positive = |side, id: &str, field, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(MatchError::Invalid {
                    side,
                    id: id.to_string(),
                    field,
                    rule: format!("{v} must be a positive number of yuan"),
                })
            }
        };
        let mut ids = HashSet::new();
        let mut proj_place = Vec::with_capacity(projects.len());
        let mut proj_sector = Vec::with_capacity(projects.len());
        for pr in projects {
            if !ids.insert(pr.id.as_str()) {
                return Err(MatchError::DuplicateId {
                    side: "project",
                    id: pr.id.clone(),
                });
            }
            proj_place.push(place("project", &pr.id, "locality", &pr.locality)?);
            proj_sector.push(sector("project", &pr.id, "industry", &pr.industry)?);
            positive("project", &pr.id, "amount_yuan", pr.amount_yuan)?;
        }
        let mut ids = HashSet::new();
        let (mut fund_home, mut fund_sectors, mut fund_regions) = (vec![], vec![], vec![]);
        for f in funds {
            if !ids.insert(f.id.as_str()) {
                return Err(MatchError::DuplicateId {
                    side: "fund",
                    id: f.id.clone(),
                });
            }
            fund_home.push(match &f.home {
                Some(h) => Some(place("fund", &f.id, "home", h)?),
                None => None,
            });
            fund_sectors.push(
                f.industries
                    .iter()
                    .map(|c| sector("fund", &f.id, "industries", c))
                    .collect::<Result<Vec<_>, _>>()?,
            );
            fund_regions.push(
                f.regions
                    .iter()
                    .map(|c| place("fund", &f.id, "regions", c))
                    .collect::<Result<Vec<_>, _>>()?,
            );
            positive("fund", &f.id, "ticket_min_yuan", f.ticket_min_yuan)?;
            positive("fund", &f.id, "ticket_max_yuan", f.ticket_max_yuan)?;
            if f.ticket_min_yuan > f.ticket_max_yuan {
                return Err(MatchError::Invalid {
                    side: "fund",
                    id: f.id.clone(),
                    field: "ticket_min_yuan",
                    rule: format!(
                        "the minimum ticket {} exceeds the maximum {}",
                        f.ticket_min_yuan, f.ticket_max_yuan
                    ),
                });
            }
        }
        Ok(CapitalProblem {
            ctx,
            weights,
            projects,
            funds,
            proj_place,
            proj_sector,
            fund_home,
            fund_sectors,
            fund_regions,
        })
    }

    /// The four component values of (project j, fund f), or why the pair is infeasible.
    pub fn components(&self, j: usize, f: usize) -> Result<[f64; 4], CapitalInfeasible> {
        let pr = &self.projects[j];
        let fund = &self.funds[f];
        let (lo, hi) = (fund.ticket_min_yuan, fund.ticket_max_yuan);
        if pr.amount_yuan < lo || pr.amount_yuan > hi {
            return Err(CapitalInfeasible::Ticket);
        }
        let c = self.proj_place[j];
        let regions = &self.fund_regions[f];
        if !regions.is_empty() && !regions.contains(&c) {
            return Err(CapitalInfeasible::Region);
        }
        if !fund.stages.is_empty() && !fund.stages.contains(&pr.stage) {
            return Err(CapitalInfeasible::Stage);
        }
        let s = self.proj_sector[j];
        let sectors = &self.fund_sectors[f];
        let industry = if sectors.is_empty() {
            0.5
        } else {
            sectors
                .iter()
                .map(|&q| self.ctx.proximity(s, q))
                .fold(0.0, f64::max)
        };
        let ticket = if hi > lo {
            let t = (pr.amount_yuan / lo).ln() / (hi / lo).ln();
            1.0 - (2.0 * t - 1.0).abs() / 2.0
        } else {
            1.0
        };
        let region = if regions.is_empty() { 0.5 } else { 1.0 };
        let pair = match self.fund_home[f] {
            Some(h) if self.ctx.helper_of(c) == Some(h) => 1.0,
            _ => 0.0,
        };
        Ok([industry, ticket, region, pair])
    }

    /// The total `Σ_k w_k x_k` in component order.
    pub fn total(&self, x: &[f64; 4]) -> f64 {
        let w = self.weight_array();
        let mut t = 0.0;
        for k in 0..4 {
            t += w[k] * x[k];
        }
        t
    }

    fn weight_array(&self) -> [f64; 4] {
        let w = self.weights.capital;
        [w.industry, w.ticket, w.region, w.pair]
    }

    /// Top `k` funds per project and top `k` projects per fund (same tie rule as
    /// [`crate::shortlist`]).
    pub fn shortlists(&self, k: usize) -> crate::Shortlists {
        let mut per_fund: Vec<TopK> = (0..self.funds.len()).map(|_| TopK::new(k)).collect();
        let mut per_demand = Vec::with_capacity(self.projects.len());
        let mut mine = TopK::new(k);
        for j in 0..self.projects.len() {
            for (f, pf) in per_fund.iter_mut().enumerate() {
                if let Ok(x) = self.components(j, f) {
                    let score = self.total(&x);
                    mine.push(Entry {
                        index: f as u32,
                        score,
                    });
                    pf.push(Entry {
                        index: j as u32,
                        score,
                    });
                }
            }
            per_demand.push(mine.drain_sorted());
        }
        crate::Shortlists {
            per_demand,
            per_park: per_fund.into_iter().map(TopK::into_sorted).collect(),
        }
    }

    /// A sentence for an infeasible pair.
    pub fn infeasible_text(&self, j: usize, f: usize, why: CapitalInfeasible) -> String {
        let pr = &self.projects[j];
        let fund = &self.funds[f];
        match why {
            CapitalInfeasible::Ticket => format!(
                "amount {} yuan is outside fund {}'s tickets {}-{} yuan",
                crate::score::fmt_num(pr.amount_yuan),
                fund.id,
                crate::score::fmt_num(fund.ticket_min_yuan),
                crate::score::fmt_num(fund.ticket_max_yuan)
            ),
            CapitalInfeasible::Region => format!(
                "fund {} invests only in {}, not {}",
                fund.id,
                fund.regions.join(", "),
                pr.locality
            ),
            CapitalInfeasible::Stage => format!(
                "fund {} funds {} stages, not {}",
                fund.id,
                fund.stages
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("/"),
                pr.stage.as_str()
            ),
        }
    }

    /// The explained components of (project j, fund f), or the reason it is infeasible.
    pub fn explain(
        &self,
        j: usize,
        f: usize,
    ) -> Result<(f64, Vec<CapitalComponentScore>), (CapitalInfeasible, String)> {
        let x = self
            .components(j, f)
            .map_err(|why| (why, self.infeasible_text(j, f, why)))?;
        let w = self.weight_array();
        let pr = &self.projects[j];
        let fund = &self.funds[f];
        let reasons = [
            if fund.industries.is_empty() {
                "the fund is open to any industry (=0.5)".to_string()
            } else if fund.industries.contains(&pr.industry) {
                format!("the fund names IO-42 {}", pr.industry)
            } else {
                format!(
                    "proximity of IO-42 {} to the fund's {}",
                    pr.industry,
                    fund.industries.join("/")
                )
            },
            format!(
                "{} yuan in tickets {}-{} yuan (log position)",
                crate::score::fmt_num(pr.amount_yuan),
                crate::score::fmt_num(fund.ticket_min_yuan),
                crate::score::fmt_num(fund.ticket_max_yuan)
            ),
            if fund.regions.is_empty() {
                "the fund invests anywhere (=0.5)".to_string()
            } else {
                format!("the fund names {}", pr.locality)
            },
            match (&fund.home, x[3] > 0.0) {
                (Some(h), true) => format!("{h} is the helper of {}", pr.locality),
                (Some(h), false) => format!("{h} is not the helper of {}", pr.locality),
                (None, _) => "the fund has no home locality".to_string(),
            },
        ];
        let parts = CapitalComponent::ALL
            .iter()
            .zip(reasons)
            .enumerate()
            .map(|(k, (&component, reason))| CapitalComponentScore {
                component,
                value: x[k],
                weight: w[k],
                contribution: w[k] * x[k],
                reason,
            })
            .collect();
        Ok((self.total(&x), parts))
    }
}
