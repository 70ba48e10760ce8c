//! The API of the operator's intake.

use crate::petitions::service;
use crate::state::AppState;
use crate::web::error::AppResult;
use crate::web::error::Problem;
use crate::web::json::ApiJson;
use crate::web::write::Writer;
use axum::extract::State;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;

/// A clerk records a phone call or a walk-in on the reporter's behalf and
/// gets the receipt code to give them.
#[utoipa::path(post, path = "/api/v1/operator/reports", request_body = crate::public::service::OperatorInput, tag = "letters",
    responses((status = 201, description = "The reference and the receipt code (shown once)", body = OperatorReceipt), (status = 422, body = Problem)))]
pub(super) async fn operator_report(
    State(state): State<AppState>,
    who: Writer,
    ApiJson(input): ApiJson<crate::public::service::OperatorInput>,
) -> AppResult<Response> {
    let (id, code) = crate::public::service::operator_report(&state, &who, &input).await?;
    let view = service::letter_view(&state, &who, id).await?;
    let body = OperatorReceipt {
        id,
        reference: view.letter.reference,
        receipt_code: code.grouped(),
    };
    Ok((
        [(header::CACHE_CONTROL, "no-store")],
        (StatusCode::CREATED, Json(body)),
    )
        .into_response())
}

/// What the operator gives the reporter.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct OperatorReceipt {
    /// The letter's id.
    pub id: liem_domain::ids::LetterId,
    /// The letter's reference.
    pub reference: String,
    /// The receipt code the reporter follows the report with; shown once.
    pub receipt_code: String,
}
