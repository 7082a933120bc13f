//! `tandem evaluate did|synth|sdid` through the real binary on the golden inputs of
//! tandem-evaluate (moderndid, the exact simplex QP, synthdid): exact CSV columns, published
//! and golden numbers, and errors that say what to fix (exit 1).

use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn tandem(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_tandem"))
        .args(args)
        .env_remove("TANDEM_DB")
        .output()
        .expect("the tandem binary runs");
    Run {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8"),
    }
}

fn ok(args: &[&str]) -> String {
    let r = tandem(args);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

/// Runs a command that must fail as a user error; returns its message.
fn user_error(args: &[&str]) -> String {
    let r = tandem(args);
    assert_eq!(r.code, 1, "{args:?} should fail with exit 1: {}", r.stderr);
    assert!(!r.stderr.contains("internal error"), "{}", r.stderr);
    r.stderr
}

fn golden(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tandem-evaluate/tests/golden")
        .join(rel)
        .display()
        .to_string()
}

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

/// Golden rows as header -> value maps.
fn golden_rows(rel: &str) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(golden(rel)).unwrap();
    let (header, rows) = csv_rows(&text);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn f(s: &str) -> f64 {
    s.parse()
        .unwrap_or_else(|_| panic!("{s:?} is not a number"))
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got}, want {want} (tol {tol})"
    );
}

const MPDTA: [&str; 8] = [
    "--unit",
    "countyreal",
    "--time",
    "year",
    "--outcome",
    "lemp",
    "--cohort",
    "first.treat",
];

fn did(input: &str, extra: &[&str]) -> Vec<String> {
    ["evaluate", "did", "--input", input]
        .iter()
        .chain(MPDTA.iter())
        .chain(extra.iter())
        .map(|s| s.to_string())
        .collect()
}

