//! What each backend needs from the host, declared once.
//!
//! A backend module declares a [`HostNeeds`]: the program it runs, the variables that
//! hold its credentials and endpoint, and the login files that make it usable without
//! a key. Three things read that one declaration, so they cannot drift apart:
//!
//! - the readiness check ([`super::ready`]): a reviewer is ready when one of these is
//!   present;
//! - the environment a reviewer process gets ([`credential_env`]): every credential
//!   that made it ready is passed on, under the name the program reads;
//! - the login copy into the per-run home ([`copy_login`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::env::HostEnv;
use crate::config::{BackendKind, ReviewerConfig};

/// What one backend needs from the host.
#[derive(Debug, Clone, Copy)]
pub struct HostNeeds {
    /// The program run when `binary` is not set (the agent CLIs).
    pub program: Option<&'static str>,
    /// Variables holding a credential, in order of preference; each that is set is
    /// passed on under its own name.
    pub key_vars: &'static [&'static str],
    /// Credentials the program reads under another name: `(host variable, variable the
    /// process gets)`, used when the target is not set itself (`GOOGLE_API_KEY` →
    /// `GEMINI_API_KEY`).
    pub key_aliases: &'static [(&'static str, &'static str)],
    /// The variable the process reads its API key from: where the value of a
    /// configured `api_key_env` goes.
    pub key_target: Option<&'static str>,
    /// The endpoint variable: passed on when set, and set from `base_url`.
    pub base_url_var: Option<&'static str>,
    /// A login file that makes the backend usable without a key, and where its copy
    /// goes in the per-run directory.
    pub login: Option<Login>,
    /// Whether a configured `base_url` makes the login useless (a custom endpoint
    /// needs a key).
    pub login_needs_default_endpoint: bool,
    /// What to tell the user when no credential is found.
    pub hint: &'static str,
}

impl HostNeeds {
    /// A backend that needs nothing from the host (`builtin`, `command`, `import`).
    pub const NOTHING: HostNeeds = HostNeeds {
        program: None,
        key_vars: &[],
        key_aliases: &[],
        key_target: None,
        base_url_var: None,
        login: None,
        login_needs_default_endpoint: false,
        hint: "",
    };

    /// Whether this backend uses credentials at all.
    pub fn uses_credentials(&self) -> bool {
        !self.key_vars.is_empty() || self.login.is_some()
    }
}

/// A login file: `<dir>/<file>`, where `dir` is `$dir_var` when set, else
/// `$HOME/<home_dir>`; copied to `<run dir>/<copy_to>`.
#[derive(Debug, Clone, Copy)]
pub struct Login {
    /// Shown in notes: "used the Claude Code login".
    pub what: &'static str,
    pub dir_var: Option<&'static str>,
    pub home_dir: &'static str,
    pub file: &'static str,
    pub copy_to: &'static str,
}

impl Login {
    /// The login file on this host, when it exists.
    pub fn find(&self, host: &HostEnv) -> Option<PathBuf> {
        let dir = self
            .dir_var
            .and_then(|var| host.get(var))
            .filter(|d| !d.is_empty())
            .map(PathBuf::from)
            .or_else(|| {
                host.get("HOME")
                    .filter(|h| !h.is_empty())
                    .map(|h| Path::new(h).join(self.home_dir))
            })?;
        Some(dir.join(self.file)).filter(|p| p.is_file())
    }
}

/// The declaration of `backend`. The API backends' needs are declared here (they are
/// key and endpoint variables only, no program or login) and read by
/// [`super::api::endpoint`].
pub fn of(backend: BackendKind) -> HostNeeds {
    match backend {
        BackendKind::Claude => super::claude::NEEDS,
        BackendKind::Codex => super::codex::NEEDS,
        BackendKind::Gemini => super::gemini::NEEDS,
        BackendKind::Anthropic => api(&["ANTHROPIC_API_KEY"], "ANTHROPIC_BASE_URL"),
        BackendKind::Openai => api(&["OPENAI_API_KEY"], "OPENAI_BASE_URL"),
        BackendKind::GeminiApi => HostNeeds {
            key_aliases: &[("GOOGLE_API_KEY", "GEMINI_API_KEY")],
            ..api(&["GEMINI_API_KEY"], "GOOGLE_GEMINI_BASE_URL")
        },
        BackendKind::OpenaiCompatible => HostNeeds {
            base_url_var: Some("OPENAI_BASE_URL"),
            hint: "set `api_key_env` in the reviewer's table",
            ..HostNeeds::NOTHING
        },
        BackendKind::Command | BackendKind::Builtin | BackendKind::Import => HostNeeds::NOTHING,
    }
}

