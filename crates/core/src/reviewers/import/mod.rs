//! The `import` backend: what review bots and people already left on the pull request,
//! one review per author, so the consolidation covers it and the retro scores it like
//! any reviewer. It runs nothing.
//!
//! [`expand`] turns the panel's `import` reviewer into one reviewer per author before
//! the panel runs (`import-coderabbit`, display "CodeRabbit (imported)"; a person by
//! login), so every author is a reviewer of its own everywhere after: its own
//! `review-<name>-pass-<n>.md` and `run-<name>.json`, progress line, report entry and
//! retro row. Each of them then [`run`]s like any backend: it reads `pull-request.json`
//! from the work directory and writes its author's findings as a review in our JSON
//! block (with a Markdown rendering above it for people). What counts as a finding and
//! how each bot's badges map to a severity is [`crate::github::bots`].
//!
//! Rules: only the first comment of an unresolved thread is a finding (replies are
//! discussion); resolved threads are not imported (the author or the bot settled them)
//! and are counted in the review's introduction; an outdated thread is imported at the
//! line it was written on. deep-review's own comments (its marker or footer) and the
//! PR author's own are never imported. A person's review body is a finding without a
//! location unless it is an approval or a "looks good"; people's conversation comments
//! are not imported.

use std::collections::BTreeMap;

use crate::config::{BackendKind, ReviewerConfig};
use crate::github::model::ReviewThread;
use crate::github::PullRequest;
use crate::model::{RunStatus, Severity};
use crate::workdir::layout;

use super::Outcome;

use crate::github::bots::{self, Bot, Read};

/// The most findings imported from one author.
const MAX_FINDINGS: usize = 300;
/// The longest author key (it is part of file names).
const MAX_KEY_CHARS: usize = 64;

/// Who wrote a comment, as the import groups them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Author {
    /// The word in the reviewer's name: the bot's key, else the login made name-safe.
    key: String,
    /// The login as GitHub gives it (REST's spelling when both were seen).
    login: String,
}

impl Author {
    fn of(login: &str) -> Author {
        let key = match Bot::of(login) {
            Some(bot) => bot.key().to_string(),
            None => login
                .trim()
                .trim_end_matches("[bot]")
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c.to_ascii_lowercase()
                    } else {
                        '-'
                    }
                })
                .take(MAX_KEY_CHARS)
                .collect(),
        };
        // GraphQL spells a bot's login without REST's `[bot]`: one spelling.
        let login = login.trim().trim_end_matches("[bot]");
        let login = match Bot::of(login) {
            Some(_) => format!("{login}[bot]"),
            None => login.to_string(),
        };
        Author { key, login }
    }

    fn bot(&self) -> Option<Bot> {
        Bot::of(&self.login)
    }

    fn display(&self) -> String {
        match self.bot() {
            Some(bot) => format!("{} (imported)", bot.display()),
            None => format!("{} (imported)", self.login.trim_end_matches("[bot]")),
        }
    }
}

/// The report finding an unresolved review thread was imported as: one with a member
/// of the import reviewer standing for the thread's author, on the thread's file and
/// lines. None when the thread was not imported (no import reviewer ran, or it found
/// nothing there).
pub fn finding_of_thread(report: &crate::report::Report, thread: &ReviewThread) -> Option<String> {
    let first = thread.comments.first()?;
    let display = Author::of(&first.author).display();
    let names: Vec<&str> = report
        .reviewers
        .iter()
        .filter(|r| r.backend.as_deref() == Some("import") && r.display == display)
        .map(|r| r.name.as_str())
        .collect();
    if names.is_empty() {
        return None;
    }
    let line = thread.line.or(thread.original_line);
    let on_thread = |l: &crate::model::Location| {
        l.path == thread.path
            && match (line, l.line_start) {
                (Some(n), Some(start)) => {
                    u64::from(start) <= n && n <= u64::from(l.line_end.unwrap_or(start))
                }
                _ => true,
            }
    };
    report
        .findings
        .iter()
        .find(|f| {
            f.members
                .iter()
                .any(|m| names.contains(&m.reviewer.as_str()) && m.locations.iter().any(on_thread))
        })
        .map(|f| f.id.clone())
}

/// One imported finding.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Finding {
    read: Read,
    /// `path`, `path:12` or `path:10-12`; none for a review body.
    location: Option<String>,
    /// Where it was written (the thread's first comment or the review).
    url: String,
}

/// What one author left.
#[derive(Debug, Clone, Default)]
struct Imported {
    login: String,
    findings: Vec<Finding>,
    /// Resolved threads the author opened, not imported.
    resolved: usize,
    /// Findings past [`MAX_FINDINGS`], left out.
    over_cap: usize,
}

