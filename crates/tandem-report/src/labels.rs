//! Words for the advisor's and the model's enumerations, units and indicators in both
//! languages, and the per-page source list.

use crate::text::{esc, thousands, Lang};
use std::collections::HashMap;
use std::fmt::Write as _;
use tandem_core::advisor::{
    CooperationMode, EventScope, NaturalPairVerdict, PathKind, ProblemKind, RelationKind, Stage,
    StructureBasis, Text, Verdict,
};
use tandem_core::figures::Figure;
use tandem_core::{EventKind, IndustryRole, SourceQuality, Unit};

/// The advisor's text in the report's language.
pub fn tx(text: &Text, lang: Lang) -> &str {
    match lang {
        Lang::Zh => &text.zh,
        Lang::En => &text.en,
    }
}

/// A unit as written after a number.
pub fn unit(u: Unit, lang: Lang) -> &'static str {
    match u {
        Unit::Yuan => lang.pick("元", "yuan"),
        Unit::TenThousandYuan => lang.pick("万元", "10k yuan"),
        Unit::HundredMillionYuan => lang.pick("亿元", "100m yuan"),
        Unit::YuanPerPerson => lang.pick("元/人", "yuan/person"),
        Unit::Persons => lang.pick("人", "persons"),
        Unit::TenThousandPersons => lang.pick("万人", "10k persons"),
        Unit::Percent => "%",
        Unit::Ratio => lang.pick("比值", "ratio"),
        Unit::SquareKm => lang.pick("平方公里", "km²"),
        Unit::Count => lang.pick("个", "count"),
        Unit::MillionUsd => lang.pick("百万美元", "million USD"),
    }
}

/// Decimals used to print a unit's values.
pub fn decimals(u: Unit) -> usize {
    match u {
        Unit::Yuan | Unit::YuanPerPerson | Unit::Persons | Unit::Count => 0,
        _ => 1,
    }
}

/// An event kind.
pub fn event_kind(k: EventKind, lang: Lang) -> &'static str {
    match k {
        EventKind::Policy => lang.pick("政策", "Policy"),
        EventKind::Agreement => lang.pick("协议", "Agreement"),
        EventKind::Park => lang.pick("园区", "Park"),
        EventKind::Project => lang.pick("项目", "Project"),
        EventKind::EnterpriseTransfer => lang.pick("企业转移", "Enterprise transfer"),
        EventKind::Other => lang.pick("其他", "Other"),
    }
}

/// The CSS class of an event kind's marks.
pub fn event_class(k: EventKind) -> &'static str {
    match k {
        EventKind::Policy => "ev-policy",
        EventKind::Agreement => "ev-agreement",
        EventKind::Park => "ev-park",
        EventKind::Project => "ev-project",
        EventKind::EnterpriseTransfer => "ev-transfer",
        EventKind::Other => "ev-other",
    }
}

/// Every event kind, in legend order.
pub const EVENT_KINDS: [EventKind; 6] = [
    EventKind::Policy,
    EventKind::Agreement,
    EventKind::Park,
    EventKind::Project,
    EventKind::EnterpriseTransfer,
    EventKind::Other,
];

/// Pair or programme-wide event.
pub fn scope(s: EventScope, lang: Lang) -> &'static str {
    match s {
        EventScope::Pair => lang.pick("本结对", "this pair"),
        EventScope::Programme => lang.pick("全局", "programme-wide"),
    }
}

/// A problem verdict.
pub fn verdict(v: Verdict, lang: Lang) -> &'static str {
    match v {
        Verdict::Detected => lang.pick("存在", "detected"),
        Verdict::NotDetected => lang.pick("未发现", "not detected"),
        Verdict::InsufficientData => lang.pick("数据不足", "not enough data"),
    }
}

/// The CSS class of a verdict badge.
pub fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Detected => "badge detected",
        Verdict::NotDetected => "badge clear",
        Verdict::InsufficientData => "badge unknown",
    }
}

/// A short name of a problem type, for table headers.
pub fn problem_short(p: ProblemKind, lang: Lang) -> &'static str {
    match p {
        ProblemKind::FacilitiesLag => lang.pick("园区配套滞后", "Park services lag"),
        ProblemKind::NoBenefitSharing => lang.pick("缺乏利益共享", "No benefit sharing"),
        ProblemKind::GovernmentDriven => lang.pick("政府主导、市场力弱", "Government-driven"),
    }
}

