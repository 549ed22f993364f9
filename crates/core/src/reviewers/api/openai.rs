//! OpenAI's Responses API, streamed: `POST {base}/responses` with `stream: true` and
//! `store: false` (stateless: every request carries the whole conversation, reasoning
//! items included as encrypted content). Events: `response.created`,
//! `response.output_item.added` / `.done`, `response.output_text.delta`,
//! `response.function_call_arguments.delta`, `response.completed` (the full output and
//! usage), `response.incomplete`, `response.failed`, `error`. `effort` is
//! `reasoning.effort`.

use serde_json::{json, Value};

use super::anthropic::ids;
use super::{
    parse_arguments, parse_data, u64_at, Protocol, Stop, ToolCall, ToolOutput, Turn, TurnParser,
    TurnRequest,
};

pub(crate) struct OpenAi;

/// The reasoning effort word the API accepts for ours.
pub(crate) fn reasoning_effort(effort: Option<&str>) -> Option<&'static str> {
    Some(match effort?.to_ascii_lowercase().as_str() {
        "none" => "none",
        "minimal" => "minimal",
        "low" => "low",
        "medium" => "medium",
        "high" => "high",
        "xhigh" | "max" => "xhigh",
        _ => return None,
    })
}

/// Whether `model` is of a reasoning family (it reasons whether asked to or not).
fn reasons(model: &str) -> bool {
    let m = model.to_ascii_lowercase();
    ["gpt-5", "o1", "o3", "o4"].iter().any(|p| m.starts_with(p))
}

/// `Authorization: Bearer` (OpenAI and every compatible server).
pub(crate) fn bearer(key: Option<&str>) -> Vec<(&'static str, String)> {
    key.map(|k| vec![("authorization", format!("Bearer {k}"))])
        .unwrap_or_default()
}

impl Protocol for OpenAi {
    fn default_base_url(&self) -> Option<&'static str> {
        Some("https://api.openai.com/v1")
    }

    fn stream_url(&self, base: &str, _model: &str) -> String {
        format!("{base}/responses")
    }

    fn models_url(&self, base: &str) -> String {
        format!("{base}/models")
    }

    fn headers(&self, key: Option<&str>) -> Vec<(&'static str, String)> {
        bearer(key)
    }

    fn body(&self, r: &TurnRequest<'_>) -> Value {
        let mut body = json!({
            "model": r.model,
            "instructions": r.system,
            "input": r.history,
            "stream": true,
            "store": false,
            "max_output_tokens": r.max_output,
        });
        let effort = reasoning_effort(r.effort);
        if let Some(effort) = effort {
            body["reasoning"] = json!({"effort": effort});
        }
        // Stateless (`store: false`): reasoning comes back encrypted so that the next
        // request can carry it with the function calls it led to.
        if effort.is_some() || reasons(r.model) {
            body["include"] = json!(["reasoning.encrypted_content"]);
        }
        if !r.tools.is_empty() {
            body["tools"] = r
                .tools
                .iter()
                .map(|t| json!({"type": "function", "name": t.name, "description": t.description, "parameters": t.parameters, "strict": false}))
                .collect();
        }
        body
    }

    fn user_message(&self, text: &str) -> Value {
        json!({"role": "user", "content": [{"type": "input_text", "text": text}]})
    }

    fn tool_results(&self, results: &[(ToolCall, ToolOutput)]) -> Vec<Value> {
        results
            .iter()
            .map(|(call, out)| json!({"type": "function_call_output", "call_id": call.id, "output": out.text}))
            .collect()
    }

    fn parser(&self) -> Box<dyn TurnParser> {
        Box::<Parser>::default()
    }

    fn listed_models(&self, body: &Value) -> Vec<String> {
        ids(body, "data", "id")
    }
}

#[derive(Debug, Default)]
struct Parser {
    turn: Turn,
    /// Output items as `response.output_item.done` gave them, by output index.
    items: Vec<(u64, Value)>,
    /// Text deltas, for a stream cut before its items were done.
    deltas: String,
}

