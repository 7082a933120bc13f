//! The report's "Impact": the city panel's evaluation of the programme
//! (tandem_panel::programme, the helped cities treated from 2022 against every city of the
//! panel in no pairing programme) in tandem-report's plain input types, every text in both
//! languages. The evaluation's texts are English; each known one has its Chinese here, and
//! an unknown one keeps its English in both (the report test checks there is none).

use crate::commands::panel::{all_cities, group_members};
use crate::context::Context;
use tandem_panel::panel;
use tandem_panel::programme::{self as pe, evaluate, ProgrammeEvaluation};
use tandem_report::{
    Bilingual, CitySynth, DidEstimate, DonorExclusion, EffectUnit, EventTime, Impact,
    OutcomeImpact, SdidEstimate, Sensitivity,
};

/// Evaluates the programme (the synthetic-control placebos take a few seconds) and converts
/// the result.
pub(super) fn impact(ctx: &Context) -> Impact {
    let e = evaluate(panel(), &group_members(ctx, "helped"), &all_cities(ctx));
    convert(ctx, &e)
}

fn convert(ctx: &Context, e: &ProgrammeEvaluation) -> Impact {
    Impact {
        treated: e.treated.clone(),
        first_treated_year: e.first_treated_year,
        donors: e.donors.clone(),
        exclusions: e.exclusions.iter().map(|x| exclusion(ctx, x)).collect(),
        outcomes: e
            .outcomes
            .iter()
            .map(|o| outcome(o, e.treated.len()))
            .collect(),
        caveats: e.caveats.iter().map(|c| caveat(c)).collect(),
    }
}

/// An outcome's name, unit and the level it is the log of.
fn outcome_label(key: &str) -> (Bilingual, EffectUnit, Option<Bilingual>) {
    let b = Bilingual::new;
    match key {
        "log_gdp" => (
            b("log GDP", "对数 GDP"),
            EffectUnit::LogPoints,
            Some(b("GDP (100m yuan)", "地区生产总值（亿元）")),
        ),
        "secondary_share" => (
            b("secondary industry's share of GDP", "第二产业占 GDP 比重"),
            EffectUnit::PercentagePoints,
            None,
        ),
        "log_gdp_per_capita" => (
            b("log GDP per capita", "对数人均 GDP"),
            EffectUnit::LogPoints,
            None,
        ),
        "fdi_utilised" => (
            b("utilised FDI", "实际利用外资"),
            EffectUnit::LogPoints,
            None,
        ),
        other => (b(other, other), EffectUnit::LogPoints, None),
    }
}

fn series_label(key: &str) -> Bilingual {
    let b = Bilingual::new;
    match key {
        "revised" => b(
            "revised single vintage (source C)",
            "修订后单一版本（来源 C）",
        ),
        "first_release" => b("first release", "首次公布值"),
        "derived" => b(
            "derived: GDP / resident population",
            "推算值：GDP / 常住人口",
        ),
        other => b(other, other),
    }
}

fn outcome(o: &pe::OutcomeEvaluation, treated: usize) -> OutcomeImpact {
    let (label, unit, level) = outcome_label(&o.outcome);
    OutcomeImpact {
        outcome: o.outcome.clone(),
        label,
        series: series_label(&o.series),
        years: o.years,
        unit,
        level,
        refused: o.refused.as_deref().map(refusal),
        dropped: o.dropped.clone(),
        n_treated: treated.saturating_sub(o.dropped.len()),
        n_donors: o.n_donors,
        synthetic_control: o.outcome == "log_gdp" || !o.per_city.is_empty(),
        cities: o.per_city.iter().map(city).collect(),
        did: o.did.as_ref().map(did),
        sdid: o.sdid.as_ref().map(|s| SdidEstimate {
            estimate: s.estimate,
            se: s.se,
        }),
    }
}

fn city(c: &pe::CitySynth) -> CitySynth {
    CitySynth {
        city: c.city.clone(),
        att: c.att,
        pre_rmspe: c.pre_rmspe,
        post_rmspe: c.post_rmspe,
        p_value: c.p_value,
        weights: c.weights.clone(),
        path: c.path.clone(),
        placebos: c
            .placebos
            .iter()
            .map(|p| (p.city.clone(), p.gaps.clone()))
            .collect(),
        placebos_left_out: c.placebos_left_out,
        fan_max_pre_mspe_multiple: pe::FAN_MAX_PRE_MSPE_MULTIPLE,
    }
}

fn did(d: &pe::PooledDid) -> DidEstimate {
    DidEstimate {
        att: d.simple.0,
        se: d.simple.1,
        event_study: d
            .dynamic
            .iter()
            .map(|(e, estimate, se)| EventTime {
                e: *e,
                estimate: *estimate,
                se: *se,
            })
            .collect(),
        pretest_p: d.pretest_p,
        sensitivity: d.sensitivity.as_ref().map(|s| Sensitivity {
            method: s.method.clone(),
            rows: s.rows.clone(),
        }),
    }
}

