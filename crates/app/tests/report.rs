//! The daily report (日通报) on a small played scenario, on the backend `DATABASE_URL` names:
//! seven travelers, two quarantine hotels, three trips through their gates and hand-overs —
//! one crossing local midnight, one the second transfer of "14+7" from a hotel — an incident
//! resolved and a staff infection left open. Each day's counts, per port and per hotel; the
//! workbook in both languages with no cell a spreadsheet would run; and the report refused
//! when a row is edited behind the program's back.

mod common;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use closedloop_app::checklist::SubjectIds;
use closedloop_app::custody;
use closedloop_app::import::{self, ImportRequest};
use closedloop_app::incidents::{self, OpenIncident};
use closedloop_app::places::{ImportPlaces, import_hotels};
use closedloop_app::report::{self, DailyReport, xlsx};
use closedloop_app::travelers::{self, ListTravelers};
use closedloop_app::trips::{self, AddCrew, AddVehicle, PlanTrip, TripMove};
use closedloop_domain::Lang;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, PortId, TravelerId, VehicleId};
use closedloop_handover::{ChecklistKind, IncidentKind, Severity};
use closedloop_intake::source::{Cell, read_spreadsheet_bytes};
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::{PlannedStop, PlannedTrip};
use closedloop_store::plans::{self, ApprovingTrip, NewPlanVersion};
use common::{Desk, checklist, desk, hand_over, hotel_id};
use diesel::connection::SimpleConnection;
use serde_json::json;

/// A UTC time of July 2021 (local time is eight hours ahead, as config/gates.toml counts days).
fn utc(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 7, day, h, m, 0).unwrap()
}

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 7, day).unwrap()
}

fn party(role: PartyRole, id: i64) -> PartyKey {
    PartyKey { role, id }
}

struct Played {
    d: Desk,
    hotel: i64,
    trips: [BatchId; 3],
}

/// The crew's training and health, and the vehicles' inspections, at `at`.
fn crew_and_vehicles_ready(d: &Desk, crew: CrewId, vehicles: &[VehicleId], at: DateTime<Utc>) {
    let s = |crew, vehicle| SubjectIds {
        crew,
        vehicle,
        ..SubjectIds::default()
    };
    checklist(
        d,
        ChecklistKind::PreTripTraining,
        s(Some(crew), None),
        json!({"epidemic_protection_passed": true, "ppe_donning_doffing": true,
               "traffic_safety_passed": true, "assessment_score": 92,
               "emergency_plan_known": true, "assessor": "Zhao Min"}),
        at,
    );
    checklist(
        d,
        ChecklistKind::CrewHealth,
        s(Some(crew), None),
        json!({"body_temperature": 36.6, "no_symptoms": true, "health_code_green": true,
               "nucleic_acid_negative": true, "hours_since_last_test": 20,
               "vaccinated": true}),
        at,
    );
    for &v in vehicles {
        checklist(
            d,
            ChecklistKind::VehicleInspection,
            s(None, Some(v)),
            json!({"brakes": true, "lights_and_horn": true, "tyres": true, "fuel_level": 80,
                   "cab_partition": true, "safety_kit": true, "odometer": 120345,
                   "dashboard_photo": "photos/dash-1.jpg"}),
            at,
        );
    }
}

/// The reminder, approval and departure of `trip` at `at`.
fn depart(d: &Desk, trip: BatchId, at: DateTime<Utc>) {
    let subject = SubjectIds {
        trip: Some(trip),
        ..SubjectIds::default()
    };
    checklist(
        d,
        ChecklistKind::PreDepartureReminder,
        subject,
        json!({"crew_briefed": true, "no_stopping": true, "crew_ppe_on": true,
               "travelers_notified": true, "notice_languages": "zh",
               "travelers_masked_and_spaced": true}),
        at - chrono::Duration::minutes(10),
    );
    trips::move_trip(
        &d.app,
        trip,
        TripMove::Approve,
        at - chrono::Duration::minutes(5),
    )
    .unwrap();
    trips::move_trip(&d.app, trip, TripMove::Depart, at).unwrap();
}

