//! The agent CLI backends against fake `claude`, `codex` and `gemini` executables that
//! replay event streams captured from the real CLIs (tests/fixtures/streams) and dump the
//! command line, environment, standard input and generated configuration they got.

use crate::support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::{RunStatus, Tokens};
use deep_review_core::reviewers::{run_reviewer, ProgressEvent};
use support::{drain, progress, stream, Fixture};
use tokio_util::sync::CancellationToken;

/// Writes a fake `tool` that records what it was given into `<bin>/<tool>.*` files,
/// then runs `body`.
fn fake(fx: &Fixture, tool: &str, backend: BackendKind, body: &str) -> ReviewerConfig {
    let bin = fx.bin_dir();
    let d = bin.display();
    let preamble = format!(
        r#"for a in "$@"; do printf '%s\0' "$a"; done > {d}/{tool}.argv
env > {d}/{tool}.env
cat > {d}/{tool}.stdin
[ -n "$CODEX_HOME" ] && cp "$CODEX_HOME/config.toml" {d}/{tool}.config 2>/dev/null
[ -f "$HOME/.gemini/settings.json" ] && cp "$HOME/.gemini/settings.json" {d}/{tool}.config
"#
    );
    let path = fx.script(tool, &format!("{preamble}{body}\n"));
    let mut config = ReviewerConfig::new(tool, backend);
    config.binary = Some(path.display().to_string());
    config.timeout = Duration::from_secs(20);
    config
}

fn argv(fx: &Fixture, tool: &str) -> Vec<String> {
    fx.dump(&format!("{tool}.argv"))
        .split('\0')
        .filter(|a| !a.is_empty())
        .map(String::from)
        .collect()
}

