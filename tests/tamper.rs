//! Tampering with the custody tables behind the program's back: for each table that `record`,
//! `loops`, `trace` and the audit bundles read, a row inserted, a row changed and a row deleted
//! with plain SQL — the log itself untouched — and `ledger verify` fails naming the table and
//! the row (`--json`: `code`, `table`, `row`), in English and in Chinese; the honest record
//! passes. On SQLite, or PostgreSQL when DATABASE_URL names one.

mod common;

use closedloop_domain::ids::{BatchId, CrewId, TravelerId};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::{ChecklistKind, IncidentKind, Severity, Subject};
use closedloop_store::custody::{self, PartyKey, PartyRole};
use closedloop_store::desk::{
    self, ConfirmHandover, Desk, NewChecklist, NewIncident, StartHandover,
};
use closedloop_store::{DbConnection, ledger};
use common::ledger::{Custody, no_gates};
use serde_json::{Value, json};

/// What the honest record holds: ids, and the ledger entries of the rows the tests delete.
struct Record {
    c: Custody,
    /// Travelers 0–3 rode trip `a` and are purged; 4 and 5 rode trip `b`.
    t: Vec<i64>,
    /// Trip `a` carried the hand-overs; trip `b` only departed.
    a: i64,
    b: i64,
    /// Port staff → crew of `a` (travelers 0–3), then crew → hotel 8 (travelers 0 and 1).
    port: (i64, i64),
    hotel: (i64, i64),
    /// The reminder of trip `a` (a trip subject) and a crew health check (a crew subject).
    reminder: (i64, i64),
    health: (i64, i64),
    /// About traveler 2 and resolved; about traveler 3 and open.
    resolved: (i64, i64),
    open: (i64, i64),
    /// Trip `b`'s gate decisions and state change.
    b_seqs: Vec<i64>,
}

/// A UTC time on 2021-07-01 (the shipped check-lists are in force from June 2021).
fn at(_day: u32, h: u32, m: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2021, 7, 1)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

fn manifest(today: &str) -> String {
    let mut s = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 1..=4 {
        s.push_str(&format!(
            "Old Traveler {i},T{i:07},CHN,CA936,PVG,2021-07-01 06:30\n"
        ));
    }
    for i in 5..=6 {
        s.push_str(&format!(
            "New Traveler {i},T{i:07},CHN,MU5101,PVG,{today} 08:00\n"
        ));
    }
    s
}

fn answers(
    desk: &Desk<'_>,
    kind: ChecklistKind,
    day: chrono::NaiveDate,
    v: Value,
) -> closedloop_handover::Answers {
    desk::parse_answers(desk.templates().in_force(kind, day).unwrap(), &v).unwrap()
}

fn count(conn: &mut DbConnection) -> i64 {
    ledger::entry_count(conn).unwrap() as i64
}

