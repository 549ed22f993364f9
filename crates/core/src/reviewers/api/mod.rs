//! Reviewers that talk to a model's HTTP API directly: `anthropic` (Messages),
//! `openai` (Responses), `gemini-api` (`streamGenerateContent`) and
//! `openai-compatible` (Chat Completions at a `base_url`: Ollama, vLLM, llama.cpp
//! server, LM Studio). Each protocol is one module implementing [`Protocol`]: the
//! request body, the authentication headers, the stream's events and the error bodies.
//! What they share lives here: the review loop (prompt → streamed turn → tool calls →
//! tool results → … → the review), retries with backoff, the per-reviewer timeout,
//! token accounting and the budget ([`price`]).
//!
//! What the model reads is [`context`] (the diff and the changed files' surroundings,
//! packed within a token budget); what it may call is [`tools`] (read-only
//! investigation of the checkout).
//!
//! The key is sent in a header only and is replaced by `[redacted]` (then
//! [`crate::secrets::mask_secrets`] runs) in everything this module writes: transcript,
//! errors, notes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

use super::env::HostEnv;
use super::needs::{self, Credential};
use super::{Outcome, Progress, RunContext};
use crate::config::{BackendKind, Price, ReviewerConfig};
use crate::model::{RunStatus, Tokens};
use crate::prose::duration_clock;
use crate::prose::plural;

mod anthropic;
pub mod context;
mod gemini_api;
mod openai;
mod openai_compat;
pub mod price;
pub mod tools;

/// The most output tokens one turn may ask for (thinking included), unless the budget
/// leaves less.
pub(crate) const MAX_OUTPUT_PER_TURN: u64 = 32_000;
/// Below this many output tokens left, a turn is not worth starting.
const MIN_OUTPUT_PER_TURN: u64 = 256;
/// The longest `Retry-After` honoured; longer waits are cut to this.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// How much of an error body is read.
const ERROR_BODY_CAP: usize = 64 * 1024;
/// The most one response may send (its events, before parsing).
const MAX_RESPONSE_BYTES: usize = 64 << 20;
/// The most of a run's transcript kept.
const MAX_TRANSCRIPT_BYTES: usize = 32 << 20;
/// Connecting may take this long (the whole run is bounded by the reviewer's timeout).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(20);

/// One tool a model may call: the shape every protocol's tool declaration is built from.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolDef {
    pub name: String,
    pub description: String,
    /// A JSON Schema object.
    pub parameters: Value,
}

/// What a tool call returned.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub text: String,
    pub is_error: bool,
}

/// What the review loop needs from a toolbox (the investigation tools over the
/// checkout). Synchronous: tools read local files and run `git` briefly.
pub trait Tools: Send {
    fn specs(&self) -> Vec<ToolDef>;
    fn call(&mut self, name: &str, arguments: &Value) -> ToolOutput;
    /// Tool calls the model may still make.
    fn steps_left(&self) -> u32;
}

/// No tools: the model reviews from the prompt alone.
pub struct NoTools;

impl Tools for NoTools {
    fn specs(&self) -> Vec<ToolDef> {
        Vec::new()
    }
    fn call(&mut self, name: &str, _: &Value) -> ToolOutput {
        ToolOutput {
            text: format!("there is no tool `{name}`"),
            is_error: true,
        }
    }
    fn steps_left(&self) -> u32 {
        0
    }
}

/// A tool call the model made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ToolCall {
    /// The protocol's call id (`toolu_…`, `call_…`; Gemini's function name when it
    /// gives none).
    pub id: String,
    pub name: String,
    pub arguments: Value,
}

/// Why a turn ended, as the stream said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Stop {
    #[default]
    EndTurn,
    ToolUse,
    /// The output limit of the turn was reached.
    MaxTokens,
}

/// One streamed assistant turn, as a protocol's parser assembled it.
#[derive(Debug, Default)]
pub(crate) struct Turn {
    pub text: String,
    pub calls: Vec<ToolCall>,
    /// The turn as the protocol wants it echoed back in the next request's history
    /// (thinking signatures, reasoning items and call ids included).
    pub echo: Vec<Value>,
    pub usage: Tokens,
    pub model: Option<String>,
    pub stop: Stop,
    /// The stream's terminal event arrived.
    pub complete: bool,
}

/// Everything one request needs.
pub(crate) struct TurnRequest<'a> {
    pub model: &'a str,
    pub system: &'a str,
    pub history: &'a [Value],
    pub tools: &'a [ToolDef],
    pub effort: Option<&'a str>,
    pub max_output: u64,
}

