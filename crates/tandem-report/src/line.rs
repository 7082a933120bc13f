//! Line charts over years ([`line_chart`]) and grids of small ones ([`small_multiples`]).
//!
//! A missing year is a gap: points are joined only between consecutive years that both have
//! a finite value, and a point without a neighbour is drawn as a dot, so a chart never
//! interpolates a value nor draws a missing one as zero. Vertical markers show the programme
//! start (solid) and breaks in a series (dashed); their labels are stacked in lanes above
//! the plot so that they never overlap each other or another marker's line. Every point
//! has a `<title>` tooltip (series — year: value). A series may carry a band (a confidence
//! interval per year): a translucent area behind its line, broken at missing years like the
//! line, a vertical bar for an isolated year. A chart may carry a [`Fan`]: many thin grey
//! lines behind the series (placebo gaps), one legend entry and one tooltip per line.
//! Colours come from the page style
//! ([`SERIES_CLASSES`]); all text is escaped; widths of CJK text use [`text_width`].

use crate::svg::{dom_id, text_width, Anchor, Svg};
use crate::text::{coord, esc, thousands};
use std::fmt::Write as _;

/// Width of every chart in user units (as the bar charts).
const WIDTH: f64 = 720.0;
/// Space right of the plot (room for the last year label).
const RIGHT: f64 = 14.0;
/// Horizontal inset of the first and last year inside the plot.
const INSET: f64 = 8.0;
/// Gap between the panels of a grid.
const GAP: f64 = 18.0;

/// Series colour classes of the page style, in order: `ln-1` the helper's blue, `ln-2` the
/// helped's orange, then green, purple, crimson, grey, ochre and teal.
pub const SERIES_CLASSES: [&str; 8] = [
    "ln-1", "ln-2", "ln-3", "ln-4", "ln-5", "ln-6", "ln-7", "ln-8",
];

/// How a series' line is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LineStyle {
    /// Published values.
    #[default]
    Solid,
    /// Derived values (e.g. computed from levels): a dashed line.
    Dashed,
}

/// One line of a [`LineChart`].
#[derive(Clone, Debug, PartialEq)]
pub struct LineSeries {
    /// Legend and tooltip label.
    pub label: String,
    /// (year, value) in any order. `None`, a non-finite value, a year outside the chart's
    /// range and (on a log scale) a value <= 0 leave a gap; of a year given twice the first
    /// usable value is drawn.
    pub points: Vec<(i32, Option<f64>)>,
    /// Colour: one of [`SERIES_CLASSES`].
    pub class: &'static str,
    /// Solid for published values, dashed for derived ones.
    pub style: LineStyle,
    /// Drawn thicker and on top of the other series.
    pub emphasis: bool,
    /// (year, lower, upper): an interval drawn as a translucent band behind the line (empty:
    /// none). Years are joined like the line's; a non-finite bound or a year outside the
    /// range leaves a gap. The bounds count in the y scale and are named in the tooltips.
    pub band: Vec<(i32, f64, f64)>,
}

/// What a [`YearMarker`] marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// Start of the pairing programme: a solid vertical line.
    ProgrammeStart,
    /// A break in a series (new definition, census revision): a dashed vertical line.
    SeriesBreak,
}

/// A labelled vertical line at a year.
#[derive(Clone, Debug, PartialEq)]
pub struct YearMarker {
    /// The year; fractions are allowed (2018.5 = between 2018 and 2019). A marker outside
    /// the chart's range is not drawn.
    pub year: f64,
    /// Text beside the line (kept short: it shares the lanes above the plot).
    pub label: String,
    pub kind: MarkerKind,
}

/// How values are printed on the y axis and in tooltips.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YFormat {
    /// Thousands separators; tooltips with `decimals`, ticks with the decimals their step
    /// needs (`150,000`).
    Thousands { decimals: usize },
    /// A ratio: two decimals and `×` in tooltips (`2.37×`).
    Ratio,
    /// A percentage with `decimals` in tooltips (`12.5%`).
    Percent { decimals: usize },
    /// An ordinal rank (1 = first), printed as a whole number. The axis is inverted so that
    /// rank 1 is at the top (up is better); with [`LineChart::y_zero`] it starts at rank 1.
    Rank,
}

impl YFormat {
    /// A value as tooltips print it; `—` for a non-finite one.
    pub fn value(self, v: f64) -> String {
        match self {
            YFormat::Thousands { decimals } => thousands(v, decimals),
            YFormat::Ratio => format!("{}×", thousands(v, 2)),
            YFormat::Percent { decimals } => format!("{}%", thousands(v, decimals)),
            YFormat::Rank => thousands(v, 0),
        }
    }

    /// A tick label with the `decimals` the tick step needs.
    fn tick(self, v: f64, decimals: usize) -> String {
        match self {
            YFormat::Thousands { .. } => thousands(v, decimals),
            YFormat::Ratio => format!("{}×", thousands(v, decimals)),
            YFormat::Percent { .. } => format!("{}%", thousands(v, decimals)),
            YFormat::Rank => thousands(v, 0),
        }
    }
}

/// A line chart over years.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Unique on the page: the ids `{id}-title` and `{id}-desc` are derived from it.
    pub id: String,
    /// Accessible name (`<title>`); a panel of [`small_multiples`] also shows it on top.
    pub title: String,
    /// Accessible summary (`<desc>`): what the chart shows and its main finding.
    pub description: String,
    /// Unit or quantity, written above the y axis (not drawn in small multiples).
    pub y_label: String,
    /// Shown instead of the chart when no series has a point ("no data" in the language).
    pub empty_text: String,
    /// First and last year of the x axis (inclusive).
    pub x_range: (i32, i32),
    /// The lines, in legend order (emphasised ones are drawn last, on top).
    pub series: Vec<LineSeries>,
    /// Programme start and series breaks.
    pub markers: Vec<YearMarker>,
    /// Tick labels and tooltips.
    pub y_format: YFormat,
    /// Logarithmic y axis (for levels growing over a decade or more).
    pub log_scale: bool,
    /// The linear y axis starts at zero (levels); `false` fits it to the data (ratios).
    pub y_zero: bool,
    /// Thin grey lines behind the series (e.g. placebo gaps), counted in the y scale.
    pub fan: Option<Fan>,
}

/// Many thin grey lines drawn behind a chart's series, with one legend entry and one
/// tooltip per line instead of one per point: a reference distribution such as the
/// in-space placebo gaps of a synthetic control (Abadie, Diamond & Hainmueller 2010, fig. 4).
#[derive(Clone, Debug, PartialEq)]
pub struct Fan {
    /// Legend label.
    pub label: String,
    /// (tooltip, points) of each line; points follow the rules of [`LineSeries::points`].
    pub lines: Vec<(String, YearValues)>,
}

/// (year, value) points of a line; `None` is a missing year.
pub type YearValues = Vec<(i32, Option<f64>)>;

/// Options of [`small_multiples`].
#[derive(Clone, Debug, PartialEq)]
pub struct Multiples {
    /// Unique on the page; the panels' ids are `{id}-0`, `{id}-1`, ...
    pub id: String,
    /// Accessible name of the grid.
    pub title: String,
    /// Accessible summary of the grid (each panel has its own).
    pub description: String,
    /// Panels per row (at least 1).
    pub columns: usize,
    /// One y scale for every panel (comparable values) instead of one per panel.
    pub shared_y: bool,
    /// Shown when there are no panels at all.
    pub empty_text: String,
}

/// Sizes of a full chart or of a compact panel.
struct Look {
    font: f64,
    tick_class: &'static str,
    mark_class: &'static str,
    mark_font: f64,
    lane: f64,
    ticks: usize,
    dot: f64,
    /// Visible dots on lines (else only isolated points show one).
    line_dots: bool,
    plot_height: f64,
}

const FULL: Look = Look {
    font: 12.0,
    tick_class: "axis-label",
    mark_class: "mk-label",
    mark_font: 11.0,
    lane: 15.0,
    ticks: 5,
    dot: 2.6,
    line_dots: true,
    plot_height: 250.0,
};

const COMPACT: Look = Look {
    font: 10.0,
    tick_class: "axis-label sm",
    mark_class: "mk-label sm",
    mark_font: 10.0,
    lane: 13.0,
    ticks: 4,
    dot: 1.9,
    line_dots: false,
    plot_height: 110.0,
};

/// A y scale: domain, tick values and the decimals of linear ticks.
#[derive(Clone, Debug, PartialEq)]
struct YScale {
    lo: f64,
    hi: f64,
    log: bool,
    ticks: Vec<f64>,
    decimals: usize,
    /// The lowest value at the top (ranks).
    invert: bool,
}

