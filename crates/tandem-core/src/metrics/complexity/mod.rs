//! Relatedness and economic complexity (family F): diversity, ubiquity, proximity,
//! relatedness density, ECI/PCI, fitness-complexity, COI and COG.
//!
//! By default every indicator follows py-ecomplexity 0.5.3 (Harvard Growth Lab) exactly, so
//! that results can be checked against it (`tests/golden_complexity.rs`, tolerances 1e-12
//! relative for closed forms and 1e-9 absolute for eigenvector-based values):
//! RCA ≥ 1 defines `M_cp`; proximity is the minimum conditional probability; density includes
//! the diagonal (0–1); ECI's sign follows `corr(diversity, kc)`; PCI is standardised with
//! ECI's mean and sd; all sds are population sds. Variants are options, never silent changes.
//!
//! The year-level functions take a dense row-major regions x industries matrix; the
//! panel-level entry point [`complexity_panel`] treats absent cells as zero activity
//! ([`crate::Absent::AsZero`]), as py-ecomplexity rectangularises its input with zeros.

mod basic;
mod eci;
mod fitness;
mod outlook;
mod presence;
mod relatedness;

pub use basic::{diversity, ubiquity};
pub use eci::{eci_pci, EciPci, Eigenvalues, PciScale, MIN_EIGENVALUE_GAP};
pub use fitness::{fitness_complexity, FitnessComplexity, FitnessOptions};
pub use outlook::{complexity_outlook, Outlook};
pub use presence::{rpop, Presence};
pub use relatedness::{proximity, relatedness_density, DensityVariant, ProximityKind};

use crate::metrics::MetricError;
use crate::{Absent, Panel};

/// Options of the complexity family. `ComplexityOptions::default()` reproduces
/// py-ecomplexity 0.5.3's defaults (`presence_test="rca"`, `rca_mcp_threshold=1`,
/// `asymmetric=False`, `continuous=False`, `knn=None`).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ComplexityOptions {
    /// `M_cp = 1` when `RCA_cp ≥ rca_threshold` (default 1). Must be positive and finite.
    pub rca_threshold: f64,
    /// Proximity used for density and COG (default: minimum conditional probability).
    pub proximity: ProximityKind,
    /// Density reported in the `density` column (default: py-ecomplexity's, 0–1). COI always
    /// uses a py-ecomplexity density so that it stays comparable: the diagonal-included one,
    /// or under [`DensityVariant::NearestCount`] that one (py-ecomplexity's `knn`).
    pub density: DensityVariant,
    /// PCI standardisation (default: ECI's mean and sd, as py-ecomplexity).
    pub pci_scale: PciScale,
    /// How `M_cp` is derived (default: RCA ≥ `rca_threshold`). The RPOP tests need each
    /// region's population ([`complexity_year_with_population`], [`complexity_block`]).
    #[serde(default)]
    pub presence: Presence,
    /// py-ecomplexity's `continuous=True`: proximity from the correlation between industries
    /// of RCA across regions ([`Presence::Rpop`]: RPOP; [`Presence::Manual`]: the values),
    /// `φ_pp' = (1 + r_pp') / 2`, and density computed on RCA (RPOP) instead of `M`
    /// ([`Presence::Manual`]: on `M`). Undefined with [`Presence::Both`]. Default `false`.
    #[serde(default)]
    pub continuous: bool,
}

impl Default for ComplexityOptions {
    fn default() -> Self {
        ComplexityOptions {
            rca_threshold: 1.0,
            proximity: ProximityKind::MinConditional,
            density: DensityVariant::IncludeDiagonal,
            pci_scale: PciScale::EciMoments,
            presence: Presence::Rca,
            continuous: false,
        }
    }
}

