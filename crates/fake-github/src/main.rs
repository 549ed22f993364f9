//! `fake-github [--port P] [--files N --threads N --per-thread N --comments N]`: serves a
//! sample pull request (`octo/hello#7`) on 127.0.0.1 until killed, printing
//! `listening on http://127.0.0.1:PORT`.
//!
//! `fake-github --dump DIR`: writes every body the fake serves — `rest/*.json` with
//! `manifest.json` naming each one's OpenAPI operation (or component) and status, the
//! GraphQL query texts it answers (`graphql/*.graphql`) with their variables and answers
//! — for `scripts/github-check`, which holds them to GitHub's published descriptions.

use std::path::Path;

use fake_github::{FakePr, Options};

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
        return match fake_github::dump::write(Path::new(&dir), "http://127.0.0.1:8080", &pr) {
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
