//! `review owner/repo#N` away from a clone of the repository: from a directory that is
//! no clone at all, and from a clone of another repository. The pull request is fetched
//! into a bare mirror (created once, then fetched into), its configuration read at the
//! base revision from the mirror, the work directory written under the current
//! directory — and the token is in no argument, no git configuration, no file.

use std::path::{Path, PathBuf};
use std::time::Instant;

use fake_github::FakePr;

use super::{as_pull_request, serve, Remote};
use crate::support::{git, repo_with, write_files, Test};
use crate::{read, report_json, script, SCRIPT_REVIEW};

const TOKEN: &str = "ghp_mirror_token_never_written_0123456789";

/// Pull request 7 of a bare remote: `main` holds a `deep-review.toml` running the
/// `alpha` script with three formats; the PR's head rewrites it to run `evil` (which
/// would leave a marker) with SARIF only — a change must not configure its own review.
pub(super) struct Published {
    _places: tempfile::TempDir,
    bin: tempfile::TempDir,
    remote: PathBuf,
    head: String,
    marker: PathBuf,
}

pub(super) fn publish() -> Published {
    let bin = tempfile::tempdir().unwrap();
    let alpha = script(bin.path(), "alpha.sh", SCRIPT_REVIEW);
    let marker = bin.path().join("evil-ran");
    let evil = script(
        bin.path(),
        "evil.sh",
        &format!("touch {}\n{SCRIPT_REVIEW}", marker.display()),
    );
    let toml = |name: &str, path: &Path, formats: &str| {
        format!(
            "[review]\nreviewers = [\"{name}\"]\ntimeout = \"20s\"\nformat = [{formats}]\n\n[reviewers.{name}]\nbackend = \"command\"\ncommand = [\"{}\"]\n",
            path.display()
        )
    };
    let project = repo_with(&[
        ("src/lib.rs", "pub fn one() -> u32 {\n    1\n}\n"),
        (
            "deep-review.toml",
            &toml("alpha", &alpha, "\"markdown\", \"json\", \"html\""),
        ),
    ]);
    git(project.path(), &["checkout", "-qb", "feature"]);
    write_files(
        project.path(),
        &[
            (
                "src/lib.rs",
                "pub fn one() -> u32 {\n    1\n}\n\npub fn two() -> u32 {\n    2\n}\n",
            ),
            ("deep-review.toml", &toml("evil", &evil, "\"sarif\"")),
        ],
    );
    git(project.path(), &["commit", "-qam", "add two"]);
    let remote = Remote::of(project.path(), false);
    Published {
        _places: remote.places,
        bin,
        remote: remote.path,
        head: remote.head,
        marker,
    }
}

pub(super) fn fake_pr(published: &Published) -> FakePr {
    let base = git(&published.remote, &["rev-parse", "main"]);
    as_pull_request(
        FakePr::sample(1, 1, 0, 0),
        &published.remote,
        base.trim(),
        &published.head,
    )
}

/// A `git` first on PATH that logs each command line and the `GIT_CONFIG_*` variables
/// it was given, then runs the real git.
fn logging_git(dir: &Path) -> (String, PathBuf) {
    let path = std::env::var("PATH").unwrap_or_default();
    let real = std::env::split_paths(&path)
        .map(|d| d.join("git"))
        .find(|p| p.is_file())
        .expect("git on PATH");
    let log = dir.join("git.log");
    let shim = dir.join("shim");
    std::fs::create_dir_all(&shim).unwrap();
    script(
        &shim,
        "git",
        &format!(
            "printf 'argv: %s\\n' \"$*\" >> {log}\nenv | grep '^GIT_CONFIG' >> {log}\nexec {real} \"$@\"",
            log = log.display(),
            real = real.display()
        ),
    );
    let joined = std::env::join_paths(std::iter::once(shim).chain(std::env::split_paths(&path)))
        .unwrap()
        .to_string_lossy()
        .into_owned();
    (joined, log)
}