impl Record {
    fn new() -> Record {
        let c = Custody::new();
        let today = chrono::Utc::now().date_naive().to_string();
        let ids = c.import(&manifest(&today));
        let t: Vec<i64> = (1..=6).map(|i| ids[&format!("T{i:07}")]).collect();
        let store = c.store();
        let mut conn = store.conn().unwrap();
        let v = [
            custody::add_vehicle(&mut conn, "沪A10001", 20).unwrap(),
            custody::add_vehicle(&mut conn, "沪A10002", 20).unwrap(),
        ];
        let crew = [
            custody::add_crew(&mut conn, "S1001", "Escort One", "escort").unwrap(),
            custody::add_crew(&mut conn, "S1002", "Escort Two", "escort").unwrap(),
        ];
        drop(conn);
        let (start, end) = (at(0, 15, 0), at(0, 17, 0));
        let a = c.trip(&store, v[0], &[crew[0]], &t[..4], start, end);
        let b = c.trip(&store, v[1], &[crew[1]], &t[4..], start, end);
        let b_seqs: Vec<i64> = (3..6).collect();
        let escort = PartyKey {
            role: PartyRole::Crew,
            id: crew[0],
        };
        let (reminder, health, port, hotel, resolved, open) =
            c.with_desk(&store, &no_gates(), |conn, desk| {
                let day = chrono::NaiveDate::from_ymd_opt(2021, 7, 1).unwrap();
                let reminder_answers = answers(
                    desk,
                    ChecklistKind::PreDepartureReminder,
                    day,
                    json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
                       "travelers_notified": true, "notice_languages": "zh, en",
                       "travelers_masked_and_spaced": true}),
                );
                let health_answers = answers(
                    desk,
                    ChecklistKind::CrewHealth,
                    day,
                    json!({"body_temperature": 37.9, "no_symptoms": true, "health_code_green": true,
                       "nucleic_acid_negative": true, "hours_since_last_test": 20,
                       "vaccinated": true}),
                );
                let mut checklist = |conn: &mut DbConnection, kind, subject, answers| {
                    let done = desk
                        .complete_checklist(
                            conn,
                            &NewChecklist {
                                kind,
                                subject,
                                completed_at: at(0, 14, 50).and_utc(),
                                completed_by: None,
                                answers,
                            },
                        )
                        .unwrap();
                    (done.id, done.ledger_seq)
                };
                let reminder = checklist(
                    conn,
                    ChecklistKind::PreDepartureReminder,
                    Subject::Batch { batch: BatchId(a) },
                    reminder_answers,
                );
                let health = checklist(
                    conn,
                    ChecklistKind::CrewHealth,
                    Subject::CrewMember {
                        crew: CrewId(crew[0]),
                    },
                    health_answers,
                );
                let mut hand_over =
                    |conn: &mut DbConnection,
                     giver,
                     receiver,
                     travelers: &[i64],
                     when: chrono::NaiveDateTime| {
                        let s = desk::start_handover(
                            conn,
                            &StartHandover {
                                trip_id: BatchId(a),
                                to_trip_id: None,
                                giver,
                                receiver,
                                giver_signer: "Giver".into(),
                                travelers: travelers.iter().map(|&t| TravelerId(t)).collect(),
                                expected: None,
                                at: when.and_utc(),
                            },
                        )
                        .unwrap();
                        let done = desk
                            .confirm_handover(
                                conn,
                                &ConfirmHandover {
                                    id: s.id,
                                    code: s.code.to_string(),
                                    counted: travelers.len() as i64,
                                    receiver_signer: "Receiver".into(),
                                    at: when.and_utc(),
                                    position: Some((31.2304, 121.4737)),
                                },
                            )
                            .unwrap();
                        (done.handover_id, done.ledger_seq)
                    };
                let port = hand_over(
                    conn,
                    PartyKey {
                        role: PartyRole::PortStaff,
                        id: 7,
                    },
                    escort,
                    &t[..4],
                    at(0, 15, 0),
                );
                let hotel = hand_over(
                    conn,
                    escort,
                    PartyKey {
                        role: PartyRole::HotelStaff,
                        id: 8,
                    },
                    &t[..2],
                    at(0, 16, 30),
                );
                let mut incident = |conn: &mut DbConnection, traveler: i64, minute: u32| {
                    let seq = count(conn);
                    let id = desk
                        .open_incident(
                            conn,
                            &NewIncident {
                                kind: IncidentKind::SymptomaticEnRoute,
                                severity: Severity::Serious,
                                at: at(0, 15, minute).and_utc(),
                                position: Some((31.2, 121.5)),
                                trip_id: Some(BatchId(a)),
                                vehicle_id: None,
                                travelers: vec![TravelerId(traveler)],
                                crew: vec![CrewId(crew[0])],
                                description: "fever on board".into(),
                                reported_by: None,
                            },
                        )
                        .unwrap();
                    (id.0, seq)
                };
                let resolved = incident(conn, t[2], 20);
                let open = incident(conn, t[3], 40);
                desk.resolve_incident(
                    conn,
                    IncidentId(resolved.0),
                    "taken to hospital",
                    at(0, 16, 0).and_utc(),
                )
                .unwrap();
                (reminder, health, port, hotel, resolved, open)
            });
        drop(store);
        c.ok(&["purge", "--older-than", "30"]);
        let r = Record {
            c,
            t,
            a,
            b,
            port,
            hotel,
            reminder,
            health,
            resolved,
            open,
            b_seqs,
        };
        r.passes();
        r
    }

    fn verify(&self) -> Value {
        self.c.run(&["ledger", "verify", "--json"]).json()
    }

    fn passes(&self) {
        let v = self.verify();
        assert_eq!(v["verified"], true, "{v}");
    }

    /// [`Record::fails`], then `undo` puts the row back and the record passes again.
    fn tamper(&self, sql: &str, undo: &str, table: &str, row: impl ToString, says: &str) {
        self.fails(sql, table, row, says);
        self.c.sql(undo);
        self.passes();
    }

    /// [`Record::fails`], and the same finding in Chinese and in the plain text output.
    fn fails_worded(&self, sql: &str, table: &str, row: impl ToString, says: &str) -> Value {
        let row = row.to_string();
        let v = self.fails(sql, table, &row, says);
        // The same finding in Chinese, and in the plain text output.
        let zh = self
            .c
            .env
            .run_in("zh-CN", &self.c.config, &["ledger", "verify"]);
        assert_eq!(zh.code, 1);
        assert!(
            zh.stdout.contains("账本校验未通过")
                && zh.stdout.contains(&format!("表 {table}，行 {row}")),
            "{}",
            zh.stdout
        );
        let en = self.c.run(&["ledger", "verify"]);
        assert!(
            en.stdout.contains("ledger verification FAILED") && en.stdout.contains(says),
            "{}",
            en.stdout
        );
        v
    }

    /// `sql`, then `ledger verify --json` fails naming `table` and `row`, and saying `says`.
    fn fails(&self, sql: &str, table: &str, row: impl ToString, says: &str) -> Value {
        self.c.sql(sql);
        let r = self.c.run(&["ledger", "verify", "--json"]);
        assert_eq!(r.code, 1, "passed after {sql}:\n{}", r.stdout);
        let v = r.json();
        let row = row.to_string();
        assert_eq!(
            (
                v["verified"].as_bool(),
                v["table"].as_str(),
                v["row"].as_str()
            ),
            (Some(false), Some(table), Some(row.as_str())),
            "after {sql}: {v}"
        );
        let message = v["message"].as_str().unwrap();
        assert!(
            message.contains(says) && message.contains(&format!("table {table}, row {row}")),
            "after {sql}: expected {says:?} in {message}"
        );
        assert!(
            v["code"].as_str().unwrap().starts_with("custody_row_"),
            "{v}"
        );
        v
    }
}

