//! The one place that knows the order of the stages:
//! target → work directory → reviewers → parse → verify → consolidate → report → render.
//!
//! [`consolidate_dir`] is the second half on its own: it reads what reviewers left in a
//! work directory (or any folder of `review-<name>-pass-<n>.md` files) and writes the
//! report. A full review runs the first half and then calls it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::consolidate::{self, Policy, SeverityPolicy};
use crate::diff;
use crate::model::{Limitation, ParsedReview, RunRecord, RunStatus};
use crate::narrative::{self, ReportInput, VerdictPolicy};
use crate::parse;
use crate::render::{self, Format, RawReview};
use crate::report::{Report, Target};
use crate::verify::{self, VerifyOutcome};

/// Files of a work directory that the pipeline reads back.
pub const TARGET_FILE: &str = "target.json";
pub const MANIFEST_FILE: &str = "review.json";
pub const DIFF_FILE: &str = "diff.patch";

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("no reviews in {0}\nhint: a review directory holds files named review-<reviewer>-pass-<n>.md")]
    NoReviews(PathBuf),
}

/// How to consolidate a directory of reviews.
#[derive(Debug, Clone)]
pub struct ConsolidateOptions {
    /// Where the reviews are.
    pub dir: PathBuf,
    /// Where the outputs go (default: `dir`).
    pub out: Option<PathBuf>,
    pub formats: Vec<Format>,
    /// Verify locations against this repository at `rev` (default: the target's head).
    pub repo: Option<PathBuf>,
    pub rev: Option<String>,
    pub severity_policy: SeverityPolicy,
    pub verdict_policy: VerdictPolicy,
    /// Report id when the directory does not say (default: the directory's name).
    pub id: Option<String>,
    pub wall_clock_ms: Option<u64>,
}

impl ConsolidateOptions {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ConsolidateOptions {
            dir: dir.into(),
            out: None,
            formats: vec![Format::Markdown, Format::Json],
            repo: None,
            rev: None,
            severity_policy: SeverityPolicy::default(),
            verdict_policy: VerdictPolicy::default(),
            id: None,
            wall_clock_ms: None,
        }
    }
}

/// What a consolidation produced.
#[derive(Debug, Clone)]
pub struct Consolidated {
    pub report: Report,
    /// Every file written, `REVIEW.md` last.
    pub written: Vec<PathBuf>,
    /// Reviewers whose review parsed into something usable.
    pub usable_reviews: usize,
}

impl Consolidated {
    pub fn review_md(&self) -> Option<&Path> {
        self.written.iter().find(|p| p.ends_with(Format::Markdown.file_name())).map(PathBuf::as_path)
    }
}

/// A review file found in a directory.
#[derive(Debug, Clone)]
struct ReviewFile {
    reviewer: String,
    pass: u32,
    path: PathBuf,
}

