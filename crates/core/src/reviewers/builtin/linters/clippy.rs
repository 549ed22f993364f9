//! `cargo clippy --message-format=json` on a writable copy of the checkout, once per
//! Cargo workspace or package the changed Rust files belong to.
//!
//! Severity: `error` (deny-by-default lints, such as the `clippy::correctness` group,
//! and compile errors) → important; warnings in the `clippy::correctness` or
//! `clippy::suspicious` groups → important; other warnings and notes → suggestion.
//! Diagnostics whose code is not `clippy::…` are reported as tool `rustc`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    code_gate, confine_code, finish, linter_env, run_tool_watching, spec, which, writable,
    CodeGate, LintDiag, LinterRun,
};
use crate::config::ReviewerConfig;
use crate::model::Severity;

/// Time limit for `cargo clippy` (it compiles).
pub(super) const LIMIT: Duration = Duration::from_secs(10 * 60);
/// At most this many Cargo roots are linted in one review.
const MAX_ROOTS: usize = 3;

pub(super) async fn run(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    sandbox: Option<&Path>,
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
    let gate = code_gate("clippy", "build scripts and proc macros", config, sandbox);
    if let CodeGate::Refused(note) = gate {
        return LinterRun::skipped("clippy", note);
    }
    // Cargo writes (Cargo.lock, build scripts' OUT_DIR): work on a writable copy.
    let copy = match writable::copy("clippy", checkout).await {
        Ok(copy) => copy,
        Err(note) => return LinterRun::skipped("clippy", note),
    };
    let sandboxed = matches!(gate, CodeGate::Sandboxed(_));
    let mut notes = Vec::new();
    let cache = cache_dir(&env, checkout, sandboxed, &mut notes);
    let confinement = match &gate {
        CodeGate::Sandboxed(launcher) => {
            match sandboxed_env(&mut env, config, copy.path(), cache.as_deref()) {
                Ok(paths) => Some((launcher.clone(), paths)),
                Err(note) => return LinterRun::skipped("clippy", note),
            }
        }
        _ => None,
    };
    if !env.contains_key("CARGO_TARGET_DIR") {
        let target = cache.unwrap_or_else(|| copy.path().join("target"));
        env.insert("CARGO_TARGET_DIR".into(), target.display().to_string());
    }
    let mut run = LinterRun {
        tool: "clippy".into(),
        files: files.to_vec(),
        ..LinterRun::default()
    };
    for root in roots.iter().take(MAX_ROOTS) {
        let cwd = copy.path().join(root);
        let part = run_in(
            &cargo,
            &cwd,
            copy.path(),
            &env,
            confinement.as_ref(),
            timeout,
            cancel,
        )
        .await;
        run.started |= part.started;
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

/// One `cargo clippy` in `cwd`, a directory of the copy at `root`.
async fn run_in(
    cargo: &Path,
    cwd: &Path,
    root: &Path,
    env: &BTreeMap<String, String>,
    confinement: Option<&(PathBuf, Confined)>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let mut args: Vec<String> = ["clippy", "--message-format=json", "--quiet", "--offline"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if is_workspace(cwd) {
        args.push("--workspace".into());
    }
    let mut spec = spec(cargo.to_path_buf(), args, cwd, env.clone(), timeout);
    if let Some((launcher, paths)) = confinement {
        confine_code(&mut spec, launcher, &paths.read, &paths.write);
    }
    let mut phase = Phase::Starting;
    let out = run_tool_watching(&spec, |line| phase.advance(line), cancel).await;
    let text = String::from_utf8_lossy(&out.stdout);
    let parsed = parse(&text, cwd, root);
    finish("clippy", Vec::new(), &out, parsed)
}

/// Where a `cargo clippy` run is, read off its JSON messages and reported as the
/// builtin's step: dependencies (registry or git packages) build first, then the
/// project's own packages (`path+file://`) are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Starting,
    Dependencies,
    Checking,
}

impl Phase {
    fn advance(&mut self, line: &str) {
        let next = if !line.contains("\"reason\":\"compiler-") {
            return;
        } else if line.contains("\"package_id\":\"path+file://") {
            Phase::Checking
        } else if *self == Phase::Starting {
            Phase::Dependencies
        } else {
            return;
        };
        if next != *self {
            *self = next;
            super::step(match next {
                Phase::Dependencies => "clippy (compiling dependencies)",
                _ => "clippy (checking the project)",
            });
        }
    }
}

/// What a sandboxed cargo may read besides the system, and write.
struct Confined {
    read: Vec<PathBuf>,
    write: Vec<PathBuf>,
}

/// The environment of a sandboxed cargo: `CARGO_HOME` and `RUSTUP_HOME` (default
/// `~/.cargo`, `~/.rustup`) stay readable — the one deliberate exception to "nothing of
/// the home", so dependencies and the toolchain are found — while `HOME`, `TMPDIR` and
/// the target directory move into the scratch copy, the only place it may write (plus a
/// `CARGO_TARGET_DIR` the reviewer's configuration names).
fn sandboxed_env(
    env: &mut BTreeMap<String, String>,
    config: &ReviewerConfig,
    copy: &Path,
    cache: Option<&Path>,
) -> Result<Confined, String> {
    let home = env.get("HOME").map(PathBuf::from);
    let mut read = Vec::new();
    for (name, default) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
        let dir = env
            .get(name)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(default)));
        if let Some(dir) = dir {
            env.insert(name.into(), dir.display().to_string());
            read.push(dir);
        }
    }
    let scratch_home = copy.join(".deep-review-home");
    let scratch_tmp = copy.join(".deep-review-tmp");
    for dir in [&scratch_home, &scratch_tmp] {
        std::fs::create_dir_all(dir).map_err(|e| format!("clippy: {}: {e}", dir.display()))?;
    }
    env.insert("HOME".into(), scratch_home.display().to_string());
    env.insert("TMPDIR".into(), scratch_tmp.display().to_string());
    let mut write = vec![copy.to_path_buf()];
    match config.env.get("CARGO_TARGET_DIR") {
        Some(target) => {
            let _ = std::fs::create_dir_all(target);
            write.push(PathBuf::from(target));
        }
        None => {
            let target = cache.map_or_else(|| copy.join("target"), Path::to_path_buf);
            if cache.is_some() {
                write.push(target.clone());
            }
            env.insert("CARGO_TARGET_DIR".into(), target.display().to_string());
        }
    }
    Ok(Confined { read, write })
}

