use super::*;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// The seeded survey of `tests/golden/inputs/assessment_survey.csv`: 60 respondents x 6 items,
/// seven skipped answers (empty cells).
fn survey() -> Vec<Vec<Option<f64>>> {
    let text = std::fs::read_to_string(format!("{GOLDEN}/inputs/assessment_survey.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .skip(1)
                .map(|c| (!c.is_empty()).then(|| c.parse().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn cronbach_alpha_matches_pingouin() {
    let survey = survey();
    let golden = std::fs::read_to_string(format!("{GOLDEN}/outputs/assessment_alpha.csv")).unwrap();
    for line in golden.lines().skip(1) {
        let c: Vec<&str> = line.split(',').collect();
        let items: usize = c[1].parse().unwrap();
        let rows: Vec<&Vec<Option<f64>>> = match c[0] {
            "complete_only" => survey
                .iter()
                .filter(|r| r.iter().all(Option::is_some))
                .collect(),
            _ => survey.iter().collect(),
        };
        let flat: Vec<Option<f64>> = rows.iter().flat_map(|r| r[..items].to_vec()).collect();
        let a = cronbach_alpha(&flat, items, 0.95).unwrap();
        let f = |i: usize| c[i].parse::<f64>().unwrap();
        assert_eq!(
            (a.respondents, a.dropped),
            (c[2].parse().unwrap(), c[3].parse().unwrap())
        );
        close(a.alpha, f(4), 1e-12, c[0]);
        close(a.ci.0, f(5), 1e-9, "lower");
        close(a.ci.1, f(6), 1e-9, "upper");
        if c[0] == "complete_only" {
            // pingouin's own (rounded) interval, where it counts the same respondents.
            assert!((a.ci.0 - f(7)).abs() < 5e-4 && (a.ci.1 - f(8)).abs() < 5e-4);
        }
    }
}

#[test]
fn cronbach_alpha_worked_example() {
    // Four respondents, three items, computed by hand.
    let answers = [
        1.0, 2.0, 2.0, //
        2.0, 2.0, 3.0, //
        3.0, 4.0, 3.0, //
        4.0, 4.0, 4.0,
    ];
    let flat: Vec<Option<f64>> = answers.iter().copied().map(Some).collect();
    // Item variances: 5/3, 4/3, 2/3 (sum 11/3); totals 5, 7, 10, 12: mean 8.5, variance 29/3.
    // α = 3/2 · (1 − (11/3)/(29/3)) = 1.5 · 18/29 = 27/29.
    let a = cronbach_alpha(&flat, 3, 0.95).unwrap();
    close(a.alpha, 27.0 / 29.0, 1e-14, "alpha");
    assert!(a.ci.0 < a.alpha && a.alpha < a.ci.1);
    assert_eq!((a.respondents, a.dropped, a.items), (4, 0, 3));
}

#[test]
fn cronbach_alpha_refuses_what_it_cannot_compute() {
    let some = |v: &[f64]| v.iter().copied().map(Some).collect::<Vec<_>>();
    assert!(matches!(
        cronbach_alpha(&some(&[1.0, 2.0]), 1, 0.95),
        Err(MetricError::TooFew { .. })
    ));
    assert!(matches!(
        cronbach_alpha(&some(&[1.0, 2.0, 3.0]), 2, 0.95),
        Err(MetricError::Shape { .. })
    ));
    let same = some(&[3.0, 3.0, 3.0, 3.0]);
    assert!(matches!(
        cronbach_alpha(&same, 2, 0.95),
        Err(MetricError::NoVariation { .. })
    ));
    let one_left = [Some(1.0), None, Some(2.0), Some(3.0)];
    assert!(matches!(
        cronbach_alpha(&one_left, 2, 0.95),
        Err(MetricError::TooFew { got: 1, .. })
    ));
    let inf = [Some(1.0), Some(f64::INFINITY), Some(2.0), Some(3.0)];
    assert!(matches!(
        cronbach_alpha(&inf, 2, 0.95),
        Err(MetricError::NonFinite { .. })
    ));
    assert!(matches!(
        cronbach_alpha(&some(&[1.0, 2.0, 2.0, 4.0]), 2, 1.5),
        Err(MetricError::OutOfRange { .. })
    ));
}

#[test]
fn the_f_inverse_inverts_the_survival_function() {
    for (p, d1, d2) in [
        (0.025, 53.0, 265.0),
        (0.975, 53.0, 265.0),
        (0.5, 3.0, 7.0),
        (0.001, 1.0, 1.0),
    ] {
        let x = f_isf(p, d1, d2);
        close(f_sf(x, d1, d2), p, 1e-10, "sf(isf(p))");
    }
}

#[test]
fn benchmark_scores_sum_capped_ratios_and_leave_missing_units_out() {
    let indicators = [
        BenchmarkIndicator {
            benchmark: 20.0,
            direction: Direction::Benefit,
            weight: 30.0,
            cap: 1.5,
        },
        BenchmarkIndicator {
            benchmark: 0.5,
            direction: Direction::Cost,
            weight: 20.0,
            cap: 1.5,
        },
    ];
    let values = [
        Some(10.0),
        Some(0.5), // 15 + 20
        Some(60.0),
        Some(0.0), // capped: 45 + 30
        None,
        Some(0.25), // missing tax: no score
    ];
    let s = benchmark_scores(&values, &indicators).unwrap();
    assert_eq!(s, vec![Some(35.0), Some(75.0), None]);
    let bad = [Some(-1.0), Some(0.5)];
    match benchmark_scores(&bad, &indicators) {
        Err(MetricError::Negative { at, .. }) => assert!(at.contains("value"), "{at}"),
        other => panic!("{other:?}"),
    }
    let e = benchmark_scores(&values[..3], &indicators).unwrap_err();
    assert!(matches!(e, MetricError::Shape { .. }));
    let zero_benchmark = BenchmarkIndicator {
        benchmark: 0.0,
        ..indicators[0]
    };
    assert!(matches!(
        benchmark_scores(&[Some(1.0)], &[zero_benchmark]),
        Err(MetricError::OutOfRange { .. })
    ));
}

#[test]
fn tiers_by_thresholds_and_by_shares() {
    let minimums = [90.0, 75.0, 60.0];
    let tiers: Vec<usize> = [95.0, 90.0, 89.9, 60.0, 59.9]
        .iter()
        .map(|s| tier_by_thresholds(*s, &minimums).unwrap())
        .collect();
    assert_eq!(tiers, vec![0, 0, 1, 2, 3]);
    assert!(
        tier_by_thresholds(50.0, &[60.0, 75.0]).is_err(),
        "must decrease"
    );
    assert!(tier_by_thresholds(f64::NAN, &minimums).is_err());
    // A tie at the boundary goes to the better tier: ranks 1, 2, 2, 4, 5.
    let scores = [10.0, 8.0, 8.0, 5.0, 1.0];
    assert_eq!(
        tiers_by_shares(&scores, &[0.4, 0.4, 0.2]).unwrap(),
        vec![0, 0, 0, 1, 2]
    );
    assert_eq!(competition_ranks(&scores), vec![1, 2, 2, 4, 5]);
    assert!(
        tiers_by_shares(&scores, &[0.5, 0.4]).is_err(),
        "shares sum to 0.9"
    );
    assert!(tiers_by_shares(&[1.0, f64::NAN], &[1.0]).is_err());
}

#[test]
fn tiers_never_rank_a_higher_score_below_a_lower_one() {
    // A deterministic spread of scores with ties.
    let scores: Vec<f64> = (0..97).map(|i| ((i * 37) % 23) as f64).collect();
    let tiers = tiers_by_shares(&scores, &[0.1, 0.3, 0.4, 0.2]).unwrap();
    for i in 0..scores.len() {
        for j in 0..scores.len() {
            if scores[i] > scores[j] {
                assert!(tiers[i] <= tiers[j], "{i} {j}");
            }
        }
    }
}
