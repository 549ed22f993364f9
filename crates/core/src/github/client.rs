//! A small GitHub API client: REST (JSON, `Link: rel="next"` pagination) and GraphQL,
//! with the token held in a type that never prints it, and GitHub's rate limits
//! honoured by waiting — a bounded wait, reported through a callback so the caller can
//! show it on the progress line. Every error text has the token masked.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, USER_AGENT};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use super::target::Host;
use crate::prose::base64;

/// The environment variables the client reads (through [`Token::from_env`] and
/// [`Endpoints::from_env`]), in the order they are tried.
pub const TOKEN_VARS: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];
/// The REST API's base URL (GitHub Enterprise, local test servers).
pub const API_URL_VAR: &str = "GITHUB_API_URL";
/// The GraphQL endpoint; derived from the REST base when unset.
pub const GRAPHQL_URL_VAR: &str = "GITHUB_GRAPHQL_URL";

/// An API token. Its `Debug` shows `***`; the value leaves only in the
/// `Authorization` header.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(value: impl Into<String>) -> Option<Token> {
        let value = value.into().trim().to_string();
        (!value.is_empty()).then_some(Token(value))
    }

    /// The first of [`TOKEN_VARS`] that is set and not empty, read through `get`
    /// (`std::env::var` in the binary, a map in tests).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Option<Token> {
        TOKEN_VARS
            .iter()
            .find_map(|name| get(name).and_then(Token::new))
    }
}

impl Token {
    /// What `gh auth token` prints (`--hostname HOST` for an Enterprise host), when
    /// `program` (normally `gh`) runs within ten seconds, succeeds and prints a token.
    /// Nothing it prints is kept but the token; its errors are not shown.
    pub async fn from_gh(program: &std::ffi::OsStr, host: &Host) -> Option<Token> {
        let mut command = tokio::process::Command::new(program);
        command.args(["auth", "token"]);
        if !host.is_github_com() {
            command.args(["--hostname", &host.0]);
        }
        command
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        let output = tokio::time::timeout(Duration::from_secs(10), command.output())
            .await
            .ok()?
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let text = String::from_utf8(output.stdout).ok()?;
        let token = text.lines().next()?.trim();
        // A token is one word; anything else is not one.
        (!token.is_empty() && !token.contains(char::is_whitespace))
            .then(|| Token(token.to_string()))
    }
}

impl Token {
    /// The HTTP header `git fetch` sends to authenticate with this token over https:
    /// `Authorization: Basic base64(x-access-token:TOKEN)`, which GitHub accepts for
    /// every kind of token. Only for [`super::checkout`]'s environment, never an argument.
    pub(crate) fn git_header(&self) -> String {
        format!("Authorization: Basic {}", self.basic())
    }

    /// `text` with the token (and its [`git_header`](Token::git_header) form) replaced
    /// by `***`.
    pub(crate) fn mask(&self, text: &str) -> String {
        text.replace(self.0.as_str(), "***")
            .replace(self.basic().as_str(), "***")
    }

    /// The Basic credentials of [`git_header`](Token::git_header).
    fn basic(&self) -> String {
        base64(format!("x-access-token:{}", self.0).as_bytes())
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(***)")
    }
}

/// Where the REST and GraphQL APIs are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// No trailing slash.
    pub api: String,
    pub graphql: String,
}

impl Endpoints {
    /// The APIs of `host`: `https://api.github.com` for github.com,
    /// `https://HOST/api/v3` and `https://HOST/api/graphql` for GitHub Enterprise.
    pub fn for_host(host: &Host) -> Endpoints {
        if host.is_github_com() {
            Endpoints::from_api("https://api.github.com")
        } else {
            Endpoints::from_api(&format!("https://{}/api/v3", host.0))
        }
    }

    /// The REST base `api`, with GraphQL derived from it: `<api>/graphql`, or
    /// `<host>/api/graphql` when `api` is an Enterprise `<host>/api/v3`.
    pub fn from_api(api: &str) -> Endpoints {
        let api = api.trim_end_matches('/').to_string();
        let graphql = match api.strip_suffix("/api/v3") {
            Some(host) => format!("{host}/api/graphql"),
            None => format!("{api}/graphql"),
        };
        Endpoints { api, graphql }
    }

