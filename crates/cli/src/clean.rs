//! `deep-review clean`: removes old work directories from where reviews go (default
//! `.deep-review/reviews/` at the repository root, or the configured `out`; outside any
//! repository, the current directory's, where reviews in a pull request's mirror go).
//!
//! Only directories that look like work directories are touched: a real directory (not
//! a symbolic link) named `YYYYMMDD-HHMMSS-<slug>` holding `review.json` or
//! `prompt.md`. Its age is the time since the newest modification of the directory or
//! a file directly in it, so a review re-consolidated last week is not old. Removal
//! never follows a symbolic link, and restores the write permission that a left-over
//! read-only checkout lacks.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use clap::Args;
use deep_review_core::config::{self, Overrides};
use deep_review_core::{target, workdir};

use crate::exit::{self, CmdResult};
use crate::output;

#[derive(Args, Debug)]
pub struct CleanArgs {
    /// The repository whose work directories to remove (default: the current directory).
    pub target: Option<PathBuf>,
    /// Remove work directories not modified for this long, e.g. 30d, 12h.
    #[arg(long, default_value = "30d", value_name = "DURATION")]
    pub older_than: String,
    /// Say what would be removed, and remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Parent directory of the work directories (default: the configured `out`, else
    /// .deep-review/reviews).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Configuration file (replaces the repository's deep-review.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
}

pub fn clean(args: &CleanArgs) -> CmdResult {
    let age = config::parse_duration(&args.older_than)
        .map_err(|e| exit::usage(anyhow::anyhow!("--older-than: {e}")))?;
    let cwd = crate::current_dir()?;
    // The repository named, else the one here (asked of git once).
    let root = target::repo_root(&cwd.join(args.target.as_deref().unwrap_or(Path::new("."))));
    let out = match (&args.out, root) {
        (Some(out), _) => cwd.join(out),
        (None, Ok(root)) => {
            let settings = crate::load_config(
                &cwd,
                &root,
                args.config.as_deref(),
                &Overrides::default(),
                Some((None, None)),
            )?;
            settings.out_dir(&root)
        }
        // Outside any repository: where reviews of pull requests in a mirror went.
        (None, Err(_)) if args.target.is_none() => {
            let explicit = args.config.as_ref().map(|p| cwd.join(p));
            crate::consolidate_settings(None, explicit.as_deref())?.out_dir(&cwd)
        }
        (None, Err(e)) => return Err(e.into()),
    };
    let now = SystemTime::now();
    let old = old_workdirs(&out, age, now)
        .map_err(|e| exit::runtime(anyhow::anyhow!("cannot list {}: {e}", out.display())))?;
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut freed = 0u64;
    for dir in &old {
        let bytes = if args.dry_run {
            tree_size(dir)
        } else {
            remove_tree(dir)
        }
        .map_err(|e| exit::runtime(anyhow::anyhow!("cannot remove {}: {e}", dir.display())))?;
        freed += bytes;
        output::line(format_args!("{verb} {} ({})", dir.display(), human(bytes)))?;
    }
    let what = match old.len() {
        0 => format!(
            "no work directories older than {} in {}",
            args.older_than,
            out.display()
        ),
        n => format!(
            "{verb} {n} work director{} older than {}, {} {} ({freed} bytes)",
            if n == 1 { "y" } else { "ies" },
            args.older_than,
            if args.dry_run { "freeing" } else { "freed" },
            human(freed),
        ),
    };
    output::line(what)?;
    Ok(exit::SUCCESS)
}

/// The work directories directly under `out` last modified more than `age` before
/// `now`, by name. A missing `out` has none.
fn old_workdirs(out: &Path, age: Duration, now: SystemTime) -> io::Result<Vec<PathBuf>> {
    let entries = match fs::read_dir(out) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut old = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if !is_workdir(&path) {
            continue;
        }
        let Ok(modified) = newest_modification(&path) else {
            continue;
        };
        if now.duration_since(modified).is_ok_and(|d| d > age) {
            old.push(path);
        }
    }
    old.sort();
    Ok(old)
}

fn is_workdir(path: &Path) -> bool {
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(workdir::is_workdir_name);
    let is_dir = fs::symlink_metadata(path).is_ok_and(|m| m.is_dir());
    let has_file = |name: &str| fs::symlink_metadata(path.join(name)).is_ok_and(|m| m.is_file());
    named && is_dir && (has_file(workdir::MANIFEST_FILE) || has_file(workdir::PROMPT_FILE))
}

/// The latest modification time of `dir` and the entries directly in it (links not
/// followed).
fn newest_modification(dir: &Path) -> io::Result<SystemTime> {
    let mut newest = fs::symlink_metadata(dir)?.modified()?;
    for entry in fs::read_dir(dir)? {
        if let Ok(modified) = fs::symlink_metadata(entry?.path()).and_then(|m| m.modified()) {
            newest = newest.max(modified);
        }
    }
    Ok(newest)
}

/// Bytes of the regular files under `root`; symbolic links are not followed.
fn tree_size(root: &Path) -> io::Result<u64> {
    let mut total = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = fs::symlink_metadata(&path)?;
        if meta.is_dir() {
            for entry in fs::read_dir(&path)? {
                stack.push(entry?.path());
            }
        } else if meta.is_file() {
            total += meta.len();
        }
    }
    Ok(total)
}

/// Removes `root` and everything under it, returning the bytes of the regular files it
/// removed. Symbolic links are removed, never followed; a directory without write
/// permission (a read-only checkout left by an interrupted review) gets it back first.
fn remove_tree(root: &Path) -> io::Result<u64> {
    use std::os::unix::fs::PermissionsExt;
    let meta = fs::symlink_metadata(root)?;
    if !meta.is_dir() {
        let len = if meta.is_file() { meta.len() } else { 0 };
        fs::remove_file(root)?;
        return Ok(len);
    }
    let mode = meta.permissions().mode();
    if mode & 0o700 != 0o700 {
        fs::set_permissions(root, fs::Permissions::from_mode(mode | 0o700))?;
    }
    let mut total = 0;
    for entry in fs::read_dir(root)? {
        total += remove_tree(&entry?.path())?;
    }
    fs::remove_dir(root)?;
    Ok(total)
}

/// `1.5 KiB`-style sizes.
fn human(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_du() {
        for (bytes, text) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (5 * 1024 * 1024, "5.0 MiB"),
        ] {
            assert_eq!(human(bytes), text);
        }
    }

    #[test]
    fn removal_counts_bytes_and_leaves_link_targets_alone() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside");
        fs::create_dir(&outside).unwrap();
        fs::write(outside.join("keep.txt"), "keep me").unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir_all(tree.join("checkout/src")).unwrap();
        fs::write(tree.join("review.json"), "{}").unwrap();
        fs::write(tree.join("checkout/src/lib.rs"), "fn x() {}\n").unwrap();
        std::os::unix::fs::symlink(&outside, tree.join("link")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(tree.join("checkout"), fs::Permissions::from_mode(0o555)).unwrap();

        assert_eq!(tree_size(&tree).unwrap(), 12);
        assert_eq!(remove_tree(&tree).unwrap(), 12);
        assert!(!tree.exists());
        assert_eq!(
            fs::read_to_string(outside.join("keep.txt")).unwrap(),
            "keep me"
        );
    }
}
