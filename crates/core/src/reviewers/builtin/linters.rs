//! Running the linters found on the machine over the changed files and reading their
//! output into [`LintDiag`]s. Each linter runs through [`crate::process::run`] with an
//! explicit environment allow-list and a time limit; one that is missing, times out or
//! fails becomes a note, never an error.
//!
//! Severity mapping (decided here, once):
//! - clippy/rustc: `error` (deny-by-default lints, such as the `clippy::correctness`
//!   group, and compile errors) → important; warnings in the `clippy::correctness` or
//!   `clippy::suspicious` groups → important; other warnings and notes → suggestion.
//! - ruff: undefined names (`F821`-`F823`) and syntax errors → important; the rest →
//!   suggestion. shellcheck: `error` → important; `warning`/`info`/`style` → suggestion.
//! - go vet → important (it reports likely bugs); staticcheck `SA*` (bugs) →
//!   important, other checks → suggestion. eslint severity 2 → important, 1 →
//!   suggestion. SARIF `error` → important, `warning`/`note`/`none` → suggestion.
//!
//! Only the ownership of diagnostics is decided here; which of them the change
//! introduced (lines it adds) is decided by the caller.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::config::ReviewerConfig;
use crate::diff::FileDiff;
use crate::lang::{extension, lang_of, Lang};
use crate::model::Severity;
use crate::process::{self, ExitKind, ProcessOutcome, ProcessSpec};

/// Time limit for `cargo clippy` (it compiles).
const CLIPPY_LIMIT: Duration = Duration::from_secs(10 * 60);
/// Time limit for the other linters.
const LINTER_LIMIT: Duration = Duration::from_secs(3 * 60);
/// Stop copying a checkout for clippy beyond this many entries.
const MAX_COPY_ENTRIES: usize = 200_000;

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
        (_, "") => super::checks::safe_join(checkout, path)
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

