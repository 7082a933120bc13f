"""Economic complexity in py-ecomplexity's conventions: ``complexity`` and ``proximity``.

Both take a long table (one row per time, location, product) and the same ``cols_input``
dict as py-ecomplexity 0.5.3 (``{"time": ..., "loc": ..., "prod": ..., "val": ...}``), with
its argument names and defaults, and return its output columns. The computation is
``tandem_core::metrics::complexity`` (Rust), which agrees with py-ecomplexity to 1e-12 on
closed forms and 1e-9 on eigenvector-based values (``python/tests/test_complexity.py``).
"""
from __future__ import annotations

import contextlib
import numbers
import re
import warnings

import numpy as np
import pandas as pd

from . import _tandem
from ._frames import factorize, require_columns, to_pandas

_KEYS = ("time", "loc", "prod", "val")


def _columns(cols_input, cols):
    chosen = cols_input if cols_input is not None else cols
    if chosen is None:
        raise TypeError(
            'complexity: name the columns, e.g. cols_input={"time": "year", "loc": "region", '
            '"prod": "industry", "val": "employment"}'
        )
    missing = [k for k in _KEYS if k not in chosen]
    if missing:
        raise KeyError(
            f"cols_input lacks {missing}; it needs the keys 'time', 'loc', 'prod' and 'val'"
        )
    return {k: chosen[k] for k in _KEYS}


def _codes(data, cols_input, cols, val_errors_flag, what):
    """Factorise the key columns (sorted) and coerce the values as py-ecomplexity does."""
    df = to_pandas(data, what)
    names = _columns(cols_input, cols)
    require_columns(df, list(names.values()), what)
    val = df[names["val"]]
    if not (isinstance(val.dtype, np.dtype) and val.dtype.kind in "iuf"):
        # A NumPy number column is numeric already: to_numeric would only copy it.
        val = pd.to_numeric(val, errors=val_errors_flag)
    if val.isnull().to_numpy().any():
        warnings.warn("NaN value(s) present, coercing to zero(es)")
        val = val.fillna(0)
    codes, uniques = [], []
    for key in ("time", "loc", "prod"):
        c, u = factorize(df[names[key]])
        if (c < 0).any():
            raise ValueError(
                f"{what}: column {names[key]!r} has missing keys; drop those rows first"
            )
        codes.append(c)
        uniques.append(u)
    values = np.ascontiguousarray(val.to_numpy(dtype=np.float64))
    sizes = [len(u) for u in uniques]
    labels = [str(t) for t in uniques[0]]
    return df, names, val, codes, uniques, values, sizes, labels


_PRESENCE_TESTS = ("rca", "rpop", "both", "manual")


@contextlib.contextmanager
def _labels_in_errors(uniques):
    """The library names regions and industries by their 0-based codes; the caller knows
    them by the labels in its table, so an error names those instead."""
    try:
        yield
    except _tandem.TandemError as error:
        message = str(error)
        for kind, label, values in (("region", "location", uniques[1]),
                                    ("industry", "product", uniques[2])):
            def named(match, label=label, values=values):
                k = int(match.group(1))
                return f"{label} {values[k]!r}" if k < len(values) else match.group(0)

            message = re.sub(kind + r" (\d+) \(0-based\)", named, message)
        raise _tandem.TandemError(message) from None