    /// [`API_URL_VAR`] and [`GRAPHQL_URL_VAR`] when set, else the APIs of `host`.
    pub fn from_env(host: &Host, get: impl Fn(&str) -> Option<String>) -> Endpoints {
        let set = |name: &str| get(name).filter(|v| !v.trim().is_empty());
        let mut endpoints = match set(API_URL_VAR) {
            Some(api) => Endpoints::from_api(api.trim()),
            None => Endpoints::for_host(host),
        };
        if let Some(graphql) = set(GRAPHQL_URL_VAR) {
            endpoints.graphql = graphql.trim().to_string();
        }
        endpoints
    }
}

/// Which of GitHub's limits a wait is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// The hourly request budget (`x-ratelimit-remaining: 0` until `x-ratelimit-reset`).
    Primary,
    /// Too many requests too fast (403/429 with `retry-after`).
    Secondary,
}

impl LimitKind {
    fn describe(self) -> &'static str {
        match self {
            LimitKind::Primary => "rate limit",
            LimitKind::Secondary => "secondary rate limit",
        }
    }
}

/// A wait the client is about to make, for the progress line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub kind: LimitKind,
    pub duration: Duration,
}

impl std::fmt::Display for Wait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "GitHub {}: waiting {}s",
            self.kind.describe(),
            self.duration.as_secs_f64().ceil()
        )
    }
}

/// How long the client waits for a limit, and how often.
#[derive(Debug, Clone, Copy)]
pub struct Patience {
    /// The longest single wait; a limit that resets later is an error.
    pub max_wait: Duration,
    /// Retries of one request after a limit.
    pub retries: u32,
}

impl Default for Patience {
    fn default() -> Patience {
        Patience {
            max_wait: Duration::from_secs(15 * 60),
            retries: 3,
        }
    }
}

/// Why a request to GitHub failed. The texts never hold the token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitHubError {
    #[error("GitHub did not accept the token (401) for {url}\nhint: set GITHUB_TOKEN or GH_TOKEN to a valid token (`gh auth token` prints one)")]
    Unauthorized { url: String },
    #[error("GitHub refused access (403) to {url}: {message}\nhint: the token needs read access to the repository's pull requests")]
    Forbidden { url: String, message: String },
    #[error("GitHub has no {url} (404)\nhint: check the owner, repository and pull request number; a private repository needs GITHUB_TOKEN or GH_TOKEN")]
    NotFound { url: String },
    #[error("GitHub's {kind} resets in {}s; deep-review waits at most {}s at a time, {retries} times (gave up after {attempts} requests)\nhint: try again later, or use a token with a higher limit", wait.as_secs(), max.as_secs(), kind = kind.describe())]
    RateLimited {
        kind: LimitKind,
        wait: Duration,
        max: Duration,
        retries: u32,
        attempts: u32,
    },
    #[error("GitHub answered {status} for {url}: {message}")]
    Status {
        status: u16,
        url: String,
        message: String,
    },
    #[error("could not reach GitHub at {url}: {message}\nhint: check the network, or GITHUB_API_URL for GitHub Enterprise")]
    Transport { url: String, message: String },
    #[error("GitHub's answer from {url} is not what deep-review expected: {message}")]
    Decode { url: String, message: String },
    #[error("GitHub's GraphQL API answered with errors: {message}")]
    GraphQl { message: String },
    #[error(
        "GitHub's next page is at {url}, outside {api}; deep-review does not send the token there"
    )]
    ForeignLink { url: String, api: String },
}

type OnWait = Arc<dyn Fn(&Wait) + Send + Sync>;

/// A GitHub API client. Cheap to share by reference; counts the requests it sends.
pub struct Client {
    http: reqwest::Client,
    endpoints: Endpoints,
    token: Option<Token>,
    patience: Patience,
    on_wait: OnWait,
    requests: AtomicU64,
    /// Set when a response said the primary budget is spent: no request before then.
    blocked_until: Mutex<Option<SystemTime>>,
}

/// The most pages one listing may have (GitHub lists at most 3,000 files, 30 pages).
const MAX_PAGES: usize = 1000;
/// The most of an error body quoted in a message.
const MESSAGE_CAP: usize = 300;

