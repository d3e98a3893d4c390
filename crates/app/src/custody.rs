//! Where every traveler is: open loops (in custody, not yet delivered; overdue past the
//! trip's planned arrival plus the configured margin) and the record (per local day and in
//! total: batches, person-trips, incidents, staff infections, and the alerts: confirmation
//! codes refused and hand-overs they locked, counted from the ledger's entries).

use crate::context::App;
use crate::error::AppResult;
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_domain::Lang;
use closedloop_handover::record::{DayFigures, Record};
use closedloop_store::desk;
pub use closedloop_store::desk::{LoopRow, LoopState};
use serde::Serialize;

/// Which loops to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoopFilter {
    Open,
    Overdue,
    /// Delivered travelers too.
    All,
}

pub fn loops(app: &App, filter: LoopFilter, now: DateTime<Utc>) -> AppResult<Vec<LoopRow>> {
    let mut rows = desk::loops(
        &mut *app.conn()?,
        now,
        app.config.handover.overdue_margin,
        filter == LoopFilter::All,
    )?;
    if filter == LoopFilter::Overdue {
        rows.retain(|r| r.overdue);
    }
    Ok(rows)
}

/// The record of the local days `from` (default: the first with a delivery or an incident) to
/// `to` (default: today).
#[derive(Debug, Clone, Serialize)]
pub struct RecordReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub summary: Summary,
    pub totals: Totals,
    pub days: Vec<DayFigures>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub batches: u32,
    pub person_trips: u32,
    pub incidents: u32,
    pub staff_infections: u32,
    pub days_since_last_incident: Option<u32>,
    pub alerts: Alerts,
}

/// `{"wrong_codes", "locked_handovers"}`: what an office checks beside the claims.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Alerts {
    pub wrong_codes: u32,
    pub locked_handovers: u32,
}

pub fn record(
    app: &App,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> AppResult<RecordReport> {
    let gates = &app.config.handover.gates;
    let to = to.unwrap_or_else(|| gates.local_day(Utc::now()));
    let record: Record = desk::record(&mut *app.conn()?, gates.utc_offset, from, to)?;
    let last = record.last();
    Ok(RecordReport {
        from: record.from,
        to: record.to,
        summary: Summary {
            en: record.summary(Lang::En),
            zh: record.summary(Lang::ZhCn),
        },
        totals: Totals {
            batches: last.map_or(0, |d| d.total_batches),
            person_trips: last.map_or(0, |d| d.total_person_trips),
            incidents: last.map_or(0, |d| d.total_incidents),
            staff_infections: last.map_or(0, |d| d.total_staff_infections),
            days_since_last_incident: last.and_then(|d| d.days_since_last_incident),
            alerts: Alerts {
                wrong_codes: last.map_or(0, |d| d.total_wrong_codes),
                locked_handovers: last.map_or(0, |d| d.total_locked_handovers),
            },
        },
        days: record.days,
    })
}
