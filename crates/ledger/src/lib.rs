//! closedloop's tamper-evident custody ledger — pure Rust, no database, no network.
//!
//! Every hand-over, check-list completion, gate decision and incident is appended to an
//! append-only log organised as an RFC 6962 / RFC 9162 Merkle tree. Entries name travelers only
//! by a keyed hash of their id, so personal data can be erased from the store when retention
//! ends while the log still verifies. A signed tree head per append batch, exported as
//! checkpoints kept off the server, lets anyone holding one prove the log was only appended to.
//!
//! - [`merkle`]: RFC 6962 hashing, the O(log n) frontier, inclusion and consistency proofs;
//! - [`entry`]: entry kinds, traveler references, ids, times and the canonical encoding;
//! - [`keys`]: the traveler pepper and reading 32-byte secrets from configuration;
//! - [`append`]: numbering, chaining and hashing new entries ([`Appender`]);
//! - [`head`]: signed tree heads, checkpoints, the public key format;
//! - [`audit`]: `ledger verify` — the first altered, missing or reordered entry;
//! - [`bundle`]: `ledger proof` / `ledger check` — one traveler's chain, checked offline;
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
pub mod merkle;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
mod wire;

pub use append::{Appended, Appender, GENESIS_PREV};
pub use audit::{AuditProblem, AuditSummary, StoredEntry, audit_log, audit_log_with};
pub use bundle::{Bundle, BundleError, BundleSummary, check, check_with_key};
pub use entry::{Body, Entry, EntryError, Id, TravelerRef, UtcMillis};
pub use head::{HeadError, HeadSigner, HeadVerifier, SignedTreeHead};
pub use keys::{KeyError, Pepper};
pub use merkle::{Hash, MerkleError, ProofTree};
