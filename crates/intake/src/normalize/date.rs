//! Dates and times in the forms desks type, and Excel serial numbers.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::text_cow;
use closedloop_domain::excerpt::excerpt;

mod serial;
mod time;

pub use serial::excel_serial;
use time::parse_time;

/// Why a value could not be read as a date (and optional time).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("date is empty; write it as year-month-day, e.g. 2021-03-05")]
    Empty,
    #[error(
        "{} is not a recognised date; write it as year-month-day, e.g. 2021-03-05, \
         optionally followed by a time such as 14:30",
        excerpt(.0)
    )]
    Unrecognised(String),
    #[error("{}", ambiguous_message(.0))]
    Ambiguous(String),
    #[error(
        "{} is not a real date or time: the month must be 1-12, the day must exist in that \
         month, the time must be at most 23:59:59, and an Excel serial number must be between \
         1 and 2958465; e.g. 2021-03-05 14:30",
        excerpt(.0)
    )]
    OutOfRange(String),
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Spells out both readings so the desk can pick the right one instead of guessing again.
fn ambiguous_message(input: &str) -> String {
    let mut numbers = input
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty());
    let parsed = (|| {
        let a: usize = numbers.next()?.parse().ok()?;
        let b: usize = numbers.next()?.parse().ok()?;
        let year = numbers.next()?;
        let (a_month, b_month) = (
            MONTH_NAMES.get(a.checked_sub(1)?)?,
            MONTH_NAMES.get(b.checked_sub(1)?)?,
        );
        Some(format!(
            "{} is ambiguous: it could be {a} {b_month} {year} or {b} {a_month} {year}; \
             write it as year-month-day, i.e. {year}-{b:02}-{a:02} or {year}-{a:02}-{b:02}",
            excerpt(input)
        ))
    })();
    parsed.unwrap_or_else(|| {
        format!(
            "{} is ambiguous: the day and the month could be either way round; write it \
             as year-month-day, e.g. 2021-03-05",
            excerpt(input)
        )
    })
}

/// Reads a date in any of the forms desks use:
///
/// - ISO "2021-03-05", and "2021/3/5", "2021.3.5", "2021-3-5";
/// - Chinese "2021年3月5日" / "2021年03月05号";
/// - compact "20210305";
/// - "05/03/2021" (also with '-' or '.') only when it cannot be misread: one of the first two
///   parts is above 12 or both are equal; otherwise [`DateError::Ambiguous`];
/// - an Excel serial number as text, "44260" or "44260.0" (1900 date system);
/// - any of the above followed by a time (see [`datetime`]), which is dropped.
pub fn date(s: &str) -> Result<NaiveDate, DateError> {
    datetime(s).map(|(dt, _)| dt.date())
}

/// A date (any form [`date`] accepts) with an optional time: "14:30", "14:30:15", "14:30:15.250"
/// (fraction dropped), "14时30分", "14点半", an optional period "上午"/"下午"/"中午"/"晚上"/"凌晨"
/// before the time or "AM"/"PM" after it, or an ISO "T" form. An Excel serial with a fraction
/// ("44260.6041666667") carries a time too, rounded to the nearest second.
///
/// Returns the datetime and whether the input had a time; a date alone gives 00:00:00 and
/// `false`.
pub fn datetime(s: &str) -> Result<(NaiveDateTime, bool), DateError> {
    let t = text_cow(s);
    let t = t.as_ref();
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    if let Some(result) = parse_serial(t) {
        return result;
    }
    let mut scan = Scan { rest: t };
    let date = parse_date_part(&mut scan, t)?;
    let after_t = scan.eat("T") || scan.eat("t");
    scan.spaces();
    if scan.rest.is_empty() {
        return if after_t {
            Err(unrecognised(t))
        } else {
            Ok((date.and_time(NaiveTime::MIN), false))
        };
    }
    let time = parse_time(&mut scan, t)?;
    Ok((date.and_time(time), true))
}

fn unrecognised(t: &str) -> DateError {
    DateError::Unrecognised(t.to_owned())
}

