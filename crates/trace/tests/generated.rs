//! The graph query against a plain, obviously-correct reference written straight from the rules
//! (scans over the input structs, no graph, no timelines), on generated years small enough for
//! vehicles and crews to share many trips; and the generator's own promises.

use closedloop_trace::generate::{self, Rng, Shape, Year};
use closedloop_trace::{
    Contact, CrewId, Exposure, HandOver, Party, PartyId, Reason, Record, Role, Subject,
    TraceOptions, TravelerId, Trip, TripId,
};
use std::collections::{HashMap, HashSet};

fn person(p: &Party) -> Contact {
    match p.role {
        Role::Crew => Contact::Crew(CrewId(p.id.0)),
        _ => Contact::Party(p.clone()),
    }
}

fn aboard(t: &Trip) -> impl Iterator<Item = Contact> + '_ {
    t.travelers
        .iter()
        .map(|&x| Contact::Traveler(x))
        .chain(t.crew.iter().map(|&c| Contact::Crew(c)))
}

fn signs(h: &HandOver, c: CrewId) -> bool {
    [&h.giver, &h.receiver]
        .iter()
        .any(|p| p.role == Role::Crew && p.id.0 == c.0)
}

/// The rules of `closedloop_trace::trace`, as directly as they can be written.
fn reference(year: &Year, index: Subject, o: &TraceOptions) -> Vec<Exposure> {
    let w = o.crew_exposure_window_s;
    let since = o.since.unwrap_or(i64::MIN);
    let (lo, hi, me) = match index {
        Subject::Traveler(t) => (since, o.tested_at.unwrap_or(i64::MAX), Contact::Traveler(t)),
        Subject::Crew(c) => {
            let last = year
                .trips
                .iter()
                .filter(|t| t.crew.contains(&c))
                .map(|t| t.end)
                .chain(year.hand_overs.iter().filter(|h| signs(h, c)).map(|h| h.at))
                .max()
                .unwrap();
            let hi = o.tested_at.unwrap_or(last);
            (hi.saturating_sub(w).max(since), hi, Contact::Crew(c))
        }
    };
    let index_trips: Vec<&Trip> = year
        .trips
        .iter()
        .filter(|t| aboard(t).any(|p| p == me) && t.end >= lo && t.start <= hi)
        .collect();
    let index_trip_ids: HashSet<TripId> = index_trips.iter().map(|t| t.id).collect();
    let index_hand_overs = year.hand_overs.iter().filter(|h| {
        let present = match index {
            Subject::Traveler(t) => h.travelers.contains(&t),
            Subject::Crew(c) => signs(h, c) || h.trip.is_some_and(|t| index_trip_ids.contains(&t)),
        };
        present && h.at >= lo && h.at <= hi
    });

    let mut best: HashMap<Contact, (i64, Reason, Option<TripId>)> = HashMap::new();
    let mut expose = |who: Contact, at: i64, reason: Reason, via: Option<TripId>| {
        let e = best.entry(who).or_insert((at, reason, via));
        if (at, reason, via) < *e {
            *e = (at, reason, via);
        }
    };
    for t in &index_trips {
        for x in &t.travelers {
            expose(Contact::Traveler(*x), t.start, Reason::SameTrip, Some(t.id));
        }
        for c in &t.crew {
            expose(Contact::Crew(*c), t.start, Reason::TripCrew, Some(t.id));
        }
        let clean = year
            .disinfections
            .iter()
            .filter(|d| d.vehicle == t.vehicle && d.at >= t.end)
            .map(|d| d.at)
            .min()
            .unwrap_or(i64::MAX);
        for later in year
            .trips
            .iter()
            .filter(|u| u.vehicle == t.vehicle && (u.start, u.id) > (t.start, t.id))
        {
            if later.start < clean {
                for p in aboard(later) {
                    expose(
                        p,
                        later.start,
                        Reason::VehicleNotDisinfected { vehicle: t.vehicle },
                        Some(later.id),
                    );
                }
            }
        }
        for &c in t.crew.iter().filter(|&&c| Contact::Crew(c) != me) {
            for later in year
                .trips
                .iter()
                .filter(|u| u.crew.contains(&c) && (u.start, u.id) > (t.start, t.id))
            {
                if later.start <= t.end + w {
                    for p in aboard(later).filter(|p| *p != Contact::Crew(c)) {
                        expose(
                            p,
                            later.start,
                            Reason::SharedCrew { crew: c },
                            Some(later.id),
                        );
                    }
                }
            }
        }
    }
    for h in index_hand_overs {
        for p in [person(&h.giver), person(&h.receiver)]
            .into_iter()
            .chain(h.travelers.iter().map(|&t| Contact::Traveler(t)))
        {
            expose(p, h.at, Reason::HandOver, h.trip);
        }
    }
    best.remove(&me);
    let mut out: Vec<Exposure> = best
        .into_iter()
        .map(|(who, (at, reason, via_trip))| Exposure {
            who,
            reason,
            at,
            via_trip,
        })
        .collect();
    out.sort_by(|a, b| (a.at, a.reason, &a.who).cmp(&(b.at, b.reason, &b.who)));
    out
}

