//! Composite evaluation (family I): entropy weights, TOPSIS, AHP with the consistency
//! ratio, and the coupling coordination degree of two systems.
//!
//! Decision matrices are row-major `alternatives x criteria` `&[f64]`, with one
//! [`Direction`] per criterion.

use super::MetricError;

/// Whether more of a criterion is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// More is better (正向指标).
    Benefit,
    /// Less is better (负向指标).
    Cost,
}

fn check_matrix(
    what: &str,
    matrix: &[f64],
    directions: &[Direction],
    min_rows: usize,
) -> Result<usize, MetricError> {
    let m = directions.len();
    if m == 0 {
        return Err(MetricError::TooFew {
            what: format!("{what}: criteria"),
            needed: 1,
            got: 0,
        });
    }
    if !matrix.chunks_exact(m).remainder().is_empty() {
        return Err(MetricError::Shape {
            what: format!("{what}: decision matrix with {m} criteria"),
            expected: (matrix.len() / m + 1) * m,
            got: matrix.len(),
        });
    }
    let n = matrix.len() / m;
    if n < min_rows {
        return Err(MetricError::TooFew {
            what: format!("{what}: alternatives"),
            needed: min_rows,
            got: n,
        });
    }
    if let Some(k) = matrix.iter().position(|v| !v.is_finite()) {
        return Err(MetricError::NonFinite {
            what: what.to_string(),
            value: matrix[k],
            at: format!("alternative {}, criterion {}", k / m, k % m),
        });
    }
    Ok(n)
}

/// Entropy weight method (熵权法): objective criterion weights from the dispersion of the
/// data.
///
/// Steps: min-max normalise each criterion (benefit `(x − min)/(max − min)`, cost
/// `(max − x)/(max − min)`); `p_ij = x'_ij / Σ_i x'_ij`; entropy
/// `e_j = −(1/ln n) Σ_i p_ij ln p_ij` (`0 ln 0 := 0`); divergence `d_j = 1 − e_j`; weight
/// `w_j = d_j / Σ_k d_k`. Unit: weights sum to 1. Reference: Shannon (1948); for the MCDM
/// form, Zeleny (1982), *Multiple Criteria Decision Making*, and the common Chinese
/// textbook form (熵权法). Variants: some authors shift x' by 0.0001 before taking logs or use
/// `x / Σx` without min-max; results then differ slightly.
///
/// Degenerate inputs: a constant criterion carries no information and gets weight 0; all
/// criteria constant is [`MetricError::NoActivity`]; fewer than 2 alternatives is
/// [`MetricError::TooFew`] (`ln 1 = 0`); non-finite values are refused.
///
/// ```
/// use tandem_core::metrics::composite::{entropy_weights, Direction};
/// // criterion 1 is constant: weight 0
/// let w = entropy_weights(&[1.0, 5.0, 2.0, 5.0, 3.0, 5.0], &[Direction::Benefit, Direction::Benefit]).unwrap();
/// assert_eq!(w, vec![1.0, 0.0]);
/// ```
pub fn entropy_weights(matrix: &[f64], directions: &[Direction]) -> Result<Vec<f64>, MetricError> {
    let n = check_matrix("entropy weights", matrix, directions, 2)?;
    let m = directions.len();
    let k = 1.0 / (n as f64).ln();
    let mut d = Vec::with_capacity(m);
    for (j, dir) in directions.iter().enumerate() {
        let col: Vec<f64> = (0..n).map(|i| matrix[i * m + j]).collect();
        let max = col.iter().copied().fold(f64::MIN, f64::max);
        let min = col.iter().copied().fold(f64::MAX, f64::min);
        if max == min {
            d.push(0.0);
            continue;
        }
        let norm: Vec<f64> = col
            .iter()
            .map(|x| match dir {
                Direction::Benefit => (x - min) / (max - min),
                Direction::Cost => (max - x) / (max - min),
            })
            .collect();
        let total: f64 = norm.iter().sum();
        let e = -k
            * norm
                .iter()
                .filter(|v| **v > 0.0)
                .map(|v| (v / total) * (v / total).ln())
                .sum::<f64>();
        d.push(1.0 - e);
    }
    let sum: f64 = d.iter().sum();
    if sum <= 0.0 {
        return Err(MetricError::NoActivity(
            "entropy weights: every criterion is constant across alternatives".into(),
        ));
    }
    Ok(d.iter().map(|x| x / sum).collect())
}

