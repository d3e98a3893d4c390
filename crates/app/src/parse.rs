//! What desks and phones type, parsed once into domain values: times, parties, a trip's stops,
//! points. Every error names the field and says what form is expected, in both languages, and
//! quotes what was typed as a short excerpt.

use crate::error::{AppError, AppResult, Fault};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::arrival::TransportNumber;
use closedloop_domain::excerpt::excerpt;
use closedloop_domain::ids::{DestinationId, TravelerId};
use closedloop_roads::model::Point;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::PlannedStop;

fn invalid(code: &'static str, field: &str, en: String, zh: String) -> AppError {
    AppError::Invalid(Fault::new(code, en, zh).at(field))
}

/// A time as desks type it: RFC 3339, UTC as "2021-07-01 09:30" (seconds and a `T` allowed),
/// or a day (midnight UTC).
pub fn time(field: &str, s: &str) -> AppResult<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(d.and_time(Default::default()).and_utc());
    }
    let shown = excerpt(s);
    Err(invalid(
        "invalid_time",
        field,
        format!(
            "{field}: {shown} is not a time: use 2021-07-01T09:30:00+08:00, \"2021-07-01 01:30\" (UTC) or 2021-07-01"
        ),
        format!(
            "{field}：{shown} 不是时间：请写 2021-07-01T09:30:00+08:00、\"2021-07-01 01:30\"（UTC）或 2021-07-01"
        ),
    ))
}

/// [`time`] when given; now when not.
pub fn time_or_now(field: &str, s: Option<&str>) -> AppResult<DateTime<Utc>> {
    s.map_or_else(|| Ok(Utc::now()), |s| time(field, s))
}

/// A flight or train number, when one is given.
pub fn transport(field: &str, s: Option<&str>) -> AppResult<Option<TransportNumber>> {
    s.map(TransportNumber::parse)
        .transpose()
        .map_err(|e| AppError::from(e).with_field(field))
}

/// `ROLE:ID`, e.g. `crew:5`, `hotel_staff:12`.
pub fn party(field: &str, s: &str) -> AppResult<PartyKey> {
    let roles = "port_staff, crew, hotel_staff, community_staff, hospital_staff";
    let shown = excerpt(s);
    let Some((role, id)) = s.split_once(':') else {
        return Err(invalid(
            "invalid_party",
            field,
            format!(
                "{field}: {shown}: write ROLE:ID, e.g. crew:5 or hotel_staff:12 (roles: {roles})"
            ),
            format!(
                "{field}：{shown}：请写 角色:编号，如 crew:5 或 hotel_staff:12（角色：{roles}）"
            ),
        ));
    };
    let role: PartyRole = role.trim().parse().map_err(|_| {
        invalid(
            "unknown_role",
            field,
            format!("{field}: unknown party role {}: use {roles}", excerpt(role)),
            format!("{field}：未知角色 {}：可用 {roles}", excerpt(role)),
        )
    })?;
    let id = id.trim().parse().map_err(|_| {
        invalid(
            "invalid_party",
            field,
            format!("{field}: {shown}: the id after ':' must be a number"),
            format!("{field}：{shown}：冒号后的编号须为数字"),
        )
    })?;
    Ok(PartyKey { role, id })
}

