//! A finding's severity, reconciled from its members' ratings and from evidence, with
//! the reason in the words a reviewer would use.
//!
//! The default policy ([`SeverityPolicy::Evidence`]) starts from the members' vote and
//! then applies, in this order, the rules a careful senior reviewer applies:
//!
//! 1. **Vote.** Only stated severities vote (all do when none was stated). A level
//!    most members gave wins. On an even split between critical and important (both
//!    sides say it must be fixed) the rating whose reviewer argues it (the clearly
//!    fuller account of what goes wrong, see [`fuller_side`]) stands; otherwise, and
//!    when one side calls it a suggestion (it need not block) and the argument is not
//!    on that side, the lower of two adjacent levels, the one both sides agree the issue reaches (critical against
//!    suggestion takes important, between them). The labelled corpus
//!    (`tests/corpus/`) settles most even splits downwards; the two that go up are
//!    critical-or-important splits where the critical comes with the argument.
//! 2. **Cosmetic cap.** Typos, spelling, grammar, wording, naming, formatting and
//!    comment-only findings are suggestions, whatever they were rated.
//!    So is a finding whose reviewer says it does not matter in practice ("fine in
//!    practice", "no functional impact").
//! 3. **Pre-existing.** An issue a member says is pre-existing (not introduced by
//!    this change, already on main) does not block this change — and "merge with
//!    fixes" would make it block: a suggestion, whatever it was rated; fixing it
//!    belongs to a change of its own.
//!    An important finding whose text gives a concrete exploit of a security hole
//!    (see [`concrete_exploit`]; reaching another user's or tenant's data counts on
//!    its own) is raised to critical.
//! 4. **Corroboration.** A critical raised by one reviewer of a panel of two or more
//!    reviews, when every other reviewer also reviewed the file it is in, is lowered
//!    to important — unless it is a security or data-loss hole whose text gives a
//!    concrete exploit (an attacker, a crafted input, any user reaching another's
//!    data), which keeps it critical; either way the report says so. A reviewer
//!    "reviewed the file" when it cited it, its run record lists it as read, or — when
//!    the record lists nothing — the file is in the change (when the change's files
//!    are unknown, the files the panel cited stand in for them). Another reviewer's
//!    critical within a few lines of it counts as corroboration, even when grouped
//!    apart.
//!
//! `majority`, `highest` and `lowest` are plain votes without the evidence rules.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

use super::pool::{file_key, line_gap, same_file};
use super::text::FxMap;
use crate::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use crate::options::SeverityPolicy;
use crate::prose::join_and;

/// What the corroboration rule knows about the panel beyond the findings.
#[derive(Debug, Clone, Default)]
pub struct Coverage {
    /// Files each reviewer's run record says it read, by reviewer name (absent or
    /// empty when the record does not say).
    pub files_read: BTreeMap<String, Vec<String>>,
    /// Files the change touches (empty when unknown).
    pub changed_files: Vec<String>,
}

/// Which rule decided a finding's severity (`Finding::severity_rule`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// Every member agreed (or the policy's plain vote decided).
    Vote,
    /// An even split, decided as [`Rule`]'s doc says.
    Tie,
    Cosmetic,
    /// The reviewer's own text says it does not matter in practice.
    Minor,
    PreExisting,
    /// A single reviewer's critical that the others did not raise, lowered.
    Uncorroborated,
    /// A concrete exploit of a security hole: a lone critical kept, an important
    /// raised.
    Exploit,
}

impl Rule {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Rule::Vote => "vote",
            Rule::Tie => "tie",
            Rule::Cosmetic => "cosmetic",
            Rule::Minor => "minor",
            Rule::PreExisting => "pre-existing",
            Rule::Uncorroborated => "uncorroborated",
            Rule::Exploit => "exploit",
        }
    }
}

/// The reconciled severity, the reason (None when nothing needs saying) and the rule
/// that decided it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Outcome {
    pub severity: Severity,
    pub reason: Option<String>,
    pub rule: Rule,
}

