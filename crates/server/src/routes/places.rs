//! Quarantine hotels as the desk keeps them: listed, read with their version (`ETag`), and
//! edited — opened, closed, rooms changed — from the version read (`If-Match`).

use crate::pages::{self, Page};
use crate::preconditions::{IfMatch, with_etag};
use crate::problem::Problem;
use crate::state::State;
use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpResponse, get, patch};
use closedloop_app::places::{self, EditHotel};
use closedloop_app::version::Version;
use closedloop_store::places::{QuarantineHotel, Stored};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// A hotel with its version, as listed and shown.
#[derive(Serialize)]
pub struct HotelView {
    #[serde(flatten)]
    pub hotel: Stored<QuarantineHotel>,
    pub version: Version,
}

impl From<Stored<QuarantineHotel>> for HotelView {
    fn from(hotel: Stored<QuarantineHotel>) -> HotelView {
        HotelView {
            version: places::hotel_version(&hotel),
            hotel,
        }
    }
}

/// A quarantine hotel (the documented shape of [`HotelView`]).
#[derive(Serialize, ToSchema)]
pub struct Hotel {
    pub id: i64,
    /// The desk's key, unique, upper case.
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub address: String,
    pub lat: f64,
    pub lon: f64,
    pub rooms: u32,
    /// Rooms for wheelchair users, at most `rooms`.
    pub accessible_rooms: u32,
    /// Languages of its staff ("zh", "en", …).
    pub languages: Vec<String>,
    /// A closed hotel takes nobody new.
    pub open: bool,
    /// The hotel's version, also its `ETag`: send it back in `If-Match` to edit.
    pub version: String,
}

/// One page of hotels, in id order.
#[derive(Serialize, ToSchema)]
pub struct HotelPage {
    pub items: Vec<Hotel>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HotelsQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// The quarantine hotels, a page at a time.
#[utoipa::path(
    tag = "places",
    params(HotelsQuery),
    responses(
        (status = 200, body = HotelPage),
        (status = 400, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/hotels")]
pub async fn list_hotels(
    state: Data<State>,
    caller: crate::auth::Caller,
    q: Query<HotelsQuery>,
) -> Result<Json<Page<HotelView>>, Problem> {
    caller.require(closedloop_app::accounts::Action::ListHotels)?;
    let q = q.into_inner();
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("hotels", c))
        .transpose()?;
    let rows = state.into_inner().run(places::list_hotels).await?;
    let rows = rows.into_iter().map(HotelView::from).collect();
    Ok(Json(pages::page(
        "hotels",
        rows,
        |h: &HotelView| h.hotel.id,
        after,
        limit,
    )))
}

/// One hotel, its version in the `ETag` header.
#[utoipa::path(
    tag = "places",
    params(("code" = String, Path, description = "The hotel's code")),
    responses(
        (status = 200, body = Hotel, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/hotels/{code}")]
pub async fn get_hotel(
    state: Data<State>,
    caller: crate::auth::Caller,
    code: Path<String>,
) -> Result<HttpResponse, Problem> {
    caller.require(closedloop_app::accounts::Action::ListHotels)?;
    let code = code.into_inner();
    let hotel = state
        .into_inner()
        .run(move |app| places::hotel(app, &code))
        .await?;
    let view = HotelView::from(hotel);
    let mut r = HttpResponse::Ok();
    with_etag(&mut r, &view.version);
    Ok(r.json(view))
}

/// What to change of a hotel: at least one field.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HotelChange {
    /// Rooms, 1 to the most a hotel may have (close it instead of giving it none).
    pub rooms: Option<u32>,
    /// Accessible rooms, at most the rooms.
    pub accessible_rooms: Option<u32>,
    /// Whether it takes new travelers.
    pub open: Option<bool>,
}

/// Edits a hotel from the version read: `If-Match` with its `ETag` is required.
#[utoipa::path(
    tag = "places",
    params(
        ("code" = String, Path, description = "The hotel's code"),
        ("If-Match" = String, Header, description = "The ETag the hotel was read with"),
    ),
    request_body = HotelChange,
    responses(
        (status = 200, body = Hotel, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, body = Problem, content_type = "application/problem+json",
            description = "The hotel changed since that version: the current ETag comes back"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
        (status = 428, body = Problem, content_type = "application/problem+json",
            description = "No If-Match"),
    )
)]
#[patch("/hotels/{code}")]
pub async fn edit_hotel(
    state: Data<State>,
    caller: crate::auth::Caller,
    code: Path<String>,
    if_match: IfMatch,
    body: Json<HotelChange>,
) -> Result<HttpResponse, Problem> {
    caller.require(closedloop_app::accounts::Action::EditHotel)?;
    let HotelChange {
        rooms,
        accessible_rooms,
        open,
    } = body.into_inner();
    let req = EditHotel {
        code: code.into_inner(),
        rooms,
        accessible_rooms,
        open,
        expect: if_match.0,
    };
    let edited = state
        .into_inner()
        .run(move |app| places::edit_hotel(app, &req))
        .await?;
    let view = HotelView {
        hotel: edited.hotel,
        version: edited.version,
    };
    let mut r = HttpResponse::Ok();
    with_etag(&mut r, &view.version);
    Ok(r.json(view))
}