/// The complexity family for one cross-section, at the full size of the input
/// (regions x industries); `None` marks values that are undefined (see
/// [`complexity_year`]).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct YearComplexity {
    /// Number of regions of the input.
    pub regions: usize,
    /// Number of industries of the input.
    pub industries: usize,
    /// Indices (0-based) of the regions with positive total activity, which were kept.
    pub kept_regions: Vec<usize>,
    /// Indices (0-based) of the industries with positive total activity, which were kept.
    pub kept_industries: Vec<usize>,
    /// Balassa RCA, regions x industries row-major (the values themselves under
    /// [`Presence::Manual`]).
    pub rca: Vec<Option<f64>>,
    /// RPOP ([`rpop`]), regions x industries row-major, under the RPOP tests.
    pub rpop: Option<Vec<Option<f64>>>,
    /// Presence `M_cp` (0/1 unless [`ComplexityOptions::presence`] says otherwise),
    /// regions x industries row-major.
    pub mcp: Vec<Option<f64>>,
    /// Diversity per region.
    pub diversity: Vec<Option<f64>>,
    /// Ubiquity per industry.
    pub ubiquity: Vec<Option<f64>>,
    /// ECI per region.
    pub eci: Vec<Option<f64>>,
    /// PCI per industry.
    pub pci: Vec<Option<f64>>,
    /// Relatedness density (variant per [`ComplexityOptions::density`]), row-major.
    pub density: Vec<Option<f64>>,
    /// COI per region.
    pub coi: Vec<Option<f64>>,
    /// COG, regions x industries row-major.
    pub cog: Vec<Option<f64>>,
    /// Proximity between the kept industries (`kept_industries.len()`² row-major).
    pub proximity: Vec<f64>,
    /// The three largest eigenvalues behind ECI.
    pub eigenvalues: Eigenvalues,
}

/// The complexity family for one cross-section on the regions and industries that were kept
/// (those with activity; see [`complexity_year`]): every value is defined, so nothing is
/// `None` except the density of the EconGeo variant where its denominator is 0. This is what
/// [`complexity_block`] returns, for callers that lay the results out themselves (the Python
/// package writes them straight into its output columns); [`KeptComplexity::scattered`]
/// gives the full-size [`YearComplexity`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct KeptComplexity {
    /// Number of regions of the input.
    pub regions: usize,
    /// Number of industries of the input.
    pub industries: usize,
    /// Indices (0-based) of the kept regions, increasing.
    pub kept_regions: Vec<usize>,
    /// Indices (0-based) of the kept industries, increasing.
    pub kept_industries: Vec<usize>,
    /// Balassa RCA, kept regions x kept industries row-major (the values themselves under
    /// [`Presence::Manual`]).
    pub rca: Vec<f64>,
    /// RPOP ([`rpop`]), kept regions x kept industries row-major, under the RPOP tests.
    pub rpop: Option<Vec<f64>>,
    /// Presence `M_cp` (0/1; 0/1/2 under [`Presence::Both`]; the values under
    /// [`Presence::Manual`]), kept regions x kept industries row-major.
    pub mcp: Vec<f64>,
    /// Diversity per kept region.
    pub diversity: Vec<f64>,
    /// Ubiquity per kept industry.
    pub ubiquity: Vec<f64>,
    /// ECI per kept region.
    pub eci: Vec<f64>,
    /// PCI per kept industry.
    pub pci: Vec<f64>,
    /// Relatedness density, kept regions x kept industries row-major.
    pub density: Vec<Option<f64>>,
    /// COI per kept region.
    pub coi: Vec<f64>,
    /// COG, kept regions x kept industries row-major.
    pub cog: Vec<f64>,
    /// Proximity between the kept industries (`kept_industries.len()`² row-major).
    pub proximity: Vec<f64>,
    /// The three largest eigenvalues behind ECI.
    pub eigenvalues: Eigenvalues,
}

impl KeptComplexity {
    /// The same results at the full size of the input, `None` for the dropped regions and
    /// industries.
    pub fn scattered(self) -> YearComplexity {
        let (regions, industries) = (self.regions, self.industries);
        let (rows, cols) = (&self.kept_regions, &self.kept_industries);
        let cell = |src: &[f64]| scatter_cells(src, rows, cols, regions, industries);
        YearComplexity {
            regions,
            industries,
            rca: cell(&self.rca),
            rpop: self.rpop.as_deref().map(cell),
            mcp: cell(&self.mcp),
            diversity: scatter(&self.diversity, rows, regions),
            ubiquity: scatter(&self.ubiquity, cols, industries),
            eci: scatter(&self.eci, rows, regions),
            pci: scatter(&self.pci, cols, industries),
            density: scatter_cells(&self.density, rows, cols, regions, industries)
                .into_iter()
                .map(Option::flatten)
                .collect(),
            coi: scatter(&self.coi, rows, regions),
            cog: cell(&self.cog),
            proximity: self.proximity,
            eigenvalues: self.eigenvalues,
            kept_regions: self.kept_regions,
            kept_industries: self.kept_industries,
        }
    }
}

