//! The benchmark literature's file formats: instances in, plans out and back.
//!
//! - [`solomon`]: Solomon and Gehring–Homberger VRPTW instances;
//! - [`vrplib`]: VRPLIB (TSPLIB-style) CVRP instances;
//! - [`bks`]: best-known results, `instance,vehicles,distance,source`;
//! - [`sol`]: plans as `Route #1: 5 3 7` lines with an optional `Cost 828.94`.
//!
//! Every reader has a `parse(text, file_label, …)` twin so tests and callers holding text need
//! no file; errors name the file, the line (1-based) and the field.

pub mod bks;
pub mod sol;
pub mod solomon;
pub mod vrplib;

use crate::PlanError;
use std::path::Path;

/// The whole file as text, with the label errors will name it by.
pub(crate) fn read_text(path: &Path) -> Result<(String, String), PlanError> {
    let label = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((text, label)),
        Err(source) => Err(PlanError::Io {
            file: label,
            source,
        }),
    }
}

pub(crate) fn format_error(file: &str, line: usize, message: impl Into<String>) -> PlanError {
    PlanError::Format {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// A number field; the message names the field and quotes what was there.
pub(crate) fn number(file: &str, line: usize, field: &str, text: &str) -> Result<f64, PlanError> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format_error(
            file,
            line,
            format!("{field}: {text:?} is not a number"),
        )),
    }
}

/// A count field (demand, capacity, fleet size): a whole number, zero or more. Files
/// sometimes write these as `10.0`, which is accepted.
pub(crate) fn whole(file: &str, line: usize, field: &str, text: &str) -> Result<u64, PlanError> {
    let v = number(file, line, field, text)?;
    if v < 0.0 || v.fract() != 0.0 || v > u32::MAX as f64 {
        return Err(format_error(
            file,
            line,
            format!("{field}: {text:?} is not a whole number of zero or more"),
        ));
    }
    Ok(v as u64)
}
