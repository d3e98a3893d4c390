//! Hybrid genetic search (Vidal et al. 2012, 2022; the design PyVRP follows) for the rich
//! problem of [`crate::Problem`].
//!
//! - `model`: the problem as flat arrays, neighbour lists, vehicle-type slots;
//! - `segment`: O(1) concatenation of time-window, distance and load summaries, and tags for
//!   the hard constraints;
//! - `ls`: the local search (education);
//! - `crossover`: SREX;
//! - `population`, `penalty`: survivor selection with diversity, adaptive penalties;
//! - `schedule`: ride times and packing trips onto vehicles; `output`: the plan handed out;
//! - `embed`, `rng`: pseudo-coordinates from the matrix, a seedable generator.
//!
//! Each worker thread runs its own genetic algorithm from its own seed; at fixed iteration
//! counts they trade their best solutions. Without a time limit the trade waits for every
//! worker, so a seed and an iteration count give one result.

mod crossover;
mod embed;
mod indiv;
mod ls;
mod model;
pub(crate) mod output;
mod penalty;
mod population;
pub(crate) mod rng;
mod schedule;
mod segment;

use indiv::{Indiv, Penalty};
use ls::LocalSearch;
use model::Model;
use penalty::PenaltyManager;
use population::Population;
use rng::{Rng, splitmix64};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::{Outcome, Problem, SolveOptions};

/// Chance that an infeasible offspring is educated again with boosted penalties.
const REPAIR: f64 = 0.8;
/// Iterations without a better solution before the population restarts.
const RESTART_AFTER: u64 = 20_000;
/// Iterations between trades of best solutions between workers.
const TRADE_EVERY: u64 = 500;

/// When to stop: a deadline, the caller's cancel flag, or another worker having stopped.
pub(crate) struct Stop {
    deadline: Option<Instant>,
    cancel: Option<Arc<AtomicBool>>,
    halt: AtomicBool,
}

impl Stop {
    pub fn now(&self) -> bool {
        if self.halt.load(Ordering::Relaxed) {
            return true;
        }
        let hit = self
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed))
            || self.deadline.is_some_and(|d| Instant::now() >= d);
        if hit {
            self.halt.store(true, Ordering::Relaxed);
        }
        hit
    }
}

/// A random solution: clients shuffled and dealt over the route slots (never breaking a hard
/// constraint: a client no slot takes is left for the local search to insert).
fn random_indiv(m: &Model, rng: &mut Rng) -> Indiv {
    let mut ind = Indiv::empty(m);
    let mut clients: Vec<u32> = (1..m.n as u32).collect();
    rng.shuffle(&mut clients);
    let mut slots: Vec<usize> = (0..m.slot_type.len()).collect();
    rng.shuffle(&mut slots);
    let used = slots.len().min(clients.len()).max(1);
    let mut tags = vec![segment::Tag::EMPTY; m.slot_type.len()];
    for (k, &c) in clients.iter().enumerate() {
        let mut placed = false;
        for attempt in 0..8 {
            let s = if attempt == 0 {
                slots[k % used]
            } else {
                slots[rng.below(slots.len())]
            };
            let g = tags[s].join(&m.tag[c as usize]);
            if !m.hard || g.allows(m.slot_type[s]) {
                tags[s] = g;
                ind.routes[s].push(c);
                placed = true;
                break;
            }
        }
        if !placed {
            ind.missing.push(c);
        }
    }
    ind.evaluate(m);
    ind
}

/// One worker's genetic algorithm.
struct Worker<'m> {
    m: &'m Model,
    id: usize,
    rng: Rng,
    pop: Population,
    ls: LocalSearch<'m>,
    pm: PenaltyManager,
    best: Option<Indiv>,
    /// When `best` was first set.
    first_feasible: Option<Instant>,
    /// Least infeasible solution, in case no feasible one turns up.
    fallback: Option<(f64, Indiv)>,
    iterations: u64,
    since_better: u64,
}

