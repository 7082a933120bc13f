"""tandem.complexity / tandem.proximity against py-ecomplexity's golden outputs and, where
py-ecomplexity installs, against py-ecomplexity itself on the same input."""
import warnings

import numpy as np
import pandas as pd
import pytest

import tandem
from conftest import CLOSED, CORE, EIGEN, read

COLS = {"time": "year", "loc": "region", "prod": "industry", "val": "employment"}
KEY = ["year", "region", "industry"]


def _compare(ours, ref):
    ours = ours.sort_values(KEY, ignore_index=True)
    ref = ref.sort_values(KEY, ignore_index=True)
    assert len(ours) == len(ref)
    for c in KEY:
        assert (ours[c].to_numpy() == ref[c].to_numpy()).all(), c
    for c in ["rca", "mcp", "diversity", "ubiquity", "density"]:
        np.testing.assert_allclose(ours[c], ref[c], **CLOSED, err_msg=c)
    for c in ["eci", "pci", "coi", "cog"]:
        np.testing.assert_allclose(ours[c], ref[c], **EIGEN, err_msg=c)


def test_complexity_matches_golden(panel):
    out = tandem.complexity(panel[["year", "region", "industry", "employment"]], COLS, verbose=False)
    assert list(out.columns) == ["region", "industry", "employment", "year", "diversity",
                                 "ubiquity", "mcp", "eci", "pci", "density", "coi", "cog", "rca"]
    _compare(out, read(CORE, "outputs/ecomplexity_panel.csv"))


def test_cols_keyword_and_extra_columns_kept(panel):
    out = tandem.complexity(panel, cols=COLS, verbose=False)
    assert "output" in out.columns
    assert len(out) == len(panel)


def test_proximity_matches_golden(panel):
    out = tandem.proximity(panel, COLS)
    ref = read(CORE, "outputs/ecomplexity_proximity.csv")
    assert list(out.columns) == ["year", "industry_1", "industry_2", "proximity"]
    out = out.sort_values(["year", "industry_1", "industry_2"], ignore_index=True)
    np.testing.assert_allclose(out.proximity, ref.proximity, **CLOSED)


def _random_edgelist(products, seed):
    """A symmetric proximity in [0, 1] with a unit diagonal, as an edgelist."""
    rng = np.random.default_rng(seed)
    n = len(products)
    phi = rng.uniform(size=(n, n))
    phi = (phi + phi.T) / 2
    np.fill_diagonal(phi, 1.0)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    return pd.DataFrame({"prod1": np.asarray(products)[i.ravel()],
                         "prod2": np.asarray(products)[j.ravel()], "proximity": phi.ravel()})


@pytest.mark.parametrize("continuous", [False, True])
def test_given_proximity_side_by_side_with_py_ecomplexity(panel, continuous):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    # A product the data lack is ignored, as py-ecomplexity's reindexing does.
    edgelist = _random_edgelist(sorted(data.industry.unique()) + ["not-in-data"], seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False,
                              continuous=continuous, proximity_edgelist=edgelist)
    ours = tandem.complexity(data, COLS, verbose=False, continuous=continuous,
                             proximity_edgelist=edgelist)
    _compare(ours, ref)
    computed = tandem.complexity(data, COLS, verbose=False, continuous=continuous)
    assert not np.allclose(ours.density, computed.density), "the given proximity is used"
    np.testing.assert_allclose(ours.eci, computed.eci, rtol=0, atol=1e-12)


def test_a_given_proximity_equal_to_the_computed_one_changes_nothing(panel):
    data = panel[["year", "region", "industry", "employment"]]
    phi = tandem.proximity(data, COLS)
    first = phi[phi.year == 2019].rename(columns={"industry_1": "prod1", "industry_2": "prod2"})
    given = tandem.complexity(data, COLS, verbose=False,
                              proximity_edgelist=first[["prod1", "prod2", "proximity"]])
    computed = tandem.complexity(data, COLS, verbose=False)
    same = (given.year == 2019).to_numpy()
    for c in ["density", "coi", "cog"]:
        np.testing.assert_allclose(given[c][same], computed[c][same], rtol=0, atol=1e-12)
        assert not np.allclose(given[c][~same], computed[c][~same]), c


