//! What the desk commands share: the desk (store, ledger keys, check-lists and gates), times
//! and parties as typed, id lists, and refusals printed in the desk's language — or as JSON —
//! with exit code 1.

use super::Ctx;
use crate::keyfile::{self, LedgerKeys};
use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use closedloop_domain::DomainError;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::{Desk, DeskError};
use closedloop_store::{Store, StoreError};
use serde_json::{Value, json};
use std::process::ExitCode;

/// The store and the ledger keys (created with a notice if missing, as every appending
/// command does).
pub struct Open {
    pub store: Store,
    pub keys: LedgerKeys,
}

impl Open {
    pub fn new(ctx: &Ctx) -> Result<Open> {
        let keys = keyfile::open_or_create(
            &ctx.config.ledger,
            ctx.t(
                "created the ledger key file (keep a copy off the server):",
                "已创建账本密钥文件（请在服务器以外另存一份）：",
            ),
        )?;
        Ok(Open {
            store: ctx.store()?,
            keys,
        })
    }

    pub fn desk<'a>(
        &'a self,
        ctx: &'a Ctx,
        conn: &mut closedloop_store::DbConnection,
    ) -> Result<Desk<'a>> {
        Ok(Desk::open(
            conn,
            self.keys.for_store(),
            &ctx.config.handover.templates,
            &ctx.config.handover.gates,
        )?)
    }
}

/// A time as desks type it: RFC 3339, or UTC as "2021-07-01 09:30", or a day (midnight UTC);
/// `None` is now.
pub fn at(s: Option<&str>) -> Result<DateTime<Utc>> {
    let Some(s) = s.map(str::trim) else {
        return Ok(Utc::now());
    };
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
    bail!(
        "{s:?} is not a time: use 2021-07-01T09:30:00+08:00, \"2021-07-01 01:30\" (UTC) or 2021-07-01 / \
         {s:?} 不是时间：请写 2021-07-01T09:30:00+08:00、\"2021-07-01 01:30\"（UTC）或 2021-07-01"
    )
}

/// `ROLE:ID`, e.g. `crew:5`, `hotel_staff:12`.
pub fn party(s: &str) -> Result<PartyKey, String> {
    let (role, id) = s.split_once(':').ok_or_else(|| {
        format!(
            "{s:?}: write ROLE:ID, e.g. crew:5 or hotel_staff:12 (roles: port_staff, crew, hotel_staff, community_staff, hospital_staff)"
        )
    })?;
    let role: PartyRole = role
        .trim()
        .parse()
        .map_err(|e: DomainError| e.to_string())?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| format!("{s:?}: the id after ':' must be a number"))?;
    Ok(PartyKey { role, id })
}

/// Prints a desk refusal in the desk's language (or as JSON on stdout) and returns exit code
/// 1; any other error is returned as it is.
pub fn refused(ctx: &Ctx, json: bool, e: StoreError) -> Result<ExitCode> {
    let Some(d) = e.desk() else {
        return Err(e.into());
    };
    if json {
        println!("{}", refusal_json(ctx, d));
    } else {
        eprintln!("{}", d.message(ctx.lang));
    }
    Ok(ExitCode::from(1))
}

fn refusal_json(ctx: &Ctx, d: &DeskError) -> Value {
    let message = d.message(ctx.lang);
    match d {
        DeskError::GateRefused(r) => json!({
            "refused": "gate",
            "trip": r.batch,
            "transition": r.transition,
            "missing": r.missing,
            "messages": r.missing.iter().map(|m| m.message(ctx.lang)).collect::<Vec<_>>(),
            "message": message,
        }),
        DeskError::HandoverRefused { refusal, incident } => json!({
            "refused": "handover",
            "handover": refusal.handover,
            "reasons": refusal.reasons,
            "messages": refusal.reasons.iter().map(|r| r.message(ctx.lang)).collect::<Vec<_>>(),
            "incident": incident,
            "message": message,
        }),
        DeskError::Custody(c) => json!({
            "refused": "custody",
            "problems": c.problems,
            "message": message,
        }),
        _ => json!({"refused": "request", "message": message}),
    }
}

/// Runs a desk operation and prints its outcome, or its refusal.
pub fn finish<T>(
    ctx: &Ctx,
    json: bool,
    r: Result<T, StoreError>,
    ok: impl FnOnce(T) -> Result<ExitCode>,
) -> Result<ExitCode> {
    match r {
        Ok(v) => ok(v),
        Err(e) => refused(ctx, json, e),
    }
}

/// A time for output: UTC, to the minute.
pub fn show(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