/// The crew hands `who` to `receiver` at stop `stop`, after the personnel check-list.
fn deliver(
    d: &Desk,
    trip: BatchId,
    stop: u32,
    crew: PartyKey,
    receiver: PartyKey,
    who: &[TravelerId],
    at: DateTime<Utc>,
) {
    checklist(
        d,
        ChecklistKind::PersonnelHandover,
        SubjectIds {
            trip: Some(trip),
            stop,
            ..SubjectIds::default()
        },
        json!({"head_count": who.len(), "identities_verified": true,
               "temperatures_taken": true, "luggage_handed_over": true,
               "receiver_name": "Receiving Desk", "receiver_signature": "photos/sig-1.jpg"}),
        at - chrono::Duration::minutes(5),
    );
    hand_over(d, trip, crew, receiver, who, at);
}

fn play() -> Played {
    let d = desk();
    let dir = d.dir.path();
    let manifest = dir.join("manifest.csv");
    let mut csv = String::from("Full Name,Passport No.,Nationality,Flight,Port,Arrival\n");
    for i in 0..6 {
        csv.push_str(&format!(
            "Traveler {i},RPT000{i},CHN,CA936,PVG,2021-07-01 08:00\n"
        ));
    }
    csv.push_str("Traveler 6,RPT0006,CHN,MU5101,SHA,2021-07-02 09:00\n");
    std::fs::write(&manifest, csv).unwrap();
    let req = ImportRequest {
        file: manifest,
        accept_valid: false,
        arrival: None,
        lang: Lang::En,
    };
    assert!(import::import(&d.app, &req, &mut |_| {}).unwrap().accepted);
    let t: Vec<TravelerId> = travelers::list_travelers(&d.app, &ListTravelers::default())
        .unwrap()
        .iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(t.len(), 7);
    // A hotel whose English name a spreadsheet would run as a formula.
    let hotels = dir.join("hotels.csv");
    std::fs::write(
        &hotels,
        "code,name_zh,name_en,address,lat,lon,rooms,accessible_rooms,languages,open\n\
         H-A,一号隔离酒店,=1+1 Hotel,上海市浦东新区启航路900号,31.1510,121.8000,120,6,zh;en,true\n\
         H-B,二号隔离酒店,Second Hotel,上海市浦东新区川沙路5558号,31.1920,121.7030,80,4,zh,true\n",
    )
    .unwrap();
    let places = ImportPlaces {
        file: hotels,
        lang: Lang::En,
    };
    import_hotels(&d.app, &places).unwrap();
    let hotel = hotel_id(&d, "H-A");
    let vehicle = |plate: &str| {
        let add = AddVehicle {
            plate: plate.into(),
            seats: 14,
        };
        trips::add_vehicle(&d.app, &add).unwrap()
    };
    let (v, w, x) = (
        vehicle("沪A10001"),
        vehicle("沪A10002"),
        vehicle("沪A10003"),
    );
    let add = AddCrew {
        staff_no: "D1".into(),
        name: "Wang Wu".into(),
        role: "driver".into(),
    };
    let driver = trips::add_crew(&d.app, &add).unwrap();
    let crew = party(PartyRole::Crew, driver.0);
    let ports = d.app.store().unwrap().ports().unwrap();
    let port = ports.iter().find(|p| p.code == "PVG").unwrap().id;
    let port_staff = party(PartyRole::PortStaff, port);
    let at_hotel = party(PartyRole::HotelStaff, hotel);
    let stop = |destination: Option<i64>, who: &[TravelerId]| PlannedStop {
        destination: destination.map(DestinationId),
        travelers: who.to_vec(),
    };
    crew_and_vehicles_ready(&d, driver, &[v, w], utc(1, 0, 30));

    // Trip A, 10:00–12:00 local on 1 July: three to hotel H-A, one home.
    let plan = |vehicle, stops, depart_at: DateTime<Utc>| PlanTrip {
        vehicle,
        crew: vec![driver],
        stops,
        port: "PVG".into(),
        depart_at,
        arrive_by: depart_at + chrono::Duration::hours(2),
    };
    let a = trips::plan_trip(
        &d.app,
        &plan(
            v,
            vec![stop(Some(hotel), &t[..3]), stop(None, &t[3..4])],
            utc(1, 2, 0),
        ),
    )
    .unwrap();
    depart(&d, a, utc(1, 2, 0));
    hand_over(&d, a, port_staff, crew, &t[..4], utc(1, 2, 5));
    deliver(&d, a, 0, crew, at_hotel, &t[..3], utc(1, 3, 5));
    deliver(
        &d,
        a,
        1,
        crew,
        party(PartyRole::CommunityStaff, 100),
        &t[3..4],
        utc(1, 3, 20),
    );
    trips::move_trip(&d.app, a, TripMove::Complete, utc(1, 3, 30)).unwrap();
    let breakdown = incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::VehicleBreakdown,
            severity: Severity::Minor,
            trip: Some(a),
            vehicle: None,
            travelers: vec![],
            crew: vec![],
            description: "flat tyre".into(),
            at: utc(1, 2, 30),
            position: None,
        },
    )
    .unwrap();
    incidents::resolve(&d.app, breakdown, "tyre changed", utc(1, 4, 0)).unwrap();

    // Trip B leaves at 23:30 local on 1 July and delivers at 00:30 on 2 July.
    let b = trips::plan_trip(
        &d.app,
        &plan(w, vec![stop(Some(hotel), &t[4..6])], utc(1, 15, 30)),
    )
    .unwrap();
    depart(&d, b, utc(1, 15, 30));
    hand_over(&d, b, port_staff, crew, &t[4..6], utc(1, 15, 35));
    deliver(&d, b, 0, crew, at_hotel, &t[4..6], utc(1, 16, 30));
    trips::move_trip(&d.app, b, TripMove::Complete, utc(1, 17, 0)).unwrap();
    // A staff infection on 2 July, left open.
    incidents::open(
        &d.app,
        &OpenIncident {
            kind: IncidentKind::StaffInfection,
            severity: Severity::Major,
            trip: None,
            vehicle: None,
            travelers: vec![],
            crew: vec![driver],
            description: "positive test".into(),
            at: utc(2, 2, 0),
            position: None,
        },
    )
    .unwrap();

    // 15 July: the first traveler's hotel days end; a trip from the hotel takes them home.
    let approving = ApprovingTrip {
        batch_code: "B-0715-1".into(),
        trip: PlannedTrip {
            vehicle_id: x,
            port_id: PortId(port),
            crew: vec![driver],
            stops: vec![stop(None, &t[..1])],
            depart_at: utc(15, 2, 0),
            arrive_by: utc(15, 3, 0),
        },
        origin_hotel: Some(DestinationId(hotel)),
    };
    let version = NewPlanVersion {
        service_date: date(15),
        policy: "2021-06 14+7".into(),
        plan_json: "{}".into(),
        trips: vec![approving],
    };
    let (_, created) = plans::approve(&mut d.app.conn().unwrap(), &version).unwrap();
    let c = created[0].trip;
    crew_and_vehicles_ready(&d, driver, &[x], utc(15, 0, 40));
    depart(&d, c, utc(15, 2, 0));
    hand_over(&d, c, at_hotel, crew, &t[..1], utc(15, 2, 5));
    deliver(
        &d,
        c,
        0,
        crew,
        party(PartyRole::CommunityStaff, 101),
        &t[..1],
        utc(15, 2, 50),
    );
    trips::move_trip(&d.app, c, TripMove::Complete, utc(15, 3, 10)).unwrap();
    Played {
        d,
        hotel,
        trips: [a, b, c],
    }
}

