//! Exact money and quantities: [`Fen`] (hundredths of a yuan) and the apportionment rule.
//!
//! # Representation
//! Every amount in the ledger is an `i64` count of hundredths of its unit: fen (0.01 yuan) for
//! money, and hundredths of a tonne of standard coal (tce) or of a mu for the energy-use and
//! land quotas. No floating-point number is ever used for an amount: yuan strings such as
//! `"1234.56"` are parsed digit by digit, and more than two decimals is an error rather than a
//! silent rounding. All arithmetic is checked; an overflow is a [`MoneyError::Overflow`].
//!
//! # Rounding rule (documented once, used everywhere)
//! A total `T` split by shares `w_1..w_n` in basis points (bp, 1/10,000; the shares of one
//! split sum to 10,000) is apportioned with the **largest-remainder (Hamilton) method**:
//! 1. each part first gets `floor(|T| * w_i / W)` fen, where `W = sum w_i`;
//! 2. the fen left over (fewer than `n`) go one each to the parts with the largest
//!    remainders `(|T| * w_i) mod W`;
//! 3. **ties are broken by party order in the agreement** (the earlier party gets the fen);
//! 4. a negative total (a refund, a correction) is apportioned as its absolute value and every
//!    part negated, so a refund mirrors the payment it undoes.
//!
//! The parts therefore always sum exactly to the total, to the fen, and no part differs from
//! its exact quota by one fen or more. Reference: Balinski & Young (2001), *Fair
//! Representation*, ch. 2 (Hamilton's method).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Errors of exact money arithmetic and parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not a decimal amount like `1234.56`.
    #[error("`{text}` is not an amount: {rule}")]
    Parse {
        /// The text that was read.
        text: String,
        /// What was wrong.
        rule: &'static str,
    },
    /// The result does not fit in an `i64` count of fen (about 92 trillion yuan).
    #[error("amount overflow in {op}")]
    Overflow {
        /// The operation that overflowed.
        op: &'static str,
    },
    /// Apportionment weights that sum to zero, or a split into no parts.
    #[error("cannot apportion: {0}")]
    Weights(&'static str),
}

/// An exact amount in hundredths of its unit (fen for money). See the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

impl Fen {
    /// Zero.
    pub const ZERO: Fen = Fen(0);

    /// Parses a yuan string: optional `-`, digits, optionally `.` and one or two digits.
    /// Thousands separators, exponents, spaces inside and a third decimal are errors.
    pub fn parse_yuan(text: &str) -> Result<Fen, MoneyError> {
        let err = |rule| MoneyError::Parse {
            text: text.to_string(),
            rule,
        };
        let t = text.trim();
        let (neg, body) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        if int.is_empty() {
            return Err(err("no digits before the decimal point"));
        }
        if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(
                "only digits, one optional '.' and a leading '-' are allowed",
            ));
        }
        if body.contains('.') && frac.is_empty() {
            return Err(err("no digits after the decimal point"));
        }
        if frac.len() > 2 {
            return Err(err("more than 2 decimals: not an exact number of fen"));
        }
        let overflow = || err("too large (more than about 92 trillion yuan)");
        let mut fen: i64 = 0;
        for b in int.bytes() {
            fen = fen
                .checked_mul(10)
                .and_then(|v| v.checked_add(i64::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        let mut digits = frac.bytes();
        for _ in 0..2 {
            let d = digits.next().map_or(0, |b| i64::from(b - b'0'));
            fen = fen
                .checked_mul(10)
                .and_then(|v| v.checked_add(d))
                .ok_or_else(overflow)?;
        }
        Ok(Fen(if neg { -fen } else { fen }))
    }

    /// `self + other`, or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Fen) -> Result<Fen, MoneyError> {
        self.0
            .checked_add(other.0)
            .map(Fen)
            .ok_or(MoneyError::Overflow { op: "addition" })
    }

    /// `self - other`, or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Fen) -> Result<Fen, MoneyError> {
        self.0
            .checked_sub(other.0)
            .map(Fen)
            .ok_or(MoneyError::Overflow { op: "subtraction" })
    }

    /// `-self`, or [`MoneyError::Overflow`] for `i64::MIN`.
    pub fn checked_neg(self) -> Result<Fen, MoneyError> {
        self.0
            .checked_neg()
            .map(Fen)
            .ok_or(MoneyError::Overflow { op: "negation" })
    }

    /// Converts an exact `i128` sum back to fen, or [`MoneyError::Overflow`].
    pub fn from_i128(v: i128) -> Result<Fen, MoneyError> {
        i64::try_from(v)
            .map(Fen)
            .map_err(|_| MoneyError::Overflow { op: "sum" })
    }

    /// The amount in yuan as a float, for charts and display only (never for arithmetic).
    pub fn to_yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Fen {
    /// Yuan with exactly two decimals, e.g. `-1234.05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl FromStr for Fen {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Fen, MoneyError> {
        Fen::parse_yuan(s)
    }
}

