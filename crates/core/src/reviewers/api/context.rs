//! What an API reviewer is given to read: the diff, then the code around each change
//! at head, packed into a token budget. Compact beats exhaustive — a short diff with
//! its surroundings serves a model better than whole files — so the budget is the
//! caller's (per model, [`DEFAULT_BUDGET_TOKENS`] when configured nowhere), and what
//! did not fit is listed in [`PackedContext::omitted`] and at the end of the text, so
//! the prompt and the run record can both say so.
//!
//! Order: the diff first, always (cut only when it alone exceeds the budget, which
//! the text then says); then, for each changed file, the head lines within
//! [`CONTEXT_LINES`] of each hunk (overlapping ranges merged, lines numbered), the files
//! that change most per token of surrounding code first, each file whole or not at
//! all. Everything from the change is inside a [`crate::prompt::data_block`]. Files
//! are read from the checkout through the tools' confinement
//! ([`super::tools::confine`]): a path the diff names that leads outside the
//! checkout is not read.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use crate::diff::{parse_unified_diff, FileDiff, FileStatus};
use crate::lang::{extension, file_type};
use crate::prompt::data_block;

use super::tools::{clean_relative, confine};

/// A sensible budget for a model nobody configured one for: room for a mid-sized
/// change and its surroundings, small next to any current context window.
pub const DEFAULT_BUDGET_TOKENS: usize = 24_000;
/// Head lines shown on each side of a hunk.
pub const CONTEXT_LINES: u32 = 20;
/// Files larger than this are not read for their surroundings.
const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;
/// Files named in the note about a cut diff, at most.
const NAMED_FILES_MAX: usize = 20;

/// The packed context and what was left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackedContext {
    pub text: String,
    /// [`estimate_tokens`] of `text`.
    pub tokens: usize,
    /// One plain sentence per thing left out, e.g. `src/big.rs: surrounding code
    /// (≈12,400 tokens) left out — over budget`.
    pub omitted: Vec<String>,
}

/// A conservative token count: every ASCII byte is 1/3.5 of a token (rounded up
/// overall) and every other character one token. Real tokenizers average about four
/// bytes of English or code per token, and one or more tokens per CJK character, so
/// this overestimates a little rather than overflowing a context window.
pub fn estimate_tokens(text: &str) -> usize {
    tokens_of(char_counts(text))
}

/// ASCII bytes and other characters in `text`.
fn char_counts(text: &str) -> (usize, usize) {
    text.bytes().fold((0, 0), |(a, o), b| match b {
        0..=0x7f => (a + 1, o),
        // The first byte of a multi-byte character; continuation bytes are 0x80..0xc0.
        0xc0.. => (a, o + 1),
        _ => (a, o),
    })
}

fn tokens_of((ascii, other): (usize, usize)) -> usize {
    (ascii * 2).div_ceil(7) + other
}