/// A cache over this size is emptied before the next run.
const CACHE_MAX_BYTES: u64 = 4 << 30;

/// The per-repository cargo target directory kept between reviews, so a second review
/// compiles only what changed: `$XDG_CACHE_HOME/deep-review/clippy-target/<mode>-<repo>`
/// (or under `~/.cache`), where `<repo>` is the repository's root commit and `<mode>`
/// keeps sandboxed runs apart from trusted ones (a change's build script may write
/// there, and only runs of the same repository and mode read it). Cargo locks the
/// directory itself, so concurrent reviews take turns. `None` (a fresh target in the
/// scratch copy) without a cache directory or a root commit.
fn cache_dir(
    env: &BTreeMap<String, String>,
    checkout: &Path,
    sandboxed: bool,
    notes: &mut Vec<String>,
) -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| env.get("HOME").map(|h| Path::new(h).join(".cache")))?;
    cache_dir_in(&base, checkout, sandboxed, CACHE_MAX_BYTES, notes)
}

/// [`cache_dir`] under the cache directory `base`, emptied first when over `max` bytes.
fn cache_dir_in(
    base: &Path,
    checkout: &Path,
    sandboxed: bool,
    max: u64,
    notes: &mut Vec<String>,
) -> Option<PathBuf> {
    let roots = crate::git::git_line(checkout, &["rev-list", "--max-parents=0", "HEAD"]).ok()?;
    let root = roots.lines().min()?.get(..16)?.to_string();
    if !root.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let mode = if sandboxed { "sandboxed" } else { "trusted" };
    let dir = base
        .join("deep-review")
        .join("clippy-target")
        .join(format!("{mode}-{root}"));
    if tree_size(&dir) > max {
        match std::fs::remove_dir_all(&dir) {
            Ok(()) => notes.push(format!(
                "clippy: its cache was over {} MiB and was emptied",
                max >> 20
            )),
            Err(e) => notes.push(format!(
                "clippy: cannot empty its cache {}: {e}",
                dir.display()
            )),
        }
    }
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// Bytes of the regular files under `dir`, symbolic links not followed.
fn tree_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(t) if t.is_file() => total += entry.metadata().map_or(0, |m| m.len()),
                _ => {}
            }
        }
    }
    total
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

/// Reads `cargo clippy --message-format=json` output. `None` when no line was a cargo
/// message at all (cargo failed before building).
pub(crate) fn parse(stdout: &str, cwd: &Path, root: &Path) -> Option<Vec<LintDiag>> {
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
        if reason == "compiler-message" {
            diags.extend(diag(&v["message"], cwd, root));
        }
    }
    any.then_some(diags)
}

