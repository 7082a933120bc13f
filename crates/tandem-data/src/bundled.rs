//! The bundled data set: everything under `data/` compiled into the binary.
//!
//! The files are included with `include_str!` and parsed once, on first use, into a
//! [`Bundle`] ([`bundle`]). Every parser is a fallible public function so that a defect in a
//! data file shows up as a located error (file, row, column, rule) in the tests; [`bundle`]
//! itself panics on such an error, because a defective bundled file is a build defect, not a
//! user error.
//!
//! Provenance travels with the data: [`SOURCES_MD`], [`IO_README_MD`], [`GEO_README_MD`] and
//! the classifications' README (`classification::README_MD`).

use crate::io_csv::{parse_io_table, IoCsvError};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::str::FromStr;
use std::sync::OnceLock;
use tandem_core::{
    Classification, CooperationEvent, EventKind, IndustryRole, IoTable, LeadingIndustry, Locality,
    LocalityLevel, Observation, ObservationKey, Pair, PartialDate, Programme, Province, Source,
    SourceQuality, Unit, INDICATORS,
};

/// data/SOURCES.md: where every bundled figure comes from, coverage and caveats.
pub const SOURCES_MD: &str = include_str!("../../../data/SOURCES.md");

/// The advisor's default weights (data/advisor_weights.toml).
pub const ADVISOR_WEIGHTS_TOML: &str = include_str!("../../../data/advisor_weights.toml");
/// data/io/README.md: provenance and layout of the national input-output tables.
pub const IO_README_MD: &str = include_str!("../../../data/io/README.md");
/// data/geo/README.md: provenance of the boundary files.
pub const GEO_README_MD: &str = include_str!("../../../data/geo/README.md");
/// Simplified outlines of the Yangtze River Delta localities (GeoJSON FeatureCollection;
/// properties `id`, `name_zh`, `province`, `level`). The full-resolution file is not bundled.
pub const BOUNDARIES_SIMPLIFIED_GEOJSON: &str =
    include_str!("../../../data/geo/yrd_boundaries_simplified.geojson");

/// data/localities.csv: the 16 paired localities.
pub const LOCALITIES_CSV: &str = include_str!("../../../data/localities.csv");
/// data/yrd41_localities.csv: the 41 cities of the Yangtze River Delta.
pub const YRD41_LOCALITIES_CSV: &str = include_str!("../../../data/yrd41_localities.csv");
/// data/city_panel/cities.csv: every other prefecture-level unit of the city panel (2000-2023),
/// with adcodes and coordinates from the `cpca` 0.5.5 package and pinyin English names.
pub const CITIES_CSV: &str = include_str!("../../../data/city_panel/cities.csv");
/// data/localities_sources.csv: provenance of every adcode, coordinate and area.
pub const LOCALITIES_SOURCES_CSV: &str = include_str!("../../../data/localities_sources.csv");
/// data/pairs.csv: the 8 pairs of the programme.
pub const PAIRS_CSV: &str = include_str!("../../../data/pairs.csv");
/// data/indicators.csv: chosen values for the 16 localities and the reference aggregates.
pub const INDICATORS_CSV: &str = include_str!("../../../data/indicators.csv");
/// data/yrd41.csv: chosen values for the 41 Yangtze River Delta cities.
pub const YRD41_CSV: &str = include_str!("../../../data/yrd41.csv");
/// data/indicators_alternates.csv: every value seen, with source rank and whether chosen.
pub const INDICATORS_ALTERNATES_CSV: &str = include_str!("../../../data/indicators_alternates.csv");
/// data/cooperation_events.csv: dated cooperation facts.
pub const COOPERATION_EVENTS_CSV: &str = include_str!("../../../data/cooperation_events.csv");
/// data/leading_industries.csv: leading, pillar and emerging industries (CRLF line ends).
pub const LEADING_INDUSTRIES_CSV: &str = include_str!("../../../data/leading_industries.csv");
/// data/io/china_2017_42.csv.
pub const IO_2017_42_CSV: &str = include_str!("../../../data/io/china_2017_42.csv");
/// data/io/china_2018_42.csv.
pub const IO_2018_42_CSV: &str = include_str!("../../../data/io/china_2018_42.csv");
/// data/io/china_2020_42.csv.
pub const IO_2020_42_CSV: &str = include_str!("../../../data/io/china_2020_42.csv");
/// data/io/china_2020_153.csv.
pub const IO_2020_153_CSV: &str = include_str!("../../../data/io/china_2020_153.csv");

/// The id of the bundled programme.
pub const PROGRAMME_ID: &str = "yrd-north-anhui-2021";
/// The dataset name every bundled observation's [`Source::dataset`] carries.
pub const DATASET: &str = "bundled";

