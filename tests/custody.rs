//! Custody data beyond the ledger's own checks: the purge of personal data at the end of
//! retention (nothing left in the SQLite files, the ledger still verifying) and contact
//! tracing over a hand-built record. On SQLite, or PostgreSQL when DATABASE_URL names one.

mod common;

use closedloop_store::custody::{self, PartyRole};
use common::ledger::{Custody, at, handover, party};
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Three travelers who arrived in 2021 and two who arrive today: names, documents and phones
/// distinctive enough to search the database files for.
fn manifest(today: &str) -> String {
    let mut s = String::from(
        "Full Name,Passport No.,Nationality,Phone,Date of Birth,Flight,Port,Arrival,Destination Type,Address,Notes\n",
    );
    for i in 1..=3 {
        s.push_str(&format!(
            "Oldname Qzx{i},OLDDOC{i:04},CHN,1391234{i:04},1980-01-0{i},CA936,PVG,2021-03-05 14:30,home,Oldstreet {i} Lane,oldnote{i}\n"
        ));
    }
    for i in 1..=2 {
        s.push_str(&format!(
            "Newname Kpw{i},NEWDOC{i:04},CHN,1375678{i:04},1990-02-0{i},MU5101,PVG,{today} 08:00,hotel,,\n"
        ));
    }
    s
}