impl YScale {
    /// The scale of `values` with about `target` ticks; `None` without a finite value.
    fn fit(values: &[f64], zero: bool, log: bool, target: usize) -> Option<YScale> {
        let finite = values.iter().copied().filter(|v| v.is_finite());
        let (min, max) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if !min.is_finite() || !max.is_finite() {
            return None;
        }
        Some(if log && min > 0.0 {
            log_scale(min, max)
        } else {
            linear_scale(min, max, zero, target)
        })
    }

    /// The scale as `format` needs it: a rank axis is inverted (rank 1 on top), starts at
    /// rank 1 when `zero` (instead of 0) and labels no rank below 1.
    fn for_format(mut self, format: YFormat, zero: bool) -> YScale {
        if format != YFormat::Rank || self.log {
            return self;
        }
        self.invert = true;
        self.ticks.retain(|t| *t >= 1.0);
        if zero && self.ticks.first().is_none_or(|t| *t > 1.0) {
            self.ticks.insert(0, 1.0);
        }
        self
    }

    /// Position of `v` between the bottom (0) and the top (1).
    fn frac(&self, v: f64) -> f64 {
        let f = self.frac_up(v);
        if self.invert {
            1.0 - f
        } else {
            f
        }
    }

    /// Position of `v` from the bottom (0) to the top (1) on a non-inverted axis.
    fn frac_up(&self, v: f64) -> f64 {
        let (v, lo, hi) = if self.log {
            (v.log10(), self.lo.log10(), self.hi.log10())
        } else {
            (v, self.lo, self.hi)
        };
        if hi > lo {
            (v - lo) / (hi - lo)
        } else {
            0.5
        }
    }

    fn tick_decimals(&self, v: f64) -> usize {
        if self.log {
            decimals_for(v)
        } else {
            self.decimals
        }
    }
}

/// Decimals needed to print multiples of `x` (a 1-2-5 step).
fn decimals_for(x: f64) -> usize {
    if !x.is_finite() || x <= 0.0 || x >= 1.0 {
        0
    } else {
        ((-x.log10()) - 1e-9).ceil().clamp(0.0, 6.0) as usize
    }
}

/// The 1-2-5 step giving about `target` intervals over `span`.
fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let norm = raw / mag;
    let m = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .find(|m| *m >= norm - 1e-9)
        .unwrap_or(10.0);
    m * mag
}

fn linear_scale(min: f64, max: f64, zero: bool, target: usize) -> YScale {
    let (mut min, mut max) = if zero {
        (min.min(0.0), max.max(0.0))
    } else {
        (min, max)
    };
    if max - min <= f64::EPSILON * max.abs().max(1.0) {
        let pad = if min == 0.0 { 1.0 } else { min.abs() * 0.1 };
        max += pad;
        if !(zero && min == 0.0) {
            min -= pad;
        }
    }
    let step = nice_step(max - min, target);
    let lo = (min / step).floor() * step;
    let hi = (max / step).ceil() * step;
    let n = ((hi - lo) / step).round() as usize;
    let ticks = (0..=n).map(|k| lo + k as f64 * step).collect();
    YScale {
        lo,
        hi,
        log: false,
        ticks,
        decimals: decimals_for(step),
        invert: false,
    }
}

/// `v` rounded down (`up == false`) or up to a 1-2-5 value.
fn round_125(v: f64, up: bool) -> f64 {
    let mag = 10f64.powf(v.log10().floor());
    let m = v / mag;
    let pick = if up {
        [1.0, 2.0, 5.0, 10.0].into_iter().find(|c| *c >= m - 1e-9)
    } else {
        [5.0, 2.0, 1.0].into_iter().find(|c| *c <= m + 1e-9)
    };
    pick.unwrap_or(1.0) * mag
}

fn log_scale(min: f64, max: f64) -> YScale {
    let lo = round_125(min, false);
    let mut hi = round_125(max, true);
    if hi <= lo {
        hi = round_125(lo * 1.5, true);
    }
    let mantissas: &[f64] = if (hi / lo).log10() <= 2.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let (e0, e1) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let ticks = (e0..=e1)
        .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
        .filter(|v| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9))
        .collect();
    YScale {
        lo,
        hi,
        log: true,
        ticks,
        decimals: 0,
        invert: false,
    }
}

/// The plot area in user units and the years it spans.
#[derive(Clone, Copy, Debug)]
struct Plot {
    left: f64,
    top: f64,
    width: f64,
    height: f64,
    x0: i32,
    x1: i32,
    /// Horizontal extent marker labels may use (the drawing, or the panel's cell).
    room: (f64, f64),
}

impl Plot {
    fn x(&self, year: f64) -> f64 {
        if self.x1 > self.x0 {
            let t = (year - f64::from(self.x0)) / f64::from(self.x1 - self.x0);
            self.left + INSET + t * (self.width - 2.0 * INSET)
        } else {
            self.left + self.width / 2.0
        }
    }

    fn y(&self, scale: &YScale, v: f64) -> f64 {
        self.top + self.height * (1.0 - scale.frac(v))
    }

    fn bottom(&self) -> f64 {
        self.top + self.height
    }

    fn right(&self) -> f64 {
        self.left + self.width
    }
}

/// The chart's range with the first year first.
fn year_range(chart: &LineChart) -> (i32, i32) {
    let (a, b) = chart.x_range;
    (a.min(b), a.max(b))
}

/// The drawable points of a series, sorted by year (see [`LineSeries::points`]).
fn clean(series: &LineSeries, range: (i32, i32), log: bool) -> Vec<(i32, f64)> {
    clean_points(&series.points, range, log)
}

/// The drawable points of `points`, sorted by year (see [`LineSeries::points`]).
fn clean_points(points: &[(i32, Option<f64>)], range: (i32, i32), log: bool) -> Vec<(i32, f64)> {
    let mut pts: Vec<(i32, f64)> = Vec::new();
    for &(year, v) in points {
        let Some(v) = v.filter(|v| v.is_finite() && (!log || *v > 0.0)) else {
            continue;
        };
        if year >= range.0 && year <= range.1 && !pts.iter().any(|p| p.0 == year) {
            pts.push((year, v));
        }
    }
    pts.sort_by_key(|p| p.0);
    pts
}

/// The drawable points of every series of a chart.
fn chart_points(chart: &LineChart) -> Vec<Vec<(i32, f64)>> {
    let range = year_range(chart);
    chart
        .series
        .iter()
        .map(|s| clean(s, range, chart.log_scale))
        .collect()
}

fn values(points: &[Vec<(i32, f64)>]) -> Vec<f64> {
    points.iter().flatten().map(|p| p.1).collect()
}

/// The drawable intervals of a series' band, sorted by year, lower bound first (see
/// [`LineSeries::band`]).
fn clean_band(series: &LineSeries, range: (i32, i32), log: bool) -> Vec<(i32, f64, f64)> {
    let mut out: Vec<(i32, f64, f64)> = Vec::new();
    for &(year, a, b) in &series.band {
        let usable = |v: f64| v.is_finite() && (!log || v > 0.0);
        let inside = year >= range.0 && year <= range.1;
        if usable(a) && usable(b) && inside && !out.iter().any(|p| p.0 == year) {
            out.push((year, a.min(b), a.max(b)));
        }
    }
    out.sort_by_key(|p| p.0);
    out
}

/// The values a chart's y scale must show: its points and the bounds of its bands.
fn scale_values(chart: &LineChart, points: &[Vec<(i32, f64)>]) -> Vec<f64> {
    let range = year_range(chart);
    let mut out = values(points);
    for s in &chart.series {
        let band = clean_band(s, range, chart.log_scale);
        out.extend(band.iter().flat_map(|b| [b.1, b.2]));
    }
    out.extend(
        fan_points(chart)
            .iter()
            .flat_map(|(_, l)| l.iter().map(|p| p.1)),
    );
    out
}

/// The drawable points of each line of the chart's fan, with its tooltip.
fn fan_points(chart: &LineChart) -> Vec<(&str, Vec<(i32, f64)>)> {
    let range = year_range(chart);
    let lines = chart.fan.iter().flat_map(|f| &f.lines);
    lines
        .map(|(tip, pts)| (tip.as_str(), clean_points(pts, range, chart.log_scale)))
        .collect()
}

/// Draws the fan: one thin path per run of consecutive years, its tooltip as the title.
fn draw_fan(svg: &mut Svg, ctx: &PanelCtx<'_>) {
    let (plot, scale) = (ctx.plot, ctx.scale);
    for (tip, points) in fan_points(ctx.chart) {
        for run in runs(&points).iter().filter(|r| r.len() > 1) {
            let mut d = String::new();
            for (i, p) in run.iter().enumerate() {
                let cmd = if i == 0 { "M" } else { " L" };
                let (x, y) = (plot.x(f64::from(p.0)), plot.y(scale, p.1));
                let _ = write!(d, "{cmd}{} {}", coord(x), coord(y));
            }
            svg.raw(&format!(
                r#"<path d="{d}" class="fan"><title>{}</title></path>"#,
                esc(tip)
            ));
        }
    }
}

