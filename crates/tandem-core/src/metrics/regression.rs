//! Ordinary least squares with an intercept and the classical regression table
//! (coefficients, standard errors, t statistics, p-values, R², F test).
//!
//! Small and dense: meant for cross-sections of tens to thousands of cities (convergence
//! regressions, later impact evaluation), not for big data. The fit uses a Householder QR
//! decomposition of the design matrix (Golub & Van Loan 2013, *Matrix Computations*, 4th ed.,
//! §5.3), which is backward stable — the normal equations `X'X b = X'y` are never formed.
//! The classical (homoskedastic, i.i.d. errors) covariance `σ̂² (X'X)⁻¹ = σ̂² R⁻¹R⁻ᵀ` is
//! reported; robust or clustered covariances are not. Results agree with `statsmodels`
//! `OLS(y, add_constant(X)).fit()` to ~1e-12 relative (tested on the golden convergence
//! data set).

use super::distributions::{f_sf, student_t_two_sided_p};
use super::MetricError;

/// One row of a regression table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct OlsCoefficient {
    /// The estimate `b_j`.
    pub estimate: f64,
    /// Classical standard error `√(σ̂² [(X'X)⁻¹]_jj)`, with `σ̂² = SSR / (n − p)`.
    pub std_error: f64,
    /// `t = b_j / se(b_j)`, for the null hypothesis `b_j = 0`.
    pub t_value: f64,
    /// Two-sided p-value of `t` under Student's t with `n − p` degrees of freedom.
    pub p_value: f64,
}

/// An OLS fit `y = b₀ + b₁ x₁ + … + b_k x_k + e` with its classical inference.
///
/// `p = k + 1` coefficients (the intercept counts), `n` observations.
#[derive(Clone, Debug, PartialEq)]
pub struct OlsTable {
    /// Number of observations `n`.
    pub n: usize,
    /// `coefficients[0]` is the intercept, `coefficients[j]` belongs to `x_columns[j − 1]`.
    pub coefficients: Vec<OlsCoefficient>,
    /// Model degrees of freedom `k` (regressors without the intercept).
    pub df_model: usize,
    /// Residual degrees of freedom `n − k − 1` (≥ 1).
    pub df_resid: usize,
    /// `R² = 1 − SSR / TSS`, with the centred total sum of squares `TSS = Σ (y_i − ȳ)²`.
    pub r_squared: f64,
    /// `1 − (1 − R²)(n − 1)/(n − k − 1)`; can be negative.
    pub adj_r_squared: f64,
    /// Residual standard error `σ̂ = √(SSR / (n − k − 1))` (statsmodels `sqrt(scale)`, R's
    /// "Residual standard error"), in the unit of `y`.
    pub residual_std_error: f64,
    /// Sum of squared residuals `SSR = Σ e_i²`.
    pub ssr: f64,
    /// F statistic of the joint test that all slopes are 0:
    /// `F = ((TSS − SSR)/k) / (SSR/(n − k − 1))`. With one regressor `F = t²` of the slope.
    pub f_statistic: f64,
    /// Upper-tail p-value of `F` under F(k, n − k − 1).
    pub f_p_value: f64,
    /// Covariance matrix of the coefficients `σ̂² (X'X)⁻¹`, `p × p` row-major, same order as
    /// `coefficients`.
    pub covariance: Vec<f64>,
    /// Residuals `e_i = y_i − ŷ_i`, in input order.
    pub residuals: Vec<f64>,
}

/// A column is treated as collinear with the previous ones (and the intercept) when the part
/// of it they do not explain has norm below this fraction of the column's own norm. For a
/// single regressor this means `sd(x) < 1e-10 · rms(x)`: the regression would be numerically
/// meaningless long before that.
const COLLINEAR_TOL: f64 = 1e-10;

/// The fit is exact, and inference undefined, when `√(SSR/n)` is below this fraction of the
/// largest `|y_i|` or `|ŷ_i|` (rounding noise is ~1e-16 of that).
const EXACT_FIT_TOL: f64 = 1e-12;

