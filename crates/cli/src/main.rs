//! The `deep-review` binary: command-line parsing, terminal progress, signals and exit
//! codes. Everything else lives in `deep_review_core`.

// `println!` and `eprintln!` panic on a closed pipe: write through `output` instead.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod clean;
mod exit;
mod history;
mod manual;
mod output;
mod progress;
mod words;

/// The allocator: a consolidation makes millions of small allocations, and mimalloc
/// serves them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use deep_review_core::config::{
    self, BackendKind, ConfigPaths, FailOn, Overrides, ReviewerConfig, Settings,
};
use deep_review_core::github::PrHost as _;
use deep_review_core::options::{Format, SeverityPolicy};
use deep_review_core::pipeline::{self, ConsolidateOptions};
use deep_review_core::pipeline::{ReviewOutcome, ReviewRequest};
use deep_review_core::report::{Report, SeverityCounts};
use deep_review_core::reviewers::ready;
use deep_review_core::{target, workdir};
use exit::{usage, CmdResult, Failure};
use progress::Progress;
use tokio_util::sync::CancellationToken;
use words::{word_strings, words};

/// `deep-review 0.1.0 (<commit> <commit date>)`; build.rs finds the commit.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("DEEP_REVIEW_COMMIT"),
    " ",
    env!("DEEP_REVIEW_COMMIT_DATE"),
    ")"
);

#[derive(Parser, Debug)]
#[command(
    name = "deep-review",
    version = VERSION,
    after_help = exit::HELP,
    about = "Run a panel of code reviewers on a change and consolidate their reviews into one report"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// When to colour messages: auto (a terminal, and NO_COLOR unset), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value_t = clap::ColorChoice::Auto)]
    color: clap::ColorChoice,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Review a local change with every configured reviewer at once.
    Review(ReviewArgs),
    /// Re-consolidate saved reviews (review-<reviewer>-pass-<n>.md files) in DIR.
    Consolidate(ConsolidateArgs),
    /// List the configured panel and whether each reviewer can run.
    Reviewers(ReviewersArgs),
    /// Past reviews and rounds from the history database, newest first.
    History(history::HistoryArgs),
    /// Reviewer leaderboard over the recorded reviews.
    Stats(history::StatsArgs),
    /// Remove old work directories (default: not modified for 30 days).
    Clean(clean::CleanArgs),
    /// Print a shell completion script: bash, zsh, fish, elvish, powershell.
    Completions(manual::CompletionsArgs),
    /// Print the man page (roff): `deep-review man > deep-review.1`.
    Man,
}

