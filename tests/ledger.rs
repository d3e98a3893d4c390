//! The custody ledger as an auditor meets it: `ledger verify` on an honest log and after edits
//! made directly in the database, audit bundles checked offline and after edits, checkpoints.
//! On SQLite, or PostgreSQL when DATABASE_URL names one.

mod common;

use closedloop_store::custody::{self, PartyRole};
use common::ledger::{Custody, at, handover, party};
use std::collections::HashMap;

/// Eight travelers on one flight.
fn manifest() -> String {
    let mut s = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 1..=8 {
        s.push_str(&format!(
            "Traveler {i},L{i:07},CHN,CA936,PVG,2021-03-05 14:30\n"
        ));
    }
    s
}

/// Two trips departed (two gate decisions and the state change each, one signed head a trip:
/// entries 0–5), then 12 hand-overs of two travelers each through the desk path, one ledger
/// entry and signed head each: port desk → the first crew at the start of one trip (entries
/// 6–9), that crew → the relief crew of a second vehicle on the road (10–13), the relief crew
/// → hotel desk at the end (14–17).
fn honest_log() -> (Custody, HashMap<String, i64>) {
    let c = Custody::new();
    let ids = c.import(&manifest());
    let store = c.store();
    let mut conn = store.conn().unwrap();
    let v = custody::add_vehicle(&mut conn, "沪A00001", 20).unwrap();
    let relief_vehicle = custody::add_vehicle(&mut conn, "沪A00003", 20).unwrap();
    let crew = custody::add_crew(&mut conn, "S0001", "Escort One", "escort").unwrap();
    let relief_crew = custody::add_crew(&mut conn, "S0003", "Escort Three", "escort").unwrap();
    drop(conn);
    let t: Vec<i64> = (1..=8).map(|i| ids[&format!("L{i:07}")]).collect();
    let trip = c.trip(&store, v, &[crew], &t, at(0, 15, 0), at(0, 17, 0));
    let relief = c.trip(
        &store,
        relief_vehicle,
        &[relief_crew],
        &t,
        at(0, 15, 30),
        at(0, 17, 0),
    );
    let escort = party(PartyRole::Crew, crew);
    let relief_escort = party(PartyRole::Crew, relief_crew);
    let pairs: Vec<&[i64]> = t.chunks(2).collect();
    let mut all = Vec::new();
    for (round, when) in [(0, at(0, 15, 0)), (1, at(0, 16, 0)), (2, at(0, 17, 0))] {
        for p in &pairs {
            all.push(match round {
                0 => handover(trip, party(PartyRole::PortStaff, 7), escort, when, p),
                1 => handover(trip, escort, relief_escort, when, p).relief(relief),
                _ => handover(
                    relief,
                    relief_escort,
                    party(PartyRole::HotelStaff, 8),
                    when,
                    p,
                ),
            });
        }
    }
    c.record(&store, &all);
    let r = c.ok(&["ledger", "verify"]);
    assert!(
        r.stdout
            .contains("ledger verified: 18 entries, 14 signed heads checked"),
        "{}",
        r.stdout
    );
    (c, ids)
}

fn fails_naming(c: &Custody, entry: u64, says: &str) {
    let r = c.run(&["ledger", "verify"]);
    assert_eq!(
        r.code, 1,
        "verify passed after tampering:\n{}{}",
        r.stdout, r.stderr
    );
    assert!(
        r.stdout.contains("ledger verification FAILED")
            && r.stdout.contains(says)
            && r.stdout
                .contains(&format!("first entry concerned: {entry}\n")),
        "expected {says:?} and entry {entry}:\n{}",
        r.stdout
    );
}

#[test]
fn one_changed_byte_in_an_entry_is_named() {
    let (c, _) = honest_log();
    c.sql(
        "UPDATE ledger_entries SET canonical = REPLACE(canonical, '\"head_count\":2', '\"head_count\":3') WHERE seq = 11",
    );
    fails_naming(&c, 11, "entry 11 was altered");
}

#[test]
fn a_deleted_entry_is_named() {
    let (c, _) = honest_log();
    c.sql("DELETE FROM ledger_entries WHERE seq = 12");
    fails_naming(&c, 12, "entries 12 to 12 are missing");
}

#[test]
fn two_swapped_entries_are_named() {
    let (c, _) = honest_log();
    // Exchange the stored text and leaf hash of entries 9 and 10 (9 + 10 = 19).
    c.sql(
        "CREATE TEMP TABLE swap AS SELECT seq, canonical, leaf_hash FROM ledger_entries WHERE seq IN (9, 10);
         UPDATE ledger_entries
            SET canonical = (SELECT s.canonical FROM swap s WHERE s.seq = 19 - ledger_entries.seq),
                leaf_hash = (SELECT s.leaf_hash FROM swap s WHERE s.seq = 19 - ledger_entries.seq)
          WHERE seq IN (9, 10);",
    );
    fails_naming(&c, 9, "entries 9 and 10 were swapped");
}