fn env_of(fx: &Fixture, tool: &str) -> BTreeMap<String, String> {
    fx.dump(&format!("{tool}.env"))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn replay(name: &str) -> String {
    format!("sed \"s#@CHECKOUT@#$(pwd)#g\" '{}'", stream(name).display())
}

fn has_flags(args: &[String], flags: &[&str]) -> bool {
    args.windows(flags.len()).any(|w| w == flags)
}

fn tools(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

// ---------------------------------------------------------------- confinement

/// An agent CLI runs through the `deep-review-sandbox` launcher: it can write its
/// per-run `HOME`, but neither the checkout nor anything else outside its run
/// directory, and it still delivers its review.
#[tokio::test]
async fn an_agent_cli_writes_only_its_run_directory() {
    use deep_review_core::sandbox::{self, Support};
    assert_ne!(
        sandbox::probe(),
        Support::None,
        "this test needs a kernel with Landlock (ABI 3 or later)"
    );
    let fx = Fixture::sandboxed();
    let bin = fx.bin_dir();
    std::fs::copy(
        stream("claude-stream-json.stdout.jsonl"),
        bin.join("stream.jsonl"),
    )
    .unwrap();
    let outside = fx.dir.path().join("outside-marker");
    let body = format!(
        r#"echo pwned > "$(pwd)/pwned" 2>/dev/null
echo pwned > '{outside}' 2>/dev/null
echo home > "$HOME/allowed" || exit 7
cat '{bin}/stream.jsonl'"#,
        outside = outside.display(),
        bin = bin.display()
    );
    let path = fx.script("claude", &body);
    let mut config = ReviewerConfig::new("claude", BackendKind::Claude);
    config.binary = Some(path.display().to_string());
    config.timeout = Duration::from_secs(20);
    config
        .env
        .insert("ANTHROPIC_API_KEY".into(), "sk-ant-test".into());
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;

    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert!(fx.review("claude").unwrap().ends_with("MOCK-REVIEW-DONE\n"));
    assert!(
        !fx.ctx.checkout.join("pwned").exists(),
        "wrote the checkout"
    );
    assert!(!outside.exists(), "wrote outside its run directory");
    assert!(
        record.notes.iter().all(|n| !n.contains("not sandboxed")),
        "{:?}",
        record.notes
    );
}

// ---------------------------------------------------------------- claude

#[tokio::test]
async fn claude_happy_path_from_the_captured_stream() {
    let fx = Fixture::new();
    let mut config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &replay("claude-stream-json.stdout.jsonl"),
    );
    config.model = Some("claude-sonnet-4-5".into());
    config.effort = Some("low".into());
    config.display = Some("Claude Sonnet 4.5".into());
    config.base_url = Some("http://127.0.0.1:9".into());
    config
        .env
        .insert("ANTHROPIC_API_KEY".into(), "sk-ant-test".into());
    let (tx, mut rx) = progress();
    let record = run_reviewer(&config, &fx.ctx, Some(tx), CancellationToken::new()).await;

    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.error, None);
    assert_eq!(record.display.as_deref(), Some("Claude Sonnet 4.5"));
    assert_eq!(record.model.as_deref(), Some("claude-sonnet-4-5"));
    assert_eq!(record.effort.as_deref(), Some("low"));
    assert_eq!(record.tool_calls, tools(&[("Bash", 1)]));
    assert_eq!(
        record.tokens,
        Some(Tokens {
            input: 3678,
            output: 79,
            ..Tokens::default()
        })
    );
    assert_eq!(record.cost_usd, Some(0.012219));
    assert!(record.duration_ms.is_some());
    assert_eq!(record.exit_code, None);
    let review = fx.review("claude").unwrap();
    assert!(review.starts_with("## Review\n"), "{review}");
    assert!(review.ends_with("MOCK-REVIEW-DONE\n"), "{review}");
    assert_eq!(
        fx.transcript("claude"),
        Some(std::fs::read(stream("claude-stream-json.stdout.jsonl")).unwrap())
    );
    assert_eq!(
        record.transcript_file.as_deref(),
        Some("transcript-claude.jsonl")
    );
    assert_eq!(fx.record_on_disk("claude"), record);

    // Read-only, quiet command line.
    let args = argv(&fx, "claude");
    assert_eq!(args[0], "-p");
    assert_eq!(
        args[1],
        std::fs::read_to_string(&fx.ctx.prompt_file).unwrap()
    );
    for flags in [
        &["--output-format", "stream-json", "--verbose"][..],
        &["--tools", "Read,Grep,Glob,Bash"],
        &["--disallowedTools", "Edit", "Write", "NotebookEdit"],
        &["--permission-mode", "dontAsk"],
        &["--no-session-persistence"],
        &["--model", "claude-sonnet-4-5"],
        &["--effort", "low"],
    ] {
        assert!(has_flags(&args, flags), "{flags:?} not in {args:?}");
    }
    assert!(!args
        .iter()
        .any(|a| a == "bypassPermissions" || a == "--dangerously-skip-permissions"));
    let env = env_of(&fx, "claude");
    for (k, v) in [
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("DISABLE_ERROR_REPORTING", "1"),
        ("CLAUDE_CODE_MAX_RETRIES", "2"),
        ("ANTHROPIC_BASE_URL", "http://127.0.0.1:9"),
        ("ANTHROPIC_API_KEY", "sk-ant-test"),
        ("TERM", "dumb"),
    ] {
        assert_eq!(env.get(k).map(String::as_str), Some(v), "{k} in {env:?}");
    }
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"), "{env:?}");
    // Its configuration and home were per-run directories, deleted afterwards.
    let config_dir = env.get("CLAUDE_CONFIG_DIR").unwrap();
    let home = env.get("HOME").unwrap();
    assert_ne!(std::env::var("HOME").ok().as_ref(), Some(home));
    assert!(!Path::new(config_dir).exists(), "{config_dir} left behind");
    assert!(!Path::new(home).exists(), "{home} left behind");
    // Small prompts come as an argument; standard input is closed.
    assert_eq!(fx.dump("claude.stdin"), "");

    let events = drain(&mut rx);
    assert!(
        matches!(&events[1], ProgressEvent::Command { command, .. } if command.contains("/bin/claude -p '# Review this change") && command.contains("…")),
        "{events:?}"
    );
    assert_eq!(
        events[2..5],
        [
            ProgressEvent::Step {
                reviewer: "claude".into(),
                step: "waiting for the first event".into()
            },
            ProgressEvent::Step {
                reviewer: "claude".into(),
                step: "reviewing".into()
            },
            ProgressEvent::ToolCall {
                reviewer: "claude".into(),
                tool: "Bash".into()
            }
        ]
    );
    assert!(matches!(
        events.last(),
        Some(ProgressEvent::Finished { .. })
    ));
}

