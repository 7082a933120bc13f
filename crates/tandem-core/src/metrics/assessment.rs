//! Assessment scoring (family J): the methods provinces use to score enterprises (亩均效益评价),
//! parks (开发区综合考核评价) and business environments — benchmark-ratio scores with caps,
//! their weighted sum, tiers by score thresholds or by shares of units — and Cronbach's alpha
//! for the reliability of a survey scale.
//!
//! Weights may come from a scheme or from [`super::composite::entropy_weights`] /
//! [`super::composite::ahp`]; alternatives may be ranked by [`super::composite::topsis`].
//!
//! Missing is not zero: a unit without a value for an indicator gets no score for it
//! ([`benchmark_scores`] returns `None` for that unit), and what to do with it (exclude it, or
//! score the indicator 0 under a published rule) is the caller's, stated in its output.

use super::composite::Direction;
use super::distributions::f_sf;
use super::MetricError;

/// Benchmark-ratio score of one indicator: the weight times the ratio of the value to the
/// benchmark (benchmark to value for a cost indicator such as energy per unit of value added),
/// the ratio capped at `cap`:
///
/// ```text
/// s = w · min(cap, x / b)    (benefit: more is better)
/// s = w · min(cap, b / x)    (cost: less is better; x = 0 scores w · cap)
/// ```
///
/// This is the single-indicator rule of the per-mu evaluations (亩均效益综合评价: 单项得分 =
/// 实际值 / 基准值 × 权重分, 封顶), with the benchmark usually the industry's or the region's
/// average per mu and a cap of 1.5-2 times the weight.
///
/// # Errors
/// [`MetricError::NonFinite`] for a non-finite value, benchmark, weight or cap;
/// [`MetricError::Negative`] for a negative value or weight; [`MetricError::OutOfRange`] for a
/// benchmark `<= 0` or a cap `<= 0`.
///
/// # Example
/// Tax of 30 万元 per mu against an industry benchmark of 20, weight 30, cap 1.5: the ratio
/// 1.5 reaches the cap, 45 points. Energy of 0.8 t per 万元 against 0.5 scores 30 · 0.625.
/// ```
/// use tandem_core::metrics::assessment::benchmark_ratio_score;
/// use tandem_core::metrics::composite::Direction;
/// let s = benchmark_ratio_score(30.0, 20.0, Direction::Benefit, 30.0, 1.5).unwrap();
/// assert_eq!(s, 45.0);
/// let e = benchmark_ratio_score(0.8, 0.5, Direction::Cost, 30.0, 1.5).unwrap();
/// assert!((e - 18.75).abs() < 1e-12);
/// ```
pub fn benchmark_ratio_score(
    value: f64,
    benchmark: f64,
    direction: Direction,
    weight: f64,
    cap: f64,
) -> Result<f64, MetricError> {
    const WHAT: &str = "benchmark-ratio score";
    for (name, v) in [
        ("value", value),
        ("benchmark", benchmark),
        ("weight", weight),
        ("cap", cap),
    ] {
        if !v.is_finite() {
            return Err(MetricError::NonFinite {
                what: WHAT.into(),
                value: v,
                at: name.into(),
            });
        }
    }
    for (name, v) in [("value", value), ("weight", weight)] {
        if v < 0.0 {
            return Err(MetricError::Negative {
                what: WHAT.into(),
                value: v,
                at: name.into(),
            });
        }
    }
    for (name, v) in [("benchmark", benchmark), ("cap", cap)] {
        if v <= 0.0 {
            return Err(MetricError::OutOfRange {
                what: WHAT.into(),
                parameter: name.into(),
                value: v,
                allowed: "> 0".into(),
            });
        }
    }
    let ratio = match direction {
        Direction::Benefit => value / benchmark,
        Direction::Cost if value == 0.0 => cap,
        Direction::Cost => benchmark / value,
    };
    Ok(weight * ratio.min(cap))
}

