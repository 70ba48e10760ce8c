//! The public side: the report form at `/report` and the mailbox at
//! `/follow`. No login, no cookies, no IP address stored: the audit trail
//! records the source as `public`, and the rate limiter keys clients by a
//! salted hash that lives only in memory. Also the operator's intake, where
//! a clerk takes down a call or a walk-in.

pub mod api;
pub mod operator;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The public routes and the operator's.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/report",
            &["GET", "POST"],
            get(pages::choose).post(pages::submit),
        )
        .at("/report/{kind}", &["GET"], get(pages::form))
        .at(
            "/follow",
            &["GET", "POST"],
            get(pages::follow_form).post(pages::follow),
        )
        .at("/follow/reply", &["POST"], post(pages::reply))
        .at(
            "/operator",
            &["GET", "POST"],
            get(operator::operator_form).post(operator::operator_submit),
        )
        .at(
            "/api/v1/operator/reports",
            &["POST"],
            post(api::operator_report),
        )
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(api::operator_report),
    components(schemas(service::OperatorInput))
)]
pub struct Doc;