#[tokio::test]
async fn claude_tool_heavy_stream() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &replay("claude-tool-heavy.stdout.jsonl"),
    );
    let (tx, mut rx) = progress();
    let record = run_reviewer(&config, &fx.ctx, Some(tx), CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(
        record.tool_calls,
        tools(&[("Bash", 1), ("Glob", 1), ("Grep", 1), ("Read", 3)])
    );
    assert_eq!(record.files_read, ["src/lib.rs", "calc.py"]);
    assert_eq!(
        record.tokens,
        Some(Tokens {
            input: 15000,
            output: 900,
            ..Tokens::default()
        })
    );
    assert_eq!(record.cost_usd, Some(0.25));
    assert_eq!(record.model.as_deref(), Some("claude-opus-4-7"));
    let review = fx.review("claude").unwrap();
    assert!(review.starts_with("## Summary"), "{review}");
    let calls: Vec<String> = drain(&mut rx)
        .into_iter()
        .filter_map(|e| match e {
            ProgressEvent::ToolCall { tool, .. } => Some(tool),
            _ => None,
        })
        .collect();
    assert_eq!(calls, ["Read", "Read", "Grep", "Glob", "Bash", "Read"]);
}

#[tokio::test]
async fn claude_api_error_is_failed_with_its_message() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &format!("{}; exit 1", replay("claude-401-noretry.stdout.jsonl")),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("Failed to authenticate. API Error: 401 mock: forced HTTP 401")
    );
    assert_eq!(record.exit_code, Some(1));
    assert_eq!(fx.review("claude"), None);
    assert!(fx.transcript("claude").is_some());
}

#[tokio::test]
async fn claude_killed_mid_stream_is_failed() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &format!(
            "{} | head -n 3; echo 'fatal: out of memory' >&2; kill -9 $$",
            replay("claude-stream-json.stdout.jsonl")
        ),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.error.as_deref(), Some("killed by signal 9"));
    // What was seen before the end is still recorded.
    assert_eq!(record.tool_calls, tools(&[("Bash", 1)]));
    assert_eq!(record.stderr_tail.as_deref(), Some("fatal: out of memory"));
    assert_eq!(fx.review("claude"), None);
}

#[tokio::test]
async fn claude_non_zero_exit_after_a_full_stream_is_failed() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &format!(
            "{}; echo 'Error: something broke' >&2; exit 2",
            replay("claude-stream-json.stdout.jsonl")
        ),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("exited with code 2: Error: something broke")
    );
    assert_eq!(record.exit_code, Some(2));
    assert_eq!(fx.review("claude"), None);
}

#[tokio::test]
async fn claude_stream_without_result_is_failed() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &format!("{} | head -n 5", replay("claude-stream-json.stdout.jsonl")),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("`claude` exited without finishing its event stream")
    );
}

#[tokio::test]
async fn claude_found_on_the_configured_path() {
    let fx = Fixture::new();
    let mut config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &replay("claude-stream-json.stdout.jsonl"),
    );
    config.binary = None;
    config.env.insert(
        "PATH".into(),
        format!("{}:/usr/bin:/bin", fx.bin_dir().display()),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");

    config.env.insert("PATH".into(), "/nonexistent".into());
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    let error = record.error.unwrap_or_default();
    assert!(error.starts_with("could not start `claude`"), "{error}");
    assert!(error.contains("hint: install Claude Code"), "{error}");
}

