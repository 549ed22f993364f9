//! Where a pull request is fetched to: the user's clone when the review runs inside one
//! of its repository, else a cached bare mirror
//! (`<mirrors>/<host>/<owner>/<repo>.git`, `git init --bare` on first use), so
//! `review owner/repo#N` works from any directory. Concurrent runs on one mirror take
//! turns through a lock file beside it (`<repo>.git.lock`, an advisory `flock`) for
//! creating and fetching; reading it needs no lock, since git writes objects before the
//! refs that name them and replaces each ref atomically.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use nix::fcntl::{Flock, FlockArg};

use super::checkout::{fetch_into, FetchedPr, GitAuth};
use super::model::PullRequest;
use super::target::{repo_from_remote, RepoRef};
use crate::git::{git_line, git_output};
use crate::target::TargetError;

/// Why no mirror could be used.
#[derive(Debug, thiserror::Error)]
pub enum MirrorError {
    #[error("no place for a mirror of {repo}: neither XDG_CACHE_HOME nor HOME is set\nhint: pass --clone-dir DIR, or run the review inside a clone of {repo}")]
    NoCacheDir { repo: String },
    #[error("{} is not a bare git repository, so it cannot be a mirror\nhint: remove it (deep-review recreates it), or pass another --clone-dir", .0.display())]
    NotBare(PathBuf),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Git(#[from] TargetError),
}

/// The repository a pull request is reviewed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The clone the command runs in (its top-level directory).
    Clone(PathBuf),
    /// A bare mirror (its directory; it may not exist yet).
    Mirror(PathBuf),
}

impl Place {
    /// The repository's root: the work tree of a clone, the git directory of a mirror.
    pub fn root(&self) -> &Path {
        match self {
            Place::Clone(p) | Place::Mirror(p) => p,
        }
    }

    /// Fetches the pull request there ([`fetch_into`]); a mirror is created first when
    /// missing, and locked while it is written.
    pub fn fetch(
        &self,
        pr: &PullRequest,
        auth: Option<&GitAuth>,
    ) -> Result<FetchedPr, MirrorError> {
        match self {
            Place::Clone(root) => Ok(fetch_into(root, pr, auth)?),
            Place::Mirror(path) => {
                let _lock = open_mirror(path)?;
                Ok(fetch_into(path, pr, auth)?)
            }
        }
    }
}

/// Chooses where pull request `repo` (whose API-given clone URL is `clone_url`) is
/// reviewed: in `mirrors` when given (`--clone-dir`); else in the clone at `local` when
/// that is one of its repository ([`is_clone_of`]); else in the mirror under the
/// user cache directory ([`default_mirrors_dir`], read through `env`).
pub fn choose_place(
    local: Option<&Path>,
    repo: &RepoRef,
    clone_url: &str,
    mirrors: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Place, MirrorError> {
    if let Some(dir) = mirrors {
        return Ok(Place::Mirror(mirror_path(dir, repo)));
    }
    if let Some(root) = local.filter(|root| is_clone_of(root, repo, clone_url)) {
        return Ok(Place::Clone(root.to_path_buf()));
    }
    let dir = default_mirrors_dir(env).ok_or_else(|| MirrorError::NoCacheDir {
        repo: format!("{}/{}", repo.owner, repo.repo),
    })?;
    Ok(Place::Mirror(mirror_path(&dir, repo)))
}

/// `$XDG_CACHE_HOME/deep-review/mirrors`, else `$HOME/.cache/deep-review/mirrors`.
pub fn default_mirrors_dir(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("deep-review").join("mirrors"))
}

/// `<dir>/<host>/<owner>/<repo>.git`; the host spelled with `[a-z0-9.-]` only (a port's
/// `:` becomes `_`). Owner and name are already checked by [`super::parse_pr`].
pub fn mirror_path(dir: &Path, repo: &RepoRef) -> PathBuf {
    let host: String = repo
        .host
        .0
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let host = if host.is_empty() || host.chars().all(|c| c == '.') {
        "_".to_string()
    } else {
        host
    };
    dir.join(host)
        .join(&repo.owner)
        .join(format!("{}.git", repo.repo))
}

/// True when one of the remotes of the repository at `root` is `repo`'s: its URL names
/// the same host, owner and name (case aside), or is the clone URL itself.
pub fn is_clone_of(root: &Path, repo: &RepoRef, clone_url: &str) -> bool {
    let Ok(out) = git_output(root, &["config", "--get-regexp", r"^remote\..*\.url$"]) else {
        return false;
    };
    let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    let trim = |u: &str| u.trim().trim_end_matches('/').to_string();
    String::from_utf8_lossy(&out).lines().any(|line| {
        let Some((_, url)) = line.split_once(' ') else {
            return false;
        };
        if trim(url) == trim(clone_url) {
            return true;
        }
        repo_from_remote(url).is_ok_and(|r| {
            same(&r.host.0, &repo.host.0)
                && same(&r.owner, &repo.owner)
                && same(&r.repo, &repo.repo)
        })
    })
}

