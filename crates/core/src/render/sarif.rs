//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning and friends).
//!
//! One run whose driver is `deep-review`, with one rule per severity
//! (`deep-review/critical`, `deep-review/important`, `deep-review/suggestion`) so a
//! dashboard can filter by them. Each finding is one result: level `error` / `warning` /
//! `note`, the title and reviewers as the message (the body as its Markdown), the primary
//! location as a repository-relative `artifactLocation.uri` with a region when lines are
//! known (none for file-level findings, no location at all for change-wide ones), further
//! locations as `relatedLocations`, and `partialFingerprints["deepReview/v1"]` from the
//! finding's fingerprint, which does not move when lines shift. When the history knows
//! the previous round, every result has a `baselineState` (`new`, `unchanged`,
//! `updated`) and the previous round's resolved findings follow as `absent` results.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{json, Value};

use crate::model::{Location, Severity};
use crate::prose::one_line;
use crate::report::{
    BaselineState, EarlierFinding, Finding, FindingLifecycle, Report, Verification,
};

/// Current findings' lifecycles by id ([`crate::report::HistoryLink::lifecycles`]).
type Lifecycles<'a> = rustc_hash::FxHashMap<&'a str, &'a FindingLifecycle>;

/// The `$schema` a SARIF log names.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key under `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "deepReview/v1";

pub(super) fn render(report: &Report) -> String {
    let log = sarif_log(report);
    let mut out = crate::secrets::to_masked_json(&log).unwrap_or_else(|e| {
        // Strings, numbers and maps only: this cannot fail; stay valid JSON if it does.
        json!({"error": e.to_string()}).to_string()
    });
    out.push('\n');
    out
}

fn rule_id(severity: Severity) -> String {
    format!("deep-review/{}", severity.as_str())
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "error",
        Severity::Important => "warning",
        Severity::Suggestion => "note",
    }
}

fn rules() -> Vec<Value> {
    Severity::ALL
        .iter()
        .map(|s| {
            let (short, full) = match s {
                Severity::Critical => (
                    "Critical issue found by the review panel",
                    "A problem the reviewers judged must be fixed before the change is merged: a crash, data loss, a security hole or a broken contract.",
                ),
                Severity::Important => (
                    "Important issue found by the review panel",
                    "A problem the reviewers judged should be fixed before or soon after merging: a leak, a missing check, a misleading document.",
                ),
                Severity::Suggestion => (
                    "Suggestion from the review panel",
                    "An optional improvement: clarity, duplication, tests worth adding, ergonomics.",
                ),
            };
            json!({
                "id": rule_id(*s),
                "name": format!("{}Finding", crate::prose::capitalised(s.as_str())),
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "defaultConfiguration": {"level": level(*s)},
                "properties": {"tags": ["code-review", s.as_str()]},
            })
        })
        .collect()
}

/// Percent-encodes a repository-relative path for `artifactLocation.uri` (a URI
/// reference): everything but unreserved characters and `/` is encoded, `:` included so
/// a first segment is never read as a scheme.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.trim().trim_start_matches("./").bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
}

fn physical_location(loc: &Location) -> Physical {
    let region = loc.line_start.filter(|l| *l >= 1).map(|start| Region {
        start_line: start,
        end_line: loc.line_end.filter(|e| *e > start),
    });
    Physical {
        artifact_location: Artifact {
            uri: uri_path(&loc.path),
            uri_base_id: "%SRCROOT%",
        },
        region,
    }
}

