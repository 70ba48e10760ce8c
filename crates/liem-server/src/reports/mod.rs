//! Statistics: the standard forms, the records behind each figure, issued
//! (frozen) reports, the summary in words and the dashboard — as JSON, CSV,
//! Excel and pages. Everything is computed from the stored facts by
//! `liem-report`; nothing here counts.

pub mod api;
pub mod dashboard;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The report routes (API and pages).
pub fn router() -> Routes {
    Routes::new()
        .at("/api/v1/reports", &["GET"], get(api::api_forms))
        .at("/api/v1/reports/{form}", &["GET"], get(api::api_report))
        .at(
            "/api/v1/reports/{form}/cells/{column}",
            &["GET"],
            get(api::api_cell),
        )
        .at(
            "/api/v1/reports/{form}/issue",
            &["POST"],
            post(api::api_issue),
        )
        .at(
            "/api/v1/reports/{form}/issued",
            &["GET"],
            get(api::api_issued),
        )
        .at("/api/v1/summary", &["GET"], get(api::api_summary))
        .at("/reports", &["GET"], get(pages::forms_page))
        .at("/reports/{form}", &["GET"], get(pages::report_page))
        .at(
            "/reports/{form}/cells/{column}",
            &["GET"],
            get(pages::cell_page),
        )
        .at("/reports/{form}/issue", &["POST"], post(pages::issue_page))
        .at("/dashboard", &["GET"], get(dashboard::dashboard_page))
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
