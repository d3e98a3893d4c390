//! Solomon (1987) and Gehring–Homberger (1999) VRPTW instances:
//!
//! ```text
//! C101
//!
//! VEHICLE
//! NUMBER     CAPACITY
//!   25         200
//!
//! CUSTOMER
//! CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME
//!
//!     0       40       50        0          0       1236        0
//!     1       45       68       10        912        967       90
//! ```
//!
//! The first node row is the depot. The literature's convention, kept here: Euclidean distances
//! as unrounded doubles, travel time equal to distance, the depot's window bounding every route,
//! the distance alone as the objective (vehicles free up to `NUMBER`).

use super::{format_error, number, read_text, whole};
use crate::{Depot, Job, Matrix, Objective, PlanError, Problem, Skills, VehicleType};
use std::collections::HashSet;
use std::path::Path;

const COLUMNS: [&str; 7] = [
    "CUST NO.",
    "XCOORD.",
    "YCOORD.",
    "DEMAND",
    "READY TIME",
    "DUE DATE",
    "SERVICE TIME",
];

pub fn read(path: &Path) -> Result<Problem, PlanError> {
    let (text, label) = read_text(path)?;
    parse(&text, &label)
}

/// Job `i` is the node on row `i + 1` at location `i + 1`, named by its `CUST NO.` as written.
pub fn parse(text: &str, file_label: &str) -> Result<Problem, PlanError> {
    let err = |line: usize, m: String| format_error(file_label, line, m);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let last_line = text.lines().count().max(1);
    let mut next = |expected: &str| {
        lines.next().ok_or_else(|| {
            err(
                last_line,
                format!("file ends where {expected} was expected"),
            )
        })
    };

    let (_, name) = next("the instance name")?;
    let name = name.to_string();
    let (at, l) = next("VEHICLE")?;
    if !l.eq_ignore_ascii_case("VEHICLE") {
        return Err(err(at, format!("expected VEHICLE, found {l:?}")));
    }
    let (at, l) = next("the NUMBER CAPACITY header")?;
    if !l.to_ascii_uppercase().starts_with("NUMBER") {
        return Err(err(at, format!("expected NUMBER CAPACITY, found {l:?}")));
    }
    let (at, l) = next("the fleet size and capacity")?;
    let fields: Vec<&str> = l.split_whitespace().collect();
    if fields.len() != 2 {
        return Err(err(
            at,
            format!("expected NUMBER and CAPACITY, found {l:?}"),
        ));
    }
    let count = whole(file_label, at, "NUMBER", fields[0])? as usize;
    let capacity = whole(file_label, at, "CAPACITY", fields[1])? as u32;
    let (at, l) = next("CUSTOMER")?;
    if !l.eq_ignore_ascii_case("CUSTOMER") {
        return Err(err(at, format!("expected CUSTOMER, found {l:?}")));
    }
    let (at, l) = next("the column header")?;
    if !l.to_ascii_uppercase().starts_with("CUST") {
        return Err(err(
            at,
            format!("expected the column header CUST NO. …, found {l:?}"),
        ));
    }

    let mut points = Vec::new();
    let mut nodes: Vec<(String, u64, f64, f64, f64)> = Vec::new();
    let mut seen = HashSet::new();
    for (at, l) in lines {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != COLUMNS.len() {
            return Err(err(
                at,
                format!(
                    "a node row has {} fields ({}), found {}",
                    COLUMNS.len(),
                    COLUMNS.join(", "),
                    f.len()
                ),
            ));
        }
        let v = |i: usize| number(file_label, at, COLUMNS[i], f[i]);
        whole(file_label, at, COLUMNS[0], f[0])?;
        if !seen.insert(f[0]) {
            return Err(err(at, format!("CUST NO. {} appears twice", f[0])));
        }
        points.push((v(1)?, v(2)?));
        let demand = whole(file_label, at, COLUMNS[3], f[3])?;
        let (ready, due, service) = (v(4)?, v(5)?, v(6)?);
        if ready > due {
            return Err(err(
                at,
                format!("READY TIME {ready} is after DUE DATE {due}"),
            ));
        }
        if service < 0.0 {
            return Err(err(at, format!("SERVICE TIME {service} is negative")));
        }
        nodes.push((f[0].to_string(), demand, ready, due, service));
    }
    let Some((_, _, depot_ready, depot_due, _)) = nodes.first().cloned() else {
        return Err(err(
            last_line,
            "no node rows: the depot row is missing".into(),
        ));
    };

    let jobs = nodes
        .into_iter()
        .enumerate()
        .skip(1)
        .map(|(location, (name, demand, ready, due, service))| Job {
            name,
            location,
            demand: demand as u32,
            ready,
            due,
            service,
            skills: Skills::NONE,
            cohort: None,
            max_ride: None,
            alone: false,
        })
        .collect();
    let problem = Problem {
        name,
        matrix: Matrix::euclidean(&points),
        depot: Depot {
            location: 0,
            ready: depot_ready,
            due: depot_due,
        },
        jobs,
        fleet: vec![VehicleType {
            name: "vehicle".into(),
            count,
            capacity,
            skills: Skills::NONE,
            shift_start: depot_ready,
            shift_end: depot_due,
            fixed_cost: 0.0,
            cost_per_distance: 1.0,
            cost_per_time: 0.0,
            max_trips: 1,
            turnaround: 0.0,
        }],
        objective: Objective::Cost,
    };
    problem.validate().map_err(|e| match e {
        PlanError::Invalid(m) => err(last_line, m),
        other => other,
    })?;
    Ok(problem)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "TINY\n\nVEHICLE\nNUMBER     CAPACITY\n  2         10\n\nCUSTOMER\n\
        CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE   TIME\n\n\
        0  0 0  0  0 100 0\n\
        7  3 4  5 10  20 2\n\
        9  0 8  4  0  50 1\n";

    #[test]
    fn reads_a_small_instance() {
        let p = parse(SMALL, "tiny.txt").unwrap();
        assert_eq!(p.name, "TINY");
        assert_eq!(p.jobs.len(), 2);
        assert_eq!(p.jobs[0].name, "7");
        assert_eq!(p.jobs[1].name, "9");
        assert_eq!(p.jobs[0].location, 1);
        assert_eq!(p.jobs[0].demand, 5);
        assert_eq!(
            (p.jobs[0].ready, p.jobs[0].due, p.jobs[0].service),
            (10.0, 20.0, 2.0)
        );
        assert_eq!(p.matrix.distance(0, 1), 5.0);
        assert_eq!(p.matrix.time(1, 2), 5.0);
        assert_eq!((p.depot.ready, p.depot.due), (0.0, 100.0));
        let t = &p.fleet[0];
        assert_eq!((t.count, t.capacity, t.max_trips), (2, 10, 1));
        assert_eq!((t.shift_start, t.shift_end), (0.0, 100.0));
        assert_eq!(p.objective, Objective::Cost);
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let bad = SMALL.replace("7  3 4  5 10", "7  3 4  x 10");
        let e = parse(&bad, "tiny.txt").unwrap_err().to_string();
        assert_eq!(e, "tiny.txt, line 11: DEMAND: \"x\" is not a number");
        let bad = SMALL.replace("9  0 8  4  0  50 1", "9  0 8  4  0  50");
        let e = parse(&bad, "tiny.txt").unwrap_err().to_string();
        assert!(
            e.starts_with("tiny.txt, line 12: a node row has 7 fields"),
            "{e}"
        );
        let bad = SMALL.replace("VEHICLE", "VEHICLES");
        let e = parse(&bad, "tiny.txt").unwrap_err().to_string();
        assert_eq!(e, "tiny.txt, line 3: expected VEHICLE, found \"VEHICLES\"");
        let bad = SMALL.replace("9  0 8", "7  0 8");
        let e = parse(&bad, "tiny.txt").unwrap_err().to_string();
        assert_eq!(e, "tiny.txt, line 12: CUST NO. 7 appears twice");
        let e = parse("TINY\n", "tiny.txt").unwrap_err().to_string();
        assert_eq!(e, "tiny.txt, line 1: file ends where VEHICLE was expected");
    }

    #[test]
    fn reads_c101() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vrptw/solomon/C101.txt");
        let p = read(&path).unwrap();
        assert_eq!(p.name, "C101");
        assert_eq!(p.jobs.len(), 100);
        assert_eq!((p.fleet[0].count, p.fleet[0].capacity), (25, 200));
        assert_eq!((p.depot.ready, p.depot.due), (0.0, 1236.0));
        assert_eq!(p.jobs[99].name, "100");
        assert_eq!(p.jobs[0].service, 90.0);
    }

    #[test]
    fn reads_every_shipped_instance() {
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/vrptw");
        for (folder, instances, customers, fleet) in
            [("solomon", 56, 100, 25), ("homberger_200", 60, 200, 50)]
        {
            let dir = data.join(folder);
            let entries =
                std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let mut read_here = 0;
            for e in entries {
                let path = e.unwrap().path();
                if path.extension().is_some_and(|x| x == "txt") {
                    let p = read(&path).unwrap();
                    assert_eq!(p.jobs.len(), customers, "{}", path.display());
                    assert_eq!(p.fleet[0].count, fleet, "{}", path.display());
                    read_here += 1;
                }
            }
            assert_eq!(read_here, instances, "{}", dir.display());
        }
    }
}
