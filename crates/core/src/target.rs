//! Resolving what to review: a local git range (base..head), its commits, changed files
//! with stats, and unified diff. Talks to the real `git`.
//!
//! The diff is computed once: [`resolve_local`] streams `git diff` into a spool file,
//! counting added and removed lines per file on the way, and [`LocalTarget::write_diff`]
//! copies that file where it is wanted. Nothing holds the whole diff in memory, and no
//! git command runs per file.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::git::{git_command, git_line, git_output, GitError};
use crate::report;

/// Why a target could not be resolved. Messages are for the user as they are.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("not a git repository: {}\nhint: run deep-review inside a git repository, or pass its path", .0.display())]
    NotARepository(PathBuf),
    #[error("no such directory: {}\nhint: pass the path of a repository (or run deep-review inside one)", .0.display())]
    NoSuchDirectory(PathBuf),
    #[error("unknown revision `{0}`\nhint: check the name with `git rev-parse --verify {0}`")]
    UnknownRef(String),
    #[error(
        "cannot find the default branch (tried origin/HEAD, main, master)\nhint: pass --base REF"
    )]
    NoDefaultBranch,
    #[error("nothing to review: {head} is {branch}\nhint: pass --base REF, or check out the branch to review")]
    HeadIsDefaultBranch { head: String, branch: String },
    #[error("no common ancestor between `{base}` and `{head}`\nhint: pass --base REF")]
    NoMergeBase { base: String, head: String },
    #[error("no changes between {base} and {head}")]
    NoChanges { base: String, head: String },
    #[error("could not run git: {0}\nhint: install git and make sure it is on PATH")]
    GitMissing(io::Error),
    #[error("`git {args}` failed: {stderr}")]
    Git { args: String, stderr: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
}

impl From<GitError> for TargetError {
    fn from(e: GitError) -> Self {
        match e {
            GitError::Missing(e) => TargetError::GitMissing(e),
            GitError::Failed { args, stderr } => TargetError::Git { args, stderr },
        }
    }
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> TargetError {
    let context = context.into();
    move |source| TargetError::Io { context, source }
}

/// One commit of the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    pub short_sha: String,
    pub subject: String,
    /// The message after the subject line (may be empty).
    pub body: String,
    pub author: String,
    pub author_email: String,
    /// Author date, ISO 8601 as git prints it.
    pub date: String,
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeStatus {
    Added,
    Modified,
    Deleted,
    Renamed,
    Copied,
    /// File type changed (regular file ↔ symlink ↔ submodule).
    TypeChanged,
    Other,
}

impl ChangeStatus {
    fn from_letter(letter: u8) -> ChangeStatus {
        match letter {
            b'A' => ChangeStatus::Added,
            b'M' => ChangeStatus::Modified,
            b'D' => ChangeStatus::Deleted,
            b'R' => ChangeStatus::Renamed,
            b'C' => ChangeStatus::Copied,
            b'T' => ChangeStatus::TypeChanged,
            _ => ChangeStatus::Other,
        }
    }

    /// One letter, as `git diff --name-status` prints it.
    pub fn letter(self) -> char {
        match self {
            ChangeStatus::Added => 'A',
            ChangeStatus::Modified => 'M',
            ChangeStatus::Deleted => 'D',
            ChangeStatus::Renamed => 'R',
            ChangeStatus::Copied => 'C',
            ChangeStatus::TypeChanged => 'T',
            ChangeStatus::Other => '?',
        }
    }
}

/// One changed file with its line counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    /// Path at head (for a deletion, the path at base).
    pub path: String,
    /// Path at base, for renames and copies.
    pub old_path: Option<String>,
    pub status: ChangeStatus,
    pub binary: bool,
    /// Lines added and removed (0 for binary files).
    pub additions: u64,
    pub deletions: u64,
}

/// A resolved local change: everything about `base..head` the later stages need.
#[derive(Debug, Clone)]
pub struct LocalTarget {
    /// The repository's top-level directory.
    pub repo_root: PathBuf,
    /// `owner/name` from the `origin` remote, else the directory name.
    pub repo_name: String,
    /// The refs as given (or chosen): `origin/main`, `HEAD`, a SHA.
    pub base_ref: String,
    pub head_ref: String,
    /// Full SHAs.
    pub base: String,
    pub head: String,
    /// Current branch, None when HEAD is detached.
    pub branch: Option<String>,
    /// Author (name) of the head commit.
    pub author: Option<String>,
    /// Commits in `base..head`, oldest first.
    pub commits: Vec<Commit>,
    /// Changed files, in `git diff` order.
    pub files: Vec<ChangedFile>,
    /// For the work directory name: the branch name sanitized, or the short head SHA.
    pub slug: String,
    /// The unified diff, spooled to a temporary file.
    diff: Arc<tempfile::NamedTempFile>,
    diff_len: u64,
}

impl LocalTarget {
    /// Copies the unified diff to `dest` (the `diff.patch` of a work directory).
    pub fn write_diff(&self, dest: &Path) -> Result<(), TargetError> {
        std::fs::copy(self.diff.path(), dest)
            .map(|_| ())
            .map_err(io_err(format!("cannot write {}", dest.display())))
    }

    /// Size of the unified diff in bytes.
    pub fn diff_len(&self) -> u64 {
        self.diff_len
    }

