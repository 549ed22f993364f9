//! The builtin reviewer's own checks on the lines a change adds: secrets, merge-conflict
//! markers, debug leftovers, files too large or binary, and source changed without
//! tests. They read the diff, and the checkout only for file sizes and first lines.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, Kind};
use crate::diff::{FileDiff, FileStatus};
use crate::lang::{extension, file_type, lang_of, Lang};
use crate::model::{ItemSource, Severity};
use crate::secrets::{self, SecretHit};

/// Above this size an added or changed file is flagged (bytes).
const LARGE_FILE_BYTES: u64 = 1024 * 1024;
/// Fewer added code lines than this never raise the testing-gap item.
const MIN_CODE_LINES_FOR_TESTS: usize = 3;
/// Above this many added lines a single file is flagged.
const LARGE_FILE_LINES: usize = 5_000;

/// `checkout/path` when `path` is a plain relative path (no `..`, not absolute).
pub(crate) fn safe_join(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = Path::new(path);
    if path.is_empty() || !rel.components().all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(root.join(rel))
}

/// Lockfiles and other generated files whose hashes are not secrets.
pub(crate) fn is_lockfile(path: &str) -> bool {
    let name = file_name(path);
    name.ends_with(".lock")
        || name.ends_with(".lockb")
        || matches!(
            name,
            "package-lock.json" | "npm-shrinkwrap.json" | "pnpm-lock.yaml" | "go.sum"
        )
        || name.ends_with(".min.js")
        || name.ends_with(".map")
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Test files by path: `tests/`, `spec/`, `_test.go`, `test_*.py`, `*.test.ts`, ….
pub(crate) fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts: Vec<&str> = lower.split('/').collect();
    let name = parts.pop().unwrap_or("");
    let dir_is_test = parts.iter().any(|p| {
        matches!(
            *p,
            "test"
                | "tests"
                | "spec"
                | "specs"
                | "__tests__"
                | "testdata"
                | "test_data"
                | "testing"
                | "fixtures"
                | "e2e"
        )
    });
    dir_is_test
        || name.ends_with("_test.go")
        || (name.starts_with("test_") && name.ends_with(".py"))
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_spec.rb")
        || name.ends_with("_test.rb")
        || name.ends_with("test.java")
        || name.ends_with("tests.java")
        || name.ends_with("test.kt")
        || name.ends_with("tests.rs")
        || name == "tests.rs"
        || name.ends_with(".snap")
}

/// Added lines that make a Rust file a test change.
fn adds_rust_tests(file: &FileDiff) -> bool {
    lang_of(&file.path) == Lang::Rust
        && file.added.iter().any(|(_, l)| {
            let t = l.trim();
            t.starts_with("#[test]")
                || t.starts_with("#[cfg(test)]")
                || t.starts_with("#[tokio::test")
                || t.starts_with("proptest!")
                || t.contains("#[test]")
        })
}

/// How many added lines are code rather than blank lines, comments, or (in Python)
/// docstring prose: a change that only rewords comments needs no new test.
fn code_lines(file: &FileDiff) -> usize {
    let python = lang_of(&file.path) == Lang::Python;
    file.added
        .iter()
        .filter(|(_, line)| {
            let t = line.trim();
            let comment = ["//", "#", "/*", "*", "--", "<!--"]
                .iter()
                .any(|c| t.starts_with(c));
            !(t.is_empty() || comment || python && is_python_prose(t))
        })
        .count()
}

/// A Python line that reads as docstring text: an reST directive, a string on its
/// own, or words without brackets, assignments or a leading keyword.
fn is_python_prose(line: &str) -> bool {
    const KEYWORDS: [&str; 27] = [
        "return", "import", "from", "def", "class", "if", "elif", "else", "for", "while", "raise",
        "yield", "pass", "with", "try", "except", "finally", "assert", "del", "break", "continue",
        "global", "nonlocal", "async", "await", "lambda", "match",
    ];
    if line.starts_with("..") || line.starts_with(['"', '\'']) {
        return true;
    }
    let first = line
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("");
    !line.starts_with('@')
        && !KEYWORDS.contains(&first)
        && !line.contains(['(', ')', '=', '[', ']', '{', '}'])
}

/// Program code by extension.
fn is_code(path: &str) -> bool {
    file_type(extension(&path.to_ascii_lowercase())).is_some_and(|t| t.program)
}

