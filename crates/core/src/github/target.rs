//! Naming a pull request: `owner/repo#N`, a pull request's web address (github.com or
//! a GitHub Enterprise host), or a bare number with the repository read from the
//! `origin` remote's URL. Pure: reading the remote is the caller's IO.

use std::fmt;

/// The host a repository lives on: `github.com` or an Enterprise host name (with its
/// port when it has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host(pub String);

impl Host {
    pub fn github_com() -> Host {
        Host("github.com".to_string())
    }

    pub fn is_github_com(&self) -> bool {
        self.0.eq_ignore_ascii_case("github.com") || self.0.eq_ignore_ascii_case("www.github.com")
    }
}

/// A repository on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoRef {
    pub host: Host,
    pub owner: String,
    pub repo: String,
}

/// A pull request of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrRef {
    pub repo: RepoRef,
    pub number: u64,
}

impl fmt::Display for PrRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}#{}", self.repo.owner, self.repo.repo, self.number)
    }
}

impl RepoRef {
    /// This repository's pull request `number`.
    pub fn pr(self, number: u64) -> PrRef {
        PrRef { repo: self, number }
    }
}

/// Why a pull request reference could not be read; each says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("`{0}` is not a pull request\nhint: write owner/repo#123 or https://github.com/owner/repo/pull/123")]
    NotAPullRequest(String),
    #[error("`{0}` is not a pull request number\nhint: write a positive number after `#` or `/pull/`, e.g. owner/repo#123")]
    BadNumber(String),
    #[error("`{0}` is not a valid GitHub owner or repository name\nhint: owners use letters, digits and `-`; repositories also `.` and `_`")]
    BadName(String),
    #[error("the remote URL `{0}` does not name a repository\nhint: pass the pull request as owner/repo#N, or set `origin` to https://github.com/owner/repo.git")]
    BadRemote(String),
}

/// Reads `owner/repo#N` or a pull request URL
/// (`https://HOST/owner/repo/pull/N`, anything after the number ignored:
/// `/files`, `#discussion_r1`, `?w=1`).
pub fn parse_pr(text: &str) -> Result<PrRef, TargetError> {
    let text = text.trim();
    if let Some(rest) = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
    {
        return parse_pr_url(text, rest);
    }
    let Some((repo, number)) = text.split_once('#') else {
        return Err(TargetError::NotAPullRequest(text.to_string()));
    };
    let Some((owner, name)) = repo.split_once('/') else {
        return Err(TargetError::NotAPullRequest(text.to_string()));
    };
    Ok(PrRef {
        repo: repo_ref(Host::github_com(), owner, name)?,
        number: parse_number(number)?,
    })
}

fn parse_pr_url(text: &str, rest: &str) -> Result<PrRef, TargetError> {
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let mut parts = rest.split('/');
    let host = parts.next().unwrap_or_default();
    let segments: Vec<&str> = parts.collect();
    let (owner, name, pull, number) = match segments.as_slice() {
        [owner, name, pull, number, ..] => (*owner, *name, *pull, *number),
        _ => return Err(TargetError::NotAPullRequest(text.to_string())),
    };
    if host.is_empty() || (pull != "pull" && pull != "pulls") {
        return Err(TargetError::NotAPullRequest(text.to_string()));
    }
    let host = Host(host.to_ascii_lowercase());
    let host = if host.0 == "www.github.com" {
        Host::github_com()
    } else {
        host
    };
    Ok(PrRef {
        repo: repo_ref(host, owner, name)?,
        number: parse_number(number)?,
    })
}

/// The repository an `origin` remote points at: `https://HOST/owner/repo(.git)`,
/// `git@HOST:owner/repo(.git)` or `ssh://git@HOST(:port)/owner/repo(.git)`.
pub fn repo_from_remote(url: &str) -> Result<RepoRef, TargetError> {
    let url = url.trim();
    let bad = || TargetError::BadRemote(without_userinfo(url));
    let (host, path) = if let Some((scheme, rest)) = url.split_once("://") {
        if !matches!(scheme, "https" | "http" | "ssh" | "git") {
            return Err(bad());
        }
        let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
        let host = authority.rsplit('@').next().unwrap_or(authority);
        // An ssh port is not part of the host's name; an https one is.
        let host = if scheme == "ssh" {
            host.split(':').next().unwrap_or(host)
        } else {
            host
        };
        (host, path)
    } else if let Some((user_host, path)) = url.split_once(':') {
        // scp-like: [user@]host:owner/repo
        if path.starts_with('/') || user_host.contains('/') {
            return Err(bad());
        }
        (user_host.rsplit('@').next().unwrap_or(user_host), path)
    } else {
        return Err(bad());
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let (owner, name) = path.split_once('/').ok_or_else(bad)?;
    if host.is_empty() || name.contains('/') {
        return Err(bad());
    }
    let host = Host(host.to_ascii_lowercase());
    repo_ref(host, owner, name).map_err(|_| bad())
}

/// `url` without a `user:password@` part, for messages: a remote URL may carry a token.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            match authority.rsplit_once('@') {
                Some((_, host)) => format!("{scheme}://***@{host}/{path}"),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

fn parse_number(text: &str) -> Result<u64, TargetError> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(TargetError::BadNumber(text.to_string())),
    }
}

