//! The impact-evaluation estimators of `tandem-evaluate`: Callaway-Sant'Anna group-time ATTs
//! and their aggregations, synthetic control with placebos, synthetic DID with its standard
//! errors. The Python side (`tandem.att_gt`, `aggte`, `synth`, `sdid`) names the arguments
//! as the reference packages do and wraps the dicts here in result objects.

use std::collections::HashMap;

use crate::arrays::slice;
use crate::errors::{to_py, user_error};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tandem_evaluate::did::{
    aggregate, att_gt, att_gt_cross_sections, Aggregation, AttGtOptions, AttGtResult, BasePeriod,
    BootstrapBands, BootstrapOptions, ControlGroup, CrossSectionData, EstMethod, FixWeights,
    PanelData,
};
use tandem_evaluate::sdid::{self, Estimator, SdidFit, SdidOptions, SdidPanel};
use tandem_evaluate::synth::{
    in_space_placebo, pivot_long, synthetic_control, DonorPool, Predictor, Predictors, ScFit,
    ScSpec, WidePanel,
};

/// Registers the estimators.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<AttGt>()?;
    m.add_function(wrap_pyfunction!(att_gt_long, m)?)?;
    m.add_function(wrap_pyfunction!(aggte_result, m)?)?;
    m.add_function(wrap_pyfunction!(synth_long, m)?)?;
    m.add_function(wrap_pyfunction!(sdid_long, m)?)?;
    Ok(())
}

/// A fitted `att_gt`, kept whole (with its influence functions) so that `aggte` can
/// aggregate it.
#[pyclass(module = "tandem._tandem", frozen)]
pub struct AttGt {
    inner: AttGtResult,
}

#[pymethods]
impl AttGt {
    /// The ATT(g,t) cells as columns.
    fn cells<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.inner.cells;
        let out = PyDict::new(py);
        let ints = |f: fn(&tandem_evaluate::did::GroupTimeAtt) -> i64| {
            c.iter().map(f).collect::<Vec<i64>>()
        };
        out.set_item("group", PyArray1::from_vec(py, ints(|x| x.group)))?;
        out.set_item("time", PyArray1::from_vec(py, ints(|x| x.time)))?;
        out.set_item("event_time", PyArray1::from_vec(py, ints(|x| x.event_time)))?;
        out.set_item("base_time", PyArray1::from_vec(py, ints(|x| x.base_time)))?;
        out.set_item("post", c.iter().map(|x| x.post).collect::<Vec<bool>>())?;
        let att: Vec<f64> = c.iter().map(|x| x.att).collect();
        out.set_item("att", PyArray1::from_vec(py, att))?;
        let se: Vec<f64> = c.iter().map(|x| x.se.unwrap_or(f64::NAN)).collect();
        out.set_item("se", PyArray1::from_vec(py, se))?;
        out.set_item(
            "n_treated",
            c.iter().map(|x| x.n_treated).collect::<Vec<_>>(),
        )?;
        out.set_item(
            "n_control",
            c.iter().map(|x| x.n_control).collect::<Vec<_>>(),
        )?;
        Ok(out)
    }

    /// The Wald pre-test of parallel trends as `(W, df, p)`, or `None`.
    fn wald(&self) -> Option<(f64, usize, f64)> {
        self.inner
            .wald_pretest
            .as_ref()
            .map(|w| (w.statistic, w.df, w.p_value))
    }

    /// Data-handling notes (dropped units, recoded cohorts, skipped cells and tests).
    fn notes(&self) -> Vec<String> {
        let skipped = self.inner.skipped.iter().map(|s| {
            format!(
                "cell g={} t={} not estimated: {}",
                s.group, s.time, s.reason
            )
        });
        self.inner.notes.iter().cloned().chain(skipped).collect()
    }

    /// Number of units used.
    #[getter]
    fn n_units(&self) -> usize {
        self.inner.n_units
    }

    /// The units' ids in the order of the influence functions' rows (the order `cluster`
    /// labels follow).
    #[getter]
    fn unit_ids<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<i64>> {
        PyArray1::from_vec(py, self.inner.unit_ids.clone())
    }

    /// The multiplier bootstrap (R `did::mboot`, Mammen weights; tandem's seeded generator):
    /// standard errors of every ATT(g,t) and the simultaneous band at level `alp`; with
    /// `cluster` (a label per unit, in [`Self::unit_ids`]' order), R's clustered bootstrap:
    /// the influence functions summed within clusters, one multiplier per cluster.
    #[pyo3(signature = (biters, seed, alp, cluster=None))]
    fn bootstrap<'py>(
        &self,
        py: Python<'py>,
        biters: usize,
        seed: u64,
        alp: f64,
        cluster: Option<Vec<i64>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let opts = boot_options(biters, seed, alp, cluster);
        let b = py.detach(|| self.inner.bootstrap(&opts)).map_err(to_py)?;
        bands_dict(py, &b)
    }
}