/// What one protocol module provides.
pub(crate) trait Protocol: Send + Sync {
    /// The API's base URL when neither `base_url` nor the backend's variable is set.
    fn default_base_url(&self) -> Option<&'static str>;
    /// The streaming endpoint for `model` under `base`.
    fn stream_url(&self, base: &str, model: &str) -> String;
    /// The model-list endpoint (readiness `--check`).
    fn models_url(&self, base: &str) -> String;
    /// The authentication and version headers.
    fn headers(&self, key: Option<&str>) -> Vec<(&'static str, String)>;
    fn body(&self, request: &TurnRequest<'_>) -> Value;
    /// The history entry for the user's prompt.
    fn user_message(&self, text: &str) -> Value;
    /// The history entries carrying tool results back.
    fn tool_results(&self, results: &[(ToolCall, ToolOutput)]) -> Vec<Value>;
    fn parser(&self) -> Box<dyn TurnParser>;
    /// The model ids a model-list response names.
    fn listed_models(&self, body: &Value) -> Vec<String>;
}

/// Reads one turn's server-sent events.
pub(crate) trait TurnParser: Send {
    /// One event (`event:` name, possibly empty, and `data:`). `Ok(true)` when the turn
    /// is complete; `Err` carries the API's own error message from the stream.
    fn event(&mut self, name: &str, data: &str) -> Result<bool, String>;
    /// The turn assembled so far.
    fn take(&mut self) -> Turn;
}

fn protocol(backend: BackendKind) -> Option<&'static dyn Protocol> {
    Some(match backend {
        BackendKind::Anthropic => &anthropic::Anthropic,
        BackendKind::Openai => &openai::OpenAi,
        BackendKind::GeminiApi => &gemini_api::GeminiApi,
        BackendKind::OpenaiCompatible => &openai_compat::OpenAiCompat,
        _ => return None,
    })
}

/// Whether `backend` is one of this module's.
pub fn is_api(backend: BackendKind) -> bool {
    protocol(backend).is_some()
}

/// Where an API reviewer's requests go and with which key.
#[derive(Clone)]
pub(crate) struct Endpoint {
    pub base_url: String,
    pub key: Option<String>,
    /// Where the key came from, for messages (`ANTHROPIC_API_KEY`).
    pub key_var: Option<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("key_var", &self.key_var)
            .finish_non_exhaustive()
    }
}

/// The endpoint `config` runs against: `base_url`, else the backend's variable, else
/// the API's own; the key from [`needs::find_credential`]. Errors say what to set.
pub(crate) fn endpoint(config: &ReviewerConfig, host: &HostEnv) -> Result<Endpoint, String> {
    let protocol = protocol(config.backend).ok_or("not an API backend")?;
    let needs = needs::of(config.backend);
    let base_url = config
        .base_url
        .clone()
        .or_else(|| {
            needs
                .base_url_var
                .and_then(|v| host.get(v))
                .filter(|v| !v.trim().is_empty())
                .map(String::from)
        })
        .or_else(|| protocol.default_base_url().map(String::from))
        .ok_or_else(|| {
            "no base_url: set `base_url` in the reviewer's table (e.g. \
             \"http://127.0.0.1:11434/v1\" for Ollama) or OPENAI_BASE_URL"
                .to_string()
        })?;
    let base_url = base_url.trim().trim_end_matches('/').to_string();
    let (key, key_var) = match needs::find_credential(config, host)? {
        Credential::Var(var) => (host.get(&var).map(|k| k.trim().to_string()), Some(var)),
        Credential::LoginFile(_) | Credential::NotNeeded => (None, None),
    };
    Ok(Endpoint {
        base_url,
        key,
        key_var,
    })
}

/// Runs an API reviewer with the investigation tools ([`tools::Toolbox`]) over its
/// checkout.
pub(crate) async fn run(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    let mut toolbox = tools::Toolbox::new(&ctx.checkout, tools::ToolLimits::default());
    run_with_tools(config, ctx, host, progress, cancel, &mut toolbox).await
}

impl Tools for tools::Toolbox {
    fn specs(&self) -> Vec<ToolDef> {
        tools::Toolbox::specs()
            .into_iter()
            .map(|s| ToolDef {
                name: s.name.to_string(),
                description: s.description.to_string(),
                parameters: s.parameters,
            })
            .collect()
    }
    fn call(&mut self, name: &str, arguments: &Value) -> ToolOutput {
        let result = tools::Toolbox::call(self, name, arguments);
        ToolOutput {
            text: result.text,
            is_error: result.is_error,
        }
    }
    fn steps_left(&self) -> u32 {
        tools::Toolbox::steps_left(self)
    }
}

