//! The one place that knows the order of the stages:
//! target → work directory → reviewers → parse → verify → consolidate → report → render.
//!
//! [`consolidate_dir`] is the second half on its own: it reads what reviewers left in a
//! work directory (or any folder of `review-<name>-pass-<n>.md` files) and writes the
//! report. A full review runs the first half and then calls it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::config::{ReviewerConfig, Settings};
use crate::prompt::{self, PromptInput};
use crate::reviewers::{self, ProgressSender, RunContext};
use crate::target::{self, TargetError};
use crate::workdir::{self, ReadOnlyCheckout, WorkDir, WorkdirError};

use crate::consolidate::{self, Policy};
use crate::consolidator;
use crate::history;
use crate::model::{ParsedReview, RunRecord, RunStatus};
use crate::narrative::{self, ReportInput, VerdictPolicy};
use crate::options::{Format, SeverityPolicy};
use crate::parse;
use crate::render::{self, RawReview};
use crate::report::{Report, Target};
use crate::verify::{self, VerifyOutcome};
use crate::workdir::{layout, Manifest};

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
    /// The history database (see [`history::default_path`]); None keeps no history.
    /// Earlier rounds of the same target are read before the report is built (its
    /// round number, what became of earlier findings), and the review is recorded
    /// after its files are written. A store that fails is a note, never a lost report.
    pub history: Option<PathBuf>,
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
            history: None,
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
    /// Things the user should know about how the report was made (shown as warnings).
    pub notes: Vec<String>,
}

impl Consolidated {
    pub fn review_md(&self) -> Option<&Path> {
        self.written
            .iter()
            .find(|p| p.ends_with(layout::report_file(Format::Markdown)))
            .map(PathBuf::as_path)
    }
}

/// Reads the reviews and run records in `opts.dir`, consolidates them and writes the
/// requested formats. Reviewers that left a run record but no review appear in the
/// report with their status; a run record still `not_finished` is reported as such.
pub fn consolidate_dir(opts: &ConsolidateOptions) -> Result<Consolidated, PipelineError> {
    let mut read = ReadBack::read(opts)?;
    // Nothing reads the consolidation afterwards: its findings are moved into the
    // report, not copied.
    let mut report =
        narrative::report_without_findings(&read.report_input(opts, &read.consolidation));
    report.findings = std::mem::take(&mut read.consolidation.findings);
    read.complete(&mut report);
    read.finish(opts, report, Vec::new())
}

/// [`consolidate_dir`], then the consolidator model ([`consolidator`]) over the
/// deterministic report before anything is written. The model only improves the
/// report: when it fails, the files are those [`consolidate_dir`] writes.
pub async fn consolidate_dir_with_model(
    opts: &ConsolidateOptions,
    setup: &consolidator::Setup,
) -> Result<Consolidated, PipelineError> {
    let read = ReadBack::read(opts)?;
    let report = read.report(opts, &read.consolidation);
    let (report, notes) = consolidator::improve(
        setup,
        consolidator::Deterministic {
            report,
            consolidation: &read.consolidation,
            reviews: &read.reviews,
            verification: &read.verification,
        },
        |changed| read.report(opts, changed),
    )
    .await;
    read.finish(opts, report, notes)
}

/// A work directory read back, parsed, verified and consolidated: everything a report
/// is built from.
struct ReadBack {
    id: String,
    /// The manifest's time, else the time it was read back: the same in every report
    /// built from it.
    created_at: String,
    contents: workdir::read::Contents,
    reviews: Vec<ParsedReview>,
    raw: Vec<RawReview>,
    records: Vec<RunRecord>,
    target: Target,
    verification: VerifyOutcome,
    consolidation: consolidate::Consolidation,
    usable_reviews: usize,
    notes: Vec<String>,
    /// The history database, when the review keeps one, and the previous round it
    /// found there.
    store: Option<history::Store>,
    prior: Option<history::Prior>,
}

