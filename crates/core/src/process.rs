//! Running an external program the way every reviewer and linter is run: its own
//! process group, standard input from a file or closed, an environment built from an
//! allow-list, a wall-clock limit, a cap on how much output is kept, and at its end (by
//! itself, on timeout or on cancellation) everything it started ended: the process group
//! is killed, and the `deep-review-sandbox` launcher runs the program as a subreaper
//! ([`crate::reaper`]) so children that left the group (`setsid`, double forks) end too.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use nix::sys::signal::Signal;
use nix::unistd::Pid;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};
use tokio::process::Command;
use tokio_util::sync::CancellationToken;

/// Default cap on the standard output kept in memory (bytes).
pub const DEFAULT_MAX_STDOUT: usize = 64 * 1024 * 1024;
/// How much of standard error is kept (its last bytes).
const STDERR_TAIL_BYTES: usize = 8 * 1024;
/// How long standard output may stay open after the program exited (a background
/// child holding it): then the group is killed, and reading gives up after as long again.
const DRAIN_GRACE: Duration = Duration::from_millis(500);
/// How long the launcher gets to end the tree after SIGTERM before the group gets SIGKILL.
const STOP_GRACE: Duration = Duration::from_secs(3);
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
    /// The launcher that keeps the program's whole process tree (`deep-review-sandbox
    /// --unconfined`); by default the one next to the running executable. `None` (no
    /// launcher, or the program is the launcher already): the process group only.
    pub reaper: Option<PathBuf>,
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
            reaper: default_reaper(),
        }
    }
}

/// The launcher next to the running executable, looked for once.
fn default_reaper() -> Option<PathBuf> {
    static LAUNCHER: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    LAUNCHER.get_or_init(crate::sandbox::find_launcher).clone()
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

    let wrapped;
    let spec = match &spec.reaper {
        Some(launcher) => {
            let mut copy = spec.clone();
            crate::sandbox::wrap_unconfined(&mut copy, launcher);
            wrapped = copy;
            &wrapped
        }
        None => spec,
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
        stop(pgid, &mut child).await;
        return failed("no pipes to the child".to_string());
    };

    let stderr_tail = std::sync::Arc::new(std::sync::Mutex::new(Tail::new(STDERR_TAIL_BYTES)));
    let stderr_task = tokio::spawn(read_tail(stderr, stderr_tail.clone()));
    let mut reader = BufReader::with_capacity(64 * 1024, stdout);
    let mut kept: Vec<u8> = Vec::new();
    let mut truncated = false;
    let mut line = Vec::new();
    let deadline = tokio::time::sleep(spec.timeout);
    tokio::pin!(deadline);
    // Armed when the program exits with standard output still open.
    let drain = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
    tokio::pin!(drain);
    let mut status = None;
    let mut eof = false;
    let mut group_killed = false;

    // Read stdout while waiting for the program, until both are done (or the deadline,
    // cancellation, or the drain grace after the program's exit).
    let interrupted = loop {
        if eof && status.is_some() {
            break None;
        }
        let keeping = kept.len() < spec.max_stdout;
        tokio::select! {
            read = read_piece(&mut reader, &mut line, keeping), if !eof => match read {
                Ok(0) | Err(_) => eof = true,
                Ok(_) if status.is_some() && !group_killed => {
                    // Still flowing after the exit: the grace counts from the last output.
                    drain.as_mut().reset(tokio::time::Instant::now() + DRAIN_GRACE);
                    handle_piece(&mut kept, &mut line, &mut truncated, keeping, spec.max_stdout, &mut on_line);
                }
                Ok(_) => handle_piece(&mut kept, &mut line, &mut truncated, keeping, spec.max_stdout, &mut on_line),
            },
            exited = child.wait(), if status.is_none() => {
                status = Some(exited);
                drain.as_mut().reset(tokio::time::Instant::now() + DRAIN_GRACE);
            }
            _ = &mut drain, if status.is_some() => {
                if group_killed {
                    // Someone outside the group still holds the pipe: stop reading.
                    break None;
                }
                // A background child of the finished program holds standard output.
                kill_group(pgid, Signal::SIGKILL);
                group_killed = true;
                drain.as_mut().reset(tokio::time::Instant::now() + DRAIN_GRACE);
            }
            // A program that finished is not timed out by what it left writing.
            _ = &mut deadline => break status.is_none().then_some(ExitKind::TimedOut),
            _ = cancel.cancelled() => break Some(ExitKind::Cancelled),
        }
    };
    if !line.is_empty() {
        let keeping = kept.len() < spec.max_stdout;
        handle_piece(
            &mut kept,
            &mut line,
            &mut truncated,
            keeping,
            spec.max_stdout,
            &mut on_line,
        );
    }

    let exit = match interrupted {
        Some(kind) => {
            stop(pgid, &mut child).await;
            kind
        }
        None => {
            // The leader is gone; end anything it left in its group.
            kill_group(pgid, Signal::SIGKILL);
            match status {
                Some(Ok(s)) => {
                    use std::os::unix::process::ExitStatusExt;
                    ExitKind::Exited {
                        code: s.code(),
                        signal: s.signal(),
                    }
                }
                Some(Err(e)) => ExitKind::SpawnFailed(e.to_string()),
                None => ExitKind::SpawnFailed("lost track of the child".to_string()),
            }
        }
    };
    // Standard error held open by something outside the group is not waited for.
    let _ = tokio::time::timeout(DRAIN_GRACE, stderr_task).await;
    let stderr_tail = stderr_tail.lock().map(|t| t.text()).unwrap_or_default();
    // The launcher could not start the program: the same as failing to spawn it.
    let exit = match (&exit, stderr_tail.lines().next()) {
        (
            ExitKind::Exited {
                code: Some(crate::sandbox::SPAWN_FAILED_CODE),
                ..
            },
            Some(line),
        ) if line.starts_with(crate::sandbox::SPAWN_FAILED_PREFIX) => ExitKind::SpawnFailed(
            line.trim_start_matches(crate::sandbox::SPAWN_FAILED_PREFIX)
                .to_string(),
        ),
        _ => exit,
    };
    ProcessOutcome {
        exit,
        stdout: kept,
        stdout_truncated: truncated,
        stderr_tail,
        duration: started.elapsed(),
    }
}

