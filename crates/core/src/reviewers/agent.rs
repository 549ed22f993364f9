//! What the agent CLIs (`claude`, `codex`, `gemini`) share: passing the prompt, running
//! the program with its JSON stream parsed line by line as it arrives, and turning the
//! exit and the stream into an outcome.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::{last_stderr_line, stderr_tail, Outcome, Progress, RunContext};
use crate::config::ReviewerConfig;
use crate::model::{RunStatus, Tokens};
use crate::process::{self, ExitKind, ProcessOutcome, ProcessSpec};
use crate::review_text as text;

/// Prompts up to this size are passed as a command-line argument; larger ones go through
/// standard input (a single argument is limited to 128 KiB on Linux).
pub(crate) const MAX_PROMPT_ARG: usize = 100 * 1024;

/// How the prompt reaches the CLI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PromptInput {
    /// The whole prompt as an argument; standard input is closed.
    Argument(String),
    /// Too large for an argument: standard input is the prompt file.
    Stdin,
}

/// Said on the command line when the prompt itself comes on standard input.
pub(crate) const STDIN_INSTRUCTION: &str =
    "Your complete instructions were given above on standard input: follow them.";

/// Decides how to pass the prompt in `ctx.prompt_file`.
pub(crate) fn prompt_input(ctx: &RunContext) -> Result<PromptInput, String> {
    let bytes = std::fs::read(&ctx.prompt_file).map_err(|e| {
        format!(
            "cannot read the prompt file {}: {e}",
            ctx.prompt_file.display()
        )
    })?;
    if bytes.len() > MAX_PROMPT_ARG || bytes.contains(&0) {
        return Ok(PromptInput::Stdin);
    }
    Ok(PromptInput::Argument(
        String::from_utf8_lossy(&bytes).into_owned(),
    ))
}

/// A prompt as a command-line argument: one that starts with `-` would be read as an
/// option, so it gets a leading newline.
pub(crate) fn safe_argument(prompt: &str) -> String {
    if prompt.starts_with('-') {
        format!("\n{prompt}")
    } else {
        prompt.to_string()
    }
}

/// The start of a `-p PROMPT` command line (Claude Code, Gemini CLI): `binary` or the
/// CLI's own name, run in the checkout; a prompt too large for an argument goes on
/// standard input with a short `-p` instruction (both CLIs append stdin to `-p`).
pub(crate) fn print_mode_spec(
    config: &ReviewerConfig,
    ctx: &RunContext,
    program: &str,
    prompt: &PromptInput,
) -> (ProcessSpec, Vec<String>) {
    let program = config.binary.clone().unwrap_or_else(|| program.to_string());
    let mut spec = ProcessSpec::new(program, &ctx.checkout, config.timeout);
    let mut args = vec!["-p".to_string()];
    match prompt {
        PromptInput::Argument(text) => args.push(safe_argument(text)),
        PromptInput::Stdin => {
            args.push(STDIN_INSTRUCTION.to_string());
            spec.stdin_file = Some(ctx.prompt_file.clone());
        }
    }
    (spec, args)
}

/// A per-run temporary directory for the CLI's home and configuration, deleted when
/// dropped.
pub(crate) fn run_dir(tool: &str) -> Result<tempfile::TempDir, String> {
    let error =
        |e: std::io::Error| format!("cannot create a temporary directory for `{tool}`: {e}");
    let dir = tempfile::Builder::new()
        .prefix(&format!("deep-review-{tool}-"))
        .tempdir()
        .map_err(error)?;
    for sub in ["home", "tmp"] {
        std::fs::create_dir_all(dir.path().join(sub)).map_err(error)?;
    }
    Ok(dir)
}

/// Removes a per-run directory however its reviewer left it (`chmod 000` directories
/// included); the note says what was left behind when that failed.
pub(crate) fn remove_run_dir(dir: tempfile::TempDir) -> Option<String> {
    let path = dir.keep();
    crate::workdir::remove_tree(&path).err().map(|e| {
        format!(
            "its temporary directory {} was not removed: {e}; hint: remove it by hand",
            path.display()
        )
    })
}

/// What one agent backend hands to [`launch`]: its command line and how to read its
/// stream, plus notes from preparing the per-run directory.
pub(crate) struct Launch<P> {
    pub agent: AgentRun,
    pub parser: P,
    pub notes: Vec<String>,
}

