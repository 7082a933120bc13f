//! Economic complexity over a long table (time, location, product, value), as
//! py-ecomplexity's `ecomplexity` and `proximity` take it. The Python side factorises the
//! three key columns into codes; here the codes place each value in a dense
//! time x location x product block and `tandem_core::metrics::complexity::complexity_block`
//! runs each year, years in parallel with the GIL released.

use crate::arrays::{dict_of_arrays, same_lengths, slice};
use crate::errors::user_error;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use tandem_core::metrics::complexity::{
    complexity_block, ComplexityOptions, DensityVariant, KeptComplexity, Presence, ProximityKind,
};

/// Registers the complexity functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(complexity_codes, m)?)?;
    m.add_function(wrap_pyfunction!(proximity_codes, m)?)?;
    Ok(())
}

/// A long table as codes: `time[k]`, `loc[k]`, `prod[k]` index the three key columns'
/// unique values (`pandas.factorize`), `val[k]` is the activity.
struct LongCodes<'a> {
    time: &'a [i64],
    loc: &'a [i64],
    prod: &'a [i64],
    val: &'a [f64],
    sizes: [usize; 3],
}

/// The dense block: `values[(t * locs + l) * prods + p]`, absent cells 0 (py-ecomplexity
/// rectangularises with zeros), `present` marks the cells the table had.
struct Block {
    values: Vec<f64>,
    present: Vec<f64>,
    duplicates: usize,
}

impl LongCodes<'_> {
    /// The block index of row `k`; an error message when a code is out of range. (Plain
    /// strings here, so that this part links and is tested without Python.)
    fn cell(&self, k: usize) -> Result<usize, String> {
        let [nt, nl, np] = self.sizes;
        let code = |v: i64, n: usize, name: &str| -> Result<usize, String> {
            usize::try_from(v).ok().filter(|c| *c < n).ok_or_else(|| {
                format!(
                    "complexity: {name} code {v} at row {k} is outside 0..{n}; \
                     pass codes from pandas.factorize"
                )
            })
        };
        let t = code(self.time[k], nt, "time")?;
        let l = code(self.loc[k], nl, "location")?;
        let p = code(self.prod[k], np, "product")?;
        Ok((t * nl + l) * np + p)
    }

    /// Places every row in the block; the first of duplicate keys wins, as in py-ecomplexity.
    fn block(&self) -> Result<Block, String> {
        let [nt, nl, np] = self.sizes;
        let cells = nt
            .checked_mul(nl)
            .and_then(|n| n.checked_mul(np))
            .ok_or("complexity: the time x location x product block is too large to address")?;
        let mut values = vec![0.0; cells];
        let mut present = vec![0.0; cells];
        let mut duplicates = 0;
        for k in 0..self.val.len() {
            let c = self.cell(k)?;
            if present[c] == 1.0 {
                duplicates += 1;
                continue;
            }
            present[c] = 1.0;
            values[c] = self.val[k];
        }
        Ok(Block {
            values,
            present,
            duplicates,
        })
    }
}

/// The complexity family of every year of the block (years in parallel, see
/// `complexity_block`); an error names its year by its label (the earliest failing one).
fn years(
    block: &[f64],
    population: Option<&[f64]>,
    proximity: Option<&[f64]>,
    sizes: [usize; 3],
    labels: &[String],
    opts: &ComplexityOptions,
) -> Result<Vec<KeptComplexity>, String> {
    let [nt, nl, np] = sizes;
    complexity_block(block, population, proximity, nt, nl, np, opts).map_err(|(t, e)| {
        let label = labels.get(t).map_or("?", String::as_str);
        format!("year {label}: {e}")
    })
}