impl ReadBack {
    fn read(opts: &ConsolidateOptions) -> Result<ReadBack, PipelineError> {
        let dir = &opts.dir;
        let contents = workdir::read::read(dir).map_err(|source| PipelineError::Read {
            path: dir.clone(),
            source,
        })?;
        if contents.is_empty() {
            return Err(PipelineError::NoReviews(dir.clone()));
        }
        let (mut reviews, raw, records) = parse_reviews(&contents);
        let mut target = contents.target.clone().unwrap_or_else(|| Target {
            kind: "local".into(),
            round: 1,
            ..Target::default()
        });
        let mut notes: Vec<String> = contents
            .ignored
            .iter()
            .map(|name| format!("{name} was left out: its reviewer name is not [A-Za-z0-9_-]+"))
            .collect();
        // Counted before verification: a review whose findings were all dropped (their
        // files are not in the revision) is still a review that was made.
        let usable_reviews = reviews.iter().filter(|r| r.is_usable()).count();
        let verification = match verify_against(opts, &contents, &target, &mut notes)? {
            Some(tree) => verify::verify_reviews(&mut reviews, &tree),
            None => VerifyOutcome::default(),
        };
        let policy = Policy {
            severity: opts.severity_policy,
            coverage: consolidate::Coverage {
                files_read: records
                    .iter()
                    .map(|r| (r.name.clone(), r.files_read.clone()))
                    .collect(),
                changed_files: contents.changed_files.clone(),
            },
        };
        let consolidation = consolidate::consolidate(&reviews, &policy, &verification);
        let id = report_id(opts, contents.manifest.as_ref(), dir);
        let created_at = contents
            .manifest
            .as_ref()
            .map(|m| m.created_at.clone())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
        let store = opts
            .history
            .as_deref()
            .and_then(|path| open_history(path, &mut notes));
        let prior = store.as_ref().and_then(|s| match s.prior(&id, &target) {
            Ok(prior) => Some(prior),
            Err(e) => {
                notes.push(format!(
                    "earlier rounds could not be read from the review history: {e}"
                ));
                None
            }
        });
        if let Some(prior) = &prior {
            target.round = target.round.max(prior.round);
        }
        Ok(ReadBack {
            id,
            created_at,
            contents,
            reviews,
            raw,
            records,
            target,
            verification,
            consolidation,
            usable_reviews,
            notes,
            store,
            prior,
        })
    }

    /// The report of `consolidation` (the deterministic one, or one the consolidator
    /// model changed).
    fn report(
        &self,
        opts: &ConsolidateOptions,
        consolidation: &consolidate::Consolidation,
    ) -> Report {
        let mut report = narrative::build_report(&self.report_input(opts, consolidation));
        self.complete(&mut report);
        report
    }

    /// What the report of `consolidation` is built from.
    fn report_input<'a>(
        &'a self,
        opts: &ConsolidateOptions,
        consolidation: &'a consolidate::Consolidation,
    ) -> ReportInput<'a> {
        let manifest = self.contents.manifest.as_ref();
        ReportInput {
            id: self.id.clone(),
            created_at: self.created_at.clone(),
            target: self.target.clone(),
            reviews: &self.reviews,
            runs: &self.records,
            consolidation,
            changed_files: &self.contents.changed_files,
            diff_limitations: &self.contents.limitations,
            wall_clock_ms: opts
                .wall_clock_ms
                .or_else(|| manifest.and_then(|m| m.wall_clock_ms)),
            verdict_policy: opts.verdict_policy,
            review_texts: self.raw.iter().map(|r| r.text.as_str()).collect(),
        }
    }

    /// What a report learns from outside the reviews once it has its findings: the
    /// findings of earlier rounds, and the pull request's own open threads.
    fn complete(&self, report: &mut Report) {
        if let Some(prior) = &self.prior {
            history::classify(report, prior);
        }
        // A pull request's own open review threads, beside what the reviewers listed.
        if let Some(pr) = &self.contents.pull_request {
            let threads = crate::github::feedback::from_threads(
                &pr.threads,
                &self.contents.changed_files,
                &report.unresolved_feedback,
                |thread| crate::reviewers::import::finding_of_thread(report, thread),
            );
            report.unresolved_feedback.extend(threads);
        }
    }

    /// Writes `report` and says what was made.
    fn finish(
        mut self,
        opts: &ConsolidateOptions,
        report: Report,
        notes: Vec<String>,
    ) -> Result<Consolidated, PipelineError> {
        let out = output_dir(opts)?;
        let raw = &self.raw;
        // The history is recorded (and closed: its last connection checkpoints the
        // log) while the files are rendered and written: the two share nothing but the
        // report. A recording whose files could not be written is taken back.
        let store = self.store.take();
        let (recorded, written) = crate::parallel::join(
            || {
                store.map(|mut store| {
                    let path = store.path().to_path_buf();
                    let result = store
                        .record(&report, raw, Some(&out))
                        .map_err(|e| format!("{}): {e}", path.display()));
                    drop(store);
                    (result, path)
                })
            },
            || write_outputs(opts, &out, &report, raw),
        );
        let written = match written {
            Ok(written) => written,
            Err(e) => {
                // No report files, so no history entry pointing at them.
                if let Some((Ok(()), path)) = &recorded {
                    if let Ok(mut store) = history::Store::open(path) {
                        let _ = store.forget(&report.id);
                    }
                }
                return Err(e);
            }
        };
        let mut all = std::mem::take(&mut self.notes);
        all.extend(notes);
        if let Some((Err(e), _)) = recorded {
            all.push(format!(
                "the review was not recorded in the history ({e}\nhint: its files are complete; pass --no-history to skip the history"
            ));
        }
        let usable_reviews = self.usable_reviews;
        // The rest freed aside.
        crate::parallel::drop_aside(self);
        Ok(Consolidated {
            report,
            written,
            usable_reviews,
            notes: all,
        })
    }
}

