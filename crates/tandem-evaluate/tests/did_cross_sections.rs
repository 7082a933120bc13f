//! Callaway & Sant'Anna on repeated cross-sections and unbalanced panels
//! ([`att_gt_cross_sections`]) against moderndid 0.2.0 and csdid 0.4.3
//! (tests/golden/scripts/13_cs_did_rc.py), and against the panel estimator on a balanced panel.

mod common;

use std::collections::HashMap;

use common::{att_gt_options, num, opt_num, read_golden, read_rows, Rows};
use tandem_evaluate::did::{
    aggregate, att_gt, att_gt_cross_sections, Aggregation, AttGtOptions, AttGtResult, BasePeriod,
    ControlGroup, CrossSectionData, DidError, EstMethod, PanelData,
};

/// The rows as repeated cross-sections, without covariates or weights.
fn cross_sections(rows: &Rows) -> CrossSectionData<'_> {
    CrossSectionData {
        unit: None,
        time: &rows.time,
        outcome: &rows.y,
        cohort: &rows.g,
        covariates: &[],
        weights: None,
    }
}

/// One configuration of the golden file.
struct Config {
    sampling: String,
    opts: AttGtOptions,
    covariates: bool,
    weights: bool,
}

impl Config {
    fn of(row: &HashMap<String, String>) -> Self {
        let opts = att_gt_options(row);
        Self {
            sampling: row["sampling"].clone(),
            opts,
            covariates: row["xformla"] != "~1",
            weights: row["weights"] == "w",
        }
    }

    fn run(&self, rows: &Rows) -> AttGtResult {
        let x: [&[f64]; 1] = [&rows.x];
        let data = CrossSectionData {
            unit: (self.sampling == "unbalanced").then_some(&rows.unit[..]),
            time: &rows.time,
            outcome: &rows.y,
            cohort: &rows.g,
            covariates: if self.covariates { &x } else { &[] },
            weights: self.weights.then_some(&rows.w[..]),
        };
        att_gt_cross_sections(&data, &self.opts).expect("estimable")
    }

    /// R DRDID's `drdid_rc` (and moderndid) gets the sign of one estimation effect wrong
    /// (golden README), so its standard errors are the reference only without it.
    fn moderndid_se_is_reference(&self) -> bool {
        !(self.opts.est_method == EstMethod::DoublyRobust && self.covariates)
    }
}

fn golden_by_config(file: &str) -> Vec<(String, Vec<HashMap<String, String>>)> {
    let mut out: Vec<(String, Vec<HashMap<String, String>>)> = Vec::new();
    for row in read_golden(file) {
        match out.last_mut() {
            Some((id, rows)) if *id == row["config_id"] => rows.push(row),
            _ => out.push((row["config_id"].clone(), vec![row])),
        }
    }
    out
}

fn assert_close(what: &str, ours: f64, reference: f64, tol: f64) {
    assert!(
        (ours - reference).abs() <= tol * reference.abs().max(1.0),
        "{what}: tandem {ours} vs reference {reference}"
    );
}

#[test]
fn every_cell_matches_moderndid_and_csdid() {
    let rows = read_rows("inputs/mpdta_rc.csv");
    let configs = golden_by_config("outputs/cs_mpdta_rc_attgt.csv");
    assert_eq!(configs.len(), 72);
    for (id, cells) in configs {
        let cfg = Config::of(&cells[0]);
        let res = cfg.run(&rows);
        let ours: HashMap<(i64, i64), (f64, Option<f64>)> = res
            .cells
            .iter()
            .map(|c| ((c.group, c.time), (c.att, c.se)))
            .collect();
        assert_eq!(ours.len(), cells.len(), "{id}: number of cells");
        for cell in &cells {
            let key = (num(cell, "group") as i64, num(cell, "time") as i64);
            let what = format!("{id} ATT{key:?}");
            let (att, se) = ours[&key];
            let md = opt_num(cell, "att_moderndid");
            let reference = md.or_else(|| opt_num(cell, "att_csdid")).expect("an ATT");
            assert_close(&what, att, reference, 1e-10);
            let se_reference = opt_num(cell, "se_csdid").or_else(|| {
                let md_se = opt_num(cell, "se_moderndid").filter(|s| *s > 1e-7);
                md_se.filter(|_| cfg.moderndid_se_is_reference())
            });
            if let Some(reference) = se_reference {
                assert_close(&format!("{what} se"), se.expect("se"), reference, 1e-9);
            }
        }
    }
}