/// Runs of consecutive years: each is one line; a run of one point is a dot.
fn runs(points: &[(i32, f64)]) -> Vec<&[(i32, f64)]> {
    runs_by(points, |p| p.0)
}

/// Runs of items of consecutive years (`year` of each), in the given order.
fn runs_by<T>(items: &[T], year: impl Fn(&T) -> i32) -> Vec<&[T]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=items.len() {
        if i == items.len() || year(&items[i]) != year(&items[i - 1]) + 1 {
            out.push(&items[start..i]);
            start = i;
        }
    }
    out
}

/// Width of the y tick labels plus their gap to the axis.
fn y_axis_width(scale: &YScale, format: YFormat, look: &Look) -> f64 {
    let widest = scale
        .ticks
        .iter()
        .map(|t| text_width(&format.tick(*t, scale.tick_decimals(*t)), look.font))
        .fold(0.0, f64::max);
    (widest + 8.0).max(24.0)
}

fn draw_y_axis(svg: &mut Svg, plot: &Plot, scale: &YScale, format: YFormat, look: &Look) {
    for &t in &scale.ticks {
        let y = plot.y(scale, t);
        svg.line(plot.left, y, plot.right(), y, "grid");
        let label = format.tick(t, scale.tick_decimals(t));
        let baseline = y + look.font * 0.35;
        svg.text(
            plot.left - 6.0,
            baseline,
            &label,
            look.tick_class,
            Anchor::End,
        );
    }
    if !scale.log && scale.lo < 0.0 && scale.hi > 0.0 {
        let y = plot.y(scale, 0.0);
        svg.line(plot.left, y, plot.right(), y, "axis");
    }
    svg.line(
        plot.left,
        plot.bottom(),
        plot.right(),
        plot.bottom(),
        "axis",
    );
}

/// The labelled years: every 5 (every year over 6 years or less, every 10 or 20 when space
/// is short), the first and the last, without two labels overlapping.
fn year_labels(plot: &Plot, look: &Look) -> Vec<i32> {
    let (x0, x1) = (plot.x0, plot.x1);
    let room = text_width("0000", look.font) + 6.0;
    let per_year = (plot.x(f64::from(x0) + 1.0) - plot.x(f64::from(x0))).abs();
    let step = [1, 5, 10, 20, 50]
        .into_iter()
        .filter(|s| *s > 1 || x1 - x0 <= 6)
        .find(|s| f64::from(*s) * per_year >= room)
        .unwrap_or(100);
    let mut chosen = vec![x0];
    if x1 > x0 {
        chosen.push(x1);
    }
    for year in (x0 + 1)..x1 {
        let far = |c: &i32| (plot.x(f64::from(*c)) - plot.x(f64::from(year))).abs() >= room;
        if year.rem_euclid(step) == 0 && chosen.iter().all(far) {
            chosen.push(year);
        }
    }
    chosen.sort_unstable();
    chosen
}

fn draw_x_axis(svg: &mut Svg, plot: &Plot, look: &Look) {
    let bottom = plot.bottom();
    for year in plot.x0..=plot.x1 {
        let x = plot.x(f64::from(year));
        svg.line(x, bottom, x, bottom + 3.0, "axis");
    }
    for year in year_labels(plot, look) {
        let x = plot.x(f64::from(year));
        svg.line(x, bottom, x, bottom + 5.0, "axis");
        let y = bottom + look.font + 6.0;
        svg.text(x, y, &year.to_string(), look.tick_class, Anchor::Middle);
    }
}

/// The classes of a series' line.
fn line_class(series: &LineSeries) -> String {
    let mut class = format!("ln {}", series.class);
    if series.style == LineStyle::Dashed {
        class.push_str(" dash");
    }
    if series.emphasis {
        class.push_str(" emph");
    }
    class
}

/// Draws one series: a path per run of consecutive years, a dot with a tooltip per point
/// (larger for an isolated point; on a line an invisible one in compact panels).
fn draw_series(svg: &mut Svg, ctx: &PanelCtx<'_>, series: &LineSeries, points: &[(i32, f64)]) {
    let (plot, scale) = (ctx.plot, ctx.scale);
    let at = |p: &(i32, f64)| (plot.x(f64::from(p.0)), plot.y(scale, p.1));
    let runs = runs(points);
    for run in runs.iter().filter(|r| r.len() > 1) {
        let mut d = String::new();
        for (i, p) in run.iter().enumerate() {
            let (x, y) = at(p);
            let cmd = if i == 0 { "M" } else { " L" };
            let _ = write!(d, "{cmd}{} {}", coord(x), coord(y));
        }
        let class = esc(&line_class(series));
        svg.raw(&format!(r#"<path d="{d}" class="{class}"/>"#));
    }
    for run in &runs {
        let (r, class) = match (run.len(), ctx.look.line_dots) {
            (1, _) => (ctx.look.dot * 1.7, format!("pt {}", series.class)),
            (_, true) => (ctx.look.dot, format!("pt {}", series.class)),
            (_, false) => (3.0, format!("pt hit {}", series.class)),
        };
        for p in run.iter() {
            let (x, y) = at(p);
            let tip = tooltip(series, p, ctx.format);
            svg.circle(x, y, r, &class, Some(&tip));
        }
    }
}

/// "series — year: value", with the band's interval "[lower, upper]" when it has one.
fn tooltip(series: &LineSeries, p: &(i32, f64), format: YFormat) -> String {
    let mut tip = format!("{} — {}: {}", series.label, p.0, format.value(p.1));
    let band = series.band.iter().find(|b| b.0 == p.0);
    if let Some((_, a, b)) = band.filter(|b| b.1.is_finite() && b.2.is_finite()) {
        let (lo, hi) = (a.min(*b), a.max(*b));
        let _ = write!(tip, " [{}, {}]", format.value(lo), format.value(hi));
    }
    tip
}

/// Draws a series' band: a translucent area per run of consecutive years (upper bounds left
/// to right, then lower bounds back), a vertical bar for an isolated year.
fn draw_band(svg: &mut Svg, ctx: &PanelCtx<'_>, series: &LineSeries) {
    let band = clean_band(series, year_range(ctx.chart), ctx.chart.log_scale);
    let (plot, scale) = (ctx.plot, ctx.scale);
    let class = esc(&format!("band {}", series.class));
    for run in runs_by(&band, |b| b.0) {
        let x = |b: &(i32, f64, f64)| coord(plot.x(f64::from(b.0)));
        let y = |v: f64| coord(plot.y(scale, v));
        if let [only] = run {
            let (x, lo, hi) = (x(only), y(only.1), y(only.2));
            svg.raw(&format!(
                r#"<path d="M{x} {lo} L{x} {hi}" class="{class} bar"/>"#
            ));
            continue;
        }
        let upper = run.iter().map(|b| format!("{} {}", x(b), y(b.2)));
        let lower = run.iter().rev().map(|b| format!("{} {}", x(b), y(b.1)));
        let d: Vec<String> = upper.chain(lower).collect();
        svg.raw(&format!(
            r#"<path d="M{}Z" class="{class}"/>"#,
            d.join(" L")
        ));
    }
}

/// Where a marker's label goes: its lane above the plot (0 = lowest) and its extent.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Placed {
    index: usize,
    x: f64,
    lane: usize,
    from: f64,
    to: f64,
    anchor: Anchor,
}

impl Placed {
    fn overlaps(&self, from: f64, to: f64) -> bool {
        self.from < to + 6.0 && from < self.to + 6.0
    }

    /// Whether a label at `lane` from `from` to `to` of a marker at `x` collides with this
    /// label, or one of the two marker lines runs through the other label.
    fn blocks(&self, lane: usize, x: f64, from: f64, to: f64) -> bool {
        let inside = |x: f64, a: f64, b: f64| x > a - 3.0 && x < b + 3.0;
        match self.lane.cmp(&lane) {
            std::cmp::Ordering::Equal => self.overlaps(from, to),
            std::cmp::Ordering::Less => inside(x, self.from, self.to),
            std::cmp::Ordering::Greater => inside(self.x, from, to),
        }
    }
}

/// The label extents of a marker at `x` with a label `w` wide: right of the line, and left
/// of it; `None` where the label would leave `room`.
fn label_options(x: f64, w: f64, room: (f64, f64), left_first: bool) -> [Option<Side>; 2] {
    let right = (x + 4.0 + w <= room.1).then_some((x + 4.0, x + 4.0 + w, Anchor::Start));
    let left = (x - 4.0 - w >= room.0).then_some((x - 4.0 - w, x - 4.0, Anchor::End));
    match (right, left) {
        (None, None) => [Some((x + 4.0, x + 4.0 + w, Anchor::Start)), None],
        _ if left_first => [left, right],
        _ => [right, left],
    }
}

/// A label side: its extent and anchor.
type Side = (f64, f64, Anchor);

/// How [`place_in_order`] tries the free spots of a label.
#[derive(Clone, Copy)]
struct Strategy {
    /// Left of the line before right of it.
    left_first: bool,
    /// Every lane on the preferred side before the other side (else both sides per lane).
    side_first: bool,
}

/// The (lane, side) spots to try for a label, in the strategy's order.
fn spots(lanes: usize, sides: &[Side], strategy: Strategy) -> Vec<(usize, Side)> {
    if strategy.side_first {
        sides
            .iter()
            .flat_map(|s| (0..=lanes).map(|l| (l, *s)))
            .collect()
    } else {
        (0..=lanes)
            .flat_map(|l| sides.iter().map(move |s| (l, *s)))
            .collect()
    }
}

/// Places the markers in `order` (index, x), each on the first spot where it collides with
/// nothing placed before; without one it goes on top and counts as a collision. Returns the
/// placement and its number of collisions.
fn place_in_order(
    markers: &[YearMarker],
    order: &[(usize, f64)],
    look: &Look,
    room: (f64, f64),
    strategy: Strategy,
) -> (Vec<Placed>, usize) {
    let mut placed: Vec<Placed> = Vec::new();
    let mut collisions = 0;
    for &(index, x) in order {
        let w = text_width(&markers[index].label, look.mark_font);
        let sides: Vec<Side> = label_options(x, w, room, strategy.left_first)
            .into_iter()
            .flatten()
            .collect();
        let free = spots(placed.len(), &sides, strategy)
            .into_iter()
            .find(|(l, s)| !placed.iter().any(|p| p.blocks(*l, x, s.0, s.1)));
        let (lane, (from, to, anchor)) = free.unwrap_or_else(|| {
            collisions += 1;
            (lanes(&placed), sides[0])
        });
        placed.push(Placed {
            index,
            x,
            lane,
            from,
            to,
            anchor,
        });
    }
    (placed, collisions)
}

/// Assigns the marker labels to lanes above the plot so that no two labels overlap and no
/// marker line crosses another label; a label runs right or left of its line, within the
/// drawing. Several orders and side preferences are tried; the placement with the fewest
/// collisions, then lanes, is kept.
fn place_markers(markers: &[YearMarker], plot: &Plot, look: &Look) -> Vec<Placed> {
    let mut order: Vec<(usize, f64)> = markers
        .iter()
        .enumerate()
        .filter(|(_, m)| m.year.is_finite())
        .map(|(i, m)| (i, plot.x(m.year)))
        .filter(|(_, x)| *x >= plot.left && *x <= plot.right())
        .collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1));
    let reversed: Vec<(usize, f64)> = order.iter().rev().copied().collect();
    let mut best: Option<(Vec<Placed>, usize)> = None;
    for o in [&order, &reversed] {
        for (left_first, side_first) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let strategy = Strategy {
                left_first,
                side_first,
            };
            let (placed, collisions) = place_in_order(markers, o, look, plot.room, strategy);
            let key = (collisions, lanes(&placed));
            if best.as_ref().is_none_or(|(b, c)| key < (*c, lanes(b))) {
                best = Some((placed, collisions));
            }
        }
    }
    best.map_or_else(Vec::new, |(placed, _)| placed)
}

