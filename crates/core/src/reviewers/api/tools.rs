//! Investigation tools for API reviewers whose model can call functions: `read_file`,
//! `grep`, `list_dir`, `git_log` and `git_blame` over the read-only checkout, so a model
//! reached through an API can look around the way a CLI agent does.
//!
//! A [`Toolbox`] is one review's set of tools. Its arguments come from a model, so they
//! are untrusted: every path is repository-relative and confined to the checkout (no
//! `..`, no absolute path, no NUL, no symbolic link that leads outside, nothing inside
//! `.git`); wrong types, missing or unknown fields and absurd numbers are answered with
//! an error result saying what to send instead. A call never panics and never fails the
//! run: whatever goes wrong is a [`ToolResult`] with `is_error` set. Every result is
//! capped at [`ToolLimits::max_output_bytes`] (with a note saying how much was left
//! out), and after [`ToolLimits::max_steps`] calls every call answers that the model
//! must write its review now.
//!
//! Git runs through [`crate::git`] with paths after `--` and `--literal-pathspecs` (so
//! `:(glob)` magic and a path starting with `-` are only names) and revisions that may
//! not start with `-`.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use regex::bytes::{Regex, RegexBuilder};
use serde_json::{json, Map, Value};

use crate::git::git_output;
use crate::workdir::read::read_capped;

/// One tool as a model's function declaration: Anthropic `tools[]`, OpenAI function
/// tools and Gemini `functionDeclarations` all take a name, a description and a JSON
/// Schema object (`type`, `properties`, `required`, `description`, `items` only).
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub parameters: Value,
}

/// What a tool call gives back to the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolResult {
    pub text: String,
    /// The call could not do what was asked; `text` says why and what to do instead.
    pub is_error: bool,
}

impl ToolResult {
    fn ok(text: String) -> ToolResult {
        ToolResult {
            text,
            is_error: false,
        }
    }

    fn error(text: String) -> ToolResult {
        ToolResult {
            text,
            is_error: true,
        }
    }
}

/// How much one review may use the tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolLimits {
    /// Tool calls per review; later calls are refused with "write your review now".
    pub max_steps: u32,
    /// The most one result may hold, its truncation note included.
    pub max_output_bytes: usize,
}

impl Default for ToolLimits {
    /// 24 calls of at most 32 KiB each: enough to read the callers and tests of a
    /// change, little enough that tool output cannot crowd out the review.
    fn default() -> ToolLimits {
        ToolLimits {
            max_steps: 24,
            max_output_bytes: 32 * 1024,
        }
    }
}

/// The names of the tools, in the order [`Toolbox::specs`] lists them.
const TOOLS: [&str; 5] = ["read_file", "grep", "list_dir", "git_log", "git_blame"];
/// The key calls to a name that is not a tool are counted under.
const UNKNOWN_TOOL: &str = "unknown";

/// Bytes read to decide whether a file is binary (a NUL among them).
const SNIFF_BYTES: usize = 8 * 1024;
/// Matching lines `grep` shows at most.
const GREP_MAX_MATCHES: usize = 100;
/// Files larger than this are not searched (said in the result).
const GREP_MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// A search stops after this long (said in the result).
const GREP_TIME_LIMIT: Duration = Duration::from_secs(10);
/// Bytes of one matching line `grep` shows.
const GREP_LINE_BYTES: usize = 300;
/// Compiled-size limit of a `grep` pattern (the `regex` crate's `size_limit`).
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest pattern, path or revision argument accepted.
const MAX_ARG_BYTES: usize = 4096;
/// Files a checkout without git is walked for, at most.
const WALK_MAX_FILES: usize = 200_000;
/// Commits `git_log` shows by default and at most.
const GIT_LOG_DEFAULT: u64 = 10;
const GIT_LOG_MAX: u64 = 50;
/// Lines `git_blame` covers when no end line is given.
const BLAME_DEFAULT_LINES: u64 = 100;
/// Files larger than this are not blamed (nor read whole to count their lines).
const BLAME_MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// Room kept in a result for the truncation note.
const NOTE_RESERVE: usize = 96;

/// One review's investigation tools over a read-only checkout.
#[derive(Debug)]
pub struct Toolbox {
    /// The checkout, canonical; or why it cannot be used.
    root: Result<PathBuf, String>,
    /// The checkout has its own `.git` (otherwise it was exported as plain files and
    /// has no history).
    is_git: bool,
    limits: ToolLimits,
    steps_used: u32,
    calls: BTreeMap<String, u64>,
    /// The files `grep` searches (tracked files, or a walk without git), read once.
    files: Option<Vec<String>>,
}

