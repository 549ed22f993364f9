//! The `claude` backend: Claude Code headless (`claude -p … --output-format stream-json
//! --verbose`), read-only tools only, its configuration in a per-run directory, no
//! traffic but the model's.
//!
//! Stream (one JSON object per line): `system`/`init` (model), `assistant` events whose
//! `message.content[]` blocks are `text` or `tool_use` (each block its own event, the
//! same `id` possibly repeated), `user` tool results, and a closing `result` with the
//! final text, `is_error`, `api_error_status`, `usage`, `modelUsage`, `total_cost_usd`.

use std::path::Path;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::agent::{
    self, clip, parse_event, str_at, u64_at, AgentRun, FilesRead, Launch, PromptInput,
    StreamParser, StreamReport, ToolCounter,
};
use super::env::{self, HostEnv};
use super::needs::{self, HostNeeds, Login};
use super::{Outcome, Progress, RunContext};
use crate::config::ReviewerConfig;
use crate::model::Tokens;
use crate::process::ProcessSpec;

/// Tools offered to the model: reading and searching, and a shell whose pre-approved
/// commands are read-only git queries.
/// Claude Code's credentials, endpoint and login (`.claude.json` beside `.claude/` is
/// its settings file, not a login).
pub(crate) const NEEDS: HostNeeds = HostNeeds {
    program: Some("claude"),
    key_vars: &[
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_AUTH_TOKEN",
        "CLAUDE_CODE_OAUTH_TOKEN",
    ],
    key_aliases: &[],
    key_target: Some("ANTHROPIC_API_KEY"),
    base_url_var: Some("ANTHROPIC_BASE_URL"),
    login: Some(Login {
        what: "Claude Code",
        dir_var: Some("CLAUDE_CONFIG_DIR"),
        home_dir: ".claude",
        file: ".credentials.json",
        copy_to: "config/.credentials.json",
    }),
    login_needs_default_endpoint: false,
    hint: "set ANTHROPIC_API_KEY or run `claude` and log in",
};

const TOOLS: &str = "Read,Grep,Glob,Bash";
const ALLOWED_TOOLS: &[&str] = &[
    "Bash(git diff:*)",
    "Bash(git log:*)",
    "Bash(git show:*)",
    "Read",
    "Grep",
    "Glob",
];
const DISALLOWED_TOOLS: &[&str] = &["Edit", "Write", "NotebookEdit"];

pub(super) async fn run(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    agent::launch("claude", ctx, progress, cancel, |prompt, run_dir| {
        let spec = build(config, ctx, host, run_dir, prompt);
        let mut notes = Vec::new();
        prepare(config, &spec, host, run_dir, &mut notes)?;
        let agent = AgentRun {
            tool: "claude",
            spec,
            install_hint: "install Claude Code (`npm install -g @anthropic-ai/claude-code`) or set `binary` for this reviewer",
            exit_hint: |_| None,
            last_message_file: None,
            confine: true,
        };
        Ok(Launch { agent, parser: ClaudeStream::new(&ctx.checkout), notes })
    })
    .await
}

/// The command line and environment for one run; `run_dir` is the per-run directory
/// (its `home` and `config` subdirectories become `HOME` and `CLAUDE_CONFIG_DIR`).
pub(crate) fn build(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    run_dir: &Path,
    prompt: &PromptInput,
) -> ProcessSpec {
    let (mut spec, mut args) = agent::print_mode_spec(config, ctx, "claude", prompt);
    args.extend(
        [
            "--output-format",
            "stream-json",
            "--verbose",
            "--tools",
            TOOLS,
            "--allowedTools",
        ]
        .map(String::from),
    );
    args.extend(ALLOWED_TOOLS.iter().map(|t| t.to_string()));
    args.push("--disallowedTools".to_string());
    args.extend(DISALLOWED_TOOLS.iter().map(|t| t.to_string()));
    args.extend(["--permission-mode", "dontAsk", "--no-session-persistence"].map(String::from));
    if let Some(model) = &config.model {
        args.extend(["--model".to_string(), model.clone()]);
    }
    if let Some(effort) = &config.effort {
        args.extend(["--effort".to_string(), effort.clone()]);
    }
    args.extend(config.args.iter().cloned());
    spec.args = args;

    let mut vars = env::base(host, run_dir);
    needs::credential_env(&mut vars, config, host);
    vars.insert(
        "CLAUDE_CONFIG_DIR".to_string(),
        run_dir.join("config").display().to_string(),
    );
    for (k, v) in env::CLAUDE_QUIET {
        vars.insert(k.to_string(), v.to_string());
    }
    env::apply_configured(&mut vars, &config.env);
    spec.env = vars;
    spec
}

