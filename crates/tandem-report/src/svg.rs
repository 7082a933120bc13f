//! Hand-written SVG charts: a small element builder and the report's chart primitives.
//!
//! Charts are drawn in a fixed `viewBox` and scale to the page width (the CSS gives every
//! `svg.chart` `width: 100%; height: auto`). Colours come from CSS classes defined in the
//! page style (`bar-helper`, `seg-1`, ...), so a chart is restyled for print in one place.
//! Every mark carries a `<title>` tooltip with its value, year and source number, and a
//! missing value is drawn as a dashed empty box labelled "no data" — never as a zero bar.

use crate::text::{coord, esc};
use std::fmt::Write as _;

/// An SVG document under construction.
pub struct Svg {
    width: f64,
    height: f64,
    title: String,
    body: String,
}

impl Svg {
    /// A new drawing of `width` x `height` user units; `title` is its accessible name.
    pub fn new(width: f64, height: f64, title: &str) -> Svg {
        Svg {
            width,
            height,
            title: title.to_string(),
            body: String::new(),
        }
    }

    /// Appends raw, already escaped SVG markup (used by the map for its paths).
    pub fn raw(&mut self, markup: &str) {
        self.body.push_str(markup);
    }

    /// A rectangle with a CSS class and an optional tooltip.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: &str, tooltip: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" class="{}""#,
            coord(x),
            coord(y),
            coord(w.max(0.0)),
            coord(h.max(0.0)),
            esc(class)
        );
        self.close_with_tooltip("rect", tooltip);
    }

    /// A circle with a CSS class and an optional tooltip.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, class: &str, tooltip: Option<&str>) {
        let _ = write!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" class="{}""#,
            coord(cx),
            coord(cy),
            coord(r),
            esc(class)
        );
        self.close_with_tooltip("circle", tooltip);
    }

    /// A straight line.
    pub fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: &str) {
        let _ = write!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" class="{}"/>"#,
            coord(x1),
            coord(y1),
            coord(x2),
            coord(y2),
            esc(class)
        );
    }

    /// Text at (x, y) (baseline), anchored `start`, `middle` or `end`.
    pub fn text(&mut self, x: f64, y: f64, text: &str, class: &str, anchor: Anchor) {
        let _ = write!(
            self.body,
            r#"<text x="{}" y="{}" class="{}" text-anchor="{}">{}</text>"#,
            coord(x),
            coord(y),
            esc(class),
            anchor.as_str(),
            esc(text)
        );
    }

    /// Ends the open element `tag`, with a `<title>` child when there is a tooltip.
    fn close_with_tooltip(&mut self, tag: &str, tooltip: Option<&str>) {
        match tooltip {
            Some(t) => {
                let _ = write!(self.body, "><title>{}</title></{tag}>", esc(t));
            }
            None => self.body.push_str("/>"),
        }
    }

    /// The finished `<svg>` element (no XML prologue: it is inlined into HTML).
    pub fn finish(self) -> String {
        format!(
            r#"<svg class="chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>"#,
            coord(self.width),
            coord(self.height),
            coord(self.width),
            coord(self.height),
            esc(&self.title),
            esc(&self.title),
            self.body
        )
    }
}

impl Svg {
    /// The finished `<svg>` element labelled by a `<title>` and a `<desc>` child with the ids
    /// `{id}-title` and `{id}-desc` (`aria-labelledby`), for pages that hold several charts:
    /// `id` is made a valid id with [`dom_id`] and must be unique on the page. `role` is `img`
    /// for one chart, `group` for a grid of panels that carry their own labels.
    pub fn finish_described(self, id: &str, desc: &str, role: &str) -> String {
        let id = dom_id(id);
        format!(
            r#"<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="{role}" aria-labelledby="{id}-title {id}-desc" xmlns="http://www.w3.org/2000/svg"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>{}</svg>"#,
            esc(&self.title),
            esc(desc),
            self.body,
            w = coord(self.width),
            h = coord(self.height),
            role = esc(role),
        )
    }
}

