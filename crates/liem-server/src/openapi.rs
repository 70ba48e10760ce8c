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
        crate::committee::Doc::openapi(),
        crate::screening::Doc::openapi(),
        crate::cases::Doc::openapi(),
        crate::people::Doc::openapi(),
        crate::hotspots::Doc::openapi(),
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
    add_examples(&mut v);
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
        "id" | "candidate" => serde_json::json!({"type": "string", "format": "uuid"}),
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

/// Gives every JSON success answer an example, built from its schema: the
/// schema's own or its fields' examples where they have one, else a value
/// of the declared type and format (a UUID, a date, the first value of an
/// enumeration, one item of a list). The contract test checks each one
/// against its schema.
pub fn add_examples(doc: &mut serde_json::Value) {
    let components = doc
        .pointer("/components/schemas")
        .cloned()
        .unwrap_or_default();
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(responses) = op.get_mut("responses").and_then(|r| r.as_object_mut()) else {
                continue;
            };
            for (code, r) in responses.iter_mut() {
                if !code.starts_with('2') {
                    continue;
                }
                let Some(json) = r.pointer_mut("/content/application~1json") else {
                    continue;
                };
                if json.get("example").is_some() {
                    continue;
                }
                if let Some(schema) = json.get("schema") {
                    let example = example_of(schema, &components, "", 0);
                    json["example"] = example;
                }
            }
        }
    }
}

/// A text for a field, by its name, where the name says what it holds.
fn text_example(name: &str) -> &'static str {
    match name {
        "reference" | "case_reference" => "HNI-2026-000123",
        "code" | "unit_code" | "from_code" | "to_code" | "committee" => "HNI",
        "path" | "unit_path" => "TW.HNI",
        "name" | "unit_name" | "display_name" => "Nguyễn Văn An",
        "username" => "hni.vanthu",
        "lang" | "locale" => "vi",
        "field_code" | "field" => "land",
        "media_type" => "application/pdf",
        "sha256" | "hash" | "prev_hash" | "head" => {
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
        }
        "receipt_code" => "7K3M-9QXP-2RTD-HW4B",
        "csrf_token" | "token" => "Zk9tR2x4cVJ0bVhsV0ZmQ2xxTnJ3UQ",
        _ => "…",
    }
}