/// Creates the per-run home and config directories; with no API key in the environment,
/// copies the user's Claude Code login so a subscription login keeps working.
fn prepare(
    config: &ReviewerConfig,
    spec: &ProcessSpec,
    host: &HostEnv,
    run_dir: &Path,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    for dir in [run_dir.join("home"), run_dir.join("config")] {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    needs::copy_login(config, &spec.env, host, run_dir, notes);
    Ok(())
}

/// Reads Claude Code's `stream-json` output.
#[derive(Debug)]
pub(crate) struct ClaudeStream {
    tools: ToolCounter,
    files: FilesRead,
    init_model: Option<String>,
    last_text: Option<String>,
    result: Option<Value>,
    retries: u64,
    last_retry: Option<String>,
}

impl ClaudeStream {
    pub(crate) fn new(checkout: &Path) -> Self {
        ClaudeStream {
            tools: ToolCounter::default(),
            files: FilesRead::new(checkout),
            init_model: None,
            last_text: None,
            result: None,
            retries: 0,
            last_retry: None,
        }
    }
}

impl StreamParser for ClaudeStream {
    fn line(&mut self, line: &str, tools: &mut Vec<String>) {
        let Some(event) = parse_event(line) else {
            return;
        };
        match str_at(&event, &["type"]) {
            Some("system") => match str_at(&event, &["subtype"]) {
                Some("init") => self.init_model = str_at(&event, &["model"]).map(String::from),
                Some("api_retry") => {
                    self.retries += 1;
                    let status = event.get("error_status").map(|s| s.to_string());
                    let error = str_at(&event, &["error"]).map(String::from);
                    self.last_retry = match (status, error) {
                        (Some(s), Some(e)) => Some(format!("{s} {e}")),
                        (s, e) => s.or(e),
                    };
                }
                _ => {}
            },
            Some("assistant") => {
                let top_level = event.get("parent_tool_use_id").is_none_or(Value::is_null);
                let blocks = event
                    .pointer("/message/content")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                for block in blocks {
                    match str_at(block, &["type"]) {
                        Some("tool_use") => {
                            let name = str_at(block, &["name"]).unwrap_or("unknown");
                            let counted = self.tools.call(str_at(block, &["id"]), name, tools);
                            if counted && name == "Read" {
                                if let Some(path) = str_at(block, &["input", "file_path"]) {
                                    self.files.add(path);
                                }
                            }
                        }
                        Some("text") if top_level => {
                            if let Some(text) = str_at(block, &["text"]) {
                                self.last_text = Some(text.to_string());
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some("result") => self.result = Some(event),
            _ => {}
        }
    }

    fn finish(self) -> StreamReport {
        let mut report = StreamReport {
            tool_calls: self.tools.counts,
            files_read: self.files.into_vec(),
            model: self.init_model,
            ..StreamReport::default()
        };
        if self.retries > 0 {
            report.notes.push(format!(
                "the API call was retried {} time(s){}",
                self.retries,
                self.last_retry
                    .map(|r| format!(" (last: {r})"))
                    .unwrap_or_default()
            ));
        }
        let Some(result) = self.result else {
            return report;
        };
        report.completed = true;
        let text = str_at(&result, &["result"]).filter(|t| !t.trim().is_empty());
        if result.get("is_error").and_then(Value::as_bool) == Some(true) {
            report.error = Some(error_message(&result, text));
        } else {
            report.review = text.map(String::from).or(self.last_text);
        }
        if result.get("usage").is_some() {
            report.tokens = Some(Tokens {
                input: u64_at(&result, &["usage", "input_tokens"])
                    + u64_at(&result, &["usage", "cache_creation_input_tokens"])
                    + u64_at(&result, &["usage", "cache_read_input_tokens"]),
                output: u64_at(&result, &["usage", "output_tokens"]),
                ..Tokens::default()
            });
        }
        report.cost_usd = result.get("total_cost_usd").and_then(Value::as_f64);
        // `modelUsage` names the model that really answered (legacy names are remapped).
        if let Some(models) = result.get("modelUsage").and_then(Value::as_object) {
            if let Some((name, _)) = models
                .iter()
                .max_by_key(|(_, usage)| u64_at(usage, &["outputTokens"]))
            {
                report.model = Some(name.clone());
            }
        }
        if let Some(denials) = result.get("permission_denials").and_then(Value::as_array) {
            if !denials.is_empty() {
                let names: Vec<&str> = denials
                    .iter()
                    .filter_map(|d| str_at(d, &["tool_name"]))
                    .collect();
                report.notes.push(format!(
                    "{} tool call(s) denied: {}",
                    denials.len(),
                    names.join(", ")
                ));
            }
        }
        report
    }
}

/// One line for an error result: its text, its `errors`, or its subtype, with the API
/// status when there is one.
fn error_message(result: &Value, text: Option<&str>) -> String {
    let errors: Vec<&str> = result
        .get("errors")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let message = match text {
        Some(t) => t.to_string(),
        None if !errors.is_empty() => errors.join("; "),
        None => format!(
            "claude reported an error ({})",
            str_at(result, &["subtype"]).unwrap_or("no detail")
        ),
    };
    let message = match result.get("api_error_status").and_then(Value::as_u64) {
        Some(status) if !message.contains(&status.to_string()) => {
            format!("API error {status}: {message}")
        }
        _ => message,
    };
    clip(&message, 400)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    fn ctx() -> RunContext {
        RunContext::for_tests(&"b".repeat(40), &"h".repeat(40), 1)
    }

    fn parse(stream: &str) -> (StreamReport, Vec<String>) {
        ClaudeStream::new(Path::new("/home/user/probe/repo")).read_all(stream)
    }

    #[test]
    fn command_line_is_read_only_and_quiet() {
        let mut config = ReviewerConfig::new("claude", crate::config::BackendKind::Claude);
        config.model = Some("claude-opus-4-7".into());
        config.effort = Some("high".into());
        config.args = vec!["--max-turns".into(), "40".into()];
        config.api_key_env = Some("MY_ANTHROPIC".into());
        let host = HostEnv::from_pairs([
            ("PATH", "/bin"),
            ("HOME", "/home/me"),
            ("MY_ANTHROPIC", "sk-1"),
            ("SECRET", "x"),
        ]);
        let spec = build(
            &config,
            &ctx(),
            &host,
            Path::new("/tmp/r"),
            &PromptInput::Argument("-- Review this".into()),
        );
        assert_eq!(spec.program, "claude");
        assert_eq!(spec.cwd, PathBuf::from("/co"));
        assert_eq!(spec.stdin_file, None);
        let expected: Vec<&str> = vec![
            "-p",
            "\n-- Review this",
            "--output-format",
            "stream-json",
            "--verbose",
            "--tools",
            "Read,Grep,Glob,Bash",
            "--allowedTools",
            "Bash(git diff:*)",
            "Bash(git log:*)",
            "Bash(git show:*)",
            "Read",
            "Grep",
            "Glob",
            "--disallowedTools",
            "Edit",
            "Write",
            "NotebookEdit",
            "--permission-mode",
            "dontAsk",
            "--no-session-persistence",
            "--model",
            "claude-opus-4-7",
            "--effort",
            "high",
            "--max-turns",
            "40",
        ];
        assert_eq!(spec.args, expected);
        let env: BTreeMap<&str, &str> = spec
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            env,
            BTreeMap::from([
                ("ANTHROPIC_API_KEY", "sk-1"),
                ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
                ("CLAUDE_CODE_MAX_RETRIES", "2"),
                ("CLAUDE_CONFIG_DIR", "/tmp/r/config"),
                ("DISABLE_AUTOUPDATER", "1"),
                ("DISABLE_ERROR_REPORTING", "1"),
                ("DISABLE_TELEMETRY", "1"),
                ("HOME", "/tmp/r/home"),
                ("PATH", "/bin"),
                ("TERM", "dumb"),
                ("TMPDIR", "/tmp/r/tmp"),
            ])
        );
    }

    #[test]
    fn a_large_prompt_goes_through_standard_input() {
        let config = ReviewerConfig::new("claude", crate::config::BackendKind::Claude);
        let spec = build(
            &config,
            &ctx(),
            &HostEnv::default(),
            Path::new("/tmp/r"),
            &PromptInput::Stdin,
        );
        assert_eq!(spec.stdin_file, Some(PathBuf::from("/w/prompt.md")));
        assert_eq!(spec.args[..2], ["-p", agent::STDIN_INSTRUCTION]);
    }

    #[test]
    fn reads_the_captured_stream() {
        let stream = include_str!("../../tests/fixtures/streams/claude-stream-json.stdout.jsonl");
        let (report, tools) = parse(stream);
        assert!(report.completed);
        assert_eq!(report.error, None);
        assert!(report
            .review
            .as_deref()
            .is_some_and(|r| r.starts_with("## Review") && r.ends_with("MOCK-REVIEW-DONE")));
        assert_eq!(tools, vec!["Bash"]);
        assert_eq!(report.tool_calls, BTreeMap::from([("Bash".to_string(), 1)]));
        assert_eq!(
            report.tokens,
            Some(Tokens {
                input: 3678,
                output: 79,
                ..Tokens::default()
            })
        );
        assert_eq!(report.cost_usd, Some(0.012219));
        assert_eq!(report.model.as_deref(), Some("claude-sonnet-4-5"));
    }

    #[test]
    fn api_errors_and_max_turns_are_errors() {
        let stream = include_str!("../../tests/fixtures/streams/claude-401-noretry.stdout.jsonl");
        let (report, _) = parse(stream);
        assert_eq!(
            report.error.as_deref(),
            Some("Failed to authenticate. API Error: 401 mock: forced HTTP 401")
        );
        assert_eq!(report.review, None);

        let stream = include_str!("../../tests/fixtures/streams/claude-maxturns.stdout.jsonl");
        let (report, _) = parse(stream);
        assert_eq!(
            report.error.as_deref(),
            Some("Reached maximum number of turns (1)")
        );
    }

    #[test]
    fn denials_retries_and_reads_are_recorded() {
        let stream = concat!(
            r#"{"type":"system","subtype":"api_retry","attempt":1,"max_retries":2,"error_status":529,"error":"overloaded"}"#,
            "\n",
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/home/user/probe/repo/src/a.rs"}}]}}"#,
            "\n",
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":"Read","input":{"file_path":"/home/user/probe/repo/src/a.rs"}}]}}"#,
            "\n",
            r#"{"type":"assistant","message":{"content":[{"type":"tool_use","id":"t2","name":"Read","input":{"file_path":"/etc/hosts"}}]}}"#,
            "\n",
            "not json at all\n",
            r#"{"type":"assistant","message":{"content":[{"type":"text","text":"Final words."}]}}"#,
            "\n",
            r#"{"type":"result","subtype":"success","is_error":false,"permission_denials":[{"tool_name":"Bash"}]}"#,
        );
        let (report, tools) = parse(stream);
        assert_eq!(tools, vec!["Read", "Read"]);
        assert_eq!(report.files_read, vec!["src/a.rs"]);
        assert_eq!(report.review.as_deref(), Some("Final words."));
        assert_eq!(
            report.notes,
            vec![
                "the API call was retried 1 time(s) (last: 529 overloaded)",
                "1 tool call(s) denied: Bash"
            ]
        );
    }
}
