//! Configuration: `deep-review.toml` at the repository root, the user's
//! `$XDG_CONFIG_HOME/deep-review/config.toml`, `--config FILE`, then flags (SPEC section 5).
//! Unknown keys are errors that name the key and the file.
//!
//! This module holds the resolved values ([`Settings`], [`ReviewerConfig`]) and reads
//! the files ([`load_settings`]); `file.rs` is what one file says, `resolve.rs` layers
//! the files and the flags into `Settings`.
//!
//! Configuration knows no stage: it names option words from [`crate::options`] and
//! imports nothing from `consolidate`, `render` or `process`.

mod file;
mod resolve;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::model::Severity;
use crate::options::{parse_word, Format, SeverityPolicy, UnknownWord};

/// Which program or API a reviewer is (SPEC section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackendKind {
    Claude,
    Codex,
    Gemini,
    Command,
    Builtin,
    Anthropic,
    Openai,
    GeminiApi,
    OpenaiCompatible,
    Import,
}

impl BackendKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::Claude => "claude",
            BackendKind::Codex => "codex",
            BackendKind::Gemini => "gemini",
            BackendKind::Command => "command",
            BackendKind::Builtin => "builtin",
            BackendKind::Anthropic => "anthropic",
            BackendKind::Openai => "openai",
            BackendKind::GeminiApi => "gemini-api",
            BackendKind::OpenaiCompatible => "openai-compatible",
            BackendKind::Import => "import",
        }
    }
}

/// Where a `command` reviewer leaves its review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputMode {
    #[default]
    Stdout,
    File,
}

impl OutputMode {
    pub const ALL: [OutputMode; 2] = [OutputMode::Stdout, OutputMode::File];

    /// `stdout`, `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            OutputMode::Stdout => "stdout",
            OutputMode::File => "file",
        }
    }
}

/// One reviewer, fully resolved (defaults applied, durations parsed).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewerConfig {
    pub name: String,
    pub backend: BackendKind,
    pub model: Option<String>,
    pub effort: Option<String>,
    /// Shown in the report; defaults to a name derived from backend and model.
    pub display: Option<String>,
    pub timeout: Duration,
    /// `command` backend: argv with `{prompt_file}`, `{output_file}`, `{repo}`, `{workdir}`.
    pub command: Vec<String>,
    pub output: OutputMode,
    /// Extra arguments appended to an agent CLI's command line.
    pub args: Vec<String>,
    /// Extra environment for the reviewer (on top of the allow-list).
    pub env: BTreeMap<String, String>,
    /// Overrides the executable looked up on PATH (`claude`, `codex`, `gemini`).
    pub binary: Option<String>,
    pub base_url: Option<String>,
    /// Name of the environment variable holding the API key.
    pub api_key_env: Option<String>,
    /// `builtin` backend: extra linters that print SARIF on standard output, each an
    /// argv run in the checkout (e.g. `["semgrep", "--sarif", "--quiet", "."]`).
    pub sarif_tools: Vec<Vec<String>>,
    /// `builtin` backend: run the linters that execute the change's code (`cargo clippy`
    /// with build scripts and proc macros, ESLint with JavaScript configs) even when they
    /// cannot be sandboxed. Off by default: then such linters are skipped with a note.
    pub trust_code: bool,
    /// Set by the review, not by configuration: the change is a pull request whose code
    /// the user did not opt in to run (`--trust-pr-code`), so the linters that execute
    /// it are skipped even where a sandbox could confine them.
    pub untrusted_pr: bool,
    /// Set by the review, not by configuration: the author (`reviewers::import`'s key,
    /// `coderabbit` or a login) whose comments this `import` reviewer imports.
    pub import_author: Option<String>,
    /// `command` backend: paths the sandboxed reviewer may also write (and read) — the
    /// explicit pass-through; everything else outside its checkout, work directory and
    /// per-run scratch stays out of reach.
    pub writable: Vec<PathBuf>,
    /// API backends: the most tokens (input and output over every turn) the run may use.
    pub max_tokens: Option<u64>,
    /// API backends: the most the run may cost in US dollars (`[review] budget_usd` is
    /// every reviewer's default).
    pub budget_usd: Option<f64>,
    /// API backends: the model's price when it is not (or not rightly) in the built-in
    /// table.
    pub price: Option<Price>,
    /// API backends: retries of a request on 429, 5xx or a lost connection.
    pub retries: u32,
    /// API backends: the first retry's delay; it doubles (with jitter) after that, and a
    /// server's `Retry-After` wins.
    pub retry_delay: Duration,
    /// API backends: the token budget of the context put in the prompt (the diff and
    /// the code around it); `None` is the packer's default.
    pub context_tokens: Option<u64>,
}

