//! Aggregations of ATT(g,t) (Callaway & Sant'Anna 2021, section 3; R `did::aggte`, moderndid
//! `compute_aggte`), with the influence function of the estimated cohort-share weights.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use super::attgt::analytic_se;
use super::bootstrap::{multiplier_bootstrap, BootstrapBands, BootstrapOptions};
use super::{AttGtResult, DidError, InfluenceMatrix};

/// Which summary of the ATT(g,t) to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Aggregation {
    /// `θ = Σ_{t >= g} P(G=g) ATT(g,t) / Σ_{t >= g} P(G=g)`: all post-treatment cells weighted
    /// by cohort size.
    Simple,
    /// Event study `θ(e) = Σ_g P(G=g | cell (g, g+e) exists) ATT(g, g+e)`, overall = mean of
    /// `θ(e)` over `e >= 0`.
    Dynamic {
        /// Smallest event time reported.
        min_e: Option<i64>,
        /// Largest event time reported.
        max_e: Option<i64>,
        /// Balance the event study on the cohorts observed at least `balance_e` periods after
        /// treatment, keeping event times in `[balance_e - (t_max - t_min), balance_e]`.
        balance_e: Option<i64>,
    },
    /// `θ(g)` = mean of ATT(g,t) over `t >= g`; overall = `Σ_g P(G=g) θ(g) / Σ_g P(G=g)`.
    Group,
    /// `θ(t) = Σ_{g <= t} P(G=g) ATT(g,t) / Σ_{g <= t} P(G=g)` for `t >=` the first cohort;
    /// overall = mean of `θ(t)`.
    Calendar,
}

impl Aggregation {
    /// The full event study (no event-time limits, no balancing).
    pub fn dynamic() -> Self {
        Self::Dynamic {
            min_e: None,
            max_e: None,
            balance_e: None,
        }
    }
}

/// One aggregated effect.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregateLevel {
    /// Event time (dynamic), cohort (group) or period (calendar).
    pub label: i64,
    /// The aggregated ATT.
    pub estimate: f64,
    /// Analytic standard error `sqrt(Σ ψ² / n) / sqrt(n)`; `None` when numerically zero.
    pub se: Option<f64>,
}

/// Result of [`aggregate`].
#[derive(Clone, Debug, Serialize)]
pub struct AggregateResult {
    /// The aggregation computed.
    pub aggregation: Aggregation,
    /// Overall effect (`None` for an event study without event times `>= 0`).
    pub overall_att: Option<f64>,
    /// Analytic standard error of the overall effect.
    pub overall_se: Option<f64>,
    /// Effects by event time / cohort / period (empty for [`Aggregation::Simple`]). Levels
    /// without any estimable cell are left out.
    pub levels: Vec<AggregateLevel>,
    /// Number of units.
    pub n_units: usize,
    /// Influence functions of the levels (one column per level).
    #[serde(skip)]
    pub influence: InfluenceMatrix,
    /// Influence function of the overall effect (empty when there is none).
    #[serde(skip)]
    pub overall_influence: Vec<f64>,
}

/// Bootstrap inference of an aggregation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AggregateBootstrap {
    /// Levels, with their simultaneous band.
    pub levels: BootstrapBands,
    /// Bootstrap standard error of the overall effect.
    pub overall_se: Option<f64>,
}

impl AggregateResult {
    /// Multiplier-bootstrap standard errors and the simultaneous band of the levels, and the
    /// bootstrap standard error of the overall effect (moderndid `aggte(boot=True, cband=True)`:
    /// the same seed drives both).
    pub fn bootstrap(&self, opts: &BootstrapOptions) -> Result<AggregateBootstrap, DidError> {
        let estimates: Vec<f64> = self.levels.iter().map(|l| l.estimate).collect();
        let levels = if self.levels.is_empty() {
            BootstrapBands::new(&[], Vec::new(), None)
        } else {
            let b = multiplier_bootstrap(&self.influence, opts)?;
            BootstrapBands::new(&estimates, b.se, b.critical_value)
        };
        let overall_se = if self.overall_influence.is_empty() {
            None
        } else {
            let m = InfluenceMatrix::from_columns(self.n_units, 1, self.overall_influence.clone())?;
            multiplier_bootstrap(&m, opts)?.se[0]
        };
        Ok(AggregateBootstrap { levels, overall_se })
    }
}

