//! A day planned from files, without a server or a database: `day.json` in, `plan.json` out,
//! with the KPIs of the plan beside those of the naive baseline; and a plan checked against
//! its day by the independent checker.
//!
//! Travel times come from the model in force (see [`crate::roads`]): an OSRM server or the
//! configured extract's road network when there is one, adapted to the scheduling crate's
//! [`TravelTimes`]; straight lines with the configured detour and speed otherwise.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use crate::roads::{self, RoadsSource};
use closedloop_roads::model::{Point as RoadPoint, TravelModel};
use closedloop_scheduling::check::Violation;
use closedloop_scheduling::day::PlanOptions;
use closedloop_scheduling::plan::Kpis;
use closedloop_scheduling::problem::Point;
use closedloop_scheduling::travel::{Leg, StraightLines, TravelTimes};
use closedloop_scheduling::{Day, DayError, Plan};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub problem: PathBuf,
    pub out: PathBuf,
    pub seed: u64,
    /// For the whole day; none: a fixed number of iterations (reproducible).
    pub time_limit: Option<Duration>,
    pub iterations: Option<u64>,
}

/// What `plan` answers (the shape `--json` prints).
#[derive(Debug, Clone, Serialize)]
pub struct Planned {
    pub out: String,
    /// The travel model the plan was made with.
    pub travel: String,
    pub kpis: Kpis,
    pub baseline: Kpis,
    pub seconds: f64,
}

#[derive(Debug, Clone)]
pub struct CheckRequest {
    pub problem: PathBuf,
    pub plan: PathBuf,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub travel: String,
    pub violations: Vec<Violation>,
}

pub(crate) fn day_error(path: &Path, e: DayError) -> AppError {
    let field = match &e {
        DayError::Field { field, .. }
        | DayError::Duplicate { field, .. }
        | DayError::Unknown { field, .. } => Some(field.clone()),
        DayError::Json { line, column, .. } => Some(format!("line {line}, column {column}")),
        DayError::Format { .. } => Some("format".to_string()),
    };
    let fault = Fault::new(
        e.code(),
        format!("{}: {e}", path.display()),
        format!("{}：{}", path.display(), e.zh()),
    );
    AppError::Invalid(match field {
        Some(f) => fault.at(f),
        None => fault,
    })
}

/// Reads and checks a day file; the error names the field (or line and column) at fault.
pub fn read_day(path: &Path) -> AppResult<Day> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    Day::from_json(&text).map_err(|e| day_error(path, e))
}

/// Reads a plan file.
pub fn read_plan(path: &Path) -> AppResult<Plan> {
    let text = std::fs::read_to_string(path).map_err(|e| AppError::io(path, e))?;
    serde_json::from_str(&text).map_err(|e| {
        AppError::Invalid(
            Fault::new(
                "plan_json_invalid",
                format!("{}: plan file: {e}", path.display()),
                format!("{}：计划文件：{e}", path.display()),
            )
            .at(format!("line {}, column {}", e.line(), e.column())),
        )
    })
}

/// Plans the day of `req.problem`, writes the plan to `req.out` (replacing it whole, never
/// half-written), and returns its KPIs beside the baseline's. Nothing is written when the day
/// file is refused.
pub fn plan(app: &App, req: &PlanRequest) -> AppResult<Planned> {
    let started = std::time::Instant::now();
    let day = read_day(&req.problem)?;
    let (travel, described) = travel_times(app)?;
    let options = PlanOptions {
        seed: req.seed,
        time_limit: req.time_limit,
        iterations: req.iterations,
    };
    let plan = closedloop_scheduling::day::plan_day(&day, travel.as_ref(), &options)
        .map_err(|e| day_error(&req.problem, e))?;
    let baseline = closedloop_scheduling::baseline::plan(&day, travel.as_ref())
        .map_err(|e| day_error(&req.problem, e))?;
    let json = serde_json::to_string_pretty(&plan).map_err(|e| {
        AppError::invalid(
            "plan_unwritable",
            e.to_string(),
            format!("计划无法写出：{e}"),
        )
    })? + "\n";
    write_whole(&req.out, json.as_bytes())?;
    Ok(Planned {
        out: req.out.display().to_string(),
        travel: described,
        kpis: plan.kpis,
        baseline: baseline.kpis,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Every rule the plan breaks for its day, with the travel model in force.
pub fn check(app: &App, req: &CheckRequest) -> AppResult<Checked> {
    let day = read_day(&req.problem)?;
    let plan = read_plan(&req.plan)?;
    let (travel, described) = travel_times(app)?;
    Ok(Checked {
        travel: described,
        violations: closedloop_scheduling::check::check(&day, &plan, travel.as_ref()),
    })
}

/// Writes beside the target, then renames over it: a reader sees the old file or the new one.
pub(crate) fn write_whole(path: &Path, bytes: &[u8]) -> AppResult<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "plan.json".into(), |n| n.to_string_lossy().into_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| AppError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        AppError::io(path, e)
    })
}

/// The travel model in force as [`TravelTimes`], and a line saying which it is.
pub fn travel_times(app: &App) -> AppResult<(Box<dyn TravelTimes>, String)> {
    let source = RoadsSource::default();
    if source.osrm(app).is_none() && source.extract(app).is_none() {
        let s = StraightLines {
            speed_kmh: app.config.roads.straight_line_kmh,
            detour: app.config.roads.detour_factor,
        };
        let d = format!(
            "straight lines × {} at {} km/h (no road extract configured)",
            s.detour, s.speed_kmh
        );
        return Ok((Box::new(s), d));
    }
    let model = roads::travel_model(app, &source)?;
    let described = model.describe();
    Ok((
        Box::new(RoadTimes {
            model,
            cache: Mutex::new(HashMap::new()),
        }),
        described,
    ))
}

