//! Grouping a pool: candidate pairs from blocking (same file within a line window,
//! shared rare terms), then agglomerative clustering in descending score order with
//! a cannot-link constraint (one entry per reviewer per group) and an average-linkage
//! check so chains of pairwise-similar items do not glue unrelated ones together.

use std::collections::BTreeMap;

use super::pool::{file_key, same_file, PairScore, Pool, Score, NEAR_LINES, SCALE};
use super::text::FxMap;

/// A pair must score at least this to start or extend a group.
pub(crate) const MERGE_THRESHOLD: f64 = 0.15;
/// Joining two groups needs the average over all their cross pairs at the threshold
/// and no cross pair below this floor.
pub(crate) const LINK_FLOOR: f64 = 0.08;
/// Neighbours looked at per entry in one file (keeps 10k items on one line cheap).
const MAX_NEIGHBOURS: usize = 48;
/// Up to this many items in all, every cross-reviewer pair is scored (at most ~45,000
/// pairs, a few milliseconds); blocking could miss an item with no location.
pub(crate) const ALL_PAIRS_UP_TO: usize = 300;
/// Terms more frequent than this are useless for blocking.
const MAX_BLOCK_DF: u32 = 40;
/// Each entry is blocked by at most this many of its rarest terms.
const BLOCK_TERMS_PER_ENTRY: usize = 4;

/// One merge, for the reasons.
#[derive(Debug, Clone)]
pub(crate) struct Merge {
    pub a: usize,
    pub b: usize,
    pub score: PairScore,
    /// Average cross-pair score of the two groups joined, and how many pairs.
    pub linkage: f64,
    pub pairs: usize,
}

/// The groups (entry indices, ascending) and the merges that formed them, by group.
pub(crate) struct Grouping {
    pub groups: Vec<Vec<usize>>,
    pub merges: Vec<Vec<Merge>>,
}

