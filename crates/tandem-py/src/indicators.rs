//! Closed-form indicators over dense arrays: specialisation (LQ/RCA, Hachman, Krugman,
//! Hoover), shift-share, disparity (Theil, Gini, CV, Williamson) and spatial interaction
//! (gravity, Hansen, Huff). The Python modules `tandem.specialisation`, `tandem.disparity`,
//! `tandem.spatial` and `tandem.shift_share` pivot DataFrames into these arrays.

use crate::arrays::{dict_of_arrays, nan_for_none, slice};
use crate::errors::{to_py, user_error};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tandem_core::metrics::disparity::{self, TheilKind};
use tandem_core::metrics::shift_share::shift_share;
use tandem_core::metrics::spatial::{self, Decay};
use tandem_core::metrics::specialisation::{self as spec, RegionIndustry};
use tandem_core::metrics::MetricError;

/// Registers the closed-form indicator functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(location_quotients, m)?)?;
    m.add_function(wrap_pyfunction!(region_structure, m)?)?;
    m.add_function(wrap_pyfunction!(hoover_localisation, m)?)?;
    m.add_function(wrap_pyfunction!(krugman_pairwise, m)?)?;
    m.add_function(wrap_pyfunction!(shift_share_cells, m)?)?;
    m.add_function(wrap_pyfunction!(theil, m)?)?;
    m.add_function(wrap_pyfunction!(theil_decomposition, m)?)?;
    m.add_function(wrap_pyfunction!(inequality, m)?)?;
    m.add_function(wrap_pyfunction!(gravity_matrix, m)?)?;
    m.add_function(wrap_pyfunction!(hansen, m)?)?;
    m.add_function(wrap_pyfunction!(huff, m)?)?;
    Ok(())
}

fn matrix<'a>(
    values: &'a PyReadonlyArray1<'_, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<RegionIndustry<'a>> {
    RegionIndustry::new(slice(values, "values")?, regions, industries).map_err(to_py)
}

/// LQ_ri = (E_ri / E_r) / (E_i / E) of a row-major regions x industries matrix; NaN where
/// a region or industry has no activity.
#[pyfunction]
fn location_quotients<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = matrix(&values, regions, industries)?;
    let lq = spec::location_quotients(&m).map_err(to_py)?;
    Ok(PyArray1::from_vec(py, nan_for_none(&lq)))
}

/// Per region: Hachman index, Krugman specialisation (vs the total) and Hoover
/// specialisation; NaN for a region without activity.
#[pyfunction]
fn region_structure<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let m = matrix(&values, regions, industries)?;
    let per_region = |f: fn(&RegionIndustry<'_>, usize) -> Result<f64, MetricError>| {
        (0..regions)
            .map(|r| match f(&m, r) {
                Ok(v) => Ok(v),
                Err(MetricError::NoActivity(_)) => Ok(f64::NAN),
                Err(e) => Err(to_py(e)),
            })
            .collect::<PyResult<Vec<f64>>>()
    };
    dict_of_arrays(
        py,
        vec![
            ("hachman", per_region(spec::hachman)?),
            ("krugman", per_region(spec::krugman_specialisation)?),
            ("hoover", per_region(spec::hoover_specialisation)?),
        ],
    )
}

/// Hoover localisation of each industry: ½ Σ_r |E_ri/E_i − E_r/E|; NaN for an industry
/// without activity.
#[pyfunction]
fn hoover_localisation<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = matrix(&values, regions, industries)?;
    let out = (0..industries)
        .map(|i| match spec::hoover_localisation(&m, i) {
            Ok(v) => Ok(v),
            Err(MetricError::NoActivity(_)) => Ok(f64::NAN),
            Err(e) => Err(to_py(e)),
        })
        .collect::<PyResult<Vec<f64>>>()?;
    Ok(PyArray1::from_vec(py, out))
}