impl Toolbox {
    /// Tools over `checkout`. A checkout that cannot be opened is not an error here:
    /// every call then says so.
    pub fn new(checkout: &Path, limits: ToolLimits) -> Toolbox {
        let root = fs::canonicalize(checkout)
            .map_err(|e| format!("the checkout {} cannot be opened: {e}", checkout.display()));
        let is_git = root
            .as_ref()
            .is_ok_and(|r| fs::symlink_metadata(r.join(".git")).is_ok());
        Toolbox {
            root,
            is_git,
            limits,
            steps_used: 0,
            calls: BTreeMap::new(),
            files: None,
        }
    }

    /// The function declarations to send to the model.
    pub fn specs() -> Vec<ToolSpec> {
        let path = |what: &str| json!({"type": "string", "description": what});
        let line = |what: &str| json!({"type": "integer", "description": what});
        vec![
            ToolSpec {
                name: "read_file",
                description: "Read a file of the repository at the head revision, with line \
                    numbers. Give start_line and end_line to read part of a long file. \
                    Binary files are reported, not shown.",
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "path": path("Path relative to the repository root, e.g. src/main.rs"),
                        "start_line": line("First line to show, counting from 1 (default 1)"),
                        "end_line": line("Last line to show (default: as much as fits)"),
                    },
                    "required": ["path"],
                }),
            },
            ToolSpec {
                name: "grep",
                description: "Search the repository's tracked files for a regular expression \
                    (Rust regex syntax; an invalid pattern is searched as literal text). \
                    Answers path:line: text for each matching line, at most 100 lines.",
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "pattern": {"type": "string", "description": "Regular expression, e.g. fn\\s+parse_"},
                        "path": path("File or directory to search in, relative to the repository root (default: everything)"),
                        "ignore_case": {"type": "boolean", "description": "Match letters in either case (default false)"},
                    },
                    "required": ["pattern"],
                }),
            },
            ToolSpec {
                name: "list_dir",
                description: "List one directory of the repository (one level): \
                    subdirectories end in /, files show their size.",
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "path": path("Directory relative to the repository root (default: the root)"),
                    },
                    "required": [],
                }),
            },
            ToolSpec {
                name: "git_log",
                description: "Show recent commits (hash, date, author, subject), optionally \
                    only those touching a path or in a revision range such as base..head.",
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "path": path("Only commits touching this file or directory"),
                        "revision": {"type": "string", "description": "Revision or range, e.g. HEAD~5..HEAD (default HEAD)"},
                        "max_count": {"type": "integer", "description": "How many commits (default 10, at most 50)"},
                        "stat": {"type": "boolean", "description": "Also list the files each commit changed (default false)"},
                    },
                    "required": [],
                }),
            },
            ToolSpec {
                name: "git_blame",
                description: "Show which commit last changed each line of a file, for a line \
                    range (default: the first 100 lines from start_line).",
                parameters: json!({
                    "type": "object",
                    "properties": {
                        "path": path("File relative to the repository root"),
                        "start_line": line("First line, counting from 1 (default 1)"),
                        "end_line": line("Last line (default start_line + 99)"),
                    },
                    "required": ["path"],
                }),
            },
        ]
    }

    /// Runs one tool call. Every call the model makes while steps are left uses one
    /// step and is counted under its tool's name (a name that is not a tool under
    /// `unknown`), whether or not it succeeds; calls past the step limit are refused
    /// and not counted.
    pub fn call(&mut self, name: &str, arguments: &Value) -> ToolResult {
        if self.steps_left() == 0 {
            return ToolResult::error(format!(
                "step limit reached: this review's {} tool calls are used up, so no tool \
                 runs any more: write your review now from what you have found.",
                self.limits.max_steps
            ));
        }
        self.steps_used += 1;
        let known = TOOLS.iter().find(|t| **t == name).copied();
        *self
            .calls
            .entry(known.unwrap_or(UNKNOWN_TOOL).to_string())
            .or_default() += 1;

        let outcome = match known {
            None => Err(format!(
                "there is no tool named `{}`; the tools are {}",
                clip(name, 80),
                TOOLS.join(", ")
            )),
            Some(tool) => {
                // Belt and braces: a bug in a tool is an error result, not a crashed run.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    self.dispatch(tool, arguments)
                }))
                .unwrap_or_else(|_| {
                    Err(format!(
                        "{tool} failed unexpectedly; try other arguments or another tool"
                    ))
                })
            }
        };
        let note = match self.steps_left() {
            0 => "\n[that was your last tool call: write your review now]".to_string(),
            n @ 1..=3 => format!("\n[{n} tool calls left]"),
            _ => String::new(),
        };
        let cap = self.limits.max_output_bytes.saturating_sub(note.len());
        let mut result = match outcome {
            Ok(text) => ToolResult::ok(cap_output(text, cap)),
            Err(text) => ToolResult::error(cap_output(text, cap)),
        };
        result.text.push_str(&note);
        result
    }

    /// Calls made so far, by tool name.
    pub fn calls(&self) -> &BTreeMap<String, u64> {
        &self.calls
    }

    /// Calls that may still be made.
    pub fn steps_left(&self) -> u32 {
        self.limits.max_steps.saturating_sub(self.steps_used)
    }

    fn dispatch(&mut self, tool: &str, arguments: &Value) -> Result<String, String> {
        match tool {
            "read_file" => self.read_file(arguments),
            "grep" => self.grep(arguments),
            "list_dir" => self.list_dir(arguments),
            "git_log" => self.git_log(arguments),
            "git_blame" => self.git_blame(arguments),
            other => Err(format!("there is no tool named `{other}`")),
        }
    }

    fn root(&self) -> Result<&Path, String> {
        self.root.as_deref().map_err(Clone::clone)
    }

    /// Room for a tool's own text, leaving space for the notes it adds.
    fn budget(&self) -> usize {
        self.limits.max_output_bytes.saturating_sub(NOTE_RESERVE)
    }

    fn read_file(&self, arguments: &Value) -> Result<String, String> {
        let args = Args::parse("read_file", &["path", "start_line", "end_line"], arguments)?;
        let rel = clean_relative(&args.required_string("path")?)?;
        if rel.is_empty() {
            return Err(
                "read_file needs a file path; use list_dir to see what is at the \
                        repository root"
                    .into(),
            );
        }
        let (start, end) = args.line_range()?;
        let full = confine(self.root()?, &rel)?;
        let meta = fs::metadata(&full).map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        if meta.is_dir() {
            return Err(format!(
                "`{rel}` is a directory; use list_dir to see inside it"
            ));
        }
        if !meta.is_file() {
            return Err(format!("`{rel}` is not a regular file"));
        }
        let mut file = fs::File::open(&full).map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        (&mut file)
            .take(SNIFF_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        if head.contains(&0) {
            return Ok(format!(
                "`{rel}` is a binary file ({} bytes); its content is not shown",
                meta.len()
            ));
        }
        let mut reader = BufReader::new(head.as_slice().chain(file));
        // Room for the header line and the note saying where to read on.
        let budget = self.budget().saturating_sub(rel.len() + 160);
        let mut body = String::new();
        let mut line_no: u64 = 0;
        let mut last_shown: Option<u64> = None;
        let mut cut_at: Option<u64> = None;
        let mut stopped_early = false;
        let mut raw = Vec::new();
        loop {
            raw.clear();
            let n = reader
                .read_until(b'\n', &mut raw)
                .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
            if n == 0 {
                break;
            }
            line_no += 1;
            if line_no < start {
                continue;
            }
            if end.is_some_and(|e| line_no > e) || cut_at.is_some() {
                stopped_early = true;
                break;
            }
            let text = String::from_utf8_lossy(trim_newline(&raw));
            let numbered = format!("{line_no:>6}\t{text}\n");
            if body.len() + numbered.len() > budget {
                if body.is_empty() {
                    // A single line longer than the cap: show its beginning.
                    body = clip(&numbered, budget).to_string();
                    body.push_str(&format!(
                        "\n[line {line_no} is longer than the output cap; only its start is shown]\n"
                    ));
                    last_shown = Some(line_no);
                    cut_at = Some(line_no + 1);
                } else {
                    cut_at = Some(line_no);
                }
                continue;
            }
            body.push_str(&numbered);
            last_shown = Some(line_no);
        }
        let total = (!stopped_early).then_some(line_no);
        let Some(last) = last_shown else {
            if line_no == 0 {
                return Ok(format!("`{rel}` is empty (0 lines)"));
            }
            return Err(format!(
                "start_line {start} is past the end of `{rel}`, which has {line_no} lines"
            ));
        };
        let of = match total {
            Some(t) => format!(" of {t}"),
            None => String::new(),
        };
        let mut out = format!("{rel}: lines {start}-{last}{of}\n{body}");
        let more = |n: &u64| end.is_none_or(|e| *n <= e) && total.is_none_or(|t| *n <= t);
        if let Some(next) = cut_at.filter(more) {
            let _ = write!(
                out,
                "[output cap reached: lines from {next} on are not shown; call read_file with \
                 start_line={next} to read on]"
            );
        }
        Ok(out)
    }

    fn list_dir(&self, arguments: &Value) -> Result<String, String> {
        let args = Args::parse("list_dir", &["path"], arguments)?;
        let rel = clean_relative(&args.optional_string("path")?.unwrap_or_default())?;
        let full = confine(self.root()?, &rel)?;
        if !full.is_dir() {
            return Err(format!(
                "`{rel}` is not a directory; use read_file to read a file"
            ));
        }
        let entries = fs::read_dir(&full).map_err(|e| format!("cannot list `{rel}`: {e}"))?;
        let mut lines = Vec::new();
        let mut hid_git = false;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.eq_ignore_ascii_case(".git") {
                hid_git = true;
                continue;
            }
            let line = match entry.file_type() {
                Ok(t) if t.is_symlink() => format!("{name}@ (symbolic link)"),
                Ok(t) if t.is_dir() => format!("{name}/"),
                Ok(t) if t.is_file() => {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    format!("{name} ({size} bytes)")
                }
                _ => format!("{name} (special file)"),
            };
            lines.push(line);
        }
        lines.sort();
        let shown = if rel.is_empty() { "." } else { rel.as_str() };
        let mut out = format!(
            "{shown}/: {}\n",
            crate::prose::plural(lines.len(), "entry", "entries")
        );
        let budget = self.budget();
        let mut left = lines.len();
        for line in &lines {
            if out.len() + line.len() + 1 > budget {
                break;
            }
            out.push_str(line);
            out.push('\n');
            left -= 1;
        }
        if left > 0 {
            let _ = writeln!(
                out,
                "[output cap reached: {left} more entries not shown; list a subdirectory]"
            );
        }
        if hid_git {
            out.push_str(
                "(.git is not listed: it holds git's internal files, which the tools do not \
                 read; use git_log and git_blame for history)\n",
            );
        }
        Ok(out)
    }

    fn grep(&mut self, arguments: &Value) -> Result<String, String> {
        let args = Args::parse("grep", &["pattern", "path", "ignore_case"], arguments)?;
        let pattern = args.required_string("pattern")?;
        if pattern.is_empty() {
            return Err("pattern is empty; give the text or regular expression to find".into());
        }
        let ignore_case = args.boolean("ignore_case")?.unwrap_or(false);
        let scope = clean_relative(&args.optional_string("path")?.unwrap_or_default())?;
        let root = self.root()?.to_path_buf();
        // The scope as the checkout spells it (a symbolic link inside resolved).
        let scope = if scope.is_empty() {
            scope
        } else {
            let full = confine(&root, &scope)?;
            relative_to(&root, &full)
        };
        let build = |p: &str| {
            RegexBuilder::new(p)
                .case_insensitive(ignore_case)
                .multi_line(true)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
        };
        let mut out = String::new();
        let regex: Regex = match build(&pattern) {
            Ok(r) => r,
            Err(regex::Error::CompiledTooBig(limit)) => {
                return Err(format!(
                    "the pattern is too large to search for (its compiled form exceeds {limit} \
                     bytes); use a simpler one"
                ))
            }
            Err(e) => {
                let reason = e.to_string();
                let reason = reason.lines().last().unwrap_or("").trim();
                let _ = writeln!(
                    out,
                    "note: `{}` is not a valid regular expression ({}); searched for it as \
                     literal text",
                    clip(&pattern, 200),
                    clip(reason, 200)
                );
                build(&regex::escape(&pattern)).map_err(|e| {
                    format!("the pattern is too large to search for ({e}); use a shorter one")
                })?
            }
        };

        // Room for the header, the notes and the reason a search stopped.
        let budget = self.budget().saturating_sub(320);
        let files = self.files()?;
        let in_scope = |f: &&String| {
            scope.is_empty()
                || f.as_str() == scope
                || f.strip_prefix(scope.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        let started = Instant::now();
        let mut allowed_dirs: HashMap<String, bool> = HashMap::new();
        let (mut searched, mut matched_files, mut shown) = (0usize, 0usize, 0usize);
        let (mut skipped_large, mut skipped_binary, mut skipped_links) = (0usize, 0usize, 0usize);
        let mut body = String::new();
        let mut stop: Option<String> = None;
        'files: for path in files.iter().filter(in_scope) {
            if started.elapsed() > GREP_TIME_LIMIT {
                stop = Some(format!(
                    "[search stopped after {} s; give a path to search less]",
                    GREP_TIME_LIMIT.as_secs()
                ));
                break;
            }
            let parent = path.rsplit_once('/').map_or("", |(d, _)| d);
            let dir_ok = *allowed_dirs
                .entry(parent.to_string())
                .or_insert_with(|| confine(&root, parent).is_ok());
            let full = root.join(path);
            let Ok(meta) = fs::symlink_metadata(&full) else {
                continue;
            };
            if !dir_ok || meta.file_type().is_symlink() {
                skipped_links += 1;
                continue;
            }
            if !meta.is_file() {
                continue;
            }
            if meta.len() > GREP_MAX_FILE_BYTES {
                skipped_large += 1;
                continue;
            }
            let Ok((content, too_large)) = read_capped(&full, GREP_MAX_FILE_BYTES) else {
                continue;
            };
            if too_large {
                skipped_large += 1;
                continue;
            }
            searched += 1;
            if content[..content.len().min(SNIFF_BYTES)].contains(&0) {
                skipped_binary += 1;
                continue;
            }
            let mut line_no = 1usize;
            let mut counted_to = 0usize;
            let mut last_line = 0usize;
            let mut any = false;
            for m in regex.find_iter(&content) {
                line_no += content[counted_to..m.start()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                counted_to = m.start();
                if line_no == last_line {
                    continue;
                }
                last_line = line_no;
                if shown == GREP_MAX_MATCHES {
                    stop = Some(format!(
                        "[match cap reached: the first {GREP_MAX_MATCHES} matching lines are \
                         shown; narrow the pattern or give a path]"
                    ));
                    break 'files;
                }
                let start = content[..m.start()]
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(0, |i| i + 1);
                let end = content[m.start()..]
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(content.len(), |i| m.start() + i);
                let text = String::from_utf8_lossy(trim_newline(&content[start..end]));
                let mut line = format!("{path}:{line_no}: {}", clip(&text, GREP_LINE_BYTES));
                if text.len() > GREP_LINE_BYTES {
                    line.push('…');
                }
                line.push('\n');
                if body.len() + line.len() > budget.saturating_sub(out.len()) {
                    stop = Some(format!(
                        "[output cap reached after {shown} matching lines; narrow the pattern \
                         or give a path]"
                    ));
                    break 'files;
                }
                body.push_str(&line);
                shown += 1;
                if !any {
                    any = true;
                    matched_files += 1;
                }
            }
        }
        let in_what = if scope.is_empty() {
            String::new()
        } else {
            format!(" in `{}`", clip(&scope, 200))
        };
        if shown == 0 {
            let _ = writeln!(
                out,
                "no matches for `{}`{in_what} ({} searched)",
                clip(&pattern, 200),
                crate::prose::plural(searched, "file", "files")
            );
        } else {
            let _ = writeln!(
                out,
                "{} in {}{in_what}:",
                crate::prose::plural(shown, "matching line", "matching lines"),
                crate::prose::plural(matched_files, "file", "files")
            );
        }
        out.push_str(&body);
        if let Some(stop) = stop {
            out.push_str(&stop);
            out.push('\n');
        }
        let mut skipped = Vec::new();
        if skipped_binary > 0 {
            skipped.push(crate::prose::plural(
                skipped_binary,
                "binary file",
                "binary files",
            ));
        }
        if skipped_large > 0 {
            skipped.push(format!(
                "{} over {} MiB",
                crate::prose::plural(skipped_large, "file", "files"),
                GREP_MAX_FILE_BYTES / (1024 * 1024)
            ));
        }
        if skipped_links > 0 {
            skipped.push(crate::prose::plural(
                skipped_links,
                "symbolic link",
                "symbolic links",
            ));
        }
        if !skipped.is_empty() {
            let _ = writeln!(out, "(not searched: {})", crate::prose::join_and(&skipped));
        }
        Ok(out)
    }

    /// The files `grep` searches: what git tracks, or every regular file of a checkout
    /// without git (`.git` and symbolic links left out). Listed once per toolbox.
    fn files(&mut self) -> Result<&[String], String> {
        if self.files.is_none() {
            let root = self.root()?.to_path_buf();
            // A repository whose index cannot be read is searched like plain files.
            let tracked = self
                .is_git
                .then(|| git_output(&root, &["ls-files", "-z", "--cached"]).ok())
                .flatten();
            let files = match tracked {
                Some(out) => out
                    .split(|b| *b == 0)
                    .filter(|p| !p.is_empty())
                    .map(|p| String::from_utf8_lossy(p).into_owned())
                    .collect(),
                None => walk(&root),
            };
            self.files = Some(files);
        }
        Ok(self.files.as_deref().unwrap_or_default())
    }

    fn require_git(&self) -> Result<&Path, String> {
        let root = self.root()?;
        if !self.is_git {
            return Err(
                "this checkout is not a git repository (it was exported as plain \
                        files), so there is no history to show; read the files instead"
                    .into(),
            );
        }
        Ok(root)
    }

    fn git_log(&self, arguments: &Value) -> Result<String, String> {
        let args = Args::parse(
            "git_log",
            &["path", "revision", "max_count", "stat"],
            arguments,
        )?;
        let path = match args.optional_string("path")? {
            Some(p) => Some(clean_relative(&p)?).filter(|p| !p.is_empty()),
            None => None,
        };
        let revision = args
            .optional_string("revision")?
            .map(|r| safe_revision(&r))
            .transpose()?;
        let count = args.uint("max_count")?.unwrap_or(GIT_LOG_DEFAULT);
        if count == 0 || count > GIT_LOG_MAX {
            return Err(format!(
                "max_count must be between 1 and {GIT_LOG_MAX}, got {count}"
            ));
        }
        let stat = args.boolean("stat")?.unwrap_or(false);
        let root = self.require_git()?;
        let mut cmd: Vec<String> = [
            "--literal-pathspecs",
            "log",
            "--no-color",
            "--no-decorate",
            "--no-ext-diff",
            "--date=short",
            "--format=%h %ad %an%n    %s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        cmd.push(format!("--max-count={count}"));
        if stat {
            cmd.push("--stat".into());
        }
        cmd.extend(revision);
        cmd.push("--".into());
        cmd.extend(path.clone());
        let out = git_output(root, &cmd).map_err(|e| e.to_string())?;
        let text = String::from_utf8_lossy(&out);
        if text.trim().is_empty() {
            let about = path.map(|p| format!(" touching `{p}`")).unwrap_or_default();
            return Ok(format!("no commits{about}"));
        }
        Ok(text.into_owned())
    }

    fn git_blame(&self, arguments: &Value) -> Result<String, String> {
        let args = Args::parse("git_blame", &["path", "start_line", "end_line"], arguments)?;
        let rel = clean_relative(&args.required_string("path")?)?;
        if rel.is_empty() {
            return Err("git_blame needs a file path".into());
        }
        let (start, end) = args.line_range()?;
        let root = self.require_git()?;
        let full = confine(root, &rel)?;
        if !full.is_file() {
            return Err(format!("`{rel}` is not a file; git_blame takes a file"));
        }
        // The path as the repository spells it: a symbolic link inside is resolved.
        let rel = relative_to(root, &full);
        let (content, too_large) = read_capped(&full, BLAME_MAX_FILE_BYTES)
            .map_err(|e| format!("cannot read `{rel}`: {e}"))?;
        if too_large {
            return Err(format!(
                "`{rel}` is larger than {} MiB; git_blame takes smaller files",
                BLAME_MAX_FILE_BYTES >> 20
            ));
        }
        if content[..content.len().min(SNIFF_BYTES)].contains(&0) {
            return Ok(format!(
                "`{rel}` is a binary file; there are no lines to blame"
            ));
        }
        let total = content.split(|b| *b == b'\n').count() as u64
            - u64::from(content.ends_with(b"\n") || content.is_empty());
        if total == 0 {
            return Ok(format!("`{rel}` is empty"));
        }
        if start > total {
            return Err(format!(
                "start_line {start} is past the end of `{rel}`, which has {total} lines"
            ));
        }
        let last = end
            .unwrap_or(start.saturating_add(BLAME_DEFAULT_LINES - 1))
            .min(total);
        let range = format!("{start},{last}");
        let out = git_output(
            root,
            &[
                "--literal-pathspecs",
                "blame",
                "--date=short",
                "-L",
                &range,
                "--",
                &rel,
            ],
        )
        .map_err(|e| e.to_string())?;
        let mut text = format!("{rel}: lines {start}-{last} of {total}\n");
        text.push_str(&String::from_utf8_lossy(&out));
        Ok(text)
    }
}

/// A tool's arguments: a JSON object whose keys are all known to the tool.
struct Args<'a> {
    tool: &'static str,
    map: Map<String, Value>,
    allowed: &'a [&'a str],
}

