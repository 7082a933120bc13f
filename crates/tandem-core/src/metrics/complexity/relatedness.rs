//! Proximity between industries and relatedness density of regions around industries.

use super::basic::{check_binary, col_sums, matmul, to_mat};
use crate::metrics::MetricError;
use faer::{get_global_parallelism, Mat, MatRef, Par};

/// Which proximity between two industries to compute from the presence matrix.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ProximityKind {
    /// `φ_pp' = Σ_c M_cp M_cp' / max(u_p, u_p')`: the minimum of the two conditional
    /// probabilities P(p' | p) and P(p | p'), symmetric, unit diagonal (Hidalgo et al. 2007;
    /// py-ecomplexity's default `asymmetric=False`).
    #[default]
    MinConditional,
    /// `φ_pp' = Σ_c M_cp M_cp' / u_p = P(region has p' | region has p)`; row `p` conditions on
    /// `p`. This is py-ecomplexity's `asymmetric=True` matrix (its `phi.T`).
    Asymmetric,
}

/// Which relatedness density to report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum DensityVariant {
    /// py-ecomplexity 0.5.3: `ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'`, the sums include
    /// `p' = p` (`φ_pp = 1`), range 0–1.
    #[default]
    IncludeDiagonal,
    /// EconGeo's `relatedness_density` convention (Balland 2017; the variant proposed in
    /// py-ecomplexity issue #38): `100 · Σ_{p'≠p} M_cp' φ_pp' / Σ_{p'≠p} φ_pp'`, range 0–100.
    /// Undefined (`None`) for an industry related to no other industry (zero denominator).
    ExcludeDiagonalX100,
    /// py-ecomplexity 0.5.3's `knn=k`: `Σ_{p' ∈ N_k(p)} M_cp'`, the presence summed over the
    /// `k` industries other than `p` with the largest proximity `φ_pp'` (ties broken by the
    /// lower index), range 0–k; if `p` is not among its own `k + 1` nearest (a given
    /// proximity with a small diagonal), the nearest is left out instead, as scikit-learn
    /// does for py-ecomplexity. Unweighted, as py-ecomplexity returns it: its
    /// `calc_density` computes the proximity-weighted numerator but sums the presence alone.
    NearestCount {
        /// The number of neighbours, from 1 to the number of industries less one.
        k: usize,
    },
}

/// Proximity matrix between industries (industries x industries, row-major).
///
/// Formula: with co-occurrence `C_pp' = Σ_c M_cp M_cp'` and ubiquity `u_p = C_pp`,
/// * [`ProximityKind::MinConditional`]: `φ_pp' = C_pp' / max(u_p, u_p')` (symmetric, diagonal 1);
/// * [`ProximityKind::Asymmetric`]: `φ_pp' = C_pp' / u_p` (diagonal 1).
///
/// Reference: Hidalgo, Klinger, Barabási & Hausmann (2007), *The product space conditions the
/// development of nations*, Science 317; py-ecomplexity 0.5.3 `calc_discrete_proximity`.
/// Units: a probability in [0, 1].
///
/// `mcp` is dense row-major regions x industries of 0/1. An industry with ubiquity 0 (present
/// in no region) has no defined proximity: this is an error naming the industry (drop such
/// industries first, as [`super::complexity_year`] does).
pub fn proximity(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    kind: ProximityKind,
) -> Result<Vec<f64>, MetricError> {
    check_binary("proximity", mcp, regions, industries)?;
    let u = col_sums(mcp, industries);
    if let Some(p) = u.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroUbiquity {
            what: "proximity".into(),
            industry: p,
        });
    }
    let m = to_mat(mcp, regions, industries);
    let phi = proximity_mat(m.as_ref(), true, &u, kind, get_global_parallelism());
    Ok(super::basic::to_row_major(phi.as_ref()))
}

