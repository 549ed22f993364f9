//! Recognising the sections of a review by their names (never by their absolute heading
//! level, since reviews are often demoted): Executive Summary, Critical Issues, Design
//! Observations, Testing Assessment, … in the spellings reviewers use.

use crate::model::Severity;

/// What a heading introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SectionKind {
    Summary,
    Verdict,
    /// A list of findings without one severity (`Findings`, `Issues`).
    Findings,
    /// Findings of one severity (`Critical Issues`, `Nits`, `Low`); `nit` adds a tag.
    SeverityGroup {
        severity: Severity,
        nit: bool,
    },
    Design,
    Concerns,
    Strengths,
    Testing,
    Documentation,
    Commits,
    Limitations,
    Coverage,
    /// Open review threads of the pull request a reviewer lists (`Unresolved Feedback`,
    /// `Outstanding review comments`): report material, never findings.
    UnresolvedFeedback,
    /// A later round's check of earlier findings (`Round 2 Fix Verdicts`, `Prior-round
    /// verification`, `Previously reported`): report material, never findings.
    PriorRound,
}

impl SectionKind {
    pub fn holds_findings(self) -> bool {
        matches!(
            self,
            SectionKind::Findings | SectionKind::SeverityGroup { .. }
        )
    }
}

/// Lowercase words of a heading, without numbering, emphasis, emoji, parentheticals
/// and a trailing colon.
pub(crate) fn heading_words(text: &str) -> Vec<String> {
    let mut s = String::with_capacity(text.len());
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth = depth.saturating_sub(1),
            _ if depth > 0 => {}
            c if c.is_alphanumeric() || c == '-' || c == '\'' || c == ';' => {
                s.extend(c.to_lowercase())
            }
            _ => s.push(' '),
        }
    }
    let mut words: Vec<String> = s
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| c == '-' || c == '\'').to_string())
        .filter(|w| !w.is_empty())
        .collect();
    // Leading numbering: `1`, `2`, `a`, `iv` before the name.
    while words.first().is_some_and(|w| {
        w.chars().all(|c| c.is_ascii_digit())
            || matches!(w.as_str(), "i" | "ii" | "iii" | "iv" | "v" | "vi")
    }) && words.len() > 1
    {
        words.remove(0);
    }
    words
}

const FILLER: &[&str] = &[
    "assessment",
    "observations",
    "observation",
    "analysis",
    "section",
    "the",
    "and",
    "of",
    "a",
    "an",
    "our",
    "my",
    "review",
    "detailed",
    "overall",
    "key",
    "notable",
    "quality",
];

/// The section a heading names, if any. Headings longer than a few words are titles
/// (of the review or of a finding), not section names.
pub(crate) fn classify(text: &str) -> Option<SectionKind> {
    classify_name(text).or_else(|| {
        let name = name_part(text);
        (name.len() < text.len())
            .then(|| classify_name(name))
            .flatten()
    })
}

/// A heading's name before a spaced dash or a colon: `Critical Issues — must fix
/// before merge`, `Suggestions: nice to have`. The whole text when there is none.
fn name_part(text: &str) -> &str {
    [" — ", " – ", " - ", ": "]
        .iter()
        .filter_map(|sep| text.find(sep))
        .min()
        .map_or(text, |cut| &text[..cut])
}