fn example_of(
    schema: &serde_json::Value,
    components: &serde_json::Value,
    name: &str,
    depth: usize,
) -> serde_json::Value {
    use serde_json::{json, Value};
    // Depth counts references followed: enough for the deepest record,
    // and an end to a schema that refers to itself.
    if depth > 16 {
        return Value::Null;
    }
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(e) = schema.get("examples").and_then(|e| e.get(0)) {
        return e.clone();
    }
    if let Some(r) = schema.get("$ref").and_then(|r| r.as_str()) {
        let target = r
            .strip_prefix("#/components/schemas/")
            .and_then(|n| components.get(n));
        return match target {
            Some(t) => example_of(t, components, name, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(all) = schema.get("allOf").and_then(|a| a.as_array()) {
        let mut merged = serde_json::Map::new();
        for part in all {
            if let Value::Object(o) = example_of(part, components, name, depth) {
                merged.extend(o);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(|a| a.as_array()) {
            let alt = alts
                .iter()
                .find(|a| a.get("type").and_then(|t| t.as_str()) != Some("null"))
                .or(alts.first());
            return alt
                .map(|a| example_of(a, components, name, depth))
                .unwrap_or(Value::Null);
        }
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(|t| t.as_str())
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ if schema.get("properties").is_some() => "object",
        _ => return Value::Null,
    };
    match ty {
        "object" => {
            let mut o = serde_json::Map::new();
            if let Some(props) = schema.get("properties").and_then(|p| p.as_object()) {
                for (k, v) in props {
                    o.insert(k.clone(), example_of(v, components, k, depth));
                }
            }
            Value::Object(o)
        }
        "array" => match schema.get("prefixItems").and_then(|p| p.as_array()) {
            // A tuple: one value per position.
            Some(parts) => Value::Array(
                parts
                    .iter()
                    .map(|p| example_of(p, components, name, depth))
                    .collect(),
            ),
            None => match schema.get("items") {
                Some(items) => json!([example_of(items, components, name, depth)]),
                None => json!([]),
            },
        },
        "string" => match schema.get("format").and_then(|f| f.as_str()) {
            Some("uuid") => json!("0193a1f2-6c4d-7e8f-9a0b-1c2d3e4f5a6b"),
            Some("date") => json!("2026-11-02"),
            Some("date-time") => json!("2026-11-02T08:30:00Z"),
            _ => json!(text_example(name)),
        },
        "integer" => {
            let min = schema.get("minimum").and_then(|m| m.as_i64()).unwrap_or(0);
            json!(min.max(1))
        }
        "number" => json!(1.5),
        "boolean" => json!(true),
        _ => Value::Null,
    }
}

/// `GET /api/v1/openapi.json`.
pub async fn openapi_json() -> Response {
    Json(served()).into_response()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// A schema that says nothing of its content: no type of its own, no
    /// reference, no properties.
    fn untyped(schema: &Value) -> bool {
        let typed = [
            "$ref",
            "properties",
            "allOf",
            "oneOf",
            "anyOf",
            "items",
            "enum",
        ]
        .iter()
        .any(|k| schema.get(*k).is_some());
        let scalar = matches!(
            schema.get("type").and_then(|t| t.as_str()),
            Some("string" | "integer" | "number" | "boolean")
        );
        !typed && !scalar
    }

    #[test]
    fn every_json_success_answer_has_a_typed_schema_and_an_example() {
        let doc = super::served();
        let mut seen = 0;
        let mut bad = Vec::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (code, r) in op["responses"].as_object().unwrap() {
                    let Some(json) = r.pointer("/content/application~1json") else {
                        continue;
                    };
                    if !code.starts_with('2') {
                        continue;
                    }
                    seen += 1;
                    let schema = &json["schema"];
                    if untyped(schema) {
                        bad.push(format!("{method} {path} {code}: untyped schema {schema}"));
                    }
                    if schema.get("type").and_then(|t| t.as_str()) == Some("array")
                        && untyped(&schema["items"])
                    {
                        bad.push(format!("{method} {path} {code}: untyped items"));
                    }
                    match json.get("example") {
                        None | Some(Value::Null) => {
                            bad.push(format!("{method} {path} {code}: no example"))
                        }
                        Some(_) => {}
                    }
                }
            }
        }
        assert!(seen > 60, "only {seen} JSON success answers");
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }

    #[test]
    fn every_reference_of_the_document_resolves() {
        let doc = super::served();
        let text = doc.to_string();
        let mut missing: Vec<&str> = text
            .split("\"#/components/schemas/")
            .skip(1)
            .filter_map(|s| s.split('"').next())
            .filter(|name| {
                doc.pointer(&format!("/components/schemas/{name}"))
                    .is_none()
            })
            .collect();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "schemas referenced but absent: {missing:?}"
        );
    }

    /// A code list's schema lists the codes the API reads and writes
    /// (`complaint`), not the Rust names (`Complaint`).
    #[test]
    fn code_lists_are_documented_by_their_codes() {
        use liem_domain::petition::{Channel, PetitionKind};
        use liem_domain::workflow::{ActionKind, MatterState};
        let doc = super::served();
        let codes = |name: &str| doc["components"]["schemas"][name]["enum"].clone();
        let want = |all: Vec<&str>| serde_json::json!(all);
        assert_eq!(
            codes("PetitionKind"),
            want(PetitionKind::ALL.iter().map(|k| k.as_str()).collect())
        );
        assert_eq!(
            codes("Channel"),
            want(Channel::ALL.iter().map(|k| k.as_str()).collect())
        );
        assert_eq!(
            codes("MatterState"),
            want(MatterState::ALL.iter().map(|k| k.as_str()).collect())
        );
        assert_eq!(
            codes("ActionKind"),
            want(ActionKind::ALL.iter().map(|k| k.as_str()).collect())
        );
    }

    #[test]
    fn an_example_follows_references_formats_and_field_names() {
        let components = serde_json::json!({
            "Letter": {"type": "object", "properties": {
                "id": {"type": "string", "format": "uuid"},
                "reference": {"type": "string"},
                "received_on": {"type": "string", "format": "date"},
                "kind": {"$ref": "#/components/schemas/Kind"},
                "handler": {"oneOf": [{"type": "null"}, {"type": "string", "format": "uuid"}]},
                "count": {"type": "integer", "minimum": 0},
                "matters": {"type": "array", "items": {"$ref": "#/components/schemas/Kind"}}
            }},
            "Kind": {"type": "string", "enum": ["complaint", "denunciation"]}
        });
        let e = super::example_of(
            &serde_json::json!({"$ref": "#/components/schemas/Letter"}),
            &components,
            "",
            0,
        );
        assert_eq!(
            e,
            serde_json::json!({
                "id": "0193a1f2-6c4d-7e8f-9a0b-1c2d3e4f5a6b",
                "reference": "HNI-2026-000123",
                "received_on": "2026-11-02",
                "kind": "complaint",
                "handler": "0193a1f2-6c4d-7e8f-9a0b-1c2d3e4f5a6b",
                "count": 1,
                "matters": ["complaint"]
            })
        );
    }
}
