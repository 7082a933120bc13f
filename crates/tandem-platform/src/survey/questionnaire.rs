//! A satisfaction questionnaire as data: Likert items (1-5) grouped by service area, and
//! free-text questions, each text in Chinese and English. The shipped default
//! (`questionnaires/default.json`) covers government services and approvals, utilities,
//! logistics and transport, talent and training, finance and park management; an operator may
//! supply their own, which is checked field by field ([`parse`]) within the bounds below.

use crate::entity::{text_rule, text_rule_messages};
use crate::error::{FieldError, PlatformError};
use serde::{Deserialize, Serialize};

/// The shipped questionnaire's JSON.
pub const DEFAULT_JSON: &str = include_str!("../../questionnaires/default.json");

/// The largest questionnaire accepted, in bytes of JSON.
pub const MAX_QUESTIONNAIRE_BYTES: usize = 64 * 1024;
/// Service areas per questionnaire.
pub const MAX_AREAS: usize = 12;
/// Likert items per area.
pub const MAX_ITEMS_PER_AREA: usize = 12;
/// Likert items in all.
pub const MAX_ITEMS: usize = 60;
/// Free-text questions.
pub const MAX_FREE_TEXT: usize = 3;
/// Characters of a title, an area's name or a question.
pub const MAX_TEXT_CHARS: usize = 300;
/// The most characters a free-text answer may be allowed.
pub const MAX_ANSWER_CHARS: usize = 2000;
/// Characters of an id (ASCII lower-case letters, digits and `_`).
pub const MAX_ID_CHARS: usize = 32;

/// A text in both languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// A Likert item, answered 1 (strongly disagree) to 5 (strongly agree).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Unique within the questionnaire.
    pub id: String,
    /// The statement rated.
    pub text: Text,
}

/// A service area and its items.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Unique within the questionnaire.
    pub id: String,
    /// The area's name.
    pub name: Text,
    /// Its Likert items.
    pub items: Vec<Item>,
}

/// A free-text question.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreeText {
    /// Unique within the questionnaire.
    pub id: String,
    /// The question.
    pub text: Text,
    /// The longest answer, in characters (at most [`MAX_ANSWER_CHARS`]).
    pub max_chars: usize,
}

/// A questionnaire.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Questionnaire {
    /// Shown above the form.
    pub title: Text,
    /// Service areas with their items.
    pub areas: Vec<Area>,
    /// Free-text questions (may be none).
    #[serde(default)]
    pub free_text: Vec<FreeText>,
}

impl Questionnaire {
    /// The shipped default.
    pub fn default_questionnaire() -> Questionnaire {
        parse(DEFAULT_JSON).expect("the shipped questionnaire is valid (tested)")
    }

    /// Every item with the index of its area.
    pub fn items(&self) -> impl Iterator<Item = (usize, &Item)> {
        self.areas
            .iter()
            .enumerate()
            .flat_map(|(a, area)| area.items.iter().map(move |i| (a, i)))
    }

    /// The number of Likert items.
    pub fn item_count(&self) -> usize {
        self.areas.iter().map(|a| a.items.len()).sum()
    }
}

fn invalid(field: &str, rule: &'static str, en: String, zh: String) -> FieldError {
    FieldError::new(field, rule, en, zh)
}

/// Parses and checks a questionnaire: its size, JSON shape (unknown fields refused), counts
/// of areas, items and free-text questions, ids, and every text (length, control and
/// bidirectional control characters). Every problem is reported with the field it is in.
pub fn parse(json: &str) -> Result<Questionnaire, PlatformError> {
    if json.len() > MAX_QUESTIONNAIRE_BYTES {
        return Err(PlatformError::TooLarge(format!(
            "a questionnaire has at most {MAX_QUESTIONNAIRE_BYTES} bytes of JSON (got {})",
            json.len()
        )));
    }
    let q: Questionnaire = serde_json::from_str(json).map_err(|e| {
        PlatformError::Invalid(vec![invalid(
            "questionnaire",
            "not_a_questionnaire",
            format!("the questionnaire is not in the expected shape: {e}"),
            format!("问卷格式不符：{e}"),
        )])
    })?;
    let errors = check(&q);
    if errors.is_empty() {
        Ok(q)
    } else {
        Err(PlatformError::Invalid(errors))
    }
}

