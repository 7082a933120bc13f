//! Convergence over time (family V): absolute beta-convergence with its full regression
//! table, sigma-convergence with a trend test, and the rank and percentile of one unit.
//!
//! Notation: unit i (a city, county, province) has a level `y_it > 0` in year t, usually GDP
//! per capita; ln = natural log. The two convergence concepts answer different questions:
//!
//! * **beta-convergence**: do initially poorer units grow faster? A negative slope of average
//!   growth on the initial log level ([`beta_convergence`]).
//! * **sigma-convergence**: does the cross-section dispersion of `ln y` shrink over time?
//!   ([`sigma_convergence`]).
//!
//! Beta-convergence is **necessary but not sufficient** for sigma-convergence: with
//! `ln y_{i,t+1} = a + (1 + b) ln y_it + u_it` and shocks `u` of variance σ_u², the dispersion
//! evolves as `σ²_{t+1} = (1 + b)² σ²_t + σ_u²`. A negative b (beta-convergence) pulls the
//! dispersion towards its steady state `σ_u² / (1 − (1 + b)²)`, which may lie *above* the
//! current one, so dispersion can stay flat or grow while the beta regression still shows a
//! significant negative slope — regression towards the mean, "Galton's fallacy" (Friedman
//! 1992, "Do old fallacies ever die?", *Journal of Economic Literature* 30(4); Quah 1993,
//! "Galton's fallacy and tests of the convergence hypothesis", *Scandinavian Journal of
//! Economics* 95(4); Sala-i-Martin 1996, "The classical approach to convergence analysis",
//! *Economic Journal* 106(437)). Report both; a claim of "the gap closes" needs sigma.
//!
//! Every input must be finite; levels that are logged must be positive. Degenerate inputs are
//! named errors ([`MetricError`]), never NaN.

use std::fmt::Debug;

use super::disparity::coefficient_of_variation;
use super::regression::{ols_named, OlsCoefficient};
use super::MetricError;

/// Absolute beta-convergence: the cross-section regression of average growth on the initial
/// log level, with its classical regression table and the implied speed of convergence.
#[derive(Clone, Debug, PartialEq)]
pub struct BetaConvergence {
    /// Number of units `n`.
    pub n: usize,
    /// The span `T` in years.
    pub years: f64,
    /// The intercept `a` (average annual log growth at `ln y₀ = 0`; per year).
    pub intercept: OlsCoefficient,
    /// The slope `b` on `ln y₀` (per year per log point). `b < 0` with a small p-value is
    /// beta-convergence; its t test is the usual test of the convergence hypothesis.
    pub slope: OlsCoefficient,
    /// R² of the regression.
    pub r_squared: f64,
    /// Adjusted R², `1 − (1 − R²)(n − 1)/(n − 2)`.
    pub adj_r_squared: f64,
    /// Residual standard error `√(SSR/(n − 2))`, in growth units (log points per year).
    pub residual_std_error: f64,
    /// F statistic of `b = 0`, on (1, n − 2) degrees of freedom; equals `t²` of the slope.
    pub f_statistic: f64,
    /// p-value of the F test (the same number as `slope.p_value`, to rounding).
    pub f_p_value: f64,
    /// Implied speed of convergence `λ = −ln(1 + bT)/T` (per year; 0.02 = 2 % of the gap
    /// to the common steady state closed per year). `None` when `1 + bT ≤ 0` (the slope is
    /// too steep for the exponential model: overshooting).
    pub speed: Option<f64>,
    /// Half-life `ln 2 / λ` in years: the time to close half of the gap. `None` when there
    /// is no speed or `λ ≤ 0` (no convergence, or divergence).
    pub half_life: Option<f64>,
}

