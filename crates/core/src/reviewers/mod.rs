//! Running reviewers: one task per reviewer, all at once, each writing its review,
//! transcript and run record into the work directory. A reviewer that fails is a run
//! record with a status, never an error that stops the others.
//!
//! Backends live in submodules: `command`, `claude`, `codex`, `gemini` (external
//! programs run through [`crate::process`], the agent CLIs sharing `agent`) and the
//! builtin reviewer (in process, [`builtin`]). [`env`] is the one place that says
//! which environment variables a reviewer sees.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{BackendKind, ReviewerConfig};
use crate::model::{RunRecord, RunStatus, Tokens};
use crate::prose::one_line;
use crate::workdir::layout;

mod agent;
pub mod api;
pub mod builtin;
mod claude;
mod codex;
pub mod command;
pub mod env;
mod gemini;
pub mod import;
pub mod needs;
pub mod ready;

/// What every reviewer run needs to know about the review it is part of.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The review's work directory; reviews, transcripts and run records go here.
    pub workdir: PathBuf,
    /// The read-only checkout of the head revision the reviewer works in.
    pub checkout: PathBuf,
    /// The prompt every reviewer gets (`prompt.md` in the work directory).
    pub prompt_file: PathBuf,
    /// The unified diff of the change (`diff.patch` in the work directory).
    pub diff_file: PathBuf,
    /// Full SHAs.
    pub base: String,
    pub head: String,
    /// Review round (the `pass` in `review-<name>-pass-<n>.md`).
    pub pass: u32,
    /// The `deep-review-sandbox` launcher ([`crate::sandbox`]) that confines `command`
    /// reviewers and the builtin reviewer's linters; `None` runs them unconfined, which
    /// their run records say.
    pub sandbox: Option<PathBuf>,
}

impl RunContext {
    /// A context for unit tests of the backends' command lines: work directory `/w`,
    /// checkout `/co`, the usual file names, no sandbox.
    #[cfg(test)]
    pub(crate) fn for_tests(base: &str, head: &str, pass: u32) -> RunContext {
        RunContext {
            workdir: PathBuf::from("/w"),
            checkout: PathBuf::from("/co"),
            prompt_file: PathBuf::from("/w").join(crate::workdir::PROMPT_FILE),
            diff_file: PathBuf::from("/w").join(crate::workdir::DIFF_FILE),
            base: base.to_string(),
            head: head.to_string(),
            pass,
            sandbox: None,
        }
    }

    /// `review-<name>-pass-<n>.md` in the work directory.
    pub fn review_path(&self, reviewer: &str) -> PathBuf {
        self.workdir.join(layout::review_file(reviewer, self.pass))
    }

    /// `run-<name>.json` in the work directory.
    pub fn record_path(&self, reviewer: &str) -> PathBuf {
        self.workdir.join(layout::run_record_file(reviewer))
    }

    /// `transcript-<name>.jsonl` (the raw stream or output) in the work directory.
    pub fn transcript_path(&self, reviewer: &str) -> PathBuf {
        self.workdir.join(layout::transcript_file(reviewer))
    }
}

/// Live progress from a running reviewer, for the terminal display.
#[derive(Debug, Clone, PartialEq)]
pub enum ProgressEvent {
    Started {
        reviewer: String,
    },
    /// A tool call seen in the reviewer's stream (`Read`, `shell`, …).
    ToolCall {
        reviewer: String,
        tool: String,
    },
    /// What the reviewer is doing now, in a few words (`clippy (compiling
    /// dependencies)`, `running`, `waiting for the first event`).
    Step {
        reviewer: String,
        step: String,
    },
    /// A command the reviewer runs, as one shell-like line (secrets masked), for
    /// `--verbose`.
    Command {
        reviewer: String,
        command: String,
    },
    Finished {
        reviewer: String,
        record: Box<RunRecord>,
    },
}

impl ProgressEvent {
    /// The event with its reviewer called `name` (the consolidator's run shows on a
    /// line of its own, whatever reviewer serves as consolidator).
    pub fn renamed(self, name: &str) -> ProgressEvent {
        let name = name.to_string();
        match self {
            ProgressEvent::Started { .. } => ProgressEvent::Started { reviewer: name },
            ProgressEvent::ToolCall { tool, .. } => ProgressEvent::ToolCall {
                reviewer: name,
                tool,
            },
            ProgressEvent::Step { step, .. } => ProgressEvent::Step {
                reviewer: name,
                step,
            },
            ProgressEvent::Command { command, .. } => ProgressEvent::Command {
                reviewer: name,
                command,
            },
            ProgressEvent::Finished { record, .. } => ProgressEvent::Finished {
                reviewer: name,
                record,
            },
        }
    }
}

