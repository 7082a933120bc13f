//! [`IoTable`]-level entry points used by the CLI.

use super::{
    allocation_coefficients, backward_linkages, coefficient_multipliers, column_sums,
    direct_coefficients, forward_linkages, ghosh_inverse, leontief_inverse,
    regionalise_coefficients, row_sums, technical_coefficients, type_i_multipliers, LqMethod,
};
use crate::metrics::MetricError;
use crate::IoTable;
#[cfg(doc)]
use crate::IoTableKind;
use serde::{Deserialize, Serialize};

/// Linkage indicators of one sector (see [`linkages`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorLinkage {
    /// Sector code as printed in the table.
    pub code: String,
    /// `Σ_i l_ij`, yuan of output per yuan of final demand for this sector.
    pub output_multiplier: f64,
    /// Rasmussen power of dispersion (影响力系数): column sum of L over the mean column sum.
    pub backward_linkage: f64,
    /// Rasmussen sensitivity of dispersion (感应度系数): row sum of L over the mean row sum.
    pub forward_linkage: f64,
    /// Supply-side variant: row sum of the Ghosh inverse G over the mean row sum.
    pub forward_linkage_ghosh: f64,
    /// `Σ_i a_ij`, intermediate inputs per yuan of output.
    pub direct_backward: f64,
    /// `Σ_j b_ij`, share of output sold as intermediate input.
    pub direct_forward: f64,
}

/// Multipliers of one sector (see [`multipliers`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectorMultipliers {
    pub code: String,
    /// `Σ_i l_ij` (yuan of output per yuan of final demand).
    pub output: f64,
    /// `Σ_i v_i l_ij` with `v_i = TVA_i / x_i` (yuan of value added per yuan of final demand).
    pub value_added: f64,
    /// `value_added / v_j`; `None` where the sector has no direct value added.
    pub value_added_type_i: Option<f64>,
    /// `Σ_i w_i l_ij` with `w_i = VA001_i / x_i` (compensation of employees, yuan per yuan).
    pub income: f64,
    /// `income / w_j` (type-I income multiplier); `None` where `w_j = 0`.
    pub income_type_i: Option<f64>,
}

/// Employment multiplier of one sector (see [`employment_multipliers`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EmploymentMultiplier {
    pub code: String,
    /// `e_j = E_j / x_j`: persons per unit of output (per 10,000 yuan for NBS tables).
    pub coefficient: f64,
    /// `Σ_i e_i l_ij`: persons employed economy-wide per unit of final demand for j.
    pub multiplier: f64,
    /// `multiplier / e_j`: jobs economy-wide per job in the sector; `None` where `e_j = 0`.
    pub type_i: Option<f64>,
}

/// The technical coefficients `a_ij = z_ij / GO_j` of a table, with the published gross
/// output `GO` as x.
///
/// Which block: for a non-competitive table (`IoTableKind::NonCompetitive`) the domestic
/// block `intermediate`, so A holds *domestic* coefficients and L measures effects on
/// domestic production only (imports leak out); for a competitive table the whole
/// intermediate block, so A holds *total* coefficients that include imported inputs and
/// L overstates domestic effects by the import content (Miller & Blair 2009, §2.6;
/// NBS 2020 153-sector table). Zero gross output gives a zero column, as in
/// [`technical_coefficients`].
///
/// Errors: a table whose blocks have the wrong shape, and a negative or non-finite flow,
/// named by the sectors' codes.
pub fn table_technical_coefficients(table: &IoTable) -> Result<Vec<f64>, MetricError> {
    check_table(table)?;
    technical_coefficients(&table.intermediate, &table.gross_output)
}

/// Checks the blocks used here and names a bad flow by its sector codes.
fn check_table(table: &IoTable) -> Result<(), MetricError> {
    table.check_shape().map_err(|source| MetricError::IoTable {
        year: table.year,
        source,
    })?;
    let n = table.n();
    let code = |k: usize| table.sectors[k].code.as_str();
    for (k, &v) in table.intermediate.iter().enumerate() {
        let at = || format!("row {}, column {}", code(k / n), code(k % n));
        if !v.is_finite() {
            return Err(MetricError::NonFinite {
                what: format!("input-output table {} intermediate use", table.year),
                value: v,
                at: at(),
            });
        }
        if v < 0.0 {
            return Err(MetricError::Negative {
                what: format!("input-output table {} intermediate use", table.year),
                value: v,
                at: at(),
            });
        }
    }
    for (j, &x) in table.gross_output.iter().enumerate() {
        if !x.is_finite() {
            return Err(MetricError::NonFinite {
                what: format!("input-output table {} gross output", table.year),
                value: x,
                at: format!("sector {}", code(j)),
            });
        }
    }
    Ok(())
}

