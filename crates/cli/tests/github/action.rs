//! The GitHub Action's own shell (action.yml's `Review`, `Job summary` and `Exit code`
//! steps) run for real with bash, the way the runner would, against `fake-github` and a
//! workspace that is no checkout: the outputs it writes, the summary, the exit code
//! passed through, and a bad input refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::mirror::{fake_pr, publish};
use super::serve;
use crate::read;

/// The `run: |` script of the step named `name` in action.yml.
fn step_script(name: &str) -> String {
    let action = read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../action.yml"));
    let mut lines = action.lines();
    lines
        .by_ref()
        .find(|l| l.trim() == format!("- name: {name}"))
        .unwrap_or_else(|| panic!("no step {name} in action.yml"));
    lines
        .by_ref()
        .find(|l| l.trim() == "run: |" || l.trim().starts_with("run: "))
        .map(|l| l.trim().trim_start_matches("run: ").to_string())
        .filter(|first| first != "|")
        .unwrap_or_else(|| {
            lines
                .take_while(|l| l.is_empty() || l.starts_with("        "))
                .map(|l| l.get(8..).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
}

struct Runner {
    home: tempfile::TempDir,
    workspace: tempfile::TempDir,
    temp: tempfile::TempDir,
    api: String,
}

impl Runner {
    /// Runs step `name` with the inputs in `env`; returns its exit status and what it
    /// wrote to `$GITHUB_OUTPUT`.
    fn step(&self, name: &str, env: &[(&str, &str)]) -> (i32, String, String) {
        let output = self.temp.path().join(format!("output-{name}"));
        std::fs::write(&output, "").unwrap();
        let out = Command::new("bash")
            // As the runner runs `shell: bash`.
            .args([
                "--noprofile",
                "--norc",
                "-e",
                "-o",
                "pipefail",
                "-c",
                &step_script(name),
            ])
            .current_dir(self.workspace.path())
            .env("HOME", self.home.path())
            .env("RUNNER_TEMP", self.temp.path())
            .env("GITHUB_OUTPUT", &output)
            .env("GITHUB_STEP_SUMMARY", self.temp.path().join("summary.md"))
            .env("GITHUB_REPOSITORY", "octo/hello")
            .env("GITHUB_API_URL", &self.api)
            .env("XDG_CACHE_HOME", self.home.path().join(".cache"))
            .env("XDG_CONFIG_HOME", self.home.path().join(".config"))
            .env("DEEP_REVIEW_DB", self.home.path().join("history.sqlite3"))
            .envs(env.iter().copied())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            read(&output),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }
}

fn output_of<'a>(outputs: &'a str, key: &str) -> Option<&'a str> {
    outputs
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
}

#[test]
fn the_action_reviews_the_event_pull_request_and_passes_the_exit_code_through() {
    let published = publish();
    let server = serve(fake_pr(&published));
    let runner = Runner {
        home: tempfile::tempdir().unwrap(),
        workspace: tempfile::tempdir().unwrap(),
        temp: tempfile::tempdir().unwrap(),
        api: server.url.clone(),
    };
    // The install step's result: the binary where the action puts it.
    let bin = runner.home.path().join(".deep-review-action/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_deep-review"), bin.join("deep-review")).unwrap();
    let inputs = |fail_on: &'static str, post: &'static str| {
        vec![
            ("GITHUB_TOKEN", "ghp_action_token_0123456789"),
            ("PR_NUMBER", "7"),
            ("REVIEWERS", ""),
            ("FAIL_ON", fail_on),
            ("CONFIG", ""),
            ("POST", post),
        ]
    };

    // The review: outputs written, REVIEW.md in the summary, exit code 0.
    let (status, outputs, log) = runner.step("Review", &inputs("", "false"));
    assert_eq!(status, 0, "{log}");
    assert_eq!(
        output_of(&outputs, "exit-code"),
        Some("0"),
        "{outputs}\n{log}"
    );
    let review_md = PathBuf::from(output_of(&outputs, "review-md").expect(&outputs));
    assert!(
        review_md.starts_with(runner.temp.path().join("deep-review")),
        "{outputs}"
    );
    let workdir = output_of(&outputs, "workdir").unwrap();
    assert_eq!(Path::new(workdir), review_md.parent().unwrap());
    // The workspace stays empty: the mirror is in the cache, the work directory in
    // RUNNER_TEMP.
    assert_eq!(
        std::fs::read_dir(runner.workspace.path()).unwrap().count(),
        0
    );
    let review_md_text = review_md.display().to_string();
    let (status, _, log) = runner.step("Job summary", &[("REVIEW_MD", &review_md_text)]);
    assert_eq!(status, 0, "{log}");
    let summary = read(runner.temp.path().join("summary.md"));
    assert!(summary.contains("`two` has no test"), "{summary}");
    assert_eq!(runner.step("Exit code", &[("STATUS", "0")]).0, 0);

    // fail-on important with an important finding: exit code 1, passed through.
    let (status, outputs, log) = runner.step("Review", &inputs("important", "false"));
    assert_eq!(status, 0, "the review step itself succeeds: {log}");
    assert_eq!(
        output_of(&outputs, "exit-code"),
        Some("1"),
        "{outputs}\n{log}"
    );
    assert_eq!(runner.step("Exit code", &[("STATUS", "1")]).0, 1);
    // No exit code recorded (the review step never ran to the end): a failure.
    assert_eq!(runner.step("Exit code", &[("STATUS", "")]).0, 1);

    // post: the review goes on the pull request, its summary linking to this run.
    let mut posting = inputs("", "true");
    posting.extend([
        ("GITHUB_SERVER_URL", "https://github.example"),
        ("GITHUB_RUN_ID", "4242"),
    ]);
    let (status, outputs, log) = runner.step("Review", &posting);
    assert_eq!(status, 0, "{log}");
    assert_eq!(
        output_of(&outputs, "exit-code"),
        Some("0"),
        "{outputs}\n{log}"
    );
    let posted = server.posted();
    assert_eq!(posted.len(), 1, "{log}");
    assert!(
        posted[0]
            .body
            .contains("https://github.example/octo/hello/actions/runs/4242"),
        "{}",
        posted[0].body
    );

    // A bad `post` input: refused before anything runs.
    let (_, outputs, log) = runner.step("Review", &inputs("", "yes"));
    assert_eq!(output_of(&outputs, "exit-code"), Some("2"), "{outputs}");
    assert!(log.contains("post must be true or false"), "{log}");
    // No pull request number (another event): refused, saying which events to use.
    let mut none = inputs("", "false");
    none[1] = ("PR_NUMBER", "");
    let (_, outputs, log) = runner.step("Review", &none);
    assert_eq!(output_of(&outputs, "exit-code"), Some("2"), "{outputs}");
    assert!(log.contains("pull_request_target"), "{log}");
}
