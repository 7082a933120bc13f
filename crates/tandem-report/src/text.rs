//! Text helpers: HTML escaping, the report language, and number formatting.
//!
//! Every piece of text that reaches a page goes through [`esc`] (element content and
//! attribute values alike), so data such as event titles or source URLs can never inject
//! markup. Numbers go through [`thousands`], which refuses to print a non-finite value.

use serde::Serialize;
use std::fmt;

/// Escapes text for HTML/SVG element content and double- or single-quoted attribute values:
/// `&`, `<`, `>`, `"` and `'` become character references.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The language a report is written in. Each build writes one language; every label,
/// heading and note exists in both (see [`Lang::pick`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Simplified Chinese.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// Parses `zh` or `en` (case-insensitive); `None` for anything else.
    pub fn parse(text: &str) -> Option<Lang> {
        match text.trim().to_ascii_lowercase().as_str() {
            "zh" | "zh-cn" | "cn" | "中文" => Some(Lang::Zh),
            "en" | "en-gb" | "en-us" | "english" => Some(Lang::En),
            _ => None,
        }
    }

    /// The BCP 47 tag for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The code used on the command line and in file metadata.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Chooses between the two wordings of one text. Every user-visible label is written
    /// as a `pick(zh, en)` pair at its point of use, so neither language can be left out.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// "no data" in this language: how every missing figure is shown.
    pub fn no_data(self) -> &'static str {
        self.pick("无数据", "no data")
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A value rendered with thousands separators and a fixed number of decimals
/// (`17146.6` -> `17,146.6`).
///
/// A non-finite value is printed as `—` rather than `NaN`/`inf`: the report never computes
/// one from sourced data (ratios with a zero denominator are `None` upstream), so this is a
/// last guard that keeps such a defect visible without printing a misleading number.
pub fn thousands(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "—".to_string();
    }
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut grouped = String::with_capacity(int.len() + int.len() / 3);
    for (k, ch) in int.chars().enumerate() {
        if k > 0 && (int.len() - k) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let negative = v < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A coordinate for SVG output with one decimal (`12.3`), `0` for a non-finite input.
///
/// Chart code only passes coordinates computed from finite, validated values; the guard
/// exists so that a defect can never write `NaN` into a page (the end-to-end test looks for
/// it in every file).
pub fn coord(v: f64) -> String {
    if !v.is_finite() {
        return "0".to_string();
    }
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(esc("淮南 Huainan"), "淮南 Huainan");
    }

    #[test]
    fn numbers() {
        assert_eq!(thousands(17146.6, 1), "17,146.6");
        assert_eq!(thousands(999.0, 0), "999");
        assert_eq!(thousands(-1234567.0, 0), "-1,234,567");
        assert_eq!(thousands(-0.01, 1), "0.0");
        assert_eq!(thousands(f64::NAN, 1), "—");
        assert_eq!(thousands(f64::INFINITY, 0), "—");
        assert_eq!(coord(12.345), "12.3");
        assert_eq!(coord(12.0), "12");
        assert_eq!(coord(-3.96), "-4");
        assert_eq!(coord(f64::NAN), "0");
    }

    #[test]
    fn languages() {
        assert_eq!(Lang::parse("ZH"), Some(Lang::Zh));
        assert_eq!(Lang::parse("en"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::Zh.pick("是", "yes"), "是");
        assert_eq!(Lang::En.no_data(), "no data");
        assert_eq!(Lang::Zh.tag(), "zh-CN");
    }
}