/// Every file under `dir` (recursively) that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(
                std::fs::read_dir(&path)
                    .unwrap()
                    .flatten()
                    .map(|e| e.path()),
            );
        } else if String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default())
            .contains(needle)
        {
            found.push(path);
        }
    }
    found
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn outside_any_clone_the_pull_request_is_reviewed_in_a_cached_mirror() {
    let published = publish();
    let server = serve(fake_pr(&published));
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let db = published.bin.path().join("history.sqlite3");
    let (path, log) = logging_git(published.bin.path());
    let review = || {
        let started = Instant::now();
        let run = Test::new()
            .args(["review", "octo/hello#7", "--clone-dir"])
            .arg(cache.path())
            .cwd(elsewhere.path())
            .env("GITHUB_API_URL", &server.url)
            .env("GITHUB_TOKEN", TOKEN)
            .env("DEEP_REVIEW_DB", db.display().to_string())
            .env("PATH", &path)
            .run()
            .status(0);
        (run, started.elapsed())
    };

    let (run, first) = review();
    let mirror = cache.path().join("github.com/octo/hello.git");
    assert_eq!(
        git(&mirror, &["rev-parse", "--is-bare-repository"]).trim(),
        "true"
    );
    assert_eq!(
        git(&mirror, &["rev-parse", "refs/deep-review/pull/7/head"]).trim(),
        published.head
    );
    assert!(
        run.stderr
            .contains(&format!("reviewing in the mirror {}", mirror.display())),
        "{}",
        run.stderr
    );
    // The report is the pull request's; the work directory is under the current
    // directory, which gets nothing else.
    let review_md = PathBuf::from(run.last_line());
    let reviews = elsewhere.path().join(".deep-review/reviews");
    assert!(
        review_md.starts_with(reviews.canonicalize().unwrap()) || review_md.starts_with(&reviews),
        "{}",
        review_md.display()
    );
    assert_eq!(names_in(elsewhere.path()), [".deep-review"]);
    let report = report_json(&review_md.display().to_string());
    assert_eq!(report["target"]["kind"], "github_pr");
    assert_eq!(report["target"]["number"], 7);
    assert_eq!(report["target"]["repo"], "octo/hello");
    assert_eq!(report["findings"][0]["title"], "`two` has no test");
    // The configuration is the base revision's (alpha, with HTML), not the head's.
    let workdir = review_md.parent().unwrap();
    assert!(workdir.join("REVIEW.html").exists());
    assert!(!workdir.join("report.sarif").exists());
    assert!(!published.marker.exists(), "the PR's own configuration ran");
    assert!(
        !run.stderr.contains("differs from the base revision"),
        "{}",
        run.stderr
    );
    // The reviewers' checkout of the mirror is gone.
    let md = read(&review_md);
    assert!(md.contains("Parse the config once"), "{md}");

    // The token: in no argument, not in the mirror's configuration or any of its files,
    // not in the work directory; and no header was set up for a file URL.
    let logged = read(&log);
    assert!(logged.contains("argv: fetch"), "{logged}");
    assert!(!logged.contains(TOKEN), "{logged}");
    assert!(!logged.contains("extraHeader"), "{logged}");
    let config = git(&mirror, &["config", "--list"]);
    assert!(
        !config.contains(TOKEN) && !config.contains("extraheader"),
        "{config}"
    );
    assert_eq!(files_containing(cache.path(), TOKEN), Vec::<PathBuf>::new());
    assert_eq!(
        files_containing(elsewhere.path(), TOKEN),
        Vec::<PathBuf>::new()
    );

    // A new commit on the pull request: the second run fetches it into the same mirror
    // (created once: what was set in it stays).
    git(&mirror, &["config", "deep-review-test.marker", "kept"]);
    let project = tempfile::tempdir().unwrap();
    git(
        project.path(),
        &["clone", "-q", &published.remote.display().to_string(), "p"],
    );
    let p = project.path().join("p");
    git(&p, &["fetch", "-q", "origin", "refs/pull/7/head"]);
    git(&p, &["checkout", "-q", "FETCH_HEAD"]);
    write_files(&p, &[("src/extra.rs", "pub fn three() {}\n")]);
    git(&p, &["add", "-A"]);
    git(&p, &["commit", "-qm", "three"]);
    git(&p, &["push", "-q", "origin", "HEAD:refs/pull/7/head"]);
    let newer = git(&p, &["rev-parse", "HEAD"]).trim().to_string();
    let (again, second) = review();
    // History works on the mirror as on a clone: the second review is round 2.
    let again = report_json(again.last_line());
    assert_eq!(again["target"]["round"], 2, "{:#}", again["target"]);
    assert_eq!(again["target"]["head"], newer.as_str());
    assert_eq!(
        git(&mirror, &["rev-parse", "refs/deep-review/pull/7/head"]).trim(),
        newer
    );
    assert_eq!(
        git(&mirror, &["config", "deep-review-test.marker"]).trim(),
        "kept"
    );
    assert_eq!(names_in(elsewhere.path()), [".deep-review"]);
    assert_eq!(names_in(&reviews).len(), 2, "{:?}", names_in(&reviews));
    eprintln!("mirror review: first run {first:?}, second run {second:?}");

    // `clean` outside any repository looks where these reviews went.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let cleaned = Test::new()
        .args(["clean", "--dry-run", "--older-than", "1s"])
        .cwd(elsewhere.path())
        .run()
        .status(0);
    let listed = cleaned
        .stdout
        .lines()
        .filter(|l| l.starts_with("would remove /"))
        .count();
    assert_eq!(listed, 2, "{}", cleaned.stdout);
}

