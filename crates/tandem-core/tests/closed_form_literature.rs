//! Worked examples from the literature for the closed-form indicators, checked to the
//! precision the sources print.

use tandem_core::metrics::composite::{ahp, topsis, Direction};
use tandem_core::metrics::disparity::gini;

/// Saaty (1977), "A scaling method for priorities in hierarchical structures", J. Math.
/// Psychology 15(3), the light-intensity experiment (four chairs at increasing distance
/// from a light): the observer's matrix gives priorities ≈ (0.61, 0.24, 0.10, 0.05) and
/// λ_max = 4.39, i.e. CI = 0.13 and CR = 0.13/0.90 ≈ 0.14 > 0.1 (judgements not acceptably
/// consistent).
#[test]
fn ahp_saaty_light_intensity_example() {
    let a = [
        1.0,
        5.0,
        6.0,
        7.0,
        1.0 / 5.0,
        1.0,
        4.0,
        6.0,
        1.0 / 6.0,
        1.0 / 4.0,
        1.0,
        4.0,
        1.0 / 7.0,
        1.0 / 6.0,
        1.0 / 4.0,
        1.0,
    ];
    let r = ahp(&a).unwrap();
    assert!(
        (r.lambda_max - 4.39).abs() < 0.005,
        "λ_max = {}",
        r.lambda_max
    );
    for (w, published) in r.weights.iter().zip([0.61, 0.24, 0.10, 0.05]) {
        assert!((w - published).abs() < 0.01, "{:?}", r.weights);
    }
    assert!((r.consistency_index - 0.13).abs() < 0.005);
    let cr = r.consistency_ratio.unwrap();
    assert!((cr - 0.14).abs() < 0.01, "CR = {cr}");
    assert!(!r.is_consistent());
}

/// Hwang & Yoon (1981), *Multiple Attribute Decision Making*, the fighter-aircraft example:
/// four aircraft, six criteria (max speed, ferry range, max payload, acquisition cost
/// [cost], reliability, manoeuvrability), weights (0.2, 0.1, 0.1, 0.1, 0.2, 0.3). The book
/// reports relative closeness ≈ 0.643, 0.268, 0.613, 0.312 (ranking A1 > A3 > A4 > A2),
/// computed with rounded intermediate values, hence the 2e-3 tolerance.
#[test]
fn topsis_hwang_yoon_fighter_aircraft_example() {
    use Direction::{Benefit, Cost};
    #[rustfmt::skip]
    let x = [
        2.0, 1500.0, 20000.0, 5.5, 5.0, 9.0,
        2.5, 2700.0, 18000.0, 6.5, 3.0, 5.0,
        1.8, 2000.0, 21000.0, 4.5, 7.0, 7.0,
        2.2, 1800.0, 20000.0, 5.0, 5.0, 5.0,
    ];
    let c = topsis(
        &x,
        &[0.2, 0.1, 0.1, 0.1, 0.2, 0.3],
        &[Benefit, Benefit, Benefit, Cost, Benefit, Benefit],
    )
    .unwrap();
    for (got, published) in c.iter().zip([0.643, 0.268, 0.613, 0.312]) {
        assert!((got - published).abs() < 2e-3, "{c:?}");
    }
    let mut order: Vec<usize> = (0..4).collect();
    order.sort_by(|a, b| c[*b].total_cmp(&c[*a]));
    assert_eq!(order, vec![0, 2, 3, 1]);
}

/// The n-normalised Gini of 1..5: Σ_ij |x_i − x_j| = 40, 2 n² μ = 150, G = 0.2667.
#[test]
fn gini_of_one_to_five() {
    let g = gini(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    assert!((g - 0.2667).abs() < 5e-5);
    assert!((g - 40.0 / 150.0).abs() < 1e-15);
}