#[derive(Args, Debug)]
struct ReviewArgs {
    /// The repository to review (default: the current directory), or a GitHub pull
    /// request — `owner/repo#N` or its URL — fetched into the current clone when it is
    /// one of that repository, else into a cached bare mirror (see --clone-dir).
    target: Option<PathBuf>,
    /// The base revision (default: merge-base with the default branch).
    #[arg(long)]
    base: Option<String>,
    /// The head revision (default: HEAD).
    #[arg(long)]
    head: Option<String>,
    /// Reviewers to run, by name, comma-separated (default: the configured panel).
    #[arg(long, value_delimiter = ',')]
    reviewers: Vec<String>,
    /// Parent directory of work directories (default: .deep-review/reviews).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Output formats, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = word_strings(&Format::ALL, Format::as_str))]
    format: Vec<String>,
    /// Per-reviewer time limit, e.g. 30m, 90s.
    #[arg(long)]
    timeout: Option<String>,
    /// Per-reviewer cost limit in US dollars for API reviewers, e.g. 0.50.
    #[arg(long, value_name = "USD", value_parser = budget_usd)]
    budget: Option<f64>,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_parser = words(&FailOn::ALL, FailOn::as_str))]
    fail_on: Option<FailOn>,
    /// Stop after writing the work directory and prompts. With --post: run the review,
    /// then write what would be posted to post-payload.json in the work directory
    /// instead of sending it.
    #[arg(long)]
    dry_run: bool,
    /// Configuration file (replaces the repository's deep-review.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// A prompt template replacing the built-in review prompt.
    #[arg(long)]
    prompt: Option<PathBuf>,
    /// Publish the review on the pull request: one review with a summary and inline
    /// comments on the diff's lines; a later run updates that summary and comments only
    /// on new findings.
    #[arg(long)]
    post: bool,
    /// Where the full report is published (a CI artifact, a page), linked from the
    /// posted summary.
    #[arg(long, value_name = "URL", requires = "post")]
    report_url: Option<String>,
    /// Let the builtin reviewer's linters run a pull request's code (cargo clippy's build
    /// scripts and proc macros, ESLint's JavaScript configs), sandboxed where possible.
    #[arg(long)]
    trust_pr_code: bool,
    /// Review pull request N of the repository the current clone's `origin` names.
    #[arg(long, value_name = "N", conflicts_with = "target")]
    pr: Option<u64>,
    /// Keep pull requests' bare mirrors in DIR (as DIR/<host>/<owner>/<repo>.git) and
    /// review in the mirror even inside a clone (default: the clone when it is of the
    /// pull request's repository, else $XDG_CACHE_HOME/deep-review/mirrors, else
    /// ~/.cache/deep-review/mirrors). Work directories then go under the current
    /// directory's .deep-review/reviews unless --out says otherwise.
    #[arg(long, value_name = "DIR")]
    clone_dir: Option<PathBuf>,
    /// No progress output; only the REVIEW.md path on stdout.
    #[arg(long, short)]
    quiet: bool,
    /// Also print each command a reviewer runs (secrets masked).
    #[arg(long, short, conflicts_with = "quiet")]
    verbose: bool,
    /// Keep this review out of the history database (`[history] enabled = false` in a
    /// configuration file does the same for every review).
    #[arg(long)]
    no_history: bool,
}

#[derive(Args, Debug)]
struct ConsolidateArgs {
    /// Directory holding review-<reviewer>-pass-<n>.md files (and run-<reviewer>.json).
    dir: PathBuf,
    /// Where to write the outputs (default: DIR).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Output formats, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = word_strings(&Format::ALL, Format::as_str))]
    format: Vec<String>,
    /// Verify locations against this git repository.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Revision to verify against (default: the review's head, else HEAD).
    #[arg(long, requires = "repo")]
    rev: Option<String>,
    /// Exit with 1 when a finding is at least this severe.
    #[arg(long, value_parser = words(&FailOn::ALL, FailOn::as_str))]
    fail_on: Option<FailOn>,
    /// How a finding's severity is chosen from its members'.
    #[arg(long, default_value_t, value_parser = words(&SeverityPolicy::ALL, SeverityPolicy::as_str))]
    severity_policy: SeverityPolicy,
    /// Keep this consolidation out of the history database.
    #[arg(long)]
    no_history: bool,
    /// After the deterministic pass, let this reviewer (defined in the user
    /// configuration or --config, or claude / codex / gemini) write the narrative and
    /// propose changes, as `[consolidator]` does for `review`.
    #[arg(long, value_name = "NAME")]
    consolidator: Option<String>,
    /// Configuration file to find the consolidator's definition in (over the user
    /// configuration).
    #[arg(long, requires = "consolidator")]
    config: Option<PathBuf>,
}

#[derive(Args, Debug)]
struct ReviewersArgs {
    /// The repository whose configuration to read (default: the current directory).
    target: Option<PathBuf>,
    /// Configuration file (replaces the repository's deep-review.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Also ask each API reviewer's endpoint whether it answers and lists the model.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let color = output::color_from_args(std::env::args_os());
    let matches = Cli::command().color(color).get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    output::init_color(cli.color);
    let result = match cli.command {
        Command::Consolidate(args) => consolidate(args),
        Command::Review(args) => review(args),
        Command::Reviewers(args) => reviewers(args),
        Command::History(args) => history::history(&args),
        Command::Stats(args) => history::stats(&args),
        Command::Clean(args) => clean::clean(&args),
        Command::Completions(args) => manual::completions(&args, Cli::command()),
        Command::Man => manual::man(Cli::command()),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            output::error(&failure.error);
            ExitCode::from(failure.code())
        }
    }
}

