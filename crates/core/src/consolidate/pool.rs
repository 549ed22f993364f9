//! A pool of comparable entries (all findings, or all design concerns, or all
//! strengths) and the pair score between two of them.
//!
//! The score answers "do these two say the same thing about the same place?":
//!
//! - *what*: text similarity of title and prose (TF-IDF cosine, title words weigh
//!   three times), title similarity alone, and shared identifiers named in the prose
//!   (IDF-weighted cosine, so `watcherMu` counts more than `err`); when one item is
//!   terse (a bot's "Close resp.Body before retrying"), cosine punishes the length
//!   gap, so the share of its title words and named identifiers that the other item
//!   mentions (its *cover*) can stand in for it;
//! - *where*: location agreement (same file; overlapping or nearby lines) or the same
//!   code quoted in snippets.
//!
//! `score = what × (0.55 + 0.45 × where)`: agreeing locations strengthen a textual
//! match, but a shared location on its own never makes two items one issue.
//!
//! Entries are kept in a canonical order (reviewer, pass, label) and term ids are
//! given in first-seen order over those entries, so every float sum runs in the same
//! order whatever order the reviews came in.

use std::collections::BTreeSet;

use crate::model::{ItemSource, Location};

use rustc_hash::{FxHashMap, FxHashSet};

use super::text::{ItemKeys, Lexicon};

/// Scores are compared as integers in millionths so ties are exact.
pub(crate) type Score = u32;
pub(crate) const SCALE: f64 = 1_000_000.0;

/// The place agreement assumed when one side gives no location at all.
const UNKNOWN_PLACE: f64 = 0.35;

/// The weight of [`PairScore::cover`] when it is the stronger evidence.
const COVER_WEIGHT: f64 = 0.6;

/// An item with at most this many distinct words and identifiers is terse.
const TERSE_TERMS: usize = 30;

/// Title words count this many times in the text vector.
const TITLE_WEIGHT: f64 = 3.0;

/// One item to group, as given by the caller.
#[derive(Debug, Clone)]
pub(crate) struct Input<'a> {
    /// Cannot-link identity: two entries with the same reviewer never share a group.
    pub reviewer: &'a str,
    pub pass: u32,
    pub local_id: &'a str,
    pub ordinal: usize,
    pub title: &'a str,
    pub body: &'a str,
    pub snippets: &'a [String],
    pub locations: &'a [Location],
    /// Findings and assessment items; `None` for design items.
    pub source: Option<ItemSource>,
    /// The caller's handle on the item (index into its own list).
    pub handle: usize,
}

/// A sparse vector: (term id, weight), sorted by id, unit length (or empty).
pub(crate) type SparseVec = Vec<(u32, f64)>;

#[derive(Debug, Clone)]
pub(crate) struct Entry<'a> {
    pub input: Input<'a>,
    /// Rank of (reviewer, pass) among the pool's reviewers, for cannot-link checks.
    pub reviewer_rank: u32,
    pub text: SparseVec,
    pub title: SparseVec,
    pub idents: SparseVec,
    pub code: SparseVec,
    /// Term ids usable for blocking (identifiers and title words).
    pub block_terms: Vec<u32>,
    /// Title words and prose identifiers with their IDF, not normalised (for how much
    /// of them the other item covers).
    pub title_terms: SparseVec,
    pub prose_terms: SparseVec,
    /// The words of title and prose and the identifiers named in them, sorted.
    pub all_terms: Vec<u32>,
    pub topic: Topic,
}

/// A location as the pool scores it: the file's id in the pool ([`NO_FILE`] for an
/// empty path) and the line range.
#[derive(Debug, Clone, Copy)]
struct Place {
    file: u32,
    lines: Option<(u32, u32)>,
}

/// The file id of a location without a path: the same file as nothing.
const NO_FILE: u32 = u32::MAX;

/// What an item is about, coarsely: its tests, its documentation, or the code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Topic {
    Code,
    Tests,
    Docs,
}

/// The factor applied to pairs of items about different topics.
const TOPIC_MISMATCH: f64 = 0.45;

/// `title_words`: the lexicon keys of the words of the whole title.
fn topic_of(source: Option<ItemSource>, title_words: &[u32], lexicon: &Lexicon) -> Topic {
    match source {
        Some(ItemSource::Testing) => return Topic::Tests,
        Some(ItemSource::Documentation) => return Topic::Docs,
        _ => {}
    }
    let has = |list: &[&str]| {
        title_words
            .iter()
            .any(|&k| list.contains(&lexicon.get(k).1))
    };
    if has(&["test", "tests", "testing", "coverage", "untested"]) {
        Topic::Tests
    } else if has(&[
        "doc",
        "docs",
        "documentation",
        "docstring",
        "readme",
        "changelog",
    ]) {
        Topic::Docs
    } else {
        Topic::Code
    }
}