fn boot_options(biters: usize, seed: u64, alp: f64, cluster: Option<Vec<i64>>) -> BootstrapOptions {
    BootstrapOptions {
        iterations: biters,
        seed,
        alpha: alp,
        cluster,
    }
}

fn bands_dict<'py>(py: Python<'py>, b: &BootstrapBands) -> PyResult<Bound<'py, PyDict>> {
    let nan = |v: &[Option<f64>]| v.iter().map(|x| x.unwrap_or(f64::NAN)).collect::<Vec<_>>();
    let out = PyDict::new(py);
    out.set_item("se", PyArray1::from_vec(py, nan(&b.se)))?;
    out.set_item("lower", PyArray1::from_vec(py, nan(&b.lower)))?;
    out.set_item("upper", PyArray1::from_vec(py, nan(&b.upper)))?;
    out.set_item("critical_value", b.critical_value)?;
    Ok(out)
}

fn did_options(
    control_group: &str,
    est_method: &str,
    base_period: &str,
    anticipation: u32,
    fix_weights: Option<&str>,
) -> PyResult<AttGtOptions> {
    let control_group = match control_group {
        "nevertreated" => ControlGroup::NeverTreated,
        "notyettreated" => ControlGroup::NotYetTreated,
        other => {
            return Err(user_error(format!(
            "att_gt: control_group {other:?} is unknown; use \"nevertreated\" or \"notyettreated\""
        )))
        }
    };
    let est_method = match est_method {
        "dr" => EstMethod::DoublyRobust,
        "ipw" => EstMethod::Ipw,
        "reg" => EstMethod::Regression,
        other => {
            return Err(user_error(format!(
                "att_gt: est_method {other:?} is unknown; use \"dr\", \"ipw\" or \"reg\""
            )))
        }
    };
    let base_period = match base_period {
        "varying" => BasePeriod::Varying,
        "universal" => BasePeriod::Universal,
        other => {
            return Err(user_error(format!(
                "att_gt: base_period {other:?} is unknown; use \"varying\" or \"universal\""
            )))
        }
    };
    let fix_weights = match fix_weights {
        None => FixWeights::Earlier,
        Some("base_period") => FixWeights::BasePeriod,
        Some("first_period") => FixWeights::FirstPeriod,
        Some("varying") => FixWeights::Varying,
        Some(other) => {
            return Err(user_error(format!(
                "att_gt: fix_weights {other:?} is unknown; use None, \"varying\", \"base_period\" or \"first_period\""
            )))
        }
    };
    Ok(AttGtOptions {
        control_group,
        est_method,
        base_period,
        anticipation,
        fix_weights,
    })
}