fn consolidate(args: ConsolidateArgs) -> CmdResult {
    let mut opts = ConsolidateOptions::new(&args.dir);
    opts.out = args.out;
    if !args.format.is_empty() {
        opts.formats =
            config::parse_formats(&args.format).map_err(|e| usage(anyhow::anyhow!(e)))?;
    }
    opts.repo = args.repo;
    opts.rev = args.rev;
    opts.severity_policy = args.severity_policy;
    // The user's configuration (with --config over it), read once: no repository's.
    let settings = consolidate_settings(args.consolidator.as_deref(), args.config.as_deref())?;
    opts.history = history_db(args.no_history || !settings.history);
    let fail_on = args.fail_on.unwrap_or_default();
    let done = match &args.consolidator {
        None => pipeline::consolidate_dir(&opts)?,
        Some(name) => {
            let config = consolidator_config(name, settings)?;
            let setup = deep_review_core::consolidator::Setup {
                config,
                workdir: opts.out.clone().unwrap_or_else(|| opts.dir.clone()),
                sandbox: deep_review_core::sandbox::find_launcher(),
                cancel: CancellationToken::new(),
                host: deep_review_core::reviewers::env::HostEnv::capture(),
                progress: None,
            };
            let runtime = tokio::runtime::Runtime::new().map_err(exit::runtime)?;
            runtime.block_on(pipeline::consolidate_dir_with_model(&opts, &setup))?
        }
    };
    for note in &done.notes {
        output::warning(note);
    }
    let code = finish(&done, fail_on, false);
    // The process ends next and hands its memory back whole: freeing the report item
    // by item first would only delay the exit.
    std::mem::forget(done);
    code
}

/// `--budget`: a number of dollars, 0 or more.
fn budget_usd(text: &str) -> Result<f64, String> {
    match text.trim().trim_start_matches('$').parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 => Ok(n),
        _ => Err(format!(
            "`{text}` is not an amount of US dollars (e.g. 0.50)"
        )),
    }
}

