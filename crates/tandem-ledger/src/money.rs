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
    /// The text is not a decimal amount like `1234.56` (see [`Fen::parse_yuan`]).
    #[error("`{text}` is not an amount: {rule}")]
    Parse {
        /// The text that was read.
        text: String,
        /// The part of the rule it broke.
        rule: YuanRule,
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

/// Which part of the rule of [`Fen::parse_yuan`] a text broke; its `Display` is the sentence
/// shown to the user, and callers that report errors in their own words (the platform's
/// field errors) match on the variant, never on the sentence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YuanRule {
    /// Nothing before the decimal point (`""`, `".5"`, `"-"`).
    NoDigitsBeforePoint,
    /// A point with nothing after it (`"12."`).
    NoDigitsAfterPoint,
    /// A character that is not an ASCII digit, a sign, one `.` or a thousands separator
    /// (`"1e5"`, `"12 000"`, `"¥12"`, `"1.2.3"`).
    NotDigits,
    /// A thousands separator out of place (`"12,5"`, `"1,23"`, `",123"`, `"1,,234"`).
    MisplacedSeparator,
    /// A third decimal (`"12.345"`, `"12.340"`): not a whole number of fen.
    TooManyDecimals,
    /// More fen than an `i64` holds.
    TooLarge,
}

impl fmt::Display for YuanRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            YuanRule::NoDigitsBeforePoint => "no digits before the decimal point",
            YuanRule::NoDigitsAfterPoint => "no digits after the decimal point",
            YuanRule::NotDigits => {
                "only digits, one optional '.', thousands separators and a leading '-' are allowed"
            }
            YuanRule::MisplacedSeparator => {
                "thousands separators must group the whole yuan by three (1,234,567.89); \
                 write decimals with '.'"
            }
            YuanRule::TooManyDecimals => "more than 2 decimals: not an exact number of fen",
            YuanRule::TooLarge => "too large (more than about 92 trillion yuan)",
        })
    }
}

/// The whole-yuan part of an amount without its thousands separators, checking that they
/// group the digits by three (see [`Fen::parse_yuan`]).
fn whole_yuan_digits(int: &str) -> Result<String, YuanRule> {
    if int.is_empty() {
        return Err(YuanRule::NoDigitsBeforePoint);
    }
    let groups: Vec<&str> = int.split([',', '，']).collect();
    // A group with another character is not a number at all, whatever the grouping.
    if !groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit())) {
        return Err(YuanRule::NotDigits);
    }
    if groups.len() > 1 {
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return Err(YuanRule::MisplacedSeparator);
        }
    }
    Ok(groups.concat())
}

/// An exact amount in hundredths of its unit (fen for money). See the module doc.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub i64);

impl Fen {
    /// Zero.
    pub const ZERO: Fen = Fen(0);

    /// Parses a yuan amount written as text, exactly. This is the one rule for amounts typed
    /// or imported anywhere in tandem (agreements, revenue files, the platform's forms, API
    /// and spreadsheets all call it), so the same text is accepted or refused everywhere:
    ///
    /// * surrounding spaces are ignored; an optional sign `-` (or `+`) comes first;
    /// * then whole yuan in ASCII digits, optionally grouped in thousands by `,` or by the
    ///   full-width `，` a Chinese input method types: the first group has 1 to 3 digits,
    ///   every later group exactly 3 (`1,234,567.89`);
    /// * then optionally `.` and one or two digits of jiao and fen (`12.5`, `12.50`).
    ///
    /// Refused, with the [`YuanRule`] broken: no digit before or after the point (`.5`,
    /// `12.`), a third decimal even if it is zero (`12.340`: fen are the smallest unit, and a
    /// third decimal usually means an unrounded computed figure), misplaced separators
    /// (`12,5` is a decimal comma that would otherwise silently read as 125 yuan; `1,23`,
    /// `1,,234`), exponents, spaces inside, currency signs, full-width digits, and amounts
    /// beyond an `i64` of fen (about 92 trillion yuan). Callers with a narrower range (the
    /// platform's money fields take 0 to 10^12 yuan) check it on the result.
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
            Some((i, f)) => (i, Some(f)),
            None => (body, None),
        };
        let whole = whole_yuan_digits(int).map_err(err)?;
        let frac = frac.unwrap_or("");
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err(YuanRule::NotDigits));
        }
        if body.contains('.') && frac.is_empty() {
            return Err(err(YuanRule::NoDigitsAfterPoint));
        }
        if frac.len() > 2 {
            return Err(err(YuanRule::TooManyDecimals));
        }
        let overflow = || err(YuanRule::TooLarge);
        let mut fen: i64 = 0;
        for b in whole.bytes() {
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
        // Thousands separators group by three (they were refused before issue #15).
        assert_eq!(Fen::parse_yuan("1,000").unwrap(), Fen(100_000));
        assert!(Fen::parse_yuan("1e3").is_err());
        assert!(Fen::parse_yuan(".5").is_err());
        assert!(Fen::parse_yuan("99999999999999999999").is_err());
        assert!(Fen(i64::MAX).checked_add(Fen(1)).is_err());
    }

    /// The rule of [`Fen::parse_yuan`], input by input (the platform's money fields run the
    /// same table through their own entry point in `tandem-platform/src/entity.rs`).
    #[test]
    fn yuan_rule_table() {
        use YuanRule::*;
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("12", 1_200),
            ("12.5", 1_250),
            ("12.50", 1_250),
            ("12.05", 1_205),
            (" 12.5 ", 1_250),
            ("007", 700),
            ("+12", 1_200),
            ("-12.5", -1_250),
            ("1,234.56", 123_456),
            ("1,234,567.89", 123_456_789),
            ("12，345", 1_234_500),
            ("999,999,999,999", 99_999_999_999_900),
        ];
        for &(text, fen) in ok {
            assert_eq!(Fen::parse_yuan(text), Ok(Fen(fen)), "{text:?}");
        }
        let refused: &[(&str, YuanRule)] = &[
            ("", NoDigitsBeforePoint),
            ("-", NoDigitsBeforePoint),
            (".5", NoDigitsBeforePoint),
            ("12.", NoDigitsAfterPoint),
            ("12.340", TooManyDecimals),
            ("12.345", TooManyDecimals),
            ("1e5", NotDigits),
            ("12 000", NotDigits),
            ("¥12", NotDigits),
            ("１２", NotDigits),
            ("1.2.3", NotDigits),
            ("12,5", MisplacedSeparator),
            ("1,23", MisplacedSeparator),
            ("1,2345", MisplacedSeparator),
            (",123", MisplacedSeparator),
            ("1,,234", MisplacedSeparator),
            ("1234,567", MisplacedSeparator),
            ("1.234,56", NotDigits),
            ("99999999999999999999", TooLarge),
        ];
        for &(text, rule) in refused {
            let e = Fen::parse_yuan(text).unwrap_err();
            assert_eq!(
                e,
                MoneyError::Parse {
                    text: text.to_string(),
                    rule
                },
                "{text:?}"
            );
        }
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
