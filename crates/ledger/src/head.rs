//! Signed tree heads and checkpoints.
//!
//! A signed tree head commits the office to "the log had `size` entries with root `root` at
//! `at`" and, since version 2, "and every traveler's latest entry was as the traveler map with
//! root `map_root` says" ([`crate::map`]). One is signed per append batch, not per entry:
//! ed25519 signing costs tens of microseconds, the batch amortises it.
//!
//! **Checkpoint format** (transparency-dev / C2SP `tlog-checkpoint`, a signed note):
//!
//! ```text
//! <origin>
//! <tree size, decimal>
//! <root hash, standard base64>
//! time <RFC 3339 UTC, milliseconds>
//! traveler-map <traveler map root, standard base64>
//!
//! — <origin> <base64(key id (4 bytes) || ed25519 signature (64 bytes))>
//! ```
//!
//! The signature is over the body lines including their newlines (the note body); the fourth
//! and fifth are checkpoint extension lines. A version-1 head (signed before the traveler map)
//! has no `traveler-map` line: it still verifies, and proves what it always did, but no bundle
//! against it can prove it is complete. The line is part of the signed body, so it cannot be
//! removed from a version-2 checkpoint. The key id is the first 4 bytes of
//! `SHA-256(origin || "\n" || 0x01 || public key)`, and the public key is published as the
//! note verifier key `<origin>+<key id hex>+<base64(0x01 || public key)>` — so standard note
//! tooling can check our checkpoints. A log proves its consistency only against heads someone
//! else holds: export checkpoints and keep them off the server.

use crate::entry::UtcMillis;
use crate::keys::{KeyError, decode_key32};
use crate::merkle::Hash;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The note algorithm byte for ed25519.
const ALG_ED25519: u8 = 0x01;

/// Why a head could not be made, read or trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeadError {
    #[error(
        "log origin {0:?} is not usable: use a non-empty name without spaces or `+`, e.g. `closedloop.example/suqian`"
    )]
    BadOrigin(String),
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(
        "public key {0:?} is not a note verifier key: expected `<origin>+<8 hex digits>+<base64>` as `ledger` prints it"
    )]
    BadVerifierKey(String),
    #[error("checkpoint is malformed: {0}")]
    BadCheckpoint(String),
    #[error(
        "tree head is signed by key {found} but the log's key is {expected}: the head comes from another log or key"
    )]
    WrongKey { expected: String, found: String },
    #[error(
        "tree head names origin {found:?} but the key belongs to {expected:?}: the head comes from another log"
    )]
    WrongOrigin { expected: String, found: String },
    #[error(
        "signature on the tree head of size {size} does not verify: the head (size, root or time) was altered or forged"
    )]
    BadSignature { size: u64 },
}

fn check_origin(origin: &str) -> Result<(), HeadError> {
    if origin.is_empty() || origin.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(HeadError::BadOrigin(origin.to_owned()));
    }
    Ok(())
}

fn key_id(origin: &str, key: &VerifyingKey) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(origin.as_bytes());
    h.update(b"\n");
    h.update([ALG_ED25519]);
    h.update(key.as_bytes());
    h.finalize()[..4].try_into().expect("4 bytes")
}

/// A tree head with its signature. Stored as JSON beside the log, exported as a checkpoint.
/// `map_root` is absent from version-1 heads (their stored JSON has no such field).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SignedTreeHead {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub at: UtcMillis,
    /// The root of the traveler map after the first `size` entries (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_root: Option<Hash>,
    /// Key id, 8 hex digits.
    pub key_id: String,
    /// ed25519 signature over [`SignedTreeHead::signed_body`], base64.
    pub signature: String,
}

impl SignedTreeHead {
    /// The note body the signature covers.
    pub fn signed_body(&self) -> String {
        note_body(
            &self.origin,
            self.size,
            &self.root,
            self.at,
            self.map_root.as_ref(),
        )
    }

    /// 2 when the head commits to the traveler map, 1 before.
    pub fn version(&self) -> u8 {
        if self.map_root.is_some() { 2 } else { 1 }
    }

    /// The checkpoint note: body, blank line, signature line.
    pub fn to_checkpoint(&self) -> String {
        // A stored head with a malformed key id or signature still renders (as bytes that fail
        // verification) so that the text can be shown and examined; verify before trusting.
        let mut sig = hex::decode(&self.key_id).unwrap_or_default();
        sig.extend(B64.decode(&self.signature).unwrap_or_default());
        format!(
            "{}\n\u{2014} {} {}\n",
            self.signed_body(),
            self.origin,
            B64.encode(sig)
        )
    }

