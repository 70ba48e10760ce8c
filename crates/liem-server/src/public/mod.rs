//! The public side: the report form at `/report` and the mailbox at
//! `/follow`. No login, no cookies, no IP address stored: the audit trail
//! records the source as `public`, and the rate limiter keys clients by a
//! salted hash that lives only in memory. Also the operator's intake, where
//! a clerk takes down a call or a walk-in.

pub mod api;
pub mod operator;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The public routes and the operator's.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/report", get(pages::choose).post(pages::submit))
        .route("/report/{kind}", get(pages::form))
        .route("/follow", get(pages::follow_form).post(pages::follow))
        .route("/follow/reply", post(pages::reply))
        .route(
            "/operator",
            get(operator::operator_form).post(operator::operator_submit),
        )
        .route("/api/v1/operator/reports", post(api::operator_report))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(api::operator_report),
    components(schemas(service::OperatorInput))
)]
pub struct Doc;
