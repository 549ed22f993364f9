//! Reading a unified diff (`git diff` output): the files it touches, their status, and
//! the lines it adds with their new line numbers. Pure; never panics: garbage yields
//! fewer (or no) files, never an error.
//!
//! Also the TODO/FIXME/XXX/HACK comments a diff adds ([`acknowledged_limitations`]).

use crate::lang::{self, Comments, Lang};
use crate::model::Limitation;

/// One file in a unified diff.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileDiff {
    /// Path at the head revision (for deletions, the old path).
    pub path: String,
    pub old_path: Option<String>,
    pub status: FileStatus,
    pub binary: bool,
    /// Lines the change adds: (line number at head, text without the leading `+`).
    pub added: Vec<(u32, String)>,
    pub removed_count: u32,
    /// Where each hunk sits at head, as its `@@` header says (a hunk that only removes
    /// lines has `count` 0 and `start` the head line before the removal).
    pub hunks: Vec<HunkSpan>,
}

/// The head side of one hunk: `@@ -a,b +start,count @@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HunkSpan {
    pub start: u32,
    pub count: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileStatus {
    Added,
    #[default]
    Modified,
    Deleted,
    Renamed,
}

/// Where the parser is inside the current file.
#[derive(Debug, Clone, Copy)]
struct Hunk {
    /// Next head line number.
    new_line: u32,
    /// Lines of each side still expected in the hunk.
    old_left: u32,
    new_left: u32,
}

/// Reads `git diff` output (also plain `diff -u` output). Lines may end in CRLF.
/// Paths are repository-relative (the `a/` and `b/` prefixes removed, C-style quoted
/// names decoded).
pub fn parse_unified_diff(text: &str) -> Vec<FileDiff> {
    let mut files: Vec<FileDiff> = Vec::new();
    let mut current: Option<FileDiff> = None;
    let mut hunk: Option<Hunk> = None;
    // Set after `--- ` outside a hunk, until the matching `+++ `.
    let mut saw_minus = false;

    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);

        if let Some(h) = hunk.as_mut() {
            if h.old_left > 0 || h.new_left > 0 {
                if let Some(file) = current.as_mut() {
                    read_hunk_line(line, h, file);
                }
                continue;
            }
            hunk = None;
        }

        if let Some(rest) = line.strip_prefix("diff --git ") {
            finish(&mut files, current.take());
            saw_minus = false;
            let (old, new) = split_git_header(rest);
            current = Some(FileDiff {
                path: new.clone().or_else(|| old.clone()).unwrap_or_default(),
                old_path: old,
                ..FileDiff::default()
            });
            continue;
        }
        if let Some(rest) = line.strip_prefix("--- ") {
            // A plain unified diff has no `diff --git` line: `---` starts the file.
            let starts_new = match &current {
                None => true,
                Some(f) => !f.added.is_empty() || f.removed_count > 0 || saw_minus,
            };
            if starts_new {
                finish(&mut files, current.take());
                current = Some(FileDiff::default());
            }
            if let Some(file) = current.as_mut() {
                match header_path(rest) {
                    Some(p) => {
                        if file.path.is_empty() {
                            file.path = p.clone();
                        }
                        file.old_path = Some(p);
                    }
                    None => {
                        file.status = FileStatus::Added;
                        file.old_path = None;
                    }
                }
            }
            saw_minus = true;
            continue;
        }
        let Some(file) = current.as_mut() else {
            continue;
        };
        if let Some(rest) = line.strip_prefix("+++ ") {
            saw_minus = false;
            match header_path(rest) {
                Some(p) => file.path = p,
                None => file.status = FileStatus::Deleted,
            }
        } else if line.starts_with("@@") {
            saw_minus = false;
            hunk = parse_hunk_header(line);
            if let Some(h) = hunk {
                file.hunks.push(HunkSpan {
                    start: h.new_line,
                    count: h.new_left,
                });
            }
        } else if line.starts_with("new file mode") {
            file.status = FileStatus::Added;
            file.old_path = None;
        } else if line.starts_with("deleted file mode") {
            file.status = FileStatus::Deleted;
        } else if let Some(p) = line.strip_prefix("rename from ") {
            file.status = FileStatus::Renamed;
            file.old_path = Some(unquote(p));
        } else if let Some(p) = line.strip_prefix("rename to ") {
            file.status = FileStatus::Renamed;
            file.path = unquote(p);
        } else if let Some(p) = line.strip_prefix("copy from ") {
            file.status = FileStatus::Added;
            file.old_path = Some(unquote(p));
        } else if let Some(p) = line.strip_prefix("copy to ") {
            file.status = FileStatus::Added;
            file.path = unquote(p);
        } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
            file.binary = true;
        }
    }
    finish(&mut files, current);
    files
}

