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
    than pandas' generic object hashing on a long table; any other column, or one holding
    anything but exact ``str`` (missing values included), goes to pandas itself, so the
    codes, the order and the errors are pandas' in every case.
    """
    dtype = column.dtype
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
