//! TWFE, event-study TWFE and Goodman-Bacon decomposition against the golden references
//! (pyfixest 0.60, pybacondecomp 0.1.0, diff-diff; tests/golden/scripts/20_twfe_bacon.py),
//! plus property tests.

use std::collections::HashMap;
use std::path::PathBuf;

use proptest::prelude::*;
use tandem_evaluate::twfe::{
    bacon_decomposition, twfe_event_study, twfe_regression, twfe_static, Cohort, ComparisonKind,
    PairKind, Panel, Regressor, TwfeError,
};

const TOL: f64 = 1e-10;

type Row = HashMap<String, String>;

fn golden(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(rel)
}

fn read_rows(rel: &str, delim: u8) -> Vec<Row> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delim)
        .from_path(golden(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let headers = rdr.headers().unwrap().clone();
    rdr.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

fn num(row: &Row, col: &str) -> f64 {
    row[col]
        .parse()
        .unwrap_or_else(|_| panic!("{col} = {:?}", row[col]))
}

/// Tracks the worst absolute and relative disagreement of one golden file.
#[derive(Default)]
struct Agreement {
    abs: f64,
    rel: f64,
    n: usize,
}

impl Agreement {
    fn check(&mut self, what: &str, got: f64, want: f64) {
        let abs = (got - want).abs();
        self.abs = self.abs.max(abs);
        self.rel = self.rel.max(abs / want.abs().max(f64::MIN_POSITIVE));
        self.n += 1;
        assert!(
            abs <= TOL,
            "{what}: got {got:.17e}, want {want:.17e} (diff {abs:.3e})"
        );
    }

    fn report(&self, file: &str) {
        println!(
            "{file}: {} values, max abs err {:.3e}, max rel err {:.3e}",
            self.n, self.abs, self.rel
        );
    }
}

struct Mpdta {
    unit: Vec<i64>,
    year: Vec<i64>,
    lemp: Vec<f64>,
    first_treat: Vec<Option<i64>>,
    d: Vec<f64>,
}

fn mpdta() -> Mpdta {
    let rows = read_rows("inputs/mpdta.csv", b',');
    let int = |r: &Row, c: &str| num(r, c) as i64;
    let first_treat: Vec<Option<i64>> = rows
        .iter()
        .map(|r| Some(int(r, "first.treat")).filter(|&g| g > 0))
        .collect();
    let year: Vec<i64> = rows.iter().map(|r| int(r, "year")).collect();
    let d = first_treat
        .iter()
        .zip(&year)
        .map(|(g, t)| f64::from(u8::from(g.is_some_and(|g| *t >= g))))
        .collect();
    Mpdta {
        unit: rows.iter().map(|r| int(r, "countyreal")).collect(),
        year,
        lemp: rows.iter().map(|r| num(r, "lemp")).collect(),
        first_treat,
        d,
    }
}

impl Mpdta {
    fn panel(&self) -> Panel<'_> {
        Panel {
            unit: &self.unit,
            time: &self.year,
            outcome: &self.lemp,
        }
    }
}

#[test]
fn twfe_mpdta_matches_pyfixest() {
    let m = mpdta();
    let fit = twfe_static(&m.panel(), &m.d).unwrap();
    let c = &fit.coefficients[0];
    assert_eq!(fit.nobs, 2500);
    let mut agree = Agreement::default();
    for row in read_rows("outputs/twfe_mpdta.csv", b',') {
        let vcov = row["vcov"].as_str();
        agree.check(
            &format!("estimate {vcov}"),
            c.estimate,
            num(&row, "estimate"),
        );
        let se = match vcov {
            "iid" | "unadjusted" => c.se_iid,
            "HC1" | "robust" => c.se_hc1,
            "CRV1_countyreal" => c.se_cluster,
            // linearmodels' clustered SE uses its own degrees of freedom (not fixest's).
            _ => continue,
        };
        agree.check(&format!("se {vcov}"), se, num(&row, "se"));
        assert_eq!(num(&row, "nobs") as usize, fit.nobs);
    }
    agree.report("twfe_mpdta.csv");
}

#[test]
fn twfe_mpdta_event_study_matches_pyfixest() {
    let m = mpdta();
    let es = twfe_event_study(&m.panel(), &m.first_treat, &[-1], None).unwrap();
    let golden = read_rows("outputs/twfe_mpdta_eventstudy.csv", b',');
    assert_eq!(es.rel_times.len(), golden.len());
    let mut agree = Agreement::default();
    for row in &golden {
        let c = es
            .fit
            .coefficient(&row["term"])
            .unwrap_or_else(|| panic!("{}", row["term"]));
        agree.check(&row["term"], c.estimate, num(row, "estimate"));
        agree.check(&row["term"], c.se_cluster, num(row, "se_CRV1_countyreal"));
    }
    agree.report("twfe_mpdta_eventstudy.csv");
}

#[test]
fn twfe_prop99_matches_pyfixest() {
    let rows = read_rows("inputs/california_prop99.csv", b';');
    let mut names: Vec<String> = Vec::new();
    let unit: Vec<i64> = rows
        .iter()
        .map(|r| match names.iter().position(|n| *n == r["State"]) {
            Some(i) => i as i64,
            None => {
                names.push(r["State"].clone());
                names.len() as i64 - 1
            }
        })
        .collect();
    let time: Vec<i64> = rows.iter().map(|r| num(r, "Year") as i64).collect();
    let y: Vec<f64> = rows.iter().map(|r| num(r, "PacksPerCapita")).collect();
    let d: Vec<f64> = rows.iter().map(|r| num(r, "treated")).collect();
    let panel = Panel {
        unit: &unit,
        time: &time,
        outcome: &y,
    };
    let fit = twfe_static(&panel, &d).unwrap();
    let c = &fit.coefficients[0];
    let mut agree = Agreement::default();
    for row in read_rows("outputs/twfe_prop99.csv", b',') {
        agree.check("estimate", c.estimate, num(&row, "estimate"));
        let se = if row["vcov"] == "iid" {
            c.se_iid
        } else {
            c.se_cluster
        };
        agree.check(&row["vcov"], se, num(&row, "se"));
        assert_eq!(num(&row, "nobs") as usize, fit.nobs);
    }
    agree.report("twfe_prop99.csv");
}

fn cohort_label(c: Cohort) -> String {
    match c {
        Cohort::Timing(t) => t.to_string(),
        Cohort::Never => "never".into(),
        Cohort::Always => "always".into(),
    }
}

fn parse_cohort(s: &str) -> String {
    match s {
        "Never" | "never_treated" => "never".into(),
        other => (other.parse::<f64>().unwrap() as i64).to_string(),
    }
}

fn kind_label(k: ComparisonKind) -> &'static str {
    match k {
        ComparisonKind::TreatedVsNever => "treated_vs_never",
        ComparisonKind::EarlierVsLater => "earlier_vs_later",
        ComparisonKind::LaterVsEarlier => "later_vs_earlier",
        ComparisonKind::LaterVsAlwaysTreated => "later_vs_always",
    }
}

