//! The phone's path of custody for a signed-in caller: the giver starts a hand-over and shows
//! its code, the receiver confirms it with that code and the head-count both counted, and the
//! crew moves its batch through its gates. Who may do each is decided here, on top of the
//! hand-over rules: a caller acts as their own party (a driver or escort as their crew
//! member, hotel staff as their hotel, port staff as their port), on batches of their scope;
//! the desk may start hand-overs for others and move any batch, but only the receiver
//! confirms — two parties, never one.

use crate::accounts::{Action, Caller, rules};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::handover::{self, CodeShown, ConfirmRequest, Confirmed, StartRequest};
use crate::mask::AccessRole;
use crate::trips::{self, TripMove, TripMoved};
use chrono::{DateTime, Utc};
use closedloop_domain::ids::{BatchId, TravelerId};
pub use closedloop_handover::ids::HandoverId;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk;

/// The party a caller acts as in a hand-over, if their role hands travelers over.
pub fn own_party(caller: &Caller) -> Option<PartyKey> {
    let (role, id) = match caller.role {
        AccessRole::Driver | AccessRole::Escort => (PartyRole::Crew, caller.crew?),
        AccessRole::HotelStaff => (PartyRole::HotelStaff, caller.hotel?),
        AccessRole::PortStaff => (PartyRole::PortStaff, caller.port?),
        _ => return None,
    };
    Some(PartyKey { role, id })
}

fn desk_role(caller: &Caller) -> bool {
    matches!(caller.role, AccessRole::Dispatcher | AccessRole::Admin)
}

fn refused(code: &'static str, en: String, zh: String) -> AppError {
    AppError::Forbidden(Fault::new(code, en, zh))
}

fn in_scope(app: &App, caller: &Caller, trip: BatchId) -> AppResult<()> {
    if desk_role(caller) || rules::trip_in_scope(app, caller, trip.0)? {
        return Ok(());
    }
    Err(refused(
        "forbidden_object",
        format!("batch {} is not one this account works on", trip.0),
        format!("批次 {} 不属于此账号的工作范围", trip.0),
    ))
}

/// What the giver's phone sends to start a hand-over.
#[derive(Debug, Clone)]
pub struct Start {
    pub trip: BatchId,
    pub to_trip: Option<BatchId>,
    /// The giver: the caller's own party; only the desk names another.
    pub from: Option<PartyKey>,
    pub to: PartyKey,
    pub travelers: Vec<TravelerId>,
    pub expected: Option<i64>,
    pub at: DateTime<Utc>,
}

/// Starts a hand-over as its giver; the answer is the code to show the receiver.
pub fn start(app: &App, caller: &Caller, req: &Start) -> AppResult<CodeShown> {
    caller.require(Action::StartHandover)?;
    in_scope(app, caller, req.trip)?;
    let own = own_party(caller);
    let from = match (req.from, own) {
        (None, Some(own)) => own,
        (Some(f), Some(own)) if f == own => own,
        (Some(f), _) if desk_role(caller) => f,
        _ => {
            return Err(refused(
                "not_your_party",
                "a hand-over is started by its giver, as their own party (leave `from` out)".into(),
                "交接由交出方以本人身份发起（请勿填写 `from`）".into(),
            ));
        }
    };
    handover::start(
        app,
        &StartRequest {
            trip: req.trip,
            to_trip: req.to_trip,
            from,
            to: req.to,
            travelers: req.travelers.clone(),
            expected: req.expected,
            signer: caller.login.clone(),
            at: req.at,
        },
    )
}

/// The code the giver's phone shows now (it changes every 30 s): for the giver only, or the
/// desk that started it.
pub fn code(app: &App, caller: &Caller, id: HandoverId, at: DateTime<Utc>) -> AppResult<CodeShown> {
    caller.require(Action::StartHandover)?;
    let started = desk::started_handover(&mut *app.conn()?, id)?;
    let giver = own_party(caller).is_some_and(|p| p == started.giver);
    if !(giver || desk_role(caller)) {
        return Err(refused(
            "not_your_party",
            format!("only the giver of hand-over {} sees its code", id.0),
            format!("只有交出方可查看交接 {} 的验证码", id.0),
        ));
    }
    in_scope(app, caller, started.trip_id)?;
    handover::code(app, id, at)
}

/// What the receiver's phone sends to confirm.
#[derive(Debug, Clone)]
pub struct Confirm {
    pub handover: HandoverId,
    pub code: String,
    pub counted: i64,
    pub at: DateTime<Utc>,
    pub position: Option<(f64, f64)>,
}

/// Confirms a hand-over as its receiver, with the giver's code and the head-count.
pub fn confirm(app: &App, caller: &Caller, req: &Confirm) -> AppResult<Confirmed> {
    caller.require(Action::ConfirmHandover)?;
    let started = desk::started_handover(&mut *app.conn()?, req.handover)?;
    if own_party(caller) != Some(started.receiver) {
        return Err(refused(
            "not_your_party",
            format!(
                "hand-over {} is confirmed by its receiver, on their own phone",
                req.handover.0
            ),
            format!("交接 {} 须由接收方在本人手机上确认", req.handover.0),
        ));
    }
    handover::confirm(
        app,
        &ConfirmRequest {
            handover: req.handover,
            code: req.code.clone(),
            counted: req.counted,
            signer: caller.login.clone(),
            at: req.at,
            position: req.position,
        },
    )
}

/// Moves a batch through a gate: the desk approves; the batch's crew (or the desk) departs and
/// completes it.
pub fn move_batch(
    app: &App,
    caller: &Caller,
    trip: BatchId,
    m: TripMove,
    at: DateTime<Utc>,
) -> AppResult<TripMoved> {
    caller.require(Action::MoveBatch)?;
    let crew = matches!(caller.role, AccessRole::Driver | AccessRole::Escort);
    if !(desk_role(caller) || (crew && m != TripMove::Approve)) {
        return Err(refused(
            "forbidden",
            "batches are approved by the desk; their crew departs and completes them".into(),
            "批次由调度台批准；由其乘务人员确认出发和完成".into(),
        ));
    }
    in_scope(app, caller, trip)?;
    trips::move_trip(app, trip, m, at)
}
