//! The tools on real temporary git repositories: confinement (`..`, absolute paths,
//! symbolic links out of the checkout and into `.git`), caps, the step limit, counting,
//! arguments as a model might garble them, and git with hostile path names.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use super::*;

/// A temporary git repository with one commit per [`Repo::commit`].
pub(crate) struct Repo {
    dir: tempfile::TempDir,
}

pub(crate) fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args(["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false"])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

impl Repo {
    pub(crate) fn new() -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        git(dir.path(), &["init", "-q", "-b", "main"]);
        Repo { dir }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let full = self.path().join(path);
        std::fs::create_dir_all(full.parent().expect("parent")).expect("mkdir");
        std::fs::write(full, content).expect("write");
    }

    pub(crate) fn commit(&self, message: &str) -> String {
        git(self.path(), &["add", "-A"]);
        git(
            self.path(),
            &["commit", "-q", "--allow-empty", "-m", message],
        );
        String::from_utf8_lossy(&git(self.path(), &["rev-parse", "HEAD"]))
            .trim()
            .to_string()
    }
}

fn toolbox(repo: &Repo) -> Toolbox {
    Toolbox::new(repo.path(), ToolLimits::default())
}

#[track_caller]
fn ok(result: ToolResult) -> String {
    assert!(!result.is_error, "expected success, got: {}", result.text);
    result.text
}

#[track_caller]
fn err(result: ToolResult) -> String {
    assert!(result.is_error, "expected an error, got: {}", result.text);
    result.text
}

/// A repository with a few files, and a secret file outside it that links point at.
fn sample() -> (Repo, tempfile::TempDir) {
    let repo = Repo::new();
    repo.write(
        "src/lib.rs",
        "pub fn parse(s: &str) -> u32 {\n    s.len() as u32\n}\n\npub fn render() {}\n",
    );
    repo.write("src/util/mod.rs", "// helpers\npub fn Parse_loose() {}\n");
    repo.write("README.md", "# Sample\nparse things\n");
    repo.write("img.bin", [0u8, 1, 2, 3, 0, 255]);
    repo.write("empty.txt", "");
    repo.commit("first");
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("secret.txt"), "TOP-SECRET-OUTSIDE\n").expect("write");
    (repo, outside)
}

#[test]
fn read_file_numbers_lines_and_honours_ranges() {
    let (repo, _outside) = sample();
    let mut tools = toolbox(&repo);
    let text = ok(tools.call("read_file", &json!({"path": "src/lib.rs"})));
    assert!(text.starts_with("src/lib.rs: lines 1-5 of 5\n"), "{text}");
    assert!(
        text.contains("     1\tpub fn parse(s: &str) -> u32 {\n"),
        "{text}"
    );
    assert!(text.contains("     5\tpub fn render() {}\n"), "{text}");

    let text = ok(tools.call(
        "read_file",
        &json!({"path": "./src//lib.rs", "start_line": 2, "end_line": 3}),
    ));
    assert_eq!(
        text,
        "src/lib.rs: lines 2-3\n     2\t    s.len() as u32\n     3\t}\n"
    );
    // An end past the file is clamped; a start past it is an error naming the length.
    let text = ok(tools.call(
        "read_file",
        &json!({"path": "src/lib.rs", "start_line": 5, "end_line": 900}),
    ));
    assert!(text.starts_with("src/lib.rs: lines 5-5 of 5\n"), "{text}");
    let text = err(tools.call("read_file", &json!({"path": "src/lib.rs", "start_line": 6})));
    assert!(
        text.contains("past the end") && text.contains("5 lines"),
        "{text}"
    );

    assert!(
        ok(tools.call("read_file", &json!({"path": "img.bin"}))).contains("binary file (6 bytes)")
    );
    assert!(ok(tools.call("read_file", &json!({"path": "empty.txt"}))).contains("is empty"));
    assert!(err(tools.call("read_file", &json!({"path": "src"}))).contains("use list_dir"));
    assert!(err(tools.call("read_file", &json!({"path": "nope.rs"}))).contains("does not exist"));
    assert!(err(tools.call("read_file", &json!({"path": ""}))).contains("needs a file path"));
}

