//! Configuration: `deep-review.toml` at the repository root, the user's
//! `$XDG_CONFIG_HOME/deep-review/config.toml`, `--config FILE`, then flags (SPEC section 5).
//! Unknown keys are errors that name the key.
//!
//! Precedence, lowest first: built-in defaults, the user file, the repository file (or
//! the `--config` file, which replaces it), flags. Reviewer tables merge by name and key
//! by key: a repository `[reviewers.claude] model = …` overrides the user's model and
//! keeps the user's other keys; `env` tables merge by variable.
//!
//! Files are read into a plain TOML table and walked by hand rather than through serde,
//! so every error names the full key (`reviewers.claude.modle`) and the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::consolidate::SeverityPolicy;
use crate::model::Severity;
use crate::render::Format;

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
}

impl ReviewerConfig {
    pub fn new(name: impl Into<String>, backend: BackendKind) -> Self {
        ReviewerConfig {
            name: name.into(),
            backend,
            model: None,
            effort: None,
            display: None,
            timeout: Duration::from_secs(30 * 60),
            command: Vec::new(),
            output: OutputMode::Stdout,
            args: Vec::new(),
            env: BTreeMap::new(),
            binary: None,
            base_url: None,
            api_key_env: None,
            sarif_tools: Vec::new(),
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
    pub fn parse(word: &str) -> Option<FailOn> {
        match word.trim().to_ascii_lowercase().as_str() {
            "critical" => Some(FailOn::Critical),
            "important" => Some(FailOn::Important),
            "suggestion" => Some(FailOn::Suggestion),
            "never" | "none" => Some(FailOn::Never),
            _ => None,
        }
    }

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

fn severity_policy_from_word(word: &str) -> Option<SeverityPolicy> {
    match word.trim().to_ascii_lowercase().as_str() {
        "majority" => Some(SeverityPolicy::Majority),
        "highest" => Some(SeverityPolicy::Highest),
        "lowest" => Some(SeverityPolicy::Lowest),
        _ => None,
    }
}

/// `majority`, `highest`, `lowest`.
pub fn severity_policy_name(policy: SeverityPolicy) -> &'static str {
    match policy {
        SeverityPolicy::Majority => "majority",
        SeverityPolicy::Highest => "highest",
        SeverityPolicy::Lowest => "lowest",
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
    /// The files that were read, lowest precedence first.
    pub files: Vec<PathBuf>,
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

/// One reviewer table as a file gives it; `None` means "not set here".
#[derive(Debug, Clone, Default, PartialEq)]
struct ReviewerLayer {
    backend: Option<BackendKind>,
    model: Option<String>,
    effort: Option<String>,
    display: Option<String>,
    timeout: Option<Duration>,
    command: Option<Vec<String>>,
    output: Option<OutputMode>,
    args: Option<Vec<String>>,
    env: BTreeMap<String, String>,
    binary: Option<String>,
    base_url: Option<String>,
    api_key_env: Option<String>,
    sarif_tools: Option<Vec<Vec<String>>>,
}

impl ReviewerLayer {
    /// `other` (higher precedence) over `self`.
    fn merge(&mut self, other: ReviewerLayer) {
        macro_rules! take {
            ($($f:ident),*) => { $( if other.$f.is_some() { self.$f = other.$f; } )* };
        }
        take!(
            backend,
            model,
            effort,
            display,
            timeout,
            command,
            output,
            args,
            binary,
            base_url,
            api_key_env,
            sarif_tools
        );
        self.env.extend(other.env);
    }
}

/// What one file says.
#[derive(Debug, Clone, Default, PartialEq)]
struct Layer {
    panel: Option<Vec<String>>,
    timeout: Option<Duration>,
    fail_on: Option<FailOn>,
    out: Option<PathBuf>,
    formats: Option<Vec<Format>>,
    severity_policy: Option<SeverityPolicy>,
    prompt: Option<PathBuf>,
    reviewers: BTreeMap<String, ReviewerLayer>,
}

const TOP_KEYS: &[&str] = &["review", "reviewers"];
const REVIEW_KEYS: &[&str] = &[
    "reviewers",
    "timeout",
    "fail_on",
    "out",
    "format",
    "severity_policy",
    "prompt",
];
const REVIEWER_KEYS: &[&str] = &[
    "backend",
    "model",
    "effort",
    "display",
    "timeout",
    "command",
    "output",
    "args",
    "env",
    "binary",
    "base_url",
    "api_key_env",
    "sarif_tools",
];

/// Walks one file's table, naming the file and full key in every error.
struct Walker<'a> {
    file: &'a str,
}

impl Walker<'_> {
    fn unknown(&self, key: String, last: &str, known: &[&str]) -> ConfigError {
        let hint = match closest(last, known) {
            Some(near) => format!(
                "did you mean `{near}`? known keys here: {}",
                known.join(", ")
            ),
            None => format!("known keys here: {}", known.join(", ")),
        };
        ConfigError::UnknownKey {
            key,
            file: self.file.to_string(),
            hint,
        }
    }

    fn invalid(&self, key: &str, message: impl Into<String>) -> ConfigError {
        ConfigError::InvalidValue {
            key: key.to_string(),
            file: self.file.to_string(),
            message: message.into(),
        }
    }

    fn check_keys(
        &self,
        table: &toml::Table,
        prefix: &str,
        known: &[&str],
    ) -> Result<(), ConfigError> {
        for key in table.keys() {
            if !known.contains(&key.as_str()) {
                let full = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                return Err(self.unknown(full, key, known));
            }
        }
        Ok(())
    }

    fn table<'t>(&self, value: &'t toml::Value, key: &str) -> Result<&'t toml::Table, ConfigError> {
        value
            .as_table()
            .ok_or_else(|| self.invalid(key, format!("expected a table, found {}", kind(value))))
    }

