//! User-configured tools (`sarif_tools` in the reviewer's configuration) that print
//! SARIF 2.1.0 on standard output: semgrep, CodeQL wrappers, in-house checkers.
//!
//! Severity: SARIF `error` → important; `warning`/`note`/`none` → suggestion.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{finish, linter_env, relative_to, run_tool, spec, which, LintDiag, LinterRun};
use crate::config::ReviewerConfig;
use crate::model::Severity;

/// Runs `argv` (a program on `PATH` or a path, then its arguments) in the checkout.
/// The run is named after the program's file name.
pub(super) async fn run(
    argv: &[String],
    files: &[&str],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let Some(program) = argv.first() else {
        return LinterRun::skipped("sarif", "sarif tool: empty command".into());
    };
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| program.clone());
    let env = linter_env(&[], config);
    let resolved = if program.contains('/') {
        Some(PathBuf::from(program))
    } else {
        which(program, &env)
    };
    let Some(bin) = resolved else {
        return LinterRun::skipped(&name, format!("{name}: not installed (not found on PATH)"));
    };
    let out = run_tool(
        &spec(bin, argv[1..].to_vec(), checkout, env, timeout),
        cancel,
    )
    .await;
    let parsed = parse(&String::from_utf8_lossy(&out.stdout), &name, checkout);
    finish(
        &name,
        files.iter().map(|f| f.to_string()).collect(),
        &out,
        parsed,
    )
}

/// Reads SARIF 2.1.0: `runs[].results[]` with their first physical location. The
/// tool name is the run's driver name, else `fallback_tool`.
pub(crate) fn parse(text: &str, fallback_tool: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let mut diags = Vec::new();
    for run in v["runs"].as_array()? {
        let tool = run["tool"]["driver"]["name"]
            .as_str()
            .filter(|s| !s.is_empty())
            .unwrap_or(fallback_tool);
        let results = run["results"].as_array().into_iter().flatten();
        diags.extend(results.filter_map(|r| diag(r, tool, checkout)));
    }
    Some(diags)
}

/// One result at its first physical location; `None` without a file and line.
fn diag(result: &Value, tool: &str, checkout: &Path) -> Option<LintDiag> {
    let loc = &result["locations"].as_array()?.first()?["physicalLocation"];
    let uri = loc["artifactLocation"]["uri"].as_str()?;
    let path = relative_to(&decode_uri(uri), checkout)?;
    let start = loc["region"]["startLine"].as_u64()? as u32;
    let end = loc["region"]["endLine"]
        .as_u64()
        .unwrap_or(u64::from(start)) as u32;
    let severity = match result["level"].as_str() {
        Some("error") => Severity::Important,
        _ => Severity::Suggestion,
    };
    Some(LintDiag {
        tool: tool.to_string(),
        rule: result["ruleId"].as_str().map(str::to_string),
        severity,
        path,
        line_start: start,
        line_end: end.max(start),
        message: result["message"]["text"].as_str().unwrap_or("").to_string(),
        help: Vec::new(),
    })
}

/// `file:///abs/p%20q.rs` → `/abs/p q.rs`; `./a.rs` → `a.rs`.
fn decode_uri(uri: &str) -> String {
    crate::prose::percent_decode(uri.strip_prefix("file://").unwrap_or(uri))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn sarif_results() {
        let sarif = r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"semgrep"}},"results":[
            {"ruleId":"python.lang.security.eval","level":"error","message":{"text":"eval of input"},
             "locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///repo/app/x%20y.py"},"region":{"startLine":4,"endLine":6}}}]},
            {"ruleId":"r2","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"app/z.py"},"region":{"startLine":1}}}]},
            {"ruleId":"no-location","message":{"text":"m"}}]}]}"#;
        assert_eq!(
            brief(&parse(sarif, "tool", &root()).unwrap()),
            vec![
                (
                    "semgrep".into(),
                    Some("python.lang.security.eval".into()),
                    Severity::Important,
                    "app/x y.py".into(),
                    4,
                    6
                ),
                (
                    "semgrep".into(),
                    Some("r2".into()),
                    Severity::Suggestion,
                    "app/z.py".into(),
                    1,
                    1
                ),
            ]
        );
        assert!(parse("{}", "t", &root()).is_none());
    }
}
