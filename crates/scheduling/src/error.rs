//! A day file that cannot be planned as given: what is wrong and where, in both languages.

use crate::problem::{DAY_FORMAT, Day};
use std::collections::HashSet;
use std::hash::Hash;
use thiserror::Error;

/// A day file refused. The message names the field by its path in the file
/// (`arrivals[2].travelers[5].home`), so the desk can find it.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DayError {
    #[error("day file: {message} (line {line}, column {column})")]
    Json {
        message: String,
        line: usize,
        column: usize,
    },
    #[error("day file: format {found:?} is not {DAY_FORMAT:?}")]
    Format { found: String },
    #[error("day file: {field}: {message}")]
    Field { field: String, message: String },
    #[error("day file: {field}: {code:?} appears twice; codes must be unique")]
    Duplicate { field: String, code: String },
    #[error("day file: {field}: no {kind} has the code {code:?}")]
    Unknown {
        field: String,
        kind: &'static str,
        code: String,
    },
}

impl DayError {
    pub(crate) fn field(field: impl Into<String>, message: impl Into<String>) -> DayError {
        DayError::Field {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn json(e: serde_json::Error) -> DayError {
        DayError::Json {
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }

    /// Stable, for the API's problem types.
    pub fn code(&self) -> &'static str {
        match self {
            DayError::Json { .. } => "day_json_invalid",
            DayError::Format { .. } => "day_format_unknown",
            DayError::Field { .. } => "day_field_invalid",
            DayError::Duplicate { .. } => "day_code_duplicate",
            DayError::Unknown { .. } => "day_code_unknown",
        }
    }

    /// The message in Chinese.
    pub fn zh(&self) -> String {
        match self {
            DayError::Json {
                message,
                line,
                column,
            } => format!("计划日文件：{message}（第 {line} 行第 {column} 列）"),
            DayError::Format { found } => {
                format!("计划日文件：格式 {found:?} 不是 {DAY_FORMAT:?}")
            }
            DayError::Field { field, message } => format!("计划日文件：{field}：{message}"),
            DayError::Duplicate { field, code } => {
                format!("计划日文件：{field}：编码 {code:?} 出现两次，编码必须唯一")
            }
            DayError::Unknown { field, kind, code } => {
                format!(
                    "计划日文件：{field}：没有编码为 {code:?} 的{}",
                    kind_zh(kind)
                )
            }
        }
    }
}

fn kind_zh(kind: &str) -> &'static str {
    match kind {
        "port" => "口岸",
        "hotel" => "隔离酒店",
        "hospital" => "定点医院",
        "vehicle" => "车辆",
        "crew member" => "工作人员",
        _ => "对象",
    }
}

fn unique<'a, K: Eq + Hash + std::fmt::Display + 'a>(
    field: &str,
    codes: impl IntoIterator<Item = &'a K>,
) -> Result<HashSet<&'a K>, DayError> {
    let mut seen = HashSet::new();
    for (i, c) in codes.into_iter().enumerate() {
        if !seen.insert(c) {
            return Err(DayError::Duplicate {
                field: format!("{field}[{i}].code"),
                code: c.to_string(),
            });
        }
    }
    Ok(seen)
}

pub(crate) fn validate(day: &Day) -> Result<(), DayError> {
    if day.format != DAY_FORMAT {
        return Err(DayError::Format {
            found: day.format.chars().take(40).collect(),
        });
    }
    let p = &day.policy;
    if !(p.seat_factor.is_finite() && (1.0..=10.0).contains(&p.seat_factor)) {
        return Err(DayError::field(
            "policy.seat_factor",
            format!("{} must be between 1.0 and 10.0", p.seat_factor),
        ));
    }
    if !(p.change_penalty.is_finite() && p.change_penalty >= 0.0) {
        return Err(DayError::field(
            "policy.change_penalty",
            "must be a number of minutes, 0 or more",
        ));
    }
    if p.family_room_size == 0 {
        return Err(DayError::field(
            "policy.family_room_size",
            "must be at least 1",
        ));
    }
    if p.special_max_ride > p.max_ride {
        return Err(DayError::field(
            "policy.special_max_ride",
            "must not be longer than policy.max_ride",
        ));
    }
    let ports = unique("ports", day.ports.iter().map(|p| &p.code))?;
    for (i, port) in day.ports.iter().enumerate() {
        port.location.coordinates(&format!("ports[{i}].location"))?;
    }
    let hotels = unique("hotels", day.hotels.iter().map(|h| &h.code))?;
    for (i, h) in day.hotels.iter().enumerate() {
        h.location.coordinates(&format!("hotels[{i}].location"))?;
        if h.accessible_rooms > h.rooms {
            return Err(DayError::field(
                format!("hotels[{i}].accessible_rooms"),
                format!(
                    "{} is more than the hotel's {} rooms",
                    h.accessible_rooms, h.rooms
                ),
            ));
        }
    }
    unique("hospitals", day.hospitals.iter().map(|h| &h.code))?;
    for (i, h) in day.hospitals.iter().enumerate() {
        h.location
            .coordinates(&format!("hospitals[{i}].location"))?;
    }
    let known_port = |field: String, code: &crate::ids::PortCode| {
        if ports.contains(code) {
            Ok(())
        } else {
            Err(DayError::Unknown {
                field,
                kind: "port",
                code: code.to_string(),
            })
        }
    };
    unique("vehicles", day.vehicles.iter().map(|v| &v.code))?;
    for (i, v) in day.vehicles.iter().enumerate() {
        known_port(format!("vehicles[{i}].base"), &v.base)?;
        if v.seats == 0 {
            return Err(DayError::field(
                format!("vehicles[{i}].seats"),
                "must be at least 1",
            ));
        }
        if v.available_until <= v.available_from {
            return Err(DayError::field(
                format!("vehicles[{i}].available_until"),
                "must be after available_from",
            ));
        }
    }
    unique("crew", day.crew.iter().map(|c| &c.code))?;
    for (i, c) in day.crew.iter().enumerate() {
        known_port(format!("crew[{i}].base"), &c.base)?;
        if c.shift_end <= c.shift_start {
            return Err(DayError::field(
                format!("crew[{i}].shift_end"),
                "must be after shift_start",
            ));
        }
    }
    unique("arrivals", day.arrivals.iter().map(|a| &a.code))?;
    let mut travelers = HashSet::new();
    let mut check_traveler = |field: String, t: &crate::problem::Traveler| {
        if !travelers.insert(t.code.clone()) {
            return Err(DayError::Duplicate {
                field: format!("{field}.code"),
                code: t.code.to_string(),
            });
        }
        if let Some(home) = &t.home
            && let Some(at) = &home.location
        {
            at.coordinates(&format!("{field}.home.location"))?;
        }
        Ok(())
    };
    for (i, a) in day.arrivals.iter().enumerate() {
        known_port(format!("arrivals[{i}].port"), &a.port)?;
        for (j, t) in a.travelers.iter().enumerate() {
            check_traveler(format!("arrivals[{i}].travelers[{j}]"), t)?;
        }
    }
    for (i, s) in day.stays.iter().enumerate() {
        check_traveler(format!("stays[{i}].traveler"), &s.traveler)?;
        if !hotels.contains(&s.hotel) {
            return Err(DayError::Unknown {
                field: format!("stays[{i}].hotel"),
                kind: "hotel",
                code: s.hotel.to_string(),
            });
        }
        if s.release <= s.check_in {
            return Err(DayError::field(
                format!("stays[{i}].release"),
                "must be after check_in",
            ));
        }
    }
    Ok(())
}
