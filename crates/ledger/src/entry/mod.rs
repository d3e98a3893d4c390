//! Log entries and their canonical bytes.
//!
//! An [`Entry`] is one fact about custody: a hand-over, a completed check-list, a gate decision,
//! an incident or a purge of personal data ([`Body`]). Its canonical bytes are what the Merkle
//! leaf hashes, so they must be the same on every machine and in every year:
//!
//! **Canonical encoding rule.** Compact JSON (no whitespace) as `serde_json` writes it, of the
//! object `{"v":2,"seq":…,"at":…,"prev":…,"links":[…],"body":{"kind":…,…}}` with the fields in
//! exactly the order declared in this module; no maps (only structs and arrays), so no key-order
//! ambiguity; no floats (coordinates are integer micro-degrees); times as
//! `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC, milliseconds); hashes and traveler references as lower-case
//! hex; lists of travelers and of item ids sorted and without duplicates; absent optional
//! fields written as `null`. [`Entry::from_canonical`] parses and re-encodes, and refuses bytes
//! that differ from the re-encoding, so two encodings of one entry cannot both be valid.
//!
//! **Versions.** Version 2 (every entry appended since the traveler map) adds `links`: one
//! per traveler the body names, in the body's (sorted) traveler order, each the [`Previous`]
//! entry naming that traveler — its sequence number and kind, `{"seq":41,"kind":"hand_over"}`
//! — or `null` for the traveler's first entry. The list is parallel to the body's `travelers`
//! rather than repeating each 64-digit reference. Each traveler's entries thus form a chain a
//! bundle can be checked against: a removed entry is named by the entry that links to it. Version 1 (`{"v":1,"seq":…,"at":…,"prev":…,
//! "body":…}`, no `links`) is what the log held before; such entries still parse and verify,
//! and the chain of a traveler whose earlier entries are version 1 is proven from the last of
//! them on. A log never goes back from version 2 to 1.
//!
//! **No personal data.** Travelers appear only as [`TravelerRef`] (a keyed hash of their id);
//! every other identifier is an [`Id`]: 1–64 ASCII letters, digits and `. _ : -`, so no name
//! (in any script), address or sentence fits; no field exists for a document number, phone,
//! health detail or free-text note. Fill ids from the store's keys, never from what a person
//! typed.

mod body;
mod describe;

pub use body::{
    Body, ChecklistCompleted, ChecklistKind, CodeRejected, Coords, Decision, GateDecision,
    HandOver, Incident, IncidentKind, IncidentResolved, Party, Place, PlaceKind, Purge,
    PurgeReason, Role, Severity, Subject, SubjectKind, TripPhase, TripState,
};

use crate::keys::{Pepper, hmac32};
use crate::merkle::{Hash, leaf_hash};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Version of the canonical encoding of new entries, written first in every entry.
pub const ENTRY_VERSION: u8 = 2;

/// The oldest encoding version this build still reads (see the module docs).
pub const OLDEST_ENTRY_VERSION: u8 = 1;

/// Why an entry could not be built or read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(
        "{field}: {value:?} is not an id: use 1-64 ASCII letters, digits or `._:-` taken from the store's keys"
    )]
    BadId { field: &'static str, value: String },
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error("entry bytes are not a ledger entry: {0}")]
    Unreadable(String),
    #[error(
        "entry has encoding version {0}; this build reads versions 1 and 2: upgrade closedloop"
    )]
    Version(u8),
    /// The appender cannot link the entry: the storage layer did not load the traveler map.
    #[error(transparent)]
    Map(#[from] crate::map::MapError),
    #[error(
        "entry bytes are valid JSON but not in canonical form (spacing, field order, sorting or letter case differ): the bytes were edited"
    )]
    NonCanonical,
}

/// A time in whole milliseconds since the Unix epoch, UTC; `2021-03-04T05:06:07.123Z` in JSON.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct UtcMillis(i64);

/// 9999-12-31T23:59:59.999Z: keeps the text form four-digit-year RFC 3339.
const MAX_MS: i64 = 253_402_300_799_999;

impl UtcMillis {
    /// A time from Unix milliseconds, within 1970..=9999.
    pub fn from_unix_ms(ms: i64) -> Result<Self, EntryError> {
        if !(0..=MAX_MS).contains(&ms) {
            return Err(EntryError::Invalid {
                field: "time",
                problem: format!("{ms} ms is outside the years 1970..=9999"),
            });
        }
        Ok(UtcMillis(ms))
    }

    /// A time from a chrono UTC time, truncated to the millisecond.
    pub fn from_datetime(t: DateTime<Utc>) -> Result<Self, EntryError> {
        Self::from_unix_ms(t.timestamp_millis())
    }

    /// The current time (the only clock read in this crate; tests pass times explicitly).
    pub fn now() -> Self {
        Self::from_datetime(Utc::now()).expect("the clock is between 1970 and 9999")
    }

    pub fn unix_ms(self) -> i64 {
        self.0
    }

    pub fn to_datetime(self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).expect("range checked on construction")
    }
}

