//! Worked examples with hand-checkable numbers and property tests.

use super::*;
use crate::metrics::MetricError;
use proptest::prelude::*;

fn close(got: f64, want: f64, tol: f64) -> bool {
    (got - want).abs() <= tol * want.abs().max(1.0)
}

fn assert_all_close(got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len());
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(close(*g, *w, tol), "entry {k}: got {g}, want {w}");
    }
}

/// Miller & Blair (2009), §2.3, the two-sector example: Z = [[150, 500], [200, 100]],
/// f = [350, 1700], x = [1000, 2000].
fn miller_blair() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    (
        vec![150.0, 500.0, 200.0, 100.0],
        vec![1000.0, 2000.0],
        vec![350.0, 1700.0],
    )
}

#[test]
fn miller_blair_two_sector_example() {
    let (z, x, f) = miller_blair();
    let y: Vec<f64> = f.clone();
    assert_eq!(gross_output_from_flows(&z, 2, &y, 1).unwrap(), x);
    let a = technical_coefficients(&z, &x).unwrap();
    assert_all_close(&a, &[0.15, 0.25, 0.20, 0.05], 1e-15);
    // det(I − A) = 0.85·0.95 − 0.25·0.20 = 0.7575; L = adj(I − A) / det.
    let l = leontief_inverse(&a, 2).unwrap();
    let d = 0.7575;
    assert_all_close(&l, &[0.95 / d, 0.25 / d, 0.20 / d, 0.85 / d], 1e-14);
    assert!(close(l[0], 1.254125412541254, 1e-14));
    // x = L f reproduces gross output.
    let x_back = [l[0] * f[0] + l[1] * f[1], l[2] * f[0] + l[3] * f[1]];
    assert_all_close(&x_back, &x, 1e-13);
    // Output multipliers: (0.95 + 0.20)/0.7575 and (0.25 + 0.85)/0.7575.
    assert_all_close(
        &output_multipliers(&l, 2).unwrap(),
        &[1.15 / d, 1.10 / d],
        1e-14,
    );
    // Value added closes the columns (650 and 1400), so every VA multiplier is 1.
    let v = direct_coefficients(&[650.0, 1400.0], &x).unwrap();
    assert_all_close(&v, &[0.65, 0.70], 1e-15);
    let vm = coefficient_multipliers(&v, &l).unwrap();
    assert_all_close(&vm, &[1.0, 1.0], 1e-14);
    let t = type_i_multipliers(&v, &vm).unwrap();
    assert!(close(t[0].unwrap(), 1.0 / 0.65, 1e-14));
    assert!(close(t[1].unwrap(), 1.0 / 0.70, 1e-14));
    // Rasmussen: column sums 1.15/d, 1.10/d; mean 1.125/d.
    assert_all_close(
        &backward_linkages(&l, 2).unwrap(),
        &[1.15 / 1.125, 1.10 / 1.125],
        1e-14,
    );
    // Row sums 1.20/d and 1.05/d, mean 1.125/d.
    assert_all_close(
        &forward_linkages(&l, 2).unwrap(),
        &[1.20 / 1.125, 1.05 / 1.125],
        1e-14,
    );
}

#[test]
fn ghosh_on_the_two_sector_example() {
    let (z, x, _) = miller_blair();
    let b = allocation_coefficients(&z, &x).unwrap();
    assert_all_close(&b, &[0.15, 0.50, 0.10, 0.05], 1e-15);
    // det(I − B) = 0.85·0.95 − 0.5·0.1 = 0.7575 as well (B is similar to A).
    let g = ghosh_inverse(&b, 2).unwrap();
    let d = 0.7575;
    assert_all_close(&g, &[0.95 / d, 0.50 / d, 0.10 / d, 0.85 / d], 1e-14);
    assert_all_close(
        &direct_forward_linkages(&b, 2).unwrap(),
        &[0.65, 0.15],
        1e-15,
    );
    assert_all_close(
        &direct_backward_linkages(&technical_coefficients(&z, &x).unwrap(), 2).unwrap(),
        &[0.35, 0.30],
        1e-15,
    );
}

