//! Where a hand-over happens, from who gives and who takes: at the port when port staff hand
//! over, at the hotel when its staff hand travelers to a crew (a second transfer), at the
//! receiver's hotel, hospital or home, else aboard. A home is someone's address, so its
//! position is never recorded.

use closedloop_domain::role::PartyRole;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HandoverPlace {
    Port,
    Hotel,
    Hospital,
    Home,
    Vehicle,
}

impl HandoverPlace {
    pub fn of(giver: PartyRole, receiver: PartyRole) -> HandoverPlace {
        match (giver, receiver) {
            (PartyRole::PortStaff, _) => HandoverPlace::Port,
            (PartyRole::HotelStaff, _) => HandoverPlace::Hotel,
            (_, PartyRole::HotelStaff) => HandoverPlace::Hotel,
            (_, PartyRole::HospitalStaff) => HandoverPlace::Hospital,
            (_, PartyRole::CommunityStaff) => HandoverPlace::Home,
            _ => HandoverPlace::Vehicle,
        }
    }

    /// Whether the position of a hand-over here may be kept: not at a home (personal data).
    pub fn keeps_position(self) -> bool {
        self != HandoverPlace::Home
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PartyRole::*;

    #[test]
    fn the_place_follows_the_parties_and_a_home_keeps_no_position() {
        assert_eq!(HandoverPlace::of(PortStaff, Crew), HandoverPlace::Port);
        assert_eq!(HandoverPlace::of(Crew, HotelStaff), HandoverPlace::Hotel);
        assert_eq!(
            HandoverPlace::of(Crew, HospitalStaff),
            HandoverPlace::Hospital
        );
        assert_eq!(HandoverPlace::of(Crew, CommunityStaff), HandoverPlace::Home);
        assert_eq!(HandoverPlace::of(Crew, Crew), HandoverPlace::Vehicle);
        assert_eq!(HandoverPlace::of(HotelStaff, Crew), HandoverPlace::Hotel);
        assert!(!HandoverPlace::Home.keeps_position());
        assert!(HandoverPlace::Port.keeps_position());
    }
}
