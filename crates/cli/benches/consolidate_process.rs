//! `deep-review consolidate` as a process, end to end (read, parse, verify-less
//! consolidation, narrative, render, write): 10 reviewers × 1,000 findings written as
//! Markdown reviews, and × 4,000 for the growth. Median of several runs of the release
//! binary. `cargo bench -p deep-review --bench consolidate_process` (or
//! `scripts/bench-consolidate.sh`).

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// xorshift: the same reviews every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

fn word(i: usize) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ser", "tan", "vo", "rex", "pul", "dan", "qui",
    ];
    let mut w = String::new();
    let mut x = i + 3;
    for _ in 0..3 {
        w.push_str(SYLLABLES[x % SYLLABLES.len()]);
        x /= SYLLABLES.len();
    }
    w
}

/// One review in the seed's layout: severity sections, `**C1. Title** — `path:line``,
/// a paragraph and a code block per finding; about a third of the issues are shared
/// with other reviewers (same file, nearby line, overlapping words).
fn review(reviewer: usize, findings: usize, shared: &[(usize, u32, Vec<usize>)]) -> String {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((reviewer as u64 + 1) * 7919));
    let files = (findings / 5).max(1);
    let mut out =
        format!("# Review by reviewer {reviewer}\n\n## Summary\n\nThe change adds a cache.\n\n");
    for (section, letter) in [
        ("Critical Issues", 'C'),
        ("Important Issues", 'I'),
        ("Suggestions", 'S'),
    ] {
        let _ = writeln!(out, "## {section}\n");
        for n in 1..=findings / 3 {
            let (file, line, words) = if rng.below(3) == 0 {
                let (f, l, w) = &shared[rng.below(shared.len())];
                (*f, l + rng.below(4) as u32, w.clone())
            } else {
                (
                    rng.below(files),
                    1 + rng.below(3000) as u32,
                    (0..8).map(|_| rng.below(4000)).collect(),
                )
            };
            let title: Vec<String> = words.iter().take(6).map(|&w| word(w)).collect();
            let body: Vec<String> = words
                .iter()
                .cycle()
                .take(40)
                .map(|&w| word(w + rng.below(2)))
                .collect();
            let _ = writeln!(
                out,
                "**{letter}{n}. {}** — `src/mod_{file}/file_{file}.rs:{line}`\n\n{}.\n\n```rust\nlet {} = {}();\n```\n",
                title.join(" "),
                body.join(" "),
                word(words[0]),
                word(words[1 % words.len()])
            );
        }
    }
    out.push_str("## Testing\n\nNo tests cover the eviction path.\n");
    out
}

fn write_reviews(dir: &Path, reviewers: usize, findings: usize) {
    let mut rng = Rng(42);
    let files = (findings / 5).max(1);
    let shared: Vec<(usize, u32, Vec<usize>)> = (0..findings)
        .map(|_| {
            (
                rng.below(files),
                1 + rng.below(3000) as u32,
                (0..8).map(|_| rng.below(4000)).collect(),
            )
        })
        .collect();
    for r in 0..reviewers {
        std::fs::write(
            dir.join(format!("review-r{r}-pass-1.md")),
            review(r, findings, &shared),
        )
        .expect("write review");
    }
}

fn measure(reviewers: usize, findings: usize) -> Duration {
    let dir = tempfile::tempdir().expect("tempdir");
    write_reviews(dir.path(), reviewers, findings);
    let bytes: u64 = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let bin = env!("CARGO_BIN_EXE_deep-review");
    // Recording in the history is part of a consolidation; never the user's database.
    let history = tempfile::tempdir().expect("tempdir");
    let mut times = Vec::new();
    for _ in 0..7 {
        let start = Instant::now();
        let status = Command::new(bin)
            .args(["consolidate", "--format", "md,json"])
            .arg(dir.path())
            .env("DEEP_REVIEW_DB", history.path().join("history.sqlite3"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run deep-review");
        times.push(start.elapsed());
        assert!(
            status.code().is_some_and(|c| c <= 1),
            "consolidate failed: {status}"
        );
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{reviewers} reviewers x {findings} findings ({:.1} MB of reviews): median {:.3} s (min {:.3}, max {:.3})",
        bytes as f64 / 1e6,
        median.as_secs_f64(),
        times[0].as_secs_f64(),
        times[times.len() - 1].as_secs_f64()
    );
    median
}

fn main() {
    // `DEEP_REVIEW_BENCH_WRITE=DIR`: only write the 10 x 1,000 reviews there (to profile).
    if let Some(dir) = std::env::var_os("DEEP_REVIEW_BENCH_WRITE") {
        std::fs::create_dir_all(&dir).expect("create dir");
        write_reviews(Path::new(&dir), 10, 1000);
        return;
    }
    let small = measure(10, 1000);
    let large = measure(10, 4000);
    println!(
        "4x the findings cost {:.2}x the time",
        large.as_secs_f64() / small.as_secs_f64().max(1e-9)
    );
}