impl Parser {
    /// The turn from the response's output items (`response.completed` has them all).
    fn read_output(&mut self, output: &[Value]) {
        let mut text = String::new();
        for item in output {
            match item.get("type").and_then(Value::as_str) {
                Some("message") => {
                    for part in item["content"].as_array().into_iter().flatten() {
                        if part.get("type").and_then(Value::as_str) == Some("output_text") {
                            text.push_str(part["text"].as_str().unwrap_or(""));
                        }
                    }
                }
                Some("function_call") => {
                    let s = |k: &str| {
                        item.get(k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    self.turn.calls.push(ToolCall {
                        id: s("call_id"),
                        name: s("name"),
                        arguments: parse_arguments(&s("arguments")),
                    });
                }
                _ => {}
            }
        }
        self.turn.text = text;
        self.turn.echo = output.iter().filter_map(echo_item).collect();
        if !self.turn.calls.is_empty() {
            self.turn.stop = Stop::ToolUse;
        }
    }

    fn usage(&mut self, response: &Value) {
        let u = &response["usage"];
        self.turn.usage.input = u64_at(u, &["input_tokens"]);
        self.turn.usage.cached = u64_at(u, &["input_tokens_details", "cached_tokens"]);
        self.turn.usage.output = u64_at(u, &["output_tokens"]);
        self.turn.usage.reasoning = u64_at(u, &["output_tokens_details", "reasoning_tokens"]);
        if let Some(model) = response.get("model").and_then(Value::as_str) {
            self.turn.model = Some(model.to_string());
        }
    }
}

/// An output item as the next request's input: as it came, less the read-only `status`
/// of messages; a reasoning item only with its encrypted content (without `store`, the
/// API cannot find it by id).
fn echo_item(item: &Value) -> Option<Value> {
    let mut item = item.clone();
    let map = item.as_object_mut()?;
    match map.get("type").and_then(Value::as_str) {
        Some("message") => {
            map.remove("status");
        }
        Some("reasoning") if map.get("encrypted_content").is_none_or(Value::is_null) => {
            return None
        }
        _ => {}
    }
    Some(item)
}

impl TurnParser for Parser {
    fn event(&mut self, _name: &str, data: &str) -> Result<bool, String> {
        let v = parse_data(data)?;
        match v.get("type").and_then(Value::as_str).unwrap_or("") {
            "response.created" => {
                if let Some(model) = v["response"].get("model").and_then(Value::as_str) {
                    self.turn.model = Some(model.to_string());
                }
            }
            "response.output_text.delta" => {
                self.deltas.push_str(v["delta"].as_str().unwrap_or(""));
            }
            "response.output_item.done" => {
                self.items
                    .push((u64_at(&v, &["output_index"]), v["item"].clone()));
            }
            "response.completed" => {
                let response = &v["response"];
                let output = response["output"].as_array().cloned().unwrap_or_default();
                // Some servers send an empty output in the final event; the items have it.
                let output = if output.is_empty() {
                    self.sorted_items()
                } else {
                    output
                };
                self.read_output(&output);
                self.usage(response);
                self.turn.complete = true;
                return Ok(true);
            }
            "response.incomplete" => {
                let response = &v["response"];
                let output = response["output"].as_array().cloned().unwrap_or_default();
                self.read_output(&output);
                self.usage(response);
                self.turn.stop = Stop::MaxTokens;
                self.turn.complete = true;
                return Ok(true);
            }
            "response.failed" => {
                let e = &v["response"]["error"];
                self.usage(&v["response"]);
                return Err(error_text(e));
            }
            "error" => return Err(error_text(&v)),
            _ => {}
        }
        Ok(false)
    }

    fn take(&mut self) -> Turn {
        if !self.turn.complete && self.turn.text.is_empty() {
            // Cut off: what arrived.
            self.turn.text = std::mem::take(&mut self.deltas);
        }
        std::mem::take(&mut self.turn)
    }
}

impl Parser {
    fn sorted_items(&mut self) -> Vec<Value> {
        let mut items = std::mem::take(&mut self.items);
        items.sort_by_key(|(i, _)| *i);
        items.into_iter().map(|(_, v)| v).collect()
    }
}

fn error_text(e: &Value) -> String {
    let code = e.get("code").and_then(Value::as_str).unwrap_or("error");
    let message = e.get("message").and_then(Value::as_str).unwrap_or("");
    format!("{code}: {message}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasoning_goes_back_only_with_its_encrypted_content() {
        let with =
            json!({"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "e"});
        let without = json!({"type": "reasoning", "id": "rs_2", "summary": []});
        let message =
            json!({"type": "message", "status": "completed", "role": "assistant", "content": []});
        assert_eq!(echo_item(&with), Some(with.clone()));
        assert_eq!(echo_item(&without), None);
        assert_eq!(echo_item(&message).unwrap().get("status"), None);
    }

    #[test]
    fn reasoning_models_ask_for_encrypted_reasoning() {
        let body = |model, effort| {
            OpenAi.body(&TurnRequest {
                model,
                system: "s",
                history: &[],
                tools: &[],
                effort,
                max_output: 1000,
            })
        };
        assert_eq!(
            body("gpt-5-mini", None)["include"][0],
            "reasoning.encrypted_content"
        );
        assert!(body("gpt-4.1", None).get("include").is_none());
        assert_eq!(body("gpt-4.1", Some("low"))["reasoning"]["effort"], "low");
    }
}