#[tokio::test]
async fn claude_large_prompt_goes_on_stdin() {
    let prompt = format!("# Review\n\n{}\nEND-OF-PROMPT\n", "x".repeat(150 * 1024));
    let fx = Fixture::with_prompt(&prompt);
    let config = fake(
        &fx,
        "claude",
        BackendKind::Claude,
        &replay("claude-stream-json.stdout.jsonl"),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let args = argv(&fx, "claude");
    assert_eq!(args[0], "-p");
    assert!(args[1].contains("standard input"), "{}", args[1]);
    assert_eq!(fx.dump("claude.stdin"), prompt);
}

// ---------------------------------------------------------------- codex

#[tokio::test]
async fn codex_happy_path_from_the_captured_stream() {
    let fx = Fixture::new();
    let mut config = fake(
        &fx,
        "codex",
        BackendKind::Codex,
        &replay("codex-json-noplugins.stdout.jsonl"),
    );
    config.model = Some("gpt-5.5".into());
    config.effort = Some("high".into());
    config.base_url = Some("http://127.0.0.1:9/v1".into());
    config.api_key_env = Some("LOCAL_LLM_KEY".into());
    let (tx, mut rx) = progress();
    let record = run_reviewer(&config, &fx.ctx, Some(tx), CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.tool_calls, tools(&[("shell", 1)]));
    assert_eq!(
        record.tokens,
        Some(Tokens {
            input: 10741,
            output: 79,
            ..Tokens::default()
        })
    );
    assert_eq!(record.model.as_deref(), Some("gpt-5.5"));
    assert_eq!(record.cost_usd, None);
    let notes: Vec<&String> = record
        .notes
        .iter()
        .filter(|n| !n.starts_with("not sandboxed"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", record.notes);
    assert!(fx.review("codex").unwrap().ends_with("MOCK-REVIEW-DONE\n"));

    let args = argv(&fx, "codex");
    for flags in [
        &["exec", "--json", "--ephemeral"][..],
        &["--sandbox", "read-only"],
        &["--skip-git-repo-check"],
        &["-m", "gpt-5.5"],
    ] {
        assert!(has_flags(&args, flags), "{flags:?} not in {args:?}");
    }
    assert_eq!(args[args.len() - 2], "--");
    assert_eq!(
        args.last().map(String::as_str),
        Some(
            std::fs::read_to_string(&fx.ctx.prompt_file)
                .unwrap()
                .as_str()
        )
    );
    let config_toml: toml::Table = toml::from_str(&fx.dump("codex.config")).unwrap();
    assert_eq!(config_toml["approval_policy"].as_str(), Some("never"));
    assert_eq!(config_toml["sandbox_mode"].as_str(), Some("read-only"));
    assert_eq!(config_toml["model_reasoning_effort"].as_str(), Some("high"));
    assert_eq!(config_toml["model_provider"].as_str(), Some("deep-review"));
    assert_eq!(
        config_toml["model_providers"]["deep-review"]["env_key"].as_str(),
        Some("LOCAL_LLM_KEY")
    );
    assert_eq!(config_toml["analytics"]["enabled"].as_bool(), Some(false));
    assert_eq!(config_toml["features"]["plugins"].as_bool(), Some(false));
    let env = env_of(&fx, "codex");
    assert!(env.contains_key("CODEX_HOME"));
    assert!(!Path::new(&env["CODEX_HOME"]).exists());
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"));
    assert_eq!(fx.dump("codex.stdin"), "");
    assert!(drain(&mut rx).contains(&ProgressEvent::ToolCall {
        reviewer: "codex".into(),
        tool: "shell".into()
    }));
}

#[tokio::test]
async fn codex_last_message_file_is_the_fallback() {
    let fx = Fixture::new();
    let body = format!(
        r#"grep -v agent_message '{}'
while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out=$2; shift; done
printf '## Review from the last-message file\n\nLooks right.\n' > "$out""#,
        stream("codex-json-noplugins.stdout.jsonl").display()
    );
    let config = fake(&fx, "codex", BackendKind::Codex, &body);
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(
        fx.review("codex").as_deref(),
        Some("## Review from the last-message file\n\nLooks right.\n")
    );
}

#[tokio::test]
async fn codex_401_is_failed_with_the_turn_error() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "codex",
        BackendKind::Codex,
        &format!(
            "{}; cat '{}' >&2; exit 1",
            replay("codex-401.stdout.jsonl"),
            stream("codex-401.stderr.txt").display()
        ),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("unexpected status 401 Unauthorized")),
        "{record:?}"
    );
    assert!(record
        .stderr_tail
        .as_deref()
        .is_some_and(|t| t.contains("Reading additional input from stdin")));
}

#[tokio::test]
async fn codex_reconnecting_forever_times_out() {
    let fx = Fixture::new();
    let mut config = fake(
        &fx,
        "codex",
        BackendKind::Codex,
        &format!("{}; sleep 300", replay("codex-refused.stdout.jsonl")),
    );
    config.timeout = Duration::from_millis(1500);
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::TimedOut);
    assert_eq!(record.error.as_deref(), Some("timed out after 1s"));
    let notes: Vec<&str> = record
        .notes
        .iter()
        .map(String::as_str)
        .filter(|n| !n.starts_with("not sandboxed"))
        .collect();
    assert_eq!(notes, ["codex reconnected 5 time(s) to the model API"]);
}

