//! The API backends (`anthropic`, `openai`, `gemini-api`, `openai-compatible`) through
//! the production path (`run_reviewer_in`, `run_panel`) against `fake-apis`, a local
//! server speaking each real wire format; the scenario is the model name's `+suffix`.

use crate::support::{walk, Fixture};

use std::path::Path;
use std::time::{Duration, Instant};

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::{RunRecord, RunStatus};
use deep_review_core::reviewers::env::HostEnv;
use deep_review_core::reviewers::{run_panel, run_reviewer_in};
use fake_apis::FakeApis;
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk-test-4f9a1c77e2b84d0f9e3a5b6c7d8e9f01";

/// The four backends, a model the price table knows for each, and their key variable.
const BACKENDS: [(BackendKind, &str, &str); 4] = [
    (
        BackendKind::Anthropic,
        "claude-sonnet-4-5",
        "ANTHROPIC_API_KEY",
    ),
    (BackendKind::Openai, "gpt-5", "OPENAI_API_KEY"),
    (BackendKind::GeminiApi, "gemini-2.5-flash", "GEMINI_API_KEY"),
    (
        BackendKind::OpenaiCompatible,
        "qwen2.5-coder:14b",
        "LOCAL_KEY",
    ),
];

const DIFF: &str = "diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1 +1,2 @@\n pub fn f() {}\n+pub fn parse(s: &str) -> u32 { s.parse().unwrap() }\n";

fn fixture() -> Fixture {
    let fx = Fixture::with_prompt(&format!(
        "# Review this change\n\nThe unified diff:\n\n```diff\n{DIFF}```\n"
    ));
    std::fs::write(&fx.ctx.diff_file, DIFF).unwrap();
    fx
}

/// A reviewer of `backend` on the fake, scenario `scenario`.
fn reviewer(
    server: &FakeApis,
    backend: BackendKind,
    model: &str,
    scenario: &str,
) -> ReviewerConfig {
    let name = backend.as_str();
    let mut config = ReviewerConfig::new(name, backend);
    config.model = Some(if scenario == "review" {
        model.to_string()
    } else {
        format!("{model}+{scenario}")
    });
    let base = match backend {
        BackendKind::Openai | BackendKind::OpenaiCompatible => format!("{}/v1", server.url()),
        _ => server.url(),
    };
    config.base_url = Some(base);
    config.timeout = Duration::from_secs(20);
    config.retry_delay = Duration::from_millis(1);
    if backend == BackendKind::OpenaiCompatible {
        config.api_key_env = Some("LOCAL_KEY".into());
    }
    config
}

fn host() -> HostEnv {
    HostEnv::from_pairs(
        [
            "ANTHROPIC_API_KEY",
            "OPENAI_API_KEY",
            "GEMINI_API_KEY",
            "LOCAL_KEY",
        ]
        .map(|v| (v, KEY)),
    )
}

async fn run(fx: &Fixture, config: &ReviewerConfig) -> RunRecord {
    run_reviewer_in(config, &fx.ctx, &host(), None, CancellationToken::new()).await
}

/// Fails when the key is in any file under `dir`.
fn assert_no_key(dir: &Path) {
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(KEY), "the key is in {}", entry.display());
    }
}

