//! `REVIEW.html`: the report as one self-contained page — header and verdict, the
//! executive summary, finding cards filterable by severity and reviewer, the reviewers'
//! contribution as an inline SVG chart, the retro table, and everything else folded in
//! `<details>`.
//!
//! *Invariants:* every piece of text from a reviewer, the PR or the repository is
//! HTML-escaped ([`escape`]) and never reaches an attribute that loads or navigates
//! (there is no `href`/`src` built from data at all: URLs are shown as text). The page
//! references nothing outside itself: CSS and JS are inline, and its
//! Content-Security-Policy (`default-src 'none'`, the one script allowed by its hash)
//! keeps it so even if escaping were ever wrong. [`page`] and [`stacked_bars`] are the
//! pieces a second page (the `stats` leaderboard) reuses.

use std::sync::OnceLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use super::RawReview;
use crate::model::{Decision, Severity, Tokens};
use crate::prose::{counts_compact, duration_terse, duration_words, one_line, plural, Fence};
use crate::report::{Finding, Report, ReviewerReport, Target, Verification};

/// The page for `report`, with each original review in the appendix.
pub(super) fn render(report: &Report, appendix: &[RawReview]) -> String {
    let view = View::new(report);
    let mut body = String::with_capacity(32 * 1024);
    body.push_str(&view.header());
    body.push_str(&section(
        "summary",
        "Executive summary",
        &markdown_or_none(&report.summary),
    ));
    body.push_str(&view.findings());
    body.push_str(&view.contribution());
    body.push_str(&view.retro());
    body.push_str(&view.more(appendix));
    body.push_str(&format!(
        "<footer>Written by deep-review · report <code>{}</code></footer>\n",
        escape(&report.id)
    ));
    let title = format!("Deep Review: {}", one_line(view.title()));
    page(&title, &body, FILTER_SCRIPT)
}

// ---------------------------------------------------------------------------------------
// Reusable pieces: the page shell, escaping, the chart.

/// A complete HTML document around `body` (already HTML): the shared stylesheet, and
/// `script` (trusted, written by us) as the only script the page's CSP lets run.
pub(crate) fn page(title: &str, body: &str, script: &str) -> String {
    let script_hash = base64(&Sha256::digest(script.as_bytes()));
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'; \
         img-src data:; base-uri 'none'; form-action 'none'"
    );
    let script = if script.is_empty() {
        String::new()
    } else {
        format!("<script>{script}</script>\n")
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n{body}</main>\n{script}</body>\n</html>\n",
        escape(title)
    )
}

/// `text` safe as HTML text and as a double- or single-quoted attribute value; control
/// characters other than newline and tab become U+FFFD.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

/// One stacked series of a [`stacked_bars`] chart: its legend name and fill colour.
pub(crate) struct Series {
    pub name: &'static str,
    pub color: &'static str,
}

/// One bar: its label (untrusted text), a key for `data-key` (already safe: we make it),
/// and one value per series.
pub(crate) struct Bar {
    pub label: String,
    pub key: String,
    pub values: Vec<u32>,
}

/// A horizontal stacked bar chart as inline SVG with an HTML legend: one `<g
/// class="bar">` per bar, one `<rect>` per non-zero segment (with a `<title>` tooltip),
/// the total at the end of the bar. Scaled to the largest total; empty bars stay empty.
pub(crate) fn stacked_bars(series: &[Series], bars: &[Bar], caption: &str) -> String {
    const LABEL_W: u32 = 190;
    const PLOT_W: u32 = 420;
    const ROW_H: u32 = 30;
    const BAR_H: u32 = 18;
    let width = LABEL_W + PLOT_W + 50;
    let height = ROW_H * bars.len().max(1) as u32 + 8;
    let max = bars
        .iter()
        .map(|b| b.values.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\">\n",
        escape(caption)
    );
    for (row, bar) in bars.iter().enumerate() {
        let y = 4 + ROW_H * row as u32;
        let label = truncate(&one_line(&bar.label), 26);
        svg.push_str(&format!(
            "<g class=\"bar\" data-key=\"{}\">\n<text class=\"label\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            escape(&bar.key),
            LABEL_W - 10,
            y + BAR_H - 4,
            escape(&label)
        ));
        let mut x = LABEL_W;
        let mut total = 0;
        for (s, value) in series.iter().zip(&bar.values) {
            if *value == 0 {
                continue;
            }
            let w = (u64::from(*value) * u64::from(PLOT_W) / u64::from(max)).max(2) as u32;
            svg.push_str(&format!(
                "<rect class=\"seg\" data-series=\"{}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{BAR_H}\" fill=\"{}\"><title>{}: {} {value}</title></rect>\n",
                escape(s.name),
                s.color,
                escape(&one_line(&bar.label)),
                escape(s.name),
            ));
            if w >= 22 {
                svg.push_str(&format!(
                    "<text class=\"in\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{value}</text>\n",
                    x + w / 2,
                    y + BAR_H - 5
                ));
            }
            x += w;
            total += value;
        }
        svg.push_str(&format!(
            "<text class=\"total\" x=\"{}\" y=\"{}\">{total}</text>\n</g>\n",
            x + 6,
            y + BAR_H - 4
        ));
    }
    svg.push_str("</svg>\n");
    let legend: Vec<String> = series
        .iter()
        .map(|s| {
            format!(
                "<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                s.color,
                escape(s.name)
            )
        })
        .collect();
    format!(
        "<figure class=\"chart-box\">\n{svg}<figcaption><ul class=\"legend\">{}</ul>{}</figcaption>\n</figure>\n",
        legend.concat(),
        escape(caption)
    )
}

/// Standard base64 (RFC 4648, padded): the CSP's script hash.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn section(id: &str, title: &str, inner: &str) -> String {
    format!("<section id=\"{id}\">\n<h2>{title}</h2>\n{inner}</section>\n")
}

/// A folded block: `summary` is HTML we wrote, `inner` HTML.
fn details(summary: &str, inner: &str) -> String {
    format!("<details>\n<summary>{summary}</summary>\n<div class=\"fold\">\n{inner}</div>\n</details>\n")
}

// ---------------------------------------------------------------------------------------
// Reviewer Markdown, shown safely.

fn markdown_or_none(text: &str) -> String {
    if text.trim().is_empty() {
        "<p class=\"none\">None.</p>\n".to_string()
    } else {
        markdown(text)
    }
}

