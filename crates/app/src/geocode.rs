//! Home addresses placed on the map: offline from the configured OpenStreetMap extract
//! (`[roads] osm`, or `--osm`), or by an external Nominatim-compatible service when
//! `[geocoder] kind = "nominatim"`. An address that cannot be placed comes back with its
//! reason for the desk to pin with coordinates; nothing is guessed. Addresses are personal
//! data: they are never logged.

use crate::context::App;
use crate::error::{AppError, AppResult, Fault};
use closedloop_domain::Lang;
use closedloop_geocode::nominatim::{Nominatim, ServiceError};
use closedloop_geocode::{GeocodeError, Index};
pub use closedloop_geocode::{Geocoded, Precision, Unplaced};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;

/// `[geocoder]` as written in the configuration file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileGeocoder {
    kind: Option<String>,
    url: Option<String>,
    user_agent: Option<String>,
    timeout_s: Option<u64>,
}

/// Who places addresses (`[geocoder]`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GeocoderSettings {
    /// The extract of `[roads] osm` (the default).
    #[default]
    Osm,
    /// A Nominatim-compatible service: `GET {url}/search?q=…&format=jsonv2&limit=2`.
    Nominatim {
        url: String,
        user_agent: String,
        timeout: Duration,
    },
}

const DEFAULT_USER_AGENT: &str = concat!("closedloop/", env!("CARGO_PKG_VERSION"));

impl GeocoderSettings {
    pub(crate) fn from_file(file: FileGeocoder) -> AppResult<GeocoderSettings> {
        match file.kind.as_deref().unwrap_or("osm") {
            "osm" => {
                if file.url.is_some() {
                    return Err(AppError::config(
                        "[geocoder] url is for kind = \"nominatim\"; with kind = \"osm\" the \
                         extract of [roads] osm places addresses",
                        "[geocoder] url 仅用于 kind = \"nominatim\"；kind = \"osm\" 时由 [roads] osm 的数据文件定位地址",
                    ));
                }
                Ok(GeocoderSettings::Osm)
            }
            "nominatim" => {
                let url = file.url.unwrap_or_default();
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(AppError::config(
                        format!(
                            "[geocoder] kind = \"nominatim\" needs url = \"http://HOST:PORT\" (the \
                             address before /search), not {url:?}"
                        ),
                        format!(
                            "[geocoder] kind = \"nominatim\" 须配置 url = \"http://主机:端口\"（/search 之前的地址），而非 {url:?}"
                        ),
                    ));
                }
                let timeout_s = file.timeout_s.unwrap_or(10);
                if !(1..=600).contains(&timeout_s) {
                    return Err(AppError::config(
                        "[geocoder] timeout_s must be between 1 and 600",
                        "[geocoder] timeout_s 须在 1 至 600 之间",
                    ));
                }
                Ok(GeocoderSettings::Nominatim {
                    url,
                    user_agent: file
                        .user_agent
                        .unwrap_or_else(|| DEFAULT_USER_AGENT.to_string()),
                    timeout: Duration::from_secs(timeout_s),
                })
            }
            other => Err(AppError::config(
                format!("[geocoder] kind {other:?} must be \"osm\" or \"nominatim\""),
                format!("[geocoder] kind {other:?} 须为 \"osm\" 或 \"nominatim\""),
            )),
        }
    }
}

/// The geocoder in force, opened once (an extract's index is built on opening).
pub enum Geocoder {
    Offline { index: Index, extract: PathBuf },
    Service(Nominatim),
}

