//! The work directory of one review (SPEC section 3) and the read-only checkout of the
//! head revision reviewers work in.
//!
//! A work directory is `<out>/<YYYYMMDD-HHMMSS>-<slug>/` and holds everything needed to
//! finish the review later with `deep-review consolidate <dir>`: the diff
//! (`diff.patch`), the target metadata (`context.md` for people, `target.json` for the
//! tool), the prompt (`prompt.md`) and the panel (`review.json`, a [`Manifest`]).
//!
//! The checkout is a `git clone --shared --no-checkout` of the user's repository,
//! checked out (detached) at the head revision and then made read-only. It is a real
//! repository so reviewers can run `git log base..head` and `git diff` in it; it
//! borrows the user's object store (nothing is copied) and has no `origin` remote, so
//! nothing done in it can reach the user's repository. The user's repository is only
//! read. When cloning is impossible (for example a shallow or foreign-owned repository)
//! the tree is exported with `git archive` instead, and the checkout is plain files.
//! Root ignores permission bits, so the removed write permission is a convention; what
//! enforces it is the sandbox ([`crate::sandbox`]): a confined reviewer may read the
//! checkout and the object store it borrows ([`borrowed_object_stores`]) and write
//! neither, and cannot reach anything else of the user's repository. The `--shared`
//! clone is kept on purpose: copying the objects (`--no-local`) costs a full pack of
//! the repository per review, and hard links (`--local`) would share writable inodes.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::config::ReviewerConfig;
use crate::git::git_command;
use crate::prose::one_line;
use crate::report;
use crate::target::{ChangeStatus, ChangedFile, Commit, LocalTarget};

pub mod layout;
pub mod read;

pub use layout::{CONTEXT_FILE, DIFF_FILE, MANIFEST_FILE, PROMPT_FILE, STATE_DIR, TARGET_FILE};

#[derive(Debug, thiserror::Error)]
pub enum WorkdirError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("cannot read {}: {message}\nhint: is this a deep-review work directory?", path.display())]
    BadFile { path: PathBuf, message: String },
    #[error("{} is a symbolic link{to}: work directories are not written through a link inside the repository (a branch could have committed it)\nhint: remove it, or pass `--out DIR`", path.display())]
    LinkInRepository { path: PathBuf, to: String },
    #[error("cannot check out {sha} for the reviewers: {message}")]
    Checkout { sha: String, message: String },
    #[error(transparent)]
    Target(#[from] crate::target::TargetError),
}

fn io_err(context: impl Into<String>) -> impl FnOnce(io::Error) -> WorkdirError {
    let context = context.into();
    move |source| WorkdirError::Io { context, source }
}

/// The mode of every file deep-review writes in a work directory: they hold the change
/// (its diff, the prompt that quotes it, reports that quote it), so only the user reads
/// them.
pub const FILE_MODE: u32 = 0o600;

/// Writes `contents` to `path` atomically: into a temporary file beside it (mode
/// [`FILE_MODE`]), flushed, then renamed over `path`. A full disk or a crash leaves the
/// earlier file as it was, never a truncated one.
pub fn write_atomic(path: &Path, contents: &[u8]) -> io::Result<()> {
    replace(path, true, |w| w.write_all(contents))
}

/// Writes a report file — one `consolidate` makes again from the work directory — the
/// same atomic way, `fill` writing through a buffer, without waiting for the disk
/// before the rename: the kernel writes it back in its own time.
pub fn write_report_file(
    path: &Path,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    replace(path, false, fill)
}

/// The temporary file beside `path`, filled, flushed to the disk when `durable`, and
/// renamed over `path`; on any error the temporary file is removed.
fn replace(
    path: &Path,
    durable: bool,
    fill: impl FnOnce(&mut dyn io::Write) -> io::Result<()>,
) -> io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".deep-review-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(FILE_MODE))?;
    {
        let mut out = io::BufWriter::with_capacity(1 << 16, tmp.as_file_mut());
        fill(&mut out)?;
        out.flush()?;
    }
    if durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// `<repo>/.deep-review/reviews`, where work directories go by default.
pub fn default_out_dir(repo_root: &Path) -> PathBuf {
    repo_root.join(STATE_DIR).join(layout::REVIEWS_DIR)
}

