//! Reading code locations out of review text: `path:12`, `path:12-20`, `path#L5`,
//! Markdown links to absolute checkout paths, GitHub/GitLab blob URLs, `path` (line 12),
//! `line 12 of path`, … — normalised to repository-relative [`Location`]s.
//!
//! Only text that really looks like a file is taken: a known extension or file name,
//! or a line number on something path-shaped. `r.watcher`, `http.Server` or
//! `/passthrough/engine/logs` are not locations.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::lang::file_type;
use crate::model::Location;
use crate::prose::percent_decode;

/// A location found in a line, with the byte range it was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub location: Location,
    pub span: Range<usize>,
}

static LINK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"\n]{0,200}")?\s*\)"#)
        .expect("static regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:https?|file)://[^\s)<>\]`'\x22]+").expect("static regex"));
static BACKTICK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"`([^`\n]+)`").expect("static regex"));
/// A path-shaped token, optionally followed by a line spec.
static BARE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<path>(?:[A-Za-z]:[\\/])?[\w.@+~\-/\\]*\w)
        (?:
            :L?(?P<l1>[0-9]{1,20})(?:\s?[-–—]\s?L?(?P<l2>[0-9]{1,20}))?(?::[0-9]{1,10})?
          | \#L(?P<h1>[0-9]{1,20})(?:C[0-9]{1,10})?(?:-L?(?P<h2>[0-9]{1,20})(?:C[0-9]{1,10})?)?
        )?",
    )
    .expect("static regex")
});
/// ` (line 12)`, ` (lines 3-9)`, ` (L12)`, ` line 12`, ` lines 3–9` right after a path.
static LINE_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s{0,3}(?:\(\s{0,3}(?:lines?|ll?\.|L)\s{0,3}(?P<a>[0-9]{1,20})(?:\s{0,3}(?:[-–—]|to)\s{0,3}L?(?P<b>[0-9]{1,20}))?\s{0,3}\)|,?\s(?:lines?|L)\s{0,3}(?P<c>[0-9]{1,20})(?:\s{0,3}[-–—]\s{0,3}L?(?P<d>[0-9]{1,20}))?(?-u:\b))",
    )
    .expect("static regex")
});
/// `, 50-58`, `, L70` right after a location with lines: more ranges in the same file
/// (`parse.c:35-43, 50-58`). Each must end the text or be followed by punctuation, so
/// `a.go:12, 2 callers` is one range.
static EXTRA_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s{0,2},\s{0,2}L?(?P<a>[0-9]{1,9})(?:\s?[-–—]\s?L?(?P<b>[0-9]{1,9}))?(?:$|[,;.:)`*\]]|\s+(?:and|or|in|to)\s|\s+[—–(-])")
        .expect("static regex")
});
/// `line 12 of `, `lines 3-9 in ` right before a path.
static LINE_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?-u:\b)lines?\s{1,3}(?P<a>[0-9]{1,20})(?:\s{0,3}(?:[-–—]|to)\s{0,3}(?P<b>[0-9]{1,20}))?\s{1,3}(?:of|in)\s{1,3}[`*\x22']{0,2}$",
    )
    .expect("static regex")
});

const KNOWN_FILE_NAMES: &[&str] = &[
    "Makefile",
    "makefile",
    "GNUmakefile",
    "Dockerfile",
    "Containerfile",
    "Justfile",
    "justfile",
    "Rakefile",
    "Gemfile",
    "Podfile",
    "Procfile",
    "Vagrantfile",
    "Jenkinsfile",
    "Brewfile",
    "Pipfile",
    "LICENSE",
    "README",
    "CODEOWNERS",
    "BUILD",
    "WORKSPACE",
    "OWNERS",
    "CHANGELOG",
    "NOTICE",
    "AUTHORS",
    "CONTRIBUTING",
];

/// Extensions that are really top-level domains when there is no slash (`example.com:443`).
const DOMAIN_SUFFIXES: &[&str] = &["com", "org", "net", "io", "dev", "local", "internal"];

