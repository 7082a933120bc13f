r"""Specialisation and localisation of regions' industries (``tandem_core::metrics::specialisation``).

Every function takes a long table (one row per region and industry, optionally per ``time``)
and returns a DataFrame; with ``time`` given each period is computed on its own. Absent
region-industry cells count as 0. Notation for one period: E_ri the value (employment) of
region r in industry i, E_r = Σ_i E_ri, E_i = Σ_r E_ri, E = Σ E_ri, s_ri = E_ri / E_r.
The reference economy is the table's own regions.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import _tandem
from ._matrix import Matrix, by_groups


def _cells(data, region, industry, value, time, name, what):
    def one(df):
        m = Matrix(df, region, industry, value, what)
        lq = _tandem.location_quotients(m.values, *m.shape)
        nr, ni = m.shape
        return pd.DataFrame(
            {
                region: np.repeat(m.regions, ni),
                industry: np.tile(m.industries, nr),
                value: m.values,
                name: lq,
            }
        )

    return by_groups(data, time, [region, industry, value], what, one)


def lq(data, region="region", industry="industry", value="employment", time=None):
    r"""Location quotient LQ_ri = (E_ri / E_r) / (E_i / E) (Isard 1960).

    Returns one row per region x industry (x time) with the value and ``lq``; NaN where the
    region or the industry has no activity. Equals py-ecomplexity's ``rca`` exactly.
    """
    return _cells(data, region, industry, value, time, "lq", "lq")


def rca(data, region="region", industry="industry", value="employment", time=None):
    r"""Balassa revealed comparative advantage RCA_ri = (X_ri / X_r) / (X_i / X) (Balassa 1965),
    the location quotient on trade or output values; column ``rca``."""
    return _cells(data, region, industry, value, time, "rca", "rca")


def _per_region(data, region, industry, value, time, column, what):
    def one(df):
        m = Matrix(df, region, industry, value, what)
        res = _tandem.region_structure(m.values, *m.shape)
        return pd.DataFrame({region: m.regions, what: res[column]})

    return by_groups(data, time, [region, industry, value], what, one)


def hachman(data, region="region", industry="industry", value="employment", time=None):
    r"""Hachman index HI_r = 1 / Σ_i s_ri LQ_ri ∈ (0, 1]; 1 = the region's structure equals
    the reference economy's (Hachman 1915; EconGeo ``hachman``). One row per region (x time)."""
    return _per_region(data, region, industry, value, time, "hachman", "hachman")


def krugman(
    data, region="region", industry="industry", value="employment", time=None, pairwise=False
):
    r"""Krugman specialisation K_r = Σ_i |s_ri − E_i / E| ∈ [0, 2] of each region against the
    reference economy (EconGeo ``krugman_index``); with ``pairwise=True`` the dissimilarity
    K_ab = Σ_i |s_ai − s_bi| of every ordered pair (columns ``region_a``, ``region_b``,
    ``krugman``; Krugman 1991, REAT ``krugman.spec``)."""
    if not pairwise:
        return _per_region(data, region, industry, value, time, "krugman", "krugman")

    def one(df):
        m = Matrix(df, region, industry, value, "krugman")
        k = _tandem.krugman_pairwise(m.values, *m.shape)
        n = m.shape[0]
        return pd.DataFrame(
            {"region_a": np.repeat(m.regions, n), "region_b": np.tile(m.regions, n), "krugman": k}
        )

    return by_groups(data, time, [region, industry, value], "krugman", one)


def hoover(
    data, region="region", industry="industry", value="employment", time=None, by="region"
):
    r"""Hoover coefficient. ``by="region"``: specialisation of each region,
    ½ Σ_i |s_ri − E_i / E| (EconGeo ``spec_coeff``); ``by="industry"``: localisation of each
    industry, H_i = ½ Σ_r |E_ri / E_i − E_r / E| ∈ [0, 1) (Hoover 1936; REAT ``hoover``).
    Column ``hoover``."""
    if by == "region":
        return _per_region(data, region, industry, value, time, "hoover", "hoover")
    if by != "industry":
        raise ValueError(f'hoover: by={by!r} is unknown; use by="region" or by="industry"')

    def one(df):
        m = Matrix(df, region, industry, value, "hoover")
        h = _tandem.hoover_localisation(m.values, *m.shape)
        return pd.DataFrame({industry: m.industries, "hoover": h})

    return by_groups(data, time, [region, industry, value], "hoover", one)