/// Keeps what [`read_piece`] read (up to `max` bytes in all, setting `truncated` past
/// it) and hands it to `on_line`; empties `line` for the next piece.
fn handle_piece(
    kept: &mut Vec<u8>,
    line: &mut Vec<u8>,
    truncated: &mut bool,
    keeping: bool,
    max: usize,
    on_line: &mut impl FnMut(&str),
) {
    if !keeping {
        *truncated = true;
    } else {
        let room = max.saturating_sub(kept.len());
        if line.len() > room {
            *truncated = true;
        }
        kept.extend_from_slice(&line[..line.len().min(room)]);
        on_line(&String::from_utf8_lossy(line));
    }
    // Cleared only once handled: a read interrupted by another branch keeps its
    // partial line for the next round.
    line.clear();
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

/// Stops a program still running: SIGTERM to its group, time for it (the launcher:
/// for the tree below it) to end, then SIGKILL to the group; reaps it.
async fn stop(pgid: Option<Pid>, child: &mut tokio::process::Child) {
    if kill_group(pgid, Signal::SIGTERM) {
        let _ = tokio::time::timeout(STOP_GRACE, child.wait()).await;
    }
    kill_group(pgid, Signal::SIGKILL);
    let _ = child.wait().await;
}

/// Sends `signal` to the child's process group; false when there is no such group.
fn kill_group(pgid: Option<Pid>, signal: Signal) -> bool {
    pgid.is_some_and(|pgid| nix::sys::signal::killpg(pgid, signal).is_ok())
}

/// The last bytes of a stream.
struct Tail {
    bytes: Vec<u8>,
    limit: usize,
}

impl Tail {
    fn new(limit: usize) -> Self {
        Tail {
            bytes: Vec::new(),
            limit,
        }
    }

    fn push(&mut self, piece: &[u8]) {
        self.bytes.extend_from_slice(piece);
        if self.bytes.len() > self.limit * 2 {
            self.bytes.drain(..self.bytes.len() - self.limit);
        }
    }

    fn text(&self) -> String {
        let start = self.bytes.len().saturating_sub(self.limit);
        String::from_utf8_lossy(&self.bytes[start..]).into_owned()
    }
}

/// Reads a stream to its end into `tail` (shared, so what was read so far can be
/// taken when the stream is not closed in time).
async fn read_tail(
    mut stream: impl AsyncRead + Unpin,
    tail: std::sync::Arc<std::sync::Mutex<Tail>>,
) {
    let mut buf = [0u8; 8192];
    loop {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Ok(mut tail) = tail.lock() {
                    tail.push(&buf[..n]);
                }
            }
        }
    }
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
