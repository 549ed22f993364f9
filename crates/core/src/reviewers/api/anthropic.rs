//! Anthropic's Messages API, streamed: `POST {base}/v1/messages` with `stream: true`.
//! Events: `message_start` (model, input usage), `content_block_start` /
//! `content_block_delta` (`text_delta`, `input_json_delta`, `thinking_delta`,
//! `signature_delta`) / `content_block_stop`, `message_delta` (stop reason, output
//! usage), `message_stop`; `ping`; `error`. `effort` is the extended-thinking budget.

use serde_json::{json, Value};

use super::{
    parse_arguments, parse_data, u64_at, Protocol, Stop, ToolCall, ToolOutput, Turn, TurnParser,
    TurnRequest,
};

pub(crate) struct Anthropic;

const VERSION: &str = "2023-06-01";

/// Extended-thinking budget (tokens) for an effort word; `None` is no thinking.
fn thinking_budget(effort: Option<&str>) -> Option<u64> {
    match effort?.to_ascii_lowercase().as_str() {
        "none" | "off" | "minimal" => None,
        "low" => Some(4_096),
        "medium" => Some(10_000),
        "high" => Some(24_000),
        "xhigh" | "max" => Some(32_000),
        other => other.parse::<u64>().ok().filter(|n| *n >= 1_024),
    }
}

impl Protocol for Anthropic {
    fn default_base_url(&self) -> Option<&'static str> {
        Some("https://api.anthropic.com")
    }

    fn stream_url(&self, base: &str, _model: &str) -> String {
        format!("{base}/v1/messages")
    }

    fn models_url(&self, base: &str) -> String {
        format!("{base}/v1/models")
    }

    fn headers(&self, key: Option<&str>) -> Vec<(&'static str, String)> {
        let mut headers = vec![("anthropic-version", VERSION.to_string())];
        if let Some(key) = key {
            headers.push(("x-api-key", key.to_string()));
        }
        headers
    }

    fn body(&self, r: &TurnRequest<'_>) -> Value {
        let mut body = json!({
            "model": r.model,
            "system": r.system,
            "messages": r.history,
            "stream": true,
        });
        // The thinking budget is part of max_tokens; leave room for the answer.
        if let Some(want) = thinking_budget(r.effort) {
            let budget = want.min(r.max_output.saturating_sub(4_096));
            if budget >= 1_024 {
                body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
            }
        }
        body["max_tokens"] = json!(r.max_output);
        if !r.tools.is_empty() {
            body["tools"] = r
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "input_schema": t.parameters}))
                .collect();
        }
        body
    }

    fn user_message(&self, text: &str) -> Value {
        json!({"role": "user", "content": [{"type": "text", "text": text}]})
    }

    fn tool_results(&self, results: &[(ToolCall, ToolOutput)]) -> Vec<Value> {
        let content: Vec<Value> = results
            .iter()
            .map(|(call, out)| {
                json!({"type": "tool_result", "tool_use_id": call.id, "content": out.text, "is_error": out.is_error})
            })
            .collect();
        vec![json!({"role": "user", "content": content})]
    }

    fn parser(&self) -> Box<dyn TurnParser> {
        Box::<Parser>::default()
    }

    fn listed_models(&self, body: &Value) -> Vec<String> {
        ids(body, "data", "id")
    }
}

/// `body[list][*][field]` as strings.
pub(crate) fn ids(body: &Value, list: &str, field: &str) -> Vec<String> {
    body.get(list)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|m| m.get(field)?.as_str().map(String::from))
        .collect()
}

/// One content block being streamed.
#[derive(Debug, Default)]
struct Block {
    kind: String,
    text: String,
    /// `tool_use`: id, name and the input JSON as it arrives.
    id: String,
    name: String,
    json: String,
    signature: String,
    /// Blocks echoed as they came (`redacted_thinking`).
    raw: Option<Value>,
}

#[derive(Debug, Default)]
struct Parser {
    turn: Turn,
    blocks: Vec<Block>,
}

impl Parser {
    fn block(&mut self, index: u64) -> Option<&mut Block> {
        self.blocks.get_mut(usize::try_from(index).ok()?)
    }
}

