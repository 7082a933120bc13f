r"""Classic (Dunn) shift-share (``tandem_core::metrics::shift_share``)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ._frames import require_columns, to_pandas
from . import _tandem


def shift_share(
    data, base, end, region="region", industry="industry", value="employment", time="year"
):
    r"""Classic shift-share of every region x industry cell from period ``base`` to ``end``.

    With e⁰, e¹ the cell's values, g = E¹/E⁰ − 1 the reference economy's growth (the table's
    own regions) and g_i = E¹_i/E⁰_i − 1 the industry's: national share NS = e⁰ g, industry
    mix IM = e⁰ (g_i − g), regional share RS = e¹ − e⁰ (1 + g_i); NS + IM + RS = e¹ − e⁰
    (Dunn 1960; REAT ``shift(..., "Dunn")``). Sum the columns by region for region totals.

    Returns columns region, industry, ``{value}0``, ``{value}1``, change, national_share,
    industry_mix, regional_share; the union of both periods' regions and industries.
    """
    df = to_pandas(data, "shift_share")
    require_columns(df, [region, industry, value, time], "shift_share")
    periods = df[df[time].isin([base, end])]
    for p in (base, end):
        if not (periods[time] == p).any():
            raise ValueError(
                f"shift_share: no rows with {time} == {p!r}; the table has "
                f"{sorted(df[time].unique().tolist())}"
            )
    if periods.duplicated([time, region, industry]).any():
        raise ValueError(
            f"shift_share: a {time}, {region} and {industry} appear twice; aggregate first"
        )
    regions = pd.Index(sorted(periods[region].unique()))
    industries = pd.Index(sorted(periods[industry].unique()))
    full = periods.pivot_table(index=[time, region], columns=industry, values=value,
                               aggfunc="sum", fill_value=0)
    full = full.reindex(columns=industries, fill_value=0)

    def year(p):
        block = full.xs(p, level=0).reindex(regions, fill_value=0)
        return np.ascontiguousarray(block.to_numpy(dtype=np.float64).ravel())

    e0, e1 = year(base), year(end)
    res = _tandem.shift_share_cells(e0, e1, len(regions), len(industries))
    nr, ni = len(regions), len(industries)
    return pd.DataFrame(
        {
            region: np.repeat(regions, ni),
            industry: np.tile(industries, nr),
            f"{value}0": e0,
            f"{value}1": e1,
            **res,
        }
    )