/// The whole complexity family for one cross-section of activity values (employment,
/// output, exports; any non-negative extensive measure).
///
/// Steps, as py-ecomplexity 0.5.3 per year: (1) regions and industries whose total activity
/// is 0 are dropped (their RCA is 0/0); every output for them is `None`, including the cells
/// of a kept region in a dropped industry and vice versa. (2) RCA
/// `(X_cp / X_c) / (X_p / X)` (Balassa 1965) and `M_cp` by the presence test
/// ([`ComplexityOptions::presence`]; by default `1[RCA_cp ≥ threshold]`) on the kept matrix.
/// (3) [`diversity`], [`ubiquity`], [`eci_pci`], [`proximity`] (or the continuous one,
/// [`ComplexityOptions::continuous`]), [`relatedness_density`], [`complexity_outlook`] on
/// the kept presence matrix. The RPOP tests need the population:
/// [`complexity_year_with_population`].
///
/// `values`: dense row-major regions x industries, finite and non-negative (otherwise
/// [`MetricError::NonFinite`] / [`MetricError::Negative`] naming the cell). No activity at all
/// is [`MetricError::NoActivity`]. A degenerate year (fewer than 2 kept regions or
/// industries, a region or industry left without `M_cp = 1` ([`MetricError::ZeroDiversity`],
/// [`MetricError::ZeroUbiquity`]), an eigenvalue gap below [`MIN_EIGENVALUE_GAP`]
/// ([`MetricError::EigenGap`])) is an error, never NaN. A threshold that is not positive and
/// finite is [`MetricError::OutOfRange`].
pub fn complexity_year(
    values: &[f64],
    regions: usize,
    industries: usize,
    opts: &ComplexityOptions,
) -> Result<YearComplexity, MetricError> {
    let par = faer::get_global_parallelism();
    kept_year(values, None, None, regions, industries, opts, par).map(KeptComplexity::scattered)
}

/// [`complexity_year`] with each region's `population` (length `regions`), which the RPOP
/// presence tests ([`Presence::Rpop`], [`Presence::Both`]) need: positive and finite for
/// every region with activity (others are not read).
pub fn complexity_year_with_population(
    values: &[f64],
    population: &[f64],
    regions: usize,
    industries: usize,
    opts: &ComplexityOptions,
) -> Result<YearComplexity, MetricError> {
    let par = faer::get_global_parallelism();
    kept_year(
        values,
        Some(population),
        None,
        regions,
        industries,
        opts,
        par,
    )
    .map(KeptComplexity::scattered)
}

/// The regions and industries with activity and the kept rows x columns, row-major.
struct KeptGrid {
    regions: Vec<usize>,
    industries: Vec<usize>,
    /// Industries of the input, kept or not.
    industries_total: usize,
    values: Vec<f64>,
}

/// Drops the regions and industries without activity; fewer than two of either is an error.
fn kept_grid(values: &[f64], regions: usize, industries: usize) -> Result<KeptGrid, MetricError> {
    let row_tot = basic::row_sums(values, industries);
    let col_tot = basic::col_sums(values, industries);
    let kept_regions: Vec<usize> = (0..regions).filter(|c| row_tot[*c] > 0.0).collect();
    let kept_industries: Vec<usize> = (0..industries).filter(|p| col_tot[*p] > 0.0).collect();
    if kept_regions.is_empty() {
        return Err(MetricError::NoActivity("complexity".into()));
    }
    for (n, what) in [
        (kept_regions.len(), "regions with activity"),
        (kept_industries.len(), "industries with activity"),
    ] {
        if n < 2 {
            return Err(MetricError::TooFew {
                what: format!("complexity: {what}"),
                needed: 2,
                got: n,
            });
        }
    }
    let mut kept = Vec::with_capacity(kept_regions.len() * kept_industries.len());
    for &c in &kept_regions {
        kept.extend(kept_industries.iter().map(|&p| values[c * industries + p]));
    }
    Ok(KeptGrid {
        regions: kept_regions,
        industries: kept_industries,
        industries_total: industries,
        values: kept,
    })
}

