//! The file layer: what one TOML configuration file says, read with serde into a
//! [`FileLayer`]. Every table denies unknown keys; an error names the full key
//! (`reviewers.claude.modle`, found by `serde_path_to_error`) and the file, and an
//! unknown key's hint lists the keys serde itself expects in that table.
//!
//! Values are read through small `deserialize_with` functions so that a wrong value
//! is worded like the rest of deep-review ("expected a string, found an integer")
//! rather than in serde's words.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_path_to_error::Segment;

use super::{
    backend_list, parse_duration, parse_formats, valid_name, BackendKind, ConfigError, FailOn,
    OutputMode, Overrides, Price,
};
use crate::options::{Format, SeverityPolicy, UnknownWord};

/// Visitor methods that reject every TOML scalar in our wording.
macro_rules! reject_scalars {
    () => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(found(&self, "a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(found(&self, "an integer"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(found(&self, "an integer"))
        }
        fn visit_i128<E: de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Err(found(&self, "an integer"))
        }
        fn visit_u128<E: de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Err(found(&self, "an integer"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(found(&self, "a float"))
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(found(&self, "a string"))
        }
    };
}

/// What one file says; `None` (or an empty table) means "not set here".
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct FileLayer {
    #[serde(deserialize_with = "table")]
    pub review: ReviewFile,
    #[serde(deserialize_with = "reviewer_tables")]
    pub reviewers: BTreeMap<String, ReviewerFile>,
    #[serde(deserialize_with = "table")]
    pub history: HistoryFile,
    #[serde(deserialize_with = "table")]
    pub consolidator: ConsolidatorFile,
}

/// The `[consolidator]` table: the optional model that writes the narrative and
/// proposes merges and severity changes (`crate::consolidator`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ConsolidatorFile {
    /// A reviewer name, defined in `[reviewers.<name>]` or built in.
    #[serde(deserialize_with = "string")]
    pub reviewer: Option<String>,
    /// Its timeout, over the reviewer's own.
    #[serde(deserialize_with = "duration")]
    pub timeout: Option<Duration>,
}

/// The `[history]` table: whether reviews are kept in the history database.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct HistoryFile {
    #[serde(deserialize_with = "flag")]
    pub enabled: Option<bool>,
}

/// The `[review]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ReviewFile {
    /// `reviewers`: the panel, by name.
    #[serde(rename = "reviewers", deserialize_with = "list")]
    pub panel: Option<Vec<String>>,
    #[serde(deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    #[serde(deserialize_with = "word")]
    pub fail_on: Option<FailOn>,
    #[serde(deserialize_with = "path")]
    pub out: Option<PathBuf>,
    #[serde(rename = "format", deserialize_with = "formats")]
    pub formats: Option<Vec<Format>>,
    #[serde(deserialize_with = "word")]
    pub severity_policy: Option<SeverityPolicy>,
    #[serde(deserialize_with = "path")]
    pub prompt: Option<PathBuf>,
    /// Each API reviewer's default cost budget in US dollars.
    #[serde(deserialize_with = "dollars")]
    pub budget_usd: Option<f64>,
}

/// One `[reviewers.<name>]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(super) struct ReviewerFile {
    #[serde(deserialize_with = "backend")]
    pub backend: Option<BackendKind>,
    #[serde(deserialize_with = "string")]
    pub model: Option<String>,
    #[serde(deserialize_with = "string")]
    pub effort: Option<String>,
    #[serde(deserialize_with = "string")]
    pub display: Option<String>,
    #[serde(deserialize_with = "duration")]
    pub timeout: Option<Duration>,
    #[serde(deserialize_with = "command")]
    pub command: Option<Vec<String>>,
    #[serde(deserialize_with = "output")]
    pub output: Option<OutputMode>,
    #[serde(deserialize_with = "strings")]
    pub args: Option<Vec<String>>,
    #[serde(deserialize_with = "env")]
    pub env: BTreeMap<String, String>,
    #[serde(deserialize_with = "string")]
    pub binary: Option<String>,
    #[serde(deserialize_with = "string")]
    pub base_url: Option<String>,
    #[serde(deserialize_with = "string")]
    pub api_key_env: Option<String>,
    #[serde(deserialize_with = "sarif_tools")]
    pub sarif_tools: Option<Vec<Vec<String>>>,
    #[serde(deserialize_with = "flag")]
    pub trust_code: Option<bool>,
    #[serde(deserialize_with = "strings")]
    pub writable: Option<Vec<String>>,
    /// API backends: the most tokens (input and output, every turn) the run may use.
    #[serde(deserialize_with = "count")]
    pub max_tokens: Option<u64>,
    /// API backends: the most the run may cost, in US dollars.
    #[serde(deserialize_with = "dollars")]
    pub budget_usd: Option<f64>,
    /// API backends: this model's price, over the built-in table.
    #[serde(deserialize_with = "price")]
    pub price: Option<Price>,
    /// API backends: how many times a request is retried on 429, 5xx or a lost connection.
    #[serde(deserialize_with = "count")]
    pub retries: Option<u64>,
    /// API backends: the first retry's delay (doubling, with jitter, after that).
    #[serde(deserialize_with = "duration")]
    pub retry_delay: Option<Duration>,
    /// API backends: the token budget of the packed context (diff and surroundings).
    #[serde(deserialize_with = "count")]
    pub context_tokens: Option<u64>,
}

