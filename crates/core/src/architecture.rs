//! Checks of the rules ARCHITECTURE.md states as absences ("parse does no IO", "only
//! the work-directory module knows file names", …): each reads the source of the
//! modules concerned, leaving out their tests, and fails naming the file and line
//! that breaks the rule.

use std::path::{Path, PathBuf};

/// A source file's non-test lines, numbered from 1: everything before the first
/// `#[cfg(test)]`, and no file that is itself a test module.
fn production_lines(path: &Path) -> Vec<(usize, String)> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if matches!(name, "tests.rs" | "fixtures.rs") {
        return Vec::new();
    }
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .enumerate()
        .map(|(i, l)| (i + 1, l.to_string()))
        .filter(|(_, l)| {
            let t = l.trim_start();
            !(t.starts_with("//") || t.starts_with("///") || t.starts_with("//!"))
        })
        .collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file of `module` (a file `module.rs`, a folder `module/`, or both).
fn files_of(module: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let file = src().join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut dirs = vec![src().join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The lines of `modules` (outside tests) that contain any of `forbidden`.
fn violations(modules: &[&str], forbidden: &[&str], except: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for module in modules {
        for file in files_of(module) {
            let rel = file
                .strip_prefix(src())
                .unwrap_or(&file)
                .display()
                .to_string();
            if except.contains(&rel.as_str()) {
                continue;
            }
            for (n, line) in production_lines(&file) {
                if let Some(word) = forbidden.iter().find(|w| line.contains(*w)) {
                    found.push(format!("src/{rel}:{n}: `{word}` in {}", line.trim()));
                }
            }
        }
    }
    found
}

#[test]
fn the_modules_that_must_exist_are_found() {
    // Guards the checks below against passing because they read nothing.
    for module in [
        "parse",
        "consolidate",
        "narrative",
        "render",
        "config",
        "workdir",
        "github",
    ] {
        assert!(!files_of(module).is_empty(), "no source for `{module}`");
    }
}

#[test]
fn parse_consolidate_narrative_and_render_do_no_io() {
    let found = violations(
        &["parse", "consolidate", "narrative", "render"],
        &[
            "std::fs",
            "std::process",
            "tokio",
            "crate::reviewers",
            "crate::pipeline",
            "crate::workdir",
            "crate::target",
        ],
        &[],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn config_knows_no_backends_programs_or_credentials() {
    let found = violations(
        &["config"],
        &[
            "_API_KEY",
            "_TOKEN",
            "credentials.json",
            "auth.json",
            "crate::reviewers",
            "crate::process",
        ],
        &[],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn only_the_work_directory_layout_spells_file_names() {
    let modules = [
        "parse",
        "consolidate",
        "narrative",
        "render",
        "config",
        "pipeline",
        "reviewers",
        "workdir",
        "prompt",
        "verify",
        "github",
    ];
    let found = violations(
        &modules,
        &[
            "\"review-",
            "-pass-{",
            "\"run-",
            "\"transcript-",
            "\"output-",
            "\"target.json\"",
            "\"review.json\"",
            "\"diff.patch\"",
            "\"prompt.md\"",
            "\"context.md\"",
            "\"REVIEW.md\"",
            "\"report.json\"",
            "\"post-payload.json\"",
            "\"pull-request.json\"",
        ],
        &["workdir/layout.rs"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// `github/` reads no environment (the caller passes a getter), prints nothing, and only
/// the client touches the token's value or the `Authorization` header.
#[test]
fn github_reads_no_environment_and_only_the_client_holds_the_token() {
    let found = violations(
        &["github"],
        &[
            "std::env::var",
            "env::var(",
            "println!",
            "eprintln!",
            "print!(",
        ],
        &[],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
    let found = violations(
        &["github"],
        &["Token(", "AUTHORIZATION"],
        &["github/client.rs"],
    );
    assert!(found.is_empty(), "{}", found.join("\n"));
}