/// The index of a severity's rule in the driver's `rules` (in [`Severity::ALL`] order).
fn rule_index(s: Severity) -> usize {
    Severity::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

#[derive(Serialize)]
struct Message {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PlacedLocation {
    physical_location: Physical,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: Physical,
    message: Message,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MemberProperty<'a> {
    reviewer: &'a str,
    display: &'a str,
    local_id: &'a str,
    severity: &'static str,
    title: &'a str,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    id: &'a str,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    reviewers: &'a [String],
    members: Vec<MemberProperty<'a>>,
    verification: Verification,
    #[serde(skip_serializing_if = "Option::is_none")]
    reconciliation: Option<&'a str>,
    tags: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<PlacedLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    /// Against the previous round, when the history knows one.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<&'static str>,
    properties: ResultProperties<'a>,
}

/// `lives`: the history's lifecycles of the current findings, when there is a history.
fn result<'a>(
    report: &'a Report,
    f: &'a Finding,
    lives: Option<&Lifecycles<'a>>,
) -> SarifResult<'a> {
    let display = |name: &'a str| -> &'a str {
        report
            .reviewers
            .iter()
            .find(|r| r.name == name)
            .map_or(name, |r| r.display.as_str())
    };
    let reviewers: Vec<&str> = f.reviewers.iter().map(|r| display(r)).collect();
    let title = one_line(&f.title);
    let mut text = format!("{}: {title}", f.id);
    if !reviewers.is_empty() {
        text.push_str(&format!(" (raised by {})", reviewers.join(", ")));
    }
    let mut markdown = format!("**{}. {title}**", f.id);
    if !reviewers.is_empty() {
        markdown.push_str(&format!(" [{}]", reviewers.join(", ")));
    }
    if !f.body.trim().is_empty() {
        markdown.push_str("\n\n");
        markdown.push_str(f.body.trim());
    }
    let mut tags: Vec<String> = Vec::new();
    for t in f.tags.iter().chain(f.kind.iter()) {
        let t = one_line(t);
        if !t.is_empty() && !tags.contains(&t) {
            tags.push(t);
        }
    }
    SarifResult {
        rule_id: rule_id(f.severity),
        rule_index: rule_index(f.severity),
        level: level(f.severity),
        message: Message {
            text,
            markdown: Some(markdown),
        },
        locations: f
            .location
            .iter()
            .map(|loc| PlacedLocation {
                physical_location: physical_location(loc),
            })
            .collect(),
        related_locations: f
            .locations
            .iter()
            .filter(|l| Some(*l) != f.location.as_ref())
            .enumerate()
            .map(|(i, l)| RelatedLocation {
                id: i + 1,
                physical_location: physical_location(l),
                message: Message {
                    text: format!("{} also concerns this place", f.id),
                    markdown: None,
                },
            })
            .collect(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, f.identity())]),
        baseline_state: lives.map(|lives| {
            lives
                .get(f.id.as_str())
                .map_or(BaselineState::New, |l| l.state)
                .as_str()
        }),
        properties: ResultProperties {
            id: &f.id,
            severity: f.severity.as_str(),
            kind: f.kind.as_deref(),
            reviewers: &f.reviewers,
            members: f
                .members
                .iter()
                .map(|m| MemberProperty {
                    reviewer: &m.reviewer,
                    display: display(&m.reviewer),
                    local_id: &m.local_id,
                    severity: m.severity.as_str(),
                    title: &m.title,
                })
                .collect(),
            verification: f.verification,
            reconciliation: f.reconciliation.as_deref(),
            tags,
        },
    }
}

/// A finding of the previous round that this round no longer raises: SARIF's
/// `absent` result, at its old place.
fn absent<'a>(previous_round: u32, e: &'a EarlierFinding) -> SarifResult<'a> {
    let title = one_line(&e.title);
    let loc = e.location();
    SarifResult {
        rule_id: rule_id(e.severity),
        rule_index: rule_index(e.severity),
        level: level(e.severity),
        message: Message {
            text: format!(
                "{}: {title} (raised in round {previous_round}, no longer raised)",
                e.id
            ),
            markdown: None,
        },
        locations: loc
            .iter()
            .map(|l| PlacedLocation {
                physical_location: physical_location(l),
            })
            .collect(),
        related_locations: Vec::new(),
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, e.fingerprint.clone())]),
        baseline_state: Some(BaselineState::Absent.as_str()),
        properties: ResultProperties {
            id: &e.id,
            severity: e.severity.as_str(),
            kind: None,
            reviewers: &e.reviewers,
            members: Vec::new(),
            verification: Verification::NotChecked,
            reconciliation: None,
            tags: Vec::new(),
        },
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Value,
    automation_details: Value,
    original_uri_base_ids: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_control_provenance: Option<Value>,
    results: Vec<SarifResult<'a>>,
    properties: Value,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

fn sarif_log(report: &Report) -> Log<'_> {
    let lives = report.history.as_ref().map(|h| h.lifecycles());
    let t = &report.target;
    let provenance = t
        .repo
        .as_deref()
        .filter(|repo| t.kind == "github_pr" && super::markdown::is_owner_name(repo))
        .map(|repo| {
            let base = super::markdown::web_base(t);
            let mut provenance = json!({"repositoryUri": format!("{base}/{repo}")});
            if let (Some(p), Some(head)) = (provenance.as_object_mut(), t.head.as_deref()) {
                p.insert("revisionId".into(), json!(head));
            }
            json!([provenance])
        });
    let run = Run {
        tool: json!({
            "driver": {
                "name": "deep-review",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }
        }),
        automation_details: json!({"id": format!("deep-review/{}", one_line(&report.id))}),
        original_uri_base_ids: json!({"%SRCROOT%": {"description": {"text": "The repository root at the reviewed revision"}}}),
        version_control_provenance: provenance,
        results: report
            .findings
            .iter()
            .map(|f| result(report, f, lives.as_ref()))
            .chain(
                report
                    .history
                    .iter()
                    .flat_map(|h| h.resolved.iter().map(|e| absent(h.previous_round, e))),
            )
            .collect(),
        properties: json!({
            "verdict": report.verdict.decision.as_str(),
            "verdictReason": report.verdict.reason,
            "reviewers": report.reviewers.iter().map(|r| json!({
                "name": r.name,
                "display": r.display,
                "status": r.status,
            })).collect::<Vec<_>>(),
        }),
    };
    Log {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: [run],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_paths_are_encoded() {
        let check = |path: &str, expected: &str| assert_eq!(uri_path(path), expected, "{path}");
        check("pkg/a.go", "pkg/a.go");
        check("./src/lib.rs", "src/lib.rs");
        check("docs/my file.md", "docs/my%20file.md");
        check("a:b/c#d?e.txt", "a%3Ab/c%23d%3Fe.txt");
        check("src/é.rs", "src/%C3%A9.rs");
    }
}
