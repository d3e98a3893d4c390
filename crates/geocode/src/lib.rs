//! Offline geocoding of home addresses from the configured OpenStreetMap extract.
//!
//! - [`parse`]: an address as people write it — Chinese (`江苏省宿迁市宿城区幸福路12号305室`)
//!   or Latin (`12 Rue Grimaldi, Monaco`) — into street, house number and area words;
//! - [`index`]: the extract's named streets (each name's ways grouped into the separate
//!   streets bearing it), addressed buildings and named places, built from elements;
//! - [`pbf`]: the index read from a `.osm.pbf` file (the only IO of the crate);
//! - [`Index::geocode`] (`matching`): an address placed at a house number, on a street or at a
//!   place, or [`Unplaced`] with the reason — never a silent guess;
//! - [`normalize`]: matching keys (width, case, accents, punctuation);
//! - `nominatim` (feature `nominatim`): an external Nominatim-compatible service instead.

pub mod index;
mod matching;
#[cfg(feature = "nominatim")]
pub mod nominatim;
pub mod normalize;
pub mod parse;
pub mod pbf;
pub mod result;

pub use index::{Index, IndexBuilder, IndexStats};
pub use parse::{ParsedAddress, Reading, parse};
pub use pbf::{GeocodeError, load};
pub use result::{Geocoded, Precision, Unplaced};