/// TOPSIS relative closeness of each alternative to the ideal solution.
///
/// Steps (Hwang & Yoon 1981, *Multiple Attribute Decision Making*, Springer): vector
/// normalisation `r_ij = x_ij / √(Σ_i x_ij²)`; weighting `v_ij = w_j r_ij`; ideal
/// `A⁺_j = max_i v_ij` for benefit and `min` for cost criteria, anti-ideal `A⁻` the
/// reverse; Euclidean distances `D⁺_i`, `D⁻_i`; closeness `C_i = D⁻_i / (D⁺_i + D⁻_i)`.
/// Unit: [0, 1], 1 = the ideal itself. Weights need not sum to 1 (C is invariant to a
/// common factor) but must be non-negative with a positive sum.
///
/// Degenerate inputs: a criterion that is zero for every alternative cannot be normalised
/// ([`MetricError::NoActivity`] naming it); negative data are refused (vector
/// normalisation assumes non-negative scores); an alternative equal to both the ideal and
/// the anti-ideal (all alternatives identical on every weighted criterion) has no defined
/// closeness: [`MetricError::NoVariation`]. Weights that are negative, non-finite or all zero
/// are [`MetricError::OutOfRange`].
///
/// ```
/// use tandem_core::metrics::composite::{topsis, Direction};
/// let c = topsis(&[1.0, 1.0, 2.0, 2.0], &[0.5, 0.5], &[Direction::Benefit, Direction::Benefit]).unwrap();
/// assert_eq!(c, vec![0.0, 1.0]);
/// ```
pub fn topsis(
    matrix: &[f64],
    weights: &[f64],
    directions: &[Direction],
) -> Result<Vec<f64>, MetricError> {
    let n = check_matrix("TOPSIS", matrix, directions, 1)?;
    let m = directions.len();
    if weights.len() != m {
        return Err(MetricError::Shape {
            what: "TOPSIS: weights".into(),
            expected: m,
            got: weights.len(),
        });
    }
    if let Some(j) = weights.iter().position(|w| !(w.is_finite() && *w >= 0.0)) {
        return Err(MetricError::OutOfRange {
            what: "TOPSIS".into(),
            parameter: format!("the weight of criterion {j}"),
            value: weights[j],
            allowed: "finite and non-negative".into(),
        });
    }
    let weight_sum = weights.iter().sum::<f64>();
    if weight_sum <= 0.0 {
        return Err(MetricError::OutOfRange {
            what: "TOPSIS".into(),
            parameter: "the sum of the weights".into(),
            value: weight_sum,
            allowed: "positive (the weights must not all be zero)".into(),
        });
    }
    if let Some(k) = matrix.iter().position(|v| *v < 0.0) {
        return Err(MetricError::Negative {
            what: "TOPSIS decision matrix".into(),
            value: matrix[k],
            at: format!("alternative {}, criterion {}", k / m, k % m),
        });
    }
    let mut v = vec![0.0; n * m];
    let mut best = vec![0.0; m];
    let mut worst = vec![0.0; m];
    for j in 0..m {
        let norm = (0..n)
            .map(|i| matrix[i * m + j].powi(2))
            .sum::<f64>()
            .sqrt();
        if norm <= 0.0 {
            return Err(MetricError::NoActivity(format!(
                "TOPSIS: criterion {j} is zero for every alternative"
            )));
        }
        let col: Vec<f64> = (0..n)
            .map(|i| weights[j] * matrix[i * m + j] / norm)
            .collect();
        let max = col.iter().copied().fold(f64::MIN, f64::max);
        let min = col.iter().copied().fold(f64::MAX, f64::min);
        (best[j], worst[j]) = match directions[j] {
            Direction::Benefit => (max, min),
            Direction::Cost => (min, max),
        };
        for (i, x) in col.into_iter().enumerate() {
            v[i * m + j] = x;
        }
    }
    (0..n)
        .map(|i| {
            let row = &v[i * m..(i + 1) * m];
            let dp = row.iter().zip(&best).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
            let dm = row.iter().zip(&worst).map(|(a, b)| (a - b).powi(2)).sum::<f64>().sqrt();
            if dp + dm <= 0.0 {
                return Err(MetricError::NoVariation {
                    what: "TOPSIS".into(),
                    detail: format!(
                        "alternative {i} coincides with both the ideal and the anti-ideal (all alternatives are identical), so its closeness is undefined"
                    ),
                });
            }
            Ok(dm / (dp + dm))
        })
        .collect()
}

