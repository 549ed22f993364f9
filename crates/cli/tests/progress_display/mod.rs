//! The progress display of a two-reviewer review (a builtin running a slow SARIF tool,
//! a slow `command` reviewer): on a pseudo-terminal (util-linux `script`) each
//! reviewer's line names its current step; in a log, one plain line per step change
//! and no spinner; `--verbose` adds the commands run.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{feature_repo, script};

/// A repository, a config with `builtin` (its only linter a SARIF tool that takes a
/// second) and `alpha` (a command reviewer that takes a second), and the bin dir.
fn two_slow_reviewers() -> (tempfile::TempDir, tempfile::TempDir, PathBuf) {
    let repo = feature_repo();
    let bin = tempfile::tempdir().unwrap();
    script(
        bin.path(),
        "slowsarif",
        "/bin/sleep 1.2\necho '{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{\"name\":\"slowsarif\"}},\"results\":[]}]}'",
    );
    let alpha = script(
        bin.path(),
        "alpha.sh",
        &format!("sleep 1.2\n{}", super::SCRIPT_REVIEW),
    );
    let config = repo.path().join("deep-review.toml");
    std::fs::write(
        &config,
        format!(
            "[review]\nreviewers = [\"builtin\", \"alpha\"]\n\n\
             [reviewers.builtin]\nbackend = \"builtin\"\nsarif_tools = [[\"slowsarif\"]]\n\
             env = {{ PATH = \"{bin}\" }}\n\n\
             [reviewers.alpha]\nbackend = \"command\"\ncommand = [\"{alpha}\"]\n",
            bin = bin.path().display(),
            alpha = alpha.display()
        ),
    )
    .unwrap();
    (repo, bin, config)
}

/// Removes terminal control sequences (CSI, OSC) and splits on redraws.
fn screen_lines(raw: &str) -> Vec<String> {
    let csi = regex::Regex::new(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][0-9A-B]")
        .unwrap();
    csi.replace_all(raw, "\n")
        .split(['\n', '\r'])
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn review_command(repo: &Path, config: &Path, extra: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_deep-review"));
    cmd.args(["review", "--config"])
        .arg(config)
        .args(extra)
        .current_dir(repo)
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("deep-review-test-no-config"),
        )
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .env_remove("NO_COLOR");
    cmd
}

#[test]
fn on_a_terminal_each_reviewer_line_names_its_step() {
    let (repo, _bin, config) = two_slow_reviewers();
    let inner = format!(
        "{} review --config {}",
        env!("CARGO_BIN_EXE_deep-review"),
        config.display()
    );
    let out = Command::new("script")
        .args(["-qec", &inner, "/dev/null"])
        .current_dir(repo.path())
        .env("TERM", "xterm-256color")
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("deep-review-test-no-config"),
        )
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .output()
        .expect("`script` (util-linux) runs the review under a pseudo-terminal");
    let raw = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{raw}");
    let lines = screen_lines(&raw);
    let shows = |reviewer: &str, step: &str| {
        lines
            .iter()
            .any(|l| l.contains(reviewer) && l.contains(step))
    };
    assert!(shows("builtin", "slowsarif"), "{lines:#?}");
    assert!(shows("alpha", "running"), "{lines:#?}");
    // The spinner line, not a log line: the elapsed clock ticks after the step.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("alpha") && l.contains("running ·")),
        "{lines:#?}"
    );
    assert!(
        !lines.iter().any(|l| l.starts_with("alpha: running")),
        "plain log lines on a terminal: {lines:#?}"
    );
}

#[test]
fn in_a_log_each_step_change_is_one_plain_line() {
    let (repo, _bin, config) = two_slow_reviewers();
    let out = review_command(repo.path(), &config, &["--verbose"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    for expected in [
        "builtin: running",
        "builtin: own checks (secrets, conflict markers, tests)",
        "builtin: slowsarif",
        "alpha: running",
    ] {
        assert_eq!(
            lines.iter().filter(|l| **l == expected).count(),
            1,
            "{expected:?} once in:\n{stderr}"
        );
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("alpha: $ ") && l.ends_with("alpha.sh")),
        "--verbose prints the command:\n{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("builtin: $ ") && l.contains("slowsarif")),
        "--verbose prints the linter's command:\n{stderr}"
    );
    assert!(
        !stderr.contains('\r') && !stderr.contains('\x1b'),
        "{stderr:?}"
    );
    // The SARIF tool's second is the builtin's: its step was on screen that long.
    assert!(
        lines.iter().any(|l| l.starts_with("builtin: done in 1")),
        "{stderr}"
    );
}