    /// The unified diff as text when it is at most `limit` bytes (lossily decoded).
    pub fn diff_text_within(&self, limit: u64) -> Option<String> {
        if self.diff_len > limit {
            return None;
        }
        let bytes = std::fs::read(self.diff.path()).ok()?;
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Short (12-character) form of a full SHA.
    pub fn short(sha: &str) -> &str {
        sha.get(..12).unwrap_or(sha)
    }

    /// Total lines added and removed.
    pub fn totals(&self) -> (u64, u64) {
        self.files
            .iter()
            .fold((0, 0), |(a, d), f| (a + f.additions, d + f.deletions))
    }

    /// A title for the report: the subject when there is one commit, else the branch.
    pub fn title(&self) -> Option<String> {
        match self.commits.as_slice() {
            [only] => Some(only.subject.clone()),
            _ => self.branch.clone(),
        }
    }

    /// The report's view of this target (kind `local`, round 1).
    pub fn to_report_target(&self) -> report::Target {
        report::Target {
            kind: "local".to_string(),
            repo: Some(self.repo_name.clone()),
            number: None,
            title: self.title(),
            author: self.author.clone(),
            url: None,
            base: Some(self.base.clone()),
            head: Some(self.head.clone()),
            round: 1,
            branch: self.branch.clone(),
            commits: self
                .commits
                .iter()
                .map(|c| report::CommitInfo {
                    sha: c.short_sha.clone(),
                    subject: c.subject.clone(),
                })
                .collect(),
        }
    }
}

/// The full SHA of the commit `rev` names, or None when it names none.
fn resolve_commit(root: &Path, rev: &str) -> Result<Option<String>, TargetError> {
    let spec = format!("{rev}^{{commit}}");
    let out = git_command(root)
        .args([
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &spec,
        ])
        .stderr(Stdio::null())
        .output()
        .map_err(TargetError::GitMissing)?;
    let sha = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok((out.status.success() && !sha.is_empty()).then_some(sha))
}

/// The repository's top-level directory — the git directory itself for a bare
/// repository (a pull request's mirror, `github::mirror`) — or
/// [`TargetError::NotARepository`].
pub fn repo_root(path: &Path) -> Result<PathBuf, TargetError> {
    if !path.exists() {
        return Err(TargetError::NoSuchDirectory(path.to_path_buf()));
    }
    let out = git_command(path)
        .args(["rev-parse", "--show-toplevel"])
        .output();
    match out {
        Ok(out) if out.status.success() => {
            let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if root.is_empty() {
                bare_root(path)
            } else {
                Ok(PathBuf::from(root))
            }
        }
        Ok(_) => bare_root(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound && !path.is_dir() => {
            Err(TargetError::NotARepository(path.to_path_buf()))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(TargetError::GitMissing(e)),
        Err(e) => Err(TargetError::GitMissing(e)),
    }
}

/// The git directory of the bare repository at `path`, else
/// [`TargetError::NotARepository`].
fn bare_root(path: &Path) -> Result<PathBuf, TargetError> {
    let not_one = || TargetError::NotARepository(path.to_path_buf());
    // One git run for both answers, a line each.
    let out = git_line(
        path,
        &["rev-parse", "--is-bare-repository", "--absolute-git-dir"],
    )
    .map_err(|_| not_one())?;
    match out.split_once('\n') {
        Some(("true", dir)) if !dir.trim().is_empty() => Ok(PathBuf::from(dir.trim())),
        _ => Err(not_one()),
    }
}

/// A warning when the working tree has changes a review of `HEAD` leaves out (staged,
/// unstaged or untracked files, those under `ignored_dir` aside): they are not
/// reviewed. `None` when the tree is clean, or when `head` names another revision.
pub fn uncommitted_warning(root: &Path, head: Option<&str>, ignored_dir: &str) -> Option<String> {
    if head.is_some_and(|h| h != "HEAD") {
        return None;
    }
    let args = ["status", "--porcelain=v1", "-z", "--untracked-files=normal"];
    let out = git_output(root, &args).ok()?;
    let ignored = format!("{}/", ignored_dir.trim_end_matches('/'));
    let mut entries = out.split(|b| *b == 0).filter(|e| !e.is_empty());
    let mut changed = 0usize;
    while let Some(entry) = entries.next() {
        if entry.len() < 4 {
            continue;
        }
        // A rename or copy is followed by its old path, without a status.
        if matches!(entry[0], b'R' | b'C') {
            entries.next();
        }
        if !String::from_utf8_lossy(&entry[3..]).starts_with(&ignored) {
            changed += 1;
        }
    }
    (changed > 0).then(|| {
        format!(
            "the working tree has {changed} uncommitted {} that this review does not include\nhint: commit them first, or pass --head to say which revision to review",
            if changed == 1 { "change" } else { "changes" }
        )
    })
}

/// The base of a review: `base` resolved to a commit, else the merge-base of the head
/// commit `head_sha` with the default branch (`origin/HEAD`, else `main`, else
/// `master`). Returns the name the user knows it by and the full SHA.
pub fn resolve_base(
    root: &Path,
    base: Option<&str>,
    head_ref: &str,
    head_sha: &str,
) -> Result<(String, String), TargetError> {
    match base {
        Some(b) => {
            let sha =
                resolve_commit(root, b)?.ok_or_else(|| TargetError::UnknownRef(b.to_string()))?;
            Ok((b.to_string(), sha))
        }
        None => {
            let (name, tip) = default_branch(root)?;
            if tip == head_sha {
                return Err(TargetError::HeadIsDefaultBranch {
                    head: head_ref.to_string(),
                    branch: name,
                });
            }
            let merge_base = git_command(root)
                .args(["merge-base", &tip, head_sha])
                .output()
                .map_err(TargetError::GitMissing)?;
            let sha = String::from_utf8_lossy(&merge_base.stdout)
                .trim()
                .to_string();
            if !merge_base.status.success() || sha.is_empty() {
                return Err(TargetError::NoMergeBase {
                    base: name,
                    head: head_ref.to_string(),
                });
            }
            Ok((name, sha))
        }
    }
}

/// The base commit a review of `head` (default `HEAD`) against `base` would use, without
/// resolving the whole change (for reading configuration at the base revision).
pub fn base_commit(
    repo_path: &Path,
    base: Option<&str>,
    head: Option<&str>,
) -> Result<String, TargetError> {
    let root = repo_root(repo_path)?;
    let head_ref = head.unwrap_or("HEAD");
    let head_sha = resolve_commit(&root, head_ref)?
        .ok_or_else(|| TargetError::UnknownRef(head_ref.to_string()))?;
    Ok(resolve_base(&root, base, head_ref, &head_sha)?.1)
}

/// Resolves `base..head` in the repository containing `repo_path`.
///
/// `head` defaults to `HEAD`; `base` to the merge-base of head with the default branch
/// (`origin/HEAD`, else `main`, else `master`).
pub fn resolve_local(
    repo_path: &Path,
    base: Option<&str>,
    head: Option<&str>,
) -> Result<LocalTarget, TargetError> {
    if !repo_path.exists() {
        return Err(TargetError::NoSuchDirectory(repo_path.to_path_buf()));
    }
    if !repo_path.is_dir() {
        return Err(TargetError::NotARepository(repo_path.to_path_buf()));
    }
    let root = repo_root(repo_path)?;
    let head_ref = head.unwrap_or("HEAD").to_string();
    let head_sha = resolve_commit(&root, &head_ref)?
        .ok_or_else(|| TargetError::UnknownRef(head_ref.clone()))?;

    let (base_ref, base_sha) = resolve_base(&root, base, &head_ref, &head_sha)?;

    let files_status = name_status(&root, &base_sha, &head_sha)?;
    let spool = tempfile::Builder::new()
        .prefix("deep-review-diff-")
        .suffix(".patch")
        .tempfile()
        .map_err(io_err("cannot create a temporary file for the diff"))?;
    let (diff_len, sections) = spool_diff(&root, &base_sha, &head_sha, spool.path())?;
    if diff_len == 0 {
        return Err(TargetError::NoChanges {
            base: base_ref,
            head: head_ref,
        });
    }
    let files = if sections.len() == files_status.len() {
        join_stats(files_status, &sections)
    } else {
        // The two lists should pair up one to one; if they ever do not, ask git.
        let stats = numstat(&root, &base_sha, &head_sha)?;
        join_numstat(files_status, &stats)
    };

    let commits = commits(&root, &base_sha, &head_sha)?;
    let branch = match git_line(&root, &["rev-parse", "--abbrev-ref", "HEAD"]) {
        Ok(b) if b != "HEAD" && !b.is_empty() && head.is_none_or(|h| h == "HEAD" || h == b) => {
            Some(b)
        }
        _ => head
            .filter(|h| *h != "HEAD")
            .and_then(|h| local_branch_name(&root, h)),
    };
    let author = git_line(&root, &["show", "-s", "--format=%an", &head_sha])
        .ok()
        .filter(|a| !a.is_empty());
    let repo_name = repo_name(&root);
    let slug = branch
        .as_deref()
        .map(slugify)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| LocalTarget::short(&head_sha).to_string());

    Ok(LocalTarget {
        repo_root: root,
        repo_name,
        base_ref,
        head_ref,
        base: base_sha,
        head: head_sha,
        branch,
        author,
        commits,
        files,
        slug,
        diff: Arc::new(spool),
        diff_len,
    })
}

/// `name` when it is a local branch (`refs/heads/<name>`).
fn local_branch_name(root: &Path, name: &str) -> Option<String> {
    let full = format!("refs/heads/{name}");
    resolve_commit(root, &full)
        .ok()
        .flatten()
        .map(|_| name.to_string())
}

/// The default branch's name and tip: `origin/HEAD`, else `main`, else `master`.
fn default_branch(root: &Path) -> Result<(String, String), TargetError> {
    if let Some(tip) = resolve_commit(root, "refs/remotes/origin/HEAD")? {
        let name = git_line(root, &["rev-parse", "--abbrev-ref", "origin/HEAD"])
            .ok()
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "origin/HEAD".to_string());
        return Ok((name, tip));
    }
    for name in ["main", "master"] {
        if let Some(tip) = resolve_commit(root, &format!("refs/heads/{name}"))? {
            return Ok((name.to_string(), tip));
        }
    }
    Err(TargetError::NoDefaultBranch)
}

/// Common options of every diff we run: no external diff, no textconv, no colour,
/// standard `a/` `b/` prefixes whatever the user's configuration, renames detected.
pub(crate) const DIFF_OPTS: [&str; 6] = [
    "--no-ext-diff",
    "--no-textconv",
    "--no-color",
    "-M",
    "--src-prefix=a/",
    "--dst-prefix=b/",
];

/// Paths and statuses from `git diff --name-status -z`.
fn name_status(root: &Path, base: &str, head: &str) -> Result<Vec<ChangedFile>, TargetError> {
    let mut args: Vec<&str> = vec!["diff", "--name-status", "-z"];
    args.extend(DIFF_OPTS);
    args.extend([base, head, "--"]);
    let out = git_output(root, &args)?;
    Ok(parse_name_status(&out))
}

/// Reads `--name-status -z` output: `M\0path\0`, `R087\0old\0new\0`.
fn parse_name_status(out: &[u8]) -> Vec<ChangedFile> {
    let mut fields = out.split(|b| *b == 0);
    let mut files = Vec::new();
    while let Some(status) = fields.next() {
        let Some(&letter) = status.first() else {
            continue;
        };
        let status = ChangeStatus::from_letter(letter);
        let Some(first) = fields.next() else { break };
        let first = String::from_utf8_lossy(first).into_owned();
        let (path, old_path) = if matches!(status, ChangeStatus::Renamed | ChangeStatus::Copied) {
            let Some(second) = fields.next() else { break };
            (String::from_utf8_lossy(second).into_owned(), Some(first))
        } else {
            (first, None)
        };
        files.push(ChangedFile {
            path,
            old_path,
            status,
            binary: false,
            additions: 0,
            deletions: 0,
        });
    }
    files
}

/// Line counts of one `diff --git` section of a unified diff.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct SectionStats {
    additions: u64,
    deletions: u64,
    binary: bool,
}

