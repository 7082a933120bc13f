//! The page frame: document head with the inline style sheet, header, navigation, footer.
//!
//! Pages load nothing: the style is inline, charts are inline SVG, fonts are the system's
//! (a CJK-capable stack first), and there is no script. The style is responsive (one column
//! under 760 px, tables scroll sideways inside their box) and printable (A4, no navigation,
//! figures kept whole).

use crate::text::{esc, Lang};

/// The inline style sheet shared by every page.
pub const STYLE: &str = r#"
:root{--ink:#1d2733;--muted:#5b6776;--line:#d5dbe3;--bg:#f6f8fa;--helper:#1f5fa8;--helped:#d9822b;--accent:#0f6e6e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;color:var(--ink);background:#fff;font:15px/1.55 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei","Helvetica Neue",Arial,sans-serif}
header.top{background:#17324d;color:#fff;padding:18px 0 14px}
header.top a{color:#cfe3ff}
.wrap{max-width:1080px;margin:0 auto;padding:0 20px}
h1{font-size:1.6rem;margin:.1em 0 .2em;line-height:1.25}
h2{font-size:1.25rem;margin:1.8em 0 .6em;padding-bottom:.25em;border-bottom:2px solid var(--line)}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
.subtitle{margin:0;color:#d8e4f0}
nav.crumbs{font-size:.9rem;margin-bottom:6px}
main{padding-bottom:40px}
p{margin:.5em 0}
a{color:#1256a0}
.muted{color:var(--muted)}
.note{color:var(--muted);font-size:.9rem}
.nodata{color:#9a3412;background:#fff3e8;border:1px dashed #e2a36b;border-radius:3px;padding:0 .35em;font-size:.88em;white-space:nowrap}
.year{color:var(--muted);font-size:.9em}
sup.ref{font-size:.72em;line-height:0}
sup.ref a{text-decoration:none}
figure{margin:1em 0 1.4em;padding:12px;border:1px solid var(--line);border-radius:6px;background:#fff;break-inside:avoid;page-break-inside:avoid}
figcaption{font-size:.88rem;color:var(--muted);margin-top:6px}
svg.chart{width:100%;height:auto;display:block;overflow:hidden}
.table-box{overflow-x:auto;margin:.6em 0 1.2em;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.92rem}
th,td{padding:6px 9px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{background:var(--bg);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
td.nw{white-space:nowrap}
tr:last-child td{border-bottom:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:14px;margin:.8em 0}
.card{border:1px solid var(--line);border-radius:6px;padding:12px 14px;background:#fff;break-inside:avoid}
.card h3{margin-top:0}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(200px,1fr));gap:10px;margin:1em 0}
.fact{background:var(--bg);border-radius:6px;padding:10px 12px}
.fact .k{font-size:.82rem;color:var(--muted)}
.fact .v{font-size:1.05rem;font-weight:600}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:.82rem;font-weight:600;white-space:nowrap}
.badge.detected{background:#fde2e1;color:#9b1c1c}
.badge.clear{background:#def7ec;color:#03543f}
.badge.unknown{background:#eceff3;color:#4b5563}
.conf{display:inline-block;width:70px;height:8px;background:#e5e7eb;border-radius:4px;vertical-align:middle;overflow:hidden}
.conf span{display:block;height:100%;background:var(--accent)}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;vertical-align:-1px;margin-right:4px}
ul.tight{margin:.3em 0;padding-left:1.2em}
ol.sources{font-size:.85rem;word-break:break-all;padding-left:2em}
ol.sources li{margin:.15em 0}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.85rem;padding:14px 0 30px}
.cov0{background:#fff3e8}.cov1{background:#eef6ff}.cov2{background:#d7e9ff}.cov3{background:#b4d4fb}
/* chart marks */
.bar-helper,.seat-helper{fill:var(--helper)}
.bar-helped,.seat-helped{fill:var(--helped)}
.bar-neutral{fill:#6b7f99}
.bar-focus{fill:var(--accent)}
.bar-missing{fill:#fff;stroke:#c2410c;stroke-dasharray:4 3}
.bar-label,.bar-value,.axis-label,.legend,.map-label{font-size:12px;fill:var(--ink)}
.bar-value{fill:#364152}
.group-title{font-size:13px;font-weight:600;fill:var(--ink)}
.missing-label{font-size:12px;fill:#9a3412}
.seg-label{font-size:11px;fill:#fff}
.seg-1{fill:#5b8c3a}.seg-2{fill:#44607f}.seg-3{fill:#2a9d8f}.seg-4{fill:#b58b2a}
.axis{stroke:#8a96a6;stroke-width:1}
.ref-line{stroke:#b91c1c;stroke-width:1;stroke-dasharray:4 3}
.tick{stroke:#b0bac7;stroke-width:1}
.mark-label{font-size:10px;fill:#fff;font-weight:600;pointer-events:none}
.ev-policy{fill:#6b4fa0}.ev-agreement{fill:#1f5fa8}.ev-park{fill:#0f7a5c}.ev-project{fill:#c2410c}.ev-transfer{fill:#a61e4d}.ev-other{fill:#6b7280}
.map-other{fill:#eef1f4;stroke:#c3cad3;stroke-width:.5;fill-rule:evenodd}
.map-helper{fill:#b9d3f0;stroke:var(--helper);stroke-width:.8;fill-rule:evenodd}
.map-helped{fill:#f8d6b3;stroke:var(--helped);stroke-width:.8;fill-rule:evenodd}
/* line charts: series colours (3:1 or more on white), gaps, markers */
.ln-1{--c:#1f5fa8}.ln-2{--c:#c2610f}.ln-3{--c:#0f7a5c}.ln-4{--c:#6b4fa0}.ln-5{--c:#a61e4d}.ln-6{--c:#4b5563}.ln-7{--c:#8a6d1f}.ln-8{--c:#1d7d74}
.ln{fill:none;stroke:var(--c,#6b7f99);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
.ln.dash{stroke-dasharray:6 4;stroke-linecap:butt}
.ln.emph{stroke-width:3.2}
.pt{fill:var(--c,#6b7f99);stroke:#fff;stroke-width:1}
.pt.hit{fill:transparent;stroke:none}
.fan{fill:none;stroke:#9aa3ae;stroke-width:1;stroke-opacity:.55}
.band{fill:var(--c,#6b7f99);fill-opacity:.18;stroke:none}
.band.bar{fill:none;stroke:var(--c,#6b7f99);stroke-opacity:.35;stroke-width:7;stroke-linecap:butt}
.grid{stroke:#e6eaf0;stroke-width:1}
.mk-start{stroke:#374151;stroke-width:1.5}
.mk-break{stroke:#6b7280;stroke-width:1;stroke-dasharray:4 3}
.mk-label{font-size:11px;fill:#374151;paint-order:stroke;stroke:#fff;stroke-width:3px}
.axis-label.sm,.mk-label.sm{font-size:10px}
.dim{opacity:.45}
.pair-line{fill:none;stroke:#334155;stroke-width:1.2;stroke-opacity:.7}
.pair-line.focus{stroke:#b91c1c;stroke-width:2.6;stroke-opacity:1}
.leader{stroke:#64748b;stroke-width:.7}
.map-label{font-size:12px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}
@media (max-width:760px){body{font-size:14px}.wrap{padding:0 12px}h1{font-size:1.3rem}th,td{padding:5px 6px}.facts{grid-template-columns:repeat(2,1fr)}figure{overflow-x:auto;padding:8px}svg.chart:not(.map){min-width:600px}}
@media print{header.top{background:none;color:#000;padding:0}header.top a,.subtitle{color:#000}nav.crumbs{display:none}a{color:#000;text-decoration:none}.wrap{max-width:none}figure,.card,table{break-inside:avoid}h2{break-after:avoid}@page{size:A4;margin:14mm}}
"#;

/// A whole HTML document: head with title and style, the header band with `heading` and
/// `subtitle`, an optional breadcrumb, then `body` (already escaped HTML), then the footer.
pub fn document(
    lang: Lang,
    title: &str,
    heading: &str,
    subtitle: &str,
    crumbs: Option<&str>,
    body: &str,
    footer: &str,
) -> String {
    let crumbs = crumbs.map_or(String::new(), |c| {
        format!(r#"<nav class="crumbs">{c}</nav>"#)
    });
    format!(
        r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tandem">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header class="top"><div class="wrap">{crumbs}<h1>{heading}</h1><p class="subtitle">{subtitle}</p></div></header>
<main class="wrap">
{body}
</main>
<footer><div class="wrap">{footer}</div></footer>
</body>
</html>
"#,
        lang = lang.tag(),
        title = esc(title),
        heading = esc(heading),
        subtitle = subtitle,
    )
}

/// A table inside a sideways-scrolling box. `head` and `rows` are HTML cells (`<th>`/`<td>`
/// strings already built).
pub fn table(head: &[String], rows: &[Vec<String>], caption: Option<&str>) -> String {
    let mut out = String::from(r#"<div class="table-box"><table>"#);
    if let Some(c) = caption {
        out.push_str(&format!(r#"<caption class="note" style="caption-side:bottom;text-align:left;padding:6px 9px">{c}</caption>"#));
    }
    out.push_str("<thead><tr>");
    for h in head {
        out.push_str(h);
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(cell);
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A `<th>` with escaped text.
pub fn th(text: &str) -> String {
    format!("<th>{}</th>", esc(text))
}

/// A right-aligned `<th>` with escaped text.
pub fn th_num(text: &str) -> String {
    format!(r#"<th class="num">{}</th>"#, esc(text))
}

/// A `<td>` holding HTML.
pub fn td(html: impl AsRef<str>) -> String {
    format!("<td>{}</td>", html.as_ref())
}

/// A right-aligned `<td>` holding HTML.
pub fn td_num(html: impl AsRef<str>) -> String {
    format!(r#"<td class="num">{}</td>"#, html.as_ref())
}

/// A figure box with a chart and a caption (HTML).
pub fn figure(svg: &str, caption: &str) -> String {
    format!("<figure>{svg}<figcaption>{caption}</figcaption></figure>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_self_contained() {
        let html = document(
            Lang::Zh,
            "标题 <x>",
            "标题 <x>",
            "sub",
            Some("<a href=\"index.html\">首页</a>"),
            "<p>b</p>",
            "f",
        );
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains(r#"<html lang="zh-CN">"#));
        assert!(html.contains("<title>标题 &lt;x&gt;</title>"));
        assert!(html.contains(r#"name="viewport""#));
        // Nothing is fetched: no external stylesheet, script or font.
        for needle in ["<link", "<script", "@import", "url(", "src="] {
            assert!(!html.contains(needle), "{needle}");
        }
        assert!(html.contains("@media print"));
    }

    #[test]
    fn tables_wrap_in_a_scroll_box() {
        let t = table(
            &[th("a<"), th_num("n")],
            &[vec![td("x"), td_num("1")]],
            None,
        );
        assert!(t.starts_with(r#"<div class="table-box"><table>"#));
        assert!(t.contains("<th>a&lt;</th>"));
        assert!(t.contains(r#"<td class="num">1</td>"#));
    }
}
