//! The research's three problem types, each detected by an explicit rule over the pair's
//! events (cooperation_events.csv: kind, date, title, summary).
//!
//! Only the pair's own events count (programme-wide ones are the same for every pair). With
//! `n` the number of pair events and `f = min(1, n / (2 · min_events))` the data-sufficiency
//! factor, every rule returns `InsufficientData` with confidence 0 when `n < min_events`.
//!
//! | problem | rule | detected when | confidence |
//! |---|---|---|---|
//! | (1) facilities and services lag | each dated park event at least `park_follow_up_months` before the data horizon (the latest dated event of any pair) is *judged*; it is *followed up* when another pair event dated from its date to `park_follow_up_months` later is a project or enterprise transfer, or reports projects landing or production ([`FOLLOW_UP_TERMS`]); any pair event mentioning lagging facilities or services ([`LAG_TERMS`]) is direct evidence | share of judged parks not followed up ≥ 0.5, or a lag mention | `f · min(1, judged/2) · (0.5 + 0.5·u)` with u the unfollowed share (or 1 − u when not detected); no judged park and no lag mention: not enough data |
//! | (2) no benefit-sharing mechanism | search titles and summaries for a mechanism ([`MECHANISM_TERMS`]: 利益共享, 分成, 成本共担, benefit sharing, tax split...); activity asymmetry = ratio of events naming the helper to events naming the helped side, outside `[1/asymmetry_ratio, asymmetry_ratio]` | no event mentions a mechanism | detected: `f · 0.5`, `f · 0.75` with asymmetric activity (silence in a few news items is weak evidence); not detected: `f · min(1, 0.6 + 0.2 · mentions)` |
//! | (3) government-driven, weak market force | government-led = policy, agreement, park; market-led = project, enterprise transfer; `s = gov / (gov + market)` (other events left out); enterprise-led signal = any enterprise-transfer event | `s ≥ government_share` and no enterprise-led signal | `f · (0.5 + 0.5 · |s − t| / max(t, 1 − t))`, t the threshold; a high share overruled by an enterprise signal: `f · 0.5`; no government or market event: not enough data |
//!
//! These are screening rules over what the news record shows, not audits: the evidence list
//! names every event that triggered them, so a user can check and overrule them.

use super::types::*;
use super::weights::ProblemParams;
use crate::{CooperationEvent, EventKind, PartialDate};

/// Phrases that show a benefit-sharing or interest-coordination mechanism (lower-cased match).
pub const MECHANISM_TERMS: &[&str] = &[
    "利益共享",
    "利益分成",
    "收益共享",
    "财税分成",
    "分成",
    "成本共担",
    "利益协调",
    "benefit sharing",
    "benefit-sharing",
    "revenue sharing",
    "revenue-sharing",
    "cost-sharing",
    "cost sharing",
    "tax split",
    "% of tax",
    "share of tax",
];

/// Phrases that show a park's facilities or services lag (lower-cased match).
pub const LAG_TERMS: &[&str] = &[
    "配套不足",
    "配套滞后",
    "配套不完善",
    "服务滞后",
    "基础设施滞后",
    "supporting facilities lag",
    "services lag",
    "lagging services",
    "lack of supporting",
    "inadequate facilities",
];

/// Phrases that show a park producing or receiving projects (lower-cased match).
pub const FOLLOW_UP_TERMS: &[&str] = &[
    "投产",
    "落地",
    "签约项目",
    "in production",
    "projects signed",
    "signed 50 projects",
    "projects worth",
    "projects totalling",
    "project signed",
    "firms settled",
    "landed",
];

fn text_of(e: &CooperationEvent) -> String {
    format!("{} {}", e.title, e.summary).to_lowercase()
}

fn mentions(e: &CooperationEvent, terms: &[&str]) -> Vec<String> {
    let t = text_of(e);
    terms
        .iter()
        .filter(|k| t.contains(&k.to_lowercase()))
        .map(|k| k.to_string())
        .collect()
}

fn event_ref(e: &CooperationEvent) -> EventRef {
    EventRef {
        date: e.date,
        kind: e.kind,
        title: e.title.clone(),
        source: e.source.clone(),
    }
}

fn event_evidence(e: &CooperationEvent, zh: String, en: String) -> Evidence {
    Evidence {
        text: Text::new(zh, en),
        event: Some(event_ref(e)),
        figure: None,
    }
}

fn date_text(d: Option<PartialDate>) -> String {
    d.map_or("undated".to_string(), |d| d.to_string())
}