/// What to set when `config` names no model (an API has no default model).
pub(crate) fn missing_model(config: &ReviewerConfig) -> Option<String> {
    config
        .model
        .as_deref()
        .is_none_or(|m| m.trim().is_empty())
        .then(|| {
            format!(
                "no model: set `model` in [reviewers.{}] (e.g. {})",
                config.name,
                price::example_model(config.backend)
            )
        })
}

/// Runs an API reviewer: the review loop with `tools`, bounded by the reviewer's
/// timeout and `cancel`. Whatever arrived before a failure is in the transcript.
pub(crate) async fn run_with_tools(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
    tools: &mut dyn Tools,
) -> Outcome {
    let Some(protocol) = protocol(config.backend) else {
        return Outcome::failed("internal error: not an API backend");
    };
    if let Some(why) = missing_model(config) {
        return Outcome::failed(why);
    }
    let model = config.model.clone().unwrap_or_default();
    let endpoint = match endpoint(config, host) {
        Ok(e) => e,
        Err(why) => return Outcome::failed(why),
    };
    let budget = config
        .context_tokens
        .map_or(context::DEFAULT_BUDGET_TOKENS, |t| {
            usize::try_from(t).unwrap_or(usize::MAX)
        });
    let (prompt, context_notes) = match user_prompt(ctx, budget).await {
        Ok(p) => p,
        Err(why) => return Outcome::failed(why),
    };
    let client = match client() {
        Ok(c) => c,
        Err(why) => return Outcome::failed(why),
    };
    let mut session = Session::new(config, &model, endpoint.key.clone());
    session.notes.extend(context_notes);
    let timeout = config.timeout;
    let ended = {
        let review = review_loop(
            &mut session,
            Call {
                client: &client,
                protocol,
                endpoint: &endpoint,
                config,
                model: &model,
                progress,
            },
            &prompt,
            tools,
        );
        tokio::select! {
            ended = review => ended,
            _ = tokio::time::sleep(timeout) => Ended::TimedOut,
            _ = cancel.cancelled() => Ended::Cancelled,
        }
    };
    session.outcome(ended, timeout)
}

/// A client for one run: rustls, no proxy lookup surprises, a connect timeout.
fn client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .user_agent(concat!("deep-review/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot create the HTTP client: {e}"))
}

/// The user message: the review prompt with its diff block replaced by the packed
/// context ([`context::pack`]: the diff and the code around each hunk, within
/// `context_tokens`); a prompt without the diff inline (too large, or a custom template)
/// gets the packed context appended. What did not fit is listed in the returned notes.
async fn user_prompt(
    ctx: &RunContext,
    budget_tokens: usize,
) -> Result<(String, Vec<String>), String> {
    let read = |path: std::path::PathBuf| async move {
        tokio::fs::read(&path)
            .await
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let prompt = read(ctx.prompt_file.clone()).await?;
    let diff = read(ctx.diff_file.clone()).await.unwrap_or_default();
    if diff.trim().is_empty() {
        return Ok((prompt, Vec::new()));
    }
    let checkout = ctx.checkout.clone();
    let packed = {
        let diff = diff.clone();
        tokio::task::spawn_blocking(move || context::pack(&checkout, &diff, budget_tokens))
            .await
            .map_err(|e| format!("internal error packing the context: {e}"))?
    };
    // The block `prompt.rs` puts the diff in, spelled the same way.
    let inline = crate::prompt::data_block("diff", &diff, "diff");
    let text = match prompt.find(&inline) {
        Some(at) => {
            let mut text = String::with_capacity(prompt.len() + packed.text.len());
            text.push_str(&prompt[..at]);
            text.push_str(&packed.text);
            text.push_str(&prompt[at + inline.len()..]);
            text
        }
        None => format!("{prompt}\n\n{}", packed.text),
    };
    let notes = packed
        .omitted
        .iter()
        .map(|o| format!("context left out: {o}"))
        .collect();
    Ok((text, notes))
}

/// The system instruction: how an API reviewer works (the prompt itself is written for
/// agents that can run commands).
fn system_text(tools: &[ToolDef]) -> String {
    if tools.is_empty() {
        "You are a code reviewer answering over an API. You cannot run commands or read \
         files: review the change from the diff and context in the message, and say what \
         you could not check."
            .to_string()
    } else {
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_str()).collect();
        format!(
            "You are a code reviewer answering over an API. You cannot run commands; to \
             look at the read-only checkout use the tools ({}). When you have seen \
             enough, write the review.",
            names.join(", ")
        )
    }
}

/// What every request of one run shares.
struct Call<'a> {
    client: &'a reqwest::Client,
    protocol: &'static dyn Protocol,
    endpoint: &'a Endpoint,
    config: &'a ReviewerConfig,
    model: &'a str,
    progress: &'a Progress,
}