/// A model's price in US dollars per million tokens.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Price {
    pub input: f64,
    /// Prompt tokens read from the provider's cache.
    pub cached_input: f64,
    pub output: f64,
}

/// Retries of an API request, by default.
pub const DEFAULT_RETRIES: u32 = 4;
/// The first retry's delay, by default.
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

impl ReviewerConfig {
    pub fn new(name: impl Into<String>, backend: BackendKind) -> Self {
        ReviewerConfig {
            name: name.into(),
            backend,
            model: None,
            effort: None,
            display: None,
            timeout: DEFAULT_TIMEOUT,
            command: Vec::new(),
            output: OutputMode::Stdout,
            args: Vec::new(),
            env: BTreeMap::new(),
            binary: None,
            base_url: None,
            api_key_env: None,
            sarif_tools: Vec::new(),
            trust_code: false,
            untrusted_pr: false,
            import_author: None,
            writable: Vec::new(),
            max_tokens: None,
            budget_usd: None,
            price: None,
            retries: DEFAULT_RETRIES,
            retry_delay: DEFAULT_RETRY_DELAY,
            context_tokens: None,
        }
    }
}

/// Default time a reviewer may take.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// The repository's configuration file, at its root.
pub const REPO_CONFIG_FILE: &str = "deep-review.toml";

impl BackendKind {
    pub const ALL: [BackendKind; 10] = [
        BackendKind::Claude,
        BackendKind::Codex,
        BackendKind::Gemini,
        BackendKind::Command,
        BackendKind::Builtin,
        BackendKind::Anthropic,
        BackendKind::Openai,
        BackendKind::GeminiApi,
        BackendKind::OpenaiCompatible,
        BackendKind::Import,
    ];

    /// Reads a backend name as written in configuration (`gemini-api`).
    pub fn parse(word: &str) -> Option<BackendKind> {
        let word = word.trim();
        BackendKind::ALL.into_iter().find(|b| b.as_str() == word)
    }

    /// Backends a reviewer can be named after without a table of its own: a panel of
    /// `["claude", "builtin"]` needs no `[reviewers.*]` section. `command` and
    /// `openai-compatible` need settings, so they are not among them.
    pub fn implied_by_name(name: &str) -> Option<BackendKind> {
        BackendKind::parse(name)
            .filter(|b| !matches!(b, BackendKind::Command | BackendKind::OpenaiCompatible))
    }
}

impl ReviewerConfig {
    /// The name shown in the report: `display`, else a name made from the model
    /// (`claude-opus-4-7` → `Claude Opus 4.7`), else the reviewer's name.
    pub fn display_name(&self) -> String {
        if let Some(display) = self.display.as_deref().filter(|d| !d.trim().is_empty()) {
            return display.trim().to_string();
        }
        if let Some(model) = self.model.as_deref().filter(|m| !m.trim().is_empty()) {
            return pretty_model_name(model);
        }
        self.name.clone()
    }
}

/// `claude-opus-4-7` → `Claude Opus 4.7`, `gpt-5.1-codex` → `GPT-5.1 Codex`,
/// `gemini-3.1-pro-preview` → `Gemini 3.1 Pro Preview`. Date stamps
/// (`20250929`) are left out; words with digits are kept as written.
pub fn pretty_model_name(model: &str) -> String {
    let model = model.rsplit('/').next().unwrap_or(model).trim();
    let mut words: Vec<String> = Vec::new();
    let mut previous_numeric = false;
    for token in model.split(['-', '_', ' ']).filter(|t| !t.is_empty()) {
        let numeric = token.chars().all(|c| c.is_ascii_digit());
        if numeric && token.len() >= 6 {
            continue; // a date stamp
        }
        if numeric && previous_numeric {
            if let Some(last) = words.last_mut() {
                last.push('.');
                last.push_str(token);
                continue;
            }
        }
        let is_version = token.chars().all(|c| c.is_ascii_digit() || c == '.');
        if is_version && words.last().is_some_and(|w| w == "GPT") {
            if let Some(last) = words.last_mut() {
                last.push('-');
                last.push_str(token);
            }
            previous_numeric = numeric;
            continue;
        }
        previous_numeric = numeric;
        let word = if token.eq_ignore_ascii_case("gpt") {
            "GPT".to_string()
        } else if token.chars().all(|c| c.is_ascii_alphabetic()) {
            let mut chars = token.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        } else {
            token.to_string()
        };
        words.push(word);
    }
    if words.is_empty() {
        model.to_string()
    } else {
        words.join(" ")
    }
}