/// Every rule `q` breaks.
pub fn check(q: &Questionnaire) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check_text(&mut errors, "title", &q.title);
    check_counts(&mut errors, q);
    let mut seen = std::collections::BTreeSet::new();
    for (a, area) in q.areas.iter().enumerate() {
        let at = format!("areas[{a}]");
        check_id(&mut errors, &format!("{at}.id"), &area.id, &mut seen);
        check_text(&mut errors, &format!("{at}.name"), &area.name);
        for (i, item) in area.items.iter().enumerate() {
            let at = format!("{at}.items[{i}]");
            check_id(&mut errors, &format!("{at}.id"), &item.id, &mut seen);
            check_text(&mut errors, &format!("{at}.text"), &item.text);
        }
    }
    for (f, free) in q.free_text.iter().enumerate() {
        let at = format!("free_text[{f}]");
        check_id(&mut errors, &format!("{at}.id"), &free.id, &mut seen);
        check_text(&mut errors, &format!("{at}.text"), &free.text);
        if free.max_chars == 0 || free.max_chars > MAX_ANSWER_CHARS {
            errors.push(invalid(
                &format!("{at}.max_chars"),
                "out_of_range",
                format!("max_chars must be between 1 and {MAX_ANSWER_CHARS}"),
                format!("max_chars 必须在 1 到 {MAX_ANSWER_CHARS} 之间"),
            ));
        }
    }
    errors
}

fn check_counts(errors: &mut Vec<FieldError>, q: &Questionnaire) {
    let mut count = |field: &str, n: usize, lo: usize, hi: usize| {
        if n < lo || n > hi {
            errors.push(invalid(
                field,
                "out_of_range",
                format!("{field}: between {lo} and {hi} (got {n})"),
                format!("{field}：应为 {lo} 到 {hi} 个（实为 {n} 个）"),
            ));
        }
    };
    count("areas", q.areas.len(), 1, MAX_AREAS);
    for (a, area) in q.areas.iter().enumerate() {
        count(
            &format!("areas[{a}].items"),
            area.items.len(),
            1,
            MAX_ITEMS_PER_AREA,
        );
    }
    count("items", q.item_count(), 1, MAX_ITEMS);
    count("free_text", q.free_text.len(), 0, MAX_FREE_TEXT);
}

fn check_id(
    errors: &mut Vec<FieldError>,
    field: &str,
    id: &str,
    seen: &mut std::collections::BTreeSet<String>,
) {
    let well_formed = !id.is_empty()
        && id.len() <= MAX_ID_CHARS
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !well_formed {
        errors.push(invalid(
            field,
            "bad_id",
            format!("{field}: 1-{MAX_ID_CHARS} lower-case letters, digits or '_' (got {id:?})"),
            format!("{field}：应为 1-{MAX_ID_CHARS} 个小写字母、数字或下划线"),
        ));
    } else if !seen.insert(id.to_string()) {
        errors.push(invalid(
            field,
            "duplicate_id",
            format!("{field}: the id {id:?} is used twice"),
            format!("{field}：编号 {id:?} 重复"),
        ));
    }
}

fn check_text(errors: &mut Vec<FieldError>, field: &str, text: &Text) {
    for (lang, value) in [("zh", &text.zh), ("en", &text.en)] {
        let field = format!("{field}.{lang}");
        let chars = value.trim().chars().count();
        if chars == 0 || chars > MAX_TEXT_CHARS {
            errors.push(invalid(
                &field,
                if chars == 0 { "required" } else { "too_long" },
                format!("{field}: 1 to {MAX_TEXT_CHARS} characters (got {chars})"),
                format!("{field}：应为 1 到 {MAX_TEXT_CHARS} 个字符（实为 {chars} 个）"),
            ));
        }
        if let Some(rule) = text_rule(value, true) {
            let (en, zh) = text_rule_messages(rule, &field, &field);
            errors.push(invalid(&field, rule, en, zh));
        }
    }
}

