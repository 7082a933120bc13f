r"""Input-output analysis of a single-region table in pymrio's names
(``tandem_core::metrics::input_output``; Miller & Blair 2009).

``Z`` intermediate flows (z_ij: sales of sector i to sector j), ``Y`` final demand, ``x``
gross output (column ``indout``), ``A = Z diag(x)⁻¹`` technical coefficients (0 where
x_j = 0), ``L = (I − A)⁻¹`` Leontief inverse, ``B = diag(x)⁻¹ Z`` allocation coefficients,
``G = (I − B)⁻¹`` Ghosh inverse; an extension ``F`` (value added, emissions, employment)
gives ``S = F diag(x)⁻¹``, multipliers ``M = S L`` and downstream ``M_down = S (Gᵀ − I)``.
Output multipliers are the column sums of L; Rasmussen's backward linkage (影响力系数)
is (Σ_i l_ij) / ((1/n) Σ_ij l_ij), the forward linkage (感应度系数) the same with row sums.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _tandem
from ._frames import to_pandas


def _flat(df):
    return np.ascontiguousarray(df.to_numpy(dtype=np.float64).ravel())


class IOSystem:
    """A single-region input-output system, as pymrio's ``IOSystem`` names it.

    ``IOSystem(Z=..., Y=..., F=None)``: ``Z`` square DataFrame (sectors x sectors), ``Y``
    DataFrame (sectors x final-demand categories), ``F`` optional extension DataFrame
    (stressors x sectors). Or ``IOSystem(A=...)`` from coefficients only (as
    :meth:`regionalise` returns). :meth:`calc_all` fills ``x``, ``A``, ``L``, ``B``, ``G`` and,
    with ``F``, ``S``, ``M`` and ``M_down``; ``linkages`` and ``multipliers`` are tables per
    sector. Inputs that cannot be computed on (a non-productive A, a negative flow) raise
    ``tandem.TandemError`` with the reason.
    """

    def __init__(self, Z=None, Y=None, F=None, A=None, name="IOSystem"):
        self.name = name
        self.Z = None if Z is None else to_pandas(Z, "Z")
        self.Y = None if Y is None else to_pandas(Y, "Y")
        self.F = None if F is None else to_pandas(F, "F")
        self.A = None if A is None else to_pandas(A, "A")
        if self.Z is None and self.A is None:
            raise ValueError("IOSystem: give the flows Z (with Y), or the coefficients A")
        if self.Z is not None and self.Y is None:
            raise ValueError("IOSystem: Z needs the final demand Y to give gross output x")
        self.x = self.L = self.B = self.G = self.S = self.M = self.M_down = None
        self.linkages = self.multipliers = None

    @property
    def sectors(self):
        """The sector labels (Z's or A's index)."""
        return (self.Z if self.Z is not None else self.A).index

    def calc_all(self):
        """Compute every matrix and table the inputs allow; returns ``self``."""
        idx = self.sectors
        n = len(idx)
        mat = lambda v: pd.DataFrame(v.reshape(n, n), index=idx, columns=idx)  # noqa: E731
        if self.Z is not None:
            Y = self.Y.reindex(index=idx)
            res = _tandem.io_core(_flat(self.Z.reindex(index=idx, columns=idx)), _flat(Y), n, Y.shape[1])
            self.x = pd.DataFrame({"indout": res["x"]}, index=idx)
            self.B, self.G = mat(res["B"]), mat(res["G"])
        else:
            res = _tandem.io_from_coefficients(_flat(self.A.reindex(index=idx, columns=idx)), n)
        self.A, self.L = mat(res["A"]), mat(res["L"])
        cols = ["output_multiplier", "backward_linkage", "forward_linkage", "direct_backward"]
        cols += [c for c in ("forward_linkage_ghosh", "direct_forward") if c in res]
        self.linkages = pd.DataFrame({c: res[c] for c in cols}, index=idx)
        self.multipliers = self.linkages[["output_multiplier"]].copy()
        if self.F is not None and self.x is not None:
            self._extensions(idx, n)
        return self

    def _extensions(self, idx, n):
        F = self.F.reindex(columns=idx)
        k = F.shape[0]
        ext = _tandem.io_extensions(_flat(F), k, self.x["indout"].to_numpy(), _flat(self.L),
                                    _flat(self.G))
        shape = lambda v: pd.DataFrame(v.reshape(k, n), index=F.index, columns=idx)  # noqa: E731
        self.S, self.M, self.M_down = shape(ext["S"]), shape(ext["M"]), shape(ext["M_down"])
        for stressor, row in self.M.iterrows():
            self.multipliers[f"M[{stressor}]"] = row.to_numpy()

    def regionalise(self, regional, national, method="FLQ", delta=0.3):
        r"""A regional table from this (national) one by location quotients (Miller & Blair
        2009, §8.3; Flegg & Webber 1997): a^r_ij = a^n_ij · min(1, LQ_ij) with
        SLQ_i = (E^r_i/E^r)/(E^n_i/E^n), CILQ_ij = SLQ_i / SLQ_j (SLQ_i on the diagonal) or
        FLQ_ij = λ CILQ_ij, λ = [log2(1 + E^r/E^n)]^δ (``delta``, 0.3 by default).

        ``regional``, ``national``: employment (or output) by sector, Series indexed like the
        sectors. Returns a new, computed :class:`IOSystem` built from the regional A.
        """
        if self.A is None:
            self.calc_all()
        idx = self.sectors
        r = pd.Series(regional).reindex(idx).to_numpy(dtype=np.float64)
        nat = pd.Series(national).reindex(idx).to_numpy(dtype=np.float64)
        if np.isnan(r).any() or np.isnan(nat).any():
            raise ValueError("regionalise: give regional and national values for every sector")
        a = _tandem.io_regionalise(_flat(self.A), len(idx), np.ascontiguousarray(r),
                                   np.ascontiguousarray(nat), method, float(delta))
        out = IOSystem(A=pd.DataFrame(a.reshape(len(idx), len(idx)), index=idx, columns=idx),
                       name=f"{self.name} ({method.upper()})")
        return out.calc_all()

    def __repr__(self):
        state = "computed" if self.L is not None else "not computed (call calc_all())"
        return f"<tandem.io.IOSystem {self.name!r}: {len(self.sectors)} sectors, {state}>"