def test_missing_pairs_of_a_given_proximity_are_one_on_the_diagonal_and_zero_elsewhere(panel):
    # py-ecomplexity 0.5.3's own NaN path fails under pandas' copy-on-write (it fills the
    # diagonal of a read-only array), so its documented rule is the reference here.
    data = panel[["year", "region", "industry", "employment"]]
    full = _random_edgelist(sorted(data.industry.unique()), seed=5)
    off = full.prod1 != full.prod2
    dropped = full[~off].sample(3, random_state=1).index.union(
        full[off].sample(10, random_state=2).index)
    filled = full.copy()
    filled.loc[dropped, "proximity"] = np.where(
        filled.loc[dropped, "prod1"] == filled.loc[dropped, "prod2"], 1.0, 0.0)
    with pytest.warns(UserWarning, match="Year 2019: Proximity matrix contains .* non-diagonal"):
        partial = tandem.complexity(data, COLS, verbose=False,
                                    proximity_edgelist=full.drop(dropped))
    reference = tandem.complexity(data, COLS, verbose=False, proximity_edgelist=filled)
    for c in ["density", "coi", "cog"]:
        np.testing.assert_allclose(partial[c], reference[c], rtol=0, atol=1e-12)


def test_a_bad_given_proximity_is_an_error(panel):
    data = panel[["year", "region", "industry", "employment"]]
    edgelist = _random_edgelist(sorted(data.industry.unique()), seed=7)
    with pytest.raises(ValueError, match="prod1 and prod2 are not the same"):
        one_sided = edgelist[edgelist.prod2 != edgelist.prod1.iloc[0]]
        tandem.complexity(data, COLS, verbose=False, proximity_edgelist=one_sided)
    with pytest.raises(ValueError, match="more than one row"):
        tandem.complexity(data, COLS, verbose=False,
                          proximity_edgelist=pd.concat([edgelist, edgelist.iloc[:1]]))
    with pytest.raises(ValueError, match="none of its products is a product of the data"):
        numbered = edgelist.assign(prod1=edgelist.prod1.map(hash), prod2=edgelist.prod2.map(hash))
        tandem.complexity(data, COLS, verbose=False, proximity_edgelist=numbered)
    negative = edgelist.assign(proximity=edgelist.proximity.where(edgelist.index != 4, -0.5))
    with pytest.raises(tandem.TandemError, match=r"proximity of product .* = -0.5 is out of range"):
        tandem.complexity(data, COLS, verbose=False, proximity_edgelist=negative)


def _knn_bounds(ours, prox, k):
    """Per (year, product), whether the k nearest are determined (the (k+1)-th and
    (k+2)-th smallest distance 1 - φ over all products differ, so scikit-learn's choice
    does not depend on how it orders ties) and the range of counts any tie-break gives."""
    out = {}
    for year, cells in ours.groupby("year"):
        phi = prox[prox.year == year].pivot(index="industry_1", columns="industry_2",
                                            values="proximity")
        mcp = cells.set_index(["region", "industry"]).mcp.unstack()[phi.index]
        for p in phi.index:
            dist = 1.0 - phi.loc[p]
            kth = np.sort(dist.to_numpy())[k]
            others = dist.drop(p)
            nearer, tied = others.index[others < kth], others.index[others == kth]
            need = k - len(nearer)
            base, in_tie = mcp[nearer].sum(axis=1), mcp[tied].sum(axis=1)
            low = base + np.maximum(0, need - (len(tied) - in_tie))
            high = base + np.minimum(need, in_tie)
            determined = np.sort(dist.to_numpy())[k + 1] != kth
            out[(year, p)] = (determined, low, high)
    return out


