//! Plans in the literature's text form, one line per route, jobs by name, depot omitted:
//!
//! ```text
//! Route #1: 5 3 7 8
//! Route #2: 13 17 18
//! Cost 828.94
//! ```
//!
//! The reader also takes `Route 1: …` (vrp-cli) and `Route 1 : …` (SINTEF), and skips lines of
//! metadata (`Instance name : C101`, `Solution`) so published solution files read as they are.
//! The form has one trip per vehicle and no times: route `k` becomes vehicle `k − 1` of the
//! first vehicle type, leaving at the earliest the depot and shift allow.

use super::{format_error, number, read_text};
use crate::{PlanError, Problem, Solution, Trip};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// A plan as read back, with the cost the file states (if any), which is not checked here.
#[derive(Debug, Clone, PartialEq)]
pub struct SolFile {
    pub solution: Solution,
    pub cost: Option<f64>,
}

/// Routes are numbered from 1 over the trips that visit a job, in the plan's order.
pub fn write(
    problem: &Problem,
    solution: &Solution,
    cost: Option<f64>,
) -> Result<String, PlanError> {
    let mut out = String::new();
    let trips = solution.trips.iter().filter(|t| !t.jobs.is_empty());
    for (k, trip) in trips.enumerate() {
        let _ = write!(out, "Route #{}:", k + 1);
        for &j in &trip.jobs {
            let Some(job) = problem.jobs.get(j) else {
                return Err(PlanError::Invalid(format!(
                    "route {}: job index {j} is not in the problem ({} jobs)",
                    k + 1,
                    problem.jobs.len()
                )));
            };
            let _ = write!(out, " {}", job.name);
        }
        out.push('\n');
    }
    if let Some(c) = cost {
        let _ = writeln!(out, "Cost {c:.2}");
    }
    Ok(out)
}

pub fn write_file(
    path: &Path,
    problem: &Problem,
    solution: &Solution,
    cost: Option<f64>,
) -> Result<(), PlanError> {
    let text = write(problem, solution, cost)?;
    std::fs::write(path, text).map_err(|source| PlanError::Io {
        file: path.display().to_string(),
        source,
    })
}

pub fn read(path: &Path, problem: &Problem) -> Result<SolFile, PlanError> {
    let (text, label) = read_text(path)?;
    parse(&text, &label, problem)
}

pub fn parse(text: &str, file_label: &str, problem: &Problem) -> Result<SolFile, PlanError> {
    let err = |line: usize, m: String| format_error(file_label, line, m);
    let by_name: HashMap<&str, usize> = problem
        .jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (j.name.as_str(), i))
        .collect();
    let departure = problem.fleet.first().map_or(problem.depot.ready, |t| {
        t.shift_start.max(problem.depot.ready)
    });
    let mut solution = Solution::default();
    let mut cost = None;
    for (i, raw) in text.lines().enumerate() {
        let at = i + 1;
        let l = raw.trim();
        let lower = l.to_ascii_lowercase();
        if let Some(rest) = lower.strip_prefix("route") {
            let Some((_, names)) = l.split_once(':') else {
                return Err(err(at, format!("expected Route #k: jobs…, found {l:?}")));
            };
            let label = rest.split(':').next().unwrap_or("").trim();
            let label = label.trim_start_matches('#').trim();
            if label.parse::<usize>().is_err() {
                return Err(err(at, format!("route number: {label:?} is not a number")));
            }
            let mut jobs = Vec::new();
            for name in names.split_whitespace() {
                match by_name.get(name) {
                    Some(&j) => jobs.push(j),
                    None => {
                        return Err(err(
                            at,
                            format!("route {label}: no job named {name:?} in {}", problem.name),
                        ));
                    }
                }
            }
            if !jobs.is_empty() {
                solution.trips.push(Trip {
                    vehicle_type: 0,
                    vehicle: solution.trips.len(),
                    departure,
                    jobs,
                });
            }
        } else if let Some(rest) = lower.strip_prefix("cost") {
            let value = rest.trim_start_matches(':').trim();
            cost = Some(number(file_label, at, "Cost", value)?);
        } else if l.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(err(
                at,
                format!("expected Route #k: jobs…, found a bare line {l:?}"),
            ));
        }
    }
    Ok(SolFile { solution, cost })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::solomon;

    const SMALL: &str = "TINY\n\nVEHICLE\nNUMBER     CAPACITY\n  3         10\n\nCUSTOMER\n\
        CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n\
        0  0 0  0  5 100 0\n\
        7  3 4  5 10  20 2\n\
        9  0 8  4  0  50 1\n\
        11 1 1  1  0  50 1\n";

    #[test]
    fn writes_and_reads_back() {
        let p = solomon::parse(SMALL, "tiny.txt").unwrap();
        let trip = |vehicle, jobs: Vec<usize>| Trip {
            vehicle_type: 0,
            vehicle,
            departure: 5.0,
            jobs,
        };
        let s = Solution {
            trips: vec![trip(0, vec![2, 0]), trip(1, vec![]), trip(2, vec![1])],
        };
        let text = write(&p, &s, Some(s.distance(&p))).unwrap();
        let cost = s.distance(&p);
        assert_eq!(
            text,
            format!("Route #1: 11 7\nRoute #2: 9\nCost {cost:.2}\n")
        );
        let back = parse(&text, "tiny.sol", &p).unwrap();
        assert_eq!(
            back.solution.trips,
            vec![trip(0, vec![2, 0]), trip(1, vec![1])]
        );
        assert!((back.cost.unwrap() - cost).abs() < 0.005);
        assert_eq!(
            write(&p, &back.solution, None).unwrap(),
            "Route #1: 11 7\nRoute #2: 9\n"
        );
    }

    #[test]
    fn reads_other_solvers_spellings() {
        let p = solomon::parse(SMALL, "tiny.txt").unwrap();
        let text = "Instance name : TINY\nSolution\nRoute 1 : 7 9\nRoute 2: 11\nCost: 42\n";
        let back = parse(text, "tiny.sol", &p).unwrap();
        let routes: Vec<_> = back.solution.trips.iter().map(|t| t.jobs.clone()).collect();
        assert_eq!(routes, vec![vec![0, 1], vec![2]]);
        assert_eq!(back.cost, Some(42.0));
    }

    #[test]
    fn errors_name_line_and_job() {
        let p = solomon::parse(SMALL, "tiny.txt").unwrap();
        let e = parse("Route #1: 7\nRoute #2: 8 9\n", "tiny.sol", &p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny.sol, line 2: route 2: no job named \"8\" in TINY"
        );
        let e = parse("Route #1: 7\n9 11\n", "tiny.sol", &p).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("tiny.sol, line 2: expected Route")
        );
        let e = parse("Route #1: 7\nCost abc\n", "tiny.sol", &p).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tiny.sol, line 2: Cost: \"abc\" is not a number"
        );
    }
}
