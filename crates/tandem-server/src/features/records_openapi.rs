//! The OpenAPI fragment of the record routes, driven by each record's descriptor so it
//! cannot drift from what the server accepts: list and create, one record (read, change,
//! delete) and its history.

use crate::kernel::openapi::{csrf, errors, if_match, over_budget, with};
use serde_json::{json, Map, Value};
use tandem_platform::entity::{Entity, IdKind, Kind};

fn field_schema(kind: Kind) -> Value {
    match kind {
        Kind::Text(n) => json!({"type": "string", "maxLength": n}),
        Kind::Date => json!({"type": "string", "format": "date"}),
        Kind::Int(a, b) => json!({"type": "integer", "minimum": a, "maximum": b}),
        Kind::Year => json!({"type": "integer", "minimum": 1949, "maximum": 2100}),
        Kind::Real(a, b) => json!({"type": "number", "minimum": a, "maximum": b}),
        Kind::Money => {
            json!({"type": "number", "minimum": 0, "maximum": 1.0e12, "multipleOf": 0.01,
            "description": "yuan, at most two decimals; stored exactly in fen"})
        }
        Kind::Enum(v) => json!({"type": "string", "enum": v}),
        Kind::List => {
            json!({"type": "array", "items": {"type": "string", "maxLength": 64}, "maxItems": 50})
        }
        Kind::Ref(t) => {
            if tandem_platform::entity::ref_is_serial(t) {
                json!({"type": "integer", "minimum": 1, "description": format!("id of a record of {t}")})
            } else {
                json!({"type": "string", "description": format!("id of a record of {t}")})
            }
        }
    }
}

fn schemas(e: &Entity) -> (Value, Value, Value) {
    let mut read = Map::new();
    let mut write = Map::new();
    let mut required = Vec::new();
    read.insert(
        "id".into(),
        if e.id_kind == IdKind::Serial {
            json!({"type": "integer"})
        } else {
            json!({"type": "string"})
        },
    );
    if e.id_kind == IdKind::Slug {
        write.insert(
            "id".into(),
            json!({"type": "string", "pattern": "^[a-z0-9-]{1,64}$"}),
        );
        required.push("id".to_string());
    }
    for f in e.fields {
        let mut s = field_schema(f.kind);
        if let Some(m) = s.as_object_mut() {
            m.insert("title".into(), json!(format!("{} / {}", f.en, f.zh)));
        }
        let mut nullable = s.clone();
        if !f.required {
            if let Some(m) = nullable.as_object_mut() {
                m.insert("nullable".into(), json!(true));
            }
        }
        read.insert(f.name.into(), nullable.clone());
        if f.writable {
            write.insert(f.name.into(), nullable);
            if f.required {
                required.push(f.name.to_string());
            }
        }
    }
    read.insert("version".into(), json!({"type": "integer"}));
    read.insert(
        "updated_at".into(),
        json!({"type": "string", "format": "date-time"}),
    );
    let mut patch = write.clone();
    patch.remove("id");
    patch.insert(
        "version".into(),
        json!({"type": "integer", "description": "the version edited (or send If-Match)"}),
    );
    (
        json!({"type": "object", "properties": read}),
        json!({"type": "object", "properties": write, "required": required, "additionalProperties": false}),
        json!({"type": "object", "properties": patch, "additionalProperties": false}),
    )
}

/// The paths and schemas of one record type, all driven by its descriptor: list and create,
/// one record (read, change, delete) and its history.
pub(crate) fn record_paths(
    e: &Entity,
    paths: &mut Map<String, Value>,
    components: &mut Map<String, Value>,
) {
    let (csrf, if_match) = (csrf(), if_match());
    let (read, write, patch) = schemas(e);
    let cap = e.name.to_string();
    components.insert(cap.clone(), read);
    components.insert(format!("{cap}_create"), write);
    components.insert(format!("{cap}_patch"), patch);
    let mut params = vec![
        json!({"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}}),
        json!({"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}}),
        json!({"name": "q", "in": "query", "schema": {"type": "string"}, "description": "text search in the title"}),
    ];
    for f in e.fields.iter().filter(|f| f.filter) {
        params.push(json!({"name": f.name, "in": "query", "schema": {"type": "string"}, "description": format!("filter: {}", f.en)}));
    }
    let item_ref = json!({"$ref": format!("#/components/schemas/{cap}")});
    let id_param = json!({"name": "id", "in": "path", "required": true,
        "schema": if e.id_kind == IdKind::Serial { json!({"type": "integer"}) } else { json!({"type": "string"}) }});
    paths.insert(
        format!("/api/{}", e.name),
        json!({
            "get": {"summary": format!("List {} / {}", e.en, e.zh), "tags": [e.name], "parameters": params,
                "responses": with(errors(), json!({"200": {"description": "a page", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"items": {"type": "array", "items": item_ref},
                    "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"}}}}}}}))},
            "post": {"summary": format!("Create ({})", e.en), "tags": [e.name], "parameters": [csrf],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{cap}_create")}}}},
                "responses": with(errors(), json!({"201": {"description": "created", "content": {"application/json": {"schema": item_ref}}}, "429": over_budget()}))}
        }),
    );
    paths.insert(
        format!("/api/{}/{{id}}", e.name),
        json!({
            "get": {"summary": format!("One ({})", e.en), "tags": [e.name], "parameters": [id_param],
                "responses": with(errors(), json!({"200": {"description": "the record; ETag header", "content": {"application/json": {"schema": item_ref}}}}))},
            "patch": {"summary": format!("Change ({})", e.en), "tags": [e.name], "parameters": [id_param, csrf, if_match],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{cap}_patch")}}}},
                "responses": with(errors(), json!({"200": {"description": "changed", "content": {"application/json": {"schema": item_ref}}},
                    "409": {"description": "stale version in the body", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "412": {"description": "stale If-Match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "428": {"description": "no version given", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}))},
            "delete": {"summary": format!("Delete ({})", e.en), "tags": [e.name], "parameters": [id_param, csrf, if_match],
                "responses": with(errors(), json!({"204": {"description": "deleted"},
                    "412": {"description": "stale If-Match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
                    "428": {"description": "no If-Match", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}))}
        }),
    );
    paths.insert(
        format!("/api/{}/{{id}}/history", e.name),
        json!({"get": {"summary": format!("History ({})", e.en), "tags": [e.name], "parameters": [id_param],
            "responses": with(errors(), json!({"200": {"description": "changes, oldest first", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
}