#[tokio::test]
async fn a_full_review_through_each_protocol() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, key_var) in BACKENDS {
        let fx = fixture();
        let mut config = reviewer(&server, backend, model, "review");
        config.effort = Some("high".into());
        let before = server.requests().len();
        let record = run(&fx, &config).await;
        assert_eq!(record.status, RunStatus::Ok, "{backend:?}: {record:?}");
        let review = fx.review(backend.as_str()).expect("review file");
        assert!(review.contains("diff seen: yes"), "{backend:?}: {review}");
        assert!(review.contains("### I1."), "{review}");
        let tokens = record.tokens.expect("tokens");
        assert!(tokens.input > 0 && tokens.cached > 0, "{tokens:?}");
        assert_eq!(tokens.output, 120, "{backend:?}");
        assert_eq!(record.model.as_deref(), Some(model), "{backend:?}");
        match backend {
            BackendKind::OpenaiCompatible => assert_eq!(record.cost_usd, None),
            _ => assert!(record.cost_usd.is_some_and(|c| c > 0.0), "{record:?}"),
        }
        println!(
            "{:18} {model:20} tokens in {} (cached {}) out {} cost {:?}",
            backend.as_str(),
            tokens.input,
            tokens.cached,
            tokens.output,
            record.cost_usd
        );
        let requests = server.requests();
        let request = &requests[before..];
        assert_eq!(request.len(), 1, "{backend:?}");
        let r = &request[0];
        let body = &r.body;
        match backend {
            BackendKind::Anthropic => {
                assert_eq!(r.path, "/v1/messages");
                assert_eq!(r.header("x-api-key"), Some(KEY));
                assert_eq!(r.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(body["thinking"]["budget_tokens"], 24_000);
                assert_eq!(body["stream"], true);
            }
            BackendKind::Openai => {
                assert_eq!(r.path, "/v1/responses");
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert_eq!(body["reasoning"]["effort"], "high");
                assert_eq!(body["store"], false);
            }
            BackendKind::GeminiApi => {
                assert_eq!(
                    r.path,
                    format!("/v1beta/models/{model}:streamGenerateContent")
                );
                assert_eq!(r.query, "alt=sse");
                assert_eq!(r.header("x-goog-api-key"), Some(KEY));
                assert_eq!(
                    body["generationConfig"]["thinkingConfig"]["thinkingBudget"],
                    24_576
                );
            }
            _ => {
                assert_eq!(r.path, "/v1/chat/completions");
                assert_eq!(
                    r.header("authorization"),
                    Some(format!("Bearer {KEY}").as_str())
                );
                assert_eq!(body["stream_options"]["include_usage"], true);
                assert_eq!(body["reasoning_effort"], "high");
            }
        }
        let transcript = String::from_utf8(fx.transcript(backend.as_str()).unwrap()).unwrap();
        assert!(transcript.lines().count() > 3, "{transcript}");
        assert!(transcript.contains("\"request\""));
        let on_disk = fx.record_on_disk(backend.as_str());
        assert_eq!(on_disk.tokens, record.tokens);
        assert_no_key(fx.dir.path());
        let _ = key_var;
    }
}

/// A local server needs no key: none is sent when `api_key_env` is not set.
#[tokio::test]
async fn openai_compatible_runs_without_a_key() {
    let server = FakeApis::start().await.unwrap();
    let fx = fixture();
    let mut config = reviewer(
        &server,
        BackendKind::OpenaiCompatible,
        "qwen2.5-coder:14b",
        "review",
    );
    config.api_key_env = None;
    let record = run_reviewer_in(
        &config,
        &fx.ctx,
        &HostEnv::from_pairs([]),
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[tokio::test]
async fn a_missing_key_or_model_says_what_to_set() {
    let server = FakeApis::start().await.unwrap();
    let fx = fixture();
    let config = reviewer(
        &server,
        BackendKind::Anthropic,
        "claude-sonnet-4-5",
        "review",
    );
    let record = run_reviewer_in(
        &config,
        &fx.ctx,
        &HostEnv::from_pairs([]),
        None,
        CancellationToken::new(),
    )
    .await;
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(
        record.error.as_deref(),
        Some("no credentials: set ANTHROPIC_API_KEY")
    );
    let mut config = reviewer(&server, BackendKind::Openai, "gpt-5", "review");
    config.model = None;
    let record = run(&fx, &config).await;
    assert!(
        record
            .error
            .as_deref()
            .unwrap_or("")
            .starts_with("no model: set `model` in [reviewers.openai]"),
        "{record:?}"
    );
    let mut config = reviewer(&server, BackendKind::OpenaiCompatible, "m", "review");
    config.base_url = None;
    let record = run(&fx, &config).await;
    assert!(
        record
            .error
            .as_deref()
            .unwrap_or("")
            .starts_with("no base_url"),
        "{record:?}"
    );
    assert!(server.requests().is_empty());
}

/// A 429 with `Retry-After: 1` is retried after that second (not after the 1 ms
/// configured backoff), and the record says a request was retried.
#[tokio::test]
async fn a_429_is_retried_after_its_retry_after() {
    let server = FakeApis::start().await.unwrap();
    let runs = BACKENDS.map(|(backend, model, _)| {
        let server = &server;
        async move {
            let fx = fixture();
            let config = reviewer(server, backend, model, "rate-limited");
            let clock = Instant::now();
            let record = run(&fx, &config).await;
            (backend, record, clock.elapsed(), fx)
        }
    });
    let [a, b, c, d] = runs;
    let results = tokio::join!(a, b, c, d);
    for (backend, record, elapsed, fx) in [results.0, results.1, results.2, results.3] {
        assert_eq!(record.status, RunStatus::Ok, "{backend:?}: {record:?}");
        assert!(
            elapsed >= Duration::from_millis(950),
            "{backend:?} retried after {elapsed:?}"
        );
        assert!(
            record.notes.iter().any(|n| n == "1 request retried"),
            "{:?}",
            record.notes
        );
        let transcript = String::from_utf8(fx.transcript(backend.as_str()).unwrap()).unwrap();
        assert!(transcript.contains("\"http_status\":429"), "{transcript}");
    }
    assert_eq!(server.requests().len(), 8);
}

#[tokio::test]
async fn persistent_5xx_gives_up_saying_how_many_tries() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        let fx = fixture();
        let mut config = reviewer(&server, backend, model, "overloaded");
        config.retries = 2;
        let record = run(&fx, &config).await;
        assert_eq!(record.status, RunStatus::Failed, "{backend:?}");
        let error = record.error.unwrap_or_default();
        assert!(
            error.contains("gave up after 3 tries over"),
            "{backend:?}: {error}"
        );
        assert!(error.contains("overloaded"), "{backend:?}: {error}");
    }
    assert_eq!(server.requests().len(), 12);
}

