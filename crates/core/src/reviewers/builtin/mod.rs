//! The `builtin` reviewer: real linters found on the machine, run on the changed files
//! of the read-only checkout, keeping only diagnostics on lines the change adds; plus
//! our own checks (secrets, conflict markers, test gaps, large files, debug leftovers).
//! Needs no model and no network. Its output is a review like any other reviewer's.
//!
//! Pieces, in data-flow order: [`crate::diff`] reads the change; `linters` runs and
//! parses the tools and keeps what the change introduced (reviewdog's `added`
//! filter); `checks` (with `secrets`) looks at added lines itself; this module merges,
//! orders and masks the findings, and `render` writes the review (Markdown sections
//! plus the fenced JSON block). Secret values never leave this module unmasked.

mod checks;
mod linters;
mod render;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};

use tokio_util::sync::CancellationToken;

use crate::config::ReviewerConfig;
use crate::diff::{acknowledged_limitations, parse_unified_diff, FileDiff, FileStatus};
use crate::model::{ItemSource, Severity};
use crate::reviewers::{Progress, RunContext};
use crate::secrets;

/// What a builtin run produced.
#[derive(Debug, Clone, Default)]
pub struct BuiltinOutcome {
    /// The review text (Markdown with the fenced JSON block the parser prefers).
    pub review: String,
    /// Linters run, by tool name (`clippy` → 1), for the run record.
    pub tool_calls: BTreeMap<String, u64>,
    /// Linters that were missing, timed out or failed, one line each.
    pub notes: Vec<String>,
    /// Changed files the builtin reviewer looked at.
    pub files_read: Vec<String>,
}

/// The kind of a finding, as the report spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Regression,
    Gap,
    Enhancement,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Regression => "regression",
            Kind::Gap => "gap",
            Kind::Enhancement => "enhancement",
        }
    }
}

/// One problem the builtin reviewer found, before numbering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Finding {
    pub severity: Severity,
    pub kind: Kind,
    /// `clippy`, `ruff`, `secrets`, `conflict-markers`, ….
    pub tool: String,
    pub rule: String,
    pub title: String,
    pub path: String,
    pub line: Option<u32>,
    pub line_end: Option<u32>,
    /// Explanation and fix, Markdown.
    pub body: String,
    /// The offending lines as they are at head.
    pub snippet: Option<String>,
    pub tags: Vec<String>,
    pub source: ItemSource,
}

/// Reviews the change in `ctx` (diff in `ctx.diff_file`, code in `ctx.checkout`).
pub async fn review(
    config: &ReviewerConfig,
    ctx: &RunContext,
    cancel: &CancellationToken,
) -> BuiltinOutcome {
    review_reporting(config, ctx, &Progress::silent(&config.name), cancel).await
}

