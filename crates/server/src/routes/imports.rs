//! Manifests imported over HTTP: the file is the raw body, its format its `Content-Type`
//! (CSV in UTF-8 or GB18030, XLSX, JSON lines), with a limit of its own above the JSON one. A
//! file with a bad row is refused whole (422, every row error listed) unless `accept_valid`:
//! then the valid rows are stored and the refused ones kept, for the desk to list and send
//! back corrected one at a time. Desks and administrators only.

use crate::auth::Caller;
use crate::idempotent::{self, IdempotencyKey};
use crate::pages::{self, Page};
use crate::problem::{PROBLEM_JSON, Problem};
use crate::state::State;
use actix_web::http::StatusCode;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{Data, Json, Path, Payload, Query};
use actix_web::{HttpRequest, HttpResponse, get, post};
use closedloop_app::accounts::Action;
use closedloop_app::upload::{self, Fix, RejectedView, RowFault, Upload, UploadFormat};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// The largest manifest accepted: a day's arrivals at a large port, with room to spare.
pub const MANIFEST_LIMIT: usize = 32 * 1024 * 1024;

pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The body, read to its end unless it passes `limit` bytes (413).
pub async fn read_body(mut payload: Payload, limit: usize) -> Result<Vec<u8>, Problem> {
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "body_unreadable",
                e.to_string(),
                format!("无法读取请求体：{e}"),
            )
        })?;
        if body.len() + chunk.len() > limit {
            return Err(Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the body is larger than the limit of {limit} bytes"),
                format!("请求体超过 {limit} 字节的上限"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn format_of(req: &HttpRequest) -> Result<UploadFormat, Problem> {
    let kind = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match kind.as_str() {
        "text/csv" => Ok(UploadFormat::Csv),
        XLSX => Ok(UploadFormat::Xlsx),
        "application/x-ndjson" | "application/jsonl" => Ok(UploadFormat::JsonLines),
        _ => Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "manifest_content_type",
            format!("send the manifest as text/csv, {XLSX} or application/x-ndjson (not {kind:?})"),
            format!("清单须以 text/csv、{XLSX} 或 application/x-ndjson 发送（而非 {kind:?}）"),
        )
        .at("Content-Type")),
    }
}

/// Problem+json for rows refused, each row error listed beside the summary.
#[derive(Serialize, ToSchema)]
pub struct RowsRefused {
    #[serde(flatten)]
    pub problem: Problem,
    pub errors: Vec<RowProblem>,
}

/// One problem of one row (the documented shape of the app's row fault).
#[derive(Serialize, ToSchema)]
pub struct RowProblem {
    /// The sheet, for a workbook of several.
    pub sheet: Option<String>,
    pub row: usize,
    /// The column's header as the file wrote it.
    pub field: String,
    /// value_required, phone_invalid, port_unknown, duplicate_in_file, …
    pub code: String,
    pub en: String,
    pub zh: String,
}

/// 422 with every row error (nothing was stored).
pub fn refused(errors: Vec<RowFault>) -> HttpResponse {
    let problem = Problem::from(upload::rows_refused(&errors));
    HttpResponse::build(StatusCode::UNPROCESSABLE_ENTITY)
        .insert_header((CONTENT_TYPE, PROBLEM_JSON))
        .json(RowsRefused {
            problem,
            errors: errors
                .into_iter()
                .map(|e| RowProblem {
                    sheet: e.sheet,
                    row: e.row,
                    field: e.field,
                    code: e.code,
                    en: e.en,
                    zh: e.zh,
                })
                .collect(),
        })
}

#[derive(Deserialize, Serialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// The file's name, for messages and the import record (default "manifest").
    name: Option<String>,
    /// Store the valid rows and keep the refused ones for fixing (default false: all or none).
    accept_valid: Option<bool>,
    /// The flight or train number of the whole file.
    arrival: Option<String>,
}

/// What an import stored (the documented shape).
#[derive(Serialize, ToSchema)]
pub struct ImportSummary {
    /// The upload: its refused rows are at /api/imports/{id}/rejected.
    pub id: i64,
    pub file: String,
    /// "csv (UTF-8)", "csv (GB18030)", "xlsx", "jsonl (UTF-8)".
    pub format: String,
    pub rows: usize,
    pub imported: usize,
    /// Rows already stored on the same arrival.
    pub unchanged: usize,
    pub rejected: usize,
    pub arrivals_created: usize,
    pub errors: Vec<RowProblem>,
    pub warnings: Vec<String>,
}