/// Streams `git diff` into `dest`, counting lines per file section. Returns the number
/// of bytes written and the sections in order.
fn spool_diff(
    root: &Path,
    base: &str,
    head: &str,
    dest: &Path,
) -> Result<(u64, Vec<SectionStats>), TargetError> {
    let mut args: Vec<&str> = vec!["diff"];
    args.extend(DIFF_OPTS);
    args.extend([base, head, "--"]);
    let mut child = git_command(root)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(TargetError::GitMissing)?;
    let file = File::create(dest).map_err(io_err(format!("cannot write {}", dest.display())))?;
    let counted = match child.stdout.take() {
        Some(stdout) => copy_counting(
            BufReader::with_capacity(1 << 16, stdout),
            BufWriter::with_capacity(1 << 16, file),
        ),
        None => Err(io::Error::other("no pipe from git diff")),
    };
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let status = child.wait().map_err(TargetError::GitMissing)?;
    if !status.success() {
        return Err(TargetError::Git {
            args: args.join(" "),
            stderr: stderr.trim().to_string(),
        });
    }
    counted.map_err(io_err(format!("cannot write {}", dest.display())))
}

/// Copies a unified diff from `input` to `output`, counting `+`/`-` lines per section.
/// Only lines inside hunks count, so a removed line reading `-- x` is not a header.
fn copy_counting(
    mut input: impl BufRead,
    mut output: impl Write,
) -> io::Result<(u64, Vec<SectionStats>)> {
    let mut sections: Vec<SectionStats> = Vec::new();
    let mut in_hunk = false;
    let mut line = Vec::with_capacity(256);
    let mut written = 0u64;
    loop {
        line.clear();
        let n = input.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        output.write_all(&line)?;
        written += n as u64;
        if line.starts_with(b"diff --git ") || line.starts_with(b"diff --cc ") {
            sections.push(SectionStats::default());
            in_hunk = false;
            continue;
        }
        let Some(current) = sections.last_mut() else {
            continue;
        };
        match line.first() {
            Some(b'@') if line.starts_with(b"@@") => in_hunk = true,
            Some(b'+') if in_hunk => current.additions += 1,
            Some(b'-') if in_hunk => current.deletions += 1,
            Some(b' ') | Some(b'\\') if in_hunk => {}
            _ if !in_hunk && line.starts_with(b"Binary files ") && line.ends_with(b" differ\n") => {
                current.binary = true
            }
            _ => {}
        }
    }
    output.flush()?;
    Ok((written, sections))
}

