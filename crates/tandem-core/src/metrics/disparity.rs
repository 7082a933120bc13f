//! Regional disparity (family D): coefficient of variation, Williamson's weighted CV, Gini,
//! Theil T and L (population-weighted and unweighted) with an exact between/within
//! decomposition for any grouping, and the max/min ratio.
//!
//! Notation: region r has income (GDP) `G_r` and population `P_r`, per-capita income
//! `y_r = G_r / P_r`; `G = Σ G_r`, `P = Σ P_r`, `Ȳ = G / P`. ln = natural log,
//! `0 · ln 0 := 0`. Every input must be finite and non-negative.

use super::specialisation::{check_levels, positive_total, same_length};
use super::MetricError;

fn mean_of(what: &str, values: &[f64]) -> Result<f64, MetricError> {
    let total = positive_total(what, values)?;
    Ok(total / values.len() as f64)
}

/// Coefficient of variation: `CV = σ / μ`, with the population standard deviation
/// `σ = √((1/n) Σ (x_k − μ)²)` (ddof = 0, as REAT `cv`).
///
/// Unit: dimensionless, ≥ 0. Multiply by `√(n/(n−1))` for the sample-sd version. One
/// value only gives 0. A zero mean (all zeros) is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::disparity::coefficient_of_variation;
/// // mean 2, population sd √(2/3)
/// let cv = coefficient_of_variation(&[1.0, 2.0, 3.0]).unwrap();
/// assert!((cv - (2.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-12);
/// ```
pub fn coefficient_of_variation(values: &[f64]) -> Result<f64, MetricError> {
    let mu = mean_of("coefficient of variation", values)?;
    let var = values.iter().map(|x| (x - mu) * (x - mu)).sum::<f64>() / values.len() as f64;
    Ok(var.sqrt() / mu)
}

/// Per-capita incomes `G_r / P_r` with validation; regions with `P_r = 0` are `None`
/// (and must then have `G_r = 0`).
fn per_capita(
    what: &str,
    income: &[f64],
    population: &[f64],
) -> Result<Vec<Option<f64>>, MetricError> {
    same_length(&format!("{what}: population"), income, population)?;
    positive_total(&format!("{what}: income"), income)?;
    positive_total(&format!("{what}: population"), population)?;
    income
        .iter()
        .zip(population)
        .enumerate()
        .map(|(k, (g, p))| {
            if *p > 0.0 {
                Ok(Some(g / p))
            } else if *g > 0.0 {
                Err(MetricError::ZeroDenominator {
                    what: what.to_string(),
                    at: format!("region {k}"),
                    numerator: "income".into(),
                    value: *g,
                    denominator: "population".into(),
                })
            } else {
                Ok(None)
            }
        })
        .collect()
}

/// Williamson's population-weighted coefficient of variation:
/// `V_w = √(Σ_r (P_r / P)(y_r − Ȳ)²) / Ȳ`, with `Ȳ = G / P`.
///
/// Unit: dimensionless, ≥ 0. Reference: Williamson (1965), "Regional inequality and the
/// process of national development", *Economic Development and Cultural Change* 13(4);
/// REAT `williamson`. A region with no population and no income has weight 0; one with
/// income but no population is [`MetricError::ZeroDenominator`]; all-zero income or population is
/// [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::disparity::williamson_cv;
/// // equal per-capita income everywhere -> 0
/// assert!(williamson_cv(&[10.0, 20.0], &[1.0, 2.0]).unwrap().abs() < 1e-15);
/// ```
pub fn williamson_cv(income: &[f64], population: &[f64]) -> Result<f64, MetricError> {
    let y = per_capita("Williamson CV", income, population)?;
    let g: f64 = income.iter().sum();
    let p: f64 = population.iter().sum();
    let ybar = g / p;
    let var: f64 = y
        .iter()
        .zip(population)
        .filter_map(|(yr, pr)| yr.map(|v| (pr / p) * (v - ybar) * (v - ybar)))
        .sum();
    Ok(var.sqrt() / ybar)
}

/// Gini coefficient, n-normalised: `G = Σ_i Σ_j |x_i − x_j| / (2 n² μ)`.
///
/// Computed from the sorted values as `G = 2 Σ_k k·x_(k) / (n Σ x) − (n + 1)/n`
/// (k = 1..n), which is the same number. Unit: [0, 1 − 1/n]; 0 = equality. The
/// "sample" variant divides by `n(n−1)` instead of `n²` (multiply by `n/(n−1)`); EconGeo
/// `gini` and REAT `gini` (default) use the n-normalised form. One value only gives 0. All
/// zeros is [`MetricError::NoActivity`]; negative values are refused.
///
/// Worked example (tested): `gini([1, 2, 3, 4, 5]) = 40 / (2 · 25 · 3) = 0.2667`.
///
/// ```
/// use tandem_core::metrics::disparity::gini;
/// assert!((gini(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap() - 4.0 / 15.0).abs() < 1e-12);
/// ```
pub fn gini(values: &[f64]) -> Result<f64, MetricError> {
    let total = positive_total("Gini coefficient", values)?;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(k, x)| (k as f64 + 1.0) * x)
        .sum();
    // Clamp the −1e-17 that rounding gives for equal values.
    Ok((2.0 * weighted / (n * total) - (n + 1.0) / n).max(0.0))
}

