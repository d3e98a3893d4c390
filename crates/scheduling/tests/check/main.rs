//! The checker, one test per violation code: the fixture's valid plan, broken in exactly one
//! way, reports that code (and only the codes that break with it) and names the subject.

#[path = "../fixture/mod.rs"]
mod fixture;

mod batches;
mod people;
mod resources;

use chrono::Duration;
use closedloop_domain::fleet::VehicleKind;
use closedloop_domain::traveler::DestinationKind;
use closedloop_scheduling::Day;
use closedloop_scheduling::check::{Violation, check};
use closedloop_scheduling::plan::{Plan, Reason, Stop, Unplaced};
use closedloop_scheduling::problem::{Held, Port};
use fixture::*;
use std::collections::BTreeSet;

/// The fixture broken by `f`, its KPIs recomputed (so only the rule broken shows), checked.
fn broken(f: impl FnOnce(&mut Day, &mut Plan)) -> Vec<Violation> {
    let mut day = day();
    let mut plan = plan(&day);
    f(&mut day, &mut plan);
    let plan = with_kpis(&day, plan);
    check(&day, &plan, &travel())
}

/// Exactly these codes, and each with the subject given.
fn expect(found: &[Violation], want: &[(&str, &str)]) {
    let codes: BTreeSet<&str> = found.iter().map(|v| v.code).collect();
    let wanted: BTreeSet<&str> = want.iter().map(|(c, _)| *c).collect();
    assert_eq!(codes, wanted, "{found:#?}");
    for (code, subject) in want {
        assert!(
            found
                .iter()
                .any(|v| v.code == *code && v.subject == *subject),
            "{code} about {subject}: {found:#?}"
        );
    }
    for v in found {
        assert!(!v.en.is_empty() && !v.zh.is_empty(), "{v:?}");
    }
}

fn unplaced(traveler: &str, arrival: Option<&str>) -> Unplaced {
    Unplaced {
        traveler: traveler.into(),
        arrival: arrival.map(Into::into),
        reason: Reason::NoVehicle,
    }
}

/// Rebuilds batch `code` over new stops (same vehicle, crew, origin, departure).
fn restop(
    day: &Day,
    plan: &mut Plan,
    code: &str,
    stops: Vec<(closedloop_scheduling::plan::Place, Vec<&str>)>,
) {
    let i = bi(plan, code);
    let b = &plan.batches[i];
    let crew: Vec<String> = b.crew.iter().map(|c| c.to_string()).collect();
    let crew: Vec<&str> = crew.iter().map(String::as_str).collect();
    let mut new = batch(
        day,
        code,
        b.vehicle.as_str(),
        &crew,
        b.origin.clone(),
        b.depart,
        stops,
    );
    if b.arrival.is_some() && new.arrival.is_none() {
        new.arrival = b.arrival.clone();
    }
    plan.batches[i] = new;
}