/// A small, safe subset of Markdown: fenced code blocks (escaped, in `<pre><code>`),
/// paragraphs, bullet and numbered lists, headings as bold lines, inline code and bold.
/// Anything else (links, raw HTML, images) is shown as the text it is.
fn markdown(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut para: Vec<&str> = Vec::new();
    let mut list: Vec<String> = Vec::new();
    let mut ordered = false;
    let flush = |out: &mut String, para: &mut Vec<&str>, list: &mut Vec<String>, ordered: bool| {
        if !para.is_empty() {
            out.push_str(&format!("<p>{}</p>\n", inline(&para.join("\n"))));
            para.clear();
        }
        if !list.is_empty() {
            let tag = if ordered { "ol" } else { "ul" };
            out.push_str(&format!("<{tag}>{}</{tag}>\n", list.concat()));
            list.clear();
        }
    };
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(open) = Fence::read_indented(line) {
            flush(&mut out, &mut para, &mut list, ordered);
            let end = (i + 1..lines.len())
                .find(|&j| {
                    Fence::read_indented(lines[j]).is_some_and(|f| f.closes(open.ch, open.len))
                })
                .unwrap_or(lines.len());
            let indent = leading_blanks(line).len();
            let code: Vec<&str> = lines[i + 1..end]
                .iter()
                .map(|l| &l[leading_blanks(l).len().min(indent)..])
                .collect();
            let code = dedent(&code);
            let lang: String = open
                .info
                .split_whitespace()
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
                .take(20)
                .collect();
            let class = if lang.is_empty() {
                String::new()
            } else {
                format!(" class=\"language-{lang}\"")
            };
            out.push_str(&format!(
                "<pre><code{class}>{}</code></pre>\n",
                escape(&code)
            ));
            i = end + 1;
            continue;
        }
        let trimmed = line.trim();
        if trimmed.is_empty() {
            flush(&mut out, &mut para, &mut list, ordered);
        } else if let Some(rest) = heading(trimmed) {
            flush(&mut out, &mut para, &mut list, ordered);
            out.push_str(&format!(
                "<p class=\"h\"><strong>{}</strong></p>\n",
                inline(rest)
            ));
        } else if let Some((item, is_ordered)) = list_item(trimmed) {
            if !para.is_empty() || (!list.is_empty() && ordered != is_ordered) {
                flush(&mut out, &mut para, &mut list, ordered);
            }
            ordered = is_ordered;
            list.push(format!("<li>{}</li>", inline(item)));
        } else if !list.is_empty() && line.starts_with(' ') {
            // A list item's continuation line.
            if let Some(last) = list.pop() {
                let open = last.trim_end_matches("</li>");
                list.push(format!("{open} {}</li>", inline(trimmed)));
            }
        } else {
            if !list.is_empty() {
                flush(&mut out, &mut para, &mut list, ordered);
            }
            para.push(trimmed);
        }
        i += 1;
    }
    flush(&mut out, &mut para, &mut list, ordered);
    out
}

/// The spaces and tabs a line starts with (ASCII, so slicing after them is safe).
fn leading_blanks(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// `lines` without the indentation all their non-blank lines share (a snippet quoted
/// from inside a function starts at the left margin).
fn dedent(lines: &[&str]) -> String {
    let mut common: Option<&str> = None;
    for l in lines.iter().filter(|l| !l.trim().is_empty()) {
        let lead = leading_blanks(l);
        common = Some(match common {
            None => lead,
            Some(c) => {
                let n = c
                    .bytes()
                    .zip(lead.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                &c[..n]
            }
        });
    }
    let cut = common.map_or(0, str::len);
    lines
        .iter()
        .map(|l| l.get(cut..).unwrap_or("").trim_end_matches([' ', '\t']))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of an ATX heading line (`## Title`), None for other lines (`#[derive]`).
fn heading(line: &str) -> Option<&str> {
    let rest = line.trim_start_matches('#');
    let level = line.len() - rest.len();
    ((1..=6).contains(&level) && (rest.is_empty() || rest.starts_with(' ')))
        .then(|| rest.trim().trim_end_matches('#').trim())
}

/// `- x`, `* x`, `+ x` (unordered) and `1. x`, `2) x` (ordered).
fn list_item(line: &str) -> Option<(&str, bool)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((rest.trim_start_matches("[ ] ").trim(), false));
        }
    }
    let digits = line.len() - line.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if (1..=3).contains(&digits) {
        let rest = &line[digits..];
        if let Some(rest) = rest.strip_prefix(". ").or_else(|| rest.strip_prefix(") ")) {
            return Some((rest.trim(), true));
        }
    }
    None
}

/// Inline Markdown: `` `code` `` and `**bold**`; everything escaped.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('`') {
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let fence = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match after.find(fence) {
            Some(end) => {
                out.push_str(&bold(&rest[..start]));
                out.push_str(&format!("<code>{}</code>", escape(after[..end].trim())));
                rest = &after[end + ticks..];
            }
            None => {
                out.push_str(&bold(&rest[..start + ticks]));
                rest = after;
            }
        }
    }
    out.push_str(&bold(rest));
    out
}

/// `**bold**` and `*emphasis*` in text outside code spans; escaped first, so the
/// markers are the only thing turned into tags.
fn bold(text: &str) -> String {
    static MARKS: OnceLock<Option<(Regex, Regex)>> = OnceLock::new();
    let escaped = escape(text);
    let Some((strong, em)) = MARKS.get_or_init(|| {
        Some((
            Regex::new(r"\*\*([^*\s](?:[^*]*[^*\s])?)\*\*").ok()?,
            Regex::new(r"(^|[^\w*])\*([^*\s](?:[^*]*[^*\s])?)\*([^\w*]|$)").ok()?,
        ))
    }) else {
        return escaped;
    };
    let out = strong.replace_all(&escaped, "<strong>$1</strong>");
    em.replace_all(&out, "$1<em>$2</em>$3").into_owned()
}

// ---------------------------------------------------------------------------------------
// The report page.

struct View<'a> {
    report: &'a Report,
    /// Reviewers named by findings but missing from the panel (a report edited by hand).
    outsiders: Vec<String>,
}

impl<'a> View<'a> {
    fn new(report: &'a Report) -> Self {
        let mut outsiders: Vec<String> = Vec::new();
        for f in &report.findings {
            for name in finding_reviewers(f) {
                if !report.reviewers.iter().any(|r| r.name == name) && !outsiders.contains(&name) {
                    outsiders.push(name);
                }
            }
        }
        View { report, outsiders }
    }

    fn title(&self) -> &str {
        self.report.title.as_deref().unwrap_or(&self.report.id)
    }

    fn display(&self, name: &str) -> String {
        self.report
            .reviewers
            .iter()
            .find(|r| r.name == name)
            .map_or_else(|| name.to_string(), |r| r.display.clone())
    }

    /// The filter key of reviewer `name`: `r<panel index>`, so a name with any
    /// characters in it becomes a safe token; reviewers outside the panel get theirs
    /// after it.
    fn key(&self, name: &str) -> String {
        let i = self
            .report
            .reviewers
            .iter()
            .position(|r| r.name == name)
            .unwrap_or_else(|| {
                self.report.reviewers.len()
                    + self.outsiders.iter().position(|n| n == name).unwrap_or(0)
            });
        format!("r{i}")
    }

