//! What the report calls the change: the target's own name when it has one (a PR's
//! title, a branch), else what the reviewers' headings call it.

use crate::prose::one_line;
use crate::report::Target;

/// The report's title, or None when neither the target nor the reviews name the change.
pub(super) fn report_title(target: &Target, texts: &[&str]) -> Option<String> {
    let given = |s: Option<&str>| {
        s.map(one_line)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
    };
    if let Some(title) = given(target.title.as_deref()) {
        return Some(match (target.kind.as_str(), target.number) {
            ("github_pr", Some(n)) => format!("PR #{n} — {title}"),
            _ => title,
        });
    }
    if let ("github_pr", Some(n)) = (target.kind.as_str(), target.number) {
        return Some(format!("PR #{n}"));
    }
    if let Some(branch) = given(target.branch.as_deref()) {
        return Some(branch);
    }
    texts.iter().find_map(|t| heading_title(t))
}

/// Words a review's first heading starts with before it names the change.
const LEAD_INS: &[&str] = &[
    "deep review",
    "code review",
    "review of",
    "review for",
    "review",
    "summary of changes",
    "summary of",
    "overview of",
    "overview",
    "pull request overview",
    "pull request",
    "summary",
];

/// What the first naming top-level heading of a review (within its first lines) calls
/// the change:
/// `# Review: per-client rate limiting` → `per-client rate limiting`. None when the
/// heading is only a lead-in (`# Code Review`) or a section name.
pub(super) fn heading_title(text: &str) -> Option<String> {
    text.lines()
        .take(12)
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("# "))
        .find_map(name_in_heading)
}

fn name_in_heading(heading: &str) -> Option<String> {
    let mut t = one_line(heading).trim().to_string();
    while let Some(len) = lead_in_len(&t) {
        let rest = t.get(len..).unwrap_or("");
        t = rest
            .trim_start_matches(|c: char| {
                c.is_whitespace() || matches!(c, ':' | '—' | '–' | '-' | '|')
            })
            .to_string();
    }
    let t = t.trim().trim_end_matches([':', '.']).trim();
    (t.split_whitespace().count() >= 2 || t.contains('`')).then(|| t.to_string())
}

/// The length of the lead-in `text` starts with (`Code review`, `Round 2`), as whole
/// words; None when it starts with none.
fn lead_in_len(text: &str) -> Option<usize> {
    let whole = |len: usize| {
        text.get(len..)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric()))
    };
    let starts = |lead: &str| {
        text.get(..lead.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(lead))
    };
    if let Some(lead) = LEAD_INS.iter().find(|l| starts(l) && whole(l.len())) {
        return Some(lead.len());
    }
    // `Round 2 — …`, `Pass 3: …`.
    ["round ", "pass "].iter().find_map(|w| {
        let rest = text.get(w.len()..).filter(|_| starts(w))?;
        let digits = rest.chars().take_while(char::is_ascii_digit).count();
        (digits > 0 && whole(w.len() + digits)).then(|| w.len() + digits)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> &str {
        text
    }

    #[test]
    fn the_target_names_the_change_first() {
        let pr = Target {
            kind: "github_pr".into(),
            number: Some(323),
            title: Some("implement log passthrough".into()),
            branch: Some("logs".into()),
            ..Target::default()
        };
        let reviews = [raw("# Review: something else\n")];
        assert_eq!(
            report_title(&pr, &reviews).as_deref(),
            Some("PR #323 — implement log passthrough")
        );
        let local = Target {
            kind: "local".into(),
            branch: Some("feature/rate-limit".into()),
            ..Target::default()
        };
        assert_eq!(
            report_title(&local, &reviews).as_deref(),
            Some("feature/rate-limit")
        );
    }

    #[test]
    fn else_the_reviews_headings_do() {
        let local = Target::default();
        let reviews = [
            raw("## Findings\n\nnothing"),
            raw("# Code Review\n\n# Review — per-client rate limiting (`internal/ratelimit`)\n"),
        ];
        // The first review has no top-level heading; the second's first is a lead-in
        // only, so its next one is used.
        assert_eq!(heading_title(reviews[0]), None);
        assert_eq!(heading_title("# Code Review\n"), None);
        assert_eq!(
            report_title(&local, &reviews).as_deref(),
            Some("per-client rate limiting (`internal/ratelimit`)")
        );
        assert_eq!(
            heading_title("# Review: HTTP header parser rewrite (`src/http/parse.c`)\n").as_deref(),
            Some("HTTP header parser rewrite (`src/http/parse.c`)")
        );
        assert_eq!(report_title(&local, &[raw("text only")]), None);
        assert_eq!(
            heading_title("# Review — Round 2 — `BackupSchedule` controller\n").as_deref(),
            Some("`BackupSchedule` controller")
        );
        // A lead-in is a whole word: "Reviewers" is not "Review".
        assert_eq!(
            heading_title("# Reviewers disagree on the cache\n").as_deref(),
            Some("Reviewers disagree on the cache")
        );
    }
}
