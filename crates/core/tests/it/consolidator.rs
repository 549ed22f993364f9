//! The consolidator model through the production path (`consolidate_dir_with_model`):
//! a `command` consolidator and an API consolidator on `fake-apis` whose proposals are
//! accepted or rejected, and consolidators that fail, hang or run over budget — which
//! leave the deterministic report exactly as `consolidate_dir` writes it.

use std::path::Path;
use std::time::{Duration, Instant};

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::{RunRecord, Severity};
use deep_review_core::pipeline::{
    consolidate_dir, consolidate_dir_with_model, ConsolidateOptions, Consolidated,
};
use deep_review_core::report::{ConsolidatorReport, Report};
use deep_review_core::reviewers::env::HostEnv;
use deep_review_core::reviewers::ProgressEvent;
use deep_review_core::{consolidator, workdir::layout};
use fake_apis::FakeApis;
use tokio_util::sync::CancellationToken;

use crate::support::{sh, walk};

const KEY: &str = "sk-ant-test-7f3c9a1e5b2d4c6e8f0a1b3c5d7e9f11";

/// Two reviewers: `a` finds the unwrap (I1 of the report) and a missing doc (S1); `b`
/// finds the same unwrap from another angle, far enough in wording that the
/// deterministic pass keeps it apart (I2).
fn work_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let a = "## Findings\n\n### Important\n\n### I1. `parse` unwraps user input\n\n`src/lib.rs:2` calls `unwrap()` on text from the request; return an error.\n\n\
             ### Suggestions\n\n### S1. `parse` has no doc comment\n\n`src/lib.rs:2`: say what input is accepted.\n";
    let b = "## Findings\n\n### Important\n\n### I1. Malformed numbers abort the worker\n\nA non-numeric header kills the process through a panic.\n";
    std::fs::write(dir.path().join(layout::review_file("a", 1)), a).unwrap();
    std::fs::write(dir.path().join(layout::review_file("b", 1)), b).unwrap();
    dir
}

fn options(dir: &Path) -> ConsolidateOptions {
    let mut opts = ConsolidateOptions::new(dir);
    opts.id = Some("r1".into());
    opts
}

fn setup(dir: &Path, config: ReviewerConfig, host: HostEnv) -> consolidator::Setup {
    consolidator::Setup {
        config,
        workdir: dir.to_path_buf(),
        sandbox: None,
        cancel: CancellationToken::new(),
        host,
        progress: None,
    }
}

/// A `command` consolidator that prints `answer`.
fn printing(dir: &Path, answer: &str) -> ReviewerConfig {
    let file = dir.join("answer.txt");
    std::fs::write(&file, answer).unwrap();
    sh("judge", &format!("cat '{}'", file.display()))
}

fn ids(report: &Report) -> Vec<(String, Severity, Vec<String>)> {
    report
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.severity, f.reviewers.clone()))
        .collect()
}