/// Proximity from a faer presence matrix with all ubiquities positive; `binary` says that
/// every entry is 0 or 1. A presence that is not (py-ecomplexity's `"both"` and `"manual"`
/// tests) takes the same formula with the floating-point `C = MᵀM`, whose diagonal then
/// differs from `u`, as in py-ecomplexity.
pub(super) fn proximity_mat(
    m: MatRef<'_, f64>,
    binary: bool,
    u: &[f64],
    kind: ProximityKind,
    par: Par,
) -> Mat<f64> {
    let co = if binary {
        co_occurrence(m)
    } else {
        matmul(m.transpose(), m, par)
    };
    let n = u.len();
    let mut phi = Mat::<f64>::zeros(n, n);
    // Column by column over contiguous slices, which the compiler vectorises.
    for q in 0..n {
        let (from, to) = (co.col(q), phi.col_mut(q));
        let (from, to) = (
            from.try_as_col_major().expect("an owned matrix").as_slice(),
            to.try_as_col_major_mut()
                .expect("an owned matrix")
                .as_slice_mut(),
        );
        match kind {
            // C / max(u_p, u_p') equals py-ecomplexity's min(C / u_p', C / u_p) exactly,
            // because division by a positive number is monotone in IEEE arithmetic.
            ProximityKind::MinConditional => {
                for ((t, c), up) in to.iter_mut().zip(from).zip(u) {
                    *t = c / up.max(u[q]);
                }
            }
            ProximityKind::Asymmetric => {
                for ((t, c), up) in to.iter_mut().zip(from).zip(u) {
                    *t = c / up;
                }
            }
        }
    }
    phi
}

/// Continuous proximity (py-ecomplexity 0.5.3 `calc_continuous_proximity`, its
/// `continuous=True`): `φ_pp' = (1 + r_pp') / 2` with `r` the Pearson correlation, across
/// regions, of the two industries' columns of `x` (RCA or another intensity), so φ ∈ [0, 1]
/// with diagonal 1. An industry whose column is constant has no correlation: an error
/// naming it (`names[p]`, 0-based in the input).
pub(super) fn correlation_proximity(
    x: MatRef<'_, f64>,
    names: &[usize],
    par: Par,
) -> Result<Mat<f64>, MetricError> {
    let (nr, np) = (x.nrows(), x.ncols());
    let mean: Vec<f64> = (0..np)
        .map(|p| x.col(p).iter().sum::<f64>() / nr as f64)
        .collect();
    let centred = Mat::from_fn(nr, np, |c, p| x[(c, p)] - mean[p]);
    let cov = matmul(centred.transpose(), centred.as_ref(), par);
    if let Some(p) = (0..np).find(|&p| cov[(p, p)] <= 0.0) {
        return Err(MetricError::NoVariation {
            what: "complexity (continuous proximity)".into(),
            detail: format!(
                "industry {} (0-based) has the same intensity in every region, so its \
                 correlation with the others is undefined",
                names[p]
            ),
        });
    }
    let sd: Vec<f64> = (0..np).map(|p| cov[(p, p)].sqrt()).collect();
    // numpy's corrcoef: divided by each sd in turn, then clipped to [-1, 1].
    Ok(Mat::from_fn(np, np, |p, q| {
        (1.0 + (cov[(p, q)] / sd[p] / sd[q]).clamp(-1.0, 1.0)) / 2.0
    }))
}

/// `C = MᵀM` for a 0/1 presence matrix: `C[p, p']` counts the regions with both industries.
/// Each industry's column becomes a bit set over regions, and each pair's count is the
/// population count of the AND of two sets: exact integers, as the floating-point product
/// gives (every partial sum is an integer below 2⁵³), with 64 regions per word
/// operation and each pair counted once.
fn co_occurrence(m: MatRef<'_, f64>) -> Mat<f64> {
    let (nr, np) = (m.nrows(), m.ncols());
    let words = nr.div_ceil(64).max(1);
    let mut bits = vec![0u64; np * words];
    for p in 0..np {
        let set = &mut bits[p * words..(p + 1) * words];
        for (c, word) in (0..nr).step_by(64).zip(set.iter_mut()) {
            // Without branches: presence is close to a coin flip, which a branch mispredicts.
            *word = (c..nr.min(c + 64))
                .map(|r| u64::from(m[(r, p)] != 0.0) << (r - c))
                .fold(0, |w, b| w | b);
        }
    }
    pair_counts(&bits, words, np)
}

