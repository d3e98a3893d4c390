//! Simulated drivers playing the rest of the demo's day through the HTTP API, as phones do:
//! each with its own bearer token, its crew completing their check-lists, the desk approving,
//! the port's staff handing the travelers over and the driver confirming with the code and
//! head-count, GPS positions along the route in accelerated time, and at each stop the
//! driver's hand-over confirmed by that hotel's staff. Batches go one after the other, in
//! order of departure; a batch bound for the hospital (whose staff have no accounts yet) is
//! left to the desk.

use crate::error::{DemoError, Result};
use crate::script::{Batch, Script};
use chrono::Utc;
use closedloop_domain::Lang;
use closedloop_handover::ChecklistKind;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

pub struct Simulator {
    pub base: String,
    /// Bearer tokens by login.
    pub tokens: HashMap<String, String>,
    /// How many times faster than the clock the vehicles drive.
    pub speed: f64,
    pub stop: Arc<AtomicBool>,
    pub lang: Lang,
    client: Client,
}

/// The logins the simulated day acts as: the desk, the port, the hotels and crews of the
/// batches still to play.
pub fn actors(script: &Script) -> Vec<String> {
    let mut out = vec!["demo-dispatcher".to_string(), "demo-port".to_string()];
    for b in script.batches.iter().filter(|b| playable(b)) {
        for &c in &b.crew {
            if let Some(l) = script.login_of_crew(c) {
                out.push(l.login.clone());
            }
        }
        out.extend(b.stops.iter().filter_map(|s| s.receiver_login.clone()));
    }
    out.sort();
    out.dedup();
    out
}

fn playable(b: &Batch) -> bool {
    !b.played && b.stops.iter().all(|s| s.receiver_login.is_some())
}

/// Why the simulation stopped early.
enum Halt {
    Stopped,
    Failed(DemoError),
}

impl From<DemoError> for Halt {
    fn from(e: DemoError) -> Halt {
        Halt::Failed(e)
    }
}

type Step<T> = std::result::Result<T, Halt>;

impl Simulator {
    pub fn new(
        base: String,
        tokens: HashMap<String, String>,
        speed: f64,
        stop: Arc<AtomicBool>,
        lang: Lang,
    ) -> Simulator {
        let client = Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client without TLS builds");
        Simulator {
            base,
            tokens,
            speed: speed.max(1.0),
            stop,
            lang,
            client,
        }
    }

    /// Plays every batch left, until done or told to stop; how many it delivered.
    pub fn run(&self, script: &Script) -> usize {
        let (mut delivered, mut halted) = (0, false);
        for b in script.batches.iter().filter(|b| !b.played && !playable(b)) {
            println!(
                "{} {}",
                self.lang.pick(
                    "left for the desk (bound for the hospital, whose staff have no accounts yet):",
                    "留给调度台（前往定点医院，其工作人员尚无账号）："
                ),
                b.code
            );
        }
        for b in script.batches.iter().filter(|b| playable(b)) {
            // A demo served before played some already: only planned batches are left.
            match self.get("demo-dispatcher", &format!("/batches/{}", b.trip)) {
                Ok(v) if v["state"] == json!("planned") => {}
                Ok(_) => continue,
                Err(Halt::Stopped) => {
                    halted = true;
                    break;
                }
                Err(Halt::Failed(e)) => {
                    eprintln!("{}: {}", b.code, e.message(self.lang));
                    halted = true;
                    break;
                }
            }
            match self.batch(script, b) {
                Ok(()) => {
                    delivered += 1;
                    println!(
                        "{} {} ({} {})",
                        self.lang.pick("delivered batch", "已送达批次"),
                        b.code,
                        b.stops.iter().map(|s| s.travelers.len()).sum::<usize>(),
                        self.lang.pick("travelers", "名旅客"),
                    );
                }
                Err(Halt::Stopped) => {
                    halted = true;
                    break;
                }
                Err(Halt::Failed(e)) => {
                    halted = true;
                    eprintln!(
                        "{} {}: {}",
                        self.lang.pick("simulated batch stopped:", "模拟批次中止："),
                        b.code,
                        e.message(self.lang)
                    );
                    break;
                }
            }
        }
        if !halted {
            println!(
                "{}",
                self.lang.pick(
                    "the simulated day is played; the service stays up (Ctrl-C to stop)",
                    "模拟的一天已演示完毕；服务继续运行（Ctrl-C 停止）"
                )
            );
        }
        delivered
    }

