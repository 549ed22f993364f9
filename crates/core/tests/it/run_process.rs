//! The runner against real process trees: children that leave the process group
//! (`setsid`, `setsid -f`, a daemon's double fork) end with the program, after a normal
//! finish and after a timeout, because the `deep-review-sandbox` launcher keeps the
//! tree; and a background child holding standard output does not hold up the run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use deep_review_core::process::{self, ExitKind, ProcessSpec};
use tokio_util::sync::CancellationToken;

fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_deep-review-sandbox"))
}

/// `sh -c script` kept by the launcher (or by the process group only, with `None`).
fn spec(script: &str, timeout: Duration, reaper: Option<PathBuf>) -> ProcessSpec {
    let mut spec = ProcessSpec::new("/bin/sh", std::env::temp_dir(), timeout);
    spec.args = vec!["-c".into(), script.into()];
    spec.env.insert("PATH".into(), "/usr/bin:/bin".into());
    spec.reaper = reaper;
    spec
}

/// The ways a child can leave its parent's process group; each writes its pid to
/// `PIDFILE` and then sleeps, holding the inherited standard output open.
fn escapes(pidfile: &Path) -> Vec<(&'static str, String)> {
    let f = pidfile.display();
    let sleeper = format!("sh -c 'echo $$ > {f}; exec sleep 30'");
    vec![
        ("setsid", format!("setsid {sleeper} &")),
        ("setsid -f", format!("setsid -f {sleeper}")),
        ("double fork", format!("( setsid {sleeper} & ) &")),
    ]
}

fn wait_for_pid(pidfile: &Path) -> String {
    format!(
        "i=0; while [ ! -s {f} ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done",
        f = pidfile.display()
    )
}

fn alive(pidfile: &Path) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(pidfile)
        .unwrap_or_else(|e| panic!("the child wrote no pid file {}: {e}", pidfile.display()))
        .trim()
        .parse()
        .unwrap();
    // A zombie is dead already; only a running (or sleeping) process counts.
    (!crate::support::process_gone(pid as u32)).then_some(pid)
}

#[tokio::test]
async fn children_that_leave_the_group_end_with_a_finished_program() {
    for (how, start) in escapes(&PathBuf::from("/nonexistent")) {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let start = start.replace("/nonexistent", &pidfile.display().to_string());
        let script = format!("{start}\n{}\necho review done\n", wait_for_pid(&pidfile));
        let clock = Instant::now();
        let out = process::run(
            &spec(&script, Duration::from_secs(20), Some(launcher())),
            |_| {},
            &CancellationToken::new(),
        )
        .await;
        assert!(out.success(), "{how}: {:?} {}", out.exit, out.stderr_tail);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "review done\n",
            "{how}"
        );
        assert!(
            clock.elapsed() < Duration::from_secs(5),
            "{how}: the run waited {:?} for the escaped child",
            clock.elapsed()
        );
        assert_eq!(alive(&pidfile), None, "{how}: the escaped child survived");
    }
}

#[tokio::test]
async fn children_that_leave_the_group_end_when_the_program_times_out() {
    for (how, start) in escapes(&PathBuf::from("/nonexistent")) {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let start = start.replace("/nonexistent", &pidfile.display().to_string());
        let script = format!("{start}\n{}\nsleep 30\n", wait_for_pid(&pidfile));
        let out = process::run(
            &spec(&script, Duration::from_millis(1500), Some(launcher())),
            |_| {},
            &CancellationToken::new(),
        )
        .await;
        assert_eq!(out.exit, ExitKind::TimedOut, "{how}");
        assert_eq!(alive(&pidfile), None, "{how}: the escaped child survived");
    }
}

#[tokio::test]
async fn children_that_leave_the_group_end_on_cancellation() {
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let (_, start) = escapes(&pidfile).remove(1);
    let script = format!("{start}\n{}\nsleep 30\n", wait_for_pid(&pidfile));
    let cancel = CancellationToken::new();
    let trigger = cancel.clone();
    let file = pidfile.clone();
    tokio::spawn(async move {
        while !file.exists() {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        trigger.cancel();
    });
    let out = process::run(
        &spec(&script, Duration::from_secs(20), Some(launcher())),
        |_| {},
        &cancel,
    )
    .await;
    assert_eq!(out.exit, ExitKind::Cancelled);
    assert_eq!(alive(&pidfile), None, "the escaped child survived");
}

#[tokio::test]
async fn the_launcher_passes_the_exit_code_and_the_signal_on() {
    let run = |script: &str| {
        let spec = spec(script, Duration::from_secs(10), Some(launcher()));
        async move { process::run(&spec, |_| {}, &CancellationToken::new()).await }
    };
    assert_eq!(
        run("echo x; exit 7").await.exit,
        ExitKind::Exited {
            code: Some(7),
            signal: None
        }
    );
    assert_eq!(
        run("kill -TERM $$").await.exit,
        ExitKind::Exited {
            code: None,
            signal: Some(15)
        }
    );
}

/// A program the launcher cannot start is a spawn failure, as without the launcher.
#[tokio::test]
async fn a_missing_program_under_the_launcher_is_a_spawn_failure() {
    let mut spec = ProcessSpec::new(
        "/nonexistent/deep-review-x",
        std::env::temp_dir(),
        Duration::from_secs(5),
    );
    spec.reaper = Some(launcher());
    let out = process::run(&spec, |_| {}, &CancellationToken::new()).await;
    match &out.exit {
        ExitKind::SpawnFailed(e) => {
            assert!(e.starts_with("/nonexistent/deep-review-x: "), "{e}")
        }
        other => panic!("{other:?} {}", out.stderr_tail),
    }
}

/// Without the launcher (none installed), a background child in the group that holds
/// standard output is killed shortly after the program exits, and the review is kept.
#[tokio::test]
async fn a_background_child_holding_stdout_does_not_hold_up_the_run() {
    for (how, background) in [
        ("in the group", "sleep 30 &"),
        ("in its own session", "setsid sleep 30 &"),
    ] {
        let script = format!("{background}\necho the review\nexit 0\n");
        let clock = Instant::now();
        let out = process::run(
            &spec(&script, Duration::from_secs(20), None),
            |_| {},
            &CancellationToken::new(),
        )
        .await;
        assert!(out.success(), "{how}: {:?}", out.exit);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "the review\n",
            "{how}"
        );
        assert!(
            clock.elapsed() < Duration::from_secs(3),
            "{how}: waited {:?}",
            clock.elapsed()
        );
    }
}