/// How the review loop ended.
#[derive(Debug)]
enum Ended {
    /// The model finished its review.
    Done,
    /// Stopped at a budget; the reason.
    Budget(String),
    Failed(String),
    TimedOut,
    Cancelled,
}

/// What a run accumulates; read after the loop ends however it ends.
struct Session {
    key: Option<String>,
    model: String,
    price: Option<Price>,
    max_tokens: Option<u64>,
    budget_usd: Option<f64>,
    transcript: Vec<u8>,
    tokens: Tokens,
    /// The model the API said answered.
    answered_by: Option<String>,
    /// Each turn's text, in order.
    texts: Vec<String>,
    /// Whether the last turn's text is the finished review.
    finished: bool,
    tool_calls: BTreeMap<String, u64>,
    notes: Vec<String>,
    turns: u32,
    retries: u32,
    /// The last request body sent, so the next one is logged by what it adds.
    last_request: Option<Value>,
}

impl Session {
    fn new(config: &ReviewerConfig, model: &str, key: Option<String>) -> Session {
        Session {
            key,
            model: model.to_string(),
            price: config.price.or_else(|| price::default_price(model)),
            max_tokens: config.max_tokens,
            budget_usd: config.budget_usd,
            transcript: Vec::new(),
            tokens: Tokens::default(),
            answered_by: None,
            texts: Vec::new(),
            finished: false,
            tool_calls: BTreeMap::new(),
            notes: Vec::new(),
            turns: 0,
            retries: 0,
            last_request: None,
        }
    }

    /// Replaces the key, then every other secret, in text this run writes.
    fn redact(&self, text: &str) -> String {
        redact(self.key.as_deref(), text)
    }

    /// One transcript line.
    fn log(&mut self, line: Value) {
        if self.transcript.len() > MAX_TRANSCRIPT_BYTES {
            return;
        }
        let text = self.redact(&line.to_string());
        self.transcript.extend_from_slice(text.as_bytes());
        self.transcript.push(b'\n');
        if self.transcript.len() > MAX_TRANSCRIPT_BYTES {
            self.notes.push(format!(
                "the transcript was cut at {} MiB",
                MAX_TRANSCRIPT_BYTES >> 20
            ));
        }
    }

    fn cost(&self) -> Option<f64> {
        self.price.map(|p| price::cost(&p, &self.tokens))
    }

    /// Whether the next request (about `next_input` prompt tokens) fits the budget, and
    /// how many output tokens it may ask for; `Err` says which limit stops the run.
    fn allowance(&self, next_input: u64) -> Result<u64, String> {
        let mut output = MAX_OUTPUT_PER_TURN;
        let used = self.tokens.input + self.tokens.output;
        if let Some(max) = self.max_tokens {
            let left = max.saturating_sub(used).saturating_sub(next_input);
            if left < MIN_OUTPUT_PER_TURN {
                return Err(format!(
                    "stopped at max_tokens = {max}: {used} used, the next request needs \
                     about {next_input} more"
                ));
            }
            output = output.min(left);
        }
        if let (Some(budget), Some(p)) = (self.budget_usd, self.price) {
            let spent = self.cost().unwrap_or(0.0);
            let input_cost = next_input as f64 * p.input / 1e6;
            let left = budget - spent - input_cost;
            let affordable = if p.output > 0.0 {
                (left.max(0.0) * 1e6 / p.output) as u64
            } else {
                u64::MAX
            };
            if affordable < MIN_OUTPUT_PER_TURN {
                return Err(format!(
                    "stopped at budget_usd = {budget:.2}: ${spent:.4} spent, the next \
                     request would cost about ${input_cost:.4} before any output"
                ));
            }
            output = output.min(affordable);
        }
        Ok(output)
    }

    /// The limit the tokens used so far broke, if any.
    fn over_budget(&self) -> Option<String> {
        let used = self.tokens.input + self.tokens.output;
        if let Some(max) = self.max_tokens.filter(|m| used > *m) {
            return Some(format!("stopped at max_tokens = {max}: {used} used"));
        }
        match (self.budget_usd, self.cost()) {
            (Some(budget), Some(spent)) if spent > budget => Some(format!(
                "stopped at budget_usd = {budget:.2}: ${spent:.4} spent"
            )),
            _ => None,
        }
    }

    fn add_usage(&mut self, usage: &Tokens) {
        self.tokens.input += usage.input;
        self.tokens.output += usage.output;
        self.tokens.cached += usage.cached;
        self.tokens.reasoning += usage.reasoning;
    }

