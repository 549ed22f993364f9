//! `ruff check --output-format=json` over the changed Python files.
//!
//! Severity: undefined names (`F821`-`F823`) and syntax errors (`E9*`, or no code) →
//! important; the rest → suggestion.

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
    let Some(ruff) = which("ruff", &env) else {
        return LinterRun::skipped("ruff", "ruff: not installed (not found on PATH)".into());
    };
    let mut args: Vec<String> = ["check", "--output-format=json", "--no-cache", "--exit-zero"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    if !has_config(checkout) {
        // No project configuration: ruff's classic default (syntax errors and pyflakes,
        // real bugs), not whatever a newer ruff or a parent directory would enable.
        args.extend(["--isolated".to_string(), "--select=E4,E7,E9,F".to_string()]);
    }
    args.push("--".into());
    args.extend(files.iter().cloned());
    let out = run_tool(&spec(ruff, args, checkout, env, timeout), cancel).await;
    let parsed = parse(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("ruff", files.to_vec(), &out, parsed)
}

/// Whether the repository configures ruff itself (`ruff.toml`, `.ruff.toml`, or a
/// `[tool.ruff]` table in `pyproject.toml`).
fn has_config(checkout: &Path) -> bool {
    checkout.join("ruff.toml").is_file()
        || checkout.join(".ruff.toml").is_file()
        || std::fs::read_to_string(checkout.join("pyproject.toml"))
            .map(|t| t.contains("[tool.ruff"))
            .unwrap_or(false)
}

/// Reads `ruff check --output-format=json` (one array of violations).
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

/// One violation; `None` outside the repository or without a line.
fn diag(item: &Value, checkout: &Path) -> Option<LintDiag> {
    let path = relative_to(item["filename"].as_str()?, checkout)?;
    let start = item["location"]["row"].as_u64().unwrap_or(0) as u32;
    if start == 0 {
        return None;
    }
    let end = item["end_location"]["row"]
        .as_u64()
        .unwrap_or(u64::from(start)) as u32;
    let code = item["code"].as_str().map(str::to_string);
    let severity = match code.as_deref() {
        Some("F821" | "F822" | "F823") | None => Severity::Important,
        Some(c) if c.starts_with("E9") => Severity::Important,
        Some(_) => Severity::Suggestion,
    };
    Some(LintDiag {
        tool: "ruff".into(),
        rule: code,
        severity,
        path,
        line_start: start,
        line_end: end.max(start),
        message: item["message"].as_str().unwrap_or("").to_string(),
        help: item["fix"]["message"]
            .as_str()
            .map(|m| vec![m.to_string()])
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn ruff_json() {
        let out = r#"[{"code":"F401","message":"`os` imported but unused","filename":"/repo/pkg/a.py","location":{"row":1,"column":8},"end_location":{"row":1,"column":10},"fix":{"message":"Remove unused import: `os`"}},
        {"code":"F821","message":"Undefined name `x`","filename":"/repo/pkg/a.py","location":{"row":4,"column":1},"end_location":{"row":4,"column":2}},
        {"code":null,"message":"SyntaxError: bad","filename":"/elsewhere/b.py","location":{"row":2,"column":1}}]"#;
        let got = parse(out, &root()).unwrap();
        assert_eq!(
            brief(&got),
            vec![
                (
                    "ruff".into(),
                    Some("F401".into()),
                    Severity::Suggestion,
                    "pkg/a.py".into(),
                    1,
                    1
                ),
                (
                    "ruff".into(),
                    Some("F821".into()),
                    Severity::Important,
                    "pkg/a.py".into(),
                    4,
                    4
                ),
            ]
        );
        assert_eq!(got[0].help, vec!["Remove unused import: `os`".to_string()]);
        assert!(parse("garbage", &root()).is_none());
    }

    #[test]
    fn ruff_config_detection() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_config(dir.path()));
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n",
        )
        .unwrap();
        assert!(!has_config(dir.path()));
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.ruff.lint]\nselect = [\"E\"]\n",
        )
        .unwrap();
        assert!(has_config(dir.path()));
    }
}