/// Source code by extension, leaving out docs, examples, build scripts and tests.
pub(crate) fn is_source(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = file_name(&lower);
    let in_excluded_dir = lower.split('/').rev().skip(1).any(|p| {
        matches!(
            p,
            "docs" | "doc" | "examples" | "example" | "benches" | "bench" | "scripts" | "tools"
        )
    });
    is_code(&lower)
        && !in_excluded_dir
        && !is_test_path(path)
        && !matches!(name, "build.rs" | "setup.py" | "noxfile.py")
        && !name.contains(".config.")
}

/// Secrets on added lines. Returns the findings and every raw value found (so the
/// caller can make sure none of them leaves the reviewer).
pub(crate) fn secret_findings(
    files: &[&FileDiff],
    checkout: &Path,
    base: &str,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut raw = Vec::new();
    for file in files {
        if file.binary || is_lockfile(&file.path) {
            continue;
        }
        let test_file = is_test_path(&file.path);
        let test_from = rust_test_module_start(checkout, &file.path);
        let in_test = |line: u32| test_file || test_from.is_some_and(|from| line >= from);
        let scanned: Vec<(u32, &str, Vec<SecretHit>)> = file
            .added
            .iter()
            .map(|(line, text)| (*line, text.as_str(), secrets::scan_line(text)))
            .collect();
        // A value the tests hand to the code under test as text (a scanner fixture)
        // is a fixture on every test line of the file, `assert!(!out.contains(…))`
        // included.
        let fixtures: BTreeSet<&str> = scanned
            .iter()
            .filter(|(line, _, _)| in_test(*line))
            .flat_map(|(_, text, hits)| {
                hits.iter()
                    .filter(|h| !h.value.is_empty() && secrets::is_embedded_fixture(text, &h.value))
                    .map(|h| h.value.as_str())
            })
            .collect();
        let mut in_tests: Vec<(u32, SecretHit)> = Vec::new();
        // The file at the base revision, read when a secret is found: a value already
        // there is not introduced by this change.
        let mut base_text: Option<String> = None;
        for (line, text, hits) in &scanned {
            let in_test = in_test(*line);
            for hit in hits {
                if !hit.value.is_empty() {
                    raw.push(hit.value.clone());
                }
                if (!hit.value.is_empty() && secrets::is_placeholder(&hit.value))
                    || (in_test && secrets::name_is_placeholder(hit))
                    || (in_test && fixtures.contains(hit.value.as_str()))
                    || (in_test && hit.rule == "private-key" && secrets::is_private_key_stub(text))
                {
                    continue;
                }
                if in_test {
                    in_tests.push((*line, hit.clone()));
                } else {
                    let before = base_text.get_or_insert_with(|| {
                        let path = file.old_path.as_deref().unwrap_or(&file.path);
                        text_at(checkout, base, path)
                    });
                    let new = hit.value.is_empty() || !before.contains(&hit.value);
                    findings.push(secret_finding(&file.path, *line, hit, new));
                }
            }
        }
        findings.extend(test_secrets_finding(&file.path, &in_tests));
    }
    (findings, raw)
}

/// Secrets in the messages of the change's commits (`base..head` in the checkout's
/// repository; nothing when the checkout is plain files). A finding names the commit,
/// not a file; returns the raw values found too, for masking.
pub(crate) fn commit_message_findings(
    checkout: &Path,
    base: &str,
    head: &str,
) -> (Vec<Finding>, Vec<String>) {
    let mut findings = Vec::new();
    let mut raw = Vec::new();
    if base.is_empty() || head.is_empty() || !checkout.join(".git").exists() {
        return (findings, raw);
    }
    let range = format!("{base}..{head}");
    let Ok(log) = crate::git::git_output(
        checkout,
        &["log", "--no-color", "--format=%h%x1f%B%x1e", &range],
    ) else {
        return (findings, raw);
    };
    let log = String::from_utf8_lossy(&log);
    for entry in log.split('\x1e') {
        let Some((commit, message)) = entry.trim_start_matches('\n').split_once('\x1f') else {
            continue;
        };
        for (index, text) in message.lines().enumerate() {
            for hit in secrets::scan_line(text) {
                if !hit.value.is_empty() {
                    raw.push(hit.value.clone());
                    if secrets::is_placeholder(&hit.value) {
                        continue;
                    }
                }
                findings.push(commit_secret_finding(commit, index + 1, &hit));
            }
        }
    }
    (findings, raw)
}

