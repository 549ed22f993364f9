//! OpenAI-compatible Chat Completions at a `base_url` (Ollama, vLLM, llama.cpp server,
//! LM Studio): `POST {base}/chat/completions` with `stream: true` and
//! `stream_options.include_usage`. Each `data:` is a `chat.completion.chunk` (content
//! and `tool_calls` deltas, by index), the usage comes in a last chunk with no choices,
//! and `data: [DONE]` ends the stream. The key (`api_key_env`) is optional; `effort` is
//! sent as `reasoning_effort` when set.

use serde_json::{json, Value};

use super::anthropic::ids;
use super::openai::{bearer, reasoning_effort};
use super::{
    parse_arguments, parse_data, u64_at, Protocol, Stop, ToolCall, ToolOutput, Turn, TurnParser,
    TurnRequest, MAX_OUTPUT_PER_TURN,
};

pub(crate) struct OpenAiCompat;

impl Protocol for OpenAiCompat {
    fn default_base_url(&self) -> Option<&'static str> {
        None
    }

    fn stream_url(&self, base: &str, _model: &str) -> String {
        format!("{base}/chat/completions")
    }

    fn models_url(&self, base: &str) -> String {
        format!("{base}/models")
    }

    fn headers(&self, key: Option<&str>) -> Vec<(&'static str, String)> {
        bearer(key)
    }

    fn body(&self, r: &TurnRequest<'_>) -> Value {
        let mut messages = vec![json!({"role": "system", "content": r.system})];
        messages.extend(r.history.iter().cloned());
        let mut body = json!({
            "model": r.model,
            "messages": messages,
            "stream": true,
            "stream_options": {"include_usage": true},
        });
        // Local servers reject a max_tokens larger than the context left: sent only
        // when a budget asks for less than the usual turn.
        if r.max_output < MAX_OUTPUT_PER_TURN {
            body["max_tokens"] = json!(r.max_output);
        }
        if let Some(effort) = reasoning_effort(r.effort) {
            body["reasoning_effort"] = json!(effort);
        }
        if !r.tools.is_empty() {
            body["tools"] = r
                .tools
                .iter()
                .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
                .collect();
        }
        body
    }

    fn user_message(&self, text: &str) -> Value {
        json!({"role": "user", "content": text})
    }

    fn tool_results(&self, results: &[(ToolCall, ToolOutput)]) -> Vec<Value> {
        results
            .iter()
            .map(
                |(call, out)| json!({"role": "tool", "tool_call_id": call.id, "content": out.text}),
            )
            .collect()
    }

    fn parser(&self) -> Box<dyn TurnParser> {
        Box::<Parser>::default()
    }

    fn listed_models(&self, body: &Value) -> Vec<String> {
        ids(body, "data", "id")
    }
}

/// A tool call being streamed: id and name in its first delta, arguments in pieces.
#[derive(Debug, Default)]
struct PartialCall {
    index: u64,
    id: String,
    name: String,
    arguments: String,
}

#[derive(Debug, Default)]
struct Parser {
    turn: Turn,
    calls: Vec<PartialCall>,
    finished: bool,
}

impl TurnParser for Parser {
    fn event(&mut self, _name: &str, data: &str) -> Result<bool, String> {
        if data.trim() == "[DONE]" {
            self.turn.complete = self.finished || !self.turn.text.is_empty();
            return Ok(true);
        }
        let v = parse_data(data)?;
        if let Some(e) = v.get("error") {
            let message = e
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| e.as_str())
                .unwrap_or("");
            return Err(message.to_string());
        }
        if let Some(model) = v.get("model").and_then(Value::as_str) {
            self.turn.model = Some(model.to_string());
        }
        if let Some(u) = v.get("usage").filter(|u| u.is_object()) {
            self.turn.usage.input = u64_at(u, &["prompt_tokens"]);
            self.turn.usage.cached = u64_at(u, &["prompt_tokens_details", "cached_tokens"]);
            self.turn.usage.output = u64_at(u, &["completion_tokens"]);
            self.turn.usage.reasoning =
                u64_at(u, &["completion_tokens_details", "reasoning_tokens"]);
        }
        for choice in v["choices"].as_array().into_iter().flatten() {
            let delta = &choice["delta"];
            if let Some(text) = delta.get("content").and_then(Value::as_str) {
                self.turn.text.push_str(text);
            }
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = u64_at(call, &["index"]);
                let at = match self.calls.iter().position(|c| c.index == index) {
                    Some(at) => at,
                    None => {
                        self.calls.push(PartialCall {
                            index,
                            ..PartialCall::default()
                        });
                        self.calls.len() - 1
                    }
                };
                let partial = &mut self.calls[at];
                let s = |p: &str| call.pointer(p).and_then(Value::as_str).unwrap_or("");
                if partial.id.is_empty() {
                    partial.id = s("/id").to_string();
                }
                partial.name.push_str(s("/function/name"));
                partial.arguments.push_str(s("/function/arguments"));
            }
            match choice.get("finish_reason").and_then(Value::as_str) {
                Some("length") => {
                    self.turn.stop = Stop::MaxTokens;
                    self.finished = true;
                }
                Some(_) => self.finished = true,
                None => {}
            }
        }
        Ok(false)
    }

    fn take(&mut self) -> Turn {
        let mut turn = std::mem::take(&mut self.turn);
        let mut echo_calls = Vec::new();
        for (n, call) in std::mem::take(&mut self.calls).into_iter().enumerate() {
            // Some local servers give no ids; the result must still name its call.
            let id = if call.id.is_empty() {
                format!("call_{n}")
            } else {
                call.id
            };
            echo_calls.push(json!({"id": id, "type": "function", "function": {"name": call.name, "arguments": call.arguments}}));
            turn.calls.push(ToolCall {
                id,
                name: call.name,
                arguments: parse_arguments(&call.arguments),
            });
        }
        let mut message = json!({"role": "assistant", "content": turn.text});
        if !echo_calls.is_empty() {
            message["tool_calls"] = json!(echo_calls);
            turn.stop = Stop::ToolUse;
        }
        turn.echo = vec![message];
        turn
    }
}