pub type ProgressSender = mpsc::UnboundedSender<ProgressEvent>;

/// Runs one reviewer to the end and returns its record, also written to
/// `run-<name>.json`. Never panics and never fails: whatever goes wrong is the record's
/// `status` and `error`. Cancellation kills the reviewer and records `not_finished`.
///
/// Files written in `ctx.workdir`: `review-<name>-pass-<n>.md` (when the status is
/// `ok`, or `budget_exceeded` with text written before the stop), `transcript-<name>.jsonl` (the raw standard output, capped), `run-<name>.json`.
///
/// Status rule:
/// - `ok`: a usable review (non-empty text with letters, not binary noise) and a clean
///   end. Agent CLIs (`claude`, `codex`, `gemini`) must also exit 0 and report success
///   in their stream: a non-zero exit or an error event means the review may be partial.
///   A `command` reviewer that exits non-zero but printed a usable review is `ok`, with
///   the exit code and a note in the record (like a linter: only "failed and produced
///   nothing" is a failure). Killed by a signal is always a failure.
/// - `failed`: no usable review (empty, garbage), a non-zero exit, the CLI's own error
///   event, a program that could not be started.
/// - `timed_out`: still running at the reviewer's `timeout`; its process group was killed.
/// - `not_finished`: cancelled through `cancel` while running; `skipped`: cancelled before
///   it started, or an `import` reviewer with nothing to import (no pull request).
pub async fn run_reviewer(
    config: &ReviewerConfig,
    ctx: &RunContext,
    progress: Option<ProgressSender>,
    cancel: CancellationToken,
) -> RunRecord {
    run_reviewer_in(config, ctx, &env::HostEnv::capture(), progress, cancel).await
}

/// [`run_reviewer`] with an explicit host environment to take allow-listed variables
/// from (ours in production; tests pass their own).
pub async fn run_reviewer_in(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &env::HostEnv,
    progress: Option<ProgressSender>,
    cancel: CancellationToken,
) -> RunRecord {
    let started_at = chrono::Utc::now();
    let clock = Instant::now();
    let progress = Progress {
        reviewer: config.name.clone(),
        sender: progress,
    };
    progress.send(ProgressEvent::Started {
        reviewer: config.name.clone(),
    });

    let outcome = if cancel.is_cancelled() {
        Outcome::skipped("cancelled before it started")
    } else if let Err(e) = tokio::fs::create_dir_all(&ctx.workdir).await {
        Outcome::failed(format!(
            "cannot create work directory {}: {e}",
            ctx.workdir.display()
        ))
    } else if needs_checkout(config.backend) && !ctx.checkout.is_dir() {
        Outcome::failed(format!(
            "the checkout {} does not exist",
            ctx.checkout.display()
        ))
    } else {
        match config.backend {
            BackendKind::Command => command::run(config, ctx, host, &progress, &cancel).await,
            BackendKind::Claude => claude::run(config, ctx, host, &progress, &cancel).await,
            BackendKind::Codex => codex::run(config, ctx, host, &progress, &cancel).await,
            BackendKind::Gemini => gemini::run(config, ctx, host, &progress, &cancel).await,
            BackendKind::Builtin => run_builtin(config, ctx, &progress, &cancel).await,
            BackendKind::Import => import::run(config, &ctx.workdir),
            BackendKind::Anthropic
            | BackendKind::Openai
            | BackendKind::GeminiApi
            | BackendKind::OpenaiCompatible => {
                api::run(config, ctx, host, &progress, &cancel).await
            }
        }
    };
    let record = finish(config, ctx, outcome, started_at, clock.elapsed()).await;
    progress.send(ProgressEvent::Finished {
        reviewer: config.name.clone(),
        record: Box::new(record.clone()),
    });
    record
}

/// Backends that run a program in the checkout.
fn needs_checkout(backend: BackendKind) -> bool {
    matches!(
        backend,
        BackendKind::Command | BackendKind::Claude | BackendKind::Codex | BackendKind::Gemini
    )
}