/// `Σ a_k ln(a_k / b_k)` over shares, with `0 ln 0 := 0`; `a_k > 0 = b_k` is an error.
fn divergence(
    what: &str,
    a: &[f64],
    b: &[f64],
    a_name: &str,
    b_name: &str,
) -> Result<f64, MetricError> {
    let ta: f64 = a.iter().sum();
    let tb: f64 = b.iter().sum();
    let mut sum = 0.0;
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        if *x == 0.0 {
            continue;
        }
        if *y == 0.0 {
            return Err(MetricError::ZeroDenominator {
                what: what.to_string(),
                at: format!("region {k}"),
                numerator: a_name.to_string(),
                value: *x,
                denominator: b_name.to_string(),
            });
        }
        let (sa, sb) = (x / ta, y / tb);
        sum += sa * (sa / sb).ln();
    }
    Ok(sum)
}

/// Theil T (GE(1)), population-weighted: `T = Σ_r (G_r/G) ln[(G_r/G) / (P_r/P)]`.
///
/// Unit: nats, ≥ 0; 0 = per-capita income equal everywhere. Weighted by income shares.
/// Reference: Theil (1967), *Economics and Information Theory*; golden
/// `theil_T_gdp_weighted`. Zeros: a region without income contributes 0; a region with
/// income but no population is [`MetricError::ZeroDenominator`]; all-zero input is
/// [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::disparity::theil_t;
/// // two regions of equal population, one with all the income: T = ln 2
/// assert!((theil_t(&[1.0, 0.0], &[1.0, 1.0]).unwrap() - 2f64.ln()).abs() < 1e-12);
/// ```
pub fn theil_t(income: &[f64], population: &[f64]) -> Result<f64, MetricError> {
    same_length("Theil T: population", income, population)?;
    positive_total("Theil T: income", income)?;
    positive_total("Theil T: population", population)?;
    divergence("Theil T", income, population, "income", "population")
}

/// Theil L (GE(0), mean log deviation), population-weighted:
/// `L = Σ_r (P_r/P) ln[(P_r/P) / (G_r/G)]`.
///
/// Unit: nats, ≥ 0. Weighted by population shares; more sensitive to the poorest regions
/// than T. Reference: Theil (1967); golden `theil_L_pop_weighted`. Zeros: a region without
/// population contributes 0; a region with population but no income is
/// [`MetricError::ZeroDenominator`] (its term is infinite).
///
/// ```
/// use tandem_core::metrics::disparity::theil_l;
/// assert!(theil_l(&[2.0, 4.0], &[1.0, 2.0]).unwrap().abs() < 1e-15);
/// ```
pub fn theil_l(income: &[f64], population: &[f64]) -> Result<f64, MetricError> {
    same_length("Theil L: population", income, population)?;
    positive_total("Theil L: income", income)?;
    positive_total("Theil L: population", population)?;
    divergence("Theil L", population, income, "population", "income")
}

/// Unweighted Theil T over regions: `(1/n) Σ_r (y_r/ȳ) ln(y_r/ȳ)`, with ȳ the simple mean.
///
/// Every region counts once whatever its size. Golden `theil_T_unweighted`. A value of 0
/// contributes 0; all zeros is [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::disparity::theil_t_unweighted;
/// assert!(theil_t_unweighted(&[3.0, 3.0, 3.0]).unwrap().abs() < 1e-15);
/// ```
pub fn theil_t_unweighted(values: &[f64]) -> Result<f64, MetricError> {
    let ybar = mean_of("unweighted Theil T", values)?;
    let sum: f64 = values
        .iter()
        .filter(|y| **y > 0.0)
        .map(|y| (y / ybar) * (y / ybar).ln())
        .sum();
    Ok(sum / values.len() as f64)
}

