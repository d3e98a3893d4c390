//! Request observation in one middleware: a request id (random, returned as `X-Request-Id`),
//! one log line per request with the method, the route **pattern**, the status and the
//! latency — never the raw path or query, which may carry ids or names — and Prometheus
//! metrics labelled by the same pattern (a raw path would make one series per traveler).

use crate::state::State;
use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What requests that matched no route are counted under.
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Latency {
    /// Per bucket of [`BUCKETS`], not cumulative (rendering sums them).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counts by (method, route, status) and latency by (method, route). Kept per server,
/// not in a process-wide registry, so servers started side by side (the tests) count apart.
#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Series>,
}

#[derive(Default)]
struct Series {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Latency>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        *s.requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let l = s
            .latency
            .entry((method.to_string(), route.to_string()))
            .or_default();
        l.count += 1;
        l.sum += seconds;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            l.buckets[i] += 1;
        }
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let s = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        out.push_str("# HELP closedloop_http_requests_total HTTP requests by method, route pattern and status.\n");
        out.push_str("# TYPE closedloop_http_requests_total counter\n");
        for ((method, route, status), n) in &s.requests {
            let _ = writeln!(
                out,
                "closedloop_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                label(method),
                label(route)
            );
        }
        out.push_str("# HELP closedloop_http_request_duration_seconds HTTP request latency by method and route pattern.\n");
        out.push_str("# TYPE closedloop_http_request_duration_seconds histogram\n");
        for ((method, route), l) in &s.latency {
            let (m, r) = (label(method), label(route));
            let mut cumulative = 0;
            for (b, n) in BUCKETS.iter().zip(l.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "closedloop_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"{b}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "closedloop_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{r}\",le=\"+Inf\"}} {}",
                l.count
            );
            let _ = writeln!(
                out,
                "closedloop_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{r}\"}} {}",
                l.sum
            );
            let _ = writeln!(
                out,
                "closedloop_http_request_duration_seconds_count{{method=\"{m}\",route=\"{r}\"}} {}",
                l.count
            );
        }
        out
    }
}

/// A label value escaped as the exposition format asks.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// 16 random bytes in hex: unguessable, so ids from different instances never collide.
fn request_id() -> String {
    let mut b = [0u8; 16];
    // Without the OS's randomness the id is still unique enough per process for logs.
    if getrandom::fill(&mut b).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        b = nanos.to_le_bytes();
    }
    hex::encode(b)
}

/// The middleware (`actix_web::middleware::from_fn`).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let id = request_id();
    let method = req.method().to_string();
    let state = req.app_data::<Data<State>>().cloned();
    let span = tracing::info_span!("http", request_id = %id);
    let result = next.call(req).instrument(span.clone()).await;
    let seconds = started.elapsed().as_secs_f64();
    let (status, route, result) = match result {
        Ok(mut res) => {
            let route = res
                .request()
                .match_pattern()
                .unwrap_or_else(|| UNMATCHED.to_string());
            if let Ok(v) = HeaderValue::from_str(&id) {
                res.headers_mut().insert(REQUEST_ID, v);
            }
            (res.status().as_u16(), route, Ok(res))
        }
        Err(e) => (
            e.as_response_error().status_code().as_u16(),
            UNMATCHED.to_string(),
            Err(e),
        ),
    };
    if let Some(state) = state {
        state.metrics.observe(&method, &route, status, seconds);
    }
    tracing::info!(
        parent: &span,
        method,
        route,
        status,
        ms = (seconds * 1000.0 * 10.0).round() / 10.0,
        "request"
    );
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let m = Metrics::default();
        m.observe("GET", "/api/travelers", 200, 0.003);
        m.observe("GET", "/api/travelers", 200, 0.2);
        m.observe("GET", "a\"b", 404, 20.0);
        let text = m.render();
        assert!(text.contains(
            "closedloop_http_requests_total{method=\"GET\",route=\"/api/travelers\",status=\"200\"} 2"
        ));
        assert!(text.contains("route=\"/api/travelers\",le=\"0.005\"} 1"));
        assert!(text.contains("route=\"/api/travelers\",le=\"0.25\"} 2"));
        assert!(text.contains("route=\"a\\\"b\",le=\"10\"} 0"));
        assert!(text.contains("route=\"a\\\"b\",le=\"+Inf\"} 1"));
        assert_ne!(request_id(), request_id());
        assert_eq!(request_id().len(), 32);
    }
}
