//! VRPLIB (TSPLIB-style) CVRP instances:
//!
//! ```text
//! NAME : A-n32-k5
//! TYPE : CVRP
//! DIMENSION : 32
//! EDGE_WEIGHT_TYPE : EUC_2D
//! CAPACITY : 100
//! NODE_COORD_SECTION
//!  1 82 76
//!  …
//! DEMAND_SECTION
//!  1 0
//!  …
//! DEPOT_SECTION
//!  1
//!  -1
//! EOF
//! ```
//!
//! Distances: `EUC_2D` gives Euclidean distances, rounded to the nearest integer when `round`
//! is set (VRPLIB's own convention, under which its best-known costs are stated) and unrounded
//! doubles otherwise; `EXPLICIT` takes the `EDGE_WEIGHT_SECTION` as written, in `FULL_MATRIX`,
//! `LOWER_ROW`, `LOWER_DIAG_ROW`, `UPPER_ROW` or `UPPER_DIAG_ROW` order. Time equals distance.
//!
//! CVRP has no time windows and no fleet limit, so every job gets the window `[0, horizon]`
//! and the single vehicle type one vehicle per customer, where `horizon` bounds the duration of
//! any route (each node's longest outgoing edge, summed): a finite bound keeps the solver's
//! arithmetic on ordinary numbers. Jobs are named by their node number minus one — with the
//! depot at node 1, the numbering CVRPLIB's `.sol` files use.

use super::{format_error, number, read_text, whole};
use crate::{Depot, Job, Matrix, Objective, PlanError, Problem, Skills, VehicleType};
use std::path::Path;

pub fn read(path: &Path, round: bool) -> Result<Problem, PlanError> {
    let (text, label) = read_text(path)?;
    parse(&text, &label, round)
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Header,
    Coords,
    Demands,
    Depots,
    Weights,
    End,
}

