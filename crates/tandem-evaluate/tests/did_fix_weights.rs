//! Callaway & Sant'Anna on a balanced panel whose sampling weights change over time, under each
//! of R did's `fix_weights` rules ([`FixWeights`]), against csdid 0.4.3
//! (tests/golden/scripts/14_cs_did_fix_weights.py).

mod common;

use std::collections::HashMap;

use common::{att_gt_options, num, read_golden, read_rows, Rows};
use tandem_evaluate::did::{
    aggregate, att_gt, att_gt_cross_sections, Aggregation, AttGtOptions, AttGtResult, BasePeriod,
    CrossSectionData, DidError, FixWeights, PanelData,
};

/// mpdta with the golden script's weight, which changes every year:
/// `w = 0.5 + ((countyreal + 3 year) mod 11) / 8`.
fn panel() -> Rows {
    let mut p = read_rows("inputs/mpdta.csv");
    p.w = p
        .unit
        .iter()
        .zip(&p.time)
        .map(|(u, t)| 0.5 + ((u + 3 * t) % 11) as f64 / 8.0)
        .collect();
    p
}

fn options(row: &HashMap<String, String>) -> (AttGtOptions, bool) {
    let opts = AttGtOptions {
        fix_weights: match row["fix_weights"].as_str() {
            "none" => FixWeights::Earlier,
            "base_period" => FixWeights::BasePeriod,
            "first_period" => FixWeights::FirstPeriod,
            _ => FixWeights::Varying,
        },
        ..att_gt_options(row)
    };
    (opts, row["xformla"] != "~1")
}

fn run(p: &Rows, opts: &AttGtOptions, covariates: bool) -> AttGtResult {
    let x: [&[f64]; 1] = [&p.x];
    let data = PanelData {
        unit: &p.unit,
        time: &p.time,
        outcome: &p.y,
        cohort: &p.g,
        covariates: if covariates { &x } else { &[] },
        weights: Some(&p.w),
    };
    att_gt(&data, opts).expect("estimable")
}

fn assert_close(what: &str, ours: f64, reference: f64, tol: f64) {
    assert!(
        (ours - reference).abs() <= tol * reference.abs().max(1.0),
        "{what}: tandem {ours} vs csdid {reference}"
    );
}

/// The configurations of the golden file, each with its rows.
fn configs() -> Vec<(String, Vec<HashMap<String, String>>)> {
    let mut out: Vec<(String, Vec<HashMap<String, String>>)> = Vec::new();
    for row in read_golden("outputs/cs_mpdta_tvw_attgt.csv") {
        match out.last_mut() {
            Some((id, rows)) if *id == row["config_id"] => rows.push(row),
            _ => out.push((row["config_id"].clone(), vec![row])),
        }
    }
    out
}

#[test]
fn every_rule_matches_csdid_in_every_cell() {
    let p = panel();
    let configs = configs();
    assert_eq!(configs.len(), 84);
    for (id, cells) in configs {
        let (opts, covariates) = options(&cells[0]);
        let res = run(&p, &opts, covariates);
        // Under the universal base period csdid 0.4.3 mislabels the pre-treatment cells
        // (see the script): only its post-treatment cells are a reference there.
        let universal = opts.base_period == BasePeriod::Universal;
        let cells: Vec<_> = cells
            .into_iter()
            .filter(|c| !universal || num(c, "time") >= num(c, "group"))
            .collect();
        let compared = res.cells.iter().filter(|c| !universal || c.post).count();
        assert_eq!(compared, cells.len(), "{id}: number of cells");
        assert!(
            res.notes
                .iter()
                .any(|n| n.contains("weights change over time")),
            "{id}: {:?}",
            res.notes
        );
        let ours: HashMap<(i64, i64), (f64, Option<f64>)> = res
            .cells
            .iter()
            .map(|c| ((c.group, c.time), (c.att, c.se)))
            .collect();
        for cell in &cells {
            let key = (num(cell, "group") as i64, num(cell, "time") as i64);
            let what = format!("{id} {:?} ATT{key:?}", opts.fix_weights);
            let (att, se) = ours[&key];
            assert_close(&what, att, num(cell, "att"), 1e-10);
            let reference = num(cell, "se");
            // csdid reports the universal reference cell's zero standard error as ~0.
            if reference > 1e-7 {
                assert_close(&format!("{what} se"), se.expect("se"), reference, 1e-9);
            }
        }
    }
}

