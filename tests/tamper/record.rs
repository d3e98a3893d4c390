//! The honest record the tamper tests edit: two trips, their hand-overs, check-lists, gates,
//! incidents and a purge, written through the desk path, and what each test needs of it.

use crate::common::ledger::{Custody, no_gates};
use closedloop_domain::ids::{BatchId, CrewId, TravelerId};
use closedloop_handover::ids::IncidentId;
use closedloop_handover::{ChecklistKind, IncidentKind, Severity, Subject};
use closedloop_store::custody::{self, PartyKey, PartyRole};
use closedloop_store::desk::{
    self, ConfirmHandover, Desk, NewChecklist, NewIncident, StartHandover,
};
use closedloop_store::{DbConnection, ledger};
use serde_json::{Value, json};

/// What the honest record holds: ids, and the ledger entries of the rows the tests delete.
pub struct Record {
    pub c: Custody,
    /// Travelers 0–3 rode trip `a` and are purged; 4 and 5 rode trip `b`.
    pub t: Vec<i64>,
    /// Trip `a` carried the hand-overs; trip `b` only departed.
    pub a: i64,
    pub b: i64,
    /// Port staff → crew of `a` (travelers 0–3), then crew → hotel 8 (travelers 0 and 1).
    pub port: (i64, i64),
    pub hotel: (i64, i64),
    /// The reminder of trip `a` (a trip subject) and a crew health check (a crew subject).
    pub reminder: (i64, i64),
    pub health: (i64, i64),
    /// About traveler 2 and resolved; about traveler 3 and open.
    pub resolved: (i64, i64),
    pub open: (i64, i64),
    /// Trip `b`'s gate decisions and state change.
    pub b_seqs: Vec<i64>,
}

/// A UTC time on 2021-07-01 (the shipped check-lists are in force from June 2021).
pub fn at(_day: u32, h: u32, m: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2021, 7, 1)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

pub fn manifest(today: &str) -> String {
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

pub fn answers(
    desk: &Desk<'_>,
    kind: ChecklistKind,
    day: chrono::NaiveDate,
    v: Value,
) -> closedloop_handover::Answers {
    desk::parse_answers(desk.templates().in_force(kind, day).unwrap(), &v).unwrap()
}

pub fn count(conn: &mut DbConnection) -> i64 {
    ledger::entry_count(conn).unwrap() as i64
}

impl Record {
    pub fn new() -> Record {
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

    pub fn verify(&self) -> Value {
        self.c.run(&["ledger", "verify", "--json"]).json()
    }

    pub fn passes(&self) {
        let v = self.verify();
        assert_eq!(v["verified"], true, "{v}");
    }

    /// [`Record::fails`], then `undo` puts the row back and the record passes again.
    pub fn tamper(&self, sql: &str, undo: &str, table: &str, row: impl ToString, says: &str) {
        self.fails(sql, table, row, says);
        self.c.sql(undo);
        self.passes();
    }

    /// [`Record::fails`], and the same finding in Chinese and in the plain text output.
    pub fn fails_worded(&self, sql: &str, table: &str, row: impl ToString, says: &str) -> Value {
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
    pub fn fails(&self, sql: &str, table: &str, row: impl ToString, says: &str) -> Value {
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
