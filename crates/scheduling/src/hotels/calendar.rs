//! Each hotel's rooms, night by night. A hotel that has room tonight may be full on the tenth
//! night of a stay, so a booking is tried against every night it covers, not against a count.
//!
//! Rooms in use on a night are those held by guests the day file does not list (`held`), the
//! running stays covering that night, and what the plan has booked so far. Members of one
//! family or declared group share rooms `family_room_size` to a room; their wheelchair users
//! share accessible rooms the same way, so a group with one wheelchair user takes one
//! accessible room among its rooms. Accessible rooms are part of the rooms: a booking fits
//! when the rooms in use stay within `rooms` and the accessible rooms in use within
//! `accessible_rooms` (then every wheelchair user has an accessible room and everyone else
//! any room — the two counts are all an assignment of rooms needs).

use crate::ids::HotelCode;
use crate::plan::Reason;
use crate::problem::{Day, Hotel};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Rooms and accessible rooms in use, or needed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Rooms {
    pub rooms: u64,
    pub accessible: u64,
}

impl Rooms {
    fn add(&mut self, other: Rooms) {
        self.rooms = self.rooms.saturating_add(other.rooms);
        self.accessible = self.accessible.saturating_add(other.accessible);
    }
}

/// The rooms `members` people take when they share `share` to a room (a group) or each has
/// their own (no group); `wheelchair` of them need accessible rooms.
pub(crate) fn rooms_for(members: u64, wheelchair: u64, grouped: bool, share: u32) -> Rooms {
    if grouped {
        let share = u64::from(share.max(1));
        Rooms {
            rooms: members.div_ceil(share),
            accessible: wheelchair.div_ceil(share),
        }
    } else {
        Rooms {
            rooms: members,
            accessible: wheelchair,
        }
    }
}

/// The nights a booking may cover, for every hotel of the day (by its index in `day.hotels`).
/// Only those nights are kept: arrivals months apart in a hand-written file cost their nights,
/// not the months between.
pub(crate) struct Calendar {
    nights: BTreeSet<NaiveDate>,
    used: HashMap<(usize, NaiveDate), Rooms>,
}

impl Calendar {
    /// The calendar over `nights`, filled with the held rooms and the running stays.
    pub(crate) fn new(day: &Day, nights: BTreeSet<NaiveDate>) -> Calendar {
        let mut cal = Calendar {
            nights,
            used: HashMap::new(),
        };
        let index: BTreeMap<&HotelCode, usize> = day
            .hotels
            .iter()
            .enumerate()
            .map(|(i, h)| (&h.code, i))
            .collect();
        for (h, hotel) in day.hotels.iter().enumerate() {
            for held in &hotel.held {
                // `accessible_rooms` are among the held rooms; a file that holds more
                // accessible rooms than rooms still holds at least that many rooms.
                let rooms = Rooms {
                    rooms: u64::from(held.rooms.max(held.accessible_rooms)),
                    accessible: u64::from(held.accessible_rooms),
                };
                cal.add(h, held.night, rooms);
            }
        }
        // Running stays: grouped members share rooms per night, like the plan's own.
        let share = day.policy.family_room_size;
        let mut groups: BTreeMap<(usize, NaiveDate, NaiveDate, &str), (u64, u64)> = BTreeMap::new();
        let mut alone = Vec::new();
        for stay in &day.stays {
            let Some(&h) = index.get(&stay.hotel) else {
                continue;
            };
            if stay.release <= stay.check_in {
                continue;
            }
            let wheel = u64::from(stay.traveler.uses_wheelchair());
            for &night in cal.nights.range(stay.check_in..stay.release) {
                match stay.traveler.group.as_deref() {
                    Some(g) => {
                        let e = groups.entry((h, night, stay.check_in, g)).or_default();
                        e.0 += 1;
                        e.1 += wheel;
                    }
                    None => alone.push((h, night, rooms_for(1, wheel, false, share))),
                }
            }
        }
        for (h, night, rooms) in alone {
            cal.add(h, night, rooms);
        }
        for ((h, night, _, _), (n, w)) in groups {
            cal.add(h, night, rooms_for(n, w, true, share));
        }
        cal
    }

    fn add(&mut self, hotel: usize, night: NaiveDate, rooms: Rooms) {
        if self.nights.contains(&night) {
            self.used.entry((hotel, night)).or_default().add(rooms);
        }
    }

    /// Whether `need` fits in `hotel` on every night of `nights`; if not, the first night
    /// that fails and why (rooms before accessible rooms: a full hotel is full for everyone).
    pub(crate) fn fits(
        &self,
        hotel: usize,
        spec: &Hotel,
        need: Rooms,
        nights: &[NaiveDate],
    ) -> Result<(), Reason> {
        for &night in nights {
            let used = self.used.get(&(hotel, night)).copied().unwrap_or_default();
            if used.rooms.saturating_add(need.rooms) > u64::from(spec.rooms) {
                return Err(Reason::NoCapacity { night });
            }
            if used.accessible.saturating_add(need.accessible) > u64::from(spec.accessible_rooms) {
                return Err(Reason::NoAccessibleRoom { night });
            }
        }
        Ok(())
    }

    pub(crate) fn book(&mut self, hotel: usize, need: Rooms, nights: &[NaiveDate]) {
        for &night in nights {
            self.add(hotel, night, need);
        }
    }
}

/// The night a failure names, for comparing two hotels' failures: the later the better (the
/// hotel that could hold them longer is the one the desk wants to hear about).
pub(crate) fn failing_night(reason: &Reason) -> Option<NaiveDate> {
    match reason {
        Reason::NoCapacity { night } | Reason::NoAccessibleRoom { night } => Some(*night),
        _ => None,
    }
}