/// The panel as the rules see it: who left a usable review and which files each
/// reviewer looked at.
pub(super) struct Panel<'a> {
    reviews: &'a [ParsedReview],
    /// Per review: the files it cited anywhere; `None` for a review that is not usable.
    cited: Vec<Option<Files<'a>>>,
    /// Per review: the files its run record says it read (`None` when it names none).
    read: Vec<Option<Files<'a>>>,
    /// The files of the change: `coverage.changed_files`, or when those are unknown,
    /// every file some reviewer cited (all of them were given the same change).
    change: Files<'a>,
    /// Where each reviewer rated something critical, by file name.
    criticals: FxMap<&'a str, Vec<(&'a str, &'a Location)>>,
}

/// A set of cited paths looked up by file name, so that `a.go`, `pkg/a.go` and an
/// absolute checkout path find each other without comparing every pair.
#[derive(Default)]
struct Files<'a>(FxMap<&'a str, Vec<&'a str>>);

impl<'a> Files<'a> {
    fn of(paths: impl IntoIterator<Item = &'a str>) -> Files<'a> {
        let mut files = Files::default();
        for p in paths {
            let same_name = files.0.entry(file_key(p)).or_default();
            if !same_name.contains(&p) {
                same_name.push(p);
            }
        }
        files
    }

    fn contains(&self, path: &str) -> bool {
        self.0
            .get(file_key(path))
            .is_some_and(|same_name| same_name.iter().any(|f| same_file(f, path)))
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'a> Panel<'a> {
    pub(super) fn new(reviews: &'a [ParsedReview], coverage: &'a Coverage) -> Panel<'a> {
        let cited_paths = |r: &'a ParsedReview| {
            r.items
                .iter()
                .flat_map(|i| i.locations.iter())
                .chain(r.design_concerns.iter().flat_map(|d| d.locations.iter()))
                .map(|l| l.path.as_str())
        };
        let cited = reviews
            .iter()
            .map(|r| r.is_usable().then(|| Files::of(cited_paths(r))))
            .collect();
        let read = reviews
            .iter()
            .map(|r| {
                coverage
                    .files_read
                    .get(&r.reviewer)
                    .filter(|read| !read.is_empty())
                    .map(|read| Files::of(read.iter().map(String::as_str)))
            })
            .collect();
        let change = if coverage.changed_files.is_empty() {
            Files::of(
                reviews
                    .iter()
                    .filter(|r| r.is_usable())
                    .flat_map(cited_paths),
            )
        } else {
            Files::of(coverage.changed_files.iter().map(String::as_str))
        };
        let mut criticals: FxMap<&str, Vec<(&str, &Location)>> = FxMap::default();
        for r in reviews {
            for i in r
                .items
                .iter()
                .filter(|i| i.severity == Severity::Critical && i.severity_stated)
            {
                for l in &i.locations {
                    criticals
                        .entry(file_key(&l.path))
                        .or_default()
                        .push((r.reviewer.as_str(), l));
                }
            }
        }
        Panel {
            reviews,
            cited,
            read,
            change,
            criticals,
        }
    }

    fn name(&self, r: usize) -> &str {
        self.reviews.get(r).map_or("", |x| x.reviewer.as_str())
    }

    /// Distinct reviewers with a usable review (several passes of one count once).
    fn usable_reviewers(&self) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        for (r, cited) in self.cited.iter().enumerate() {
            if cited.is_some() && !out.iter().any(|&o| self.name(o) == self.name(r)) {
                out.push(r);
            }
        }
        out
    }

    /// True when reviewer `r` looked at `path`: cited it, its run record says it read
    /// it, or — when its record names no file — the file is in the change.
    fn reviewed(&self, r: usize, path: &str) -> bool {
        let Some(Some(cited)) = self.cited.get(r) else {
            return false;
        };
        if cited.contains(path) {
            return true;
        }
        match self.read.get(r).and_then(Option::as_ref) {
            Some(read) => read.contains(path),
            None => !self.change.is_empty() && self.change.contains(path),
        }
    }
}

