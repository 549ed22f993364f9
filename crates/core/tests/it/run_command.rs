//! `command` reviewers run as real processes: success, crash, hang, garbage, floods,
//! output files, cancellation, and the environment they see.

use crate::support;

use std::time::Duration;

use deep_review_core::config::{BackendKind, OutputMode, ReviewerConfig};
use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::{run_reviewer, ProgressEvent};
use support::{drain, progress, sh, wait_gone, Fixture};
use tokio_util::sync::CancellationToken;

#[tokio::test]
async fn a_slow_reviewer_that_succeeds() {
    let fx = Fixture::new();
    let (tx, mut rx) = progress();
    let config = sh(
        "slow",
        "sleep 1; printf '## Review\\n\\nNo problems found.\\n'",
    );
    let record = run_reviewer(&config, &fx.ctx, Some(tx), CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.error, None);
    assert_eq!(record.exit_code, Some(0));
    assert!(record.duration_ms.is_some_and(|d| d >= 1000), "{record:?}");
    assert_eq!(record.backend.as_deref(), Some("command"));
    assert_eq!(record.pass, Some(1));
    assert_eq!(record.review_file.as_deref(), Some("review-slow-pass-1.md"));
    assert_eq!(
        fx.review("slow").as_deref(),
        Some("## Review\n\nNo problems found.\n")
    );
    assert_eq!(fx.record_on_disk("slow"), record);
    let events = drain(&mut rx);
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(
        events[0],
        ProgressEvent::Started {
            reviewer: "slow".into()
        }
    );
    assert!(
        matches!(&events[1], ProgressEvent::Command { reviewer, command } if reviewer == "slow" && command.starts_with("/bin/sh -c 'sleep 1; ")),
        "{events:?}"
    );
    assert_eq!(
        events[2],
        ProgressEvent::Step {
            reviewer: "slow".into(),
            step: "running".into()
        }
    );
    assert!(
        matches!(&events[3], ProgressEvent::Finished { reviewer, record: r } if reviewer == "slow" && **r == record)
    );
}

#[tokio::test]
async fn prompt_placeholders_and_environment_reach_the_command() {
    let fx = Fixture::new();
    // Reads the prompt from stdin and from the file argument, prints where it runs and
    // what it sees.
    let script = r#"
        echo "stdin: $(head -n 1)"
        echo "file: $(head -n 1 "$1")"
        echo "cwd: $(pwd)"
        echo "repo-arg: $2"
        env | sort > "$DEEP_REVIEW_WORKDIR/env.txt"
    "#;
    let config = support::command(
        "script",
        &["/bin/sh", "-c", script, "sh", "{prompt_file}", "{repo}"],
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let checkout = fx.ctx.checkout.display().to_string();
    assert_eq!(
        fx.review("script").unwrap(),
        format!(
            "stdin: # Review this change\nfile: # Review this change\ncwd: {checkout}\nrepo-arg: {checkout}\n"
        )
    );
    let env = std::fs::read_to_string(fx.ctx.workdir.join("env.txt")).unwrap();
    for expected in [
        format!("DEEP_REVIEW_PROMPT_FILE={}", fx.ctx.prompt_file.display()),
        format!(
            "DEEP_REVIEW_OUTPUT_FILE={}",
            fx.ctx.workdir.join("output-script.md").display()
        ),
        format!("DEEP_REVIEW_REPO={checkout}"),
        format!("DEEP_REVIEW_WORKDIR={}", fx.ctx.workdir.display()),
        format!("DEEP_REVIEW_BASE={}", fx.ctx.base),
        format!("DEEP_REVIEW_HEAD={}", fx.ctx.head),
        "DEEP_REVIEW_REVIEWER=script".to_string(),
        "TERM=dumb".to_string(),
    ] {
        assert!(
            env.lines().any(|l| l == expected),
            "{expected} not in\n{env}"
        );
    }
    // cargo sets these for the test process; the reviewer must not see them.
    assert!(!env.contains("CARGO_MANIFEST_DIR"), "{env}");
    assert!(!env.contains("CARGO_PKG_NAME"), "{env}");
}

#[tokio::test]
async fn a_crash_is_failed_with_the_stderr_tail() {
    let fx = Fixture::new();
    let config = sh(
        "crash",
        "echo 'starting' >&2; echo 'panic: index out of range' >&2; exit 3",
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("exited with code 3: panic: index out of range")
    );
    assert_eq!(record.exit_code, Some(3));
    assert_eq!(
        record.stderr_tail.as_deref(),
        Some("starting\npanic: index out of range")
    );
    assert_eq!(record.review_file, None);
    assert_eq!(fx.review("crash"), None);
}

#[tokio::test]
async fn a_non_zero_exit_with_a_review_keeps_the_review() {
    let fx = Fixture::sandboxed();
    let config = sh("lint", "echo 'Found 2 problems in src/lib.rs'; exit 1");
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.exit_code, Some(1));
    assert_eq!(
        record.notes,
        ["exited with code 1 but produced a review; the review is kept"]
    );
    assert_eq!(
        fx.review("lint").as_deref(),
        Some("Found 2 problems in src/lib.rs\n")
    );
}