/// A defect in a bundled (or similarly laid out) data file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DataError {
    /// A cell, row or header that breaks a rule. `row` is 1-based, the header is row 1.
    #[error("{file}, row {row}, column {column}: {rule}")]
    Cell {
        file: String,
        row: usize,
        column: String,
        rule: String,
    },
    /// An input-output table that does not parse.
    #[error(transparent)]
    IoTable(#[from] IoCsvError),
}

/// A value seen for an observation key, chosen or not (data/indicators_alternates.csv).
#[derive(Clone, Debug, PartialEq)]
pub struct AlternateObservation {
    /// The value with its unit and source; `source.quality` is the file's `source_rank`.
    pub observation: Observation,
    /// Whether this value is the one in indicators.csv / yrd41.csv.
    pub chosen: bool,
    /// Vintage, rounding or other caveats, as written by the compiler.
    pub note: String,
}

/// Two bundled files giving different values (or units) for the same observation key.
///
/// The value of the first file (indicators.csv) is kept; conflicts are listed so that a test
/// can report them instead of one value silently disappearing.
#[derive(Clone, Debug, PartialEq)]
pub struct ObservationConflict {
    /// The value kept (from the file of higher precedence).
    pub kept: Observation,
    /// The file it came from.
    pub kept_file: String,
    /// The value that disagrees with it.
    pub other: Observation,
    /// The file that came from.
    pub other_file: String,
}

/// The bundled data set, parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct Bundle {
    /// localities.csv ∪ yrd41_localities.csv (localities.csv wins on a shared id) ∪ the other
    /// prefecture-level units of the city panel (city_panel/cities.csv), then the
    /// reference aggregates (provinces, the Yangtze River Delta, northern Anhui).
    pub localities: Vec<Locality>,
    /// The 2021 pairing programme from pairs.csv ([`PROGRAMME_ID`]).
    pub programme: Programme,
    /// indicators.csv ∪ yrd41.csv, one per key, sorted by (locality, year, indicator).
    pub observations: Vec<Observation>,
    /// Every value seen, chosen or not (indicators_alternates.csv), in file order.
    pub alternates: Vec<AlternateObservation>,
    /// Cooperation events (cooperation_events.csv), in file order.
    pub events: Vec<CooperationEvent>,
    /// Leading, pillar, emerging and cooperation-focus industries (leading_industries.csv).
    pub leading_industries: Vec<LeadingIndustry>,
    /// 2017, 2018 and 2020 with 42 sectors, 2020 with 153 sectors.
    pub io_tables: Vec<IoTable>,
    /// Keys on which indicators.csv and yrd41.csv disagree (expected: none).
    pub conflicts: Vec<ObservationConflict>,
}

static BUNDLE: OnceLock<Bundle> = OnceLock::new();

/// The bundled data set, parsed on first use.
///
/// # Panics
/// If a bundled file is defective: that is a build defect, caught by the tests, which call
/// [`Bundle::load`] to see the located error.
pub fn bundle() -> &'static Bundle {
    BUNDLE.get_or_init(|| {
        Bundle::load()
            .unwrap_or_else(|e| panic!("the bundled data set is defective (build defect): {e}"))
    })
}

impl Bundle {
    /// Parses every bundled file.
    ///
    /// # Errors
    /// The first defect found, located by file, row and column.
    pub fn load() -> Result<Bundle, DataError> {
        let mut localities = parse_localities(LOCALITIES_CSV, "data/localities.csv")?;
        let known: HashSet<String> = localities.iter().map(|l| l.id.clone()).collect();
        localities.extend(
            parse_localities(YRD41_LOCALITIES_CSV, "data/yrd41_localities.csv")?
                .into_iter()
                .filter(|l| !known.contains(&l.id)),
        );
        let known_codes: HashSet<u32> = localities.iter().filter_map(|l| l.adcode).collect();
        let known: HashSet<String> = localities.iter().map(|l| l.id.clone()).collect();
        localities.extend(
            parse_localities(CITIES_CSV, "data/city_panel/cities.csv")?
                .into_iter()
                .filter(|l| {
                    !known.contains(&l.id) && !l.adcode.is_some_and(|c| known_codes.contains(&c))
                }),
        );
        localities.extend(reference_aggregates());

        let alternates =
            parse_alternates(INDICATORS_ALTERNATES_CSV, "data/indicators_alternates.csv")?;
        let main = parse_observations(INDICATORS_CSV, "data/indicators.csv", &alternates)?;
        let yrd41 = parse_observations(YRD41_CSV, "data/yrd41.csv", &alternates)?;
        let (observations, conflicts) = merge_observations(vec![
            ("data/indicators.csv".to_string(), main),
            ("data/yrd41.csv".to_string(), yrd41),
        ]);

        let io_tables = vec![
            io_table(IO_2017_42_CSV, "data/io/china_2017_42.csv", 2017, 42)?,
            io_table(IO_2018_42_CSV, "data/io/china_2018_42.csv", 2018, 42)?,
            io_table(IO_2020_42_CSV, "data/io/china_2020_42.csv", 2020, 42)?,
            io_table(IO_2020_153_CSV, "data/io/china_2020_153.csv", 2020, 153)?,
        ];

        Ok(Bundle {
            localities,
            programme: parse_programme(PAIRS_CSV, "data/pairs.csv")?,
            observations,
            alternates,
            events: parse_events(COOPERATION_EVENTS_CSV, "data/cooperation_events.csv")?,
            leading_industries: parse_leading_industries(
                LEADING_INDUSTRIES_CSV,
                "data/leading_industries.csv",
            )?,
            io_tables,
            conflicts,
        })
    }