    fn string(&self, value: &toml::Value, key: &str) -> Result<String, ConfigError> {
        value
            .as_str()
            .map(String::from)
            .ok_or_else(|| self.invalid(key, format!("expected a string, found {}", kind(value))))
    }

    fn strings(&self, value: &toml::Value, key: &str) -> Result<Vec<String>, ConfigError> {
        let array = value.as_array().ok_or_else(|| {
            self.invalid(
                key,
                format!("expected an array of strings, found {}", kind(value)),
            )
        })?;
        array
            .iter()
            .map(|v| {
                v.as_str().map(String::from).ok_or_else(|| {
                    self.invalid(
                        key,
                        format!("expected an array of strings, found {} in it", kind(v)),
                    )
                })
            })
            .collect()
    }

    /// An array of strings, or one string with comma-separated words.
    fn list(&self, value: &toml::Value, key: &str) -> Result<Vec<String>, ConfigError> {
        match value.as_str() {
            Some(s) => Ok(Overrides::split_list(s)),
            None => self.strings(value, key),
        }
    }

    fn duration(&self, value: &toml::Value, key: &str) -> Result<Duration, ConfigError> {
        let text = value.as_str().ok_or_else(|| {
            self.invalid(
                key,
                format!(
                    "expected a duration string such as \"30m\", found {}",
                    kind(value)
                ),
            )
        })?;
        parse_duration(text).map_err(|m| self.invalid(key, m))
    }

