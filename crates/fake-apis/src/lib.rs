//! Fake model APIs for tests: one local HTTP server speaking four wire formats —
//! Anthropic Messages (`POST /v1/messages`), OpenAI Responses (`POST /v1/responses`),
//! Gemini (`POST /v1beta/models/{model}:streamGenerateContent?alt=sse` and
//! `:generateContent`) and Chat Completions (`POST /v1/chat/completions`) — streamed as
//! server-sent events the way the real services send them, or as one JSON body when
//! the request does not ask for a stream; plus the model lists (`GET /v1/models`,
//! `GET /v1beta/models`).
//!
//! What a request gets is its **scenario**: the part of the model name after `+`
//! (`claude-sonnet-4-5+tools`), `review` when there is none, or the one the server was
//! started with ([`FakeApis::start_with`], `fake-apis --scenario S`). See [`SCENARIOS`].
//! Every request is recorded ([`FakeApis::requests`]) so tests can look at headers and
//! bodies.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};

mod anthropic;
mod chat;
mod gemini;
mod openai;

/// The scenarios, by name, with what they do.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("review", "a streamed review in three text chunks, with usage"),
    ("thinking", "like review, after a thinking/reasoning block"),
    ("tools", "first a tool call (read_file), then a review quoting the tool result; the second request must echo the first turn (signatures, reasoning items, call ids)"),
    ("tools-escape", "like tools, reading ../outside.txt (outside the checkout)"),
    ("tools-link", "like tools, reading link.txt (a symbolic link the test points outside)"),
    ("no-tools", "400 \"does not support tools\" when tools are offered (as Ollama answers for such models); a review otherwise"),
    ("tools-forever", "a tool call on every request that offers tools; a review when none are offered"),
    ("rate-limited", "429 with Retry-After: 1 on the first request of each model, then review"),
    ("overloaded", "503 (Anthropic: 529) with the API's error body, every time"),
    ("bad-key", "401 whose message repeats the key it was sent (as some servers do)"),
    ("forbidden", "403"),
    ("missing-model", "404: the model does not exist"),
    ("too-long", "400: the prompt is longer than the context window"),
    ("cut", "a stream cut off (connection dropped) after some text"),
    ("stream-error", "an error event in the middle of the stream"),
    ("hang", "a stream that sends its first events and then nothing"),
    ("expensive", "a review whose usage says 2 million input tokens"),
    ("long", "a review that stops at the output limit"),
    ("consolidate", "a consolidator's answer: a fenced JSON block with a summary naming I2, a verdict sentence, a retro paragraph for `a`, merges of I1 + I2 and I1 + I9 (no such finding), and S1 raised to important"),
];

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    /// The JSON body (`null` when there was none or it was not JSON).
    pub body: Value,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Shared {
    scenario: Option<String>,
    requests: Mutex<Vec<Recorded>>,
    /// Requests seen per model (for `rate-limited`).
    seen: Mutex<HashMap<String, u32>>,
    /// The pause before each event, in microseconds (`u64::MAX`: the default, 1 ms).
    pace_us: std::sync::atomic::AtomicU64,
}

impl Shared {
    fn pace(&self) -> Duration {
        match self.pace_us.load(std::sync::atomic::Ordering::Relaxed) {
            u64::MAX => Duration::from_millis(1),
            us => Duration::from_micros(us),
        }
    }
}

/// A running fake server on 127.0.0.1.
pub struct FakeApis {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeApis {
    /// Starts a server on a free port of the loopback interface, on the current tokio
    /// runtime; scenarios come from model names.
    pub async fn start() -> std::io::Result<FakeApis> {
        Self::start_with(None, 0).await
    }