/// Saaty's random consistency index RI for matrices of order 1–10 (Saaty 1980, *The
/// Analytic Hierarchy Process*, McGraw-Hill): 0, 0, 0.58, 0.90, 1.12, 1.24,
/// 1.32, 1.41, 1.45, 1.49.
pub const SAATY_RANDOM_INDEX: [f64; 10] =
    [0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49];

/// Saaty's acceptance bound for the consistency ratio.
pub const CONSISTENCY_RATIO_LIMIT: f64 = 0.1;

/// The result of [`ahp`].
#[derive(Clone, Debug, PartialEq)]
pub struct AhpResult {
    /// Priority vector (normalised principal eigenvector), sums to 1.
    pub weights: Vec<f64>,
    /// Principal eigenvalue λ_max (≥ n; = n for a consistent matrix).
    pub lambda_max: f64,
    /// `CI = (λ_max − n)/(n − 1)` (0 for n ≤ 2).
    pub consistency_index: f64,
    /// `CR = CI / RI(n)`; `None` for n ≤ 2 (always consistent, RI = 0) and for n > 10
    /// (outside [`SAATY_RANDOM_INDEX`]).
    pub consistency_ratio: Option<f64>,
    /// Power-iteration steps used.
    pub iterations: usize,
}

impl AhpResult {
    /// Whether `CR < 0.1` (Saaty's rule); `true` when CR is not defined because n ≤ 2.
    pub fn is_consistent(&self) -> bool {
        match self.consistency_ratio {
            Some(cr) => cr < CONSISTENCY_RATIO_LIMIT,
            None => self.weights.len() <= 2,
        }
    }
}

