//! Python bindings of tandem: the native module `tandem._tandem`, wrapped by the pure-Python
//! package in `python/tandem` (DataFrames in and out, the reference packages' argument
//! names). This layer only moves arrays: NumPy buffers are borrowed, never copied, on the way
//! in (`PyReadonlyArray1::as_slice`), and result vectors become NumPy arrays without a copy on
//! the way out (`PyArray1::from_vec`). Every formula lives in `tandem-core` and
//! `tandem-evaluate`; every message is theirs (raised as `tandem.TandemError`, a
//! `ValueError`).
#![warn(missing_docs)]

use pyo3::prelude::*;

mod arrays;
mod complexity;
mod data;
mod errors;
mod evaluate;
mod indicators;
mod io;

pub use errors::TandemError;

/// The extension's own Rust allocations (never Python's) go through mimalloc, as in the
/// `tandem` binary; vectors handed to NumPy are freed by the same allocator when NumPy
/// drops them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The native module. Its functions take NumPy arrays and return dicts of NumPy arrays; the
/// Python package turns them into DataFrames and result objects.
#[pymodule]
fn _tandem(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("TandemError", m.py().get_type::<TandemError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    complexity::register(m)?;
    indicators::register(m)?;
    io::register(m)?;
    data::register(m)?;
    evaluate::register(m)?;
    Ok(())
}
