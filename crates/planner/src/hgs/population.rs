//! The population of HGS (Vidal et al. 2012): feasible and infeasible subpopulations, each
//! ranked by biased fitness — cost rank plus diversity rank, diversity being the mean
//! broken-pairs distance to the closest others — and trimmed back to its minimum size by
//! removing clones first, then the worst biased fitness. Parents come from binary tournaments,
//! the second one re-drawn a few times to keep parents neither too alike nor too different.

use super::indiv::{Indiv, Penalty};
use super::model::Model;
use super::rng::Rng;

pub(crate) const MIN_SIZE: usize = 25;
const GENERATION: usize = 40;
const ELITE: usize = 4;
const CLOSE: usize = 5;
const DIVERSITY: (f64, f64) = (0.1, 0.5);

struct Entry {
    ind: Indiv,
    id: u64,
    /// Distances to the others of the subpopulation, ascending.
    near: Vec<(f64, u64)>,
    fitness: f64,
}

#[derive(Default)]
struct Sub {
    all: Vec<Entry>,
}

impl Sub {
    fn add(&mut self, ind: Indiv, id: u64, m: &Model, pen: Penalty) {
        let mut near = Vec::with_capacity(self.all.len() + 1);
        for e in &mut self.all {
            let d = ind.distance(&e.ind);
            let at = e.near.partition_point(|x| x.0 <= d);
            e.near.insert(at, (d, id));
            near.push((d, e.id));
        }
        near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        self.all.push(Entry {
            ind,
            id,
            near,
            fitness: 0.0,
        });
        if self.all.len() > MIN_SIZE + GENERATION {
            while self.all.len() > MIN_SIZE {
                self.remove_worst(m, pen);
            }
        }
    }

    fn diversity(e: &Entry) -> f64 {
        let k = e.near.len().min(CLOSE);
        if k == 0 {
            return 0.0;
        }
        e.near[..k].iter().map(|x| x.0).sum::<f64>() / k as f64
    }

    /// Biased fitness; returns the index of the best-cost entry.
    fn update_fitness(&mut self, m: &Model, pen: Penalty) -> usize {
        let n = self.all.len();
        if n == 0 {
            return 0;
        }
        let mut by_cost: Vec<usize> = (0..n).collect();
        let cost: Vec<f64> = self.all.iter().map(|e| e.ind.penalised(m, pen)).collect();
        by_cost.sort_by(|&a, &b| {
            cost[a]
                .total_cmp(&cost[b])
                .then(self.all[a].id.cmp(&self.all[b].id))
        });
        if n == 1 {
            self.all[0].fitness = 0.0;
            return 0;
        }
        let div: Vec<f64> = self.all.iter().map(Sub::diversity).collect();
        let mut by_div: Vec<usize> = (0..n).collect();
        by_div.sort_by(|&a, &b| {
            div[b]
                .total_cmp(&div[a])
                .then(self.all[a].id.cmp(&self.all[b].id))
        });
        let mut div_rank = vec![0.0; n];
        for (r, &i) in by_div.iter().enumerate() {
            div_rank[i] = r as f64 / (n - 1) as f64;
        }
        let weight = if n > ELITE {
            1.0 - ELITE as f64 / n as f64
        } else {
            0.0
        };
        for (r, &i) in by_cost.iter().enumerate() {
            self.all[i].fitness = r as f64 / (n - 1) as f64 + weight * div_rank[i];
        }
        by_cost[0]
    }

    fn remove_worst(&mut self, m: &Model, pen: Penalty) {
        let best = self.update_fitness(m, pen);
        let mut worst = None;
        let mut key = (false, f64::NEG_INFINITY);
        for (i, e) in self.all.iter().enumerate() {
            if i == best {
                continue;
            }
            let clone = e.near.first().is_some_and(|x| x.0 < 1e-9);
            if (clone, e.fitness) > key || worst.is_none() {
                key = (clone, e.fitness);
                worst = Some(i);
            }
        }
        let Some(w) = worst else { return };
        let gone = self.all.swap_remove(w).id;
        for e in &mut self.all {
            if let Some(at) = e.near.iter().position(|x| x.1 == gone) {
                e.near.remove(at);
            }
        }
    }
}

pub(crate) struct Population {
    feasible: Sub,
    infeasible: Sub,
    next_id: u64,
}

impl Population {
    pub fn new() -> Population {
        Population {
            feasible: Sub::default(),
            infeasible: Sub::default(),
            next_id: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.feasible.all.len() + self.infeasible.all.len()
    }

    pub fn clear(&mut self) {
        self.feasible.all.clear();
        self.infeasible.all.clear();
    }

    pub fn add(&mut self, ind: Indiv, m: &Model, pen: Penalty) {
        self.next_id += 1;
        if ind.feasible() {
            self.feasible.add(ind, self.next_id, m, pen);
        } else {
            self.infeasible.add(ind, self.next_id, m, pen);
        }
    }

    fn get(&self, i: usize) -> &Entry {
        let f = self.feasible.all.len();
        if i < f {
            &self.feasible.all[i]
        } else {
            &self.infeasible.all[i - f]
        }
    }

    fn tournament(&self, rng: &mut Rng) -> usize {
        let n = self.len();
        let (a, b) = (rng.below(n), rng.below(n));
        if self.get(a).fitness <= self.get(b).fitness {
            a
        } else {
            b
        }
    }

    /// Two parents (the same one only when the population holds a single solution).
    pub fn select(&mut self, rng: &mut Rng, m: &Model, pen: Penalty) -> (&Indiv, &Indiv) {
        self.feasible.update_fitness(m, pen);
        self.infeasible.update_fitness(m, pen);
        let first = self.tournament(rng);
        let mut second = self.tournament(rng);
        for _ in 0..10 {
            let d = self.get(first).ind.distance(&self.get(second).ind);
            if second != first && (DIVERSITY.0..=DIVERSITY.1).contains(&d) {
                break;
            }
            second = self.tournament(rng);
        }
        (&self.get(first).ind, &self.get(second).ind)
    }
}