fn review(args: ReviewArgs) -> CmdResult {
    let named_pr = pull_request_target(args.target.as_deref())?;
    if args.post && named_pr.is_none() && args.pr.is_none() {
        return Err(usage(anyhow::anyhow!(
            "--post needs a GitHub pull request target; a local branch has nowhere to post to\nhint: name the pull request (owner/repo#N, its URL or --pr N), or run the review without --post"
        )));
    }
    // `--dry-run` alone runs no reviewer; with `--post` it runs the review and sends nothing.
    let prompt_only = args.dry_run && !args.post;
    // A pull request named outside any clone is reviewed in its mirror: no root yet.
    let (cwd, local_root) = if named_pr.is_some() {
        let cwd = current_dir()?;
        let root = target::repo_root(&cwd).ok();
        (cwd, root)
    } else {
        let (cwd, root) = locate(args.pr.map_or(args.target.as_deref(), |_| None))?;
        (cwd, Some(root))
    };
    let pr_ref = match (args.pr, &local_root) {
        (Some(number), Some(root)) => Some(pull_request_of_origin(root, number)?),
        _ => named_pr,
    };
    let mut root = local_root.clone().unwrap_or_else(|| cwd.clone());
    let mut in_mirror = false;
    // The API client the pull request was read with, to post with too.
    let mut github = None;
    let runtime = tokio::runtime::Runtime::new().map_err(exit::runtime)?;
    // A pull request: read it, fetch its revisions under private refs, then review
    // those like a local range (its configuration read at its base).
    let mut args = args;
    let pr = match &pr_ref {
        Some(pr_ref) => {
            if args.base.is_some() || args.head.is_some() {
                return Err(usage(anyhow::anyhow!(
                    "--base and --head do not go with a pull request: it names both\nhint: drop them, or review a local range without the pull request"
                )));
            }
            let (pr, client, auth) = runtime.block_on(fetch_pull_request(pr_ref))?;
            github = Some(client);
            let env = |name: &str| std::env::var(name).ok();
            let place = deep_review_core::github::mirror::choose_place(
                local_root.as_deref(),
                &pr_ref.repo,
                &pr.clone_url,
                args.clone_dir.as_ref().map(|d| cwd.join(d)).as_deref(),
                &env,
            )
            .map_err(|e| usage(anyhow::Error::new(e)))?;
            let fetched = place
                .fetch(&pr, auth.as_ref())
                .map_err(|e| exit::runtime(anyhow::Error::new(e)))?;
            in_mirror = matches!(place, deep_review_core::github::mirror::Place::Mirror(_));
            root = place.root().to_path_buf();
            args.base = Some(fetched.base_ref);
            args.head = Some(fetched.head_ref);
            Some(pr)
        }
        None => None,
    };
    let overrides = Overrides {
        reviewers: (!args.reviewers.is_empty()).then(|| args.reviewers.clone()),
        timeout: args
            .timeout
            .as_deref()
            .map(config::parse_duration)
            .transpose()
            .map_err(|e| usage(anyhow::anyhow!("--timeout: {e}")))?,
        fail_on: args.fail_on,
        out: args.out.as_ref().map(|p| cwd.join(p)),
        formats: (!args.format.is_empty()).then(|| args.format.clone()),
        prompt: args.prompt.as_ref().map(|p| cwd.join(p)),
        budget_usd: args.budget,
        no_history: args.no_history,
    };
    let at = Some((args.base.as_deref(), args.head.as_deref()));
    let mut settings = load_config(&cwd, &root, args.config.as_deref(), &overrides, at)?;
    if in_mirror {
        // A mirror is a cache, not the user's: the work directories go where they are.
        let out = settings.out_dir(&cwd);
        workdir::ensure_ignored(&cwd, &out).map_err(exit::runtime)?;
        if !args.quiet {
            output::note(&format!(
                "reviewing in the mirror {}; work directories go in {}",
                root.display(),
                out.display()
            ));
        }
        settings.out = Some(out);
    }
    if !args.quiet {
        for note in &settings.notes {
            output::warning(note);
        }
        let ignored = settings.out_dir(&root);
        let ignored = ignored.strip_prefix(&root).unwrap_or(&ignored);
        let first = ignored
            .components()
            .next()
            .map(|c| c.as_os_str().to_string_lossy().into_owned());
        if let Some(warning) = target::uncommitted_warning(
            &root,
            args.head.as_deref(),
            first.as_deref().unwrap_or(workdir::STATE_DIR),
        ) {
            output::warning(&warning);
        }
    }
    let fail_on = settings.fail_on;
    let received = Arc::new(AtomicI32::new(0));
    let outcome = runtime.block_on(async {
        let ready::PanelChoice { panel, note, .. } = ready::choose_panel(&settings).await;
        // One reviewer per author of the comments `import` brings in.
        let panel = deep_review_core::reviewers::import::expand(&panel, pr.as_ref());
        if let (Some(note), false) = (note, args.quiet) {
            output::note(&note);
        }
        let mut names: Vec<String> = panel.iter().map(|r| r.name.clone()).collect();
        if settings.consolidator.is_some() && !prompt_only {
            names.push(deep_review_core::consolidator::PROGRESS_NAME.to_string());
        }
        let request = ReviewRequest {
            path: root.clone(),
            base: args.base.clone(),
            head: args.head.clone(),
            settings: settings.clone(),
            panel,
            dry_run: prompt_only,
            history: history_db(!settings.history),
            pr: pr.clone(),
            trust_pr_code: args.trust_pr_code,
        };
        let cancel = CancellationToken::new();
        tokio::spawn(cancel_on_signal(cancel.clone(), received.clone()));
        let (sender, mut events) = tokio::sync::mpsc::unbounded_channel();
        let quiet = args.quiet || prompt_only;
        let verbose = args.verbose;
        let display = tokio::spawn(async move {
            let mut progress = Progress::new(quiet, verbose, &names);
            while let Some(event) = events.recv().await {
                progress.handle(event);
            }
            progress.finish();
        });
        let outcome = pipeline::review(&request, Some(sender), cancel).await;
        let _ = display.await;
        outcome
    });
    match outcome? {
        ReviewOutcome::DryRun { workdir } => {
            if !args.quiet {
                output::note(&format!(
                    "dry run: the prompt is in {}",
                    workdir.join(workdir::PROMPT_FILE).display()
                ));
            }
            output::line(workdir.display())?;
            Ok(exit::SUCCESS)
        }
        ReviewOutcome::Interrupted { workdir, .. } => {
            output::warning(&format!(
                "interrupted: the reviewers that had not finished were stopped\nhint: finish the report from those that completed with `deep-review consolidate {}`",
                workdir.display()
            ));
            output::line(workdir.display())?;
            // Ended by a signal we caught: 128 + its number (SIGINT when none is known).
            let signal = match received.load(Ordering::Relaxed) {
                0 => SIGINT,
                n => n,
            };
            Ok(exit::signal(signal))
        }
        ReviewOutcome::Done {
            consolidated,
            workdir,
            ..
        } => {
            for note in &consolidated.notes {
                output::warning(note);
            }
            let code = finish(&consolidated, fail_on, args.quiet)?;
            if let (true, Some(client), Some(pr)) = (args.post, &github, &pr) {
                let options = deep_review_core::github::publish::PublishOptions {
                    report_url: args.report_url.clone(),
                    dry_run: args.dry_run,
                };
                let done = runtime.block_on(post_review(
                    client,
                    pr,
                    &consolidated.report,
                    &root,
                    &workdir,
                    &options,
                ))?;
                if !args.quiet {
                    output::note(&posted_line(&done));
                }
            }
            Ok(code)
        }
    }
}

