//! `report.json`: the consolidated review as data (SPEC section 4). Field names here are
//! a published contract; add fields, never rename. `REVIEW.md`, SARIF and the history
//! store are all rendered from a [`Report`] plus the raw review texts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Decision, ItemSource, Location, Scope, Severity, Tokens};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    /// `<YYYYMMDD-HHMMSS>-<slug>`, the work directory's name.
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// What the change is called: the PR's title, else the target's title or branch,
    /// else what the reviews' own headings call it; None when nothing says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub target: Target,
    pub verdict: Verdict,
    pub wall_clock_ms: Option<u64>,
    /// Executive summary (Markdown).
    pub summary: String,
    pub reviewers: Vec<ReviewerReport>,
    /// Files the change touches (empty when unknown); coverage is measured against them.
    #[serde(default)]
    pub changed_files: Vec<String>,
    pub findings: Vec<Finding>,
    pub dropped: Vec<Dropped>,
    pub design: Design,
    pub testing: String,
    pub documentation: String,
    pub commits: String,
    pub acknowledged_limitations: Vec<AcknowledgedLimitation>,
    pub unresolved_feedback: Vec<Feedback>,
    /// A later round's check of the earlier round's findings, per reviewer.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prior_round: Vec<PriorCheck>,
    /// The severity changes, one sentence each (the Reconciliation paragraph).
    pub reconciliation: Vec<String>,
    /// Review Process Notes: proposed prompt ("skill") improvements.
    pub skill_improvements: Vec<String>,
    /// Review Process Notes: proposed additions to `deep-review-context.md`.
    pub repo_context_updates: Vec<String>,
    /// What the parser or verifier could not use, per reviewer.
    pub diagnostics: Vec<ReportDiagnostic>,
    /// The consolidator model's part, when one was configured: what it wrote, and the
    /// changes it proposed that were accepted or rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consolidator: Option<ConsolidatorReport>,
    /// The earlier round this review was compared with (from the history store), and
    /// what became of its findings; None on a first round or without history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<HistoryLink>,
}

/// How this review relates to the previous review of the same target.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistoryLink {
    /// The previous review's id and round.
    pub previous_id: String,
    pub previous_round: u32,
    /// One entry per current finding, in the order of `findings`.
    pub findings: Vec<FindingLifecycle>,
    /// The previous round's findings no current finding continues (fixed, or no longer
    /// reported).
    pub resolved: Vec<EarlierFinding>,
}

/// What a current finding is relative to the previous round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingLifecycle {
    /// The current finding's id (`C1`).
    pub id: String,
    pub state: BaselineState,
    /// The round that first raised it (this round when it is new).
    pub first_round: u32,
    /// The previous round's id for it, when it continues one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_id: Option<String>,
}

/// SARIF's `baselineState` words: `new`, `unchanged` (same fingerprint and severity),
/// `updated` (same issue, re-rated or reworded), `absent` (resolved).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaselineState {
    New,
    Unchanged,
    Updated,
    Absent,
}

impl BaselineState {
    pub fn as_str(self) -> &'static str {
        match self {
            BaselineState::New => "new",
            BaselineState::Unchanged => "unchanged",
            BaselineState::Updated => "updated",
            BaselineState::Absent => "absent",
        }
    }
}

/// A finding of an earlier round, as the history store keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlierFinding {
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub path: Option<String>,
    pub line_start: Option<u32>,
    pub fingerprint: String,
    pub first_round: u32,
    /// Reviewer names.
    pub reviewers: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// `github_pr` or `local`.
    pub kind: String,
    /// `owner/name` or a path.
    pub repo: Option<String>,
    pub number: Option<u64>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub url: Option<String>,
    pub base: Option<String>,
    pub head: Option<String>,
    pub round: u32,
    /// Branch name for local targets.
    pub branch: Option<String>,
    /// `(short sha, subject)` of each commit in the change, oldest first.
    pub commits: Vec<CommitInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub sha: String,
    pub subject: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub decision: Decision,
    pub reason: String,
}