impl fmt::Display for UtcMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            &self
                .to_datetime()
                .to_rfc3339_opts(SecondsFormat::Millis, true),
        )
    }
}

impl std::str::FromStr for UtcMillis {
    type Err = EntryError;
    fn from_str(s: &str) -> Result<Self, EntryError> {
        let t = DateTime::parse_from_rfc3339(s).map_err(|e| EntryError::Invalid {
            field: "time",
            problem: format!("{s:?} is not an RFC 3339 time ({e})"),
        })?;
        Self::from_datetime(t.with_timezone(&Utc))
    }
}

impl Serialize for UtcMillis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for UtcMillis {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::with_str(d, str::parse::<UtcMillis>)
    }
}

/// An opaque identifier from the store or from configuration: a batch, vehicle, crew member,
/// place, check-list template or item, or gate. See the module docs for why it is so narrow.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Deserialize)]
#[serde(try_from = "String")]
pub struct Id(String);

impl Serialize for Id {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Id {
    pub fn new(value: impl Into<String>) -> Result<Self, EntryError> {
        let value = value.into();
        let ok = (1..=64).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'));
        if ok {
            Ok(Id(value))
        } else {
            Err(EntryError::BadId {
                field: "id",
                value: value.chars().take(80).collect(),
            })
        }
    }

    /// The id of a store row: its integer key in decimal.
    pub fn from_key(key: i64) -> Self {
        Id(key.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Id {
    type Error = EntryError;
    fn try_from(value: String) -> Result<Self, EntryError> {
        Id::new(value)
    }
}

impl From<Id> for String {
    fn from(id: Id) -> String {
        id.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A traveler as the log knows them: HMAC-SHA256 of their id under the configured [`Pepper`].
/// Hex in JSON. Equal ids under one pepper give equal references, so one traveler's entries
/// can be gathered; without the pepper and the traveler row, a reference identifies no one.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TravelerRef(pub [u8; 32]);

/// Domain separation: a reference can never collide with another use of the same pepper.
const TRAVELER_REF_CONTEXT: &[u8] = b"closedloop-ledger traveler-ref v1\0";

impl TravelerRef {
    /// The reference of the traveler whose stable store id is `traveler_id` (for the store's
    /// integer ids, their decimal form, e.g. `"42"`; see [`TravelerRef::from_key`]).
    pub fn derive(pepper: &Pepper, traveler_id: &str) -> Self {
        TravelerRef(hmac32(
            pepper,
            &[TRAVELER_REF_CONTEXT, traveler_id.as_bytes()],
        ))
    }

    /// The reference of the traveler whose store key is `key`.
    pub fn from_key(pepper: &Pepper, key: i64) -> Self {
        Self::derive(pepper, &key.to_string())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Self, EntryError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(text.trim(), &mut out).map_err(|_| EntryError::Invalid {
            field: "traveler",
            problem: format!(
                "{:?} is not a traveler reference: expected 64 hex digits",
                text.chars().take(80).collect::<String>()
            ),
        })?;
        Ok(TravelerRef(out))
    }
}

impl fmt::Display for TravelerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for TravelerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TravelerRef({})", self.to_hex())
    }
}

impl Serialize for TravelerRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        crate::wire::hex32(&self.0, s)
    }
}

impl<'de> Deserialize<'de> for TravelerRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::wire::with_str(d, TravelerRef::from_hex)
    }
}

/// The previous entry naming a traveler: its sequence number and kind.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Previous {
    pub seq: u64,
    /// The previous entry's kind (`hand_over`, `incident`, …), so that a bundle missing it can
    /// say what is missing.
    pub kind: String,
}

/// One log entry. `seq` is its leaf index (0-based); `prev` is the leaf hash of entry `seq - 1`
/// (all zeros for entry 0), which lets an audit name the exact entry that was replaced even
/// when the replacer also rewrote its stored hash. `links` is `Some` for version 2 (one per
/// traveler of the body, in the body's order: that traveler's previous entry, `None` for their
/// first) and `None` for version 1.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Entry {
    pub seq: u64,
    pub at: UtcMillis,
    pub prev: Hash,
    pub links: Option<Vec<Option<Previous>>>,
    pub body: Body,
}

#[derive(Serialize)]
struct WireOut<'a> {
    v: u8,
    seq: u64,
    at: &'a UtcMillis,
    prev: &'a Hash,
    #[serde(skip_serializing_if = "Option::is_none")]
    links: Option<&'a Vec<Option<Previous>>>,
    body: &'a Body,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireIn {
    v: u8,
    seq: u64,
    at: UtcMillis,
    prev: Hash,
    #[serde(default)]
    links: Option<Vec<Option<Previous>>>,
    body: Body,
}

impl Entry {
    /// The encoding version: 2 with links, 1 without.
    pub fn version(&self) -> u8 {
        if self.links.is_some() { 2 } else { 1 }
    }

