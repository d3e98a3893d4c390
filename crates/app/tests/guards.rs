//! What an auditor tries, through the use cases on the backend `DATABASE_URL` names: guessing
//! a hand-over's code (it locks after five, every attempt in the ledger and the record's
//! alerts), handing travelers to nobody, reading what a purge left of a traveler, and the one
//! grading of an incident's severity from the incident list to the audit bundle.

use chrono::{DateTime, TimeZone, Utc};
use closedloop_app::config::Config;
use closedloop_app::custody::{self, LoopFilter};
use closedloop_app::handover::{self, CodeShown, ConfirmRequest, StartRequest};
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::ledger::{self, Verified};
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip};
use closedloop_app::{App, AppError, Viewer, parse, purge};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, TravelerId};
use closedloop_domain::traveler::{DocumentType, Sex, SpecialNeeds};
use closedloop_handover::ids::HandoverId;
use closedloop_handover::{IncidentKind, Severity};
use closedloop_store::DatabaseUrl;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::PlannedStop;
use closedloop_store::testing::TestDatabase;
use std::path::Path;

struct Desk {
    app: App,
    dir: tempfile::TempDir,
    db: TestDatabase,
}

fn desk() -> Desk {
    let db = TestDatabase::from_env().expect("test database");
    let dir = tempfile::tempdir().unwrap();
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut config = Config::load(Some(&repo.join("config/closedloop.toml"))).unwrap();
    config.ledger.key_file = dir.path().join("ledger.key");
    config.roads.osm = None;
    // The gates are tests/desk.rs's subject: here a trip departs through none (its state
    // change still an entry, as `ledger verify` checks).
    config.handover.gates =
        closedloop_handover::GateBook::from_toml("version = \"none\"\nutc_offset = \"+08:00\"\n")
            .unwrap();
    let url = match &db.url {
        DatabaseUrl::Postgres(u) => u.clone(),
        DatabaseUrl::Sqlite(p) => p.display().to_string(),
    };
    Desk {
        app: App::new(config, Some(url)),
        dir,
        db,
    }
}

fn at(hm: &str) -> DateTime<Utc> {
    parse::time("at", &format!("2021-07-01 {hm}")).unwrap()
}

/// Three travelers of CA936, with the fields a purge must not leave behind.
const MANIFEST: &str = "Full Name,Passport No.,Nationality,Sex,Date of Birth,Language,Health,Special Needs,Phone,Flight,Port,Arrival\n\
    Wang Wei,APP0001,CHN,male,1950-01-02,zh,close contact,wheelchair,13812345678,CA936,PVG,2021-07-01 08:00\n\
    Li Na,APP0002,ITA,female,1988-03-04,it,symptomatic,pregnant,13912345678,CA936,PVG,2021-07-01 08:00\n\
    Zhang San,APP0003,CHN,male,1990-05-06,zh,normal,,13712345678,CA936,PVG,2021-07-01 08:00\n";

/// The travelers imported, a vehicle, a crew member and a trip of two stops (destinations 12
/// and 15) from PVG: returns the trip, its crew member and the travelers.
fn setup(d: &Desk) -> (BatchId, CrewId, Vec<TravelerId>) {
    let file = d.dir.path().join("ca936.csv");
    std::fs::write(&file, MANIFEST).unwrap();
    let req = ImportRequest {
        file,
        accept_valid: false,
        arrival: None,
        lang: Lang::En,
    };
    let done = import::import(&d.app, &req, &mut |_| {}).unwrap();
    assert!(done.accepted, "{:?}", done.summary);
    let who: Vec<TravelerId> = travelers::list_travelers(&d.app, &ListTravelers::default())
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    let vehicle = trips::add_vehicle(
        &d.app,
        &AddVehicle {
            plate: "沪A12345".into(),
            seats: 20,
        },
    )
    .unwrap();
    let crew = trips::add_crew(
        &d.app,
        &AddCrew {
            staff_no: "S1".into(),
            name: "Wang Wu".into(),
            role: "escort".into(),
        },
    )
    .unwrap();
    let stop = |d: i64, t: &[TravelerId]| PlannedStop {
        destination: Some(DestinationId(d)),
        travelers: t.to_vec(),
    };
    let trip = trips::plan_trip(
        &d.app,
        &PlanTrip {
            vehicle,
            crew: vec![crew],
            stops: vec![stop(12, &who[..2]), stop(15, &who[2..])],
            port: "PVG".into(),
            depart_at: at("02:00"),
            arrive_by: at("04:00"),
        },
    )
    .unwrap();
    (trip, crew, who)
}

