//! Departure gates refuse with every missing item named: one scenario per requirement, then
//! everything missing at once.

mod common;

use chrono::TimeDelta;
use closedloop_domain::Lang;
use closedloop_domain::batch::BatchState;
use closedloop_domain::fleet::Plate;
use closedloop_domain::ids::{BatchId, CrewId, DestinationId, VehicleId};
use closedloop_handover::evaluate::Answers;
use closedloop_handover::ids::InstanceId;
use closedloop_handover::template::ItemKind;
use closedloop_handover::{
    Answer, ChecklistKind, GateBook, GateFacts, GateRefusal, Instance, Missing, Subject,
    TemplateBook, check_gate, evaluate,
};
use common::{batch, day, utc};

/// 09:30 in Beijing on 15 June 2021.
const NOW: &str = "2021-06-15T01:30:00Z";

fn named() -> GateFacts {
    let mut f = GateFacts::default();
    f.plates
        .insert(VehicleId(3), Plate::parse("沪A12345").unwrap());
    f.crew_names.insert(CrewId(1), "张伟".into());
    f.crew_names.insert(CrewId(2), "李娜".into());
    f
}

/// Everything the departure gate wants, in place.
fn ready() -> GateFacts {
    let mut f = named();
    f.inspections.insert(VehicleId(3), vec![day("2021-06-15")]);
    f.last_trip_end
        .insert(VehicleId(3), utc("2021-06-14T10:00:00Z"));
    f.last_disinfection
        .insert(VehicleId(3), utc("2021-06-14T11:00:00Z"));
    f.trainings.insert(CrewId(1), vec![day("2021-06-01")]);
    // Valid 30 days: passed 20 May, still valid on 15 June (its 27th day).
    f.trainings.insert(CrewId(2), vec![day("2021-05-20")]);
    f.health_checks.insert(CrewId(1), vec![day("2021-06-15")]);
    f.health_checks
        .insert(CrewId(2), vec![day("2021-06-14"), day("2021-06-15")]);
    f.reminders.insert(BatchId(7));
    f
}

fn depart(facts: &GateFacts) -> Result<(), GateRefusal> {
    check_gate(
        &GateBook::builtin(),
        BatchState::Departed,
        &batch(),
        facts,
        utc(NOW),
    )
}

fn refused(facts: &GateFacts) -> Vec<Missing> {
    depart(facts).unwrap_err().missing
}

#[test]
fn departs_when_everything_is_done() {
    depart(&ready()).unwrap();
}

#[test]
fn yesterdays_inspection_does_not_count() {
    let mut f = ready();
    f.inspections.insert(VehicleId(3), vec![day("2021-06-14")]);
    let missing = refused(&f);
    assert_eq!(
        missing,
        [Missing::VehicleInspection {
            vehicle: VehicleId(3),
            plate: Some("沪A12345".into()),
            last: Some(day("2021-06-14")),
            valid_days: 1
        }]
    );
    assert_eq!(
        missing[0].message(Lang::En),
        "vehicle 沪A12345: no passed daily inspection today (last passed 2021-06-14)"
    );
    assert_eq!(
        missing[0].message(Lang::ZhCn),
        "车辆 沪A12345：今日无通过的转运车辆日常检查（上次通过：2021-06-14）"
    );
    assert_eq!(
        missing[0].checklist(),
        Some(ChecklistKind::VehicleInspection)
    );
}

#[test]
fn a_vehicle_not_disinfected_after_its_last_trip_is_held() {
    let mut f = ready();
    f.last_disinfection
        .insert(VehicleId(3), utc("2021-06-14T09:00:00Z"));
    let missing = refused(&f);
    assert_eq!(missing.len(), 1);
    let text = missing[0].to_string();
    assert!(
        text.contains(
            "vehicle 沪A12345: not disinfected since its last trip ended at 2021-06-14 18:00 (last disinfected 2021-06-14 17:00)"
        ),
        "{text}"
    );
    assert!(
        text.contains("车辆 沪A12345：2021-06-14 18:00 上一趟转运结束后未消毒"),
        "{text}"
    );

    // Never disinfected after a trip: "never".
    f.last_disinfection.clear();
    assert!(
        refused(&f)[0]
            .message(Lang::En)
            .contains("(last disinfected never)")
    );

    // A vehicle that never made a trip needs no disinfection after one.
    f.last_trip_end.clear();
    depart(&f).unwrap();
}

