//! `go vet ./...` in a Go module whose changed files include Go code.
//!
//! Severity: every report → important (go vet reports likely bugs).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{finish, readable, relative_to, run_tool, spec, which, LintDiag, LinterRun};
use crate::model::Severity;

/// `env` is the Go environment the parent module prepared for both Go linters.
pub(super) async fn run(
    files: &[String],
    checkout: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let Some(go) = which("go", env) else {
        return LinterRun::skipped("go vet", "go vet: go not found on PATH".into());
    };
    let args = vec!["vet".into(), "./...".into()];
    let out = run_tool(&spec(go, args, checkout, env.clone(), timeout), cancel).await;
    // go vet reports on standard error; exit 1 with reports is normal.
    let parsed = parse(&out.stderr_tail, checkout);
    finish("go vet", files.to_vec(), &out, readable(&out, parsed))
}

/// Reads `go vet` text: `path/file.go:12:5: message` (other lines ignored).
pub(crate) fn parse(text: &str, checkout: &Path) -> Vec<LintDiag> {
    text.lines()
        .filter_map(|line| diag(line, checkout))
        .collect()
}

fn diag(line: &str, checkout: &Path) -> Option<LintDiag> {
    let line = line.trim().strip_prefix("vet: ").unwrap_or(line.trim());
    let (file, rest) = line.split_once(".go:")?;
    let mut parts = rest.splitn(3, ':');
    let row: u32 = parts.next()?.trim().parse().ok()?;
    let third = parts.next()?;
    let message = match third.trim().parse::<u32>() {
        Ok(_) => parts.next()?.trim(),
        Err(_) => third.trim(),
    };
    let path = relative_to(&format!("{file}.go"), checkout)?;
    Some(LintDiag {
        tool: "go vet".into(),
        rule: None,
        severity: Severity::Important,
        path,
        line_start: row,
        line_end: row,
        message: message.to_string(),
        help: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn go_vet_text() {
        let vet = "# example.com/m/pkg\npkg/lib.go:12:2: fmt.Printf format %d has arg s of wrong type string\nvet: ./pkg/x.go:3:1: unreachable code\n";
        assert_eq!(
            brief(&parse(vet, &root())),
            vec![
                (
                    "go vet".into(),
                    None,
                    Severity::Important,
                    "pkg/lib.go".into(),
                    12,
                    12
                ),
                (
                    "go vet".into(),
                    None,
                    Severity::Important,
                    "pkg/x.go".into(),
                    3,
                    3
                ),
            ]
        );
    }
}
