//! `pandas.factorize(column, sort=True)` for a column of Python strings, in one pass.
//!
//! pandas factorises an object column through its generic object table; a national long
//! table has millions of rows but a few hundred distinct region and industry names, and this
//! pass is several times faster: an element that is the very object of the row before takes
//! its code without a lookup, and the others are found by their (cached) Python hash and
//! compared with Python's own equality, as pandas does. Only exact `str` elements take this
//! path: anything else (missing values, numbers, a `str` subclass) returns `None` and the
//! caller uses pandas, whose errors and orderings for such columns stay the reference. (The
//! stable ABI of Python 3.9 offers no borrowed view of a string's bytes, so the strings are
//! never read here, only hashed and compared by Python.)

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::arrays::slice;

/// Registers the function.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(factorize_str, m)?)?;
    Ok(())
}

/// Passes a Python hash through (it is already well mixed; Python caches it on the string).
#[derive(Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }

    fn write_i64(&mut self, hash: i64) {
        self.0 = hash as u64;
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// One row of a column to factorise: the identity of its object, its hash, and the object.
struct Key<T> {
    identity: usize,
    hash: i64,
    value: T,
}

/// First-seen codes of `keys`, and the distinct keys in first-seen order as their first row.
/// `same(a, b)` decides equality of two values with equal hashes.
fn first_seen<T>(
    keys: &[Key<T>],
    mut same: impl FnMut(&T, &T) -> PyResult<bool>,
) -> PyResult<(Vec<i64>, Vec<usize>)> {
    let mut codes = Vec::with_capacity(keys.len());
    let mut by_hash: HashMap<i64, Vec<i64>, BuildHasherDefault<Prehashed>> = HashMap::default();
    let mut firsts: Vec<usize> = Vec::new();
    let mut last: Option<(usize, i64)> = None;
    for (row, key) in keys.iter().enumerate() {
        let code = match last {
            // The same object as the row before: the same code, without a lookup.
            Some((identity, code)) if identity == key.identity => code,
            _ => {
                let candidates = by_hash.entry(key.hash).or_default();
                let mut found = None;
                for &code in candidates.iter() {
                    if same(&keys[firsts[code as usize]].value, &key.value)? {
                        found = Some(code);
                        break;
                    }
                }
                found.unwrap_or_else(|| {
                    firsts.push(row);
                    let code = firsts.len() as i64 - 1;
                    candidates.push(code);
                    code
                })
            }
        };
        last = Some((key.identity, code));
        codes.push(code);
    }
    Ok((codes, firsts))
}

/// Renumbers first-seen codes so that code order is `order`'s order of the distinct values
/// (given as first-seen codes); returns the first-seen codes in sorted order.
fn sorted_codes(
    codes: &mut [i64],
    distinct: usize,
    mut order: impl FnMut(usize, usize) -> Ordering,
) -> Vec<usize> {
    let mut by_key: Vec<usize> = (0..distinct).collect();
    by_key.sort_by(|&a, &b| order(a, b));
    let mut rank = vec![0i64; distinct];
    for (r, &k) in by_key.iter().enumerate() {
        rank[k] = r as i64;
    }
    for c in codes.iter_mut() {
        *c = rank[*c as usize];
    }
    by_key
}

/// Python's `a == b` as a boolean, without building a `bool` object in between (the call
/// pandas' object table makes too).
fn equal(a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<bool> {
    // SAFETY: both pointers are live objects held by the borrowed array while the GIL is held.
    let result =
        unsafe { pyo3::ffi::PyObject_RichCompareBool(a.as_ptr(), b.as_ptr(), pyo3::ffi::Py_EQ) };
    match result {
        -1 => Err(PyErr::fetch(a.py())),
        r => Ok(r == 1),
    }
}

/// `pandas.factorize(values, sort=True)` for an object array whose every element is an
/// exact `str`: the codes (int64) and the distinct strings, sorted as Python sorts them (the
/// very objects of `values`, so no string is copied). `None` when an element is anything
/// else.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn factorize_str<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, Py<PyAny>>,
) -> PyResult<Option<(Bound<'py, PyArray1<i64>>, Bound<'py, PyList>)>> {
    let objects = slice(&values, "values")?;
    let mut keys = Vec::with_capacity(objects.len());
    let mut last: Option<(usize, i64)> = None;
    for object in objects {
        let object = object.bind(py);
        if !object.is_exact_instance_of::<PyString>() {
            return Ok(None);
        }
        let identity = object.as_ptr() as usize;
        let hash = match last {
            Some((id, hash)) if id == identity => hash,
            _ => object.hash()? as i64,
        };
        last = Some((identity, hash));
        keys.push(Key {
            identity,
            hash,
            value: object,
        });
    }
    let (mut codes, firsts) = first_seen(&keys, |a, b| equal(a, b))?;
    let value = |k: usize| keys[firsts[k]].value;
    // Strings are totally ordered; a failed comparison cannot happen for exact `str`.
    let by_key = sorted_codes(&mut codes, firsts.len(), |a, b| {
        value(a).compare(value(b)).unwrap_or(Ordering::Equal)
    });
    let uniques = PyList::new(py, by_key.iter().map(|&k| value(k)))?;
    Ok(Some((PyArray1::from_vec(py, codes), uniques)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(identity: usize, text: &'static str) -> Key<&'static str> {
        // A deliberately weak hash (the length), so that different keys collide.
        Key {
            identity,
            hash: text.len() as i64,
            value: text,
        }
    }

    #[test]
    fn codes_follow_the_sorted_keys_through_hash_collisions() {
        let rows = [
            key(1, "b"),
            key(1, "b"),
            key(2, "a"),
            key(3, "b"),
            key(4, "cc"),
            key(5, "a"),
        ];
        let (mut codes, firsts) = first_seen(&rows, |a, b| Ok(a == b)).unwrap();
        assert_eq!(codes, [0, 0, 1, 0, 2, 1]);
        assert_eq!(firsts, [0, 2, 4]);
        let by_key = sorted_codes(&mut codes, firsts.len(), |a, b| {
            rows[firsts[a]].value.cmp(rows[firsts[b]].value)
        });
        assert_eq!(codes, [1, 1, 0, 1, 2, 0]);
        assert_eq!(by_key, [1, 0, 2]);
    }

    #[test]
    fn the_same_object_twice_in_a_row_is_not_compared() {
        let rows = [key(7, "x"), key(7, "x"), key(7, "x")];
        let mut compared = 0;
        let (codes, _) = first_seen(&rows, |a, b| {
            compared += 1;
            Ok(a == b)
        })
        .unwrap();
        assert_eq!(codes, [0, 0, 0]);
        assert_eq!(compared, 0);
    }
}
