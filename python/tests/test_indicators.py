"""Specialisation, shift-share, disparity and spatial indicators against the golden
outputs of the documented numpy script (own_*.csv), as the Rust tests use them."""
import numpy as np
import pandas as pd
import pytest

import tandem
from conftest import CLOSED, CORE, read

ARGS = dict(region="region", industry="industry", value="employment", time="year")


def _by(df, keys):
    return df.sort_values(keys, ignore_index=True)


def test_lq_and_rca(panel):
    ref = _by(read(CORE, "outputs/own_location_quotient.csv"), ["year", "region", "industry"])
    lq = _by(tandem.specialisation.lq(panel, **ARGS), ["year", "region", "industry"])
    np.testing.assert_allclose(lq.lq, ref.lq, **CLOSED)
    out = _by(tandem.specialisation.lq(panel, **{**ARGS, "value": "output"}), ["year", "region", "industry"])
    np.testing.assert_allclose(out.lq, ref.lq_output, **CLOSED)
    rca = _by(tandem.specialisation.rca(panel, **ARGS), ["year", "region", "industry"])
    np.testing.assert_array_equal(rca.rca, lq.lq)


def test_region_structure(panel):
    ref = _by(read(CORE, "outputs/own_region_structure.csv"), ["year", "region"])
    h = _by(tandem.specialisation.hachman(panel, **ARGS), ["year", "region"])
    np.testing.assert_allclose(h.hachman, ref.hachman, **CLOSED)
    k = _by(tandem.specialisation.krugman(panel, **ARGS), ["year", "region"])
    np.testing.assert_allclose(k.krugman, ref.krugman_vs_total, **CLOSED)
    hv = _by(tandem.specialisation.hoover(panel, **ARGS), ["year", "region"])
    np.testing.assert_allclose(hv.hoover, ref.hoover_specialisation, **CLOSED)


def test_krugman_pairwise_and_hoover_localisation(panel):
    ref = _by(read(CORE, "outputs/own_pairwise_structure.csv"), ["year", "region_a", "region_b"])
    k = _by(tandem.specialisation.krugman(panel, **ARGS, pairwise=True), ["year", "region_a", "region_b"])
    np.testing.assert_allclose(k.krugman, ref.krugman, rtol=1e-12, atol=1e-15)
    ref = _by(read(CORE, "outputs/own_industry_hoover.csv"), ["year", "industry"])
    h = _by(tandem.specialisation.hoover(panel, **ARGS, by="industry"), ["year", "industry"])
    np.testing.assert_allclose(h.hoover, ref.hoover_localisation, **CLOSED)


def test_shift_share(panel):
    ref = _by(read(CORE, "outputs/own_shift_share.csv"), ["region", "industry"])
    out = _by(tandem.shift_share(panel, 2019, 2021, **ARGS), ["region", "industry"])
    for c in ["change", "national_share", "industry_mix", "regional_share"]:
        np.testing.assert_allclose(out[c], ref[c], rtol=1e-12, atol=1e-9, err_msg=c)
    with pytest.raises(ValueError, match="no rows with year == 1999"):
        tandem.shift_share(panel, 1999, 2021, **ARGS)


def test_disparity(regions):
    ref = read(CORE, "outputs/own_inequality.csv").set_index("year")
    for year, g in regions.groupby("year"):
        r = ref.loc[year]
        y, p = g.gdp_100m_cny, g.population_10k
        assert tandem.disparity.theil(y, p, kind="T") == pytest.approx(r.theil_T_gdp_weighted, rel=1e-12)
        assert tandem.disparity.theil(y, p, kind="L") == pytest.approx(r.theil_L_pop_weighted, rel=1e-12)
        pc = y / p
        assert tandem.disparity.theil(pc, kind="T") == pytest.approx(r.theil_T_unweighted, rel=1e-12)
        assert tandem.disparity.theil(pc, kind="L") == pytest.approx(r.theil_L_unweighted, rel=1e-12)
        d = tandem.disparity.theil(y, p, groups=g.group)
        assert d["between"] == pytest.approx(r.theil_T_between_groups, rel=1e-12)
        assert d["within"] == pytest.approx(r.theil_T_within_groups, rel=1e-12)
        assert tandem.disparity.williamson(y, p) == pytest.approx(r.williamson_cv, rel=1e-12)
    by_year = tandem.disparity.theil("gdp_100m_cny", "population_10k", data=regions, by="year")
    np.testing.assert_allclose(by_year.theil, ref.theil_T_gdp_weighted, **CLOSED)


def test_gini_is_zero_for_equal_values_and_errors_are_tandem_errors():
    assert tandem.disparity.gini([3.0, 3.0, 3.0]) == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(tandem.TandemError, match="Gini"):
        tandem.disparity.gini([0.0, 0.0])


def test_gravity(regions):
    ref = _by(read(CORE, "outputs/own_gravity.csv"), ["year", "region_a", "region_b"])
    dist = read(CORE, "inputs/distance_km.csv")
    parts = []
    for year, g in regions.groupby("year"):
        out = tandem.spatial.gravity(g, dist, population="population_10k", gdp="gdp_100m_cny")
        parts.append(out.assign(year=year))
    out = _by(pd.concat(parts), ["year", "region_a", "region_b"])
    np.testing.assert_allclose(out.gravity, ref.gravity_R, **CLOSED)
    np.testing.assert_allclose(out.total_of_a, ref.total_R_of_a, **CLOSED)
    np.testing.assert_allclose(out.share, ref.share_F_ab, **CLOSED)


def test_hansen_and_huff():
    d = pd.DataFrame([[10.0, 5.0]], index=["o"], columns=["a", "b"])
    a = tandem.spatial.hansen(pd.Series({"a": 100.0, "b": 50.0}), d, decay="power", beta=1.0)
    assert a["o"] == pytest.approx(20.0, rel=1e-12)
    p = tandem.spatial.huff(pd.Series({"a": 1.0, "b": 1.0}), d, alpha=1.0, beta=1.0)
    assert p.loc["o"].sum() == pytest.approx(1.0, rel=1e-12)
    assert p.loc["o", "b"] == pytest.approx(2 / 3, rel=1e-12)