/// Ordinary least squares of `y` on an intercept and the columns `x_columns`, with the
/// classical regression table.
///
/// Model: `y_i = b₀ + Σ_j b_j x_ij + e_i`, errors i.i.d. with mean 0 and variance σ².
/// Estimates `b = argmin Σ e_i²`; `σ̂² = SSR/(n − p)` with `p = k + 1`;
/// `se(b_j) = √(σ̂² [(X'X)⁻¹]_jj)`; `t_j = b_j / se(b_j)` with a two-sided p-value from
/// Student's t with `n − p` degrees of freedom; `R² = 1 − SSR/TSS` (centred);
/// `F = ((TSS − SSR)/k)/(SSR/(n − p))` with its F(k, n − p) upper-tail p-value. Reference:
/// Greene (2018), *Econometric Analysis*, 8th ed., ch. 3–5; identical definitions to
/// statsmodels `OLS(...).fit()` (`params`, `bse`, `tvalues`, `pvalues`, `rsquared`,
/// `rsquared_adj`, `fvalue`, `f_pvalue`) and R's `summary(lm(...))`. Units: each `b_j` is in
/// units of y per unit of `x_j`; t, p, R², F are dimensionless.
///
/// Errors: no regressor ([`MetricError::TooFew`]); a column whose length differs from `y`
/// ([`MetricError::Shape`]); fewer than `k + 2` observations, so no residual degree of
/// freedom ([`MetricError::TooFew`]); a NaN or infinite value ([`MetricError::NonFinite`]); a
/// regressor that is constant or a linear combination of the intercept and the earlier
/// regressors, and an exact fit whose residuals are all zero (standard errors 0, t undefined)
/// ([`MetricError::NoVariation`]).
///
/// ```
/// use tandem_core::metrics::regression::ols;
/// // y = 1 + 2x + e, residuals (0.1, −0.2, 0.1) are orthogonal to (1, x).
/// let x = [0.0, 1.0, 2.0];
/// let y = [1.1, 2.8, 5.1];
/// let t = ols(&y, &[&x]).unwrap();
/// assert!((t.coefficients[0].estimate - 1.0).abs() < 1e-12);
/// assert!((t.coefficients[1].estimate - 2.0).abs() < 1e-12);
/// // σ̂² = 0.06 / 1; se(b₁) = √(0.06 / Σ(x − x̄)²) = √0.03
/// assert!((t.coefficients[1].std_error - 0.03f64.sqrt()).abs() < 1e-12);
/// assert_eq!(t.df_resid, 1);
/// ```
pub fn ols(y: &[f64], x_columns: &[&[f64]]) -> Result<OlsTable, MetricError> {
    let names: Vec<String> = (1..=x_columns.len())
        .map(|j| format!("regressor {j}"))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    ols_named("OLS", y, x_columns, &names)
}