/// Krugman dissimilarity Σ_i |s_ai − s_bi| of every ordered pair of regions (regions x
/// regions, row-major).
#[pyfunction]
fn krugman_pairwise<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let m = matrix(&values, regions, industries)?;
    let mut out = Vec::with_capacity(regions * regions);
    for a in 0..regions {
        for b in 0..regions {
            out.push(spec::krugman_dissimilarity(m.row(a), m.row(b)).map_err(to_py)?);
        }
    }
    Ok(PyArray1::from_vec(py, out))
}

/// Classic (Dunn) shift-share of every cell between a base and an end matrix.
#[pyfunction]
fn shift_share_cells<'py>(
    py: Python<'py>,
    base: PyReadonlyArray1<'py, f64>,
    end: PyReadonlyArray1<'py, f64>,
    regions: usize,
    industries: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let b = matrix(&base, regions, industries)?;
    let e = matrix(&end, regions, industries)?;
    let cells = shift_share(&b, &e).map_err(to_py)?;
    let col = |f: fn(&tandem_core::metrics::shift_share::ShiftShareCell) -> f64| {
        cells.iter().map(f).collect::<Vec<f64>>()
    };
    dict_of_arrays(
        py,
        vec![
            ("change", col(|c| c.change)),
            ("national_share", col(|c| c.national_share)),
            ("industry_mix", col(|c| c.industry_mix)),
            ("regional_share", col(|c| c.regional_share)),
        ],
    )
}

fn theil_kind(kind: &str) -> PyResult<TheilKind> {
    match kind {
        "T" | "t" => Ok(TheilKind::T),
        "L" | "l" => Ok(TheilKind::L),
        other => Err(user_error(format!(
            "theil: kind {other:?} is unknown; use \"T\" (income-weighted) or \"L\" (population-weighted)"
        ))),
    }
}

/// Theil T or L, weighted by population (`population` given) or unweighted.
#[pyfunction]
#[pyo3(signature = (income, population=None, kind="T"))]
fn theil(
    income: PyReadonlyArray1<'_, f64>,
    population: Option<PyReadonlyArray1<'_, f64>>,
    kind: &str,
) -> PyResult<f64> {
    let y = slice(&income, "income")?;
    let r = match (theil_kind(kind)?, population) {
        (TheilKind::T, Some(p)) => disparity::theil_t(y, slice(&p, "population")?),
        (TheilKind::L, Some(p)) => disparity::theil_l(y, slice(&p, "population")?),
        (TheilKind::T, None) => disparity::theil_t_unweighted(y),
        (TheilKind::L, None) => disparity::theil_l_unweighted(y),
    };
    r.map_err(to_py)
}

/// Theil T or L split into between- and within-group parts.
#[pyfunction]
#[pyo3(signature = (income, population, groups, kind="T"))]
fn theil_decomposition<'py>(
    py: Python<'py>,
    income: PyReadonlyArray1<'py, f64>,
    population: PyReadonlyArray1<'py, f64>,
    groups: PyReadonlyArray1<'py, i64>,
    kind: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let labels = slice(&groups, "groups")?
        .iter()
        .map(|g| usize::try_from(*g).map_err(|_| user_error("theil: group codes must be >= 0")))
        .collect::<PyResult<Vec<usize>>>()?;
    let d = disparity::theil_decomposition(
        slice(&income, "income")?,
        slice(&population, "population")?,
        &labels,
        theil_kind(kind)?,
    )
    .map_err(to_py)?;
    let out = PyDict::new(py);
    out.set_item("total", d.total)?;
    out.set_item("between", d.between)?;
    out.set_item("within", d.within)?;
    let group: Vec<i64> = d.groups.iter().map(|g| g.group as i64).collect();
    out.set_item("group", PyArray1::from_vec(py, group))?;
    let weight: Vec<f64> = d.groups.iter().map(|g| g.weight).collect();
    out.set_item("weight", PyArray1::from_vec(py, weight))?;
    let index: Vec<Option<f64>> = d.groups.iter().map(|g| g.index).collect();
    out.set_item("index", PyArray1::from_vec(py, nan_for_none(&index)))?;
    Ok(out)
}

