//! Callaway & Sant'Anna against the moderndid 0.2.0 golden references (tests/golden/README.md),
//! the multiplier bootstrap statistically, and property tests on simulated staggered panels.

mod common;

use std::collections::HashMap;

use common::{att_gt_options, golden, num, opt_num, read_csv, read_golden};

use proptest::prelude::*;
use tandem_evaluate::did::{
    aggregate, att_gt, AggregateResult, Aggregation, AttGtOptions, AttGtResult, BasePeriod,
    BootstrapOptions, ControlGroup, DidError, EstMethod, FixWeights, PanelData,
};

/// A long-form panel owned by the test.
struct Panel {
    unit: Vec<i64>,
    time: Vec<i64>,
    y: Vec<f64>,
    g: Vec<i64>,
    x: Vec<f64>,
}

impl Panel {
    fn data<'a>(&'a self, cov: &'a [&'a [f64]]) -> PanelData<'a> {
        PanelData {
            unit: &self.unit,
            time: &self.time,
            outcome: &self.y,
            cohort: &self.g,
            covariates: cov,
            weights: None,
        }
    }
}

fn mpdta() -> Panel {
    let rows = read_golden("inputs/mpdta.csv");
    Panel {
        unit: rows.iter().map(|r| num(r, "countyreal") as i64).collect(),
        time: rows.iter().map(|r| num(r, "year") as i64).collect(),
        y: rows.iter().map(|r| num(r, "lemp")).collect(),
        g: rows.iter().map(|r| num(r, "first.treat") as i64).collect(),
        x: rows.iter().map(|r| num(r, "lpop")).collect(),
    }
}

fn bench_panel() -> Panel {
    let file =
        std::fs::File::open(golden("inputs/bench_staggered_3000x20.csv.gz")).expect("bench input");
    let rows = read_csv(flate2::read::GzDecoder::new(file));
    Panel {
        unit: rows.iter().map(|r| num(r, "id") as i64).collect(),
        time: rows.iter().map(|r| num(r, "period") as i64).collect(),
        y: rows.iter().map(|r| num(r, "y")).collect(),
        g: rows.iter().map(|r| num(r, "g") as i64).collect(),
        x: rows.iter().map(|r| num(r, "x")).collect(),
    }
}

struct Config {
    id: String,
    opts: AttGtOptions,
    covariates: bool,
    row: HashMap<String, String>,
}

fn configs() -> Vec<Config> {
    read_golden("outputs/cs_mpdta_configs.csv")
        .into_iter()
        .map(|r| Config {
            id: r["config_id"].clone(),
            opts: AttGtOptions {
                anticipation: r["anticipation"].parse().unwrap(),
                ..att_gt_options(&r)
            },
            covariates: r["xformla"] != "~1",
            row: r,
        })
        .collect()
}

fn run(panel: &Panel, opts: &AttGtOptions, covariates: bool) -> AttGtResult {
    let cov: Vec<&[f64]> = if covariates {
        vec![&panel.x]
    } else {
        Vec::new()
    };
    att_gt(&panel.data(&cov), opts).expect("att_gt")
}

/// Tolerances of the README: 1e-12 absolute without covariates; 1e-8 on estimates and 1e-6
/// relative on standard errors with covariates.
#[derive(Default)]
struct Agreement {
    max_est: f64,
    max_se_rel: f64,
    max_se_abs: f64,
    rows: usize,
}

impl Agreement {
    fn check(
        &mut self,
        what: &str,
        covariates: bool,
        est: (f64, f64),
        se: (Option<f64>, Option<f64>),
    ) {
        let (est_tol, se_abs_tol, se_rel_tol) = if covariates {
            (1e-8, f64::INFINITY, 1e-6)
        } else {
            (1e-12, 1e-12, 1e-9)
        };
        let d = (est.0 - est.1).abs();
        assert!(
            d <= est_tol,
            "{what}: estimate {} vs golden {} (diff {d:e})",
            est.0,
            est.1
        );
        match se {
            (Some(a), Some(b)) => {
                let (abs, rel) = ((a - b).abs(), (a - b).abs() / b.abs());
                assert!(
                    abs <= se_abs_tol && rel <= se_rel_tol,
                    "{what}: se {a} vs golden {b} (rel {rel:e})"
                );
                self.max_se_abs = self.max_se_abs.max(abs);
                self.max_se_rel = self.max_se_rel.max(rel);
            }
            (None, None) => {}
            other => panic!("{what}: se {other:?}"),
        }
        self.max_est = self.max_est.max(d);
        self.rows += 1;
    }

