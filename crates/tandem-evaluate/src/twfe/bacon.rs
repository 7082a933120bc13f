//! Goodman-Bacon (2021) decomposition of the static TWFE coefficient.
//!
//! On a balanced panel with absorbing binary treatment, units fall into timing cohorts `k`
//! (first treated in period `t*_k`), never-treated units `U` and possibly always-treated units
//! (treated from the first period; a timing cohort with `D̄ = 1`). With `n_k` the share of
//! units in cohort `k`, `D̄_k` the share of periods it is treated, `n_kl = n_k/(n_k+n_l)` and
//! `V̂^D = Σ_it D̃_it² / (N T)` the variance of the two-way demeaned treatment, Goodman-Bacon
//! (2021, J. Econometrics 225(2), Theorem 1, eq. 10a-10c) gives
//!
//! ```text
//! β_TWFE = Σ_k s_kU β_kU + Σ_{k<l} (s_kl^k β_kl^k + s_kl^l β_kl^l),   Σ s = 1,
//! s_kU   = (n_k+n_U)² n_kU(1-n_kU) D̄_k(1-D̄_k) / V̂^D
//! s_kl^k = ((n_k+n_l)(1-D̄_l))² n_kl(1-n_kl) (D̄_k-D̄_l)/(1-D̄_l) (1-D̄_k)/(1-D̄_l) / V̂^D
//! s_kl^l = ((n_k+n_l) D̄_k)² n_kl(1-n_kl) D̄_l/D̄_k (D̄_k-D̄_l)/D̄_k / V̂^D
//! ```
//!
//! for `k` treated before `l`. Each weight is (subsample size)² × the variance of the
//! treatment dummy within the 2x2 subsample, relative to the full-sample variance. The 2x2
//! estimates are differences of cohort-by-window means `ȳ_k^W`: with windows PRE (`t < t*_k`),
//! MID (`t*_k ≤ t < t*_l`) and POST (`t ≥ t*_l`),
//! `β_kU = (ȳ_k^{t≥t*_k} - ȳ_k^{PRE}) - (ȳ_U^{t≥t*_k} - ȳ_U^{PRE})`,
//! `β_kl^k = (ȳ_k^{MID} - ȳ_k^{PRE}) - (ȳ_l^{MID} - ȳ_l^{PRE})` (earlier vs later, later as
//! control) and `β_kl^l = (ȳ_l^{POST} - ȳ_l^{MID}) - (ȳ_k^{POST} - ȳ_k^{MID})` (later vs
//! earlier, the already-treated earlier cohort as control). Always-treated units only appear as
//! the control of `β_kl^l` ("later vs always treated").
//!
//! Matches pybacondecomp 0.1.0 (a replication of Stata `bacondecomp`, which reports the two
//! timing comparisons of a pair combined) and diff-diff `BaconDecomposition(weights="exact")`
//! (which reports them separately); golden `bacon_mpdta_*.csv`.

use serde::Serialize;

use super::panel::{check_column, PanelIndex};
use super::{twfe_static, Panel, TwfeError};

/// A group of units sharing a treatment start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cohort {
    /// First treated in this period (not the first period of the panel).
    Timing(i64),
    /// Never treated within the panel.
    Never,
    /// Treated in every period.
    Always,
}

/// The kind of a single 2x2 comparison (diff-diff's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ComparisonKind {
    /// A timing cohort against the never treated.
    TreatedVsNever,
    /// An earlier cohort against a later one, before the later is treated.
    EarlierVsLater,
    /// A later cohort against an already-treated earlier one.
    LaterVsEarlier,
    /// A timing cohort against the always treated.
    LaterVsAlwaysTreated,
}

/// The kind of a combined comparison (pybacondecomp / Stata `bacondecomp` labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PairKind {
    /// "Timing groups": earlier-vs-later and later-vs-earlier of one pair, combined.
    TimingGroups,
    /// "Never vs timing".
    NeverVsTiming,
    /// "Always vs timing".
    AlwaysVsTiming,
}

/// One 2x2 comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaconComparison {
    /// Kind of comparison.
    pub kind: ComparisonKind,
    /// The cohort whose treatment switches on in the 2x2 window.
    pub treated: Cohort,
    /// The control cohort.
    pub control: Cohort,
    /// The 2x2 difference in differences.
    pub estimate: f64,
    /// Its weight in the TWFE coefficient.
    pub weight: f64,
    /// Units in the treated cohort.
    pub n_treated: usize,
    /// Units in the control cohort.
    pub n_control: usize,
}