/// The diff and the code around its hunks in `checkout` (the head revision), within
/// `budget_tokens` as [`estimate_tokens`] counts (exceeded only when the budget cannot
/// even hold the notes saying what was left out).
pub fn pack(checkout: &Path, diff: &str, budget_tokens: usize) -> PackedContext {
    let files = parse_unified_diff(diff);
    let root = fs::canonicalize(checkout).ok();
    let mut omitted = Vec::new();
    let mut candidates = Vec::new();
    for (order, file) in files.iter().enumerate() {
        match surroundings(root.as_deref(), file) {
            Surroundings::Section(text) => candidates.push(Candidate {
                order,
                path: &file.path,
                tokens: estimate_tokens(&text),
                changed: file.added.len() + file.removed_count as usize,
                text,
            }),
            Surroundings::Nothing => {}
            Surroundings::Omitted(note) => omitted.push(note),
        }
    }

    let diff_block = format!(
        "The unified diff of the change:\n\n{}",
        data_block("diff", diff, "diff")
    );
    let fixed_notes: usize = omitted.iter().map(|n| note_tokens(n)).sum();
    let heading = estimate_tokens(&left_out_heading(budget_tokens)) + 1;
    if estimate_tokens(&diff_block) + heading + fixed_notes > budget_tokens {
        // The diff alone is over budget: cut it and leave all surroundings out.
        if !candidates.is_empty() {
            omitted.push(format!(
                "surrounding code of {} left out — the diff alone fills the budget",
                crate::prose::plural(candidates.len(), "changed file", "changed files")
            ));
        }
        let notes: usize = omitted.iter().map(|n| note_tokens(n)).sum();
        let mut room = budget_tokens.saturating_sub(heading + notes + 30);
        // The note about the cut names the files cut off, so its size depends on
        // where the cut falls: cut, measure, and cut shorter while over budget.
        loop {
            let (kept, note) = cut_diff(diff, room);
            let mut all = vec![note];
            all.extend(omitted.iter().cloned());
            let text = with_left_out(
                format!(
                    "The unified diff of the change, cut to fit the context budget (see the \
                     end):\n\n{}",
                    data_block("diff (cut)", kept, "diff")
                ),
                &all,
                budget_tokens,
            );
            let tokens = estimate_tokens(&text);
            if tokens <= budget_tokens || room == 0 {
                return PackedContext {
                    text,
                    tokens,
                    omitted: all,
                };
            }
            room = room.saturating_sub(tokens - budget_tokens);
        }
    }

    let mut text = diff_block;
    candidates.sort_by(|a, b| {
        let per_change = |c: &Candidate| c.tokens as f64 / c.changed.max(1) as f64;
        per_change(a)
            .total_cmp(&per_change(b))
            .then(a.order.cmp(&b.order))
    });
    let notes: Vec<String> = candidates.iter().map(Candidate::over_budget).collect();
    let mut pending: usize = notes.iter().map(|n| note_tokens(n)).sum();
    let mut used = estimate_tokens(&text) + estimate_tokens(CODE_HEADING) + heading + fixed_notes;
    let mut chosen = Vec::new();
    let mut excluded = Vec::new();
    for (candidate, note) in candidates.iter().zip(notes) {
        let own = note_tokens(&note);
        pending -= own;
        // Worst case: every candidate still to come is left out too.
        if used + candidate.tokens + pending <= budget_tokens {
            used += candidate.tokens;
            chosen.push(candidate);
        } else {
            used += own;
            excluded.push((candidate.order, note));
        }
    }
    chosen.sort_by_key(|c| c.order);
    if !chosen.is_empty() {
        text.push_str(CODE_HEADING);
        for candidate in chosen {
            text.push_str(&candidate.text);
        }
    }
    excluded.sort_by_key(|(order, _)| *order);
    omitted.extend(excluded.into_iter().map(|(_, note)| note));
    let text = with_left_out(text, &omitted, budget_tokens);
    PackedContext {
        tokens: estimate_tokens(&text),
        text,
        omitted,
    }
}

/// One changed file's surrounding code, ready to add.
struct Candidate<'a> {
    /// Position in the diff.
    order: usize,
    path: &'a str,
    text: String,
    tokens: usize,
    changed: usize,
}

impl Candidate<'_> {
    fn over_budget(&self) -> String {
        format!(
            "{}: surrounding code (≈{} tokens) left out — over budget",
            self.path,
            thousands(self.tokens)
        )
    }
}

enum Surroundings {
    Section(String),
    /// Nothing to add: an added file (the diff holds all of it), a mode change, a
    /// rename without edits, an empty file.
    Nothing,
    Omitted(String),
}

/// The head lines around `file`'s hunks, as a titled data block.
fn surroundings(root: Option<&Path>, file: &FileDiff) -> Surroundings {
    let path = &file.path;
    if file.binary {
        return Surroundings::Omitted(format!("{path}: binary file, no code shown"));
    }
    match file.status {
        FileStatus::Deleted => {
            return Surroundings::Omitted(format!(
                "{path}: deleted file, no code at head (its removal is in the diff)"
            ))
        }
        FileStatus::Added => return Surroundings::Nothing,
        FileStatus::Modified | FileStatus::Renamed => {}
    }
    if file.hunks.is_empty() {
        return Surroundings::Nothing;
    }
    let Some(root) = root else {
        return Surroundings::Omitted(format!(
            "{path}: surrounding code not read — the checkout cannot be opened"
        ));
    };
    let full = match clean_relative(path).and_then(|rel| confine(root, &rel)) {
        Ok(full) => full,
        Err(why) => {
            let why = why.split(';').next().unwrap_or_default().trim();
            return Surroundings::Omitted(format!("{path}: surrounding code not read — {why}"));
        }
    };
    let size = fs::metadata(&full).map(|m| m.len()).unwrap_or(0);
    if !full.is_file() {
        return Surroundings::Omitted(format!("{path}: not a regular file at head, not read"));
    }
    if size > MAX_FILE_BYTES {
        return Surroundings::Omitted(format!(
            "{path}: surrounding code left out — the file is too large ({} MiB) to read",
            size / (1024 * 1024)
        ));
    }
    // Read with the cap as well: the size checked above may have changed since.
    let content = match crate::workdir::read::read_capped(&full, MAX_FILE_BYTES) {
        Ok((_, true)) => {
            return Surroundings::Omitted(format!(
                "{path}: surrounding code left out — the file is too large to read"
            ))
        }
        Ok((c, false)) => c,
        Err(e) => return Surroundings::Omitted(format!("{path}: surrounding code not read — {e}")),
    };
    if content.contains(&0) {
        return Surroundings::Omitted(format!("{path}: binary at head, no code shown"));
    }
    let content = String::from_utf8_lossy(&content);
    let lines: Vec<&str> = content
        .lines()
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let total = lines.len() as u32;
    if total == 0 {
        return Surroundings::Nothing;
    }
    let ranges = ranges_around(file, total);
    let mut numbered = String::new();
    for (i, (lo, hi)) in ranges.iter().enumerate() {
        if i > 0 {
            numbered.push_str("   ...\n");
        }
        for n in *lo..=*hi {
            let line = lines.get(n as usize - 1).copied().unwrap_or_default();
            let _ = writeln!(numbered, "{n:>6}\t{line}");
        }
    }
    let spans: Vec<String> = ranges.iter().map(|(lo, hi)| format!("{lo}-{hi}")).collect();
    let info = file_type(extension(path)).map_or("", |t| t.fence);
    Surroundings::Section(format!(
        "\n`{path}`, lines {} of {total}:\n\n{}",
        spans.join(", "),
        data_block(&format!("{path} at head"), &numbered, info)
    ))
}

