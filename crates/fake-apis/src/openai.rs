//! OpenAI Responses: the event sequence of a streamed response, the whole response,
//! and the error body (which Chat Completions servers share).

use axum::response::Response;
use serde_json::{json, Value};

use crate::{json_error, Script, Sse, OPENAI_ENCRYPTED};

pub(crate) fn error(status: u16, kind: &str, message: &str) -> Response {
    let (kind, code) = match kind {
        "auth" => ("invalid_request_error", "invalid_api_key"),
        "permission" => ("invalid_request_error", "model_not_allowed"),
        "not_found" => ("invalid_request_error", "model_not_found"),
        "rate" => ("requests", "rate_limit_exceeded"),
        "overloaded" => ("server_error", "server_overloaded"),
        "too_long" => ("invalid_request_error", "context_length_exceeded"),
        _ => ("invalid_request_error", "invalid_value"),
    };
    json_error(
        status,
        json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
    )
}

fn output(s: &Script) -> Vec<Value> {
    let mut items = Vec::new();
    if s.thinking || s.call.is_some() {
        items.push(json!({"id": "rs_fake_1", "type": "reasoning", "summary": [], "encrypted_content": OPENAI_ENCRYPTED}));
    }
    if !s.text.is_empty() {
        items.push(json!({"id": "msg_fake_1", "type": "message", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": s.full_text(), "annotations": [], "logprobs": []}]}));
    }
    if let Some((id, name, args)) = &s.call {
        items.push(
            json!({"id": "fc_fake_1", "type": "function_call", "status": "completed", "call_id": id,
            "name": name, "arguments": args.to_string()}),
        );
    }
    items
}

fn response(s: &Script, status: &str, output: Vec<Value>, usage: Value) -> Value {
    json!({
        "id": "resp_fake_1", "object": "response", "created_at": 1_760_000_000, "status": status,
        "background": false, "error": null,
        "incomplete_details": if s.truncated && status == "incomplete" { json!({"reason": "max_output_tokens"}) } else { Value::Null },
        "instructions": null, "max_output_tokens": null, "model": s.model, "output": output,
        "parallel_tool_calls": true, "previous_response_id": null,
        "reasoning": {"effort": null, "summary": null}, "store": false, "temperature": 1.0,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [], "top_p": 1.0,
        "truncation": "disabled", "usage": usage, "metadata": {},
    })
}

fn usage(s: &Script) -> Value {
    json!({
        "input_tokens": s.usage.input, "input_tokens_details": {"cached_tokens": s.usage.cached},
        "output_tokens": s.usage.output, "output_tokens_details": {"reasoning_tokens": s.usage.reasoning},
        "total_tokens": s.usage.input + s.usage.output,
    })
}

pub(crate) fn events(s: &Script) -> Vec<Sse> {
    let mut seq = 0u64;
    let mut events = Vec::new();
    let mut push = |events: &mut Vec<Sse>, kind: &str, mut data: Value| {
        data["type"] = json!(kind);
        data["sequence_number"] = json!(seq);
        seq += 1;
        events.push(Sse::named(kind, data));
    };
    let start = response(s, "in_progress", Vec::new(), Value::Null);
    push(&mut events, "response.created", json!({"response": start}));
    push(
        &mut events,
        "response.in_progress",
        json!({"response": start}),
    );
    let items = output(s);
    for (index, item) in items.iter().enumerate() {
        let kind = item["type"].as_str().unwrap_or("");
        let mut added = item.clone();
        match kind {
            "message" => {
                added["status"] = json!("in_progress");
                added["content"] = json!([]);
            }
            "function_call" => {
                added["status"] = json!("in_progress");
                added["arguments"] = json!("");
            }
            _ => {}
        }
        push(
            &mut events,
            "response.output_item.added",
            json!({"output_index": index, "item": added}),
        );
        if kind == "message" {
            let part =
                json!({"type": "output_text", "text": "", "annotations": [], "logprobs": []});
            push(
                &mut events,
                "response.content_part.added",
                json!({"item_id": "msg_fake_1", "output_index": index, "content_index": 0, "part": part}),
            );
            for chunk in &s.text {
                push(
                    &mut events,
                    "response.output_text.delta",
                    json!({"item_id": "msg_fake_1", "output_index": index, "content_index": 0, "delta": chunk, "logprobs": []}),
                );
            }
            push(
                &mut events,
                "response.output_text.done",
                json!({"item_id": "msg_fake_1", "output_index": index, "content_index": 0, "text": s.full_text(), "logprobs": []}),
            );
            push(
                &mut events,
                "response.content_part.done",
                json!({"item_id": "msg_fake_1", "output_index": index, "content_index": 0, "part": item["content"][0]}),
            );
        }
        if kind == "function_call" {
            let arguments = item["arguments"].as_str().unwrap_or("").to_string();
            let (a, b) = arguments.split_at(arguments.len() / 2);
            for delta in [a, b] {
                push(
                    &mut events,
                    "response.function_call_arguments.delta",
                    json!({"item_id": "fc_fake_1", "output_index": index, "delta": delta}),
                );
            }
            push(
                &mut events,
                "response.function_call_arguments.done",
                json!({"item_id": "fc_fake_1", "output_index": index, "arguments": arguments, "name": item["name"]}),
            );
        }
        push(
            &mut events,
            "response.output_item.done",
            json!({"output_index": index, "item": item}),
        );
    }
    let (kind, status) = if s.truncated {
        ("response.incomplete", "incomplete")
    } else {
        ("response.completed", "completed")
    };
    push(
        &mut events,
        kind,
        json!({"response": response(s, status, items, usage(s))}),
    );
    let mut failed = response(s, "failed", Vec::new(), usage(s));
    failed["error"] =
        json!({"code": "server_error", "message": "The model failed to generate a response."});
    let error = Sse::named(
        "response.failed",
        json!({"type": "response.failed", "sequence_number": seq, "response": failed}),
    );
    s.with_error(events, error)
}

pub(crate) fn full(s: &Script) -> Value {
    let status = if s.truncated {
        "incomplete"
    } else {
        "completed"
    };
    response(s, status, output(s), usage(s))
}