def _population(pop, presence_test, codes, values, uniques, sizes):
    """The population block (time x location, NaN where not given) for the RPOP tests, from
    py-ecomplexity's ``pop``: a table of time, location and population, in that order."""
    if presence_test not in _PRESENCE_TESTS:
        known = ", ".join(map(repr, _PRESENCE_TESTS))
        raise ValueError(f"presence_test={presence_test!r} is not one of {known}")
    if presence_test not in ("rpop", "both"):
        return None
    if pop is None:
        raise ValueError(
            f"presence_test={presence_test!r} needs pop: a DataFrame of time, location and "
            "population, in that order (py-ecomplexity's)"
        )
    pop = to_pandas(pop, "pop")
    if pop.shape[1] != 3:
        raise ValueError(
            f"pop: expected 3 columns (time, location, population, in that order), got "
            f"{list(pop.columns)}"
        )
    nt, nl, _ = sizes
    t = pd.Index(uniques[0]).get_indexer(pop.iloc[:, 0])
    loc = pd.Index(uniques[1]).get_indexer(pop.iloc[:, 1])
    number = pd.to_numeric(pop.iloc[:, 2], errors="coerce").to_numpy(dtype=np.float64)
    known = (t >= 0) & (loc >= 0)
    cell = t[known] * nl + loc[known]
    twice = pd.Index(cell).duplicated()
    if twice.any():
        k = cell[twice][0]
        raise ValueError(
            f"pop: location {uniques[1][k % nl]!r} has two populations in {uniques[0][k // nl]!r}"
        )
    population = np.full(nt * nl, np.nan)
    population[cell] = number[known]
    # Every location with activity needs a population; py-ecomplexity would read a missing
    # one as no presence anywhere, which hides the gap.
    activity = np.bincount(codes[0] * nl + codes[1], weights=values, minlength=nt * nl)
    bad = np.flatnonzero((activity > 0) & ~(np.isfinite(population) & (population > 0)))
    if len(bad):
        k = bad[0]
        raise ValueError(
            f"pop: location {uniques[1][k % nl]!r} has activity in {uniques[0][k // nl]!r} but "
            f"no positive population ({population[k]}); give it, or drop its rows"
        )
    return population


def _given_proximity(edgelist, codes, values, uniques, sizes):
    """py-ecomplexity's ``proximity_edgelist`` (columns prod1, prod2, proximity) as the
    product x product matrix of the table's products in code order, flattened, NaN where the
    edgelist has no row (the library reads NaN as 1 on the diagonal and 0 elsewhere)."""
    el = to_pandas(edgelist, "proximity_edgelist")
    require_columns(el, ["prod1", "prod2", "proximity"], "proximity_edgelist")
    if set(el["prod1"].unique()) != set(el["prod2"].unique()):
        raise ValueError("The set of products in prod1 and prod2 are not the same")
    twice = el.duplicated(["prod1", "prod2"])
    if twice.any():
        a, b = el.loc[twice.to_numpy(), ["prod1", "prod2"]].iloc[0]
        raise ValueError(f"proximity_edgelist: the pair ({a!r}, {b!r}) has more than one row")
    products = pd.Index(uniques[2])
    if not products.isin(el["prod1"]).any():
        raise ValueError(
            f"proximity_edgelist: none of its products is a product of the data (its prod1 "
            f"holds e.g. {el['prod1'].iloc[0]!r}, the data e.g. {products[0]!r}); "
            "check that both name products the same way and with the same type"
        )
    phi = el.pivot(index="prod1", columns="prod2", values="proximity")
    phi = phi.reindex(index=products, columns=products).to_numpy(dtype=np.float64)
    nt, _, np_ = sizes
    active = np.bincount(codes[0] * np_ + codes[2], weights=values, minlength=nt * np_) > 0
    _warn_missing_pairs(phi, active.reshape(nt, np_), uniques[0])
    return np.ascontiguousarray(phi).ravel()


def _warn_missing_pairs(phi, active, times):
    """py-ecomplexity's warning for each time whose active products meet a missing (NaN)
    proximity."""
    for t, kept in enumerate(active):
        block = phi[np.ix_(kept, kept)]
        if not np.isnan(block).any():
            continue
        np.fill_diagonal(block, 1.0)
        nan_frac = np.isnan(block).sum() / block.size
        if nan_frac > 0:
            warnings.warn(
                f"Year {times[t]}: Proximity matrix contains {nan_frac*100:.2}% "
                "non-diagonal values that are NaN's, so some density values will be NaN.\n"
                "Assuming diagonals are 1 and that other nan's are zero."
            )
        else:
            warnings.warn(
                f"Year {times[t]}: Proximity matrix contains diagonal values that are "
                "NaN's. Assuming all diagonal values to be one."
            )