fn commit_secret_finding(commit: &str, line: usize, hit: &SecretHit) -> Finding {
    let shown = if hit.value.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", secrets::mask(&hit.value))
    };
    Finding {
        severity: Severity::Critical,
        kind: Kind::Regression,
        tool: "secrets".into(),
        rule: hit.rule.into(),
        title: format!(
            "The message of commit `{commit}` holds {}{shown}",
            article(hit.what)
        ),
        path: String::new(),
        line: None,
        line_end: None,
        body: format!(
            "Line {line} of the message of commit `{commit}` holds a value that looks like \
             {what}. A commit message is pushed with the commit and stays in the history.\n\n\
             Fix: revoke or rotate the credential, and reword the commit (`git rebase -i`, \
             `reword`) before it is pushed.",
            what = article(hit.what)
        ),
        snippet: None,
        tags: vec!["security".into(), "secret".into()],
        source: ItemSource::Commits,
    }
}

/// The line of the first `#[cfg(test)]` in a Rust file at head: inline test modules
/// come last by convention, so every line from there on is test code.
fn rust_test_module_start(checkout: &Path, path: &str) -> Option<u32> {
    if lang_of(path) != Lang::Rust {
        return None;
    }
    let text = read_head(checkout, path);
    let index = text
        .lines()
        .position(|l| l.trim_start().starts_with("#[cfg(test)]"))?;
    u32::try_from(index + 1).ok()
}

/// Whether the change adds lines inside a Rust file's `#[cfg(test)]` module.
pub(crate) fn touches_inline_tests(files: &[&FileDiff], checkout: &Path) -> bool {
    files.iter().any(|f| {
        rust_test_module_start(checkout, &f.path)
            .is_some_and(|from| f.added.iter().any(|(n, _)| *n >= from))
    })
}

/// Credential-looking values in test code: one important finding per file (fixtures
/// tend to come in bunches), each value masked.
fn test_secrets_finding(path: &str, hits: &[(u32, SecretHit)]) -> Option<Finding> {
    let (first, _) = hits.first()?;
    let listed: Vec<String> = hits
        .iter()
        .take(10)
        .map(|(line, hit)| {
            if hit.value.is_empty() {
                format!("- line {line}: {}", hit.what)
            } else {
                format!(
                    "- line {line}: {} (`{}`)",
                    hit.what,
                    secrets::mask(&hit.value)
                )
            }
        })
        .collect();
    let more = match hits.len().saturating_sub(10) {
        0 => String::new(),
        n => format!("\n- and {n} more"),
    };
    Some(Finding {
        severity: Severity::Important,
        kind: Kind::Regression,
        tool: "secrets".into(),
        rule: "credential-in-test-code".into(),
        title: format!(
            "secrets: {} in test code",
            if hits.len() == 1 {
                "a credential-like value".to_string()
            } else {
                format!("{} credential-like values", hits.len())
            }
        ),
        path: path.to_string(),
        line: Some(*first),
        line_end: Some(*first),
        body: format!(
            "Test code added values shaped like real credentials:\n\n{}{more}\n\nIf any \
             of them is real it is leaked all the same (rotate it). If they are fixtures, \
             prefer obviously fake values (`EXAMPLE`, `fake`, `dummy` in the value or the \
             name) so scanners and readers can tell.",
            listed.join("\n")
        ),
        snippet: None,
        tags: vec!["security".into(), "secret".into()],
        source: ItemSource::Finding,
    })
}

/// `an AWS access key id`, `a GitHub token`.
fn article(what: &str) -> String {
    let vowel = what
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {what}", if vowel { "an" } else { "a" })
}

/// `path` at revision `rev` in the checkout's repository; empty when it is not there
/// (a new file, or a checkout that is plain files).
fn text_at(checkout: &Path, rev: &str, path: &str) -> String {
    if rev.is_empty() || !checkout.join(".git").exists() {
        return String::new();
    }
    crate::git::GitTree::open(checkout, rev)
        .ok()
        .and_then(|tree| tree.read_file(path))
        .unwrap_or_default()
}

