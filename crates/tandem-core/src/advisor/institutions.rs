//! The platform's operating records ([`CooperationRecords`]) as evidence for problem (2) and
//! as recommendations on the institutional and market paths (issue #17).
//!
//! News events say whether a benefit-sharing mechanism was announced; the platform's cases
//! say whether interests are in fact being coordinated. For a pair, with
//!
//! * `o` the open dispute cases, `d` of them past the deadline of their current level,
//! * `b` the unresolved barriers that name the pair,
//! * `m` the cases closed by an agreement amendment or by compensation (a mechanism at work),
//!
//! the records *detect* problem (2) when `d ≥ 1` or `o + b ≥ 2`, with the records' confidence
//!
//! `c_r = min(0.9, 0.5 + 0.15·d + 0.1·(o − d) + 0.05·b)`.
//!
//! | news rule | records | result |
//! |---|---|---|
//! | any | detect | detected; confidence `max(c_e, c_r)`, plus 0.1 (capped at 1) when the news rule detects too |
//! | detected | `m ≥ 1`, no detection | detected, confidence halved: a mechanism settles cases |
//! | not enough data | `m ≥ 1`, no detection | not detected, confidence `min(0.8, 0.4 + 0.1·m)` |
//! | any | nothing of the above | the news rule's finding, with the records listed as evidence |
//!
//! `c_e` is the news rule's confidence. Every case and barrier counted is listed as evidence
//! with its source, so a user can read it on the platform.
//!
//! Paths: the institutional path names the overdue cases first, then the open ones, and the
//! oldest unresolved barriers with their proposed alignment; the market path names the
//! best-scored technology matches not yet turned into projects (industry-university-research).

use super::records::*;
use super::types::*;

/// The most cases, barriers or matches a recommendation names.
const NAMED: usize = 3;

/// The records of one pair.
struct PairRecords<'a> {
    disputes: Vec<&'a DisputeRecord>,
    barriers: Vec<&'a BarrierRecord>,
}

impl<'a> PairRecords<'a> {
    fn of(records: &'a CooperationRecords, pair_id: &str) -> Self {
        PairRecords {
            disputes: records
                .disputes
                .iter()
                .filter(|d| d.pair == pair_id)
                .collect(),
            barriers: records
                .barriers
                .iter()
                .filter(|b| b.pairs.iter().any(|p| p == pair_id))
                .collect(),
        }
    }

    fn open(&self) -> impl Iterator<Item = &&'a DisputeRecord> {
        self.disputes
            .iter()
            .filter(|d| d.state == DisputeState::Open)
    }

    fn unresolved(&self) -> impl Iterator<Item = &&'a BarrierRecord> {
        self.barriers.iter().filter(|b| !b.resolved)
    }

    fn settled_by_mechanism(&self) -> usize {
        self.disputes
            .iter()
            .filter(|d| {
                matches!(
                    d.state,
                    DisputeState::AgreementAmended | DisputeState::Compensation
                )
            })
            .count()
    }
}

/// The records' confidence `c_r` (module docs), or `None` when they do not detect problem (2).
fn records_confidence(open: usize, overdue: usize, barriers: usize) -> Option<f64> {
    if overdue == 0 && open + barriers < 2 {
        return None;
    }
    let c = 0.5 + 0.15 * overdue as f64 + 0.1 * (open - overdue) as f64 + 0.05 * barriers as f64;
    Some(c.min(0.9))
}

fn level_text(level: &str) -> (&'static str, &'static str) {
    match level {
        "park" => ("园区层面", "park level"),
        "joint_meeting" => ("结对联席会议", "the pair's joint meeting"),
        "provincial" => ("省级协调", "provincial coordination"),
        _ => ("未知层级", "unknown level"),
    }
}

