//! Reading single cells: missing markers, numbers with optional unit suffixes, years,
//! indicator names and yearbook column headers.

use tandem_core::{indicator, Indicator, Unit, INDICATORS};

/// Cell contents that mean "no data" (compared after trimming; ASCII letters ignore case).
/// Such a cell is absent, never zero, and is counted in the file summary.
pub const MISSING_MARKERS: &[&str] = &[
    "", "-", "--", "—", "——", "－", "–", "…", "……", "...", "..", "na", "n/a", "n.a.", "#n/a",
];

/// Whether a cell holds one of the [`MISSING_MARKERS`].
pub fn is_missing(cell: &str) -> bool {
    let t = cell.trim().trim_matches('\u{3000}');
    let lower = t.to_lowercase();
    MISSING_MARKERS.contains(&lower.as_str())
}

/// A number read from a cell, with the unit written after it if any ("12.3亿元").
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellNumber {
    pub value: f64,
    pub unit: Option<Unit>,
}

/// Why a cell is not a number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all.
    NotANumber,
    /// A number followed by text that is no known unit.
    UnknownSuffix(String),
}

/// Parses a decimal number: optional sign, digits with optional thousands separators
/// (`1,234.5`; groups of exactly three digits), optional exponent, optionally followed by
/// a unit (`12.3亿元`, `45%`). `NaN` and infinities are refused.
pub fn parse_number(cell: &str) -> Result<CellNumber, NumberError> {
    let t = cell.trim().trim_matches('\u{3000}');
    // The numeric part ends at the last ASCII digit or '.'.
    let end = t
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_digit() || *c == '.')
        .map(|(i, c)| i + c.len_utf8())
        .ok_or(NumberError::NotANumber)?;
    let (number, suffix) = t.split_at(end);
    let suffix = suffix.trim();
    let unit = if suffix.is_empty() {
        None
    } else {
        Some(Unit::parse(suffix).ok_or_else(|| NumberError::UnknownSuffix(suffix.to_string()))?)
    };
    let value = parse_plain(number.trim()).ok_or(NumberError::NotANumber)?;
    Ok(CellNumber { value, unit })
}

fn parse_plain(text: &str) -> Option<f64> {
    if text.is_empty()
        || !text
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '+' | '-' | 'e' | 'E'))
    {
        return None;
    }
    let cleaned = if text.contains(',') {
        strip_thousands(text)?
    } else {
        text.to_string()
    };
    let v: f64 = cleaned.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Removes thousands separators, accepting only well-formed groups (`1,234,567.8`), so
/// that a decimal comma (`1,5`) is refused instead of read as fifteen.
fn strip_thousands(text: &str) -> Option<String> {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let groups: Vec<&str> = int.split(',').collect();
    let well_formed = groups.len() > 1
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    if !well_formed || frac.is_some_and(|f| f.contains(',')) {
        return None;
    }
    let mut out = format!("{sign}{}", groups.concat());
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Some(out)
}

/// Parses a year cell: `2022`, `2022年`, `2022.0` (spreadsheets store numbers as floats).
pub fn parse_year(cell: &str) -> Option<i32> {
    let t = cell.trim();
    let t = t.strip_suffix('年').unwrap_or(t).trim();
    let t = t.strip_suffix(".0").unwrap_or(t);
    if t.is_empty() || t.len() > 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Names commonly used in yearbooks for catalogue indicators, beyond the catalogue's own
/// ids and Chinese/English names.
const INDICATOR_ALIASES: &[(&str, &str)] = &[
    ("生产总值", "gdp"),
    ("地区生产总值(gdp)", "gdp"),
    ("gdp总量", "gdp"),
    ("第一产业", "va_primary"),
    ("第二产业", "va_secondary"),
    ("第三产业", "va_tertiary"),
    ("第一产业比重", "share_primary"),
    ("第二产业比重", "share_secondary"),
    ("第三产业比重", "share_tertiary"),
    ("年末常住人口", "population_resident"),
    ("常住人口数", "population_resident"),
    ("population", "population_resident"),
    ("resident population", "population_resident"),
    ("人均gdp", "gdp_per_capita"),
    ("人均生产总值", "gdp_per_capita"),
    ("常住人口城镇化率", "urbanization_rate"),
    ("urbanization rate", "urbanization_rate"),
    ("规模以上工业增加值", "industrial_va_above_size"),
    ("全社会固定资产投资", "fixed_asset_investment"),
    ("研发经费投入强度", "rd_intensity"),
    ("r&d经费投入强度", "rd_intensity"),
];

/// Looks an indicator up by id, catalogue name (Chinese or English) or a yearbook alias.
/// Full-width parentheses and case are ignored.
pub fn find_indicator(name: &str) -> Option<&'static Indicator> {
    let t = name.trim();
    if let Some(i) = indicator(t) {
        return Some(i);
    }
    let key = fold(t);
    INDICATORS
        .iter()
        .find(|i| fold(i.id) == key || fold(i.name_zh) == key || fold(i.name_en) == key)
        .or_else(|| {
            INDICATOR_ALIASES
                .iter()
                .find(|(alias, _)| fold(alias) == key)
                .and_then(|(_, id)| indicator(id))
        })
}