/// The Chinese of the first entry whose English starts `text` (or, for a `*` entry,
/// contains it); `None` for an unknown text.
fn known_zh(text: &str, table: &[(&str, &str)]) -> Option<String> {
    table
        .iter()
        .find(|(en, _)| match en.strip_prefix('*') {
            Some(part) => text.contains(part),
            None => text.starts_with(en),
        })
        .map(|(_, zh)| zh.to_string())
}

/// A text of the evaluation with its Chinese, or its English in both when unknown.
fn translated(text: &str, table: &[(&str, &str)]) -> Bilingual {
    Bilingual::new(
        text,
        known_zh(text, table).unwrap_or_else(|| text.to_string()),
    )
}

const REFUSALS: [(&str, &str); 2] = [
    (
        "no treated city has a value in every year",
        "没有受援城市在时间窗内每一年都有数值",
    ),
    (
        "the definition changed in 2022",
        "其统计口径在 2022 年（第一个受援年份）改变（断点 fdi-definition-2022）：任何序列的前后数值都不可比",
    ),
];

fn refusal(text: &str) -> Bilingual {
    translated(text, &REFUSALS)
}

const CAVEATS: [(&str, &str); 6] = [
    (
        "Two post years",
        "只有两个受援后年份（2022、2023 年）：2021–2030 年的项目对 GDP 的效应需要多年才能显现；这些是早期读数，不是结论。",
    ),
    (
        "Levels use the revised single-vintage GDP series",
        "GDP 水平使用修订后的单一版本序列（来源 C，供应商汇编，版本未注明），因为首次公布序列在 2018 年经济普查处断开；比重和人均 GDP 只用断点之后的年份，处理前只剩两到三年。",
    ),
    (
        "Spillovers:",
        "溢出效应：支援方城市和安徽省其他城市不进入对照池；不估计项目对支援方本身的影响。",
    ),
    (
        "Other programmes:",
        "其他项目：对口支援、东北与东部对口合作和东西部协作的受援地区不进入对照池；其他项目的支援方仍在对照池中。",
    ),
    (
        "Inference:",
        "推断：受援城市最多 8 个，标准误和安慰剂 p 值都很粗略（安慰剂 p 值不可能低于 1 /（对照城市数 + 1））。",
    ),
    (
        "Utilised FDI is not evaluated",
        "实际利用外资不作评估：其统计口径在 2022 年（第一个受援年份）改变。",
    ),
];

/// A caveat in both languages; a failed pre-trend test names its outcome by label.
fn caveat(text: &str) -> Bilingual {
    let pretrend = text
        .split_once(": the pre-trend test rejects parallel trends (p = ")
        .and_then(|(key, rest)| Some((key, rest.split_once(')')?.0)));
    let Some((key, p)) = pretrend else {
        return translated(text, &CAVEATS);
    };
    let (label, ..) = outcome_label(key);
    Bilingual::new(
        format!("{}: the pre-trend test rejects parallel trends (p = {p}): the helped cities already moved differently from the donors before 2022, so the Callaway-Sant'Anna estimate is not credible on its own; read it with the synthetic control and SDID, which weight the donors to match the pre-period.", label.en),
        format!("{}：处理前趋势检验拒绝平行趋势（p = {p}）：受援城市在 2022 年以前已与对照城市走势不同，因此 Callaway-Sant'Anna 估计单独不可信；应结合合成控制和 SDID 来看，它们为对照城市加权以匹配处理前的走势。", label.zh),
    )
}

/// Province names by the two-digit code prefix (English, Chinese).
const PROVINCES: [(&str, &str, &str); 31] = [
    ("11", "Beijing", "北京市"),
    ("12", "Tianjin", "天津市"),
    ("13", "Hebei", "河北省"),
    ("14", "Shanxi", "山西省"),
    ("15", "Inner Mongolia", "内蒙古自治区"),
    ("21", "Liaoning", "辽宁省"),
    ("22", "Jilin", "吉林省"),
    ("23", "Heilongjiang", "黑龙江省"),
    ("31", "Shanghai", "上海市"),
    ("32", "Jiangsu", "江苏省"),
    ("33", "Zhejiang", "浙江省"),
    ("34", "Anhui", "安徽省"),
    ("35", "Fujian", "福建省"),
    ("36", "Jiangxi", "江西省"),
    ("37", "Shandong", "山东省"),
    ("41", "Henan", "河南省"),
    ("42", "Hubei", "湖北省"),
    ("43", "Hunan", "湖南省"),
    ("44", "Guangdong", "广东省"),
    ("45", "Guangxi", "广西壮族自治区"),
    ("46", "Hainan", "海南省"),
    ("50", "Chongqing", "重庆市"),
    ("51", "Sichuan", "四川省"),
    ("52", "Guizhou", "贵州省"),
    ("53", "Yunnan", "云南省"),
    ("54", "Tibet", "西藏自治区"),
    ("61", "Shaanxi", "陕西省"),
    ("62", "Gansu", "甘肃省"),
    ("63", "Qinghai", "青海省"),
    ("64", "Ningxia", "宁夏回族自治区"),
    ("65", "Xinjiang", "新疆维吾尔自治区"),
];