impl Geocoder {
    /// `osm` (a command's `--osm`) wins; else `[geocoder]`, whose default is the extract of
    /// `[roads] osm`.
    pub fn open(app: &App, osm: Option<PathBuf>) -> AppResult<Geocoder> {
        let extract = match (osm, &app.config.geocoder) {
            (Some(path), _) => path,
            (
                None,
                GeocoderSettings::Nominatim {
                    url,
                    user_agent,
                    timeout,
                },
            ) => {
                let client =
                    Nominatim::new(url, user_agent, *timeout).map_err(service_error)?;
                return Ok(Geocoder::Service(client));
            }
            (None, GeocoderSettings::Osm) => app.config.roads.osm.clone().ok_or_else(|| {
                AppError::Config(Fault::new(
                    "no_extract",
                    "no OpenStreetMap extract to geocode with: name one with --osm FILE or \
                     [roads] osm in the configuration, or configure [geocoder] kind = \
                     \"nominatim\"",
                    "没有可用于地址定位的 OpenStreetMap 数据文件：请用 --osm FILE 或在配置中设置 [roads] osm，\
                     或配置 [geocoder] kind = \"nominatim\"",
                ))
            })?,
        };
        let index = closedloop_geocode::load(&extract).map_err(extract_error)?;
        Ok(Geocoder::Offline { index, extract })
    }

    pub fn describe(&self) -> String {
        match self {
            Geocoder::Offline { index, extract } => {
                let s = index.stats();
                format!(
                    "OpenStreetMap extract {} ({} streets, {} addressed buildings, {} places)",
                    extract.display(),
                    s.streets,
                    s.houses,
                    s.places
                )
            }
            Geocoder::Service(n) => n.describe(),
        }
    }

    /// One address placed, or the reason it is not. A failing service is an error, not an
    /// unplaced address: the address may be fine.
    pub fn geocode(&self, address: &str) -> AppResult<Geocoded> {
        match self {
            Geocoder::Offline { index, .. } => Ok(index.geocode(address)),
            Geocoder::Service(n) => n.geocode(address).map_err(service_error),
        }
    }
}

fn extract_error(e: GeocodeError) -> AppError {
    AppError::Invalid(Fault::new(
        e.code(),
        e.message(Lang::En),
        e.message(Lang::ZhCn),
    ))
}

fn service_error(e: ServiceError) -> AppError {
    AppError::Invalid(Fault::new(
        e.code(),
        e.message(Lang::En),
        e.message(Lang::ZhCn),
    ))
}

