//! Reading the consolidator's answer: one JSON object (alone, or in a fenced block —
//! the last one that looks like ours), read field by field so that one bad entry costs
//! that entry, never the rest. Every string is cleaned (controls replaced, headings
//! and over-long text cut) before it can reach the report.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::consolidate::Proposal;
use crate::model::Severity;
use crate::parse::json::relax_json;
use crate::parse::markdown::code_blocks;
use crate::prose::{one_line, replace_controls};
use crate::report::ModelProposal;

/// The key that marks the answer's JSON object.
pub const MARKER: &str = "deep_review_consolidator";

/// Limits on what the model may write, in characters.
pub(crate) const MAX_SUMMARY_CHARS: usize = 4_000;
pub(crate) const MAX_PARAGRAPH_CHARS: usize = 1_500;
pub(crate) const MAX_SENTENCE_CHARS: usize = 400;

/// What the consolidator answered, cleaned.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    pub summary: Option<String>,
    pub verdict_reason: Option<String>,
    /// Reviewer name → retro paragraph.
    pub retro: BTreeMap<String, String>,
    /// Finding id (as shown) → reconciliation reason.
    pub reconciliation: BTreeMap<String, String>,
    pub proposals: Vec<Proposal>,
    /// Proposals that could not be read, as rejected proposals.
    pub unreadable: Vec<ModelProposal>,
}

/// Reads the answer; an error says why nothing in it can be used.
pub fn parse_answer(text: &str) -> Result<Answer, String> {
    let object = find_object(text)?;
    let mut answer = Answer {
        summary: string(&object, "summary").map(|s| clean_block(&s, MAX_SUMMARY_CHARS)),
        verdict_reason: string(&object, "verdict_reason")
            .map(|s| clean_text(&s, MAX_SENTENCE_CHARS)),
        retro: text_map(&object, "retro", MAX_PARAGRAPH_CHARS),
        reconciliation: text_map(&object, "reconciliation", MAX_SENTENCE_CHARS),
        ..Answer::default()
    };
    answer.summary = answer.summary.filter(|s| !s.is_empty());
    answer.verdict_reason = answer.verdict_reason.filter(|s| !s.is_empty());
    for entry in list(&object, "merges") {
        let findings: Option<Vec<String>> = entry.get("findings").and_then(|f| {
            f.as_array()?
                .iter()
                .map(|id| id.as_str().map(one_line))
                .collect()
        });
        match findings {
            Some(findings) => answer.proposals.push(Proposal::Merge {
                findings,
                reason: reason(entry),
            }),
            None => answer.unreadable.push(unreadable(
                "merge",
                entry,
                "`findings` is not a list of ids",
            )),
        }
    }
    for entry in list(&object, "severity_changes") {
        let finding = string(entry, "finding").map(|s| one_line(&s));
        let severity = string(entry, "severity").and_then(|s| Severity::from_word(&s));
        match (finding, severity) {
            (Some(finding), Some(severity)) => answer.proposals.push(Proposal::Severity {
                finding,
                severity,
                reason: reason(entry),
            }),
            (None, _) => {
                answer
                    .unreadable
                    .push(unreadable("severity", entry, "`finding` is not an id"))
            }
            (_, None) => answer.unreadable.push(unreadable(
                "severity",
                entry,
                "`severity` is not critical, important or suggestion",
            )),
        }
    }
    let empty = answer.summary.is_none()
        && answer.verdict_reason.is_none()
        && answer.retro.is_empty()
        && answer.reconciliation.is_empty()
        && answer.proposals.is_empty()
        && answer.unreadable.is_empty();
    if empty {
        return Err("its answer has none of the parts asked for".into());
    }
    Ok(answer)
}

/// The answer's object: the whole text, else the last fenced JSON block with the
/// marker, else the last fenced JSON object.
fn find_object(text: &str) -> Result<Value, String> {
    let trimmed = text.trim();
    let mut candidates: Vec<String> = Vec::new();
    if trimmed.starts_with('{') {
        candidates.push(trimmed.to_string());
    }
    for (info, code) in code_blocks(text) {
        let lang = info.split_whitespace().next().unwrap_or("");
        if matches!(lang, "json" | "JSON" | "") && code.trim_start().starts_with('{') {
            candidates.push(code);
        }
    }
    if candidates.is_empty() {
        return Err("its answer has no JSON object".into());
    }
    let mut last_error = None;
    // Marked candidates first; among each kind, the last one written.
    let (ours, others): (Vec<String>, Vec<String>) =
        candidates.into_iter().partition(|c| c.contains(MARKER));
    for code in ours.iter().rev().chain(others.iter().rev()) {
        match serde_json::from_str::<Value>(code)
            .or_else(|e| serde_json::from_str(&relax_json(code)).map_err(|_| e))
        {
            Ok(v) if v.is_object() => return Ok(v),
            Ok(_) => last_error = Some("it is not a JSON object".to_string()),
            Err(e) => last_error = Some(format!("its JSON is not valid ({e})")),
        }
    }
    Err(last_error.unwrap_or_else(|| "its answer has no JSON object".into()))
}

/// A proposal's reason, cleaned (empty when there is none: the engine refuses it).
fn reason(entry: &Value) -> String {
    string(entry, "reason")
        .map(|r| clean_text(&r, MAX_SENTENCE_CHARS))
        .unwrap_or_default()
}

fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key)?.as_str().map(str::to_string)
}

fn list<'v>(v: &'v Value, key: &str) -> &'v [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// A `{"key": "text"}` object, cleaned; entries that are not text are left out.
fn text_map(v: &Value, key: &str, max: usize) -> BTreeMap<String, String> {
    let Some(map) = v.get(key).and_then(Value::as_object) else {
        return BTreeMap::new();
    };
    map.iter()
        .filter_map(|(k, v)| {
            let text = clean_text(v.as_str()?, max);
            (!text.is_empty()).then(|| (one_line(k), text))
        })
        .collect()
}

fn unreadable(kind: &str, entry: &Value, why: &str) -> ModelProposal {
    ModelProposal {
        kind: kind.into(),
        findings: Vec::new(),
        severity: None,
        reason: clean_text(&entry.to_string(), MAX_SENTENCE_CHARS),
        rejected_because: Some(format!("not readable: {why}")),
        now: None,
    }
}

/// One line, controls replaced, at most `max` characters.
pub(crate) fn clean_text(text: &str, max: usize) -> String {
    cut(one_line(&replace_controls(text)), max)
}

/// Paragraphs kept, headings and rules dropped (the report has its own), controls
/// replaced, at most `max` characters.
fn clean_block(text: &str, max: usize) -> String {
    let text = replace_controls(&text.replace("\r\n", "\n"));
    let kept: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| {
            let t = l.trim_start();
            !(t.starts_with('#') || t == "---" || t == "***" || t.starts_with("```"))
        })
        .collect();
    let mut out = kept.join("\n");
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    cut(out.trim().to_string(), max)
}

fn cut(text: String, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", text[..at].trim_end()),
        None => text,
    }
}