    fn report(&self, name: &str) {
        eprintln!(
            "{name}: {} rows, max |Δest| {:.2e}, max |Δse| {:.2e}, max rel Δse {:.2e}",
            self.rows, self.max_est, self.max_se_abs, self.max_se_rel
        );
    }
}

fn cell_map(res: &AttGtResult) -> HashMap<(i64, i64), (f64, Option<f64>)> {
    res.cells
        .iter()
        .map(|c| ((c.group, c.time), (c.att, c.se)))
        .collect()
}

#[test]
fn mpdta_attgt_all_configs() {
    let panel = mpdta();
    let golden = read_golden("outputs/cs_mpdta_attgt.csv");
    let (mut plain, mut cov) = (Agreement::default(), Agreement::default());
    for cfg in configs() {
        let res = run(&panel, &cfg.opts, cfg.covariates);
        assert_eq!(res.n_units, num(&cfg.row, "n_units") as usize, "{}", cfg.id);
        let cells = cell_map(&res);
        let rows: Vec<_> = golden.iter().filter(|r| r["config_id"] == cfg.id).collect();
        assert_eq!(rows.len(), res.cells.len(), "{}: number of cells", cfg.id);
        let agg = if cfg.covariates { &mut cov } else { &mut plain };
        for r in rows {
            let key = (num(r, "group") as i64, num(r, "time") as i64);
            let (att, se) = cells[&key];
            let ev = res
                .cells
                .iter()
                .find(|c| (c.group, c.time) == key)
                .unwrap()
                .event_time;
            assert_eq!(ev, num(r, "event_time") as i64);
            agg.check(
                &format!("{} {key:?}", cfg.id),
                cfg.covariates,
                (att, num(r, "att")),
                (se, opt_num(r, "se")),
            );
        }
    }
    plain.report("cs_mpdta_attgt ~1");
    cov.report("cs_mpdta_attgt ~lpop");
}

#[test]
fn mpdta_wald_pretest_all_configs() {
    let panel = mpdta();
    let (mut max_w, mut max_p) = (0.0f64, 0.0f64);
    for cfg in configs() {
        let res = run(&panel, &cfg.opts, cfg.covariates);
        let w = res
            .wald_pretest
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no Wald test", cfg.id));
        let (gw, gp) = (
            num(&cfg.row, "wald_stat"),
            num(&cfg.row, "wald_pvalue_unrounded"),
        );
        assert_eq!(w.df, num(&cfg.row, "wald_df") as usize, "{}", cfg.id);
        let tol = if cfg.covariates { 1e-6 } else { 1e-10 };
        let (dw, dp) = ((w.statistic - gw).abs() / gw, (w.p_value - gp).abs());
        assert!(
            dw < tol && dp < tol,
            "{}: W {} vs {gw}, p {} vs {gp}",
            cfg.id,
            w.statistic,
            w.p_value
        );
        max_w = max_w.max(dw);
        max_p = max_p.max(dp);
    }
    eprintln!("cs_mpdta_configs Wald: max rel ΔW {max_w:.2e}, max |Δp| {max_p:.2e}");
}

fn agg_spec(tag: &str) -> Aggregation {
    match tag {
        "simple" => Aggregation::Simple,
        "dynamic" => Aggregation::dynamic(),
        "group" => Aggregation::Group,
        "calendar" => Aggregation::Calendar,
        "dynamic(balance_e=1)" => Aggregation::Dynamic {
            min_e: None,
            max_e: None,
            balance_e: Some(1),
        },
        "dynamic(min_e=-2,max_e=2)" => Aggregation::Dynamic {
            min_e: Some(-2),
            max_e: Some(2),
            balance_e: None,
        },
        other => panic!("unknown aggregation {other}"),
    }
}

