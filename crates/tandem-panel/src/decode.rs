//! The compiled-in panel: every value of every source, decoded once on first use.
//!
//! `data/city_panel/values.csv` is deflated by build.rs and carried in the binary; sources,
//! notes and breaks are small text files included as they are. Decoding checks every row
//! against the indicator catalogue (known indicator, its canonical unit, finite value, a
//! non-negative one where the catalogue says so) and every reference to a source or note.

use crate::breaks::{parse_breaks, Break};
use crate::error::PanelError;
use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;
use tandem_core::{indicator, Series, Unit};

const VALUES_DEFLATED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/values.csv.deflate"));
/// data/city_panel/sources.csv: every source of the panel with its rank and series.
pub const SOURCES_CSV: &str = include_str!("../../../data/city_panel/sources.csv");
/// data/city_panel/notes.csv: the compiler's vintage notes; `caution=1` marks suspect cells.
pub const NOTES_CSV: &str = include_str!("../../../data/city_panel/notes.csv");
/// data/city_panel/breaks.csv: the series breaks, as data.
pub const BREAKS_CSV: &str = include_str!("../../../data/city_panel/breaks.csv");
/// data/city_panel/README.md: what the panel is, its sources and caveats.
pub const README_MD: &str = include_str!("../../../data/city_panel/README.md");

/// The dataset name carried by every panel figure ([`tandem_core::Source::dataset`]).
pub const DATASET: &str = "city_panel";

/// One source of the panel (a compilation, a vendor file, a bulletin page, or "derived").
#[derive(Clone, Debug, PartialEq)]
pub struct PanelSource {
    /// `A`, `A2`, `B`, `C`, `D`, `E`, `DER`, `F01`...
    pub id: String,
    /// The letter of the panel's sources.md (`F` for every transcribed page).
    pub letter: String,
    /// Rank on data/SOURCES.md's scale (1 = statistics bureau's own release ... 6 = revised
    /// series kept for reference).
    pub rank: u8,
    /// The series its values belong to.
    pub series: Series,
    /// URL of the file or page.
    pub citation: String,
    /// What it is.
    pub description: String,
}

impl PanelSource {
    /// Whether the source's values are computed rather than published.
    pub fn derived(&self) -> bool {
        self.series == Series::Derived
    }
}

/// A vintage note of the compiler.
#[derive(Clone, Debug, PartialEq)]
pub struct PanelNote {
    /// The note as written (starts with the source letter).
    pub text: String,
    /// The cell was found suspect (`CAUTION`): excluded by default.
    pub caution: bool,
}

/// One value of one source for a (city, year, indicator) cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PanelValue {
    /// GB/T 2260 code of the unit.
    pub adcode: u32,
    /// Calendar year.
    pub year: i32,
    /// Index into [`CityPanel::indicators`].
    pub indicator: u8,
    /// Index into [`CityPanel::sources`].
    pub source: u8,
    /// Index into [`CityPanel::notes`].
    pub note: u16,
    /// The value in the indicator's canonical unit.
    pub value: f64,
}

/// The decoded panel: every value of every source, sorted by (adcode, indicator, year).
#[derive(Debug)]
pub struct CityPanel {
    pub(crate) indicators: Vec<&'static str>,
    pub(crate) sources: Vec<PanelSource>,
    pub(crate) notes: Vec<PanelNote>,
    pub(crate) values: Vec<PanelValue>,
    pub(crate) breaks: Vec<Break>,
}

static PANEL: OnceLock<CityPanel> = OnceLock::new();

/// The compiled-in panel, decoded on first use (a command that never calls this never pays
/// for it; `benches/src/bin/panel.rs` prints the decode time).
///
/// # Panics
/// If the compiled-in files are defective: a build defect that the tests catch by calling
/// [`CityPanel::decode`].
pub fn panel() -> &'static CityPanel {
    PANEL.get_or_init(|| {
        CityPanel::decode().unwrap_or_else(|e| {
            panic!("the compiled-in city panel is defective (build defect): {e}")
        })
    })
}

/// Whether [`panel`] has decoded the panel in this process: a command that does not need the
/// panel leaves this `false` (the tests of the command line check it).
pub fn is_decoded() -> bool {
    PANEL.get().is_some()
}

impl CityPanel {
    /// Inflates and parses the compiled-in files.
    ///
    /// # Errors
    /// The first defective row, located by file and row.
    pub fn decode() -> Result<CityPanel, PanelError> {
        let mut text = String::with_capacity(5 << 20);
        flate2::read::DeflateDecoder::new(VALUES_DEFLATED)
            .read_to_string(&mut text)
            .map_err(|e| row_error("values.csv", 0, format!("does not inflate: {e}")))?;
        let sources = parse_sources()?;
        let notes = parse_notes()?;
        let (indicators, values) = parse_values(&text, &sources, &notes)?;
        let breaks = parse_breaks(BREAKS_CSV)?;
        Ok(CityPanel {
            indicators,
            sources,
            notes,
            values,
            breaks,
        })
    }

    /// The indicator ids present, indexed by [`PanelValue::indicator`].
    pub fn indicators(&self) -> &[&'static str] {
        &self.indicators
    }

    /// The sources, indexed by [`PanelValue::source`].
    pub fn sources(&self) -> &[PanelSource] {
        &self.sources
    }

    /// The source of a value.
    pub fn source_of(&self, v: &PanelValue) -> &PanelSource {
        &self.sources[usize::from(v.source)]
    }

    /// The note of a value.
    pub fn note_of(&self, v: &PanelValue) -> &PanelNote {
        &self.notes[usize::from(v.note)]
    }

