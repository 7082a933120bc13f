//! `tandem evaluate synth`: synthetic control of one treated unit with in-space placebos.

use super::{check_period, emit, num, PanelColumns};
use crate::commands::input::{self, Kind, Labels, Spec};
use crate::commands::ListingArgs;
use crate::output::{Cell, Listing};
use crate::{user_bail, UserError};
use anyhow::Result;
use serde_json::{json, Map, Value};
use tandem_evaluate::synth::{
    in_space_placebo, leave_one_out, pivot_long, synthetic_control, DonorPool, LeaveOneOut,
    PlaceboPValue, PlaceboTest, Predictor, Predictors, ScFit, ScSpec, SynthError, WidePanel,
};

fn positive_finite(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(k) if k.is_finite() && k > 0.0 => Ok(k),
        _ => Err(format!("{s:?} is not a positive number")),
    }
}

#[derive(clap::Args, Debug)]
pub struct SynthArgs {
    #[command(flatten)]
    panel: PanelColumns,
    /// The treated unit, as written in the unit column; every other unit is a donor.
    #[arg(long, value_name = "UNIT")]
    treated: String,
    /// First treated period (a period of the panel); the weights are fitted on the
    /// periods before it.
    #[arg(long, value_name = "T")]
    start: i64,
    /// Refit with each donor in turn as if treated (the other donors as its pool) and give
    /// the placebo p-value.
    #[arg(long)]
    placebo: bool,
    /// With --placebo, also the p-value among the placebos whose pre-period MSPE is at most
    /// K times the treated unit's (Abadie, Diamond & Hainmueller 2010 use 20, 5 and 2: a
    /// placebo that never fitted says nothing about the post period).
    #[arg(long, value_name = "K", requires = "placebo", value_parser = positive_finite)]
    max_pre_mspe: Option<f64>,
    /// Refit without each donor of positive weight in turn (Abadie 2021, sect. 8): how much
    /// the effect rests on any one donor.
    #[arg(long)]
    leave_one_out: bool,
    /// Match on the outcome in these pre-treatment periods (comma-separated, e.g.
    /// 1975,1980,1988: ADH's lagged outcomes) instead of every pre-period outcome, each
    /// scaled by its standard deviation across units, with ADH's data-driven V: the weights
    /// of these predictors that make the synthetic path fit all pre-treatment periods best
    /// (R Synth's and pysyncon's nested search). Placebos search their own V.
    #[arg(long, value_delimiter = ',', value_name = "PERIODS")]
    lagged_outcomes: Vec<i64>,
    /// Covariate columns of the file (comma-separated) to match on, each unit's mean over
    /// --predictors-period (R Synth's and pysyncon's predictors with op "mean"; empty cells
    /// are left out of the mean, and a unit without any value there is an error). With or
    /// without --lagged-outcomes, the predictors are scaled by their standard deviation and
    /// V is searched as there.
    #[arg(long, value_delimiter = ',', value_name = "COLUMNS")]
    predictors: Vec<String>,
    /// The periods whose covariate values are averaged, FROM-TO (default: every
    /// pre-treatment period).
    #[arg(long, value_name = "FROM-TO", requires = "predictors", value_parser = period_range)]
    predictors_period: Option<(i64, i64)>,
    #[command(flatten)]
    listing: ListingArgs,
}

fn period_range(s: &str) -> Result<(i64, i64), String> {
    let parsed = s
        .split_once('-')
        .and_then(|(a, b)| Some((a.trim().parse().ok()?, b.trim().parse().ok()?)));
    match parsed {
        Some((from, to)) if from <= to => Ok((from, to)),
        _ => Err(format!(
            "{s:?} is not a period range FROM-TO such as 1980-1988"
        )),
    }
}

