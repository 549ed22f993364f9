//! A pull request's revisions in a local repository (the user's clone, or a cached bare
//! [`mirror`](super::mirror)): its head (`refs/pull/N/head`) and its base branch fetched
//! from the `clone_url` the API gives into a private ref namespace
//! (`refs/deep-review/pull/N/…`), so the review runs on them like on a local branch
//! without touching the user's branches, index or working tree. A private repository's
//! fetch authenticates with the API's token ([`GitAuth`]), passed to git in its
//! environment only.

use std::path::Path;

use super::client::Token;
use super::model::PullRequest;
use super::target::Host;
use crate::git::git_command;
use crate::target::TargetError;

/// Where a fetched pull request's revisions are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedPr {
    /// `refs/deep-review/pull/N/head`.
    pub head_ref: String,
    /// `refs/deep-review/pull/N/base`: the base branch as fetched.
    pub base_ref: String,
}

/// The private refs of pull request `number`.
pub fn private_refs(number: u64) -> (String, String) {
    (
        format!("refs/deep-review/pull/{number}/head"),
        format!("refs/deep-review/pull/{number}/base"),
    )
}

/// The credentials a fetch may send: the token the API is read with, only to the hosts
/// it belongs to (the repository's and the API's), only over https (plain http to a
/// loopback address too, for local servers).
#[derive(Debug, Clone)]
pub struct GitAuth {
    token: Token,
    hosts: Vec<String>,
    /// The caller's `GIT_CONFIG_COUNT`: entries of its own the header goes after.
    config_count: usize,
}