    fn header(&self) -> String {
        let r = self.report;
        let t = &r.target;
        let mut meta: Vec<(&str, String)> = vec![("Target", target_html(t, self.title()))];
        meta.push(("Round", escape(&t.round.max(1).to_string())));
        meta.push(("Date", escape(&date(&r.created_at))));
        if let Some(head) = t.head.as_deref().filter(|h| !h.trim().is_empty()) {
            meta.push(("Head", format!("<code>{}</code>", escape(&short_sha(head)))));
        }
        if let Some(author) = t.author.as_deref().filter(|a| !a.trim().is_empty()) {
            meta.push(("Author", escape(&one_line(author))));
        }
        if let Some(ms) = r.wall_clock_ms {
            meta.push(("Wall-clock time", escape(&duration_words(ms))));
        }
        let reviewers: Vec<String> = r
            .reviewers
            .iter()
            .map(|rv| {
                let mut s = escape(&one_line(&rv.display));
                if rv.status != "ok" {
                    s.push_str(&format!(
                        " <span class=\"status bad\">{}</span>",
                        escape(status_label(&rv.status))
                    ));
                }
                s
            })
            .collect();
        meta.push(("Reviewers", reviewers.join(", ")));
        let dl: String = meta
            .iter()
            .map(|(k, v)| {
                let class = if matches!(*k, "Target" | "Reviewers") {
                    " class=\"wide\""
                } else {
                    ""
                };
                format!("<div{class}><dt>{k}</dt><dd>{v}</dd></div>")
            })
            .collect();
        let commits = if t.commits.is_empty() {
            String::new()
        } else {
            let items: String = t
                .commits
                .iter()
                .map(|c| {
                    format!(
                        "<li><code>{}</code> {}</li>",
                        escape(&short_sha(&c.sha)),
                        escape(&one_line(&c.subject))
                    )
                })
                .collect();
            details(
                &format!(
                    "{} in the change",
                    plural(t.commits.len(), "commit", "commits")
                ),
                &format!("<ul class=\"commits\">{items}</ul>\n"),
            )
        };
        let decision = r.verdict.decision;
        format!(
            "<header class=\"top\">\n<p class=\"kicker\">Deep Review</p>\n<h1>{}</h1>\n<dl class=\"meta\">{dl}</dl>\n{commits}\
             <div class=\"verdict {}\" id=\"verdict\"><span class=\"decision\">{}</span> <span class=\"reason\">{}</span></div>\n</header>\n\
             <nav class=\"toc\"><a href=\"#summary\">Summary</a><a href=\"#findings\">Findings</a><a href=\"#contribution\">Contribution</a><a href=\"#retro\">Retro</a><a href=\"#more\">More</a></nav>\n",
            escape(&one_line(self.title())),
            decision_class(decision),
            escape(decision.label()),
            inline(&one_line(&r.verdict.reason)),
        )
    }

    fn findings(&self) -> String {
        let r = self.report;
        let total = r.findings.len();
        let mut filters = String::from(
            "<div class=\"filters\" role=\"group\" aria-label=\"Filter findings\">\n<span class=\"flabel\">Severity</span>",
        );
        for s in Severity::ALL {
            let n = r.findings.iter().filter(|f| f.severity == s).count();
            filters.push_str(&format!(
                "<button type=\"button\" class=\"chip sev-{0}\" data-filter=\"severity\" data-value=\"{0}\" aria-pressed=\"true\">{1} <span class=\"n\">{n}</span></button>",
                s.as_str(),
                capitalised(s.as_str()),
            ));
        }
        filters.push_str("\n<span class=\"flabel\">Reviewer</span>");
        let mut names: Vec<(String, String)> = r
            .reviewers
            .iter()
            .map(|rv| (rv.name.clone(), rv.display.clone()))
            .collect();
        names.extend(self.outsiders.iter().map(|n| (n.clone(), n.clone())));
        for (name, display) in &names {
            let n = r
                .findings
                .iter()
                .filter(|f| finding_reviewers(f).contains(name))
                .count();
            filters.push_str(&format!(
                "<button type=\"button\" class=\"chip\" data-filter=\"reviewer\" data-value=\"{}\" aria-pressed=\"true\">{} <span class=\"n\">{n}</span></button>",
                self.key(name),
                escape(&one_line(display)),
            ));
        }
        filters.push_str("\n</div>\n");
        let count = format!(
            "<p class=\"count\" id=\"shown-count\" aria-live=\"polite\">{total} of {total} {} shown</p>\n",
            if total == 1 { "finding" } else { "findings" }
        );
        let cards: String = if total == 0 {
            "<p class=\"none\">No reviewer raised an issue.</p>\n".to_string()
        } else {
            r.findings.iter().map(|f| self.card(f)).collect()
        };
        section(
            "findings",
            "Findings",
            &format!(
                "{filters}{count}<div class=\"cards\">\n{cards}<p class=\"none\" id=\"no-match\" hidden>No finding matches the filters.</p>\n</div>\n"
            ),
        )
    }

