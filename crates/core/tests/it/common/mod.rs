//! Builders for consolidation tests and the hand-labelled scenarios (our own text,
//! written for these tests).
#![allow(dead_code)]

pub mod more;

use deep_review_core::model::{ItemSource, Location, ParsedReview, ReviewItem, Severity};
use Severity::{Critical as C, Important as I, Suggestion as S};

pub struct Scenario {
    pub name: &'static str,
    pub reviews: Vec<ParsedReview>,
    /// The true groups of two or more items, as `reviewer local_id`.
    pub groups: Vec<Vec<&'static str>>,
}

/// `path`, `path:12` or `path:12-20`; empty for no location.
pub fn location(spec: &str) -> Vec<Location> {
    if spec.is_empty() {
        return Vec::new();
    }
    match spec.rsplit_once(':') {
        Some((path, lines)) if lines.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
            let (a, b) = lines.split_once('-').unwrap_or((lines, lines));
            let a: u32 = a.parse().expect("line");
            let b: u32 = b.parse().expect("line");
            vec![Location::lines(path, a, b)]
        }
        _ => vec![Location::file(spec)],
    }
}

fn code_blocks(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<(bool, String)> = None;
    for line in body.lines() {
        if line.trim_start().starts_with("```") {
            match current.take() {
                Some((is_diff, text)) => {
                    if !is_diff {
                        out.push(text);
                    }
                }
                None => current = Some((line.contains("diff"), String::new())),
            }
        } else if let Some((_, text)) = current.as_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

/// An item; `testing-N` / `documentation-N` ids are assessment items with no stated
/// severity.
pub fn item(id: &str, severity: Severity, loc: &str, title: &str, body: &str) -> ReviewItem {
    let source = if id.starts_with("testing-") {
        ItemSource::Testing
    } else if id.starts_with("documentation-") {
        ItemSource::Documentation
    } else {
        ItemSource::Finding
    };
    ReviewItem {
        local_id: id.to_string(),
        source,
        severity,
        severity_stated: source == ItemSource::Finding,
        title: title.to_string(),
        locations: location(loc),
        body: body.to_string(),
        snippets: code_blocks(body),
        tags: Vec::new(),
        ordinal: 0,
        restates: None,
    }
}

pub fn review(name: &str, mut items: Vec<ReviewItem>) -> ParsedReview {
    for (i, it) in items.iter_mut().enumerate() {
        it.ordinal = i;
    }
    ParsedReview {
        reviewer: name.to_string(),
        pass: 1,
        items,
        ..Default::default()
    }
}

pub fn scenarios() -> Vec<Scenario> {
    let mut all = original_scenarios();
    all.extend(more::scenarios());
    all
}

fn original_scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "rust-async-cache",
            reviews: vec![
                review("alpha", vec![
                    item("C1", C, "src/auth/cache.rs:88-95", "Mutex guard held across `.await` in `refresh_tokens`",
                        "```rust\nlet mut guard = self.tokens.lock().unwrap();\nlet fresh = self.client.fetch(&guard.refresh).await?;\nguard.insert(fresh);\n```\n\
                         `refresh_tokens` takes a `std::sync::Mutex` guard and keeps it while awaiting the HTTP call. \
                         Any other task that needs the lock on the same worker thread blocks the runtime; under load this deadlocks.\n\
                         Fix: clone the refresh token, drop the guard, await, then lock again to insert."),
                    item("S1", S, "src/auth/cache.rs:90", "`refresh_tokens` logs the bearer token at debug level",
                        "```rust\ndebug!(\"refreshing {:?}\", guard.refresh);\n```\nThe refresh token ends up in debug logs, which are shipped to the log service. Log a hash or nothing."),
                ]),
                review("beta", vec![
                    item("I1", I, "src/auth/cache.rs:91", "`std::sync::MutexGuard` lives across an await point",
                        "The guard from `self.tokens.lock()` is still alive when `fetch(...).await` suspends. \
                         That makes the future `!Send` in practice and can stall every task waiting on `tokens`. \
                         Use `tokio::sync::Mutex` or release the guard before awaiting."),
                    item("S1", S, "src/auth/cache.rs:120-130", "Expired tokens are never evicted from `TokenCache`",
                        "`TokenCache::insert` only adds entries; nothing removes tokens whose `expires_at` passed, so the map keeps growing for every user that ever logged in."),
                ]),
                review("gamma", vec![
                    item("C1", C, "src/auth/cache.rs:80", "Deadlock risk: lock taken in refresh_tokens, then awaiting the network",
                        "refresh_tokens locks `tokens` and then awaits `client.fetch`. Holding a blocking mutex over an await can deadlock the executor when a second refresh runs on the same thread."),
                    item("I1", I, "src/auth/cache.rs", "`TokenCache` grows without bound",
                        "Entries are kept after they expire (`expires_at` is never checked on insert or read), so memory grows with the number of distinct users. Evict expired tokens periodically or on insert."),
                ]),
            ],
            groups: vec![vec!["alpha C1", "beta I1", "gamma C1"], vec!["beta S1", "gamma I1"]],
        },
        Scenario {
            name: "django-orders-chaining",
            reviews: vec![
                review("alpha", vec![
                    item("I1", I, "orders/views.py:40-52", "N+1 queries in `OrderListView.get_queryset`",
                        "```python\nreturn Order.objects.filter(shop=self.shop)\n```\nThe template reads `order.customer.name` for every row, so each order triggers one more query for its customer. Add `select_related(\"customer\")`."),
                    item("S1", S, "orders/templates/orders/list.html:12", "Customer names are not escaped in the CSV export link",
                        "The export link interpolates `customer.name` into a query string without `urlencode`, so names with `&` break the link."),
                ]),
                review("beta", vec![
                    item("I1", I, "orders/views.py:45", "Missing `select_related('customer')` makes the order list run a query per row",
                        "Rendering the order list hits the database once per order to load `customer`. With 200 orders per page that is 201 queries; \
                         on shops with many orders the whole list also becomes slow to render."),
                ]),
                review("gamma", vec![
                    item("S1", S, "orders/views.py:38-55", "`OrderListView` has no pagination",
                        "The view returns every order of the shop in one page. Large shops will load thousands of rows and render a huge list; set `paginate_by` and add page links."),
                ]),
            ],
            groups: vec![vec!["alpha I1", "beta I1"]],
        },
        Scenario {
            name: "go-config-shared-identifier",
            reviews: vec![
                review("alpha", vec![
                    item("C1", C, "internal/client/client.go:30-34", "`config.Timeout` is ignored by the HTTP client",
                        "```go\nreturn &Client{http: &http.Client{}, base: config.BaseURL}\n```\n`NewClient` builds an `http.Client` without a timeout even though `config.Timeout` is set, so a hung upstream blocks callers forever."),
                    item("I1", I, "cmd/server/main.go:12-20", "`config` is loaded twice at startup",
                        "`main` calls `config.Load()` and then `NewServer` calls it again, reading the file and the environment twice; the two copies can disagree if the file changes in between."),
                ]),
                review("beta", vec![
                    item("I1", I, "internal/client/client.go:31", "HTTP requests have no timeout",
                        "`http.Client{}` is created with the zero `Timeout`. The configured `config.Timeout` never reaches it; pass `Timeout: config.Timeout`."),
                    item("S1", S, "internal/config/load.go:44", "`config.Load` ignores the `CONFIG_PATH` override",
                        "The path is hard-coded to `./config.yaml`; the documented `CONFIG_PATH` environment variable is never read."),
                ]),
                review("gamma", vec![
                    item("I1", I, "cmd/server/main.go:18", "`config.Load` is invoked twice",
                        "`NewServer` re-reads the configuration that `main` already loaded. Pass the loaded `config` in instead of calling `config.Load()` a second time."),
                    item("S1", S, "internal/client/client.go:52-60", "Retry loop in `Client.Do` has no backoff",
                        "```go\nfor i := 0; i < config.Retries; i++ {\n    resp, err = c.http.Do(req)\n}\n```\nRetries fire immediately one after another; add exponential backoff with jitter."),
                ]),
            ],
            groups: vec![vec!["alpha C1", "beta I1"], vec!["alpha I1", "gamma I1"]],
        },
        Scenario {
            name: "react-hooks-cannot-link",
            reviews: vec![
                review("alpha", vec![
                    item("I1", I, "src/pages/ProfilePage.tsx:22-30", "`useEffect` in `ProfilePage` is missing `userId` in its dependency array",
                        "```tsx\nuseEffect(() => {\n  fetchProfile(userId).then(setProfile);\n}, []);\n```\nThe effect reads `userId` but lists no dependencies, so it runs once."),
                    item("I2", I, "src/pages/SettingsPage.tsx:15-20", "`useEffect` in `SettingsPage` also omits `userId` from its dependencies",
                        "```tsx\nuseEffect(() => {\n  loadSettings(userId).then(setSettings);\n}, []);\n```\nSame pattern as in the profile page: the effect reads `userId` and never re-runs."),
                ]),
                review("beta", vec![
                    item("C1", C, "src/pages/ProfilePage.tsx:24", "Stale profile after navigating between users",
                        "Going from /users/1 to /users/2 keeps showing user 1: `fetchProfile` only runs on mount because the effect's dependency list is empty. Add `userId` to it."),
                ]),
                review("gamma", vec![
                    item("S1", S, "src/pages/SettingsPage.tsx:17", "Incomplete dependency list for the settings effect",
                        "`loadSettings(userId)` is called inside an effect with `[]` dependencies, so switching accounts shows the previous account's settings."),
                    item("S2", S, "src/pages/ProfilePage.tsx:40-44", "Inline callbacks re-render `AvatarList` on every render",
                        "```tsx\n<AvatarList onSelect={(id) => setSelected(id)} />\n```\nWrap the callback in `useCallback` so the memoised list does not re-render."),
                ]),
            ],
            groups: vec![vec!["alpha I1", "beta C1"], vec!["alpha I2", "gamma S1"]],
        },
        Scenario {
            name: "java-sql-file-level",
            reviews: vec![
                review("alpha", vec![
                    item("C1", C, "src/main/java/com/acme/UserRepository.java:57", "SQL injection in `UserRepository.findByName`",
                        "```java\nString sql = \"SELECT * FROM users WHERE name = '\" + name + \"'\";\n```\nThe user-supplied `name` is concatenated into the SQL string; a name such as `' OR '1'='1` returns every user."),
                    item("testing-1", S, "", "No test covers `findByName` with quotes in the name",
                        "Add a repository test that looks up a name containing a single quote; it would have caught the injection."),
                ]),
                review("beta", vec![
                    item("C1", C, "src/main/java/com/acme/UserRepository.java", "Query built by string concatenation",
                        "`findByName` builds its statement with `+ name +`. Anyone who controls the name controls the query. Use a `PreparedStatement` with a bind parameter."),
                    item("S1", S, "src/main/java/com/acme/UserRepository.java:65", "`findByName` logs the whole `User` entity",
                        "```java\nlog.info(\"found user {}\", user);\n```\n`User.toString()` includes the email and password hash; log the id only."),
                    item("testing-1", S, "", "`UserRepository` has no tests",
                        "There is no test class for `UserRepository`; at least `findByName` needs tests, including names with quotes."),
                ]),
                review("gamma", vec![
                    item("I1", I, "UserRepository.java:60-62", "Use bind parameters in `findByName`",
                        "Switch `findByName` to `jdbcTemplate.query(\"... WHERE name = ?\", mapper, name)`; concatenating `name` into the SQL opens the door to injection."),
                    item("documentation-1", S, "README.md", "README still documents the removed `--legacy-db` flag",
                        "The flag was removed in this change but the README's setup section still tells users to pass it."),
                ]),
            ],
            groups: vec![vec!["alpha C1", "beta C1", "gamma I1"], vec!["alpha testing-1", "beta testing-1"]],
        },
        Scenario {
            name: "ci-workflow",
            reviews: vec![
                review("alpha", vec![
                    item("C1", C, ".github/workflows/release.yml:30", "`NPM_TOKEN` is echoed into the build log",
                        "```yaml\n- run: echo \"token is $NPM_TOKEN\" && npm publish\n```\nThe secret is printed before publishing; GitHub masks exact matches only, so any transformation leaks it."),
                    item("I1", I, ".github/workflows/release.yml:12", "`actions/checkout@v2` runs on the deprecated Node 12 runtime",
                        "Upgrade to `actions/checkout@v4`; v2 triggers deprecation warnings and will stop working."),
                ]),
                review("beta", vec![
                    item("S1", S, ".github/workflows/release.yml:30", "Avoid printing `NPM_TOKEN`",
                        "The debug `echo` prints the publish token. Remove it."),
                    item("I1", I, ".github/workflows/release.yml:12", "Upgrade the outdated `actions/checkout@v2`",
                        "`actions/checkout@v2` is deprecated (Node 12); use `actions/checkout@v4`."),
                ]),
                review("gamma", vec![
                    item("C1", C, ".github/workflows/release.yml:29-31", "Publish token leaked in workflow output",
                        "The release step echoes `$NPM_TOKEN`. Anyone with read access to the Actions logs can take over the package."),
                    item("S1", S, ".github/workflows/release.yml:5-8", "Release job has no `concurrency` group",
                        "Two tags pushed close together run two publishes at once; add `concurrency: release`."),
                ]),
                review("delta", vec![
                    item("I1", I, ".github/workflows/release.yml:28-31", "Secret exposure in the release workflow",
                        "`echo \"token is $NPM_TOKEN\"` writes the npm token to the log. Drop the echo."),
                    item("S1", S, "scripts/release.sh:1", "`set -e` without `-o pipefail`",
                        "Failures inside pipelines such as `build | tee log` are ignored; use `set -euo pipefail`."),
                    item("S2", S, ".github/workflows/release.yml:33", "`npm publish` runs without `--provenance`",
                        "Publishing with `--provenance` links the package to this workflow run."),
                ]),
            ],
            groups: vec![vec!["alpha C1", "beta S1", "gamma C1", "delta I1"], vec!["alpha I1", "beta I1"]],
        },
        Scenario {
            name: "c-parser-near-miss",
            reviews: vec![
                review("alpha", vec![
                    item("C1", C, "src/net/parse.c:140-146", "Stack buffer overflow: `strcpy(dst, name)` without a length check",
                        "```c\nchar dst[64];\nstrcpy(dst, name);\n```\n`name` comes from the request header and can be longer than 64 bytes; `strcpy` writes past `dst`. Use `snprintf` or check `strlen(name)`."),
                    item("I1", I, "src/net/parse.c:150-160", "Memory leak: `hdr` is not freed on the error path",
                        "```c\nif (read_body(conn, hdr) < 0)\n    return -1;\n```\nWhen `read_body` fails the function returns without `free(hdr)`."),
                ]),
                review("beta", vec![
                    item("C1", C, "src/net/parse.c:142", "`parse_header` copies attacker-controlled `name` into a 64-byte stack array",
                        "A header name longer than 63 characters overflows `dst` on the stack: remote code execution territory. Bound the copy."),
                ]),
                review("gamma", vec![
                    item("I1", I, "src/net/parse.c:138-146", "`malloc` result is not checked in `parse_header`",
                        "```c\nstruct header *hdr = malloc(sizeof *hdr);\nchar dst[64];\nstrcpy(dst, name);\n```\n`hdr` is used without checking for `NULL`; under memory pressure the next write crashes."),
                    item("S1", S, "src/net/parse.c:158", "`hdr` leaks when `read_body` fails",
                        "The early `return -1` after `read_body` skips `free(hdr)`; use a `goto cleanup`."),
                ]),
            ],
            groups: vec![vec!["alpha C1", "beta C1"], vec!["alpha I1", "gamma S1"]],
        },
    ]
}