    /// Starts a server on `port` (0: any free one); `scenario`, when set, is every
    /// request's scenario whatever the model name says.
    pub async fn start_with(scenario: Option<String>, port: u16) -> std::io::Result<FakeApis> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            scenario,
            pace_us: u64::MAX.into(),
            ..Shared::default()
        });
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(FakeApis { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT` (append `/v1` for OpenAI-style base URLs).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.shared
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The pause before each streamed event (1 ms unless set; zero for benchmarks that
    /// measure the client).
    pub fn set_pace(&self, pace: Duration) {
        let us = u64::try_from(pace.as_micros()).unwrap_or(u64::MAX - 1);
        self.shared
            .pace_us
            .store(us, std::sync::atomic::Ordering::Relaxed);
    }

    /// Serves until the process ends (the binary).
    pub async fn wait(mut self) {
        let _ = (&mut self.task).await;
    }
}

impl Drop for FakeApis {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/messages", post(anthropic_messages))
        .route("/v1/responses", post(openai_responses))
        .route("/v1/chat/completions", post(chat_completions))
        .route("/v1/models", get(list_models))
        .route("/v1beta/models", get(gemini_models))
        .route("/v1beta/models/{call}", post(gemini_generate))
        // The google-genai SDK's default version; the same API.
        .route("/v1/models/{call}", post(gemini_generate))
        .fallback(not_found)
        .with_state(shared)
}

/// The four wire formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wire {
    Anthropic,
    OpenAi,
    Gemini,
    Chat,
}

/// A protocol-neutral script of one assistant turn, rendered by each wire module.
#[derive(Debug, Clone)]
pub(crate) struct Script {
    pub model: String,
    /// Emit a thinking block / reasoning item / thought part first.
    pub thinking: bool,
    pub text: Vec<String>,
    /// A tool call: id, name, arguments.
    pub call: Option<(String, String, Value)>,
    pub usage: Usage,
    /// The turn stopped at the output limit.
    pub truncated: bool,
    pub ending: Ending,
}

impl Script {
    /// `events` cut where an `Error(n)` ending puts the API's error event.
    pub fn with_error(&self, mut events: Vec<Sse>, error: Sse) -> Vec<Sse> {
        if let Ending::Error(n) = self.ending {
            events.truncate(n.min(events.len().saturating_sub(1)));
            events.push(error);
        }
        events
    }

    pub fn full_text(&self) -> String {
        self.text.concat()
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Usage {
    pub input: u64,
    pub output: u64,
    pub cached: u64,
    pub reasoning: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ending {
    Complete,
    /// The connection drops after this many events.
    Cut(usize),
    /// Nothing more after this many events.
    Hang(usize),
    /// The API's in-stream error event after this many events.
    Error(usize),
}

/// One server-sent event.
pub(crate) struct Sse {
    pub event: Option<String>,
    pub data: String,
}

impl Sse {
    pub fn named(event: &str, data: Value) -> Sse {
        Sse {
            event: Some(event.to_string()),
            data: data.to_string(),
        }
    }
    pub fn data(data: Value) -> Sse {
        Sse {
            event: None,
            data: data.to_string(),
        }
    }
}

/// Signatures the fakes put in thinking blocks and expect back.
pub const ANTHROPIC_SIGNATURE: &str = "sig-fake-1";
pub const OPENAI_ENCRYPTED: &str = "enc-fake-1";
/// Base64, as the real API sends thought signatures (the SDK decodes them to bytes).
pub const GEMINI_SIGNATURE: &str = "dHNpZy1mYWtlLTE=";
/// A tool result containing this makes the review say it saw it.
pub const TOOL_MARKER: &str = "TOOL-MARKER-42";

fn scenario_of(shared: &Shared, model: &str) -> String {
    shared.scenario.clone().unwrap_or_else(|| {
        model
            .split_once('+')
            .map_or("review", |(_, s)| s)
            .to_string()
    })
}

fn model_name(model: &str) -> String {
    model.split('+').next().unwrap_or(model).to_string()
}

/// What a request is answered with.
enum Answer {
    Turn(Script),
    Error(u16, &'static str, String, Option<&'static str>),
}

/// Decides the answer: the scenario, the request's history (tool results present?),
/// the key.
fn answer(shared: &Shared, wire: Wire, model: &str, body: &Value, key: Option<&str>) -> Answer {
    let scenario = scenario_of(shared, model);
    let text = body.to_string();
    let Some(key) = key.filter(|k| !k.is_empty()) else {
        if wire != Wire::Chat {
            return Answer::Error(401, "auth", "no API key was sent".into(), None);
        }
        return answer_scenario(shared, wire, model, &scenario, &text, body);
    };
    if scenario == "bad-key" {
        return Answer::Error(
            401,
            "auth",
            format!("Incorrect API key provided: {key}."),
            None,
        );
    }
    answer_scenario(shared, wire, model, &scenario, &text, body)
}

fn answer_scenario(
    shared: &Shared,
    wire: Wire,
    model: &str,
    scenario: &str,
    text: &str,
    body: &Value,
) -> Answer {
    let has_tool_results = match wire {
        Wire::Anthropic => text.contains("\"tool_result\""),
        Wire::OpenAi => text.contains("\"function_call_output\""),
        Wire::Gemini => text.contains("\"functionResponse\""),
        Wire::Chat => text.contains("\"role\":\"tool\""),
    };
    let offers_tools = body.get("tools").is_some_and(|t| !t.is_null());
    let input = (text.len() / 4) as u64;
    let mut script = Script {
        model: model_name(model),
        thinking: false,
        text: review_text(text),
        call: None,
        usage: Usage {
            input,
            output: 120,
            cached: input / 2,
            reasoning: 0,
        },
        truncated: false,
        ending: Ending::Complete,
    };
    let path = match scenario {
        "tools-escape" => "../outside.txt",
        "tools-link" => "link.txt",
        _ => "src/lib.rs",
    };
    let call = || {
        Some((
            "call_fake_1".to_string(),
            "read_file".to_string(),
            json!({ "path": path }),
        ))
    };
    match scenario {
        "review" => {}
        "thinking" => {
            script.thinking = true;
            script.usage.reasoning = 40;
            script.usage.output += 40;
        }
        "no-tools" if offers_tools => {
            return Answer::Error(
                400,
                "invalid",
                format!(
                    "registry.ollama.ai/library/{} does not support tools",
                    model_name(model)
                ),
                None,
            )
        }
        "no-tools" => {}
        "tools" | "tools-escape" | "tools-link" if !has_tool_results => {
            script.thinking = true;
            script.text = Vec::new();
            script.call = call();
            script.usage.reasoning = 30;
            script.usage.output = 60;
        }
        "tools" | "tools-escape" | "tools-link" => {
            if let Some(missing) = missing_echo(wire, text) {
                return Answer::Error(
                    400,
                    "invalid",
                    format!("the previous assistant turn was not sent back: {missing}"),
                    None,
                );
            }
        }
        "tools-forever" if offers_tools => {
            script.text = Vec::new();
            script.call = call();
        }
        "tools-forever" => {}
        "rate-limited" => {
            let mut seen = shared.seen.lock().unwrap_or_else(|e| e.into_inner());
            let n = seen.entry(format!("{wire:?}/{model}")).or_default();
            *n += 1;
            if *n == 1 {
                return Answer::Error(
                    429,
                    "rate",
                    "rate limit reached; retry after 1s".into(),
                    Some("1"),
                );
            }
        }
        "overloaded" => {
            let status = if wire == Wire::Anthropic { 529 } else { 503 };
            return Answer::Error(
                status,
                "overloaded",
                "the service is overloaded".into(),
                None,
            );
        }
        "forbidden" => {
            return Answer::Error(
                403,
                "permission",
                "this key may not use the model".into(),
                None,
            )
        }
        "missing-model" => {
            return Answer::Error(
                404,
                "not_found",
                format!("model: {}", model_name(model)),
                None,
            )
        }
        "too-long" => return Answer::Error(400, "too_long", too_long_message(wire), None),
        "cut" => script.ending = Ending::Cut(after_two_chunks(wire)),
        "stream-error" => script.ending = Ending::Error(after_two_chunks(wire)),
        "hang" => script.ending = Ending::Hang(2),
        "expensive" => {
            script.usage.input = 2_000_000;
            script.usage.cached = 0;
        }
        "long" => script.truncated = true,
        "consolidate" => script.text = consolidator_answer(),
        other => {
            return Answer::Error(
                400,
                "invalid",
                format!("fake-apis has no scenario `{other}`"),
                None,
            )
        }
    }
    Answer::Turn(script)
}

/// How many events of a plain review's stream carry its first two text chunks.
fn after_two_chunks(wire: Wire) -> usize {
    match wire {
        // message_start, ping, content_block_start, two deltas
        Wire::Anthropic => 5,
        // created, in_progress, output_item.added, content_part.added, two deltas
        Wire::OpenAi => 6,
        Wire::Gemini => 2,
        // the role chunk, two content chunks
        Wire::Chat => 3,
    }
}

/// What the second request of `tools` lacks from the first turn's echo.
fn missing_echo(wire: Wire, text: &str) -> Option<&'static str> {
    let needs: &[(&str, &'static str)] = match wire {
        Wire::Anthropic => &[
            (ANTHROPIC_SIGNATURE, "the thinking block's signature"),
            ("\"tool_use\"", "the tool_use block"),
        ],
        Wire::OpenAi => &[
            (OPENAI_ENCRYPTED, "the reasoning item"),
            ("\"function_call\"", "the function_call item"),
        ],
        Wire::Gemini => &[
            (GEMINI_SIGNATURE, "the thought signature"),
            ("\"functionCall\"", "the functionCall part"),
        ],
        Wire::Chat => &[("\"tool_calls\"", "the assistant message's tool_calls")],
    };
    needs
        .iter()
        .find(|(what, _)| !text.contains(what))
        .map(|(_, why)| *why)
}

fn too_long_message(wire: Wire) -> String {
    match wire {
        Wire::Anthropic => "prompt is too long: 250000 tokens > 200000 maximum".into(),
        Wire::OpenAi | Wire::Chat => "Your input exceeds the context window of this model. \
             This model's maximum context length is 128000 tokens."
            .into(),
        Wire::Gemini => {
            "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."
                .into()
        }
    }
}

/// The `consolidate` scenario's answer, in three chunks that split the JSON mid-string.
fn consolidator_answer() -> Vec<String> {
    let answer = json!({
        "deep_review_consolidator": 1,
        "summary": "The change is small. I2 is the finding to fix first.\n\nThe rest is polish.",
        "verdict_reason": "Fix the unchecked input before merging.",
        "retro": {"a": "Found the input bug alone and cited the line."},
        "reconciliation": {},
        "merges": [
            {"findings": ["I1", "I2"], "reason": "both are the same unchecked input"},
            {"findings": ["I1", "I9"], "reason": "same"}
        ],
        "severity_changes": [
            {"finding": "S1", "severity": "important", "reason": "a panic on user input is a real bug"}
        ]
    });
    let text = format!("Here is my consolidation.\n\n```json\n{answer:#}\n```\n");
    let third = text.len() / 3;
    let cut = |n: usize| {
        (n..text.len())
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(text.len())
    };
    let (a, b) = (cut(third), cut(2 * third));
    vec![
        text[..a].to_string(),
        text[a..b].to_string(),
        text[b..].to_string(),
    ]
}

/// The review the fakes write: a real-looking review that says what it saw.
fn review_text(request: &str) -> Vec<String> {
    let diff = if request.contains("diff --git") {
        "yes"
    } else {
        "no"
    };
    let marker = if request.contains(TOOL_MARKER) {
        format!(" The tool result said {TOOL_MARKER}.")
    } else {
        String::new()
    };
    vec![
        "## Summary\n\nThe change adds a function; the diff was in the prompt".to_string(),
        format!(" (diff seen: {diff}).{marker}\n\n## Findings\n\n"),
        "### I1. `parse` unwraps user input\n\n**Severity:** important\n**Location:** `src/lib.rs:2`\n\n\
         `parse` calls `unwrap()` on input it does not control; return an error instead.\n"
            .to_string(),
    ]
}

// ---- Handlers ----

fn record(shared: &Shared, method: &Method, uri: &Uri, headers: &HeaderMap, body: &Value) {
    let headers = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    if let Ok(mut requests) = shared.requests.lock() {
        requests.push(Recorded {
            method: method.to_string(),
            path: uri.path().to_string(),
            query: uri.query().unwrap_or("").to_string(),
            headers,
            body: body.clone(),
        });
    }
}

async fn read_json(request: Request) -> (Method, Uri, HeaderMap, Value) {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .unwrap_or_default();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.method, parts.uri, parts.headers, value)
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name)?.to_str().ok()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    header(headers, "authorization")?.strip_prefix("Bearer ")
}

