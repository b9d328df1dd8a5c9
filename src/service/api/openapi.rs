//! The OpenAPI document, made rather than written. Its paths are the route table's
//! (`super::routes`: every endpoint served, and only those), each with the operation
//! its handler's module makes beside the handler (`operation.rs`: summary, tag,
//! parameters, body, answer, failures). The schemas are the `utoipa::ToSchema` derives
//! of the types the handlers read and write: the envelope (`Success`, `Failure`), the
//! store's records (`Campaign`, `LeadPage`, `Call`, `LeadHistory`, ...), the engine's
//! views and replies (`CampaignStatus`, `Reply`) and the API's inputs (`LeadInput`,
//! `DncInput`, ...), so a schema cannot say other than what serde does. The settings a
//! client may write (`SettingsPatch`) come from the settings table. `info`, `servers`,
//! `security` and `tags` are made here.
//!
//! One declaration of method and path: the route table's row. An operation never
//! repeats them (as a `#[utoipa::path]` attribute would), and its path parameters are
//! checked against the row's path when the document is made.
//!
//! `docs/openapi.json` is this document, kept for readers and checked by `tests/api.rs`
//! (`UPDATE_OPENAPI=1` writes it anew).

use super::campaign_dto::ALIASES;
use super::operation::{Operation, Tag};
use super::{documented, Origin};
use crate::domain::{SettingKind, SETTINGS};
use serde_json::{json, Map, Value};
use std::sync::OnceLock;
use utoipa::openapi::path::{HttpMethod, PathsBuilder};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ComponentsBuilder, InfoBuilder, OpenApiBuilder, ServerBuilder};

/// The name of the schema of a campaign's settings as a client writes them.
pub const SETTINGS_PATCH: &str = "SettingsPatch";

/// The document as served and as `docs/openapi.json` holds it.
pub fn json() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text =
            serde_json::to_string_pretty(&document()).expect("an OpenAPI document is JSON");
        text.push('\n');
        text
    })
}

pub fn serve_doc() -> Operation {
    Operation::new(Tag::Engine, "This document").responds(
        200,
        utoipa::openapi::ResponseBuilder::new()
            .description("The OpenAPI document")
            .content(
                "application/json",
                utoipa::openapi::Content::new(Some(utoipa::openapi::schema::ObjectBuilder::new())),
            )
            .build(),
    )
}

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
}

const DESCRIPTION: &str = "The engine's API, JSON under /api/v1. Always served on the database's local socket; on TCP when [api] listen is set, where every request needs Authorization: Bearer TOKEN ([api] token or SWITCHBOARD_API_TOKEN). Every answer is an envelope: {\"success\": true, \"data\": ...} or {\"success\": false, \"error\": {\"code\", \"message\"}}. Bad input is a 4xx whose message names the field.";

/// The document: the route table's endpoints (local socket and TCP), each with its
/// operation, and the schemas they name.
///
/// # Panics
/// When an operation's path parameters are not its path's, which the test of the
/// document shows at once.
pub fn document() -> Value {
    let local = documented(Origin::LocalSocket);
    let tcp = documented(Origin::Tcp);
    let on_tcp: Vec<_> = tcp.iter().map(|(m, p, _)| (m.clone(), p.clone())).collect();
    let mut served = local;
    for endpoint in tcp {
        if !served
            .iter()
            .any(|(m, p, _)| *m == endpoint.0 && *p == endpoint.1)
        {
            served.push(endpoint);
        }
    }

    let mut paths = PathsBuilder::new().build();
    let mut schemas = Vec::new();
    for (method, path, operation) in served {
        let named: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
            .collect();
        assert_eq!(
            operation.path_params, named,
            "{method} {path}: the operation's path parameters are not the path's"
        );
        // Every route of `/api/v1` on TCP needs the token; the webhook has its own answers.
        let operation =
            if path.starts_with("/api/v1/") && on_tcp.contains(&(method.clone(), path.clone())) {
                operation.needs_token()
            } else {
                operation
            };
        schemas.extend(operation.schemas.iter().cloned());
        paths.add_path_operation(&path, vec![http_method(&method)], operation.build());
    }

    let mut components = ComponentsBuilder::new().security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "TCP only; the local socket needs none (it is private to its user)",
                ))
                .build(),
        ),
    );
    // One schema per name: two types documented under one name would hide one of them.
    let mut by_name = std::collections::BTreeMap::new();
    for (name, schema) in schemas {
        match by_name.get(&name) {
            Some(seen) if *seen != schema => panic!("two different schemas are named {name}"),
            Some(_) => {}
            None => {
                by_name.insert(name, schema);
            }
        }
    }
    for (name, schema) in by_name {
        components = components.schema(name, schema);
    }
    let doc = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Switchboard HTTP API")
                .version("1")
                .description(Some(DESCRIPTION)),
        )
        .servers(Some([ServerBuilder::new()
            .url("http://127.0.0.1:8090")
            .description(Some("[api] listen"))
            .build()]))
        .security(Some([SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]))
        .tags(Some(
            Tag::ALL.map(|tag| TagBuilder::new().name(tag.name()).build()),
        ))
        .paths(paths)
        .components(Some(components.build()))
        .build();

    let mut doc = serde_json::to_value(doc).expect("an OpenAPI document is JSON");
    doc["components"]["schemas"][SETTINGS_PATCH] = settings_patch_schema();
    doc
}