fn crowded() -> Shape {
    Shape {
        travelers: 3_000,
        trips: 1_000,
        days: 40,
        vehicles: 12,
        crew: 30,
        port_staff: 5,
        receivers: 10,
        missed_disinfection_per_mille: 300,
        ..Shape::default()
    }
}

#[test]
fn graph_query_agrees_with_the_reference_on_crowded_years() {
    for seed in [1, 2, 3] {
        let mut year = generate::year_with(crowded(), seed);
        // A few hand-overs outside any trip (hotel to hospital), which the generator never makes.
        let mut rng = Rng::new(seed);
        for i in 0..50 {
            let t = TravelerId(1 + rng.below(3_000) as i64);
            let at = generate::YEAR_START + rng.below(40 * 86_400) as i64;
            // Parties are keyed by (role, id); the name reference is the generator's, so that the
            // first one seen (which the record keeps) is the same one.
            let party = |role: Role, id: i64| Party {
                role,
                id: PartyId(id),
                name_ref: format!("{}-{id}", role.as_str()),
            };
            let (giver, receiver) = (
                party(Role::HotelStaff, 1 + i % 7),
                party(Role::Hospital, 1 + i % 3),
            );
            year.hand_overs.push(HandOver {
                trip: None,
                giver,
                receiver,
                travelers: vec![t],
                at,
            });
        }
        let record = Record::build(&year.trips, &year.disinfections, &year.hand_overs).unwrap();

        let mut checked = 0;
        for (k, (subject, mut options)) in
            generate::queries(&year, 200, seed).into_iter().enumerate()
        {
            // Vary the options: a shorter window, a `since`, a crew member without a test date.
            match k % 5 {
                1 => options.crew_exposure_window_s = 3 * 86_400,
                2 => options.since = Some(generate::YEAR_START + 10 * 86_400),
                3 => options.tested_at = None,
                _ => {}
            }
            let got = record.trace(subject, &options).unwrap();
            let want = reference(&year, subject, &options);
            if got != want {
                let only_got: Vec<_> = got.iter().filter(|e| !want.contains(e)).take(5).collect();
                let only_want: Vec<_> = want.iter().filter(|e| !got.contains(e)).take(5).collect();
                panic!(
                    "seed {seed}, query {k}: {subject}: only in the graph answer {only_got:?}, only in the reference {only_want:?}"
                );
            }
            checked += usize::from(!got.is_empty());
        }
        assert!(checked > 150, "most queries expose someone ({checked})");
    }
}

#[test]
fn the_generated_year_keeps_its_promises() {
    let shape = Shape {
        travelers: 10_000,
        trips: 3_000,
        days: 37,
        vehicles: 50,
        crew: 150,
        ..Shape::default()
    };
    let year = generate::year_with(shape, 7);
    assert_eq!(year.trips.len(), 3_000);

    // Every traveler rides exactly once, and every trip carries someone.
    let mut riders: Vec<i64> = year
        .trips
        .iter()
        .flat_map(|t| t.travelers.iter().map(|x| x.0))
        .collect();
    riders.sort_unstable();
    assert_eq!(riders, (1..=10_000).collect::<Vec<_>>());
    assert!(
        year.trips
            .iter()
            .all(|t| !t.travelers.is_empty() && t.crew.len() == 2 && t.crew[0] != t.crew[1])
    );

    // No vehicle and no crew member is on two trips at once.
    let mut by_vehicle: HashMap<_, Vec<(i64, i64)>> = HashMap::new();
    let mut by_crew: HashMap<_, Vec<(i64, i64)>> = HashMap::new();
    for t in &year.trips {
        by_vehicle
            .entry(t.vehicle)
            .or_default()
            .push((t.start, t.end));
        for c in &t.crew {
            by_crew.entry(*c).or_default().push((t.start, t.end));
        }
    }
    for spans in by_vehicle.values_mut().chain(by_crew.values_mut()) {
        spans.sort_unstable();
        assert!(spans.windows(2).all(|w| w[0].1 <= w[1].0));
    }

    // One port hand-over per trip plus one delivery per traveler; most trips disinfected.
    assert_eq!(year.hand_overs.len(), 3_000 + 10_000);
    assert!(year.disinfections.len() > 2_500 && year.disinfections.len() < 3_000);

    // Deterministic.
    let again = generate::year_with(shape, 7);
    assert_eq!(again.trips, year.trips);
    assert_eq!(again.hand_overs, year.hand_overs);
    assert_ne!(generate::year_with(shape, 8).trips, year.trips);
}
