//! The `codex` backend: `codex exec --json` in a read-only sandbox, with its own
//! `CODEX_HOME` holding a generated `config.toml` (no approvals, no plugins, no
//! analytics; a custom provider when `base_url` is set).
//!
//! Stream (JSONL): `thread.started`, `turn.started`, `item.started|updated|completed`
//! (items: `agent_message`, `command_execution`, `mcp_tool_call`, `web_search`,
//! `file_change`, `reasoning`, `error`, …), `turn.completed{usage}`,
//! `turn.failed{error}`, `error{message}` ("Reconnecting..." ones are retries, not
//! failures). Cost and model are not in the stream; the model is the configured one.
//! Files read are guessed from the shell commands (see [`files_named`]).

use std::path::{Path, PathBuf};

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

/// The provider name used in `config.toml` when `base_url` is configured.
/// Codex's credentials, endpoint and login. A configured `api_key_env` is passed by
/// its own name (the custom provider's `env_key`), see [`build`].
pub(crate) const NEEDS: HostNeeds = HostNeeds {
    program: Some("codex"),
    key_vars: &["OPENAI_API_KEY", "CODEX_API_KEY"],
    key_aliases: &[],
    key_target: None,
    base_url_var: Some("OPENAI_BASE_URL"),
    login: Some(Login {
        what: "Codex",
        dir_var: Some("CODEX_HOME"),
        home_dir: ".codex",
        file: "auth.json",
        copy_to: "codex/auth.json",
    }),
    login_needs_default_endpoint: true,
    hint: "set OPENAI_API_KEY or run `codex login`",
};

const PROVIDER: &str = "deep-review";

pub(super) async fn run(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    agent::launch("codex", ctx, progress, cancel, |prompt, run_dir| {
        let spec = build(config, ctx, host, run_dir, prompt);
        let mut notes = Vec::new();
        prepare(config, &spec, host, run_dir, &mut notes)?;
        let agent = AgentRun {
            tool: "codex",
            spec,
            install_hint:
                "install Codex (`npm install -g @openai/codex`) or set `binary` for this reviewer",
            exit_hint: |_| None,
            last_message_file: Some(last_message_file(run_dir)),
            // `--sandbox read-only` is Codex's own Landlock and seccomp sandbox for the
            // commands it runs; inside deep-review's it ran no tool at all (codex-cli
            // 0.171 against the mock), so it is left to its own.
            confine: false,
        };
        Ok(Launch {
            agent,
            parser: CodexStream::new(&ctx.checkout),
            notes,
        })
    })
    .await
}

fn last_message_file(run_dir: &Path) -> PathBuf {
    run_dir.join("last-message.md")
}

/// The command line and environment for one run; `run_dir` holds `home` (`HOME`),
/// `codex` (`CODEX_HOME`) and the `-o` last-message file.
pub(crate) fn build(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    run_dir: &Path,
    prompt: &PromptInput,
) -> ProcessSpec {
    let program = config.binary.clone().unwrap_or_else(|| "codex".to_string());
    let mut spec = ProcessSpec::new(program, &ctx.checkout, config.timeout);
    let mut args: Vec<String> = [
        "exec",
        "--json",
        "--ephemeral",
        "--sandbox",
        "read-only",
        "--skip-git-repo-check",
    ]
    .map(String::from)
    .to_vec();
    if let Some(model) = &config.model {
        args.extend(["-m".to_string(), model.clone()]);
    }
    args.extend([
        "-o".to_string(),
        last_message_file(run_dir).display().to_string(),
    ]);
    args.extend(config.args.iter().cloned());
    args.push("--".to_string());
    match prompt {
        PromptInput::Argument(text) => args.push(text.clone()),
        PromptInput::Stdin => {
            // `-` makes codex read the whole prompt from standard input.
            args.push("-".to_string());
            spec.stdin_file = Some(ctx.prompt_file.clone());
        }
    }
    spec.args = args;

    let mut vars = env::base(host, run_dir);
    needs::credential_env(&mut vars, config, host);
    if let Some(key_var) = &config.api_key_env {
        // The custom provider reads it by name (`env_key`); the default provider reads
        // OPENAI_API_KEY.
        env::pass_on(&mut vars, host, &[key_var.as_str()]);
        if config.base_url.is_none() {
            env::copy_as(&mut vars, host, key_var, "OPENAI_API_KEY");
        }
    }
    vars.insert(
        "CODEX_HOME".to_string(),
        run_dir.join("codex").display().to_string(),
    );
    env::apply_configured(&mut vars, &config.env);
    spec.env = vars;
    spec
}

