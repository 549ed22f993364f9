//! The one place that knows the order of the stages:
//! target → work directory → reviewers → parse → verify → consolidate → report → render.
//!
//! [`consolidate_dir`] is the second half on its own: it reads what reviewers left in a
//! work directory (or any folder of `review-<name>-pass-<n>.md` files) and writes the
//! report. A full review runs the first half and then calls it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::config::{ReviewerConfig, Settings};
use crate::prompt::{self, PromptInput};
use crate::reviewers::{self, ProgressSender, RunContext};
use crate::target::{self, TargetError};
use crate::workdir::{self, ReadOnlyCheckout, WorkDir, WorkdirError};

use crate::consolidate::{self, Policy};
use crate::diff;
use crate::model::{Limitation, ParsedReview, RunRecord, RunStatus};
use crate::narrative::{self, ReportInput, VerdictPolicy};
use crate::options::{Format, SeverityPolicy};
use crate::parse;
use crate::render::{self, RawReview};
use crate::report::{Report, Target};
use crate::verify::{self, VerifyOutcome};
use crate::workdir::{Manifest, DIFF_FILE};

/// Files of a work directory that the pipeline reads back.

#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no reviews in {0}\nhint: a review directory holds files named review-<reviewer>-pass-<n>.md")]
    NoReviews(PathBuf),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Workdir(#[from] WorkdirError),
    #[error(transparent)]
    Verify(#[from] verify::GitTreeError),
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
        self.written
            .iter()
            .find(|p| p.ends_with(Format::Markdown.file_name()))
            .map(PathBuf::as_path)
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
    let mut order: Vec<String> = manifest
        .as_ref()
        .map(|m| m.reviewers.iter().map(|r| r.name.clone()).collect())
        .unwrap_or_default();
    for name in files.iter().map(|f| &f.reviewer).chain(runs.keys()) {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    if files.is_empty() && runs.is_empty() {
        return Err(PipelineError::NoReviews(dir.clone()));
    }

    let target = workdir::load_target(dir)
        .ok()
        .flatten()
        .unwrap_or_else(|| Target {
            kind: "local".into(),
            round: 1,
            ..Target::default()
        });
    let checkout_root = manifest.as_ref().and_then(|m| m.checkout.clone());

    let mut reviews: Vec<ParsedReview> = Vec::new();
    let mut raw: Vec<RawReview> = Vec::new();
    let mut records: Vec<RunRecord> = Vec::new();
    for name in &order {
        let has_record = runs.contains_key(name);
        let mut record = runs.remove(name).unwrap_or_else(|| RunRecord {
            name: name.clone(),
            status: RunStatus::Ok,
            ..RunRecord::default()
        });
        if let Some(planned) = manifest
            .as_ref()
            .and_then(|m| m.reviewers.iter().find(|r| &r.name == name))
        {
            // A reviewer the manifest planned but that left no record never finished.
            if !has_record {
                record.status = RunStatus::NotFinished;
                record.backend = Some(planned.backend.clone());
            }
            record.display = record
                .display
                .or_else(|| Some(planned.display.clone()).filter(|d| !d.is_empty()));
            record.model = record.model.or_else(|| planned.model.clone());
            record.effort = record.effort.or_else(|| planned.effort.clone());
        }
        // The latest pass of this reviewer.
        if let Some(file) = files
            .iter()
            .filter(|f| &f.reviewer == name)
            .max_by_key(|f| f.pass)
        {
            let text = read_text(&file.path)?;
            let parsed = parse::parse_review(name, file.pass, &text, checkout_root.as_deref());
            if record.status == RunStatus::NotFinished {
                // A review file without a finished record: the reviewer wrote it, then
                // the run was interrupted before the record was completed.
                record.status = RunStatus::Ok;
            }
            raw.push(RawReview {
                reviewer: name.clone(),
                display: record.display_name().to_string(),
                text,
            });
            reviews.push(parsed);
        }
        records.push(record);
    }

    let (changed_files, diff_limitations) = read_diff_facts(dir);
    let verification = match opts.repo.as_ref() {
        Some(repo) => {
            let rev = opts
                .rev
                .clone()
                .or_else(|| target.head.clone())
                .unwrap_or_else(|| "HEAD".into());
            let tree = verify::GitTree::open(repo.clone(), &rev)?;
            verify::verify_reviews(&mut reviews, &tree)
        }
        None => VerifyOutcome::default(),
    };

    let policy = Policy {
        severity: opts.severity_policy,
    };
    let consolidation = consolidate::consolidate(&reviews, &policy, &verification);
    let usable_reviews = reviews.iter().filter(|r| is_usable(r)).count();

    let id = opts
        .id
        .clone()
        .or_else(|| {
            manifest
                .as_ref()
                .map(|m| m.id.clone())
                .filter(|id| !id.is_empty())
        })
        .unwrap_or_else(|| dir_name(dir));
    let created_at = manifest
        .as_ref()
        .map(|m| m.created_at.clone())
        .filter(|c| !c.is_empty())
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
        wall_clock_ms: opts
            .wall_clock_ms
            .or_else(|| manifest.as_ref().and_then(|m| m.wall_clock_ms)),
        verdict_policy: opts.verdict_policy,
    });

    let out = opts.out.clone().unwrap_or_else(|| dir.clone());
    std::fs::create_dir_all(&out).map_err(|source| PipelineError::Write {
        path: out.clone(),
        source,
    })?;
    // Absolute, so the printed REVIEW.md path works from anywhere.
    let out = out.canonicalize().unwrap_or(out);
    let mut written = Vec::new();
    // REVIEW.md is written last so that its path is the last one reported.
    // REVIEW.md and report.json are always written (the path printed last is REVIEW.md's,
    // and report.json is what later rounds read back); `--format` adds to them.
    let mut formats = opts.formats.clone();
    formats.extend([Format::Json, Format::Markdown]);
    formats.sort_by_key(|f| *f == Format::Markdown);
    let mut seen = Vec::new();
    formats.retain(|f| {
        let first = !seen.contains(f);
        seen.push(*f);
        first
    });
    for format in formats {
        let text = match format {
            Format::Markdown => render::render_markdown(&report, &raw),
            Format::Json => render::render_json(&report),
            Format::Sarif => render::render_sarif(&report),
            Format::Html => render::render_html(&report, &raw),
        };
        let path = out.join(format.file_name());
        std::fs::write(&path, text).map_err(|source| PipelineError::Write {
            path: path.clone(),
            source,
        })?;
        written.push(path);
    }
    Ok(Consolidated {
        report,
        written,
        usable_reviews,
    })
}