/// Analytic hierarchy process: priorities, λ_max and the consistency ratio of a pairwise
/// comparison matrix (row-major `n x n`, `a_ij` = importance of i over j on Saaty's
/// 1–9 scale, `a_ji = 1/a_ij`, `a_ii = 1`).
///
/// The principal eigenvector is found by power iteration (`w ← A w / Σ(A w)`) until the
/// largest change is below 1e-15 (at most 10,000 steps; a positive matrix always
/// converges, Perron–Frobenius); `λ_max = Σ_i (A w)_i` with Σw = 1. `CI = (λ_max − n)/(n − 1)`,
/// `CR = CI / RI(n)` with [`SAATY_RANDOM_INDEX`]. Reference: Saaty (1977), "A scaling
/// method for priorities in hierarchical structures", *J. Math. Psychology* 15(3); Saaty
/// (1980).
///
/// Errors: a non-square input, a non-positive or non-finite entry, a diagonal entry other
/// than 1 or a pair violating reciprocity (relative tolerance 1e-6, to allow `0.333`) is
/// [`MetricError::Shape`] or [`MetricError::OutOfRange`], naming the cell. A power iteration
/// that does not converge is [`MetricError::NotConverged`].
///
/// ```
/// use tandem_core::metrics::composite::ahp;
/// // a consistent matrix: weights 4:2:1, λ_max = 3, CR = 0
/// let a = [1.0, 2.0, 4.0, 0.5, 1.0, 2.0, 0.25, 0.5, 1.0];
/// let r = ahp(&a).unwrap();
/// assert!((r.weights[0] - 4.0 / 7.0).abs() < 1e-12);
/// assert!((r.lambda_max - 3.0).abs() < 1e-12);
/// assert!(r.consistency_ratio.unwrap().abs() < 1e-10);
/// ```
pub fn ahp(matrix: &[f64]) -> Result<AhpResult, MetricError> {
    let n = (matrix.len() as f64).sqrt().round() as usize;
    if n == 0 || n * n != matrix.len() {
        // The nearest square at or above the length given: what the caller most likely meant.
        let side = (matrix.len() as f64).sqrt().ceil().max(1.0) as usize;
        return Err(MetricError::Shape {
            what: "AHP: the comparison matrix (square n x n, n >= 1, row-major)".into(),
            expected: side * side,
            got: matrix.len(),
        });
    }
    for i in 0..n {
        for j in 0..n {
            let a = matrix[i * n + j];
            if !(a.is_finite() && a > 0.0) {
                return Err(MetricError::OutOfRange {
                    what: "AHP".into(),
                    parameter: format!("entry ({i}, {j})"),
                    value: a,
                    allowed: "a finite positive number".into(),
                });
            }
            if i == j && a != 1.0 {
                return Err(MetricError::OutOfRange {
                    what: "AHP".into(),
                    parameter: format!("diagonal entry ({i}, {i})"),
                    value: a,
                    allowed: "1".into(),
                });
            }
            let b = matrix[j * n + i];
            if ((a * b) - 1.0).abs() > 1e-6 {
                return Err(MetricError::OutOfRange {
                    what: "AHP".into(),
                    parameter: format!("entry ({j}, {i})"),
                    value: b,
                    allowed: format!(
                        "the reciprocal of entry ({i}, {j}) = {a}, i.e. 1/{a} (relative tolerance 1e-6)"
                    ),
                });
            }
        }
    }
    // A positive matrix converges (Perron–Frobenius); the cap bounds the work when the
    // second eigenvalue is close to λ_max in modulus.
    const TOLERANCE: f64 = 1e-15;
    const MAX_ITERATIONS: usize = 10_000;
    let mut w = vec![1.0 / n as f64; n];
    let mut iterations = 0;
    loop {
        iterations += 1;
        let aw: Vec<f64> = (0..n)
            .map(|i| (0..n).map(|j| matrix[i * n + j] * w[j]).sum())
            .collect();
        let scale = aw.iter().sum::<f64>();
        let next: Vec<f64> = aw.iter().map(|x| x / scale).collect();
        let change = next
            .iter()
            .zip(&w)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        w = next;
        if change < TOLERANCE {
            break;
        }
        if iterations >= MAX_ITERATIONS {
            return Err(MetricError::NotConverged {
                what: "AHP: power iteration".into(),
                iterations,
                tolerance: TOLERANCE,
                last_change: change,
            });
        }
    }
    // λ_max = Σ_i (A w)_i for the converged w (Σ w = 1).
    let lambda: f64 = (0..n)
        .map(|i| (0..n).map(|j| matrix[i * n + j] * w[j]).sum::<f64>())
        .sum();
    let ci = if n > 2 {
        (lambda - n as f64) / (n as f64 - 1.0)
    } else {
        0.0
    };
    let cr = if (3..=10).contains(&n) {
        Some(ci / SAATY_RANDOM_INDEX[n - 1])
    } else {
        None
    };
    Ok(AhpResult {
        weights: w,
        lambda_max: lambda,
        consistency_index: ci,
        consistency_ratio: cr,
        iterations,
    })
}

/// Coupling degree, comprehensive index and coupling coordination degree of two systems.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CouplingCoordination {
    /// Coupling degree `C = 2√(U1 U2) / (U1 + U2)`, in [0, 1].
    pub coupling: f64,
    /// Comprehensive development index `T = α U1 + β U2`, in [0, 1].
    pub development: f64,
    /// Coupling coordination degree `D = √(C T)`, in [0, 1].
    pub coordination: f64,
}

