//! The shipped configuration parses, speaks both languages, and evaluates as written.

mod common;

use closedloop_domain::Lang;
use closedloop_domain::batch::BatchState;
use closedloop_handover::evaluate::FailureReason;
use closedloop_handover::gate::Requirement;
use closedloop_handover::template::ItemKind;
use closedloop_handover::{Answer, Answers, ChecklistKind, GateBook, TemplateBook, evaluate};
use common::day;

const CHECKLISTS: &str = include_str!("../../../config/checklists.toml");
const GATES: &str = include_str!("../../../config/gates.toml");

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn shipped_templates_parse_and_every_item_has_both_languages() {
    let book = TemplateBook::from_toml(CHECKLISTS).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(book, TemplateBook::builtin());
    for kind in ChecklistKind::ALL {
        assert!(
            book.in_force(*kind, day("2021-07-01")).is_some(),
            "{kind} has no template in force in July 2021"
        );
    }
    let mut items = 0;
    for t in book.templates() {
        assert!(
            has_chinese(&t.title.zh) && !t.title.en.trim().is_empty(),
            "{}",
            t.place()
        );
        assert!(t.items.len() >= 3, "{} has too few items", t.place());
        for item in &t.items {
            items += 1;
            assert!(
                has_chinese(&item.label.zh),
                "{} {}: zh",
                t.place(),
                item.key
            );
            assert!(
                !has_chinese(&item.label.en) && item.label.en.len() > 3,
                "{} {}: en {:?}",
                t.place(),
                item.key,
                item.label.en
            );
        }
    }
    assert!(items > 40, "{items} items");
}

#[test]
fn templates_are_versioned_by_effective_date() {
    let book = TemplateBook::builtin();
    let old = book
        .in_force(ChecklistKind::CrewHealth, day("2021-05-31"))
        .unwrap();
    let new = book
        .in_force(ChecklistKind::CrewHealth, day("2021-06-01"))
        .unwrap();
    assert_eq!(
        (old.version.as_str(), new.version.as_str()),
        ("2020-03", "2021-06")
    );
    assert!(old.item("vaccinated").is_none() && new.item("vaccinated").is_some());
    assert_eq!(book.get(ChecklistKind::CrewHealth, "2020-03"), Some(old));
    assert!(
        book.in_force(ChecklistKind::Sanitation, day("2020-01-01"))
            .is_none()
    );
}

