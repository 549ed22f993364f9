//! The structured form of a review: our fenced ```json block (schema below, embedded in
//! the review prompt), and the JSON `codex exec review` prints. Both are read leniently:
//! unknown fields are ignored, severities go through [`Severity::from_word`], locations
//! may be strings or objects, and a field of the wrong type is skipped with a diagnostic
//! instead of failing the whole review.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::assess::decision;
use super::findings::RawItem;
use super::location::{normalise_path, parse_location};
use super::markdown::{code_blocks, shorten, snippets, TITLE_MAX};
use super::title::{id_severity, push_tag, take_scope};
use crate::model::{
    CoverageEntry, Decision, Diagnostic, ItemSource, Limitation, Location, Scope, Severity,
};

/// The JSON block reviewers are asked to end their review with. Human-readable, for
/// the review prompt.
pub const REVIEW_JSON_SCHEMA: &str = r#"```json
{
  "deep_review": 1,
  "summary": "executive summary: what the change does and its main risks",
  "verdict": "rework | merge_with_fixes | merge_as_is",
  "findings": [
    {
      "id": "C1",
      "severity": "critical | important | suggestion",
      "title": "one line",
      "locations": ["path/to/file.rs:12-20", "path/to/other.rs:7"],
      "body": "explanation, the quoted code in a fenced block, and the fix",
      "tags": ["regression | gap | enhancement", "security", "nit"],
      "source": "finding | testing | documentation | commits"
    }
  ],
  "design": {
    "concerns": [{"title": "...", "body": "...", "scope": "in-scope | future | pre-existing",
                  "locations": ["path:line"]}],
    "strengths": [{"title": "...", "body": "..."}]
  },
  "testing": "testing assessment (Markdown)",
  "documentation": "documentation assessment (Markdown)",
  "commits": "commit structure assessment (Markdown)",
  "limitations": [{"path": "file.rs", "line": 35, "text": "TODO: ..."}],
  "coverage": [{"path": "file.rs", "note": "C1, S2"}]
}
```

Only "deep_review" is required. "id" is your own label (C1.. critical, I1.. important,
S1.. suggestion). Paths are relative to the repository root; "locations" are strings
("path", "path:12", "path:12-20"). Put every concrete problem in "findings" — gaps in
tests, docs or commits too, with "source" naming the assessment it belongs to (default
"finding"). The block must be plain JSON: no comments, no trailing commas."#;

/// A value that failed to deserialize is kept as its error message.
#[derive(Debug, Clone)]
pub(crate) enum Lenient<T> {
    Ok(T),
    Bad(String),
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Ok(match T::deserialize(v) {
            Ok(t) => Lenient::Ok(t),
            Err(e) => Lenient::Bad(e.to_string()),
        })
    }
}

/// A number that may be written as a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Num {
    N(u64),
    S(String),
}

impl Num {
    fn get(&self) -> Option<u64> {
        match self {
            Num::N(n) => Some(*n),
            Num::S(s) => s.trim().parse().ok(),
        }
    }
}

/// `"path:12-20"` or `{"path": "...", "line_start": 12, "line_end": 20}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum LocationSpec {
    Text(String),
    Object {
        #[serde(alias = "file", alias = "file_path", alias = "absolute_file_path")]
        path: String,
        #[serde(default, alias = "line", alias = "start", alias = "start_line")]
        line_start: Option<Num>,
        #[serde(default, alias = "end", alias = "end_line")]
        line_end: Option<Num>,
    },
}

impl LocationSpec {
    fn to_location(&self, root: Option<&str>) -> Option<Location> {
        match self {
            LocationSpec::Text(s) => parse_location(s, root).or_else(|| {
                normalise_path(s, root)
                    .filter(|p| !p.contains(char::is_whitespace))
                    .map(Location::file)
            }),
            LocationSpec::Object {
                path,
                line_start,
                line_end,
            } => {
                let path = normalise_path(path, root)?;
                let valid =
                    |n: Option<u64>| n.and_then(|n| u32::try_from(n).ok()).filter(|&n| n > 0);
                let a = valid(line_start.as_ref().and_then(Num::get));
                let b = valid(line_end.as_ref().and_then(Num::get));
                Some(match (a, b) {
                    (Some(a), Some(b)) => Location::lines(path, a, b),
                    (Some(a), None) => Location::lines(path, a, a),
                    _ => Location::file(path),
                })
            }
        }
    }
}

