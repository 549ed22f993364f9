//! Running the linters found on the machine over the changed files, reading their
//! output into [`LintDiag`]s, and keeping the diagnostics on lines the change adds
//! ([`introduced`], reviewdog's `added` filter) as findings.
//!
//! What every linter shares lives here: finding a program on the `PATH` the linters
//! get ([`which`], so a reviewer's configured `env.PATH` decides which tools exist),
//! the environment allow-list, running through [`crate::process::run`] with a time
//! limit, and turning a finished process into a [`LinterRun`] (a linter that is
//! missing, times out or fails becomes a note, never an error). `writable` makes the
//! writable copy of the checkout for tools that write. Linters that execute the
//! change's code (clippy: build scripts and proc macros; ESLint: JavaScript configs)
//! run only inside the sandbox ([`crate::sandbox`], no network, writes confined to
//! their scratch copy) — or unconfined when the reviewer says `trust_code = true`;
//! otherwise they are skipped with a note ([`code_gate`]). Each linter has its own module
//! with its command line, its output parser and its severity mapping: `clippy`,
//! `ruff`, `shellcheck`, `go_vet`, `staticcheck`, `eslint`, `sarif`.

mod clippy;
mod eslint;
mod go_vet;
mod ruff;
mod sarif;
mod shellcheck;
mod staticcheck;
mod writable;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{checks, Finding, Kind};
use crate::config::ReviewerConfig;
use crate::diff::FileDiff;
use crate::lang::{extension, lang_of, Lang};
use crate::model::{ItemSource, Severity};
use crate::process::{self, ExitKind, ProcessOutcome, ProcessSpec};

/// Time limit for the linters other than clippy.
const LINTER_LIMIT: Duration = Duration::from_secs(3 * 60);
/// Environment variables the Go linters need besides the common ones.
const GO_ENV: [&str; 7] = [
    "GOPATH",
    "GOCACHE",
    "GOMODCACHE",
    "GOFLAGS",
    "GOPROXY",
    "GOROOT",
    "XDG_CACHE_HOME",
];

/// One diagnostic, repository-relative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LintDiag {
    pub tool: String,
    /// The tool's rule name (`needless_return`, `SC2086`, `F401`), when it gave one.
    pub rule: Option<String>,
    pub severity: Severity,
    pub path: String,
    pub line_start: u32,
    pub line_end: u32,
    pub message: String,
    /// Extra explanation (clippy's `help:` lines).
    pub help: Vec<String>,
}

/// What running one linter gave.
#[derive(Debug, Clone, Default)]
pub(crate) struct LinterRun {
    pub tool: String,
    /// Changed files it covered.
    pub files: Vec<String>,
    pub diags: Vec<LintDiag>,
    /// Whether it ran and produced output we could read.
    pub ok: bool,
    /// Why it did not run, or failed.
    pub note: Option<String>,
    /// Whether it was started at all (counted as a tool call).
    pub started: bool,
}

impl LinterRun {
    fn skipped(tool: &str, note: String) -> Self {
        LinterRun {
            tool: tool.into(),
            note: Some(note),
            ..LinterRun::default()
        }
    }
}

/// The environment every linter gets: an allow-list from ours plus the reviewer's
/// configured extras.
fn linter_env(extra_names: &[&str], config: &ReviewerConfig) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for name in ["PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"]
        .iter()
        .chain(extra_names)
    {
        if let Ok(v) = std::env::var(name) {
            env.insert((*name).to_string(), v);
        }
    }
    for (k, v) in &config.env {
        env.insert(k.clone(), v.clone());
    }
    env
}

/// Finds `program` on the `PATH` the linters will get.
pub(crate) fn which(program: &str, env: &BTreeMap<String, String>) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = env.get("PATH")?;
    std::env::split_paths(path).find_map(|dir| {
        let candidate = dir.join(program);
        let meta = std::fs::metadata(&candidate).ok()?;
        (meta.is_file() && meta.permissions().mode() & 0o111 != 0).then_some(candidate)
    })
}

/// Shell scripts: by extension, or by a `sh`/`bash` shebang.
fn is_shell(path: &str, checkout: &Path) -> bool {
    match (lang_of(path), extension(path)) {
        (Lang::Shell, _) => true,
        (_, "") => checks::safe_join(checkout, path)
            .and_then(|p| std::fs::read(p).ok())
            .map(|bytes| {
                let first = bytes.split(|b| *b == b'\n').next().unwrap_or(&[]);
                let first = String::from_utf8_lossy(first);
                first.starts_with("#!")
                    && ["/sh", "/bash", "env sh", "env bash", "/ksh", "/dash"]
                        .iter()
                        .any(|s| first.contains(s))
            })
            .unwrap_or(false),
        _ => false,
    }
}