/// Compare the golden rows of one (config, aggregation) with our aggregation.
fn check_aggregation(
    agree: &mut Agreement,
    what: &str,
    cov: bool,
    got: &AggregateResult,
    rows: &[&HashMap<String, String>],
) {
    let mut n_levels = 0;
    for r in rows {
        if r["level"] == "overall" {
            let est = got.overall_att.expect("overall");
            agree.check(
                &format!("{what} overall"),
                cov,
                (est, num(r, "estimate")),
                (got.overall_se, opt_num(r, "se")),
            );
        } else {
            let label = num(r, "label") as i64;
            let l = got
                .levels
                .iter()
                .find(|l| l.label == label)
                .unwrap_or_else(|| panic!("{what}: level {label}"));
            agree.check(
                &format!("{what} {label}"),
                cov,
                (l.estimate, num(r, "estimate")),
                (l.se, opt_num(r, "se")),
            );
            n_levels += 1;
        }
    }
    assert_eq!(n_levels, got.levels.len(), "{what}: number of levels");
}

#[test]
fn mpdta_aggte_all_configs() {
    let panel = mpdta();
    let golden = read_golden("outputs/cs_mpdta_aggte.csv");
    let (mut plain, mut cov) = (Agreement::default(), Agreement::default());
    for cfg in configs() {
        let res = run(&panel, &cfg.opts, cfg.covariates);
        let rows: Vec<_> = golden.iter().filter(|r| r["config_id"] == cfg.id).collect();
        let mut tags: Vec<&str> = rows.iter().map(|r| r["agg"].as_str()).collect();
        tags.dedup();
        for tag in tags {
            let got = aggregate(&res, agg_spec(tag)).expect("aggregate");
            let sub: Vec<_> = rows.iter().copied().filter(|r| r["agg"] == tag).collect();
            let agree = if cfg.covariates { &mut cov } else { &mut plain };
            check_aggregation(
                agree,
                &format!("{} {tag}", cfg.id),
                cfg.covariates,
                &got,
                &sub,
            );
        }
    }
    plain.report("cs_mpdta_aggte ~1");
    cov.report("cs_mpdta_aggte ~lpop");
}

#[test]
fn mpdta_influence_functions_m01() {
    let panel = mpdta();
    let res = run(&panel, &AttGtOptions::default(), false);
    let rows = read_golden("outputs/cs_mpdta_inffunc_m01.csv");
    let pos: HashMap<i64, usize> = res
        .unit_ids
        .iter()
        .enumerate()
        .map(|(i, &u)| (u, i))
        .collect();
    let mut max = 0.0f64;
    for r in &rows {
        let i = pos[&(num(r, "countyreal") as i64)];
        assert_eq!(res.unit_cohorts[i], num(r, "first_treat") as i64);
        for (j, c) in res.cells.iter().enumerate() {
            let g = num(r, &format!("g{}_t{}", c.group, c.time));
            let d = (res.influence.column(j)[i] - g).abs();
            assert!(
                d < 1e-12,
                "unit {} cell ({}, {}): {} vs {g}",
                res.unit_ids[i],
                c.group,
                c.time,
                res.influence.column(j)[i]
            );
            max = max.max(d);
        }
    }
    assert_eq!(rows.len(), res.n_units);
    eprintln!(
        "cs_mpdta_inffunc_m01: {} units x {} cells, max |Δψ| {max:.2e}",
        rows.len(),
        res.cells.len()
    );
}

#[test]
fn mpdta_published_simple_att() {
    let res = run(&mpdta(), &AttGtOptions::default(), false);
    let simple = aggregate(&res, Aggregation::Simple).unwrap();
    assert!((simple.overall_att.unwrap() - -0.0400).abs() < 5e-5);
}

type Rows = Vec<HashMap<String, String>>;

/// Compare one specification of the benchmark panel with `bench_cs_L1_*.csv`.
fn check_bench_spec(
    agree: &mut Agreement,
    tag: &str,
    res: &AttGtResult,
    cov: bool,
    att: &Rows,
    agg: &Rows,
) {
    let cells = cell_map(res);
    let rows: Vec<_> = att.iter().filter(|r| r["spec"] == tag).collect();
    assert_eq!(rows.len(), res.cells.len(), "{tag}: number of cells");
    for r in rows {
        let key = (num(r, "group") as i64, num(r, "time") as i64);
        let (est, se) = cells[&key];
        agree.check(
            &format!("{tag} {key:?}"),
            cov,
            (est, num(r, "att")),
            (se, opt_num(r, "se")),
        );
    }
    for kind in ["simple", "dynamic", "group", "calendar"] {
        let got = aggregate(res, agg_spec(kind)).unwrap();
        let sub: Vec<_> = agg
            .iter()
            .filter(|r| r["spec"] == tag && r["agg"] == kind)
            .collect();
        check_aggregation(agree, &format!("{tag} {kind}"), cov, &got, &sub);
    }
}