/// The group's severity by `policy`, with the reason in words.
pub(super) fn reconcile(
    members: &[(usize, &ReviewItem)],
    policy: SeverityPolicy,
    panel: &Panel,
) -> Outcome {
    let votes: Vec<(usize, &ReviewItem)> = {
        let stated: Vec<(usize, &ReviewItem)> = members
            .iter()
            .filter(|(_, i)| i.severity_stated)
            .copied()
            .collect();
        if stated.is_empty() {
            members.to_vec()
        } else {
            stated
        }
    };
    let levels: Vec<Severity> = votes.iter().map(|(_, i)| i.severity).collect();
    let agreed = levels.windows(2).all(|w| w[0] == w[1]);
    let rated = |s: Severity| rated_by(&votes, s, panel);
    let mut out = match policy {
        SeverityPolicy::Highest | SeverityPolicy::Lowest => {
            let pick = if policy == SeverityPolicy::Highest {
                levels.iter().min()
            } else {
                levels.iter().max()
            };
            let best = pick.copied().unwrap_or(Severity::Suggestion);
            let word = if policy == SeverityPolicy::Highest {
                "highest"
            } else {
                "lowest"
            };
            Outcome {
                severity: best,
                reason: (!agreed).then(|| {
                    format!(
                        "{}; the policy takes the {word} rating",
                        split(&votes, panel)
                    )
                }),
                rule: Rule::Vote,
            }
        }
        SeverityPolicy::Majority | SeverityPolicy::Evidence => {
            let count = |s: Severity| levels.iter().filter(|&&v| v == s).count();
            let top = Severity::ALL.into_iter().map(count).max().unwrap_or(0);
            let tied: Vec<Severity> = Severity::ALL
                .into_iter()
                .filter(|&s| top > 0 && count(s) == top)
                .collect();
            match tied.as_slice() {
                [] => Outcome {
                    severity: Severity::Suggestion,
                    reason: None,
                    rule: Rule::Vote,
                },
                [only] => Outcome {
                    severity: *only,
                    reason: (!agreed).then(|| {
                        let others: Vec<String> = Severity::ALL
                            .into_iter()
                            .filter(|&s| s != *only && count(s) > 0)
                            .map(|s| format!("{} by {}", s, rated(s)))
                            .collect();
                        format!("rated {} by {}, {}", only, rated(*only), join_and(&others))
                    }),
                    rule: Rule::Vote,
                },
                _ if policy == SeverityPolicy::Majority => Outcome {
                    severity: tied[0],
                    reason: Some(format!(
                        "{}; the majority policy takes the higher rating on an even split",
                        split(&votes, panel)
                    )),
                    rule: Rule::Tie,
                },
                _ => tie(&votes, &tied, panel),
            }
        }
    };
    if policy == SeverityPolicy::Evidence {
        apply_evidence(&mut out, members, panel);
    }
    out
}

/// `claude and codex` (`5 reviewers` past three): who rated the group `s`.
fn rated_by(votes: &[(usize, &ReviewItem)], s: Severity, panel: &Panel) -> String {
    let mut names: Vec<String> = Vec::new();
    for (r, i) in votes {
        let name = panel.name(*r).to_string();
        if i.severity == s && !names.contains(&name) {
            names.push(name);
        }
    }
    if names.len() > 3 {
        format!("{} reviewers", names.len())
    } else {
        join_and(&names)
    }
}

/// `split between critical (gemini) and important (claude)`.
fn split(votes: &[(usize, &ReviewItem)], panel: &Panel) -> String {
    let parts: Vec<String> = Severity::ALL
        .into_iter()
        .filter(|&s| votes.iter().any(|(_, i)| i.severity == s))
        .map(|s| format!("{s} ({})", rated_by(votes, s, panel)))
        .collect();
    format!("split between {}", join_and(&parts))
}

/// An even split under the evidence policy: the side that argues its rating, else the
/// level every side reaches (the middle one of a three-way split).
fn tie(votes: &[(usize, &ReviewItem)], tied: &[Severity], panel: &Panel) -> Outcome {
    let split = split(votes, panel);
    // The argument decides how urgent a must-fix is, and can settle that an issue
    // need not block; it cannot make a must-fix of what one side calls a suggestion.
    let blocks_either_way = !tied.contains(&Severity::Suggestion);
    let lowest = tied.last().copied();
    if let Some(side) =
        fuller_side(votes, tied).filter(|&side| blocks_either_way || Some(side) == lowest)
    {
        let who = rated_by(votes, side, panel);
        return Outcome {
            severity: side,
            reason: Some(format!(
                "{split}; {side}, as {who} {} what goes wrong in more detail",
                if who.contains(" and ") {
                    "explain"
                } else {
                    "explains"
                }
            )),
            rule: Rule::Tie,
        };
    }
    // Adjacent levels: the lower, which both sides reach. Critical against
    // suggestion (with or without important): important, between them.
    let (severity, how) = if tied.first() == Some(&Severity::Critical)
        && tied.last() == Some(&Severity::Suggestion)
    {
        (Severity::Important, "the middle rating")
    } else {
        (
            tied.last().copied().unwrap_or(Severity::Suggestion),
            "the level both sides agree it reaches",
        )
    };
    Outcome {
        severity,
        reason: Some(format!("{split}; {severity}, {how}")),
        rule: Rule::Tie,
    }
}

