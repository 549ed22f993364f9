//! Output-cap speed: a `command` reviewer that prints 200 MB, read and cut to 8 MiB,
//! median of several runs. The claim (formerly a timed assertion in
//! `tests/it/run_command.rs`): well under a minute. `cargo bench -p deep-review-core
//! --bench output_cap` (or `scripts/bench-output-cap.sh`).

#[path = "../tests/it/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use deep_review_core::model::RunStatus;
use deep_review_core::reviewers::run_reviewer;
use support::{sh, Fixture};
use tokio_util::sync::CancellationToken;

const RUNS: usize = 5;

fn main() {
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("no tokio runtime: {e}");
            std::process::exit(1);
        }
    };
    let mut times: Vec<Duration> = (0..RUNS).map(|_| runtime.block_on(one_flood())).collect();
    times.sort();
    let median = times[RUNS / 2];
    println!(
        "200 MB of reviewer output read and capped: median {:.0} ms (min {:.0} ms, max {:.0} ms, {RUNS} runs)",
        median.as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[RUNS - 1].as_secs_f64() * 1000.0,
    );
}

async fn one_flood() -> Duration {
    let fx = Fixture::new();
    let mut config = sh(
        "flood",
        "yes 'This line belongs to an extremely long review.' | head -c 200000000",
    );
    config.timeout = Duration::from_secs(300);
    let started = Instant::now();
    let record = run_reviewer(&config, &fx.ctx, None, CancellationToken::new()).await;
    let elapsed = started.elapsed();
    if record.status != RunStatus::Ok {
        eprintln!("the flood reviewer did not succeed: {record:?}");
        std::process::exit(1);
    }
    elapsed
}