    fn card(&self, f: &Finding) -> String {
        let reviewers = finding_reviewers(f);
        let keys: Vec<String> = reviewers.iter().map(|n| self.key(n)).collect();
        let pills: String = reviewers
            .iter()
            .map(|n| {
                format!(
                    "<span class=\"pill\">{}</span>",
                    escape(&one_line(&self.display(n)))
                )
            })
            .collect();
        let sev = f.severity.as_str();
        let mut head = format!(
            "<header><a class=\"id\" href=\"#finding-{}\" title=\"Link to this finding\">{}</a><span class=\"sev sev-{sev}\">{sev}</span>",
            anchor(&f.id),
            escape(&one_line(&f.id))
        );
        if let Some(kind) = f.kind.as_deref().map(one_line).filter(|k| !k.is_empty()) {
            head.push_str(&format!("<span class=\"kind\">{}</span>", escape(&kind)));
        }
        head.push_str(&format!(
            "<h3>{}</h3></header>\n",
            inline(&one_line(&f.title))
        ));
        let mut meta = String::from("<p class=\"where\">");
        if let Some(loc) = &f.location {
            meta.push_str(&format!(
                "<code class=\"loc\">{}</code> ",
                escape(&loc.to_string())
            ));
        }
        meta.push_str(&format!("<span class=\"pills\">{pills}</span></p>\n"));
        let mut notes: Vec<String> = Vec::new();
        match f.verification {
            Verification::Unverified => {
                notes.push("The location could not be confirmed at the head revision.".into())
            }
            Verification::Relocated => notes.push(
                "Line numbers moved to where the quoted code is at the head revision.".into(),
            ),
            Verification::Verified | Verification::NotChecked => {}
        }
        let others: Vec<String> = f
            .locations
            .iter()
            .filter(|l| Some(*l) != f.location.as_ref())
            .map(|l| format!("<code>{}</code>", escape(&l.to_string())))
            .collect();
        if !others.is_empty() {
            notes.push(format!("Also at {}.", others.join(", ")));
        }
        if let [first, rest @ ..] = f.members.as_slice() {
            let member = |m: &crate::report::Member| {
                let rated = if m.severity != f.severity {
                    format!(", rated {}", m.severity)
                } else {
                    String::new()
                };
                escape(&format!(
                    "{} ({}{rated})",
                    one_line(&self.display(&m.reviewer)),
                    one_line(&m.local_id)
                ))
            };
            if !rest.is_empty() {
                let rest: Vec<String> = rest.iter().map(member).collect();
                notes.push(format!(
                    "Raised by {}; also by {}.",
                    member(first),
                    rest.join(", ")
                ));
            }
        }
        if let Some(why) = f
            .reconciliation
            .as_deref()
            .map(one_line)
            .filter(|w| !w.is_empty())
        {
            notes.push(format!(
                "<strong>Severity: {sev}</strong> — {}.",
                escape(why.trim_end_matches('.'))
            ));
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            let items: String = notes.iter().map(|n| format!("<li>{n}</li>")).collect();
            format!("<ul class=\"notes\">{items}</ul>\n")
        };
        format!(
            "<article class=\"finding sev-{sev}\" id=\"finding-{}\" data-severity=\"{sev}\" data-reviewers=\"{}\">\n{head}{meta}<div class=\"body\">\n{}</div>\n{notes}</article>\n",
            anchor(&f.id),
            keys.join(" "),
            markdown(f.body.trim()),
        )
    }

    /// Each reviewer's findings no one else raised, findings it shared, and items of its
    /// that were dropped.
    fn contribution(&self) -> String {
        let r = self.report;
        if r.reviewers.is_empty() {
            return section(
                "contribution",
                "Reviewer contribution",
                "<p class=\"none\">No reviewer ran.</p>\n",
            );
        }
        let bars: Vec<Bar> = r
            .reviewers
            .iter()
            .map(|rv| {
                let raised = r
                    .findings
                    .iter()
                    .filter(|f| finding_reviewers(f).contains(&rv.name))
                    .count() as u32;
                Bar {
                    label: if rv.status == "ok" {
                        rv.display.clone()
                    } else {
                        format!("{} ({})", rv.display, status_label(&rv.status))
                    },
                    key: self.key(&rv.name),
                    values: vec![rv.unique, raised.saturating_sub(rv.unique), rv.dropped],
                }
            })
            .collect();
        section(
            "contribution",
            "Reviewer contribution",
            &stacked_bars(
                &CONTRIBUTION,
                &bars,
                "Findings per reviewer: raised by it alone, shared with another reviewer, and its items that were dropped",
            ),
        )
    }

    fn retro(&self) -> String {
        let r = self.report;
        if r.reviewers.is_empty() {
            return section(
                "retro",
                "Agent performance retro",
                "<p class=\"none\">None.</p>\n",
            );
        }
        let dash = || "—".to_string();
        let rows: String = r
            .reviewers
            .iter()
            .map(|rv| {
                let reviewed = |v: String| if rv.reviewed { v } else { dash() };
                let status_class = if rv.status == "ok" { "ok" } else { "bad" };
                let cells = [
                    format!("<th scope=\"row\">{}</th>", escape(&one_line(&rv.display))),
                    format!(
                        "<td><span class=\"status {status_class}\">{}</span></td>",
                        escape(status_label(&rv.status))
                    ),
                    td(&reviewed(counts_compact(&rv.findings))),
                    td(&reviewed(counts_compact(&rv.totals))),
                    td(&reviewed(rv.unique.to_string())),
                    td(&reviewed(rv.dropped.to_string())),
                    td(&rv.duration_ms.map_or_else(dash, duration_terse)),
                    td(&tool_calls(rv).unwrap_or_else(dash)),
                    td(&rv.tokens.and_then(tokens).unwrap_or_else(dash)),
                    td(&rv
                        .cost_usd
                        .filter(|c| c.is_finite())
                        .map_or_else(dash, |c| format!("${c:.2}"))),
                ];
                format!("<tr>{}</tr>\n", cells.concat())
            })
            .collect();
        let table = format!(
            "<div class=\"scroll\"><table class=\"retro\">\n<thead><tr><th scope=\"col\">Reviewer</th><th scope=\"col\">Status</th>\
             <th scope=\"col\" title=\"as the reviewer rated them\">Findings</th><th scope=\"col\" title=\"at the severity of the consolidated finding\">Totals</th>\
             <th scope=\"col\">Unique</th><th scope=\"col\">Dropped</th><th scope=\"col\">Duration</th><th scope=\"col\">Tool calls</th>\
             <th scope=\"col\">Tokens in / out</th><th scope=\"col\">Cost</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table></div>\n"
        );
        let paragraphs: String = r
            .reviewers
            .iter()
            .filter(|rv| !rv.retro.trim().is_empty())
            .map(|rv| {
                format!(
                    "<h4>{}</h4>\n{}",
                    escape(&one_line(&rv.display)),
                    markdown(rv.retro.trim())
                )
            })
            .collect();
        let reconciliation = if r.reconciliation.is_empty() {
            "No severity was changed and nothing was dropped.".to_string()
        } else {
            r.reconciliation.join(" ")
        };
        let mut inner = table;
        inner.push_str(&format!(
            "<p class=\"reconciliation\"><strong>Reconciliation.</strong> {}</p>\n",
            inline(&reconciliation)
        ));
        if !paragraphs.is_empty() {
            inner.push_str(&details("Per-reviewer retro", &paragraphs));
        }
        section("retro", "Agent performance retro", &inner)
    }