#[test]
fn the_honest_record_passes() {
    let r = Record::new();
    let v = r.verify();
    assert_eq!(v["custody_rows"]["handovers"], 2, "{v}");
    assert_eq!(v["custody_rows"]["incidents"], 2, "{v}");
    assert_eq!(v["custody_rows"]["traveler_loops"], 4, "{v}");
    let text = r.c.ok(&["ledger", "verify"]).stdout;
    assert!(text.contains("custody tables checked against it"), "{text}");
}

const COPY_HANDOVER: &str = "INSERT INTO handovers (id, trip_id, giver_role, giver_id, receiver_role, receiver_id, at, lat, lon, expected, counted, ledger_seq) \
     SELECT 900, trip_id, giver_role, giver_id, receiver_role, receiver_id, at, lat, lon, expected, counted, SEQ FROM handovers";

#[test]
fn handovers() {
    let r = Record::new();
    let h = r.hotel.0;
    // `ledger_seq` is unique: a row added behind the ledger's back names an entry that does
    // not exist, or one of another kind.
    r.fails_worded(
        &format!("{} WHERE id = {h}", COPY_HANDOVER.replace("SEQ", "999")),
        "handovers",
        900,
        "hand-over 900 is not in the ledger: its entry (seq 999) does not exist",
    );
    r.c.sql("DELETE FROM handovers WHERE id = 900");
    r.tamper(
        &format!("{} WHERE id = {h}", COPY_HANDOVER.replace("SEQ", &r.open.1.to_string())),
        "DELETE FROM handovers WHERE id = 900",
        "handovers",
        900,
        &format!(
            "hand-over 900 is not in the ledger: its entry (seq {}) is an incident entry, not a hand_over entry",
            r.open.1
        ),
    );
    r.tamper(
        &format!("UPDATE handovers SET counted = 1, expected = 1 WHERE id = {h}"),
        &format!("UPDATE handovers SET counted = 2, expected = 2 WHERE id = {h}"),
        "handovers",
        h,
        "says head count 2, the table 1",
    );
    r.tamper(
        &format!("UPDATE handovers SET receiver_id = 9 WHERE id = {h}"),
        &format!("UPDATE handovers SET receiver_id = 8 WHERE id = {h}"),
        "handovers",
        h,
        "says receiver hotel_staff 8, the table hotel_staff 9",
    );
    // Deleted with everything that points at it, so the database's own constraints hold.
    r.fails(
        &format!(
            "UPDATE traveler_loops SET handover_id = NULL WHERE handover_id = {h};
             UPDATE handover_requests SET handover_id = NULL WHERE handover_id = {h};
             DELETE FROM handover_travelers WHERE handover_id = {h};
             DELETE FROM handovers WHERE id = {h};"
        ),
        "handovers",
        format!("(entry {})", r.hotel.1),
        "the hand-over transfer_crew",
    );
}

