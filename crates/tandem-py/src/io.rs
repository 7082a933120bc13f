//! Input-output analysis of a single-region table, in pymrio's names (Z, Y, x, A, L, B, G,
//! S, M), and location-quotient regionalisation (SLQ, CILQ, FLQ); the Python class is
//! `tandem.io.IOSystem`.

use crate::arrays::{dict_of_arrays, slice};
use crate::errors::{to_py, user_error};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tandem_core::metrics::input_output as io;
use tandem_core::metrics::input_output::LqMethod;

/// Registers the input-output functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(io_core, m)?)?;
    m.add_function(wrap_pyfunction!(io_from_coefficients, m)?)?;
    m.add_function(wrap_pyfunction!(io_extensions, m)?)?;
    m.add_function(wrap_pyfunction!(io_regionalise, m)?)?;
    Ok(())
}

/// From flows: x = Z·1 + Y·1, A = Z diag(x)⁻¹, B = diag(x)⁻¹ Z, L = (I − A)⁻¹,
/// G = (I − B)⁻¹ and the linkages (all n x n row-major or length n).
#[pyfunction]
fn io_core<'py>(
    py: Python<'py>,
    z: PyReadonlyArray1<'py, f64>,
    y: PyReadonlyArray1<'py, f64>,
    n: usize,
    n_final: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let (z, y) = (slice(&z, "Z")?, slice(&y, "Y")?);
    let columns = py.detach(|| -> Result<_, tandem_core::metrics::MetricError> {
        let x = io::gross_output_from_flows(z, n, y, n_final)?;
        let a = io::technical_coefficients(z, &x)?;
        let b = io::allocation_coefficients(z, &x)?;
        let g = io::ghosh_inverse(&b, n)?;
        let mut cols = from_a(a, n)?;
        cols.push(("forward_linkage_ghosh", io::forward_linkages(&g, n)?));
        cols.push(("direct_forward", io::direct_forward_linkages(&b, n)?));
        cols.push(("x", x));
        cols.push(("B", b));
        cols.push(("G", g));
        Ok(cols)
    });
    dict_of_arrays(py, columns.map_err(to_py)?)
}

/// L and the Leontief linkages from A.
fn from_a(
    a: Vec<f64>,
    n: usize,
) -> Result<Vec<(&'static str, Vec<f64>)>, tandem_core::metrics::MetricError> {
    let l = io::leontief_inverse(&a, n)?;
    Ok(vec![
        ("output_multiplier", io::output_multipliers(&l, n)?),
        ("backward_linkage", io::backward_linkages(&l, n)?),
        ("forward_linkage", io::forward_linkages(&l, n)?),
        ("direct_backward", io::direct_backward_linkages(&a, n)?),
        ("A", a),
        ("L", l),
    ])
}

/// From coefficients only (a regionalised table): L and the Leontief linkages.
#[pyfunction]
fn io_from_coefficients<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, f64>,
    n: usize,
) -> PyResult<Bound<'py, PyDict>> {
    let a = slice(&a, "A")?.to_vec();
    let columns = py.detach(|| from_a(a, n)).map_err(to_py)?;
    dict_of_arrays(py, columns)
}

/// Extension: S = F diag(x)⁻¹, M = S L and, with G, the downstream M_down = S (Gᵀ − I).
#[pyfunction]
#[pyo3(signature = (f, k, x, l, g=None))]
fn io_extensions<'py>(
    py: Python<'py>,
    f: PyReadonlyArray1<'py, f64>,
    k: usize,
    x: PyReadonlyArray1<'py, f64>,
    l: PyReadonlyArray1<'py, f64>,
    g: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let x = slice(&x, "x")?;
    let n = x.len();
    let s = io::stressor_coefficients(slice(&f, "F")?, k, x).map_err(to_py)?;
    let m = io::extension_multipliers(&s, k, slice(&l, "L")?, n).map_err(to_py)?;
    let mut cols = vec![("M", m)];
    if let Some(g) = g {
        cols.push((
            "M_down",
            io::downstream_multipliers(&s, k, slice(&g, "G")?, n).map_err(to_py)?,
        ));
    }
    cols.push(("S", s));
    dict_of_arrays(py, cols)
}

/// Regional coefficients a^r_ij = a^n_ij · min(1, LQ_ij) with LQ = SLQ, CILQ or FLQ.
#[pyfunction]
#[pyo3(signature = (a, n, regional, national, method="FLQ", delta=0.3))]
fn io_regionalise<'py>(
    py: Python<'py>,
    a: PyReadonlyArray1<'py, f64>,
    n: usize,
    regional: PyReadonlyArray1<'py, f64>,
    national: PyReadonlyArray1<'py, f64>,
    method: &str,
    delta: f64,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let method = match method.to_ascii_uppercase().as_str() {
        "SLQ" => LqMethod::Slq,
        "CILQ" => LqMethod::Cilq,
        "FLQ" => LqMethod::Flq { delta },
        other => {
            return Err(user_error(format!(
                "regionalise: method {other:?} is unknown; use \"SLQ\", \"CILQ\" or \"FLQ\""
            )))
        }
    };
    let r = io::regionalise_coefficients(
        slice(&a, "A")?,
        n,
        slice(&regional, "regional")?,
        slice(&national, "national")?,
        method,
    )
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, r))
}