    /// The run's outcome: the status from how the loop ended, the review (the finished
    /// review, or on a budget stop whatever text arrived), tokens, cost and transcript.
    fn outcome(mut self, ended: Ended, timeout: Duration) -> Outcome {
        if self.budget_usd.is_some() && self.price.is_none() {
            self.notes.push(format!(
                "budget_usd was not enforced: no price is known for `{}` (set `price` in \
                 the reviewer's table)",
                self.model
            ));
        }
        if self.retries > 0 {
            let n = self.retries;
            self.notes.insert(
                0,
                format!("{} retried", plural(n as usize, "request", "requests")),
            );
        }
        let partial = || {
            let text = self.texts.join("\n\n");
            crate::review_text::usable_review(text.as_bytes()).ok()
        };
        let (status, error, review) = match ended {
            Ended::Done => {
                let text = self.texts.last().cloned().unwrap_or_default();
                match crate::review_text::usable_review(text.as_bytes()) {
                    Ok(review) if self.finished => (RunStatus::Ok, None, Some(review)),
                    Ok(_) => (
                        RunStatus::Failed,
                        Some("the model did not finish".into()),
                        None,
                    ),
                    Err(reason) => (RunStatus::Failed, Some(reason), None),
                }
            }
            Ended::Budget(why) => {
                let review = partial();
                let why = if review.is_none() {
                    format!("{why}, before it wrote a review")
                } else {
                    why
                };
                (RunStatus::BudgetExceeded, Some(why), review)
            }
            Ended::Failed(why) => (RunStatus::Failed, Some(why), None),
            Ended::TimedOut => (
                RunStatus::TimedOut,
                Some(format!("timed out after {}", duration_clock(timeout))),
                None,
            ),
            Ended::Cancelled => (RunStatus::NotFinished, Some("cancelled".into()), None),
        };
        let error = error.map(|e| self.redact(&e));
        let notes = self.notes.iter().map(|n| self.redact(n)).collect();
        let used = self.tokens != Tokens::default();
        Outcome {
            status,
            review,
            error,
            notes,
            tool_calls: std::mem::take(&mut self.tool_calls),
            tokens: used.then_some(self.tokens),
            cost_usd: if used { self.cost() } else { None },
            model: self.answered_by.take(),
            transcript: Some(std::mem::take(&mut self.transcript)),
            ..Outcome::default()
        }
    }
}

/// The review loop: send the history, stream the turn, run its tool calls, send the
/// results, until the model answers without calling a tool (or a limit stops it).
async fn review_loop(
    session: &mut Session,
    call: Call<'_>,
    prompt: &str,
    tools: &mut dyn Tools,
) -> Ended {
    let mut specs = tools.specs();
    let known: Vec<String> = specs.iter().map(|t| t.name.clone()).collect();
    let mut system = system_text(&specs);
    let mut history = vec![call.protocol.user_message(prompt)];
    // Prompt tokens of the next request: estimated for the first, then the last turn's
    // usage plus what goes back.
    let tokens = |text: &str| context::estimate_tokens(text) as u64;
    let mut next_input = tokens(&system) + tokens(prompt);
    loop {
        let max_output = match session.allowance(next_input) {
            Ok(n) => n,
            Err(why) => return Ended::Budget(why),
        };
        let request = TurnRequest {
            model: call.model,
            system: &system,
            history: &history,
            tools: &specs,
            effort: call.config.effort.as_deref(),
            max_output,
        };
        let body = call.protocol.body(&request);
        session.turns += 1;
        let turn = match stream_turn(session, &call, &body).await {
            Ok(turn) => turn,
            // Many local models (and some servers) take no tools: review without them.
            Err(why) if session.turns == 1 && !specs.is_empty() && refuses_tools(&why) => {
                session.notes.push(format!(
                    "the model takes no tools, so it reviewed without them ({why})"
                ));
                specs.clear();
                system = system_text(&specs);
                continue;
            }
            Err(why) => return Ended::Failed(why),
        };
        session.add_usage(&turn.usage);
        if turn.model.is_some() {
            session.answered_by.clone_from(&turn.model);
        }
        let tool_turn = !turn.calls.is_empty();
        if !turn.text.trim().is_empty() {
            session.texts.push(turn.text.clone());
        }
        if let Some(why) = session.over_budget() {
            return Ended::Budget(why);
        }
        if !tool_turn {
            if turn.stop == Stop::MaxTokens {
                return Ended::Budget(format!(
                    "the model reached the output limit of {max_output} tokens"
                ));
            }
            session.finished = true;
            return Ended::Done;
        }
        history.extend(turn.echo);
        let mut results = Vec::new();
        let mut results_tokens = 0;
        for tool_call in turn.calls {
            call.progress.tool_call(&tool_call.name);
            // A name the model made up is counted as `unknown`, not under its own.
            let counted = if known.contains(&tool_call.name) {
                tool_call.name.clone()
            } else {
                "unknown".to_string()
            };
            *session.tool_calls.entry(counted).or_default() += 1;
            let output = if tools.steps_left() == 0 {
                ToolOutput {
                    text: "the tool-call limit is reached: write the review now from what \
                           you have seen"
                        .to_string(),
                    is_error: true,
                }
            } else if tokio::runtime::Handle::current().runtime_flavor()
                == tokio::runtime::RuntimeFlavor::MultiThread
            {
                // Tools read files and run git (a search may take seconds): keep the
                // other reviewers' tasks moving meanwhile.
                tokio::task::block_in_place(|| tools.call(&tool_call.name, &tool_call.arguments))
            } else {
                tools.call(&tool_call.name, &tool_call.arguments)
            };
            session.log(json!({
                "tool_call": tool_call.name,
                "arguments": tool_call.arguments,
                "is_error": output.is_error,
                "result_bytes": output.text.len(),
            }));
            results_tokens += tokens(&output.text);
            results.push((tool_call, output));
        }
        history.extend(call.protocol.tool_results(&results));
        if tools.steps_left() == 0 {
            // No tools offered: the model has to answer.
            specs.clear();
        }
        // The next request carries this one's input, this turn and the results.
        next_input = turn.usage.input + turn.usage.output + results_tokens;
    }
}

