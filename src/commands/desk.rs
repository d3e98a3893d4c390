//! What the desk commands share: clap parsers over the application's (times, parties, stops),
//! and refusals printed in the desk's language — or as JSON — with exit code 1.

use super::Ctx;
use anyhow::Result;
use chrono::{DateTime, NaiveDateTime, Utc};
use closedloop_app::refusal::refusal_json;
use closedloop_app::{AppError, AppResult, parse};
use closedloop_store::custody::PartyKey;
use closedloop_store::desk::PlannedStop;
use std::process::ExitCode;

/// An optional `--at`-style time; none is now.
pub fn at(field: &str, s: Option<&str>) -> AppResult<DateTime<Utc>> {
    parse::time_or_now(field, s)
}

/// clap's form of an application parser: the message in both languages.
fn both<T>(r: AppResult<T>) -> Result<T, String> {
    r.map_err(|e| {
        let (en, zh) = (
            e.message(closedloop_domain::Lang::En),
            e.message(closedloop_domain::Lang::ZhCn),
        );
        format!("{en} / {zh}")
    })
}

/// `ROLE:ID`, e.g. `crew:5`, `hotel_staff:12`.
pub fn party(s: &str) -> Result<PartyKey, String> {
    both(parse::party("ROLE:ID", s))
}

/// `DEST:IDS` of `--stop`.
pub fn stop(s: &str) -> Result<PlannedStop, String> {
    both(parse::stop("--stop", s))
}

/// `LAT,LON`.
pub fn point(s: &str) -> Result<closedloop_roads::model::Point, String> {
    both(parse::point("LAT,LON", s))
}

/// Prints the outcome of a desk use case, or its refusal (in the desk's language, or as JSON
/// on stdout) with exit code 1; any other error is returned as it is.
pub fn finish<T>(
    ctx: &Ctx,
    json: bool,
    r: AppResult<T>,
    ok: impl FnOnce(T) -> Result<ExitCode>,
) -> Result<ExitCode> {
    match r {
        Ok(v) => ok(v),
        Err(e) => refused(ctx, json, e),
    }
}

pub fn refused(ctx: &Ctx, json: bool, e: AppError) -> Result<ExitCode> {
    let Some(d) = e.desk() else {
        return Err(e.into());
    };
    if json {
        println!("{}", refusal_json(d, ctx.lang));
    } else {
        eprintln!("{}", d.message(ctx.lang));
    }
    Ok(ExitCode::from(1))
}

/// Prints `{"id": N}` or a line naming what was created.
pub fn print_id(ctx: &Ctx, json: bool, what: (&str, &str), id: i64) -> Result<ExitCode> {
    if json {
        println!("{}", serde_json::json!({ "id": id }));
    } else {
        println!("{} {id}", ctx.t(what.0, what.1));
    }
    Ok(ExitCode::SUCCESS)
}

/// A time for output: UTC, to the minute.
pub fn show(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}