#[test]
fn handover_travelers() {
    let r = Record::new();
    let (t, h, p) = (&r.t, r.hotel.0, r.port.0);
    r.fails_worded(
        &format!(
            "INSERT INTO handover_travelers (handover_id, traveler_id) VALUES ({h}, {})",
            t[2]
        ),
        "handover_travelers",
        format!("{h}/{}", t[2]),
        "names 2 travelers, the table 3",
    );
    r.c.sql(&format!(
        "DELETE FROM handover_travelers WHERE handover_id = {h} AND traveler_id = {}",
        t[2]
    ));
    r.passes();
    r.tamper(
        &format!("UPDATE handover_travelers SET traveler_id = {} WHERE handover_id = {h} AND traveler_id = {}", t[3], t[1]),
        &format!("UPDATE handover_travelers SET traveler_id = {} WHERE handover_id = {h} AND traveler_id = {}", t[1], t[3]),
        "handover_travelers",
        format!("{h}/{}", t[3]),
        &format!("the entry does not name traveler {}", t[3]),
    );
    r.fails(
        &format!(
            "DELETE FROM handover_travelers WHERE handover_id = {p} AND traveler_id = {}",
            t[3]
        ),
        "handover_travelers",
        format!("{p}/{}", t[3]),
        &format!(
            "names 4 travelers, the table 3: traveler {} is missing from the table",
            t[3]
        ),
    );
}

#[test]
fn traveler_loops() {
    let r = Record::new();
    let (t, a) = (&r.t, r.a);
    r.fails_worded(
        &format!(
            "INSERT INTO traveler_loops (traveler_id, status, party, party_id, since, handover_id, trip_id) \
             SELECT {}, status, party, party_id, since, handover_id, trip_id FROM traveler_loops WHERE traveler_id = {}",
            t[4], t[0]
        ),
        "traveler_loops",
        t[4],
        &format!("traveler {}'s loop says delivered, but no hand-over entry names them", t[4]),
    );
    r.c.sql(&format!(
        "DELETE FROM traveler_loops WHERE traveler_id = {}",
        t[4]
    ));
    r.passes();
    r.tamper(
        &format!("UPDATE traveler_loops SET status = 'delivered', party = 'hotel_staff', party_id = 8 WHERE traveler_id = {}", t[2]),
        &format!("UPDATE traveler_loops SET status = 'in_custody', party = 'crew', party_id = {a} WHERE traveler_id = {}", t[2]),
        "traveler_loops",
        t[2],
        &format!(
            "traveler {}'s loop says delivered, but no hand-over entry delivers them: their last (seq {}) gives them to transfer_crew",
            t[2], r.port.1
        ),
    );
    r.tamper(
        &format!(
            "UPDATE traveler_loops SET trip_id = {} WHERE traveler_id = {}",
            r.b, t[3]
        ),
        &format!(
            "UPDATE traveler_loops SET trip_id = {a} WHERE traveler_id = {}",
            t[3]
        ),
        "traveler_loops",
        t[3],
        &format!("traveler {}'s loop follows trip {}", t[3], r.b),
    );
    r.fails(
        &format!("DELETE FROM traveler_loops WHERE traveler_id = {}", t[3]),
        "traveler_loops",
        t[3],
        &format!(
            "traveler {} has no loop, but hand-over entry seq {} gave them to transfer_crew",
            t[3], r.port.1
        ),
    );
}