pub(crate) struct Pool<'a> {
    /// In canonical order.
    pub entries: Vec<Entry<'a>>,
    /// Term strings by id (`w:` words, `i:` identifiers).
    pub terms: Vec<String>,
    /// Document frequency by term id.
    pub df: Vec<u32>,
    /// Pairs of distinct file ids (lower first) that [`same_file`] says are one file
    /// (`b.go` and `pkg/b.go`): it is asked once per pair of paths, not per pair of
    /// entries.
    same_files: FxHashSet<(u32, u32)>,
    /// Each entry's locations as the pool's files and line ranges, by entry.
    places: Vec<Vec<Place>>,
}

/// The parts of a pair score, kept for the merge reasons.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct PairScore {
    pub text: f64,
    pub title: f64,
    pub idents: f64,
    pub code: f64,
    pub location: f64,
    /// False when one item is about tests or documentation and the other is not.
    pub same_topic: bool,
    /// How much of one item's title and identifiers the other mentions.
    pub cover: f64,
    pub total: f64,
    /// Merged because the two items are the only ones of their reviewers on the same
    /// lines, not by their words (see `cluster::SAME_PLACE_SCORE`).
    pub same_place: bool,
}

impl PairScore {
    pub fn scaled(&self) -> Score {
        (self.total.clamp(0.0, 1.0) * SCALE).round() as Score
    }
}

