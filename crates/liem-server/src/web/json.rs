//! The JSON body extractor of the API: a malformed body is a 422 problem
//! naming the field, never axum's plain-text rejection.

use crate::web::error::AppError;
use axum::body::Bytes;
use axum::extract::FromRequest;
use axum::extract::Request;
use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use liem_domain::ValidationErrors;
use serde::de::DeserializeOwned;

/// A JSON body whose errors name the field, as a 422 problem document.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"));
        if !is_json {
            return Err(AppError::BadRequest(
                "expected Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::BadRequest(e.to_string()))?;
        let de = &mut serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(de)
            .map(ApiJson)
            .map_err(|e| {
                let field = e.path().to_string();
                let field = if field == "." {
                    "body".to_owned()
                } else {
                    field
                };
                AppError::Validation(ValidationErrors::single(
                    &field,
                    "json_type",
                    e.inner().to_string(),
                ))
            })
    }
}

/// A 201 answer: `Location` and `{"id": …}`.
pub fn created(id: uuid::Uuid, location: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(serde_json::json!({ "id": id })),
    )
        .into_response()
}