/// Lower-cases, maps full-width parentheses to ASCII and drops spaces.
fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The catalogue indicators closest to an unknown name, as `id (name_zh)`.
pub fn suggest_indicators(name: &str) -> Vec<String> {
    let key = fold(name);
    let mut scored: Vec<(f64, &Indicator)> = INDICATORS
        .iter()
        .map(|i| {
            let s = [i.id, i.name_zh, i.name_en]
                .iter()
                .map(|n| strsim::normalized_damerau_levenshtein(&key, &fold(n)))
                .fold(0.0, f64::max);
            (s, i)
        })
        .filter(|(s, _)| *s >= 0.4)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored
        .into_iter()
        .take(3)
        .map(|(_, i)| format!("{} ({})", i.id, i.name_zh))
        .collect()
}

/// What a wide-layout column header says: the indicator, and optionally a year and unit.
#[derive(Clone, Debug, PartialEq)]
pub struct HeaderSpec {
    pub indicator: &'static Indicator,
    pub year: Option<i32>,
    pub unit: Option<Unit>,
    /// Parenthesised words that were neither unit nor year (`当年价`), kept for a note.
    pub ignored: Vec<String>,
}

/// Why a header could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderError {
    UnknownIndicator {
        name: String,
        suggestions: Vec<String>,
    },
    TwoUnits(String, String),
    TwoYears(i32, i32),
}

/// Reads a yearbook column header: `地区生产总值(亿元)`, `常住人口（万人）`,
/// `GDP 2022 (100m_yuan)`, `2022年地区生产总值（亿元）`, `GDP (亿元, 2022)`.
///
/// Parenthesised parts (ASCII, full-width or square brackets) are split at commas and each
/// piece read as a unit or a year; a year (1900-2099, optionally followed by 年) may also
/// stand in the text outside the brackets. What remains is the indicator name.
pub fn parse_header(header: &str) -> Result<HeaderSpec, HeaderError> {
    if let Some(ind) = find_indicator(header) {
        return Ok(HeaderSpec {
            indicator: ind,
            year: None,
            unit: None,
            ignored: vec![],
        });
    }
    let mut outside = String::new();
    let mut inside: Vec<String> = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in header.chars() {
        match c {
            '(' | '（' | '[' | '【' => {
                depth += 1;
                if depth == 1 {
                    current.clear();
                    continue;
                }
            }
            ')' | '）' | ']' | '】' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    inside.push(std::mem::take(&mut current));
                    continue;
                }
            }
            _ => {}
        }
        if depth == 0 {
            outside.push(c);
        } else {
            current.push(c);
        }
    }
    if depth > 0 {
        // An unclosed bracket: read its text as if it were closed.
        inside.push(current);
    }
    let mut unit: Option<Unit> = None;
    let mut year: Option<i32> = None;
    let mut ignored = Vec::new();
    let set_year = |y: i32, year: &mut Option<i32>| match *year {
        Some(prev) if prev != y => Err(HeaderError::TwoYears(prev, y)),
        _ => {
            *year = Some(y);
            Ok(())
        }
    };
    for piece in inside
        .iter()
        .flat_map(|p| p.split([',', '，', ';', '；', '、']))
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if let Some(u) = Unit::parse(piece) {
            match unit {
                Some(prev) if prev != u => {
                    return Err(HeaderError::TwoUnits(prev.code().into(), u.code().into()))
                }
                _ => unit = Some(u),
            }
        } else if let Some(y) = parse_year(piece).filter(|y| (1900..=2099).contains(y)) {
            set_year(y, &mut year)?;
        } else {
            ignored.push(piece.to_string());
        }
    }
    let (name, outside_year) = take_year(&outside);
    if let Some(y) = outside_year {
        set_year(y, &mut year)?;
    }
    let name = name.trim().trim_end_matches([':', '：', '/']).trim();
    // Indicators whose own name has a parenthesis (人均地区生产总值（论文引用）) are tried
    // first, so that the longer name wins over its prefix (人均地区生产总值).
    let found = ignored
        .iter()
        .find_map(|extra| find_indicator(&format!("{name}({extra})")))
        .or_else(|| find_indicator(name));
    match found {
        Some(ind) => {
            let ignored = ignored
                .into_iter()
                .filter(|extra| find_indicator(&format!("{name}({extra})")).is_none())
                .collect();
            Ok(HeaderSpec {
                indicator: ind,
                year,
                unit,
                ignored,
            })
        }
        None => Err(HeaderError::UnknownIndicator {
            name: name.to_string(),
            suggestions: suggest_indicators(if name.is_empty() { header } else { name }),
        }),
    }
}

