//! A wave's results from its responses: tokens issued, responses and the response rate; per
//! service area the respondents' area scores (n, mean, standard deviation) and Cronbach's
//! alpha with Feldt's interval (`tandem_core::metrics::assessment::cronbach_alpha`); per item
//! the distribution of answers; the free-text answers for those who may read them.
//!
//! A respondent's area score is the mean of the area's items they answered (at least one).
//! Alpha needs at least two items and [`MIN_ALPHA_RESPONDENTS`] respondents who answered every
//! item of the area (listwise deletion, as the core function does).
//!
//! Suppression ([`SurveyAccess::Suppressed`], researchers): an area or item answered by fewer
//! than [`MIN_CELL`] respondents shows only that it is suppressed; an item's distribution is
//! shown only when every non-empty answer category holds at least [`MIN_CELL`] answers (a
//! single small category could otherwise be recovered from the others and n).

use crate::auth::SurveyAccess;
use crate::survey::questionnaire::{Answers, Area, Item, Questionnaire, Text};
use serde::Serialize;
use tandem_core::metrics::assessment::cronbach_alpha;

/// The smallest cell shown to researchers.
pub const MIN_CELL: usize = 5;
/// Complete respondents an area needs before its alpha is computed.
pub const MIN_ALPHA_RESPONDENTS: usize = 10;
/// The level of alpha's confidence interval.
pub const ALPHA_LEVEL: f64 = 0.95;

/// Cronbach's alpha of an area.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alpha {
    /// α.
    pub alpha: f64,
    /// Feldt's interval at [`ALPHA_LEVEL`].
    pub ci_low: f64,
    /// Upper end of the interval.
    pub ci_high: f64,
    /// Respondents who answered every item of the area.
    pub respondents: usize,
}

/// One item's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemResult {
    /// The item's id.
    pub id: String,
    /// The statement.
    pub text: Text,
    /// Respondents who answered it.
    pub n: usize,
    /// Whether the figures below are withheld (fewer than [`MIN_CELL`]).
    pub suppressed: bool,
    /// Mean answer.
    pub mean: Option<f64>,
    /// Answers 1 to 5 counted, when shown.
    pub distribution: Option<[usize; 5]>,
}

/// One area's results.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AreaResult {
    /// The area's id.
    pub id: String,
    /// Its name.
    pub name: Text,
    /// Respondents with at least one answer in the area.
    pub n: usize,
    /// Whether the figures below are withheld (fewer than [`MIN_CELL`]).
    pub suppressed: bool,
    /// Mean of the area scores.
    pub mean: Option<f64>,
    /// Sample standard deviation of the area scores (n − 1; needs n ≥ 2).
    pub sd: Option<f64>,
    /// Cronbach's alpha, when the area has two items or more and enough complete respondents.
    pub alpha: Option<Alpha>,
    /// Its items.
    pub items: Vec<ItemResult>,
}

/// A free-text question's answers, sorted (not in the order they came in).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FreeTextResult {
    /// The question's id.
    pub id: String,
    /// The question.
    pub question: Text,
    /// The answers.
    pub answers: Vec<String>,
}

/// A wave's results as one user may see them.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Results {
    /// Tokens issued for the wave.
    pub tokens_issued: i64,
    /// Responses received.
    pub responses: usize,
    /// Responses per token issued; `None` before any token is issued.
    pub response_rate: Option<f64>,
    /// The smallest cell shown, when cells are suppressed for this user.
    pub suppressed_below: Option<usize>,
    /// Per service area.
    pub areas: Vec<AreaResult>,
    /// The free-text answers; `None` when this user may not read them.
    pub free_text: Option<Vec<FreeTextResult>>,
}

/// The results of `responses` to `q` with `tokens_issued` tokens, as `access` may see them
/// (never called with [`SurveyAccess::Hidden`]: the caller answers 404 first).
pub fn results(
    q: &Questionnaire,
    responses: &[Answers],
    tokens_issued: i64,
    access: SurveyAccess,
) -> Results {
    let suppress = access == SurveyAccess::Suppressed;
    let areas = q
        .areas
        .iter()
        .map(|area| area_result(area, responses, suppress))
        .collect();
    let free_text = (access == SurveyAccess::Full).then(|| {
        q.free_text
            .iter()
            .map(|f| {
                let mut answers: Vec<String> = responses
                    .iter()
                    .filter_map(|r| r.text.get(&f.id).cloned())
                    .collect();
                answers.sort();
                FreeTextResult {
                    id: f.id.clone(),
                    question: f.text.clone(),
                    answers,
                }
            })
            .collect()
    });
    Results {
        tokens_issued,
        responses: responses.len(),
        response_rate: (tokens_issued > 0).then(|| responses.len() as f64 / tokens_issued as f64),
        suppressed_below: suppress.then_some(MIN_CELL),
        areas,
        free_text,
    }
}