/// The round of a review about to run, as the history counts the target's reviews, so
/// the prompt and `target.json` say it; the target's own round when there is no
/// history (a store that fails here is reported by the consolidation).
fn round_from_history(path: Option<&Path>, id: &str, target: &Target) -> u32 {
    path.and_then(|p| history::Store::open(p).ok())
        .and_then(|store| store.round(id, target).ok())
        .map_or(target.round, |round| target.round.max(round))
}

/// Opens the history database, or says in `notes` why the review keeps no history.
fn open_history(path: &Path, notes: &mut Vec<String>) -> Option<history::Store> {
    match history::Store::open(path) {
        Ok(store) => Some(store),
        Err(e) => {
            notes.push(format!(
                "no review history for this review: {e}\nhint: its files are complete; fix {} or set {} to another file, or pass --no-history",
                path.display(),
                history::DB_ENV
            ));
            None
        }
    }
}

/// The revision locations are verified against: `--repo` (and `--rev`, else the
/// target's head) when given; else the repository the review was made in, as its
/// manifest records it, when it still has the head revision. Says so in `notes` when it
/// falls back, and when nothing can be verified.
fn verify_against(
    opts: &ConsolidateOptions,
    contents: &workdir::read::Contents,
    target: &Target,
    notes: &mut Vec<String>,
) -> Result<Option<verify::GitTree>, PipelineError> {
    let manifest = contents.manifest.as_ref();
    let head = opts
        .rev
        .clone()
        .or_else(|| target.head.clone())
        .or_else(|| manifest.and_then(|m| m.head.clone()));
    if let Some(repo) = &opts.repo {
        let rev = head.unwrap_or_else(|| "HEAD".into());
        return Ok(Some(verify::GitTree::open(repo.clone(), &rev)?));
    }
    let recorded = manifest.and_then(|m| m.repo_root.clone());
    let (Some(repo), Some(head)) = (recorded, head) else {
        return Ok(None);
    };
    let short: String = head.chars().take(12).collect();
    match verify::GitTree::open(PathBuf::from(&repo), &head) {
        Ok(tree) => {
            notes.push(format!(
                "locations verified against {repo} at {short}, where the review was made"
            ));
            Ok(Some(tree))
        }
        Err(e) => {
            notes.push(format!(
                "locations not verified: the review's repository {repo} cannot be read at {short} ({e})\nhint: pass --repo DIR to verify against another clone"
            ));
            Ok(None)
        }
    }
}