#[tokio::test]
async fn a_hang_times_out_and_leaves_no_process_behind() {
    let fx = Fixture::new();
    let pid_file = fx.ctx.workdir.join("grandchild.pid");
    let mut config = sh(
        "hang",
        &format!(
            "sleep 300 & echo $! > {}; echo 'partial'; sleep 300",
            pid_file.display()
        ),
    );
    config.timeout = Duration::from_millis(800);
    // A safety bound only: without the time limit the reviewer sleeps for 300 s.
    let record = tokio::time::timeout(
        Duration::from_secs(120),
        run_reviewer(&config, &fx.ctx, None, CancellationToken::new()),
    )
    .await
    .expect("run_reviewer returns after the time limit");
    assert_eq!(record.status, RunStatus::TimedOut);
    // The limit was 800 ms: the message gives the time it took, in milliseconds.
    let error = record.error.as_deref().unwrap_or_default();
    assert!(
        error.starts_with("timed out after ") && error.ends_with("ms"),
        "{error}"
    );
    assert_eq!(fx.review("hang"), None);
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(
        wait_gone(pid, Duration::from_secs(3)),
        "grandchild {pid} survived"
    );
}

#[tokio::test]
async fn cancellation_is_not_finished_and_kills_the_group() {
    let fx = Fixture::new();
    let pid_file = fx.ctx.workdir.join("grandchild.pid");
    let config = sh(
        "cancelled",
        &format!("sleep 300 & echo $! > {}; sleep 300", pid_file.display()),
    );
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        trigger.cancel();
    });
    let record = run_reviewer(&config, &fx.ctx, None, cancel).await;
    assert_eq!(record.status, RunStatus::NotFinished);
    assert_eq!(record.error.as_deref(), Some("cancelled"));
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(wait_gone(pid, Duration::from_secs(3)));
    assert_eq!(
        fx.record_on_disk("cancelled").status,
        RunStatus::NotFinished
    );
}

#[tokio::test]
async fn cancelled_before_start_is_skipped() {
    let fx = Fixture::new();
    let cancel = CancellationToken::new();
    cancel.cancel();
    let record = run_reviewer(&sh("late", "echo hi"), &fx.ctx, None, cancel).await;
    assert_eq!(record.status, RunStatus::Skipped);
    assert_eq!(record.error.as_deref(), Some("cancelled before it started"));
}

#[tokio::test]
async fn random_bytes_are_garbage() {
    let fx = Fixture::new();
    let config = sh("noise", "head -c 65536 /dev/urandom");
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("output is not text")),
        "{record:?}"
    );
    assert_eq!(fx.review("noise"), None);
    // The raw output is still kept for inspection.
    assert_eq!(fx.transcript("noise").map(|t| t.len()), Some(65536));
}

#[tokio::test]
async fn empty_and_letterless_output_fail() {
    let fx = Fixture::new();
    let check = |name: &'static str, script: &'static str, error: &'static str| {
        let fx = &fx;
        async move {
            let record =
                run_reviewer(&sh(name, script), &fx.ctx, None, CancellationToken::new()).await;
            assert_eq!(record.status, RunStatus::Failed, "{name}");
            assert_eq!(record.error.as_deref(), Some(error), "{name}");
        }
    };
    check("silent", "true", "produced no review (empty output)").await;
    check(
        "blank",
        "printf '\\n\\n   \\n'",
        "produced no review (empty output)",
    )
    .await;
    check("digits", "echo '1 2 3 ---'", "output has no letters").await;
}

#[tokio::test]
async fn a_200_mb_flood_is_capped() {
    let fx = Fixture::sandboxed();
    let mut config = sh(
        "flood",
        "yes 'This line belongs to an extremely long review.' | head -c 200000000",
    );
    // A safety bound only; how fast the cap is lives in `benches/output_cap.rs`.
    config.timeout = Duration::from_secs(120);
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(record.notes, ["output beyond 8 MiB was cut"]);
    let review = std::fs::metadata(fx.ctx.review_path("flood"))
        .unwrap()
        .len();
    assert!(review <= 8 * 1024 * 1024 + 1, "review is {review} bytes");
}

#[tokio::test]
async fn a_flood_without_newlines_is_capped_too() {
    let fx = Fixture::new();
    let config = sh("zeros", "head -c 100000000 /dev/zero");
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(record
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with("output is not text")));
    assert_eq!(
        fx.transcript("zeros").map(|t| t.len()),
        Some(8 * 1024 * 1024)
    );
}

