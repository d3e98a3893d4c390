//! The record on a hand-built week, and the year the domain brief reports.

mod common;

use chrono::FixedOffset;
use closedloop_domain::Lang;
use closedloop_domain::ids::BatchId;
use closedloop_handover::ids::IncidentId;
use closedloop_handover::record::{CodeAlert, Delivery, IncidentEntry, compute};
use closedloop_handover::{Incident, IncidentKind, IncidentReport, Severity};
use common::{day, utc};

fn delivery(batch: i64, d: &str, persons: u32) -> Delivery {
    Delivery {
        batch: BatchId(batch),
        day: day(d),
        persons,
    }
}

/// Monday 7 – Sunday 13 June 2021. Batch 4 leaves on Thursday night and delivers its second
/// stop after midnight: it counts as Friday's batch, its persons on the days they arrived.
fn week() -> Vec<Delivery> {
    vec![
        delivery(1, "2021-06-07", 3),
        delivery(1, "2021-06-07", 2),
        delivery(2, "2021-06-07", 4),
        delivery(3, "2021-06-08", 6),
        delivery(4, "2021-06-10", 3),
        delivery(4, "2021-06-11", 2),
        delivery(5, "2021-06-11", 5),
        delivery(6, "2021-06-12", 1),
        // Outside the week: ignored.
        delivery(9, "2021-06-14", 40),
    ]
}

#[test]
fn a_clean_week() {
    // A breakdown the week before: the streak counts from it.
    let before = [IncidentEntry {
        day: day("2021-06-01"),
        kind: IncidentKind::VehicleBreakdown,
    }];
    let r = compute(&week(), &before, day("2021-06-07"), day("2021-06-13"));
    assert_eq!(r.days.len(), 7);
    let per_day: Vec<(u32, u32)> = r.days.iter().map(|d| (d.batches, d.person_trips)).collect();
    assert_eq!(
        per_day,
        [(2, 9), (1, 6), (0, 0), (0, 3), (2, 7), (1, 1), (0, 0)]
    );
    let cumulative: Vec<(u32, u32)> = r
        .days
        .iter()
        .map(|d| (d.total_batches, d.total_person_trips))
        .collect();
    assert_eq!(
        cumulative,
        [(2, 9), (3, 15), (3, 15), (3, 18), (5, 25), (6, 26), (6, 26)]
    );
    let since: Vec<Option<u32>> = r.days.iter().map(|d| d.days_since_last_incident).collect();
    assert_eq!(since, [6, 7, 8, 9, 10, 11, 12].map(Some));
    assert_eq!(
        r.summary(Lang::En),
        "2021-06-07 to 2021-06-13: 6 batches, 26 person-trips, zero infection, zero incident"
    );
    assert_eq!(
        r.summary(Lang::ZhCn),
        "2021-06-07 至 2021-06-13：转运 6 批次、26 人次，零感染、零事故"
    );
    // With no incident ever, there is no streak start.
    let r = compute(&week(), &[], day("2021-06-07"), day("2021-06-13"));
    assert!(r.days.iter().all(|d| d.days_since_last_incident.is_none()));
}

#[test]
fn wrong_codes_are_alerts_beside_the_claims() {
    let mut r = compute(&week(), &[], day("2021-06-07"), day("2021-06-13"));
    let alert = |d: &str, locked| CodeAlert {
        day: day(d),
        locked,
    };
    r.count_alerts(&[
        alert("2021-06-08", false),
        alert("2021-06-08", false),
        alert("2021-06-10", true),
        // Outside the week: not counted.
        alert("2021-06-14", true),
    ]);
    let per_day: Vec<(u32, u32)> = r
        .days
        .iter()
        .map(|d| (d.wrong_codes, d.locked_handovers))
        .collect();
    assert_eq!(
        per_day,
        [(0, 0), (2, 0), (0, 0), (1, 1), (0, 0), (0, 0), (0, 0)]
    );
    let last = r.last().unwrap();
    assert_eq!(
        (last.total_wrong_codes, last.total_locked_handovers),
        (3, 1)
    );
    assert_eq!(
        r.summary(Lang::En),
        "2021-06-07 to 2021-06-13: 6 batches, 26 person-trips, zero infection, zero incident; alerts: 3 wrong confirmation codes (1 hand-over locked)"
    );
    assert_eq!(
        r.summary(Lang::ZhCn),
        "2021-06-07 至 2021-06-13：转运 6 批次、26 人次，零感染、零事故；警示：确认码错误 3 次（1 次交接因此锁定）"
    );
}

