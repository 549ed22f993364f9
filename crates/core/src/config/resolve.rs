//! Layering: the user file < the repository file (or `--config`) < flags, resolved into
//! [`Settings`]. Tables merge key by key, reviewer tables by name, `env` tables by
//! variable; defaults come last, and a panel's reviewers are checked to be runnable.

use std::path::PathBuf;

use super::file::{FileLayer, ReviewFile, ReviewerFile};
use super::{
    parse_formats, valid_name, BackendKind, ConfigError, Overrides, ReviewerConfig, Settings,
    DEFAULT_TIMEOUT,
};

use crate::options::Format;

/// Takes every field `other` sets.
macro_rules! take {
    ($into:ident, $from:ident: $($f:ident),*) => {
        $( if $from.$f.is_some() { $into.$f = $from.$f; } )*
    };
}

impl ReviewFile {
    /// `other` (higher precedence) over `self`.
    fn merge(&mut self, other: ReviewFile) {
        take!(
            self,
            other: panel,
            timeout,
            fail_on,
            out,
            formats,
            severity_policy,
            prompt,
            budget_usd
        );
    }
}

impl ReviewerFile {
    /// `other` (higher precedence) over `self`; `env` merges by variable.
    fn merge(&mut self, other: ReviewerFile) {
        take!(
            self,
            other: backend,
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
            sarif_tools,
            trust_code,
            writable,
            max_tokens,
            budget_usd,
            price,
            retries,
            retry_delay,
            context_tokens
        );
        self.env.extend(other.env);
    }
}