/// A month index for comparing partial dates: a year-only date is its January, a month-only
/// date its month (the earliest reading, so a follow-up is never placed before its park).
fn month_index(d: PartialDate) -> i64 {
    d.year as i64 * 12 + d.month.map_or(0, |m| m as i64 - 1)
}

fn sufficiency(n: usize, p: &ProblemParams) -> f64 {
    (n as f64 / (2.0 * p.min_events.max(1) as f64)).min(1.0)
}

fn insufficient(problem: ProblemKind, rule: Text, why: Text) -> ProblemFinding {
    ProblemFinding {
        problem,
        title: title(problem),
        verdict: Verdict::InsufficientData,
        confidence: 0.0,
        rule,
        explanation: why,
        evidence: Vec::new(),
    }
}

fn too_few(problem: ProblemKind, rule: Text, n: usize, p: &ProblemParams) -> ProblemFinding {
    insufficient(
        problem,
        rule,
        Text::new(
            format!(
                "数据不足：本结对只有{n}条合作事件记录（至少需要{}条）。",
                p.min_events
            ),
            format!(
                "Not enough data to tell: the pair has {n} recorded events (at least {} needed).",
                p.min_events
            ),
        ),
    )
}

/// The bilingual title of a problem type.
pub fn title(problem: ProblemKind) -> Text {
    match problem {
        ProblemKind::FacilitiesLag => {
            Text::new("园区配套与服务滞后", "Park facilities and services lag")
        }
        ProblemKind::NoBenefitSharing => Text::new(
            "缺乏利益共享与协调机制（一头热一头冷）",
            "No benefit-sharing or interest-coordination mechanism (one side keen, the other cold)",
        ),
        ProblemKind::GovernmentDriven => Text::new(
            "政府推动为主、市场动力不足",
            "Government-driven with weak market force",
        ),
    }
}

/// Rule (1): facilities and services lag (module table). `horizon` is the latest dated event
/// of the whole data set.
pub fn facilities_lag(
    pair_events: &[&CooperationEvent],
    horizon: Option<PartialDate>,
    p: &ProblemParams,
) -> ProblemFinding {
    let kind = ProblemKind::FacilitiesLag;
    let w = p.park_follow_up_months;
    let rule = Text::new(
        format!("园区事件后{w}个月内无项目、企业转移或投产/落地信息视为未跟进；未跟进园区占可判断园区 ≥ 50% 或有配套/服务滞后的表述即判定存在。"),
        format!("A park event not followed within {w} months by a project, enterprise transfer or a report of projects landing/production is unfollowed; detected when ≥ 50% of judgeable parks are unfollowed or an event reports lagging facilities/services."),
    );
    let n = pair_events.len();
    if n < p.min_events {
        return too_few(kind, rule, n, p);
    }
    let mut evidence = Vec::new();
    let lag: Vec<&&CooperationEvent> = pair_events
        .iter()
        .filter(|e| !mentions(e, LAG_TERMS).is_empty())
        .collect();
    for e in &lag {
        let terms = mentions(e, LAG_TERMS).join(", ");
        evidence.push(event_evidence(
            e,
            format!("{}：{}（提及：{terms}）", date_text(e.date), e.title),
            format!("{}: {} (mentions: {terms})", date_text(e.date), e.title),
        ));
    }
    let horizon_idx = horizon.map(month_index);
    let mut judged = 0usize;
    let mut unfollowed = 0usize;
    let mut too_recent = 0usize;
    let mut undated = 0usize;
    for park in pair_events.iter().filter(|e| e.kind == EventKind::Park) {
        let Some(d) = park.date else {
            undated += 1;
            continue;
        };
        let start = month_index(d);
        let end = start + w as i64;
        if horizon_idx.is_none_or(|h| h < end) {
            too_recent += 1;
            continue;
        }
        judged += 1;
        let follow = pair_events.iter().find(|f| {
            !std::ptr::eq(**f, *park)
                && f.date
                    .is_some_and(|fd| (start..=end).contains(&month_index(fd)))
                && (matches!(f.kind, EventKind::Project | EventKind::EnterpriseTransfer)
                    || !mentions(f, FOLLOW_UP_TERMS).is_empty())
        });
        match follow {
            Some(f) => evidence.push(event_evidence(
                park,
                format!(
                    "{} 园区：{}；{}个月内有跟进：{}（{}）",
                    d,
                    park.title,
                    w,
                    f.title,
                    date_text(f.date)
                ),
                format!(
                    "{} park: {}; followed within {} months by: {} ({})",
                    d,
                    park.title,
                    w,
                    f.title,
                    date_text(f.date)
                ),
            )),
            None => {
                unfollowed += 1;
                evidence.push(event_evidence(
                    park,
                    format!("{} 园区：{}；{}个月内无项目/投产记录", d, park.title, w),
                    format!(
                        "{} park: {}; no project or production on record within {} months",
                        d, park.title, w
                    ),
                ));
            }
        }
    }
    if judged == 0 && lag.is_empty() {
        return insufficient(
            kind,
            rule,
            Text::new(
                format!("数据不足：没有可判断的园区事件（无日期{undated}个，距数据截止不足{w}个月{too_recent}个）。"),
                format!("Not enough data to tell: no park event can be judged ({undated} undated, {too_recent} less than {w} months before the data horizon)."),
            ),
        );
    }
    let f = sufficiency(n, p);
    let u = if judged > 0 {
        unfollowed as f64 / judged as f64
    } else {
        0.0
    };
    let g = if judged > 0 {
        (judged as f64 / 2.0).min(1.0)
    } else {
        0.5
    };
    let detected = !lag.is_empty() || (judged > 0 && u >= 0.5);
    let parks_unfollowed = judged > 0 && u >= 0.5;
    let confidence = if !lag.is_empty() && !parks_unfollowed {
        f * 0.6
    } else if detected {
        f * g * (0.5 + 0.5 * u)
    } else {
        f * g * (0.5 + 0.5 * (1.0 - u))
    };
    ProblemFinding {
        problem: kind,
        title: title(kind),
        verdict: if detected { Verdict::Detected } else { Verdict::NotDetected },
        confidence: confidence.clamp(0.0, 1.0),
        rule,
        explanation: Text::new(
            format!("可判断园区{judged}个，其中{unfollowed}个未见跟进；配套/服务滞后表述{}条。", lag.len()),
            format!("{judged} judgeable park events, {unfollowed} without follow-up; {} mentions of lagging facilities/services.", lag.len()),
        ),
        evidence,
    }
}