/// Reads one location spelling. The whole text (trimmed of quotes, backticks, emphasis
/// and trailing punctuation) must be the location; prose around it is rejected.
pub fn parse_location(text: &str, checkout_root: Option<&str>) -> Option<Location> {
    let mut t = text.trim().trim_end_matches(['.', ',', ';', ':']).trim();
    // Surrounding pairs: `x`, **x**, "x", <x>.
    while let (Some(first), Some(last)) = (t.chars().next(), t.chars().next_back()) {
        let pair = matches!(
            (first, last),
            ('`', '`') | ('*', '*') | ('_', '_') | ('"', '"') | ('\'', '\'') | ('<', '>')
        );
        if !pair || t.len() < 2 {
            break;
        }
        t = t[first.len_utf8()..t.len() - last.len_utf8()].trim();
    }
    if t.is_empty() || t.len() > 4096 {
        return None;
    }
    // `[text](target)` as the whole text.
    if let Some(c) = LINK.captures(t) {
        let whole = c.get(0)?;
        if whole.start() == 0 && whole.end() == t.len() {
            let (label, target) = (c.get(1)?.as_str(), c.get(2)?.as_str());
            return link_location(label, target, checkout_root);
        }
    }
    if let Some(m) = URL.find(t) {
        if m.start() == 0 && m.end() == t.len() {
            return url_location(t, checkout_root);
        }
    }
    // `line 12 of path`
    if let Some(found) = find_locations(t, checkout_root).into_iter().next() {
        let before = &t[..found.span.start];
        let after = &t[found.span.end..];
        let only_prefix = before.trim().is_empty() || LINE_PREFIX.is_match(before);
        if only_prefix && after.trim().is_empty() {
            return Some(found.location);
        }
    }
    None
}