/// The 3,000 x 20 benchmark panel of `50_bench_large.py` (`att_gt` defaults: never-treated,
/// varying base period, no anticipation).
#[test]
fn bench_large_panel_all_specs() {
    let panel = bench_panel();
    let att_rows = read_golden("outputs/bench_cs_L1_attgt.csv");
    let agg_rows = read_golden("outputs/bench_cs_L1_aggte.csv");
    let specs = [
        (
            "dr",
            EstMethod::DoublyRobust,
            ControlGroup::NeverTreated,
            false,
        ),
        (
            "reg",
            EstMethod::Regression,
            ControlGroup::NeverTreated,
            false,
        ),
        (
            "dr_x",
            EstMethod::DoublyRobust,
            ControlGroup::NeverTreated,
            true,
        ),
        (
            "dr_notyet",
            EstMethod::DoublyRobust,
            ControlGroup::NotYetTreated,
            false,
        ),
    ];
    let (mut plain, mut cov) = (Agreement::default(), Agreement::default());
    for (tag, est_method, control_group, covariates) in specs {
        let opts = AttGtOptions {
            est_method,
            control_group,
            ..AttGtOptions::default()
        };
        let res = run(&panel, &opts, covariates);
        let agree = if covariates { &mut cov } else { &mut plain };
        check_bench_spec(agree, tag, &res, covariates, &att_rows, &agg_rows);
    }
    plain.report("bench_cs_L1 (dr, reg, dr_notyet)");
    cov.report("bench_cs_L1 (dr_x)");
}

/// Bootstrap summary rows keyed by (object, key).
fn boot_variability() -> HashMap<(String, String), HashMap<String, String>> {
    read_golden("outputs/cs_mpdta_boot_variability.csv")
        .into_iter()
        .map(|r| ((r["object"].clone(), r["key"].clone()), r))
        .collect()
}

/// (object, key, bootstrap se, analytic se, critical value) of one bootstrap run of m01.
fn boot_run(res: &AttGtResult, seed: u64) -> Vec<(String, String, f64, f64, Option<f64>)> {
    let opts = BootstrapOptions {
        iterations: 1000,
        seed,
        alpha: 0.05,
        cluster: None,
    };
    let b = res.bootstrap(&opts).unwrap();
    let mut out: Vec<_> = res
        .cells
        .iter()
        .zip(&b.se)
        .map(|(c, s)| {
            (
                "attgt".into(),
                format!("g{}_t{}", c.group, c.time),
                s.unwrap(),
                c.se.unwrap(),
                b.critical_value,
            )
        })
        .collect();
    for kind in ["simple", "dynamic", "group", "calendar"] {
        let agg = aggregate(res, agg_spec(kind)).unwrap();
        let ab = agg.bootstrap(&opts).unwrap();
        out.push((
            kind.into(),
            "overall".into(),
            ab.overall_se.unwrap(),
            agg.overall_se.unwrap(),
            None,
        ));
        for (l, s) in agg.levels.iter().zip(&ab.levels.se) {
            out.push((
                kind.into(),
                l.label.to_string(),
                s.unwrap(),
                l.se.unwrap(),
                ab.levels.critical_value,
            ));
        }
    }
    out
}