/// The population counts of the AND of every pair of bit sets (`bits`: `np` sets of
/// `words` words), symmetric. Compiled for the POPCNT instruction when the processor has
/// it: the build targets baseline x86-64, where a count takes a dozen instructions.
fn pair_counts(bits: &[u64], words: usize, np: usize) -> Mat<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the processor has POPCNT (checked just above), the one requirement of a
        // function compiled with `target_feature(enable = "popcnt")`.
        return unsafe { pair_counts_popcnt(bits, words, np) };
    }
    pair_counts_portable(bits, words, np)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn pair_counts_popcnt(bits: &[u64], words: usize, np: usize) -> Mat<f64> {
    pair_counts_portable(bits, words, np)
}

#[inline(always)]
fn pair_counts_portable(bits: &[u64], words: usize, np: usize) -> Mat<f64> {
    let mut co = Mat::<f64>::zeros(np, np);
    // Column q from the diagonal down (contiguous), then mirrored.
    for q in 0..np {
        let b = &bits[q * words..(q + 1) * words];
        for p in q..np {
            let a = &bits[p * words..(p + 1) * words];
            let both: u32 = a.iter().zip(b).map(|(x, y)| (x & y).count_ones()).sum();
            co[(p, q)] = f64::from(both);
        }
    }
    for q in 1..np {
        for p in 0..q {
            co[(p, q)] = co[(q, p)];
        }
    }
    co
}

/// Relatedness density of each region around each industry (regions x industries, row-major).
///
/// Formula (Hidalgo et al. 2007; py-ecomplexity 0.5.3 `calc_density` with `knn=None`):
/// * [`DensityVariant::IncludeDiagonal`]: `ω_cp = Σ_p' M_cp' φ_pp' / Σ_p' φ_pp'` (0–1);
/// * [`DensityVariant::ExcludeDiagonalX100`]: `100 · Σ_{p'≠p} M_cp' φ_pp' / Σ_{p'≠p} φ_pp'`
///   (EconGeo's 0–100 scale, Balland 2017);
/// * [`DensityVariant::NearestCount`]: `Σ_{p' ∈ N_k(p)} M_cp'` (py-ecomplexity's `knn`;
///   `k` out of range is [`MetricError::OutOfRange`]).
///
/// `mcp` is dense row-major regions x industries of 0/1; `proximity` is industries x
/// industries row-major with entries in [0, 1] (row `p` is the industry whose density is
/// measured; for a symmetric proximity the orientation does not matter). A zero denominator
/// (an industry with no proximity to any industry counted) gives `None`; with the diagonal
/// included this cannot happen for a proximity from [`proximity`] (its diagonal is 1).
pub fn relatedness_density(
    mcp: &[f64],
    regions: usize,
    industries: usize,
    proximity: &[f64],
    variant: DensityVariant,
) -> Result<Vec<Option<f64>>, MetricError> {
    check_binary("relatedness density", mcp, regions, industries)?;
    super::basic::check_shape(
        "relatedness density: proximity matrix",
        proximity,
        industries,
        industries,
    )?;
    if let Some(k) = proximity
        .iter()
        .position(|v| !v.is_finite() || *v < 0.0 || *v > 1.0)
    {
        return Err(MetricError::OutOfRange {
            what: "relatedness density".into(),
            parameter: format!(
                "proximity at industries {} and {} (0-based)",
                k / industries,
                k % industries
            ),
            value: proximity[k],
            allowed: "in [0, 1]".into(),
        });
    }
    let m = to_mat(mcp, regions, industries);
    let phi = to_mat(proximity, industries, industries);
    density_mat(m.as_ref(), phi.as_ref(), variant, get_global_parallelism())
}