impl Client {
    pub fn new(endpoints: Endpoints, token: Option<Token>) -> Result<Client, GitHubError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(30))
            .timeout(Duration::from_secs(120))
            .build()
            .map_err(|e| GitHubError::Transport {
                url: endpoints.api.clone(),
                message: e.to_string(),
            })?;
        Ok(Client {
            http,
            endpoints,
            token,
            patience: Patience::default(),
            on_wait: Arc::new(|_| {}),
            requests: AtomicU64::new(0),
            blocked_until: Mutex::new(None),
        })
    }

    pub fn with_patience(mut self, patience: Patience) -> Client {
        self.patience = patience;
        self
    }

    /// `report` is called before each wait for a rate limit.
    pub fn on_wait(mut self, report: impl Fn(&Wait) + Send + Sync + 'static) -> Client {
        self.on_wait = Arc::new(report);
        self
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    /// Requests sent so far (retries included).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// `GET <api><path>` as JSON.
    pub async fn get(&self, path: &str) -> Result<Value, GitHubError> {
        let url = format!("{}{path}", self.endpoints.api);
        let (_, body) = self.send(Method::GET, &url, None).await?;
        decode(&url, &body)
    }

    /// `POST` or `PUT <api><path>` with a JSON body; the answer as JSON.
    pub async fn send_json(
        &self,
        method: Method,
        path: &str,
        body: &Value,
    ) -> Result<Value, GitHubError> {
        let url = format!("{}{path}", self.endpoints.api);
        let (_, answer) = self.send(method, &url, Some(body)).await?;
        decode(&url, &answer)
    }

    /// Every item of a paginated listing: `GET <api><path>`, then each `rel="next"`.
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, GitHubError> {
        let mut url = format!("{}{path}", self.endpoints.api);
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let (headers, body) = self.send(Method::GET, &url, None).await?;
            match decode(&url, &body)? {
                Value::Array(page) => items.extend(page),
                _ => {
                    return Err(GitHubError::Decode {
                        url,
                        message: "expected a JSON array".to_string(),
                    })
                }
            }
            match next_link(&headers) {
                Some(next) => {
                    if !same_origin(&next, &self.endpoints.api) {
                        return Err(GitHubError::ForeignLink {
                            url: next,
                            api: self.endpoints.api.clone(),
                        });
                    }
                    url = next;
                }
                None => return Ok(items),
            }
        }
        Err(GitHubError::Decode {
            url,
            message: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// A GraphQL query; its `data`, or its `errors` as an error.
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, GitHubError> {
        let url = self.endpoints.graphql.clone();
        let request = serde_json::json!({ "query": query, "variables": variables });
        let mut limited = 0;
        let mut answer = loop {
            let (_, body) = self.send(Method::POST, &url, Some(&request)).await?;
            let answer = decode(&url, &body)?;
            // GraphQL's own budget answers 200 with a RATE_LIMITED error: the next send
            // waits for the reset its headers gave (or a minute, GitHub's advice).
            if !is_rate_limited(&answer) || limited >= self.patience.retries {
                break answer;
            }
            limited += 1;
            if let Ok(mut blocked) = self.blocked_until.lock() {
                blocked.get_or_insert_with(|| SystemTime::now() + Duration::from_secs(60));
            }
        };
        if let Some(errors) = answer.get("errors").and_then(Value::as_array) {
            if !errors.is_empty() {
                let message = errors
                    .iter()
                    .map(|e| e.get("message").and_then(Value::as_str).unwrap_or("?"))
                    .collect::<Vec<_>>()
                    .join("; ");
                return Err(GitHubError::GraphQl {
                    message: self.mask(&message),
                });
            }
        }
        match answer.get_mut("data").map(Value::take) {
            Some(data) if !data.is_null() => Ok(data),
            _ => Err(GitHubError::Decode {
                url,
                message: "no `data` in the GraphQL answer".to_string(),
            }),
        }
    }

    /// One request with the rate limits honoured; the response's headers and body.
    async fn send(
        &self,
        method: Method,
        url: &str,
        json: Option<&Value>,
    ) -> Result<(HeaderMap, String), GitHubError> {
        let mut attempts = 0u32;
        loop {
            self.wait_while_blocked(attempts).await?;
            let mut request = self
                .http
                .request(method.clone(), url)
                .header(ACCEPT, "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header(USER_AGENT, "deep-review");
            if let Some(Token(token)) = &self.token {
                request = request.header(AUTHORIZATION, format!("Bearer {token}"));
            }
            if let Some(json) = json {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(json.to_string());
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            attempts += 1;
            let response = request.send().await.map_err(|e| GitHubError::Transport {
                url: url.to_string(),
                message: self.mask(&e.without_url().to_string()),
            })?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response.text().await.map_err(|e| GitHubError::Transport {
                url: url.to_string(),
                message: self.mask(&e.without_url().to_string()),
            })?;
            let spent = header(&headers, "x-ratelimit-remaining") == Some("0");
            let reset = header(&headers, "x-ratelimit-reset")
                .and_then(|s| s.trim().parse::<u64>().ok())
                .map(|s| UNIX_EPOCH + Duration::from_secs(s));
            if status.is_success() {
                if spent {
                    if let Ok(mut blocked) = self.blocked_until.lock() {
                        *blocked = reset;
                    }
                }
                return Ok((headers, body));
            }
            let limited = matches!(
                status,
                StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
            );
            let limit = if !limited {
                None
            } else if let Some(after) = retry_after(&headers) {
                Some((LimitKind::Secondary, after))
            } else if spent {
                // No reset given: a minute, as for the secondary limit.
                let wait = reset.map_or(Duration::from_secs(60), |r| until(Some(r)));
                Some((LimitKind::Primary, wait))
            } else if body.contains("secondary rate limit") {
                // GitHub's advice when it gives no retry-after: at least a minute.
                Some((LimitKind::Secondary, Duration::from_secs(60)))
            } else {
                None
            };
            if let Some((kind, wait)) = limit {
                if attempts > self.patience.retries || wait > self.patience.max_wait {
                    return Err(GitHubError::RateLimited {
                        kind,
                        wait,
                        max: self.patience.max_wait,
                        retries: self.patience.retries,
                        attempts,
                    });
                }
                (self.on_wait)(&Wait {
                    kind,
                    duration: wait,
                });
                tokio::time::sleep(wait).await;
                continue;
            }
            return Err(self.status_error(status, url, &body));
        }
    }

    /// Waits for the primary budget's reset when an earlier response spent it.
    async fn wait_while_blocked(&self, attempts: u32) -> Result<(), GitHubError> {
        let blocked = self.blocked_until.lock().ok().and_then(|mut b| b.take());
        let Some(reset) = blocked else {
            return Ok(());
        };
        let wait = until(Some(reset));
        if wait.is_zero() {
            return Ok(());
        }
        if wait > self.patience.max_wait {
            return Err(GitHubError::RateLimited {
                kind: LimitKind::Primary,
                wait,
                max: self.patience.max_wait,
                retries: self.patience.retries,
                attempts,
            });
        }
        (self.on_wait)(&Wait {
            kind: LimitKind::Primary,
            duration: wait,
        });
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn status_error(&self, status: StatusCode, url: &str, body: &str) -> GitHubError {
        let url = url.to_string();
        let message = serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| body.trim().to_string());
        let mut message = self.mask(&message);
        if message.len() > MESSAGE_CAP {
            let cut = (0..=MESSAGE_CAP)
                .rev()
                .find(|&i| message.is_char_boundary(i))
                .unwrap_or(0);
            message.truncate(cut);
            message.push('…');
        }
        match status {
            StatusCode::UNAUTHORIZED => GitHubError::Unauthorized { url },
            StatusCode::FORBIDDEN => GitHubError::Forbidden { url, message },
            StatusCode::NOT_FOUND => GitHubError::NotFound { url },
            _ => GitHubError::Status {
                status: status.as_u16(),
                url,
                message,
            },
        }
    }

    /// `text` with the token replaced by `***` (a server may echo what it was sent).
    fn mask(&self, text: &str) -> String {
        match &self.token {
            Some(token) => token.mask(text),
            None => text.to_string(),
        }
    }
}

fn is_rate_limited(answer: &Value) -> bool {
    answer
        .get("errors")
        .and_then(Value::as_array)
        .is_some_and(|errors| {
            errors
                .iter()
                .any(|e| e.get("type").and_then(Value::as_str) == Some("RATE_LIMITED"))
        })
}

fn decode(url: &str, body: &str) -> Result<Value, GitHubError> {
    serde_json::from_str(body).map_err(|e| GitHubError::Decode {
        url: url.to_string(),
        message: e.to_string(),
    })
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `retry-after` in seconds (GitHub sends seconds, not dates).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    header(headers, "retry-after")
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// From now until `reset` (zero when it has passed or is unknown).
fn until(reset: Option<SystemTime>) -> Duration {
    reset
        .and_then(|r| r.duration_since(SystemTime::now()).ok())
        .unwrap_or_default()
}

/// The `rel="next"` URL of a `Link` header.
pub(crate) fn next_link(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all("link")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|part| {
            let (target, params) = part.trim().split_once(';')?;
            let is_next = params
                .split(';')
                .any(|p| matches!(p.trim(), "rel=\"next\"" | "rel=next"));
            let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
            is_next.then(|| target.to_string())
        })
}

/// Whether `url` has the scheme, host and port of `base`.
fn same_origin(url: &str, base: &str) -> bool {
    fn origin(url: &str) -> Option<&str> {
        let (scheme, rest) = url.split_once("://")?;
        let end = rest.find('/').unwrap_or(rest.len());
        Some(&url[..scheme.len() + 3 + end])
    }
    matches!((origin(url), origin(base)), (Some(a), Some(b)) if a.eq_ignore_ascii_case(b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn the_git_header_is_basic_auth_and_masks_both_forms() {
        let token = Token::new("ghp_abc").unwrap();
        // base64("x-access-token:ghp_abc")
        let header = token.git_header();
        assert_eq!(
            header,
            "Authorization: Basic eC1hY2Nlc3MtdG9rZW46Z2hwX2FiYw=="
        );
        assert_eq!(
            token.mask("a ghp_abc b eC1hY2Nlc3MtdG9rZW46Z2hwX2FiYw== c"),
            "a *** b *** c"
        );
    }

    #[test]
    fn endpoints_for_hosts_and_overrides() {
        let gh = Endpoints::for_host(&Host::github_com());
        assert_eq!(gh.api, "https://api.github.com");
        assert_eq!(gh.graphql, "https://api.github.com/graphql");
        let ghe = Endpoints::for_host(&Host("ghe.example.com".to_string()));
        assert_eq!(ghe.api, "https://ghe.example.com/api/v3");
        assert_eq!(ghe.graphql, "https://ghe.example.com/api/graphql");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let local = Endpoints::from_env(
            &Host::github_com(),
            env(&[("GITHUB_API_URL", "http://127.0.0.1:9/")]),
        );
        assert_eq!(local.api, "http://127.0.0.1:9");
        assert_eq!(local.graphql, "http://127.0.0.1:9/graphql");
        let both = Endpoints::from_env(
            &Host::github_com(),
            env(&[
                ("GITHUB_API_URL", "https://h/api/v3"),
                ("GITHUB_GRAPHQL_URL", "https://g/gql"),
            ]),
        );
        assert_eq!(both.api, "https://h/api/v3");
        assert_eq!(both.graphql, "https://g/gql");
        assert_eq!(
            Token::from_env(env(&[("GITHUB_TOKEN", " "), ("GH_TOKEN", "t")]))
                .map(|t| format!("{t:?}")),
            Some("Token(***)".to_string())
        );
        assert!(Token::from_env(env(&[])).is_none());
    }

    #[tokio::test]
    async fn a_token_from_gh_auth_token() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let script = |name: &str, body: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            path
        };
        // The arguments it got, to see `--hostname` for Enterprise hosts.
        let gh = script(
            "gh",
            r#"[ "$1 $2" = "auth token" ] || exit 1; echo "gho_x$3$4""#,
        );
        let com = Token::from_gh(gh.as_os_str(), &Host::github_com()).await;
        assert_eq!(com.map(|Token(t)| t), Some("gho_x".to_string()));
        let ghe = Token::from_gh(gh.as_os_str(), &Host("ghe.example.com".to_string())).await;
        assert_eq!(
            ghe.map(|Token(t)| t),
            Some("gho_x--hostnameghe.example.com".to_string())
        );
        let out = script(
            "gh-out",
            "echo 'You are not logged into any GitHub hosts.' >&2; exit 1",
        );
        assert!(Token::from_gh(out.as_os_str(), &Host::github_com())
            .await
            .is_none());
        let chatty = script("gh-chatty", "echo 'not a token'");
        assert!(Token::from_gh(chatty.as_os_str(), &Host::github_com())
            .await
            .is_none());
        let missing = dir.path().join("no-such-gh");
        assert!(Token::from_gh(missing.as_os_str(), &Host::github_com())
            .await
            .is_none());
    }

    #[test]
    fn link_headers() {
        let check = |value: &str, want: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(value) {
                headers.insert("link", v);
            }
            assert_eq!(next_link(&headers).as_deref(), want, "{value}");
        };
        check(
            r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#,
            Some("https://api.github.com/x?page=2"),
        );
        check(
            r#"<https://api.github.com/x?page=1>; rel="prev", <https://api.github.com/x?page=3>; rel="next""#,
            Some("https://api.github.com/x?page=3"),
        );
        check(r#"<https://api.github.com/x?page=1>; rel="first""#, None);
        check("garbage", None);
        assert!(same_origin("http://127.0.0.1:5/a?b", "http://127.0.0.1:5"));
        assert!(!same_origin(
            "http://127.0.0.1:6/a",
            "http://127.0.0.1:5/api"
        ));
        assert!(!same_origin(
            "https://evil.example/x",
            "https://api.github.com"
        ));
    }
}