/// The history database a review is recorded in; None when `off`, or (with a warning)
/// when the environment names no place for it.
fn history_db(off: bool) -> Option<PathBuf> {
    if off {
        return None;
    }
    let path = history::db_path();
    if path.is_none() {
        output::warning(&format!(
            "no review history: neither {} nor HOME is set\nhint: set {} to the database file, or pass --no-history",
            deep_review_core::history::DB_ENV,
            deep_review_core::history::DB_ENV
        ));
    }
    path
}

/// `review owner/repo#N` or a pull request URL; None for a path (an existing
/// directory is always a path).
fn pull_request_target(
    target: Option<&Path>,
) -> Result<Option<deep_review_core::github::PrRef>, Failure> {
    let Some(text) = target.and_then(Path::to_str) else {
        return Ok(None);
    };
    let looks_like_pr =
        text.contains('#') || text.starts_with("https://") || text.starts_with("http://");
    if !looks_like_pr || Path::new(text).is_dir() {
        return Ok(None);
    }
    deep_review_core::github::parse_pr(text)
        .map(Some)
        .map_err(|e| usage(anyhow::Error::new(e)))
}

/// `--pr N`: pull request N of the repository the `origin` of the clone at `root`
/// points at.
fn pull_request_of_origin(
    root: &Path,
    number: u64,
) -> Result<deep_review_core::github::PrRef, Failure> {
    let url = target::origin_url(root).ok_or_else(|| {
            usage(anyhow::anyhow!(
                "--pr {number}: this clone has no `origin` remote\nhint: name the pull request as owner/repo#{number}"
            ))
        })?;
    let repo = deep_review_core::github::repo_from_remote(&url)
        .map_err(|e| usage(anyhow::Error::new(e)))?;
    Ok(deep_review_core::github::PrRef { repo, number })
}

/// The API client for `pr`'s host (`GITHUB_API_URL`, a token from `GITHUB_TOKEN`,
/// `GH_TOKEN`, else `gh auth token`, else none), and the same token as what `git fetch`
/// of its clone URL may authenticate with.
async fn github_client(
    pr: &deep_review_core::github::PrRef,
) -> Result<
    (
        deep_review_core::github::Client,
        Option<deep_review_core::github::checkout::GitAuth>,
    ),
    Failure,
