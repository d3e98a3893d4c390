//! The one vocabulary of party roles: who hands travelers over or takes them over. The store's
//! hand-over rows, the hand-over rules' parties and the ledger's roles all speak it; a layer
//! with its own wire names (the ledger's `transfer_crew`) maps to and from it.

vocabulary! {
    /// Who takes part in a hand-over. The stable code is what the database stores and what a
    /// desk types (`crew:5`, `hotel_staff:12`); `hospital` and `transfer_crew`, older spellings
    /// of the same roles, still parse.
    PartyRole, "party role", "port_staff, crew, hotel_staff, community_staff or hospital_staff" {
        /// Staff at a port's diversion point, who register travelers and put them on vehicles.
        PortStaff => "port_staff", "port staff", "口岸工作人员";
        /// The crew (driver and escorts) of a trip's vehicle.
        Crew => "crew", "transfer crew", "转运专班", ["transfer_crew"];
        /// Quarantine hotel staff: receiving closes the loop.
        HotelStaff => "hotel_staff", "hotel staff", "隔离酒店工作人员";
        /// Community staff taking over at a home: receiving closes the loop.
        CommunityStaff => "community_staff", "community staff", "社区工作人员";
        /// A designated hospital's staff: receiving closes the loop.
        HospitalStaff => "hospital_staff", "hospital staff", "定点医院工作人员", ["hospital", "定点医院"];
    }
}

impl PartyRole {
    /// Receiving a traveler closes the loop: the traveler is inside quarantine or care. These
    /// are also the roles that stand for a destination (a stop of a trip).
    pub fn closes_loop(self) -> bool {
        matches!(
            self,
            PartyRole::HotelStaff | PartyRole::CommunityStaff | PartyRole::HospitalStaff
        )
    }
}

/// One side of a hand-over as a desk names it (`crew:5`): a role and an id. For the crew the
/// id is the crew member who signs; for hotel, community or hospital staff it names the
/// destination; for port staff, the staff member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct PartyKey {
    pub role: PartyRole,
    pub id: i64,
}

#[cfg(test)]
mod tests {
    use super::PartyRole;

    #[test]
    fn codes_round_trip_and_old_spellings_parse() {
        for r in PartyRole::ALL {
            assert_eq!(r.code().parse::<PartyRole>().unwrap(), *r);
            assert_eq!(r.label(crate::Lang::ZhCn).parse::<PartyRole>().unwrap(), *r);
        }
        assert_eq!(
            "hospital".parse::<PartyRole>().unwrap(),
            PartyRole::HospitalStaff
        );
        assert_eq!(
            "transfer_crew".parse::<PartyRole>().unwrap(),
            PartyRole::Crew
        );
        assert_eq!(
            " Hotel Staff ".parse::<PartyRole>().unwrap(),
            PartyRole::HotelStaff
        );
        let e = "driver".parse::<PartyRole>().unwrap_err();
        assert!(e.to_string().contains("hospital_staff"), "{e}");
    }

    #[test]
    fn destination_staff_close_the_loop() {
        let closing: Vec<&str> = PartyRole::ALL
            .iter()
            .filter(|r| r.closes_loop())
            .map(|r| r.code())
            .collect();
        assert_eq!(
            closing,
            ["hotel_staff", "community_staff", "hospital_staff"]
        );
    }
}
