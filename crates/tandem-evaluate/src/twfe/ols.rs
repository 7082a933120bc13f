//! Least squares on within-transformed data and the fixest small-sample covariance matrices.

use faer::linalg::solvers::DenseSolveCore;
use faer::{Mat, Side};

use super::panel::PanelIndex;
use super::{Coefficient, TwfeError, TwfeFit};

/// Relative size below which a within-transformed regressor counts as absorbed.
const ABSORBED_TOL: f64 = 1e-12;
/// Relative Cholesky pivot below which the regressors count as collinear.
const COLLINEAR_TOL: f64 = 1e-10;

/// Within-transformed design.
pub(crate) struct Design {
    /// Regressor names.
    pub names: Vec<String>,
    /// Transformed regressors, one column per regressor.
    pub x: Vec<Vec<f64>>,
    /// Transformed outcome.
    pub y: Vec<f64>,
    /// `Σ x²` of each untransformed regressor (scale for the absorption check).
    pub raw_scale: Vec<f64>,
}

/// Parameter counts of the small-sample corrections.
struct Dof {
    k_full: usize,
    k_cluster: usize,
    n_clusters: usize,
}

/// The three covariance matrices.
struct Vcovs {
    iid: Mat<f64>,
    hc1: Mat<f64>,
    crv: Mat<f64>,
}

/// OLS slopes, residuals and iid / HC1 / CRV1 covariance matrices.
pub(crate) fn fit(
    d: &Design,
    index: &PanelIndex,
    clusters: &[usize],
) -> Result<TwfeFit, TwfeError> {
    check_absorbed(d)?;
    let x = Mat::<f64>::from_fn(d.y.len(), d.x.len(), |r, j| d.x[j][r]);
    let bread = inverse_gram(&x, &d.names)?;
    let dof = dof(index, clusters, d.x.len())?;
    let beta = &bread * (x.transpose() * Mat::<f64>::from_fn(d.y.len(), 1, |r, _| d.y[r]));
    let resid: Vec<f64> = (&x * &beta)
        .col(0)
        .iter()
        .zip(&d.y)
        .map(|(fitted, y)| y - fitted)
        .collect();
    let rss: f64 = resid.iter().map(|u| u * u).sum();
    let v = covariances(&x, &resid, &bread, clusters, &dof);
    let coefficients = (0..d.x.len())
        .map(|j| Coefficient {
            name: d.names[j].clone(),
            estimate: beta[(j, 0)],
            se_iid: v.iid[(j, j)].sqrt(),
            se_hc1: v.hc1[(j, j)].sqrt(),
            se_cluster: v.crv[(j, j)].sqrt(),
        })
        .collect();
    Ok(TwfeFit {
        coefficients,
        vcov_iid: to_rows(&v.iid),
        vcov_hc1: to_rows(&v.hc1),
        vcov_cluster: to_rows(&v.crv),
        nobs: d.y.len(),
        n_units: index.n_units(),
        n_periods: index.n_times(),
        n_clusters: dof.n_clusters,
        rss,
        df_k: dof.k_full,
        df_k_cluster: dof.k_cluster,
    })
}

/// iid: `B·RSS/(N-df_k)`; HC1: `N/(N-df_k)·B M B`; CRV1: `G/(G-1)·(N-1)/(N-df_k^c)·B M_G B`.
fn covariances(
    x: &Mat<f64>,
    resid: &[f64],
    bread: &Mat<f64>,
    clusters: &[usize],
    dof: &Dof,
) -> Vcovs {
    let n = resid.len() as f64;
    let rss: f64 = resid.iter().map(|u| u * u).sum();
    let each_row: Vec<usize> = (0..resid.len()).collect();
    let g = dof.n_clusters as f64;
    Vcovs {
        iid: bread * (rss / (n - dof.k_full as f64)),
        hc1: sandwich(bread, &score_meat(x, resid, &each_row)) * (n / (n - dof.k_full as f64)),
        crv: sandwich(bread, &score_meat(x, resid, clusters))
            * (g / (g - 1.0) * (n - 1.0) / (n - dof.k_cluster as f64)),
    }
}