/// One reviewer's line in the report: its run record plus what consolidation made of
/// its review.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReviewerReport {
    pub name: String,
    pub display: String,
    pub backend: Option<String>,
    pub model: Option<String>,
    pub effort: Option<String>,
    /// `ok`, `failed`, `timed_out`, `skipped`, `not_finished`.
    pub status: String,
    pub error: Option<String>,
    pub duration_ms: Option<u64>,
    pub tool_calls: BTreeMap<String, u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: Option<f64>,
    /// Items as the reviewer rated them.
    pub findings: SeverityCounts,
    /// The same items counted at the severity of the finding each ended up in (the
    /// retro's "Totals" row); items that were dropped are not counted.
    #[serde(default)]
    pub totals: SeverityCounts,
    /// True when the reviewer left a review that was read (false for a run that failed
    /// before writing one); the retro shows `—` for its counts otherwise.
    #[serde(default)]
    pub reviewed: bool,
    /// Findings no other reviewer raised.
    pub unique: u32,
    /// Members whose severity the consolidation raised / lowered.
    pub upgraded: u32,
    pub downgraded: u32,
    pub dropped: u32,
    pub design_observations: u32,
    pub files_reviewed: Vec<String>,
    /// Changed files the reviewer neither read nor cited.
    pub coverage_misses: Vec<String>,
    /// Deterministic retro paragraph.
    pub retro: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeverityCounts {
    pub critical: u32,
    pub important: u32,
    pub suggestion: u32,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Critical => self.critical += 1,
            Severity::Important => self.important += 1,
            Severity::Suggestion => self.suggestion += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.critical + self.important + self.suggestion
    }
}

/// How a finding's location was checked against the head revision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verification {
    /// File and lines exist (and the quoted snippet, if any, is there).
    Verified,
    /// The quoted snippet was found at other lines; the location was moved there.
    Relocated,
    /// File exists but the lines or the snippet could not be confirmed.
    Unverified,
    /// No repository was given.
    #[default]
    NotChecked,
}

/// A consolidated finding: the same issue as raised by one or more reviewers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// `C1`, `I2`, `S3`.
    pub id: String,
    pub severity: Severity,
    pub title: String,
    /// Primary location (None for change-wide items such as "no tests").
    pub location: Option<Location>,
    /// Every distinct location the members gave, primary first.
    pub locations: Vec<Location>,
    /// Reviewer names, in the order of the panel.
    pub reviewers: Vec<String>,
    /// The primary member first (the finding's title and body are its), then the
    /// others in panel order.
    pub members: Vec<Member>,
    /// Markdown: the primary member's body (snippet, explanation, fix).
    pub body: String,
    pub tags: Vec<String>,
    /// `regression`, `gap` or `enhancement` when known.
    pub kind: Option<String>,
    pub verification: Verification,
    /// Why the severity differs from a member's (or why a lone critical was kept), in
    /// words; None when all agreed.
    pub reconciliation: Option<String>,
    /// The rule that set the severity when `reconciliation` says why: `vote`, `tie`,
    /// `cosmetic`, `pre-existing`, `uncorroborated` (a lone critical lowered) or
    /// `exploit` (a lone critical kept for its concrete exploit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity_rule: Option<String>,
    /// Why the members were grouped (one line per merge).
    pub merge_reasons: Vec<String>,
    /// Stable across line shifts: hash of rule-ish title words, path and snippet.
    pub fingerprint: String,
}