fn area_result(area: &Area, responses: &[Answers], suppress: bool) -> AreaResult {
    let scores: Vec<f64> = responses
        .iter()
        .filter_map(|r| {
            let answered: Vec<f64> = area
                .items
                .iter()
                .filter_map(|i| r.items.get(&i.id).map(|v| f64::from(*v)))
                .collect();
            (!answered.is_empty()).then(|| answered.iter().sum::<f64>() / answered.len() as f64)
        })
        .collect();
    let n = scores.len();
    let hidden = suppress && n < MIN_CELL;
    let (mean, sd) = if hidden {
        (None, None)
    } else {
        mean_sd(&scores)
    };
    AreaResult {
        id: area.id.clone(),
        name: area.name.clone(),
        n,
        suppressed: hidden,
        mean,
        sd,
        alpha: if hidden {
            None
        } else {
            area_alpha(area, responses)
        },
        items: area
            .items
            .iter()
            .map(|i| item_result(i, responses, suppress))
            .collect(),
    }
}

/// Mean and sample standard deviation (`None` for an empty list; the deviation needs 2).
fn mean_sd(xs: &[f64]) -> (Option<f64>, Option<f64>) {
    if xs.is_empty() {
        return (None, None);
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.len() >= 2)
        .then(|| (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt());
    (Some(mean), sd)
}

fn area_alpha(area: &Area, responses: &[Answers]) -> Option<Alpha> {
    let k = area.items.len();
    if k < 2 {
        return None;
    }
    let matrix: Vec<Option<f64>> = responses
        .iter()
        .flat_map(|r| {
            area.items
                .iter()
                .map(|i| r.items.get(&i.id).map(|v| f64::from(*v)))
        })
        .collect();
    let complete = matrix
        .chunks(k)
        .filter(|r| r.iter().all(Option::is_some))
        .count();
    if complete < MIN_ALPHA_RESPONDENTS {
        return None;
    }
    // No variation (everyone gave the same totals) has no alpha: shown as none.
    let a = cronbach_alpha(&matrix, k, ALPHA_LEVEL).ok()?;
    Some(Alpha {
        alpha: a.alpha,
        ci_low: a.ci.0,
        ci_high: a.ci.1,
        respondents: a.respondents,
    })
}

fn item_result(item: &Item, responses: &[Answers], suppress: bool) -> ItemResult {
    let mut distribution = [0usize; 5];
    for r in responses {
        if let Some(v @ 1..=5) = r.items.get(&item.id) {
            distribution[usize::from(*v - 1)] += 1;
        }
    }
    let n: usize = distribution.iter().sum();
    let hidden = suppress && n < MIN_CELL;
    let total: usize = distribution
        .iter()
        .enumerate()
        .map(|(i, c)| (i + 1) * c)
        .sum();
    let small_category = distribution.iter().any(|c| (1..MIN_CELL).contains(c));
    ItemResult {
        id: item.id.clone(),
        text: item.text.clone(),
        n,
        suppressed: hidden,
        mean: (!hidden && n > 0).then(|| total as f64 / n as f64),
        distribution: (!hidden && (!suppress || !small_category)).then_some(distribution),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::survey::questionnaire::parse;

    fn small() -> Questionnaire {
        parse(
            r#"{"title": {"zh": "测", "en": "t"},
                "areas": [
                  {"id": "a", "name": {"zh": "甲", "en": "A"}, "items": [
                    {"id": "a1", "text": {"zh": "一", "en": "one"}},
                    {"id": "a2", "text": {"zh": "二", "en": "two"}}]},
                  {"id": "b", "name": {"zh": "乙", "en": "B"}, "items": [
                    {"id": "b1", "text": {"zh": "三", "en": "three"}}]}],
                "free_text": [{"id": "c", "text": {"zh": "意见", "en": "comments"}, "max_chars": 100}]}"#,
        )
        .unwrap()
    }

    fn answers(items: &[(&str, u8)], text: &[(&str, &str)]) -> Answers {
        Answers {
            items: items.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            text: text
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// By hand: 3 responses to 4 tokens, rate 0.75. Area A scores 4.5 (5, 4), 3 (3, 3) and 4
    /// (4, a2 skipped): mean 11.5 / 3 = 3.8333…, squared deviations 0.4444 + 0.6944 + 0.0278 =
    /// 1.1667, over 2: 0.58333, sd 0.76376. Area B: 3 and 5, mean 4, sd √2. Item a1: 5, 3, 4,
    /// mean 4, one answer each of 3, 4 and 5.
    #[test]
    fn means_rate_and_distributions_by_hand() {
        let r = vec![
            answers(&[("a1", 5), ("a2", 4), ("b1", 3)], &[("c", "z: roads")]),
            answers(&[("a1", 3), ("a2", 3)], &[]),
            answers(&[("a1", 4), ("b1", 5)], &[("c", "a: power")]),
        ];
        let res = results(&small(), &r, 4, SurveyAccess::Full);
        assert_eq!(res.responses, 3);
        assert_eq!(res.response_rate, Some(0.75));
        let a = &res.areas[0];
        assert_eq!(a.n, 3);
        assert!((a.mean.unwrap() - 11.5 / 3.0).abs() < 1e-12);
        assert!((a.sd.unwrap() - 0.763_762_615_8).abs() < 1e-9);
        assert_eq!(
            a.alpha, None,
            "2 complete respondents are too few for alpha"
        );
        assert_eq!(a.items[0].mean, Some(4.0));
        assert_eq!(a.items[0].distribution, Some([0, 0, 1, 1, 1]));
        assert_eq!(a.items[1].n, 2);
        let b = &res.areas[1];
        assert_eq!((b.n, b.mean), (2, Some(4.0)));
        assert!((b.sd.unwrap() - 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(b.alpha, None, "one item has no alpha");
        // Free text sorted, not in arrival order.
        let text = res.free_text.unwrap();
        assert_eq!(text[0].answers, vec!["a: power", "z: roads"]);
        // No tokens: no rate.
        assert_eq!(
            results(&small(), &[], 0, SurveyAccess::Full).response_rate,
            None
        );
    }

    #[test]
    fn alpha_is_the_core_functions_once_enough_respondents_answered_every_item() {
        let rows: Vec<(u8, u8)> = vec![
            (1, 2),
            (2, 2),
            (3, 3),
            (4, 5),
            (5, 4),
            (2, 1),
            (3, 4),
            (4, 4),
            (5, 5),
            (1, 1),
            (3, 2),
        ];
        let mut r: Vec<Answers> = rows
            .iter()
            .map(|(x, y)| answers(&[("a1", *x), ("a2", *y)], &[]))
            .collect();
        r.push(answers(&[("a1", 5)], &[])); // incomplete: dropped from alpha only
        let res = results(&small(), &r, 20, SurveyAccess::Aggregates);
        let matrix: Vec<Option<f64>> = r
            .iter()
            .flat_map(|a| ["a1", "a2"].map(|i| a.items.get(i).map(|v| f64::from(*v))))
            .collect();
        let want = cronbach_alpha(&matrix, 2, ALPHA_LEVEL).unwrap();
        let got = res.areas[0].alpha.clone().unwrap();
        assert_eq!(
            (got.alpha, got.ci_low, got.ci_high),
            (want.alpha, want.ci.0, want.ci.1)
        );
        assert_eq!(got.respondents, 11);
        assert!(res.free_text.is_none(), "coordinators get no free text");
        // Ten complete respondents are needed: with nine, none.
        let res = results(&small(), &r[..9], 20, SurveyAccess::Full);
        assert_eq!(res.areas[0].alpha, None);
    }

    #[test]
    fn researchers_get_no_cell_under_five_and_no_free_text() {
        let mut r: Vec<Answers> = (0..6)
            .map(|i| {
                answers(
                    &[("a1", if i < 5 { 4 } else { 2 }), ("a2", 3)],
                    &[("c", "x")],
                )
            })
            .collect();
        r.push(answers(&[("b1", 5)], &[]));
        let res = results(&small(), &r, 10, SurveyAccess::Suppressed);
        assert_eq!(res.suppressed_below, Some(MIN_CELL));
        assert!(res.free_text.is_none());
        let a = &res.areas[0];
        assert!(!a.suppressed && a.mean.is_some());
        // a1: five 4s and one 2 — the single 2 is a small category: no distribution.
        assert_eq!(a.items[0].distribution, None);
        assert!(a.items[0].mean.is_some());
        // a2: six 3s — shown.
        assert_eq!(a.items[1].distribution, Some([0, 0, 6, 0, 0]));
        // Area B: one respondent — suppressed whole.
        let b = &res.areas[1];
        assert!(b.suppressed && b.mean.is_none() && b.sd.is_none());
        assert!(b.items[0].suppressed && b.items[0].mean.is_none());
        assert_eq!(b.items[0].distribution, None);
        assert_eq!(b.n, 1, "n itself is shown");
    }
}