#[tokio::test]
async fn codex_large_prompt_goes_on_stdin() {
    let prompt = format!("# Review\n\n{}\nEND-OF-PROMPT\n", "y".repeat(120 * 1024));
    let fx = Fixture::with_prompt(&prompt);
    let config = fake(
        &fx,
        "codex",
        BackendKind::Codex,
        &replay("codex-json-noplugins.stdout.jsonl"),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(argv(&fx, "codex").last().map(String::as_str), Some("-"));
    assert_eq!(fx.dump("codex.stdin"), prompt);
}

// ---------------------------------------------------------------- gemini

#[tokio::test]
async fn gemini_happy_path_from_the_captured_stream() {
    let fx = Fixture::new();
    let mut config = fake(
        &fx,
        "gemini",
        BackendKind::Gemini,
        &format!(
            "{}; cat '{}' >&2",
            replay("gemini-stream-json.stdout.jsonl"),
            stream("gemini-stream-json.stderr.txt").display()
        ),
    );
    config.model = Some("gemini-2.5-pro".into());
    config.base_url = Some("http://127.0.0.1:9".into());
    config.env.insert("GEMINI_API_KEY".into(), "g-test".into());
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.tool_calls, tools(&[("read_file", 1)]));
    assert_eq!(record.files_read, ["calc.py"]);
    assert_eq!(
        record.tokens,
        Some(Tokens {
            input: 508,
            output: 79,
            ..Tokens::default()
        })
    );
    assert_eq!(record.model.as_deref(), Some("gemini-2.5-pro"));
    // stderr noise on success is not kept in the record.
    assert_eq!(record.stderr_tail, None);
    let review = fx.review("gemini").unwrap();
    assert!(review.starts_with("## Review"), "{review}");
    assert!(review.ends_with("MOCK-REVIEW-DONE\n"), "{review}");

    let args = argv(&fx, "gemini");
    assert_eq!(args[0], "-p");
    assert!(has_flags(&args, &["--output-format", "stream-json"]));
    assert!(has_flags(&args, &["-m", "gemini-2.5-pro"]));
    assert!(!args.iter().any(|a| a == "--yolo" || a == "-y"));
    let env = env_of(&fx, "gemini");
    assert_eq!(env["GEMINI_CLI_TRUST_WORKSPACE"], "true");
    assert_eq!(env["GOOGLE_GEMINI_BASE_URL"], "http://127.0.0.1:9");
    assert_eq!(env["GEMINI_API_KEY"], "g-test");
    assert!(!env.contains_key("CARGO_MANIFEST_DIR"));
    assert!(!Path::new(&env["HOME"]).exists());
    let settings: serde_json::Value = serde_json::from_str(&fx.dump("gemini.config")).unwrap();
    assert_eq!(
        settings.pointer("/security/auth/selectedType"),
        Some(&"gemini-api-key".into())
    );
    assert_eq!(
        settings.pointer("/privacy/usageStatisticsEnabled"),
        Some(&false.into())
    );
    assert_eq!(settings.pointer("/telemetry/enabled"), Some(&false.into()));
}

#[tokio::test]
async fn gemini_401_is_failed_with_the_api_error() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "gemini",
        BackendKind::Gemini,
        &format!(
            "{}; cat '{}' >&2; exit 145",
            replay("gemini-401.stdout.jsonl"),
            stream("gemini-401.stderr.txt").display()
        ),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.exit_code, Some(145));
    let error = record.error.unwrap_or_default();
    assert_eq!(
        error,
        "API error 401 (UNAUTHENTICATED): mock: forced HTTP 401"
    );
    assert!(record
        .stderr_tail
        .as_deref()
        .is_some_and(|t| t.contains("status: 401")));
}

#[tokio::test]
async fn gemini_exit_codes_are_explained() {
    let fx = Fixture::new();
    let config = fake(
        &fx,
        "gemini",
        BackendKind::Gemini,
        "echo 'Invalid auth method selected.' >&2; exit 41",
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(record
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("gemini: authentication failed (exit code 41)")));
    assert_eq!(
        record.stderr_tail.as_deref(),
        Some("Invalid auth method selected.")
    );
}

#[tokio::test]
async fn gemini_large_prompt_goes_on_stdin() {
    let prompt = format!("# Review\n\n{}\nEND-OF-PROMPT\n", "z".repeat(120 * 1024));
    let fx = Fixture::with_prompt(&prompt);
    let config = fake(
        &fx,
        "gemini",
        BackendKind::Gemini,
        &replay("gemini-stream-json.stdout.jsonl"),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert!(argv(&fx, "gemini")[1].contains("standard input"));
    assert_eq!(fx.dump("gemini.stdin"), prompt);
}
