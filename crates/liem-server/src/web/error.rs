//! One error type for the server, mapped to HTTP in one place: RFC 9457
//! problem documents for the API. A 500 is opaque to the client; its cause
//! goes to the log.

use axum::http::header;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::response::Response;
use liem_domain::workflow::WorkflowError;
use liem_domain::ValidationErrors;
use liem_store::StoreError;
use serde::Serialize;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input broke one or more rules (422).
    #[error("validation failed: {0}")]
    Validation(ValidationErrors),
    /// Not there, or not in the caller's scope (404: existence is not revealed).
    #[error("not found")]
    NotFound,
    /// No valid session or token (401).
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated but not allowed (403) — only for things whose existence
    /// the caller may know (e.g. their own unit's administration).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The CSRF token is missing or wrong (403).
    #[error("CSRF token missing or invalid")]
    Csrf,
    /// The workflow refused the action (409).
    #[error("{0}")]
    Workflow(#[from] WorkflowError),
    /// A concurrent change or a uniqueness conflict (409).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The body is too large (413).
    #[error("{0}")]
    TooLarge(String),
    /// The request is malformed (400).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// A custodian or administrator signed in without the second factor the
    /// configuration requires of them (403): they set it up first.
    #[error("a second factor is required: set it up on your account page (/account)")]
    SecondFactorRequired,
    /// Too many failed attempts from this client (429).
    #[error("too many attempts; try again later")]
    TooManyRequests,
    /// Something failed on our side (500).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => AppError::NotFound,
            StoreError::Conflict(c) if c == "version" => AppError::Conflict(
                "the record was changed by someone else; reload and try again".into(),
            ),
            // A sentence from the store says itself what conflicted.
            StoreError::Conflict(c) if c.contains(' ') => AppError::Conflict(c),
            StoreError::Conflict(c) => AppError::Conflict(format!("already exists ({c})")),
            StoreError::Nul => AppError::Validation(ValidationErrors::single(
                "input",
                "no_nul",
                "must not contain the NUL character",
            )),
            e => AppError::Internal(e.to_string()),
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(e: ValidationErrors) -> Self {
        AppError::Validation(e)
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// This occurrence, explained.
    pub detail: String,
    /// For validation problems: each broken rule with its field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One field's broken rule in a problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProblemField {
    /// The field path, e.g. `sender.name`.
    pub field: String,
    /// The rule code, e.g. `required`.
    pub rule: String,
    /// Explanation.
    pub message: String,
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::Csrf | AppError::SecondFactorRequired => {
                StatusCode::FORBIDDEN
            }
            AppError::Workflow(_) | AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document for this error.
    pub fn problem(&self) -> Problem {
        let status = self.status();
        let (slug, title) = match self {
            AppError::Validation(_) => ("validation-failed", "Validation failed"),
            AppError::NotFound => ("not-found", "Not found"),
            AppError::Unauthenticated => ("unauthenticated", "Authentication required"),
            AppError::Forbidden(_) => ("forbidden", "Forbidden"),
            AppError::Csrf => ("csrf", "CSRF token missing or invalid"),
            AppError::SecondFactorRequired => ("second-factor-required", "Second factor required"),
            AppError::Workflow(_) => ("illegal-transition", "Action not allowed in this state"),
            AppError::Conflict(_) => ("conflict", "Conflict"),
            AppError::TooLarge(_) => ("too-large", "Payload too large"),
            AppError::BadRequest(_) => ("bad-request", "Bad request"),
            AppError::TooManyRequests => ("too-many-requests", "Too many attempts"),
            AppError::Internal(_) => ("internal", "Internal error"),
        };
        let detail = match self {
            AppError::Internal(_) => "an internal error occurred; it has been logged".to_owned(),
            e => e.to_string(),
        };
        let errors = match self {
            AppError::Validation(v) => v
                .errors
                .iter()
                .map(|e| ProblemField {
                    field: e.field.clone(),
                    rule: e.rule.clone(),
                    message: e.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            errors,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = %cause, "internal error");
        }
        let status = self.status();
        let body = serde_json::to_vec(&self.problem()).unwrap_or_default();
        let mut resp = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer realm=\"liem\""),
            );
        }
        resp
    }
}

/// Makes every error answer of the API a problem document: the rejections
/// of axum's own extractors (a path value of the wrong type, a query that
/// does not parse, a body that is not JSON or too large, a method the
/// route does not serve, a path that does not exist) answer with plain
/// text; here they become `application/problem+json` with that text as
/// the detail. Pages keep their HTML.
pub async fn api_problems(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !api || !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_problem = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/problem+json"));
    if is_problem {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    let detail = String::from_utf8_lossy(&bytes).trim().to_owned();
    let title = status.canonical_reason().unwrap_or("Error").to_owned();
    let slug = title.to_ascii_lowercase().replace(' ', "-");
    let problem = Problem {
        kind: format!("/problems/{slug}"),
        detail: if detail.is_empty() {
            title.clone()
        } else {
            detail
        },
        title,
        status: status.as_u16(),
        errors: Vec::new(),
    };
    let mut out = (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        serde_json::to_vec(&problem).unwrap_or_default(),
    )
        .into_response();
    for (k, v) in parts.headers.iter() {
        if k != header::CONTENT_TYPE && k != header::CONTENT_LENGTH {
            out.headers_mut().insert(k.clone(), v.clone());
        }
    }
    out
}

/// Shorthand for server results.
pub type AppResult<T> = Result<T, AppError>;