/// `DEST:IDS` of a trip's stop, e.g. `12:1,2,3`.
pub fn stop(field: &str, s: &str) -> AppResult<PlannedStop> {
    let bad = |en: String, zh: String| invalid("invalid_stop", field, en, zh);
    let shown = excerpt(s);
    let (dest, ids) = s.split_once(':').ok_or_else(|| {
        bad(
            format!(
                "{field}: {shown}: write the destination id, a colon and traveler ids, e.g. 12:1,2,3"
            ),
            format!("{field}：{shown}：写作 目的地编号:旅客编号，如 12:1,2,3"),
        )
    })?;
    let destination = dest.trim().parse::<i64>().map_err(|_| {
        bad(
            format!(
                "{field}: {shown}: destination {} is not a number",
                excerpt(dest)
            ),
            format!("{field}：{shown}：目的地编号 {} 不是数字", excerpt(dest)),
        )
    })?;
    let travelers = ids
        .split(',')
        .map(|t| {
            t.trim().parse::<i64>().map_err(|_| {
                bad(
                    format!("{field}: {shown}: traveler {} is not a number", excerpt(t)),
                    format!("{field}：{shown}：旅客编号 {} 不是数字", excerpt(t)),
                )
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(PlannedStop {
        destination: Some(DestinationId(destination)),
        travelers: travelers.into_iter().map(TravelerId).collect(),
    })
}

/// `LAT,LON`, within ±90 and ±180.
pub fn point(field: &str, s: &str) -> AppResult<Point> {
    let bad = |en: String, zh: String| invalid("invalid_point", field, en, zh);
    let shown = excerpt(s);
    let (lat, lon) = s.split_once(',').ok_or_else(|| {
        bad(
            format!("{field}: {shown}: expected LAT,LON such as 31.2497,121.4555"),
            format!("{field}：{shown}：应写作 纬度,经度，如 31.2497,121.4555"),
        )
    })?;
    let num = |v: &str, en: &str, zh: &str| {
        v.trim().parse::<f64>().map_err(|_| {
            bad(
                format!("{field}: {shown}: {en} {} is not a number", excerpt(v)),
                format!("{field}：{shown}：{zh} {} 不是数字", excerpt(v)),
            )
        })
    };
    let (lat, lon) = (
        num(lat, "latitude", "纬度")?,
        num(lon, "longitude", "经度")?,
    );
    // NaN and infinities parse as numbers; no place is there.
    if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return Err(bad(
            format!(
                "{field}: {shown}: latitude must be within ±90 and longitude within ±180 (LAT,LON order)"
            ),
            format!("{field}：{shown}：纬度须在 ±90 以内、经度在 ±180 以内（先纬度后经度）"),
        ));
    }
    Ok(Point { lat, lon })
}

#[cfg(test)]
mod tests {
    use super::*;
    use closedloop_domain::Lang;

    #[test]
    fn times_parties_stops_and_points() {
        let t = time("--at", "2021-07-01 09:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-07-01T09:30:00+00:00");
        assert_eq!(
            time("--at", "2021-07-01T09:30:00+08:00").unwrap(),
            time("--at", "2021-07-01 01:30").unwrap()
        );
        assert_eq!(
            time("--at", "2021-07-01").unwrap(),
            time("--at", "2021-07-01T00:00").unwrap()
        );
        let e = time("--depart-at", "tomorrow").unwrap_err();
        assert_eq!((e.code(), e.field()), ("invalid_time", Some("--depart-at")));
        let p = party("--to", "hotel_staff:12").unwrap();
        assert_eq!((p.role, p.id), (PartyRole::HotelStaff, 12));
        assert_eq!(party("--to", "mayor:1").unwrap_err().code(), "unknown_role");
        assert_eq!(party("--to", "crew").unwrap_err().code(), "invalid_party");
        let s = stop("--stop", "12:1, 2,3").unwrap();
        assert_eq!(
            (s.destination, s.travelers),
            (
                Some(DestinationId(12)),
                vec![TravelerId(1), TravelerId(2), TravelerId(3)]
            )
        );
        assert!(stop("--stop", "12:1,x").is_err());
        let pt = point("--from", "31.25,121.45").unwrap();
        assert_eq!((pt.lat, pt.lon), (31.25, 121.45));
        assert!(point("--from", "121.45,31.25").is_err());
        for nowhere in ["NaN,1", "1,inf", "-inf,0"] {
            assert_eq!(point("--at", nowhere).unwrap_err().code(), "invalid_point");
        }
    }

    #[test]
    fn a_long_value_is_quoted_as_an_excerpt() {
        let long = "9".repeat(100_000);
        for e in [time("--at", &long), time("--at", &format!("x{long}"))] {
            let e = e.unwrap_err();
            assert!(e.message(Lang::En).len() < 300, "{}", e.message(Lang::En));
            assert!(e.message(Lang::ZhCn).contains("characters)"));
        }
        let e = party("--to", &format!("crew:{long}x")).unwrap_err();
        assert!(e.message(Lang::En).len() < 300);
    }

    proptest::proptest! {
        /// Whatever is typed, the parsers answer with a value or an error.
        #[test]
        fn parsers_never_panic(
            s in proptest::prelude::any::<String>(),
            typed in "[0-9:,. TtZz+-]{0,30}",
        ) {
            for s in [&s, &typed] {
                let _ = time("--at", s);
                let _ = party("--to", s);
                let _ = stop("--stop", s);
                let _ = point("--from", s);
                let _ = transport("--arrival", Some(s));
            }
        }
    }
}