/// The trip on its way (through no gate: see [`desk`]).
fn depart(d: &Desk, trip: BatchId) {
    trips::move_trip(&d.app, trip, trips::TripMove::Depart, at("02:00")).unwrap();
}

fn port_staff() -> PartyKey {
    PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    }
}

fn party(role: PartyRole, id: i64) -> PartyKey {
    PartyKey { role, id }
}

fn start(
    d: &Desk,
    trip: BatchId,
    from: PartyKey,
    to: PartyKey,
    who: &[TravelerId],
) -> Result<CodeShown, AppError> {
    handover::start(
        &d.app,
        &StartRequest {
            trip,
            to_trip: None,
            from,
            to,
            travelers: who.to_vec(),
            expected: None,
            signer: "Giver".into(),
            at: at("02:05"),
        },
    )
}

fn confirm(
    d: &Desk,
    h: &CodeShown,
    code: &str,
    counted: usize,
) -> Result<handover::Confirmed, AppError> {
    handover::confirm(
        &d.app,
        &ConfirmRequest {
            handover: HandoverId(h.handover),
            code: code.into(),
            counted: counted as i64,
            signer: "Receiver".into(),
            at: at("02:05"),
            position: None,
        },
    )
}

fn wrong(code: &str) -> String {
    format!(
        "{:06}",
        (code.parse::<u32>().unwrap() + 500_000) % 1_000_000
    )
}

/// The desk's refusal in one language (the error's own text says both in English).
fn said(e: &AppError, lang: Lang) -> String {
    e.desk()
        .map(|d| d.message(lang))
        .unwrap_or_else(|| e.message(lang))
}

fn ledger_entries(d: &Desk) -> u64 {
    match ledger::verify(&d.app, &[]).unwrap() {
        Verified::Empty => 0,
        Verified::Passed { summary, .. } => summary.entries,
        other => panic!("the ledger does not verify: {other:?}"),
    }
}

#[test]
fn five_wrong_codes_lock_a_hand_over_each_in_the_ledger_and_the_record_s_alerts() {
    let d = desk();
    let (trip, crew, who) = setup(&d);
    let to_crew = party(PartyRole::Crew, crew.0);
    let h = start(&d, trip, port_staff(), to_crew, &who).unwrap();
    let before = ledger_entries(&d);
    for n in 1..=4u64 {
        let e = confirm(&d, &h, &wrong(&h.code), who.len()).unwrap_err();
        assert_eq!(e.code(), "handover_refused");
        assert!(
            e.message(Lang::En)
                .contains(&format!("wrong code {n} of 5")),
            "{}",
            e.message(Lang::En)
        );
        assert!(
            e.message(Lang::ZhCn)
                .contains(&format!("确认码已错误 {n} 次"))
        );
        assert_eq!(ledger_entries(&d), before + n, "each attempt is an entry");
    }
    // A typo is a failed attempt too, and the fifth locks it.
    let e = confirm(&d, &h, "12345", who.len()).unwrap_err();
    assert_eq!(e.code(), "handover_locked");
    assert!(
        e.message(Lang::En).contains("now locked"),
        "{}",
        e.message(Lang::En)
    );
    // Locked: the right code confirms nothing, no code is shown, nothing more is written.
    let e = confirm(&d, &h, &h.code, who.len()).unwrap_err();
    assert_eq!(e.code(), "handover_locked");
    assert!(e.message(Lang::ZhCn).contains("已锁定"));
    let e = handover::code(&d.app, HandoverId(h.handover), at("02:05")).unwrap_err();
    assert_eq!(e.code(), "handover_locked");
    assert_eq!(ledger_entries(&d), before + 5);
    assert!(
        custody::loops(&d.app, LoopFilter::All, at("02:10"))
            .unwrap()
            .is_empty()
    );

    // The record counts the alerts from the ledger's entries: the request's own counter is
    // not what it reads.
    d.db.execute("UPDATE handover_requests SET wrong_codes = 0")
        .unwrap();
    let record = custody::record(&d.app, None, Some(at("00:00").date_naive())).unwrap();
    assert_eq!(
        (
            record.totals.alerts.wrong_codes,
            record.totals.alerts.locked_handovers
        ),
        (5, 1)
    );
    assert!(
        record
            .summary
            .en
            .contains("alerts: 5 wrong confirmation codes (1 hand-over locked)"),
        "{}",
        record.summary.en
    );
    assert!(record.summary.zh.contains("确认码错误 5 次"));
    assert_eq!(
        (record.totals.incidents, record.totals.person_trips),
        (0, 0)
    );

    // Started again, the hand-over has a new code, and it confirms.
    let again = start(&d, trip, port_staff(), to_crew, &who).unwrap();
    assert_ne!(again.handover, h.handover);
    let done = confirm(&d, &again, &again.code, who.len()).unwrap();
    assert_eq!(done.travelers.len(), 3);
}

