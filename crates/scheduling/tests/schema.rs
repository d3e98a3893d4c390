//! The published JSON Schemas (`docs/schemas/*.schema.json`) are the ones the types generate.
//! After changing a type, regenerate them with
//! `CLOSEDLOOP_BLESS=1 cargo test -p closedloop-scheduling --test schema`.

use closedloop_scheduling::event::Event;
use closedloop_scheduling::{Day, Plan};
use std::path::PathBuf;

fn check(name: &str, schema: schemars::Schema) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../docs/schemas")
        .join(format!("{name}.schema.json"));
    let generated = serde_json::to_string_pretty(&schema).expect("a schema serialises") + "\n";
    if std::env::var_os("CLOSEDLOOP_BLESS").is_some() {
        std::fs::write(&path, &generated).expect("write the schema");
        return;
    }
    let published = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        published == generated,
        "{} is not what the types generate: run CLOSEDLOOP_BLESS=1 cargo test -p closedloop-scheduling --test schema",
        path.display()
    );
}

#[test]
fn the_published_day_schema_is_the_generated_one() {
    check("day", schemars::schema_for!(Day));
}

#[test]
fn the_published_plan_schema_is_the_generated_one() {
    check("plan", schemars::schema_for!(Plan));
}

#[test]
fn the_published_event_schema_is_the_generated_one() {
    check("event", schemars::schema_for!(Event));
}
