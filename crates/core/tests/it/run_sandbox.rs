//! `command` reviewers confined by the `deep-review-sandbox` launcher (Landlock), run
//! as real processes against a real repository and its real read-only checkout: each
//! way a hostile reviewer could reach the user's repository or home fails, and the
//! reviewer still delivers its review.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::run_reviewer;
use deep_review_core::sandbox::{self, Support};
use deep_review_core::workdir::ReadOnlyCheckout;
use support::{sh, Fixture};
use tokio_util::sync::CancellationToken;

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Every file under `dir`, relative, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                stack.push(path.clone());
            }
            files.push(path.strip_prefix(dir).unwrap().to_path_buf());
        }
    }
    files.sort();
    files
}

#[tokio::test]
async fn a_hostile_command_reviewer_reaches_neither_the_repository_nor_the_home() {
    assert_ne!(
        sandbox::probe(),
        Support::None,
        "this test needs a kernel with Landlock (ABI 3 or later)"
    );
    let top = tempfile::tempdir().unwrap();
    let repo = top.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "--quiet"]);
    std::fs::write(repo.join("lib.rs"), "pub fn f() {}\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "--quiet", "-m", "one"]);
    let head = git(&repo, &["rev-parse", "HEAD"]);
    let checkout = ReadOnlyCheckout::create(&repo, &head).unwrap();
    let home = top.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_rsa"), "PRIVATE-KEY-STAND-IN\n").unwrap();

    let mut fx = Fixture::sandboxed();
    // The work directory lives inside the user's repository, as in a real review.
    let workdir = repo.join(".deep-review/run");
    std::fs::create_dir_all(&workdir).unwrap();
    std::fs::copy(&fx.ctx.prompt_file, workdir.join("prompt.md")).unwrap();
    fx.ctx.prompt_file = workdir.join("prompt.md");
    fx.ctx.workdir = workdir;
    fx.ctx.checkout = checkout.path().to_path_buf();
    let before = listing(&repo);
    let branches = git(&repo, &["branch", "--list"]);

    let script = format!(
        r#"R='{repo}'; C="$DEEP_REVIEW_REPO"
try() {{ if sh -c "$2" 2>/dev/null; then echo "$1: done"; else echo "$1: denied"; fi; }}
echo '## Review'
try worktree "echo x > $R/pwned"
try hook "echo 'echo owned' > $R/.git/hooks/post-checkout"
try branch "git -C $R branch evil"
try objects "echo x > $R/.git/objects/pwned"
try checkout "chmod -R u+w $C && echo x > $C/pwned"
try home "cat {home}/.ssh/id_rsa"
try log "git -C $C log --oneline -1 >/dev/null"
echo 'No problems found.'"#,
        repo = repo.display(),
        home = home.display(),
    );
    let config = sh("hostile", &script);
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let review = fx.review("hostile").unwrap();
    for attack in ["worktree", "hook", "branch", "objects", "checkout", "home"] {
        assert!(
            review.contains(&format!("{attack}: denied")),
            "{attack}:\n{review}"
        );
    }
    // Reading the checkout's history (through the borrowed object store) still works.
    assert!(review.contains("log: done"), "{review}");
    assert!(!review.contains("PRIVATE-KEY"), "{review}");
    let after: Vec<PathBuf> = listing(&repo)
        .into_iter()
        .filter(|p| !p.starts_with(".deep-review"))
        .collect();
    let before: Vec<PathBuf> = before
        .into_iter()
        .filter(|p| !p.starts_with(".deep-review"))
        .collect();
    assert_eq!(after, before);
    assert_eq!(git(&repo, &["branch", "--list"]), branches);
    assert!(!checkout.path().join("pwned").exists());
    assert!(record.notes.iter().all(|n| !n.contains("not sandboxed")));
    checkout.cleanup().unwrap();
}

#[tokio::test]
async fn an_output_file_reviewer_writes_its_review_and_nothing_else() {
    let fx = Fixture::sandboxed();
    let mut config = sh(
        "filer",
        "echo x > \"$DEEP_REVIEW_WORKDIR/review-other-pass-1.md\" 2>/dev/null; \
         echo x > \"$HOME/note\" && echo x > \"$TMPDIR/scratch\" && \
         printf '## Review\\n\\nNo problems found.\\n' > \"$DEEP_REVIEW_OUTPUT_FILE\"",
    );
    config.output = deep_review_core::config::OutputMode::File;
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(
        fx.review("filer").as_deref(),
        Some("## Review\n\nNo problems found.\n")
    );
    assert!(!fx.ctx.workdir.join("review-other-pass-1.md").exists());
}