/// When a review makes the command fail (`--fail-on`): exit code 1 when the verdict is
/// worse than this.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Fail when any finding is critical (verdict `rework`).
    #[default]
    Critical,
    /// Fail on any critical or important finding.
    Important,
    /// Fail on any finding at all.
    Suggestion,
    Never,
}

impl FailOn {
    pub const ALL: [FailOn; 4] = [
        FailOn::Critical,
        FailOn::Important,
        FailOn::Suggestion,
        FailOn::Never,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FailOn::Critical => "critical",
            FailOn::Important => "important",
            FailOn::Suggestion => "suggestion",
            FailOn::Never => "never",
        }
    }

    /// The severity at and above which the run fails, or None for `never`.
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::Important => Some(Severity::Important),
            FailOn::Suggestion => Some(Severity::Suggestion),
            FailOn::Never => None,
        }
    }

    /// Whether a review whose worst finding is `worst` (None: no findings) fails.
    pub fn fails(self, worst: Option<Severity>) -> bool {
        match (self.threshold(), worst) {
            (Some(threshold), Some(worst)) => worst <= threshold,
            _ => false,
        }
    }
}

/// `critical`, `important`, `suggestion`, `never` (or `none`), in any case.
impl FromStr for FailOn {
    type Err = UnknownWord;

    fn from_str(word: &str) -> Result<Self, UnknownWord> {
        parse_word(
            word,
            &FailOn::ALL,
            FailOn::as_str,
            &[("none", FailOn::Never)],
        )
    }
}

impl fmt::Display for FailOn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Reads `30m`, `90s`, `1h30m`, `500ms`, `2h`, `1d` (units `ms`, `s`, `m`, `h`, `d`, in
/// any combination, each with a whole number; spaces allowed between parts).
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("invalid duration `{text}`: write it like 30m, 90s, 1h30m or 500ms");
    let s: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(bad());
    }
    let mut total = Duration::ZERO;
    let mut rest = s.as_str();
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(number),
            "s" | "sec" | "secs" => Duration::from_secs(number),
            "m" | "min" | "mins" => Duration::from_secs(number.checked_mul(60).ok_or_else(bad)?),
            "h" | "hr" | "hours" => Duration::from_secs(number.checked_mul(3600).ok_or_else(bad)?),
            "d" | "days" => Duration::from_secs(number.checked_mul(86_400).ok_or_else(bad)?),
            _ => return Err(bad()),
        };
        total = total.checked_add(part).ok_or_else(bad)?;
    }
    if total.is_zero() {
        return Err(format!(
            "invalid duration `{text}`: it must be longer than zero"
        ));
    }
    Ok(total)
}

/// A configuration problem, worded for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {file}: {message}")]
    Read { file: String, message: String },
    #[error("invalid TOML in {file}: {message}")]
    Syntax { file: String, message: String },
    #[error("unknown key `{key}` in {file}\nhint: {hint}")]
    UnknownKey {
        key: String,
        file: String,
        hint: String,
    },
    #[error("invalid value for `{key}` in {file}: {message}")]
    InvalidValue {
        key: String,
        file: String,
        message: String,
    },
    #[error("invalid reviewer name `{name}` in {file}: names may only use letters, digits, `-` and `_`\nhint: they become file names such as review-<name>-pass-1.md")]
    BadName { name: String, file: String },
    #[error("reviewer `{name}` has no backend\nhint: add `backend = \"...\"` to [reviewers.{name}] (one of: {})", backend_list())]
    MissingBackend { name: String },
    #[error("reviewer `{name}` is not defined\nhint: define it in a [reviewers.{name}] table, or use one of the built-in names: claude, codex, gemini, builtin")]
    UnknownReviewer { name: String },
    #[error("reviewer `{name}` uses the command backend but has no `command`\nhint: add `command = [\"./review.sh\", \"{{prompt_file}}\"]` to [reviewers.{name}]")]
    MissingCommand { name: String },
    #[error("[consolidator] reviewer = \"{name}\": {message}")]
    BadConsolidator { name: String, message: String },
    #[error("invalid --{flag} value `{value}`: {message}")]
    BadFlag {
        flag: String,
        value: String,
        message: String,
    },
}