fn out_of_range(t: &str) -> DateError {
    DateError::OutOfRange(t.to_owned())
}

/// Handles values made only of digits with an optional fraction: an Excel serial, or the compact
/// form "20210305" (eight digits can never be a serial in range). `None` for anything else.
fn parse_serial(t: &str) -> Option<Result<(NaiveDateTime, bool), DateError>> {
    let (int, frac) = match t.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (t, None),
    };
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !all_digits(int) || !frac.is_none_or(|f| !f.is_empty() && all_digits(f)) {
        return None;
    }
    if frac.is_none() && int.len() == 8 {
        return Some(
            ymd(&int[..4], &int[4..6], &int[6..], t).map(|d| (d.and_time(NaiveTime::MIN), false)),
        );
    }
    if int.len() > 7 {
        return Some(Err(out_of_range(t)));
    }
    let has_time = frac.is_some_and(|f| f.bytes().any(|b| b != b'0'));
    Some(
        t.parse::<f64>()
            .ok()
            .and_then(excel_serial)
            .map(|dt| (dt, has_time))
            .ok_or_else(|| out_of_range(t)),
    )
}

fn ymd(year: &str, month: &str, day: &str, t: &str) -> Result<NaiveDate, DateError> {
    let n = |p: &str| p.parse::<u32>().map_err(|_| unrecognised(t));
    let year = i32::try_from(n(year)?).map_err(|_| out_of_range(t))?;
    NaiveDate::from_ymd_opt(year, n(month)?, n(day)?).ok_or_else(|| out_of_range(t))
}

/// A forward-only reader over normalised text (single ASCII spaces, half-width punctuation).
struct Scan<'a> {
    rest: &'a str,
}

impl<'a> Scan<'a> {
    fn eat(&mut self, prefix: &str) -> bool {
        match self.rest.strip_prefix(prefix) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    fn spaces(&mut self) {
        self.rest = self.rest.trim_start_matches(' ');
    }

    fn digits(&mut self) -> &'a str {
        let n = self.rest.bytes().take_while(u8::is_ascii_digit).count();
        let (digits, rest) = self.rest.split_at(n);
        self.rest = rest;
        digits
    }

    /// A run of digits whose length is in `len`; anything else makes the value unrecognised.
    fn number(
        &mut self,
        len: std::ops::RangeInclusive<usize>,
        t: &str,
    ) -> Result<&'a str, DateError> {
        let d = self.digits();
        if len.contains(&d.len()) {
            Ok(d)
        } else {
            Err(unrecognised(t))
        }
    }

    fn date_separator(&mut self) -> Option<&'static str> {
        ["-", "/", "."].into_iter().find(|sep| self.eat(sep))
    }

    fn expect(&mut self, s: &str, t: &str) -> Result<(), DateError> {
        if self.eat(s) {
            Ok(())
        } else {
            Err(unrecognised(t))
        }
    }
}