#[test]
fn zero_output_gives_zero_coefficients() {
    let z = [1.0, 0.0, 2.0, 0.0];
    let x = [10.0, 0.0];
    assert_eq!(
        technical_coefficients(&z, &x).unwrap(),
        vec![0.1, 0.0, 0.2, 0.0]
    );
    assert_eq!(
        allocation_coefficients(&z, &x).unwrap(),
        vec![0.1, 0.0, 0.0, 0.0]
    );
    assert_eq!(
        direct_coefficients(&[3.0, 4.0], &x).unwrap(),
        vec![0.3, 0.0]
    );
    assert_eq!(
        type_i_multipliers(&[0.3, 0.0], &[0.5, 0.2]).unwrap(),
        vec![Some(0.5 / 0.3), None]
    );
}

#[test]
fn bad_inputs_are_named_errors() {
    assert!(matches!(
        technical_coefficients(&[1.0, -2.0, 0.0, 1.0], &[1.0, 1.0]),
        Err(MetricError::Negative { ref at, .. }) if at == "row 0, column 1"
    ));
    assert!(matches!(
        leontief_inverse(&[0.1, f64::NAN, 0.0, 0.1], 2),
        Err(MetricError::NonFinite { ref at, .. }) if at == "row 0, column 1"
    ));
    assert!(matches!(
        leontief_inverse(&[0.1; 3], 2),
        Err(MetricError::Shape {
            expected: 4,
            got: 3,
            ..
        })
    ));
    assert!(matches!(
        leontief_inverse(&[], 0),
        Err(MetricError::TooFew { .. })
    ));
}

#[test]
fn power_iteration_settles_what_the_norm_bound_cannot() {
    // Column sums 0.5 and 1.5, row sums 1.5 and 0.5: the norm bound is 1.5, yet
    // ρ = √(1.5·0.5) = 0.866 (a periodic matrix, which the shift by I handles).
    let a = [0.0, 1.5, 0.5, 0.0];
    let p = productivity(&a, 2).unwrap();
    let Productivity::Bounds { lower, upper } = p else {
        panic!("{p:?}")
    };
    assert!(lower <= 0.75_f64.sqrt() + 1e-12 && upper >= 0.75_f64.sqrt() - 1e-12);
    assert!(p.is_productive());
    // (I − A)⁻¹ = [[1, 1.5], [0.5, 1]] / (1 − 0.75).
    assert_all_close(
        &leontief_inverse(&a, 2).unwrap(),
        &[4.0, 6.0, 2.0, 4.0],
        1e-14,
    );

    // ρ = √(2.5·0.5) = 1.118 with column sums 0.5 and 2.5: not productive.
    let err = leontief_inverse(&[0.0, 2.5, 0.5, 0.0], 2).unwrap_err();
    let MetricError::NotProductive { spectral_radius } = err else {
        panic!("{err:?}")
    };
    assert!(
        close(spectral_radius, 1.25_f64.sqrt(), 1e-9),
        "{spectral_radius}"
    );
}

#[test]
fn closed_model_is_singular() {
    // Column sums exactly 1: I − A has the left null vector 1ᵀ.
    let a = [0.5, 0.25, 0.5, 0.75];
    assert!(matches!(
        leontief_inverse(&a, 2),
        Err(MetricError::Singular { column: 1, .. })
    ));
}

#[test]
fn hypothetical_extraction_on_the_two_sector_example() {
    let (z, x, f) = miller_blair();
    let a = technical_coefficients(&z, &x).unwrap();
    // Complete: sector 2 alone, x̄₂ = 1700 / 0.95.
    let c = hypothetical_extraction(&a, 2, &f, 0, Extraction::Complete).unwrap();
    assert!(close(c.total_output, 3000.0, 1e-13));
    assert!(close(c.extracted_output, 1700.0 / 0.95, 1e-13));
    assert!(close(c.loss, 3000.0 - 1700.0 / 0.95, 1e-12));
    assert!(close(
        c.relative_loss,
        (3000.0 - 1700.0 / 0.95) / 3000.0,
        1e-12
    ));
    // Backward: column 1 zeroed; x₂ = 1700/0.95, x₁ = 350 + 0.25 x₂.
    let b = hypothetical_extraction(&a, 2, &f, 0, Extraction::Backward).unwrap();
    let x2 = 1700.0 / 0.95;
    assert!(close(b.extracted_output, 350.0 + 0.25 * x2 + x2, 1e-13));
    // Forward: row 1 zeroed; x₁ = 350, x₂ = (1700 + 0.2·350)/0.95.
    let fw = hypothetical_extraction(&a, 2, &f, 0, Extraction::Forward).unwrap();
    assert!(close(fw.extracted_output, 350.0 + 1770.0 / 0.95, 1e-13));
    let all = hypothetical_extraction_all(&a, 2, &f, Extraction::Complete).unwrap();
    assert_eq!(all[0], c);
    // Sector 1 alone: x̄₁ = 350 / 0.85.
    assert!(close(all[1].extracted_output, 350.0 / 0.85, 1e-13));
    assert!(matches!(
        hypothetical_extraction(&a, 2, &f, 2, Extraction::Complete),
        Err(MetricError::IndexOutOfRange {
            index: 2,
            len: 2,
            ..
        })
    ));
    assert!(matches!(
        hypothetical_extraction(&a, 2, &[0.0, 0.0], 0, Extraction::Complete),
        Err(MetricError::NoActivity(_))
    ));
}