fn join_stats(mut files: Vec<ChangedFile>, sections: &[SectionStats]) -> Vec<ChangedFile> {
    for (file, stats) in files.iter_mut().zip(sections) {
        file.additions = stats.additions;
        file.deletions = stats.deletions;
        file.binary = stats.binary;
    }
    files
}

/// `git diff --numstat -z`, keyed by path at head.
fn numstat(
    root: &Path,
    base: &str,
    head: &str,
) -> Result<HashMap<String, SectionStats>, TargetError> {
    let mut args: Vec<&str> = vec!["diff", "--numstat", "-z"];
    args.extend(DIFF_OPTS);
    args.extend([base, head, "--"]);
    let out = git_output(root, &args)?;
    Ok(parse_numstat(&out))
}

/// Reads `--numstat -z`: `A\tD\tpath\0`, or for renames `A\tD\t\0old\0new\0`; binary
/// files have `-` for both counts.
fn parse_numstat(out: &[u8]) -> HashMap<String, SectionStats> {
    let mut map = HashMap::new();
    let mut fields = out.split(|b| *b == 0);
    while let Some(record) = fields.next() {
        let mut parts = record.splitn(3, |b| *b == b'\t');
        let (Some(a), Some(d), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let path = if path.is_empty() {
            // Rename: the old and new paths follow as their own fields.
            let _old = fields.next();
            match fields.next() {
                Some(new) => new,
                None => break,
            }
        } else {
            path
        };
        let count = |s: &[u8]| {
            std::str::from_utf8(s)
                .ok()
                .and_then(|s| s.parse::<u64>().ok())
        };
        let stats = match (count(a), count(d)) {
            (Some(additions), Some(deletions)) => SectionStats {
                additions,
                deletions,
                binary: false,
            },
            _ => SectionStats {
                binary: true,
                ..SectionStats::default()
            },
        };
        map.insert(String::from_utf8_lossy(path).into_owned(), stats);
    }
    map
}

fn join_numstat(
    mut files: Vec<ChangedFile>,
    stats: &HashMap<String, SectionStats>,
) -> Vec<ChangedFile> {
    for file in &mut files {
        if let Some(s) = stats.get(&file.path) {
            file.additions = s.additions;
            file.deletions = s.deletions;
            file.binary = s.binary;
        }
    }
    files
}

/// Commits in `base..head`, oldest first.
fn commits(root: &Path, base: &str, head: &str) -> Result<Vec<Commit>, TargetError> {
    let range = format!("{base}..{head}");
    let out = git_output(
        root,
        &[
            "log",
            "-z",
            "--reverse",
            "--no-color",
            "--format=%H%x1f%h%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%b",
            &range,
            "--",
        ],
    )?;
    Ok(parse_log(&out))
}

fn parse_log(out: &[u8]) -> Vec<Commit> {
    out.split(|b| *b == 0)
        .filter(|r| !r.is_empty())
        .filter_map(|record| {
            let text = String::from_utf8_lossy(record);
            let mut f = text.splitn(7, '\u{1f}');
            let sha = f.next()?.trim().to_string();
            let short_sha = f.next()?.to_string();
            let author = f.next()?.to_string();
            let author_email = f.next()?.to_string();
            let date = f.next()?.to_string();
            let subject = f.next()?.to_string();
            let body = f.next().unwrap_or("").trim_end().to_string();
            Some(Commit {
                sha,
                short_sha,
                subject,
                body,
                author,
                author_email,
                date,
            })
        })
        .collect()
}

/// The repository (`owner/name`, as a review records it) and current branch (None when
/// HEAD is detached) of the repository at `root`: how `deep-review history .` finds the
/// reviews of the branch checked out.
pub fn current_branch(root: &Path) -> (String, Option<String>) {
    let branch = git_line(root, &["rev-parse", "--abbrev-ref", "HEAD"])
        .ok()
        .filter(|b| b != "HEAD" && !b.is_empty());
    (repo_name(root), branch)
}

/// The URL of the `origin` remote of the repository at `root`, if it has one.
pub fn origin_url(root: &Path) -> Option<String> {
    git_line(root, &["config", "--get", "remote.origin.url"])
        .ok()
        .filter(|u| !u.is_empty())
}

/// `owner/name` from the `origin` remote's URL, else the directory name.
fn repo_name(root: &Path) -> String {
    let from_remote = origin_url(root).and_then(|url| owner_name_from_url(&url));
    from_remote.unwrap_or_else(|| {
        root.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string())
    })
}