/// Words of prose in an item's body (code blocks left out).
fn prose_words(item: &ReviewItem) -> usize {
    let mut words = 0;
    let mut in_code = false;
    for line in item.body.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            in_code = !in_code;
            continue;
        }
        if !in_code {
            words += t
                .split_whitespace()
                .filter(|w| w.chars().any(char::is_alphabetic))
                .count();
        }
    }
    words
}

/// Of two tied levels, the one whose reviewer gives the clearly fuller account (at
/// least 8 more words of prose and half as many again as the other side).
fn fuller_side(votes: &[(usize, &ReviewItem)], tied: &[Severity]) -> Option<Severity> {
    let [a, b] = tied else { return None };
    let side = |s: Severity| {
        votes
            .iter()
            .filter(|(_, i)| i.severity == s)
            .map(|(_, i)| prose_words(i))
            .max()
            .unwrap_or(0)
    };
    let (wa, wb) = (side(*a), side(*b));
    let clearly = |x: usize, y: usize| x >= y + 8 && 2 * x >= 3 * y;
    if clearly(wa, wb) {
        Some(*a)
    } else if clearly(wb, wa) {
        Some(*b)
    } else {
        None
    }
}

fn apply_evidence(out: &mut Outcome, members: &[(usize, &ReviewItem)], panel: &Panel) {
    if out.severity < Severity::Suggestion {
        if let Some(class) = cosmetic_class(members) {
            *out = Outcome {
                severity: Severity::Suggestion,
                reason: Some(format!("{class}; cosmetic")),
                rule: Rule::Cosmetic,
            };
            return;
        }
    }
    if out.severity == Severity::Suggestion {
        return;
    }
    // One pass over each member's text for every phrase list.
    let said: Vec<Said> = members.iter().map(|(_, i)| item_said(i)).collect();
    if said.iter().any(|s| s.minor) {
        if let Some(words) = members.iter().find_map(|(_, i)| called_minor(&i.body)) {
            *out = Outcome {
                severity: Severity::Suggestion,
                reason: Some(format!("minor by the reviewer's own account (“{words}”)")),
                rule: Rule::Minor,
            };
            return;
        }
    }
    let pre = members
        .iter()
        .zip(&said)
        .any(|((_, i), s)| says_pre_existing(i, s));
    if pre {
        *out = Outcome {
            severity: Severity::Suggestion,
            reason: Some("pre-existing — not introduced by this change".to_string()),
            rule: Rule::PreExisting,
        };
        return;
    }
    if out.severity == Severity::Important {
        if let Some(((r, _), _)) = members
            .iter()
            .zip(&said)
            .find(|(_, s)| s.cross || s.hole && s.exploit)
        {
            *out = Outcome {
                severity: Severity::Critical,
                reason: Some(format!(
                    "a security hole with a concrete exploit: {} shows who can abuse it",
                    panel.name(*r)
                )),
                rule: Rule::Exploit,
            };
            return;
        }
    }
    if out.severity == Severity::Critical {
        corroborate(out, members, panel);
    }
}

/// The cosmetic class the finding is in (`typo`, `naming`, …), judged on the members
/// that come from a findings section (all members when none does): most of them must
/// have a cosmetic title (a member with no title is judged on its text), and none may
/// say the slip changes behaviour.
fn cosmetic_class(members: &[(usize, &ReviewItem)]) -> Option<&'static str> {
    let from_findings: Vec<&ReviewItem> = members
        .iter()
        .filter(|(_, i)| i.source == ItemSource::Finding)
        .map(|(_, i)| *i)
        .collect();
    let judged: Vec<&ReviewItem> = if from_findings.is_empty() {
        members.iter().map(|(_, i)| *i).collect()
    } else {
        from_findings
    };
    let mut classes: Vec<&'static str> = Vec::new();
    for item in &judged {
        let title = if item.title.trim().is_empty() {
            item.body.lines().next().unwrap_or("")
        } else {
            item.title.as_str()
        };
        if let Some(c) = cosmetic_title(title) {
            classes.push(c);
        }
    }
    // The titles first: they are short, and few findings are cosmetic.
    let cosmetic = 2 * classes.len() > judged.len();
    (cosmetic && !judged.iter().any(|item| changes_behaviour(&item.body))).then(|| classes[0])
}

