//! Report quality against hand-labelled review sets (`tests/corpus/`, schema in its
//! README): each set goes through `consolidate_dir` exactly as a work directory would,
//! and the report is compared with the labels — count ratio, noise, severity and verdict
//! agreement, pairwise grouping precision/recall, lost items. The figures are printed
//! (`-- --nocapture`) and written to `target/corpus-score.json`; the test fails on label
//! errors and when a figure falls below its ratchet floor.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use deep_review_core::options::Format;
use deep_review_core::parse::parse_review;
use deep_review_core::pipeline::{consolidate_dir, ConsolidateOptions};
use deep_review_core::report::Report;
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Labels {
    verdict: String,
    #[serde(default)]
    finding: Vec<LabelFinding>,
    #[serde(default)]
    not_finding: Vec<LabelNot>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelFinding {
    severity: String,
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LabelNot {
    item: String,
    why: String,
}

/// `reviewer: substring`, the substring normalised.
#[derive(Debug, Clone)]
struct Ref {
    reviewer: String,
    needle: String,
    raw: String,
}

/// Words only: lowercase, every character that is not a letter, digit or `_` (Markdown
/// emphasis, backticks, dashes, colons, emoji) a separator, padded with spaces so that
/// containment is whole-word.
fn normalise(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c
            } else {
                ' '
            }
        })
        .collect();
    format!(" {} ", s.split_whitespace().collect::<Vec<_>>().join(" ")).to_lowercase()
}

fn parse_ref(s: &str) -> Option<Ref> {
    let (reviewer, text) = s.split_once(':')?;
    Some(Ref {
        reviewer: reviewer.trim().to_string(),
        needle: normalise(text),
        raw: s.to_string(),
    })
}

fn count(hay: &str, needle: &str) -> usize {
    if needle.trim().is_empty() {
        return 0;
    }
    hay.match_indices(needle).count()
}

/// What happened to one labelled finding member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fate {
    Finding(usize),
    Dropped,
    Design,
    Lost,
}

#[derive(Debug, Default, Serialize, Clone)]
struct Score {
    report_findings: usize,
    labelled_findings: usize,
    noise: usize,
    matched: usize,
    severity_agree: usize,
    verdict_agree: usize,
    sets: usize,
    true_pairs: usize,
    predicted_pairs: usize,
    expected_pairs: usize,
    members: usize,
    lost: usize,
    in_design: usize,
    dropped_members: usize,
    /// Report findings that match a labelled finding another report finding holds better.
    split: usize,
    /// Labelled findings hidden inside another one's item text (items glued together).
    swallowed: usize,
    noise_by_class: BTreeMap<String, usize>,
}

impl Score {
    fn add(&mut self, o: &Score) {
        self.report_findings += o.report_findings;
        self.labelled_findings += o.labelled_findings;
        self.noise += o.noise;
        self.matched += o.matched;
        self.severity_agree += o.severity_agree;
        self.verdict_agree += o.verdict_agree;
        self.sets += o.sets;
        self.true_pairs += o.true_pairs;
        self.predicted_pairs += o.predicted_pairs;
        self.expected_pairs += o.expected_pairs;
        self.members += o.members;
        self.lost += o.lost;
        self.in_design += o.in_design;
        self.dropped_members += o.dropped_members;
        self.split += o.split;
        self.swallowed += o.swallowed;
        for (k, v) in &o.noise_by_class {
            *self.noise_by_class.entry(k.clone()).or_default() += v;
        }
    }
    fn ratio(a: usize, b: usize) -> f64 {
        if b == 0 {
            1.0
        } else {
            a as f64 / b as f64
        }
    }
    fn count_ratio(&self) -> f64 {
        Self::ratio(self.report_findings, self.labelled_findings)
    }
    fn noise_rate(&self) -> f64 {
        Self::ratio(self.noise, self.report_findings)
    }
    fn severity_rate(&self) -> f64 {
        Self::ratio(self.severity_agree, self.matched)
    }
    fn precision(&self) -> f64 {
        Self::ratio(self.true_pairs, self.predicted_pairs)
    }
    fn recall(&self) -> f64 {
        Self::ratio(self.true_pairs, self.expected_pairs)
    }
}