fn backend_list() -> String {
    BackendKind::ALL
        .iter()
        .map(|b| b.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Settings from the flags; `None` leaves the files' value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `--reviewers a,b` (already split).
    pub reviewers: Option<Vec<String>>,
    /// `--timeout`, applied to every reviewer.
    pub timeout: Option<Duration>,
    pub fail_on: Option<FailOn>,
    /// `--out DIR`; the caller makes it absolute (relative to the current directory).
    pub out: Option<PathBuf>,
    /// `--format md,json` words (already split).
    pub formats: Option<Vec<String>>,
    /// `--prompt FILE`.
    pub prompt: Option<PathBuf>,
    /// `--budget USD`: every API reviewer's cost budget, over the files' values.
    pub budget_usd: Option<f64>,
    /// `--no-history`: keep this review out of the history database.
    pub no_history: bool,
}

impl Overrides {
    /// Reads `--reviewers a,b,c`.
    pub fn split_list(value: &str) -> Vec<String> {
        value
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect()
    }
}

/// Where configuration files are looked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigPaths {
    /// `$XDG_CONFIG_HOME/deep-review/config.toml` (read when it exists).
    pub user: Option<PathBuf>,
    /// `<repo>/deep-review.toml` (read when it exists; ignored when `explicit` is set).
    pub repo: Option<PathBuf>,
    /// `--config FILE` (must exist).
    pub explicit: Option<PathBuf>,
    /// The repository file as the review's base revision has it. When set it is read
    /// instead of the working tree's copy: the change under review must not configure
    /// its own review (a branch could add `command` reviewers that run its code).
    pub repo_at_base: Option<RepoFileAt>,
}

/// `deep-review.toml` as one revision has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoFileAt {
    /// The revision's SHA.
    pub rev: String,
    /// The file's text, `None` when the revision has no such file.
    pub text: Option<String>,
}

impl ConfigPaths {
    /// The usual places: the user file from `XDG_CONFIG_HOME` (else `HOME/.config`), the
    /// repository file at `repo_root`, and `--config`.
    pub fn discover(
        repo_root: Option<&Path>,
        explicit: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> ConfigPaths {
        ConfigPaths {
            user: user_config_path(env),
            repo: repo_root.map(|r| r.join(REPO_CONFIG_FILE)),
            explicit: explicit.map(Path::to_path_buf),
            repo_at_base: None,
        }
    }
}

/// `$XDG_CONFIG_HOME/deep-review/config.toml`, else `$HOME/.config/deep-review/config.toml`.
pub fn user_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = env("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty() && Path::new(v).is_absolute())
        .map(PathBuf::from)
        .or_else(|| {
            env("HOME")
                .filter(|h| !h.is_empty())
                .map(|h| PathBuf::from(h).join(".config"))
        })?;
    Some(base.join("deep-review").join("config.toml"))
}

/// The resolved configuration of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The reviewers to run, in order. When `panel_explicit` is false nobody named a
    /// panel: this holds every reviewer the files define (by name; maybe none), and the
    /// caller picks the default panel.
    pub panel: Vec<ReviewerConfig>,
    /// True when `[review] reviewers` or `--reviewers` named the panel.
    pub panel_explicit: bool,
    /// Every reviewer the files define, resolved (for `deep-review reviewers`).
    pub defined: Vec<ReviewerConfig>,
    /// `[consolidator] reviewer`: the model that writes the narrative and proposes
    /// changes after the deterministic pass; None without one.
    pub consolidator: Option<ReviewerConfig>,
    pub fail_on: FailOn,
    /// Parent of the work directories; None means `<repo>/.deep-review/reviews`.
    /// Relative values from files are relative to the repository root.
    pub out: Option<PathBuf>,
    /// Never empty: `md` and `json` unless configured.
    pub formats: Vec<Format>,
    pub severity_policy: SeverityPolicy,
    /// Default per-reviewer timeout (a reviewer's own `timeout` wins, `--timeout` wins
    /// over both).
    pub timeout: Duration,
    /// `--prompt FILE` or `[review] prompt`: a template replacing the built-in prompt.
    pub prompt: Option<PathBuf>,
    /// Whether reviews are recorded in the history database (`[history] enabled`,
    /// `--no-history`); where it is, is the caller's (see `history::default_path`).
    pub history: bool,
    /// The files that were read, lowest precedence first.
    pub files: Vec<PathBuf>,
    /// Warnings about how the configuration was read (shown on stderr).
    pub notes: Vec<String>,
}

