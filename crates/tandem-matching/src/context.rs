//! The fixed background of a matching run: localities with coordinates and the distances
//! between them, the programme's pairs, and the industry space (proximity between the 42
//! input-output sectors, each city's relatedness density, direct-requirement coefficients).

use crate::geo::haversine_km;
use std::collections::HashMap;
use tandem_core::metrics::complexity::{
    proximity, relatedness_density, DensityVariant, ProximityKind,
};
use tandem_core::metrics::input_output::table_technical_coefficients;
use tandem_core::{
    Classification, Concordance, IoTable, LeadingIndustry, Locality, Programme, Sector,
};

/// A context that cannot be built from its inputs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ContextError {
    /// The input-output table is not a 42-sector table or its coefficients fail.
    #[error("input-output table {year}: {rule}")]
    IoTable {
        /// The table's year.
        year: i32,
        /// What is wrong.
        rule: String,
    },
    /// A leading-industry row names a sector the table does not have.
    #[error("leading industry of {locality}: IO-42 code {code} is not a sector of the table")]
    UnknownSector {
        /// The locality of the row.
        locality: String,
        /// The code.
        code: String,
    },
    /// The relatedness computation failed.
    #[error("industry relatedness: {0}")]
    Relatedness(String),
}

/// A locality usable for matching: one with coordinates.
#[derive(Clone, Debug, PartialEq)]
pub struct Place {
    /// The locality id (`ah-huaibei`).
    pub id: String,
    /// The English name.
    pub name_en: String,
    /// The Chinese name.
    pub name_zh: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
}

/// Localities, pairs and industry space, indexed for matching.
#[derive(Clone, Debug)]
pub struct MatchContext {
    places: Vec<Place>,
    place_index: HashMap<String, usize>,
    /// Great-circle distance between places, km, row-major.
    distance_km: Vec<f64>,
    /// For each place, the place that helps it in the programme (its helper), if any.
    helper_of: Vec<Option<usize>>,
    sectors: Vec<Sector>,
    sector_index: HashMap<String, usize>,
    /// Technical coefficients `a_ij`, row-major n x n.
    a: Vec<f64>,
    /// `max_{i≠j} (a_ij + a_ji)`, the normaliser of the linkage score.
    link_norm: f64,
    /// Proximity `φ_ij` between sectors, row-major n x n, unit diagonal.
    proximity: Vec<f64>,
    /// Whether a place has an industry profile (any leading industry recorded).
    has_profile: Vec<bool>,
    /// Presence `M_cs` of each sector in each place's profile, row-major places x n.
    presence: Vec<bool>,
    /// Relatedness density `ω_cs` of each place around each sector, places x n (0 without a profile).
    density: Vec<f64>,
    division_io42: HashMap<String, String>,
    division_section: HashMap<String, String>,
}