/// Checks the thresholds of the options: positive and finite.
fn check_thresholds(opts: &ComplexityOptions) -> Result<(), MetricError> {
    let rpop = opts
        .presence
        .rpop_threshold()
        .map(|t| ("the RPOP threshold", t));
    for (parameter, value) in [("the RCA threshold", opts.rca_threshold)]
        .into_iter()
        .chain(rpop)
    {
        if !(value.is_finite() && value > 0.0) {
            return Err(MetricError::OutOfRange {
                what: "complexity".into(),
                parameter: parameter.into(),
                value,
                allowed: "positive and finite".into(),
            });
        }
    }
    Ok(())
}

/// RPOP on the kept grid, when the presence test uses it.
fn kept_rpop(
    grid: &KeptGrid,
    population: Option<&[f64]>,
    regions: usize,
    opts: &ComplexityOptions,
) -> Result<Option<Vec<f64>>, MetricError> {
    if opts.presence.rpop_threshold().is_none() {
        return Ok(None);
    }
    // No population is a population of length 0: a shape error saying what is needed.
    let population = population.unwrap_or(&[]);
    let what = "complexity: population (the RPOP presence test needs one per region)";
    basic::check_shape(what, population, regions, 1)?;
    let pop: Vec<f64> = grid.regions.iter().map(|&c| population[c]).collect();
    presence::rpop(
        &grid.values,
        &pop,
        grid.industries.len(),
        Some(&grid.regions),
    )
    .map(Some)
}

/// The matrix whose correlations between industries give the continuous proximity (RCA;
/// RPOP under [`Presence::Rpop`]), or `None` for the discrete proximity.
fn continuous_intensity<'a>(
    opts: &ComplexityOptions,
    rca: &'a [f64],
    rpop: Option<&'a [f64]>,
) -> Result<Option<&'a [f64]>, MetricError> {
    match (opts.continuous, opts.presence, rpop) {
        (false, ..) => Ok(None),
        (true, Presence::Rpop { .. }, Some(rpop)) => Ok(Some(rpop)),
        (true, Presence::Both { .. }, _) => Err(MetricError::OutOfRange {
            what: "complexity".into(),
            parameter: "continuous proximity with the \"both\" presence test (1 = on)".into(),
            value: 1.0,
            allowed: "off: py-ecomplexity defines no density for this combination; use \
                      the \"rca\", \"rpop\" or \"manual\" test"
                .into(),
        }),
        (true, ..) => Ok(Some(rca)),
    }
}

/// A year's presence on the kept grid: RCA (the values under [`Presence::Manual`]), RPOP
/// under the RPOP tests, `M`, diversity and ubiquity (all positive).
struct KeptPresence {
    rca: Vec<f64>,
    rpop: Option<Vec<f64>>,
    mcp: Vec<f64>,
    /// Whether every entry of `mcp` is 0 or 1.
    binary: bool,
    diversity: Vec<f64>,
    ubiquity: Vec<f64>,
}

/// `M` by the presence test on the kept grid; a region or industry left without presence
/// is an error (its ECI or PCI is undefined; py-ecomplexity turns the whole year into NaN).
fn kept_presence(
    grid: &KeptGrid,
    population: Option<&[f64]>,
    regions: usize,
    opts: &ComplexityOptions,
) -> Result<KeptPresence, MetricError> {
    let (nr, np) = (grid.regions.len(), grid.industries.len());
    let rca = match opts.presence {
        Presence::Manual => grid.values.clone(),
        _ => basic::balassa_rca(&grid.values, nr, np),
    };
    let rpop = kept_rpop(grid, population, regions, opts)?;
    let mcp = presence::presence_matrix(
        opts.presence,
        &grid.values,
        &rca,
        rpop.as_deref(),
        opts.rca_threshold,
    );
    let diversity = basic::row_sums(&mcp, np);
    let ubiquity = basic::col_sums(&mcp, np);
    let lacking = || format!("complexity ({})", opts.presence.lacking(opts.rca_threshold));
    if let Some(a) = diversity.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroDiversity {
            what: lacking(),
            region: grid.regions[a],
        });
    }
    if let Some(b) = ubiquity.iter().position(|v| *v == 0.0) {
        return Err(MetricError::ZeroUbiquity {
            what: lacking(),
            industry: grid.industries[b],
        });
    }
    // The RCA and RPOP tests give 0/1 by construction; the others are checked.
    let binary = match opts.presence {
        Presence::Rca | Presence::Rpop { .. } => true,
        Presence::Both { .. } | Presence::Manual => mcp.iter().all(|v| *v == 0.0 || *v == 1.0),
    };
    Ok(KeptPresence {
        rca,
        rpop,
        mcp,
        binary,
        diversity,
        ubiquity,
    })
}

