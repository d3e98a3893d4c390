//! The quarantine policy, versioned: rules change often (one city revised its plan 12 times in a
//! year), so durations and thresholds live in `config/policy.toml`, not in code.

use crate::DomainError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuarantinePolicy {
    /// A name desks recognise, e.g. "2021-03 14+7".
    pub version: String,
    /// The first arrival day this version applies to.
    pub effective_from: NaiveDate,
    /// Days of centralised (hotel) quarantine.
    pub hotel_days: u16,
    /// Days of home health monitoring after the hotel.
    pub home_days: u16,
    /// Seats one traveler occupies for distancing: 1.0 = every seat, 2.0 = every other seat.
    pub seat_factor: f64,
    /// From this age (years, on the arrival day) a traveler counts as elderly.
    pub elderly_age: u32,
    /// Under this age a traveler counts as a child.
    pub child_age: u32,
}

impl QuarantinePolicy {
    pub fn validate(&self) -> Result<(), DomainError> {
        if !(self.seat_factor.is_finite() && (1.0..=10.0).contains(&self.seat_factor)) {
            return Err(DomainError::Policy(format!(
                "version {:?}: seat_factor {} must be between 1.0 and 10.0",
                self.version, self.seat_factor
            )));
        }
        if self.child_age >= self.elderly_age {
            return Err(DomainError::Policy(format!(
                "version {:?}: child_age must be below elderly_age",
                self.version
            )));
        }
        Ok(())
    }

    /// The label desks use: "14+7".
    pub fn short(&self) -> String {
        format!("{}+{}", self.hotel_days, self.home_days)
    }

    /// Usable seats of a vehicle under this policy.
    pub fn usable_seats(&self, seats: u16) -> u32 {
        (f64::from(seats) / self.seat_factor).floor() as u32
    }
}

/// All versions, each in force from its `effective_from` until the next one.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyBook {
    #[serde(rename = "policy")]
    versions: Vec<QuarantinePolicy>,
}

impl PolicyBook {
    pub fn from_toml(text: &str) -> Result<Self, DomainError> {
        let mut book: PolicyBook =
            toml::from_str(text).map_err(|e| DomainError::Policy(e.to_string()))?;
        if book.versions.is_empty() {
            return Err(DomainError::Policy("no [[policy]] version defined".into()));
        }
        for p in &book.versions {
            p.validate()?;
        }
        book.versions.sort_by_key(|p| p.effective_from);
        if let Some(w) = book
            .versions
            .windows(2)
            .find(|w| w[0].effective_from == w[1].effective_from)
        {
            return Err(DomainError::Policy(format!(
                "versions {:?} and {:?} both start on {}",
                w[0].version, w[1].version, w[0].effective_from
            )));
        }
        Ok(book)
    }

    /// The version in force on a day; before the first version, none is.
    pub fn in_force(&self, day: NaiveDate) -> Option<&QuarantinePolicy> {
        self.versions.iter().rev().find(|p| p.effective_from <= day)
    }

    pub fn versions(&self) -> &[QuarantinePolicy] {
        &self.versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOOK: &str = r#"
        [[policy]]
        version = "2021-06 14+7"
        effective_from = "2021-06-01"
        hotel_days = 14
        home_days = 7
        seat_factor = 2.0
        elderly_age = 70
        child_age = 14

        [[policy]]
        version = "2020-03 14+0"
        effective_from = "2020-03-01"
        hotel_days = 14
        home_days = 0
        seat_factor = 1.0
        elderly_age = 70
        child_age = 14
    "#;

    #[test]
    fn picks_the_version_in_force() {
        let book = PolicyBook::from_toml(BOOK).unwrap();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(book.in_force(d("2020-01-01")).is_none());
        assert_eq!(book.in_force(d("2021-03-05")).unwrap().short(), "14+0");
        assert_eq!(book.in_force(d("2021-06-01")).unwrap().short(), "14+7");
        assert_eq!(book.in_force(d("2021-06-01")).unwrap().usable_seats(45), 22);
    }

    #[test]
    fn rejects_bad_versions() {
        let bad = BOOK.replace("seat_factor = 2.0", "seat_factor = 0.5");
        assert!(
            PolicyBook::from_toml(&bad)
                .unwrap_err()
                .to_string()
                .contains("seat_factor")
        );
        let unknown = BOOK.replace("child_age = 14\n\n", "child_age = 14\nfoo = 1\n\n");
        assert!(PolicyBook::from_toml(&unknown).is_err());
    }
}