impl<'a> Args<'a> {
    /// Also accepts the arguments as a JSON string holding the object (how OpenAI
    /// sends them) and `null` for none.
    fn parse(
        tool: &'static str,
        allowed: &'a [&'a str],
        arguments: &Value,
    ) -> Result<Args<'a>, String> {
        let map = match arguments {
            Value::Object(map) => map.clone(),
            Value::Null => Map::new(),
            Value::String(s) if s.trim().is_empty() => Map::new(),
            Value::String(s) => match serde_json::from_str::<Value>(s) {
                Ok(Value::Object(map)) => map,
                _ => {
                    return Err(format!(
                        "the arguments of {tool} must be a JSON object, like {}",
                        example(tool)
                    ))
                }
            },
            other => {
                return Err(format!(
                    "the arguments of {tool} must be a JSON object, like {}; got {}",
                    example(tool),
                    kind(other)
                ))
            }
        };
        if let Some(unknown) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!(
                "{tool} has no argument `{}`; it takes {}",
                clip(unknown, 80),
                allowed.join(", ")
            ));
        }
        Ok(Args { tool, map, allowed })
    }

    fn optional_string(&self, key: &str) -> Result<Option<String>, String> {
        debug_assert!(self.allowed.contains(&key));
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.len() > MAX_ARG_BYTES => Err(format!(
                "`{key}` is too long ({} bytes; at most {MAX_ARG_BYTES})",
                s.len()
            )),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(format!(
                "`{key}` of {} must be a string, got {}",
                self.tool,
                kind(other)
            )),
        }
    }

    fn required_string(&self, key: &str) -> Result<String, String> {
        self.optional_string(key)?
            .ok_or_else(|| format!("{} needs `{key}`, like {}", self.tool, example(self.tool)))
    }

    /// A whole number ≥ 0: a JSON integer, a float without a fraction, or a string of
    /// digits (some local models quote numbers).
    fn uint(&self, key: &str) -> Result<Option<u64>, String> {
        let bad = |got: String| {
            Err(format!(
                "`{key}` of {} must be a whole number like 10, got {got}",
                self.tool
            ))
        };
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => {
                if let Some(u) = n.as_u64() {
                    Ok(Some(u))
                } else if n.as_i64().is_some_and(|i| i < 0) {
                    Err(format!("`{key}` cannot be negative, got {n}"))
                } else if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0) {
                    if f > 1e15 {
                        Err(format!("`{key}` is far too large ({n})"))
                    } else {
                        Ok(Some(f as u64))
                    }
                } else {
                    bad(n.to_string())
                }
            }
            Some(Value::String(s)) => match s.trim().parse::<u64>() {
                Ok(u) => Ok(Some(u)),
                Err(_) => bad(format!("\"{}\"", clip(s, 40))),
            },
            Some(other) => bad(kind(other).to_string()),
        }
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(other) => Err(format!(
                "`{key}` of {} must be true or false, got {}",
                self.tool,
                kind(other)
            )),
        }
    }

    /// `start_line` (default 1) and `end_line` (optional), checked against each other.
    fn line_range(&self) -> Result<(u64, Option<u64>), String> {
        let start = self.uint("start_line")?.unwrap_or(1);
        if start == 0 {
            return Err("start_line counts from 1".into());
        }
        let end = self.uint("end_line")?;
        if let Some(end) = end {
            if end < start {
                return Err(format!("end_line ({end}) is before start_line ({start})"));
            }
        }
        Ok((start, end))
    }
}

