//! Live events over the real server and database: a client on `/api/events` receives what is
//! committed — a hand-over, gate decisions — with the ledger's sequence numbers as ids, and a
//! client that reconnects with `Last-Event-ID` gets exactly what it missed; what one instance
//! records reaches the streams of another over the same database.

mod common;

use chrono::Utc;
use closedloop_app::AccessRole;
use closedloop_app::handover::{self, ConfirmRequest, StartRequest};
use closedloop_app::trips::{self, TripMove};
use closedloop_domain::ids::{BatchId, TravelerId};
use closedloop_handover::ids::HandoverId;
use closedloop_store::custody::{PartyKey, PartyRole};
use common::start_with;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::Duration;

/// One frame of the stream: its id, event name and data.
#[derive(Debug, Clone)]
struct Frame {
    id: u64,
    event: String,
    data: Value,
}

/// Reads `n` event frames from a stream in a thread, then closes it.
fn read_frames(r: reqwest::blocking::Response, n: usize) -> mpsc::Receiver<Frame> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(r).lines();
        let mut got = 0;
        let (mut id, mut event, mut data) = (None, None, None);
        while got < n {
            let Some(Ok(line)) = lines.next() else { return };
            if line.is_empty() {
                if let (Some(id), Some(event), Some(data)) = (id.take(), event.take(), data.take())
                {
                    got += 1;
                    if tx.send(Frame { id, event, data }).is_err() {
                        return;
                    }
                }
            } else if let Some(v) = line.strip_prefix("id: ") {
                id = v.parse().ok();
            } else if let Some(v) = line.strip_prefix("event: ") {
                event = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = serde_json::from_str(v).ok();
            }
        }
    });
    rx
}

fn next(rx: &mpsc::Receiver<Frame>) -> Frame {
    rx.recv_timeout(Duration::from_secs(20))
        .expect("an event within 20 s")
}

struct Fleet {
    trip: BatchId,
    crew: i64,
    travelers: Vec<TravelerId>,
}

fn seeded() -> (common::Server, Fleet) {
    let mut fleet = None;
    let s = start_with(|app, dir| {
        common::import_travelers(app, dir, 2);
        let travelers = vec![TravelerId(1), TravelerId(2)];
        let planned = common::plan_batch(app, "沪A·E0001", "D-1", &travelers);
        let (trip, crew) = (planned.trip, planned.crew);
        fleet = Some(Fleet {
            trip,
            crew: crew.0,
            travelers,
        });
    });
    (s, fleet.unwrap())
}

#[test]
fn a_client_receives_a_hand_over_and_resumes_after_the_last_event_it_saw() {
    let (mut s, fleet) = seeded();
    s.login(AccessRole::Commander);
    let app = common::app(&s.db, s.dir.path());

    // From now on: nothing of the past is replayed without an id.
    let live = s.client.get(s.url("/api/events")).send().unwrap();
    assert_eq!(live.status(), 200);
    assert_eq!(live.headers()["content-type"], "text/event-stream");
    let rx = read_frames(live, 2);
    // The stream is open once the server answered; give its poller a tick to start from the
    // ledger's end.
    std::thread::sleep(Duration::from_millis(300));

    let started = handover::start(
        &app,
        &StartRequest {
            trip: fleet.trip,
            to_trip: None,
            from: PartyKey {
                role: PartyRole::PortStaff,
                id: 1,
            },
            to: PartyKey {
                role: PartyRole::Crew,
                id: fleet.crew,
            },
            travelers: fleet.travelers.clone(),
            expected: None,
            signer: "port-staff".into(),
            at: Utc::now(),
        },
    )
    .unwrap();
    handover::confirm(
        &app,
        &ConfirmRequest {
            handover: HandoverId(started.handover),
            code: started.code.clone(),
            counted: 2,
            signer: "driver".into(),
            at: Utc::now(),
            position: Some((31.15, 121.80)),
        },
    )
    .unwrap();
    let h = next(&rx);
    assert_eq!(h.event, "handover", "{h:?}");
    assert_eq!(h.data["kind"], "handover");
    assert_eq!(h.data["id"], h.id);
    assert_eq!(h.data["batch"], fleet.trip.0);
    assert_eq!(h.data["data"]["head_count"], 2);
    assert_eq!(h.data["data"]["from"]["role"], "port_staff");
    // No personal data: travelers are counted, not named.
    assert_eq!(h.data["data"]["travelers"], 2);

    // Meanwhile, with the first client gone: a refused approval writes its gate decisions.
    drop(rx);
    let refused = trips::move_trip(&app, fleet.trip, TripMove::Approve, Utc::now()).unwrap_err();
    assert_eq!(refused.code(), "gate_refused");

    // Reconnecting after the hand-over: the gate decisions, and nothing before them.
    let again = s
        .client
        .get(s.url("/api/events"))
        .header("Last-Event-ID", h.id.to_string())
        .send()
        .unwrap();
    let rx = read_frames(again, 1);
    let g = next(&rx);
    assert_eq!(g.id, h.id + 1, "{g:?}");
    assert_eq!(g.event, "gate");
    assert_eq!(g.data["batch"], fleet.trip.0);
    assert_eq!(g.data["data"]["decision"], "block", "{g:?}");

    // From the start: every event, in order.
    let all = s.client.get(s.url("/api/events?after=0")).send().unwrap();
    let rx = read_frames(all, 2);
    let (a, b) = (next(&rx), next(&rx));
    assert!(a.id < b.id && b.id <= g.id, "{a:?} {b:?}");

    common::problem(
        s.client
            .get(s.url("/api/events"))
            .header("Last-Event-ID", "yesterday")
            .send()
            .unwrap(),
        400,
        "last_event_id_invalid",
    );
}

