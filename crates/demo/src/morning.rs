//! The demo's morning, already played when the preparation ends: every batch whose day was
//! over by then goes through the desk flow with its planned times — the crew's training and
//! health check, the vehicle's inspection, the reminder, approval, departure, the port's
//! hand-over to the crew, at each stop the personnel check-list and the hand-over with its
//! code and head-count, completion, the disinfection after — all through the app's use cases,
//! in the order they happened, so the ledger reads as the morning did. One incident happens on
//! the way.

use crate::answers::answers;
use crate::city::City;
use crate::error::{DemoError, Result};
use crate::script::{Batch, Stop};
use chrono::{DateTime, Duration, NaiveDateTime, Timelike, Utc};
use closedloop_app::App;
use closedloop_app::checklist::{self, CompleteChecklist, SubjectIds};
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::trips::{self, TripMove};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, TravelerId, VehicleId};
use closedloop_domain::severity::Severity;
use closedloop_handover::ChecklistKind;
use closedloop_handover::incident::IncidentKind;
use closedloop_scheduling::plan::Place;
use closedloop_store::custody::{PartyKey, PartyRole};
use std::collections::{HashMap, HashSet};

/// The script's batches from the approved plan, in order of departure.
pub fn batches(city: &City) -> Result<Vec<Batch>> {
    let trips: HashMap<&str, i64> = city
        .approved
        .trips
        .iter()
        .map(|t| (t.batch_code.as_str(), t.trip.0))
        .collect();
    let mut plan: Vec<_> = city.plan.batches.iter().collect();
    plan.sort_by_key(|b| (b.depart, b.code.to_string()));
    let mut last_of_vehicle: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::new();
    for b in plan {
        let trip = *trips
            .get(b.code.as_str())
            .ok_or_else(|| DemoError::City(format!("batch {} was not approved", b.code)))?;
        let vehicle = city.vehicles[b.vehicle.as_str()];
        let mut crew: Vec<(bool, i64)> = b
            .crew
            .iter()
            .map(|c| {
                let (id, driver) = city.crew[c.as_str()];
                (!driver, id)
            })
            .collect();
        crew.sort();
        if crew.is_empty() {
            return Err(DemoError::City(format!("batch {} has no crew", b.code)));
        }
        let stops = b
            .stops
            .iter()
            .map(|s| {
                let (receiver, (_, name, at)) = match &s.place {
                    Place::Hotel { code } => ("hotel_staff", &city.hotels[code.as_str()]),
                    Place::Hospital { code } => ("hospital_staff", &city.hospitals[code.as_str()]),
                    other => {
                        return Err(DemoError::City(format!(
                            "batch {} stops at {other:?}, which the demo does not deliver to",
                            b.code
                        )));
                    }
                };
                let id = match &s.place {
                    Place::Hotel { code } => city.hotels[code.as_str()].0,
                    Place::Hospital { code } => city.hospitals[code.as_str()].0,
                    _ => unreachable!("refused above"),
                };
                Ok(Stop {
                    receiver: format!("{receiver}:{id}"),
                    receiver_login: match &s.place {
                        Place::Hotel { code } => Some(crate::accounts::hotel_login(code.as_str())),
                        _ => None,
                    },
                    name: name.clone(),
                    lat: at.lat,
                    lon: at.lon,
                    eta: s.eta,
                    travelers: s
                        .travelers
                        .iter()
                        .filter_map(|t| t.as_str().parse().ok())
                        .collect(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(Batch {
            trip,
            code: b.code.to_string(),
            vehicle,
            crew: crew.into_iter().map(|(_, id)| id).collect(),
            depart: b.depart,
            after_trip: last_of_vehicle.insert(vehicle, trip),
            stops,
            played: false,
        });
    }
    Ok(out)
}

/// When a batch's last event happens: completion, half an hour after its last stop.
pub fn completes(b: &Batch) -> NaiveDateTime {
    b.stops.last().map_or(b.depart, |s| s.eta) + Duration::minutes(30)
}

enum Step {
    Checklist(ChecklistKind, SubjectIds, usize),
    Move(BatchId, TripMove),
    Handover(BatchId, PartyKey, PartyKey, Vec<TravelerId>),
    Incident(BatchId, CrewId),
}

/// Plays every batch over before `now` (marking it played); returns the incident opened.
pub fn play(
    app: &App,
    port: i64,
    batches: &mut [Batch],
    now: DateTime<Utc>,
) -> Result<Option<i64>> {
    let mut steps: Vec<(NaiveDateTime, usize, Step)> = Vec::new();
    let mut crew_ready = HashSet::new();
    let mut vehicle_ready = HashSet::new();
    let cutoff = (now - Duration::minutes(2)).naive_utc();
    let gates = &app.config.handover.gates;
    let mut incident_planned = false;
    for b in batches.iter_mut() {
        if completes(b) > cutoff {
            continue;
        }
        b.played = true;
        let trip = BatchId(b.trip);
        let vehicle = VehicleId(b.vehicle);
        let depart = b.depart;
        let mut push = |at: NaiveDateTime, step: Step| {
            let n = steps.len();
            steps.push((at, n, step));
        };
        // The daily checks count per local day (gates.toml's offset): a batch after local
        // midnight needs them again, done after midnight.
        let today = gates.local_day(depart.and_utc());
        let since_midnight = i64::from(
            (depart.and_utc() + gates.utc_offset)
                .time()
                .num_seconds_from_midnight(),
        );
        // Minutes before departure, squeezed after local midnight when it is near.
        let before = |m: i64| depart - Duration::seconds(m * 60 * since_midnight.min(6000) / 6000);
        for &c in &b.crew {
            if crew_ready.insert((c, today)) {
                let on = SubjectIds {
                    crew: Some(CrewId(c)),
                    ..SubjectIds::default()
                };
                push(
                    before(90),
                    Step::Checklist(ChecklistKind::PreTripTraining, on.clone(), 0),
                );
                push(
                    before(89),
                    Step::Checklist(ChecklistKind::CrewHealth, on, 0),
                );
            }
        }
        if vehicle_ready.insert((b.vehicle, today)) {
            let on = SubjectIds {
                vehicle: Some(vehicle),
                ..SubjectIds::default()
            };
            push(
                before(100),
                Step::Checklist(ChecklistKind::VehicleInspection, on, 0),
            );
        }
        let on_trip = SubjectIds {
            trip: Some(trip),
            ..SubjectIds::default()
        };
        push(
            before(10),
            Step::Checklist(ChecklistKind::PreDepartureReminder, on_trip, 0),
        );
        push(before(8), Step::Move(trip, TripMove::Approve));
        push(depart, Step::Move(trip, TripMove::Depart));
        let crew = PartyKey {
            role: PartyRole::Crew,
            id: b.crew[0],
        };
        let port = PartyKey {
            role: PartyRole::PortStaff,
            id: port,
        };
        let everyone: Vec<TravelerId> = b
            .stops
            .iter()
            .flat_map(|s| s.travelers.iter().map(|&t| TravelerId(t)))
            .collect();
        push(
            depart + Duration::minutes(1),
            Step::Handover(trip, port, crew, everyone),
        );
        if !incident_planned {
            incident_planned = true;
            push(
                depart + Duration::minutes(5),
                Step::Incident(trip, CrewId(b.crew[0])),
            );
        }
        for (k, s) in b.stops.iter().enumerate() {
            let on_stop = SubjectIds {
                trip: Some(trip),
                stop: k as u32,
                ..SubjectIds::default()
            };
            push(
                s.eta,
                Step::Checklist(ChecklistKind::PersonnelHandover, on_stop, s.travelers.len()),
            );
            let receiver = closedloop_app::parse::party("to", &s.receiver)?;
            let who = s.travelers.iter().map(|&t| TravelerId(t)).collect();
            push(
                s.eta + Duration::minutes(2),
                Step::Handover(trip, crew, receiver, who),
            );
        }
        let done = completes(b);
        push(done, Step::Move(trip, TripMove::Complete));
        let after = SubjectIds {
            vehicle: Some(vehicle),
            trip: Some(trip),
            ..SubjectIds::default()
        };
        if done + Duration::minutes(20) <= cutoff {
            push(
                done + Duration::minutes(20),
                Step::Checklist(ChecklistKind::Sanitation, after, 0),
            );
        }
    }
    steps.sort_by_key(|(at, n, _)| (*at, *n));
    let mut incident = None;
    for (at, _, step) in steps {
        let at = at.and_utc();
        match step {
            Step::Checklist(kind, subject, heads) => {
                let done = checklist::complete(
                    app,
                    &CompleteChecklist {
                        kind,
                        subject,
                        answers: answers(kind, heads),
                        by: None,
                        at,
                    },
                    Lang::En,
                )?;
                if !done.passed {
                    return Err(DemoError::City(format!(
                        "{kind:?} did not pass: {:?}",
                        done.failures
                    )));
                }
            }
            Step::Move(trip, m) => {
                trips::move_trip(app, trip, m, at)?;
            }
            Step::Handover(trip, from, to, travelers) => {
                let n = travelers.len() as i64;
                let started = handover::start(
                    app,
                    &StartRequest {
                        trip,
                        to_trip: None,
                        from,
                        to,
                        travelers,
                        expected: None,
                        signer: "demo".into(),
                        at,
                    },
                )?;
                handover::confirm(
                    app,
                    &ConfirmRequest {
                        handover: closedloop_handover::ids::HandoverId(started.handover),
                        code: started.code,
                        counted: n,
                        signer: "demo".into(),
                        at,
                        position: None,
                    },
                )?;
            }
            Step::Incident(trip, crew) => {
                let id = incidents::open(
                    app,
                    &OpenIncident {
                        kind: IncidentKind::ProtectionBreach,
                        severity: Severity::Minor,
                        trip: Some(trip),
                        vehicle: None,
                        travelers: vec![],
                        crew: vec![crew],
                        description: "Demo: a glove tore while boarding; replaced at once. \
                                      演示：登车时手套破损，已立即更换。"
                            .into(),
                        at,
                        position: None,
                    },
                )?;
                incident = Some(id.0);
            }
        }
    }
    Ok(incident)
}