/// The words of `lower`, a lowercased text (letters and digits; `-` and `'` kept inside
/// words).
fn words(lower: &str) -> Vec<&str> {
    lower
        .split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '\''))
        .map(|w| w.trim_matches(|c| c == '-' || c == '\''))
        .filter(|w| !w.is_empty())
        .collect()
}

/// `typo`, `spelling`, `grammar`, `wording`, `naming`, `formatting` or `comment only`
/// when a title is about one of them.
pub(super) fn cosmetic_title(title: &str) -> Option<&'static str> {
    let lower = title.to_lowercase();
    let w = words(&lower);
    let has = |x: &str| w.contains(&x);
    let any = |xs: &[&str]| xs.iter().any(|x| has(x));
    if any(&[
        "typo",
        "typos",
        "misspelled",
        "misspelt",
        "misspelling",
        "misspellings",
    ]) {
        return Some("typo");
    }
    if any(&["spelling", "spelled", "spelt"]) {
        return Some("spelling");
    }
    if any(&[
        "grammar",
        "grammatical",
        "punctuation",
        "capitalisation",
        "capitalization",
    ]) {
        return Some("grammar");
    }
    if any(&["wording", "phrasing", "reword", "rephrase"]) {
        return Some("wording");
    }
    let name_words = ["name", "names", "named"];
    let vague = [
        "unclear",
        "confusing",
        "misleading",
        "inconsistent",
        "poor",
        "poorly",
        "cryptic",
        "vague",
        "non-descriptive",
        "undescriptive",
        "descriptive",
    ];
    if any(&["naming", "rename", "renaming"]) || (any(&name_words) && any(&vague)) {
        return Some("naming");
    }
    if any(&[
        "whitespace",
        "formatting",
        "indentation",
        "indent",
        "trailing",
    ]) && !any(&["output", "response", "log", "message", "date", "number"])
    {
        return Some("formatting");
    }
    // "Comment says …", "Stale doc comment", "Docstring out of date": about a comment
    // only, not about code a comment sits next to. A contrast ("comment claims X but
    // no lock is taken") or a behaviour word means the finding is about the code.
    let about_code = any(&[
        "but",
        "while",
        "although",
        "yet",
        "whereas",
        "race",
        "lock",
        "leak",
        "panic",
        "crash",
        "overflow",
        "deadlock",
        "security",
        "injection",
        "missing",
        "no",
        "without",
        "todo",
        "fixme",
        "commented-out",
    ]);
    if any(&[
        "comment",
        "comments",
        "docstring",
        "docstrings",
        "doc-comment",
    ]) && !about_code
    {
        return Some("comment only");
    }
    None
}

/// True when a cosmetic slip's text says it changes what the code does (a misspelt
/// key that is never read, a name that does not match).
fn changes_behaviour(body: &str) -> bool {
    static BEHAVIOUR: LazyLock<Regex> = LazyLock::new(|| phrase_pattern(BEHAVIOUR_PHRASES));
    BEHAVIOUR.is_match(body)
}
/// What a cosmetic slip's text says when the slip changes behaviour.
const BEHAVIOUR_PHRASES: &[&str] = &[
    "never read",
    "is ignored",
    "are ignored",
    "silently ignored",
    "never matches",
    "does not match",
    "doesn't match",
    "not picked up",
    "fails to",
    "at runtime",
    "is never used",
    "wrong value",
];

/// The words in which a reviewer says its own item does not matter in practice
/// (`fine in practice`, `no functional impact`), if it does.
pub(super) fn called_minor(body: &str) -> Option<String> {
    if !said(body).minor {
        return None;
    }
    static MINOR: LazyLock<Regex> = LazyLock::new(|| phrase_pattern(MINOR_PHRASES));
    let found = MINOR.find(body)?.as_str().to_lowercase();
    let words: Vec<&str> = found
        .split(|c: char| c.is_whitespace() || matches!(c, '*' | '_' | '`'))
        .filter(|w| !w.is_empty())
        .collect();
    Some(words.join(" "))
}
/// How reviewers say their own item does not matter.
const MINOR_PHRASES: &[&str] = &[
    "fine in practice",
    "harmless in practice",
    "not a problem in practice",
    "unlikely to matter",
    "no functional impact",
    "no behaviour change",
    "no behavior change",
    "purely cosmetic",
    "purely stylistic",
    "just a nit",
    "only a nit",
];