/// National employment [100, 200, 700], regional [20, 10, 70]: SLQ = [2, 0.5, 1].
fn regional_example() -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let a = vec![0.1, 0.2, 0.3, 0.2, 0.1, 0.2, 0.1, 0.3, 0.1];
    (a, vec![20.0, 10.0, 70.0], vec![100.0, 200.0, 700.0])
}

#[test]
fn regionalisation_worked_example() {
    let (a, r, nat) = regional_example();
    assert_all_close(
        &simple_location_quotients(&r, &nat).unwrap(),
        &[2.0, 0.5, 1.0],
        1e-15,
    );

    // SLQ: only the row of sector 2 (SLQ 0.5) is scaled.
    let slq = regionalise_coefficients(&a, 3, &r, &nat, LqMethod::Slq).unwrap();
    assert_all_close(&slq, &[0.1, 0.2, 0.3, 0.1, 0.05, 0.1, 0.1, 0.3, 0.1], 1e-15);

    // CILQ_ij = SLQ_i / SLQ_j, SLQ_i on the diagonal:
    // [[2, 4, 2], [0.25, 0.5, 0.5], [0.5, 2, 1]] -> caps [[1,1,1],[.25,.5,.5],[.5,1,1]].
    let cilq = cross_industry_location_quotients(&r, &nat).unwrap();
    let cilq: Vec<f64> = cilq.into_iter().map(Option::unwrap).collect();
    assert_all_close(
        &cilq,
        &[2.0, 4.0, 2.0, 0.25, 0.5, 0.5, 0.5, 2.0, 1.0],
        1e-15,
    );
    let ac = regionalise_coefficients(&a, 3, &r, &nat, LqMethod::Cilq).unwrap();
    assert_all_close(
        &ac,
        &[0.1, 0.2, 0.3, 0.05, 0.05, 0.1, 0.05, 0.3, 0.1],
        1e-15,
    );

    // λ = [log2(1 + 100/1000)]^0.3 = 0.13750352374993502^0.3 = 0.5514347723323603
    // (computed independently with Python's math.log2 and **).
    let lambda = flegg_lambda(100.0, 1000.0, 0.3).unwrap();
    assert!(close(lambda, 0.551_434_772_332_360_3, 1e-15), "{lambda}");
    // FLQ = λ·CILQ: row 1 all ≥ 1.10 -> capped at 1; row 2 = λ·[.25,.5,.5];
    // row 3 = [λ·0.5, min(1, 2λ) = 1, λ·1].
    let af = regionalise_coefficients(&a, 3, &r, &nat, LqMethod::default()).unwrap();
    let want = [
        0.1,
        0.2,
        0.3,
        0.2 * 0.25 * lambda,
        0.1 * 0.5 * lambda,
        0.2 * 0.5 * lambda,
        0.1 * 0.5 * lambda,
        0.3,
        0.1 * lambda,
    ];
    assert_all_close(&af, &want, 1e-15);
    // δ = 0 gives λ = 1, so FLQ = CILQ.
    assert_eq!(
        regionalise_coefficients(&a, 3, &r, &nat, LqMethod::Flq { delta: 0.0 }).unwrap(),
        ac
    );
}