    /// Everything else, folded.
    fn more(&self, appendix: &[RawReview]) -> String {
        let r = self.report;
        let mut out = String::new();
        let count = |n: usize| format!(" <span class=\"n\">{n}</span>");

        let design = |groups: &[crate::report::DesignGroup]| -> String {
            if groups.is_empty() {
                return "<p class=\"none\">None.</p>\n".to_string();
            }
            groups
                .iter()
                .map(|g| {
                    let scope = g
                        .scope
                        .map(|s| format!(" <span class=\"kind\">{}</span>", s.as_str()))
                        .unwrap_or_default();
                    let who: String = g
                        .reviewers
                        .iter()
                        .map(|n| format!("<span class=\"pill\">{}</span>", escape(&one_line(&self.display(n)))))
                        .collect();
                    format!(
                        "<div class=\"item\"><p><strong>{}</strong>{scope} <span class=\"pills\">{who}</span></p>\n{}</div>\n",
                        escape(one_line(&g.title).trim_end_matches('.')),
                        markdown(g.body.trim())
                    )
                })
                .collect()
        };
        out.push_str(&details(
            &format!(
                "Design observations{}",
                count(r.design.concerns.len() + r.design.strengths.len())
            ),
            &format!(
                "<h4>Concerns</h4>\n{}<h4>Strengths</h4>\n{}",
                design(&r.design.concerns),
                design(&r.design.strengths)
            ),
        ));
        for (title, text) in [
            ("Testing assessment", &r.testing),
            ("Documentation assessment", &r.documentation),
            ("Commit structure", &r.commits),
        ] {
            out.push_str(&details(title, &markdown_or_none(text)));
        }
        let limitations: Vec<String> = r
            .acknowledged_limitations
            .iter()
            .map(|l| {
                let place = match (&l.path, l.line) {
                    (Some(p), Some(n)) => {
                        format!("<code>{}</code> — ", escape(&format!("{p}:{n}")))
                    }
                    (Some(p), None) => format!("<code>{}</code> — ", escape(p)),
                    _ => String::new(),
                };
                let sources: Vec<String> = l
                    .sources
                    .iter()
                    .map(|s| {
                        if s == "diff" {
                            "the diff".to_string()
                        } else {
                            one_line(&self.display(s))
                        }
                    })
                    .collect();
                format!(
                    "{place}{} <em>(noted in {})</em>",
                    escape(&one_line(&l.text)),
                    escape(&sources.join(", "))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Acknowledged limitations{}", count(limitations.len())),
            &list_or_none(&limitations),
        ));
        if !r.prior_round.is_empty() {
            let items: Vec<String> = r
                .prior_round
                .iter()
                .map(|c| {
                    format!(
                        "<strong>{}</strong> — {} <em>({})</em>",
                        escape(&one_line(&c.status)),
                        escape(&one_line(&c.text)),
                        escape(&one_line(&self.display(&c.reviewer)))
                    )
                })
                .collect();
            out.push_str(&details(
                &format!("Prior-round verification{}", count(items.len())),
                &list_or_none(&items),
            ));
        }
        let feedback: Vec<String> = r
            .unresolved_feedback
            .iter()
            .map(|f| {
                format!(
                    "<strong>{}</strong> — {} <em>({})</em>",
                    escape(&one_line(&f.status)),
                    escape(&one_line(&f.text)),
                    escape(&one_line(&f.source))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Unresolved feedback{}", count(feedback.len())),
            &list_or_none(&feedback),
        ));
        let dropped: Vec<String> = r
            .dropped
            .iter()
            .map(|d| {
                format!(
                    "<strong>{}</strong> <em>({} {})</em> — {}",
                    escape(&one_line(&d.title)),
                    escape(&one_line(&self.display(&d.reviewer))),
                    escape(&one_line(&d.local_id)),
                    escape(&one_line(&d.reason))
                )
            })
            .collect();
        out.push_str(&details(
            &format!("Dropped items{}", count(dropped.len())),
            &list_or_none(&dropped),
        ));
        let mut notes = String::from("<h4>Skill improvements</h4>\n");
        let skills: Vec<String> = r
            .skill_improvements
            .iter()
            .map(|s| inline(&one_line(s)))
            .collect();
        notes.push_str(&list_or_none(&skills));
        notes.push_str("<h4>Repo context updates</h4>\n");
        let context: Vec<String> = r
            .repo_context_updates
            .iter()
            .map(|s| inline(&one_line(s)))
            .collect();
        notes.push_str(&list_or_none(&context));
        if !r.diagnostics.is_empty() {
            notes.push_str("<h4>Parser diagnostics</h4>\n");
            let diags: Vec<String> = r
                .diagnostics
                .iter()
                .map(|d| {
                    format!(
                        "[{}] {}",
                        escape(&one_line(&self.display(&d.reviewer))),
                        escape(&one_line(&d.message))
                    )
                })
                .collect();
            notes.push_str(&list_or_none(&diags));
        }
        out.push_str(&details("Review process notes", &notes));

        // The appendix: each original review as its reviewer wrote it, as text.
        let mut raw = String::new();
        let mut shown = vec![false; appendix.len()];
        let one = |title: &str, text: &str| {
            let body = if text.trim().is_empty() {
                "<p class=\"none\">The review is empty.</p>\n".to_string()
            } else {
                format!(
                    "<pre class=\"raw\"><code>{}</code></pre>\n",
                    escape(text.trim())
                )
            };
            details(&escape(&one_line(title)), &body)
        };
        for rv in &r.reviewers {
            match appendix.iter().position(|a| a.reviewer == rv.name) {
                Some(i) => {
                    shown[i] = true;
                    raw.push_str(&one(&rv.display, &appendix[i].text));
                }
                None => raw.push_str(&details(
                    &escape(&one_line(&rv.display)),
                    &format!(
                        "<p class=\"none\">No review ({}).</p>\n",
                        escape(status_label(&rv.status))
                    ),
                )),
            }
        }
        for (a, shown) in appendix.iter().zip(shown) {
            if !shown {
                let title = if a.display.trim().is_empty() {
                    &a.reviewer
                } else {
                    &a.display
                };
                raw.push_str(&one(title, &a.text));
            }
        }
        if raw.is_empty() {
            raw.push_str("<p class=\"none\">None.</p>\n");
        }
        out.push_str(&details(
            &format!("Appendix: original reviews{}", count(appendix.len())),
            &raw,
        ));
        section("more", "More", &out)
    }
}

/// What the chart stacks for each reviewer.
const CONTRIBUTION: [Series; 3] = [
    Series {
        name: "unique",
        color: "#2f62c9",
    },
    Series {
        name: "shared",
        color: "#7ea4e6",
    },
    Series {
        name: "dropped",
        color: "#a2a8b3",
    },
];

/// A finding's reviewers, in panel order; from its members when the list is empty.
fn finding_reviewers(f: &Finding) -> Vec<String> {
    if !f.reviewers.is_empty() {
        return f.reviewers.clone();
    }
    let mut names: Vec<String> = Vec::new();
    for m in &f.members {
        if !names.contains(&m.reviewer) {
            names.push(m.reviewer.clone());
        }
    }
    names
}

/// `C1` → `C1`; anything else to a safe id fragment.
fn anchor(id: &str) -> String {
    id.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect()
}

fn td(text: &str) -> String {
    format!("<td>{}</td>", escape(text))
}

/// `items` (HTML) as a list, or "None.".
fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        return "<p class=\"none\">None.</p>\n".to_string();
    }
    let li: String = items.iter().map(|i| format!("<li>{i}</li>")).collect();
    format!("<ul>{li}</ul>\n")
}