/// One inequality measure of a distribution: `gini`, `cv` (population sd / mean),
/// `williamson` (needs `population`) or `max_min`.
#[pyfunction]
#[pyo3(signature = (measure, values, population=None))]
fn inequality(
    measure: &str,
    values: PyReadonlyArray1<'_, f64>,
    population: Option<PyReadonlyArray1<'_, f64>>,
) -> PyResult<f64> {
    let v = slice(&values, "values")?;
    let r = match (measure, population) {
        ("gini", _) => disparity::gini(v),
        ("cv", _) => disparity::coefficient_of_variation(v),
        ("max_min", _) => disparity::max_min_ratio(v),
        ("williamson", Some(p)) => disparity::williamson_cv(v, slice(&p, "population")?),
        ("williamson", None) => {
            return Err(user_error(
                "williamson: pass population (the Williamson CV weights by population shares)",
            ))
        }
        (other, _) => {
            return Err(user_error(format!(
                "inequality measure {other:?} is unknown; use gini, cv, williamson or max_min"
            )))
        }
    };
    r.map_err(to_py)
}

/// Gravity linkage R_ij = √(P_i G_i) √(P_j G_j) / D_ij^b of every ordered pair and the
/// linkage shares F_ij = R_ij / Σ_k R_ik (n x n, row-major, NaN on the diagonal).
#[pyfunction]
#[pyo3(signature = (population, gdp, distances, exponent=2.0))]
fn gravity_matrix<'py>(
    py: Python<'py>,
    population: PyReadonlyArray1<'py, f64>,
    gdp: PyReadonlyArray1<'py, f64>,
    distances: PyReadonlyArray1<'py, f64>,
    exponent: f64,
) -> PyResult<Bound<'py, PyDict>> {
    let r = spatial::gravity_matrix(
        slice(&population, "population")?,
        slice(&gdp, "gdp")?,
        slice(&distances, "distances")?,
        exponent,
    )
    .map_err(to_py)?;
    let shares = spatial::linkage_shares(&r).map_err(to_py)?;
    dict_of_arrays(
        py,
        vec![
            ("gravity", nan_for_none(&r)),
            ("share", nan_for_none(&shares)),
        ],
    )
}

fn decay(kind: &str, beta: f64) -> PyResult<Decay> {
    match kind {
        "power" => Ok(Decay::Power { beta }),
        "exponential" => Ok(Decay::Exponential { beta }),
        other => Err(user_error(format!(
            "decay {other:?} is unknown; use \"power\" (d^-beta) or \"exponential\" (exp(-beta d))"
        ))),
    }
}

/// Hansen accessibility A_i = Σ_j M_j f(d_ij) of each origin (distances origins x
/// destinations, row-major).
#[pyfunction]
#[pyo3(signature = (masses, distances, decay_kind="power", beta=1.0))]
fn hansen<'py>(
    py: Python<'py>,
    masses: PyReadonlyArray1<'py, f64>,
    distances: PyReadonlyArray1<'py, f64>,
    decay_kind: &str,
    beta: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let a = spatial::hansen_accessibility(
        slice(&masses, "masses")?,
        slice(&distances, "distances")?,
        decay(decay_kind, beta)?,
    )
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, a))
}

/// Huff probabilities P_ij = S_j^α d_ij^−β / Σ_k S_k^α d_ik^−β (origins x destinations,
/// row-major).
#[pyfunction]
#[pyo3(signature = (attractiveness, distances, alpha=1.0, beta=2.0))]
fn huff<'py>(
    py: Python<'py>,
    attractiveness: PyReadonlyArray1<'py, f64>,
    distances: PyReadonlyArray1<'py, f64>,
    alpha: f64,
    beta: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let p = spatial::huff_probabilities(
        slice(&attractiveness, "attractiveness")?,
        slice(&distances, "distances")?,
        alpha,
        beta,
    )
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, p))
}