/// Proximity, and the matrix that density weighs: `M`, or under continuous proximity the
/// intensity whose correlations define it (py-ecomplexity; `M` again under
/// [`Presence::Manual`]).
///
/// A `given` proximity (all industries of the input, see [`complexity_block`]) replaces the
/// computed one; density still weighs what it would have weighed.
fn kept_proximity(
    grid: &KeptGrid,
    presence: &KeptPresence,
    m: faer::MatRef<'_, f64>,
    given: Option<&[f64]>,
    opts: &ComplexityOptions,
    par: faer::Par,
) -> Result<(faer::Mat<f64>, Option<faer::Mat<f64>>), MetricError> {
    let (nr, np) = (grid.regions.len(), grid.industries.len());
    let intensity = continuous_intensity(opts, &presence.rca, presence.rpop.as_deref())?
        .map(|x| basic::to_mat(x, nr, np));
    let phi = match (given, &intensity) {
        (Some(full), _) => given_proximity(full, grid.industries_total, &grid.industries),
        (None, None) => {
            relatedness::proximity_mat(m, presence.binary, &presence.ubiquity, opts.proximity, par)
        }
        (None, Some(x)) => relatedness::correlation_proximity(x.as_ref(), &grid.industries, par)?,
    };
    Ok((phi, intensity.filter(|_| opts.presence != Presence::Manual)))
}

/// The kept industries' rows and columns of a given `n x n` proximity. A NaN is a proximity
/// the source does not give: 1 on the diagonal and 0 elsewhere, py-ecomplexity's rule for
/// its `proximity_edgelist`.
fn given_proximity(full: &[f64], n: usize, kept: &[usize]) -> faer::Mat<f64> {
    faer::Mat::from_fn(kept.len(), kept.len(), |a, b| {
        match full[kept[a] * n + kept[b]] {
            v if !v.is_nan() => v,
            _ if a == b => 1.0,
            _ => 0.0,
        }
    })
}

/// Checks a given proximity: `industries²` values, each non-negative or NaN (unknown).
fn check_given_proximity(given: &[f64], industries: usize) -> Result<(), MetricError> {
    let what = "complexity: given proximity";
    if industries.checked_mul(industries) != Some(given.len()) {
        return Err(MetricError::Shape {
            what: format!("{what} ({industries} x {industries} industries)"),
            expected: industries.saturating_mul(industries),
            got: given.len(),
        });
    }
    match given.iter().position(|v| v.is_infinite() || *v < 0.0) {
        None => Ok(()),
        Some(k) => Err(MetricError::OutOfRange {
            what: what.to_string(),
            parameter: format!(
                "the proximity of industry {} (0-based) to industry {} (0-based)",
                k / industries,
                k % industries
            ),
            value: given[k],
            allowed: "a finite number >= 0 (NaN where unknown)".to_string(),
        }),
    }
}

