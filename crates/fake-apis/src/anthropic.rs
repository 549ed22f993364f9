//! Anthropic Messages: the event sequence of a streamed message, the whole message,
//! and the error body.

use axum::response::Response;
use serde_json::{json, Value};

use crate::{json_error, Script, Sse, ANTHROPIC_SIGNATURE};

pub(crate) fn error(status: u16, kind: &str, message: &str) -> Response {
    let kind = match kind {
        "auth" => "authentication_error",
        "permission" => "permission_error",
        "not_found" => "not_found_error",
        "rate" => "rate_limit_error",
        "overloaded" => "overloaded_error",
        "invalid" | "too_long" => "invalid_request_error",
        _ => "api_error",
    };
    json_error(
        status,
        json!({"type": "error", "error": {"type": kind, "message": message}}),
    )
}

fn stop_reason(s: &Script) -> &'static str {
    if s.call.is_some() {
        "tool_use"
    } else if s.truncated {
        "max_tokens"
    } else {
        "end_turn"
    }
}

fn usage(s: &Script) -> Value {
    json!({
        "input_tokens": s.usage.input - s.usage.cached,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": s.usage.cached,
        "output_tokens": s.usage.output,
    })
}

pub(crate) fn events(s: &Script) -> Vec<Sse> {
    let mut start_usage = usage(s);
    start_usage["output_tokens"] = json!(1);
    let mut events = vec![
        Sse::named(
            "message_start",
            json!({"type": "message_start", "message": {
                "id": "msg_fake_1", "type": "message", "role": "assistant", "model": s.model,
                "content": [], "stop_reason": null, "stop_sequence": null, "usage": start_usage}}),
        ),
        Sse::named("ping", json!({"type": "ping"})),
    ];
    let mut index = 0;
    if s.thinking {
        events.push(Sse::named("content_block_start", json!({"type": "content_block_start", "index": index, "content_block": {"type": "thinking", "thinking": "", "signature": ""}})));
        events.push(Sse::named("content_block_delta", json!({"type": "content_block_delta", "index": index, "delta": {"type": "thinking_delta", "thinking": "Looking at the diff first."}})));
        events.push(Sse::named("content_block_delta", json!({"type": "content_block_delta", "index": index, "delta": {"type": "signature_delta", "signature": ANTHROPIC_SIGNATURE}})));
        events.push(Sse::named(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    if !s.text.is_empty() {
        events.push(Sse::named("content_block_start", json!({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}})));
        for chunk in &s.text {
            events.push(Sse::named("content_block_delta", json!({"type": "content_block_delta", "index": index, "delta": {"type": "text_delta", "text": chunk}})));
        }
        events.push(Sse::named(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
        index += 1;
    }
    if let Some((id, name, args)) = &s.call {
        let json = args.to_string();
        let (a, b) = json.split_at(json.len() / 2);
        events.push(Sse::named("content_block_start", json!({"type": "content_block_start", "index": index, "content_block": {"type": "tool_use", "id": format!("toolu_{id}"), "name": name, "input": {}}})));
        for part in [a, b] {
            events.push(Sse::named("content_block_delta", json!({"type": "content_block_delta", "index": index, "delta": {"type": "input_json_delta", "partial_json": part}})));
        }
        events.push(Sse::named(
            "content_block_stop",
            json!({"type": "content_block_stop", "index": index}),
        ));
    }
    events.push(Sse::named(
        "message_delta",
        json!({"type": "message_delta", "delta": {"stop_reason": stop_reason(s), "stop_sequence": null}, "usage": {"output_tokens": s.usage.output}}),
    ));
    events.push(Sse::named("message_stop", json!({"type": "message_stop"})));
    let error = Sse::named(
        "error",
        json!({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}),
    );
    s.with_error(events, error)
}

pub(crate) fn full(s: &Script) -> Value {
    let mut content = Vec::new();
    if s.thinking {
        content.push(json!({"type": "thinking", "thinking": "Looking at the diff first.", "signature": ANTHROPIC_SIGNATURE}));
    }
    if !s.text.is_empty() {
        content.push(json!({"type": "text", "text": s.full_text()}));
    }
    if let Some((id, name, args)) = &s.call {
        content.push(
            json!({"type": "tool_use", "id": format!("toolu_{id}"), "name": name, "input": args}),
        );
    }
    json!({
        "id": "msg_fake_1", "type": "message", "role": "assistant", "model": s.model,
        "content": content, "stop_reason": stop_reason(s), "stop_sequence": null, "usage": usage(s),
    })
}
