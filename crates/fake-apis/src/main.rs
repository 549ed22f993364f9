//! `fake-apis [--port P] [--scenario S]`: serves the fake model APIs on 127.0.0.1 until
//! killed, printing `listening on http://127.0.0.1:PORT` once it accepts connections.

fn main() -> std::process::ExitCode {
    let mut port = 0u16;
    let mut scenario = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => match args.next().and_then(|p| p.parse().ok()) {
                Some(p) => port = p,
                None => return usage("--port needs a number"),
            },
            "--scenario" => match args.next() {
                Some(s) if fake_apis::SCENARIOS.iter().any(|(n, _)| *n == s) => scenario = Some(s),
                _ => return usage("--scenario needs one of the scenario names"),
            },
            "--list" => {
                for (name, what) in fake_apis::SCENARIOS {
                    print_line(&format!("{name:14} {what}"));
                }
                return std::process::ExitCode::SUCCESS;
            }
            _ => return usage(&format!("unknown argument `{arg}`")),
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => return usage(&format!("cannot start the runtime: {e}")),
    };
    runtime.block_on(async {
        match fake_apis::FakeApis::start_with(scenario, port).await {
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
        "fake-apis: {message}\nusage: fake-apis [--port P] [--scenario S] [--list]"
    );
    std::process::ExitCode::from(2)
}
