//! `shellcheck -f json` over the changed shell scripts (which files are scripts is
//! decided in the parent module).
//!
//! Severity: `error` → important; `warning`/`info`/`style` → suggestion.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{finish, linter_env, relative_to, run_tool, spec, which, LintDiag, LinterRun};
use crate::config::ReviewerConfig;
use crate::model::Severity;

pub(super) async fn run(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    let env = linter_env(&[], config);
    let Some(bin) = which("shellcheck", &env) else {
        return LinterRun::skipped(
            "shellcheck",
            "shellcheck: not installed (not found on PATH)".into(),
        );
    };
    let mut args: Vec<String> = vec!["-f".into(), "json".into(), "--".into()];
    args.extend(files.iter().cloned());
    let out = run_tool(&spec(bin, args, checkout, env, timeout), cancel).await;
    let parsed = parse(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("shellcheck", files.to_vec(), &out, parsed)
}

/// Reads `shellcheck -f json` (one array of comments).
pub(crate) fn parse(stdout: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let items = v.as_array()?;
    Some(
        items
            .iter()
            .filter_map(|item| diag(item, checkout))
            .collect(),
    )
}

/// One comment; `None` outside the repository or without a line.
fn diag(item: &Value, checkout: &Path) -> Option<LintDiag> {
    let path = relative_to(item["file"].as_str()?, checkout)?;
    let start = item["line"].as_u64()? as u32;
    let end = item["endLine"].as_u64().unwrap_or(u64::from(start)) as u32;
    let severity = match item["level"].as_str() {
        Some("error") => Severity::Important,
        _ => Severity::Suggestion,
    };
    Some(LintDiag {
        tool: "shellcheck".into(),
        rule: item["code"].as_u64().map(|c| format!("SC{c}")),
        severity,
        path,
        line_start: start,
        line_end: end.max(start),
        message: item["message"].as_str().unwrap_or("").to_string(),
        help: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn shellcheck_json() {
        let out = r#"[{"file":"bin/run.sh","line":3,"endLine":3,"column":6,"level":"warning","code":2086,"message":"Double quote to prevent globbing and word splitting."},{"file":"bin/run.sh","line":9,"level":"error","code":1073,"message":"Couldn't parse"}]"#;
        let got = parse(out, &root()).unwrap();
        assert_eq!(
            brief(&got),
            vec![
                (
                    "shellcheck".into(),
                    Some("SC2086".into()),
                    Severity::Suggestion,
                    "bin/run.sh".into(),
                    3,
                    3
                ),
                (
                    "shellcheck".into(),
                    Some("SC1073".into()),
                    Severity::Important,
                    "bin/run.sh".into(),
                    9,
                    9
                ),
            ]
        );
    }
}
