//! Chat Completions (OpenAI-compatible servers): `chat.completion.chunk` events, a
//! usage chunk with no choices, `[DONE]`; and the whole `chat.completion`.

use serde_json::{json, Value};

use crate::{Script, Sse};

fn finish_reason(s: &Script) -> &'static str {
    if s.call.is_some() {
        "tool_calls"
    } else if s.truncated {
        "length"
    } else {
        "stop"
    }
}

fn usage(s: &Script) -> Value {
    json!({
        "prompt_tokens": s.usage.input, "completion_tokens": s.usage.output,
        "total_tokens": s.usage.input + s.usage.output,
        "prompt_tokens_details": {"cached_tokens": s.usage.cached},
        "completion_tokens_details": {"reasoning_tokens": s.usage.reasoning},
    })
}

fn chunk(s: &Script, delta: Value, finish: Option<&str>) -> Sse {
    Sse::data(json!({
        "id": "chatcmpl-fake1", "object": "chat.completion.chunk", "created": 1_760_000_000,
        "model": s.model, "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    }))
}

pub(crate) fn events(s: &Script) -> Vec<Sse> {
    let mut events = vec![chunk(s, json!({"role": "assistant", "content": ""}), None)];
    for text in &s.text {
        events.push(chunk(s, json!({"content": text}), None));
    }
    if let Some((id, name, args)) = &s.call {
        let arguments = args.to_string();
        let (a, b) = arguments.split_at(arguments.len() / 2);
        events.push(chunk(
            s,
            json!({"tool_calls": [{"index": 0, "id": id, "type": "function", "function": {"name": name, "arguments": ""}}]}),
            None,
        ));
        for part in [a, b] {
            events.push(chunk(
                s,
                json!({"tool_calls": [{"index": 0, "function": {"arguments": part}}]}),
                None,
            ));
        }
    }
    events.push(chunk(s, json!({}), Some(finish_reason(s))));
    events.push(Sse::data(json!({
        "id": "chatcmpl-fake1", "object": "chat.completion.chunk", "created": 1_760_000_000,
        "model": s.model, "system_fingerprint": "fp_fake", "choices": [], "usage": usage(s),
    })));
    events.push(Sse {
        event: None,
        data: "[DONE]".to_string(),
    });
    let error = Sse::data(
        json!({"error": {"message": "the model crashed while generating", "type": "server_error", "param": null, "code": null}}),
    );
    s.with_error(events, error)
}

pub(crate) fn full(s: &Script) -> Value {
    let mut message = json!({"role": "assistant", "content": s.full_text(), "refusal": null});
    if let Some((id, name, args)) = &s.call {
        message["content"] = Value::Null;
        message["tool_calls"] = json!([{"id": id, "type": "function", "function": {"name": name, "arguments": args.to_string()}}]);
    }
    json!({
        "id": "chatcmpl-fake1", "object": "chat.completion", "created": 1_760_000_000,
        "model": s.model, "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish_reason(s)}],
        "usage": usage(s),
    })
}
