//! The environment a reviewer gets: an allow-list, never our whole environment.
//!
//! Every variable a reviewer can see is named in this module:
//!
//! - [`PASSED_ON`]: taken from our environment when set (`PATH`, locale, `TMPDIR`, `USER`);
//! - `HOME`: a per-run temporary home (and `TMPDIR`) for `command` reviewers and agent
//!   CLIs alike, so they neither read nor write the user's own configuration (a
//!   reviewer's configured `env.HOME` passes one through explicitly);
//! - `TERM=dumb`, always;
//! - each backend's own credentials and endpoint variables, as its [`HostNeeds`](super::needs::HostNeeds)
//!   declares them (added by [`super::needs::credential_env`]);
//! - for `command` reviewers the `DEEP_REVIEW_*` variables of SPEC section 5;
//! - last, the reviewer's configured `env`, which wins over everything above (it is how a
//!   user, or a test, sets `PATH` for one reviewer).

use std::collections::BTreeMap;
use std::path::Path;

/// Taken from our environment when set.
pub const PASSED_ON: &[&str] = &["PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "USER"];

/// Variables set for Claude Code so it makes no call but the model's (telemetry, update
/// checks, error reports, bootstrap) and gives up on a failing API quickly.
pub const CLAUDE_QUIET: &[(&str, &str)] = &[
    ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
    ("DISABLE_TELEMETRY", "1"),
    ("DISABLE_AUTOUPDATER", "1"),
    ("DISABLE_ERROR_REPORTING", "1"),
    ("CLAUDE_CODE_MAX_RETRIES", "2"),
];

/// A snapshot of the environment the runner reads from (ours, or a test's).
#[derive(Debug, Clone, Default)]
pub struct HostEnv {
    vars: BTreeMap<String, String>,
}

impl HostEnv {
    /// Our own process environment (variables that are not UTF-8 are left out).
    pub fn capture() -> Self {
        HostEnv {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        HostEnv {
            vars: pairs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }
}

/// The allow-listed base every reviewer starts from. `run_dir` is the reviewer's per-run
/// directory: `HOME=<run_dir>/home`, `TMPDIR=<run_dir>/tmp`, so what it leaves behind is
/// deleted with the directory and the user's own home is never its home.
pub fn base(host: &HostEnv, run_dir: &Path) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    pass_on(&mut env, host, PASSED_ON);
    env.insert(
        "HOME".to_string(),
        run_dir.join("home").display().to_string(),
    );
    env.insert(
        "TMPDIR".to_string(),
        run_dir.join("tmp").display().to_string(),
    );
    env.insert("TERM".to_string(), "dumb".to_string());
    env
}

/// Copies `names` from `host` into `env`, those that are set.
pub fn pass_on(env: &mut BTreeMap<String, String>, host: &HostEnv, names: &[&str]) {
    for name in names {
        if let Some(value) = host.get(name) {
            env.insert((*name).to_string(), value.to_string());
        }
    }
}

/// Sets `target` to the value of the host variable `source`, when `source` is set.
pub fn copy_as(env: &mut BTreeMap<String, String>, host: &HostEnv, source: &str, target: &str) {
    if let Some(value) = host.get(source) {
        env.insert(target.to_string(), value.to_string());
    }
}

/// Applies the reviewer's configured variables, which win.
pub fn apply_configured(env: &mut BTreeMap<String, String>, configured: &BTreeMap<String, String>) {
    for (k, v) in configured {
        env.insert(k.clone(), v.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> HostEnv {
        HostEnv::from_pairs([
            ("PATH", "/usr/bin:/bin"),
            ("HOME", "/home/me"),
            ("LANG", "C.UTF-8"),
            ("TERM", "xterm-256color"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("GITHUB_TOKEN", "ghp_x"),
        ])
    }

    fn check(run_dir: &Path, expected: &[(&str, &str)]) {
        let env = base(&host(), run_dir);
        let got: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn base_keeps_only_the_allow_list() {
        check(
            Path::new("/tmp/run-1"),
            &[
                ("HOME", "/tmp/run-1/home"),
                ("LANG", "C.UTF-8"),
                ("PATH", "/usr/bin:/bin"),
                ("TERM", "dumb"),
                ("TMPDIR", "/tmp/run-1/tmp"),
            ],
        );
    }

    #[test]
    fn configured_variables_win() {
        let mut env = base(&host(), Path::new("/tmp/run-1"));
        let configured = BTreeMap::from([("PATH".to_string(), "/fake:/bin".to_string())]);
        apply_configured(&mut env, &configured);
        assert_eq!(env.get("PATH").map(String::as_str), Some("/fake:/bin"));
    }

    #[test]
    fn credentials_are_passed_only_when_set() {
        let host = HostEnv::from_pairs([("ANTHROPIC_API_KEY", "k"), ("MY_KEY", "m")]);
        let mut env = BTreeMap::new();
        pass_on(
            &mut env,
            &host,
            &["ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"],
        );
        copy_as(&mut env, &host, "MY_KEY", "GEMINI_API_KEY");
        copy_as(&mut env, &host, "UNSET", "OPENAI_API_KEY");
        assert_eq!(
            env.into_iter().collect::<Vec<_>>(),
            vec![
                ("ANTHROPIC_API_KEY".to_string(), "k".to_string()),
                ("GEMINI_API_KEY".to_string(), "m".to_string()),
            ]
        );
    }
}
