//! Excel's 1900 date system: serial numbers to dates and times.

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime};

/// Largest serial Excel accepts: 9999-12-31.
const EXCEL_MAX_SERIAL: i64 = 2_958_465;
/// Excel's fictitious 1900-02-29 (it copied Lotus 1-2-3's leap-year bug).
const EXCEL_FAKE_LEAP_DAY: i64 = 60;
const SECONDS_PER_DAY: i64 = 86_400;
/// Serials below the fake leap day count from here (serial 1 is 1900-01-01)…
const EXCEL_EPOCH_BEFORE_LEAP: NaiveDate = NaiveDate::from_ymd_opt(1899, 12, 31).expect("valid");
/// …and from here above it, which absorbs the day that never existed.
const EXCEL_EPOCH_AFTER_LEAP: NaiveDate = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid");

/// Excel 1900-system serial (possibly fractional) to a datetime, rounded to the nearest second;
/// `None` when out of range (below 1, above 9999-12-31, not finite, or the fictitious
/// 1900-02-29).
pub fn excel_serial(serial: f64) -> Option<NaiveDateTime> {
    if !serial.is_finite() {
        return None;
    }
    let seconds = (serial * SECONDS_PER_DAY as f64).round();
    if seconds < 0.0 || seconds >= ((EXCEL_MAX_SERIAL + 1) * SECONDS_PER_DAY) as f64 {
        return None;
    }
    // In range, so the conversion is exact.
    let seconds = seconds as i64;
    let (days, second_of_day) = (seconds / SECONDS_PER_DAY, seconds % SECONDS_PER_DAY);
    let epoch = match days {
        ..1 | EXCEL_FAKE_LEAP_DAY => return None,
        ..EXCEL_FAKE_LEAP_DAY => EXCEL_EPOCH_BEFORE_LEAP,
        _ => EXCEL_EPOCH_AFTER_LEAP,
    };
    let date = epoch.checked_add_days(Days::new(u64::try_from(days).ok()?))?;
    let time =
        NaiveTime::from_num_seconds_from_midnight_opt(u32::try_from(second_of_day).ok()?, 0)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, day)
            .unwrap()
            .and_hms_opt(h, min, s)
            .unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn date(s: &str) -> Result<NaiveDate, super::super::DateError> {
        super::super::date(s)
    }

    #[test]
    fn date_excel_serials() {
        assert_eq!(date("1"), Ok(d(1900, 1, 1)));
        assert_eq!(date("59"), Ok(d(1900, 2, 28)));
        assert_eq!(date("61"), Ok(d(1900, 3, 1)));
        assert_eq!(date("25569"), Ok(d(1970, 1, 1)));
        assert_eq!(date("44260"), Ok(d(2021, 3, 5)));
        assert_eq!(date("2958465"), Ok(d(9999, 12, 31)));
        assert_eq!(
            excel_serial(44260.6041666667),
            Some(dt(2021, 3, 5, 14, 30, 0))
        );
        assert_eq!(excel_serial(44260.5), Some(dt(2021, 3, 5, 12, 0, 0)));
        assert_eq!(excel_serial(1.0), Some(dt(1900, 1, 1, 0, 0, 0)));
        // Rounds to the nearest second, carrying into the next day.
        assert_eq!(
            excel_serial(44_260.999_999_99),
            Some(dt(2021, 3, 6, 0, 0, 0))
        );
        for bad in [
            0.0,
            0.4,
            -1.0,
            60.0,
            60.5,
            2_958_466.0,
            f64::NAN,
            f64::INFINITY,
        ] {
            assert_eq!(excel_serial(bad), None, "{bad}");
        }
    }
}