    fn layer(&self, root: &toml::Table) -> Result<Layer, ConfigError> {
        self.check_keys(root, "", TOP_KEYS)?;
        let mut layer = Layer::default();
        if let Some(review) = root.get("review") {
            let review = self.table(review, "review")?;
            self.check_keys(review, "review", REVIEW_KEYS)?;
            for (key, value) in review {
                let full = format!("review.{key}");
                match key.as_str() {
                    "reviewers" => {
                        let names = self.list(value, &full)?;
                        for name in &names {
                            self.check_name(name)?;
                        }
                        layer.panel = Some(names);
                    }
                    "timeout" => layer.timeout = Some(self.duration(value, &full)?),
                    "fail_on" => {
                        let word = self.string(value, &full)?;
                        layer.fail_on = Some(FailOn::parse(&word).ok_or_else(|| {
                            self.invalid(
                                &full,
                                format!(
                                    "`{word}` is not one of critical, important, suggestion, never"
                                ),
                            )
                        })?);
                    }
                    "out" => layer.out = Some(PathBuf::from(self.string(value, &full)?)),
                    "format" => {
                        let words = self.list(value, &full)?;
                        layer.formats =
                            Some(parse_formats(&words).map_err(|m| self.invalid(&full, m))?);
                    }
                    "severity_policy" => {
                        let word = self.string(value, &full)?;
                        layer.severity_policy =
                            Some(severity_policy_from_word(&word).ok_or_else(|| {
                                self.invalid(
                                    &full,
                                    format!("`{word}` is not one of majority, highest, lowest"),
                                )
                            })?);
                    }
                    "prompt" => layer.prompt = Some(PathBuf::from(self.string(value, &full)?)),
                    _ => {}
                }
            }
        }
        if let Some(reviewers) = root.get("reviewers") {
            let reviewers = self.table(reviewers, "reviewers")?;
            for (name, value) in reviewers {
                self.check_name(name)?;
                let prefix = format!("reviewers.{name}");
                let table = self.table(value, &prefix)?;
                layer
                    .reviewers
                    .insert(name.clone(), self.reviewer(table, &prefix)?);
            }
        }
        Ok(layer)
    }

    fn check_name(&self, name: &str) -> Result<(), ConfigError> {
        if valid_name(name) {
            Ok(())
        } else {
            Err(ConfigError::BadName {
                name: name.to_string(),
                file: self.file.to_string(),
            })
        }
    }

    fn reviewer(&self, table: &toml::Table, prefix: &str) -> Result<ReviewerLayer, ConfigError> {
        self.check_keys(table, prefix, REVIEWER_KEYS)?;
        let mut r = ReviewerLayer::default();
        for (key, value) in table {
            let full = format!("{prefix}.{key}");
            match key.as_str() {
                "backend" => {
                    let word = self.string(value, &full)?;
                    r.backend = Some(BackendKind::parse(&word).ok_or_else(|| {
                        self.invalid(
                            &full,
                            format!("unknown backend `{word}` (one of: {})", backend_list()),
                        )
                    })?);
                }
                "model" => r.model = Some(self.string(value, &full)?),
                "effort" => r.effort = Some(self.string(value, &full)?),
                "display" => r.display = Some(self.string(value, &full)?),
                "timeout" => r.timeout = Some(self.duration(value, &full)?),
                "command" => {
                    let argv = self.strings(value, &full)?;
                    if argv.first().is_none_or(|p| p.trim().is_empty()) {
                        return Err(self.invalid(&full, "the command is empty"));
                    }
                    r.command = Some(argv);
                }
                "output" => {
                    let word = self.string(value, &full)?;
                    r.output = Some(match word.as_str() {
                        "stdout" => OutputMode::Stdout,
                        "file" => OutputMode::File,
                        _ => {
                            return Err(
                                self.invalid(&full, format!("`{word}` is not one of stdout, file"))
                            )
                        }
                    });
                }
                "args" => r.args = Some(self.strings(value, &full)?),
                "env" => {
                    let env = self.table(value, &full)?;
                    for (var, v) in env {
                        let var_key = format!("{full}.{var}");
                        r.env.insert(var.clone(), self.string(v, &var_key)?);
                    }
                }
                "binary" => r.binary = Some(self.string(value, &full)?),
                "base_url" => r.base_url = Some(self.string(value, &full)?),
                "api_key_env" => r.api_key_env = Some(self.string(value, &full)?),
                "sarif_tools" => {
                    let Some(list) = value.as_array() else {
                        return Err(self
                            .invalid(&full, "expected an array of commands (arrays of strings)"));
                    };
                    let mut tools = Vec::new();
                    for (n, tool) in list.iter().enumerate() {
                        let argv = self.strings(tool, &format!("{full}[{n}]"))?;
                        if argv.is_empty() {
                            return Err(self.invalid(&full, "a SARIF tool's command is empty"));
                        }
                        tools.push(argv);
                    }
                    r.sarif_tools = Some(tools);
                }
                _ => {}
            }
        }
        Ok(r)
    }
}

