//! Whether a reviewer can run here, and the default panel: the one readiness check, used
//! by `deep-review reviewers` and by `review` alike. It reads each backend's
//! [`HostNeeds`](super::needs::HostNeeds), the same declaration the runner builds the
//! reviewer's environment from, so a reviewer reported ready gets what made it ready.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use super::env::HostEnv;
use super::needs::{self, Credential};
use crate::config::{BackendKind, ReviewerConfig, Settings};
use crate::process::{ExitKind, ProcessSpec};

/// Whether a reviewer can run on this machine, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Availability {
    pub ready: bool,
    /// Why it is not ready, or what it will use when it is.
    pub reason: String,
    /// First line of `--version`, for agent CLIs.
    pub version: Option<String>,
}

impl Availability {
    fn not_ready(reason: impl Into<String>) -> Availability {
        Availability {
            ready: false,
            reason: reason.into(),
            version: None,
        }
    }
}

/// What the kernel enforces on `config`'s processes here, for `deep-review reviewers`:
/// `launcher` is the sandbox launcher ([`crate::sandbox::find_launcher`]), `support`
/// what the kernel can do ([`crate::sandbox::probe`]). `None` for the API backends
/// (no process) and Codex (its own `--sandbox read-only`).
pub fn sandbox_state(
    config: &ReviewerConfig,
    launcher: Option<&Path>,
    support: crate::sandbox::Support,
) -> Option<String> {
    let missing = crate::sandbox::unavailable_note(launcher, support);
    match config.backend {
        BackendKind::Command => Some(missing.unwrap_or_else(|| {
            "sandboxed (Landlock: reads its checkout and the system, writes only its own files)"
                .to_string()
        })),
        BackendKind::Claude | BackendKind::Gemini => Some(missing.unwrap_or_else(|| {
            "sandboxed (Landlock: reads its installation, the checkout and the system, writes \
             only its per-run home)"
                .to_string()
        })),
        BackendKind::Builtin => Some(match (missing, support.network()) {
            (None, true) => "clippy and eslint sandboxed (Landlock, no network)".to_string(),
            _ if config.trust_code => {
                "clippy and eslint run unconfined (trust_code = true)".to_string()
            }
            (Some(reason), _) => format!(
                "clippy and eslint skipped: they run the change's code and the reviewer is {reason}"
            ),
            (None, false) => "clippy and eslint skipped: the kernel's Landlock cannot deny \
                              network access (ABI 4 or later)"
                .to_string(),
        }),
        _ => None,
    }
}

/// How long `--version` may take.
const VERSION_TIMEOUT: Duration = Duration::from_secs(10);