/// [`ols`] with `what` naming the caller and `names[j]` the regressor `x_columns[j]` in error
/// messages.
pub(crate) fn ols_named(
    what: &str,
    y: &[f64],
    x_columns: &[&[f64]],
    names: &[&str],
) -> Result<OlsTable, MetricError> {
    let n = y.len();
    let k = x_columns.len();
    let p = k + 1;
    debug_assert_eq!(names.len(), k);
    if k == 0 {
        return Err(MetricError::TooFew {
            what: format!("{what}: regressors (besides the intercept)"),
            needed: 1,
            got: 0,
        });
    }
    for (j, col) in x_columns.iter().enumerate() {
        if col.len() != n {
            return Err(MetricError::Shape {
                what: format!("{what}: {} (one value per observation of y)", names[j]),
                expected: n,
                got: col.len(),
            });
        }
    }
    if n < p + 1 {
        return Err(MetricError::TooFew {
            what: format!(
                "{what}: observations ({k} regressor(s) and an intercept leave no residual degree of freedom)"
            ),
            needed: p + 1,
            got: n,
        });
    }
    let finite = |name: &str, values: &[f64]| -> Result<(), MetricError> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(MetricError::NonFinite {
                what: format!("{what}: {name}"),
                value: values[i],
                at: format!("observation {i}"),
            }),
            None => Ok(()),
        }
    };
    finite("y", y)?;
    for (col, name) in x_columns.iter().zip(names) {
        finite(name, col)?;
    }

    // Design matrix, column-major: the intercept first.
    let mut a: Vec<Vec<f64>> = Vec::with_capacity(p);
    a.push(vec![1.0; n]);
    a.extend(x_columns.iter().map(|c| c.to_vec()));
    let col_norms: Vec<f64> = a.iter().map(|c| norm(c)).collect();
    let mut qty = y.to_vec();

    // Householder QR: after step j, a[j][j] holds R_jj and a[l][j] (l > j) holds R_jl.
    for j in 0..p {
        let alpha = {
            let s = norm(&a[j][j..]);
            if a[j][j] > 0.0 {
                -s
            } else {
                s
            }
        };
        // The intercept column (j = 0) has norm √n > 0 and is never collinear.
        if j > 0 && alpha.abs() <= COLLINEAR_TOL * col_norms[j] {
            let (name, col) = (names[j - 1], x_columns[j - 1]);
            let detail = if spread(col) == 0.0 {
                format!(
                    "{name} is constant ({}), so it is collinear with the intercept and its coefficient is not identified",
                    col[0]
                )
            } else {
                format!(
                    "{name} is (numerically) a linear combination of the intercept and the earlier regressors (residual norm {:.3e} of its norm {:.3e}), so its coefficient is not identified",
                    alpha.abs(),
                    col_norms[j]
                )
            };
            return Err(MetricError::NoVariation {
                what: what.to_string(),
                detail,
            });
        }
        // v = x − alpha e₁, stored in place of the column's tail.
        let mut v = a[j][j..].to_vec();
        v[0] -= alpha;
        let vnorm2: f64 = v.iter().map(|x| x * x).sum();
        let reflect = |col: &mut [f64]| {
            let dot: f64 = v.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
            let f = 2.0 * dot / vnorm2;
            for (c, vi) in col.iter_mut().zip(&v) {
                *c -= f * vi;
            }
        };
        for col in a.iter_mut().skip(j + 1) {
            reflect(&mut col[j..]);
        }
        reflect(&mut qty[j..]);
        a[j][j] = alpha;
        for x in a[j][j + 1..].iter_mut() {
            *x = 0.0;
        }
    }
    let r = |row: usize, col: usize| a[col][row];

    // Back substitution R b = (Q'y)[..p].
    let mut b = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|l| r(i, l) * b[l]).sum();
        b[i] = (qty[i] - s) / r(i, i);
    }

    // Residuals from the data, not from Q'y, so they are exact to rounding of Xb.
    let mut residuals = Vec::with_capacity(n);
    let mut scale = 0.0f64;
    for i in 0..n {
        let fitted = b[0] + (0..k).map(|j| b[j + 1] * x_columns[j][i]).sum::<f64>();
        scale = scale.max(y[i].abs()).max(fitted.abs());
        residuals.push(y[i] - fitted);
    }
    let ssr: f64 = residuals.iter().map(|e| e * e).sum();
    if (ssr / n as f64).sqrt() <= EXACT_FIT_TOL * scale {
        return Err(MetricError::NoVariation {
            what: what.to_string(),
            detail: "the residuals are all zero (the regressors fit y exactly), so the standard errors are 0 and t statistics and p-values are undefined".into(),
        });
    }
    let df_resid = n - p;
    let sigma2 = ssr / df_resid as f64;
    let ybar = y.iter().sum::<f64>() / n as f64;
    let tss: f64 = y.iter().map(|v| (v - ybar) * (v - ybar)).sum();

    // (X'X)⁻¹ = R⁻¹ R⁻ᵀ; R⁻¹ is upper triangular.
    let mut rinv = vec![0.0; p * p];
    for c in 0..p {
        rinv[c * p + c] = 1.0 / r(c, c);
        for i in (0..c).rev() {
            let s: f64 = (i + 1..=c).map(|l| r(i, l) * rinv[l * p + c]).sum();
            rinv[i * p + c] = -s / r(i, i);
        }
    }
    let mut covariance = vec![0.0; p * p];
    for i in 0..p {
        for j in 0..p {
            let s: f64 = (i.max(j)..p)
                .map(|l| rinv[i * p + l] * rinv[j * p + l])
                .sum();
            covariance[i * p + j] = sigma2 * s;
        }
    }

    let df = df_resid as f64;
    let coefficients = (0..p)
        .map(|j| {
            let std_error = covariance[j * p + j].sqrt();
            let t_value = b[j] / std_error;
            OlsCoefficient {
                estimate: b[j],
                std_error,
                t_value,
                p_value: student_t_two_sided_p(t_value, df),
            }
        })
        .collect();
    let r_squared = 1.0 - ssr / tss;
    let f_statistic = ((tss - ssr) / k as f64) / sigma2;
    Ok(OlsTable {
        n,
        coefficients,
        df_model: k,
        df_resid,
        r_squared,
        adj_r_squared: 1.0 - (1.0 - r_squared) * (n as f64 - 1.0) / df,
        residual_std_error: sigma2.sqrt(),
        ssr,
        f_statistic,
        f_p_value: f_sf(f_statistic, k as f64, df),
        covariance,
        residuals,
    })
}

