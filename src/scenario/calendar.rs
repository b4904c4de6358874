//! Calendar dates in scenario files, turned into months since the accrual start.
//!
//! Publications give accrual windows and cut-offs as dates; the simulator works in
//! months (1 month = 30.4375 days, the mean Gregorian month), so dates are
//! converted once, at resolution, by exact day counts.

use crate::design::DAYS_PER_MONTH;

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Days in a month of a year, for validating a written date.
fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
            if leap {
                29
            } else {
                28
            }
        }
    }
}

/// A plain calendar date, as scenario files write them (`2022-01-01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i64,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Accepts a TOML date without time or offset; a date-time is refused because
    /// a time of day has no meaning at the resolution of follow-up in months.
    pub fn from_toml(dt: &toml::value::Datetime) -> Result<Date, String> {
        if dt.time.is_some() || dt.offset.is_some() {
            return Err(format!(
                "`{dt}` has a time of day; give a plain date such as 2022-01-01"
            ));
        }
        let d = dt.date.ok_or_else(|| format!("`{dt}` is not a date"))?;
        let date = Date {
            year: d.year as i64,
            month: d.month as u32,
            day: d.day as u32,
        };
        if !(1..=12).contains(&date.month)
            || date.day < 1
            || date.day > days_in_month(date.year, date.month)
        {
            return Err(format!("`{dt}` is not a valid calendar date"));
        }
        Ok(date)
    }

    pub fn days(&self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// Months from `origin` to `self` (negative when `self` is earlier).
    pub fn months_since(&self, origin: &Date) -> f64 {
        (self.days() - origin.days()) as f64 / DAYS_PER_MONTH
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_match_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(
            days_from_civil(2024, 2, 29) - days_from_civil(2024, 2, 28),
            1
        );
        // January 2022 to July 2023 (the Botkin accrual window): 576 days.
        let a = Date {
            year: 2022,
            month: 1,
            day: 1,
        };
        let b = Date {
            year: 2023,
            month: 7,
            day: 31,
        };
        assert_eq!(b.days() - a.days(), 576);
        assert!((b.months_since(&a) - 576.0 / 30.4375).abs() < 1e-12);
    }

    #[test]
    fn invalid_dates_are_refused() {
        // The TOML parser may refuse it already; if it does not, we must.
        let dt = "2023-02-29".parse::<toml::value::Datetime>();
        assert!(dt.map_or(true, |d| Date::from_toml(&d).is_err()));
        let dt: toml::value::Datetime = "2023-04-31"
            .parse()
            .unwrap_or_else(|_| "2023-04-30".parse().unwrap());
        if dt.to_string() == "2023-04-31" {
            assert!(Date::from_toml(&dt).is_err());
        }
        let dt: toml::value::Datetime = "2024-02-29".parse().unwrap();
        assert!(Date::from_toml(&dt).is_ok());
        let dt: toml::value::Datetime = "2024-02-01T10:00:00".parse().unwrap();
        assert!(Date::from_toml(&dt).is_err());
    }
}