/// Whether `name` has the shape [`WorkDir::create`] gives work directories:
/// `YYYYMMDD-HHMMSS-<slug>` (what `deep-review clean` is allowed to remove).
pub fn is_workdir_name(name: &str) -> bool {
    let b = name.as_bytes();
    b.len() > 16
        && b[..8].iter().all(u8::is_ascii_digit)
        && b[8] == b'-'
        && b[9..15].iter().all(u8::is_ascii_digit)
        && b[15] == b'-'
}

/// Makes sure work directories under `out` never show in `git status`: writes
/// `.deep-review/.gitignore` (`*`) when `out` is under `.deep-review/`, or
/// `<out>/.gitignore` when `out` is elsewhere inside the repository. An existing
/// `.gitignore` is left alone. Refuses an `out` inside the repository that goes
/// through a symbolic link there (a committed `.deep-review` link would send the
/// change's diff and reviews wherever the branch's author chose).
pub fn ensure_ignored(repo_root: &Path, out: &Path) -> Result<(), WorkdirError> {
    if let Ok(inside) = out.strip_prefix(repo_root) {
        let mut path = repo_root.to_path_buf();
        for part in inside.components() {
            path.push(part);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                break;
            };
            if meta.file_type().is_symlink() {
                let to = fs::read_link(&path)
                    .map(|t| format!(" (to {})", one_line(&t.display().to_string())))
                    .unwrap_or_default();
                return Err(WorkdirError::LinkInRepository { path, to });
            }
        }
    }
    let state = repo_root.join(STATE_DIR);
    let ignore_dir = if out.starts_with(&state) {
        state
    } else if out.starts_with(repo_root) {
        out.to_path_buf()
    } else {
        return Ok(());
    };
    let file = ignore_dir.join(".gitignore");
    if file.exists() {
        return Ok(());
    }
    fs::create_dir_all(&ignore_dir)
        .map_err(io_err(format!("cannot create {}", ignore_dir.display())))?;
    fs::write(&file, "*\n").map_err(io_err(format!("cannot write {}", file.display())))
}

/// One review's work directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkDir {
    /// `<YYYYMMDD-HHMMSS>-<slug>`, also the report's `id`.
    pub id: String,
    pub path: PathBuf,
}