/// One indicator of a benchmark-ratio scheme.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BenchmarkIndicator {
    /// The benchmark value (an industry's or region's reference level), `> 0`.
    pub benchmark: f64,
    /// Whether more is better.
    pub direction: Direction,
    /// Points at a ratio of 1.
    pub weight: f64,
    /// The highest ratio counted.
    pub cap: f64,
}

/// The total benchmark-ratio score of each unit: the sum over indicators of
/// [`benchmark_ratio_score`]. `values` is row-major `units x indicators`; a unit with any
/// missing value (`None`) gets `None`, never a partial sum.
///
/// # Errors
/// [`MetricError::Shape`] when `values` is not `units x indicators`; the errors of
/// [`benchmark_ratio_score`], with the unit and indicator in `at`.
pub fn benchmark_scores(
    values: &[Option<f64>],
    indicators: &[BenchmarkIndicator],
) -> Result<Vec<Option<f64>>, MetricError> {
    let k = indicators.len();
    if k == 0 || values.len() % k != 0 {
        return Err(MetricError::Shape {
            what: "benchmark scores: values (units x indicators)".into(),
            expected: k.max(1) * values.len().div_ceil(k.max(1)),
            got: values.len(),
        });
    }
    values
        .chunks(k)
        .enumerate()
        .map(|(unit, row)| unit_score(unit, row, indicators))
        .collect()
}

fn unit_score(
    unit: usize,
    row: &[Option<f64>],
    indicators: &[BenchmarkIndicator],
) -> Result<Option<f64>, MetricError> {
    let mut total = 0.0;
    for (j, (v, ind)) in row.iter().zip(indicators).enumerate() {
        let Some(v) = v else { return Ok(None) };
        let s = benchmark_ratio_score(*v, ind.benchmark, ind.direction, ind.weight, ind.cap)
            .map_err(|e| e.in_context(&format!("unit {unit}, indicator {j}")))?;
        total += s;
    }
    Ok(Some(total))
}

/// The tier of a score by thresholds: the first tier (best first) whose minimum the score
/// reaches, else the last tier. `minimums[k]` is the lowest score of tier `k`, for the tiers
/// before the last (e.g. A ≥ 90, B ≥ 75, C ≥ 60, else D: `[90, 75, 60]`, four tiers).
///
/// # Errors
/// [`MetricError::NonFinite`] for a non-finite score or minimum; [`MetricError::OutOfRange`]
/// when the minimums do not strictly decrease.
///
/// # Example
/// ```
/// use tandem_core::metrics::assessment::tier_by_thresholds;
/// assert_eq!(tier_by_thresholds(75.0, &[90.0, 75.0, 60.0]).unwrap(), 1); // B
/// assert_eq!(tier_by_thresholds(12.0, &[90.0, 75.0, 60.0]).unwrap(), 3); // D
/// ```
pub fn tier_by_thresholds(score: f64, minimums: &[f64]) -> Result<usize, MetricError> {
    const WHAT: &str = "tier by thresholds";
    if let Some(bad) = std::iter::once(score)
        .chain(minimums.iter().copied())
        .find(|v| !v.is_finite())
    {
        return Err(MetricError::NonFinite {
            what: WHAT.into(),
            value: bad,
            at: "score or threshold".into(),
        });
    }
    if let Some(w) = minimums.windows(2).find(|w| w[1] >= w[0]) {
        return Err(MetricError::OutOfRange {
            what: WHAT.into(),
            parameter: "thresholds".into(),
            value: w[1],
            allowed: format!("below the previous threshold {} (best tier first)", w[0]),
        });
    }
    Ok(minimums
        .iter()
        .position(|m| score >= *m)
        .unwrap_or(minimums.len()))
}