#[test]
fn a_hand_over_to_a_party_or_destination_that_does_not_exist_is_refused_writing_nothing() {
    let d = desk();
    let (trip, crew, who) = setup(&d);
    let e = start(&d, trip, port_staff(), party(PartyRole::Crew, 999), &who).unwrap_err();
    assert_eq!(e.code(), "crew_member_not_found");
    assert_eq!(said(&e, Lang::En), "crew member 999 does not exist");
    assert_eq!(said(&e, Lang::ZhCn), "工作人员 999 不存在");

    let h = start(&d, trip, port_staff(), party(PartyRole::Crew, crew.0), &who).unwrap();
    confirm(&d, &h, &h.code, who.len()).unwrap();
    depart(&d, trip);
    let entries = ledger_entries(&d);
    let from_crew = party(PartyRole::Crew, crew.0);
    for (to, en, zh) in [
        (
            party(PartyRole::HotelStaff, 99),
            format!(
                "trip {trip} has no stop at destination 99: its stops are at destination(s) 12, 15"
            ),
            format!("车次 {trip} 没有前往目的地 99 的站点：其站点的目的地为 12, 15"),
        ),
        (
            party(PartyRole::HospitalStaff, 0),
            "there is no destination 0: destination ids start at 1".to_string(),
            "目的地 0 不存在：目的地编号从 1 开始".to_string(),
        ),
    ] {
        let e = start(&d, trip, from_crew, to, &who[..2]).unwrap_err();
        assert_eq!(e.code(), "destination_not_found");
        assert_eq!((said(&e, Lang::En), said(&e, Lang::ZhCn)), (en, zh));
    }
    assert_eq!(ledger_entries(&d), entries, "nothing written");
    // Their own stop takes them.
    let h = start(
        &d,
        trip,
        from_crew,
        party(PartyRole::HotelStaff, 12),
        &who[..2],
    )
    .unwrap();
    confirm(&d, &h, &h.code, 2).unwrap();
}

