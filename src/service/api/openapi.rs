//! The OpenAPI document, made rather than written: its paths are the route table's
//! (every endpoint served, and only those), the campaign settings a client may write
//! (`SettingsPatch`) come from the settings table, and the campaign it reads back
//! (`Campaign`, `Variant`), a page of leads (`LeadPage`, `LeadRow`, with the states and
//! outcomes), a settings change (`SettingsChange`) and a campaign's figures
//! (`CampaignStats`, `VariantRow`) and a call (`Call`) from the types' `ToSchema`
//! derives. `docs/openapi.json` is
//! this document, kept for readers and checked by `tests/api.rs` (`UPDATE_OPENAPI=1`
//! writes it anew).
//!
//! What is not derived yet is in `openapi_by_hand.json` beside this file: each
//! operation's summary, parameters and answers, and the schemas of the other bodies,
//! whose types are to become the store's records.

use super::campaign_dto::{CampaignOut, VariantIo, ALIASES};
use super::campaigns::StatsOut;
use super::{endpoints, Origin};
use crate::domain::{SettingKind, SETTINGS};
use crate::store::attempts::AttemptRecord;
use crate::store::lead_search::LeadPage;
use crate::store::settings_changes::SettingsChangeRow;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

const BY_HAND: &str = include_str!("openapi_by_hand.json");

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

/// `GET /api/v1/openapi.json`.
pub async fn serve() -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json(),
    )
}

/// The document: the route table's endpoints (local socket and TCP), each with its
/// operation, and the schemas.
///
/// # Panics
/// When a route has no operation in `openapi_by_hand.json`, which the test of the
/// document shows at once.
pub fn document() -> Value {
    let mut by_hand: Map<String, Value> =
        serde_json::from_str(BY_HAND).expect("openapi_by_hand.json is JSON");
    let mut operations = match by_hand.remove("operations") {
        Some(Value::Object(operations)) => operations,
        _ => Map::new(),
    };
    let mut served = endpoints(Origin::LocalSocket);
    for endpoint in endpoints(Origin::Tcp) {
        if !served.contains(&endpoint) {
            served.push(endpoint);
        }
    }
    let mut paths = Map::new();
    for (method, path) in served {
        let key = format!("{method} {path}");
        let operation = operations.remove(&key).unwrap_or_else(|| {
            panic!("{key} is served but has no operation in openapi_by_hand.json")
        });
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[method.as_str().to_ascii_lowercase()] = operation;
    }

    let mut schemas = match by_hand
        .get_mut("components")
        .and_then(|c| c.get_mut("schemas"))
        .map(Value::take)
    {
        Some(Value::Object(schemas)) => schemas,
        _ => Map::new(),
    };
    schemas.insert("SettingsPatch".into(), settings_patch_schema());
    let mut derived = Vec::new();
    with_dependencies::<CampaignOut>(&mut derived);
    with_dependencies::<VariantIo>(&mut derived);
    with_dependencies::<LeadPage>(&mut derived);
    with_dependencies::<SettingsChangeRow>(&mut derived);
    with_dependencies::<StatsOut>(&mut derived);
    with_dependencies::<AttemptRecord>(&mut derived);
    for (name, schema) in derived {
        let schema = serde_json::to_value(schema).expect("a schema is JSON");
        schemas.insert(name, schema);
    }
    schemas.sort_keys();

    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.1.0"));
    for part in ["info", "servers", "security", "tags"] {
        if let Some(value) = by_hand.remove(part) {
            doc.insert(part.into(), value);
        }
    }
    doc.insert("paths".into(), Value::Object(paths));
    let mut components = match by_hand.remove("components") {
        Some(Value::Object(components)) => components,
        _ => Map::new(),
    };
    components.insert("schemas".into(), Value::Object(schemas));
    doc.insert("components".into(), Value::Object(components));
    Value::Object(doc)
}

/// `T`'s schema under its name, and the schemas it refers to (a lead page's rows,
/// their states and outcomes), from the types' derives.
fn with_dependencies<T: utoipa::ToSchema>(
    into: &mut Vec<(
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    )>,
) {
    into.push((T::name().into_owned(), T::schema()));
    T::schemas(into);
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