/// Callaway & Sant'Anna (2021) ATT(g,t) of long data (unit ids, integer periods, outcome,
/// first treated period with 0 = never treated, optional covariates and weights).
/// `sampling` is `"panel"` (balanced), `"unbalanced"` (R's `allow_unbalanced_panel`) or
/// `"cross_sections"` (R's `panel = FALSE`; `unit` is then ignored and may be `None`).
/// `fix_weights` is R's (`None`, `"varying"`, `"base_period"`, `"first_period"`).
#[pyfunction]
#[pyo3(signature = (
    unit, time, outcome, cohort, covariates, weights, control_group, est_method, base_period,
    anticipation, sampling="panel", fix_weights=None
))]
#[allow(clippy::too_many_arguments)]
fn att_gt_long(
    py: Python<'_>,
    unit: Option<PyReadonlyArray1<'_, i64>>,
    time: PyReadonlyArray1<'_, i64>,
    outcome: PyReadonlyArray1<'_, f64>,
    cohort: PyReadonlyArray1<'_, i64>,
    covariates: Vec<PyReadonlyArray1<'_, f64>>,
    weights: Option<PyReadonlyArray1<'_, f64>>,
    control_group: &str,
    est_method: &str,
    base_period: &str,
    anticipation: u32,
    sampling: &str,
    fix_weights: Option<&str>,
) -> PyResult<AttGt> {
    let opts = did_options(
        control_group,
        est_method,
        base_period,
        anticipation,
        fix_weights,
    )?;
    let covs = covariates
        .iter()
        .map(|c| slice(c, "covariate"))
        .collect::<PyResult<Vec<&[f64]>>>()?;
    let unit = unit.as_ref().map(|u| slice(u, "idname")).transpose()?;
    let data = CrossSectionData {
        unit,
        time: slice(&time, "tname")?,
        outcome: slice(&outcome, "yname")?,
        cohort: slice(&cohort, "gname")?,
        covariates: &covs,
        weights: weights
            .as_ref()
            .map(|w| slice(w, "weightsname"))
            .transpose()?,
    };
    let needs_units = || {
        data.unit
            .ok_or_else(|| user_error(format!("att_gt: sampling {sampling:?} needs unit ids")))
    };
    let inner = match sampling {
        "panel" => {
            let panel = PanelData {
                unit: needs_units()?,
                time: data.time,
                outcome: data.outcome,
                cohort: data.cohort,
                covariates: data.covariates,
                weights: data.weights,
            };
            py.detach(|| att_gt(&panel, &opts))
        }
        "unbalanced" => {
            needs_units()?;
            py.detach(|| att_gt_cross_sections(&data, &opts))
        }
        "cross_sections" => {
            let rows = CrossSectionData { unit: None, ..data };
            py.detach(|| att_gt_cross_sections(&rows, &opts))
        }
        other => {
            return Err(user_error(format!(
                "att_gt: sampling {other:?} is unknown; use \"panel\", \"unbalanced\" or \"cross_sections\""
            )))
        }
    };
    Ok(AttGt {
        inner: inner.map_err(to_py)?,
    })
}