    /// A locality by id (`js-suzhou`, `ah-anhui`).
    pub fn locality(&self, id: &str) -> Option<&Locality> {
        self.localities.iter().find(|l| l.id == id)
    }

    /// The programme's localities, helper then helped of each pair, in pair order (the 16 of
    /// localities.csv). A pair whose locality is unknown contributes nothing for it; the
    /// tests check that none is.
    pub fn programme_localities(&self) -> Vec<&Locality> {
        self.programme
            .pairs
            .iter()
            .flat_map(|p| [p.helper.as_str(), p.helped.as_str()])
            .filter_map(|id| self.locality(id))
            .collect()
    }

    /// The input-output table of a year in a classification (2017/2018/2020 `Io42`, 2020
    /// `Io153`).
    pub fn io_table(&self, year: i32, classification: &Classification) -> Option<&IoTable> {
        self.io_tables
            .iter()
            .find(|t| t.year == year && &t.classification == classification)
    }

    /// Every observation of one indicator for one locality, oldest year first.
    pub fn observations_for(&self, locality: &str, indicator: &str) -> Vec<&Observation> {
        // Observations are sorted by key, so a locality's years come out in order.
        self.observations
            .iter()
            .filter(|o| o.locality == locality && o.indicator == indicator)
            .collect()
    }

    /// The observation of the latest year with a value, or `None` if there is none.
    pub fn latest(&self, locality: &str, indicator: &str) -> Option<&Observation> {
        self.observations
            .iter()
            .filter(|o| o.locality == locality && o.indicator == indicator)
            .max_by_key(|o| o.year)
    }
}

/// Parses one bundled input-output table and checks it has the expected number of sectors.
fn io_table(text: &str, file: &str, year: i32, sectors: usize) -> Result<IoTable, DataError> {
    let layout = if sectors == 153 {
        "competitive"
    } else {
        "non-competitive"
    };
    let source = format!(
        "National Bureau of Statistics of China, input-output table of China {year}, {sectors} \
         sectors ({layout}), 10,000 yuan at producers' prices; via R package ionet 0.2.2 \
         ({file})"
    );
    let table = parse_io_table(text, file, year, &source)?;
    if table.n() != sectors {
        return Err(DataError::Cell {
            file: file.to_string(),
            row: 1,
            column: String::new(),
            rule: format!("expected {sectors} sector columns, found {}", table.n()),
        });
    }
    Ok(table)
}