async fn anthropic_messages(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    if header(&headers, "anthropic-version").is_none() {
        return anthropic::error(400, "invalid", "anthropic-version: header is required");
    }
    let model = body["model"].as_str().unwrap_or("").to_string();
    let stream = body["stream"].as_bool() == Some(true);
    // `x-api-key`, or a bearer token (newer SDKs send the key that way).
    let key = header(&headers, "x-api-key").or_else(|| bearer(&headers));
    match answer(&shared, Wire::Anthropic, &model, &body, key) {
        Answer::Error(status, kind, message, retry) => {
            with_retry(anthropic::error(status, kind, &message), retry)
        }
        Answer::Turn(script) if stream => {
            sse_response(anthropic::events(&script), &script.ending, shared.pace())
        }
        Answer::Turn(script) => axum::Json(anthropic::full(&script)).into_response(),
    }
}

async fn openai_responses(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    let model = body["model"].as_str().unwrap_or("").to_string();
    let stream = body["stream"].as_bool() == Some(true);
    match answer(&shared, Wire::OpenAi, &model, &body, bearer(&headers)) {
        Answer::Error(status, kind, message, retry) => {
            with_retry(openai::error(status, kind, &message), retry)
        }
        Answer::Turn(script) if stream => {
            sse_response(openai::events(&script), &script.ending, shared.pace())
        }
        Answer::Turn(script) => axum::Json(openai::full(&script)).into_response(),
    }
}