#[test]
fn bootstrap_matches_moderndid_statistically() {
    let res = run(&mpdta(), &AttGtOptions::default(), false);
    let reference = boot_variability();
    const SEEDS: u64 = 20;
    let mut sums: HashMap<(String, String), (f64, f64, usize)> = HashMap::new();
    for seed in 1..=SEEDS {
        for (obj, key, bse, ase, cv) in boot_run(&res, seed) {
            let r = &reference[&(obj.clone(), key.clone())];
            assert!((ase - num(r, "analytic_se")).abs() < 1e-12);
            let ratio = bse / ase;
            // one draw: within the 1%-99% range over moderndid's 100 seeds, widened by 3 sd
            let slack = 3.0 * num(r, "ratio_sd");
            assert!(
                ratio > num(r, "ratio_q01") - slack && ratio < num(r, "ratio_q99") + slack,
                "{obj} {key}: ratio {ratio}"
            );
            let e = sums.entry((obj, key)).or_insert((0.0, 0.0, 0));
            e.0 += ratio;
            if let Some(cv) = cv {
                let slack = 3.0 * num(r, "crit_sd");
                assert!(
                    cv > num(r, "crit_q01") - slack && cv < num(r, "crit_q99") + slack,
                    "critical value {cv}"
                );
                e.1 += cv;
                e.2 += 1;
            }
        }
    }
    let mut worst = 0.0f64;
    for ((obj, key), (ratio_sum, cv_sum, cv_n)) in &sums {
        let r = &reference[&(obj.clone(), key.clone())];
        let z_ratio = (ratio_sum / SEEDS as f64 - num(r, "ratio_mean"))
            / (num(r, "ratio_sd") / (SEEDS as f64).sqrt());
        assert!(
            z_ratio.abs() < 4.5,
            "{obj} {key}: mean ratio off by {z_ratio} sd"
        );
        worst = worst.max(z_ratio.abs());
        if *cv_n > 0 {
            let z = (cv_sum / *cv_n as f64 - num(r, "crit_mean"))
                / (num(r, "crit_sd") / (*cv_n as f64).sqrt());
            assert!(
                z.abs() < 4.5,
                "{obj} {key}: mean critical value off by {z} sd"
            );
        }
    }
    eprintln!("bootstrap: {SEEDS} seeds, worst |z| of the mean SE ratio {worst:.2}");
}

#[test]
fn bootstrap_is_reproducible_and_bands_cover() {
    let res = run(&mpdta(), &AttGtOptions::default(), false);
    let opts = BootstrapOptions::default();
    let (a, b) = (res.bootstrap(&opts).unwrap(), res.bootstrap(&opts).unwrap());
    assert_eq!(a, b);
    let cv = a.critical_value.unwrap();
    assert!(cv > 2.0 && cv < 3.5);
    for ((c, lo), hi) in res.cells.iter().zip(&a.lower).zip(&a.upper) {
        assert!(lo.unwrap() < c.att && c.att < hi.unwrap());
    }
    // universal base: reference cells keep no standard error
    let uni = run(
        &mpdta(),
        &AttGtOptions {
            base_period: BasePeriod::Universal,
            ..AttGtOptions::default()
        },
        false,
    );
    let ub = uni.bootstrap(&opts).unwrap();
    for (c, s) in uni.cells.iter().zip(&ub.se) {
        assert_eq!(c.se.is_none(), s.is_none());
    }
}

#[test]
fn unbalanced_and_invalid_panels_are_refused() {
    let p = mpdta();
    let n = p.unit.len() - 1;
    let data = PanelData {
        unit: &p.unit[..n],
        time: &p.time[..n],
        outcome: &p.y[..n],
        cohort: &p.g[..n],
        covariates: &[],
        weights: None,
    };
    assert!(matches!(
        att_gt(&data, &AttGtOptions::default()),
        Err(DidError::UnbalancedPanel { .. })
    ));
    let mut y = p.y.clone();
    y[3] = f64::NAN;
    let data = PanelData {
        outcome: &y,
        ..p.data(&[])
    };
    assert!(matches!(
        att_gt(&data, &AttGtOptions::default()),
        Err(DidError::NonFiniteOutcome { .. })
    ));
    let never: Vec<i64> = vec![0; p.g.len()];
    let data = PanelData {
        cohort: &never,
        ..p.data(&[])
    };
    assert_eq!(
        att_gt(&data, &AttGtOptions::default()).unwrap_err(),
        DidError::NoTreatedGroups
    );
    let data = PanelData {
        time: &p.time[1..],
        ..p.data(&[])
    };
    assert!(matches!(
        att_gt(&data, &AttGtOptions::default()),
        Err(DidError::LengthMismatch { .. })
    ));
}

#[test]
fn uniform_sampling_weights_change_nothing() {
    let p = mpdta();
    let w = vec![3.5; p.unit.len()];
    let cov: Vec<&[f64]> = vec![&p.x];
    let base = att_gt(&p.data(&cov), &AttGtOptions::default()).unwrap();
    let weighted = att_gt(
        &PanelData {
            weights: Some(&w),
            ..p.data(&cov)
        },
        &AttGtOptions::default(),
    )
    .unwrap();
    for (a, b) in base.cells.iter().zip(&weighted.cells) {
        assert!((a.att - b.att).abs() < 1e-12 && (a.se.unwrap() - b.se.unwrap()).abs() < 1e-12);
    }
}

