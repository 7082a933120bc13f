//! The advisor on live records: the bundled statistics and input-output table, with the
//! platform's events and projects as the status layer (a signed project is a project event of
//! its pair, dated by its signing and carrying its agreed amount).

use tandem_core::advisor::{diagnose_pair, AdvisorInput, PairDiagnosis, Weights};
use tandem_core::model::EventKind;
use tandem_core::{Classification, CooperationEvent, PartialDate};
use tandem_platform::db::{Db, DbError};

/// The default advisor weights (data/advisor_weights.toml).
pub fn default_weights() -> Result<Weights, String> {
    let w: Weights = toml::from_str(tandem_data::bundled::ADVISOR_WEIGHTS_TOML)
        .map_err(|e| format!("data/advisor_weights.toml: {e}"))?;
    w.validate()
        .map_err(|e| format!("data/advisor_weights.toml: {e}"))?;
    Ok(w)
}

/// The platform's events plus its signed projects, as cooperation events.
pub fn live_events(db: &Db) -> Result<Vec<CooperationEvent>, DbError> {
    db.read(|c| {
        let mut out = Vec::new();
        for r in c.query(
            "SELECT pair_id, event_date, kind, title, amount_fen, summary, source FROM events ORDER BY id",
            &[],
        )? {
            out.push(CooperationEvent {
                pair: r[0].as_str().map(str::to_string),
                date: r[1].as_str().and_then(PartialDate::parse),
                kind: r[2].as_str().and_then(EventKind::parse).unwrap_or(EventKind::Other),
                title: r[3].as_str().unwrap_or("").to_string(),
                amount_yuan: r[4].as_i64().map(|f| f as f64 / 100.0),
                industries: Vec::new(),
                summary: r[5].as_str().unwrap_or("").to_string(),
                source: r[6].as_str().unwrap_or("").to_string(),
            });
        }
        for r in c.query(
            "SELECT p.id, p.pair_id, p.signed_on, p.name, p.amount_agreed_fen, p.industry, p.stage, \
             e.name FROM projects p JOIN enterprises e ON e.id = p.enterprise_id \
             WHERE p.signed_on IS NOT NULL ORDER BY p.id",
            &[],
        )? {
            out.push(CooperationEvent {
                pair: r[1].as_str().map(str::to_string),
                date: r[2].as_str().and_then(PartialDate::parse),
                kind: EventKind::Project,
                title: format!(
                    "{} ({})",
                    r[3].as_str().unwrap_or(""),
                    r[7].as_str().unwrap_or("")
                ),
                amount_yuan: r[4].as_i64().map(|f| f as f64 / 100.0),
                industries: r[5].as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
                summary: format!("stage: {}", r[6].as_str().unwrap_or("")),
                source: format!("tandem platform, project #{}", r[0].as_i64().unwrap_or(0)),
            });
        }
        Ok(out)
    })
}

/// The diagnosis of a pair from live records plus the bundled statistics.
pub fn diagnose(db: &Db, pair_id: &str) -> Result<(PairDiagnosis, Vec<CooperationEvent>), String> {
    let bundle = tandem_data::bundled::bundle();
    let events = live_events(db).map_err(|e| e.to_string())?;
    let weights = default_weights()?;
    let table = bundle
        .io_table(2020, &Classification::Io42)
        .ok_or("the bundled 2020 42-sector input-output table is missing (build defect)")?;
    let input = AdvisorInput {
        localities: &bundle.localities,
        programme: &bundle.programme,
        observations: &bundle.observations,
        events: &events,
        leading_industries: &bundle.leading_industries,
        io_table: table,
        panel: None,
        weights: &weights,
    };
    let d = diagnose_pair(&input, pair_id).map_err(|e| e.to_string())?;
    Ok((d, events))
}

