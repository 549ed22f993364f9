//! The tool loop of every protocol against `fake-apis`, with a small test toolbox; the
//! fake refuses a second request that does not echo the first turn the way the real API
//! needs it (thinking signatures, reasoning items, call ids).

use super::*;
use crate::reviewers::Progress;
use fake_apis::{FakeApis, TOOL_MARKER};

/// `read_file` only; answers with the marker the fake looks for; `steps` calls.
struct TestTools {
    steps: u32,
    seen: Vec<(String, Value)>,
}

impl Tools for TestTools {
    fn specs(&self) -> Vec<ToolDef> {
        vec![ToolDef {
            name: "read_file".into(),
            description: "Reads a file of the checkout.".into(),
            parameters: json!({"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}),
        }]
    }
    fn call(&mut self, name: &str, arguments: &Value) -> ToolOutput {
        self.steps = self.steps.saturating_sub(1);
        self.seen.push((name.to_string(), arguments.clone()));
        ToolOutput {
            text: format!("{TOOL_MARKER}: pub fn f() {{}}"),
            is_error: false,
        }
    }
    fn steps_left(&self) -> u32 {
        self.steps
    }
}

const BACKENDS: [(BackendKind, &str); 4] = [
    (BackendKind::Anthropic, "claude-sonnet-4-5"),
    (BackendKind::Openai, "gpt-5"),
    (BackendKind::GeminiApi, "gemini-2.5-pro"),
    (BackendKind::OpenaiCompatible, "qwen2.5-coder:14b"),
];

fn setup(
    server: &FakeApis,
    backend: BackendKind,
    model: &str,
) -> (tempfile::TempDir, ReviewerConfig, RunContext) {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("w");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(
        work.join("prompt.md"),
        "Review this.\n\ndiff --git a/x b/x\n",
    )
    .unwrap();
    std::fs::write(work.join("diff.patch"), "diff --git a/x b/x\n").unwrap();
    let ctx = RunContext {
        workdir: work.clone(),
        checkout: dir.path().to_path_buf(),
        prompt_file: work.join("prompt.md"),
        diff_file: work.join("diff.patch"),
        base: "1".repeat(40),
        head: "2".repeat(40),
        pass: 1,
        sandbox: None,
    };
    let mut config = ReviewerConfig::new("r", backend);
    config.model = Some(model.to_string());
    config.base_url = Some(match backend {
        BackendKind::Openai | BackendKind::OpenaiCompatible => format!("{}/v1", server.url()),
        _ => server.url(),
    });
    config.timeout = Duration::from_secs(20);
    config.effort = Some("medium".into());
    (dir, config, ctx)
}

fn host() -> HostEnv {
    HostEnv::from_pairs(
        ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"].map(|v| (v, "test-key-1234")),
    )
}

fn progress() -> Progress {
    Progress {
        reviewer: "r".into(),
        sender: None,
    }
}

#[tokio::test]
async fn a_tool_call_goes_round_the_loop_in_every_protocol() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model) in BACKENDS {
        let (_dir, config, ctx) = setup(&server, backend, &format!("{model}+tools"));
        let mut tools = TestTools {
            steps: 5,
            seen: Vec::new(),
        };
        let before = server.requests().len();
        let outcome = run_with_tools(
            &config,
            &ctx,
            &host(),
            &progress(),
            &CancellationToken::new(),
            &mut tools,
        )
        .await;
        assert_eq!(
            outcome.status,
            RunStatus::Ok,
            "{backend:?}: {:?}",
            outcome.error
        );
        let review = outcome.review.unwrap_or_default();
        assert!(
            review.contains(&format!("The tool result said {TOOL_MARKER}")),
            "{backend:?}: {review}"
        );
        assert_eq!(
            tools.seen,
            vec![("read_file".to_string(), json!({"path": "src/lib.rs"}))]
        );
        assert_eq!(
            outcome.tool_calls,
            BTreeMap::from([("read_file".to_string(), 1)])
        );
        let requests = &server.requests()[before..];
        assert_eq!(requests.len(), 2, "{backend:?}");
        // Both turns' usage is counted.
        let tokens = outcome.tokens.unwrap();
        assert_eq!(tokens.output, 60 + 120, "{backend:?}");
        // Anthropic counts thinking in output_tokens without a breakdown.
        if matches!(backend, BackendKind::Openai | BackendKind::GeminiApi) {
            assert_eq!(tokens.reasoning, 30, "{backend:?}");
        }
        let declared = requests[0].body.to_string();
        assert!(
            declared.contains("\"read_file\"") && declared.contains("Reads a file"),
            "{declared}"
        );
    }
}