/// Density on faer matrices (see [`relatedness_density`]); row-major output.
pub(super) fn density_mat(
    m: MatRef<'_, f64>,
    phi: MatRef<'_, f64>,
    variant: DensityVariant,
    par: Par,
) -> Result<Vec<Option<f64>>, MetricError> {
    let (nr, np) = (m.nrows(), m.ncols());
    let without_diagonal;
    let (scale, phi) = match variant {
        DensityVariant::NearestCount { k } => return nearest_count(m, phi, k),
        DensityVariant::IncludeDiagonal => (1.0, phi),
        // Zeroing the diagonal before the products (rather than subtracting it afterwards)
        // keeps the sums exact in the no-diagonal variant, with no cancellation.
        DensityVariant::ExcludeDiagonalX100 => {
            without_diagonal = Mat::from_fn(np, np, |p, q| if p == q { 0.0 } else { phi[(p, q)] });
            (100.0, without_diagonal.as_ref())
        }
    };
    // numᵀ[p, c] = Σ_p' φ[p, p'] M[c, p']: the transposed product, so that each region's
    // numerators are one contiguous column, read in the order the output is written.
    let num_t = matmul(phi, m.transpose(), par);
    // Row sums of φ, column by column (contiguous), each in the order p' = 0, 1, ...
    let mut row_tot = vec![0.0; np];
    for q in 0..np {
        for (tot, v) in row_tot.iter_mut().zip(phi.col(q).iter()) {
            *tot += v;
        }
    }
    // The ratio is a weighted mean of presence values: between 0 and the largest (1 for a
    // 0/1 presence); the clamp only absorbs a last-bit rounding difference between the two
    // summation orders.
    let top = (0..np)
        .map(|p| m.col(p).iter().fold(0.0, |a: f64, b| a.max(*b)))
        .fold(0.0, f64::max);
    let mut out = Vec::with_capacity(nr * np);
    for c in 0..nr {
        let num = num_t.col(c);
        out.extend(
            row_tot
                .iter()
                .zip(num.iter())
                .map(|(&den, &n)| (den > 0.0).then(|| scale * (n / den).clamp(0.0, top))),
        );
    }
    Ok(out)
}

/// [`DensityVariant::NearestCount`]: `out[c, p] = Σ_{p' ∈ N_k(p)} w[c, p']`, row-major, with
/// `w` the presence (or the intensity that density weighs) and `N_k(p)` from
/// [`nearest_industries`] on row `p` of φ.
fn nearest_count(
    w: MatRef<'_, f64>,
    phi: MatRef<'_, f64>,
    k: usize,
) -> Result<Vec<Option<f64>>, MetricError> {
    let np = phi.nrows();
    if k == 0 || k >= np {
        return Err(MetricError::OutOfRange {
            what: "relatedness density over the k nearest industries".into(),
            parameter: "knn (k)".into(),
            value: k as f64,
            allowed: format!(
                "a whole number from 1 to {} (the industries with activity, less one)",
                np.saturating_sub(1)
            ),
        });
    }
    let neighbours: Vec<Vec<usize>> = (0..np).map(|p| nearest_industries(phi, p, k)).collect();
    let mut out = Vec::with_capacity(w.nrows() * np);
    for c in 0..w.nrows() {
        out.extend(
            neighbours
                .iter()
                .map(|near| Some(near.iter().map(|&q| w[(c, q)]).sum())),
        );
    }
    Ok(out)
}