/// A call of `tool` with typical arguments, for error messages.
fn example(tool: &str) -> &'static str {
    match tool {
        "read_file" => r#"{"path": "src/main.rs", "start_line": 1, "end_line": 80}"#,
        "grep" => r#"{"pattern": "fn parse", "path": "src"}"#,
        "list_dir" => r#"{"path": "src"}"#,
        "git_log" => r#"{"path": "src/main.rs", "max_count": 5}"#,
        "git_blame" => r#"{"path": "src/main.rs", "start_line": 10, "end_line": 30}"#,
        _ => "{}",
    }
}

/// What kind of JSON value `v` is, for error messages.
fn kind(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the boolean {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => format!("the string \"{}\"", clip(s, 40)),
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A repository-relative path from a model or a diff, checked without touching the
/// disk: no NUL, not absolute, no `..`, nothing inside `.git`. `""` and `.` are the
/// root; `./` prefixes and repeated slashes are dropped.
pub(crate) fn clean_relative(path: &str) -> Result<String, String> {
    if path.contains('\0') {
        return Err("the path contains a NUL byte".into());
    }
    if path.starts_with('/') || Path::new(path).is_absolute() {
        return Err(format!(
            "`{}` is an absolute path; give a path relative to the repository root, like \
             src/main.rs",
            clip(path, 200)
        ));
    }
    let mut parts = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                return Err(format!(
                    "`{}` contains `..`; paths must stay inside the repository",
                    clip(path, 200)
                ))
            }
            p if p.eq_ignore_ascii_case(".git") => {
                return Err(format!(
                    "`{}` is inside .git, git's internal files, which the tools do not read; \
                     use git_log or git_blame for history",
                    clip(path, 200)
                ))
            }
            p => parts.push(p),
        }
    }
    Ok(parts.join("/"))
}

