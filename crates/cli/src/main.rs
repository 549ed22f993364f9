//! The `deep-review` binary: command-line parsing, terminal progress, signals and exit
//! codes. Everything else lives in `deep_review_core`.

mod progress;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use deep_review_core::consolidate::SeverityPolicy;
use deep_review_core::model::Severity;
use deep_review_core::pipeline::{self, ConsolidateOptions};
use deep_review_core::render::Format;
use deep_review_core::report::Report;

/// Exit codes (SPEC section 3).
const EXIT_FAIL_ON: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_NO_REVIEW: u8 = 3;

#[derive(Parser, Debug)]
#[command(name = "deep-review", version, about = "Run a panel of code reviewers on a change and consolidate their reviews into one report")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Review a local change with every configured reviewer at once.
    Review(ReviewArgs),
    /// Re-consolidate saved reviews (review-<reviewer>-pass-<n>.md files) in DIR.
    Consolidate(ConsolidateArgs),
    /// List the configured panel and whether each reviewer can run.
    Reviewers(ReviewersArgs),
}

#[derive(Args, Debug)]
struct ReviewArgs {
    /// The repository to review (default: the current directory).
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
    /// Output formats, comma-separated: md, json, sarif, html.
    #[arg(long, value_delimiter = ',')]
    format: Vec<String>,
    /// Per-reviewer time limit, e.g. 30m, 90s.
    #[arg(long)]
    timeout: Option<String>,
    /// Exit with 1 when a finding is at least this severe: critical, important, suggestion, never.
    #[arg(long)]
    fail_on: Option<String>,
    /// Stop after writing the work directory and prompts.
    #[arg(long)]
    dry_run: bool,
    /// Configuration file (replaces the repository's deep-review.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// A prompt template replacing the built-in review prompt.
    #[arg(long)]
    prompt: Option<PathBuf>,
    /// Post the review on the pull request (not available for local targets yet).
    #[arg(long)]
    post: bool,
    /// No progress output; only the REVIEW.md path on stdout.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args, Debug)]
struct ConsolidateArgs {
    /// Directory holding review-<reviewer>-pass-<n>.md files (and run-<reviewer>.json).
    dir: PathBuf,
    /// Where to write the outputs (default: DIR).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Output formats, comma-separated: md, json, sarif, html.
    #[arg(long, value_delimiter = ',')]
    format: Vec<String>,
    /// Verify locations against this git repository.
    #[arg(long)]
    repo: Option<PathBuf>,
    /// Revision to verify against (default: the review's head, else HEAD).
    #[arg(long, requires = "repo")]
    rev: Option<String>,
    /// Exit with 1 when a finding is at least this severe: critical, important, suggestion, never.
    #[arg(long)]
    fail_on: Option<String>,
    /// How a finding's severity is chosen from its members': majority, highest, lowest.
    #[arg(long, default_value = "majority")]
    severity_policy: String,
}

#[derive(Args, Debug)]
struct ReviewersArgs {
    /// The repository whose configuration to read (default: the current directory).
    target: Option<PathBuf>,
    /// Configuration file (replaces the repository's deep-review.toml).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// An error that maps to a specific exit code.
#[derive(Debug)]
struct Exit(u8, anyhow::Error);

type CmdResult = Result<u8, Exit>;

fn usage(e: impl Into<anyhow::Error>) -> Exit {
    Exit(EXIT_USAGE, e.into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Consolidate(args) => consolidate(args),
        Command::Review(args) => review(args),
        Command::Reviewers(args) => reviewers(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Exit(code, err)) => {
            eprintln!("error: {err:#}");
            ExitCode::from(code)
        }
    }
}

fn consolidate(args: ConsolidateArgs) -> CmdResult {
    let mut opts = ConsolidateOptions::new(&args.dir);
    opts.out = args.out;
    opts.formats = parse_formats(&args.format).map_err(usage)?;
    opts.repo = args.repo;
    opts.rev = args.rev;
    opts.severity_policy = parse_severity_policy(&args.severity_policy).map_err(usage)?;
    let fail_on = parse_fail_on(args.fail_on.as_deref().unwrap_or("never")).map_err(usage)?;
    let done = pipeline::consolidate_dir(&opts).map_err(usage)?;
    finish(&done, fail_on, false)
}

fn review(_args: ReviewArgs) -> CmdResult {
    Err(usage(anyhow::anyhow!("review is not wired yet")))
}

fn reviewers(_args: ReviewersArgs) -> CmdResult {
    Err(usage(anyhow::anyhow!("reviewers is not wired yet")))
}

/// Prints the verdict line and the REVIEW.md path (last line of stdout) and picks the
/// exit code.
fn finish(done: &pipeline::Consolidated, fail_on: Option<Severity>, quiet: bool) -> CmdResult {
    if done.usable_reviews == 0 {
        if let Some(path) = done.review_md() {
            println!("{}", path.display());
        }
        return Err(Exit(
            EXIT_NO_REVIEW,
            anyhow::anyhow!("no reviewer produced a usable review\nhint: look at the run-<reviewer>.json records in the work directory"),
        ));
    }
    if !quiet {
        eprintln!("{}", verdict_line(&done.report));
    }
    if let Some(path) = done.review_md() {
        println!("{}", path.display());
    }
    let failed = fail_on.is_some_and(|limit| done.report.findings.iter().any(|f| f.severity <= limit));
    Ok(if failed { EXIT_FAIL_ON } else { 0 })
}

fn verdict_line(report: &Report) -> String {
    let mut counts = [0usize; 3];
    for f in &report.findings {
        counts[f.severity as usize] += 1;
    }
    format!(
        "verdict: {} — {} critical, {} important, {} suggestions",
        report.verdict.decision.label(),
        counts[0],
        counts[1],
        counts[2]
    )
}

fn parse_formats(words: &[String]) -> anyhow::Result<Vec<Format>> {
    if words.is_empty() {
        return Ok(vec![Format::Markdown, Format::Json]);
    }
    let mut formats = Vec::new();
    for w in words {
        let f = Format::parse(w).with_context(|| format!("unknown format `{w}`\nhint: use md, json, sarif or html"))?;
        if !formats.contains(&f) {
            formats.push(f);
        }
    }
    // report.json is always written: consolidate and history read it back.
    if !formats.contains(&Format::Json) {
        formats.push(Format::Json);
    }
    Ok(formats)
}

/// `never` → None.
fn parse_fail_on(word: &str) -> anyhow::Result<Option<Severity>> {
    match word.trim().to_ascii_lowercase().as_str() {
        "never" | "none" => Ok(None),
        "critical" => Ok(Some(Severity::Critical)),
        "important" => Ok(Some(Severity::Important)),
        "suggestion" | "suggestions" => Ok(Some(Severity::Suggestion)),
        other => anyhow::bail!("unknown --fail-on value `{other}`\nhint: use critical, important, suggestion or never"),
    }
}

fn parse_severity_policy(word: &str) -> anyhow::Result<SeverityPolicy> {
    match word.trim().to_ascii_lowercase().as_str() {
        "majority" => Ok(SeverityPolicy::Majority),
        "highest" => Ok(SeverityPolicy::Highest),
        "lowest" => Ok(SeverityPolicy::Lowest),
        other => anyhow::bail!("unknown severity policy `{other}`\nhint: use majority, highest or lowest"),
    }
}