/// Pushes a finished file, fixing fields that depend on its status.
fn finish(files: &mut Vec<FileDiff>, file: Option<FileDiff>) {
    let Some(mut file) = file else { return };
    if file.path.is_empty() {
        return;
    }
    if file.status == FileStatus::Deleted {
        if let Some(old) = file.old_path.take() {
            file.path = old;
        }
    }
    if file.old_path.as_deref() == Some(file.path.as_str()) {
        file.old_path = None;
    }
    files.push(file);
}

fn read_hunk_line(line: &str, h: &mut Hunk, file: &mut FileDiff) {
    match line.as_bytes().first() {
        Some(b'+') => {
            file.added.push((h.new_line, line[1..].to_string()));
            h.new_line = h.new_line.saturating_add(1);
            h.new_left = h.new_left.saturating_sub(1);
        }
        Some(b'-') => {
            file.removed_count = file.removed_count.saturating_add(1);
            h.old_left = h.old_left.saturating_sub(1);
        }
        // `\ No newline at end of file`: not a line of either side.
        Some(b'\\') => {}
        // A context line (some tools strip the space of blank context lines).
        _ => {
            h.new_line = h.new_line.saturating_add(1);
            h.old_left = h.old_left.saturating_sub(1);
            h.new_left = h.new_left.saturating_sub(1);
        }
    }
}

/// `@@ -12,3 +14,5 @@ fn name` → the hunk's position. `None` when unreadable.
fn parse_hunk_header(line: &str) -> Option<Hunk> {
    let mut parts = line.split_whitespace().skip(1);
    let old = parts.next()?.strip_prefix('-')?;
    let new = parts.next()?.strip_prefix('+')?;
    let range = |s: &str| -> Option<(u32, u32)> {
        match s.split_once(',') {
            Some((a, b)) => Some((a.parse().ok()?, b.parse().ok()?)),
            None => Some((s.parse().ok()?, 1)),
        }
    };
    let (_, old_count) = range(old)?;
    let (new_start, new_count) = range(new)?;
    Some(Hunk {
        new_line: new_start,
        old_left: old_count,
        new_left: new_count,
    })
}

/// The path in a `---`/`+++` line; `None` for `/dev/null`.
fn header_path(rest: &str) -> Option<String> {
    // Git ends the name with a tab when it contains spaces; `diff -u` adds a date.
    let name = if rest.starts_with('"') {
        rest
    } else {
        rest.split('\t').next().unwrap_or(rest)
    };
    let name = unquote(name.trim_end());
    if name == "/dev/null" {
        return None;
    }
    Some(strip_prefix(&name))
}

/// The two paths of `diff --git a/x b/y`. Unquoted names may contain spaces, so the
/// split that gives two equal names is preferred.
fn split_git_header(rest: &str) -> (Option<String>, Option<String>) {
    if rest.starts_with('"') {
        let (first, tail) = take_quoted(rest);
        let second = tail.trim_start();
        return (
            Some(strip_prefix(&first)),
            Some(strip_prefix(&unquote(second))),
        );
    }
    if let Some(pos) = rest.find(" \"") {
        let (first, second) = rest.split_at(pos);
        return (
            Some(strip_prefix(first)),
            Some(strip_prefix(&unquote(second.trim_start()))),
        );
    }
    let candidates: Vec<usize> = rest.match_indices(" b/").map(|(i, _)| i).collect();
    for &i in &candidates {
        let (a, b) = (&rest[..i], &rest[i + 1..]);
        if strip_prefix(a) == strip_prefix(b) {
            return (Some(strip_prefix(a)), Some(strip_prefix(b)));
        }
    }
    match candidates.first() {
        Some(&i) => (
            Some(strip_prefix(&rest[..i])),
            Some(strip_prefix(&rest[i + 1..])),
        ),
        None => match rest.split_once(' ') {
            Some((a, b)) => (Some(strip_prefix(a)), Some(strip_prefix(b))),
            None => (None, Some(strip_prefix(rest))),
        },
    }
}