/// A short name of a path.
pub fn path_short(p: PathKind, lang: Lang) -> &'static str {
    match p {
        PathKind::CoBuiltParks => lang.pick("共建园区", "Co-built parks"),
        PathKind::InstitutionalInnovation => lang.pick("制度创新", "Institutional innovation"),
        PathKind::MarketMomentum => lang.pick("市场动力", "Market momentum"),
    }
}

/// A cooperation mode.
pub fn mode(m: CooperationMode, lang: Lang) -> &'static str {
    match m {
        CooperationMode::Transfer => lang.pick("梯度转移", "Transfer"),
        CooperationMode::ChainDivision => lang.pick("产业链分工", "Chain division"),
        CooperationMode::ComplementarySupply => lang.pick("配套供应", "Complementary supply"),
        CooperationMode::JointInnovation => lang.pick("协同创新", "Joint innovation"),
    }
}

/// An industrialisation stage.
pub fn stage(s: Stage, lang: Lang) -> &'static str {
    match s {
        Stage::PreIndustrial => lang.pick("前工业化阶段", "pre-industrial"),
        Stage::Early => lang.pick("工业化初期", "early industrialisation"),
        Stage::Middle => lang.pick("工业化中期", "middle industrialisation"),
        Stage::Late => lang.pick("工业化后期", "late industrialisation"),
        Stage::PostIndustrial => lang.pick("后工业化阶段", "post-industrial"),
    }
}

/// Similar / complementary industries.
pub fn relation(r: RelationKind, lang: Lang) -> &'static str {
    match r {
        RelationKind::Similar => lang.pick("相似型", "similar"),
        RelationKind::Complementary => lang.pick("互补型", "complementary"),
        RelationKind::Mixed => lang.pick("混合型", "mixed"),
        RelationKind::InsufficientData => lang.pick("数据不足", "not enough data"),
    }
}

/// The natural-pair verdict.
pub fn natural(n: NaturalPairVerdict, lang: Lang) -> &'static str {
    match n {
        NaturalPairVerdict::Natural => lang.pick("天然伙伴（双向）", "natural pair (both ways)"),
        NaturalPairVerdict::OneSided => lang.pick("单向联系", "one-sided"),
        NaturalPairVerdict::NotNatural => lang.pick("非天然伙伴", "not a natural pair"),
        NaturalPairVerdict::InsufficientData => lang.pick("数据不足", "not enough data"),
    }
}

/// Where a structure was read from.
pub fn basis(b: StructureBasis, lang: Lang) -> &'static str {
    match b {
        StructureBasis::Levels => {
            lang.pick("由三次产业增加值计算", "computed from sector value added")
        }
        StructureBasis::Shares => lang.pick("公布的三次产业占比", "published sector shares"),
    }
}

/// An industry role.
pub fn role(r: IndustryRole, lang: Lang) -> &'static str {
    match r {
        IndustryRole::Leading => lang.pick("主导", "leading"),
        IndustryRole::Pillar => lang.pick("支柱", "pillar"),
        IndustryRole::Emerging => lang.pick("新兴", "emerging"),
        IndustryRole::CooperationFocus => lang.pick("合作重点", "cooperation focus"),
    }
}

/// A source's quality rank explained.
pub fn quality(q: SourceQuality, lang: Lang) -> String {
    match q {
        SourceQuality::Rank(r) => {
            let what = match r {
                1 => lang.pick(
                    "统计公报或统计局发布",
                    "statistical bulletin or bureau release",
                ),
                2 => lang.pick("引用统计局的新闻", "news citing the bureau"),
                3 => lang.pick(
                    "引用统计年鉴的维基百科列表",
                    "Wikipedia list citing yearbooks",
                ),
                4 => lang.pick("其他百科", "other encyclopedia"),
                5 => lang.pick(
                    "低质量聚合页面（暂用）",
                    "low-quality aggregator (provisional)",
                ),
                _ => lang.pick("修订序列（参考）", "revised series (reference)"),
            };
            format!("{} {r}: {what}", lang.pick("等级", "rank"))
        }
        SourceQuality::Unrated => lang
            .pick("未评级（导入数据）", "unrated (imported data)")
            .to_string(),
    }
}

/// The numbered sources cited on one page, in order of first citation.
#[derive(Default, Debug)]
pub struct Sources {
    numbers: HashMap<String, usize>,
    /// (citation, quality note), in order of first citation.
    pub entries: Vec<(String, Option<String>)>,
}

