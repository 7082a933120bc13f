//! The barrier register's own checks (issue #17), called through the descriptor
//! ([`crate::entity::BARRIERS`]' [`crate::entity::Rules::check`]) on the record as it would
//! be stored. Apart from the register ([`crate::barriers`]) so the descriptor can name them
//! without the record types and the register depending on each other.
//!
//! The rules:
//!
//! * **affected pairs**: at least one, each an existing pair, none twice (the list decides who
//!   sees the barrier, so it must name real pairs exactly);
//! * **links** (each side's rule and the evidence): `http://` or `https://` with a host, no
//!   spaces or control characters, so a link shown on a page can never be `javascript:` or
//!   `data:`;
//! * **alignment** `other` needs a note saying what it is;
//! * **closing**: `aligned` or `dropped` needs the evidence in words, and `aligned` also the
//!   document or the link that proves it; closing sets `closed_on` to the platform's today
//!   (kept while it stays closed), reopening clears it;
//! * **dates**: `registered_on` is the platform's today when the barrier is registered and never
//!   changes (ages are counted from it, so no client sets it); the deadline is the owner's and
//!   may be any date.

use crate::clock;
use crate::db::{Conn, Value};
use crate::error::{FieldError, PlatformError};
use crate::lists::list_items;
use serde_json::{Map, Value as Json};

/// The statuses that close a barrier.
pub const CLOSED: &[&str] = &["aligned", "dropped"];

/// The link fields of a barrier.
pub const LINK_FIELDS: &[&str] = &["helper_rule_link", "helped_rule_link", "evidence_link"];

fn text<'a>(fields: &'a Map<String, Json>, name: &str) -> Option<&'a str> {
    fields
        .get(name)
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Whether `link` is a web address a page may link to: `http://` or `https://` (any case)
/// followed by a host, and no whitespace, control character, quote or angle bracket anywhere.
pub fn is_safe_link(link: &str) -> bool {
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host = rest
        .and_then(|r| r.split(['/', '?', '#']).next())
        .unwrap_or("");
    !host.is_empty()
        && !link.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`')
        })
}

/// The affected pairs: at least one, each existing, none twice.
fn check_pairs(
    c: &mut dyn Conn,
    fields: &Map<String, Json>,
    errors: &mut Vec<FieldError>,
) -> Result<(), PlatformError> {
    let pairs = list_items(fields.get("affected_pairs"));
    if pairs.is_empty() {
        errors.push(FieldError::new(
            "affected_pairs",
            "required",
            "affected pairs: name at least one pair (e.g. pair-xuzhou-huaibei)".into(),
            "涉及结对：至少填写一个结对编号（如 pair-xuzhou-huaibei）".into(),
        ));
    }
    for (k, id) in pairs.iter().enumerate() {
        if pairs[..k].contains(id) {
            errors.push(FieldError::new(
                "affected_pairs",
                "duplicate",
                format!("affected pairs: {id} is named twice"),
                format!("涉及结对：{id} 重复"),
            ));
        } else if c
            .query_one("SELECT id FROM pairs WHERE id = ?", &[id.clone().into()])?
            .is_none()
        {
            errors.push(FieldError::new(
                "affected_pairs",
                "not_found",
                format!("affected pairs: pair {id} does not exist"),
                format!("涉及结对：结对 {id} 不存在"),
            ));
        }
    }
    Ok(())
}

/// Each link field holds a safe web address ([`is_safe_link`]) or nothing.
fn check_links(fields: &Map<String, Json>, errors: &mut Vec<FieldError>) {
    for name in LINK_FIELDS {
        if let Some(link) = text(fields, name).filter(|l| !is_safe_link(l)) {
            errors.push(FieldError::new(
                name,
                "bad_link",
                format!("{name}: {link:?} is not a web address (write http:// or https://…)"),
                format!("{name}：{link:?} 不是网址（请填写 http:// 或 https:// 开头的链接）"),
            ));
        }
    }
}

/// Closing needs evidence; `other` needs a note.
fn check_closing(fields: &Map<String, Json>, errors: &mut Vec<FieldError>) {
    let status = text(fields, "status").unwrap_or("open");
    if CLOSED.contains(&status) && text(fields, "evidence").is_none() {
        errors.push(FieldError::new(
            "evidence",
            "evidence_required",
            format!("a barrier is closed as {status} only with evidence: say what was done"),
            "关闭壁垒（已对接或放弃）须填写佐证：说明做了什么".into(),
        ));
    }
    if status == "aligned"
        && text(fields, "evidence_document").is_none()
        && text(fields, "evidence_link").is_none()
    {
        errors.push(FieldError::new(
            "evidence_document",
            "evidence_required",
            "an aligned barrier needs the document or the link that proves the alignment".into(),
            "已对接的壁垒须填写证明对接的文件或链接".into(),
        ));
    }
    if text(fields, "alignment") == Some("other") && text(fields, "alignment_note").is_none() {
        errors.push(FieldError::new(
            "alignment_note",
            "required",
            "alignment other: say in the note how the rules are to be aligned".into(),
            "对接方式为“其他”时须在说明中写明如何对接".into(),
        ));
    }
}

/// Derives `registered_on` (today on registration, then kept) and `closed_on` (today when
/// closed, kept while closed, cleared on reopening).
fn derive_dates(fields: &mut Map<String, Json>) {
    let today = clock::today();
    let registered = text(fields, "registered_on").unwrap_or(&today).to_string();
    let closed = CLOSED.contains(&text(fields, "status").unwrap_or("open"));
    let closed_on = match text(fields, "closed_on") {
        _ if !closed => Json::Null,
        Some(d) => Json::String(d.to_string()),
        None => Json::String(today.clone()),
    };
    fields.insert("registered_on".into(), Json::String(registered));
    fields.insert("closed_on".into(), closed_on);
}

/// A barrier's check ([`crate::entity::BARRIERS`]): see the module's rules.
pub fn check_barrier(
    c: &mut dyn Conn,
    fields: &mut Map<String, Json>,
) -> Result<(), PlatformError> {
    let mut errors = Vec::new();
    check_pairs(c, fields, &mut errors)?;
    check_links(fields, &mut errors);
    check_closing(fields, &mut errors);
    derive_dates(fields);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

/// The condition that column `column`, a comma-joined list of pair ids, names `pair_id`
/// exactly: `REPLACE` of `,pair_id,` in `,list,` changes the text only if it is there. Not
/// `LIKE`, whose `%` and `_` in an id would match other ids (and which SQLite compares
/// without case); both engines' `REPLACE` is exact.
pub fn lists_pair(column: &str, pair_id: &str) -> (String, Vec<Value>) {
    let wrapped = format!("(',' || {column} || ',')");
    (
        format!("REPLACE({wrapped}, ?, '') <> {wrapped}"),
        vec![Value::Text(format!(",{pair_id},"))],
    )
}

#[cfg(test)]
mod tests {
    use super::is_safe_link;

    #[test]
    fn only_web_links_are_safe() {
        for ok in [
            "https://www.gov.cn/zhengce/2021.htm",
            "HTTP://example.org",
            "https://a.b/c?d=e#f",
        ] {
            assert!(is_safe_link(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,<script>",
            "https://",
            "http:///x",
            "//example.org",
            "https://a.b/\"onmouseover=x",
            "https://a.b/ c",
            "https://a.b/\u{7}",
            " javascript:alert(1)",
            "ftp://a.b",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }
}