/// Every location in one line of text, in order. Links, URLs and backtick spans are
/// read first; the rest of the line is scanned for bare `path:line` tokens.
pub(crate) fn find_locations(line: &str, checkout_root: Option<&str>) -> Vec<Found> {
    let mut found: Vec<Found> = Vec::new();
    // Spans already read, one sorted list per kind (so overlap checks are binary searches).
    let mut links: Vec<Range<usize>> = Vec::new();
    let mut urls: Vec<Range<usize>> = Vec::new();
    let mut ticks: Vec<Range<usize>> = Vec::new();
    // Literal checks first: a capture search costs even when it finds nothing.
    let links_in = line.contains("](").then(|| LINK.captures_iter(line));
    for c in links_in.into_iter().flatten() {
        let (Some(whole), Some(label), Some(target)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        links.push(whole.range());
        if let Some(location) = link_location(label.as_str(), target.as_str(), checkout_root) {
            found.push(Found {
                location,
                span: whole.range(),
            });
        }
    }
    for m in URL.find_iter(line) {
        if overlaps(&links, &m.range()) {
            continue;
        }
        urls.push(m.range());
        if let Some(location) = url_location(m.as_str(), checkout_root) {
            found.push(Found {
                location,
                span: m.range(),
            });
        }
    }
    let ticked = line.contains('`').then(|| BACKTICK.captures_iter(line));
    for c in ticked.into_iter().flatten() {
        let (Some(whole), Some(inner)) = (c.get(0), c.get(1)) else {
            continue;
        };
        if overlaps(&links, &whole.range()) || overlaps(&urls, &whole.range()) {
            continue;
        }
        ticks.push(whole.range());
        let inner_text = inner.as_str();
        let (inner_text, inner_extras) = split_extra_ranges(inner_text);
        if let Some(location) = quoted_location(inner_text, checkout_root) {
            let (location, end) = with_line_suffix(location, line, whole.end());
            let (location, start) = with_line_prefix(location, line, whole.start());
            let (extras, end) = match location.line_start {
                Some(_) if !inner_extras.is_empty() => (inner_extras, end),
                Some(_) => extra_ranges(line, end),
                None => (Vec::new(), end),
            };
            push_with_extras(&mut found, location, extras, start..end);
        }
    }
    // Bare tokens in what is left.
    let mut covered: Vec<Range<usize>> = Vec::with_capacity(links.len() + urls.len() + ticks.len());
    covered.extend(links);
    covered.extend(urls);
    covered.extend(ticks);
    covered.sort_by_key(|r| r.start);
    let mut segments: Vec<Range<usize>> = Vec::new();
    let mut pos = 0;
    for r in &covered {
        if r.start > pos {
            segments.push(pos..r.start);
        }
        pos = pos.max(r.end);
    }
    if pos < line.len() {
        segments.push(pos..line.len());
    }
    for seg in segments {
        let Some(text) = line.get(seg.clone()) else {
            continue;
        };
        // `find_iter` runs on the fast DFA; only tokens that can be paths are captured.
        for m in BARE.find_iter(text) {
            if !m.as_str().contains(['.', '/', '\\', ':', '#'])
                && !KNOWN_FILE_NAMES.contains(&m.as_str())
            {
                continue;
            }
            let Some(c) = BARE.captures(m.as_str()) else {
                continue;
            };
            let Some(whole) = c.get(0) else { continue };
            // A token glued to a preceding word character or URL-ish char is not a path start.
            let start = seg.start + m.start() + whole.start();
            if let Some(prev) = line[..start].chars().next_back() {
                if prev.is_alphanumeric() || matches!(prev, ':' | '/' | '\\' | '#' | '$' | '@') {
                    continue;
                }
            }
            let Some(path) = c.name("path") else { continue };
            let (a, b) = match (c.name("l1"), c.name("h1")) {
                (Some(l1), _) => (Some(l1.as_str()), c.name("l2").map(|m| m.as_str())),
                (None, Some(h1)) => (Some(h1.as_str()), c.name("h2").map(|m| m.as_str())),
                _ => (None, None),
            };
            if !looks_like_file(path.as_str(), a.is_some(), false) {
                continue;
            }
            let Some(location) = make_location(path.as_str(), a, b, checkout_root) else {
                continue;
            };
            let end = seg.start + m.start() + whole.end();
            let (location, end) = with_line_suffix(location, line, end);
            let (location, start) = with_line_prefix(location, line, start);
            let (extras, end) = match location.line_start {
                Some(_) => extra_ranges(line, end),
                None => (Vec::new(), end),
            };
            push_with_extras(&mut found, location, extras, start..end);
        }
    }
    found.sort_by_key(|f| f.span.start);
    found
}

/// The ranges of [`EXTRA_RANGE`] at `line[end..]`, and where they end.
fn extra_ranges(line: &str, mut end: usize) -> (Vec<(u32, u32)>, usize) {
    let mut out = Vec::new();
    while let Some(c) = line.get(end..).and_then(|rest| EXTRA_RANGE.captures(rest)) {
        let Some(range) = line_range(
            c.name("a").map(|m| m.as_str()),
            c.name("b").map(|m| m.as_str()),
        ) else {
            break;
        };
        let consumed = c.name("b").or_else(|| c.name("a")).map_or(0, |m| m.end());
        out.push(range);
        end += consumed;
        if out.len() >= 16 {
            break;
        }
    }
    (out, end)
}

/// A backtick span's text without trailing extra ranges (`parse.c:35-43, 50-58` →
/// `parse.c:35-43` and `[(50, 58)]`).
fn split_extra_ranges(inner: &str) -> (&str, Vec<(u32, u32)>) {
    let Some(comma) = inner.find(',') else {
        return (inner, Vec::new());
    };
    let (head, _) = inner.split_at(comma);
    let (extras, end) = extra_ranges(inner, comma);
    if extras.is_empty() || !inner[end..].trim().is_empty() {
        return (inner, Vec::new());
    }
    (head, extras)
}

/// Pushes a location and the extra ranges in its file; all share the span they were
/// read from.
fn push_with_extras(
    found: &mut Vec<Found>,
    location: Location,
    extras: Vec<(u32, u32)>,
    span: Range<usize>,
) {
    let path = location.path.clone();
    found.push(Found {
        location,
        span: span.clone(),
    });
    for (s, e) in extras {
        found.push(Found {
            location: Location::lines(path.clone(), s, e),
            span: span.clone(),
        });
    }
}

/// A link's location: its target's, unless the label names the same file by a
/// repository-relative path — `[pkg/a.go:45-54](/private/tmp/review-x/pkg/a.go#L45)`
/// is `pkg/a.go:45-54`: the label has the whole range, and the target an absolute
/// checkout path that must not leak into the report.
fn link_location(label: &str, target: &str, root: Option<&str>) -> Option<Location> {
    let from_label = || {
        find_locations(label, root)
            .into_iter()
            .next()
            .map(|f| f.location)
    };
    let Some(target_loc) = target_location(target, root) else {
        return from_label();
    };
    if !target_loc.path.starts_with('/') {
        return Some(target_loc);
    }
    match from_label() {
        Some(label_loc)
            if !label_loc.path.starts_with('/')
                && target_loc
                    .path
                    .strip_suffix(label_loc.path.as_str())
                    .is_some_and(|head| head.ends_with('/')) =>
        {
            if label_loc.line_start.is_some() {
                Some(label_loc)
            } else {
                Some(Location {
                    path: label_loc.path,
                    ..target_loc
                })
            }
        }
        _ => Some(target_loc),
    }
}

/// Whether `r` overlaps one of the sorted, disjoint `spans`.
fn overlaps(spans: &[Range<usize>], r: &Range<usize>) -> bool {
    let i = spans.partition_point(|s| s.end <= r.start);
    spans.get(i).is_some_and(|s| s.start < r.end)
}

/// A backtick span: `path`, `path:12-20`, `path#L3`, `path (line 12)`, or a link/URL.
fn quoted_location(inner: &str, root: Option<&str>) -> Option<Location> {
    let t = inner.trim();
    if t.starts_with("http://") || t.starts_with("https://") || t.starts_with("file://") {
        return url_location(t, root);
    }
    let c = BARE.captures(t)?;
    let whole = c.get(0)?;
    if whole.start() != 0 {
        return None;
    }
    let path = c.name("path")?.as_str();
    let (a, b) = match (c.name("l1"), c.name("h1")) {
        (Some(l1), _) => (Some(l1.as_str()), c.name("l2").map(|m| m.as_str())),
        (None, Some(h1)) => (Some(h1.as_str()), c.name("h2").map(|m| m.as_str())),
        _ => (None, None),
    };
    let rest = &t[whole.end()..];
    let location = if rest.trim().is_empty() {
        make_location(path, a, b, root)?
    } else if a.is_none() && LINE_SUFFIX.is_match(rest) {
        let (loc, end) = with_line_suffix(make_location(path, None, None, root)?, t, whole.end());
        if !t[end..].trim().is_empty() {
            return None;
        }
        loc
    } else {
        return None;
    };
    if !looks_like_file(path, a.is_some() || location.line_start.is_some(), true) {
        return None;
    }
    Some(location)
}

/// Applies a `(line 12)` / `(lines 3-9)` suffix found at `line[end..]` to a file-level
/// location; returns the location and where the consumed text ends.
fn with_line_suffix(location: Location, line: &str, end: usize) -> (Location, usize) {
    if location.line_start.is_some() {
        return (location, end);
    }
    let Some(rest) = line.get(end..) else {
        return (location, end);
    };
    let Some(c) = LINE_SUFFIX.captures(rest) else {
        return (location, end);
    };
    let a = c.name("a").or_else(|| c.name("c")).map(|m| m.as_str());
    let b = c.name("b").or_else(|| c.name("d")).map(|m| m.as_str());
    let consumed = c.get(0).map_or(0, |m| m.end());
    match line_range(a, b) {
        Some((s, e)) => (Location::lines(location.path, s, e), end + consumed),
        None => (location, end),
    }
}

/// Applies a `line 12 of ` prefix that ends at `line[..start]`; returns the location
/// and where the consumed text starts. Only the last few bytes are looked at.
fn with_line_prefix(location: Location, line: &str, start: usize) -> (Location, usize) {
    if location.line_start.is_some() {
        return (location, start);
    }
    let mut from = start.saturating_sub(64);
    while from > 0 && !line.is_char_boundary(from) {
        from -= 1;
    }
    let Some(before) = line.get(from..start) else {
        return (location, start);
    };
    match LINE_PREFIX.captures(before) {
        Some(c) => match line_range(
            c.name("a").map(|m| m.as_str()),
            c.name("b").map(|m| m.as_str()),
        ) {
            Some((s, e)) => (
                Location::lines(location.path, s, e),
                from + c.get(0).map_or(before.len(), |m| m.start()),
            ),
            None => (location, start),
        },
        None => (location, start),
    }
}

/// A link target: a URL, an absolute or relative path with an optional `#L` fragment
/// or `:line` suffix.
fn target_location(target: &str, root: Option<&str>) -> Option<Location> {
    let t = target.trim();
    if t.contains("://") {
        return url_location(t, root);
    }
    if t.starts_with('#') || t.starts_with("mailto:") {
        return None;
    }
    let (path_part, fragment) = match t.split_once('#') {
        Some((p, f)) => (p, Some(f)),
        None => (t, None),
    };
    let path_part = path_part.split('?').next().unwrap_or(path_part);
    let (a, b) = fragment.map(fragment_lines).unwrap_or((None, None));
    if a.is_some() {
        let decoded = percent_decode(path_part);
        if !looks_like_file(&decoded, true, true) {
            return None;
        }
        return make_location_nums(&decoded, a, b, root);
    }
    quoted_location(&percent_decode(path_part), root)
}

/// `#L10`, `#L10-L20`, `#L10C3-L20C5`, `#L10-20`, `#lines-10:20`.
fn fragment_lines(fragment: &str) -> (Option<u64>, Option<u64>) {
    static FRAG: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"^(?:L|lines-)([0-9]{1,20})(?:C[0-9]{1,10})?(?:[-:]L?([0-9]{1,20})(?:C[0-9]{1,10})?)?",
        )
        .expect("static regex")
    });
    match FRAG.captures(fragment) {
        Some(c) => (
            c.get(1).and_then(|m| m.as_str().parse().ok()),
            c.get(2).and_then(|m| m.as_str().parse().ok()),
        ),
        None => (None, None),
    }
}

