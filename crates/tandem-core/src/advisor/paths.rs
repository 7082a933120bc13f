//! The three paths out of the problems, each recommendation tied to the findings and
//! opportunities it rests on ([`Basis`]).
//!
//! | path | recommendation | when |
//! |---|---|---|
//! | co-built parks | build the park around the top three opportunities | any opportunity scores > 0 |
//! | co-built parks | a supply-demand docking platform listing the strongest IO links | IO links exist |
//! | co-built parks | follow signed parks up with projects and services / record park milestones | problem (1) detected / not enough data |
//! | institutional innovation | a written benefit-sharing rule (tax and statistics split, term) | problem (2) detected or not enough data |
//! | institutional innovation | publish the existing mechanism's annual settlement | problem (2) not detected |
//! | institutional innovation | move the open dispute cases on by their deadlines, overdue ones first ([`super::institutions`], placed first) | the platform has open cases of the pair |
//! | institutional innovation | align the rules, oldest unresolved barriers first, with their proposed alignment ([`super::institutions`], placed first) | the platform's register has unresolved barriers naming the pair |
//! | institutional innovation | dispute resolution (joint leadership meeting, exit clause) and compensation counted in both sides' assessment | always |
//! | market momentum | enterprise matching for the transfer-mode opportunities | problem (3) detected, or transfer opportunities exist |
//! | market momentum | firm-level chain division in the shared sectors | relation similar or mixed |
//! | market momentum | rely on IO-linked chains rather than proximity | natural-pair verdict one-sided or not natural |
//! | market momentum | fill the chain: the top gaps of each chain map, with the helper's neighbouring segments | a chain map of the pair has gaps ([`crate::chain`]) |
//! | market momentum | industry-university-research: the best technology matches not yet projects ([`super::institutions`], after the chain gaps) | the platform has such matches of the pair |

use super::types::*;

fn finding(problems: &[ProblemFinding], kind: ProblemKind) -> Option<&ProblemFinding> {
    problems.iter().find(|p| p.problem == kind)
}