/// Absolute (unconditional) beta-convergence across units between two years.
///
/// For each unit the average annual log growth `g_i = (ln y_{i,T} − ln y_{i,0}) / T` is
/// regressed by OLS on a constant and the initial log level:
/// `g_i = a + b ln y_{i,0} + e_i`. In the neoclassical model (Barro & Sala-i-Martin 1992,
/// "Convergence", *Journal of Political Economy* 100(2), eq. 12) the slope is
/// `b = −(1 − e^{−λT})/T`, so the implied speed of convergence is `λ = −ln(1 + bT)/T` and
/// the half-life `ln 2 / λ`; for small `λT`, `λ ≈ −b`. The literature often calls λ itself
/// "β"; here `slope` is the OLS coefficient b and `speed` is λ.
///
/// Input: one `(y_{i,0}, y_{i,T})` pair per unit (initial and final level, same unit of
/// measure, e.g. yuan per person at constant prices — nominal levels put inflation into every
/// growth rate, which only shifts the intercept if it is common) and the span `T` in years.
/// Units: `a`, `b`, the residual standard error in log points per year; λ per year; the
/// half-life in years. The table is the classical OLS table of
/// [`crate::metrics::regression::ols`] (two-sided p-values from Student's t with n − 2
/// degrees of freedom); it matches statsmodels `OLS(g, add_constant(log(y0))).fit()`.
///
/// Errors: fewer than 3 units ([`MetricError::TooFew`]; two points leave no degree of
/// freedom); `T` not a positive finite number ([`MetricError::OutOfRange`]); a NaN/infinite
/// level ([`MetricError::NonFinite`]); a level ≤ 0 ([`MetricError::NonPositive`]); all initial
/// levels equal, so `ln y₀` has no variance, or growth an exact linear function of `ln y₀`
/// ([`MetricError::NoVariation`]).
///
/// Worked example (tested against statsmodels; GDP per capita in 1000 yuan, T = 10):
///
/// | unit | y₀ | y_T | ln y₀ | g |
/// |---|---|---|---|---|
/// | 1 | 12 | 26 | 2.4849 | 0.07732 |
/// | 2 | 18 | 33 | 2.8904 | 0.06061 |
/// | 3 | 25 | 46 | 3.2189 | 0.06098 |
/// | 4 | 34 | 52 | 3.5264 | 0.04249 |
/// | 5 | 50 | 75 | 3.9120 | 0.04055 |
/// | 6 | 70 | 90 | 4.2485 | 0.02513 |
///
/// | term | estimate | std. error | t | p |
/// |---|---|---|---|---|
/// | intercept | 0.145234 | 0.011140 | 13.037 | 0.000200 |
/// | ln y₀ | −0.027825 | 0.003246 | −8.573 | 0.001017 |
///
/// R² = 0.94838, adjusted R² = 0.93547, residual s.e. = 0.0047324, F(1, 4) = 73.488
/// (p = 0.001017); λ = −ln(1 − 0.27825)/10 = 0.032608 per year, half-life 21.26 years.
///
/// ```
/// use tandem_core::metrics::convergence::beta_convergence;
/// let pairs = [(12.0, 26.0), (18.0, 33.0), (25.0, 46.0), (34.0, 52.0), (50.0, 75.0), (70.0, 90.0)];
/// let beta = beta_convergence(&pairs, 10.0).unwrap();
/// assert!((beta.slope.estimate - -0.027825313315794211).abs() < 1e-12);
/// assert!((beta.slope.p_value - 0.0010169841629432508).abs() < 1e-9);
/// assert!((beta.half_life.unwrap() - 21.256914769576458).abs() < 1e-9);
/// ```
pub fn beta_convergence(levels: &[(f64, f64)], years: f64) -> Result<BetaConvergence, MetricError> {
    const WHAT: &str = "beta-convergence";
    if levels.len() < 3 {
        return Err(MetricError::TooFew {
            what: format!("{WHAT}: units (two points leave no residual degree of freedom)"),
            needed: 3,
            got: levels.len(),
        });
    }
    if !(years.is_finite() && years > 0.0) {
        return Err(MetricError::OutOfRange {
            what: WHAT.into(),
            parameter: "the span T".into(),
            value: years,
            allowed: "a positive, finite number of years".into(),
        });
    }
    for (i, (y0, yt)) in levels.iter().enumerate() {
        check_positive(WHAT, *y0, &format!("unit {i} (initial value)"))?;
        check_positive(WHAT, *yt, &format!("unit {i} (final value)"))?;
    }
    let first = levels[0].0;
    if levels.iter().all(|(y0, _)| *y0 == first) {
        return Err(MetricError::NoVariation {
            what: WHAT.into(),
            detail: format!(
                "every initial value is {first}, so ln y₀ is constant and the slope is not identified"
            ),
        });
    }
    let ln_y0: Vec<f64> = levels.iter().map(|(y0, _)| y0.ln()).collect();
    let growth: Vec<f64> = levels
        .iter()
        .map(|(y0, yt)| (yt.ln() - y0.ln()) / years)
        .collect();
    let table = ols_named(WHAT, &growth, &[&ln_y0], &["ln y₀"])?;
    let slope = table.coefficients[1];
    let one_plus_bt = 1.0 + slope.estimate * years;
    let speed = (one_plus_bt > 0.0).then(|| -(slope.estimate * years).ln_1p() / years);
    let half_life = speed
        .filter(|l| *l > 0.0)
        .map(|l| std::f64::consts::LN_2 / l);
    Ok(BetaConvergence {
        n: table.n,
        years,
        intercept: table.coefficients[0],
        slope,
        r_squared: table.r_squared,
        adj_r_squared: table.adj_r_squared,
        residual_std_error: table.residual_std_error,
        f_statistic: table.f_statistic,
        f_p_value: table.f_p_value,
        speed,
        half_life,
    })
}