/// Rule (2): no benefit-sharing mechanism (module table). `helper_names` / `helped_names`
/// are the names a text may use for each side (short Chinese and English names).
pub fn no_benefit_sharing(
    pair_events: &[&CooperationEvent],
    helper_names: &[&str],
    helped_names: &[&str],
    p: &ProblemParams,
) -> ProblemFinding {
    let kind = ProblemKind::NoBenefitSharing;
    let rule = Text::new(
        format!("没有任何事件提及利益共享/分成/成本共担等机制即判定存在；提及支援方与受援方的事件数之比超出 [1/{r}, {r}] 视为一头热一头冷，提高置信度。", r = p.asymmetry_ratio),
        format!("Detected when no event mentions a benefit-sharing, revenue-split or cost-sharing mechanism; a ratio of events naming the helper to events naming the helped side outside [1/{r}, {r}] counts as one side keen and the other cold and raises the confidence.", r = p.asymmetry_ratio),
    );
    let n = pair_events.len();
    if n < p.min_events {
        return too_few(kind, rule, n, p);
    }
    let names = |e: &CooperationEvent, list: &[&str]| {
        let t = text_of(e);
        list.iter()
            .any(|name| !name.is_empty() && t.contains(&name.to_lowercase()))
    };
    let by_helper = pair_events
        .iter()
        .filter(|e| names(e, helper_names))
        .count();
    let by_helped = pair_events
        .iter()
        .filter(|e| names(e, helped_names))
        .count();
    let ratio = (by_helper.max(1) as f64) / (by_helped.max(1) as f64);
    let asymmetric = (by_helper > 0 || by_helped > 0)
        && (ratio > p.asymmetry_ratio || ratio < 1.0 / p.asymmetry_ratio);
    let mut evidence = Vec::new();
    let mut mechanism = 0usize;
    for e in pair_events {
        let m = mentions(e, MECHANISM_TERMS);
        if !m.is_empty() {
            mechanism += 1;
            let terms = m.join(", ");
            evidence.push(event_evidence(
                e,
                format!("{}：{}（提及：{terms}）", date_text(e.date), e.title),
                format!("{}: {} (mentions: {terms})", date_text(e.date), e.title),
            ));
        }
    }
    evidence.push(Evidence {
        text: Text::new(
            format!(
                "{n}条事件中提及支援方{by_helper}条、受援方{by_helped}条{}",
                if asymmetric { "（不对称）" } else { "" }
            ),
            format!(
                "Of {n} events, {by_helper} name the helper and {by_helped} the helped side{}",
                if asymmetric { " (asymmetric)" } else { "" }
            ),
        ),
        event: None,
        figure: None,
    });
    let f = sufficiency(n, p);
    let (verdict, confidence, zh, en) = if mechanism == 0 {
        (
            Verdict::Detected,
            f * if asymmetric { 0.75 } else { 0.5 },
            format!(
                "{n}条事件均未提及利益共享或分成机制{}。",
                if asymmetric {
                    "，且双方活动不对称"
                } else {
                    ""
                }
            ),
            format!(
                "None of {n} events mentions a benefit-sharing or revenue-split mechanism{}.",
                if asymmetric {
                    ", and activity is asymmetric"
                } else {
                    ""
                }
            ),
        )
    } else {
        (
            Verdict::NotDetected,
            f * (0.6 + 0.2 * mechanism as f64).min(1.0),
            format!("{mechanism}条事件提及利益共享/分成机制。"),
            format!("{mechanism} events mention a benefit-sharing or revenue-split mechanism."),
        )
    };
    ProblemFinding {
        problem: kind,
        title: title(kind),
        verdict,
        confidence: confidence.clamp(0.0, 1.0),
        rule,
        explanation: Text::new(zh, en),
        evidence,
    }
}

