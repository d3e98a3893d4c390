//! Contraction hierarchies over [`RoadGraph`]: the same costs as [`crate::dijkstra`] —
//! fastest, then shortest — in microseconds per route, and thousand-by-thousand matrices in well
//! under a second.
//!
//! Preprocessing removes ("contracts") the nodes one at a time, least important first. Where
//! removing a node would lengthen a shortest path between two of its remaining neighbours, a
//! shortcut edge carrying the summed cost replaces the path through it. Every shortest path then
//! has an equally cheap form that climbs to its most important node and descends from there, so a
//! query only searches upwards: forwards from the source and backwards from the target.
//!
//! Nodes are numbered internally by rank (contraction order): both upward graphs then point from
//! lower to higher numbers, and the searches, which end in the few most important nodes, share
//! the same cache lines.

#[path = "ch_query.rs"]
mod query;

use crate::graph::{Cost, NodeId, RoadGraph};
use closedloop_domain::hash::fnv1a;
use query::Search;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::sync::{Mutex, PoisonError};

/// `middle` of an edge of the road network itself.
const NO_MIDDLE: u32 = u32::MAX;

/// An edge of an upward graph, between ranks. In the forward graph of `r` it is `r -> head`; in
/// the backward graph of `r` it is `head -> r`, so both searches just follow `head` upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChEdge {
    cost: Cost,
    head: u32,
    /// For a shortcut, the node it bypasses: always ranked below both ends.
    middle: u32,
}

/// Edge lists per rank in compressed sparse row form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Csr {
    first: Vec<u32>,
    edges: Vec<ChEdge>,
}

impl Csr {
    fn from_lists(lists: Vec<Vec<ChEdge>>) -> Csr {
        let mut first = Vec::with_capacity(lists.len() + 1);
        first.push(0);
        let mut edges = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        for list in lists {
            edges.extend(list);
            first.push(edges.len() as u32);
        }
        Csr { first, edges }
    }

    fn of(&self, r: u32) -> &[ChEdge] {
        &self.edges[self.first[r as usize] as usize..self.first[r as usize + 1] as usize]
    }

    fn find(&self, r: u32, head: u32) -> Option<&ChEdge> {
        self.of(r).iter().find(|e| e.head == head)
    }
}

pub struct ContractionHierarchy {
    /// Original node id -> rank.
    rank: Vec<u32>,
    /// Rank -> original node id.
    order: Vec<NodeId>,
    up: Csr,
    down: Csr,
    /// Search buffers kept between queries: allocating and clearing node-sized arrays would cost
    /// more than the search itself.
    pool: Mutex<Vec<Search>>,
}

impl std::fmt::Debug for ContractionHierarchy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ContractionHierarchy")
            .field("nodes", &self.num_nodes())
            .field("edges", &(self.up.edges.len() + self.down.edges.len()))
            .field("shortcuts", &self.num_shortcuts())
            .finish()
    }
}

/// Bounds on one witness search. A search cut short only misses a witness, which costs a
/// redundant shortcut, never a wrong answer.
#[derive(Clone, Copy)]
struct Limits {
    settled: u32,
    hops: u32,
}

/// While ordering, a cheap estimate is enough to rank the candidates.
const SIMULATE: Limits = Limits {
    settled: 50,
    hops: 5,
};
const CONTRACT: Limits = Limits {
    settled: 500,
    hops: 10,
};

impl ContractionHierarchy {
    /// Preprocesses `graph`. The node order follows a priority — edge difference, contracted
    /// neighbours and search-space depth — that is re-checked when a node comes up (lazy updates)
    /// and refreshed for the neighbours of each contracted node. Deterministic for a given graph.
    pub fn build(graph: &RoadGraph) -> ContractionHierarchy {
        let n = graph.num_nodes();
        let mut c = Contractor::new(graph);
        let mut prio: Vec<i64> = (0..n as u32).map(|v| c.priority(v)).collect();
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = (0..n as u32)
            .map(|v| Reverse((prio[v as usize], v)))
            .collect();
        let mut order = Vec::with_capacity(n);
        let mut up = vec![Vec::new(); n];
        let mut down = vec![Vec::new(); n];
        let mut neighbours = Vec::new();
        while let Some(Reverse((p, v))) = heap.pop() {
            let vi = v as usize;
            if c.contracted[vi] || p != prio[vi] {
                continue;
            }
            let fresh = c.priority(v);
            if fresh > p && heap.peek().is_some_and(|Reverse((top, _))| fresh > *top) {
                prio[vi] = fresh;
                heap.push(Reverse((fresh, v)));
                continue;
            }
            neighbours.clear();
            c.contract(v, &mut neighbours);
            for &x in &neighbours {
                prio[x as usize] = c.priority(x);
                heap.push(Reverse((prio[x as usize], x)));
            }
            order.push(v);
            up[vi] = std::mem::take(&mut c.out[vi]);
            down[vi] = std::mem::take(&mut c.inc[vi]);
        }
        let mut rank = vec![0u32; n];
        for (r, &v) in order.iter().enumerate() {
            rank[v as usize] = r as u32;
        }
        let by_rank = |lists: &mut Vec<Vec<ChEdge>>| {
            let lists: Vec<Vec<ChEdge>> = order
                .iter()
                .map(|&v| {
                    let mut list = std::mem::take(&mut lists[v as usize]);
                    for e in &mut list {
                        e.head = rank[e.head as usize];
                        if e.middle != NO_MIDDLE {
                            e.middle = rank[e.middle as usize];
                        }
                    }
                    list.sort_unstable_by_key(|e| e.head);
                    list
                })
                .collect();
            Csr::from_lists(lists)
        };
        let (up, down) = (by_rank(&mut up), by_rank(&mut down));
        ContractionHierarchy::assemble(rank, order, up, down)
    }