impl<'a> Pool<'a> {
    pub fn new(mut inputs: Vec<Input<'a>>) -> Pool<'a> {
        inputs.sort_by(|a, b| canonical(a).cmp(&canonical(b)));
        // Each item's features and topic, on every core: each run of items through a
        // lexicon of its own (the keys are local to it).
        let read = crate::parallel::map_runs(&inputs, |run| {
            let mut lexicon = Lexicon::default();
            let mut title_words: Vec<u32> = Vec::new();
            let items: Vec<(ItemKeys, Topic)> = run
                .iter()
                .map(|input| {
                    let keys = lexicon.features(input.title, input.body, input.snippets);
                    title_words.clear();
                    lexicon.push_words(input.title, &mut title_words);
                    (keys, topic_of(input.source, &title_words, &lexicon))
                })
                .collect();
            (lexicon, items)
        });
        // Term ids in first-seen order over the canonically ordered entries, so they
        // do not depend on the order of the reviews (nor on how the items were split
        // across cores); document frequencies alongside.
        let mut id_of_term: FxHashMap<String, u32> = FxHashMap::default();
        let mut terms: Vec<String> = Vec::new();
        let mut df: Vec<u32> = Vec::new();
        let mut last_seen: Vec<usize> = Vec::new();
        let mut item_ids: Vec<[Vec<u32>; 5]> = Vec::with_capacity(inputs.len());
        let mut topics: Vec<Topic> = Vec::with_capacity(inputs.len());
        let mut item = 0;
        for (lexicon, run) in read {
            // This run's lexicon keys → term ids.
            let mut term_of_key: Vec<u32> = Vec::new();
            for (keys, topic) in run {
                topics.push(topic);
                let lists = [
                    keys.title_words,
                    keys.body_words,
                    keys.prose_idents,
                    keys.code_idents,
                    keys.span_words,
                ];
                let mut ids: [Vec<u32>; 5] = Default::default();
                for (slot, mut list) in lists.into_iter().enumerate() {
                    for key in list.iter_mut() {
                        let k = *key as usize;
                        if term_of_key.len() <= k {
                            term_of_key.resize(k + 1, u32::MAX);
                        }
                        if term_of_key[k] == u32::MAX {
                            let (is_ident, text) = lexicon.get(*key);
                            let tag = if is_ident { "i:" } else { "w:" };
                            let term = format!("{tag}{text}");
                            term_of_key[k] = *id_of_term.entry(term).or_insert_with_key(|term| {
                                terms.push(term.clone());
                                df.push(0);
                                last_seen.push(usize::MAX);
                                (terms.len() - 1) as u32
                            });
                        }
                        let id = term_of_key[k];
                        let t = id as usize;
                        if last_seen[t] != item {
                            last_seen[t] = item;
                            df[t] += 1;
                        }
                        *key = id;
                    }
                    ids[slot] = list;
                }
                item_ids.push(ids);
                item += 1;
            }
        }
        let n = inputs.len().max(1) as f64;
        let idf: Vec<f64> = df
            .iter()
            .map(|&d| (1.0 + n / f64::from(d.max(1))).ln())
            .collect();
        let idf = |id: u32| -> f64 {
            idf.get(id as usize)
                .copied()
                .unwrap_or_else(|| (1.0 + n).ln())
        };

        let reviewers: BTreeSet<(&str, u32)> =
            inputs.iter().map(|i| (i.reviewer, i.pass)).collect();
        let reviewer_rank = |i: &Input| -> u32 {
            reviewers
                .iter()
                .position(|r| *r == (i.reviewer, i.pass))
                .unwrap_or(0) as u32
        };

        let (places, same_files) = places_of(&inputs);
        // Each entry's vectors, on every core.
        let items: Vec<(Input<'a>, [Vec<u32>; 5], Topic)> = inputs
            .into_iter()
            .zip(item_ids)
            .zip(topics)
            .map(|((input, ids), topic)| (input, ids, topic))
            .collect();
        let entries = crate::parallel::map(&items, |(input, ids, topic)| {
            let [title_ids, body_ids, prose_ids, code_ids, span_ids] = ids;
            // Sorted copies of the two lists that are sorted; the others are read as
            // they are.
            let (mut title_ids, mut body_ids) = (title_ids.clone(), body_ids.clone());
            let (input, topic) = (input.clone(), *topic);
            title_ids.sort_unstable();
            title_ids.dedup();
            body_ids.sort_unstable();
            // Title words weigh TITLE_WEIGHT, body words 1 + ln(tf); a word in both
            // gets the sum (title first, as the sum was always taken).
            let mut weighted: Vec<(u32, f64)> =
                Vec::with_capacity(title_ids.len() + body_ids.len());
            weighted.extend(title_ids.iter().map(|&id| (id, TITLE_WEIGHT)));
            let mut run = 0;
            while run < body_ids.len() {
                let id = body_ids[run];
                let len = body_ids[run..].iter().take_while(|&&x| x == id).count();
                weighted.push((id, 1.0 + (len as f64).ln()));
                run += len;
            }
            weighted.sort_by_key(|(id, _)| *id);
            let mut text: SparseVec = Vec::with_capacity(weighted.len());
            for &(id, w) in &weighted {
                match text.last_mut() {
                    Some(last) if last.0 == id => last.1 += w,
                    _ => text.push((id, w)),
                }
            }
            for (id, w) in text.iter_mut() {
                *w *= idf(*id);
            }
            let title: SparseVec = title_ids.iter().map(|&id| (id, idf(id))).collect();
            let idents: SparseVec = prose_ids.iter().map(|&id| (id, idf(id))).collect();
            let code: SparseVec = code_ids.iter().map(|&id| (id, idf(id))).collect();
            let mut block_terms: Vec<u32> = idents
                .iter()
                .chain(code.iter())
                .map(|(id, _)| *id)
                .chain(title_ids.iter().copied())
                .collect();
            block_terms.sort_unstable();
            block_terms.dedup();
            // Not the quoted code: a snippet also shows the lines around the issue.
            let mut all_terms: Vec<u32> = text
                .iter()
                .chain(idents.iter())
                .map(|(id, _)| *id)
                .chain(span_ids.iter().copied())
                .collect();
            all_terms.sort_unstable();
            all_terms.dedup();
            let prose_terms = sorted(idents.clone());
            Entry {
                title_terms: title.clone(),
                prose_terms,
                all_terms,
                reviewer_rank: reviewer_rank(&input),
                topic,
                input,
                text: normalise(text),
                title: normalise(title),
                idents: normalise(sorted(idents)),
                code: normalise(sorted(code)),
                block_terms,
            }
        });
        Pool {
            entries,
            terms,
            df,
            same_files,
            places,
        }
    }

    /// The score of two entries (by index). Symmetric.
    pub fn score(&self, a: usize, b: usize) -> PairScore {
        let (Some(x), Some(y)) = (self.entries.get(a), self.entries.get(b)) else {
            return PairScore::default();
        };
        let text = dot(&x.text, &y.text);
        let title = dot(&x.title, &y.title);
        let idents = dot(&x.idents, &y.idents);
        let code = dot(&x.code, &y.code);
        let location = self.place_similarity(&self.places[a], &self.places[b]);
        // Identifier evidence only counts when both sides name identifiers at all, and
        // one shared identifier (often just the function both items are in) counts half.
        let shared = count_common(&x.idents, &y.idents);
        let idents = if shared == 1 { idents / 2.0 } else { idents };
        // A single named identifier is too little to judge by.
        let what = if x.idents.len() < 2 || y.idents.len() < 2 {
            (0.5 * text + 0.2 * title) / 0.7
        } else {
            0.45 * text + 0.2 * title + 0.35 * idents
        };
        // A terse item next to a verbose one: how much of one's title and named
        // identifiers the other mentions anywhere (cosine punishes the length gap).
        // Only a terse item's words are looked for in the other: two verbose items
        // mention each other's words by chance.
        let cover_of = |x: &Entry, y: &Entry| -> f64 {
            if x.all_terms.len() > TERSE_TERMS {
                return 0.0;
            }
            let title_cover = covered(&x.title_terms, &y.all_terms).0;
            let (ident_cover, shared) = covered(&x.prose_terms, &y.all_terms);
            // One shared identifier is often just the function both items are in.
            0.5 * title_cover + 0.5 * ident_cover * shared.min(2) as f64 / 2.0
        };
        let cover = cover_of(x, y).max(cover_of(y, x));
        let what = what.max(COVER_WEIGHT * cover);
        // Items about different topics (a missing test vs the bug itself) rarely are
        // the same issue even when they name the same code.
        let topic = if x.topic == y.topic {
            1.0
        } else {
            TOPIC_MISMATCH
        };
        // An unknown location is neither agreement nor disagreement.
        let unknown = if x.input.locations.is_empty() || y.input.locations.is_empty() {
            UNKNOWN_PLACE
        } else {
            0.0
        };
        let place = location.max(0.9 * code).max(unknown);
        let total = what * (0.55 + 0.45 * place) * topic;
        PairScore {
            text,
            title,
            idents,
            code,
            location,
            same_topic: x.topic == y.topic,
            cover,
            total,
            same_place: false,
        }
    }

    /// [`location_similarity`] of two entries' places.
    fn place_similarity(&self, a: &[Place], b: &[Place]) -> f64 {
        let mut best: f64 = 0.0;
        for x in a {
            for y in b {
                let same = x.file != NO_FILE
                    && (x.file == y.file
                        || self
                            .same_files
                            .contains(&(x.file.min(y.file), x.file.max(y.file))));
                if same {
                    best = best.max(place_agreement(gap_between(x.lines, y.lines)));
                }
            }
        }
        best
    }

    /// The identifiers two entries share, rarest first (at most `limit`).
    pub fn shared_idents(&self, a: usize, b: usize, limit: usize) -> (Vec<String>, bool) {
        let (Some(x), Some(y)) = (self.entries.get(a), self.entries.get(b)) else {
            return (Vec::new(), false);
        };
        let mut shared = common(&x.idents, &y.idents);
        let mut from_code = false;
        if shared.is_empty() {
            shared = common(&x.code, &y.code);
            from_code = true;
        }
        // Drop components already covered by a dotted chain (`watcher` in `r.watcher`).
        let names: Vec<(u32, &str)> = shared
            .iter()
            .filter_map(|id| {
                self.terms
                    .get(*id as usize)
                    .map(|t| (*id, t.trim_start_matches("i:")))
            })
            .collect();
        let mut kept: Vec<(u32, &str)> = names
            .iter()
            .filter(|(_, n)| {
                !names.iter().any(|(_, other)| {
                    other.len() > n.len() && other.split('.').any(|part| part == *n)
                })
            })
            .copied()
            .collect();
        kept.sort_by(|(ia, na), (ib, nb)| {
            let da = self.df.get(*ia as usize).copied().unwrap_or(0);
            let db = self.df.get(*ib as usize).copied().unwrap_or(0);
            da.cmp(&db).then(na.cmp(nb))
        });
        (
            kept.into_iter()
                .take(limit)
                .map(|(_, n)| n.to_string())
                .collect(),
            from_code,
        )
    }
}

/// The order entries are kept in, independent of the order reviews were given in.
fn canonical<'b>(i: &Input<'b>) -> (&'b str, u32, &'b str, usize, usize) {
    (i.reviewer, i.pass, i.local_id, i.ordinal, i.handle)
}

fn sorted(mut v: SparseVec) -> SparseVec {
    v.sort_by_key(|(id, _)| *id);
    v.dedup_by_key(|(id, _)| *id);
    v
}

fn normalise(v: SparseVec) -> SparseVec {
    let norm = v.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
    if norm <= f64::EPSILON {
        return Vec::new();
    }
    v.into_iter().map(|(id, w)| (id, w / norm)).collect()
}

pub(crate) fn dot(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    sum.clamp(0.0, 1.0)
}

/// The share of `part`'s weight (IDF squared) whose terms are in `all`, and how many.
fn covered(part: &[(u32, f64)], all: &[u32]) -> (f64, usize) {
    let (mut hit, mut total, mut n) = (0.0, 0.0, 0);
    for &(id, w) in part {
        total += w * w;
        if all.binary_search(&id).is_ok() {
            hit += w * w;
            n += 1;
        }
    }
    if total <= f64::EPSILON {
        (0.0, 0)
    } else {
        (hit / total, n)
    }
}

fn count_common(a: &[(u32, f64)], b: &[(u32, f64)]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

fn common(a: &[(u32, f64)], b: &[(u32, f64)]) -> Vec<u32> {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i].0);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// Lines further apart than this count as "elsewhere in the same file".
pub(crate) const NEAR_LINES: u32 = 40;

/// How well two location lists agree, in [0, 1]: 1 for overlapping lines in the same
/// file, falling with the distance between them; 0.6 when one side names only the
/// file; 0.3 for far-apart lines of one file; 0 for different files or no location.
pub(crate) fn location_similarity(a: &[Location], b: &[Location]) -> f64 {
    let mut best: f64 = 0.0;
    for x in a {
        for y in b {
            if !same_file(&x.path, &y.path) {
                continue;
            }
            best = best.max(place_agreement(line_gap(x, y)));
        }
    }
    best
}

/// How well two places in one file agree, by the lines between them
/// ([`location_similarity`]).
fn place_agreement(gap: Option<u32>) -> f64 {
    match gap {
        None => 0.6,
        Some(0) => 1.0,
        Some(gap) if gap <= NEAR_LINES => 1.0 - 0.6 * f64::from(gap) / f64::from(NEAR_LINES),
        Some(_) => 0.3,
    }
}

/// Lines between two ranges (0 when they overlap); None when either has no lines.
pub(crate) fn line_gap(x: &Location, y: &Location) -> Option<u32> {
    gap_between(range(x), range(y))
}

fn gap_between(x: Option<(u32, u32)>, y: Option<(u32, u32)>) -> Option<u32> {
    let (a0, a1) = x?;
    let (b0, b1) = y?;
    Some(if a1 < b0 {
        b0 - a1
    } else {
        a0.saturating_sub(b1)
    })
}

/// Each input's locations as [`Place`]s, the files numbered in order of first
/// appearance, and the pairs of distinct files [`same_file`] says are one (only paths
/// with the same last component can be).
fn places_of(inputs: &[Input<'_>]) -> (Vec<Vec<Place>>, FxHashSet<(u32, u32)>) {
    let mut id_of: FxHashMap<&str, u32> = FxHashMap::default();
    let mut paths: Vec<&str> = Vec::new();
    let places = inputs
        .iter()
        .map(|input| {
            input
                .locations
                .iter()
                .map(|l| {
                    let path = normalise_path(&l.path);
                    let file = if path.is_empty() {
                        NO_FILE
                    } else {
                        *id_of.entry(path).or_insert_with(|| {
                            paths.push(path);
                            (paths.len() - 1) as u32
                        })
                    };
                    Place {
                        file,
                        lines: range(l),
                    }
                })
                .collect()
        })
        .collect();
    let mut by_name: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for (id, path) in paths.iter().enumerate() {
        by_name.entry(file_key(path)).or_default().push(id as u32);
    }
    let mut same = FxHashSet::default();
    for ids in by_name.values() {
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                if same_normalised_file(paths[a as usize], paths[b as usize]) {
                    same.insert((a.min(b), a.max(b)));
                }
            }
        }
    }
    (places, same)
}