/// `id` reduced to the characters safe in an id and an `aria-labelledby` list (ASCII
/// letters, digits, `-`, `_`), starting with a letter; `chart` if nothing is left.
pub fn dom_id(id: &str) -> String {
    let kept: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    match kept.chars().next() {
        None => "chart".to_string(),
        Some(c) if c.is_ascii_alphabetic() => kept,
        Some(_) => format!("c-{kept}"),
    }
}

/// Horizontal text anchoring.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

impl Anchor {
    fn as_str(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// Rough rendered width of `text` at `font_px`: CJK characters are square, Latin ones about
/// 0.56 em. Used only to decide whether a label fits inside a bar segment.
pub fn text_width(text: &str, font_px: f64) -> f64 {
    text.chars()
        .map(|c| if (c as u32) > 0x2e80 { 1.0 } else { 0.56 })
        .sum::<f64>()
        * font_px
}

/// One bar of a [`grouped_bars`] chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Row label left of the bar (a locality, a sector).
    pub label: String,
    /// The value; `None` draws the "no data" box.
    pub value: Option<f64>,
    /// Text right of the bar: value, unit, year and source number, as the caller formats them.
    pub value_text: String,
    /// CSS class of the bar (`bar-helper`, `bar-helped`, `bar-neutral`).
    pub class: &'static str,
    /// Tooltip text.
    pub tooltip: String,
}

/// A titled group of bars sharing one scale (e.g. GDP of helper and helped).
#[derive(Clone, Debug, PartialEq)]
pub struct BarGroup {
    /// Group heading drawn above the bars (indicator, unit, ratio).
    pub title: String,
    pub bars: Vec<Bar>,
}

/// Options of [`grouped_bars`].
#[derive(Clone, Debug, PartialEq)]
pub struct BarOptions {
    /// Chart title (accessible name).
    pub title: String,
    /// The "no data" label in the report's language.
    pub no_data: String,
    /// One scale for every group (comparable indices) instead of one per group (different
    /// units).
    pub shared_scale: bool,
    /// A vertical reference line at this value with a label (e.g. 1.0 = average linkage).
    pub reference: Option<(f64, String)>,
    /// Width of the label column in user units.
    pub label_width: f64,
}

const CHART_WIDTH: f64 = 720.0;
const BAR_HEIGHT: f64 = 20.0;
const BAR_GAP: f64 = 6.0;
const GROUP_TITLE: f64 = 24.0;
const GROUP_GAP: f64 = 14.0;
const VALUE_TEXT_WIDTH: f64 = 230.0;

/// Horizontal bars in titled groups. Each group is scaled to its own largest value unless
/// `shared_scale`; bars start at zero, so lengths are proportional to values (negative
/// values are drawn as zero-length bars with their value written out). A bar without a value
/// is a dashed empty box with the "no data" label.
pub fn grouped_bars(groups: &[BarGroup], opts: &BarOptions) -> String {
    let x0 = opts.label_width;
    let bar_area = CHART_WIDTH - x0 - VALUE_TEXT_WIDTH;
    let rows: usize = groups.iter().map(|g| g.bars.len()).sum();
    let with_titles = groups.iter().filter(|g| !g.title.is_empty()).count();
    let height = 8.0
        + with_titles as f64 * GROUP_TITLE
        + rows as f64 * (BAR_HEIGHT + BAR_GAP)
        + groups.len().saturating_sub(1) as f64 * GROUP_GAP
        + if opts.reference.is_some() { 22.0 } else { 4.0 };
    let mut svg = Svg::new(CHART_WIDTH, height, &opts.title);
    let max_of = |bars: &[&Bar]| {
        bars.iter()
            .filter_map(|b| b.value)
            .filter(|v| v.is_finite())
            .fold(0.0_f64, f64::max)
    };
    let all: Vec<&Bar> = groups.iter().flat_map(|g| g.bars.iter()).collect();
    let mut shared_max = max_of(&all);
    if let Some((r, _)) = &opts.reference {
        shared_max = shared_max.max(*r);
    }
    let mut y = 8.0;
    let top = y;
    for (gi, group) in groups.iter().enumerate() {
        if gi > 0 {
            y += GROUP_GAP;
        }
        if !group.title.is_empty() {
            svg.text(0.0, y + 15.0, &group.title, "group-title", Anchor::Start);
            y += GROUP_TITLE;
        }
        let group_top = y;
        let refs: Vec<&Bar> = group.bars.iter().collect();
        let max = if opts.shared_scale {
            shared_max
        } else {
            max_of(&refs)
        };
        for bar in &group.bars {
            svg.text(x0 - 8.0, y + 14.5, &bar.label, "bar-label", Anchor::End);
            match bar.value.filter(|v| v.is_finite()) {
                Some(v) => {
                    let w = if max > 0.0 {
                        (v.max(0.0) / max) * bar_area
                    } else {
                        0.0
                    };
                    svg.rect(x0, y, w.max(1.0), BAR_HEIGHT, bar.class, Some(&bar.tooltip));
                    svg.text(
                        x0 + w + 6.0,
                        y + 14.5,
                        &bar.value_text,
                        "bar-value",
                        Anchor::Start,
                    );
                }
                None => {
                    svg.rect(
                        x0,
                        y,
                        bar_area * 0.35,
                        BAR_HEIGHT,
                        "bar-missing",
                        Some(&bar.tooltip),
                    );
                    svg.text(
                        x0 + bar_area * 0.175,
                        y + 14.5,
                        &opts.no_data,
                        "missing-label",
                        Anchor::Middle,
                    );
                    if !bar.value_text.is_empty() {
                        svg.text(
                            x0 + bar_area * 0.35 + 6.0,
                            y + 14.5,
                            &bar.value_text,
                            "bar-value",
                            Anchor::Start,
                        );
                    }
                }
            }
            y += BAR_HEIGHT + BAR_GAP;
        }
        // The zero axis of this group only, so it never runs through a group title.
        svg.line(x0, group_top - 2.0, x0, y - BAR_GAP + 2.0, "axis");
    }
    if let Some((r, label)) = &opts.reference {
        if shared_max > 0.0 {
            let x = x0 + r / shared_max * bar_area;
            svg.line(x, top, x, y, "ref-line");
            svg.text(x, y + 14.0, label, "axis-label", Anchor::Middle);
        }
    }
    svg.finish()
}

/// One row of a [`stacked_bars`] chart: parts of a whole (percent shares).
#[derive(Clone, Debug, PartialEq)]
pub struct StackRow {
    pub label: String,
    /// The parts in segment order; `None` draws the "no data" box.
    pub parts: Option<Vec<f64>>,
    /// Text right of the bar (year, source number, "computed from levels").
    pub note: String,
    /// Tooltip for the whole row (each segment also gets its own).
    pub tooltip: String,
}

/// How [`stacked_bars`] scales and labels its segments.
#[derive(Clone, Debug, PartialEq)]
pub struct StackStyle {
    /// `None`: each row fills the bar (parts of a whole, e.g. shares that sum to 99.9).
    /// `Some(max)`: one absolute scale, a row summing to `max` fills the bar (scores).
    pub absolute_max: Option<f64>,
    /// Decimals of the segment labels.
    pub decimals: usize,
    /// Appended to segment labels (`%`).
    pub suffix: &'static str,
}

impl StackStyle {
    /// Parts of a whole in percent, each row filling the bar.
    pub fn percent() -> StackStyle {
        StackStyle {
            absolute_max: None,
            decimals: 1,
            suffix: "%",
        }
    }
}

/// Stacked horizontal bars: three-sector shares of GDP (each row filling the bar), or score
/// contributions on one absolute scale (see [`StackStyle`]). Segment labels print the parts
/// as given; `segments` names each part and its CSS class; a legend is drawn below.
pub fn stacked_bars(
    rows: &[StackRow],
    segments: &[(String, &'static str)],
    title: &str,
    no_data: &str,
    label_width: f64,
    style: &StackStyle,
) -> String {
    let note_width = 150.0;
    let bar_area = CHART_WIDTH - label_width - note_width;
    let row_h = 26.0;
    let height = 8.0 + rows.len() as f64 * (row_h + 8.0) + 30.0;
    let mut svg = Svg::new(CHART_WIDTH, height, title);
    let mut y = 8.0;
    for row in rows {
        svg.text(
            label_width - 8.0,
            y + 17.5,
            &row.label,
            "bar-label",
            Anchor::End,
        );
        let parts: Option<&Vec<f64>> = row.parts.as_ref().filter(|p| {
            p.iter().all(|v| v.is_finite() && *v >= 0.0)
                && (style.absolute_max.is_some() || p.iter().sum::<f64>() > 0.0)
        });
        match parts {
            Some(parts) => {
                let total = match style.absolute_max {
                    Some(max) if max > 0.0 => max,
                    _ => parts.iter().sum(),
                };
                let mut x = label_width;
                for (i, v) in parts.iter().enumerate() {
                    let w = v / total * bar_area;
                    let (name, class) = segments
                        .get(i)
                        .map_or(("", "seg-1"), |(n, c)| (n.as_str(), *c));
                    let label = format!("{:.*}{}", style.decimals, v, style.suffix);
                    svg.rect(
                        x,
                        y,
                        w,
                        row_h,
                        class,
                        Some(&format!("{name}: {label} — {}", row.tooltip)),
                    );
                    if w > text_width(&label, 11.0) + 6.0 {
                        svg.text(x + w / 2.0, y + 17.5, &label, "seg-label", Anchor::Middle);
                    }
                    x += w;
                }
                svg.text(
                    label_width + bar_area + 6.0,
                    y + 17.5,
                    &row.note,
                    "bar-value",
                    Anchor::Start,
                );
            }
            None => {
                svg.rect(
                    label_width,
                    y,
                    bar_area,
                    row_h,
                    "bar-missing",
                    Some(&row.tooltip),
                );
                svg.text(
                    label_width + bar_area / 2.0,
                    y + 17.5,
                    no_data,
                    "missing-label",
                    Anchor::Middle,
                );
            }
        }
        y += row_h + 8.0;
    }
    let mut x = label_width;
    for (name, class) in segments {
        svg.rect(x, y + 6.0, 12.0, 12.0, class, None);
        svg.text(x + 16.0, y + 16.5, name, "legend", Anchor::Start);
        x += 16.0 + text_width(name, 12.0) + 22.0;
    }
    svg.finish()
}

/// One dated mark on a [`timeline`].
#[derive(Clone, Debug, PartialEq)]
pub struct TimelineItem {
    /// The number printed in the mark; it refers to a row of the events table.
    pub number: usize,
    pub year: i32,
    /// Month if published (1-12); an event known only to the year sits at mid-year.
    pub month: Option<u8>,
    /// CSS class of the mark (per event kind).
    pub class: &'static str,
    pub tooltip: String,
}

/// A horizontal time axis from `from_year` to `to_year` (inclusive) with numbered marks.
/// Marks that would overlap are stacked in lanes. With no items the axis is drawn with
/// `empty_text` on it, so the chart is never blank.
pub fn timeline(
    items: &[TimelineItem],
    from_year: i32,
    to_year: i32,
    title: &str,
    empty_text: &str,
) -> String {
    let (from_year, to_year) = if to_year < from_year {
        (to_year, from_year)
    } else {
        (from_year, to_year)
    };
    let left = 30.0;
    let right = CHART_WIDTH - 30.0;
    let span = f64::from(to_year - from_year + 1);
    let x_of = |year: i32, month: Option<u8>| {
        let frac = match month {
            Some(m) => (f64::from(m) - 0.5) / 12.0,
            None => 0.5,
        };
        left + (f64::from(year - from_year) + frac) / span * (right - left)
    };
    let radius = 10.0;
    let mut lanes: Vec<f64> = Vec::new();
    let mut placed: Vec<(f64, usize, &TimelineItem)> = Vec::new();
    let mut sorted: Vec<&TimelineItem> = items.iter().collect();
    sorted.sort_by_key(|i| (i.year, i.month, i.number));
    for item in sorted {
        let x = x_of(item.year, item.month);
        let lane = lanes
            .iter()
            .position(|last| x - last >= 2.0 * radius + 2.0)
            .unwrap_or(lanes.len());
        if lane == lanes.len() {
            lanes.push(x);
        } else {
            lanes[lane] = x;
        }
        placed.push((x, lane, item));
    }
    let lane_h = 2.0 * radius + 4.0;
    let axis_y = 14.0 + lanes.len().max(1) as f64 * lane_h + 6.0;
    let height = axis_y + 30.0;
    let mut svg = Svg::new(CHART_WIDTH, height, title);
    svg.line(left, axis_y, right, axis_y, "axis");
    for year in from_year..=to_year + 1 {
        let x = left + f64::from(year - from_year) / span * (right - left);
        svg.line(x, axis_y - 4.0, x, axis_y + 4.0, "axis");
        if year <= to_year {
            let mid = x + 0.5 / span * (right - left);
            svg.text(
                mid,
                axis_y + 20.0,
                &year.to_string(),
                "axis-label",
                Anchor::Middle,
            );
        }
    }
    if placed.is_empty() {
        svg.text(
            (left + right) / 2.0,
            axis_y - 10.0,
            empty_text,
            "missing-label",
            Anchor::Middle,
        );
    }
    let cy_of = |lane: usize| axis_y - 6.0 - radius - lane as f64 * lane_h;
    // Stems first, so that no stem crosses a mark drawn in a lower lane.
    for (x, lane, _) in &placed {
        svg.line(*x, cy_of(*lane) + radius, *x, axis_y, "tick");
    }
    for (x, lane, item) in placed {
        let cy = cy_of(lane);
        svg.circle(x, cy, radius, item.class, Some(&item.tooltip));
        svg.text(
            x,
            cy + 4.0,
            &item.number.to_string(),
            "mark-label",
            Anchor::Middle,
        );
    }
    svg.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    fn bar(label: &str, value: Option<f64>, class: &'static str) -> Bar {
        Bar {
            label: label.into(),
            value,
            value_text: value.map_or(String::new(), |v| format!("{v} (2022)")),
            class,
            tooltip: format!("{label} <tip>"),
        }
    }

    fn opts(shared: bool) -> BarOptions {
        BarOptions {
            title: "GDP & per-capita".into(),
            no_data: "no data".into(),
            shared_scale: shared,
            reference: None,
            label_width: 120.0,
        }
    }

    #[test]
    fn bars_are_proportional_and_missing_is_drawn_as_no_data() {
        let groups = [BarGroup {
            title: "GDP".into(),
            bars: vec![
                bar("Ningbo", Some(200.0), "bar-helper"),
                bar("Bengbu", Some(50.0), "bar-helped"),
                bar("Minhang", None, "bar-helper"),
            ],
        }];
        let svg = grouped_bars(&groups, &opts(false));
        // Bar area = 720 - 120 - 230 = 370: the largest bar fills it, the other is a quarter.
        assert!(
            svg.contains(r#"x="120" y="32" width="370" height="20" class="bar-helper""#),
            "{svg}"
        );
        assert!(
            svg.contains(r#"width="92.5" height="20" class="bar-helped""#),
            "{svg}"
        );
        assert_eq!(count(&svg, "class=\"bar-missing\""), 1);
        assert!(svg.contains(">no data</text>"));
        assert!(svg.contains(">200 (2022)</text>"));
        // Text is escaped, the title is the accessible name.
        assert!(svg.contains("Minhang &lt;tip&gt;"));
        assert!(svg.contains(r#"aria-label="GDP &amp; per-capita""#));
        assert!(!svg.contains("NaN"));
    }

    #[test]
    fn separate_and_shared_scales() {
        let groups = [
            BarGroup {
                title: "a".into(),
                bars: vec![bar("x", Some(10.0), "bar-neutral")],
            },
            BarGroup {
                title: "b".into(),
                bars: vec![bar("y", Some(5.0), "bar-neutral")],
            },
        ];
        let own = grouped_bars(&groups, &opts(false));
        assert_eq!(count(&own, r#"width="370""#), 2, "{own}");
        let mut shared = opts(true);
        shared.reference = Some((1.0, "average".into()));
        let svg = grouped_bars(&groups, &shared);
        assert!(svg.contains(r#"width="185" height="20""#), "{svg}");
        assert!(svg.contains(r#"class="ref-line""#));
        // The reference line sits at 1/10 of the bar area.
        assert!(svg.contains(r#"<line x1="157" "#), "{svg}");
    }

    #[test]
    fn non_finite_values_are_not_drawn_as_numbers() {
        let mut nan = bar("x", Some(f64::NAN), "bar-neutral");
        nan.value_text = "value as published".into();
        let groups = [BarGroup {
            title: String::new(),
            bars: vec![nan],
        }];
        let svg = grouped_bars(&groups, &opts(false));
        assert!(!svg.contains("NaN"));
        assert!(svg.contains("bar-missing"));
    }

    #[test]
    fn stacked_shares_fill_the_bar() {
        let rows = [
            StackRow {
                label: "Fuyang".into(),
                parts: Some(vec![14.6, 36.3, 49.1]),
                note: "2020 [1]".into(),
                tooltip: "t".into(),
            },
            StackRow {
                label: "Minhang".into(),
                parts: None,
                note: String::new(),
                tooltip: "none".into(),
            },
        ];
        let segs = [
            ("Primary".to_string(), "seg-1"),
            ("Secondary".to_string(), "seg-2"),
            ("Tertiary".to_string(), "seg-3"),
        ];
        let svg = stacked_bars(
            &rows,
            &segs,
            "Structure",
            "no data",
            100.0,
            &StackStyle::percent(),
        );
        // Bar area 720 - 100 - 150 = 470; shares sum to 100.
        assert!(
            svg.contains(r#"<rect x="100" y="8" width="68.6" height="26" class="seg-1""#),
            "{svg}"
        );
        assert!(svg.contains(">49.1%</text>"));
        assert!(svg.contains(">no data</text>"));
        assert_eq!(count(&svg, "class=\"seg-3\""), 2, "segment and legend");
        assert!(svg.contains(">Tertiary</text>"));
        let score = [StackRow {
            label: "x".into(),
            parts: Some(vec![0.25, 0.25]),
            note: "0.50".into(),
            tooltip: "t".into(),
        }];
        let abs = StackStyle {
            absolute_max: Some(1.0),
            decimals: 2,
            suffix: "",
        };
        let svg = stacked_bars(&score, &segs[..2], "Score", "no data", 100.0, &abs);
        // Half of the absolute scale: two segments of a quarter of 470.
        assert_eq!(count(&svg, r#"width="117.5" height="26""#), 2, "{svg}");
        assert!(svg.contains(">0.25</text>"));
    }

    #[test]
    fn timeline_places_and_stacks_marks() {
        let item = |n, year, month| TimelineItem {
            number: n,
            year,
            month,
            class: "ev-park",
            tooltip: format!("event {n}"),
        };
        let items = [
            item(1, 2021, Some(12)),
            item(2, 2021, Some(12)),
            item(3, 2023, None),
        ];
        let svg = timeline(&items, 2021, 2024, "Events", "none");
        assert_eq!(count(&svg, "<circle"), 3);
        for year in ["2021", "2022", "2023", "2024"] {
            assert!(svg.contains(&format!(">{year}</text>")), "{year}");
        }
        // Two marks in the same month take two lanes: two different y positions.
        let ys: std::collections::BTreeSet<&str> = svg
            .match_indices("cy=\"")
            .map(|(i, _)| svg[i + 4..].split('"').next().unwrap())
            .collect();
        assert_eq!(ys.len(), 2, "{svg}");
        let empty = timeline(&[], 2021, 2023, "Events", "no dated events");
        assert!(empty.contains(">no dated events</text>"));
    }
}