/// Parses the latest review of every reviewer, in panel order, and completes each
/// reviewer's run record from the manifest: a reviewer the manifest planned but that
/// left no record never finished; one that left a review but no finished record wrote
/// it before the run was interrupted.
fn parse_reviews(
    contents: &workdir::read::Contents,
) -> (Vec<ParsedReview>, Vec<RawReview>, Vec<RunRecord>) {
    let manifest = contents.manifest.as_ref();
    let checkout_root = manifest.and_then(|m| m.checkout.clone());
    // Parsing is most of the reading: every review at once, each on some core.
    let mut parsed: Vec<Option<ParsedReview>> = crate::parallel::map(&contents.reviews, |file| {
        parse::parse_review(
            &file.reviewer,
            file.pass,
            &file.text,
            checkout_root.as_deref(),
        )
    })
    .into_iter()
    .map(Some)
    .collect();
    let mut reviews = Vec::new();
    let mut raw = Vec::new();
    let mut records = Vec::new();
    for name in contents.reviewer_order() {
        let found = contents.records.get(&name).cloned();
        let has_record = found.is_some();
        let mut record = found.unwrap_or_else(|| RunRecord {
            name: name.clone(),
            status: RunStatus::Ok,
            ..RunRecord::default()
        });
        if let Some(planned) = manifest.and_then(|m| m.reviewers.iter().find(|r| r.name == name)) {
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
        let at = contents.reviews.iter().position(|r| r.reviewer == name);
        let review = at.map(|k| &contents.reviews[k]);
        if let Some(skipped) = contents.skipped.get(&name) {
            record
                .notes
                .extend(skipped.iter().map(|why| format!("not read: {why}")));
            if review.is_none() && (!has_record || record.status == RunStatus::Ok) {
                record.status = RunStatus::Failed;
                record.error = Some(format!(
                    "its review could not be read: {}",
                    skipped.join("; ")
                ));
            }
        }
        if let (Some(file), Some(parsed)) = (review, at.and_then(|k| parsed[k].take())) {
            if file.truncated {
                record.notes.push(format!(
                    "the review was cut at {} MiB",
                    workdir::read::MAX_REVIEW_BYTES / (1024 * 1024)
                ));
            }
            if record.status == RunStatus::NotFinished {
                record.status = RunStatus::Ok;
            }
            raw.push(RawReview {
                reviewer: name.clone(),
                display: record.display_name().to_string(),
                text: file.text.clone(),
            });
            reviews.push(parsed);
        }
        records.push(record);
    }
    (reviews, raw, records)
}

/// The report's id: `--id`, else the manifest's, else the directory's name.
fn report_id(opts: &ConsolidateOptions, manifest: Option<&Manifest>, dir: &Path) -> String {
    opts.id
        .clone()
        .or_else(|| manifest.map(|m| m.id.clone()).filter(|id| !id.is_empty()))
        .unwrap_or_else(|| dir_name(dir))
}

/// Where the report files go (`--out`, else the work directory), created.
fn output_dir(opts: &ConsolidateOptions) -> Result<PathBuf, PipelineError> {
    let out = opts.out.clone().unwrap_or_else(|| opts.dir.clone());
    std::fs::create_dir_all(&out).map_err(|source| PipelineError::Write {
        path: out.clone(),
        source,
    })?;
    Ok(out.canonicalize().unwrap_or(out))
}

/// Writes the report in every requested format. REVIEW.md and report.json are always
/// written (report.json is what later rounds read back), REVIEW.md last so that its
/// path is the last one reported; paths are absolute, so the printed REVIEW.md path
/// works from anywhere.
fn write_outputs(
    opts: &ConsolidateOptions,
    out: &Path,
    report: &Report,
    raw: &[RawReview],
) -> Result<Vec<PathBuf>, PipelineError> {
    let mut formats = opts.formats.clone();
    formats.extend([Format::Json, Format::Markdown]);
    formats.sort_by_key(|f| *f == Format::Markdown);
    let mut seen = Vec::new();
    formats.retain(|f| {
        let first = !seen.contains(f);
        seen.push(*f);
        first
    });
    // Rendered, masked and written side by side; the paths in `formats` order.
    let written = crate::parallel::map(&formats, |&format| {
        // Secrets are masked by the renderers (masking JSON after it is encoded
        // would miss what the encoding escaped).
        let path = out.join(layout::report_file(format));
        match workdir::write_report_file(&path, |w| render::write(format, report, raw, w)) {
            Ok(()) => Ok(path),
            Err(source) => Err(PipelineError::Write { path, source }),
        }
    })
    .into_iter()
    .collect::<Result<Vec<PathBuf>, PipelineError>>()?;
    Ok(written)
}

/// A review counts as usable when it gave anything a maintainer can act on.
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
    /// The history database (None: no history); see [`ConsolidateOptions::history`].
    pub history: Option<PathBuf>,
    /// A pull request under review: its revisions are already fetched into the clone
    /// (`github::checkout::fetch_into`) and `base`/`head` name them; this gives the
    /// report its PR header and the reviewers its description and open threads.
    pub pr: Option<crate::github::PullRequest>,
    /// `--trust-pr-code`: let the builtin reviewer's linters run a pull request's code
    /// (build scripts, proc macros, JavaScript configs), sandboxed where possible.
    pub trust_pr_code: bool,
}