async fn chat_completions(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    let model = body["model"].as_str().unwrap_or("").to_string();
    let stream = body["stream"].as_bool() == Some(true);
    match answer(&shared, Wire::Chat, &model, &body, bearer(&headers)) {
        Answer::Error(status, kind, message, retry) => {
            with_retry(openai::error(status, kind, &message), retry)
        }
        Answer::Turn(script) if stream => {
            sse_response(chat::events(&script), &script.ending, shared.pace())
        }
        Answer::Turn(script) => axum::Json(chat::full(&script)).into_response(),
    }
}

async fn gemini_generate(
    State(shared): State<Arc<Shared>>,
    Path(call): Path<String>,
    request: Request,
) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    let Some((model, action)) = call.rsplit_once(':') else {
        return gemini::error(404, "not_found", &format!("no such method: {call}"));
    };
    let stream = match action {
        "streamGenerateContent" => true,
        "generateContent" => false,
        _ => return gemini::error(404, "not_found", &format!("no such method: {action}")),
    };
    let query_key = uri.query().and_then(|q| {
        q.split('&')
            .find_map(|kv| kv.strip_prefix("key="))
            .map(String::from)
    });
    let key = header(&headers, "x-goog-api-key")
        .map(String::from)
        .or(query_key);
    match answer(&shared, Wire::Gemini, model, &body, key.as_deref()) {
        Answer::Error(status, kind, message, retry) => {
            with_retry(gemini::error(status, kind, &message), retry)
        }
        Answer::Turn(script) if stream => {
            if !uri.query().unwrap_or("").contains("alt=sse") {
                return gemini::error(400, "invalid", "fake-apis streams only with alt=sse");
            }
            sse_response(gemini::events(&script), &script.ending, shared.pace())
        }
        Answer::Turn(script) => axum::Json(gemini::full(&script)).into_response(),
    }
}