fn http_method(method: &axum::http::Method) -> HttpMethod {
    use axum::http::Method as M;
    match *method {
        M::GET => HttpMethod::Get,
        M::POST => HttpMethod::Post,
        M::PUT => HttpMethod::Put,
        M::PATCH => HttpMethod::Patch,
        M::DELETE => HttpMethod::Delete,
        M::HEAD => HttpMethod::Head,
        M::OPTIONS => HttpMethod::Options,
        M::TRACE => HttpMethod::Trace,
        _ => panic!("{method}: no such method in OpenAPI"),
    }
}

/// The schema of a campaign's settings as a client writes them, one property per
/// setting of the table (and per older name of one).
fn settings_patch_schema() -> Value {
    let mut properties = Map::new();
    for setting in SETTINGS {
        let mut schema = match setting.kind {
            SettingKind::Text => json!({"type": "string"}),
            SettingKind::Number(bound) => {
                json!({"type": "integer", "minimum": bound.min, "maximum": bound.max})
            }
            SettingKind::Switch => json!({"type": "boolean"}),
            SettingKind::Choice(words) => json!({"type": "string", "enum": words}),
            SettingKind::List { .. } => json!({"type": "array", "items": {"type": "string"}}),
            SettingKind::Time => json!({"type": "string", "format": "date-time"}),
            SettingKind::Hours => json!({"type": "string", "example": "09:00-20:00"}),
            SettingKind::Variants => {
                json!({"type": "array", "items": {"$ref": "#/components/schemas/Variant"}})
            }
        };
        if setting.optional {
            let kind = schema["type"].clone();
            schema["type"] = json!([kind, "null"]);
        }
        schema["description"] = json!(setting.help);
        properties.insert(setting.api.into(), schema);
    }
    for alias in ALIASES {
        properties.insert(
            alias.name.into(),
            json!({"type": alias.types, "description": alias.help}),
        );
    }
    json!({
        "type": "object",
        "additionalProperties": false,
        "description": "A campaign's settings, every one optional: a create starts from the defaults, a patch from the campaign's settings. `null` unsets what may be unset; an absent field stays as it is.",
        "properties": properties,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `$ref` of the document names one of its schemas: a type an operation
    /// names brings the schemas it refers to.
    #[test]
    fn every_reference_has_its_schema() {
        fn refs<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(target)) = map.get("$ref") {
                        into.push(target);
                    }
                    map.values().for_each(|v| refs(v, into));
                }
                Value::Array(items) => items.iter().for_each(|v| refs(v, into)),
                _ => {}
            }
        }
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 50, "{} references", found.len());
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let missing: Vec<_> = found
            .into_iter()
            .filter(|r| {
                let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
                !schemas.contains_key(name)
            })
            .collect();
        assert!(missing.is_empty(), "no schema for {missing:?}");
    }
}