#[test]
fn inside_a_clone_of_another_repository_the_mirror_is_used() {
    let published = publish();
    let server = serve(fake_pr(&published));
    // A clone of octo/other: its refs and status stay as they were.
    let other = repo_with(&[("README.md", "other\n")]);
    git(
        other.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octo/other.git",
        ],
    );
    let refs_before = git(other.path(), &["for-each-ref"]);
    let cache = tempfile::tempdir().unwrap();
    let run = Test::new()
        .args(["review", "https://github.com/octo/hello/pull/7", "--quiet"])
        .cwd(other.path())
        .env("GITHUB_API_URL", &server.url)
        .env("GITHUB_TOKEN", TOKEN)
        .env("XDG_CACHE_HOME", cache.path().display().to_string())
        .env(
            "DEEP_REVIEW_DB",
            published.bin.path().join("h.sqlite3").display().to_string(),
        )
        .run()
        .status(0);
    // The default mirror place, under XDG_CACHE_HOME.
    let mirror = cache
        .path()
        .join("deep-review/mirrors/github.com/octo/hello.git");
    assert_eq!(
        git(&mirror, &["rev-parse", "refs/deep-review/pull/7/head"]).trim(),
        published.head
    );
    assert_eq!(git(other.path(), &["for-each-ref"]), refs_before);
    assert_eq!(git(other.path(), &["status", "--porcelain"]), "");
    let report = report_json(run.last_line());
    assert_eq!(report["target"]["number"], 7);
    assert!(
        Path::new(run.last_line()).starts_with(other.path().join(".deep-review/reviews"))
            || Path::new(run.last_line()).starts_with(
                other
                    .path()
                    .canonicalize()
                    .unwrap()
                    .join(".deep-review/reviews")
            ),
        "{}",
        run.last_line()
    );
}

#[test]
fn without_a_cache_directory_the_error_says_what_to_pass() {
    let published = publish();
    let server = serve(fake_pr(&published));
    let elsewhere = tempfile::tempdir().unwrap();
    Test::new()
        .args(["review", "octo/hello#7", "--quiet"])
        .cwd(elsewhere.path())
        .env("GITHUB_API_URL", &server.url)
        .env_remove("XDG_CACHE_HOME")
        .env_remove("HOME")
        .run()
        .status(2)
        .stderr_contains("hint: pass --clone-dir DIR");
    assert_eq!(names_in(elsewhere.path()), Vec::<String>::new());
}

/// `git http-backend` behind a small HTTP server that wants
/// `Authorization: Basic base64(x-access-token:TOKEN)` on every request (401 otherwise),
/// and notes each request's path and whether it was authorised.
struct GitServer {
    url: String,
    seen: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
}

/// base64("x-access-token:" + TOKEN), computed once with `base64` by hand.
const EXPECTED_BASIC: &str =
    "Basic eC1hY2Nlc3MtdG9rZW46Z2hwX21pcnJvcl90b2tlbl9uZXZlcl93cml0dGVuXzAxMjM0NTY3ODk=";