/// When the toolbox has no steps left, the tools are withdrawn and the model answers.
#[tokio::test]
async fn the_step_limit_withdraws_the_tools() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model) in BACKENDS {
        let (_dir, config, ctx) = setup(&server, backend, &format!("{model}+tools-forever"));
        let mut tools = TestTools {
            steps: 2,
            seen: Vec::new(),
        };
        let before = server.requests().len();
        let outcome = run_with_tools(
            &config,
            &ctx,
            &host(),
            &progress(),
            &CancellationToken::new(),
            &mut tools,
        )
        .await;
        assert_eq!(
            outcome.status,
            RunStatus::Ok,
            "{backend:?}: {:?}",
            outcome.error
        );
        assert_eq!(tools.seen.len(), 2);
        let requests = &server.requests()[before..];
        assert_eq!(requests.len(), 3, "{backend:?}");
        assert!(requests[2].body.get("tools").is_none(), "{backend:?}");
    }
}

#[test]
fn error_bodies_of_every_shape_are_read() {
    assert_eq!(
        api_error_text(
            r#"{"type":"error","error":{"type":"not_found_error","message":"model: x"}}"#
        ),
        "not_found_error: model: x"
    );
    assert_eq!(
        api_error_text(r#"{"error":{"code":404,"message":"no such model","status":"NOT_FOUND"}}"#),
        "NOT_FOUND: no such model"
    );
    assert_eq!(
        api_error_text(r#"{"error":"model 'x' not found"}"#),
        "model 'x' not found"
    );
    assert_eq!(
        api_error_text("<html>bad gateway</html>"),
        "<html>bad gateway</html>"
    );
}

#[test]
fn retry_after_reads_seconds_and_milliseconds() {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("retry-after", "2".parse().unwrap());
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
    headers.insert("retry-after-ms", "250".parse().unwrap());
    assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));
    headers.clear();
    headers.insert(
        "retry-after",
        "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
    );
    assert_eq!(retry_after(&headers), None);
    headers.insert("retry-after", "99999".parse().unwrap());
    assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
}

#[test]
fn broken_tool_arguments_reach_the_tool() {
    assert_eq!(parse_arguments(""), json!({}));
    assert_eq!(parse_arguments("{\"a\":1}"), json!({"a": 1}));
    assert_eq!(parse_arguments("{\"a\":"), json!({"_unparsed": "{\"a\":"}));
}

#[test]
fn a_request_is_logged_by_what_it_adds_to_the_conversation() {
    let first = json!({"model": "m", "messages": [{"role": "user", "content": "review"}]});
    assert_eq!(logged_body(None, &first), first);
    let second = json!({"model": "m", "messages": [
        {"role": "user", "content": "review"},
        {"role": "assistant", "content": "calling read_file"},
        {"role": "user", "content": "file text"},
    ]});
    assert_eq!(
        logged_body(Some(&first), &second),
        json!({"model": "m", "messages": [
            {"unchanged_from_the_previous_request": 1},
            {"role": "assistant", "content": "calling read_file"},
            {"role": "user", "content": "file text"},
        ]})
    );
    // An array that changed rather than grew is logged whole.
    let other = json!({"model": "m", "messages": [{"role": "user", "content": "other"}]});
    assert_eq!(logged_body(Some(&second), &other), other);
}