/// The pull request's comments, grouped by author key, every author in key order.
fn collect(pr: &PullRequest) -> BTreeMap<String, Imported> {
    let mut by_author: BTreeMap<String, Imported> = BTreeMap::new();
    let pr_author = Author::of(&pr.author).key;
    let mut add = |login: &str, finding: Option<Finding>, resolved: bool| {
        let author = Author::of(login);
        // The PR's author explains their change; they do not review it.
        if author.key.is_empty() || author.key == pr_author {
            return;
        }
        let entry = by_author.entry(author.key).or_default();
        entry.login = author.login;
        if resolved {
            entry.resolved += 1;
        } else if let Some(finding) = finding {
            if entry.findings.len() < MAX_FINDINGS {
                entry.findings.push(finding);
            } else {
                entry.over_cap += 1;
            }
        }
    };
    for thread in &pr.threads {
        let Some(first) = thread.comments.first() else {
            continue;
        };
        if bots::is_ours(&first.body) {
            continue;
        }
        let read = bots::read_comment(Bot::of(&first.author), &first.body);
        let finding = read.map(|read| Finding {
            read,
            location: Some(thread_location(thread)),
            url: first.url.clone(),
        });
        if finding.is_some() || thread.is_resolved {
            add(&first.author, finding, thread.is_resolved);
        }
    }
    let bodies = pr
        .reviews
        .iter()
        .map(|r| (r.author.as_str(), r.state.as_str(), r.body.as_str(), &r.url))
        .chain(
            pr.comments
                .iter()
                .map(|c| (c.author.as_str(), "", c.body.as_str(), &c.url)),
        );
    for (login, state, body, url) in bodies {
        match Bot::of(login) {
            Some(bot) => {
                for listed in bots::read_listed(bot, body) {
                    let location = listed.path.map(|path| match listed.lines {
                        Some((a, b)) if a == b => format!("{path}:{a}"),
                        Some((a, b)) => format!("{path}:{a}-{b}"),
                        None => path,
                    });
                    let finding = Finding {
                        read: listed.read,
                        location,
                        url: url.clone(),
                    };
                    add(login, Some(finding), false);
                }
            }
            // A person's review body (not their conversation comments: `state` is
            // empty for those).
            None if !state.is_empty() => {
                if let Some(read) = bots::read_person_review(state, body) {
                    let finding = Finding {
                        read,
                        location: None,
                        url: url.clone(),
                    };
                    add(login, Some(finding), false);
                }
            }
            None => {}
        }
    }
    by_author.retain(|_, imported| !imported.findings.is_empty());
    by_author
}

/// `path:line` or `path:start-line`: the line on the head, else (outdated) the line it
/// was written against.
fn thread_location(thread: &ReviewThread) -> String {
    let end = thread.line.or(thread.original_line);
    match (thread.start_line, end) {
        (Some(start), Some(end)) if start < end => format!("{}:{start}-{end}", thread.path),
        (_, Some(end)) => format!("{}:{end}", thread.path),
        _ => thread.path.clone(),
    }
}

/// The panel with each `import` reviewer replaced by one reviewer per author who left
/// findings on `pr` (named `<import name>-<author>`, its timeout kept). Left as it is
/// without a pull request, when nobody left anything (its run then says why), and for
/// reviewers already expanded; so calling it twice changes nothing.
pub fn expand(panel: &[ReviewerConfig], pr: Option<&PullRequest>) -> Vec<ReviewerConfig> {
    let Some(pr) = pr else {
        return panel.to_vec();
    };
    let wanted = |r: &ReviewerConfig| r.backend == BackendKind::Import && r.import_author.is_none();
    if !panel.iter().any(wanted) {
        return panel.to_vec();
    }
    let authors = collect(pr);
    let mut out: Vec<ReviewerConfig> = Vec::new();
    for reviewer in panel {
        if !wanted(reviewer) || authors.is_empty() {
            out.push(reviewer.clone());
            continue;
        }
        for (key, imported) in &authors {
            let name = format!("{}-{key}", reviewer.name);
            if panel.iter().chain(&out).any(|r| r.name == name) {
                continue;
            }
            let mut one = reviewer.clone();
            one.name = name;
            one.display = Some(Author::of(&imported.login).display());
            one.import_author = Some(key.clone());
            out.push(one);
        }
    }
    out
}

