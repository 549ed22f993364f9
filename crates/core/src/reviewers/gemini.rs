//! The `gemini` backend: Gemini CLI headless (`gemini -p … --output-format stream-json`)
//! with a per-run `HOME` holding `.gemini/settings.json` (API-key auth, no usage
//! statistics, no telemetry, no auto-update). In the default approval mode the CLI
//! offers no shell and no write tools, so the reviewer is read-only; the diff is in the
//! prompt (the CLI's shell tool could not run `git diff` anyway: it sets an empty
//! `diff.external`).
//!
//! Stream: `init{model}`, `message{role, content, delta}`, `tool_use{tool_name, tool_id,
//! parameters}`, `tool_result`, `error{severity, message}`, `result{status, error,
//! stats}`. The review is the assistant text after the last tool result.

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

pub(super) async fn run(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    agent::launch("gemini", ctx, progress, cancel, |prompt, run_dir| {
        let spec = build(config, ctx, host, run_dir, prompt);
        let mut notes = Vec::new();
        if config.effort.is_some() {
            notes.push("effort is not passed to the Gemini CLI (it has no such option)".to_string());
        }
        prepare(config, &spec, host, run_dir, &mut notes)?;
        let agent = AgentRun {
            tool: "gemini",
            spec,
            install_hint: "install Gemini CLI (`npm install -g @google/gemini-cli`) or set `binary` for this reviewer",
            exit_hint,
            last_message_file: None,
            confine: true,
        };
        Ok(Launch { agent, parser: GeminiStream::new(&ctx.checkout), notes })
    })
    .await
}

/// Gemini CLI's credentials, endpoint and login. It reads its key as `GEMINI_API_KEY`;
/// a `GOOGLE_API_KEY` is given to it under that name.
pub(crate) const NEEDS: HostNeeds = HostNeeds {
    program: Some("gemini"),
    key_vars: &["GEMINI_API_KEY"],
    key_aliases: &[("GOOGLE_API_KEY", "GEMINI_API_KEY")],
    key_target: Some("GEMINI_API_KEY"),
    base_url_var: Some("GOOGLE_GEMINI_BASE_URL"),
    login: Some(Login {
        what: "Gemini CLI Google",
        dir_var: None,
        home_dir: ".gemini",
        file: "oauth_creds.json",
        copy_to: "home/.gemini/oauth_creds.json",
    }),
    login_needs_default_endpoint: false,
    hint: "set GEMINI_API_KEY or run `gemini` and log in",
};

/// The exit codes Gemini CLI documents (and the ones it was seen to use), in words.
pub(crate) fn exit_hint(code: i32) -> Option<String> {
    Some(match code {
        41 => "gemini: authentication failed (exit code 41); hint: set GEMINI_API_KEY or `api_key_env` for this reviewer".to_string(),
        42 => "gemini: invalid input (exit code 42)".to_string(),
        52 => "gemini: configuration error (exit code 52)".to_string(),
        55 => "gemini: the workspace is not trusted (exit code 55)".to_string(),
        130 => "gemini: cancelled (exit code 130)".to_string(),
        145 => "gemini: the API rejected the credentials (HTTP 401, exit code 145); hint: check GEMINI_API_KEY".to_string(),
        _ => return None,
    })
}

/// The command line and environment for one run; `run_dir/home` becomes `HOME`.
pub(crate) fn build(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    run_dir: &Path,
    prompt: &PromptInput,
) -> ProcessSpec {
    let (mut spec, mut args) = agent::print_mode_spec(config, ctx, "gemini", prompt);
    args.extend(["--output-format".to_string(), "stream-json".to_string()]);
    if let Some(model) = &config.model {
        args.extend(["-m".to_string(), model.clone()]);
    }
    args.extend(config.args.iter().cloned());
    spec.args = args;

    let mut vars = env::base(host, run_dir);
    needs::credential_env(&mut vars, config, host);
    vars.insert("GEMINI_CLI_TRUST_WORKSPACE".to_string(), "true".to_string());
    env::apply_configured(&mut vars, &config.env);
    spec.env = vars;
    spec
}

/// `~/.gemini/settings.json` for the per-run home.
pub(crate) fn settings_json(auth_type: &str) -> String {
    let settings = serde_json::json!({
        "security": { "auth": { "selectedType": auth_type } },
        "privacy": { "usageStatisticsEnabled": false },
        "telemetry": { "enabled": false },
        "general": { "enableAutoUpdate": false, "enableAutoUpdateNotification": false }
    });
    serde_json::to_string_pretty(&settings).unwrap_or_default()
}