/// Runs every reviewer of the panel at once and returns their records in panel order.
/// One reviewer failing, hanging or panicking costs only its own record. Reviewer names
/// must be unique within a panel: the files a run writes are named after them.
pub async fn run_panel(
    configs: &[ReviewerConfig],
    ctx: &RunContext,
    progress: Option<ProgressSender>,
    cancel: CancellationToken,
) -> Vec<RunRecord> {
    let host = env::HostEnv::capture();
    let mut tasks = JoinSet::new();
    let mut index_of = HashMap::new();
    for (index, config) in configs.iter().enumerate() {
        let (config, ctx, host) = (config.clone(), ctx.clone(), host.clone());
        let (progress, cancel) = (progress.clone(), cancel.clone());
        let handle = tasks
            .spawn(async move { run_reviewer_in(&config, &ctx, &host, progress, cancel).await });
        index_of.insert(handle.id(), index);
    }
    let mut records: Vec<Option<RunRecord>> = vec![None; configs.len()];
    while let Some(joined) = tasks.join_next_with_id().await {
        match joined {
            Ok((id, record)) => {
                if let Some(&i) = index_of.get(&id) {
                    records[i] = Some(record);
                }
            }
            Err(e) => {
                let Some(&i) = index_of.get(&e.id()) else {
                    continue;
                };
                let config = &configs[i];
                let outcome = Outcome::failed(format!("internal error: {}", join_error_message(e)));
                records[i] =
                    Some(finish(config, ctx, outcome, chrono::Utc::now(), Duration::ZERO).await);
            }
        }
    }
    records
        .into_iter()
        .zip(configs)
        .map(|(record, config)| {
            record.unwrap_or_else(|| RunRecord {
                name: config.name.clone(),
                status: RunStatus::Failed,
                error: Some("internal error: the reviewer's task was lost".to_string()),
                ..RunRecord::default()
            })
        })
        .collect()
}

/// Sends progress events for one reviewer (when anyone listens).
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    reviewer: String,
    sender: Option<ProgressSender>,
}

impl Progress {
    /// A progress handle nobody watches.
    pub(crate) fn silent(reviewer: &str) -> Self {
        Progress {
            reviewer: reviewer.to_string(),
            sender: None,
        }
    }

    /// The reviewer's current step.
    pub(crate) fn step(&self, step: impl Into<String>) {
        self.send(ProgressEvent::Step {
            reviewer: self.reviewer.clone(),
            step: step.into(),
        });
    }

    /// A command about to run (`--verbose` prints it).
    pub(crate) fn command(&self, spec: &crate::process::ProcessSpec) {
        let line = std::iter::once(&spec.program)
            .chain(&spec.args)
            .map(|word| shell_word(word))
            .collect::<Vec<_>>()
            .join(" ");
        self.send(ProgressEvent::Command {
            reviewer: self.reviewer.clone(),
            command: crate::secrets::mask_secrets(&line).into_owned(),
        });
    }

    fn send(&self, event: ProgressEvent) {
        if let Some(sender) = &self.sender {
            // A closed receiver only means nobody watches any more.
            let _ = sender.send(event);
        }
    }

    /// A tool call seen in the reviewer's stream.
    pub(crate) fn tool_call(&self, tool: &str) {
        self.send(ProgressEvent::ToolCall {
            reviewer: self.reviewer.clone(),
            tool: tool.to_string(),
        });
    }
}

/// `word` as a shell would need it to stay one word (single-quoted when it must be);
/// a long one (a prompt passed as an argument) is cut to its start.
fn shell_word(word: &str) -> String {
    const LONG: usize = 48;
    let cut;
    let word = if word.chars().count() > LONG {
        let start: String = word.chars().take(32).collect();
        cut = format!("{start}… ({} bytes)", word.len());
        &cut
    } else {
        word
    };
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// What a backend produced, before it is written out.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub status: RunStatus,
    /// Set only when the status is `ok`.
    pub review: Option<String>,
    pub error: Option<String>,
    pub notes: Vec<String>,
    pub exit_code: Option<i32>,
    pub tool_calls: BTreeMap<String, u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: Option<f64>,
    /// The model the stream says was used (else the configured one is recorded).
    pub model: Option<String>,
    pub files_read: Vec<String>,
    pub stderr_tail: Option<String>,
    /// The raw standard output, written to `transcript-<name>.jsonl`.
    pub transcript: Option<Vec<u8>>,
}