impl Settings {
    /// The directory work directories go in.
    pub fn out_dir(&self, repo_root: &Path) -> PathBuf {
        match &self.out {
            Some(out) if out.is_absolute() => out.clone(),
            Some(out) => repo_root.join(out),
            None => repo_root.join(".deep-review").join("reviews"),
        }
    }

    /// The prompt template file, if any; relative paths are relative to the repository
    /// root (make `--prompt` absolute before passing it in).
    pub fn prompt_path(&self, repo_root: &Path) -> Option<PathBuf> {
        self.prompt.as_ref().map(|p| {
            if p.is_absolute() {
                p.clone()
            } else {
                repo_root.join(p)
            }
        })
    }
}

/// Reviewer names become file names: `[A-Za-z0-9_-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads `--format` / `format` words; each format once, in the order given.
pub fn parse_formats(words: &[String]) -> Result<Vec<Format>, String> {
    let mut formats = Vec::new();
    for word in words {
        let format = word.parse::<Format>().map_err(|e| {
            format!(
                "unknown format `{}` (one of: {})",
                e.word,
                e.expected.join(", ")
            )
        })?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        return Err(format!(
            "no format given (one of: {})",
            Format::ALL.map(Format::as_str).join(", ")
        ));
    }
    Ok(formats)
}

/// How a file is named in messages: the repository file by its name, others by path.
fn file_label(path: &Path, is_repo_file: bool) -> String {
    if is_repo_file {
        REPO_CONFIG_FILE.to_string()
    } else {
        path.display().to_string()
    }
}

fn read_layer(
    path: &Path,
    is_repo_file: bool,
    must_exist: bool,
) -> Result<Option<file::FileLayer>, ConfigError> {
    let label = file_label(path, is_repo_file);
    match std::fs::read_to_string(path) {
        Ok(text) => file::parse_layer(&text, &label).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(None),
        Err(e) => Err(ConfigError::Read {
            file: label,
            message: e.to_string(),
        }),
    }
}

/// Reads the files in `paths` (user, then `--config` or the repository file) and
/// applies `overrides`.
pub fn load_settings(paths: &ConfigPaths, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let mut layers = Vec::new();
    let mut files = Vec::new();
    let mut notes = Vec::new();
    if let Some(user) = &paths.user {
        if let Some(layer) = read_layer(user, false, false)? {
            layers.push(layer);
            files.push(user.clone());
        }
    }
    match (&paths.explicit, &paths.repo) {
        (Some(explicit), _) => {
            if let Some(layer) = read_layer(explicit, false, true)? {
                layers.push(layer);
                files.push(explicit.clone());
            }
        }
        (None, Some(repo)) => match &paths.repo_at_base {
            Some(at) => {
                let short: String = at.rev.chars().take(12).collect();
                if let Some(text) = &at.text {
                    let label = format!("{REPO_CONFIG_FILE} (at the base revision {short})");
                    layers.push(file::parse_layer(text, &label)?);
                    files.push(repo.clone());
                }
                let working = std::fs::read_to_string(repo).ok();
                // A bare mirror (no `.git` beside the file) has no working tree to differ.
                let has_work_tree = repo.parent().is_some_and(|r| r.join(".git").exists());
                if working != at.text && (working.is_some() || has_work_tree) {
                    notes.push(format!(
                        "{REPO_CONFIG_FILE} in the working tree differs from the base revision's ({short}); the base revision's is used, so a change cannot configure its own review\nhint: commit the configuration to the base branch, or pass --config FILE"
                    ));
                }
            }
            None => {
                if let Some(layer) = read_layer(repo, true, false)? {
                    layers.push(layer);
                    files.push(repo.clone());
                }
            }
        },
        (None, None) => {}
    }
    let mut settings = resolve::resolve(layers, overrides)?;
    settings.files = files;
    settings.notes = notes;
    Ok(settings)
}

