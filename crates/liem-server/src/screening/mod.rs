//! Screening candidates before congresses, elections and appointments:
//! rounds, candidates, what the registers hold about each, the draft
//! answers and the answers given, and the link between a letter and the
//! person its subject is.

pub mod api;
pub mod pages;
pub mod present;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::{get, post};
use utoipa::OpenApi;

/// The screening routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/screening",
            &["GET", "POST"],
            get(pages::index).post(pages::open),
        )
        .at("/screening/{id}", &["GET"], get(pages::round))
        .at("/screening/{id}/import", &["POST"], post(pages::import))
        .at(
            "/screening/{id}/reply.xlsx",
            &["GET"],
            get(pages::reply_xlsx),
        )
        .at(
            "/api/v1/screening/rounds/{id}/candidates",
            &["POST"],
            post(api::import),
        )
        .at(
            "/screening/{id}/candidates/{candidate}",
            &["POST"],
            post(pages::answer),
        )
        .at(
            "/api/v1/screening/rounds",
            &["GET", "POST"],
            get(api::list).post(api::open),
        )
        .at("/api/v1/screening/rounds/{id}", &["GET"], get(api::get))
        .at(
            "/api/v1/screening/rounds/{id}/candidates/{candidate}/answer",
            &["POST"],
            post(api::answer),
        )
        .at(
            "/api/v1/letters/{id}/subjects",
            &["POST"],
            post(api::link_subject),
        )
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::open,
        api::list,
        api::get,
        api::answer,
        api::link_subject,
        api::import
    ),
    components(schemas(
        service::NewRoundInput,
        service::AnswerInput,
        api::SubjectInput,
        liem_domain::screening::RoundInput,
        liem_domain::screening::CandidateInput
    ))
)]
pub struct Doc;