#[test]
fn regionalisation_degenerate_cases() {
    let (a, _, nat) = regional_example();
    // Sector 2 absent from the region: its row vanishes; column 2 keeps national values
    // where the seller is present (CILQ = +∞ capped at 1).
    let r = [20.0, 0.0, 80.0];
    let ac = regionalise_coefficients(&a, 3, &r, &nat, LqMethod::Cilq).unwrap();
    assert_eq!(&ac[3..6], &[0.0, 0.0, 0.0]);
    assert_eq!(ac[1], 0.2);
    assert_eq!(
        cross_industry_location_quotients(&r, &nat).unwrap()[1],
        None
    );
    assert!(matches!(
        simple_location_quotients(&[1.0, 1.0], &[0.0, 5.0]),
        Err(MetricError::ZeroDenominator { ref at, .. }) if at == "sector 0"
    ));
    assert!(matches!(
        simple_location_quotients(&[0.0, 0.0], &[1.0, 5.0]),
        Err(MetricError::NoActivity(_))
    ));
    assert!(matches!(
        flegg_lambda(1.0, 10.0, 1.0),
        Err(MetricError::OutOfRange { ref parameter, value: 1.0, .. }) if parameter == "delta"
    ));
    assert!(matches!(
        flegg_lambda(11.0, 10.0, 0.3),
        Err(MetricError::OutOfRange { ref parameter, value: 11.0, .. })
            if parameter == "the regional total"
    ));
}

/// A random productive non-negative matrix: column sums drawn in (0, 0.95).
fn productive() -> impl Strategy<Value = (usize, Vec<f64>)> {
    (1usize..24).prop_flat_map(|n| {
        (
            Just(n),
            proptest::collection::vec(0.0f64..1.0, n * n),
            proptest::collection::vec(0.0f64..0.95, n),
        )
            .prop_map(|(n, raw, sums)| (n, scale_columns(n, raw, &sums)))
    })
}

/// Rescales the columns of `raw` to the given sums (an all-zero column stays zero).
fn scale_columns(n: usize, mut raw: Vec<f64>, sums: &[f64]) -> Vec<f64> {
    for j in 0..n {
        let s: f64 = (0..n).map(|i| raw[i * n + j]).sum();
        for i in 0..n {
            raw[i * n + j] = if s > 0.0 {
                raw[i * n + j] * sums[j] / s
            } else {
                0.0
            };
        }
    }
    raw
}

proptest! {
    #[test]
    fn leontief_inverse_inverts((n, a) in productive()) {
        let l = leontief_inverse(&a, n).unwrap();
        // L (I − A) = I and L ≥ 0.
        for i in 0..n {
            for j in 0..n {
                let la: f64 = (0..n).map(|k| l[i * n + k] * a[k * n + j]).sum();
                let want = if i == j { 1.0 } else { 0.0 };
                prop_assert!((l[i * n + j] - la - want).abs() <= 1e-12, "({i},{j})");
                prop_assert!(l[i * n + j] >= 0.0);
            }
        }
    }

    #[test]
    fn rasmussen_indices_average_one((n, a) in productive()) {
        let l = leontief_inverse(&a, n).unwrap();
        for idx in [backward_linkages(&l, n).unwrap(), forward_linkages(&l, n).unwrap()] {
            let mean = idx.iter().sum::<f64>() / n as f64;
            prop_assert!((mean - 1.0).abs() <= 1e-13, "mean {mean}");
        }
    }

    #[test]
    fn column_sums_above_one_are_not_productive(
        (n, a) in (1usize..24).prop_flat_map(|n| (
            Just(n),
            proptest::collection::vec(0.01f64..1.0, n * n),
            proptest::collection::vec(1.001f64..3.0, n),
        ).prop_map(|(n, raw, sums)| (n, scale_columns(n, raw, &sums))))
    ) {
        let err = leontief_inverse(&a, n).unwrap_err();
        let is_not_productive = matches!(err, MetricError::NotProductive { spectral_radius } if spectral_radius >= 1.0);
        prop_assert!(is_not_productive, "{err:?}");
    }

    /// A column-stochastic A with dyadic entries (k_ij / 64, columns summing to exactly
    /// 1) has 1ᵀ(I − A) = 0: singular.
    #[test]
    fn closed_models_are_singular(
        (n, counts) in (2usize..16).prop_flat_map(|n| (
            Just(n),
            proptest::collection::vec(proptest::collection::vec(1u32..100, n), n),
        ))
    ) {
        let mut a = vec![0.0; n * n];
        for (j, col) in counts.iter().enumerate() {
            // Split 64 into n positive parts proportional to the draws (largest remainder
            // goes to the last row), so every column sums to 64/64 exactly.
            let total: u32 = col.iter().sum();
            let mut left = 64u32;
            for (i, c) in col.iter().enumerate() {
                let k = if i + 1 == n { left } else { (64 * c / total).min(left) };
                left -= k;
                a[i * n + j] = f64::from(k) / 64.0;
            }
        }
        let err = leontief_inverse(&a, n).unwrap_err();
        prop_assert!(matches!(err, MetricError::Singular { .. }), "{err:?}");
    }
}