/// [`complexity_year`] on the kept regions and industries, with parallelism `par`.
fn kept_year(
    values: &[f64],
    population: Option<&[f64]>,
    proximity: Option<&[f64]>,
    regions: usize,
    industries: usize,
    opts: &ComplexityOptions,
    par: faer::Par,
) -> Result<KeptComplexity, MetricError> {
    basic::check_values("complexity", values, regions, industries)?;
    check_thresholds(opts)?;
    let grid = kept_grid(values, regions, industries)?;
    let presence = kept_presence(&grid, population, regions, opts)?;
    let (d, u) = (&presence.diversity, &presence.ubiquity);
    let m = basic::to_mat(&presence.mcp, grid.regions.len(), grid.industries.len());
    let eci_part = || eci::eci_pci_mat(m.as_ref(), d, u, opts.pci_scale, par);
    // COI weighs py-ecomplexity's density: the diagonal-included one, or the count over the
    // nearest industries when that is the one chosen (as py-ecomplexity's `knn`).
    let outlook_density = match opts.density {
        DensityVariant::ExcludeDiagonalX100 => DensityVariant::IncludeDiagonal,
        other => other,
    };
    let relatedness_part = || {
        let (phi, intensity) = kept_proximity(&grid, &presence, m.as_ref(), proximity, opts, par)?;
        let weighed = intensity.as_ref().map_or(m.as_ref(), |x| x.as_ref());
        let density = relatedness::density_mat(weighed, phi.as_ref(), outlook_density, par)?;
        Ok::<_, MetricError>((phi, intensity, density))
    };
    // ECI and the proximity with its density are independent. A year solved alone with
    // several threads (the last odd year of a block) runs them side by side: the eigenvector's
    // block iteration is sequential, and the other thread would otherwise wait for it.
    let (ep, related) = match par {
        faer::Par::Seq => (eci_part(), relatedness_part()),
        _ => rayon::join(eci_part, relatedness_part),
    };
    let ep = ep?;
    let (phi, intensity, density_for_outlook) = related?;
    let weighed = intensity.as_ref().map_or(m.as_ref(), |x| x.as_ref());
    let out = outlook::outlook_mat(m.as_ref(), phi.as_ref(), &density_for_outlook, &ep, par)?;
    let density = if opts.density == outlook_density {
        density_for_outlook
    } else {
        relatedness::density_mat(weighed, phi.as_ref(), opts.density, par)?
    };
    Ok(KeptComplexity {
        regions,
        industries,
        rca: presence.rca,
        rpop: presence.rpop,
        mcp: presence.mcp,
        diversity: presence.diversity,
        ubiquity: presence.ubiquity,
        eci: ep.eci,
        pci: ep.pci,
        density,
        coi: out.coi,
        cog: out.cog,
        proximity: basic::to_row_major(phi.as_ref()),
        eigenvalues: ep.eigenvalues,
        kept_regions: grid.regions,
        kept_industries: grid.industries,
    })
}

fn scatter(src: &[f64], kept: &[usize], n: usize) -> Vec<Option<f64>> {
    let mut out = vec![None; n];
    for (v, &i) in src.iter().zip(kept) {
        out[i] = Some(*v);
    }
    out
}

/// Places a kept-rows x kept-cols row-major matrix into a full `n_rows x width` one.
fn scatter_cells<T: Copy>(
    src: &[T],
    rows: &[usize],
    cols: &[usize],
    n_rows: usize,
    width: usize,
) -> Vec<Option<T>> {
    let mut out = vec![None; n_rows * width];
    for (a, &c) in rows.iter().enumerate() {
        for (b, &p) in cols.iter().enumerate() {
            out[c * width + p] = Some(src[a * cols.len() + b]);
        }
    }
    out
}

/// One region x industry x year row of [`complexity_panel`]. `None` marks a value that is
/// undefined because the region or the industry had no activity at all that year (such rows
/// are dropped before computing, as in py-ecomplexity, whose merged output has NaN there).
///
/// Names are borrowed from the panel: a national panel has millions of rows, and copying two
/// strings into each would cost more than computing the indicators.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ComplexityRow<'a> {
    /// Region name.
    pub region: &'a str,
    /// Industry code.
    pub industry: &'a str,
    /// Year.
    pub year: i32,
    /// Balassa RCA (dimensionless).
    pub rca: Option<f64>,
    /// Presence, 0 or 1.
    pub mcp: Option<f64>,
    /// Diversity of the region (count of industries).
    pub diversity: Option<f64>,
    /// Ubiquity of the industry (count of regions).
    pub ubiquity: Option<f64>,
    /// ECI of the region (sd units).
    pub eci: Option<f64>,
    /// PCI of the industry (sd units of ECI by default).
    pub pci: Option<f64>,
    /// Relatedness density of the region around the industry (0–1, or 0–100 for the
    /// EconGeo variant).
    pub density: Option<f64>,
    /// COI of the region (z-score).
    pub coi: Option<f64>,
    /// COG of the region for the industry (sd(kc) units).
    pub cog: Option<f64>,
}