/// Aggregate the group-time effects of `res` (moderndid 0.2.0 `aggte(type=...)`).
///
/// Cohort shares `P(G=g) = mean_i w_i 1{G_i = g}` over all units (never-treated included)
/// with the normalised sampling weights (R `did`; moderndid 0.2.0 ignores sampling weights
/// here, so it agrees only without weights). Each aggregate `Σ_k ω_k ATT_k` with estimated
/// weights `ω_k = p_k / Σ p` has influence function `Σ_k ω_k ψ_k + Σ_k ATT_k ψ^ω_k`, where
/// `ψ^ω_k = (w 1{G=g_k} - p_k)/Σp - Σ_l (w 1{G=g_l} - p_l) p_k / (Σp)²` (R `did`'s `wif`).
/// Errors when there is nothing to aggregate (no post-treatment cell) or on invalid limits.
pub fn aggregate(res: &AttGtResult, aggregation: Aggregation) -> Result<AggregateResult, DidError> {
    let ctx = Ctx::new(res);
    match aggregation {
        Aggregation::Simple => ctx.simple(),
        Aggregation::Dynamic {
            min_e,
            max_e,
            balance_e,
        } => ctx.dynamic(min_e, max_e, balance_e),
        Aggregation::Group => ctx.group(),
        Aggregation::Calendar => ctx.calendar(),
    }
    .map(|mut r| {
        r.aggregation = aggregation;
        r
    })
}

struct Ctx<'a> {
    res: &'a AttGtResult,
    /// `P(G = g)` for every cohort with cells.
    pg: HashMap<i64, f64>,
}

/// A weighted combination of columns: estimate and influence function.
struct Combo {
    estimate: f64,
    inf: Vec<f64>,
}

impl<'a> Ctx<'a> {
    fn new(res: &'a AttGtResult) -> Self {
        let n = res.n_units as f64;
        let mut pg: HashMap<i64, f64> = res.cells.iter().map(|c| (c.group, 0.0)).collect();
        for (g, w) in res.unit_cohorts.iter().zip(&res.unit_weights) {
            if let Some(p) = pg.get_mut(g) {
                *p += w;
            }
        }
        pg.values_mut().for_each(|p| *p /= n);
        Self { res, pg }
    }

    fn n(&self) -> usize {
        self.res.n_units
    }

    /// Cells with weights proportional to `P(G=g)`, including the weight influence function.
    fn share_weighted(&self, keep: &[usize]) -> Combo {
        let cells = &self.res.cells;
        let p: Vec<f64> = keep.iter().map(|&k| self.pg[&cells[k].group]).collect();
        let s: f64 = p.iter().sum();
        let weights: Vec<f64> = p.iter().map(|v| v / s).collect();
        let att: Vec<f64> = keep.iter().map(|&k| cells[k].att).collect();
        let mut combo = combine(&self.res.influence, keep, &att, &weights, self.n());
        let groups: Vec<i64> = keep.iter().map(|&k| cells[k].group).collect();
        self.add_weight_influence(&mut combo.inf, &groups, &p, &att);
        combo
    }

    /// Add `Σ_k att_k ψ^ω_k` (see [`aggregate`]) for entries of cohorts `groups` with shares `p`.
    fn add_weight_influence(&self, inf: &mut [f64], groups: &[i64], p: &[f64], att: &[f64]) {
        let s: f64 = p.iter().sum();
        let a: f64 = p.iter().zip(att).map(|(p, a)| p * a).sum();
        let mut by_group: HashMap<i64, (f64, f64)> = HashMap::new();
        for (g, at) in groups.iter().zip(att) {
            let e = by_group.entry(*g).or_insert((0.0, 0.0));
            e.0 += at;
            e.1 += 1.0;
        }
        for ((v, g), w) in inf
            .iter_mut()
            .zip(&self.res.unit_cohorts)
            .zip(&self.res.unit_weights)
        {
            let (sum_att, count) = by_group.get(g).copied().unwrap_or((0.0, 0.0));
            let term1 = (w * sum_att - a) / s;
            let term2 = (w * count - s) * a / (s * s);
            *v += term1 - term2;
        }
    }

