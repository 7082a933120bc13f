//! The bundled data: the programme's pairs (`tandem_data::bundled`) and the city panel's
//! chosen values (`tandem_panel`, curated by its written rules), as columns for
//! `tandem.data.pairs()` and `tandem.data.panel()`.

use crate::errors::user_error;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;
use tandem_core::Series;
use tandem_panel::{CityPanel, PanelValue, Rules};

/// Registers the data functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(pairs_columns, m)?)?;
    m.add_function(wrap_pyfunction!(panel_columns, m)?)?;
    Ok(())
}

/// The eight pairs of the 2021 programme: ids, both sides' ids and names, term and source.
#[pyfunction]
fn pairs_columns(py: Python<'_>) -> PyResult<Bound<'_, PyDict>> {
    let bundle = tandem_data::bundled::bundle();
    let name = |id: &str, en: bool| {
        bundle
            .localities
            .iter()
            .find(|l| l.id == id)
            .map(|l| {
                if en {
                    l.name_en.clone()
                } else {
                    l.name_zh.clone()
                }
            })
            .unwrap_or_default()
    };
    let pairs = &bundle.programme.pairs;
    let col = |f: &dyn Fn(&tandem_core::Pair) -> String| pairs.iter().map(f).collect::<Vec<_>>();
    let out = PyDict::new(py);
    out.set_item("pair_id", col(&|p| p.id.clone()))?;
    out.set_item("helper", col(&|p| p.helper.clone()))?;
    out.set_item("helper_zh", col(&|p| name(&p.helper, false)))?;
    out.set_item("helper_en", col(&|p| name(&p.helper, true)))?;
    out.set_item("helped", col(&|p| p.helped.clone()))?;
    out.set_item("helped_zh", col(&|p| name(&p.helped, false)))?;
    out.set_item("helped_en", col(&|p| name(&p.helped, true)))?;
    let years = |f: fn(&tandem_core::Pair) -> i32| pairs.iter().map(f).collect::<Vec<i32>>();
    out.set_item("start_year", years(|p| p.start_year))?;
    out.set_item("end_year", years(|p| p.end_year))?;
    out.set_item("source", col(&|p| p.source.clone()))?;
    Ok(out)
}

/// Columns of the panel's chosen values.
#[derive(Default)]
struct PanelColumns {
    locality_id: Vec<String>,
    adcode: Vec<u32>,
    name_zh: Vec<String>,
    name_en: Vec<String>,
    year: Vec<i32>,
    indicator: Vec<&'static str>,
    value: Vec<f64>,
    unit: Vec<String>,
    series: Vec<&'static str>,
    derived: Vec<bool>,
    source: Vec<String>,
    caution_excluded: Vec<usize>,
}

/// The chosen value of every (city, indicator, year) cell that passes the filters, by the
/// panel's curation rules; `series` restricts to one series (`revised`, `first_release`, ...).
#[pyfunction]
#[pyo3(signature = (localities=None, indicators=None, years=None, series=None, include_caution=false))]
fn panel_columns<'py>(
    py: Python<'py>,
    localities: Option<Vec<String>>,
    indicators: Option<Vec<String>>,
    years: Option<(i32, i32)>,
    series: Option<String>,
    include_caution: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let series = series
        .map(|s| {
            Series::parse(&s).ok_or_else(|| {
                user_error(format!(
                    "panel: series {s:?} is unknown; use first_release, revised, census_based or derived"
                ))
            })
        })
        .transpose()?;
    let rules = Rules {
        include_caution,
        series,
    };
    let bundle = tandem_data::bundled::bundle();
    let by_code: HashMap<u32, &tandem_core::Locality> = bundle
        .localities
        .iter()
        .filter_map(|l| l.adcode.map(|c| (c, l)))
        .collect();
    let wanted = |l: &tandem_core::Locality| {
        localities.as_ref().is_none_or(|ids| {
            ids.iter().any(|x| {
                x == &l.id
                    || x == &l.name_zh
                    || x == l.short_name_zh()
                    || x.eq_ignore_ascii_case(&l.name_en)
            })
        })
    };
    let panel = tandem_panel::panel();
    let mut cols = PanelColumns::default();
    for cell in panel
        .values()
        .chunk_by(|a, b| (a.adcode, a.indicator, a.year) == (b.adcode, b.indicator, b.year))
    {
        let v = &cell[0];
        let Some(loc) = by_code.get(&v.adcode).copied().filter(|l| wanted(l)) else {
            continue;
        };
        let indicator = panel.indicator_of(v);
        if indicators
            .as_ref()
            .is_some_and(|i| !i.iter().any(|x| x == indicator))
            || years.is_some_and(|(a, b)| v.year < a || v.year > b)
        {
            continue;
        }
        push_choice(&mut cols, panel, cell, &rules, loc, indicator);
    }
    columns_dict(py, cols)
}

fn push_choice(
    cols: &mut PanelColumns,
    panel: &CityPanel,
    cell: &[PanelValue],
    rules: &Rules,
    loc: &tandem_core::Locality,
    indicator: &'static str,
) {
    let choice = panel.choose_among(cell, rules);
    let Some(v) = choice.chosen else {
        return;
    };
    let source = panel.source_of(v);
    cols.locality_id.push(loc.id.clone());
    cols.adcode.push(v.adcode);
    cols.name_zh.push(loc.name_zh.clone());
    cols.name_en.push(loc.name_en.clone());
    cols.year.push(v.year);
    cols.indicator.push(indicator);
    cols.value.push(v.value);
    // The catalogue's canonical unit (`100m_yuan`, `10k_persons`, ...), as `tandem panel`.
    cols.unit.push(
        tandem_core::indicator(indicator)
            .map(|i| i.unit.to_string())
            .unwrap_or_default(),
    );
    cols.series.push(source.series.id());
    cols.derived.push(source.derived());
    cols.source.push(source.citation.clone());
    cols.caution_excluded.push(choice.excluded_caution);
}

fn columns_dict(py: Python<'_>, c: PanelColumns) -> PyResult<Bound<'_, PyDict>> {
    let out = PyDict::new(py);
    out.set_item("locality_id", c.locality_id)?;
    out.set_item("adcode", c.adcode)?;
    out.set_item("locality", c.name_zh)?;
    out.set_item("locality_en", c.name_en)?;
    out.set_item("year", c.year)?;
    out.set_item("indicator", c.indicator)?;
    out.set_item("value", numpy::PyArray1::from_vec(py, c.value))?;
    out.set_item("unit", c.unit)?;
    out.set_item("series", c.series)?;
    out.set_item("derived", c.derived)?;
    out.set_item("source", c.source)?;
    out.set_item("caution_excluded", c.caution_excluded)?;
    Ok(out)
}
