//! `deep-review-sandbox --ro PATH… --rw PATH… [--no-network] -- PROGRAM ARGS…`: confines
//! itself with Landlock ([`deep_review_core::sandbox::Policy`]) and then runs `PROGRAM`
//! as its child, so the program and everything it starts stay confined; and
//! `deep-review-sandbox --unconfined -- PROGRAM ARGS…`, which only does the second part.
//! Either way the launcher keeps the whole process tree ([`deep_review_core::reaper`]):
//! when the program ends, or the launcher is stopped, nothing the program started is
//! left running. Started by deep-review for each reviewer and linter; not meant to be
//! run by hand.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use deep_review_core::reaper::{self, Ended};
use deep_review_core::sandbox;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let fail = |message: String| {
        let _ = writeln!(std::io::stderr(), "deep-review-sandbox: {message}");
        ExitCode::from(126)
    };
    let (policy, command) = match sandbox::parse_launch(&args) {
        Ok(parsed) => parsed,
        Err(e) => return fail(e),
    };
    if let Some(policy) = policy {
        if let Err(e) = policy.enforce() {
            return fail(format!("cannot confine the reviewer: {e}"));
        }
    }
    match reaper::run(&command) {
        Ok(Ended::Code(code)) => ExitCode::from(code as u8),
        Ok(Ended::Signal(signal)) => {
            // Die of the same signal where its default action ends the process (the
            // runner then sees "killed by signal"); the shell convention otherwise.
            let _ = nix::sys::signal::SigSet::all().thread_unblock();
            let _ = nix::sys::signal::raise(signal);
            ExitCode::from(128 + signal as u8)
        }
        Err(e) if e.starts_with("cannot run ") => {
            let _ = writeln!(std::io::stderr(), "deep-review-sandbox: {e}");
            ExitCode::from(sandbox::SPAWN_FAILED_CODE as u8)
        }
        Err(e) => fail(e),
    }
}