fn serve_git(project_root: &Path) -> GitServer {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let root = project_root.to_path_buf();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let root = root.clone();
            let log = log.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or_default().to_string();
                let target = parts.next().unwrap_or_default().to_string();
                let mut headers = std::collections::HashMap::new();
                let mut authorizations = 0;
                loop {
                    let mut h = String::new();
                    reader.read_line(&mut h).unwrap();
                    let h = h.trim_end();
                    if h.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        authorizations += usize::from(k.eq_ignore_ascii_case("authorization"));
                        headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
                    }
                }
                let mut body = Vec::new();
                if headers
                    .get("transfer-encoding")
                    .is_some_and(|t| t == "chunked")
                {
                    loop {
                        let mut size = String::new();
                        reader.read_line(&mut size).unwrap();
                        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
                        let mut chunk = vec![0; n + 2];
                        reader.read_exact(&mut chunk).unwrap();
                        if n == 0 {
                            break;
                        }
                        body.extend_from_slice(&chunk[..n]);
                    }
                } else if let Some(n) = headers.get("content-length") {
                    body.resize(n.parse().unwrap_or(0), 0);
                    reader.read_exact(&mut body).unwrap();
                }
                // GitHub refuses a request with two Authorization headers; so does this.
                let authorised = authorizations == 1
                    && headers.get("authorization").map(String::as_str) == Some(EXPECTED_BASIC);
                log.lock().unwrap().push((target.clone(), authorised));
                let mut out = stream;
                if !authorised {
                    let _ = out.write_all(b"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    return;
                }
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                let mut cgi = std::process::Command::new("git");
                cgi.arg("http-backend")
                    .env("GIT_PROJECT_ROOT", &root)
                    .env("GIT_HTTP_EXPORT_ALL", "1")
                    .env("REQUEST_METHOD", &method)
                    .env("PATH_INFO", path)
                    .env("QUERY_STRING", query)
                    .env("CONTENT_LENGTH", body.len().to_string())
                    .env("REMOTE_ADDR", "127.0.0.1")
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped());
                for (header, var) in [
                    ("content-type", "CONTENT_TYPE"),
                    ("content-encoding", "HTTP_CONTENT_ENCODING"),
                    ("git-protocol", "GIT_PROTOCOL"),
                ] {
                    if let Some(v) = headers.get(header) {
                        cgi.env(var, v);
                    }
                }
                let mut child = cgi.spawn().unwrap();
                child.stdin.take().unwrap().write_all(&body).unwrap();
                let output = child.wait_with_output().unwrap();
                let text = output.stdout;
                let split = text
                    .windows(4)
                    .position(|w| w == b"\r\n\r\n")
                    .map(|i| (i, 4))
                    .or_else(|| text.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)))
                    .unwrap_or((text.len(), 0));
                let head = String::from_utf8_lossy(&text[..split.0]).into_owned();
                let content = &text[(split.0 + split.1).min(text.len())..];
                let mut status = "200 OK".to_string();
                let mut response = String::new();
                for h in head.lines() {
                    match h.split_once(':') {
                        Some((k, v)) if k.eq_ignore_ascii_case("status") => {
                            status = v.trim().to_string()
                        }
                        Some(_) => response.push_str(&format!("{}\r\n", h.trim_end())),
                        None => {}
                    }
                }
                let _ = out.write_all(
                    format!(
                        "HTTP/1.1 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
                        content.len()
                    )
                    .as_bytes(),
                );
                let _ = out.write_all(content);
            });
        }
    });
    GitServer { url, seen }
}