/// Runs an agent CLI the way all of them are run: decide how the prompt is passed, make
/// the per-run directory, let the backend build its launch there, run it, and put the
/// preparation notes first. The directory is deleted when the run ends.
pub(crate) async fn launch<P: StreamParser>(
    tool: &'static str,
    ctx: &RunContext,
    progress: &Progress,
    cancel: &CancellationToken,
    build: impl FnOnce(&PromptInput, &Path) -> Result<Launch<P>, String>,
) -> Outcome {
    let prompt = match prompt_input(ctx) {
        Ok(p) => p,
        Err(e) => return Outcome::failed(e),
    };
    let run_dir = match run_dir(tool) {
        Ok(d) => d,
        Err(e) => return Outcome::failed(e),
    };
    let Launch {
        mut agent,
        parser,
        mut notes,
    } = match build(&prompt, run_dir.path()) {
        Ok(l) => l,
        Err(e) => return Outcome::failed(e),
    };
    if agent.confine {
        notes.extend(confine(&mut agent.spec, ctx, run_dir.path()));
    }
    let mut outcome = run(agent, parser, progress, cancel).await;
    outcome.notes.splice(0..0, notes);
    outcome.notes.extend(remove_run_dir(run_dir));
    outcome
}

/// Runs the CLI through the sandbox launcher when there is one and the kernel has
/// Landlock: it reads the system, its own installation, the checkout and the work
/// directory, writes only its per-run directory (its `HOME` and `TMPDIR`), and keeps
/// the network (it talks to its model). Otherwise returns the note saying it ran
/// confined by its own read-only mode alone.
fn confine(spec: &mut ProcessSpec, ctx: &RunContext, run_dir: &Path) -> Option<String> {
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
    if let Some(root) = package_root(spec) {
        policy.read(root);
    }
    crate::sandbox::wrap(spec, launcher, &policy);
    None
}

/// An npm-installed CLI (`node_modules/.bin/claude`, a link into
/// `node_modules/@anthropic-ai/claude-code/`) runs from its package directory, which
/// `PATH` does not name: the `node_modules` directory the program resolves into.
fn package_root(spec: &ProcessSpec) -> Option<PathBuf> {
    let program = Path::new(&spec.program);
    let found = if program.components().count() > 1 {
        spec.cwd.join(program)
    } else {
        super::ready::find_on_path(&spec.program, spec.env.get("PATH").map(String::as_str))?
    };
    let real = std::fs::canonicalize(found).ok()?;
    real.ancestors()
        .find(|dir| dir.file_name().is_some_and(|n| n == "node_modules"))
        .map(Path::to_path_buf)
}

/// What a stream parser read out of a CLI's output.
#[derive(Debug, Default)]
pub(crate) struct StreamReport {
    pub review: Option<String>,
    /// The CLI's own error (an error result or event that ends the run).
    pub error: Option<String>,
    /// The event that closes a successful run was seen.
    pub completed: bool,
    pub notes: Vec<String>,
    pub tool_calls: BTreeMap<String, u64>,
    pub tokens: Option<Tokens>,
    pub cost_usd: Option<f64>,
    pub model: Option<String>,
    pub files_read: Vec<String>,
}

/// Reads one CLI's event stream.
pub(crate) trait StreamParser: Send {
    /// Reads one line of standard output; pushes onto `tools` the tool calls it starts.
    fn line(&mut self, line: &str, tools: &mut Vec<String>);
    fn finish(self) -> StreamReport;

    /// Reads a whole captured stream (the backends' unit tests).
    #[cfg(test)]
    fn read_all(mut self, stream: &str) -> (StreamReport, Vec<String>)
    where
        Self: Sized,
    {
        let mut tools = Vec::new();
        for line in stream.lines() {
            self.line(line, &mut tools);
        }
        (self.finish(), tools)
    }
}

/// Counts tool calls by name, each call once however many events mention it.
#[derive(Debug, Default)]
pub(crate) struct ToolCounter {
    seen: HashSet<String>,
    pub counts: BTreeMap<String, u64>,
}

