//! The map of the localities with the pairing lines.
//!
//! Outlines come from the bundled simplified GeoJSON (city and Shanghai-district outlines of
//! the Yangtze River Delta, longitude/latitude). Projection: equirectangular with the
//! longitude scaled by cos(φ₀) at the central latitude φ₀ of the drawn extent, which keeps
//! shapes true to within a few percent over the 27°-35° N band the map covers. Pairing lines
//! join the administrative seats (localities.csv coordinates).

use crate::svg::{text_width, Anchor, Svg};
use crate::text::{coord, esc};
use serde_json::Value;
use std::fmt::Write as _;

/// A defect in the boundary file.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("boundary file, feature {feature}: {rule}")]
pub struct GeoError {
    /// 0-based index of the feature, or `0` for a file-level problem.
    pub feature: usize,
    pub rule: String,
}

/// One outline: the locality id (empty for outlines outside the data set) and its rings,
/// each a list of (longitude, latitude).
#[derive(Clone, Debug, PartialEq)]
pub struct Outline {
    pub id: String,
    pub name_zh: String,
    pub rings: Vec<Vec<(f64, f64)>>,
}

/// Parses a GeoJSON FeatureCollection of Polygon / MultiPolygon features with an `id`
/// property into outlines (holes are kept as rings; they are drawn with the even-odd rule).
///
/// # Errors
/// Malformed JSON, a missing `features` array, a geometry that is not a (Multi)Polygon, or a
/// coordinate that is not a finite number pair, named by the feature's index.
pub fn parse_outlines(geojson: &str) -> Result<Vec<Outline>, GeoError> {
    let file_error = |rule: String| GeoError { feature: 0, rule };
    let root: Value =
        serde_json::from_str(geojson).map_err(|e| file_error(format!("not JSON: {e}")))?;
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| file_error("no `features` array".into()))?;
    let mut out = Vec::with_capacity(features.len());
    for (index, feature) in features.iter().enumerate() {
        let err = |rule: &str| GeoError {
            feature: index,
            rule: rule.to_string(),
        };
        let props = feature.get("properties");
        let prop = |k: &str| {
            props
                .and_then(|p| p.get(k))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        let geometry = feature.get("geometry").ok_or_else(|| err("no geometry"))?;
        let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
        let coords = geometry
            .get("coordinates")
            .ok_or_else(|| err("no coordinates"))?;
        let polygons: Vec<&Value> = match kind {
            "Polygon" => vec![coords],
            "MultiPolygon" => coords
                .as_array()
                .ok_or_else(|| err("MultiPolygon coordinates are not an array"))?
                .iter()
                .collect(),
            other => {
                return Err(err(&format!(
                    "geometry type {other:?} is not Polygon or MultiPolygon"
                )))
            }
        };
        let mut rings = Vec::new();
        for polygon in polygons {
            for ring in polygon
                .as_array()
                .ok_or_else(|| err("a polygon is not an array of rings"))?
            {
                let points = ring
                    .as_array()
                    .ok_or_else(|| err("a ring is not an array"))?;
                let mut r = Vec::with_capacity(points.len());
                for p in points {
                    let lon = p.get(0).and_then(Value::as_f64);
                    let lat = p.get(1).and_then(Value::as_f64);
                    match (lon, lat) {
                        (Some(lon), Some(lat)) if lon.is_finite() && lat.is_finite() => {
                            r.push((lon, lat))
                        }
                        _ => return Err(err("a coordinate is not a pair of numbers")),
                    }
                }
                rings.push(r);
            }
        }
        out.push(Outline {
            id: prop("id"),
            name_zh: prop("name_zh"),
            rings,
        });
    }
    Ok(out)
}

/// An equirectangular projection fitted to a longitude/latitude box.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Projection {
    lon0: f64,
    lat1: f64,
    kx: f64,
    scale: f64,
    pad: f64,
    /// Drawing width in user units.
    pub width: f64,
    /// Drawing height in user units (from the box's aspect ratio).
    pub height: f64,
}

impl Projection {
    /// Fits the box (lon_min, lat_min, lon_max, lat_max) into `width` user units with `pad`
    /// on each side; x = (λ − λ_min)·cos φ₀, y = φ_max − φ, both times one scale.
    pub fn fit(bounds: (f64, f64, f64, f64), width: f64, pad: f64) -> Projection {
        let (lon_min, lat_min, lon_max, lat_max) = bounds;
        let kx = ((lat_min + lat_max) / 2.0).to_radians().cos();
        let span_x = ((lon_max - lon_min) * kx).max(1e-9);
        let scale = (width - 2.0 * pad) / span_x;
        let height = (lat_max - lat_min) * scale + 2.0 * pad;
        Projection {
            lon0: lon_min,
            lat1: lat_max,
            kx,
            scale,
            pad,
            width,
            height,
        }
    }

