//! One arrival: a flight, a train or a crossing at a port of entry.

use crate::DomainError;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A flight or train number ("CA936", "G1234", "MU5101"), upper-case, without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TransportNumber(String);

impl TransportNumber {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = (2..=16).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '/')
            && s.chars().any(|c| c.is_ascii_digit());
        if ok {
            Ok(TransportNumber(s))
        } else {
            Err(DomainError::Invalid {
                field: "flight/train",
                value: raw.to_string(),
                expected: "a flight or train number such as CA936 or G1234",
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TransportNumber {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TransportNumber::parse(&s)
    }
}

impl From<TransportNumber> for String {
    fn from(t: TransportNumber) -> String {
        t.0
    }
}

impl fmt::Display for TransportNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An arrival is identified by its number, its port and its service date: CA936 lands at PVG
/// every week, and each landing is its own arrival.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArrivalKey {
    pub transport: TransportNumber,
    pub port_code: String,
    pub service_date: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Arrival {
    pub transport: TransportNumber,
    pub port_code: String,
    /// Scheduled arrival; midnight when the manifest gave only a date.
    pub scheduled_at: NaiveDateTime,
    pub actual_at: Option<NaiveDateTime>,
}

impl Arrival {
    pub fn key(&self) -> ArrivalKey {
        ArrivalKey {
            transport: self.transport.clone(),
            port_code: self.port_code.clone(),
            service_date: self.scheduled_at.date(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_numbers_are_canonical() {
        assert_eq!(
            TransportNumber::parse(" ca 936 ").unwrap().as_str(),
            "CA936"
        );
        assert_eq!(TransportNumber::parse("G1234").unwrap().as_str(), "G1234");
        assert!(TransportNumber::parse("CA").is_err());
        assert!(TransportNumber::parse("航班936").is_err());
    }
}
