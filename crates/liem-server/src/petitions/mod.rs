//! The petitions register: letters and their matters, intake, the workflow,
//! deadlines, attachments, transfers and the staff side of the conversation
//! with a reporter.

pub mod api;
pub mod pages;
pub mod service;

use crate::state::AppState;
use axum::response::Redirect;
use axum::routing::get;
use axum::routing::post;
use axum::Router;
use utoipa::OpenApi;

/// The register's routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/fields", get(api::list_fields))
        .route(
            "/api/v1/letters",
            get(api::list_letters).post(api::create_letter),
        )
        .route(
            "/api/v1/letters/by-reference/{reference}",
            get(api::letter_by_reference),
        )
        .route("/api/v1/letters/{id}", get(api::get_letter))
        .route(
            "/api/v1/letters/{id}/attachments",
            post(api::add_attachments),
        )
        .route("/api/v1/letters/{id}/acknowledge", post(api::acknowledge))
        .route("/api/v1/letters/{id}/transfer", post(api::transfer))
        .route(
            "/api/v1/letters/{id}/messages",
            get(api::list_messages).post(api::send_message),
        )
        .route("/api/v1/attachments/{id}", get(api::get_attachment))
        .route("/api/v1/matters/{id}", get(api::get_matter))
        .route("/api/v1/matters/{id}/actions", post(api::act))
        .route("/api/v1/matters/{id}/assign", post(api::assign))
        .route("/api/v1/deadlines", get(api::deadlines))
        .route("/", get(|| async { Redirect::to("/petitions") }))
        .route("/petitions", get(pages::list).post(pages::create))
        .route("/petitions/new", get(pages::new_form))
        .route("/petitions/{id}", get(pages::show))
        .route(
            "/petitions/{id}/unseal-request",
            post(pages::request_unseal),
        )
        .route("/petitions/{id}/identity", post(pages::view_identity))
        .route("/petitions/{id}/acknowledge", post(pages::acknowledge))
        .route("/petitions/{id}/messages", post(pages::send_message))
        .route("/matters/{id}/actions", post(pages::act))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::list_fields,
        api::list_letters,
        api::create_letter,
        api::letter_by_reference,
        api::get_letter,
        api::add_attachments,
        api::acknowledge,
        api::transfer,
        api::list_messages,
        api::send_message,
        api::get_attachment,
        api::get_matter,
        api::act,
        api::assign,
        api::deadlines
    ),
    components(schemas(
        liem_domain::petition::LetterInput,
        liem_domain::workflow::ActionInput,
        api::AssignInput,
        api::MessageInput,
        api::LetterTransferInput
    ))
)]
pub struct Doc;
