//! Gemini: `GenerateContentResponse` chunks (`alt=sse` streams them as `data:` lines),
//! the whole response, and the error body.

use axum::response::Response;
use serde_json::{json, Value};

use crate::{json_error, Script, Sse, GEMINI_SIGNATURE};

pub(crate) fn error(status: u16, kind: &str, message: &str) -> Response {
    let name = match (status, kind) {
        (_, "auth") => "UNAUTHENTICATED",
        (_, "permission") => "PERMISSION_DENIED",
        (_, "not_found") => "NOT_FOUND",
        (_, "rate") => "RESOURCE_EXHAUSTED",
        (_, "overloaded") => "UNAVAILABLE",
        (500.., _) => "INTERNAL",
        _ => "INVALID_ARGUMENT",
    };
    json_error(
        status,
        json!({"error": {"code": status, "message": message, "status": name}}),
    )
}

fn usage(s: &Script, candidates: u64) -> Value {
    let mut u = json!({
        "promptTokenCount": s.usage.input,
        "candidatesTokenCount": candidates,
        "totalTokenCount": s.usage.input + candidates + s.usage.reasoning,
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": s.usage.input}],
    });
    if s.usage.cached > 0 {
        u["cachedContentTokenCount"] = json!(s.usage.cached);
    }
    if s.usage.reasoning > 0 {
        u["thoughtsTokenCount"] = json!(s.usage.reasoning);
    }
    u
}

fn chunk(s: &Script, parts: Vec<Value>, finish: Option<&str>, candidates: u64) -> Value {
    let mut candidate = json!({"content": {"parts": parts, "role": "model"}, "index": 0});
    if let Some(reason) = finish {
        candidate["finishReason"] = json!(reason);
    }
    json!({
        "candidates": [candidate],
        "usageMetadata": usage(s, candidates),
        "modelVersion": s.model,
        "responseId": "fake-response-1",
    })
}

fn finish(s: &Script) -> &'static str {
    if s.truncated {
        "MAX_TOKENS"
    } else {
        "STOP"
    }
}

/// Gemini counts thoughts apart from candidates.
fn candidates(s: &Script) -> u64 {
    s.usage.output - s.usage.reasoning
}

pub(crate) fn events(s: &Script) -> Vec<Sse> {
    let mut chunks = Vec::new();
    if s.thinking {
        chunks.push(vec![json!({"text": "Looking at the diff first.", "thought": true, "thoughtSignature": GEMINI_SIGNATURE})]);
    }
    for text in &s.text {
        chunks.push(vec![json!({"text": text})]);
    }
    if let Some((_, name, args)) = &s.call {
        let mut part = json!({"functionCall": {"name": name, "args": args}});
        if !s.thinking {
            part["thoughtSignature"] = json!(GEMINI_SIGNATURE);
        }
        chunks.push(vec![part]);
    }
    let last = chunks.len().saturating_sub(1);
    let mut events: Vec<Sse> = chunks
        .into_iter()
        .enumerate()
        .map(|(i, parts)| {
            let done = i == last;
            let count = if done { candidates(s) } else { 0 };
            Sse::data(chunk(s, parts, done.then(|| finish(s)), count))
        })
        .collect();
    if events.is_empty() {
        events.push(Sse::data(chunk(
            s,
            vec![json!({"text": ""})],
            Some(finish(s)),
            candidates(s),
        )));
    }
    let error = Sse::data(
        json!({"error": {"code": 500, "message": "An internal error has occurred.", "status": "INTERNAL"}}),
    );
    s.with_error(events, error)
}

pub(crate) fn full(s: &Script) -> Value {
    let mut parts = Vec::new();
    if s.thinking {
        parts.push(json!({"text": "Looking at the diff first.", "thought": true, "thoughtSignature": GEMINI_SIGNATURE}));
    }
    if !s.text.is_empty() {
        parts.push(json!({"text": s.full_text()}));
    }
    if let Some((_, name, args)) = &s.call {
        parts.push(json!({"functionCall": {"name": name, "args": args}}));
    }
    chunk(s, parts, Some(finish(s)), candidates(s))
}
