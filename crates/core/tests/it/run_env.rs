//! A secret in our environment is not visible to any reviewer. One test in its own
//! binary: it sets a variable in the process environment before anything else runs.

use crate::support;

use deep_review_core::config::BackendKind;
use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::run_reviewer;
use support::{sh, stream, Fixture};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_secret_in_our_environment_reaches_no_reviewer() {
    // Single-threaded at this point: the only test in this binary, before any spawn.
    std::env::set_var("DEEP_REVIEW_TEST_SECRET", "hunter2-do-not-leak");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "aws-do-not-leak");
    std::env::set_var("ANTHROPIC_API_KEY", "sk-ant-passed-to-claude-only");

    let fx = Fixture::new();
    let env_file = fx.ctx.workdir.join("command-env.txt");
    let config = sh(
        "script",
        &format!("env > {}; echo 'Review: fine'", env_file.display()),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let seen = std::fs::read_to_string(&env_file).unwrap();
    assert!(!seen.contains("do-not-leak"), "{seen}");
    assert!(!seen.contains("ANTHROPIC_API_KEY"), "{seen}");
    assert!(seen.contains("PATH="), "{seen}");

    let dump = fx.bin_dir().join("claude.env");
    let fake = fx.script(
        "claude",
        &format!(
            "env > {}; cat '{}'",
            dump.display(),
            stream("claude-stream-json.stdout.jsonl").display()
        ),
    );
    let mut claude = deep_review_core::config::ReviewerConfig::new("claude", BackendKind::Claude);
    claude.binary = Some(fake.display().to_string());
    let record = run_reviewer(&claude, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let seen = std::fs::read_to_string(&dump).unwrap();
    assert!(!seen.contains("do-not-leak"), "{seen}");
    // Its own credential is passed on.
    assert!(
        seen.lines()
            .any(|l| l == "ANTHROPIC_API_KEY=sk-ant-passed-to-claude-only"),
        "{seen}"
    );
}
