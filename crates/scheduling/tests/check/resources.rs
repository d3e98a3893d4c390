//! Vehicles and crew across the day.

use super::*;

#[test]
fn unknown_vehicle() {
    expect(
        &broken(|_, p| {
            let b = bi(p, "B3");
            p.batches[b].vehicle = "V-X".into();
        }),
        &[("unknown_vehicle", "V-X")],
    );
}

#[test]
fn vehicle_blocked() {
    expect(
        &broken(|d, _| d.vehicles[0].blocked = Some("not disinfected".into())),
        &[("vehicle_blocked", "V1")],
    );
}

#[test]
fn vehicle_unavailable() {
    expect(
        &broken(|d, _| d.vehicles[2].available_until = at("2026-12-02 09:30")),
        &[("vehicle_unavailable", "V3")],
    );
}

#[test]
fn vehicle_overlap() {
    expect(
        &broken(|_, p| {
            let b = bi(p, "B6");
            p.batches[b].vehicle = "V3".into();
        }),
        &[("vehicle_overlap", "V3")],
    );
}

#[test]
fn unknown_crew() {
    expect(
        &broken(|_, p| {
            let b = bi(p, "B3");
            p.batches[b].crew.push("C-X".into());
        }),
        &[("unknown_crew", "C-X")],
    );
}

#[test]
fn crew_blocked() {
    expect(
        &broken(|d, _| d.crew[0].blocked = Some("no protective equipment".into())),
        &[("crew_blocked", "D1")],
    );
}

#[test]
fn crew_off_shift() {
    expect(
        &broken(|d, _| d.crew[2].shift_end = at("2026-12-02 09:10")),
        &[("crew_off_shift", "D2")],
    );
}

#[test]
fn crew_overlap() {
    expect(
        &broken(|_, p| {
            // D5 drives B6 from 09:20, while B2 (from 09:05) holds them until 10:13.
            let b = bi(p, "B2");
            p.batches[b].crew = vec!["D5".into()];
        }),
        &[("crew_overlap", "D5")],
    );
}

#[test]
fn crew_rest_short() {
    let found = broken(|_, p| {
        let b = bi(p, "B4");
        let early = Duration::minutes(20);
        p.batches[b].depart -= early;
        p.batches[b].ready_again -= early;
        for s in &mut p.batches[b].stops {
            s.eta -= early;
        }
    });
    expect(&found, &[("crew_rest_short", "D3")]);
}