pub fn parse(text: &str, file_label: &str, round: bool) -> Result<Problem, PlanError> {
    let err = |line: usize, m: String| format_error(file_label, line, m);
    let mut name = String::new();
    let (mut dimension, mut capacity) = (None, None);
    let (mut weight_type, mut weight_format) = (String::new(), String::from("FULL_MATRIX"));
    let mut coords: Vec<Option<(f64, f64)>> = Vec::new();
    let mut demands: Vec<Option<u64>> = Vec::new();
    let mut depots: Vec<usize> = Vec::new();
    let mut weights: Vec<f64> = Vec::new();
    let mut section = Section::Header;
    let mut last = 1;

    // A node number within 1..=DIMENSION, as a 0-based index.
    let node = |at: usize, field: &str, t: &str, n: usize| -> Result<usize, PlanError> {
        let id = whole(file_label, at, field, t)? as usize;
        if id == 0 || id > n {
            return Err(err(
                at,
                format!("{field}: node {id} is not within 1..{n} (DIMENSION)"),
            ));
        }
        Ok(id - 1)
    };

    for (i, raw) in text.lines().enumerate() {
        let at = i + 1;
        last = at;
        let l = raw.trim();
        if l.is_empty() || section == Section::End {
            continue;
        }
        let upper = l.to_ascii_uppercase();
        if upper.ends_with("_SECTION") || upper == "EOF" {
            let Some(n) = dimension else {
                return Err(err(at, format!("{l} before DIMENSION")));
            };
            section = match upper.as_str() {
                "NODE_COORD_SECTION" => Section::Coords,
                "DEMAND_SECTION" => Section::Demands,
                "DEPOT_SECTION" => Section::Depots,
                "EDGE_WEIGHT_SECTION" => Section::Weights,
                "EOF" => Section::End,
                _ => return Err(err(at, format!("{l} is not supported"))),
            };
            coords.resize(n, None);
            demands.resize(n, None);
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        let n = dimension.unwrap_or(0);
        match section {
            Section::Header => {
                let Some((key, value)) = l.split_once(':') else {
                    return Err(err(at, format!("expected KEY : VALUE, found {l:?}")));
                };
                let (key, value) = (key.trim().to_ascii_uppercase(), value.trim());
                match key.as_str() {
                    "NAME" => name = value.to_string(),
                    "TYPE" if !value.eq_ignore_ascii_case("CVRP") => {
                        return Err(err(at, format!("TYPE: {value} is not CVRP")));
                    }
                    "DIMENSION" => {
                        let d = whole(file_label, at, "DIMENSION", value)? as usize;
                        if d < 1 {
                            return Err(err(at, "DIMENSION: at least the depot".into()));
                        }
                        dimension = Some(d);
                    }
                    "CAPACITY" => capacity = Some(whole(file_label, at, "CAPACITY", value)?),
                    "EDGE_WEIGHT_TYPE" => weight_type = value.to_ascii_uppercase(),
                    "EDGE_WEIGHT_FORMAT" => weight_format = value.to_ascii_uppercase(),
                    // COMMENT, VEHICLES, NODE_COORD_TYPE, DISPLAY_DATA_TYPE: no bearing here.
                    _ => {}
                }
            }
            Section::Coords => {
                if f.len() != 3 {
                    return Err(err(at, format!("expected node x y, found {l:?}")));
                }
                let i = node(at, "NODE_COORD_SECTION", f[0], n)?;
                coords[i] = Some((
                    number(file_label, at, "x", f[1])?,
                    number(file_label, at, "y", f[2])?,
                ));
            }
            Section::Demands => {
                if f.len() != 2 {
                    return Err(err(at, format!("expected node demand, found {l:?}")));
                }
                let i = node(at, "DEMAND_SECTION", f[0], n)?;
                demands[i] = Some(whole(file_label, at, "demand", f[1])?);
            }
            Section::Depots => {
                for t in f {
                    if t == "-1" {
                        section = Section::Header;
                        break;
                    }
                    depots.push(node(at, "DEPOT_SECTION", t, n)?);
                }
            }
            Section::Weights => {
                for t in f {
                    weights.push(number(file_label, at, "EDGE_WEIGHT_SECTION", t)?);
                }
            }
            Section::End => {}
        }
    }

    let Some(n) = dimension else {
        return Err(err(last, "DIMENSION is missing".into()));
    };
    let Some(capacity) = capacity else {
        return Err(err(last, "CAPACITY is missing".into()));
    };
    let depot = match depots.as_slice() {
        [d] => *d,
        [] => return Err(err(last, "DEPOT_SECTION is missing or empty".into())),
        _ => return Err(err(last, "more than one depot is not supported".into())),
    };
    if let Some(i) = demands.iter().position(Option::is_none) {
        return Err(err(
            last,
            format!("DEMAND_SECTION: node {} has no demand", i + 1),
        ));
    }
    let matrix = match weight_type.as_str() {
        "EUC_2D" => {
            let mut points = Vec::with_capacity(n);
            for (i, c) in coords.iter().enumerate() {
                match c {
                    Some(p) => points.push(*p),
                    None => {
                        let m = format!("NODE_COORD_SECTION: node {} has no coordinates", i + 1);
                        return Err(err(last, m));
                    }
                }
            }
            let m = Matrix::euclidean(&points);
            if round {
                let d: Vec<f64> = (0..n * n)
                    .map(|k| m.distance(k / n, k % n).round())
                    .collect();
                Matrix::new(n, d.clone(), d)?
            } else {
                m
            }
        }
        "EXPLICIT" => {
            let d = full_matrix(n, &weight_format, &weights).map_err(|m| err(last, m))?;
            Matrix::new(n, d.clone(), d)?
        }
        "" => return Err(err(last, "EDGE_WEIGHT_TYPE is missing".into())),
        t => {
            let m = format!("EDGE_WEIGHT_TYPE: {t} is not supported (EUC_2D or EXPLICIT)");
            return Err(err(last, m));
        }
    };

    let horizon: f64 = (0..n)
        .map(|a| (0..n).map(|b| matrix.time(a, b)).fold(0.0, f64::max))
        .sum::<f64>()
        .max(1.0);
    let jobs: Vec<Job> = (0..n)
        .filter(|&i| i != depot)
        .map(|i| Job {
            name: i.to_string(),
            location: i,
            demand: demands[i].unwrap_or(0) as u32,
            ready: 0.0,
            due: horizon,
            service: 0.0,
            skills: Skills::NONE,
            cohort: None,
            max_ride: None,
            alone: false,
        })
        .collect();
    let problem = Problem {
        name,
        matrix,
        depot: Depot {
            location: depot,
            ready: 0.0,
            due: horizon,
        },
        fleet: vec![VehicleType {
            name: "vehicle".into(),
            count: jobs.len().max(1),
            capacity: capacity as u32,
            skills: Skills::NONE,
            shift_start: 0.0,
            shift_end: horizon,
            fixed_cost: 0.0,
            cost_per_distance: 1.0,
            cost_per_time: 0.0,
            max_trips: 1,
            turnaround: 0.0,
        }],
        jobs,
        objective: Objective::Cost,
    };
    problem.validate().map_err(|e| match e {
        PlanError::Invalid(m) => err(last, m),
        other => other,
    })?;
    Ok(problem)
}

/// The `EDGE_WEIGHT_SECTION` numbers as a full row-major matrix.
fn full_matrix(n: usize, format: &str, w: &[f64]) -> Result<Vec<f64>, String> {
    // Which (row, column) cells the format lists, in its order; the rest mirror them.
    let cells: Vec<(usize, usize)> = match format {
        "FULL_MATRIX" => (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).collect(),
        "LOWER_ROW" => (0..n).flat_map(|i| (0..i).map(move |j| (i, j))).collect(),
        "LOWER_DIAG_ROW" => (0..n).flat_map(|i| (0..=i).map(move |j| (i, j))).collect(),
        "UPPER_ROW" => (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect(),
        "UPPER_DIAG_ROW" => (0..n).flat_map(|i| (i..n).map(move |j| (i, j))).collect(),
        f => return Err(format!("EDGE_WEIGHT_FORMAT: {f} is not supported")),
    };
    if cells.len() != w.len() {
        return Err(format!(
            "EDGE_WEIGHT_SECTION: {format} for {n} nodes needs {} numbers, found {}",
            cells.len(),
            w.len()
        ));
    }
    let mut d = vec![0.0; n * n];
    for (&(i, j), &v) in cells.iter().zip(w) {
        d[i * n + j] = v;
        if format != "FULL_MATRIX" {
            d[j * n + i] = v;
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "NAME : tiny\nCOMMENT : made up\nTYPE : CVRP\nDIMENSION : 4\n\
        EDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : 10\nNODE_COORD_SECTION\n\
        1 0 0\n2 3 4\n3 1 1\n4 0 2\nDEMAND_SECTION\n1 0\n2 4\n3 5\n4 6\n\
        DEPOT_SECTION\n 1\n -1\nEOF\n";

    #[test]
    fn reads_euc_2d_rounded_and_not() {
        let p = parse(SMALL, "tiny.vrp", false).unwrap();
        assert_eq!(p.name, "tiny");
        assert_eq!(p.jobs.len(), 3);
        assert_eq!(p.jobs[0].name, "1");
        assert_eq!((p.jobs[0].location, p.jobs[0].demand), (1, 4));
        assert_eq!(p.depot.location, 0);
        assert_eq!(p.matrix.distance(0, 1), 5.0);
        assert!((p.matrix.distance(0, 2) - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(p.fleet[0].count, 3);
        assert_eq!(p.fleet[0].capacity, 10);
        assert!(p.jobs[0].due >= 5.0 + 5.0 + 5.0);
        let r = parse(SMALL, "tiny.vrp", true).unwrap();
        assert_eq!(r.matrix.distance(0, 2), 1.0);
        assert_eq!(r.matrix.distance(1, 3), 4.0);
    }

    #[test]
    fn reads_explicit_matrices() {
        let head = "NAME : m\nTYPE : CVRP\nDIMENSION : 3\nEDGE_WEIGHT_TYPE : EXPLICIT\n\
            CAPACITY : 5\n";
        let tail = "DEMAND_SECTION\n1 0\n2 1\n3 1\nDEPOT_SECTION\n1\n-1\nEOF\n";
        let full = format!(
            "{head}EDGE_WEIGHT_FORMAT : FULL_MATRIX\nEDGE_WEIGHT_SECTION\n0 1 2\n3 0 4\n5 6 0\n{tail}"
        );
        let p = parse(&full, "m.vrp", false).unwrap();
        assert_eq!(
            (p.matrix.distance(0, 2), p.matrix.distance(2, 0)),
            (2.0, 5.0)
        );
        let lower =
            format!("{head}EDGE_WEIGHT_FORMAT: LOWER_ROW\nEDGE_WEIGHT_SECTION\n1\n2 4\n{tail}");
        let p = parse(&lower, "m.vrp", false).unwrap();
        assert_eq!(
            (p.matrix.distance(0, 2), p.matrix.distance(2, 1)),
            (2.0, 4.0)
        );
        assert_eq!(p.matrix.distance(1, 2), 4.0);
        let short = format!("{head}EDGE_WEIGHT_SECTION\n0 1 2\n{tail}");
        let e = parse(&short, "m.vrp", false).unwrap_err().to_string();
        assert!(e.contains("needs 9 numbers, found 3"), "{e}");
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let bad = SMALL.replace("3 5\n", "3 five\n");
        let e = parse(&bad, "tiny.vrp", false).unwrap_err().to_string();
        assert_eq!(e, "tiny.vrp, line 15: demand: \"five\" is not a number");
        let bad = SMALL.replace("4 0 2\n", "9 0 2\n");
        let e = parse(&bad, "tiny.vrp", false).unwrap_err().to_string();
        assert_eq!(
            e,
            "tiny.vrp, line 11: NODE_COORD_SECTION: node 9 is not within 1..4 (DIMENSION)"
        );
        let bad = SMALL.replace("EUC_2D", "GEO");
        let e = parse(&bad, "tiny.vrp", false).unwrap_err().to_string();
        assert!(e.contains("EDGE_WEIGHT_TYPE: GEO is not supported"), "{e}");
    }
}
