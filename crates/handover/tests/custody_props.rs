//! Property: over random sequences of registrations, hand-overs between random parties,
//! deliveries and invalid attempts (wrong codes, miscounts, duplicates, illegal pairs,
//! back-dated reports), no traveler is ever in two custodies, delivered is final (but for the
//! hotel that received a traveler handing them to a crew: the second transfer of "14+7"), and
//! every illegal transition is an error that changes nothing. An independent model decides
//! what is legal.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use closedloop_domain::ids::{BatchId, DestinationId, PortId, TravelerId};
use closedloop_handover::ids::HandoverId;
use closedloop_handover::otp::{self, HandoverSecret};
use closedloop_handover::{Custody, Handover, LoopStatus, Party};
use common::{place, utc};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

const PARTIES: [Party; 8] = [
    Party::PortStaff { port: PortId(1) },
    Party::PortStaff { port: PortId(2) },
    Party::Crew { batch: BatchId(7) },
    Party::Crew { batch: BatchId(8) },
    Party::Crew { batch: BatchId(9) },
    Party::HotelStaff {
        destination: DestinationId(10),
    },
    Party::CommunityStaff {
        destination: DestinationId(11),
    },
    Party::HospitalStaff {
        destination: DestinationId(12),
    },
];

/// The model's own reading of the rules, by index into `PARTIES`: 0–1 port, 2–4 crews,
/// 5–7 receivers that close the loop, of which 5 (the hotel) also gives to a crew.
fn legal_pair(g: usize, r: usize) -> bool {
    let port = |i: usize| i < 2;
    let crew = |i: usize| (2..5).contains(&i);
    let last = |i: usize| i >= 5;
    (port(g) && crew(r))
        || (crew(g) && crew(r) && g != r)
        || (crew(g) && last(r))
        || (g == HOTEL && crew(r))
}

const HOTEL: usize = 5;

/// Whether the giver may hand over a traveler in state `m`: the holder, or the hotel that
/// received them (their second loop).
fn gives(m: Model, giver: usize) -> bool {
    m == Model::Held(giver) || (giver == HOTEL && m == Model::Delivered(HOTEL))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Model {
    Free,
    Held(usize),
    Delivered(usize),
}

/// A giver named outright, or "whoever holds traveler t now" — without the latter, random
/// givers almost never hold the travelers named and few loops would ever close.
#[derive(Debug, Clone, Copy)]
enum Who {
    Party(usize),
    HolderOf(i64),
}

/// Which travelers a hand-over names.
#[derive(Debug, Clone)]
enum Selection {
    /// Any travelers, duplicates included.
    Listed(Vec<i64>),
    /// Everyone the giver holds now.
    HeldByGiver,
    /// Everyone the giver holds, plus one more (often illegal).
    HeldByGiverAnd(i64),
}

#[derive(Debug, Clone)]
enum Event {
    Admit {
        port: usize,
        travelers: Vec<i64>,
    },
    Handover {
        giver: Who,
        receiver: usize,
        travelers: Selection,
        wrong_code: bool,
        miscount: bool,
        backdated: bool,
    },
}

fn travelers() -> impl Strategy<Value = Vec<i64>> {
    // Duplicates happen on purpose: they must be refused.
    prop::collection::vec(1i64..=6, 0..5)
}

fn event() -> impl Strategy<Value = Event> {
    let giver = prop_oneof![
        3 => (1i64..=6).prop_map(Who::HolderOf),
        1 => (0usize..8).prop_map(Who::Party),
    ];
    let receiver = prop_oneof![2usize..5, 5usize..8, 0usize..8];
    let selection = prop_oneof![
        2 => Just(Selection::HeldByGiver),
        1 => (1i64..=6).prop_map(Selection::HeldByGiverAnd),
        1 => travelers().prop_map(Selection::Listed),
    ];
    prop_oneof![
        1 => (0usize..2, travelers()).prop_map(|(port, travelers)| Event::Admit { port, travelers }),
        4 => (
            giver,
            receiver,
            selection,
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.05),
        )
            .prop_map(|(giver, receiver, travelers, wrong_code, miscount, backdated)| {
                Event::Handover { giver, receiver, travelers, wrong_code, miscount, backdated }
            }),
    ]
}

