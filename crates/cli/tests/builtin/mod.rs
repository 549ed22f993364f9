//! The builtin reviewer end to end: the real `deep-review` binary on temporary git
//! repositories (and on the README's demo), checking what a user sees — findings,
//! verdict, exit codes, masking of leaked secrets in every output file.

use std::path::{Path, PathBuf};

use crate::support::{git, repo_with, write_files, Test};

/// Agent CLIs' credential variables: removed so the default panel is the builtin alone.
const API_KEY_VARS: [&str; 8] = [
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "CLAUDE_CODE_OAUTH_TOKEN",
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "GEMINI_API_KEY",
    "GOOGLE_API_KEY",
    "GOOGLE_GENAI_USE_VERTEXAI",
];

fn read(path: impl AsRef<Path>) -> String {
    std::fs::read_to_string(path.as_ref())
        .unwrap_or_else(|e| panic!("{}: {e}", path.as_ref().display()))
}

fn report_json(workdir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(workdir.join("report.json"))).expect("report.json parses")
}

/// The work directory of a run: the parent of the REVIEW.md path printed last.
fn workdir_of(review_md: &str) -> PathBuf {
    assert!(review_md.ends_with("REVIEW.md"), "{review_md}");
    Path::new(review_md).parent().expect("parent").to_path_buf()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Findings of report.json as (severity, title, path, line).
fn findings(report: &serde_json::Value) -> Vec<(String, String, String, u64)> {
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or("").to_string(),
                f["title"].as_str().unwrap_or("").to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["line_start"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

fn limitations(report: &serde_json::Value) -> String {
    report["acknowledged_limitations"].to_string()
}

/// A repository whose `feature` branch adds `files` on top of a base with `base`.
fn change(base: &[(&str, &str)], head: &[(&str, &str)]) -> tempfile::TempDir {
    let repo = repo_with(base);
    git(repo.path(), &["checkout", "-qb", "feature"]);
    write_files(repo.path(), head);
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-qm", "feature"]);
    repo
}

/// Builds a key from pieces at run time, so this file never holds a whole token.
fn leaked_aws_key() -> String {
    ["AK", "IA", "Q7RZ2M4X", "K9LBV3TN"].concat()
}

fn leaked_github_token() -> String {
    let body: String = "k3Vq8ZxN2mLp7RtW4yBc9DfH1jKs6GaE0uTo"
        .chars()
        .rev()
        .collect();
    format!("gh{}_{body}", 'p')
}

#[test]
fn leaked_keys_are_critical_and_masked_in_every_output() {
    let aws = leaked_aws_key();
    let github = leaked_github_token();
    let settings = format!(
        "\"\"\"Settings for the uploader.\"\"\"\n\nBUCKET = \"uploads\"\nAWS_ACCESS_KEY_ID = \"{aws}\"\nGITHUB_TOKEN = \"{github}\"\n"
    );
    let repo = change(
        &[(
            "app/settings.py",
            "\"\"\"Settings for the uploader.\"\"\"\n\nBUCKET = \"uploads\"\n",
        )],
        &[("app/settings.py", &settings)],
    );
    let run = Test::new()
        .args([
            "review",
            "--reviewers",
            "builtin",
            "--format",
            "md,json,sarif",
        ])
        .cwd(repo.path())
        .run()
        // The default `fail_on` is critical (SPEC).
        .status(1);
    let workdir = workdir_of(run.last_line());
    let report = report_json(&workdir);
    let found = findings(&report);
    let critical_secrets: Vec<_> = found
        .iter()
        .filter(|(severity, title, path, _)| {
            severity == "critical" && title.contains("****") && path == "app/settings.py"
        })
        .collect();
    assert_eq!(critical_secrets.len(), 2, "{found:#?}");
    let titles: String = critical_secrets.iter().map(|f| f.1.as_str()).collect();
    assert!(titles.contains("AKIA****"), "{titles}");
    assert!(titles.contains("ghp_****"), "{titles}");
    assert_eq!(report["verdict"]["decision"], "rework");
    let review_md = read(workdir.join("REVIEW.md"));
    assert!(review_md.contains("AKIA****"), "{review_md}");

    // The outputs never hold the raw values: stdout, stderr and every file the review
    // wrote. The exceptions are the change itself and what hands it to reviewers:
    // diff.patch (the user's own data, needed by `consolidate` and for verification)
    // and prompt.md (reviewers must see the code they review). Both stay in the
    // work directory, which is git-ignored.
    for raw in [&aws, &github] {
        assert!(!run.stdout.contains(raw.as_str()), "stdout leaks {raw}");
        assert!(!run.stderr.contains(raw.as_str()), "stderr leaks {raw}");
    }
    let mut checked = Vec::new();
    for file in files_under(&workdir) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let text = String::from_utf8_lossy(&std::fs::read(&file).expect("read")).into_owned();
        let leaks = text.contains(aws.as_str()) || text.contains(github.as_str());
        if matches!(name, "diff.patch" | "prompt.md") {
            assert!(leaks, "{name} is the change itself and holds the values");
        } else {
            assert!(!leaks, "{} leaks a raw secret", file.display());
        }
        checked.push(name.to_string());
    }
    for expected in [
        "REVIEW.md",
        "report.json",
        "report.sarif",
        "run-builtin.json",
        "review-builtin-pass-1.md",
    ] {
        assert!(checked.iter().any(|n| n == expected), "{checked:?}");
    }
    let sarif = read(workdir.join("report.sarif"));
    assert!(sarif.contains("AKIA****"), "{sarif}");
}

#[test]
fn conflict_markers_and_todos_make_a_rework_verdict() {
    let base_py =
        "\"\"\"Retry helpers.\"\"\"\n\n\ndef attempts(limit):\n    return list(range(limit))\n";
    let head_py = "\"\"\"Retry helpers.\"\"\"\n\n\ndef attempts(limit):\n    # TODO: cap the limit at ten once callers agree\n<<<<<<< HEAD\n    return list(range(limit))\n=======\n    return list(range(1, limit + 1))\n>>>>>>> feature/one-based\n";
    let repo = change(&[("retry/core.py", base_py)], &[("retry/core.py", head_py)]);
    let review = |fail_on: &str| {
        Test::new()
            .args([
                "review",
                "--quiet",
                "--reviewers",
                "builtin",
                "--fail-on",
                fail_on,
            ])
            .cwd(repo.path())
            .run()
    };
    let run = review("never").status(0);
    let workdir = workdir_of(run.last_line());
    let report = report_json(&workdir);
    let found = findings(&report);
    assert!(
        found
            .iter()
            .any(|(severity, title, path, line)| severity == "critical"
                && title.to_lowercase().contains("conflict")
                && path == "retry/core.py"
                && *line == 6),
        "{found:#?}"
    );
    assert_eq!(report["verdict"]["decision"], "rework");
    let limits = limitations(&report);
    assert!(
        limits.contains("cap the limit at ten once callers agree"),
        "{limits}"
    );
    let md = read(workdir.join("REVIEW.md"));
    let section = md
        .split("\n## Acknowledged Limitations\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .unwrap_or_else(|| panic!("no Acknowledged Limitations section\n{md}"));
    assert!(
        section.contains("cap the limit at ten once callers agree"),
        "{md}"
    );
    review("critical").status(1);
    // Without the flag the SPEC's default, `fail_on = "critical"`, applies.
    Test::new()
        .args(["review", "--quiet", "--reviewers", "builtin"])
        .cwd(repo.path())
        .run()
        .status(1);
}

#[test]
fn clippy_reports_only_warnings_on_added_lines() {
    let manifest =
        "[package]\nname = \"tally\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n";
    let base = "//! Tallies.\n\n/// One.\npub fn one() -> u32 {\n    return 1;\n}\n";
    let head = format!("{base}\n/// Two.\npub fn two() -> u32 {{\n    return 2;\n}}\n");
    let repo = change(
        &[("Cargo.toml", manifest), ("src/lib.rs", base)],
        &[("src/lib.rs", &head)],
    );
    let target = tempfile::tempdir().expect("tempdir");
    let run = Test::new()
        .args(["review", "--quiet", "--reviewers", "builtin"])
        .env("CARGO_TARGET_DIR", target.path().display().to_string())
        .cwd(repo.path())
        .run()
        .status(0);
    let workdir = workdir_of(run.last_line());
    let report = report_json(&workdir);
    let needless: Vec<(String, u64)> = findings(&report)
        .into_iter()
        .filter(|(_, title, _, _)| title.contains("needless_return"))
        .map(|(_, _, path, line)| (path, line))
        .collect();
    // `return 1;` (line 5) was there before; `return 2;` (line 10) is new.
    assert_eq!(needless, [("src/lib.rs".to_string(), 10)], "{report:#}");
    let record = read(workdir.join("run-builtin.json"));
    assert!(record.contains("clippy"), "clippy ran: {record}");
}

#[test]
fn without_agents_the_builtin_reviews_alone_and_says_so() {
    let repo = change(
        &[("notes/plan.txt", "one\n")],
        &[("notes/plan.txt", "one\ntwo\n")],
    );
    // Only git on PATH: no claude, codex or gemini can be found.
    let bin = tempfile::tempdir().expect("tempdir");
    let git_path = std::process::Command::new("sh")
        .args(["-c", "command -v git"])
        .output()
        .expect("which git");
    let git_path = String::from_utf8_lossy(&git_path.stdout).trim().to_string();
    std::os::unix::fs::symlink(&git_path, bin.path().join("git")).expect("symlink git");
    let home = tempfile::tempdir().expect("tempdir");
    let mut test = Test::new()
        .args(["review"])
        .env("PATH", bin.path().display().to_string())
        .env("HOME", home.path().display().to_string())
        .cwd(repo.path());
    for var in API_KEY_VARS {
        test = test.env_remove(var);
    }
    let run = test
        .run()
        .status(0)
        .stderr_contains(
            "no agent CLI is ready (claude, codex, gemini): reviewing with the builtin reviewer only",
        )
        .stderr_contains("hint: run `deep-review reviewers`");
    let notes = run
        .stderr
        .lines()
        .filter(|l| l.contains("builtin reviewer only"))
        .count();
    assert_eq!(notes, 1, "{}", run.stderr);
    let report = report_json(&workdir_of(run.last_line()));
    let names: Vec<&str> = report["reviewers"]
        .as_array()
        .expect("reviewers")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, ["builtin"]);
}

#[test]
fn the_demo_finds_the_planted_problems() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let scratch = tempfile::tempdir().expect("tempdir");
    let out = std::process::Command::new("bash")
        .arg(root.join("examples/demo.sh"))
        .args(["--quiet", "--reviewers", "builtin", "--fail-on", "never"])
        .env("DEEP_REVIEW_DEMO_DIR", scratch.path())
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("deep-review-test-no-config"),
        )
        .env("DEEP_REVIEW_DB", crate::support::test_db())
        .env("NO_COLOR", "1")
        .output()
        .expect("run demo.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    let review_md = stdout.lines().last().unwrap_or("");
    let workdir = workdir_of(review_md);
    let report = report_json(&workdir);
    let found = findings(&report);
    let lib = "src/lib.rs";
    let has = |severity: &str, title: &str, line: u64| {
        found
            .iter()
            .any(|f| f.0 == severity && f.1.contains(title) && f.2 == lib && f.3 == line)
    };
    // The secret: critical, masked, never in the outputs.
    assert!(has("critical", "****", 11), "{found:#?}");
    let head_lib = read(root.join("examples/sample-app/head/src/lib.rs"));
    let secret = head_lib
        .lines()
        .find(|l| l.contains("WAREHOUSE_API_SECRET"))
        .and_then(|l| l.split('"').nth(1))
        .expect("the demo's planted secret");
    for file in files_under(&workdir) {
        let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if !matches!(name, "diff.patch" | "prompt.md") {
            assert!(!read(&file).contains(secret), "{name} leaks the secret");
        }
    }
    // `return` in `total` (line 15) was already there; `return 0;` (line 28) is added.
    let needless: Vec<u64> = found
        .iter()
        .filter(|f| f.1.contains("needless_return"))
        .map(|f| f.3)
        .collect();
    assert_eq!(needless, [28], "{found:#?}");
    assert!(has("suggestion", "dbg!", 24), "{found:#?}");
    assert!(
        limitations(&report).contains("report a shortage instead of silently stopping at zero"),
        "{report:#}"
    );
}