> {
    use deep_review_core::github::{checkout::GitAuth, Client, Endpoints, Token};
    let env = |name: &str| std::env::var(name).ok();
    let token = match Token::from_env(env) {
        Some(t) => Some(t),
        None => Token::from_gh(std::ffi::OsStr::new("gh"), &pr.repo.host).await,
    };
    let endpoints = Endpoints::from_env(&pr.repo.host, env);
    let auth = token
        .clone()
        .map(|t| GitAuth::new(t, &pr.repo.host, &endpoints.api, env));
    let client = Client::new(endpoints, token)
        .map_err(|e| exit::runtime(anyhow::Error::new(e)))?
        // A rate limit's wait is said when it starts: a silent minute looks like a hang.
        .on_wait(|wait| output::note(&wait.to_string()));
    Ok((client, auth))
}

/// Reads the pull request from GitHub; with the client it was read with and the token
/// `git fetch` may use.
async fn fetch_pull_request(
    pr: &deep_review_core::github::PrRef,
) -> Result<
    (
        deep_review_core::github::PullRequest,
        deep_review_core::github::Client,
        Option<deep_review_core::github::checkout::GitAuth>,
    ),
    Failure,
> {
    let (client, auth) = github_client(pr).await?;
    let pr = client
        .fetch_pr(&pr.repo.owner, &pr.repo.repo, pr.number)
        .await
        .map_err(|e| exit::runtime(anyhow::Error::new(e)))?;
    Ok((pr, client, auth))
}

/// `--post`: publishes the report on the pull request (a failure is exit 4; the
/// report is written either way).
async fn post_review(
    client: &deep_review_core::github::Client,
    pr: &deep_review_core::github::PullRequest,
    report: &Report,
    root: &Path,
    workdir: &Path,
    options: &deep_review_core::github::publish::PublishOptions,
) -> Result<deep_review_core::github::publish::Published, Failure> {
    client
        .publish(pr, report, root, workdir, options)
        .await
        .map_err(|e| exit::runtime(anyhow::Error::new(e)))
}

/// What `--post` did, in one line.
fn posted_line(done: &deep_review_core::github::publish::Published) -> String {
    if let Some(payload) = &done.payload {
        return format!(
            "dry run: nothing was posted; the review that would be is in {}",
            payload.display()
        );
    }
    let url = done.url.as_deref().unwrap_or("the pull request");
    let verb = if done.updated {
        "updated the review"
    } else {
        "posted the review"
    };
    let mut line = format!(
        "{verb}: {url} ({}",
        deep_review_core::prose::plural(done.inline, "inline comment", "inline comments")
    );
    if done.moved > 0 {
        line.push_str(&format!(
            "; GitHub refused {} inline, listed in the body instead",
            done.moved
        ));
    }
    line.push(')');
    line
}

/// What `consolidate` reads of the configuration: the user's file, `explicit` over it,
/// and with `consolidator` named, the panel narrowed to it (so a reviewer named but
/// not defined still resolves, as `claude` does).
fn consolidate_settings(
    consolidator: Option<&str>,
    explicit: Option<&Path>,
) -> Result<config::Settings, Failure> {
    let env = |name: &str| std::env::var(name).ok();
    let paths = ConfigPaths::discover(None, explicit, &env);
    let overrides = Overrides {
        reviewers: consolidator.map(|name| vec![name.to_string()]),
        ..Overrides::default()
    };
    Ok(config::load_settings(&paths, &overrides)?)
}

/// `consolidate --consolidator NAME`: the reviewer `name` as `settings` (see
/// [`consolidate_settings`]) define it, with `[consolidator]`'s timeout when that names
/// it too.
fn consolidator_config(name: &str, settings: config::Settings) -> Result<ReviewerConfig, Failure> {
    if let Some(c) = settings.consolidator.filter(|c| c.name == name) {
        return Ok(c);
    }
    let reviewer = settings
        .panel
        .into_iter()
        .next()
        .ok_or_else(|| usage(anyhow::anyhow!("no reviewer `{name}` to consolidate with")))?;
    if reviewer.backend == BackendKind::Builtin {
        return Err(usage(anyhow::anyhow!(
            "--consolidator {name}: the builtin reviewer is not a model\nhint: name an API, agent CLI or command reviewer"
        )));
    }
    Ok(reviewer)
}

