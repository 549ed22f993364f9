//! `staticcheck -f json ./...` next to go vet, when it is installed (it is optional:
//! a missing staticcheck is not a note).
//!
//! Severity: `SA*` checks (bugs) and `error` → important; other checks → suggestion.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{finish, readable, relative_to, run_tool, spec, which, LintDiag, LinterRun};
use crate::model::Severity;

/// `None` when staticcheck is not installed. `env` is the Go environment the parent
/// module prepared for both Go linters.
pub(super) async fn run(
    files: &[String],
    checkout: &Path,
    env: &BTreeMap<String, String>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> Option<LinterRun> {
    let sc = which("staticcheck", env)?;
    let args = vec!["-f".into(), "json".into(), "./...".into()];
    let out = run_tool(&spec(sc, args, checkout, env.clone(), timeout), cancel).await;
    let parsed = parse(&String::from_utf8_lossy(&out.stdout), checkout);
    Some(finish(
        "staticcheck",
        files.to_vec(),
        &out,
        readable(&out, parsed),
    ))
}

/// Reads `staticcheck -f json` (one object per line).
pub(crate) fn parse(stdout: &str, checkout: &Path) -> Vec<LintDiag> {
    stdout
        .lines()
        .filter_map(|line| diag(line, checkout))
        .collect()
}

fn diag(line: &str, checkout: &Path) -> Option<LintDiag> {
    let v: Value = serde_json::from_str(line).ok()?;
    let code = v["code"].as_str()?.to_string();
    let path = relative_to(v["location"]["file"].as_str()?, checkout)?;
    let start = v["location"]["line"].as_u64()? as u32;
    let end = v["end"]["line"].as_u64().unwrap_or(u64::from(start)) as u32;
    let severity = if code.starts_with("SA") || v["severity"].as_str() == Some("error") {
        Severity::Important
    } else {
        Severity::Suggestion
    };
    Some(LintDiag {
        tool: "staticcheck".into(),
        rule: Some(code),
        severity,
        path,
        line_start: start,
        line_end: end.max(start),
        message: v["message"].as_str().unwrap_or("").to_string(),
        help: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn staticcheck_json_lines() {
        let sc = r#"{"code":"SA4006","severity":"error","location":{"file":"/repo/pkg/lib.go","line":7,"column":2},"end":{"file":"/repo/pkg/lib.go","line":7,"column":9},"message":"value never used"}
{"code":"ST1005","severity":"warning","location":{"file":"/repo/pkg/lib.go","line":9,"column":2},"message":"error strings should not be capitalized"}"#;
        assert_eq!(
            brief(&parse(sc, &root())),
            vec![
                (
                    "staticcheck".into(),
                    Some("SA4006".into()),
                    Severity::Important,
                    "pkg/lib.go".into(),
                    7,
                    7
                ),
                (
                    "staticcheck".into(),
                    Some("ST1005".into()),
                    Severity::Suggestion,
                    "pkg/lib.go".into(),
                    9,
                    9
                ),
            ]
        );
    }
}