/// Imports a manifest sent as the raw body. Every row is judged first: a bad row refuses the
/// whole file (422, every row error listed, nothing stored) unless `accept_valid`, which stores
/// the valid rows and keeps the refused ones for fixing, in one transaction.
#[utoipa::path(
    tag = "imports",
    params(
        ImportQuery,
        ("Idempotency-Key" = Option<String>, Header,
            description = "Sent again with the same file, the first answer comes back and nothing is imported twice"),
    ),
    request_body(
        content(
            (Vec<u8> = "text/csv"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            (Vec<u8> = "application/x-ndjson"),
        ),
        description = "The manifest file, at most 32 MiB"
    ),
    responses(
        (status = 201, body = ImportSummary),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 413, body = Problem, content_type = "application/problem+json"),
        (status = 415, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = RowsRefused, content_type = "application/problem+json",
            description = "Rows refused (each listed; nothing stored), a file that cannot be read, or an Idempotency-Key used with another file"),
    )
)]
#[post("/imports")]
pub async fn import(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    req: HttpRequest,
    q: Query<ImportQuery>,
    payload: Payload,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::ImportManifest)?;
    let format = format_of(&req)?;
    let bytes = read_body(payload, MANIFEST_LIMIT).await?;
    let q = q.into_inner();
    // The key is bound to the file by its digest, not its bytes.
    let fingerprint = (
        &q,
        hex::encode(Sha256::digest(&bytes)),
        format!("{format:?}"),
    );
    let fingerprint = serde_json::to_value(&fingerprint).unwrap_or_default();
    let up = Upload {
        name: q.name.clone().unwrap_or_else(|| "manifest".into()),
        format,
        bytes,
        accept_valid: q.accept_valid.unwrap_or(false),
        arrival: q.arrival.clone(),
    };
    let state = state.into_inner();
    let judged = state.run(move |app| upload::judge(app, up)).await?;
    if !judged.acceptable() {
        return Ok(refused(judged.errors()));
    }
    let who = caller.0.clone();
    idempotent::post(
        state,
        caller.key_scope(),
        key,
        "POST /api/imports",
        &fingerprint,
        StatusCode::CREATED,
        move |app| upload::store(app, judged, Some(&who)),
    )
    .await
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RejectedQuery {
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    limit: Option<u32>,
}

/// A refused row (the documented shape).
#[derive(Serialize, ToSchema)]
pub struct RejectedRow {
    pub sheet: Option<String>,
    pub row: i64,
    /// Values by column header; personal ones "***" or partly shown unless the role reads them.
    pub fields: BTreeMap<String, String>,
    pub errors: Vec<RowProblem>,
}

#[derive(Serialize, ToSchema)]
pub struct RejectedPage {
    pub items: Vec<RejectedRow>,
    pub next_cursor: Option<String>,
}

/// The rows of an upload still refused, with their values and errors, in sheet and row order.
#[utoipa::path(
    tag = "imports",
    params(("id" = i64, Path, description = "The upload's id"), RejectedQuery),
    responses(
        (status = 200, body = RejectedPage),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/imports/{id}/rejected")]
pub async fn rejected(
    state: Data<State>,
    caller: Caller,
    id: Path<i64>,
    q: Query<RejectedQuery>,
) -> Result<Json<Page<RejectedView>>, Problem> {
    caller.require(Action::ImportManifest)?;
    let (caller, id, q) = (caller.0, id.into_inner(), q.into_inner());
    let limit = pages::limit(q.limit)?;
    let after = q
        .cursor
        .as_deref()
        .map(|c| pages::decode("rejected", c))
        .transpose()?;
    let rows = state
        .into_inner()
        .run(move |app| upload::rejected(app, &caller, id))
        .await?;
    Ok(Json(pages::page("rejected", rows, |r| r.key, after, limit)))
}

/// A refused row corrected: the values to change, by column header.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RowCorrection {
    /// The row's sheet, for a workbook of several.
    #[serde(default)]
    pub sheet: Option<String>,
    /// New values by the column header the listing shows; the other cells stay as they were.
    pub fields: BTreeMap<String, String>,
}

/// What a stored correction did.
#[derive(Serialize, ToSchema)]
pub struct RowFixed {
    pub upload: i64,
    pub row: i64,
    pub imported: usize,
    pub unchanged: usize,
    /// Rows of the upload still refused.
    pub remaining: usize,
}

/// Sends a refused row back corrected: judged by the same rules under its file's header and
/// arrival; stored and removed from the refused, or 422 naming what is still wrong (nothing
/// changed).
#[utoipa::path(
    tag = "imports",
    params(
        ("id" = i64, Path, description = "The upload's id"),
        ("row" = i64, Path, description = "The row number the listing gives"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Sent again with the same body, the first answer comes back"),
    ),
    request_body = RowCorrection,
    responses(
        (status = 200, body = RowFixed),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = RowsRefused, content_type = "application/problem+json",
            description = "The row still breaks a rule (each listed), or names an unknown column"),
    )
)]
#[post("/imports/{id}/rejected/{row}")]
pub async fn fix_row(
    state: Data<State>,
    caller: Caller,
    key: IdempotencyKey,
    path: Path<(i64, i64)>,
    body: Json<RowCorrection>,
) -> Result<HttpResponse, Problem> {
    caller.require(Action::ImportManifest)?;
    let (id, row) = path.into_inner();
    let body = body.into_inner();
    let fix = Fix {
        upload: id,
        sheet: body.sheet.clone(),
        row,
        fields: body.fields.clone(),
    };
    let state = state.into_inner();
    let judged = {
        let fix = fix.clone();
        state
            .run(move |app| upload::judge_fix(app, &fix).map(|(_, errors)| errors))
            .await
    };
    // Any other refusal is the write's own to give: a replay of a stored correction finds its
    // row gone, and must hear the first answer instead.
    if let Ok(errors) = judged
        && !errors.is_empty()
    {
        return Ok(refused(errors));
    }
    let route = format!("POST /api/imports/{id}/rejected/{row}");
    idempotent::post(
        state,
        caller.key_scope(),
        key,
        "POST /api/imports/{id}/rejected/{row}",
        &(route, &body),
        StatusCode::OK,
        move |app| upload::store_fix(app, &fix),
    )
    .await
}
