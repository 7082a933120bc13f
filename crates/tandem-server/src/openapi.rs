//! The OpenAPI 3.0 document of the JSON API, generated from the record descriptors so it
//! cannot drift from what the server accepts.

use serde_json::{json, Map, Value};
use tandem_platform::entity::{Entity, IdKind, Kind, ENTITIES, STAGES};

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

fn errors() -> Value {
    json!({
        "400": {"description": "malformed request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "401": {"description": "not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "not allowed, or missing CSRF token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "no such record (or not visible to you)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "422": {"description": "invalid fields, each named with its rule", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

/// The answer to an upload over a limit of the file or of the workbook in it.
fn too_large() -> Value {
    json!({"description": "the file is over a limit (bytes, decompressed bytes, rows, columns, cells…); the message names the limit and its value", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The answer to a creation over the user's creation budget (`tandem_platform::limits`).
fn over_budget() -> Value {
    json!({"description": "over your creation budget (records per day, per user); Retry-After says in how many seconds the request would fit", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(x)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The CSRF header every change sent with the session cookie carries.
fn csrf() -> Value {
    json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"},
        "description": "the csrf_token returned by POST /api/login"})
}

/// The optional `If-Match` header of changes to one record.
fn if_match() -> Value {
    json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
        "description": "the ETag of the version edited; a stale one gives 412"})
}

/// The shared error schema.
fn error_schema() -> Value {
    json!({"type": "object", "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "rule": {"type": "string"},
            "message": {"type": "string"}, "message_zh": {"type": "string"}}}}}})
}

/// The paths and schemas of one record type, all driven by its descriptor: list and create,
/// one record (read, change, delete) and its history.
fn record_paths(e: &Entity, paths: &mut Map<String, Value>, components: &mut Map<String, Value>) {
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

/// The document served at `/api/openapi.json`.
pub fn document() -> Value {
    let mut paths = Map::new();
    let mut components = Map::new();
    components.insert("Error".into(), error_schema());
    for e in ENTITIES {
        record_paths(e, &mut paths, &mut components);
    }
    project_paths(&mut paths);
    session_paths(&mut paths);
    dashboard_paths(&mut paths);
    sheet_paths(&mut paths);
    ledger_paths(&mut paths);
    paths.extend(crate::features::docking::openapi_paths());
    paths.extend(crate::features::accounts::openapi_paths());
    json!({
        "openapi": "3.0.3",
        "info": {"title": "tandem platform API", "version": env!("CARGO_PKG_VERSION"),
            "description": "Records of a city-pairing cooperation programme. Sign in with POST /api/login; send the session cookie and, on changes, the X-CSRF-Token header. Changes carry the version edited (If-Match or a version field)."},
        "components": {"schemas": components, "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "tandem_session"}}},
        "security": [{"session": []}],
        "paths": paths,
    })
}

/// A project's lifecycle.
fn project_paths(paths: &mut Map<String, Value>) {
    let (csrf, if_match) = (csrf(), if_match());
    paths.insert(
        "/api/projects/{id}/stages".into(),
        json!({
            "get": {"summary": "Lifecycle of a project", "tags": ["projects"],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
                "responses": with(errors(), json!({"200": {"description": "stages", "content": {"application/json": {"schema": {"type": "object"}}}}}))},
            "post": {"summary": "Advance a project to its next stage", "tags": ["projects"],
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}, csrf, if_match],
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object",
                    "required": ["stage", "date", "evidence"], "properties": {
                    "stage": {"type": "string", "enum": STAGES}, "date": {"type": "string", "format": "date"},
                    "evidence": {"type": "string", "maxLength": 2000}, "version": {"type": "integer"}}}}}},
                "responses": with(errors(), json!({"200": {"description": "the project at its new stage", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/projects"}}}}}))}
        }),
    );
}

/// Signing in and out, and who is signed in.
fn session_paths(paths: &mut Map<String, Value>) {
    let csrf = csrf();
    paths.insert(
        "/api/login".into(),
        json!({"post": {"summary": "Sign in (sets the session cookie; returns the CSRF token)", "tags": ["session"],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": with(errors(), json!({"200": {"description": "signed in", "content": {"application/json": {"schema": {"type": "object"}}}},
                "429": {"description": "too many failed attempts", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}))}}),
    );
    paths.insert("/api/logout".into(), json!({"post": {"summary": "Sign out", "tags": ["session"], "parameters": [csrf], "responses": with(errors(), json!({"204": {"description": "signed out"}}))}}));
    paths.insert("/api/me".into(), json!({"get": {"summary": "The signed-in user", "tags": ["session"], "responses": with(errors(), json!({"200": {"description": "the user", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}));
}

/// The dashboard figures.
fn dashboard_paths(paths: &mut Map<String, Value>) {
    paths.insert("/api/dashboard".into(), json!({"get": {"summary": "Programme dashboard figures (limited to what you may read)", "tags": ["dashboard"], "responses": with(errors(), json!({"200": {"description": "figures", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}));
}

/// Excel in and out.
fn sheet_paths(paths: &mut Map<String, Value>) {
    let csrf = csrf();
    paths.insert(
        "/api/sheets/{entity}".into(),
        json!({
            "get": {"summary": "Export projects or tasks as XLSX (the import template)", "tags": ["sheets"],
                "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": ["projects", "tasks"]}}],
                "responses": with(errors(), json!({"200": {"description": "workbook", "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}}}))},
            "post": {"summary": "Import projects or tasks from XLSX, all or nothing", "tags": ["sheets"],
                "parameters": [{"name": "entity", "in": "path", "required": true, "schema": {"type": "string", "enum": ["projects", "tasks"]}}, csrf],
                "requestBody": {"required": true, "content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
                "responses": with(errors(), json!({"200": {"description": "counts", "content": {"application/json": {"schema": {"type": "object"}}}}, "413": too_large(), "429": over_budget()}))}
        }),
    );
}

/// A park's benefit-sharing ledger, and the chain's verification.
fn ledger_paths(paths: &mut Map<String, Value>) {
    let csrf = csrf();
    let park_param =
        json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}});
    paths.insert(
        "/api/parks/{id}/ledger".into(),
        json!({"get": {"summary": "A park's benefit-sharing agreements and ledger entries (assessment figures)", "tags": ["ledger"],
            "parameters": [park_param],
            "responses": with(errors(), json!({"200": {"description": "agreements and entries", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/parks/{id}/agreements".into(),
        json!({"post": {"summary": "Record an agreement or a new version (TOML or JSON text)", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"text/plain": {"schema": {"type": "string"}}}},
            "responses": with(errors(), json!({"201": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/parks/{id}/revenues".into(),
        json!({"post": {"summary": "Record revenues (CSV or XLSX: enterprise_id, park_id, industry, recommended_by, period, revenue_type, amount), all or nothing", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"text/csv": {"schema": {"type": "string"}}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": with(errors(), json!({"201": {"description": "recorded", "content": {"application/json": {"schema": {"type": "object"}}}}, "413": too_large()}))}}),
    );
    paths.insert(
        "/api/parks/{id}/settle".into(),
        json!({"post": {"summary": "Settle a period range; idempotent; differing figures only as corrections when allowed", "tags": ["ledger"],
            "parameters": [park_param, csrf],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["from", "to"],
                "properties": {"from": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "to": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}, "allow_corrections": {"type": "boolean"}}}}}},
            "responses": with(errors(), json!({"200": {"description": "appended, unchanged, corrections, head", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
    paths.insert(
        "/api/ledger/verify".into(),
        json!({"get": {"summary": "Verify the whole hash chain", "tags": ["ledger"],
            "responses": with(errors(), json!({"200": {"description": "the chain verifies", "content": {"application/json": {"schema": {"type": "object"}}}},
                "409": {"description": "the first bad entry", "content": {"application/json": {"schema": {"type": "object"}}}}}))}}),
    );
}

/// `GET /api/openapi.json`: the document, cacheable for a minute.
pub async fn handler() -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let mut r = axum::Json(document()).into_response();
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=60"),
    );
    r
}
