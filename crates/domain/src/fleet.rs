//! Vehicles and crew members.

use crate::DomainError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

vocabulary! {
    VehicleKind, "vehicle kind", "coach, van, negative-pressure ambulance or wheelchair van" {
        Coach => "coach", "coach", "大巴", ["bus", "客车", "中巴"];
        Van => "van", "van", "商务车", ["minibus", "面包车", "小客车"];
        NegativePressureAmbulance => "negative_pressure_ambulance", "negative-pressure ambulance", "负压救护车", ["ambulance", "负压车", "救护车"];
        WheelchairVan => "wheelchair_van", "wheelchair-accessible van", "无障碍车", ["wheelchair", "轮椅车", "无障碍"];
    }
}

/// A Chinese plate ("沪A12345", "沪AD12345" for new-energy vehicles), stored without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Plate(String);

impl Plate {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let s: String = raw
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '·' && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let n = s.chars().count();
        if (5..=10).contains(&n) && s.chars().any(|c| c.is_ascii_digit()) {
            Ok(Plate(s))
        } else {
            Err(DomainError::Invalid {
                field: "plate",
                value: raw.to_string(),
                expected: "a licence plate such as 沪A12345",
            })
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vehicle {
    pub plate: Plate,
    pub kind: VehicleKind,
    /// Passenger seats, driver and escorts excluded.
    pub seats: u16,
    pub wheelchair_access: bool,
}

impl Vehicle {
    pub fn new(
        plate: Plate,
        kind: VehicleKind,
        seats: u16,
        wheelchair_access: bool,
    ) -> Result<Self, DomainError> {
        if seats == 0 {
            return Err(DomainError::Invalid {
                field: "seats",
                value: "0".into(),
                expected: "at least one passenger seat",
            });
        }
        Ok(Vehicle {
            plate,
            kind,
            seats,
            wheelchair_access: wheelchair_access || kind == VehicleKind::WheelchairVan,
        })
    }
    /// Only a negative-pressure ambulance may carry a symptomatic or positive traveler.
    pub fn negative_pressure(&self) -> bool {
        self.kind == VehicleKind::NegativePressureAmbulance
    }
}

vocabulary! {
    CrewRole, "crew role", "driver/司机 or escort/随车人员" {
        Driver => "driver", "driver", "司机", ["驾驶员"];
        Escort => "escort", "escort", "随车人员", ["随车", "押运", "陪同人员", "医护"];
    }
}

vocabulary! {
    CertificationKind, "certification", "driving licence, epidemic protection, traffic safety or first aid" {
        DrivingLicence => "driving_licence", "driving licence", "驾驶证", ["licence", "license"];
        EpidemicProtection => "epidemic_protection", "epidemic protection training", "防疫培训", ["防护培训"];
        TrafficSafety => "traffic_safety", "traffic safety training", "交通安全培训", ["安全培训"];
        FirstAid => "first_aid", "first aid", "急救", ["急救证"];
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Certification {
    pub kind: CertificationKind,
    pub valid_until: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrewMember {
    pub name: String,
    pub role: CrewRole,
    pub phone: String,
    pub certifications: Vec<Certification>,
}

impl CrewMember {
    pub fn certified(&self, kind: CertificationKind, on: NaiveDate) -> bool {
        self.certifications
            .iter()
            .any(|c| c.kind == kind && c.valid_until >= on)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_and_vehicles() {
        assert_eq!(Plate::parse("沪A 12345").unwrap().as_str(), "沪A12345");
        assert!(Plate::parse("ABC").is_err());
        let v = Vehicle::new(
            Plate::parse("沪A12345").unwrap(),
            VehicleKind::WheelchairVan,
            6,
            false,
        )
        .unwrap();
        assert!(v.wheelchair_access);
        assert!(
            Vehicle::new(
                Plate::parse("沪A12345").unwrap(),
                VehicleKind::Coach,
                0,
                false
            )
            .is_err()
        );
    }
}
