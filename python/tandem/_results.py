"""Result objects of the estimators: a summary table (``summary()``, ``repr``), the numbers
as attributes and DataFrames, and ``plot()`` with matplotlib when it is installed."""
from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd


def z_value(alp):
    """The two-sided normal critical value of level ``alp``."""
    return NormalDist().inv_cdf(1 - alp / 2)


def pyplot():
    """matplotlib.pyplot, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("plot() needs matplotlib: pip install matplotlib") from e
    return plt


def with_ci(table, alp):
    """Adds pointwise confidence bounds ``ci_lower``/``ci_upper`` = estimate ∓ z·se."""
    z = z_value(alp)
    est = "att" if "att" in table.columns else "estimate"
    table["ci_lower"] = table[est] - z * table["se"]
    table["ci_upper"] = table[est] + z * table["se"]
    return table


def text_table(df, floatfmt="{:.4f}"):
    """A plain-text table (no dependency on tabulate)."""
    cells = [[str(c) for c in df.columns]]
    for row in df.itertuples(index=False):
        cells.append(["" if isinstance(v, float) and np.isnan(v) else
                      (floatfmt.format(v) if isinstance(v, (float, np.floating)) else str(v))
                      for v in row])
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Result:
    """Base: ``repr`` is the summary."""

    def summary(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def __repr__(self):
        return self.summary()

    def _repr_html_(self):
        return "<pre>" + self.summary().replace("&", "&amp;").replace("<", "&lt;") + "</pre>"


def event_plot(ax, x, est, se, alp, label):
    """Estimates with pointwise intervals against x, with a zero line."""
    z = z_value(alp)
    ax.axhline(0, color="grey", lw=0.8)
    ax.errorbar(x, est, yerr=z * np.asarray(se), fmt="o", capsize=3, label=label)
    return ax


__all__ = ["Result", "event_plot", "pd", "pyplot", "text_table", "with_ci", "z_value"]