#[test]
fn body_temperature_limits_are_inclusive_and_failures_name_every_item() {
    let book = TemplateBook::builtin();
    let t = book
        .in_force(ChecklistKind::CrewHealth, day("2021-07-01"))
        .unwrap();
    assert_eq!(
        t.item("body_temperature").unwrap().kind,
        ItemKind::Number {
            min: Some(36.0),
            max: Some(37.2),
            unit: Some("°C".into())
        }
    );
    let mut answers: Answers = [
        ("body_temperature", Answer::Number(37.2)),
        ("no_symptoms", Answer::YesNo(true)),
        ("health_code_green", Answer::YesNo(true)),
        ("nucleic_acid_negative", Answer::YesNo(true)),
        ("hours_since_last_test", Answer::Number(20.0)),
        ("vaccinated", Answer::YesNo(true)),
    ]
    .into_iter()
    .map(|(k, a)| (k.to_string(), a))
    .collect();
    let ok = evaluate(t, &answers);
    assert!(ok.passed && ok.failures.is_empty(), "{:?}", ok.failures);

    answers.insert("body_temperature".into(), Answer::Number(37.6));
    answers.insert("no_symptoms".into(), Answer::YesNo(false));
    answers.insert(
        "hours_since_last_test".into(),
        Answer::Text("yesterday".into()),
    );
    answers.remove("vaccinated");
    answers.insert("shoe_size".into(), Answer::Number(42.0));
    let out = evaluate(t, &answers);
    assert!(!out.passed);
    let keys: Vec<&str> = out.failures.iter().map(|f| f.item.as_str()).collect();
    assert_eq!(
        keys,
        [
            "body_temperature",
            "no_symptoms",
            "hours_since_last_test",
            "vaccinated",
            "shoe_size"
        ]
    );
    assert_eq!(out.failures[3].reason, FailureReason::Missing);
    assert_eq!(out.failures[4].reason, FailureReason::UnknownItem);
    let fever = &out.failures[0];
    assert_eq!(
        fever.message(Lang::En),
        "Body temperature (°C): 37.6 °C is outside 36–37.2 °C"
    );
    assert_eq!(
        fever.message(Lang::ZhCn),
        "体温（°C）：37.6 °C 不在 36–37.2 °C 范围内"
    );
    assert!(
        out.failures[1].to_string().contains("must be yes"),
        "{}",
        out.failures[1]
    );
    assert!(
        out.failures[1].to_string().contains("须为“是”"),
        "{}",
        out.failures[1]
    );
    assert!(
        out.failures[2]
            .message(Lang::En)
            .contains("answered as text")
    );

    // A skipped optional item passes; an optional item answered wrongly does not.
    let r = book
        .in_force(ChecklistKind::PreDepartureReminder, day("2021-07-01"))
        .unwrap();
    let mut answers: Answers = r
        .items
        .iter()
        .filter(|i| i.required)
        .map(|i| {
            let a = match i.kind {
                ItemKind::YesNo { .. } => Answer::YesNo(true),
                ItemKind::Text { .. } => Answer::Text("中文、English".into()),
                _ => unreachable!("the reminder has yes/no and text items only"),
            };
            (i.key.clone(), a)
        })
        .collect();
    assert!(evaluate(r, &answers).passed);
    answers.insert("special_groups_cared_for".into(), Answer::YesNo(false));
    assert!(!evaluate(r, &answers).passed);
}

#[test]
fn shipped_gates_parse_and_guard_departure() {
    let gates = GateBook::from_toml(GATES).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gates, GateBook::builtin());
    assert_eq!(gates.utc_offset.local_minus_utc(), 8 * 3600);
    let codes: Vec<&str> = gates
        .requirements(BatchState::Departed)
        .iter()
        .map(Requirement::code)
        .collect();
    assert_eq!(
        codes,
        [
            "vehicle_inspection",
            "vehicle_disinfected",
            "crew_training",
            "crew_health",
            "pre_departure_reminder"
        ]
    );
    assert!(gates.requirements(BatchState::Cancelled).is_empty());
}

#[test]
fn template_errors_name_template_item_and_what_to_do() {
    let broken = CHECKLISTS.replacen("max = 37.2", "max = 35.0", 1);
    let e = TemplateBook::from_toml(&broken).unwrap_err();
    assert_eq!(e.place, "template crew_health 2020-03");
    assert_eq!(e.item.as_deref(), Some("body_temperature"));
    let en = e.message(Lang::En);
    assert!(
        en.contains("min 36 and max 35 must be finite numbers with min <= max"),
        "{en}"
    );
    assert!(e.message(Lang::ZhCn).contains("下限 36 与上限 35"), "{e}");

    let dup = CHECKLISTS.replacen("key = \"tyres\"", "key = \"brakes\"", 1);
    let e = TemplateBook::from_toml(&dup).unwrap_err();
    assert_eq!(
        (e.place.as_str(), e.item.as_deref()),
        ("template vehicle_inspection 2021-06", Some("brakes"))
    );

    let syntax = CHECKLISTS.replacen("type = \"photo\"", "type = \"video\"", 1);
    let e = TemplateBook::from_toml(&syntax).unwrap_err();
    assert!(e.to_string().contains("video"), "{e}");

    let no_en = CHECKLISTS.replacen("en = \"Brakes work\"", "en = \" \"", 1);
    let e = TemplateBook::from_toml(&no_en).unwrap_err();
    assert_eq!(e.item.as_deref(), Some("brakes"));
    assert!(e.to_string().contains("en is empty"), "{e}");
}