fn pair_label(k: PairKind) -> &'static str {
    match k {
        PairKind::TimingGroups => "Timing groups",
        PairKind::NeverVsTiming => "Never vs timing",
        PairKind::AlwaysVsTiming => "Always vs timing",
    }
}

#[test]
fn bacon_mpdta_2x2_matches_packages() {
    let m = mpdta();
    let b = bacon_decomposition(&m.panel(), &m.d).unwrap();
    let golden = read_rows("outputs/bacon_mpdta_2x2.csv", b',');
    let mut agree = Agreement::default();
    for row in golden.iter().filter(|r| r["package"] == "pybacondecomp") {
        let (t, c) = (parse_cohort(&row["treated"]), parse_cohort(&row["control"]));
        let p = b
            .pairs
            .iter()
            .find(|p| cohort_label(p.treated) == t && cohort_label(p.control) == c)
            .unwrap_or_else(|| panic!("pair {t} vs {c}"));
        assert_eq!(pair_label(p.kind), row["type"]);
        agree.check(
            &format!("pair {t}/{c} estimate"),
            p.estimate,
            num(row, "estimate"),
        );
        agree.check(
            &format!("pair {t}/{c} weight"),
            p.weight,
            num(row, "weight"),
        );
    }
    for row in golden.iter().filter(|r| r["package"] == "diff-diff") {
        let (t, c) = (
            parse_cohort(&row["treated_group"]),
            parse_cohort(&row["control_group"]),
        );
        let x = b
            .comparisons
            .iter()
            .find(|x| cohort_label(x.treated) == t && cohort_label(x.control) == c)
            .unwrap_or_else(|| panic!("comparison {t} vs {c}"));
        assert_eq!(kind_label(x.kind), row["comparison_type"]);
        assert_eq!(x.n_treated, num(row, "n_treated") as usize);
        assert_eq!(x.n_control, num(row, "n_control") as usize);
        agree.check(
            &format!("2x2 {t}/{c} estimate"),
            x.estimate,
            num(row, "estimate"),
        );
        agree.check(&format!("2x2 {t}/{c} weight"), x.weight, num(row, "weight"));
    }
    assert_eq!(b.pairs.len(), 6);
    assert_eq!(b.comparisons.len(), 9);
    agree.report("bacon_mpdta_2x2.csv");
}

