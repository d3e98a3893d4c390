//! Micro-benchmark of the ledger's share of an append: building entries (including the keyed
//! hashes of their travelers), each traveler's link to their previous entry, canonical encoding,
//! leaf hashing, the frontier root, the traveler map (one bucket and four node hashes per
//! touched bucket) and one ed25519 tree-head signature per batch of 100 — everything but the
//! database. With the default 200,000 entries the map holds 150,000 travelers.
//!
//! `cargo run --release -p closedloop-ledger --example append_speed [entries]`
//! The bar is 2,000 hand-overs/s end to end on SQLite; this part must be far above it.

use closedloop_ledger::testing::sample_body;
use closedloop_ledger::{Appender, HeadSigner, ProofTree, StoredEntry, UtcMillis, audit_log};
use std::time::Instant;

const BATCH: u64 = 100;

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let signer = HeadSigner::new("closedloop.bench/city", [42; 32]).expect("valid origin");
    let at = UtcMillis::from_unix_ms(1_614_834_367_000).expect("valid time");

    let mut appender = Appender::new();
    let mut bytes = 0usize;
    let mut heads = Vec::new();
    let mut rows = Vec::with_capacity(n as usize);
    let start = Instant::now();
    for i in 0..n {
        let appended = appender.append(at, sample_body(i)).expect("valid sample");
        bytes += appended.canonical.len();
        rows.push(StoredEntry {
            seq: appended.seq,
            canonical: appended.canonical,
            leaf_hash: appended.leaf_hash,
        });
        if appender.size().is_multiple_of(BATCH) {
            heads.push(appender.sign_head(&signer, at));
        }
    }
    let elapsed = start.elapsed().as_secs_f64();

    let state = appender.state();
    let travelers = appender.map().map_or(0, |m| m.len());
    println!(
        "{n} entries in {elapsed:.3} s: {:.0} appends/s ({:.2} µs each), {} signed heads, \
         {:.0} bytes/entry, root {}, {travelers} travelers in the map, state {} bytes",
        n as f64 / elapsed,
        elapsed * 1e6 / n as f64,
        heads.len(),
        bytes as f64 / n as f64,
        appender.root().short(),
        state.len()
    );

    // The other two costs a desk waits for: `ledger verify` and the proofs of `ledger proof`.
    let leaves: Vec<_> = rows.iter().map(|r| r.leaf_hash).collect();
    let start = Instant::now();
    let summary = audit_log(rows, &heads, &signer.verifier()).expect("untouched log verifies");
    let audit_s = start.elapsed().as_secs_f64();
    println!(
        "audit of {} entries and {} heads: {audit_s:.3} s ({:.0} entries/s)",
        summary.entries,
        summary.heads_checked,
        summary.entries as f64 / audit_s
    );
    let start = Instant::now();
    let tree = ProofTree::new(leaves);
    let build_s = start.elapsed().as_secs_f64();
    let start = Instant::now();
    for i in (0..n).step_by((n as usize / 1000).max(1)) {
        std::hint::black_box(tree.inclusion_proof(i, n).expect("index below size"));
    }
    println!(
        "proof tree over {n} leaves: built in {build_s:.3} s; 1,000 inclusion proofs in {:.3} s",
        start.elapsed().as_secs_f64()
    );
}