/// The complexity family for every year of a panel, as computed: one [`YearComplexity`] per
/// year. [`PanelComplexity::iter`] presents it as one row per region x industry x year of the
/// panel's rectangle, ordered by year, region, industry (the panel's order).
///
/// Absent cells count as zero activity ([`Absent::AsZero`]), as py-ecomplexity rectangularises
/// each year with zeros; each year is computed independently by [`complexity_year`] (see
/// there for formulas, references and dropped regions/industries). Any degenerate year is an
/// error whose message starts with the year (the earliest such year). Years are computed on
/// up to `available_parallelism()` scoped threads; the result does not depend on it.
///
/// The rows are a view, not a copy: a national panel (340 regions x 600 industries x 10 years)
/// has two million of them, and materialising them would cost more than computing the
/// indicators.
pub fn complexity_panel<'a>(
    panel: &'a Panel,
    opts: &ComplexityOptions,
) -> Result<PanelComplexity<'a>, MetricError> {
    let years = panel.years();
    let results = per_year(years.len(), |k, par| panel_year(panel, years[k], opts, par));
    let years = results
        .into_iter()
        .map(|r| r.map(KeptComplexity::scattered))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PanelComplexity { panel, years })
}

/// The complexity family of every year of a dense time-major block, `values[(t · regions +
/// c) · industries + p]` for `years` years, each year as [`complexity_year`] (absent cells
/// must already be 0) but left on its kept regions and industries ([`KeptComplexity`]).
/// Years run in parallel as in [`complexity_panel`], without building a [`Panel`]: the
/// Python package passes its long table this way. An error comes with the index of the
/// earliest failing year.
///
/// `population` (for the RPOP presence tests) is time-major too, `population[t · regions +
/// c]`, as for [`complexity_year_with_population`].
///
/// `proximity`, when given, is φ between all the block's industries (`industries²` values,
/// row-major, the same for every year), used instead of the computed proximity for density,
/// COI and COG (py-ecomplexity's `proximity_edgelist`: a product space from elsewhere, such
/// as world trade, applied to regional data). Each year reads the rows and columns of its
/// kept industries; a NaN is unknown, 1 on the diagonal and 0 elsewhere, as in
/// py-ecomplexity. ECI and PCI do not depend on it.
///
/// # Errors
/// A block whose length is not `years · regions · industries` (or a population whose length
/// is not `years · regions`, or a proximity whose length is not `industries²`) is
/// [`MetricError::Shape`] (year 0), a negative or infinite proximity
/// [`MetricError::OutOfRange`] (year 0); otherwise as [`complexity_year`].
pub fn complexity_block(
    values: &[f64],
    population: Option<&[f64]>,
    proximity: Option<&[f64]>,
    years: usize,
    regions: usize,
    industries: usize,
    opts: &ComplexityOptions,
) -> Result<Vec<KeptComplexity>, (usize, MetricError)> {
    let size = regions.saturating_mul(industries);
    if size.checked_mul(years) != Some(values.len()) {
        let error = MetricError::Shape {
            what: format!(
                "complexity block ({years} years x {regions} regions x {industries} industries)"
            ),
            expected: size.saturating_mul(years),
            got: values.len(),
        };
        return Err((0, error));
    }
    if let Some(population) = population {
        let what = format!("complexity block: population ({years} years x {regions} regions)");
        basic::check_shape(&what, population, years, regions).map_err(|e| (0, e))?;
    }
    if let Some(proximity) = proximity {
        check_given_proximity(proximity, industries).map_err(|e| (0, e))?;
    }
    let results = per_year(years, |t, par| {
        kept_year(
            &values[t * size..(t + 1) * size],
            population.map(|p| &p[t * regions..(t + 1) * regions]),
            proximity,
            regions,
            industries,
            opts,
            par,
        )
    });
    results
        .into_iter()
        .enumerate()
        .map(|(t, r)| r.map_err(|e| (t, e)))
        .collect()
}

