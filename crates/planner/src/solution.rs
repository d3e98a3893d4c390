//! A plan: trips, each driven by one vehicle, visiting jobs in order.

/// One trip of one vehicle: depot → jobs in order → depot.
#[derive(Debug, Clone, PartialEq)]
pub struct Trip {
    /// Index into [`crate::Problem::fleet`].
    pub vehicle_type: usize,
    /// Which vehicle of that type (0-based, below its `count`).
    pub vehicle: usize,
    /// When the trip leaves the depot. The schedule follows from it: arrive, wait for the
    /// window to open if early, serve, drive on; back at the depot after the last job.
    pub departure: f64,
    /// Indices into [`crate::Problem::jobs`], in visiting order.
    pub jobs: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Solution {
    /// A vehicle's trips appear in the order it drives them.
    pub trips: Vec<Trip>,
}

impl Solution {
    /// Distinct vehicles used.
    pub fn vehicles(&self) -> usize {
        let mut v: Vec<(usize, usize)> = self
            .trips
            .iter()
            .filter(|t| !t.jobs.is_empty())
            .map(|t| (t.vehicle_type, t.vehicle))
            .collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    }

    /// Trips that visit at least one job.
    pub fn trip_count(&self) -> usize {
        self.trips.iter().filter(|t| !t.jobs.is_empty()).count()
    }

    /// Total distance over the problem's matrix.
    pub fn distance(&self, p: &crate::Problem) -> f64 {
        let d = p.depot.location;
        self.trips
            .iter()
            .filter(|t| !t.jobs.is_empty())
            .map(|t| {
                let mut prev = d;
                let mut sum = 0.0;
                for &j in &t.jobs {
                    let l = p.jobs[j].location;
                    sum += p.matrix.distance(prev, l);
                    prev = l;
                }
                sum + p.matrix.distance(prev, d)
            })
            .sum()
    }
}