    /// The canonical bytes (see the module docs). Call [`Entry::normalize`] first, or build
    /// entries through [`crate::Appender`], which does.
    pub fn to_canonical(&self) -> Vec<u8> {
        serde_json::to_vec(&WireOut {
            v: self.version(),
            seq: self.seq,
            at: &self.at,
            prev: &self.prev,
            links: self.links.as_ref(),
            body: &self.body,
        })
        .expect("entries hold only strings, integers and lists")
    }

    /// The Merkle leaf hash of the canonical bytes.
    pub fn leaf_hash(&self) -> Hash {
        leaf_hash(&self.to_canonical())
    }

    /// Reads canonical bytes; refuses anything that is not exactly what [`Entry::to_canonical`]
    /// would write for the parsed entry, and anything [`Entry::validate`] refuses.
    pub fn from_canonical(bytes: &[u8]) -> Result<Self, EntryError> {
        let wire: WireIn =
            serde_json::from_slice(bytes).map_err(|e| EntryError::Unreadable(e.to_string()))?;
        match (wire.v, &wire.links) {
            (1, None) | (2, Some(_)) => {}
            (1, Some(_)) => return Err(EntryError::NonCanonical),
            (2, None) => {
                return Err(EntryError::Invalid {
                    field: "links",
                    problem: "a version-2 entry lists one link per traveler".into(),
                });
            }
            (v, _) => return Err(EntryError::Version(v)),
        }
        let entry = Entry {
            seq: wire.seq,
            at: wire.at,
            prev: wire.prev,
            links: wire.links,
            body: wire.body,
        };
        entry.validate()?;
        if entry.to_canonical() != bytes {
            return Err(EntryError::NonCanonical);
        }
        Ok(entry)
    }

    /// Checks the body ([`Body::validate`]) and the links: exactly the body's travelers, in
    /// order, each back to an earlier entry of a well-formed kind.
    pub fn validate(&self) -> Result<(), EntryError> {
        self.body.validate()?;
        let Some(links) = &self.links else {
            return Ok(());
        };
        let travelers = self.body.travelers();
        if links.len() != travelers.len() {
            return Err(EntryError::Invalid {
                field: "links",
                problem: format!(
                    "{} link(s) for {} traveler(s): there must be one per traveler the body names, in its order",
                    links.len(),
                    travelers.len()
                ),
            });
        }
        for p in links.iter().flatten() {
            if p.seq >= self.seq {
                return Err(EntryError::Invalid {
                    field: "links",
                    problem: format!(
                        "entry {} links to entry {} as a traveler's previous entry: links point back",
                        self.seq, p.seq
                    ),
                });
            }
            crate::map::check_kind("links", &p.kind)?;
        }
        Ok(())
    }

    /// Sorts and de-duplicates the lists the canonical form keeps sorted. Set `links` after
    /// normalizing: they follow the body's traveler order.
    pub fn normalize(&mut self) {
        self.body.normalize();
    }

    /// Whether this entry names `traveler`.
    pub fn mentions(&self, traveler: &TravelerRef) -> bool {
        self.body.travelers().binary_search(traveler).is_ok()
    }

    /// A version-2 entry's link for `traveler`: `Some(None)` when this is the traveler's first
    /// entry; `None` for a version-1 entry or a traveler the entry does not name.
    pub fn link(&self, traveler: &TravelerRef) -> Option<Option<&Previous>> {
        let links = self.links.as_ref()?;
        let i = self.body.travelers().binary_search(traveler).ok()?;
        links.get(i).map(Option::as_ref)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_names_spaces_and_non_ascii() {
        assert!(Id::new("batch-2021-03-04.17").is_ok());
        assert!(Id::new("v:1234").is_ok());
        for bad in [
            "",
            "Zhang San",
            "张三",
            "a\nb",
            "x".repeat(65).as_str(),
            "a/b",
        ] {
            assert!(Id::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(serde_json::from_str::<Id>("\"Li Lei\"").is_err());
    }

    #[test]
    fn times_are_millisecond_rfc3339_utc() {
        let t = UtcMillis::from_unix_ms(1_614_834_367_123).unwrap();
        assert_eq!(t.to_string(), "2021-03-04T05:06:07.123Z");
        assert_eq!(
            "2021-03-04T13:06:07.123+08:00"
                .parse::<UtcMillis>()
                .unwrap(),
            t
        );
        assert!(UtcMillis::from_unix_ms(-1).is_err());
        assert!(UtcMillis::from_unix_ms(MAX_MS + 1).is_err());
    }

    #[test]
    fn traveler_refs_depend_on_id_and_pepper() {
        let p1 = Pepper::from_bytes([1; 32]);
        let p2 = Pepper::from_bytes([2; 32]);
        let a = TravelerRef::from_key(&p1, 42);
        assert_eq!(a, TravelerRef::derive(&p1, "42"));
        assert_ne!(a, TravelerRef::from_key(&p1, 43));
        assert_ne!(a, TravelerRef::from_key(&p2, 42));
        assert_eq!(TravelerRef::from_hex(&a.to_hex()).unwrap(), a);
    }
}