const fn api(key_vars: &'static [&'static str], base_url_var: &'static str) -> HostNeeds {
    HostNeeds {
        key_vars,
        base_url_var: Some(base_url_var),
        ..HostNeeds::NOTHING
    }
}

/// Where a reviewer's credential comes from, as the readiness check found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// This host variable is set.
    Var(String),
    /// This login file exists.
    LoginFile(PathBuf),
    /// The backend needs none.
    NotNeeded,
}

/// Finds the credential `config` would run with, or says what to set. The same order
/// as [`credential_env`] passes them on.
pub fn find_credential(config: &ReviewerConfig, host: &HostEnv) -> Result<Credential, String> {
    let needs = of(config.backend);
    let set = |var: &str| host.get(var).is_some_and(|v| !v.trim().is_empty());
    if let Some(var) = config.api_key_env.as_deref() {
        return if set(var) {
            Ok(Credential::Var(var.to_string()))
        } else {
            Err(format!("no credentials: set {var}"))
        };
    }
    if !needs.uses_credentials() {
        return Ok(Credential::NotNeeded);
    }
    let aliases = needs.key_aliases.iter().map(|(from, _)| from);
    if let Some(var) = needs.key_vars.iter().chain(aliases).find(|v| set(v)) {
        return Ok(Credential::Var((*var).to_string()));
    }
    if let Some(file) = usable_login(config, &needs).and_then(|l| l.find(host)) {
        return Ok(Credential::LoginFile(file));
    }
    let hint = if needs.hint.is_empty() {
        format!("set {}", needs.key_vars.join(" or "))
    } else {
        needs.hint.to_string()
    };
    Err(format!("no credentials: {hint}"))
}

/// The login this reviewer may fall back on.
fn usable_login(config: &ReviewerConfig, needs: &HostNeeds) -> Option<Login> {
    let custom_endpoint = config.base_url.is_some();
    needs
        .login
        .filter(|_| !(custom_endpoint && needs.login_needs_default_endpoint))
}

/// Adds the backend's credential and endpoint variables to a reviewer's environment:
/// every key variable that is set, aliases under the name the program reads, the
/// configured `api_key_env` as the program's key variable, and `base_url`.
pub fn credential_env(
    vars: &mut BTreeMap<String, String>,
    config: &ReviewerConfig,
    host: &HostEnv,
) {
    let needs = of(config.backend);
    let mut pass = |from: &str, to: &str| {
        if let Some(value) = host.get(from).filter(|v| !v.trim().is_empty()) {
            vars.insert(to.to_string(), value.to_string());
        }
    };
    for var in needs.key_vars.iter().chain(needs.base_url_var.iter()) {
        pass(var, var);
    }
    for (from, to) in needs.key_aliases {
        if host.get(to).is_none_or(|v| v.trim().is_empty()) {
            pass(from, to);
        }
    }
    if let (Some(var), Some(target)) = (config.api_key_env.as_deref(), needs.key_target) {
        pass(var, target);
    }
    if let (Some(url), Some(var)) = (&config.base_url, needs.base_url_var) {
        vars.insert(var.to_string(), url.clone());
    }
}

