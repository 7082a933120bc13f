//! The pieces every feature's OpenAPI fragment shares: the error answers, the CSRF and
//! If-Match headers, and the error schema. The document itself is composed in `crate::openapi`.

use serde_json::{json, Value};

pub(crate) fn errors() -> Value {
    json!({
        "400": {"description": "malformed request", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "401": {"description": "not signed in", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "403": {"description": "not allowed, or missing CSRF token", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "404": {"description": "no such record (or not visible to you)", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        "422": {"description": "invalid fields, each named with its rule", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    })
}

/// The answer to an upload over a limit of the file or of the workbook in it.
pub(crate) fn too_large() -> Value {
    json!({"description": "the file is over a limit (bytes, decompressed bytes, rows, columns, cells…); the message names the limit and its value", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

/// The answer to a creation over the user's creation budget (`tandem_platform::limits`).
pub(crate) fn over_budget() -> Value {
    json!({"description": "over your creation budget (records per day, per user); Retry-After says in how many seconds the request would fit", "headers": {"Retry-After": {"schema": {"type": "integer"}}}, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

pub(crate) fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(x)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in x {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

/// The CSRF header every change sent with the session cookie carries.
pub(crate) fn csrf() -> Value {
    json!({"name": "X-CSRF-Token", "in": "header", "required": true, "schema": {"type": "string"},
        "description": "the csrf_token returned by POST /api/login"})
}

/// The optional `If-Match` header of changes to one record.
pub(crate) fn if_match() -> Value {
    json!({"name": "If-Match", "in": "header", "required": false, "schema": {"type": "string"},
        "description": "the ETag of the version edited; a stale one gives 412"})
}

/// The shared error schema.
pub(crate) fn error_schema() -> Value {
    json!({"type": "object", "properties": {
        "error": {"type": "string"}, "message": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object", "properties": {
            "field": {"type": "string"}, "rule": {"type": "string"},
            "message": {"type": "string"}, "message_zh": {"type": "string"}}}}}})
}