/// Euclidean norm, scaled to avoid overflow and underflow.
fn norm(v: &[f64]) -> f64 {
    let m = v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    if m == 0.0 {
        return 0.0;
    }
    m * v.iter().map(|x| (x / m) * (x / m)).sum::<f64>().sqrt()
}

/// `max − min`.
fn spread(v: &[f64]) -> f64 {
    let max = v.iter().copied().fold(f64::MIN, f64::max);
    let min = v.iter().copied().fold(f64::MAX, f64::min);
    max - min
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::needless_range_loop)] // textbook index form of Gaussian elimination
    fn two_regressors_match_the_normal_equations() {
        // y = 2 − x1 + 0.5 x2 + noise; compare with the closed form via X'X.
        let x1 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let x2 = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0];
        let y = [2.7, -0.6, 1.2, -2.1, 0.4, 0.9, -4.2];
        let t = ols(&y, &[&x1, &x2]).unwrap();
        // Normal equations by hand (3×3 Gaussian elimination).
        let n = y.len();
        let cols = [vec![1.0; n], x1.to_vec(), x2.to_vec()];
        let mut m = [[0.0; 4]; 3];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] = (0..n).map(|r| cols[i][r] * cols[j][r]).sum();
            }
            m[i][3] = (0..n).map(|r| cols[i][r] * y[r]).sum();
        }
        for c in 0..3 {
            for r in c + 1..3 {
                let f = m[r][c] / m[c][c];
                for k in c..4 {
                    m[r][k] -= f * m[c][k];
                }
            }
        }
        let mut b = [0.0; 3];
        for i in (0..3).rev() {
            let s: f64 = (i + 1..3).map(|k| m[i][k] * b[k]).sum();
            b[i] = (m[i][3] - s) / m[i][i];
        }
        for j in 0..3 {
            assert!((t.coefficients[j].estimate - b[j]).abs() < 1e-12);
        }
        // residuals orthogonal to every column; SSR consistent; covariance symmetric.
        for c in &cols {
            let dot: f64 = c.iter().zip(&t.residuals).map(|(a, b)| a * b).sum();
            assert!(dot.abs() < 1e-12);
        }
        let ssr: f64 = t.residuals.iter().map(|e| e * e).sum();
        assert!((ssr - t.ssr).abs() < 1e-15);
        assert_eq!(t.df_resid, 4);
        assert!((t.covariance[1] - t.covariance[3]).abs() < 1e-15);
        assert!(t.f_p_value > 0.0 && t.f_p_value < 1.0);
    }

    #[test]
    fn one_regressor_f_is_t_squared() {
        let x = [1.0, 2.0, 4.0, 8.0, 9.0];
        let y = [1.0, 3.0, 2.0, 7.0, 6.5];
        let t = ols(&y, &[&x]).unwrap();
        let s = t.coefficients[1];
        assert!((t.f_statistic - s.t_value * s.t_value).abs() < 1e-10 * t.f_statistic);
        assert!((t.f_p_value - s.p_value).abs() < 1e-12);
    }

    #[test]
    fn degenerate_inputs_are_named_errors() {
        let y = [1.0, 2.0, 3.0, 5.0];
        assert!(matches!(ols(&y, &[]), Err(MetricError::TooFew { .. })));
        assert!(matches!(
            ols(&y, &[&[1.0, 2.0]]),
            Err(MetricError::Shape { .. })
        ));
        assert!(matches!(
            ols(&y[..2], &[&[1.0, 2.0]]),
            Err(MetricError::TooFew { needed: 3, .. })
        ));
        assert!(matches!(
            ols(&y, &[&[1.0, f64::NAN, 2.0, 3.0]]),
            Err(MetricError::NonFinite { ref at, .. }) if at == "observation 1"
        ));
        // constant regressor
        let e = ols(&y, &[&[2.0; 4]]).unwrap_err();
        assert!(e.to_string().contains("constant"), "{e}");
        // collinear pair: x2 = 3 x1 − 1
        let x1 = [1.0, 2.0, 3.0, 4.0];
        let x2 = [2.0, 5.0, 8.0, 11.0];
        let e = ols(&y, &[&x1, &x2]).unwrap_err();
        assert!(matches!(e, MetricError::NoVariation { .. }), "{e}");
        assert!(e.to_string().contains("linear combination"), "{e}");
        // exact fit
        let e = ols(&[1.0, 3.0, 5.0, 7.0], &[&x1]).unwrap_err();
        assert!(e.to_string().contains("residuals are all zero"), "{e}");
    }
}