/// The finding for one secret on an added line; `new` says whether the value is new
/// in the change (a value the base revision already had is a gap, not a regression).
fn secret_finding(path: &str, line: u32, hit: &SecretHit, new: bool) -> Finding {
    let shown = if hit.value.is_empty() {
        String::new()
    } else {
        format!(" (`{}`)", secrets::mask(&hit.value))
    };
    let assigned = match &hit.name {
        Some(name) => format!(" assigned to `{name}`"),
        None => String::new(),
    };
    let body = if hit.rule == "private-key" {
        format!(
            "Line {line} starts a private key block. Anyone with read access to the \
             repository (and its history) gets the key.\n\n\
             Fix: remove the key from the change, rotate it, and load it from a secret \
             store or an untracked file."
        )
    } else {
        format!(
            "Line {line} adds a value that looks like {what}{shown}{assigned}. Once pushed \
             it stays in the history even if a later commit removes it.\n\n\
             Fix: revoke or rotate the credential, remove it from the change, and read it \
             from the environment or a secret store.",
            what = article(hit.what),
        )
    };
    let body = if new {
        body
    } else {
        format!(
            "{body}\n\nThe value is already in the base revision: the change moves or keeps \
             it rather than introducing it, so it is not a blocker of this change, but the \
             credential is leaked all the same."
        )
    };
    let title = match (&hit.name, hit.rule) {
        (_, "private-key") => "A private key block is committed".to_string(),
        (Some(name), "high-entropy-assignment") => {
            format!("`{name}` is assigned a literal secret{shown}")
        }
        (Some(name), _) => format!("`{name}` is assigned {}{shown}", article(hit.what)),
        (None, _) => format!(
            "{}{shown} is committed",
            crate::prose::capitalised(&article(hit.what))
        ),
    };
    Finding {
        severity: if new {
            Severity::Critical
        } else {
            Severity::Important
        },
        kind: if new { Kind::Regression } else { Kind::Gap },
        tool: "secrets".into(),
        rule: hit.rule.into(),
        title,
        path: path.to_string(),
        line: Some(line),
        line_end: Some(line),
        body,
        // The line holds the secret: it is described, never quoted.
        snippet: None,
        tags: vec!["security".into(), "secret".into()],
        source: ItemSource::Finding,
    }
}

/// One finding per file that adds merge-conflict markers.
pub(crate) fn conflict_findings(files: &[&FileDiff]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files {
        if file.binary {
            continue;
        }
        let is_open = |l: &str| l == "<<<<<<<" || l.starts_with("<<<<<<< ");
        let is_close = |l: &str| l == ">>>>>>>" || l.starts_with(">>>>>>> ");
        let has_outer = file
            .added
            .iter()
            .any(|(_, l)| is_open(l.trim_end()) || is_close(l.trim_end()));
        if !has_outer {
            continue;
        }
        let markers: Vec<&(u32, String)> = file
            .added
            .iter()
            .filter(|(_, l)| {
                let l = l.trim_end();
                is_open(l) || is_close(l) || l == "=======" || l.starts_with("||||||| ")
            })
            .collect();
        let Some(first) = markers.first() else {
            continue;
        };
        let lines: Vec<String> = markers.iter().map(|(n, _)| n.to_string()).collect();
        let snippet = markers
            .iter()
            .take(6)
            .map(|(_, l)| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        findings.push(Finding {
            severity: Severity::Critical,
            kind: Kind::Regression,
            tool: "conflict-markers".into(),
            rule: "merge-conflict".into(),
            title: "Merge-conflict markers left in the file".into(),
            path: file.path.clone(),
            line: Some(first.0),
            line_end: Some(first.0),
            body: format!(
                "The change adds merge-conflict markers (lines {}): the conflict was \
                 committed unresolved, so the file does not build or parse as intended.\n\n\
                 Fix: resolve the conflict and remove the markers.",
                lines.join(", ")
            ),
            snippet: Some(snippet),
            tags: vec!["conflict".into()],
            source: ItemSource::Finding,
        });
    }
    findings
}

static RUST_DBG: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^A-Za-z0-9_:])dbg!\s*\(").ok());
static JS_CONSOLE_LOG: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^A-Za-z0-9_.$])console\.log\s*\(").ok());
static JS_DEBUGGER: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\s*debugger\s*;?\s*$").ok());
static PY_PRINT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^A-Za-z0-9_.])print\s*\(").ok());
static GO_PRINTLN: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"(^|[^A-Za-z0-9_.])fmt\.Println\s*\(").ok());