/// `$CODEX_HOME/config.toml` for a reviewer.
pub(crate) fn config_toml(config: &ReviewerConfig) -> String {
    let mut table = toml::Table::new();
    let s = |v: &str| toml::Value::String(v.to_string());
    table.insert("approval_policy".into(), s("never"));
    table.insert("sandbox_mode".into(), s("read-only"));
    if let Some(model) = &config.model {
        table.insert("model".into(), s(model));
    }
    if let Some(effort) = &config.effort {
        table.insert("model_reasoning_effort".into(), s(effort));
    }
    if let Some(url) = &config.base_url {
        table.insert("model_provider".into(), s(PROVIDER));
        let mut provider = toml::Table::new();
        provider.insert("name".into(), s(PROVIDER));
        provider.insert("base_url".into(), s(url));
        provider.insert("wire_api".into(), s("responses"));
        provider.insert(
            "env_key".into(),
            s(config.api_key_env.as_deref().unwrap_or("OPENAI_API_KEY")),
        );
        let mut providers = toml::Table::new();
        providers.insert(PROVIDER.into(), toml::Value::Table(provider));
        table.insert("model_providers".into(), toml::Value::Table(providers));
    }
    let mut analytics = toml::Table::new();
    analytics.insert("enabled".into(), toml::Value::Boolean(false));
    table.insert("analytics".into(), toml::Value::Table(analytics));
    let mut features = toml::Table::new();
    features.insert("plugins".into(), toml::Value::Boolean(false));
    table.insert("features".into(), toml::Value::Table(features));
    toml::to_string(&table).unwrap_or_default()
}