/// Runs every linter that applies to the changed files and is installed.
pub(crate) async fn run_all(
    files: &[&FileDiff],
    checkout: &Path,
    config: &ReviewerConfig,
    cancel: &CancellationToken,
) -> Vec<LinterRun> {
    let with_added: Vec<&str> = files
        .iter()
        .filter(|f| !f.added.is_empty() && !f.binary)
        .map(|f| f.path.as_str())
        .filter(|p| super::checks::safe_join(checkout, p).is_some_and(|full| full.is_file()))
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
        runs.push(run_clippy(&rust, checkout, config, limit(CLIPPY_LIMIT), cancel).await);
    }
    let python = pick(&[Lang::Python, Lang::PythonStub]);
    if !python.is_empty() {
        runs.push(run_ruff(&python, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let shell: Vec<String> = with_added
        .iter()
        .filter(|p| is_shell(p, checkout))
        .map(|p| p.to_string())
        .collect();
    if !shell.is_empty() {
        runs.push(run_shellcheck(&shell, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let go = pick(&[Lang::Go]);
    if !go.is_empty() {
        runs.extend(run_go(&go, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    let js = pick(&[Lang::JavaScript, Lang::TypeScript]);
    if !js.is_empty() {
        runs.push(run_eslint(&js, checkout, config, limit(LINTER_LIMIT), cancel).await);
    }
    for argv in &config.sarif_tools {
        runs.push(
            run_sarif_tool(
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

/// Runs a prepared command and says what became of it, for notes.
async fn run_tool(spec: &ProcessSpec, cancel: &CancellationToken) -> ProcessOutcome {
    process::run(spec, |_| {}, cancel).await
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

// ---------------------------------------------------------------- clippy

async fn run_clippy(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let mut env = linter_env(&["CARGO_HOME", "RUSTUP_HOME", "RUSTUP_TOOLCHAIN"], config);
    let Some(cargo) = which("cargo", &env) else {
        return LinterRun::skipped("clippy", "clippy: cargo not found on PATH".into());
    };
    let roots = manifest_roots(files, checkout);
    if roots.is_empty() {
        return LinterRun::skipped(
            "clippy",
            "clippy: no Cargo.toml above the changed Rust files".into(),
        );
    }
    // Cargo writes (Cargo.lock, build scripts' OUT_DIR): work on a writable copy.
    let copy = match tempfile::Builder::new()
        .prefix("deep-review-clippy-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => return LinterRun::skipped("clippy", format!("clippy: no temp dir: {e}")),
    };
    let src = checkout.to_path_buf();
    let dst = copy.path().to_path_buf();
    let copied = tokio::task::spawn_blocking(move || copy_tree(&src, &dst)).await;
    match copied {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            return LinterRun::skipped(
                "clippy",
                format!("clippy: copying the checkout failed: {e}"),
            )
        }
        Err(e) => {
            return LinterRun::skipped(
                "clippy",
                format!("clippy: copying the checkout failed: {e}"),
            )
        }
    }
    if !env.contains_key("CARGO_TARGET_DIR") {
        env.insert(
            "CARGO_TARGET_DIR".into(),
            target_dir(&env, copy.path()).display().to_string(),
        );
    }
    let mut run = LinterRun {
        tool: "clippy".into(),
        files: files.to_vec(),
        ..LinterRun::default()
    };
    let mut notes = Vec::new();
    for root in roots.iter().take(3) {
        let cwd = copy.path().join(root);
        let mut args: Vec<String> = ["clippy", "--message-format=json", "--quiet", "--offline"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        if is_workspace(&cwd) {
            args.push("--workspace".into());
        }
        let out = run_tool(
            &spec(cargo.clone(), args, &cwd, env.clone(), timeout),
            cancel,
        )
        .await;
        run.started |= !matches!(out.exit, ExitKind::SpawnFailed(_));
        let text = String::from_utf8_lossy(&out.stdout);
        let parsed = parse_clippy(&text, &cwd, copy.path());
        let part = finish("clippy", Vec::new(), &out, parsed);
        run.ok |= part.ok;
        run.diags.extend(part.diags);
        notes.extend(part.note);
        if cancel.is_cancelled() {
            break;
        }
    }
    if !notes.is_empty() {
        run.note = Some(notes.join("; "));
    }
    run
}

/// `$XDG_CACHE_HOME/deep-review/clippy-target` (or under `~/.cache`), shared across
/// runs so dependencies compile once; a temp dir when there is no home.
fn target_dir(env: &BTreeMap<String, String>, fallback: &Path) -> PathBuf {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".cache")));
    match cache {
        Some(dir) => dir.join("deep-review").join("clippy-target"),
        None => fallback.join("target"),
    }
}

fn is_workspace(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .map(|t| t.lines().any(|l| l.trim() == "[workspace]"))
        .unwrap_or(false)
}

/// The directories (relative to the checkout) to run cargo in: the root when it is a
/// workspace, else the nearest `Cargo.toml` above each changed file.
fn manifest_roots(files: &[String], checkout: &Path) -> Vec<PathBuf> {
    if is_workspace(checkout) {
        return vec![PathBuf::new()];
    }
    let mut roots = BTreeSet::new();
    for file in files {
        let mut dir = Path::new(file).parent();
        while let Some(d) = dir {
            if checkout.join(d).join("Cargo.toml").is_file() {
                roots.insert(d.to_path_buf());
                break;
            }
            dir = d.parent();
        }
    }
    roots.into_iter().collect()
}

/// Copies a checkout (without `.git`, `target`, `node_modules`), making it writable.
fn copy_tree(src: &Path, dst: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![PathBuf::new()];
    let mut entries = 0usize;
    while let Some(rel) = stack.pop() {
        let from = src.join(&rel);
        let to = dst.join(&rel);
        std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
        let _ = std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755));
        let listing = std::fs::read_dir(&from).map_err(|e| format!("{}: {e}", from.display()))?;
        for entry in listing.flatten() {
            entries += 1;
            if entries > MAX_COPY_ENTRIES {
                return Err(format!("more than {MAX_COPY_ENTRIES} files"));
            }
            let name = entry.file_name();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let rel_child = rel.join(&name);
            if kind.is_dir() {
                if !matches!(name.to_str(), Some(".git" | "target" | "node_modules")) {
                    stack.push(rel_child);
                }
            } else if kind.is_symlink() {
                if let Ok(link) = std::fs::read_link(entry.path()) {
                    let _ = std::os::unix::fs::symlink(link, dst.join(&rel_child));
                }
            } else if kind.is_file() {
                let target = dst.join(&rel_child);
                std::fs::copy(entry.path(), &target)
                    .map_err(|e| format!("{}: {e}", target.display()))?;
                let mode = entry
                    .metadata()
                    .map(|m| m.permissions().mode())
                    .unwrap_or(0o644);
                let _ = std::fs::set_permissions(
                    &target,
                    std::fs::Permissions::from_mode(mode | 0o200),
                );
            }
        }
    }
    Ok(())
}

/// Reads `cargo clippy --message-format=json` output. `None` when no line was a cargo
/// message at all (cargo failed before building).
pub(crate) fn parse_clippy(stdout: &str, cwd: &Path, root: &Path) -> Option<Vec<LintDiag>> {
    let mut diags = Vec::new();
    let mut any = false;
    for line in stdout.lines() {
        let Ok(v) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        let Some(reason) = v.get("reason").and_then(Value::as_str) else {
            continue;
        };
        any = true;
        if reason != "compiler-message" {
            continue;
        }
        let msg = &v["message"];
        let level = msg["level"].as_str().unwrap_or("");
        let code = msg["code"]["code"].as_str();
        let children: Vec<(&str, &str)> = msg["children"]
            .as_array()
            .map(|c| {
                c.iter()
                    .map(|ch| {
                        (
                            ch["level"].as_str().unwrap_or(""),
                            ch["message"].as_str().unwrap_or(""),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let in_group = |g: &str| children.iter().any(|(_, m)| m.contains(g));
        let severity = match level {
            "error" | "error: internal compiler error" => Severity::Important,
            "warning" if in_group("clippy::correctness") || in_group("clippy::suspicious") => {
                Severity::Important
            }
            "warning" | "note" | "help" => Severity::Suggestion,
            _ => continue,
        };
        let Some(span) = msg["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|sp| sp["is_primary"].as_bool() == Some(true)))
        else {
            continue;
        };
        let Some(file) = span["file_name"].as_str() else {
            continue;
        };
        let Some(path) = clippy_path(file, cwd, root) else {
            continue;
        };
        let start = span["line_start"].as_u64().unwrap_or(0) as u32;
        let end = span["line_end"].as_u64().unwrap_or(u64::from(start)) as u32;
        if start == 0 {
            continue;
        }
        let rule = code.map(|c| c.strip_prefix("clippy::").unwrap_or(c).to_string());
        let help = children
            .iter()
            .filter(|(l, m)| *l == "help" && !m.starts_with("for further information"))
            .map(|(_, m)| m.to_string())
            .collect();
        diags.push(LintDiag {
            tool: if code.is_some_and(|c| c.starts_with("clippy::")) {
                "clippy".into()
            } else {
                "rustc".into()
            },
            rule,
            severity,
            path,
            line_start: start,
            line_end: end.max(start),
            message: msg["message"].as_str().unwrap_or("").to_string(),
            help,
        });
    }
    any.then_some(diags)
}

/// A clippy span's file name (relative to the workspace root cargo ran in, or
/// absolute) as a path relative to the copied checkout.
fn clippy_path(file: &str, cwd: &Path, root: &Path) -> Option<String> {
    let candidates = [cwd.join(file), root.join(file)];
    for full in candidates {
        if let Ok(rel) = full.strip_prefix(root) {
            if root.join(rel).is_file() {
                return clean_relative(&rel.to_string_lossy());
            }
        }
    }
    None
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

// ---------------------------------------------------------------- ruff

async fn run_ruff(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let env = linter_env(&[], config);
    let Some(ruff) = which("ruff", &env) else {
        return LinterRun::skipped("ruff", "ruff: not installed (not found on PATH)".into());
    };
    let mut args: Vec<String> = ["check", "--output-format=json", "--no-cache", "--exit-zero"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !has_ruff_config(checkout) {
        // No project configuration: ruff's classic default (syntax errors and pyflakes,
        // real bugs), not whatever a newer ruff or a parent directory would enable.
        args.extend(["--isolated".to_string(), "--select=E4,E7,E9,F".to_string()]);
    }
    args.push("--".into());
    args.extend(files.iter().cloned());
    let out = run_tool(&spec(ruff, args, checkout, env, timeout), cancel).await;
    let parsed = parse_ruff(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("ruff", files.to_vec(), &out, parsed)
}

/// Whether the repository configures ruff itself (`ruff.toml`, `.ruff.toml`, or a
/// `[tool.ruff]` table in `pyproject.toml`).
fn has_ruff_config(checkout: &Path) -> bool {
    checkout.join("ruff.toml").is_file()
        || checkout.join(".ruff.toml").is_file()
        || std::fs::read_to_string(checkout.join("pyproject.toml"))
            .map(|t| t.contains("[tool.ruff"))
            .unwrap_or(false)
}

/// Reads `ruff check --output-format=json`.
pub(crate) fn parse_ruff(stdout: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let items = v.as_array()?;
    let mut diags = Vec::new();
    for item in items {
        let Some(path) = item["filename"]
            .as_str()
            .and_then(|f| relative_to(f, checkout))
        else {
            continue;
        };
        let start = item["location"]["row"].as_u64().unwrap_or(0) as u32;
        if start == 0 {
            continue;
        }
        let end = item["end_location"]["row"]
            .as_u64()
            .unwrap_or(u64::from(start)) as u32;
        let code = item["code"].as_str().map(str::to_string);
        let message = item["message"].as_str().unwrap_or("").to_string();
        let severity = match code.as_deref() {
            Some("F821" | "F822" | "F823") | None => Severity::Important,
            Some(c) if c.starts_with("E9") => Severity::Important,
            Some(_) => Severity::Suggestion,
        };
        diags.push(LintDiag {
            tool: "ruff".into(),
            rule: code,
            severity,
            path,
            line_start: start,
            line_end: end.max(start),
            message,
            help: item["fix"]["message"]
                .as_str()
                .map(|m| vec![m.to_string()])
                .unwrap_or_default(),
        });
    }
    Some(diags)
}

// ---------------------------------------------------------------- shellcheck

async fn run_shellcheck(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let env = linter_env(&[], config);
    let Some(bin) = which("shellcheck", &env) else {
        return LinterRun::skipped(
            "shellcheck",
            "shellcheck: not installed (not found on PATH)".into(),
        );
    };
    let mut args: Vec<String> = vec!["-f".into(), "json".into(), "--".into()];
    args.extend(files.iter().cloned());
    let out = run_tool(&spec(bin, args, checkout, env, timeout), cancel).await;
    let parsed = parse_shellcheck(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("shellcheck", files.to_vec(), &out, parsed)
}

/// Reads `shellcheck -f json`.
pub(crate) fn parse_shellcheck(stdout: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let items = v.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|item| {
                let path = relative_to(item["file"].as_str()?, checkout)?;
                let start = item["line"].as_u64()? as u32;
                let end = item["endLine"].as_u64().unwrap_or(u64::from(start)) as u32;
                let severity = match item["level"].as_str() {
                    Some("error") => Severity::Important,
                    _ => Severity::Suggestion,
                };
                Some(LintDiag {
                    tool: "shellcheck".into(),
                    rule: item["code"].as_u64().map(|c| format!("SC{c}")),
                    severity,
                    path,
                    line_start: start,
                    line_end: end.max(start),
                    message: item["message"].as_str().unwrap_or("").to_string(),
                    help: Vec::new(),
                })
            })
            .collect(),
    )
}

// ---------------------------------------------------------------- go

async fn run_go(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Vec<LinterRun> {
    let env = linter_env(
        &[
            "GOPATH",
            "GOCACHE",
            "GOMODCACHE",
            "GOFLAGS",
            "GOPROXY",
            "GOROOT",
            "XDG_CACHE_HOME",
        ],
        config,
    );
    let mut runs = Vec::new();
    if !checkout.join("go.mod").is_file() {
        runs.push(LinterRun::skipped(
            "go vet",
            "go vet: no go.mod at the repository root".into(),
        ));
        return runs;
    }
    match which("go", &env) {
        None => runs.push(LinterRun::skipped(
            "go vet",
            "go vet: go not found on PATH".into(),
        )),
        Some(go) => {
            let args = vec!["vet".into(), "./...".into()];
            let out = run_tool(&spec(go, args, checkout, env.clone(), timeout), cancel).await;
            // go vet reports on standard error; exit 1 with reports is normal.
            let parsed = parse_go_vet(&out.stderr_tail, checkout);
            let readable = out.success() || !parsed.is_empty();
            runs.push(finish(
                "go vet",
                files.to_vec(),
                &out,
                readable.then_some(parsed),
            ));
        }
    }
    if let Some(sc) = which("staticcheck", &env) {
        let args = vec!["-f".into(), "json".into(), "./...".into()];
        let out = run_tool(&spec(sc, args, checkout, env, timeout), cancel).await;
        let parsed = parse_staticcheck(&String::from_utf8_lossy(&out.stdout), checkout);
        let readable = out.success() || !parsed.is_empty();
        runs.push(finish(
            "staticcheck",
            files.to_vec(),
            &out,
            readable.then_some(parsed),
        ));
    }
    runs
}

/// Reads `go vet` text: `path/file.go:12:5: message` (other lines ignored).
pub(crate) fn parse_go_vet(text: &str, checkout: &Path) -> Vec<LintDiag> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim().strip_prefix("vet: ").unwrap_or(line.trim());
            let (file, rest) = line.split_once(".go:")?;
            let mut parts = rest.splitn(3, ':');
            let row: u32 = parts.next()?.trim().parse().ok()?;
            let third = parts.next()?;
            let message = match third.trim().parse::<u32>() {
                Ok(_) => parts.next()?.trim(),
                Err(_) => third.trim(),
            };
            let path = relative_to(&format!("{file}.go"), checkout)?;
            Some(LintDiag {
                tool: "go vet".into(),
                rule: None,
                severity: Severity::Important,
                path,
                line_start: row,
                line_end: row,
                message: message.to_string(),
                help: Vec::new(),
            })
        })
        .collect()
}

/// Reads `staticcheck -f json` (one object per line).
pub(crate) fn parse_staticcheck(stdout: &str, checkout: &Path) -> Vec<LintDiag> {
    stdout
        .lines()
        .filter_map(|line| {
            let v: Value = serde_json::from_str(line).ok()?;
            let code = v["code"].as_str()?.to_string();
            let path = relative_to(v["location"]["file"].as_str()?, checkout)?;
            let start = v["location"]["line"].as_u64()? as u32;
            let end = v["end"]["line"].as_u64().unwrap_or(u64::from(start)) as u32;
            let severity = if code.starts_with("SA") || v["severity"].as_str() == Some("error") {
                Severity::Important
            } else {
                Severity::Suggestion
            };
            Some(LintDiag {
                tool: "staticcheck".into(),
                rule: Some(code),
                severity,
                path,
                line_start: start,
                line_end: end.max(start),
                message: v["message"].as_str().unwrap_or("").to_string(),
                help: Vec::new(),
            })
        })
        .collect()
}

// ---------------------------------------------------------------- eslint

fn has_eslint_config(checkout: &Path) -> bool {
    const NAMES: [&str; 10] = [
        "eslint.config.js",
        "eslint.config.mjs",
        "eslint.config.cjs",
        "eslint.config.ts",
        ".eslintrc",
        ".eslintrc.js",
        ".eslintrc.cjs",
        ".eslintrc.json",
        ".eslintrc.yml",
        ".eslintrc.yaml",
    ];
    NAMES.iter().any(|n| checkout.join(n).is_file())
        || std::fs::read_to_string(checkout.join("package.json"))
            .map(|t| t.contains("\"eslintConfig\""))
            .unwrap_or(false)
}

async fn run_eslint(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    if !has_eslint_config(checkout) {
        return LinterRun::skipped(
            "eslint",
            "eslint: skipped (no ESLint configuration in the repository)".into(),
        );
    }
    let env = linter_env(&["NODE_PATH"], config);
    let Some(bin) = which("eslint", &env) else {
        return LinterRun::skipped("eslint", "eslint: not installed (not found on PATH)".into());
    };
    let mut args: Vec<String> = vec!["-f".into(), "json".into(), "--".into()];
    args.extend(files.iter().cloned());
    let out = run_tool(&spec(bin, args, checkout, env, timeout), cancel).await;
    let parsed = parse_eslint(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("eslint", files.to_vec(), &out, parsed)
}

/// Reads `eslint -f json`.
pub(crate) fn parse_eslint(stdout: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let mut diags = Vec::new();
    for file in v.as_array()? {
        let Some(path) = file["filePath"]
            .as_str()
            .and_then(|p| relative_to(p, checkout))
        else {
            continue;
        };
        for m in file["messages"].as_array().into_iter().flatten() {
            let Some(start) = m["line"].as_u64() else {
                continue;
            };
            let start = start as u32;
            let end = m["endLine"].as_u64().unwrap_or(u64::from(start)) as u32;
            diags.push(LintDiag {
                tool: "eslint".into(),
                rule: m["ruleId"].as_str().map(str::to_string),
                severity: if m["severity"].as_u64() == Some(2) {
                    Severity::Important
                } else {
                    Severity::Suggestion
                },
                path: path.clone(),
                line_start: start,
                line_end: end.max(start),
                message: m["message"].as_str().unwrap_or("").to_string(),
                help: Vec::new(),
            });
        }
    }
    Some(diags)
}

// ---------------------------------------------------------------- SARIF

async fn run_sarif_tool(
    argv: &[String],
    files: &[&str],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let Some(program) = argv.first() else {
        return LinterRun::skipped("sarif", "sarif tool: empty command".into());
    };
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.clone());
    let env = linter_env(&[], config);
    let resolved = if program.contains('/') {
        Some(PathBuf::from(program))
    } else {
        which(program, &env)
    };
    let Some(bin) = resolved else {
        return LinterRun::skipped(&name, format!("{name}: not installed (not found on PATH)"));
    };
    let out = run_tool(
        &spec(bin, argv[1..].to_vec(), checkout, env, timeout),
        cancel,
    )
    .await;
    let parsed = parse_sarif(&String::from_utf8_lossy(&out.stdout), &name, checkout);
    finish(
        &name,
        files.iter().map(|f| f.to_string()).collect(),
        &out,
        parsed,
    )
}

/// Reads SARIF 2.1.0: `runs[].results[]` with their first physical location. The
/// tool name is the run's driver name, else `fallback_tool`.
pub(crate) fn parse_sarif(
    text: &str,
    fallback_tool: &str,
    checkout: &Path,
) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let mut diags = Vec::new();
    for run in v["runs"].as_array()? {
        let tool = run["tool"]["driver"]["name"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or(fallback_tool)
            .to_string();
        for result in run["results"].as_array().into_iter().flatten() {
            let Some(loc) = result["locations"]
                .as_array()
                .and_then(|l| l.first())
                .map(|l| &l["physicalLocation"])
            else {
                continue;
            };
            let Some(uri) = loc["artifactLocation"]["uri"].as_str() else {
                continue;
            };
            let Some(path) = relative_to(&decode_uri(uri), checkout) else {
                continue;
            };
            let Some(start) = loc["region"]["startLine"].as_u64() else {
                continue;
            };
            let start = start as u32;
            let end = loc["region"]["endLine"]
                .as_u64()
                .unwrap_or(u64::from(start)) as u32;
            let severity = match result["level"].as_str() {
                Some("error") => Severity::Important,
                _ => Severity::Suggestion,
            };
            diags.push(LintDiag {
                tool: tool.clone(),
                rule: result["ruleId"].as_str().map(str::to_string),
                severity,
                path,
                line_start: start,
                line_end: end.max(start),
                message: result["message"]["text"].as_str().unwrap_or("").to_string(),
                help: Vec::new(),
            });
        }
    }
    Some(diags)
}

/// `file:///abs/p%20q.rs` → `/abs/p q.rs`; `./a.rs` → `a.rs`.
fn decode_uri(uri: &str) -> String {
    let path = uri.strip_prefix("file://").unwrap_or(uri);
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
            if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from("/repo")
    }

    fn brief(d: &[LintDiag]) -> Vec<(String, Option<String>, Severity, String, u32, u32)> {
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

    #[test]
    fn ruff_json() {
        let out = r#"[{"code":"F401","message":"`os` imported but unused","filename":"/repo/pkg/a.py","location":{"row":1,"column":8},"end_location":{"row":1,"column":10},"fix":{"message":"Remove unused import: `os`"}},
        {"code":"F821","message":"Undefined name `x`","filename":"/repo/pkg/a.py","location":{"row":4,"column":1},"end_location":{"row":4,"column":2}},
        {"code":null,"message":"SyntaxError: bad","filename":"/elsewhere/b.py","location":{"row":2,"column":1}}]"#;
        let got = parse_ruff(out, &root()).unwrap();
        assert_eq!(
            brief(&got),
            vec![
                (
                    "ruff".into(),
                    Some("F401".into()),
                    Severity::Suggestion,
                    "pkg/a.py".into(),
                    1,
                    1
                ),
                (
                    "ruff".into(),
                    Some("F821".into()),
                    Severity::Important,
                    "pkg/a.py".into(),
                    4,
                    4
                ),
            ]
        );
        assert_eq!(got[0].help, vec!["Remove unused import: `os`".to_string()]);
        assert!(parse_ruff("garbage", &root()).is_none());
    }

    #[test]
    fn ruff_config_detection() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_ruff_config(dir.path()));
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n",
        )
        .unwrap();
        assert!(!has_ruff_config(dir.path()));
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.ruff.lint]\nselect = [\"E\"]\n",
        )
        .unwrap();
        assert!(has_ruff_config(dir.path()));
    }

    #[test]
    fn shellcheck_json() {
        let out = r#"[{"file":"bin/run.sh","line":3,"endLine":3,"column":6,"level":"warning","code":2086,"message":"Double quote to prevent globbing and word splitting."},{"file":"bin/run.sh","line":9,"level":"error","code":1073,"message":"Couldn't parse"}]"#;
        let got = parse_shellcheck(out, &root()).unwrap();
        assert_eq!(
            brief(&got),
            vec![
                (
                    "shellcheck".into(),
                    Some("SC2086".into()),
                    Severity::Suggestion,
                    "bin/run.sh".into(),
                    3,
                    3
                ),
                (
                    "shellcheck".into(),
                    Some("SC1073".into()),
                    Severity::Important,
                    "bin/run.sh".into(),
                    9,
                    9
                ),
            ]
        );
    }

    #[test]
    fn go_vet_and_staticcheck() {
        let vet = "# example.com/m/pkg\npkg/lib.go:12:2: fmt.Printf format %d has arg s of wrong type string\nvet: ./pkg/x.go:3:1: unreachable code\n";
        assert_eq!(
            brief(&parse_go_vet(vet, &root())),
            vec![
                (
                    "go vet".into(),
                    None,
                    Severity::Important,
                    "pkg/lib.go".into(),
                    12,
                    12
                ),
                (
                    "go vet".into(),
                    None,
                    Severity::Important,
                    "pkg/x.go".into(),
                    3,
                    3
                ),
            ]
        );
        let sc = r#"{"code":"SA4006","severity":"error","location":{"file":"/repo/pkg/lib.go","line":7,"column":2},"end":{"file":"/repo/pkg/lib.go","line":7,"column":9},"message":"value never used"}
{"code":"ST1005","severity":"warning","location":{"file":"/repo/pkg/lib.go","line":9,"column":2},"message":"error strings should not be capitalized"}"#;
        assert_eq!(
            brief(&parse_staticcheck(sc, &root())),
            vec![
                (
                    "staticcheck".into(),
                    Some("SA4006".into()),
                    Severity::Important,
                    "pkg/lib.go".into(),
                    7,
                    7
                ),
                (
                    "staticcheck".into(),
                    Some("ST1005".into()),
                    Severity::Suggestion,
                    "pkg/lib.go".into(),
                    9,
                    9
                ),
            ]
        );
    }

    #[test]
    fn eslint_and_sarif() {
        let es = r#"[{"filePath":"/repo/src/a.js","messages":[{"ruleId":"no-unused-vars","severity":2,"message":"'x' is assigned a value but never used.","line":2,"endLine":2},{"ruleId":null,"severity":1,"message":"Unused directive","line":5}]}]"#;
        assert_eq!(
            brief(&parse_eslint(es, &root()).unwrap()),
            vec![
                (
                    "eslint".into(),
                    Some("no-unused-vars".into()),
                    Severity::Important,
                    "src/a.js".into(),
                    2,
                    2
                ),
                (
                    "eslint".into(),
                    None,
                    Severity::Suggestion,
                    "src/a.js".into(),
                    5,
                    5
                ),
            ]
        );
        let sarif = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"semgrep"}},"results":[
            {"ruleId":"python.lang.security.eval","level":"error","message":{"text":"eval of input"},
             "locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///repo/app/x%20y.py"},"region":{"startLine":4,"endLine":6}}}]},
            {"ruleId":"r2","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app/z.py"},"region":{"startLine":1}}}]},
            {"ruleId":"no-location","message":{"text":"m"}}]}]}"#;
        assert_eq!(
            brief(&parse_sarif(sarif, "tool", &root()).unwrap()),
            vec![
                (
                    "semgrep".into(),
                    Some("python.lang.security.eval".into()),
                    Severity::Important,
                    "app/x y.py".into(),
                    4,
                    6
                ),
                (
                    "semgrep".into(),
                    Some("r2".into()),
                    Severity::Suggestion,
                    "app/z.py".into(),
                    1,
                    1
                ),
            ]
        );
        assert!(parse_sarif("{}", "t", &root()).is_none());
    }

    #[test]
    fn clippy_json() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "x").unwrap();
        let line = |level: &str, code: &str, group_note: &str, line: u32| {
            serde_json::json!({
                "reason": "compiler-message",
                "message": {
                    "level": level, "message": "msg",
                    "code": {"code": code},
                    "spans": [{"file_name": "src/lib.rs", "line_start": line, "line_end": line, "is_primary": true}],
                    "children": [{"level": "note", "message": group_note},
                                 {"level": "help", "message": "remove `return`"},
                                 {"level": "help", "message": "for further information visit https://x"}]
                }
            })
            .to_string()
        };
        let out = [
            line("warning", "clippy::needless_return", "`#[warn(clippy::needless_return)]` on by default", 3),
            line("error", "clippy::absurd_extreme_comparisons", "`#[deny(clippy::correctness)]` on by default", 5),
            line("warning", "unused_variables", "`#[warn(unused_variables)]` on by default", 7),
            r#"{"reason":"compiler-artifact"}"#.to_string(),
            r#"{"reason":"compiler-message","message":{"level":"warning","message":"1 warning emitted","spans":[],"children":[]}}"#.to_string(),
            "not json".to_string(),
        ]
        .join("\n");
        let got = parse_clippy(&out, dir.path(), dir.path()).unwrap();
        assert_eq!(
            brief(&got),
            vec![
                (
                    "clippy".into(),
                    Some("needless_return".into()),
                    Severity::Suggestion,
                    "src/lib.rs".into(),
                    3,
                    3
                ),
                (
                    "clippy".into(),
                    Some("absurd_extreme_comparisons".into()),
                    Severity::Important,
                    "src/lib.rs".into(),
                    5,
                    5
                ),
                (
                    "rustc".into(),
                    Some("unused_variables".into()),
                    Severity::Suggestion,
                    "src/lib.rs".into(),
                    7,
                    7
                ),
            ]
        );
        assert_eq!(got[0].help, vec!["remove `return`".to_string()]);
        assert!(parse_clippy("error: no such command\n", dir.path(), dir.path()).is_none());
    }
}
