//! An external Nominatim-compatible geocoder (`GET {url}/search?q=…&format=jsonv2&limit=2`),
//! for a deployment that already runs one for the province. Its answer is read the way the
//! offline index answers: two results far apart are ambiguous, none is unplaced — never the
//! first of several taken on trust.

use crate::result::{Geocoded, Precision, Unplaced, metres};
use closedloop_domain::Lang;
use closedloop_domain::geo::Coordinates;
use serde::Deserialize;
use std::time::Duration;

/// The two best answers farther apart than this name two different places.
const FAR_APART_M: f64 = 1_000.0;

#[derive(Debug, thiserror::Error)]
#[error("the geocoding service at {url} failed: {message}")]
pub struct ServiceError {
    pub url: String,
    pub message: String,
}

impl ServiceError {
    pub fn code(&self) -> &'static str {
        "geocoder_failed"
    }

    pub fn message(&self, lang: Lang) -> String {
        match lang {
            Lang::En => self.to_string(),
            Lang::ZhCn => format!("地理编码服务 {} 出错：{}", self.url, self.message),
        }
    }
}

pub struct Nominatim {
    base: String,
    user_agent: String,
    client: reqwest::blocking::Client,
}

#[derive(Deserialize)]
struct Hit {
    lat: String,
    lon: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    place_rank: Option<u32>,
    #[serde(default)]
    addresstype: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
}

impl Nominatim {
    /// `base` like `http://127.0.0.1:8080` (the path before `/search`); `user_agent` names
    /// the deployment, as Nominatim's usage policy asks.
    pub fn new(base: &str, user_agent: &str, timeout: Duration) -> Result<Nominatim, ServiceError> {
        let client = reqwest::blocking::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| failed(base, e.to_string()))?;
        Ok(Nominatim {
            base: base.trim_end_matches('/').to_string(),
            user_agent: user_agent.to_string(),
            client,
        })
    }

    pub fn describe(&self) -> String {
        format!("Nominatim-compatible geocoder at {}", self.base)
    }

    pub fn geocode(&self, address: &str) -> Result<Geocoded, ServiceError> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/search", self.base),
            &[("q", address), ("format", "jsonv2"), ("limit", "2")],
        )
        .map_err(|e| failed(&self.base, e.to_string()))?;
        let response = self
            .client
            .get(url)
            .header(reqwest::header::USER_AGENT, &self.user_agent)
            .send()
            .map_err(|e| failed(&self.base, e.to_string()))?;
        let status = response.status();
        let body = response
            .text()
            .map_err(|e| failed(&self.base, e.to_string()))?;
        if !status.is_success() {
            return Err(failed(
                &self.base,
                format!("HTTP {status}: {}", clip(&body)),
            ));
        }
        interpret(&body).map_err(|e| failed(&self.base, e))
    }
}

/// The service's answer (a JSON array of results, best first) as a geocode.
pub fn interpret(body: &str) -> Result<Geocoded, String> {
    let hits: Vec<Hit> = serde_json::from_str(body)
        .map_err(|e| format!("unexpected answer ({e}): {}", clip(body)))?;
    let mut placed = Vec::new();
    for h in &hits {
        let (Ok(lat), Ok(lon)) = (h.lat.trim().parse::<f64>(), h.lon.trim().parse::<f64>()) else {
            return Err(format!(
                "a result's lat/lon are not numbers: {:?}, {:?}",
                h.lat, h.lon
            ));
        };
        let at = Coordinates::new(lat, lon).map_err(|e| e.message(Lang::En))?;
        placed.push((h, at));
    }
    let Some((best, at)) = placed.first() else {
        return Ok(Geocoded::Unplaced {
            reason: Unplaced::NotFound,
        });
    };
    if let Some((second, other)) = placed.get(1) {
        let d = metres((at.lat(), at.lon()), (other.lat(), other.lon()));
        if d > FAR_APART_M {
            return Ok(Geocoded::Unplaced {
                reason: Unplaced::ResultsFarApart {
                    first: best.display_name.clone(),
                    second: second.display_name.clone(),
                    km: (d / 1000.0).round() as u32,
                },
            });
        }
    }
    Ok(Geocoded::Placed {
        location: *at,
        precision: precision(best),
        matched: best.display_name.clone(),
        unverified_areas: Vec::new(),
    })
}

/// Nominatim's address ranks: 30 a house or building, 26–27 a street, lower a place.
fn precision(h: &Hit) -> Precision {
    let kind = h.addresstype.as_deref().or(h.kind.as_deref());
    if matches!(kind, Some("house" | "building")) || h.place_rank.is_some_and(|r| r >= 28) {
        Precision::HouseNumber
    } else if matches!(kind, Some("road" | "street")) || h.place_rank.is_some_and(|r| r >= 26) {
        Precision::Street
    } else {
        Precision::Place
    }
}

fn failed(base: &str, message: String) -> ServiceError {
    ServiceError {
        url: base.to_string(),
        message,
    }
}

fn clip(s: &str) -> &str {
    let end = s.char_indices().nth(200).map_or(s.len(), |(i, _)| i);
    &s[..end]
}