impl ToolCounter {
    /// Records the call `id` of tool `name`; `false` when that call was already counted.
    pub(crate) fn call(&mut self, id: Option<&str>, name: &str, tools: &mut Vec<String>) -> bool {
        if let Some(id) = id {
            if !self.seen.insert(id.to_string()) {
                return false;
            }
        }
        *self.counts.entry(name.to_string()).or_default() += 1;
        tools.push(name.to_string());
        true
    }
}

/// Collects the files a reviewer read, relative to the checkout, each once.
#[derive(Debug)]
pub(crate) struct FilesRead {
    checkout: PathBuf,
    files: Vec<String>,
}

impl FilesRead {
    pub(crate) fn new(checkout: &Path) -> Self {
        FilesRead {
            checkout: checkout.to_path_buf(),
            files: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, path: &str) {
        if let Some(rel) = relative_to(path, &self.checkout) {
            if !self.files.contains(&rel) {
                self.files.push(rel);
            }
        }
    }

    pub(crate) fn into_vec(self) -> Vec<String> {
        self.files
    }
}

/// `path` relative to `checkout`: absolute paths inside it lose the prefix, relative
/// paths are kept (without `./`); paths outside the checkout give `None`.
pub(crate) fn relative_to(path: &str, checkout: &Path) -> Option<String> {
    let path = path.trim();
    if path.is_empty() {
        return None;
    }
    let p = Path::new(path);
    let rel = if p.is_absolute() {
        p.strip_prefix(checkout).ok()?
    } else {
        p
    };
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(Some(s.to_string_lossy().into_owned())),
            std::path::Component::CurDir => None,
            _ => Some(None),
        })
        .collect::<Option<Vec<_>>>()?;
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// One agent CLI run, ready to start.
pub(crate) struct AgentRun {
    /// The CLI's name, for messages (`claude`).
    pub tool: &'static str,
    pub spec: ProcessSpec,
    /// What to do when the program cannot be found.
    pub install_hint: &'static str,
    /// A clear message for an exit code the CLI documents, when there is one.
    pub exit_hint: fn(i32) -> Option<String>,
    /// A file the CLI writes its final message to, read when the stream has none.
    pub last_message_file: Option<PathBuf>,
    /// Run through deep-review's sandbox launcher ([`confine`]). False for a CLI whose
    /// own kernel sandbox cannot work inside another one.
    pub confine: bool,
}

/// Runs the CLI, feeding its standard output to `parser` line by line and reporting tool
/// calls as they are seen.
pub(crate) async fn run(
    agent: AgentRun,
    mut parser: impl StreamParser,
    progress: &Progress,
    cancel: &CancellationToken,
) -> Outcome {
    let mut tools = Vec::new();
    progress.command(&agent.spec);
    progress.step("waiting for the first event");
    let mut started = false;
    let out = process::run(
        &agent.spec,
        |line| {
            if !started {
                started = true;
                progress.step("reviewing");
            }
            parser.line(line, &mut tools);
            for tool in tools.drain(..) {
                progress.tool_call(&tool);
            }
        },
        cancel,
    )
    .await;
    let mut report = parser.finish();
    if report.review.is_none() {
        if let Some(file) = &agent.last_message_file {
            report.review = std::fs::read_to_string(file).ok();
        }
    }
    decide(&agent, report, out)
}

