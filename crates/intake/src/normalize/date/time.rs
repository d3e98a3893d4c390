//! The time of day after a date: "14:30", "14时30分", "下午2点半", "2:30 PM".

use chrono::NaiveTime;

use super::{DateError, Scan, out_of_range, unrecognised};

/// How a 12-hour clock reading maps to 24 hours.
#[derive(Clone, Copy)]
enum Period {
    /// 上午, 早上, 凌晨, AM.
    Morning,
    /// 中午: around noon, "中午1点" is 13:00.
    Noon,
    /// 下午, PM.
    Afternoon,
    /// 晚上, 傍晚: "晚上12点" could mean either midnight, so it is refused.
    Evening,
}

impl Period {
    fn hour(self, h: u32) -> Option<u32> {
        match (self, h) {
            (Self::Morning, 12) => Some(0),
            (Self::Morning, 0..=11) => Some(h),
            (Self::Noon, 11..=14) => Some(h),
            (Self::Noon, 1..=3) => Some(h + 12),
            (Self::Afternoon, 1..=11) => Some(h + 12),
            (Self::Afternoon, 12..=23) => Some(h),
            (Self::Evening, 5..=11) => Some(h + 12),
            (Self::Evening, 17..=23) => Some(h),
            _ => None,
        }
    }
}

const PERIOD_PREFIXES: [(&str, Period); 8] = [
    ("上午", Period::Morning),
    ("早上", Period::Morning),
    ("早晨", Period::Morning),
    ("凌晨", Period::Morning),
    ("中午", Period::Noon),
    ("下午", Period::Afternoon),
    ("晚上", Period::Evening),
    ("傍晚", Period::Evening),
];

const PERIOD_SUFFIXES: [(&str, Period); 4] = [
    ("am", Period::Morning),
    ("a.m.", Period::Morning),
    ("pm", Period::Afternoon),
    ("p.m.", Period::Afternoon),
];

pub(super) fn parse_time(scan: &mut Scan<'_>, t: &str) -> Result<NaiveTime, DateError> {
    let mut period = PERIOD_PREFIXES
        .iter()
        .find(|(p, _)| scan.eat(p))
        .map(|&(_, period)| period);
    scan.spaces();
    let hour = scan.number(1..=2, t)?;
    let (mut minute, mut second) = ("0", "0");
    if scan.eat(":") {
        minute = scan.number(2..=2, t)?;
        if scan.eat(":") {
            second = scan.number(2..=2, t)?;
            // Sub-second precision means nothing for a transfer; truncating keeps the date.
            if scan.eat(".") {
                scan.number(1..=9, t)?;
            }
        }
    } else if scan.eat("时") || scan.eat("点") {
        scan.spaces();
        if scan.eat("半") {
            minute = "30";
        } else if !scan.eat("整") {
            let m = scan.digits();
            if !m.is_empty() {
                if m.len() > 2 {
                    return Err(unrecognised(t));
                }
                minute = m;
                scan.spaces();
                if scan.eat("分") {
                    scan.spaces();
                    let s = scan.digits();
                    if !s.is_empty() {
                        if s.len() > 2 {
                            return Err(unrecognised(t));
                        }
                        second = s;
                        scan.spaces();
                        scan.eat("秒");
                    }
                }
            }
        }
    } else {
        return Err(unrecognised(t));
    }
    scan.spaces();
    if period.is_none()
        && let Some(&(_, p)) = PERIOD_SUFFIXES
            .iter()
            .find(|(suffix, _)| scan.rest.eq_ignore_ascii_case(suffix))
    {
        period = Some(p);
        scan.rest = "";
    }
    if !scan.rest.is_empty() {
        return Err(unrecognised(t));
    }
    let n = |p: &str| p.parse::<u32>().map_err(|_| unrecognised(t));
    let mut hour = n(hour)?;
    if let Some(period) = period {
        hour = period.hour(hour).ok_or_else(|| out_of_range(t))?;
    }
    NaiveTime::from_hms_opt(hour, n(minute)?, n(second)?).ok_or_else(|| out_of_range(t))
}
