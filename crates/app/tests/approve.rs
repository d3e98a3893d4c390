//! Approving a plan (issue 16, item 5): a day of stored travelers, vehicles, crew and hotels is
//! planned, the plan approved into trips linked to its version, and one approved trip goes
//! through the desk flow — check-lists, gates, the port's hand-over, the delivery — to closed
//! loops, with the ledger verifying after. A plan that breaks a rule, or names a code the store
//! does not know, stores nothing. On the backend `DATABASE_URL` names. Second transfers from
//! hotels: `second_transfer.rs`.

mod common;

use chrono::Duration;
use closedloop_app::approve::{TripOrigin, approve_plan};
use closedloop_app::custody::{LoopFilter, loops};
use closedloop_app::ledger;
use closedloop_scheduling::ids::VehicleCode;
use closedloop_scheduling::plan::Place;
use closedloop_store::custody::{PartyKey, PartyRole};
use closedloop_store::desk::LoopState;
use common::{desk, drive, hotel_id, planned, stored_day};

#[test]
fn an_approved_plan_becomes_trips_that_close_their_loops() {
    let d = desk();
    let (day, _, vehicle, driver) = stored_day(&d);
    let plan = planned(&d, &day);
    assert_eq!(plan.batches.len(), 1, "four travelers fit one van");
    let approved = approve_plan(&d.app, &day, &plan).unwrap();
    assert_eq!(approved.version.version, 1);
    assert_eq!(approved.trips.len(), 1);
    assert_eq!(
        approved.trips[0].batch_code,
        plan.batches[0].code.to_string()
    );
    let pvg = d.app.store().unwrap().ports().unwrap();
    let pvg = pvg.iter().find(|p| p.code == "PVG").unwrap().id;
    assert_eq!(approved.trips[0].origin, TripOrigin::Port { id: pvg });
    assert_eq!(approved.second_transfers, 0);
    // Approving again makes the day's second version.
    let again = approve_plan(&d.app, &day, &plan).unwrap();
    assert_eq!(again.version.version, 2);

    let trip = approved.trips[0].trip;
    let batch = &plan.batches[0];
    let hotel = match &batch.stops[0].place {
        Place::Hotel { code } => hotel_id(&d, code.as_str()),
        other => panic!("{other:?}"),
    };
    let port = PartyKey {
        role: PartyRole::PortStaff,
        id: 1,
    };
    let receiver = PartyKey {
        role: PartyRole::HotelStaff,
        id: hotel,
    };
    drive(&d, trip, batch, (driver, vehicle), port, &[receiver]);

    let eta = batch.stops[0].eta.and_utc();
    let rows = loops(&d.app, LoopFilter::All, eta + Duration::hours(1)).unwrap();
    assert_eq!(rows.len(), 4);
    assert!(
        rows.iter().all(|r| r.status == LoopState::Delivered),
        "{rows:?}"
    );
    assert!(
        loops(&d.app, LoopFilter::Open, eta + Duration::hours(1))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        ledger::verify(&d.app, &[]).unwrap(),
        ledger::Verified::Passed { .. }
    ));
}

#[test]
fn a_plan_that_breaks_a_rule_or_names_an_unknown_code_stores_nothing() {
    let d = desk();
    let (day, _, _, _) = stored_day(&d);
    let plan = planned(&d, &day);

    // Over the van's seats: the checker refuses, naming the batch.
    let mut small = day.clone();
    small.vehicles[0].seats = 4;
    let e = approve_plan(&d.app, &small, &plan).unwrap_err();
    assert_eq!(e.code(), "plan_violates_rules", "{e}");

    // A vehicle the store does not have.
    let mut renamed_day = day.clone();
    renamed_day.vehicles[0].code = VehicleCode::new("沪B99999");
    let mut renamed = plan.clone();
    for b in &mut renamed.batches {
        b.vehicle = VehicleCode::new("沪B99999");
    }
    let e = approve_plan(&d.app, &renamed_day, &renamed).unwrap_err();
    assert_eq!(e.code(), "plan_code_unknown", "{e}");
    assert!(e.to_string().contains("沪B99999"), "{e}");

    let versions = closedloop_store::plans::versions(&mut d.app.conn().unwrap()).unwrap();
    assert!(versions.is_empty(), "{versions:?}");
}
