//! Consolidation: the same issue raised by several reviewers becomes one finding (at
//! most one member per reviewer), severities are reconciled by policy with a reason for
//! every change, findings are numbered C1.., I1.., S1... Pure and deterministic.
//!
//! How items are grouped is described in [`pool`] (the pair score) and [`cluster`]
//! (blocking and agglomerative clustering). Every merge is explained in
//! [`Finding::merge_reasons`]. The grouping does not depend on the order the reviews
//! are given in; only tie-breaks of the output (numbering, primary member) follow the
//! panel order.

mod check;
mod cluster;
mod pool;
mod proposals;
mod restate;
mod severity;
pub(crate) mod text;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use crate::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use crate::options::SeverityPolicy;
use crate::report::{Design, DesignGroup, DesignMember, Dropped, Finding, Member, Verification};
use crate::verify::VerifyOutcome;

pub use check::{check_complete, Incomplete};
/// Whether two cited paths name the same file (`b.go`, `a/b.go`, `/checkout/a/b.go`).
pub(crate) use pool::{file_key, same_file};
pub use proposals::{apply_proposals, Applied, Proposal, MAX_MERGE_GAP};
pub use severity::Coverage;

use cluster::{group, Merge};
use pool::{line_gap, location_similarity, Input, Pool};
use text::Lexicon;

#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub severity: SeverityPolicy,
    /// What the panel looked at, for the corroboration rule ([`severity`]).
    pub coverage: Coverage,
}

/// Per-reviewer counts that only consolidation knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewerTally {
    pub unique: u32,
    pub upgraded: u32,
    pub downgraded: u32,
    pub dropped: u32,
}

#[derive(Debug, Clone, Default)]
pub struct Consolidation {
    pub findings: Vec<Finding>,
    pub dropped: Vec<Dropped>,
    pub design: Design,
    pub tallies: BTreeMap<String, ReviewerTally>,
}

/// Consolidates the reviews. `verification` carries what [`crate::verify`] found (use
/// `VerifyOutcome::default()` when no repository was given); its dropped items are
/// included in the result's `dropped`.
pub fn consolidate(
    reviews: &[ParsedReview],
    policy: &Policy,
    verification: &VerifyOutcome,
) -> Consolidation {
    let items: Vec<(usize, &ReviewItem)> = reviews
        .iter()
        .enumerate()
        .flat_map(|(r, review)| review.items.iter().map(move |item| (r, item)))
        .collect();
    // Restatements join their referent's finding after grouping; only the rest is
    // grouped.
    let echoes = restate::echoes(&items);
    let inputs: Vec<Input> = items
        .iter()
        .enumerate()
        .filter(|(handle, _)| !echoes.contains_key(handle))
        .map(|(handle, (r, item))| Input {
            reviewer: &reviews[*r].reviewer,
            pass: reviews[*r].pass,
            local_id: &item.local_id,
            ordinal: item.ordinal,
            title: &item.title,
            body: &item.body,
            snippets: &item.snippets,
            locations: &item.locations,
            source: Some(item.source),
            handle,
        })
        .collect();
    let pool = Pool::new(inputs);
    // The severity panel (what each reviewer read and said) is built beside the
    // grouping, which leaves a core idle in its serial steps.
    let (severity_panel, grouping) = crate::parallel::join(
        || severity::Panel::new(reviews, &policy.coverage),
        || group(&pool),
    );
    let panel = Panel {
        items: &items,
        reviews,
        policy,
        verification,
        severity: &severity_panel,
    };
    // Each run of groups on some core, its fingerprints through a lexicon of its own
    // (the memo of title words; a fingerprint does not depend on what it holds).
    let groups: Vec<(&Vec<usize>, &Vec<Merge>)> =
        grouping.groups.iter().zip(&grouping.merges).collect();
    let built = crate::parallel::map_runs(&groups, |run| {
        let mut lexicon = Lexicon::default();
        run.iter()
            .map(|(members, merges)| {
                let handles: Vec<usize> = members
                    .iter()
                    .map(|&m| pool.entries[m].input.handle)
                    .collect();
                let (order, mut finding, primary) = build_finding(&handles, panel, &pool, merges);
                finding.fingerprint = primary
                    .map(|p| fingerprint(p, &mut lexicon))
                    .unwrap_or_default();
                (order, finding)
            })
            .collect::<Vec<_>>()
    });
    let mut findings: Vec<(FindingOrder, Finding)> = built.into_iter().flatten().collect();
    findings.sort_by_key(|a| a.0);
    let mut out: Vec<Finding> = findings.into_iter().map(|(_, f)| f).collect();
    number(&mut out);
    restate::attach(&mut out, &echoes, &items, reviews);
    restate::rewrite_references(&mut out);

    let design = Design {
        concerns: design_groups(reviews, |r| &r.design_concerns, true),
        strengths: design_groups(reviews, |r| &r.strengths, false),
    };
    let tallies = tally(reviews, &out, verification);
    let result = Consolidation {
        findings: out,
        dropped: verification.dropped.clone(),
        design,
        tallies,
    };
    debug_assert!(
        check_complete(reviews, verification, &result).is_ok(),
        "consolidation lost or duplicated an item"
    );
    result
}

