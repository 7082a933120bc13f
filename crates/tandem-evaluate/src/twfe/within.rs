//! Exact two-way within transformation (projection off unit and period dummies).
//!
//! `M v = v̌ - Z̃γ`, `γ = (Z̃'Z̃)⁻¹ Z̃'v̌`, where `v̌` is `v` minus unit means and `Z̃` the
//! unit-demeaned dummies of periods 1..T-1 (period 0 is the normalisation).

use faer::linalg::solvers::{Llt, Solve};
use faer::{Mat, Side};

use super::panel::PanelIndex;
use super::TwfeError;

/// Precomputed projector for one panel.
pub(crate) struct Within<'a> {
    index: &'a PanelIndex,
    gram: Llt<f64>,
}

impl<'a> Within<'a> {
    /// Builds and factors `Z̃'Z̃`. The panel is connected, so the matrix is positive definite;
    /// a numerical failure is reported as a singular design in the period effects.
    pub fn new(index: &'a PanelIndex) -> Result<Self, TwfeError> {
        let gram = period_gram(index)
            .llt(Side::Lower)
            .map_err(|_| TwfeError::SingularDesign {
                name: "period fixed effects".into(),
            })?;
        Ok(Within { index, gram })
    }

    /// Residual of `v` (one value per row) after projecting off both sets of fixed effects.
    pub fn apply(&self, v: &[f64]) -> Vec<f64> {
        let mut out = self.demean_units(v);
        let gamma = self.period_effects(&out);
        let gamma_bar = self.demean_units(&self.expand(&gamma));
        for (o, g) in out.iter_mut().zip(gamma_bar) {
            *o -= g;
        }
        out
    }

    /// `v` minus its unit means.
    fn demean_units(&self, v: &[f64]) -> Vec<f64> {
        let mut out = v.to_vec();
        for rows in &self.index.unit_rows {
            let mean = rows.iter().map(|&r| v[r]).sum::<f64>() / rows.len() as f64;
            for &r in rows {
                out[r] -= mean;
            }
        }
        out
    }

    /// `γ` with `γ_0 = 0` prepended.
    fn period_effects(&self, v_check: &[f64]) -> Vec<f64> {
        let t = self.index.n_times();
        let mut rhs = Mat::<f64>::zeros(t - 1, 1);
        for (&ti, &v) in self.index.time_idx.iter().zip(v_check) {
            if ti > 0 {
                rhs[(ti - 1, 0)] += v;
            }
        }
        let sol = self.gram.solve(&rhs);
        std::iter::once(0.0)
            .chain((0..t - 1).map(|j| sol[(j, 0)]))
            .collect()
    }

    /// Row-wise `γ_{t(r)}`.
    fn expand(&self, gamma: &[f64]) -> Vec<f64> {
        self.index.time_idx.iter().map(|&t| gamma[t]).collect()
    }
}

/// `Z̃'Z̃ = diag(n_t) - Σ_i c_i c_i' / T_i` restricted to periods 1..T-1.
fn period_gram(index: &PanelIndex) -> Mat<f64> {
    let t = index.n_times();
    let mut g = Mat::<f64>::zeros(t - 1, t - 1);
    for &ti in &index.time_idx {
        if ti > 0 {
            g[(ti - 1, ti - 1)] += 1.0;
        }
    }
    for rows in &index.unit_rows {
        let inv = 1.0 / rows.len() as f64;
        for &a in rows {
            for &b in rows {
                let (ta, tb) = (index.time_idx[a], index.time_idx[b]);
                if ta > 0 && tb > 0 {
                    g[(ta - 1, tb - 1)] -= inv;
                }
            }
        }
    }
    g
}