/// Whether an error says the model or server does not support tool calling
/// (Ollama: "… does not support tools"; vLLM: "tool choice requires …").
fn refuses_tools(error: &str) -> bool {
    let e = error.to_lowercase();
    e.contains("tool")
        && [
            "not support",
            "unsupported",
            "does not support",
            "requires --enable-auto-tool-choice",
        ]
        .iter()
        .any(|w| e.contains(w))
}

/// A request body as the transcript keeps it: each top-level array that only grew
/// since the previous request (the conversation, whatever the protocol calls it) is
/// logged as the items it added, after a note of how many it kept, so a long tool loop
/// logs each message once rather than once per turn.
fn logged_body(previous: Option<&Value>, body: &Value) -> Value {
    let (Some(Value::Object(before)), Value::Object(now)) = (previous, body) else {
        return body.clone();
    };
    let mut out = now.clone();
    for (key, value) in now {
        let (Some(Value::Array(old)), Value::Array(new)) = (before.get(key), value) else {
            continue;
        };
        if !old.is_empty() && new.len() >= old.len() && new[..old.len()] == old[..] {
            let mut logged = vec![json!({"unchanged_from_the_previous_request": old.len()})];
            logged.extend(new[old.len()..].iter().cloned());
            out.insert(key.clone(), Value::Array(logged));
        }
    }
    Value::Object(out)
}

/// Why one request failed.
#[derive(Debug)]
struct RequestError {
    message: String,
    /// Worth another try (429, 5xx, a lost connection).
    retry: bool,
    /// The server's `Retry-After`.
    retry_after: Option<Duration>,
}