impl WorkDir {
    /// Creates `<out>/<YYYYMMDD-HHMMSS>-<slug>/` (UTC); when that exists already (two
    /// reviews in one second), `-2`, `-3`, … is appended.
    pub fn create(out: &Path, slug: &str, now: DateTime<Utc>) -> Result<WorkDir, WorkdirError> {
        fs::create_dir_all(out).map_err(io_err(format!("cannot create {}", out.display())))?;
        let base = format!("{}-{}", now.format("%Y%m%d-%H%M%S"), slug);
        for n in 1u32.. {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            let path = out.join(&id);
            match fs::create_dir(&path) {
                Ok(()) => return Ok(WorkDir { id, path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 10_000 => continue,
                Err(e) => {
                    return Err(WorkdirError::Io {
                        context: format!("cannot create {}", path.display()),
                        source: e,
                    })
                }
            }
        }
        unreachable!("the loop returns")
    }

    /// An existing work directory (for `consolidate DIR`); its id is its name.
    pub fn open(path: &Path) -> WorkDir {
        let id = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        WorkDir {
            id,
            path: path.to_path_buf(),
        }
    }

    pub fn diff_path(&self) -> PathBuf {
        self.path.join(DIFF_FILE)
    }

    pub fn context_path(&self) -> PathBuf {
        self.path.join(CONTEXT_FILE)
    }

    pub fn prompt_path(&self) -> PathBuf {
        self.path.join(PROMPT_FILE)
    }

    pub fn target_path(&self) -> PathBuf {
        self.path.join(TARGET_FILE)
    }

    pub fn manifest_path(&self) -> PathBuf {
        self.path.join(MANIFEST_FILE)
    }

    /// Writes `diff.patch`, `context.md` and `target.json` for a local target.
    pub fn write_target(&self, target: &LocalTarget) -> Result<(), WorkdirError> {
        target.write_diff(&self.diff_path())?;
        let report_target = target.to_report_target();
        self.write_file(
            CONTEXT_FILE,
            &render_context(&report_target, &target.commits, &target.files),
        )?;
        self.write_report_target(&report_target)
    }

    /// Writes `pull-request.json`.
    pub fn write_pull_request(&self, pr: &crate::github::PullRequest) -> Result<(), WorkdirError> {
        self.write_json(layout::PULL_REQUEST_FILE, pr)
    }

    /// Writes `target.json`.
    pub fn write_report_target(&self, target: &report::Target) -> Result<(), WorkdirError> {
        self.write_json(TARGET_FILE, target)
    }

    /// Writes `prompt.md`.
    pub fn write_prompt(&self, prompt: &str) -> Result<(), WorkdirError> {
        self.write_file(PROMPT_FILE, prompt)
    }

    /// Writes `review.json`.
    pub fn write_manifest(&self, manifest: &Manifest) -> Result<(), WorkdirError> {
        self.write_json(MANIFEST_FILE, manifest)
    }

    /// Writes `value` as pretty JSON to `name`, its strings' secrets masked (like every
    /// file deep-review writes).
    fn write_json(&self, name: &str, value: &impl serde::Serialize) -> Result<(), WorkdirError> {
        let json = crate::secrets::to_masked_json(value).map_err(|e| WorkdirError::Io {
            context: format!("cannot serialize {name}"),
            source: io::Error::other(e),
        })?;
        self.write_file(name, &(json + "\n"))
    }

    /// Writes `name` inside the work directory.
    pub fn write_file(&self, name: &str, contents: &str) -> Result<(), WorkdirError> {
        let path = self.path.join(name);
        write_atomic(&path, contents.as_bytes())
            .map_err(io_err(format!("cannot write {}", path.display())))
    }
}

/// Reads `target.json` from a work directory; `Ok(None)` when there is none.
pub fn load_target(dir: &Path) -> Result<Option<report::Target>, WorkdirError> {
    load_json(&dir.join(TARGET_FILE))
}

/// Reads a JSON file of a work directory the way every reviewer-reachable file is read
/// ([`read::read_capped`]: a regular file only, never a blocking open, capped);
/// `Ok(None)` when there is none.
fn load_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, WorkdirError> {
    if matches!(fs::symlink_metadata(path), Err(e) if e.kind() == io::ErrorKind::NotFound) {
        return Ok(None);
    }
    let (bytes, _) =
        read::read_capped(path, read::MAX_JSON_BYTES).map_err(|message| WorkdirError::BadFile {
            path: path.to_path_buf(),
            message,
        })?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| WorkdirError::BadFile {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
}

/// `review.json`: what a review set out to do, so an interrupted review can be
/// finished by `consolidate`. Every field has a default so hand-written or older
/// manifests load too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub schema_version: u32,
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// The deep-review version that wrote it.
    pub tool_version: String,
    /// The review round (`pass` in `review-<name>-pass-<n>.md`).
    pub pass: u32,
    pub base: Option<String>,
    pub head: Option<String>,
    /// Where the read-only checkout was, so its absolute paths can be stripped from
    /// reviews later.
    pub checkout: Option<String>,
    /// The repository reviewed (its root), so a later `consolidate` can verify
    /// locations against it without `--repo`.
    pub repo_root: Option<String>,
    /// `--format` words (`md`, `json`, …).
    pub formats: Vec<String>,
    pub fail_on: Option<String>,
    pub severity_policy: Option<String>,
    /// The panel, in order.
    pub reviewers: Vec<ManifestReviewer>,
    /// Set when the reviewers have finished (absent after an interruption).
    pub wall_clock_ms: Option<u64>,
}

/// One reviewer of the panel as the manifest records it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ManifestReviewer {
    pub name: String,
    pub backend: String,
    pub display: String,
    pub model: Option<String>,
    pub effort: Option<String>,
    pub timeout_ms: Option<u64>,
}

impl ManifestReviewer {
    pub fn from_config(config: &ReviewerConfig) -> ManifestReviewer {
        ManifestReviewer {
            name: config.name.clone(),
            backend: config.backend.as_str().to_string(),
            display: config.display_name(),
            model: config.model.clone(),
            effort: config.effort.clone(),
            timeout_ms: u64::try_from(config.timeout.as_millis()).ok(),
        }
    }
}

impl Manifest {
    pub const SCHEMA_VERSION: u32 = 1;

    /// A manifest for `panel`; the caller fills in the rest.
    pub fn new(id: &str, created_at: DateTime<Utc>, panel: &[ReviewerConfig]) -> Manifest {
        Manifest {
            schema_version: Self::SCHEMA_VERSION,
            id: id.to_string(),
            created_at: created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            pass: 1,
            reviewers: panel.iter().map(ManifestReviewer::from_config).collect(),
            ..Manifest::default()
        }
    }