fn names(ops: &[&Opportunity], zh: bool) -> String {
    ops.iter()
        .map(|o| {
            if zh {
                o.sector.name.zh.clone()
            } else {
                o.sector.name.en.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(if zh { "、" } else { ", " })
}

fn rec(zh: String, en: String, rests_on: Vec<Basis>) -> Recommendation {
    Recommendation {
        text: Text::new(zh, en),
        rests_on,
    }
}

/// How many gaps of a chain a recommendation names.
const CHAIN_GAPS_NAMED: usize = 3;

/// "Fill the chain" for each chain map with gaps: its top gaps by score, each with the
/// helper-side segments next to it.
fn chain_recommendations(chains: &[ChainFinding]) -> Vec<Recommendation> {
    chains
        .iter()
        .filter(|c| !c.gaps.is_empty())
        .map(|c| {
            let top = &c.gaps[..c.gaps.len().min(CHAIN_GAPS_NAMED)];
            let list = |zh: bool| {
                top.iter()
                    .map(|g| {
                        let next: Vec<&str> = g.links.iter().map(|l| l.node.as_str()).collect();
                        if zh {
                            format!("{}（毗邻支援方的{}）", g.name_zh, next.join("、"))
                        } else {
                            format!("{} (next to the helper's {})", g.name_en, next.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(if zh { "；" } else { "; " })
            };
            let basis = top
                .iter()
                .map(|g| Basis::ChainGap {
                    chain: c.chain.clone(),
                    node: g.node.clone(),
                })
                .collect();
            rec(
                format!("补链：{}链在受援方缺失或薄弱的环节，优先引入支援方上下游企业：{}。", c.name.zh, list(true)),
                format!("Fill the {} chain: bring the helper's suppliers and buyers into the segments missing or weak in the helped city first: {}.", c.name.en, list(false)),
                basis,
            )
        })
        .collect()
}

/// The three paths for a diagnosed pair (rules in the module table).
pub fn paths(
    foundation: &Foundation,
    market: &MarketForces,
    problems: &[ProblemFinding],
    ranking: &OpportunityRanking,
    chains: &[ChainFinding],
) -> Vec<PathRecommendation> {
    let verdict = |k| finding(problems, k).map(|f| f.verdict);
    let top: Vec<&Opportunity> = ranking
        .opportunities
        .iter()
        .filter(|o| o.score > 0.0)
        .take(3)
        .collect();

    let mut parks = Vec::new();
    if !top.is_empty() {
        let mut basis: Vec<Basis> = top
            .iter()
            .map(|o| Basis::Opportunity {
                code: o.sector.code.clone(),
            })
            .collect();
        basis.push(Basis::IndustryRelation);
        parks.push(rec(
            format!(
                "以{}为共建园区的重点产业，按评分顺序招引。",
                names(&top, true)
            ),
            format!(
                "Build the co-built park around {}, in order of score.",
                names(&top, false)
            ),
            basis,
        ));
    }
    let links = &market.io_correlation.top_links;
    if !links.is_empty() {
        let shown: Vec<&IoLink> = links.iter().take(3).collect();
        let zh = shown
            .iter()
            .map(|l| format!("{}→{}（a={:.3}）", l.from.name.zh, l.to.name.zh, l.direct))
            .collect::<Vec<_>>()
            .join("；");
        let en = shown
            .iter()
            .map(|l| format!("{} → {} (a={:.3})", l.from.name.en, l.to.name.en, l.direct))
            .collect::<Vec<_>>()
            .join("; ");
        parks.push(rec(
            format!("建立供需对接平台，优先撮合投入产出关联最强的环节：{zh}。"),
            format!("Set up a supply-demand docking platform that starts with the strongest input-output links: {en}."),
            vec![Basis::IoCorrelation],
        ));
    }
    match verdict(ProblemKind::FacilitiesLag) {
        Some(Verdict::Detected) => parks.push(rec(
            "已签约园区先补配套与服务（用地、厂房、物流、人才公寓、政务服务），并以项目落地和投产作为园区考核节点。".into(),
            "Complete facilities and services in the signed parks first (land, buildings, logistics, housing, administrative services) and make project landing and production the parks' milestones.".into(),
            vec![Basis::Problem { problem: ProblemKind::FacilitiesLag }],
        )),
        Some(Verdict::InsufficientData) => parks.push(rec(
            "记录每个园区的揭牌、首个项目、投产日期，以便判断配套服务是否滞后。".into(),
            "Record each park's opening, first project and start of production, so that lagging services can be assessed.".into(),
            vec![Basis::Problem { problem: ProblemKind::FacilitiesLag }],
        )),
        _ => {}
    }

    let mut inst = Vec::new();
    match verdict(ProblemKind::NoBenefitSharing) {
        Some(Verdict::NotDetected) => inst.push(rec(
            "已有利益共享安排：每年公开结算（税收、统计分算比例与金额），保持双方积极性。".into(),
            "A benefit-sharing arrangement exists: publish its annual settlement (tax and statistics split, amounts) to keep both sides engaged.".into(),
            vec![Basis::Problem { problem: ProblemKind::NoBenefitSharing }],
        )),
        _ => inst.push(rec(
            "签订书面利益共享办法：明确税收与统计指标分成比例及期限（参照六松园区松江分成40%、期限5年，合淮合作区5:5）。".into(),
            "Agree a written benefit-sharing rule with the tax and statistics split and its term (compare the Lu'an-Songjiang park: 40% to Songjiang for 5 years; Hefei-Huainan: 5:5).".into(),
            vec![Basis::Problem { problem: ProblemKind::NoBenefitSharing }],
        )),
    }
    inst.push(rec(
        "设立联席会议作为争议解决机制并写明退出条款；把转出方贡献计入其考核（补偿），避免一头热一头冷。".into(),
        "Use a joint leadership meeting to resolve disputes and write an exit clause; count the sending side's contribution in its own assessment (compensation) so that neither side goes cold.".into(),
        vec![Basis::Problem { problem: ProblemKind::NoBenefitSharing }, Basis::Foundation],
    ));

    let mut market_path = chain_recommendations(chains);
    let transfers: Vec<&Opportunity> = ranking
        .opportunities
        .iter()
        .filter(|o| o.mode == CooperationMode::Transfer && o.score > 0.0)
        .take(3)
        .collect();
    let gov = verdict(ProblemKind::GovernmentDriven);
    if gov == Some(Verdict::Detected) || !transfers.is_empty() {
        let mut basis: Vec<Basis> = transfers
            .iter()
            .map(|o| Basis::Opportunity {
                code: o.sector.code.clone(),
            })
            .collect();
        basis.push(Basis::Problem {
            problem: ProblemKind::GovernmentDriven,
        });
        let (zh, en) = if transfers.is_empty() {
            ("从签约转向企业对接：由行业协会、商会组织支援方企业实地考察并跟踪签约项目。".to_string(), "Move from signings to enterprise matching: let industry associations and chambers of commerce bring the helper's firms to visit, and track signed projects.".to_string())
        } else {
            (
                format!("从签约转向企业对接：优先组织支援方{}企业考察承接地，跟踪签约到投产。", names(&transfers, true)),
                format!("Move from signings to enterprise matching: bring the helper's firms in {} to visit first, and track each project from contract to production.", names(&transfers, false)),
            )
        };
        market_path.push(rec(zh, en, basis));
    }
    if matches!(
        foundation.industries.relation,
        RelationKind::Similar | RelationKind::Mixed
    ) && !foundation.industries.shared.is_empty()
    {
        let shared = foundation.industries.shared.iter().take(4);
        let zh = shared
            .clone()
            .map(|s| s.name.zh.clone())
            .collect::<Vec<_>>()
            .join("、");
        let en = shared
            .map(|s| s.name.en.clone())
            .collect::<Vec<_>>()
            .join(", ");
        market_path.push(rec(
            format!("共有产业（{zh}）由企业按环节分工：研发与总部在支援方，制造与配套在受援方。"),
            format!("In the shared sectors ({en}) let firms divide the chain: R&D and headquarters on the helper's side, manufacturing and supply on the helped side."),
            vec![Basis::IndustryRelation],
        ));
    }
    if matches!(
        market.spatial.natural_pair,
        NaturalPairVerdict::OneSided | NaturalPairVerdict::NotNatural
    ) {
        market_path.push(rec(
            "两地空间联系不是彼此最强：合作应依托投入产出关联强的产业链，而不是靠近距离。".into(),
            "The two sides are not each other's strongest spatial linkage: build on chains with strong input-output links rather than proximity.".into(),
            vec![Basis::Spatial, Basis::IoCorrelation],
        ));
    }
    if market.comparative_advantage.is_some() {
        market_path.push(rec(
            "按面板比较优势选择：支援方区位商高、受援方低的行业优先转移。".into(),
            "Use the panel's comparative advantage: transfer first the industries where the helper's location quotient is high and the helped side's low.".into(),
            vec![Basis::ComparativeAdvantage],
        ));
    }

    vec![
        PathRecommendation {
            path: PathKind::CoBuiltParks,
            title: Text::new(
                "共建园区：重点产业与供需对接平台",
                "Co-built parks: focus industries and a supply-demand docking platform",
            ),
            recommendations: parks,
        },
        PathRecommendation {
            path: PathKind::InstitutionalInnovation,
            title: Text::new(
                "制度创新：利益共享、争议解决与补偿",
                "Institutional innovation: benefit sharing, dispute resolution and compensation",
            ),
            recommendations: inst,
        },
        PathRecommendation {
            path: PathKind::MarketMomentum,
            title: Text::new(
                "市场动力：企业与产业链主导",
                "Market momentum: led by enterprises and chains",
            ),
            recommendations: market_path,
        },
    ]
}
