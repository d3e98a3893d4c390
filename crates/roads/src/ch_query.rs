//! Queries on a built [`ContractionHierarchy`]: single routes by bidirectional upward search,
//! matrices by buckets.
//!
//! Both use stall-on-demand: a node reached more cheaply from above than by the search itself
//! cannot lie on a shortest up-down path, so its edges are not followed. That halves the search
//! spaces, and never drops a node whose cost is exact — those are the only ones answers use.

use super::{ChEdge, ContractionHierarchy, Csr, NO_MIDDLE};
use crate::graph::{Cost, NodeId};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::thread;

/// One direction of a search, by rank. Only the touched entries are reset between searches.
pub(super) struct Side {
    dist: Vec<Cost>,
    parent: Vec<u32>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(Cost, u32)>>,
}

impl Side {
    fn new(n: usize) -> Side {
        Side {
            dist: vec![Cost::MAX; n],
            parent: vec![0; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }

    fn start(&mut self, r: u32) {
        for &t in &self.touched {
            self.dist[t as usize] = Cost::MAX;
        }
        self.touched.clear();
        self.heap.clear();
        self.dist[r as usize] = Cost::ZERO;
        self.parent[r as usize] = r;
        self.touched.push(r);
        self.heap.push(Reverse((Cost::ZERO, r)));
    }

    fn min_key(&self) -> Cost {
        self.heap.peek().map_or(Cost::MAX, |Reverse((d, _))| *d)
    }

    /// Settles the next node and returns it with its cost, and whether it was stalled (its cost
    /// is then not exact and it must not be used). `relax` is the graph this direction climbs;
    /// `stall` holds the same edges seen from their other end.
    fn step(&mut self, relax: &Csr, stall: &Csr) -> Option<(u32, Cost, bool)> {
        loop {
            let Reverse((d, u)) = self.heap.pop()?;
            if d > self.dist[u as usize] {
                continue;
            }
            let stalled = stall.of(u).iter().any(|e| {
                let above = self.dist[e.head as usize];
                above != Cost::MAX && above + e.cost < d
            });
            if !stalled {
                for e in relax.of(u) {
                    let h = e.head as usize;
                    let nd = d + e.cost;
                    if nd < self.dist[h] {
                        if self.dist[h] == Cost::MAX {
                            self.touched.push(e.head);
                        }
                        self.dist[h] = nd;
                        self.parent[h] = u;
                        self.heap.push(Reverse((nd, e.head)));
                    }
                }
            }
            return Some((u, d, stalled));
        }
    }
}

pub(super) struct Search {
    fwd: Side,
    bwd: Side,
}

impl Search {
    pub(super) fn new(n: usize) -> Search {
        Search {
            fwd: Side::new(n),
            bwd: Side::new(n),
        }
    }
}

/// For each rank, the targets whose backward search settled it, with the cost from it to them.
struct Buckets {
    first: Vec<u32>,
    entries: Vec<(Cost, u32)>,
}

impl ContractionHierarchy {
    /// The fastest path from `s` to `t` (the shortest among equally fast ones), as original node
    /// ids from `s` to `t` inclusive; `None` if `t` cannot be reached. Panics on an unknown node.
    pub fn route(&self, s: NodeId, t: NodeId) -> Option<(Cost, Vec<NodeId>)> {
        let mut search = self.take_search();
        let found = self.meet(&mut search, s, t);
        let route = found.map(|(cost, meet)| (cost, self.path(&search, meet)));
        self.put_search(search);
        route
    }

    /// The cost of [`ContractionHierarchy::route`], without unpacking the path.
    pub fn cost(&self, s: NodeId, t: NodeId) -> Option<Cost> {
        let mut search = self.take_search();
        let found = self.meet(&mut search, s, t);
        self.put_search(search);
        found.map(|(cost, _)| cost)
    }

    /// Costs from every source to every target, row-major: `result[i * targets.len() + j]` is
    /// `sources[i] -> targets[j]`. One backward search per target leaves its costs in buckets at
    /// the nodes it settles; one forward search per source then reads the buckets it meets. Both
    /// phases are split across the available cores.
    pub fn matrix(&self, sources: &[NodeId], targets: &[NodeId]) -> Vec<Option<Cost>> {
        let cols = targets.len();
        let mut result = vec![None; sources.len() * cols];
        if result.is_empty() {
            return result;
        }
        let threads = thread::available_parallelism().map_or(1, |t| t.get());
        let buckets = self.buckets(targets, threads);
        let rows_per_job = sources.len().div_ceil(threads);
        let jobs = sources
            .chunks(rows_per_job)
            .zip(result.chunks_mut(rows_per_job * cols));
        let buckets = &buckets;
        let work = |(rows, out): (&[NodeId], &mut [Option<Cost>])| {
            let mut search = self.take_search();
            let mut row = vec![Cost::MAX; cols];
            for (&s, out) in rows.iter().zip(out.chunks_mut(cols)) {
                row.fill(Cost::MAX);
                search.fwd.start(self.rank[s as usize]);
                while let Some((u, d, stalled)) = search.fwd.step(&self.up, &self.down) {
                    if stalled {
                        continue;
                    }
                    let (a, b) = (buckets.first[u as usize], buckets.first[u as usize + 1]);
                    for &(to_target, j) in &buckets.entries[a as usize..b as usize] {
                        let via = d + to_target;
                        if via < row[j as usize] {
                            row[j as usize] = via;
                        }
                    }
                }
                for (o, &c) in out.iter_mut().zip(&row) {
                    *o = (c != Cost::MAX).then_some(c);
                }
            }
            self.put_search(search);
        };
        run_jobs(jobs, work);
        result
    }

    fn buckets(&self, targets: &[NodeId], threads: usize) -> Buckets {
        let per_job = targets.len().div_ceil(threads);
        let mut found: Vec<Vec<(u32, Cost, u32)>> =
            vec![Vec::new(); targets.len().div_ceil(per_job)];
        let jobs = targets.chunks(per_job).enumerate().zip(found.iter_mut());
        run_jobs(jobs, |((k, chunk), found): ((usize, &[NodeId]), _)| {
            let mut search = self.take_search();
            for (j, &t) in chunk.iter().enumerate() {
                let j = (k * per_job + j) as u32;
                search.bwd.start(self.rank[t as usize]);
                while let Some((u, d, stalled)) = search.bwd.step(&self.down, &self.up) {
                    if !stalled {
                        found.push((u, d, j));
                    }
                }
            }
            self.put_search(search);
        });
        // Counting sort by node, so that each forward search reads a bucket as one slice.
        let mut first = vec![0u32; self.num_nodes() + 1];
        for &(u, _, _) in found.iter().flatten() {
            first[u as usize + 1] += 1;
        }
        for i in 0..self.num_nodes() {
            first[i + 1] += first[i];
        }
        let mut next = first.clone();
        let mut entries = vec![(Cost::ZERO, 0); first[self.num_nodes()] as usize];
        for &(u, d, j) in found.iter().flatten() {
            entries[next[u as usize] as usize] = (d, j);
            next[u as usize] += 1;
        }
        Buckets { first, entries }
    }

    /// Bidirectional upward search: the best cost and the node where the two halves meet.
    fn meet(&self, search: &mut Search, s: NodeId, t: NodeId) -> Option<(Cost, u32)> {
        let Search { fwd, bwd } = search;
        fwd.start(self.rank[s as usize]);
        bwd.start(self.rank[t as usize]);
        let mut best = (Cost::MAX, None);
        loop {
            let (f, b) = (fwd.min_key(), bwd.min_key());
            // Costs only grow, so neither side can improve on `best` any more.
            if f >= best.0 && b >= best.0 {
                break;
            }
            let (side, other, relax, stall) = if f <= b {
                (&mut *fwd, &*bwd, &self.up, &self.down)
            } else {
                (&mut *bwd, &*fwd, &self.down, &self.up)
            };
            let Some((u, d, _)) = side.step(relax, stall) else {
                continue;
            };
            let rest = other.dist[u as usize];
            if rest != Cost::MAX && d + rest < best.0 {
                best = (d + rest, Some(u));
            }
        }
        best.1.map(|m| (best.0, m))
    }

    /// The original nodes of the path found by the last [`ContractionHierarchy::meet`].
    fn path(&self, search: &Search, meet: u32) -> Vec<NodeId> {
        let (mut climb, mut x) = (vec![meet], meet);
        while search.fwd.parent[x as usize] != x {
            x = search.fwd.parent[x as usize];
            climb.push(x);
        }
        let mut path = vec![self.order[x as usize]];
        for w in climb.windows(2).rev() {
            let (from, to) = (w[1], w[0]);
            self.unpack(from, to, self.up.find(from, to).expect("edge"), &mut path);
        }
        let mut from = meet;
        while search.bwd.parent[from as usize] != from {
            let to = search.bwd.parent[from as usize];
            self.unpack(from, to, self.down.find(to, from).expect("edge"), &mut path);
            from = to;
        }
        path
    }

    /// Appends the original nodes after `from` along the hierarchy edge `from -> to`.
    fn unpack(&self, from: u32, to: u32, edge: &ChEdge, path: &mut Vec<NodeId>) {
        let mut stack = vec![(from, to, edge.middle)];
        while let Some((a, b, m)) = stack.pop() {
            if m == NO_MIDDLE {
                path.push(self.order[b as usize]);
                continue;
            }
            // Both halves were fixed when `m` was contracted, and are stored with `m`.
            let first = self.down.find(m, a).expect("shortcut half");
            let second = self.up.find(m, b).expect("shortcut half");
            stack.push((m, b, second.middle));
            stack.push((a, m, first.middle));
        }
    }
}

/// Runs the jobs on scoped threads, the first one on the calling thread.
fn run_jobs<J: Send>(jobs: impl Iterator<Item = J>, work: impl Fn(J) + Sync) {
    let work = &work;
    thread::scope(|scope| {
        let mut jobs = jobs;
        let first = jobs.next();
        for job in jobs {
            scope.spawn(move || work(job));
        }
        if let Some(job) = first {
            work(job);
        }
    });
}