#[test]
fn a_disinfection_older_than_the_window_is_held_when_configured() {
    let gates = GateBook::from_toml(&include_str!("../../../config/gates.toml").replace(
        "check = \"vehicle_disinfected\"",
        "check = \"vehicle_disinfected\"\nwithin_hours = 12",
    ))
    .unwrap();
    let e = check_gate(&gates, BatchState::Departed, &batch(), &ready(), utc(NOW)).unwrap_err();
    assert_eq!(e.missing.len(), 1);
    assert!(
        e.missing[0]
            .message(Lang::En)
            .contains("more than 12 hours ago"),
        "{e}"
    );
    assert!(
        e.missing[0].message(Lang::ZhCn).contains("已超过 12 小时"),
        "{e}"
    );
}

#[test]
fn expired_training_names_the_crew_member() {
    let mut f = ready();
    f.trainings.insert(CrewId(2), vec![day("2021-05-16")]);
    let missing = refused(&f);
    assert_eq!(
        missing,
        [Missing::CrewTraining {
            crew: CrewId(2),
            name: Some("李娜".into()),
            last: Some(day("2021-05-16")),
            valid_days: 30
        }]
    );
    assert_eq!(
        missing[0].message(Lang::En),
        "crew member 李娜 (#2): pre-trip training not passed within the last 30 days; retake the assessment (last passed 2021-05-16)"
    );
    assert!(
        missing[0]
            .message(Lang::ZhCn)
            .starts_with("工作人员 李娜 (#2)：近 30 天内未通过行前培训考核")
    );
}

#[test]
fn a_missing_health_check_names_the_crew_member() {
    let mut f = ready();
    f.health_checks.insert(CrewId(1), vec![day("2021-06-13")]);
    let missing = refused(&f);
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0].message(Lang::En),
        "crew member 张伟 (#1): no passed health check today (last passed 2021-06-13)"
    );
    assert_eq!(
        missing[0].message(Lang::ZhCn),
        "工作人员 张伟 (#1)：今日无通过的健康监测记录（上次通过：2021-06-13）"
    );
}

#[test]
fn a_missing_reminder_is_named() {
    let mut f = ready();
    f.reminders.clear();
    let missing = refused(&f);
    assert_eq!(
        missing,
        [Missing::PreDepartureReminder { batch: BatchId(7) }]
    );
    assert!(
        missing[0]
            .to_string()
            .contains("travelers notified in their language")
    );
    assert!(missing[0].to_string().contains("以旅客语言告知"));
}

#[test]
fn everything_missing_at_once_is_named_at_once() {
    let mut f = named();
    f.last_trip_end
        .insert(VehicleId(3), utc("2021-06-14T10:00:00Z"));
    let refusal = depart(&f).unwrap_err();
    let kinds: Vec<(Option<ChecklistKind>, String)> = refusal
        .missing
        .iter()
        .map(|m| (m.checklist(), m.message(Lang::En)))
        .collect();
    assert_eq!(refusal.missing.len(), 7, "{kinds:#?}");
    let text = refusal.to_string();
    for needle in [
        "batch 7 cannot be marked departed: 7 item(s) missing",
        "批次 7 不能标记为“已发车”：缺少 7 项",
        "vehicle 沪A12345: no passed daily inspection today (never passed)",
        "vehicle 沪A12345: not disinfected since its last trip",
        "crew member 张伟 (#1): pre-trip training not passed",
        "crew member 李娜 (#2): pre-trip training not passed",
        "crew member 张伟 (#1): no passed health check today",
        "crew member 李娜 (#2): no passed health check today",
        "batch 7: pre-departure reminder not done",
        "工作人员 李娜 (#2)：今日无通过的健康监测记录（从未通过）",
    ] {
        assert!(text.contains(needle), "{needle:?} not in\n{text}");
    }
    // Without names the ids still identify who is meant.
    let bare = depart(&GateFacts::default()).unwrap_err();
    assert!(
        bare.to_string()
            .contains("vehicle #3: no passed daily inspection")
    );
    assert!(
        bare.to_string()
            .contains("crew member #2: pre-trip training")
    );
    // A refusal travels to a phone as JSON and back unchanged.
    let json = serde_json::to_string(&refusal).unwrap();
    assert_eq!(serde_json::from_str::<GateRefusal>(&json).unwrap(), refusal);
}

