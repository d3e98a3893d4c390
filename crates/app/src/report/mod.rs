//! The daily report (日通报): the counts an office sends up before noon — arrivals, batches,
//! person-trips, deliveries, releases from hotel quarantine, how many are in hotel quarantine,
//! at home, in hospital and on the road, incidents, and the "zero infection, zero incident"
//! claims — for one local calendar day, per port and per hotel. Counts only: no name,
//! document, phone or free text is in it.
//!
//! The ledger is the truth: before the report is computed, `ledger verify` runs
//! ([`crate::ledger::verify`]); if it fails — an entry or a custody row edited behind the
//! program's back — the report is refused with `report_ledger_mismatch`, naming the table and
//! row at fault, and nothing is counted. `docs/report.md` defines every count.
//!
//! - [`standing`]: the counts, from the store's facts (`closedloop_store::report`);
//! - [`labels`]: the report as tables in either language, for the CLI and the XLSX file;
//! - [`xlsx`]: the report as an XLSX workbook.

pub mod labels;
pub mod standing;
pub mod xlsx;

pub use xlsx::to_xlsx;

use crate::context::App;
use crate::custody::Summary;
use crate::error::{AppError, AppResult, Fault};
use crate::ledger::{self, Verified};
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use closedloop_domain::Lang;
use closedloop_store::DbConnection;
use closedloop_store::report as facts;
use serde::Serialize;
use std::collections::BTreeMap;

/// The stable code of a report refused because the ledger does not verify.
pub const LEDGER_MISMATCH: &str = "report_ledger_mismatch";

/// The daily report of one local day. Day flows count what happened in
/// `from..to` (the day in the configured offset); standing counts are at `as_of`.
#[derive(Debug, Clone, Serialize)]
pub struct DailyReport {
    /// The reporting day: a calendar day in the offset of `config/gates.toml`.
    pub date: NaiveDate,
    /// That offset, e.g. `+08:00`.
    pub utc_offset: String,
    /// The day's first instant and the next day's, UTC.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// The standing counts are as of this instant: the end of the day, or the time the report
    /// was made while the day is not over.
    pub as_of: DateTime<Utc>,
    /// False for a day not over yet: a preliminary report.
    pub complete: bool,
    pub generated_at: DateTime<Utc>,
    /// The ledger as verified before the report was computed.
    pub ledger: LedgerChecked,
    pub arrivals: Arrivals,
    /// Batches whose last delivery fell on the day (as `closedloop record` counts them).
    pub batches: u32,
    /// Travelers delivered on the day (loops closed), one per delivery.
    pub person_trips: u32,
    /// The day's person-trips by where they were delivered.
    pub delivered: ByDestination,
    /// Travelers released from hotel quarantine on the day: handed by hotel staff to a crew.
    pub released: u32,
    pub standing: Standing,
    pub incidents: Incidents,
    /// No staff infection on the day.
    pub zero_infection: bool,
    /// No incident (other than a staff infection) on the day.
    pub zero_incident: bool,
    /// From the first recorded day to the reporting day.
    pub cumulative: Cumulative,
    /// Every port: its arrivals and the batches that set out from it.
    pub ports: Vec<PortFigures>,
    /// Batches that set out from a hotel: the second transfers of "14+7".
    pub second_transfers: Flow,
    /// Deliveries of hand-overs that name no trip (each its own batch, as in the record).
    pub without_trip: Flow,
    /// The hotels with a delivery, a release or a traveler in quarantine.
    pub hotels: Vec<HotelFigures>,
    pub summary: Summary,
}