/// `rel` (already [`clean_relative`]) inside the canonical `root`, with every symbolic
/// link on the way resolved; refused when that leads outside the checkout or into
/// `.git`.
pub(crate) fn confine(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let shown = if rel.is_empty() { "." } else { rel };
    let full = fs::canonicalize(root.join(rel)).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => format!(
            "`{shown}` does not exist in the repository (or is a broken symbolic link); use \
             list_dir or grep to find the right path"
        ),
        _ => format!("cannot open `{shown}`: {e}"),
    })?;
    let Ok(inside) = full.strip_prefix(root) else {
        return Err(format!(
            "`{shown}` is (or goes through) a symbolic link to somewhere outside the \
             repository; refused"
        ));
    };
    if inside
        .components()
        .any(|c| c.as_os_str().eq_ignore_ascii_case(".git"))
    {
        return Err(format!(
            "`{shown}` leads into .git, git's internal files, which the tools do not read"
        ));
    }
    Ok(full)
}

/// `full` (inside `root`) as a repository-relative path with `/` separators.
fn relative_to(root: &Path, full: &Path) -> String {
    full.strip_prefix(root)
        .unwrap_or(full)
        .to_string_lossy()
        .into_owned()
}

/// A revision for `git log`: one word that cannot be taken for an option.
fn safe_revision(rev: &str) -> Result<String, String> {
    if rev.is_empty() {
        return Err("revision is empty; leave it out for HEAD".into());
    }
    if rev.starts_with('-') {
        return Err(format!(
            "revision `{}` starts with `-`; give a commit, branch or range such as HEAD~3..HEAD",
            clip(rev, 80)
        ));
    }
    if rev.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("revision must be one word without spaces, like HEAD~3..HEAD".into());
    }
    Ok(rev.to_string())
}

