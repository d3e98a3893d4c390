//! `closedloop geocode [--osm FILE] [--json] ADDRESS...`: where each address is on the map —
//! coordinates, precision (house number, street, place) and the name matched — or why it
//! cannot be placed, for the desk to pin it with coordinates. Reads no database.

use super::Ctx;
use crate::output::table;
use anyhow::Result;
use clap::Args;
use closedloop_app::geocode::{self, GeocodeRequest, Geocoded};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct GeocodeArgs {
    /// The OpenStreetMap extract (.osm.pbf) to place the addresses with. Default: the
    /// [geocoder] of the configuration (kind = "osm": the extract of [roads] osm).
    #[arg(long, value_name = "FILE")]
    pub osm: Option<PathBuf>,
    /// Print {"source", "results": [{"address", "status", "location", "precision", "matched",
    /// "unverified_areas"} | {"address", "status", "reason": {"code", …}, "message"}]}.
    #[arg(long)]
    pub json: bool,
    /// The addresses, each one argument (quote those with spaces).
    #[arg(required = true, value_name = "ADDRESS")]
    pub addresses: Vec<String>,
}

/// Exit status 1 when any address is unplaced, so a script sees it; every address is printed
/// either way.
pub fn run(ctx: &Ctx, args: &GeocodeArgs) -> Result<ExitCode> {
    let req = GeocodeRequest {
        addresses: args.addresses.clone(),
        osm: args.osm.clone(),
    };
    let r = geocode::geocode(ctx, &req)?;
    let status = if r.unplaced() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    if args.json {
        println!("{}", serde_json::to_string(&r)?);
        return Ok(status);
    }
    eprintln!("{} {}", ctx.t("geocoder:", "地址定位："), r.source);
    let rows: Vec<Vec<String>> = r
        .results
        .iter()
        .map(|a| match &a.result {
            Geocoded::Placed {
                location,
                precision,
                matched,
                unverified_areas,
            } => {
                let mut found = matched.clone();
                if !unverified_areas.is_empty() {
                    found.push_str(&format!(
                        " ({}{})",
                        ctx.t("not on the map: ", "地图中无："),
                        unverified_areas.join(" ")
                    ));
                }
                vec![
                    a.address.clone(),
                    format!("{:.6},{:.6}", location.lat(), location.lon()),
                    precision.label(ctx.lang).to_string(),
                    found,
                ]
            }
            Geocoded::Unplaced { reason } => vec![
                a.address.clone(),
                "-".into(),
                ctx.t("unplaced", "未定位").to_string(),
                format!("{}: {}", reason.code(), reason.message(ctx.lang)),
            ],
        })
        .collect();
    print!(
        "{}",
        table(
            &[
                ctx.t("address", "地址"),
                ctx.t("lat,lon", "纬度,经度"),
                ctx.t("precision", "精度"),
                ctx.t("matched / reason", "匹配 / 原因"),
            ],
            &rows,
        )
    );
    if r.unplaced() > 0 {
        eprintln!(
            "{} {}",
            r.unplaced(),
            ctx.t(
                "address(es) not placed: pin them with coordinates",
                "个地址未能定位：请用坐标标定",
            )
        );
    }
    Ok(status)
}
