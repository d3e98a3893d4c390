use super::{PartyRole, Role, Severity, severity_wire};

#[test]
fn severity_keeps_its_wire_spellings() {
    let mut out = Vec::new();
    for s in Severity::ALL {
        let mut buf = Vec::new();
        severity_wire::serialize(s, &mut serde_json::Serializer::new(&mut buf)).unwrap();
        let back =
            severity_wire::deserialize(&mut serde_json::Deserializer::from_slice(&buf)).unwrap();
        assert_eq!(back, *s);
        out.push(String::from_utf8(buf).unwrap());
    }
    assert_eq!(out, ["\"low\"", "\"medium\"", "\"high\"", "\"critical\""]);
    let minor = severity_wire::deserialize(&mut serde_json::Deserializer::from_str("\"minor\""));
    assert!(minor.is_err(), "the wire reads only its own spellings");
}

#[test]
fn hand_over_roles_keep_their_wire_names_and_map_back() {
    let wire: Vec<String> = PartyRole::ALL
        .iter()
        .map(|r| serde_json::to_string(&Role::from(*r)).unwrap())
        .collect();
    assert_eq!(
        wire,
        [
            "\"port_staff\"",
            "\"transfer_crew\"",
            "\"hotel_staff\"",
            "\"community_staff\"",
            "\"hospital_staff\""
        ]
    );
    for r in PartyRole::ALL {
        assert_eq!(Role::from(*r).party_role(), Some(*r));
    }
    assert_eq!(Role::Escort.party_role(), Some(PartyRole::Crew));
    assert_eq!(Role::DispatchDesk.party_role(), None);
}