/// A private repository over http: the fetch sends the API's token as a header (through
/// git's environment, never in its arguments), and gets the pull request; without the
/// token, or with a wrong one, the fetch fails saying what to do, and no token is shown.
#[test]
fn a_private_repository_is_fetched_with_the_token_in_a_header() {
    let published = publish();
    let git_server = serve_git(published.remote.parent().unwrap());
    let mut pr = fake_pr(&published);
    pr.clone_url = format!("{}/remote.git", git_server.url);
    let server = serve(pr);
    // Named by URL on the git server's host, so that host is the token's.
    let pr_url = format!("{}/octo/hello/pull/7", git_server.url);
    let elsewhere = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let (path, log) = logging_git(published.bin.path());
    let review = |token: Option<&str>| {
        let mut test = Test::new()
            .args(["review", &pr_url, "--quiet", "--clone-dir"])
            .arg(cache.path())
            .cwd(elsewhere.path())
            .env("GITHUB_API_URL", &server.url)
            .env("PATH", &path)
            .env(
                "DEEP_REVIEW_DB",
                published.bin.path().join("h.sqlite3").display().to_string(),
            )
            .env_remove("GH_TOKEN")
            // No `gh` to ask for a token.
            .env("GIT_CONFIG_NOSYSTEM", "1");
        test = match token {
            Some(t) => test.env("GITHUB_TOKEN", t),
            None => test.env_remove("GITHUB_TOKEN"),
        };
        test.run()
    };

    // No token: refused, with a hint.
    let refused = review(None).status(4);
    assert!(
        refused
            .stderr
            .contains("hint: a private repository needs a token"),
        "{}",
        refused.stderr
    );
    // A wrong token: refused, and neither it nor its header form is shown.
    let wrong = "ghp_wrong_token_0123456789abcdef";
    let refused = review(Some(wrong)).status(4);
    assert!(!refused.stderr.contains(wrong), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("cannot read this repository"),
        "{}",
        refused.stderr
    );

    // The right token: fetched, reviewed — even with a stale header of the kind
    // actions/checkout leaves in a clone's configuration (it is emptied, not doubled).
    let mirror = cache
        .path()
        .join(mirror_host(&git_server.url))
        .join("octo/hello.git");
    git(
        &mirror,
        &[
            "config",
            &format!("http.{}/.extraheader", git_server.url),
            "AUTHORIZATION: basic c3RhbGU=",
        ],
    );
    let run = review(Some(TOKEN)).status(0);
    assert_eq!(
        git(&mirror, &["rev-parse", "refs/deep-review/pull/7/head"]).trim(),
        published.head
    );
    assert_eq!(report_json(run.last_line())["target"]["number"], 7);
    let seen = git_server.seen.lock().unwrap().clone();
    assert!(seen.iter().any(|(_, ok)| *ok), "{seen:?}");
    assert!(
        seen.iter().all(|(target, _)| !target.contains(TOKEN)),
        "{seen:?}"
    );
    // The header went through the environment: not in any git command line, not in
    // the mirror's configuration, not in any file.
    let logged = read(&log);
    assert!(logged.contains("GIT_CONFIG_KEY_1=http."), "{logged}");
    let argv: Vec<&str> = logged.lines().filter(|l| l.starts_with("argv: ")).collect();
    assert!(
        argv.iter()
            .all(|l| !l.contains(TOKEN) && !l.contains("eC1hY2Nlc3M")),
        "{argv:#?}"
    );
    let config = git(&mirror, &["config", "--list"]);
    assert!(
        !config.contains(TOKEN) && !config.contains("eC1hY2Nlc3M"),
        "{config}"
    );
    assert_eq!(
        files_containing(cache.path(), "eC1hY2Nlc3M"),
        Vec::<PathBuf>::new()
    );
    assert_eq!(files_containing(cache.path(), TOKEN), Vec::<PathBuf>::new());
    assert_eq!(
        files_containing(elsewhere.path(), TOKEN),
        Vec::<PathBuf>::new()
    );
}

/// The mirror directory of a host as `mirror_path` spells it (`:` as `_`).
fn mirror_host(url: &str) -> String {
    url.trim_start_matches("http://").replace(':', "_")
}

/// Two reviews of the pull request at once on a mirror neither has created yet: both
/// finish (they take turns creating and fetching), and the mirror is sound.
#[test]
fn two_reviews_at_once_share_one_mirror() {
    let published = publish();
    let server = serve(fake_pr(&published));
    let cache = tempfile::tempdir().unwrap();
    let runs: Vec<_> = (0..2)
        .map(|i| {
            let cwd = tempfile::tempdir().unwrap();
            let args = (
                server.url.clone(),
                cache.path().to_path_buf(),
                published.bin.path().join(format!("h{i}.sqlite3")),
            );
            std::thread::spawn(move || {
                let (api, cache, db) = args;
                let run = Test::new()
                    .args(["review", "octo/hello#7", "--quiet", "--clone-dir"])
                    .arg(&cache)
                    .cwd(cwd.path())
                    .env("GITHUB_API_URL", &api)
                    .env("DEEP_REVIEW_DB", db.display().to_string())
                    .run();
                (run.status, run.stderr, cwd)
            })
        })
        .collect();
    for run in runs {
        let (status, stderr, _cwd) = run.join().unwrap();
        assert_eq!(status, 0, "{stderr}");
    }
    let mirror = cache.path().join("github.com/octo/hello.git");
    git(&mirror, &["fsck", "--no-progress"]);
    assert_eq!(
        git(&mirror, &["rev-parse", "refs/deep-review/pull/7/head"]).trim(),
        published.head
    );
}