/// How a linter that executes the change's code may run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CodeGate {
    /// Through this launcher, with no network and writes confined to its scratch.
    Sandboxed(PathBuf),
    /// Unconfined, because the reviewer's configuration trusts the change's code.
    Trusted,
    /// Not at all; the note says why and what to do.
    Refused(String),
}

/// Decides how `tool`, which runs the change's `what`, may run.
pub(crate) fn code_gate(
    tool: &str,
    what: &str,
    config: &ReviewerConfig,
    sandbox: Option<&Path>,
) -> CodeGate {
    if config.untrusted_pr {
        return CodeGate::Refused(format!(
            "{tool}: skipped: it runs the change's {what}, and the change is a pull request \
             whose code is not run; hint: pass --trust-pr-code to run it (in the sandbox \
             where there is one)"
        ));
    }
    let support = crate::sandbox::probe();
    let reason = match (sandbox, support.network()) {
        (Some(launcher), true) => return CodeGate::Sandboxed(launcher.to_path_buf()),
        _ if config.trust_code => return CodeGate::Trusted,
        (None, _) => "the sandbox launcher was not found".to_string(),
        (Some(_), false) if support.filesystem() => {
            "the kernel cannot deny network access (Landlock ABI 4 or later)".to_string()
        }
        (Some(_), false) => "the kernel has no Landlock".to_string(),
    };
    CodeGate::Refused(format!(
        "{tool}: skipped: it runs the change's {what}, and no sandbox is available ({reason}); \
         hint: set `trust_code = true` under `[reviewers.{}]` to run it unconfined",
        config.name
    ))
}

/// Confines `spec` (a linter executing the change's code) to reading the system, its
/// program's directories and `read`, and writing `write`, with no network.
pub(crate) fn confine_code(
    spec: &mut ProcessSpec,
    launcher: &Path,
    read: &[PathBuf],
    write: &[PathBuf],
) {
    let mut policy = crate::sandbox::Policy::new();
    policy.allow_program(spec);
    policy.read.extend(read.iter().cloned());
    policy.write.extend(write.iter().cloned());
    policy.no_network = true;
    crate::sandbox::wrap(spec, launcher, &policy);
}