#[test]
fn a_purge_leaves_no_traveler_singled_out_and_the_record_unchanged() {
    let d = desk();
    let (trip, crew, who) = setup(&d);
    let h = start(&d, trip, port_staff(), party(PartyRole::Crew, crew.0), &who).unwrap();
    confirm(&d, &h, &wrong(&h.code), who.len()).unwrap_err();
    confirm(&d, &h, &h.code, who.len()).unwrap();
    depart(&d, trip);
    let from_crew = party(PartyRole::Crew, crew.0);
    for (dest, riders) in [(12, &who[..2]), (15, &who[2..])] {
        let h = start(
            &d,
            trip,
            from_crew,
            party(PartyRole::HotelStaff, dest),
            riders,
        )
        .unwrap();
        confirm(&d, &h, &h.code, riders.len()).unwrap();
    }
    incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::SymptomaticEnRoute,
            severity: Severity::Serious,
            trip: Some(trip),
            vehicle: None,
            travelers: vec![who[1]],
            crew: vec![],
            description: "Li Na has a fever".into(),
            at: at("03:00"),
            position: None,
        },
    )
    .unwrap();
    let day = Some(at("00:00").date_naive());
    let totals = |d: &Desk| {
        let t = custody::record(&d.app, None, day).unwrap().totals;
        (t.batches, t.person_trips, t.incidents, t.alerts.wrong_codes)
    };
    let before = totals(&d);
    assert_eq!(before, (1, 3, 1, 1));

    let purged = purge::purge(
        &d.app,
        30,
        Utc.with_ymd_and_hms(2021, 9, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    assert_eq!(purged.travelers, 3);
    assert_eq!(
        totals(&d),
        before,
        "the record counts the same after a purge"
    );
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        Verified::Passed { .. }
    ));

    let left = travelers::list_travelers(
        &d.app,
        &ListTravelers {
            arrival: None,
            viewer: Viewer::SHELL_REVEAL,
        },
    )
    .unwrap();
    assert_eq!(left.len(), 3);
    for t in &left {
        assert_eq!(t.full_name.to_string(), "");
        assert_eq!(t.health, None, "health erased");
        assert_eq!(t.special_needs.value(), Some(&SpecialNeeds::default()));
        assert_eq!((t.sex, t.nationality.as_str()), (Sex::Unknown, "XXX"));
        assert_eq!(t.document_type, DocumentType::Other);
        assert_eq!((t.language.as_deref(), t.phone.is_none()), (None, true));
        assert_eq!(t.birth_date.value(), Some(&None));
    }
    // Apart from their ids, what is left of the travelers of one arrival reads alike: nobody
    // stands out (where the plan sent them is the custody record's, which keeps it anyway).
    let mut rows: Vec<serde_json::Value> = left
        .iter()
        .map(|t| {
            let mut v = serde_json::to_value(t).unwrap();
            let o = v.as_object_mut().unwrap();
            for k in ["id", "document_number", "source_row"] {
                o.remove(k);
            }
            v
        })
        .collect();
    rows.dedup();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let stats = travelers::stats(&d.app).unwrap();
    assert_eq!(stats.by_health.get("erased"), Some(&3));
}

#[test]
fn severity_reads_the_same_in_the_incident_list_the_ledger_and_the_bundle() {
    let d = desk();
    let (trip, _, who) = setup(&d);
    incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::VehicleBreakdown,
            severity: Severity::Serious,
            trip: Some(trip),
            vehicle: None,
            travelers: vec![who[0]],
            crew: vec![],
            description: "flat tyre".into(),
            at: at("03:00"),
            position: None,
        },
    )
    .unwrap();
    let listed = incidents::list(&d.app, false, Viewer::ANONYMOUS).unwrap();
    assert_eq!(listed[0].severity, Severity::Serious);
    assert_eq!(
        serde_json::to_value(&listed[0]).unwrap()["severity"],
        "serious"
    );
    let bundle = d.dir.path().join("bundle.json");
    ledger::proof(&d.app, who[0], &bundle).unwrap();
    let checked = ledger::check_bundle(&bundle, None)
        .unwrap()
        .expect("the bundle checks");
    let incident = checked
        .entries
        .iter()
        .find(|e| e.kind == "incident")
        .expect("the incident's entry");
    let closedloop_ledger::Body::Incident(i) = &incident.body else {
        panic!("{:?}", incident.body)
    };
    assert_eq!(i.severity, Severity::Serious, "one grading, one type");
    for lang in [Lang::En, Lang::ZhCn] {
        assert!(
            incident
                .body
                .describe(lang)
                .contains(Severity::Serious.label(lang)),
            "{}",
            incident.body.describe(lang)
        );
    }
    assert!(incident.body.describe(Lang::ZhCn).contains("较大"));
}

#[test]
fn a_purge_reaching_before_any_date_is_refused_not_a_panic() {
    let d = desk();
    setup(&d);
    let before = ledger_entries(&d);
    let e = purge::purge(&d.app, u32::MAX, at("12:00")).unwrap_err();
    assert_eq!(e.code(), "purge_days_out_of_range");
    assert_eq!(e.field(), Some("older_than_days"));
    assert_eq!(ledger_entries(&d), before, "nothing was purged");
}