/// Settings from configuration texts given directly (lowest precedence first), as
/// `(file label, text)`: for tests and for callers that read files themselves.
pub fn settings_from_texts(
    texts: &[(&str, &str)],
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    let layers = texts
        .iter()
        .map(|(label, text)| file::parse_layer(text, label))
        .collect::<Result<Vec<_>, _>>()?;
    resolve::resolve(layers, overrides)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn settings(texts: &[(&str, &str)]) -> Settings {
        match settings_from_texts(texts, &Overrides::default()) {
            Ok(s) => s,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    pub(super) fn error(texts: &[(&str, &str)], overrides: &Overrides) -> String {
        match settings_from_texts(texts, overrides) {
            Ok(s) => panic!("expected an error, got {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn durations() {
        let ok = [
            ("30m", 1_800_000),
            ("90s", 90_000),
            ("1h30m", 5_400_000),
            ("500ms", 500),
            ("1h 5m 3s", 3_903_000),
            ("2d", 172_800_000),
            ("1m500ms", 60_500),
        ];
        for (text, ms) in ok {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_millis(ms)),
                "{text}"
            );
        }
        for bad in [
            "",
            "30",
            "m",
            "5x",
            "-5m",
            "1.5h",
            "0s",
            "99999999999999999999d",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(
                err.starts_with(&format!("invalid duration `{bad}`")),
                "{bad}: {err}"
            );
        }
    }

    /// With the base revision's copy known, the working tree's copy (which the change
    /// under review may have written) is not read, and a difference is said.
    #[test]
    fn the_repository_file_is_read_at_the_base_revision() {
        let dir = tempfile::tempdir().unwrap();
        let evil = "[reviewers.pwn]\nbackend = \"command\"\ncommand = [\"sh\", \"-c\", \"touch /tmp/pwned\"]\n[review]\nreviewers = [\"pwn\"]\n";
        std::fs::write(dir.path().join(REPO_CONFIG_FILE), evil).unwrap();
        let env = |_: &str| None;
        let mut paths = ConfigPaths::discover(Some(dir.path()), None, &env);
        paths.repo_at_base = Some(RepoFileAt {
            rev: "0123456789abcdef".into(),
            text: Some("[review]\nfail_on = \"never\"\n".into()),
        });
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert_eq!(s.fail_on, FailOn::Never);
        assert!(s.defined.iter().all(|r| r.name != "pwn"), "{:?}", s.defined);
        assert_eq!(s.notes.len(), 1);
        assert!(s.notes[0].contains("differs from the base revision's (0123456789ab)"));

        // No file at the base: none is read, whatever the working tree holds.
        paths.repo_at_base = Some(RepoFileAt {
            rev: "0123456789abcdef".into(),
            text: None,
        });
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert!(s.defined.is_empty() && !s.panel_explicit, "{:?}", s.panel);
        assert_eq!(s.notes.len(), 1);

        // The same text in both places: no note.
        paths.repo_at_base = Some(RepoFileAt {
            rev: "0123456789abcdef".into(),
            text: Some(evil.into()),
        });
        assert!(load_settings(&paths, &Overrides::default())
            .unwrap()
            .notes
            .is_empty());
    }

    /// A bare mirror has no working tree: its base file is read with no note, while a
    /// clone whose working tree lost the file is told so.
    #[test]
    fn a_bare_repository_has_no_working_copy_to_differ() {
        let dir = tempfile::tempdir().unwrap();
        let env = |_: &str| None;
        let mut paths = ConfigPaths::discover(Some(dir.path()), None, &env);
        paths.repo_at_base = Some(RepoFileAt {
            rev: "0123456789abcdef".into(),
            text: Some("[review]\nfail_on = \"never\"\n".into()),
        });
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert_eq!(s.fail_on, FailOn::Never);
        assert!(s.notes.is_empty(), "{:?}", s.notes);
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
    }

    #[test]
    fn files_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir(&repo).unwrap();
        let home = dir.path().join("home");
        let xdg = home.join(".config/deep-review");
        std::fs::create_dir_all(&xdg).unwrap();
        std::fs::write(
            xdg.join("config.toml"),
            "[review]\nreviewers = [\"codex\"]\n",
        )
        .unwrap();
        std::fs::write(
            repo.join(REPO_CONFIG_FILE),
            "[review]\nfail_on = \"never\"\n",
        )
        .unwrap();
        let home_s = home.display().to_string();
        let env = move |k: &str| (k == "HOME").then(|| home_s.clone());

        let paths = ConfigPaths::discover(Some(&repo), None, &env);
        assert_eq!(
            paths.user.as_deref(),
            Some(xdg.join("config.toml").as_path())
        );
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert_eq!(s.panel[0].name, "codex");
        assert_eq!(s.fail_on, FailOn::Never);
        assert_eq!(s.files.len(), 2);

        // --config replaces the repository file.
        let other = dir.path().join("other.toml");
        std::fs::write(&other, "[review]\nfail_on = \"important\"\n").unwrap();
        let paths = ConfigPaths::discover(Some(&repo), Some(&other), &env);
        let s = load_settings(&paths, &Overrides::default()).unwrap();
        assert_eq!(s.fail_on, FailOn::Important);
        assert_eq!(s.panel[0].name, "codex");

        // A missing --config file is an error; missing user/repo files are not.
        let missing = dir.path().join("missing.toml");
        let paths = ConfigPaths::discover(None, Some(&missing), &env);
        let err = load_settings(&paths, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("cannot read {}", missing.display())),
            "{err}"
        );
        let paths = ConfigPaths::discover(Some(&dir.path().join("nowhere")), None, &|_: &str| None);
        assert_eq!(paths.user, None);
        assert!(load_settings(&paths, &Overrides::default()).is_ok());

        // The user file's errors name its path.
        std::fs::write(xdg.join("config.toml"), "[review]\nbogus = 1\n").unwrap();
        let paths = ConfigPaths::discover(Some(&repo), None, &env);
        let err = load_settings(&paths, &Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!(
                "unknown key `review.bogus` in {}",
                xdg.join("config.toml").display()
            )),
            "{err}"
        );
    }

    #[test]
    fn xdg_config_home_wins() {
        let env = |k: &str| match k {
            "XDG_CONFIG_HOME" => Some("/xdg".to_string()),
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(
            user_config_path(&env),
            Some(PathBuf::from("/xdg/deep-review/config.toml"))
        );
        let relative = |k: &str| match k {
            "XDG_CONFIG_HOME" => Some("rel".to_string()),
            "HOME" => Some("/home/u".to_string()),
            _ => None,
        };
        assert_eq!(
            user_config_path(&relative),
            Some(PathBuf::from("/home/u/.config/deep-review/config.toml"))
        );
    }

    #[test]
    fn fail_on_thresholds() {
        use Severity::*;
        let cases = [
            (FailOn::Critical, None, false),
            (FailOn::Critical, Some(Critical), true),
            (FailOn::Critical, Some(Important), false),
            (FailOn::Important, Some(Critical), true),
            (FailOn::Important, Some(Important), true),
            (FailOn::Important, Some(Suggestion), false),
            (FailOn::Suggestion, Some(Suggestion), true),
            (FailOn::Never, Some(Critical), false),
        ];
        for (fail_on, worst, expected) in cases {
            assert_eq!(fail_on.fails(worst), expected, "{fail_on:?} {worst:?}");
        }
        for f in [
            FailOn::Critical,
            FailOn::Important,
            FailOn::Suggestion,
            FailOn::Never,
        ] {
            assert_eq!(f.as_str().parse::<FailOn>(), Ok(f));
        }
    }

    #[test]
    fn display_names() {
        let check =
            |model: &str, expected: &str| assert_eq!(pretty_model_name(model), expected, "{model}");
        check("claude-opus-4-7", "Claude Opus 4.7");
        check("claude-sonnet-4-5-20250929", "Claude Sonnet 4.5");
        check("gpt-5.1-codex", "GPT-5.1 Codex");
        check("gemini-3.1-pro-preview", "Gemini 3.1 Pro Preview");
        check("o3", "o3");
        check("qwen2.5-coder:14b", "qwen2.5 coder:14b");
        check("models/gemini-2.5-flash", "Gemini 2.5 Flash");
        check("---", "---");

        let mut r = ReviewerConfig::new("lint", BackendKind::Builtin);
        assert_eq!(r.display_name(), "lint");
        r.model = Some("gpt-5".into());
        assert_eq!(r.display_name(), "GPT-5");
        r.display = Some(" Codex ".into());
        assert_eq!(r.display_name(), "Codex");
    }

    #[test]
    fn configuration_imports_no_stage() {
        for (name, source) in [
            ("mod.rs", include_str!("mod.rs")),
            ("file.rs", include_str!("file.rs")),
            ("resolve.rs", include_str!("resolve.rs")),
        ] {
            for stage in ["consolidate", "render", "process"] {
                let import = format!("crate::{stage}");
                assert!(!source.contains(&import), "config/{name} imports {import}");
            }
        }
    }
}