fn expected_status(m: Model) -> Option<Party> {
    match m {
        Model::Free => None,
        Model::Held(p) | Model::Delivered(p) => Some(PARTIES[p]),
    }
}

fn has_duplicates(ts: &[i64]) -> bool {
    ts.iter().collect::<BTreeSet<_>>().len() != ts.len()
}

fn check_matches(custody: &Custody, model: &BTreeMap<i64, Model>) {
    let mut open_seen = BTreeSet::new();
    for (t, _, _) in custody.open_loops() {
        // Never in two custodies: a traveler appears at most once among open loops.
        assert!(open_seen.insert(t), "traveler {t} is in two custodies");
    }
    for t in 1..=6 {
        let m = model.get(&t).copied().unwrap_or(Model::Free);
        let s = custody.status(TravelerId(t));
        match (m, s) {
            (Model::Free, LoopStatus::NotInCustody) => {}
            (Model::Held(_), LoopStatus::InCustody { holder, .. }) => {
                assert_eq!(Some(holder), expected_status(m), "traveler {t}")
            }
            (Model::Delivered(_), LoopStatus::Delivered { to, .. }) => {
                assert_eq!(Some(to), expected_status(m), "traveler {t}")
            }
            _ => panic!("traveler {t}: model {m:?}, custody {s:?}"),
        }
        assert_eq!(
            open_seen.contains(&TravelerId(t)),
            matches!(m, Model::Held(_))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn custody_never_splits_and_delivery_is_final(events in prop::collection::vec(event(), 1..60)) {
        let secret = HandoverSecret::from_bytes([42; 32]);
        let t0: DateTime<Utc> = utc("2021-06-15T00:00:00Z");
        let mut custody = Custody::new();
        let mut model: BTreeMap<i64, Model> = BTreeMap::new();
        let mut delivered: BTreeMap<TravelerId, LoopStatus> = BTreeMap::new();

        for (i, event) in events.into_iter().enumerate() {
            let at = t0 + TimeDelta::minutes(i as i64 + 1);
            let before = custody.clone();
            let state = |t: &i64| model.get(t).copied().unwrap_or(Model::Free);
            match event {
                Event::Admit { port, travelers } => {
                    let ids: Vec<TravelerId> = travelers.iter().map(|t| TravelerId(*t)).collect();
                    let legal = !has_duplicates(&travelers)
                        && travelers.iter().all(|t| state(t) == Model::Free);
                    let result = custody.admit(PortId(port as i64 + 1), &ids, at);
                    prop_assert_eq!(result.is_ok(), legal, "admit {:?}: {:?}", travelers, result);
                    if legal {
                        for t in &travelers {
                            model.insert(*t, Model::Held(port));
                        }
                    } else {
                        prop_assert_eq!(&custody, &before, "a refused registration changed custody");
                    }
                }
                Event::Handover { giver, receiver, travelers, wrong_code, miscount, backdated } => {
                    // Resolve the event against the current state; legality is still judged by
                    // the model below, not by how the event was built.
                    let giver = match giver {
                        Who::Party(p) => p,
                        Who::HolderOf(t) => match state(&t) {
                            Model::Held(p) | Model::Delivered(p) => p,
                            _ => 2,
                        },
                    };
                    let held: Vec<i64> =
                        (1..=6).filter(|t| gives(state(t), giver)).collect();
                    let travelers = match travelers {
                        Selection::Listed(ts) => ts,
                        Selection::HeldByGiver => held,
                        Selection::HeldByGiverAnd(t) => held.into_iter().chain([t]).collect(),
                    };
                    let id = HandoverId(i as i64 + 1);
                    let when = if backdated { t0 - TimeDelta::days(1) } else { at };
                    let mut code = otp::code_at(&secret, id, when).as_str().parse::<u32>().unwrap();
                    if wrong_code {
                        code = (code + 1) % 1_000_000;
                    }
                    let n = travelers.len() as u32;
                    let h = Handover {
                        id,
                        batch: None,
                        giver: PARTIES[giver],
                        giver_signer: "交出人".into(),
                        receiver: PARTIES[receiver],
                        receiver_signer: "接收人".into(),
                        travelers: travelers.iter().map(|t| TravelerId(*t)).collect(),
                        expected: n,
                        counted: n + u32::from(miscount),
                        at: when,
                        place: place(),
                        code: format!("{code:06}"),
                    };
                    let valid = !travelers.is_empty()
                        && !has_duplicates(&travelers)
                        && legal_pair(giver, receiver)
                        && !wrong_code
                        && !miscount;
                    let confirmed = h.confirm(&secret);
                    prop_assert_eq!(confirmed.is_ok(), valid, "confirm: {:?}", confirmed.as_ref().err());
                    if let Err(refusal) = &confirmed {
                        prop_assert_eq!(refusal.incident.is_some(), miscount);
                    }
                    let Ok(confirmed) = confirmed else {
                        prop_assert_eq!(&custody, &before);
                        continue;
                    };
                    let legal = !backdated
                        && travelers.iter().all(|t| gives(state(t), giver));
                    let result = custody.apply(&confirmed);
                    match &result {
                        Ok(changes) => prop_assert_eq!(changes.len(), travelers.len()),
                        Err(e) => {
                            prop_assert!(!e.problems.is_empty());
                            for (t, _) in &e.problems {
                                prop_assert!(travelers.contains(&t.0));
                            }
                        }
                    }
                    prop_assert_eq!(result.is_ok(), legal, "apply {:?} {}→{}: {:?}", travelers, giver, receiver, result);
                    if legal {
                        let next = if receiver >= 5 { Model::Delivered(receiver) } else { Model::Held(receiver) };
                        for t in &travelers {
                            model.insert(*t, next);
                            // The hotel handed them on: their second loop is open.
                            delivered.remove(&TravelerId(*t));
                        }
                    } else {
                        prop_assert_eq!(&custody, &before, "a refused hand-over changed custody");
                    }
                }
            }
            check_matches(&custody, &model);
            // Delivered is final: once delivered, a traveler's status never changes again but
            // by the hotel's legal hand-over (checked against the model above).
            for (t, s) in &delivered {
                prop_assert_eq!(custody.status(*t), *s, "delivered traveler {} changed", t);
            }
            for (t, s) in custody.statuses() {
                if matches!(s, LoopStatus::Delivered { .. }) {
                    delivered.entry(t).or_insert(s);
                }
            }
        }
    }

    /// The pure transition agrees with the model from every status, for every pair.
    #[test]
    fn loop_transitions_match_the_model(state in 0usize..4, holder in 0usize..8, giver in 0usize..8, receiver in 0usize..8) {
        let since = utc("2021-06-15T00:00:00Z");
        let at = since + TimeDelta::minutes(5);
        let status = match state {
            0 => LoopStatus::NotInCustody,
            1 | 2 => LoopStatus::InCustody { holder: PARTIES[holder], since, handover: None },
            _ => LoopStatus::Delivered { to: PARTIES[holder], at: since, handover: HandoverId(1) },
        };
        let result = status.hand_over(PARTIES[giver], PARTIES[receiver], at, HandoverId(2));
        let from_hotel = state == 3 && holder == HOTEL && giver == HOTEL;
        let legal = (matches!(state, 1 | 2) || from_hotel) && holder == giver && legal_pair(giver, receiver);
        prop_assert_eq!(result.is_ok(), legal, "{:?}: {:?}", status, result);
        if let Ok(next) = result {
            prop_assert_eq!(matches!(next, LoopStatus::Delivered { .. }), receiver >= 5);
        }
        let admitted = status.admit(PortId(1), at);
        prop_assert_eq!(admitted.is_ok(), state == 0);
    }
}