/// A road model (network or OSRM) as travel times. A pair the model cannot route (a point off
/// the network, an unreachable component) is an infinite leg: hotel assignment ranks it last
/// and batch forming reports the travelers rather than guessing a time.
struct RoadTimes {
    model: Box<dyn TravelModel>,
    /// Single legs asked one at a time (hotel ranking, the checker), by the points' bits.
    cache: Mutex<HashMap<[u64; 4], Leg>>,
}

const UNROUTABLE: Leg = Leg {
    minutes: f64::INFINITY,
    km: f64::INFINITY,
};

fn road_point(p: Point) -> RoadPoint {
    RoadPoint {
        lat: p.lat,
        lon: p.lon,
    }
}

impl TravelTimes for RoadTimes {
    fn leg(&self, from: Point, to: Point) -> Leg {
        let key = [
            from.lat.to_bits(),
            from.lon.to_bits(),
            to.lat.to_bits(),
            to.lon.to_bits(),
        ];
        if let Some(l) = self.cache.lock().ok().and_then(|c| c.get(&key).copied()) {
            return l;
        }
        let leg = self
            .matrix(&[from, to])
            .get(1)
            .copied()
            .unwrap_or(UNROUTABLE);
        if let Ok(mut c) = self.cache.lock() {
            c.insert(key, leg);
        }
        leg
    }

    fn matrix(&self, points: &[Point]) -> Vec<Leg> {
        let n = points.len();
        let pts: Vec<RoadPoint> = points.iter().copied().map(road_point).collect();
        match self.model.matrix(&pts) {
            Ok(m) if m.size == n => (0..n * n)
                .map(|i| {
                    m.get(i / n, i % n).map_or(UNROUTABLE, |l| Leg {
                        minutes: l.time_s / 60.0,
                        km: l.length_m / 1000.0,
                    })
                })
                .collect(),
            // One point off the network fails the whole matrix: ask pair by pair, so only
            // the legs touching it are unroutable.
            _ if n > 2 => {
                let mut out = Vec::with_capacity(n * n);
                for a in points {
                    for b in points {
                        out.push(if a == b {
                            Leg {
                                minutes: 0.0,
                                km: 0.0,
                            }
                        } else {
                            self.leg(*a, *b)
                        });
                    }
                }
                out
            }
            _ => vec![UNROUTABLE; n * n],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closedloop_roads::model::{Leg as RoadLeg, Matrix as RoadMatrix, RoadsError, Route};

    /// A model over a line of longitude: one km per 0.01°, a minute per km; a point north of
    /// 80° is off the network (the whole matrix fails, as a snap does), one at exactly 60° is
    /// on an island (unreachable from the rest).
    struct Line;

    impl TravelModel for Line {
        fn describe(&self) -> String {
            "line".into()
        }
        fn matrix(&self, points: &[RoadPoint]) -> Result<RoadMatrix, RoadsError> {
            if points.iter().any(|p| p.lat > 80.0) {
                return Err(RoadsError::Unreachable { from: 0, to: 0 });
            }
            let island = |p: &RoadPoint| p.lat == 60.0;
            let mut cells = Vec::new();
            for a in points {
                for b in points {
                    let km = (a.lon - b.lon).abs() * 100.0;
                    cells.push((island(a) == island(b) || a == b).then_some(RoadLeg {
                        time_s: km * 60.0,
                        length_m: km * 1000.0,
                    }));
                }
            }
            Ok(RoadMatrix {
                size: points.len(),
                cells,
            })
        }
        fn route(&self, _: RoadPoint, _: RoadPoint) -> Result<Route, RoadsError> {
            Err(RoadsError::Unsupported {
                model: self.describe(),
                what: "routes",
            })
        }
    }

    fn times() -> RoadTimes {
        RoadTimes {
            model: Box::new(Line),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn at(lat: f64, lon: f64) -> Point {
        Point { lat, lon }
    }

    #[test]
    fn road_legs_are_minutes_and_km() {
        let l = times().leg(at(31.0, 121.0), at(31.0, 121.1));
        assert!(
            (l.minutes - 10.0).abs() < 1e-9 && (l.km - 10.0).abs() < 1e-9,
            "{l:?}"
        );
    }

    #[test]
    fn an_unreachable_pair_is_an_infinite_leg_and_a_point_off_the_network_spoils_only_its_own() {
        let t = times();
        assert!(
            t.leg(at(31.0, 121.0), at(60.0, 121.0))
                .minutes
                .is_infinite()
        );
        let m = t.matrix(&[at(31.0, 121.0), at(31.0, 121.2), at(85.0, 121.0)]);
        assert_eq!(m.len(), 9);
        assert!((m[1].minutes - 20.0).abs() < 1e-9, "{m:?}");
        assert!(m[2].minutes.is_infinite() && m[5].minutes.is_infinite());
        assert_eq!(m[8].minutes, 0.0);
    }

    #[test]
    fn a_refused_day_file_names_its_field_and_code() {
        let dir = std::env::temp_dir().join(format!("closedloop-schedule-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("day.json");
        std::fs::write(&path, r#"{"format": "closedloop-day/9"}"#).unwrap();
        let e = read_day(&path).unwrap_err();
        assert_eq!(e.code(), "day_json_invalid", "{e}");
        assert!(e.field().unwrap().starts_with("line 1"), "{e:?}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
