//! Units of measurement, checked.
//!
//! Chinese statistics mix scales freely: GDP in 亿元 (10^8 yuan), enterprise data in 万元
//! (10^4 yuan), population in 万人 (10^4 persons), shares in percent. A value in tandem
//! always travels with its [`Unit`]; converting is explicit ([`Quantity::convert_to`]) and
//! combining values of different dimensions is an error, never a silently wrong number.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What a unit measures. Only units of the same dimension convert into each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Money (yuan at current prices unless the indicator says otherwise).
    Money,
    /// Money per person (per-capita figures).
    MoneyPerPerson,
    /// A count of persons.
    Persons,
    /// A dimensionless fraction (share, rate).
    Fraction,
    /// Land area.
    Area,
    /// A plain count (enterprises, projects).
    Count,
    /// Money in US dollars (utilised foreign direct investment); never converted to yuan,
    /// because no exchange rate is part of the data.
    MoneyUsd,
}

/// A unit of measurement with its scale.
///
/// The string forms (`100m_yuan`, `10k_persons`, ...) are the ones used in tandem's data
/// files; [`Unit::parse`] also accepts the Chinese forms found in yearbooks (亿元, 万元, 万人,
/// %, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Unit {
    /// 元.
    #[serde(rename = "yuan")]
    Yuan,
    /// 万元 = 10^4 yuan.
    #[serde(rename = "10k_yuan")]
    TenThousandYuan,
    /// 亿元 = 10^8 yuan.
    #[serde(rename = "100m_yuan")]
    HundredMillionYuan,
    /// 元/人: yuan per person (per-capita GDP and income).
    #[serde(rename = "yuan_per_person")]
    YuanPerPerson,
    /// 人.
    #[serde(rename = "persons")]
    Persons,
    /// 万人 = 10^4 persons.
    #[serde(rename = "10k_persons")]
    TenThousandPersons,
    /// Percent: 12.5 means 0.125.
    #[serde(rename = "percent")]
    Percent,
    /// A plain ratio: 0.125.
    #[serde(rename = "ratio")]
    Ratio,
    /// Square kilometres.
    #[serde(rename = "km2")]
    SquareKm,
    /// 个 / 家: a count.
    #[serde(rename = "count")]
    Count,
    /// 百万美元 = 10^6 US dollars (utilised FDI).
    #[serde(rename = "million_usd")]
    MillionUsd,
}

impl Unit {
    /// Every unit, for listings and error messages.
    pub const ALL: [Unit; 11] = [
        Unit::Yuan,
        Unit::TenThousandYuan,
        Unit::HundredMillionYuan,
        Unit::YuanPerPerson,
        Unit::Persons,
        Unit::TenThousandPersons,
        Unit::Percent,
        Unit::Ratio,
        Unit::SquareKm,
        Unit::Count,
        Unit::MillionUsd,
    ];

    /// The dimension this unit measures.
    pub fn dimension(self) -> Dimension {
        match self {
            Unit::Yuan | Unit::TenThousandYuan | Unit::HundredMillionYuan => Dimension::Money,
            Unit::YuanPerPerson => Dimension::MoneyPerPerson,
            Unit::Persons | Unit::TenThousandPersons => Dimension::Persons,
            Unit::Percent | Unit::Ratio => Dimension::Fraction,
            Unit::SquareKm => Dimension::Area,
            Unit::Count => Dimension::Count,
            Unit::MillionUsd => Dimension::MoneyUsd,
        }
    }

    /// How many base units (yuan, persons, ratio 1, km², 1) one of this unit is.
    pub fn scale(self) -> f64 {
        match self {
            Unit::Yuan | Unit::YuanPerPerson | Unit::Persons | Unit::Ratio => 1.0,
            Unit::SquareKm | Unit::Count => 1.0,
            Unit::TenThousandYuan | Unit::TenThousandPersons => 1e4,
            Unit::HundredMillionYuan => 1e8,
            Unit::Percent => 0.01,
            Unit::MillionUsd => 1e6,
        }
    }

