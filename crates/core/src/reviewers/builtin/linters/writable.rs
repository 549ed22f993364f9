//! A writable copy of the read-only checkout, for linters that write next to the code
//! (cargo: `Cargo.lock`, build scripts' `OUT_DIR`). Deleted when dropped.

use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// Stop copying a checkout beyond this many entries.
const MAX_COPY_ENTRIES: usize = 200_000;

/// Copies `checkout` into a new temp dir for `tool`; the error is the note to show.
pub(super) async fn copy(tool: &str, checkout: &Path) -> Result<TempDir, String> {
    let copy = tempfile::Builder::new()
        .prefix(&format!("deep-review-{tool}-"))
        .tempdir()
        .map_err(|e| format!("{tool}: no temp dir: {e}"))?;
    let src = checkout.to_path_buf();
    let dst = copy.path().to_path_buf();
    tokio::task::spawn_blocking(move || copy_tree(&src, &dst))
        .await
        .map_err(|e| e.to_string())
        .and_then(|copied| copied)
        .map_err(|e| format!("{tool}: copying the checkout failed: {e}"))?;
    Ok(copy)
}

/// Copies a checkout (without `.git`, `target`, `node_modules`), making it writable.
fn copy_tree(src: &Path, dst: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let mut stack = vec![PathBuf::new()];
    let mut entries = 0usize;
    while let Some(rel) = stack.pop() {
        let from = src.join(&rel);
        let to = dst.join(&rel);
        std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
        let _ = std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o755));
        let listing = std::fs::read_dir(&from).map_err(|e| format!("{}: {e}", from.display()))?;
        for entry in listing.flatten() {
            entries += 1;
            if entries > MAX_COPY_ENTRIES {
                return Err(format!("more than {MAX_COPY_ENTRIES} files"));
            }
            let name = entry.file_name();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let rel_child = rel.join(&name);
            if kind.is_dir() {
                if !matches!(name.to_str(), Some(".git" | "target" | "node_modules")) {
                    stack.push(rel_child);
                }
            } else if kind.is_symlink() {
                if let Ok(link) = std::fs::read_link(entry.path()) {
                    let _ = std::os::unix::fs::symlink(link, dst.join(&rel_child));
                }
            } else if kind.is_file() {
                copy_file(&entry.path(), &dst.join(&rel_child))?;
            }
        }
    }
    Ok(())
}

/// Copies one file keeping its mode, plus write permission for its owner.
fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::copy(from, to).map_err(|e| format!("{}: {e}", to.display()))?;
    let mode = std::fs::metadata(from)
        .map(|m| m.permissions().mode())
        .unwrap_or(0o644);
    let _ = std::fs::set_permissions(to, std::fs::Permissions::from_mode(mode | 0o200));
    Ok(())
}
