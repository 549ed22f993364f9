//! Google's Gemini API, streamed: `POST {base}/v1beta/models/{model}:streamGenerateContent?alt=sse`
//! with the key in `x-goog-api-key`. Each `data:` is a whole `GenerateContentResponse`
//! chunk (candidate parts, `usageMetadata`, `modelVersion`); the chunk with a
//! `finishReason` ends the turn. Function calls are `functionCall` parts, answered with
//! `functionResponse` parts. `effort` is `thinkingConfig.thinkingBudget`.

use serde_json::{json, Value};

use super::{
    parse_data, u64_at, Protocol, Stop, ToolCall, ToolOutput, Turn, TurnParser, TurnRequest,
};

pub(crate) struct GeminiApi;

/// Thinking budget (tokens) for an effort word.
fn thinking_budget(effort: Option<&str>) -> Option<i64> {
    match effort?.to_ascii_lowercase().as_str() {
        "none" | "off" | "minimal" => Some(0),
        "low" => Some(2_048),
        "medium" => Some(8_192),
        "high" => Some(24_576),
        "xhigh" | "max" => Some(32_768),
        "auto" | "dynamic" => Some(-1),
        other => other.parse::<i64>().ok(),
    }
}

impl Protocol for GeminiApi {
    fn default_base_url(&self) -> Option<&'static str> {
        Some("https://generativelanguage.googleapis.com")
    }

    fn stream_url(&self, base: &str, model: &str) -> String {
        let model = model.strip_prefix("models/").unwrap_or(model);
        const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'.')
            .remove(b'_');
        let model = percent_encoding::utf8_percent_encode(model, KEEP);
        format!("{base}/v1beta/models/{model}:streamGenerateContent?alt=sse")
    }

    fn models_url(&self, base: &str) -> String {
        format!("{base}/v1beta/models")
    }

    fn headers(&self, key: Option<&str>) -> Vec<(&'static str, String)> {
        key.map(|k| vec![("x-goog-api-key", k.to_string())])
            .unwrap_or_default()
    }

    fn body(&self, r: &TurnRequest<'_>) -> Value {
        let mut config = json!({"maxOutputTokens": r.max_output});
        if let Some(budget) = thinking_budget(r.effort) {
            config["thinkingConfig"] = json!({"thinkingBudget": budget});
        }
        let mut body = json!({
            "systemInstruction": {"parts": [{"text": r.system}]},
            "contents": r.history,
            "generationConfig": config,
        });
        if !r.tools.is_empty() {
            let declarations: Vec<Value> = r
                .tools
                .iter()
                .map(|t| json!({"name": t.name, "description": t.description, "parameters": t.parameters}))
                .collect();
            body["tools"] = json!([{"functionDeclarations": declarations}]);
        }
        body
    }

    fn user_message(&self, text: &str) -> Value {
        json!({"role": "user", "parts": [{"text": text}]})
    }

    fn tool_results(&self, results: &[(ToolCall, ToolOutput)]) -> Vec<Value> {
        let parts: Vec<Value> = results
            .iter()
            .map(|(call, out)| {
                let key = if out.is_error { "error" } else { "output" };
                let mut response = json!({"name": call.name, "response": {key: out.text}});
                if call.id != call.name {
                    response["id"] = json!(call.id);
                }
                json!({"functionResponse": response})
            })
            .collect();
        vec![json!({"role": "user", "parts": parts})]
    }

    fn parser(&self) -> Box<dyn TurnParser> {
        Box::<Parser>::default()
    }

    fn listed_models(&self, body: &Value) -> Vec<String> {
        super::anthropic::ids(body, "models", "name")
            .into_iter()
            .map(|n| n.strip_prefix("models/").unwrap_or(&n).to_string())
            .collect()
    }
}

#[derive(Debug, Default)]
struct Parser {
    turn: Turn,
    /// The model's parts as they came (thought signatures included), echoed back.
    parts: Vec<Value>,
}

impl TurnParser for Parser {
    fn event(&mut self, _name: &str, data: &str) -> Result<bool, String> {
        let v = parse_data(data)?;
        if let Some(e) = v.get("error") {
            let status = e.get("status").and_then(Value::as_str).unwrap_or("error");
            let message = e.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(format!("{status}: {message}"));
        }
        if let Some(model) = v.get("modelVersion").and_then(Value::as_str) {
            self.turn.model = Some(model.to_string());
        }
        if let Some(u) = v.get("usageMetadata") {
            // Cumulative; the last chunk's counts are the turn's.
            let thoughts = u64_at(u, &["thoughtsTokenCount"]);
            self.turn.usage.input = u64_at(u, &["promptTokenCount"]);
            self.turn.usage.cached = u64_at(u, &["cachedContentTokenCount"]);
            self.turn.usage.output = u64_at(u, &["candidatesTokenCount"]) + thoughts;
            self.turn.usage.reasoning = thoughts;
        }
        if let Some(reason) = v
            .pointer("/promptFeedback/blockReason")
            .and_then(Value::as_str)
        {
            return Err(format!("the prompt was blocked ({reason})"));
        }
        let candidate = &v["candidates"][0];
        for part in candidate["content"]["parts"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let thought = part.get("thought").and_then(Value::as_bool) == Some(true);
            if let Some(text) = part.get("text").and_then(Value::as_str) {
                if !thought {
                    self.turn.text.push_str(text);
                }
            }
            if let Some(call) = part.get("functionCall") {
                let name = call
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                let id = call
                    .get("id")
                    .and_then(Value::as_str)
                    .map_or_else(|| name.clone(), String::from);
                self.turn.calls.push(ToolCall {
                    id,
                    name,
                    arguments: call.get("args").cloned().unwrap_or_else(|| json!({})),
                });
            }
            self.parts.push(part.clone());
        }
        match candidate.get("finishReason").and_then(Value::as_str) {
            None | Some("FINISH_REASON_UNSPECIFIED") => Ok(false),
            Some("STOP") => {
                self.turn.complete = true;
                Ok(true)
            }
            Some("MAX_TOKENS") => {
                self.turn.stop = Stop::MaxTokens;
                self.turn.complete = true;
                Ok(true)
            }
            Some(other) => Err(format!("the model stopped: {other}")),
        }
    }

    fn take(&mut self) -> Turn {
        let mut turn = std::mem::take(&mut self.turn);
        if !turn.calls.is_empty() {
            turn.stop = Stop::ToolUse;
        }
        turn.echo = vec![json!({"role": "model", "parts": std::mem::take(&mut self.parts)})];
        turn
    }
}