/// Numbers findings already in report order C1.., I1.., S1..; returns the ids that
/// changed (old → new).
fn number(findings: &mut [Finding]) -> text::FxMap<String, String> {
    let mut counters = [0usize; 3];
    let mut renamed = text::FxMap::default();
    for finding in findings {
        let slot = match finding.severity {
            Severity::Critical => 0,
            Severity::Important => 1,
            Severity::Suggestion => 2,
        };
        counters[slot] += 1;
        let id = format!("{}{}", finding.severity.letter(), counters[slot]);
        if !finding.id.is_empty() && finding.id != id {
            renamed.insert(std::mem::take(&mut finding.id), id.clone());
        }
        finding.id = id;
    }
    renamed
}

/// Severity, then more reviewers first, then first appearance (panel order, ordinal).
type FindingOrder = (Severity, std::cmp::Reverse<usize>, usize, usize);

/// What every finding is built from: the items (reviewer index, item) by handle, the
/// reviews, the policy and what verification found.
#[derive(Clone, Copy)]
struct Panel<'a> {
    items: &'a [(usize, &'a ReviewItem)],
    reviews: &'a [ParsedReview],
    policy: &'a Policy,
    verification: &'a VerifyOutcome,
    severity: &'a severity::Panel<'a>,
}

fn build_finding<'a>(
    handles: &[usize],
    panel: Panel<'a>,
    pool: &Pool,
    merges: &[Merge],
) -> (FindingOrder, Finding, Option<&'a ReviewItem>) {
    let Panel {
        items,
        reviews,
        policy,
        verification,
        severity: severity_panel,
    } = panel;
    // Members in panel order.
    let mut members: Vec<(usize, &ReviewItem)> = handles
        .iter()
        .filter_map(|&h| items.get(h).copied())
        .collect();
    members.sort_by_key(|(r, item)| (*r, item.ordinal));
    let reviewer = |r: usize| reviews.get(r).map(|x| x.reviewer.as_str()).unwrap_or("");

    let outcome = severity::reconcile(&members, policy.severity, severity_panel);
    let severity = outcome.severity;
    // The member whose text the finding shows: a reviewer's finding before an
    // assessment item (findings carry the snippet and the fix), then one that rated it
    // as the group does, then panel order.
    let primary = members
        .iter()
        .min_by_key(|(r, i)| {
            (
                i.source != ItemSource::Finding,
                i.severity != severity,
                *r,
                i.ordinal,
            )
        })
        .copied();

    let changed = members
        .iter()
        .any(|(_, i)| i.severity_stated && i.severity != severity);
    let reconciliation = outcome
        .reason
        .filter(|_| changed || outcome.rule == severity::Rule::Exploit);

    let mut locations: Vec<Location> = Vec::new();
    let ordered_locations = primary
        .iter()
        .flat_map(|(_, p)| p.locations.iter())
        .chain(members.iter().flat_map(|(_, i)| i.locations.iter()));
    for loc in ordered_locations {
        if !locations.contains(loc) {
            locations.push(loc.clone());
        }
    }
    let mut reviewer_names: Vec<String> = Vec::new();
    for (r, _) in &members {
        let name = reviewer(*r);
        if !reviewer_names.iter().any(|n| n == name) {
            reviewer_names.push(name.to_string());
        }
    }
    // The map is keyed by owned strings: skip building keys when nothing was checked.
    let verification_status = if verification.status.is_empty() {
        Verification::NotChecked
    } else {
        members
            .iter()
            .map(|(r, i)| {
                verification
                    .status
                    .get(&(reviewer(*r).to_string(), i.local_id.clone()))
                    .copied()
                    .unwrap_or(Verification::NotChecked)
            })
            .min_by_key(|v| verification_rank(*v))
            .unwrap_or(Verification::NotChecked)
    };

    let primary_item = primary.map(|(_, p)| p);
    let kind = primary_item
        .into_iter()
        .chain(members.iter().map(|(_, i)| *i))
        .flat_map(|i| i.tags.iter())
        .find(|t| matches!(t.as_str(), "regression" | "gap" | "enhancement"))
        .cloned();
    let merge_reasons = merges
        .iter()
        .map(|m| merge_reason(pool, m, reviews_of(pool, m)))
        .collect();
    let first = members
        .first()
        .map(|(r, i)| (*r, i.ordinal))
        .unwrap_or((0, 0));
    let order = (
        severity,
        std::cmp::Reverse(reviewer_names.len()),
        first.0,
        first.1,
    );
    let finding = Finding {
        id: String::new(),
        severity,
        title: primary_item.map(|p| p.title.clone()).unwrap_or_default(),
        location: primary_item.and_then(|p| p.locations.first().cloned()),
        locations,
        reviewers: reviewer_names,
        // The primary member first (its title and text are the finding's), then the
        // others in panel order.
        members: primary
            .iter()
            .chain(
                members
                    .iter()
                    .filter(|m| !primary.is_some_and(|p| std::ptr::eq(p.1, m.1))),
            )
            .map(|(r, i)| Member {
                reviewer: reviewer(*r).to_string(),
                local_id: i.local_id.clone(),
                severity: i.severity,
                title: i.title.clone(),
                source: i.source,
                locations: i.locations.clone(),
                restates: None,
            })
            .collect(),
        body: primary_item.map(|p| p.body.clone()).unwrap_or_default(),
        tags: primary_item.map(|p| p.tags.clone()).unwrap_or_default(),
        kind,
        verification: verification_status,
        severity_rule: reconciliation
            .is_some()
            .then(|| outcome.rule.as_str().to_string()),
        reconciliation,
        merge_reasons,
        // Set by the caller, which owns the lexicon.
        fingerprint: String::new(),
    };
    (order, finding, primary_item)
}