#[test]
fn today_is_the_local_day() {
    // 07:45 in Beijing on 15 June is still 14 June in UTC.
    let early = utc("2021-06-14T23:45:00Z");
    let gates = GateBook::builtin();
    check_gate(&gates, BatchState::Departed, &batch(), &ready(), early).unwrap();
    let utc_gates = GateBook::from_toml(
        &include_str!("../../../config/gates.toml").replace("+08:00", "+00:00"),
    )
    .unwrap();
    let e = check_gate(&utc_gates, BatchState::Departed, &batch(), &ready(), early).unwrap_err();
    // In UTC the inspection and crew member 1's only health check are "tomorrow"; crew member 2
    // also has one on the 14th.
    assert_eq!(e.missing.len(), 2, "{e}");
}

#[test]
fn other_transitions_have_their_own_gates() {
    let gates = GateBook::builtin();
    let mut f = ready();
    f.trainings.remove(&CrewId(1));
    let e = check_gate(&gates, BatchState::Approved, &batch(), &f, utc(NOW)).unwrap_err();
    assert_eq!(e.missing.len(), 1);
    assert!(e.to_string().contains("不能标记为“已审批”"), "{e}");

    let mut f = ready();
    f.stop_handovers.entry(BatchId(7)).or_default().insert(0);
    let e = check_gate(&gates, BatchState::Completed, &batch(), &f, utc(NOW)).unwrap_err();
    assert_eq!(
        e.missing,
        [Missing::StopHandover {
            batch: BatchId(7),
            stop: 1,
            destination: DestinationId(11)
        }]
    );
    // The stop is said as the check-list names it (from 0): completing it for stop 1 clears it.
    assert!(
        e.to_string()
            .contains("batch 7, stop 1 (destination #11): no personnel hand-over recorded"),
        "{e}"
    );
    assert!(e.to_string().contains("批次 7 站点 1（目的地 #11）"), "{e}");
    let unnamed = Missing::StopHandover {
        batch: BatchId(7),
        stop: 0,
        destination: DestinationId(0),
    };
    assert_eq!(
        unnamed.message(Lang::En),
        "batch 7, stop 0 (place not named): no personnel hand-over recorded"
    );
    f.stop_handovers.entry(BatchId(7)).or_default().insert(1);
    check_gate(&gates, BatchState::Completed, &batch(), &f, utc(NOW)).unwrap();
    // No gate configured: nothing to refuse.
    check_gate(
        &gates,
        BatchState::Cancelled,
        &batch(),
        &GateFacts::default(),
        utc(NOW),
    )
    .unwrap();
}

/// Answers that pass a template, for building facts from completed check-lists.
fn passing(template: &closedloop_handover::Template) -> Answers {
    template
        .items
        .iter()
        .map(|i| {
            let a = match &i.kind {
                ItemKind::YesNo { expect } => Answer::YesNo(expect.unwrap_or(true)),
                ItemKind::Number { min, max, .. } => {
                    Answer::Number(min.unwrap_or(0.0).max(max.unwrap_or(0.0).min(36.5)))
                }
                ItemKind::Text { .. } => Answer::Text("王芳 已核对".into()),
                ItemKind::Photo => Answer::Photo("photos/2021/06/15/abc.jpg".into()),
            };
            (i.key.clone(), a)
        })
        .collect()
}