/// [`review`], saying on `progress` which check or linter runs.
pub(crate) async fn review_reporting(
    config: &ReviewerConfig,
    ctx: &RunContext,
    progress: &Progress,
    cancel: &CancellationToken,
) -> BuiltinOutcome {
    progress.step("own checks (secrets, conflict markers, tests)");
    let mut notes = Vec::new();
    let diff_text = match std::fs::read(&ctx.diff_file) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(e) => {
            notes.push(format!(
                "diff: cannot read {}: {e}",
                ctx.diff_file.display()
            ));
            String::new()
        }
    };
    let files = parse_unified_diff(&diff_text);
    let live: Vec<&FileDiff> = files
        .iter()
        .filter(|f| f.status != FileStatus::Deleted)
        .collect();

    let (mut findings, mut raw_secrets) = checks::secret_findings(&live, &ctx.checkout, &ctx.base);
    let (in_messages, raw_in_messages) =
        checks::commit_message_findings(&ctx.checkout, &ctx.base, &ctx.head);
    findings.extend(in_messages);
    raw_secrets.extend(raw_in_messages);
    findings.extend(checks::conflict_findings(&live));
    findings.extend(checks::debug_findings(&live, &ctx.checkout));
    findings.extend(checks::size_findings(&live, &ctx.checkout));
    let has_tests = {
        let checkout = ctx.checkout.clone();
        tokio::task::spawn_blocking(move || checks::repo_has_tests(&checkout))
            .await
            .unwrap_or(false)
    };
    let inline_tests = checks::touches_inline_tests(&live, &ctx.checkout);
    findings.extend(checks::testing_gap(&live, has_tests, inline_tests));

    let runs = linters::PROGRESS
        .scope(
            progress.clone(),
            linters::run_all(&live, &ctx.checkout, config, ctx.sandbox.as_deref(), cancel),
        )
        .await;
    let mut tool_calls = BTreeMap::new();
    let mut coverage_tools: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut sources = linters::SourceCache::new(&ctx.checkout);
    let mut tool_stats = Vec::new();
    let changed: BTreeSet<&str> = live.iter().map(|f| f.path.as_str()).collect();
    for run in &runs {
        if run.started {
            *tool_calls.entry(run.tool.clone()).or_insert(0) += 1;
        }
        notes.extend(run.note.clone());
        let kept = linters::introduced(&run.diags, &live, &mut sources);
        if run.ok {
            for f in &run.files {
                coverage_tools
                    .entry(f.clone())
                    .or_default()
                    .insert(run.tool.clone());
            }
            tool_stats.push(render::ToolStats {
                tool: run.tool.clone(),
                diagnostics: run.diags.len(),
                in_changed_files: run
                    .diags
                    .iter()
                    .filter(|d| changed.contains(d.path.as_str()))
                    .count(),
                on_added_lines: kept.len(),
            });
        }
        findings.extend(kept);
    }
    if cancel.is_cancelled() {
        notes.push("builtin: cancelled; linters after that point did not run".into());
    }

    findings.sort_by(|a, b| {
        (a.severity, &a.path, a.line, &a.tool, &a.rule, &a.title)
            .cmp(&(b.severity, &b.path, b.line, &b.tool, &b.rule, &b.title))
    });
    findings.dedup_by(|a, b| {
        (a.severity, &a.path, a.line, &a.tool, &a.rule, &a.title)
            == (b.severity, &b.path, b.line, &b.tool, &b.rule, &b.title)
    });

    for f in &mut findings {
        if f.source == ItemSource::Finding && !f.body.contains("Rule: `") {
            f.body
                .push_str(&format!("\n\nRule: `{}` (builtin {}).", f.rule, f.tool));
        }
    }
    let redactor = Redactor::new(raw_secrets);
    for f in &mut findings {
        f.title = redactor.apply(&f.title);
        f.body = redactor.apply(&f.body);
        f.snippet = f.snippet.as_deref().map(|s| redactor.apply(s));
    }
    let mut limitations = acknowledged_limitations(&files);
    for l in &mut limitations {
        l.text = redactor.apply(&l.text);
    }
    let notes: Vec<String> = notes.iter().map(|n| redactor.apply(n)).collect();

    let files_read: Vec<String> = live
        .iter()
        .filter(|f| !f.added.is_empty() || f.binary || f.status == FileStatus::Added)
        .map(|f| f.path.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let coverage: Vec<(String, Vec<String>)> = files_read
        .iter()
        .map(|p| {
            let mut tools: Vec<String> = coverage_tools
                .get(p)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            tools.push("builtin checks".into());
            (p.clone(), tools)
        })
        .collect();
    let tests_touched: Vec<String> = live
        .iter()
        .filter(|f| checks::is_test_path(&f.path))
        .map(|f| f.path.clone())
        .collect();

    let review = render::review_text(&render::ReviewInput {
        findings: &findings,
        limitations: &limitations,
        coverage: &coverage,
        notes: &notes,
        tool_stats: &tool_stats,
        tools_ran: runs
            .iter()
            .filter(|r| r.ok)
            .map(|r| r.tool.clone())
            .collect(),
        tests_touched: &tests_touched,
        files_changed: files.len(),
    });
    BuiltinOutcome {
        review: redactor.apply(&review),
        tool_calls,
        notes,
        files_read,
    }
}

/// Replaces every secret value found with its masked form.
struct Redactor {
    values: Vec<(String, String)>,
}

impl Redactor {
    fn new(mut raw: Vec<String>) -> Self {
        raw.retain(|v| v.chars().count() >= 6);
        raw.sort_by_key(|v| std::cmp::Reverse(v.len()));
        raw.dedup();
        Redactor {
            values: raw
                .into_iter()
                .map(|v| {
                    let m = secrets::mask(&v);
                    (v, m)
                })
                .collect(),
        }
    }

    fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (raw, masked) in &self.values {
            if out.contains(raw.as_str()) {
                out = out.replace(raw.as_str(), masked);
            }
        }
        out
    }
}