/// Sends one request (with retries) and reads its stream into a turn.
async fn stream_turn(session: &mut Session, call: &Call<'_>, body: &Value) -> Result<Turn, String> {
    let url = call
        .protocol
        .stream_url(&call.endpoint.base_url, call.model);
    let logged = logged_body(session.last_request.as_ref(), body);
    session.log(json!({"request": {"url": url, "body": logged}}));
    session.last_request = Some(body.clone());
    let payload = body.to_string();
    let started = Instant::now();
    let tries = std::sync::atomic::AtomicU32::new(0);
    let log = std::sync::Mutex::new(Vec::<Value>::new());
    let send = || async {
        tries.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut request = call
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("accept", "text/event-stream");
        for (name, value) in call.protocol.headers(call.endpoint.key.as_deref()) {
            request = request.header(name, value);
        }
        let response = request
            .body(payload.clone())
            .send()
            .await
            .map_err(|e| RequestError {
                message: transport_message(&e, &call.endpoint.base_url),
                retry: true,
                retry_after: None,
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let retry_after = retry_after(response.headers());
        let text = read_capped(response).await;
        if let Ok(mut log) = log.lock() {
            log.push(json!({"http_status": status.as_u16(), "body": text}));
        }
        Err(RequestError {
            message: http_message(status.as_u16(), &text, call),
            retry: matches!(
                status.as_u16(),
                408 | 409 | 429 | 500 | 502 | 503 | 504 | 529
            ),
            retry_after,
        })
    };
    let backoff = ExponentialBuilder::default()
        .with_min_delay(call.config.retry_delay)
        .with_max_delay(Duration::from_secs(60))
        .with_max_times(call.config.retries as usize)
        .with_jitter();
    let sent = send
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|e: &RequestError| e.retry)
        .adjust(|e: &RequestError, next: Option<Duration>| {
            next.map(|d| e.retry_after.map_or(d, |r| r.min(MAX_RETRY_AFTER)))
        })
        .await;
    for line in log.into_inner().unwrap_or_default() {
        session.log(line);
    }
    let tries = tries.into_inner();
    session.retries += tries.saturating_sub(1);
    let response = match sent {
        Ok(r) => r,
        Err(e) if tries > 1 => {
            return Err(format!(
                "{} (gave up after {tries} tries over {})",
                e.message,
                duration_clock(started.elapsed())
            ))
        }
        Err(e) => return Err(e.message),
    };
    let mut parser = call.protocol.parser();
    // A server that never stops (or never ends a line) is cut off at the cap.
    let mut received = 0usize;
    let capped = response.bytes_stream().map(move |chunk| {
        let chunk = chunk.map_err(Capped::Transport)?;
        received += chunk.len();
        if received > MAX_RESPONSE_BYTES {
            return Err(Capped::TooLarge);
        }
        Ok(chunk)
    });
    let mut events = capped.eventsource();
    let mut failure = None;
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => {
                session.log(json!({"event": event.event, "data": event.data}));
                match parser.event(&event.event, &event.data) {
                    Ok(true) => break,
                    Ok(false) => {}
                    Err(api_error) => {
                        failure =
                            Some(format!("the API reported an error mid-stream: {api_error}"));
                        break;
                    }
                }
            }
            Err(e) => {
                failure = Some(format!("the response stream broke: {e}"));
                break;
            }
        }
    }
    let turn = parser.take();
    if !turn.text.is_empty() {
        // What arrived is in the transcript event by event; this line is its sum.
        session.log(json!({"turn_text": turn.text}));
    }
    if let Some(why) = failure {
        return Err(why);
    }
    if !turn.complete {
        return Err(format!(
            "the response stream ended before the turn was complete ({} characters of text \
             arrived; they are in the transcript)",
            turn.text.chars().count()
        ));
    }
    Ok(turn)
}

/// Why the response's bytes stopped.
#[derive(Debug)]
enum Capped {
    Transport(reqwest::Error),
    TooLarge,
}

impl std::fmt::Display for Capped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Capped::Transport(e) => {
                f.write_str(&innermost_cause(e).unwrap_or_else(|| e.to_string()))
            }
            Capped::TooLarge => write!(f, "the response exceeded {} MiB", MAX_RESPONSE_BYTES >> 20),
        }
    }
}

/// A transport error in plain words.
fn transport_message(e: &reqwest::Error, base: &str) -> String {
    let what = if e.is_connect() {
        "cannot connect to"
    } else if e.is_timeout() {
        "timed out talking to"
    } else {
        "lost the connection to"
    };
    match innermost_cause(e) {
        Some(detail) if !detail.is_empty() => format!("{what} {base}: {detail}"),
        _ => format!("{what} {base}"),
    }
}

/// The innermost cause of an error, which says what happened (`connection reset`, …);
/// `None` when it has no source.
fn innermost_cause(e: &dyn std::error::Error) -> Option<String> {
    let mut detail = None;
    let mut source = e.source();
    while let Some(s) = source {
        detail = Some(s.to_string());
        source = s.source();
    }
    detail
}

/// An error response in plain words: what happened and what to do.
fn http_message(status: u16, body: &str, call: &Call<'_>) -> String {
    let api = api_error_text(body);
    let model = call.model;
    let key = call.endpoint.key_var.as_deref().unwrap_or("the API key");
    let detail = if api.is_empty() {
        String::new()
    } else {
        format!(": {api}")
    };
    let lower = api.to_lowercase();
    let too_long = [
        "too long",
        "context length",
        "context_length",
        "maximum context",
        "too many tokens",
        "exceeds the maximum number of tokens",
        "input token count",
    ];
    if too_long.iter().any(|w| lower.contains(w)) {
        return format!(
            "the prompt is too long for `{model}` (HTTP {status}{detail})\nhint: use a \
             model with a larger context window, or review a smaller change"
        );
    }
    match status {
        401 => format!(
            "the API rejected the key in {key} (HTTP 401{detail})\nhint: check that {key} \
             holds a valid key for {}",
            call.endpoint.base_url
        ),
        403 => format!(
            "the key in {key} may not use `{model}` (HTTP 403{detail})\nhint: check the \
             key's project and permissions"
        ),
        404 => format!(
            "model `{model}` was not found at {} (HTTP 404{detail})\nhint: check `model` \
             in the reviewer's table",
            call.endpoint.base_url
        ),
        429 => format!("rate limited (HTTP 429{detail})"),
        _ => format!("HTTP {status}{detail}"),
    }
}

