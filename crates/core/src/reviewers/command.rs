//! The `command` backend: any executable. The prompt comes on standard input and as a
//! file; the review is read from standard output or from `{output_file}` (SPEC section 5).
//! It runs in the read-only checkout with the allow-listed environment, a per-run `HOME`
//! and `TMPDIR` (unless its configured `env` passes its own), and the `DEEP_REVIEW_*`
//! variables, confined by [`crate::sandbox`] when the launcher and the kernel allow:
//! read access to the system, its checkout (and the object store the checkout borrows),
//! the work directory; write access to its per-run directory and its output file only.

use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::env::{self, HostEnv};
use super::{last_stderr_line, stderr_tail, Outcome, Progress, RunContext};
use crate::config::{OutputMode, ReviewerConfig};
use crate::model::RunStatus;
use crate::process::{self, ExitKind, ProcessOutcome, ProcessSpec};
use crate::review_text as text;

/// The most of a command's output (standard output, or its output file) that is kept.
pub const MAX_OUTPUT: usize = 8 * 1024 * 1024;

/// Where a command reviewer writes its review in `output = "file"` mode.
pub fn output_file(ctx: &RunContext, reviewer: &str) -> PathBuf {
    ctx.workdir
        .join(crate::workdir::layout::command_output_file(reviewer))
}

pub(super) async fn run(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    if config.command.is_empty() {
        return Outcome::failed(format!(
            "reviewer `{}` has no command; hint: set `command = [\"program\", \"{{prompt_file}}\"]`",
            config.name
        ));
    }
    let output = output_file(ctx, &config.name);
    if config.output == OutputMode::File {
        // A file left by an earlier run must not pass for this run's review.
        let _ = std::fs::remove_file(&output);
    }
    let run_dir = match super::agent::run_dir("command") {
        Ok(dir) => dir,
        Err(e) => return Outcome::failed(e),
    };
    let mut spec = build(config, ctx, host, &output, run_dir.path());
    progress.command(&spec);
    let note = confine(&mut spec, config, ctx, &output, run_dir.path());
    progress.step("running");
    let out = process::run(&spec, |_| {}, cancel).await;
    let written = (config.output == OutputMode::File).then(|| read_capped(&output));
    let mut outcome = decide(config, out, written);
    outcome.notes.extend(note);
    outcome.notes.extend(super::agent::remove_run_dir(run_dir));
    outcome
}

/// Runs `spec` through the sandbox launcher when there is one and the kernel has
/// Landlock; otherwise returns the note saying the reviewer ran unconfined.
fn confine(
    spec: &mut ProcessSpec,
    config: &ReviewerConfig,
    ctx: &RunContext,
    output: &Path,
    run_dir: &Path,
) -> Option<String> {
    let support = crate::sandbox::probe();
    if let Some(note) = crate::sandbox::unavailable_note(ctx.sandbox.as_deref(), support) {
        return Some(note);
    }
    let launcher = ctx.sandbox.as_deref()?;
    let mut policy = crate::sandbox::Policy::new();
    policy
        .allow_program(spec)
        .read(&ctx.checkout)
        .read(&ctx.workdir)
        .write(run_dir);
    for store in crate::workdir::borrowed_object_stores(&ctx.checkout) {
        policy.read(store);
    }
    // A configured `HOME` and `writable` paths are the user's explicit pass-through.
    if let Some(home) = config.env.get("HOME") {
        policy.read(home);
    }
    policy.write.extend(config.writable.iter().cloned());
    if config.output == OutputMode::File {
        // Landlock names files that exist: the output file is created empty, and only
        // it is writable in the work directory.
        if let Err(e) = std::fs::write(output, "") {
            return Some(format!(
                "not sandboxed: cannot create the output file {}: {e}",
                output.display()
            ));
        }
        policy.write(output);
    }
    crate::sandbox::wrap(spec, launcher, &policy);
    None
}

/// Replaces the `{prompt_file}`, `{output_file}`, `{repo}` and `{workdir}` placeholders.
pub(crate) fn substitute(arg: &str, ctx: &RunContext, output: &Path) -> String {
    arg.replace("{prompt_file}", &ctx.prompt_file.display().to_string())
        .replace("{output_file}", &output.display().to_string())
        .replace("{repo}", &ctx.checkout.display().to_string())
        .replace("{workdir}", &ctx.workdir.display().to_string())
}

/// The command line and environment of a command reviewer.
pub(crate) fn build(
    config: &ReviewerConfig,
    ctx: &RunContext,
    host: &HostEnv,
    output: &Path,
    run_dir: &Path,
) -> ProcessSpec {
    let mut argv = config.command.iter().map(|a| substitute(a, ctx, output));
    let program = argv.next().unwrap_or_default();
    let mut spec = ProcessSpec::new(program, &ctx.checkout, config.timeout);
    spec.args = argv.collect();
    spec.stdin_file = Some(ctx.prompt_file.clone());
    spec.max_stdout = MAX_OUTPUT;
    let mut vars = env::base(host, run_dir);
    let path = |p: &Path| p.display().to_string();
    for (name, value) in [
        ("DEEP_REVIEW_PROMPT_FILE", path(&ctx.prompt_file)),
        ("DEEP_REVIEW_OUTPUT_FILE", path(output)),
        ("DEEP_REVIEW_REPO", path(&ctx.checkout)),
        ("DEEP_REVIEW_WORKDIR", path(&ctx.workdir)),
        ("DEEP_REVIEW_BASE", ctx.base.clone()),
        ("DEEP_REVIEW_HEAD", ctx.head.clone()),
        ("DEEP_REVIEW_REVIEWER", config.name.clone()),
    ] {
        vars.insert(name.to_string(), value);
    }
    env::apply_configured(&mut vars, &config.env);
    spec.env = vars;
    spec
}

