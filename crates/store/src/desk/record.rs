//! The record — batches and person-trips delivered, incidents, staff infections, per day and
//! cumulative — computed from the stored hand-overs and incidents by
//! `closedloop_handover::record::compute`, so the figures are the custody record's. Its alerts
//! (confirmation codes refused, hand-overs they locked) are counted from the ledger's
//! `code_rejected` entries themselves, read from their canonical bytes: the log says what was
//! tried, and no table beside it can say otherwise.

use crate::custody::PartyRole;
use crate::schema::{handover_travelers, handovers, incidents, ledger_entries};
use crate::{DbConnection, StoreError};
use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use closedloop_domain::ids::BatchId;
use closedloop_handover::IncidentKind;
use closedloop_handover::record::{CodeAlert, Delivery, IncidentEntry, Record, compute};
use closedloop_ledger::{Body, Entry};
use diesel::dsl::count_star;
use diesel::prelude::*;

/// The record for `from..=to` in local days of `offset`; without `from`, from the first day
/// with a delivery or an incident (or `to`).
pub fn record(
    conn: &mut DbConnection,
    offset: FixedOffset,
    from: Option<NaiveDate>,
    to: NaiveDate,
) -> Result<Record, StoreError> {
    let day = |t: NaiveDateTime| t.and_utc().with_timezone(&offset).date_naive();
    // Receivers whose hand-over closes the loop.
    let closing: Vec<&str> = PartyRole::ALL
        .iter()
        .filter(|r| r.closes_loop())
        .map(|r| r.code())
        .collect();
    let rows: Vec<(i64, Option<i64>, NaiveDateTime, i64)> = handovers::table
        .inner_join(handover_travelers::table)
        .filter(handovers::receiver_role.eq_any(closing))
        .group_by((handovers::id, handovers::trip_id, handovers::at))
        .select((
            handovers::id,
            handovers::trip_id,
            handovers::at,
            count_star(),
        ))
        .load(conn)?;
    let deliveries: Vec<Delivery> = rows
        .into_iter()
        .map(|(id, trip, at, n)| {
            Delivery::of_handover(
                id,
                trip.map(BatchId),
                day(at),
                u32::try_from(n).unwrap_or(u32::MAX),
            )
        })
        .collect();
    let found: Vec<(String, NaiveDateTime)> = incidents::table
        .select((incidents::kind, incidents::at))
        .load(conn)?;
    let incidents: Vec<IncidentEntry> = found
        .into_iter()
        .map(|(kind, at)| IncidentEntry {
            day: day(at),
            kind: kind.parse().unwrap_or(IncidentKind::ProtectionBreach),
        })
        .collect();
    let alerts = code_alerts(conn, offset)?;
    let first = deliveries
        .iter()
        .map(|d| d.day)
        .chain(incidents.iter().map(|i| i.day))
        .chain(alerts.iter().map(|a| a.day))
        .min();
    let from = from.or(first).unwrap_or(to).min(to);
    let mut record = compute(&deliveries, &incidents, from, to);
    record.count_alerts(&alerts);
    Ok(record)
}

/// Every refused confirmation code, on the local day its entry says, from the log's entries.
fn code_alerts(conn: &mut DbConnection, offset: FixedOffset) -> Result<Vec<CodeAlert>, StoreError> {
    let rows: Vec<(i64, String)> = ledger_entries::table
        .filter(ledger_entries::kind.eq("code_rejected"))
        .select((ledger_entries::seq, ledger_entries::canonical))
        .order(ledger_entries::seq)
        .load(conn)?;
    let mut out = Vec::with_capacity(rows.len());
    for (seq, canonical) in rows {
        let entry = Entry::from_canonical(canonical.as_bytes())
            .map_err(|e| StoreError::Corrupt(format!("ledger entry {seq}: {e}")))?;
        let Body::CodeRejected(c) = &entry.body else {
            return Err(StoreError::Corrupt(format!(
                "ledger entry {seq} is listed as code_rejected but is {}",
                entry.body.kind()
            )));
        };
        out.push(CodeAlert {
            day: entry.at.to_datetime().with_timezone(&offset).date_naive(),
            locked: c.locked,
        });
    }
    Ok(out)
}
