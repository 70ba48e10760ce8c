//! Statistics: the standard forms, the records behind each figure, issued
//! (frozen) reports, the summary in words and the dashboard — as JSON, CSV,
//! Excel and pages. Everything is computed from the stored facts by
//! `liem-report`; nothing here counts.

pub mod api;
pub mod dashboard;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The report routes (API and pages).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reports", get(api::api_forms))
        .route("/api/v1/reports/{form}", get(api::api_report))
        .route("/api/v1/reports/{form}/cells/{column}", get(api::api_cell))
        .route("/api/v1/reports/{form}/issue", post(api::api_issue))
        .route("/api/v1/reports/{form}/issued", get(api::api_issued))
        .route("/api/v1/summary", get(api::api_summary))
        .route("/reports", get(pages::forms_page))
        .route("/reports/{form}", get(pages::report_page))
        .route("/reports/{form}/cells/{column}", get(pages::cell_page))
        .route("/reports/{form}/issue", post(pages::issue_page))
        .route("/dashboard", get(dashboard::dashboard_page))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(
    api::api_forms,
    api::api_report,
    api::api_cell,
    api::api_issue,
    api::api_issued,
    api::api_summary
))]
pub struct Doc;
