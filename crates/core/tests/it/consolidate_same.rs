//! Guards against unintended changes of consolidation results: the full result of
//! every hand-labelled scenario and of a generated 10 × 200 panel is pinned by a
//! snapshot. A speed-up must keep these passing unchanged; a deliberate change of the
//! score must update them (and say so in its commit).

use deep_review_core::consolidate::{consolidate, explain_pairs, Consolidation, Policy};
use deep_review_core::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use deep_review_core::verify::VerifyOutcome;

use crate::common;

/// The whole result as JSON (tallies in their Debug form).
fn render(c: &Consolidation) -> String {
    let json = serde_json::json!({
        "findings": c.findings,
        "dropped": c.dropped,
        "design": c.design,
        "tallies": format!("{:?}", c.tallies),
    });
    serde_json::to_string_pretty(&json).unwrap_or_default()
}

#[test]
fn scenario_results_are_pinned() {
    let mut out = String::new();
    for s in common::scenarios() {
        let result = consolidate(&s.reviews, &Policy::default(), &VerifyOutcome::default());
        out.push_str(&format!("== {}\n", s.name));
        for f in &result.findings {
            let members: Vec<String> = f
                .members
                .iter()
                .map(|m| format!("{} {}", m.reviewer, m.local_id))
                .collect();
            out.push_str(&format!(
                "{} [{}] {}\n",
                f.id,
                members.join(", "),
                f.fingerprint
            ));
            for r in &f.merge_reasons {
                out.push_str(&format!("    {r}\n"));
            }
        }
        for line in explain_pairs(&s.reviews, 0.05) {
            out.push_str(&format!("  pair {line}\n"));
        }
    }
    insta::assert_snapshot!(out);
}

/// A small deterministic generator (xorshift).
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

const VOCABULARY: &[&str] = &[
    "lock",
    "locks",
    "locking",
    "await",
    "token",
    "tokens",
    "cache",
    "caching",
    "leak",
    "leaked",
    "leaking",
    "nil",
    "null",
    "panic",
    "query",
    "queries",
    "timeout",
    "buffer",
    "overflow",
    "stream",
    "message",
    "messages",
    "test",
    "tests",
    "docs",
    "retry",
    "error",
    "handle",
    "check",
    "closes",
    "closed",
    "concatenation",
    "dependencies",
    "Größe",
    "naïve",
    "café's",
    "don't",
    "isn't",
    "it's",
    "e.g.",
    "i.e.",
    "the",
    "and",
    "of",
    "`watcherMu`",
    "`config.Timeout`",
    "`reader.Close()`",
    "`HandleLogs`",
    "`std::sync::Mutex`",
    "`self.tokens.lock()`",
    "parse_header",
    "MAX_SIZE",
    "useEffect",
    "fetchProfile()",
    "r.watcher",
    "x.go",
    "42",
    "1st",
    "O'Brien",
    "''",
    "`",
    "``a``",
    "a",
    "I",
];

fn phrase(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| VOCABULARY[rng.below(VOCABULARY.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate(reviewers: usize, per_reviewer: usize) -> Vec<ParsedReview> {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let shared: Vec<(String, String, u32, usize)> = (0..per_reviewer)
        .map(|i| {
            (
                phrase(&mut rng, 5),
                phrase(&mut rng, 30),
                1 + rng.below(600) as u32,
                i % 23,
            )
        })
        .collect();
    (0..reviewers)
        .map(|r| {
            let items = (0..per_reviewer)
                .map(|i| {
                    let (title, body, line, file) = if rng.below(10) < 4 {
                        let k = rng.below(shared.len());
                        let (t, b, l, f) = &shared[k];
                        let t = format!("{t} {}", phrase(&mut rng, 2));
                        let b = format!("{b} {}", phrase(&mut rng, 8));
                        (t, b, (*l + rng.below(20) as u32).saturating_sub(10).max(1), *f)
                    } else {
                        (
                            phrase(&mut rng, 6),
                            phrase(&mut rng, 35),
                            1 + rng.below(600) as u32,
                            rng.below(23),
                        )
                    };
                    let code = format!(
                        "let guard = self.items_{file}.lock();\nfoo::bar::baz(x, y_{i});\n"
                    );
                    let body = format!(
                        "{body}\n\n```rust\n{code}```\n\n```diff\n-old_call_{file}(x)\n+new_call(x)\n```\n"
                    );
                    let source = match i % 9 {
                        7 => ItemSource::Testing,
                        8 => ItemSource::Documentation,
                        _ => ItemSource::Finding,
                    };
                    let locations = match rng.below(6) {
                        0 => Vec::new(),
                        1 => vec![Location::file(format!("src/m{file}.rs"))],
                        _ => vec![Location::lines(
                            format!("src/m{file}.rs"),
                            line,
                            line + rng.below(6) as u32,
                        )],
                    };
                    ReviewItem {
                        local_id: format!("F{i}"),
                        source,
                        severity: Severity::ALL[rng.below(3)],
                        severity_stated: source == ItemSource::Finding,
                        title,
                        locations,
                        body,
                        snippets: vec![code],
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

#[test]
fn generated_panel_result_is_pinned() {
    let reviews = generate(10, 200);
    let result = consolidate(&reviews, &Policy::default(), &VerifyOutcome::default());
    let json = render(&result);
    let grouped = result
        .findings
        .iter()
        .filter(|f| f.members.len() > 1)
        .count();
    let head: Vec<String> = result
        .findings
        .iter()
        .take(12)
        .map(|f| {
            let members: Vec<String> = f
                .members
                .iter()
                .map(|m| format!("{} {}", m.reviewer, m.local_id))
                .collect();
            format!(
                "{} [{}] {}",
                f.id,
                members.join(", "),
                f.merge_reasons.join(" | ")
            )
        })
        .collect();
    insta::assert_snapshot!(format!(
        "findings {} (grouped {grouped})\n{}\n",
        result.findings.len(),
        head.join("\n")
    ));
    // The whole result, readable, so a change shows what moved.
    insta::assert_snapshot!("generated_panel_result_is_pinned_full_json", json);
}
