//! Puts the commit the binary was built from, and its date, in `--version`:
//! `DEEP_REVIEW_COMMIT` and `DEEP_REVIEW_COMMIT_DATE`, "unknown" when git or the
//! repository is not there (a crate tarball). Never fails the build.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// Rebuild when HEAD moves: HEAD itself, the branch it names, packed refs. Only paths
/// that exist (Cargo reruns the script on every build for one that does not).
fn watch_head() {
    let (Some(git_dir), Some(common_dir)) = (
        git(&["rev-parse", "--path-format=absolute", "--git-dir"]),
        git(&["rev-parse", "--path-format=absolute", "--git-common-dir"]),
    ) else {
        return;
    };
    let mut paths = vec![
        Path::new(&git_dir).join("HEAD"),
        Path::new(&common_dir).join("packed-refs"),
    ];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        paths.push(Path::new(&common_dir).join(branch));
    }
    for path in paths.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    watch_head();
    let commit = git(&["rev-parse", "--short=9", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let date = git(&["log", "-1", "--format=%cs", "HEAD"]).unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=DEEP_REVIEW_COMMIT={commit}");
    println!("cargo:rustc-env=DEEP_REVIEW_COMMIT_DATE={date}");
}
