//! The assessment pages' markup (maud, escaped by default).

use crate::kernel::page::t;
use maud::{html, Markup};
use serde_json::Value as Json;
use tandem_platform::assessment::aggregates::Aggregates;
use tandem_platform::assessment::inputs::{ENTERPRISE_COLUMNS, PARK_COLUMNS};
use tandem_platform::assessment::objections::History;
use tandem_platform::assessment::{Objection, Run, RunSummary, UnitScore};
use tandem_platform::entity::{FieldError, ENTERPRISE_FIGURES, PARK_FIGURES};
use tandem_report::Lang;

/// A number as shown: two decimals, or "n/a" when missing (never 0).
fn num(v: &Json, lang: Lang) -> String {
    match v.as_f64() {
        Some(x) => format!("{x:.2}"),
        None => t(lang, "无数据", "n/a (no data)"),
    }
}

fn text_or_dash(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        _ => "—".into(),
    }
}

/// Every field error with its field, one per line.
pub(crate) fn errors_list(errors: &[FieldError], lang: Lang) -> Markup {
    html! {
        div.flash.bad role="alert" {
            strong { (t(lang, "输入有误", "Invalid input")) }
            ul #errors {
                @for e in errors {
                    li { code { (e.field) } ": " (lang.pick(&e.message_zh, &e.message)) }
                }
            }
        }
    }
}

/// The runs a user may read.
pub(crate) fn run_list(runs: &[RunSummary], lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "评价记录", "Runs")) }
        div.scroll { table #runs {
            thead { tr {
                th { "#" } th { (t(lang, "年度", "Year")) } th { (t(lang, "方案", "Scheme")) }
                th { (t(lang, "园区/结对", "Park / pair")) } th { (t(lang, "修订", "Revision")) }
                th { (t(lang, "异议截止", "Objections close")) }
            } }
            tbody {
                @for r in runs {
                    tr {
                        td { a href={ "/assessment/runs/" (r.id) } { (r.id) } }
                        td { (r.year) } td { (r.scheme_id) }
                        td { @if let Some(p) = r.park_id { (t(lang, "园区 ", "park ")) (p) } @else { (r.pair_id) } }
                        td { (r.revision) } td { (r.objections_close_on) }
                    }
                }
            }
        } }
    }
}

/// The form starting a run: a park (or pair), a year, the shipped scheme or a TOML text.
pub(crate) fn start_form(csrf: &str, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "开展评价", "Run an assessment")) }
        form.card method="post" action="/assessment/runs" enctype="multipart/form-data" {
            input type="hidden" name="_csrf" value=(csrf);
            label for="park_id" { (t(lang, "园区编号（企业评价）", "Park id (enterprise schemes)")) }
            input #park_id name="park_id";
            label for="pair_id" { (t(lang, "结对编号（园区评价）", "Pair id (park schemes)")) }
            input #pair_id name="pair_id";
            label for="year" { (t(lang, "年度", "Year")) }
            input #year name="year";
            label for="scheme" { (t(lang, "方案", "Scheme")) }
            select #scheme name="scheme" {
                option value="per_mu_example" { (t(lang, "内置：亩均效益评价（示例方案）", "Shipped: per-mu evaluation (example scheme)")) }
                option value="" { (t(lang, "下方粘贴的方案（TOML）", "The scheme pasted below (TOML)")) }
            }
            label for="scheme_toml" { (t(lang, "或粘贴方案 TOML（至多 64 KB）", "Or paste a scheme's TOML (at most 64 KB)")) }
            textarea #scheme_toml name="scheme_toml" rows="6" {}
            label for="scheme_file" { (t(lang, "或上传方案文件（TOML，至多 64 KB；给出方案时优先于内置方案）", "Or upload a scheme file (TOML, at most 64 KB; a scheme given here is used instead of the shipped one)")) }
            input #scheme_file name="scheme_file" type="file" accept=".toml,text/plain";
            label for="objections_close_on" { (t(lang, "异议截止日期", "Objections close on")) }
            input #objections_close_on name="objections_close_on" placeholder="YYYY-MM-DD";
            button #run-assessment type="submit" { (t(lang, "评价", "Run")) }
        }
    }
}