/// Finite and > 0, or the matching error.
fn check_positive(what: &str, value: f64, at: &str) -> Result<(), MetricError> {
    if !value.is_finite() {
        return Err(MetricError::NonFinite {
            what: what.to_string(),
            value,
            at: at.to_string(),
        });
    }
    if value <= 0.0 {
        return Err(MetricError::NonPositive {
            what: what.to_string(),
            value,
            at: at.to_string(),
        });
    }
    Ok(())
}

/// Cross-section dispersion of one year's levels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dispersion {
    /// Number of units.
    pub n: usize,
    /// Mean of `ln y` (log points).
    pub mean_log: f64,
    /// Population standard deviation of `ln y`, `σ = √((1/n) Σ (ln y_i − mean)²)` (log
    /// points; dimensionless). This is the sigma of sigma-convergence.
    pub sd_log: f64,
    /// Coefficient of variation of the levels, population sd / mean
    /// ([`coefficient_of_variation`]; dimensionless).
    pub cv: f64,
}

/// Dispersion of one cross-section: the population standard deviation of `ln y` and the
/// coefficient of variation of `y`.
///
/// `sd_log = √((1/n) Σ_i (ln y_i − m)²)` with `m = (1/n) Σ_i ln y_i`; `cv = σ_y / ȳ` with the
/// population sd of the levels. **Population sd (divide by n, numpy `ddof = 0`)**, because
/// the units are the whole set of interest (all cities of the pairing programme, all
/// prefectures of a province), not a sample from a larger population — the definition of
/// `σ_t` in Sala-i-Martin (1996, eq. 2) and the convention of [`coefficient_of_variation`]
/// (REAT `cv`), so both measures here agree. For the sample version multiply by
/// `√(n/(n − 1))`; with a constant set of units this rescales every year alike and does not
/// change the sign or t statistic of the trend.
///
/// `sd_log` is invariant to a common scale factor (prices, currency), so nominal data give
/// the same sigma as real data deflated by a common index; `cv` is likewise scale-free.
///
/// Errors: fewer than 2 values ([`MetricError::TooFew`]); a NaN/infinite value
/// ([`MetricError::NonFinite`]); a value ≤ 0 ([`MetricError::NonPositive`]).
///
/// ```
/// use tandem_core::metrics::convergence::log_dispersion;
/// // ln y = ln 10 ± ln 2: population sd = ln 2
/// let d = log_dispersion(&[5.0, 20.0]).unwrap();
/// assert!((d.sd_log - 2f64.ln()).abs() < 1e-15);
/// assert!((d.cv - 7.5 / 12.5).abs() < 1e-15);
/// ```
pub fn log_dispersion(values: &[f64]) -> Result<Dispersion, MetricError> {
    dispersion_named("log dispersion", values, "position")
}

fn dispersion_named(what: &str, values: &[f64], at: &str) -> Result<Dispersion, MetricError> {
    if values.len() < 2 {
        return Err(MetricError::TooFew {
            what: format!("{what}: units"),
            needed: 2,
            got: values.len(),
        });
    }
    for (k, v) in values.iter().enumerate() {
        check_positive(what, *v, &format!("{at} {k}"))?;
    }
    let n = values.len() as f64;
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let mean_log = logs.iter().sum::<f64>() / n;
    let var = logs
        .iter()
        .map(|l| (l - mean_log) * (l - mean_log))
        .sum::<f64>()
        / n;
    Ok(Dispersion {
        n: values.len(),
        mean_log,
        sd_log: var.sqrt(),
        cv: coefficient_of_variation(values)?,
    })
}