    /// The indicator id of a value.
    pub fn indicator_of(&self, v: &PanelValue) -> &'static str {
        self.indicators[usize::from(v.indicator)]
    }

    /// Every value (all sources), sorted by (adcode, indicator, year, source).
    pub fn values(&self) -> &[PanelValue] {
        &self.values
    }

    /// The declared series breaks.
    pub fn breaks(&self) -> &[Break] {
        &self.breaks
    }

    /// The index of an indicator id, if the panel has it.
    pub fn indicator_index(&self, id: &str) -> Option<u8> {
        self.indicators
            .iter()
            .position(|i| *i == id)
            .map(|i| i as u8)
    }

    /// The distinct adcodes of the panel, ascending.
    pub fn adcodes(&self) -> Vec<u32> {
        let mut codes: Vec<u32> = self.values.iter().map(|v| v.adcode).collect();
        codes.dedup();
        codes
    }

    /// Every value of every source for one cell (the alternates), in source order.
    pub fn cell(&self, adcode: u32, indicator: &str, year: i32) -> &[PanelValue] {
        let Some(ind) = self.indicator_index(indicator) else {
            return &[];
        };
        let key = |v: &PanelValue| (v.adcode, v.indicator, v.year);
        let start = self
            .values
            .partition_point(|v| key(v) < (adcode, ind, year));
        let end = self
            .values
            .partition_point(|v| key(v) <= (adcode, ind, year));
        &self.values[start..end]
    }

    /// Every value of one unit and indicator, all years and sources.
    pub fn series_of(&self, adcode: u32, indicator: &str) -> &[PanelValue] {
        let Some(ind) = self.indicator_index(indicator) else {
            return &[];
        };
        let key = |v: &PanelValue| (v.adcode, v.indicator);
        let start = self.values.partition_point(|v| key(v) < (adcode, ind));
        let end = self.values.partition_point(|v| key(v) <= (adcode, ind));
        &self.values[start..end]
    }
}

fn row_error(file: &'static str, row: usize, rule: String) -> PanelError {
    PanelError::Row { file, row, rule }
}

fn reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().from_reader(text.as_bytes())
}

fn parse_sources() -> Result<Vec<PanelSource>, PanelError> {
    let file = "sources.csv";
    let mut out = Vec::new();
    for (i, rec) in reader(SOURCES_CSV).records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| row_error(file, row, e.to_string()))?;
        let field = |k: usize| rec.get(k).unwrap_or("").to_string();
        let rank = field(2)
            .parse()
            .map_err(|_| row_error(file, row, format!("rank {:?} is not 1-6", field(2))))?;
        let series = Series::parse(&field(3))
            .ok_or_else(|| row_error(file, row, format!("unknown series {:?}", field(3))))?;
        out.push(PanelSource {
            id: field(0),
            letter: field(1),
            rank,
            series,
            citation: field(4),
            description: field(5),
        });
    }
    Ok(out)
}

fn parse_notes() -> Result<Vec<PanelNote>, PanelError> {
    let file = "notes.csv";
    let mut out = vec![PanelNote {
        text: String::new(),
        caution: false,
    }];
    for (i, rec) in reader(NOTES_CSV).records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| row_error(file, row, e.to_string()))?;
        if rec.get(0) != Some((i + 1).to_string().as_str()) {
            return Err(row_error(file, row, "ids must run 1, 2, 3, ...".into()));
        }
        out.push(PanelNote {
            caution: rec.get(1) == Some("1"),
            text: rec.get(2).unwrap_or("").to_string(),
        });
    }
    Ok(out)
}

type Values = (Vec<&'static str>, Vec<PanelValue>);

fn parse_values(
    text: &str,
    sources: &[PanelSource],
    notes: &[PanelNote],
) -> Result<Values, PanelError> {
    let file = "values.csv";
    let source_index: HashMap<&str, u8> = sources
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i as u8))
        .collect();
    let mut indicators: Vec<&'static str> = Vec::new();
    let mut values = Vec::with_capacity(110_000);
    for (i, line) in text.lines().enumerate().skip(1) {
        let row = i + 1;
        let fail = |rule: String| row_error(file, row, rule);
        let f: Vec<&str> = line.split(',').collect();
        let [adcode, year, ind, value, unit, source, note] = f[..] else {
            return Err(fail(format!("expected 7 fields, found {}", f.len())));
        };
        let meta = indicator(ind).ok_or_else(|| fail(format!("unknown indicator {ind:?}")))?;
        if Unit::parse(unit).map(|u| meta.interpret_unit(u)) != Some(meta.unit) {
            return Err(fail(format!(
                "{ind} must be in {}, found {unit:?}",
                meta.unit
            )));
        }
        let value: f64 = value
            .parse()
            .map_err(|_| fail(format!("value {value:?} is not a number")))?;
        if !value.is_finite() || (meta.non_negative && value < 0.0) {
            return Err(fail(format!("{ind} = {value} is impossible")));
        }
        let ind_idx = match indicators.iter().position(|x| *x == meta.id) {
            Some(p) => p,
            None => {
                indicators.push(meta.id);
                indicators.len() - 1
            }
        };
        let note: u16 = note
            .parse()
            .map_err(|_| fail(format!("note {note:?} is not a note id")))?;
        if usize::from(note) >= notes.len() || note == 0 {
            return Err(fail(format!("note {note} is not in notes.csv")));
        }
        values.push(PanelValue {
            adcode: adcode
                .parse()
                .map_err(|_| fail(format!("adcode {adcode:?}")))?,
            year: year.parse().map_err(|_| fail(format!("year {year:?}")))?,
            indicator: ind_idx as u8,
            source: *source_index
                .get(source)
                .ok_or_else(|| fail(format!("unknown source {source:?}")))?,
            note,
            value,
        });
    }
    values.sort_by_key(|v| (v.adcode, v.indicator, v.year, v.source));
    Ok((indicators, values))
}
