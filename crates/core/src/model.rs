//! The values that flow between the stages: what a reviewer said (parsed), what a
//! reviewer run recorded, and where in the code an item points.
//!
//! Every stage after parsing works on these types only; none of them does IO.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// How bad an item is. Ordered from most to least severe, so sorting ascending puts
/// critical first. Nits and "info" map to `Suggestion` (with a `nit` tag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    Important,
    Suggestion,
}

impl Severity {
    pub const ALL: [Severity; 3] = [
        Severity::Critical,
        Severity::Important,
        Severity::Suggestion,
    ];

    /// The `C`/`I`/`S` prefix used for numbering consolidated findings.
    pub fn letter(self) -> char {
        match self {
            Severity::Critical => 'C',
            Severity::Important => 'I',
            Severity::Suggestion => 'S',
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Important => "important",
            Severity::Suggestion => "suggestion",
        }
    }

    /// Reads the words reviewers use for severities (`critical`, `P1`, `high`, `nit`, …).
    /// Returns `None` for words that are not a severity.
    pub fn from_word(word: &str) -> Option<Severity> {
        let w = word
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        Some(match w.as_str() {
            "critical" | "blocker" | "blocking" | "p0" | "severe" | "error" => Severity::Critical,
            // `high` sits below `critical` on the scales that have both (Gemini Code
            // Assist: critical / high / medium / low); Codex's P2 is a real bug to fix.
            "important" | "major" | "high" | "p1" | "p2" | "medium" | "med" | "warning"
            | "warn" | "moderate" | "should-fix" | "should" | "problem" => Severity::Important,
            "suggestion" | "suggestions" | "minor" | "p3" | "low" | "info" | "nit" | "nits"
            | "nitpick" | "optional" | "note" | "trivial" => Severity::Suggestion,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the code: a repository-relative path, optionally a line range.
/// `line_end >= line_start` whenever both are set; a single line has both equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Location {
    pub path: String,
    pub line_start: Option<u32>,
    pub line_end: Option<u32>,
}

impl Location {
    pub fn file(path: impl Into<String>) -> Self {
        Location {
            path: path.into(),
            line_start: None,
            line_end: None,
        }
    }

    pub fn lines(path: impl Into<String>, start: u32, end: u32) -> Self {
        let (a, b) = if end < start {
            (end, start)
        } else {
            (start, end)
        };
        Location {
            path: path.into(),
            line_start: Some(a),
            line_end: Some(b),
        }
    }
}

impl fmt::Display for Location {
    /// `path`, `path:12` or `path:12-20`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line_start, self.line_end) {
            (Some(a), Some(b)) if a != b => write!(f, "{}:{}-{}", self.path, a, b),
            (Some(a), _) => write!(f, "{}:{}", self.path, a),
            _ => f.write_str(&self.path),
        }
    }
}

/// Which part of a review an item came from. Findings and the concrete problems named
/// in assessment sections all take part in consolidation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemSource {
    Finding,
    Testing,
    Documentation,
    Commits,
}

/// One problem a reviewer raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The reviewer's own label (`C1`, `I2`, `3`, `P1-2`), or a stable label of ours
    /// (`finding-4`, `testing-1`) when the reviewer gave none. Unique within a review.
    pub local_id: String,
    pub source: ItemSource,
    pub severity: Severity,
    /// False when the severity is our default (no heading, badge or word said it).
    pub severity_stated: bool,
    pub title: String,
    /// In the order the reviewer gave them; the first is the primary location.
    pub locations: Vec<Location>,
    /// The item's text as Markdown, code blocks and fix included, headings removed.
    pub body: String,
    /// Contents of the non-diff code blocks quoted in the body (for verification).
    pub snippets: Vec<String>,
    /// Lowercase tags: `regression`, `gap`, `enhancement`, `nit`, `security`, ….
    pub tags: Vec<String>,
    /// Position of the item in its review (0-based, across all sections).
    pub ordinal: usize,
    /// The local id of this reviewer's own finding that this item restates or points at
    /// (a Testing line "untested: the underflow path (see I1)"): it joins that finding
    /// as a member, crediting the reviewer, and does not vote on its severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restates: Option<String>,
}

/// Scope of a design concern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    #[serde(rename = "in-scope")]
    InScope,
    #[serde(rename = "future")]
    Future,
    #[serde(rename = "pre-existing")]
    PreExisting,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::InScope => "in-scope",
            Scope::Future => "future",
            Scope::PreExisting => "pre-existing",
        }
    }
}

/// A design concern or a strength.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignItem {
    /// The reviewer's label if any, else `design-N` / `strength-N`.
    pub local_id: String,
    pub title: String,
    pub body: String,
    pub scope: Option<Scope>,
    pub locations: Vec<Location>,
    pub ordinal: usize,
}

/// A TODO/FIXME-style limitation the reviewer (or the diff) acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limitation {
    pub path: Option<String>,
    pub line: Option<u32>,
    pub text: String,
}

/// One line of a reviewer's coverage summary: a file and the item labels it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageEntry {
    pub path: String,
    pub note: String,
}

/// Something the parser noticed but could not use; never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// 1-based line in the review text, when known.
    pub line: Option<usize>,
    pub message: String,
}

