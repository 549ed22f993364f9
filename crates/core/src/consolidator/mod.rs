//! The optional consolidator model (`[consolidator] reviewer = "<name>"`, SPEC section
//! 1): any configured reviewer — an API model, an agent CLI, a command — given the
//! deterministic report as data (not the raw reviews, not the code) writes the
//! executive summary, the verdict sentence, the retro paragraphs and the reconciliation
//! reasons, and may propose merges and severity changes.
//!
//! The model never decides: [`crate::consolidate::apply_proposals`] checks every
//! proposed change, and the verdict stays the one the severities give. Whatever goes
//! wrong — the run fails, times out, hits its budget, answers something unreadable — the
//! deterministic report is kept as it was and `Report::consolidator` says why.
//!
//! Its files live in `consolidator/` of the work directory ([`layout::CONSOLIDATOR_DIR`]):
//! its prompt, its answer, transcript and run record, kept apart from the panel's so
//! that a reviewer serving as consolidator too is not read back as a second review.

mod answer;
mod prompt;

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

pub use answer::{parse_answer, Answer};

use crate::config::ReviewerConfig;
use crate::consolidate::{apply_proposals, Applied, Consolidation};
use crate::model::{ParsedReview, RunRecord, RunStatus};
use crate::prose::one_line;
use crate::report::{ConsolidatorReport, ModelProposal, Report};
use crate::reviewers::{self, env::HostEnv, ProgressEvent, ProgressSender, RunContext};
use crate::verify::VerifyOutcome;
use crate::workdir::{self, layout};

/// Where and how the consolidator runs.
#[derive(Debug, Clone)]
pub struct Setup {
    pub config: ReviewerConfig,
    /// The review's work directory; the consolidator's files go in its
    /// `consolidator/` folder.
    pub workdir: PathBuf,
    /// The sandbox launcher, as for the panel.
    pub sandbox: Option<PathBuf>,
    pub cancel: CancellationToken,
    /// The environment allow-listed variables come from (the process's; tests pass
    /// their own).
    pub host: HostEnv,
    /// Live progress, reported under the name [`PROGRESS_NAME`].
    pub progress: Option<ProgressSender>,
}

/// The name the consolidator's run has on the progress display.
pub const PROGRESS_NAME: &str = "consolidator";

/// What the deterministic pass made, for the consolidator to improve on.
pub struct Deterministic<'a> {
    pub report: Report,
    pub consolidation: &'a Consolidation,
    pub reviews: &'a [ParsedReview],
    pub verification: &'a VerifyOutcome,
}

/// Runs the consolidator on `base` and returns the report to write: `base.report`
/// improved by what the model wrote and the changes the engine accepted, or unchanged
/// (with `consolidator` saying why) when the model's answer cannot be used. `rebuild`
/// makes a report from a changed consolidation, exactly as the deterministic pass did.
/// The second value is what the user should be told.
pub async fn improve(
    setup: &Setup,
    base: Deterministic<'_>,
    rebuild: impl Fn(&Consolidation) -> Report,
) -> (Report, Vec<String>) {
    let name = setup.config.name.clone();
    let mut report = base.report;
    let run = run_model(setup, &report).await;
    let mut record = ConsolidatorReport {
        reviewer: name.clone(),
        display: run.record.display_name().to_string(),
        status: run.record.status.as_str().to_string(),
        error: run.record.error.clone(),
        duration_ms: run.record.duration_ms,
        tokens: run.record.tokens,
        cost_usd: run.record.cost_usd,
        ..ConsolidatorReport::default()
    };
    let answer = match run.text {
        Err(why) => {
            record.error = Some(why.clone());
            report.consolidator = Some(record);
            return (report, vec![kept_note(&name, &why)]);
        }
        Ok(text) => parse_answer(&text),
    };
    let answer = match answer {
        Ok(a) => a,
        Err(why) => {
            record.status = "unusable".into();
            record.error = Some(why.clone());
            report.consolidator = Some(record);
            return (report, vec![kept_note(&name, &why)]);
        }
    };

    let decision_seen = report.verdict.decision;
    let mut consolidation = base.consolidation.clone();
    let applied = apply_proposals(
        &mut consolidation,
        base.reviews,
        base.verification,
        &answer.proposals,
        &name,
    );
    let reworded = reword_reconciliations(&mut consolidation, &answer.reconciliation, &applied);
    if !applied.accepted.is_empty() || !reworded.is_empty() {
        report = rebuild(&consolidation);
    }
    let mut wrote = overlay(&mut report, &answer, &applied, decision_seen);
    wrote.extend(reworded.iter().map(|id| format!("reconciliation:{id}")));
    let mut rejected = applied.rejected;
    rejected.extend(answer.unreadable);
    record.wrote = wrote;
    record.accepted = applied.accepted;
    record.rejected = rejected;
    let notes = annotate_run_record(run.record, &run.record_path, &record)
        .into_iter()
        .collect();
    report.consolidator = Some(record);
    (report, notes)
}

/// "the consolidator X's answer was not used (why); the report is the deterministic one".
fn kept_note(name: &str, why: &str) -> String {
    format!(
        "the consolidator `{name}` was not used ({}); the report is the deterministic one",
        one_line(why)
    )
}

/// The consolidator's run: its record (as written, masked), where it is, and its
/// answer's text (or why there is none).
struct ModelRun {
    record: RunRecord,
    record_path: PathBuf,
    text: Result<String, String>,
}