impl Outcome {
    pub(crate) fn failed(error: impl Into<String>) -> Self {
        Outcome {
            status: RunStatus::Failed,
            error: Some(error.into()),
            ..Outcome::default()
        }
    }

    pub(crate) fn skipped(error: impl Into<String>) -> Self {
        Outcome {
            status: RunStatus::Skipped,
            error: Some(error.into()),
            ..Outcome::default()
        }
    }
}

/// How many of stderr's last lines a record keeps.
const STDERR_TAIL_LINES: usize = 40;

/// The last lines of `stderr`, or `None` when there is nothing.
pub(crate) fn stderr_tail(stderr: &str) -> Option<String> {
    let lines: Vec<&str> = stderr.lines().collect();
    let tail = lines[lines.len().saturating_sub(STDERR_TAIL_LINES)..].join("\n");
    let tail = tail.trim();
    (!tail.is_empty()).then(|| tail.to_string())
}

/// The last non-empty line of `stderr`, for one-line errors.
pub(crate) fn last_stderr_line(stderr: &str) -> Option<&str> {
    stderr.lines().map(str::trim).rfind(|l| !l.is_empty())
}

/// Writes the review, transcript and record files and builds the record.
async fn finish(
    config: &ReviewerConfig,
    ctx: &RunContext,
    mut outcome: Outcome,
    started_at: chrono::DateTime<chrono::Utc>,
    elapsed: Duration,
) -> RunRecord {
    let name = &config.name;
    let mut review_file = None;
    // A run stopped at its budget keeps what it wrote.
    let budget_stop = outcome.status == RunStatus::BudgetExceeded && outcome.review.is_some();
    let mut review_digest = None;
    if outcome.status == RunStatus::Ok || budget_stop {
        match &outcome.review {
            Some(review) => {
                let path = ctx.review_path(name);
                // Saved masked like everything deep-review writes: a reviewer quoting
                // a credential does not put it on disk again.
                let mut text = crate::secrets::mask_secrets(review).into_owned();
                text.push('\n');
                let digest = crate::workdir::read::digest(text.as_bytes());
                match write_atomic(path.clone(), text.into_bytes()).await {
                    Ok(()) => {
                        review_file = Some(file_name(&path));
                        review_digest = Some(digest);
                    }
                    Err(e) => {
                        outcome.status = RunStatus::Failed;
                        outcome.error = Some(format!(
                            "cannot write the review to {}: {e}",
                            path.display()
                        ));
                    }
                }
            }
            None => {
                outcome.status = RunStatus::Failed;
                outcome.error = Some("produced no review".to_string());
            }
        }
    }
    let mut transcript_file = None;
    if let Some(transcript) = outcome.transcript.take().filter(|t| !t.is_empty()) {
        let transcript = mask_bytes(transcript);
        let path = ctx.transcript_path(name);
        match write_atomic(path.clone(), transcript).await {
            Ok(()) => transcript_file = Some(file_name(&path)),
            Err(e) => outcome.notes.push(format!(
                "cannot write the transcript to {}: {e}",
                path.display()
            )),
        }
    }
    let ok = outcome.status == RunStatus::Ok;
    let mut record = RunRecord {
        name: name.clone(),
        display: config.display.clone(),
        backend: Some(config.backend.as_str().to_string()),
        model: outcome.model.or_else(|| config.model.clone()),
        effort: config.effort.clone(),
        status: outcome.status,
        error: outcome.error.map(|e| one_line(&e)),
        exit_code: outcome.exit_code,
        started_at: Some(started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        duration_ms: Some(u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)),
        tool_calls: outcome.tool_calls,
        tokens: outcome.tokens,
        cost_usd: outcome.cost_usd,
        files_read: outcome.files_read,
        stderr_tail: if ok { None } else { outcome.stderr_tail },
        review_file,
        review_bytes: review_digest.as_ref().map(|d| d.0),
        review_sha256: review_digest.map(|d| d.1),
        transcript_file,
        pass: Some(ctx.pass),
        notes: outcome.notes,
        ..RunRecord::default()
    };
    mask_record(&mut record);
    let path = ctx.record_path(name);
    let written = match crate::secrets::to_masked_json(&record) {
        Ok(mut json) => {
            json.push('\n');
            write_atomic(path.clone(), json.into_bytes())
                .await
                .map_err(|e| e.to_string())
        }
        Err(e) => Err(e.to_string()),
    };
    if let Err(e) = written {
        record.notes.push(format!(
            "cannot write the run record to {}: {e}",
            path.display()
        ));
    }
    record
}