/// One year of a [`SigmaConvergence`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SigmaYear {
    /// The year.
    pub year: i32,
    /// Number of units with a value that year.
    pub n: usize,
    /// Mean of `ln y`.
    pub mean_log: f64,
    /// Population sd of `ln y` (see [`log_dispersion`]).
    pub sd_log: f64,
    /// Coefficient of variation of `y` (population sd / mean).
    pub cv: f64,
}

/// Sigma-convergence: the dispersion per year and its linear trend.
#[derive(Clone, Debug, PartialEq)]
pub struct SigmaConvergence {
    /// One entry per year, in increasing year order.
    pub years: Vec<SigmaYear>,
    /// OLS of `sd_log` on a constant and the year: intercept (at year 0, not meaningful on
    /// its own).
    pub trend_intercept: OlsCoefficient,
    /// The trend slope: change of `sd_log` per year (log points per year). Negative with a
    /// small p-value is sigma-convergence; positive is sigma-divergence.
    pub trend_slope: OlsCoefficient,
    /// R² of the trend regression.
    pub trend_r_squared: f64,
}

/// Sigma-convergence: the cross-section standard deviation of `ln y` in each year, the
/// coefficient of variation of `y`, and the OLS trend of the standard deviation over time.
///
/// Per year, [`log_dispersion`] of that year's values (population sd, divide by n; see there
/// for the choice). Trend: OLS `sd_log_t = c + d · year_t + e_t`; `d < 0` and significant
/// (small `trend_slope.p_value`, two-sided, Student t with (years − 2) degrees of freedom) is
/// sigma-convergence (Barro & Sala-i-Martin 1992; Sala-i-Martin 1996). The trend test treats
/// the yearly values as independent; dispersion series are strongly autocorrelated, so the
/// p-value is optimistic — read it as descriptive, and read the series itself.
///
/// Input: `(year, values)` per year; `values` are the levels of the units present that year
/// (any `AsRef<[f64]>`: `Vec<f64>`, `&[f64]`, arrays), in any year order. The set of units
/// may differ between years, but then the dispersion also moves with the composition: use a
/// balanced set (the same units every year) to read the trend as convergence. See the module
/// documentation for why beta-convergence does not imply sigma-convergence.
///
/// Errors: fewer than 3 years ([`MetricError::TooFew`]; the trend needs a residual degree of
/// freedom — call [`log_dispersion`] per year for two); a year given twice
/// ([`MetricError::Duplicate`]); per year as [`log_dispersion`]; an exactly linear sd series
/// ([`MetricError::NoVariation`]).
///
/// ```
/// use tandem_core::metrics::convergence::sigma_convergence;
/// let series = vec![
///     (2020, vec![10.0, 20.0, 40.0]),
///     (2021, vec![12.0, 21.0, 40.0]),
///     (2022, vec![15.0, 22.0, 38.0]),
///     (2023, vec![17.0, 24.0, 37.0]),
/// ];
/// let s = sigma_convergence(&series).unwrap();
/// assert_eq!(s.years.len(), 4);
/// assert!(s.years[3].sd_log < s.years[0].sd_log);
/// assert!(s.trend_slope.estimate < 0.0);
/// ```
pub fn sigma_convergence<V: AsRef<[f64]>>(
    series: &[(i32, V)],
) -> Result<SigmaConvergence, MetricError> {
    const WHAT: &str = "sigma-convergence";
    if series.len() < 3 {
        return Err(MetricError::TooFew {
            what: format!("{WHAT}: years (the trend needs a residual degree of freedom)"),
            needed: 3,
            got: series.len(),
        });
    }
    let mut order: Vec<usize> = (0..series.len()).collect();
    order.sort_by_key(|k| series[*k].0);
    if let Some(w) = order.windows(2).find(|w| series[w[0]].0 == series[w[1]].0) {
        return Err(MetricError::Duplicate {
            what: WHAT.into(),
            item: format!("year {}", series[w[0]].0),
        });
    }
    let mut years = Vec::with_capacity(series.len());
    for k in order {
        let (year, values) = (&series[k].0, series[k].1.as_ref());
        let d = dispersion_named(&format!("{WHAT}: year {year}"), values, "position")?;
        years.push(SigmaYear {
            year: *year,
            n: d.n,
            mean_log: d.mean_log,
            sd_log: d.sd_log,
            cv: d.cv,
        });
    }
    let sd: Vec<f64> = years.iter().map(|y| y.sd_log).collect();
    let t: Vec<f64> = years.iter().map(|y| f64::from(y.year)).collect();
    let table = ols_named(&format!("{WHAT} trend"), &sd, &[&t], &["the year"])?;
    Ok(SigmaConvergence {
        years,
        trend_intercept: table.coefficients[0],
        trend_slope: table.coefficients[1],
        trend_r_squared: table.r_squared,
    })
}

