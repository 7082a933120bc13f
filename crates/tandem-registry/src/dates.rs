//! Calendar dates as days since 1970-01-01 (Parquet's DATE), without a date crate.

/// Days since 1970-01-01 of a proleptic Gregorian date ([`tandem_core::calendar`]), as
/// Parquet's 32-bit DATE.
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    tandem_core::calendar::days_from_civil(year.into(), month, day) as i32
}

/// The year of a day count (inverse of [`days_from_civil`] for the year part).
pub fn year_of(days: i32) -> i32 {
    tandem_core::calendar::civil_from_days(days.into()).0 as i32
}

/// The first day of `year`.
pub fn year_start(year: i32) -> i32 {
    days_from_civil(year, 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(2023, 12, 31), 19_722);
        for d in [-1, 0, 59, 60, 11_016, 11_017, 19_722, 19_723] {
            let y = year_of(d);
            assert!(year_start(y) <= d && d < year_start(y + 1), "{d} in {y}");
        }
    }
}