    fn token(&self, login: &str) -> Result<&str> {
        self.tokens
            .get(login)
            .map(String::as_str)
            .ok_or_else(|| DemoError::NoSuchLogin(login.to_string()))
    }

    fn send(&self, login: &str, req: reqwest::blocking::RequestBuilder) -> Step<Value> {
        if self.stop.load(Ordering::Relaxed) {
            return Err(Halt::Stopped);
        }
        let r = req
            .bearer_auth(self.token(login)?)
            .send()
            .map_err(|e| DemoError::Http(e.to_string()))?;
        let status = r.status();
        let body: Value = r.json().unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(DemoError::Http(format!("{status}: {body}")).into());
        }
        Ok(body)
    }

    fn post(&self, login: &str, path: &str, body: &Value) -> Step<Value> {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|e| DemoError::Http(e.to_string()))?;
        let req = self
            .client
            .post(format!("{}/api{path}", self.base))
            .header("Idempotency-Key", hex::encode(key))
            .json(body);
        self.send(login, req)
    }

    fn get(&self, login: &str, path: &str) -> Step<Value> {
        self.send(login, self.client.get(format!("{}/api{path}", self.base)))
    }

    fn checklist(
        &self,
        login: &str,
        kind: ChecklistKind,
        subject: Value,
        heads: usize,
    ) -> Step<()> {
        let mut body = subject;
        body["kind"] = json!(kind.code());
        body["answers"] = crate::answers::answers(kind, heads);
        let done = self.post(login, "/checklists", &body)?;
        if done["passed"] != json!(true) {
            return Err(DemoError::Http(format!("{kind:?} did not pass: {done}")).into());
        }
        Ok(())
    }

    /// A hand-over started by `giver`, confirmed by `receiver` with its code and head-count.
    fn hand_over(&self, giver: &str, receiver: &str, body: Value, at: (f64, f64)) -> Step<()> {
        let counted = body["travelers"].as_array().map_or(0, Vec::len);
        let started = self.post(giver, "/handovers", &body)?;
        let id = started["handover"].as_i64().unwrap_or_default();
        let code = started["code"].as_str().unwrap_or_default();
        self.post(
            receiver,
            &format!("/handovers/{id}/confirm"),
            &json!({"code": code, "counted": counted, "lat": at.0, "lon": at.1}),
        )?;
        Ok(())
    }

    /// Drives from `from` to `to` along `path` in accelerated time, reporting a fix a second.
    fn drive(&self, driver: &str, b: &Batch, path: &[(f64, f64)], minutes: f64) -> Step<()> {
        let seconds = (minutes * 60.0 / self.speed).clamp(1.0, 120.0);
        let fixes = seconds.ceil() as usize;
        for k in 1..=fixes {
            let (lat, lon) = along(path, k as f64 / fixes as f64);
            let body = json!({"vehicle": b.vehicle, "trip": b.trip, "fixes": [
                {"at": Utc::now(), "lat": lat, "lon": lon, "speed_kmh": 40.0}]});
            self.post(driver, "/positions", &body)?;
            std::thread::sleep(Duration::from_secs_f64(seconds / fixes as f64));
        }
        Ok(())
    }

    /// The batch's road route, if the server draws one; else straight legs between stops.
    fn route(&self, driver: &str, b: &Batch, stops: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        let drawn = self
            .get(driver, &format!("/batches/{}/route", b.trip))
            .ok()
            .map(|v| {
                let mut points = Vec::new();
                coordinates(&v, &mut points);
                points
            })
            .unwrap_or_default();
        // One path per leg: the drawn line cut at the point nearest each stop.
        let mut legs = Vec::new();
        let mut from = 0;
        for w in stops.windows(2) {
            let to = nearest(&drawn[from..], w[1]).map(|i| from + i);
            match to {
                Some(to) if drawn.len() > 1 && to > from => {
                    legs.push(drawn[from..=to].to_vec());
                    from = to;
                }
                _ => legs.push(vec![w[0], w[1]]),
            }
        }
        legs
    }

    fn batch(&self, script: &Script, b: &Batch) -> Step<()> {
        let crew: Vec<String> = b
            .crew
            .iter()
            .filter_map(|&c| script.login_of_crew(c).map(|l| l.login.clone()))
            .collect();
        let driver = crew
            .first()
            .ok_or_else(|| DemoError::City(format!("batch {} has no crew login", b.code)))?;
        for (login, &id) in crew.iter().zip(&b.crew) {
            for kind in [ChecklistKind::PreTripTraining, ChecklistKind::CrewHealth] {
                self.checklist(login, kind, json!({"crew": id}), 0)?;
            }
        }
        self.checklist(
            driver,
            ChecklistKind::VehicleInspection,
            json!({"vehicle": b.vehicle}),
            0,
        )?;
        if let Some(prev) = b.after_trip {
            let subject = json!({"vehicle": b.vehicle, "trip": prev});
            // The vehicle's last trip may have been another crew's: the desk records it then.
            if self
                .checklist(driver, ChecklistKind::Sanitation, subject.clone(), 0)
                .is_err()
            {
                self.checklist("demo-dispatcher", ChecklistKind::Sanitation, subject, 0)?;
            }
        }
        self.checklist(
            driver,
            ChecklistKind::PreDepartureReminder,
            json!({"trip": b.trip}),
            0,
        )?;
        self.post(
            "demo-dispatcher",
            &format!("/batches/{}/approve", b.trip),
            &json!({}),
        )?;
        self.post(driver, &format!("/batches/{}/depart", b.trip), &json!({}))?;
        let everyone: Vec<i64> = b.stops.iter().flat_map(|s| s.travelers.clone()).collect();
        let port = (script.port.lat, script.port.lon);
        self.hand_over(
            "demo-port",
            driver,
            json!({"trip": b.trip, "to": format!("crew:{}", b.crew[0]), "travelers": everyone}),
            port,
        )?;
        let mut points = vec![port];
        points.extend(b.stops.iter().map(|s| (s.lat, s.lon)));
        let legs = self.route(driver, b, &points);
        let mut left = b.depart;
        for (k, (s, leg)) in b.stops.iter().zip(&legs).enumerate() {
            let minutes = (s.eta - left).num_seconds().max(60) as f64 / 60.0;
            self.drive(driver, b, leg, minutes)?;
            left = s.eta;
            self.checklist(
                driver,
                ChecklistKind::PersonnelHandover,
                json!({"trip": b.trip, "stop": k}),
                s.travelers.len(),
            )?;
            let receiver = s.receiver_login.as_deref().unwrap_or_default();
            self.hand_over(
                driver,
                receiver,
                json!({"trip": b.trip, "to": s.receiver, "travelers": s.travelers}),
                (s.lat, s.lon),
            )?;
        }
        self.post(driver, &format!("/batches/{}/complete", b.trip), &json!({}))?;
        self.checklist(
            driver,
            ChecklistKind::Sanitation,
            json!({"vehicle": b.vehicle, "trip": b.trip}),
            0,
        )
    }
}