const SIGHUP: i32 = 1;
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// Cancels the review on Ctrl-C, SIGTERM or SIGHUP, noting which in `received` (for
/// the exit code); the runner then kills every reviewer's process group.
async fn cancel_on_signal(cancel: CancellationToken, received: Arc<AtomicI32>) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    let number = tokio::select! {
        _ = tokio::signal::ctrl_c() => SIGINT,
        _ = term.recv() => SIGTERM,
        _ = hup.recv() => SIGHUP,
    };
    received.store(number, Ordering::Relaxed);
    cancel.cancel();
}

fn current_dir() -> Result<PathBuf, Failure> {
    std::env::current_dir()
        .map_err(|e| exit::runtime(anyhow::anyhow!("cannot read the current directory: {e}")))
}

/// The current directory and the root of the repository `target` (default `.`) is in.
fn locate(target: Option<&Path>) -> Result<(PathBuf, PathBuf), Failure> {
    let cwd = current_dir()?;
    let root = target::repo_root(&cwd.join(target.unwrap_or(Path::new("."))))?;
    Ok((cwd, root))
}

fn load_config(
    cwd: &Path,
    root: &Path,
    explicit: Option<&Path>,
    overrides: &Overrides,
    review_of: Option<(Option<&str>, Option<&str>)>,
) -> Result<Settings, Failure> {
    let explicit = explicit.map(|p| cwd.join(p));
    let env = |name: &str| std::env::var(name).ok();
    let mut paths = ConfigPaths::discover(Some(root), explicit.as_deref(), &env);
    paths.repo_at_base = review_of.and_then(|(base, head)| repo_file_at_base(root, base, head));
    Ok(config::load_settings(&paths, overrides)?)
}

/// The repository's `deep-review.toml` as the base of a review of `base..head` has it,
/// so a branch cannot configure (and run commands in) its own review. `None` when no
/// base can be resolved (on the default branch itself: the working tree is the user's).
fn repo_file_at_base(
    root: &Path,
    base: Option<&str>,
    head: Option<&str>,
) -> Option<config::RepoFileAt> {
    let rev = target::base_commit(root, base, head).ok()?;
    let text = deep_review_core::verify::GitTree::open(root, &rev)
        .ok()?
        .read_file(config::REPO_CONFIG_FILE);
    Some(config::RepoFileAt { rev, text })
}