#[test]
fn bacon_mpdta_summary_matches_packages() {
    let m = mpdta();
    let b = bacon_decomposition(&m.panel(), &m.d).unwrap();
    let mut agree = Agreement::default();
    for row in read_rows("outputs/bacon_mpdta_summary.csv", b',') {
        let item = row["item"].as_str();
        let got = match item {
            "twfe_dd_estimate" | "twfe_estimate" => b.twfe_estimate,
            "twfe_se_reported" => b.twfe_se_iid,
            "sum_weight_x_estimate" => b.weighted_sum,
            _ => summary_value(&b, item),
        };
        agree.check(item, got, num(&row, "value"));
    }
    assert!((b.weight_sum - 1.0).abs() < 1e-14);
    agree.report("bacon_mpdta_summary.csv");
}

/// `"<kind>::<statistic>"` items of the summary file.
fn summary_value(b: &tandem_evaluate::twfe::BaconDecomposition, item: &str) -> f64 {
    let (kind, stat) = item.split_once("::").unwrap();
    let pick = |w: f64, avg: f64| match stat {
        "weight" | "total_weight" => w,
        _ => avg,
    };
    if let Some(s) = b.by_pair_kind.iter().find(|s| pair_label(s.kind) == kind) {
        return pick(s.weight, s.avg_estimate);
    }
    let s = b
        .by_kind
        .iter()
        .find(|s| kind_label(s.kind) == kind)
        .unwrap();
    pick(s.weight, s.avg_estimate)
}

// ---------------------------------------------------------------- edge cases

#[test]
fn input_errors_are_reported() {
    let unit = [1, 1, 2, 2];
    let time = [1, 2, 1, 2];
    let y = [1.0, 2.0, f64::NAN, 4.0];
    let p = Panel {
        unit: &unit,
        time: &time,
        outcome: &y,
    };
    let d = [0.0, 1.0, 0.0, 0.0];
    assert!(matches!(
        twfe_static(&p, &d),
        Err(TwfeError::NonFinite { row: 2, .. })
    ));
    let y = [1.0, 2.0, 3.0, 4.0];
    let dup = [1, 1, 2, 2];
    let p = Panel {
        unit: &unit,
        time: &dup,
        outcome: &y,
    };
    assert!(matches!(
        twfe_static(&p, &d),
        Err(TwfeError::DuplicateObservation { .. })
    ));
    let p = Panel {
        unit: &unit,
        time: &time,
        outcome: &y,
    };
    assert!(matches!(
        twfe_static(&p, &[1.0; 4]),
        Err(TwfeError::SingularDesign { .. })
    ));
    assert!(matches!(
        twfe_static(&p, &d[..3]),
        Err(TwfeError::LengthMismatch { .. })
    ));
    assert!(matches!(
        twfe_regression(&p, &[], None),
        Err(TwfeError::NoRegressors)
    ));
    // 2x2 with one treated cell: N = 4 = 1 + U + T - 1 parameters, no residual dof.
    assert!(matches!(
        twfe_static(&p, &d),
        Err(TwfeError::NoDegreesOfFreedom { .. })
    ));
}

