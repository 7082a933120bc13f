//! tandem's programme report: a self-contained static site, an XLSX workbook and a JSON file.
//!
//! [`build_report`] writes into a directory:
//!
//! * `index.html` — the programme page: map of the localities with the pairing lines, the
//!   pairs with their gaps, each pair's problem verdicts at a glance, data coverage and
//!   provenance;
//! * `<pair-id>.html` — one page per pair: foundation (gap bars, structure, stage,
//!   industries), market forces (distance, gravity-linkage ranks, input-output links), the
//!   status timeline of events, the three problems with verdict, evidence and confidence,
//!   the three paths and the ranked opportunities with their score components; with
//!   [`ReportInput::trends`], per-capita GDP, the gap and the helped city's rank over time
//!   ("Over time", line charts) and, on the programme page, the eight gaps as small
//!   multiples; with [`ReportInput::impact`], the programme's impact ("Impact": pooled
//!   estimates, event studies with 95 % bands, each city's synthetic control, the donor pool
//!   and every caveat) on the programme page and the helped city's synthetic control on each
//!   pair's page;
//! * `tandem-report.xlsx` — the same tables, one sheet per table;
//! * `tandem-report.json` — the advisor's diagnoses and the pair figures, language-neutral
//!   (both texts of every string), and the trends and the impact as given.
//!
//! Pages load nothing from anywhere (inline CSS, inline SVG, system fonts, no script).
//! Every figure shows its year and a numbered source; missing data is shown as "no data" /
//! "无数据", never dropped or filled in. All text is HTML-escaped ([`text::esc`]).
//!
//! The crate is free of the CLI: the caller loads the data, runs the advisor and passes both
//! in a [`ReportInput`].

pub mod chain_map;
pub mod impact;
pub mod labels;
pub mod line;
pub mod map;
pub mod page;
pub mod svg;
pub mod text;
pub mod trends;

mod impact_section;
mod index;
mod over_time;
mod pair;
mod park_assessments;
mod tables;
mod xlsx;

use std::path::{Path, PathBuf};
use tandem_core::advisor::PairDiagnosis;
use tandem_core::{CooperationEvent, Locality, Observation, Pair, Programme};

pub use impact::{
    Bilingual, CitySynth, DidEstimate, DonorExclusion, EffectUnit, EventTime, Impact,
    OutcomeImpact, SdidEstimate, Sensitivity,
};
pub use text::Lang;
pub use trends::{PairTrend, TrendBreak, Trends};

/// Everything a report is built from. Borrowed: the caller owns the data.
#[derive(Clone, Copy, Debug)]
pub struct ReportInput<'a> {
    pub programme: &'a Programme,
    /// Localities by id (names, coordinates); the programme's must be present.
    pub localities: &'a [Locality],
    /// The observations used (the bundled ones with any imported dataset laid over them),
    /// for the coverage table.
    pub observations: &'a [Observation],
    /// Cooperation events; the programme-wide ones go on the programme page.
    pub events: &'a [CooperationEvent],
    /// The advisor's diagnosis of every pair of the programme.
    pub diagnoses: &'a [PairDiagnosis],
    /// City/district outlines (GeoJSON FeatureCollection with an `id` property),
    /// normally `tandem_data::bundled::BOUNDARIES_SIMPLIFIED_GEOJSON`.
    pub boundaries_geojson: &'a str,
    /// data/SOURCES.md, summarised on the programme page.
    pub sources_md: &'a str,
    /// The imported dataset laid over the bundled data, if any (named on every page).
    pub dataset: Option<&'a str>,
    /// Per-capita GDP, gaps and ranks by year, computed by the caller (normally from the
    /// city panel); `None` leaves the charts over time out.
    pub trends: Option<&'a Trends>,
    /// The programme's impact, estimated by the caller (normally the city panel's programme
    /// evaluation); `None` leaves the impact sections out.
    pub impact: Option<&'a Impact>,
}

/// What to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportOptions {
    pub lang: Lang,
    /// Only this pair's page (plus the programme page); `None` = every pair.
    pub pair: Option<String>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            lang: Lang::Zh,
            pair: None,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSummary {
    /// The output directory.
    pub dir: PathBuf,
    /// `index.html`.
    pub index: PathBuf,
    /// The pair pages written, in programme order.
    pub pair_pages: Vec<PathBuf>,
    pub xlsx: PathBuf,
    pub json: PathBuf,
    pub lang: Lang,
}