/// `solve(t, parallelism)` for every year `t < years`, in year order. Years are independent,
/// so whole rounds of them run on rayon's threads (one year per thread at a time, each solve
/// sequential, which scales better than splitting small solves); the few years left after the
/// last whole round are solved one by one with every core inside the solve, so that no core
/// idles while another finishes a last year alone (5 years on 2 cores: 2 rounds, then 1).
fn per_year<F>(years: usize, solve: F) -> Vec<Result<KeptComplexity, MetricError>>
where
    F: Fn(usize, faer::Par) -> Result<KeptComplexity, MetricError> + Sync,
{
    use rayon::prelude::*;
    let threads = rayon::current_num_threads().min(years);
    if threads <= 1 {
        return (0..years)
            .map(|t| solve(t, faer::get_global_parallelism()))
            .collect();
    }
    // rayon's pool rather than threads spawned per call: its threads live on, and with them
    // the allocator's per-thread free memory, so a second call does not fault in and zero
    // fresh pages for its matrices.
    let rounds = years - years % threads;
    let mut solved: Vec<Result<KeptComplexity, MetricError>> = (0..rounds)
        .into_par_iter()
        .with_max_len(1)
        .map(|t| solve(t, faer::Par::Seq))
        .collect();
    solved.extend((rounds..years).map(|t| solve(t, faer::Par::rayon(threads))));
    solved
}

/// The result of [`complexity_panel`]: each year's [`YearComplexity`], in the panel's year order.
#[derive(Clone, Debug)]
pub struct PanelComplexity<'a> {
    panel: &'a Panel,
    years: Vec<YearComplexity>,
}

impl<'a> PanelComplexity<'a> {
    /// The per-year results, in the panel's year order.
    pub fn years(&self) -> &[YearComplexity] {
        &self.years
    }

    /// Number of rows (regions x industries x years).
    pub fn len(&self) -> usize {
        self.panel.len()
    }

    /// Whether there are no rows (never, for a valid panel).
    pub fn is_empty(&self) -> bool {
        self.panel.is_empty()
    }

    /// One row per region x industry x year, ordered by year, region, industry.
    pub fn iter(&self) -> impl Iterator<Item = ComplexityRow<'a>> + '_ {
        let panel = self.panel;
        let (regions, industries) = (panel.regions(), panel.industries());
        let ni = industries.len();
        self.years
            .iter()
            .zip(panel.years())
            .flat_map(move |(yc, &year)| {
                regions.iter().enumerate().flat_map(move |(c, region)| {
                    industries.iter().enumerate().map(move |(p, industry)| {
                        let k = c * ni + p;
                        // A row of a dropped region or industry has nothing computed, not
                        // even the kept side's values (py-ecomplexity's NaN row).
                        let kept = yc.rca[k].is_some();
                        let only_kept = |v: Option<f64>| v.filter(|_| kept);
                        ComplexityRow {
                            region,
                            industry,
                            year,
                            rca: yc.rca[k],
                            mcp: yc.mcp[k],
                            diversity: only_kept(yc.diversity[c]),
                            ubiquity: only_kept(yc.ubiquity[p]),
                            eci: only_kept(yc.eci[c]),
                            pci: only_kept(yc.pci[p]),
                            density: yc.density[k],
                            coi: only_kept(yc.coi[c]),
                            cog: yc.cog[k],
                        }
                    })
                })
            })
    }

    /// The rows collected into a vector.
    pub fn to_rows(&self) -> Vec<ComplexityRow<'a>> {
        self.iter().collect()
    }
}

/// One year of [`complexity_panel`], errors prefixed with the year.
fn panel_year(
    panel: &Panel,
    year: i32,
    opts: &ComplexityOptions,
    par: faer::Par,
) -> Result<KeptComplexity, MetricError> {
    // A panel error names its year itself (`year 1999 is not in the panel`).
    let values = panel.year_matrix(year, Absent::AsZero)?;
    let (nr, ni) = (panel.regions().len(), panel.industries().len());
    kept_year(&values, None, None, nr, ni, opts, par)
        .map_err(|e| e.in_context(&format!("year {year}")))
}

#[cfg(test)]
mod tests;
