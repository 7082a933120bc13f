//! Convergence metrics against the golden reference files made by
//! `tests/golden/scripts/ref_convergence.py` (statsmodels OLS, numpy, scipy.stats):
//! inputs `tests/golden/inputs/convergence_panel.csv` (41 synthetic units × 2012–2022),
//! outputs `tests/golden/outputs/convergence_*.csv`.
//!
//! Tolerances: 1e-9 relative for coefficients, standard errors, t, R², F, speed and
//! half-life; 1e-7 relative for p-values; 1e-12 relative for the per-year dispersion.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tandem_core::metrics::convergence::{
    beta_convergence, log_dispersion, rank_percentile, sigma_convergence, BetaConvergence,
};
use tandem_core::metrics::regression::{ols, OlsCoefficient};
use tandem_core::metrics::MetricError;

const REL: f64 = 1e-9;
const REL_P: f64 = 1e-7;

fn golden(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(path)
}

/// Rows of a plain CSV file (no quotes, no embedded commas) as maps column -> text.
fn read_csv(path: &str) -> Vec<HashMap<String, String>> {
    let text =
        std::fs::read_to_string(golden(path)).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap_or_else(|| panic!("{path} is empty"))
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(
                fields.len(),
                header.len(),
                "{path}: field count in `{line}`"
            );
            header
                .iter()
                .cloned()
                .zip(fields.iter().map(|f| f.trim().to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, column: &str) -> f64 {
    let text = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    text.parse()
        .unwrap_or_else(|e| panic!("column {column}: `{text}` is not a number: {e}"))
}

/// An empty field (Python `None`) is `None`.
fn opt(row: &HashMap<String, String>, column: &str) -> Option<f64> {
    let text = row
        .get(column)
        .unwrap_or_else(|| panic!("no column {column}"));
    (!text.is_empty()).then(|| num(row, column))
}

#[track_caller]
fn close(got: f64, want: f64, rel: f64, what: &str) {
    let scale = got.abs().max(want.abs());
    assert!(
        (got - want).abs() <= rel * scale,
        "{what}: got {got:e}, want {want:e} (relative error {:e})",
        (got - want).abs() / scale
    );
}

/// `GDP per capita` by year, then by unit (sorted).
fn panel() -> BTreeMap<i32, BTreeMap<String, f64>> {
    let mut out: BTreeMap<i32, BTreeMap<String, f64>> = BTreeMap::new();
    for row in read_csv("inputs/convergence_panel.csv") {
        out.entry(num(&row, "year") as i32)
            .or_default()
            .insert(row["unit"].clone(), num(&row, "gdp_per_capita"));
    }
    out
}

fn check_coefficient(got: &OlsCoefficient, row: &HashMap<String, String>, prefix: &str) {
    close(got.estimate, num(row, prefix), REL, prefix);
    close(
        got.std_error,
        num(row, &format!("{prefix}_se")),
        REL,
        &format!("{prefix} se"),
    );
    close(
        got.t_value,
        num(row, &format!("{prefix}_t")),
        REL,
        &format!("{prefix} t"),
    );
    close(
        got.p_value,
        num(row, &format!("{prefix}_p")),
        REL_P,
        &format!("{prefix} p"),
    );
}

fn check_beta(got: &BetaConvergence, row: &HashMap<String, String>) {
    assert_eq!(got.n as f64, num(row, "n"));
    assert_eq!(got.years, num(row, "years"));
    check_coefficient(&got.intercept, row, "intercept");
    check_coefficient(&got.slope, row, "slope");
    for (value, column) in [
        (got.r_squared, "r_squared"),
        (got.adj_r_squared, "adj_r_squared"),
        (got.residual_std_error, "residual_se"),
        (got.f_statistic, "f_statistic"),
    ] {
        close(value, num(row, column), REL, column);
    }
    close(got.f_p_value, num(row, "f_p_value"), REL_P, "F p");
    match (got.speed, opt(row, "speed")) {
        (Some(g), Some(w)) => close(g, w, REL, "speed"),
        (g, w) => assert_eq!(g, w, "speed"),
    }
    match (got.half_life, opt(row, "half_life")) {
        (Some(g), Some(w)) => close(g, w, REL, "half-life"),
        (g, w) => assert_eq!(g, w, "half-life"),
    }
}

fn beta_row(dataset: &str) -> HashMap<String, String> {
    read_csv("outputs/convergence_beta.csv")
        .into_iter()
        .find(|r| r["dataset"] == dataset)
        .unwrap_or_else(|| panic!("no data set {dataset}"))
}

#[test]
fn beta_worked_example_matches_statsmodels() {
    // The six units of the doc comment of `beta_convergence`.
    let pairs = [
        (12.0, 26.0),
        (18.0, 33.0),
        (25.0, 46.0),
        (34.0, 52.0),
        (50.0, 75.0),
        (70.0, 90.0),
    ];
    let got = beta_convergence(&pairs, 10.0).unwrap();
    check_beta(&got, &beta_row("worked_example_6"));
    // The numbers printed in the doc comment (rounded there).
    assert!((got.slope.estimate - -0.027825).abs() < 5e-7);
    assert!((got.r_squared - 0.94838).abs() < 5e-6);
    assert!((got.half_life.unwrap() - 21.26).abs() < 5e-3);
}

#[test]
fn beta_41_units_matches_statsmodels() {
    let p = panel();
    let (y0, yt) = (&p[&2012], &p[&2022]);
    assert_eq!(y0.len(), 41);
    let pairs: Vec<(f64, f64)> = y0.iter().map(|(unit, v)| (*v, yt[unit])).collect();
    let got = beta_convergence(&pairs, 10.0).unwrap();
    check_beta(&got, &beta_row("panel_41_2012_2022"));
    // The table is the generic OLS table.
    let ln_y0: Vec<f64> = pairs.iter().map(|(a, _)| a.ln()).collect();
    let g: Vec<f64> = pairs
        .iter()
        .map(|(a, b)| (b.ln() - a.ln()) / 10.0)
        .collect();
    let t = ols(&g, &[&ln_y0]).unwrap();
    assert_eq!(t.coefficients[1], got.slope);
    assert_eq!((t.df_model, t.df_resid), (1, 39));
}

#[test]
fn sigma_matches_numpy_and_statsmodels() {
    let p = panel();
    let series: Vec<(i32, Vec<f64>)> = p
        .iter()
        .rev() // any order is accepted
        .map(|(year, units)| (*year, units.values().copied().collect()))
        .collect();
    let got = sigma_convergence(&series).unwrap();
    let want = read_csv("outputs/convergence_sigma.csv");
    assert_eq!(got.years.len(), want.len());
    for (g, w) in got.years.iter().zip(&want) {
        assert_eq!(f64::from(g.year), num(w, "year"));
        assert_eq!(g.n as f64, num(w, "n"));
        close(g.mean_log, num(w, "mean_log"), 1e-12, "mean ln y");
        close(g.sd_log, num(w, "sd_log"), 1e-12, "sd ln y");
        close(g.cv, num(w, "cv"), 1e-12, "cv");
        let single = log_dispersion(&series.iter().find(|s| s.0 == g.year).unwrap().1).unwrap();
        assert_eq!(single.sd_log, g.sd_log);
    }
    let trend = read_csv("outputs/convergence_sigma_trend.csv");
    for (coef, row) in [
        (&got.trend_intercept, &trend[0]),
        (&got.trend_slope, &trend[1]),
    ] {
        let term = &row["term"];
        close(coef.estimate, num(row, "estimate"), REL, term);
        close(coef.std_error, num(row, "std_error"), REL, term);
        close(coef.t_value, num(row, "t_value"), REL, term);
        close(coef.p_value, num(row, "p_value"), REL_P, term);
        close(got.trend_r_squared, num(row, "r_squared"), REL, "trend R²");
    }
    // The synthetic panel converges in both senses.
    assert!(got.trend_slope.estimate < 0.0 && got.trend_slope.p_value < 0.01);
}

#[test]
fn rank_and_percentile_match_scipy() {
    let p = panel();
    let want = read_csv("outputs/convergence_rank.csv");
    assert_eq!(want.len(), 82);
    for row in &want {
        let year = num(row, "year") as i32;
        let values: Vec<(&str, f64)> = p[&year].iter().map(|(u, v)| (u.as_str(), *v)).collect();
        let unit = row["unit"].as_str();
        let got = rank_percentile(&unit, &values).unwrap();
        assert_eq!(got.rank as f64, num(row, "rank"), "{year} {unit}");
        assert_eq!(got.n as f64, num(row, "n"));
        close(
            got.percentile.unwrap(),
            num(row, "percentile"),
            1e-12,
            &format!("{year} {unit} percentile"),
        );
    }
}

#[test]
fn edge_cases_are_named_errors() {
    assert!(matches!(
        beta_convergence(&[(1.0, 2.0), (2.0, 3.0)], 5.0),
        Err(MetricError::TooFew {
            needed: 3,
            got: 2,
            ..
        })
    ));
    assert!(matches!(
        beta_convergence(&[(5.0, 6.0), (5.0, 7.0), (5.0, 9.0), (5.0, 4.0)], 5.0),
        Err(MetricError::NoVariation { .. })
    ));
    assert!(matches!(
        beta_convergence(&[(5.0, 6.0), (-1.0, 7.0), (2.0, 9.0)], 5.0),
        Err(MetricError::NonPositive { .. })
    ));
    assert!(matches!(
        beta_convergence(&[(5.0, 6.0), (1.0, 0.0), (2.0, 9.0)], 5.0),
        Err(MetricError::NonPositive { .. })
    ));
    assert!(matches!(
        beta_convergence(&[(5.0, 6.0), (1.0, 2.0), (2.0, 9.0)], 0.0),
        Err(MetricError::OutOfRange { value: 0.0, .. })
    ));
    let msg = beta_convergence(&[(5.0, 6.0), (0.0, 7.0), (2.0, 9.0)], 5.0)
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "beta-convergence: value 0 at unit 1 (initial value) is not positive; this indicator takes logarithms, so it needs values > 0"
    );
    assert!(matches!(
        sigma_convergence(&[(2020, vec![1.0, 2.0]), (2021, vec![1.0, 2.5])]),
        Err(MetricError::TooFew { .. })
    ));
    assert!(matches!(
        log_dispersion(&[1.0, -2.0]),
        Err(MetricError::NonPositive { .. })
    ));
    assert!(rank_percentile(&"missing", &[("a", 1.0)]).is_err());
}