fn dispute_evidence(d: &DisputeRecord) -> Evidence {
    let (zh_level, en_level) = level_text(&d.level);
    let (zh_state, en_state) = match (d.state, d.overdue) {
        (DisputeState::Open, true) => (
            format!("在{zh_level}协商中，已超过期限"),
            format!("open at {en_level}, past its deadline"),
        ),
        (DisputeState::Open, false) => {
            (format!("在{zh_level}协商中"), format!("open at {en_level}"))
        }
        (DisputeState::AgreementAmended, _) => (
            "以修订协议解决".into(),
            "settled by amending the agreement".into(),
        ),
        (DisputeState::Compensation, _) => ("以补偿解决".into(), "settled by compensation".into()),
        (DisputeState::Settled, _) => ("已和解".into(), "settled".into()),
        (DisputeState::Withdrawn, _) => ("已撤回".into(), "withdrawn".into()),
    };
    let date = d
        .raised_on
        .map_or_else(|| "undated".to_string(), |x| x.to_string());
    Evidence {
        text: Text::new(
            format!("争议“{}”（{date}，{}）：{zh_state}", d.title, d.source),
            format!("Dispute \"{}\" ({date}, {}): {en_state}", d.title, d.source),
        ),
        event: None,
        figure: None,
    }
}

fn barrier_evidence(b: &BarrierRecord) -> Evidence {
    let age = b.age_days.map_or_else(String::new, |a| a.to_string());
    Evidence {
        text: Text::new(
            format!(
                "未消除的规则壁垒“{}”（{}，{}，已登记{age}天）",
                b.title, b.field, b.source
            ),
            format!(
                "Unresolved barrier \"{}\" ({}, {}, registered {age} days ago)",
                b.title, b.field, b.source
            ),
        ),
        event: None,
        figure: None,
    }
}

/// Problem (2) with the pair's platform records laid over the news rule's `finding` (module
/// table). Without records of the pair the finding is returned unchanged.
pub fn benefit_sharing_with_records(
    mut finding: ProblemFinding,
    records: &CooperationRecords,
    pair_id: &str,
) -> ProblemFinding {
    let pair = PairRecords::of(records, pair_id);
    if pair.disputes.is_empty() && pair.barriers.is_empty() {
        return finding;
    }
    let open = pair.open().count();
    let overdue = pair.open().filter(|d| d.overdue).count();
    let barriers = pair.unresolved().count();
    let mechanism = pair.settled_by_mechanism();
    finding
        .evidence
        .extend(pair.disputes.iter().map(|d| dispute_evidence(d)));
    finding
        .evidence
        .extend(pair.unresolved().map(|b| barrier_evidence(b)));
    let counts = Text::new(
        format!("平台记录：{open}起争议未结（{overdue}起超期），{barriers}项规则壁垒未消除，{mechanism}起争议以修订协议或补偿解决。"),
        format!("Platform records: {open} open dispute cases ({overdue} past their deadline), {barriers} unresolved barriers, {mechanism} cases settled by an agreement amendment or compensation."),
    );
    let news = finding.verdict;
    let c_e = finding.confidence;
    let (verdict, confidence) = match (records_confidence(open, overdue, barriers), news) {
        (Some(c_r), Verdict::Detected) => (Verdict::Detected, (c_e.max(c_r) + 0.1).min(1.0)),
        (Some(c_r), _) => (Verdict::Detected, c_e.max(c_r)),
        (None, Verdict::Detected) if mechanism > 0 => (Verdict::Detected, c_e / 2.0),
        (None, Verdict::InsufficientData) if mechanism > 0 => (
            Verdict::NotDetected,
            (0.4 + 0.1 * mechanism as f64).min(0.8),
        ),
        (None, _) => (news, c_e),
    };
    finding.verdict = verdict;
    finding.confidence = confidence;
    finding.explanation = Text::new(
        format!("{} {}", finding.explanation.zh, counts.zh),
        format!("{} {}", finding.explanation.en, counts.en),
    );
    finding.rule = Text::new(
        format!("{} 平台记录：有争议超过所在层级期限，或未结争议与未消除壁垒合计不少于2项，即判定存在；以修订协议或补偿结案的争议说明机制在起作用。", finding.rule.zh),
        format!("{} Platform records: detected when a dispute is past the deadline of its level, or open disputes and unresolved barriers number at least 2; cases settled by an agreement amendment or compensation show a mechanism at work.", finding.rule.en),
    );
    finding
}