#[test]
fn the_valid_plan_has_no_violation() {
    let day = day();
    let plan = plan(&day);
    let found = check(&day, &plan, &travel());
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn violations_serialise_sorted() {
    let found = broken(|_, p| {
        p.policy = "other".into();
        p.unplaced.push(unplaced("GHOST", None));
    });
    let mut sorted = found.clone();
    sorted.sort();
    assert_eq!(found, sorted);
    let json = serde_json::to_value(&found).expect("serialises");
    assert_eq!(json[0]["code"], "plan_header");
}

#[test]
fn kpis_mismatch() {
    let day = day();
    let mut plan = plan(&day);
    plan.kpis.vehicle_km += 5.0;
    plan.kpis.unplaced = 3;
    let found = check(&day, &plan, &travel());
    expect(
        &found,
        &[
            ("kpis_mismatch", "vehicle_km"),
            ("kpis_mismatch", "unplaced"),
        ],
    );
}

#[test]
fn the_same_input_gives_the_same_output() {
    let day = day();
    let mut plan = plan(&day);
    plan.policy = "x".into();
    plan.batches[1].vehicle = "V3".into();
    let a = check(&day, &plan, &travel());
    let b = check(&day, &plan, &travel());
    assert_eq!(a, b);
    assert!(a.len() >= 2);
}

#[test]
fn a_port_moved_far_is_still_checked_without_panics() {
    // A port with an impossible location from an unvalidated file: the checker never panics.
    let mut day = day();
    day.ports.push(Port {
        code: "NAN".into(),
        name: "nowhere".into(),
        location: closedloop_scheduling::problem::Point {
            lat: f64::NAN,
            lon: f64::INFINITY,
        },
        processing: u32::MAX,
    });
    day.arrivals[1].port = "NAN".into();
    let plan = plan(&day);
    let found = check(&day, &plan, &travel());
    assert!(found.iter().any(|v| v.code == "wrong_origin"), "{found:#?}");
}

#[test]
fn the_planner_s_plan_of_the_fixture_day_keeps_every_rule() {
    // The checker judges the planner's plans too; the fixture day is small enough to plan here.
    use closedloop_scheduling::day::{PlanOptions, plan_day};
    let day = day();
    let plan = plan_day(&day, &travel(), &PlanOptions::default()).expect("the day is valid");
    let found = check(&day, &plan, &travel());
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(plan.unplaced.len() + plan.assignments.len(), 8);
}

mod robust {
    use super::*;
    use proptest::prelude::*;

    /// One edit a hand-edited or corrupted plan may carry.
    #[derive(Debug, Clone)]
    enum Edit {
        ShiftEta(usize, i64),
        ShiftDepart(usize, i64),
        Vehicle(usize, usize),
        Crew(usize, usize),
        DropStop(usize),
        DropAssignment(usize),
        DropStay(usize),
        StayNights(usize, i64),
        Kpi(f64),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        let minutes = -2_000_000i64..2_000_000;
        prop_oneof![
            (0..8usize, minutes.clone()).prop_map(|(b, m)| Edit::ShiftEta(b, m)),
            (0..8usize, minutes).prop_map(|(b, m)| Edit::ShiftDepart(b, m)),
            (0..8usize, 0..7usize).prop_map(|(b, v)| Edit::Vehicle(b, v)),
            (0..8usize, 0..9usize).prop_map(|(b, c)| Edit::Crew(b, c)),
            (0..8usize).prop_map(Edit::DropStop),
            (0..10usize).prop_map(Edit::DropAssignment),
            (0..6usize).prop_map(Edit::DropStay),
            (0..6usize, -5000i64..5000).prop_map(|(s, d)| Edit::StayNights(s, d)),
            proptest::num::f64::ANY.prop_map(Edit::Kpi),
        ]
    }

    fn apply(p: &mut Plan, e: &Edit) {
        let vehicles = ["V1", "V2", "V3", "V4", "V5", "V-X", ""];
        let crew = ["D1", "E1", "D2", "D3", "D4", "E2", "D5", "C-X", ""];
        let n = p.batches.len().max(1);
        match *e {
            Edit::ShiftEta(b, m) => {
                if let Some(s) = p.batches.get_mut(b % n).and_then(|b| b.stops.first_mut()) {
                    s.eta = s
                        .eta
                        .checked_add_signed(Duration::minutes(m))
                        .unwrap_or(s.eta);
                }
            }
            Edit::ShiftDepart(b, m) => {
                if let Some(b) = p.batches.get_mut(b % n) {
                    b.depart = b
                        .depart
                        .checked_add_signed(Duration::minutes(m))
                        .unwrap_or(b.depart);
                }
            }
            Edit::Vehicle(b, v) => {
                if let Some(b) = p.batches.get_mut(b % n) {
                    b.vehicle = vehicles[v].into();
                }
            }
            Edit::Crew(b, c) => {
                if let Some(b) = p.batches.get_mut(b % n) {
                    b.crew.insert(0, crew[c].into());
                }
            }
            Edit::DropStop(b) => {
                if let Some(b) = p.batches.get_mut(b % n) {
                    b.stops.pop();
                }
            }
            Edit::DropAssignment(a) => {
                if !p.assignments.is_empty() {
                    let i = a % p.assignments.len();
                    p.assignments.remove(i);
                }
            }
            Edit::DropStay(s) => {
                if !p.stays.is_empty() {
                    let i = s % p.stays.len();
                    p.stays.remove(i);
                }
            }
            Edit::StayNights(s, d) => {
                if !p.stays.is_empty() {
                    let i = s % p.stays.len();
                    let st = &mut p.stays[i];
                    st.release = st
                        .release
                        .checked_add_signed(Duration::days(d))
                        .unwrap_or(st.release);
                }
            }
            Edit::Kpi(x) => p.kpis.max_ride = x,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever the edits, the checker answers (no panic), sorted and without duplicates,
        /// the same twice.
        #[test]
        fn any_edited_plan_is_checked(edits in proptest::collection::vec(edit(), 0..6)) {
            let day = day();
            let mut plan = plan(&day);
            for e in &edits {
                apply(&mut plan, e);
            }
            let found = check(&day, &plan, &travel());
            let mut sorted = found.clone();
            sorted.sort();
            sorted.dedup();
            prop_assert_eq!(&found, &sorted);
            prop_assert_eq!(&check(&day, &plan, &travel()), &found);
        }
    }
}

/// The quoted code after each `Violation::new(` in the checker's sources.
fn codes_in_sources() -> BTreeSet<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/check");
    let mut out = BTreeSet::new();
    for entry in std::fs::read_dir(dir).expect("src/check") {
        let text = std::fs::read_to_string(entry.expect("an entry").path()).expect("a source");
        for piece in text.split("Violation::new(").skip(1) {
            let rest = piece.trim_start();
            if let Some(quoted) = rest.strip_prefix('"') {
                out.insert(quoted.split('"').next().unwrap_or_default().to_string());
            }
        }
    }
    out
}

#[test]
fn every_code_is_listed_documented_and_tested() {
    use closedloop_scheduling::check::CODES;
    let listed: BTreeSet<String> = CODES.iter().map(|c| c.to_string()).collect();
    assert_eq!(codes_in_sources(), listed);
    let mut sorted = CODES.to_vec();
    sorted.sort();
    assert_eq!(sorted, CODES.to_vec());
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let docs = std::fs::read_to_string(root.join("../../docs/scheduling.md")).expect("the docs");
    let tests: String = ["main", "people", "batches", "resources"]
        .iter()
        .map(|m| std::fs::read_to_string(root.join(format!("tests/check/{m}.rs"))).expect("a test"))
        .collect();
    for code in CODES {
        assert!(
            docs.contains(&format!("| `{code}` |")),
            "{code} is not in docs/scheduling.md"
        );
        assert!(
            tests.contains(&format!("fn {code}()")),
            "{code} has no test of its own"
        );
    }
}
