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
//!
//! Two more column kinds are factorised here without Python in the loop: strings stored in
//! Arrow (pandas 3's default `str`), read from the array's own offset and data buffers, and
//! int64 columns. Both hash on rayon's threads, a share of the rows each, and number the
//! distinct keys in first-seen order as pandas does before sorting.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};

use crate::arrays::slice;

/// Registers the function.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(factorize_str, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_utf8, m)?)?;
    m.add_function(wrap_pyfunction!(factorize_i64, m)?)?;
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

/// A fast hash of short byte strings: rustc's FxHasher step a word at a time, then
/// MurmurHash3's finaliser (the multiply step mixes each bit only into higher bits, and the
/// table picks buckets by the low ones). Keys are the caller's own column values, so no
/// flooding defence is needed.
#[derive(Default)]
struct WordHash(u64);

impl Hasher for WordHash {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            self.add(u64::from_le_bytes(w.try_into().expect("8 bytes")));
        }
        // Byte by byte: a variable-length copy into a word would stall the word's load.
        let rest = words
            .remainder()
            .iter()
            .fold(0, |w, &b| (w << 8) | u64::from(b));
        self.add(rest);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

impl WordHash {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

type KeyTable<K> = HashMap<K, i64, BuildHasherDefault<WordHash>>;

/// The rows of Arrow string chunks as byte slices, each chunk given by its `offsets` (one
/// more than its rows, already shifted by the array's own offset) into its `data`; `None`
/// when an offset points outside its data or goes backwards.
fn byte_rows<'a>(chunks: &[(&'a [i64], &'a [u8])]) -> Option<Vec<&'a [u8]>> {
    let rows = chunks.iter().map(|(o, _)| o.len().saturating_sub(1)).sum();
    let mut out = Vec::with_capacity(rows);
    for &(offsets, data) in chunks {
        for bounds in offsets.windows(2) {
            let start = usize::try_from(bounds[0]).ok()?;
            let end = usize::try_from(bounds[1]).ok()?;
            out.push(data.get(start..end)?);
        }
    }
    Some(out)
}

/// First-seen codes of `keys` (byte strings or integers) and each distinct key's first row
/// (as [`first_seen`]); a row equal to the row before takes its code without a lookup (long
/// tables list a region's or a year's rows together).
fn first_seen_keys<K: Hash + Eq + Copy>(keys: &[K]) -> (Vec<i64>, Vec<usize>) {
    let mut codes = Vec::with_capacity(keys.len());
    let mut table = KeyTable::default();
    let mut firsts = Vec::new();
    let mut last: Option<(K, i64)> = None;
    for (row, &key) in keys.iter().enumerate() {
        let code = match last {
            Some((previous, code)) if previous == key => code,
            _ => *table.entry(key).or_insert_with(|| {
                firsts.push(row);
                firsts.len() as i64 - 1
            }),
        };
        last = Some((key, code));
        codes.push(code);
    }
    (codes, firsts)
}

/// [`first_seen_keys`] on rayon's threads: each takes a contiguous share of the rows, and
/// the shares' distinct keys are then numbered in row order, which is the sequential
/// first-seen order, so the result is the same.
fn first_seen_parallel<K: Hash + Eq + Copy + Sync>(keys: &[K]) -> (Vec<i64>, Vec<usize>) {
    use rayon::prelude::*;
    let threads = rayon::current_num_threads();
    // Below this, a thread's start-up costs more than the share it takes.
    const MIN_SHARE: usize = 1 << 16;
    if threads < 2 || keys.len() < 2 * MIN_SHARE {
        return first_seen_keys(keys);
    }
    let share = keys.len().div_ceil(threads);
    let mut parts: Vec<(Vec<i64>, Vec<usize>)> =
        keys.par_chunks(share).map(first_seen_keys).collect();
    let mut table = KeyTable::default();
    let mut firsts = Vec::new();
    let mut global: Vec<Vec<i64>> = Vec::with_capacity(parts.len());
    for (k, (_, local_firsts)) in parts.iter().enumerate() {
        let offset = k * share;
        global.push(
            local_firsts
                .iter()
                .map(|&row| {
                    let row = offset + row;
                    *table.entry(keys[row]).or_insert_with(|| {
                        firsts.push(row);
                        firsts.len() as i64 - 1
                    })
                })
                .collect(),
        );
    }
    parts
        .par_iter_mut()
        .zip(&global)
        .for_each(|((codes, _), to_global)| {
            codes.iter_mut().for_each(|c| *c = to_global[*c as usize]);
        });
    let mut codes = Vec::with_capacity(keys.len());
    for (part, _) in &parts {
        codes.extend_from_slice(part);
    }
    (codes, firsts)
}

/// `pandas.factorize(values, sort=True)` for an Arrow string column without nulls, given by
/// its chunks' buffers (shared, not copied): per chunk the int64 `offsets` (rows + 1,
/// shifted by the array's own offset) and the UTF-8 `data`. Returns the codes (int64) and
/// the distinct strings sorted by code point, as Python sorts `str` (UTF-8's byte order is
/// code point order). `None` when the buffers are not a valid string column.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn factorize_utf8<'py>(
    py: Python<'py>,
    chunks: Vec<(PyReadonlyArray1<'py, i64>, PyReadonlyArray1<'py, u8>)>,
) -> PyResult<Option<(Bound<'py, PyArray1<i64>>, Bound<'py, PyList>)>> {
    let mut buffers = Vec::with_capacity(chunks.len());
    for (offsets, data) in &chunks {
        buffers.push((slice(offsets, "offsets")?, slice(data, "data")?));
    }
    let sorted = py.detach(|| {
        let rows = byte_rows(&buffers)?;
        let (mut codes, firsts) = first_seen_parallel(&rows);
        let by_key = sorted_codes(&mut codes, firsts.len(), |a, b| {
            rows[firsts[a]].cmp(rows[firsts[b]])
        });
        let texts: Option<Vec<&str>> = by_key
            .iter()
            .map(|&k| std::str::from_utf8(rows[firsts[k]]).ok())
            .collect();
        Some((codes, texts?))
    });
    let Some((codes, texts)) = sorted else {
        return Ok(None);
    };
    Ok(Some((
        PyArray1::from_vec(py, codes),
        PyList::new(py, texts)?,
    )))
}

