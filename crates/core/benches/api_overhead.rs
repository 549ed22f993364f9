//! The API path's own cost per reviewer: a whole review (prompt read, request built,
//! sent, streamed, parsed, files written) against `fake-apis` with no pause between
//! events, so nearly all the time is ours, not the model's. Median of many runs per
//! protocol, with the tokens and cost each recorded. `cargo bench -p deep-review-core
//! --bench api_overhead`.

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use deep_review_core::config::{BackendKind, ReviewerConfig};
use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::env::HostEnv;
use deep_review_core::reviewers::run_reviewer_in;
use fake_apis::FakeApis;
use support::Fixture;
use tokio_util::sync::CancellationToken;

const RUNS: usize = 50;

fn main() {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    runtime.block_on(async {
        let server = match FakeApis::start().await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("cannot start fake-apis: {e}");
                std::process::exit(1);
            }
        };
        server.set_pace(Duration::ZERO);
        let host = HostEnv::from_pairs(
            ["ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GEMINI_API_KEY"].map(|v| (v, "bench-key")),
        );
        for (backend, model, v1) in [
            (BackendKind::Anthropic, "claude-sonnet-4-5", false),
            (BackendKind::Openai, "gpt-5", true),
            (BackendKind::GeminiApi, "gemini-2.5-flash", false),
            (BackendKind::OpenaiCompatible, "qwen2.5-coder:14b", true),
        ] {
            let mut config = ReviewerConfig::new(backend.as_str(), backend);
            config.model = Some(model.into());
            config.base_url = Some(if v1 {
                format!("{}/v1", server.url())
            } else {
                server.url()
            });
            let fx = Fixture::with_prompt(&prompt());
            let mut times = Vec::new();
            let mut last = None;
            for _ in 0..RUNS {
                let clock = Instant::now();
                let record =
                    run_reviewer_in(&config, &fx.ctx, &host, None, CancellationToken::new()).await;
                times.push(clock.elapsed());
                if record.status != RunStatus::Ok {
                    eprintln!("{}: {:?}", backend.as_str(), record.error);
                    std::process::exit(1);
                }
                last = Some(record);
            }
            times.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let record = last.unwrap_or_default();
            let tokens = record.tokens.unwrap_or_default();
            println!(
                "{:18} median {:.2} ms (min {:.2}, max {:.2}, {RUNS} runs); tokens in {} (cached {}) out {}, cost {}",
                backend.as_str(),
                ms(times[RUNS / 2]),
                ms(times[0]),
                ms(times[RUNS - 1]),
                tokens.input,
                tokens.cached,
                tokens.output,
                record.cost_usd.map_or("none (no price)".to_string(), |c| format!("${c:.6}")),
            );
        }
        consolidator_overhead(&server, &host).await;
    });
}

/// What the consolidator model adds to `consolidate` (prompt, API run, answer read,
/// proposals applied, report rebuilt), excluding model time: `consolidate_dir` against
/// `consolidate_dir_with_model` with an Anthropic consolidator on the fake.
async fn consolidator_overhead(server: &FakeApis, host: &HostEnv) {
    use deep_review_core::pipeline::{
        consolidate_dir, consolidate_dir_with_model, ConsolidateOptions,
    };
    let dir = match tempfile::tempdir() {
        Ok(d) => d,
        Err(e) => {
            eprintln!("no temp dir: {e}");
            std::process::exit(1);
        }
    };
    for (name, text) in [
        ("a", "## Findings\n\n### Important\n\n### I1. `parse` unwraps user input\n\n`src/lib.rs:2` calls `unwrap()`.\n\n### Suggestions\n\n### S1. `parse` has no doc comment\n\n`src/lib.rs:2`: say what it accepts.\n"),
        ("b", "## Findings\n\n### Important\n\n### I1. Malformed numbers abort the worker\n\nA non-numeric header kills the process.\n"),
    ] {
        if let Err(e) = std::fs::write(dir.path().join(format!("review-{name}-pass-1.md")), text) {
            eprintln!("cannot write a review: {e}");
            std::process::exit(1);
        }
    }
    let mut config = ReviewerConfig::new("judge", BackendKind::Anthropic);
    config.model = Some("claude-sonnet-4-5+consolidate".into());
    config.base_url = Some(server.url());
    let setup = deep_review_core::consolidator::Setup {
        config,
        workdir: dir.path().to_path_buf(),
        sandbox: None,
        cancel: CancellationToken::new(),
        host: host.clone(),
        progress: None,
    };
    let opts = ConsolidateOptions::new(dir.path());
    let mut plain = Vec::new();
    let mut assisted = Vec::new();
    for _ in 0..RUNS {
        let clock = Instant::now();
        if let Err(e) = consolidate_dir(&opts) {
            eprintln!("consolidate: {e}");
            std::process::exit(1);
        }
        plain.push(clock.elapsed());
        let clock = Instant::now();
        match consolidate_dir_with_model(&opts, &setup).await {
            Ok(done)
                if done
                    .report
                    .consolidator
                    .as_ref()
                    .is_some_and(|c| c.status == "ok") => {}
            Ok(done) => {
                eprintln!("consolidator: {:?}", done.report.consolidator);
                std::process::exit(1);
            }
            Err(e) => {
                eprintln!("consolidate with model: {e}");
                std::process::exit(1);
            }
        }
        assisted.push(clock.elapsed());
    }
    plain.sort();
    assisted.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "consolidator       median {:.2} ms with the model vs {:.2} ms without ({RUNS} runs): {:.2} ms added",
        ms(assisted[RUNS / 2]),
        ms(plain[RUNS / 2]),
        ms(assisted[RUNS / 2]) - ms(plain[RUNS / 2]),
    );
}

/// A prompt the size of a small real one (about 40 KiB with its diff).
fn prompt() -> String {
    let mut diff = String::from("diff --git a/src/lib.rs b/src/lib.rs\n--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,400 +1,400 @@\n");
    for i in 0..400 {
        diff.push_str(&format!(
            "+pub fn f{i}(x: u32) -> u32 {{ x.wrapping_mul({i}) + 1 }}\n"
        ));
    }
    format!("# Review this change\n\n```diff\n{diff}```\n")
}