/// Every `[lon, lat]` pair of a GeoJSON value, in order.
fn coordinates(v: &Value, out: &mut Vec<(f64, f64)>) {
    match v {
        Value::Array(a) => {
            if let [Value::Number(lon), Value::Number(lat), ..] = a.as_slice() {
                if let (Some(lon), Some(lat)) = (lon.as_f64(), lat.as_f64()) {
                    out.push((lat, lon));
                }
            } else {
                a.iter().for_each(|x| coordinates(x, out));
            }
        }
        Value::Object(o) => {
            if let Some(c) = o.get("coordinates") {
                coordinates(c, out);
            } else {
                o.values().for_each(|x| coordinates(x, out));
            }
        }
        _ => {}
    }
}

fn nearest(points: &[(f64, f64)], to: (f64, f64)) -> Option<usize> {
    let d = |p: &(f64, f64)| (p.0 - to.0).powi(2) + (p.1 - to.1).powi(2);
    (0..points.len()).min_by(|&a, &b| d(&points[a]).total_cmp(&d(&points[b])))
}

/// The point a fraction `f` of the way along `path` (by vertex count, fine for a demo).
fn along(path: &[(f64, f64)], f: f64) -> (f64, f64) {
    if path.len() < 2 {
        return path.first().copied().unwrap_or_default();
    }
    let x = f.clamp(0.0, 1.0) * (path.len() - 1) as f64;
    let i = (x.floor() as usize).min(path.len() - 2);
    let t = x - i as f64;
    let (a, b) = (path[i], path[i + 1]);
    (a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geojson_coordinates_read_in_order_as_lat_lon() {
        let v = json!({"type": "Feature", "geometry": {"type": "LineString",
            "coordinates": [[121.45, 31.25], [121.46, 31.24]]}});
        let mut out = Vec::new();
        coordinates(&v, &mut out);
        assert_eq!(out, vec![(31.25, 121.45), (31.24, 121.46)]);
        let (lat, lon) = along(&out, 0.5);
        assert!((lat - 31.245).abs() < 1e-9 && (lon - 121.455).abs() < 1e-9);
    }
}
