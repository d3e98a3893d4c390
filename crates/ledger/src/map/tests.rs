use super::*;
use crate::merkle::leaf_hash;
use crate::testing::sample_traveler;

fn latest(seq: u64) -> Latest {
    Latest {
        seq,
        leaf_hash: leaf_hash(&seq.to_be_bytes()),
        kind: "hand_over".into(),
    }
}

/// The root by definition: every bucket hashed, every node computed, no shortcut.
fn reference_root(records: &BTreeMap<TravelerRef, Latest>) -> Hash {
    let mut level: Vec<Hash> = (0..BUCKETS)
        .map(|b| {
            let b = b as u16;
            bucket_hash(
                records
                    .iter()
                    .filter(|(r, _)| bucket_of(r) == b)
                    .map(|(r, l)| (r, l.record_hash(r))),
            )
        })
        .collect();
    while level.len() > 1 {
        level = level
            .chunks_exact(FANOUT)
            .map(|c| node_hash(c.try_into().unwrap()))
            .collect();
    }
    level[0]
}

#[test]
fn node_ids_number_the_levels_in_a_row() {
    assert_eq!(node_id(0, 0), 0);
    assert_eq!(node_id(1, 0), 1);
    assert_eq!(node_id(2, 0), 17);
    assert_eq!(node_id(3, 4095), NODES - 1);
    for id in 0..NODES {
        let (l, i) = node_position(id).unwrap();
        assert_eq!(node_id(l, i), id);
    }
    assert_eq!(node_position(NODES), None);
    assert_eq!(path_step(0xabcd, 3), (node_id(3, 0xabc), 0xd));
    assert_eq!(path_step(0xabcd, 0), (0, 0xa));
}

#[test]
fn incremental_roots_match_the_definition_and_proofs_verify() {
    let mut map = TravelerMap::new();
    assert_eq!(map.root(), empty_root());
    assert_eq!(empty_root(), reference_root(&BTreeMap::new()));
    let travelers: Vec<TravelerRef> = (0..300).map(sample_traveler).collect();
    for (i, chunk) in travelers.chunks(7).enumerate() {
        map.record(chunk, &latest(i as u64)).unwrap();
    }
    // Later entries overwrite: the first travelers again.
    map.record(&travelers[..3], &latest(1_000)).unwrap();
    assert_eq!(map.root(), reference_root(&map.records));
    assert_eq!(
        TravelerMap::from_records(map.records.clone()).root(),
        map.root()
    );
    for t in &travelers {
        let p = map.proof(t).unwrap().unwrap();
        assert_eq!(p.root(t).unwrap(), map.root());
        assert_eq!(&p.latest, map.latest(t).unwrap().unwrap());
    }
    assert_eq!(map.proof(&sample_traveler(99_999)).unwrap(), None);
}

#[test]
fn altered_proofs_lead_elsewhere_or_are_refused() {
    let travelers: Vec<TravelerRef> = (0..50).map(sample_traveler).collect();
    let map = TravelerMap::from_records(
        travelers
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, latest(i as u64))),
    );
    let t = travelers[7];
    let p = map.proof(&t).unwrap().unwrap();
    let mut older = p.clone();
    older.latest.seq -= 1;
    assert_ne!(older.root(&t).unwrap(), map.root());
    let mut kind = p.clone();
    kind.latest.kind = "incident".into();
    assert_ne!(kind.root(&t).unwrap(), map.root());
    let mut short = p.clone();
    short.path[2].pop();
    assert!(matches!(short.root(&t), Err(MapError::Malformed(_))));
    // Another traveler cannot use this traveler's proof.
    assert_ne!(p.root(&travelers[8]).ok(), Some(map.root()));
    let mut twice = p.clone();
    twice.neighbours.push(Neighbour {
        traveler: t,
        record: p.latest.record_hash(&t),
    });
    assert!(twice.root(&t).is_err());
}

#[test]
fn a_partial_view_appends_like_the_whole_map_and_refuses_edited_rows() {
    let travelers: Vec<TravelerRef> = (0..400).map(sample_traveler).collect();
    let mut whole = TravelerMap::from_records(
        travelers
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, latest(i as u64))),
    );
    assert_eq!(whole.take_changes().records.len(), 400);
    let touched = [travelers[3], travelers[250], sample_traveler(5_000)];
    let buckets: BTreeSet<u16> = touched.iter().map(bucket_of).collect();
    let rows = |m: &TravelerMap| {
        let recs: Vec<_> = m
            .records
            .iter()
            .filter(|(r, _)| buckets.contains(&bucket_of(r)))
            .map(|(r, l)| (*r, l.clone()))
            .collect();
        let nodes: Vec<_> = m.nodes().map(|(k, v)| (k, *v)).collect();
        (recs, nodes)
    };
    let (recs, nodes) = rows(&whole);
    let mut view =
        TravelerMap::partial(whole.root(), buckets.clone(), recs.clone(), nodes.clone()).unwrap();
    assert_eq!(view.latest(&travelers[3]).unwrap(), Some(&latest(3)));
    view.record(&touched, &latest(9_999)).unwrap();
    whole.record(&touched, &latest(9_999)).unwrap();
    assert_eq!(view.root(), whole.root());
    let changes = view.take_changes();
    assert_eq!(changes.records.len(), 3);
    let all = whole.take_changes();
    for (r, l) in &changes.records {
        assert!(all.records.contains(&(*r, l.clone())));
    }
    for n in &changes.nodes {
        assert!(all.nodes.contains(n));
    }
    assert_eq!(changes.nodes.len(), path_nodes(&buckets).len());
    let outside = travelers
        .iter()
        .find(|t| !buckets.contains(&bucket_of(t)))
        .unwrap();
    assert_eq!(
        view.record(&[*outside], &latest(1)),
        Err(MapError::NotLoaded(*outside))
    );

    // An edited record, node or root is refused.
    let (mut recs, nodes) = rows(&whole);
    recs[0].1.seq += 1;
    assert!(TravelerMap::partial(whole.root(), buckets.clone(), recs, nodes.clone()).is_err());
    let (recs, mut nodes) = rows(&whole);
    let i = nodes.iter().position(|(id, _)| *id != 0).unwrap();
    nodes[i].1[0].0[0] ^= 1;
    let edited = TravelerMap::partial(whole.root(), buckets.clone(), recs.clone(), nodes);
    // An edit off the loaded paths goes unnoticed here (ledger verify sees it).
    let on_path = path_nodes(&buckets).contains(&rows(&whole).1[i].0);
    assert_eq!(edited.is_err(), on_path);
    let nodes = rows(&whole).1;
    assert!(TravelerMap::partial(leaf_hash(b"x"), buckets.clone(), recs, nodes).is_err());
}