fn lanes(placed: &[Placed]) -> usize {
    placed.iter().map(|p| p.lane + 1).max().unwrap_or(0)
}

/// Space between the top of the marker lanes and the plot.
fn lanes_height(lanes: usize, look: &Look) -> f64 {
    if lanes == 0 {
        0.0
    } else {
        lanes as f64 * look.lane + 4.0
    }
}

fn label_baseline(plot: &Plot, lane: usize, look: &Look) -> f64 {
    plot.top - 5.0 - lane as f64 * look.lane
}

fn draw_marker_lines(svg: &mut Svg, ctx: &PanelCtx<'_>) {
    for p in ctx.placed {
        let class = match ctx.chart.markers[p.index].kind {
            MarkerKind::ProgrammeStart => "mk-start",
            MarkerKind::SeriesBreak => "mk-break",
        };
        let top = label_baseline(ctx.plot, p.lane, ctx.look) - ctx.look.mark_font * 0.8;
        svg.line(p.x, top, p.x, ctx.plot.bottom(), class);
    }
}

fn draw_marker_labels(svg: &mut Svg, ctx: &PanelCtx<'_>) {
    for p in ctx.placed {
        let y = label_baseline(ctx.plot, p.lane, ctx.look);
        let x = match p.anchor {
            Anchor::End => p.to,
            _ => p.from,
        };
        let label = &ctx.chart.markers[p.index].label;
        svg.text(x, y, label, ctx.look.mark_class, p.anchor);
    }
}

/// Everything needed to draw one plot.
struct PanelCtx<'a> {
    chart: &'a LineChart,
    points: &'a [Vec<(i32, f64)>],
    plot: &'a Plot,
    scale: &'a YScale,
    placed: &'a [Placed],
    look: &'a Look,
    format: YFormat,
}

/// Grid, axes, marker lines, the series (emphasised ones last) and marker labels on top.
fn draw_plot(svg: &mut Svg, ctx: &PanelCtx<'_>) {
    draw_y_axis(svg, ctx.plot, ctx.scale, ctx.format, ctx.look);
    draw_marker_lines(svg, ctx);
    draw_fan(svg, ctx);
    let mut order: Vec<usize> = (0..ctx.chart.series.len()).collect();
    order.sort_by_key(|i| ctx.chart.series[*i].emphasis);
    for i in &order {
        draw_band(svg, ctx, &ctx.chart.series[*i]);
    }
    for i in order {
        draw_series(svg, ctx, &ctx.chart.series[i], &ctx.points[i]);
    }
    draw_x_axis(svg, ctx.plot, ctx.look);
    draw_marker_labels(svg, ctx);
}

/// Legend positions (relative to the legend's top left) and its height, items flowing in
/// rows of at most `width`.
fn legend_layout(labels: &[&str], width: f64) -> (Vec<(f64, f64)>, f64) {
    let (mut x, mut y) = (0.0, 0.0);
    let mut pos = Vec::new();
    for label in labels {
        let w = 30.0 + text_width(label, 12.0) + 20.0;
        if x > 0.0 && x + w > width {
            x = 0.0;
            y += 20.0;
        }
        pos.push((x, y));
        x += w;
    }
    let height = if labels.is_empty() { 0.0 } else { y + 20.0 };
    (pos, height)
}

/// One entry of a legend: a series or a fan.
enum LegendItem<'a> {
    Series(&'a LineSeries),
    Fan(&'a Fan),
}

impl LegendItem<'_> {
    fn label(&self) -> &str {
        match self {
            LegendItem::Series(s) => &s.label,
            LegendItem::Fan(f) => &f.label,
        }
    }
}