fn classify_name(text: &str) -> Option<SectionKind> {
    let all = heading_words(text);
    let words: Vec<&str> = all
        .iter()
        .map(String::as_str)
        .filter(|w| !FILLER.contains(w))
        .collect();
    if words.is_empty() || words.len() > 4 {
        return None;
    }
    let has = |list: &[&str]| words.iter().any(|w| list.contains(w));
    let joined = words.join(" ");
    if let Some(kind) = round_section(&words) {
        return Some(kind);
    }
    let test_words = ["testing", "tests", "test"];
    if (has(&["coverage"]) && !has(&test_words))
        || joined == "files reviewed"
        || joined == "reviewed files"
    {
        return Some(SectionKind::Coverage);
    }
    if has(&test_words) {
        return Some(SectionKind::Testing);
    }
    if has(&["documentation", "docs", "doc"]) {
        return Some(SectionKind::Documentation);
    }
    if has(&["commit", "commits"]) {
        return Some(SectionKind::Commits);
    }
    if has(&["limitations", "limitation", "todos", "todo"]) {
        return Some(SectionKind::Limitations);
    }
    if has(&[
        "strengths",
        "strength",
        "positives",
        "praise",
        "highlights",
        "kudos",
    ]) || matches!(
        joined.as_str(),
        "what's good"
            | "what s good"
            | "what went well"
            | "good"
            | "positive"
            | "what works well"
            | "what i liked"
    ) {
        return Some(SectionKind::Strengths);
    }
    if has(&["design", "architecture", "architectural"]) {
        return Some(SectionKind::Design);
    }
    if joined == "concerns" || joined == "risks" {
        return Some(SectionKind::Concerns);
    }
    if has(&["verdict", "recommendation", "decision"]) {
        return Some(SectionKind::Verdict);
    }
    if let Some(kind) = severity_group(&words) {
        return Some(kind);
    }
    if has(&[
        "summary",
        "overview",
        "tldr",
        "tl;dr",
        "tl",
        "synopsis",
        "conclusion",
    ]) {
        return Some(SectionKind::Summary);
    }
    if has(&[
        "findings", "finding", "issues", "problems", "comments", "feedback", "bugs", "remarks",
    ]) {
        return Some(SectionKind::Findings);
    }
    None
}

/// The sections about the pull request's history: its open threads, and a later
/// round's verification of earlier findings.
fn round_section(words: &[&str]) -> Option<SectionKind> {
    // `prior-round`, `follow-up`: the parts count as words too.
    let parts: Vec<&str> = words.iter().flat_map(|w| w.split('-')).collect();
    let has = |list: &[&str]| words.iter().chain(&parts).any(|w| list.contains(w));
    let threads = has(&[
        "feedback",
        "comments",
        "comment",
        "threads",
        "thread",
        "discussions",
    ]);
    if threads
        && has(&[
            "unresolved",
            "outstanding",
            "open",
            "pending",
            "existing",
            "unaddressed",
            "prior",
            "previous",
        ])
    {
        return Some(SectionKind::UnresolvedFeedback);
    }
    let earlier = has(&[
        "prior",
        "previous",
        "previously",
        "earlier",
        "last",
        "round",
        "rounds",
        "pass",
    ]);
    let checked = has(&[
        "verification",
        "verified",
        "verify",
        "verdicts",
        "status",
        "reported",
        "findings",
        "fixes",
        "fix",
        "follow-up",
        "followup",
        "addressed",
        "resolved",
    ]);
    let fix_check = words.len() <= 3
        && has(&["fix", "fixes"])
        && has(&[
            "verification",
            "verified",
            "verdicts",
            "status",
            "check",
            "checks",
        ]);
    let resolved_since = has(&["resolved", "addressed", "fixed"]) && has(&["since"]);
    let earlier_round =
        has(&["round", "rounds", "pass"]) && has(&["prior", "previous", "earlier", "last"]);
    if (earlier && checked) || fix_check || resolved_since || earlier_round {
        return Some(SectionKind::PriorRound);
    }
    None
}

/// `Critical Issues`, `High`, `Nits`, `Should fix`, `Non-blocking` …
fn severity_group(words: &[&str]) -> Option<SectionKind> {
    const ALLOWED: &[&str] = &[
        "issues",
        "issue",
        "findings",
        "finding",
        "severity",
        "priority",
        "problems",
        "comments",
        "items",
        "bugs",
        "fix",
        "fixes",
        "changes",
        "risk",
        "to",
        "have",
        "suggestions",
        "suggestion",
        "improvements",
    ];
    let joined = words.join(" ");
    let special = match joined.as_str() {
        "must fix" | "must-fix" | "blocking issues" => Some((Severity::Critical, false)),
        "should fix" | "should-fix" => Some((Severity::Important, false)),
        "nice to have"
        | "non-blocking"
        | "nonblocking"
        | "non-blocking issues"
        | "could fix"
        | "improvements"
        | "minor improvements"
        | "recommendations"
        | "questions"
        | "open questions" => Some((Severity::Suggestion, false)),
        _ => None,
    };
    if let Some((severity, nit)) = special {
        return Some(SectionKind::SeverityGroup { severity, nit });
    }
    let mut found: Option<(Severity, bool)> = None;
    for w in words {
        let sev = match *w {
            "note" | "notes" | "info" => None,
            "warnings" => Some(Severity::Important),
            "errors" | "blockers" => Some(Severity::Critical),
            "nitpicks" => Some(Severity::Suggestion),
            other => Severity::from_word(other),
        };
        match sev {
            Some(s) if found.is_none() => {
                found = Some((s, w.starts_with("nit")));
            }
            Some(_) => {}
            None if ALLOWED.contains(w) => {}
            None => return None,
        }
    }
    found.map(|(severity, nit)| SectionKind::SeverityGroup { severity, nit })
}