#[test]
fn a_hand_over_made_through_one_instance_reaches_the_streams_of_another() {
    let (mut s, fleet) = seeded();
    let wall = s.login(AccessRole::Commander).client();
    let port = s.login(AccessRole::PortStaff).client();
    let driver = s
        .login_as(&common::Account::of(AccessRole::Driver).crew(fleet.crew))
        .client();
    // Two instances over one database, as behind a load balancer: the sessions are the
    // database's, so the same phones work on either.
    let b = s.another_instance();

    let live = wall.get(s.url("/api/events")).send().unwrap();
    assert_eq!(live.status(), 200);
    let rx = read_frames(live, 1);
    std::thread::sleep(Duration::from_millis(300));

    let r = port
        .post(b.url("/api/handovers"))
        .json(&serde_json::json!({
            "trip": fleet.trip.0,
            "to": format!("crew:{}", fleet.crew),
            "travelers": fleet.travelers.iter().map(|t| t.0).collect::<Vec<_>>(),
        }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201, "{:?}", r.text());
    let started: Value = r.json().unwrap();
    let r = driver
        .post(b.url(&format!("/api/handovers/{}/confirm", started["handover"])))
        .json(&serde_json::json!({"code": started["code"], "counted": 2}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 200, "{:?}", r.text());

    let h = next(&rx);
    assert_eq!(h.event, "handover", "{h:?}");
    assert_eq!(h.data["batch"], fleet.trip.0);
    assert_eq!(h.data["data"]["head_count"], 2);
}

#[test]
fn a_driver_follows_the_events_of_their_own_batches_only() {
    let (mut s, fleet) = seeded();
    let app = common::app(&s.db, s.dir.path());
    // Another batch, another crew: its gate decisions come first in the ledger.
    let other = common::plan_batch(&app, "沪A·E0002", "D-2", &fleet.travelers).trip;
    for trip in [other, fleet.trip] {
        let refused = trips::move_trip(&app, trip, TripMove::Approve, Utc::now()).unwrap_err();
        assert_eq!(refused.code(), "gate_refused");
    }

    let driver = s
        .login_as(&common::Account::of(AccessRole::Driver).crew(fleet.crew))
        .client();
    let mine = driver.get(s.url("/api/events?after=0")).send().unwrap();
    assert_eq!(mine.status(), 200);
    let g = next(&read_frames(mine, 1));
    assert_eq!(g.event, "gate");
    assert_eq!(
        g.data["batch"], fleet.trip.0,
        "the other batch's events are skipped"
    );

    let wall = s.login(AccessRole::Commander).client();
    let all = wall.get(s.url("/api/events?after=0")).send().unwrap();
    let first = next(&read_frames(all, 1));
    assert_eq!(
        first.data["batch"], other.0,
        "the command centre sees every batch"
    );
    assert!(first.id < g.id);
}