/// 401, 403, 404 and context-too-long in plain words, for every protocol; the 401's
/// body repeats the key, which must not reach any file.
#[tokio::test]
async fn api_errors_are_plain_and_never_leak_the_key() {
    let server = FakeApis::start().await.unwrap();
    let cases = [
        ("bad-key", "the API rejected the key in"),
        ("forbidden", "may not use"),
        ("missing-model", "was not found at"),
        ("too-long", "the prompt is too long for"),
    ];
    for (backend, model, key_var) in BACKENDS {
        for (scenario, expected) in cases {
            let fx = fixture();
            let record = run(&fx, &reviewer(&server, backend, model, scenario)).await;
            assert_eq!(record.status, RunStatus::Failed, "{backend:?} {scenario}");
            let error = record.error.clone().unwrap_or_default();
            assert!(error.contains(expected), "{backend:?} {scenario}: {error}");
            if scenario == "bad-key" {
                assert!(error.contains(key_var), "{error}");
                assert!(error.contains("[redacted]"), "{error}");
            }
            if scenario == "missing-model" || scenario == "too-long" {
                assert!(error.contains("hint:"), "{error}");
            }
            assert_no_key(fx.dir.path());
        }
    }
    // Not retried: one request each.
    assert_eq!(server.requests().len(), 16);
}

/// A stream cut off mid-way (the connection dropped, or an error event) is a failed run
/// whose transcript keeps the text that arrived.
#[tokio::test]
async fn a_broken_stream_fails_and_keeps_what_arrived() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        for scenario in ["cut", "stream-error"] {
            let fx = fixture();
            let record = run(&fx, &reviewer(&server, backend, model, scenario)).await;
            assert_eq!(
                record.status,
                RunStatus::Failed,
                "{backend:?} {scenario}: {record:?}"
            );
            assert!(fx.review(backend.as_str()).is_none());
            let error = record.error.unwrap_or_default();
            let said = if scenario == "cut" {
                error.contains("stream broke") || error.contains("ended before")
            } else {
                error.contains("mid-stream")
            };
            assert!(said, "{backend:?} {scenario}: {error}");
            let transcript = String::from_utf8(fx.transcript(backend.as_str()).unwrap()).unwrap();
            assert!(
                transcript.contains("## Summary"),
                "{backend:?} {scenario}: {transcript}"
            );
        }
    }
}

#[tokio::test]
async fn a_hanging_stream_times_out_with_its_transcript() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        let fx = fixture();
        let mut config = reviewer(&server, backend, model, "hang");
        config.timeout = Duration::from_millis(400);
        let clock = Instant::now();
        let record = run(&fx, &config).await;
        assert!(clock.elapsed() < Duration::from_secs(5));
        assert_eq!(
            record.status,
            RunStatus::TimedOut,
            "{backend:?}: {record:?}"
        );
        assert_eq!(record.error.as_deref(), Some("timed out after 400ms"));
        let transcript = String::from_utf8(fx.transcript(backend.as_str()).unwrap()).unwrap();
        assert!(transcript.contains("\"event\""), "{transcript}");
    }
}