    /// The canonical code used in data files (`100m_yuan`).
    pub fn code(self) -> &'static str {
        match self {
            Unit::Yuan => "yuan",
            Unit::TenThousandYuan => "10k_yuan",
            Unit::HundredMillionYuan => "100m_yuan",
            Unit::YuanPerPerson => "yuan_per_person",
            Unit::Persons => "persons",
            Unit::TenThousandPersons => "10k_persons",
            Unit::Percent => "percent",
            Unit::Ratio => "ratio",
            Unit::SquareKm => "km2",
            Unit::Count => "count",
            Unit::MillionUsd => "million_usd",
        }
    }

    /// The Chinese label used in yearbooks (亿元).
    pub fn label_zh(self) -> &'static str {
        match self {
            Unit::Yuan => "元",
            Unit::TenThousandYuan => "万元",
            Unit::HundredMillionYuan => "亿元",
            Unit::YuanPerPerson => "元/人",
            Unit::Persons => "人",
            Unit::TenThousandPersons => "万人",
            Unit::Percent => "%",
            Unit::Ratio => "比值",
            Unit::SquareKm => "平方公里",
            Unit::Count => "个",
            Unit::MillionUsd => "百万美元",
        }
    }

    /// Parses a unit from its code, a Chinese label or a common English spelling.
    ///
    /// Returns `None` for anything else; callers turn that into an error naming the
    /// field and listing [`Unit::ALL`].
    pub fn parse(text: &str) -> Option<Unit> {
        let t = text.trim();
        let lower = t.to_ascii_lowercase();
        let unit = match lower.as_str() {
            "yuan" | "元" | "cny" => Unit::Yuan,
            "10k_yuan" | "万元" | "10k yuan" | "10,000 yuan" | "ten thousand yuan" => {
                Unit::TenThousandYuan
            }
            "100m_yuan" | "亿元" | "100m yuan" | "100 million yuan" | "hundred million yuan" => {
                Unit::HundredMillionYuan
            }
            "yuan_per_person" | "元/人" | "yuan/person" | "yuan per person" => {
                Unit::YuanPerPerson
            }
            "persons" | "person" | "人" | "people" => Unit::Persons,
            "10k_persons" | "万人" | "10k persons" | "10,000 persons" => Unit::TenThousandPersons,
            "percent" | "%" | "pct" | "百分比" => Unit::Percent,
            "ratio" | "比值" | "share" => Unit::Ratio,
            "km2" | "km²" | "平方公里" | "square km" | "sq km" => Unit::SquareKm,
            "count" | "个" | "家" | "number" => Unit::Count,
            "million_usd" | "百万美元" | "million usd" | "usd million" => Unit::MillionUsd,
            _ => return None,
        };
        Some(unit)
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An attempt to convert or combine values whose units do not match.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum UnitError {
    /// The two units measure different things (亿元 vs 万人).
    #[error(
        "cannot convert {from} to {to}: they measure different things ({from_dim:?} vs {to_dim:?})"
    )]
    Incompatible {
        from: Unit,
        to: Unit,
        from_dim: Dimension,
        to_dim: Dimension,
    },
    /// Two values to be added or compared carry different units and no conversion was asked for.
    #[error("mixed units {a} and {b}: convert one explicitly with Quantity::convert_to")]
    Mixed { a: Unit, b: Unit },
}

/// A number with its unit.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quantity {
    pub value: f64,
    pub unit: Unit,
}

impl Quantity {
    pub fn new(value: f64, unit: Unit) -> Self {
        Quantity { value, unit }
    }

