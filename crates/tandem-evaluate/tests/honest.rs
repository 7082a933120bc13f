//! Tests of the Rambachan-Roth sensitivity analysis (`tandem_evaluate::honest`).
//!
//! There is no golden file for this estimator (no Python package implements it and R/CRAN is
//! not reachable here). References:
//!
//! 1. HonestDiD (R) results on its `BCdata_EventStudy` (Benzarti & Carloni 2019, the paper's
//!    §6.1 example: 4 pre and 4 post periods), as recorded in the public test fixtures of two
//!    ports that ran the R package: `anzonyquispe/honestdid` `tests/r_test_results.json`
//!    (17 significant digits; produced by its `tests/test_honestdid.R`) and `eohne/HonestDiD.jl`
//!    `test/reference.jl` (10 significant digits, also the source of β̂ and Σ below).
//! 2. Analytic cases (Δ^SD(0), Δ^RM(0), linear pre-trends, Σ -> 0).
//! 3. Property tests (nesting in M, monotone FLCI length).
//!
//! Agreement with HonestDiD: every grid-based confidence set (C-LF and Conditional, Δ^RM and
//! Δ^SD) reproduces R's endpoints exactly (same grid point; residual ~1e-11 from the 10-digit
//! inputs); FLCI endpoints within 1e-3 (R simulates its folded-normal quantile, see the unit
//! test `difference_from_honestdid_is_its_simulated_quantile`).

use proptest::prelude::*;
use tandem_evaluate::honest::*;

/// `BCdata_EventStudy$betahat` (HonestDiD.jl test/reference.jl).
const BC_BETAHAT: [f64; 8] = [
    0.006696351804,
    0.02934503369,
    -0.006472972222,
    0.0730149895,
    0.1959611177,
    0.3120639026,
    0.2395415455,
    0.1260425001,
];

/// `BCdata_EventStudy$sigma`, row-major (HonestDiD.jl test/reference.jl).
#[rustfmt::skip]
const BC_SIGMA: [f64; 64] = [
    0.0008428358124, 0.0004768686777, 0.0002618051076, 0.0002354220342, 0.0001676371467, 0.0001128707663, 1.992816215e-05, -0.0001368265366,
    0.0004768686777, 0.0006425420288, 0.0003987425007, 0.0002435515198, 0.0002201960306, 0.0001804591157, 3.84376508e-05, -2.960421989e-05,
    0.0002618051076, 0.0003987425007, 0.0005229949602, 0.000211768609, 0.0001840722252, 0.000145852784, 7.005197403e-05, 5.952994979e-05,
    0.0002354220342, 0.0002435515198, 0.000211768609, 0.0003089595411, 0.0001197866077, 0.0001334081317, 0.0001016335009, 0.0001079051726,
    0.0001676371467, 0.0002201960306, 0.0001840722252, 0.0001197866077, 0.000359970436, 0.0002478818642, 0.0001749579242, 0.0001654256921,
    0.0001128707663, 0.0001804591157, 0.000145852784, 0.0001334081317, 0.0002478818642, 0.0004263949813, 0.0002171437809, 0.0002892747871,
    1.992816215e-05, 3.84376508e-05, 7.005197403e-05, 0.0001016335009, 0.0001749579242, 0.0002171437809, 0.0004886697861, 0.0003805322049,
    -0.0001368265366, -2.960421989e-05, 5.952994979e-05, 0.0001079051726, 0.0001654256921, 0.0002892747871, 0.0003805322049, 0.000761739444,
];

fn bc() -> EventStudy<'static> {
    EventStudy {
        betahat: &BC_BETAHAT,
        sigma: &BC_SIGMA,
        num_pre: 4,
        num_post: 4,
    }
}

fn opts() -> HonestOptions {
    HonestOptions::default()
}

fn grid(points: usize) -> HonestOptions {
    HonestOptions {
        grid_points: points,
        ..HonestOptions::default()
    }
}

/// Asserts `got` within `tol` of `want`, with context.
fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (diff {:.3e})",
        (got - want).abs()
    );
}

