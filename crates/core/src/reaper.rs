//! Keeping a whole process tree under control, for the `deep-review-sandbox` launcher.
//!
//! A process group is not enough to end everything a reviewer starts: a child that calls
//! `setsid` (or `setsid -f`, or double-forks) leaves the group and would outlive the
//! reviewer. The launcher therefore runs the reviewer as its *child*, after making itself
//! a child subreaper (`PR_SET_CHILD_SUBREAPER`): every orphan anywhere below it is
//! re-parented to the launcher instead of to init, so "every descendant of the launcher"
//! is exactly "everything the reviewer started". When the reviewer exits, or the launcher
//! is told to stop (SIGTERM, SIGINT, SIGHUP from deep-review's timeout or cancellation),
//! it signals every descendant, reaps them, and only then exits — with the reviewer's
//! own exit status.

use std::collections::HashMap;
use std::ffi::OsString;
use std::time::{Duration, Instant};

use nix::sys::signal::{kill, SigSet, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::unistd::Pid;

/// How long descendants get between SIGTERM and SIGKILL when the launcher is stopped.
const TERM_GRACE: Duration = Duration::from_millis(200);
/// The longest the launcher keeps killing a tree that keeps forking.
const KILL_LIMIT: Duration = Duration::from_secs(5);

/// How the reviewer ended, for the launcher's own exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    Code(i32),
    Signal(Signal),
}

/// Runs `command` (program and arguments) as a child of this process, which becomes a
/// subreaper; returns once the child and every process it started are gone. An error
/// means the child could not be started (nothing is left running then).
pub fn run(command: &[OsString]) -> Result<Ended, String> {
    let (program, args) = command
        .split_first()
        .ok_or_else(|| "no program to run".to_string())?;
    nix::sys::prctl::set_child_subreaper(true)
        .map_err(|e| format!("cannot become a subreaper: {e}"))?;
    let mut waited = SigSet::empty();
    for signal in [
        Signal::SIGCHLD,
        Signal::SIGTERM,
        Signal::SIGINT,
        Signal::SIGHUP,
    ] {
        waited.add(signal);
    }
    let child = std::process::Command::new(program)
        .args(args)
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", program.to_string_lossy()))?;
    // Blocked only now (a child would inherit the mask) and taken with `sigwait` below;
    // a SIGCHLD that came before is made up for by reaping once before the first wait.
    waited
        .thread_block()
        .map_err(|e| format!("cannot block signals: {e}"))?;
    let main = Pid::from_raw(child.id() as i32);
    let mut ended = None;
    reap(main, &mut ended);
    let stopped = ended.is_none()
        && loop {
            match waited.wait() {
                Ok(Signal::SIGCHLD) => {
                    reap(main, &mut ended);
                    if ended.is_some() {
                        break false;
                    }
                }
                Ok(_) => break true,
                Err(_) => {}
            }
        };
    end_tree(main, &mut ended, stopped);
    Ok(ended.unwrap_or(Ended::Signal(Signal::SIGKILL)))
}

/// Ends every descendant: SIGTERM first when the launcher was stopped (the reviewer
/// may want to clean up), then SIGKILL until none is left, reaping as they go.
fn end_tree(main: Pid, ended: &mut Option<Ended>, stopped: bool) {
    if stopped {
        signal_all(Signal::SIGTERM);
        let grace = Instant::now() + TERM_GRACE;
        // As a subreaper, a live descendant always leads back to a child of ours:
        // `reap` says whether one is left without walking `/proc`.
        while Instant::now() < grace && reap(main, ended) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    let limit = Instant::now() + KILL_LIMIT;
    loop {
        signal_all(Signal::SIGKILL);
        if !reap(main, ended) || Instant::now() > limit {
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn signal_all(signal: Signal) {
    for pid in descendants() {
        let _ = kill(pid, signal);
    }
}

/// Reaps every child that has ended (recording the reviewer's status); false when this
/// process has no children left at all.
fn reap(main: Pid, ended: &mut Option<Ended>) -> bool {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::StillAlive) => return true,
            Ok(WaitStatus::Exited(pid, code)) if pid == main => *ended = Some(Ended::Code(code)),
            Ok(WaitStatus::Signaled(pid, signal, _)) if pid == main => {
                *ended = Some(Ended::Signal(signal))
            }
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {}
            Err(_) => return false,
        }
    }
}

/// Every process below this one, found by walking `/proc/*/stat` parent links.
pub fn descendants() -> Vec<Pid> {
    descendants_of(Pid::this())
}

/// Every live process below `root` (zombies left out: they are dead already).
pub fn descendants_of(root: Pid) -> Vec<Pid> {
    let mut children: HashMap<i32, Vec<i32>> = HashMap::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<i32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        if let Some((state, ppid)) = parse_stat(&stat) {
            if state != 'Z' {
                children.entry(ppid).or_default().push(pid);
            }
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![root.as_raw()];
    while let Some(pid) = stack.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            found.push(Pid::from_raw(child));
            stack.push(child);
        }
    }
    found
}

/// The state letter and parent pid of a `/proc/PID/stat` line. The command name in
/// parentheses may itself hold spaces and parentheses: fields start after the last `)`.
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let ppid = fields.next()?.parse().ok()?;
    Some((state, ppid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_lines_with_odd_command_names_parse() {
        assert_eq!(parse_stat("42 (sh) S 7 42 42 0"), Some(('S', 7)));
        assert_eq!(parse_stat("42 (a) b) (c) Z 9 1"), Some(('Z', 9)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn this_process_has_its_running_child_as_a_descendant() {
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .unwrap();
        let pid = Pid::from_raw(child.id() as i32);
        assert!(descendants().contains(&pid));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(!descendants().contains(&pid));
    }
}