/// The reference aggregates that indicators.csv uses but no localities file lists.
///
/// Province adcodes are the GB/T 2260 province codes; aggregates have none. The northern-Anhui
/// aggregate (皖北) is the six cities of Huaibei, Bozhou, Suzhou, Bengbu, Fuyang and Huainan,
/// as in the source of its figures (see data/SOURCES.md). The aggregates' Chinese names carry
/// no 地区 suffix so that `Locality::short_name_zh` (which strips 区) leaves them whole.
pub fn reference_aggregates() -> Vec<Locality> {
    let place = |id: &str, adcode: Option<u32>, zh: &str, en: &str, province, level| Locality {
        id: id.to_string(),
        adcode,
        name_zh: zh.to_string(),
        name_en: en.to_string(),
        province,
        level,
        lat: None,
        lon: None,
        area_km2: None,
    };
    vec![
        place(
            "ah-anhui",
            Some(340000),
            "安徽省",
            "Anhui",
            Province::Anhui,
            LocalityLevel::Province,
        ),
        place(
            "js-jiangsu",
            Some(320000),
            "江苏省",
            "Jiangsu",
            Province::Jiangsu,
            LocalityLevel::Province,
        ),
        place(
            "zj-zhejiang",
            Some(330000),
            "浙江省",
            "Zhejiang",
            Province::Zhejiang,
            LocalityLevel::Province,
        ),
        place(
            "yrd",
            None,
            "长江三角洲",
            "Yangtze River Delta (Shanghai, Jiangsu, Zhejiang, Anhui)",
            Province::Other("Yangtze River Delta".to_string()),
            LocalityLevel::Aggregate,
        ),
        place(
            "ah-north",
            None,
            "皖北",
            "Northern Anhui",
            Province::Anhui,
            LocalityLevel::Aggregate,
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// A small CSV reader that locates every error.

/// A CSV file read into memory with its header, for located errors.
pub(crate) struct CsvFile {
    file: String,
    columns: HashMap<String, usize>,
    records: Vec<csv::StringRecord>,
}

/// One data row of a [`CsvFile`].
pub(crate) struct CsvRow<'a> {
    csv: &'a CsvFile,
    record: &'a csv::StringRecord,
    /// 1-based row number, header = 1.
    pub(crate) number: usize,
}

impl CsvFile {
    /// Reads `text`, requiring the named columns in the header.
    pub(crate) fn parse(text: &str, file: &str, required: &[&str]) -> Result<CsvFile, DataError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut records = Vec::new();
        for (index, record) in reader.records().enumerate() {
            let record = record
                .map_err(|e| cell_error(file, index + 1, "", format!("malformed CSV: {e}")))?;
            records.push(record);
        }
        if records.is_empty() {
            return Err(cell_error(
                file,
                1,
                "",
                "empty file: no header row".to_string(),
            ));
        }
        let header = records.remove(0);
        let mut columns = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            if columns.insert(name.trim().to_string(), i).is_some() {
                return Err(cell_error(
                    file,
                    1,
                    name,
                    format!("duplicate column {name}"),
                ));
            }
        }
        for name in required {
            if !columns.contains_key(*name) {
                return Err(cell_error(file, 1, name, format!("missing column {name}")));
            }
        }
        for (index, record) in records.iter().enumerate() {
            if record.len() != header.len() {
                return Err(cell_error(
                    file,
                    index + 2,
                    "",
                    format!(
                        "the row has {} fields but the header has {}",
                        record.len(),
                        header.len()
                    ),
                ));
            }
        }
        Ok(CsvFile {
            file: file.to_string(),
            columns,
            records,
        })
    }

    /// The data rows, skipping blank lines.
    pub(crate) fn rows(&self) -> impl Iterator<Item = CsvRow<'_>> {
        self.records
            .iter()
            .enumerate()
            .filter(|(_, r)| r.iter().any(|f| !f.trim().is_empty()))
            .map(|(i, record)| CsvRow {
                csv: self,
                record,
                number: i + 2,
            })
    }
}

fn cell_error(file: &str, row: usize, column: &str, rule: String) -> DataError {
    DataError::Cell {
        file: file.to_string(),
        row,
        column: column.to_string(),
        rule,
    }
}

impl CsvRow<'_> {
    /// A located error for a column of this row.
    pub(crate) fn error(&self, column: &str, rule: impl Into<String>) -> DataError {
        cell_error(&self.csv.file, self.number, column, rule.into())
    }

    /// The trimmed text of a column (empty if the column is absent; callers require columns
    /// in [`CsvFile::parse`]).
    pub(crate) fn text(&self, column: &str) -> &str {
        self.csv
            .columns
            .get(column)
            .and_then(|&i| self.record.get(i))
            .map_or("", str::trim)
    }

    /// A column that must not be empty.
    pub(crate) fn required(&self, column: &str) -> Result<&str, DataError> {
        let t = self.text(column);
        if t.is_empty() {
            Err(self.error(column, "empty cell where a value is required"))
        } else {
            Ok(t)
        }
    }

    /// An optional column: `None` when empty.
    pub(crate) fn optional(&self, column: &str) -> Option<&str> {
        Some(self.text(column)).filter(|t| !t.is_empty())
    }

    /// A required value parsed with `FromStr`; `what` names the expected kind in the error.
    pub(crate) fn parse<T: FromStr>(&self, column: &str, what: &str) -> Result<T, DataError> {
        let t = self.required(column)?;
        t.parse()
            .map_err(|_| self.error(column, format!("not {what}: {t:?}")))
    }

    /// An optional value parsed with `FromStr`.
    pub(crate) fn parse_optional<T: FromStr>(
        &self,
        column: &str,
        what: &str,
    ) -> Result<Option<T>, DataError> {
        self.optional(column)
            .map(|t| {
                t.parse()
                    .map_err(|_| self.error(column, format!("not {what}: {t:?}")))
            })
            .transpose()
    }

    /// A required finite number.
    pub(crate) fn number(&self, column: &str) -> Result<f64, DataError> {
        let v: f64 = self.parse(column, "a number")?;
        finite(self, column, v)
    }

    /// An optional finite number.
    pub(crate) fn number_optional(&self, column: &str) -> Result<Option<f64>, DataError> {
        self.parse_optional::<f64>(column, "a number")?
            .map(|v| finite(self, column, v))
            .transpose()
    }
}

fn finite(row: &CsvRow<'_>, column: &str, v: f64) -> Result<f64, DataError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(row.error(column, format!("not a finite number: {v}")))
    }
}

