//! A hotel edited — opened, closed, its rooms changed — from the version the desk read: the
//! shell edits whatever is current, the web service sends the version it showed (If-Match) and
//! is refused if the hotel has changed since.

use super::{MAX_ROOMS, hotel_code, unknown_hotel};
use crate::context::App;
use crate::error::{AppError, AppResult};
use crate::version::{Expect, Version};
use closedloop_store::places::{self as store, QuarantineHotel, Stored};
use serde::Serialize;

/// A hotel after an edit, whether the edit changed anything, and its version now.
#[derive(Debug, Clone, Serialize)]
pub struct HotelEdited {
    #[serde(flatten)]
    pub hotel: Stored<QuarantineHotel>,
    pub changed: bool,
    pub version: Version,
}

/// The version of a hotel as listed and shown.
pub fn hotel_version(hotel: &Stored<QuarantineHotel>) -> Version {
    Version::of(hotel)
}

/// What to change of a hotel (at least one), from which version.
#[derive(Debug, Clone)]
pub struct EditHotel {
    pub code: String,
    pub rooms: Option<u32>,
    pub accessible_rooms: Option<u32>,
    pub open: Option<bool>,
    pub expect: Expect,
}

/// Change a hotel's rooms, accessible rooms, or both.
#[derive(Debug, Clone)]
pub struct SetRooms {
    pub code: String,
    pub rooms: Option<u32>,
    pub accessible_rooms: Option<u32>,
}

/// Opens (`open`) or closes a hotel: a closed hotel takes nobody new.
pub fn set_hotel_open(app: &App, code: &str, open: bool) -> AppResult<HotelEdited> {
    edit_hotel(
        app,
        &EditHotel {
            code: code.to_string(),
            rooms: None,
            accessible_rooms: None,
            open: Some(open),
            expect: Expect::Current,
        },
    )
}

/// Sets a hotel's rooms and accessible rooms; refused when the accessible ones would be more
/// than the rooms, or the hotel would have none.
pub fn set_hotel_rooms(app: &App, req: &SetRooms) -> AppResult<HotelEdited> {
    edit_hotel(
        app,
        &EditHotel {
            code: req.code.clone(),
            rooms: req.rooms,
            accessible_rooms: req.accessible_rooms,
            open: None,
            expect: Expect::Current,
        },
    )
}

/// Edits a hotel in one transaction: the version expected is checked against the hotel as
/// stored, then the rules, then the write.
pub fn edit_hotel(app: &App, req: &EditHotel) -> AppResult<HotelEdited> {
    let key = hotel_code(&req.code)?;
    if req.rooms.is_none() && req.accessible_rooms.is_none() && req.open.is_none() {
        return Err(AppError::invalid(
            "nothing_to_change",
            "say what to change: the rooms, the accessible rooms, whether it is open",
            "请指定要修改的内容：房间数、无障碍房间数或是否开放",
        ));
    }
    if let Some(r) = req.rooms
        && !(1..=MAX_ROOMS).contains(&r)
    {
        return Err(AppError::invalid(
            "rooms_out_of_range",
            format!("rooms: {r} is not between 1 and {MAX_ROOMS} (close the hotel instead of giving it no rooms)"),
            format!("房间数 {r} 不在 1 到 {MAX_ROOMS} 之间（酒店不再接收时请将其关闭，而不是设为 0 间）"),
        )
        .with_field("rooms"));
    }
    let mut changed = false;
    let what = (format!("hotel {key}"), format!("酒店 {key}"));
    let hotel = store::edit_hotel(&mut *app.conn()?, &key, |stored| {
        req.expect.check((&what.0, &what.1), &*stored)?;
        let h = &mut stored.place;
        let rooms = req.rooms.unwrap_or(h.rooms);
        let accessible = req.accessible_rooms.unwrap_or(h.accessible_rooms);
        if accessible > rooms {
            return Err(AppError::invalid(
                "accessible_rooms_exceed_rooms",
                format!(
                    "hotel {key}: {accessible} accessible rooms would be more than its {rooms} rooms; nothing was changed"
                ),
                format!("酒店 {key}：无障碍房间 {accessible} 间将超过房间总数 {rooms} 间；未做任何改动"),
            )
            .with_field("accessible_rooms"));
        }
        let open = req.open.unwrap_or(h.open);
        changed = (rooms, accessible, open) != (h.rooms, h.accessible_rooms, h.open);
        h.rooms = rooms;
        h.accessible_rooms = accessible;
        h.open = open;
        Ok(())
    })?;
    match hotel {
        Some(hotel) => Ok(HotelEdited {
            version: hotel_version(&hotel),
            hotel,
            changed,
        }),
        None => Err(unknown_hotel(&key)),
    }
}