/// One unit's indicators (value, benchmark, weight, score) or why it was not scored.
pub(crate) fn unit_detail(detail: &Json, lang: Lang) -> Markup {
    let reason = lang.pick(
        detail["not_scored_zh"].as_str().unwrap_or(""),
        detail["not_scored"].as_str().unwrap_or(""),
    );
    let empty = Vec::new();
    html! {
        @if !reason.is_empty() { p.note { (t(lang, "未评分：", "Not scored: ")) (reason) } }
        div.scroll { table.indicators {
            thead { tr {
                th { (t(lang, "指标", "Indicator")) } th.num { (t(lang, "数值", "Value")) }
                th.num { (t(lang, "基准", "Benchmark")) } th.num { (t(lang, "权重", "Weight")) }
                th.num { (t(lang, "得分", "Score")) }
            } }
            tbody {
                @for i in detail["indicators"].as_array().unwrap_or(&empty) {
                    tr {
                        td { (text_or_dash(&i["indicator"])) }
                        td.num { (num(&i["value"], lang)) }
                        td.num { (num(&i["benchmark"], lang)) }
                        td.num { (num(&i["weight"], lang)) }
                        td.num { (num(&i["score"], lang)) }
                    }
                }
            }
        } }
    }
}

/// Every unit of a run: total, tier, rank and, folded, the indicators.
pub(crate) fn units_table(run: &Run, lang: Lang) -> Markup {
    let empty = Vec::new();
    html! {
        div.scroll { table #units {
            thead { tr {
                th { (t(lang, "单位", "Unit")) } th { (t(lang, "行业", "Industry")) }
                th.num { (t(lang, "总分", "Total")) } th { (t(lang, "档次", "Tier")) }
                th.num { (t(lang, "排名", "Rank")) } th { (t(lang, "明细", "Detail")) }
            } }
            tbody {
                @for u in run.result["units"].as_array().unwrap_or(&empty) {
                    tr data-unit=(text_or_dash(&u["id"])) {
                        td { (text_or_dash(&u["id"])) }
                        td { (text_or_dash(&u["industry"])) }
                        td.num { (num(&u["total"], lang)) }
                        td.tier { (text_or_dash(&u["tier"])) }
                        td.num { (text_or_dash(&u["rank"])) }
                        td { details { summary { (t(lang, "指标", "indicators")) } (unit_detail(u, lang)) } }
                    }
                }
            }
        } }
    }
}

/// Objections, with the decision forms for a reviewer.
pub(crate) fn objection_list(objections: &[Objection], review: Option<&str>, lang: Lang) -> Markup {
    html! {
        div.scroll { table #objections {
            thead { tr {
                th { "#" } th { (t(lang, "评价", "Run")) } th { (t(lang, "企业/园区", "Enterprise / park")) }
                th { (t(lang, "数据项", "Figure")) } th.num { (t(lang, "更正值", "Proposed")) }
                th { (t(lang, "证明材料", "Evidence")) } th { (t(lang, "状态", "Status")) }
                th { (t(lang, "处理", "Decision")) }
            } }
            tbody {
                @for o in objections {
                    tr.objection {
                        td { (o.id) } td { (o.run_id) } td { (unit_name(o, lang)) } td { (o.figure) }
                        td.num { @if let Some(v) = o.proposed_value { (v) } @else { "—" } }
                        td { (o.evidence) }
                        td.status { (o.status) }
                        td {
                            @if let Some(r) = &o.reasons { (r) " " }
                            @if let Some(n) = o.new_run_id { a href={ "/assessment/runs/" (n) } { (t(lang, "新修订 ", "new revision ")) (n) } }
                            @if let (Some(csrf), "open") = (review, o.status.as_str()) { (decision_form(o.id, csrf, lang)) }
                        }
                    }
                }
            }
        } }
    }
}

/// The objecting unit: an enterprise, or a park in a run of a pair's parks.
fn unit_name(o: &Objection, lang: Lang) -> String {
    match (o.enterprise_id, o.park_id) {
        (Some(e), _) => e.to_string(),
        (None, Some(p)) => format!("{}{p}", t(lang, "园区 ", "park ")),
        (None, None) => "—".into(),
    }
}

fn decision_form(id: i64, csrf: &str, lang: Lang) -> Markup {
    html! {
        form.card method="post" action={ "/assessment/objections/" (id) "/decision" } {
            input type="hidden" name="_csrf" value=(csrf);
            label { (t(lang, "理由", "Reasons")) textarea name="reasons" rows="2" {} }
            button.small name="decision" value="accept" type="submit" { (t(lang, "采纳并重新评分", "Accept and re-score")) }
            button.small name="decision" value="reject" type="submit" { (t(lang, "驳回", "Reject")) }
        }
    }
}