fn ci_close(ci: Option<Interval>, want: (f64, f64), tol: f64, what: &str) {
    let ci = ci.unwrap_or_else(|| panic!("{what}: empty confidence set"));
    close(ci.lb, want.0, tol, &format!("{what} lb"));
    close(ci.ub, want.1, tol, &format!("{what} ub"));
}

/// Grid-based sets: R's endpoints are grid points; our grid is built from the same rule, so the
/// endpoints coincide up to the rounding of the 10-digit inputs.
const GRID_TOL: f64 = 1e-8;

// ---------------------------------------------------------------- HonestDiD on BCdata

#[test]
fn r_original_ci() {
    // r_test_results.json bcdata.originalCS
    let o = original_ci(&bc(), &opts()).unwrap();
    close(o.lb, 0.158_774_942_807_650_34, 1e-9, "lb");
    close(o.ub, 0.233_147_292_681_241_26, 1e-9, "ub");
}

#[test]
fn r_relative_magnitudes_c_lf_default_grid() {
    // r_test_results.json bcdata.deltaRM: createSensitivityResults_relativeMagnitudes, C-LF,
    // 1,000 grid points on ±20 sd(θ̂), seed 0. The upper end at M̄ = 2 is the grid's end.
    let want = [
        (0.5, 0.118_129_485_781_773_46, 0.271_583_866_025_620_6),
        (1.0, 0.067_231_250_750_398_43, 0.318_683_725_308_385_7),
        (1.5, 0.013_294_315_120_135_292, 0.369_581_960_339_760_7),
        (2.0, -0.042_161_970_809_571_85, 0.379_457_737_286_146_9),
    ];
    let mbars: Vec<f64> = want.iter().map(|w| w.0).collect();
    let res = sensitivity_relative_magnitudes(
        &bc(),
        &mbars,
        RelativeMagnitudesMethod::ConditionalLeastFavorable,
        &opts(),
    )
    .unwrap();
    assert_eq!(res.method, "C-LF");
    assert_eq!(res.delta, "DeltaRM");
    for (row, (mbar, lb, ub)) in res.rows.iter().zip(want) {
        ci_close(row.ci, (lb, ub), GRID_TOL, &format!("C-LF Mbar={mbar}"));
    }
    assert!(res.rows[3].open_at_grid_edge && !res.rows[0].open_at_grid_edge);
    assert_eq!(res.breakdown_on_grid, Some(2.0));
}

#[test]
fn r_relative_magnitudes_200_points() {
    // reference.jl CCS_RM_ARP and LF_RM: computeConditionalCS_DeltaRM, M̄ = 1, 200 grid points,
    // hybrid "ARP" and "LF" (the two coincide on this grid).
    let want = (0.070_552_443_62, 0.318_439_407_7);
    for method in [
        RelativeMagnitudesMethod::Conditional,
        RelativeMagnitudesMethod::ConditionalLeastFavorable,
    ] {
        let cs = conditional_cs_relative_magnitudes(&bc(), 1.0, method, &grid(200)).unwrap();
        ci_close(cs.ci, want, 1e-10, method.name());
        assert_eq!(cs.grid.len(), 200);
    }
}

#[test]
fn r_smoothness_conditional() {
    // reference.jl SENS_COND: createSensitivityResults(method = "Conditional"), 1,000 points.
    let want = [
        (0.0, 0.210_050_178_9, 0.327_799_827_1),
        (0.1, 0.119_504_481_1, 0.418_025_714_9),
        (0.2, 0.020_301_322_13, 0.517_973_733_1),
    ];
    let ms: Vec<f64> = want.iter().map(|w| w.0).collect();
    let res = sensitivity_smoothness(&bc(), &ms, SmoothnessMethod::Conditional, &opts()).unwrap();
    for (row, (m, lb, ub)) in res.rows.iter().zip(want) {
        ci_close(row.ci, (lb, ub), 1e-10, &format!("Conditional M={m}"));
    }
    // reference.jl CCS_SD_ARP: M = 0.1, 200 points.
    let cs = conditional_cs_smoothness(&bc(), 0.1, &grid(200)).unwrap();
    ci_close(cs.ci, (0.122_876_103_5, 0.416_815_017_8), 1e-10, "ARP 200");
    // reference.jl CCS_SD_AVG_ARP: l = average of the 4 post periods, M = 0.1, 100 points.
    let avg = HonestOptions {
        l_vec: Some(vec![0.25; 4]),
        grid_points: 100,
        ..HonestOptions::default()
    };
    let cs = conditional_cs_smoothness(&bc(), 0.1, &avg).unwrap();
    ci_close(
        cs.ci,
        (-0.180_960_776_9, 0.853_100_805_5),
        1e-9,
        "ARP average",
    );
}