/// Tiers by shares of units (e.g. A the top 20 %, B the next 50 %, C the next 25 %, D the
/// rest: `shares = [0.2, 0.5, 0.25, 0.05]`). Units are ranked by score, best first, with
/// competition ranking (tied units share the best rank of their group, so a tie is never split
/// across tiers and goes to the better one); unit `i` with rank `r_i` (1-based) is in the first
/// tier `k` with `r_i <= ceil(n · (s_0 + … + s_k))`.
///
/// # Errors
/// [`MetricError::NonFinite`] for a non-finite score; [`MetricError::OutOfRange`] for a
/// negative share or shares that do not sum to 1 (within 1e-9).
///
/// # Example
/// Ten units, shares 20/50/25/5 %: ranks 1-2 are A, 3-7 B, 8-10 C (ceil(9.5) = 10), none D.
/// ```
/// use tandem_core::metrics::assessment::tiers_by_shares;
/// let scores = [99.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0];
/// let tiers = tiers_by_shares(&scores, &[0.2, 0.5, 0.25, 0.05]).unwrap();
/// assert_eq!(tiers, vec![0, 0, 1, 1, 1, 1, 1, 2, 2, 2]);
/// ```
pub fn tiers_by_shares(scores: &[f64], shares: &[f64]) -> Result<Vec<usize>, MetricError> {
    const WHAT: &str = "tiers by shares";
    if let Some((i, v)) = scores.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        return Err(MetricError::NonFinite {
            what: WHAT.into(),
            value: *v,
            at: format!("unit {i}"),
        });
    }
    let total: f64 = shares.iter().sum();
    if shares.is_empty() || shares.iter().any(|s| *s < 0.0) || (total - 1.0).abs() > 1e-9 {
        return Err(MetricError::OutOfRange {
            what: WHAT.into(),
            parameter: "shares (sum)".into(),
            value: total,
            allowed: "non-negative shares summing to 1".into(),
        });
    }
    let n = scores.len() as f64;
    // Tiny slack so that 0.2 · 10 is 2, not 2.0000000000000004 rounded up to 3.
    let bounds: Vec<f64> = shares
        .iter()
        .scan(0.0, |cum, s| {
            *cum += s;
            Some((n * *cum - 1e-9).ceil())
        })
        .collect();
    let last = shares.len() - 1;
    Ok(competition_ranks(scores)
        .into_iter()
        .map(|r| bounds.iter().position(|b| r as f64 <= *b).unwrap_or(last))
        .collect())
}

/// 1-based ranks, best (highest) score first; tied scores share the smallest rank.
fn competition_ranks(scores: &[f64]) -> Vec<usize> {
    scores
        .iter()
        .map(|s| 1 + scores.iter().filter(|o| *o > s).count())
        .collect()
}

/// Cronbach's alpha of a scale, with its confidence interval.
#[derive(Clone, Debug, PartialEq)]
pub struct CronbachAlpha {
    /// α.
    pub alpha: f64,
    /// The confidence interval (Feldt's, from the F distribution).
    pub ci: (f64, f64),
    /// Respondents with every item answered (the ones used).
    pub respondents: usize,
    /// Respondents left out for a missing answer (listwise deletion).
    pub dropped: usize,
    /// Items of the scale.
    pub items: usize,
}

