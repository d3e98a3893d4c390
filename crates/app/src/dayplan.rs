//! The day's plan for the web service: the same use cases as `closedloop plan`, `plan check`,
//! `plan approve`, `replan` and `plan diff`, on documents instead of files. Approval names the
//! version it was made from (HTTP's If-Match): the day's current version — or none yet —
//! compared inside the approval's own transaction, so two desks approving from the same
//! version cannot both win.

use crate::approve::{Approved, prepare};
use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::schedule::{day_error, travel_times};
use crate::version::{Expect, Version};
use chrono::NaiveDate;
use closedloop_scheduling::check::Violation;
use closedloop_scheduling::day::PlanOptions;
/// What changed between two plans, as `diff` answers it.
pub use closedloop_scheduling::diff::PlanDiff;
use closedloop_scheduling::diff::diff as plan_diff;
use closedloop_scheduling::event::Event;
use closedloop_scheduling::plan::Kpis;
use closedloop_scheduling::replan::{ReplanOptions, replan as replan_day};
use closedloop_scheduling::{Day, Plan};
use closedloop_store::plans::{self, ApprovedTrip, PlanVersion};
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// The longest search a request may ask for: a desk waiting longer needs the command line.
pub const MAX_TIME_LIMIT: Duration = Duration::from_secs(120);

/// A day document as the desk sends it (the day file's JSON), checked.
pub fn day_of(json: &serde_json::Value) -> AppResult<Day> {
    Day::from_json(&json.to_string()).map_err(|e| day_error(Path::new("day"), e))
}

/// A plan document (the plan file's JSON).
pub fn plan_of(json: serde_json::Value) -> AppResult<Plan> {
    serde_json::from_value(json).map_err(|e| {
        AppError::Invalid(
            Fault::new(
                "plan_json_invalid",
                format!("plan: {e}"),
                format!("计划：{e}"),
            )
            .at("plan"),
        )
    })
}

/// An event document (the event file's JSON).
pub fn event_of(json: &serde_json::Value) -> AppResult<Event> {
    Event::from_json(&json.to_string()).map_err(|e| day_error(Path::new("event"), e))
}

/// A plan made, beside the naive baseline.
#[derive(Debug, Clone, Serialize)]
pub struct DayPlanned {
    pub plan: Plan,
    pub kpis: Kpis,
    pub baseline: Kpis,
    /// The travel model it was made with.
    pub travel: String,
    pub seconds: f64,
}

