//! The petitions register: letters and their matters, intake, the workflow,
//! deadlines, attachments, transfers and the staff side of the conversation
//! with a reporter.

pub mod api;
pub mod csv;
pub mod import;
pub mod intake;
pub mod pages;
pub mod present;
pub mod service;

use crate::web::routes::Routes;
use axum::response::Redirect;
use axum::routing::get;
use axum::routing::post;
use utoipa::OpenApi;

/// The register's routes.
pub fn router() -> Routes {
    Routes::new()
        .at("/api/v1/fields", &["GET"], get(api::list_fields))
        .at(
            "/api/v1/letters",
            &["GET", "POST"],
            get(api::list_letters).post(api::create_letter),
        )
        .at(
            "/api/v1/letters/by-reference/{reference}",
            &["GET"],
            get(api::letter_by_reference),
        )
        .at(
            "/api/v1/letters/import",
            &["POST"],
            post(api::import_register),
        )
        .at("/api/v1/letters/{id}", &["GET"], get(api::get_letter))
        .at(
            "/api/v1/letters/{id}/attachments",
            &["POST"],
            post(api::add_attachments),
        )
        .at(
            "/api/v1/letters/{id}/acknowledge",
            &["POST"],
            post(api::acknowledge),
        )
        .at("/api/v1/letters/{id}/similar", &["GET"], get(api::similar))
        .at("/api/v1/letters/{id}/join", &["POST"], post(api::join))
        .at(
            "/api/v1/letters/{id}/transfer",
            &["POST"],
            post(api::transfer),
        )
        .at(
            "/api/v1/letters/{id}/messages",
            &["GET", "POST"],
            get(api::list_messages).post(api::send_message),
        )
        .at(
            "/api/v1/attachments/{id}",
            &["GET"],
            get(api::get_attachment),
        )
        .at("/api/v1/matters/{id}", &["GET"], get(api::get_matter))
        .at("/api/v1/matters/{id}/actions", &["POST"], post(api::act))
        .at("/api/v1/matters/{id}/assign", &["POST"], post(api::assign))
        .at("/api/v1/deadlines", &["GET"], get(api::deadlines))
        .at("/", &["GET"], get(|| async { Redirect::to("/petitions") }))
        .at(
            "/petitions",
            &["GET", "POST"],
            get(pages::list).post(pages::create),
        )
        .at("/petitions/new", &["GET"], get(pages::new_form))
        .at(
            "/petitions/import",
            &["GET", "POST"],
            get(pages::import_form).post(pages::import),
        )
        .at("/petitions/{id}", &["GET"], get(pages::show))
        .at(
            "/petitions/{id}/unseal-request",
            &["POST"],
            post(pages::request_unseal),
        )
        .at(
            "/petitions/{id}/identity",
            &["POST"],
            post(pages::view_identity),
        )
        .at("/petitions/{id}/join", &["POST"], post(pages::join))
        .at(
            "/petitions/{id}/acknowledge",
            &["POST"],
            post(pages::acknowledge),
        )
        .at(
            "/petitions/{id}/messages",
            &["POST"],
            post(pages::send_message),
        )
        .at("/matters/{id}/actions", &["POST"], post(pages::act))
        .at("/matters/{id}/assign", &["POST"], post(pages::assign))
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
        api::import_register,
        api::acknowledge,
        api::similar,
        api::join,
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
        import::ImportReport,
        import::ImportRefusal,
        liem_domain::petition::LetterInput,
        liem_domain::workflow::ActionInput,
        api::AssignInput,
        api::MessageInput,
        api::LetterTransferInput,
        api::JoinInput
    ))
)]
pub struct Doc;
