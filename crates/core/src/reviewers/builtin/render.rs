//! Writing the builtin reviewer's review: the standard Markdown sections, then the
//! fenced JSON block (built with `serde_json`) the parser reads first. Pure.
//!
//! JSON block shape (version 1, to be reconciled with the parser):
//! `{"deep_review":1,"summary","verdict","findings":[{"id","severity","title",
//! "locations":["path:12"],"body","tags","kind","source"}],"testing","limitations":
//! [{"path","line","text"}],"coverage":[{"path","note"}]}`.

use serde_json::json;

use super::Finding;
use crate::lang::{extension, file_type};
use crate::model::{Decision, ItemSource, Limitation, Severity};
use crate::prose::{fence_for, plural};

/// Version of the JSON block this module writes (`"deep_review": 1`).
pub const REVIEW_SCHEMA_VERSION: u32 = 1;

/// What one linter reported, and how much of it the added-line filter kept.
pub(crate) struct ToolStats {
    pub tool: String,
    pub diagnostics: usize,
    pub in_changed_files: usize,
    pub on_added_lines: usize,
}

/// Everything the review text is made of.
pub(crate) struct ReviewInput<'a> {
    /// Sorted by severity, path, line.
    pub findings: &'a [Finding],
    pub limitations: &'a [Limitation],
    /// Each checked file and the tools that looked at it.
    pub coverage: &'a [(String, Vec<String>)],
    pub notes: &'a [String],
    /// Linters that ran and produced readable output.
    pub tools_ran: Vec<String>,
    pub tool_stats: &'a [ToolStats],
    pub tests_touched: &'a [String],
    pub files_changed: usize,
}

/// A finding with its number (`C1`, `I2`, `S3`).
struct Numbered<'a> {
    id: String,
    finding: &'a Finding,
}

fn number(findings: &[Finding]) -> Vec<Numbered<'_>> {
    let mut counters = [0u32; 3];
    findings
        .iter()
        .map(|f| {
            let slot = match f.severity {
                Severity::Critical => 0,
                Severity::Important => 1,
                Severity::Suggestion => 2,
            };
            counters[slot] += 1;
            Numbered {
                id: format!("{}{}", f.severity.letter(), counters[slot]),
                finding: f,
            }
        })
        .collect()
}

fn location(f: &Finding) -> String {
    match (f.line, f.line_end) {
        (Some(a), Some(b)) if b > a => format!("{}:{a}-{b}", f.path),
        (Some(a), _) => format!("{}:{a}", f.path),
        _ => f.path.clone(),
    }
}

fn verdict(findings: &[Finding]) -> Decision {
    match findings.iter().map(|f| f.severity).min() {
        Some(Severity::Critical) => Decision::Rework,
        Some(Severity::Important) => Decision::MergeWithFixes,
        _ => Decision::MergeAsIs,
    }
}

fn count(findings: &[Finding], severity: Severity) -> usize {
    findings.iter().filter(|f| f.severity == severity).count()
}

fn summary(input: &ReviewInput<'_>, numbered: &[Numbered<'_>]) -> String {
    let tools = if input.tools_ran.is_empty() {
        "its own checks (no linter applied or none was available)".to_string()
    } else {
        format!("{} and its own checks", input.tools_ran.join(", "))
    };
    let counts = format!(
        "{}, {} and {}",
        plural(
            count(input.findings, Severity::Critical),
            "critical issue",
            "critical issues"
        ),
        plural(
            count(input.findings, Severity::Important),
            "important issue",
            "important issues"
        ),
        plural(
            count(input.findings, Severity::Suggestion),
            "suggestion",
            "suggestions"
        ),
    );
    let top = numbered
        .iter()
        .take(2)
        .map(|n| format!("{} ({})", n.id, n.finding.title))
        .collect::<Vec<_>>()
        .join("; ");
    let mut text = format!(
        "Deterministic review (no model): {} checked with {tools}, keeping only what \
         the change adds. Found {counts}.",
        plural(input.coverage.len(), "changed file", "changed files"),
    );
    if !top.is_empty() {
        text.push_str(&format!(" Top: {top}."));
    }
    text
}