/// One respondent's answers: Likert items by id (1-5; a skipped item is absent) and free-text
/// answers by question id (an empty answer is absent). Stored as JSON in the response row.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Answers {
    /// Likert answers, 1 to 5.
    pub items: std::collections::BTreeMap<String, u8>,
    /// Free-text answers.
    #[serde(default)]
    pub text: std::collections::BTreeMap<String, String>,
}

/// The form field of a Likert item.
pub fn item_field(id: &str) -> String {
    format!("q_{id}")
}

/// The form field of a free-text question.
pub fn text_field(id: &str) -> String {
    format!("t_{id}")
}

/// Checks a posted form against `q`: every field is an item (`q_ID`, a whole number 1-5, or
/// empty for a skipped item) or a free-text question (`t_ID`, at most its `max_chars`, no
/// control characters but line breaks and tabs, no bidirectional controls), or `lang`; no
/// field twice; at least one answer. Every problem is reported.
pub fn check_answers(
    q: &Questionnaire,
    form: &[(String, String)],
) -> Result<Answers, Vec<FieldError>> {
    let mut answers = Answers::default();
    let mut errors = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, value) in form {
        if name == "lang" {
            continue;
        }
        if !seen.insert(name.as_str()) {
            errors.push(invalid(
                name,
                "duplicate_field",
                format!("{name} is given twice"),
                format!("{name} 重复提交"),
            ));
            continue;
        }
        if let Some(id) = name
            .strip_prefix("q_")
            .filter(|id| q.items().any(|(_, i)| i.id == *id))
        {
            match check_likert(name, value) {
                Ok(Some(v)) => {
                    answers.items.insert(id.to_string(), v);
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        } else if let Some(free) = name
            .strip_prefix("t_")
            .and_then(|id| q.free_text.iter().find(|f| f.id == id))
        {
            match check_free_text(name, value, free.max_chars) {
                Ok(Some(v)) => {
                    answers.text.insert(free.id.clone(), v);
                }
                Ok(None) => {}
                Err(e) => errors.push(e),
            }
        } else {
            errors.push(invalid(
                name,
                "unknown_field",
                format!("{name} is not a question of this survey"),
                format!("{name} 不是本问卷的题目"),
            ));
        }
    }
    if errors.is_empty() && answers.items.is_empty() && answers.text.is_empty() {
        errors.push(invalid(
            "answers",
            "required",
            "answer at least one question".into(),
            "请至少回答一题".into(),
        ));
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

fn check_likert(field: &str, value: &str) -> Result<Option<u8>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    match value.parse::<u8>() {
        Ok(v @ 1..=5) => Ok(Some(v)),
        _ => Err(invalid(
            field,
            "out_of_range",
            format!("{field}: an answer is a whole number from 1 to 5"),
            format!("{field}：答案应为 1 到 5 的整数"),
        )),
    }
}

fn check_free_text(
    field: &str,
    value: &str,
    max_chars: usize,
) -> Result<Option<String>, FieldError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    let chars = value.chars().count();
    if chars > max_chars {
        return Err(invalid(
            field,
            "too_long",
            format!("{field}: at most {max_chars} characters (got {chars})"),
            format!("{field}：最多 {max_chars} 个字符（实为 {chars} 个）"),
        ));
    }
    if let Some(rule) = text_rule(value, false) {
        let (en, zh) = text_rule_messages(rule, field, field);
        return Err(invalid(field, rule, en, zh));
    }
    Ok(Some(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(json: &str) -> Vec<(String, &'static str)> {
        match parse(json) {
            Err(PlatformError::Invalid(e)) => e.into_iter().map(|e| (e.field, e.rule)).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn answers_are_checked_one_field_at_a_time() {
        let q = Questionnaire::default_questionnaire();
        let ok = check_answers(
            &q,
            &form(&[
                ("q_gov_speed", "5"),
                ("q_util_power", ""),
                ("t_other", " fine\nthanks "),
                ("lang", "en"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.items.len(), 1);
        assert_eq!(ok.items["gov_speed"], 5);
        assert_eq!(ok.text["other"], "fine\nthanks");
        let bad = check_answers(
            &q,
            &form(&[
                ("q_gov_speed", "6"),
                ("q_util_power", "0"),
                ("q_log_cost", "2.5"),
                ("q_nope", "3"),
                ("t_other", "\u{2066}x"),
                ("t_most_needed", &"长".repeat(1001)),
                ("q_fin_credit", "3"),
                ("q_fin_credit", "4"),
            ]),
        )
        .unwrap_err();
        let got: Vec<(&str, &str)> = bad.iter().map(|e| (e.field.as_str(), e.rule)).collect();
        assert_eq!(
            got,
            vec![
                ("q_gov_speed", "out_of_range"),
                ("q_util_power", "out_of_range"),
                ("q_log_cost", "out_of_range"),
                ("q_nope", "unknown_field"),
                ("t_other", "bidi_control"),
                ("t_most_needed", "too_long"),
                ("q_fin_credit", "duplicate_field"),
            ]
        );
        let empty = check_answers(&q, &form(&[("q_gov_speed", " ")])).unwrap_err();
        assert_eq!(empty[0].rule, "required");
    }

    #[test]
    fn the_shipped_questionnaire_is_valid_and_covers_six_areas() {
        let q = Questionnaire::default_questionnaire();
        assert_eq!(q.areas.len(), 6);
        assert_eq!(q.item_count(), 17);
        assert_eq!(q.free_text.len(), 2);
        assert!(q.areas.iter().all(|a| !a.name.zh.is_empty()));
    }

    #[test]
    fn each_rule_names_its_field() {
        let mut q = Questionnaire::default_questionnaire();
        q.areas[0].items[1].id = "gov_speed".into();
        q.areas[1].name.en = "Utilities\u{202E}".into();
        q.areas[2].items[0].text.zh = "a\nb".into();
        q.areas[3].name.zh = " ".into();
        q.areas[4].id = "Finance!".into();
        q.free_text[0].max_chars = MAX_ANSWER_CHARS + 1;
        q.title.en = "x".repeat(MAX_TEXT_CHARS + 1);
        let got = rules(&serde_json::to_string(&q).unwrap());
        let want = [
            ("title.en", "too_long"),
            ("areas[0].items[1].id", "duplicate_id"),
            ("areas[1].name.en", "bidi_control"),
            ("areas[2].items[0].text.zh", "control_character"),
            ("areas[3].name.zh", "required"),
            ("areas[4].id", "bad_id"),
            ("free_text[0].max_chars", "out_of_range"),
        ];
        for (field, rule) in want {
            assert!(
                got.iter().any(|(f, r)| f == field && *r == rule),
                "{field} {rule} missing from {got:?}"
            );
        }
        assert_eq!(got.len(), want.len(), "{got:?}");
    }

    #[test]
    fn counts_size_and_shape_are_bounded() {
        let mut q = Questionnaire::default_questionnaire();
        q.areas.clear();
        assert!(rules(&serde_json::to_string(&q).unwrap())
            .contains(&("areas".to_string(), "out_of_range")));
        let mut q = Questionnaire::default_questionnaire();
        let item = q.areas[0].items[0].clone();
        q.areas[0].items = (0..=MAX_ITEMS_PER_AREA)
            .map(|i| Item {
                id: format!("x{i}"),
                ..item.clone()
            })
            .collect();
        assert!(rules(&serde_json::to_string(&q).unwrap())
            .contains(&("areas[0].items".to_string(), "out_of_range")));
        let mut q = Questionnaire::default_questionnaire();
        q.free_text = (0..=MAX_FREE_TEXT)
            .map(|i| FreeText {
                id: format!("t{i}"),
                ..q.free_text[0].clone()
            })
            .collect();
        assert!(rules(&serde_json::to_string(&q).unwrap())
            .contains(&("free_text".to_string(), "out_of_range")));
        // Unknown fields and other shapes are refused, not ignored.
        assert_eq!(
            rules(r#"{"title": {"zh": "a", "en": "b"}, "areas": [], "extra": 1}"#),
            vec![("questionnaire".to_string(), "not_a_questionnaire")]
        );
        let big = format!("{{\"title\": \"{}\"}}", "x".repeat(MAX_QUESTIONNAIRE_BYTES));
        assert!(matches!(parse(&big), Err(PlatformError::TooLarge(_))));
    }
}