/// A reviewer's verdict, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Rework,
    MergeWithFixes,
    MergeAsIs,
    /// No reviewer left a usable review: there is nothing to decide on. Only the
    /// report gives it; a reviewer's own verdict is one of the three above.
    Incomplete,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Rework => "rework",
            Decision::MergeWithFixes => "merge_with_fixes",
            Decision::MergeAsIs => "merge_as_is",
            Decision::Incomplete => "incomplete",
        }
    }

    /// `Rework`, `Merge with fixes`, `Merge as-is`.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Rework => "Rework",
            Decision::MergeWithFixes => "Merge with fixes",
            Decision::MergeAsIs => "Merge as-is",
            Decision::Incomplete => "No verdict — no reviewer finished",
        }
    }
}

/// Everything read out of one reviewer's review. Parsing never fails: what could not
/// be read is described in `diagnostics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedReview {
    /// The reviewer's configured name (`claude`, `my-script`).
    pub reviewer: String,
    /// Review round / pass number from the file name (`review-x-pass-2.md` → 2).
    pub pass: u32,
    /// True when the structured JSON block was found and used.
    pub from_json: bool,
    pub summary: Option<String>,
    /// The reviewer's own verdict words, as written (`Changes requested`, `rework`).
    pub verdict_text: Option<String>,
    pub verdict: Option<Decision>,
    pub items: Vec<ReviewItem>,
    pub design_concerns: Vec<DesignItem>,
    pub strengths: Vec<DesignItem>,
    /// Assessment sections as Markdown (the items named in them are also in `items`).
    pub testing: Option<String>,
    pub documentation: Option<String>,
    pub commits: Option<String>,
    pub limitations: Vec<Limitation>,
    pub coverage: Vec<CoverageEntry>,
    /// Entries of the reviewer's Unresolved Feedback section (open pull-request
    /// threads), one line of Markdown each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved_feedback: Vec<String>,
    /// Entries of a later round's verification of earlier findings, one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior_round: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedReview {
    /// True when the review holds something the report can use: an item, a design
    /// concern or a summary.
    pub fn is_usable(&self) -> bool {
        !self.items.is_empty()
            || !self.design_concerns.is_empty()
            || self
                .summary
                .as_deref()
                .is_some_and(|s| !s.trim().is_empty())
    }
}

/// How a reviewer run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Ok,
    Failed,
    TimedOut,
    /// Not run (not available, or cancelled before it started).
    Skipped,
    /// Still running when the review was interrupted; no record was finished.
    #[default]
    NotFinished,
    /// Stopped at its token or cost budget (`max_tokens`, `budget_usd`); whatever
    /// review it had written by then is kept.
    BudgetExceeded,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::TimedOut => "timed_out",
            RunStatus::Skipped => "skipped",
            RunStatus::NotFinished => "not_finished",
            RunStatus::BudgetExceeded => "budget_exceeded",
        }
    }
}

/// Token counts a run reported. `input` counts every prompt token, `cached` included;
/// `output` every generated token, `reasoning` included. The two breakdowns are
/// written only when a backend reported them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub input: u64,
    pub output: u64,
    /// Of `input`, tokens read from the provider's prompt cache.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cached: u64,
    /// Of `output`, the model's thinking/reasoning tokens.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub reasoning: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// What one reviewer run recorded: `run-<reviewer>.json` in the work directory.
/// Every field but `name` is optional in the file so records written by other tools
/// (or by hand) are read too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunRecord {
    pub name: String,
    /// Human name for the report, e.g. "Claude Opus 4.7".
    pub display: Option<String>,
    pub backend: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub status: RunStatus,
    pub error: Option<String>,
    pub exit_code: Option<i32>,
    pub started_at: Option<String>,
    pub duration_ms: Option<u64>,
    /// Tool calls by tool name (`Read` → 11).
    pub tool_calls: BTreeMap<String, u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: Option<f64>,
    /// Repository-relative files the reviewer read, when its stream tells.
    pub files_read: Vec<String>,
    /// Last lines of the reviewer's standard error (failures only).
    pub stderr_tail: Option<String>,
    /// The file the review text was saved to, relative to the work directory.
    pub review_file: Option<String>,
    /// Size of `review_file` as written, in bytes: consolidation refuses a file that
    /// no longer matches (cut by a full disk, changed after the run).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_bytes: Option<u64>,
    /// SHA-256 of `review_file` as written, lowercase hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_sha256: Option<String>,
    pub transcript_file: Option<String>,
    pub pass: Option<u32>,
    /// Things worth knowing that did not make the run fail (a command's non-zero exit
    /// with a usable review, truncated output, API retries, linters not found, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A consolidator's run: the changes it proposed that the engine accepted, one
    /// line each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proposals_accepted: Vec<String>,
    /// A consolidator's run: the changes it proposed that the engine refused, each
    /// with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proposals_rejected: Vec<String>,
}

impl RunRecord {
    /// The name to show in the report: `display`, else the reviewer name.
    pub fn display_name(&self) -> &str {
        self.display
            .as_deref()
            .filter(|d| !d.trim().is_empty())
            .unwrap_or(&self.name)
    }

    pub fn total_tool_calls(&self) -> u64 {
        self.tool_calls.values().sum()
    }
}