fn run_did(extra: &[&str]) -> String {
    let args = did(&golden("inputs/mpdta.csv"), extra);
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn did_att_gt_csv_has_exact_columns_and_matches_moderndid() {
    let (header, rows) = csv_rows(&run_did(&["--format", "csv"]));
    assert_eq!(header, ["group", "time", "att", "se"]);
    let want: Vec<_> = golden_rows("outputs/cs_mpdta_attgt.csv")
        .into_iter()
        .filter(|r| r["config_id"] == "m01")
        .collect();
    assert_eq!(rows.len(), want.len());
    for (got, want) in rows.iter().zip(&want) {
        assert_eq!((&got[0], &got[1]), (&want["group"], &want["time"]));
        close(f(&got[2]), f(&want["att"]), 1e-10, "att");
        close(f(&got[3]), f(&want["se"]), 1e-10, "se");
    }
}

/// `--sampling cross-sections` and `--sampling unbalanced` on 60 % of mpdta's rows give the
/// golden values of moderndid (cross-sections) and csdid (both), weights and a covariate
/// included.
#[test]
fn did_on_cross_sections_and_unbalanced_panels_matches_the_golden() {
    let golden_cells = golden_rows("outputs/cs_mpdta_rc_attgt.csv");
    let input = golden("inputs/mpdta_rc.csv");
    for (sampling, config) in [("cross-sections", "r14"), ("unbalanced", "r62")] {
        let want: Vec<_> = golden_cells
            .iter()
            .filter(|r| r["config_id"] == config)
            .collect();
        assert_eq!(want[0]["sampling"].replace('_', "-"), sampling);
        assert_eq!(
            (&want[0]["est_method"][..], &want[0]["xformla"][..]),
            ("dr", "~lpop")
        );
        let extra = [
            "--sampling",
            sampling,
            "--covariates",
            "lpop",
            "--weights",
            "w",
            "--control",
            "notyet",
            "--format",
            "csv",
        ];
        let args = did(&input, &extra);
        let (_, rows) = csv_rows(&ok(&args.iter().map(String::as_str).collect::<Vec<_>>()));
        assert_eq!(rows.len(), want.len(), "{sampling}");
        for (got, want) in rows.iter().zip(&want) {
            assert_eq!((&got[0], &got[1]), (&want["group"], &want["time"]));
            close(f(&got[2]), f(&want["att_csdid"]), 1e-10, "att");
            close(f(&got[3]), f(&want["se_csdid"]), 1e-10, "se");
        }
    }
}

/// Weights that change every year, with `--fix-weights base-period`: csdid's values
/// (tests/golden/scripts/14_cs_did_fix_weights.py, the weight computed as there).
#[test]
fn did_with_time_varying_weights_follows_fix_weights() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mpdta_tvw.csv");
    let text = std::fs::read_to_string(golden("inputs/mpdta.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    let names: Vec<&str> = header.split(',').collect();
    let at = |name: &str| names.iter().position(|n| *n == name).unwrap();
    let (county, year) = (at("countyreal"), at("year"));
    let mut out = format!("{header},w\n");
    for line in lines {
        let v: Vec<&str> = line.split(',').collect();
        let (c, y): (i64, i64) = (v[county].parse().unwrap(), v[year].parse().unwrap());
        out.push_str(&format!(
            "{line},{}\n",
            0.5 + ((c + 3 * y) % 11) as f64 / 8.0
        ));
    }
    std::fs::write(&input, out).unwrap();
    let want: Vec<_> = golden_rows("outputs/cs_mpdta_tvw_attgt.csv")
        .into_iter()
        .filter(|r| {
            (
                r["fix_weights"].as_str(),
                r["est_method"].as_str(),
                r["xformla"].as_str(),
            ) == ("base_period", "dr", "~1")
                && (r["control_group"].as_str(), r["base_period"].as_str())
                    == ("nevertreated", "varying")
        })
        .collect();
    let extra = [
        "--weights",
        "w",
        "--fix-weights",
        "base-period",
        "--format",
        "csv",
    ];
    let args = did(input.to_str().unwrap(), &extra);
    let (_, rows) = csv_rows(&ok(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_eq!(rows.len(), want.len());
    for (got, want) in rows.iter().zip(&want) {
        assert_eq!((&got[0], &got[1]), (&want["group"], &want["time"]));
        close(f(&got[2]), f(&want["att"]), 1e-10, "att");
        close(f(&got[3]), f(&want["se"]), 1e-9, "se");
    }
    let args = did(
        input.to_str().unwrap(),
        &["--weights", "w", "--format", "csv"],
    );
    let (_, default) = csv_rows(&ok(&args.iter().map(String::as_str).collect::<Vec<_>>()));
    assert_ne!(
        default, rows,
        "the default rule takes other periods' weights"
    );
}

#[test]
fn did_simple_att_is_the_published_minus_0_04() {
    let (header, rows) = csv_rows(&run_did(&["--aggregate", "simple", "--format", "csv"]));
    assert_eq!(header, ["aggregation", "level", "estimate", "se"]);
    assert_eq!(rows.len(), 1);
    assert_eq!(
        (rows[0][0].as_str(), rows[0][1].as_str()),
        ("simple", "overall")
    );
    let att = f(&rows[0][2]);
    close(att, -0.0400, 5e-5, "published simple ATT");
    close(
        att,
        -0.039_951_275_155_176_26,
        1e-10,
        "moderndid simple ATT",
    );
    close(f(&rows[0][3]), 0.012034012770185353, 1e-10, "simple se");
}

#[test]
fn did_dynamic_and_group_aggregations_match_moderndid() {
    let golden = golden_rows("outputs/cs_mpdta_aggte.csv");
    for kind in ["dynamic", "group", "calendar"] {
        let (header, rows) = csv_rows(&run_did(&["--aggregate", kind, "--format", "csv"]));
        assert_eq!(header, ["aggregation", "level", "estimate", "se"]);
        let want: Vec<_> = golden
            .iter()
            .filter(|r| r["config_id"] == "m01" && r["agg"] == kind)
            .collect();
        assert_eq!(rows.len(), want.len(), "{kind}");
        for (got, want) in rows.iter().zip(&want) {
            assert_eq!(got[0], kind);
            let level = if want["level"] == "overall" {
                "overall"
            } else {
                want["label"].as_str()
            };
            assert_eq!(got[1], level, "{kind}");
            close(f(&got[2]), f(&want["estimate"]), 1e-10, kind);
            close(f(&got[3]), f(&want["se"]), 1e-10, kind);
        }
    }
}

#[test]
fn did_with_a_covariate_matches_moderndid() {
    let (_, rows) = csv_rows(&run_did(&["--covariates", "lpop", "--format", "csv"]));
    let want: Vec<_> = golden_rows("outputs/cs_mpdta_attgt.csv")
        .into_iter()
        .filter(|r| r["config_id"] == "m03")
        .collect();
    assert_eq!(rows.len(), want.len());
    for (got, want) in rows.iter().zip(&want) {
        close(f(&got[2]), f(&want["att"]), 1e-8, "att ~lpop");
        close(
            f(&got[3]),
            f(&want["se"]),
            1e-6 * f(&want["se"]),
            "se ~lpop",
        );
    }
}

#[test]
fn did_json_has_the_wald_test_and_the_bootstrap_band() {
    let args = [
        "--aggregate",
        "dynamic",
        "--bootstrap",
        "999",
        "--seed",
        "7",
    ];
    let text = run_did(&[&args[..], &["--format", "json"]].concat());
    let v: Value = serde_json::from_str(&text).unwrap();
    let wald = &v["wald_pretest"];
    close(
        wald["statistic"].as_f64().unwrap(),
        7.791_236_627_200_242,
        1e-9,
        "W",
    );
    assert_eq!(wald["df"], 5);
    let cv = v["bootstrap"]["critical_value"].as_f64().unwrap();
    assert!((2.3..3.3).contains(&cv), "critical value {cv}");
    let est = v["estimates"].as_array().unwrap();
    assert_eq!(est[0]["level"], "overall");
    assert_eq!(est[1]["level"], -3);
    for e in &est[1..] {
        let (x, se, bse) = (
            e["estimate"].as_f64().unwrap(),
            e["se"].as_f64().unwrap(),
            e["boot_se"].as_f64().unwrap(),
        );
        assert!(
            (bse / se - 1.0).abs() < 0.25,
            "boot se {bse} vs analytic {se}"
        );
        close(e["lower"].as_f64().unwrap(), x - cv * bse, 1e-12, "band");
    }
    assert_eq!(v["att_gt"].as_array().unwrap().len(), 12);
    // The same seed gives the same draws.
    assert_eq!(text, run_did(&[&args[..], &["--format", "json"]].concat()));
    let table = run_did(&args);
    assert!(table.contains("Pre-trend test (Wald"), "{table}");
    assert!(table.contains("critical value"), "{table}");
}

const HONEST: [&str; 6] = [
    "--aggregate",
    "dynamic",
    "--base-period",
    "universal",
    "--honest",
    "relative-magnitudes",
];

#[test]
fn did_honest_sensitivity_uses_the_event_study_and_its_covariance() {
    let v: Value =
        serde_json::from_str(&run_did(&[&HONEST[..], &["--format", "json"]].concat())).unwrap();
    let s = &v["sensitivity"];
    assert_eq!(
        (s["restriction"].as_str(), s["method"].as_str()),
        (Some("DeltaRM"), Some("C-LF"))
    );
    let times: Vec<i64> = s["event_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_i64().unwrap())
        .collect();
    assert_eq!(
        times,
        [-4, -3, -2, 0, 1, 2, 3],
        "reference period -1 left out"
    );
    // θ = the average post effect is the dynamic aggregation's overall effect, and
    // sqrt(l'Σl) its standard error: the covariance is that of the influence functions.
    let overall = &v["estimates"][0];
    assert_eq!(overall["level"], "overall");
    let f = |x: &Value| x.as_f64().unwrap();
    close(
        f(&s["original"]["estimate"]),
        f(&overall["estimate"]),
        1e-12,
        "theta",
    );
    close(
        f(&s["original"]["se"]),
        f(&overall["se"]),
        1e-12,
        "se(theta)",
    );
    let rows = s["rows"].as_array().unwrap();
    let m: Vec<f64> = rows.iter().map(|r| f(&r["m"])).collect();
    assert_eq!(m, [0.0, 0.5, 1.0, 1.5, 2.0]);
    // Larger violations allowed, wider sets; at M̄ = 0 the identified set is the estimate.
    for w in rows.windows(2) {
        assert!(f(&w[1]["ci"][0]) <= f(&w[0]["ci"][0]) + 1e-9);
        assert!(f(&w[1]["ci"][1]) >= f(&w[0]["ci"][1]) - 1e-9);
    }
    close(
        f(&rows[0]["identified_set"][0]),
        f(&overall["estimate"]),
        1e-9,
        "id set",
    );
    assert!(
        f(&rows[0]["ci"][1]) < 0.0,
        "significant under parallel trends"
    );
    assert_eq!(f(&s["breakdown_on_grid"]), 0.5);
    // CSV is the sensitivity table; the table format prints it under the event study.
    let (header, rows) = csv_rows(&run_did(&[&HONEST[..], &["--format", "csv"]].concat()));
    assert_eq!(
        header,
        [
            "restriction",
            "m",
            "lower",
            "upper",
            "identified_lower",
            "identified_upper"
        ]
    );
    assert_eq!(rows.len(), 5);
    let table = run_did(&HONEST);
    assert!(
        table.contains("Level (event time)") && table.contains("Rambachan-Roth"),
        "{table}"
    );
    assert!(table.contains("first contains 0 at M̄ = 0.5"), "{table}");
}

#[test]
fn did_honest_options_choose_periods_target_and_restriction() {
    let json = |extra: &[&str]| -> Value {
        let args = [&HONEST[..], extra, &["--format", "json"]].concat();
        serde_json::from_str(&run_did(&args)).unwrap()
    };
    let v = json(&["--honest-pre", "2", "--honest-target", "first"]);
    assert_eq!(
        v["sensitivity"]["event_times"],
        serde_json::json!([-3, -2, 0, 1, 2, 3])
    );
    assert_eq!(
        v["sensitivity"]["l_vec"],
        serde_json::json!([1.0, 0.0, 0.0, 0.0])
    );
    let mut sd = HONEST;
    sd[5] = "smoothness";
    let text = run_did(&[&sd[..], &["--honest-m", "0,0.02", "--format", "json"]].concat());
    let v: Value = serde_json::from_str(&text).unwrap();
    let s = &v["sensitivity"];
    assert_eq!(
        (s["restriction"].as_str(), s["method"].as_str()),
        (Some("DeltaSD"), Some("FLCI"))
    );
    assert_eq!(s["rows"].as_array().unwrap().len(), 2);
    // With anticipation the reference period moves to -2 and -1 counts as post.
    let v = json(&["--anticipation", "1", "--honest-target", "first"]);
    assert_eq!(
        v["sensitivity"]["event_times"],
        serde_json::json!([-4, -3, -1, 0, 1])
    );
    assert_eq!(
        v["sensitivity"]["l_vec"],
        serde_json::json!([0.0, 1.0, 0.0])
    );
}

#[test]
fn did_honest_refuses_what_it_cannot_analyse() {
    let input = golden("inputs/mpdta.csv");
    let err = |extra: &[&str]| {
        let args = did(&input, extra);
        user_error(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let e = err(&["--honest", "relative-magnitudes"]);
    assert!(e.contains("add --aggregate dynamic"), "{e}");
    let e = err(&["--aggregate", "dynamic", "--honest", "relative-magnitudes"]);
    assert!(e.contains("add --base-period universal"), "{e}");
    let mut sd = HONEST;
    sd[5] = "smoothness";
    let e = err(&sd);
    assert!(e.contains("needs --honest-m"), "{e}");
    let e = err(&[&HONEST[..], &["--honest-m=-1"]].concat());
    assert!(e.contains("finite values >= 0"), "{e}");
}

/// Runs `tandem evaluate CMD` on Proposition 99 (California from 1989) with `extra`.
fn prop99_run(cmd: &str, extra: &[&str]) -> Run {
    prop99_file_run(&golden("inputs/california_prop99.csv"), cmd, extra)
}

/// [`prop99_run`] on another file with Proposition 99's columns.
fn prop99_file_run(input: &str, cmd: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "evaluate",
        cmd,
        "--input",
        input,
        "--unit",
        "State",
        "--time",
        "Year",
        "--outcome",
        "PacksPerCapita",
        "--treated",
        "California",
        "--start",
        "1989",
    ];
    args.extend_from_slice(extra);
    tandem(&args)
}

fn prop99(cmd: &str, extra: &[&str]) -> String {
    let r = prop99_run(cmd, extra);
    assert_eq!(r.code, 0, "{cmd} {extra:?}: {}", r.stderr);
    r.stdout
}

#[test]
fn synth_json_matches_the_exact_golden_and_the_placebo_p_value() {
    let v: Value =
        serde_json::from_str(&prop99("synth", &["--placebo", "--format", "json"])).unwrap();
    let att = v["att"].as_f64().unwrap();
    close(att, -19.5136, 5e-5, "ATT");
    close(att, -19.513_629_768_420_86, 1e-6, "golden ATT");
    close(
        v["pre_rmspe"].as_f64().unwrap(),
        1.656400210333757,
        1e-6,
        "pre",
    );
    close(
        v["post_rmspe"].as_f64().unwrap(),
        20.605567052171402,
        1e-5,
        "post",
    );
    let weights = v["weights"].as_object().unwrap();
    assert_eq!(weights.len(), 38);
    for r in golden_rows("outputs/scm_prop99_weights.csv") {
        let got = weights[&r["unit"]].as_f64().unwrap();
        close(got, f(&r["w_exact"]), 1e-6, &r["unit"]);
    }
    let path = v["path"].as_array().unwrap();
    assert_eq!(path.len(), 31);
    assert_eq!(path[0]["time"], 1970);
    assert_eq!(path[0]["actual"], 123.0);
    let placebos = v["placebos"].as_array().unwrap();
    assert_eq!(placebos.len(), 38);
    for key in ["unit", "pre_rmspe", "post_rmspe", "ratio"] {
        assert!(placebos.iter().all(|p| !p[key].is_null()), "{key}");
    }
    close(v["p_value"].as_f64().unwrap(), 3.0 / 39.0, 1e-15, "p");
}

/// ADH's lagged outcomes with a searched V (SC-2 of the golden README): V sums to one, the
/// loss it minimises is the pre-period MSPE, at most pysyncon's 9.5179 for its own V; a
/// period after the start is refused.
#[test]
fn synth_matches_lagged_outcomes_with_a_searched_v() {
    let v: Value = serde_json::from_str(&prop99(
        "synth",
        &["--lagged-outcomes", "1975,1980,1988", "--format", "json"],
    ))
    .unwrap();
    let weights = v["v"].as_object().unwrap();
    assert_eq!(weights.len(), 3);
    let total: f64 = weights.values().map(|w| w.as_f64().unwrap()).sum();
    close(total, 1.0, 1e-12, "sum of V");
    let loss = v["loss_v"].as_f64().unwrap();
    let pre = v["pre_rmspe"].as_f64().unwrap();
    close(loss, pre * pre, 1e-9, "loss_V is the pre-period MSPE");
    assert!(loss <= 9.517_913_286_240_494, "{loss}");
    let notes = v["notes"].as_array().unwrap();
    assert!(notes
        .iter()
        .any(|n| n.as_str().unwrap().contains("V searched (ADH)")));
    let err = prop99_run("synth", &["--lagged-outcomes", "1990"]).stderr;
    assert!(err.contains("not a pre-treatment period"), "{err}");
}

/// A covariate predictor (`--predictors`, each unit's mean over `--predictors-period`, empty
/// cells left out) with two lagged outcomes: the same fit as the library given the same
/// predictors, and a unit without a value in the period is an error.
#[test]
fn synth_matches_covariate_predictors_as_the_library() {
    use tandem_evaluate::synth::{pivot_long, synthetic_control, Predictor, Predictors, ScSpec};
    let price = |state: &str, year: i64| (state.len() * 3) as f64 + (year - 1970) as f64 / 2.0;
    let text = std::fs::read_to_string(golden("inputs/california_prop99.csv")).unwrap();
    let (mut out, mut units, mut years, mut packs) = (String::new(), vec![], vec![], vec![]);
    for (k, line) in text.lines().enumerate() {
        let v: Vec<&str> = line.split(';').collect();
        if k == 0 {
            out.push_str(&format!("{line};Price\n"));
            continue;
        }
        let year: i64 = v[1].parse().unwrap();
        // Alabama's 1981 price is missing: its mean is over the other eight years.
        let cell = if v[0] == "Alabama" && year == 1981 {
            String::new()
        } else {
            price(v[0], year).to_string()
        };
        out.push_str(&format!("{line};{cell}\n"));
        units.push(v[0].to_string());
        years.push(year);
        packs.push(v[2].parse::<f64>().unwrap());
    }
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("prop99_price.csv");
    std::fs::write(&input, out).unwrap();
    let run = |extra: &[&str]| prop99_file_run(input.to_str().unwrap(), "synth", extra);
    let extra = [
        "--predictors",
        "Price",
        "--predictors-period",
        "1980-1988",
        "--lagged-outcomes",
        "1975,1988",
        "--format",
        "json",
    ];
    let r = run(&extra);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();

    let labels: Vec<&str> = units.iter().map(String::as_str).collect();
    let wide = pivot_long(&labels, &years, &packs).unwrap();
    let means = wide
        .units
        .iter()
        .map(|u| {
            let kept: Vec<f64> = (1980..=1988)
                .filter(|&t| !(u == "Alabama" && t == 1981))
                .map(|t| price(u, t))
                .collect();
            kept.iter().sum::<f64>() / kept.len() as f64
        })
        .collect();
    let period = |t: i64| wide.period_index(t).unwrap();
    let treated = wide.unit_index("California").unwrap();
    let donors = (0..wide.units.len()).filter(|&u| u != treated).collect();
    let spec = ScSpec::new(treated, donors, period(1989)).with_predictors(Predictors {
        rows: vec![
            Predictor::covariate("Price", means, 1.0),
            Predictor::outcome(&wide.matrix, period(1975), 1.0).unwrap(),
            Predictor::outcome(&wide.matrix, period(1988), 1.0).unwrap(),
        ],
        scale_by_sd: true,
        search_v_over: Some((0..period(1989)).collect()),
    });
    let fit = synthetic_control(&wide.matrix, &spec).unwrap();
    let cli_v = v["v"].as_object().unwrap();
    let names = ["Price mean 1980-1988", "1975", "1988"];
    for (name, want) in names.iter().zip(fit.v.as_ref().unwrap()) {
        close(cli_v[*name].as_f64().unwrap(), *want, 1e-12, name);
    }
    close(v["att"].as_f64().unwrap(), fit.att, 1e-12, "att");
    close(
        v["loss_v"].as_f64().unwrap(),
        fit.loss_v.unwrap(),
        1e-12,
        "loss_v",
    );

    let late = run(&["--predictors", "Price", "--predictors-period", "1985-1990"]).stderr;
    assert!(late.contains("measured before treatment"), "{late}");
    let gap = run(&["--predictors", "Price", "--predictors-period", "1981-1981"]).stderr;
    assert!(gap.contains("Alabama has no value in 1981-1981"), "{gap}");
}

#[test]
fn synth_filters_placebos_by_pre_fit_and_leaves_one_donor_out() {
    // ADH (2010, figs. 5-7): with the 20x, 5x and 2x filters California ranks third of 35,
    // 32 and 22 (golden: tests/synth.rs).
    for (k, n) in [("20", 35), ("5", 32), ("2", 22)] {
        let args = ["--placebo", "--max-pre-mspe", k, "--format", "json"];
        let v: Value = serde_json::from_str(&prop99("synth", &args)).unwrap();
        let p = &v["p_value_filtered"];
        assert_eq!(
            (p["ratio_at_least_treated"].as_u64(), p["units"].as_u64()),
            (Some(3), Some(n))
        );
        close(
            p["p_value"].as_f64().unwrap(),
            3.0 / n as f64,
            1e-15,
            "filtered p",
        );
        close(
            v["p_value"].as_f64().unwrap(),
            3.0 / 39.0,
            1e-15,
            "unfiltered p",
        );
    }
    let v: Value =
        serde_json::from_str(&prop99("synth", &["--leave-one-out", "--format", "json"])).unwrap();
    let loo = &v["leave_one_out"];
    let fits = loo["fits"].as_array().unwrap();
    assert_eq!(fits.len(), 6, "one refit per donor of positive weight");
    let weights = v["weights"].as_object().unwrap();
    for f in fits {
        let dropped = f["dropped"].as_str().unwrap();
        close(
            f["dropped_weight"].as_f64().unwrap(),
            weights[dropped].as_f64().unwrap(),
            1e-12,
            dropped,
        );
        assert!(f["pre_rmspe"].as_f64().unwrap() >= v["pre_rmspe"].as_f64().unwrap() - 1e-9);
    }
    let (lo, hi) = (
        loo["att_range"][0].as_f64().unwrap(),
        loo["att_range"][1].as_f64().unwrap(),
    );
    assert!(lo < -15.0 && hi < -10.0 && lo <= hi);
    let table = prop99(
        "synth",
        &["--leave-one-out", "--placebo", "--max-pre-mspe", "5"],
    );
    assert!(table.contains("Leave-one-out ATT from"), "{table}");
    assert!(table.contains("at most 5x as poorly"), "{table}");
    // The filter needs the placebos and a positive bound.
    let r = prop99_run("synth", &["--max-pre-mspe", "5"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--placebo"), "{}", r.stderr);
}

#[test]
fn synth_csv_is_the_path() {
    let (header, rows) = csv_rows(&prop99("synth", &["--format", "csv"]));
    assert_eq!(header, ["time", "actual", "synthetic", "gap"]);
    assert_eq!(rows.len(), 31);
    let want = golden_rows("outputs/scm_prop99_path.csv");
    for (got, want) in rows.iter().zip(&want) {
        assert_eq!(got[0], want["year"]);
        close(f(&got[2]), f(&want["synthetic_exact"]), 1e-6, "synthetic");
        close(f(&got[3]), f(&want["gap_exact"]), 1e-6, "gap");
    }
}

#[test]
fn sdid_json_matches_synthdid() {
    let v: Value = serde_json::from_str(&prop99(
        "sdid",
        &["--replications", "20", "--format", "json"],
    ))
    .unwrap();
    let est = v["estimate"].as_f64().unwrap();
    close(est, -15.6038, 5e-5, "SDID");
    close(est, -15.603827872733893, 1e-8, "synthdid");
    close(
        v["sc_estimate"].as_f64().unwrap(),
        -19.619663470944012,
        1e-6,
        "SC",
    );
    close(
        v["did_estimate"].as_f64().unwrap(),
        -27.349111083614968,
        1e-8,
        "DID",
    );
    assert!(v["se"].as_f64().unwrap() > 0.0);
    let sum = |key: &str, n: usize| {
        let m = v[key].as_object().unwrap();
        assert_eq!(m.len(), n, "{key}");
        m.values().map(|w| w.as_f64().unwrap()).sum::<f64>()
    };
    close(sum("unit_weights", 38), 1.0, 1e-9, "omega");
    close(sum("time_weights", 19), 1.0, 1e-9, "lambda");
    for (file, key, name, weight) in [
        ("omega", "unit_weights", "unit", "omega"),
        ("lambda", "time_weights", "year", "lambda"),
    ] {
        for r in golden_rows(&format!("outputs/sdid_prop99_weights_{file}.csv")) {
            if r["estimator"] == "sdid" {
                let got = v[key][&r[name]].as_f64().unwrap();
                close(got, f(&r[weight]), 1e-8, &r[name]);
            }
        }
    }
}

#[test]
fn sdid_csv_is_one_row() {
    let (header, rows) = csv_rows(&prop99(
        "sdid",
        &["--replications", "10", "--format", "csv"],
    ));
    assert_eq!(header, ["estimate", "se"]);
    assert_eq!(rows.len(), 1);
    close(f(&rows[0][0]), -15.603827872733893, 1e-8, "estimate");
}

/// A copy of `rel` with line `line` (1-based) edited by `edit`.
fn edited(dir: &Path, rel: &str, line: usize, edit: impl Fn(&str) -> String) -> String {
    let text = std::fs::read_to_string(golden(rel)).unwrap();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let e = if i + 1 == line {
                edit(l)
            } else {
                l.to_string()
            };
            (!e.is_empty()).then_some(e)
        })
        .collect();
    let path = dir.join(Path::new(rel).file_name().unwrap());
    std::fs::write(&path, lines.join("\n")).unwrap();
    path.display().to_string()
}

fn did_error(input: &str, extra: &[&str]) -> String {
    let args = did(input, extra);
    user_error(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn a_missing_column_lists_the_header() {
    let input = golden("inputs/mpdta.csv");
    let err = did_error(&input, &["--covariates", "population"]);
    assert!(err.contains("no column \"population\""), "{err}");
    assert!(err.contains("--covariates"), "{err}");
    assert!(
        err.contains("year, countyreal, lpop, lemp, first.treat, treat"),
        "{err}"
    );
}

#[test]
fn a_non_numeric_or_missing_outcome_names_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad = edited(dir.path(), "inputs/mpdta.csv", 5, |l| {
        let mut c: Vec<&str> = l.split(',').collect();
        c[3] = "n.a";
        c.join(",")
    });
    let err = did_error(&bad, &[]);
    assert!(err.contains("row 5"), "{err}");
    assert!(err.contains("\"lemp\""), "{err}");
    assert!(err.contains("\"n.a\" is not a number"), "{err}");
    let missing = edited(dir.path(), "inputs/mpdta.csv", 7, |l| {
        let mut c: Vec<&str> = l.split(',').collect();
        c[3] = "";
        c.join(",")
    });
    let err = did_error(&missing, &[]);
    assert!(err.contains("row 7") && err.contains("missing"), "{err}");
    assert!(err.contains("never read as zero"), "{err}");
}

#[test]
fn an_unbalanced_panel_is_a_user_error_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let unbalanced = edited(dir.path(), "inputs/mpdta.csv", 4, |_| String::new());
    let err = did_error(&unbalanced, &[]);
    assert!(err.contains("unbalanced panel: unit 8001"), "{err}");
    assert!(err.contains("--sampling unbalanced"), "{err}");
    let prop = edited(dir.path(), "inputs/california_prop99.csv", 3, |_| {
        String::new()
    });
    for cmd in ["synth", "sdid"] {
        let err = user_error(&[
            "evaluate",
            cmd,
            "--input",
            &prop,
            "--unit",
            "State",
            "--time",
            "Year",
            "--outcome",
            "PacksPerCapita",
            "--treated",
            "California",
            "--start",
            "1989",
        ]);
        assert!(
            err.contains("Arkansas") && err.contains("balanced"),
            "{err}"
        );
    }
}

#[test]
fn an_unknown_treated_unit_or_start_is_named() {
    let input = golden("inputs/california_prop99.csv");
    for cmd in ["synth", "sdid"] {
        let base = [
            "evaluate",
            cmd,
            "--input",
            &input,
            "--unit",
            "State",
            "--time",
            "Year",
            "--outcome",
            "PacksPerCapita",
        ];
        let err =
            user_error(&[&base[..], &["--treated", "Kalifornia", "--start", "1989"]].concat());
        assert!(err.contains("unknown treated unit \"Kalifornia\""), "{err}");
        assert!(err.contains("California"), "{err}");
        let err =
            user_error(&[&base[..], &["--treated", "California", "--start", "1960"]].concat());
        assert!(
            err.contains("--start 1960") && err.contains("1970-2000"),
            "{err}"
        );
    }
    let err = user_error(&[
        "evaluate",
        "sdid",
        "--input",
        &input,
        "--unit",
        "State",
        "--time",
        "Year",
        "--outcome",
        "PacksPerCapita",
        "--treated",
        "California",
        "--start",
        "1989",
        "--se",
        "jackknife",
    ]);
    assert!(err.contains("--se placebo"), "{err}");
}

#[test]
fn too_many_columns_are_refused_naming_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.csv");
    let header: Vec<String> = (0..1001).map(|i| format!("c{i}")).collect();
    std::fs::write(&path, format!("{}\n", header.join(","))).unwrap();
    let err = did_error(&path.display().to_string(), &[]);
    assert!(
        err.contains("1001 columns") && err.contains("limit of 1000"),
        "{err}"
    );
}

#[test]
fn xlsx_input_gives_the_same_result_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mpdta.xlsx");
    let text = std::fs::read_to_string(golden("inputs/mpdta.csv")).unwrap();
    let (header, rows) = csv_rows(&text);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_number(r as u32 + 1, c as u16, f(cell)).unwrap();
        }
    }
    wb.save(&path).unwrap();
    let args = did(
        &path.display().to_string(),
        &["--aggregate", "simple", "--format", "csv"],
    );
    let xlsx = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(xlsx, run_did(&["--aggregate", "simple", "--format", "csv"]));
}

#[test]
fn text_unit_names_and_empty_cohorts_give_the_same_estimates() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(golden("inputs/mpdta.csv")).unwrap();
    let renamed: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let mut c: Vec<String> = l.split(',').map(str::to_string).collect();
            if i > 0 {
                c[1] = format!("county {}", c[1]);
                if c[4] == "0" {
                    c[4].clear();
                }
            }
            c.join(",")
        })
        .collect();
    let path = dir.path().join("named.csv");
    std::fs::write(&path, renamed.join("\n")).unwrap();
    let input = path.display().to_string();
    let args = did(&input, &["--aggregate", "simple", "--format", "csv"]);
    let named = ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        named,
        run_did(&["--aggregate", "simple", "--format", "csv"])
    );
    std::fs::write(
        &path,
        renamed
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != 3)
            .map(|(_, l)| l.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let err = did_error(&input, &[]);
    assert!(err.contains("unit county 8001"), "{err}");
}

#[test]
fn every_evaluate_command_has_help_with_examples() {
    for cmd in [vec![], vec!["did"], vec!["synth"], vec!["sdid"]] {
        let args: Vec<&str> = ["evaluate"]
            .into_iter()
            .chain(cmd)
            .chain(["--help"])
            .collect();
        let out = ok(&args);
        assert!(out.contains("Examples:"), "{args:?}:\n{out}");
    }
    let did_help = ok(&["evaluate", "did", "--help"]);
    assert!(did_help.contains("analytic"), "{did_help}");
}