/// Aggregates a fitted `att_gt` (`simple`, `dynamic`, `group`, `calendar`).
/// With `bootstrap = (biters, seed, alp)`, also the multiplier bootstrap's standard errors,
/// simultaneous band and overall standard error (`boot_*`), clustered by `cluster` as
/// [`AttGt::bootstrap`].
#[pyfunction]
#[pyo3(signature = (
    result, kind, min_e=None, max_e=None, balance_e=None, bootstrap=None, cluster=None
))]
#[allow(clippy::too_many_arguments)]
fn aggte_result<'py>(
    py: Python<'py>,
    result: &AttGt,
    kind: &str,
    min_e: Option<i64>,
    max_e: Option<i64>,
    balance_e: Option<i64>,
    bootstrap: Option<(usize, u64, f64)>,
    cluster: Option<Vec<i64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let aggregation = match kind {
        "simple" => Aggregation::Simple,
        "dynamic" => Aggregation::Dynamic {
            min_e,
            max_e,
            balance_e,
        },
        "group" => Aggregation::Group,
        "calendar" => Aggregation::Calendar,
        other => {
            return Err(user_error(format!(
                "aggte: type {other:?} is unknown; use \"simple\", \"dynamic\", \"group\" or \"calendar\""
            )))
        }
    };
    let r = aggregate(&result.inner, aggregation).map_err(to_py)?;
    let out = PyDict::new(py);
    out.set_item("overall_att", r.overall_att)?;
    out.set_item("overall_se", r.overall_se)?;
    let labels: Vec<i64> = r.levels.iter().map(|l| l.label).collect();
    out.set_item("label", PyArray1::from_vec(py, labels))?;
    let est: Vec<f64> = r.levels.iter().map(|l| l.estimate).collect();
    out.set_item("estimate", PyArray1::from_vec(py, est))?;
    let se: Vec<f64> = r.levels.iter().map(|l| l.se.unwrap_or(f64::NAN)).collect();
    out.set_item("se", PyArray1::from_vec(py, se))?;
    if let Some((biters, seed, alp)) = bootstrap {
        let opts = boot_options(biters, seed, alp, cluster);
        let b = py.detach(|| r.bootstrap(&opts)).map_err(to_py)?;
        out.set_item("boot", bands_dict(py, &b.levels)?)?;
        out.set_item("boot_overall_se", b.overall_se)?;
    }
    Ok(out)
}

fn fit_dict<'py>(py: Python<'py>, fit: &ScFit, units: &[String]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    let donors: Vec<&str> = fit.donors.iter().map(|&d| units[d].as_str()).collect();
    out.set_item("donors", donors)?;
    out.set_item("weights", PyArray1::from_vec(py, fit.weights.clone()))?;
    out.set_item("synthetic", PyArray1::from_vec(py, fit.synthetic.clone()))?;
    out.set_item("gaps", PyArray1::from_vec(py, fit.gaps.clone()))?;
    for (k, v) in [
        ("att", fit.att),
        ("pre_mspe", fit.pre_mspe),
        ("post_mspe", fit.post_mspe),
        ("pre_rmspe", fit.pre_rmspe),
        ("post_rmspe", fit.post_rmspe),
        ("rmspe_ratio", fit.rmspe_ratio),
    ] {
        out.set_item(k, v)?;
    }
    if let Some(v) = &fit.v {
        out.set_item("v", PyArray1::from_vec(py, v.clone()))?;
    }
    out.set_item("loss_v", fit.loss_v)?;
    Ok(out)
}

/// Predictors of `synth`, computed by the Python layer (pysyncon's `Dataprep`): one row of
/// values per predictor over `units`, and either the diagonal V or the periods over which
/// ADH's V is searched.
#[derive(FromPyObject)]
#[pyo3(from_item_all)]
struct SynthPredictors {
    /// One label per predictor row.
    names: Vec<String>,
    /// The units the values are given for.
    units: Vec<String>,
    /// Row-major `names x units`.
    values: Vec<f64>,
    /// A given diagonal V (one per predictor), or `None` to search it.
    custom_v: Option<Vec<f64>>,
    /// The periods (labels) of the outcome loss that the search minimises.
    loss_periods: Vec<i64>,
}