impl Finding {
    /// The identity of this finding across rounds (the history store) and tools (SARIF
    /// `partialFingerprints`): its fingerprint, or for reports written without one a hash
    /// of what identifies the issue apart from its lines — title words and path; the
    /// severity is left out so a re-rated finding keeps its identity.
    pub fn identity(&self) -> String {
        if !self.fingerprint.trim().is_empty() {
            return self.fingerprint.trim().to_string();
        }
        let words: Vec<String> = self
            .title
            .to_lowercase()
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect();
        let path = self.location.as_ref().map_or("", |l| l.path.as_str());
        let mut hasher = Sha256::new();
        hasher.update(words.join(" ").as_bytes());
        hasher.update([0]);
        hasher.update(path.as_bytes());
        let digest = hasher.finalize();
        digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub reviewer: String,
    pub local_id: String,
    pub severity: Severity,
    pub title: String,
    pub source: ItemSource,
    pub locations: Vec<Location>,
    /// Set when this member restates another member of the same reviewer (its id):
    /// an assessment line pointing at the reviewer's own finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restates: Option<String>,
}

/// An item removed from the findings, with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dropped {
    pub reviewer: String,
    pub local_id: String,
    pub title: String,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Design {
    pub concerns: Vec<DesignGroup>,
    pub strengths: Vec<DesignGroup>,
}

/// One design concern or strength, possibly raised by several reviewers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignGroup {
    pub title: String,
    /// Concerns only.
    pub scope: Option<Scope>,
    pub body: String,
    pub reviewers: Vec<String>,
    pub members: Vec<DesignMember>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignMember {
    pub reviewer: String,
    pub local_id: String,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcknowledgedLimitation {
    pub path: Option<String>,
    pub line: Option<u32>,
    pub text: String,
    /// `diff` when read from the change itself, else the reviewer names.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Feedback {
    pub source: String,
    pub text: String,
    /// `open` or `addressed`.
    pub status: String,
}

/// One reviewer's verdict on one earlier finding ("C1 (retrying POSTs) — fixed").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PriorCheck {
    pub reviewer: String,
    pub text: String,
    /// `fixed`, `partially fixed`, `not fixed` or `noted`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportDiagnostic {
    pub reviewer: String,
    pub message: String,
}

/// What the optional consolidator model did to the report. The deterministic report is
/// complete without it; when its run failed, `status` says so and nothing else is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConsolidatorReport {
    /// The reviewer that served as consolidator.
    pub reviewer: String,
    pub display: String,
    /// `ok` when its answer was used; otherwise the run's status (`failed`,
    /// `timed_out`, `budget_exceeded`, …) or `unusable` (it answered, but not with the
    /// JSON asked for).
    pub status: String,
    pub error: Option<String>,
    /// The parts it wrote: `summary`, `verdict`, `retro:<reviewer>`,
    /// `reconciliation:<finding id>`.
    pub wrote: Vec<String>,
    pub accepted: Vec<ModelProposal>,
    pub rejected: Vec<ModelProposal>,
    pub duration_ms: Option<u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: Option<f64>,
}

/// One change the consolidator model proposed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelProposal {
    /// `merge` or `severity`.
    pub kind: String,
    /// The findings it names, by the ids the model saw.
    pub findings: Vec<String>,
    /// `severity`: the severity proposed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The model's reason.
    pub reason: String,
    /// Why the engine refused it (rejected proposals only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected_because: Option<String>,
    /// Accepted proposals: the id the finding has in the report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
}

impl HistoryLink {
    /// What each current finding is relative to the previous round, by finding id (the
    /// first entry of an id, should there be two): one lookup per finding, not a scan.
    pub fn lifecycles(&self) -> rustc_hash::FxHashMap<&str, &FindingLifecycle> {
        self.findings
            .iter()
            .rev()
            .map(|l| (l.id.as_str(), l))
            .collect()
    }
}

impl EarlierFinding {
    /// Where it was raised (its first line), when it had a place.
    pub fn location(&self) -> Option<Location> {
        self.path.as_ref().map(|path| Location {
            path: path.clone(),
            line_start: self.line_start,
            line_end: None,
        })
    }
}

