//! `tandem evaluate did`: Callaway & Sant'Anna (2021) group-time effects of a staggered
//! treatment, their aggregations, the pre-trend Wald test and the multiplier bootstrap.

use super::honest::{self, HonestArgs, Sensitivity};
use super::{emit, num, opt_num, write_text, PanelColumns, DEFAULT_SEED};
use crate::commands::input::{self, Kind, Spec};
use crate::commands::ListingArgs;
use crate::output::{Cell, Format, Listing};
use crate::UserError;
use anyhow::Result;
use serde_json::{json, Value};
use std::collections::HashMap;
use tandem_evaluate::did::{
    aggregate, att_gt, att_gt_cross_sections, AggregateResult, Aggregation, AttGtOptions,
    AttGtResult, BasePeriod, BootstrapBands, BootstrapOptions, ControlGroup, CrossSectionData,
    DidError, EstMethod, FixWeights, PanelData,
};

#[derive(clap::Args, Debug)]
pub struct DidArgs {
    #[command(flatten)]
    panel: PanelColumns,
    /// Column of each unit's first treated period (its cohort); 0 or empty = never treated.
    #[arg(long, value_name = "COLUMN")]
    cohort: String,
    /// Covariate columns (comma-separated) for the propensity score and the outcome
    /// regression; time-varying ones are taken at the base period.
    #[arg(long, value_delimiter = ',', value_name = "COLUMN")]
    covariates: Vec<String>,
    /// Column of sampling weights (non-negative, one per row).
    #[arg(long, value_name = "COLUMN")]
    weights: Option<String>,
    /// When the weights change over time within a unit of a balanced panel, which period's
    /// weights each 2x2 comparison uses (R did's fix_weights): the earlier of its two periods
    /// (R's default), the cohort's last pre-treatment period, the first period, or each
    /// row its own (varying: the repeated cross-section estimators, clustered by unit).
    #[arg(long, value_enum, default_value_t = Fix::Earlier)]
    fix_weights: Fix,
    /// How the rows were sampled: a balanced panel (every unit in every period); an
    /// unbalanced panel (units may miss periods: R did's allow_unbalanced_panel, standard
    /// errors clustered by unit); or repeated cross-sections (every row its own observation:
    /// R did's panel = FALSE; --unit then only names rows in messages). The last two use
    /// the repeated cross-section estimators (Sant'Anna & Zhao 2020).
    #[arg(long, value_enum, default_value_t = Sampling::Panel)]
    sampling: Sampling,
    /// Comparison units: never treated, or never and not yet treated.
    #[arg(long, value_enum, default_value_t = Control::Never)]
    control: Control,
    /// Estimator of each 2x2 comparison: doubly robust, inverse probability weighting or
    /// outcome regression (identical without covariates).
    #[arg(long, value_enum, default_value_t = Method::Dr)]
    method: Method,
    /// Base period: varying (pre-treatment cells compare t with t-1) or universal (every
    /// cell compares with the last period before treatment).
    #[arg(long, value_enum, default_value_t = Base::Varying)]
    base_period: Base,
    /// Periods before treatment in which units may already react.
    #[arg(long, default_value_t = 0, value_name = "K")]
    anticipation: u32,
    /// Summary of the ATT(g,t): none, simple (one overall effect), dynamic (event study),
    /// group (by cohort) or calendar (by period).
    #[arg(long, value_enum, default_value_t = Agg::None)]
    aggregate: Agg,
    /// Run the multiplier bootstrap with N draws: bootstrap standard errors and a
    /// simultaneous 95% band (JSON fields `boot_se`, `lower`, `upper`, `critical_value`;
    /// `se` stays analytic).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    bootstrap: Option<u32>,
    /// Seed of the bootstrap draws (default 20240101); same seed, same result.
    #[arg(long, value_name = "S", requires = "bootstrap")]
    seed: Option<u64>,
    #[command(flatten)]
    honest: HonestArgs,
    #[command(flatten)]
    listing: ListingArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Sampling {
    Panel,
    Unbalanced,
    CrossSections,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Fix {
    Earlier,
    BasePeriod,
    FirstPeriod,
    Varying,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Control {
    Never,
    Notyet,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Method {
    Dr,
    Ipw,
    Reg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Base {
    Varying,
    Universal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Agg {
    None,
    Simple,
    Dynamic,
    Group,
    Calendar,
}

impl Agg {
    fn aggregation(self) -> Option<Aggregation> {
        match self {
            Agg::None => None,
            Agg::Simple => Some(Aggregation::Simple),
            Agg::Dynamic => Some(Aggregation::dynamic()),
            Agg::Group => Some(Aggregation::Group),
            Agg::Calendar => Some(Aggregation::Calendar),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Agg::None => "none",
            Agg::Simple => "simple",
            Agg::Dynamic => "dynamic",
            Agg::Group => "group",
            Agg::Calendar => "calendar",
        }
    }
}

impl DidArgs {
    fn options(&self) -> AttGtOptions {
        AttGtOptions {
            control_group: match self.control {
                Control::Never => ControlGroup::NeverTreated,
                Control::Notyet => ControlGroup::NotYetTreated,
            },
            est_method: match self.method {
                Method::Dr => EstMethod::DoublyRobust,
                Method::Ipw => EstMethod::Ipw,
                Method::Reg => EstMethod::Regression,
            },
            base_period: match self.base_period {
                Base::Varying => BasePeriod::Varying,
                Base::Universal => BasePeriod::Universal,
            },
            anticipation: self.anticipation,
            fix_weights: match self.fix_weights {
                Fix::Earlier => FixWeights::Earlier,
                Fix::BasePeriod => FixWeights::BasePeriod,
                Fix::FirstPeriod => FixWeights::FirstPeriod,
                Fix::Varying => FixWeights::Varying,
            },
        }
    }

    fn bootstrap_options(&self) -> Option<BootstrapOptions> {
        self.bootstrap.map(|n| BootstrapOptions {
            iterations: n as usize,
            seed: self.seed.unwrap_or(DEFAULT_SEED),
            ..BootstrapOptions::default()
        })
    }

    fn options_json(&self) -> Value {
        json!({
            "sampling": value_name(self.sampling),
            "control": value_name(self.control),
            "method": value_name(self.method),
            "base_period": value_name(self.base_period),
            "anticipation": self.anticipation,
            "fix_weights": value_name(self.fix_weights),
            "covariates": self.covariates,
            "weights": self.weights,
            "aggregate": self.aggregate.name(),
            "bootstrap": self.bootstrap,
            "seed": self.bootstrap.map(|_| self.seed.unwrap_or(DEFAULT_SEED)),
            "honest": self.honest.honest.map(value_name),
        })
    }
}

/// The command-line spelling of an option value.
fn value_name<T: clap::ValueEnum>(v: T) -> String {
    v.to_possible_value()
        .map_or_else(String::new, |p| p.get_name().to_string())
}

/// The panel read from the file, with unit labels mapped to integer ids.
struct Loaded {
    unit: Vec<i64>,
    time: Vec<i64>,
    outcome: Vec<f64>,
    cohort: Vec<i64>,
    covariates: Vec<Vec<f64>>,
    weights: Option<Vec<f64>>,
    /// Label of each unit id (for messages).
    labels: HashMap<i64, String>,
    /// Whether each row is its own unit (repeated cross-sections): ids are then row numbers.
    rows_are_units: bool,
}

impl Loaded {
    fn read(args: &DidArgs) -> Result<Loaded> {
        let p = &args.panel;
        let mut specs = vec![
            Spec::new("--unit", &p.unit, Kind::Label),
            Spec::new("--time", &p.time, Kind::Integer),
            Spec::new("--outcome", &p.outcome, Kind::Number),
            Spec::new("--cohort", &args.cohort, Kind::Cohort),
        ];
        specs.extend(
            args.covariates
                .iter()
                .map(|c| Spec::new("--covariates", c, Kind::Number)),
        );
        if let Some(w) = &args.weights {
            specs.push(Spec::new("--weights", w, Kind::Number));
        }
        let mut cols = input::read(&p.input, &specs)?.into_iter();
        let mut next = || cols.next().expect("one column per spec");
        let labels = next().into_labels();
        let (time, outcome, cohort) = (
            next().into_integers(),
            next().into_numbers(),
            next().into_integers(),
        );
        let covariates = args.covariates.iter().map(|_| next().into_numbers());
        let covariates = covariates.collect();
        let weights = args.weights.as_ref().map(|_| next().into_numbers());
        let (unit, labels) = unit_ids(&labels);
        Ok(Loaded {
            unit,
            time,
            outcome,
            cohort,
            covariates,
            weights,
            labels,
            rows_are_units: args.sampling == Sampling::CrossSections,
        })
    }

    /// "unit <label>", or for repeated cross-sections "the observation in data row <n>"
    /// (1-based, after the header).
    fn who(&self, id: i64) -> String {
        if self.rows_are_units {
            return format!("the observation in data row {}", id + 1);
        }
        let label = self.labels.get(&id).cloned();
        format!("unit {}", label.unwrap_or_else(|| id.to_string()))
    }
}

/// Integer unit ids: the labels themselves when every label is an integer written without
/// leading zeros (so results do not depend on row order), else the order of first appearance.
fn unit_ids(labels: &input::Labels) -> (Vec<i64>, HashMap<i64, String>) {
    // Only canonical integers: "007" and "7" are two units, not one.
    let canonical = |n: &String| n.parse::<i64>().ok().filter(|i| i.to_string() == *n);
    let parsed: Option<Vec<i64>> = labels.names.iter().map(canonical).collect();
    let ids = parsed.unwrap_or_else(|| (0..labels.names.len() as i64).collect());
    let unit = labels.codes.iter().map(|&c| ids[c as usize]).collect();
    let names = ids.iter().copied().zip(labels.names.iter().cloned());
    (unit, names.collect())
}

pub fn run(args: DidArgs) -> Result<()> {
    check_honest(&args)?;
    let data = Loaded::read(&args)?;
    let res = estimate(&args, &data).map_err(|e| did_error(e, &data))?;
    match args.aggregate.aggregation() {
        None => report_cells(&args, &res),
        Some(kind) => {
            let agg = aggregate(&res, kind).map_err(|e| did_error(e, &data))?;
            report_aggregate(&args, &res, &agg)
        }
    }
}

/// ATT(g,t) with the estimators of `--sampling`.
fn estimate(args: &DidArgs, data: &Loaded) -> Result<AttGtResult, DidError> {
    let covariates: Vec<&[f64]> = data.covariates.iter().map(Vec::as_slice).collect();
    let rows = CrossSectionData {
        unit: Some(&data.unit),
        time: &data.time,
        outcome: &data.outcome,
        cohort: &data.cohort,
        covariates: &covariates,
        weights: data.weights.as_deref(),
    };
    match args.sampling {
        Sampling::Panel => {
            let panel = PanelData {
                unit: &data.unit,
                time: rows.time,
                outcome: rows.outcome,
                cohort: rows.cohort,
                covariates: rows.covariates,
                weights: rows.weights,
            };
            att_gt(&panel, &args.options())
        }
        Sampling::Unbalanced => att_gt_cross_sections(&rows, &args.options()),
        Sampling::CrossSections => {
            let rows = CrossSectionData { unit: None, ..rows };
            att_gt_cross_sections(&rows, &args.options())
        }
    }
}

/// The sensitivity analysis needs an event study whose coefficients share one base period;
/// said before the file is read.
fn check_honest(args: &DidArgs) -> Result<()> {
    if args.honest.honest.is_none() {
        return Ok(());
    }
    if args.aggregate != Agg::Dynamic {
        return Err(
            UserError::new("--honest analyses an event study: add --aggregate dynamic").into(),
        );
    }
    if args.base_period != Base::Universal {
        return Err(UserError::new(
            "--honest needs every event-study coefficient measured from the same base period: add --base-period universal (Rambachan & Roth 2023, sect. 2)",
        )
        .into());
    }
    Ok(())
}

/// An estimator error as a user error, with unit labels as in the file and what to do.
fn did_error(e: DidError, data: &Loaded) -> anyhow::Error {
    let msg = match &e {
        DidError::UnbalancedPanel {
            unit,
            observed,
            expected,
        } => format!(
            "unbalanced panel: {} is observed in {observed} of {expected} periods; every unit needs a row in every period: use --sampling unbalanced, drop the incomplete units, or fill their gaps from a source (nothing is imputed)",
            data.who(*unit)
        ),
        DidError::DuplicateObservation { unit, time } => format!(
            "{} has more than one row for period {time}; keep one row per unit and period (or use --sampling cross-sections if the rows are not units followed over time)",
            data.who(*unit)
        ),
        DidError::CohortVariesWithinUnit { unit } => format!(
            "the cohort of {} changes between rows; it must be the unit's first treated period in every row",
            data.who(*unit)
        ),
        DidError::FixWeightsNeedBalancedPanel { rule } => format!(
            "--fix-weights {} needs a balanced panel (each unit's weight in that period); with --sampling unbalanced or cross-sections use --fix-weights earlier or varying",
            rule.replace('_', "-")
        ),
        DidError::InvalidWeight { unit } => format!(
            "the sampling weight of {} is negative or not finite (or all weights are 0)",
            data.who(*unit)
        ),
        DidError::NonFiniteOutcome { unit, time } => format!(
            "the outcome of {} in period {time} is missing or not finite",
            data.who(*unit)
        ),
        DidError::NeverTreatedTooSmall { size, required } => format!(
            "the never-treated group has {size} units, at least {required} are needed; use --control notyet or fewer covariates"
        ),
        other => other.to_string(),
    };
    UserError::new(format!("Callaway-Sant'Anna: {msg}")).into()
}

fn bootstrap_cells(args: &DidArgs, res: &AttGtResult) -> Result<Option<BootstrapBands>> {
    args.bootstrap_options()
        .map(|o| res.bootstrap(&o))
        .transpose()
        .map_err(|e| UserError::new(format!("bootstrap: {e}")).into())
}

fn report_cells(args: &DidArgs, res: &AttGtResult) -> Result<()> {
    let boot = bootstrap_cells(args, res)?;
    let full = args.listing.format == Format::Table;
    let mut l = Listing::new(title(args, res, "ATT(g,t)"));
    l.column("group", "Group (cohort)").column("time", "Time");
    if full {
        l.column("event_time", "Event time");
    }
    l.column("att", "ATT").column("se", "SE");
    if full && boot.is_some() {
        band_columns(&mut l);
    }
    for (k, c) in res.cells.iter().enumerate() {
        let mut row = vec![Cell::Integer(c.group), Cell::Integer(c.time)];
        if full {
            row.push(Cell::Integer(c.event_time));
        }
        row.extend([Cell::Number(c.att, 4), Cell::opt_number(c.se, 4)]);
        if full {
            row.extend(boot.as_ref().map(|b| band_cells(b, k)).unwrap_or_default());
        }
        l.rows.push(row);
    }
    let cv = boot.as_ref().and_then(|b| b.critical_value);
    l.notes = notes(args, res, boot.as_ref().map(|_| cv));
    let estimates: Vec<Value> = (0..res.cells.len())
        .map(|k| cell_json(res, k, boot.as_ref()))
        .collect();
    let json = result_json(args, res, estimates, cv, &l.notes);
    emit(&l, &json, &args.listing)
}

fn band_columns(l: &mut Listing) {
    l.column("boot_se", "Bootstrap SE")
        .column("lower", "Band lower")
        .column("upper", "Band upper");
}

fn band_cells(b: &BootstrapBands, k: usize) -> Vec<Cell> {
    vec![
        Cell::opt_number(b.se[k], 4),
        Cell::opt_number(b.lower[k], 4),
        Cell::opt_number(b.upper[k], 4),
    ]
}

fn band_json(obj: &mut Value, b: Option<&BootstrapBands>, k: usize) {
    if let Some(b) = b {
        obj["boot_se"] = opt_num(b.se[k]);
        obj["lower"] = opt_num(b.lower[k]);
        obj["upper"] = opt_num(b.upper[k]);
    }
}

fn cell_json(res: &AttGtResult, k: usize, boot: Option<&BootstrapBands>) -> Value {
    let c = &res.cells[k];
    let mut v = json!({
        "group": c.group,
        "time": c.time,
        "event_time": c.event_time,
        "base_time": c.base_time,
        "post": c.post,
        "att": num(c.att),
        "se": opt_num(c.se),
        "n_treated": c.n_treated,
        "n_control": c.n_control,
    });
    band_json(&mut v, boot, k);
    v
}

fn title(args: &DidArgs, res: &AttGtResult, what: &str) -> String {
    let p = &res.time_periods;
    format!(
        "Callaway-Sant'Anna {what} of {} by cohort {} ({} units, periods {}-{})",
        args.panel.outcome,
        args.cohort,
        res.n_units,
        p.first().copied().unwrap_or_default(),
        p.last().copied().unwrap_or_default()
    )
}

/// Notes under the table and in JSON: settings, the pre-trend test, the bootstrap band,
/// skipped cells and the estimator's data notes. `band` is `Some(critical value)` when
/// bootstrapped.
fn notes(args: &DidArgs, res: &AttGtResult, band: Option<Option<f64>>) -> Vec<String> {
    let mut notes = vec![format!(
        "Comparison: {} units; estimator {}; base period {}; anticipation {}; covariates: {}. SE: analytic (influence function, clustered by unit).",
        match args.control {
            Control::Never => "never-treated",
            Control::Notyet => "never- and not-yet-treated",
        },
        value_name(args.method),
        value_name(args.base_period),
        args.anticipation,
        if args.covariates.is_empty() { "none".to_string() } else { args.covariates.join(", ") }
    )];
    notes.push(match &res.wald_pretest {
        Some(w) => format!(
            "Pre-trend test (Wald, all pre-treatment ATT(g,t) = 0): W = {:.4}, df = {}, p = {:.4}.",
            w.statistic, w.df, w.p_value
        ),
        None => "Pre-trend test: not available (no usable pre-treatment cell; see below).".into(),
    });
    if let Some(cv) = band {
        notes.push(bootstrap_note(args, cv));
    }
    notes.extend(
        res.skipped
            .iter()
            .map(|s| format!("ATT({},{}) not estimated: {}.", s.group, s.time, s.reason)),
    );
    notes.extend(res.notes.iter().cloned());
    notes
}

fn bootstrap_note(args: &DidArgs, cv: Option<f64>) -> String {
    let opts = args.bootstrap_options().unwrap_or_default();
    let band = match cv {
        Some(c) => format!(
            "simultaneous 95% band = estimate ± {c:.4} × bootstrap SE (critical value {c:.4})"
        ),
        None => "no simultaneous band (no level with a bootstrap SE)".into(),
    };
    format!(
        "Multiplier bootstrap: {} draws, seed {}; {band}.",
        opts.iterations, opts.seed
    )
}

fn result_json(
    args: &DidArgs,
    res: &AttGtResult,
    estimates: Vec<Value>,
    critical_value: Option<f64>,
    notes: &[String],
) -> Value {
    json!({
        "estimator": "callaway_santanna",
        "outcome": args.panel.outcome,
        "options": args.options_json(),
        "n_units": res.n_units,
        "periods": res.time_periods,
        "groups": res.groups,
        "aggregation": args.aggregate.name(),
        "estimates": estimates,
        "wald_pretest": res.wald_pretest.as_ref().map(|w| json!({
            "statistic": num(w.statistic),
            "df": w.df,
            "p_value": num(w.p_value),
        })),
        "bootstrap": args.bootstrap_options().map(|o| json!({
            "iterations": o.iterations,
            "seed": o.seed,
            "alpha": o.alpha,
            "critical_value": opt_num(critical_value),
        })),
        "skipped": res.skipped,
        "notes": notes,
    })
}

/// Bootstrap of an aggregation: the bands of its levels and the overall bootstrap SE.
struct AggBoot {
    levels: BootstrapBands,
    overall_se: Option<f64>,
}

fn bootstrap_aggregate(args: &DidArgs, agg: &AggregateResult) -> Result<Option<AggBoot>> {
    let Some(opts) = args.bootstrap_options() else {
        return Ok(None);
    };
    let b = agg
        .bootstrap(&opts)
        .map_err(|e| UserError::new(format!("bootstrap: {e}")))?;
    Ok(Some(AggBoot {
        levels: b.levels,
        overall_se: b.overall_se,
    }))
}

/// One row of an aggregation: the overall effect (`level` = `None`) or one level.
struct AggRow {
    level: Option<i64>,
    estimate: f64,
    se: Option<f64>,
    /// Bootstrap SE and simultaneous band (`None` without --bootstrap).
    boot: Option<[Option<f64>; 3]>,
}

impl AggRow {
    /// Table or CSV cells, with the first `boot_columns` of bootstrap SE, lower, upper.
    fn cells(&self, name: &str, boot_columns: usize) -> Vec<Cell> {
        let mut row = vec![
            Cell::text(name),
            self.level.map_or(Cell::text("overall"), Cell::Integer),
            Cell::Number(self.estimate, 4),
            Cell::opt_number(self.se, 4),
        ];
        if let Some(b) = self.boot {
            // The overall effect has no simultaneous band: blank, not "no data".
            let band = |v: Option<f64>| match (self.level, v) {
                (None, None) => Cell::text(""),
                (_, v) => Cell::opt_number(v, 4),
            };
            row.extend(b.map(band).into_iter().take(boot_columns));
        }
        row
    }

    fn json(&self, name: &str) -> Value {
        let level = self.level.map_or(json!("overall"), Value::from);
        let mut v = json!({"aggregation": name, "level": level, "estimate": num(self.estimate), "se": opt_num(self.se)});
        if let Some([se, lower, upper]) = self.boot {
            v["boot_se"] = opt_num(se);
            if self.level.is_some() {
                v["lower"] = opt_num(lower);
                v["upper"] = opt_num(upper);
            }
        }
        v
    }
}

fn agg_rows(agg: &AggregateResult, boot: Option<&AggBoot>) -> Vec<AggRow> {
    let overall = agg.overall_att.map(|att| AggRow {
        level: None,
        estimate: att,
        se: agg.overall_se,
        boot: boot.map(|b| [b.overall_se, None, None]),
    });
    let levels = agg.levels.iter().enumerate().map(|(k, lv)| AggRow {
        level: Some(lv.label),
        estimate: lv.estimate,
        se: lv.se,
        boot: boot.map(|b| {
            let l = &b.levels;
            [l.se[k], l.lower[k], l.upper[k]]
        }),
    });
    overall.into_iter().chain(levels).collect()
}

fn report_aggregate(args: &DidArgs, res: &AttGtResult, agg: &AggregateResult) -> Result<()> {
    let boot = bootstrap_aggregate(args, agg)?;
    let full = args.listing.format == Format::Table;
    let name = args.aggregate.name();
    let mut l = Listing::new(title(args, res, &format!("{name} aggregation")));
    l.column("aggregation", "Aggregation")
        .column("level", level_label(args.aggregate))
        .column("estimate", "Estimate")
        .column("se", "SE");
    let boot_columns = match (full, &boot) {
        (false, _) | (_, None) => 0,
        (true, Some(_)) if agg.levels.is_empty() => 1,
        (true, Some(_)) => 3,
    };
    match boot_columns {
        1 => {
            l.column("boot_se", "Bootstrap SE");
        }
        3 => band_columns(&mut l),
        _ => {}
    }
    let rows = agg_rows(agg, boot.as_ref());
    l.rows = rows.iter().map(|r| r.cells(name, boot_columns)).collect();
    let cv = boot.as_ref().and_then(|b| b.levels.critical_value);
    l.notes = notes(args, res, boot.as_ref().map(|_| cv));
    if agg.overall_att.is_none() {
        l.notes
            .push("No overall effect: no event time >= 0.".into());
    }
    let estimates = rows.iter().map(|r| r.json(name)).collect();
    let mut json = result_json(args, res, estimates, cv, &l.notes);
    json["att_gt"] = (0..res.cells.len())
        .map(|k| cell_json(res, k, None))
        .collect();
    let sensitivity = honest::run(&args.honest, agg, args.anticipation)?;
    if let Some(s) = &sensitivity {
        json["sensitivity"] = s.json.clone();
    }
    emit_with_sensitivity(&l, &json, sensitivity.as_ref(), &args.listing)
}

/// JSON holds everything; a table shows the sensitivity under the event study; the other
/// formats, one table each, hold the sensitivity the user asked for.
fn emit_with_sensitivity(
    l: &Listing,
    json: &Value,
    sensitivity: Option<&Sensitivity>,
    output: &ListingArgs,
) -> Result<()> {
    match (sensitivity, output.format) {
        (None, _) | (Some(_), Format::Json) => emit(l, json, output),
        (Some(s), Format::Table) => {
            let text = format!("{}\n{}", l.to_table(), s.listing.to_table());
            write_text(&text, output)
        }
        (Some(s), _) => emit(&s.listing, json, output),
    }
}

fn level_label(agg: Agg) -> &'static str {
    match agg {
        Agg::Dynamic => "Level (event time)",
        Agg::Group => "Level (cohort)",
        Agg::Calendar => "Level (period)",
        Agg::Simple | Agg::None => "Level",
    }
}