impl SynthPredictors {
    /// The core's predictor set on the panel's units and periods.
    fn build(&self, wide: &WidePanel) -> PyResult<Predictors> {
        let (k, n) = (self.names.len(), self.units.len());
        if self.values.len() != k * n {
            return Err(user_error(format!(
                "synth: {} predictor values for {k} predictors x {n} units",
                self.values.len()
            )));
        }
        let column: HashMap<&str, usize> = self
            .units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.as_str(), i))
            .collect();
        let rows = self.names.iter().enumerate().map(|(r, name)| {
            let values = wide.units.iter().map(|u| match column.get(u.as_str()) {
                Some(&c) => Ok(self.values[r * n + c]),
                None => Err(user_error(format!(
                    "synth: no predictor values for unit {u:?}"
                ))),
            });
            let v = self.custom_v.as_ref().map_or(1.0, |v| v[r]);
            Ok(Predictor::covariate(
                name,
                values.collect::<PyResult<_>>()?,
                v,
            ))
        });
        let search = match &self.custom_v {
            Some(v) if v.len() != k => {
                return Err(user_error(format!(
                    "synth: custom_V has {} values for {k} predictors",
                    v.len()
                )))
            }
            Some(_) => None,
            None => Some(self.loss_period_indices(wide)?),
        };
        Ok(Predictors {
            rows: rows.collect::<PyResult<_>>()?,
            scale_by_sd: true,
            search_v_over: search,
        })
    }

    fn loss_period_indices(&self, wide: &WidePanel) -> PyResult<Vec<usize>> {
        self.loss_periods
            .iter()
            .map(|&t| {
                wide.period_index(t).ok_or_else(|| {
                    user_error(format!(
                        "synth: time_optimize_ssr period {t} is not in the data"
                    ))
                })
            })
            .collect()
    }
}

/// Synthetic control (Abadie, Diamond & Hainmueller 2010) of one treated unit on the
/// pre-period outcomes, or on `predictors`, the other units as donors; with `placebo`, the
/// in-space placebo p-value (each donor refitted against the other donors, with its own V
/// when V is searched), also among the placebos whose pre-MSPE is at most `max_pre_mspe`
/// times the treated unit's.
#[pyfunction]
#[pyo3(signature = (
    units, periods, outcome, treated, start, placebo=false, max_pre_mspe=None, predictors=None
))]
#[allow(clippy::too_many_arguments)]
fn synth_long<'py>(
    py: Python<'py>,
    units: Vec<String>,
    periods: PyReadonlyArray1<'py, i64>,
    outcome: PyReadonlyArray1<'py, f64>,
    treated: &str,
    start: i64,
    placebo: bool,
    max_pre_mspe: Option<f64>,
    predictors: Option<SynthPredictors>,
) -> PyResult<Bound<'py, PyDict>> {
    let wide = pivot_long(
        &units,
        slice(&periods, "time")?,
        slice(&outcome, "outcome")?,
    )
    .map_err(to_py)?;
    let t = wide.unit_index(treated).ok_or_else(|| {
        user_error(format!(
            "synth: treated unit {treated:?} is not in the data"
        ))
    })?;
    let first_post = wide.period_index(start).ok_or_else(|| {
        user_error(format!(
            "synth: treatment start {start} is not a period of the data ({}..{})",
            wide.periods[0],
            wide.periods[wide.periods.len() - 1]
        ))
    })?;
    let donors = (0..wide.units.len()).filter(|&u| u != t).collect();
    let mut spec = ScSpec::new(t, donors, first_post);
    if let Some(p) = &predictors {
        spec = spec.with_predictors(p.build(&wide)?);
    }
    let (fit, test) = py
        .detach(|| -> Result<_, tandem_evaluate::synth::SynthError> {
            if placebo {
                let test = in_space_placebo(&wide.matrix, &spec, DonorPool::ExcludeTreated)?;
                let fit = test
                    .treated()
                    .cloned()
                    .ok_or(tandem_evaluate::synth::SynthError::MissingTreatedFit)?;
                Ok((fit, Some(test)))
            } else {
                Ok((synthetic_control(&wide.matrix, &spec)?, None))
            }
        })
        .map_err(to_py)?;
    let out = fit_dict(py, &fit, &wide.units)?;
    out.set_item("periods", PyArray1::from_vec(py, wide.periods.clone()))?;
    out.set_item(
        "treated_outcome",
        PyArray1::from_vec(
            py,
            wide.matrix.row(t).map(<[f64]>::to_vec).unwrap_or_default(),
        ),
    )?;
    out.set_item("first_post", first_post)?;
    if let Some(test) = test {
        let p = test.unfiltered.clone();
        out.set_item("placebo_p_value", p.p_value)?;
        out.set_item("placebo_n", p.n_units)?;
        let ratios: Vec<(String, f64, f64)> = test
            .fits
            .iter()
            .map(|f| {
                (
                    wide.units[f.unit].clone(),
                    f.fit.pre_mspe,
                    f.fit.rmspe_ratio,
                )
            })
            .collect();
        out.set_item("placebos", ratios)?;
        if let Some(k) = max_pre_mspe {
            let filtered = test.p_value(Some(k)).map_err(to_py)?;
            out.set_item("placebo_p_value_filtered", filtered.p_value)?;
            out.set_item("placebo_n_filtered", filtered.n_units)?;
        }
    }
    Ok(out)
}