/// Every regular file under `root` (relative paths), not following symbolic links and
/// skipping `.git`; at most [`WALK_MAX_FILES`].
fn walk(root: &Path) -> Vec<String> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::new()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(root.join(&dir)) else {
            continue;
        };
        let mut here: Vec<_> = entries.flatten().collect();
        here.sort_by_key(|e| e.file_name());
        for entry in here.into_iter().rev() {
            let name = entry.file_name();
            if name.eq_ignore_ascii_case(".git") {
                continue;
            }
            let rel = dir.join(&name);
            match entry.file_type() {
                Ok(t) if t.is_dir() => dirs.push(rel),
                Ok(t) if t.is_file() => files.push(rel.to_string_lossy().into_owned()),
                _ => {}
            }
            if files.len() >= WALK_MAX_FILES {
                return files;
            }
        }
    }
    files.sort();
    files
}

/// `line` without its `\n` or `\r\n`.
fn trim_newline(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The first `max` bytes of `text`, cut at a character boundary.
fn clip(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// `text` cut to at most `max` bytes (at a line end when one is near), with a note
/// saying how much was left out. The note counts towards `max` unless `max` is too
/// small to hold it.
pub(crate) fn cap_output(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let keep = clip(&text, max.saturating_sub(NOTE_RESERVE));
    let keep = match keep.rfind('\n') {
        Some(i) if i + 1 >= keep.len() / 2 => &keep[..=i],
        _ => keep,
    };
    let left = text.len() - keep.len();
    let mut out = keep.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    let _ = write!(
        out,
        "[truncated: {left} more bytes not shown; ask for less at a time]"
    );
    out
}

#[cfg(test)]
pub(crate) mod tests;