// ---------------------------------------------------------------------------------------
// Parsers, one per file layout.

/// Parses a localities file (localities.csv, yrd41_localities.csv layout):
/// `id,name_zh,name_en,province,role,pair_id,adcode,level,lat,lon,area_km2`.
///
/// `role` and `pair_id` are not stored (pairs.csv is authoritative); empty adcode, lat, lon
/// and area are `None`.
///
/// # Errors
/// Missing columns, empty id or names, a duplicate id, an unknown level, a non-numeric
/// adcode or coordinate.
pub fn parse_localities(text: &str, file: &str) -> Result<Vec<Locality>, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "id", "name_zh", "name_en", "province", "adcode", "level", "lat", "lon", "area_km2",
        ],
    )?;
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in csv.rows() {
        let id = row.required("id")?;
        if !seen.insert(id.to_string()) {
            return Err(row.error("id", format!("duplicate id {id}")));
        }
        let level_text = row.required("level")?;
        let level = LocalityLevel::parse(level_text).ok_or_else(|| {
            row.error("level", format!("unknown level {level_text:?}: expected province, province-level city, prefecture, district, county or aggregate"))
        })?;
        out.push(Locality {
            id: id.to_string(),
            adcode: row.parse_optional("adcode", "a six-digit administrative code")?,
            name_zh: row.required("name_zh")?.to_string(),
            name_en: row.required("name_en")?.to_string(),
            province: Province::parse(row.required("province")?),
            level,
            lat: row.number_optional("lat")?,
            lon: row.number_optional("lon")?,
            area_km2: row.number_optional("area_km2")?,
        });
    }
    Ok(out)
}

/// Parses pairs.csv into the bundled programme (`yrd-north-anhui-2021`).
///
/// Layout: `pair_id,helper_id,helped_id,program,start_year,end_year,source_url`. The
/// programme's name is the `program` column (the same on every row), its term the widest of
/// the pairs' terms and its source the first pair's source. Sub-pairs are not in the file.
///
/// # Errors
/// Missing columns or cells, a duplicate pair id, non-integer years, rows naming different
/// programmes, an empty file.
pub fn parse_programme(text: &str, file: &str) -> Result<Programme, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "pair_id",
            "helper_id",
            "helped_id",
            "program",
            "start_year",
            "end_year",
            "source_url",
        ],
    )?;
    let mut name: Option<String> = None;
    let mut pairs: Vec<Pair> = Vec::new();
    for row in csv.rows() {
        let program = row.required("program")?;
        match &name {
            None => name = Some(program.to_string()),
            Some(n) if n != program => {
                return Err(row.error(
                    "program",
                    format!("a second programme {program:?} (the file is for {n:?})"),
                ));
            }
            Some(_) => {}
        }
        let id = row.required("pair_id")?;
        if pairs.iter().any(|p| p.id == id) {
            return Err(row.error("pair_id", format!("duplicate pair id {id}")));
        }
        let start_year = row.parse("start_year", "a year")?;
        let end_year = row.parse("end_year", "a year")?;
        if end_year < start_year {
            return Err(row.error(
                "end_year",
                format!("end year {end_year} before start year {start_year}"),
            ));
        }
        pairs.push(Pair {
            id: id.to_string(),
            helper: row.required("helper_id")?.to_string(),
            helped: row.required("helped_id")?.to_string(),
            start_year,
            end_year,
            sub_pairs: Vec::new(),
            source: row.required("source_url")?.to_string(),
        });
    }
    let name =
        name.ok_or_else(|| cell_error(file, 2, "pair_id", "no pairs in the file".to_string()))?;
    Ok(Programme {
        id: PROGRAMME_ID.to_string(),
        name,
        start_year: pairs.iter().map(|p| p.start_year).min().unwrap_or_default(),
        end_year: pairs.iter().map(|p| p.end_year).max().unwrap_or_default(),
        source: pairs.first().map(|p| p.source.clone()).unwrap_or_default(),
        pairs,
    })
}