    fn assemble(rank: Vec<u32>, order: Vec<NodeId>, up: Csr, down: Csr) -> ContractionHierarchy {
        ContractionHierarchy {
            rank,
            order,
            up,
            down,
            pool: Mutex::new(Vec::new()),
        }
    }

    pub fn num_nodes(&self) -> usize {
        self.order.len()
    }

    /// Shortcut edges added by preprocessing (on top of the graph's own edges).
    pub fn num_shortcuts(&self) -> usize {
        let up = self.up.edges.iter().filter(|e| e.middle != NO_MIDDLE);
        let down = self.down.edges.iter().filter(|e| e.middle != NO_MIDDLE);
        up.count() + down.count()
    }

    /// Persists the hierarchy at `path`, tagged with `fingerprint` (the graph's combined with the
    /// speed table's), so that [`ContractionHierarchy::load`] can tell a stale file. Written to a
    /// temporary file first and renamed: a reader never sees half a file.
    pub fn save(&self, path: &Path, fingerprint: u64) -> io::Result<()> {
        let mut buf = Vec::with_capacity(
            32 + self.order.len() * 12 + (self.up.edges.len() + self.down.edges.len()) * 24,
        );
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        buf.extend_from_slice(&fingerprint.to_le_bytes());
        buf.extend_from_slice(&(self.order.len() as u64).to_le_bytes());
        for &v in &self.order {
            buf.extend_from_slice(&v.to_le_bytes());
        }
        for csr in [&self.up, &self.down] {
            buf.extend_from_slice(&(csr.edges.len() as u64).to_le_bytes());
            for &f in &csr.first {
                buf.extend_from_slice(&f.to_le_bytes());
            }
            for e in &csr.edges {
                buf.extend_from_slice(&e.head.to_le_bytes());
                buf.extend_from_slice(&e.middle.to_le_bytes());
                buf.extend_from_slice(&e.cost.time_us.to_le_bytes());
                buf.extend_from_slice(&e.cost.length_mm.to_le_bytes());
            }
        }
        buf.extend_from_slice(&fnv1a(&buf).to_le_bytes());

        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(format!(".tmp{}", std::process::id()));
        let tmp = path.with_file_name(tmp_name);
        let written = (|| {
            let mut f = fs::File::create(&tmp)?;
            f.write_all(&buf)?;
            f.sync_all()?;
            fs::rename(&tmp, path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written
    }

    /// Reads what [`ContractionHierarchy::save`] wrote. `Ok(None)` when there is no file or it
    /// belongs to another graph, speed table or format version (rebuild it then); `Err` when it
    /// cannot be read or is damaged.
    pub fn load(path: &Path, fingerprint: u64) -> io::Result<Option<ContractionHierarchy>> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut r = Reader(&bytes);
        if r.take(MAGIC.len())? != MAGIC {
            return Err(corrupt("not a contraction hierarchy file"));
        }
        if r.u32()? != FORMAT_VERSION || r.u64()? != fingerprint {
            return Ok(None);
        }
        let header = MAGIC.len() + 12;
        let (body, sum) = bytes.split_at(bytes.len().saturating_sub(8).max(header));
        if sum.len() != 8 || fnv1a(body).to_le_bytes() != sum {
            return Err(corrupt("checksum mismatch (truncated or damaged file)"));
        }
        let mut r = Reader(&body[header..]);
        let n = usize::try_from(r.u64()?).map_err(|_| corrupt("node count"))?;
        let order = (0..n).map(|_| r.u32()).collect::<io::Result<Vec<_>>>()?;
        let mut rank = vec![u32::MAX; n];
        for (i, &v) in order.iter().enumerate() {
            match rank.get_mut(v as usize) {
                Some(slot) if *slot == u32::MAX => *slot = i as u32,
                _ => return Err(corrupt("node order is not a permutation")),
            }
        }
        let up = read_csr(&mut r, n)?;
        let down = read_csr(&mut r, n)?;
        if !r.0.is_empty() {
            return Err(corrupt("trailing bytes"));
        }
        let ch = ContractionHierarchy::assemble(rank, order, up, down);
        ch.check_shortcuts()?;
        Ok(Some(ch))
    }

    /// Unpacking trusts every shortcut to stand for two existing, cheaper-ranked edges whose costs
    /// add up to its own; a file that says otherwise must not get that far.
    fn check_shortcuts(&self) -> io::Result<()> {
        for r in 0..self.num_nodes() as u32 {
            for (csr, forward) in [(&self.up, true), (&self.down, false)] {
                for e in csr.of(r) {
                    if e.middle == NO_MIDDLE {
                        continue;
                    }
                    let (from, to) = if forward { (r, e.head) } else { (e.head, r) };
                    let m = e.middle;
                    match (self.down.find(m, from), self.up.find(m, to)) {
                        (Some(a), Some(b)) if a.cost + b.cost == e.cost => {}
                        _ => return Err(corrupt("shortcut without its two halves")),
                    }
                }
            }
        }
        Ok(())
    }

    fn take_search(&self) -> Search {
        let pooled = self
            .pool
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        pooled.unwrap_or_else(|| Search::new(self.num_nodes()))
    }

    fn put_search(&self, search: Search) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.push(search);
    }
}

const MAGIC: [u8; 8] = *b"CLOSEDCH";
const FORMAT_VERSION: u32 = 2;

fn corrupt(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("contraction hierarchy file: {what}"),
    )
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, len: usize) -> io::Result<&'a [u8]> {
        if self.0.len() < len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "contraction hierarchy file is truncated",
            ));
        }
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        Ok(head)
    }

    fn u32(&mut self) -> io::Result<u32> {
        Ok(u32::from_le_bytes(
            self.take(4)?.try_into().expect("4 bytes"),
        ))
    }

    fn u64(&mut self) -> io::Result<u64> {
        Ok(u64::from_le_bytes(
            self.take(8)?.try_into().expect("8 bytes"),
        ))
    }
}