impl GitAuth {
    /// `token` for the repository on `repo_host` whose API is at `api_url`; `env` reads
    /// the caller's environment (`GIT_CONFIG_COUNT`).
    pub fn new(
        token: Token,
        repo_host: &Host,
        api_url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> GitAuth {
        let mut hosts = vec![repo_host.0.to_ascii_lowercase()];
        if let Some((_, host, _)) = url_parts(api_url) {
            hosts.push(host.to_ascii_lowercase());
        }
        let config_count = env("GIT_CONFIG_COUNT")
            .and_then(|n| n.trim().parse::<usize>().ok())
            .unwrap_or(0);
        GitAuth {
            token,
            hosts,
            config_count,
        }
    }

    /// The environment that makes `git fetch <url>` send the token:
    /// `http.<url>.extraHeader` through `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/
    /// `GIT_CONFIG_VALUE_n`, after the caller's own `GIT_CONFIG_COUNT` entries. The first entry empties the header list so a
    /// header a clone already has (actions/checkout's) is not sent twice — GitHub
    /// refuses a duplicate `Authorization`. Empty for a URL the token must not go to.
    pub fn env_for(&self, url: &str) -> Vec<(String, String)> {
        let Some((scheme, host, userinfo)) = url_parts(url) else {
            return Vec::new();
        };
        let host = host.to_ascii_lowercase();
        let transport_ok = scheme == "https" || (scheme == "http" && is_loopback(&host));
        if !transport_ok || userinfo || !self.hosts.contains(&host) {
            return Vec::new();
        }
        let first = self.config_count;
        let key = format!("http.{url}.extraHeader");
        let entries = [(key.clone(), String::new()), (key, self.token.git_header())];
        let mut env: Vec<(String, String)> = entries
            .into_iter()
            .enumerate()
            .flat_map(|(i, (key, value))| {
                [
                    (format!("GIT_CONFIG_KEY_{}", first + i), key),
                    (format!("GIT_CONFIG_VALUE_{}", first + i), value),
                ]
            })
            .collect();
        env.push(("GIT_CONFIG_COUNT".into(), (first + 2).to_string()));
        env
    }
}

/// `(scheme, host[:port], has userinfo)` of `scheme://[userinfo@]host[:port]/…`.
fn url_parts(url: &str) -> Option<(String, &str, bool)> {
    let (scheme, rest) = url.trim().split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (userinfo, host) = match authority.rsplit_once('@') {
        Some((_, host)) => (true, host),
        None => (false, authority),
    };
    (!host.is_empty()).then(|| (scheme.to_ascii_lowercase(), host, userinfo))
}

fn is_loopback(host: &str) -> bool {
    let name = if host.starts_with('[') {
        host.split(']').next().map(|h| &h[1..]).unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Fetches the pull request's head and base branch into `repo_root`'s object store
/// under [`private_refs`], authenticating with `auth` where [`GitAuth::env_for`]
/// allows (else the clone URL must be reachable as the user's git is set up: a public
/// repository, a credential helper, a local path).
pub fn fetch_into(
    repo_root: &Path,
    pr: &PullRequest,
    auth: Option<&GitAuth>,
) -> Result<FetchedPr, TargetError> {
    let (head_ref, base_ref) = private_refs(pr.number);
    let base_branch = pr.base.ref_name.trim_start_matches("refs/heads/");
    if base_branch.is_empty() || base_branch.starts_with('-') || pr.clone_url.starts_with('-') {
        return Err(TargetError::Git {
            args: "fetch".into(),
            stderr: format!(
                "the pull request's clone URL or base branch is not usable ({:?}, {:?})",
                pr.clone_url, pr.base.ref_name
            ),
        });
    }
    let head_spec = format!("+refs/pull/{}/head:{head_ref}", pr.number);
    let base_spec = format!("+refs/heads/{base_branch}:{base_ref}");
    let args = [
        "fetch",
        "--quiet",
        "--no-tags",
        "--no-write-fetch-head",
        "--",
        pr.clone_url.as_str(),
        head_spec.as_str(),
        base_spec.as_str(),
    ];
    let env = auth.map(|a| a.env_for(&pr.clone_url)).unwrap_or_default();
    let out = git_command(repo_root)
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        // Curl traces (GIT_TRACE_CURL) leave the Authorization header out.
        .env("GIT_TRACE_REDACT", "1")
        .output()
        .map_err(TargetError::GitMissing)?;
    if out.status.success() {
        return Ok(FetchedPr { head_ref, base_ref });
    }
    let mut stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
    if let Some(auth) = auth {
        stderr = auth.token.mask(&stderr);
    }
    let denied = [
        "Authentication failed",
        "could not read Username",
        "403",
        "401",
    ]
    .iter()
    .any(|s| stderr.contains(s))
        || (stderr.contains("not found") && pr.clone_url.starts_with("http"));
    if denied {
        stderr.push_str(if env.is_empty() {
            "\nhint: a private repository needs a token: set GITHUB_TOKEN (or GH_TOKEN, or log in with `gh auth login`)"
        } else {
            "\nhint: the token in GITHUB_TOKEN / GH_TOKEN / `gh auth token` cannot read this repository; use one with read access to its contents"
        });
    }
    Err(TargetError::Git {
        args: args.join(" "),
        stderr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth() -> GitAuth {
        GitAuth::new(
            Token::new("ghp_secret_0123").unwrap(),
            &Host::github_com(),
            "https://api.github.com",
            |_| None,
        )
    }

    fn value_of<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
        env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    #[test]
    fn https_on_the_token_host_gets_the_header_in_the_environment() {
        let url = "https://github.com/octo/private.git";
        let env = auth().env_for(url);
        assert_eq!(value_of(&env, "GIT_CONFIG_COUNT"), Some("2"));
        let key = format!("http.{url}.extraHeader");
        assert_eq!(value_of(&env, "GIT_CONFIG_KEY_0"), Some(key.as_str()));
        assert_eq!(value_of(&env, "GIT_CONFIG_VALUE_0"), Some(""));
        assert_eq!(value_of(&env, "GIT_CONFIG_KEY_1"), Some(key.as_str()));
        let header = value_of(&env, "GIT_CONFIG_VALUE_1").unwrap();
        assert!(header.starts_with("Authorization: Basic "), "{header}");
        // The header carries the token encoded, never in the clear; no key does.
        assert!(!header.contains("ghp_secret"), "{header}");
        assert!(env.iter().all(|(k, _)| !k.contains("ghp_secret")));
        // After entries the caller's environment already has.
        let three = GitAuth::new(
            Token::new("t").unwrap(),
            &Host::github_com(),
            "https://api.github.com",
            |name| (name == "GIT_CONFIG_COUNT").then(|| "3".to_string()),
        );
        let env = three.env_for(url);
        assert_eq!(value_of(&env, "GIT_CONFIG_COUNT"), Some("5"));
        assert!(value_of(&env, "GIT_CONFIG_KEY_3").is_some());
        assert!(value_of(&env, "GIT_CONFIG_KEY_0").is_none());
        // The API's own host (Enterprise, a local server) counts as the token's too.
        let ghe = GitAuth::new(
            Token::new("t").unwrap(),
            &Host("ghe.example.com".into()),
            "http://127.0.0.1:8080/api/v3",
            |_| None,
        );
        assert!(!ghe.env_for("https://GHE.example.com/a/b.git").is_empty());
        assert!(!ghe.env_for("http://127.0.0.1:8080/a/b.git").is_empty());
    }

    #[test]
    fn no_header_for_other_urls() {
        let auth = auth();
        for url in [
            "file:///srv/git/octo/hello.git",
            "/srv/git/octo/hello.git",
            "../hello.git",
            "git@github.com:octo/hello.git",
            "ssh://git@github.com/octo/hello.git",
            // Plain http, away from this machine.
            "http://github.com/octo/hello.git",
            // Another host, or one that only starts like ours.
            "https://gitlab.com/octo/hello.git",
            "https://github.com.evil.example/octo/hello.git",
            "https://evil.example/github.com/hello.git",
            // The URL carries its own credentials.
            "https://user:pw@github.com/octo/hello.git",
        ] {
            assert!(auth.env_for(url).is_empty(), "{url}");
        }
    }

    #[test]
    fn loopback_hosts() {
        for host in ["127.0.0.1:80", "localhost", "localhost:9", "[::1]:8080"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in ["127.evil.example", "example.com", "[::2]:1", "10.0.0.1"] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