#[test]
fn r_flci() {
    // r_test_results.json bcdata.deltaSD (M = 0..0.03) and reference.jl FLCI_BC (M = 0.1, 0.2):
    // (M, lb, ub, half-length). R's half-lengths use a simulated quantile (1e-3 relative noise)
    // and a numerical optimiser; the optimum is flat, so endpoints agree to 1e-3.
    let want = [
        (
            0.0,
            0.131_411_315_963_813_56,
            0.216_169_648_209_591,
            0.042_379_166_122_888_71,
        ),
        (
            0.01,
            0.154_965_267_080_774_1,
            0.270_384_530_326_520_6,
            f64::NAN,
        ),
        (
            0.02,
            0.177_301_087_900_143_76,
            0.315_956_468_194_769_5,
            f64::NAN,
        ),
        (
            0.03,
            0.189_404_464_434_399_26,
            0.348_547_750_039_192_9,
            f64::NAN,
        ),
        (0.1, 0.119_444_000_1, 0.418_508_214_3, 0.149_532_107_1),
        (0.2, 0.019_444_000_15, 0.518_508_214_3, 0.249_532_107_1),
    ];
    for (m, lb, ub, hl) in want {
        let f = flci(&bc(), m, &opts()).unwrap();
        close(f.ci.lb, lb, 1e-3, &format!("FLCI M={m} lb"));
        close(f.ci.ub, ub, 1e-3, &format!("FLCI M={m} ub"));
        let r_hl = if hl.is_nan() { (ub - lb) / 2.0 } else { hl };
        close(
            f.half_length / r_hl,
            1.0,
            2e-3,
            &format!("FLCI M={m} half-length"),
        );
    }
    // reference.jl FLCI_OPTVEC_M01: at M = 0.1 the estimator is β̂_1 + β̂_{-1} (linear
    // extrapolation from the last pre period).
    let f = flci(&bc(), 0.1, &opts()).unwrap();
    let want = [0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0];
    for (w, v) in f.weights.iter().zip(want) {
        close(*w, v, 1e-6, "FLCI weights M=0.1");
    }
}

#[test]
fn breakdown_values_on_bcdata() {
    // Δ^RM (C-LF): the R grid puts the breakdown between M̄ = 1.5 and 2.
    let b = breakdown_relative_magnitudes(
        &bc(),
        RelativeMagnitudesMethod::ConditionalLeastFavorable,
        &opts(),
        0.01,
    )
    .unwrap();
    let v = b.value.unwrap();
    assert!(v > 1.5 && v <= 2.0, "{v}");
    let covers = |m: f64| {
        conditional_cs_relative_magnitudes(
            &bc(),
            m,
            RelativeMagnitudesMethod::ConditionalLeastFavorable,
            &opts(),
        )
        .unwrap()
        .ci
        .is_some_and(|c| c.contains(0.0))
    };
    assert!(covers(v) && !covers(v - 0.01));
    // Δ^SD (FLCI): lower end positive at M = 0.2 (R: 0.0194), so the breakdown is above 0.2.
    let b = breakdown_smoothness(&bc(), SmoothnessMethod::Flci, &opts(), 1e-5).unwrap();
    let v = b.value.unwrap();
    assert!(v > 0.2, "{v}");
    assert!(flci(&bc(), v, &opts()).unwrap().ci.lb <= 0.0);
    assert!(flci(&bc(), v - 2e-5, &opts()).unwrap().ci.lb > 0.0);
}

// ---------------------------------------------------------------- analytic cases

