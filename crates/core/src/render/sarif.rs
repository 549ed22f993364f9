//! SARIF 2.1.0 for code-scanning tools (GitHub code scanning and friends).
//!
//! One run whose driver is `deep-review`, with one rule per severity
//! (`deep-review/critical`, `deep-review/important`, `deep-review/suggestion`) so a
//! dashboard can filter by them. Each finding is one result: level `error` / `warning` /
//! `note`, the title and reviewers as the message (the body as its Markdown), the primary
//! location as a repository-relative `artifactLocation.uri` with a region when lines are
//! known (none for file-level findings, no location at all for change-wide ones), further
//! locations as `relatedLocations`, and `partialFingerprints["deepReview/v1"]` from the
//! finding's fingerprint, which does not move when lines shift.

use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::text::one_line;
use crate::model::{Location, Severity};
use crate::report::{Finding, Report};

/// The `$schema` a SARIF log names.
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The key under `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "deepReview/v1";

pub(super) fn render(report: &Report) -> String {
    let log = sarif_log(report);
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_else(|e| {
        // Serialising a `Value` cannot fail; say so in valid JSON if it ever does.
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
                "name": format!("{}Finding", capitalised(s.as_str())),
                "shortDescription": {"text": short},
                "fullDescription": {"text": full},
                "defaultConfiguration": {"level": level(*s)},
                "properties": {"tags": ["code-review", s.as_str()]},
            })
        })
        .collect()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + chars.as_str(),
        None => String::new(),
    }
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

fn physical_location(loc: &Location) -> Value {
    let mut physical = Map::new();
    physical.insert(
        "artifactLocation".into(),
        json!({"uri": uri_path(&loc.path), "uriBaseId": "%SRCROOT%"}),
    );
    if let Some(start) = loc.line_start.filter(|l| *l >= 1) {
        let mut region = Map::new();
        region.insert("startLine".into(), json!(start));
        if let Some(end) = loc.line_end.filter(|e| *e > start) {
            region.insert("endLine".into(), json!(end));
        }
        physical.insert("region".into(), Value::Object(region));
    }
    Value::Object(physical)
}

/// The finding's fingerprint, or (for reports written without one) a hash of what
/// identifies the issue apart from its lines: the severity letter is left out too, so a
/// re-rated finding keeps its identity.
pub(crate) fn fingerprint(f: &Finding) -> String {
    if !f.fingerprint.trim().is_empty() {
        return f.fingerprint.trim().to_string();
    }
    let words: Vec<String> = f
        .title
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let path = f.location.as_ref().map_or("", |l| l.path.as_str());
    let mut hasher = Sha256::new();
    hasher.update(words.join(" ").as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    let digest = hasher.finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn result(report: &Report, f: &Finding) -> Value {
    let display = |name: &str| -> String {
        report
            .reviewers
            .iter()
            .find(|r| r.name == name)
            .map_or_else(|| name.to_string(), |r| r.display.clone())
    };
    let reviewers: Vec<String> = f.reviewers.iter().map(|r| display(r)).collect();
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
    let rule_index = Severity::ALL
        .iter()
        .position(|s| *s == f.severity)
        .unwrap_or(0);

    let mut tags: Vec<String> = Vec::new();
    for t in f.tags.iter().chain(f.kind.iter()) {
        let t = one_line(t);
        if !t.is_empty() && !tags.contains(&t) {
            tags.push(t);
        }
    }
    let members: Vec<Value> = f
        .members
        .iter()
        .map(|m| {
            json!({
                "reviewer": m.reviewer,
                "display": display(&m.reviewer),
                "localId": m.local_id,
                "severity": m.severity.as_str(),
                "title": m.title,
            })
        })
        .collect();
    let mut properties = json!({
        "id": f.id,
        "severity": f.severity.as_str(),
        "reviewers": f.reviewers,
        "members": members,
        "verification": f.verification,
        "tags": tags,
    });
    if let Some(obj) = properties.as_object_mut() {
        if let Some(kind) = &f.kind {
            obj.insert("kind".into(), json!(kind));
        }
        if let Some(why) = &f.reconciliation {
            obj.insert("reconciliation".into(), json!(why));
        }
    }

    let mut result = json!({
        "ruleId": rule_id(f.severity),
        "ruleIndex": rule_index,
        "level": level(f.severity),
        "message": {"text": text, "markdown": markdown},
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(f)},
        "properties": properties,
    });
    if let Some(obj) = result.as_object_mut() {
        if let Some(loc) = &f.location {
            obj.insert(
                "locations".into(),
                json!([{"physicalLocation": physical_location(loc)}]),
            );
        }
        let related: Vec<Value> = f
            .locations
            .iter()
            .filter(|l| Some(*l) != f.location.as_ref())
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i + 1,
                    "physicalLocation": physical_location(l),
                    "message": {"text": format!("{} also concerns this place", f.id)},
                })
            })
            .collect();
        if !related.is_empty() {
            obj.insert("relatedLocations".into(), Value::Array(related));
        }
    }
    result
}

fn sarif_log(report: &Report) -> Value {
    let results: Vec<Value> = report.findings.iter().map(|f| result(report, f)).collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "deep-review",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules(),
            }
        },
        "automationDetails": {"id": format!("deep-review/{}", one_line(&report.id))},
        "originalUriBaseIds": {"%SRCROOT%": {"description": {"text": "The repository root at the reviewed revision"}}},
        "results": results,
        "properties": {
            "verdict": report.verdict.decision.as_str(),
            "verdictReason": report.verdict.reason,
            "reviewers": report.reviewers.iter().map(|r| json!({
                "name": r.name,
                "display": r.display,
                "status": r.status,
            })).collect::<Vec<_>>(),
        },
    });
    let t = &report.target;
    if let (Some(obj), Some(repo)) = (run.as_object_mut(), t.repo.as_deref()) {
        if t.kind == "github_pr" && super::markdown::is_owner_name(repo) {
            let base = super::markdown::web_base(t);
            let mut provenance = json!({"repositoryUri": format!("{base}/{repo}")});
            if let (Some(p), Some(head)) = (provenance.as_object_mut(), t.head.as_deref()) {
                p.insert("revisionId".into(), json!(head));
            }
            obj.insert("versionControlProvenance".into(), json!([provenance]));
        }
    }
    json!({
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    })
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