/// The report's pair sections for the live diagnosis, in `lang`.
pub fn pair_sections(db: &Db, pair_id: &str, lang: tandem_report::Lang) -> Result<String, String> {
    let bundle = tandem_data::bundled::bundle();
    let (d, events) = diagnose(db, pair_id)?;
    let diagnoses = [d];
    let input = tandem_report::ReportInput {
        programme: &bundle.programme,
        localities: &bundle.localities,
        observations: &bundle.observations,
        events: &events,
        diagnoses: &diagnoses,
        boundaries_geojson: tandem_data::bundled::BOUNDARIES_SIMPLIFIED_GEOJSON,
        sources_md: tandem_data::bundled::SOURCES_MD,
        dataset: None,
    };
    tandem_report::pair_sections(&input, lang, pair_id).map_err(|e| e.to_string())
}

/// The programme map as inline SVG, drawn once per language (it depends only on bundled data).
pub fn programme_map(lang: tandem_report::Lang) -> Result<String, String> {
    static ZH: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<Result<String, String>> = std::sync::OnceLock::new();
    let cell = match lang {
        tandem_report::Lang::Zh => &ZH,
        tandem_report::Lang::En => &EN,
    };
    cell.get_or_init(|| draw_programme_map(lang)).clone()
}

/// The programme map as a standalone SVG document with its own style sheet, drawn once per
/// language, with the size its `viewBox` gives. The dashboard shows it as an image the browser
/// caches, so the page itself stays small (the map is about 130 KB of the 150 KB page it was
/// inlined into) and a phone downloads it once.
pub fn programme_map_document(lang: tandem_report::Lang) -> Result<&'static MapDocument, String> {
    static ZH: std::sync::OnceLock<Result<MapDocument, String>> = std::sync::OnceLock::new();
    static EN: std::sync::OnceLock<Result<MapDocument, String>> = std::sync::OnceLock::new();
    let cell = match lang {
        tandem_report::Lang::Zh => &ZH,
        tandem_report::Lang::En => &EN,
    };
    cell.get_or_init(|| {
        let svg = programme_map(lang)?;
        MapDocument::standalone(&svg, tandem_report::page::STYLE)
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// An SVG document ready to serve, and the size to reserve for it in a page.
#[derive(Debug)]
pub struct MapDocument {
    pub svg: String,
    pub width: f64,
    pub height: f64,
}

impl MapDocument {
    /// Makes inline SVG standalone: the style sheet the page would have given it goes inside
    /// the `<svg>` element (an image does not see the page's styles).
    fn standalone(inline: &str, style: &str) -> Result<MapDocument, String> {
        let open_end = inline
            .find('>')
            .filter(|_| inline.starts_with("<svg"))
            .ok_or("the map is not an <svg> element")?;
        let view_box = inline[..open_end]
            .split("viewBox=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .ok_or("the map has no viewBox")?;
        let dims: Vec<f64> = view_box
            .split_whitespace()
            .filter_map(|v| v.parse().ok())
            .collect();
        let [_, _, width, height] = dims[..] else {
            return Err(format!(
                "the map's viewBox {view_box:?} is not four numbers"
            ));
        };
        Ok(MapDocument {
            svg: format!(
                "{}<style>{style}</style>{}",
                &inline[..=open_end],
                &inline[open_end + 1..]
            ),
            width,
            height,
        })
    }
}

fn draw_programme_map(lang: tandem_report::Lang) -> Result<String, String> {
    let bundle = tandem_data::bundled::bundle();
    let input = tandem_report::ReportInput {
        programme: &bundle.programme,
        localities: &bundle.localities,
        observations: &bundle.observations,
        events: &bundle.events,
        diagnoses: &[],
        boundaries_geojson: tandem_data::bundled::BOUNDARIES_SIMPLIFIED_GEOJSON,
        sources_md: tandem_data::bundled::SOURCES_MD,
        dataset: None,
    };
    tandem_report::programme_map_svg(&input, lang).map_err(|e| e.to_string())
}