/// `owner/name` from a hosted remote URL (`https://host/owner/name.git`,
/// `git@host:owner/name.git`, `ssh://git@host:22/owner/name`). Local paths and `file://`
/// URLs give None: their last two directories are no owner and name.
pub fn owner_name_from_url(url: &str) -> Option<String> {
    let url = url.trim();
    let path = if let Some((scheme, rest)) = url.split_once("://") {
        if scheme.eq_ignore_ascii_case("file") {
            return None;
        }
        // Drop the host (and user, port).
        rest.split_once('/')?.1
    } else {
        // scp-like `user@host:path`; a local path has no `:` before its first `/`.
        let (host, path) = url.split_once(':')?;
        if host.is_empty() || host.contains('/') {
            return None;
        }
        path
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.rsplit('/').filter(|p| !p.is_empty());
    let name = parts.next()?;
    let owner = parts.next()?;
    Some(format!("{owner}/{name}"))
}

/// A branch name as a file-name component: `feature/x` → `feature-x`. Characters other
/// than ASCII letters, digits, `.`, `_` and `-` become `-`; runs collapse; at most 60
/// characters.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' {
            c
        } else {
            '-'
        };
        if c == '-' && slug.ends_with('-') {
            continue;
        }
        slug.push(c);
    }
    let slug = slug.trim_matches(|c| c == '-' || c == '.');
    let mut slug: String = slug.chars().take(60).collect();
    while slug.ends_with('-') || slug.ends_with('.') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A throwaway repository with a `main` branch, driven by the real `git`.
    pub(crate) struct Repo {
        pub dir: tempfile::TempDir,
    }

    impl Repo {
        pub(crate) fn new() -> Repo {
            let dir = tempfile::tempdir().unwrap();
            let repo = Repo { dir };
            repo.git(&["init", "-q", "-b", "main"]);
            repo.git(&["config", "user.name", "Ada Lovelace"]);
            repo.git(&["config", "user.email", "ada@example.com"]);
            repo.git(&["config", "commit.gpgsign", "false"]);
            repo
        }

        pub(crate) fn path(&self) -> &Path {
            self.dir.path()
        }

        pub(crate) fn git(&self, args: &[&str]) -> String {
            let out = git_command(self.path())
                .args(args)
                .env("GIT_AUTHOR_DATE", "2026-01-02T03:04:05Z")
                .env("GIT_COMMITTER_DATE", "2026-01-02T03:04:05Z")
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "git {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        }

        pub(crate) fn write(&self, path: &str, contents: &str) {
            let full = self.path().join(path);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, contents).unwrap();
        }

        pub(crate) fn commit(&self, message: &str) -> String {
            self.git(&["add", "-A"]);
            self.git(&["commit", "-q", "-m", message]);
            self.git(&["rev-parse", "HEAD"])
        }
    }

    /// main with one commit, then `feature/login` with two commits on top.
    pub(crate) fn feature_repo() -> Repo {
        let repo = Repo::new();
        repo.write("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n");
        repo.write("README.md", "# demo\n");
        repo.write("old_name.txt", "a\nb\nc\nd\ne\nf\ng\nh\n");
        repo.commit("Initial commit");
        repo.git(&["checkout", "-q", "-b", "feature/login"]);
        repo.write(
            "src/lib.rs",
            "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
        );
        repo.commit("Add two()");
        repo.git(&["mv", "old_name.txt", "new_name.txt"]);
        repo.write("logo.bin", "\0\x01binary\0");
        std::fs::remove_file(repo.path().join("README.md")).unwrap();
        repo.commit("Rename notes, add logo\n\nThe body explains why.");
        repo
    }

    #[test]
    fn resolves_a_feature_branch_against_main() {
        let repo = feature_repo();
        let t = resolve_local(repo.path(), None, None).unwrap();
        assert_eq!(t.base_ref, "main");
        assert_eq!(t.head_ref, "HEAD");
        assert_eq!(t.base, repo.git(&["rev-parse", "main"]));
        assert_eq!(t.head, repo.git(&["rev-parse", "HEAD"]));
        assert_eq!(t.base.len(), 40);
        assert_eq!(t.branch.as_deref(), Some("feature/login"));
        assert_eq!(t.slug, "feature-login");
        assert_eq!(t.author.as_deref(), Some("Ada Lovelace"));
        let subjects: Vec<_> = t.commits.iter().map(|c| c.subject.as_str()).collect();
        assert_eq!(subjects, ["Add two()", "Rename notes, add logo"]);
        assert_eq!(t.commits[1].body, "The body explains why.");
        assert_eq!(t.commits[0].author, "Ada Lovelace");
        assert!(t.commits[0].sha.starts_with(&t.commits[0].short_sha));

        let files: Vec<_> = t
            .files
            .iter()
            .map(|f| {
                (
                    f.status.letter(),
                    f.path.as_str(),
                    f.old_path.as_deref(),
                    f.additions,
                    f.deletions,
                    f.binary,
                )
            })
            .collect();
        assert_eq!(
            files,
            [
                ('D', "README.md", None, 0, 1, false),
                ('A', "logo.bin", None, 0, 0, true),
                ('R', "new_name.txt", Some("old_name.txt"), 0, 0, false),
                ('M', "src/lib.rs", None, 4, 0, false),
            ]
        );
        assert_eq!(t.totals(), (4, 1));

        let out = tempfile::tempdir().unwrap();
        let dest = out.path().join("diff.patch");
        t.write_diff(&dest).unwrap();
        let written = std::fs::read_to_string(&dest).unwrap();
        let expected = repo.git(&[
            "diff",
            "--no-ext-diff",
            "--no-color",
            "-M",
            &t.base,
            &t.head,
        ]);
        assert_eq!(written.trim_end(), expected);
        assert_eq!(t.diff_len(), written.len() as u64);
        assert_eq!(
            t.diff_text_within(1 << 20).as_deref(),
            Some(written.as_str())
        );
        assert_eq!(t.diff_text_within(10), None);
    }

    #[test]
    fn report_target_is_local() {
        let repo = feature_repo();
        let t = resolve_local(repo.path(), None, None).unwrap();
        let r = t.to_report_target();
        assert_eq!(r.kind, "local");
        assert_eq!(r.round, 1);
        assert_eq!(
            r.repo.as_deref(),
            repo.path().file_name().and_then(|n| n.to_str())
        );
        assert_eq!(r.branch.as_deref(), Some("feature/login"));
        assert_eq!(r.title.as_deref(), Some("feature/login"));
        assert_eq!(r.commits.len(), 2);
        assert_eq!(r.head.as_deref(), Some(t.head.as_str()));
    }

    #[test]
    fn explicit_refs_and_detached_head() {
        let repo = feature_repo();
        let first = repo.git(&["rev-parse", "HEAD~1"]);
        repo.git(&["checkout", "-q", "--detach", "HEAD"]);
        let t = resolve_local(repo.path(), Some(&first), None).unwrap();
        assert_eq!(t.base, first);
        assert_eq!(t.branch, None);
        assert_eq!(t.slug, LocalTarget::short(&t.head));
        assert_eq!(t.commits.len(), 1);
        assert_eq!(t.title().as_deref(), Some("Rename notes, add logo"));

        // --head naming a branch gives that branch's name.
        let t = resolve_local(repo.path(), Some("main"), Some("feature/login")).unwrap();
        assert_eq!(t.branch.as_deref(), Some("feature/login"));
        assert_eq!(t.slug, "feature-login");
    }

    #[test]
    fn default_branch_prefers_origin_head_then_master() {
        let repo = Repo::new();
        repo.write("a.txt", "a\n");
        repo.commit("one");
        repo.git(&["branch", "-m", "main", "master"]);
        repo.git(&["checkout", "-q", "-b", "topic"]);
        repo.write("a.txt", "b\n");
        repo.commit("two");
        let t = resolve_local(repo.path(), None, None).unwrap();
        assert_eq!(t.base_ref, "master");

        // origin/HEAD wins over local branches.
        repo.git(&["checkout", "-q", "-b", "trunk", "master"]);
        repo.write("a.txt", "c\n");
        repo.commit("three");
        let trunk = repo.git(&["rev-parse", "HEAD"]);
        repo.git(&["update-ref", "refs/remotes/origin/trunk", &trunk]);
        repo.git(&[
            "symbolic-ref",
            "refs/remotes/origin/HEAD",
            "refs/remotes/origin/trunk",
        ]);
        repo.git(&["checkout", "-q", "topic"]);
        let t = resolve_local(repo.path(), None, None).unwrap();
        assert_eq!(t.base_ref, "origin/trunk");
        // The merge-base, not the tip of trunk.
        assert_eq!(t.base, repo.git(&["rev-parse", "master"]));
    }

    fn error_of(result: Result<LocalTarget, TargetError>) -> String {
        match result {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn uncommitted_changes_are_counted() {
        let repo = feature_repo();
        let warn = |head| uncommitted_warning(repo.path(), head, ".deep-review");
        assert_eq!(warn(None), None);
        repo.write(".deep-review/reviews/x/prompt.md", "ours");
        assert_eq!(warn(None), None);
        repo.write("src/lib.rs", "changed");
        repo.write("scratch.txt", "new");
        repo.git(&["mv", "new_name.txt", "renamed.txt"]);
        let w = warn(None).expect("a warning");
        assert!(
            w.starts_with("the working tree has 3 uncommitted changes"),
            "{w}"
        );
        assert_eq!(warn(Some("HEAD")), Some(w));
        assert_eq!(warn(Some("main")), None);
    }

    #[test]
    fn errors_name_the_problem() {
        let plain = tempfile::tempdir().unwrap();
        let msg = error_of(resolve_local(plain.path(), None, None));
        assert!(msg.starts_with("not a git repository: "), "{msg}");
        assert!(msg.contains("hint:"), "{msg}");
        let msg = error_of(resolve_local(&plain.path().join("missing"), None, None));
        assert!(msg.starts_with("no such directory: "), "{msg}");
        assert!(msg.contains("hint:"), "{msg}");

        let repo = feature_repo();
        let msg = error_of(resolve_local(repo.path(), Some("no-such-branch"), None));
        assert!(
            msg.starts_with("unknown revision `no-such-branch`"),
            "{msg}"
        );
        let msg = error_of(resolve_local(repo.path(), None, Some("nope")));
        assert!(msg.starts_with("unknown revision `nope`"), "{msg}");

        let msg = error_of(resolve_local(repo.path(), Some("HEAD"), None));
        assert!(msg.starts_with("no changes between HEAD and HEAD"), "{msg}");

        repo.git(&["checkout", "-q", "main"]);
        let msg = error_of(resolve_local(repo.path(), None, None));
        assert_eq!(
            msg,
            "nothing to review: HEAD is main\nhint: pass --base REF, or check out the branch to review"
        );
        let msg = error_of(resolve_local(repo.path(), None, Some("main")));
        assert!(msg.starts_with("nothing to review: main is main"), "{msg}");

        let lonely = Repo::new();
        lonely.write("x", "x\n");
        lonely.commit("x");
        lonely.git(&["branch", "-m", "main", "trunk"]);
        let msg = error_of(resolve_local(lonely.path(), None, None));
        assert!(msg.starts_with("cannot find the default branch"), "{msg}");
    }

    #[test]
    fn unusual_file_names_and_mode_changes() {
        use std::os::unix::fs::PermissionsExt;
        let repo = Repo::new();
        repo.write("tool.sh", "echo hi\n");
        repo.write("keep.txt", "x\n");
        repo.commit("one");
        repo.git(&["checkout", "-q", "-b", "names"]);
        repo.write("with space\tand tab.txt", "a\nb\n");
        repo.write("ünïcode/файл.md", "c\n");
        repo.write("quote\"d.txt", "d\n");
        let tool = repo.path().join("tool.sh");
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        repo.commit("names");
        let t = resolve_local(repo.path(), None, None).unwrap();
        let files: Vec<_> = t
            .files
            .iter()
            .map(|f| (f.status.letter(), f.path.as_str(), f.additions))
            .collect();
        assert_eq!(
            files,
            [
                ('A', "quote\"d.txt", 1),
                ('M', "tool.sh", 0),
                ('A', "with space\tand tab.txt", 2),
                ('A', "ünïcode/файл.md", 1),
            ]
        );
    }

    #[test]
    fn works_from_a_subdirectory() {
        let repo = feature_repo();
        let t = resolve_local(&repo.path().join("src"), None, None).unwrap();
        assert_eq!(
            t.repo_root.canonicalize().unwrap(),
            repo.path().canonicalize().unwrap()
        );
        assert_eq!(t.files.len(), 4);
    }

    #[test]
    fn repo_name_comes_from_origin() {
        let repo = feature_repo();
        repo.git(&["remote", "add", "origin", "git@github.com:acme/widgets.git"]);
        let t = resolve_local(repo.path(), None, None).unwrap();
        assert_eq!(t.repo_name, "acme/widgets");
    }

    #[test]
    fn owner_and_name_from_urls() {
        let check = |url: &str, expected: Option<&str>| {
            assert_eq!(owner_name_from_url(url).as_deref(), expected, "{url}");
        };
        check("https://github.com/acme/widgets.git", Some("acme/widgets"));
        check("https://github.com/acme/widgets", Some("acme/widgets"));
        check("https://github.com/acme/widgets/", Some("acme/widgets"));
        check("git@github.com:acme/widgets.git", Some("acme/widgets"));
        check(
            "ssh://git@example.com:2222/acme/widgets.git",
            Some("acme/widgets"),
        );
        check(
            "https://gitlab.com/group/sub/widgets.git",
            Some("sub/widgets"),
        );
        check("/srv/git/widgets.git", None);
        check("../widgets", None);
        check("file:///srv/git/acme/widgets.git", None);
        check("https://example.com/widgets", None);
        check("", None);
    }

    #[test]
    fn slugs() {
        let check = |name: &str, expected: &str| assert_eq!(slugify(name), expected, "{name}");
        check("feature/x", "feature-x");
        check("fix//double  space", "fix-double-space");
        check("-/leading", "leading");
        check("über-ß", "ber");
        check("v1.2", "v1.2");
        check("..", "");
        check(&"a".repeat(100), &"a".repeat(60));
    }

    #[test]
    fn counting_ignores_header_lookalikes_inside_hunks() {
        let diff = "diff --git a/x b/x\nindex 1..2 100644\n--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n--- not a header\n+++ not a header either\n context\n\\ No newline at end of file\ndiff --git a/y b/y\nnew file mode 100644\nindex 0..1\nBinary files /dev/null and b/y differ\n";
        let mut out = Vec::new();
        let (n, sections) = copy_counting(diff.as_bytes(), &mut out).unwrap();
        assert_eq!(n, diff.len() as u64);
        assert_eq!(out, diff.as_bytes());
        assert_eq!(
            sections,
            [
                SectionStats {
                    additions: 1,
                    deletions: 1,
                    binary: false
                },
                SectionStats {
                    additions: 0,
                    deletions: 0,
                    binary: true
                }
            ]
        );
    }

    #[test]
    fn numstat_parsing() {
        let out = b"1\t2\ta.txt\0-\t-\tlogo.png\x003\t0\t\0old.txt\0new.txt\0";
        let map = parse_numstat(out);
        assert_eq!(map["a.txt"].additions, 1);
        assert_eq!(map["a.txt"].deletions, 2);
        assert!(map["logo.png"].binary);
        assert_eq!(map["new.txt"].additions, 3);
        assert!(!map.contains_key("old.txt"));
    }

    #[test]
    fn name_status_parsing() {
        let out = b"M\0a b.txt\0R087\0old.txt\0new.txt\0A\0n\xffo.txt\0";
        let files = parse_name_status(out);
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].path, "a b.txt");
        assert_eq!(files[1].status, ChangeStatus::Renamed);
        assert_eq!(files[1].old_path.as_deref(), Some("old.txt"));
        assert_eq!(files[2].path, "n\u{fffd}o.txt");
        // Truncated output does not panic.
        assert_eq!(parse_name_status(b"R100\0only-old").len(), 0);
    }
}

