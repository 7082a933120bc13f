//! Moving arrays between NumPy and Rust without copying where the buffers allow it.

use crate::errors::user_error;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Borrows a contiguous NumPy array as a slice; a strided view is refused with the fix.
pub fn slice<'a, T: numpy::Element>(
    array: &'a PyReadonlyArray1<'_, T>,
    name: &str,
) -> PyResult<&'a [T]> {
    array.as_slice().map_err(|_| {
        user_error(format!(
            "{name}: the array is not contiguous; pass numpy.ascontiguousarray({name})"
        ))
    })
}

/// `None` becomes NaN: pandas' missing value for a float column.
pub fn nan_for_none(values: &[Option<f64>]) -> Vec<f64> {
    values.iter().map(|v| v.unwrap_or(f64::NAN)).collect()
}

/// Builds a dict of NumPy arrays from named vectors (each moved, not copied).
pub fn dict_of_arrays<'py>(
    py: Python<'py>,
    columns: Vec<(&str, Vec<f64>)>,
) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, values) in columns {
        out.set_item(name, PyArray1::from_vec(py, values))?;
    }
    Ok(out)
}

/// Checks that the index arrays of a long table all have the length of its values.
pub fn same_lengths(what: &str, lengths: &[(&str, usize)]) -> PyResult<()> {
    let Some(&(first, n)) = lengths.first() else {
        return Ok(());
    };
    for &(name, len) in &lengths[1..] {
        if len != n {
            return Err(user_error(format!(
                "{what}: column {name} has {len} values but {first} has {n}; pass columns of one table"
            )));
        }
    }
    Ok(())
}