/// What `ledger verify` passed before the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerChecked {
    pub verified: bool,
    pub entries: u64,
    /// The tree's root, hex; `None` for an empty ledger.
    pub root: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Arrivals {
    /// Arrivals (a flight, a train, a crossing's list) whose service date is the day.
    pub arrivals: u32,
    /// Travelers on them.
    pub travelers: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ByDestination {
    pub hotel: u32,
    pub home: u32,
    pub hospital: u32,
}

/// Where every traveler in or out of custody stands at `as_of`, from the last hand-over each
/// took part in before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Standing {
    /// Last received by hotel staff.
    pub in_hotel_quarantine: u32,
    /// Last received by community staff: home quarantine or health monitoring.
    pub at_home: u32,
    /// Last received by a designated hospital's staff.
    pub in_hospital: u32,
    /// Last received by a crew: on the road.
    pub in_transit: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Incidents {
    /// Opened on the day, staff infections not included.
    pub opened: u32,
    /// Staff infections opened on the day.
    pub staff_infections: u32,
    /// Resolved on the day (whenever they were opened).
    pub resolved: u32,
    /// Opened before `as_of` and not resolved by then, staff infections included.
    pub open: u32,
    /// The day's incidents by kind code, staff infections included.
    pub by_kind: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Cumulative {
    pub batches: u32,
    pub person_trips: u32,
    pub incidents: u32,
    pub staff_infections: u32,
    /// Releases from hotel quarantine up to the end of the day.
    pub released: u32,
    pub zero_infection: bool,
    pub zero_incident: bool,
    /// 0 on a day with an incident; `None` while none was ever recorded.
    pub days_since_last_incident: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PortFigures {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub arrivals: u32,
    pub travelers: u32,
    pub batches: u32,
    pub person_trips: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Flow {
    pub batches: u32,
    pub person_trips: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HotelFigures {
    /// The store's hotel id, as hand-overs to its staff name it.
    pub id: i64,
    /// `None` for an id the hotel list does not hold.
    pub code: Option<String>,
    pub name_en: Option<String>,
    pub name_zh: Option<String>,
    /// Travelers delivered to it on the day.
    pub received: u32,
    /// Travelers its staff handed to a crew on the day.
    pub released: u32,
    /// In quarantine there at `as_of`.
    pub in_quarantine: u32,
}

/// The local day in `offset`, as an interval of UTC instants, and the report's `as_of`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub date: NaiveDate,
    pub offset: FixedOffset,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
}

impl Window {
    /// `date` in `offset`, the standing counted at its end or at `now`, whichever is earlier.
    pub fn new(date: NaiveDate, offset: FixedOffset, now: DateTime<Utc>) -> Window {
        let start = date.and_time(chrono::NaiveTime::MIN);
        let from = (start - Duration::seconds(i64::from(offset.local_minus_utc()))).and_utc();
        let to = from + Duration::days(1);
        Window {
            date,
            offset,
            from,
            to,
            as_of: to.min(now),
        }
    }

    /// The local day of a stored UTC time.
    pub fn day_of(&self, at: chrono::NaiveDateTime) -> NaiveDate {
        at.and_utc().with_timezone(&self.offset).date_naive()
    }

    /// Whether a stored UTC time falls on the reporting day.
    pub fn on_day(&self, at: chrono::NaiveDateTime) -> bool {
        let at = at.and_utc();
        self.from <= at && at < self.to
    }
}

/// The report of `date` (default: yesterday, the day whose counts are due this morning), after
/// the ledger verified. Refused with `report_ledger_mismatch` if it does not.
pub fn daily(app: &App, date: Option<NaiveDate>) -> AppResult<DailyReport> {
    daily_at(app, date, Utc::now())
}

/// [`daily`] as if made at `now`.
pub fn daily_at(app: &App, date: Option<NaiveDate>, now: DateTime<Utc>) -> AppResult<DailyReport> {
    let gates = &app.config.handover.gates;
    let date = match date {
        Some(d) => d,
        None => gates
            .local_day(now)
            .pred_opt()
            .ok_or_else(|| AppError::invalid("invalid_date", "no day before", "没有前一天"))?,
    };
    let window = Window::new(date, gates.utc_offset, now);
    // Verified and counted in one snapshot: what is counted is what verify checked.
    let mut conn = app.conn()?;
    let (checked, loaded) = closedloop_store::read_snapshot(&mut conn, |conn| {
        Ok(verified(app, conn).and_then(|v| Ok((v, facts::load(conn, date)?))))
    })??;
    if checked.entries == 0 && (!loaded.handovers.is_empty() || !loaded.incidents.is_empty()) {
        // `ledger verify` has nothing to compare an empty log with: custody rows without a
        // single entry were written behind the program's back.
        let table = if loaded.handovers.is_empty() {
            "incidents"
        } else {
            "handovers"
        };
        return Err(mismatch(
            Fault::new(
                LEDGER_MISMATCH,
                format!("the ledger is empty but the table {table} holds rows: they have no entry"),
                format!("账本为空，但数据表 {table} 中有记录：这些记录没有对应的账本条目"),
            )
            .at(table),
        ));
    }
    Ok(standing::figures(&window, &loaded, checked, now))
}

/// Runs `ledger verify`; a failure becomes the report's refusal, naming what verify named.
fn verified(app: &App, conn: &mut DbConnection) -> AppResult<LedgerChecked> {
    match ledger::verify_on(app, conn, &[])? {
        Verified::Empty => Ok(LedgerChecked {
            verified: true,
            entries: 0,
            root: None,
        }),
        Verified::Passed { summary, .. } => Ok(LedgerChecked {
            verified: true,
            entries: summary.entries,
            root: Some(summary.root.to_hex()),
        }),
        Verified::Failed(f) => {
            let mut fault = Fault::new(
                LEDGER_MISMATCH,
                format!(
                    "the daily report is refused: the ledger does not verify ({}: {})",
                    f.code(),
                    f.message(Lang::En)
                ),
                format!(
                    "日通报已拒绝生成：账本核验未通过（{}：{}）",
                    f.code(),
                    f.message(Lang::ZhCn)
                ),
            );
            fault.field = f.fault.field.clone();
            Err(mismatch(fault))
        }
    }
}

/// The refusal: nothing the request can change, and nothing was counted.
fn mismatch(fault: Fault) -> AppError {
    AppError::Conflict(fault)
}