/// Parses one configuration file's text; `file` names it in errors.
pub(super) fn parse_layer(text: &str, file: &str) -> Result<FileLayer, ConfigError> {
    let document = toml::de::Deserializer::parse(text).map_err(|e| ConfigError::Syntax {
        file: file.to_string(),
        message: e.to_string().trim().to_string(),
    })?;
    let layer: FileLayer =
        serde_path_to_error::deserialize(document).map_err(|e| from_serde(&e, file))?;
    let panel = layer.review.panel.iter().flatten();
    if let Some(name) = panel.chain(layer.reviewers.keys()).find(|n| !valid_name(n)) {
        return Err(ConfigError::BadName {
            name: name.clone(),
            file: file.to_string(),
        });
    }
    Ok(layer)
}

/// The key toml uses for a date inside serde's data model, where it looks like a table.
const DATE_KEY: &str = "$__toml_private_datetime";

/// A serde error, worded for the user: the full key, and for an unknown key the nearest
/// known one and every key serde expects there.
fn from_serde(error: &serde_path_to_error::Error<toml::de::Error>, file: &str) -> ConfigError {
    let mut key = String::new();
    let mut date = false;
    for segment in error.path().iter() {
        match segment {
            Segment::Map { key: k } if k == DATE_KEY => {
                date = true;
                break;
            }
            Segment::Map { key: k } | Segment::Enum { variant: k } => {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(k);
            }
            Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            Segment::Unknown => key.push('?'),
        }
    }
    let message = error.inner().message();
    let invalid = |message: &str| ConfigError::InvalidValue {
        key: key.clone(),
        file: file.to_string(),
        message: message.to_string(),
    };
    if date {
        return invalid("expected a table, found a date");
    }
    let Some(known) = expected_fields(message) else {
        return invalid(message);
    };
    let last = key.rsplit('.').next().unwrap_or(&key);
    let list = known.join(", ");
    let hint = match closest(last, &known) {
        Some(near) => format!("did you mean `{near}`? known keys here: {list}"),
        None => format!("known keys here: {list}"),
    };
    ConfigError::UnknownKey {
        key,
        file: file.to_string(),
        hint,
    }
}

/// The fields serde lists in its "unknown field `x`, expected one of `a`, `b`" error
/// (the field names of the table's type), or None for any other error.
fn expected_fields(message: &str) -> Option<Vec<&str>> {
    message.strip_prefix("unknown field `")?;
    let Some(at) = message.rfind("`, expected ") else {
        return Some(Vec::new()); // "there are no fields"
    };
    let list = &message[at + "`, expected ".len()..];
    Some(list.split('`').skip(1).step_by(2).collect())
}

/// The known key nearest to `word`, when it is close enough to be a typo.
fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (strsim::levenshtein(word, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) && *d < k.len())
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
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

// ---- Values: each read whole, then checked, so errors name the key itself ----

/// Reads one value and converts it; a conversion error becomes the key's message.
fn read<'de, D, T>(
    d: D,
    convert: impl FnOnce(toml::Value) -> Result<T, String>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let value = toml::Value::deserialize(d)?;
    convert(value).map(Some).map_err(de::Error::custom)
}

fn text(value: toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s),
        other => Err(format!("expected a string, found {}", kind(&other))),
    }
}

fn texts(value: toml::Value) -> Result<Vec<String>, String> {
    let toml::Value::Array(items) = value else {
        return Err(format!(
            "expected an array of strings, found {}",
            kind(&value)
        ));
    };
    items
        .into_iter()
        .map(|item| match item {
            toml::Value::String(s) => Ok(s),
            other => Err(format!(
                "expected an array of strings, found {} in it",
                kind(&other)
            )),
        })
        .collect()
}

/// An array of strings, or one string with comma-separated words.
fn words(value: toml::Value) -> Result<Vec<String>, String> {
    match value {
        toml::Value::String(s) => Ok(Overrides::split_list(&s)),
        other => texts(other),
    }
}

fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    read(d, text)
}

fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    read(d, texts)
}

fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    read(d, words)
}

fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    read(d, |v| match v {
        toml::Value::Boolean(b) => Ok(b),
        other => Err(format!("expected true or false, found {}", kind(&other))),
    })
}

fn path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<PathBuf>, D::Error> {
    read(d, |v| text(v).map(PathBuf::from))
}

fn duration<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    read(d, |v| match v {
        toml::Value::String(s) => parse_duration(&s),
        other => Err(format!(
            "expected a duration string such as \"30m\", found {}",
            kind(&other)
        )),
    })
}

/// An option word (`fail_on`, `severity_policy`), read by its `FromStr`.
fn word<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = UnknownWord>,
{
    read(d, |v| text(v)?.parse::<T>().map_err(|e| e.to_string()))
}

fn formats<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Format>>, D::Error> {
    read(d, |v| parse_formats(&words(v)?))
}

fn backend<'de, D: Deserializer<'de>>(d: D) -> Result<Option<BackendKind>, D::Error> {
    read(d, |v| {
        let word = text(v)?;
        BackendKind::parse(&word)
            .ok_or_else(|| format!("unknown backend `{word}` (one of: {})", backend_list()))
    })
}

fn output<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OutputMode>, D::Error> {
    read(d, |v| {
        let word = text(v)?;
        OutputMode::ALL
            .into_iter()
            .find(|m| m.as_str() == word)
            .ok_or_else(|| {
                UnknownWord {
                    word,
                    expected: OutputMode::ALL.map(OutputMode::as_str).to_vec(),
                }
                .to_string()
            })
    })
}

/// A non-negative amount of money (integer or float).
fn dollars<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    read(d, number)
}

fn number(value: toml::Value) -> Result<f64, String> {
    let n = match value {
        toml::Value::Float(f) => f,
        toml::Value::Integer(i) => i as f64,
        other => return Err(format!("expected a number, found {}", kind(&other))),
    };
    if n.is_finite() && n >= 0.0 {
        Ok(n)
    } else {
        Err(format!("expected a number of 0 or more, found {n}"))
    }
}

/// A non-negative integer.
fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    read(d, |v| match v {
        toml::Value::Integer(i) => {
            u64::try_from(i).map_err(|_| format!("expected 0 or more, found {i}"))
        }
        other => Err(format!("expected an integer, found {}", kind(&other))),
    })
}

/// `{ input = 3.0, output = 15.0, cached_input = 0.3 }`: US dollars per million tokens.
fn price<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Price>, D::Error> {
    read(d, |v| {
        let toml::Value::Table(table) = v else {
            return Err(format!(
                "expected a table such as {{ input = 3.0, output = 15.0 }}, found {}",
                kind(&v)
            ));
        };
        let mut price = Price::default();
        let mut cached = None;
        for (key, value) in table {
            let n = number(value).map_err(|e| format!("`{key}`: {e}"))?;
            match key.as_str() {
                "input" => price.input = n,
                "output" => price.output = n,
                "cached_input" => cached = Some(n),
                _ => {
                    return Err(format!(
                        "unknown key `{key}` (known keys here: input, output, cached_input)"
                    ))
                }
            }
        }
        price.cached_input = cached.unwrap_or(price.input);
        Ok(price)
    })
}

fn command<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    read(d, |v| {
        let argv = texts(v)?;
        if argv.first().is_none_or(|p| p.trim().is_empty()) {
            return Err("the command is empty".to_string());
        }
        Ok(argv)
    })
}

/// A string inside a table or array read by serde (so its key or index is tracked).
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(d, text).map(|t| Text(t.unwrap_or_default()))
    }
}

/// An argv inside an array read by serde.
struct Argv(Vec<String>);

impl<'de> Deserialize<'de> for Argv {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        read(d, texts).map(|t| Argv(t.unwrap_or_default()))
    }
}

fn env<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    let vars: BTreeMap<String, Text> = table(d)?;
    if vars.contains_key(DATE_KEY) {
        return Err(de::Error::custom("expected a table, found a date"));
    }
    Ok(vars.into_iter().map(|(k, Text(v))| (k, v)).collect())
}

fn sarif_tools<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Vec<String>>>, D::Error> {
    struct Tools;
    impl<'de> Visitor<'de> for Tools {
        type Value = Vec<Vec<String>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an array of commands (arrays of strings)")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut tools = Vec::new();
            while let Some(Argv(argv)) = seq.next_element()? {
                if argv.is_empty() {
                    return Err(de::Error::custom("a SARIF tool's command is empty"));
                }
                tools.push(argv);
            }
            Ok(tools)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let date = map.next_key::<String>()?.as_deref() == Some(DATE_KEY);
            Err(found(&self, if date { "a date" } else { "a table" }))
        }

        reject_scalars!();
    }
    d.deserialize_any(Tools).map(Some)
}