const COPY_INCIDENT: &str = "INSERT INTO incidents (id, kind, severity, at, lat, lon, trip_id, vehicle_id, description, status, resolved_at, resolution, ledger_seq) \
     SELECT 900, kind, severity, at, lat, lon, trip_id, vehicle_id, description, status, resolved_at, resolution, SEQ FROM incidents";

#[test]
fn incidents_and_their_resolutions() {
    let r = Record::new();
    let (open, done) = (r.open.0, r.resolved.0);
    r.fails_worded(
        &format!(
            "{} WHERE id = {open}",
            COPY_INCIDENT.replace("SEQ", &r.port.1.to_string())
        ),
        "incidents",
        900,
        &format!(
            "incident 900 is not in the ledger: its entry (seq {}) is a hand_over entry",
            r.port.1
        ),
    );
    r.c.sql("DELETE FROM incidents WHERE id = 900");
    r.passes();
    r.tamper(
        &format!("UPDATE incidents SET severity = 'minor' WHERE id = {open}"),
        &format!("UPDATE incidents SET severity = 'serious' WHERE id = {open}"),
        "incidents",
        open,
        "says severity serious, the table minor",
    );
    r.tamper(
        &format!(
            "CREATE TABLE tamper_backup AS SELECT resolved_at, resolution FROM incidents WHERE id = {done};
             UPDATE incidents SET status = 'open', resolved_at = NULL, resolution = NULL WHERE id = {done};"
        ),
        &format!(
            "UPDATE incidents SET status = 'resolved', resolved_at = (SELECT resolved_at FROM tamper_backup),
                 resolution = (SELECT resolution FROM tamper_backup) WHERE id = {done};
             DROP TABLE tamper_backup;"
        ),
        "incidents",
        done,
        &format!("incident {done} says open, but entry seq"),
    );
    r.tamper(
        &format!("UPDATE incidents SET status = 'resolved', resolved_at = at, resolution = 'nothing happened' WHERE id = {open}"),
        &format!("UPDATE incidents SET status = 'open', resolved_at = NULL, resolution = NULL WHERE id = {open}"),
        "incidents",
        open,
        &format!("incident {open} says resolved, but no entry resolves it"),
    );
    r.fails(
        &format!(
            "DELETE FROM incident_travelers WHERE incident_id = {open};
             DELETE FROM incident_crew WHERE incident_id = {open};
             DELETE FROM incidents WHERE id = {open};"
        ),
        "incidents",
        format!("(entry {})", r.open.1),
        "the incident (health_alert, serious) of entry seq",
    );
}

#[test]
fn incident_travelers() {
    let r = Record::new();
    let (t, open) = (&r.t, r.open.0);
    r.tamper(
        &format!(
            "INSERT INTO incident_travelers (incident_id, traveler_id) VALUES ({open}, {})",
            t[0]
        ),
        &format!(
            "DELETE FROM incident_travelers WHERE incident_id = {open} AND traveler_id = {}",
            t[0]
        ),
        "incident_travelers",
        format!("{open}/{}", t[0]),
        "names 1 traveler, the table 2",
    );
    r.tamper(
        &format!(
            "UPDATE incident_travelers SET traveler_id = {} WHERE incident_id = {open}",
            t[1]
        ),
        &format!(
            "UPDATE incident_travelers SET traveler_id = {} WHERE incident_id = {open}",
            t[3]
        ),
        "incident_travelers",
        format!("{open}/{}", t[1]),
        &format!("the entry does not name traveler {}", t[1]),
    );
    r.fails_worded(
        &format!(
            "DELETE FROM incident_travelers WHERE incident_id = {}",
            r.resolved.0
        ),
        "incident_travelers",
        format!("{}/{}", r.resolved.0, t[2]),
        "is missing from the table",
    );
}

