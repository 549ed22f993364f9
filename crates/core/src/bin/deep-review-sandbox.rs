//! `deep-review-sandbox --ro PATH… --rw PATH… [--no-network] -- PROGRAM ARGS…`: confines
//! itself with Landlock ([`deep_review_core::sandbox::Policy`]) and then becomes
//! `PROGRAM`, so the program and everything it starts stay confined. Started by
//! deep-review for each sandboxed reviewer and linter; not meant to be run by hand.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::ExitCode;

use deep_review_core::sandbox::Policy;

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let fail = |message: String| {
        let _ = writeln!(std::io::stderr(), "deep-review-sandbox: {message}");
        ExitCode::from(126)
    };
    let (policy, command) = match Policy::parse(&args) {
        Ok(parsed) => parsed,
        Err(e) => return fail(e),
    };
    if let Err(e) = policy.enforce() {
        return fail(format!("cannot confine the reviewer: {e}"));
    }
    // `exec` returns only when it failed.
    let error = std::process::Command::new(&command[0])
        .args(&command[1..])
        .exec();
    fail(format!(
        "cannot run {}: {error}",
        command[0].to_string_lossy()
    ))
}
