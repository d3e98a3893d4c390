//! What a geocode answers: a place with its precision, or why the address could not be
//! placed, with a stable code and text in English and zh-CN for the desk, who then pins the
//! address with coordinates.

use closedloop_domain::Lang;
use closedloop_domain::geo::Coordinates;
use serde::Serialize;

/// How exactly a placed address is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Precision {
    /// At the addressed building or entrance.
    HouseNumber,
    /// On the street (its middle, or its point nearest the named area).
    Street,
    /// At a town's, village's or district's point: the address named no street.
    Place,
}

impl Precision {
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Precision::HouseNumber => lang.pick("house number", "门牌号"),
            Precision::Street => lang.pick("street", "街道"),
            Precision::Place => lang.pick("place", "地名"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Geocoded {
    Placed {
        location: Coordinates,
        precision: Precision,
        /// The name (and number) found on the map, as the map spells it.
        matched: String,
        /// Area words of the address the map does not know (a province outside the extract):
        /// nothing contradicted them, nothing confirmed them.
        unverified_areas: Vec<String>,
    },
    Unplaced {
        reason: Unplaced,
    },
}

/// Why an address is not placed. Nothing is ever guessed in its stead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Unplaced {
    /// No street, number or place of the map could be read in the address.
    NothingRecognisable,
    /// The address names a street the map does not have.
    NoSuchStreet { street: String },
    /// The street exists in several places and the address names none of them.
    StreetAmbiguous { street: String, places: usize },
    /// The street exists, but not in the area the address names.
    StreetNotInArea { street: String, areas: Vec<String> },
    /// The place name exists several times.
    PlaceAmbiguous { place: String, places: usize },
    /// The external geocoder found nothing.
    NotFound,
    /// The external geocoder's best answers lie far apart.
    ResultsFarApart {
        first: String,
        second: String,
        km: u32,
    },
}

impl Unplaced {
    /// The stable code: snake_case, never reworded once published.
    pub fn code(&self) -> &'static str {
        match self {
            Unplaced::NothingRecognisable => "nothing_recognisable",
            Unplaced::NoSuchStreet { .. } => "no_such_street",
            Unplaced::StreetAmbiguous { .. } => "street_ambiguous",
            Unplaced::StreetNotInArea { .. } => "street_not_in_area",
            Unplaced::PlaceAmbiguous { .. } => "place_ambiguous",
            Unplaced::NotFound => "not_found",
            Unplaced::ResultsFarApart { .. } => "results_far_apart",
        }
    }

    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (Unplaced::NothingRecognisable, Lang::En) => {
                "no street, house number or place of the map can be read in the address; pin it \
                 with coordinates"
                    .into()
            }
            (Unplaced::NothingRecognisable, Lang::ZhCn) => {
                "地址中没有可识别的街道、门牌号或地名；请用坐标标定".into()
            }
            (Unplaced::NoSuchStreet { street }, Lang::En) => format!(
                "the map has no street named {street:?}; check the spelling or pin the address \
                 with coordinates"
            ),
            (Unplaced::NoSuchStreet { street }, Lang::ZhCn) => {
                format!("地图中没有名为“{street}”的街道；请核对写法或用坐标标定")
            }
            (Unplaced::StreetAmbiguous { street, places }, Lang::En) => format!(
                "{street:?} exists in {places} places and the address names none of them; add \
                 the district or town, or pin the address with coordinates"
            ),
            (Unplaced::StreetAmbiguous { street, places }, Lang::ZhCn) => format!(
                "“{street}”在 {places} 处都有，地址未写明是哪一处；请补充区县或镇名，或用坐标标定"
            ),
            (Unplaced::StreetNotInArea { street, areas }, Lang::En) => format!(
                "the map has {street:?}, but not in {}; check the address or pin it with \
                 coordinates",
                areas.join(", ")
            ),
            (Unplaced::StreetNotInArea { street, areas }, Lang::ZhCn) => format!(
                "地图中有“{street}”，但不在{}；请核对地址或用坐标标定",
                areas.join("、")
            ),
            (Unplaced::PlaceAmbiguous { place, places }, Lang::En) => format!(
                "{places} places are named {place:?}; add the street or pin the address with \
                 coordinates"
            ),
            (Unplaced::PlaceAmbiguous { place, places }, Lang::ZhCn) => {
                format!("名为“{place}”的地方有 {places} 处；请补充街道或用坐标标定")
            }
            (Unplaced::NotFound, Lang::En) => {
                "the geocoding service found nothing for the address; pin it with coordinates"
                    .into()
            }
            (Unplaced::NotFound, Lang::ZhCn) => "地理编码服务未找到该地址；请用坐标标定".into(),
            (Unplaced::ResultsFarApart { first, second, km }, Lang::En) => format!(
                "the geocoding service's two best answers, {first:?} and {second:?}, are {km} \
                 km apart; make the address more precise or pin it with coordinates"
            ),
            (Unplaced::ResultsFarApart { first, second, km }, Lang::ZhCn) => format!(
                "地理编码服务的两个最佳结果“{first}”与“{second}”相距 {km} 公里；请补充地址或用坐标标定"
            ),
        }
    }
}

/// Great-circle distance in metres (a sphere is precise enough to tell streets apart).
pub fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6_371_008.8 * h.sqrt().min(1.0).asin()
}