/// Writes the settings; with no API key, copies the user's Google login so it keeps
/// working.
fn prepare(
    config: &ReviewerConfig,
    spec: &ProcessSpec,
    host: &HostEnv,
    run_dir: &Path,
    notes: &mut Vec<String>,
) -> Result<(), String> {
    let dot_gemini = run_dir.join("home").join(".gemini");
    std::fs::create_dir_all(&dot_gemini)
        .map_err(|e| format!("cannot create {}: {e}", dot_gemini.display()))?;
    let auth_type = if needs::copy_login(config, &spec.env, host, run_dir, notes) {
        "oauth-personal"
    } else {
        "gemini-api-key"
    };
    let path = dot_gemini.join("settings.json");
    std::fs::write(&path, settings_json(auth_type))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Reads Gemini CLI's `stream-json` output.
#[derive(Debug)]
pub(crate) struct GeminiStream {
    tools: ToolCounter,
    files: FilesRead,
    model: Option<String>,
    /// Assistant text since the last tool call or result.
    text: String,
    result: Option<Value>,
    last_error: Option<String>,
    warnings: Vec<String>,
}

impl GeminiStream {
    pub(crate) fn new(checkout: &Path) -> Self {
        GeminiStream {
            tools: ToolCounter::default(),
            files: FilesRead::new(checkout),
            model: None,
            text: String::new(),
            result: None,
            last_error: None,
            warnings: Vec::new(),
        }
    }
}

impl StreamParser for GeminiStream {
    fn line(&mut self, line: &str, tools: &mut Vec<String>) {
        let Some(event) = parse_event(line) else {
            return;
        };
        match str_at(&event, &["type"]) {
            Some("init") => self.model = str_at(&event, &["model"]).map(String::from),
            Some("message") if str_at(&event, &["role"]) == Some("assistant") => {
                if let Some(content) = str_at(&event, &["content"]) {
                    self.text.push_str(content);
                }
            }
            Some("tool_use") => {
                self.text.clear();
                let name = str_at(&event, &["tool_name"]).unwrap_or("unknown");
                let counted = self.tools.call(str_at(&event, &["tool_id"]), name, tools);
                if counted && name == "read_file" {
                    if let Some(path) = str_at(&event, &["parameters", "file_path"]) {
                        self.files.add(path);
                    }
                }
            }
            Some("tool_result") => self.text.clear(),
            Some("error") => {
                let message = clip(str_at(&event, &["message"]).unwrap_or("unknown error"), 400);
                if str_at(&event, &["severity"]) == Some("warning") {
                    self.warnings.push(message);
                } else {
                    self.last_error = Some(message);
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
            notes: self.warnings,
            model: self.model,
            ..StreamReport::default()
        };
        let Some(result) = self.result else {
            report.error = self.last_error;
            return report;
        };
        if let Some(stats) = result.get("stats") {
            report.tokens = Some(Tokens {
                input: u64_at(stats, &["input_tokens"]),
                output: u64_at(stats, &["output_tokens"]),
                ..Tokens::default()
            });
            if report.model.is_none() {
                report.model = stats
                    .get("models")
                    .and_then(Value::as_object)
                    .and_then(|m| m.keys().next().cloned());
            }
        }
        if str_at(&result, &["status"]) == Some("success") {
            report.completed = true;
            report.review = Some(self.text);
            if let Some(e) = self.last_error {
                report.notes.push(e);
            }
        } else {
            let message = str_at(&result, &["error", "message"])
                .map(|m| clip(&api_error(m), 400))
                .or(self.last_error)
                .unwrap_or_else(|| "gemini reported an error".to_string());
            report.error = Some(message);
        }
        report
    }
}

/// `[API Error: {"error":{"code":401,"message":"…","status":"UNAUTHENTICATED"}}]` as
/// `API error 401 (UNAUTHENTICATED): …`; other messages unchanged.
fn api_error(message: &str) -> String {
    let inner = message
        .strip_prefix("[API Error: ")
        .and_then(|m| m.strip_suffix(']'));
    let Some(error) = inner
        .and_then(|json| serde_json::from_str::<Value>(json).ok())
        .and_then(|v| v.get("error").cloned())
    else {
        return message.to_string();
    };
    let code = error.get("code").and_then(Value::as_u64);
    let status = str_at(&error, &["status"]);
    let text = str_at(&error, &["message"]).unwrap_or("no message");
    match (code, status) {
        (Some(c), Some(s)) => format!("API error {c} ({s}): {text}"),
        (Some(c), None) => format!("API error {c}: {text}"),
        _ => message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn parse(stream: &str) -> (StreamReport, Vec<String>) {
        GeminiStream::new(Path::new("/home/user/probe/repo")).read_all(stream)
    }

    #[test]
    fn reads_the_captured_stream() {
        let (report, tools) = parse(include_str!(
            "../../tests/fixtures/streams/gemini-stream-json.stdout.jsonl"
        ));
        assert!(report.completed);
        assert_eq!(tools, vec!["read_file"]);
        assert_eq!(report.files_read, vec!["calc.py"]);
        let review = report.review.unwrap_or_default();
        assert!(review.starts_with("## Review"), "{review}");
        assert!(
            review.contains("does not guard against `b == 0`"),
            "{review}"
        );
        assert!(review.ends_with("MOCK-REVIEW-DONE"));
        assert_eq!(
            report.tokens,
            Some(Tokens {
                input: 508,
                output: 79,
                ..Tokens::default()
            })
        );
        assert_eq!(report.model.as_deref(), Some("gemini-2.5-pro"));
    }

    #[test]
    fn error_result_and_missing_result() {
        let (report, _) = parse(include_str!(
            "../../tests/fixtures/streams/gemini-401.stdout.jsonl"
        ));
        assert!(!report.completed);
        assert_eq!(
            report.error.as_deref(),
            Some("API error 401 (UNAUTHENTICATED): mock: forced HTTP 401")
        );
        assert_eq!(api_error("[API Error: not json]"), "[API Error: not json]");
        assert_eq!(api_error("quota exceeded"), "quota exceeded");
        let (report, _) = parse(include_str!(
            "../../tests/fixtures/streams/gemini-refused.stdout.jsonl"
        ));
        assert!(!report.completed);
        assert_eq!(report.error, None);
    }

    #[test]
    fn text_before_a_tool_call_is_not_the_review() {
        let stream = concat!(
            r#"{"type":"message","role":"assistant","content":"Let me look.","delta":true}"#,
            "\n",
            r#"{"type":"tool_use","tool_name":"glob","tool_id":"g1","parameters":{}}"#,
            "\n",
            r#"{"type":"tool_result","tool_id":"g1","status":"success","output":""}"#,
            "\n",
            r#"{"type":"message","role":"assistant","content":"Final ","delta":true}"#,
            "\n",
            r#"{"type":"message","role":"assistant","content":"review.","delta":true}"#,
            "\n",
            r#"{"type":"error","severity":"warning","message":"loop suspected"}"#,
            "\n",
            r#"{"type":"result","status":"success","stats":{"input_tokens":3,"output_tokens":2}}"#,
        );
        let (report, tools) = parse(stream);
        assert_eq!(tools, vec!["glob"]);
        assert_eq!(report.review.as_deref(), Some("Final review."));
        assert_eq!(report.notes, vec!["loop suspected"]);
    }

    #[test]
    fn command_line_environment_and_settings() {
        let mut config = ReviewerConfig::new("gemini", crate::config::BackendKind::Gemini);
        config.model = Some("gemini-2.5-pro".into());
        config.base_url = Some("http://127.0.0.1:9".into());
        let ctx = RunContext::for_tests("", "", 1);
        let host = HostEnv::from_pairs([("PATH", "/bin"), ("GEMINI_API_KEY", "g"), ("X", "y")]);
        let spec = build(
            &config,
            &ctx,
            &host,
            Path::new("/r"),
            &PromptInput::Argument("Review.".into()),
        );
        assert_eq!(
            spec.args,
            [
                "-p",
                "Review.",
                "--output-format",
                "stream-json",
                "-m",
                "gemini-2.5-pro"
            ]
        );
        let env: BTreeMap<&str, &str> = spec
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            env,
            BTreeMap::from([
                ("GEMINI_API_KEY", "g"),
                ("GEMINI_CLI_TRUST_WORKSPACE", "true"),
                ("GOOGLE_GEMINI_BASE_URL", "http://127.0.0.1:9"),
                ("HOME", "/r/home"),
                ("PATH", "/bin"),
                ("TERM", "dumb"),
                ("TMPDIR", "/r/tmp"),
            ])
        );
        let settings: Value = serde_json::from_str(&settings_json("gemini-api-key")).unwrap();
        assert_eq!(
            settings.pointer("/security/auth/selectedType"),
            Some(&Value::from("gemini-api-key"))
        );
        assert_eq!(
            settings.pointer("/privacy/usageStatisticsEnabled"),
            Some(&Value::from(false))
        );
    }

    #[test]
    fn exit_codes_are_explained() {
        assert!(exit_hint(41).is_some_and(|h| h.contains("authentication")));
        assert!(exit_hint(145).is_some_and(|h| h.contains("401")));
        assert_eq!(exit_hint(1), None);
    }
}