/// Whether `re` matches `text` in code: a match after an odd number of quotes sits
/// inside a string literal (`check("dbg!(x)")`) and does not count.
fn matches(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    let Some(re) = re.as_ref() else { return false };
    re.captures_iter(text).any(|cap| {
        // Group 1 is the character before the keyword (or the line start).
        let at = cap.get(1).or_else(|| cap.get(0)).map_or(0, |g| g.end());
        let before = text.get(..at).unwrap_or("");
        let quotes = |q: char| {
            let mut n = 0;
            let mut escaped = false;
            for c in before.chars() {
                if c == q && !escaped {
                    n += 1;
                }
                escaped = c == '\\' && !escaped;
            }
            n
        };
        quotes('"') % 2 == 0 && quotes('`') % 2 == 0
    })
}

/// The code part of a line: before a `//` or `#` comment (rough: ignores strings).
fn code_part<'a>(line: &'a str, comment: &str) -> &'a str {
    match line.find(comment) {
        Some(i) => &line[..i],
        None => line,
    }
}

/// Scripts and tools, where printing is the point.
fn is_script_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.split('/').rev().skip(1).any(|p| {
        matches!(
            p,
            "scripts" | "script" | "bin" | "tools" | "examples" | "example" | "docs" | "benchmarks"
        )
    })
}

/// Whether an added line shows the problem.
type LineCheck = Box<dyn Fn(&str) -> bool>;

/// One debug-output rule for a file: its name, what it says, the line test, and
/// whether output that the file's other lines already use counts as the file's
/// convention (`print` in a tool that prints) rather than a leftover.
struct DebugRule {
    rule: &'static str,
    what: &'static str,
    applies: LineCheck,
    unless_established: bool,
}

/// Debug output left on added lines (`dbg!`, `console.log`, library `print`, …).
pub(crate) fn debug_findings(files: &[&FileDiff], checkout: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files {
        if file.binary || file.added.is_empty() {
            continue;
        }
        let path = file.path.as_str();
        let test = is_test_path(path);
        let script = is_script_path(path);
        let head = || read_head(checkout, path);
        let mut rules: Vec<DebugRule> = Vec::new();
        match lang_of(path) {
            Lang::Rust => rules.push(DebugRule {
                rule: "dbg-macro",
                what: "`dbg!` left in",
                applies: Box::new(|l: &str| matches(&RUST_DBG, code_part(l, "//"))),
                unless_established: false,
            }),
            Lang::JavaScript | Lang::TypeScript | Lang::Vue | Lang::Svelte => {
                if !test && !script && !file_name(path).contains(".config.") {
                    rules.push(DebugRule {
                        rule: "console-log",
                        what: "`console.log` left in",
                        applies: Box::new(|l: &str| matches(&JS_CONSOLE_LOG, code_part(l, "//"))),
                        unless_established: true,
                    });
                }
                rules.push(DebugRule {
                    rule: "debugger",
                    what: "`debugger` statement left in",
                    applies: Box::new(|l: &str| matches(&JS_DEBUGGER, l)),
                    unless_established: false,
                });
            }
            Lang::Python => {
                let name = file_name(path);
                let text = head();
                let is_program = text.starts_with("#!")
                    || text.contains("__name__ == \"__main__\"")
                    || text.contains("__name__ == '__main__'");
                let is_entry = matches!(
                    name,
                    "__main__.py" | "setup.py" | "manage.py" | "noxfile.py" | "tasks.py"
                );
                if !test && !script && !is_program && !is_entry {
                    rules.push(DebugRule {
                        rule: "print",
                        what: "`print` in library code",
                        applies: Box::new(|l: &str| matches(&PY_PRINT, code_part(l, "#"))),
                        unless_established: true,
                    });
                }
            }
            Lang::Go => {
                let text = head();
                let is_main = text.lines().any(|l| l.trim() == "package main");
                if !test && !is_main && !script {
                    rules.push(DebugRule {
                        rule: "fmt-println",
                        what: "`fmt.Println` in a library package",
                        applies: Box::new(|l: &str| matches(&GO_PRINTLN, code_part(l, "//"))),
                        unless_established: true,
                    });
                }
            }
            _ => {}
        }
        if rules.iter().any(|r| r.unless_established) {
            let added: BTreeSet<u32> = file.added.iter().map(|(n, _)| *n).collect();
            let text = head();
            let established = |r: &DebugRule| {
                text.lines().enumerate().any(|(i, l)| {
                    let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
                    !added.contains(&n) && (r.applies)(l)
                })
            };
            rules.retain(|r| !(r.unless_established && established(r)));
        }
        for (line, text) in &file.added {
            for DebugRule {
                rule,
                what,
                applies,
                ..
            } in &rules
            {
                if applies(text) {
                    findings.push(Finding {
                        severity: Severity::Suggestion,
                        kind: Kind::Enhancement,
                        tool: "debug-leftovers".into(),
                        rule: (*rule).into(),
                        title: format!("Debug output: {what}"),
                        path: path.to_string(),
                        line: Some(*line),
                        line_end: Some(*line),
                        body: "Debug output added on this line; it will run in production \
                               and clutter the output.\n\nFix: remove it, or use the \
                               project's logging."
                            .into(),
                        snippet: Some(text.trim_end().to_string()),
                        tags: vec!["debug".into()],
                        source: ItemSource::Finding,
                    });
                }
            }
        }
    }
    findings
}