/// Trip `a`'s gate decisions are rows 1 and 2 (entries 0 and 1), trip `b`'s rows 3 and 4
/// (entries 3 and 4): every fresh database numbers from 1.
#[test]
fn gate_decisions() {
    let r = Record::new();
    assert_eq!(r.b_seqs, [3, 4, 5]);
    r.tamper(
        "INSERT INTO gate_decisions (id, trip_id, transition, passed, missing, decided_at, ledger_seq) \
         SELECT 900, trip_id, transition, passed, missing, decided_at, 2 FROM gate_decisions WHERE id = 1",
        "DELETE FROM gate_decisions WHERE id = 900",
        "gate_decisions",
        900,
        "gate decision 900 is not in the ledger: its entry (seq 2) is a trip_state entry",
    );
    r.fails_worded(
        "UPDATE gate_decisions SET passed = NOT passed WHERE id = 2",
        "gate_decisions",
        2,
        "says verdict passed, the table refused",
    );
    r.c.sql("UPDATE gate_decisions SET passed = NOT passed WHERE id = 2");
    r.passes();
    r.tamper(
        &format!("UPDATE gate_decisions SET trip_id = {} WHERE id = 2", r.b),
        &format!("UPDATE gate_decisions SET trip_id = {} WHERE id = 2", r.a),
        "gate_decisions",
        2,
        &format!("says subject batch {}, the table batch {}", r.a, r.b),
    );
    r.fails(
        "DELETE FROM gate_decisions WHERE id = 4",
        "gate_decisions",
        "(entry 4)",
        "the decision of gate departed on batch",
    );
}

#[test]
fn checklist_instances() {
    let r = Record::new();
    let (reminder, health) = (r.reminder.0, r.health.0);
    r.tamper(
        &format!(
            "INSERT INTO checklist_instances (id, kind, template_version, subject, crew_id, vehicle_id, trip_id, stop, day, subject_json, answers, passed, failures, completed_at, completed_by, ledger_seq) \
             SELECT 900, kind, template_version, subject, crew_id, vehicle_id, trip_id, stop, day, subject_json, answers, passed, failures, completed_at, completed_by, 999 \
             FROM checklist_instances WHERE id = {reminder}"
        ),
        "DELETE FROM checklist_instances WHERE id = 900",
        "checklist_instances",
        900,
        "check-list 900 is not in the ledger",
    );
    // The failed health check made to pass, its failures cleared.
    r.fails_worded(
        &format!(
            "CREATE TABLE tamper_backup AS SELECT failures FROM checklist_instances WHERE id = {health};
             UPDATE checklist_instances SET passed = NOT passed, failures = '[]' WHERE id = {health};"
        ),
        "checklist_instances",
        health,
        "says failed items body_temperature, the table none",
    );
    r.c.sql(&format!(
        "UPDATE checklist_instances SET passed = NOT passed, failures = (SELECT failures FROM tamper_backup) WHERE id = {health};
         DROP TABLE tamper_backup;"
    ));
    r.passes();
    // The column the gates read, moved to another trip.
    r.tamper(
        &format!(
            "UPDATE checklist_instances SET trip_id = {} WHERE id = {reminder}",
            r.b
        ),
        &format!(
            "UPDATE checklist_instances SET trip_id = {} WHERE id = {reminder}",
            r.a
        ),
        "checklist_instances",
        reminder,
        &format!(
            "says subject batch {}, the table crew none, vehicle none, trip {}",
            r.a, r.b
        ),
    );
    r.fails(
        &format!("DELETE FROM checklist_instances WHERE id = {reminder}"),
        "checklist_instances",
        format!("(entry {})", r.reminder.1),
        "the pre_departure_reminder check-list of batch",
    );
}

#[test]
fn trips_state_changes() {
    let r = Record::new();
    let (a, b) = (r.a, r.b);
    r.tamper(
        &format!(
            "INSERT INTO trips (id, vehicle_id, port_id, started_at, ended_at, state, planned_arrival) \
             SELECT 900, vehicle_id, port_id, started_at, ended_at, 'completed', planned_arrival FROM trips WHERE id = {a}"
        ),
        "DELETE FROM trips WHERE id = 900",
        "trips",
        900,
        "trip 900 says completed, but no entry records a state change of it",
    );
    r.fails_worded(
        &format!("UPDATE trips SET state = 'completed' WHERE id = {a}"),
        "trips",
        a,
        &format!("trip {a} says completed, but its last state entry (seq 2) says departed"),
    );
    r.c.sql(&format!(
        "UPDATE trips SET state = 'departed' WHERE id = {a}"
    ));
    r.passes();
    r.tamper(
        &format!(
            "CREATE TABLE tamper_backup AS SELECT ended_at FROM trips WHERE id = {b};
             UPDATE trips SET ended_at = started_at WHERE id = {b};"
        ),
        &format!(
            "UPDATE trips SET ended_at = (SELECT ended_at FROM tamper_backup) WHERE id = {b};
             DROP TABLE tamper_backup;"
        ),
        "trips",
        b,
        &format!("trip {b}'s arrival is"),
    );
    r.fails(
        &format!(
            "DELETE FROM gate_decisions WHERE trip_id = {b};
             DELETE FROM trip_crew WHERE trip_id = {b};
             DELETE FROM trip_travelers WHERE trip_id = {b};
             DELETE FROM trips WHERE id = {b};"
        ),
        "trips",
        b,
        &format!("trip {b} of state entry seq 5 is not in trips"),
    );
}