/// The `k` industries nearest `p` (increasing index), as scikit-learn's
/// `NearestNeighbors(n_neighbors=k, metric="precomputed").fit(1 - φ).kneighbors()` picks
/// them for py-ecomplexity's `knn`: on the distances `1 − φ[p, ·]` (computed so, as it
/// does), the `k + 1` nearest of all industries, then `p` itself left out if it is among
/// them, otherwise the nearest one. Ties are broken by `p` first, then by lower index;
/// scikit-learn's order among equal distances is numpy's `argpartition`'s, which is
/// unspecified, so the two agree wherever the `(k + 1)`-th distance is not tied with the
/// next one.
pub(super) fn nearest_industries(phi: MatRef<'_, f64>, p: usize, k: usize) -> Vec<usize> {
    let distance = |q: usize| 1.0 - phi[(p, q)];
    let order = |a: &usize, b: &usize| {
        distance(*a)
            .total_cmp(&distance(*b))
            .then((*a != p).cmp(&(*b != p)))
            .then(a.cmp(b))
    };
    let mut all: Vec<usize> = (0..phi.ncols()).collect();
    all.select_nth_unstable_by(k, order);
    let mut near = all[..=k].to_vec();
    let dropped = match near.iter().position(|&q| q == p) {
        Some(at) => at,
        None => (0..near.len())
            .min_by(|&a, &b| order(&near[a], &near[b]))
            .expect("k + 1 candidates"),
    };
    near.swap_remove(dropped);
    near.sort_unstable();
    near
}

#[cfg(test)]
mod co_occurrence_tests {
    use super::*;

    /// The bit-set count equals the floating-point product MᵀM, across word boundaries
    /// (130 regions: three words, the last one partly used).
    #[test]
    fn bit_counts_equal_the_matrix_product() {
        let (nr, np) = (130, 7);
        let m = Mat::<f64>::from_fn(nr, np, |c, p| {
            if (c * 31 + p * 17 + c * p) % 5 < 2 {
                1.0
            } else {
                0.0
            }
        });
        let fast = co_occurrence(m.as_ref());
        let product = matmul(m.transpose(), m.as_ref(), Par::Seq);
        for p in 0..np {
            for q in 0..np {
                assert_eq!(fast[(p, q)], product[(p, q)], "({p}, {q})");
            }
        }
    }
}

#[cfg(test)]
mod nearest_tests {
    use super::*;

    /// A worked example of py-ecomplexity's `knn` neighbourhoods and counts (k = 2).
    /// Row 0: distances 0, .1, .5, .5, .8; the three nearest are 0 (itself), 1 and, of the
    /// tie at .5, the lower index 2; itself left out: {1, 2}. Row 4 has a diagonal of .3, so
    /// it is not among its three nearest (0, 1, 3): the nearest, 0, is left out: {1, 3}.
    #[test]
    fn nearest_industries_follow_scikit_learn_and_count_presence() {
        let rows = [
            [1.0, 0.9, 0.5, 0.5, 0.2],
            [0.9, 1.0, 0.4, 0.6, 0.8],
            [0.5, 0.4, 1.0, 0.1, 0.1],
            [0.5, 0.6, 0.1, 1.0, 0.7],
            [0.9, 0.8, 0.1, 0.7, 0.3],
        ];
        let phi = Mat::from_fn(5, 5, |p, q| rows[p][q]);
        assert_eq!(nearest_industries(phi.as_ref(), 0, 2), [1, 2]);
        assert_eq!(nearest_industries(phi.as_ref(), 4, 2), [1, 3]);
        assert_eq!(nearest_industries(phi.as_ref(), 1, 4), [0, 2, 3, 4]);
        let m = Mat::from_fn(2, 5, |c, p| {
            [[1.0, 0.0, 1.0, 1.0, 0.0], [0.0, 1.0, 1.0, 0.0, 1.0]][c][p]
        });
        let variant = DensityVariant::NearestCount { k: 2 };
        let got = density_mat(m.as_ref(), phi.as_ref(), variant, Par::Seq).unwrap();
        // Neighbourhoods: 0 {1, 2}, 1 {0, 4}, 2 {0, 1}, 3 {1, 4}, 4 {1, 3}.
        let want = [[1.0, 1.0, 1.0, 0.0, 1.0], [2.0, 1.0, 1.0, 2.0, 1.0]];
        let want: Vec<Option<f64>> = want.iter().flatten().map(|&v| Some(v)).collect();
        assert_eq!(got, want);
        for k in [0, 5] {
            let variant = DensityVariant::NearestCount { k };
            let err = density_mat(m.as_ref(), phi.as_ref(), variant, Par::Seq).unwrap_err();
            assert!(err.to_string().contains("from 1 to 4"), "{err}");
        }
    }
}