fn kind(value: &toml::Value) -> &'static str {
    match value {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// Reviewer names become file names: `[A-Za-z0-9_-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Reads `--format` / `format` words.
pub fn parse_formats(words: &[String]) -> Result<Vec<Format>, String> {
    let mut formats = Vec::new();
    for word in words {
        let format = Format::parse(word)
            .ok_or_else(|| format!("unknown format `{word}` (one of: md, json, sarif, html)"))?;
        if !formats.contains(&format) {
            formats.push(format);
        }
    }
    if formats.is_empty() {
        return Err("no format given (one of: md, json, sarif, html)".to_string());
    }
    Ok(formats)
}

/// The known key nearest to `word`, when it is close enough to be a typo.
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Parses one configuration file's text; `file` names it in errors.
fn parse_layer(text: &str, file: &str) -> Result<Layer, ConfigError> {
    let root: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::Syntax {
            file: file.to_string(),
            message: e.to_string().trim().to_string(),
        })?;
    Walker { file }.layer(&root)
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
) -> Result<Option<Layer>, ConfigError> {
    let label = file_label(path, is_repo_file);
    match std::fs::read_to_string(path) {
        Ok(text) => parse_layer(&text, &label).map(Some),
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
        (None, Some(repo)) => {
            if let Some(layer) = read_layer(repo, true, false)? {
                layers.push(layer);
                files.push(repo.clone());
            }
        }
        (None, None) => {}
    }
    let mut settings = resolve(layers, overrides)?;
    settings.files = files;
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
        .map(|(file, text)| parse_layer(text, file))
        .collect::<Result<Vec<_>, _>>()?;
    resolve(layers, overrides)
}

