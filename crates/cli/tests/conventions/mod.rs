//! The conventions of a command-line tool: exit codes by kind of failure, broken pipes
//! and full disks on standard output, colour, `--version`, completions, the man page and
//! `clean`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{repo_with, Test};
use crate::{allow_writes, config_with, feature_repo, script, SCRIPT_REVIEW};

const BIN: &str = env!("CARGO_BIN_EXE_deep-review");

/// A directory holding one saved review with an important finding.
fn saved_review() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("review-alpha-pass-1.md"),
        "## Findings\n\n### Important Issues\n\nI1. **Unchecked index** — `src/lib.rs:3`\n\nThe index is not checked.\n",
    )
    .unwrap();
    dir
}

/// Runs deep-review with standard output a pipe whose reader is already gone: `true`
/// exits at once, deep-review starts writing 300 ms later. Returns its exit code and
/// standard error.
fn into_closed_pipe(args: &[&str], cwd: &Path) -> (i32, String) {
    let status_file = tempfile::NamedTempFile::new().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"(sleep 0.3; "$0" "$@"; echo "$?" > "$STATUS_FILE") | true"#)
        .arg(BIN)
        .args(args)
        .current_dir(cwd)
        .env("STATUS_FILE", status_file.path())
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", cwd.join("no-config"))
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let status = std::fs::read_to_string(status_file.path()).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = status
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no status: {status:?}\n{stderr}"));
    (code, stderr)
}

#[test]
fn broken_pipe_is_not_a_failure() {
    let repo = repo_with(&[("a.txt", "a\n")]);
    for args in [&["man"][..], &["completions", "bash"], &["reviewers"]] {
        let (code, stderr) = into_closed_pipe(args, repo.path());
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("error"), "{args:?}: {stderr}");
    }
}