/// `pandas.factorize(values, sort=True)` for an int64 column (which has no missing values):
/// the codes (int64) and the distinct values in increasing order.
#[pyfunction]
#[allow(clippy::type_complexity)]
fn factorize_i64<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, i64>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, Bound<'py, PyArray1<i64>>)> {
    let values = slice(&values, "values")?;
    let (codes, uniques) = py.detach(|| {
        let (mut codes, firsts) = first_seen_parallel(values);
        let by_key = sorted_codes(&mut codes, firsts.len(), |a, b| {
            values[firsts[a]].cmp(&values[firsts[b]])
        });
        let uniques: Vec<i64> = by_key.iter().map(|&k| values[firsts[k]]).collect();
        (codes, uniques)
    });
    Ok((
        PyArray1::from_vec(py, codes),
        PyArray1::from_vec(py, uniques),
    ))
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
    fn byte_rows_read_every_chunk_and_refuse_bad_offsets() {
        let (a, b) = (b"R2R1R2".as_slice(), b"xR10".as_slice());
        let rows = byte_rows(&[(&[0, 2, 4, 6], a), (&[1, 4, 4], b)]).unwrap();
        assert_eq!(rows, [b"R2".as_slice(), b"R1", b"R2", b"R10", b""]);
        assert!(byte_rows(&[(&[0, 7], a)]).is_none());
        assert!(byte_rows(&[(&[3, 1], a)]).is_none());
        assert!(byte_rows(&[(&[-1, 1], a)]).is_none());
        assert_eq!(byte_rows(&[(&[0], a), (&[], b)]), Some(vec![]));
    }

    #[test]
    fn keys_get_first_seen_codes_sequentially_and_in_parallel() {
        let rows: Vec<Vec<u8>> = (0..300_000u32)
            .map(|k| format!("I{:04}", (k * 7919) % 601).into_bytes())
            .collect();
        let keys: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        let (codes, firsts) = first_seen_keys(&keys);
        assert_eq!(firsts.len(), 601);
        for (row, &code) in codes.iter().enumerate() {
            assert_eq!(keys[firsts[code as usize]], keys[row]);
            assert!(firsts[code as usize] <= row);
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let parallel = pool.install(|| first_seen_parallel(&keys));
        assert_eq!(parallel, (codes, firsts));
        let years: Vec<i64> = (0..300_000).map(|k| 2000 + (k / 1000) % 7).collect();
        let (codes, firsts) = first_seen_keys(&years);
        assert_eq!(firsts, (0..7).map(|k| k * 1000).collect::<Vec<_>>());
        assert_eq!(
            pool.install(|| first_seen_parallel(&years)),
            (codes, firsts)
        );
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
