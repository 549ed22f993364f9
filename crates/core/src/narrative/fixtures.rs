//! Hand-written review scenarios for the narrative and renderer tests: what the parser,
//! the run records and the consolidator would hand over for three made-up changes.

use std::collections::BTreeMap;

use crate::consolidate::{Consolidation, ReviewerTally};
use crate::model::{
    CoverageEntry, DesignItem, Diagnostic, ItemSource, Limitation, Location, ParsedReview,
    ReviewItem, RunRecord, RunStatus, Scope, Severity, Tokens,
};
use crate::narrative::{ReportInput, VerdictPolicy};
use crate::render::RawReview;
use crate::report::{
    CommitInfo, Design, DesignGroup, DesignMember, Dropped, Finding, Member, Target, Verification,
};

/// Everything one review round hands to `build_report`, owned.
pub(crate) struct Scenario {
    pub id: String,
    pub created_at: String,
    pub target: Target,
    pub reviews: Vec<ParsedReview>,
    pub runs: Vec<RunRecord>,
    pub consolidation: Consolidation,
    pub changed_files: Vec<String>,
    pub diff_limitations: Vec<Limitation>,
    pub wall_clock_ms: Option<u64>,
    pub raw: Vec<RawReview>,
}

impl Scenario {
    pub fn input(&self) -> ReportInput<'_> {
        ReportInput {
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            target: self.target.clone(),
            reviews: &self.reviews,
            runs: &self.runs,
            consolidation: &self.consolidation,
            changed_files: &self.changed_files,
            diff_limitations: &self.diff_limitations,
            wall_clock_ms: self.wall_clock_ms,
            verdict_policy: VerdictPolicy::default(),
            review_texts: self.raw.iter().map(|r| r.text.as_str()).collect(),
        }
    }
}

fn loc(path: &str, lines: Option<(u32, u32)>) -> Location {
    match lines {
        Some((a, b)) => Location::lines(path, a, b),
        None => Location::file(path),
    }
}

#[allow(clippy::too_many_arguments)]
fn item(
    local_id: &str,
    source: ItemSource,
    severity: Severity,
    title: &str,
    path: &str,
    lines: Option<(u32, u32)>,
    body: &str,
    ordinal: usize,
) -> ReviewItem {
    ReviewItem {
        local_id: local_id.into(),
        source,
        severity,
        severity_stated: true,
        title: title.into(),
        locations: vec![loc(path, lines)],
        body: body.into(),
        snippets: Vec::new(),
        tags: Vec::new(),
        ordinal,
        restates: None,
    }
}

fn member(
    reviewer: &str,
    local_id: &str,
    severity: Severity,
    title: &str,
    source: ItemSource,
) -> Member {
    Member {
        reviewer: reviewer.into(),
        local_id: local_id.into(),
        severity,
        title: title.into(),
        source,
        locations: Vec::new(),
        restates: None,
    }
}

fn design(
    local_id: &str,
    title: &str,
    body: &str,
    scope: Option<Scope>,
    ordinal: usize,
) -> DesignItem {
    DesignItem {
        local_id: local_id.into(),
        title: title.into(),
        body: body.into(),
        scope,
        locations: Vec::new(),
        ordinal,
    }
}

fn group(
    title: &str,
    scope: Option<Scope>,
    body: &str,
    reviewer: &str,
    local_id: &str,
) -> DesignGroup {
    DesignGroup {
        title: title.into(),
        scope,
        body: body.into(),
        reviewers: vec![reviewer.into()],
        members: vec![DesignMember {
            reviewer: reviewer.into(),
            local_id: local_id.into(),
            title: title.into(),
        }],
    }
}

fn run(
    name: &str,
    display: &str,
    backend: &str,
    model: Option<&str>,
    effort: Option<&str>,
) -> RunRecord {
    RunRecord {
        name: name.into(),
        display: Some(display.into()).filter(|d: &String| !d.is_empty()),
        backend: Some(backend.into()),
        model: model.map(Into::into),
        effort: effort.map(Into::into),
        status: RunStatus::Ok,
        pass: Some(1),
        ..RunRecord::default()
    }
}

