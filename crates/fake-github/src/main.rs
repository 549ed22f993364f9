//! `fake-github [--port P] [--files N --threads N --per-thread N --comments N]`: serves a
//! sample pull request (`octo/hello#7`) on 127.0.0.1 until killed, printing
//! `listening on http://127.0.0.1:PORT`.
//!
//! `fake-github --dump DIR`: writes every body the fake serves — `rest/*.json` with
//! `manifest.json` naming each one's OpenAPI operation (or component) and status, the
//! GraphQL query texts it answers (`graphql/*.graphql`) with their variables and answers
//! — for `scripts/github-check`, which holds them to GitHub's published descriptions.

use std::path::Path;

use fake_github::{graphql, shapes, FakePr, Options, QUERIES};
use serde_json::{json, Value};

fn main() -> std::process::ExitCode {
    let mut port = 0u16;
    let mut dump = None;
    let mut sizes = [40usize, 12, 3, 35];
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => {
                    port = p;
                    continue;
                }
                None => return usage("--port needs a number"),
            },
            "--dump" => match args.next() {
                Some(d) => {
                    dump = Some(d);
                    continue;
                }
                None => return usage("--dump needs a directory"),
            },
            "--files" => 0,
            "--threads" => 1,
            "--per-thread" => 2,
            "--comments" => 3,
            _ => return usage(&format!("unknown argument `{arg}`")),
        };
        match args.next().and_then(|n| n.parse().ok()) {
            Some(n) => sizes[slot] = n,
            None => return usage(&format!("{arg} needs a number")),
        }
    }
    let pr = FakePr::sample(sizes[0], sizes[1], sizes[2], sizes[3]);
    if let Some(dir) = dump {
        return match write_dump(Path::new(&dir), &pr) {
            Ok(n) => {
                print_line(&format!("wrote {n} files to {dir}"));
                std::process::ExitCode::SUCCESS
            }
            Err(e) => usage(&format!("cannot write {dir}: {e}")),
        };
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async {
        match fake_github::FakeGitHub::start(pr, Options::default(), port).await {
            Ok(server) => {
                print_line(&format!("listening on {}", server.url()));
                server.wait().await;
                std::process::ExitCode::SUCCESS
            }
            Err(e) => usage(&format!("cannot listen on port {port}: {e}")),
        }
    })
}

/// Writes the dump; the number of files written.
fn write_dump(dir: &Path, pr: &FakePr) -> std::io::Result<usize> {
    let api = "http://127.0.0.1:8080";
    let rest = dir.join("rest");
    let gql = dir.join("graphql");
    std::fs::create_dir_all(&rest)?;
    std::fs::create_dir_all(&gql)?;
    let all = |n: usize, f: fn(&str, &FakePr, usize) -> Value| -> Value {
        Value::Array((0..n).map(|i| f(api, pr, i)).collect())
    };
    let pulls = "/repos/{owner}/{repo}/pulls/{pull_number}";
    let operation =
        |path: String, status: &str| json!({ "method": "get", "path": path, "status": status });
    let component = |name: &str| json!({ "schema": format!("#/components/schemas/{name}") });
    let bodies: Vec<(&str, Value, Value)> = vec![
        (
            "pulls-get",
            shapes::pull_request(api, pr),
            operation(pulls.to_string(), "200"),
        ),
        (
            "pulls-list-commits",
            all(pr.commits.len(), shapes::commit),
            operation(format!("{pulls}/commits"), "200"),
        ),
        (
            "pulls-list-files",
            all(pr.files.len(), shapes::diff_entry),
            operation(format!("{pulls}/files"), "200"),
        ),
        (
            "pulls-list-reviews",
            all(pr.reviews.len(), shapes::review),
            operation(format!("{pulls}/reviews"), "200"),
        ),
        (
            "issues-list-comments",
            all(pr.comments.len(), shapes::issue_comment),
            operation(
                "/repos/{owner}/{repo}/issues/{issue_number}/comments".to_string(),
                "200",
            ),
        ),
        (
            "pulls-get-404",
            shapes::not_found(),
            operation(pulls.to_string(), "404"),
        ),
        (
            "secondary-limit-403",
            shapes::secondary_limit(),
            component("basic-error"),
        ),
        (
            "rate-limit-exceeded-403",
            shapes::rate_limit_exceeded(),
            component("basic-error"),
        ),
        (
            "bad-credentials-401",
            shapes::bad_credentials(),
            component("basic-error"),
        ),
    ];
    let mut manifest = Vec::new();
    let mut written = 0;
    for (name, body, against) in bodies {
        let file = format!("{name}.json");
        write_json(&rest.join(&file), &body)?;
        let mut entry = against;
        entry["file"] = json!(format!("rest/{file}"));
        manifest.push(entry);
        written += 1;
    }
    write_json(&dir.join("manifest.json"), &Value::Array(manifest))?;
    // Each query with the variables deep-review sends and the fake's answer to them.
    let samples = [
        (
            "review_threads",
            json!({ "owner": pr.owner, "repo": pr.repo, "number": pr.number, "after": null }),
        ),
        (
            "thread_comments",
            json!({ "id": graphql::thread_id(0), "after": "cursor:1" }),
        ),
    ];
    for (name, text) in QUERIES {
        std::fs::write(gql.join(format!("{name}.graphql")), text)?;
        let variables = samples
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or(json!({}));
        let answer = graphql::answer(pr, 2, text, &variables);
        write_json(
            &gql.join(format!("{name}.json")),
            &json!({ "variables": variables, "answer": answer }),
        )?;
        written += 2;
    }
    Ok(written + 1)
}

fn write_json(path: &Path, value: &Value) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}

fn print_line(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

fn usage(message: &str) -> std::process::ExitCode {
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr(),
        "fake-github: {message}\nusage: fake-github [--port P] [--files N] [--threads N] [--per-thread N] [--comments N] | --dump DIR"
    );
    std::process::ExitCode::from(2)
}