impl MatchContext {
    /// Builds the context.
    ///
    /// * `localities`: those with both coordinates (valid degrees) become places (others
    ///   cannot be matched: distance is undefined for them). Distances are great-circle
    ///   (haversine, R = 6371 km, [`crate::geo::haversine_km`]).
    /// * `programme`: `helper_of[helped] = helper` for every pair.
    /// * `io`: a 42-sector table; `A = Z diag(x)⁻¹` from its domestic intermediate block
    ///   (Miller & Blair 2009, eq. 2.4).
    /// * `leading`: the recorded leading, pillar, emerging and cooperation-focus industries of
    ///   each locality, read as the presence matrix `M_cs = 1` (the locality names sector s).
    ///   Proximity `φ = C_ss' / max(u_s, u_s')` between sectors comes from co-occurrence in
    ///   these profiles (Hidalgo et al. 2007), and the density
    ///   `ω_cs = Σ_s' M_cs' φ_ss' / Σ_s' φ_ss'` from both (py-ecomplexity's variant, 0–1).
    ///   A sector named by no locality has no co-occurrence: it gets `φ_ss = 1` and 0 to
    ///   every other sector.
    /// * `division_io42`, `division_section`: GB/T 4754-2017 division -> IO-42 sector and
    ///   division -> section concordances, for [`MatchContext::resolve_industry`].
    ///
    /// # Errors
    /// A table that is not 42-sector or whose coefficients cannot be computed, a leading
    /// industry with an unknown code.
    pub fn new(
        localities: &[Locality],
        programme: &Programme,
        io: &IoTable,
        leading: &[LeadingIndustry],
        division_io42: &Concordance,
        division_section: &Concordance,
    ) -> Result<MatchContext, ContextError> {
        if io.classification != Classification::Io42 {
            return Err(ContextError::IoTable {
                year: io.year,
                rule: format!(
                    "expected the io42 classification, got {}",
                    io.classification
                ),
            });
        }
        let a = table_technical_coefficients(io).map_err(|e| ContextError::IoTable {
            year: io.year,
            rule: e.to_string(),
        })?;
        let sectors = io.sectors.clone();
        let n = sectors.len();
        let sector_index: HashMap<String, usize> = sectors
            .iter()
            .enumerate()
            .map(|(k, s)| (s.code.clone(), k))
            .collect();
        let mut link_norm = 0.0f64;
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    link_norm = link_norm.max(a[i * n + j] + a[j * n + i]);
                }
            }
        }

        let places: Vec<Place> = localities
            .iter()
            .filter_map(|l| match (l.lat, l.lon) {
                // A coordinate outside the valid ranges cannot be measured from: such a
                // locality is left out like one without coordinates.
                (Some(lat), Some(lon)) if haversine_km(lat, lon, lat, lon).is_ok() => Some(Place {
                    id: l.id.clone(),
                    name_en: l.name_en.clone(),
                    name_zh: l.name_zh.clone(),
                    lat,
                    lon,
                }),
                _ => None,
            })
            .collect();
        let place_index: HashMap<String, usize> = places
            .iter()
            .enumerate()
            .map(|(k, p)| (p.id.clone(), k))
            .collect();
        let np = places.len();
        let mut distance_km = vec![0.0; np * np];
        for i in 0..np {
            for j in 0..np {
                // Every place's coordinates passed the range check above.
                distance_km[i * np + j] =
                    haversine_km(places[i].lat, places[i].lon, places[j].lat, places[j].lon)
                        .unwrap_or(0.0);
            }
        }
        let mut helper_of = vec![None; np];
        for pair in &programme.pairs {
            if let (Some(&helped), Some(&helper)) =
                (place_index.get(&pair.helped), place_index.get(&pair.helper))
            {
                helper_of[helped] = Some(helper);
            }
        }

        let mut presence = vec![false; np * n];
        let mut has_profile = vec![false; np];
        for row in leading {
            let (Some(code), Some(&c)) = (&row.io42_code, place_index.get(&row.locality)) else {
                continue;
            };
            let &s = sector_index
                .get(code)
                .ok_or_else(|| ContextError::UnknownSector {
                    locality: row.locality.clone(),
                    code: code.clone(),
                })?;
            presence[c * n + s] = true;
            has_profile[c] = true;
        }
        let profiled: Vec<usize> = (0..np).filter(|&c| has_profile[c]).collect();
        let mut prox = vec![0.0; n * n];
        for s in 0..n {
            prox[s * n + s] = 1.0;
        }
        let mut density = vec![0.0; np * n];
        if !profiled.is_empty() {
            let kept: Vec<usize> = (0..n)
                .filter(|&s| profiled.iter().any(|&c| presence[c * n + s]))
                .collect();
            let mcp_kept: Vec<f64> = profiled
                .iter()
                .flat_map(|&c| kept.iter().map(move |&s| (c, s)))
                .map(|(c, s)| f64::from(u8::from(presence[c * n + s])))
                .collect();
            let phi = proximity(
                &mcp_kept,
                profiled.len(),
                kept.len(),
                ProximityKind::MinConditional,
            )
            .map_err(|e| ContextError::Relatedness(e.to_string()))?;
            for (x, &s) in kept.iter().enumerate() {
                for (y, &t) in kept.iter().enumerate() {
                    prox[s * n + t] = phi[x * kept.len() + y];
                }
            }
            let mcp_full: Vec<f64> = profiled
                .iter()
                .flat_map(|&c| (0..n).map(move |s| (c, s)))
                .map(|(c, s)| f64::from(u8::from(presence[c * n + s])))
                .collect();
            let dens = relatedness_density(
                &mcp_full,
                profiled.len(),
                n,
                &prox,
                DensityVariant::IncludeDiagonal,
            )
            .map_err(|e| ContextError::Relatedness(e.to_string()))?;
            for (r, &c) in profiled.iter().enumerate() {
                for s in 0..n {
                    // The diagonal is in every denominator, so the density is always defined.
                    density[c * n + s] = dens[r * n + s].unwrap_or(0.0);
                }
            }
        }
        let division_io42 = division_io42
            .links()
            .iter()
            .map(|(d, s)| (d.clone(), s.clone()))
            .collect();
        let division_section = division_section
            .links()
            .iter()
            .map(|(d, s)| (d.clone(), s.clone()))
            .collect();
        Ok(MatchContext {
            places,
            place_index,
            distance_km,
            helper_of,
            sectors,
            sector_index,
            a,
            link_norm,
            proximity: prox,
            has_profile,
            presence,
            density,
            division_io42,
            division_section,
        })
    }

    /// The context of tandem's bundled data: every bundled locality with coordinates, the
    /// 2021 programme, the 2020 42-sector national table, leading_industries.csv and the
    /// GB/T 4754 concordances.
    ///
    /// # Errors
    /// Only if the bundled data were defective (a build defect).
    pub fn bundled() -> Result<MatchContext, ContextError> {
        let b = tandem_data::bundled::bundle();
        let c = tandem_data::classification::classifications();
        let io = b
            .io_table(2020, &Classification::Io42)
            .ok_or(ContextError::IoTable {
                year: 2020,
                rule: "no bundled 2020 io42 table".into(),
            })?;
        MatchContext::new(
            &b.localities,
            &b.programme,
            io,
            &b.leading_industries,
            &c.division_io42,
            &c.division_section,
        )
    }

    /// The places (localities with coordinates).
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// The index of a place by locality id.
    pub fn place(&self, id: &str) -> Option<usize> {
        self.place_index.get(id).copied()
    }

    /// Great-circle distance between two places, km.
    pub fn distance_km(&self, a: usize, b: usize) -> f64 {
        self.distance_km[a * self.places.len() + b]
    }

    /// The helper of a place in the programme, if it is a helped locality.
    pub fn helper_of(&self, place: usize) -> Option<usize> {
        self.helper_of[place]
    }

    /// The 42 sectors, in table order.
    pub fn sectors(&self) -> &[Sector] {
        &self.sectors
    }

    /// The index of an IO-42 code.
    pub fn sector(&self, code: &str) -> Option<usize> {
        self.sector_index.get(code).copied()
    }

    /// Technical coefficient `a_ij`: input from sector i per yuan of output of sector j.
    pub fn a(&self, i: usize, j: usize) -> f64 {
        self.a[i * self.sectors.len() + j]
    }

    /// The linkage normaliser `max_{i≠j} (a_ij + a_ji)` (0 for a table without flows).
    pub fn link_norm(&self) -> f64 {
        self.link_norm
    }

    /// Proximity `φ_ij` between two sectors, in [0, 1].
    pub fn proximity(&self, i: usize, j: usize) -> f64 {
        self.proximity[i * self.sectors.len() + j]
    }

    /// Whether the place has an industry profile.
    pub fn has_profile(&self, place: usize) -> bool {
        self.has_profile[place]
    }

    /// Whether sector s is in the place's industry profile.
    pub fn present(&self, place: usize, s: usize) -> bool {
        self.presence[place * self.sectors.len() + s]
    }

    /// Relatedness density of a place around a sector, in [0, 1] (0 without a profile).
    pub fn density(&self, place: usize, s: usize) -> f64 {
        self.density[place * self.sectors.len() + s]
    }

    /// Resolves an industry as written in a file to an IO-42 code.
    ///
    /// Accepted: `io42:18` (an IO-42 code), `gbt4754:36` (a GB/T 4754-2017 division, mapped
    /// through the bundled concordance), `C36` (a division with its section letter, which
    /// must match). A bare number is refused because IO-42 and division codes overlap
    /// (`18` is a sector of both).
    ///
    /// # Errors
    /// The rule broken, for the caller to locate.
    pub fn resolve_industry(&self, text: &str) -> Result<String, String> {
        let t = text.trim();
        let io42 = |code: &str| -> Result<String, String> {
            if self.sector_index.contains_key(code) {
                Ok(code.to_string())
            } else {
                Err(format!(
                    "{code} is not an IO-42 sector code (01-{:02})",
                    self.sectors.len()
                ))
            }
        };
        let division = |code: &str| -> Result<String, String> {
            self.division_io42
                .get(code)
                .cloned()
                .ok_or_else(|| format!("{code} is not a GB/T 4754-2017 division code (01-97)"))
        };
        if let Some(code) = t.strip_prefix("io42:") {
            return io42(code.trim());
        }
        if let Some(code) = t
            .strip_prefix("gbt4754:")
            .or_else(|| t.strip_prefix("gbt:"))
        {
            return division(code.trim());
        }
        let mut chars = t.chars();
        if let Some(letter) = chars.next().filter(char::is_ascii_uppercase) {
            let code = chars.as_str();
            let target = division(code)?;
            return match self.division_section.get(code) {
                Some(section) if section.as_str() == letter.to_string() => Ok(target),
                Some(section) => Err(format!(
                    "division {code} belongs to section {section}, not {letter}"
                )),
                None => Ok(target),
            };
        }
        if t.is_empty() {
            return Err("empty industry".into());
        }
        Err(format!(
            "ambiguous industry {t}: write io42:{t} for an input-output sector or gbt4754:{t} \
             for a GB/T 4754-2017 division"
        ))
    }
}