pub fn run(args: SynthArgs) -> Result<()> {
    let (wide, covariates) = load(&args)?;
    let treated = wide
        .unit_index(&args.treated)
        .expect("the treated unit was checked");
    check_period(&wide.periods, args.start)?;
    let first_post = wide.period_index(args.start).expect("checked period");
    let donors = (0..wide.units.len()).filter(|&u| u != treated).collect();
    let mut spec = ScSpec::new(treated, donors, first_post);
    let mut predictors = covariate_predictors(&args, &wide, &covariates)?;
    predictors.extend(lagged_outcomes(&args.lagged_outcomes, &wide, args.start)?);
    if !predictors.is_empty() {
        spec = spec.with_predictors(Predictors {
            rows: predictors,
            scale_by_sd: true,
            search_v_over: Some((0..first_post).collect()),
        });
    }
    let (fit, placebo) = if args.placebo {
        let test = in_space_placebo(&wide.matrix, &spec, DonorPool::ExcludeTreated)
            .map_err(synth_error)?;
        let fit = test
            .treated()
            .cloned()
            .expect("the treated fit comes first");
        (fit, Some(test))
    } else {
        let fit = synthetic_control(&wide.matrix, &spec).map_err(synth_error)?;
        (fit, None)
    };
    let filtered = match (&placebo, args.max_pre_mspe) {
        (Some(test), Some(k)) => Some(test.p_value(Some(k)).map_err(synth_error)?),
        _ => None,
    };
    let loo = if args.leave_one_out {
        Some(leave_one_out(&wide.matrix, &spec).map_err(synth_error)?)
    } else {
        None
    };
    let out = Fitted {
        predictor_names: spec
            .predictors
            .as_ref()
            .map(|p| p.rows.iter().map(|r| r.name.clone()).collect())
            .unwrap_or_default(),
        args: &args,
        wide: &wide,
        fit: &fit,
        placebo: placebo.as_ref(),
        filtered: filtered.as_ref(),
        loo: loo.as_ref(),
    };
    let mut listing = out.listing();
    listing.notes = out.notes();
    emit(&listing, &out.json(&listing.notes), &args.listing)
}

/// The outcome in each of `periods` as a predictor named by its period; each must be a
/// pre-treatment period of the panel.
fn lagged_outcomes(periods: &[i64], wide: &WidePanel, start: i64) -> Result<Vec<Predictor>> {
    let rows = periods.iter().map(|&t| match wide.period_index(t) {
        Some(i) if t < start => Predictor::outcome(&wide.matrix, i, 1.0)
            .map(|p| Predictor {
                name: t.to_string(),
                ..p
            })
            .map_err(synth_error),
        _ => Err(UserError::new(format!(
            "--lagged-outcomes {t}: not a pre-treatment period of the panel ({} to {})",
            wide.periods[0],
            start - 1
        ))
        .into()),
    });
    rows.collect()
}

/// The `--predictors` columns read with the panel: per row, its unit (an index into the
/// panel's units), its period and each column's value (`None` empty). Empty without
/// `--predictors`.
struct Covariates {
    unit: Vec<usize>,
    time: Vec<i64>,
    columns: Vec<Vec<Option<f64>>>,
}

/// Each `--predictors` column's mean per unit over `--predictors-period` (default: the
/// pre-treatment periods), named `COLUMN mean FROM-TO`.
fn covariate_predictors(
    args: &SynthArgs,
    wide: &WidePanel,
    covariates: &Covariates,
) -> Result<Vec<Predictor>> {
    let (from, to) = args
        .predictors_period
        .unwrap_or((wide.periods[0], args.start - 1));
    if to >= args.start {
        user_bail!(
            "--predictors-period {from}-{to}: predictors are measured before treatment (up to {})",
            args.start - 1
        );
    }
    let units = wide.units.len();
    let mut out = Vec::with_capacity(args.predictors.len());
    for (name, column) in args.predictors.iter().zip(&covariates.columns) {
        let (mut sum, mut count) = (vec![0.0; units], vec![0usize; units]);
        for (r, value) in column.iter().enumerate() {
            let t = covariates.time[r];
            if let (Some(v), true) = (value, (from..=to).contains(&t)) {
                let u = covariates.unit[r];
                sum[u] += v;
                count[u] += 1;
            }
        }
        if let Some(u) = count.iter().position(|&c| c == 0) {
            user_bail!(
                "--predictors {name}: unit {} has no value in {from}-{to}; fill it from a source or choose another period (missing is not zero)",
                wide.units[u]
            );
        }
        let values = sum.iter().zip(&count).map(|(s, &c)| s / c as f64).collect();
        out.push(Predictor::covariate(
            format!("{name} mean {from}-{to}"),
            values,
            1.0,
        ));
    }
    Ok(out)
}

fn load(args: &SynthArgs) -> Result<(WidePanel, Covariates)> {
    let p = &args.panel;
    let mut specs = vec![
        Spec::new("--unit", &p.unit, Kind::Label),
        Spec::new("--time", &p.time, Kind::Integer),
        Spec::new("--outcome", &p.outcome, Kind::Number),
    ];
    for column in &args.predictors {
        specs.push(Spec::new("--predictors", column, Kind::OptionalNumber));
    }
    let mut cols = input::read(&p.input, &specs)?.into_iter();
    let labels = cols.next().expect("unit").into_labels();
    let time = cols.next().expect("time").into_integers();
    let outcome = cols.next().expect("outcome").into_numbers();
    check_treated(&labels, &[args.treated.as_str()], &p.unit)?;
    let unit = labels.per_row();
    let wide = pivot_long(&unit, &time, &outcome).map_err(synth_error)?;
    let columns: Vec<Vec<Option<f64>>> = cols.map(|c| c.into_optional_numbers()).collect();
    if columns.is_empty() {
        let none = Covariates {
            unit: Vec::new(),
            time: Vec::new(),
            columns,
        };
        return Ok((wide, none));
    }
    let index: std::collections::HashMap<&str, usize> = wide
        .units
        .iter()
        .enumerate()
        .map(|(u, name)| (name.as_str(), u))
        .collect();
    let covariates = Covariates {
        unit: unit.iter().map(|u| index[u]).collect(),
        time,
        columns,
    };
    Ok((wide, covariates))
}