/// One rustc/clippy diagnostic (`message` of a `compiler-message`) at its primary
/// span; `None` for summaries ("1 warning emitted") and spans outside the copy.
fn diag(msg: &Value, cwd: &Path, root: &Path) -> Option<LintDiag> {
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
    let severity = severity(msg["level"].as_str().unwrap_or(""), &children)?;
    let span = msg["spans"]
        .as_array()?
        .iter()
        .find(|sp| sp["is_primary"].as_bool() == Some(true))?;
    let path = span_path(span["file_name"].as_str()?, cwd, root)?;
    let start = span["line_start"].as_u64().unwrap_or(0) as u32;
    let end = span["line_end"].as_u64().unwrap_or(u64::from(start)) as u32;
    if start == 0 {
        return None;
    }
    let rule = code.map(|c| c.strip_prefix("clippy::").unwrap_or(c).to_string());
    let help = children
        .iter()
        .filter(|(l, m)| *l == "help" && !m.starts_with("for further information"))
        .map(|(_, m)| m.to_string())
        .collect();
    Some(LintDiag {
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
    })
}

/// The module's severity mapping; `None` for levels that are not diagnostics.
fn severity(level: &str, children: &[(&str, &str)]) -> Option<Severity> {
    let in_group = |g: &str| children.iter().any(|(_, m)| m.contains(g));
    match level {
        "error" | "error: internal compiler error" => Some(Severity::Important),
        "warning" if in_group("clippy::correctness") || in_group("clippy::suspicious") => {
            Some(Severity::Important)
        }
        "warning" | "note" | "help" => Some(Severity::Suggestion),
        _ => None,
    }
}

/// A clippy span's file name (relative to the workspace root cargo ran in, or
/// absolute) as a path relative to the copied checkout.
fn span_path(file: &str, cwd: &Path, root: &Path) -> Option<String> {
    let candidates = [cwd.join(file), root.join(file)];
    for full in candidates {
        if let Ok(rel) = full.strip_prefix(root) {
            if root.join(rel).is_file() {
                return super::clean_relative(&rel.to_string_lossy());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::test_support::brief;
    use super::*;

    fn repo(name: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            let ok = std::process::Command::new("git")
                .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
                .args(args)
                .current_dir(dir.path())
                .output()
                .unwrap()
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        git(&["init", "-q"]);
        std::fs::write(
            dir.path().join("Cargo.toml"),
            format!("[package]\nname = \"{name}\"\n"),
        )
        .unwrap();
        git(&["add", "."]);
        git(&["commit", "-qm", "root"]);
        dir
    }

    #[test]
    fn the_target_cache_is_per_repository_and_mode_and_bounded() {
        let cache = tempfile::tempdir().unwrap();
        let (a, b) = (repo("a"), repo("b"));
        let mut notes = Vec::new();
        let dir = |r: &Path, sandboxed| {
            cache_dir_in(cache.path(), r, sandboxed, 1 << 20, &mut Vec::new())
        };
        let a_sandboxed = dir(a.path(), true).expect("a cache");
        assert!(a_sandboxed.is_dir());
        assert!(a_sandboxed.starts_with(cache.path().join("deep-review/clippy-target")));
        // The same repository again: the same directory (that is the point).
        assert_eq!(dir(a.path(), true), Some(a_sandboxed.clone()));
        assert_ne!(
            dir(a.path(), false),
            Some(a_sandboxed.clone()),
            "modes are apart"
        );
        assert_ne!(
            dir(b.path(), true),
            Some(a_sandboxed.clone()),
            "repositories are apart"
        );
        // Over its bound it is emptied, and says so.
        std::fs::write(a_sandboxed.join("big"), vec![0u8; 2 << 20]).unwrap();
        let again = cache_dir_in(cache.path(), a.path(), true, 1 << 20, &mut notes).unwrap();
        assert!(!again.join("big").exists());
        assert!(notes.iter().any(|n| n.contains("emptied")), "{notes:?}");
        // No repository: no cache.
        let plain = tempfile::tempdir().unwrap();
        assert_eq!(dir(plain.path(), true), None);
    }

    #[test]
    fn a_sandboxed_cargo_may_write_its_cache() {
        let copy = tempfile::tempdir().unwrap();
        let cache = tempfile::tempdir().unwrap();
        let mut env = BTreeMap::new();
        env.insert("HOME".to_string(), "/home/u".to_string());
        let config = ReviewerConfig::new("lint", crate::config::BackendKind::Builtin);
        let confined = sandboxed_env(&mut env, &config, copy.path(), Some(cache.path())).unwrap();
        assert_eq!(env["CARGO_TARGET_DIR"], cache.path().display().to_string());
        assert!(confined.write.contains(&cache.path().to_path_buf()));
        let confined = sandboxed_env(&mut env.clone(), &config, copy.path(), None).unwrap();
        assert!(!confined.write.contains(&cache.path().to_path_buf()));
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
        let got = parse(&out, dir.path(), dir.path()).unwrap();
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
        assert!(parse("error: no such command\n", dir.path(), dir.path()).is_none());
    }
}