/// Unweighted Theil L (mean log deviation) over regions: `(1/n) Σ_r ln(ȳ / y_r)`.
///
/// This is what REAT `theil(y)` returns without weights. A value of 0 makes it infinite:
/// [`MetricError::NonPositive`] naming the region.
///
/// ```
/// use tandem_core::metrics::disparity::theil_l_unweighted;
/// let l = theil_l_unweighted(&[1.0, 3.0]).unwrap();
/// assert!((l - 0.5 * (2f64.ln() + (2.0f64 / 3.0).ln())).abs() < 1e-12);
/// ```
pub fn theil_l_unweighted(values: &[f64]) -> Result<f64, MetricError> {
    let ybar = mean_of("unweighted Theil L", values)?;
    let mut sum = 0.0;
    for (k, y) in values.iter().enumerate() {
        if *y == 0.0 {
            // ln(mean / 0) is infinite.
            return Err(MetricError::NonPositive {
                what: "unweighted Theil L".into(),
                value: *y,
                at: format!("region {k}"),
            });
        }
        sum += (ybar / y).ln();
    }
    Ok(sum / values.len() as f64)
}

/// Which Theil index to decompose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TheilKind {
    /// Theil T, weights = income shares.
    T,
    /// Theil L, weights = population shares.
    L,
}

/// One group's part of a [`TheilDecomposition`].
#[derive(Clone, Debug, PartialEq)]
pub struct GroupTheil {
    /// The group label as given.
    pub group: usize,
    /// Its weight: income share `G_g/G` for T, population share `P_g/P` for L.
    pub weight: f64,
    /// The index computed within the group; `None` if the group has zero weight (then it
    /// contributes nothing).
    pub index: Option<f64>,
}

/// A Theil index split into between- and within-group parts (`total = between + within`).
#[derive(Clone, Debug, PartialEq)]
pub struct TheilDecomposition {
    pub kind: TheilKind,
    pub total: f64,
    /// The index of the group aggregates: `Σ_g (G_g/G) ln[(G_g/G)/(P_g/P)]` for T,
    /// `Σ_g (P_g/P) ln[(P_g/P)/(G_g/G)]` for L.
    pub between: f64,
    /// `Σ_g weight_g · index_g`.
    pub within: f64,
    /// Groups in increasing label order.
    pub groups: Vec<GroupTheil>,
}

/// Exact between/within decomposition of Theil T or L for any grouping.
///
/// `groups[r]` is region r's group label (e.g. 0 = helpers, 1 = helped; or a province
/// index). T: `T = Σ_g (G_g/G) ln[(G_g/G)/(P_g/P)] + Σ_g (G_g/G) T_g`; L: the same with
/// the roles of income and population swapped and weights `P_g/P`. Both identities are
/// exact (tested to 1e-12). Reference: Shorrocks (1980), "The class of additively
/// decomposable inequality measures", *Econometrica* 48(3); golden
/// `theil_T_between_groups` / `_within_groups`. Errors as for [`theil_t`] / [`theil_l`];
/// `groups` of the wrong length is [`MetricError::Shape`].
///
/// ```
/// use tandem_core::metrics::disparity::{theil_decomposition, TheilKind};
/// let d = theil_decomposition(&[4.0, 1.0, 2.0, 1.0], &[1.0, 1.0, 1.0, 1.0], &[0, 0, 1, 1], TheilKind::T).unwrap();
/// assert!((d.total - (d.between + d.within)).abs() < 1e-12);
/// ```
pub fn theil_decomposition(
    income: &[f64],
    population: &[f64],
    groups: &[usize],
    kind: TheilKind,
) -> Result<TheilDecomposition, MetricError> {
    if groups.len() != income.len() {
        return Err(MetricError::Shape {
            what: "Theil decomposition: group labels".into(),
            expected: income.len(),
            got: groups.len(),
        });
    }
    let index = |g: &[f64], p: &[f64]| match kind {
        TheilKind::T => theil_t(g, p),
        TheilKind::L => theil_l(g, p),
    };
    let total = index(income, population)?;
    let mut labels = groups.to_vec();
    labels.sort_unstable();
    labels.dedup();
    let mut gg = Vec::with_capacity(labels.len());
    let mut pg = Vec::with_capacity(labels.len());
    let mut parts = Vec::with_capacity(labels.len());
    let gt: f64 = income.iter().sum();
    let pt: f64 = population.iter().sum();
    for label in &labels {
        let members: Vec<usize> = (0..groups.len()).filter(|k| groups[*k] == *label).collect();
        let g: Vec<f64> = members.iter().map(|k| income[*k]).collect();
        let p: Vec<f64> = members.iter().map(|k| population[*k]).collect();
        let (sg, sp): (f64, f64) = (g.iter().sum(), p.iter().sum());
        let weight = match kind {
            TheilKind::T => sg / gt,
            TheilKind::L => sp / pt,
        };
        let within = if weight > 0.0 {
            Some(index(&g, &p)?)
        } else {
            None
        };
        gg.push(sg);
        pg.push(sp);
        parts.push(GroupTheil {
            group: *label,
            weight,
            index: within,
        });
    }
    let between = index(&gg, &pg)?;
    let within = parts
        .iter()
        .filter_map(|g| g.index.map(|i| g.weight * i))
        .sum();
    Ok(TheilDecomposition {
        kind,
        total,
        between,
        within,
        groups: parts,
    })
}

