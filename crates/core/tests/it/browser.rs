//! `REVIEW.html` in a real browser: headless Chromium, driven through chromedriver over
//! the W3C WebDriver HTTP protocol (plain `reqwest`, no WebDriver crate), with the
//! network blocked. Checks that the severity and reviewer filters hide and show the
//! right cards and update the count, that the contribution chart draws its bars, and
//! that the page fetched nothing. Opt-in (`#[ignore]`): `.ci/run` installs Debian's
//! `chromium` and `chromium-driver` and runs it with `--ignored`.
//!
//! `CHROMIUM` and `CHROMEDRIVER` override the binaries (default `/usr/bin/chromium`,
//! `/usr/bin/chromedriver`). With `DEEP_REVIEW_WRITE_EXAMPLES=1` the page and its
//! screenshot are also written to `examples/REVIEW.html` and `examples/report.html.png`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use deep_review_core::model::{Decision, ItemSource, Location, Severity, Tokens};
use deep_review_core::render::{render_html, RawReview};
use deep_review_core::report::{
    CommitInfo, Design, DesignGroup, Dropped, Feedback, Finding, Member, Report, ReviewerReport,
    SeverityCounts, Target, Verdict, Verification,
};
use serde_json::{json, Value};

/// The W3C key of an element reference in WebDriver responses.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

fn binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// chromedriver on a free loopback port; killed when dropped.
struct Driver {
    child: Child,
    base: String,
}