struct SetResult {
    name: String,
    score: Score,
    decision: String,
    label_verdict: String,
    details: Vec<String>,
    errors: Vec<String>,
}

fn review_files(dir: &Path) -> Vec<(String, u32, PathBuf)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read set") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let Some(rest) = name
            .strip_prefix("review-")
            .and_then(|r| r.strip_suffix(".md"))
        else {
            continue;
        };
        let Some((reviewer, pass)) = rest.rsplit_once("-pass-") else {
            continue;
        };
        out.push((reviewer.to_string(), pass.parse().unwrap_or(1), path));
    }
    out.sort();
    out
}

fn decision_str(report: &Report) -> String {
    serde_json::to_value(report.verdict.decision)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn score_set(dir: &Path) -> SetResult {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let mut errors = Vec::new();
    let mut details = Vec::new();
    let labels: Labels =
        toml::from_str(&std::fs::read_to_string(dir.join("labels.toml")).expect("labels.toml"))
            .unwrap_or_else(|e| panic!("{name}/labels.toml: {e}"));

    // Raw reviews and the parser's view of every item, by (reviewer, local_id).
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut raw: BTreeMap<String, String> = BTreeMap::new();
    let mut items: BTreeMap<(String, String), String> = BTreeMap::new();
    for (reviewer, pass, path) in review_files(dir) {
        let text = std::fs::read_to_string(&path).expect("review");
        std::fs::write(tmp.path().join(path.file_name().unwrap()), &text).expect("copy");
        let parsed = parse_review(&reviewer, pass, &text, None);
        for it in &parsed.items {
            items.insert(
                (reviewer.clone(), it.local_id.clone()),
                normalise(&format!("{}\n{}", it.title, it.body)),
            );
        }
        for d in parsed.design_concerns.iter().chain(&parsed.strengths) {
            items.insert(
                (reviewer.clone(), d.local_id.clone()),
                normalise(&format!("{}\n{}", d.title, d.body)),
            );
        }
        raw.insert(reviewer, normalise(&text));
    }

    let mut opts = ConsolidateOptions::new(tmp.path());
    opts.formats = vec![Format::Json];
    let report = consolidate_dir(&opts)
        .unwrap_or_else(|e| panic!("{name}: consolidate_dir: {e}"))
        .report;

    // Labels, checked against the raw reviews.
    let mut check = |s: &str| -> Option<Ref> {
        let Some(r) = parse_ref(s) else {
            errors.push(format!("{name}: label `{s}` is not `reviewer: text`"));
            return None;
        };
        match raw.get(&r.reviewer) {
            None => errors.push(format!("{name}: label `{s}`: no review by {}", r.reviewer)),
            Some(text) => match count(text, &r.needle) {
                0 => errors.push(format!("{name}: label `{s}` matches nothing in the review")),
                1 => {}
                n => errors.push(format!("{name}: label `{s}` is not unique ({n} places)")),
            },
        }
        Some(r)
    };
    let finding_refs: Vec<Vec<Ref>> = labels
        .finding
        .iter()
        .map(|f| f.members.iter().filter_map(|m| check(m)).collect())
        .collect();
    let not_refs: Vec<(Ref, String)> = labels
        .not_finding
        .iter()
        .filter_map(|n| check(&n.item).map(|r| (r, n.why.clone())))
        .collect();
    for f in &labels.finding {
        if !matches!(f.severity.as_str(), "critical" | "important" | "suggestion") {
            errors.push(format!("{name}: bad severity `{}`", f.severity));
        }
    }
    if !matches!(
        labels.verdict.as_str(),
        "merge_as_is" | "merge_with_fixes" | "rework"
    ) {
        errors.push(format!("{name}: bad verdict `{}`", labels.verdict));
    }

    let text_of = |reviewer: &str, local_id: &str, title: &str| -> String {
        items
            .get(&(reviewer.to_string(), local_id.to_string()))
            .cloned()
            .unwrap_or_else(|| normalise(title))
    };
    let hits = |r: &Ref, reviewer: &str, text: &str| {
        r.reviewer == reviewer && !r.needle.trim().is_empty() && text.contains(&r.needle)
    };

    // Each report finding: which labelled findings and non-findings its members match.
    let mut score = Score {
        report_findings: report.findings.len(),
        labelled_findings: labels.finding.len(),
        sets: 1,
        ..Score::default()
    };
    // Per report finding: its members' texts and, per labelled finding, how many of its
    // members match (the primary member's labels first).
    let mut finding_texts: Vec<Vec<(String, String)>> = Vec::new();
    let mut finding_labels: Vec<Vec<(usize, usize)>> = Vec::new();
    for f in &report.findings {
        let texts: Vec<(String, String)> = f
            .members
            .iter()
            .map(|m| {
                (
                    m.reviewer.clone(),
                    text_of(&m.reviewer, &m.local_id, &m.title),
                )
            })
            .collect();
        let mut matched: Vec<(usize, usize)> = Vec::new();
        for (rev, text) in &texts {
            for (li, refs) in finding_refs.iter().enumerate() {
                let n = refs.iter().filter(|r| hits(r, rev, text)).count();
                if n == 0 {
                    continue;
                }
                match matched.iter_mut().find(|(l, _)| *l == li) {
                    Some((_, c)) => *c += n,
                    None => matched.push((li, n)),
                }
                // One reviewer's item holding several labelled findings: the parser
                // glued items together.
            }
            let held = finding_refs
                .iter()
                .filter(|refs| refs.iter().any(|r| hits(r, rev, text)))
                .count();
            if held > 1 {
                score.swallowed += held - 1;
                details.push(format!(
                    "  swallowed: one {rev} item holds {held} labelled findings ({})",
                    f.id
                ));
            }
        }
        finding_texts.push(texts);
        finding_labels.push(matched);
    }
    // The report finding holding most of a labelled finding's members is its match; any
    // other report finding matching only it is a split (a restatement or duplicate).
    let mut best: BTreeMap<usize, (usize, usize)> = BTreeMap::new();
    for (fi, matched) in finding_labels.iter().enumerate() {
        for &(li, n) in matched {
            let e = best.entry(li).or_insert((fi, n));
            if n > e.1 {
                *e = (fi, n);
            }
        }
    }
    for (fi, f) in report.findings.iter().enumerate() {
        let texts = &finding_texts[fi];
        let matched = &finding_labels[fi];
        let sev = serde_json::to_value(f.severity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let who: Vec<&str> = f.members.iter().map(|m| m.reviewer.as_str()).collect();
        if matched.len() > 1 {
            details.push(format!(
                "  over-merge {}: {} labelled findings in one: {}",
                f.id,
                matched.len(),
                f.title
            ));
        }
        let primary_for = matched.iter().find(|(li, _)| best[li].0 == fi);
        match (primary_for, matched.first()) {
            (Some(&(li, _)), _) => {
                score.matched += 1;
                let want = &labels.finding[li].severity;
                if *want == sev {
                    score.severity_agree += 1;
                } else {
                    details.push(format!(
                        "  severity {} {sev} (label {want}): {} [{}]",
                        f.id,
                        f.title,
                        who.join(",")
                    ));
                }
            }
            (None, Some(_)) => {
                score.split += 1;
                details.push(format!(
                    "  split {} {sev}: {} [{}]",
                    f.id,
                    f.title,
                    who.join(",")
                ));
            }
            (None, None) => {
                score.noise += 1;
                // The non-finding the primary member's text starts with (earliest match).
                let class = texts
                    .iter()
                    .find_map(|(rev, text)| {
                        not_refs
                            .iter()
                            .filter(|(r, _)| hits(r, rev, text))
                            .min_by_key(|(r, _)| text.find(&r.needle))
                            .map(|(_, why)| why.clone())
                    })
                    .unwrap_or_else(|| "unlabelled".to_string());
                details.push(format!(
                    "  noise {} {sev} ({class}): {} [{}]",
                    f.id,
                    f.title,
                    who.join(",")
                ));
                *score.noise_by_class.entry(class).or_default() += 1;
            }
        }
    }

    // Where each labelled member went.
    let dropped: Vec<(String, String)> = report
        .dropped
        .iter()
        .map(|d| {
            (
                d.reviewer.clone(),
                text_of(&d.reviewer, &d.local_id, &d.title),
            )
        })
        .collect();
    let design: Vec<(String, String)> = report
        .design
        .concerns
        .iter()
        .chain(&report.design.strengths)
        .flat_map(|g| &g.members)
        .map(|m| {
            (
                m.reviewer.clone(),
                text_of(&m.reviewer, &m.local_id, &m.title),
            )
        })
        .collect();
    let mut placed: Vec<(usize, Fate)> = Vec::new();
    for (li, refs) in finding_refs.iter().enumerate() {
        for r in refs {
            let fate = if let Some(fi) = finding_texts
                .iter()
                .position(|ts| ts.iter().any(|(rev, t)| hits(r, rev, t)))
            {
                Fate::Finding(fi)
            } else if dropped.iter().any(|(rev, t)| hits(r, rev, t)) {
                Fate::Dropped
            } else if design.iter().any(|(rev, t)| hits(r, rev, t)) {
                Fate::Design
            } else {
                Fate::Lost
            };
            score.members += 1;
            match fate {
                Fate::Finding(_) => {}
                Fate::Dropped => score.dropped_members += 1,
                Fate::Design => {
                    score.lost += 1;
                    score.in_design += 1;
                    details.push(format!("  lost (in design): {}", r.raw));
                }
                Fate::Lost => {
                    score.lost += 1;
                    details.push(format!("  lost: {}", r.raw));
                }
            }
            placed.push((li, fate));
        }
    }
    // Pairs over labelled members; a member the report dropped (a restatement folded
    // away) is neither a predicted nor an expected pair.
    for i in 0..placed.len() {
        for j in i + 1..placed.len() {
            let ((la, fa), (lb, fb)) = (placed[i], placed[j]);
            if fa == Fate::Dropped || fb == Fate::Dropped {
                continue;
            }
            let expected = la == lb;
            let predicted = matches!((fa, fb), (Fate::Finding(x), Fate::Finding(y)) if x == y);
            score.expected_pairs += usize::from(expected);
            score.predicted_pairs += usize::from(predicted);
            score.true_pairs += usize::from(expected && predicted);
        }
    }

    let decision = decision_str(&report);
    score.verdict_agree = usize::from(decision == labels.verdict);
    SetResult {
        name,
        score,
        decision,
        label_verdict: labels.verdict,
        details,
        errors,
    }
}

/// The labelled sets under `tests/corpus/`, in name order.
fn corpus_sets() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("corpus dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("labels.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn report_quality_on_the_labelled_corpus() {
    let dirs = corpus_sets();
    assert!(dirs.len() >= 20, "the corpus has {} sets", dirs.len());

    let results: Vec<SetResult> = dirs.iter().map(|d| score_set(d)).collect();
    let mut pooled = Score::default();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<28} {:>4} {:>4} {:>5} {:>7} {:>5} {:>5} {:>4}  verdict (label)",
        "set", "rep", "lab", "noise", "sev", "P", "R", "lost"
    );
    for r in &results {
        let s = &r.score;
        pooled.add(s);
        let _ = writeln!(
            out,
            "{:<28} {:>4} {:>4} {:>5} {:>3}/{:<3} {:>5.2} {:>5.2} {:>4}  {}{} ({})",
            r.name,
            s.report_findings,
            s.labelled_findings,
            s.noise,
            s.severity_agree,
            s.matched,
            s.precision(),
            s.recall(),
            s.lost,
            if s.verdict_agree == 1 { "" } else { "✗ " },
            r.decision,
            r.label_verdict
        );
        for d in &r.details {
            let _ = writeln!(out, "{d}");
        }
    }
    let _ = writeln!(
        out,
        "\npooled over {} sets: count ratio {:.2} ({} / {}), noise {:.1}% ({}), severity {:.1}% ({}/{}), \
         verdict {}/{}, pairwise P {:.3} R {:.3}, lost {} of {} members ({} in design), {} dropped, {} split findings, {} swallowed",
        pooled.sets,
        pooled.count_ratio(),
        pooled.report_findings,
        pooled.labelled_findings,
        100.0 * pooled.noise_rate(),
        pooled.noise,
        100.0 * pooled.severity_rate(),
        pooled.severity_agree,
        pooled.matched,
        pooled.verdict_agree,
        pooled.sets,
        pooled.precision(),
        pooled.recall(),
        pooled.lost,
        pooled.members,
        pooled.in_design,
        pooled.dropped_members,
        pooled.split,
        pooled.swallowed,
    );
    let _ = writeln!(out, "noise by class: {:?}", pooled.noise_by_class);
    println!("{out}");

    let json = serde_json::json!({
        "pooled": {
            "count_ratio": pooled.count_ratio(),
            "noise_rate": pooled.noise_rate(),
            "severity_agreement": pooled.severity_rate(),
            "verdict_agreement": [pooled.verdict_agree, pooled.sets],
            "pairwise_precision": pooled.precision(),
            "pairwise_recall": pooled.recall(),
            "lost": pooled.lost,
            "counts": pooled,
        },
        "sets": results.iter().map(|r| serde_json::json!({
            "name": r.name,
            "decision": r.decision,
            "label_verdict": r.label_verdict,
            "score": r.score,
            "details": r.details,
        })).collect::<Vec<_>>(),
    });
    let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target");
    let _ = std::fs::create_dir_all(&target);
    std::fs::write(
        target.join("corpus-score.json"),
        serde_json::to_string_pretty(&json).expect("json"),
    )
    .expect("write target/corpus-score.json");

    let errors: Vec<&String> = results.iter().flat_map(|r| &r.errors).collect();
    assert!(errors.is_empty(), "label errors:\n{errors:#?}");

    // Ratchet floors, a little below the figures measured when the corpus was built.
    // Raise them as the report improves; never lower them to make a change pass.
    // Measured at the corpus's first run (20 sets): count ratio 1.48 (121/82), noise 24.0%
    // (29), severity 70.0% (49/70), verdict 11/20, pairwise P 0.573 R 0.412, lost 16 of 159.
    // After the parser's report-quality pass (sections, bots, restatements, assessment
    // remarks, image badges, gap lead-ins): ratio 1.12 (92/82), noise 0.0%, severity
    // 76.5% (62/81), verdict 16/20, P 0.965 R 0.719, lost 0.
    // After severity by evidence and the verdict rule (consolidate/severity.rs,
    // narrative/verdict.rs), parser unchanged: severity 84.3% (59/70), verdict 18/20.
    // Both together, same-place merges, and four verdict labels corrected to follow
    // their own critical labels (SPEC 1.8): ratio 1.05 (86/82), noise 0.0%, severity
    // 86.4% (70/81), verdict 20/20, P 0.970 R 0.842, lost 0.
    // Even splits where one side says "suggestion" no longer go up on the fuller
    // argument, and a pre-existing issue is a suggestion (it does not block this
    // change): severity 90.1% (73/81), the rest unchanged.
    // A closing remark about tests after a findings list is no longer swallowed into the
    // last item (parse/findings.rs `closing_remark`): P 0.970 -> 0.980, R 0.842 -> 0.851,
    // swallowed 1 -> 0, the rest unchanged.
    // An assessment item without a location that shares two subject words with exactly
    // one of the reviewer's own findings restates it (parse/refs.rs `subject_referent`):
    // R 0.851 -> 0.868, ratio 1.05 -> 1.04 (85/82), 4 split findings, P 0.980 unchanged.
    // A concept the finding's title names (concurrency, null) is a subject on its own
    // ("no tests for concurrent use" restates "Data race in `take`"): R 0.868 -> 0.939,
    // P 0.980 -> 0.982, ratio 1.02 (84/82), 3 split findings, the rest unchanged.
    // A negated participle is the word it negates, `invalid` joins `validate`
    // (consolidate/text.rs `unnegated`): R 0.939 -> 0.965, ratio 1.01 (83/82), 2 split
    // findings, P 0.982 unchanged.
    // SPEC section 7 targets: ratio 0.8-1.2, noise <= 5%, severity >= 90%, verdict >= 8/10,
    // P and R >= 0.95, nothing lost.
    assert!(
        pooled.count_ratio() <= 1.10,
        "count ratio {:.2}",
        pooled.count_ratio()
    );
    assert!(
        pooled.noise_rate() <= 0.02,
        "noise {:.3}",
        pooled.noise_rate()
    );
    assert!(
        pooled.severity_rate() >= 0.90,
        "severity {:.3}",
        pooled.severity_rate()
    );
    assert!(
        pooled.verdict_agree >= 20,
        "verdict {}/{}",
        pooled.verdict_agree,
        pooled.sets
    );
    assert!(
        pooled.precision() >= 0.96,
        "pairwise precision {:.3}",
        pooled.precision()
    );
    assert!(
        pooled.recall() >= 0.95,
        "pairwise recall {:.3}",
        pooled.recall()
    );
    assert!(pooled.lost == 0, "lost {} labelled members", pooled.lost);
}

/// Items labelled as a pull request's open threads or as a later round's fix
/// verification are in the report's own sections (Unresolved Feedback, Prior-Round
/// Verification), attributed to the reviewer that listed them, and never findings.
#[test]
fn round_material_lands_in_its_own_report_sections() {
    let mut checked = 0;
    let mut misplaced = Vec::new();
    for dir in corpus_sets() {
        let labels: Labels =
            toml::from_str(&std::fs::read_to_string(dir.join("labels.toml")).expect("labels"))
                .expect("labels.toml");
        let round: Vec<&LabelNot> = labels
            .not_finding
            .iter()
            .filter(|n| matches!(n.why.as_str(), "unresolved feedback" | "fix verification"))
            .collect();
        if round.is_empty() {
            continue;
        }
        let tmp = tempfile::tempdir().expect("tempdir");
        for (_, _, path) in review_files(&dir) {
            std::fs::copy(&path, tmp.path().join(path.file_name().unwrap())).expect("copy");
        }
        let mut opts = ConsolidateOptions::new(tmp.path());
        opts.formats = vec![Format::Json];
        let report = consolidate_dir(&opts).expect("consolidate").report;
        for label in round {
            let r = parse_ref(&label.item).expect("label");
            let in_findings = report.findings.iter().any(|f| {
                f.members.iter().any(|m| {
                    m.reviewer == r.reviewer && normalise(&m.title).contains(r.needle.trim())
                })
            });
            let section: Vec<(String, String)> = if label.why == "unresolved feedback" {
                report
                    .unresolved_feedback
                    .iter()
                    .map(|f| (f.source.clone(), f.text.clone()))
                    .collect()
            } else {
                report
                    .prior_round
                    .iter()
                    .map(|c| (c.reviewer.clone(), c.text.clone()))
                    .collect()
            };
            let listed = section.iter().any(|(who, text)| {
                who.to_lowercase().contains(&r.reviewer) && normalise(text).contains(&r.needle)
            });
            checked += 1;
            if in_findings || !listed {
                misplaced.push(format!(
                    "{}: {} ({}): in findings {in_findings}, in its section {listed}",
                    dir.file_name().unwrap().to_string_lossy(),
                    label.item,
                    label.why
                ));
            }
        }
    }
    assert!(checked >= 8, "only {checked} round labels in the corpus");
    assert!(misplaced.is_empty(), "{misplaced:#?}");
}