/// A pair of cohorts with its two timing comparisons combined (pybacondecomp rows).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaconPair {
    /// Kind of pair.
    pub kind: PairKind,
    /// Earlier cohort of a timing pair; the timing cohort otherwise.
    pub treated: Cohort,
    /// Later cohort of a timing pair; `Never` or `Always` otherwise.
    pub control: Cohort,
    /// Weight-averaged estimate of the combined comparisons.
    pub estimate: f64,
    /// Summed weight.
    pub weight: f64,
}

/// Total weight and weighted average estimate of one kind of comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaconTypeSummary<K> {
    /// The kind.
    pub kind: K,
    /// Σ weights.
    pub weight: f64,
    /// Σ weight·estimate / Σ weight.
    pub avg_estimate: f64,
}

/// The full decomposition.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaconDecomposition {
    /// The static TWFE coefficient.
    pub twfe_estimate: f64,
    /// Its iid standard error (pybacondecomp's reported SE).
    pub twfe_se_iid: f64,
    /// `V̂^D`, the variance of the two-way demeaned treatment.
    pub variance_d: f64,
    /// Every 2x2 comparison (treated vs never by cohort, then for each pair of timing cohorts
    /// earlier-vs-later and later-vs-earlier).
    pub comparisons: Vec<BaconComparison>,
    /// Comparisons combined per pair of cohorts.
    pub pairs: Vec<BaconPair>,
    /// Summary by [`ComparisonKind`] (kinds present only).
    pub by_kind: Vec<BaconTypeSummary<ComparisonKind>>,
    /// Summary by [`PairKind`] (kinds present only).
    pub by_pair_kind: Vec<BaconTypeSummary<PairKind>>,
    /// Σ weights (1 up to rounding).
    pub weight_sum: f64,
    /// Σ weight·estimate (equals `twfe_estimate` up to rounding).
    pub weighted_sum: f64,
}

/// Cohort data: treatment start (period index; `None` = never), size, per-period means.
struct Group {
    start: Option<usize>,
    label: Cohort,
    n: usize,
    mean: Vec<f64>,
}

/// Shared quantities of one decomposition.
struct Ctx<'a> {
    groups: &'a [Group],
    n_units: f64,
    n_times: usize,
    var_d: f64,
}

/// Goodman-Bacon decomposition of `y_it = α_i + λ_t + β D_it + ε` (formulas in the module docs).
///
/// `treatment` is the 0/1 dummy `D_it` per row. Errors: an unbalanced panel, a non-binary or
/// non-finite treatment, treatment that switches off, and everything [`super::twfe_static`]
/// rejects (e.g. no variation in treatment timing: no never-treated unit and a single cohort).
pub fn bacon_decomposition(
    panel: &Panel,
    treatment: &[f64],
) -> Result<BaconDecomposition, TwfeError> {
    let index = PanelIndex::build(panel)?;
    check_balanced(&index)?;
    check_binary(treatment, index.nobs())?;
    let starts = unit_starts(&index, treatment)?;
    let twfe = twfe_static(panel, treatment)?;
    let groups = build_groups(&index, &starts, panel.outcome);
    let ctx = Ctx {
        groups: &groups,
        n_units: index.n_units() as f64,
        n_times: index.n_times(),
        var_d: variance_demeaned(&index, treatment),
    };
    let comparisons = ctx.comparisons();
    let pairs = combine_pairs(&comparisons);
    let coef = &twfe.coefficients[0];
    Ok(BaconDecomposition {
        twfe_estimate: coef.estimate,
        twfe_se_iid: coef.se_iid,
        variance_d: ctx.var_d,
        by_kind: summarise(&comparisons, |c| (c.kind, c.weight, c.estimate)),
        by_pair_kind: summarise(&pairs, |p| (p.kind, p.weight, p.estimate)),
        weight_sum: comparisons.iter().map(|c| c.weight).sum(),
        weighted_sum: comparisons.iter().map(|c| c.weight * c.estimate).sum(),
        comparisons,
        pairs,
    })
}

fn check_balanced(index: &PanelIndex) -> Result<(), TwfeError> {
    if index.nobs() != index.n_units() * index.n_times() {
        return Err(TwfeError::UnbalancedPanel {
            units: index.n_units(),
            periods: index.n_times(),
            nobs: index.nobs(),
        });
    }
    Ok(())
}

fn check_binary(treatment: &[f64], n: usize) -> Result<(), TwfeError> {
    check_column("treatment", treatment, n)?;
    match treatment.iter().position(|&d| d != 0.0 && d != 1.0) {
        Some(row) => Err(TwfeError::NonBinaryTreatment {
            row,
            value: treatment[row],
        }),
        None => Ok(()),
    }
}