pub(crate) fn group(pool: &Pool) -> Grouping {
    let n = pool.entries.len();
    let mut scores: FxMap<(usize, usize), PairScore> = FxMap::default();
    let mut ranked: Vec<(Score, usize, usize)> = Vec::new();
    let places = SharedPlaces::new(pool);
    let mut unworded: Vec<(usize, usize, PairScore)> = Vec::new();
    // Per entry, the entries its words match.
    let mut worded: Vec<Vec<usize>> = vec![Vec::new(); n];
    // Scoring the pairs is most of the grouping; it reads the pool only, so it runs on
    // every core, a slice of pairs at a time. Only the pairs that may merge are kept:
    // most do not, and a score for each would be megabytes.
    let pairs = candidate_pairs(pool);
    let slices: Vec<&[(usize, usize)]> = pairs.chunks(PAIRS_PER_SLICE).collect();
    let kept = crate::parallel::map(&slices, |slice| {
        slice
            .iter()
            .filter_map(|&(a, b)| {
                let s = pool.score(a, b);
                if s.total >= MERGE_THRESHOLD {
                    Some((a, b, s, true))
                } else if s.same_topic && places.only_pair_there(pool, a, b) {
                    Some((a, b, s, false))
                } else {
                    None
                }
            })
            .collect::<Vec<_>>()
    });
    for (a, b, s, worded_pair) in kept.into_iter().flatten() {
        if worded_pair {
            scores.insert((a, b), s);
            ranked.push((s.scaled(), a, b));
            worded[a].push(b);
            worded[b].push(a);
        } else {
            unworded.push((a, b, s));
        }
    }
    // Same place, few shared words: merged unless the words of either tie it to an item
    // somewhere else.
    for (a, b, mut s) in unworded {
        let elsewhere = |x: usize, y: usize| worded[x].iter().any(|&c| !places.near(c, y));
        if elsewhere(a, b) || elsewhere(b, a) {
            continue;
        }
        s.total = SAME_PLACE_SCORE;
        s.same_place = true;
        scores.insert((a, b), s);
        ranked.push((s.scaled(), a, b));
    }
    // Highest score first; ties by canonical entry order (entries are canonical).
    ranked.sort_by(|x, y| y.0.cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));

    let mut owner: Vec<usize> = (0..n).collect();
    let mut members: Vec<Vec<usize>> = (0..n).map(|i| vec![i]).collect();
    let mut merges: Vec<Vec<Merge>> = (0..n).map(|_| Vec::new()).collect();
    let threshold = (MERGE_THRESHOLD * SCALE).round() as Score;
    let floor = (LINK_FLOOR * SCALE).round() as Score;

    for (score, a, b) in ranked {
        let (ga, gb) = (owner[a], owner[b]);
        if ga == gb {
            continue;
        }
        let reviewers_clash = members[ga].iter().any(|&x| {
            members[gb]
                .iter()
                .any(|&y| pool.entries[x].reviewer_rank == pool.entries[y].reviewer_rank)
        });
        if reviewers_clash {
            continue;
        }
        let mut sum: u64 = 0;
        let mut min = Score::MAX;
        let mut pairs = 0usize;
        for &x in &members[ga] {
            for &y in &members[gb] {
                let key = (x.min(y), x.max(y));
                let s = *scores
                    .entry(key)
                    .or_insert_with(|| pool.score(key.0, key.1));
                let s = s.scaled();
                sum += u64::from(s);
                min = min.min(s);
                pairs += 1;
            }
        }
        let average = (sum / pairs.max(1) as u64) as Score;
        if average < threshold || min < floor {
            continue;
        }
        let (keep, gone) = if ga < gb { (ga, gb) } else { (gb, ga) };
        let moved = std::mem::take(&mut members[gone]);
        for &m in &moved {
            owner[m] = keep;
        }
        members[keep].extend(moved);
        members[keep].sort_unstable();
        let moved_merges = std::mem::take(&mut merges[gone]);
        merges[keep].extend(moved_merges);
        merges[keep].push(Merge {
            a,
            b,
            score: scores.get(&(a, b)).copied().unwrap_or_default(),
            linkage: f64::from(average) / SCALE,
            pairs,
        });
        let _ = score;
    }

    let mut groups = Vec::new();
    let mut group_merges = Vec::new();
    for (i, m) in members.into_iter().enumerate() {
        if !m.is_empty() {
            groups.push(m);
            group_merges.push(std::mem::take(&mut merges[i]));
        }
    }
    Grouping {
        groups,
        merges: group_merges,
    }
}

/// How many candidate pairs [`group`] scores as one piece of work.
const PAIRS_PER_SLICE: usize = 4096;

/// The score of two items on the same lines of one file that share few words, when
/// neither reviewer has another item there: two reviewers pointing at the same two
/// lines and nothing else nearby are almost always describing one problem in their own
/// words. Just above [`MERGE_THRESHOLD`], so any worded evidence ranks first and a
/// third item still has to link on average.
const SAME_PLACE_SCORE: f64 = MERGE_THRESHOLD + 0.02;
/// How far apart two line ranges may be to count as the same place.
const SAME_PLACE_LINES: u32 = 2;