/// One result column of a year, on its kept locations and products, and how it spreads over
/// the year's location x product cells.
enum Spread<'a> {
    /// One value per kept location, repeated over the products.
    Location(&'a [f64]),
    /// One value per kept product, repeated over the locations.
    Product(&'a [f64]),
    /// One value per kept cell.
    Cell(&'a [f64]),
    /// One value per kept cell, `None` where undefined.
    MaybeCell(&'a [Option<f64>]),
}

/// Where a result column comes from in a year's results.
type ColumnOf = fn(&KeptComplexity) -> Spread<'_>;

/// The per-cell columns, in py-ecomplexity's output order, with where each comes from;
/// [`RPOP_COLUMN`] follows them under the RPOP presence tests.
const CELL_COLUMNS: [(&str, ColumnOf); 9] = [
    ("diversity", |y| Spread::Location(&y.diversity)),
    ("ubiquity", |y| Spread::Product(&y.ubiquity)),
    ("mcp", |y| Spread::Cell(&y.mcp)),
    ("eci", |y| Spread::Location(&y.eci)),
    ("pci", |y| Spread::Product(&y.pci)),
    ("density", |y| Spread::MaybeCell(&y.density)),
    ("coi", |y| Spread::Location(&y.coi)),
    ("cog", |y| Spread::Cell(&y.cog)),
    ("rca", |y| Spread::Cell(&y.rca)),
];

/// RPOP, present in every year's results under the RPOP presence tests.
const RPOP_COLUMN: (&str, ColumnOf) = ("rpop", |y| Spread::Cell(y.rpop.as_deref().unwrap_or(&[])));

/// The output columns of these results: [`CELL_COLUMNS`], then RPOP when computed.
fn output_columns(results: &[KeptComplexity]) -> Vec<(&'static str, ColumnOf)> {
    let mut columns = CELL_COLUMNS.to_vec();
    if results.first().is_some_and(|y| y.rpop.is_some()) {
        columns.push(RPOP_COLUMN);
    }
    columns
}

/// Where each location and product of a year sits among its kept ones (`None` if dropped),
/// worked out once per year for all the columns written from it.
struct KeptPositions {
    locations: Vec<Option<usize>>,
    products: Vec<Option<usize>>,
}

impl KeptPositions {
    fn of(y: &KeptComplexity) -> Self {
        let positions = |kept: &[usize], n: usize| {
            let mut at = vec![None; n];
            for (k, &i) in kept.iter().enumerate() {
                at[i] = Some(k);
            }
            at
        };
        KeptPositions {
            locations: positions(&y.kept_regions, y.regions),
            products: positions(&y.kept_industries, y.industries),
        }
    }
}

/// Appends one year of one column over all `locations x products` cells. A cell of a
/// dropped location or product is NaN in every column, as in py-ecomplexity (whose output
/// has such rows only from merging its input back, with nothing computed for them).
fn spread_year(out: &mut Vec<f64>, column: Spread<'_>, at: &KeptPositions) {
    let (np, nk) = (at.products.len(), at.products.iter().flatten().count());
    let every_product = nk == np;
    for a in &at.locations {
        let Some(a) = *a else {
            out.extend(std::iter::repeat_n(f64::NAN, np));
            continue;
        };
        let value = |b: usize| match column {
            Spread::Location(values) => values[a],
            Spread::Product(values) => values[b],
            Spread::Cell(values) => values[a * nk + b],
            Spread::MaybeCell(values) => values[a * nk + b].unwrap_or(f64::NAN),
        };
        match column {
            Spread::Location(values) if every_product => {
                out.extend(std::iter::repeat_n(values[a], np));
            }
            Spread::Product(values) if every_product => out.extend_from_slice(values),
            Spread::Cell(values) if every_product => {
                out.extend_from_slice(&values[a * nk..(a + 1) * nk]);
            }
            _ => out.extend(at.products.iter().map(|b| b.map_or(f64::NAN, value))),
        }
    }
}

/// The per-cell columns of the whole block from the per-year results, as one vector holding
/// column after column (column `j` of [`output_columns`] at `j * cells..`; NaN for
/// locations and products without activity that year). One buffer, so that pandas takes it
/// as one block without copying; it is written once, front to back (column by column, year
/// by year), because at a million cells its 9 columns are far larger than the caches.
fn cell_columns(results: &[KeptComplexity], sizes: [usize; 3]) -> Vec<f64> {
    let [_, nl, np] = sizes;
    let columns = output_columns(results);
    let positions: Vec<KeptPositions> = results.iter().map(KeptPositions::of).collect();
    let mut out = Vec::with_capacity(columns.len() * results.len() * nl * np);
    for (_, column) in columns {
        for (y, at) in results.iter().zip(&positions) {
            spread_year(&mut out, column(y), at);
        }
    }
    out
}

/// py-ecomplexity's options as tandem's: the presence test (`"rca"`, `"rpop"`, `"both"`,
/// `"manual"`) with its thresholds, and proximity symmetric (the minimum of the two
/// conditional probabilities, its default) or, with `asymmetric`, the conditional
/// probability `φ_pp' = C_pp' / u_p` (its `asymmetric=True`: row `p` read as P(p' | p)),
/// or with `continuous` the correlation-based one (its `continuous=True`); density over
/// the `knn` nearest products when given (its `knn`).
fn options(
    (presence_test, rca_mcp_threshold, rpop_mcp_threshold): (&str, f64, f64),
    asymmetric: bool,
    continuous: bool,
    knn: Option<usize>,
) -> PyResult<ComplexityOptions> {
    let presence = match presence_test {
        "rca" => Presence::Rca,
        "rpop" => Presence::Rpop {
            threshold: rpop_mcp_threshold,
        },
        "both" => Presence::Both {
            threshold: rpop_mcp_threshold,
        },
        "manual" => Presence::Manual,
        other => {
            return Err(user_error(format!(
                "complexity: presence_test={other:?} is not one of \"rca\", \"rpop\", \"both\", \"manual\""
            )))
        }
    };
    Ok(ComplexityOptions {
        rca_threshold: rca_mcp_threshold,
        proximity: if asymmetric {
            ProximityKind::Asymmetric
        } else {
            ProximityKind::MinConditional
        },
        presence,
        continuous,
        density: knn.map_or(DensityVariant::IncludeDiagonal, |k| {
            DensityVariant::NearestCount { k }
        }),
        ..ComplexityOptions::default()
    })
}

/// The complexity family of a long table given as codes (see `tandem.complexity`).
///
/// Returns a dict over the whole time x location x product block, time-major: `val` (0
/// where the table had no row), `present` (1 where it had), `cells` (the columns named in
/// `columns`, one after the other: diversity, ubiquity, mcp, eci, pci, density, coi, cog,
/// rca; NaN for locations and products without activity that year), and `duplicates`, the
/// number of rows whose key repeated an earlier row (ignored). `proximity`, when given, is
/// φ between all the products (`np²` values, row-major by product code), used instead of
/// the computed one (`complexity_block`). `knn` reports density over the `knn` nearest
/// products (py-ecomplexity's `knn`), which COI then weighs.
#[pyfunction]
#[pyo3(signature = (
    time, loc, prod, val, sizes, time_labels, rca_mcp_threshold=1.0, asymmetric=false,
    presence_test="rca", rpop_mcp_threshold=1.0, population=None, continuous=false,
    proximity=None, knn=None
))]
#[allow(clippy::too_many_arguments)]
fn complexity_codes<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, i64>,
    loc: PyReadonlyArray1<'py, i64>,
    prod: PyReadonlyArray1<'py, i64>,
    val: PyReadonlyArray1<'py, f64>,
    sizes: [usize; 3],
    time_labels: Vec<String>,
    rca_mcp_threshold: f64,
    asymmetric: bool,
    presence_test: &str,
    rpop_mcp_threshold: f64,
    population: Option<PyReadonlyArray1<'py, f64>>,
    continuous: bool,
    proximity: Option<PyReadonlyArray1<'py, f64>>,
    knn: Option<usize>,
) -> PyResult<Bound<'py, PyDict>> {
    let codes = long_codes(&time, &loc, &prod, &val, sizes, &time_labels)?;
    let presence = (presence_test, rca_mcp_threshold, rpop_mcp_threshold);
    let opts = options(presence, asymmetric, continuous, knn)?;
    let population = population
        .as_ref()
        .map(|p| slice(p, "population"))
        .transpose()?;
    let proximity = proximity
        .as_ref()
        .map(|p| slice(p, "proximity"))
        .transpose()?;
    let (block, columns, names) = py.detach(|| -> PyResult<_> {
        let given = (population, proximity);
        let (block, results) = solve(&codes, given, &time_labels, &opts)?;
        let names = output_columns(&results).into_iter().map(|(name, _)| name);
        Ok((
            block,
            cell_columns(&results, sizes),
            names.collect::<Vec<_>>(),
        ))
    })?;
    let duplicates = block.duplicates;
    let out = dict_of_arrays(
        py,
        vec![
            ("val", block.values),
            ("present", block.present),
            ("cells", columns),
        ],
    )?;
    out.set_item("columns", names)?;
    out.set_item("duplicates", duplicates)?;
    Ok(out)
}

