//! What became of the previous round's findings: each current finding continues one
//! (same fingerprint: `unchanged`, or `updated` when re-rated; same file and a title
//! that says the same: `updated`) or is `new`; an earlier finding nothing continues is
//! resolved. Pure: the store supplies the previous round, the pipeline the report.

use rustc_hash::FxHashSet;

use crate::model::Location;
use crate::report::{
    BaselineState, EarlierFinding, Feedback, FindingLifecycle, HistoryLink, Report,
};

/// What the store says before a report is built.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prior {
    /// This review's round: one more than the previous review's, or the round it was
    /// recorded with when the same review is consolidated again.
    pub round: u32,
    /// The previous review of the same target, when there is one.
    pub previous: Option<Previous>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Previous {
    pub id: String,
    pub round: u32,
    pub findings: Vec<EarlierFinding>,
}

/// Two titles say the same when this share of their words is common (Jaccard).
const SAME_TITLE: f64 = 0.5;

/// Sets `report.history` from the previous round and lists what is still open (and
/// what was resolved) under Unresolved Feedback, each with the round that raised it.
pub fn classify(report: &mut Report, prior: &Prior) {
    let Some(previous) = &prior.previous else {
        return;
    };
    let round = report.target.round.max(prior.round);
    let mut used = vec![false; previous.findings.len()];
    let mut matched: Vec<Option<usize>> = vec![None; report.findings.len()];
    let identities: Vec<String> = report.findings.iter().map(|f| f.identity()).collect();
    // Same fingerprint first, so a reworded neighbour cannot take another's match.
    for (i, identity) in identities.iter().enumerate() {
        if let Some(j) = (0..previous.findings.len())
            .find(|&j| !used[j] && previous.findings[j].fingerprint == *identity)
        {
            used[j] = true;
            matched[i] = Some(j);
        }
    }
    let earlier_words: Vec<_> = previous
        .findings
        .iter()
        .map(|e| title_words(&e.title))
        .collect();
    for (i, f) in report.findings.iter().enumerate() {
        if matched[i].is_some() {
            continue;
        }
        let path = f.location.as_ref().map(|l| l.path.as_str());
        let words = title_words(&f.title);
        let best = (0..previous.findings.len())
            .filter(|&j| !used[j] && path.is_some() && previous.findings[j].path.as_deref() == path)
            .map(|j| (j, jaccard(&words, &earlier_words[j])))
            .filter(|(_, score)| *score >= SAME_TITLE)
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((j, _)) = best {
            used[j] = true;
            matched[i] = Some(j);
        }
    }

    let mut lifecycle = Vec::with_capacity(report.findings.len());
    let mut feedback = Vec::new();
    for ((f, m), identity) in report.findings.iter().zip(&matched).zip(&identities) {
        let Some(j) = *m else {
            lifecycle.push(FindingLifecycle {
                id: f.id.clone(),
                state: BaselineState::New,
                first_round: round,
                previous_id: None,
            });
            continue;
        };
        let earlier = &previous.findings[j];
        let state = if earlier.fingerprint == *identity && earlier.severity == f.severity {
            BaselineState::Unchanged
        } else {
            BaselineState::Updated
        };
        let how = match state {
            BaselineState::Unchanged => "still open".to_string(),
            _ if earlier.severity != f.severity => format!(
                "still open, changed from {} to {}",
                earlier.severity.as_str(),
                f.severity.as_str()
            ),
            _ => "still open, changed".to_string(),
        };
        feedback.push(Feedback {
            source: format!("deep-review round {}", earlier.first_round),
            text: format!(
                "{} {}{} — {how} (raised in round {}; was {} in round {})",
                f.id,
                f.title,
                place(f.location.as_ref()),
                earlier.first_round,
                earlier.id,
                previous.round
            ),
            status: "open".to_string(),
        });
        lifecycle.push(FindingLifecycle {
            id: f.id.clone(),
            state,
            first_round: earlier.first_round,
            previous_id: Some(earlier.id.clone()),
        });
    }
    let resolved: Vec<EarlierFinding> = previous
        .findings
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(e, _)| e.clone())
        .collect();
    for e in &resolved {
        let at = e.location();
        feedback.push(Feedback {
            source: format!("deep-review round {}", e.first_round),
            text: format!(
                "{} {}{} — not raised again after round {} (resolved)",
                e.id,
                e.title,
                place(at.as_ref()),
                previous.round
            ),
            status: "addressed".to_string(),
        });
    }
    report.unresolved_feedback.extend(feedback);
    report.history = Some(HistoryLink {
        previous_id: previous.id.clone(),
        previous_round: previous.round,
        findings: lifecycle,
        resolved,
    });
}

fn place(location: Option<&Location>) -> String {
    match location {
        Some(l) => match l.line_start {
            Some(line) => format!(" — `{}:{line}`", l.path),
            None => format!(" — `{}`", l.path),
        },
        None => String::new(),
    }
}

fn title_words(title: &str) -> FxHashSet<String> {
    title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_string)
        .collect()
}

fn jaccard(a: &FxHashSet<String>, b: &FxHashSet<String>) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let common = a.intersection(b).count();
    common as f64 / (a.len() + b.len() - common) as f64
}
