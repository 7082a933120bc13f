//! Labels shared by pages: place and pair names, stages and statuses in both languages,
//! percentages and money (text), and the money cell and funnel table (markup).

use crate::kernel::page::t;
use maud::{html, Markup};
use tandem_platform::dashboard::PairFigures;
use tandem_platform::entity::{self, format_yuan};
use tandem_report::Lang;

pub(crate) fn locality_name(id: &str, lang: Lang) -> String {
    tandem_data::bundled::bundle()
        .localities
        .iter()
        .find(|l| l.id == id)
        .map(|l| match lang {
            Lang::Zh => l.short_name_zh().to_string(),
            Lang::En => l.short_name_en().to_string(),
        })
        .unwrap_or_else(|| id.to_string())
}

pub(crate) fn pair_title(pair_id: &str, lang: Lang) -> String {
    tandem_data::bundled::bundle()
        .programme
        .pair(pair_id)
        .map(|p| {
            format!(
                "{} → {}",
                locality_name(&p.helper, lang),
                locality_name(&p.helped, lang)
            )
        })
        .unwrap_or_else(|| pair_id.to_string())
}

pub(crate) fn stage_label(stage: &str, lang: Lang) -> String {
    let (zh, en) = match stage {
        "lead" => ("线索", "lead"),
        "signed" => ("签约", "signed"),
        "land" => ("供地", "land"),
        "construction" => ("开工建设", "construction"),
        "production" => ("投产", "production"),
        "paying_tax" => ("纳税", "paying tax"),
        other => (other, other),
    };
    t(lang, zh, en)
}

/// A dispute case's escalation level (issue #17).
pub(crate) fn level_label(level: &str, lang: Lang) -> String {
    let (zh, en) = match level {
        "park" => ("园区协商", "park"),
        "joint_meeting" => ("结对联席会议", "joint meeting"),
        "provincial" => ("省级协调", "provincial coordination"),
        other => (other, other),
    };
    t(lang, zh, en)
}

pub(crate) fn status_label(status: &str, lang: Lang) -> String {
    let (zh, en) = match status {
        "todo" => ("待办", "to do"),
        "doing" => ("进行中", "in progress"),
        "done" => ("已完成", "done"),
        "blocked" => ("受阻", "blocked"),
        // Barriers (issue #17).
        "open" => ("待处理", "open"),
        "in_progress" => ("推进中", "in progress"),
        "aligned" => ("已对接", "aligned"),
        "dropped" => ("已放弃", "dropped"),
        other => (other, other),
    };
    t(lang, zh, en)
}

pub(crate) fn pct(x: Option<f64>, lang: Lang) -> String {
    match x {
        Some(v) => format!("{:.0}%", v * 100.0),
        None => t(lang, "无数据", "n/a"),
    }
}

/// A sum of money in 万元 (10⁴ yuan) with one decimal, rounded half up, exactly: sums are
/// `i128` fen and can exceed what an `f64` holds to the 100 yuan shown. Projects without an
/// amount are counted beside it, never as zero.
pub(crate) fn money_cell(fen: i128, unknown: i64, lang: Lang) -> Markup {
    // 1 万元 is 10^6 fen; one decimal of it is 10^5 fen.
    let tenths = (fen.unsigned_abs() + 50_000) / 100_000;
    let sign = if fen < 0 && tenths > 0 { "-" } else { "" };
    html! {
        (sign) (entity::group_thousands(tenths / 10)) "." (tenths % 10) " " (t(lang, "万元", "×10⁴ yuan"))
        @if unknown > 0 {
            " " span.note { "(" (unknown) " " (t(lang, "个项目未填", "without amount")) ")" }
        }
    }
}

/// The project funnel of a pair: projects, agreed and paid-in money by stage, with bars.
pub(crate) fn funnel_table(f: &PairFigures, lang: Lang) -> Markup {
    let max = f
        .funnel
        .iter()
        .map(|s| s.projects)
        .max()
        .unwrap_or(0)
        .max(1);
    html! {
        div.scroll { table.funnel {
            thead { tr {
                th { (t(lang, "阶段", "Stage")) }
                th.num { (t(lang, "项目数", "Projects")) }
                th {}
                th.num { (t(lang, "协议额（元）", "Agreed (yuan)")) }
                th.num { (t(lang, "到位额（元）", "Paid-in (yuan)")) }
            } }
            tbody { @for s in &f.funnel {
                @let width = (s.projects as f64 / max as f64 * 100.0).round();
                tr {
                    td { (stage_label(&s.stage, lang)) }
                    td.num { (s.projects) }
                    td.bar { span.b style=(format!("width:{width}%")) {} }
                    td.num { (format_yuan(s.agreed_fen)) }
                    td.num { (format_yuan(s.paid_in_fen)) }
                }
            } }
        } }
    }
}