/// With no key in the reviewer's environment `vars`, copies the backend's login file
/// into `run_dir` so a subscription login keeps working. Returns whether it did.
pub fn copy_login(
    config: &ReviewerConfig,
    vars: &BTreeMap<String, String>,
    host: &HostEnv,
    run_dir: &Path,
    notes: &mut Vec<String>,
) -> bool {
    let needs = of(config.backend);
    let keyed = needs
        .key_vars
        .iter()
        .chain(needs.key_target.iter())
        .chain(needs.key_aliases.iter().map(|(_, to)| to))
        .any(|k| vars.contains_key(*k));
    let Some(login) = usable_login(config, &needs).filter(|_| !keyed) else {
        return false;
    };
    let Some(from) = login.find(host) else {
        return false;
    };
    let to = run_dir.join(login.copy_to);
    if let Some(parent) = to.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    match std::fs::copy(&from, &to) {
        Ok(_) => {
            notes.push(format!("used the {} login (no API key set)", login.what));
            true
        }
        Err(e) => {
            notes.push(format!("cannot copy {}: {e}", from.display()));
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(pairs: &[(&str, &str)]) -> HostEnv {
        HostEnv::from_pairs(pairs.iter().copied())
    }

    /// Every agent backend: whatever the readiness check accepts as a credential
    /// reaches the process, under a name the program reads.
    #[test]
    fn a_ready_reviewer_receives_what_made_it_ready() {
        let cases: &[(BackendKind, &str, &str)] = &[
            (
                BackendKind::Claude,
                "ANTHROPIC_API_KEY",
                "ANTHROPIC_API_KEY",
            ),
            (
                BackendKind::Claude,
                "ANTHROPIC_AUTH_TOKEN",
                "ANTHROPIC_AUTH_TOKEN",
            ),
            (
                BackendKind::Claude,
                "CLAUDE_CODE_OAUTH_TOKEN",
                "CLAUDE_CODE_OAUTH_TOKEN",
            ),
            (BackendKind::Codex, "OPENAI_API_KEY", "OPENAI_API_KEY"),
            (BackendKind::Codex, "CODEX_API_KEY", "CODEX_API_KEY"),
            (BackendKind::Gemini, "GEMINI_API_KEY", "GEMINI_API_KEY"),
            (BackendKind::Gemini, "GOOGLE_API_KEY", "GEMINI_API_KEY"),
        ];
        for &(backend, var, received_as) in cases {
            let config = ReviewerConfig::new(backend.as_str(), backend);
            let host = host(&[(var, "secret-value")]);
            assert_eq!(
                find_credential(&config, &host),
                Ok(Credential::Var(var.to_string())),
                "{backend:?} {var}"
            );
            let mut vars = BTreeMap::new();
            credential_env(&mut vars, &config, &host);
            assert_eq!(
                vars.get(received_as).map(String::as_str),
                Some("secret-value"),
                "{backend:?} with {var}: {vars:?}"
            );
        }
    }

    /// A login file that makes a reviewer ready is the one copied into its run.
    #[test]
    fn a_ready_login_is_the_login_copied() {
        for backend in [BackendKind::Claude, BackendKind::Codex, BackendKind::Gemini] {
            let dir = tempfile::tempdir().unwrap();
            let home = dir.path().join("home");
            let login = of(backend).login.unwrap();
            let file = home.join(login.home_dir).join(login.file);
            std::fs::create_dir_all(file.parent().unwrap()).unwrap();
            std::fs::write(&file, "{}").unwrap();
            let host = host(&[("HOME", home.to_str().unwrap())]);
            let config = ReviewerConfig::new(backend.as_str(), backend);
            assert_eq!(
                find_credential(&config, &host),
                Ok(Credential::LoginFile(file.clone()))
            );
            let run_dir = dir.path().join("run");
            let mut notes = Vec::new();
            assert!(copy_login(
                &config,
                &BTreeMap::new(),
                &host,
                &run_dir,
                &mut notes
            ));
            assert!(run_dir.join(login.copy_to).is_file(), "{backend:?}");
        }
    }

    /// `~/.claude.json` is Claude Code's settings, not a login: it alone is not ready.
    #[test]
    fn claude_settings_file_is_not_a_login() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".claude.json"), "{}").unwrap();
        let host = host(&[("HOME", dir.path().to_str().unwrap())]);
        let config = ReviewerConfig::new("claude", BackendKind::Claude);
        assert!(find_credential(&config, &host).is_err());
    }

    #[test]
    fn a_configured_key_variable_goes_to_the_programs_key() {
        let mut config = ReviewerConfig::new("g", BackendKind::Gemini);
        config.api_key_env = Some("MY_GEMINI".into());
        let host = host(&[("MY_GEMINI", "k")]);
        let mut vars = BTreeMap::new();
        credential_env(&mut vars, &config, &host);
        assert_eq!(vars.get("GEMINI_API_KEY").map(String::as_str), Some("k"));
        assert!(!vars.contains_key("MY_GEMINI"));
    }
}