/// Every way out of the checkout, for every tool that takes a path. The secret's
/// content must never appear in any result.
#[test]
fn paths_cannot_leave_the_checkout_or_enter_git() {
    let (repo, outside) = sample();
    let secret = outside.path().join("secret.txt");
    std::os::unix::fs::symlink(&secret, repo.path().join("link-file")).expect("symlink");
    std::os::unix::fs::symlink(outside.path(), repo.path().join("link-dir")).expect("symlink");
    std::os::unix::fs::symlink(repo.path().join(".git"), repo.path().join("git-link"))
        .expect("symlink");
    // A tracked symlink to the outside file, so grep's file list names it.
    std::os::unix::fs::symlink(&secret, repo.path().join("src/tracked-link")).expect("symlink");
    repo.commit("links");
    let mut tools = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 100,
            ..ToolLimits::default()
        },
    );

    let secret_path = secret.display().to_string();
    let cases: Vec<(&str, &str, &str)> = vec![
        ("../secret.txt", "contains `..`", "read"),
        ("src/../../secret.txt", "contains `..`", "read"),
        ("/etc/passwd", "absolute path", "read"),
        (secret_path.as_str(), "absolute path", "read"),
        ("src/\0lib.rs", "NUL", "read"),
        ("link-file", "outside the repository", "read"),
        ("link-dir/secret.txt", "outside the repository", "read"),
        ("src/tracked-link", "outside the repository", "read"),
        (".git/config", "inside .git", "read"),
        ("src/../.git/HEAD", "contains `..`", "read"),
        (".GIT/config", "inside .git", "read"),
        ("git-link/config", "leads into .git", "read"),
        ("link-dir", "outside the repository", "dir"),
        ("git-link", "leads into .git", "dir"),
        ("..", "contains `..`", "dir"),
    ];
    for (path, why, kind) in cases {
        let mut results = vec![
            tools.call("grep", &json!({"pattern": "SECRET", "path": path})),
            tools.call("git_blame", &json!({"path": path})),
        ];
        if kind == "read" {
            results.push(tools.call("read_file", &json!({"path": path})));
        } else {
            results.push(tools.call("list_dir", &json!({"path": path})));
        }
        for result in results {
            let text = err(result);
            assert!(text.contains(why), "{path:?}: {text}");
            assert!(!text.contains("TOP-SECRET"), "{path:?}: {text}");
        }
    }
    // A search of everything skips the tracked link and says so.
    let text = ok(tools.call("grep", &json!({"pattern": "TOP-SECRET"})));
    assert!(text.starts_with("no matches"), "{text}");
    assert!(text.contains("4 symbolic links"), "{text}");
    // The listing shows links as links and does not list .git.
    let text = ok(tools.call("list_dir", &json!({})));
    assert!(text.contains("link-dir@ (symbolic link)"), "{text}");
    assert!(!text.lines().any(|l| l.starts_with(".git")), "{text}");
    assert!(text.contains(".git is not listed"), "{text}");
    // A link that stays inside the checkout is followed.
    std::os::unix::fs::symlink("lib.rs", repo.path().join("src/alias.rs")).expect("symlink");
    let text = ok(tools.call("read_file", &json!({"path": "src/alias.rs"})));
    assert!(text.contains("pub fn parse"), "{text}");
}

#[test]
fn list_dir_shows_one_level() {
    let (repo, _outside) = sample();
    let mut tools = toolbox(&repo);
    let text = ok(tools.call("list_dir", &json!({"path": null})));
    assert_eq!(
        text,
        "./: 4 entries\n\
         README.md (22 bytes)\n\
         empty.txt (0 bytes)\n\
         img.bin (6 bytes)\n\
         src/\n\
         (.git is not listed: it holds git's internal files, which the tools do not read; \
         use git_log and git_blame for history)\n"
    );
    let text = ok(tools.call("list_dir", &json!({"path": "src"})));
    assert_eq!(text, "src/: 2 entries\nlib.rs (72 bytes)\nutil/\n");
    assert!(err(tools.call("list_dir", &json!({"path": "README.md"}))).contains("not a directory"));
}