/// The block of a long table and the complexity family of each of its years, with the
/// population and the given proximity when there are.
fn solve(
    codes: &LongCodes<'_>,
    (population, proximity): (Option<&[f64]>, Option<&[f64]>),
    time_labels: &[String],
    opts: &ComplexityOptions,
) -> PyResult<(Block, Vec<KeptComplexity>)> {
    let block = codes.block().map_err(user_error)?;
    let results = years(
        &block.values,
        population,
        proximity,
        codes.sizes,
        time_labels,
        opts,
    )
    .map_err(user_error)?;
    Ok((block, results))
}

fn long_codes<'a>(
    time: &'a PyReadonlyArray1<'_, i64>,
    loc: &'a PyReadonlyArray1<'_, i64>,
    prod: &'a PyReadonlyArray1<'_, i64>,
    val: &'a PyReadonlyArray1<'_, f64>,
    sizes: [usize; 3],
    time_labels: &[String],
) -> PyResult<LongCodes<'a>> {
    let codes = LongCodes {
        time: slice(time, "time")?,
        loc: slice(loc, "loc")?,
        prod: slice(prod, "prod")?,
        val: slice(val, "val")?,
        sizes,
    };
    same_lengths(
        "complexity",
        &[
            ("val", codes.val.len()),
            ("time", codes.time.len()),
            ("loc", codes.loc.len()),
            ("prod", codes.prod.len()),
        ],
    )?;
    if time_labels.len() != sizes[0] {
        return Err(user_error(format!(
            "complexity: {} time labels for {} times",
            time_labels.len(),
            sizes[0]
        )));
    }
    Ok(codes)
}

