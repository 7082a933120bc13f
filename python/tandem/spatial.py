r"""Spatial interaction (``tandem_core::metrics::spatial``): gravity linkage, Hansen
accessibility and Huff probabilities. Distances are a square DataFrame (index = origins,
columns = destinations) or a long table ``region_a, region_b, distance_km``."""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _tandem
from ._frames import to_pandas


def _square(distances, labels, what, a="region_a", b="region_b", d="distance_km"):
    """Distances as a contiguous len(labels) x len(labels) array in ``labels`` order (the
    diagonal, never read by the formulas here, is 0)."""
    df = to_pandas(distances, what) if not isinstance(distances, np.ndarray) else None
    if df is None:
        arr = np.asarray(distances, dtype=np.float64)
    elif {a, b, d} <= set(df.columns):
        sq = df.pivot(index=a, columns=b, values=d)
        sq = sq.reindex(index=labels, columns=labels)
        arr = sq.to_numpy(dtype=np.float64, copy=True)
        np.fill_diagonal(arr, 0.0)
    else:
        arr = df.reindex(index=labels, columns=labels).to_numpy(dtype=np.float64)
    if arr.shape != (len(labels), len(labels)):
        raise ValueError(f"{what}: distances must be {len(labels)} x {len(labels)}, got {arr.shape}")
    off = ~np.eye(len(labels), dtype=bool)
    if np.isnan(arr[off]).any():
        raise ValueError(f"{what}: a distance between two regions is missing; give every pair")
    return np.ascontiguousarray(arr.ravel())


def gravity(regions, distances, region="region", population="population", gdp="gdp",
            exponent=2.0):
    r"""Gravity linkage (经济联系强度) of every ordered pair of regions:
    R_ab = √(P_a G_a) · √(P_b G_b) / D_ab^b (b = ``exponent``, 2 by default), with the
    linkage total R_a = Σ_b R_ab and the share (经济联系隶属度) F_ab = R_ab / R_a.

    ``regions``: one row per region with ``population`` and ``gdp``; ``distances``: see the
    module. Returns columns region_a, region_b, distance, gravity, total_of_a, share.
    """
    df = to_pandas(regions, "gravity").sort_values(region)
    labels = df[region].to_numpy()
    d = _square(distances, labels, "gravity")
    res = _tandem.gravity_matrix(
        np.ascontiguousarray(df[population].to_numpy(dtype=np.float64)),
        np.ascontiguousarray(df[gdp].to_numpy(dtype=np.float64)), d, float(exponent),
    )
    n = len(labels)
    out = pd.DataFrame({
        "region_a": np.repeat(labels, n), "region_b": np.tile(labels, n), "distance": d,
        "gravity": res["gravity"], "share": res["share"],
    })
    out = out[out.region_a != out.region_b].reset_index(drop=True)
    out.insert(5, "total_of_a", out.groupby("region_a")["gravity"].transform("sum"))
    return out


def hansen(masses, distances, decay="power", beta=1.0):
    r"""Hansen accessibility A_i = Σ_j M_j f(d_ij) of each origin, f(d) = d^(−β)
    (``decay="power"``) or exp(−β d) (``"exponential"``) (Hansen 1959; REAT ``hansen``).

    ``masses``: a Series indexed by destination; ``distances``: origins x destinations
    DataFrame. Returns a Series indexed by origin."""
    m = pd.Series(masses)
    d = to_pandas(distances, "hansen").reindex(columns=m.index)
    a = _tandem.hansen(np.ascontiguousarray(m.to_numpy(dtype=np.float64)),
                       np.ascontiguousarray(d.to_numpy(dtype=np.float64).ravel()), decay, float(beta))
    return pd.Series(a, index=d.index, name="accessibility")


def huff(attractiveness, distances, alpha=1.0, beta=2.0):
    r"""Huff probabilities P_ij = S_j^α d_ij^(−β) / Σ_k S_k^α d_ik^(−β) that origin i turns to
    destination j (Huff 1963). ``attractiveness``: Series by destination; ``distances``:
    origins x destinations DataFrame. Returns the probabilities in the same shape."""
    s = pd.Series(attractiveness)
    d = to_pandas(distances, "huff").reindex(columns=s.index)
    p = _tandem.huff(np.ascontiguousarray(s.to_numpy(dtype=np.float64)),
                     np.ascontiguousarray(d.to_numpy(dtype=np.float64).ravel()), float(alpha), float(beta))
    return pd.DataFrame(p.reshape(d.shape), index=d.index, columns=d.columns)