    /// Reads a checkpoint note. Checks its form only: trust it after [`HeadVerifier::verify`].
    pub fn from_checkpoint(text: &str) -> Result<Self, HeadError> {
        let bad = |what: &str| HeadError::BadCheckpoint(what.to_owned());
        let (body, sigs) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line between the body and the signature"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        let (origin, size, root, time, map) = match lines[..] {
            [origin, size, root, time] => (origin, size, root, time, None),
            [origin, size, root, time, map] => (origin, size, root, time, Some(map)),
            _ => {
                return Err(bad(
                    "the body must have 4 or 5 lines: origin, size, root, time and the traveler map",
                ));
            }
        };
        check_origin(origin)?;
        let size: u64 = size
            .parse()
            .map_err(|_| bad("line 2 (tree size) is not a decimal number"))?;
        let root_bytes: [u8; 32] = B64
            .decode(root)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("line 3 (root hash) is not 32 bytes of base64"))?;
        let at: UtcMillis = time
            .strip_prefix("time ")
            .ok_or_else(|| bad("line 4 must be `time <RFC 3339>`"))?
            .parse()
            .map_err(|_| bad("line 4 (time) is not an RFC 3339 time"))?;
        let map_root = map
            .map(|line| {
                line.strip_prefix("traveler-map ")
                    .and_then(|b| B64.decode(b).ok())
                    .and_then(|b| <[u8; 32]>::try_from(b).ok())
                    .map(Hash)
                    .ok_or_else(|| bad("line 5 must be `traveler-map <32 bytes of base64>`"))
            })
            .transpose()?;
        let sig_line = sigs
            .strip_suffix('\n')
            .ok_or_else(|| bad("the signature line must end with a newline"))?;
        let rest = sig_line
            .strip_prefix("\u{2014} ")
            .ok_or_else(|| bad("the signature line must start with an em dash and a space"))?;
        let (name, sig_b64) = rest
            .split_once(' ')
            .ok_or_else(|| bad("the signature line must be `— <name> <base64>`"))?;
        if name != origin {
            return Err(bad("the signature line names another origin than line 1"));
        }
        let sig = B64
            .decode(sig_b64)
            .ok()
            .filter(|s| s.len() == 68)
            .ok_or_else(|| bad("the signature is not 68 bytes (key id and ed25519) of base64"))?;
        let head = SignedTreeHead {
            origin: origin.to_owned(),
            size,
            root: Hash(root_bytes),
            at,
            map_root,
            key_id: hex::encode(&sig[..4]),
            signature: B64.encode(&sig[4..]),
        };
        // Round trip: one head has exactly one checkpoint text, so edits cannot hide in spacing.
        if head.to_checkpoint() != text {
            return Err(bad(
                "the text is not in canonical form (extra lines or spacing)",
            ));
        }
        Ok(head)
    }
}

fn note_body(origin: &str, size: u64, root: &Hash, at: UtcMillis, map: Option<&Hash>) -> String {
    let mut body = format!("{origin}\n{size}\n{}\ntime {at}\n", B64.encode(root.0));
    if let Some(m) = map {
        body.push_str(&format!("traveler-map {}\n", B64.encode(m.0)));
    }
    body
}

/// Signs tree heads with the log's ed25519 key.
#[derive(Clone)]
pub struct HeadSigner {
    origin: String,
    key: SigningKey,
}

impl std::fmt::Debug for HeadSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HeadSigner({})", self.verifier().to_note_key())
    }
}

impl HeadSigner {
    /// A signer for the log named `origin` from a 32-byte ed25519 seed.
    pub fn new(origin: &str, seed: [u8; 32]) -> Result<Self, HeadError> {
        check_origin(origin)?;
        Ok(HeadSigner {
            origin: origin.to_owned(),
            key: SigningKey::from_bytes(&seed),
        })
    }