/// The file at head (its first MiB), or nothing.
fn read_head(checkout: &Path, path: &str) -> String {
    use std::io::Read;
    let Some(full) = safe_join(checkout, path) else {
        return String::new();
    };
    let mut buf = Vec::new();
    if let Ok(f) = std::fs::File::open(full) {
        let _ = f.take(1024 * 1024).read_to_end(&mut buf);
    }
    String::from_utf8_lossy(&buf).into_owned()
}

/// Whether the repository at head has any tests: a test file by path, or a Rust
/// source with a `#[cfg(test)]` module. Bounded walk; skips `.git`, `target`,
/// `node_modules` and `vendor`.
pub(crate) fn repo_has_tests(checkout: &Path) -> bool {
    const MAX_ENTRIES: usize = 50_000;
    const MAX_RUST_READS: usize = 2_000;
    let mut stack = vec![PathBuf::new()];
    let mut seen = 0usize;
    let mut rust_reads = 0usize;
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(checkout.join(&rel)) else {
            continue;
        };
        for entry in entries.flatten() {
            seen += 1;
            if seen > MAX_ENTRIES {
                return false;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = rel.join(&name);
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                if !matches!(name.as_str(), ".git" | "target" | "node_modules" | "vendor") {
                    stack.push(child);
                }
                continue;
            }
            let rel_str = child.to_string_lossy();
            if is_test_path(&rel_str) && is_code(&rel_str) {
                return true;
            }
            if lang_of(&name) == Lang::Rust && rust_reads < MAX_RUST_READS {
                rust_reads += 1;
                let text = read_head(checkout, &rel_str);
                if text.contains("#[cfg(test)]") || text.contains("#[test]") {
                    return true;
                }
            }
        }
    }
    false
}

/// One suggestion when source files gain code and no test file is touched, in a
/// repository that has tests (where it has none, asking for one on every change is
/// noise).
pub(crate) fn testing_gap(
    files: &[&FileDiff],
    repo_has_tests: bool,
    inline_tests_touched: bool,
) -> Option<Finding> {
    if !repo_has_tests || inline_tests_touched {
        return None;
    }
    let touched_tests = files
        .iter()
        .any(|f| is_test_path(&f.path) || adds_rust_tests(f));
    if touched_tests {
        return None;
    }
    let changed: Vec<(&str, usize)> = files
        .iter()
        .filter(|f| !f.binary && is_source(&f.path))
        .map(|f| (f.path.as_str(), code_lines(f)))
        .filter(|(_, n)| *n > 0)
        .collect();
    // One- or two-line edits are mostly mechanical (a renamed call, a bumped
    // constant); asking for tests there was the main source of noise on real history.
    if changed.iter().map(|(_, n)| n).sum::<usize>() < MIN_CODE_LINES_FOR_TESTS {
        return None;
    }
    let sources: BTreeSet<&str> = changed.iter().map(|(p, _)| *p).collect();
    let first = *sources.iter().next()?;
    let listed: Vec<&str> = sources.iter().take(5).copied().collect();
    let more = match sources.len().saturating_sub(5) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Some(Finding {
        severity: Severity::Suggestion,
        kind: Kind::Gap,
        tool: "testing-gap".into(),
        rule: "no-test-change".into(),
        title: format!("Source changed without tests: {}{more}", listed.join(", ")),
        path: first.to_string(),
        line: None,
        line_end: None,
        body: format!(
            "The change adds lines to {} source file{} and touches no test file (no file \
             under a test directory or named like a test, no added `#[test]`).\n\nFix: add \
             or update tests that exercise the changed behaviour, or say in the description \
             why none are needed.",
            sources.len(),
            if sources.len() == 1 { "" } else { "s" }
        ),
        snippet: None,
        tags: vec!["testing".into()],
        source: ItemSource::Testing,
    })
}