def _solve(native, table, pop, presence_test, rca_mcp_threshold, rpop_mcp_threshold, asymmetric,
           continuous, **given):
    """``native`` (the complexity or the proximity of ``_tandem``) on the factorised
    ``table``, with py-ecomplexity's options, for the RPOP tests the population, and
    ``given`` inputs of ``native`` (a given proximity)."""
    codes, values, uniques, sizes, labels = table
    population = _population(pop, presence_test, codes, values, uniques, sizes)
    with _labels_in_errors(uniques):
        return native(
            *codes,
            values,
            sizes,
            labels,
            rca_mcp_threshold=float(rca_mcp_threshold),
            asymmetric=bool(asymmetric),
            presence_test=presence_test,
            rpop_mcp_threshold=float(rpop_mcp_threshold),
            population=population,
            continuous=bool(continuous),
            **given,
        )


def complexity(
    data,
    cols_input=None,
    presence_test="rca",
    val_errors_flag="coerce",
    rca_mcp_threshold=1,
    rpop_mcp_threshold=1,
    pop=None,
    continuous=False,
    proximity_edgelist=None,
    asymmetric=False,
    knn=None,
    check_logsupermodularity=True,
    report_logsupermodularity=False,
    verbose=True,
    *,
    cols=None,
):
    r"""Economic complexity of locations and products, as py-ecomplexity's ``ecomplexity``.

    Per time, with X_cp the value of location c in product p (locations and products with no
    activity that time are dropped, absent cells are 0):

    * ``rca``: RCA_cp = (X_cp / Σ_p X_cp) / (Σ_c X_cp / Σ_cp X_cp) (Balassa 1965);
    * ``rpop`` (``presence_test="rpop"`` or ``"both"``): RPOP_cp = (X_cp / pop_c) /
      (Σ_c X_cp / Σ_c pop_c), activity per head relative to the whole, with ``pop`` a table
      of time, location and population (in that order; every location with activity needs
      a positive population, or ``ValueError`` names it);
    * ``mcp``: by ``presence_test``: ``"rca"`` M_cp = 1 if RCA_cp ≥ ``rca_mcp_threshold``
      else 0; ``"rpop"`` M_cp = 1 if RPOP_cp ≥ ``rpop_mcp_threshold``; ``"both"`` the sum of
      the two (0, 1 or 2, as py-ecomplexity); ``"manual"`` M_cp = X_cp (a presence computed
      beforehand; ``rca`` is then the values, as in py-ecomplexity);
    * ``diversity`` d_c = Σ_p M_cp; ``ubiquity`` u_p = Σ_c M_cp;
    * ``eci``, ``pci``: kp is the eigenvector of the second-largest eigenvalue of
      M̃ = (M/u)ᵀ(M/d); kc = (M/d)·kp; both signed by sign(corr(d, kc));
      ECI = (kc − mean kc)/sd kc, PCI = (kp − mean kc)/sd kc (population sd), so that ECI_c is
      the mean PCI of the products with M_cp = 1 (Hidalgo & Hausmann 2009);
    * ``density``: ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp' (the sums include p' = p); with
      ``knn=k``, py-ecomplexity's count Σ_{p' ∈ N_k(p)} M_cp' over the k products nearest
      p (largest φ_pp', p itself left out), unweighted as py-ecomplexity returns it (its
      ``calc_density`` computes a proximity-weighted numerator but sums M alone), range
      0–k; COI then weighs this density, as in py-ecomplexity;
    * ``coi``: z-score of Σ_p ω_cp (1 − M_cp) kp_p;
    * ``cog``: (1 − M_cp) Σ_p' (1 − M_cp') φ_pp' / (Σ_p'' φ_p'p'') kp_p', divided by sd(kc),

    with φ from :func:`proximity` (symmetric, or with ``asymmetric=True`` the conditional
    probability, whose row p conditions on p; density and COG then read φ as py-ecomplexity
    does). With ``continuous=True``, φ_pp' = (1 + r_pp')/2 with r the correlation across
    locations of the two products' RCA (RPOP under ``"rpop"``, the values under
    ``"manual"``), and density weighs RCA (RPOP) instead of M, as py-ecomplexity; it is
    undefined with ``"both"`` (an error).

    ``proximity_edgelist``, a table with columns ``prod1``, ``prod2`` and ``proximity`` (the
    same products in both, one row per pair), gives φ instead of computing it, for density,
    COI and COG in every time (a product space from elsewhere, such as world trade, on
    regional data); ECI and PCI do not use it. A pair it lacks is unknown: 1 on the
    diagonal and 0 elsewhere, with py-ecomplexity's warning naming the time. Proximities
    must be finite and ≥ 0 (``TandemError`` otherwise).

    Arguments and defaults are py-ecomplexity 0.5.3's (``cols`` is accepted as another name
    for ``cols_input``); its four presence tests, continuous proximity, given proximity and
    ``knn`` are implemented. py-ecomplexity picks the k nearest with scikit-learn on the
    distances 1 − φ, whose order among equal distances is numpy's ``argpartition``'s
    (unspecified); tandem breaks such ties by the lower product code, so the two agree
    wherever the k-th and (k+1)-th nearest are not tied. ``knn`` must be a whole number
    from 1 to the number of products with activity less one, in every time
    (``TandemError`` naming the time otherwise). The log-supermodularity check is not run
    (it changes no output). Duplicate keys keep the first row and NaN values become 0, each with
    py-ecomplexity's warning.

    Returns a DataFrame with py-ecomplexity's columns (loc, prod, val, time, then
    diversity, ubiquity, mcp, eci, pci, density, coi, cog, rca, and rpop under the RPOP
    tests, under the caller's column names, then the other columns of ``data``), one row
    per time x location x product with activity plus the rows of ``data`` outside it (with
    NaN in every computed column), sorted by time, loc, prod.
    A degenerate year (one location, no eigenvalue gap, a location without any RCA ≥ the
    threshold) raises ``tandem.TandemError`` naming the year.
    """
    df, names, val, codes, uniques, values, sizes, labels = _codes(
        data, cols_input, cols, val_errors_flag, "complexity"
    )
    given = {"knn": _neighbours(knn)}
    if proximity_edgelist is not None:
        given["proximity"] = _given_proximity(proximity_edgelist, codes, values, uniques, sizes)
    if verbose:
        for t in uniques[0]:
            print(t)
    res = _solve(_tandem.complexity_codes, (codes, values, uniques, sizes, labels), pop,
                 presence_test, rca_mcp_threshold, rpop_mcp_threshold, asymmetric, continuous,
                 **given)
    if res["duplicates"]:
        warnings.warn("Duplicate values exist, keeping the first occurrence")
    return _frame(df, names, val, uniques, sizes, res)


