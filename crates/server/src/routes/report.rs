//! The daily report (日通报): `GET /api/reports/daily` as JSON, or as an XLSX workbook in
//! either language, computed by `closedloop_app::report` after the ledger verified. A ledger
//! that does not verify refuses the report: 409 `report_ledger_mismatch`, naming the table and
//! row at fault.

use crate::problem::Problem;
use crate::routes::schemas::Summary;
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{Data, Query};
use actix_web::{HttpRequest, HttpResponse, get};
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_app::report::{self, xlsx};
use closedloop_domain::Lang;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, Serialize, Clone, Copy, Default, PartialEq, Eq, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    /// The report as JSON (`DailyReport`).
    #[default]
    Json,
    /// An XLSX workbook: the day, the ports, the hotels.
    Xlsx,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DailyQuery {
    /// The local day (default: yesterday, the day whose counts are due this morning).
    date: Option<NaiveDate>,
    /// The workbook's language: en or zh-CN (default: from Accept-Language, else en). JSON
    /// carries both languages.
    lang: Option<String>,
    /// json (default) or xlsx.
    #[param(inline)]
    format: Option<ReportFormat>,
}

/// The daily report of one local day. Day flows count what happened between `from` and `to`;
/// standing counts are at `as_of`. `docs/report.md` defines each count.
#[derive(Serialize, ToSchema)]
pub struct DailyReport {
    pub date: NaiveDate,
    /// The offset the day is counted in, e.g. `+08:00`.
    pub utc_offset: String,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub as_of: DateTime<Utc>,
    /// False while the day is not over: a preliminary report.
    pub complete: bool,
    pub generated_at: DateTime<Utc>,
    pub ledger: ReportLedger,
    pub arrivals: ReportArrivals,
    /// Batches whose last delivery fell on the day.
    pub batches: u32,
    /// Travelers delivered on the day (loops closed).
    pub person_trips: u32,
    pub delivered: ReportDelivered,
    /// Released from hotel quarantine on the day (hotel staff handed them to a crew).
    pub released: u32,
    pub standing: ReportStanding,
    pub incidents: ReportIncidents,
    pub zero_infection: bool,
    pub zero_incident: bool,
    pub cumulative: ReportCumulative,
    pub ports: Vec<ReportPort>,
    pub second_transfers: ReportFlow,
    pub without_trip: ReportFlow,
    pub hotels: Vec<ReportHotel>,
    pub summary: Summary,
}

/// What `ledger verify` passed before the report was computed.
#[derive(Serialize, ToSchema)]
pub struct ReportLedger {
    pub verified: bool,
    pub entries: u64,
    /// The tree's root, hex; `null` for an empty ledger.
    pub root: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportArrivals {
    /// Arrivals (flights, trains, …) whose service date is the day.
    pub arrivals: u32,
    pub travelers: u32,
}

/// The day's person-trips by where they were delivered.
#[derive(Serialize, ToSchema)]
pub struct ReportDelivered {
    pub hotel: u32,
    pub home: u32,
    pub hospital: u32,
}

/// Where travelers stand at `as_of`, from the last hand-over each took part in.
#[derive(Serialize, ToSchema)]
pub struct ReportStanding {
    pub in_hotel_quarantine: u32,
    pub at_home: u32,
    pub in_hospital: u32,
    pub in_transit: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ReportIncidents {
    /// Opened on the day, staff infections not included.
    pub opened: u32,
    pub staff_infections: u32,
    pub resolved: u32,
    /// Not resolved at `as_of`.
    pub open: u32,
    /// The day's incidents by kind code.
    pub by_kind: BTreeMap<String, u32>,
}

/// From the first recorded day to the reporting day.
#[derive(Serialize, ToSchema)]
pub struct ReportCumulative {
    pub batches: u32,
    pub person_trips: u32,
    pub incidents: u32,
    pub staff_infections: u32,
    pub released: u32,
    pub zero_infection: bool,
    pub zero_incident: bool,
    pub days_since_last_incident: Option<u32>,
}

/// A port: its arrivals, and the batches that set out from it.
#[derive(Serialize, ToSchema)]
pub struct ReportPort {
    pub code: String,
    pub name_en: String,
    pub name_zh: String,
    pub arrivals: u32,
    pub travelers: u32,
    pub batches: u32,
    pub person_trips: u32,
}

#[derive(Serialize, ToSchema)]
pub struct ReportFlow {
    pub batches: u32,
    pub person_trips: u32,
}

/// A quarantine hotel with a delivery, a release or travelers in quarantine.
#[derive(Serialize, ToSchema)]
pub struct ReportHotel {
    pub id: i64,
    pub code: Option<String>,
    pub name_en: Option<String>,
    pub name_zh: Option<String>,
    pub received: u32,
    pub released: u32,
    pub in_quarantine: u32,
}

/// The language asked for: `lang`, else Accept-Language (Chinese if it starts with zh), else
/// English.
fn language(q: Option<&str>, req: &HttpRequest) -> Result<Lang, Problem> {
    if let Some(l) = q {
        return l.parse::<Lang>().map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_lang",
                e.message(Lang::En),
                e.message(Lang::ZhCn),
            )
            .at("lang")
        });
    }
    let accept = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    Ok(Lang::from_locale(accept.trim_start()))
}

/// The daily report (日通报): counts due before noon — arrivals, batches, person-trips, in
/// hotel quarantine, at home, released, incidents, zero infection — per port and per hotel,
/// as JSON or as an XLSX workbook (`format=xlsx`, in `lang`). Counts only, no personal data.
/// Refused with 409 `report_ledger_mismatch` when the ledger does not verify.
#[utoipa::path(
    tag = "reports",
    params(DailyQuery),
    responses(
        (status = 200, description = "The report, as JSON or as a workbook (format=xlsx)",
            content(
                (DailyReport = "application/json"),
                ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            )),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/reports/daily")]
pub async fn daily(
    state: Data<State>,
    caller: crate::auth::Caller,
    q: Query<DailyQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, Problem> {
    caller.require(closedloop_app::accounts::Action::DailyReport)?;
    let DailyQuery { date, lang, format } = q.into_inner();
    let lang = language(lang.as_deref(), &req)?;
    let format = format.unwrap_or_default();
    let answer = state
        .into_inner()
        .run(move |app| {
            let r = report::daily(app, date)?;
            let bytes = match format {
                ReportFormat::Json => None,
                ReportFormat::Xlsx => Some(xlsx::to_xlsx(&r, lang)?),
            };
            Ok((r, bytes))
        })
        .await;
    let (r, bytes) = answer?;
    Ok(match bytes {
        None => HttpResponse::Ok().json(&r),
        Some(bytes) => HttpResponse::Ok()
            .content_type(xlsx::CONTENT_TYPE)
            .insert_header(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(xlsx::file_name(&r, lang))],
            })
            .insert_header((
                header::CONTENT_LANGUAGE,
                lang.pick("en", "zh-CN").to_string(),
            ))
            .body(bytes),
    })
}