/// Whether a bold-only line names a section (then it is read as a heading).
pub(crate) fn is_pseudo_heading(text: &str) -> bool {
    let t = text.trim().trim_end_matches(':');
    // `Critical Issues — must fix before merge`: the name is what counts.
    if heading_words(name_part(t)).len() > 4 {
        return false;
    }
    matches!(
        classify(t),
        Some(
            SectionKind::Concerns
                | SectionKind::Strengths
                | SectionKind::Design
                | SectionKind::Testing
                | SectionKind::Documentation
                | SectionKind::Commits
                | SectionKind::Limitations
                | SectionKind::Coverage
                | SectionKind::Summary
                | SectionKind::Verdict
                | SectionKind::UnresolvedFeedback
                | SectionKind::PriorRound
                | SectionKind::SeverityGroup { .. }
        )
    ) && !matches!(
        t.to_ascii_lowercase().as_str(),
        "note" | "fix" | "summary of fix"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use SectionKind::*;

    #[test]
    fn section_names() {
        let sev = |severity, nit| Some(SeverityGroup { severity, nit });
        let cases: &[(&str, Option<SectionKind>)] = &[
            ("Executive Summary", Some(Summary)),
            ("Summary", Some(Summary)),
            ("Findings", Some(Findings)),
            ("Critical Issues", sev(Severity::Critical, false)),
            ("🔴 Critical", sev(Severity::Critical, false)),
            ("Important Issues", sev(Severity::Important, false)),
            ("Suggestions", sev(Severity::Suggestion, false)),
            ("Nits", sev(Severity::Suggestion, true)),
            ("High Priority", sev(Severity::Important, false)),
            ("Medium", sev(Severity::Important, false)),
            ("Low severity", sev(Severity::Suggestion, false)),
            ("Blocking", sev(Severity::Critical, false)),
            ("Should fix", sev(Severity::Important, false)),
            (
                "Critical Issues (must fix before merge)",
                sev(Severity::Critical, false),
            ),
            ("Design Observations", Some(Design)),
            ("Concerns", Some(Concerns)),
            ("Strengths", Some(Strengths)),
            ("Testing Assessment", Some(Testing)),
            ("Test coverage", Some(Testing)),
            ("Documentation Assessment", Some(Documentation)),
            ("Commit Structure", Some(Commits)),
            ("Acknowledged Limitations", Some(Limitations)),
            ("Coverage Summary", Some(Coverage)),
            ("Verdict", Some(Verdict)),
            ("2. Testing", Some(Testing)),
            ("Code Review — PR #323: implement log passthrough", None),
            ("Missing tests for the parser in module", None),
            ("Notes", None),
            (
                "Critical Issues — must fix before merge",
                sev(Severity::Critical, false),
            ),
            (
                "Suggestions — nice to have",
                sev(Severity::Suggestion, false),
            ),
            ("🔴 Critical (blocking)", sev(Severity::Critical, false)),
            ("Unresolved Feedback", Some(UnresolvedFeedback)),
            ("Outstanding review comments", Some(UnresolvedFeedback)),
            ("Unresolved review threads", Some(UnresolvedFeedback)),
            ("Open review comments", Some(UnresolvedFeedback)),
            ("Round 2 Fix Verdicts", Some(PriorRound)),
            ("Prior-round verification", Some(PriorRound)),
            ("Fix verification", Some(PriorRound)),
            ("Previously reported", Some(PriorRound)),
            ("Verification of previous findings", Some(PriorRound)),
            ("Status of round 1 findings", Some(PriorRound)),
            ("New findings", Some(Findings)),
            ("Previous round", Some(PriorRound)),
        ];
        for (input, want) in cases {
            assert_eq!(classify(input), *want, "heading {input:?}");
        }
    }
}