/// Binary files added, and files too large to review.
pub(crate) fn size_findings(files: &[&FileDiff], checkout: &Path) -> Vec<Finding> {
    let mut findings = Vec::new();
    for file in files {
        let size = safe_join(checkout, &file.path)
            .and_then(|p| std::fs::symlink_metadata(p).ok())
            .filter(|m| m.is_file())
            .map(|m| m.len());
        let large = size.is_some_and(|s| s > LARGE_FILE_BYTES);
        let many_lines = file.added.len() > LARGE_FILE_LINES && !is_lockfile(&file.path);
        let new_binary = file.binary && file.status == FileStatus::Added;
        if !(large || many_lines || new_binary) {
            continue;
        }
        let size_text = size
            .map(human_size)
            .unwrap_or_else(|| "unknown size".into());
        let (severity, rule, title, body) = if large {
            (
                Severity::Important,
                "large-file",
                format!(
                    "Large {}file ({size_text})",
                    if file.binary { "binary " } else { "" }
                ),
                format!(
                    "The change leaves a {size_text} file in the repository. Every clone \
                     carries it forever, and it cannot be reviewed line by line.\n\nFix: \
                     keep it out of the repository (Git LFS, a release asset, or generate \
                     it at build time), or confirm it must be versioned."
                ),
            )
        } else if new_binary {
            (
                Severity::Suggestion,
                "binary-file",
                format!("Binary file added ({size_text})"),
                format!(
                    "The change adds a binary file ({size_text}) that cannot be reviewed \
                     as text.\n\nFix: confirm it belongs in the repository and say where \
                     it comes from; prefer generating it, or Git LFS for large assets."
                ),
            )
        } else {
            (
                Severity::Suggestion,
                "many-lines",
                format!("Very large file change ({} added lines)", file.added.len()),
                format!(
                    "The change adds {} lines to one file ({size_text}); that is more than \
                     a reviewer can read, and often generated output.\n\nFix: if it is \
                     generated, generate it at build time or mark it as generated; \
                     otherwise split the change.",
                    file.added.len()
                ),
            )
        };
        findings.push(Finding {
            severity,
            kind: Kind::Enhancement,
            tool: "file-size".into(),
            rule: rule.into(),
            title,
            path: file.path.clone(),
            line: None,
            line_end: None,
            body,
            snippet: None,
            tags: vec!["size".into()],
            source: ItemSource::Finding,
        });
    }
    findings
}

