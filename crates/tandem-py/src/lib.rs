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
mod factorize;
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
    keep_freed_memory_a_while();
    m.add("TandemError", m.py().get_type::<TandemError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    complexity::register(m)?;
    indicators::register(m)?;
    io::register(m)?;
    data::register(m)?;
    evaluate::register(m)?;
    factorize::register(m)?;
    Ok(())
}

/// Keeps memory this module frees for a second before mimalloc returns it to the system
/// (mimalloc 2's default is 10 ms; mimalloc 3, which libmimalloc-sys builds unless its `v2`
/// feature is on, already waits 1,000 ms, and then this changes nothing). A complexity call
/// on a national panel frees a few hundred
/// megabytes, and a notebook calls it again and again (per specification, per subset):
/// memory handed back is zeroed by the system on the next call's first touch, which cost a
/// third of such a call. `MIMALLOC_PURGE_DELAY` in the environment still wins.
fn keep_freed_memory_a_while() {
    // `mi_option_purge_delay`, 15 in both mimalloc 2's and 3's `mimalloc.h` (libmimalloc-sys
    // does not name it); only mimalloc 2's documented default, 10, is raised, which is checked
    // first, so that another numbering or default changes nothing.
    const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: reading and setting an option is allowed at any time; this one only changes
    // when free memory is returned to the system.
    unsafe {
        if libmimalloc_sys::mi_option_get(PURGE_DELAY) == 10 {
            libmimalloc_sys::mi_option_set(PURGE_DELAY, 1000);
        }
    }
}