    /// Reads `review.json` from a work directory; `Ok(None)` when there is none.
    pub fn load(dir: &Path) -> Result<Option<Manifest>, WorkdirError> {
        load_json(&dir.join(MANIFEST_FILE))
    }
}

/// `context.md`: the change at a glance, for people reading the work directory and for
/// reviewers that want it.
pub fn render_context(
    target: &report::Target,
    commits: &[Commit],
    files: &[ChangedFile],
) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let title = target.title.as_deref().unwrap_or("(untitled change)");
    let _ = writeln!(out, "# {}\n", one_line(title));
    let mut row = |k: &str, v: &str| {
        let _ = writeln!(out, "- **{k}:** {}", one_line(v));
    };
    if let Some(repo) = &target.repo {
        row("Repository", repo);
    }
    if let Some(n) = target.number {
        row("Pull request", &format!("#{n}"));
    }
    if let Some(url) = &target.url {
        row("URL", url);
    }
    if let Some(branch) = &target.branch {
        row("Branch", branch);
    }
    if let Some(author) = &target.author {
        row("Author", author);
    }
    row("Base", target.base.as_deref().unwrap_or("unknown"));
    row("Head", target.head.as_deref().unwrap_or("unknown"));
    row("Round", &target.round.to_string());

    let _ = writeln!(out, "\n## Commits ({})\n", commits.len());
    if commits.is_empty() {
        let _ = writeln!(out, "None.");
    }
    for c in commits {
        let _ = writeln!(
            out,
            "- `{}` {} ({})",
            c.short_sha,
            one_line(&c.subject),
            one_line(&c.author)
        );
    }

    let (adds, dels) = files
        .iter()
        .fold((0, 0), |(a, d), f| (a + f.additions, d + f.deletions));
    let _ = writeln!(
        out,
        "\n## Changed files ({}, +{adds} −{dels})\n",
        files.len()
    );
    if files.is_empty() {
        let _ = writeln!(out, "None.");
        return out;
    }
    let _ = writeln!(
        out,
        "| Status | File | + | − |\n| --- | --- | ---: | ---: |"
    );
    for f in files {
        let name = match (&f.old_path, f.status) {
            (Some(old), ChangeStatus::Renamed | ChangeStatus::Copied) => {
                format!("{} → {}", table_cell(old), table_cell(&f.path))
            }
            _ => table_cell(&f.path),
        };
        let (a, d) = if f.binary {
            ("binary".to_string(), "binary".to_string())
        } else {
            (f.additions.to_string(), f.deletions.to_string())
        };
        let _ = writeln!(out, "| {} | {name} | {a} | {d} |", f.status.letter());
    }
    out
}

fn table_cell(path: &str) -> String {
    format!("`{}`", one_line(path).replace('|', "\\|").replace('`', "'"))
}

/// A read-only copy of one revision, deleted (write permission restored first) on
/// [`cleanup`](ReadOnlyCheckout::cleanup) or drop.
#[derive(Debug)]
pub struct ReadOnlyCheckout {
    /// The temporary directory that holds the checkout (removed on cleanup).
    holder: PathBuf,
    /// The checkout itself: `<holder>/<repository directory name>`.
    path: PathBuf,
    is_git_repo: bool,
    cleaned: bool,
}

impl ReadOnlyCheckout {
    /// Checks out `head_sha` of the repository at `repo_root` into a new temporary
    /// directory and removes write permission from everything in it.
    pub fn create(repo_root: &Path, head_sha: &str) -> Result<ReadOnlyCheckout, WorkdirError> {
        let holder = tempfile::Builder::new()
            .prefix("deep-review-checkout-")
            .tempdir()
            .map_err(io_err(
                "cannot create a temporary directory for the checkout",
            ))?
            .keep();
        // A bare mirror's `hello.git` is checked out as `hello`.
        let name = repo_root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .map(|n| n.strip_suffix(".git").map(str::to_string).unwrap_or(n))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "repo".to_string());
        let mut checkout = ReadOnlyCheckout {
            path: holder.join(name),
            holder,
            is_git_repo: true,
            cleaned: false,
        };
        if clone_at(repo_root, &checkout.path, head_sha).is_err() {
            // Start again from an empty directory with a plain export.
            let _ = fs::remove_dir_all(&checkout.path);
            checkout.is_git_repo = false;
            fs::create_dir_all(&checkout.path)
                .map_err(io_err(format!("cannot create {}", checkout.path.display())))?;
            archive_at(repo_root, &checkout.path, head_sha)?;
        }
        set_writable(&checkout.path, false).map_err(io_err(format!(
            "cannot make {} read-only",
            checkout.path.display()
        )))?;
        Ok(checkout)
    }

    /// The checkout's root directory (the repository root at the head revision).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True when the checkout is a git repository (`git log` works in it), false when
    /// it is a plain export.
    pub fn is_git_repo(&self) -> bool {
        self.is_git_repo
    }

    /// Restores write permission and deletes the checkout.
    pub fn cleanup(mut self) -> Result<(), WorkdirError> {
        self.remove()
    }

    fn remove(&mut self) -> Result<(), WorkdirError> {
        if self.cleaned {
            return Ok(());
        }
        self.cleaned = true;
        if !self.holder.exists() {
            return Ok(());
        }
        remove_tree(&self.holder)
            .map_err(io_err(format!("cannot remove {}", self.holder.display())))
    }
}