/// A review counts as usable when it gave anything a maintainer can act on.
fn is_usable(review: &ParsedReview) -> bool {
    !review.items.is_empty()
        || !review.design_concerns.is_empty()
        || review
            .summary
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
}

fn read_manifest(dir: &Path) -> Option<Manifest> {
    Manifest::load(dir).ok().flatten()
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Option<T> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn read_text(path: &Path) -> Result<String, PipelineError> {
    let bytes = std::fs::read(path).map_err(|source| PipelineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

fn find_review_files(dir: &Path) -> Result<Vec<ReviewFile>, PipelineError> {
    let entries = std::fs::read_dir(dir).map_err(|source| PipelineError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut files: Vec<ReviewFile> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (reviewer, pass) = parse::review_file_name(&name)?;
            Some(ReviewFile {
                reviewer,
                pass,
                path: e.path(),
            })
        })
        .collect();
    files.sort_by(|a, b| (&a.reviewer, a.pass).cmp(&(&b.reviewer, b.pass)));
    Ok(files)
}

/// `run-<name>.json` records by reviewer name. Unreadable records are skipped (the
/// review itself, if any, is still used).
fn read_run_records(dir: &Path) -> BTreeMap<String, RunRecord> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    let mut records = BTreeMap::new();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(reviewer) = name
            .strip_prefix("run-")
            .and_then(|n| n.strip_suffix(".json"))
        else {
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
    let Ok(bytes) = std::fs::read(dir.join(DIFF_FILE)) else {
        return (Vec::new(), Vec::new());
    };
    let files = diff::parse_unified_diff(&String::from_utf8_lossy(&bytes));
    let changed = files
        .iter()
        .filter(|f| f.status != diff::FileStatus::Deleted)
        .map(|f| f.path.clone())
        .collect();
    (changed, diff::acknowledged_limitations(&files))
}

fn dir_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "review".to_string())
}

/// What `deep-review review` was asked to do, with the configuration resolved.
#[derive(Debug, Clone)]
pub struct ReviewRequest {
    /// Any path inside the repository.
    pub path: PathBuf,
    pub base: Option<String>,
    pub head: Option<String>,
    pub settings: Settings,
    /// The panel to run (see [`reviewers::ready::choose_panel`]).
    pub panel: Vec<ReviewerConfig>,
    pub dry_run: bool,
}