/// A pull request's header over the local target the review runs on: kind, repository,
/// number, title, author, URL, and the head branch's name.
fn pr_header(t: &mut Target, pr: &crate::github::PullRequest) {
    t.kind = "github_pr".into();
    t.repo = Some(format!("{}/{}", pr.owner, pr.repo));
    t.number = Some(pr.number);
    t.title = Some(pr.title.clone()).filter(|s| !s.trim().is_empty());
    t.author = Some(pr.author.clone()).filter(|s| !s.trim().is_empty());
    t.url = Some(pr.html_url.clone()).filter(|s| !s.trim().is_empty());
    t.branch = Some(pr.head.ref_name.clone()).filter(|s| !s.trim().is_empty());
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
    let mut target = target::resolve_local(
        &request.path,
        request.base.as_deref(),
        request.head.as_deref(),
    )?;
    if let Some(pr) = &request.pr {
        target.slug = format!("pr-{}", pr.number);
    }
    let root = target.repo_root.clone();
    let settings = &request.settings;

    let out = settings.out_dir(&root);
    workdir::ensure_ignored(&root, &out)?;
    let now = chrono::Utc::now();
    let dir = WorkDir::create(&out, &target.slug, now)?;
    target.write_diff(&dir.diff_path())?;
    let mut report_target = target.to_report_target();
    if let Some(pr) = &request.pr {
        pr_header(&mut report_target, pr);
    }
    if !request.dry_run {
        report_target.round =
            round_from_history(request.history.as_deref(), &dir.id, &report_target);
        // No earlier round here: the pull request's published review may know one.
        if let Some(pr) = &request.pr {
            report_target.round = crate::github::marker::round(report_target.round, &pr.reviews);
        }
    }
    dir.write_report_target(&report_target)?;
    if let Some(pr) = &request.pr {
        dir.write_pull_request(pr)?;
    }
    dir.write_file(
        workdir::CONTEXT_FILE,
        &workdir::render_context(&report_target, &target.commits, &target.files),
    )?;

    let template = match settings.prompt_path(&root) {
        Some(path) => {
            let bytes = std::fs::read(&path).map_err(|source| PipelineError::Read {
                path: path.clone(),
                source,
            })?;
            Some(String::from_utf8_lossy(&bytes).into_owned())
        }
        None => None,
    };
    let diff_text = target.diff_text_within(prompt::DIFF_INLINE_LIMIT as u64);
    // Read at the base revision: a change must not rewrite the rules it is judged by.
    let repo_context = prompt::read_repo_context(&root, &target.base);
    let diff_path = dir.diff_path();
    let prior_feedback = request
        .pr
        .as_ref()
        .and_then(|pr| crate::github::feedback::open_threads_markdown(&pr.threads));
    let prompt_text = prompt::build_prompt(&PromptInput {
        commits: &target.commits,
        files: &target.files,
        diff: diff_text.as_deref(),
        diff_file: Some(&diff_path),
        diff_len: Some(target.diff_len()),
        repo_context: repo_context.as_deref(),
        template: template.as_deref(),
        description: request
            .pr
            .as_ref()
            .map(|pr| pr.body.as_str())
            .filter(|b| !b.trim().is_empty()),
        prior_feedback: prior_feedback.as_deref(),
        ..PromptInput::new(&report_target)
    });
    dir.write_prompt(&prompt_text)?;

    // `import` becomes one reviewer per author (a no-op when the caller did it).
    let planned = reviewers::import::expand(&request.panel, request.pr.as_ref());
    let mut manifest = Manifest::new(&dir.id, now, &planned);
    manifest.base = Some(target.base.clone());
    manifest.head = Some(target.head.clone());
    manifest.repo_root = Some(root.display().to_string());
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
        sandbox: crate::sandbox::find_launcher(),
    };
    // A pull request's code is a stranger's: linters that execute it stay off unless
    // the user said otherwise.
    let panel: Vec<ReviewerConfig> = planned
        .into_iter()
        .map(|mut r| {
            r.untrusted_pr = request.pr.is_some() && !request.trust_pr_code;
            r
        })
        .collect();
    let records = reviewers::run_panel(&panel, &ctx, progress.clone(), cancel.clone()).await;
    // The checkout is removed before anything else can fail.
    let cleanup = checkout
        .cleanup()
        .err()
        .map(|e| format!("the reviewers' checkout was not removed: {e}; hint: remove it by hand"));
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
    opts.history = request.history.clone();
    let mut consolidated = match &settings.consolidator {
        Some(config) => {
            let setup = consolidator::Setup {
                config: config.clone(),
                workdir: dir.path.clone(),
                sandbox: ctx.sandbox.clone(),
                cancel: cancel.clone(),
                host: reviewers::env::HostEnv::capture(),
                progress: progress.clone(),
            };
            consolidate_dir_with_model(&opts, &setup).await?
        }
        None => consolidate_dir(&opts)?,
    };
    consolidated.notes.extend(cleanup);
    Ok(ReviewOutcome::Done {
        workdir: dir.path,
        records,
        consolidated: Box::new(consolidated),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verification;
    use crate::target::tests::feature_repo;

    /// A finished review consolidated again without `--repo` verifies against the
    /// repository its manifest names, and says so; without that repository it says the
    /// locations were not verified.
    #[test]
    fn consolidate_again_verifies_against_the_recorded_repository() {
        let repo = feature_repo();
        let head = repo.git(&["rev-parse", "HEAD"]);
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::open(dir.path());
        let mut manifest = Manifest::new("r1", chrono::Utc::now(), &[]);
        manifest.head = Some(head.clone());
        manifest.repo_root = Some(repo.path().display().to_string());
        wd.write_manifest(&manifest).unwrap();
        wd.write_file(
            &layout::review_file("a", 1),
            "## Important\n\n- **I1** `two()` lacks a test — `src/lib.rs:5`\n",
        )
        .unwrap();

        let done = consolidate_dir(&ConsolidateOptions::new(dir.path())).unwrap();
        let verification: Vec<Verification> = done
            .report
            .findings
            .iter()
            .map(|f| f.verification)
            .collect();
        assert_eq!(verification, [Verification::Verified], "{:?}", done.notes);
        assert!(
            done.notes[0].starts_with("locations verified against "),
            "{:?}",
            done.notes
        );

        manifest.repo_root = Some(dir.path().join("gone").display().to_string());
        wd.write_manifest(&manifest).unwrap();
        let done = consolidate_dir(&ConsolidateOptions::new(dir.path())).unwrap();
        assert_eq!(
            done.report.findings[0].verification,
            Verification::NotChecked
        );
        assert!(
            done.notes[0].starts_with("locations not verified: "),
            "{:?}",
            done.notes
        );
    }
}

#[cfg(test)]
mod masking_tests {
    use super::*;

    /// A secret quoted by a reviewer never reaches a rendered output.
    #[test]
    fn secrets_in_reviews_are_masked_in_every_output() {
        let aws = format!("AKIA{}", "Q7XZ3M2KPLR5TWNB");
        let gh = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        // Quoted and bare assignments, and a key at the start of a line: JSON and HTML
        // escape the quotes and line breaks around them, so they must be masked before.
        let quoted = ["q8Vt3Lp", "Z0rX7mK", "2wN5bY9", "cH4"].concat();
        let bare = ["Xk29fLq", "03mZp7T", "wR8vNs4", "Lq"].concat();
        let aws2 = format!("AKIA{}", "Z3MHQW7XK2PLV9TD");
        let dir = tempfile::tempdir().unwrap();
        let wd = WorkDir::open(dir.path());
        wd.write_file(
            &layout::review_file("a", 1),
            &format!(
                "## Critical\n\n- **C1** Hard-coded key `{aws}` in `config.py:3`\n\n  The token {gh} is committed too.\n\n  It reads `api_key = \"{quoted}\"`.\n\n{aws2} starts a line.\n\n  ```\n  API_TOKEN={bare}\n  ```\n"
            ),
        )
        .unwrap();
        let mut opts = ConsolidateOptions::new(dir.path());
        opts.formats = vec![Format::Sarif, Format::Html];
        let done = consolidate_dir(&opts).unwrap();
        assert_eq!(done.written.len(), 4);
        for path in &done.written {
            let text = std::fs::read_to_string(path).unwrap();
            assert!(text.contains("AKIA****"), "{}", path.display());
            for secret in [&aws, &gh, &quoted, &bare, &aws2] {
                assert!(!text.contains(secret), "{secret} in {}", path.display());
            }
        }
    }
}