/// The report of `day`, checked against what always holds: deliveries add up to the
/// person-trips, origins to the batches, and the day agrees with `closedloop record`.
fn on(p: &Played, day: u32) -> DailyReport {
    let r = report::daily(&p.d.app, Some(date(day))).unwrap();
    let d = r.delivered;
    assert_eq!(d.hotel + d.home + d.hospital, r.person_trips);
    let flows = [r.second_transfers, r.without_trip];
    let batches: u32 = r.ports.iter().map(|x| x.batches).sum::<u32>()
        + flows.iter().map(|f| f.batches).sum::<u32>();
    let trips: u32 = r.ports.iter().map(|x| x.person_trips).sum::<u32>()
        + flows.iter().map(|f| f.person_trips).sum::<u32>();
    assert_eq!((batches, trips), (r.batches, r.person_trips));
    let record = custody::record(&p.d.app, Some(date(day)), Some(date(day))).unwrap();
    let same = &record.days[0];
    assert_eq!(
        (same.batches, same.person_trips),
        (r.batches, r.person_trips)
    );
    assert_eq!(
        (same.incidents, same.staff_infections),
        (r.incidents.opened, r.incidents.staff_infections)
    );
    r
}

#[test]
fn each_day_counts_its_arrivals_batches_releases_standing_and_incidents() {
    let p = play();

    let r = on(&p, 1);
    assert!(r.complete && r.ledger.verified && r.ledger.entries > 0);
    assert_eq!(r.utc_offset, "+08:00");
    // Local midnight to midnight: 16:00 UTC the day before to 16:00 UTC.
    assert_eq!(
        (r.from, r.to, r.as_of),
        (
            Utc.with_ymd_and_hms(2021, 6, 30, 16, 0, 0).unwrap(),
            utc(1, 16, 0),
            utc(1, 16, 0)
        )
    );
    assert_eq!((r.arrivals.arrivals, r.arrivals.travelers), (1, 6));
    // Trip A delivered on the day; trip B only after local midnight.
    assert_eq!((r.batches, r.person_trips), (1, 4));
    assert_eq!(
        (r.delivered.hotel, r.delivered.home, r.delivered.hospital),
        (3, 1, 0)
    );
    assert_eq!(r.released, 0);
    let s = r.standing;
    assert_eq!(
        (
            s.in_hotel_quarantine,
            s.at_home,
            s.in_hospital,
            s.in_transit
        ),
        (3, 1, 0, 2)
    );
    let i = &r.incidents;
    assert_eq!(
        (i.opened, i.staff_infections, i.resolved, i.open),
        (1, 0, 1, 0)
    );
    assert_eq!(i.by_kind.get("vehicle_breakdown"), Some(&1));
    assert!(r.zero_infection && !r.zero_incident);
    let pvg = r.ports.iter().find(|x| x.code == "PVG").unwrap();
    assert_eq!(
        (pvg.arrivals, pvg.travelers, pvg.batches, pvg.person_trips),
        (1, 6, 1, 4)
    );
    assert_eq!(r.hotels.len(), 1);
    let h = &r.hotels[0];
    assert_eq!((h.id, h.code.as_deref()), (p.hotel, Some("H-A")));
    assert_eq!((h.received, h.released, h.in_quarantine), (3, 0, 3));
    assert_eq!(r.cumulative.days_since_last_incident, Some(0));
    assert!(
        r.summary.zh.contains("集中隔离 3 人") && r.summary.en.contains("3 in hotel quarantine"),
        "{:?}",
        r.summary
    );

    let r = on(&p, 2);
    assert_eq!((r.arrivals.arrivals, r.arrivals.travelers), (1, 1));
    let sha = r.ports.iter().find(|x| x.code == "SHA").unwrap();
    assert_eq!((sha.arrivals, sha.travelers, sha.batches), (1, 1, 0));
    let pvg = r.ports.iter().find(|x| x.code == "PVG").unwrap();
    assert_eq!((pvg.arrivals, pvg.batches, pvg.person_trips), (0, 1, 2));
    assert_eq!((r.batches, r.person_trips, r.delivered.hotel), (1, 2, 2));
    let s = r.standing;
    assert_eq!((s.in_hotel_quarantine, s.at_home, s.in_transit), (5, 1, 0));
    let i = &r.incidents;
    assert_eq!(
        (i.opened, i.staff_infections, i.resolved, i.open),
        (0, 1, 0, 1)
    );
    assert!(!r.zero_infection && r.zero_incident);
    let c = r.cumulative;
    assert_eq!(
        (c.batches, c.person_trips, c.incidents, c.staff_infections),
        (2, 6, 1, 1)
    );
    assert!(!c.zero_infection && !c.zero_incident);

    let r = on(&p, 15);
    assert_eq!(
        (r.arrivals.arrivals, r.released, r.cumulative.released),
        (0, 1, 1)
    );
    assert_eq!((r.batches, r.person_trips, r.delivered.home), (1, 1, 1));
    assert_eq!(
        (r.second_transfers.batches, r.second_transfers.person_trips),
        (1, 1)
    );
    assert!(
        r.ports.iter().all(|x| x.batches == 0),
        "a batch from a hotel is not a port's"
    );
    let s = r.standing;
    assert_eq!((s.in_hotel_quarantine, s.at_home, s.in_transit), (4, 2, 0));
    let h = &r.hotels[0];
    assert_eq!((h.received, h.released, h.in_quarantine), (0, 1, 4));
    assert_eq!(r.cumulative.days_since_last_incident, Some(14));
    assert_eq!(r.incidents.open, 1, "the infection is still open");

    // Before anything happened, and with the day not over: nothing yet, a preliminary report.
    let r = on(&p, 30);
    assert_eq!((r.batches, r.arrivals.travelers, r.released), (0, 0, 0));
    assert_eq!(r.standing.in_hotel_quarantine, 4);
    let early = report::daily_at(&p.d.app, Some(date(1)), utc(1, 2, 10)).unwrap();
    assert!(!early.complete);
    assert_eq!(early.as_of, utc(1, 2, 10));
    assert_eq!(
        (
            early.standing.in_transit,
            early.standing.in_hotel_quarantine
        ),
        (4, 0)
    );
    // The default is yesterday, local time.
    let yesterday = report::daily_at(&p.d.app, None, utc(2, 3, 0)).unwrap();
    assert_eq!(yesterday.date, date(1));
    assert_eq!(yesterday.standing, on(&p, 1).standing);
}