/// The objection form of the assessed unit on one of its results: a figure of
/// `enterprise_figures`, or of `park_figures` in a run of a pair's parks.
fn objection_form(run: &RunSummary, csrf: &str, lang: Lang) -> Markup {
    let (entity, columns) = if run.park_id.is_none() {
        (&PARK_FIGURES, PARK_COLUMNS)
    } else {
        (&ENTERPRISE_FIGURES, ENTERPRISE_COLUMNS)
    };
    html! {
        details { summary { (t(lang, "提出异议", "Object")) }
            form.card method="post" action={ "/assessment/runs/" (run.id) "/objections" } {
                input type="hidden" name="_csrf" value=(csrf);
                label { (t(lang, "数据项", "Figure"))
                    select name="figure" {
                        @for c in columns {
                            @let f = entity.field(c);
                            option value=(c) { (f.map_or(*c, |f| lang.pick(f.zh, f.en))) }
                        }
                    }
                }
                label { (t(lang, "更正值", "Corrected value")) input name="proposed_value"; }
                label { (t(lang, "证明材料", "Evidence")) textarea name="evidence" rows="3" {} }
                button type="submit" { (t(lang, "提交异议", "File the objection")) }
            }
        }
    }
}

/// The assessed unit's own results (an enterprise's, or a park operator's park's in park
/// runs): per run the total, tier, rank and why, and its objection form.
pub(crate) fn my_scores(scores: &[UnitScore], csrf: &str, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "本单位的评价结果", "Your results")) }
        @for s in scores {
            section.card.my-score {
                h3 { (s.run.year) " · " (s.run.scheme_id) " · " (t(lang, "修订 ", "revision ")) (s.run.revision) }
                p {
                    (t(lang, "总分 ", "Total ")) (num(&s.detail["total"], lang)) " · "
                    (t(lang, "档次 ", "Tier ")) span.tier { (s.tier.as_deref().unwrap_or("—")) }
                    " · " a href={ "/assessment/runs/" (s.run.id) "/history" } { (t(lang, "历史", "History")) }
                }
                (unit_detail(&s.detail, lang))
                p.note { (t(lang, "异议截止：", "Objections close on ")) (s.run.objections_close_on) }
                (objection_form(&s.run, csrf, lang))
            }
        }
        @if scores.is_empty() { p.note { (t(lang, "暂无评价结果", "No results yet")) } }
    }
}

/// Aggregates by industry, suppressed groups counted.
pub(crate) fn aggregates(a: &Aggregates, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "分行业汇总（匿名）", "By industry (anonymised)")) " " (a.year) " · " (a.scheme_id) }
        div.scroll { table #aggregates {
            thead { tr {
                th { (t(lang, "行业", "Industry")) } th.num { (t(lang, "单位数", "Units")) }
                th.num { (t(lang, "已评分", "Scored")) } th.num { (t(lang, "平均总分", "Mean total")) }
                th { (t(lang, "档次分布", "Tiers")) }
            } }
            tbody {
                @for g in &a.groups {
                    tr {
                        td { (g.industry) } td.num { (g.units) } td.num { (g.scored) }
                        td.num { @if let Some(m) = g.mean_total { (format!("{m:.2}")) } @else { "—" } }
                        td { @for (tier, n) in &g.tiers { (tier) ": " (n) " " } }
                    }
                }
            }
        } }
        p.note { (t(lang, "少于 5 个单位的行业不单列，已略去：", "Industries with fewer than 5 units are not shown; left out: ")) (a.suppressed_groups) }
    }
}

/// A run's revisions and objections.
pub(crate) fn history(h: &History, lang: Lang) -> Markup {
    html! {
        h2 { (t(lang, "修订", "Revisions")) }
        ol #revisions {
            @for r in &h.revisions {
                li.revision {
                    a href={ "/assessment/runs/" (r.id) } { (t(lang, "评价 ", "Run ")) (r.id) }
                    " · " (t(lang, "修订 ", "revision ")) (r.revision)
                    @if let Some(p) = r.previous_run_id { " · " (t(lang, "更正自 ", "corrects ")) (p) }
                    " · " (r.created_by) " " (r.created_at)
                }
            }
        }
        h2 { (t(lang, "异议", "Objections")) }
        (objection_list(&h.objections, None, lang))
    }
}