#[test]
fn a_removed_traveler_index_row_is_found() {
    let (c, ids) = honest_log();
    let (_, pepper) = c.keys();
    let r = closedloop_ledger::TravelerRef::from_key(&pepper, ids["L0000003"]);
    c.sql(&format!(
        "DELETE FROM ledger_traveler_refs WHERE traveler_ref = '{}' AND seq = 11",
        r.to_hex()
    ));
    fails_naming(&c, 11, "traveler index disagrees with entry 11");
}

#[test]
fn audit_bundles_verify_offline_and_fail_when_edited() {
    let (c, ids) = honest_log();
    let traveler = ids["L0000003"].to_string();
    let bundle = c.env.path("bundle.json");
    c.ok(&[
        "ledger",
        "proof",
        "--traveler",
        &traveler,
        "--out",
        bundle.to_str().unwrap(),
    ]);

    // Offline: no database flag, no configuration, another directory.
    let check = |file: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_closedloop"))
            .args([
                "--lang",
                "en",
                "--database-url",
                "postgres://nowhere.invalid/none",
            ])
            .args(["ledger", "check"])
            .arg(file)
            .env_remove("DATABASE_URL")
            .current_dir(std::env::temp_dir())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = check(&bundle);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("audit bundle verified"), "{out}");
    assert!(out.contains("hand-overs: 3; custody breaks: none"), "{out}");
    assert!(
        out.contains("complete: yes, every entry naming the traveler up to the checkpoint"),
        "{out}"
    );
    for line in [
        "port_staff 7 → transfer_crew ",
        " → transfer_crew ",
        " → hotel_staff 8",
    ] {
        assert!(out.contains(line), "{line:?} missing:\n{out}");
    }

    let text = std::fs::read_to_string(&bundle).unwrap();
    let edits = [
        (
            text.replacen(r#"\"head_count\":2"#, r#"\"head_count\":1"#, 1),
            "is not in the signed log",
        ),
        (
            text.replacen(
                r#"\"role\":\"hotel_staff\""#,
                r#"\"role\":\"port_staff\""#,
                1,
            ),
            "is not in the signed log",
        ),
        (text.replacen("\\n18\\n", "\\n17\\n", 1), "checkpoint"),
    ];
    for (i, (edited, reason)) in edits.iter().enumerate() {
        assert_ne!(edited, &text, "edit {i} changed nothing");
        let file = c.env.write(&format!("edited-{i}.json"), edited);
        let (code, out) = check(&file);
        assert_eq!(code, 1, "edit {i} passed:\n{out}");
        assert!(
            out.contains("audit bundle check FAILED") && out.contains(reason),
            "edit {i}: {out}"
        );
    }

    // The relief hand-over cut out of the bundle: named, and by the entry that links to it.
    let mut cut = closedloop_ledger::Bundle::from_json(&text).unwrap();
    let relief = cut
        .entries
        .iter()
        .position(|e| e.entry.contains("\"to_batch\""))
        .expect("the relief hand-over names the receiving batch");
    let removed = cut.entries.remove(relief);
    let next = cut.entries[relief].index;
    let file = c.env.write("cut.json", cut.to_json());
    let (code, out) = check(&file);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(&format!(
            "entry {} (hand_over) is missing: entry {next} links to it",
            removed.index
        )),
        "{out}"
    );
}

#[test]
fn checkpoints_kept_elsewhere_are_checked_by_verify() {
    let (c, _) = honest_log();
    let cp = c.env.path("checkpoint.txt");
    c.ok(&["ledger", "checkpoint", "--out", cp.to_str().unwrap()]);
    let text = std::fs::read_to_string(&cp).unwrap();
    assert!(text.starts_with("closedloop.test/ledger\n18\n"), "{text}");
    let r = c.ok(&["ledger", "verify", "--checkpoint", cp.to_str().unwrap()]);
    assert!(r.stdout.contains("15 signed heads checked"), "{}", r.stdout);

    // Rewriting the tail together with the stored heads is beyond the server's rows: the
    // checkpoint held elsewhere still names the truncation.
    c.sql(
        "DELETE FROM ledger_entries WHERE seq >= 14; DELETE FROM ledger_heads WHERE tree_size > 14",
    );
    let r = c.run(&["ledger", "verify", "--checkpoint", cp.to_str().unwrap()]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("entries 14 to 17 were removed from the end"),
        "{}",
        r.stdout
    );
}