/// Writes `config.toml`; with no API key and no custom endpoint, copies the user's Codex
/// login (`auth.json`) so a ChatGPT login keeps working.
fn prepare(
    config: &ReviewerConfig,
    spec: &ProcessSpec,
    host: &HostEnv,
    run_dir: &Path,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let codex_home = run_dir.join("codex");
    for dir in [run_dir.join("home"), codex_home.clone()] {
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let path = codex_home.join("config.toml");
    std::fs::write(&path, config_toml(config))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    needs::copy_login(config, &spec.env, host, run_dir, notes);
    Ok(())
}

/// Reads `codex exec --json` output.
#[derive(Debug)]
pub(crate) struct CodexStream {
    tools: ToolCounter,
    files: FilesRead,
    checkout: PathBuf,
    last_message: Option<String>,
    tokens: Option<Tokens>,
    completed: bool,
    failed: Option<String>,
    last_error: Option<String>,
    reconnects: u64,
    notes: Vec<String>,
}

impl CodexStream {
    pub(crate) fn new(checkout: &Path) -> Self {
        CodexStream {
            tools: ToolCounter::default(),
            files: FilesRead::new(checkout),
            checkout: checkout.to_path_buf(),
            last_message: None,
            tokens: None,
            completed: false,
            failed: None,
            last_error: None,
            reconnects: 0,
            notes: Vec::new(),
        }
    }
}

/// Files of the checkout a shell command names (`sed -n '1,80p' src/lib.rs`,
/// `cat README.md`): the stream does not say what a command read, so a word of the
/// command that is an existing file in the checkout counts as read.
pub(crate) fn files_named(command: &str, checkout: &Path) -> Vec<String> {
    command
        .split(|c: char| c.is_whitespace() || "'\"`;|&()<>=".contains(c))
        .filter(|word| !word.is_empty() && !word.starts_with('-'))
        .filter_map(|word| {
            let rel = agent::relative_to(word, checkout)?;
            checkout.join(&rel).is_file().then_some(rel)
        })
        .collect()
}

/// The tool name a stream item stands for, when it is a tool call.
fn tool_name(item: &Value) -> Option<String> {
    match str_at(item, &["type"])? {
        "command_execution" => Some("shell".to_string()),
        "mcp_tool_call" => Some(format!(
            "{}/{}",
            str_at(item, &["server"]).unwrap_or("mcp"),
            str_at(item, &["tool"]).unwrap_or("tool")
        )),
        "collab_tool_call" => Some(str_at(item, &["tool"]).unwrap_or("collab").to_string()),
        "web_search" => Some("web_search".to_string()),
        "file_change" => Some("file_change".to_string()),
        _ => None,
    }
}

impl StreamParser for CodexStream {
    fn line(&mut self, line: &str, tools: &mut Vec<String>) {
        let Some(event) = parse_event(line) else {
            return;
        };
        match str_at(&event, &["type"]) {
            Some("item.started" | "item.updated" | "item.completed") => {
                let Some(item) = event.get("item") else {
                    return;
                };
                if let Some(name) = tool_name(item) {
                    let counted = self.tools.call(str_at(item, &["id"]), &name, tools);
                    if counted && name == "shell" {
                        for file in
                            files_named(str_at(item, &["command"]).unwrap_or(""), &self.checkout)
                        {
                            self.files.add(&file);
                        }
                    }
                }
                if str_at(&event, &["type"]) == Some("item.completed") {
                    match str_at(item, &["type"]) {
                        Some("agent_message") => {
                            self.last_message = str_at(item, &["text"]).map(String::from);
                        }
                        Some("error") => {
                            if let Some(m) = str_at(item, &["message"]) {
                                self.notes.push(clip(m, 300));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some("turn.completed") => {
                self.completed = true;
                let tokens = self.tokens.get_or_insert_with(Tokens::default);
                tokens.input += u64_at(&event, &["usage", "input_tokens"]);
                tokens.output += u64_at(&event, &["usage", "output_tokens"]);
            }
            Some("turn.failed") => {
                let message = str_at(&event, &["error", "message"])
                    .map(String::from)
                    .or_else(|| self.last_error.clone())
                    .unwrap_or_else(|| "the turn failed".to_string());
                self.failed = Some(clip(&message, 400));
            }
            Some("error") => {
                let message = str_at(&event, &["message"]).unwrap_or("unknown error");
                if message.starts_with("Reconnecting") {
                    self.reconnects += 1;
                } else {
                    self.last_error = Some(clip(message, 400));
                }
            }
            _ => {}
        }
    }

    fn finish(self) -> StreamReport {
        let mut notes = self.notes;
        if self.reconnects > 0 {
            notes.push(format!(
                "codex reconnected {} time(s) to the model API",
                self.reconnects
            ));
        }
        let error = self.failed.or(if self.completed {
            None
        } else {
            self.last_error.clone()
        });
        if error.is_none() {
            if let Some(e) = self.last_error {
                notes.push(e);
            }
        }
        StreamReport {
            review: self.last_message,
            error,
            completed: self.completed,
            notes,
            tool_calls: self.tools.counts,
            tokens: self.tokens,
            files_read: self.files.into_vec(),
            ..StreamReport::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(stream: &str) -> (StreamReport, Vec<String>) {
        CodexStream::new(Path::new("/nonexistent-checkout")).read_all(stream)
    }

    #[test]
    fn config_has_a_read_only_sandbox_and_the_custom_provider() {
        let mut config = ReviewerConfig::new("codex", crate::config::BackendKind::Codex);
        config.model = Some("gpt-5.5".into());
        config.effort = Some("high".into());
        config.base_url = Some("http://127.0.0.1:9/v1".into());
        let parsed: toml::Table = toml::from_str(&config_toml(&config)).unwrap();
        let expected: toml::Table = toml::from_str(
            r#"
            approval_policy = "never"
            sandbox_mode = "read-only"
            model = "gpt-5.5"
            model_reasoning_effort = "high"
            model_provider = "deep-review"
            [model_providers.deep-review]
            name = "deep-review"
            base_url = "http://127.0.0.1:9/v1"
            wire_api = "responses"
            env_key = "OPENAI_API_KEY"
            [analytics]
            enabled = false
            [features]
            plugins = false
            "#,
        )
        .unwrap();
        assert_eq!(parsed, expected);

        let plain = ReviewerConfig::new("codex", crate::config::BackendKind::Codex);
        let parsed: toml::Table = toml::from_str(&config_toml(&plain)).unwrap();
        assert!(!parsed.contains_key("model_provider"));
        assert!(!parsed.contains_key("model"));
    }

    #[test]
    fn command_line_and_environment() {
        let mut config = ReviewerConfig::new("codex", crate::config::BackendKind::Codex);
        config.model = Some("gpt-5.5".into());
        config.api_key_env = Some("LOCAL_KEY".into());
        let ctx = RunContext::for_tests("", "", 1);
        let host = HostEnv::from_pairs([
            ("PATH", "/bin"),
            ("LOCAL_KEY", "k"),
            ("OPENAI_API_KEY", "o"),
            ("GITHUB_TOKEN", "g"),
        ]);
        let spec = build(&config, &ctx, &host, Path::new("/r"), &PromptInput::Stdin);
        assert_eq!(
            spec.args,
            [
                "exec",
                "--json",
                "--ephemeral",
                "--sandbox",
                "read-only",
                "--skip-git-repo-check",
                "-m",
                "gpt-5.5",
                "-o",
                "/r/last-message.md",
                "--",
                "-"
            ]
        );
        assert_eq!(spec.stdin_file, Some(PathBuf::from("/w/prompt.md")));
        let env: BTreeMap<&str, &str> = spec
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            env,
            BTreeMap::from([
                ("CODEX_HOME", "/r/codex"),
                ("HOME", "/r/home"),
                ("LOCAL_KEY", "k"),
                ("OPENAI_API_KEY", "k"),
                ("PATH", "/bin"),
                ("TERM", "dumb"),
                ("TMPDIR", "/r/tmp"),
            ])
        );
    }

    #[test]
    fn reads_the_captured_stream() {
        let (report, tools) = parse(include_str!(
            "../../tests/fixtures/streams/codex-json-noplugins.stdout.jsonl"
        ));
        assert!(report.completed);
        assert_eq!(report.error, None);
        assert!(report
            .review
            .as_deref()
            .is_some_and(|r| r.ends_with("MOCK-REVIEW-DONE")));
        // item.started and item.completed of the same command count once.
        assert_eq!(tools, vec!["shell"]);
        assert_eq!(
            report.tokens,
            Some(Tokens {
                input: 10741,
                output: 79,
                ..Tokens::default()
            })
        );
        assert_eq!(report.notes.len(), 1, "{:?}", report.notes);
        assert!(report.notes[0].starts_with("Model metadata for `gpt-5.1-codex` not found"));
    }

    #[test]
    fn failures_and_reconnects() {
        let (report, _) = parse(include_str!(
            "../../tests/fixtures/streams/codex-401.stdout.jsonl"
        ));
        assert_eq!(
            report.error.as_deref(),
            Some("unexpected status 401 Unauthorized: mock: forced HTTP 401, url: http://127.0.0.1:18084/v1/responses")
        );
        let (report, _) = parse(include_str!(
            "../../tests/fixtures/streams/codex-refused.stdout.jsonl"
        ));
        assert_eq!(report.error, None);
        assert!(!report.completed);
        assert_eq!(
            report.notes,
            ["codex reconnected 5 time(s) to the model API"]
        );
    }

    #[test]
    fn files_named_by_shell_commands_are_read() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "").unwrap();
        std::fs::write(dir.path().join("README.md"), "").unwrap();
        let co = dir.path();
        let check = |command: &str, expected: &[&str]| {
            assert_eq!(files_named(command, co), expected, "{command}");
        };
        check(
            "/bin/bash -lc 'sed -n '\"'\"'1,80p'\"'\"' src/lib.rs'",
            &["src/lib.rs"],
        );
        check(
            "/bin/bash -lc 'cat README.md src/missing.rs'",
            &["README.md"],
        );
        check(
            &format!("/bin/bash -lc 'nl -ba {}/src/lib.rs'", co.display()),
            &["src/lib.rs"],
        );
        check("/bin/bash -lc 'rg -n foo src'", &[]);
        check("/bin/bash -lc 'cat /etc/passwd'", &[]);

        let mut parser = CodexStream::new(co);
        let mut tools = Vec::new();
        parser.line(
            r#"{"type":"item.started","item":{"id":"i1","type":"command_execution","command":"/bin/bash -lc 'cat src/lib.rs'"}}"#,
            &mut tools,
        );
        assert_eq!(parser.finish().files_read, ["src/lib.rs"]);
    }

    #[test]
    fn tokens_are_summed_over_turns_and_mcp_tools_named() {
        let stream = concat!(
            r#"{"type":"item.started","item":{"id":"1","type":"mcp_tool_call","server":"fs","tool":"read"}}"#,
            "\n",
            r#"{"type":"turn.completed","usage":{"input_tokens":10,"output_tokens":1}}"#,
            "\n",
            r#"{"type":"item.completed","item":{"id":"2","type":"web_search","query":"x"}}"#,
            "\n",
            r#"{"type":"turn.completed","usage":{"input_tokens":5,"output_tokens":2}}"#,
        );
        let (report, tools) = parse(stream);
        assert_eq!(tools, vec!["fs/read", "web_search"]);
        assert_eq!(
            report.tokens,
            Some(Tokens {
                input: 15,
                output: 3,
                ..Tokens::default()
            })
        );
    }
}
