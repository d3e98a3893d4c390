//! closedloop's tamper-evident custody ledger — pure Rust, no database, no network.
//!
//! Every hand-over, check-list completion, gate decision and incident is appended to an
//! append-only log organised as an RFC 6962 / RFC 9162 Merkle tree. Entries name travelers only
//! by a keyed hash of their id, so personal data can be erased from the store when retention
//! ends while the log still verifies. A signed tree head per append batch, exported as
//! checkpoints kept off the server, lets anyone holding one prove the log was only appended to.
//!
//! **Format version 2** (entries `"v":2`, heads with a `traveler-map` line, bundles
//! `closedloop-ledger-bundle/2`): every entry links each traveler it names to that traveler's
//! previous entry ([`Entry::links`]), and every signed head commits to each traveler's latest
//! entry through the traveler map ([`map`]), so an audit bundle proves it holds the traveler's
//! whole chain and names any entry cut out of it ([`bundle`]). Version-1 entries, heads and
//! bundles, written before, still parse and verify; a traveler's chain is then proven from their
//! last version-1 entry on. The byte formats are in `docs/ledger-format.md`.
//!
//! - [`merkle`]: RFC 6962 hashing, the O(log n) frontier, inclusion and consistency proofs;
//! - [`entry`]: entry kinds, traveler references, ids, times and the canonical encoding;
//! - [`keys`]: the traveler pepper and reading 32-byte secrets from configuration;
//! - [`append`]: numbering, chaining, linking and hashing new entries ([`Appender`]);
//! - [`map`]: the traveler map — every traveler's latest entry, committed to by each head;
//! - [`head`]: signed tree heads, checkpoints, the public key format;
//! - [`audit`]: `ledger verify` — the first altered, missing or reordered entry;
//! - [`bundle`]: `ledger proof` / `ledger check` — one traveler's whole chain, proven complete
//!   and checked offline;
//! - [`crosscheck`]: `ledger verify`'s cross-check of the store's custody tables against the
//!   entries — the first row added, changed or removed without its entry;
//! - [`testing`]: deterministic sample entries.
//!
//! **Why not the `ct-merkle` crate.** It implements RFC 6962 correctly (the tests here compare
//! every root and proof with it byte for byte), but it builds proofs either from its in-memory
//! tree of all items, or from node indices into its own array layout, whose interior nodes the
//! store would have to keep and update. The store keeps leaf hashes only; building proofs from
//! them ([`merkle::ProofTree`]), appending through a persisted frontier, and the two RFC 9162
//! verification algorithms are about 300 lines, tested against the RFC 6962 known-answer
//! vectors of certificate-transparency / transparency-dev and against `ct-merkle`.

pub mod append;
pub mod audit;
pub mod bundle;
pub mod crosscheck;
pub mod entry;
pub mod head;
pub mod keys;
pub mod map;
pub mod merkle;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod wire;

pub use append::{Appended, Appender, GENESIS_PREV};
pub use audit::{AuditProblem, AuditSummary, StoredEntry, audit_log, audit_log_with};
pub use bundle::{Bundle, BundleError, BundleSummary, Completeness, check, check_with_key};
pub use entry::{Body, Entry, EntryError, Id, Previous, TravelerRef, UtcMillis};
pub use head::{HeadError, HeadSigner, HeadVerifier, SignedTreeHead};
pub use keys::{KeyError, Pepper};
pub use map::{Latest, MapChanges, MapError, MapProof, TravelerMap};
pub use merkle::{Hash, MerkleError, ProofTree};
