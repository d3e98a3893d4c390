//! Support for custody and ledger tests: a configuration whose key file lives in the test's
//! directory, the keys read back from it, travelers imported through the CLI, and trips and
//! hand-overs written through the store API (there is no desk command for them yet).

use super::{Env, Run};
use closedloop_ledger::{HeadSigner, Pepper};
use closedloop_store::Store;
use closedloop_store::custody::{self, LedgerKeys, NewHandover, NewTrip, PartyKey, PartyRole};
use closedloop_store::ledger;
use std::collections::HashMap;
use std::path::PathBuf;

pub const ORIGIN: &str = "closedloop.test/ledger";

pub struct Custody {
    pub env: Env,
    pub config: PathBuf,
}

impl Custody {
    /// A fresh database, a configuration with `data_dir` and the key file in the test's
    /// directory, and `ledger init` run.
    pub fn new() -> Custody {
        let env = Env::new();
        let config = env.write(
            "closedloop.toml",
            format!("data_dir = \".\"\n[ledger]\norigin = \"{ORIGIN}\"\n"),
        );
        let c = Custody { env, config };
        c.ok(&["ledger", "init"]);
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.env.run_with_config(&self.config, args)
    }

    pub fn ok(&self, args: &[&str]) -> Run {
        self.env.ok_with_config(&self.config, args)
    }

    /// The signing key and pepper, parsed from the key file as the binary writes it.
    pub fn keys(&self) -> (HeadSigner, Pepper) {
        let text = std::fs::read_to_string(self.env.path("ledger.key")).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
        (
            HeadSigner::from_config(ORIGIN, lines[0]).unwrap(),
            Pepper::from_config(lines[1]).unwrap(),
        )
    }

    pub fn store(&self) -> Store {
        Store::open(&self.env.db.url).unwrap()
    }

    /// Imports `csv` through the CLI; returns traveler ids by document number.
    pub fn import(&self, csv: &str) -> HashMap<String, i64> {
        let file = self.env.write("manifest.csv", csv);
        let r = self.run(&["import", file.to_str().unwrap(), "--json"]);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        self.store()
            .travelers(None)
            .unwrap()
            .into_iter()
            .map(|t| (t.document_number, t.id))
            .collect()
    }

    pub fn sql(&self, sql: &str) {
        self.env.db.execute(sql).unwrap();
    }

    /// Records `handovers` in one append batch, as a desk would.
    pub fn record(&self, store: &Store, handovers: &[NewHandover]) {
        let (signer, pepper) = self.keys();
        let mut conn = store.conn().unwrap();
        let mut appender = ledger::load_appender(&mut conn).unwrap();
        custody::record_handovers(
            &mut conn,
            &mut appender,
            handovers,
            LedgerKeys {
                signer: &signer,
                pepper: &pepper,
            },
            closedloop_ledger::UtcMillis::now(),
        )
        .unwrap();
    }
}

/// A UTC time on 2021-03-05 plus `day` days.
pub fn at(day: u32, h: u32, m: u32) -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(2021, 3, 5 + day)
        .unwrap()
        .and_hms_opt(h, m, 0)
        .unwrap()
}

pub fn party(role: PartyRole, id: i64) -> PartyKey {
    PartyKey { role, id }
}

/// A hand-over of `travelers` on `trip` at `when`, head-count as listed.
pub fn handover(
    trip: i64,
    giver: PartyKey,
    receiver: PartyKey,
    when: chrono::NaiveDateTime,
    travelers: &[i64],
) -> NewHandover {
    NewHandover {
        trip_id: Some(trip),
        giver,
        receiver,
        at: when,
        position: Some((31.1443, 121.8083)),
        expected: travelers.len() as i64,
        counted: travelers.len() as i64,
        travelers: travelers.to_vec(),
    }
}

/// A trip of `vehicle` with its crew and travelers.
pub fn trip(
    store: &Store,
    vehicle: i64,
    crew: &[i64],
    travelers: &[i64],
    start: chrono::NaiveDateTime,
    end: chrono::NaiveDateTime,
) -> i64 {
    let port = store.ports().unwrap()[0].id;
    custody::add_trip(
        &mut store.conn().unwrap(),
        &NewTrip {
            vehicle_id: vehicle,
            port_id: port,
            started_at: start,
            ended_at: end,
            crew: crew.to_vec(),
            travelers: travelers.to_vec(),
        },
    )
    .unwrap()
}
