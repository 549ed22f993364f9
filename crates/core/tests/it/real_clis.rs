//! The real Claude Code, Codex and Gemini CLIs, driven through `run_reviewer` against the
//! local mock model server (`tests/it/support/mock_llm_server.py`). Opt-in (`#[ignore]`),
//! because it installs the CLIs with npm: `cargo test --test it real_clis -- --ignored`
//! (see `scripts/test-real-clis.sh`).
//! `DEEP_REVIEW_AGENT_CLIS_BIN` points at already installed executables.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::{RunRecord, RunStatus};
use deep_review_core::reviewers::{run_panel, run_reviewer};
use support::Fixture;
use tokio_util::sync::CancellationToken;

const MARKER: &str = "MOCK-REVIEW-DONE";

/// The directory holding `claude`, `codex` and `gemini`, installing them if needed.
fn cli_bin() -> PathBuf {
    if let Ok(dir) = std::env::var("DEEP_REVIEW_AGENT_CLIS_BIN") {
        return PathBuf::from(dir);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/install-agent-clis.sh");
    let out = Command::new("bash")
        .arg(&script)
        .stderr(Stdio::inherit())
        .output()
        .expect("run install-agent-clis.sh");
    assert!(out.status.success(), "install-agent-clis.sh failed");
    let stdout = String::from_utf8_lossy(&out.stdout);
    PathBuf::from(stdout.lines().last().expect("bin dir").trim())
}

/// The mock model server on a free loopback port; killed when dropped.
struct Mock {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Mock {
    fn start(dir: &Path, checkout: &Path) -> Mock {
        Self::start_with(dir, checkout, &[])
    }

    fn start_with(dir: &Path, checkout: &Path, extra: &[&str]) -> Mock {
        let log = dir.join("mock-requests.jsonl");
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/support/mock_llm_server.py");
        let mut child = Command::new("python3")
            .arg(&script)
            .args(["--port", "0", "--log"])
            .arg(&log)
            .arg("--workdir")
            .arg(checkout)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the mock server");
        let mut first = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // "mock LLM server on http://127.0.0.1:PORT mode=…"
        let port = first
            .split("127.0.0.1:")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {first:?}"));
        Mock { child, port, log }
    }

    fn requests(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A git checkout with one commit, like the read-only checkout reviewers get.
fn git_checkout(fx: &Fixture) {
    let co = &fx.ctx.checkout;
    let git = |args: &[&str]| {
        let ok = Command::new("git")
            .args(args)
            .current_dir(co)
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap()
            .success();
        assert!(ok, "git {args:?}");
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "initial"]);
}

fn reviewers(bin: &Path, port: u16) -> Vec<ReviewerConfig> {
    let base = format!("http://127.0.0.1:{port}");
    let mut claude = ReviewerConfig::new("claude", BackendKind::Claude);
    claude.binary = Some(bin.join("claude").display().to_string());
    claude.model = Some("claude-sonnet-4-5".into());
    claude.effort = Some("low".into());
    claude.base_url = Some(base.clone());
    claude
        .env
        .insert("ANTHROPIC_API_KEY".into(), "sk-ant-mock".into());

    let mut codex = ReviewerConfig::new("codex", BackendKind::Codex);
    codex.binary = Some(bin.join("codex").display().to_string());
    codex.model = Some("gpt-5.5".into());
    codex.effort = Some("low".into());
    codex.base_url = Some(format!("{base}/v1"));
    codex.env.insert("OPENAI_API_KEY".into(), "sk-mock".into());

    let mut gemini = ReviewerConfig::new("gemini", BackendKind::Gemini);
    gemini.binary = Some(bin.join("gemini").display().to_string());
    gemini.model = Some("gemini-2.5-pro".into());
    gemini.base_url = Some(base);
    gemini
        .env
        .insert("GEMINI_API_KEY".into(), "mock-key".into());

    let mut all = vec![claude, codex, gemini];
    for r in &mut all {
        r.timeout = Duration::from_secs(180);
    }
    all
}

fn assert_reviewed(fx: &Fixture, record: &RunRecord) {
    assert_eq!(record.status, RunStatus::Ok, "{record:#?}");
    let review = fx.review(&record.name).unwrap_or_default();
    assert!(review.contains(MARKER), "{}: {review}", record.name);
    assert!(record.total_tool_calls() >= 1, "{record:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the agent CLIs from npm and python3; .ci/run runs it with --ignored"]
async fn real_clis_review_through_the_mock_server() {
    let bin = cli_bin();

    // One at a time, timed; confined by the sandbox launcher as `deep-review review`
    // runs them.
    let fx = Fixture::sandboxed();
    git_checkout(&fx);
    let mock = Mock::start(fx.dir.path(), &fx.ctx.checkout);
    for config in reviewers(&bin, mock.port) {
        let started = Instant::now();
        let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
        eprintln!(
            "{}: {:?} in {:.1}s, tools {:?}, tokens {:?}, cost {:?}, model {:?}, notes {:?}",
            config.name,
            record.status,
            started.elapsed().as_secs_f64(),
            record.tool_calls,
            record.tokens,
            record.cost_usd,
            record.model,
            record.notes
        );
        assert_reviewed(&fx, &record);
    }

    // All three at once, with a prompt too large for a command-line argument.
    let prompt = format!(
        "# Review this change\n\n{}\nLARGE-PROMPT-TAIL-MARKER: review it.\n",
        "context line for the reviewer\n".repeat(4000)
    );
    let mut fx = Fixture::with_prompt(&prompt);
    fx.ctx.sandbox = Fixture::sandboxed().ctx.sandbox;
    git_checkout(&fx);
    let mock = Mock::start(fx.dir.path(), &fx.ctx.checkout);
    let started = Instant::now();
    let records = run_panel(
        &reviewers(&bin, mock.port),
        &fx.ctx,
        None,
        CancellationToken::new(),
    )
    .await;
    eprintln!(
        "panel of 3 with a {} KiB prompt: {:.1}s",
        prompt.len() / 1024,
        started.elapsed().as_secs_f64()
    );
    for record in &records {
        assert_reviewed(&fx, record);
    }
    // Nothing was written into the checkout.
    let status = Command::new("git")
        .args(["status", "--porcelain", "--ignored"])
        .current_dir(&fx.ctx.checkout)
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "");
    // Each CLI sent the whole prompt (it came through standard input).
    let requests = mock.requests();
    let with_marker = requests
        .lines()
        .filter(|l| l.contains("LARGE-PROMPT-TAIL-MARKER"))
        .count();
    assert!(
        with_marker >= 3,
        "{with_marker} requests carried the prompt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the agent CLIs from npm and python3; .ci/run runs it with --ignored"]
async fn real_clis_report_a_rejected_api_key() {
    let bin = cli_bin();
    let fx = Fixture::sandboxed();
    git_checkout(&fx);
    let mock = Mock::start_with(fx.dir.path(), &fx.ctx.checkout, &["--fail-status", "401"]);
    for mut config in reviewers(&bin, mock.port) {
        config.timeout = Duration::from_secs(90);
        let started = Instant::now();
        let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
        eprintln!(
            "{} with HTTP 401: {:?} in {:.1}s: {:?}",
            config.name,
            record.status,
            started.elapsed().as_secs_f64(),
            record.error
        );
        assert_eq!(record.status, RunStatus::Failed, "{record:#?}");
        assert!(
            record.error.as_deref().is_some_and(|e| e.contains("401")),
            "{record:#?}"
        );
        assert_eq!(fx.review(&config.name), None);
    }
}