/// Looks a program up on a `PATH`-style list of directories: the first executable file
/// named `program`. Names containing `/` are checked as paths.
pub fn find_on_path(program: &str, path_var: Option<&str>) -> Option<PathBuf> {
    if program.contains('/') {
        let p = PathBuf::from(program);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path_var?)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// How a found credential is named in the reason: `uses ANTHROPIC_API_KEY`.
fn uses(credential: &Credential) -> String {
    match credential {
        Credential::Var(var) => format!("uses {var}"),
        Credential::LoginFile(file) => format!("uses login in {}", file.display()),
        Credential::NotNeeded => "no API key needed".to_string(),
    }
}

/// Checks whether `config` can run here: its program is on `PATH` and answers
/// `--version`, and its credentials are present. `host` is the environment the
/// reviewer's own would be built from (`HOME` and `PATH` included); `path_lookup` finds
/// a program by name (use [`find_on_path`] with `PATH`). A backend `review` cannot run
/// is never ready.
pub async fn check_available(
    config: &ReviewerConfig,
    host: &HostEnv,
    path_lookup: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
) -> Availability {
    match config.backend {
        BackendKind::Builtin => {
            return Availability {
                ready: true,
                reason: "built in: needs no model and no network".into(),
                version: None,
            }
        }
        BackendKind::Import => return Availability::not_ready(
            "needs a pull request target (hint: review owner/repo#N, a pull-request URL or --pr N)",
        ),
        BackendKind::Command => {
            let Some(program) = config.command.first() else {
                return Availability::not_ready("no `command` configured");
            };
            return match path_lookup(program) {
                Some(path) => Availability {
                    ready: true,
                    reason: format!("runs {}", path.display()),
                    version: None,
                },
                None if program.contains('/') => Availability::not_ready(format!(
                    "command `{program}` not found or not executable"
                )),
                None => Availability::not_ready(format!("command `{program}` not found on PATH")),
            };
        }
        BackendKind::Anthropic
        | BackendKind::Openai
        | BackendKind::GeminiApi
        | BackendKind::OpenaiCompatible => return api_available(config, host),
        BackendKind::Claude | BackendKind::Codex | BackendKind::Gemini => {}
    }

    let program = executable(config)
        .unwrap_or(config.backend.as_str())
        .to_string();
    let Some(path) = path_lookup(&program) else {
        return Availability::not_ready(if program.contains('/') {
            format!("binary `{program}` not found or not executable")
        } else {
            format!("binary `{program}` not found on PATH")
        });
    };
    let creds = needs::find_credential(config, host);

    let mut spec = ProcessSpec::new(
        path.display().to_string(),
        std::env::temp_dir(),
        VERSION_TIMEOUT,
    );
    spec.args = vec!["--version".into()];
    spec.max_stdout = 64 * 1024;
    for var in ["PATH", "HOME", "LANG", "TMPDIR"] {
        if let Some(v) = host.get(var) {
            spec.env.insert(var.into(), v.to_string());
        }
    }
    let outcome =
        crate::process::run(&spec, |_| {}, &tokio_util::sync::CancellationToken::new()).await;
    let version = String::from_utf8_lossy(&outcome.stdout)
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(String::from);
    if !outcome.success() && outcome.exit != ExitKind::TimedOut {
        return Availability {
            ready: false,
            reason: format!("`{program} --version` failed: {}", outcome.describe()),
            version,
        };
    }
    let (ready, mut reason) = match creds {
        Ok(found) => (true, uses(&found)),
        Err(why) => (false, why),
    };
    if outcome.exit == ExitKind::TimedOut {
        reason.push_str(&format!(" (`{program} --version` timed out)"));
    }
    Availability {
        ready,
        reason,
        version,
    }
}

/// An API reviewer is ready when it has a model, an endpoint and (where the backend
/// needs one) a key; the reason says which key and which endpoint.
fn api_available(config: &ReviewerConfig, host: &HostEnv) -> Availability {
    if let Some(why) = super::api::missing_model(config) {
        return Availability::not_ready(why);
    }
    match super::api::endpoint(config, host) {
        Ok(endpoint) => Availability {
            ready: true,
            reason: match &endpoint.key_var {
                Some(var) => format!("uses {var} at {}", endpoint.base_url),
                None => format!("no API key needed; {}", endpoint.base_url),
            },
            version: None,
        },
        Err(why) => Availability::not_ready(why),
    }
}

/// [`check_available`], and for a ready API reviewer also a request to its endpoint's
/// model list (`deep-review reviewers --check`): reachable, and the model listed.
pub async fn check_reachable(
    config: &ReviewerConfig,
    host: &HostEnv,
    path_lookup: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
) -> Availability {
    let mut available = check_available(config, host, path_lookup).await;
    if available.ready && super::api::is_api(config.backend) {
        match super::api::check_endpoint(config, host).await {
            Ok(found) => available.reason = format!("{}; {found}", available.reason),
            Err(why) => available = Availability::not_ready(why),
        }
    }
    available
}

/// The executable this reviewer runs, if it runs one: `binary`, else the backend's
/// CLI, else the first word of `command`.
pub fn executable(config: &ReviewerConfig) -> Option<&str> {
    if let Some(binary) = config.binary.as_deref() {
        return Some(binary);
    }
    if config.backend == BackendKind::Command {
        return config.command.first().map(String::as_str);
    }
    needs::of(config.backend).program
}

/// The panel a review runs, and the availability checks made to choose it.
#[derive(Debug, Clone)]
pub struct PanelChoice {
    pub panel: Vec<ReviewerConfig>,
    /// Said once when the default panel is `builtin` alone.
    pub note: Option<String>,
    /// The reviewers whose availability was checked, with the result.
    pub checked: Vec<(ReviewerConfig, Availability)>,
}

/// The configured panel; when none is configured, every agent CLI that is ready here
/// (binary and credentials present) plus `builtin`, with a note when that is `builtin`
/// alone.
pub async fn choose_panel(settings: &Settings) -> PanelChoice {
    if settings.panel_explicit {
        return PanelChoice {
            panel: settings.panel.clone(),
            note: None,
            checked: Vec::new(),
        };
    }
    // A reviewer the files define under the backend's name keeps its settings.
    let agents: Vec<ReviewerConfig> =
        [BackendKind::Claude, BackendKind::Codex, BackendKind::Gemini]
            .into_iter()
            .map(|backend| {
                settings
                    .defined
                    .iter()
                    .find(|r| r.name == backend.as_str())
                    .cloned()
                    .unwrap_or_else(|| ReviewerConfig::new(backend.as_str(), backend))
            })
            .collect();
    let checked: Vec<(ReviewerConfig, Availability)> = agents
        .iter()
        .cloned()
        .zip(check_all(&agents).await)
        .collect();
    let mut panel: Vec<ReviewerConfig> = checked
        .iter()
        .filter(|(_, a)| a.ready)
        .map(|(r, _)| r.clone())
        .collect();
    let builtin = settings
        .defined
        .iter()
        .find(|r| r.backend == BackendKind::Builtin)
        .cloned()
        .unwrap_or_else(|| ReviewerConfig::new("builtin", BackendKind::Builtin));
    let note = panel.is_empty().then(|| {
        "no agent CLI is ready (claude, codex, gemini): reviewing with the builtin reviewer only\n\
         hint: run `deep-review reviewers` to see why, or add a reviewer to deep-review.toml"
            .to_string()
    });
    panel.push(builtin);
    for reviewer in &mut panel {
        reviewer.timeout = reviewer.timeout.min(settings.timeout);
    }
    PanelChoice {
        panel,
        note,
        checked,
    }
}

/// Checks whether each reviewer can run here, all at once (an agent CLI's check runs
/// its `--version`, which can take seconds). Results in the reviewers' order.
pub async fn check_all(reviewers: &[ReviewerConfig]) -> Vec<Availability> {
    check_all_in(reviewers, &HostEnv::capture(), false).await
}

/// [`check_all`] against an explicit host environment (tests pass their own);
/// `network` also asks each ready API reviewer's endpoint ([`check_reachable`]).
pub async fn check_all_in(
    reviewers: &[ReviewerConfig],
    host: &HostEnv,
    network: bool,
) -> Vec<Availability> {
    let host = Arc::new(host.clone());
    let mut tasks = tokio::task::JoinSet::new();
    for (index, reviewer) in reviewers.iter().cloned().enumerate() {
        let host = Arc::clone(&host);
        tasks.spawn(async move {
            let path_var = host.get("PATH").map(str::to_string);
            let lookup = |program: &str| find_on_path(program, path_var.as_deref());
            let available = if network {
                check_reachable(&reviewer, &host, &lookup).await
            } else {
                check_available(&reviewer, &host, &lookup).await
            };
            (index, available)
        });
    }
    let mut results: Vec<Option<Availability>> = vec![None; reviewers.len()];
    while let Some(joined) = tasks.join_next().await {
        if let Ok((index, available)) = joined {
            if let Some(slot) = results.get_mut(index) {
                *slot = Some(available);
            }
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or_else(|| Availability {
                ready: false,
                reason: "the availability check did not finish".to_string(),
                version: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_bin(dir: &Path, name: &str, script: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{script}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    #[tokio::test]
    async fn availability() {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let home = dir.path().join("home");
        std::fs::create_dir_all(home.join(".codex")).unwrap();
        fake_bin(&bin, "claude", "echo '2.1.0 (Claude Code)'");
        fake_bin(&bin, "codex", "echo 'codex-cli 0.50.0'");
        fake_bin(&bin, "gemini", "echo broken >&2; exit 3");
        fake_bin(&bin, "review.sh", "true");
        let path_var = format!("{}:/usr/bin:/bin", bin.display());
        let lookup = |p: &str| find_on_path(p, Some(&path_var));

        let home_var = home.display().to_string();
        let env = HostEnv::from_pairs([
            ("HOME", home_var.as_str()),
            ("PATH", path_var.as_str()),
            ("ANTHROPIC_API_KEY", "sk-test"),
        ]);

        let check = |a: Availability, ready: bool, reason: &str, version: Option<&str>| {
            assert_eq!(
                (a.ready, a.reason.as_str(), a.version.as_deref()),
                (ready, reason, version)
            );
        };

        let claude = ReviewerConfig::new("claude", BackendKind::Claude);
        check(
            check_available(&claude, &env, &lookup).await,
            true,
            "uses ANTHROPIC_API_KEY",
            Some("2.1.0 (Claude Code)"),
        );

        let codex = ReviewerConfig::new("codex", BackendKind::Codex);
        check(
            check_available(&codex, &env, &lookup).await,
            false,
            "no credentials: set OPENAI_API_KEY or run `codex login`",
            Some("codex-cli 0.50.0"),
        );
        std::fs::write(home.join(".codex/auth.json"), "{}").unwrap();
        let a = check_available(&codex, &env, &lookup).await;
        assert!(a.ready, "{a:?}");
        assert!(
            a.reason.starts_with("uses login in ") && a.reason.ends_with("auth.json"),
            "{a:?}"
        );

        let gemini = ReviewerConfig::new("gemini", BackendKind::Gemini);
        check(
            check_available(&gemini, &env, &lookup).await,
            false,
            "`gemini --version` failed: exited with code 3",
            None,
        );

        let mut renamed = ReviewerConfig::new("c2", BackendKind::Codex);
        renamed.binary = Some("codex-nightly".into());
        check(
            check_available(&renamed, &env, &lookup).await,
            false,
            "binary `codex-nightly` not found on PATH",
            None,
        );
        let no_path = |_: &str| None;
        check(
            check_available(&codex, &env, &no_path).await,
            false,
            "binary `codex` not found on PATH",
            None,
        );

        let mut script = ReviewerConfig::new("s", BackendKind::Command);
        script.command = vec!["review.sh".into()];
        let a = check_available(&script, &env, &lookup).await;
        assert!(a.ready && a.reason.ends_with("review.sh"), "{a:?}");
        script.command = vec!["/nonexistent/review.sh".into()];
        check(
            check_available(&script, &env, &lookup).await,
            false,
            "command `/nonexistent/review.sh` not found or not executable",
            None,
        );

        let builtin = ReviewerConfig::new("lint", BackendKind::Builtin);
        assert!(check_available(&builtin, &env, &no_path).await.ready);
        // `import` runs only on a pull request's review, which says so itself.
        let import = ReviewerConfig::new("import", BackendKind::Import);
        let a = check_available(&import, &env, &no_path).await;
        assert!(
            !a.ready && a.reason.starts_with("needs a pull request target (hint: "),
            "{a:?}"
        );

        // API reviewers: ready with a model, an endpoint and (where needed) a key.
        let mut local = ReviewerConfig::new("local", BackendKind::OpenaiCompatible);
        local.model = Some("qwen2.5-coder:14b".into());
        assert!(!check_available(&local, &env, &no_path).await.ready);
        local.base_url = Some("http://127.0.0.1:1/v1".into());
        check(
            check_available(&local, &env, &no_path).await,
            true,
            "no API key needed; http://127.0.0.1:1/v1",
            None,
        );
        local.api_key_env = Some("OLLAMA_API_KEY".into());
        check(
            check_available(&local, &env, &no_path).await,
            false,
            "no credentials: set OLLAMA_API_KEY",
            None,
        );

        let mut openai = ReviewerConfig::new("o", BackendKind::Openai);
        openai.model = Some("gpt-5".into());
        check(
            check_available(&openai, &env, &no_path).await,
            false,
            "no credentials: set OPENAI_API_KEY",
            None,
        );
        let mut anthropic = ReviewerConfig::new("a", BackendKind::Anthropic);
        check(
            check_available(&anthropic, &env, &no_path).await,
            false,
            "no model: set `model` in [reviewers.a] (e.g. \"claude-sonnet-4-5\")",
            None,
        );
        anthropic.model = Some("claude-sonnet-4-5".into());
        check(
            check_available(&anthropic, &env, &no_path).await,
            true,
            "uses ANTHROPIC_API_KEY at https://api.anthropic.com",
            None,
        );
    }

    #[test]
    fn the_sandbox_state_says_what_the_kernel_enforces() {
        use crate::sandbox::Support;
        let launcher = Some(Path::new("/bin/deep-review-sandbox"));
        let mut script = ReviewerConfig::new("s", BackendKind::Command);
        script.command = vec!["review.sh".into()];
        let mut builtin = ReviewerConfig::new("lint", BackendKind::Builtin);
        let state = |c: &ReviewerConfig, l: Option<&Path>, s: Support| {
            sandbox_state(c, l, s).unwrap_or_default()
        };
        assert!(state(&script, launcher, Support::Filesystem).starts_with("sandboxed"));
        assert!(state(&script, launcher, Support::None)
            .starts_with("not sandboxed: the kernel has no Landlock"));
        assert!(state(&script, None, Support::FilesystemAndNetwork)
            .starts_with("not sandboxed: the `deep-review-sandbox` launcher"));
        assert_eq!(
            state(&builtin, launcher, Support::FilesystemAndNetwork),
            "clippy and eslint sandboxed (Landlock, no network)"
        );
        assert!(state(&builtin, launcher, Support::Filesystem).contains("cannot deny network"));
        assert!(state(&builtin, launcher, Support::None).contains("skipped"));
        builtin.trust_code = true;
        assert!(state(&builtin, launcher, Support::None).contains("unconfined"));
        let claude = ReviewerConfig::new("c", BackendKind::Claude);
        assert!(state(&claude, launcher, Support::Filesystem).starts_with("sandboxed"));
        assert!(state(&claude, launcher, Support::None).starts_with("not sandboxed"));
        let codex = ReviewerConfig::new("x", BackendKind::Codex);
        assert_eq!(sandbox_state(&codex, launcher, Support::Filesystem), None);
    }
}