fn run_record(dir: &Path, name: &str) -> RunRecord {
    let path = dir
        .join(layout::CONSOLIDATOR_DIR)
        .join(layout::run_record_file(name));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The report as `consolidate_dir` alone writes it, for comparison.
fn deterministic() -> Report {
    let dir = work_dir();
    consolidate_dir(&options(dir.path())).unwrap().report
}

/// `created_at` is the time of the run when the directory has no manifest.
fn same_apart_from_time(mut a: Report, mut b: Report) {
    a.created_at.clear();
    b.created_at.clear();
    assert_eq!(a, b);
}

/// Runs `config` as consolidator over a fresh work directory; checks that the report is
/// the deterministic one apart from its `consolidator` part, which it returns (with the
/// work directory, kept as long as the caller holds it).
async fn unchanged_by(
    config: ReviewerConfig,
    host: HostEnv,
) -> (tempfile::TempDir, Consolidated, ConsolidatorReport) {
    let dir = work_dir();
    let done = consolidate_dir_with_model(&options(dir.path()), &setup(dir.path(), config, host))
        .await
        .unwrap();
    let mut report = done.report.clone();
    let c = report.consolidator.take().expect("the consolidator's part");
    same_apart_from_time(report, deterministic());
    (dir, done, c)
}

#[test]
fn the_fixture_is_what_the_proposals_assume() {
    let report = deterministic();
    assert_eq!(
        ids(&report),
        vec![
            ("I1".into(), Severity::Important, vec!["a".to_string()]),
            ("I2".into(), Severity::Important, vec!["b".to_string()]),
            ("S1".into(), Severity::Suggestion, vec!["a".to_string()]),
        ]
    );
}

#[tokio::test]
async fn accepted_and_rejected_proposals_from_a_command_consolidator() {
    let dir = work_dir();
    let answer = r#"My consolidation:

```json
{"deep_review_consolidator": 1,
 "summary": "One bug, reported twice: I2 and I1 are the same unchecked parse.",
 "verdict_reason": "Return an error from `parse` instead of panicking.",
 "retro": {"a": "Saw the unwrap first.", "nobody": "not in the panel"},
 "merges": [{"findings": ["I1", "I2"], "reason": "both are the unwrap in parse"},
            {"findings": ["I1", "S1"], "reason": "same function"}],
 "severity_changes": [{"finding": "S1", "severity": "suggestion", "reason": "already"},
                      {"finding": "I2", "severity": "critical", "reason": "a remote crash"}]}
```
"#;
    let config = printing(dir.path(), answer);
    let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
    let mut with_progress = setup(dir.path(), config, HostEnv::from_pairs([]));
    with_progress.progress = Some(sender);
    let done = consolidate_dir_with_model(&options(dir.path()), &with_progress)
        .await
        .unwrap();
    drop(with_progress);
    // Its run shows on the display as `consolidator`, whoever serves.
    let mut seen = Vec::new();
    while let Ok(event) = events.try_recv() {
        seen.push(event);
    }
    assert!(
        matches!(seen.first(), Some(ProgressEvent::Started { reviewer }) if reviewer == consolidator::PROGRESS_NAME),
        "{seen:?}"
    );
    assert!(
        matches!(seen.last(), Some(ProgressEvent::Finished { reviewer, .. }) if reviewer == consolidator::PROGRESS_NAME),
        "{seen:?}"
    );
    let report = &done.report;
    let c = report
        .consolidator
        .as_ref()
        .expect("the consolidator's part");
    assert_eq!(c.status, "ok", "{c:?}");

    // I1 + I2 merged (one without a location fits anywhere; two reviewers) and raised to critical:
    // the severity change named I2, which lives on in the merged finding.
    assert_eq!(
        ids(report),
        vec![
            (
                "C1".into(),
                Severity::Critical,
                vec!["a".to_string(), "b".to_string()]
            ),
            ("S1".into(), Severity::Suggestion, vec!["a".to_string()]),
        ]
    );
    let merged = &report.findings[0];
    assert_eq!(merged.severity_rule.as_deref(), Some("model"));
    assert!(merged
        .merge_reasons
        .iter()
        .any(|r| r.starts_with("model-proposed by judge")));
    assert_eq!(report.verdict.decision.as_str(), "rework");
    // The decision changed (merge_with_fixes → rework): the model's sentence was
    // written for the old one and is not used; its summary is, with ids renamed.
    assert!(!c.wrote.contains(&"verdict".to_string()), "{:?}", c.wrote);
    assert_eq!(
        report.summary,
        "One bug, reported twice: C1 and C1 are the same unchecked parse."
    );
    assert_eq!(report.reviewers[0].retro, "Saw the unwrap first.");
    assert_eq!(c.wrote, vec!["summary", "retro:a"]);

    let accepted: Vec<&str> = c.accepted.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(accepted, ["merge", "severity"]);
    assert_eq!(c.accepted[1].now.as_deref(), Some("C1"));
    let rejected: Vec<&str> = c
        .rejected
        .iter()
        .map(|p| p.rejected_because.as_deref().unwrap())
        .collect();
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert!(
        rejected[0].contains("a would hold two members"),
        "{rejected:?}"
    );
    assert!(
        rejected[1].contains("S1 is already suggestion"),
        "{rejected:?}"
    );

    // The run record lists both, the report files say it, the panel is untouched.
    let record = run_record(dir.path(), "judge");
    assert_eq!(record.proposals_accepted.len(), 2, "{record:?}");
    assert_eq!(record.proposals_rejected.len(), 2, "{record:?}");
    assert!(record.proposals_rejected[0].contains(": rejected: "));
    let md = std::fs::read_to_string(done.review_md().unwrap()).unwrap();
    assert!(md.contains("### Consolidator model"), "{md}");
    assert!(md.contains("- Accepted: merge I1 + I2"), "{md}");
    assert!(
        md.contains("rejected: a would hold two members (I1 and S1)"),
        "{md}"
    );
    assert!(
        md.contains("judge wrote the executive summary and the retro paragraph of a."),
        "{md}"
    );
    let names: Vec<&str> = report.reviewers.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["a", "b"], "the consolidator is not a reviewer");
    let json: Report =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(&json, report);
}