impl Sources {
    /// The number of `citation`, registering it on first use.
    pub fn number(&mut self, citation: &str, quality: Option<String>) -> usize {
        if let Some(n) = self.numbers.get(citation) {
            return *n;
        }
        self.entries.push((citation.to_string(), quality));
        let n = self.entries.len();
        self.numbers.insert(citation.to_string(), n);
        n
    }

    /// A superscript link to the source's entry: `<sup class="ref"><a href="#src-3">[3]</a></sup>`.
    pub fn cite(&mut self, citation: &str, quality: Option<String>) -> String {
        let n = self.number(citation, quality);
        format!(r##"<sup class="ref"><a href="#src-{n}">[{n}]</a></sup>"##)
    }

    /// The sources list of the page (`<ol>` with anchors). URLs become links; other
    /// citations are printed as text.
    pub fn render(&self, lang: Lang) -> String {
        let mut out = String::from(r#"<ol class="sources">"#);
        for (i, (citation, quality)) in self.entries.iter().enumerate() {
            let _ = write!(out, r#"<li id="src-{}">"#, i + 1);
            out.push_str(&link_or_text(citation));
            if let Some(q) = quality {
                let _ = write!(out, r#" <span class="muted">({})</span>"#, esc(q));
            }
            out.push_str("</li>");
        }
        if self.entries.is_empty() {
            let _ = write!(
                out,
                "<li>{}</li>",
                lang.pick("本页未引用数据来源。", "No sources are cited on this page.")
            );
        }
        out.push_str("</ol>");
        out
    }
}

/// A citation as a link when it is an http(s) URL, else as escaped text.
pub fn link_or_text(citation: &str) -> String {
    let c = citation.trim();
    if (c.starts_with("http://") || c.starts_with("https://")) && !c.contains(char::is_whitespace) {
        format!(r#"<a href="{}" rel="noreferrer">{}</a>"#, esc(c), esc(c))
    } else {
        esc(c)
    }
}

/// A figure as HTML: value, unit, year and a source reference (`17,146.6 亿元 (2023)[3]`).
pub fn figure_html(f: &Figure, lang: Lang, sources: &mut Sources) -> String {
    format!(
        "{} {} <span class=\"year\">({})</span>{}",
        thousands(f.value, decimals(f.unit)),
        esc(unit(f.unit, lang)),
        f.year,
        sources.cite(&f.source.citation, Some(quality(f.source.quality, lang)))
    )
}

/// An optional figure as HTML, "no data" when absent.
pub fn opt_figure_html(f: Option<&Figure>, lang: Lang, sources: &mut Sources) -> String {
    match f {
        Some(f) => figure_html(f, lang, sources),
        None => no_data_html(lang),
    }
}

/// The visible "no data" marker.
pub fn no_data_html(lang: Lang) -> String {
    format!(r#"<span class="nodata">{}</span>"#, lang.no_data())
}

#[cfg(test)]
mod tests {
    use super::*;
    use tandem_core::Source;

    #[test]
    fn sources_are_numbered_once_and_linked() {
        let mut s = Sources::default();
        assert_eq!(s.number("http://a.example/x", None), 1);
        assert_eq!(s.number("seed-paper", None), 2);
        assert_eq!(s.number("http://a.example/x", None), 1);
        let html = s.render(Lang::En);
        assert!(
            html.contains(r#"<li id="src-1"><a href="http://a.example/x""#),
            "{html}"
        );
        assert!(html.contains(r#"<li id="src-2">seed-paper</li>"#), "{html}");
        assert!(s.cite("seed-paper", None).contains("#src-2"));
        assert!(link_or_text("javascript:alert(1)").starts_with("javascript"));
        assert!(!link_or_text("http://x/<b>").contains("<b>"));
    }

    #[test]
    fn figures_show_value_unit_year_and_source() {
        let f = Figure {
            value: 17146.6,
            unit: Unit::HundredMillionYuan,
            year: 2023,
            source: Source::new("http://s", SourceQuality::Rank(1), "bundled"),
        };
        let mut s = Sources::default();
        let zh = figure_html(&f, Lang::Zh, &mut s);
        assert!(
            zh.starts_with("17,146.6 亿元 <span class=\"year\">(2023)</span>"),
            "{zh}"
        );
        assert!(zh.contains("[1]"));
        assert_eq!(
            s.entries[0].1.as_deref(),
            Some("等级 1: 统计公报或统计局发布")
        );
        assert_eq!(
            opt_figure_html(None, Lang::En, &mut s),
            r#"<span class="nodata">no data</span>"#
        );
    }
}