#[test]
fn aggregations_match_csdid() {
    let rows = read_rows("inputs/mpdta_rc.csv");
    let configs: HashMap<String, Config> = golden_by_config("outputs/cs_mpdta_rc_attgt.csv")
        .into_iter()
        .map(|(id, cells)| (id, Config::of(&cells[0])))
        .collect();
    let mut fitted: HashMap<String, AttGtResult> = HashMap::new();
    let aggs = read_golden("outputs/cs_mpdta_rc_aggte.csv");
    assert_eq!(aggs.len(), 4 * 48);
    for row in aggs {
        let id = &row["config_id"];
        let res = fitted
            .entry(id.clone())
            .or_insert_with(|| configs[id].run(&rows));
        let kind = match row["agg"].as_str() {
            "simple" => Aggregation::Simple,
            "group" => Aggregation::Group,
            "calendar" => Aggregation::Calendar,
            _ => Aggregation::Dynamic {
                min_e: None,
                max_e: None,
                balance_e: None,
            },
        };
        let agg = aggregate(res, kind).expect("aggregation");
        let what = format!("{id} {}", row["agg"]);
        assert_close(
            &what,
            agg.overall_att.expect("overall"),
            num(&row, "overall_att"),
            1e-10,
        );
        let se = agg.overall_se.expect("overall se");
        assert_close(&format!("{what} se"), se, num(&row, "overall_se"), 1e-9);
    }
}

/// Without covariates, each cross-section estimator's ATT is the difference of four means,
/// which on a balanced panel equals the panel's ATT (R did's identity); the standard errors
/// differ (the panel's pairs each unit's two periods).
#[test]
fn a_balanced_panel_read_as_cross_sections_gives_the_panel_att() {
    let rows = read_rows("inputs/mpdta.csv");
    let panel = PanelData {
        unit: &rows.unit,
        time: &rows.time,
        outcome: &rows.y,
        cohort: &rows.g,
        covariates: &[],
        weights: None,
    };
    let cross = cross_sections(&rows);
    for est_method in [
        EstMethod::DoublyRobust,
        EstMethod::Ipw,
        EstMethod::Regression,
    ] {
        for base_period in [BasePeriod::Varying, BasePeriod::Universal] {
            for control_group in [ControlGroup::NeverTreated, ControlGroup::NotYetTreated] {
                let opts = AttGtOptions {
                    control_group,
                    est_method,
                    base_period,
                    anticipation: 0,
                    fix_weights: Default::default(),
                };
                let p = att_gt(&panel, &opts).expect("panel");
                let c = att_gt_cross_sections(&cross, &opts).expect("cross-sections");
                assert_eq!(c.n_units, 2500);
                assert_eq!(p.cells.len(), c.cells.len());
                for (a, b) in p.cells.iter().zip(&c.cells) {
                    assert_eq!((a.group, a.time), (b.group, b.time));
                    assert_close(&format!("{opts:?} {a:?}"), b.att, a.att, 1e-12);
                }
            }
        }
    }
}

/// The errors of an unbalanced panel, and what repeated cross-sections allow.
#[test]
fn unbalanced_panels_are_checked_and_cross_sections_need_no_units() {
    let rows = read_rows("inputs/mpdta_rc.csv");
    let opts = AttGtOptions::default();
    let mut g = rows.g.clone();
    let mut unit = rows.unit.clone();
    let with = |unit: &[i64], g: &[i64], y: &[f64]| {
        let data = CrossSectionData {
            unit: Some(unit),
            outcome: y,
            cohort: g,
            ..cross_sections(&rows)
        };
        att_gt_cross_sections(&data, &opts).map(|r| r.n_units)
    };
    let counties: std::collections::HashSet<i64> = rows.unit.iter().copied().collect();
    assert_eq!(with(&unit, &g, &rows.y), Ok(counties.len()));
    // A cohort that changes within a county.
    let other = (1..rows.unit.len())
        .find(|&r| rows.unit[r] == rows.unit[0])
        .expect("a second row of the first county");
    g[other] = if g[0] == 2004 { 2006 } else { 2004 };
    assert!(matches!(
        with(&unit, &g, &rows.y),
        Err(DidError::CohortVariesWithinUnit { .. })
    ));
    // Two rows of one county in one period.
    let twin = (1..rows.unit.len())
        .find(|&r| rows.time[r] == rows.time[0] && rows.g[r] == rows.g[0])
        .expect("another county of the same cohort and year");
    unit[twin] = unit[0];
    assert!(matches!(
        with(&unit, &rows.g, &rows.y),
        Err(DidError::DuplicateObservation { .. })
    ));
    // A missing outcome is refused, never dropped silently.
    let mut y = rows.y.clone();
    y[3] = f64::NAN;
    assert!(matches!(
        with(&rows.unit, &rows.g, &y),
        Err(DidError::NonFiniteOutcome { .. })
    ));
    // As cross-sections, every row is its own unit: the same county twice is fine.
    let res = att_gt_cross_sections(&cross_sections(&rows), &opts).expect("cross-sections");
    assert_eq!(res.n_units, rows.y.len());
    assert_eq!(res.unit_ids.len(), rows.y.len());
}