/// A scenario beyond the golden files, with reference values computed by moderndid 0.2.0 on
/// mpdta (`att_gt(..., boot=False)`, `aggte(type="dynamic")`): weights `w = 1 + (id mod 7)/3`,
/// time-varying covariate `xtv = lpop + 0.05 (year - 2003) sin(id)`, no never-treated units
/// (`first.treat != 0` rows only).
struct Scenario {
    name: &'static str,
    opts: AttGtOptions,
    weighted: bool,
    covariate: Option<&'static str>,
    no_never: bool,
    n_units: usize,
    /// (group, time, att, se) of two cells (`None` se: universal reference cell).
    cells: [(i64, i64, f64, Option<f64>); 2],
    wald: Option<f64>,
    dynamic: (f64, f64),
}

const fn o(
    control_group: ControlGroup,
    est_method: EstMethod,
    base_period: BasePeriod,
    anticipation: u32,
) -> AttGtOptions {
    AttGtOptions {
        control_group,
        est_method,
        base_period,
        anticipation,
        fix_weights: FixWeights::Earlier,
    }
}

use BasePeriod::{Universal, Varying};
use ControlGroup::{NeverTreated, NotYetTreated};
use EstMethod::{DoublyRobust, Ipw, Regression};

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "weights dr ~lpop not-yet universal",
        opts: o(NotYetTreated, DoublyRobust, Universal, 0),
        weighted: true,
        covariate: Some("lpop"),
        no_never: false,
        n_units: 500,
        cells: [
            (
                2004,
                2004,
                -0.026025569842140987,
                Some(0.024322712992703416),
            ),
            (2007, 2007, -0.03207829129347702, Some(0.015647704532483243)),
        ],
        wald: Some(8.212440339430342),
        dynamic: (-0.07717674590706783, 0.019434118023958637),
    },
    Scenario {
        name: "weights ipw ~lpop",
        opts: o(NeverTreated, Ipw, Varying, 0),
        weighted: true,
        covariate: Some("lpop"),
        no_never: false,
        n_units: 500,
        cells: [
            (2004, 2005, -0.06628738266373141, Some(0.03213437725927587)),
            (
                2007,
                2007,
                -0.032288486822717906,
                Some(0.015592153543671359),
            ),
        ],
        wald: Some(8.162180605135077),
        dynamic: (-0.07762260726625858, 0.019734459952916464),
    },
    Scenario {
        name: "weights reg ~lpop",
        opts: o(NeverTreated, Regression, Varying, 0),
        weighted: true,
        covariate: Some("lpop"),
        no_never: false,
        n_units: 500,
        cells: [
            (2004, 2005, -0.06699544482810543, Some(0.03193824666519577)),
            (2007, 2007, -0.03238398046665957, Some(0.015526265482584784)),
        ],
        wald: Some(8.101726849603995),
        dynamic: (-0.07795604400239198, 0.0196514162942936),
    },
    Scenario {
        name: "time-varying covariate dr universal",
        opts: o(NeverTreated, DoublyRobust, Universal, 0),
        weighted: false,
        covariate: Some("xtv"),
        no_never: false,
        n_units: 500,
        cells: [
            (
                2004,
                2004,
                -0.014529668304898203,
                Some(0.022129157238335244),
            ),
            (
                2007,
                2007,
                -0.028706122021044844,
                Some(0.016256225099257653),
            ),
        ],
        wald: Some(6.797160409392754),
        dynamic: (-0.08031091297970712, 0.018961663070823406),
    },
    Scenario {
        name: "anticipation 1 not-yet universal",
        opts: o(NotYetTreated, DoublyRobust, Universal, 1),
        weighted: false,
        covariate: None,
        no_never: false,
        n_units: 480,
        cells: [
            (2006, 2004, 0.0, None),
            (2007, 2007, -0.05714153010888555, Some(0.02021016321868601)),
        ],
        wald: Some(7.791155436915408),
        dynamic: (-0.04473430442438947, 0.018611707604094734),
    },
    Scenario {
        name: "no never-treated, never-treated comparisons (last cohort recoded)",
        opts: o(NeverTreated, DoublyRobust, Varying, 0),
        weighted: false,
        covariate: None,
        no_never: true,
        n_units: 191,
        cells: [
            (2004, 2005, -0.09820392080032275, Some(0.033554699213186226)),
            (2006, 2006, 0.02649251243682576, Some(0.019380512966734577)),
        ],
        wald: Some(0.9977419525048914),
        dynamic: (-0.07605486510247138, 0.02534649562691855),
    },
    Scenario {
        name: "no never-treated, not-yet-treated comparisons",
        opts: o(NotYetTreated, DoublyRobust, Varying, 0),
        weighted: false,
        covariate: None,
        no_never: true,
        n_units: 191,
        cells: [
            (2004, 2005, -0.09258720290009764, Some(0.032576070419468875)),
            (
                2007,
                2005,
                2.492586440271317e-05,
                Some(0.022457972209860743),
            ),
        ],
        wald: None,
        dynamic: (-0.07355919388143313, 0.024969635548076023),
    },
];