/// Over `budget_usd` after a turn: `budget_exceeded`, the review kept; a prompt alone
/// over `max_tokens`: stopped before any request.
#[tokio::test]
async fn budgets_stop_cleanly() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        let fx = fixture();
        let mut config = reviewer(&server, backend, model, "expensive");
        config.budget_usd = Some(0.10);
        if backend == BackendKind::OpenaiCompatible {
            config.price = Some(deep_review_core::config::Price {
                input: 0.2,
                cached_input: 0.2,
                output: 0.2,
            });
        }
        let record = run(&fx, &config).await;
        assert_eq!(
            record.status,
            RunStatus::BudgetExceeded,
            "{backend:?}: {record:?}"
        );
        assert!(
            record
                .error
                .as_deref()
                .unwrap_or("")
                .contains("budget_usd = 0.10"),
            "{record:?}"
        );
        assert!(record.cost_usd.is_some_and(|c| c > 0.10), "{record:?}");
        let review = fx.review(backend.as_str()).expect("the review is kept");
        assert!(review.contains("### I1."));
        assert_eq!(
            fx.record_on_disk(backend.as_str()).status,
            RunStatus::BudgetExceeded
        );
    }
    let before = server.requests().len();
    let fx = fixture();
    let mut config = reviewer(
        &server,
        BackendKind::Anthropic,
        "claude-sonnet-4-5",
        "review",
    );
    config.max_tokens = Some(50);
    let record = run(&fx, &config).await;
    assert_eq!(record.status, RunStatus::BudgetExceeded);
    let error = record.error.unwrap_or_default();
    assert!(
        error.contains("max_tokens = 50") && error.contains("before it wrote a review"),
        "{error}"
    );
    assert_eq!(server.requests().len(), before);
    // An output limit reached mid-review is a budget stop too, keeping the text.
    let fx = fixture();
    let record = run(
        &fx,
        &reviewer(&server, BackendKind::Openai, "gpt-5", "long"),
    )
    .await;
    assert_eq!(record.status, RunStatus::BudgetExceeded, "{record:?}");
    assert!(fx.review("openai").is_some());
}

/// A panel of API reviewers runs at once through `run_panel` (no keys needed: local
/// servers), each with its own record.
#[tokio::test]
async fn a_panel_of_local_models() {
    let server = FakeApis::start().await.unwrap();
    let fx = fixture();
    let mut configs = Vec::new();
    for (name, model) in [
        ("qwen", "qwen2.5-coder:14b"),
        ("gemma", "gemma3:12b+thinking"),
    ] {
        let mut config = reviewer(&server, BackendKind::OpenaiCompatible, model, "review");
        config.name = name.into();
        config.api_key_env = None;
        configs.push(config);
    }
    let records = run_panel(&configs, &fx.ctx, None, CancellationToken::new()).await;
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record.status, RunStatus::Ok, "{record:?}");
        assert!(fx.review(&record.name).is_some());
    }
    assert_eq!(records[1].tokens.map(|t| t.reasoning), Some(40));
}

/// `deep-review reviewers --check`: the endpoint answers and lists the model; a model
/// it does not list, or a server that is not there, is not ready.
#[tokio::test]
async fn the_check_asks_each_endpoint_for_its_models() {
    use deep_review_core::reviewers::ready::check_all_in;
    let server = FakeApis::start().await.unwrap();
    let mut configs: Vec<ReviewerConfig> = BACKENDS
        .iter()
        .map(|(backend, model, _)| reviewer(&server, *backend, model, "review"))
        .collect();
    let results = check_all_in(&configs, &host(), true).await;
    for (config, available) in configs.iter().zip(&results) {
        assert!(available.ready, "{}: {available:?}", config.name);
        assert!(available.reason.contains("lists"), "{available:?}");
    }
    configs[0].model = Some("claude-nonexistent".into());
    configs[1].base_url = Some("http://127.0.0.1:9/v1".into());
    let results = check_all_in(&configs[..2], &host(), true).await;
    assert!(
        !results[0].ready
            && results[0]
                .reason
                .contains("does not list model `claude-nonexistent`"),
        "{:?}",
        results[0]
    );
    assert!(
        !results[1].ready
            && results[1]
                .reason
                .contains("cannot connect to http://127.0.0.1:9/v1"),
        "{:?}",
        results[1]
    );
    // Without --check nothing is asked.
    let before = server.requests().len();
    let results = check_all_in(&configs, &host(), false).await;
    assert!(results[0].ready);
    assert_eq!(server.requests().len(), before);
}

