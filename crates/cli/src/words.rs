//! Option words as clap value parsers: the core's `ALL` list gives `--help` its
//! `[possible values: …]`, the core's `FromStr` reads the word (any case, aliases too).

use std::ffi::OsStr;
use std::str::FromStr;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

/// Reads one of `all`, each named by `name`.
#[derive(Clone)]
pub struct Words<T: 'static> {
    all: &'static [T],
    name: fn(T) -> &'static str,
}

pub fn words<T>(all: &'static [T], name: fn(T) -> &'static str) -> Words<T> {
    Words { all, name }
}

impl<T> TypedValueParser for Words<T>
where
    T: FromStr + Copy + Send + Sync + 'static,
{
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        if let Some(word) = value.to_str().and_then(|s| s.parse().ok()) {
            return Ok(word);
        }
        // Not a word the core reads: clap words the error, listing the values.
        let names = self.all.iter().map(|v| (self.name)(*v));
        PossibleValuesParser::new(names).parse_ref(cmd, arg, value)?;
        Err(clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            self.all.iter().map(|v| PossibleValue::new((self.name)(*v))),
        ))
    }
}

/// Like [`words`], but gives the word in its usual spelling (`markdown` → `md`), for
/// options the core takes as words.
pub fn word_strings<T>(
    all: &'static [T],
    name: fn(T) -> &'static str,
) -> impl TypedValueParser<Value = String>
where
    T: FromStr + Copy + Send + Sync + 'static,
{
    words(all, name).map(move |v| name(v).to_string())
}

#[cfg(test)]
mod tests {
    use deep_review_core::config::FailOn;
    use deep_review_core::options::Format;

    use super::*;

    #[test]
    fn reads_the_cores_words_and_lists_them() {
        let cmd = clap::Command::new("t");
        let fail_on = words(&FailOn::ALL, FailOn::as_str);
        let parse = |w: &str| fail_on.parse_ref(&cmd, None, OsStr::new(w));
        assert_eq!(parse(" NONE").ok(), Some(FailOn::Never));
        assert_eq!(
            parse("sometimes").map_err(|e| e.kind()).err(),
            Some(clap::error::ErrorKind::InvalidValue)
        );
        let listed: Vec<String> = fail_on
            .possible_values()
            .into_iter()
            .flatten()
            .map(|v| v.get_name().to_string())
            .collect();
        assert_eq!(listed, ["critical", "important", "suggestion", "never"]);
        let format = word_strings(&Format::ALL, Format::as_str);
        assert_eq!(
            format.parse_ref(&cmd, None, OsStr::new("Markdown")).ok(),
            Some("md".to_string())
        );
    }
}