/// True when a member says the issue predates the change.
#[cfg(test)]
pub(super) fn pre_existing(item: &ReviewItem) -> bool {
    says_pre_existing(item, &item_said(item))
}

fn says_pre_existing(item: &ReviewItem, said: &Said) -> bool {
    item.tags.iter().any(|t| t == "pre-existing") || said.pre && !said.not_pre
}
/// How reviewers say an issue predates the change.
const PRE_EXISTING_PHRASES: &[&str] = &[
    "pre-existing",
    "preexisting",
    "predates this",
    "predates the",
    "pre-dates this",
    "pre-dates the",
    "not introduced by this",
    "not introduced by the",
    "not introduced in this",
    "wasn't introduced by",
    "was not introduced by",
    "already on main",
    "already in main",
    "already present on main",
    "already exists on main",
    "existed before this",
    "existed before the",
    "already there before",
    "already the case before",
    "was already the case",
    "already broken before",
    "already broken on main",
    "already happens on main",
    "unchanged by this",
    "untouched by this",
    "not part of this change",
    "not part of this pr",
    "not part of this diff",
];

const NOT_PRE_EXISTING_PHRASES: &[&str] = &[
    "not pre-existing",
    "not a pre-existing",
    "isn't pre-existing",
];

/// True when a member's text names a security or data-loss hole and a concrete way to
/// exploit it.
pub(super) fn concrete_exploit(item: &ReviewItem) -> bool {
    let s = item_said(item);
    s.cross || s.hole && s.exploit
}
/// Security and data-loss holes.
const HOLE_PHRASES: &[&str] = &[
    "inject",
    "remote code",
    "arbitrary code",
    "arbitrary file",
    "path traversal",
    "directory traversal",
    "auth bypass",
    "authentication bypass",
    "bypasses auth",
    "privilege escalation",
    "escalate",
    "xss",
    "csrf",
    "ssrf",
    "buffer overflow",
    "out-of-bounds",
    "out of bounds",
    "use-after-free",
    "use after free",
    "memory corruption",
    "leaks the",
    "leaks secret",
    "secret",
    "credential",
    "world-readable",
    "publicly readable",
    "another user",
    "another customer",
    "other users",
    "other tenants",
    "another tenant",
    "data loss",
    "loses data",
    "deletes",
    "drops the table",
    "overwrites",
    "corrupts",
];

/// What makes an exploit concrete: who abuses it, and how.
const EXPLOIT_PHRASES: &[&str] = &[
    "attacker",
    "malicious",
    "crafted",
    "any user",
    "any authenticated",
    "any unauthenticated",
    "unauthenticated",
    "anyone can",
    "anyone on",
    "any client",
    "any caller",
    "by sending",
    "by requesting",
    "payload",
    "untrusted",
    "a fork can",
    "any fork",
    "remotely reachable",
    "exploit",
    "proof of concept",
    "steps to reproduce",
];

/// Reaching another user's or tenant's data is its own exploit.
const CROSS_PHRASES: &[&str] = &[
    "other tenants'",
    "another tenant's",
    "other users'",
    "another user's",
    "other customers'",
    "another customer's",
];

/// Which of the phrase lists a text uses, found in one pass.
#[derive(Debug, Clone, Copy, Default)]
struct Said {
    minor: bool,
    pre: bool,
    not_pre: bool,
    hole: bool,
    exploit: bool,
    cross: bool,
}

fn said(text: &str) -> Said {
    static LISTS: LazyLock<RegexSet> = LazyLock::new(|| {
        let lists = [
            MINOR_PHRASES,
            PRE_EXISTING_PHRASES,
            NOT_PRE_EXISTING_PHRASES,
            HOLE_PHRASES,
            EXPLOIT_PHRASES,
            CROSS_PHRASES,
        ];
        RegexSet::new(lists.iter().map(|l| phrase_source(l))).expect("phrase lists are valid")
    });
    let m = LISTS.matches(text);
    Said {
        minor: m.matched(0),
        pre: m.matched(1),
        not_pre: m.matched(2),
        hole: m.matched(3),
        exploit: m.matched(4),
        cross: m.matched(5),
    }
}

