//! `closedloop bench plan`: whole days planned the way the desk plans them (issue 16) — days of
//! 500, 5,000 and 20,000 travelers generated over an extract (`scenario generate`), planned
//! with the extract's road network as travel times; per day the time to the first plan and
//! whether it keeps every rule (the independent checker), its KPIs beside the naive
//! baseline's, the plan at a time limit, the re-plan time of each event kind, and the time of a
//! best-fit answer.

use crate::commands::Ctx;
use crate::output::table;
use anyhow::{Context, Result, ensure};
use chrono::{Duration as Span, NaiveDate};
use clap::Args;
use closedloop_app::App;
use closedloop_app::scenario::{ScenarioRequest, generate};
use closedloop_app::schedule::travel_times;
use closedloop_domain::traveler::{DestinationKind, HealthStatus, SpecialNeeds};
use closedloop_scheduling::baseline;
use closedloop_scheduling::check::check;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::event::{EVENT_FORMAT, Event, What};
use closedloop_scheduling::fit::best_fit;
use closedloop_scheduling::ids::TravelerCode;
use closedloop_scheduling::plan::{Kpis, Place, Plan};
use closedloop_scheduling::problem::{Day, Traveler};
use closedloop_scheduling::replan::{ReplanOptions, replan};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub struct BenchDayArgs {
    /// The extract the days are generated over and driven on (e.g. ../shared/data/osm/malta.osm.pbf).
    #[arg(long)]
    pub osm: PathBuf,
    /// Travelers per generated day, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "500,5000,20000")]
    pub sizes: Vec<usize>,
    /// Seconds for the plan at the limit (0: skip it).
    #[arg(long, default_value_t = 0.0)]
    pub time_limit: f64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn kpis(k: &Kpis) -> String {
    format!(
        "{} trips, {:.0} km, {:.0} crew-h, wait {:.0}/{:.0} min, ride ≤ {:.0} min, {} unplaced",
        k.trips,
        k.vehicle_km,
        k.crew_hours,
        k.mean_port_wait,
        k.max_port_wait,
        k.max_ride,
        k.unplaced
    )
}

pub fn run(ctx: &Ctx, args: &BenchDayArgs) -> Result<ExitCode> {
    ensure!(
        args.time_limit.is_finite() && args.time_limit >= 0.0,
        "--time-limit must be 0 or more seconds"
    );
    // The travel times of the extract the days lie on, whatever the configuration names.
    let mut config = ctx.config.clone();
    config.roads.osm = Some(args.osm.clone());
    let app = App::new(config, None);
    let (travel, described) = travel_times(&app)?;
    let mut rows = Vec::new();
    let mut met = true;
    for &n in &args.sizes {
        let generated = generate(
            &app,
            &ScenarioRequest {
                osm: args.osm.clone(),
                travelers: n,
                seed: args.seed,
                date: NaiveDate::from_ymd_opt(2021, 3, 1).context("date")?,
                ports: vec![],
            },
        )?;
        let day = generated.day;
        let row = |m: &str, v: String, t: &str| vec![format!("{n}: {m}"), v, t.to_string()];
        let t = Instant::now();
        let plan = plan_day(&day, travel.as_ref(), &PlanOptions::default())?;
        let first = t.elapsed();
        let violations = check(&day, &plan, travel.as_ref()).len();
        let target = match n {
            0..=5_000 => 20.0,
            _ => 120.0,
        };
        met &= violations == 0 && first.as_secs_f64() <= target;
        rows.push(row(
            "first plan",
            format!("{} ({violations} violations)", secs(first)),
            &format!("< {target:.0} s, 0 violations"),
        ));
        rows.push(row("  its KPIs", kpis(&plan.kpis), ""));
        let base = baseline::plan(&day, travel.as_ref())?;
        rows.push(row("  naive baseline", kpis(&base.kpis), ""));
        if args.time_limit > 0.0 {
            let options = PlanOptions {
                seed: args.seed,
                time_limit: Some(Duration::from_secs_f64(args.time_limit)),
                iterations: None,
            };
            let at_limit = plan_day(&day, travel.as_ref(), &options)?;
            rows.push(row(
                &format!("  at {:.0} s", args.time_limit),
                kpis(&at_limit.kpis),
                "",
            ));
        }
        for (what, e) in events(&day, &plan) {
            let t = Instant::now();
            let r = replan(&day, &plan, &e, travel.as_ref(), &ReplanOptions::default());
            let took = t.elapsed();
            let v = match &r {
                Ok(r) => format!(
                    "{} ({}, {} moved, {} violations)",
                    secs(took),
                    r.chosen,
                    r.changed,
                    check(&r.day, &r.plan, travel.as_ref()).len()
                ),
                Err(e) => format!("refused: {e}"),
            };
            met &= r.is_ok() && took.as_secs_f64() <= 2.0;
            rows.push(row(&format!("  re-plan: {what}"), v, "< 2 s"));
        }
        let fit = fit_time(&day, &plan, travel.as_ref());
        met &= fit.as_secs_f64() <= 0.05;
        rows.push(row(
            "  best fit of one more traveler, mean of 20",
            format!("{:.1} ms", fit.as_secs_f64() * 1e3),
            "< 50 ms",
        ));
    }
    println!(
        "bench plan: generated days over {} ({described}); 2 cores",
        args.osm.display()
    );
    print!("{}", table(&["day: measure", "value", "target"], &rows));
    println!("targets met: {}", if met { "yes" } else { "no" });
    Ok(ExitCode::SUCCESS)
}

/// One event of each kind, at a moment when the last arrival's batches have not left yet, on
/// what is still to come.
fn events(day: &Day, plan: &Plan) -> Vec<(&'static str, Event)> {
    use closedloop_scheduling::plan::Batch;
    let first_depart = |code: &closedloop_scheduling::ids::ArrivalCode| {
        plan.batches
            .iter()
            .filter(|b| b.arrival.as_ref() == Some(code))
            .map(|b| b.depart)
            .min()
    };
    let Some((a, first)) = day
        .arrivals
        .iter()
        .filter_map(|a| first_depart(&a.code).map(|d| (a, d)))
        .max_by_key(|(_, d)| *d)
    else {
        return vec![];
    };
    let at = first - Span::minutes(40);
    let e = |what| Event {
        format: EVENT_FORMAT.into(),
        at,
        what,
    };
    let ahead: Vec<&Batch> = plan
        .batches
        .iter()
        .filter(|b| b.depart > at + Span::minutes(30))
        .collect();
    let idle = |busy: &dyn Fn(&Batch) -> bool| {
        !plan
            .batches
            .iter()
            .any(|b| busy(b) && b.depart < at && b.ready_again > at)
    };
    let mut out = vec![(
        "arrival delayed 1 h",
        e(What::ArrivalMoved {
            arrival: a.code.clone(),
            to: a.at + Span::hours(1),
        }),
    )];
    let extra = hotel_guest("BENCH-LATE".into());
    out.push((
        "a traveler added",
        e(What::TravelersAdded {
            arrival: a.code.clone(),
            travelers: vec![extra],
        }),
    ));
    if let Some(t) = a.travelers.first() {
        out.push((
            "a traveler removed",
            e(What::TravelersRemoved {
                travelers: vec![t.code.clone()],
            }),
        ));
    }
    if let Some(t) = a
        .travelers
        .iter()
        .find(|t| !t.is_sick() && t.group.is_none())
    {
        out.push((
            "a traveler symptomatic",
            e(What::Symptomatic {
                traveler: t.code.clone(),
            }),
        ));
    }
    if let Some(b) = ahead
        .iter()
        .find(|b| idle(&|x: &Batch| x.vehicle == b.vehicle))
    {
        out.push((
            "a vehicle broken down",
            e(What::VehicleBreakdown {
                vehicle: b.vehicle.clone(),
                position: None,
            }),
        ));
    }
    if let Some(c) = ahead
        .iter()
        .flat_map(|b| &b.crew)
        .find(|c| idle(&|x: &Batch| x.crew.contains(c)))
    {
        out.push((
            "a crew member unavailable",
            e(What::CrewUnavailable { crew: c.clone() }),
        ));
    }
    if let Some(h) = ahead
        .iter()
        .flat_map(|b| &b.stops)
        .find_map(|s| match &s.place {
            Place::Hotel { code } => Some(code.clone()),
            _ => None,
        })
    {
        out.push(("a hotel closed", e(What::HotelClosed { hotel: h })));
    }
    out
}

fn fit_time(
    day: &Day,
    plan: &Plan,
    travel: &dyn closedloop_scheduling::travel::TravelTimes,
) -> Duration {
    let arrivals: Vec<_> = day.arrivals.iter().take(20).collect();
    if arrivals.is_empty() {
        return Duration::ZERO;
    }
    let t = Instant::now();
    for (i, a) in arrivals.iter().enumerate() {
        let who = hotel_guest(format!("FIT-{i}"));
        let _ = best_fit(day, plan, &a.code, &who, travel);
    }
    t.elapsed() / arrivals.len() as u32
}

/// A healthy traveler bound for a hotel, as a late manifest adds one.
fn hotel_guest(code: String) -> Traveler {
    Traveler {
        code: TravelerCode::new(code),
        health: HealthStatus::Normal,
        special_needs: SpecialNeeds::default(),
        destination: DestinationKind::Hotel,
        home: None,
        language: None,
        group: None,
    }
}
