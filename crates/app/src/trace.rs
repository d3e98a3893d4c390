//! Contact tracing: everyone exposed to a positive traveler or crew member, why and when,
//! from the custody record in the database.

use crate::context::App;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Utc};
use closedloop_trace::{Exposure, Subject, TraceError, TraceOptions};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct TraceRequest {
    pub index: Subject,
    /// When the test was positive.
    pub tested_at: Option<DateTime<Utc>>,
    /// Ignore the index case's trips and hand-overs before this.
    pub since: Option<DateTime<Utc>>,
    /// How long exposed crew carry infection on to later trips, and how far back a crew
    /// member's own trips count.
    pub window_days: u32,
}

/// `{"index", "exposures": [{"who", "reason", "at", "via_trip"}]}`.
#[derive(Debug, Clone, Serialize)]
pub struct TraceReport {
    pub index: Subject,
    pub exposures: Vec<Exposure>,
}

pub fn trace(app: &App, req: &TraceRequest) -> AppResult<TraceReport> {
    let options = TraceOptions {
        crew_exposure_window_s: i64::from(req.window_days) * 24 * 3600,
        since: req.since.map(|t| t.timestamp()),
        tested_at: req.tested_at.map(|t| t.timestamp()),
    };
    let input = closedloop_store::custody::load_trace_input(&mut *app.conn()?)?;
    let record = input.build().map_err(trace_error)?;
    let exposures = record.trace(req.index, &options).map_err(trace_error)?;
    Ok(TraceReport {
        index: req.index,
        exposures,
    })
}

fn trace_error(e: TraceError) -> AppError {
    match e {
        TraceError::UnknownTraveler(_) | TraceError::UnknownCrew(_) => AppError::not_found(
            "not_in_custody_record",
            e.to_string(),
            format!("转运记录中没有此人：{e}"),
        ),
        _ => AppError::invalid(
            "custody_record_inconsistent",
            e.to_string(),
            format!("转运记录不一致：{e}"),
        ),
    }
}