    /// A signer from the seed's config text (hex or base64 of 32 bytes).
    pub fn from_config(origin: &str, seed_text: &str) -> Result<Self, HeadError> {
        Self::new(origin, decode_key32(seed_text, "ledger signing key")?)
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The public half, to publish and to check heads and bundles with.
    pub fn verifier(&self) -> HeadVerifier {
        HeadVerifier::new(&self.origin, self.key.verifying_key()).expect("origin checked")
    }

    /// Signs the version-2 head of a tree of `size` leaves with root `root` and traveler map
    /// root `map_root`, dated `at` ([`crate::Appender::sign_head`] calls this).
    pub fn sign_with_map(
        &self,
        size: u64,
        root: Hash,
        map_root: Hash,
        at: UtcMillis,
    ) -> SignedTreeHead {
        self.sign_note(size, root, Some(map_root), at)
    }

    /// Signs a version-1 head (no traveler map): what heads were before version 2. Kept to
    /// check old logs and for tests; new heads commit to the map ([`HeadSigner::sign_with_map`]).
    pub fn sign(&self, size: u64, root: Hash, at: UtcMillis) -> SignedTreeHead {
        self.sign_note(size, root, None, at)
    }

    fn sign_note(
        &self,
        size: u64,
        root: Hash,
        map_root: Option<Hash>,
        at: UtcMillis,
    ) -> SignedTreeHead {
        let body = note_body(&self.origin, size, &root, at, map_root.as_ref());
        let sig = self.key.sign(body.as_bytes());
        SignedTreeHead {
            origin: self.origin.clone(),
            size,
            root,
            at,
            map_root,
            key_id: hex::encode(key_id(&self.origin, &self.key.verifying_key())),
            signature: B64.encode(sig.to_bytes()),
        }
    }
}

/// Checks tree heads against the log's public key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadVerifier {
    origin: String,
    key: VerifyingKey,
    key_id: [u8; 4],
}

impl HeadVerifier {
    pub fn new(origin: &str, key: VerifyingKey) -> Result<Self, HeadError> {
        check_origin(origin)?;
        Ok(HeadVerifier {
            origin: origin.to_owned(),
            key_id: key_id(origin, &key),
            key,
        })
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// `<origin>+<key id hex>+<base64(0x01 || public key)>`, the note verifier key format.
    pub fn to_note_key(&self) -> String {
        let mut k = vec![ALG_ED25519];
        k.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.origin,
            hex::encode(self.key_id),
            B64.encode(k)
        )
    }