/// The mpdta columns of a scenario: (unit, time, cohort, outcome, covariate, weights).
type ScenarioData = (Vec<i64>, Vec<i64>, Vec<i64>, Vec<f64>, Vec<f64>, Vec<f64>);

fn scenario_data(p: &Panel, sc: &Scenario) -> ScenarioData {
    let keep: Vec<usize> = (0..p.unit.len())
        .filter(|&r| !sc.no_never || p.g[r] != 0)
        .collect();
    let pick_i = |v: &[i64]| keep.iter().map(|&r| v[r]).collect::<Vec<i64>>();
    let pick_f = |v: &[f64]| keep.iter().map(|&r| v[r]).collect::<Vec<f64>>();
    let unit = pick_i(&p.unit);
    let w: Vec<f64> = unit.iter().map(|u| 1.0 + (u % 7) as f64 / 3.0).collect();
    let x: Vec<f64> = match sc.covariate {
        Some("xtv") => keep
            .iter()
            .map(|&r| p.x[r] + 0.05 * (p.time[r] - 2003) as f64 * (p.unit[r] as f64).sin())
            .collect(),
        _ => pick_f(&p.x),
    };
    (unit, pick_i(&p.time), pick_i(&p.g), pick_f(&p.y), x, w)
}

fn check_scenario(sc: &Scenario, res: &mut AttGtResult) {
    assert_eq!(res.n_units, sc.n_units, "{}", sc.name);
    let tol = if sc.covariate.is_some() { 1e-8 } else { 1e-12 };
    let se_tol = if sc.covariate.is_some() { 1e-6 } else { 1e-8 };
    for (gr, t, att, se) in sc.cells {
        let c = res
            .cells
            .iter()
            .find(|c| (c.group, c.time) == (gr, t))
            .expect("cell");
        assert!(
            (c.att - att).abs() < tol,
            "{}: ({gr},{t}) att {} vs {att}",
            sc.name,
            c.att
        );
        match (c.se, se) {
            (Some(a), Some(b)) => assert!((a - b).abs() / b < se_tol, "{}: se {a} vs {b}", sc.name),
            (a, b) => assert_eq!(a.is_none(), b.is_none(), "{}", sc.name),
        }
    }
    match (res.wald_pretest.as_ref(), sc.wald) {
        (Some(w), Some(b)) => assert!((w.statistic - b).abs() / b < 1e-6, "{}: W", sc.name),
        (a, b) => assert_eq!(a.is_none(), b.is_none(), "{}", sc.name),
    }
    if sc.weighted {
        // moderndid 0.2.0 aggregates with unweighted cohort shares (R `did` weights them):
        // reproduce its numbers by dropping the weights from the shares.
        res.unit_weights = vec![1.0; res.n_units];
    }
    let dynamic = aggregate(res, Aggregation::dynamic()).unwrap();
    let (est, se) = (dynamic.overall_att.unwrap(), dynamic.overall_se.unwrap());
    assert!(
        (est - sc.dynamic.0).abs() < tol,
        "{}: dynamic {est}",
        sc.name
    );
    assert!(
        (se - sc.dynamic.1).abs() / sc.dynamic.1 < se_tol,
        "{}: dynamic se {se}",
        sc.name
    );
}