// ---- Tables: read through serde so keys inside are tracked ----

/// A table; anything else is "expected a table, found …".
struct Table<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Tables<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Tables<T> {
            type Value = T;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<T, A::Error> {
                Err(found(&self, "an array"))
            }

            reject_scalars!();
        }
        d.deserialize_any(Tables(PhantomData)).map(Table)
    }
}

fn table<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<T, D::Error> {
    Table::<T>::deserialize(d).map(|t| t.0)
}

fn reviewer_tables<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, ReviewerFile>, D::Error> {
    let tables: BTreeMap<String, Table<ReviewerFile>> = table(d)?;
    Ok(tables.into_iter().map(|(k, Table(v))| (k, v)).collect())
}

/// "expected <what the visitor expects>, found <kind>".
fn found<E: de::Error>(expected: &dyn de::Expected, kind: &str) -> E {
    E::custom(format!("expected {expected}, found {kind}"))
}

#[cfg(test)]
mod tests {
    use super::super::tests::error;
    use super::super::{settings_from_texts, Overrides};

    #[test]
    fn errors_name_the_key_and_the_file() {
        let none = Overrides::default();
        let cases: &[(&str, &str)] = &[
            (
                "[reviewers.claude]\nmodle = \"x\"\n",
                "unknown key `reviewers.claude.modle` in deep-review.toml\nhint: did you mean `model`? known keys here: backend, model, effort, display, timeout, command, output, args, env, binary, base_url, api_key_env, sarif_tools, trust_code, writable, max_tokens, budget_usd, price, retries, retry_delay, context_tokens",
            ),
            (
                "[review]\nfail-on = \"critical\"\n",
                "unknown key `review.fail-on` in deep-review.toml\nhint: did you mean `fail_on`? known keys here: reviewers, timeout, fail_on, out, format, severity_policy, prompt, budget_usd",
            ),
            (
                "[reveiw]\n",
                "unknown key `reveiw` in deep-review.toml\nhint: did you mean `review`? known keys here: review, reviewers, history, consolidator",
            ),
            (
                "[review]\nzzz = 1\n",
                "unknown key `review.zzz` in deep-review.toml\nhint: known keys here: reviewers, timeout, fail_on, out, format, severity_policy, prompt, budget_usd",
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
                "invalid value for `review.severity_policy` in deep-review.toml: `loudest` is not one of evidence, majority, highest, lowest",
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
    fn a_value_of_the_wrong_kind_names_its_key() {
        let cases: &[(&str, &str)] = &[
            ("review = 3\n", "`review` in f.toml: expected a table, found an integer"),
            ("review = 1979-05-27\n", "`review` in f.toml: expected a table, found a date"),
            ("[reviewers]\nx = [1]\n", "`reviewers.x` in f.toml: expected a table, found an array"),
            ("[reviewers.x]\nenv = 1979-05-27\n", "`reviewers.x.env` in f.toml: expected a table, found a date"),
            ("[reviewers.x]\nmodel = 1979-05-27\n", "`reviewers.x.model` in f.toml: expected a string, found a date"),
            ("[reviewers.x]\nsarif_tools = [[\"a\"], [1]]\n", "`reviewers.x.sarif_tools[1]` in f.toml: expected an array of strings, found an integer in it"),
        ];
        for (text, expected) in cases {
            let err = error(&[("f.toml", text)], &Overrides::default());
            assert_eq!(err, format!("invalid value for {expected}"), "{text}");
        }
    }

    #[test]
    fn builtin_trust_code() {
        let check = |line: &str, expected: bool| {
            let text = format!("[review]\nreviewers = [\"lint\"]\n\n[reviewers.lint]\nbackend = \"builtin\"\n{line}\n");
            let s =
                settings_from_texts(&[("deep-review.toml", &text)], &Overrides::default()).unwrap();
            assert_eq!(s.panel[0].trust_code, expected, "{line}");
        };
        check("", false);
        check("trust_code = true", true);
        check("trust_code = false", false);
        let text = "[reviewers.lint]\nbackend = \"builtin\"\ntrust_code = \"yes\"\n";
        let err =
            settings_from_texts(&[("deep-review.toml", text)], &Overrides::default()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "invalid value for `reviewers.lint.trust_code` in deep-review.toml: expected true or false, found a string"
        );
    }

    #[test]
    fn command_writable_paths() {
        let text = "[reviewers.s]\nbackend = \"command\"\ncommand = [\"s\"]\nwritable = [\"/cache\"]\n\n[review]\nreviewers = [\"s\"]\n";
        let s = settings_from_texts(&[("deep-review.toml", text)], &Overrides::default()).unwrap();
        assert_eq!(s.panel[0].writable, [std::path::PathBuf::from("/cache")]);
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