impl Drop for ReadOnlyCheckout {
    fn drop(&mut self) {
        let _ = self.remove();
    }
}

/// Removes `root` and everything under it, whatever permissions a reviewer left on it:
/// every directory gets `u+rwx` before it is listed (a `chmod 000` directory cannot be
/// emptied otherwise), then the tree is removed. An error names what could not be
/// removed; nothing is silently left behind.
pub fn remove_tree(root: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(meta) = fs::symlink_metadata(&path) else {
            continue;
        };
        if !meta.is_dir() {
            continue;
        }
        let mode = meta.permissions().mode();
        if mode & 0o700 != 0o700 {
            // Best effort: a failure shows as the removal's error below.
            let _ = fs::set_permissions(&path, fs::Permissions::from_mode(mode | 0o700));
        }
        if let Ok(entries) = fs::read_dir(&path) {
            stack.extend(entries.flatten().map(|e| e.path()));
        }
    }
    match fs::remove_dir_all(root) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Git with the user's and the system's configuration ignored, so no hook, filter
/// (Git LFS), or fsmonitor of theirs runs on the checkout.
fn isolated_git(dir: &Path) -> std::process::Command {
    let mut cmd = git_command(dir);
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

fn run_checked(mut cmd: std::process::Command, sha: &str) -> Result<(), WorkdirError> {
    let out = cmd.output().map_err(|e| WorkdirError::Checkout {
        sha: sha.to_string(),
        message: e.to_string(),
    })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(WorkdirError::Checkout {
            sha: sha.to_string(),
            message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        })
    }
}

/// The object directories a checkout borrows (its `.git/objects/info/alternates`): the
/// user's object store, which a confined reviewer may read (for `git log`) and not write.
pub fn borrowed_object_stores(checkout: &Path) -> Vec<PathBuf> {
    let alternates = checkout.join(".git/objects/info/alternates");
    let Ok(text) = read::read_capped(&alternates, 64 * 1024) else {
        return Vec::new();
    };
    String::from_utf8_lossy(&text.0)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .collect()
}

/// `git clone --shared --no-checkout`, detached checkout of `sha`, no remote.
fn clone_at(repo_root: &Path, dest: &Path, sha: &str) -> Result<(), WorkdirError> {
    let mut clone = isolated_git(repo_root);
    clone
        .args(["clone", "--quiet", "--shared", "--no-checkout", "--"])
        .arg(repo_root)
        .arg(dest);
    run_checked(clone, sha)?;
    let mut checkout = isolated_git(dest);
    checkout.args(["checkout", "--quiet", "--detach", sha]);
    run_checked(checkout, sha)?;
    let mut remote = isolated_git(dest);
    remote.args(["remote", "remove", "origin"]);
    run_checked(remote, sha)
}