#[test]
fn grep_searches_tracked_files_with_a_regex() {
    let (repo, _outside) = sample();
    repo.write("untracked.rs", "pub fn parse_untracked() {}\n");
    let mut tools = toolbox(&repo);
    let text = ok(tools.call("grep", &json!({"pattern": r"pub fn \w+\("})));
    assert_eq!(
        text,
        "3 matching lines in 2 files:\n\
         src/lib.rs:1: pub fn parse(s: &str) -> u32 {\n\
         src/lib.rs:5: pub fn render() {}\n\
         src/util/mod.rs:2: pub fn Parse_loose() {}\n\
         (not searched: 1 binary file)\n"
    );
    let text = ok(tools.call(
        "grep",
        &json!({"pattern": "^pub fn parse", "ignore_case": true, "path": "src/util"}),
    ));
    assert_eq!(
        text,
        "1 matching line in 1 file in `src/util`:\nsrc/util/mod.rs:2: pub fn Parse_loose() {}\n"
    );
    // An invalid regex is searched literally, with a note.
    let text = ok(tools.call("grep", &json!({"pattern": "parse(s", "path": "src/lib.rs"})));
    assert!(
        text.starts_with("note: `parse(s` is not a valid regular expression"),
        "{text}"
    );
    assert!(
        text.contains("src/lib.rs:1: pub fn parse(s: &str)"),
        "{text}"
    );
    let text = ok(tools.call("grep", &json!({"pattern": "zzz_nowhere"})));
    assert!(text.starts_with("no matches for `zzz_nowhere` ("), "{text}");
    // A pattern whose compiled program is too large is refused, not run.
    let text = err(tools.call("grep", &json!({"pattern": "\\w{1000}\\w{1000}\\w{1000}"})));
    assert!(text.contains("too large"), "{text}");
}

#[test]
fn grep_caps_matches_and_output() {
    let repo = Repo::new();
    let many: String = (0..500).map(|i| format!("needle {i}\n")).collect();
    repo.write("many.txt", &many);
    repo.write("long.txt", format!("needle {}\n", "x".repeat(5000)));
    repo.commit("many");
    let mut tools = toolbox(&repo);
    let text = ok(tools.call("grep", &json!({"pattern": "needle"})));
    assert!(
        text.contains("[match cap reached: the first 100 matching lines"),
        "{text}"
    );
    assert_eq!(text.lines().filter(|l| l.contains(": needle")).count(), 100);
    // Long lines are clipped.
    assert!(text.lines().all(|l| l.len() < 400), "{text}");

    let mut small = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 5,
            max_output_bytes: 1000,
        },
    );
    let result = small.call("grep", &json!({"pattern": "needle", "path": "many.txt"}));
    let text = ok(result);
    assert!(text.len() <= 1000, "{} bytes", text.len());
    assert!(text.contains("[output cap reached after"), "{text}");
}