/// The head line ranges within [`CONTEXT_LINES`] of each hunk, clamped to the file's
/// `total` lines, sorted and merged where they overlap or touch.
fn ranges_around(file: &FileDiff, total: u32) -> Vec<(u32, u32)> {
    let mut ranges: Vec<(u32, u32)> = file
        .hunks
        .iter()
        .map(|h| {
            let last = h.start.saturating_add(h.count.saturating_sub(1));
            let lo = h.start.saturating_sub(CONTEXT_LINES).max(1).min(total);
            let hi = last.saturating_add(CONTEXT_LINES).min(total);
            (lo, hi.max(lo))
        })
        .collect();
    ranges.sort_unstable();
    let mut merged: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

/// The longest start of `diff`, whole lines, that [`estimate_tokens`] keeps within
/// `room`, and the note saying what was cut.
fn cut_diff(diff: &str, room: usize) -> (&str, String) {
    let mut end = 0;
    let mut lines = 0usize;
    let total_lines = diff.lines().count();
    let mut counts = (0, 0);
    for line in diff.split_inclusive('\n') {
        let (a, o) = char_counts(line);
        let next = (counts.0 + a, counts.1 + o);
        if tokens_of(next) > room {
            break;
        }
        counts = next;
        end += line.len();
        lines += 1;
    }
    let (kept, rest) = diff.split_at(end);
    let mut cut: Vec<String> = Vec::new();
    if !rest.is_empty() && !rest.starts_with("diff --git ") {
        cut.extend(parse_unified_diff(kept).pop().map(|f| f.path));
    }
    cut.extend(parse_unified_diff(rest).into_iter().map(|f| f.path));
    cut.dedup();
    let mut named = cut
        .iter()
        .take(NAMED_FILES_MAX)
        .cloned()
        .collect::<Vec<_>>();
    if cut.len() > NAMED_FILES_MAX {
        named.push(format!("{} more", cut.len() - NAMED_FILES_MAX));
    }
    let files = if named.is_empty() {
        String::new()
    } else {
        format!(
            "; the changes to {} are cut off or not shown",
            crate::prose::join_and(&named)
        )
    };
    let note = format!(
        "the diff (≈{} tokens) is larger than the budget: only its first {} of {} lines are \
         shown{files}",
        thousands(estimate_tokens(diff)),
        thousands(lines),
        thousands(total_lines)
    );
    (kept, note)
}

/// Introduces the surrounding code (each section starts with a blank line).
const CODE_HEADING: &str = "\nThe code around each change at head (line numbers as in the file):\n";

/// `text` followed by the list of what was left out, when anything was.
fn with_left_out(mut text: String, omitted: &[String], budget_tokens: usize) -> String {
    if !omitted.is_empty() {
        text.push('\n');
        text.push_str(&left_out_heading(budget_tokens));
        for note in omitted {
            let _ = writeln!(text, "- {note}");
        }
    }
    text
}

fn left_out_heading(budget_tokens: usize) -> String {
    format!(
        "Left out of this context (its budget is ≈{} tokens); read it in the checkout if \
         you need it:\n",
        thousands(budget_tokens)
    )
}

/// Tokens a note takes as a list item.
fn note_tokens(note: &str) -> usize {
    estimate_tokens(note) + 2
}

/// `12400` → `12,400`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
