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

/// The document as served: [`document`], completed so that every
/// operation declares what it can answer (see [`complete`]).
pub fn served() -> serde_json::Value {
    let mut v = serde_json::to_value(document()).expect("the document serialises");
    complete(&mut v);
    v
}

const PROBLEM: &str = "application/problem+json";

fn problem(description: &str) -> serde_json::Value {
    serde_json::json!({
        "description": description,
        "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// The schema of a path parameter, by its name.
fn path_schema(name: &str) -> serde_json::Value {
    match name {
        "id" => serde_json::json!({"type": "string", "format": "uuid"}),
        "date" => serde_json::json!({"type": "string", "format": "date"}),
        "year" => serde_json::json!({"type": "integer", "minimum": 1990, "maximum": 2100}),
        _ => serde_json::json!({"type": "string"}),
    }
}

/// Completes every operation of the document, from the router's own
/// rules rather than by hand at each handler: each `{name}` of a path is a
/// declared path parameter; error answers are problem documents
/// (`application/problem+json`); and the answers the shared layers give
/// are declared where they can occur — 400 (a value of the wrong type),
/// 401 and 403 (the gate), 404 (a record by its path), 409 (a write that
/// conflicts), 413 and 415 (a body too large or of another type), 422
/// (validation), 429 (the login and the public channel's limits).
pub fn complete(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let names: Vec<String> = path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .map(str::to_owned)
            .collect();
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(op) = op.as_object_mut() else {
                continue;
            };
            // Path parameters.
            let params = op
                .entry("parameters")
                .or_insert_with(|| serde_json::json!([]));
            if let Some(list) = params.as_array_mut() {
                for n in &names {
                    let declared = list
                        .iter()
                        .any(|p| p["in"] == "path" && p["name"] == n.as_str());
                    if !declared {
                        list.push(serde_json::json!({
                            "name": n, "in": "path", "required": true,
                            "description": format!("The record's {n}"),
                            "schema": path_schema(n),
                        }));
                    }
                }
                if list.is_empty() {
                    op.remove("parameters");
                }
            }
            let has_body = op.contains_key("requestBody");
            let writes = method != "get";
            let public = path == "/api/v1/openapi.json";
            let limited = path == "/api/v1/session" || path.starts_with("/api/v1/operator");
            let responses = op
                .entry("responses")
                .or_insert_with(|| serde_json::json!({}));
            let Some(responses) = responses.as_object_mut() else {
                continue;
            };
            // Error answers are problem documents.
            for (code, r) in responses.iter_mut() {
                if code.starts_with('4') || code.starts_with('5') {
                    if let Some(content) = r.get_mut("content").and_then(|c| c.as_object_mut()) {
                        if let Some(json) = content.remove("application/json") {
                            content.insert(PROBLEM.to_owned(), json);
                        }
                    }
                }
            }
            let mut add = |code: &str, why: &str| {
                responses
                    .entry(code.to_owned())
                    .or_insert_with(|| problem(why));
            };
            if public {
                continue;
            }
            add("400", "The request is malformed: a path or query value of the wrong type, or a body that is not what the operation reads");
            add(
                "401",
                "Not signed in, or the token has expired or was revoked",
            );
            add("403", "The caller's roles do not grant this");
            add(
                "422",
                "A value breaks a rule; the problem names each field and rule",
            );
            if !names.is_empty() {
                add(
                    "404",
                    "No such record in the caller's scope (one outside it answers the same)",
                );
            }
            if writes {
                add("409", "The write conflicts with the record's current state");
            }
            if has_body {
                add("413", "The body is larger than allowed");
                add("415", "The body is not of the type the operation reads");
            }
            if limited {
                add(
                    "429",
                    "Too many attempts from this client: slowed, then refused for a while",
                );
            }
        }
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    Json(served()).into_response()
}
