//! The OpenAPI document: each feature's part, merged, with the security
//! schemes and the problem document every error answers with.

use crate::auth::SESSION_COOKIE;
use crate::web::error::Problem;
use axum::response::IntoResponse;
use axum::response::Response;
use axum::Json;
use utoipa::OpenApi;

/// What the whole document shares: its title, the problem schema, the
/// security schemes.
#[derive(OpenApi)]
#[openapi(
    info(title = "Liêm API", description = "Petitions register, deadlines and audit of the Liêm anti-corruption platform."),
    components(schemas(Problem)),
    modifiers(&SecurityAddon),
    tags((name = "letters", description = "The register of letters and their matters"))
)]
struct Base;

/// The whole document: the base and every feature's part.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = Base::openapi();
    for part in [
        crate::account::Doc::openapi(),
        crate::admin::Doc::openapi(),
        crate::petitions::Doc::openapi(),
        crate::custody::Doc::openapi(),
        crate::public::Doc::openapi(),
        crate::reception::Doc::openapi(),
        crate::cases::Doc::openapi(),
        crate::people::Doc::openapi(),
        crate::reports::Doc::openapi(),
    ] {
        doc.merge(part);
    }
    doc.openapi = utoipa::openapi::OpenApiVersion::Version31;
    doc
}

struct SecurityAddon;

impl utoipa::Modify for SecurityAddon {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(SESSION_COOKIE))),
        );
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    Json(document()).into_response()
}