/// Rank and percentile of one unit among a set.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RankPercentile {
    /// Competition rank, 1 = highest value: `1 + #{units with a strictly higher value}`.
    pub rank: usize,
    /// Number of units in the set, the unit itself included.
    pub n: usize,
    /// `100 · #{other units strictly below} / (n − 1)`, in [0, 100]; `None` when the unit
    /// is alone (n = 1).
    pub percentile: Option<f64>,
    /// Number of other units with exactly the same value (they share the rank).
    pub tied: usize,
}

/// Rank and percentile of `unit` among `values` (one year, one indicator).
///
/// `rank = 1 + #{j : v_j > v_unit}`: 1 is the highest value, and ties get the same,
/// smallest rank ("competition" or "1224" ranking, `scipy.stats.rankdata(−v, method="min")`,
/// SQL `RANK()` descending); the next distinct value skips the tied places. For "lower is
/// better" indicators (unemployment, energy intensity) negate the values first.
/// `percentile = 100 · #{j ≠ unit : v_j < v_unit} / (n − 1)`: the share of the *other* units
/// strictly below it (`scipy.stats.percentileofscore(others, v, kind="strict")`); the
/// highest unit without ties has 100, the lowest 0, and tied units do not count as below each
/// other. Values are compared exactly (`==`), so round them first if tiny differences should
/// tie.
///
/// `values` holds one `(key, value)` per unit *with* a value that year: units with a missing
/// value are simply not in the slice, so `n` counts present units only. Negative values are
/// allowed (growth rates).
///
/// Errors: `unit` is not among the keys, i.e. its value is absent ([`MetricError::Missing`]),
/// or appears more than once ([`MetricError::Duplicate`]); any value is NaN or infinite
/// ([`MetricError::NonFinite`]).
///
/// ```
/// use tandem_core::metrics::convergence::rank_percentile;
/// let v = [("a", 5.0), ("b", 9.0), ("c", 5.0), ("d", 1.0), ("e", 7.0)];
/// let r = rank_percentile(&"a", &v).unwrap();
/// // 9 and 7 are higher -> rank 3, shared with "c"; only "d" of the 4 others is below.
/// assert_eq!((r.rank, r.n, r.tied), (3, 5, 1));
/// assert_eq!(r.percentile, Some(25.0));
/// assert_eq!(rank_percentile(&"d", &v).unwrap().rank, 5);
/// ```
pub fn rank_percentile<K: PartialEq + Debug>(
    unit: &K,
    values: &[(K, f64)],
) -> Result<RankPercentile, MetricError> {
    const WHAT: &str = "rank and percentile";
    if let Some((key, v)) = values.iter().find(|(_, v)| !v.is_finite()) {
        return Err(MetricError::NonFinite {
            what: WHAT.into(),
            value: *v,
            at: format!("{key:?}"),
        });
    }
    let mut own = values.iter().filter(|(k, _)| k == unit).map(|(_, v)| *v);
    let value = match (own.next(), own.next()) {
        (Some(v), None) => v,
        (None, _) => {
            return Err(MetricError::Missing {
                what: WHAT.into(),
                item: format!("the value of {unit:?}"),
                among: format!("the {} units given", values.len()),
            })
        }
        (Some(_), Some(_)) => {
            return Err(MetricError::Duplicate {
                what: WHAT.into(),
                item: format!("{unit:?}"),
            })
        }
    };
    let n = values.len();
    let above = values.iter().filter(|(_, v)| *v > value).count();
    let below = values.iter().filter(|(_, v)| *v < value).count();
    let tied = n - above - below - 1;
    Ok(RankPercentile {
        rank: above + 1,
        n,
        percentile: (n > 1).then(|| 100.0 * below as f64 / (n - 1) as f64),
        tied,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_and_half_life_follow_the_slope_sign() {
        // Divergence: initially richer units grow faster -> b > 0, λ < 0, no half-life.
        let d = beta_convergence(
            &[(10.0, 12.0), (20.0, 30.0), (40.0, 75.0), (30.0, 44.0)],
            5.0,
        )
        .unwrap();
        assert!(d.slope.estimate > 0.0);
        assert!(d.speed.unwrap() < 0.0);
        assert_eq!(d.half_life, None);
        // λ = −ln(1 + bT)/T and, for small λT, λ ≈ −b.
        let c = beta_convergence(
            &[(10.0, 30.0), (20.0, 45.0), (40.0, 70.0), (30.0, 61.0)],
            8.0,
        )
        .unwrap();
        let b = c.slope.estimate;
        let l = c.speed.unwrap();
        assert!((l - -(1.0 + b * 8.0).ln() / 8.0).abs() < 1e-15);
        assert!((c.half_life.unwrap() * l - 2f64.ln()).abs() < 1e-12);
        // b = −(1 − e^{−λT})/T recovers the slope.
        assert!((-(1.0 - (-l * 8.0).exp()) / 8.0 - b).abs() < 1e-15);
    }

    #[test]
    fn overshooting_slope_has_no_speed() {
        // Over T = 20 a slope below −1/20 means 1 + bT ≤ 0.
        let c = beta_convergence(
            &[(1.0, 50.0), (10.0, 12.0), (100.0, 3.0), (50.0, 5.0)],
            20.0,
        )
        .unwrap();
        assert!(1.0 + c.slope.estimate * 20.0 <= 0.0, "{}", c.slope.estimate);
        assert_eq!((c.speed, c.half_life), (None, None));
    }

    #[test]
    fn beta_errors_are_specific() {
        let ok = [(1.0, 2.0), (2.0, 3.0), (4.0, 5.0)];
        assert!(matches!(
            beta_convergence(&ok[..2], 5.0),
            Err(MetricError::TooFew {
                needed: 3,
                got: 2,
                ..
            })
        ));
        for t in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert!(matches!(
                beta_convergence(&ok, t),
                Err(MetricError::OutOfRange { value, .. }) if value.to_bits() == t.to_bits()
            ));
        }
        let e = beta_convergence(&[(1.0, 2.0), (0.0, 3.0), (4.0, 5.0)], 5.0).unwrap_err();
        assert!(
            matches!(&e, MetricError::NonPositive { value, at, .. } if *value == 0.0 && at == "unit 1 (initial value)"),
            "{e}"
        );
        assert!(matches!(
            beta_convergence(&[(1.0, 2.0), (3.0, -3.0), (4.0, 5.0)], 5.0),
            Err(MetricError::NonPositive { .. })
        ));
        assert!(matches!(
            beta_convergence(&[(1.0, 2.0), (3.0, f64::NAN), (4.0, 5.0)], 5.0),
            Err(MetricError::NonFinite { ref at, .. }) if at == "unit 1 (final value)"
        ));
        let e = beta_convergence(&[(7.0, 2.0), (7.0, 3.0), (7.0, 5.0)], 5.0).unwrap_err();
        assert!(matches!(e, MetricError::NoVariation { .. }));
        assert!(e.to_string().contains("ln y₀ is constant"), "{e}");
        // Growth exactly linear in ln y0: y_T = y0^(1/2) · 4 over T = 1 gives
        // g = ln 4 − ½ ln y0, an exact fit.
        let exact: Vec<(f64, f64)> = [1.0, 4.0, 16.0, 64.0]
            .iter()
            .map(|y: &f64| (*y, 4.0 * y.sqrt()))
            .collect();
        let e = beta_convergence(&exact, 1.0).unwrap_err();
        assert!(e.to_string().contains("residuals are all zero"), "{e}");
    }

    #[test]
    fn sigma_sorts_years_and_refuses_bad_input() {
        let s = sigma_convergence(&[
            (2022, vec![2.0, 3.0, 4.0]),
            (2020, vec![1.0, 3.0, 9.0]),
            (2021, vec![1.5, 3.0, 6.5]),
        ])
        .unwrap();
        assert_eq!(
            s.years.iter().map(|y| y.year).collect::<Vec<_>>(),
            vec![2020, 2021, 2022]
        );
        assert!(s.trend_slope.estimate < 0.0);
        // ln of (1, 3, 9) is ln 3 · (0, 1, 2): population sd = ln 3 · √(2/3)
        assert!((s.years[0].sd_log - 3f64.ln() * (2.0f64 / 3.0).sqrt()).abs() < 1e-15);

        let two: [(i32, &[f64]); 2] = [(2020, &[1.0, 2.0]), (2021, &[1.0, 2.0])];
        assert!(matches!(
            sigma_convergence(&two),
            Err(MetricError::TooFew { needed: 3, .. })
        ));
        let dup: [(i32, &[f64]); 3] = [
            (2020, &[1.0, 2.0]),
            (2021, &[1.0, 2.0]),
            (2020, &[1.0, 3.0]),
        ];
        let e = sigma_convergence(&dup).unwrap_err();
        assert!(
            e.to_string().contains("year 2020 is given more than once"),
            "{e}"
        );
        let one: [(i32, &[f64]); 3] = [(2020, &[1.0, 2.0]), (2021, &[1.0]), (2022, &[1.0, 3.0])];
        let e = sigma_convergence(&one).unwrap_err();
        assert!(
            matches!(
                e,
                MetricError::TooFew {
                    needed: 2,
                    got: 1,
                    ..
                }
            ),
            "{e}"
        );
        assert!(e.to_string().contains("year 2021"), "{e}");
        let zero: [(i32, &[f64]); 3] = [
            (2020, &[1.0, 2.0]),
            (2021, &[1.0, 0.0]),
            (2022, &[1.0, 3.0]),
        ];
        assert!(matches!(
            sigma_convergence(&zero),
            Err(MetricError::NonPositive { .. })
        ));
        assert!(matches!(
            log_dispersion(&[1.0, f64::INFINITY]),
            Err(MetricError::NonFinite {
                value: f64::INFINITY,
                ..
            })
        ));
    }

    #[test]
    fn rank_with_ties_and_edges() {
        let v = [(1, 3.0), (2, 3.0), (3, 3.0), (4, -1.0), (5, 8.0)];
        let r = rank_percentile(&2, &v).unwrap();
        assert_eq!((r.rank, r.n, r.tied, r.percentile), (2, 5, 2, Some(25.0)));
        let top = rank_percentile(&5, &v).unwrap();
        assert_eq!((top.rank, top.percentile), (1, Some(100.0)));
        let bottom = rank_percentile(&4, &v).unwrap();
        assert_eq!((bottom.rank, bottom.percentile), (5, Some(0.0)));
        // all equal: everyone is first, nobody is below
        let same = [("x", 1.0), ("y", 1.0)];
        let r = rank_percentile(&"y", &same).unwrap();
        assert_eq!((r.rank, r.tied, r.percentile), (1, 1, Some(0.0)));
        // alone
        let r = rank_percentile(&"x", &same[..1]).unwrap();
        assert_eq!((r.rank, r.n, r.percentile), (1, 1, None));
        // absent, duplicated, non-finite
        assert!(matches!(
            rank_percentile(&9, &v),
            Err(MetricError::Missing { ref item, ref among, .. })
                if item == "the value of 9" && among == "the 5 units given"
        ));
        assert!(matches!(
            rank_percentile(&1, &[(1, 2.0), (1, 3.0)]),
            Err(MetricError::Duplicate { ref item, .. }) if item == "1"
        ));
        assert!(matches!(
            rank_percentile(&1, &[(1, f64::NAN), (2, 3.0)]),
            Err(MetricError::NonFinite { ref at, .. }) if at == "1"
        ));
        assert!(matches!(
            rank_percentile(&1, &[(1, 2.0), (2, f64::INFINITY)]),
            Err(MetricError::NonFinite { ref at, .. }) if at == "2"
        ));
        assert!(matches!(
            rank_percentile(&1, &[]),
            Err(MetricError::Missing { .. })
        ));
    }
}