#[tokio::test]
async fn output_file_mode_reads_the_file() {
    let fx = Fixture::new();
    let mut config = support::command(
        "filer",
        &[
            "/bin/sh",
            "-c",
            "echo 'progress: thinking'; printf '# Review\\n\\nAll fine.\\n' > \"$1\"",
            "sh",
            "{output_file}",
        ],
    );
    config.output = OutputMode::File;
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(
        fx.review("filer").as_deref(),
        Some("# Review\n\nAll fine.\n")
    );
    assert_eq!(
        fx.transcript("filer").as_deref(),
        Some(&b"progress: thinking\n"[..])
    );

    // A command that writes no file has no review, even with a stale file from before.
    std::fs::write(fx.ctx.workdir.join("output-lazy.md"), "stale review").unwrap();
    let mut lazy = support::sh("lazy", "echo 'I wrote nothing'");
    lazy.output = OutputMode::File;
    let record = run_reviewer(&lazy, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("wrote no output file")),
        "{record:?}"
    );
}

/// A reviewer that puts a FIFO where its output file goes must not block the run: the
/// read refuses anything but a regular file, without opening it for a blocking read.
#[tokio::test]
async fn a_fifo_as_output_file_fails_instead_of_hanging() {
    let fx = Fixture::new();
    let mut config = support::sh(
        "fifo",
        "out=\"$DEEP_REVIEW_OUTPUT_FILE\"; rm -f \"$out\"; mkfifo \"$out\"; echo done",
    );
    config.output = OutputMode::File;
    let run = run_reviewer(&config, &fx.ctx, None, CancellationToken::new());
    let record = tokio::time::timeout(std::time::Duration::from_secs(60), run)
        .await
        .expect("the run must not block on a FIFO");
    assert_eq!(record.status, RunStatus::Failed, "{record:?}");
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.contains("not a regular file (a FIFO)")),
        "{record:?}"
    );
}

/// A failing reviewer's stderr can hold a token: the record masks it in memory and on
/// disk.
#[tokio::test]
async fn secrets_in_a_failed_reviewers_stderr_are_masked() {
    let fx = Fixture::new();
    let token = format!("ghp_{}", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7");
    let config = support::sh(
        "leaky",
        &format!("echo 'auth failed for {token}' >&2; exit 1"),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    let shown = format!("{:?} {:?}", record.error, record.stderr_tail);
    assert!(
        shown.contains("ghp_****") && !shown.contains(&token),
        "{shown}"
    );
    let on_disk = std::fs::read_to_string(fx.ctx.record_path("leaky")).unwrap();
    assert!(!on_disk.contains(&token), "{on_disk}");
}

/// A review that quotes a credential is saved masked, and so is the transcript: nothing
/// deep-review writes holds the raw value; the record's size and hash are the saved file's.
#[tokio::test]
async fn secrets_quoted_in_a_review_are_masked_in_the_saved_files() {
    let fx = Fixture::new();
    let token = format!("ghp_{}", "Zz9Yy8Xx7Ww6Vv5Uu4Tt3Ss2Rr1Qq0Pp9Oo8Nn7");
    let config = support::sh(
        "quoting",
        &format!("printf '## Summary\\n\\nThe token {token} is in the log.\\n'"),
    );
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let review = fx.review("quoting").unwrap();
    assert!(
        review.contains("ghp_****") && !review.contains(&token),
        "{review}"
    );
    let transcript = std::fs::read(fx.ctx.workdir.join(record.transcript_file.unwrap())).unwrap();
    assert!(!String::from_utf8_lossy(&transcript).contains(&token));
    assert_eq!(record.review_bytes, Some(review.len() as u64));
}

#[tokio::test]
async fn a_missing_program_or_command_is_failed() {
    let fx = Fixture::new();
    let config = support::command("ghost", &["/nonexistent/reviewer", "{prompt_file}"]);
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("could not start `/nonexistent/reviewer`")),
        "{record:?}"
    );

    let empty = ReviewerConfig::new("empty", BackendKind::Command);
    let record = run_reviewer(&empty, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(record
        .error
        .as_deref()
        .is_some_and(|e| e.contains("has no command")));
}

#[tokio::test]
async fn import_without_a_pull_request_is_skipped() {
    let fx = Fixture::new();
    let record = run_reviewer(
        &ReviewerConfig::new("import", BackendKind::Import),
        &fx.ctx,
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(record.status, RunStatus::Skipped);
    assert!(
        record
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("not ready: needs a pull request target")),
        "{:?}",
        record.error
    );
    assert_eq!(fx.record_on_disk("import").status, RunStatus::Skipped);
}

#[tokio::test]
async fn a_missing_checkout_is_failed() {
    let mut fx = Fixture::new();
    fx.ctx.checkout = fx.dir.path().join("no-such-checkout");
    let record = run_reviewer(&sh("x", "echo hi"), &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Failed);
    assert!(record
        .error
        .as_deref()
        .is_some_and(|e| e.ends_with("does not exist")));
}