/// The mirror at `path`, created (`git init --bare`) when missing, with its lock held
/// until the returned guard is dropped. Waits for another run's lock.
fn open_mirror(path: &Path) -> Result<Flock<File>, MirrorError> {
    let io_err = |context: String| move |source| MirrorError::Io { context, source };
    let parent = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io_err(format!("cannot create {}", parent.display())))?;
    let mut lock_name = path.file_name().unwrap_or_default().to_os_string();
    lock_name.push(".lock");
    let lock_path = parent.join(lock_name);
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io_err(format!("cannot open {}", lock_path.display())))?;
    let lock =
        Flock::lock(lock, FlockArg::LockExclusive).map_err(|(_, errno)| MirrorError::Io {
            context: format!("cannot lock {}", lock_path.display()),
            source: io::Error::from(errno),
        })?;
    let bare = path.exists()
        && git_line(path, &["rev-parse", "--is-bare-repository"]).is_ok_and(|b| b == "true");
    if !bare {
        if path.exists() && fs::read_dir(path).is_ok_and(|mut d| d.next().is_some()) {
            return Err(MirrorError::NotBare(path.to_path_buf()));
        }
        let init = [
            "init".as_ref(),
            "--bare".as_ref(),
            "--quiet".as_ref(),
            path.as_os_str(),
        ];
        git_output(parent, &init).map_err(TargetError::from)?;
    }
    Ok(lock)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::target::Host;

    fn repo(host: &str) -> RepoRef {
        RepoRef {
            host: Host(host.to_string()),
            owner: "octo".into(),
            repo: "hello.rs".into(),
        }
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn mirrors_live_in_the_cache_by_host_owner_and_name() {
        let at = |pairs: &[(&str, &str)]| default_mirrors_dir(&env(pairs));
        assert_eq!(
            at(&[("XDG_CACHE_HOME", "/c"), ("HOME", "/h")]),
            Some(PathBuf::from("/c/deep-review/mirrors"))
        );
        assert_eq!(
            at(&[("XDG_CACHE_HOME", "relative"), ("HOME", "/h")]),
            Some(PathBuf::from("/h/.cache/deep-review/mirrors"))
        );
        assert_eq!(at(&[]), None);
        assert_eq!(
            mirror_path(Path::new("/m"), &repo("github.com")),
            PathBuf::from("/m/github.com/octo/hello.rs.git")
        );
        assert_eq!(
            mirror_path(Path::new("/m"), &repo("127.0.0.1:8080")),
            PathBuf::from("/m/127.0.0.1_8080/octo/hello.rs.git")
        );
        assert_eq!(
            mirror_path(Path::new("/m"), &repo("..")),
            PathBuf::from("/m/_/octo/hello.rs.git")
        );
    }

    #[test]
    fn without_a_cache_the_error_says_what_to_pass() {
        let err = choose_place(None, &repo("github.com"), "u", None, &env(&[])).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("octo/hello.rs"), "{message}");
        assert!(message.contains("hint: pass --clone-dir"), "{message}");
    }

    fn git(dir: &Path, args: &[&str]) {
        git_output(dir, args).expect("git");
    }

    #[test]
    fn a_clone_is_used_only_when_a_remote_is_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "--quiet"]);
        let cache = [("XDG_CACHE_HOME", "/cache")];
        let place = |url: &str| {
            choose_place(Some(root), &repo("github.com"), url, None, &env(&cache)).unwrap()
        };
        let mirror = Place::Mirror(PathBuf::from(
            "/cache/deep-review/mirrors/github.com/octo/hello.rs.git",
        ));
        // No remote: the mirror.
        assert_eq!(place("https://github.com/octo/hello.rs.git"), mirror);
        // Another repository's clone: the mirror.
        git(
            root,
            &["remote", "add", "origin", "git@github.com:octo/other.git"],
        );
        assert_eq!(place("https://github.com/octo/hello.rs.git"), mirror);
        // A remote of the repository (any name, any spelling of its URL): the clone.
        git(
            root,
            &[
                "remote",
                "add",
                "upstream",
                "https://GitHub.com/Octo/hello.rs",
            ],
        );
        assert_eq!(
            place("https://github.com/octo/hello.rs.git"),
            Place::Clone(root.to_path_buf())
        );
        // Or the very clone URL the API gives (a local remote in tests, a mirror URL).
        git(root, &["remote", "remove", "upstream"]);
        git(root, &["remote", "add", "local", "/srv/git/hello.git"]);
        assert_eq!(
            place("/srv/git/hello.git/"),
            Place::Clone(root.to_path_buf())
        );
        // --clone-dir wins over a matching clone.
        let chosen = choose_place(
            Some(root),
            &repo("github.com"),
            "/srv/git/hello.git",
            Some(Path::new("/mine")),
            &env(&cache),
        )
        .unwrap();
        assert_eq!(
            chosen,
            Place::Mirror(PathBuf::from("/mine/github.com/octo/hello.rs.git"))
        );
    }

    #[test]
    fn a_mirror_is_created_once_and_a_foreign_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h/o/r.git");
        drop(open_mirror(&path).unwrap());
        assert_eq!(
            git_line(&path, &["rev-parse", "--is-bare-repository"]).unwrap(),
            "true"
        );
        assert!(dir.path().join("h/o/r.git.lock").exists());
        // Reopening keeps what is there.
        git(&path, &["config", "deep-review.marker", "kept"]);
        drop(open_mirror(&path).unwrap());
        assert_eq!(
            git_line(&path, &["config", "deep-review.marker"]).unwrap(),
            "kept"
        );
        let other = dir.path().join("not-a-repo");
        fs::create_dir_all(&other).unwrap();
        fs::write(other.join("file"), "x").unwrap();
        let err = open_mirror(&other).unwrap_err().to_string();
        assert!(err.contains("is not a bare git repository"), "{err}");
    }

    #[test]
    fn the_lock_makes_a_second_run_wait() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.git");
        let held = open_mirror(&path).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let waiter = {
            let path = path.clone();
            std::thread::spawn(move || {
                let lock = open_mirror(&path);
                tx.send(()).unwrap();
                lock.map(drop)
            })
        };
        assert!(
            rx.recv_timeout(std::time::Duration::from_millis(300))
                .is_err(),
            "the second opener did not wait for the lock"
        );
        drop(held);
        rx.recv_timeout(std::time::Duration::from_secs(10))
            .expect("the second opener got the lock once it was free");
        waiter.join().unwrap().unwrap();
    }
}