/// What an item's title and body say, together.
fn item_said(item: &ReviewItem) -> Said {
    let (a, b) = (said(&item.title), said(&item.body));
    Said {
        minor: a.minor || b.minor,
        pre: a.pre || b.pre,
        not_pre: a.not_pre || b.not_pre,
        hole: a.hole || b.hole,
        exploit: a.exploit || b.exploit,
        cross: a.cross || b.cross,
    }
}

/// A case-insensitive pattern for any phrase of `list`, where a space matches any run
/// of whitespace and emphasis (`not *introduced* by`) and `'` either apostrophe.
fn phrase_source(list: &[&str]) -> String {
    let alternatives: Vec<String> = list
        .iter()
        .map(|p| {
            regex::escape(p)
                .replace(' ', r"[\s*_`]+")
                .replace('\'', "['\u{2019}]")
        })
        .collect();
    format!("(?i)(?:{})", alternatives.join("|"))
}

fn phrase_pattern(list: &[&str]) -> Regex {
    Regex::new(&phrase_source(list)).expect("phrase lists are valid")
}

/// True when another reviewer rated an item at (or within a few lines of) one of the
/// finding's locations critical: the same worry, grouped apart, is not a lone one.
fn flagged_nearby(members: &[(usize, &ReviewItem)], panel: &Panel) -> bool {
    let raiser = members.first().map_or("", |(r, _)| panel.name(*r));
    members.iter().flat_map(|(_, i)| &i.locations).any(|h| {
        panel
            .criticals
            .get(file_key(&h.path))
            .into_iter()
            .flatten()
            .any(|(who, l)| {
                *who != raiser
                    && same_file(&h.path, &l.path)
                    && line_gap(h, l).is_some_and(|gap| gap <= NEARBY)
            })
    })
}

/// Lines apart that still count as the same place for [`flagged_nearby`].
const NEARBY: u32 = 5;

/// The corroboration rule (see the module doc): applies to a critical raised by one
/// reviewer.
fn corroborate(out: &mut Outcome, members: &[(usize, &ReviewItem)], panel: &Panel) {
    let mut raisers: Vec<&str> = members.iter().map(|(r, _)| panel.name(*r)).collect();
    raisers.sort_unstable();
    raisers.dedup();
    let [raiser] = raisers.as_slice() else { return };
    let usable = panel.usable_reviewers();
    let others: Vec<usize> = usable
        .iter()
        .copied()
        .filter(|&r| panel.name(r) != *raiser)
        .collect();
    if others.is_empty() {
        return;
    }
    let mut files: Vec<&str> = Vec::new();
    for (_, i) in members {
        for l in &i.locations {
            if !files.iter().any(|f| same_file(f, &l.path)) {
                files.push(&l.path);
            }
        }
    }
    // A finding with no location is about the change as a whole, which every reviewer
    // with a usable review looked at.
    let all_looked = others
        .iter()
        .all(|&r| files.is_empty() || files.iter().any(|f| panel.reviewed(r, f)));
    if !all_looked || flagged_nearby(members, panel) {
        return;
    }
    let n = usable.len();
    let what = match files.first() {
        Some(f) => format!("`{}`", file_key(f)),
        None => "the change".to_string(),
    };
    let one_of = format!("raised by one of {n} reviewers");
    let others_did = if others.len() == 1 {
        format!(
            "{} reviewed {what} and did not flag it",
            panel.name(others[0])
        )
    } else {
        format!("the others reviewed {what} and did not flag it")
    };
    if members.iter().any(|(_, i)| concrete_exploit(i)) {
        *out = Outcome {
            severity: Severity::Critical,
            reason: Some(format!(
                "{one_of}; {others_did}, but {raiser} describes a concrete exploit"
            )),
            rule: Rule::Exploit,
        };
    } else {
        *out = Outcome {
            severity: Severity::Important,
            reason: Some(format!("{one_of}; {others_did}")),
            rule: Rule::Uncorroborated,
        };
    }
}

#[cfg(test)]
mod tests;