fn capitalised(word: &str) -> String {
    let mut c = word.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn decision_class(d: Decision) -> &'static str {
    match d {
        Decision::Rework => "rework",
        Decision::MergeWithFixes => "fixes",
        Decision::MergeAsIs => "ok",
        Decision::Incomplete => "incomplete",
    }
}

/// `owner/repo #12 — title`, or a local path and branch; URLs as text, never links. The
/// target's title is left out when it is the page's.
fn target_html(t: &Target, page_title: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(repo) = t.repo.as_deref().filter(|r| !r.trim().is_empty()) {
        parts.push(format!("<code>{}</code>", escape(&one_line(repo))));
    }
    if let Some(n) = t.number {
        parts.push(format!("PR #{n}"));
    }
    if let Some(branch) = t.branch.as_deref().filter(|b| !b.trim().is_empty()) {
        parts.push(format!("branch <code>{}</code>", escape(&one_line(branch))));
    }
    if let Some(title) = t
        .title
        .as_deref()
        .filter(|b| !b.trim().is_empty() && one_line(b) != one_line(page_title))
    {
        parts.push(format!("— {}", escape(&one_line(title))));
    }
    if let Some(url) = t.url.as_deref().filter(|u| !u.trim().is_empty()) {
        parts.push(format!(
            "<span class=\"url\">{}</span>",
            escape(&one_line(url))
        ));
    }
    if parts.is_empty() {
        "—".to_string()
    } else {
        parts.join(" ")
    }
}

fn status_label(status: &str) -> &str {
    match status {
        "ok" => "finished",
        "failed" => "failed",
        "timed_out" => "timed out",
        "skipped" => "not run",
        "not_finished" => "did not finish",
        "budget_exceeded" => "stopped at its budget",
        other => other,
    }
}

/// `22 (Read 11, Grep 6)`: busiest tool first.
fn tool_calls(r: &ReviewerReport) -> Option<String> {
    if r.tool_calls.is_empty() {
        return None;
    }
    let total: u64 = r.tool_calls.values().sum();
    let mut tools: Vec<(&String, &u64)> = r.tool_calls.iter().collect();
    tools.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let parts: Vec<String> = tools
        .iter()
        .take(2)
        .map(|(k, v)| format!("{} {v}", one_line(k)))
        .collect();
    Some(format!("{total} ({})", parts.join(", ")))
}

fn tokens(t: Tokens) -> Option<String> {
    if t.input == 0 && t.output == 0 {
        return None;
    }
    Some(format!("{} / {}", thousands(t.input), thousands(t.output)))
}

/// `1234567` → `1.2M`, `45210` → `45.2k`, `812` → `812`.
fn thousands(n: u64) -> String {
    match n {
        0..=999 => n.to_string(),
        1_000..=999_999 => format!("{:.1}k", n as f64 / 1_000.0),
        _ => format!("{:.1}M", n as f64 / 1_000_000.0),
    }
}

fn date(created_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|d| {
            d.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M UTC")
                .to_string()
        })
        .unwrap_or_else(|_| one_line(created_at))
}

fn short_sha(sha: &str) -> String {
    let sha = one_line(sha);
    if sha.len() > 7 && sha.chars().all(|c| c.is_ascii_hexdigit()) {
        sha[..7].to_string()
    } else {
        sha
    }
}

/// Filters: a card shows when its severity is pressed and at least one of its
/// reviewers is; the count line follows.
const FILTER_SCRIPT: &str = r#"(function () {
  'use strict';
  var cards = Array.prototype.slice.call(document.querySelectorAll('article.finding'));
  var buttons = Array.prototype.slice.call(document.querySelectorAll('button[data-filter]'));
  var count = document.getElementById('shown-count');
  function pressed(kind) {
    var set = {};
    buttons.forEach(function (b) {
      if (b.dataset.filter === kind && b.getAttribute('aria-pressed') === 'true') { set[b.dataset.value] = true; }
    });
    return set;
  }
  function update() {
    var sev = pressed('severity'), rev = pressed('reviewer'), shown = 0;
    cards.forEach(function (c) {
      var names = c.dataset.reviewers ? c.dataset.reviewers.split(' ') : [];
      var ok = sev[c.dataset.severity] === true &&
        (names.length === 0 || names.some(function (r) { return rev[r] === true; }));
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var none = document.getElementById('no-match');
    if (none) { none.hidden = shown > 0 || cards.length === 0; }
    if (count) {
      count.textContent = shown + ' of ' + cards.length + (cards.length === 1 ? ' finding' : ' findings') + ' shown';
    }
  }
  buttons.forEach(function (b) {
    b.addEventListener('click', function () {
      b.setAttribute('aria-pressed', b.getAttribute('aria-pressed') === 'true' ? 'false' : 'true');
      update();
    });
  });
  update();
})();
"#;

