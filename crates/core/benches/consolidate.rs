//! Consolidation speed: 10 reviewers × 1,000 and × 4,000 findings, median of several
//! runs. `cargo bench -p deep-review-core --bench consolidate` (or
//! `scripts/bench-consolidate.sh`).

use std::time::{Duration, Instant};

use deep_review_core::consolidate::{consolidate, Policy};
use deep_review_core::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use deep_review_core::verify::VerifyOutcome;

/// A small deterministic generator (xorshift), so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

struct Issue {
    file: usize,
    line: u32,
    title: Vec<usize>,
    body: Vec<usize>,
}

fn word(i: usize) -> String {
    const SYLLABLES: &[&str] = &[
        "ka", "lo", "mi", "ser", "tan", "vo", "rex", "pul", "dan", "qui", "zor", "bel",
    ];
    let mut w = String::new();
    let mut x = i + 7;
    for _ in 0..3 {
        w.push_str(SYLLABLES[x % SYLLABLES.len()]);
        x /= SYLLABLES.len();
    }
    w.push_str(&format!("{}", i % 7));
    w
}

/// `reviewers` reviews of `per_reviewer` findings each; about 30% of the issues are
/// raised by several reviewers, with shifted lines and partly different words.
fn generate(reviewers: usize, per_reviewer: usize, seed: u64) -> Vec<ParsedReview> {
    let mut rng = Rng(seed);
    let vocabulary = 3000;
    let files = (per_reviewer / 5).max(1);
    let shared_issues = per_reviewer; // each raised by ~3 reviewers at 30% of items
    let make_issue = |rng: &mut Rng| Issue {
        file: rng.below(files),
        line: 1 + rng.below(2000) as u32,
        title: (0..6).map(|_| rng.below(vocabulary)).collect(),
        body: (0..40).map(|_| rng.below(vocabulary)).collect(),
    };
    let shared: Vec<Issue> = (0..shared_issues).map(|_| make_issue(&mut rng)).collect();
    (0..reviewers)
        .map(|r| {
            let items = (0..per_reviewer)
                .map(|i| {
                    let (issue_id, unique);
                    let owned;
                    let issue = if rng.below(10) < 3 {
                        issue_id = rng.below(shared_issues);
                        &shared[issue_id]
                    } else {
                        unique = make_issue(&mut rng);
                        issue_id = shared_issues + r * per_reviewer + i;
                        owned = unique;
                        &owned
                    };
                    let mut perturb = |ws: &[usize]| -> String {
                        ws.iter()
                            .map(|&w| if rng.below(10) < 4 { word(rng.below(vocabulary)) } else { word(w) })
                            .collect::<Vec<_>>()
                            .join(" ")
                    };
                    let title = perturb(&issue.title);
                    let body = format!(
                        "{} `handler_{issue_id}` and `config.value` in `run()`.\n\n```go\nx := handler_{issue_id}(config)\n```\n",
                        perturb(&issue.body)
                    );
                    let line = (issue.line + rng.below(12) as u32).saturating_sub(6).max(1);
                    ReviewItem {
                        local_id: format!("F{i}"),
                        source: ItemSource::Finding,
                        severity: Severity::ALL[rng.below(3)],
                        severity_stated: true,
                        title,
                        locations: vec![Location::lines(format!("pkg/mod{}/file{}.go", issue.file % 17, issue.file), line, line + rng.below(8) as u32)],
                        body,
                        snippets: vec![format!("x := handler_{issue_id}(config)\n")],
                        tags: Vec::new(),
                        ordinal: i,
                        restates: None,
                    }
                })
                .collect();
            ParsedReview {
                reviewer: format!("reviewer{r}"),
                pass: 1,
                items,
                ..Default::default()
            }
        })
        .collect()
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn measure(reviewers: usize, per_reviewer: usize, runs: usize) -> Duration {
    let reviews = generate(reviewers, per_reviewer, 0x9e37_79b9_7f4a_7c15);
    let verification = VerifyOutcome::default();
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let result = consolidate(&reviews, &Policy::default(), &verification);
        times.push(start.elapsed());
        findings = result.findings.len();
    }
    let m = median(times);
    println!(
        "consolidate {reviewers} x {per_reviewer}: median {:.1} ms over {runs} runs ({} items -> {findings} findings)",
        m.as_secs_f64() * 1000.0,
        reviewers * per_reviewer
    );
    m
}

fn main() {
    let small = measure(10, 1000, 7);
    let large = measure(10, 4000, 5);
    println!(
        "4x the findings cost {:.2}x the time",
        large.as_secs_f64() / small.as_secs_f64().max(1e-9)
    );
}
