//! Travelers as stored, masked by the policy for whoever reads them, and the counts.

use crate::context::App;
use crate::error::AppResult;
pub use crate::mask::TravelerView;
use crate::mask::Viewer;
use closedloop_store::query::Stats;

/// The travelers of one arrival (flight or train number), or all.
#[derive(Debug, Clone, Default)]
pub struct ListTravelers {
    pub arrival: Option<String>,
    pub viewer: Viewer,
}

/// Stored travelers in arrival order, each masked for `req.viewer`.
pub fn list_travelers(app: &App, req: &ListTravelers) -> AppResult<Vec<TravelerView>> {
    let transport = crate::parse::transport("arrival", req.arrival.as_deref())?;
    let records = app
        .store()?
        .travelers(transport.as_ref().map(|t| t.as_str()))?;
    Ok(records
        .into_iter()
        .map(|r| req.viewer.traveler(r))
        .collect())
}

/// `{"travelers", "arrivals", "by_destination", "by_health"}`.
pub fn stats(app: &App) -> AppResult<Stats> {
    Ok(app.store()?.stats()?)
}