#[test]
fn a_week_with_an_incident_and_a_staff_infection() {
    let offset = FixedOffset::east_opt(8 * 3600).unwrap();
    // 01:00 on Thursday in Beijing, still Wednesday in UTC.
    let fever = Incident::open(
        IncidentId(1),
        IncidentReport {
            kind: IncidentKind::SymptomaticEnRoute,
            severity: Severity::Serious,
            at: utc("2021-06-09T17:00:00Z"),
            place: None,
            batch: Some(BatchId(4)),
            vehicle: None,
            travelers: vec![],
            crew: vec![],
            description: "旅客途中发热 38.2 °C，转负压救护车送定点医院".into(),
        },
    );
    let thursday = fever.entry(offset);
    assert_eq!(thursday.day, day("2021-06-10"));
    let entries = [
        thursday,
        IncidentEntry {
            day: day("2021-06-12"),
            kind: IncidentKind::StaffInfection,
        },
    ];
    let r = compute(&week(), &entries, day("2021-06-07"), day("2021-06-13"));
    let figures: Vec<(u32, u32, Option<u32>)> = r
        .days
        .iter()
        .map(|d| (d.incidents, d.staff_infections, d.days_since_last_incident))
        .collect();
    assert_eq!(
        figures,
        [
            (0, 0, None),
            (0, 0, None),
            (0, 0, None),
            (1, 0, Some(0)),
            (0, 0, Some(1)),
            // A staff infection breaks "zero infection", not the incident streak.
            (0, 1, Some(2)),
            (0, 0, Some(3)),
        ]
    );
    let last = r.last().unwrap();
    assert_eq!((last.total_incidents, last.total_staff_infections), (1, 1));
    assert_eq!(
        r.summary(Lang::En),
        "2021-06-07 to 2021-06-13: 6 batches, 26 person-trips, 1 staff infection, 1 incident (last 3 days ago)"
    );
    assert_eq!(
        r.summary(Lang::ZhCn),
        "2021-06-07 至 2021-06-13：转运 6 批次、26 人次，工作人员感染 1 例、事故 1 起（距上次事故 3 天）"
    );
}

#[test]
fn the_year_the_brief_reports() {
    // 266 batches carrying 818 person-trips over 2021: 20 batches of 7, 246 of 2 or 3.
    let start = day("2021-01-01");
    let mut deliveries = Vec::new();
    let mut persons_left = 818u32;
    for b in 0..266u32 {
        let batches_left = 266 - b;
        let persons = if b < 20 {
            7
        } else {
            (persons_left / batches_left).max(1)
        };
        persons_left -= persons;
        deliveries.push(Delivery {
            batch: BatchId(i64::from(b) + 1),
            day: start + chrono::Days::new(u64::from(b % 365)),
            persons,
        });
    }
    assert_eq!(deliveries.iter().map(|d| d.persons).sum::<u32>(), 818);
    let r = compute(&deliveries, &[], start, day("2021-12-31"));
    assert_eq!(r.days.len(), 365);
    assert_eq!(
        r.summary(Lang::En),
        "2021-01-01 to 2021-12-31: 266 batches, 818 person-trips, zero infection, zero incident"
    );
    assert_eq!(
        r.summary(Lang::ZhCn),
        "2021-01-01 至 2021-12-31：转运 266 批次、818 人次，零感染、零事故"
    );
}