#[test]
fn output_is_capped_with_a_note() {
    let repo = Repo::new();
    let body: String = (1..=2000).map(|i| format!("line number {i}\n")).collect();
    repo.write("big.txt", &body);
    repo.write("one-line.min.js", "x".repeat(100_000));
    for i in 0..300 {
        repo.write(&format!("d/f{i:03}.txt"), "x");
    }
    repo.commit("big");
    let limits = ToolLimits {
        max_steps: 10,
        max_output_bytes: 2048,
    };
    let mut tools = Toolbox::new(repo.path(), limits);
    let text = ok(tools.call("read_file", &json!({"path": "big.txt"})));
    assert!(text.len() <= 2048, "{} bytes", text.len());
    let next = text
        .split("start_line=")
        .nth(1)
        .map(|s| {
            s.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .expect("says where to read on");
    let next: u64 = next.parse().expect("a number");
    assert!(
        text.contains(&format!("{:>6}\tline number {}\n", next - 1, next - 1)),
        "{text}"
    );
    // Reading on from there continues where the cap cut.
    let text = ok(tools.call("read_file", &json!({"path": "big.txt", "start_line": next})));
    assert!(
        text.starts_with(&format!("big.txt: lines {next}-")),
        "{text}"
    );

    let text = ok(tools.call("read_file", &json!({"path": "one-line.min.js"})));
    assert!(text.len() <= 2048, "{} bytes", text.len());
    assert!(text.contains("longer than the output cap"), "{text}");

    let text = ok(tools.call("list_dir", &json!({"path": "d"})));
    assert!(text.len() <= 2048, "{} bytes", text.len());
    assert!(text.contains("more entries not shown"), "{text}");

    let text = ok(tools.call("git_log", &json!({"stat": true, "max_count": 1})));
    assert!(text.len() <= 2048, "{} bytes", text.len());
    assert!(text.contains("[truncated: "), "{text}");

    let capped = cap_output("a\n".repeat(5000), 1000);
    assert!(capped.len() <= 1000, "{}", capped.len());
    assert!(
        capped.ends_with("[truncated: 9096 more bytes not shown; ask for less at a time]"),
        "{capped}"
    );
    assert_eq!(cap_output("short".into(), 1000), "short");
}

#[test]
fn the_step_limit_stops_every_tool_and_calls_are_counted_by_name() {
    let (repo, _outside) = sample();
    let mut tools = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 5,
            max_output_bytes: 4096,
        },
    );
    assert_eq!(tools.steps_left(), 5);
    ok(tools.call("list_dir", &json!({})));
    ok(tools.call("read_file", &json!({"path": "README.md"})));
    err(tools.call("read_file", &json!({"path": "../x"})));
    err(tools.call("run_shell", &json!({"cmd": "rm -rf /"})));
    let last = ok(tools.call("grep", &json!({"pattern": "parse"})));
    assert!(
        last.ends_with("[that was your last tool call: write your review now]"),
        "{last}"
    );
    assert_eq!(tools.steps_left(), 0);
    for name in [
        "read_file",
        "grep",
        "list_dir",
        "git_log",
        "git_blame",
        "nope",
    ] {
        let text = err(tools.call(name, &json!({"path": "README.md"})));
        assert!(
            text.contains("step limit reached") && text.contains("write your review now"),
            "{text}"
        );
    }
    let counts: Vec<(&str, u64)> = tools
        .calls()
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        counts,
        vec![
            ("grep", 1),
            ("list_dir", 1),
            ("read_file", 2),
            ("unknown", 1)
        ]
    );
    // A toolbox without steps refuses at once.
    let mut none = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 0,
            max_output_bytes: 4096,
        },
    );
    assert!(err(none.call("list_dir", &json!({}))).contains("step limit reached"));
    assert!(none.calls().is_empty());
}