async fn run_model(setup: &Setup, report: &Report) -> ModelRun {
    let dir = setup.workdir.join(layout::CONSOLIDATOR_DIR);
    let empty = dir.join(layout::CONSOLIDATOR_CHECKOUT);
    let prompt_file = dir.join(layout::PROMPT_FILE);
    let prepared = std::fs::create_dir_all(&empty)
        .and_then(|()| workdir::write_atomic(&prompt_file, prompt::build(report).as_bytes()));
    if let Err(e) = prepared {
        let why = format!("cannot prepare {}: {e}", dir.display());
        return ModelRun {
            record_path: dir.join(layout::run_record_file(&setup.config.name)),
            record: RunRecord {
                name: setup.config.name.clone(),
                status: RunStatus::Failed,
                error: Some(why.clone()),
                ..RunRecord::default()
            },
            text: Err(why),
        };
    }
    let ctx = RunContext {
        workdir: dir.clone(),
        // An empty folder: the consolidator works from the report alone.
        checkout: empty,
        prompt_file,
        // No diff: an API consolidator gets the prompt as it is.
        diff_file: dir.join(layout::DIFF_FILE),
        base: report.target.base.clone().unwrap_or_default(),
        head: report.target.head.clone().unwrap_or_default(),
        pass: 1,
        sandbox: setup.sandbox.clone(),
    };
    // The run's events, renamed on their way to the display.
    let (progress, forward) = match &setup.progress {
        Some(display) => {
            let (sender, mut events) = tokio::sync::mpsc::unbounded_channel::<ProgressEvent>();
            let display = display.clone();
            let forward = tokio::spawn(async move {
                while let Some(event) = events.recv().await {
                    let _ = display.send(event.renamed(PROGRESS_NAME));
                }
            });
            (Some(sender), Some(forward))
        }
        None => (None, None),
    };
    let record = reviewers::run_reviewer_in(
        &setup.config,
        &ctx,
        &setup.host,
        progress,
        setup.cancel.clone(),
    )
    .await;
    if let Some(forward) = forward {
        let _ = forward.await;
    }
    let text = match (record.status, &record.review_file) {
        (RunStatus::Ok, Some(file)) => std::fs::read(dir.join(file))
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .map_err(|e| format!("cannot read its answer: {e}")),
        (RunStatus::Ok, None) => Err("it wrote no answer".into()),
        (status, _) => Err(match &record.error {
            Some(e) => format!("{}: {}", status.as_str(), one_line(e)),
            None => status.as_str().to_string(),
        }),
    };
    ModelRun {
        record_path: ctx.record_path(&setup.config.name),
        record,
        text,
    }
}

/// Replaces the reconciliation reasons the model reworded, for findings that have one
/// the deterministic pass wrote (not those the model itself re-rated). Returns the ids
/// reworded, as the report has them now.
fn reword_reconciliations(
    consolidation: &mut Consolidation,
    reasons: &BTreeMap<String, String>,
    applied: &Applied,
) -> Vec<String> {
    let mut reworded = Vec::new();
    for (seen, reason) in reasons {
        let id = applied
            .renamed
            .get(seen.trim())
            .cloned()
            .unwrap_or_else(|| seen.trim().to_string());
        let reason = answer::clean_text(&applied.remap(reason), answer::MAX_SENTENCE_CHARS);
        let Some(f) = consolidation.findings.iter_mut().find(|f| f.id == id) else {
            continue;
        };
        if reason.is_empty()
            || f.reconciliation.is_none()
            || f.severity_rule.as_deref() == Some("model")
        {
            continue;
        }
        f.reconciliation = Some(reason);
        reworded.push(id);
    }
    reworded
}

/// Puts the model's prose into the report: the summary, the verdict sentence (only
/// when the verdict is still the one the model was shown), the retro paragraphs of
/// reviewers that are in the panel. Returns the parts written.
fn overlay(
    report: &mut Report,
    answer: &Answer,
    applied: &Applied,
    decision_seen: crate::model::Decision,
) -> Vec<String> {
    let mut wrote = Vec::new();
    if let Some(summary) = answer.summary.as_deref().map(|s| applied.remap(s)) {
        report.summary = summary;
        wrote.push("summary".to_string());
    }
    if let Some(reason) = &answer.verdict_reason {
        if report.verdict.decision == decision_seen {
            report.verdict.reason = applied.remap(reason);
            wrote.push("verdict".to_string());
        }
    }
    for (name, paragraph) in &answer.retro {
        if let Some(r) = report.reviewers.iter_mut().find(|r| &r.name == name) {
            r.retro = applied.remap(paragraph);
            wrote.push(format!("retro:{name}"));
        }
    }
    wrote
}

/// Writes the consolidator's run record (`run-<name>.json` at `path`) again with the
/// accepted and rejected proposals. A note when it cannot be written (the report still
/// says it all).
fn annotate_run_record(
    mut run: RunRecord,
    path: &std::path::Path,
    record: &ConsolidatorReport,
) -> Option<String> {
    run.proposals_accepted = record.accepted.iter().map(ModelProposal::line).collect();
    run.proposals_rejected = record.rejected.iter().map(ModelProposal::line).collect();
    let update = || -> Result<(), String> {
        let json = crate::secrets::to_masked_json(&run).map_err(|e| e.to_string())? + "\n";
        workdir::write_atomic(path, json.as_bytes()).map_err(|e| e.to_string())
    };
    update().err().map(|e| {
        format!(
            "the consolidator's run record {} was not updated with its proposals: {e}",
            path.display()
        )
    })
}

#[cfg(test)]
mod tests;