/// Reads the value, unit and indicator of an observation row and checks them against the
/// indicator catalogue: the indicator must be known and the unit (after
/// `Indicator::interpret_unit`, so per-capita "yuan" is yuan per person) must measure what
/// the indicator measures.
fn observation_core(row: &CsvRow<'_>) -> Result<(String, i32, String, f64, Unit), DataError> {
    let locality = row.required("locality_id")?.to_string();
    let year: i32 = row.parse("year", "a year")?;
    let indicator_id = row.required("indicator")?;
    let indicator = INDICATORS
        .iter()
        .find(|i| i.id == indicator_id)
        .ok_or_else(|| {
            row.error(
                "indicator",
                format!("unknown indicator {indicator_id:?} (not in tandem_core::INDICATORS)"),
            )
        })?;
    let unit_text = row.required("unit")?;
    let unit = Unit::parse(unit_text).ok_or_else(|| {
        let known: Vec<&str> = Unit::ALL.iter().map(|u| u.code()).collect();
        row.error(
            "unit",
            format!(
                "unknown unit {unit_text:?}: expected one of {}",
                known.join(", ")
            ),
        )
    })?;
    let unit = indicator.interpret_unit(unit);
    if unit.dimension() != indicator.unit.dimension() {
        return Err(row.error(
            "unit",
            format!(
                "unit {unit} measures {:?} but indicator {} is in {} ({:?})",
                unit.dimension(),
                indicator.id,
                indicator.unit,
                indicator.unit.dimension()
            ),
        ));
    }
    let value = row.number("value")?;
    Ok((locality, year, indicator.id.to_string(), value, unit))
}

/// Parses indicators_alternates.csv:
/// `locality_id,year,indicator,value,unit,source_url,source_rank,chosen,note`.
///
/// `source_rank` becomes [`SourceQuality::Rank`] (empty: `Unrated`); `chosen` is `yes`/`no`.
///
/// # Errors
/// As [`parse_observations`], plus a non-integer rank or a `chosen` other than yes/no.
pub fn parse_alternates(text: &str, file: &str) -> Result<Vec<AlternateObservation>, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "locality_id",
            "year",
            "indicator",
            "value",
            "unit",
            "source_url",
            "source_rank",
            "chosen",
            "note",
        ],
    )?;
    let mut out = Vec::new();
    for row in csv.rows() {
        let (locality, year, indicator, value, unit) = observation_core(&row)?;
        let quality = match row.parse_optional::<u8>("source_rank", "a source rank (1-9)")? {
            Some(rank) => SourceQuality::Rank(rank),
            None => SourceQuality::Unrated,
        };
        let chosen = match row.required("chosen")? {
            "yes" => true,
            "no" => false,
            other => {
                return Err(row.error("chosen", format!("expected yes or no, found {other:?}")))
            }
        };
        out.push(AlternateObservation {
            observation: Observation {
                locality,
                year,
                indicator,
                value,
                unit,
                source: Source::new(
                    row.required("source_url")?.to_string(),
                    quality,
                    DATASET.to_string(),
                ),
            },
            chosen,
            note: row.text("note").to_string(),
        });
    }
    Ok(out)
}

/// Parses a long-format indicator file (indicators.csv, yrd41.csv):
/// `locality_id,year,indicator,value,unit,source_url`.
///
/// The source quality is the `source_rank` of the chosen alternate with the same key and
/// value, `Unrated` if there is none. Every row must have a source.
///
/// # Errors
/// Missing columns or cells (including an empty source), an unknown indicator or unit, a
/// unit of the wrong dimension for its indicator, a non-numeric value, a key repeated within
/// the file.
pub fn parse_observations(
    text: &str,
    file: &str,
    alternates: &[AlternateObservation],
) -> Result<Vec<Observation>, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "locality_id",
            "year",
            "indicator",
            "value",
            "unit",
            "source_url",
        ],
    )?;
    let mut chosen: HashMap<ObservationKey, Vec<&Observation>> = HashMap::new();
    for a in alternates.iter().filter(|a| a.chosen) {
        chosen
            .entry(a.observation.key())
            .or_default()
            .push(&a.observation);
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for row in csv.rows() {
        let (locality, year, indicator, value, unit) = observation_core(&row)?;
        let citation = row.required("source_url")?.to_string();
        let observation = Observation {
            locality,
            year,
            indicator,
            value,
            unit,
            source: Source::new(citation, SourceQuality::Unrated, DATASET.to_string()),
        };
        let key = observation.key();
        if !seen.insert(key.clone()) {
            return Err(row.error(
                "indicator",
                format!(
                    "a second value for {} {} {} in the same file",
                    key.locality, key.year, key.indicator
                ),
            ));
        }
        let quality = chosen
            .get(&key)
            .and_then(|c| c.iter().find(|a| a.value == value && a.unit == unit))
            .map_or(SourceQuality::Unrated, |a| a.source.quality);
        out.push(Observation {
            source: Source {
                quality,
                ..observation.source
            },
            ..observation
        });
    }
    Ok(out)
}

/// Merges observation files in order of precedence: the first file's value is kept for a
/// key; an identical value (same value and unit) later is a repeat and dropped; a different
/// one is returned as a conflict. The result is sorted by key.
pub fn merge_observations(
    files: Vec<(String, Vec<Observation>)>,
) -> (Vec<Observation>, Vec<ObservationConflict>) {
    let mut merged: BTreeMap<ObservationKey, (String, Observation)> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for (file, observations) in files {
        for o in observations {
            match merged.get(&o.key()) {
                None => {
                    merged.insert(o.key(), (file.clone(), o));
                }
                Some((_, kept)) if kept.value == o.value && kept.unit == o.unit => {}
                Some((kept_file, kept)) => conflicts.push(ObservationConflict {
                    kept: kept.clone(),
                    kept_file: kept_file.clone(),
                    other: o,
                    other_file: file.clone(),
                }),
            }
        }
    }
    (merged.into_values().map(|(_, o)| o).collect(), conflicts)
}