#[test]
fn arguments_as_a_model_garbles_them_get_helpful_errors() {
    let (repo, _outside) = sample();
    let mut tools = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 100,
            ..ToolLimits::default()
        },
    );
    let check = |tools: &mut Toolbox, name: &str, args: Value, expected: &str| {
        let text = err(tools.call(name, &args));
        assert!(text.contains(expected), "{name} {args}: {text}");
    };
    check(
        &mut tools,
        "read_file",
        json!({}),
        "read_file needs `path`, like {\"path\"",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": 5}),
        "`path` of read_file must be a string, got the number 5",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": ["a"]}),
        "must be a string, got a list",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "lines": "1-5"}),
        "read_file has no argument `lines`; it takes path, start_line, end_line",
    );
    check(
        &mut tools,
        "read_file",
        json!(["README.md"]),
        "must be a JSON object",
    );
    check(
        &mut tools,
        "read_file",
        json!("not json"),
        "must be a JSON object",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": 0}),
        "counts from 1",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": -4}),
        "cannot be negative",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": 1.5}),
        "must be a whole number",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": 1e300}),
        "far too large",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": u64::MAX}),
        "past the end",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": "ten"}),
        "must be a whole number like 10, got \"ten\"",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "README.md", "start_line": 5, "end_line": 2}),
        "end_line (2) is before start_line (5)",
    );
    check(
        &mut tools,
        "read_file",
        json!({"path": "x".repeat(5000)}),
        "too long",
    );
    check(
        &mut tools,
        "grep",
        json!({"pattern": ""}),
        "pattern is empty",
    );
    check(
        &mut tools,
        "grep",
        json!({"pattern": "x", "ignore_case": "yes"}),
        "must be true or false",
    );
    check(
        &mut tools,
        "git_log",
        json!({"max_count": 1000}),
        "between 1 and 50, got 1000",
    );
    check(
        &mut tools,
        "git_log",
        json!({"max_count": 0}),
        "between 1 and 50",
    );
    check(
        &mut tools,
        "git_blame",
        json!({"path": "src/lib.rs", "start_line": 99}),
        "past the end",
    );
    check(
        &mut tools,
        "git_blame",
        json!({"path": "src"}),
        "not a file",
    );

    // What a lenient reading accepts: OpenAI's JSON-string arguments, quoted numbers,
    // whole floats, null for absent.
    let text = ok(tools.call(
        "read_file",
        &json!("{\"path\": \"src/lib.rs\", \"end_line\": \"2\"}"),
    ));
    assert!(text.starts_with("src/lib.rs: lines 1-2\n"), "{text}");
    let text = ok(tools.call(
        "read_file",
        &json!({"path": "src/lib.rs", "start_line": 2.0, "end_line": null}),
    ));
    assert!(text.starts_with("src/lib.rs: lines 2-5 of 5\n"), "{text}");
}

#[test]
fn git_tools_show_history_and_treat_dashed_paths_as_names() {
    let repo = Repo::new();
    repo.write("-n", "dash file\nsecond\n");
    repo.write("--output=evil.txt", "looks like an option\n");
    repo.write("src/a.rs", "fn a() {}\n");
    repo.commit("add dashed names");
    repo.write("src/a.rs", "fn a() {}\nfn b() {}\n");
    repo.commit("add b");
    let mut tools = Toolbox::new(
        repo.path(),
        ToolLimits {
            max_steps: 100,
            ..ToolLimits::default()
        },
    );

    let text = ok(tools.call("git_log", &json!({})));
    let subjects: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .collect();
    assert_eq!(subjects, vec!["add b", "add dashed names"], "{text}");
    assert!(
        text.lines().next().is_some_and(|l| l.contains(" Test")),
        "{text}"
    );

    let text = ok(tools.call("git_log", &json!({"path": "-n"})));
    assert_eq!(
        text.lines()
            .filter_map(|l| l.strip_prefix("    "))
            .collect::<Vec<_>>(),
        vec!["add dashed names"]
    );
    let text = ok(tools.call(
        "git_log",
        &json!({"path": "--output=evil.txt", "max_count": 1}),
    ));
    assert!(text.contains("add dashed names"), "{text}");
    assert!(
        !repo.path().join("evil.txt").exists(),
        "the path was taken for an option"
    );
    let text = ok(tools.call("git_log", &json!({"path": "src/a.rs", "stat": true})));
    assert!(text.contains("src/a.rs | 1 +"), "{text}");
    let text = ok(tools.call("git_log", &json!({"revision": "HEAD~1..HEAD"})));
    assert!(
        text.contains("add b") && !text.contains("add dashed"),
        "{text}"
    );
    let text = ok(tools.call("git_log", &json!({"path": "gone.rs"})));
    assert_eq!(text, "no commits touching `gone.rs`");
    // Pathspec magic is only a name.
    let text = ok(tools.call("git_log", &json!({"path": ":(glob)**"})));
    assert_eq!(text, "no commits touching `:(glob)**`");

    for rev in ["-p", "--output=evil.txt", "--all"] {
        let text = err(tools.call("git_log", &json!({"revision": rev})));
        assert!(text.contains("starts with `-`"), "{text}");
    }
    let text = err(tools.call("git_log", &json!({"revision": "HEAD --all"})));
    assert!(text.contains("one word"), "{text}");
    let text = err(tools.call("git_log", &json!({"revision": "no-such-branch"})));
    assert!(text.contains("failed"), "{text}");
    assert!(!repo.path().join("evil.txt").exists());

    let text = ok(tools.call("git_blame", &json!({"path": "-n", "start_line": 2})));
    assert!(text.starts_with("-n: lines 2-2 of 2\n"), "{text}");
    assert!(text.contains("second"), "{text}");
    let text = ok(tools.call("git_blame", &json!({"path": "src/a.rs", "end_line": 50})));
    assert!(text.starts_with("src/a.rs: lines 1-2 of 2\n"), "{text}");
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("fn b() {}"), "{text}");
    let text = ok(tools.call("git_blame", &json!({"path": "--output=evil.txt"})));
    assert!(text.contains("looks like an option"), "{text}");
    assert!(!repo.path().join("evil.txt").exists());
}