#[tokio::test]
async fn without_the_launcher_the_record_says_the_reviewer_was_not_sandboxed() {
    let fx = Fixture::new();
    let config = sh("open", "echo 'No problems found.'");
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert!(
        record.notes.iter().any(|n| n.starts_with("not sandboxed")),
        "{:?}",
        record.notes
    );
}

/// A `cargo` standing in for one whose build script misbehaves: it tries to write
/// outside its scratch copy, to read the user's home and to connect to a local port,
/// records what happened in its target directory (which it may write), and reports no
/// diagnostic.
fn hostile_cargo(fx: &Fixture, outside: &Path, home: &Path, port: u16) {
    fx.script(
        "cargo",
        &format!(
            r#"try() {{ if sh -c "$2" 2>/dev/null; then echo "$1: done"; else echo "$1: denied"; fi; }}
mkdir -p "$CARGO_TARGET_DIR"
{{
try control "bash -c 'exit 0'"
try outside "echo x > {outside}"
try home "cat {home}/.ssh/id_rsa"
try connect "bash -c 'echo hello > /dev/tcp/127.0.0.1/{port}'"
try scratch "echo x > $PWD/scratch-file"
}} > "$CARGO_TARGET_DIR/attempts.txt"
echo '{{"reason":"build-finished","success":true}}'
"#,
            outside = outside.display(),
            home = home.display(),
        ),
    );
}

#[tokio::test]
async fn the_builtin_reviewer_runs_the_changes_build_without_network_or_writes_outside() {
    let support = sandbox::probe();
    assert!(
        support.network(),
        "this test needs a kernel whose Landlock can deny TCP (ABI 4 or later)"
    );
    let fx = Fixture::sandboxed();
    let top = tempfile::tempdir().unwrap();
    let outside = top.path().join("written-by-build-rs");
    let home = top.path().join("home");
    std::fs::create_dir_all(home.join(".ssh")).unwrap();
    std::fs::write(home.join(".ssh/id_rsa"), "PRIVATE-KEY-STAND-IN\n").unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    hostile_cargo(&fx, &outside, &home, port);

    let checkout = &fx.ctx.checkout;
    std::fs::write(
        checkout.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(
        checkout.join("src/lib.rs"),
        "pub fn f() {}\npub fn g() {}\n",
    )
    .unwrap();
    std::fs::write(
        &fx.ctx.diff_file,
        "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n\
         @@ -1 +1,2 @@\n pub fn f() {}\n+pub fn g() {}\n",
    )
    .unwrap();
    // The attempts are recorded in a target directory the test names: the one extra
    // writable place a configuration can give cargo.
    let target = top.path().join("target");
    let mut config = ReviewerConfig::new("builtin", BackendKind::Builtin);
    config.env.insert(
        "PATH".into(),
        format!("{}:/usr/bin:/bin", fx.bin_dir().display()),
    );
    config
        .env
        .insert("CARGO_TARGET_DIR".into(), target.display().to_string());
    config.env.insert("HOME".into(), home.display().to_string());

    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let attempts = std::fs::read_to_string(target.join("attempts.txt"))
        .unwrap_or_else(|e| panic!("the fake cargo did not run ({e}): {:?}", record.notes));
    for attack in ["outside", "home", "connect"] {
        assert!(
            attempts.contains(&format!("{attack}: denied")),
            "{attack}:\n{attempts}"
        );
    }
    // The tools the attempts use work: a denial is the sandbox's.
    assert!(attempts.contains("control: done"), "{attempts}");
    assert!(attempts.contains("scratch: done"), "{attempts}");
    assert!(!outside.exists());
    assert!(
        listener.accept().is_err(),
        "the build connected to 127.0.0.1"
    );
    assert!(
        !record.notes.iter().any(|n| n.contains("clippy: skipped")),
        "{:?}",
        record.notes
    );
}
