//! List fields: their items as text, whatever form they were stored in.

use serde_json::Value as Json;

/// The items of a list field as JSON (an array of strings, or comma-separated text).
pub fn list_items(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Json::String(s) => Some(s.trim().to_string()),
                Json::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
            .collect(),
        Some(Json::String(s)) => s
            .split(',')
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}