/// The outcome of an agent run: status from the exit and the stream (module docs of
/// [`super`] give the rule), everything the stream told copied over.
pub(crate) fn decide(agent: &AgentRun, report: StreamReport, mut out: ProcessOutcome) -> Outcome {
    let mut outcome = Outcome {
        tool_calls: report.tool_calls,
        tokens: report.tokens,
        cost_usd: report.cost_usd,
        model: report.model,
        files_read: report.files_read,
        notes: report.notes,
        stderr_tail: stderr_tail(&out.stderr_tail),
        transcript: Some(std::mem::take(&mut out.stdout)),
        ..Outcome::default()
    };
    if out.stdout_truncated {
        outcome.notes.push(format!(
            "standard output beyond {} MiB was not kept",
            agent.spec.max_stdout / (1024 * 1024)
        ));
    }
    let with_last_error = |base: String| match &report.error {
        Some(e) => format!("{base}; last error: {e}"),
        None => base,
    };
    let (status, error) = match &out.exit {
        ExitKind::TimedOut => (RunStatus::TimedOut, Some(with_last_error(out.describe()))),
        ExitKind::Cancelled => (RunStatus::NotFinished, Some("cancelled".to_string())),
        ExitKind::SpawnFailed(e) => (
            RunStatus::Failed,
            Some(format!(
                "could not start `{}`: {e}; hint: {}",
                agent.tool, agent.install_hint
            )),
        ),
        ExitKind::Exited {
            code: Some(0),
            signal: _,
        } => {
            if let Some(e) = &report.error {
                (RunStatus::Failed, Some(e.clone()))
            } else if !report.completed {
                (
                    RunStatus::Failed,
                    Some(format!(
                        "`{}` exited without finishing its event stream",
                        agent.tool
                    )),
                )
            } else {
                match text::usable_review(report.review.as_deref().unwrap_or("").as_bytes()) {
                    Ok(review) => {
                        outcome.review = Some(review);
                        (RunStatus::Ok, None)
                    }
                    Err(reason) => (RunStatus::Failed, Some(reason)),
                }
            }
        }
        ExitKind::Exited {
            code: Some(code), ..
        } => {
            outcome.exit_code = Some(*code);
            let error = report
                .error
                .clone()
                .or_else(|| (agent.exit_hint)(*code))
                .unwrap_or_else(|| {
                    let mut e = out.describe();
                    if let Some(line) = last_stderr_line(&out.stderr_tail) {
                        e.push_str(": ");
                        e.push_str(line);
                    }
                    e
                });
            (RunStatus::Failed, Some(error))
        }
        ExitKind::Exited { code: None, .. } => {
            (RunStatus::Failed, Some(with_last_error(out.describe())))
        }
    };
    outcome.status = status;
    outcome.error = error;
    outcome
}

/// The `i`-th field path of a JSON value as a string, if it is one.
pub(crate) fn str_at<'a>(value: &'a serde_json::Value, path: &[&str]) -> Option<&'a str> {
    let mut v = value;
    for key in path {
        v = v.get(key)?;
    }
    v.as_str()
}

/// A JSON number at `path` as `u64` (0 for missing or negative).
pub(crate) fn u64_at(value: &serde_json::Value, path: &[&str]) -> u64 {
    let mut v = value;
    for key in path {
        match v.get(key) {
            Some(next) => v = next,
            None => return 0,
        }
    }
    v.as_u64().unwrap_or(0)
}

/// Parses one line of a JSON stream; lines that are not JSON objects give `None`.
pub(crate) fn parse_event(line: &str) -> Option<serde_json::Value> {
    let line = line.trim();
    if !line.starts_with('{') {
        return None;
    }
    serde_json::from_str(line).ok()
}

/// Leaves `text` at most `max` characters long, marking the cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_made_relative_to_the_checkout() {
        let checkout = Path::new("/tmp/co");
        let check = |path: &str, expected: Option<&str>| {
            assert_eq!(
                relative_to(path, checkout).as_deref(),
                expected,
                "path {path}"
            )
        };
        check("/tmp/co/src/lib.rs", Some("src/lib.rs"));
        check("src/lib.rs", Some("src/lib.rs"));
        check("./src/lib.rs", Some("src/lib.rs"));
        check("/etc/passwd", None);
        check("/tmp/co", None);
        check("../other/x.rs", None);
        check("", None);
    }

    #[test]
    fn tool_calls_are_counted_once_per_id() {
        let mut counter = ToolCounter::default();
        let mut tools = Vec::new();
        assert!(counter.call(Some("a"), "Read", &mut tools));
        assert!(!counter.call(Some("a"), "Read", &mut tools));
        assert!(counter.call(Some("b"), "Read", &mut tools));
        assert!(counter.call(None, "shell", &mut tools));
        assert_eq!(tools, vec!["Read", "Read", "shell"]);
        assert_eq!(
            counter.counts,
            BTreeMap::from([("Read".to_string(), 2), ("shell".to_string(), 1)])
        );
    }

    #[test]
    fn clip_marks_the_cut() {
        assert_eq!(clip("  short ", 10), "short");
        assert_eq!(clip("ééééé", 3), "ééé…");
    }
}
