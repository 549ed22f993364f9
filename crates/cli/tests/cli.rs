//! The `deep-review` binary end to end (one test binary: `builtin` and `conventions` are modules of it): real git repositories, real reviewer processes
//! (`command` reviewers written as shell scripts, the builtin reviewer), real signals.

mod api;
mod builtin;
mod conventions;
mod github;
mod hardening;
mod history;
mod progress_display;
mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use support::{git, repo_with, write_files, Test};

/// A repository with `main` and a `feature` branch checked out that changes a file.
fn feature_repo() -> tempfile::TempDir {
    let repo = repo_with(&[("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n")]);
    git(repo.path(), &["checkout", "-qb", "feature"]);
    write_files(
        repo.path(),
        &[(
            "src/lib.rs",
            "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
        )],
    );
    git(repo.path(), &["commit", "-qam", "add two"]);
    repo
}

/// Writes an executable script and returns its path.
fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A review in the Markdown shape reviewers write.
const SCRIPT_REVIEW: &str = "cat <<'EOF'
## Executive Summary

Adds `two`.

## Findings

### Important Issues

I1. **`two` has no test** — `src/lib.rs:5-7` (important, gap)

Nothing calls `two` in a test.

### Suggestions

None.
EOF";

/// `deep-review.toml` with one command reviewer per (name, script) pair.
fn config_with(repo: &Path, reviewers: &[(&str, &Path)]) -> PathBuf {
    let mut toml = String::from("[review]\nreviewers = [");
    toml.push_str(
        &reviewers
            .iter()
            .map(|(n, _)| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", "),
    );
    toml.push_str("]\ntimeout = \"20s\"\n");
    for (name, path) in reviewers {
        toml.push_str(&format!(
            "\n[reviewers.{name}]\nbackend = \"command\"\ncommand = [\"{}\"]\n",
            path.display()
        ));
    }
    let path = repo.join("deep-review.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// Lets every reviewer of `config` write `dir` (the sandbox allows nothing else).
fn allow_writes(config: &Path, dir: &Path) {
    let toml = read(config).replace(
        "backend = \"command\"\n",
        &format!(
            "backend = \"command\"\nwritable = [\"{}\"]\n",
            dir.display()
        ),
    );
    std::fs::write(config, toml).unwrap();
}

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn report_json(review_md: &str) -> serde_json::Value {
    let dir = Path::new(review_md).parent().unwrap();
    serde_json::from_str(&read(dir.join("report.json"))).unwrap()
}

#[test]
fn review_runs_command_reviewers_and_writes_the_report() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let broken = script(
        bin.path(),
        "broken.sh",
        "echo 'model overloaded' >&2; exit 7",
    );
    let config = config_with(repo.path(), &[("alpha", &ok), ("broken", &broken)]);
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
    let review_md = run.last_line().to_string();
    assert!(review_md.ends_with("REVIEW.md"), "{review_md}");
    assert!(review_md.contains(".deep-review/reviews/"), "{review_md}");
    let md = read(&review_md);
    assert!(md.contains("`two` has no test"), "{md}");
    let report = report_json(&review_md);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["findings"][0]["id"], "I1");
    assert_eq!(report["verdict"]["decision"], "merge_with_fixes");
    let statuses: Vec<_> = report["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["ok", "failed"]);
    let broken_record = read(
        Path::new(&review_md)
            .parent()
            .unwrap()
            .join("run-broken.json"),
    );
    assert!(
        broken_record.contains("model overloaded"),
        "{broken_record}"
    );
    // The work directory never shows up in git status.
    assert_eq!(
        git(
            repo.path(),
            &["status", "--porcelain", "--untracked-files=all"]
        )
        .trim(),
        "?? deep-review.toml"
    );
}

/// `[consolidator]` in the configuration: after the panel, the named reviewer gets the
/// report and its accepted changes are in the files; it is not one of the reviewers.
#[test]
fn review_with_a_consolidator_model() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let judge = script(
        bin.path(),
        "judge.sh",
        r#"grep -q 'deep_review_consolidator' || exit 9
cat <<'EOF'
```json
{"deep_review_consolidator": 1,
 "summary": "A one-function change; I1 is a missing test, nothing blocks.",
 "severity_changes": [{"finding": "I1", "severity": "suggestion", "reason": "a missing test for a constant function is not a bug"}]}
```
EOF"#,
    );
    let config = config_with(repo.path(), &[("alpha", &ok)]);
    let mut toml = read(&config);
    toml.push_str(&format!(
        "\n[consolidator]\nreviewer = \"judge\"\n\n[reviewers.judge]\nbackend = \"command\"\ncommand = [\"{}\"]\n",
        judge.display()
    ));
    std::fs::write(&config, toml).unwrap();
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
    let review_md = run.last_line().to_string();
    let report = report_json(&review_md);
    assert_eq!(report["consolidator"]["status"], "ok", "{report:#}");
    assert_eq!(report["findings"][0]["id"], "S1");
    assert_eq!(report["findings"][0]["severity_rule"], "model");
    assert_eq!(report["verdict"]["decision"], "merge_as_is");
    assert_eq!(
        report["summary"],
        "A one-function change; S1 is a missing test, nothing blocks."
    );
    let names: Vec<&str> = report["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["alpha"]);
    let dir = Path::new(&review_md).parent().unwrap();
    let record = read(dir.join("consolidator/run-judge.json"));
    assert!(record.contains("\"proposals_accepted\""), "{record}");
    assert!(!dir.join("review-judge-pass-1.md").exists());

    Test::new()
        .args(["reviewers", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0)
        .stdout_contains("consolidator: judge (ready)");

    // The same work directory consolidated again with the consolidator named on the
    // command line, into another folder: its files go there.
    let again = tempfile::tempdir().unwrap();
    let run = Test::new()
        .args([
            "consolidate",
            "--no-history",
            "--consolidator",
            "judge",
            "--config",
        ])
        .arg(&config)
        .arg(dir)
        .arg("--out")
        .arg(again.path())
        .run()
        .status(0);
    let report = report_json(run.last_line());
    assert_eq!(report["consolidator"]["status"], "ok", "{report:#}");
    assert_eq!(report["findings"][0]["id"], "S1");
    assert!(again.path().join("consolidator/run-judge.json").is_file());
    Test::new()
        .args(["consolidate", "--no-history", "--consolidator", "builtin"])
        .arg(dir)
        .arg("--out")
        .arg(again.path())
        .run()
        .status(2)
        .stderr_contains("not a model");
}

#[test]
fn fail_on_sets_exit_code_one() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let ok = script(bin.path(), "ok.sh", SCRIPT_REVIEW);
    let config = config_with(repo.path(), &[("alpha", &ok)]);
    Test::new()
        .args(["review", "--quiet", "--fail-on", "important", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(1);
    Test::new()
        .args(["review", "--quiet", "--fail-on", "critical", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
}

#[test]
fn no_usable_review_exits_three() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let empty = script(bin.path(), "empty.sh", "exit 0");
    let noise = script(bin.path(), "noise.sh", "head -c 4000 /dev/urandom");
    let config = config_with(repo.path(), &[("empty", &empty), ("noise", &noise)]);
    Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(3)
        .stderr_contains("no reviewer produced a usable review");
}

#[test]
fn three_reviewers_run_at_the_same_time() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    // Each reviewer waits until all three have started (at most 15 s of the 20 s
    // limit): run one after another, the first two would give up and fail.
    let markers = tempfile::tempdir().unwrap();
    let meet = format!(
        "touch '{dir}'/\"$$\"; i=0\n\
         while set -- '{dir}'/*; [ \"$#\" -lt 3 ]; do\n\
         i=$((i + 1)); if [ \"$i\" -gt 150 ]; then echo 'the other reviewers never started' >&2; exit 9; fi\n\
         sleep 0.1\n\
         done\n",
        dir = markers.path().display()
    );
    let slow = script(bin.path(), "slow.sh", &format!("{meet}{SCRIPT_REVIEW}"));
    let config = config_with(repo.path(), &[("a", &slow), ("b", &slow), ("c", &slow)]);
    allow_writes(&config, markers.path());
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
    let statuses: Vec<_> = report_json(run.last_line())["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(statuses, ["ok", "ok", "ok"]);
}

#[test]
fn dry_run_stops_after_the_prompt() {
    let repo = feature_repo();
    let run = Test::new()
        .args(["review", "--dry-run", "--reviewers", "builtin"])
        .cwd(repo.path())
        .run()
        .status(0);
    let workdir = PathBuf::from(run.last_line());
    let prompt = read(workdir.join("prompt.md"));
    assert!(prompt.contains("pub fn two"), "the diff is in the prompt");
    assert!(workdir.join("diff.patch").is_file());
    assert!(!workdir.join("REVIEW.md").exists());
}

#[test]
fn clear_errors_for_bad_targets() {
    let not_repo = tempfile::tempdir().unwrap();
    Test::new()
        .args(["review"])
        .cwd(not_repo.path())
        .run()
        .status(2)
        .stderr_contains("not a git repository");
    // A path that does not exist says so, once.
    let run = Test::new()
        .args(["review", "no-such-dir"])
        .cwd(not_repo.path())
        .run()
        .status(2)
        .stderr_contains("no such directory: ");
    assert!(
        !run.stderr.contains("not a git repository"),
        "{}",
        run.stderr
    );
    let repo = feature_repo();
    Test::new()
        .args(["review", "--base", "no-such-ref"])
        .cwd(repo.path())
        .run()
        .status(2)
        .stderr_contains("no-such-ref");
    Test::new()
        .args(["review", "--base", "HEAD"])
        .cwd(repo.path())
        .run()
        .status(2)
        .stderr_contains("no changes");
    std::fs::write(
        repo.path().join("bad.toml"),
        "[review]\nreviewrs = [\"x\"]\n",
    )
    .unwrap();
    Test::new()
        .args(["review", "--config", "bad.toml"])
        .cwd(repo.path())
        .run()
        .status(2)
        .stderr_contains("reviewrs");
}

/// A branch's own deep-review.toml (committed on the branch, or left in the working
/// tree) never configures its review: a `command` reviewer it adds does not run.
#[test]
fn a_branch_cannot_configure_its_own_review() {
    let repo = feature_repo();
    let marker = repo.path().join("pwned");
    let config = format!(
        "[review]\nreviewers = [\"pwn\"]\n[reviewers.pwn]\nbackend = \"command\"\ncommand = [\"sh\", \"-c\", \"touch {}; echo '## Summary' ; echo fine\"]\n",
        marker.display()
    );
    std::fs::write(repo.path().join("deep-review.toml"), &config).unwrap();
    git(repo.path(), &["add", "-A"]);
    git(
        repo.path(),
        &["commit", "-qm", "branch adds its own reviewer"],
    );
    Test::new()
        .args(["review", "--quiet"])
        .cwd(repo.path())
        .run()
        .status(0);
    assert!(!marker.exists(), "the branch's command reviewer ran");
    Test::new()
        .args(["review"])
        .cwd(repo.path())
        .run()
        .status(0)
        .stderr_contains("differs from the base revision's");
    assert!(!marker.exists(), "the branch's command reviewer ran");
}

#[test]
fn interrupted_review_is_finished_by_consolidate() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let pids = bin.path().join("pids");
    let fast = script(bin.path(), "fast.sh", SCRIPT_REVIEW);
    let slow = script(
        bin.path(),
        "slow.sh",
        &format!("echo $$ >> {}\nsleep 60\n{SCRIPT_REVIEW}", pids.display()),
    );
    let config = config_with(
        repo.path(),
        &[("fast", &fast), ("slow1", &slow), ("slow2", &slow)],
    );
    allow_writes(&config, bin.path());
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_deep-review"))
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .current_dir(repo.path())
        .env("XDG_CONFIG_HOME", bin.path())
        .env("DEEP_REVIEW_DB", support::test_db())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until both slow reviewers are running (and the fast one has long finished).
    let deadline = Instant::now() + Duration::from_secs(20);
    while read_or_empty(&pids).lines().count() < 2 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let workdir = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    // No reviewer process survives the interruption.
    for pid in read_or_empty(&pids).lines() {
        assert!(
            !Path::new(&format!("/proc/{}", pid.trim())).exists(),
            "reviewer {pid} survived"
        );
    }

    let run = Test::new()
        .args(["consolidate"])
        .arg(&workdir)
        .run()
        .status(0);
    let report = report_json(run.last_line());
    let status_of = |name: &str| {
        report["reviewers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["status"].as_str().unwrap().to_string())
    };
    assert_eq!(status_of("fast").as_deref(), Some("ok"));
    assert_eq!(status_of("slow1").as_deref(), Some("not_finished"));
    assert_eq!(status_of("slow2").as_deref(), Some("not_finished"));
    assert_eq!(
        report["findings"][0]["reviewers"],
        serde_json::json!(["fast"])
    );
}

fn read_or_empty(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn consolidate_reports_missing_reviews_clearly() {
    let empty = tempfile::tempdir().unwrap();
    Test::new()
        .args(["consolidate"])
        .arg(empty.path())
        .run()
        .status(2)
        .stderr_contains("review-<reviewer>-pass-<n>.md");
}

#[test]
fn format_adds_to_the_report_and_review() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("review-alpha-pass-1.md"),
        "## Findings\n\n### Important Issues\n\nI1. **Unchecked index** — `src/lib.rs:3`\n\nThe index is not checked.\n",
    )
    .unwrap();
    let run = Test::new()
        .args(["consolidate", "--format", "sarif", "--fail-on", "never"])
        .arg(dir.path())
        .run()
        .status(0);
    assert!(run.last_line().ends_with("REVIEW.md"), "{}", run.stdout);
    for file in ["REVIEW.md", "report.json", "report.sarif"] {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let sarif: serde_json::Value =
        serde_json::from_str(&read(dir.path().join("report.sarif"))).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["level"], "warning");
    // The default --fail-on is critical: an important finding passes, `important` fails.
    Test::new()
        .args(["consolidate"])
        .arg(dir.path())
        .run()
        .status(0);
    Test::new()
        .args(["consolidate", "--fail-on", "important"])
        .arg(dir.path())
        .run()
        .status(1);
}

/// Uncommitted changes are not reviewed, and the user is told so.
#[test]
fn uncommitted_changes_are_warned_about() {
    let repo = feature_repo();
    write_files(
        repo.path(),
        &[("src/lib.rs", "pub fn changed() {}\n"), ("new.txt", "x\n")],
    );
    Test::new()
        .args(["review"])
        .cwd(repo.path())
        .run()
        .status(0)
        .stderr_contains(
            "warning: the working tree has 2 uncommitted changes that this review does not include\nhint: commit them first, or pass --head to say which revision to review",
        );
    let run = Test::new()
        .args(["review", "--head", "HEAD~0"])
        .cwd(repo.path())
        .run()
        .status(0);
    assert!(!run.stderr.contains("uncommitted"), "{}", run.stderr);
}

/// `consolidate` on a finished review, without `--repo`, keeps the locations verified
/// against the repository the review was made in, and says so.
#[test]
fn consolidate_again_keeps_verification() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let reviewer = script(bin.path(), "r.sh", SCRIPT_REVIEW);
    let config = config_with(bin.path(), &[("r", &reviewer)]);
    let run = Test::new()
        .args(["review", "--quiet", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(0);
    let review_md = PathBuf::from(run.last_line());
    let dir = review_md.parent().unwrap().to_path_buf();
    let verified = |dir: &Path| {
        let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
        report.matches("\"verification\": \"verified\"").count()
    };
    assert_eq!(verified(&dir), 1);
    Test::new()
        .arg("consolidate")
        .arg(&dir)
        .run()
        .status(0)
        .stderr_contains("warning: locations verified against ");
    assert_eq!(verified(&dir), 1);
}

/// When every reviewer fails there is no verdict: the report says so and names who
/// failed and why, and the exit code is 3.
#[test]
fn no_usable_review_is_no_verdict() {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    let broken = script(bin.path(), "broken.sh", "echo 'quota exceeded' >&2; exit 1");
    let config = config_with(bin.path(), &[("broken", &broken)]);
    let run = Test::new()
        .args(["review", "--config"])
        .arg(&config)
        .cwd(repo.path())
        .run()
        .status(3)
        .stderr_contains(
            "error: no reviewer produced a usable review: broken failed (exited with code 1: quota exceeded)",
        );
    let review_md = read(run.last_line());
    assert!(
        review_md.contains("**No verdict — no reviewer finished**"),
        "{review_md}"
    );
    assert!(!review_md.contains("Merge as-is"), "{review_md}");
    let report = read(PathBuf::from(run.last_line()).with_file_name("report.json"));
    assert!(report.contains("\"decision\": \"incomplete\""), "{report}");
}
