r"""Regional disparity (``tandem_core::metrics::disparity``).

Each function takes either array-likes or a DataFrame with column names (``data=``), and
``by`` to compute one value per group of rows (a year, say), returned as a DataFrame.
Notation: G_r income (GDP) and P_r population of region r, G = Σ G_r, P = Σ P_r,
y_r = G_r / P_r. 0 · ln 0 := 0.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _tandem
from ._matrix import by_groups


def _arr(x):
    return np.ascontiguousarray(np.asarray(x, dtype=np.float64))


def _dispatch(data, by, columns, name, scalar):
    """``scalar(frame_or_None)`` → float; with ``by``, one row per group."""
    if data is None:
        return scalar(None)
    if by is None:
        return scalar(data)
    return by_groups(
        data, by, [c for c in columns if c is not None], name,
        lambda g: pd.DataFrame({name: [scalar(g)]}),
    )


def theil(income="gdp", population=None, kind="T", groups=None, data=None, by=None):
    r"""Theil index of income across regions.

    With ``population``: T = Σ_r (G_r/G) ln[(G_r/G)/(P_r/P)] (``kind="T"``, income-weighted)
    or L = Σ_r (P_r/P) ln[(P_r/P)/(G_r/G)] (``kind="L"``, population-weighted). Without:
    the unweighted forms T = (1/n) Σ (y_r/ȳ) ln(y_r/ȳ) and L = (1/n) Σ ln(ȳ/y_r) (REAT
    ``theil``). With ``groups`` (a label per region) the exact decomposition
    T = Σ_g (G_g/G) ln[(G_g/G)/(P_g/P)] + Σ_g (G_g/G) T_g (Shorrocks 1980) is returned as a
    dict ``{"total", "between", "within", "groups": DataFrame}``.

    ``income``, ``population``, ``groups``: arrays, or column names of ``data``.
    """

    def scalar(df):
        col = (lambda c: c if df is None or c is None or not isinstance(c, str) else df[c])
        y, p, g = col(income), col(population), col(groups)
        if g is None:
            return _tandem.theil(_arr(y), None if p is None else _arr(p), kind)
        if p is None:
            raise ValueError("theil: a decomposition by groups needs population")
        codes, labels = pd.factorize(pd.Series(g), sort=True)
        d = _tandem.theil_decomposition(_arr(y), _arr(p), codes.astype(np.int64), kind)
        if df is not None and by is not None:
            return d["between"], d["within"], d["total"]
        table = pd.DataFrame(
            {"group": labels.take(d["group"]), "weight": d["weight"], "index": d["index"]}
        )
        return {"total": d["total"], "between": d["between"], "within": d["within"],
                "groups": table}

    if data is not None and by is not None and groups is not None:
        def one(g):
            between, within, total = scalar(g)
            return pd.DataFrame({"theil": [total], "between": [between], "within": [within]})

        return by_groups(data, by, [income, population, groups], "theil", one)
    return _dispatch(data, by, [income, population], "theil", scalar)


def _simple(measure, values, population, data, by):
    def scalar(df):
        v = df[values] if df is not None and isinstance(values, str) else values
        p = df[population] if df is not None and isinstance(population, str) else population
        return _tandem.inequality(measure, _arr(v), None if p is None else _arr(p))

    return _dispatch(data, by, [values, population], measure, scalar)


def gini(values="gdp_per_capita", data=None, by=None):
    r"""Gini coefficient G = Σ_i (2i − n − 1) x_(i) / (n Σ x) over the sorted values
    (unweighted; Gini 1912). Values must be non-negative with a positive total."""
    return _simple("gini", values, None, data, by)


def cv(values="gdp_per_capita", data=None, by=None):
    r"""Coefficient of variation σ / μ with the population standard deviation."""
    return _simple("cv", values, None, data, by)


def williamson(income="gdp", population="population", data=None, by=None):
    r"""Williamson's population-weighted CV: √(Σ_r (P_r/P)(y_r − Ȳ)²) / Ȳ, Ȳ = G/P
    (Williamson 1965)."""
    return _simple("williamson", income, population, data, by)
