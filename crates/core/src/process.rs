//! Running an external program the way every reviewer and linter is run: its own
//! process group, standard input from a file or closed, an environment built from an
//! allow-list, a wall-clock limit, a cap on how much output is kept, and on timeout or
//! cancellation the whole process group killed so nothing it started survives.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

/// Default cap on the standard output kept in memory (bytes).
pub const DEFAULT_MAX_STDOUT: usize = 64 * 1024 * 1024;
/// How much of standard error is kept (its last bytes).
const STDERR_TAIL_BYTES: usize = 8 * 1024;
/// Longest line handed to `on_line` at once: a longer one (output with no newlines) is
/// passed in pieces, so memory stays bounded whatever the child prints.
const MAX_LINE_BYTES: u64 = 16 * 1024 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct ProcessSpec {
    pub program: String,
    pub args: Vec<String>,
    pub cwd: PathBuf,
    /// The child's whole environment: nothing else from ours is passed on.
    pub env: BTreeMap<String, String>,
    /// Fed to standard input; `None` gives the child a closed (null) standard input.
    pub stdin_file: Option<PathBuf>,
    pub timeout: Duration,
    /// Standard output beyond this is read and discarded (`stdout_truncated` is set).
    pub max_stdout: usize,
}

impl ProcessSpec {
    pub fn new(program: impl Into<String>, cwd: impl Into<PathBuf>, timeout: Duration) -> Self {
        ProcessSpec {
            program: program.into(),
            args: Vec::new(),
            cwd: cwd.into(),
            env: BTreeMap::new(),
            stdin_file: None,
            timeout,
            max_stdout: DEFAULT_MAX_STDOUT,
        }
    }
}

/// How the process ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitKind {
    /// It exited by itself: its exit code, or the signal that ended it.
    Exited {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// It ran past `timeout`; its process group was killed.
    TimedOut,
    /// The cancellation token fired (Ctrl-C); its process group was killed.
    Cancelled,
    /// It could not be started (missing binary, permission).
    SpawnFailed(String),
}

#[derive(Debug, Clone)]
pub struct ProcessOutcome {
    pub exit: ExitKind,
    pub stdout: Vec<u8>,
    pub stdout_truncated: bool,
    /// The last few KiB of standard error, lossily decoded.
    pub stderr_tail: String,
    pub duration: Duration,
}

impl ProcessOutcome {
    pub fn success(&self) -> bool {
        matches!(self.exit, ExitKind::Exited { code: Some(0), .. })
    }

    /// One line saying how it ended, for run records and errors.
    pub fn describe(&self) -> String {
        match &self.exit {
            ExitKind::Exited { code: Some(c), .. } => format!("exited with code {c}"),
            ExitKind::Exited {
                signal: Some(s), ..
            } => format!("killed by signal {s}"),
            ExitKind::Exited { .. } => "exited".to_string(),
            ExitKind::TimedOut => format!(
                "timed out after {}",
                crate::prose::duration_clock(self.duration)
            ),
            ExitKind::Cancelled => "cancelled".to_string(),
            ExitKind::SpawnFailed(e) => format!("could not start: {e}"),
        }
    }
}

/// Runs `spec` to completion, calling `on_line` with each line of standard output as it
/// arrives (for live progress). Never panics and never leaves the child's process group
/// behind: on timeout or cancellation the group gets SIGTERM, then SIGKILL.
pub async fn run(
    spec: &ProcessSpec,
    mut on_line: impl FnMut(&str),
    cancel: &CancellationToken,
) -> ProcessOutcome {
    let started = Instant::now();
    let failed = |e: String| ProcessOutcome {
        exit: ExitKind::SpawnFailed(e),
        stdout: Vec::new(),
        stdout_truncated: false,
        stderr_tail: String::new(),
        duration: started.elapsed(),
    };

    let stdin = match &spec.stdin_file {
        Some(path) => match std::fs::File::open(path) {
            Ok(f) => Stdio::from(f),
            Err(e) => return failed(format!("cannot open {}: {e}", path.display())),
        },
        None => Stdio::null(),
    };
    let mut cmd = Command::new(&spec.program);
    cmd.args(&spec.args)
        .current_dir(&spec.cwd)
        .env_clear()
        .envs(&spec.env)
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("{}: {e}", spec.program)),
    };
    let pgid = child.id().map(|id| nix::unistd::Pid::from_raw(id as i32));
    let (Some(stdout), Some(stderr)) = (child.stdout.take(), child.stderr.take()) else {
        kill_group(pgid);
        return failed("no pipes to the child".to_string());
    };

    let stderr_task = tokio::spawn(read_tail(stderr, STDERR_TAIL_BYTES));
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut kept: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut line = Vec::new();
    let deadline = tokio::time::sleep(spec.timeout);
    tokio::pin!(deadline);

    // Read stdout to its end (or until the deadline / cancellation).
    let interrupted = loop {
        line.clear();
        let keeping = kept.len() < spec.max_stdout;
        tokio::select! {
            read = read_piece(&mut reader, &mut line, keeping) => match read {
                Ok(0) | Err(_) => break None,
                Ok(_) if !keeping => truncated = true,
                Ok(_) => {
                    if kept.len() < spec.max_stdout {
                        let room = spec.max_stdout - kept.len();
                        if line.len() > room {
                            truncated = true;
                        }
                        kept.extend_from_slice(&line[..line.len().min(room)]);
                        on_line(&String::from_utf8_lossy(&line));
                    } else {
                        truncated = true;
                    }
                }
            },
            _ = &mut deadline => break Some(ExitKind::TimedOut),
            _ = cancel.cancelled() => break Some(ExitKind::Cancelled),
        }
    };

    let exit = match interrupted {
        Some(kind) => {
            kill_group(pgid);
            let _ = child.wait().await;
            kind
        }
        None => {
            // Stdout closed; the process may still be running (or a grandchild holds
            // stderr). Wait for it within what is left of the deadline.
            tokio::select! {
                status = child.wait() => {
                    // The leader is gone; end anything it left in its group.
                    kill_group(pgid);
                    match status {
                        Ok(s) => {
                            use std::os::unix::process::ExitStatusExt;
                            ExitKind::Exited { code: s.code(), signal: s.signal() }
                        }
                        Err(e) => ExitKind::SpawnFailed(e.to_string()),
                    }
                }
                _ = &mut deadline => { kill_group(pgid); let _ = child.wait().await; ExitKind::TimedOut }
                _ = cancel.cancelled() => { kill_group(pgid); let _ = child.wait().await; ExitKind::Cancelled }
            }
        }
    };
    let stderr_tail = match tokio::time::timeout(Duration::from_secs(2), stderr_task).await {
        Ok(Ok(tail)) => tail,
        _ => String::new(),
    };
    ProcessOutcome {
        exit,
        stdout: kept,
        stdout_truncated: truncated,
        stderr_tail,
        duration: started.elapsed(),
    }
}