/// Every treated unit must be a unit of the file.
pub(super) fn check_treated(labels: &Labels, treated: &[&str], column: &str) -> Result<()> {
    for t in treated {
        if !labels.contains(t) {
            user_bail!(
                "unknown treated unit {t:?}: column {column:?} has no such unit; its units are: {}",
                labels.sample(40)
            );
        }
    }
    Ok(())
}

fn synth_error(e: SynthError) -> anyhow::Error {
    let hint = match e {
        SynthError::MissingCell { .. } => {
            ": drop the incomplete units or fill their gaps from a source (nothing is imputed)"
        }
        SynthError::DuplicateCell { .. } => ": keep one row per unit and period",
        SynthError::NoPrePeriod => ": --start must come after the first period",
        _ => "",
    };
    UserError::new(format!("synthetic control: {e}{hint}")).into()
}

/// A fit with what it is rendered from.
struct Fitted<'a> {
    args: &'a SynthArgs,
    /// The predictors' names, in V's order (covariates, then lagged outcomes by year).
    predictor_names: Vec<String>,
    wide: &'a WidePanel,
    fit: &'a ScFit,
    placebo: Option<&'a PlaceboTest>,
    /// The p-value after the pre-fit filter (`--max-pre-mspe`).
    filtered: Option<&'a PlaceboPValue>,
    loo: Option<&'a LeaveOneOut>,
}

