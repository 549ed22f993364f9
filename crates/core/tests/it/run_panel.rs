//! The whole panel at once: concurrency, order of the records, isolation of failures.

use crate::support;

use std::time::Duration;

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::{run_panel, ProgressEvent};
use support::{drain, progress, rendezvous, sh, Fixture};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn three_slow_reviewers_run_at_the_same_time() {
    let fx = Fixture::new();
    // Each waits until all three have started: run one after another, the first
    // would give up and fail.
    let markers = tempfile::tempdir().expect("temp dir");
    let meet = rendezvous(markers.path(), 3, Duration::from_secs(15));
    let configs: Vec<ReviewerConfig> = ["alpha", "beta", "gamma"]
        .iter()
        .map(|name| sh(name, &format!("{meet}; echo 'Review by {name}: fine'")))
        .collect();
    let (tx, mut rx) = progress();
    let records = run_panel(&configs, &fx.ctx, Some(tx), CancellationToken::new()).await;
    let names: Vec<&str> = records.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["alpha", "beta", "gamma"]);
    assert!(
        records.iter().all(|r| r.status == RunStatus::Ok),
        "{records:?}"
    );
    assert_eq!(fx.review("beta").as_deref(), Some("Review by beta: fine\n"));
    let events = drain(&mut rx);
    let started = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::Started { .. }))
        .count();
    let finished = events
        .iter()
        .filter(|e| matches!(e, ProgressEvent::Finished { .. }))
        .count();
    assert_eq!((started, finished), (3, 3));
}

#[tokio::test]
async fn one_bad_reviewer_costs_only_its_own_record() {
    let fx = Fixture::new();
    let mut hang = sh("hang", "sleep 300");
    hang.timeout = Duration::from_millis(500);
    let configs = vec![
        sh("good", "echo 'All good here.'"),
        hang,
        sh("crash", "echo boom >&2; exit 1"),
        ReviewerConfig::new("api", BackendKind::Openai),
        sh("noise", "head -c 4096 /dev/urandom"),
    ];
    let records = run_panel(&configs, &fx.ctx, None, CancellationToken::new()).await;
    let statuses: Vec<(&str, RunStatus)> = records
        .iter()
        .map(|r| (r.name.as_str(), r.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("good", RunStatus::Ok),
            ("hang", RunStatus::TimedOut),
            ("crash", RunStatus::Failed),
            // An API reviewer with no model fails without a request.
            ("api", RunStatus::Failed),
            ("noise", RunStatus::Failed),
        ]
    );
}

#[tokio::test]
async fn cancelling_the_panel_stops_every_reviewer() {
    let fx = Fixture::new();
    let configs = vec![sh("a", "sleep 300"), sh("b", "sleep 300")];
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        trigger.cancel();
    });
    // A safety bound only: without cancellation the reviewers sleep for 300 s.
    let records = tokio::time::timeout(
        Duration::from_secs(120),
        run_panel(&configs, &fx.ctx, None, cancel),
    )
    .await
    .expect("run_panel returns once cancelled");
    assert!(
        records.iter().all(|r| r.status == RunStatus::NotFinished),
        "{records:?}"
    );
}