const STYLE: &str = r#"
:root{--fg:#1d2330;--muted:#5d6677;--bg:#f6f7f9;--card:#fff;--line:#dfe3ea;--code:#f1f3f6;
--crit:#c62828;--imp:#d9822b;--sug:#2f6fdf;--ok:#2e7d32}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa3b2;--bg:#15181e;--card:#1e222a;--line:#333a46;--code:#262b35}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:72rem;margin:0 auto;padding:1.5rem 1rem 3rem}
h1{font-size:1.6rem;margin:.1rem 0 .8rem;line-height:1.25}
h2{font-size:1.2rem;margin:2rem 0 .8rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
h3{font-size:1rem;margin:0;display:inline}
h4{margin:1rem 0 .3rem;font-size:.95rem}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--code);padding:.05rem .3rem;border-radius:4px}
pre{background:var(--code);padding:.7rem .9rem;border-radius:6px;overflow-x:auto;white-space:pre}
pre code{background:none;padding:0}
pre.raw{white-space:pre-wrap;word-wrap:break-word;max-height:40rem;overflow-y:auto}
[hidden]{display:none!important}
.kicker{margin:0;text-transform:uppercase;letter-spacing:.08em;font-size:.75rem;color:var(--muted);font-weight:600}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.4rem 1.2rem;margin:0 0 .8rem}
.meta div{min-width:0}.meta .wide{grid-column:span 2}.meta dt{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.meta dd{margin:0;overflow-wrap:anywhere}
.url{display:block;color:var(--muted);font-size:.85rem}
.verdict{margin-top:.8rem;padding:.8rem 1rem;border-radius:8px;border-left:6px solid var(--muted);background:var(--card)}
.verdict .decision{font-weight:700;font-size:1.1rem;margin-right:.4rem}
.verdict.rework{border-color:var(--crit)}.verdict.rework .decision{color:var(--crit)}
.verdict.fixes{border-color:var(--imp)}.verdict.fixes .decision{color:var(--imp)}
.verdict.ok{border-color:var(--ok)}.verdict.ok .decision{color:var(--ok)}
.toc{display:flex;gap:1rem;margin:1rem 0 0;font-size:.9rem}.toc a{color:var(--sug);text-decoration:none}
.filters{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin-bottom:.5rem}
.flabel{font-size:.75rem;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;margin:0 .2rem 0 .6rem}
.flabel:first-child{margin-left:0}
.chip{font:inherit;font-size:.85rem;border:1px solid var(--line);background:var(--card);color:var(--fg);border-radius:999px;padding:.2rem .7rem;cursor:pointer}
.chip[aria-pressed=true]{background:var(--fg);color:var(--bg);border-color:var(--fg)}
.chip[aria-pressed=false]{opacity:.6;text-decoration:line-through}
.chip .n{font-size:.75rem;opacity:.8;margin-left:.15rem}
.count{color:var(--muted);font-size:.85rem;margin:.3rem 0 .8rem}
.finding{background:var(--card);border:1px solid var(--line);border-left:5px solid var(--muted);border-radius:8px;padding:.8rem 1rem;margin:0 0 .9rem}
.finding.sev-critical{border-left-color:var(--crit)}.finding.sev-important{border-left-color:var(--imp)}.finding.sev-suggestion{border-left-color:var(--sug)}
.finding header{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem}
.id{font-weight:700;font-family:ui-monospace,monospace;color:inherit;text-decoration:none}.id:hover{text-decoration:underline}
.sev,.kind{font-size:.7rem;text-transform:uppercase;letter-spacing:.05em;padding:.05rem .45rem;border-radius:4px;color:#fff;background:var(--muted)}
.sev.sev-critical{background:var(--crit)}.sev.sev-important{background:var(--imp)}.sev.sev-suggestion{background:var(--sug)}
.kind{background:none;color:var(--muted);border:1px solid var(--line)}
.where{margin:.4rem 0;font-size:.9rem}
.pill{display:inline-block;font-size:.75rem;background:var(--code);border:1px solid var(--line);border-radius:999px;padding:0 .5rem;margin-right:.25rem}
.body p{margin:.5rem 0}.body ul,.body ol{margin:.4rem 0;padding-left:1.3rem}
.notes{margin:.5rem 0 0;padding:.5rem 0 0 1.1rem;border-top:1px dashed var(--line);font-size:.85rem;color:var(--muted)}
.none{color:var(--muted);font-style:italic}
.chart-box{margin:0;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.8rem 1rem;overflow-x:auto}
.chart{max-width:100%;height:auto;display:block}
.chart text{font:13px system-ui,sans-serif;fill:var(--fg)}.chart .total{fill:var(--muted);font-size:12px}.chart text.in{fill:#fff;font-size:11px;font-weight:600}
figcaption{font-size:.8rem;color:var(--muted);margin-top:.4rem}
.legend{display:inline-flex;gap:1rem;list-style:none;padding:0;margin:0 1rem 0 0}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-.1rem}
.scroll{overflow-x:auto}
table.retro{border-collapse:collapse;width:100%;background:var(--card);font-size:.88rem}
.retro th,.retro td{border:1px solid var(--line);padding:.4rem .6rem;text-align:left;white-space:nowrap}
.retro thead th{background:var(--code);font-size:.78rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.status{font-size:.8rem;padding:.05rem .45rem;border-radius:4px}
.status.ok{background:#e3f1e4;color:#1f5f23}.status.bad{background:#fbe3e3;color:#8e1d1d}
details{background:var(--card);border:1px solid var(--line);border-radius:8px;margin:0 0 .6rem}
details>summary{cursor:pointer;padding:.55rem .9rem;font-weight:600}
details .n{font-weight:400;color:var(--muted);font-size:.85rem;margin-left:.3rem}
.fold{padding:0 .9rem .6rem}
.fold details{margin-top:.4rem}
.top details{margin-top:.3rem}
.commits{list-style:none;padding:0}
footer{margin-top:2.5rem;color:var(--muted);font-size:.8rem}
@media print{.filters,.toc,.count{display:none}body{background:#fff}.finding,details{break-inside:avoid}}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::narrative::build_report;
    use crate::narrative::fixtures::{go_gateway, python_clean, rust_cache};

    const HOSTILE: &str =
        "<script>alert(1)</script>\" onmouseover=\"alert(2)\" ' x='<img src=x onerror=alert(3)>";

    /// Every attribute value in `html` (double-quoted, as this module writes them).
    fn attributes(html: &str) -> Vec<(String, String)> {
        let re = regex::Regex::new(r#"\s([a-zA-Z-]+)="([^"]*)""#).expect("regex");
        re.captures_iter(html)
            .map(|c| (c[1].to_ascii_lowercase(), c[2].to_string()))
            .collect()
    }

    #[test]
    fn hostile_text_stays_text() {
        let mut report = build_report(&rust_cache().input());
        report.title = Some(HOSTILE.into());
        report.summary = format!("{HOSTILE}\n\n[click](javascript:alert(4))");
        report.findings[0].title = HOSTILE.into();
        report.findings[0].body =
            format!("{HOSTILE}\n\n```rust\"><script>x()</script>\nlet a = \"</code></pre><script>\";\n```\n");
        report.findings[0].location = Some(crate::model::Location::file(HOSTILE));
        report.reviewers[0].display = HOSTILE.into();
        report.target.url = Some("javascript:alert(5)".into());
        report.dropped.push(crate::report::Dropped {
            reviewer: HOSTILE.into(),
            local_id: HOSTILE.into(),
            title: HOSTILE.into(),
            reason: HOSTILE.into(),
        });
        let raw = [RawReview {
            reviewer: "claude".into(),
            display: HOSTILE.into(),
            text: HOSTILE.into(),
        }];
        let html = render(&report, &raw);
        // Only the page's own script element, and no element or handler from the text.
        assert_eq!(html.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;"));
        for (name, value) in attributes(&html) {
            assert!(!name.starts_with("on"), "handler attribute {name}={value}");
            assert!(
                !value.to_ascii_lowercase().contains("javascript:"),
                "{name}={value}"
            );
            assert!(!value.contains('<'), "{name}={value}");
        }
        // The hostile display name sits in text and title elements, not attributes.
        assert!(!html.contains(" onmouseover=\""));
        assert!(html.contains("&quot; onmouseover=&quot;alert(2)&quot; &#39; x=&#39;"));
        // No link from data at all; the URL shows as text.
        assert!(!html.contains("href=\"javascript"));
        assert!(html.contains("<span class=\"url\">javascript:alert(5)</span>"));
    }

    /// The page's body for a fixture (the shell's stylesheet and script are left out:
    /// they do not depend on the report).
    #[test]
    fn review_html_go_gateway() {
        let scenario = go_gateway();
        let html = render(&build_report(&scenario.input()), &scenario.raw);
        let body = html
            .split("<main>\n")
            .nth(1)
            .and_then(|b| b.split("</main>").next())
            .expect("a main element");
        insta::assert_snapshot!(body);
    }

    #[test]
    fn escape_covers_attribute_quotes_and_controls() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\u{1b}[31m\n"),
            "a&lt;b&gt;&amp;&quot;c&quot; &#39;d&#39;\u{FFFD}[31m\n"
        );
    }

    #[test]
    fn cards_carry_the_filters_data() {
        let report = build_report(&go_gateway().input());
        let html = render(&report, &[]);
        assert_eq!(
            html.matches("<article class=\"finding").count(),
            report.findings.len()
        );
        for f in &report.findings {
            let keys: Vec<String> = f
                .reviewers
                .iter()
                .map(|n| {
                    let i = report
                        .reviewers
                        .iter()
                        .position(|r| &r.name == n)
                        .expect("in the panel");
                    format!("r{i}")
                })
                .collect();
            let needle = format!(
                "data-severity=\"{}\" data-reviewers=\"{}\"",
                f.severity.as_str(),
                keys.join(" ")
            );
            assert!(html.contains(&needle), "{needle}");
        }
        for s in Severity::ALL {
            assert!(html.contains(&format!(
                "data-filter=\"severity\" data-value=\"{}\" aria-pressed=\"true\"",
                s.as_str()
            )));
        }
        for i in 0..report.reviewers.len() {
            assert!(html.contains(&format!(
                "data-filter=\"reviewer\" data-value=\"r{i}\" aria-pressed=\"true\""
            )));
        }
        let total = report.findings.len();
        assert!(html.contains(&format!(
            "id=\"shown-count\" aria-live=\"polite\">{total} of {total} findings shown</p>"
        )));
    }

    #[test]
    fn the_chart_has_one_bar_group_per_reviewer() {
        for scenario in [go_gateway(), rust_cache(), python_clean()] {
            let report = build_report(&scenario.input());
            let html = render(&report, &scenario.raw);
            assert_eq!(
                html.matches("<g class=\"bar\"").count(),
                report.reviewers.len(),
                "{}",
                scenario.id
            );
            // Each reviewer's segments add up to what it raised and had dropped.
            for (i, r) in report.reviewers.iter().enumerate() {
                let raised = report
                    .findings
                    .iter()
                    .filter(|f| f.reviewers.contains(&r.name))
                    .count() as u32;
                let group = html
                    .split(&format!("<g class=\"bar\" data-key=\"r{i}\">"))
                    .nth(1)
                    .and_then(|g| g.split("</g>").next())
                    .expect("the bar group");
                assert!(
                    group
                        .trim_end()
                        .ends_with(&format!(">{}</text>", raised + r.dropped)),
                    "{group}"
                );
                assert_eq!(
                    group.matches("<rect").count(),
                    [r.unique, raised - r.unique, r.dropped]
                        .iter()
                        .filter(|v| **v > 0)
                        .count()
                );
            }
        }
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere() {
        let scenario = go_gateway();
        let html = render(&build_report(&scenario.input()), &scenario.raw);
        let lower = html.to_ascii_lowercase();
        for (name, value) in attributes(&html) {
            if matches!(
                name.as_str(),
                "src" | "href" | "action" | "srcset" | "poster"
            ) {
                assert!(value.starts_with('#'), "{name}={value}");
            }
        }
        assert!(!lower.contains("@import"));
        assert!(!lower.contains("url("));
        assert!(!lower.contains("<link"));
        assert!(!lower.contains("<iframe"));
        // The SVG namespace is a name, not a fetch; nothing else says http.
        let without_ns = lower.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
        assert!(!without_ns.contains("src=\"http"));
        assert!(!without_ns.contains("href=\"http"));
        assert!(html.contains("content=\"default-src 'none';"));
    }

    #[test]
    fn the_csp_allows_exactly_the_page_script() {
        let html = page("t", "", "x();");
        let hash = base64(&Sha256::digest(b"x();"));
        assert!(html.contains(&format!("script-src 'sha256-{hash}'")));
        assert_eq!(base64(b"abcd"), "YWJjZA==");
        assert_eq!(base64(b"abcde"), "YWJjZGU=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    /// The pipeline masks secret-like strings in every output it writes; the page's own
    /// parts (the CSP hash above all, whose change would stop the script) must not look
    /// like one.
    #[test]
    fn the_page_survives_secret_masking() {
        for scenario in [go_gateway(), rust_cache(), python_clean()] {
            let html = render(&build_report(&scenario.input()), &scenario.raw);
            let masked = crate::secrets::mask_secrets(&html);
            assert!(masked == html, "{}", scenario.id);
        }
    }

    #[test]
    fn markdown_subset() {
        assert_eq!(
            markdown("Use `a<b>` **now**.\n\n- one\n- two `x`\n\n```go\nif a < b {}\n```"),
            "<p>Use <code>a&lt;b&gt;</code> <strong>now</strong>.</p>\n<ul><li>one</li><li>two <code>x</code></li></ul>\n<pre><code class=\"language-go\">if a &lt; b {}</code></pre>\n"
        );
        // An unclosed fence runs to the end; a lone `**` stays as written.
        assert_eq!(
            markdown("a ** b\n```\n<x>"),
            "<p>a ** b</p>\n<pre><code>&lt;x&gt;</code></pre>\n"
        );
        // Code keeps its relative indentation only; a non-ASCII space is code too.
        assert_eq!(
            markdown("  ```\n      if a {\n\n          b\n      }\n  ```\n```\n\u{3000}x\n```"),
            "<pre><code>if a {\n\n    b\n}</code></pre>\n<pre><code>\u{3000}x</code></pre>\n"
        );
        // Emphasis, but not a product or a glob.
        assert_eq!(
            inline("*Taken into the findings as* S2; a * b * c; `*.rs` and **x**"),
            "<em>Taken into the findings as</em> S2; a * b * c; <code>*.rs</code> and <strong>x</strong>"
        );
    }

    proptest::proptest! {
        /// Whatever a reviewer writes, the only tags in its rendering are the subset's
        /// own, and nothing panics (fences, indentation, non-ASCII spaces).
        #[test]
        fn reviewer_markdown_makes_no_tags_of_its_own(
            text in "[`*#<>\"'&~ \t\n\\-1.a-z\u{3000}\u{e9}]{0,300}"
        ) {
            let html = markdown(&text);
            let ours = Regex::new(
                r#"</?(p|ul|ol|li|pre|strong|em|code)( class="[a-z0-9_+-]+")?>"#,
            )
            .expect("regex");
            let left = ours.replace_all(&html, "");
            proptest::prop_assert!(!left.contains('<'), "{text:?} -> {html}");
            proptest::prop_assert!(!left.contains('>'), "{text:?} -> {html}");
        }
    }
}