/// Ratio of the largest to the smallest value, `max / min`.
///
/// Unit: dimensionless, ≥ 1. The simplest gap measure (e.g. richest / poorest city's GDP per
/// capita). A smallest value of 0 is [`MetricError::ZeroDenominator`] (the ratio is infinite);
/// an empty input is [`MetricError::TooFew`].
///
/// ```
/// use tandem_core::metrics::disparity::max_min_ratio;
/// assert_eq!(max_min_ratio(&[2.0, 8.0, 4.0]).unwrap(), 4.0);
/// ```
pub fn max_min_ratio(values: &[f64]) -> Result<f64, MetricError> {
    check_levels("max/min ratio", values)?;
    let max = values.iter().copied().fold(f64::MIN, f64::max);
    let min = values.iter().copied().fold(f64::MAX, f64::min);
    // check_levels refused negatives, so a minimum ≤ 0 is exactly 0.
    if min <= 0.0 {
        let at = values.iter().position(|v| *v == min).unwrap_or(0);
        return Err(MetricError::ZeroDenominator {
            what: "max/min ratio".into(),
            at: format!("position {at}"),
            numerator: "the maximum".into(),
            value: max,
            denominator: "the minimum".into(),
        });
    }
    Ok(max / min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_matches_the_pairwise_definition() {
        let x = [3.0, 0.0, 7.5, 1.25, 9.0, 2.0];
        let n = x.len() as f64;
        let mu = x.iter().sum::<f64>() / n;
        let pairs: f64 = x
            .iter()
            .flat_map(|a| x.iter().map(move |b| (a - b).abs()))
            .sum();
        assert!((gini(&x).unwrap() - pairs / (2.0 * n * n * mu)).abs() < 1e-12);
        assert_eq!(gini(&[5.0]).unwrap(), 0.0);
    }

    #[test]
    fn degenerate_inputs_are_errors() {
        assert!(matches!(gini(&[0.0, 0.0]), Err(MetricError::NoActivity(_))));
        assert!(matches!(
            gini(&[1.0, -1.0]),
            Err(MetricError::Negative { .. })
        ));
        assert!(matches!(
            theil_t(&[1.0, 1.0], &[1.0, 0.0]),
            Err(MetricError::ZeroDenominator { ref at, ref denominator, .. })
                if at == "region 1" && denominator == "population"
        ));
        assert!(matches!(
            theil_l(&[1.0, 0.0], &[1.0, 1.0]),
            Err(MetricError::ZeroDenominator { ref at, ref denominator, value: 1.0, .. })
                if at == "region 1" && denominator == "income"
        ));
        assert!(matches!(
            williamson_cv(&[1.0, 1.0], &[1.0, 0.0]),
            Err(MetricError::ZeroDenominator { ref at, value: 1.0, .. }) if at == "region 1"
        ));
        assert!(matches!(
            max_min_ratio(&[0.0, 1.0]),
            Err(MetricError::ZeroDenominator { ref at, value: 1.0, .. }) if at == "position 0"
        ));
        assert!(matches!(
            max_min_ratio(&[]),
            Err(MetricError::TooFew { .. })
        ));
        assert!(matches!(
            theil_l_unweighted(&[0.0, 1.0]),
            Err(MetricError::NonPositive { ref at, value: 0.0, .. }) if at == "region 0"
        ));
        assert!(theil_decomposition(&[1.0], &[1.0], &[0, 1], TheilKind::T).is_err());
    }

    #[test]
    fn decomposition_of_l_is_exact_and_one_group_has_no_between() {
        let g = [5.0, 1.0, 2.0, 8.0, 3.0];
        let p = [1.0, 2.0, 1.0, 3.0, 2.0];
        let d = theil_decomposition(&g, &p, &[2, 0, 2, 0, 1], TheilKind::L).unwrap();
        assert!((d.total - d.between - d.within).abs() < 1e-12);
        assert_eq!(
            d.groups.iter().map(|x| x.group).collect::<Vec<_>>(),
            vec![0, 1, 2]
        );
        let one = theil_decomposition(&g, &p, &[7; 5], TheilKind::T).unwrap();
        assert!(one.between.abs() < 1e-15);
        assert!((one.within - one.total).abs() < 1e-15);
    }

    #[test]
    fn zero_weight_group_contributes_nothing() {
        let d = theil_decomposition(&[0.0, 2.0, 1.0], &[1.0, 1.0, 1.0], &[0, 1, 1], TheilKind::T)
            .unwrap();
        assert_eq!(d.groups[0].index, None);
        assert!((d.total - d.between - d.within).abs() < 1e-12);
    }
}