/// Reads the next line into `line` (at most [`MAX_LINE_BYTES`] of it) while output is
/// kept; past the cap, reads and drops whatever is buffered, without looking for lines.
async fn read_piece(
    reader: &mut BufReader<tokio::process::ChildStdout>,
    line: &mut Vec<u8>,
    keeping: bool,
) -> std::io::Result<usize> {
    if keeping {
        return reader.take(MAX_LINE_BYTES).read_until(b'\n', line).await;
    }
    let n = reader.fill_buf().await?.len();
    reader.consume(n);
    Ok(n)
}

/// Kills the child's whole process group: SIGTERM, a short grace, then SIGKILL.
fn kill_group(pgid: Option<nix::unistd::Pid>) {
    use nix::sys::signal::{killpg, Signal};
    let Some(pgid) = pgid else { return };
    if killpg(pgid, Signal::SIGTERM).is_ok() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = killpg(pgid, Signal::SIGKILL);
}

/// Reads a stream to its end, keeping only its last `limit` bytes.
async fn read_tail(mut stream: impl AsyncRead + Unpin, limit: usize) -> String {
    let mut tail: Vec<u8> = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                tail.extend_from_slice(&buf[..n]);
                if tail.len() > limit * 2 {
                    tail.drain(..tail.len() - limit);
                }
            }
        }
    }
    if tail.len() > limit {
        tail.drain(..tail.len() - limit);
    }
    String::from_utf8_lossy(&tail).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str, timeout_ms: u64) -> ProcessSpec {
        let mut spec = ProcessSpec::new(
            "/bin/sh",
            std::env::temp_dir(),
            Duration::from_millis(timeout_ms),
        );
        spec.args = vec!["-c".into(), script.into()];
        spec.env.insert("PATH".into(), "/usr/bin:/bin".into());
        spec
    }

    #[tokio::test]
    async fn captures_stdout_lines_and_exit_code() {
        let mut lines = Vec::new();
        let out = run(
            &sh("echo one; echo two >&2; echo three; exit 3", 5000),
            |l| lines.push(l.to_string()),
            &CancellationToken::new(),
        )
        .await;
        assert_eq!(
            out.exit,
            ExitKind::Exited {
                code: Some(3),
                signal: None
            }
        );
        assert_eq!(String::from_utf8_lossy(&out.stdout), "one\nthree\n");
        assert_eq!(lines, vec!["one\n", "three\n"]);
        assert_eq!(out.stderr_tail, "two\n");
    }

    #[tokio::test]
    async fn timeout_kills_the_whole_group() {
        let marker = tempfile::NamedTempFile::new().unwrap();
        let path = marker.path().display().to_string();
        // The grandchild would touch the file after 2 s if it survived.
        let script = format!("(sleep 2; echo alive > {path}) & sleep 30");
        let out = run(&sh(&script, 300), |_| {}, &CancellationToken::new()).await;
        assert_eq!(out.exit, ExitKind::TimedOut);
        std::thread::sleep(Duration::from_millis(2500));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    }

    #[tokio::test]
    async fn output_beyond_the_cap_is_discarded() {
        let mut spec = sh("head -c 5000000 /dev/zero", 10_000);
        spec.max_stdout = 1000;
        let out = run(&spec, |_| {}, &CancellationToken::new()).await;
        assert!(out.success());
        assert_eq!(out.stdout.len(), 1000);
        assert!(out.stdout_truncated);
    }

    #[tokio::test]
    async fn environment_is_only_the_allow_list() {
        let out = run(&sh("env", 5000), |_| {}, &CancellationToken::new()).await;
        let env = String::from_utf8_lossy(&out.stdout);
        assert!(env.contains("PATH=/usr/bin:/bin"));
        assert!(!env.contains("HOME="), "{env}");
    }

    #[tokio::test]
    async fn missing_program_is_a_spawn_failure() {
        let spec = ProcessSpec::new(
            "/nonexistent/deep-review-x",
            std::env::temp_dir(),
            Duration::from_secs(1),
        );
        let out = run(&spec, |_| {}, &CancellationToken::new()).await;
        assert!(matches!(out.exit, ExitKind::SpawnFailed(_)));
    }
}