fn read_csr(r: &mut Reader, n: usize) -> io::Result<Csr> {
    let m = r.u64()?;
    let first = (0..=n).map(|_| r.u32()).collect::<io::Result<Vec<_>>>()?;
    let monotone = first.windows(2).all(|w| w[0] <= w[1]);
    if first[0] != 0 || u64::from(first[n]) != m || !monotone {
        return Err(corrupt("edge offsets"));
    }
    let mut edges = Vec::with_capacity(m as usize);
    for tail in 0..n as u32 {
        for _ in first[tail as usize]..first[tail as usize + 1] {
            let (head, middle) = (r.u32()?, r.u32()?);
            let cost = Cost {
                time_us: r.u64()?,
                length_mm: r.u64()?,
            };
            // Upward edges only, or the searches would not end at the top.
            if head <= tail || head as usize >= n || (middle != NO_MIDDLE && middle >= tail) {
                return Err(corrupt("edge does not point upwards"));
            }
            edges.push(ChEdge { cost, head, middle });
        }
    }
    Ok(Csr { first, edges })
}

/// The remaining graph during preprocessing, by original node id.
struct Contractor {
    out: Vec<Vec<ChEdge>>,
    inc: Vec<Vec<ChEdge>>,
    contracted: Vec<bool>,
    contracted_neighbours: Vec<u32>,
    depth: Vec<u32>,
    witness: Witness,
    shortcuts: Vec<(u32, u32, Cost)>,
}

impl Contractor {
    fn new(g: &RoadGraph) -> Contractor {
        let n = g.num_nodes();
        let mut out = vec![Vec::new(); n];
        let mut inc = vec![Vec::new(); n];
        for e in g.edges() {
            let cost = e.cost();
            let middle = NO_MIDDLE;
            out[e.from as usize].push(ChEdge {
                cost,
                head: e.to,
                middle,
            });
            inc[e.to as usize].push(ChEdge {
                cost,
                head: e.from,
                middle,
            });
        }
        Contractor {
            out,
            inc,
            contracted: vec![false; n],
            contracted_neighbours: vec![0; n],
            depth: vec![0; n],
            witness: Witness::new(n),
            shortcuts: Vec::new(),
        }
    }