/// What a rule excludes: a whole province, or a city by its adcode.
fn excluded(ctx: &Context, x: &pe::Exclusion) -> Bilingual {
    if x.scope == "province" {
        return match PROVINCES.iter().find(|p| p.0 == x.code) {
            Some((_, en, zh)) => Bilingual::new(*en, *zh),
            None => Bilingual::new(
                format!("province {}", x.code),
                format!("省级代码 {}", x.code),
            ),
        };
    }
    let code: Option<u32> = x.code.parse().ok();
    let city = ctx
        .localities()
        .iter()
        .find(|l| l.adcode.is_some() && l.adcode == code);
    match city {
        Some(l) => Bilingual::new(l.short_name_en(), l.name_zh.clone()),
        None => Bilingual::new(format!("city {}", x.code), format!("城市代码 {}", x.code)),
    }
}

/// The programmes of the exclusion rules: data/city_panel/donor_exclusions.csv's wording,
/// then English and Chinese.
const PROGRAMMES: [(&str, &str, &str); 7] = [
    (
        "沪苏浙城市结对合作帮扶皖北城市 (2021) and 皖北振兴",
        "this programme (2021) and the northern Anhui revitalisation",
        "本结对帮扶项目（2021）和皖北振兴",
    ),
    (
        "沪苏浙城市结对合作帮扶皖北城市 (2021)",
        "this programme (2021)",
        "本结对帮扶项目（2021）",
    ),
    ("对口援藏", "counterpart aid to Tibet", "对口援藏"),
    ("对口援疆", "counterpart aid to Xinjiang", "对口援疆"),
    (
        "对口援青 and 东西部协作",
        "counterpart aid to Qinghai and east-west collaboration",
        "对口援青和东西部协作",
    ),
    (
        "东北地区与东部地区部分省市对口合作",
        "northeast-east pairing (2017)",
        "东北地区与东部地区部分省市对口合作（2017）",
    ),
    ("东西部协作", "east-west collaboration", "东西部协作"),
];

/// The reasons of the exclusion rules, after the name they start with: English as shown,
/// then Chinese. Every kind of recipient is a recipient (the programme says which).
const REASONS: [(&str, &str, &str); 4] = [
    (
        "the treated cities and their neighbours",
        "the helped cities and their neighbours under the same provincial programme (spillovers, same treatment)",
        "受援城市及同受省级皖北振兴政策的邻近城市（溢出效应、同类处理）",
    ),
    (
        "its districts are helpers",
        "its districts are helpers (spillovers to helpers)",
        "其市辖区是支援方（对支援方的溢出效应）",
    ),
    (
        "helper",
        "helper (spillovers to helpers)",
        "支援方（对支援方的溢出效应）",
    ),
    ("recipient", "recipient", "受援地区"),
];

/// Why a rule excludes: the reason (without the name it starts with) and the programme.
fn reason(x: &pe::Exclusion) -> Bilingual {
    let why = x.reason.split_once(": ").map_or(x.reason.as_str(), |r| r.1);
    let (why_en, why_zh) = REASONS
        .iter()
        .find(|r| why.starts_with(r.0))
        .map_or((why, why), |r| (r.1, r.2));
    let (prog_en, prog_zh) = PROGRAMMES
        .iter()
        .find(|p| x.programme.starts_with(p.0))
        .map_or((x.programme.as_str(), x.programme.as_str()), |p| (p.1, p.2));
    Bilingual::new(
        format!("{why_en} — {prog_en}"),
        format!("{why_zh}——{prog_zh}"),
    )
}

fn exclusion(ctx: &Context, x: &pe::Exclusion) -> DonorExclusion {
    DonorExclusion {
        scope: x.scope.clone(),
        code: x.code.clone(),
        excluded: excluded(ctx, x),
        reason: reason(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_exclusion_rule_reads_in_both_languages() {
        let ctx = Context::new(None);
        for x in pe::exclusions() {
            let (who, why) = (excluded(&ctx, &x), reason(&x));
            assert!(
                has_cjk(&who.zh) && has_cjk(&why.zh),
                "{x:?}: {who:?} {why:?}"
            );
            assert!(
                !has_cjk(&who.en) && !has_cjk(&why.en),
                "{x:?}: {who:?} {why:?}"
            );
        }
    }

    #[test]
    fn caveats_and_refusals_are_translated() {
        let c = caveat("log_gdp: the pre-trend test rejects parallel trends (p = 0.000): the treated cities already diverged");
        assert!(c
            .en
            .starts_with("log GDP: the pre-trend test rejects parallel trends (p = 0.000)"));
        assert!(c
            .zh
            .starts_with("对数 GDP：处理前趋势检验拒绝平行趋势（p = 0.000）"));
        let c = caveat("Inference: with at most eight treated cities, ...");
        assert!(c.zh.starts_with("推断："));
        let unknown = caveat("Something new.");
        assert_eq!(
            (unknown.en.as_str(), unknown.zh.as_str()),
            ("Something new.", "Something new.")
        );
        assert!(has_cjk(
            &refusal("no treated city has a value in every year of the window").zh
        ));
    }
}