/// β with an exactly linear pre-trend of slope `g` (δ_s = g·s) and post coefficients `post`.
fn linear_pretrend(num_pre: usize, g: f64, post: &[f64]) -> Vec<f64> {
    let mut b: Vec<f64> = (0..num_pre)
        .map(|j| g * (j as f64 - num_pre as f64))
        .collect();
    b.extend_from_slice(post);
    b
}

fn identity(n: usize, scale: f64) -> Vec<f64> {
    let mut s = vec![0.0; n * n];
    for i in 0..n {
        s[i * n + i] = scale;
    }
    s
}

#[test]
fn smoothness_zero_is_linear_extrapolation() {
    // One pre period: δ_t = -t·β_{-1}, so θ = Σ_t l_t (β_t + t β_{-1}).
    let beta = [0.3, 1.0, 2.0, 4.0];
    let sigma = identity(4, 0.01);
    let es = EventStudy {
        betahat: &beta,
        sigma: &sigma,
        num_pre: 1,
        num_post: 3,
    };
    let l = vec![0.2, 0.3, 0.5];
    let o = HonestOptions {
        l_vec: Some(l.clone()),
        ..HonestOptions::default()
    };
    let want: f64 = (0..3)
        .map(|t| l[t] * (beta[1 + t] + (t + 1) as f64 * 0.3))
        .sum();
    let set = identified_set_smoothness(&es, 0.0, &o).unwrap().unwrap();
    close(set.lb, want, 1e-12, "lb");
    close(set.ub, want, 1e-12, "ub");
    // Several pre periods on an exact line: the same extrapolation (slope g).
    let beta = linear_pretrend(3, 0.05, &[1.0, 2.0]);
    let sigma = identity(5, 0.01);
    let es = EventStudy {
        betahat: &beta,
        sigma: &sigma,
        num_pre: 3,
        num_post: 2,
    };
    let set = identified_set_smoothness(&es, 0.0, &opts())
        .unwrap()
        .unwrap();
    close(set.lb, 1.0 - 0.05, 1e-12, "linear lb");
    close(set.ub, 1.0 - 0.05, 1e-12, "linear ub");
    // A curved pre-trend is impossible under Δ^SD(0): empty identified set.
    assert!(identified_set_smoothness(&bc(), 0.0, &opts())
        .unwrap()
        .is_none());
}

#[test]
fn relative_magnitudes_zero_is_parallel_trends() {
    let set = identified_set_relative_magnitudes(&bc(), 0.0, &opts()).unwrap();
    close(set.lb, BC_BETAHAT[4], 1e-12, "lb");
    close(set.ub, BC_BETAHAT[4], 1e-12, "ub");
    // Linear pre-trend with changes g: the first post change is at most M̄|g|.
    let beta = linear_pretrend(3, -0.1, &[1.0, 2.0]);
    let sigma = identity(5, 0.01);
    let es = EventStudy {
        betahat: &beta,
        sigma: &sigma,
        num_pre: 3,
        num_post: 2,
    };
    let set = identified_set_relative_magnitudes(&es, 1.5, &opts()).unwrap();
    close(set.lb, 1.0 - 0.15, 1e-12, "lb");
    close(set.ub, 1.0 + 0.15, 1e-12, "ub");
}

/// With an exactly linear pre-trend and Σ -> 0, the robust sets shrink to the identified set.
#[test]
fn confidence_sets_shrink_to_identified_set() {
    for num_post in [1usize, 2] {
        let post = [1.0, 1.5];
        let beta = linear_pretrend(3, -0.1, &post[..num_post]);
        let n = 3 + num_post;
        let eps2 = 1e-12;
        let mut sigma = identity(n, eps2);
        sigma[1] = 0.3 * eps2;
        sigma[n] = 0.3 * eps2;
        let es = EventStudy {
            betahat: &beta,
            sigma: &sigma,
            num_pre: 3,
            num_post,
        };
        let o = HonestOptions {
            grid_bounds: Some((0.5, 1.5)),
            grid_points: 2001,
            ..HonestOptions::default()
        };
        let step = 1.0 / 2000.0;
        // Δ^RM(1.5): [1 - 0.15, 1 + 0.15].
        for method in [
            RelativeMagnitudesMethod::Conditional,
            RelativeMagnitudesMethod::ConditionalLeastFavorable,
        ] {
            let cs = conditional_cs_relative_magnitudes(&es, 1.5, method, &o).unwrap();
            ci_close(cs.ci, (0.85, 1.15), 2.0 * step, &format!("RM {num_post}"));
        }
        // Δ^SD(0.2): δ_1 = -0.1 ± 0.2, so θ ∈ [1 + 0.1 - 0.2, 1 + 0.1 + 0.2].
        let cs = conditional_cs_smoothness(&es, 0.2, &o).unwrap();
        ci_close(
            cs.ci,
            (0.9, 1.3),
            2.0 * step,
            &format!("SD cond {num_post}"),
        );
        let f = flci(&es, 0.2, &o).unwrap();
        close(f.ci.lb, 0.9, 1e-5, "FLCI lb");
        close(f.ci.ub, 1.3, 1e-5, "FLCI ub");
    }
}