impl<'m> Worker<'m> {
    fn new(m: &'m Model, id: usize, seed: u64) -> Worker<'m> {
        Worker {
            m,
            id,
            rng: Rng::new(seed),
            pop: Population::new(),
            ls: LocalSearch::new(m),
            pm: PenaltyManager::new(m),
            best: None,
            first_feasible: None,
            fallback: None,
            iterations: 0,
            since_better: 0,
        }
    }

    /// Keeps `ind` if it is the best feasible so far; true if it is.
    fn consider(&mut self, ind: &Indiv) -> bool {
        if ind.feasible() {
            if self
                .best
                .as_ref()
                .is_none_or(|b| ind.cost < b.cost - 1e-9 * b.cost.abs().max(1.0))
            {
                self.best = Some(ind.clone());
                self.first_feasible.get_or_insert_with(Instant::now);
                return true;
            }
        } else if self.best.is_none() {
            let v = ind.penalised(self.m, Penalty { load: 1e6, tw: 1e6 });
            if self.fallback.as_ref().is_none_or(|f| v < f.0) {
                self.fallback = Some((v, ind.clone()));
            }
        }
        false
    }

    /// Educates `ind`, adds it, and repairs it with boosted penalties some of the time.
    fn educate_and_add(&mut self, mut ind: Indiv, clean: Option<&[bool]>, stop: &Stop) -> bool {
        let pen = self.pm.current();
        self.ls.run(&mut ind, pen, &mut self.rng, stop, clean);
        self.pm.register(&ind);
        let mut better = self.consider(&ind);
        let repair = !ind.feasible() && self.rng.unit() < REPAIR;
        let copy = repair.then(|| ind.clone());
        self.pop.add(ind, self.m, pen);
        if let Some(mut ind) = copy {
            if stop.now() {
                return better;
            }
            // Until a first feasible plan exists, keep raising the stakes: an anytime search
            // must have something valid to hand out early.
            let mut boosted = self.pm.booster();
            let attempts = if self.best.is_none() { 4 } else { 1 };
            for _ in 0..attempts {
                self.ls.run(&mut ind, boosted, &mut self.rng, stop, None);
                if ind.feasible() || stop.now() {
                    break;
                }
                boosted = Penalty {
                    load: boosted.load * 10.0,
                    tw: boosted.tw * 10.0,
                };
            }
            if ind.feasible() {
                better |= self.consider(&ind);
                self.pop.add(ind, self.m, pen);
            }
        }
        better
    }

    fn initialise(&mut self, stop: &Stop) {
        for _ in 0..population::MIN_SIZE {
            if stop.now() {
                return;
            }
            let ind = random_indiv(self.m, &mut self.rng);
            self.educate_and_add(ind, None, stop);
        }
    }

    /// One generation: select, cross, educate.
    fn step(&mut self, stop: &Stop) {
        self.iterations += 1;
        if self.since_better >= RESTART_AFTER {
            self.pop.clear();
            self.since_better = 0;
            self.initialise(stop);
        }
        if self.pop.len() == 0 {
            let ind = random_indiv(self.m, &mut self.rng);
            self.educate_and_add(ind, None, stop);
            return;
        }
        let pen = self.pm.current();
        let (a, b) = self.pop.select(&mut self.rng, self.m, pen);
        let (child, clean) = crossover::srex(self.m, a, b, &mut self.rng, pen);
        if self.educate_and_add(child, Some(&clean), stop) {
            self.since_better = 0;
        } else {
            self.since_better += 1;
        }
    }

    /// A solution received from another worker.
    fn receive(&mut self, ind: Indiv) {
        self.consider(&ind);
        self.pop.add(ind, self.m, self.pm.current());
    }
}

/// Trades between workers. `posts[w][epoch % 2]` holds what worker `w` offered at an epoch:
/// a worker can run at most one epoch ahead of the slowest when trades wait, so two entries
/// per worker suffice.
/// What a worker offered at an epoch.
type Post = (u64, Option<Indiv>);

struct Market {
    posts: Mutex<Vec<[Post; 2]>>,
    done: Mutex<Vec<bool>>,
    signal: Condvar,
    wait: bool,
}

impl Market {
    fn new(workers: usize, wait: bool) -> Market {
        Market {
            posts: Mutex::new(vec![[(u64::MAX, None), (u64::MAX, None)]; workers]),
            done: Mutex::new(vec![false; workers]),
            signal: Condvar::new(),
            wait,
        }
    }