    /// Converts to another unit of the same dimension: 1 亿元 = 10,000 万元.
    ///
    /// ```
    /// use tandem_core::{Quantity, Unit};
    /// let gdp = Quantity::new(1.5, Unit::HundredMillionYuan);
    /// assert_eq!(gdp.convert_to(Unit::TenThousandYuan).unwrap().value, 15_000.0);
    /// assert!(gdp.convert_to(Unit::TenThousandPersons).is_err());
    /// ```
    pub fn convert_to(self, to: Unit) -> Result<Quantity, UnitError> {
        if self.unit == to {
            return Ok(self);
        }
        let (from_dim, to_dim) = (self.unit.dimension(), to.dimension());
        if from_dim != to_dim {
            return Err(UnitError::Incompatible {
                from: self.unit,
                to,
                from_dim,
                to_dim,
            });
        }
        // Integer-ratio scales: multiply by the exact ratio so that 1.5 亿元 is exactly
        // 15,000 万元 rather than 1.5e8 / 1e4 with two roundings.
        let ratio = self.unit.scale() / to.scale();
        Ok(Quantity::new(self.value * ratio, to))
    }

    /// Adds two quantities of the same unit; different units are an error.
    pub fn checked_add(self, other: Quantity) -> Result<Quantity, UnitError> {
        if self.unit != other.unit {
            return Err(UnitError::Mixed {
                a: self.unit,
                b: other.unit,
            });
        }
        Ok(Quantity::new(self.value + other.value, self.unit))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.label_zh())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_scales_convert_exactly() {
        let q = Quantity::new(2.0, Unit::HundredMillionYuan);
        assert_eq!(q.convert_to(Unit::Yuan).unwrap().value, 2e8);
        assert_eq!(q.convert_to(Unit::TenThousandYuan).unwrap().value, 20_000.0);
        let back = Quantity::new(20_000.0, Unit::TenThousandYuan)
            .convert_to(Unit::HundredMillionYuan)
            .unwrap();
        assert_eq!(back.value, 2.0);
    }

    #[test]
    fn persons_and_percent() {
        let p = Quantity::new(314.5, Unit::TenThousandPersons);
        assert_eq!(p.convert_to(Unit::Persons).unwrap().value, 3_145_000.0);
        let s = Quantity::new(12.5, Unit::Percent);
        assert_eq!(s.convert_to(Unit::Ratio).unwrap().value, 0.125);
    }

    #[test]
    fn different_dimensions_refuse() {
        let err = Quantity::new(1.0, Unit::HundredMillionYuan)
            .convert_to(Unit::TenThousandPersons)
            .unwrap_err();
        assert!(matches!(err, UnitError::Incompatible { .. }));
        // Per-capita yuan is not money.
        assert!(Quantity::new(1.0, Unit::YuanPerPerson)
            .convert_to(Unit::Yuan)
            .is_err());
    }

    #[test]
    fn mixing_is_an_error_not_a_number() {
        let a = Quantity::new(1.0, Unit::HundredMillionYuan);
        let b = Quantity::new(1.0, Unit::TenThousandYuan);
        assert_eq!(
            a.checked_add(b).unwrap_err(),
            UnitError::Mixed {
                a: a.unit,
                b: b.unit
            }
        );
        let b = b.convert_to(Unit::HundredMillionYuan).unwrap();
        assert_eq!(a.checked_add(b).unwrap().value, 1.0001);
    }

    #[test]
    fn parse_accepts_codes_and_chinese_labels() {
        for u in Unit::ALL {
            assert_eq!(Unit::parse(u.code()), Some(u), "{u}");
            assert_eq!(Unit::parse(u.label_zh()), Some(u), "{u}");
        }
        assert_eq!(Unit::parse(" 亿元 "), Some(Unit::HundredMillionYuan));
        assert_eq!(Unit::parse("furlongs"), None);
    }

    proptest::proptest! {
        #[test]
        fn round_trip_within_dimension(v in -1e12f64..1e12) {
            for from in Unit::ALL {
                for to in Unit::ALL {
                    if from.dimension() != to.dimension() { continue; }
                    let there = Quantity::new(v, from).convert_to(to).unwrap();
                    let back = there.convert_to(from).unwrap();
                    proptest::prop_assert!((back.value - v).abs() <= 1e-9 * v.abs().max(1.0));
                }
            }
        }
    }
}
