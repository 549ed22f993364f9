//! The `builtin` reviewer: real linters found on the machine, run on the changed files
//! of the read-only checkout, keeping only diagnostics on lines the change adds; plus
//! our own checks (secrets, conflict markers, test gaps, large files, debug leftovers).
//! Needs no model and no network. Its output is a review like any other reviewer's.

use std::collections::BTreeMap;

use tokio_util::sync::CancellationToken;

use crate::config::ReviewerConfig;
use crate::run::RunContext;

/// What a builtin run produced.
#[derive(Debug, Clone, Default)]
pub struct BuiltinOutcome {
    /// The review text (Markdown with the fenced JSON block the parser prefers).
    pub review: String,
    /// Linters run, by tool name (`clippy` → 1), for the run record.
    pub tool_calls: BTreeMap<String, u64>,
    /// Linters that were missing, timed out or failed, one line each.
    pub notes: Vec<String>,
    /// Changed files the builtin reviewer looked at.
    pub files_read: Vec<String>,
}

/// Reviews the change in `ctx` (diff in `ctx.diff_file`, code in `ctx.checkout`).
pub async fn review(
    config: &ReviewerConfig,
    ctx: &RunContext,
    cancel: &CancellationToken,
) -> BuiltinOutcome {
    let _ = (config, ctx, cancel);
    unimplemented!("builtin::review")
}