/// Why a report could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--pair` names no pair of the programme.
    #[error("no pair `{pair}` in the programme; pairs are: {known}")]
    UnknownPair { pair: String, known: String },
    /// A pair of the programme has no diagnosis in the input (a caller defect).
    #[error("pair `{0}` has no diagnosis in the report input")]
    MissingDiagnosis(String),
    /// A pair or locality id that cannot be used as a file name.
    #[error("pair id `{0}` cannot be used as a file name (letters, digits, '-' and '_' only)")]
    BadPairId(String),
    /// The boundary file does not parse.
    #[error(transparent)]
    Geo(#[from] map::GeoError),
    /// Creating the directory or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The workbook could not be written.
    #[error("cannot write the workbook {path}: {message}")]
    Xlsx { path: PathBuf, message: String },
    /// The JSON could not be serialised.
    #[error("cannot serialise the JSON report: {0}")]
    Json(#[from] serde_json::Error),
}

/// The file name of a pair's page.
pub fn pair_file_name(pair_id: &str) -> String {
    format!("{pair_id}.html")
}

/// Name of the workbook written next to the pages.
pub const XLSX_NAME: &str = "tandem-report.xlsx";
/// Name of the JSON file written next to the pages.
pub const JSON_NAME: &str = "tandem-report.json";

/// Builds the report into `dir` (created if missing; files of the same names are replaced).
///
/// # Errors
/// An unknown `opts.pair`, a pair without diagnosis, a pair id unusable as a file name, a
/// defective boundary file, and any failure to write (named by path).
pub fn build_report(
    input: &ReportInput<'_>,
    opts: &ReportOptions,
    dir: &Path,
) -> Result<ReportSummary, ReportError> {
    let pairs: Vec<&Pair> = match &opts.pair {
        None => input.programme.pairs.iter().collect(),
        Some(id) => vec![input
            .programme
            .pair(id)
            .ok_or_else(|| ReportError::UnknownPair {
                pair: id.clone(),
                known: input
                    .programme
                    .pairs
                    .iter()
                    .map(|p| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?],
    };
    for pair in &input.programme.pairs {
        if pair.id.is_empty()
            || !pair
                .id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ReportError::BadPairId(pair.id.clone()));
        }
        if diagnosis(input, &pair.id).is_none() {
            return Err(ReportError::MissingDiagnosis(pair.id.clone()));
        }
    }
    let outlines = map::parse_outlines(input.boundaries_geojson)?;
    std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let write = |name: &str, bytes: &[u8]| -> Result<PathBuf, ReportError> {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|source| ReportError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    };
    let ctx = Ctx {
        input,
        lang: opts.lang,
        outlines: &outlines,
        written: &pairs,
    };
    let index = write("index.html", index::render(&ctx).as_bytes())?;
    let mut pair_pages = Vec::new();
    for pair in &pairs {
        let html = pair::render(&ctx, pair);
        pair_pages.push(write(&pair_file_name(&pair.id), html.as_bytes())?);
    }
    let tables = tables::build(&ctx);
    let xlsx_path = dir.join(XLSX_NAME);
    xlsx::write(&tables, &xlsx_path, opts.lang.no_data())?;
    let json = serde_json::to_string_pretty(&tables::json(&ctx, &tables))?;
    let json_path = write(JSON_NAME, json.as_bytes())?;
    Ok(ReportSummary {
        dir: dir.to_path_buf(),
        index,
        pair_pages,
        xlsx: xlsx_path,
        json: json_path,
        lang: opts.lang,
    })
}

/// The sections of a pair's page without the page frame, for embedding in another page (the
/// platform's pair page). Links to other report pages are left out.
///
/// # Errors
/// An unknown pair, a pair without a diagnosis in `input`, or a defective boundary file.
pub fn pair_sections(
    input: &ReportInput<'_>,
    lang: Lang,
    pair_id: &str,
) -> Result<String, ReportError> {
    let pair = input
        .programme
        .pair(pair_id)
        .ok_or_else(|| ReportError::UnknownPair {
            pair: pair_id.to_string(),
            known: input
                .programme
                .pairs
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let outlines = map::parse_outlines(input.boundaries_geojson)?;
    let ctx = Ctx {
        input,
        lang,
        outlines: &outlines,
        written: &[],
    };
    pair::body(&ctx, pair).ok_or_else(|| ReportError::MissingDiagnosis(pair_id.to_string()))
}

/// The programme map (every pair, helpers and helped cities with pairing lines) as inline SVG.
///
/// # Errors
/// A defective boundary file.
pub fn programme_map_svg(input: &ReportInput<'_>, lang: Lang) -> Result<String, ReportError> {
    let outlines = map::parse_outlines(input.boundaries_geojson)?;
    let ctx = Ctx {
        input,
        lang,
        outlines: &outlines,
        written: &[],
    };
    Ok(pair::programme_map(&ctx, None))
}

/// What every renderer needs.
pub(crate) struct Ctx<'a> {
    pub input: &'a ReportInput<'a>,
    pub lang: Lang,
    pub outlines: &'a [map::Outline],
    /// The pairs that get a page in this build (links to others are not written).
    pub written: &'a [&'a Pair],
}

impl Ctx<'_> {
    /// A locality's short name in the report's language, its id if unknown.
    pub fn name(&self, id: &str) -> String {
        match self.input.localities.iter().find(|l| l.id == id) {
            Some(l) => match self.lang {
                Lang::Zh => l.short_name_zh().to_string(),
                Lang::En => l.short_name_en().to_string(),
            },
            None => id.to_string(),
        }
    }

    pub fn locality(&self, id: &str) -> Option<&Locality> {
        self.input.localities.iter().find(|l| l.id == id)
    }

    /// Whether the pair has a page in this build.
    pub fn has_page(&self, pair_id: &str) -> bool {
        self.written.iter().any(|p| p.id == pair_id)
    }

    /// "helper → helped".
    pub fn pair_title(&self, pair: &Pair) -> String {
        format!("{} → {}", self.name(&pair.helper), self.name(&pair.helped))
    }

    /// The data note shown on every page: bundled data, or an import laid over it.
    pub fn dataset_note(&self) -> String {
        match self.input.dataset {
            None => self.lang.pick("数据：内置数据集（见数据来源）。", "Data: the bundled data set (see provenance).").to_string(),
            Some(d) => match self.lang {
                Lang::Zh => format!("数据：内置数据集，叠加导入数据集“{d}”（同一地区、年份、指标以导入值为准）。"),
                Lang::En => format!("Data: the bundled data set with the imported dataset “{d}” laid over it (its values win for the same locality, year and indicator)."),
            },
        }
    }
}

/// The diagnosis of a pair.
pub(crate) fn diagnosis<'a>(
    input: &'a ReportInput<'_>,
    pair_id: &str,
) -> Option<&'a PairDiagnosis> {
    input.diagnoses.iter().find(|d| d.pair_id == pair_id)
}