#[test]
fn facts_built_from_completed_checklists_open_the_gate() {
    let book = TemplateBook::builtin();
    let gates = GateBook::builtin();
    let at = utc("2021-06-15T00:30:00Z");
    let mut facts = named();
    let mut id = 0;
    let mut complete = |facts: &mut GateFacts,
                        kind: ChecklistKind,
                        subject: Subject,
                        tweak: &dyn Fn(&mut Answers)| {
        let t = book.in_force(kind, day("2021-06-15")).unwrap();
        let mut answers = passing(t);
        tweak(&mut answers);
        id += 1;
        let instance = Instance::new(InstanceId(id), t, subject, at, None, answers).unwrap();
        let outcome = instance.evaluate(t);
        facts.absorb(&instance, &outcome, &gates);
        outcome
    };
    let none = |_: &mut Answers| {};
    let v = VehicleId(3);
    assert!(
        complete(
            &mut facts,
            ChecklistKind::VehicleInspection,
            Subject::VehicleDay {
                vehicle: v,
                day: day("2021-06-15")
            },
            &none
        )
        .passed
    );
    for crew in [CrewId(1), CrewId(2)] {
        complete(
            &mut facts,
            ChecklistKind::PreTripTraining,
            Subject::CrewMember { crew },
            &none,
        );
    }
    complete(
        &mut facts,
        ChecklistKind::CrewHealth,
        Subject::CrewMember { crew: CrewId(1) },
        &none,
    );
    // A fever is recorded but proves nothing: crew member 2 stays missing.
    let fever = complete(
        &mut facts,
        ChecklistKind::CrewHealth,
        Subject::CrewMember { crew: CrewId(2) },
        &|a: &mut Answers| {
            a.insert("body_temperature".into(), Answer::Number(38.1));
        },
    );
    assert!(!fever.passed);
    complete(
        &mut facts,
        ChecklistKind::PreDepartureReminder,
        Subject::Batch { batch: BatchId(7) },
        &none,
    );
    let e = check_gate(&gates, BatchState::Departed, &batch(), &facts, utc(NOW)).unwrap_err();
    assert_eq!(e.missing.len(), 1, "{e}");
    assert!(matches!(
        e.missing[0],
        Missing::CrewHealth {
            crew: CrewId(2),
            ..
        }
    ));
    complete(
        &mut facts,
        ChecklistKind::CrewHealth,
        Subject::CrewMember { crew: CrewId(2) },
        &none,
    );
    check_gate(&gates, BatchState::Departed, &batch(), &facts, utc(NOW)).unwrap();

    // A disinfection check-list after the previous trip keeps the gate open once that trip ends.
    facts.last_trip_end.insert(v, at - TimeDelta::hours(1));
    assert!(check_gate(&gates, BatchState::Departed, &batch(), &facts, utc(NOW)).is_err());
    complete(
        &mut facts,
        ChecklistKind::Sanitation,
        Subject::VehicleAfterTrip {
            vehicle: v,
            batch: BatchId(6),
        },
        &none,
    );
    check_gate(&gates, BatchState::Departed, &batch(), &facts, utc(NOW)).unwrap();
}

#[test]
fn an_instance_must_be_bound_to_what_its_checklist_checks() {
    let book = TemplateBook::builtin();
    let t = book
        .in_force(ChecklistKind::VehicleInspection, day("2021-06-15"))
        .unwrap();
    let e = Instance::new(
        InstanceId(1),
        t,
        Subject::Batch { batch: BatchId(7) },
        utc(NOW),
        None,
        passing(t),
    )
    .unwrap_err();
    assert!(e.to_string().contains("VehicleDay"), "{e}");
    let r = book
        .in_force(ChecklistKind::RotationHandover, day("2021-06-15"))
        .unwrap();
    let same = Subject::ShiftChange {
        vehicle: VehicleId(3),
        outgoing: vec![CrewId(1)],
        incoming: vec![CrewId(1), CrewId(5)],
    };
    assert!(Instance::new(InstanceId(2), r, same, utc(NOW), None, passing(r)).is_err());
    let ok = Subject::ShiftChange {
        vehicle: VehicleId(3),
        outgoing: vec![CrewId(1)],
        incoming: vec![CrewId(5)],
    };
    let i = Instance::new(InstanceId(3), r, ok, utc(NOW), Some(CrewId(1)), passing(r)).unwrap();
    assert!(evaluate(r, &i.answers).passed);
}