def _neighbours(knn):
    """``knn`` checked as scikit-learn's ``n_neighbors``: None or a whole number >= 1."""
    if knn is None:
        return None
    if isinstance(knn, bool) or not isinstance(knn, numbers.Integral):
        raise TypeError(f"knn must be None or a whole number of products, got {knn!r}")
    if knn < 1:
        raise ValueError(f"knn must be at least 1 (the products counted around each), got {knn}")
    return int(knn)


def _frame(df, names, val, uniques, sizes, res):
    """The output table: kept cells and the input's own rows, py-ecomplexity's columns.

    The result columns arrive as one C-contiguous (columns, n) buffer; each column of the
    frame is one row of it, uncopied (a DataFrame built from a dict with ``copy=False``
    keeps each array as its own block). A cell was computed where its last column (RCA,
    or RPOP) is not NaN."""
    ncol = len(res["columns"])
    cells = res["cells"].reshape(ncol, -1)
    computed = ~np.isnan(cells[-1]) | (res["present"] == 1.0)
    nt, nl, np_ = sizes
    if computed.all():
        # The whole block, time-major: each key repeats and tiles, and one year's keys
        # serve every year.
        t = _tiled_keys(uniques[0], nl * np_, 1, 1)
        l = _tiled_keys(uniques[1], np_, 1, nt)
        p = _tiled_keys(uniques[2], 1, nl, nt)
        vals = res["val"]
        columns = [cells[j] for j in range(ncol)]
    else:
        keep = np.flatnonzero(computed)
        t_idx, rest = np.divmod(keep, nl * np_)
        l_idx, p_idx = np.divmod(rest, np_)
        t, l, p = (u.take(i) for u, i in zip(uniques, (t_idx, l_idx, p_idx)))
        vals = res["val"][keep]
        columns = [cells[j].take(keep) for j in range(ncol)]
    if pd.api.types.is_integer_dtype(val.dtype):
        vals = vals.astype(val.dtype)
    data = {names["loc"]: l, names["prod"]: p, names["val"]: vals, names["time"]: t}
    data.update(zip(res["columns"], columns))
    frame = pd.DataFrame(data, copy=False)
    extra = [c for c in df.columns if c not in names.values()]
    if extra:
        key = [names["time"], names["loc"], names["prod"]]
        others = df[key + extra].drop_duplicates(subset=key, keep="first")
        frame = frame.merge(others, how="left", on=key)
    return frame


