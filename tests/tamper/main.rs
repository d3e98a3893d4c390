//! Tampering with the custody tables behind the program's back: for each table that `record`,
//! `loops`, `trace` and the audit bundles read, a row inserted, a row changed and a row deleted
//! with plain SQL — the log itself untouched — and `ledger verify` fails naming the table and
//! the row (`--json`: `code`, `table`, `row`), in English and in Chinese; the honest record
//! passes. On SQLite, or PostgreSQL when DATABASE_URL names one.

#[path = "../common/mod.rs"]
mod common;
mod record;

use record::Record;

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