/// The model names the lists show: each scenario under a few real model names.
pub fn listed_models() -> Vec<String> {
    let bases = [
        "claude-sonnet-4-5",
        "gpt-5",
        "gemini-2.5-flash",
        "qwen2.5-coder:14b",
    ];
    let mut names = Vec::new();
    for base in bases {
        names.push(base.to_string());
        for (scenario, _) in SCENARIOS {
            names.push(format!("{base}+{scenario}"));
        }
    }
    names
}

async fn list_models(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    if header(&headers, "x-goog-api-key").is_some() {
        // google-genai lists models under /v1 by default.
        return gemini_list();
    }
    let anthropic = header(&headers, "anthropic-version").is_some();
    let key = if anthropic {
        header(&headers, "x-api-key").or_else(|| bearer(&headers))
    } else {
        bearer(&headers)
    };
    if anthropic && key.is_none() {
        return anthropic::error(401, "auth", "no API key was sent");
    }
    let names = listed_models();
    if anthropic {
        let data: Vec<Value> = names
            .iter()
            .map(|n| json!({"type": "model", "id": n, "display_name": n, "created_at": "2025-09-29T00:00:00Z"}))
            .collect();
        let (first, last) = (names.first(), names.last());
        return axum::Json(
            json!({"data": data, "has_more": false, "first_id": first, "last_id": last}),
        )
        .into_response();
    }
    let data: Vec<Value> = names
        .iter()
        .map(|n| json!({"id": n, "object": "model", "created": 1_727_000_000, "owned_by": "fake-apis"}))
        .collect();
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

async fn gemini_models(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (method, uri, headers, body) = read_json(request).await;
    record(&shared, &method, &uri, &headers, &body);
    if header(&headers, "x-goog-api-key").is_none() && !uri.query().unwrap_or("").contains("key=") {
        return gemini::error(401, "auth", "no API key was sent");
    }
    gemini_list()
}

fn gemini_list() -> Response {
    let models: Vec<Value> = listed_models()
        .iter()
        .map(|n| json!({"name": format!("models/{n}"), "displayName": n, "supportedGenerationMethods": ["generateContent", "countTokens"]}))
        .collect();
    axum::Json(json!({"models": models})).into_response()
}

async fn not_found(uri: Uri) -> Response {
    (
        StatusCode::NOT_FOUND,
        format!("fake-apis: no route for {}", uri.path()),
    )
        .into_response()
}

fn with_retry(mut response: Response, retry_after: Option<&'static str>) -> Response {
    if let Some(seconds) = retry_after {
        if let Ok(value) = seconds.parse() {
            response.headers_mut().insert("retry-after", value);
        }
    }
    response
}

/// Server-sent events as a streamed body, ended as the script says.
fn sse_response(events: Vec<Sse>, ending: &Ending, pace: Duration) -> Response {
    let encode = |e: &Sse| {
        let mut out = String::new();
        if let Some(name) = &e.event {
            out.push_str(&format!("event: {name}\n"));
        }
        out.push_str(&format!("data: {}\n\n", e.data));
        Bytes::from(out)
    };
    // A cut or hang always comes before the stream's last event.
    let before_end = |n: usize| n.min(events.len().saturating_sub(1));
    let (keep, tail) = match ending {
        Ending::Complete => (events.len(), Tail::End),
        Ending::Cut(n) => (before_end(*n), Tail::Drop),
        Ending::Hang(n) => (before_end(*n), Tail::Hang),
        // The wire module put its error event where the stream breaks.
        Ending::Error(_) => (events.len(), Tail::End),
    };
    let chunks: Vec<Bytes> = events.iter().take(keep).map(encode).collect();
    // Small pauses between events, as a real stream has.
    let head = futures_util::stream::iter(chunks).then(move |chunk| async move {
        if !pace.is_zero() {
            tokio::time::sleep(pace).await;
        }
        Ok::<Bytes, std::io::Error>(chunk)
    });
    let body = match tail {
        Tail::End => Body::from_stream(head),
        Tail::Drop => Body::from_stream(head.chain(futures_util::stream::once(async {
            Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "fake-apis cut the stream",
            ))
        }))),
        Tail::Hang => Body::from_stream(head.chain(futures_util::stream::pending())),
    };
    Response::builder()
        .header("content-type", "text/event-stream")
        .header("cache-control", "no-cache")
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

enum Tail {
    End,
    Drop,
    Hang,
}

/// An error response with a JSON body.
pub(crate) fn json_error(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}