#[test]
fn moderndid_scenarios_beyond_golden_files() {
    let p = mpdta();
    for sc in SCENARIOS {
        let (unit, time, g, y, x, w) = scenario_data(&p, sc);
        let cov: Vec<&[f64]> = if sc.covariate.is_some() {
            vec![&x]
        } else {
            Vec::new()
        };
        let data = PanelData {
            unit: &unit,
            time: &time,
            outcome: &y,
            cohort: &g,
            covariates: &cov,
            weights: sc.weighted.then_some(&w[..]),
        };
        let mut res = att_gt(&data, &sc.opts).unwrap_or_else(|e| panic!("{}: {e}", sc.name));
        check_scenario(sc, &mut res);
    }
}

/// Simulated staggered panel: unit effects, common period effects, noise, and a constant
/// effect `tau` from the first treated period on.
fn simulate(seed: u64, n_units: usize, tau: f64, shift: f64) -> Panel {
    let mut state = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut unif = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let mut normal = move || {
        let (u1, u2) = (unif(), unif());
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let periods = 6i64;
    let cohorts = [0i64, 3, 4, 5];
    let gamma: Vec<f64> = (0..periods)
        .map(|t| 0.3 * t as f64 + 0.2 * normal())
        .collect();
    let mut p = Panel {
        unit: vec![],
        time: vec![],
        y: vec![],
        g: vec![],
        x: vec![],
    };
    for i in 0..n_units {
        let g = cohorts[i % cohorts.len()];
        let alpha = normal();
        for t in 1..=periods {
            let treated = g > 0 && t >= g;
            p.unit.push(i as i64 + 1);
            p.time.push(t);
            p.g.push(g);
            p.x.push(alpha);
            p.y.push(
                shift
                    + alpha
                    + gamma[(t - 1) as usize]
                    + 0.5 * normal()
                    + if treated { tau } else { 0.0 },
            );
        }
    }
    p
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn planted_effect_is_recovered(seed in 0u64..10_000, tau in -2.0f64..2.0) {
        let p = simulate(seed, 200, tau, 0.0);
        let res = att_gt(&p.data(&[]), &AttGtOptions::default()).unwrap();
        let simple = aggregate(&res, Aggregation::Simple).unwrap();
        let (est, se) = (simple.overall_att.unwrap(), simple.overall_se.unwrap());
        prop_assert!((est - tau).abs() < 5.0 * se, "estimate {est} vs {tau} (se {se})");
        let dynamic = aggregate(&res, Aggregation::dynamic()).unwrap();
        for l in dynamic.levels.iter().filter(|l| l.label >= 0) {
            prop_assert!((l.estimate - tau).abs() < 5.0 * l.se.unwrap());
        }
    }

    #[test]
    fn placebo_is_centred_on_zero(seed in 0u64..10_000) {
        let p = simulate(seed, 200, 0.0, 0.0);
        for est_method in [EstMethod::DoublyRobust, EstMethod::Ipw, EstMethod::Regression] {
            let cov: Vec<&[f64]> = vec![&p.x];
            let opts = AttGtOptions { est_method, ..AttGtOptions::default() };
            let res = att_gt(&p.data(&cov), &opts).unwrap();
            // standardised estimates over all cells: mean near 0
            let z: Vec<f64> = res.cells.iter().map(|c| c.att / c.se.unwrap()).collect();
            let mean = z.iter().sum::<f64>() / z.len() as f64;
            prop_assert!(mean.abs() < 2.0, "{est_method:?}: mean z {mean}");
            let simple = aggregate(&res, Aggregation::Simple).unwrap();
            prop_assert!(simple.overall_att.unwrap().abs() < 5.0 * simple.overall_se.unwrap());
        }
    }

    #[test]
    fn adding_a_constant_changes_nothing(seed in 0u64..10_000, shift in -50.0f64..50.0) {
        let (a, b) = (simulate(seed, 120, 0.7, 0.0), simulate(seed, 120, 0.7, shift));
        for control_group in [ControlGroup::NeverTreated, ControlGroup::NotYetTreated] {
            let opts = AttGtOptions { control_group, ..AttGtOptions::default() };
            let (ra, rb) = (att_gt(&a.data(&[]), &opts).unwrap(), att_gt(&b.data(&[]), &opts).unwrap());
            for (ca, cb) in ra.cells.iter().zip(&rb.cells) {
                prop_assert!((ca.att - cb.att).abs() < 1e-9);
                prop_assert!((ca.se.unwrap() - cb.se.unwrap()).abs() < 1e-9);
            }
        }
    }
}