/// First treated period index of each unit (`None` = never), checking absorption.
fn unit_starts(index: &PanelIndex, d: &[f64]) -> Result<Vec<Option<usize>>, TwfeError> {
    let t = index.n_times();
    index
        .unit_rows
        .iter()
        .enumerate()
        .map(|(u, rows)| {
            let mut path = vec![0.0; t];
            for &r in rows {
                path[index.time_idx[r]] = d[r];
            }
            if path.windows(2).any(|w| w[1] < w[0]) {
                return Err(TwfeError::NotAbsorbing {
                    unit: index.units[u],
                });
            }
            Ok(path.iter().position(|&v| v == 1.0))
        })
        .collect()
}

/// Cohorts sorted by start (always treated first, never treated last) with period means.
fn build_groups(index: &PanelIndex, starts: &[Option<usize>], y: &[f64]) -> Vec<Group> {
    let mut keys: Vec<Option<usize>> = starts.to_vec();
    keys.sort_unstable_by_key(|s| s.unwrap_or(usize::MAX));
    keys.dedup();
    keys.iter()
        .map(|&key| {
            let members: Vec<usize> = (0..starts.len()).filter(|&u| starts[u] == key).collect();
            let mut mean = vec![0.0; index.n_times()];
            for &r in members.iter().flat_map(|&u| &index.unit_rows[u]) {
                mean[index.time_idx[r]] += y[r] / members.len() as f64;
            }
            let label = match key {
                None => Cohort::Never,
                Some(0) => Cohort::Always,
                Some(s) => Cohort::Timing(index.times[s]),
            };
            Group {
                start: key,
                label,
                n: members.len(),
                mean,
            }
        })
        .collect()
}

/// `Σ D̃² / (N T)` with `D̃_it = D_it - D̄_i - D̄_t + D̄` (balanced panel).
fn variance_demeaned(index: &PanelIndex, d: &[f64]) -> f64 {
    let (nu, nt) = (index.n_units() as f64, index.n_times() as f64);
    let mut unit_mean = vec![0.0; index.n_units()];
    let mut time_mean = vec![0.0; index.n_times()];
    for (r, &v) in d.iter().enumerate() {
        unit_mean[index.unit_idx[r]] += v / nt;
        time_mean[index.time_idx[r]] += v / nu;
    }
    let grand = d.iter().sum::<f64>() / (nu * nt);
    let ss: f64 = d
        .iter()
        .enumerate()
        .map(|(r, &v)| v - unit_mean[index.unit_idx[r]] - time_mean[index.time_idx[r]] + grand)
        .map(|e| e * e)
        .sum();
    ss / (nu * nt)
}