fn range(l: &Location) -> Option<(u32, u32)> {
    let start = l.line_start?;
    let end = l.line_end.unwrap_or(start).max(start);
    Some((start, end))
}

/// Same file when the paths are equal or one is a suffix of the other at a `/`
/// (reviewers sometimes shorten `pkg/a/b.go` to `b.go` or `a/b.go`).
pub(crate) fn same_file(a: &str, b: &str) -> bool {
    same_normalised_file(normalise_path(a), normalise_path(b))
}

/// [`same_file`] of two paths already normalised.
fn same_normalised_file(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    long.ends_with(short) && long[..long.len() - short.len()].ends_with('/')
}

pub(crate) fn normalise_path(p: &str) -> &str {
    // The usual path (`src/a.rs`) is its own normal form; pairs are scored by the
    // hundred thousand, so it is told by its first and last byte.
    if let (Some(first), Some(last)) = (p.as_bytes().first(), p.as_bytes().last()) {
        if first.is_ascii_alphanumeric() && last.is_ascii_graphic() {
            return p;
        }
    }
    let p = p.trim();
    let p = p.strip_prefix("./").unwrap_or(p);
    p.trim_start_matches('/')
}

/// The last path component, the key locations are blocked by.
pub(crate) fn file_key(p: &str) -> &str {
    let p = normalise_path(p);
    p.rsplit('/').next().unwrap_or(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised_with_or_without_the_shortcut() {
        for (path, normal) in [
            ("src/a.rs", "src/a.rs"),
            (" src/a.rs\t", "src/a.rs"),
            ("./src/a.rs", "src/a.rs"),
            ("//src/a.rs", "src/a.rs"),
            ("src/a.rs\u{a0}", "src/a.rs"),
            ("\u{2003}./a.go", "a.go"),
            ("é/a.go", "é/a.go"),
            ("a/é", "a/é"),
            ("", ""),
            ("a", "a"),
        ] {
            assert_eq!(normalise_path(path), normal, "{path:?}");
        }
    }

    /// The pool scores places by file id; it must agree with [`location_similarity`]
    /// on the paths themselves, shortened, dotted, empty or not.
    #[test]
    fn places_agree_with_location_similarity() {
        let lists: Vec<Vec<Location>> = vec![
            vec![Location::lines("pkg/a/b.go", 10, 12)],
            vec![Location::lines("b.go", 11, 11)],
            vec![Location::lines("./a/b.go", 60, 60), Location::file("c.go")],
            vec![Location::file("pkg/a/b.go")],
            vec![Location::lines("", 10, 10)],
            vec![Location::lines("other/b.go", 10, 10)],
            vec![Location::lines("/pkg/a/b.go", 30, 31)],
            vec![],
        ];
        let inputs: Vec<Input> = lists
            .iter()
            .enumerate()
            .map(|(i, locations)| Input {
                reviewer: "r",
                pass: 1,
                local_id: "I1",
                ordinal: i,
                title: "t",
                body: "",
                snippets: &[],
                locations,
                source: Some(ItemSource::Finding),
                handle: i,
            })
            .collect();
        let pool = Pool::new(inputs);
        let mut agreeing = 0;
        for (i, x) in pool.entries.iter().enumerate() {
            for (j, y) in pool.entries.iter().enumerate() {
                let expected = location_similarity(x.input.locations, y.input.locations);
                let got = pool.place_similarity(&pool.places[i], &pool.places[j]);
                assert!(
                    (got - expected).abs() < 1e-12,
                    "{:?} vs {:?}: {got} != {expected}",
                    x.input.locations,
                    y.input.locations
                );
                agreeing += usize::from(expected > 0.0);
            }
        }
        assert!(agreeing > lists.len(), "too few pairs in one file to test");
    }

    #[test]
    fn location_similarity_by_distance() {
        let check = |a: Location, b: Location, expected: f64| {
            let got = location_similarity(std::slice::from_ref(&a), std::slice::from_ref(&b));
            assert!((got - expected).abs() < 1e-9, "{a} vs {b}: {got}");
        };
        check(
            Location::lines("a/b.go", 36, 44),
            Location::lines("a/b.go", 40, 40),
            1.0,
        );
        check(
            Location::lines("a/b.go", 36, 36),
            Location::lines("b.go", 31, 31),
            0.925,
        );
        check(
            Location::lines("a/b.go", 10, 10),
            Location::file("a/b.go"),
            0.6,
        );
        check(
            Location::lines("a/b.go", 10, 10),
            Location::lines("a/b.go", 500, 500),
            0.3,
        );
        check(
            Location::lines("a/b.go", 10, 10),
            Location::lines("a/c.go", 10, 10),
            0.0,
        );
        check(
            Location::lines("xb.go", 10, 10),
            Location::lines("a/b.go", 10, 10),
            0.0,
        );
    }
}