/// Rule (3): government-driven with weak market force (module table).
pub fn government_driven(pair_events: &[&CooperationEvent], p: &ProblemParams) -> ProblemFinding {
    let kind = ProblemKind::GovernmentDriven;
    let t = p.government_share;
    let rule = Text::new(
        format!("政府主导事件（政策、协议、园区）占政府与市场事件（项目、企业转移）之和的比重 ≥ {t}，且没有企业转移等企业主导信号，即判定存在。"),
        format!("Detected when government-led events (policy, agreement, park) make up ≥ {t} of government plus market-led events (project, enterprise transfer) and no enterprise-led signal (an enterprise transfer) exists."),
    );
    let n = pair_events.len();
    if n < p.min_events {
        return too_few(kind, rule, n, p);
    }
    let gov: Vec<&&CooperationEvent> = pair_events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Policy | EventKind::Agreement | EventKind::Park
            )
        })
        .collect();
    let market: Vec<&&CooperationEvent> = pair_events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Project | EventKind::EnterpriseTransfer))
        .collect();
    if gov.len() + market.len() == 0 {
        return insufficient(
            kind,
            rule,
            Text::new("数据不足：没有政策、协议、园区、项目或企业转移事件。", "Not enough data to tell: no policy, agreement, park, project or enterprise-transfer event."),
        );
    }
    let s = gov.len() as f64 / (gov.len() + market.len()) as f64;
    let enterprise: Vec<&&CooperationEvent> = market
        .iter()
        .copied()
        .filter(|e| e.kind == EventKind::EnterpriseTransfer)
        .collect();
    let mut evidence = vec![Evidence {
        text: Text::new(
            format!(
                "政府主导事件{}条，市场主导事件{}条，政府占比 {:.2}",
                gov.len(),
                market.len(),
                s
            ),
            format!(
                "{} government-led and {} market-led events: government share {:.2}",
                gov.len(),
                market.len(),
                s
            ),
        ),
        event: None,
        figure: None,
    }];
    for e in &market {
        evidence.push(event_evidence(
            e,
            format!("市场主导：{} {}", date_text(e.date), e.title),
            format!("market-led: {} {}", date_text(e.date), e.title),
        ));
    }
    let f = sufficiency(n, p);
    let margin = 0.5 + 0.5 * (s - t).abs() / t.max(1.0 - t).max(f64::EPSILON);
    let (verdict, confidence, zh, en) = if s >= t && enterprise.is_empty() {
        (
            Verdict::Detected,
            f * margin,
            format!("政府占比 {s:.2} ≥ {t}，且无企业主导信号。"),
            format!("Government share {s:.2} ≥ {t} and no enterprise-led signal."),
        )
    } else if s >= t {
        (Verdict::NotDetected, f * 0.5, format!("政府占比 {s:.2} ≥ {t}，但有{}条企业转移记录，市场力量可见。", enterprise.len()), format!("Government share {s:.2} ≥ {t}, but {} enterprise-transfer events show market force.", enterprise.len()))
    } else {
        (
            Verdict::NotDetected,
            f * margin,
            format!("政府占比 {s:.2} < {t}。"),
            format!("Government share {s:.2} < {t}."),
        )
    };
    ProblemFinding {
        problem: kind,
        title: title(kind),
        verdict,
        confidence: confidence.clamp(0.0, 1.0),
        rule,
        explanation: Text::new(zh, en),
        evidence,
    }
}