/// The cells of every sheet, as text, sheet by sheet.
fn cells(bytes: &[u8]) -> Vec<(String, Vec<Vec<Cell>>)> {
    read_spreadsheet_bytes("report.xlsx", bytes)
        .unwrap()
        .into_iter()
        .map(|g| (g.name, g.rows.into_iter().map(|r| r.cells).collect()))
        .collect()
}

fn row_of<'a>(rows: &'a [Vec<Cell>], label: &str) -> &'a [Cell] {
    rows.iter()
        .find(|r| r.first().is_some_and(|c| c.as_text() == label))
        .unwrap_or_else(|| panic!("no row {label}"))
}

#[test]
fn the_workbook_says_the_same_in_both_languages_and_runs_nothing() {
    let p = play();
    let r = on(&p, 1);
    let en = cells(&xlsx::to_xlsx(&r, Lang::En).unwrap());
    let zh = cells(&xlsx::to_xlsx(&r, Lang::ZhCn).unwrap());
    let names =
        |s: &[(String, Vec<Vec<Cell>>)]| s.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(names(&en), ["Daily report", "Ports", "Hotels"]);
    assert_eq!(names(&zh), ["日通报", "口岸", "隔离酒店"]);
    for (label, n) in [
        ("batches", 1.0),
        ("person-trips", 4.0),
        ("in hotel quarantine", 3.0),
        ("in transit", 2.0),
    ] {
        assert_eq!(row_of(&en[0].1, label)[1], Cell::Number(n), "{label}");
    }
    for (label, n) in [
        ("转运批次", 1.0),
        ("转运人次", 4.0),
        ("集中隔离在册人数", 3.0),
        ("入境人数", 6.0),
    ] {
        assert_eq!(row_of(&zh[0].1, label)[1], Cell::Number(n), "{label}");
    }
    assert_eq!(row_of(&zh[0].1, "当日零感染")[1], Cell::Text("是".into()));
    assert_eq!(
        row_of(&en[0].1, "zero incident (the day)")[1],
        Cell::Text("no".into())
    );
    assert_eq!(row_of(&en[1].1, "PVG")[4], Cell::Number(1.0));
    // The hotel's name as the desk typed it, but never as a formula.
    assert_eq!(row_of(&en[2].1, "H-A")[1], Cell::Text("'=1+1 Hotel".into()));
    assert_eq!(
        row_of(&zh[2].1, "H-A")[1],
        Cell::Text("一号隔离酒店".into())
    );
    for (_, rows) in en.iter().chain(&zh) {
        for c in rows.iter().flatten() {
            let t = c.as_text();
            assert!(
                !t.starts_with(['=', '+', '@']) && !t.starts_with("-="),
                "{t}"
            );
            for secret in ["Traveler", "RPT000", "flat tyre", "positive test"] {
                assert!(
                    !t.contains(secret),
                    "personal data or free text in the report: {t}"
                );
            }
        }
    }
    assert_eq!(
        xlsx::file_name(&r, Lang::ZhCn),
        "daily-report-2021-07-01-zh-CN.xlsx"
    );
}

