//! Configuration: `deep-review.toml` at the repository root, the user's
//! `$XDG_CONFIG_HOME/deep-review/config.toml`, `--config FILE`, then flags (SPEC section 5).
//! Unknown keys are errors that name the key.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

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