impl TurnParser for Parser {
    fn event(&mut self, _name: &str, data: &str) -> Result<bool, String> {
        let v = parse_data(data)?;
        match v.get("type").and_then(Value::as_str).unwrap_or("") {
            "message_start" => {
                let m = &v["message"];
                self.turn.model = m.get("model").and_then(Value::as_str).map(String::from);
                let u = &m["usage"];
                let cached = u64_at(u, &["cache_read_input_tokens"]);
                self.turn.usage.input = u64_at(u, &["input_tokens"])
                    + u64_at(u, &["cache_creation_input_tokens"])
                    + cached;
                self.turn.usage.cached = cached;
                self.turn.usage.output = u64_at(u, &["output_tokens"]);
            }
            "content_block_start" => {
                let b = &v["content_block"];
                let s = |k: &str| b.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                let kind = s("type");
                let mut block = Block {
                    text: if kind == "thinking" {
                        s("thinking")
                    } else {
                        s("text")
                    },
                    id: s("id"),
                    name: s("name"),
                    signature: s("signature"),
                    raw: (kind == "redacted_thinking").then(|| b.clone()),
                    kind,
                    ..Block::default()
                };
                if block.kind == "tool_use" {
                    if let Some(input) = b
                        .get("input")
                        .filter(|i| i.as_object().is_some_and(|o| !o.is_empty()))
                    {
                        block.json = input.to_string();
                    }
                }
                self.blocks.push(block);
            }
            "content_block_delta" => {
                let index = u64_at(&v, &["index"]);
                let d = &v["delta"];
                let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("");
                if let Some(block) = self.block(index) {
                    match s("type") {
                        "text_delta" => block.text.push_str(s("text")),
                        "thinking_delta" => block.text.push_str(s("thinking")),
                        "signature_delta" => block.signature.push_str(s("signature")),
                        "input_json_delta" => block.json.push_str(s("partial_json")),
                        _ => {}
                    }
                }
            }
            "message_delta" => {
                match v["delta"].get("stop_reason").and_then(Value::as_str) {
                    Some("tool_use") => self.turn.stop = Stop::ToolUse,
                    Some("max_tokens") => self.turn.stop = Stop::MaxTokens,
                    _ => {}
                }
                // Cumulative output for the message.
                let output = u64_at(&v, &["usage", "output_tokens"]);
                if output > 0 {
                    self.turn.usage.output = output;
                }
            }
            "message_stop" => {
                self.turn.complete = true;
                return Ok(true);
            }
            "error" => {
                let e = &v["error"];
                let kind = e.get("type").and_then(Value::as_str).unwrap_or("error");
                let message = e.get("message").and_then(Value::as_str).unwrap_or("");
                return Err(format!("{kind}: {message}"));
            }
            _ => {} // ping, content_block_stop
        }
        Ok(false)
    }

    fn take(&mut self) -> Turn {
        let mut turn = std::mem::take(&mut self.turn);
        let mut content = Vec::new();
        for block in std::mem::take(&mut self.blocks) {
            match block.kind.as_str() {
                "text" => {
                    turn.text.push_str(&block.text);
                    content.push(json!({"type": "text", "text": block.text}));
                }
                "thinking" => content.push(
                    json!({"type": "thinking", "thinking": block.text, "signature": block.signature}),
                ),
                "tool_use" => {
                    let arguments = parse_arguments(&block.json);
                    content.push(json!({"type": "tool_use", "id": block.id, "name": block.name, "input": arguments}));
                    turn.calls.push(ToolCall {
                        id: block.id,
                        name: block.name,
                        arguments,
                    });
                }
                _ => content.extend(block.raw),
            }
        }
        turn.echo = vec![json!({"role": "assistant", "content": content})];
        turn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effort_is_a_thinking_budget_below_max_tokens() {
        let request = |effort, max_output| {
            Anthropic.body(&TurnRequest {
                model: "claude-sonnet-4-5",
                system: "s",
                history: &[],
                tools: &[],
                effort,
                max_output,
            })
        };
        let body = request(Some("high"), 32_000);
        assert_eq!(body["thinking"]["budget_tokens"], 24_000);
        assert_eq!(body["max_tokens"], 32_000);
        assert!(request(None, 32_000).get("thinking").is_none());
        // No room for thinking under a small budget: none is asked for.
        assert!(request(Some("high"), 2_000).get("thinking").is_none());
    }
}