/// Layers `layers` (lowest precedence first), then `overrides`, into `Settings`.
pub(super) fn resolve(
    layers: Vec<FileLayer>,
    overrides: &Overrides,
) -> Result<Settings, ConfigError> {
    let mut merged = FileLayer::default();
    for layer in layers {
        merged.review.merge(layer.review);
        if layer.history.enabled.is_some() {
            merged.history.enabled = layer.history.enabled;
        }
        for (name, reviewer) in layer.reviewers {
            merged.reviewers.entry(name).or_default().merge(reviewer);
        }
        let (into, from) = (&mut merged.consolidator, layer.consolidator);
        take!(into, from: reviewer, timeout);
    }
    let review = merged.review;

    let formats = match &overrides.formats {
        Some(words) => parse_formats(words).map_err(|message| ConfigError::BadFlag {
            flag: "format".into(),
            value: words.join(","),
            message,
        })?,
        None => review
            .formats
            .unwrap_or_else(|| vec![Format::Markdown, Format::Json]),
    };
    let default_timeout = review.timeout.unwrap_or(DEFAULT_TIMEOUT);

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
        config.budget_usd = review.budget_usd;
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
            config.trust_code = l.trust_code.unwrap_or(false);
            config.writable = l
                .writable
                .unwrap_or_default()
                .into_iter()
                .map(PathBuf::from)
                .collect();
            config.max_tokens = l.max_tokens;
            config.budget_usd = l.budget_usd.or(config.budget_usd);
            config.price = l.price;
            if let Some(n) = l.retries {
                config.retries = u32::try_from(n).unwrap_or(u32::MAX);
            }
            if let Some(d) = l.retry_delay {
                config.retry_delay = d;
            }
            config.context_tokens = l.context_tokens;
        }
        if let Some(t) = overrides.timeout {
            config.timeout = t;
        }
        if overrides.budget_usd.is_some() {
            config.budget_usd = overrides.budget_usd;
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

    let (names, panel_explicit) = match (&overrides.reviewers, &review.panel) {
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
    let consolidator_name = merged.consolidator.reviewer.as_deref().map(str::trim);
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
        // Nobody named the panel: every defined reviewer but the one defined to be the
        // consolidator.
        None => defined
            .iter()
            .filter(|r| Some(r.name.as_str()) != consolidator_name)
            .cloned()
            .collect(),
    };

    let consolidator = match consolidator_name {
        None | Some("") => None,
        Some(name) => {
            let bad = |message: String| ConfigError::BadConsolidator {
                name: name.to_string(),
                message,
            };
            if !valid_name(name) {
                return Err(bad(
                    "not a reviewer name (letters, digits, `-` and `_`)".into()
                ));
            }
            let mut config = build(name).map_err(|e| bad(e.to_string()))?;
            if config.backend == BackendKind::Builtin {
                return Err(bad(
                    "the builtin reviewer is not a model; name an API, agent CLI or command reviewer".into(),
                ));
            }
            if let Some(t) = merged.consolidator.timeout {
                config.timeout = t;
            }
            Some(config)
        }
    };

    Ok(Settings {
        panel,
        consolidator,
        panel_explicit,
        defined,
        fail_on: overrides.fail_on.or(review.fail_on).unwrap_or_default(),
        out: overrides.out.clone().or(review.out),
        formats,
        severity_policy: review.severity_policy.unwrap_or_default(),
        timeout: overrides.timeout.unwrap_or(default_timeout),
        prompt: overrides.prompt.clone().or(review.prompt),
        history: !overrides.no_history && merged.history.enabled.unwrap_or(true),
        files: Vec::new(),
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    use super::super::tests::{error, settings};
    use super::super::*;
    use crate::options::SeverityPolicy;

    #[test]
    fn history_is_on_unless_a_file_or_the_flag_turns_it_off() {
        assert!(settings(&[]).history);
        assert!(!settings(&[("deep-review.toml", "[history]\nenabled = false\n")]).history);
        assert!(
            settings(&[
                ("config.toml", "[history]\nenabled = false\n"),
                ("deep-review.toml", "[history]\nenabled = true\n")
            ])
            .history
        );
        let flags = Overrides {
            no_history: true,
            ..Overrides::default()
        };
        assert!(!settings_from_texts(&[], &flags).unwrap().history);
        assert_eq!(
            error(&[("deep-review.toml", "[history]\nenabled = \"no\"\n")], &Overrides::default()),
            "invalid value for `history.enabled` in deep-review.toml: expected true or false, found a string"
        );
    }

    #[test]
    fn defaults_when_nothing_is_configured() {
        let s = settings(&[]);
        assert!(s.panel.is_empty());
        assert!(!s.panel_explicit);
        assert_eq!(s.fail_on, FailOn::Critical);
        assert_eq!(s.formats, [Format::Markdown, Format::Json]);
        assert_eq!(s.severity_policy, SeverityPolicy::Evidence);
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
            budget_usd: None,
            no_history: false,
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

    /// `[consolidator]`: a reviewer resolved like the panel's (its own table, the
    /// defaults), with its own timeout; the user file's choice is overridden by the
    /// repository's; builtin and unknown names are errors that say what to do.
    #[test]
    fn consolidator_table() {
        let user = "[consolidator]\nreviewer = \"codex\"\n";
        let repo =
            "[review]\ntimeout = \"5m\"\n[consolidator]\nreviewer = \"judge\"\ntimeout = \"90s\"\n\
                    [reviewers.judge]\nbackend = \"openai\"\nmodel = \"gpt-5\"\nbudget_usd = 0.2\n";
        let s = settings(&[("user.toml", user), ("deep-review.toml", repo)]);
        let judge = s.consolidator.as_ref().expect("a consolidator");
        assert_eq!(judge.name, "judge");
        assert_eq!(judge.backend, BackendKind::Openai);
        assert_eq!(judge.timeout, Duration::from_secs(90));
        assert_eq!(judge.budget_usd, Some(0.2));
        assert!(
            s.panel.iter().all(|r| r.name != "judge"),
            "not in the panel"
        );
        let s = settings(&[("user.toml", user)]);
        assert_eq!(s.consolidator.map(|c| c.backend), Some(BackendKind::Codex));
        assert!(settings(&[("x.toml", "[review]\n")]).consolidator.is_none());

        let bad = |t: &str| error(&[("x.toml", t)], &Overrides::default());
        let e = bad("[consolidator]\nreviewer = \"builtin\"\n");
        assert!(e.contains("not a model"), "{e}");
        let e = bad("[consolidator]\nreviewer = \"nobody\"\n");
        assert!(
            e.contains("[consolidator] reviewer = \"nobody\"") && e.contains("not defined"),
            "{e}"
        );
        let e = bad("[consolidator]\nmodel = \"x\"\n");
        assert!(e.contains("unknown key `consolidator.model`"), "{e}");
    }

    /// Budgets: `[review] budget_usd` is every reviewer's default, a reviewer's own wins,
    /// `--budget` wins over both; prices and retries are read per reviewer.
    #[test]
    fn budgets_prices_and_retries() {
        let text = "[review]\nbudget_usd = 2\n\
                    [reviewers.a]\nbackend = \"anthropic\"\nbudget_usd = 0.25\nmax_tokens = 5000\n\
                    price = { input = 3.0, output = 15 }\nretries = 1\nretry_delay = \"10ms\"\n\
                    [reviewers.b]\nbackend = \"openai\"\n";
        let s = settings(&[("deep-review.toml", text)]);
        let (a, b) = (&s.panel[0], &s.panel[1]);
        assert_eq!(a.budget_usd, Some(0.25));
        assert_eq!(a.max_tokens, Some(5000));
        assert_eq!(
            a.price,
            Some(Price {
                input: 3.0,
                cached_input: 3.0,
                output: 15.0
            })
        );
        assert_eq!((a.retries, a.retry_delay), (1, Duration::from_millis(10)));
        assert_eq!(b.budget_usd, Some(2.0));
        assert_eq!(b.retries, DEFAULT_RETRIES);
        let flags = Overrides {
            budget_usd: Some(0.5),
            ..Overrides::default()
        };
        let s = settings_from_texts(&[("deep-review.toml", text)], &flags).unwrap();
        assert!(s.panel.iter().all(|r| r.budget_usd == Some(0.5)));

        let bad = |t: &str| error(&[("x.toml", t)], &Overrides::default());
        assert!(
            bad("[reviewers.a]\nbackend = \"openai\"\nbudget_usd = -1\n").contains("0 or more"),
            "negative budget"
        );
        let e = bad("[reviewers.a]\nbackend = \"openai\"\nprice = { inptu = 1 }\n");
        assert!(e.contains("unknown key `inptu`"), "{e}");
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
    fn reviewer_errors_name_the_reviewer() {
        let none = Overrides::default();
        let cases: &[(&str, &str)] = &[
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
}