/// Reads at most [`MAX_OUTPUT`] bytes of the output file, a regular file only (a FIFO
/// or device put in its place is refused without blocking); the flag says whether
/// there was more. The file is removed afterwards: the review is kept in its own file.
fn read_capped(path: &Path) -> Result<(Vec<u8>, bool), String> {
    // An empty file is what the sandbox created for the reviewer to write into.
    if !std::fs::symlink_metadata(path).is_ok_and(|m| m.len() > 0 || !m.is_file()) {
        return Err(format!("wrote no output file ({})", path.display()));
    }
    let read = crate::workdir::read::read_capped(path, MAX_OUTPUT as u64)
        .map_err(|e| format!("cannot read the output file {}: {e}", path.display()));
    let _ = std::fs::remove_file(path);
    read
}

/// The outcome of a command run (status rule in [`super::run_reviewer`]): a usable review
/// with exit 0, or with a non-zero exit code (then noted), is `ok`.
fn decide(
    config: &ReviewerConfig,
    mut out: ProcessOutcome,
    written: Option<Result<(Vec<u8>, bool), String>>,
) -> Outcome {
    let mut outcome = Outcome {
        stderr_tail: stderr_tail(&out.stderr_tail),
        ..Outcome::default()
    };
    let cap_note = format!("output beyond {} MiB was cut", MAX_OUTPUT / (1024 * 1024));
    let review = match written {
        None => {
            if out.stdout_truncated {
                outcome.notes.push(cap_note);
            }
            Ok(out.stdout.clone())
        }
        Some(Ok((bytes, truncated))) => {
            if truncated {
                outcome.notes.push(cap_note);
            }
            Ok(bytes)
        }
        Some(Err(e)) => Err(e),
    };
    outcome.transcript = Some(std::mem::take(&mut out.stdout));
    let review = review.and_then(|bytes| text::usable_review(&bytes));
    let (status, error) = match (&out.exit, review) {
        (ExitKind::TimedOut, _) => (RunStatus::TimedOut, Some(out.describe())),
        (ExitKind::Cancelled, _) => (RunStatus::NotFinished, Some("cancelled".to_string())),
        (ExitKind::SpawnFailed(e), _) => (
            RunStatus::Failed,
            Some(format!(
                "could not start `{}`: {e}",
                config.command.first().map(String::as_str).unwrap_or("")
            )),
        ),
        (ExitKind::Exited { code: Some(0), .. }, Ok(review)) => {
            outcome.exit_code = Some(0);
            outcome.review = Some(review);
            (RunStatus::Ok, None)
        }
        (
            ExitKind::Exited {
                code: Some(code), ..
            },
            Ok(review),
        ) => {
            outcome.exit_code = Some(*code);
            outcome.review = Some(review);
            outcome.notes.push(format!(
                "exited with code {code} but produced a review; the review is kept"
            ));
            (RunStatus::Ok, None)
        }
        (ExitKind::Exited { code: Some(0), .. }, Err(reason)) => {
            outcome.exit_code = Some(0);
            (RunStatus::Failed, Some(reason))
        }
        (ExitKind::Exited { code, .. }, _) => {
            outcome.exit_code = *code;
            let mut error = out.describe();
            if let Some(line) = last_stderr_line(&out.stderr_tail) {
                error.push_str(": ");
                error.push_str(&super::agent::clip(line, 300));
            }
            (RunStatus::Failed, Some(error))
        }
    };
    outcome.status = status;
    outcome.error = error;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BackendKind;

    fn ctx() -> RunContext {
        RunContext::for_tests("base-sha", "head-sha", 2)
    }

    #[test]
    fn placeholders_are_substituted() {
        let check = |arg: &str, expected: &str| {
            assert_eq!(substitute(arg, &ctx(), Path::new("/w/out.md")), expected)
        };
        check("{prompt_file}", "/w/prompt.md");
        check("--out={output_file}", "--out=/w/out.md");
        check("{repo}/x {workdir}", "/co/x /w");
        check("{unknown} {{prompt_file}}", "{unknown} {/w/prompt.md}");
    }

    #[test]
    fn environment_is_the_allow_list_plus_deep_review_variables() {
        let mut config = ReviewerConfig::new("script", BackendKind::Command);
        config.command = vec!["./review.sh".into(), "{prompt_file}".into()];
        config.env.insert("EXTRA".into(), "1".into());
        let host = HostEnv::from_pairs([
            ("PATH", "/bin"),
            ("HOME", "/home/me"),
            ("AWS_SECRET_ACCESS_KEY", "nope"),
        ]);
        let spec = build(
            &config,
            &ctx(),
            &host,
            Path::new("/w/output-script.md"),
            Path::new("/run-1"),
        );
        assert_eq!(spec.program, "./review.sh");
        assert_eq!(spec.args, ["/w/prompt.md"]);
        assert_eq!(spec.stdin_file, Some(PathBuf::from("/w/prompt.md")));
        let env: Vec<String> = spec.env.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            env,
            [
                "DEEP_REVIEW_BASE=base-sha",
                "DEEP_REVIEW_HEAD=head-sha",
                "DEEP_REVIEW_OUTPUT_FILE=/w/output-script.md",
                "DEEP_REVIEW_PROMPT_FILE=/w/prompt.md",
                "DEEP_REVIEW_REPO=/co",
                "DEEP_REVIEW_REVIEWER=script",
                "DEEP_REVIEW_WORKDIR=/w",
                "EXTRA=1",
                "HOME=/run-1/home",
                "PATH=/bin",
                "TERM=dumb",
                "TMPDIR=/run-1/tmp",
            ]
        );
    }
}