#[test]
fn one_post_period_runs_no_nuisance_tests() {
    // BCdata cut to 4 pre + 1 post period.
    let beta = &BC_BETAHAT[..5];
    let sigma: Vec<f64> = (0..5)
        .flat_map(|r| (0..5).map(move |c| BC_SIGMA[r * 8 + c]))
        .collect();
    let es = EventStudy {
        betahat: beta,
        sigma: &sigma,
        num_pre: 4,
        num_post: 1,
    };
    let orig = original_ci(&es, &opts()).unwrap();
    for method in [
        RelativeMagnitudesMethod::Conditional,
        RelativeMagnitudesMethod::ConditionalLeastFavorable,
    ] {
        let res = sensitivity_relative_magnitudes(&es, &[0.0, 1.0, 2.0], method, &opts()).unwrap();
        let ci: Vec<Interval> = res.rows.iter().map(|r| r.ci.unwrap()).collect();
        // Nested in M̄ and containing the identified set.
        assert!(ci[1].lb <= ci[0].lb && ci[1].ub >= ci[0].ub);
        assert!(ci[2].lb <= ci[1].lb && ci[2].ub >= ci[1].ub);
        for r in &res.rows {
            let (c, id) = (r.ci.unwrap(), r.identified_set.unwrap());
            assert!(c.lb <= id.lb && c.ub >= id.ub);
        }
        // Under Δ^RM(0) the set is close to the parallel-trends interval.
        assert!((ci[0].lb - orig.lb).abs() < 0.02 && (ci[0].ub - orig.ub).abs() < 0.02);
    }
    // The pre-period second differences reach 0.152, so Δ^SD(M) needs M >= 0.152 to be
    // consistent with β̂_pre.
    assert!(identified_set_smoothness(&es, 0.15, &opts())
        .unwrap()
        .is_none());
    let cs = conditional_cs_smoothness(&es, 0.2, &opts()).unwrap();
    let id = identified_set_smoothness(&es, 0.2, &opts())
        .unwrap()
        .unwrap();
    let c = cs.ci.unwrap();
    assert!(c.lb <= id.lb && c.ub >= id.ub);
}

#[test]
fn invalid_inputs_are_errors() {
    let beta = [0.1, 0.2, 0.3];
    let sigma = identity(3, 0.01);
    let es = |num_pre, num_post| EventStudy {
        betahat: &beta,
        sigma: &sigma,
        num_pre,
        num_post,
    };
    assert!(matches!(
        original_ci(&es(0, 3), &opts()),
        Err(HonestError::TooFewPeriods { .. })
    ));
    assert!(matches!(
        original_ci(&es(2, 2), &opts()),
        Err(HonestError::BetaLength { .. })
    ));
    let nan = [0.1, f64::NAN, 0.3];
    let bad = EventStudy {
        betahat: &nan,
        ..es(2, 1)
    };
    assert_eq!(
        original_ci(&bad, &opts()),
        Err(HonestError::NonFinite("betahat"))
    );
    let mut asym = identity(3, 0.01);
    asym[1] = 0.005;
    let bad = EventStudy {
        sigma: &asym,
        ..es(2, 1)
    };
    assert!(matches!(
        original_ci(&bad, &opts()),
        Err(HonestError::SigmaNotSymmetric { row: 0, col: 1 })
    ));
    let zero_l = HonestOptions {
        l_vec: Some(vec![0.0]),
        ..HonestOptions::default()
    };
    assert_eq!(original_ci(&es(2, 1), &zero_l), Err(HonestError::ZeroLVec));
    assert!(matches!(
        flci(&es(2, 1), -1.0, &opts()),
        Err(HonestError::InvalidM(_))
    ));
    assert_eq!(
        sensitivity_smoothness(&es(2, 1), &[], SmoothnessMethod::Flci, &opts()),
        Err(HonestError::EmptyMGrid)
    );
    let bad_grid = HonestOptions {
        grid_points: 1,
        ..HonestOptions::default()
    };
    assert_eq!(
        conditional_cs_smoothness(&es(2, 1), 0.1, &bad_grid),
        Err(HonestError::InvalidGrid)
    );
}