    /// Fills `self.shortcuts` with what contracting `v` would need.
    fn find_shortcuts(&mut self, v: u32, limits: Limits) {
        let Contractor {
            out,
            inc,
            witness,
            shortcuts,
            ..
        } = self;
        shortcuts.clear();
        let outs = &out[v as usize];
        for b in outs {
            witness.target[b.head as usize] = true;
        }
        for a in &inc[v as usize] {
            let u = a.head;
            let beyond = outs.iter().filter(|b| b.head != u);
            let Some(limit) = beyond.clone().map(|b| a.cost + b.cost).max() else {
                continue;
            };
            witness.run(out, (u, v), limit, beyond.clone().count(), limits);
            for b in beyond {
                let via = a.cost + b.cost;
                // An equally cheap way around is as good: ties may take either path.
                if witness.dist[b.head as usize] > via {
                    shortcuts.push((u, b.head, via));
                }
            }
        }
        for b in outs {
            witness.target[b.head as usize] = false;
        }
    }

    /// Lower contracts first. Edge difference keeps the graph sparse; contracted neighbours and
    /// depth spread the contraction evenly, which keeps the upward search spaces flat.
    fn priority(&mut self, v: u32) -> i64 {
        self.find_shortcuts(v, SIMULATE);
        let vi = v as usize;
        let removed = (self.out[vi].len() + self.inc[vi].len()) as i64;
        let edge_difference = self.shortcuts.len() as i64 - removed;
        4 * edge_difference
            + 2 * i64::from(self.contracted_neighbours[vi])
            + i64::from(self.depth[vi])
    }

    /// Removes `v` from the remaining graph, adding the shortcuts it needs; its own edge lists
    /// stay for the caller to take. Pushes the neighbours whose priority changed.
    fn contract(&mut self, v: u32, neighbours: &mut Vec<u32>) {
        self.find_shortcuts(v, CONTRACT);
        let vi = v as usize;
        self.contracted[vi] = true;
        for e in &self.out[vi] {
            self.inc[e.head as usize].retain(|x| x.head != v);
            neighbours.push(e.head);
        }
        for e in &self.inc[vi] {
            self.out[e.head as usize].retain(|x| x.head != v);
            neighbours.push(e.head);
        }
        for i in 0..self.shortcuts.len() {
            let (u, w, cost) = self.shortcuts[i];
            self.add_shortcut(u, w, cost, v);
        }
        neighbours.sort_unstable();
        neighbours.dedup();
        for &x in neighbours.iter() {
            self.contracted_neighbours[x as usize] += 1;
            self.depth[x as usize] = self.depth[x as usize].max(self.depth[vi] + 1);
        }
    }

    fn add_shortcut(&mut self, u: u32, w: u32, cost: Cost, middle: u32) {
        let edge = |head| ChEdge { cost, head, middle };
        match self.out[u as usize].iter_mut().find(|e| e.head == w) {
            Some(e) if e.cost <= cost => return,
            Some(e) => *e = edge(w),
            None => self.out[u as usize].push(edge(w)),
        }
        match self.inc[w as usize].iter_mut().find(|e| e.head == u) {
            Some(e) => *e = edge(u),
            None => self.inc[w as usize].push(edge(u)),
        }
    }
}

/// Dijkstra within the remaining graph, around the node being contracted.
struct Witness {
    dist: Vec<Cost>,
    hops: Vec<u32>,
    /// The heads of the node being contracted, where the search may stop once all are settled.
    target: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(Cost, u32)>>,
}

impl Witness {
    fn new(n: usize) -> Witness {
        Witness {
            dist: vec![Cost::MAX; n],
            hops: vec![0; n],
            target: vec![false; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    /// Leaves in `dist` the cheapest costs found from `source` without passing `avoid`, up to
    /// `limit`; `Cost::MAX` for nodes not reached.
    fn run(
        &mut self,
        out: &[Vec<ChEdge>],
        (source, avoid): (u32, u32),
        limit: Cost,
        mut targets: usize,
        lim: Limits,
    ) {
        for &t in &self.touched {
            self.dist[t as usize] = Cost::MAX;
        }
        self.touched.clear();
        self.heap.clear();
        self.dist[source as usize] = Cost::ZERO;
        self.hops[source as usize] = 0;
        self.touched.push(source);
        self.heap.push(Reverse((Cost::ZERO, source)));
        let mut settled = 0;
        while let Some(Reverse((d, u))) = self.heap.pop() {
            if d > self.dist[u as usize] {
                continue;
            }
            if d > limit || settled >= lim.settled {
                break;
            }
            settled += 1;
            if self.target[u as usize] && u != source {
                targets -= 1;
                if targets == 0 {
                    break;
                }
            }
            let hops = self.hops[u as usize] + 1;
            if hops > lim.hops {
                continue;
            }
            for e in &out[u as usize] {
                let h = e.head as usize;
                let nd = d + e.cost;
                if e.head != avoid && nd < self.dist[h] {
                    if self.dist[h] == Cost::MAX {
                        self.touched.push(e.head);
                    }
                    self.dist[h] = nd;
                    self.hops[h] = hops;
                    self.heap.push(Reverse((nd, e.head)));
                }
            }
        }
    }
}