/// Parses cooperation_events.csv:
/// `pair_id,date,kind,title,amount_yuan,industries,summary,source_url`.
///
/// `pair_id` `all` means programme-wide (`None`); an empty date or amount is `None` (not
/// zero); industries are split on `;`.
///
/// # Errors
/// Missing columns or cells, an unparseable date (YYYY, YYYY-MM or YYYY-MM-DD), an unknown
/// kind, a non-numeric or negative amount.
pub fn parse_events(text: &str, file: &str) -> Result<Vec<CooperationEvent>, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "pair_id",
            "date",
            "kind",
            "title",
            "amount_yuan",
            "industries",
            "summary",
            "source_url",
        ],
    )?;
    let mut out = Vec::new();
    for row in csv.rows() {
        let pair = match row.required("pair_id")? {
            "all" => None,
            id => Some(id.to_string()),
        };
        let date = match row.optional("date") {
            None => None,
            Some(t) => Some(PartialDate::parse(t).ok_or_else(|| {
                row.error(
                    "date",
                    format!("not a date {t:?}: expected YYYY, YYYY-MM or YYYY-MM-DD"),
                )
            })?),
        };
        let kind_text = row.required("kind")?;
        let kind = EventKind::parse(kind_text).ok_or_else(|| {
            row.error("kind", format!("unknown kind {kind_text:?}: expected policy, agreement, park, project, enterprise_transfer or other"))
        })?;
        let amount_yuan = row.number_optional("amount_yuan")?;
        if amount_yuan.is_some_and(|a| a < 0.0) {
            return Err(row.error("amount_yuan", "a negative amount"));
        }
        out.push(CooperationEvent {
            pair,
            date,
            kind,
            title: row.required("title")?.to_string(),
            amount_yuan,
            industries: row
                .text("industries")
                .split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            summary: row.text("summary").to_string(),
            source: row.required("source_url")?.to_string(),
        });
    }
    Ok(out)
}