impl Fitted<'_> {
    fn actual(&self) -> &[f64] {
        self.wide
            .matrix
            .row(self.fit.treated)
            .expect("the treated row")
    }

    fn listing(&self) -> Listing {
        let mut l = Listing::new(format!(
            "Synthetic control of {} for {} (treated from {}): actual and synthetic path",
            self.args.panel.outcome, self.args.treated, self.args.start
        ));
        l.column("time", "Time")
            .column("actual", "Actual")
            .column("synthetic", "Synthetic")
            .column("gap", "Gap");
        let actual = self.actual();
        for (t, &period) in self.wide.periods.iter().enumerate() {
            l.rows.push(vec![
                Cell::Integer(period),
                Cell::Number(actual[t], 4),
                Cell::Number(self.fit.synthetic[t], 4),
                Cell::Number(self.fit.gaps[t], 4),
            ]);
        }
        l
    }

    /// Donors with positive weight, heaviest first.
    fn positive_weights(&self) -> Vec<(&str, f64)> {
        let mut w: Vec<(&str, f64)> = self
            .fit
            .donors
            .iter()
            .zip(&self.fit.weights)
            .filter(|(_, &w)| w > 0.0)
            .map(|(&d, &w)| (self.wide.units[d].as_str(), w))
            .collect();
        w.sort_by(|a, b| b.1.total_cmp(&a.1));
        w
    }

    fn notes(&self) -> Vec<String> {
        let f = self.fit;
        let weights: Vec<String> = self
            .positive_weights()
            .iter()
            .map(|(u, w)| format!("{u} {w:.4}"))
            .collect();
        let mut notes = vec![
            format!(
                "ATT (mean post-treatment gap) = {:.4}; RMSPE pre = {:.4}, post = {:.4}, ratio = {:.4}.",
                f.att, f.pre_rmspe, f.post_rmspe, f.rmspe_ratio
            ),
            format!(
                "Weights ({}; {} donors): {}.",
                self.predictors_said(),
                f.donors.len(),
                weights.join(", ")
            ),
        ];
        if let Some(test) = self.placebo {
            let p = &test.unfiltered;
            notes.push(format!(
                "Placebo p-value = {}/{} = {:.4}: units whose post/pre RMSPE ratio is at least {}'s (counted), each donor refitted with the other donors.",
                p.n_ratio_ge_treated, p.n_units, p.p_value, self.args.treated
            ));
        }
        if let Some(p) = self.filtered {
            notes.push(format!(
                "Placebo p-value among the placebos fitting their pre-period at most {}x as poorly (MSPE) as {}: {}/{} = {:.4}.",
                p.max_pre_mspe_multiple.unwrap_or(f64::NAN),
                self.args.treated,
                p.n_ratio_ge_treated,
                p.n_units,
                p.p_value
            ));
        }
        notes.extend(self.loo.map(|l| self.loo_note(l)));
        notes
    }

    /// What the weights matched on, for the notes.
    fn predictors_said(&self) -> String {
        let Some(v) = &self.fit.v else {
            return "pre-treatment outcomes as predictors, V = I".into();
        };
        let weights: Vec<String> = self
            .predictor_names
            .iter()
            .zip(v)
            .map(|(name, v)| format!("{name} {v:.4}"))
            .collect();
        format!(
            "predictors {} (the outcome in the periods named by a year), V searched (ADH): {}; mean squared pre-treatment gap {:.4}",
            self.predictor_names.join(", "),
            weights.join(", "),
            self.fit.loss_v.unwrap_or(f64::NAN)
        )
    }

    fn loo_note(&self, loo: &LeaveOneOut) -> String {
        let fits: Vec<String> = loo
            .fits
            .iter()
            .map(|f| {
                format!(
                    "without {} {:.4}",
                    self.wide.units[f.dropped_donor], f.fit.att
                )
            })
            .collect();
        match loo.att_range() {
            Some((lo, hi)) => format!(
                "Leave-one-out ATT from {lo:.4} to {hi:.4} ({}).",
                fits.join(", ")
            ),
            None => "Leave-one-out: no donor has positive weight.".into(),
        }
    }

    fn json(&self, notes: &[String]) -> Value {
        let f = self.fit;
        let weights: Map<String, Value> = f
            .donors
            .iter()
            .zip(&f.weights)
            .map(|(&d, &w)| (self.wide.units[d].clone(), num(w)))
            .collect();
        let actual = self.actual();
        let path: Vec<Value> = (0..self.wide.periods.len())
            .map(|t| {
                json!({
                    "time": self.wide.periods[t],
                    "actual": num(actual[t]),
                    "synthetic": num(f.synthetic[t]),
                    "gap": num(f.gaps[t]),
                })
            })
            .collect();
        let mut v = json!({
            "estimator": "synthetic_control",
            "outcome": self.args.panel.outcome,
            "treated": self.args.treated,
            "start": self.args.start,
            "pre_periods": self.fit.gaps.len() - self.post_len(),
            "post_periods": self.post_len(),
            "weights": weights,
            "att": num(f.att),
            "pre_rmspe": num(f.pre_rmspe),
            "post_rmspe": num(f.post_rmspe),
            "rmspe_ratio": num(f.rmspe_ratio),
            "path": path,
            "notes": notes,
        });
        if let Some(test) = self.placebo {
            self.add_placebos(&mut v, test);
        }
        if let Some(p) = self.filtered {
            v["p_value_filtered"] = json!({
                "max_pre_mspe_multiple": p.max_pre_mspe_multiple,
                "p_value": num(p.p_value),
                "ratio_at_least_treated": p.n_ratio_ge_treated,
                "units": p.n_units,
            });
        }
        if let Some(loo) = self.loo {
            v["leave_one_out"] = self.loo_json(loo);
        }
        if let Some(weights) = &f.v {
            let by_period: Map<String, Value> = self
                .predictor_names
                .iter()
                .zip(weights)
                .map(|(name, w)| (name.clone(), num(*w)))
                .collect();
            v["v"] = Value::Object(by_period);
            v["loss_v"] = json!(f.loss_v.map(num));
        }
        v
    }

    fn loo_json(&self, loo: &LeaveOneOut) -> Value {
        let fits: Vec<Value> = loo
            .fits
            .iter()
            .map(|f| {
                json!({
                    "dropped": self.wide.units[f.dropped_donor],
                    "dropped_weight": num(f.dropped_weight),
                    "att": num(f.fit.att),
                    "pre_rmspe": num(f.fit.pre_rmspe),
                })
            })
            .collect();
        let range = loo.att_range().map(|(lo, hi)| json!([num(lo), num(hi)]));
        json!({ "fits": fits, "att_range": range })
    }

    fn post_len(&self) -> usize {
        let first_post = self
            .wide
            .period_index(self.args.start)
            .expect("checked period");
        self.wide.periods.len() - first_post
    }

    fn add_placebos(&self, v: &mut Value, test: &PlaceboTest) {
        let placebos: Vec<Value> = test
            .fits
            .iter()
            .filter(|p| !p.is_treated)
            .map(|p| {
                json!({
                    "unit": self.wide.units[p.unit],
                    "pre_rmspe": num(p.fit.pre_rmspe),
                    "post_rmspe": num(p.fit.post_rmspe),
                    "ratio": num(p.fit.rmspe_ratio),
                    "att": num(p.fit.att),
                })
            })
            .collect();
        let p = &test.unfiltered;
        v["placebos"] = Value::Array(placebos);
        v["p_value"] = num(p.p_value);
        v["p_value_count"] = json!({
            "ratio_at_least_treated": p.n_ratio_ge_treated,
            "units": p.n_units,
        });
    }
}