#[test]
fn a_checkout_without_git_still_reads_and_searches() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::write(dir.path().join("src/a.rs"), "fn needle() {}\n").expect("write");
    let outside = tempfile::tempdir().expect("temp dir");
    std::fs::write(outside.path().join("s.rs"), "fn needle_outside() {}\n").expect("write");
    std::os::unix::fs::symlink(outside.path(), dir.path().join("out")).expect("symlink");
    std::os::unix::fs::symlink(outside.path().join("s.rs"), dir.path().join("s.rs"))
        .expect("symlink");
    let mut tools = Toolbox::new(dir.path(), ToolLimits::default());
    let text = ok(tools.call("grep", &json!({"pattern": "needle"})));
    assert_eq!(
        text,
        "1 matching line in 1 file:\nsrc/a.rs:1: fn needle() {}\n"
    );
    for name in ["git_log", "git_blame"] {
        let text = err(tools.call(name, &json!({"path": "src/a.rs"})));
        assert!(text.contains("not a git repository"), "{text}");
    }
    // A checkout that is gone: every call says so.
    let gone = PathBuf::from("/nonexistent/deep-review-checkout");
    let mut tools = Toolbox::new(&gone, ToolLimits::default());
    let text = err(tools.call("list_dir", &json!({})));
    assert!(text.contains("cannot be opened"), "{text}");
}

/// Anthropic, OpenAI and Gemini all accept a plain JSON Schema object; the schemas use
/// nothing beyond `type`, `properties`, `required` and `description`, every property
/// is an argument the tool takes, and names fit every provider's name rule.
#[test]
fn specs_are_plain_json_schema_matching_the_tools() {
    let specs = Toolbox::specs();
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    assert_eq!(names, TOOLS.to_vec());
    let name_rule = regex::Regex::new("^[a-zA-Z_][a-zA-Z0-9_]{0,63}$").expect("regex");
    let (repo, _outside) = sample();
    for spec in &specs {
        assert!(name_rule.is_match(spec.name), "{}", spec.name);
        assert!(!spec.description.is_empty());
        jsonschema::meta::validate(&spec.parameters)
            .unwrap_or_else(|e| panic!("{}: not a valid JSON Schema: {e}", spec.name));
        let schema = spec.parameters.as_object().expect("object");
        let keys: Vec<&str> = schema.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            vec!["properties", "required", "type"],
            "{}",
            spec.name
        );
        assert_eq!(schema["type"], "object");
        let properties = schema["properties"].as_object().expect("properties");
        for (name, property) in properties {
            let p = property.as_object().expect("property object");
            assert!(
                p.keys().all(|k| k == "type" || k == "description"),
                "{}.{name}: {p:?}",
                spec.name
            );
            assert!(
                matches!(p["type"].as_str(), Some("string" | "integer" | "boolean")),
                "{}.{name}",
                spec.name
            );
            // The tool takes the argument (its error, if any, is about something else).
            let mut tools = toolbox(&repo);
            let text = tools.call(spec.name, &json!({name: Value::Null})).text;
            assert!(
                !text.contains("has no argument"),
                "{}.{name}: {text}",
                spec.name
            );
        }
        for required in schema["required"].as_array().expect("required") {
            let required = required.as_str().expect("name");
            assert!(
                properties.contains_key(required),
                "{}.{required}",
                spec.name
            );
            let mut tools = toolbox(&repo);
            let text = err(tools.call(spec.name, &json!({})));
            assert!(text.contains(&format!("needs `{required}`")), "{text}");
        }
    }
}

