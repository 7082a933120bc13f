"""Long tables to the dense row-major matrices the Rust functions take."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._frames import factorize, require_columns, to_pandas


class Matrix:
    """A regions x industries matrix built from a long table: absent cells are 0, as the
    indicators treat them; ``regions`` and ``industries`` are the sorted labels."""

    def __init__(self, df: pd.DataFrame, region: str, industry: str, value: str, what: str):
        r_codes, self.regions = factorize(df[region])
        i_codes, self.industries = factorize(df[industry])
        if (r_codes < 0).any() or (i_codes < 0).any():
            raise ValueError(f"{what}: missing region or industry keys; drop those rows first")
        flat = r_codes * len(self.industries) + i_codes
        if len(np.unique(flat)) != len(flat):
            raise ValueError(
                f"{what}: a region and industry appear twice; aggregate first "
                f"(df.groupby([{region!r}, {industry!r}])[{value!r}].sum())"
            )
        self.values = np.zeros(len(self.regions) * len(self.industries))
        self.values[flat] = pd.to_numeric(df[value]).to_numpy(dtype=np.float64)
        self.shape = (len(self.regions), len(self.industries))


def by_groups(data, by, columns, what, compute):
    """Apply ``compute(frame)`` (returning a DataFrame) to the whole table or to each group of
    the ``by`` column(s), putting the group keys first."""
    df = to_pandas(data, what)
    keys = [] if by is None else ([by] if isinstance(by, str) else list(by))
    require_columns(df, list(columns) + keys, what)
    if not keys:
        return compute(df).reset_index(drop=True)
    parts = []
    for key, group in df.groupby(keys, sort=True):
        out = compute(group)
        key = key if isinstance(key, tuple) else (key,)
        for name, k in zip(reversed(keys), reversed(key[-len(keys):])):
            out.insert(0, name, k)
        parts.append(out)
    return pd.concat(parts, ignore_index=True)