/// Blob URLs of GitHub, GitLab, Bitbucket, raw.githubusercontent.com, and `file://`.
fn url_location(url: &str, root: Option<&str>) -> Option<Location> {
    let url = url.trim_end_matches(['.', ',', ';', ')']);
    let (no_frag, fragment) = match url.split_once('#') {
        Some((u, f)) => (u, Some(f)),
        None => (url, None),
    };
    let no_query = no_frag.split('?').next().unwrap_or(no_frag);
    let (a, b) = fragment.map(fragment_lines).unwrap_or((None, None));
    if let Some(path) = no_query.strip_prefix("file://") {
        let path = percent_decode(path);
        if !looks_like_file(&path, a.is_some(), true) {
            return None;
        }
        return make_location_nums(&path, a, b, root);
    }
    let rest = no_query.split_once("://")?.1;
    let segments: Vec<&str> = rest.split('/').collect();
    let host = segments.first()?.to_ascii_lowercase();
    let path_segments: &[&str] = if host == "raw.githubusercontent.com" {
        // host/owner/repo/ref/path…
        segments.get(4..)?
    } else {
        // host/…/(blob|tree|raw|src)/ref/path…  (GitLab has a `-` segment before blob)
        let i = segments
            .iter()
            .position(|s| matches!(*s, "blob" | "tree" | "raw" | "src"))?;
        if i < 3 {
            return None;
        }
        segments.get(i + 2..)?
    };
    if path_segments.is_empty() {
        return None;
    }
    let path = percent_decode(&path_segments.join("/"));
    if !looks_like_file(&path, a.is_some(), true) {
        return None;
    }
    make_location_nums(&path, a, b, root)
}