/// `git archive <sha> | tar -x -C dest`.
fn archive_at(repo_root: &Path, dest: &Path, sha: &str) -> Result<(), WorkdirError> {
    let failed = |message: String| WorkdirError::Checkout {
        sha: sha.to_string(),
        message,
    };
    let mut archive = git_command(repo_root)
        .args(["archive", "--format=tar", sha])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("git archive: {e}")))?;
    let Some(tar_input) = archive.stdout.take() else {
        let _ = archive.kill();
        let _ = archive.wait();
        return Err(failed("no pipe from git archive".into()));
    };
    let tar = std::process::Command::new("tar")
        .args(["-x", "-f", "-", "-C"])
        .arg(dest)
        .stdin(Stdio::from(tar_input))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    let archive_out = archive
        .wait_with_output()
        .map_err(|e| failed(format!("git archive: {e}")))?;
    if !archive_out.status.success() {
        return Err(failed(format!(
            "git archive: {}",
            String::from_utf8_lossy(&archive_out.stderr).trim()
        )));
    }
    match tar {
        Ok(out) if out.status.success() => Ok(()),
        Ok(out) => Err(failed(format!(
            "tar: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
        Err(e) => Err(failed(format!("tar: {e}"))),
    }
}

/// Adds or removes write permission (for everyone) on `root` and everything under it.
/// Symbolic links are not followed.
fn set_writable(root: &Path, writable: bool) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path)?;
        if meta.file_type().is_symlink() {
            continue;
        }
        let mode = meta.permissions().mode();
        let new_mode = if writable {
            mode | 0o200
        } else {
            mode & !0o222
        };
        if meta.is_dir() {
            // Make a directory writable before reading it (so its children can be
            // removed later); read-only after listing it.
            if writable && new_mode != mode {
                fs::set_permissions(&path, fs::Permissions::from_mode(new_mode))?;
            }
            for entry in fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
            if !writable && new_mode != mode {
                fs::set_permissions(&path, fs::Permissions::from_mode(new_mode))?;
            }
        } else if new_mode != mode {
            fs::set_permissions(&path, fs::Permissions::from_mode(new_mode))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_are_atomic_and_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("REVIEW.md");
        fs::write(&path, "old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        // Nothing is left beside it.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
        // A failed write leaves the earlier file whole.
        assert!(write_atomic(&dir.path().join("missing/x.md"), b"x").is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        // A report file written in pieces; one whose writing fails halfway leaves the
        // earlier file whole and nothing beside it.
        write_report_file(&path, |w| {
            w.write_all(b"first ")?;
            w.write_all(&[b'x'; 100_000])
        })
        .unwrap();
        assert_eq!(fs::read(&path).unwrap().len(), 100_006);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, FILE_MODE);
        let failed = write_report_file(&path, |w| {
            w.write_all(&[b'y'; 100_000])?;
            Err(io::Error::other("cannot encode"))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read(&path).unwrap().len(), 100_006);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
    use crate::config::BackendKind;
    use crate::target::resolve_local;
    use crate::target::tests::{feature_repo, Repo};
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, 17, h, m, s).unwrap()
    }

    #[test]
    fn names_are_timestamped_and_unique() {
        let out = tempfile::tempdir().unwrap();
        let reviews = out.path().join("a/b");
        let first = WorkDir::create(&reviews, "feature-x", at(16, 58, 17)).unwrap();
        let second = WorkDir::create(&reviews, "feature-x", at(16, 58, 17)).unwrap();
        let third = WorkDir::create(&reviews, "feature-x", at(16, 58, 17)).unwrap();
        let later = WorkDir::create(&reviews, "feature-x", at(16, 58, 18)).unwrap();
        assert_eq!(first.id, "20260417-165817-feature-x");
        assert_eq!(second.id, "20260417-165817-feature-x-2");
        assert_eq!(third.id, "20260417-165817-feature-x-3");
        assert_eq!(later.id, "20260417-165818-feature-x");
        assert!(third.path.is_dir());
        assert_eq!(WorkDir::open(&third.path), third);
    }

    #[test]
    fn reviews_never_show_in_git_status() {
        let repo = feature_repo();
        let out = default_out_dir(repo.path());
        ensure_ignored(repo.path(), &out).unwrap();
        let wd = WorkDir::create(&out, "feature-login", at(1, 2, 3)).unwrap();
        wd.write_prompt("hello").unwrap();
        assert_eq!(
            fs::read_to_string(repo.path().join(".deep-review/.gitignore")).unwrap(),
            "*\n"
        );
        assert_eq!(repo.git(&["status", "--porcelain"]), "");

        // A custom directory inside the repository gets its own .gitignore.
        let custom = repo.path().join("reviews");
        ensure_ignored(repo.path(), &custom).unwrap();
        let wd = WorkDir::create(&custom, "x", at(1, 2, 3)).unwrap();
        wd.write_prompt("hello").unwrap();
        assert_eq!(repo.git(&["status", "--porcelain"]), "");

        // Outside the repository nothing is written.
        let outside = tempfile::tempdir().unwrap();
        ensure_ignored(repo.path(), outside.path()).unwrap();
        assert!(!outside.path().join(".gitignore").exists());
    }

    #[test]
    fn writes_the_inputs_and_reloads_them() {
        let repo = feature_repo();
        let target = resolve_local(repo.path(), None, None).unwrap();
        let out = tempfile::tempdir().unwrap();
        let wd = WorkDir::create(out.path(), &target.slug, at(9, 0, 0)).unwrap();
        wd.write_target(&target).unwrap();
        wd.write_prompt("the prompt").unwrap();

        let mut claude = ReviewerConfig::new("claude", BackendKind::Claude);
        claude.model = Some("claude-opus-4-7".into());
        claude.effort = Some("xhigh".into());
        let lint = ReviewerConfig::new("lint", BackendKind::Builtin);
        let mut manifest = Manifest::new(&wd.id, at(9, 0, 0), &[claude, lint]);
        manifest.base = Some(target.base.clone());
        manifest.head = Some(target.head.clone());
        wd.write_manifest(&manifest).unwrap();

        let diff = fs::read_to_string(wd.diff_path()).unwrap();
        assert!(
            diff.starts_with("diff --git a/README.md b/README.md"),
            "{diff}"
        );
        assert_eq!(fs::read_to_string(wd.prompt_path()).unwrap(), "the prompt");

        let loaded = Manifest::load(&wd.path).unwrap().unwrap();
        assert_eq!(loaded, manifest);
        assert_eq!(loaded.created_at, "2026-04-17T09:00:00Z");
        let names: Vec<_> = loaded
            .reviewers
            .iter()
            .map(|r| (r.name.as_str(), r.backend.as_str(), r.display.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("claude", "claude", "Claude Opus 4.7"),
                ("lint", "builtin", "lint")
            ]
        );
        assert_eq!(loaded.reviewers[0].timeout_ms, Some(30 * 60 * 1000));

        let reloaded = load_target(&wd.path).unwrap().unwrap();
        assert_eq!(reloaded, target.to_report_target());

        // Commit dates are fixed by the fixture, so the SHAs are stable.
        let context = fs::read_to_string(wd.context_path()).unwrap();
        let repo_dir = repo
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        insta::assert_snapshot!("context_md", context.replace(&repo_dir, "<repo>"));
    }

    #[test]
    fn loading_missing_or_broken_files() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Manifest::load(dir.path()).unwrap(), None);
        assert_eq!(load_target(dir.path()).unwrap(), None);
        fs::write(dir.path().join(MANIFEST_FILE), "{not json").unwrap();
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(err.starts_with("cannot read "), "{err}");
        assert!(err.contains("hint:"), "{err}");
        // Partial manifests load with defaults.
        fs::write(
            dir.path().join(MANIFEST_FILE),
            r#"{"reviewers":[{"name":"x"}]}"#,
        )
        .unwrap();
        let m = Manifest::load(dir.path()).unwrap().unwrap();
        assert_eq!(m.reviewers[0].name, "x");
        assert_eq!(m.pass, 0);
    }

    /// A FIFO under the manifest's name is an error, not a read that never returns.
    #[test]
    fn a_fifo_manifest_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join(MANIFEST_FILE))
            .status()
            .unwrap();
        assert!(made.success());
        let err = Manifest::load(dir.path()).unwrap_err().to_string();
        assert!(err.contains("not a regular file (a FIFO)"), "{err}");
    }

    /// Whether this process can write to read-only files (root can).
    fn privileged() -> bool {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let probe = dir.path().join("probe");
        fs::write(&probe, "x").unwrap();
        fs::set_permissions(&probe, fs::Permissions::from_mode(0o444)).unwrap();
        fs::write(&probe, "y").is_ok()
    }

    fn assert_read_only(root: &Path) {
        use std::os::unix::fs::PermissionsExt;
        let mut stack = vec![root.to_path_buf()];
        let mut seen = 0;
        while let Some(p) = stack.pop() {
            let meta = fs::symlink_metadata(&p).unwrap();
            if meta.file_type().is_symlink() {
                continue;
            }
            assert_eq!(
                meta.permissions().mode() & 0o222,
                0,
                "{} is writable",
                p.display()
            );
            seen += 1;
            if meta.is_dir() {
                stack.extend(fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            }
        }
        assert!(seen > 3);
    }

    #[test]
    fn checkout_is_read_only_and_cleaned_up() {
        let repo = feature_repo();
        // An uncommitted change in the user's tree must stay exactly as it is.
        repo.write("src/lib.rs", "local edit\n");
        let status_before = repo.git(&["status", "--porcelain"]);
        let head = repo.git(&["rev-parse", "HEAD"]);
        let base = repo.git(&["rev-parse", "main"]);

        let checkout = ReadOnlyCheckout::create(repo.path(), &head).unwrap();
        let root = checkout.path().to_path_buf();
        assert!(checkout.is_git_repo());
        assert_eq!(
            fs::read_to_string(root.join("src/lib.rs")).unwrap(),
            "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n"
        );
        assert!(root.join("new_name.txt").exists());
        assert!(!root.join("README.md").exists());
        assert_read_only(&root);
        if !privileged() {
            assert!(fs::write(root.join("src/lib.rs"), "x").is_err());
            assert!(fs::write(root.join("new-file"), "x").is_err());
        }

        // Reviewers can use git in it: the range and the head are there.
        let log = git_command(&root)
            .args(["log", "--format=%s", &format!("{base}..HEAD")])
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&log.stdout),
            "Rename notes, add logo\nAdd two()\n"
        );
        let remotes = git_command(&root).arg("remote").output().unwrap();
        assert_eq!(String::from_utf8_lossy(&remotes.stdout), "");

        assert_eq!(repo.git(&["status", "--porcelain"]), status_before);
        assert_eq!(repo.git(&["worktree", "list"]).lines().count(), 1);

        drop(checkout);
        assert!(!root.exists());
        assert!(!root.parent().unwrap().exists());
        assert_eq!(repo.git(&["status", "--porcelain"]), status_before);
    }

    #[test]
    fn explicit_cleanup_and_archive_fallback() {
        let repo = feature_repo();
        let head = repo.git(&["rev-parse", "HEAD"]);
        let holder = tempfile::tempdir().unwrap();
        let dest = holder.path().join("export");
        fs::create_dir(&dest).unwrap();
        archive_at(repo.path(), &dest, &head).unwrap();
        assert!(dest.join("src/lib.rs").exists());
        assert!(!dest.join(".git").exists());

        let checkout = ReadOnlyCheckout::create(repo.path(), &head).unwrap();
        let root = checkout.path().to_path_buf();
        checkout.cleanup().unwrap();
        assert!(!root.exists());
    }

    #[test]
    fn checkout_keeps_links_and_modes() {
        use std::os::unix::fs::PermissionsExt;
        let repo = Repo::new();
        repo.write("bin/run.sh", "#!/bin/sh\necho hi\n");
        let script = repo.path().join("bin/run.sh");
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let victim = elsewhere.path().join("victim.txt");
        fs::write(&victim, "v").unwrap();
        fs::set_permissions(&victim, fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&victim, repo.path().join("outside")).unwrap();
        std::os::unix::fs::symlink("bin/run.sh", repo.path().join("run")).unwrap();
        let head = repo.commit("links");
        let checkout = ReadOnlyCheckout::create(repo.path(), &head).unwrap();
        let root = checkout.path();
        let mode = fs::metadata(root.join("bin/run.sh"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o555);
        assert_eq!(fs::read_link(root.join("outside")).unwrap(), victim);
        assert_eq!(
            fs::read_to_string(root.join("run")).unwrap(),
            "#!/bin/sh\necho hi\n"
        );
        // The link's target outside the checkout was not touched.
        let mode = fs::metadata(&victim).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        let root = root.to_path_buf();
        drop(checkout);
        assert!(!root.exists());
    }

    #[test]
    fn checkout_of_a_bad_revision_fails() {
        let repo = Repo::new();
        repo.write("a", "a\n");
        repo.commit("a");
        let err = ReadOnlyCheckout::create(repo.path(), "0123456789abcdef0123456789abcdef01234567")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("cannot check out 0123456789abcdef"),
            "{err}"
        );
    }

    #[test]
    fn workdir_names_have_the_created_shape() {
        let dir = tempfile::tempdir().unwrap();
        let created = WorkDir::create(dir.path(), "pr-323", at(16, 58, 17)).unwrap();
        assert!(is_workdir_name(&created.id), "{}", created.id);
        for name in [
            "20260417-165817-",
            "20260417-165817",
            "2026041-165817-x",
            "reviews",
            ".gitignore",
            "20260417_165817-x",
        ] {
            assert!(!is_workdir_name(name), "{name}");
        }
    }
}
