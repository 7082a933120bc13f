"""Tables in and out: pandas DataFrames, with Polars and PyArrow tables accepted on input."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _tandem


def to_pandas(data, what: str = "data") -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame.

    pandas DataFrames pass through untouched; Polars DataFrames and PyArrow tables are
    converted with their own ``to_pandas()`` (Arrow buffers of numeric columns are shared
    where the types allow). Anything else is refused with what to pass instead.
    """
    if isinstance(data, pd.DataFrame):
        return data
    to_pd = getattr(data, "to_pandas", None)
    if callable(to_pd):
        out = to_pd()
        if isinstance(out, pd.DataFrame):
            return out
    raise TypeError(
        f"{what}: expected a pandas DataFrame (or a Polars DataFrame / PyArrow Table), "
        f"got {type(data).__name__}; build one with pandas.DataFrame(...)"
    )


def require_columns(df: pd.DataFrame, columns, what: str) -> None:
    """Raise ``KeyError`` naming the columns ``df`` lacks and the ones it has."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(
            f"{what}: column(s) {missing} not in the data; its columns are {list(df.columns)}"
        )


def factorize(column: pd.Series):
    """``pandas.factorize(column, sort=True)``: int64 codes and the sorted distinct values.

    A column of Python strings (object dtype, or pandas' string dtype stored as Python
    objects) is factorised by ``_tandem.factorize_str`` in one pass, several times faster
    than pandas' generic object hashing on a long table; an int64 column by
    ``_tandem.factorize_i64`` on every core; a column of strings stored in
    Arrow (pandas 3's default ``str``) by ``_tandem.factorize_utf8`` from its buffers,
    shared with Rust and hashed on every core; any other column, or one holding anything but
    exact ``str`` (missing values included), goes to pandas itself, so the codes, the order
    and the errors are pandas' in every case.
    """
    dtype = column.dtype
    if dtype == np.int64:
        codes, uniques = _tandem.factorize_i64(np.ascontiguousarray(column.to_numpy()))
        return codes, pd.Index(uniques, dtype=dtype)
    got = _factorize_arrow_strings(column)
    if got is not None:
        codes, uniques = got
        return codes, pd.Index(uniques, dtype=dtype)
    by_object = dtype == object or (
        isinstance(dtype, pd.StringDtype) and dtype.storage == "python"
    )
    if by_object:
        objects = column.to_numpy(dtype=object)
        got = _tandem.factorize_str(np.ascontiguousarray(objects))
        if got is not None:
            codes, uniques = got
            return codes, pd.Index(uniques, dtype=dtype)
    codes, uniques = pd.factorize(column, sort=True)
    return codes.astype(np.int64, copy=False), uniques


def _factorize_arrow_strings(column: pd.Series):
    """``_tandem.factorize_utf8`` on an Arrow-backed string column without missing values;
    ``None`` for any other column."""
    to_arrow = getattr(column.array, "__arrow_array__", None)
    if to_arrow is None or not isinstance(column.dtype, (pd.StringDtype, pd.ArrowDtype)):
        return None
    import pyarrow as pa  # present: the column is stored in Arrow

    chunked = to_arrow()
    if not isinstance(chunked, pa.ChunkedArray) or chunked.null_count:
        return None
    if pa.types.is_large_string(chunked.type):
        width = np.int64
    elif pa.types.is_string(chunked.type):
        width = np.int32
    else:
        return None
    chunks = []
    for array in chunked.chunks:
        _, offsets, data = array.buffers()
        offsets = np.frombuffer(offsets, dtype=width)[array.offset : array.offset + len(array) + 1]
        data = np.frombuffer(data, dtype=np.uint8) if data is not None else np.empty(0, np.uint8)
        chunks.append((offsets.astype(np.int64, copy=False), data))
    return _tandem.factorize_utf8(chunks)