fn reviewers(args: ReviewersArgs) -> CmdResult {
    let (cwd, root) = locate(args.target.as_deref())?;
    let settings = load_config(
        &cwd,
        &root,
        args.config.as_deref(),
        &Overrides::default(),
        Some((None, None)),
    )?;
    let runtime = tokio::runtime::Runtime::new().map_err(exit::runtime)?;
    let choice = runtime.block_on(ready::choose_panel(&settings));
    // Show the panel, then every other reviewer the files define or we could detect.
    let mut rows: Vec<(ReviewerConfig, bool)> =
        choice.panel.iter().map(|r| (r.clone(), true)).collect();
    let candidates = settings.defined.iter().cloned().chain(
        [
            BackendKind::Claude,
            BackendKind::Codex,
            BackendKind::Gemini,
            BackendKind::Builtin,
            BackendKind::Import,
        ]
        .into_iter()
        .map(|b| ReviewerConfig::new(b.as_str(), b)),
    );
    for reviewer in candidates {
        if !rows.iter().any(|(r, _)| r.name == reviewer.name) {
            rows.push((reviewer, false));
        }
    }
    // Reuse what choosing the panel checked; check the rest, all at once.
    let unchecked: Vec<ReviewerConfig> = rows
        .iter()
        .map(|(r, _)| r)
        .filter(|r| !choice.checked.iter().any(|(c, _)| c.name == r.name))
        .cloned()
        .collect();
    let mut checked = choice.checked;
    checked.extend(
        unchecked
            .iter()
            .cloned()
            .zip(runtime.block_on(ready::check_all_in(
                &unchecked,
                &deep_review_core::reviewers::env::HostEnv::capture(),
                args.check,
            ))),
    );
    let launcher = deep_review_core::sandbox::find_launcher();
    let support = deep_review_core::sandbox::probe();
    let width = rows
        .iter()
        .map(|(r, _)| r.name.len())
        .max()
        .unwrap_or(8)
        .max(4);
    output::line(format_args!(
        "{:<width$}  {:<17}  {:<5}  {:<9}  WHY",
        "NAME", "BACKEND", "PANEL", "STATE"
    ))?;
    for (reviewer, in_panel) in &rows {
        let Some((_, available)) = checked.iter().find(|(c, _)| c.name == reviewer.name) else {
            continue;
        };
        let state = if available.ready {
            "ready"
        } else {
            "not ready"
        };
        let panel_mark = if *in_panel { "panel" } else { "-" };
        let version = available
            .version
            .as_deref()
            .map(|v| format!(" ({v})"))
            .unwrap_or_default();
        let sandbox = ready::sandbox_state(reviewer, launcher.as_deref(), support)
            .map(|s| format!("; {s}"))
            .unwrap_or_default();
        output::line(format_args!(
            "{:<width$}  {:<17}  {:<5}  {:<9}  {}{}{}",
            reviewer.name,
            reviewer.backend.as_str(),
            panel_mark,
            state,
            available.reason,
            version,
            sandbox
        ))?;
    }
    if let Some(consolidator) = &settings.consolidator {
        let state = checked
            .iter()
            .find(|(c, _)| c.name == consolidator.name)
            .map_or(
                "not checked",
                |(_, a)| {
                    if a.ready {
                        "ready"
                    } else {
                        "not ready"
                    }
                },
            );
        output::line(format_args!(
            "consolidator: {} ({state}): writes the summary and proposes changes after the panel",
            consolidator.name
        ))?;
    }
    Ok(exit::SUCCESS)
}

/// Prints the verdict line and the REVIEW.md path (last line of stdout) and picks the
/// exit code.
fn finish(done: &pipeline::Consolidated, fail_on: FailOn, quiet: bool) -> CmdResult {
    if done.usable_reviews == 0 {
        if let Some(path) = done.review_md() {
            output::line(path.display())?;
        }
        let who = done
            .report
            .verdict
            .reason
            .split_once(": ")
            .map(|(_, who)| format!(": {}", who.trim_end_matches('.')))
            .unwrap_or_default();
        return Err(exit::no_review(anyhow::anyhow!(
            "no reviewer produced a usable review{who}\nhint: look at the run-<reviewer>.json records in the work directory"
        )));
    }
    if !quiet {
        output::note(&verdict_line(&done.report));
    }
    if let Some(path) = done.review_md() {
        output::line(path.display())?;
    }
    let worst = done.report.findings.iter().map(|f| f.severity).min();
    let failed = fail_on.fails(worst);
    Ok(if failed { exit::FAIL_ON } else { exit::SUCCESS })
}

fn verdict_line(report: &Report) -> String {
    use deep_review_core::model::Decision;
    if report.verdict.decision == Decision::Incomplete {
        return format!(
            "verdict: {} — {}",
            report.verdict.decision.label(),
            report.verdict.reason
        );
    }
    let panel = report
        .verdict
        .reason
        .rsplit_once(" — from ")
        .map(|(_, from)| format!(" (from {})", from.trim_end_matches('.')))
        .unwrap_or_default();
    let mut counts = SeverityCounts::default();
    for f in &report.findings {
        counts.add(f.severity);
    }
    let suggestions =
        deep_review_core::prose::plural(counts.suggestion as usize, "suggestion", "suggestions");
    format!(
        "verdict: {} — {} critical, {} important, {suggestions}{panel}",
        report.verdict.decision.label(),
        counts.critical,
        counts.important,
    )
}