#[derive(Debug, Clone, Default)]
pub struct GeocodeRequest {
    pub addresses: Vec<String>,
    /// An extract to use instead of the configured geocoder.
    pub osm: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct GeocodeResponse {
    /// Which geocoder answered.
    pub source: String,
    pub results: Vec<AddressResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AddressResult {
    pub address: String,
    #[serde(flatten)]
    pub result: Geocoded,
    /// Why it is unplaced, in both languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<Message>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub en: String,
    pub zh: String,
}

impl GeocodeResponse {
    pub fn unplaced(&self) -> usize {
        self.results
            .iter()
            .filter(|r| matches!(r.result, Geocoded::Unplaced { .. }))
            .count()
    }
}

/// Places every address of the request with the geocoder in force.
pub fn geocode(app: &App, req: &GeocodeRequest) -> AppResult<GeocodeResponse> {
    let geocoder = Geocoder::open(app, req.osm.clone())?;
    let mut results = Vec::with_capacity(req.addresses.len());
    for address in &req.addresses {
        let result = geocoder.geocode(address)?;
        let message = match &result {
            Geocoded::Unplaced { reason } => Some(Message {
                en: reason.message(Lang::En),
                zh: reason.message(Lang::ZhCn),
            }),
            Geocoded::Placed { .. } => None,
        };
        results.push(AddressResult {
            address: address.clone(),
            result,
            message,
        });
    }
    Ok(GeocodeResponse {
        source: geocoder.describe(),
        results,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use std::io::{BufRead, BufReader, Write};
    use std::path::Path;

    fn monaco() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../assets/osm/monaco.osm.pbf")
    }

    fn app_with(config: &str) -> (tempfile::TempDir, AppResult<App>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("closedloop.toml");
        std::fs::write(&path, config).unwrap();
        let app = Config::load(Some(&path)).map(|c| App::new(c, None));
        (dir, app)
    }

    #[test]
    fn settings_default_to_the_extract_and_refuse_nonsense() {
        let osm = GeocoderSettings::from_file(FileGeocoder::default()).unwrap();
        assert_eq!(osm, GeocoderSettings::Osm);
        let (_d, app) = app_with(
            "[geocoder]\nkind = \"nominatim\"\nurl = \"http://127.0.0.1:8080\"\ntimeout_s = 5\n",
        );
        assert_eq!(
            app.unwrap().config.geocoder,
            GeocoderSettings::Nominatim {
                url: "http://127.0.0.1:8080".into(),
                user_agent: DEFAULT_USER_AGENT.into(),
                timeout: Duration::from_secs(5),
            }
        );
        for bad in [
            "[geocoder]\nkind = \"google\"\n",
            "[geocoder]\nkind = \"nominatim\"\n",
            "[geocoder]\nkind = \"nominatim\"\nurl = \"localhost:8080\"\n",
            "[geocoder]\nurl = \"http://127.0.0.1:8080\"\n",
            "[geocoder]\nkind = \"nominatim\"\nurl = \"http://h\"\ntimeout_s = 0\n",
            "[geocoder]\nkindd = \"osm\"\n",
        ] {
            let (_d, app) = app_with(bad);
            assert_eq!(app.err().map(|e| e.code()), Some("config_invalid"), "{bad}");
        }
    }

    #[test]
    fn geocode_places_or_explains_each_address() {
        let (_d, app) = app_with("");
        let app = app.unwrap();
        let req = GeocodeRequest {
            addresses: vec!["Quai Antoine 1er 4".into(), "Rue Grimaldi 12".into()],
            osm: Some(monaco()),
        };
        let r = geocode(&app, &req).unwrap();
        assert!(r.source.contains("monaco.osm.pbf"), "{}", r.source);
        assert_eq!(r.unplaced(), 1);
        assert!(matches!(
            r.results[0].result,
            Geocoded::Placed {
                precision: Precision::HouseNumber,
                ..
            }
        ));
        assert!(r.results[0].message.is_none());
        let m = r.results[1].message.as_ref().unwrap();
        assert!(m.en.contains("2 places") && m.zh.contains("2 处"), "{m:?}");
        let json = serde_json::to_value(&r.results[1]).unwrap();
        assert_eq!(json["status"], "unplaced");
        assert_eq!(json["reason"]["code"], "street_ambiguous");
        let json = serde_json::to_value(&r.results[0]).unwrap();
        assert_eq!(json["precision"], "house_number");
        assert!(json["location"]["lat"].as_f64().is_some());
    }

    #[test]
    fn without_an_extract_or_with_a_bad_one_it_says_what_to_configure() {
        let (_d, app) = app_with("");
        let app = app.unwrap();
        let req = GeocodeRequest {
            addresses: vec!["Vaduz".into()],
            osm: None,
        };
        assert_eq!(geocode(&app, &req).unwrap_err().code(), "no_extract");
        let req = GeocodeRequest {
            osm: Some(PathBuf::from("/nonexistent/city.osm.pbf")),
            ..req
        };
        assert_eq!(
            geocode(&app, &req).unwrap_err().code(),
            "extract_unreadable"
        );
    }

    #[test]
    fn a_configured_service_answers_instead_of_the_extract() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let mut rest = String::new();
            while reader.read_line(&mut rest).unwrap_or(0) > 2 {
                rest.clear();
            }
            let body = "[]";
            let mut stream = stream;
            write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            line
        });
        let (_d, app) = app_with(&format!(
            "[geocoder]\nkind = \"nominatim\"\nurl = \"{url}\"\n"
        ));
        let app = app.unwrap();
        let req = GeocodeRequest {
            addresses: vec!["幸福路12号".into()],
            osm: None,
        };
        let r = geocode(&app, &req).unwrap();
        assert!(r.source.contains("Nominatim"), "{}", r.source);
        assert!(matches!(
            r.results[0].result,
            Geocoded::Unplaced {
                reason: Unplaced::NotFound
            }
        ));
        let request_line = server.join().unwrap();
        assert!(request_line.starts_with("GET /search?q="), "{request_line}");
    }
}
