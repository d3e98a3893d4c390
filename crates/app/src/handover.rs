//! A custody hand-over in the two steps the phones take: the giver starts it and shows the
//! six-digit code; the receiver confirms with that code and the head-count both counted.

use crate::context::App;
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use closedloop_domain::ids::{BatchId, TravelerId};
use closedloop_handover::LoopStatus;
use closedloop_handover::ids::HandoverId;
use closedloop_store::custody::PartyKey;
use closedloop_store::desk::{self, ConfirmHandover, StartHandover};
use serde::Serialize;

#[derive(Debug, Clone)]
pub struct StartRequest {
    /// The crew side's trip: the receiving crew's from port staff, else the giving crew's.
    pub trip: BatchId,
    /// Crew to crew (a relief vehicle): the receiving crew's trip.
    pub to_trip: Option<BatchId>,
    pub from: PartyKey,
    pub to: PartyKey,
    pub travelers: Vec<TravelerId>,
    /// The head-count planned; by default as many as listed.
    pub expected: Option<i64>,
    pub signer: String,
    pub at: DateTime<Utc>,
}

/// `{"handover", "code", "seconds_left"}`: what the giver's phone shows.
#[derive(Debug, Clone, Serialize)]
pub struct CodeShown {
    pub handover: i64,
    pub code: String,
    pub seconds_left: i64,
}

pub fn start(app: &App, req: &StartRequest) -> AppResult<CodeShown> {
    let s = StartHandover {
        trip_id: req.trip,
        to_trip_id: req.to_trip,
        giver: req.from,
        receiver: req.to,
        giver_signer: req.signer.clone(),
        travelers: req.travelers.clone(),
        expected: req.expected,
        at: req.at,
    };
    let h = desk::start_handover(&mut *app.conn()?, &s)?;
    Ok(CodeShown {
        handover: h.id.0,
        code: h.code.as_str().to_string(),
        seconds_left: h.seconds_left,
    })
}

/// The code the giver's phone shows at `at` (it changes every 30 s).
pub fn code(app: &App, handover: HandoverId, at: DateTime<Utc>) -> AppResult<CodeShown> {
    let (code, left) = desk::handover_code(&mut *app.conn()?, handover, at)?;
    Ok(CodeShown {
        handover: handover.0,
        code: code.as_str().to_string(),
        seconds_left: left,
    })
}

#[derive(Debug, Clone)]
pub struct ConfirmRequest {
    pub handover: HandoverId,
    /// The six digits on the giver's phone.
    pub code: String,
    /// How many travelers both parties counted.
    pub counted: i64,
    pub signer: String,
    /// The code is checked at this instant.
    pub at: DateTime<Utc>,
    /// (lat, lon) where it happened.
    pub position: Option<(f64, f64)>,
}

/// One traveler's loop after the hand-over.
#[derive(Debug, Clone, Serialize)]
pub struct TravelerLoop {
    pub traveler: i64,
    /// `in_custody` or `delivered`.
    pub status: &'static str,
    #[serde(rename = "loop")]
    pub state: LoopStatus,
}

/// `{"handover", "ledger_seq", "travelers": [{"traveler", "status", "loop"}]}`.
#[derive(Debug, Clone, Serialize)]
pub struct Confirmed {
    pub handover: i64,
    pub ledger_seq: i64,
    pub travelers: Vec<TravelerLoop>,
}

/// Confirms with the code and head-count: custody moves for every traveler or none, in the
/// ledger. A head-count mismatch opens an incident and is refused. A wrong code is refused and
/// counted, in the ledger too; the fifth locks the hand-over (`handover_locked`), and then
/// only a new start gives a new code.
pub fn confirm(app: &App, req: &ConfirmRequest) -> AppResult<Confirmed> {
    let c = ConfirmHandover {
        id: req.handover,
        code: req.code.clone(),
        counted: req.counted,
        receiver_signer: req.signer.clone(),
        at: req.at,
        position: req.position,
    };
    let done = app.with_desk(|conn, desk| desk.confirm_handover(conn, &c))?;
    Ok(Confirmed {
        handover: done.handover_id,
        ledger_seq: done.ledger_seq,
        travelers: done
            .changes
            .into_iter()
            .map(|(traveler, state)| TravelerLoop {
                traveler: traveler.0,
                status: status_code(&state),
                state,
            })
            .collect(),
    })
}

/// "delivered", "in_custody": the status as the loops list names it.
pub fn status_code(s: &LoopStatus) -> &'static str {
    match s {
        LoopStatus::NotInCustody => "not_in_custody",
        LoopStatus::InCustody { .. } => "in_custody",
        LoopStatus::Delivered { .. } => "delivered",
    }
}