/// Reads the reviews and run records in `opts.dir`, consolidates them and writes the
/// requested formats. Reviewers that left a run record but no review appear in the
/// report with their status; a run record still `not_finished` is reported as such.
pub fn consolidate_dir(opts: &ConsolidateOptions) -> Result<Consolidated, PipelineError> {
    let dir = &opts.dir;
    let manifest = read_manifest(dir);
    let files = find_review_files(dir)?;
    let mut runs = read_run_records(dir);

    // Panel order: the manifest's, then any other reviewer by name.
    let mut order: Vec<String> = manifest.as_ref().map(|m| m.reviewers.clone()).unwrap_or_default();
    for name in files.iter().map(|f| &f.reviewer).chain(runs.keys()) {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    if files.is_empty() && runs.is_empty() {
        return Err(PipelineError::NoReviews(dir.clone()));
    }

    let target = read_json::<Target>(&dir.join(TARGET_FILE)).unwrap_or_else(|| Target {
        kind: "local".into(),
        round: 1,
        ..Target::default()
    });
    let checkout_root = manifest.as_ref().and_then(|m| m.checkout.clone());

    let mut reviews: Vec<ParsedReview> = Vec::new();
    let mut raw: Vec<RawReview> = Vec::new();
    let mut records: Vec<RunRecord> = Vec::new();
    for name in &order {
        let mut record = runs.remove(name).unwrap_or_else(|| RunRecord {
            name: name.clone(),
            status: RunStatus::Ok,
            ..RunRecord::default()
        });
        if let Some(display) = manifest.as_ref().and_then(|m| m.displays.get(name)) {
            if record.display.is_none() {
                record.display = Some(display.clone());
            }
        }
        // The latest pass of this reviewer.
        if let Some(file) = files.iter().filter(|f| &f.reviewer == name).max_by_key(|f| f.pass) {
            let text = read_text(&file.path)?;
            let parsed = parse::parse_review(name, file.pass, &text, checkout_root.as_deref());
            if record.status == RunStatus::NotFinished {
                // A review file without a finished record: the reviewer wrote it, then
                // the run was interrupted before the record was completed.
                record.status = RunStatus::Ok;
            }
            raw.push(RawReview { reviewer: name.clone(), display: record.display_name().to_string(), text });
            reviews.push(parsed);
        }
        records.push(record);
    }

    let (changed_files, diff_limitations) = read_diff_facts(dir);
    let verification = match opts.repo.as_ref() {
        Some(repo) => {
            let rev = opts.rev.clone().or_else(|| target.head.clone()).unwrap_or_else(|| "HEAD".into());
            let tree = verify::GitTree::new(repo.clone(), rev);
            verify::verify_reviews(&mut reviews, &tree)
        }
        None => VerifyOutcome::default(),
    };

    let policy = Policy { severity: opts.severity_policy };
    let consolidation = consolidate::consolidate(&reviews, &policy, &verification);
    let usable_reviews = reviews.iter().filter(|r| is_usable(r)).count();

    let id = opts
        .id
        .clone()
        .or_else(|| manifest.as_ref().map(|m| m.id.clone()))
        .unwrap_or_else(|| dir_name(dir));
    let created_at = manifest
        .as_ref()
        .map(|m| m.created_at.clone())
        .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
    let report = narrative::build_report(&ReportInput {
        id,
        created_at,
        target,
        reviews: &reviews,
        runs: &records,
        consolidation: &consolidation,
        changed_files: &changed_files,
        diff_limitations: &diff_limitations,
        wall_clock_ms: opts.wall_clock_ms.or_else(|| manifest.as_ref().and_then(|m| m.wall_clock_ms)),
        verdict_policy: opts.verdict_policy,
    });

    let out = opts.out.clone().unwrap_or_else(|| dir.clone());
    std::fs::create_dir_all(&out).map_err(|source| PipelineError::Write { path: out.clone(), source })?;
    let mut written = Vec::new();
    // REVIEW.md is written last so that its path is the last one reported.
    let mut formats = opts.formats.clone();
    formats.sort_by_key(|f| *f == Format::Markdown);
    formats.dedup();
    for format in formats {
        let text = match format {
            Format::Markdown => render::render_markdown(&report, &raw),
            Format::Json => render::render_json(&report),
            Format::Sarif => render::render_sarif(&report),
            Format::Html => render::render_html(&report, &raw),
        };
        let path = out.join(format.file_name());
        std::fs::write(&path, text).map_err(|source| PipelineError::Write { path: path.clone(), source })?;
        written.push(path);
    }
    Ok(Consolidated { report, written, usable_reviews })
}

/// A review counts as usable when it gave anything a maintainer can act on.
fn is_usable(review: &ParsedReview) -> bool {
    !review.items.is_empty()
        || !review.design_concerns.is_empty()
        || review.summary.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// The panel as the work directory recorded it (written when a review starts).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Manifest {
    pub id: String,
    pub created_at: String,
    /// Reviewer names in panel order.
    pub reviewers: Vec<String>,
    /// Display names by reviewer.
    pub displays: BTreeMap<String, String>,
    /// The read-only checkout's absolute path (stripped from reviewers' locations).
    pub checkout: Option<String>,
    pub wall_clock_ms: Option<u64>,
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    read_json(&dir.join(MANIFEST_FILE))
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn read_text(path: &Path) -> Result<String, PipelineError> {
    let bytes = std::fs::read(path).map_err(|source| PipelineError::Read { path: path.to_path_buf(), source })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn find_review_files(dir: &Path) -> Result<Vec<ReviewFile>, PipelineError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PipelineError::Read { path: dir.to_path_buf(), source })?;
    let mut files: Vec<ReviewFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (reviewer, pass) = parse::review_file_name(&name)?;
            Some(ReviewFile { reviewer, pass, path: e.path() })
        })
        .collect();
    files.sort_by(|a, b| (&a.reviewer, a.pass).cmp(&(&b.reviewer, b.pass)));
    Ok(files)
}

/// `run-<name>.json` records by reviewer name. Unreadable records are skipped (the
/// review itself, if any, is still used).
fn read_run_records(dir: &Path) -> BTreeMap<String, RunRecord> {
    let Ok(entries) = std::fs::read_dir(dir) else { return BTreeMap::new() };
    let mut records = BTreeMap::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(reviewer) = name.strip_prefix("run-").and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if reviewer.is_empty() {
            continue;
        }
        let mut record: RunRecord = read_json(&entry.path()).unwrap_or_default();
        if record.name.is_empty() {
            record.name = reviewer.to_string();
        }
        records.insert(reviewer.to_string(), record);
    }
    records
}

/// Changed files and the TODO/FIXME lines the diff adds, when the directory has the diff.
fn read_diff_facts(dir: &Path) -> (Vec<String>, Vec<Limitation>) {
    let Ok(bytes) = std::fs::read(dir.join(DIFF_FILE)) else { return (Vec::new(), Vec::new()) };
    let files = diff::parse_unified_diff(&String::from_utf8_lossy(&bytes));
    let changed = files.iter().filter(|f| f.status != diff::FileStatus::Deleted).map(|f| f.path.clone()).collect();
    (changed, diff::acknowledged_limitations(&files))
}

fn dir_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "review".to_string())
}