/// Parses leading_industries.csv:
/// `locality_id,industry_zh,industry_en,io42_code,role,pair_id,year_of_document,source_url`.
///
/// Empty `io42_code`, `pair_id` and `year_of_document` are `None`.
///
/// # Errors
/// Missing columns or cells, an unknown role, a non-integer year.
pub fn parse_leading_industries(text: &str, file: &str) -> Result<Vec<LeadingIndustry>, DataError> {
    let csv = CsvFile::parse(
        text,
        file,
        &[
            "locality_id",
            "industry_zh",
            "industry_en",
            "io42_code",
            "role",
            "pair_id",
            "year_of_document",
            "source_url",
        ],
    )?;
    let mut out = Vec::new();
    for row in csv.rows() {
        let role_text = row.required("role")?;
        let role = IndustryRole::parse(role_text).ok_or_else(|| {
            row.error("role", format!("unknown role {role_text:?}: expected leading, pillar, emerging or cooperation_focus"))
        })?;
        out.push(LeadingIndustry {
            locality: row.required("locality_id")?.to_string(),
            industry_zh: row.required("industry_zh")?.to_string(),
            industry_en: row.required("industry_en")?.to_string(),
            io42_code: row.optional("io42_code").map(str::to_string),
            role,
            pair: row.optional("pair_id").map(str::to_string),
            year_of_document: row.parse_optional("year_of_document", "a year")?,
            source: row.required("source_url")?.to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_errors_are_located() {
        let e = parse_localities("id,name_zh\nx,y\n", "l.csv").unwrap_err();
        assert_eq!(
            e,
            DataError::Cell {
                file: "l.csv".into(),
                row: 1,
                column: "name_en".into(),
                rule: "missing column name_en".into()
            }
        );
        let text = LOCALITIES_CSV.replacen(",district,", ",borough,", 1);
        let e = parse_localities(&text, "data/localities.csv").unwrap_err();
        let message = e.to_string();
        assert!(
            message
                .starts_with("data/localities.csv, row 2, column level: unknown level \"borough\""),
            "{message}"
        );
    }

    #[test]
    fn observation_rules() {
        let head = "locality_id,year,indicator,value,unit,source_url\n";
        let ok = format!("{head}ah-bengbu,2021,gdp_per_capita,60612,yuan,http://x\n");
        let obs = parse_observations(&ok, "o.csv", &[]).unwrap();
        assert_eq!(obs[0].unit, Unit::YuanPerPerson);
        assert_eq!(obs[0].source.quality, SourceQuality::Unrated);
        assert_eq!(obs[0].source.dataset, "bundled");
        let cases = [
            (
                "ah-bengbu,2021,gdp_growth,6.1,percent,http://x",
                "indicator",
                "unknown indicator",
            ),
            (
                "ah-bengbu,2021,gdp,1,furlongs,http://x",
                "unit",
                "unknown unit",
            ),
            (
                "ah-bengbu,2021,gdp,1,10k_persons,http://x",
                "unit",
                "measures",
            ),
            (
                "ah-bengbu,2021,gdp,abc,100m_yuan,http://x",
                "value",
                "not a number",
            ),
            (
                "ah-bengbu,2021,gdp,1,100m_yuan,",
                "source_url",
                "empty cell",
            ),
        ];
        for (line, column, rule) in cases {
            let e = parse_observations(&format!("{head}{line}\n"), "o.csv", &[]).unwrap_err();
            match e {
                DataError::Cell {
                    row,
                    column: c,
                    rule: r,
                    ..
                } => {
                    assert_eq!((row, c.as_str()), (2, column), "{line}");
                    assert!(r.contains(rule), "{line}: {r}");
                }
                other => panic!("{other}"),
            }
        }
        let twice = format!("{head}a,2021,gdp,1,100m_yuan,u\na,2021,gdp,2,100m_yuan,v\n");
        assert!(parse_observations(&twice, "o.csv", &[])
            .unwrap_err()
            .to_string()
            .contains("row 3"));
    }

    #[test]
    fn merge_keeps_first_and_reports_conflicts() {
        let head = "locality_id,year,indicator,value,unit,source_url\n";
        let a = parse_observations(
            &format!("{head}x,2021,gdp,1,100m_yuan,u\ny,2021,gdp,5,100m_yuan,u\n"),
            "a",
            &[],
        )
        .unwrap();
        let b = parse_observations(
            &format!("{head}x,2021,gdp,1,100m_yuan,u\ny,2021,gdp,6,100m_yuan,w\n"),
            "b",
            &[],
        )
        .unwrap();
        let (merged, conflicts) = merge_observations(vec![("a".into(), a), ("b".into(), b)]);
        assert_eq!(merged.len(), 2);
        assert_eq!(conflicts.len(), 1);
        assert_eq!(
            (conflicts[0].kept.value, conflicts[0].other.value),
            (5.0, 6.0)
        );
        assert_eq!(conflicts[0].other_file, "b");
    }

    #[test]
    fn quality_comes_from_the_chosen_alternate_with_the_same_value() {
        let alt_head = "locality_id,year,indicator,value,unit,source_url,source_rank,chosen,note\n";
        let alts = parse_alternates(
            &format!(
                "{alt_head}x,2021,gdp,10,100m_yuan,u,1,no,\nx,2021,gdp,12,100m_yuan,u,3,yes,\n"
            ),
            "alt.csv",
        )
        .unwrap();
        let head = "locality_id,year,indicator,value,unit,source_url\n";
        let obs =
            parse_observations(&format!("{head}x,2021,gdp,12,100m_yuan,u\n"), "o", &alts).unwrap();
        assert_eq!(obs[0].source.quality, SourceQuality::Rank(3));
        let obs =
            parse_observations(&format!("{head}x,2021,gdp,10,100m_yuan,u\n"), "o", &alts).unwrap();
        assert_eq!(obs[0].source.quality, SourceQuality::Unrated);
        let bad = parse_alternates(
            &format!("{alt_head}x,2021,gdp,12,100m_yuan,u,3,maybe,\n"),
            "alt.csv",
        );
        assert!(bad.unwrap_err().to_string().contains("column chosen"));
    }

    #[test]
    fn event_rules() {
        let head = "pair_id,date,kind,title,amount_yuan,industries,summary,source_url\n";
        let ev = parse_events(
            &format!("{head}all,,park,T,,a; b;,s,u\np,2022-06,project,T,2e9,,s,u\n"),
            "e",
        )
        .unwrap();
        assert_eq!(
            (ev[0].pair.as_deref(), ev[0].date, ev[0].amount_yuan),
            (None, None, None)
        );
        assert_eq!(ev[0].industries, ["a", "b"]);
        assert_eq!(ev[1].pair.as_deref(), Some("p"));
        assert_eq!(ev[1].amount_yuan, Some(2e9));
        assert_eq!(ev[1].date.unwrap().month, Some(6));
        let e = parse_events(&format!("{head}all,2022-13,park,T,,,s,u\n"), "e").unwrap_err();
        assert!(e.to_string().contains("column date"), "{e}");
        let e = parse_events(&format!("{head}all,2022,feast,T,,,s,u\n"), "e").unwrap_err();
        assert!(e.to_string().contains("unknown kind"), "{e}");
    }
}
