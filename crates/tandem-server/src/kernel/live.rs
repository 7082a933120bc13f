use tandem_core::advisor::{
    diagnose_pair, AdvisorInput, CooperationRecords, PairDiagnosis, Weights,
};
use tandem_core::{Classification, CooperationEvent};
use tandem_platform::db::Db;
use tandem_platform::User;

/// The default advisor weights (data/advisor_weights.toml).
pub(crate) fn default_weights() -> Result<Weights, String> {
    let w: Weights = toml::from_str(tandem_data::bundled::ADVISOR_WEIGHTS_TOML)
        .map_err(|e| format!("data/advisor_weights.toml: {e}"))?;
    w.validate()
        .map_err(|e| format!("data/advisor_weights.toml: {e}"))?;
    Ok(w)
}

/// The diagnosis of a pair from the records `user` may read plus the bundled statistics.
pub(crate) fn diagnose(
    db: &Db,
    user: &User,
    pair_id: &str,
) -> Result<(PairDiagnosis, Vec<CooperationEvent>), String> {
    let bundle = tandem_data::bundled::bundle();
    let events = tandem_platform::live::cooperation_events(db, user).map_err(|e| e.to_string())?;
    let weights = default_weights()?;
    let parks = tandem_platform::assessment::advice::park_assessments(db, user, pair_id)
        .map_err(|e| e.to_string())?;
    let chains = tandem_platform::chains::of_pair(db, user, pair_id).map_err(|e| e.to_string())?;
    let records = cooperation_records(db, user)?;
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
        park_assessments: &parks,
        chains: &chains,
        records: &records,
    };
    let d = diagnose_pair(&input, pair_id).map_err(|e| e.to_string())?;
    Ok((d, events))
}

/// The platform's records the advisor weighs (issue #17), as `user` may read them: the
/// dispute cases and the barriers naming any pair (the advisor keeps the pair's own).
fn cooperation_records(db: &Db, user: &User) -> Result<CooperationRecords, String> {
    let disputes =
        tandem_platform::disputes::advice_records(db, user).map_err(|e| e.to_string())?;
    let barriers =
        tandem_platform::barriers::advice_records(db, user).map_err(|e| e.to_string())?;
    Ok(CooperationRecords {
        disputes,
        barriers,
        ..CooperationRecords::default()
    })
}

/// The report's pair sections for the live diagnosis as `user` may see it, in `lang`.
pub(crate) fn pair_sections(
    db: &Db,
    user: &User,
    pair_id: &str,
    lang: tandem_report::Lang,
) -> Result<String, String> {
    let bundle = tandem_data::bundled::bundle();
    let (d, events) = diagnose(db, user, pair_id)?;
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
        trends: None,
        impact: None,
    };
    tandem_report::pair_sections(&input, lang, pair_id).map_err(|e| e.to_string())
}

/// The programme map as inline SVG, drawn once per language (it depends only on bundled data).
pub(crate) fn programme_map(lang: tandem_report::Lang) -> Result<String, String> {
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
pub(crate) fn programme_map_document(
    lang: tandem_report::Lang,
) -> Result<&'static MapDocument, String> {
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
pub(crate) struct MapDocument {
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

pub(crate) fn draw_programme_map(lang: tandem_report::Lang) -> Result<String, String> {
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
        trends: None,
        impact: None,
    };
    tandem_report::programme_map_svg(&input, lang).map_err(|e| e.to_string())
}