#[test]
fn the_ledger_tables_own_columns_and_the_purge_marks() {
    let r = Record::new();
    let t = &r.t;
    let (port, hotel) = (r.port.1, r.hotel.1);
    r.fails_worded(
        &format!("UPDATE ledger_entries SET kind = 'incident' WHERE seq = {port}"),
        "ledger_entries",
        port,
        "says kind \"incident\", but its entry is a hand_over entry",
    );
    r.c.sql(&format!(
        "UPDATE ledger_entries SET kind = 'hand_over' WHERE seq = {port}"
    ));
    r.passes();
    r.tamper(
        &format!(
            "CREATE TABLE tamper_backup AS SELECT at FROM ledger_entries WHERE seq = {hotel};
             UPDATE ledger_entries SET at = (SELECT at FROM ledger_entries WHERE seq = 0) WHERE seq = {hotel};"
        ),
        &format!(
            "UPDATE ledger_entries SET at = (SELECT at FROM tamper_backup) WHERE seq = {hotel};
             DROP TABLE tamper_backup;"
        ),
        "ledger_entries",
        hotel,
        "is dated 2021-07-01T15:00:00.000Z, but its entry 2021-07-01T16:30:00.000Z",
    );
    r.tamper(
        &format!(
            "CREATE TABLE tamper_backup AS SELECT purged_at FROM travelers WHERE id = {0};
             UPDATE travelers SET purged_at = NULL WHERE id = {0};",
            t[0]
        ),
        &format!(
            "UPDATE travelers SET purged_at = (SELECT purged_at FROM tamper_backup) WHERE id = {};
             DROP TABLE tamper_backup;",
            t[0]
        ),
        "travelers",
        t[0],
        &format!(
            "traveler {} is not marked purged, but purge entry seq",
            t[0]
        ),
    );
    r.tamper(
        &format!("UPDATE travelers SET purged_at = (SELECT purged_at FROM travelers WHERE id = {}) WHERE id = {}", t[0], t[4]),
        &format!("UPDATE travelers SET purged_at = NULL WHERE id = {}", t[4]),
        "travelers",
        t[4],
        &format!("traveler {} is marked purged, but no purge entry names them", t[4]),
    );
    // The stored leaf hash and the traveler index are the audit's: named by entry.
    r.c.sql(&format!(
        "CREATE TABLE tamper_backup AS SELECT leaf_hash FROM ledger_entries WHERE seq = {hotel};
         UPDATE ledger_entries SET leaf_hash = (SELECT leaf_hash FROM ledger_entries WHERE seq = 0) WHERE seq = {hotel};"
    ));
    let v = r.verify();
    assert_eq!(
        (v["code"].as_str(), v["first_entry"].as_i64()),
        (Some("ledger_tampered"), Some(hotel)),
        "{v}"
    );
    r.c.sql(&format!(
        "UPDATE ledger_entries SET leaf_hash = (SELECT leaf_hash FROM tamper_backup) WHERE seq = {hotel};
         DROP TABLE tamper_backup;"
    ));
    r.passes();
    r.c.sql(&format!(
        "DELETE FROM ledger_traveler_refs WHERE seq = {hotel}"
    ));
    let v = r.verify();
    assert_eq!(
        (
            v["code"].as_str(),
            v["table"].as_str(),
            v["first_entry"].as_i64()
        ),
        (
            Some("ledger_index_mismatch"),
            Some("ledger_traveler_refs"),
            Some(hotel)
        ),
        "{v}"
    );
}