fn strip_prefix(path: &str) -> String {
    path.strip_prefix("a/")
        .or_else(|| path.strip_prefix("b/"))
        .unwrap_or(path)
        .to_string()
}

/// Decodes a git C-style quoted name (`"a/p\303\251.txt"`); other text is returned as is.
fn unquote(s: &str) -> String {
    if s.len() >= 2 && s.starts_with('"') {
        take_quoted(s).0
    } else {
        s.to_string()
    }
}

/// Reads a quoted name at the start of `s`: (decoded name, the rest after the quote).
fn take_quoted(s: &str) -> (String, &str) {
    let bytes = s.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return (String::from_utf8_lossy(&out).into_owned(), &s[i + 1..]),
            b'\\' if i + 1 < bytes.len() => {
                let c = bytes[i + 1];
                i += 2;
                match c {
                    b'n' => out.push(b'\n'),
                    b't' => out.push(b'\t'),
                    b'r' => out.push(b'\r'),
                    b'a' => out.push(7),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'v' => out.push(11),
                    b'0'..=b'7' => {
                        let mut value = u32::from(c - b'0');
                        let mut digits = 1;
                        while digits < 3 && i < bytes.len() && (b'0'..=b'7').contains(&bytes[i]) {
                            value = value * 8 + u32::from(bytes[i] - b'0');
                            i += 1;
                            digits += 1;
                        }
                        out.push((value & 0xff) as u8);
                    }
                    other => out.push(other),
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    (String::from_utf8_lossy(&out).into_owned(), "")
}

/// The words that mark an acknowledged limitation.
const MARKERS: [&str; 4] = ["TODO", "FIXME", "XXX", "HACK"];

/// TODO/FIXME/XXX/HACK comments the diff adds, in diff order: path, head line and the
/// comment text from the marker on (`TODO: handle retries`). A marker counts only as
/// a whole word inside a comment (`//`, `#`, `/*`, `--`, `<!--`, `;`, or a ` * `
/// continuation line), not inside a string or an identifier such as `todo_list`.
pub fn acknowledged_limitations(files: &[FileDiff]) -> Vec<Limitation> {
    let mut out = Vec::new();
    for file in files {
        if file.status == FileStatus::Deleted || file.binary {
            continue;
        }
        let style = CommentStyle::for_path(&file.path);
        for (line_no, text) in &file.added {
            if let Some(comment) = limitation_text(text, style) {
                out.push(Limitation {
                    path: Some(file.path.clone()),
                    line: Some(*line_no),
                    text: comment,
                });
            }
        }
    }
    out
}

/// How comments and strings look in a file, by its extension.
#[derive(Debug, Clone, Copy)]
struct CommentStyle {
    /// `'` opens a string (not in Rust, where it is also a lifetime).
    single_quotes: bool,
    /// Prose formats (Markdown, reStructuredText, text): only `<!--` comments, since
    /// `#` is a heading and `--`/`;` are punctuation there.
    prose: bool,
    /// C-family languages (Rust, C, Go, Java, JavaScript, …): only `//` and `/*`
    /// comments, since `;`, `#` and `--` are code there (`[&str; 4]`, `x--`).
    c_family: bool,
}

impl CommentStyle {
    fn for_path(path: &str) -> Self {
        let ext = lang::extension(path).to_ascii_lowercase();
        let file_type = lang::file_type(&ext);
        let comments = file_type.map(|t| t.comments);
        CommentStyle {
            single_quotes: file_type.is_none_or(|t| t.lang != Lang::Rust),
            prose: comments == Some(Comments::Prose),
            c_family: comments == Some(Comments::CFamily),
        }
    }
}

/// The marker comment on one line, if any.
fn limitation_text(line: &str, style: CommentStyle) -> Option<String> {
    let start = comment_start(line, style)?;
    let comment = line.get(start..)?;
    let at = find_marker(comment)?;
    // A `\n` escape before the marker: the "comment" is inside a string literal
    // holding several lines (a test's embedded diff or source file).
    if !style.prose && comment.get(..at)?.contains("\\n") {
        return None;
    }
    let text = comment.get(at..)?;
    let text = text
        .trim_end()
        .trim_end_matches("*/")
        .trim_end_matches("-->")
        .trim();
    Some(text.chars().take(300).collect())
}

/// Byte offset where the line's comment starts (after the comment token), outside
/// string literals.
fn comment_start(line: &str, style: CommentStyle) -> Option<usize> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    const CODE_TOKENS: [&str; 6] = ["<!--", "//", "/*", "--", "#", ";"];
    const PROSE_TOKENS: [&str; 1] = ["<!--"];
    const C_FAMILY_TOKENS: [&str; 2] = ["//", "/*"];
    let tokens: &[&str] = if style.prose {
        &PROSE_TOKENS
    } else if style.c_family {
        if trimmed.starts_with("* ") || trimmed == "*" {
            return Some(indent + 1);
        }
        &C_FAMILY_TOKENS
    } else {
        // Continuation line of a block comment: ` * TODO ...`.
        if trimmed.starts_with("* ") || trimmed == "*" {
            return Some(indent + 1);
        }
        &CODE_TOKENS
    };
    let single_quotes = style.single_quotes && !style.prose;
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                // An escape outside any string (`\n`, `\"`): the line continues a
                // string literal opened on an earlier line, such as a test's
                // embedded diff, so what looks like a comment is text.
                if b == b'\\' && !style.prose {
                    return None;
                }
                if b == b'"' || b == b'`' || (single_quotes && b == b'\'') {
                    quote = Some(b);
                } else if let Some(rest) = line.get(i..) {
                    if let Some(tok) = tokens.iter().find(|t| rest.starts_with(**t)) {
                        return Some(i + tok.len());
                    }
                }
            }
        }
        i += 1;
    }
    None
}