impl Serialize for Fen {
    /// Serialised as the yuan string of [`fmt::Display`], so JSON and TOML stay exact.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fen {
    /// Accepts a yuan string (`"5000000"`, `"12.30"`) or an integer number of yuan; a float
    /// is refused because it may not be exact.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fen, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Fen;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a yuan amount as a string such as \"1234.56\", or whole yuan")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Fen, E> {
                Fen::parse_yuan(v).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Fen, E> {
                v.checked_mul(100)
                    .map(Fen)
                    .ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Fen, E> {
                i64::try_from(v)
                    .ok()
                    .and_then(|v| v.checked_mul(100))
                    .map(Fen)
                    .ok_or_else(|| E::custom("amount too large"))
            }
            fn visit_f64<E: serde::de::Error>(self, _v: f64) -> Result<Fen, E> {
                Err(E::custom(
                    "write amounts as strings (\"1234.56\"): a float may not be exact",
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// Splits `total` into parts proportional to `weights` (basis points or any non-negative
/// integers) by the largest-remainder rule of the module doc; ties go to the earlier index.
/// The parts sum exactly to `total`.
pub fn apportion(total: Fen, weights: &[u32]) -> Result<Vec<Fen>, MoneyError> {
    if weights.is_empty() {
        return Err(MoneyError::Weights("no parts"));
    }
    let w_sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    if w_sum == 0 {
        return Err(MoneyError::Weights("weights sum to zero"));
    }
    let abs = i128::from(total.0).abs();
    let mut parts = Vec::with_capacity(weights.len());
    let mut rems = Vec::with_capacity(weights.len());
    let mut assigned: i128 = 0;
    for &w in weights {
        let p = abs * i128::from(w);
        parts.push(p / w_sum);
        rems.push(p % w_sum);
        assigned += p / w_sum;
    }
    let mut left = abs - assigned;
    if left > 0 {
        let mut order: Vec<usize> = (0..weights.len()).collect();
        // Stable sort: equal remainders keep party order, which is the documented tie-break.
        order.sort_by(|&a, &b| rems[b].cmp(&rems[a]));
        for &i in &order {
            if left == 0 {
                break;
            }
            parts[i] += 1;
            left -= 1;
        }
    }
    parts
        .into_iter()
        .map(|p| Fen::from_i128(if total.0 < 0 { -p } else { p }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_exactly() {
        assert_eq!(Fen::parse_yuan("1234.56").unwrap(), Fen(123_456));
        assert_eq!(Fen::parse_yuan("-0.5").unwrap(), Fen(-50));
        assert_eq!(Fen::parse_yuan("5000000").unwrap(), Fen(500_000_000));
        assert_eq!(Fen(-5).to_string(), "-0.05");
        assert_eq!(Fen(123_456).to_string(), "1234.56");
        assert!(Fen::parse_yuan("1.234").is_err());
        assert!(Fen::parse_yuan("1,000").is_err());
        assert!(Fen::parse_yuan("1e3").is_err());
        assert!(Fen::parse_yuan(".5").is_err());
        assert!(Fen::parse_yuan("99999999999999999999").is_err());
        assert!(Fen(i64::MAX).checked_add(Fen(1)).is_err());
    }

    #[test]
    fn apportions_with_largest_remainder_and_party_order_ties() {
        // 100 fen 1:1:1 -> quotas 33.33 each; one fen left, tie -> first party.
        let p = apportion(Fen(100), &[1, 1, 1]).unwrap();
        assert_eq!(p, vec![Fen(34), Fen(33), Fen(33)]);
        // 1 fen 4000:6000 -> quotas 0.4 / 0.6: the larger remainder gets it.
        assert_eq!(
            apportion(Fen(1), &[4000, 6000]).unwrap(),
            vec![Fen(0), Fen(1)]
        );
        assert_eq!(
            apportion(Fen(-100), &[1, 1, 1]).unwrap(),
            vec![Fen(-34), Fen(-33), Fen(-33)]
        );
    }
}
