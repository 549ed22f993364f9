//! Faults and abuse at the binary's edge (issue 9): signals mid-run, reviews whose
//! findings are all dropped, a committed `.deep-review` symlink, a reviewer's
//! unreadable scratch directories.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{allow_writes, config_with, feature_repo, read, read_or_empty, script, SCRIPT_REVIEW};
use crate::support::Test;

/// What an interrupted review left: its exit code, stdout, stderr, the reviewers' pids.
struct Interrupted {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    pids: Vec<String>,
    _repo: tempfile::TempDir,
}

/// Starts `deep-review review` with one fast and one slow reviewer, waits until the slow
/// one runs, and sends `signal`.
fn review_interrupted_by(signal: &str) -> Interrupted {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let pids = bin.path().join("pids");
    let fast = script(bin.path(), "fast.sh", SCRIPT_REVIEW);
    let slow = script(
        bin.path(),
        "slow.sh",
        &format!("echo $$ >> {}\nsleep 60\n{SCRIPT_REVIEW}", pids.display()),
    );
    let config = config_with(repo.path(), &[("fast", &fast), ("slow", &slow)]);
    allow_writes(&config, bin.path());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_deep-review"))
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .current_dir(repo.path())
        .env("XDG_CONFIG_HOME", bin.path())
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while read_or_empty(&pids).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !read_or_empty(&pids).is_empty(),
        "the slow reviewer never started"
    );
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let pids = read_or_empty(&pids).lines().map(str::to_string).collect();
    Interrupted {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        pids,
        _repo: repo,
    }
}

#[test]
fn sighup_ends_every_reviewer_and_removes_the_checkout() {
    let run = review_interrupted_by("HUP");
    assert_eq!(run.code, Some(129), "{}", run.stderr);
    for pid in &run.pids {
        assert!(
            !Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "reviewer {pid} survived SIGHUP"
        );
    }
    let workdir = run.stdout.lines().last().unwrap_or_default().to_string();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(Path::new(&workdir).join("review.json"))).unwrap();
    let checkout = manifest["checkout"]
        .as_str()
        .expect("review.json names the checkout");
    assert!(
        !Path::new(checkout).exists(),
        "the checkout {checkout} was left behind"
    );
}

/// A reviewer that finished (`ok`) with findings that verification drops (on a file the
/// change does not have) gave a real review with nothing left in it: not exit 3.
#[test]
fn a_review_whose_findings_were_all_dropped_is_still_a_review() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let dropped = script(
        bin.path(),
        "dropped.sh",
        "cat <<'EOF'
## Findings

### Important Issues

I1. **Stale import** — `src/gone.rs:3` (important, bug)

The import is unused.
EOF",
    );
    let config = config_with(repo.path(), &[("alpha", &dropped)]);
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
    let report = super::report_json(run.last_line());
    assert_eq!(report["reviewers"][0]["status"], "ok");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0);
    assert_eq!(report["dropped"][0]["title"], "Stale import", "{report}");
    // Its retro says what became of the item, not that the review was unreadable.
    let retro = report["reviewers"][0]["retro"].as_str().unwrap();
    assert!(!retro.contains("Nothing could be read"), "{retro}");
}

/// A `.deep-review` symbolic link committed to the repository would send work
/// directories (the diff, the prompt, the reviews) wherever it points: refused.
#[test]
fn a_committed_deep_review_symlink_does_not_redirect_work_directories() {
    let repo = feature_repo();
    let elsewhere = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(elsewhere.path(), repo.path().join(".deep-review")).unwrap();
    crate::support::git(repo.path(), &["add", ".deep-review"]);
    crate::support::git(repo.path(), &["commit", "-qm", "state dir elsewhere"]);
    let bin = tempfile::tempdir().unwrap();
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(repo.path(), &[("alpha", &ok)]);
    Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(2)
        .stderr_contains(".deep-review is a symbolic link")
        .stderr_contains("hint: remove it, or pass `--out DIR`");
    let written: Vec<_> = std::fs::read_dir(elsewhere.path()).unwrap().collect();
    assert!(written.is_empty(), "written through the link: {written:?}");
}

/// A reviewer that leaves a `chmod 000` directory in its scratch space does not make
/// the cleanup fail (as an unprivileged user: root ignores permission bits, so the test
/// drops to `nobody` with `setpriv` when it runs as root).
#[test]
fn a_reviewers_unreadable_directory_is_still_cleaned_up() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let home_file = bin.path().join("home-was");
    let locker = script(
        bin.path(),
        "locker.sh",
        &format!(
            "echo \"$HOME\" > {f}\nmkdir -p \"$HOME/locked/deeper\" \"$TMPDIR/locked\"\n\
             echo x > \"$HOME/locked/deeper/file\"\nchmod 000 \"$HOME/locked/deeper\" \"$HOME/locked\" \"$TMPDIR/locked\"\n\
             {SCRIPT_REVIEW}",
            f = home_file.display()
        ),
    );
    let config = config_with(repo.path(), &[("locker", &locker)]);
    allow_writes(&config, bin.path());
    let root = read("/proc/self/status")
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    let mut cmd = if root {
        for dir in [repo.path(), bin.path()] {
            let status = std::process::Command::new("chown")
                .args(["-R", "65534:65534"])
                .arg(dir)
                .status()
                .unwrap();
            assert!(status.success());
        }
        let mut cmd = std::process::Command::new("setpriv");
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(env!("CARGO_BIN_EXE_deep-review"));
        cmd
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_deep-review"))
    };
    let out = cmd
        .args(["review", "--config"])
        .arg(&config)
        .current_dir(repo.path())
        .env("HOME", bin.path())
        .env("XDG_CONFIG_HOME", bin.path())
        .env("DEEP_REVIEW_DB", bin.path().join("history.sqlite3"))
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv (util-linux) runs the test as `nobody`");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let home = read(&home_file);
    let run_dir = Path::new(home.trim()).parent().unwrap();
    assert!(
        run_dir.starts_with(std::env::temp_dir()) && run_dir != std::env::temp_dir(),
        "{run_dir:?}"
    );
    assert!(
        !run_dir.exists(),
        "the reviewer's temporary directory {} was left behind; stderr:\n{stderr}",
        run_dir.display()
    );
    assert!(!stderr.contains("was not removed"), "{stderr}");
}