#[test]
fn aggregations_weigh_cohorts_by_the_first_periods_weights_as_csdid() {
    let p = panel();
    let options: HashMap<String, (AttGtOptions, bool)> = configs()
        .into_iter()
        .map(|(id, rows)| (id, options(&rows[0])))
        .collect();
    let mut fitted: HashMap<String, AttGtResult> = HashMap::new();
    let aggs = read_golden("outputs/cs_mpdta_tvw_aggte.csv");
    assert_eq!(aggs.len(), 4 * 48);
    for row in aggs {
        let id = &row["config_id"];
        let (opts, covariates) = &options[id];
        let res = fitted
            .entry(id.clone())
            .or_insert_with(|| run(&p, opts, *covariates));
        let kind = match row["agg"].as_str() {
            "simple" => Aggregation::Simple,
            "group" => Aggregation::Group,
            "calendar" => Aggregation::Calendar,
            _ => Aggregation::dynamic(),
        };
        let agg = aggregate(res, kind).expect("aggregation");
        let what = format!("{id} {:?} {}", opts.fix_weights, row["agg"]);
        let att = agg.overall_att.expect("overall");
        assert_close(&what, att, num(&row, "overall_att"), 1e-10);
        let se = agg.overall_se.expect("overall se");
        assert_close(&format!("{what} se"), se, num(&row, "overall_se"), 1e-9);
    }
}

/// With time-invariant weights every rule gives the same ATT(g,t) as before; `varying`
/// then runs the cross-section estimators, so it is compared with them.
#[test]
fn time_invariant_weights_are_the_same_under_every_rule() {
    let mut p = panel();
    p.w = p.unit.iter().map(|u| 0.5 + (u % 13) as f64 / 8.0).collect();
    let base = run(&p, &AttGtOptions::default(), true);
    assert!(base.notes.iter().all(|n| !n.contains("weights change")));
    for fix_weights in [FixWeights::BasePeriod, FixWeights::FirstPeriod] {
        let opts = AttGtOptions {
            fix_weights,
            ..AttGtOptions::default()
        };
        let res = run(&p, &opts, true);
        for (a, b) in res.cells.iter().zip(&base.cells) {
            assert_eq!((a.att, a.se), (b.att, b.se), "{fix_weights:?}");
        }
    }
    let varying = AttGtOptions {
        fix_weights: FixWeights::Varying,
        ..AttGtOptions::default()
    };
    let x: [&[f64]; 1] = [&p.x];
    let rows = CrossSectionData {
        unit: Some(&p.unit),
        time: &p.time,
        outcome: &p.y,
        cohort: &p.g,
        covariates: &x,
        weights: Some(&p.w),
    };
    let as_rows = att_gt_cross_sections(&rows, &AttGtOptions::default()).expect("rows");
    let res = run(&p, &varying, true);
    for (a, b) in res.cells.iter().zip(&as_rows.cells) {
        assert_eq!((a.att, a.se), (b.att, b.se));
    }
}

/// The base-period and first-period rules need each unit's weight in a given period, which
/// repeated cross-sections and unbalanced panels do not have.
#[test]
fn period_rules_are_refused_without_a_balanced_panel() {
    let p = panel();
    let rows = CrossSectionData {
        unit: Some(&p.unit),
        time: &p.time,
        outcome: &p.y,
        cohort: &p.g,
        covariates: &[],
        weights: Some(&p.w),
    };
    for (fix_weights, rule) in [
        (FixWeights::BasePeriod, "base_period"),
        (FixWeights::FirstPeriod, "first_period"),
    ] {
        let opts = AttGtOptions {
            fix_weights,
            ..AttGtOptions::default()
        };
        let err = att_gt_cross_sections(&rows, &opts).unwrap_err();
        assert_eq!(err, DidError::FixWeightsNeedBalancedPanel { rule });
        let unweighted = CrossSectionData {
            weights: None,
            ..rows
        };
        assert!(att_gt_cross_sections(&unweighted, &opts).is_ok());
    }
}