impl Ctx<'_> {
    fn comparisons(&self) -> Vec<BaconComparison> {
        let treated: Vec<&Group> = self.groups.iter().filter(|g| g.start.is_some()).collect();
        let never = self.groups.iter().find(|g| g.start.is_none());
        let mut out: Vec<BaconComparison> = match never {
            Some(u) => treated
                .iter()
                .filter(|k| k.label != Cohort::Always)
                .map(|k| self.vs_never(k, u))
                .collect(),
            None => Vec::new(),
        };
        for (i, k) in treated.iter().enumerate() {
            for l in &treated[i + 1..] {
                if k.label != Cohort::Always {
                    out.push(self.earlier_vs_later(k, l));
                }
                out.push(self.later_vs_earlier(k, l));
            }
        }
        out
    }

    fn share(&self, g: &Group) -> f64 {
        g.n as f64 / self.n_units
    }

    fn treated_share(&self, g: &Group) -> f64 {
        let s = g.start.unwrap_or(self.n_times);
        (self.n_times - s) as f64 / self.n_times as f64
    }

    fn vs_never(&self, k: &Group, u: &Group) -> BaconComparison {
        let s = k.start.unwrap_or(0);
        let t = self.n_times;
        let estimate = (window(k, s, t) - window(k, 0, s)) - (window(u, s, t) - window(u, 0, s));
        let (nk, nu, dk) = (self.share(k), self.share(u), self.treated_share(k));
        let nku = nk / (nk + nu);
        let weight = (nk + nu).powi(2) * nku * (1.0 - nku) * dk * (1.0 - dk) / self.var_d;
        comparison(ComparisonKind::TreatedVsNever, k, u, estimate, weight)
    }

    fn earlier_vs_later(&self, k: &Group, l: &Group) -> BaconComparison {
        let (sk, sl) = (k.start.unwrap_or(0), l.start.unwrap_or(0));
        let estimate =
            (window(k, sk, sl) - window(k, 0, sk)) - (window(l, sk, sl) - window(l, 0, sk));
        let (nk, nl) = (self.share(k), self.share(l));
        let (dk, dl) = (self.treated_share(k), self.treated_share(l));
        let nkl = nk / (nk + nl);
        let weight = ((nk + nl) * (1.0 - dl)).powi(2)
            * nkl
            * (1.0 - nkl)
            * ((dk - dl) / (1.0 - dl))
            * ((1.0 - dk) / (1.0 - dl))
            / self.var_d;
        comparison(ComparisonKind::EarlierVsLater, k, l, estimate, weight)
    }

    fn later_vs_earlier(&self, k: &Group, l: &Group) -> BaconComparison {
        let (sk, sl, t) = (k.start.unwrap_or(0), l.start.unwrap_or(0), self.n_times);
        let estimate =
            (window(l, sl, t) - window(l, sk, sl)) - (window(k, sl, t) - window(k, sk, sl));
        let (nk, nl) = (self.share(k), self.share(l));
        let (dk, dl) = (self.treated_share(k), self.treated_share(l));
        let nkl = nk / (nk + nl);
        let weight = ((nk + nl) * dk).powi(2) * nkl * (1.0 - nkl) * (dl / dk) * ((dk - dl) / dk)
            / self.var_d;
        let kind = match k.label {
            Cohort::Always => ComparisonKind::LaterVsAlwaysTreated,
            _ => ComparisonKind::LaterVsEarlier,
        };
        comparison(kind, l, k, estimate, weight)
    }
}

/// Mean of a cohort's period means over periods `a..b`.
fn window(g: &Group, a: usize, b: usize) -> f64 {
    g.mean[a..b].iter().sum::<f64>() / (b - a) as f64
}

fn comparison(
    kind: ComparisonKind,
    treated: &Group,
    control: &Group,
    estimate: f64,
    weight: f64,
) -> BaconComparison {
    BaconComparison {
        kind,
        treated: treated.label,
        control: control.label,
        estimate,
        weight,
        n_treated: treated.n,
        n_control: control.n,
    }
}

/// pybacondecomp rows: timing pairs (earlier, later) combined, then vs-never / vs-always.
fn combine_pairs(comparisons: &[BaconComparison]) -> Vec<BaconPair> {
    let mut pairs: Vec<BaconPair> = Vec::new();
    for c in comparisons {
        let (kind, treated, control) = pair_key(c);
        match pairs
            .iter_mut()
            .find(|p| p.kind == kind && p.treated == treated && p.control == control)
        {
            Some(p) => {
                let w = p.weight + c.weight;
                p.estimate = (p.estimate * p.weight + c.estimate * c.weight) / w;
                p.weight = w;
            }
            None => pairs.push(BaconPair {
                kind,
                treated,
                control,
                estimate: c.estimate,
                weight: c.weight,
            }),
        }
    }
    pairs.sort_by_key(|p| p.kind as u8);
    pairs
}

fn pair_key(c: &BaconComparison) -> (PairKind, Cohort, Cohort) {
    match c.kind {
        ComparisonKind::TreatedVsNever => (PairKind::NeverVsTiming, c.treated, c.control),
        ComparisonKind::LaterVsAlwaysTreated => (PairKind::AlwaysVsTiming, c.treated, c.control),
        ComparisonKind::EarlierVsLater => (PairKind::TimingGroups, c.treated, c.control),
        ComparisonKind::LaterVsEarlier => (PairKind::TimingGroups, c.control, c.treated),
    }
}

/// Σw and Σwβ/Σw per kind, in order of first appearance.
fn summarise<T, K: Copy + PartialEq>(
    items: &[T],
    key: impl Fn(&T) -> (K, f64, f64),
) -> Vec<BaconTypeSummary<K>> {
    let mut out: Vec<(K, f64, f64)> = Vec::new();
    for item in items {
        let (k, w, b) = key(item);
        match out.iter_mut().find(|(kk, _, _)| *kk == k) {
            Some(entry) => {
                entry.1 += w;
                entry.2 += w * b;
            }
            None => out.push((k, w, w * b)),
        }
    }
    out.into_iter()
        .map(|(kind, weight, wb)| BaconTypeSummary {
            kind,
            weight,
            avg_estimate: wb / weight,
        })
        .collect()
}