@pytest.mark.parametrize("knn", [1, 3, 8])
def test_knn_side_by_side_with_py_ecomplexity(panel, knn):
    """Where the k nearest products are determined, tandem's density equals
    py-ecomplexity's exactly; where the k-th is tied (frequent: proximities are ratios of
    small counts), both lie in the range the tie allows."""
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, knn=knn, verbose=False,
                              check_logsupermodularity=False)
    ours = tandem.complexity(data, COLS, knn=knn, verbose=False)
    assert list(ours.columns) == list(ref.columns)
    ref = ref.set_index(["year", "industry", "region"]).density.sort_index()
    ours_d = ours.set_index(["year", "industry", "region"]).density.sort_index()
    determined = 0
    for (year, p), (fixed, low, high) in _knn_bounds(ours, tandem.proximity(data, COLS),
                                                     knn).items():
        mine = ours_d.loc[(year, p)]
        theirs = ref.loc[(year, p)].loc[mine.index]
        if fixed:
            determined += 1
            assert (mine == theirs).all(), (year, p)
        for dens in (mine, theirs):
            assert ((dens >= low.loc[dens.index]) & (dens <= high.loc[dens.index])).all()
    assert determined >= 15


@pytest.mark.parametrize("knn", [1, 4, 10])
def test_knn_with_continuous_proximity_side_by_side_with_py_ecomplexity(panel, knn):
    """Correlation-based proximities have no ties: every column equals py-ecomplexity's,
    COI (which weighs the k-nearest density) included."""
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, knn=knn, continuous=True, verbose=False,
                              check_logsupermodularity=False)
    ours = tandem.complexity(data, COLS, knn=knn, continuous=True, verbose=False)
    _compare(ours, ref)


def test_knn_out_of_range_says_what_is_allowed(panel):
    with pytest.raises(ValueError, match="at least 1"):
        tandem.complexity(panel, COLS, knn=0, verbose=False)
    with pytest.raises(TypeError, match="whole number"):
        tandem.complexity(panel, COLS, knn=2.5, verbose=False)
    with pytest.raises(tandem.TandemError, match=r"year 2019.*from 1 to 19"):
        tandem.complexity(panel, COLS, knn=20, verbose=False)


def test_degenerate_year_is_an_error_naming_the_year(panel):
    one = panel[panel.region.isin(["A1"])]
    with pytest.raises(tandem.TandemError, match="year 2019"):
        tandem.complexity(one, COLS, verbose=False)


def test_zero_activity_location_is_nan_like_py_ecomplexity(panel):
    df = panel.copy()
    df.loc[(df.region == "A1") & (df.year == 2019), "employment"] = 0
    out = tandem.complexity(df, COLS, verbose=False)
    a1 = out[(out.region == "A1") & (out.year == 2019)]
    assert len(a1) == 20
    # Nothing is computed for a dropped location: not even its products' ubiquity and PCI.
    computed = ["diversity", "ubiquity", "mcp", "eci", "pci", "density", "coi", "cog", "rca"]
    assert a1[computed].isna().all().all()


def test_dropped_locations_and_products_side_by_side_with_py_ecomplexity(panel):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]].copy()
    year = data.year == data.year.iloc[0]
    data.loc[year & (data.region == "A1"), "employment"] = 0
    data.loc[year & (data.industry == data.industry.iloc[0]), "employment"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False)
    ours = tandem.complexity(data, COLS, verbose=False)
    assert ref.eci.isna().any() and ref.pci.isna().any()
    _compare(ours, ref)


@pytest.mark.parametrize(
    "dtype", [object, "category", "string[python]", "string[pyarrow]", "str", "int"]
)
@pytest.mark.parametrize("every_cell", [True, False])
def test_key_columns_keep_their_dtype_and_values(panel, dtype, every_cell):
    """The output's keys are the input's, in the input's dtype, however they are stored:
    a block where every cell is computed builds them by repeating one year's keys (Arrow
    columns as chunks sharing one buffer), the other case by taking them row by row."""
    data = panel[["year", "region", "industry", "employment"]]
    if not every_cell:
        data = data.iloc[::2]
    base = tandem.complexity(data, COLS, verbose=False)
    if dtype == "int":
        recoded = {c: pd.factorize(data[c], sort=True)[0] + 100 for c in ("region", "industry")}
        typed = data.assign(**recoded)
        want = {c: base[c].map(dict(zip(data[c], typed[c]))) for c in recoded}
    else:
        typed = data.astype({"region": dtype, "industry": dtype})
        want = {c: base[c] for c in ("region", "industry")}
    out = tandem.complexity(typed, COLS, verbose=False)
    for c in ("region", "industry"):
        assert out[c].dtype == typed[c].dtype, c
        assert list(out[c].astype(object)) == list(want[c].astype(object)), c
    pd.testing.assert_frame_equal(out.drop(columns=["region", "industry"]),
                                  base.drop(columns=["region", "industry"]))