    /// The drawing position of (longitude, latitude).
    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        (
            self.pad + (lon - self.lon0) * self.kx * self.scale,
            self.pad + (self.lat1 - lat) * self.scale,
        )
    }
}

/// The longitude/latitude box of some outlines, `None` if they have no points.
pub fn bounds(outlines: &[Outline]) -> Option<(f64, f64, f64, f64)> {
    let mut b: Option<(f64, f64, f64, f64)> = None;
    for (lon, lat) in outlines.iter().flat_map(|o| o.rings.iter().flatten()) {
        b = Some(match b {
            None => (*lon, *lat, *lon, *lat),
            Some((a, c, d, e)) => (a.min(*lon), c.min(*lat), d.max(*lon), e.max(*lat)),
        });
    }
    b
}

/// SVG path data of an outline: rings rounded to 0.1 user unit, repeated points dropped, and
/// rings smaller than `min_extent` user units in both directions left out (islets that would
/// be invisible specks). Empty when nothing is left.
pub fn path_data(outline: &Outline, proj: &Projection, min_extent: f64) -> String {
    let mut d = String::new();
    for ring in &outline.rings {
        let mut pts: Vec<(String, String)> = Vec::with_capacity(ring.len());
        let (mut x_min, mut y_min, mut x_max, mut y_max) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for &(lon, lat) in ring {
            let (x, y) = proj.project(lon, lat);
            x_min = x_min.min(x);
            x_max = x_max.max(x);
            y_min = y_min.min(y);
            y_max = y_max.max(y);
            let p = (coord(x), coord(y));
            if pts.last() != Some(&p) {
                pts.push(p);
            }
        }
        if pts.len() < 3 || (x_max - x_min < min_extent && y_max - y_min < min_extent) {
            continue;
        }
        for (i, (x, y)) in pts.iter().enumerate() {
            let _ = write!(d, "{}{x} {y}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
    }
    d
}

/// A locality drawn as a seat on the map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapPlace {
    pub id: String,
    pub label: String,
    pub lon: f64,
    pub lat: f64,
    /// `true` for a helper, `false` for a helped city.
    pub helper: bool,
    /// The page the place links to (its pair page), if any.
    pub href: Option<String>,
    /// Tooltip text.
    pub tooltip: String,
}

/// A pairing line between two seats.
#[derive(Clone, Debug, PartialEq)]
pub struct MapLine {
    pub from: (f64, f64),
    pub to: (f64, f64),
    /// Drawn emphasised (the pair of the current page).
    pub focus: bool,
    pub tooltip: String,
}

/// What to draw on a map.
#[derive(Clone, Debug, PartialEq)]
pub struct MapSpec<'a> {
    pub title: String,
    pub outlines: &'a [Outline],
    pub places: Vec<MapPlace>,
    pub lines: Vec<MapLine>,
    /// Ids whose outlines are emphasised; empty = all programme localities are.
    pub focus: Vec<String>,
    /// Legend entries: helper, helped, other.
    pub legend: [String; 3],
    pub width: f64,
    /// The extent to draw: the box of these ids' outlines, widened by `margin_deg`; empty =
    /// every outline. Outlines reaching beyond it are clipped by the drawing's edge.
    pub extent_ids: Vec<String>,
    pub margin_deg: f64,
}