fn reviews_of<'p>(pool: &'p Pool, m: &Merge) -> (&'p str, &'p str, &'p str, &'p str) {
    let label = |i: usize| {
        pool.entries
            .get(i)
            .map(|e| (e.input.reviewer, e.input.local_id))
            .unwrap_or(("", ""))
    };
    let (ra, ia) = label(m.a);
    let (rb, ib) = label(m.b);
    (ra, ia, rb, ib)
}

/// Verified first: a finding is as well verified as its best member.
fn verification_rank(v: Verification) -> u8 {
    match v {
        Verification::Verified => 0,
        Verification::Relocated => 1,
        Verification::Unverified => 2,
        Verification::NotChecked => 3,
    }
}

/// "claude C1 + gemini C1: same file x.go, lines 36 vs 31 (5 apart); shared `a`, `b`;
/// title similarity 0.32; text similarity 0.41; score 0.58".
fn merge_reason(pool: &Pool, m: &Merge, labels: (&str, &str, &str, &str)) -> String {
    let (ra, ia, rb, ib) = labels;
    let mut parts = Vec::new();
    let locs_a = pool
        .entries
        .get(m.a)
        .map(|e| e.input.locations)
        .unwrap_or(&[]);
    let locs_b = pool
        .entries
        .get(m.b)
        .map(|e| e.input.locations)
        .unwrap_or(&[]);
    if let Some(place) = describe_place(locs_a, locs_b) {
        parts.push(place);
    }
    let (shared, from_code) = pool.shared_idents(m.a, m.b, 4);
    if !shared.is_empty() {
        let list: Vec<String> = shared.iter().map(|s| format!("`{s}`")).collect();
        parts.push(format!(
            "shared {}{}",
            if from_code { "quoted code " } else { "" },
            list.join(", ")
        ));
    }
    if !m.score.same_topic {
        parts.push("different topics (tests or docs vs code)".to_string());
    }
    if m.score.same_place {
        parts.push("the only items of their reviewers on these lines".to_string());
    }
    parts.push(format!("title similarity {:.2}", m.score.title));
    parts.push(format!("text similarity {:.2}", m.score.text));
    let mut score = format!("score {:.2}", m.score.total);
    if m.pairs > 1 {
        score.push_str(&format!(
            " (average over {} pairs {:.2})",
            m.pairs, m.linkage
        ));
    }
    parts.push(score);
    format!("{ra} {ia} + {rb} {ib}: {}", parts.join("; "))
}

