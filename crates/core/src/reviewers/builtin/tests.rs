//! The builtin reviewer end to end on temporary git repositories: real `git`, a base
//! and a head commit, the diff from `git diff --no-ext-diff`, head exported into a
//! read-only directory as the pipeline does, then [`review`].

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::*;
use crate::config::BackendKind;

struct Repo {
    dir: tempfile::TempDir,
}

fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl Repo {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        Repo { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }

    fn commit(&self, message: &str) -> String {
        git(self.path(), &["add", "-A"]);
        git(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        String::from_utf8_lossy(&git(self.path(), &["rev-parse", "HEAD"]))
            .trim()
            .to_string()
    }
}

/// Makes a tree read-only (like the pipeline's checkout) or writable again.
fn set_writable(root: &Path, writable: bool) {
    let mode = if writable { "u+w" } else { "a-w" };
    let status = Command::new("chmod")
        .args(["-R", mode])
        .arg(root)
        .status()
        .expect("chmod");
    assert!(status.success());
}

/// Reviews `base..head` of the repository at `git_dir` (a work tree or a bare repo).
async fn review_range(
    git_dir: &Path,
    base: &str,
    head: &str,
    config: &ReviewerConfig,
) -> BuiltinOutcome {
    let work = tempfile::tempdir().expect("temp dir");
    let diff = git(
        git_dir,
        &["diff", "--no-ext-diff", "--no-color", "-M", base, head],
    );
    let diff_file = work.path().join("diff.patch");
    std::fs::write(&diff_file, diff).expect("write diff");
    let checkout = work.path().join("checkout");
    std::fs::create_dir_all(&checkout).expect("mkdir");
    let archive = git(git_dir, &["archive", "--format=tar", head]);
    let tar_file = work.path().join("head.tar");
    std::fs::write(&tar_file, archive).expect("write tar");
    let status = Command::new("tar")
        .arg("-xf")
        .arg(&tar_file)
        .arg("-C")
        .arg(&checkout)
        .status()
        .expect("tar");
    assert!(status.success());
    set_writable(&checkout, false);
    let ctx = RunContext {
        workdir: work.path().to_path_buf(),
        checkout: checkout.clone(),
        prompt_file: work.path().join("prompt.md"),
        diff_file,
        base: base.to_string(),
        head: head.to_string(),
        pass: 1,
        sandbox: None,
    };
    let outcome = review(config, &ctx, &CancellationToken::new()).await;
    set_writable(&checkout, true);
    outcome
}

/// A builtin reviewer that finds no linter (an empty PATH for the tools).
fn no_linters() -> ReviewerConfig {
    let mut c = ReviewerConfig::new("builtin", BackendKind::Builtin);
    c.env.insert("PATH".into(), "/nonexistent".into());
    c
}

/// The real linters, unconfined: these unit tests have no sandbox launcher (the
/// sandboxed runs are in `tests/run_sandbox.rs`).
fn with_linters(target: &Path) -> ReviewerConfig {
    let mut c = ReviewerConfig::new("builtin", BackendKind::Builtin);
    c.trust_code = true;
    c.env
        .insert("CARGO_TARGET_DIR".into(), target.display().to_string());
    c
}

/// The fenced JSON block at the end of the review.
fn json_block(review: &str) -> Value {
    let start = review.rfind("```json\n").expect("json block") + "```json\n".len();
    let end = review[start..].find("\n```").expect("closing fence") + start;
    serde_json::from_str(&review[start..end]).expect("valid json")
}

/// (id, severity, location, tool/rule) of every finding in the JSON block.
fn findings(review: &str) -> Vec<(String, String, String, String)> {
    let block = json_block(review);
    block["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or("").to_string(),
                f["severity"].as_str().unwrap_or("").to_string(),
                f["locations"][0].as_str().unwrap_or("").to_string(),
                format!(
                    "{}/{}",
                    f["tool"].as_str().unwrap_or(""),
                    f["rule"].as_str().unwrap_or("")
                ),
            )
        })
        .collect()
}