/// Which entries each reviewer has at each place, for [`SharedPlaces::only_pair_there`].
struct SharedPlaces<'p> {
    /// Per entry: its line-level locations' (path, start line).
    spans: Vec<Vec<(&'p str, u32)>>,
    /// (reviewer rank, file name) → (start line, entry), sorted: who is near a line.
    by_place: FxMap<(u32, &'p str), Vec<(u32, usize)>>,
}

impl<'p> SharedPlaces<'p> {
    fn new(pool: &'p Pool) -> SharedPlaces<'p> {
        let mut spans = Vec::with_capacity(pool.entries.len());
        let mut by_place: FxMap<(u32, &'p str), Vec<(u32, usize)>> = FxMap::default();
        for (i, e) in pool.entries.iter().enumerate() {
            let mine: Vec<(&'p str, u32)> = e
                .input
                .locations
                .iter()
                .filter_map(|l| Some((l.path.as_str(), l.line_start?)))
                .collect();
            for &(path, start) in &mine {
                by_place
                    .entry((e.reviewer_rank, file_key(path)))
                    .or_default()
                    .push((start, i));
            }
            spans.push(mine);
        }
        for list in by_place.values_mut() {
            list.sort_unstable();
        }
        SharedPlaces { spans, by_place }
    }

    /// The ranges start together (`48-55` and `50`); one inside a long range of the
    /// other (`44` in `38-46`) is a different point in the same code.
    fn near(&self, a: usize, b: usize) -> bool {
        let (Some(xs), Some(ys)) = (self.spans.get(a), self.spans.get(b)) else {
            return false;
        };
        xs.iter().any(|(px, x0)| {
            ys.iter()
                .any(|(py, y0)| same_file(px, py) && x0.abs_diff(*y0) <= SAME_PLACE_LINES)
        })
    }

    /// Whether the reviewer of `mine` has another entry near one of `other`'s places.
    fn crowded(&self, pool: &Pool, mine: usize, other: usize) -> bool {
        let rank = pool.entries[mine].reviewer_rank;
        let Some(places) = self.spans.get(other) else {
            return false;
        };
        places.iter().any(|&(path, line)| {
            let Some(list) = self.by_place.get(&(rank, file_key(path))) else {
                return false;
            };
            let from = list.partition_point(|&(s, _)| s + SAME_PLACE_LINES < line);
            list[from..]
                .iter()
                .take_while(|&&(s, _)| s <= line + SAME_PLACE_LINES)
                .any(|&(_, k)| {
                    k != mine
                        && self.spans[k].iter().any(|(p, s)| {
                            same_file(p, path) && s.abs_diff(line) <= SAME_PLACE_LINES
                        })
                })
        })
    }

    /// `a` and `b` (different reviewers) are at the same lines, and neither reviewer
    /// has another item near the other's.
    fn only_pair_there(&self, pool: &Pool, a: usize, b: usize) -> bool {
        self.near(a, b) && !self.crowded(pool, a, b) && !self.crowded(pool, b, a)
    }
}

/// Pairs worth scoring, (lower index, higher index), sorted and unique. A pool of at
/// most [`ALL_PAIRS_UP_TO`] entries (every real review panel) scores every
/// cross-reviewer pair; larger pools only entries near each other in one file, plus
/// entries sharing a rare term, so the work grows near-linearly.
pub(crate) fn candidate_pairs(pool: &Pool) -> Vec<(usize, usize)> {
    let entries = &pool.entries;
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    let mut push = |a: usize, b: usize| {
        if entries[a].reviewer_rank != entries[b].reviewer_rank {
            pairs.push((a.min(b), a.max(b)));
        }
    };
    if entries.len() <= ALL_PAIRS_UP_TO {
        for i in 0..entries.len() {
            for j in i + 1..entries.len() {
                push(i, j);
            }
        }
        return pairs;
    }

    // Location blocks: by file name, then a line window.
    let mut by_file: BTreeMap<&str, Vec<(u32, usize, usize)>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        for (k, loc) in e.input.locations.iter().enumerate() {
            let start = loc.line_start.unwrap_or(0);
            by_file
                .entry(file_key(&loc.path))
                .or_default()
                .push((start, i, k));
        }
    }
    for list in by_file.values_mut() {
        list.sort_unstable();
        let lined_from = list.partition_point(|(start, _, _)| *start == 0);
        for (pos, &(_, i, k)) in list.iter().enumerate() {
            let loc_i = &entries[i].input.locations[k];
            if pos < lined_from {
                // A file-level location: a bounded number of entries in the same file.
                for &(_, j, l) in list.iter().take(MAX_NEIGHBOURS * 4) {
                    if j != i && same_file(&loc_i.path, &entries[j].input.locations[l].path) {
                        push(i, j);
                    }
                }
                continue;
            }
            let end_i = loc_i
                .line_end
                .unwrap_or(0)
                .max(loc_i.line_start.unwrap_or(0));
            for &(start_j, j, l) in list.iter().skip(pos + 1).take(MAX_NEIGHBOURS) {
                if start_j > end_i.saturating_add(NEAR_LINES) {
                    break;
                }
                if j != i && same_file(&loc_i.path, &entries[j].input.locations[l].path) {
                    push(i, j);
                }
            }
        }
    }

    // Term blocks: entries sharing one of their rarest terms. A term of one issue
    // appears about once per reviewer, so the cap grows with the panel.
    let reviewers = entries.iter().map(|e| e.reviewer_rank).max().unwrap_or(0) + 1;
    let cap = (2 * reviewers).clamp(8, MAX_BLOCK_DF);
    let mut postings: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, e) in entries.iter().enumerate() {
        let mut rare: Vec<(u32, u32)> = e
            .block_terms
            .iter()
            .map(|&t| (pool.df.get(t as usize).copied().unwrap_or(u32::MAX), t))
            .filter(|(df, _)| (2..=cap).contains(df))
            .collect();
        rare.sort_unstable();
        for (_, t) in rare.into_iter().take(BLOCK_TERMS_PER_ENTRY) {
            postings.entry(t).or_default().push(i);
        }
    }
    for list in postings.values() {
        for (pos, &i) in list.iter().enumerate() {
            for &j in &list[pos + 1..] {
                push(i, j);
            }
        }
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

#[cfg(test)]
mod tests {
    use crate::consolidate::{consolidate, Policy};
    use crate::parse::parse_review;
    use crate::verify::VerifyOutcome;

    fn groups(reviews: &[(&str, &str)]) -> Vec<Vec<String>> {
        let parsed: Vec<_> = reviews
            .iter()
            .map(|(name, text)| parse_review(name, 1, text, None))
            .collect();
        let result = consolidate(&parsed, &Policy::default(), &VerifyOutcome::default());
        result
            .findings
            .iter()
            .map(|f| {
                let mut m: Vec<String> = f
                    .members
                    .iter()
                    .map(|m| format!("{} {}", m.reviewer, m.local_id))
                    .collect();
                m.sort();
                m
            })
            .collect()
    }

    #[test]
    fn the_only_items_on_the_same_lines_are_one_issue_in_other_words() {
        let a = "## Important Issues\n\n**I1. `limit` is not capped** — `src/api/Controller.java:31`\n\nA huge value loads everything.\n";
        let b = "## Important Issues\n\n**I1. Unbounded page size** — `src/api/Controller.java:31`\n\nClients choose any size.\n";
        assert_eq!(groups(&[("a", a), ("b", b)]), vec![vec!["a I1", "b I1"]]);
    }

    #[test]
    fn same_lines_do_not_merge_when_a_reviewer_has_more_there_or_words_point_elsewhere() {
        // a has two items on those lines: which one b means is unknown.
        let a = "## Important Issues\n\n**I1. `limit` is not capped** — `src/api/Controller.java:31`\n\nA huge value loads everything.\n\n**I2. Logging the raw query** — `src/api/Controller.java:32`\n\nPII in logs.\n";
        let b = "## Important Issues\n\n**I1. Unbounded page size** — `src/api/Controller.java:31`\n\nClients choose any size.\n";
        assert_eq!(groups(&[("a", a), ("b", b)]).len(), 3);
        // b's item is worded like c's item in another file: it is that issue, not a's.
        let a = "## Important Issues\n\n**I1. Server-side encryption not configured** — `infra/main.tf:5-18`\n\nFalls back to SSE-S3.\n";
        let b = "## Important Issues\n\n**I1. No lifecycle rule for old artifacts** — `infra/main.tf:5`\n\nArtifacts are kept forever; add a lifecycle rule that expires old artifacts.\n";
        let c = "## Important Issues\n\n**I1. No lifecycle rule; old artifacts are kept forever** — `infra/variables.tf:7`\n\n`retention_days` is unused; add a lifecycle rule expiring old artifacts.\n";
        let g = groups(&[("a", a), ("b", b), ("c", c)]);
        assert!(
            g.iter()
                .all(|f| !(f.contains(&"a I1".to_string()) && f.contains(&"b I1".to_string()))),
            "{g:?}"
        );
    }
}