fn verdict_reason(decision: Decision, numbered: &[Numbered<'_>]) -> String {
    let first = numbered
        .first()
        .map(|n| format!("{}: {}", n.id, n.finding.title));
    match (decision, first) {
        (Decision::MergeAsIs, None) => "nothing found on the added lines".into(),
        (Decision::MergeAsIs, Some(_)) => "suggestions only".into(),
        (_, Some(top)) => top,
        (_, None) => String::new(),
    }
}

fn testing_text(input: &ReviewInput<'_>, numbered: &[Numbered<'_>]) -> String {
    if let Some(n) = numbered
        .iter()
        .find(|n| n.finding.source == ItemSource::Testing)
    {
        return format!(
            "{}: {}. The builtin reviewer does not run tests; it only checks whether the \
             change touches them.",
            n.id, n.finding.title
        );
    }
    if input.tests_touched.is_empty() {
        "No source file gained lines, so no test change is expected. The builtin reviewer \
         does not run tests."
            .into()
    } else {
        format!(
            "The change touches test files ({}). The builtin reviewer does not run them.",
            input
                .tests_touched
                .iter()
                .take(8)
                .map(|t| format!("`{t}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The info string of a fenced snippet from `path`.
fn code_language(path: &str) -> &'static str {
    file_type(extension(path)).map_or("", |t| t.fence)
}

/// A fenced block whose fence is longer than any backtick run inside.
fn fenced(text: &str, lang: &str) -> String {
    let fence = fence_for(text);
    format!("{fence}{lang}\n{text}\n{fence}")
}

/// The body with its snippet first, as it appears in both the Markdown and the JSON.
fn full_body(f: &Finding) -> String {
    match &f.snippet {
        Some(s) => format!("{}\n\n{}", fenced(s, code_language(&f.path)), f.body),
        None => f.body.clone(),
    }
}

/// Starts a section: exactly one blank line before and after the heading.
fn section(md: &mut String, heading: &str) {
    let kept = md.trim_end_matches('\n').len();
    md.truncate(kept);
    md.push_str("\n\n");
    md.push_str(heading);
    md.push_str("\n\n");
}

/// The review: Markdown sections, then the fenced JSON block.
pub(crate) fn review_text(input: &ReviewInput<'_>) -> String {
    let numbered = number(input.findings);
    let decision = verdict(input.findings);
    let summary = summary(input, &numbered);
    let testing = testing_text(input, &numbered);
    let mut md = String::new();

    md.push_str("# Builtin Review\n\n");
    md.push_str(&format!(
        "**Verdict:** {} — {}\n\n",
        decision.label(),
        verdict_reason(decision, &numbered)
    ));
    md.push_str("## Executive Summary\n\n");
    md.push_str(&summary);
    section(&mut md, "## Findings");
    for (severity, heading) in [
        (Severity::Critical, "Critical Issues"),
        (Severity::Important, "Important Issues"),
        (Severity::Suggestion, "Suggestions"),
    ] {
        section(&mut md, &format!("### {heading}"));
        let items: Vec<&Numbered<'_>> = numbered
            .iter()
            .filter(|n| n.finding.severity == severity)
            .collect();
        if items.is_empty() {
            md.push_str("None.\n");
        }
        for n in items {
            let f = n.finding;
            // A finding on a commit message has no file to name.
            let at = match location(f) {
                at if at.is_empty() => "commit message".to_string(),
                at => format!("`{at}`"),
            };
            md.push_str(&format!(
                "{}. **{}** — {} ({}, {})\n\n{}\n\n",
                n.id,
                f.title,
                at,
                f.severity,
                f.kind.as_str(),
                full_body(f)
            ));
        }
    }
    section(&mut md, "## Testing Assessment");
    md.push_str(&testing);
    section(&mut md, "## Acknowledged Limitations");
    if input.limitations.is_empty() {
        md.push_str("None.\n");
    }
    for l in input.limitations {
        let at = match (&l.path, l.line) {
            (Some(p), Some(n)) => format!("`{p}:{n}` — "),
            (Some(p), None) => format!("`{p}` — "),
            _ => String::new(),
        };
        md.push_str(&format!("- {at}{}\n", l.text));
    }
    section(&mut md, "## Coverage Summary");
    if input.coverage.is_empty() {
        md.push_str("No changed file with added lines.\n");
    }
    let coverage_notes: Vec<(String, String)> = input
        .coverage
        .iter()
        .map(|(path, tools)| {
            let ids: Vec<&str> = numbered
                .iter()
                .filter(|n| &n.finding.path == path)
                .map(|n| n.id.as_str())
                .collect();
            let mut note = tools.join(", ");
            if !ids.is_empty() {
                note.push_str(&format!(" — {}", ids.join(", ")));
            }
            (path.clone(), note)
        })
        .collect();
    for (path, note) in &coverage_notes {
        md.push_str(&format!("- `{path}` — {note}\n"));
    }
    if !input.tool_stats.is_empty() {
        md.push('\n');
    }
    for t in input.tool_stats {
        md.push_str(&format!(
            "- {}: {}, {} in changed files, {} on added lines (reported)\n",
            t.tool,
            plural(t.diagnostics, "diagnostic", "diagnostics"),
            t.in_changed_files,
            t.on_added_lines
        ));
    }
    if !input.notes.is_empty() {
        section(&mut md, "## Review Process Notes");
        for n in input.notes {
            md.push_str(&format!("- {n}\n"));
        }
    }

    let block = json!({
        "deep_review": REVIEW_SCHEMA_VERSION,
        "summary": summary,
        "verdict": decision.as_str(),
        "findings": numbered.iter().map(|n| {
            let f = n.finding;
            json!({
                "id": n.id,
                "severity": f.severity.as_str(),
                "title": f.title,
                "locations": Some(location(f)).filter(|l| !l.is_empty()).into_iter().collect::<Vec<_>>(),
                "body": full_body(f),
                "tags": f.tags,
                "kind": f.kind.as_str(),
                "source": match f.source {
                    ItemSource::Testing => "testing",
                    ItemSource::Documentation => "documentation",
                    ItemSource::Commits => "commits",
                    ItemSource::Finding => "finding",
                },
                "tool": f.tool,
                "rule": f.rule,
            })
        }).collect::<Vec<_>>(),
        "testing": testing,
        "limitations": input.limitations.iter().map(|l| json!({
            "path": l.path, "line": l.line, "text": l.text,
        })).collect::<Vec<_>>(),
        "coverage": coverage_notes.iter().map(|(path, note)| json!({
            "path": path, "note": note,
        })).collect::<Vec<_>>(),
        "files_changed": input.files_changed,
        "tools": input.tool_stats.iter().map(|t| json!({
            "name": t.tool,
            "diagnostics": t.diagnostics,
            "in_changed_files": t.in_changed_files,
            "on_added_lines": t.on_added_lines,
        })).collect::<Vec<_>>(),
    });
    let pretty = serde_json::to_string_pretty(&block).unwrap_or_else(|_| block.to_string());
    // Backticks only occur inside JSON strings: escaping them keeps the block free of
    // fence characters, so a plain ```json fence always holds it.
    let pretty = pretty.replace('`', "\\u0060");
    md.push_str("\n```json\n");
    md.push_str(&pretty);
    md.push_str("\n```\n");
    md
}