/// Coupling coordination degree (耦合协调度) of two systems with development indices
/// `U1, U2 ∈ [0, 1]` (e.g. from [`entropy_weights`] + weighted sums):
/// `C = 2√(U1 U2)/(U1 + U2)`, `T = α U1 + β U2` (α + β = 1), `D = √(C T)`.
///
/// `C = {U1 U2 / [(U1 + U2)/2]²}^{1/2}` is the same formula. Variants in the literature:
/// the exponent k = 2 (`C = {U1 U2 / [(U1+U2)/2]²}²`, more spread); and the erroneous
/// `C = √(U1 U2)/(U1 + U2)` whose range is only [0, 0.5], criticised by 王淑佳, 孔伟, 任亮,
/// 戴岳 (2021), 国内耦合协调度模型的误区及修正, 《自然资源学报》36(3). This function uses the
/// corrected k = ½ form. Reference for the model: 廖重斌 (1999), 《热带地理》19(2).
///
/// Errors: U outside [0, 1], α or β negative or not summing to 1 (tolerance 1e-9) is
/// [`MetricError::OutOfRange`]; `U1 = U2 = 0` leaves C undefined: [`MetricError::NoActivity`].
///
/// ```
/// use tandem_core::metrics::composite::coupling_coordination;
/// let c = coupling_coordination(0.4, 0.4, 0.5, 0.5).unwrap();
/// assert!((c.coupling - 1.0).abs() < 1e-12);
/// assert!((c.coordination - 0.4f64.sqrt()).abs() < 1e-12);
/// ```
pub fn coupling_coordination(
    u1: f64,
    u2: f64,
    alpha: f64,
    beta: f64,
) -> Result<CouplingCoordination, MetricError> {
    for (name, u) in [("U1", u1), ("U2", u2)] {
        if !(u.is_finite() && (0.0..=1.0).contains(&u)) {
            return Err(MetricError::OutOfRange {
                what: "coupling coordination".into(),
                parameter: name.into(),
                value: u,
                allowed: "in [0, 1]".into(),
            });
        }
    }
    for (name, w) in [("alpha", alpha), ("beta", beta)] {
        if w.is_nan() || w < 0.0 {
            return Err(MetricError::OutOfRange {
                what: "coupling coordination".into(),
                parameter: name.into(),
                value: w,
                allowed: "non-negative (alpha and beta are weights summing to 1)".into(),
            });
        }
    }
    if ((alpha + beta) - 1.0).abs() > 1e-9 {
        return Err(MetricError::OutOfRange {
            what: "coupling coordination".into(),
            parameter: format!("alpha + beta ({alpha} + {beta})"),
            value: alpha + beta,
            allowed: "1 (tolerance 1e-9)".into(),
        });
    }
    if u1 + u2 <= 0.0 {
        return Err(MetricError::NoActivity(
            "coupling coordination: both systems are at 0".into(),
        ));
    }
    let coupling = 2.0 * (u1 * u2).sqrt() / (u1 + u2);
    let development = alpha * u1 + beta * u2;
    Ok(CouplingCoordination {
        coupling,
        development,
        coordination: (coupling * development).sqrt(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ahp_three_by_three_matches_the_closed_form_eigenvalue() {
        // For a reciprocal 3x3 matrix [[1,a,b],[1/a,1,c],[1/b,1/c,1]]:
        // λ_max = 1 + (b/(a c))^(1/3) + (a c / b)^(1/3).
        let (a, b, c) = (3.0, 5.0, 3.0);
        let m = [1.0, a, b, 1.0 / a, 1.0, c, 1.0 / b, 1.0 / c, 1.0];
        let r = ahp(&m).unwrap();
        let q: f64 = b / (a * c);
        let expected = 1.0 + q.cbrt() + (1.0 / q).cbrt();
        assert!(
            (r.lambda_max - expected).abs() < 1e-10,
            "{} vs {expected}",
            r.lambda_max
        );
        assert!((r.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let ci = (expected - 3.0) / 2.0;
        assert!((r.consistency_ratio.unwrap() - ci / 0.58).abs() < 1e-9);
    }

    #[test]
    fn ahp_refuses_bad_matrices() {
        assert!(ahp(&[1.0, 2.0, 2.0, 1.0]).is_err()); // not reciprocal
        assert!(ahp(&[1.0, 2.0, 0.5]).is_err()); // not square
        assert!(ahp(&[2.0]).is_err()); // diagonal
        assert!(ahp(&[1.0, -1.0, -1.0, 1.0]).is_err());
        let two = ahp(&[1.0, 3.0, 1.0 / 3.0, 1.0]).unwrap();
        assert_eq!(two.consistency_ratio, None);
        assert!(two.is_consistent());
        assert!((two.weights[0] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn composite_degenerate_inputs() {
        let b = [Direction::Benefit, Direction::Benefit];
        assert!(matches!(
            entropy_weights(&[1.0, 2.0], &b),
            Err(MetricError::TooFew { .. })
        ));
        assert!(matches!(
            entropy_weights(&[1.0, 1.0, 1.0, 1.0], &b),
            Err(MetricError::NoActivity(_))
        ));
        assert!(topsis(&[1.0, 1.0, 1.0, 1.0], &[1.0, 1.0], &b).is_err());
        assert!(topsis(&[0.0, 1.0, 0.0, 2.0], &[1.0, 1.0], &b).is_err());
        assert!(topsis(&[1.0, 1.0, 2.0, 2.0], &[1.0], &b).is_err());
        assert!(coupling_coordination(0.0, 0.0, 0.5, 0.5).is_err());
        assert!(coupling_coordination(1.2, 0.5, 0.5, 0.5).is_err());
        assert!(coupling_coordination(0.2, 0.5, 0.6, 0.5).is_err());
    }

    #[test]
    fn entropy_weights_by_hand() {
        // criterion 0 (benefit) normalises to (0, 0.5, 1): p = (0, 1/3, 2/3);
        // criterion 1 (cost) normalises to (0, 0, 1): p = (0, 0, 1), entropy 0.
        let x = [1.0, 9.0, 2.0, 9.0, 3.0, 4.0];
        let w = entropy_weights(&x, &[Direction::Benefit, Direction::Cost]).unwrap();
        let third: f64 = 1.0 / 3.0;
        let e0 = -(third * third.ln() + 2.0 * third * (2.0 * third).ln()) / 3f64.ln();
        let (d0, d1) = (1.0 - e0, 1.0);
        assert!((w[0] - d0 / (d0 + d1)).abs() < 1e-12);
        assert!((w[1] - d1 / (d0 + d1)).abs() < 1e-12);
    }

    #[test]
    fn topsis_is_invariant_to_the_scale_of_the_weights() {
        let x = [3.0, 7.0, 1.0, 5.0, 2.0, 9.0, 4.0, 4.0, 6.0];
        let d = [Direction::Benefit, Direction::Cost, Direction::Benefit];
        let a = topsis(&x, &[0.2, 0.3, 0.5], &d).unwrap();
        let b = topsis(&x, &[2.0, 3.0, 5.0], &d).unwrap();
        for (p, q) in a.iter().zip(&b) {
            assert!((p - q).abs() < 1e-12);
        }
    }

    #[test]
    fn coupling_of_unequal_systems() {
        let c = coupling_coordination(0.8, 0.2, 0.6, 0.4).unwrap();
        assert!((c.coupling - 2.0 * 0.16f64.sqrt()).abs() < 1e-12); // 2·0.4/1.0 = 0.8
        assert!((c.development - 0.56).abs() < 1e-12);
        assert!((c.coordination - (0.8f64 * 0.56).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn cost_criteria_reverse_the_order() {
        let c = topsis(&[1.0, 2.0, 3.0], &[1.0], &[Direction::Cost]).unwrap();
        assert_eq!(c, vec![1.0, 0.5, 0.0]);
    }
}