def test_side_by_side_with_py_ecomplexity(panel):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False)
    ours = tandem.complexity(data, COLS, verbose=False)
    assert list(ours.columns) == list(ref.columns)
    _compare(ours, ref)
    ref_p = ecx.proximity(data, COLS).sort_values(["year", "industry_1", "industry_2"])
    ours_p = tandem.proximity(data, COLS).sort_values(["year", "industry_1", "industry_2"])
    np.testing.assert_allclose(ours_p.proximity, ref_p.proximity, **CLOSED)


def test_asymmetric_proximity_side_by_side_with_py_ecomplexity(panel):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False,
                              asymmetric=True)
    ours = tandem.complexity(data, COLS, verbose=False, asymmetric=True)
    _compare(ours, ref)
    # The asymmetric matrix really differs from the symmetric one here.
    sym = tandem.complexity(data, COLS, verbose=False).sort_values(KEY, ignore_index=True)
    assert not np.allclose(sym.density, ours.sort_values(KEY, ignore_index=True).density)
    key = ["year", "industry_1", "industry_2"]
    ref_p = ecx.proximity(data, COLS, asymmetric=True).sort_values(key, ignore_index=True)
    ours_p = tandem.proximity(data, COLS, asymmetric=True).sort_values(key, ignore_index=True)
    for c in key:
        assert (ours_p[c].to_numpy() == ref_p[c].to_numpy()).all(), c
    np.testing.assert_allclose(ours_p.proximity, ref_p.proximity, **CLOSED)


def _population(panel, seed=7):
    """A population per region and year: about proportional to its activity, with noise, so
    that RPOP differs from RCA but every region has some presence (a region with presence
    nowhere makes py-ecomplexity's whole year NaN, and is an error in tandem)."""
    rng = np.random.default_rng(seed)
    keys = panel.groupby(["year", "region"], as_index=False)["employment"].sum()
    keys["pop"] = np.round(keys.pop("employment") * 3 * rng.lognormal(0, 0.3, size=len(keys)))
    return keys


@pytest.mark.parametrize("presence_test", ["rpop", "both"])
@pytest.mark.parametrize("rpop_mcp_threshold", [1, 0.8])
def test_rpop_presence_side_by_side_with_py_ecomplexity(panel, presence_test, rpop_mcp_threshold):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    pop = _population(panel)
    options = dict(presence_test=presence_test, pop=pop, rpop_mcp_threshold=rpop_mcp_threshold)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False, **options)
    ours = tandem.complexity(data, COLS, verbose=False, **options)
    assert list(ours.columns) == list(ref.columns) and "rpop" in ours.columns
    _compare(ours, ref)
    a, b = ours.sort_values(KEY, ignore_index=True), ref.sort_values(KEY, ignore_index=True)
    np.testing.assert_allclose(a.rpop, b.rpop, **CLOSED)
    if presence_test == "both":
        assert (a.mcp == 2).any()
    # RPOP really differs from RCA here.
    assert not np.array_equal(a.mcp, tandem.complexity(data, COLS, verbose=False)
                              .sort_values(KEY, ignore_index=True).mcp)
    key = ["year", "industry_1", "industry_2"]
    ref_p = ecx.proximity(data, COLS, **options).sort_values(key, ignore_index=True)
    ours_p = tandem.proximity(data, COLS, **options).sort_values(key, ignore_index=True)
    np.testing.assert_allclose(ours_p.proximity, ref_p.proximity, **CLOSED)


@pytest.mark.parametrize("kind", ["binary", "degree"])
def test_manual_presence_side_by_side_with_py_ecomplexity(panel, kind):
    ecx = pytest.importorskip("ecomplexity")
    data = tandem.complexity(panel[["year", "region", "industry", "employment"]], COLS,
                             verbose=False)[["year", "region", "industry", "mcp"]]
    data = data.rename(columns={"mcp": "presence"})
    if kind == "degree":
        # A continuous presence: the RCA-based 0/1 plus a graded share.
        data["presence"] = data["presence"] * 0.5 + np.linspace(0.1, 0.9, len(data))
    cols = dict(COLS, val="presence")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, cols, presence_test="manual", verbose=False,
                              check_logsupermodularity=False)
    ours = tandem.complexity(data, cols, presence_test="manual", verbose=False)
    assert list(ours.columns) == list(ref.columns)
    _compare(ours, ref)