fn join(items: impl Iterator<Item = String>, zh: bool) -> String {
    items
        .take(NAMED)
        .collect::<Vec<_>>()
        .join(if zh { "；" } else { "; " })
}

/// The institutional path's recommendations from the pair's open cases and barriers.
pub fn institutional_recommendations(
    records: &CooperationRecords,
    pair_id: &str,
) -> Vec<Recommendation> {
    let pair = PairRecords::of(records, pair_id);
    let mut out = Vec::new();
    let mut open: Vec<&&DisputeRecord> = pair.open().collect();
    // Overdue cases first, then the oldest.
    open.sort_by_key(|d| (!d.overdue, d.raised_on));
    if !open.is_empty() {
        let list = |zh: bool| {
            join(
                open.iter().map(|d| {
                    let (lz, le) = level_text(&d.level);
                    match (zh, d.overdue) {
                        (true, true) => format!("“{}”（{lz}，已超期）", d.title),
                        (true, false) => format!("“{}”（{lz}）", d.title),
                        (false, true) => format!("\"{}\" ({le}, past its deadline)", d.title),
                        (false, false) => format!("\"{}\" ({le})", d.title),
                    }
                }),
                zh,
            )
        };
        out.push(Recommendation {
            text: Text::new(
                format!("按期限推进未结争议，超期的上报下一层级并在联席会议上议定补偿或修订协议：{}。", list(true)),
                format!("Move the open dispute cases on by their deadlines; escalate the overdue ones and agree compensation or an amended agreement at the joint meeting: {}.", list(false)),
            ),
            rests_on: open
                .iter()
                .take(NAMED)
                .map(|d| Basis::Dispute { source: d.source.clone() })
                .chain([Basis::Problem { problem: ProblemKind::NoBenefitSharing }])
                .collect(),
        });
    }
    let mut barriers: Vec<&&BarrierRecord> = pair.unresolved().collect();
    barriers.sort_by_key(|b| std::cmp::Reverse(b.age_days));
    if !barriers.is_empty() {
        let list = |zh: bool| {
            join(
                barriers.iter().map(|b| {
                    let (az, ae) = alignment_text(&b.alignment);
                    if zh {
                        format!("“{}”（{}，拟{az}）", b.title, b.field)
                    } else {
                        format!("\"{}\" ({}, proposed: {ae})", b.title, b.field)
                    }
                }),
                zh,
            )
        };
        out.push(Recommendation {
            text: Text::new(
                format!("消除双方规则壁垒，先处理登记最久的：{}。", list(true)),
                format!(
                    "Align the two sides' rules, oldest barriers first: {}.",
                    list(false)
                ),
            ),
            rests_on: barriers
                .iter()
                .take(NAMED)
                .map(|b| Basis::Barrier {
                    source: b.source.clone(),
                })
                .chain([Basis::Problem {
                    problem: ProblemKind::NoBenefitSharing,
                }])
                .collect(),
        });
    }
    out
}

/// Adds the records' recommendations to the pair's `paths`: the cases and barriers first on
/// the institutional path (they are the pair's own, more specific than the general advice),
/// the technology matches after the chain gaps on the market path.
pub fn extend_paths(paths: &mut [PathRecommendation], records: &CooperationRecords, pair_id: &str) {
    for path in paths.iter_mut() {
        match path.path {
            PathKind::InstitutionalInnovation => {
                let mut recs = institutional_recommendations(records, pair_id);
                recs.append(&mut path.recommendations);
                path.recommendations = recs;
            }
            PathKind::MarketMomentum => {
                let at = path
                    .recommendations
                    .iter()
                    .take_while(|r| matches!(r.rests_on.first(), Some(Basis::ChainGap { .. })))
                    .count();
                let recs = innovation_recommendations(records, pair_id);
                path.recommendations.splice(at..at, recs);
            }
            PathKind::CoBuiltParks => {}
        }
    }
}