def _tiled_keys(index, each, tiles, copies):
    """The values of ``index``, each repeated ``each`` times, that run tiled ``tiles``
    times, and the whole repeated ``copies`` times, in ``index``'s dtype.

    A NumPy column is repeated and tiled without an index; an Arrow-backed one is taken
    once and repeats as chunks that share its buffers."""
    def tile(values, times):
        # np.tile copies even once.
        return values if times == 1 else np.tile(values, times)

    if isinstance(index.dtype, np.dtype):
        # As an Index of that dtype: an object column of strings stays object, not the
        # string dtype pandas would infer for a bare array.
        values = tile(np.repeat(index.to_numpy(), each), tiles * copies)
        return pd.Index(values, dtype=index.dtype, copy=False)
    one = index.take(tile(np.repeat(np.arange(len(index)), each), tiles))
    if copies == 1:
        return one
    if isinstance(index.dtype, pd.ArrowDtype) or (
        isinstance(index.dtype, pd.StringDtype) and index.dtype.storage == "pyarrow"
    ):
        import pyarrow as pa  # present: the column is stored in Arrow

        chunks = one.array.__arrow_array__().chunks
        return pd.array(pa.chunked_array(chunks * copies), dtype=index.dtype)
    return one.take(np.tile(np.arange(len(one)), copies))


def proximity(
    data,
    cols_input=None,
    presence_test="rca",
    val_errors_flag="coerce",
    rca_mcp_threshold=1,
    rpop_mcp_threshold=1,
    pop=None,
    continuous=False,
    asymmetric=False,
    *,
    cols=None,
):
    r"""Product proximity per time, as py-ecomplexity's ``proximity``.

    φ_pp' = Σ_c M_cp M_cp' / max(u_p, u_p'), the minimum of the two conditional probabilities
    P(p'|p) and P(p|p') (Hidalgo, Klinger, Barabási & Hausmann 2007), over the products with
    activity that time; the diagonal is 1 and included. With ``asymmetric=True``,
    φ_pp' = Σ_c M_cp M_cp' / u_p = P(p'|p), as py-ecomplexity's ``asymmetric=True`` (the row
    ``{prod}_1`` = p is the product conditioned on). Same arguments as :func:`complexity`.

    Returns a DataFrame with columns ``time``, ``{prod}_1``, ``{prod}_2``, ``proximity``
    (py-ecomplexity's names, under the caller's column names).
    """
    _, names, _, codes, uniques, values, sizes, labels = _codes(
        data, cols_input, cols, val_errors_flag, "proximity"
    )
    res = _solve(_tandem.proximity_codes, (codes, values, uniques, sizes, labels), pop,
                 presence_test, rca_mcp_threshold, rpop_mcp_threshold, asymmetric, continuous)
    prod = names["prod"]
    return pd.DataFrame(
        {
            names["time"]: uniques[0].take(res["time"]),
            f"{prod}_1": uniques[2].take(res["prod_1"]),
            f"{prod}_2": uniques[2].take(res["prod_2"]),
            "proximity": res["proximity"],
        }
    )