    /// Offers `mine` at `epoch`; returns the others' offers of that epoch (waiting for them
    /// when trades are synchronous) or, otherwise, their latest ones.
    fn trade(&self, me: usize, epoch: u64, mine: Option<Indiv>, stop: &Stop) -> Vec<Indiv> {
        let mut posts = self.posts.lock().unwrap();
        posts[me][(epoch % 2) as usize] = (epoch, mine);
        self.signal.notify_all();
        if self.wait {
            loop {
                let done = self.done.lock().unwrap().clone();
                let ready = (0..posts.len())
                    .all(|w| w == me || done[w] || posts[w][(epoch % 2) as usize].0 == epoch);
                if ready || stop.now() {
                    break;
                }
                posts = self
                    .signal
                    .wait_timeout(posts, Duration::from_millis(5))
                    .unwrap()
                    .0;
            }
        }
        let mut out = Vec::new();
        for (w, p) in posts.iter().enumerate() {
            if w == me {
                continue;
            }
            let entry = if self.wait {
                &p[(epoch % 2) as usize]
            } else {
                p.iter()
                    .filter(|e| e.0 != u64::MAX)
                    .max_by_key(|e| e.0)
                    .unwrap_or(&p[0])
            };
            if (!self.wait || entry.0 == epoch)
                && let Some(ind) = &entry.1
            {
                out.push(ind.clone());
            }
        }
        out
    }

    fn finish(&self, me: usize) {
        self.done.lock().unwrap()[me] = true;
        let _guard = self.posts.lock().unwrap();
        self.signal.notify_all();
    }
}

fn work<'m>(
    m: &'m Model,
    id: usize,
    seed: u64,
    limit: Option<u64>,
    stop: &Stop,
    market: &Market,
) -> Worker<'m> {
    let mut w = Worker::new(m, id, seed);
    w.initialise(stop);
    while !stop.now() && limit.is_none_or(|l| w.iterations < l) {
        w.step(stop);
        if w.iterations.is_multiple_of(TRADE_EVERY) {
            let offer = w.best.clone();
            for ind in market.trade(w.id, w.iterations / TRADE_EVERY, offer, stop) {
                w.receive(ind);
            }
        }
    }
    market.finish(id);
    w
}

/// Runs the search on `problem` (validated) with `options`.
pub(crate) fn solve(problem: &Problem, options: &SolveOptions) -> Outcome {
    let started = Instant::now();
    let m = Model::build(problem);
    let stop = Stop {
        deadline: options.time_limit.map(|d| started + d),
        cancel: options.cancel.clone(),
        halt: AtomicBool::new(false),
    };
    let threads = options.threads.max(1);
    let mut seed = options.seed;
    let seeds: Vec<u64> = (0..threads).map(|_| splitmix64(&mut seed)).collect();
    let synchronous = options.time_limit.is_none();
    let market = Market::new(threads, synchronous);
    let workers: Vec<Worker> = if m.n <= 1 {
        Vec::new()
    } else if threads == 1 {
        vec![work(&m, 0, seeds[0], options.iterations, &stop, &market)]
    } else {
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|i| {
                    let (m, stop, market, seed) = (&m, &stop, &market, seeds[i]);
                    s.spawn(move || work(m, i, seed, options.iterations, stop, market))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("solver thread panicked"))
                .collect()
        })
    };
    let iterations = workers.iter().map(|w| w.iterations).sum();
    let first_feasible = workers
        .iter()
        .filter_map(|w| w.first_feasible)
        .min()
        .map(|t| (t - started).as_secs_f64())
        // Nothing to plan: the empty plan is feasible from the start.
        .or(workers.is_empty().then_some(0.0));
    // The best feasible over workers (ties to the lowest worker), else the least infeasible.
    let best = workers
        .iter()
        .filter_map(|w| w.best.as_ref())
        .min_by(|a, b| a.cost.total_cmp(&b.cost))
        .or_else(|| {
            workers
                .iter()
                .filter_map(|w| w.fallback.as_ref())
                .min_by(|a, b| a.0.total_cmp(&b.0))
                .map(|f| &f.1)
        });
    let (solution, mut unassigned) = match best {
        Some(ind) if ind.feasible() => output::solution(&m, ind),
        Some(ind) => output::solution(&m, &output::repair(&m, ind)),
        None => output::fallback(&m),
    };
    unassigned.extend(m.unservable.iter().copied());
    unassigned.sort_unstable();
    Outcome {
        solution,
        unassigned,
        iterations,
        seconds: started.elapsed().as_secs_f64(),
        first_feasible,
    }
}
