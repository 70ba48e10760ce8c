//! A steering committee's own work: its meetings, the conclusions they
//! issue, the tasks their directions give to agencies, the follow-up of
//! those tasks, the activity figures, and a calendar feed of the meetings.

pub mod api;
pub mod ics;
pub mod pages;
pub mod service;

use crate::web::routes::Routes;
use axum::routing::{get, post};
use utoipa::OpenApi;

/// The committee's routes.
pub fn router() -> Routes {
    Routes::new()
        .at(
            "/committee",
            &["GET", "POST"],
            get(pages::index).post(pages::record_meeting),
        )
        .at(
            "/committee/meetings/{id}",
            &["GET", "POST"],
            get(pages::meeting).post(pages::adopt),
        )
        .at("/committee/tasks", &["GET"], get(pages::tasks))
        .at(
            "/committee/meetings/{id}/documents",
            &["POST"],
            post(pages::add_documents),
        )
        .at(
            "/committee/meetings/{id}/documents/{doc}",
            &["GET"],
            get(pages::meeting_document),
        )
        .at(
            "/committee/inspections",
            &["GET", "POST"],
            get(pages::inspections).post(pages::plan_inspection),
        )
        .at(
            "/committee/inspections/{id}",
            &["GET", "POST"],
            get(pages::inspection).post(pages::findings),
        )
        .at(
            "/api/v1/committee/inspections",
            &["GET", "POST"],
            get(api::inspections).post(api::plan_inspection),
        )
        .at(
            "/api/v1/committee/inspections/{id}",
            &["GET"],
            get(api::inspection),
        )
        .at(
            "/api/v1/committee/inspections/{id}/findings",
            &["POST"],
            post(api::findings),
        )
        .at(
            "/committee/tasks/{id}",
            &["GET", "POST"],
            get(pages::task).post(pages::step),
        )
        .at(
            "/committee/tasks/{id}/documents/{sha}",
            &["GET"],
            get(pages::document),
        )
        .at(
            "/api/v1/committee/meetings",
            &["GET", "POST"],
            get(api::meetings).post(api::record_meeting),
        )
        .at(
            "/api/v1/committee/meetings/{id}",
            &["GET"],
            get(api::meeting),
        )
        .at(
            "/api/v1/committee/meetings/{id}/conclusions",
            &["POST"],
            post(api::adopt),
        )
        .at("/api/v1/committee/tasks", &["GET"], get(api::tasks))
        .at("/api/v1/committee/tasks/{id}", &["GET"], get(api::task))
        .at(
            "/api/v1/committee/tasks/{id}/steps",
            &["POST"],
            post(api::step),
        )
        .at("/api/v1/committee/figures", &["GET"], get(api::figures))
        .at(
            "/api/v1/committee/figures/by-committee",
            &["GET"],
            get(api::by_committee),
        )
        .at(
            "/committee/figures.xlsx",
            &["GET"],
            get(pages::figures_xlsx),
        )
        .at("/api/v1/meetings.ics", &["GET"], get(api::feed))
}

/// This feature's part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    paths(
        api::record_meeting,
        api::meetings,
        api::meeting,
        api::adopt,
        api::tasks,
        api::task,
        api::step,
        api::figures,
        api::by_committee,
        api::feed,
        api::plan_inspection,
        api::inspections,
        api::inspection,
        api::findings
    ),
    components(schemas(
        liem_domain::committee::MeetingInput,
        liem_domain::committee::AgendaInput,
        liem_domain::committee::ConclusionInput,
        liem_domain::committee::DirectionInput,
        liem_domain::committee::TaskInput,
        liem_domain::committee::InspectionInput,
        service::StepInput,
        service::FindingsInput
    ))
)]
pub struct Doc;