fn alignment_text(alignment: &str) -> (&'static str, &'static str) {
    match alignment {
        "adopt_helper" => ("采用支援方标准", "adopt the helper's standard"),
        "mutual_recognition" => ("互认", "mutual recognition"),
        "joint_window" => ("设联合窗口", "a joint window"),
        _ => ("其他方式", "another alignment"),
    }
}

/// The market path's industry-university-research recommendation: the best-scored
/// technology matches of the pair not yet turned into projects.
pub fn innovation_recommendations(
    records: &CooperationRecords,
    pair_id: &str,
) -> Vec<Recommendation> {
    let mut open: Vec<&InnovationMatchRecord> = records
        .innovation_matches
        .iter()
        .filter(|m| m.pair == pair_id && !m.project_started)
        .collect();
    if open.is_empty() {
        return Vec::new();
    }
    open.sort_by(|a, b| b.score.total_cmp(&a.score));
    let list = |zh: bool| {
        join(
            open.iter().map(|m| {
                if zh {
                    format!(
                        "{}↔{}（{}，匹配分{:.2}）",
                        m.need, m.capability, m.institute, m.score
                    )
                } else {
                    format!(
                        "{} ↔ {} ({}, score {:.2})",
                        m.need, m.capability, m.institute, m.score
                    )
                }
            }),
            zh,
        )
    };
    vec![Recommendation {
        text: Text::new(
            format!("产学研协同：把匹配度最高的技术需求与院所能力落实为合作项目（协议、许可或联合研发）：{}。", list(true)),
            format!("Industry-university-research: turn the best technology matches into projects (agreement, licence or joint R&D): {}.", list(false)),
        ),
        rests_on: open
            .iter()
            .take(NAMED)
            .map(|m| Basis::InnovationMatch { source: m.source.clone() })
            .collect(),
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(verdict: Verdict, confidence: f64) -> ProblemFinding {
        ProblemFinding {
            problem: ProblemKind::NoBenefitSharing,
            title: Text::new("t", "t"),
            verdict,
            confidence,
            rule: Text::new("r", "r"),
            explanation: Text::new("e", "e"),
            evidence: Vec::new(),
        }
    }

    fn dispute(pair: &str, state: DisputeState, overdue: bool) -> DisputeRecord {
        DisputeRecord {
            pair: pair.into(),
            source: "tandem platform, dispute #1".into(),
            title: "tax split of park A".into(),
            raised_on: None,
            level: "joint_meeting".into(),
            overdue,
            state,
            amount_yuan: Some(1.0e6),
        }
    }

    fn barrier(pairs: &[&str], resolved: bool, age: i64) -> BarrierRecord {
        BarrierRecord {
            pairs: pairs.iter().map(|p| p.to_string()).collect(),
            source: format!("tandem platform, barrier #{age}"),
            title: format!("barrier {age}"),
            field: "qualification".into(),
            alignment: "mutual_recognition".into(),
            resolved,
            age_days: Some(age),
        }
    }

    #[test]
    fn records_confidence_follows_the_formula() {
        assert_eq!(records_confidence(1, 0, 0), None);
        assert_eq!(records_confidence(0, 0, 1), None);
        // One overdue case: 0.5 + 0.15.
        assert!((records_confidence(1, 1, 0).unwrap() - 0.65).abs() < 1e-12);
        // Two open, none overdue, one barrier: 0.5 + 0.2 + 0.05.
        assert!((records_confidence(2, 0, 1).unwrap() - 0.75).abs() < 1e-12);
        // Capped at 0.9.
        assert_eq!(records_confidence(5, 5, 5), Some(0.9));
    }

    #[test]
    fn an_overdue_case_detects_the_problem_even_without_news() {
        let records = CooperationRecords {
            disputes: vec![dispute("p", DisputeState::Open, true)],
            ..CooperationRecords::default()
        };
        let f =
            benefit_sharing_with_records(finding(Verdict::InsufficientData, 0.0), &records, "p");
        assert_eq!(f.verdict, Verdict::Detected);
        assert!((f.confidence - 0.65).abs() < 1e-12);
        assert!(f.evidence[0].text.en.contains("past its deadline"));
        // Agreeing with the news rule adds 0.1 to the larger confidence.
        let f = benefit_sharing_with_records(finding(Verdict::Detected, 0.5), &records, "p");
        assert!((f.confidence - 0.75).abs() < 1e-12);
    }

    #[test]
    fn another_pairs_records_change_nothing() {
        let records = CooperationRecords {
            disputes: vec![dispute("q", DisputeState::Open, true)],
            barriers: vec![barrier(&["q"], false, 10), barrier(&["q"], false, 20)],
            ..CooperationRecords::default()
        };
        let before = finding(Verdict::NotDetected, 0.8);
        let after = benefit_sharing_with_records(before.clone(), &records, "p");
        assert_eq!(before, after);
        assert!(institutional_recommendations(&records, "p").is_empty());
    }

    #[test]
    fn a_case_settled_by_compensation_shows_a_mechanism() {
        let records = CooperationRecords {
            disputes: vec![
                dispute("p", DisputeState::Compensation, false),
                dispute("p", DisputeState::AgreementAmended, false),
            ],
            ..CooperationRecords::default()
        };
        let f =
            benefit_sharing_with_records(finding(Verdict::InsufficientData, 0.0), &records, "p");
        assert_eq!(f.verdict, Verdict::NotDetected);
        assert!((f.confidence - 0.6).abs() < 1e-12);
        let f = benefit_sharing_with_records(finding(Verdict::Detected, 0.5), &records, "p");
        assert_eq!(f.verdict, Verdict::Detected);
        assert!((f.confidence - 0.25).abs() < 1e-12);
    }

    #[test]
    fn barriers_shared_by_pairs_count_for_each_and_oldest_come_first() {
        let records = CooperationRecords {
            barriers: vec![
                barrier(&["p", "q"], false, 30),
                barrier(&["p"], false, 400),
                barrier(&["p"], true, 900),
            ],
            ..CooperationRecords::default()
        };
        let f = benefit_sharing_with_records(finding(Verdict::NotDetected, 0.7), &records, "q");
        assert_eq!(
            f.verdict,
            Verdict::NotDetected,
            "one barrier alone does not detect"
        );
        let f = benefit_sharing_with_records(finding(Verdict::NotDetected, 0.7), &records, "p");
        assert_eq!(f.verdict, Verdict::Detected);
        let recs = institutional_recommendations(&records, "p");
        assert_eq!(recs.len(), 1);
        assert_eq!(
            recs[0].rests_on[0],
            Basis::Barrier {
                source: "tandem platform, barrier #400".into()
            }
        );
        assert!(
            !recs[0].text.en.contains("barrier 900"),
            "resolved barriers are not named"
        );
    }

    #[test]
    fn matches_without_a_project_are_recommended_best_first() {
        let m = |score: f64, started: bool| InnovationMatchRecord {
            pair: "p".into(),
            source: format!("match {score}"),
            need: "need".into(),
            capability: "cap".into(),
            institute: "inst".into(),
            score,
            explanation: String::new(),
            project_started: started,
        };
        let records = CooperationRecords {
            innovation_matches: vec![m(0.4, false), m(0.9, true), m(0.7, false)],
            ..CooperationRecords::default()
        };
        let recs = innovation_recommendations(&records, "p");
        assert_eq!(
            recs[0].rests_on,
            vec![
                Basis::InnovationMatch {
                    source: "match 0.7".into()
                },
                Basis::InnovationMatch {
                    source: "match 0.4".into()
                }
            ]
        );
        assert!(innovation_recommendations(&records, "q").is_empty());
    }
}