fn resolve(layers: Vec<Layer>, overrides: &Overrides) -> Result<Settings, ConfigError> {
    let mut merged = Layer::default();
    for layer in layers {
        macro_rules! take {
            ($($f:ident),*) => { $( if layer.$f.is_some() { merged.$f = layer.$f; } )* };
        }
        take!(
            panel,
            timeout,
            fail_on,
            out,
            formats,
            severity_policy,
            prompt
        );
        for (name, reviewer) in layer.reviewers {
            merged.reviewers.entry(name).or_default().merge(reviewer);
        }
    }

    let formats = match &overrides.formats {
        Some(words) => parse_formats(words).map_err(|message| ConfigError::BadFlag {
            flag: "format".into(),
            value: words.join(","),
            message,
        })?,
        None => merged
            .formats
            .unwrap_or_else(|| vec![Format::Markdown, Format::Json]),
    };
    let default_timeout = merged.timeout.unwrap_or(DEFAULT_TIMEOUT);

    let build = |name: &str| -> Result<ReviewerConfig, ConfigError> {
        let layer = merged.reviewers.get(name);
        let backend = layer
            .and_then(|l| l.backend)
            .or_else(|| BackendKind::implied_by_name(name));
        let Some(backend) = backend else {
            return Err(if layer.is_some() {
                ConfigError::MissingBackend {
                    name: name.to_string(),
                }
            } else {
                ConfigError::UnknownReviewer {
                    name: name.to_string(),
                }
            });
        };
        let mut config = ReviewerConfig::new(name, backend);
        config.timeout = default_timeout;
        if let Some(l) = layer.cloned() {
            config.model = l.model;
            config.effort = l.effort;
            config.display = l.display;
            if let Some(t) = l.timeout {
                config.timeout = t;
            }
            config.command = l.command.unwrap_or_default();
            config.output = l.output.unwrap_or_default();
            config.args = l.args.unwrap_or_default();
            config.env = l.env;
            config.binary = l.binary;
            config.base_url = l.base_url;
            config.api_key_env = l.api_key_env;
            config.sarif_tools = l.sarif_tools.unwrap_or_default();
        }
        if let Some(t) = overrides.timeout {
            config.timeout = t;
        }
        if backend == BackendKind::Command && config.command.is_empty() {
            return Err(ConfigError::MissingCommand {
                name: name.to_string(),
            });
        }
        Ok(config)
    };

    let defined = merged
        .reviewers
        .keys()
        .map(|name| build(name))
        .collect::<Result<Vec<_>, _>>()?;

    let (names, panel_explicit) = match (&overrides.reviewers, &merged.panel) {
        (Some(names), _) => {
            for name in names {
                if !valid_name(name) {
                    return Err(ConfigError::BadFlag {
                        flag: "reviewers".into(),
                        value: names.join(","),
                        message: format!(
                            "`{name}` is not a reviewer name (letters, digits, `-` and `_`)"
                        ),
                    });
                }
            }
            (Some(names.clone()), true)
        }
        (None, Some(names)) => (Some(names.clone()), true),
        (None, None) => (None, false),
    };
    let panel = match names {
        Some(names) => {
            let mut panel = Vec::new();
            for name in &names {
                if panel.iter().any(|r: &ReviewerConfig| &r.name == name) {
                    continue;
                }
                panel.push(build(name)?);
            }
            panel
        }
        None => defined.clone(),
    };

    Ok(Settings {
        panel,
        panel_explicit,
        defined,
        fail_on: overrides.fail_on.or(merged.fail_on).unwrap_or_default(),
        out: overrides.out.clone().or(merged.out),
        formats,
        severity_policy: merged.severity_policy.unwrap_or_default(),
        timeout: overrides.timeout.unwrap_or(default_timeout),
        prompt: overrides.prompt.clone().or(merged.prompt),
        files: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(texts: &[(&str, &str)]) -> Settings {
        match settings_from_texts(texts, &Overrides::default()) {
            Ok(s) => s,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn error(texts: &[(&str, &str)], overrides: &Overrides) -> String {
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

    #[test]
    fn defaults_when_nothing_is_configured() {
        let s = settings(&[]);
        assert!(s.panel.is_empty());
        assert!(!s.panel_explicit);
        assert_eq!(s.fail_on, FailOn::Critical);
        assert_eq!(s.formats, [Format::Markdown, Format::Json]);
        assert_eq!(s.severity_policy, SeverityPolicy::Majority);
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.out, None);
        assert_eq!(
            s.out_dir(Path::new("/r")),
            Path::new("/r/.deep-review/reviews")
        );
    }

    const SPEC_EXAMPLE: &str = r#"
[review]
reviewers = ["claude", "codex", "gemini", "lint", "my-script", "local-llm"]
timeout = "30m"
fail_on = "important"
out = "reviews"
format = ["md", "json", "sarif"]
severity_policy = "highest"

[reviewers.claude]
backend = "claude"
model = "claude-opus-4-7"
effort = "xhigh"
display = "Claude Opus 4.7"

[reviewers.lint]
backend = "builtin"

[reviewers.my-script]
backend = "command"
command = ["./tools/review.sh", "{prompt_file}"]
output = "file"
timeout = "10m"
env = { MODE = "strict" }

[reviewers.local-llm]
backend = "openai-compatible"
base_url = "http://127.0.0.1:11434/v1"
model = "qwen2.5-coder:14b"
api_key_env = "OLLAMA_API_KEY"
"#;

    #[test]
    fn reads_the_spec_example() {
        let s = settings(&[("deep-review.toml", SPEC_EXAMPLE)]);
        assert!(s.panel_explicit);
        let panel: Vec<_> = s
            .panel
            .iter()
            .map(|r| (r.name.as_str(), r.backend, r.timeout.as_secs()))
            .collect();
        assert_eq!(
            panel,
            [
                ("claude", BackendKind::Claude, 1800),
                ("codex", BackendKind::Codex, 1800),
                ("gemini", BackendKind::Gemini, 1800),
                ("lint", BackendKind::Builtin, 1800),
                ("my-script", BackendKind::Command, 600),
                ("local-llm", BackendKind::OpenaiCompatible, 1800),
            ]
        );
        let claude = &s.panel[0];
        assert_eq!(claude.model.as_deref(), Some("claude-opus-4-7"));
        assert_eq!(claude.effort.as_deref(), Some("xhigh"));
        assert_eq!(claude.display_name(), "Claude Opus 4.7");
        let script = &s.panel[4];
        assert_eq!(script.command, ["./tools/review.sh", "{prompt_file}"]);
        assert_eq!(script.output, OutputMode::File);
        assert_eq!(script.env.get("MODE").map(String::as_str), Some("strict"));
        assert_eq!(s.panel[5].api_key_env.as_deref(), Some("OLLAMA_API_KEY"));
        assert_eq!(s.fail_on, FailOn::Important);
        assert_eq!(s.formats, [Format::Markdown, Format::Json, Format::Sarif]);
        assert_eq!(s.severity_policy, SeverityPolicy::Highest);
        assert_eq!(s.out_dir(Path::new("/r")), Path::new("/r/reviews"));
        assert_eq!(s.defined.len(), 4);
    }

    #[test]
    fn precedence_flags_over_repo_over_user() {
        let user = r#"
[review]
reviewers = ["claude"]
timeout = "5m"
fail_on = "never"
[reviewers.claude]
model = "user-model"
binary = "/opt/claude"
env = { A = "user", B = "user" }
[reviewers.mine]
backend = "codex"
"#;
        let repo = r#"
[review]
fail_on = "suggestion"
[reviewers.claude]
model = "repo-model"
env = { B = "repo" }
"#;
        let s = settings(&[("user.toml", user), ("deep-review.toml", repo)]);
        let claude = &s.panel[0];
        assert_eq!(claude.model.as_deref(), Some("repo-model"));
        assert_eq!(claude.binary.as_deref(), Some("/opt/claude"));
        assert_eq!(claude.env.get("A").map(String::as_str), Some("user"));
        assert_eq!(claude.env.get("B").map(String::as_str), Some("repo"));
        assert_eq!(claude.timeout, Duration::from_secs(300));
        assert_eq!(s.fail_on, FailOn::Suggestion);
        assert_eq!(s.panel.len(), 1);

        let flags = Overrides {
            reviewers: Some(Overrides::split_list("mine, claude,mine")),
            timeout: Some(Duration::from_secs(42)),
            fail_on: Some(FailOn::Critical),
            out: Some(PathBuf::from("/tmp/out")),
            formats: Some(vec!["html".into()]),
            prompt: Some(PathBuf::from("p.md")),
        };
        let s = settings_from_texts(&[("user.toml", user), ("deep-review.toml", repo)], &flags)
            .unwrap();
        let names: Vec<_> = s.panel.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["mine", "claude"]);
        assert!(s.panel.iter().all(|r| r.timeout == Duration::from_secs(42)));
        assert_eq!(s.fail_on, FailOn::Critical);
        assert_eq!(s.out_dir(Path::new("/r")), Path::new("/tmp/out"));
        assert_eq!(s.formats, [Format::Html]);
        assert_eq!(s.prompt.as_deref(), Some(Path::new("p.md")));
    }

    #[test]
    fn panel_not_named_lists_defined_reviewers() {
        let s = settings(&[(
            "deep-review.toml",
            "[reviewers.zeta]\nbackend = \"builtin\"\n[reviewers.alpha]\nbackend = \"codex\"\n",
        )]);
        assert!(!s.panel_explicit);
        let names: Vec<_> = s.panel.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["alpha", "zeta"]);
    }

    #[test]
    fn errors_name_the_key_and_the_file() {
        let none = Overrides::default();
        let cases: &[(&str, &str)] = &[
            (
                "[reviewers.claude]\nmodle = \"x\"\n",
                "unknown key `reviewers.claude.modle` in deep-review.toml\nhint: did you mean `model`? known keys here: backend, model, effort, display, timeout, command, output, args, env, binary, base_url, api_key_env, sarif_tools",
            ),
            (
                "[review]\nfail-on = \"critical\"\n",
                "unknown key `review.fail-on` in deep-review.toml\nhint: did you mean `fail_on`? known keys here: reviewers, timeout, fail_on, out, format, severity_policy, prompt",
            ),
            (
                "[reveiw]\n",
                "unknown key `reveiw` in deep-review.toml\nhint: did you mean `review`? known keys here: review, reviewers",
            ),
            (
                "[review]\nzzz = 1\n",
                "unknown key `review.zzz` in deep-review.toml\nhint: known keys here: reviewers, timeout, fail_on, out, format, severity_policy, prompt",
            ),
            (
                "[review]\ntimeout = 30\n",
                "invalid value for `review.timeout` in deep-review.toml: expected a duration string such as \"30m\", found an integer",
            ),
            (
                "[review]\ntimeout = \"soon\"\n",
                "invalid value for `review.timeout` in deep-review.toml: invalid duration `soon`: write it like 30m, 90s, 1h30m or 500ms",
            ),
            (
                "[review]\nfail_on = \"sometimes\"\n",
                "invalid value for `review.fail_on` in deep-review.toml: `sometimes` is not one of critical, important, suggestion, never",
            ),
            (
                "[review]\nseverity_policy = \"loudest\"\n",
                "invalid value for `review.severity_policy` in deep-review.toml: `loudest` is not one of majority, highest, lowest",
            ),
            (
                "[review]\nformat = [\"md\", \"pdf\"]\n",
                "invalid value for `review.format` in deep-review.toml: unknown format `pdf` (one of: md, json, sarif, html)",
            ),
            (
                "[review]\nreviewers = [\"claude\", 3]\n",
                "invalid value for `review.reviewers` in deep-review.toml: expected an array of strings, found an integer in it",
            ),
            (
                "[reviewers.x]\nbackend = \"gpt\"\n",
                "invalid value for `reviewers.x.backend` in deep-review.toml: unknown backend `gpt` (one of: claude, codex, gemini, command, builtin, anthropic, openai, gemini-api, openai-compatible, import)",
            ),
            (
                "[reviewers.x]\nbackend = \"command\"\noutput = \"stderr\"\ncommand = [\"a\"]\n",
                "invalid value for `reviewers.x.output` in deep-review.toml: `stderr` is not one of stdout, file",
            ),
            (
                "[reviewers.x]\nbackend = \"command\"\ncommand = []\n",
                "invalid value for `reviewers.x.command` in deep-review.toml: the command is empty",
            ),
            (
                "[reviewers.x]\nbackend = \"codex\"\nenv = { A = 1 }\n",
                "invalid value for `reviewers.x.env.A` in deep-review.toml: expected a string, found an integer",
            ),
            (
                "reviewers = 3\n",
                "invalid value for `reviewers` in deep-review.toml: expected a table, found an integer",
            ),
            (
                "[reviewers.\"my script\"]\nbackend = \"builtin\"\n",
                "invalid reviewer name `my script` in deep-review.toml: names may only use letters, digits, `-` and `_`\nhint: they become file names such as review-<name>-pass-1.md",
            ),
            (
                "[review]\nreviewers = [\"../x\"]\n",
                "invalid reviewer name `../x` in deep-review.toml: names may only use letters, digits, `-` and `_`\nhint: they become file names such as review-<name>-pass-1.md",
            ),
            (
                "[review]\nreviewers = [\"claude\", \"robot\"]\n",
                "reviewer `robot` is not defined\nhint: define it in a [reviewers.robot] table, or use one of the built-in names: claude, codex, gemini, builtin",
            ),
            (
                "[reviewers.robot]\nmodel = \"m\"\n",
                "reviewer `robot` has no backend\nhint: add `backend = \"...\"` to [reviewers.robot] (one of: claude, codex, gemini, command, builtin, anthropic, openai, gemini-api, openai-compatible, import)",
            ),
            (
                "[reviewers.script]\nbackend = \"command\"\n",
                "reviewer `script` uses the command backend but has no `command`\nhint: add `command = [\"./review.sh\", \"{prompt_file}\"]` to [reviewers.script]",
            ),
            (
                "[review]\nreviewers = [\"command\"]\n",
                "reviewer `command` is not defined\nhint: define it in a [reviewers.command] table, or use one of the built-in names: claude, codex, gemini, builtin",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(
                &error(&[("deep-review.toml", text)], &none),
                expected,
                "{text}"
            );
        }
        let syntax = error(&[("deep-review.toml", "[review\n")], &none);
        assert!(
            syntax.starts_with("invalid TOML in deep-review.toml: "),
            "{syntax}"
        );
        assert!(syntax.contains("line 1"), "{syntax}");
    }

    #[test]
    fn flag_errors() {
        let check = |overrides: Overrides, expected: &str| {
            assert_eq!(error(&[], &overrides), expected);
        };
        check(
            Overrides {
                reviewers: Some(vec!["claude".into(), "a b".into()]),
                ..Overrides::default()
            },
            "invalid --reviewers value `claude,a b`: `a b` is not a reviewer name (letters, digits, `-` and `_`)",
        );
        check(
            Overrides {
                reviewers: Some(vec!["ghost".into()]),
                ..Overrides::default()
            },
            "reviewer `ghost` is not defined\nhint: define it in a [reviewers.ghost] table, or use one of the built-in names: claude, codex, gemini, builtin",
        );
        check(
            Overrides {
                formats: Some(vec!["doc".into()]),
                ..Overrides::default()
            },
            "invalid --format value `doc`: unknown format `doc` (one of: md, json, sarif, html)",
        );
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
            assert_eq!(FailOn::parse(f.as_str()), Some(f));
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
    fn builtin_sarif_tools() {
        let text = "[review]\nreviewers = [\"lint\"]\n\n[reviewers.lint]\nbackend = \"builtin\"\nsarif_tools = [[\"semgrep\", \"--sarif\", \".\"], [\"tool2\"]]\n";
        let s = settings_from_texts(&[("deep-review.toml", text)], &Overrides::default()).unwrap();
        assert_eq!(
            s.panel[0].sarif_tools,
            vec![
                vec!["semgrep".to_string(), "--sarif".into(), ".".into()],
                vec!["tool2".to_string()]
            ]
        );
        for bad in [
            "sarif_tools = \"semgrep\"",
            "sarif_tools = [[]]",
            "sarif_tools = [[1]]",
        ] {
            let text = format!("[reviewers.lint]\nbackend = \"builtin\"\n{bad}\n");
            let err = settings_from_texts(&[("deep-review.toml", &text)], &Overrides::default())
                .unwrap_err();
            assert!(err.to_string().contains("sarif_tools"), "{bad}: {err}");
        }
    }
}
