//! Helpers shared by the runner's integration tests: a work directory with a checkout
//! and a prompt, fake executables written as shell scripts, fixture streams.
#![allow(dead_code)]

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::RunRecord;
use deep_review_core::reviewers::{ProgressEvent, RunContext};
use tokio::sync::mpsc;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub ctx: RunContext,
}

impl Fixture {
    pub fn new() -> Self {
        Self::with_prompt("# Review this change\n\nPlease review the diff below.\n")
    }

    /// A fixture whose reviewers run through the `deep-review-sandbox` launcher.
    pub fn sandboxed() -> Self {
        let mut fx = Self::new();
        fx.ctx.sandbox = Some(PathBuf::from(env!("CARGO_BIN_EXE_deep-review-sandbox")));
        fx
    }

    pub fn with_prompt(prompt: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let workdir = dir.path().join("work");
        let checkout = dir.path().join("checkout");
        std::fs::create_dir_all(&workdir).unwrap();
        std::fs::create_dir_all(checkout.join("src")).unwrap();
        std::fs::write(checkout.join("src/lib.rs"), "pub fn f() {}\n").unwrap();
        std::fs::write(
            checkout.join("calc.py"),
            "def add(a, b):\n    return a + b\n",
        )
        .unwrap();
        std::fs::write(workdir.join("prompt.md"), prompt).unwrap();
        std::fs::write(workdir.join("diff.patch"), "").unwrap();
        let ctx = RunContext {
            prompt_file: workdir.join("prompt.md"),
            diff_file: workdir.join("diff.patch"),
            workdir,
            checkout,
            base: "1".repeat(40),
            head: "2".repeat(40),
            pass: 1,
            sandbox: None,
        };
        Fixture { dir, ctx }
    }

    /// A directory for fake executables and what they dump.
    pub fn bin_dir(&self) -> PathBuf {
        let bin = self.dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        bin
    }

    /// Writes an executable `#!/bin/sh` script named `name` into the bin directory.
    pub fn script(&self, name: &str, body: &str) -> PathBuf {
        let path = self.bin_dir().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    pub fn dump(&self, what: &str) -> String {
        std::fs::read_to_string(self.bin_dir().join(what)).unwrap_or_default()
    }

    pub fn review(&self, name: &str) -> Option<String> {
        std::fs::read_to_string(self.ctx.review_path(name)).ok()
    }

    pub fn record_on_disk(&self, name: &str) -> RunRecord {
        let text = std::fs::read_to_string(self.ctx.record_path(name)).expect("run record");
        serde_json::from_str(&text).expect("run record json")
    }

    pub fn transcript(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.ctx.transcript_path(name)).ok()
    }
}

/// A captured stream from `tests/fixtures/streams/`.
pub fn stream(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/streams")
        .join(name)
}

pub fn command(name: &str, argv: &[&str]) -> ReviewerConfig {
    let mut config = ReviewerConfig::new(name, BackendKind::Command);
    config.command = argv.iter().map(|s| s.to_string()).collect();
    config.timeout = Duration::from_secs(20);
    config
}

pub fn sh(name: &str, script: &str) -> ReviewerConfig {
    command(name, &["/bin/sh", "-c", script])
}

/// Shell lines that make `parties` reviewers meet: each leaves a marker in `dir` and
/// waits until all markers are there, failing (exit 9) after `max_wait` if the others
/// never started. Proves they ran at the same time without measuring how long they
/// took.
pub fn rendezvous(dir: &Path, parties: usize, max_wait: Duration) -> String {
    let tries = max_wait.as_millis() / 100;
    let dir = dir.display();
    format!(
        "touch '{dir}'/\"$$\"; i=0; \
         while set -- '{dir}'/*; [ \"$#\" -lt {parties} ]; do \
         i=$((i + 1)); if [ \"$i\" -gt {tries} ]; then \
         echo 'rendezvous: the other reviewers never started' >&2; exit 9; fi; \
         sleep 0.1; done"
    )
}

/// A progress channel and a function that drains what was sent so far.
pub fn progress() -> (
    mpsc::UnboundedSender<ProgressEvent>,
    mpsc::UnboundedReceiver<ProgressEvent>,
) {
    mpsc::unbounded_channel()
}

pub fn drain(rx: &mut mpsc::UnboundedReceiver<ProgressEvent>) -> Vec<ProgressEvent> {
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    events
}

/// True when the process is gone (or a zombie nobody reaped yet).
pub fn process_gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// Waits up to `within` for the process to be gone.
pub fn wait_gone(pid: u32, within: Duration) -> bool {
    let deadline = std::time::Instant::now() + within;
    while std::time::Instant::now() < deadline {
        if process_gone(pid) {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    process_gone(pid)
}

/// Every file below `dir`, recursively (for scanning what a run wrote).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