#[test]
fn a_row_edited_behind_the_programs_back_refuses_the_report() {
    let p = play();
    assert!(report::daily(&p.d.app, Some(date(1))).is_ok());
    // Two travelers moved to another hotel, with no entry saying so.
    sql_on(
        &p,
        &format!(
            "UPDATE handovers SET receiver_id = {} WHERE receiver_role = 'hotel_staff' AND trip_id = {}",
            p.hotel + 1,
            p.trips[1].0
        ),
    );
    let e = report::daily(&p.d.app, Some(date(1))).unwrap_err();
    assert_eq!(e.code(), "report_ledger_mismatch", "{e}");
    assert!(
        e.field().is_some_and(|f| f.starts_with("handovers")),
        "{:?}",
        e.field()
    );
    assert!(
        e.message(Lang::ZhCn).contains("日通报已拒绝生成"),
        "{}",
        e.message(Lang::ZhCn)
    );
    assert!(
        e.message(Lang::En).contains("custody_row_changed"),
        "{}",
        e.message(Lang::En)
    );

    // The ledger's own entry altered: refused too.
    let p = play();
    sql_on(
        &p,
        "UPDATE ledger_entries SET canonical = REPLACE(canonical, '\"v\":2', '\"v\":3') WHERE seq = 3",
    );
    let e = report::daily(&p.d.app, Some(date(1))).unwrap_err();
    assert_eq!(e.code(), "report_ledger_mismatch", "{e}");
}

fn sql_on(p: &Played, s: &str) {
    p.d.app.conn().unwrap().batch_execute(s).unwrap();
}

#[test]
fn custody_rows_in_a_database_with_no_ledger_at_all_are_refused() {
    let d = desk();
    // An empty database: nothing to report, and nothing to refuse.
    let r = report::daily(&d.app, Some(date(1))).unwrap();
    assert_eq!((r.ledger.entries, r.batches, r.incidents.open), (0, 0, 0));
    d.app
        .conn()
        .unwrap()
        .batch_execute(
            "INSERT INTO incidents (kind, severity, at, description, status, ledger_seq) \
             VALUES ('traffic_accident', 'minor', '2021-07-01 02:00:00', 'made up', 'open', 1)",
        )
        .unwrap();
    let e = report::daily(&d.app, Some(date(1))).unwrap_err();
    assert_eq!(
        (e.code(), e.field()),
        ("report_ledger_mismatch", Some("incidents"))
    );
}