fn tools(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

const LIMITER_C1_BODY: &str = "```go\nfunc (l *Limiter) bucket(tenant string) *bucket {\n\tl.mu.Lock()\n\tdefer l.mu.Unlock()\n\tb, ok := l.buckets[tenant]\n\tif !ok {\n\t\tb = newBucket(l.rate, l.burst)\n\t\tl.buckets[tenant] = b\n\t}\n\treturn b\n}\n```\n\nEvery distinct `X-Tenant` value adds an entry to `l.buckets` and nothing ever removes one. The header comes from the client (see C2), so a caller that sends a fresh tenant ID per request grows the map until the gateway runs out of memory.\n\nFix: keep a last-seen time per bucket and sweep idle buckets from a ticker, or use a size-bounded LRU keyed by tenant.";

const LIMITER_C2_BODY: &str = "```go\ntenant := r.Header.Get(\"X-Tenant\")\nif tenant == \"\" {\n\ttenant = \"anonymous\"\n}\n```\n\nThe tenant used for limiting is whatever the client puts in `X-Tenant`. Any caller can pick another tenant's bucket, or a new one per request, which turns the limiter off.\n\nFix: take the tenant from the authenticated principal that `auth.Middleware` stores in the request context.";

const LIMITER_I1_BODY: &str = "```go\nnow := time.Now()\nelapsed := now.Sub(b.last)\n```\n\n`time.Now()` is compared across calls for refill; when the wall clock steps backwards `elapsed` is negative and the bucket drains instead of filling.\n\nFix: keep a monotonic reading (`time.Since` on a stored `time.Time` keeps the monotonic part) and clamp negative intervals to zero.";

const LIMITER_I2_BODY: &str = "`Retry-After` is set from `wait.Milliseconds()`, but the header is in seconds, so a 2 s wait tells clients to come back in 2000 s.";

pub(crate) fn go_gateway() -> Scenario {
    use ItemSource::{Finding as F, Testing as T};
    use Severity::{Critical as Cr, Important as Im, Suggestion as Su};

    let claude_review = ParsedReview {
        reviewer: "claude".into(),
        pass: 2,
        from_json: true,
        summary: Some("Adds a per-tenant token bucket in front of the proxy.".into()),
        verdict_text: Some("Changes requested".into()),
        verdict: Some(crate::model::Decision::Rework),
        items: vec![
            item("C1", F, Cr, "Bucket map grows without bound", "internal/ratelimit/bucket.go", Some((41, 58)), LIMITER_C1_BODY, 0),
            item("I1", F, Im, "Refill follows the wall clock", "internal/ratelimit/bucket.go", Some((72, 72)), LIMITER_I1_BODY, 1),
            item("S1", F, Su, "Document the burst setting", "docs/configuration.md", Some((120, 120)), "`burst` is read from the config but not listed in the configuration reference.", 2),
            item("S2", F, Su, "Inject a clock interface", "internal/ratelimit/clock.go", Some((10, 10)), "A `Clock` interface would make refill testable.", 3),
            item("testing-1", T, Su, "No test drives Allow from many goroutines", "internal/ratelimit/bucket_test.go", None, "The tests call `Allow` from one goroutine only; `go test -race` with parallel callers would cover the locking.", 4),
        ],
        design_concerns: vec![
            design("design-1", "Middleware order is implicit", "The limiter must run after authentication, but `NewProxy` appends middlewares in map order.", Some(Scope::InScope), 5),
            design("design-2", "Limiter state is per-process", "With more than one gateway replica every replica grants the full rate; a shared store would be needed for a global limit.", Some(Scope::Future), 6),
        ],
        strengths: vec![design("strength-1", "Table-driven refill tests", "The refill arithmetic is covered by a clear table of (elapsed, tokens) cases.", None, 7)],
        testing: Some("- Refill math is well covered.\n- Nothing exercises concurrent callers (see the testing item).".into()),
        documentation: Some("`docs/configuration.md` does not mention `burst` yet.".into()),
        commits: Some("Two commits, limiter first and wiring second; each builds on its own.".into()),
        limitations: vec![Limitation {
            path: Some("bucket.go".into()),
            line: Some(33),
            text: "TODO: evict idle tenants".into(),
        }],
        coverage: vec![
            CoverageEntry { path: "internal/ratelimit/bucket.go".into(), note: "C1, I1".into() },
            CoverageEntry { path: "internal/proxy/middleware.go".into(), note: "no issues".into() },
        ],
        unresolved_feedback: Vec::new(),
        prior_round: Vec::new(),
        diagnostics: Vec::new(),
    };
    let codex_review = ParsedReview {
        reviewer: "codex".into(),
        pass: 2,
        from_json: false,
        summary: Some("Limiter is keyed by a client-controlled header.".into()),
        verdict_text: Some("Do not merge".into()),
        verdict: Some(crate::model::Decision::Rework),
        items: vec![
            item(
                "P1",
                F,
                Im,
                "Unbounded per-tenant bucket map",
                "internal/ratelimit/bucket.go",
                Some((44, 44)),
                "New tenants are inserted and never evicted.",
                0,
            ),
            item(
                "P2",
                F,
                Cr,
                "Retry-After header sent in milliseconds",
                "internal/proxy/middleware.go",
                Some((61, 61)),
                LIMITER_I2_BODY,
                1,
            ),
            item(
                "P3",
                F,
                Cr,
                "Tenant ID taken from an unauthenticated header",
                "internal/proxy/middleware.go",
                Some((27, 35)),
                LIMITER_C2_BODY,
                2,
            ),
            item(
                "P4",
                F,
                Su,
                "Wall-clock refill",
                "internal/ratelimit/bucket.go",
                Some((72, 72)),
                "Use a monotonic clock.",
                3,
            ),
            item(
                "P5",
                F,
                Su,
                "Missing license header",
                "internal/ratelimit/license.go",
                Some((1, 1)),
                "New files need the SPDX header.",
                4,
            ),
            item(
                "P6",
                F,
                Su,
                "Limiter options struct is unused",
                "internal/ratelimit/options.go",
                Some((5, 12)),
                "`Options` is declared but never read.",
                5,
            ),
        ],
        design_concerns: vec![design(
            "design-1",
            "Config reload races with in-flight requests",
            "`Reload` swaps the handler chain without a barrier; this predates the change.",
            Some(Scope::PreExisting),
            6,
        )],
        strengths: Vec::new(),
        testing: Some(
            "1. No test sends a forged `X-Tenant`.\n2. No test checks the `Retry-After` value."
                .into(),
        ),
        documentation: None,
        commits: None,
        limitations: Vec::new(),
        coverage: Vec::new(),
        unresolved_feedback: Vec::new(),
        prior_round: Vec::new(),
        diagnostics: vec![Diagnostic {
            line: Some(3),
            message: "no JSON block; read the Markdown sections".into(),
        }],
    };

    let mut claude = run(
        "claude",
        "Claude Opus 4.7",
        "claude",
        Some("claude-opus-4-7"),
        Some("xhigh"),
    );
    claude.duration_ms = Some(852_000);
    claude.tool_calls = tools(&[("Read", 14), ("Grep", 5), ("Bash", 3)]);
    claude.tokens = Some(Tokens {
        input: 182_400,
        output: 9_310,
        ..Tokens::default()
    });
    claude.cost_usd = Some(2.41);
    claude.files_read = strings(&[
        "internal/ratelimit/bucket.go",
        "internal/ratelimit/bucket_test.go",
        "internal/proxy/middleware.go",
    ]);
    let mut codex = run(
        "codex",
        "Codex GPT 5.4",
        "codex",
        Some("gpt-5.4"),
        Some("high"),
    );
    codex.duration_ms = Some(400_000);
    codex.tool_calls = tools(&[("shell", 31)]);
    codex.files_read = strings(&[
        "internal/proxy/middleware.go",
        "internal/ratelimit/bucket.go",
    ]);
    let mut gemini = run(
        "gemini",
        "Gemini 3.1 Pro",
        "gemini",
        Some("gemini-3.1-pro"),
        None,
    );
    gemini.status = RunStatus::TimedOut;
    gemini.duration_ms = Some(1_800_000);
    gemini.error = Some("no output before the 30m timeout".into());
    let mut script = run("lint-script", "Team lint script", "command", None, None);
    script.status = RunStatus::Failed;
    script.exit_code = Some(127);
    script.duration_ms = Some(1_200);
    script.error = Some("exited with code 127: golangci-lint: command not found".into());

    let findings = vec![
        Finding {
            id: "C1".into(),
            severity: Cr,
            title: "Per-tenant bucket map grows without bound".into(),
            location: Some(loc("internal/ratelimit/bucket.go", Some((41, 58)))),
            locations: vec![
                loc("internal/ratelimit/bucket.go", Some((41, 58))),
                loc("internal/ratelimit/bucket.go", Some((44, 44))),
            ],
            reviewers: strings(&["claude", "codex"]),
            members: vec![
                member("claude", "C1", Cr, "Bucket map grows without bound", F),
                member("codex", "P1", Im, "Unbounded per-tenant bucket map", F),
            ],
            body: LIMITER_C1_BODY.into(),
            tags: strings(&["regression", "security"]),
            kind: Some("regression".into()),
            verification: Verification::Verified,
            reconciliation: Some("combined with C2 any client can exhaust the gateway's memory, so the higher rating stands".into()),
            severity_rule: None,
            merge_reasons: strings(&["same file, overlapping lines, titles share \"bucket map\""]),
            fingerprint: "7c1e0a5b9d2f4e61".into(),
        },
        Finding {
            id: "C2".into(),
            severity: Cr,
            title: "Tenant ID taken from an unauthenticated header".into(),
            location: Some(loc("internal/proxy/middleware.go", Some((27, 35)))),
            locations: vec![loc("internal/proxy/middleware.go", Some((27, 35)))],
            reviewers: strings(&["codex"]),
            members: vec![member("codex", "P3", Cr, "Tenant ID taken from an unauthenticated header", F)],
            body: LIMITER_C2_BODY.into(),
            tags: strings(&["regression", "security"]),
            kind: Some("regression".into()),
            verification: Verification::Relocated,
            reconciliation: None,
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: "0b9f33c2aa41d870".into(),
        },
        Finding {
            id: "I1".into(),
            severity: Im,
            title: "Refill follows the wall clock".into(),
            location: Some(loc("internal/ratelimit/bucket.go", Some((72, 72)))),
            locations: vec![loc("internal/ratelimit/bucket.go", Some((72, 72)))],
            reviewers: strings(&["claude", "codex"]),
            members: vec![
                member("claude", "I1", Im, "Refill follows the wall clock", F),
                member("codex", "P4", Su, "Wall-clock refill", F),
            ],
            body: LIMITER_I1_BODY.into(),
            tags: strings(&["regression"]),
            kind: Some("regression".into()),
            verification: Verification::Verified,
            reconciliation: Some("a backwards clock step locks every tenant out until it catches up".into()),
            severity_rule: None,
            merge_reasons: strings(&["same file and line"]),
            fingerprint: "5d0c7e2f61a9b384".into(),
        },
        Finding {
            id: "I2".into(),
            severity: Im,
            title: "Retry-After is written in milliseconds".into(),
            location: Some(loc("internal/proxy/middleware.go", Some((61, 61)))),
            locations: vec![loc("internal/proxy/middleware.go", Some((61, 61)))],
            reviewers: strings(&["codex"]),
            members: vec![member("codex", "P2", Cr, "Retry-After header sent in milliseconds", F)],
            body: LIMITER_I2_BODY.into(),
            tags: strings(&["gap"]),
            kind: Some("gap".into()),
            verification: Verification::Unverified,
            reconciliation: Some("clients treat Retry-After as a hint and most cap their backoff, so it misleads rather than breaks".into()),
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: "e4a1b2c3d4e5f607".into(),
        },
        Finding {
            id: "S1".into(),
            severity: Su,
            title: "Document the burst setting".into(),
            location: Some(loc("docs/configuration.md", Some((120, 120)))),
            locations: vec![loc("docs/configuration.md", Some((120, 120)))],
            reviewers: strings(&["claude"]),
            members: vec![member("claude", "S1", Su, "Document the burst setting", F)],
            body: "`burst` is read from the config but not listed in the configuration reference.".into(),
            tags: strings(&["enhancement"]),
            kind: Some("enhancement".into()),
            verification: Verification::Verified,
            reconciliation: None,
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: "99aa00bb11cc22dd".into(),
        },
        Finding {
            id: "S2".into(),
            severity: Su,
            title: "No test drives Allow from many goroutines".into(),
            location: Some(loc("internal/ratelimit/bucket_test.go", None)),
            locations: vec![loc("internal/ratelimit/bucket_test.go", None)],
            reviewers: strings(&["claude"]),
            members: vec![member("claude", "testing-1", Su, "No test drives Allow from many goroutines", T)],
            body: "The tests call `Allow` from one goroutine only; `go test -race` with parallel callers would cover the locking.".into(),
            tags: strings(&["gap"]),
            kind: Some("gap".into()),
            verification: Verification::Verified,
            reconciliation: None,
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: "1f2e3d4c5b6a7980".into(),
        },
    ];
    let dropped = vec![
        Dropped {
            reviewer: "claude".into(),
            local_id: "S2".into(),
            title: "Inject a clock interface".into(),
            reason: "internal/ratelimit/clock.go does not exist at the head revision".into(),
        },
        Dropped {
            reviewer: "codex".into(),
            local_id: "P5".into(),
            title: "Missing license header".into(),
            reason: "internal/ratelimit/license.go does not exist at the head revision".into(),
        },
        Dropped {
            reviewer: "codex".into(),
            local_id: "P6".into(),
            title: "Limiter options struct is unused".into(),
            reason: "internal/ratelimit/options.go does not exist at the head revision".into(),
        },
    ];
    let design = Design {
        concerns: vec![
            group("Middleware order is implicit", Some(Scope::InScope), "The limiter must run after authentication, but `NewProxy` appends middlewares in map order.", "claude", "design-1"),
            group("Limiter state is per-process", Some(Scope::Future), "With more than one gateway replica every replica grants the full rate; a shared store would be needed for a global limit.", "claude", "design-2"),
            group("Config reload races with in-flight requests", Some(Scope::PreExisting), "`Reload` swaps the handler chain without a barrier; this predates the change.\n\n```go\nfunc (p *Proxy) Reload(cfg Config) {\n\tp.chain = build(cfg) // no lock\n}\n```", "codex", "design-1"),
        ],
        strengths: vec![group("Table-driven refill tests", None, "The refill arithmetic is covered by a clear table of (elapsed, tokens) cases.", "claude", "strength-1")],
    };
    let mut tallies = BTreeMap::new();
    tallies.insert(
        "claude".to_string(),
        ReviewerTally {
            unique: 2,
            upgraded: 0,
            downgraded: 0,
            dropped: 1,
        },
    );
    tallies.insert(
        "codex".to_string(),
        ReviewerTally {
            unique: 2,
            upgraded: 2,
            downgraded: 1,
            dropped: 2,
        },
    );

    let claude_raw = "# Review: per-tenant rate limiting\n\n## Findings\n\n### Critical\n\n**C1. Bucket map grows without bound** — `internal/ratelimit/bucket.go:41-58`\n\n```sh\n# reproduce\nfor i in $(seq 100000); do curl -H \"X-Tenant: t$i\" localhost:8080/; done\n```\n\n## Testing Assessment\n\n- Refill math is well covered.\n";
    let codex_raw = "### Findings\n\n#### P1 Unbounded per-tenant bucket map\n\n`internal/ratelimit/bucket.go:44`\n\n#### P3 Tenant ID taken from an unauthenticated header\n\n```go\n// # not a heading\ntenant := r.Header.Get(\"X-Tenant\")\n```\n";

    Scenario {
        id: "20261128-091500-pr-88".into(),
        created_at: "2026-11-28T09:15:00Z".into(),
        target: Target {
            kind: "github_pr".into(),
            repo: Some("acme/edge-gateway".into()),
            number: Some(88),
            title: Some("Add per-tenant rate limiting".into()),
            author: Some("dana-k".into()),
            url: Some("https://github.com/acme/edge-gateway/pull/88".into()),
            base: Some("1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b".into()),
            head: Some("9f3c2a1b7e6d5c4b3a29180706f5e4d3c2b1a090".into()),
            round: 2,
            branch: Some("tenant-limits".into()),
            commits: vec![
                CommitInfo {
                    sha: "4e1d0c2f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d".into(),
                    subject: "Add token bucket limiter".into(),
                },
                CommitInfo {
                    sha: "9f3c2a1b7e6d5c4b3a29180706f5e4d3c2b1a090".into(),
                    subject: "Wire limiter into the proxy middleware".into(),
                },
            ],
        },
        reviews: vec![claude_review, codex_review],
        runs: vec![claude, codex, gemini, script],
        consolidation: Consolidation {
            findings,
            dropped,
            design,
            tallies,
        },
        changed_files: strings(&[
            "docs/configuration.md",
            "internal/proxy/middleware.go",
            "internal/ratelimit/bucket.go",
            "internal/ratelimit/bucket_test.go",
        ]),
        diff_limitations: vec![
            Limitation {
                path: Some("internal/ratelimit/bucket.go".into()),
                line: Some(33),
                text: "TODO: evict idle tenants".into(),
            },
            Limitation {
                path: Some("internal/proxy/middleware.go".into()),
                line: Some(58),
                text: "FIXME: read the limit from config".into(),
            },
        ],
        wall_clock_ms: Some(1_803_400),
        raw: vec![
            RawReview {
                reviewer: "claude".into(),
                display: "Claude Opus 4.7".into(),
                text: claude_raw.into(),
            },
            RawReview {
                reviewer: "codex".into(),
                display: "Codex GPT 5.4".into(),
                text: codex_raw.into(),
            },
        ],
    }
}

const CACHE_I1_BODY: &str = "```rust\nlet mut guard = self.entries.lock().unwrap();\nlet victim = guard.pop_lru();\nself.store.remove(&victim.key).await?;\n```\n\n## Why it matters\n\nThe `std::sync::Mutex` guard lives across `.await`, so every reader blocks while the store deletes the file, and the future is not `Send`.\n\nFix: take the victim out under the lock, drop the guard, then remove it:\n\n```rust\nlet victim = { self.entries.lock().unwrap().pop_lru() };\nself.store.remove(&victim.key).await?;";

pub(crate) fn rust_cache() -> Scenario {
    use ItemSource::Finding as F;
    use Severity::{Important as Im, Suggestion as Su};

    let claude_review = ParsedReview {
        reviewer: "claude".into(),
        pass: 1,
        from_json: true,
        summary: Some("Moves eviction to last-access order.".into()),
        items: vec![
            item("I1", F, Im, "`evict` holds the cache lock across an await", "src/cache/lru.rs", Some((88, 97)), CACHE_I1_BODY, 0),
            item("S1", F, Su, "Add a CHANGELOG entry", "CHANGELOG.md", None, "The eviction order is user-visible; say so under Unreleased.", 1),
        ],
        testing: Some("The new `evicts_least_recently_used` test covers the order but not concurrent readers.".into()),
        limitations: vec![Limitation { path: None, line: None, text: "Eviction is still O(n) in the number of entries; the PR description defers the heap.".into() }],
        coverage: vec![CoverageEntry { path: "`src/cache/lru.rs`".into(), note: "I1".into() }],
        ..ParsedReview::default()
    };
    let codex_review = ParsedReview {
        reviewer: "codex".into(),
        pass: 1,
        diagnostics: vec![
            Diagnostic {
                line: None,
                message: "no JSON block found".into(),
            },
            Diagnostic {
                line: Some(1),
                message: "no finding headings or severity words found".into(),
            },
        ],
        ..ParsedReview::default()
    };
    let lint_review = ParsedReview {
        reviewer: "lint".into(),
        pass: 1,
        from_json: true,
        items: vec![
            item(
                "clippy-1",
                F,
                Su,
                "await_holding_lock: this MutexGuard is held across an await point",
                "src/cache/lru.rs",
                Some((90, 90)),
                "clippy::await_holding_lock",
                0,
            ),
            item(
                "clippy-2",
                F,
                Su,
                "needless_range_loop | index\nloop over `buckets`",
                "src/cache/mod.rs",
                Some((12, 14)),
                "clippy::needless_range_loop",
                1,
            ),
        ],
        ..ParsedReview::default()
    };
    let mut claude = run(
        "claude",
        "Claude Sonnet 4.6",
        "claude",
        Some("claude-sonnet-4-6"),
        Some("high"),
    );
    claude.duration_ms = Some(312_000);
    claude.tool_calls = tools(&[("Read", 6), ("Grep", 6)]);
    let mut codex = run(
        "codex",
        "Codex GPT 5.4",
        "codex",
        Some("gpt-5.4"),
        Some("medium"),
    );
    codex.duration_ms = Some(95_000);
    let mut lint = run("lint", "", "builtin", None, None);
    lint.duration_ms = Some(4_300);

    let findings = vec![
        Finding {
            id: "I1".into(),
            severity: Im,
            title: "`evict` holds the cache lock across an await".into(),
            location: Some(loc("src/cache/lru.rs", Some((88, 97)))),
            locations: vec![
                loc("src/cache/lru.rs", Some((88, 97))),
                loc("src/cache/lru.rs", Some((90, 90))),
            ],
            reviewers: strings(&["claude", "lint"]),
            members: vec![
                member(
                    "claude",
                    "I1",
                    Im,
                    "`evict` holds the cache lock across an await",
                    F,
                ),
                member(
                    "lint",
                    "clippy-1",
                    Su,
                    "await_holding_lock: this MutexGuard is held across an await point",
                    F,
                ),
            ],
            body: CACHE_I1_BODY.into(),
            tags: strings(&["regression"]),
            kind: Some("regression".into()),
            verification: Verification::NotChecked,
            reconciliation: Some(
                "a std mutex held across an await stalls every reader of the cache".into(),
            ),
            severity_rule: None,
            merge_reasons: strings(&["same file, line 90 inside 88-97"]),
            fingerprint: "aa11bb22cc33dd44".into(),
        },
        Finding {
            id: "S1".into(),
            severity: Su,
            title: "needless_range_loop | index\nloop over `buckets`".into(),
            location: Some(loc("src/cache/mod.rs", Some((12, 14)))),
            locations: vec![loc("src/cache/mod.rs", Some((12, 14)))],
            reviewers: strings(&["lint"]),
            members: vec![member(
                "lint",
                "clippy-2",
                Su,
                "needless_range_loop | index\nloop over `buckets`",
                F,
            )],
            body: "clippy::needless_range_loop".into(),
            tags: Vec::new(),
            kind: None,
            verification: Verification::NotChecked,
            reconciliation: None,
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: String::new(),
        },
        Finding {
            id: "S2".into(),
            severity: Su,
            title: "Add a CHANGELOG entry".into(),
            location: Some(loc("CHANGELOG.md", None)),
            locations: vec![loc("CHANGELOG.md", None)],
            reviewers: strings(&["claude"]),
            members: vec![member("claude", "S1", Su, "Add a CHANGELOG entry", F)],
            body: "The eviction order is user-visible; say so under Unreleased.".into(),
            tags: Vec::new(),
            kind: None,
            verification: Verification::NotChecked,
            reconciliation: None,
            severity_rule: None,
            merge_reasons: Vec::new(),
            fingerprint: String::new(),
        },
    ];

    Scenario {
        id: "20261128-140210-fix-cache-eviction".into(),
        created_at: "2026-11-28T14:02:10Z".into(),
        target: Target {
            kind: "local".into(),
            repo: Some("/home/dev/tidepool".into()),
            title: None,
            author: Some("Sam Lee".into()),
            base: Some("c0ffee0000000000000000000000000000000000".into()),
            head: Some("beef000000000000000000000000000000000000".into()),
            round: 1,
            branch: Some("fix-cache-eviction".into()),
            commits: vec![
                CommitInfo { sha: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0".into(), subject: "Split the cache module".into() },
                CommitInfo { sha: "b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1".into(), subject: "Evict by last access".into() },
                CommitInfo { sha: "c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2".into(), subject: "Fix | in a doc comment".into() },
            ],
            ..Target::default()
        },
        reviews: vec![claude_review, codex_review, lint_review],
        runs: vec![claude, codex, lint],
        consolidation: Consolidation { findings, ..Consolidation::default() },
        changed_files: strings(&["CHANGELOG.md", "src/cache/lru.rs", "src/cache/mod.rs", "src/main.rs"]),
        diff_limitations: Vec::new(),
        wall_clock_ms: Some(318_900),
        raw: vec![
            RawReview { reviewer: "claude".into(), display: "Claude Sonnet 4.6".into(), text: "## Summary\r\n\r\nMoves eviction to last-access order.\r\n".into() },
            RawReview { reviewer: "codex".into(), display: "Codex GPT 5.4".into(), text: "Looks fine overall, a couple of nits but nothing blocking\nthe lock thing in lru.rs maybe\n".into() },
            RawReview { reviewer: "lint".into(), display: "lint".into(), text: "```json\n{\"findings\": []}\n".into() },
        ],
    }
}

pub(crate) fn python_clean() -> Scenario {
    let review = |name: &str, summary: &str| ParsedReview {
        reviewer: name.into(),
        pass: 1,
        from_json: true,
        summary: Some(summary.into()),
        verdict_text: Some("Approve".into()),
        verdict: Some(crate::model::Decision::MergeAsIs),
        ..ParsedReview::default()
    };
    let mut claude = run(
        "claude",
        "Claude Opus 4.7",
        "claude",
        Some("claude-opus-4-7"),
        Some("high"),
    );
    claude.duration_ms = Some(121_000);
    claude.tool_calls = tools(&[("Read", 2)]);
    claude.files_read = strings(&["pyproject.toml"]);
    let mut gemini = run(
        "gemini",
        "Gemini 3.1 Pro",
        "gemini",
        Some("gemini-3.1-pro"),
        None,
    );
    gemini.duration_ms = Some(64_000);
    gemini.files_read = strings(&["pyproject.toml", "uv.lock"]);
    Scenario {
        id: "20261128-170000-pr-5".into(),
        created_at: "2026-11-28T17:00:00Z".into(),
        target: Target {
            kind: "github_pr".into(),
            repo: Some("ml-tools/featherlight".into()),
            number: Some(5),
            title: Some("Bump pydantic to 2.9".into()),
            author: Some("renovate-bot".into()),
            url: Some("https://github.com/ml-tools/featherlight/pull/5".into()),
            head: Some("5555555555555555555555555555555555555555".into()),
            round: 1,
            commits: vec![CommitInfo {
                sha: "5555555555555555555555555555555555555555".into(),
                subject: "chore(deps): bump pydantic to 2.9".into(),
            }],
            ..Target::default()
        },
        reviews: vec![
            review("claude", "A dependency bump with no code changes."),
            review("gemini", "Nothing to flag."),
        ],
        runs: vec![claude, gemini],
        consolidation: Consolidation::default(),
        changed_files: strings(&["pyproject.toml", "uv.lock"]),
        diff_limitations: Vec::new(),
        wall_clock_ms: None,
        raw: vec![
            RawReview {
                reviewer: "claude".into(),
                display: "Claude Opus 4.7".into(),
                text: "A dependency bump with no code changes.\n".into(),
            },
            RawReview {
                reviewer: "gemini".into(),
                display: "Gemini 3.1 Pro".into(),
                text: "### Summary\nNothing to flag.\n".into(),
            },
        ],
    }
}