#[test]
fn broken_pipe_keeps_the_verdict_code_and_the_report() {
    let dir = saved_review();
    let dir_arg = dir.path().to_str().unwrap();
    let (code, stderr) = into_closed_pipe(
        &["consolidate", "--fail-on", "important", dir_arg],
        dir.path(),
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(dir.path().join("REVIEW.md").is_file());
}

/// Runs deep-review with standard output on `/dev/full`.
fn into_full_disk(args: &[&str]) -> (i32, String) {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(BIN)
        .args(args)
        .env("NO_COLOR", "1")
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .stdout(full)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn full_disk_is_a_runtime_failure() {
    let dir = saved_review();
    for args in [
        vec!["man"],
        vec!["consolidate", dir.path().to_str().unwrap()],
    ] {
        let (code, stderr) = into_full_disk(&args);
        assert_eq!(code, 4, "{args:?}: {stderr}");
        // The verdict line may come first; the error is the last line.
        assert_eq!(
            stderr.lines().last(),
            Some("error: cannot write to standard output: No space left on device (os error 28)"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn runtime_failures_exit_four() {
    // git missing.
    let repo = feature_repo();
    Test::new()
        .args(["review"])
        .env("PATH", "/nonexistent")
        .cwd(repo.path())
        .run()
        .status(4)
        .stderr_contains("could not run git")
        .stderr_contains("hint: install git");
    // The outputs cannot be written: --out is under a regular file.
    let dir = saved_review();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let run = Test::new()
        .args(["consolidate", "--out"])
        .arg(file.join("out"))
        .arg(dir.path())
        .run()
        .status(4);
    assert_eq!(
        run.stderr,
        format!(
            "error: cannot write {}: Not a directory (os error 20)\n",
            file.join("out").display()
        )
    );
}

#[test]
fn usage_errors_exit_two() {
    Test::new()
        .args(["no-such-command"])
        .run()
        .status(2)
        .stderr_contains("no-such-command");
    Test::new()
        .args(["completions", "tcsh"])
        .run()
        .status(2)
        .stderr_contains("tcsh");
    let repo = repo_with(&[("a.txt", "a\n")]);
    Test::new()
        .args(["clean", "--older-than", "soon"])
        .cwd(repo.path())
        .run()
        .status(2)
        .stderr_contains("--older-than: invalid duration `soon`");
}

#[test]
fn signals_exit_128_plus_their_number() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let repo = feature_repo();
        let bin = tempfile::tempdir().unwrap();
        let started = bin.path().join("started");
        let slow = script(
            bin.path(),
            "slow.sh",
            &format!("touch {}\nsleep 60\n{SCRIPT_REVIEW}", started.display()),
        );
        let config = config_with(repo.path(), &[("slow", &slow)]);
        // The sandbox lets the reviewer write its start marker there, and nowhere else.
        allow_writes(&config, bin.path());
        let child = Command::new(BIN)
            .args(["review", "--quiet", "--config"])
            .arg(&config)
            .current_dir(repo.path())
            .env("XDG_CONFIG_HOME", bin.path())
            .env("DEEP_REVIEW_DB", crate::support::test_db())
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !started.exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(started.exists(), "{signal}: the reviewer never started");
        std::thread::sleep(Duration::from_millis(200));
        let sent = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{signal}: {stderr}");
        assert!(stderr.starts_with("warning: interrupted"), "{stderr}");
    }
}

#[test]
fn help_lists_the_exit_codes() {
    let run = Test::new().args(["--help"]).run().status(0);
    let block = run.stdout.split("Exit codes:\n").nth(1).unwrap_or_default();
    for code in ["  0 ", "  1 ", "  2 ", "  3 ", "  4 ", "  130 "] {
        assert!(block.contains(code), "{code:?} missing\n{}", run.stdout);
    }
}

#[test]
fn version_names_the_commit_and_its_date() {
    let run = Test::new().args(["--version"]).run().status(0);
    let rest = run
        .stdout
        .strip_prefix(concat!("deep-review ", env!("CARGO_PKG_VERSION"), " ("))
        .and_then(|r| r.strip_suffix(")\n"))
        .unwrap_or_else(|| panic!("{:?}", run.stdout));
    let (commit, date) = rest.split_once(' ').unwrap();
    assert!(
        commit == "unknown" || (commit.len() >= 7 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit}"
    );
    let date_shape = date.len() == 10
        && date.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    assert!(date == "unknown" || date_shape, "{date}");
}

#[test]
fn completions_for_each_shell_know_the_subcommands() {
    for shell in ["bash", "zsh", "fish"] {
        let run = Test::new().args(["completions", shell]).run().status(0);
        assert!(run.stdout.contains("consolidate"), "{shell}");
        assert!(run.stdout.contains("older-than"), "{shell}");
    }
}

#[test]
fn man_prints_a_roff_page() {
    let run = Test::new().args(["man"]).run().status(0);
    assert!(
        run.stdout.starts_with(".ie \\n(.g .ds Aq"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\n.TH deep-review 1 "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("consolidate"));
    assert!(run.stdout.contains("Exit codes:"));
}

/// Standard error of `consolidate` on a missing directory, standard error a pipe.
fn error_bytes(color: Option<&str>) -> String {
    let mut args = vec!["consolidate", "/nonexistent/reviews"];
    if let Some(c) = color {
        args.extend(["--color", c]);
    }
    Test::new().args(args).run().status(2).stderr
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    // The test harness sets NO_COLOR=1: `auto` and `never` are plain, `always` wins.
    for plain in [error_bytes(None), error_bytes(Some("never"))] {
        assert!(plain.starts_with("error: cannot read"), "{plain:?}");
        assert!(!plain.contains('\x1b'), "{plain:?}");
    }
    let coloured = error_bytes(Some("always"));
    assert!(coloured.starts_with("\x1b["), "{coloured:?}");
    assert!(coloured.contains("error:"), "{coloured:?}");
}

/// Standard error of a failing command run on a terminal (a pseudo-terminal made by
/// util-linux `script`), with `NO_COLOR` as given.
fn on_terminal(no_color: Option<&str>) -> String {
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        &format!("{BIN} consolidate /nonexistent/reviews"),
        "/dev/null",
    ])
    .env_remove("NO_COLOR")
    .env("DEEP_REVIEW_DB", crate::support::test_db())
    .env("TERM", "xterm");
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    let out = cmd.output().expect("run script (util-linux)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_terminal_gets_colour_unless_no_color_is_set() {
    let coloured = on_terminal(None);
    assert!(coloured.contains("\x1b[31merror:"), "{coloured:?}");
    let plain = on_terminal(Some("1"));
    assert!(plain.starts_with("error: cannot read"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

/// Makes `out/name` with the given files, and sets every mtime `days` ago.
fn work_dir(out: &Path, name: &str, files: &[(&str, &str)], days: u32) -> PathBuf {
    let dir = out.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    age(&dir, days);
    dir
}

/// Sets the mtime of `path` and the entries directly in it (links not followed).
fn age(path: &Path, days: u32) {
    let when = format!("{days} days ago");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(path)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.push(path.to_path_buf());
    for p in paths {
        let ok = Command::new("touch")
            .args(["-h", "-d", &when])
            .arg(&p)
            .status()
            .unwrap();
        assert!(ok.success(), "touch {}", p.display());
    }
}

#[test]
fn clean_removes_only_old_work_directories() {
    let repo = repo_with(&[("a.txt", "a\n")]);
    let root = repo.path().canonicalize().unwrap();
    let out = root.join(".deep-review/reviews");
    let review = [("review.json", "{}"), ("prompt.md", "prompt\n")];
    let old = work_dir(&out, "20250101-000000-feature", &review, 40);
    let recent = work_dir(&out, "20260101-000000-recent", &review, 3);
    let not_named = work_dir(&out, "notes", &review, 40);
    let not_a_review = work_dir(&out, "20250101-000000-empty", &[("x.txt", "x")], 40);
    // A link shaped like a work directory, to one outside: neither is touched.
    let outside = tempfile::tempdir().unwrap();
    let elsewhere = work_dir(outside.path(), "20250101-000000-x", &review, 40);
    let link = out.join("20250101-000000-link");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();

    let dry = Test::new()
        .args(["clean", "--dry-run"])
        .cwd(&root)
        .run()
        .status(0);
    assert_eq!(
        dry.stdout,
        format!(
            "would remove {} (9 B)\nwould remove 1 work directory older than 30d, freeing 9 B (9 bytes)\n",
            old.display()
        )
    );
    assert!(old.is_dir());

    let run = Test::new()
        .args(["clean", "--older-than", "30d"])
        .cwd(&root)
        .run()
        .status(0);
    assert_eq!(
        run.stdout,
        format!(
            "removed {} (9 B)\nremoved 1 work directory older than 30d, freed 9 B (9 bytes)\n",
            old.display()
        )
    );
    assert!(!old.exists());
    for kept in [&recent, &not_named, &not_a_review, &elsewhere] {
        assert!(
            kept.join(if kept == &not_a_review {
                "x.txt"
            } else {
                "review.json"
            })
            .is_file(),
            "{}",
            kept.display()
        );
    }
    assert!(std::fs::symlink_metadata(&link).is_ok());

    // A shorter age reaches the recent one too; nothing old is left to say about later.
    Test::new()
        .args(["clean", "--older-than", "1d"])
        .cwd(&root)
        .run()
        .status(0)
        .stdout_contains("removed 1 work directory older than 1d");
    assert!(!recent.exists());
    let none = Test::new().args(["clean"]).cwd(&root).run().status(0);
    assert_eq!(
        none.stdout,
        format!("no work directories older than 30d in {}\n", out.display())
    );
}