#[tokio::test]
async fn an_api_consolidator_on_the_fake_server() {
    let server = FakeApis::start().await.unwrap();
    let dir = work_dir();
    let mut config = ReviewerConfig::new("judge", BackendKind::Anthropic);
    config.model = Some("claude-sonnet-4-5+consolidate".into());
    config.base_url = Some(server.url());
    config.timeout = Duration::from_secs(20);
    let host = HostEnv::from_pairs([("ANTHROPIC_API_KEY", KEY)]);
    let done = consolidate_dir_with_model(&options(dir.path()), &setup(dir.path(), config, host))
        .await
        .unwrap();
    let report = &done.report;
    let c = report.consolidator.as_ref().unwrap();
    assert_eq!(c.status, "ok", "{c:?}");
    // The fake merges I1 + I2 and raises S1: two important findings, the verdict
    // unchanged, so its sentence is used.
    assert_eq!(
        ids(report),
        vec![
            (
                "I1".into(),
                Severity::Important,
                vec!["a".to_string(), "b".to_string()]
            ),
            ("I2".into(), Severity::Important, vec!["a".to_string()]),
        ]
    );
    assert_eq!(
        report.verdict.reason,
        "Fix the unchecked input before merging."
    );
    assert_eq!(
        report.summary,
        "The change is small. I1 is the finding to fix first.\n\nThe rest is polish."
    );
    assert_eq!(c.rejected.len(), 1);
    assert!(c.rejected[0]
        .rejected_because
        .as_deref()
        .unwrap()
        .contains("no finding I9"));
    assert!(c.tokens.is_some_and(|t| t.input > 0), "{c:?}");
    assert!(c.cost_usd.is_some_and(|usd| usd > 0.0), "{c:?}");
    // The model was shown the report, not the raw reviews.
    let request = server.requests().into_iter().last().unwrap();
    let sent = request.body.to_string();
    assert!(sent.contains("deep_review_consolidator"));
    assert!(sent.contains("Malformed numbers abort the worker"));
    assert!(
        !sent.contains("## Findings"),
        "the raw review text was sent"
    );
    // No key anywhere the run wrote.
    for entry in walk(dir.path()) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(!text.contains(KEY), "the key is in {}", entry.display());
    }
}

#[tokio::test]
async fn a_failing_consolidator_leaves_the_deterministic_report() {
    let config = sh("judge", "echo 'model overloaded' >&2; exit 3");
    let (_dir, done, c) = unchanged_by(config, HostEnv::from_pairs([])).await;
    assert_eq!(c.status, "failed");
    assert!(c.accepted.is_empty() && c.wrote.is_empty());
    assert!(
        done.notes.iter().any(|n| n.contains("`judge` was not used")
            && n.contains("the report is the deterministic one")),
        "{:?}",
        done.notes
    );
    let md = std::fs::read_to_string(done.review_md().unwrap()).unwrap();
    assert!(md.contains("judge was not used (failed"), "{md}");
}

#[tokio::test]
async fn a_consolidator_that_answers_without_json_changes_nothing() {
    let scratch = tempfile::tempdir().unwrap();
    let config = printing(scratch.path(), "## Summary\n\nLooks fine to me.\n");
    let (_, _, c) = unchanged_by(config, HostEnv::from_pairs([])).await;
    assert_eq!(c.status, "unusable");
    assert!(
        c.error.as_deref().unwrap().contains("no JSON object"),
        "{c:?}"
    );
}

#[tokio::test]
async fn a_slow_consolidator_is_stopped_at_its_timeout() {
    let mut config = sh("judge", "sleep 30");
    config.timeout = Duration::from_secs(1);
    let started = Instant::now();
    let (_, _, c) = unchanged_by(config, HostEnv::from_pairs([])).await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(c.status, "timed_out");
}

#[tokio::test]
async fn an_over_budget_api_consolidator_changes_nothing() {
    let server = FakeApis::start().await.unwrap();
    let mut config = ReviewerConfig::new("judge", BackendKind::Anthropic);
    config.model = Some("claude-sonnet-4-5+expensive".into());
    config.base_url = Some(server.url());
    config.timeout = Duration::from_secs(20);
    config.budget_usd = Some(0.01);
    let host = HostEnv::from_pairs([("ANTHROPIC_API_KEY", KEY)]);
    let (_, _, c) = unchanged_by(config, host).await;
    assert_eq!(c.status, "budget_exceeded", "{c:?}");
}