/// Removes one year token (four digits 1900-2099 not adjacent to other digits, with an
/// optional 年) from text; returns the rest and the year.
pub(crate) fn take_year(text: &str) -> (String, Option<i32>) {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i + 4 <= chars.len() {
        let window = &chars[i..i + 4];
        let before_ok = i == 0 || !chars[i - 1].is_ascii_digit();
        let after_ok = chars.get(i + 4).is_none_or(|c| !c.is_ascii_digit());
        if before_ok && after_ok && window.iter().all(|c| c.is_ascii_digit()) {
            let y: i32 = window.iter().collect::<String>().parse().unwrap_or(0);
            if (1900..=2099).contains(&y) {
                let mut end = i + 4;
                if chars.get(end) == Some(&'年') {
                    end += 1;
                }
                let rest: String = chars[..i].iter().chain(chars[end..].iter()).collect();
                return (
                    rest.split_whitespace().collect::<Vec<_>>().join(" "),
                    Some(y),
                );
            }
        }
        i += 1;
    }
    (text.to_string(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_markers() {
        for m in ["", " ", "-", "—", "…", "NA", "n/a", "N/A", "..", "na"] {
            assert!(is_missing(m), "{m:?}");
        }
        for v in ["0", "0.0", "nan", "none"] {
            assert!(!is_missing(v), "{v:?}");
        }
    }

    #[test]
    fn numbers() {
        let n = |s| parse_number(s);
        assert_eq!(n("12.5").unwrap().value, 12.5);
        assert_eq!(n(" -3 ").unwrap().value, -3.0);
        assert_eq!(n("1,234,567.5").unwrap().value, 1_234_567.5);
        assert_eq!(n("1e3").unwrap().value, 1000.0);
        let c = n("12.3亿元").unwrap();
        assert_eq!((c.value, c.unit), (12.3, Some(Unit::HundredMillionYuan)));
        assert_eq!(n("45%").unwrap().unit, Some(Unit::Percent));
        assert_eq!(n("4500 万元").unwrap().unit, Some(Unit::TenThousandYuan));
        assert_eq!(n("abc"), Err(NumberError::NotANumber));
        assert_eq!(n("NaN"), Err(NumberError::NotANumber));
        assert_eq!(n("inf"), Err(NumberError::NotANumber));
        assert_eq!(n("1,5"), Err(NumberError::NotANumber));
        assert_eq!(n("1.2.3"), Err(NumberError::NotANumber));
        assert_eq!(
            n("12 apples"),
            Err(NumberError::UnknownSuffix("apples".into()))
        );
        assert_eq!(n("约12"), Err(NumberError::NotANumber));
    }

    #[test]
    fn years() {
        assert_eq!(parse_year("2022"), Some(2022));
        assert_eq!(parse_year("2022年"), Some(2022));
        assert_eq!(parse_year("2022.0"), Some(2022));
        assert_eq!(parse_year("2022.5"), None);
        assert_eq!(parse_year("二〇二二"), None);
    }

    #[test]
    fn headers() {
        let h = parse_header("地区生产总值(亿元)").unwrap();
        assert_eq!(
            (h.indicator.id, h.year, h.unit),
            ("gdp", None, Some(Unit::HundredMillionYuan))
        );
        let h = parse_header("GDP 2022 (100m_yuan)").unwrap();
        assert_eq!(
            (h.indicator.id, h.year, h.unit),
            ("gdp", Some(2022), Some(Unit::HundredMillionYuan))
        );
        let h = parse_header("常住人口（万人）").unwrap();
        assert_eq!(
            (h.indicator.id, h.unit),
            ("population_resident", Some(Unit::TenThousandPersons))
        );
        let h = parse_header("2021年第一产业增加值（亿元，当年价）").unwrap();
        assert_eq!((h.indicator.id, h.year), ("va_primary", Some(2021)));
        assert_eq!(h.ignored, ["当年价"]);
        let h = parse_header("人均地区生产总值（论文引用）(元)").unwrap();
        assert_eq!(h.indicator.id, "gdp_per_capita_paper");
        assert!(h.ignored.is_empty());
        let h = parse_header("城镇化率(%)").unwrap();
        assert_eq!(
            (h.indicator.id, h.unit),
            ("urbanization_rate", Some(Unit::Percent))
        );
        assert!(matches!(
            parse_header("地区生产总值(亿元)(万元)"),
            Err(HeaderError::TwoUnits(..))
        ));
        match parse_header("地区生产总质(亿元)") {
            Err(HeaderError::UnknownIndicator { suggestions, .. }) => {
                assert!(suggestions[0].starts_with("gdp "), "{suggestions:?}")
            }
            other => panic!("{other:?}"),
        }
    }
}