fn check_absorbed(d: &Design) -> Result<(), TwfeError> {
    for (j, col) in d.x.iter().enumerate() {
        let ss: f64 = col.iter().map(|v| v * v).sum();
        if ss <= ABSORBED_TOL * d.raw_scale[j] {
            return Err(TwfeError::SingularDesign {
                name: d.names[j].clone(),
            });
        }
    }
    Ok(())
}

/// `(X̃'X̃)⁻¹` by Cholesky; a tiny relative pivot flags the first collinear regressor.
fn inverse_gram(x: &Mat<f64>, names: &[String]) -> Result<Mat<f64>, TwfeError> {
    let gram = x.transpose() * x;
    let singular = |j: usize| TwfeError::SingularDesign {
        name: names[j].clone(),
    };
    let llt = gram.llt(Side::Lower).map_err(|e| match e {
        faer::linalg::cholesky::llt::factor::LltError::NonPositivePivot { index } => {
            singular(index.min(names.len() - 1))
        }
    })?;
    let l = llt.L();
    if let Some(j) = (0..names.len()).find(|&j| l[(j, j)].powi(2) < COLLINEAR_TOL * gram[(j, j)]) {
        return Err(singular(j));
    }
    Ok(llt.inverse())
}

/// Degrees-of-freedom counts (pyfixest `get_ssc`, `k_fixef = "nonnested"`).
fn dof(index: &PanelIndex, clusters: &[usize], k: usize) -> Result<Dof, TwfeError> {
    let (nu, nt) = (index.n_units(), index.n_times());
    let k_full = k + nu + nt - 1;
    let n_clusters = clusters.iter().max().map_or(0, |m| m + 1);
    let unit_nested = nested(&index.unit_idx, nu, clusters);
    let time_nested = nested(&index.time_idx, nt, clusters);
    let nested_levels = nu * usize::from(unit_nested) + nt * usize::from(time_nested);
    let k_cluster = k_full + usize::from(unit_nested) + usize::from(time_nested) - nested_levels;
    if index.nobs() <= k_full {
        return Err(TwfeError::NoDegreesOfFreedom {
            nobs: index.nobs(),
            params: k_full,
        });
    }
    if n_clusters < 2 {
        return Err(TwfeError::TooFewClusters {
            clusters: n_clusters,
        });
    }
    Ok(Dof {
        k_full,
        k_cluster,
        n_clusters,
    })
}

/// True when every level of the fixed effect lies within a single cluster.
fn nested(levels: &[usize], n_levels: usize, clusters: &[usize]) -> bool {
    let mut owner = vec![usize::MAX; n_levels];
    levels.iter().zip(clusters).all(|(&l, &c)| {
        let ok = owner[l] == usize::MAX || owner[l] == c;
        owner[l] = c;
        ok
    })
}

/// `Σ_g s_g s_g'` with `s_g = Σ_{r∈g} x̃_r u_r` (groups given by dense ids).
fn score_meat(x: &Mat<f64>, resid: &[f64], groups: &[usize]) -> Mat<f64> {
    let n_groups = groups.iter().max().map_or(0, |m| m + 1);
    let mut scores = Mat::<f64>::zeros(n_groups, x.ncols());
    for (r, &g) in groups.iter().enumerate() {
        for j in 0..x.ncols() {
            scores[(g, j)] += x[(r, j)] * resid[r];
        }
    }
    scores.transpose() * &scores
}

fn sandwich(bread: &Mat<f64>, meat: &Mat<f64>) -> Mat<f64> {
    bread * meat * bread
}

fn to_rows(m: &Mat<f64>) -> Vec<Vec<f64>> {
    (0..m.nrows())
        .map(|i| (0..m.ncols()).map(|j| m[(i, j)]).collect())
        .collect()
}