#[test]
fn disconnected_panel_is_rejected() {
    let unit = [1, 1, 2, 2, 3, 3];
    let time = [1, 2, 1, 2, 3, 4];
    let y = [1.0, 2.0, 3.0, 4.0, 5.0, 6.5];
    let p = Panel {
        unit: &unit,
        time: &time,
        outcome: &y,
    };
    let d = [0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
    assert_eq!(
        twfe_static(&p, &d).unwrap_err(),
        TwfeError::DisconnectedPanel { components: 2 }
    );
}

#[test]
fn bacon_rejects_bad_treatment() {
    let m = mpdta();
    let mut d = m.d.clone();
    d[3] = 0.5;
    assert!(matches!(
        bacon_decomposition(&m.panel(), &d),
        Err(TwfeError::NonBinaryTreatment { row: 3, .. })
    ));
    let mut d = m.d.clone();
    let row = (0..d.len())
        .find(|&r| m.first_treat[r] == Some(2004) && m.year[r] == 2005)
        .unwrap();
    d[row] = 0.0;
    assert!(matches!(
        bacon_decomposition(&m.panel(), &d),
        Err(TwfeError::NotAbsorbing { .. })
    ));
    let n = m.unit.len() - 1;
    let p = Panel {
        unit: &m.unit[..n],
        time: &m.year[..n],
        outcome: &m.lemp[..n],
    };
    assert!(matches!(
        bacon_decomposition(&p, &m.d[..n]),
        Err(TwfeError::UnbalancedPanel { .. })
    ));
}

#[test]
fn event_study_rejects_inconsistent_cohorts() {
    let m = mpdta();
    let mut g = m.first_treat.clone();
    g[0] = Some(2005);
    assert!(matches!(
        twfe_event_study(&m.panel(), &g, &[-1], None),
        Err(TwfeError::InconsistentCohort { .. })
    ));
}

// ---------------------------------------------------------------- property tests

/// A random staggered panel: per-unit start (`None` = never; 0 = always treated), effects.
#[derive(Debug, Clone)]
struct Sim {
    unit: Vec<i64>,
    time: Vec<i64>,
    y: Vec<f64>,
    d: Vec<f64>,
}

fn simulate(starts: &[Option<usize>], t: usize, noise: &[f64], tau: f64, keep: &[bool]) -> Sim {
    let mut s = Sim {
        unit: vec![],
        time: vec![],
        y: vec![],
        d: vec![],
    };
    for (i, start) in starts.iter().enumerate() {
        for p in 0..t {
            let r = i * t + p;
            if !keep[r % keep.len()] {
                continue;
            }
            let treated = start.is_some_and(|s| p >= s);
            let alpha = (i as f64 * 0.7).sin() * 3.0;
            let lambda = (p as f64 * 1.3).cos() * 2.0 + 0.1 * p as f64;
            s.unit.push(i as i64 + 100);
            s.time.push(2000 + p as i64);
            s.d.push(f64::from(u8::from(treated)));
            s.y.push(alpha + lambda + tau * s.d.last().unwrap() + noise[r % noise.len()]);
        }
    }
    s
}

fn starts_strategy(t: usize) -> impl Strategy<Value = Vec<Option<usize>>> {
    prop::collection::vec(prop::option::weighted(0.8, 0..t), 4..14)
}

/// Dense dummy-variable OLS slope of `y` on `[d, unit dummies, period dummies 2..T]`.
fn dummy_ols(s: &Sim) -> f64 {
    let units: Vec<i64> = dedup(&s.unit);
    let times: Vec<i64> = dedup(&s.time);
    let k = 1 + units.len() + times.len() - 1;
    let x = faer::Mat::<f64>::from_fn(s.y.len(), k, |r, j| {
        let ui = units.binary_search(&s.unit[r]).unwrap();
        let ti = times.binary_search(&s.time[r]).unwrap();
        match j {
            0 => s.d[r],
            j if j <= units.len() => f64::from(u8::from(ui + 1 == j)),
            j => f64::from(u8::from(ti == j - units.len())),
        }
    });
    let y = faer::Mat::<f64>::from_fn(s.y.len(), 1, |r, _| s.y[r]);
    use faer::linalg::solvers::SolveLstsq;
    let beta = x.col_piv_qr().solve_lstsq(&y);
    beta[(0, 0)]
}

/// Errors a random draw may legitimately hit (no treatment variation, dropped rows).
fn degenerate(e: &TwfeError) -> bool {
    matches!(
        e,
        TwfeError::SingularDesign { .. }
            | TwfeError::DisconnectedPanel { .. }
            | TwfeError::NoDegreesOfFreedom { .. }
            | TwfeError::TooSmall { .. }
    )
}

fn dedup(v: &[i64]) -> Vec<i64> {
    let mut u = v.to_vec();
    u.sort_unstable();
    u.dedup();
    u
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// A constant effect with no noise is recovered exactly, balanced or not.
    #[test]
    fn constant_effect_is_recovered(
        t in 3usize..8,
        starts in starts_strategy(8),
        tau in -5.0f64..5.0,
        keep in prop::collection::vec(prop::bool::weighted(0.85), 5..40),
    ) {
        let starts: Vec<Option<usize>> = starts.iter().map(|s| s.map(|s| s % t)).collect();
        let sim = simulate(&starts, t, &[0.0], tau, &keep);
        let panel = Panel { unit: &sim.unit, time: &sim.time, outcome: &sim.y };
        match twfe_static(&panel, &sim.d) {
            Ok(fit) => prop_assert!((fit.coefficients[0].estimate - tau).abs() < 1e-9),
            Err(e) => {
                prop_assert!(degenerate(&e), "unexpected error {}", e);
                prop_assume!(false);
            }
        }
    }

    /// The exact within projection equals brute-force dummy OLS on unbalanced panels.
    #[test]
    fn within_matches_dummy_ols(
        t in 3usize..7,
        starts in starts_strategy(7),
        noise in prop::collection::vec(-1.0f64..1.0, 7..60),
        keep in prop::collection::vec(prop::bool::weighted(0.8), 5..40),
    ) {
        let starts: Vec<Option<usize>> = starts.iter().map(|s| s.map(|s| s % t)).collect();
        let sim = simulate(&starts, t, &noise, 0.5, &keep);
        let panel = Panel { unit: &sim.unit, time: &sim.time, outcome: &sim.y };
        match twfe_static(&panel, &sim.d) {
            Ok(fit) => {
                let b = dummy_ols(&sim);
                prop_assert!((fit.coefficients[0].estimate - b).abs() < 1e-9, "{} vs {b}", fit.coefficients[0].estimate);
            }
            Err(e) => {
                prop_assert!(degenerate(&e), "unexpected error {}", e);
                prop_assume!(false);
            }
        }
    }

    /// Bacon weights sum to one and reproduce the TWFE coefficient, also with always-treated
    /// units and heterogeneous effects.
    #[test]
    fn bacon_weights_reproduce_twfe(
        t in 3usize..9,
        starts in starts_strategy(9),
        noise in prop::collection::vec(-2.0f64..2.0, 9..80),
        tau in -3.0f64..3.0,
    ) {
        let starts: Vec<Option<usize>> = starts.iter().map(|s| s.map(|s| s % t)).collect();
        let sim = simulate(&starts, t, &noise, tau, &[true]);
        let panel = Panel { unit: &sim.unit, time: &sim.time, outcome: &sim.y };
        match bacon_decomposition(&panel, &sim.d) {
            Ok(b) => {
                prop_assert!((b.weight_sum - 1.0).abs() < 1e-12, "weights sum {}", b.weight_sum);
                prop_assert!((b.weighted_sum - b.twfe_estimate).abs() < 1e-10,
                    "{} vs {}", b.weighted_sum, b.twfe_estimate);
                prop_assert!(b.comparisons.iter().all(|c| c.weight > 0.0));
            }
            Err(e) => {
                prop_assert!(degenerate(&e), "unexpected error {}", e);
                prop_assume!(false);
            }
        }
    }
}

#[test]
fn regression_with_custom_clusters_runs() {
    let m = mpdta();
    let state: Vec<i64> = m.unit.iter().map(|u| u / 1000).collect();
    let r = Regressor {
        name: "D",
        values: &m.d,
    };
    let fit = twfe_regression(&m.panel(), &[r], Some(&state)).unwrap();
    assert!(fit.n_clusters >= 2 && fit.coefficients[0].se_cluster > 0.0);
    // Units are nested in states: df_k^c = k + T.
    assert_eq!(fit.df_k_cluster, 1 + 5);
}

#[test]
fn bacon_with_always_treated_units() {
    let starts = [
        Some(0),
        Some(0),
        Some(2),
        Some(3),
        None,
        None,
        Some(2),
        Some(4),
    ];
    let noise: Vec<f64> = (0..40).map(|i| ((i * 7919) % 23) as f64 / 7.0).collect();
    let sim = simulate(&starts, 6, &noise, 1.5, &[true]);
    let panel = Panel {
        unit: &sim.unit,
        time: &sim.time,
        outcome: &sim.y,
    };
    let b = bacon_decomposition(&panel, &sim.d).unwrap();
    let always = b
        .comparisons
        .iter()
        .filter(|c| c.kind == ComparisonKind::LaterVsAlwaysTreated)
        .count();
    assert_eq!(always, 3);
    assert!(b.pairs.iter().any(|p| p.kind == PairKind::AlwaysVsTiming));
    assert!((b.weight_sum - 1.0).abs() < 1e-12);
    assert!((b.weighted_sum - b.twfe_estimate).abs() < 1e-12);
}