/// Offset of the first marker that stands as a whole word and is used, not mentioned:
/// a marker in a Markdown code span (`` `TODO: x` ``) or in a list of markers
/// (`TODO/FIXME`) is documentation about markers, not an acknowledged limitation.
fn find_marker(text: &str) -> Option<usize> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut best: Option<usize> = None;
    for marker in MARKERS {
        let mut from = 0;
        while let Some(pos) = text.get(from..).and_then(|t| t.find(marker)) {
            let at = from + pos;
            let end = at + marker.len();
            let before = text.get(..at).unwrap_or("");
            let after = text.get(end..).unwrap_or("");
            let before_ok = before
                .chars()
                .next_back()
                .is_none_or(|c| !is_word(c) && c != '/');
            let after_ok = after.chars().next().is_none_or(|c| !is_word(c) && c != '/');
            let in_code_span = before.matches('`').count() % 2 == 1;
            if before_ok && after_ok && !in_code_span {
                best = Some(best.map_or(at, |b| b.min(at)));
                break;
            }
            from = end;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> FileDiff {
        let files = parse_unified_diff(text);
        assert_eq!(files.len(), 1, "{files:#?}");
        files.into_iter().next().unwrap_or_default()
    }

    #[test]
    fn modified_file_with_two_hunks() {
        let f = one("diff --git a/src/lib.rs b/src/lib.rs\n\
index 1111111..2222222 100644\n\
--- a/src/lib.rs\n\
+++ b/src/lib.rs\n\
@@ -1,3 +1,4 @@\n\
 fn a() {}\n\
-fn b() {}\n\
+fn b() -> u8 { 1 }\n\
+fn c() {}\n\
 fn d() {}\n\
@@ -10,2 +11,3 @@ impl X {\n\
 x\n\
+y\n\
 z\n");
        assert_eq!(f.path, "src/lib.rs");
        assert_eq!(f.old_path, None);
        assert_eq!(f.status, FileStatus::Modified);
        assert_eq!(
            f.added,
            vec![
                (2, "fn b() -> u8 { 1 }".to_string()),
                (3, "fn c() {}".to_string()),
                (12, "y".to_string())
            ]
        );
        assert_eq!(f.removed_count, 1);
        assert_eq!(
            f.hunks,
            vec![
                HunkSpan { start: 1, count: 4 },
                HunkSpan {
                    start: 11,
                    count: 3
                }
            ]
        );
    }

    #[test]
    fn new_deleted_renamed_binary_and_mode_only() {
        let files = parse_unified_diff(
            "diff --git a/new.txt b/new.txt\n\
new file mode 100644\n\
index 0000000..3b18e51\n\
--- /dev/null\n\
+++ b/new.txt\n\
@@ -0,0 +1,2 @@\n\
+hello\n\
+world\n\
\\ No newline at end of file\n\
diff --git a/old.txt b/old.txt\n\
deleted file mode 100644\n\
index 3b18e51..0000000\n\
--- a/old.txt\n\
+++ /dev/null\n\
@@ -1 +0,0 @@\n\
-bye\n\
diff --git a/from.rs b/to.rs\n\
similarity index 90%\n\
rename from from.rs\n\
rename to to.rs\n\
index 1..2 100644\n\
--- a/from.rs\n\
+++ b/to.rs\n\
@@ -1 +1 @@\n\
-a\n\
+b\n\
diff --git a/img.png b/img.png\n\
new file mode 100644\n\
index 0000000..1234567\n\
Binary files /dev/null and b/img.png differ\n\
diff --git a/run.sh b/run.sh\n\
old mode 100644\n\
new mode 100755\n\
diff --git a/pure.txt b/moved.txt\n\
similarity index 100%\n\
rename from pure.txt\n\
rename to moved.txt\n",
        );
        let summary: Vec<_> = files
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.old_path.as_deref(),
                    f.status,
                    f.binary,
                    f.added.len(),
                    f.removed_count,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("new.txt", None, FileStatus::Added, false, 2, 0),
                ("old.txt", None, FileStatus::Deleted, false, 0, 1),
                ("to.rs", Some("from.rs"), FileStatus::Renamed, false, 1, 1),
                ("img.png", None, FileStatus::Added, true, 0, 0),
                ("run.sh", None, FileStatus::Modified, false, 0, 0),
                (
                    "moved.txt",
                    Some("pure.txt"),
                    FileStatus::Renamed,
                    false,
                    0,
                    0
                ),
            ]
        );
    }

    #[test]
    fn quoted_unicode_and_space_paths() {
        let f = one(
            "diff --git \"a/p\\303\\251 x.txt\" \"b/p\\303\\251 x.txt\"\n\
new file mode 100644\n\
--- /dev/null\n\
+++ \"b/p\\303\\251 x.txt\"\n\
@@ -0,0 +1 @@\n\
+caf\u{e9}\n",
        );
        assert_eq!(f.path, "p\u{e9} x.txt");
        assert_eq!(f.added, vec![(1, "caf\u{e9}".to_string())]);

        let f = one("diff --git a/dir name/f b.txt b/dir name/f b.txt\n\
--- a/dir name/f b.txt\t\n\
+++ b/dir name/f b.txt\t\n\
@@ -1 +1 @@\n\
-x\n\
+y\n");
        assert_eq!(f.path, "dir name/f b.txt");
    }

    #[test]
    fn crlf_lines_and_removed_lines_that_look_like_headers() {
        let f = one("diff --git a/q.sql b/q.sql\r\n\
--- a/q.sql\r\n\
+++ b/q.sql\r\n\
@@ -1,2 +1,2 @@\r\n\
--- a comment\r\n\
+++ not a header\r\n\
 select 1;\r\n");
        assert_eq!(f.path, "q.sql");
        assert_eq!(f.added, vec![(1, "++ not a header".to_string())]);
        assert_eq!(f.removed_count, 1);
    }

    #[test]
    fn plain_diff_u_output_and_empty_input() {
        let files = parse_unified_diff(
            "--- a.txt\t2024-01-01 00:00:00\n+++ a.txt\t2024-01-02 00:00:00\n@@ -1 +1 @@\n-a\n+b\n--- b.txt\n+++ b.txt\n@@ -1 +1,2 @@\n x\n+y\n",
        );
        let paths: Vec<_> = files
            .iter()
            .map(|f| (f.path.as_str(), f.added.len()))
            .collect();
        assert_eq!(paths, vec![("a.txt", 1), ("b.txt", 1)]);
        assert!(parse_unified_diff("").is_empty());
        assert!(parse_unified_diff("just some text\n@@ nonsense @@\n+x").is_empty());
    }

    fn limitations(path: &str, lines: &[&str]) -> Vec<(u32, String)> {
        let file = FileDiff {
            path: path.to_string(),
            added: lines
                .iter()
                .enumerate()
                .map(|(i, l)| (i as u32 + 1, l.to_string()))
                .collect(),
            ..FileDiff::default()
        };
        acknowledged_limitations(&[file])
            .into_iter()
            .map(|l| (l.line.unwrap_or(0), l.text))
            .collect()
    }

    #[test]
    fn markers_in_comments_only() {
        let check = |path: &str, line: &str, expected: Option<&str>| {
            let got = limitations(path, &[line]);
            let got = got.first().map(|(_, t)| t.as_str());
            assert_eq!(got, expected, "{path}: {line}");
        };
        check(
            "a.rs",
            "    // TODO: handle retries",
            Some("TODO: handle retries"),
        );
        check(
            "a.rs",
            "let x = 1; // FIXME(bob) overflow",
            Some("FIXME(bob) overflow"),
        );
        check("a.rs", "/* HACK: until v2 */", Some("HACK: until v2"));
        check("a.rs", " * XXX this is slow", Some("XXX this is slow"));
        check("a.py", "x = 1  # TODO remove", Some("TODO remove"));
        check("a.sql", "-- TODO index this", Some("TODO index this"));
        check("a.html", "<!-- TODO: alt text -->", Some("TODO: alt text"));
        check("a.el", "; FIXME", Some("FIXME"));
        check("a.rs", "let todo_list = vec![]; // nothing", None);
        check("a.rs", "// see TODOS.md", None);
        check("a.rs", "// MY_TODO_ITEM", None);
        check("a.rs", "fn test_todo() { assert_eq!(s, \"TODO\"); }", None);
        check("a.py", "msg = 'TODO # later'", None);
        check("a.rs", "todo!()", None);
        check("a.rs", "let s = \"# TODO in a string\";", None);
        check(
            "a.rs",
            "let s = \"x\"; // TODO after a string",
            Some("TODO after a string"),
        );
        check(
            "a.rs",
            "fn f(s: &'static str) {} // TODO lifetimes",
            Some("TODO lifetimes"),
        );
        // Mentioned, not used: code spans, lists of markers, embedded strings.
        check(
            "a.rs",
            "/// the comment text (`TODO: handle retries`)",
            None,
        );
        check(
            "a.rs",
            "//! Also the TODO/FIXME/XXX/HACK comments a diff adds",
            None,
        );
        check(
            "a.rs",
            "// block comment continuation: ` * TODO ...`.",
            None,
        );
        check(
            "a.rs",
            "--- a/y.go\\n+++ /dev/null\\n-// TODO gone\\n\",",
            None,
        );
        check(
            "a.rs",
            "// TODO: `parse` skips the header, then FIXME",
            Some("TODO: `parse` skips the header, then FIXME"),
        );
        check(
            "a.rs",
            r#"const MARKERS: [&str; 4] = ["TODO", "FIXME"];"#,
            None,
        );
        check("a.c", "x--; // TODO bounds", Some("TODO bounds"));
        check("a.sh", "x=1 # TODO quote", Some("TODO quote"));
        check("README.md", "## TODO list", None);
        check("README.md", "- [ ] TODO: write docs", None);
        check(
            "README.md",
            "<!-- TODO: screenshots -->",
            Some("TODO: screenshots"),
        );
        check("notes.txt", "pick one; TODO later", None);
    }

    #[test]
    fn limitations_carry_head_line_numbers_and_skip_deleted_files() {
        let files = parse_unified_diff(
            "diff --git a/x.go b/x.go\n--- a/x.go\n+++ b/x.go\n@@ -5,2 +5,3 @@\n a\n+// TODO: figure out containerd\n b\n\
diff --git a/y.go b/y.go\ndeleted file mode 100644\n--- a/y.go\n+++ /dev/null\n@@ -1 +0,0 @@\n-// TODO gone\n",
        );
        let got = acknowledged_limitations(&files);
        assert_eq!(
            got,
            vec![Limitation {
                path: Some("x.go".into()),
                line: Some(6),
                text: "TODO: figure out containerd".into()
            }]
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in "(?s).{0,400}") {
            let files = parse_unified_diff(&s);
            let _ = acknowledged_limitations(&files);
        }

        #[test]
        fn never_panics_on_diff_shaped_noise(
            lines in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("diff --git a/x b/x".to_string()),
                    proptest::strategy::Just("--- a/x".to_string()),
                    proptest::strategy::Just("+++ b/x".to_string()),
                    proptest::strategy::Just("rename to \"q\\3".to_string()),
                    "@@ -[0-9]{0,11},?[0-9]{0,3} \\+[0-9]{0,11},?[0-9]{0,3} @@",
                    "[-+ \\\\]\\PC{0,20}",
                    "\"[a-z\\\\0-7]{0,8}",
                ],
                0..40,
            )
        ) {
            let text = lines.join("\n");
            let files = parse_unified_diff(&text);
            let _ = acknowledged_limitations(&files);
        }
    }
}