@pytest.mark.parametrize("presence_test", ["rca", "rpop", "manual"])
def test_continuous_proximity_side_by_side_with_py_ecomplexity(panel, presence_test):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]]
    options = dict(presence_test=presence_test, continuous=True)
    if presence_test == "rpop":
        options["pop"] = _population(panel)
    cols = COLS
    if presence_test == "manual":
        data = tandem.complexity(data, COLS, verbose=False)[["year", "region", "industry", "rca"]]
        data = data.rename(columns={"rca": "presence"})
        cols = dict(COLS, val="presence")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, cols, verbose=False, check_logsupermodularity=False, **options)
        ref_p = ecx.proximity(data, cols, **options)
    ours = tandem.complexity(data, cols, verbose=False, **options)
    assert list(ours.columns) == list(ref.columns)
    _compare(ours, ref)
    key = ["year", "industry_1", "industry_2"]
    ours_p = tandem.proximity(data, cols, **options).sort_values(key, ignore_index=True)
    ref_p = ref_p.sort_values(key, ignore_index=True)
    np.testing.assert_allclose(ours_p.proximity, ref_p.proximity, **CLOSED)
    # Continuous proximity is not the co-occurrence one.
    discrete = tandem.proximity(data, cols, **dict(options, continuous=False))
    assert not np.allclose(discrete.sort_values(key).proximity, ours_p.proximity)


def test_continuous_proximity_with_both_presence_tests_is_refused(panel):
    data = panel[["year", "region", "industry", "employment"]]
    with pytest.raises(tandem.TandemError, match="continuous proximity"):
        tandem.complexity(data, COLS, presence_test="both", pop=_population(panel),
                          continuous=True, verbose=False)


def test_errors_name_locations_and_products_by_their_labels(panel):
    data = panel[["year", "region", "industry", "employment"]]
    pop = _population(panel)
    # A location ten times as populous as its activity has RPOP < 1 everywhere.
    pop.loc[pop.region == "A1", "pop"] *= 10
    with pytest.raises(tandem.TandemError, match="location 'A1' has diversity 0"):
        tandem.complexity(data, COLS, presence_test="rpop", pop=pop, verbose=False)


def test_rpop_needs_a_population_for_every_active_location(panel):
    data = panel[["year", "region", "industry", "employment"]]
    with pytest.raises(ValueError, match="needs pop"):
        tandem.complexity(data, COLS, presence_test="rpop", verbose=False)
    pop = _population(panel)
    with pytest.raises(ValueError, match="location 'A1' has activity in"):
        tandem.complexity(data, COLS, presence_test="rpop", pop=pop[pop.region != "A1"],
                          verbose=False)
    with pytest.raises(ValueError, match="two populations"):
        tandem.complexity(data, COLS, presence_test="both", pop=pd.concat([pop, pop.head(1)]),
                          verbose=False)
    with pytest.raises(ValueError, match="3 columns"):
        tandem.complexity(data, COLS, presence_test="rpop", pop=pop[["year", "region"]],
                          verbose=False)
    with pytest.raises(ValueError, match="presence_test='rcpa' is not one of"):
        tandem.complexity(data, COLS, presence_test="rcpa", verbose=False)


def test_pyarrow_tables_are_accepted(panel):
    pa = pytest.importorskip("pyarrow")
    data = panel[["year", "region", "industry", "employment"]]
    ours = tandem.complexity(pa.Table.from_pandas(data), COLS, verbose=False)
    _compare(ours, read(CORE, "outputs/ecomplexity_panel.csv"))


def test_polars_frames_are_accepted(panel):
    pl = pytest.importorskip("polars")
    pytest.importorskip("pyarrow")  # polars' to_pandas needs it
    data = panel[["year", "region", "industry", "employment"]]
    ours = tandem.complexity(pl.from_pandas(data), COLS, verbose=False)
    _compare(ours, read(CORE, "outputs/ecomplexity_panel.csv"))