fn describe_place(a: &[Location], b: &[Location]) -> Option<String> {
    if a.is_empty() || b.is_empty() {
        return Some("no location on one side".to_string());
    }
    if location_similarity(a, b) <= 0.0 {
        return Some("different files".to_string());
    }
    let mut best: Option<(u32, &Location, &Location)> = None;
    let mut file_level: Option<(&Location, &Location)> = None;
    for x in a {
        for y in b {
            if !same_file(&x.path, &y.path) {
                continue;
            }
            match line_gap(x, y) {
                Some(gap) if best.is_none_or(|(g, _, _)| gap < g) => best = Some((gap, x, y)),
                None if file_level.is_none() => file_level = Some((x, y)),
                _ => {}
            }
        }
    }
    let name = |l: &Location| pool::file_key(&l.path).to_string();
    let lines = |l: &Location| match (l.line_start, l.line_end) {
        (Some(s), Some(e)) if s != e => format!("{s}-{e}"),
        (Some(s), _) => s.to_string(),
        _ => "-".to_string(),
    };
    Some(match (best, file_level) {
        (Some((0, x, y)), _) => format!(
            "same file {}, lines {} vs {} (overlapping)",
            name(x),
            lines(x),
            lines(y)
        ),
        (Some((gap, x, y)), _) => format!(
            "same file {}, lines {} vs {} ({gap} apart)",
            name(x),
            lines(x),
            lines(y)
        ),
        (None, Some((x, _))) => format!("same file {} (no lines on one side)", name(x)),
        (None, None) => return None,
    })
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Stable across line shifts: normalised path, the first distinctive lines of the
/// primary snippet, and the title's content words.
fn fingerprint(item: &ReviewItem, lexicon: &mut Lexicon) -> String {
    let path = item
        .locations
        .first()
        .map(|l| pool::normalise_path(&l.path))
        .unwrap_or_default();
    // The first three distinctive lines, whitespace runs collapsed, joined by `\n`.
    let mut snippet = String::new();
    let mut line = String::new();
    let mut taken = 0;
    for raw in item.snippets.iter().flat_map(|s| s.lines()) {
        if taken == 3 {
            break;
        }
        line.clear();
        for (k, w) in raw.split_whitespace().enumerate() {
            if k > 0 {
                line.push(' ');
            }
            line.push_str(w);
        }
        if line.chars().filter(|c| c.is_alphanumeric()).count() < 3 || line.contains("...") {
            continue;
        }
        if taken > 0 {
            snippet.push('\n');
        }
        snippet.push_str(&line);
        taken += 1;
    }
    let mut keys = Vec::new();
    lexicon.push_words(&item.title, &mut keys);
    let mut title: Vec<&str> = keys.iter().map(|&k| lexicon.get(k).1).collect();
    title.sort_unstable();
    title.dedup();
    let mut hasher = Sha256::new();
    hasher.update(path.as_bytes());
    hasher.update(b"\n");
    hasher.update(snippet.as_bytes());
    hasher.update(b"\n");
    for (k, word) in title.iter().enumerate() {
        if k > 0 {
            hasher.update(b" ");
        }
        hasher.update(word.as_bytes());
    }
    let mut hex = String::with_capacity(16);
    for b in hasher.finalize().iter().take(8) {
        hex.push(char::from(HEX[usize::from(b >> 4)]));
        hex.push(char::from(HEX[usize::from(b & 15)]));
    }
    hex
}

/// Groups design concerns (or strengths) with the same machinery as findings.
fn design_groups<'a>(
    reviews: &'a [ParsedReview],
    list: impl Fn(&'a ParsedReview) -> &'a Vec<crate::model::DesignItem>,
    with_scope: bool,
) -> Vec<DesignGroup> {
    let items: Vec<(usize, &crate::model::DesignItem)> = reviews
        .iter()
        .enumerate()
        .flat_map(|(r, review)| list(review).iter().map(move |d| (r, d)))
        .collect();
    let inputs: Vec<Input> = items
        .iter()
        .enumerate()
        .map(|(handle, (r, d))| Input {
            reviewer: &reviews[*r].reviewer,
            pass: reviews[*r].pass,
            local_id: &d.local_id,
            ordinal: d.ordinal,
            title: &d.title,
            body: &d.body,
            snippets: &[],
            locations: &d.locations,
            source: None,
            handle,
        })
        .collect();
    let pool = Pool::new(inputs);
    let grouping = group(&pool);
    let mut groups: Vec<((usize, usize), DesignGroup)> = grouping
        .groups
        .iter()
        .map(|members| {
            let mut ms: Vec<(usize, &crate::model::DesignItem)> = members
                .iter()
                .filter_map(|&m| items.get(pool.entries[m].input.handle).copied())
                .collect();
            ms.sort_by_key(|(r, d)| (*r, d.ordinal));
            let first = ms.first().map(|(r, d)| (*r, d.ordinal)).unwrap_or((0, 0));
            let lead = ms.first().map(|(_, d)| *d);
            let mut reviewer_names: Vec<String> = Vec::new();
            for (r, _) in &ms {
                let name = reviews[*r].reviewer.clone();
                if !reviewer_names.contains(&name) {
                    reviewer_names.push(name);
                }
            }
            let group = DesignGroup {
                title: lead.map(|d| d.title.clone()).unwrap_or_default(),
                scope: if with_scope {
                    ms.iter().find_map(|(_, d)| d.scope)
                } else {
                    None
                },
                body: lead.map(|d| d.body.clone()).unwrap_or_default(),
                reviewers: reviewer_names,
                members: ms
                    .iter()
                    .map(|(r, d)| DesignMember {
                        reviewer: reviews[*r].reviewer.clone(),
                        local_id: d.local_id.clone(),
                        title: d.title.clone(),
                    })
                    .collect(),
            };
            (first, group)
        })
        .collect();
    groups.sort_by_key(|(first, _)| *first);
    groups.into_iter().map(|(_, g)| g).collect()
}

fn tally(
    reviews: &[ParsedReview],
    findings: &[Finding],
    verification: &VerifyOutcome,
) -> BTreeMap<String, ReviewerTally> {
    // Counted by name as borrowed (no copy per member); named copies at the end.
    let mut tallies: text::FxMap<&str, ReviewerTally> = reviews
        .iter()
        .map(|r| (r.reviewer.as_str(), ReviewerTally::default()))
        .collect();
    let stated: text::FxMap<(&str, &str), bool> = reviews
        .iter()
        .flat_map(|r| {
            r.items.iter().map(move |i| {
                (
                    (r.reviewer.as_str(), i.local_id.as_str()),
                    i.severity_stated,
                )
            })
        })
        .collect();
    for f in findings {
        if let ([only, ..], [_]) = (f.members.as_slice(), f.reviewers.as_slice()) {
            tallies.entry(only.reviewer.as_str()).or_default().unique += 1;
        }
        for m in &f.members {
            let was_stated = stated
                .get(&(m.reviewer.as_str(), m.local_id.as_str()))
                .copied()
                .unwrap_or(true);
            if !was_stated || m.severity == f.severity {
                continue;
            }
            let t = tallies.entry(m.reviewer.as_str()).or_default();
            if f.severity < m.severity {
                t.upgraded += 1;
            } else {
                t.downgraded += 1;
            }
        }
    }
    for d in &verification.dropped {
        tallies.entry(d.reviewer.as_str()).or_default().dropped += 1;
    }
    tallies
        .into_iter()
        .map(|(name, tally)| (name.to_string(), tally))
        .collect()
}

/// Every cross-reviewer pair of items scoring at least `min`, best first, as lines
/// `score text title idents code location | a + b`. For tuning and debugging only.
#[doc(hidden)]
pub fn explain_pairs(reviews: &[ParsedReview], min: f64) -> Vec<String> {
    let inputs: Vec<Input> = reviews
        .iter()
        .flat_map(|r| {
            r.items.iter().map(move |item| Input {
                reviewer: &r.reviewer,
                pass: r.pass,
                local_id: &item.local_id,
                ordinal: item.ordinal,
                title: &item.title,
                body: &item.body,
                snippets: &item.snippets,
                locations: &item.locations,
                source: Some(item.source),
                handle: 0,
            })
        })
        .collect();
    let pool = Pool::new(inputs);
    let mut lines = Vec::new();
    for a in 0..pool.entries.len() {
        for b in a + 1..pool.entries.len() {
            if pool.entries[a].reviewer_rank == pool.entries[b].reviewer_rank {
                continue;
            }
            let s = pool.score(a, b);
            if s.total >= min {
                lines.push((
                    s.scaled(),
                    format!(
                        "{:.3} t{:.2} ti{:.2} id{:.2} c{:.2} l{:.2} cv{:.2}{} | {} {} + {} {}",
                        s.total,
                        s.text,
                        s.title,
                        s.idents,
                        s.code,
                        s.location,
                        s.cover,
                        if s.same_topic { "" } else { " topic" },
                        pool.entries[a].input.reviewer,
                        pool.entries[a].input.local_id,
                        pool.entries[b].input.reviewer,
                        pool.entries[b].input.local_id
                    ),
                ));
            }
        }
    }
    lines.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)));
    lines.into_iter().map(|(_, l)| l).collect()
}