/// The message in an error body, whichever API's shape it has: `{"error": {"message"}}`
/// (Anthropic, OpenAI, Gemini), `{"error": "..."}` (Ollama), `{"message"}`, or the text.
fn api_error_text(body: &str) -> String {
    let text = match serde_json::from_str::<Value>(body) {
        Ok(v) => {
            let error = v.get("error").unwrap_or(&v);
            let message = error
                .get("message")
                .and_then(Value::as_str)
                .or_else(|| error.as_str());
            let kind = error
                .get("type")
                .or_else(|| error.get("status"))
                .or_else(|| error.get("code"))
                .and_then(Value::as_str);
            match (kind, message) {
                (Some(k), Some(m)) => format!("{k}: {m}"),
                (None, Some(m)) => m.to_string(),
                _ => body.to_string(),
            }
        }
        Err(_) => body.to_string(),
    };
    let text = crate::prose::one_line(text.trim());
    text.chars().take(500).collect()
}

/// `Retry-After` in seconds (or `retry-after-ms`, which OpenAI and Anthropic send).
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name)?.to_str().ok()?.trim().parse::<f64>().ok();
    let d = get("retry-after-ms")
        .map(|ms| ms / 1000.0)
        .or_else(|| get("retry-after"))?;
    (d.is_finite() && d >= 0.0)
        .then(|| Duration::from_secs_f64(d.min(MAX_RETRY_AFTER.as_secs_f64())))
}

async fn read_capped(response: reqwest::Response) -> String {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(Ok(chunk)) = stream.next().await {
        body.extend_from_slice(&chunk);
        if body.len() >= ERROR_BODY_CAP {
            body.truncate(ERROR_BODY_CAP);
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

/// Replaces `key` with `[redacted]`, then masks every other secret the detector knows:
/// every text an API run or check writes or returns goes through here.
fn redact(key: Option<&str>, text: &str) -> String {
    let text = match key.filter(|k| k.len() >= 4) {
        Some(key) => text.replace(key, "[redacted]"),
        None => text.to_string(),
    };
    crate::secrets::mask_secrets(&text).into_owned()
}

/// For `deep-review reviewers --check`: whether the endpoint answers and lists the
/// model. `Ok` says what was found.
pub async fn check_endpoint(config: &ReviewerConfig, host: &HostEnv) -> Result<String, String> {
    let protocol = protocol(config.backend).ok_or("not an API backend")?;
    let endpoint = endpoint(config, host)?;
    let client = client()?;
    let url = protocol.models_url(&endpoint.base_url);
    let mut request = client.get(&url).timeout(Duration::from_secs(15));
    for (name, value) in protocol.headers(endpoint.key.as_deref()) {
        request = request.header(name, value);
    }
    let redact = |t: String| redact(endpoint.key.as_deref(), &t);
    let response = request
        .send()
        .await
        .map_err(|e| redact(transport_message(&e, &endpoint.base_url)))?;
    let status = response.status().as_u16();
    let text = read_capped(response).await;
    if !(200..300).contains(&status) {
        return Err(redact(format!(
            "{url} answered HTTP {status}: {}",
            api_error_text(&text)
        )));
    }
    let listed = serde_json::from_str::<Value>(&text)
        .map(|v| protocol.listed_models(&v))
        .unwrap_or_default();
    match config.model.as_deref() {
        Some(model) if listed.iter().any(|m| m == model) => {
            Ok(format!("{} lists {model}", endpoint.base_url))
        }
        Some(model) => Err(format!(
            "{} does not list model `{model}` ({} listed)",
            endpoint.base_url,
            plural(listed.len(), "model", "models")
        )),
        None => Err("no model: set `model` in the reviewer's table".to_string()),
    }
}

/// Parses one event's `data:` as JSON; a broken payload is the stream's error.
pub(crate) fn parse_data(data: &str) -> Result<Value, String> {
    serde_json::from_str(data).map_err(|e| format!("unreadable event data ({e})"))
}

/// A number in a JSON value at `path`, 0 when absent.
pub(crate) fn u64_at(value: &Value, path: &[&str]) -> u64 {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_u64)
        .unwrap_or(0)
}

/// Tool arguments as JSON: a model's broken JSON becomes `{}` plus the raw text so the
/// tool can say what was wrong.
pub(crate) fn parse_arguments(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return json!({});
    }
    serde_json::from_str(raw).unwrap_or_else(|_| json!({ "_unparsed": raw }))
}

#[cfg(test)]
mod tests;
