//! Support for custody and ledger tests: a configuration whose key file lives in the test's
//! directory, the keys read back from it, travelers imported through the CLI, and trips and
//! hand-overs written through the store's desk path: trips planned (`desk::plan_trip`), and
//! every hand-over started by the giver and confirmed by the receiver with the one-time code
//! and the head-count, so the custody rules and the loops apply as at a desk.

use super::{Env, Run};
use closedloop_domain::ids::{BatchId, CrewId, PortId, TravelerId, VehicleId};
use closedloop_handover::{GateBook, TemplateBook};
use closedloop_ledger::{HeadSigner, Pepper};
use closedloop_store::Store;
use closedloop_store::custody::{LedgerKeys, PartyKey, PartyRole};
use closedloop_store::desk::{
    self, ConfirmHandover, Desk, PlannedStop, PlannedTrip, StartHandover,
};
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
            .map(|t| (t.document_number, t.id.0))
            .collect()
    }

    pub fn sql(&self, sql: &str) {
        self.env.db.execute(sql).unwrap();
    }

    /// Runs `f` with a desk of this test's keys, the built-in check-lists and `gates`.
    pub fn with_desk<T>(
        &self,
        store: &Store,
        gates: &GateBook,
        f: impl FnOnce(&mut closedloop_store::DbConnection, &mut Desk<'_>) -> T,
    ) -> T {
        let (signer, pepper) = self.keys();
        let templates = TemplateBook::builtin();
        let mut conn = store.conn().unwrap();
        let keys = LedgerKeys {
            signer: &signer,
            pepper: &pepper,
        };
        let mut desk = Desk::open(&mut conn, keys, &templates, gates).unwrap();
        f(&mut conn, &mut desk)
    }

    /// A trip of `vehicle` with its crew and travelers (one stop whose place the plan does
    /// not name), planned through the desk path and departed at `start` through a desk whose
    /// configuration has no gates (its two gate decisions pass, and its TripState entry is
    /// written): its crew may hand travelers over from `start`. The departure gates are the
    /// desk tests' subject (tests/desk.rs), not these tests'.
    pub fn trip(
        &self,
        store: &Store,
        vehicle: i64,
        crew: &[i64],
        travelers: &[i64],
        start: chrono::NaiveDateTime,
        end: chrono::NaiveDateTime,
    ) -> i64 {
        let port = store.ports().unwrap()[0].id;
        let id = desk::plan_trip(
            &mut store.conn().unwrap(),
            &PlannedTrip {
                vehicle_id: VehicleId(vehicle),
                port_id: PortId(port),
                crew: crew.iter().map(|&c| CrewId(c)).collect(),
                stops: vec![PlannedStop {
                    destination: None,
                    travelers: travelers.iter().map(|&t| TravelerId(t)).collect(),
                }],
                depart_at: start.and_utc(),
                arrive_by: end.and_utc(),
            },
        )
        .unwrap()
        .0;
        self.with_desk(store, &no_gates(), |conn, desk| {
            desk.depart(conn, BatchId(id), start.and_utc())
        })
        .unwrap();
        id
    }

    /// Records `handovers` in order through the desk path: each started by its giver, then
    /// confirmed by its receiver with the code the giver's phone shows and the head-count as
    /// listed (one ledger entry and signed head each).
    pub fn record(&self, store: &Store, handovers: &[Handover]) {
        let (signer, pepper) = self.keys();
        let (templates, gates) = (TemplateBook::builtin(), GateBook::builtin());
        let mut conn = store.conn().unwrap();
        let keys = LedgerKeys {
            signer: &signer,
            pepper: &pepper,
        };
        let mut desk = Desk::open(&mut conn, keys, &templates, &gates).unwrap();
        for h in handovers {
            let at = h.at.and_utc();
            let started = desk::start_handover(
                &mut conn,
                &StartHandover {
                    trip_id: BatchId(h.trip),
                    to_trip_id: h.to_trip.map(BatchId),
                    giver: h.giver,
                    receiver: h.receiver,
                    giver_signer: "Giver Name".into(),
                    travelers: h.travelers.iter().map(|&t| TravelerId(t)).collect(),
                    expected: None,
                    at,
                },
            )
            .unwrap_or_else(|e| panic!("start {h:?}: {e}"));
            desk.confirm_handover(
                &mut conn,
                &ConfirmHandover {
                    id: started.id,
                    code: started.code.to_string(),
                    counted: h.travelers.len() as i64,
                    receiver_signer: "Receiver Name".into(),
                    at,
                    position: Some((31.1443, 121.8083)),
                },
            )
            .unwrap_or_else(|e| panic!("confirm {h:?}: {e}"));
        }
    }
}

/// A configuration without gates: every transition passes.
pub fn no_gates() -> GateBook {
    GateBook::from_toml("version = \"none\"\nutc_offset = \"+08:00\"\n").unwrap()
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

/// One hand-over for [`Custody::record`].
#[derive(Debug, Clone)]
pub struct Handover {
    /// The crew side's trip: the receiving crew's from port staff, else the giving crew's.
    pub trip: i64,
    /// From one crew to another: the receiving crew's trip.
    pub to_trip: Option<i64>,
    pub giver: PartyKey,
    pub receiver: PartyKey,
    pub at: chrono::NaiveDateTime,
    pub travelers: Vec<i64>,
}

impl Handover {
    /// From one crew to another: the receiving crew rides `trip`.
    pub fn relief(mut self, trip: i64) -> Handover {
        self.to_trip = Some(trip);
        self
    }
}

/// A hand-over of `travelers` on `trip` at `when`, head-count as listed.
pub fn handover(
    trip: i64,
    giver: PartyKey,
    receiver: PartyKey,
    when: chrono::NaiveDateTime,
    travelers: &[i64],
) -> Handover {
    Handover {
        trip,
        to_trip: None,
        giver,
        receiver,
        at: when,
        travelers: travelers.to_vec(),
    }
}