/// The legend of a chart or grid: the fans (once per label), then the series.
fn legend_items<'a>(fans: &[&'a Fan], series: &[&'a LineSeries]) -> Vec<LegendItem<'a>> {
    let mut items: Vec<LegendItem<'a>> = Vec::new();
    for f in fans {
        if !items.iter().any(|i| i.label() == f.label) {
            items.push(LegendItem::Fan(f));
        }
    }
    items.extend(series.iter().map(|s| LegendItem::Series(s)));
    items
}

/// Draws the legend with its top left at (`left`, `top`).
fn draw_legend(svg: &mut Svg, items: &[LegendItem<'_>], left: f64, top: f64, pos: &[(f64, f64)]) {
    for (item, (dx, dy)) in items.iter().zip(pos) {
        let (x, y) = (left + dx, top + dy + 10.0);
        match item {
            LegendItem::Series(s) => {
                if !s.band.is_empty() {
                    svg.rect(x, y - 6.0, 24.0, 12.0, &format!("band {}", s.class), None);
                }
                svg.line(x, y, x + 24.0, y, &line_class(s));
                svg.circle(x + 12.0, y, FULL.dot, &format!("pt {}", s.class), None);
            }
            LegendItem::Fan(_) => {
                for dy in [-4.0, 0.0, 4.0] {
                    svg.line(x, y + dy, x + 24.0, y - dy, "fan");
                }
            }
        }
        svg.text(x + 30.0, y + 4.0, item.label(), "legend", Anchor::Start);
    }
}

/// The small drawing shown when there is nothing to plot: `text` in a dashed box.
fn empty_svg(id: &str, title: &str, description: &str, text: &str) -> String {
    let mut svg = Svg::new(WIDTH, 60.0, title);
    svg.rect(1.0, 8.0, WIDTH - 2.0, 44.0, "bar-missing", None);
    svg.text(WIDTH / 2.0, 34.0, text, "missing-label", Anchor::Middle);
    svg.finish_described(id, description, "img")
}

/// A line chart over years with gaps for missing years, year markers, a legend and a
/// tooltip on every point (see the module documentation). Without any point it is a small
/// drawing with `empty_text` instead of an empty axis.
pub fn line_chart(chart: &LineChart) -> String {
    let points = chart_points(chart);
    let all = scale_values(chart, &points);
    let fit = YScale::fit(&all, chart.y_zero, chart.log_scale, FULL.ticks)
        .map(|s| s.for_format(chart.y_format, chart.y_zero));
    let Some(scale) = fit else {
        let c = chart;
        return empty_svg(&c.id, &c.title, &c.description, &c.empty_text);
    };
    let (plot, placed) = full_plot(chart, &scale);
    let series: Vec<&LineSeries> = chart.series.iter().collect();
    let fans: Vec<&Fan> = chart.fan.iter().filter(|f| !f.lines.is_empty()).collect();
    let items = legend_items(&fans, &series);
    let labels: Vec<&str> = items.iter().map(LegendItem::label).collect();
    let (pos, legend_h) = legend_layout(&labels, WIDTH - plot.left);
    let legend_top = plot.bottom() + 30.0;
    let mut svg = Svg::new(WIDTH, legend_top + legend_h + 4.0, &chart.title);
    svg.text(0.0, 14.0, &chart.y_label, "axis-label", Anchor::Start);
    let ctx = PanelCtx {
        chart,
        points: &points,
        plot: &plot,
        scale: &scale,
        placed: &placed,
        look: &FULL,
        format: chart.y_format,
    };
    draw_plot(&mut svg, &ctx);
    draw_legend(&mut svg, &items, plot.left, legend_top, &pos);
    svg.finish_described(&chart.id, &chart.description, "img")
}

/// The plot of a full chart and its marker labels: below the y label and the marker lanes,
/// right of the y tick labels.
fn full_plot(chart: &LineChart, scale: &YScale) -> (Plot, Vec<Placed>) {
    let (x0, x1) = year_range(chart);
    let left = y_axis_width(scale, chart.y_format, &FULL);
    let mut plot = Plot {
        left,
        top: 0.0,
        width: WIDTH - left - RIGHT,
        height: FULL.plot_height,
        x0,
        x1,
        room: (2.0, WIDTH - 2.0),
    };
    let placed = place_markers(&chart.markers, &plot, &FULL);
    plot.top = 26.0 + lanes_height(lanes(&placed), &FULL);
    (plot, placed)
}

/// `text` shortened with `…` to fit `width` at `font` px.
fn fit_text(text: &str, width: f64, font: f64) -> String {
    if text_width(text, font) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out, font) + text_width(&format!("{c}…"), font) > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// One panel of a grid: its points, scale (`None`: no data) and geometry.
struct Panel<'a> {
    chart: &'a LineChart,
    points: Vec<Vec<(i32, f64)>>,
    scale: Option<YScale>,
    plot: Plot,
    placed: Vec<Placed>,
    /// Top left of the panel's cell.
    origin: (f64, f64),
}

type Points = Vec<Vec<(i32, f64)>>;

/// The y scales of the panels: one shared by all (panels without data keep none), or one
/// each.
fn panel_scales(panels: &[LineChart], points: &[Points], shared: bool) -> Vec<Option<YScale>> {
    let fit = |c: &LineChart, v: &[f64]| {
        YScale::fit(v, c.y_zero, c.log_scale, COMPACT.ticks)
            .map(|s| s.for_format(c.y_format, c.y_zero))
    };
    if !shared {
        return panels
            .iter()
            .zip(points)
            .map(|(c, p)| fit(c, &scale_values(c, p)))
            .collect();
    }
    let all: Vec<f64> = panels
        .iter()
        .zip(points)
        .flat_map(|(c, p)| scale_values(c, p))
        .collect();
    let zero = panels.iter().any(|c| c.y_zero);
    let log = panels.iter().all(|c| c.log_scale);
    let format = panels.first().map_or(YFormat::Ratio, |c| c.y_format);
    let scale = YScale::fit(&all, zero, log, COMPACT.ticks).map(|s| s.for_format(format, zero));
    let has_data = |p: &Points| p.iter().any(|s| !s.is_empty());
    points
        .iter()
        .map(|p| scale.clone().filter(|_| has_data(p)))
        .collect()
}

/// Geometry of every panel in cells of `cell_w` and the cell height: one x range for all,
/// and every cell with the same title band, marker lanes and plot height so rows align.
fn layout_panels(
    panels: &[LineChart],
    columns: usize,
    shared_y: bool,
    cell_w: f64,
) -> (Vec<Panel<'_>>, f64) {
    let x0 = panels.iter().map(|c| year_range(c).0).min().unwrap_or(0);
    let x1 = panels.iter().map(|c| year_range(c).1).max().unwrap_or(0);
    let points: Vec<Points> = panels.iter().map(chart_points).collect();
    let scales = panel_scales(panels, &points, shared_y);
    let mut out: Vec<Panel<'_>> = Vec::new();
    for (i, ((chart, points), scale)) in panels.iter().zip(points).zip(scales).enumerate() {
        let axis = scale
            .as_ref()
            .map_or(0.0, |s| y_axis_width(s, chart.y_format, &COMPACT));
        let origin = ((i % columns) as f64 * (cell_w + GAP), 0.0);
        let plot = Plot {
            left: origin.0 + axis,
            top: 0.0,
            width: cell_w - axis - 4.0,
            height: COMPACT.plot_height,
            x0,
            x1,
            room: (origin.0, origin.0 + cell_w),
        };
        let placed = place_markers(&chart.markers, &plot, &COMPACT);
        out.push(Panel {
            chart,
            points,
            scale,
            plot,
            placed,
            origin,
        });
    }
    let band = 24.0
        + lanes_height(
            out.iter().map(|p| lanes(&p.placed)).max().unwrap_or(0),
            &COMPACT,
        );
    let cell_h = band + COMPACT.plot_height + 36.0;
    for (i, p) in out.iter_mut().enumerate() {
        p.origin.1 = (i / columns) as f64 * cell_h;
        p.plot.top = p.origin.1 + band;
    }
    (out, cell_h)
}

/// Draws one panel as a labelled group: its title, then the plot or the empty text.
fn draw_panel(svg: &mut Svg, panel: &Panel<'_>, id: &str, cell_w: f64) {
    let chart = panel.chart;
    svg.raw(&format!(
        r#"<g role="img" aria-labelledby="{id}-title {id}-desc"><title id="{id}-title">{}</title><desc id="{id}-desc">{}</desc>"#,
        esc(&chart.title),
        esc(&chart.description)
    ));
    let (x, y) = panel.origin;
    let title = fit_text(&chart.title, cell_w, 13.0);
    svg.text(x, y + 14.0, &title, "group-title", Anchor::Start);
    match &panel.scale {
        Some(scale) => {
            let ctx = PanelCtx {
                chart,
                points: &panel.points,
                plot: &panel.plot,
                scale,
                placed: &panel.placed,
                look: &COMPACT,
                format: chart.y_format,
            };
            draw_plot(svg, &ctx);
        }
        None => {
            let p = &panel.plot;
            svg.rect(x, p.top, cell_w, p.height, "bar-missing", None);
            let (cx, cy) = (x + cell_w / 2.0, p.top + p.height / 2.0 + 4.0);
            svg.text(cx, cy, &chart.empty_text, "missing-label", Anchor::Middle);
        }
    }
    svg.raw("</g>");
}

/// The series of all panels with a distinct label, colour or style, for the shared legend.
fn distinct_series(panels: &[LineChart]) -> Vec<&LineSeries> {
    let mut out: Vec<&LineSeries> = Vec::new();
    for s in panels.iter().flat_map(|c| &c.series) {
        let same = |o: &&LineSeries| o.label == s.label && o.class == s.class && o.style == s.style;
        if !out.iter().any(same) {
            out.push(s);
        }
    }
    out
}

/// A grid of compact line charts in `opts.columns` columns, one SVG: every panel on the x
/// range spanning all panels' ranges, on a y scale of its own or (`opts.shared_y`) one for
/// all, with its title on top and its markers. The SVG is a labelled group of panels that
/// are labelled images themselves (`{id}-0-title`, ...). A legend below lists the series
/// when there is more than one distinct series; panels' `y_label`s are not drawn (put the
/// unit in the caption). A panel without data shows its `empty_text`; no panel at all gives
/// the small drawing with `opts.empty_text`.
pub fn small_multiples(panels: &[LineChart], opts: &Multiples) -> String {
    if panels.is_empty() {
        return empty_svg(&opts.id, &opts.title, &opts.description, &opts.empty_text);
    }
    let columns = opts.columns.clamp(1, panels.len());
    let cell_w = (WIDTH - GAP * (columns - 1) as f64) / columns as f64;
    let (laid, cell_h) = layout_panels(panels, columns, opts.shared_y, cell_w);
    let grid_h = panels.len().div_ceil(columns) as f64 * cell_h;
    let series = distinct_series(panels);
    let series = if series.len() > 1 { series } else { Vec::new() };
    let fans: Vec<&Fan> = panels
        .iter()
        .filter_map(|p| p.fan.as_ref())
        .filter(|f| !f.lines.is_empty())
        .collect();
    let items = legend_items(&fans, &series);
    let labels: Vec<&str> = items.iter().map(LegendItem::label).collect();
    let (pos, legend_h) = legend_layout(&labels, WIDTH);
    let mut svg = Svg::new(WIDTH, grid_h + legend_h + 4.0, &opts.title);
    let gid = dom_id(&opts.id);
    for (i, panel) in laid.iter().enumerate() {
        draw_panel(&mut svg, panel, &format!("{gid}-{i}"), cell_w);
    }
    draw_legend(&mut svg, &items, 0.0, grid_h, &pos);
    svg.finish_described(&gid, &opts.description, "group")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(label: &str, class: &'static str, points: Vec<(i32, Option<f64>)>) -> LineSeries {
        LineSeries {
            label: label.into(),
            points,
            class,
            style: LineStyle::Solid,
            emphasis: false,
            band: Vec::new(),
        }
    }

    fn chart(id: &str, series: Vec<LineSeries>, markers: Vec<YearMarker>) -> LineChart {
        LineChart {
            id: id.into(),
            title: "GDP per capita".into(),
            description: "Four series, 2000-2023.".into(),
            y_label: "yuan per person".into(),
            empty_text: "no data".into(),
            x_range: (2000, 2023),
            series,
            markers,
            y_format: YFormat::Thousands { decimals: 0 },
            log_scale: false,
            y_zero: true,
            fan: None,
        }
    }

    fn marker(year: f64, label: &str, kind: MarkerKind) -> YearMarker {
        YearMarker {
            year,
            label: label.into(),
            kind,
        }
    }

    /// Per-capita GDP-like values: `base` in 2000 growing by `growth` a year, with a dip in
    /// 2020 and a little noise.
    fn growth(base: f64, growth: f64) -> Vec<(i32, Option<f64>)> {
        (2000..=2023)
            .map(|y| {
                let t = f64::from(y - 2000);
                let dip = if y == 2020 { 0.96 } else { 1.0 };
                let v = base * growth.powf(t) * dip * (1.0 + 0.015 * (t * 1.7).sin());
                (y, Some(v.round()))
            })
            .collect()
    }

    /// The sample of the brief: helper, helped (gap 2001-2004), province and northern Anhui
    /// (derived, dashed), programme start 2021, breaks at 2018.5 and 2019.5.
    fn sample(zh: bool) -> LineChart {
        let pick = |a: &str, b: &str| if zh { a.to_string() } else { b.to_string() };
        let mut helped = growth(10_500.0, 1.088);
        for p in helped.iter_mut().filter(|p| (2001..=2004).contains(&p.0)) {
            p.1 = None;
        }
        let mut north = series(
            &pick("皖北六市（推算）", "Northern Anhui (derived)"),
            "ln-4",
            growth(4_800.0, 1.105),
        );
        north.style = LineStyle::Dashed;
        let mut helped = series(&pick("受援方：阜阳市", "Helped: Fuyang"), "ln-2", helped);
        helped.emphasis = true;
        let mut c = chart(
            if zh { "pcgdp-zh" } else { "pcgdp-en" },
            vec![
                series(
                    &pick("支援方：上海市闵行区", "Helper: Minhang, Shanghai"),
                    "ln-1",
                    growth(26_000.0, 1.086),
                ),
                helped,
                series(
                    &pick("安徽省", "Anhui province"),
                    "ln-3",
                    growth(5_200.0, 1.11),
                ),
                north,
            ],
            vec![
                marker(
                    2021.0,
                    &pick("结对合作帮扶启动", "Pairing starts"),
                    MarkerKind::ProgrammeStart,
                ),
                marker(
                    2018.5,
                    &pick("第四次经济普查修订", "4th economic census revision"),
                    MarkerKind::SeriesBreak,
                ),
                marker(
                    2019.5,
                    &pick("第七次人口普查口径", "7th population census base"),
                    MarkerKind::SeriesBreak,
                ),
            ],
        );
        c.title = pick("人均地区生产总值", "GDP per capita");
        c.y_label = pick("元/人", "yuan per person");
        c.empty_text = pick("无数据", "no data");
        c
    }

    /// Tags balance, attribute quotes pair up, and `&` only starts one of the entities
    /// `esc` writes: enough to know the markup parses as XML.
    fn assert_well_formed(svg: &str) {
        let mut stack: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(i) = rest.find('<') {
            assert!(!rest[..i].contains('>'), "stray > before {}", &rest[i..]);
            let end = i + rest[i..].find('>').expect("unclosed tag");
            let tag = &rest[i + 1..end];
            assert!(!tag.contains('<'), "{tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "{tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop(), Some(name), "closing {name}");
            } else if !tag.ends_with('/') {
                stack.push(tag.split_whitespace().next().expect("tag name"));
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed {stack:?}");
        for (i, _) in svg.match_indices('&') {
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"];
            assert!(ok.iter().any(|e| svg[i..].starts_with(e)), "{}", &svg[i..]);
        }
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    /// The `d` attributes of the paths of class `class`.
    fn paths<'a>(svg: &'a str, class: &str) -> Vec<&'a str> {
        svg.split("<path d=\"")
            .skip(1)
            .filter(|p| p.contains(&format!("class=\"{class}\"")))
            .map(|p| p.split('"').next().unwrap())
            .collect()
    }

    fn ids(svg: &str) -> Vec<&str> {
        svg.split(" id=\"")
            .skip(1)
            .map(|p| p.split('"').next().unwrap())
            .collect()
    }

    #[test]
    fn gaps_split_the_line_and_isolated_points_are_dots() {
        let mut pts: Vec<(i32, Option<f64>)> = vec![(2000, Some(1.0)), (2001, Some(2.0))];
        pts.extend([(2002, None), (2003, None)]); // 2004 is not given at all
        pts.extend((2005..=2008).map(|y| (y, Some(f64::from(y - 2000)))));
        pts.extend([
            (2010, Some(9.0)),
            (2011, Some(f64::NAN)),
            (2013, Some(8.0)),
            (2012, Some(7.0)),
        ]);
        let svg = line_chart(&chart("gaps", vec![series("s", "ln-1", pts)], vec![]));
        let d = paths(&svg, "ln ln-1");
        assert_eq!(d.len(), 3, "{svg}");
        assert_eq!(d.iter().map(|d| count(d, "M")).sum::<usize>(), 3);
        assert_eq!(
            d.iter().map(|d| count(d, "L")).collect::<Vec<_>>(),
            [1, 3, 1]
        );
        // Every point has a dot with its tooltip; the isolated 2010 is a larger one.
        assert_eq!(
            count(&svg, "class=\"pt ln-1\""),
            2 + 4 + 1 + 2 + 1,
            "with the legend"
        );
        assert_eq!(
            count(
                &svg,
                r#"r="4.4" class="pt ln-1"><title>s — 2010: 9</title>"#
            ),
            1
        );
        for missing in ["2002:", "2003:", "2004:", "2009:", "2011:"] {
            assert!(!svg.contains(&format!("— {missing}")), "{missing}");
        }
        assert_well_formed(&svg);
    }

    #[test]
    fn bands_break_at_missing_years_and_widen_the_scale() {
        let pts: Vec<(i32, Option<f64>)> = (2000..=2006).map(|y| (y, Some(0.0))).collect();
        let mut s = series("effect", "ln-2", pts);
        // 2000-2002 joined, 2003 missing, 2004 alone, 2005 NaN, 2006 alone (bounds swapped).
        s.band = vec![
            (2000, -1.0, 1.0),
            (2001, -2.0, 2.0),
            (2002, -1.0, 1.0),
            (2004, -3.0, 3.0),
            (2005, f64::NAN, 1.0),
            (2006, 5.0, -5.0),
        ];
        let mut c = chart("band", vec![s], vec![]);
        c.y_zero = false;
        let svg = line_chart(&c);
        let areas: Vec<&str> = svg
            .split("<path d=\"")
            .filter_map(|p| p.split("/>").next()?.strip_suffix(r#"" class="band ln-2""#))
            .collect();
        assert_eq!(areas.len(), 1, "{svg}");
        assert_eq!((count(areas[0], "L"), count(areas[0], "Z")), (5, 1));
        assert_eq!(
            count(&svg, r#"class="band ln-2 bar"/>"#),
            2,
            "2004 and 2006"
        );
        // The scale holds the widest bound; the tooltips name the interval.
        assert!(
            svg.contains(">-6</text>") && svg.contains(">6</text>"),
            "{svg}"
        );
        assert!(svg.contains("<title>effect — 2001: 0 [-2, 2]</title>"));
        assert!(svg.contains("<title>effect — 2003: 0</title>"));
        assert!(svg.contains("<title>effect — 2006: 0 [-5, 5]</title>"));
        // The legend shows the band behind the line; the band is drawn before the line.
        assert_eq!(count(&svg, r#"class="band ln-2"/>"#), 2);
        assert!(svg.find("class=\"band ln-2\"").unwrap() < svg.find("class=\"ln ln-2\"").unwrap());
        assert!(!svg.contains("NaN"));
        assert_well_formed(&svg);
    }

    #[test]
    fn a_fan_is_drawn_behind_the_series_with_one_legend_entry() {
        let pts: Vec<(i32, Option<f64>)> = (2000..=2006).map(|y| (y, Some(0.0))).collect();
        let mut c = chart("fan", vec![series("city", "ln-2", pts)], vec![]);
        c.y_zero = false;
        // Two placebos: one whole, one with a gap in 2003 and a NaN; the scale reaches -8.
        let line = |v: f64| (2000..=2006).map(|y| (y, Some(v))).collect::<Vec<_>>();
        let mut gappy = line(-8.0);
        gappy[3].1 = None;
        gappy[5].1 = Some(f64::NAN);
        c.fan = Some(Fan {
            label: "Placebos & <co>".into(),
            lines: vec![
                ("Placebo: A".into(), line(2.0)),
                ("Placebo: B".into(), gappy),
            ],
        });
        let svg = line_chart(&c);
        let paths = count(&svg, r#"class="fan"><title>"#);
        assert_eq!(
            paths, 2,
            "A whole; B 2000-2002 (2004 and 2006 alone draw nothing)"
        );
        assert_eq!(count(&svg, "<title>Placebo: B</title>"), 1);
        // One legend entry of three strokes, before the series' entry; no dots on the fan.
        assert_eq!(count(&svg, r#"class="fan"/>"#), 3);
        assert!(svg.contains(">Placebos &amp; &lt;co&gt;</text>"));
        assert!(svg.find("Placebos &amp;").unwrap() < svg.find(">city</text>").unwrap());
        assert!(svg.find(r#"class="fan""#).unwrap() < svg.find(r#"class="ln ln-2""#).unwrap());
        assert!(svg.contains(">-8</text>"), "{svg}");
        assert!(!svg.contains("NaN"));
        assert_well_formed(&svg);
        // An empty fan leaves no trace.
        c.fan = Some(Fan {
            label: "Placebos".into(),
            lines: Vec::new(),
        });
        let svg = line_chart(&c);
        assert!(!svg.contains(r#"class="fan""#) && !svg.contains("Placebos"));
    }

    #[test]
    fn nothing_non_finite_reaches_the_output() {
        let pts = vec![
            (2000, Some(f64::NAN)),
            (2001, Some(f64::INFINITY)),
            (2002, Some(f64::NEG_INFINITY)),
            (2003, Some(0.0)),
            (2004, Some(-5.0)),
            (2005, Some(3.0)),
            (2006, Some(3.0)),
        ];
        for log in [false, true] {
            let mut c = chart("nf", vec![series("s", "ln-1", pts.clone())], vec![]);
            c.log_scale = log;
            c.y_zero = false;
            let svg = line_chart(&c);
            for bad in ["NaN", "inf", ": —<"] {
                assert!(!svg.contains(bad), "{bad} in {svg}");
            }
            assert_well_formed(&svg);
        }
        // A single flat value still gets a scale.
        let c = chart(
            "flat",
            vec![series("s", "ln-1", vec![(2010, Some(5.0))])],
            vec![],
        );
        assert!(!line_chart(&c).contains("NaN"));
    }

    #[test]
    fn markers_are_drawn_with_staggered_labels() {
        let svg = line_chart(&sample(false));
        assert_eq!(count(&svg, "class=\"mk-start\""), 1);
        assert_eq!(count(&svg, "class=\"mk-break\""), 2);
        for label in [
            "Pairing starts",
            "4th economic census revision",
            "7th population census base",
        ] {
            assert_eq!(count(&svg, &format!(">{label}</text>")), 1, "{label}");
        }
        assert_well_formed(&svg);
        for zh in [false, true] {
            let c = sample(zh);
            let plot = Plot {
                left: 60.0,
                top: 80.0,
                width: 640.0,
                height: 250.0,
                x0: 2000,
                x1: 2023,
                room: (0.0, WIDTH),
            };
            let placed = place_markers(&c.markers, &plot, &FULL);
            assert_eq!(placed.len(), 3);
            assert!(
                lanes(&placed) >= 2,
                "the two breaks a year apart need two lanes"
            );
            for a in &placed {
                for b in placed.iter().filter(|b| b.index != a.index) {
                    assert!(
                        !(a.lane == b.lane && a.overlaps(b.from, b.to)),
                        "{a:?} {b:?}"
                    );
                    // No marker line runs through a lower label.
                    if b.lane < a.lane {
                        assert!(a.x < b.from - 3.0 || a.x > b.to + 3.0, "{a:?} {b:?}");
                    }
                }
                assert!(a.from >= 0.0 && a.to <= WIDTH, "{a:?}");
            }
        }
        // Outside the range: not drawn.
        let mut c = sample(false);
        c.markers = vec![marker(1990.0, "old", MarkerKind::SeriesBreak)];
        assert!(!line_chart(&c).contains("mk-break"));
    }

    #[test]
    fn text_is_escaped() {
        let mut c = chart("esc", vec![series("<&>", "ln-1", growth(1.0, 1.1))], vec![]);
        c.markers = vec![marker(2010.0, "a<b & \"c\"", MarkerKind::ProgrammeStart)];
        c.title = "t<t>".into();
        c.description = "d & 'd'".into();
        c.y_label = "y<".into();
        let svg = line_chart(&c);
        assert!(!svg.contains("<&>"));
        assert!(svg.contains(">&lt;&amp;&gt;</text>"));
        assert!(svg.contains("<title>&lt;&amp;&gt; — 2000: 1</title>"));
        assert!(svg.contains(">a&lt;b &amp; &quot;c&quot;</text>"));
        assert!(svg.contains(">t&lt;t&gt;</title>"));
        assert!(svg.contains(">d &amp; &#39;d&#39;</desc>"));
        assert_well_formed(&svg);
        let grid = small_multiples(&[c], &grid_opts());
        assert!(grid.contains(">t&lt;t&gt;</text>"));
        assert_well_formed(&grid);
    }

    #[test]
    fn an_empty_chart_shows_its_empty_text() {
        let mut c = chart(
            "empty",
            vec![series(
                "s",
                "ln-1",
                vec![(2001, None), (2002, Some(f64::NAN))],
            )],
            vec![],
        );
        c.empty_text = "无数据 <none>".into();
        c.markers = vec![marker(2010.0, "start", MarkerKind::ProgrammeStart)];
        let svg = line_chart(&c);
        assert!(svg.contains(">无数据 &lt;none&gt;</text>"));
        for absent in [
            "<path",
            "class=\"axis\"",
            "class=\"grid\"",
            "mk-start",
            ">2000<",
        ] {
            assert!(!svg.contains(absent), "{absent}");
        }
        assert!(svg.contains(r#"viewBox="0 0 720 60""#));
        assert!(svg.contains(r#"role="img" aria-labelledby="empty-title empty-desc""#));
        assert_well_formed(&svg);
        let none = small_multiples(&[], &grid_opts());
        assert!(none.contains(">none at all</text>"));
    }

    fn grid_opts() -> Multiples {
        Multiples {
            id: "gaps".into(),
            title: "Gap ratios".into(),
            description: "Eight pairs.".into(),
            columns: 4,
            shared_y: true,
            empty_text: "none at all".into(),
        }
    }

    /// Eight panels of ratios, the sixth without data.
    fn panels() -> Vec<LineChart> {
        (0..8)
            .map(|i| {
                let start = 2.0 + f64::from(i) * 0.45;
                let pts = (2000..=2023)
                    .filter(|y| i != 5 && !(i == 2 && (2008..=2010).contains(y)))
                    .map(|y| {
                        let t = f64::from(y - 2000);
                        let v = start * 0.985f64.powf(t) * (1.0 + 0.03 * (t * 0.9).sin());
                        (y, Some((v * 100.0).round() / 100.0))
                    })
                    .collect();
                let mut c = chart(&format!("p{i}"), vec![series("ratio", "ln-1", pts)], vec![]);
                c.title = format!("上海市 {i} – 安徽省 {i} 结对");
                c.y_format = YFormat::Ratio;
                c.y_zero = false;
                c.markers = vec![marker(2021.0, "结对启动", MarkerKind::ProgrammeStart)];
                c
            })
            .collect()
    }

    #[test]
    fn ids_are_unique_and_every_reference_resolves() {
        let a = line_chart(&sample(false));
        let b = line_chart(&sample(true));
        let mut empty = chart("no data 1", vec![], vec![]);
        empty.id = "1 no data".into();
        let e = line_chart(&empty);
        let g = small_multiples(&panels(), &grid_opts());
        let page = [a, b, e, g].concat();
        let all = ids(&page);
        let set: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(set.len(), all.len(), "{all:?}");
        assert_eq!(all.len(), 2 * 3 + 2 + 2 * 8);
        assert!(set.contains("c-1nodata-title"));
        for refs in page.split("aria-labelledby=\"").skip(1) {
            for id in refs.split('"').next().unwrap().split(' ') {
                assert!(set.contains(id), "{id}");
            }
        }
    }

    #[test]
    fn small_multiples_share_axes_and_stay_accessible() {
        let svg = small_multiples(&panels(), &grid_opts());
        assert_eq!(count(&svg, "<svg"), 1);
        assert!(svg.contains(r#"role="group" aria-labelledby="gaps-title gaps-desc""#));
        assert_eq!(count(&svg, r#"<g role="img" aria-labelledby="gaps-"#), 8);
        assert_eq!(count(&svg, ">no data</text>"), 1, "the sixth panel");
        assert_eq!(count(&svg, "class=\"mk-start\""), 7);
        assert_eq!(count(&svg, ">上海市 0 – 安徽省 0 结对</text>"), 1);
        // One series label only: no legend.
        assert_eq!(count(&svg, "class=\"legend\""), 0);
        // A shared y scale: every drawn panel has the same tick labels.
        let ticks = |panel: &str| -> Vec<String> {
            panel
                .split(r#"class="axis-label sm" text-anchor="end">"#)
                .skip(1)
                .map(|t| t.split('<').next().unwrap().to_string())
                .collect()
        };
        let parts: Vec<&str> = svg.split("<g role=").skip(1).collect();
        assert_eq!(ticks(parts[0]), ticks(parts[7]));
        assert!(ticks(parts[0]).iter().all(|t| t.ends_with('×')));
        let own = small_multiples(
            &panels(),
            &Multiples {
                shared_y: false,
                ..grid_opts()
            },
        );
        let parts: Vec<&str> = own.split("<g role=").skip(1).collect();
        assert_ne!(ticks(parts[0]), ticks(parts[7]));
        assert_well_formed(&svg);
        assert_well_formed(&own);
        assert!(!svg.contains("NaN") && !own.contains("NaN"));
    }

    #[test]
    fn scales_use_1_2_5_steps() {
        let s = linear_scale(12_000.0, 187_000.0, true, 5);
        assert_eq!(s.ticks, [0.0, 50_000.0, 100_000.0, 150_000.0, 200_000.0]);
        assert_eq!(s.decimals, 0);
        let s = linear_scale(2.3, 3.7, false, 5);
        assert_eq!((s.lo, s.hi, s.decimals), (2.0, 4.0, 1));
        assert_eq!(s.ticks.len(), 5);
        let s = linear_scale(0.0, 0.0, true, 5);
        assert_eq!((s.lo, s.hi), (0.0, 1.0));
        let s = linear_scale(-3.0, 4.0, false, 5);
        assert!(s.lo <= -3.0 && s.hi >= 4.0 && s.ticks.contains(&0.0));
        let s = log_scale(10_000.0, 200_000.0);
        assert_eq!(s.ticks, [1e4, 2e4, 5e4, 1e5, 2e5]);
        let s = log_scale(0.3, 4_000.0);
        assert_eq!(s.ticks, [1.0, 10.0, 100.0, 1000.0]);
        assert_eq!((s.lo, s.hi), (0.2, 5000.0));
        assert_eq!(YFormat::Ratio.tick(2.5, 1), "2.5×");
        assert_eq!(
            YFormat::Thousands { decimals: 0 }.tick(150_000.0, 0),
            "150,000"
        );
        assert_eq!(YFormat::Percent { decimals: 1 }.value(12.34), "12.3%");
    }

    #[test]
    fn year_labels_every_five_years_with_first_and_last() {
        let plot = |x1| Plot {
            left: 60.0,
            top: 0.0,
            width: 640.0,
            height: 200.0,
            x0: 2000,
            x1,
            room: (0.0, WIDTH),
        };
        assert_eq!(
            year_labels(&plot(2023), &FULL),
            [2000, 2005, 2010, 2015, 2020, 2023]
        );
        // 2020 would touch 2021.
        assert_eq!(
            year_labels(&plot(2021), &FULL),
            [2000, 2005, 2010, 2015, 2021]
        );
        assert_eq!(
            year_labels(&plot(2004), &FULL),
            [2000, 2001, 2002, 2003, 2004]
        );
        let narrow = Plot {
            width: 120.0,
            ..plot(2023)
        };
        assert_eq!(year_labels(&narrow, &COMPACT), [2000, 2010, 2023]);
    }

    #[test]
    fn a_rank_axis_has_rank_1_on_top() {
        let pts = vec![(2000, Some(30.0)), (2001, Some(12.0)), (2002, Some(41.0))];
        let mut c = chart("rank", vec![series("rank", "ln-2", pts)], vec![]);
        c.y_format = YFormat::Rank;
        let svg = line_chart(&c);
        // The tooltips' circles: rank 12 is drawn above rank 30, rank 41 lowest.
        let cy = |year: i32| -> f64 {
            let at = svg.find(&format!("<title>rank — {year}:")).unwrap();
            let head = &svg[..at];
            let cy = head.rfind(" cy=\"").unwrap() + 5;
            head[cy..].split('"').next().unwrap().parse().unwrap()
        };
        assert!(cy(2001) < cy(2000) && cy(2000) < cy(2002), "{svg}");
        assert!(svg.contains("<title>rank — 2001: 12</title>"));
        // Starts at rank 1 (labelled), never labels 0.
        assert!(svg.contains(r#"text-anchor="end">1</text>"#), "{svg}");
        assert!(!svg.contains(r#"text-anchor="end">0</text>"#), "{svg}");
        let s = YScale::fit(&[12.0, 41.0], true, false, 5)
            .unwrap()
            .for_format(YFormat::Rank, true);
        assert!(s.invert && s.ticks[0] == 1.0 && s.frac(1.0) > s.frac(41.0));
        assert_well_formed(&svg);
    }

    /// Writes `target/line-chart-sample.html` (the charts in a page with the report's style)
    /// for looking at them in a browser.
    #[test]
    fn writes_a_sample_page() {
        let mut log = sample(false);
        log.id = "pcgdp-log".into();
        log.log_scale = true;
        let mut empty = chart("empty-sample", vec![], vec![]);
        empty.empty_text = "No per-capita GDP series for this pair".into();
        let figures = [
            line_chart(&sample(false)),
            line_chart(&sample(true)),
            line_chart(&log),
            line_chart(&empty),
            small_multiples(&panels(), &grid_opts()),
            small_multiples(
                &panels()[..3],
                &Multiples {
                    columns: 2,
                    shared_y: false,
                    ..grid_opts()
                },
            ),
        ];
        let body: String = figures
            .iter()
            .map(|f| crate::page::figure(f, "caption"))
            .collect();
        let html = format!(
            "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><style>{}</style></head><body><main class=\"wrap\">{body}</main></body></html>",
            crate::page::STYLE
        );
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
        if std::fs::create_dir_all(&dir).is_ok() {
            let _ = std::fs::write(dir.join("line-chart-sample.html"), html);
        }
        for f in &figures {
            assert_well_formed(f);
        }
    }
}