#[cfg(test)]
mod timing {
    use super::tests::Repo;
    use super::*;
    use std::time::Instant;

    /// Compares preparing a target with `git diff` itself on a large change.
    /// `cargo test -p deep-review-core --release --lib timing -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn large_diff_against_git_diff() {
        let repo = Repo::new();
        let files = 1000;
        let lines = 1000;
        let write_all = |tag: &str| {
            for f in 0..files {
                let mut text = String::with_capacity(lines * 40);
                for l in 0..lines {
                    if l % 2 == 0 {
                        text.push_str(&format!("line {l} of file {f} {tag}\n"));
                    } else {
                        text.push_str(&format!("line {l} of file {f} stays\n"));
                    }
                }
                repo.write(&format!("d{}/f{f}.txt", f % 20), &text);
            }
        };
        write_all("old");
        repo.commit("base");
        repo.git(&["checkout", "-q", "-b", "big"]);
        write_all("new");
        repo.commit("head");

        let started = Instant::now();
        let out = git_command(repo.path())
            .args(["diff", "--no-ext-diff", "--no-color", "-M", "main", "big"])
            .output()
            .unwrap();
        let git_time = started.elapsed();

        let out_dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let t = resolve_local(repo.path(), None, None).unwrap();
        t.write_diff(&out_dir.path().join("diff.patch")).unwrap();
        let ours = started.elapsed();
        assert_eq!(t.diff_len(), out.stdout.len() as u64);
        assert_eq!(t.files.len(), files);
        println!(
            "diff {} MB, {} files: git diff {:?}, resolve_local + write_diff {:?} ({:.2}x)",
            out.stdout.len() / 1_000_000,
            t.files.len(),
            git_time,
            ours,
            ours.as_secs_f64() / git_time.as_secs_f64()
        );
    }
}