/// Writes the review of `config`'s author from `pull-request.json` in `workdir`.
pub(crate) fn run(config: &ReviewerConfig, workdir: &std::path::Path) -> Outcome {
    let path = workdir.join(layout::PULL_REQUEST_FILE);
    let pr: PullRequest = match read_pull_request(&path) {
        Some(pr) => pr,
        None => {
            return Outcome::skipped(
                "not ready: needs a pull request target (review owner/repo#N, a pull-request URL or --pr N)",
            )
        }
    };
    let mut authors = collect(&pr);
    let Some(key) = config.import_author.as_deref() else {
        return Outcome::skipped(if authors.is_empty() {
            "nothing to import: no review comments on the pull request besides summaries"
                .to_string()
        } else {
            format!(
                "imports one reviewer per author ({}); this run was not expanded",
                authors.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        });
    };
    let Some(imported) = authors.remove(key) else {
        return Outcome::skipped(format!(
            "nothing to import from `{key}`: it left no findings on the pull request"
        ));
    };
    let review = render(&pr, &imported, &config.display_name());
    let mut files: Vec<String> = imported
        .findings
        .iter()
        .filter_map(|f| f.location.as_deref())
        .map(|l| l.split(':').next().unwrap_or(l).to_string())
        .collect();
    files.sort();
    files.dedup();
    let mut notes = Vec::new();
    if imported.over_cap > 0 {
        notes.push(format!(
            "{} more findings left out (at most {MAX_FINDINGS} are imported per author)",
            imported.over_cap
        ));
    }
    Outcome {
        status: RunStatus::Ok,
        review: Some(review),
        notes,
        files_read: files,
        ..Outcome::default()
    }
}

fn read_pull_request(path: &std::path::Path) -> Option<PullRequest> {
    let bytes = std::fs::read(path).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The review: a Markdown list for people, then our JSON block (what is parsed).
fn render(pr: &PullRequest, imported: &Imported, display: &str) -> String {
    let mut out = format!(
        "# {display}\n\nImported by deep-review from what `{}` left on {}/{}#{}: {}.",
        imported.login,
        pr.owner,
        pr.repo,
        pr.number,
        crate::prose::plural(imported.findings.len(), "finding", "findings"),
    );
    if imported.resolved > 0 {
        out.push_str(&format!(
            " {} not imported.",
            crate::prose::plural(imported.resolved, "resolved thread", "resolved threads")
        ));
    }
    out.push('\n');
    let mut findings = Vec::new();
    for severity in Severity::ALL {
        let of: Vec<&Finding> = imported
            .findings
            .iter()
            .filter(|f| f.read.severity == severity)
            .collect();
        if of.is_empty() {
            continue;
        }
        out.push_str(&format!("\n## {}\n", heading(severity)));
        for (k, finding) in of.iter().enumerate() {
            let id = format!("{}{}", severity.letter(), k + 1);
            let place = finding
                .location
                .as_deref()
                .map(|l| format!(" — `{l}`"))
                .unwrap_or_default();
            out.push_str(&format!("\n- **{id}** {}{place}\n", finding.read.title));
            if !finding.read.body.is_empty() {
                out.push('\n');
                for line in balanced(&finding.read.body).lines() {
                    out.push_str(if line.is_empty() { "" } else { "  " });
                    out.push_str(line);
                    out.push('\n');
                }
            }
            let mut body = finding.read.body.clone();
            if !finding.url.is_empty() {
                body.push_str(&format!("\n\n(from {})", finding.url));
            }
            findings.push(serde_json::json!({
                "id": id,
                "severity": severity.as_str(),
                "title": finding.read.title,
                "locations": finding.location.iter().collect::<Vec<_>>(),
                "body": body.trim(),
            }));
        }
    }
    let block = serde_json::json!({"deep_review": 1, "findings": findings});
    let json = serde_json::to_string_pretty(&block).unwrap_or_else(|_| "{}".to_string());
    let fence = crate::prose::fence_for(&json);
    out.push_str(&format!("\n{fence}json\n{json}\n{fence}\n"));
    out
}

/// `text` with a fence it leaves open (a comment cut at its cap) closed, so the
/// listing cannot swallow the JSON block after it.
fn balanced(text: &str) -> String {
    let mut open: Option<String> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        let run: String = trimmed
            .chars()
            .take_while(|&c| c == '`' || c == '~')
            .collect();
        if run.len() < 3 {
            continue;
        }
        match &open {
            None => open = Some(run),
            Some(fence) if trimmed == fence.as_str() => open = None,
            Some(_) => {}
        }
    }
    match open {
        Some(fence) => format!("{text}\n{fence}"),
        None => text.to_string(),
    }
}

fn heading(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "Critical",
        Severity::Important => "Important",
        Severity::Suggestion => "Suggestions",
    }
}

#[cfg(test)]
mod tests;