/// Draws the map: outlines (helpers, helped and other localities in three classes),
/// curved pairing lines, seats and non-overlapping labels, and a legend.
pub fn draw_map(spec: &MapSpec<'_>) -> String {
    let within: Vec<Outline> = spec
        .outlines
        .iter()
        .filter(|o| spec.extent_ids.contains(&o.id))
        .cloned()
        .collect();
    let extent = if within.is_empty() {
        bounds(spec.outlines)
    } else {
        bounds(&within)
    };
    let extent = extent.map(|(a, b, c, d)| {
        (
            a - spec.margin_deg,
            b - spec.margin_deg,
            c + spec.margin_deg,
            d + spec.margin_deg,
        )
    });
    let Some(b) = extent else {
        let mut svg = Svg::new(spec.width, 60.0, &spec.title);
        svg.text(
            spec.width / 2.0,
            35.0,
            &spec.title,
            "missing-label",
            Anchor::Middle,
        );
        return svg.finish();
    };
    let proj = Projection::fit(b, spec.width, 12.0);
    let legend_h = 28.0;
    let mut svg = Svg::new(spec.width, proj.height + legend_h, &spec.title);
    let helper_ids: Vec<&str> = spec
        .places
        .iter()
        .filter(|p| p.helper)
        .map(|p| p.id.as_str())
        .collect();
    let helped_ids: Vec<&str> = spec
        .places
        .iter()
        .filter(|p| !p.helper)
        .map(|p| p.id.as_str())
        .collect();
    let mut layer = String::new();
    for outline in spec.outlines {
        let d = path_data(outline, &proj, 1.2);
        if d.is_empty() {
            continue;
        }
        let role = if helper_ids.contains(&outline.id.as_str()) {
            "map-helper"
        } else if helped_ids.contains(&outline.id.as_str()) {
            "map-helped"
        } else {
            "map-other"
        };
        let dim =
            role != "map-other" && !spec.focus.is_empty() && !spec.focus.contains(&outline.id);
        let _ = write!(
            layer,
            r#"<path d="{d}" class="{role}{}"><title>{}</title></path>"#,
            if dim { " dim" } else { "" },
            esc(&outline.name_zh)
        );
    }
    svg.raw(&layer);
    for line in &spec.lines {
        let (x1, y1) = proj.project(line.from.0, line.from.1);
        let (x2, y2) = proj.project(line.to.0, line.to.1);
        // A gentle arc: the control point is offset perpendicular to the chord by 15 % of
        // its length, so lines that share a seat region stay apart.
        let (mx, my) = ((x1 + x2) / 2.0, (y1 + y2) / 2.0);
        let (dx, dy) = (x2 - x1, y2 - y1);
        let (cx, cy) = (mx - dy * 0.15, my + dx * 0.15);
        svg.raw(&format!(
            r#"<path d="M{} {}Q{} {} {} {}" class="pair-line{}"><title>{}</title></path>"#,
            coord(x1),
            coord(y1),
            coord(cx),
            coord(cy),
            coord(x2),
            coord(y2),
            if line.focus { " focus" } else { "" },
            esc(&line.tooltip)
        ));
    }
    let mut taken: Vec<(f64, f64, f64, f64)> = Vec::new();
    let seats: Vec<(f64, f64)> = spec
        .places
        .iter()
        .map(|p| proj.project(p.lon, p.lat))
        .collect();
    for &(x, y) in &seats {
        taken.push((x - 4.0, y - 4.0, x + 4.0, y + 4.0));
    }
    for (place, &(x, y)) in spec.places.iter().zip(&seats) {
        let class = if place.helper {
            "seat-helper"
        } else {
            "seat-helped"
        };
        let w = text_width(&place.label, 12.0);
        let h = 13.0;
        // Candidate label boxes (left, top, anchor x, anchor): right, left, above, below,
        // then further out to the right for the crowded Shanghai districts.
        let candidates = [
            (x + 6.0, y - h / 2.0, Anchor::Start),
            (x - 6.0 - w, y - h / 2.0, Anchor::Start),
            (x - w / 2.0, y - 6.0 - h, Anchor::Start),
            (x - w / 2.0, y + 6.0, Anchor::Start),
            (x + 16.0, y - h / 2.0 - 14.0, Anchor::Start),
            (x + 16.0, y - h / 2.0 + 14.0, Anchor::Start),
            (x + 28.0, y - h / 2.0 + 28.0, Anchor::Start),
            (x + 28.0, y - h / 2.0 - 28.0, Anchor::Start),
        ];
        let fits = |bx: f64, by: f64| {
            let r = (bx, by, bx + w, by + h);
            r.0 >= 0.0
                && r.2 <= spec.width
                && r.1 >= 0.0
                && r.3 <= proj.height
                && !taken
                    .iter()
                    .any(|t| r.0 < t.2 && t.0 < r.2 && r.1 < t.3 && t.1 < r.3)
        };
        let (bx, by, _) = candidates
            .iter()
            .copied()
            .find(|(bx, by, _)| fits(*bx, *by))
            .unwrap_or(candidates[0]);
        taken.push((bx, by, bx + w, by + h));
        let mut mark = String::new();
        if let Some(href) = &place.href {
            let _ = write!(mark, r#"<a href="{}">"#, esc(href));
        }
        let _ = write!(
            mark,
            r#"<circle cx="{}" cy="{}" r="3.5" class="{class}"><title>{}</title></circle>"#,
            coord(x),
            coord(y),
            esc(&place.tooltip)
        );
        // A label pushed away from its seat gets a leader line to the nearest box point.
        let (nx, ny) = (x.clamp(bx, bx + w), y.clamp(by, by + h));
        if (nx - x).hypot(ny - y) > 9.0 {
            let _ = write!(
                mark,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="leader"/>"#,
                coord(x),
                coord(y),
                coord(nx),
                coord(ny)
            );
        }
        let _ = write!(
            mark,
            r#"<text x="{}" y="{}" class="map-label">{}</text>"#,
            coord(bx),
            coord(by + h - 2.0),
            esc(&place.label)
        );
        if place.href.is_some() {
            mark.push_str("</a>");
        }
        svg.raw(&mark);
    }
    let y = proj.height + 8.0;
    let mut x = 12.0;
    for (label, class) in spec
        .legend
        .iter()
        .zip(["map-helper", "map-helped", "map-other"])
    {
        svg.rect(x, y, 14.0, 12.0, class, None);
        svg.text(x + 18.0, y + 10.5, label, "legend", Anchor::Start);
        x += 18.0 + text_width(label, 12.0) + 24.0;
    }
    // The map scales down on a phone; other charts keep a minimum width and scroll.
    svg.finish()
        .replacen(r#"class="chart""#, r#"class="chart map""#, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{"id":"a","name_zh":"甲"},"geometry":{"type":"Polygon","coordinates":[[[118,32],[119,32],[119,33],[118,33],[118,32]]]}},
      {"type":"Feature","properties":{"id":"b","name_zh":"乙<"},"geometry":{"type":"MultiPolygon","coordinates":[[[[120,30],[121,30],[121,31],[120,31],[120,30]]],[[[120.5,30.5],[120.5001,30.5],[120.5,30.5001],[120.5,30.5]]]]}}
    ]}"#;

    #[test]
    fn parses_polygons_and_multipolygons() {
        let o = parse_outlines(SQUARE).unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(o[0].id, "a");
        assert_eq!(o[1].rings.len(), 2);
        assert_eq!(bounds(&o), Some((118.0, 30.0, 121.0, 33.0)));
        let bad =
            r#"{"features":[{"properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}"#;
        let e = parse_outlines(bad).unwrap_err();
        assert_eq!(e.feature, 0);
        assert!(e.rule.contains("Point"), "{e}");
        assert!(parse_outlines("{").is_err());
    }

    #[test]
    fn projection_keeps_the_aspect_with_cosine_scaling() {
        let p = Projection::fit((118.0, 30.0, 121.0, 33.0), 320.0, 10.0);
        // 3° of longitude at 31.5° N are 3·cos(31.5°) = 2.558 "degrees"; 300 units wide.
        let k = 300.0 / (3.0 * 31.5_f64.to_radians().cos());
        assert!((p.height - (3.0 * k + 20.0)).abs() < 1e-9);
        assert_eq!(p.project(118.0, 33.0), (10.0, 10.0));
        let (x, y) = p.project(121.0, 30.0);
        assert!((x - 310.0).abs() < 1e-9 && (y - p.height + 10.0).abs() < 1e-9);
    }

    #[test]
    fn paths_drop_specks_and_escape_names() {
        let o = parse_outlines(SQUARE).unwrap();
        let p = Projection::fit(bounds(&o).unwrap(), 320.0, 10.0);
        let d = path_data(&o[1], &p, 1.0);
        assert_eq!(
            d.matches('M').count(),
            1,
            "the tiny second ring is left out: {d}"
        );
        assert!(d.ends_with('Z'));
        let places = vec![
            MapPlace {
                id: "a".into(),
                label: "甲".into(),
                lon: 118.5,
                lat: 32.5,
                helper: true,
                href: Some("pair-x.html".into()),
                tooltip: "A".into(),
            },
            MapPlace {
                id: "b".into(),
                label: "乙".into(),
                lon: 120.5,
                lat: 30.5,
                helper: false,
                href: None,
                tooltip: "B".into(),
            },
        ];
        let spec = MapSpec {
            title: "Map".into(),
            outlines: &o,
            places,
            lines: vec![MapLine {
                from: (118.5, 32.5),
                to: (120.5, 30.5),
                focus: true,
                tooltip: "甲 → 乙".into(),
            }],
            focus: vec![],
            legend: ["Helper".into(), "Helped".into(), "Other".into()],
            width: 320.0,
            extent_ids: vec![],
            margin_deg: 0.0,
        };
        let svg = draw_map(&spec);
        assert!(svg.contains(r#"class="map-helper""#));
        assert!(svg.contains(r#"class="map-helped""#));
        assert!(svg.contains("<title>乙&lt;</title>"));
        assert!(svg.contains(r#"class="pair-line focus""#));
        assert!(svg.contains(r#"<a href="pair-x.html">"#));
        assert_eq!(svg.matches("class=\"map-label\"").count(), 2);
        assert!(!svg.contains("NaN"));
    }
}