    /// Reads a note verifier key and checks that its key id matches its key.
    pub fn from_note_key(text: &str) -> Result<Self, HeadError> {
        let bad = || HeadError::BadVerifierKey(text.chars().take(120).collect());
        let text = text.trim();
        // Split from the left: the origin and key id hold no `+`, but base64 can.
        let mut parts = text.splitn(3, '+');
        let (Some(origin), Some(id_hex), Some(key_b64)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let raw = B64.decode(key_b64).map_err(|_| bad())?;
        let [ALG_ED25519, pk @ ..] = raw.as_slice() else {
            return Err(bad());
        };
        let pk: [u8; 32] = pk.try_into().map_err(|_| bad())?;
        let key = VerifyingKey::from_bytes(&pk).map_err(|_| bad())?;
        let v = HeadVerifier::new(origin, key)?;
        if hex::encode(v.key_id) != id_hex {
            return Err(bad());
        }
        Ok(v)
    }

    /// Checks origin, key id and signature of `head`.
    pub fn verify(&self, head: &SignedTreeHead) -> Result<(), HeadError> {
        if head.origin != self.origin {
            return Err(HeadError::WrongOrigin {
                expected: self.origin.clone(),
                found: head.origin.clone(),
            });
        }
        let expected = hex::encode(self.key_id);
        if head.key_id != expected {
            return Err(HeadError::WrongKey {
                expected,
                found: head.key_id.clone(),
            });
        }
        let sig: [u8; 64] = B64
            .decode(&head.signature)
            .ok()
            .and_then(|s| s.try_into().ok())
            .ok_or(HeadError::BadSignature { size: head.size })?;
        // verify_strict refuses the malleable and small-order cases plain verify accepts.
        self.key
            .verify_strict(head.signed_body().as_bytes(), &Signature::from_bytes(&sig))
            .map_err(|_| HeadError::BadSignature { size: head.size })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::merkle::leaf_hash;

    fn signer() -> HeadSigner {
        HeadSigner::new("closedloop.test/suqian", [7; 32]).unwrap()
    }

    fn at() -> UtcMillis {
        UtcMillis::from_unix_ms(1_614_834_367_123).unwrap()
    }

    #[test]
    fn signed_heads_verify_and_round_trip_as_checkpoints() {
        let s = signer();
        let head = s.sign(42, leaf_hash(b"r"), at());
        s.verifier().verify(&head).unwrap();
        let text = head.to_checkpoint();
        assert!(text.starts_with("closedloop.test/suqian\n42\n"), "{text}");
        assert!(
            text.contains("\ntime 2021-03-04T05:06:07.123Z\n\n\u{2014} closedloop.test/suqian ")
        );
        let back = SignedTreeHead::from_checkpoint(&text).unwrap();
        assert_eq!(back, head);
        s.verifier().verify(&back).unwrap();
    }

    #[test]
    fn altered_heads_fail() {
        let s = signer();
        let head = s.sign(42, leaf_hash(b"r"), at());
        for altered in [
            SignedTreeHead {
                size: 43,
                ..head.clone()
            },
            SignedTreeHead {
                root: leaf_hash(b"x"),
                ..head.clone()
            },
            SignedTreeHead {
                at: UtcMillis::from_unix_ms(1).unwrap(),
                ..head.clone()
            },
        ] {
            assert_eq!(
                s.verifier().verify(&altered),
                Err(HeadError::BadSignature { size: altered.size })
            );
        }
        let other = HeadSigner::new("closedloop.test/suqian", [8; 32]).unwrap();
        assert!(matches!(
            other.verifier().verify(&head),
            Err(HeadError::WrongKey { .. })
        ));
        let text = head.to_checkpoint().replace("\n42\n", "\n41\n");
        let forged = SignedTreeHead::from_checkpoint(&text).unwrap();
        assert!(s.verifier().verify(&forged).is_err());
    }

    #[test]
    fn verifier_keys_round_trip_and_check_their_id() {
        let v = signer().verifier();
        let text = v.to_note_key();
        assert_eq!(HeadVerifier::from_note_key(&text).unwrap(), v);
        let mut tampered = text.clone();
        let i = text.find('+').unwrap() + 1;
        tampered.replace_range(i..i + 1, if &text[i..i + 1] == "0" { "1" } else { "0" });
        assert!(HeadVerifier::from_note_key(&tampered).is_err());
        assert!(HeadVerifier::from_note_key("nonsense").is_err());
    }

    #[test]
    fn version_2_heads_sign_the_map_root_and_it_cannot_be_stripped() {
        let s = signer();
        let head = s.sign_with_map(42, leaf_hash(b"r"), leaf_hash(b"m"), at());
        assert_eq!(head.version(), 2);
        s.verifier().verify(&head).unwrap();
        let text = head.to_checkpoint();
        assert!(
            text.contains("\ntime 2021-03-04T05:06:07.123Z\ntraveler-map "),
            "{text}"
        );
        let back = SignedTreeHead::from_checkpoint(&text).unwrap();
        assert_eq!(back, head);
        let json = serde_json::to_string(&head).unwrap();
        assert_eq!(serde_json::from_str::<SignedTreeHead>(&json).unwrap(), head);
        for altered in [
            SignedTreeHead {
                map_root: None,
                ..head.clone()
            },
            SignedTreeHead {
                map_root: Some(leaf_hash(b"n")),
                ..head.clone()
            },
        ] {
            assert!(s.verifier().verify(&altered).is_err());
        }
        // A version-1 head's JSON has no map field and reads back as version 1.
        let v1 = s.sign(42, leaf_hash(b"r"), at());
        let json = serde_json::to_string(&v1).unwrap();
        assert!(!json.contains("map_root"), "{json}");
        assert_eq!(
            serde_json::from_str::<SignedTreeHead>(&json)
                .unwrap()
                .version(),
            1
        );
    }

    #[test]
    fn malformed_checkpoints_are_named() {
        let head = signer().sign(1, leaf_hash(b"r"), at());
        let text = head.to_checkpoint();
        let err = SignedTreeHead::from_checkpoint(&text.replace("\n\n", "\n")).unwrap_err();
        assert!(err.to_string().contains("blank line"), "{err}");
        let err = SignedTreeHead::from_checkpoint(&format!("{text}extra")).unwrap_err();
        assert!(matches!(err, HeadError::BadCheckpoint(_)));
        assert!(HeadSigner::new("has space", [0; 32]).is_err());
    }
}