/// Cronbach's alpha (Cronbach 1951) of `items` Likert items answered by respondents, row-major
/// `respondents x items`, with listwise deletion of respondents who skipped an item:
///
/// ```text
/// α = k / (k − 1) · (1 − Σ_j s_j² / s_T²)
/// ```
///
/// with `s_j²` the sample variance (n − 1) of item j and `s_T²` that of the respondents' totals.
/// The confidence interval at level `level` is Feldt's (Feldt, Woodruff & Salih 1987):
/// `1 − (1 − α) · F⁻¹` at `(1 ∓ level) / 2` with `n − 1` and `(n − 1)(k − 1)` degrees of
/// freedom. This is pingouin's `cronbach_alpha(nan_policy="listwise")` (tested against it).
///
/// # Errors
/// [`MetricError::Shape`] when `responses` is not `respondents x items`;
/// [`MetricError::TooFew`] with fewer than 2 items or 2 complete respondents;
/// [`MetricError::NonFinite`] for an infinite answer; [`MetricError::NoVariation`] when every
/// respondent has the same total; [`MetricError::OutOfRange`] for a level outside (0, 1).
pub fn cronbach_alpha(
    responses: &[Option<f64>],
    items: usize,
    level: f64,
) -> Result<CronbachAlpha, MetricError> {
    const WHAT: &str = "Cronbach's alpha";
    check_survey_shape(responses, items, level)?;
    let complete: Vec<&[Option<f64>]> = responses
        .chunks(items)
        .filter(|r| r.iter().all(Option::is_some))
        .collect();
    let n = complete.len();
    if n < 2 {
        return Err(MetricError::TooFew {
            what: format!("{WHAT}: respondents with every item answered"),
            needed: 2,
            got: n,
        });
    }
    let value = |r: &[Option<f64>], j: usize| r[j].unwrap_or(f64::NAN);
    let item_variances: f64 = (0..items)
        .map(|j| sample_variance(complete.iter().map(|r| value(r, j))))
        .sum();
    let total_variance = sample_variance(complete.iter().map(|r| r.iter().flatten().sum()));
    if total_variance <= 0.0 {
        return Err(MetricError::NoVariation {
            what: WHAT.into(),
            detail: "every respondent has the same total".into(),
        });
    }
    let k = items as f64;
    let alpha = k / (k - 1.0) * (1.0 - item_variances / total_variance);
    let (d1, d2) = ((n - 1) as f64, (n - 1) as f64 * (k - 1.0));
    let ci = (
        1.0 - (1.0 - alpha) * f_isf((1.0 - level) / 2.0, d1, d2),
        1.0 - (1.0 - alpha) * f_isf((1.0 + level) / 2.0, d1, d2),
    );
    Ok(CronbachAlpha {
        alpha,
        ci,
        respondents: n,
        dropped: responses.len() / items - n,
        items,
    })
}

fn check_survey_shape(
    responses: &[Option<f64>],
    items: usize,
    level: f64,
) -> Result<(), MetricError> {
    const WHAT: &str = "Cronbach's alpha";
    if items < 2 {
        return Err(MetricError::TooFew {
            what: format!("{WHAT}: items"),
            needed: 2,
            got: items,
        });
    }
    if responses.len() % items != 0 {
        return Err(MetricError::Shape {
            what: format!("{WHAT}: answers (respondents x items)"),
            expected: responses.len().div_ceil(items) * items,
            got: responses.len(),
        });
    }
    if let Some((i, v)) = responses
        .iter()
        .enumerate()
        .find_map(|(i, v)| v.filter(|v| !v.is_finite()).map(|v| (i, v)))
    {
        return Err(MetricError::NonFinite {
            what: WHAT.into(),
            value: v,
            at: format!("respondent {}, item {}", i / items, i % items),
        });
    }
    if !(level > 0.0 && level < 1.0) {
        return Err(MetricError::OutOfRange {
            what: WHAT.into(),
            parameter: "confidence level".into(),
            value: level,
            allowed: "between 0 and 1, e.g. 0.95".into(),
        });
    }
    Ok(())
}

/// Sample variance (divisor n − 1).
fn sample_variance(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let n = values.clone().count() as f64;
    let mean = values.clone().sum::<f64>() / n;
    values.map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0)
}

/// The F distribution's inverse survival function: the `x` with `P(F > x) = p`, by bisection
/// on [`f_sf`] (monotone), to 1e-13 relative.
fn f_isf(p: f64, d1: f64, d2: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0_f64);
    while f_sf(hi, d1, d2) > p {
        hi *= 2.0;
    }
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if f_sf(mid, d1, d2) > p {
            lo = mid;
        } else {
            hi = mid;
        }
        if hi - lo <= 1e-13 * hi {
            break;
        }
    }
    0.5 * (lo + hi)
}

#[cfg(test)]
mod tests;