/// Whether a token is a plausible file path. `quoted` relaxes the rules for text the
/// reviewer put in backticks or a link.
fn looks_like_file(path: &str, has_line: bool, quoted: bool) -> bool {
    let p = path.replace('\\', "/");
    let p = p.trim_end_matches('/');
    if p.is_empty() || p.len() > 4096 || p.contains("://") || p.contains(char::is_whitespace) {
        return false;
    }
    if !p.chars().any(|c| c.is_alphabetic()) {
        return false;
    }
    let name = p.rsplit('/').next().unwrap_or(p);
    let has_slash = p.contains('/');
    let ext = name
        .rsplit_once('.')
        .filter(|(_, ext)| !ext.is_empty() && ext.len() <= 12)
        .filter(|(_, ext)| ext.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .filter(|(_, ext)| ext.chars().any(|c| c.is_alphabetic()))
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let known_ext = ext.as_deref().and_then(file_type).is_some();
    let known_name = KNOWN_FILE_NAMES.contains(&name);
    if known_ext || known_name {
        return true;
    }
    let Some(ext) = ext else {
        // No extension: only a line number on a multi-segment relative path.
        return has_line && has_slash && !p.starts_with('/') && quoted;
    };
    if !has_slash && DOMAIN_SUFFIXES.contains(&ext.as_str()) {
        return false;
    }
    has_line || (has_slash && quoted && !p.starts_with('/'))
}

fn make_location(
    path: &str,
    a: Option<&str>,
    b: Option<&str>,
    root: Option<&str>,
) -> Option<Location> {
    let a = a.and_then(|s| s.parse::<u64>().ok());
    let b = b.and_then(|s| s.parse::<u64>().ok());
    make_location_nums(path, a, b, root)
}

fn make_location_nums(
    path: &str,
    a: Option<u64>,
    b: Option<u64>,
    root: Option<&str>,
) -> Option<Location> {
    let path = normalise_path(path, root)?;
    Some(match line_range_nums(a, b) {
        Some((s, e)) => Location::lines(path, s, e),
        None => Location::file(path),
    })
}

fn line_range(a: Option<&str>, b: Option<&str>) -> Option<(u32, u32)> {
    line_range_nums(
        a.and_then(|s| s.parse().ok()),
        b.and_then(|s| s.parse().ok()),
    )
}

/// A valid 1-based line range; a start of 0 or beyond `u32` makes the location
/// file-level; a bad end is dropped; a reversed range is swapped by [`Location::lines`].
fn line_range_nums(a: Option<u64>, b: Option<u64>) -> Option<(u32, u32)> {
    let valid = |n: u64| u32::try_from(n).ok().filter(|&n| n > 0);
    let start = valid(a?)?;
    let end = b.and_then(valid).unwrap_or(start);
    Some((start, end))
}

/// Repository-relative form of a path: `\` → `/`, the checkout root, `./`, `a/`/`b/`
/// diff prefixes and doubled slashes removed.
pub(crate) fn normalise_path(path: &str, root: Option<&str>) -> Option<String> {
    let mut p = path.trim().replace('\\', "/");
    if let Some(root) = root.map(|r| r.trim().replace('\\', "/")) {
        let root = root.trim_end_matches('/');
        if !root.is_empty() {
            if let Some(rest) = p.strip_prefix(root) {
                if rest.starts_with('/') {
                    p = rest.trim_start_matches('/').to_string();
                }
            }
        }
    }
    while p.contains("//") {
        p = p.replace("//", "/");
    }
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p = p.replace("/./", "/");
    for prefix in ["a/", "b/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            if !rest.is_empty() {
                p = rest.to_string();
            }
            break;
        }
    }
    let p = p.trim_end_matches('/').to_string();
    if p.is_empty() || !p.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: Option<&str> = Some("/home/dev/checkout");

    fn loc(path: &str, lines: Option<(u32, u32)>) -> Option<Location> {
        Some(match lines {
            Some((a, b)) => Location::lines(path, a, b),
            None => Location::file(path),
        })
    }

    #[test]
    fn location_spellings() {
        let cases: &[(&str, Option<Location>)] = &[
            ("src/lib.rs:12", loc("src/lib.rs", Some((12, 12)))),
            ("`src/lib.rs:12`", loc("src/lib.rs", Some((12, 12)))),
            ("`src/lib.rs:12-20`", loc("src/lib.rs", Some((12, 20)))),
            ("src/lib.rs:12–20", loc("src/lib.rs", Some((12, 20)))),
            ("src/lib.rs:12—20", loc("src/lib.rs", Some((12, 20)))),
            ("src/lib.rs:12:5", loc("src/lib.rs", Some((12, 12)))),
            ("src/lib.rs#L5", loc("src/lib.rs", Some((5, 5)))),
            ("src/lib.rs#L5-L9", loc("src/lib.rs", Some((5, 9)))),
            (
                "`app/models.py` (line 12)",
                loc("app/models.py", Some((12, 12))),
            ),
            (
                "app/models.py (lines 3-9)",
                loc("app/models.py", Some((3, 9))),
            ),
            ("`app/models.py`", loc("app/models.py", None)),
            ("app/models.py", loc("app/models.py", None)),
            (
                "line 12 of app/models.py",
                loc("app/models.py", Some((12, 12))),
            ),
            (
                "lines 4-6 in `web/src/App.tsx`",
                loc("web/src/App.tsx", Some((4, 6))),
            ),
            (
                "[lib.go](/home/dev/checkout/pkg/lib.go#L83)",
                loc("pkg/lib.go", Some((83, 83))),
            ),
            (
                "[lib.go](/home/dev/checkout/pkg/lib.go#L10-L20)",
                loc("pkg/lib.go", Some((10, 20))),
            ),
            (
                "https://github.com/o/r/blob/0123abc/pkg/x.go#L10-L20",
                loc("pkg/x.go", Some((10, 20))),
            ),
            (
                "https://github.com/o/r/blob/main/pkg/x.go?plain=1#L7",
                loc("pkg/x.go", Some((7, 7))),
            ),
            (
                "https://gitlab.com/g/p/-/blob/main/src/a.ts#L3-8",
                loc("src/a.ts", Some((3, 8))),
            ),
            (
                "/home/dev/checkout/src/main.rs:9",
                loc("src/main.rs", Some((9, 9))),
            ),
            ("./src/main.rs:9", loc("src/main.rs", Some((9, 9)))),
            ("b/src/main.rs:9", loc("src/main.rs", Some((9, 9)))),
            ("a/cmd/tool/main.go", loc("cmd/tool/main.go", None)),
            (r"src\win\path.rs:4", loc("src/win/path.rs", Some((4, 4)))),
            (
                r"C:\work\repo\src\x.rs:4",
                loc("C:/work/repo/src/x.rs", Some((4, 4))),
            ),
            (
                "docs/café/naïve.md:3",
                loc("docs/café/naïve.md", Some((3, 3))),
            ),
            ("Makefile:14", loc("Makefile", Some((14, 14)))),
            ("`Dockerfile`", loc("Dockerfile", None)),
            // Hostile and non-locations.
            ("src/lib.rs:0", loc("src/lib.rs", None)),
            ("src/lib.rs:99999999999", loc("src/lib.rs", None)),
            ("src/lib.rs:20-10", loc("src/lib.rs", Some((10, 20)))),
            ("src/lib.rs:5-99999999999", loc("src/lib.rs", Some((5, 5)))),
            ("r.watcher", None),
            ("http.Server", None),
            ("`/passthrough/engine/logs`", None),
            ("localhost:8080", None),
            ("example.com:443", None),
            ("10:30", None),
            ("https://example.com/docs/page", None),
            ("see src/lib.rs:12 for details", None),
            ("", None),
            (":::", None),
            ("`", None),
            ("[text](#anchor)", None),
            ("v1.2.3", None),
        ];
        for (input, expected) in cases {
            assert_eq!(&parse_location(input, ROOT), expected, "input: {input:?}");
        }
    }

    #[test]
    fn several_locations_in_a_line() {
        let cases: &[(&str, &[&str])] = &[
            ("`a.go:3`, `b.go:10-12`", &["a.go:3", "b.go:10-12"]),
            ("a.go:3, b.go:10-12", &["a.go:3", "b.go:10-12"]),
            (
                "**C1. `HandleLogs` races on `r.watcher`** — `pkg/x/handler.go:36`",
                &["pkg/x/handler.go:36"],
            ),
            (
                "see [x](https://github.com/o/r/blob/abc/src/x.rs#L1-L2) and `src/y.rs` (line 4)",
                &["src/x.rs:1-2", "src/y.rs:4"],
            ),
            ("time 10:30 and e.g. and/or and `stdout/stderr`", &[]),
            ("`// TODO: fix me` — `src/a.rs:35`", &["src/a.rs:35"]),
            (
                "`src/http/parse.c:35-43, 50-58`",
                &["src/http/parse.c:35-43", "src/http/parse.c:50-58"],
            ),
            (
                "pkg/a.go:35-43, 50, and more",
                &["pkg/a.go:35-43", "pkg/a.go:50"],
            ),
            ("`a.go:12`, 2 callers", &["a.go:12"]),
            (
                "— [src/auth/refresh.ts:45-54](/private/tmp/review-91c/src/auth/refresh.ts#L45)",
                &["src/auth/refresh.ts:45-54"],
            ),
            (
                "[refresh.ts](/private/tmp/review-91c/src/auth/refresh.ts#L45)",
                &["refresh.ts:45"],
            ),
        ];
        for (input, expected) in cases {
            let got: Vec<String> = find_locations(input, ROOT)
                .into_iter()
                .map(|f| f.location.to_string())
                .collect();
            assert_eq!(got, *expected, "input: {input:?}");
        }
    }

    #[test]
    fn root_is_stripped_only_on_a_segment_boundary() {
        assert_eq!(
            normalise_path("/home/dev/checkout2/x.rs", ROOT).as_deref(),
            Some("/home/dev/checkout2/x.rs")
        );
        assert_eq!(
            normalise_path("/home/dev/checkout/", ROOT),
            None,
            "the root itself is no file"
        );
    }
}
