//! Route segment summaries that concatenate in O(1): time windows as in Vidal et al. (2013,
//! "A hybrid genetic algorithm with adaptive diversity management for a large class of vehicle
//! routing problems with time-windows"), plus distance and load; and the hard-constraint tag
//! (which vehicle types may carry the segment, cohorts, riding alone).
//!
//! A segment's timing is four numbers: `dur` (the least time from starting the first stop to
//! finishing the last, waiting included), `tw` (the time warp: how much the schedule has to go
//! back in time to meet every window), and `early`/`late` (the span of start times that reach
//! that duration and warp). Merging two segments needs only the arc between them, so a move is
//! judged from cached prefixes and suffixes without walking the route.

/// Timing, distance and load of a run of consecutive nodes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Seg {
    pub first: u32,
    pub last: u32,
    pub dist: f64,
    pub dur: f64,
    pub tw: f64,
    pub early: f64,
    pub late: f64,
    pub load: f64,
}

impl Seg {
    /// `self` then `other`, joined by an arc taking `time` and covering `dist`.
    #[inline(always)]
    pub fn join(&self, other: &Seg, time: f64, dist: f64) -> Seg {
        let at = self.dur - self.tw + time;
        let extra_tw = (self.early + at - other.late).max(0.0);
        let wait = (other.early - at - self.late).max(0.0);
        Seg {
            first: self.first,
            last: other.last,
            dist: self.dist + other.dist + dist,
            dur: self.dur + other.dur + time + wait,
            tw: self.tw + other.tw + extra_tw,
            early: self.early.max(other.early - at) - wait,
            late: self.late.min(other.late - at) + extra_tw,
            load: self.load + other.load,
        }
    }
}

/// No cohort on the segment (yet): mixes with anything.
pub(crate) const NO_COHORT: u32 = u32::MAX;
/// Two different cohorts met: the segment may never form (part of) a trip.
pub(crate) const CONFLICT: u32 = u32::MAX - 1;

/// What the hard constraints need to know about a run of nodes; merging is associative and
/// commutative, so prefixes and suffixes cache it like [`Seg`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tag {
    /// Bit `t`: vehicle type `t` has the seats and skills for every job on the segment.
    pub types: u64,
    pub cohort: u32,
    pub alone: bool,
    pub count: u32,
}

impl Tag {
    pub const EMPTY: Tag = Tag {
        types: u64::MAX,
        cohort: NO_COHORT,
        alone: false,
        count: 0,
    };

    #[inline(always)]
    pub fn join(&self, other: &Tag) -> Tag {
        let cohort = if self.cohort == NO_COHORT {
            other.cohort
        } else if other.cohort == NO_COHORT || other.cohort == self.cohort {
            self.cohort
        } else {
            CONFLICT
        };
        Tag {
            types: self.types & other.types,
            cohort,
            alone: self.alone || other.alone,
            count: self.count + other.count,
        }
    }

    /// May a trip of vehicle type `t` carry exactly these jobs?
    #[inline(always)]
    pub fn allows(&self, t: usize) -> bool {
        (self.types >> t) & 1 == 1 && self.cohort != CONFLICT && !(self.alone && self.count > 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, ready: f64, due: f64, service: f64) -> Seg {
        Seg {
            first: id,
            last: id,
            dist: 0.0,
            dur: service,
            tw: 0.0,
            early: ready,
            late: due,
            load: 1.0,
        }
    }

    /// Simulates a sequence with warping (arrive late: go back to the due time) and returns
    /// (end time, total time warp) for a start at `t`.
    fn simulate(nodes: &[Seg], arcs: &[f64], mut t: f64) -> (f64, f64) {
        let mut warp = 0.0;
        for (k, s) in nodes.iter().enumerate() {
            if k > 0 {
                t += arcs[k - 1];
            }
            if t < s.early {
                t = s.early;
            }
            if t > s.late {
                warp += t - s.late;
                t = s.late;
            }
            t += s.dur;
        }
        (t, warp)
    }

    #[test]
    fn merge_agrees_with_simulation_at_the_latest_start() {
        let nodes = [
            node(0, 0.0, 100.0, 0.0),
            node(1, 10.0, 20.0, 5.0),
            node(2, 50.0, 60.0, 5.0),
            node(3, 30.0, 40.0, 5.0),
            node(4, 0.0, 100.0, 0.0),
        ];
        let arcs = [4.0, 7.0, 3.0, 9.0];
        let mut seg = nodes[0];
        for k in 1..nodes.len() {
            seg = seg.join(&nodes[k], arcs[k - 1], arcs[k - 1]);
        }
        let (end, warp) = simulate(&nodes, &arcs, seg.late);
        assert!((warp - seg.tw).abs() < 1e-9, "warp {warp} vs {}", seg.tw);
        assert!((end - seg.late - seg.dur + seg.tw).abs() < 1e-9);
        // Associativity: ((0 1) (2 3 4)) equals the left fold.
        let left = nodes[0].join(&nodes[1], 4.0, 4.0);
        let right = nodes[2].join(&nodes[3], 3.0, 3.0).join(&nodes[4], 9.0, 9.0);
        let both = left.join(&right, 7.0, 7.0);
        for (a, b) in [
            (both.dur, seg.dur),
            (both.tw, seg.tw),
            (both.early, seg.early),
            (both.late, seg.late),
        ] {
            assert!((a - b).abs() < 1e-9);
        }
    }

    #[test]
    fn tags() {
        let a = Tag {
            types: 0b11,
            cohort: 1,
            alone: false,
            count: 1,
        };
        let b = Tag {
            types: 0b10,
            cohort: NO_COHORT,
            alone: false,
            count: 1,
        };
        let c = Tag { cohort: 2, ..b };
        assert!(a.join(&b).allows(1) && !a.join(&b).allows(0));
        assert!(!a.join(&c).allows(1));
        let alone = Tag { alone: true, ..b };
        assert!(alone.allows(1) && !alone.join(&b).allows(1));
    }
}
