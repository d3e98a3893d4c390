//! How serious an incident is: the one vocabulary every layer speaks — the desk's incident
//! list, the ledger's entries and an audit bundle read the same words.

vocabulary! {
    /// The grading Chinese emergency reports use (一般、较大、重大、特别重大). The ledger writes
    /// it under the spellings its first encoding fixed (`low`, `medium`, `high`, `critical`),
    /// which it maps onto these; every reader shows these words.
    Severity, "severity", "minor/一般, serious/较大, major/重大 or critical/特别重大" {
        Minor => "minor", "minor", "一般";
        Serious => "serious", "serious", "较大";
        Major => "major", "major", "重大";
        Critical => "critical", "critical", "特别重大";
    }
}

#[cfg(test)]
mod tests {
    use super::Severity;
    use crate::Lang;

    #[test]
    fn grades_parse_from_either_language_in_order() {
        assert_eq!("较大".parse::<Severity>().unwrap(), Severity::Serious);
        assert_eq!("Critical".parse::<Severity>().unwrap(), Severity::Critical);
        assert!(Severity::Minor < Severity::Serious && Severity::Major < Severity::Critical);
        assert_eq!(Severity::Major.label(Lang::ZhCn), "重大");
        assert!(
            "low".parse::<Severity>().is_err(),
            "the ledger's spelling is not a grade"
        );
    }
}