/// Every file of the SQLite database, as bytes.
fn database_bytes(c: &Custody) -> Vec<u8> {
    let db = c.env.db.url_string();
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        if let Ok(b) = std::fs::read(format!("{db}{suffix}")) {
            all.extend(b);
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn purge_erases_personal_data_from_the_files_and_the_ledger_still_verifies() {
    let c = Custody::new();
    let today = chrono::Utc::now().date_naive().to_string();
    let ids = c.import(&manifest(&today));
    let store = c.store();
    let mut conn = store.conn().unwrap();
    let v = custody::add_vehicle(&mut conn, "沪A00002", 20).unwrap();
    let crew = custody::add_crew(&mut conn, "S0002", "Escort Two", "escort").unwrap();
    drop(conn);
    let old: Vec<i64> = (1..=3).map(|i| ids[&format!("OLDDOC{i:04}")]).collect();
    let t = c.trip(&store, v, &[crew], &old, at(0, 15, 0), at(0, 16, 0));
    c.record(
        &store,
        &[
            handover(
                t,
                party(PartyRole::PortStaff, 1),
                party(PartyRole::Crew, crew),
                at(0, 15, 0),
                &old,
            ),
            handover(
                t,
                party(PartyRole::Crew, crew),
                party(PartyRole::CommunityStaff, 2),
                at(0, 16, 0),
                &old,
            ),
        ],
    );
    drop(store);
    // Free text about them: an incident and its resolution, a hand-over check-list's remarks.
    let r = c.ok(&[
        "incident",
        "open",
        "--kind",
        "escape_or_refusal",
        "--severity",
        "minor",
        "--travelers",
        &old[0].to_string(),
        "--description",
        "Oldname Qzx1 refused to board at first",
        "--at",
        "2021-03-05 15:10",
        "--json",
    ]);
    let incident = r.json()["id"].as_i64().unwrap().to_string();
    c.ok(&[
        "incident",
        "resolve",
        "--incident",
        &incident,
        "--note",
        "talked through with OLDDOC0002's family",
        "--at",
        "2021-03-05 15:20",
    ]);
    let answers = c.env.write(
        "personnel.json",
        json!({"head_count": 3, "identities_verified": true, "temperatures_taken": true,
               "luggage_handed_over": true, "receiver_name": "Community Desk",
               "receiver_signature": "photos/sig-9.jpg",
               "remarks": "Oldremark Zqv left a bag behind"})
        .to_string(),
    );
    c.ok(&[
        "checklist",
        "complete",
        "--kind",
        "personnel_handover",
        "--trip",
        &t.to_string(),
        "--answers",
        answers.to_str().unwrap(),
        "--at",
        // Filed late, once the check-list's first version was in force.
        "2021-06-02 09:00",
    ]);

    let secrets: Vec<String> = (1..=3)
        .flat_map(|i| {
            [
                format!("Oldname Qzx{i}"),
                format!("OLDDOC{i:04}"),
                format!("1391234{i:04}"),
                format!("Oldstreet {i} Lane"),
                format!("oldnote{i}"),
            ]
        })
        .chain(["Oldremark Zqv".to_string()])
        .collect();
    let kept = ["Newname Kpw1", "NEWDOC0001", "13756780001"];
    if !c.env.db.is_postgres() {
        let before = database_bytes(&c);
        for s in secrets.iter().map(String::as_str).chain(kept) {
            assert!(
                contains(&before, s),
                "{s:?} not in the database before the purge"
            );
        }
    }

    let r = c.ok(&["purge", "--older-than", "30"]);
    assert!(r.stdout.contains("travelers purged: 3 "), "{}", r.stdout);

    if !c.env.db.is_postgres() {
        let after = database_bytes(&c);
        for s in &secrets {
            assert!(!contains(&after, s), "{s:?} is still in the database files");
        }
        for s in kept {
            assert!(contains(&after, s), "{s:?} (not due) was erased");
        }
    }
    let listed = c
        .ok(&["travelers", "list", "--format", "json", "--reveal"])
        .json();
    let rows = listed.as_array().unwrap();
    let mut purged = 0;
    for t in rows {
        let doc = t["document_number"].as_str().unwrap();
        if doc.starts_with("purged:") {
            purged += 1;
            assert_eq!(
                (
                    &t["full_name"],
                    &t["phone"],
                    &t["birth_date"],
                    &t["destination_address"],
                    &t["notes"]
                ),
                (
                    &json!(""),
                    &Value::Null,
                    &Value::Null,
                    &Value::Null,
                    &Value::Null
                ),
                "{t}"
            );
        } else {
            assert!(doc.starts_with("NEWDOC"), "{t}");
        }
    }
    assert_eq!(purged, 3);

    // The free text is gone on either backend; the verdicts and numbers stay.
    let incidents = c.ok(&["incident", "list", "--json", "--reveal"]).json();
    let erased = closedloop_store::purge::ERASED;
    assert_eq!(incidents[0]["description"], erased, "{incidents}");
    assert_eq!(incidents[0]["resolution"], erased, "{incidents}");

    // The ledger is whole: the trip's departure (two gate decisions and its state change), two
    // hand-overs, the incident and its resolution, the check-list and the purge entry, all
    // verifying, and every custody row with them.
    let r = c.ok(&["ledger", "verify"]);
    assert!(
        r.stdout.contains("ledger verified: 9 entries"),
        "{}",
        r.stdout
    );
    let bundle = c.env.path("purged.json");
    c.ok(&[
        "ledger",
        "proof",
        "--traveler",
        &old[0].to_string(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    let r = c.ok(&["ledger", "check", bundle.to_str().unwrap()]);
    assert!(
        r.stdout.contains("hand_over") && r.stdout.contains("RetentionEnded: 3 traveler(s)"),
        "{}",
        r.stdout
    );

    // A second purge finds nothing more.
    let r = c.ok(&["purge", "--older-than", "30"]);
    assert!(r.stdout.contains("travelers purged: 0 "), "{}", r.stdout);
}

#[test]
fn trace_lists_exactly_the_exposed_including_an_undisinfected_vehicle() {
    let c = Custody::new();
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for n in ["A", "B", "D", "E", "F"] {
        csv.push_str(&format!(
            "Person {n},TR000{n},CHN,CA936,PVG,2021-03-05 08:00\n"
        ));
    }
    let ids = c.import(&csv);
    let id = |n: &str| ids[&format!("TR000{n}")];
    let store = c.store();
    let mut conn = store.conn().unwrap();
    let v1 = custody::add_vehicle(&mut conn, "沪A10001", 20).unwrap();
    let v2 = custody::add_vehicle(&mut conn, "沪A10002", 20).unwrap();
    let crew: Vec<i64> = (1..=4)
        .map(|i| {
            custody::add_crew(&mut conn, &format!("C{i}"), &format!("Crew {i}"), "escort").unwrap()
        })
        .collect();
    let (c1, c2, c3, c4) = (crew[0], crew[1], crew[2], crew[3]);
    // T1 carries the index case A with B; T2 is the same vehicle before any disinfection; T3
    // comes after one; T4 is another vehicle the next day with T1's crew member c1.
    let t1 = c.trip(
        &store,
        v1,
        &[c1],
        &[id("A"), id("B")],
        at(0, 10, 0),
        at(0, 11, 0),
    );
    let t2 = c.trip(&store, v1, &[c2], &[id("D")], at(0, 12, 0), at(0, 13, 0));
    custody::add_disinfection(&mut conn, v1, at(0, 13, 30)).unwrap();
    let _t3 = c.trip(&store, v1, &[c4], &[id("E")], at(0, 15, 0), at(0, 16, 0));
    let t4 = c.trip(
        &store,
        v2,
        &[c1, c3],
        &[id("F")],
        at(1, 10, 0),
        at(1, 11, 0),
    );
    drop(conn);
    c.record(
        &store,
        &[
            handover(
                t1,
                party(PartyRole::PortStaff, 7),
                party(PartyRole::Crew, c1),
                at(0, 10, 0),
                &[id("A"), id("B")],
            ),
            handover(
                t1,
                party(PartyRole::Crew, c1),
                party(PartyRole::HotelStaff, 8),
                at(0, 11, 0),
                &[id("A")],
            ),
            // Not the index case's hand-overs: port desk 6 and hotel desk 9 are not exposed.
            handover(
                t2,
                party(PartyRole::PortStaff, 6),
                party(PartyRole::Crew, c2),
                at(0, 12, 0),
                &[id("D")],
            ),
            handover(
                t2,
                party(PartyRole::Crew, c2),
                party(PartyRole::HotelStaff, 9),
                at(0, 13, 0),
                &[id("D")],
            ),
        ],
    );

    let r = c.ok(&["trace", "--traveler", &id("A").to_string(), "--json"]);
    let report = r.json();
    let ts = |t: chrono::NaiveDateTime| t.and_utc().timestamp();
    let got: BTreeSet<String> = report["exposures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{} {} {} {}", e["who"], e["reason"], e["at"], e["via_trip"]))
        .collect();
    let staff = |role: &str, n: i64| json!({"party": {"role": role, "id": n, "name_ref": ""}});
    let expected: BTreeSet<String> = [
        (
            json!({"traveler": id("B")}),
            json!({"kind": "same_trip"}),
            ts(at(0, 10, 0)),
            t1,
        ),
        (
            json!({"crew": c1}),
            json!({"kind": "trip_crew"}),
            ts(at(0, 10, 0)),
            t1,
        ),
        (
            staff("port_staff", 7),
            json!({"kind": "hand_over"}),
            ts(at(0, 10, 0)),
            t1,
        ),
        (
            staff("hotel_staff", 8),
            json!({"kind": "hand_over"}),
            ts(at(0, 11, 0)),
            t1,
        ),
        (
            json!({"traveler": id("D")}),
            json!({"kind": "vehicle_not_disinfected", "vehicle": v1}),
            ts(at(0, 12, 0)),
            t2,
        ),
        (
            json!({"crew": c2}),
            json!({"kind": "vehicle_not_disinfected", "vehicle": v1}),
            ts(at(0, 12, 0)),
            t2,
        ),
        (
            json!({"traveler": id("F")}),
            json!({"kind": "shared_crew", "crew": c1}),
            ts(at(1, 10, 0)),
            t4,
        ),
        (
            json!({"crew": c3}),
            json!({"kind": "shared_crew", "crew": c1}),
            ts(at(1, 10, 0)),
            t4,
        ),
    ]
    .into_iter()
    .map(|(who, reason, at, trip)| format!("{who} {reason} {at} {trip}"))
    .collect();
    assert_eq!(got, expected, "\n{}", r.stdout);

    let r = c.ok(&["trace", "--traveler", &id("A").to_string()]);
    assert!(r.stdout.contains("exposed to traveler"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains(&format!("vehicle {v1} not disinfected since")),
        "{}",
        r.stdout
    );
}
