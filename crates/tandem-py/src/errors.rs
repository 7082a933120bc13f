//! Errors of the Rust libraries as Python exceptions, with the libraries' own messages.

use pyo3::exceptions::PyValueError;
use pyo3::PyErr;

pyo3::create_exception!(
    _tandem,
    TandemError,
    PyValueError,
    "An input tandem cannot compute on; the message says what is wrong and what to do next."
);

/// Turns any error of the Rust libraries into a [`TandemError`] carrying its message.
pub fn to_py<E: std::fmt::Display>(e: E) -> PyErr {
    TandemError::new_err(e.to_string())
}

/// A [`TandemError`] with a message written here (argument checks of the bindings).
pub fn user_error(message: impl Into<String>) -> PyErr {
    TandemError::new_err(message.into())
}
