"""The bundled data of tandem, compiled into the extension (no download, no file):
the programme's pairs and the city panel 2000-2023 (``data/city_panel``)."""
from __future__ import annotations

import pandas as pd

from . import _tandem


def pairs():
    """The eight pairs of the 2021 programme (one row each): ``pair_id``, the helper's and the
    helped side's locality ids and Chinese/English names, the term and the source."""
    return pd.DataFrame(_tandem.pairs_columns())


def panel(locality=None, indicator=None, years=None, series=None, include_caution=False):
    """The city panel's chosen values, one row per city, indicator and year.

    The value of each cell is chosen by the panel's written rules (``crates/tandem-panel/src/
    curate.rs``): values flagged CAUTION are excluded and counted (``caution_excluded``)
    unless ``include_caution``; the revised vintage only with ``series="revised"``; a published
    figure beats a derived one; a bureau's own release beats a compilation.

    ``locality``: ids (``ah-huainan``), Chinese (淮南, 淮南市) or English names, one or a list;
    ``indicator``: e.g. ``"gdp"`` or ``["gdp", "gdp_per_capita"]``; ``years``: ``(first, last)``
    or one year; ``series``: ``first_release``, ``revised``, ``census_based`` or ``derived``.
    Values are in each indicator's canonical unit, named in the ``unit`` column (GDP in
    ``100m_yuan``, population in ``10k_persons``, as in ``tandem panel``). Mind the series
    breaks (README, "The city panel").
    """
    one = lambda x: None if x is None else ([x] if isinstance(x, str) else list(x))  # noqa: E731
    if isinstance(years, int):
        years = (years, years)
    df = pd.DataFrame(
        _tandem.panel_columns(one(locality), one(indicator), years, series, include_caution)
    )
    return df.sort_values(["locality_id", "indicator", "year"], ignore_index=True)