/// `2.0 MB`, `340 KB`, `12 bytes`.
fn human_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    match bytes {
        b if b >= KB * KB => format!("{:.1} MB", b as f64 / (KB * KB) as f64),
        b if b >= KB => format!("{} KB", b / KB),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, lines: &[&str]) -> FileDiff {
        FileDiff {
            path: path.into(),
            added: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, l.to_string()))
                .collect(),
            ..FileDiff::default()
        }
    }

    #[test]
    fn test_and_source_paths() {
        for p in [
            "tests/cli.rs",
            "pkg/x_test.go",
            "test_api.py",
            "src/a.test.ts",
            "spec/models/user_spec.rb",
            "crates/core/src/snapshots/x.snap",
        ] {
            assert!(is_test_path(p), "{p}");
        }
        for p in ["src/lib.rs", "pkg/attest.go", "contest.py", "src/latest.ts"] {
            assert!(!is_test_path(p), "{p}");
        }
        for p in ["src/lib.rs", "app/main.go", "lib/x.py"] {
            assert!(is_source(p), "{p}");
        }
        for p in [
            "README.md",
            "Cargo.toml",
            "build.rs",
            "docs/conf.py",
            "scripts/release.py",
            "tests/a.rs",
            "vite.config.ts",
        ] {
            assert!(!is_source(p), "{p}");
        }
    }

    #[test]
    fn testing_gap_needs_sources_and_no_tests() {
        let a = file("src/a.rs", &["fn a() {", "    one();", "}"]);
        let b = file("src/b.rs", &["fn b() {}"]);
        let readme = file("README.md", &["words"]);
        let gap = testing_gap(&[&a, &b, &readme], true, false).map(|f| f.title);
        assert_eq!(
            gap.as_deref(),
            Some("Source changed without tests: src/a.rs, src/b.rs")
        );
        let t = file("src/c.rs", &["#[cfg(test)]", "mod tests {}"]);
        assert!(testing_gap(&[&a, &t], true, false).is_none());
        let t = file("tests/it.rs", &["fn x() {}"]);
        assert!(testing_gap(&[&a, &t], true, false).is_none());
        assert!(testing_gap(&[&readme], true, false).is_none());
        let comments = file("src/a.rs", &["// reworded", "", "/// docs"]);
        assert_eq!(code_lines(&comments), 0);
        let docstring = file(
            "pkg/a.py",
            &[
                "    .. versionadded:: 8.5.0",
                "    ``0`` is no longer ignored.",
            ],
        );
        assert_eq!(code_lines(&docstring), 0);
        let code = file(
            "pkg/a.py",
            &[
                "    out: list[str] = []",
                "    out.append(1)",
                "    return out",
            ],
        );
        assert_eq!(code_lines(&code), 3);
        assert!(testing_gap(&[&code], true, false).is_some());
        let one_liner = file("lib/request.js", &["    val = val.trimEnd()"]);
        assert!(testing_gap(&[&one_liner], true, false).is_none());
        // A repository without any test gets no testing-gap item.
        assert!(testing_gap(&[&code], false, false).is_none());
        // Nor one whose change edits an inline `#[cfg(test)]` module.
        assert!(testing_gap(&[&code], true, true).is_none());
    }

    #[test]
    fn inline_rust_test_modules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src")).unwrap();
        std::fs::write(
            dir.path().join("src/a.rs"),
            "fn a() {}\n\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\n",
        )
        .unwrap();
        let edit_code = FileDiff {
            path: "src/a.rs".into(),
            added: vec![(1, "fn a() {}".into())],
            ..FileDiff::default()
        };
        let edit_test = FileDiff {
            path: "src/a.rs".into(),
            added: vec![(5, "    fn t() {}".into())],
            ..FileDiff::default()
        };
        assert!(!touches_inline_tests(&[&edit_code], dir.path()));
        assert!(touches_inline_tests(&[&edit_test], dir.path()));
        assert!(repo_has_tests(dir.path()));
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(empty.path().join("main.py"), "print(1)\n").unwrap();
        assert!(!repo_has_tests(empty.path()));
    }

    #[test]
    fn conflict_markers_need_an_outer_marker() {
        let f = file(
            "a.txt",
            &["x", "<<<<<<< HEAD", "a", "=======", "b", ">>>>>>> topic"],
        );
        let got = conflict_findings(&[&f]);
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].line, Some(2));
        assert!(got[0].body.contains("2, 4, 6"), "{}", got[0].body);
        let heading = file("README.md", &["Title", "======="]);
        assert!(conflict_findings(&[&heading]).is_empty());
    }

    #[test]
    fn debug_leftovers_by_language() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("lib.go"), "package store\n").unwrap();
        std::fs::write(dir.path().join("main.go"), "package main\n").unwrap();
        std::fs::write(dir.path().join("tool.py"), "print('a')\nprint('b')\n").unwrap();
        let check = |path: &str, line: &str, expected: &[&str]| {
            let f = file(path, &[line]);
            let got: Vec<String> = debug_findings(&[&f], dir.path())
                .into_iter()
                .map(|f| f.rule)
                .collect();
            assert_eq!(got, expected, "{path}: {line}");
        };
        check("src/a.rs", "    dbg!(x);", &["dbg-macro"]);
        check("src/a.rs", "    // dbg!(x);", &[]);
        check("src/a.rs", "    my_dbg!(x);", &[]);
        check("src/a.rs", "    check(\"src/a.rs\", \"dbg!(x)\");", &[]);
        check(
            "src/a.ts",
            "  const help = \"call console.log(x) to debug\";",
            &[],
        );
        check("src/a.ts", "  console.log(x);", &["console-log"]);
        check("src/a.test.ts", "  console.log(x);", &[]);
        check("scripts/build.js", "console.log('done')", &[]);
        check("src/a.js", "  debugger;", &["debugger"]);
        check("pkg/lib/x.py", "    print(x)", &["print"]);
        check("pkg/lib/x.py", "    pprint(x)", &[]);
        check("pkg/lib/x.py", "    self.print(x)", &[]);
        check("scripts/run.py", "print(x)", &[]);
        check("tests/test_x.py", "print(x)", &[]);
        check("lib.go", "\tfmt.Println(x)", &["fmt-println"]);
        // The file already prints on lines the change does not add: its convention.
        check("tool.py", "print('a')", &[]);
        check("main.go", "\tfmt.Println(x)", &[]);
    }
}
