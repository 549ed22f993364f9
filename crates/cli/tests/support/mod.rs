//! A small builder so each CLI test reads as a short script: arguments, environment,
//! then assertions on status, stdout and stderr. Runs the real `deep-review` binary.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The history database every CLI test writes unless it names its own: one file in
/// cargo's scratch directory for integration tests, shared by the tests (they may write
/// at once, as reviews do), never the user's.
pub fn test_db() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-history.sqlite3")
}

pub struct Test {
    args: Vec<String>,
    env: BTreeMap<String, String>,
    env_removed: Vec<String>,
    cwd: Option<PathBuf>,
}

pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Test {
    pub fn new() -> Self {
        Test {
            args: Vec::new(),
            env: BTreeMap::new(),
            env_removed: Vec::new(),
            cwd: None,
        }
    }

    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_string()));
        self
    }

    pub fn arg(mut self, arg: impl AsRef<Path>) -> Self {
        self.args.push(arg.as_ref().display().to_string());
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<str>) -> Self {
        self.env.insert(key.to_string(), value.as_ref().to_string());
        self
    }

    /// Removes a variable the test process inherited (API keys, `CARGO_TARGET_DIR`).
    pub fn env_remove(mut self, key: &str) -> Self {
        self.env_removed.push(key.to_string());
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    pub fn run(self) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_deep-review"));
        for key in &self.env_removed {
            cmd.env_remove(key);
        }
        // Never the user's history database; a test may name its own.
        cmd.env("DEEP_REVIEW_DB", test_db());
        // Never the user's cache (pull request mirrors); a test may name its own.
        if !self.env_removed.iter().any(|k| k == "XDG_CACHE_HOME") {
            cmd.env(
                "XDG_CACHE_HOME",
                std::env::temp_dir().join("deep-review-test-cache"),
            );
        }
        cmd.args(&self.args).envs(&self.env).env("NO_COLOR", "1");
        // Keep the user's own configuration out of the tests.
        cmd.env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("deep-review-test-no-config"),
        );
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().expect("run deep-review");
        Run {
            status: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn status(self, expected: i32) -> Self {
        assert_eq!(
            self.status, expected,
            "unexpected status\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn stderr_contains(self, needle: &str) -> Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    pub fn stdout_contains(self, needle: &str) -> Self {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}\n--- stdout\n{}",
            self.stdout
        );
        self
    }

    /// The last line of stdout, which every command keeps for the REVIEW.md path.
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }
}

/// Runs `git` in `dir`, panicking with its stderr on failure (test setup only).
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes files (path → content) under `dir`, creating parent directories.
pub fn write_files(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&p, content).expect("write");
    }
}

/// A new repository with one commit on `main` holding `files`.
pub fn repo_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q", "--initial-branch=main"]);
    write_files(dir.path(), files);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "base"]);
    dir
}