/// How a review ended.
#[derive(Debug)]
pub enum ReviewOutcome {
    /// `--dry-run`: the work directory and prompt are written, nothing ran.
    DryRun { workdir: PathBuf },
    /// Ctrl-C / SIGTERM: the reviewers were stopped; `consolidate <workdir>` finishes
    /// the report from those that completed.
    Interrupted {
        workdir: PathBuf,
        records: Vec<RunRecord>,
    },
    Done {
        workdir: PathBuf,
        records: Vec<RunRecord>,
        consolidated: Box<Consolidated>,
    },
}

/// Runs a whole review: resolves the change, prepares the work directory, runs the
/// panel in parallel in a read-only checkout of the head revision, and consolidates.
pub async fn review(
    request: &ReviewRequest,
    progress: Option<ProgressSender>,
    cancel: CancellationToken,
) -> Result<ReviewOutcome, PipelineError> {
    let clock = Instant::now();
    let target = target::resolve_local(
        &request.path,
        request.base.as_deref(),
        request.head.as_deref(),
    )?;
    let root = target.repo_root.clone();
    let settings = &request.settings;

    let out = settings.out_dir(&root);
    workdir::ensure_ignored(&root, &out)?;
    let now = chrono::Utc::now();
    let dir = WorkDir::create(&out, &target.slug, now)?;
    target.write_diff(&dir.diff_path())?;
    let report_target = target.to_report_target();
    dir.write_report_target(&report_target)?;
    dir.write_file(
        workdir::CONTEXT_FILE,
        &workdir::render_context(&report_target, &target.commits, &target.files),
    )?;

    let template = match settings.prompt_path(&root) {
        Some(path) => Some(read_text(&path)?),
        None => None,
    };
    let diff_text = target.diff_text_within(prompt::DIFF_INLINE_LIMIT as u64);
    // Read at the base revision: a change must not rewrite the rules it is judged by.
    let repo_context = prompt::read_repo_context(&root, &target.base);
    let diff_path = dir.diff_path();
    let prompt_text = prompt::build_prompt(&PromptInput {
        commits: &target.commits,
        files: &target.files,
        diff: diff_text.as_deref(),
        diff_file: Some(&diff_path),
        diff_len: Some(target.diff_len()),
        repo_context: repo_context.as_deref(),
        template: template.as_deref(),
        ..PromptInput::new(&report_target)
    });
    dir.write_prompt(&prompt_text)?;

    let mut manifest = Manifest::new(&dir.id, now, &request.panel);
    manifest.base = Some(target.base.clone());
    manifest.head = Some(target.head.clone());
    manifest.formats = settings
        .formats
        .iter()
        .map(|f| f.as_str().to_string())
        .collect();
    manifest.fail_on = Some(settings.fail_on.as_str().to_string());
    manifest.severity_policy = Some(settings.severity_policy.as_str().to_string());
    dir.write_manifest(&manifest)?;
    if request.dry_run {
        return Ok(ReviewOutcome::DryRun { workdir: dir.path });
    }

    let checkout = ReadOnlyCheckout::create(&root, &target.head)?;
    manifest.checkout = Some(checkout.path().display().to_string());
    dir.write_manifest(&manifest)?;
    let ctx = RunContext {
        workdir: dir.path.clone(),
        checkout: checkout.path().to_path_buf(),
        prompt_file: dir.prompt_path(),
        diff_file: diff_path,
        base: target.base.clone(),
        head: target.head.clone(),
        pass: manifest.pass.max(1),
    };
    let records = reviewers::run_panel(&request.panel, &ctx, progress, cancel.clone()).await;
    // The checkout is removed before anything else can fail.
    let _ = checkout.cleanup();
    if cancel.is_cancelled() {
        return Ok(ReviewOutcome::Interrupted {
            workdir: dir.path,
            records,
        });
    }

    let wall_clock_ms = u64::try_from(clock.elapsed().as_millis()).ok();
    manifest.wall_clock_ms = wall_clock_ms;
    dir.write_manifest(&manifest)?;
    let mut opts = ConsolidateOptions::new(&dir.path);
    opts.formats = settings.formats.clone();
    opts.repo = Some(root);
    opts.rev = Some(target.head.clone());
    opts.severity_policy = settings.severity_policy;
    opts.wall_clock_ms = wall_clock_ms;
    let consolidated = consolidate_dir(&opts)?;
    Ok(ReviewOutcome::Done {
        workdir: dir.path,
        records,
        consolidated: Box::new(consolidated),
    })
}