/// [`crate::workdir::write_atomic`] off the async runtime's threads.
async fn write_atomic(path: PathBuf, bytes: Vec<u8>) -> std::io::Result<()> {
    tokio::task::spawn_blocking(move || crate::workdir::write_atomic(&path, &bytes))
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
}

/// Masks every secret in the record's free text (a failing CLI's stderr can hold a
/// token), before it is written or shown.
fn mask_record(record: &mut RunRecord) {
    let mask = |text: &mut String| *text = crate::secrets::masked(std::mem::take(text));
    record.error.iter_mut().for_each(mask);
    record.stderr_tail.iter_mut().for_each(mask);
    record.notes.iter_mut().for_each(mask);
}

/// `bytes` with every secret masked (read as lossy UTF-8 only when there is one).
fn mask_bytes(bytes: Vec<u8>) -> Vec<u8> {
    match crate::secrets::mask_secrets(&String::from_utf8_lossy(&bytes)) {
        std::borrow::Cow::Owned(masked) => masked.into_bytes(),
        std::borrow::Cow::Borrowed(_) => bytes,
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The builtin reviewer, in its own task so that a panic in it is a failed record.
async fn run_builtin(
    config: &ReviewerConfig,
    ctx: &RunContext,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    let (c, x, p, k) = (
        config.clone(),
        ctx.clone(),
        progress.clone(),
        cancel.clone(),
    );
    let mut task =
        tokio::spawn(
            async move { crate::reviewers::builtin::review_reporting(&c, &x, &p, &k).await },
        );
    let joined = tokio::select! {
        joined = &mut task => joined,
        _ = tokio::time::sleep(config.timeout) => {
            task.abort();
            return Outcome {
                status: RunStatus::TimedOut,
                error: Some(format!("timed out after {}", crate::prose::duration_clock(config.timeout))),
                ..Outcome::default()
            };
        }
        _ = cancel.cancelled() => {
            // Give it a moment to stop its linters itself.
            if tokio::time::timeout(Duration::from_secs(5), &mut task).await.is_err() {
                task.abort();
            }
            return Outcome { status: RunStatus::NotFinished, error: Some("cancelled".to_string()), ..Outcome::default() };
        }
    };
    let built = match joined {
        Ok(outcome) => outcome,
        Err(e) => {
            return Outcome::failed(format!(
                "internal error in the builtin reviewer: {}",
                join_error_message(e)
            ))
        }
    };
    let mut outcome = Outcome {
        tool_calls: built.tool_calls,
        files_read: built.files_read,
        notes: built.notes,
        ..Outcome::default()
    };
    match crate::review_text::usable_review(built.review.as_bytes()) {
        Ok(review) => {
            outcome.status = RunStatus::Ok;
            outcome.review = Some(review);
        }
        Err(reason) => {
            outcome.status = RunStatus::Failed;
            outcome.error = Some(reason);
        }
    }
    outcome
}

fn join_error_message(e: tokio::task::JoinError) -> String {
    if e.is_cancelled() {
        return "the task was cancelled".to_string();
    }
    let payload = e.into_panic();
    if let Some(s) = payload.downcast_ref::<&str>() {
        format!("panicked: {s}")
    } else if let Some(s) = payload.downcast_ref::<String>() {
        format!("panicked: {s}")
    } else {
        "panicked".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_message() {
        let joined = tokio::spawn(async { panic!("boom") }).await;
        let message = joined.err().map(join_error_message);
        assert_eq!(message.as_deref(), Some("panicked: boom"));
    }

    #[test]
    fn errors_are_one_line() {
        assert_eq!(
            one_line("API Error: 500\n  {\"error\": \"x\"}\n"),
            "API Error: 500 {\"error\": \"x\"}"
        );
    }

    #[test]
    fn stderr_is_kept_as_its_last_lines() {
        let long: String = (1..=50).map(|i| format!("line {i}\n")).collect();
        let tail = stderr_tail(&long).unwrap_or_default();
        assert!(
            tail.starts_with("line 11\n") && tail.ends_with("line 50"),
            "{tail}"
        );
        assert_eq!(stderr_tail(" \n\n"), None);
        assert_eq!(last_stderr_line("a\nlast one  \n\n"), Some("last one"));
        assert_eq!(last_stderr_line(""), None);
    }
}
