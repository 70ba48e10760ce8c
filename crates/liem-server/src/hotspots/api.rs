//! The API of hot spots.

use super::service;
use crate::auth::Principal;
use crate::state::AppState;
use crate::web::error::{AppResult, Problem};
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use liem_store::hotspots::{AlertRecord, RunOutcome, RunRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Which alerts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct AlertQuery {
    /// A unit code: its alerts and those of the units under it (default:
    /// the caller's whole reach).
    pub unit: Option<String>,
    /// `true`: open alerts only (default); `false`: those ended in the last
    /// 90 days as well.
    pub open: Option<bool>,
}

/// An alert with the link to its letters.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertView {
    /// The alert.
    #[serde(flatten)]
    pub alert: AlertRecord,
    /// The register filtered to the cell and window (the letters received
    /// there; a letter since transferred is listed where it is now).
    pub letters_href: String,
}

impl From<AlertRecord> for AlertView {
    fn from(alert: AlertRecord) -> Self {
        AlertView {
            letters_href: service::drill_down(&alert),
            alert,
        }
    }
}

/// The alerts and the latest scan.
#[derive(Debug, Serialize, ToSchema)]
pub struct AlertList {
    /// The latest scan of the map, if any.
    pub last_run: Option<RunRecord>,
    /// The alerts, open first, most significant first.
    pub items: Vec<AlertView>,
}

/// How far back ended alerts are listed.
pub const ENDED_DAYS: i64 = 90;

pub(crate) async fn list(
    state: &AppState,
    who: &Principal,
    q: &AlertQuery,
) -> AppResult<AlertList> {
    let open = q.open.unwrap_or(true);
    let since = (!open).then(|| {
        crate::clock::today()
            .checked_sub(jiff::Span::new().days(ENDED_DAYS))
            .unwrap_or(jiff::civil::Date::MIN)
    });
    let items = service::alerts(state, who, q.unit.as_deref(), open, since).await?;
    let mut c = state.store.conn().await?;
    let last_run = liem_store::hotspots::last_run(&mut c).await?;
    Ok(AlertList {
        last_run,
        items: items.into_iter().map(AlertView::from).collect(),
    })
}

#[utoipa::path(get, path = "/api/v1/hotspots", params(AlertQuery), tag = "hotspots",
    responses((status = 200, body = AlertList), (status = 403, body = Problem), (status = 404, description = "The unit is absent or outside the caller's reach", body = Problem)))]
/// The hot-spot alerts of the units in the caller's reach.
pub async fn alerts(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<AlertQuery>,
) -> AppResult<Response> {
    Ok(Json(list(&state, &who, &q).await?).into_response())
}

#[utoipa::path(get, path = "/api/v1/hotspots/{id}", tag = "hotspots",
    responses((status = 200, body = AlertView), (status = 404, description = "Absent, or not visible to the caller", body = Problem)))]
/// One alert.
pub async fn alert(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<uuid::Uuid>,
) -> AppResult<Response> {
    Ok(Json(AlertView::from(service::alert(&state, &who, id).await?)).into_response())
}

#[utoipa::path(post, path = "/api/v1/hotspots/scan", tag = "hotspots",
    responses((status = 200, description = "The scan ran; what it did to the alerts", body = RunOutcome), (status = 403, body = Problem), (status = 409, description = "A scan is already running", body = Problem)))]
/// Scans the whole map now (the nightly scan runs on its own).
pub async fn scan(State(state): State<AppState>, who: Writer) -> AppResult<Response> {
    Ok(Json(service::run_now(&state, &who).await?).into_response())
}

/// An acknowledgement.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AckInput {
    /// What the unit will do about it (3–2000 characters).
    pub note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/hotspots/{id}/acknowledge", request_body = AckInput, tag = "hotspots",
    responses((status = 200, body = AlertView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "Already acknowledged", body = Problem), (status = 422, body = Problem)))]
/// Acknowledges an alert with a note (audited).
pub async fn acknowledge(
    State(state): State<AppState>,
    who: Writer,
    Path(id): Path<uuid::Uuid>,
    ApiJson(input): ApiJson<AckInput>,
) -> AppResult<Response> {
    let note = input.note.unwrap_or_default();
    let a = service::acknowledge(&state, &who, id, &note).await?;
    Ok(Json(AlertView::from(a)).into_response())
}