    fn result(&self, overall: Option<Combo>, levels: Vec<(i64, Combo)>) -> AggregateResult {
        let mut influence = InfluenceMatrix::with_rows(self.n());
        let levels = levels
            .into_iter()
            .map(|(label, c)| {
                influence.push_column(&c.inf);
                AggregateLevel {
                    label,
                    estimate: c.estimate,
                    se: analytic_se(&c.inf, self.n()),
                }
            })
            .collect();
        let (overall_att, overall_se, overall_influence) = match overall {
            Some(c) => (Some(c.estimate), analytic_se(&c.inf, self.n()), c.inf),
            None => (None, None, Vec::new()),
        };
        AggregateResult {
            aggregation: Aggregation::Simple,
            overall_att,
            overall_se,
            levels,
            n_units: self.n(),
            influence,
            overall_influence,
        }
    }

    fn post_cells(&self) -> Vec<usize> {
        (0..self.res.cells.len())
            .filter(|&k| self.res.cells[k].post)
            .collect()
    }

    fn simple(&self) -> Result<AggregateResult, DidError> {
        let keep = self.post_cells();
        if keep.is_empty() {
            return Err(DidError::EmptyAggregation(
                "no post-treatment ATT(g,t) to aggregate".into(),
            ));
        }
        Ok(self.result(Some(self.share_weighted(&keep)), Vec::new()))
    }

    /// Event study; `balance_e` keeps the cohorts observed `balance_e` periods after treatment.
    fn dynamic(
        &self,
        min_e: Option<i64>,
        max_e: Option<i64>,
        balance_e: Option<i64>,
    ) -> Result<AggregateResult, DidError> {
        check_event_limits(min_e, max_e, balance_e)?;
        let cells = &self.res.cells;
        let t_max = cells.iter().map(|c| c.time).max().unwrap_or(0);
        let balanced = |k: usize| balance_e.is_none_or(|b| t_max - cells[k].group >= b);
        let events = self.event_times(min_e, max_e, balance_e, &balanced);
        if events.is_empty() {
            return Err(DidError::EmptyAggregation(
                "no event time to aggregate".into(),
            ));
        }
        let levels: Vec<(i64, Combo)> = events
            .iter()
            .map(|&e| {
                let keep: Vec<usize> = (0..cells.len())
                    .filter(|&k| cells[k].event_time == e && balanced(k))
                    .collect();
                (e, self.share_weighted(&keep))
            })
            .collect();
        let post: Vec<&Combo> = levels
            .iter()
            .filter(|(e, _)| *e >= 0)
            .map(|(_, c)| c)
            .collect();
        let overall = (!post.is_empty()).then(|| mean_of(&post, self.n()));
        Ok(self.result(overall, levels))
    }

    /// Event times of the balanced cells, within `[b - (t_max - t_min), b]` when balancing on
    /// `b`, and within `[min_e, max_e]`.
    fn event_times(
        &self,
        min_e: Option<i64>,
        max_e: Option<i64>,
        balance_e: Option<i64>,
        balanced: &dyn Fn(usize) -> bool,
    ) -> Vec<i64> {
        let cells = &self.res.cells;
        let t_max = cells.iter().map(|c| c.time).max().unwrap_or(0);
        let t_min = cells.iter().map(|c| c.time).min().unwrap_or(0);
        let mut events: Vec<i64> = (0..cells.len())
            .filter(|&k| balanced(k))
            .map(|k| cells[k].event_time)
            .collect();
        events.sort_unstable();
        events.dedup();
        if let Some(b) = balance_e {
            events.retain(|&e| e >= b - t_max + t_min && e <= b);
        }
        events.retain(|&e| min_e.is_none_or(|m| e >= m) && max_e.is_none_or(|m| e <= m));
        events
    }