/// One string or a list of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn to_vec(&self) -> Vec<T> {
        match self {
            OneOrMany::One(t) => vec![t.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JsonFinding {
    #[serde(default, alias = "local_id")]
    pub id: Option<Lenient<IdValue>>,
    #[serde(default, alias = "priority")]
    pub severity: Option<Lenient<IdValue>>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, alias = "location", alias = "file")]
    pub locations: Option<Lenient<OneOrMany<LocationSpec>>>,
    #[serde(default, alias = "description", alias = "explanation")]
    pub body: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    #[serde(default)]
    pub tags: Option<Lenient<OneOrMany<String>>>,
    #[serde(default)]
    pub source: Option<String>,
    /// `regression`, `gap` or `enhancement`: kept as a tag.
    #[serde(default)]
    pub kind: Option<String>,
}

/// An id or severity written as a string or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum IdValue {
    S(String),
    N(i64),
}

impl IdValue {
    fn text(&self) -> String {
        match self {
            IdValue::S(s) => s.trim().to_string(),
            IdValue::N(n) => n.to_string(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JsonDesignItem {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default, alias = "description")]
    pub body: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default, alias = "location")]
    pub locations: Option<Lenient<OneOrMany<LocationSpec>>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct JsonDesign {
    #[serde(default)]
    pub concerns: Vec<Lenient<JsonDesignItem>>,
    #[serde(default)]
    pub strengths: Vec<Lenient<JsonDesignItem>>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JsonLimitation {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub line: Option<Num>,
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JsonCoverage {
    pub path: String,
    #[serde(default)]
    pub note: String,
}

/// Our review block: `{"deep_review": 1, ...}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct JsonReview {
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub verdict: Option<String>,
    #[serde(default)]
    pub findings: Vec<Lenient<JsonFinding>>,
    #[serde(default)]
    pub design: Option<Lenient<JsonDesign>>,
    #[serde(default)]
    pub testing: Option<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub commits: Option<String>,
    #[serde(default)]
    pub limitations: Vec<Lenient<JsonLimitation>>,
    #[serde(default)]
    pub coverage: Vec<Lenient<JsonCoverage>>,
}

/// `codex exec review` output.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodexReview {
    pub findings: Vec<Lenient<CodexFinding>>,
    #[serde(default)]
    pub overall_correctness: Option<String>,
    #[serde(default)]
    pub overall_explanation: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodexFinding {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub priority: Option<IdValue>,
    #[serde(default)]
    pub code_location: Option<CodexLocation>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodexLocation {
    #[serde(default)]
    pub absolute_file_path: Option<String>,
    #[serde(default)]
    pub line_range: Option<CodexRange>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct CodexRange {
    #[serde(default)]
    pub start: Option<Num>,
    #[serde(default)]
    pub end: Option<Num>,
}

/// What a JSON review gave, before ids are assigned.
#[derive(Debug, Default)]
pub(crate) struct FromJson {
    pub summary: Option<String>,
    pub verdict_text: Option<String>,
    pub verdict: Option<Decision>,
    pub items: Vec<RawItem>,
    pub concerns: Vec<super::assess::RawDesign>,
    pub strengths: Vec<super::assess::RawDesign>,
    pub testing: Option<String>,
    pub documentation: Option<String>,
    pub commits: Option<String>,
    pub limitations: Vec<Limitation>,
    pub coverage: Vec<CoverageEntry>,
}

/// Looks for a structured review: the whole text as JSON, or a fenced JSON block with
/// `"deep_review"` (or Codex's `"findings"` + `"overall_correctness"`). Malformed
/// blocks that were clearly meant as one give a diagnostic.
pub(crate) fn find_json_review(
    text: &str,
    root: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<FromJson> {
    let trimmed = text.trim();
    let mut candidates: Vec<String> = Vec::new();
    if trimmed.starts_with('{') {
        candidates.push(trimmed.to_string());
    }
    for (info, code) in code_blocks(text) {
        let lang = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if matches!(lang.as_str(), "json" | "jsonc" | "json5" | "")
            && code.trim_start().starts_with('{')
        {
            candidates.push(code);
        }
    }
    // Prefer the last block: reviewers are asked to end with it.
    for code in candidates.iter().rev() {
        let meant_ours = code.contains("\"deep_review\"");
        let meant_codex = code.contains("\"findings\"") && code.contains("\"overall_correctness\"");
        if !meant_ours && !meant_codex {
            continue;
        }
        // Models sometimes add comments or trailing commas: forgive those.
        let value: Value = match serde_json::from_str(code)
            .or_else(|e| serde_json::from_str(&relax_json(code)).map_err(|_| e))
        {
            Ok(v) => v,
            Err(e) => {
                diagnostics.push(Diagnostic {
                    line: None,
                    message: format!("the JSON review block is not valid JSON ({e}); the Markdown was read instead"),
                });
                continue;
            }
        };
        if value.get("deep_review").is_some() {
            match JsonReview::deserialize(&value) {
                Ok(r) => return Some(from_ours(r, root, diagnostics)),
                Err(e) => {
                    diagnostics.push(Diagnostic {
                        line: None,
                        message: format!("the JSON review block does not match the schema ({e}); the Markdown was read instead"),
                    });
                    continue;
                }
            }
        }
        if value.get("findings").is_some() {
            match CodexReview::deserialize(&value) {
                Ok(r) => return Some(from_codex(r, root, diagnostics)),
                Err(e) => diagnostics.push(Diagnostic {
                    line: None,
                    message: format!("the Codex review JSON does not match its format ({e}); the Markdown was read instead"),
                }),
            }
        }
    }
    None
}

/// Removes `//` and `/* */` comments and trailing commas outside strings.
pub(crate) fn relax_json(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut in_string = false;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(&n) = chars.get(i + 1) {
                    out.push(n);
                    i += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (c, chars.get(i + 1).copied()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            ('/', Some('*')) => {
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    i += 1;
                }
                i += 2;
                continue;
            }
            (',', _) => {
                let next = chars[i + 1..].iter().find(|ch| !ch.is_whitespace());
                if !matches!(next, Some('}') | Some(']')) {
                    out.push(c);
                }
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

fn bad(diagnostics: &mut Vec<Diagnostic>, what: &str, err: &str) {
    diagnostics.push(Diagnostic {
        line: None,
        message: format!("JSON review: {what} skipped ({err})"),
    });
}

fn locations_of(
    spec: Option<Lenient<OneOrMany<LocationSpec>>>,
    root: Option<&str>,
    what: &str,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Location> {
    match spec {
        Some(Lenient::Ok(specs)) => specs
            .to_vec()
            .iter()
            .filter_map(|s| s.to_location(root))
            .collect(),
        Some(Lenient::Bad(e)) => {
            bad(diagnostics, &format!("locations of {what}"), &e);
            Vec::new()
        }
        None => Vec::new(),
    }
}

fn from_ours(r: JsonReview, root: Option<&str>, diagnostics: &mut Vec<Diagnostic>) -> FromJson {
    let mut out = FromJson {
        summary: non_empty(r.summary),
        testing: non_empty(r.testing),
        documentation: non_empty(r.documentation),
        commits: non_empty(r.commits),
        ..FromJson::default()
    };
    if let Some(v) = non_empty(r.verdict) {
        out.verdict = decision(&v).or(match v.to_ascii_lowercase().as_str() {
            "merge_as_is" => Some(Decision::MergeAsIs),
            _ => None,
        });
        out.verdict_text = Some(v);
    }
    for (n, f) in r.findings.into_iter().enumerate() {
        let f = match f {
            Lenient::Ok(f) => f,
            Lenient::Bad(e) => {
                bad(diagnostics, &format!("finding {}", n + 1), &e);
                continue;
            }
        };
        for (what, bad_field) in [
            ("id", matches!(f.id, Some(Lenient::Bad(_)))),
            ("severity", matches!(f.severity, Some(Lenient::Bad(_)))),
            ("tags", matches!(f.tags, Some(Lenient::Bad(_)))),
        ] {
            if bad_field {
                bad(
                    diagnostics,
                    &format!("{what} of finding {}", n + 1),
                    "wrong type",
                );
            }
        }
        let id = match f.id {
            Some(Lenient::Ok(v)) => Some(v.text()).filter(|s| !s.is_empty()),
            _ => None,
        };
        let stated = match &f.severity {
            Some(Lenient::Ok(v)) => {
                let t = v.text();
                Severity::from_word(&t).or_else(|| {
                    t.parse::<u8>()
                        .ok()
                        .and_then(|p| Severity::from_word(&format!("p{p}")))
                })
            }
            _ => None,
        };
        let severity = stated.or(id.as_deref().and_then(id_severity));
        let mut tags = Vec::new();
        if let Some(Lenient::Ok(t)) = &f.tags {
            for tag in t.to_vec() {
                let tag = tag.trim().to_ascii_lowercase();
                if !tag.is_empty() {
                    push_tag(&mut tags, &tag);
                }
            }
        }
        if let Some(kind) = f.kind.as_deref().map(|k| k.trim().to_ascii_lowercase()) {
            if !kind.is_empty() {
                push_tag(&mut tags, &kind);
            }
        }
        let source = match f.source.as_deref().map(|s| s.trim().to_ascii_lowercase()) {
            Some(s) if s.starts_with("test") => ItemSource::Testing,
            Some(s) if s.starts_with("doc") => ItemSource::Documentation,
            Some(s) if s.starts_with("commit") => ItemSource::Commits,
            _ => ItemSource::Finding,
        };
        let mut body = f.body.unwrap_or_default().trim().to_string();
        if let Some(fix) = non_empty(f.fix) {
            body = if body.is_empty() {
                fix
            } else {
                format!("{body}\n\n{fix}")
            };
        }
        let title = non_empty(f.title)
            .unwrap_or_else(|| shorten(body.lines().next().unwrap_or(""), TITLE_MAX));
        out.items.push(RawItem {
            line: n,
            id,
            source,
            severity: severity.unwrap_or(Severity::Suggestion),
            severity_stated: severity.is_some(),
            title,
            locations: locations_of(
                f.locations,
                root,
                &format!("finding {}", n + 1),
                diagnostics,
            ),
            snippets: snippets(&body),
            body,
            tags,
            scope: None,
        });
    }
    match r.design {
        Some(Lenient::Ok(d)) => {
            for (list, into) in [
                (d.concerns, &mut out.concerns),
                (d.strengths, &mut out.strengths),
            ] {
                for (n, item) in list.into_iter().enumerate() {
                    match item {
                        Lenient::Ok(item) => {
                            let title = non_empty(item.title).unwrap_or_default();
                            let (title_scope, title) = take_scope(&title);
                            let scope = item.scope.as_deref().and_then(scope_of).or(title_scope);
                            into.push(super::assess::RawDesign {
                                line: n,
                                id: non_empty(item.id),
                                title: title.trim().to_string(),
                                body: item.body.unwrap_or_default().trim().to_string(),
                                scope,
                                locations: locations_of(
                                    item.locations,
                                    root,
                                    "a design item",
                                    diagnostics,
                                ),
                            });
                        }
                        Lenient::Bad(e) => bad(diagnostics, "a design item", &e),
                    }
                }
            }
        }
        Some(Lenient::Bad(e)) => bad(diagnostics, "design", &e),
        None => {}
    }
    for l in r.limitations {
        match l {
            Lenient::Ok(l) => out.limitations.push(Limitation {
                path: l.path.as_deref().and_then(|p| normalise_path(p, root)),
                line: l
                    .line
                    .and_then(|n| n.get())
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|&n| n > 0),
                text: l.text,
            }),
            Lenient::Bad(e) => bad(diagnostics, "a limitation", &e),
        }
    }
    for c in r.coverage {
        match c {
            Lenient::Ok(c) => {
                if let Some(path) = normalise_path(&c.path, root) {
                    out.coverage.push(CoverageEntry { path, note: c.note });
                }
            }
            Lenient::Bad(e) => bad(diagnostics, "a coverage entry", &e),
        }
    }
    out
}

fn scope_of(s: &str) -> Option<Scope> {
    let w: String = s
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    match w.as_str() {
        "inscope" => Some(Scope::InScope),
        "future" | "followup" | "outofscope" => Some(Scope::Future),
        "preexisting" => Some(Scope::PreExisting),
        _ => None,
    }
}

fn from_codex(r: CodexReview, root: Option<&str>, diagnostics: &mut Vec<Diagnostic>) -> FromJson {
    let mut out = FromJson {
        summary: non_empty(r.overall_explanation),
        ..FromJson::default()
    };
    for (n, f) in r.findings.into_iter().enumerate() {
        let f = match f {
            Lenient::Ok(f) => f,
            Lenient::Bad(e) => {
                bad(diagnostics, &format!("finding {}", n + 1), &e);
                continue;
            }
        };
        // Titles look like `[P1] Title`.
        let parsed = super::title::parse_title_line(&f.title, root);
        let priority = f.priority.as_ref().and_then(|p| {
            let t = p.text();
            Severity::from_word(&t).or_else(|| Severity::from_word(&format!("p{t}")))
        });
        let severity = parsed.explicit.or(parsed.badge).or(priority);
        let location = f.code_location.as_ref().and_then(|c| {
            let path = normalise_path(c.absolute_file_path.as_deref()?, root)?;
            let range = c.line_range.as_ref();
            let a = range.and_then(|r| r.start.as_ref()).and_then(Num::get);
            let b = range.and_then(|r| r.end.as_ref()).and_then(Num::get);
            let valid = |n: Option<u64>| n.and_then(|n| u32::try_from(n).ok()).filter(|&n| n > 0);
            Some(match (valid(a), valid(b)) {
                (Some(a), Some(b)) => Location::lines(path, a, b),
                (Some(a), None) => Location::lines(path, a, a),
                _ => Location::file(path),
            })
        });
        let body = f.body.trim().to_string();
        out.items.push(RawItem {
            line: n,
            id: None,
            source: ItemSource::Finding,
            severity: severity.unwrap_or(Severity::Suggestion),
            severity_stated: severity.is_some(),
            title: if parsed.title.is_empty() {
                shorten(&body, TITLE_MAX)
            } else {
                parsed.title
            },
            locations: location.into_iter().collect(),
            snippets: snippets(&body),
            body,
            tags: parsed.tags,
            scope: None,
        });
    }
    if let Some(c) = non_empty(r.overall_correctness) {
        let lower = c.to_ascii_lowercase();
        out.verdict = if lower.contains("incorrect") {
            if out.items.iter().any(|i| i.severity == Severity::Critical) {
                Some(Decision::Rework)
            } else {
                Some(Decision::MergeWithFixes)
            }
        } else if lower.contains("correct") {
            Some(Decision::MergeAsIs)
        } else {
            None
        };
        out.verdict_text = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_trailing_commas_are_forgiven() {
        let cases = [
            (
                "{\"a\": 1, // note\n \"b\": [1, 2,],}",
                "{\"a\":1,\"b\":[1,2]}",
            ),
            (
                "{/* x */\"s\": \"// not a comment, \\\" ,}\"}",
                "{\"s\":\"// not a comment, \\\" ,}\"}",
            ),
        ];
        for (input, want) in cases {
            let got: Value = serde_json::from_str(&relax_json(input)).expect("relaxed JSON parses");
            let want: Value = serde_json::from_str(want).expect("expected JSON");
            assert_eq!(got, want, "{input}");
        }
        // Unterminated comment or string: no panic.
        let _ = relax_json("{/* open");
        let _ = relax_json("{\"open");
    }
}
