//! `eslint -f json` over the changed JavaScript/TypeScript files, only in repositories
//! that configure ESLint (without a configuration it has no rules to run).
//!
//! Severity: 2 (error) → important; 1 (warning) → suggestion.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    code_gate, confine_code, finish, linter_env, relative_to, run_tool, spec, which, CodeGate,
    LintDiag, LinterRun,
};
use crate::config::ReviewerConfig;
use crate::model::Severity;

/// Configuration files ESLint reads (flat config first, then the legacy names).
const CONFIG_FILES: [&str; 10] = [
    "eslint.config.js",
    "eslint.config.mjs",
    "eslint.config.cjs",
    "eslint.config.ts",
    ".eslintrc",
    ".eslintrc.js",
    ".eslintrc.cjs",
    ".eslintrc.json",
    ".eslintrc.yml",
    ".eslintrc.yaml",
];

fn has_config(checkout: &Path) -> bool {
    CONFIG_FILES.iter().any(|n| checkout.join(n).is_file())
        || std::fs::read_to_string(checkout.join("package.json"))
            .map(|t| t.contains("\"eslintConfig\""))
            .unwrap_or(false)
}

pub(super) async fn run(
    files: &[String],
    checkout: &Path,
    config: &ReviewerConfig,
    sandbox: Option<&Path>,
    timeout: Duration,
    cancel: &CancellationToken,
) -> LinterRun {
    if !has_config(checkout) {
        return LinterRun::skipped(
            "eslint",
            "eslint: skipped (no ESLint configuration in the repository)".into(),
        );
    }
    let mut env = linter_env(&["NODE_PATH"], config);
    let Some(bin) = which("eslint", &env) else {
        return LinterRun::skipped("eslint", "eslint: not installed (not found on PATH)".into());
    };
    let gate = code_gate("eslint", "JavaScript configuration", config, sandbox);
    if let CodeGate::Refused(note) = gate {
        return LinterRun::skipped("eslint", note);
    }
    let mut args: Vec<String> = vec!["-f".into(), "json".into(), "--".into()];
    args.extend(files.iter().cloned());
    // Sandboxed: a scratch home and temp dir, the only writable places; the checkout,
    // the program's directories and NODE_PATH readable.
    let scratch = match &gate {
        CodeGate::Sandboxed(_) => match tempfile::Builder::new()
            .prefix("deep-review-eslint-")
            .tempdir()
        {
            Ok(dir) => Some(dir),
            Err(e) => return LinterRun::skipped("eslint", format!("eslint: no temp dir: {e}")),
        },
        _ => None,
    };
    if let Some(dir) = &scratch {
        env.insert("HOME".into(), dir.path().display().to_string());
        env.insert("TMPDIR".into(), dir.path().display().to_string());
    }
    let node_path: Vec<std::path::PathBuf> = env
        .get("NODE_PATH")
        .map(|p| std::env::split_paths(p).collect())
        .unwrap_or_default();
    let mut spec = spec(bin, args, checkout, env, timeout);
    if let (CodeGate::Sandboxed(launcher), Some(dir)) = (&gate, &scratch) {
        let mut read = vec![checkout.to_path_buf()];
        read.extend(node_path);
        confine_code(&mut spec, launcher, &read, &[dir.path().to_path_buf()]);
    }
    let out = run_tool(&spec, cancel).await;
    let parsed = parse(&String::from_utf8_lossy(&out.stdout), checkout);
    finish("eslint", files.to_vec(), &out, parsed)
}

/// Reads `eslint -f json` (an array of files, each with its messages).
pub(crate) fn parse(stdout: &str, checkout: &Path) -> Option<Vec<LintDiag>> {
    let v: Value = serde_json::from_str(stdout.trim()).ok()?;
    let mut diags = Vec::new();
    for file in v.as_array()? {
        let Some(path) = file["filePath"]
            .as_str()
            .and_then(|p| relative_to(p, checkout))
        else {
            continue;
        };
        let messages = file["messages"].as_array().into_iter().flatten();
        diags.extend(messages.filter_map(|m| diag(m, &path)));
    }
    Some(diags)
}

/// One message of the file at `path`; `None` without a line (file-level messages).
fn diag(m: &Value, path: &str) -> Option<LintDiag> {
    let start = m["line"].as_u64()? as u32;
    let end = m["endLine"].as_u64().unwrap_or(u64::from(start)) as u32;
    Some(LintDiag {
        tool: "eslint".into(),
        rule: m["ruleId"].as_str().map(str::to_string),
        severity: if m["severity"].as_u64() == Some(2) {
            Severity::Important
        } else {
            Severity::Suggestion
        },
        path: path.to_string(),
        line_start: start,
        line_end: end.max(start),
        message: m["message"].as_str().unwrap_or("").to_string(),
        help: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{brief, root};
    use super::*;

    #[test]
    fn eslint_json() {
        let es = r#"[{"filePath":"/repo/src/a.js","messages":[{"ruleId":"no-unused-vars","severity":2,"message":"'x' is assigned a value but never used.","line":2,"endLine":2},{"ruleId":null,"severity":1,"message":"Unused directive","line":5}]}]"#;
        assert_eq!(
            brief(&parse(es, &root()).unwrap()),
            vec![
                (
                    "eslint".into(),
                    Some("no-unused-vars".into()),
                    Severity::Important,
                    "src/a.js".into(),
                    2,
                    2
                ),
                (
                    "eslint".into(),
                    None,
                    Severity::Suggestion,
                    "src/a.js".into(),
                    5,
                    5
                ),
            ]
        );
    }
}