#[test]
fn clean_relative_paths() {
    let check = |input: &str, expected: Result<&str, &str>| {
        let got = clean_relative(input);
        match expected {
            Ok(want) => assert_eq!(got.as_deref(), Ok(want), "{input:?}"),
            Err(why) => {
                let got = got.expect_err(input);
                assert!(got.contains(why), "{input:?}: {got}");
            }
        }
    };
    check("", Ok(""));
    check(".", Ok(""));
    check("./src//a.rs/", Ok("src/a.rs"));
    check("-rf", Ok("-rf"));
    check("a/./b", Ok("a/b"));
    check("a/../b", Err("`..`"));
    check("..", Err("`..`"));
    check("/", Err("absolute"));
    check("//etc", Err("absolute"));
    check("a\0b", Err("NUL"));
    check("sub/.git/config", Err(".git"));
    check(".gitignore", Ok(".gitignore"));
}

/// Whatever a model sends, a call answers (no panic) and stays within the cap.
#[test]
fn calls_never_panic() {
    use proptest::prelude::*;
    let (repo, _outside) = sample();
    std::os::unix::fs::symlink("/etc", repo.path().join("etc-link")).expect("symlink");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    let strategy = (
        proptest::sample::select(vec![
            "read_file",
            "grep",
            "list_dir",
            "git_log",
            "git_blame",
            "x",
        ]),
        "(\\.\\./|/|\\.git/|src/|etc-link/|[a-z.\\-\\\\:*\\[\\]()]{0,6}){0,4}",
        proptest::option::of(any::<i64>()),
        proptest::option::of(0u64..20),
        "\\PC{0,12}",
    );
    runner
        .run(&strategy, |(tool, path, start, end, pattern)| {
            let mut tools = Toolbox::new(
                repo.path(),
                ToolLimits {
                    max_steps: 3,
                    max_output_bytes: 512,
                },
            );
            let args = json!({"path": path, "start_line": start, "end_line": end});
            let result = tools.call(tool, &args);
            prop_assert!(result.text.len() <= 512, "{}", result.text.len());
            prop_assert!(!result.text.contains("root:"), "{}", result.text);
            let grep = tools.call("grep", &json!({"pattern": pattern, "path": path}));
            prop_assert!(grep.text.len() <= 512);
            Ok(())
        })
        .expect("no call panics or overflows its cap");
}

/// A file past the blame cap is refused with the reason, not read whole.
#[test]
fn git_blame_refuses_a_file_too_large_to_read() {
    let repo = Repo::new();
    let line = "x".repeat(1023) + "\n";
    repo.write("big.txt", line.repeat(17 * 1024));
    repo.commit("big");
    let mut tools = toolbox(&repo);
    let text = err(tools.call("git_blame", &json!({"path": "big.txt"})));
    assert!(text.contains("larger than 16 MiB"), "{text}");
}