fn has_tool(name: &str) -> bool {
    Command::new("which")
        .arg(name)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// `clippy 40/6/1` per linter: diagnostics, in changed files, on added lines.
fn tool_summary(review: &str) -> String {
    json_block(review)["tools"]
        .as_array()
        .map(|tools| {
            tools
                .iter()
                .map(|t| {
                    format!(
                        "{} {}/{}/{}",
                        t["name"].as_str().unwrap_or(""),
                        t["diagnostics"],
                        t["in_changed_files"],
                        t["on_added_lines"]
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

fn outcome_text(o: &BuiltinOutcome) -> String {
    format!(
        "{}\n{:?}\n{:?}\n{:?}",
        o.review, o.notes, o.files_read, o.tool_calls
    )
}

#[tokio::test]
async fn leaked_keys_are_critical_and_masked_everywhere() {
    let repo = Repo::new();
    repo.write("app/settings.py", "DEBUG = False\n");
    let base = repo.commit("base");
    let aws = "AKIAZ3MHQW7XK2PLV9TD";
    let gh = "ghp_4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9";
    let generic = "q8Zr3Lm0Xw7Tb2Nc9Vd4";
    repo.write(
        "app/settings.py",
        format!(
            "DEBUG = False\nAWS_ACCESS_KEY_ID = \"{aws}\"\nGITHUB_TOKEN = '{gh}'\napi_key = \"{generic}\"  # TODO rotate {aws}\n"
        ),
    );
    let head = repo.commit("add settings");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;

    let got = findings(&out.review);
    let critical: Vec<_> = got.iter().filter(|f| f.1 == "critical").collect();
    assert_eq!(
        critical
            .iter()
            .map(|f| (f.2.as_str(), f.3.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("app/settings.py:2", "secrets/aws-access-key-id"),
            ("app/settings.py:3", "secrets/github-token"),
            ("app/settings.py:4", "secrets/aws-access-key-id"),
            ("app/settings.py:4", "secrets/high-entropy-assignment"),
        ],
        "{}",
        out.review
    );
    let all = outcome_text(&out);
    for raw in [aws, gh, generic] {
        assert!(!all.contains(raw), "raw secret {raw} leaked:\n{all}");
    }
    assert!(all.contains("AKIA****"), "{all}");
    assert!(all.contains("ghp_****"), "{all}");
    assert_eq!(json_block(&out.review)["verdict"], "rework");
    assert!(out.review.contains("**Verdict:** Rework"));
    // The limitation text is masked too.
    let lim = &json_block(&out.review)["limitations"][0]["text"];
    assert_eq!(lim, "TODO rotate AKIA****");
}

/// A secret the base revision already had (the change only moves it) is a gap of
/// important severity, not a critical regression of this change; a new one next to it
/// stays critical. Needs a checkout that is a git repository, as production makes.
#[tokio::test]
async fn a_secret_already_in_the_base_is_not_a_regression_of_the_change() {
    let repo = Repo::new();
    let old = ["AKIA", "Z3MHQW7XK2PLV9TD"].concat();
    let new = ["ghp_", "4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9"].concat();
    repo.write("app/settings.py", format!("AWS_KEY = \"{old}\"\n"));
    let base = repo.commit("base");
    repo.write(
        "app/settings.py",
        format!("# renamed\nAWS_KEY_ID = \"{old}\"\nGITHUB_TOKEN = \"{new}\"\n"),
    );
    let head = repo.commit("move the key, add a token");
    let work = tempfile::tempdir().unwrap();
    let checkout = work.path().join("checkout");
    git(
        repo.path(),
        &["clone", "-q", ".", checkout.to_str().unwrap()],
    );
    let diff = git(repo.path(), &["diff", "--no-color", &base, &head]);
    std::fs::write(work.path().join("diff.patch"), diff).unwrap();
    let ctx = RunContext {
        workdir: work.path().to_path_buf(),
        checkout,
        prompt_file: work.path().join("prompt.md"),
        diff_file: work.path().join("diff.patch"),
        base,
        head,
        pass: 1,
        sandbox: None,
    };
    let out = review(&no_linters(), &ctx, &CancellationToken::new()).await;
    let got: Vec<(String, String)> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("secrets/"))
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(
        got,
        [
            ("critical".to_string(), "app/settings.py:3".to_string()),
            ("important".to_string(), "app/settings.py:2".to_string()),
        ],
        "{}",
        out.review
    );
    assert!(
        out.review
            .contains("`AWS_KEY_ID` is assigned an AWS access key id (`AKIA****`)"),
        "{}",
        out.review
    );
    assert!(out.review.contains("(important, gap)"), "{}", out.review);
}

/// A token pasted into a commit message of the change is flagged (at the commit, not at
/// a file) and masked; a commit before the base is not the change's.
#[tokio::test]
async fn a_token_in_a_commit_message_is_flagged_and_masked() {
    let repo = Repo::new();
    let old = ["ghp_", "0Aa1Bb2Cc3Dd4Ee5Ff6Gg7Hh8Ii9Jj0Kk1Ll"].concat();
    let token = ["ghp_", "4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9"].concat();
    repo.write("README.md", "hello\n");
    let base = repo.commit(&format!("base\n\nold token {old}"));
    repo.write("README.md", "hello world\n");
    let head = repo.commit(&format!(
        "docs: wording\n\nused GITHUB_TOKEN={token} to test"
    ));
    let work = tempfile::tempdir().unwrap();
    let checkout = work.path().join("checkout");
    git(
        repo.path(),
        &["clone", "-q", ".", checkout.to_str().unwrap()],
    );
    let diff = git(repo.path(), &["diff", "--no-color", &base, &head]);
    std::fs::write(work.path().join("diff.patch"), diff).unwrap();
    let ctx = RunContext {
        workdir: work.path().to_path_buf(),
        checkout,
        prompt_file: work.path().join("prompt.md"),
        diff_file: work.path().join("diff.patch"),
        base,
        head: head.clone(),
        pass: 1,
        sandbox: None,
    };
    let out = review(&no_linters(), &ctx, &CancellationToken::new()).await;
    let block = json_block(&out.review);
    let secrets: Vec<&Value> = block["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["tool"] == "secrets")
        .collect();
    assert_eq!(secrets.len(), 1, "{}", out.review);
    let f = secrets[0];
    assert_eq!(f["severity"], "critical");
    assert_eq!(f["source"], "commits");
    assert_eq!(f["locations"], serde_json::json!([]));
    let short = &head[..7];
    assert!(
        f["title"]
            .as_str()
            .unwrap()
            .contains(&format!("commit `{short}")),
        "{f}"
    );
    let all = outcome_text(&out);
    assert!(!all.contains(&token), "the token leaked:\n{all}");
    assert!(all.contains("ghp_****"), "{all}");
    assert!(
        !all.contains(&old[..12]),
        "a commit before the base was flagged"
    );
}

#[tokio::test]
async fn conflict_markers_are_critical() {
    let repo = Repo::new();
    repo.write("notes.txt", "one\n");
    let base = repo.commit("base");
    repo.write(
        "notes.txt",
        "one\n<<<<<<< HEAD\ntwo\n=======\nthree\n>>>>>>> feature\n",
    );
    let head = repo.commit("oops");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    assert_eq!(
        findings(&out.review),
        vec![(
            "C1".into(),
            "critical".into(),
            "notes.txt:2".into(),
            "conflict-markers/merge-conflict".into()
        )]
    );
}

/// A tiny crate whose change adds a second needless `return` (line 6; line 2 was
/// there before): clippy reports both, the review keeps the added one.
async fn check_clippy_reports_only_warnings_on_added_lines(config: &ReviewerConfig) {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    );
    let old = "pub fn old(x: u32) -> u32 {\n    return x + 1;\n}\n";
    repo.write("src/lib.rs", old);
    let base = repo.commit("base");
    repo.write(
        "src/lib.rs",
        format!("{old}\npub fn new(x: u32) -> u32 {{\n    return x + 2;\n}}\n"),
    );
    let head = repo.commit("add new");
    let out = review_range(repo.path(), &base, &head, config).await;
    let clippy: Vec<_> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("clippy/"))
        .collect();
    assert_eq!(
        clippy,
        vec![(
            "S1".into(),
            "suggestion".into(),
            "src/lib.rs:6".into(),
            "clippy/needless_return".into()
        )],
        "notes: {:?}\n{}",
        out.notes,
        out.review
    );
    assert_eq!(out.tool_calls.get("clippy"), Some(&1));
    assert!(
        out.review.contains("    return x + 2;"),
        "snippet: {}",
        out.review
    );
    assert!(out
        .review
        .contains("- `src/lib.rs` — clippy, builtin checks"));
    assert!(
        out.review
            .contains("- clippy: 2 diagnostics, 2 in changed files, 1 on added lines (reported)"),
        "{}",
        out.review
    );
}

#[tokio::test]
async fn clippy_reports_only_warnings_on_added_lines() {
    let fakes = FakeTools::new();
    fakes.replay(
        "cargo",
        "--message-format=json",
        include_str!("../../../tests/fixtures/linters/clippy-needless-return.stdout.jsonl"),
    );
    check_clippy_reports_only_warnings_on_added_lines(&fakes.config()).await;
    assert_eq!(
        fakes.calls("cargo"),
        ["clippy --message-format=json --quiet --offline"]
    );
}

/// A one-crate repository and a change adding a function: (repo, base, head).
fn crate_with_one_change() -> (Repo, String, String) {
    let repo = Repo::new();
    repo.write(
        "Cargo.toml",
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    );
    repo.write("src/lib.rs", "pub fn f() {}\n");
    let base = repo.commit("base");
    repo.write("src/lib.rs", "pub fn f() {}\npub fn g() {}\n");
    let head = repo.commit("g");
    (repo, base, head)
}

#[tokio::test]
async fn clippy_without_a_sandbox_is_skipped_unless_the_code_is_trusted() {
    let fakes = FakeTools::new();
    fakes.replay(
        "cargo",
        "--message-format=json",
        include_str!("../../../tests/fixtures/linters/clippy-needless-return.stdout.jsonl"),
    );
    let mut config = fakes.config();
    config.trust_code = false;
    let (repo, base, head) = crate_with_one_change();
    let out = review_range(repo.path(), &base, &head, &config).await;
    assert!(fakes.calls("cargo").is_empty(), "cargo ran unconfined");
    assert!(
        out.notes.iter().any(|n| n
            .starts_with("clippy: skipped: it runs the change's build scripts")
            && n.contains("hint: set `trust_code = true` under `[reviewers.builtin]`")),
        "{:?}",
        out.notes
    );
}

/// A pull request's code is not run, even by a reviewer that trusts the code it is
/// given, unless the review was told `--trust-pr-code`.
#[tokio::test]
async fn a_pull_requests_code_is_not_run_without_trust_pr_code() {
    let fakes = FakeTools::new();
    fakes.replay(
        "cargo",
        "--message-format=json",
        include_str!("../../../tests/fixtures/linters/clippy-needless-return.stdout.jsonl"),
    );
    let mut config = fakes.config();
    config.trust_code = true;
    config.untrusted_pr = true;
    let (repo, base, head) = crate_with_one_change();
    let out = review_range(repo.path(), &base, &head, &config).await;
    assert!(
        fakes.calls("cargo").is_empty(),
        "cargo ran a pull request's code"
    );
    assert!(
        out.notes.iter().any(|n| n
            .starts_with("clippy: skipped: it runs the change's build scripts")
            && n.contains("the change is a pull request")
            && n.contains("--trust-pr-code")),
        "{:?}",
        out.notes
    );
    // Told to trust it, the same reviewer runs clippy.
    config.untrusted_pr = false;
    let _ = review_range(repo.path(), &base, &head, &config).await;
    assert!(
        !fakes.calls("cargo").is_empty(),
        "cargo did not run once trusted"
    );
}

#[tokio::test]
#[ignore = "needs cargo clippy; compiles a crate"]
async fn clippy_reports_only_warnings_on_added_lines_with_real_clippy() {
    assert!(has_tool("cargo"), "cargo is not on PATH");
    let target = tempfile::tempdir().expect("temp dir");
    check_clippy_reports_only_warnings_on_added_lines(&with_linters(target.path())).await;
}

/// `import sys` added under an unused `import os`: ruff reports both, the review
/// keeps line 2.
async fn check_ruff_reports_only_added_lines(config: &ReviewerConfig) -> BuiltinOutcome {
    let repo = Repo::new();
    repo.write("pkg/mod.py", "import os\n\n\ndef f():\n    return 1\n");
    let base = repo.commit("base");
    repo.write(
        "pkg/mod.py",
        "import os\nimport sys\n\n\ndef f():\n    return 1\n",
    );
    let head = repo.commit("import sys");
    let out = review_range(repo.path(), &base, &head, config).await;
    let ruff: Vec<_> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("ruff/"))
        .collect();
    assert_eq!(
        ruff,
        vec![(
            "S1".into(),
            "suggestion".into(),
            "pkg/mod.py:2".into(),
            "ruff/F401".into()
        )],
        "{:?}\n{}",
        out.notes,
        out.review
    );
    out
}

#[tokio::test]
async fn ruff_reports_only_added_lines() {
    let fakes = FakeTools::new();
    fakes.replay(
        "ruff",
        "--output-format=json",
        include_str!("../../../tests/fixtures/linters/ruff-unused-imports.stdout.json"),
    );
    let out = check_ruff_reports_only_added_lines(&fakes.config()).await;
    assert_eq!(
        fakes.calls("ruff"),
        ["check --output-format=json --no-cache --exit-zero --isolated --select=E4,E7,E9,F -- pkg/mod.py"]
    );
    assert_eq!(out.tool_calls.get("ruff"), Some(&1));
    assert!(
        out.review
            .contains("- ruff: 2 diagnostics, 2 in changed files, 1 on added lines (reported)"),
        "{}",
        out.review
    );
}

#[tokio::test]
#[ignore = "needs ruff"]
async fn ruff_reports_only_added_lines_with_real_ruff() {
    assert!(has_tool("ruff"), "ruff is not on PATH");
    check_ruff_reports_only_added_lines(&no_linters_but_path()).await;
}

/// `ls $2` added under `echo $1` in a script found by its shebang: shellcheck reports
/// SC2086 on both lines, the review keeps line 3.
async fn check_shellcheck_reports_only_added_lines(config: &ReviewerConfig) -> BuiltinOutcome {
    let repo = Repo::new();
    repo.write("bin/run", "#!/bin/sh\necho $1\n");
    let base = repo.commit("base");
    repo.write("bin/run", "#!/bin/sh\necho $1\nls $2\n");
    let head = repo.commit("ls");
    let out = review_range(repo.path(), &base, &head, config).await;
    let sc: Vec<_> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("shellcheck/"))
        .collect();
    assert_eq!(
        sc,
        vec![(
            "S1".into(),
            "suggestion".into(),
            "bin/run:3".into(),
            "shellcheck/SC2086".into()
        )],
        "{:?}\n{}",
        out.notes,
        out.review
    );
    out
}

#[tokio::test]
async fn shellcheck_reports_only_added_lines() {
    let fakes = FakeTools::new();
    fakes.replay(
        "shellcheck",
        "-f json",
        include_str!("../../../tests/fixtures/linters/shellcheck-sc2086.stdout.json"),
    );
    let out = check_shellcheck_reports_only_added_lines(&fakes.config()).await;
    assert_eq!(fakes.calls("shellcheck"), ["-f json -- bin/run"]);
    assert_eq!(out.tool_calls.get("shellcheck"), Some(&1));
    assert!(
        out.review.contains(
            "- shellcheck: 2 diagnostics, 2 in changed files, 1 on added lines (reported)"
        ),
        "{}",
        out.review
    );
}

#[tokio::test]
#[ignore = "needs shellcheck"]
async fn shellcheck_reports_only_added_lines_with_real_shellcheck() {
    assert!(has_tool("shellcheck"), "shellcheck is not on PATH");
    check_shellcheck_reports_only_added_lines(&no_linters_but_path()).await;
}

/// The real PATH (so ruff/shellcheck are found) without cargo work for Python tests.
fn no_linters_but_path() -> ReviewerConfig {
    ReviewerConfig::new("builtin", BackendKind::Builtin)
}

/// Fake linters: shell scripts in a temp dir that the builtin reviewer finds first on
/// its `PATH` (the reviewer's configured `env.PATH`, as a user would set it). Each
/// replays captured output in the real tool's format and records its arguments.
struct FakeTools {
    dir: tempfile::TempDir,
}

impl FakeTools {
    fn new() -> Self {
        FakeTools {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Installs `name`, which prints `captured` (with `@CHECKOUT@` replaced by the
    /// directory it runs in, as the real tools print absolute paths) when its
    /// arguments contain `format_flag`, and fails like a real tool given the wrong
    /// flags otherwise.
    fn replay(&self, name: &str, format_flag: &str, captured: &str) {
        use std::os::unix::fs::PermissionsExt;
        let calls = self.dir.path().join(format!("{name}.calls"));
        let script = format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{calls}'\ncase \"$*\" in\n  *'{format_flag}'*) ;;\n  *) echo \"{name}: unexpected arguments: $*\" >&2; exit 2 ;;\nesac\nsed \"s|@CHECKOUT@|$PWD|g\" <<'CAPTURED'\n{captured}CAPTURED\n",
            calls = calls.display(),
        );
        let path = self.dir.path().join(name);
        std::fs::write(&path, script).expect("write fake");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// The argument lists `name` was called with, one per call.
    fn calls(&self, name: &str) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join(format!("{name}.calls")))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// A builtin reviewer whose linters are the fakes (plus `sh` and `sed` for them),
    /// unconfined (`trust_code`): the fakes record their calls next to themselves.
    fn config(&self) -> ReviewerConfig {
        let mut c = ReviewerConfig::new("builtin", BackendKind::Builtin);
        c.trust_code = true;
        c.env.insert(
            "PATH".into(),
            format!("{}:/usr/bin:/bin", self.dir.path().display()),
        );
        c
    }
}

#[tokio::test]
async fn own_checks_todo_debug_testing_gap_large_and_binary_files() {
    let repo = Repo::new();
    repo.write("src/engine.rs", "pub fn run() {}\n");
    repo.write("tests/smoke.rs", "#[test]\nfn smoke() {}\n");
    repo.write("web/app.ts", "export const a = 1;\n");
    let base = repo.commit("base");
    repo.write(
        "src/engine.rs",
        "pub fn run() {\n    // TODO: support containerd\n    let v = dbg!(2);\n}\n",
    );
    repo.write(
        "web/app.ts",
        "export const a = 1;\nconsole.log(a);\ndebugger;\n",
    );
    repo.write(
        "pkg/core/util.py",
        "def f(x):\n    print(x)\n    return x\n",
    );
    repo.write("scripts/release.py", "print('releasing')\n");
    repo.write("assets/blob.bin", [0u8, 1, 2, 3, 0, 255, 0, 7].repeat(64));
    let big: String = (0..160_000).map(|i| format!("row {i:08}\n")).collect();
    repo.write("data/big.csv", &big);
    let head = repo.commit("work");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;

    let got: Vec<(String, String, String)> = findings(&out.review)
        .into_iter()
        .map(|f| (f.1, f.2, f.3))
        .collect();
    let expect =
        |sev: &str, loc: &str, rule: &str| (sev.to_string(), loc.to_string(), rule.to_string());
    assert_eq!(
        got,
        vec![
            expect("important", "data/big.csv", "file-size/large-file"),
            expect("suggestion", "assets/blob.bin", "file-size/binary-file"),
            expect(
                "suggestion",
                "pkg/core/util.py",
                "testing-gap/no-test-change"
            ),
            expect("suggestion", "pkg/core/util.py:2", "debug-leftovers/print"),
            expect("suggestion", "src/engine.rs:3", "debug-leftovers/dbg-macro"),
            expect("suggestion", "web/app.ts:2", "debug-leftovers/console-log"),
            expect("suggestion", "web/app.ts:3", "debug-leftovers/debugger"),
        ],
        "{}",
        out.review
    );
    let block = json_block(&out.review);
    assert_eq!(block["verdict"], "merge_with_fixes");
    assert_eq!(
        block["limitations"],
        serde_json::json!([{"path": "src/engine.rs", "line": 2, "text": "TODO: support containerd"}])
    );
    assert!(out
        .review
        .contains("- `src/engine.rs:2` — TODO: support containerd"));
    let gap = block["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["rule"] == "no-test-change"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(gap["source"], "testing");
    assert_eq!(
        gap["title"],
        "Source changed without tests: pkg/core/util.py, src/engine.rs, web/app.ts"
    );
    assert!(block["testing"]
        .as_str()
        .unwrap_or("")
        .starts_with("S2: Source changed without tests"));
    let large = block["findings"][0]["title"].as_str().unwrap_or("");
    assert_eq!(large, "Large file (2.0 MB)");
    assert!(
        out.notes.iter().any(|n| n.contains("cargo not found")),
        "{:?}",
        out.notes
    );
}

#[tokio::test]
async fn noise_fixtures_lockfiles_and_scripts_are_not_flagged() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    repo.write(
        "tests/test_settings.py",
        "example_key = \"AKIAIOSFODNN7EXAMPLE\"\nfake_token = \"ghp_000000000000000000000000000000000000\"\n\ndef test_x():\n    assert example_key\n",
    );
    repo.write(
        "Cargo.lock",
        "[[package]]\nname = \"a\"\nchecksum = \"f2b4d1e6c9a7b3058e1d4c2a9f7e6b5d4c3a2b1908f7e6d5c4b3a29180f7e6d5\"\n",
    );
    repo.write(
        "package-lock.json",
        "{\"integrity\": \"sha512-Xk29fLq03mZp7TwR8vNsQ4Jd9Lm2Pz0Wq6Yb1Rc5Ts8Uv3Kx7Ga==\", \"token\": \"Zx8Qw2Ee4Rr6Tt8Yy0Uu2Ii4\"}\n",
    );
    repo.write("scripts/deploy.py", "print('deploying')\n");
    repo.write("pkg/cli/__main__.py", "print('hello')\n");
    let head = repo.commit("fixtures");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    assert_eq!(findings(&out.review), vec![], "{}", out.review);
    assert_eq!(json_block(&out.review)["verdict"], "merge_as_is");
}

#[tokio::test]
async fn keys_inside_nested_string_literals_in_tests_are_scanner_fixtures() {
    let repo = Repo::new();
    repo.write("src/scan.rs", "pub fn scan() {}\n");
    let base = repo.commit("base");
    let key = ["AKIA", "Z3MHQW7XK2PLV9TD"].concat();
    repo.write(
        "src/scan.rs",
        format!(
            "pub fn scan() {{}}\n\n#[cfg(test)]\nmod tests {{\n    #[test]\n    fn finds() {{\n        \
             check(r#\"aws = \"{key}\"\"#);\n        check(\"k = \\\"{key}\\\"\");\n        \
             assert!(!masked().contains(\"{key}\"));\n    }}\n}}\n"
        ),
    );
    let head = repo.commit("scanner fixtures");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    let secrets: Vec<_> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("secrets"))
        .collect();
    assert_eq!(secrets, vec![], "{}", out.review);
    assert!(!outcome_text(&out).contains(&key));
}

#[tokio::test]
async fn a_real_looking_key_in_a_test_file_is_important_not_critical() {
    let repo = Repo::new();
    repo.write("README.md", "x\n");
    let base = repo.commit("base");
    repo.write(
        "tests/client_test.go",
        "package client\n\nconst key = \"AKIAZ3MHQW7XK2PLV9TD\"\n",
    );
    let head = repo.commit("test");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    let got = findings(&out.review);
    assert_eq!(got.len(), 1, "{}", out.review);
    assert_eq!(got[0].1, "important");
    assert!(!outcome_text(&out).contains("AKIAZ3MHQW7XK2PLV9TD"));
}

#[tokio::test]
async fn keys_in_a_rust_test_module_are_one_important_finding() {
    let repo = Repo::new();
    repo.write("src/lib.rs", "pub fn f() {}\n");
    let base = repo.commit("base");
    repo.write(
        "src/lib.rs",
        "pub fn f() {}\n\n#[cfg(test)]\nmod tests {\n    const K: &str = \"AKIAZ3MHQW7XK2PLV9TD\";\n    const T: &str = \"ghp_4Fq9ZkLm2Rt7Yw1Xv8Bn3Cd6Ef0Gh5Ij2Kl9\";\n}\n",
    );
    let head = repo.commit("fixtures");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    let block = json_block(&out.review);
    let secrets: Vec<&Value> = block["findings"]
        .as_array()
        .map(|f| f.iter().filter(|f| f["tool"] == "secrets").collect())
        .unwrap_or_default();
    assert_eq!(secrets.len(), 1, "{}", out.review);
    assert_eq!(secrets[0]["severity"], "important");
    assert_eq!(secrets[0]["locations"][0], "src/lib.rs:5");
    assert_eq!(
        secrets[0]["title"],
        "secrets: 2 credential-like values in test code"
    );
    let all = outcome_text(&out);
    assert!(
        !all.contains("AKIAZ3MHQW7XK2PLV9TD") && !all.contains("ghp_4Fq9ZkLm"),
        "{all}"
    );
}

#[tokio::test]
async fn empty_or_missing_diff_is_a_clean_review() {
    let repo = Repo::new();
    repo.write("a.txt", "a\n");
    let base = repo.commit("base");
    let out = review_range(repo.path(), &base, &base, &no_linters()).await;
    assert_eq!(findings(&out.review), vec![]);
    assert!(out.review.contains("### Critical Issues\n\nNone."));
    assert!(out.files_read.is_empty());

    let work = tempfile::tempdir().expect("temp dir");
    let ctx = RunContext {
        workdir: work.path().to_path_buf(),
        checkout: work.path().to_path_buf(),
        prompt_file: work.path().join("prompt.md"),
        diff_file: PathBuf::from("/nonexistent/diff.patch"),
        base: String::new(),
        head: String::new(),
        pass: 1,
        sandbox: None,
    };
    let out = review(&no_linters(), &ctx, &CancellationToken::new()).await;
    assert!(out.notes.iter().any(|n| n.starts_with("diff: cannot read")));
    assert_eq!(json_block(&out.review)["verdict"], "merge_as_is");
}

#[tokio::test]
async fn review_text_snapshot() {
    let repo = Repo::new();
    repo.write(
        "lib/store.go",
        "package store\n\nfunc Get() int { return 1 }\n",
    );
    repo.write("lib/store_test.go", "package store\n");
    let base = repo.commit("base");
    repo.write(
        "lib/store.go",
        "package store\n\nimport \"fmt\"\n\n// FIXME: cache misses are not counted\nfunc Get() int {\n\tfmt.Println(\"get\")\n\treturn 1\n}\n",
    );
    repo.write(
        "deploy/id_rsa",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq\n-----END RSA PRIVATE KEY-----\n",
    );
    let head = repo.commit("store");
    let out = review_range(repo.path(), &base, &head, &no_linters()).await;
    insta::assert_snapshot!(out.review);
}

/// Runs the builtin reviewer over the last commits of a real repository and prints
/// what it flagged, for judging false positives by hand:
/// `DEEP_REVIEW_MEASURE_REPO=/path/to/repo[.git] DEEP_REVIEW_MEASURE_COMMITS=20
/// cargo test -p deep-review-core measure_real_history -- --ignored --nocapture`
/// (`DEEP_REVIEW_MEASURE_TARGET` sets clippy's target dir, `DEEP_REVIEW_MEASURE_NO_LINTERS`
/// runs the own checks only).
#[tokio::test]
#[ignore = "needs a real repository; prints a table for manual judgement"]
async fn measure_real_history() {
    let Ok(repo) = std::env::var("DEEP_REVIEW_MEASURE_REPO") else {
        eprintln!("set DEEP_REVIEW_MEASURE_REPO");
        return;
    };
    let n: usize = std::env::var("DEEP_REVIEW_MEASURE_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let repo = PathBuf::from(repo);
    let log = String::from_utf8_lossy(&git(
        &repo,
        &[
            "log",
            "--first-parent",
            "--format=%H %s",
            "-n",
            &n.to_string(),
        ],
    ))
    .into_owned();
    let target = tempfile::tempdir().expect("temp dir");
    let mut config = with_linters(target.path());
    if let Ok(dir) = std::env::var("DEEP_REVIEW_MEASURE_TARGET") {
        config.env.insert("CARGO_TARGET_DIR".into(), dir);
    }
    if std::env::var_os("DEEP_REVIEW_MEASURE_NO_LINTERS").is_some() {
        config = no_linters();
    }
    println!(
        "| commit | subject | files | linters (all/in changed files/on added lines) | findings (severity location tool/rule) | notes | time |"
    );
    println!("|---|---|---|---|---|---|---|");
    for line in log.lines() {
        let Some((sha, subject)) = line.split_once(' ') else {
            continue;
        };
        let parent = format!("{sha}^");
        let started = std::time::Instant::now();
        let out = review_range(&repo, &parent, sha, &config).await;
        let listed: Vec<String> = findings(&out.review)
            .into_iter()
            .map(|f| format!("{} {} {}", f.1, f.2, f.3))
            .collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1}s |",
            &sha[..8.min(sha.len())],
            subject.chars().take(50).collect::<String>(),
            out.files_read.len(),
            tool_summary(&out.review),
            if listed.is_empty() {
                "—".into()
            } else {
                listed.join("<br>")
            },
            out.notes.join("; ").chars().take(160).collect::<String>(),
            started.elapsed().as_secs_f64()
        );
    }
}

#[tokio::test]
async fn configured_sarif_tools_run_and_failures_become_notes() {
    let repo = Repo::new();
    repo.write("app/x.py", "a = 1\n");
    let base = repo.commit("base");
    repo.write("app/x.py", "a = 1\nb = eval(input())\n");
    let head = repo.commit("eval");
    let tools = tempfile::tempdir().expect("temp dir");
    let sarif = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fakegrep"}},"results":[
{"ruleId":"eval-use","level":"error","message":{"text":"eval of user input"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app/x.py"},"region":{"startLine":2}}}]},
{"ruleId":"eval-use","level":"error","message":{"text":"old line"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app/x.py"},"region":{"startLine":1}}}]}]}]}"#;
    let script = tools.path().join("fakegrep");
    std::fs::write(&script, format!("#!/bin/sh\ncat <<'JSON'\n{sarif}\nJSON\n")).expect("write");
    let slow = tools.path().join("slowlint");
    std::fs::write(&slow, "#!/bin/sh\nsleep 30\n").expect("write");
    let broken = tools.path().join("brokenlint");
    std::fs::write(
        &broken,
        "#!/bin/sh\necho 'not sarif'\necho 'boom: no config' >&2\nexit 2\n",
    )
    .expect("write");
    for f in [&script, &slow, &broken] {
        let status = Command::new("chmod")
            .arg("+x")
            .arg(f)
            .status()
            .expect("chmod");
        assert!(status.success());
    }
    let mut config = no_linters();
    config.env.insert("PATH".into(), "/usr/bin:/bin".into());
    config.timeout = std::time::Duration::from_secs(2);
    config.sarif_tools = vec![
        vec![script.display().to_string()],
        vec![slow.display().to_string()],
        vec![broken.display().to_string()],
        vec!["no-such-linter-xyz".into()],
    ];
    let out = review_range(repo.path(), &base, &head, &config).await;
    let got: Vec<_> = findings(&out.review)
        .into_iter()
        .filter(|f| f.3.starts_with("fakegrep/"))
        .map(|f| (f.1, f.2))
        .collect();
    assert_eq!(
        got,
        vec![("important".into(), "app/x.py:2".into())],
        "{}",
        out.review
    );
    let notes = out.notes.join("\n");
    assert!(notes.contains("slowlint: timed out"), "{notes}");
    assert!(
        notes.contains("brokenlint: exited with code 2: boom: no config"),
        "{notes}"
    );
    assert!(
        notes.contains("no-such-linter-xyz: not installed"),
        "{notes}"
    );
    assert_eq!(out.tool_calls.get("fakegrep"), Some(&1));
    assert!(out.review.contains("## Review Process Notes"));
}