// ---------------------------------------------------------------- properties

/// A random event study: 1-3 pre and 1-3 post periods, Σ = B B' + diag.
fn event_study() -> impl Strategy<Value = (usize, usize, Vec<f64>, Vec<f64>)> {
    (1usize..=3, 1usize..=3).prop_flat_map(|(p, q)| {
        let n = p + q;
        (
            Just(p),
            Just(q),
            prop::collection::vec(-1.0f64..1.0, n),
            prop::collection::vec(-0.3f64..0.3, n * n),
            prop::collection::vec(0.01f64..0.1, n),
        )
            .prop_map(move |(p, q, beta, b, d)| {
                let mut s = vec![0.0; n * n];
                for i in 0..n {
                    for j in 0..n {
                        s[i * n + j] = (0..n).map(|k| b[i * n + k] * b[j * n + k]).sum::<f64>();
                    }
                    s[i * n + i] += d[i];
                }
                (p, q, beta, s)
            })
    })
}

fn nested(small: Interval, big: Interval) -> bool {
    big.lb <= small.lb + 1e-9 && big.ub >= small.ub - 1e-9
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn identified_sets_widen_with_m(
        (p, q, beta, sigma) in event_study(),
        m1 in 0.0f64..0.5,
        dm in 0.0f64..0.5,
    ) {
        let es = EventStudy { betahat: &beta, sigma: &sigma, num_pre: p, num_post: q };
        let o = HonestOptions::default();
        let a = identified_set_relative_magnitudes(&es, m1, &o).unwrap();
        let b = identified_set_relative_magnitudes(&es, m1 + dm, &o).unwrap();
        prop_assert!(nested(a, b), "RM {a:?} not in {b:?}");
        prop_assert!(a.contains(beta[p]));
        let a = identified_set_smoothness(&es, m1, &o).unwrap();
        let b = identified_set_smoothness(&es, m1 + dm, &o).unwrap();
        if let Some(a) = a {
            let b = b.expect("a larger M keeps the set non-empty");
            prop_assert!(nested(a, b), "SD {a:?} not in {b:?}");
        }
    }

    #[test]
    fn flci_length_grows_with_m(
        (p, q, beta, sigma) in event_study(),
        m1 in 0.0f64..0.5,
        dm in 0.0f64..0.5,
    ) {
        let es = EventStudy { betahat: &beta, sigma: &sigma, num_pre: p, num_post: q };
        let o = HonestOptions { l_vec: Some(vec![1.0 / q as f64; q]), ..HonestOptions::default() };
        let a = flci(&es, m1, &o).unwrap();
        let b = flci(&es, m1 + dm, &o).unwrap();
        prop_assert!(b.half_length >= a.half_length * (1.0 - 1e-9));
        // The interval is the estimate ± half-length, and the estimate uses the weights.
        let est: f64 = a.weights.iter().zip(&beta).map(|(w, b)| w * b).sum();
        prop_assert!((a.estimate - est).abs() < 1e-12);
        prop_assert!((a.ci.ub - a.ci.lb - 2.0 * a.half_length).abs() < 1e-12);
        prop_assert!(a.max_bias >= 0.0 && a.sd >= 0.0);
    }
}