impl Driver {
    fn start(log: &Path) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let program = binary("CHROMEDRIVER", "/usr/bin/chromedriver");
        let child = Command::new(&program)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", program.display()));
        Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One WebDriver session.
struct Session {
    http: reqwest::Client,
    url: String,
}

impl Session {
    async fn call(http: &reqwest::Client, method: &str, url: &str, body: Option<Value>) -> Value {
        let req = match method {
            "GET" => http.get(url),
            "DELETE" => http.delete(url),
            _ => http
                .post(url)
                .header("content-type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let resp = req
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let status = resp.status();
        let text = resp.text().await.expect("a response body");
        let value: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{method} {url}: not JSON ({e}): {text}"));
        assert!(status.is_success(), "{method} {url}: {status} {value}");
        value["value"].clone()
    }

    async fn open(driver: &Driver, profile: &Path) -> Session {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .no_proxy()
            .build()
            .expect("an HTTP client");
        let started = Instant::now();
        loop {
            let ready = http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if ready.is_some() {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer on {}",
                driver.base
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let chromium = binary("CHROMIUM", "/usr/bin/chromium");
        let args = [
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-dev-shm-usage".into(),
            "--hide-scrollbars".into(),
            "--force-device-scale-factor=1".into(),
            // No network: every connection goes to a dead proxy, every name fails.
            "--proxy-server=127.0.0.1:9".into(),
            "--host-resolver-rules=MAP * ~NOTFOUND".into(),
            format!("--user-data-dir={}", profile.display()),
            "--window-size=1280,1000".into(),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let value = Self::call(
            &http,
            "POST",
            &format!("{}/session", driver.base),
            Some(caps),
        )
        .await;
        let id = value["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {value}"))
            .to_string();
        Session {
            http,
            url: format!("{}/session/{id}", driver.base),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        Self::call(
            &self.http,
            "POST",
            &format!("{}{path}", self.url),
            Some(body),
        )
        .await
    }

    async fn get(&self, path: &str) -> Value {
        Self::call(&self.http, "GET", &format!("{}{path}", self.url), None).await
    }

    async fn run(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
            .await
    }

    async fn click(&self, css: &str) {
        let found = self
            .post("/element", json!({"using": "css selector", "value": css}))
            .await;
        let id = found[ELEMENT]
            .as_str()
            .unwrap_or_else(|| panic!("no element for {css}: {found}"));
        self.post(&format!("/element/{id}/click"), json!({})).await;
    }

    /// The ids of the finding cards the browser lays out (not `display: none`).
    async fn visible_cards(&self) -> Vec<String> {
        let v = self
            .run(
                "return Array.from(document.querySelectorAll('article.finding'))\
                 .filter(function (c) { return getComputedStyle(c).display !== 'none' && c.getClientRects().length > 0; })\
                 .map(function (c) { return c.id; });",
            )
            .await;
        v.as_array()
            .expect("a list")
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    }

    async fn count_text(&self) -> String {
        self.run("return document.getElementById('shown-count').textContent;")
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn close(self) {
        let _ = Self::call(&self.http, "DELETE", &self.url, None).await;
    }
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver"]
async fn the_html_report_works_in_a_browser_with_the_network_blocked() {
    let tmp = tempfile::tempdir().expect("a temp dir");
    let report = sample_report();
    let appendix = sample_appendix();
    let html = render_html(&report, &appendix);
    let page = tmp.path().join("REVIEW.html");
    std::fs::write(&page, &html).expect("write the page");

    let driver = Driver::start(&tmp.path().join("chromedriver.log"));
    let session = Session::open(&driver, &tmp.path().join("profile")).await;
    let url = format!("file://{}", page.display());
    session.post("/url", json!({"url": url})).await;

    let all: Vec<String> = report
        .findings
        .iter()
        .map(|f| format!("finding-{}", f.id))
        .collect();
    assert_eq!(session.visible_cards().await, all);
    assert_eq!(session.count_text().await, "6 of 6 findings shown");

    // Severity: hide the suggestions, then show them again.
    session
        .click("button[data-filter=severity][data-value=suggestion]")
        .await;
    assert_eq!(
        session.visible_cards().await,
        ["finding-C1", "finding-I1", "finding-I2"]
    );
    assert_eq!(session.count_text().await, "3 of 6 findings shown");

    // Reviewer: also hide Codex (r1); a card stays while another of its reviewers is on.
    session
        .click("button[data-filter=reviewer][data-value=r1]")
        .await;
    assert_eq!(session.visible_cards().await, ["finding-C1", "finding-I2"]);
    assert_eq!(session.count_text().await, "2 of 6 findings shown");
    let pressed = session
        .run("return document.querySelector('button[data-value=r1]').getAttribute('aria-pressed');")
        .await;
    assert_eq!(pressed, "false");

    // Back on: suggestions only Codex did not raise alone are back, then everything.
    session
        .click("button[data-filter=severity][data-value=suggestion]")
        .await;
    assert_eq!(
        session.visible_cards().await,
        [
            "finding-C1",
            "finding-I2",
            "finding-S1",
            "finding-S2",
            "finding-S3"
        ]
    );
    assert_eq!(session.count_text().await, "5 of 6 findings shown");
    session
        .click("button[data-filter=reviewer][data-value=r1]")
        .await;
    assert_eq!(session.visible_cards().await, all);
    assert_eq!(session.count_text().await, "6 of 6 findings shown");

    // Everything filtered out: the count says so, and so does the page.
    let severities = ["critical", "important", "suggestion"];
    let no_match_shown =
        "return getComputedStyle(document.getElementById('no-match')).display !== 'none';";
    assert_eq!(session.run(no_match_shown).await, json!(false));
    for s in severities {
        session
            .click(&format!("button[data-filter=severity][data-value={s}]"))
            .await;
    }
    assert!(session.visible_cards().await.is_empty());
    assert_eq!(session.count_text().await, "0 of 6 findings shown");
    assert_eq!(session.run(no_match_shown).await, json!(true));
    for s in severities {
        session
            .click(&format!("button[data-filter=severity][data-value={s}]"))
            .await;
    }
    assert_eq!(session.visible_cards().await, all);

    // The chart: one bar group per reviewer, each segment drawn with a width.
    let bars = session
        .run(
            "return Array.from(document.querySelectorAll('svg.chart g.bar')).map(function (g) {\
               return Array.from(g.querySelectorAll('rect')).map(function (r) {\
                 return [r.dataset.series, Math.round(r.getBoundingClientRect().width) > 0]; }); });",
        )
        .await;
    assert_eq!(
        bars,
        json!([
            [["unique", true], ["shared", true], ["dropped", true]],
            [["unique", true], ["shared", true]],
            [["unique", true], ["shared", true], ["dropped", true]],
        ]),
        "{bars}"
    );

    // Hostile reviewer text stayed text: no script ran, no element was injected.
    let injected = session
        .run("return [window.__pwned === true, document.querySelectorAll('script').length, document.querySelectorAll('img, iframe').length];")
        .await;
    assert_eq!(injected, json!([false, 1, 0]));

    // The console is clean: no CSP violation, no script error.
    let log = session.post("/se/log", json!({"type": "browser"})).await;
    let errors: Vec<&Value> = log
        .as_array()
        .map(|entries| entries.iter().filter(|e| e["level"] == "SEVERE").collect())
        .unwrap_or_default();
    assert!(errors.is_empty(), "console errors: {errors:?}");

    // Nothing was fetched.
    let resources = session
        .run(
            "return performance.getEntriesByType('resource').map(function (e) { return e.name; });",
        )
        .await;
    assert_eq!(resources, json!([]), "the page fetched {resources}");

    // A full-page screenshot.
    let height = session
        .run("return document.documentElement.scrollHeight;")
        .await
        .as_u64()
        .unwrap_or(1000)
        .clamp(600, 6000);
    session
        .post("/window/rect", json!({"width": 1280, "height": height}))
        .await;
    let shot = session.get("/screenshot").await;
    let png = base64_decode(shot.as_str().expect("a base64 screenshot"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    std::fs::write(tmp.path().join("report.html.png"), &png).expect("write the screenshot");
    println!("screenshot: {} bytes, page height {height}px", png.len());
    if std::env::var_os("DEEP_REVIEW_WRITE_EXAMPLES").is_some() {
        let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
        std::fs::write(examples.join("REVIEW.html"), &html).expect("write examples/REVIEW.html");
        std::fs::write(examples.join("report.html.png"), &png)
            .expect("write examples/report.html.png");
        println!("wrote examples/REVIEW.html and examples/report.html.png");
    }
    session.close().await;
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let digits: Vec<u32> = text.bytes().filter_map(value).collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, d)| n | (d << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len().saturating_sub(1)]);
    }
    out
}

// ---------------------------------------------------------------------------------------
// A realistic report: three reviewers of one pull request, six findings.

fn loc(path: &str, a: u32, b: u32) -> Location {
    Location::lines(path, a, b)
}

fn member(reviewer: &str, id: &str, severity: Severity, title: &str, at: &Location) -> Member {
    Member {
        reviewer: reviewer.into(),
        local_id: id.into(),
        severity,
        title: title.into(),
        source: ItemSource::Finding,
        locations: vec![at.clone()],
        restates: None,
    }
}

fn finding(
    id: &str,
    severity: Severity,
    title: &str,
    at: Location,
    members: Vec<Member>,
    body: &str,
    reconciliation: Option<&str>,
) -> Finding {
    let mut reviewers: Vec<String> = Vec::new();
    for name in ["claude", "codex", "gemini"] {
        if members.iter().any(|m| m.reviewer == name) {
            reviewers.push(name.into());
        }
    }
    Finding {
        id: id.into(),
        severity,
        title: title.into(),
        location: Some(at.clone()),
        locations: vec![at],
        reviewers,
        members,
        body: body.into(),
        tags: Vec::new(),
        kind: Some("regression".into()),
        verification: Verification::Verified,
        reconciliation: reconciliation.map(str::to_string),
        severity_rule: reconciliation.map(|_| "vote".to_string()),
        merge_reasons: Vec::new(),
        fingerprint: format!("fp-{id}"),
    }
}

#[allow(clippy::too_many_arguments)]
fn reviewer(
    name: &str,
    display: &str,
    model: &str,
    counts: (u32, u32, u32),
    unique: u32,
    dropped: u32,
    ms: u64,
    tokens: (u64, u64),
    cost: f64,
) -> ReviewerReport {
    let counts = SeverityCounts {
        critical: counts.0,
        important: counts.1,
        suggestion: counts.2,
    };
    ReviewerReport {
        name: name.into(),
        display: display.into(),
        backend: Some(name.into()),
        model: Some(model.into()),
        effort: Some("high".into()),
        status: "ok".into(),
        error: None,
        duration_ms: Some(ms),
        tool_calls: BTreeMap::from([("Read".to_string(), 14), ("Grep".to_string(), 6)]),
        tokens: Some(Tokens {
            input: tokens.0,
            output: tokens.1,
            cached: 0,
            reasoning: 0,
        }),
        cost_usd: Some(cost),
        findings: counts,
        totals: counts,
        reviewed: true,
        unique,
        upgraded: 0,
        downgraded: 0,
        dropped,
        design_observations: 1,
        files_reviewed: vec!["internal/ratelimit/bucket.go".into()],
        coverage_misses: Vec::new(),
        retro: format!("{display} read the limiter and its tests; its findings held up."),
    }
}

fn sample_report() -> Report {
    use Severity::{Critical as Cr, Important as Im, Suggestion as Su};
    let bucket = loc("internal/ratelimit/bucket.go", 41, 58);
    let refill = loc("internal/ratelimit/bucket.go", 72, 72);
    let proxy = loc("internal/proxy/proxy.go", 120, 131);
    let docs = loc("docs/configuration.md", 120, 120);
    let clock = loc("internal/ratelimit/clock.go", 10, 10);
    let page = loc("web/status.html", 8, 8);
    let findings = vec![
        finding(
            "C1",
            Cr,
            "Bucket map grows without bound",
            bucket.clone(),
            vec![
                member("claude", "C1", Cr, "Bucket map grows without bound", &bucket),
                member("codex", "P1-2", Im, "Unbounded per-tenant map", &bucket),
            ],
            "Every new tenant key adds a bucket that is never evicted:\n\n```go\nb, ok := l.buckets[key]\nif !ok {\n    b = newBucket(l.rate, l.burst)\n    l.buckets[key] = b // never removed\n}\n```\n\nA client that sends random `X-Tenant` headers grows the map until the process is killed. **Fix:** evict idle buckets (an LRU or a sweep every minute).",
            Some("raised to critical: two reviewers, and a remote client can trigger it"),
        ),
        finding(
            "I1",
            Im,
            "Refill follows the wall clock",
            refill.clone(),
            vec![member("codex", "P2-1", Im, "Refill follows the wall clock", &refill)],
            "`time.Now()` jumps with NTP adjustments; use a monotonic reading (`time.Since`).",
            None,
        ),
        finding(
            "I2",
            Im,
            "Limiter runs before authentication",
            proxy.clone(),
            vec![
                member("claude", "I1", Im, "Limiter runs before authentication", &proxy),
                member("gemini", "high-1", Im, "Middleware order lets anonymous requests spend tenant budget", &proxy),
            ],
            "`NewProxy` appends middlewares in map order, so the limiter can run before `auth` and charge the wrong tenant.\n\n- sort the middlewares explicitly\n- add a test that asserts the order",
            None,
        ),
        finding(
            "S1",
            Su,
            "Document the burst setting",
            docs.clone(),
            vec![member("gemini", "low-1", Su, "Document the burst setting", &docs)],
            "`burst` is read from the config but not listed in the configuration reference.",
            None,
        ),
        finding(
            "S2",
            Su,
            "Status page echoes the tenant name unescaped",
            page.clone(),
            vec![member("claude", "S1", Su, "Status page echoes the tenant name", &page)],
            // Hostile text, as a reviewer might quote it: it must stay text.
            "The template writes the tenant as is:\n\n```html\n<p>Tenant: {{.Tenant}}</p><script>window.__pwned = true</script>\n```\n\nA tenant called `<img src=x onerror=alert(1)>` would run script; use `html/template`. <script>window.__pwned = true</script>",
            None,
        ),
        finding(
            "S3",
            Su,
            "Inject a clock interface",
            clock.clone(),
            vec![
                member("codex", "P3-1", Su, "Inject a clock", &clock),
                member("gemini", "low-2", Su, "Clock interface for testability", &clock),
            ],
            "A `Clock` interface would make refill testable without sleeping.",
            None,
        ),
    ];
    let mut reviewers = vec![
        reviewer(
            "claude",
            "Claude Opus 4.7",
            "claude-opus-4-7",
            (1, 1, 1),
            1,
            1,
            254_000,
            (182_400, 9_800),
            1.84,
        ),
        reviewer(
            "codex",
            "Codex GPT 5.4",
            "gpt-5.4",
            (0, 2, 1),
            1,
            0,
            318_000,
            (240_100, 12_300),
            1.12,
        ),
        reviewer(
            "gemini",
            "Gemini 3.1 Pro",
            "gemini-3.1-pro",
            (0, 1, 2),
            1,
            2,
            187_000,
            (150_000, 7_100),
            0.61,
        ),
    ];
    // Codex rated C1 important; it counts as critical in its totals.
    reviewers[1].totals = SeverityCounts {
        critical: 1,
        important: 1,
        suggestion: 1,
    };
    reviewers[1].upgraded = 1;
    Report {
        schema_version: deep_review_core::report::SCHEMA_VERSION,
        id: "20261204-013000-ratelimit".into(),
        created_at: "2026-12-04T01:30:00Z".into(),
        title: Some("Per-tenant rate limiting in the gateway".into()),
        target: Target {
            kind: "github_pr".into(),
            repo: Some("acme/gateway".into()),
            number: Some(482),
            title: Some("Per-tenant rate limiting in the gateway".into()),
            author: Some("octodev".into()),
            url: Some("https://github.com/acme/gateway/pull/482".into()),
            base: Some("main".into()),
            head: Some("9f2c1e4b7a0d3c5e8f1a2b3c4d5e6f708192a3b4".into()),
            round: 2,
            branch: None,
            commits: vec![
                CommitInfo {
                    sha: "1a2b3c4d5e6f".into(),
                    subject: "ratelimit: token bucket per tenant".into(),
                },
                CommitInfo {
                    sha: "9f2c1e4b7a0d".into(),
                    subject: "proxy: wire the limiter in".into(),
                },
            ],
        },
        verdict: Verdict {
            decision: Decision::Rework,
            reason: "C1 (bucket map grows without bound) lets any client exhaust memory.".into(),
        },
        wall_clock_ms: Some(412_000),
        summary: "Adds a per-tenant token bucket in front of the proxy.\n\n**What decides the verdict:** C1, an unbounded map a remote client can grow.\n\nThe refill arithmetic is well tested; all three reviewers finished.".into(),
        reviewers,
        changed_files: vec![
            "internal/ratelimit/bucket.go".into(),
            "internal/proxy/proxy.go".into(),
        ],
        findings,
        dropped: vec![
            Dropped {
                reviewer: "claude".into(),
                local_id: "S2".into(),
                title: "Race in Allow".into(),
                reason: "the cited lines hold the mutex; not reproducible".into(),
            },
            Dropped {
                reviewer: "gemini".into(),
                local_id: "med-1".into(),
                title: "Missing license header".into(),
                reason: "the file does not exist at the head revision".into(),
            },
            Dropped {
                reviewer: "gemini".into(),
                local_id: "low-3".into(),
                title: "Typo in comment".into(),
                reason: "pre-existing, outside the change".into(),
            },
        ],
        design: Design {
            concerns: vec![DesignGroup {
                title: "Limiter state is per-process".into(),
                scope: Some(deep_review_core::model::Scope::Future),
                body: "With more than one replica every replica grants the full rate.".into(),
                reviewers: vec!["claude".into(), "gemini".into()],
                members: Vec::new(),
            }],
            strengths: Vec::new(),
        },
        testing: "- Refill math is well covered.\n- Nothing exercises concurrent callers.".into(),
        documentation: "`docs/configuration.md` does not mention `burst` yet.".into(),
        commits: "Two commits, limiter first and wiring second.".into(),
        acknowledged_limitations: Vec::new(),
        unresolved_feedback: vec![Feedback {
            source: "round 1".into(),
            text: "C1 (unbounded map) — first raised in round 1".into(),
            status: "open".into(),
        }],
        prior_round: Vec::new(),
        reconciliation: vec!["C1 was raised to critical: two reviewers, and a remote client can trigger it.".into()],
        skill_improvements: Vec::new(),
        repo_context_updates: Vec::new(),
        diagnostics: Vec::new(),
        consolidator: None,
        history: None,
    }
}

fn sample_appendix() -> Vec<RawReview> {
    ["claude", "codex", "gemini"]
        .iter()
        .map(|name| RawReview {
            reviewer: (*name).into(),
            display: String::new(),
            text: format!(
                "## Summary\n\nReview by {name}.\n\n<script>window.__pwned = true</script>\n"
            ),
        })
        .collect()
}