/// The production toolbox: the model reads a file of the checkout and its review
/// quotes what the tool returned; the call is counted in the record.
#[tokio::test]
async fn the_model_investigates_the_checkout_with_tools() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        let fx = fixture();
        std::fs::write(
            fx.ctx.checkout.join("src/lib.rs"),
            format!("// {}\npub fn f() {{}}\n", fake_apis::TOOL_MARKER),
        )
        .unwrap();
        let record = run(&fx, &reviewer(&server, backend, model, "tools")).await;
        assert_eq!(record.status, RunStatus::Ok, "{backend:?}: {record:?}");
        let review = fx.review(backend.as_str()).unwrap();
        assert!(
            review.contains("The tool result said TOOL-MARKER-42"),
            "{backend:?}: {review}"
        );
        assert_eq!(record.tool_calls.get("read_file"), Some(&1), "{record:?}");
    }
}

/// A model asking for `../outside.txt`, or for a symbolic link pointing there, gets an
/// error result, never the file.
#[tokio::test]
async fn tools_do_not_reach_outside_the_checkout() {
    let server = FakeApis::start().await.unwrap();
    for (backend, model, _) in BACKENDS {
        for scenario in ["tools-escape", "tools-link"] {
            let fx = fixture();
            let outside = fx.ctx.checkout.parent().unwrap().join("outside.txt");
            std::fs::write(&outside, fake_apis::TOOL_MARKER).unwrap();
            std::os::unix::fs::symlink(&outside, fx.ctx.checkout.join("link.txt")).unwrap();
            let record = run(&fx, &reviewer(&server, backend, model, scenario)).await;
            assert_eq!(
                record.status,
                RunStatus::Ok,
                "{backend:?} {scenario}: {record:?}"
            );
            let review = fx.review(backend.as_str()).unwrap();
            assert!(
                !review.contains(fake_apis::TOOL_MARKER),
                "{backend:?} {scenario}: {review}"
            );
            let transcript = String::from_utf8(fx.transcript(backend.as_str()).unwrap()).unwrap();
            assert!(
                transcript.contains("\"is_error\":true"),
                "{backend:?} {scenario}"
            );
        }
    }
}

/// A model that takes no tools (Ollama answers 400) is asked again without them.
#[tokio::test]
async fn a_model_without_tool_support_reviews_without_tools() {
    let server = FakeApis::start().await.unwrap();
    let fx = fixture();
    let record = run(
        &fx,
        &reviewer(
            &server,
            BackendKind::OpenaiCompatible,
            "gemma3:1b",
            "no-tools",
        ),
    )
    .await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    assert!(
        record.notes.iter().any(|n| n.contains("takes no tools")),
        "{:?}",
        record.notes
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[0].body.get("tools").is_some() && requests[1].body.get("tools").is_none());
}

/// The prompt's diff block is replaced by the packed context (the diff and the code
/// around it), not sent twice.
#[tokio::test]
async fn the_diff_is_sent_once_with_its_surroundings() {
    let server = FakeApis::start().await.unwrap();
    let fx = fixture();
    let prompt = format!(
        "# Review\n\nThe unified diff:\n\n{}\nEnd of prompt.\n",
        deep_review_core::prompt::data_block("diff", DIFF, "diff")
    );
    std::fs::write(&fx.ctx.prompt_file, prompt).unwrap();
    std::fs::write(
        fx.ctx.checkout.join("src/lib.rs"),
        "pub fn f() {}\npub fn parse(s: &str) -> u32 { s.parse().unwrap() }\n",
    )
    .unwrap();
    let record = run(
        &fx,
        &reviewer(
            &server,
            BackendKind::Anthropic,
            "claude-sonnet-4-5",
            "review",
        ),
    )
    .await;
    assert_eq!(record.status, RunStatus::Ok, "{record:?}");
    let body = server.requests()[0].body.to_string();
    assert_eq!(body.matches("+pub fn parse").count(), 1, "{body}");
    assert!(body.contains("End of prompt."), "{body}");
}
