//! Travel times: which model answers (an OSRM server when one is named, the road network of
//! an extract when one is configured, else straight lines), routes and matrices.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use closedloop_intake::export::SafeCsv;
use closedloop_roads::model::{
    Matrix, Metric, OpenReport, Point, RoadNetwork, RoadsError, Route, StraightLine, TravelModel,
};
use closedloop_roads::osrm::Osrm;
use closedloop_roads::speeds::SpeedTable;
use std::path::{Path, PathBuf};

/// What the caller named: an extract or a server, overriding the configuration's.
#[derive(Debug, Clone, Default)]
pub struct RoadsSource {
    pub osm: Option<PathBuf>,
    pub osrm: Option<String>,
}

impl RoadsSource {
    /// The extract named here or in the configuration, if any.
    pub fn extract(&self, app: &App) -> Option<PathBuf> {
        self.osm.clone().or_else(|| app.config.roads.osm.clone())
    }

    /// The OSRM server to ask: the one named here, else the configured one unless an extract
    /// is named here.
    pub fn osrm(&self, app: &App) -> Option<String> {
        match (&self.osrm, &self.osm) {
            (Some(url), _) => Some(url.clone()),
            (None, Some(_)) => None,
            (None, None) => app.config.roads.osrm.clone(),
        }
    }
}

pub(crate) fn roads_error(e: RoadsError) -> AppError {
    let code = match &e {
        RoadsError::Osm(_) => "extract_unreadable",
        RoadsError::Snap(_) => "point_off_network",
        RoadsError::Unreachable { .. } => "unreachable",
        RoadsError::Unsupported { .. } => "unsupported_by_model",
        RoadsError::Service { .. } => "routing_service_failed",
        RoadsError::Persist { .. } => "io",
    };
    AppError::Invalid(Fault::new(code, e.to_string(), format!("路网：{e}")))
}

pub fn speeds(app: &App) -> AppResult<SpeedTable> {
    match &app.config.roads.speeds {
        Some(text) => SpeedTable::from_toml(text)
            .map_err(|e| AppError::config(format!("speed table: {e}"), format!("车速表：{e}"))),
        None => Ok(SpeedTable::default()),
    }
}

/// The road network of `osm`, its preprocessing reused or rebuilt.
pub fn open_network(app: &App, osm: &Path) -> AppResult<(RoadNetwork, OpenReport)> {
    RoadNetwork::open(osm, &speeds(app)?, app.config.roads.max_snap_m).map_err(roads_error)
}

/// The model that answers for `source`.
pub fn travel_model(app: &App, source: &RoadsSource) -> AppResult<Box<dyn TravelModel>> {
    if let Some(url) = source.osrm(app) {
        let osrm = Osrm::new(
            &url,
            &app.config.roads.osrm_profile,
            std::time::Duration::from_secs(600),
        )
        .map_err(roads_error)?;
        return Ok(Box::new(osrm));
    }
    Ok(match source.extract(app) {
        Some(osm) => Box::new(open_network(app, &osm)?.0),
        None => Box::new(StraightLine {
            detour_factor: app.config.roads.detour_factor,
            kmh: app.config.roads.straight_line_kmh,
        }),
    })
}

/// The fastest (or shortest) route.
pub fn route(
    app: &App,
    source: &RoadsSource,
    from: Point,
    to: Point,
    by: Metric,
) -> AppResult<Route> {
    travel_model(app, source)?
        .route_by(from, to, by)
        .map_err(roads_error)
}

/// The matrix between `points`.
pub fn matrix(app: &App, source: &RoadsSource, points: &[Point]) -> AppResult<Matrix> {
    travel_model(app, source)?
        .matrix(points)
        .map_err(roads_error)
}

fn points_error(path: &Path, en: String, zh: String) -> AppError {
    AppError::Invalid(Fault::new(
        "points_invalid",
        format!("{}: {en}", path.display()),
        format!("{}：{zh}", path.display()),
    ))
}

/// Reads `lat` and `lon` columns by header name; other columns are ignored.
pub fn read_points(path: &Path) -> AppResult<Vec<Point>> {
    let mut r = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| points_error(path, e.to_string(), e.to_string()))?;
    let headers = r
        .headers()
        .map_err(|e| points_error(path, e.to_string(), e.to_string()))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name))
    };
    let (Some(lat), Some(lon)) = (col("lat"), col("lon")) else {
        return Err(points_error(
            path,
            "the header must name `lat` and `lon` columns".into(),
            "表头须含 `lat` 与 `lon` 列".into(),
        ));
    };
    let mut points = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| {
            points_error(path, format!("row {row}: {e}"), format!("第 {row} 行：{e}"))
        })?;
        let num = |c: usize, name: &str| -> AppResult<f64> {
            rec.get(c).and_then(|v| v.parse().ok()).ok_or_else(|| {
                points_error(
                    path,
                    format!("row {row}, column {name:?}: not a number"),
                    format!("第 {row} 行，{name:?} 列：不是数字"),
                )
            })
        };
        points.push(Point {
            lat: num(lat, "lat")?,
            lon: num(lon, "lon")?,
        });
    }
    Ok(points)
}

/// `from,to,time_s,length_m` for every ordered pair, values empty when unreachable.
pub fn write_matrix(matrix: &Matrix, out: &Path) -> AppResult<()> {
    let io = |e| AppError::io(out, e);
    let mut w = csv_out(out)?;
    w.write_record(["from", "to", "time_s", "length_m"])
        .map_err(|e| io(e.into()))?;
    for i in 0..matrix.size {
        for j in 0..matrix.size {
            let (time, length) = match matrix.get(i, j) {
                Some(l) => (format!("{:.6}", l.time_s), format!("{:.3}", l.length_m)),
                None => (String::new(), String::new()),
            };
            w.write_record([i.to_string(), j.to_string(), time, length])
                .map_err(|e| io(e.into()))?;
        }
    }
    w.flush().map_err(io)
}

/// Every CSV written here goes through the one spreadsheet-safe writer (all numbers today).
fn csv_out(path: &Path) -> AppResult<SafeCsv<std::io::BufWriter<std::fs::File>>> {
    let file = std::fs::File::create(path).map_err(|e| AppError::io(path, e))?;
    Ok(SafeCsv::from_writer(std::io::BufWriter::new(file)))
}

/// The graph as the engine sees it: values are exact decimal forms of its integer
/// microseconds and millimetres.
pub fn export(g: &closedloop_roads::RoadGraph, edges: &Path, nodes: &Path) -> AppResult<()> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |e| AppError::io(&p, e)
    };
    let csv_io = |p: &Path| {
        let p = p.to_path_buf();
        move |e: csv::Error| AppError::io(&p, e.into())
    };
    let mut w = csv_out(edges)?;
    w.write_record(["from", "to", "length_m", "time_s"])
        .map_err(csv_io(edges))?;
    for e in g.edges() {
        w.write_record([
            e.from.to_string(),
            e.to.to_string(),
            format!("{:.3}", f64::from(e.length_mm) / 1000.0),
            format!("{:.6}", f64::from(e.time_us) / 1_000_000.0),
        ])
        .map_err(csv_io(edges))?;
    }
    w.flush().map_err(io(edges))?;
    let mut w = csv_out(nodes)?;
    w.write_record(["id", "lat", "lon"])
        .map_err(csv_io(nodes))?;
    for (i, n) in g.nodes().iter().enumerate() {
        w.write_record([i.to_string(), n.lat.to_string(), n.lon.to_string()])
            .map_err(csv_io(nodes))?;
    }
    w.flush().map_err(io(nodes))
}