fn parse_date_part(scan: &mut Scan<'_>, t: &str) -> Result<NaiveDate, DateError> {
    let first = scan.digits();
    match first.len() {
        4 => {
            scan.spaces();
            if scan.eat("年") {
                scan.spaces();
                let month = scan.number(1..=2, t)?;
                scan.spaces();
                scan.expect("月", t)?;
                scan.spaces();
                let day = scan.number(1..=2, t)?;
                let before_suffix = scan.rest;
                scan.spaces();
                if !(scan.eat("日") || scan.eat("号")) {
                    scan.rest = before_suffix;
                }
                ymd(first, month, day, t)
            } else if let Some(sep) = scan.date_separator() {
                scan.spaces();
                let month = scan.number(1..=2, t)?;
                scan.spaces();
                scan.expect(sep, t)?;
                scan.spaces();
                let day = scan.number(1..=2, t)?;
                ymd(first, month, day, t)
            } else {
                Err(unrecognised(t))
            }
        }
        8 => ymd(&first[..4], &first[4..6], &first[6..], t),
        1 | 2 => {
            scan.spaces();
            let sep = scan.date_separator().ok_or_else(|| unrecognised(t))?;
            scan.spaces();
            let second = scan.number(1..=2, t)?;
            scan.spaces();
            scan.expect(sep, t)?;
            scan.spaces();
            let year = scan.number(4..=4, t)?;
            let (a, b): (u32, u32) = (first.parse().unwrap_or(0), second.parse().unwrap_or(0));
            match (a > 12, b > 12) {
                (true, false) => ymd(year, second, first, t),
                (false, true) => ymd(year, first, second, t),
                (false, false) if a == b => ymd(year, first, second, t),
                (false, false) if a == 0 || b == 0 => Err(out_of_range(t)),
                (false, false) => Err(DateError::Ambiguous(t.to_owned())),
                (true, true) => Err(out_of_range(t)),
            }
        }
        _ => Err(unrecognised(t)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn dt(y: i32, m: u32, day: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
        d(y, m, day).and_hms_opt(h, min, s).unwrap()
    }

    #[test]
    fn date_accepted_forms() {
        for input in [
            "2021-03-05",
            "2021/3/5",
            "2021/03/05",
            "2021.3.5",
            "2021-3-5",
            "2021 - 03 - 05",
            "２０２１－０３－０５",
            " 2021-03-05\u{3000}",
            "2021年3月5日",
            "2021年03月05号",
            "2021 年 3 月 5 日",
            "2021年3月5",
            "20210305",
            "44260",
            "44260.0",
            "44260.6041666667",
            "2021-03-05T14:30:00",
            "2021-03-05 14:30",
            "2021/3/5 14:30:00",
            "2021年3月5日 下午2:30",
        ] {
            assert_eq!(date(input), Ok(d(2021, 3, 5)), "{input:?}");
        }
        for input in [
            "25/12/2021",
            "25/12/2021",
            "12/25/2021",
            "25-12-2021",
            "25.12.2021",
        ] {
            assert_eq!(date(input), Ok(d(2021, 12, 25)), "{input:?}");
        }
        assert_eq!(date("5/13/2021"), Ok(d(2021, 5, 13)));
        // Equal parts read the same either way round.
        assert_eq!(date("07/07/2021"), Ok(d(2021, 7, 7)));
    }

    #[test]
    fn date_errors() {
        use DateError::*;
        assert_eq!(date(""), Err(Empty));
        assert_eq!(date(" \u{3000}"), Err(Empty));
        for s in [
            "03/05/2021",
            "3/5/2021",
            "03-05-2021",
            "03.05.2021",
            "3/5/2021 14:30",
        ] {
            assert_eq!(date(s), Err(Ambiguous(s.to_owned())), "{s:?}");
        }
        for s in [
            "yesterday",
            "2021-03",
            "2021/03-05",
            "21-03-05",
            "03/05/21",
            "2021-003-05",
            "3月5日",
            "2021年3月",
            "2021-03-05T",
            "2021-03-05 noon",
            "2021-03-05 14",
            "2021-03-05 14:3",
            "2021-03-05 14:30 extra",
            "2021-03-05T14:30:00Z",
            "2021-03-0514:30",
            "44260.",
            ".5",
            "-5",
            "1e5",
        ] {
            assert_eq!(date(s), Err(Unrecognised(s.to_owned())), "{s:?}");
        }
        for s in [
            "2021-02-29",
            "2021-13-01",
            "2021-00-10",
            "2021年4月31日",
            "20211305",
            "13/13/2021",
            "00/05/2021",
            "0",
            "60",
            "2958466",
            "12345678.5",
            "123456789",
            "2021-03-05 24:00",
            "2021-03-05 14:60",
            "2021-03-05 下午13:60",
            "2021-03-05 上午13:00",
            "2021-03-05 晚上12点",
        ] {
            assert_eq!(date(s), Err(OutOfRange(s.to_owned())), "{s:?}");
        }
    }

    #[test]
    fn ambiguous_message_names_both_readings() {
        let msg = DateError::Ambiguous("03/05/2021".into()).to_string();
        assert!(msg.contains("3 May 2021"), "{msg}");
        assert!(msg.contains("5 March 2021"), "{msg}");
        assert!(msg.contains("2021-03-05"), "{msg}");
        assert!(msg.contains("2021-05-03"), "{msg}");
        let msg = DateError::Ambiguous("??".into()).to_string();
        assert!(msg.contains("2021-03-05"), "{msg}");
    }

    #[test]
    fn datetime_accepted_forms() {
        let at = |h, m, s| (dt(2021, 3, 5, h, m, s), true);
        let cases = [
            ("2021-03-05 14:30", at(14, 30, 0)),
            ("2021-03-05 14:30:15", at(14, 30, 15)),
            ("2021-03-05 14:30:15.999", at(14, 30, 15)),
            ("2021-03-05T14:30:00", at(14, 30, 0)),
            ("2021-03-05t14:30", at(14, 30, 0)),
            ("2021-03-05 9:05", at(9, 5, 0)),
            ("2021-03-05 １４：３０", at(14, 30, 0)),
            ("2021年3月5日14时30分", at(14, 30, 0)),
            ("2021年3月5日 14时30分15秒", at(14, 30, 15)),
            ("2021年3月5日14点", at(14, 0, 0)),
            ("2021年3月5日14点整", at(14, 0, 0)),
            ("2021年3月5日14点半", at(14, 30, 0)),
            ("2021年3月5日14点30", at(14, 30, 0)),
            ("2021年3月5日下午2:30", at(14, 30, 0)),
            ("2021-03-05 下午2:30", at(14, 30, 0)),
            ("2021-03-05 下午 2点30分", at(14, 30, 0)),
            ("2021-03-05 下午12:10", at(12, 10, 0)),
            ("2021-03-05 上午9:15", at(9, 15, 0)),
            ("2021-03-05 上午12:15", at(0, 15, 0)),
            ("2021-03-05 凌晨3点", at(3, 0, 0)),
            ("2021-03-05 中午12点", at(12, 0, 0)),
            ("2021-03-05 中午1点", at(13, 0, 0)),
            ("2021-03-05 晚上8点", at(20, 0, 0)),
            ("2021-03-05 2:30 PM", at(14, 30, 0)),
            ("2021-03-05 2:30pm", at(14, 30, 0)),
            ("2021-03-05 12:30 a.m.", at(0, 30, 0)),
            ("20210305 14:30", at(14, 30, 0)),
            ("15/03/2021 14:30", (dt(2021, 3, 15, 14, 30, 0), true)),
            ("44260.6041666667", at(14, 30, 0)),
            ("44260.5", at(12, 0, 0)),
            ("2021-03-05", (dt(2021, 3, 5, 0, 0, 0), false)),
            ("44260", (dt(2021, 3, 5, 0, 0, 0), false)),
            ("44260.000", (dt(2021, 3, 5, 0, 0, 0), false)),
            ("2021-03-05 00:00:00", at(0, 0, 0)),
        ];
        for (input, want) in cases {
            assert_eq!(datetime(input), Ok(want), "{input:?}");
        }
    }

    #[test]
    fn datetime_errors() {
        use DateError::*;
        assert_eq!(datetime(""), Err(Empty));
        assert_eq!(datetime("14:30"), Err(Unrecognised("14:30".into())));
        assert_eq!(
            datetime("03/05/2021 14:30"),
            Err(Ambiguous("03/05/2021 14:30".into()))
        );
        assert_eq!(
            datetime("2021-03-05 25:00"),
            Err(OutOfRange("2021-03-05 25:00".into()))
        );
        assert_eq!(
            datetime("2021-03-05 下午0点"),
            Err(OutOfRange("2021-03-05 下午0点".into()))
        );
    }

    #[test]
    fn dates_round_trip_through_their_display() {
        for input in ["2021年3月5日", "44260", "15/03/2021", "2021-03-05 下午2:30"] {
            let once = date(input).unwrap();
            assert_eq!(date(&once.to_string()), Ok(once));
            let (once, _) = datetime(input).unwrap();
            let shown = once.format("%Y-%m-%d %H:%M:%S").to_string();
            assert_eq!(datetime(&shown), Ok((once, true)));
        }
    }
}
