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
        decode(&bytes).map(ApiJson)
    }
}

/// Decodes a JSON body; a broken one is a 422 naming the field (`body` for
/// the whole) with rule `json_type`.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
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
    })?;
    // One JSON document, nothing after it.
    de.end().map_err(|e| {
        AppError::Validation(ValidationErrors::single(
            "body",
            "json_trailing",
            format!("must hold one JSON value and nothing after it ({e})"),
        ))
    })?;
    // A NUL character is refused in every text, the same on both databases.
    if bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(bytes) {
            if let Some(field) = nul_at(&v, String::new()) {
                return Err(AppError::Validation(ValidationErrors::single(
                    &field,
                    "no_nul",
                    "must not contain the NUL character",
                )));
            }
        }
    }
    Ok(value)
}

/// The path of the first string (or key) holding a NUL character.
fn nul_at(v: &serde_json::Value, path: String) -> Option<String> {
    let join = |k: &str| {
        if path.is_empty() {
            k.to_owned()
        } else {
            format!("{path}.{k}")
        }
    };
    match v {
        serde_json::Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { "body".into() } else { path })
        }
        serde_json::Value::Array(items) => items.iter().enumerate().find_map(|(i, x)| {
            nul_at(
                x,
                format!("{}[{i}]", if path.is_empty() { "body" } else { &path }),
            )
        }),
        serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
            if k.contains('\0') {
                Some(join(&k.replace('\0', "")))
            } else {
                nul_at(x, join(k))
            }
        }),
        _ => None,
    }
}

/// A 201 answer: `Location` and `{"id": …}`.
pub fn created(id: uuid::Uuid, location: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(crate::web::answer::Created { id }),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trailing_bytes_and_nul_characters_are_refused_by_field() {
        let e = decode::<serde_json::Value>(br#"{"a": 1} {"b": 2}"#).unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e}")
        };
        assert_eq!(
            (v.errors[0].field.as_str(), v.errors[0].rule.as_str()),
            ("body", "json_trailing")
        );
        let e = decode::<serde_json::Value>(br#"{"sender": {"name": "L\u0000e"}}"#).unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e}")
        };
        assert_eq!(
            (v.errors[0].field.as_str(), v.errors[0].rule.as_str()),
            ("sender.name", "no_nul")
        );
        let e = decode::<serde_json::Value>(br#"{"kinds": ["a", "\u0000"]}"#).unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e}")
        };
        assert_eq!(v.errors[0].field, "kinds[1]");
        // Whitespace after the value is not trailing data.
        assert!(decode::<serde_json::Value>(b"{\"a\": \"\\\\u0000 is text\"} \n").is_ok());
    }

    #[test]
    fn a_wrong_type_names_its_field() {
        let e = decode::<liem_domain::petition::LetterInput>(br#"{"kinds": 3}"#).unwrap_err();
        let AppError::Validation(v) = e else {
            panic!("{e}")
        };
        assert_eq!(v.errors[0].field, "kinds");
        assert_eq!(v.errors[0].rule, "json_type");
    }

    proptest! {
        /// Whatever bytes come as a JSON body, decoding answers a value or
        /// a validation error, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(raw in proptest::collection::vec(any::<u8>(), 0..400)) {
            let r = decode::<liem_domain::petition::LetterInput>(&raw);
            prop_assert!(r.is_ok() || matches!(r, Err(AppError::Validation(_))));
            let _ = decode::<serde_json::Value>(&raw);
        }

        /// JSON-shaped input of any structure, too.
        #[test]
        fn arbitrary_json_never_panics(text in r#"\{("[a-z_]{1,8}": ?("[^"\\]{0,20}"|-?[0-9]{1,20}|\[\]|null|true|\{\}),? ?){0,6}\}"#) {
            let _ = decode::<liem_domain::petition::LetterInput>(text.as_bytes());
            let _ = decode::<liem_domain::workflow::ActionInput>(text.as_bytes());
            let _ = decode::<liem_domain::reception::SessionInput>(text.as_bytes());
        }
    }
}