fn repo_ref(host: Host, owner: &str, name: &str) -> Result<RepoRef, TargetError> {
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && !owner.starts_with('-')
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !owner_ok {
        return Err(TargetError::BadName(owner.to_string()));
    }
    let name_ok = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !name_ok {
        return Err(TargetError::BadName(name.to_string()));
    }
    Ok(RepoRef {
        host,
        owner: owner.to_string(),
        repo: name.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(host: &str, owner: &str, repo: &str, number: u64) -> PrRef {
        PrRef {
            repo: RepoRef {
                host: Host(host.to_string()),
                owner: owner.to_string(),
                repo: repo.to_string(),
            },
            number,
        }
    }

    #[test]
    fn good_pull_request_references() {
        let cases = [
            ("octo/hello#12", pr("github.com", "octo", "hello", 12)),
            (" octo/hello.rs#7 ", pr("github.com", "octo", "hello.rs", 7)),
            (
                "https://github.com/octo/hello/pull/12",
                pr("github.com", "octo", "hello", 12),
            ),
            (
                "https://www.github.com/octo/hello/pull/12/files?w=1",
                pr("github.com", "octo", "hello", 12),
            ),
            (
                "https://github.com/octo/hello/pull/12#discussion_r99",
                pr("github.com", "octo", "hello", 12),
            ),
            (
                "https://GHE.example.com/team/svc/pull/3",
                pr("ghe.example.com", "team", "svc", 3),
            ),
            (
                "http://127.0.0.1:8080/o/r/pull/1",
                pr("127.0.0.1:8080", "o", "r", 1),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_pr(text), Ok(want), "{text}");
        }
        assert_eq!(
            parse_pr("octo/hello#12").map(|p| p.to_string()),
            Ok("octo/hello#12".to_string())
        );
    }

    #[test]
    fn bad_pull_request_references_say_what_to_write() {
        let cases = [
            ("octo/hello", "is not a pull request"),
            ("hello#12", "is not a pull request"),
            ("octo/hello#", "is not a pull request number"),
            ("octo/hello#0", "is not a pull request number"),
            ("octo/hello#+3", "is not a pull request number"),
            ("octo/hello#12a", "is not a pull request number"),
            (
                "octo/he llo#12",
                "not a valid GitHub owner or repository name",
            ),
            (
                "-octo/hello#12",
                "not a valid GitHub owner or repository name",
            ),
            ("octo/..#12", "not a valid GitHub owner or repository name"),
            ("https://github.com/octo/hello", "is not a pull request"),
            (
                "https://github.com/octo/hello/issues/12",
                "is not a pull request",
            ),
            (
                "https://github.com/octo/hello/pull/x",
                "is not a pull request number",
            ),
        ];
        for (text, want) in cases {
            let message = match parse_pr(text) {
                Ok(p) => panic!("{text} read as {p:?}"),
                Err(e) => e.to_string(),
            };
            assert!(message.contains(want), "{text}: {message}");
            assert!(message.contains("hint: "), "{text}: {message}");
        }
    }

    #[test]
    fn repositories_from_remote_urls() {
        let repo = |host: &str, owner: &str, name: &str| RepoRef {
            host: Host(host.to_string()),
            owner: owner.to_string(),
            repo: name.to_string(),
        };
        let cases = [
            (
                "https://github.com/octo/hello.git",
                repo("github.com", "octo", "hello"),
            ),
            (
                "https://github.com/octo/hello",
                repo("github.com", "octo", "hello"),
            ),
            (
                "https://github.com/octo/hello/",
                repo("github.com", "octo", "hello"),
            ),
            (
                "https://user:tok@github.com/octo/hello.git",
                repo("github.com", "octo", "hello"),
            ),
            (
                "git@github.com:octo/hello.git",
                repo("github.com", "octo", "hello"),
            ),
            ("github.com:octo/hello", repo("github.com", "octo", "hello")),
            (
                "ssh://git@ghe.example.com:2222/team/svc.git",
                repo("ghe.example.com", "team", "svc"),
            ),
            (
                "https://ghe.example.com:8443/team/svc.git",
                repo("ghe.example.com:8443", "team", "svc"),
            ),
        ];
        for (url, want) in cases {
            assert_eq!(repo_from_remote(url), Ok(want), "{url}");
        }
    }

    #[test]
    fn bad_remote_urls_say_what_to_do() {
        for url in [
            "",
            "/srv/git/hello.git",
            "file:///srv/git/hello.git",
            "https://github.com/octo",
            "https://github.com/octo/hello/tree/main",
            "git@github.com:/abs/path",
            "../hello",
            "https://x:ghp_secret@github.com/octo",
        ] {
            let message = match repo_from_remote(url) {
                Ok(r) => panic!("{url} read as {r:?}"),
                Err(e) => e.to_string(),
            };
            assert!(
                message.contains("does not name a repository"),
                "{url}: {message}"
            );
            assert!(message.contains("hint: "), "{url}: {message}");
            assert!(!message.contains("ghp_secret"), "{url}: {message}");
        }
    }
}