/// Runs every linter that applies to the changed files and is installed; `sandbox` is
/// the launcher for the linters that execute the change's code.
pub(crate) async fn run_all(
    files: &[&FileDiff],
    checkout: &Path,
    config: &ReviewerConfig,
    sandbox: Option<&Path>,
    cancel: &CancellationToken,
) -> Vec<LinterRun> {
    let with_added: Vec<&str> = files
        .iter()
        .filter(|f| !f.added.is_empty() && !f.binary)
        .map(|f| f.path.as_str())
        .filter(|p| checks::safe_join(checkout, p).is_some_and(|full| full.is_file()))
        .collect();
    let pick = |langs: &[Lang]| -> Vec<String> {
        with_added
            .iter()
            .filter(|p| langs.contains(&lang_of(p)))
            .map(|p| p.to_string())
            .collect()
    };
    let limit = |cap: Duration| config.timeout.min(cap);
    let mut runs = Vec::new();

    let rust = pick(&[Lang::Rust]);
    if !rust.is_empty() {
        step("clippy");
        runs.push(
            clippy::run(
                &rust,
                checkout,
                config,
                sandbox,
                limit(clippy::LIMIT),
                cancel,
            )
            .await,
        );
    }
    let python = pick(&[Lang::Python, Lang::PythonStub]);
    if !python.is_empty() {
        step("ruff");
        runs.push(ruff::run(&python, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let shell: Vec<String> = with_added
        .iter()
        .filter(|p| is_shell(p, checkout))
        .map(|p| p.to_string())
        .collect();
    if !shell.is_empty() {
        step("shellcheck");
        runs.push(shellcheck::run(&shell, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let go = pick(&[Lang::Go]);
    if !go.is_empty() {
        step("go vet, staticcheck");
        runs.extend(run_go(&go, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let js = pick(&[Lang::JavaScript, Lang::TypeScript]);
    if !js.is_empty() {
        step("eslint");
        runs.push(eslint::run(&js, checkout, config, sandbox, limit(LINTER_LIMIT), cancel).await);
    }
    for argv in &config.sarif_tools {
        let program = argv.first().map(String::as_str).unwrap_or_default();
        step(&Path::new(program).file_name().map_or_else(
            || "sarif tool".to_string(),
            |n| n.to_string_lossy().into_owned(),
        ));
        runs.push(
            sarif::run(
                argv,
                &with_added,
                checkout,
                config,
                limit(LINTER_LIMIT),
                cancel,
            )
            .await,
        );
    }
    runs
}

tokio::task_local! {
    /// The builtin reviewer's progress while [`run_all`] runs its linters: each linter
    /// reports its step and its commands through it without every linter's signature
    /// carrying it.
    pub(crate) static PROGRESS: crate::reviewers::Progress;
}

/// Reports the builtin's current step (nothing outside [`PROGRESS`]'s scope).
pub(super) fn step(step: &str) {
    let _ = PROGRESS.try_with(|p| p.step(step));
}

/// Runs a prepared command and says what became of it, for notes.
async fn run_tool(spec: &ProcessSpec, cancel: &CancellationToken) -> ProcessOutcome {
    run_tool_watching(spec, |_| {}, cancel).await
}

/// [`run_tool`], handing each line of standard output to `on_line` as it comes.
async fn run_tool_watching(
    spec: &ProcessSpec,
    on_line: impl FnMut(&str),
    cancel: &CancellationToken,
) -> ProcessOutcome {
    let _ = PROGRESS.try_with(|p| p.command(spec));
    process::run(spec, on_line, cancel).await
}

/// Turns a finished process into a run: output that parsed is a success whatever the
/// exit code; a process that produced nothing readable is a failure.
fn finish(
    tool: &str,
    files: Vec<String>,
    out: &ProcessOutcome,
    parsed: Option<Vec<LintDiag>>,
) -> LinterRun {
    let mut run = LinterRun {
        tool: tool.into(),
        files,
        started: !matches!(out.exit, ExitKind::SpawnFailed(_)),
        ..LinterRun::default()
    };
    match (&out.exit, parsed) {
        (ExitKind::TimedOut | ExitKind::Cancelled, _) => {
            run.note = Some(format!("{tool}: {}", out.describe()));
        }
        (_, Some(diags)) => {
            run.ok = true;
            run.diags = diags;
        }
        (_, None) => {
            let tail = last_line(&out.stderr_tail);
            run.note = Some(if tail.is_empty() {
                format!("{tool}: {} with no readable output", out.describe())
            } else {
                format!("{tool}: {}: {tail}", out.describe())
            });
        }
    }
    run
}

fn last_line(text: &str) -> String {
    let line = text
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    line.chars().take(240).collect()
}

fn spec(
    program: PathBuf,
    args: Vec<String>,
    cwd: &Path,
    env: BTreeMap<String, String>,
    timeout: Duration,
) -> ProcessSpec {
    let mut spec = ProcessSpec::new(program.display().to_string(), cwd, timeout);
    spec.args = args;
    spec.env = env;
    spec.max_stdout = 32 * 1024 * 1024;
    spec
}

/// go vet and staticcheck, in a Go module (`go.mod` at the repository root), with the
/// Go environment both get.
async fn run_go(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Vec<LinterRun> {
    if !checkout.join("go.mod").is_file() {
        return vec![LinterRun::skipped(
            "go vet",
            "go vet: no go.mod at the repository root".into(),
        )];
    }
    let env = linter_env(&GO_ENV, config);
    let mut runs = vec![go_vet::run(files, checkout, &env, timeout, cancel).await];
    runs.extend(staticcheck::run(files, checkout, &env, timeout, cancel).await);
    runs
}

/// For tools that print text and exit non-zero when they report: their output is
/// readable when they succeeded or reported something.
fn readable(out: &ProcessOutcome, parsed: Vec<LintDiag>) -> Option<Vec<LintDiag>> {
    (out.success() || !parsed.is_empty()).then_some(parsed)
}

/// `./a/b` → `a/b`; `None` for paths leaving the repository.
fn clean_relative(path: &str) -> Option<String> {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    if parts.is_empty() || parts.contains(&"..") {
        return None;
    }
    Some(parts.join("/"))
}

/// A linter's file path (absolute or relative to the checkout) → repository-relative.
fn relative_to(path: &str, checkout: &Path) -> Option<String> {
    let p = Path::new(path);
    if !p.is_absolute() {
        return clean_relative(path);
    }
    if let Ok(rel) = p.strip_prefix(checkout) {
        return clean_relative(&rel.to_string_lossy());
    }
    let canon = checkout.canonicalize().ok()?;
    let rel = p.strip_prefix(&canon).ok()?;
    clean_relative(&rel.to_string_lossy())
}

/// Keeps the diagnostics on lines the change adds (any line of their span), once
/// each, as findings.
pub(crate) fn introduced(
    diags: &[LintDiag],
    files: &[&FileDiff],
    sources: &mut SourceCache,
) -> Vec<Finding> {
    let added: HashMap<&str, BTreeSet<u32>> = files
        .iter()
        .map(|f| (f.path.as_str(), f.added.iter().map(|(n, _)| *n).collect()))
        .collect();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for d in diags {
        let Some(lines) = added.get(d.path.as_str()) else {
            continue;
        };
        if lines.range(d.line_start..=d.line_end).next().is_none() {
            continue;
        }
        let key = (
            d.path.clone(),
            d.line_start,
            d.tool.clone(),
            d.rule.clone(),
            d.message.clone(),
        );
        if !seen.insert(key) {
            continue;
        }
        out.push(lint_finding(d, sources));
    }
    out
}

fn lint_finding(d: &LintDiag, sources: &mut SourceCache) -> Finding {
    let message = d.message.lines().next().unwrap_or("").trim();
    let short: String = message.chars().take(140).collect();
    let title = match &d.rule {
        Some(rule) => format!("{} `{rule}`: {short}", d.tool),
        None => format!("{}: {short}", d.tool),
    };
    let mut body = format!("{} reports: {}", d.tool, d.message.trim());
    for h in &d.help {
        body.push_str(&format!("\n\nhelp: {}", h.trim()));
    }
    if let Some(rule) = &d.rule {
        body.push_str(&format!("\n\nRule: `{rule}` ({}).", d.tool));
    }
    let end = d.line_end.min(d.line_start.saturating_add(4));
    let mut tags = vec!["lint".to_string(), d.tool.replace(' ', "-")];
    if d.rule.as_deref().is_some_and(|r| r.contains("security")) {
        tags.push("security".into());
    }
    Finding {
        severity: d.severity,
        kind: if d.severity == Severity::Suggestion {
            Kind::Enhancement
        } else {
            Kind::Regression
        },
        tool: d.tool.clone(),
        rule: d.rule.clone().unwrap_or_default(),
        title,
        path: d.path.clone(),
        line: Some(d.line_start),
        line_end: Some(d.line_end),
        body,
        snippet: sources.lines(&d.path, d.line_start, end),
        tags,
        source: ItemSource::Finding,
    }
}

/// Head-revision file contents, read once each, for the snippets of findings.
pub(crate) struct SourceCache<'a> {
    checkout: &'a Path,
    files: HashMap<String, Option<Vec<String>>>,
}

impl<'a> SourceCache<'a> {
    pub(crate) fn new(checkout: &'a Path) -> Self {
        SourceCache {
            checkout,
            files: HashMap::new(),
        }
    }

    /// Lines `start..=end` (1-based), each cut to 200 characters.
    fn lines(&mut self, path: &str, start: u32, end: u32) -> Option<String> {
        let checkout = self.checkout;
        let content = self.files.entry(path.to_string()).or_insert_with(|| {
            let full = checks::safe_join(checkout, path)?;
            let bytes = std::fs::read(full).ok()?;
            Some(
                String::from_utf8_lossy(&bytes)
                    .lines()
                    .map(|l| l.chars().take(200).collect())
                    .collect(),
            )
        });
        let lines = content.as_ref()?;
        let from = usize::try_from(start).ok()?.checked_sub(1)?;
        let to = usize::try_from(end).ok()?.min(lines.len());
        let picked = lines.get(from..to)?;
        (!picked.is_empty()).then(|| picked.join("\n"))
    }
}

/// What the parser tests of every linter module share.
#[cfg(test)]
mod test_support {
    use std::path::PathBuf;

    use super::LintDiag;
    use crate::model::Severity;

    /// The checkout the parser tests pretend the linters ran in.
    pub(super) fn root() -> PathBuf {
        PathBuf::from("/repo")
    }

    /// (tool, rule, severity, path, first line, last line) of each diagnostic.
    pub(super) fn brief(
        d: &[LintDiag],
    ) -> Vec<(String, Option<String>, Severity, String, u32, u32)> {
        d.iter()
            .map(|d| {
                (
                    d.tool.clone(),
                    d.rule.clone(),
                    d.severity,
                    d.path.clone(),
                    d.line_start,
                    d.line_end,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_are_kept_when_any_line_of_their_span_is_added() {
        let file = FileDiff {
            path: "src/a.rs".into(),
            added: vec![(5, "x".into()), (9, "y".into())],
            ..FileDiff::default()
        };
        let diag = |path: &str, start: u32, end: u32| LintDiag {
            tool: "clippy".into(),
            rule: Some(format!("r{start}")),
            severity: Severity::Suggestion,
            path: path.into(),
            line_start: start,
            line_end: end,
            message: "m".into(),
            help: Vec::new(),
        };
        let diags = [
            diag("src/a.rs", 1, 4),
            diag("src/a.rs", 4, 6),
            diag("src/a.rs", 6, 8),
            diag("src/a.rs", 9, 9),
            diag("src/a.rs", 9, 9),
            diag("src/b.rs", 5, 5),
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cache = SourceCache::new(dir.path());
        let kept: Vec<(u32, String)> = introduced(&diags, &[&file], &mut cache)
            .into_iter()
            .map(|f| (f.line.unwrap_or(0), f.rule))
            .collect();
        assert_eq!(kept, vec![(4, "r4".to_string()), (9, "r9".to_string())]);
    }
}
