//! Running reviewers: one task per reviewer, all at once, each writing its review,
//! transcript and run record into the work directory. A reviewer that fails is a run
//! record with a status, never an error that stops the others.
//!
//! Backends live in submodules: `command`, `claude`, `codex`, `gemini` (external
//! programs run through [`crate::process`]) and `builtin` (in process).

use std::path::PathBuf;

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::config::ReviewerConfig;
use crate::model::RunRecord;

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
}

impl RunContext {
    /// `review-<name>-pass-<n>.md` in the work directory.
    pub fn review_path(&self, reviewer: &str) -> PathBuf {
        self.workdir
            .join(format!("review-{reviewer}-pass-{}.md", self.pass))
    }

    /// `run-<name>.json` in the work directory.
    pub fn record_path(&self, reviewer: &str) -> PathBuf {
        self.workdir.join(format!("run-{reviewer}.json"))
    }

    /// `transcript-<name>.jsonl` (the raw stream or output) in the work directory.
    pub fn transcript_path(&self, reviewer: &str) -> PathBuf {
        self.workdir.join(format!("transcript-{reviewer}.jsonl"))
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
    Finished {
        reviewer: String,
        record: Box<RunRecord>,
    },
}

pub type ProgressSender = mpsc::UnboundedSender<ProgressEvent>;

/// Runs one reviewer to the end and returns its record (also written to
/// `run-<name>.json`). Cancellation kills the reviewer and records `not_finished`.
pub async fn run_reviewer(
    _config: &ReviewerConfig,
    _ctx: &RunContext,
    _progress: Option<ProgressSender>,
    _cancel: CancellationToken,
) -> RunRecord {
    unimplemented!("run_reviewer: owned by the runner work")
}