impl Report {
    /// The name reviewer `name` is shown by (its `display`, else the name).
    pub fn display_of(&self, name: &str) -> String {
        self.reviewers
            .iter()
            .find(|r| r.name == name)
            .map_or_else(|| name.to_string(), |r| r.display.clone())
    }

    /// Who noted `limitation`, each on one line: "the diff", or a reviewer's display
    /// name.
    pub fn noted_by(&self, limitation: &AcknowledgedLimitation) -> Vec<String> {
        limitation
            .sources
            .iter()
            .map(|s| {
                if s == "diff" {
                    "the diff".to_string()
                } else {
                    crate::prose::one_line(&self.display_of(s))
                }
            })
            .collect()
    }
}

impl Report {
    /// What the consolidator model did, in one sentence: the parts of the report it
    /// wrote, or why it was not used. None when no consolidator was configured.
    pub fn consolidator_sentence(&self) -> Option<String> {
        use crate::prose::{join_and, one_line, plural};
        let c = self.consolidator.as_ref()?;
        let who = one_line(if c.display.is_empty() {
            &c.reviewer
        } else {
            &c.display
        });
        if c.status != "ok" {
            let why = c.error.as_deref().map(one_line).unwrap_or_default();
            return Some(format!(
                "{who} was not used ({}{}{why}); this report is the deterministic one.",
                c.status,
                if why.is_empty() { "" } else { ": " }
            ));
        }
        let wrote = |part: &str| c.wrote.iter().any(|w| w == part);
        let mut parts: Vec<String> = Vec::new();
        if wrote("summary") {
            parts.push("the executive summary".into());
        }
        if wrote("verdict") {
            parts.push("the verdict sentence".into());
        }
        let retros: Vec<String> = c
            .wrote
            .iter()
            .filter_map(|w| w.strip_prefix("retro:"))
            .map(|r| self.display_of(r))
            .collect();
        if !retros.is_empty() {
            let what = if retros.len() == 1 {
                "paragraph"
            } else {
                "paragraphs"
            };
            parts.push(format!("the retro {what} of {}", join_and(&retros)));
        }
        let reworded = c
            .wrote
            .iter()
            .filter(|w| w.starts_with("reconciliation:"))
            .count();
        if reworded > 0 {
            parts.push(plural(
                reworded,
                "reconciliation reason",
                "reconciliation reasons",
            ));
        }
        Some(if parts.is_empty() {
            format!("{who} wrote nothing that was used.")
        } else {
            format!("{who} wrote {}.", join_and(&parts))
        })
    }
}

impl AcknowledgedLimitation {
    /// `path:line`, or the path alone; None when it names no place.
    pub fn place(&self) -> Option<String> {
        let path = self.path.as_ref()?;
        Some(match self.line {
            Some(n) => format!("{path}:{n}"),
            None => path.clone(),
        })
    }
}

impl Finding {
    /// Its reviewers in panel order; from its members when the list is empty.
    pub fn reviewer_names(&self) -> Vec<String> {
        if !self.reviewers.is_empty() {
            return self.reviewers.clone();
        }
        let mut names: Vec<String> = Vec::new();
        for m in &self.members {
            if !names.contains(&m.reviewer) {
                names.push(m.reviewer.clone());
            }
        }
        names
    }
}

impl ModelProposal {
    /// One line for a proposal: "merge I2 + S4 (same parser bug) → I2", "severity S1 →
    /// important (…): rejected: S1 is already important".
    pub fn line(&self) -> String {
        let what = match (self.kind.as_str(), self.severity) {
            ("severity", Some(s)) => format!("severity {} → {s}", self.findings.join(", ")),
            (kind, _) => format!("{kind} {}", self.findings.join(" + ")),
        };
        let mut line = format!("{what} ({})", self.reason);
        if let Some(now) = &self.now {
            line.push_str(&format!(" → {now}"));
        }
        if let Some(why) = &self.rejected_because {
            line.push_str(&format!(": rejected: {why}"));
        }
        line
    }
}