fn sdid_dict<'py>(
    py: Python<'py>,
    fit: &SdidFit,
    panel: &SdidPanel,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("tau", fit.tau)?;
    out.set_item("noise_level", fit.noise_level)?;
    out.set_item("omega_units", panel.units[..panel.n0].to_vec())?;
    out.set_item("omega", PyArray1::from_vec(py, fit.omega.clone()))?;
    out.set_item("lambda_times", panel.times[..panel.t0].to_vec())?;
    out.set_item("lambda", PyArray1::from_vec(py, fit.lambda.clone()))?;
    out.set_item(
        "effect_curve",
        PyArray1::from_vec(py, fit.effect_curve.clone()),
    )?;
    out.set_item("post_times", panel.times[panel.t0..].to_vec())?;
    out.set_item("n0", fit.n0)?;
    out.set_item("n1", fit.n1)?;
    out.set_item("t0", fit.t0)?;
    out.set_item("t1", fit.t1)?;
    Ok(out)
}

/// Synthetic DID (Arkhangelsky et al. 2021; `estimator` "sdid", or "sc" / "did" for the
/// comparisons) with a standard error by `se` ("placebo", "jackknife", "bootstrap", or None).
#[pyfunction]
#[pyo3(signature = (units, times, outcome, treated, estimator="sdid", se=None, replications=200, seed=1))]
#[allow(clippy::too_many_arguments)]
fn sdid_long<'py>(
    py: Python<'py>,
    units: Vec<String>,
    times: PyReadonlyArray1<'py, i64>,
    outcome: PyReadonlyArray1<'py, f64>,
    treated: Vec<bool>,
    estimator: &str,
    se: Option<&str>,
    replications: usize,
    seed: u64,
) -> PyResult<Bound<'py, PyDict>> {
    let kind = match estimator {
        "sdid" => Estimator::Sdid,
        "sc" => Estimator::Sc,
        "did" => Estimator::Did,
        other => {
            return Err(user_error(format!(
                "sdid: estimator {other:?} is unknown; use \"sdid\", \"sc\" or \"did\""
            )))
        }
    };
    let panel = SdidPanel::from_long(
        &units,
        slice(&times, "time")?,
        slice(&outcome, "outcome")?,
        &treated,
    )
    .map_err(to_py)?;
    let (fit, std_err) = py
        .detach(|| -> Result<_, sdid::SdidError> {
            let fit = sdid::estimate(&panel, kind, &SdidOptions::defaults(kind))?;
            let std_err = match se {
                Some("placebo") => Some(sdid::placebo_se(&panel, &fit, replications, seed)?.se),
                Some("jackknife") => Some(sdid::jackknife_se(&panel, &fit)?.se),
                Some("bootstrap") => Some(sdid::bootstrap_se(&panel, &fit, replications, seed)?.se),
                _ => None,
            };
            Ok((fit, std_err))
        })
        .map_err(to_py)?;
    if let Some(other) = se.filter(|s| !["placebo", "jackknife", "bootstrap"].contains(s)) {
        return Err(user_error(format!(
            "sdid: se {other:?} is unknown; use \"placebo\", \"jackknife\", \"bootstrap\" or None"
        )));
    }
    let out = sdid_dict(py, &fit, &panel)?;
    out.set_item("se", std_err)?;
    Ok(out)
}
