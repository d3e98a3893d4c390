//! Generated days of 50, 500 and 5,000 travelers plan with zero violations, everyone placed or
//! reported with a reason, and the same seed gives the same plan.

use chrono::NaiveDate;
use closedloop_scheduling::check::check;
use closedloop_scheduling::day::{PlanOptions, plan_day};
use closedloop_scheduling::problem::Point;
use closedloop_scheduling::scenario::{
    PortKind, PortSite, ScenarioOptions, Sites, default_rules, generate,
};
use closedloop_scheduling::travel::StraightLines;
use std::collections::BTreeSet;

fn sites() -> Sites {
    let grid = |n: usize, lat: f64, lon: f64, step: f64| -> Vec<Point> {
        (0..n)
            .map(|i| Point {
                lat: lat + (i / 30) as f64 * step,
                lon: lon + (i % 30) as f64 * step,
            })
            .collect()
    };
    Sites {
        ports: vec![
            PortSite {
                kind: PortKind::Airport,
                name: "Airport".into(),
                location: Point {
                    lat: 31.15,
                    lon: 121.80,
                },
            },
            PortSite {
                kind: PortKind::Station,
                name: "Station".into(),
                location: Point {
                    lat: 31.25,
                    lon: 121.45,
                },
            },
        ],
        hotels: vec![],
        hospitals: vec![],
        homes: grid(900, 31.10, 121.35, 0.006),
        main_roads: grid(300, 31.15, 121.40, 0.01),
    }
}

fn plans_cleanly(n: usize) {
    let day = generate(
        &sites(),
        &ScenarioOptions {
            travelers: n,
            seed: n as u64,
            date: NaiveDate::from_ymd_opt(2021, 3, 1).unwrap(),
            policy: default_rules("2021-01 14+7", 14, 7, 2.0),
        },
    )
    .unwrap();
    let travel = StraightLines::default();
    let options = PlanOptions {
        seed: 1,
        time_limit: None,
        iterations: Some(300),
    };
    let plan = plan_day(&day, &travel, &options).unwrap();
    let violations = check(&day, &plan, &travel);
    assert!(
        violations.is_empty(),
        "{n}: {} violations, first {:?}",
        violations.len(),
        violations.first()
    );
    let mut seen = BTreeSet::new();
    for t in plan
        .assignments
        .iter()
        .map(|a| &a.traveler)
        .chain(plan.unplaced.iter().map(|u| &u.traveler))
    {
        assert!(seen.insert(t), "{t} twice");
    }
    for (_, t) in day.arriving() {
        assert!(
            seen.contains(&t.code),
            "{} neither placed nor reported",
            t.code
        );
    }
    // Most are carried: the generated fleet and hotels are sized for the day. (How many more
    // a better plan carries is the benchmark's business, not a test's.)
    let mut why = std::collections::BTreeMap::new();
    for u in &plan.unplaced {
        *why.entry(u.reason.code()).or_insert(0) += 1;
    }
    assert!(
        plan.unplaced.len() * 4 <= n,
        "{n}: {} unplaced: {why:?}",
        plan.unplaced.len()
    );
    if n <= 500 {
        assert!(
            plan == plan_day(&day, &travel, &options).unwrap(),
            "same seed, another plan"
        );
    }
}

#[test]
fn a_day_of_50_travelers() {
    plans_cleanly(50);
}

#[test]
fn a_day_of_500_travelers() {
    plans_cleanly(500);
}

#[test]
fn a_day_of_5000_travelers() {
    plans_cleanly(5_000);
}