/// Proximity between the products with activity, per year (see `tandem.proximity`): a dict
/// with `time`, `prod_1`, `prod_2` (codes) and `proximity`, time-major then product pairs in
/// code order.
#[pyfunction]
#[pyo3(signature = (
    time, loc, prod, val, sizes, time_labels, rca_mcp_threshold=1.0, asymmetric=false,
    presence_test="rca", rpop_mcp_threshold=1.0, population=None, continuous=false
))]
#[allow(clippy::too_many_arguments)]
fn proximity_codes<'py>(
    py: Python<'py>,
    time: PyReadonlyArray1<'py, i64>,
    loc: PyReadonlyArray1<'py, i64>,
    prod: PyReadonlyArray1<'py, i64>,
    val: PyReadonlyArray1<'py, f64>,
    sizes: [usize; 3],
    time_labels: Vec<String>,
    rca_mcp_threshold: f64,
    asymmetric: bool,
    presence_test: &str,
    rpop_mcp_threshold: f64,
    population: Option<PyReadonlyArray1<'py, f64>>,
    continuous: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let codes = long_codes(&time, &loc, &prod, &val, sizes, &time_labels)?;
    let presence = (presence_test, rca_mcp_threshold, rpop_mcp_threshold);
    let opts = options(presence, asymmetric, continuous, None)?;
    let population = population
        .as_ref()
        .map(|p| slice(p, "population"))
        .transpose()?;
    let (t_codes, p1, p2, phi) = py.detach(|| -> PyResult<_> {
        let (_, results) = solve(&codes, (population, None), &time_labels, &opts)?;
        let (mut t_codes, mut p1, mut p2, mut phi) = (vec![], vec![], vec![], vec![]);
        for (t, y) in results.iter().enumerate() {
            let kept = &y.kept_industries;
            for (a, &pa) in kept.iter().enumerate() {
                for (b, &pb) in kept.iter().enumerate() {
                    t_codes.push(t as i64);
                    p1.push(pa as i64);
                    p2.push(pb as i64);
                    phi.push(y.proximity[a * kept.len() + b]);
                }
            }
        }
        Ok((t_codes, p1, p2, phi))
    })?;
    let out = PyDict::new(py);
    out.set_item("time", PyArray1::from_vec(py, t_codes))?;
    out.set_item("prod_1", PyArray1::from_vec(py, p1))?;
    out.set_item("prod_2", PyArray1::from_vec(py, p2))?;
    out.set_item("proximity", PyArray1::from_vec(py, phi))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::metrics::complexity::complexity_year;

    /// Two years of a 3-region x 3-industry table, as codes.
    fn fixture() -> (Vec<i64>, Vec<i64>, Vec<i64>, Vec<f64>) {
        let mut t = vec![];
        let mut l = vec![];
        let mut p = vec![];
        let mut v = vec![];
        // Nested presence (eigenvalues 1, 0.81, 0.39, 0.05 in both years).
        let x = [
            [9.0, 8.0, 7.0, 6.0],
            [8.0, 7.0, 6.0, 0.5],
            [7.0, 6.0, 0.5, 0.5],
            [6.0, 0.5, 0.5, 0.5],
        ];
        for year in 0..2 {
            for (r, row) in x.iter().enumerate() {
                for (i, val) in row.iter().enumerate() {
                    t.push(year);
                    l.push(r as i64);
                    p.push(i as i64);
                    v.push(val * (1.0 + 0.1 * year as f64 * i as f64));
                }
            }
        }
        (t, l, p, v)
    }

    #[test]
    fn block_places_rows_and_keeps_the_first_duplicate() {
        let (mut t, mut l, mut p, mut v) = fixture();
        t.push(1);
        l.push(3);
        p.push(3);
        v.push(99.0);
        let codes = LongCodes {
            time: &t,
            loc: &l,
            prod: &p,
            val: &v,
            sizes: [2, 4, 4],
        };
        let block = codes.block().unwrap();
        assert_eq!(block.duplicates, 1);
        assert_eq!(block.values[16 + 15], 0.5 * 1.3);
        assert!(block.present.iter().all(|x| *x == 1.0));
    }

    /// Every value of every column equals the full-size per-year result's (NaN for `None`).
    fn assert_columns_are_the_scattered_results(results: &[KeptComplexity], sizes: [usize; 3]) {
        let [_, nl, np] = sizes;
        let cells = cell_columns(results, sizes);
        let per_column = results.len() * nl * np;
        for (j, (name, _)) in CELL_COLUMNS.iter().enumerate() {
            for (t, y) in results.iter().enumerate() {
                let full = y.clone().scattered();
                for c in 0..nl {
                    for p in 0..np {
                        let want = match *name {
                            "diversity" => full.diversity[c],
                            "ubiquity" => full.ubiquity[p],
                            "mcp" => full.mcp[c * np + p],
                            "eci" => full.eci[c],
                            "pci" => full.pci[p],
                            "density" => full.density[c * np + p],
                            "coi" => full.coi[c],
                            "cog" => full.cog[c * np + p],
                            _ => full.rca[c * np + p],
                        };
                        let got = cells[j * per_column + (t * nl + c) * np + p];
                        // A cell outside the kept grid has nothing computed, in any column.
                        let want = want.filter(|_| full.rca[c * np + p].is_some());
                        match want {
                            Some(w) => assert_eq!(got, w, "{name} year {t} ({c}, {p})"),
                            None => assert!(got.is_nan(), "{name} year {t} ({c}, {p})"),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn cell_columns_repeat_region_and_industry_values_as_the_per_year_results() {
        let (t, l, p, v) = fixture();
        let codes = LongCodes {
            time: &t,
            loc: &l,
            prod: &p,
            val: &v,
            sizes: [2, 4, 4],
        };
        let block = codes.block().unwrap();
        let labels = vec!["2020".to_string(), "2021".to_string()];
        let opts = ComplexityOptions::default();
        let results = years(&block.values, None, None, [2, 4, 4], &labels, &opts).unwrap();
        let direct = complexity_year(&block.values[16..], 4, 4, &opts).unwrap();
        assert_eq!(results[1].clone().scattered(), direct);
        assert_columns_are_the_scattered_results(&results, [2, 4, 4]);
    }

    #[test]
    fn dropped_locations_and_products_are_nan_in_every_column() {
        // Year 0: an idle location 2 and an idle product 0 (rows of 0) around a nested 4 x 4
        // table; year 1 with every location and product active.
        let nested = |r: usize, i: usize| if r + i <= 3 { (12 - i) as f64 } else { 0.5 };
        let mut values = Vec::new();
        for year in 0..2 {
            for r in 0..5 {
                for i in 0..5 {
                    let idle = r == 2 || i == 0;
                    values.push(match (year, idle) {
                        (0, true) => 0.0,
                        (1, true) => 1.0 + (r * i) as f64,
                        _ => nested(r - usize::from(r > 2), i - 1) * (1.0 + 0.01 * r as f64),
                    });
                }
            }
        }
        let labels = vec!["2020".to_string(), "2021".to_string()];
        let opts = ComplexityOptions::default();
        let results = years(&values, None, None, [2, 5, 5], &labels, &opts).unwrap();
        assert_eq!(results[0].kept_regions, [0, 1, 3, 4]);
        assert_eq!(results[0].kept_industries, [1, 2, 3, 4]);
        assert_eq!(results[1].kept_industries, [0, 1, 2, 3, 4]);
        assert_columns_are_the_scattered_results(&results, [2, 5, 5]);
    }

    #[test]
    fn a_degenerate_year_is_named() {
        let values = [1.0, 0.0, 0.0, 0.0];
        for label in ["1999", "2019Q1"] {
            let labels = vec![label.to_string()];
            let e = years(
                &values,
                None,
                None,
                [1, 2, 2],
                &labels,
                &ComplexityOptions::default(),
            )
            .unwrap_err();
            assert!(e.starts_with(&format!("year {label}: ")), "{e}");
        }
    }
}
