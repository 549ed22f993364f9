//! More hand-labelled scenarios (our own text), written the way AI reviewers phrase
//! things: long bodies with code and fix diffs, file-level vs line citations, lines
//! off by 5-20, terse bot titles, testing-assessment items, two bugs in one function,
//! and generic words (error, handle, check, nil, test) everywhere. The groups were
//! labelled by hand before the scenarios were ever run.

use super::{item, review, Scenario};
use deep_review_core::model::Severity::{Critical as C, Important as I, Suggestion as S};

pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "go-retry-two-bugs-one-function",
            reviews: vec![
                review("claude", vec![
                    item("C1", C, "internal/httpx/transport.go:42-58", "Request body is consumed by the first attempt and never replayed on retry",
                        "```go\nfor attempt := 0; attempt <= t.MaxRetries; attempt++ {\n\tresp, err = t.Base.RoundTrip(req)\n\tif err == nil && resp.StatusCode < 500 {\n\t\treturn resp, nil\n\t}\n\ttime.Sleep(t.backoff(attempt))\n}\n```\n\n\
                         `RetryTransport.RoundTrip` hands the same `*http.Request` to `t.Base.RoundTrip` on every attempt. The first attempt reads `req.Body` to EOF, \
                         so every retry of a POST or PUT sends an empty body with the original `Content-Length`. Servers either reject it with 400 or, worse, \
                         accept an empty payload and create a blank record.\n\n\
                         **Fix:** buffer the body once (or use `req.GetBody`) and reset it before each attempt.\n\n\
                         ```diff\n+\tif req.GetBody != nil && attempt > 0 {\n+\t\tbody, gerr := req.GetBody()\n+\t\tif gerr != nil {\n+\t\t\treturn nil, gerr\n+\t\t}\n+\t\treq.Body = body\n+\t}\n \tresp, err = t.Base.RoundTrip(req)\n```"),
                    item("I1", I, "internal/httpx/transport.go:50-55", "Response body of a failed attempt is never closed, leaking connections",
                        "When an attempt returns a 5xx response, the loop overwrites `resp` on the next iteration without calling `resp.Body.Close()`. \
                         The underlying TCP connection is never returned to the pool; under a flapping upstream the process runs out of file descriptors.\n\n\
                         ```diff\n \tif err == nil && resp.StatusCode < 500 {\n \t\treturn resp, nil\n \t}\n+\tif resp != nil {\n+\t\tio.Copy(io.Discard, resp.Body)\n+\t\tresp.Body.Close()\n+\t}\n```"),
                    item("S1", S, "internal/httpx/transport_test.go", "Retry behaviour has no tests",
                        "`transport_test.go` only checks the happy path. There is no test where the server fails first and succeeds later, \
                         so neither the body replay nor the response cleanup is exercised. An `httptest.Server` that returns 503 once would cover both."),
                ]),
                review("codex", vec![
                    item("I1", I, "internal/httpx/transport.go:47", "`RoundTrip` retries reuse a drained `req.Body`",
                        "Retries call `t.Base.RoundTrip(req)` again with the body already read by the first attempt; non-idempotent requests are retried with no payload. Rewind via `req.GetBody` before each retry."),
                    item("I2", I, "internal/httpx/transport.go:52", "Leaked response bodies on retried attempts",
                        "The 5xx `resp` is dropped without `resp.Body.Close()`, which keeps the connection checked out."),
                    item("testing-1", S, "", "No test covers `RoundTrip` retrying after a 503 response",
                        "Add a test with a server that fails the first request; assert the second request carries the same body."),
                ]),
                review("gemini", vec![
                    item("C1", C, "internal/httpx/transport.go:35-40", "Retries send an empty body for POST requests",
                        "Because the request body is an `io.ReadCloser` that the first attempt consumes, any retry in the transport loop sends zero bytes. \
                         This silently corrupts writes. Consider cloning the request with a fresh body from `GetBody` for each attempt."),
                    item("S1", S, "internal/httpx/transport.go:70", "Compare `context.Canceled` with `errors.Is`",
                        "```go\nif err.Error() == \"context canceled\" {\n```\nString comparison breaks with wrapped errors; use `errors.Is(err, context.Canceled)`."),
                ]),
                review("coderabbit", vec![
                    item("I1", I, "internal/httpx/transport.go:53-54", "Close resp.Body before retrying",
                        "⚠️ Potential issue\n\nThe previous response is discarded without closing its body.\n\n```diff\n+if resp != nil { resp.Body.Close() }\n```"),
                ]),
            ],
            groups: vec![
                vec!["claude C1", "codex I1", "gemini C1"],
                vec!["claude I1", "codex I2", "coderabbit I1"],
                vec!["claude S1", "codex testing-1"],
            ],
        },
        Scenario {
            name: "python-generic-error-words",
            reviews: vec![
                review("claude", vec![
                    item("I1", I, "app/views.py:88-94", "`profile_view` dereferences the result of `get_user` without a None check",
                        "```python\nuser = get_user(user_id)\nreturn render(request, \"profile.html\", {\"email\": user.email})\n```\n\n\
                         `get_user` returns `None` for unknown ids (see `app/users.py:31`), so requesting a deleted profile raises `AttributeError` \
                         and the error handler turns it into a 500. Check for `None` and return 404 instead.\n\n\
                         ```diff\n user = get_user(user_id)\n+if user is None:\n+    raise Http404(\"no such user\")\n```"),
                    item("I2", I, "app/views.py:120-131", "Bare `except:` in `handle_upload` hides storage errors",
                        "```python\ntry:\n    storage.save(name, data)\nexcept:\n    pass\nreturn JsonResponse({\"ok\": True})\n```\n\n\
                         Any failure while saving (full disk, permission error, network error to the bucket) is swallowed and the client is told the upload succeeded. \
                         Catch the specific storage exception, log it and return an error status."),
                    item("S1", S, "app/views.py:115", "Upload size is not checked before reading the file into memory",
                        "`request.FILES[\"file\"].read()` loads the whole upload; a 2 GB file exhausts memory. Check `size` against a limit first."),
                ]),
                review("codex", vec![
                    item("I1", I, "app/views.py:90", "Unchecked None from get_user",
                        "`user.email` is read even when the lookup found nothing; handle the missing user."),
                    item("S1", S, "app/views.py:127", "`handle_upload` swallows every exception",
                        "The `except: pass` block reports success on failure and even catches `KeyboardInterrupt`."),
                ]),
                review("gemini", vec![
                    item("C1", C, "app/views.py", "Crash when the requested user does not exist",
                        "In the profile view, `get_user(user_id)` may return `None`. Accessing `.email` on it raises an `AttributeError`, which is an unhandled error path. \
                         This should be handled gracefully with a 404 response."),
                    item("I1", I, "app/views.py:118-135", "Error handling in `handle_upload` returns success on failure",
                        "The upload handler ignores errors from `storage.save`: the bare except discards the exception and the response still says `ok: true`. \
                         Users will believe their file was stored."),
                    item("testing-1", S, "", "No test checks the error path of `handle_upload`",
                        "The tests only upload a small valid file; nothing simulates a storage failure."),
                ]),
            ],
            groups: vec![
                vec!["claude I1", "codex I1", "gemini C1"],
                vec!["claude I2", "codex S1", "gemini I1"],
            ],
        },
        Scenario {
            name: "ts-terse-bot-titles",
            reviews: vec![
                review("claude", vec![
                    item("I1", I, "src/store/session.ts:40-62", "Concurrent calls to `refreshSession` trigger parallel refresh requests",
                        "```ts\nexport async function refreshSession() {\n  const res = await fetch(\"/api/refresh\", { method: \"POST\" });\n  session = await res.json();\n}\n```\n\n\
                         Every API call that sees a 401 calls `refreshSession()`. When a page fires five requests at once, five refreshes run in parallel; \
                         the server rotates the refresh token on each, so four of them fail and log the user out.\n\n\
                         Keep the in-flight promise and return it to concurrent callers:\n\n\
                         ```diff\n+let inflight: Promise<void> | null = null;\n export async function refreshSession() {\n-  const res = await fetch(\"/api/refresh\", { method: \"POST\" });\n+  inflight ??= doRefresh().finally(() => (inflight = null));\n+  return inflight;\n```"),
                    item("I2", I, "src/store/session.ts:18-20", "`JSON.parse` on the stored session throws on corrupted storage",
                        "```ts\nconst raw = localStorage.getItem(KEY);\nreturn raw ? JSON.parse(raw) : null;\n```\nA truncated value (quota exceeded mid-write, manual edit) makes `loadSession` throw on every page load, and the app never renders. Wrap the parse and discard bad data."),
                ]),
                review("coderabbit", vec![
                    item("I1", I, "src/store/session.ts:45-47", "Race condition",
                        "Multiple callers can enter `refreshSession` at the same time and each posts to `/api/refresh`. Deduplicate with a shared promise."),
                    item("S1", S, "src/store/session.ts:19", "Guard parse",
                        "`JSON.parse(raw)` will throw if the value is malformed; wrap it in try/catch."),
                ]),
                review("gemini", vec![
                    item("I1", I, "src/store/session.ts:12", "`window.localStorage` accessed during server-side rendering",
                        "`loadSession` runs at module import. In Next.js server rendering `window` is undefined, so importing the store throws a ReferenceError on the server."),
                    item("I2", I, "src/store/session.ts:55", "Duplicate token refreshes under concurrency",
                        "If several requests fail with 401 together, each one starts its own refresh, racing on the rotated refresh token."),
                ]),
                review("codex", vec![
                    item("S1", S, "src/store/session.ts:10-14", "`loadSession` breaks under SSR",
                        "`localStorage` is not defined in Node; guard with `typeof window !== \"undefined\"`."),
                ]),
            ],
            groups: vec![
                vec!["claude I1", "coderabbit I1", "gemini I2"],
                vec!["claude I2", "coderabbit S1"],
                vec!["gemini I1", "codex S1"],
            ],
        },
        Scenario {
            name: "rust-testing-assessment",
            reviews: vec![
                review("claude", vec![
                    item("I1", I, "src/config/duration.rs:30-41", "`parse_duration` accepts negative values",
                        "```rust\nlet value: i64 = digits.parse()?;\nOk(Duration::from_secs(value as u64 * unit))\n```\n\n\
                         A config value of `-5s` parses as `i64` and is then cast with `as u64`, which wraps to an enormous number; \
                         the request timeout becomes effectively infinite. Parse into `u64` directly so the minus sign is rejected."),
                    item("S1", S, "src/config/duration.rs", "No tests for `parse_duration` edge cases",
                        "There are no unit tests covering empty strings, unknown units, overflow, or negative values for `parse_duration`. \
                         A table-driven test would pin the behaviour down."),
                ]),
                review("codex", vec![
                    item("I1", I, "src/config/duration.rs:36", "Negative durations wrap around into huge timeouts",
                        "`value as u64` on a negative `i64` wraps; `-1s` becomes about 584 billion years."),
                    item("testing-1", S, "", "`parse_duration` has no coverage for malformed or negative input",
                        "Only `\"30s\"` and `\"5m\"` are tested."),
                ]),
                review("gemini", vec![
                    item("I1", I, "src/config/duration.rs:44-46", "Integer overflow when multiplying by the unit in `parse_duration`",
                        "```rust\nOk(Duration::from_secs(value as u64 * unit))\n```\n`value * unit` overflows for large hour counts such as `99999999999h` and panics in debug builds. Use `checked_mul` and return an error."),
                    item("testing-1", S, "", "Integration tests for config loading only cover the happy path",
                        "`tests/load_config.rs` never loads a file with a missing key or an invalid section."),
                ]),
            ],
            groups: vec![
                vec!["claude I1", "codex I1"],
                vec!["claude S1", "codex testing-1"],
            ],
        },
        Scenario {
            name: "k8s-manifest-file-level",
            reviews: vec![
                review("claude", vec![
                    item("C1", C, "deploy/api.yaml:20-34", "API container runs as root with privilege escalation allowed",
                        "```yaml\n      containers:\n        - name: api\n          image: registry.local/api:latest\n          ports:\n            - containerPort: 8080\n```\n\n\
                         The pod spec sets no `securityContext`, so the container runs as UID 0 and `allowPrivilegeEscalation` defaults to true. \
                         A compromise of the API process gives root inside the container.\n\n\
                         ```diff\n+          securityContext:\n+            runAsNonRoot: true\n+            allowPrivilegeEscalation: false\n```"),
                    item("I1", I, "deploy/api.yaml:28-33", "No resource requests or limits on the `api` container",
                        "Without `resources.limits` a memory leak in the API can starve every other pod on the node, and without requests the scheduler packs pods blindly."),
                ]),
                review("codex", vec![
                    item("I1", I, "deploy/api.yaml", "Missing `securityContext`",
                        "The deployment runs as root (no `runAsNonRoot`, no `runAsUser`)."),
                ]),
                review("gemini", vec![
                    item("S1", S, "deploy/api.yaml:40", "Set CPU and memory limits",
                        "Add `resources` with `requests` and `limits` for cpu and memory so one replica cannot exhaust the node."),
                    item("I1", I, "deploy/api.yaml:45-52", "Liveness probe depends on the database",
                        "`/healthz` checks the database connection; a database outage makes Kubernetes restart every API pod in a loop. Use a shallow liveness check and keep the database check in readiness."),
                ]),
                review("coderabbit", vec![
                    item("S1", S, "deploy/api.yaml:22", "Pin the image tag",
                        "`registry.local/api:latest` makes rollouts non-reproducible; pin a version or digest."),
                ]),
            ],
            groups: vec![
                vec!["claude C1", "codex I1"],
                vec!["claude I1", "gemini S1"],
            ],
        },
        Scenario {
            name: "js-two-bugs-shared-identifiers",
            reviews: vec![
                review("claude", vec![
                    item("I1", I, "src/utils/paginate.js:8-12", "Off-by-one: `paginate` drops the last item of every page",
                        "```js\nconst start = page * size;\nconst end = start + size;\nreturn items.slice(start, end - 1);\n```\n\n\
                         `Array.prototype.slice` already excludes `end`, so subtracting one returns `size - 1` items per page and the item at each page boundary is never shown.\n\n\
                         ```diff\n-return items.slice(start, end - 1);\n+return items.slice(start, end);\n```"),
                    item("I2", I, "src/utils/paginate.js:15", "`paginate` reports `Infinity` pages when `size` is 0",
                        "```js\nconst totalPages = Math.ceil(items.length / size);\n```\nWith `size = 0` (the default when the query parameter is missing) `totalPages` is `Infinity` and the pager renders forever. Validate `size` and fall back to a default."),
                ]),
                review("gemini", vec![
                    item("I1", I, "src/utils/paginate.js:10", "Last element of each page is missing",
                        "The `slice` call uses `end - 1` as the exclusive bound, so each page returned by `paginate` is one item short."),
                ]),
                review("codex", vec![
                    item("I1", I, "src/utils/paginate.js:14-16", "Division by zero in `totalPages` when `size` is 0",
                        "`items.length / size` divides by zero for a missing page size."),
                    item("documentation-1", S, "README.md", "README example for `paginate` uses the old signature",
                        "The example still calls `paginate(items, { page, size })`."),
                ]),
            ],
            groups: vec![
                vec!["claude I1", "gemini I1"],
                vec!["claude I2", "codex I1"],
            ],
        },
    ]
}
