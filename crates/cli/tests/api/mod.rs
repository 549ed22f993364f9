//! API reviewers end to end: `deep-review review` with `openai-compatible` and
//! `anthropic` reviewers against `fake-apis`, and `deep-review reviewers --check`.

use std::path::Path;

use crate::support::Test;
use crate::{feature_repo, read, report_json};

/// A fake-apis server on its own runtime, for as long as the value lives.
struct Server {
    url: String,
    _runtime: tokio::runtime::Runtime,
    _server: fake_apis::FakeApis,
}

fn server() -> Server {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(fake_apis::FakeApis::start()).unwrap();
    Server {
        url: server.url(),
        _runtime: runtime,
        _server: server,
    }
}

fn config(repo: &Path, url: &str) -> std::path::PathBuf {
    let toml = format!(
        "[review]\nreviewers = [\"local\", \"sonnet\"]\ntimeout = \"20s\"\n\n\
         [reviewers.local]\nbackend = \"openai-compatible\"\nbase_url = \"{url}/v1\"\n\
         model = \"qwen2.5-coder:14b\"\n\n\
         [reviewers.sonnet]\nbackend = \"anthropic\"\nbase_url = \"{url}\"\n\
         model = \"claude-sonnet-4-5+expensive\"\n"
    );
    let path = repo.join("deep-review.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// A local model's review reaches REVIEW.md; a `--budget` stops the priced one with
/// `budget_exceeded`, its review still read.
#[test]
fn a_review_with_api_reviewers_and_a_budget() {
    let server = server();
    let repo = feature_repo();
    let config = config(repo.path(), &server.url);
    let run = Test::new()
        .args(["review", "--quiet", "--budget", "0.05", "--config"])
        .arg(&config)
        .env("ANTHROPIC_API_KEY", "sk-ant-cli-test-0123456789")
        .cwd(repo.path())
        .run()
        .status(0);
    let review_md = run.last_line().to_string();
    let md = read(&review_md);
    assert!(md.contains("`parse` unwraps user input"), "{md}");
    let report = report_json(&review_md);
    let statuses: Vec<(String, String)> = report["reviewers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["status"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            ("local".into(), "ok".into()),
            ("sonnet".into(), "budget_exceeded".into())
        ]
    );
    // The retro says what the stopped reviewer spent.
    let retro = report["reviewers"][1]["retro"].as_str().unwrap();
    assert!(
        retro.contains("Stopped at its budget") && retro.contains("Took"),
        "{retro}"
    );
    let dir = Path::new(&review_md).parent().unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let text = std::fs::read(entry.path()).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&text).contains("sk-ant-cli-test-0123456789"),
            "the key is in {}",
            entry.path().display()
        );
    }
}

#[test]
fn reviewers_check_asks_the_endpoints() {
    let server = server();
    let repo = feature_repo();
    let config = config(repo.path(), &server.url);
    Test::new()
        .args(["reviewers", "--check", "--config"])
        .arg(&config)
        .env("ANTHROPIC_API_KEY", "sk-ant-cli-test-0123456789")
        .cwd(repo.path())
        .run()
        .status(0)
        .stdout_contains("no API key needed;")
        .stdout_contains("lists qwen2.5-coder:14b")
        .stdout_contains("uses ANTHROPIC_API_KEY at");
}
