"""The bundled data from Python."""
import tandem


def test_pairs_are_the_eight_pairs():
    p = tandem.data.pairs()
    assert len(p) == 8
    assert "pair-xuzhou-huaibei" in set(p.pair_id)


def test_panel_filters_and_rules():
    df = tandem.data.panel(["ah-huainan", "江苏省南京市", "Nanjing"], "gdp", (2010, 2023))
    assert set(df.locality_id) <= {"ah-huainan", "js-nanjing"}
    assert "js-nanjing" in set(df.locality_id)
    assert df.year.between(2010, 2023).all() and (df.indicator == "gdp").all()
    revised = tandem.data.panel("ah-chuzhou", "gdp", series="revised")
    assert (revised.series == "revised").all() and len(revised) > 0


def test_panel_values_carry_their_unit():
    df = tandem.data.panel("ah-huaibei", ["gdp", "population_resident"], 2020)
    assert dict(zip(df.indicator, df.unit)) == {"gdp": "100m_yuan", "population_resident": "10k_persons"}
