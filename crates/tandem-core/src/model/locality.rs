//! Localities: the cities, districts and counties that take part in a programme.

use serde::{Deserialize, Serialize};

/// The provincial-level unit a locality belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Province {
    Shanghai,
    Jiangsu,
    Zhejiang,
    Anhui,
    /// Any other province, by its English name.
    Other(String),
}

impl Province {
    /// Parses the English name used in data files (`Anhui`).
    pub fn parse(name: &str) -> Province {
        match name.trim() {
            "Shanghai" | "上海" | "上海市" => Province::Shanghai,
            "Jiangsu" | "江苏" | "江苏省" => Province::Jiangsu,
            "Zhejiang" | "浙江" | "浙江省" => Province::Zhejiang,
            "Anhui" | "安徽" | "安徽省" => Province::Anhui,
            other => Province::Other(other.to_string()),
        }
    }

    pub fn name_en(&self) -> &str {
        match self {
            Province::Shanghai => "Shanghai",
            Province::Jiangsu => "Jiangsu",
            Province::Zhejiang => "Zhejiang",
            Province::Anhui => "Anhui",
            Province::Other(s) => s,
        }
    }

    pub fn name_zh(&self) -> &str {
        match self {
            Province::Shanghai => "上海市",
            Province::Jiangsu => "江苏省",
            Province::Zhejiang => "浙江省",
            Province::Anhui => "安徽省",
            Province::Other(s) => s,
        }
    }
}

/// Administrative level (GB/T 2260 hierarchy).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LocalityLevel {
    Province,
    /// 直辖市 (Shanghai), a province-level city.
    ProvinceLevelCity,
    /// 地级市.
    Prefecture,
    /// 市辖区.
    District,
    /// 县 / 县级市.
    County,
    /// A statistical aggregate with no government of its own (皖北, the Yangtze River Delta).
    Aggregate,
}

impl LocalityLevel {
    pub fn parse(text: &str) -> Option<LocalityLevel> {
        Some(match text.trim() {
            "province" => LocalityLevel::Province,
            "province-level city" => LocalityLevel::ProvinceLevelCity,
            "prefecture" => LocalityLevel::Prefecture,
            "district" => LocalityLevel::District,
            "county" => LocalityLevel::County,
            "aggregate" => LocalityLevel::Aggregate,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LocalityLevel::Province => "province",
            LocalityLevel::ProvinceLevelCity => "province-level city",
            LocalityLevel::Prefecture => "prefecture",
            LocalityLevel::District => "district",
            LocalityLevel::County => "county",
            LocalityLevel::Aggregate => "aggregate",
        }
    }
}

/// A city, district or county.
///
/// `id` is a stable ASCII slug with a province prefix (`sh-`, `js-`, `zj-`, `ah-`):
/// `js-suzhou` is 苏州 (Jiangsu, 320500) and `ah-suzhou` is 宿州 (Anhui, 341300).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Locality {
    pub id: String,
    /// GB/T 2260 administrative division code (six digits). `None` for aggregates.
    pub adcode: Option<u32>,
    pub name_zh: String,
    pub name_en: String,
    pub province: Province,
    pub level: LocalityLevel,
    /// Latitude of the administrative seat, degrees (WGS-84-like as published).
    pub lat: Option<f64>,
    /// Longitude of the administrative seat, degrees.
    pub lon: Option<f64>,
    /// Land area in km²; `None` where no source was found.
    pub area_km2: Option<f64>,
}

impl Locality {
    /// The short Chinese name without the administrative suffix: 上海市闵行区 -> 闵行, 宿州市 -> 宿州.
    pub fn short_name_zh(&self) -> &str {
        let mut name = self.name_zh.as_str();
        if let Some(rest) = name.strip_prefix(self.province.name_zh()) {
            if !rest.is_empty() {
                name = rest;
            }
        }
        for suffix in ["市", "区", "县"] {
            if let Some(stripped) = name.strip_suffix(suffix) {
                if stripped.chars().count() >= 2 {
                    return stripped;
                }
            }
        }
        name
    }

    /// The short English name: "Minhang District, Shanghai" -> "Minhang".
    pub fn short_name_en(&self) -> &str {
        let first = self.name_en.split(',').next().unwrap_or(&self.name_en);
        first
            .strip_suffix(" District")
            .or_else(|| first.strip_suffix(" County"))
            .unwrap_or(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(name_zh: &str, name_en: &str, province: Province) -> Locality {
        Locality {
            id: "x".into(),
            adcode: None,
            name_zh: name_zh.into(),
            name_en: name_en.into(),
            province,
            level: LocalityLevel::Prefecture,
            lat: None,
            lon: None,
            area_km2: None,
        }
    }

    #[test]
    fn short_names() {
        let m = loc(
            "上海市闵行区",
            "Minhang District, Shanghai",
            Province::Shanghai,
        );
        assert_eq!(m.short_name_zh(), "闵行");
        assert_eq!(m.short_name_en(), "Minhang");
        let s = loc("宿州市", "Suzhou (Anhui)", Province::Anhui);
        assert_eq!(s.short_name_zh(), "宿州");
    }
}
