//! Running `git` to read a repository: the one way a command is set up (isolated from
//! variables that would point it at another repository, never prompting), its output
//! as bytes or a line, and [`GitTree`], the files of one revision.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Why a git command gave no output.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("could not run git: {0}\nhint: install git and make sure it is on PATH")]
    Missing(io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Failed { args: String, stderr: String },
}

/// `git` with the variables that would point it at another repository removed, no
/// terminal prompt, and stdin closed; no working directory set.
fn isolated() -> Command {
    let mut cmd = Command::new("git");
    cmd.env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_OBJECT_DIRECTORY")
        .env_remove("GIT_COMMON_DIR")
        .env_remove("GIT_PREFIX")
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null());
    cmd
}

/// A `git` command run in `dir`, isolated from variables that would point it at
/// another repository.
pub(crate) fn git_command(dir: &Path) -> Command {
    let mut cmd = isolated();
    cmd.current_dir(dir);
    cmd
}

/// Runs git in `dir` and returns its standard output; a non-zero exit is an error.
pub(crate) fn git_output<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<Vec<u8>, GitError> {
    let out = git_command(dir)
        .args(args)
        .output()
        .map_err(GitError::Missing)?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(GitError::Failed {
            args: args
                .iter()
                .map(|a| a.as_ref().to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// [`git_output`] as one trimmed line of text.
pub(crate) fn git_line<S: AsRef<OsStr>>(dir: &Path, args: &[S]) -> Result<String, GitError> {
    let out = git_output(dir, args)?;
    Ok(String::from_utf8_lossy(&out).trim().to_string())
}

/// Why a [`GitTree`] could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum GitTreeError {
    #[error("could not run git: {0}\nhint: install git or put it on PATH")]
    Spawn(#[from] std::io::Error),
    #[error("revision {rev} not found in {repo}: {stderr}")]
    UnknownRevision {
        repo: String,
        rev: String,
        stderr: String,
    },
}

/// The files of one revision of a local repository, read with `git cat-file` and
/// cached. Paths that are absolute or contain `..` are treated as missing.
#[derive(Debug)]
pub struct GitTree {
    pub repo: PathBuf,
    /// The full commit id the revision resolved to.
    pub rev: String,
    short: String,
    cache: Mutex<HashMap<String, Option<String>>>,
}

impl GitTree {
    /// Resolves `rev` in `repo` (any revision spelling git accepts).
    pub fn open(repo: impl Into<PathBuf>, rev: &str) -> Result<GitTree, GitTreeError> {
        let repo = repo.into();
        let resolve = |args: &[&str]| -> Result<String, GitTreeError> {
            let out = GitTree::git(&repo).args(args).output()?;
            if !out.status.success() {
                return Err(GitTreeError::UnknownRevision {
                    repo: repo.display().to_string(),
                    rev: rev.to_string(),
                    stderr: String::from_utf8_lossy(&out.stderr).trim().to_string(),
                });
            }
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        };
        let spec = format!("{rev}^{{commit}}");
        let full = resolve(&["rev-parse", "--verify", "--quiet", &spec])?;
        let short = resolve(&["rev-parse", "--short", &full])?;
        Ok(GitTree {
            repo,
            rev: full,
            short,
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The abbreviated commit id (`3f2a9c1`), for messages.
    pub fn short_rev(&self) -> &str {
        &self.short
    }

    /// The text of `path` at this revision; `None` when it does not exist there or the
    /// path is not a safe repository-relative one.
    pub fn read_file(&self, path: &str) -> Option<String> {
        let path = path.strip_prefix("./").unwrap_or(path);
        if !safe_path(path) {
            return None;
        }
        if let Ok(cache) = self.cache.lock() {
            if let Some(hit) = cache.get(path) {
                return hit.clone();
            }
        }
        let text = self.read_uncached(path);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_string(), text.clone());
        }
        text
    }

    /// Git pointed at the repository with `-C`, so a repository that is not there is
    /// git's error (an unknown revision), not a failure to start it.
    fn git(repo: &Path) -> Command {
        let mut cmd = isolated();
        cmd.arg("-C").arg(repo);
        cmd
    }

    fn read_uncached(&self, path: &str) -> Option<String> {
        let out = GitTree::git(&self.repo)
            .args(["cat-file", "blob", &format!("{}:{path}", self.rev)])
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    }
}

/// A repository-relative path git can be asked about: no `..`, not absolute, no
/// characters that change the meaning of `rev:path`.
fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && !path.contains('\n')
        && !path.split('/').any(|part| part == ".." || part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_paths_are_rejected() {
        for p in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b"] {
            assert!(!safe_path(p), "{p}");
        }
        assert!(safe_path("src/main.rs"));
    }

    #[test]
    fn failures_name_the_command() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = git_output(dir.path(), &["rev-parse", "--verify", "HEAD"])
            .expect_err("not a repository");
        let message = err.to_string();
        assert!(
            message.starts_with("`git rev-parse --verify HEAD` failed: "),
            "{message}"
        );
    }
}