def test_a_table_of_another_kind_is_refused_with_the_fix():
    with pytest.raises(TypeError, match="pandas DataFrame"):
        tandem.complexity([[1, 2]], COLS, verbose=False)


class _Label(str):
    """A str subclass: pandas orders and compares it as a str, the fast path refuses it."""


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", "b", "é", "a", "\U00010000", "\uffff", "Z", ""],
        # Equal strings that are distinct objects (built at run time, never interned).
        ["".join(["re", "gion"]) for _ in range(5)] + ["".join(["a", "b"]) for _ in range(3)],
        ["x", None, "y"],
        ["x", float("nan"), "y"],
        ["x", 3, "y"],
        [_Label("b"), _Label("a"), "b"],
    ],
)
@pytest.mark.parametrize(
    "dtype", [object, "string[python]", "string[pyarrow]", "large_string[pyarrow]"]
)
def test_factorize_is_pandas_factorize(values, dtype):
    from tandem._frames import factorize

    try:
        column = pd.Series(values, dtype=dtype)
    except (TypeError, ValueError):
        pytest.skip("pandas refuses this column for this dtype")
    codes, uniques = factorize(column)
    ref_codes, ref_uniques = pd.factorize(column, sort=True)
    assert codes.dtype == np.int64
    np.testing.assert_array_equal(codes, ref_codes)
    assert list(uniques) == list(ref_uniques)
    assert uniques.dtype == ref_uniques.dtype


def test_factorize_reads_every_arrow_chunk_and_slice():
    pa = pytest.importorskip("pyarrow")
    from tandem._frames import factorize

    # Enough rows that the Rust side hashes them on several threads.
    words = [f"I{(k * 7919) % 601:04d}" for k in range(300_000)]
    chunks = pa.chunked_array([words[:1000], words[1000:], ["é", "a"]], type=pa.large_string())
    for column in [
        pd.Series(chunks, dtype=pd.ArrowDtype(pa.large_string())),
        pd.Series(chunks.combine_chunks().cast(pa.string()), dtype="string[pyarrow]")[7:],
        pd.concat([pd.Series(words[:5], dtype="string[pyarrow]")] * 3),
    ]:
        codes, uniques = factorize(column)
        ref_codes, ref_uniques = pd.factorize(column, sort=True)
        np.testing.assert_array_equal(codes, ref_codes)
        assert list(uniques) == list(ref_uniques) and uniques.dtype == ref_uniques.dtype


def test_factorize_int64_is_pandas_factorize():
    from tandem._frames import factorize

    years = np.repeat([2021, 2019, 2020, -5, 2019], 70_000).astype(np.int64)
    for column in [pd.Series(years), pd.Series(years[::-1].copy()), pd.Series([], dtype=np.int64)]:
        codes, uniques = factorize(column)
        ref_codes, ref_uniques = pd.factorize(column, sort=True)
        np.testing.assert_array_equal(codes, ref_codes)
        assert list(uniques) == list(ref_uniques) and uniques.dtype == ref_uniques.dtype


def test_absent_rows_side_by_side_with_py_ecomplexity(panel):
    ecx = pytest.importorskip("ecomplexity")
    data = panel[["year", "region", "industry", "employment"]].copy()
    # Region A1 idle in the first year, and every seventh row absent: the output has the
    # active rectangle, plus A1's rows that remain, with nothing computed for them.
    data.loc[(data.year == data.year.iloc[0]) & (data.region == "A1"), "employment"] = 0
    data = data.iloc[[k for k in range(len(data)) if k % 7 != 3]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ecx.ecomplexity(data, COLS, verbose=False, check_logsupermodularity=False)
    ours = tandem.complexity(data, COLS, verbose=False)
    assert ours.eci.isna().any() and (ours.employment == 0).any()
    _compare(ours, ref)


def test_rows_with_missing_keys_are_still_refused(panel):
    df = panel.astype({"region": object}).copy()
    df.loc[df.index[3], "region"] = None
    with pytest.raises(ValueError, match="missing keys"):
        tandem.complexity(df, COLS, verbose=False)