/// Plans `day`: within `time_limit` (at most [`MAX_TIME_LIMIT`]) or a fixed number of
/// iterations, the same seed giving the same plan.
pub fn plan(
    app: &App,
    day: &Day,
    seed: u64,
    time_limit: Option<Duration>,
    iterations: Option<u64>,
) -> AppResult<DayPlanned> {
    if time_limit.is_some_and(|t| t > MAX_TIME_LIMIT || t.is_zero()) {
        return Err(AppError::Invalid(
            Fault::new(
                "time_limit_out_of_range",
                format!(
                    "time_limit_seconds must be above 0 and at most {}",
                    MAX_TIME_LIMIT.as_secs()
                ),
                format!(
                    "time_limit_seconds 须大于 0 且不超过 {}",
                    MAX_TIME_LIMIT.as_secs()
                ),
            )
            .at("time_limit_seconds"),
        ));
    }
    let started = std::time::Instant::now();
    let (travel, described) = travel_times(app)?;
    let defaults = PlanOptions::default();
    let options = PlanOptions {
        seed,
        time_limit,
        iterations: if time_limit.is_some() {
            iterations
        } else {
            iterations.or(defaults.iterations)
        },
    };
    let made = closedloop_scheduling::day::plan_day(day, travel.as_ref(), &options)
        .map_err(|e| day_error(Path::new("day"), e))?;
    let baseline = closedloop_scheduling::baseline::plan(day, travel.as_ref())
        .map_err(|e| day_error(Path::new("day"), e))?;
    Ok(DayPlanned {
        kpis: made.kpis.clone(),
        plan: made,
        baseline: baseline.kpis,
        travel: described,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every rule a plan breaks.
#[derive(Debug, Clone, Serialize)]
pub struct Violations {
    pub violations: Vec<Violation>,
}

/// Every rule `plan` breaks for `day`.
pub fn check(app: &App, day: &Day, plan: &Plan) -> AppResult<Violations> {
    let (travel, _) = travel_times(app)?;
    Ok(Violations {
        violations: closedloop_scheduling::check::check(day, plan, travel.as_ref()),
    })
}

/// The version of the day's plan a reader saw: of its current version, or of none yet.
pub fn version_of(current: Option<&PlanVersion>) -> Version {
    Version::of(&current)
}

/// An approved version with its trips and the plan as approved.
#[derive(Debug, Clone, Serialize)]
pub struct CurrentPlan {
    #[serde(flatten)]
    pub approved: Approved,
    pub plan: serde_json::Value,
    /// Its `ETag`.
    #[serde(skip)]
    pub etag: Version,
}

fn no_plan(date: NaiveDate, version: Option<i64>) -> AppError {
    let (en, zh) = match version {
        Some(v) => (
            format!("no version {v} of the plan of {date} was approved"),
            format!("{date} 的计划没有第 {v} 版"),
        ),
        None => (
            format!("no plan of {date} was approved yet"),
            format!("{date} 尚无已批准的计划"),
        ),
    };
    AppError::NotFound(Fault::new("plan_not_found", en, zh))
}

fn stored(
    conn: &mut closedloop_store::DbConnection,
    found: (PlanVersion, String),
) -> AppResult<CurrentPlan> {
    let (version, json) = found;
    let trips: Vec<ApprovedTrip> = plans::version_trips(conn, version.id)?;
    let second_transfers = trips
        .iter()
        .filter(|t| matches!(t.origin, plans::TripOrigin::Hotel { .. }))
        .count();
    let plan = serde_json::from_str(&json).unwrap_or(serde_json::Value::Null);
    Ok(CurrentPlan {
        etag: version_of(Some(&version)),
        approved: Approved {
            version,
            trips,
            second_transfers,
        },
        plan,
    })
}

/// The day's current version, or version `version` of it.
pub fn approved(app: &App, date: NaiveDate, version: Option<i64>) -> AppResult<CurrentPlan> {
    let mut conn = app.conn()?;
    let found = match version {
        Some(v) => plans::version_of(&mut conn, date, v)?,
        None => plans::current(&mut conn, date)?,
    };
    let found = found.ok_or_else(|| no_plan(date, version))?;
    stored(&mut conn, found)
}

/// Approves `plan` as the day's next version, if the day's current version is still the one
/// `expect` names (the version of no plan, for a day's first): checked, resolved and stored
/// with its trips in one transaction; stale, nothing is written.
pub fn approve(app: &App, day: &Day, plan: &Plan, expect: &Expect) -> AppResult<CurrentPlan> {
    let (new, second_transfers) = prepare(app, day, plan)?;
    let mut conn = app.conn()?;
    let (version, trips) = closedloop_store::guarded::write(&mut conn, |conn| -> AppResult<_> {
        let current = plans::current(conn, plan.date)?.map(|(v, _)| v);
        expect.check(
            (
                &format!("the plan of {}", plan.date),
                &format!("{} 的计划", plan.date),
            ),
            &current,
        )?;
        let (made, trips) = plans::approve(conn, &new)?;
        // Read back as stored (a database keeps microseconds), so its version is the one
        // every later reader computes.
        let version = plans::version_of(conn, plan.date, made.version)?.map_or(made, |(v, _)| v);
        Ok((version, trips))
    })?;
    let plan = serde_json::from_str(&new.plan_json).unwrap_or(serde_json::Value::Null);
    Ok(CurrentPlan {
        etag: version_of(Some(&version)),
        approved: Approved {
            version,
            trips,
            second_transfers,
        },
        plan,
    })
}

/// A plan re-planned after an event, with the day as it now is and what changed.
#[derive(Debug, Clone, Serialize)]
pub struct DayReplanned {
    pub plan: Plan,
    /// The day after the event: approve the plan against this one.
    pub day: Day,
    pub event: &'static str,
    /// Batches kept as they were (departed, or before the freeze).
    pub pinned: usize,
    /// "repair" or "fresh": which plan was kept.
    pub chosen: &'static str,
    pub changed: usize,
    pub kpis: Kpis,
    pub diff: PlanDiff,
    pub seconds: f64,
}

/// Repairs `plan` after `event`, pinning what departed or departs within `freeze_minutes`.
pub fn replan(
    app: &App,
    day: &Day,
    plan: &Plan,
    event: &Event,
    freeze_minutes: u32,
    seed: u64,
) -> AppResult<DayReplanned> {
    let started = std::time::Instant::now();
    let (travel, _) = travel_times(app)?;
    let options = ReplanOptions {
        freeze_minutes,
        thorough: false,
        plan: PlanOptions {
            seed,
            ..PlanOptions::default()
        },
    };
    let r = replan_day(day, plan, event, travel.as_ref(), &options)
        .map_err(|e| day_error(Path::new("event"), e))?;
    Ok(DayReplanned {
        diff: plan_diff(plan, &r.plan),
        kpis: r.plan.kpis.clone(),
        plan: r.plan,
        day: r.day,
        event: event.what.code(),
        pinned: r.pinned,
        chosen: r.chosen,
        changed: r.changed,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// What changed from version `from` of the day's plan to version `to`.
pub fn diff(app: &App, date: NaiveDate, from: i64, to: i64) -> AppResult<PlanDiff> {
    let mut conn = app.conn()?;
    let mut read = |v: i64, field: &str| -> AppResult<Plan> {
        let (_, json) =
            plans::version_of(&mut conn, date, v)?.ok_or_else(|| no_plan(date, Some(v)))?;
        serde_json::from_str(&json).map_err(|e| {
            AppError::Invalid(
                Fault::new(
                    "plan_json_invalid",
                    format!("version {v}: {e}"),
                    format!("第 {v} 版：{e}"),
                )
                .at(field.to_string()),
            )
        })
    };
    let a = read(from, "from")?;
    let b = read(to, "to")?;
    Ok(plan_diff(&a, &b))
}