    fn group(&self) -> Result<AggregateResult, DidError> {
        let cells = &self.res.cells;
        let mut groups: Vec<i64> = cells.iter().map(|c| c.group).collect();
        groups.sort_unstable();
        groups.dedup();
        let levels: Vec<(i64, Combo)> = groups
            .iter()
            .filter_map(|&g| {
                let keep: Vec<usize> = (0..cells.len())
                    .filter(|&k| cells[k].group == g && cells[k].post)
                    .collect();
                if keep.is_empty() {
                    return None;
                }
                let att: Vec<f64> = keep.iter().map(|&k| cells[k].att).collect();
                let w = vec![1.0 / keep.len() as f64; keep.len()];
                Some((g, combine(&self.res.influence, &keep, &att, &w, self.n())))
            })
            .collect();
        if levels.is_empty() {
            return Err(DidError::EmptyAggregation(
                "no post-treatment ATT(g,t) to aggregate".into(),
            ));
        }
        let p: Vec<f64> = levels.iter().map(|(g, _)| self.pg[g]).collect();
        let s: f64 = p.iter().sum();
        let theta: Vec<f64> = levels.iter().map(|(_, c)| c.estimate).collect();
        let mut overall = Combo {
            estimate: 0.0,
            inf: vec![0.0; self.n()],
        };
        for ((_, c), pg) in levels.iter().zip(&p) {
            overall.estimate += c.estimate * pg / s;
            overall
                .inf
                .iter_mut()
                .zip(&c.inf)
                .for_each(|(o, v)| *o += v * pg / s);
        }
        let labels: Vec<i64> = levels.iter().map(|(g, _)| *g).collect();
        self.add_weight_influence(&mut overall.inf, &labels, &p, &theta);
        Ok(self.result(Some(overall), levels))
    }

    fn calendar(&self) -> Result<AggregateResult, DidError> {
        let cells = &self.res.cells;
        let g_min = cells.iter().map(|c| c.group).min().unwrap_or(i64::MAX);
        let mut times: Vec<i64> = cells
            .iter()
            .map(|c| c.time)
            .filter(|&t| t >= g_min)
            .collect();
        times.sort_unstable();
        times.dedup();
        let levels: Vec<(i64, Combo)> = times
            .iter()
            .filter_map(|&t| {
                let keep: Vec<usize> = (0..cells.len())
                    .filter(|&k| cells[k].time == t && cells[k].group <= t)
                    .collect();
                (!keep.is_empty()).then(|| (t, self.share_weighted(&keep)))
            })
            .collect();
        if levels.is_empty() {
            return Err(DidError::EmptyAggregation(
                "no post-treatment ATT(g,t) to aggregate".into(),
            ));
        }
        let all: Vec<&Combo> = levels.iter().map(|(_, c)| c).collect();
        let overall = mean_of(&all, self.n());
        Ok(self.result(Some(overall), levels))
    }
}

fn check_event_limits(
    min_e: Option<i64>,
    max_e: Option<i64>,
    balance_e: Option<i64>,
) -> Result<(), DidError> {
    if let (Some(lo), Some(hi)) = (min_e, max_e) {
        if lo > hi {
            return Err(DidError::InvalidOption(format!(
                "min_e = {lo} exceeds max_e = {hi}"
            )));
        }
    }
    if balance_e.is_some_and(|b| b < 0) {
        return Err(DidError::InvalidOption(
            "balance_e must be non-negative".into(),
        ));
    }
    Ok(())
}

/// `Σ_k w_k att_k` and `Σ_k w_k ψ_k` over the columns `keep` of `inf`.
fn combine(inf: &InfluenceMatrix, keep: &[usize], att: &[f64], w: &[f64], n: usize) -> Combo {
    let mut out = vec![0.0; n];
    for (&k, wk) in keep.iter().zip(w) {
        out.iter_mut()
            .zip(inf.column(k))
            .for_each(|(o, v)| *o += wk * v);
    }
    Combo {
        estimate: att.iter().zip(w).map(|(a, w)| a * w).sum(),
        inf: out,
    }
}

/// Equal-weight mean of combinations (fixed weights: no weight influence function).
fn mean_of(parts: &[&Combo], n: usize) -> Combo {
    let m = parts.len() as f64;
    let mut inf = vec![0.0; n];
    for c in parts {
        inf.iter_mut().zip(&c.inf).for_each(|(o, v)| *o += v / m);
    }
    Combo {
        estimate: parts.iter().map(|c| c.estimate).sum::<f64>() / m,
        inf,
    }
}