/// Linkages of every sector of a table: output multipliers, Rasmussen backward and
/// forward indices from the Leontief inverse, the Ghosh forward index and the direct
/// linkages (formulas on [`SectorLinkage`], [`backward_linkages`], [`forward_linkages`]).
///
/// A from [`table_technical_coefficients`] (domestic block of a non-competitive table,
/// whole block of a competitive one); B from the same block and the published GO.
/// Errors: those of [`table_technical_coefficients`] and [`leontief_inverse`].
pub fn linkages(table: &IoTable) -> Result<Vec<SectorLinkage>, MetricError> {
    let a = table_technical_coefficients(table)?;
    let n = table.n();
    let l = leontief_inverse(&a, n)?;
    let b = allocation_coefficients(&table.intermediate, &table.gross_output)?;
    let g = ghosh_inverse(&b, n)?;
    let om = column_sums(&l, n)?;
    let bl = backward_linkages(&l, n)?;
    let fl = forward_linkages(&l, n)?;
    let fg = forward_linkages(&g, n)?;
    let db = column_sums(&a, n)?;
    let df = row_sums(&b, n)?;
    Ok((0..n)
        .map(|j| SectorLinkage {
            code: table.sectors[j].code.clone(),
            output_multiplier: om[j],
            backward_linkage: bl[j],
            forward_linkage: fl[j],
            forward_linkage_ghosh: fg[j],
            direct_backward: db[j],
            direct_forward: df[j],
        })
        .collect())
}

/// Output, value-added (`TVA`) and income (`VA001`, compensation of employees)
/// multipliers with their type-I ratios for every sector of a table (formulas on
/// [`SectorMultipliers`], [`coefficient_multipliers`], [`type_i_multipliers`]).
///
/// Value-added rows may hold negative cells (net taxes on production are negative for
/// agriculture in the NBS tables); they are used as published. Errors: those of
/// [`linkages`], and [`MetricError::Missing`] when the table has no `TVA` or `VA001` row.
pub fn multipliers(table: &IoTable) -> Result<Vec<SectorMultipliers>, MetricError> {
    let a = table_technical_coefficients(table)?;
    let n = table.n();
    let l = leontief_inverse(&a, n)?;
    let row = |code: &str| {
        table
            .value_added_row(code)
            .ok_or_else(|| MetricError::Missing {
                what: format!("input-output table {}", table.year),
                item: format!("the value-added row `{code}`"),
                among: value_added_rows(table),
            })
    };
    let v = direct_coefficients(row("TVA")?, &table.gross_output)?;
    let w = direct_coefficients(row("VA001")?, &table.gross_output)?;
    let om = column_sums(&l, n)?;
    let vm = coefficient_multipliers(&v, &l)?;
    let wm = coefficient_multipliers(&w, &l)?;
    let vt = type_i_multipliers(&v, &vm)?;
    let wt = type_i_multipliers(&w, &wm)?;
    Ok((0..n)
        .map(|j| SectorMultipliers {
            code: table.sectors[j].code.clone(),
            output: om[j],
            value_added: vm[j],
            value_added_type_i: vt[j],
            income: wm[j],
            income_type_i: wt[j],
        })
        .collect())
}

/// The value-added rows a table has, for an error that names a missing one.
fn value_added_rows(table: &IoTable) -> String {
    if table.value_added.is_empty() {
        "the table's value-added rows: it has none".into()
    } else {
        let codes: Vec<&str> = table.value_added.iter().map(|r| r.code.as_str()).collect();
        format!("the table's value-added rows {}", codes.join(", "))
    }
}

/// Employment multipliers for a table and employment by sector (`employment[j]` persons
/// in sector j, in the table's sector order): `e_j = E_j / x_j`, `m_j = Σ_i e_i l_ij`,
/// type I `m_j / e_j` (Miller & Blair 2009, §6.3.3).
///
/// Unit: persons per unit of the table's money (per 10,000 yuan for NBS tables).
/// Errors: those of [`linkages`], a wrong length, negative or non-finite employment.
pub fn employment_multipliers(
    table: &IoTable,
    employment: &[f64],
) -> Result<Vec<EmploymentMultiplier>, MetricError> {
    let a = table_technical_coefficients(table)?;
    let n = table.n();
    super::check_len("employment by sector", employment, n)?;
    super::check_non_negative("employment by sector", employment, 1)?;
    let l = leontief_inverse(&a, n)?;
    let e = direct_coefficients(employment, &table.gross_output)?;
    let m = coefficient_multipliers(&e, &l)?;
    let t = type_i_multipliers(&e, &m)?;
    Ok((0..n)
        .map(|j| EmploymentMultiplier {
            code: table.sectors[j].code.clone(),
            coefficient: e[j],
            multiplier: m[j],
            type_i: t[j],
        })
        .collect())
}

/// Regional (city) technical coefficients from a national table and employment by sector
/// in the region and in the nation (both in the table's sector order), by
/// [`regionalise_coefficients`] with `method` (`LqMethod::default()` is FLQ, δ = 0.3).
///
/// Starting block: for a non-competitive table the domestic coefficients (national
/// imports from abroad are already excluded, so the quotient only removes purchases from
/// other Chinese regions); for a competitive table the total coefficients (the quotient
/// must then also absorb foreign imports, which makes the regional coefficients an upper
/// bound). Both are those of [`table_technical_coefficients`]; the kind used is
/// `table.kind`. Errors: those of [`table_technical_coefficients`] and
/// [`regionalise_coefficients`].
pub fn regionalise_table(
    table: &IoTable,
    regional_employment: &[f64],
    national_employment: &[f64],
    method: LqMethod,
) -> Result<Vec<f64>, MetricError> {
    // One call for both kinds: `intermediate` already is the domestic block of a
    // non-competitive table and the whole block of a competitive one.
    let a = table_technical_coefficients(table)?;
    regionalise_coefficients(
        &a,
        table.n(),
        regional_employment,
        national_employment,
        method,
    )
}
